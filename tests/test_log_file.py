"""The per-user log file: private to its user, and bounded in size."""

from __future__ import annotations

import logging
import os
import stat

import pytest

from allocator import cli


@pytest.fixture()
def log_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path))
    root = logging.getLogger()
    before = list(root.handlers)
    yield tmp_path / "allocator"
    for handler in root.handlers[:]:
        if handler not in before:
            root.removeHandler(handler)
            handler.close()


@pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")
def test_the_log_is_readable_by_its_user_only(log_home):
    path = cli.add_file_log()
    assert path == log_home / "allocator.log"
    logging.getLogger("allocator").info("户主 阿鲁 513431199001011234")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_the_log_starts_afresh_when_full_and_keeps_three(log_home, monkeypatch):
    monkeypatch.setattr(cli, "LOG_BYTES", 2_000)
    path = cli.add_file_log()
    # A second call in the same process adds no second handler.
    assert cli.add_file_log() == path
    line = "x" * 100
    for i in range(200):  # about 20 kB: ten files' worth
        logging.getLogger("allocator").info("%04d %s", i, line)
    kept = sorted(p.name for p in log_home.iterdir())
    assert kept == ["allocator.log", "allocator.log.1", "allocator.log.2",
                    "allocator.log.3"]
    for name in kept:
        assert (log_home / name).stat().st_size <= 2_000 + 200
    # The newest records are in allocator.log, the ones before in .1.
    assert "0199" in path.read_text(encoding="utf-8")
    newest = int((log_home / "allocator.log.1").read_text(encoding="utf-8")
                 .split()[-2])
    oldest_now = int(path.read_text(encoding="utf-8").splitlines()[0].split()[-2])
    assert newest == oldest_now - 1
    if os.name != "nt":  # found by a new user: a rollover made it 0644
        for name in kept:
            assert stat.S_IMODE((log_home / name).stat().st_mode) == 0o600


@pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")
def test_a_log_left_readable_by_others_is_made_private(log_home):
    log_home.mkdir(mode=0o700)
    (log_home / "allocator.log").write_text("", encoding="utf-8")
    os.chmod(log_home / "allocator.log", 0o644)
    path = cli.add_file_log()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
