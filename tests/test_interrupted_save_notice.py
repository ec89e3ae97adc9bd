"""What the planner is told about an interrupted save: Chinese first, then the
same in English (as the other planner-facing messages of the core).

The leftovers are made by hand here: a save's temporary copy is named
``.PROJECT.saving-PID-XXXX.gpkg`` and its process (PID) has ended; a copy of
a finished project stands for a save killed after its last table (the kill
itself is tested in tests/test_readonly_project.py).
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from allocator import project as project_module
from allocator.cli import main
from allocator.project import (
    ProjectError,
    load_project,
    save_project,
    tidy_interrupted_saves,
)

pytestmark = pytest.mark.skipif(os.name != "posix",
                                reason="a finished process is told apart on POSIX")


@pytest.fixture(autouse=True)
def _own_log_handlers(own_log_handlers):
    """Console handlers of earlier tests' ``main`` calls put aside (conftest)."""


@pytest.fixture()
def saved(tiny_project, tmp_path) -> Path:
    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    return path


def _pid_of_ended() -> int:
    """The id of a process that has ended."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == "allocator.project" and r.levelno == logging.WARNING]


def _chinese_then_english(message: str, chinese_end: str, english_start: str):
    assert message.index(chinese_end) < message.index(english_start)


def test_an_unfinished_copy_is_removed_and_said_so_in_chinese(saved, caplog):
    pid = _pid_of_ended()
    leftover = saved.parent / f".p.saving-{pid}-abc.gpkg"
    leftover.write_bytes(b"half a save")
    with caplog.at_level(logging.WARNING, logger="allocator.project"):
        load_project(saved)
    assert not leftover.exists()
    assert _warnings(caplog) == [
        f"{saved}: 已删除 {leftover.name}，这是一次被中断的保存（进程 {pid} 中途结束）"
        "未写完的副本；项目文件仍是最后一次完成的保存，如该命令的修改没有保存下来，"
        f"请重新运行该命令。 The unfinished copy {leftover.name} of a save that was "
        f"interrupted (its process {pid} ended half-way) was removed; the project "
        "file holds the last finished save, so run the interrupted command again "
        "if its change is missing"]


def test_a_whole_copy_is_kept_and_named_in_chinese_first(saved, caplog):
    pid = _pid_of_ended()
    leftover = saved.parent / f".p.saving-{pid}-xyz.gpkg"
    shutil.copy2(saved, leftover)  # written to the end, not yet renamed
    with caplog.at_level(logging.WARNING, logger="allocator.project"):
        load_project(saved)
    (kept,) = sorted(saved.parent.glob("p.interrupted-save-*.gpkg"))
    (message,) = _warnings(caplog)
    assert message == (
        f"{saved}: 本项目的一次保存被中断（进程 {pid} 在保存完成前结束），项目文件仍是"
        f"最后一次完成的保存。被中断的保存已全部写完，另存为 {kept}：可打开查看其中"
        f"内容，或将其删除。 A save of this project was interrupted (its process "
        f"{pid} ended before it finished); the project file holds the last "
        "finished save. The interrupted save had written everything, so it is "
        f"kept as {kept}: open it to see what it held, or delete it")
    _chinese_then_english(message, "或将其删除。", "A save of this project")
    # Found by a new user: said once, to whichever command opened the project
    # first; every later opening reminds of the copy while it is there.
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="allocator.project"):
        load_project(saved)
    assert _warnings(caplog) == [
        f"{saved}: 旁边仍有一次被中断的保存另存的副本 {kept.name}，其中的修改不在项目"
        "文件中；请打开查看，需要的修改在项目中重做后将其删除。 A copy kept from an "
        f"interrupted save, {kept.name}, is still beside the project; the change it "
        "holds is not in the project file: open it, redo in the project what is "
        "needed, then delete it"]
    kept.unlink()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="allocator.project"):
        load_project(saved)
    assert _warnings(caplog) == []


def test_a_copy_that_cannot_be_removed_is_named_in_chinese_first(saved, caplog,
                                                                  monkeypatch):
    pid = _pid_of_ended()
    leftover = saved.parent / f".p.saving-{pid}-abc.gpkg"
    leftover.write_bytes(b"half a save")

    def refuse(path, temp, pid):
        raise PermissionError(errno.EACCES, "Permission denied", str(temp))

    monkeypatch.setattr(project_module, "_tidy_one", refuse)
    with caplog.at_level(logging.WARNING, logger="allocator.project"):
        assert tidy_interrupted_saves(saved) == []
    assert leftover.exists()
    assert _warnings(caplog) == [
        f"{saved}: 无法删除被中断的保存留下的文件 {leftover}（Permission denied），"
        f"请手动删除。 Could not remove {leftover}, left by an interrupted save "
        "(Permission denied); delete it by hand"]


def test_a_copy_in_a_read_only_folder_stays_with_a_chinese_note(saved, caplog,
                                                                monkeypatch):
    pid = _pid_of_ended()
    leftover = saved.parent / f".p.saving-{pid}-abc.gpkg"
    leftover.write_bytes(b"half a save")
    monkeypatch.setattr(project_module.os, "access", lambda path, mode: False)
    with caplog.at_level(logging.INFO, logger="allocator.project"):
        assert tidy_interrupted_saves(saved) == []
    monkeypatch.undo()
    assert leftover.exists()
    notes = [r.getMessage() for r in caplog.records if r.name == "allocator.project"]
    assert notes == [f"{leftover}: 被中断的保存留下的文件；所在文件夹只读，故保留。 "
                     "Left by an interrupted save; the folder is read-only, so it "
                     "stays"]


def test_opening_the_leftover_itself_is_refused_in_chinese_first(saved):
    pid = _pid_of_ended()
    leftover = saved.parent / f".p.saving-{pid}-xyz.gpkg"
    shutil.copy2(saved, leftover)
    with pytest.raises(ProjectError) as info:
        load_project(leftover)
    assert str(info.value) == (
        f"{leftover} 是一次被中断的保存留下的副本，不是项目文件；请打开 {saved}。 "
        f"{leftover} is the unfinished copy of an interrupted save, not a project; "
        f"open {saved} instead")


def test_the_command_line_prints_the_notice(saved, capsys):
    pid = _pid_of_ended()
    leftover = saved.parent / f".p.saving-{pid}-abc.gpkg"
    leftover.write_bytes(b"half a save")
    capsys.readouterr()
    assert main(["ledger", str(saved)]) == 0
    err = capsys.readouterr().err
    assert f"{saved}: 已删除 {leftover.name}，这是一次被中断的保存" in err
    _chinese_then_english(err, "请重新运行该命令。", "The unfinished copy")
    assert "Traceback" not in err


def _without_order_numbers(path: Path, version: str) -> None:
    import sqlite3

    with sqlite3.connect(path) as db:
        db.execute("drop table order_numbers")
        for table in ("gpkg_contents", "gpkg_ogr_contents"):
            db.execute(f"delete from {table} where table_name = 'order_numbers'")
        db.execute("update metadata set value = ? where key = 'schema_version'",
                   (version,))


@pytest.mark.parametrize("version, whole", [("3", True), ("4", False)])
def test_a_copy_saved_by_the_previous_version_is_whole_without_newer_tables(
        saved, version, whole):
    # Schema 3 had no order numbers: a copy it wrote to the end is whole and
    # kept; a schema-4 copy without them was cut off and is removed.
    pid = _pid_of_ended()
    leftover = saved.parent / f".p.saving-{pid}-old.gpkg"
    shutil.copy2(saved, leftover)
    _without_order_numbers(leftover, version)
    load_project(saved)
    kept = sorted(saved.parent.glob("p.interrupted-save-*.gpkg"))
    assert not leftover.exists()
    assert len(kept) == (1 if whole else 0)
