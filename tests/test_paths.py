"""Outputs never replace a link, a device or a folder."""

from __future__ import annotations

import os

import pytest

from allocator.paths import OutputPathError, output_path


def test_a_link_is_followed_and_kept(tmp_path):
    real = tmp_path / "real.gpkg"
    real.write_bytes(b"x")
    link = tmp_path / "link.gpkg"
    link.symlink_to(real)
    assert output_path(link) == real.resolve()
    assert output_path(tmp_path / "new.pdf") == tmp_path / "new.pdf"


def test_a_folder_or_device_is_refused(tmp_path):
    with pytest.raises(OutputPathError, match="is a folder"):
        output_path(tmp_path)
    if os.path.exists("/dev/null"):
        with pytest.raises(OutputPathError, match="not a regular file"):
            output_path("/dev/null")


def test_an_export_refuses_to_replace_a_device():
    from allocator.export import write_private_text

    if not os.path.exists("/dev/null"):
        pytest.skip("no /dev/null here")
    with pytest.raises(OutputPathError, match="not a regular file"):
        write_private_text("/dev/null", "{}")
    assert os.path.exists("/dev/null") and not os.path.isfile("/dev/null")
