"""Unsaved edits survive a crash through the autosave."""

from __future__ import annotations

import os
import time

from allocator.autosave import (
    autosave_path,
    discard_autosave,
    recover,
    recovery_for,
    write_autosave,
)
from allocator.project import save_project


def test_autosave_offers_recovery_only_when_newer(tiny_project, tmp_path):
    path = tmp_path / "县 项目.gpkg"
    save_project(tiny_project, path)
    assert recovery_for(path) is None

    tiny_project.households.loc[0, "category"] = "工程搬迁"  # an unsaved edit
    write_autosave(tiny_project, path)
    os.utime(autosave_path(path), (time.time() + 5, time.time() + 5))
    assert recovery_for(path) == autosave_path(path)
    recovered = recover(path)
    assert recovered.households.loc[0, "category"] == "工程搬迁"
    assert recovered.ledger.iloc[-1]["action"] == "recover"

    save_project(recovered, path)
    discard_autosave(path)
    assert recovery_for(path) is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["县 项目.gpkg"]
