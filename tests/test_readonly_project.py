"""A project where it cannot be written, and saves cut off by kill -9.

Reading commands work on a project in a read-only folder (or a read-only
.gpkg); commands that change it are refused, naming the folder or file and
saying to copy the project. A save killed half-way leaves a temporary copy
beside the project: the next open removes it (or keeps a whole one under a
visible name) and never takes it for the project.

Read-only: an ordinary user gets it from the file mode. Root ignores file
modes, so as root the folder or file is made immutable (``chattr +i``); where
that is not possible the read-only tests are skipped, saying why.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from allocator.cli import main
from allocator.project import ProjectError, load_project, save_project
from tests.conftest import tiny_solved_by_cli

pytestmark = pytest.mark.skipif(os.name != "posix",
                                reason="file modes and kill -9 as on POSIX")


@pytest.fixture(autouse=True)
def _own_log_handlers(own_log_handlers):
    """Console handlers of earlier tests' ``main`` calls put aside (conftest)."""


@pytest.fixture()
def make_read_only():
    """``make_read_only(path)`` makes a folder or file read-only until the
    test ends."""
    undo = []

    def make(path: Path) -> None:
        if os.geteuid() != 0:
            mode = path.stat().st_mode
            path.chmod(0o555 if path.is_dir() else 0o444)
            undo.append(lambda: path.chmod(mode))
            return
        chattr = shutil.which("chattr")
        if chattr is None:
            pytest.skip("running as root, which ignores file modes, and chattr is "
                        "not installed to make the path immutable instead")
        done = subprocess.run([chattr, "+i", str(path)], capture_output=True)
        if done.returncode != 0:
            pytest.skip("running as root, which ignores file modes, and this file "
                        "system refuses chattr +i: "
                        + done.stderr.decode(errors="replace").strip())
        undo.append(lambda: subprocess.run([chattr, "-i", str(path)], check=True))

    yield make
    for step in reversed(undo):
        step()


@pytest.fixture(scope="module")
def solved_project(tmp_path_factory):
    """The tiny county imported, solved and with one solved scenario."""
    folder = tmp_path_factory.mktemp("solved")
    path = tiny_solved_by_cli(folder / "p.gpkg")
    assert main(["scenario", "new", str(path), "关闭幼儿园",
                 "--close-facility", "K1"]) == 0
    assert main(["solve", str(path), "--scenario", "关闭幼儿园", "--backend",
                 "cpsat", "--date", "2026-10-01"]) == 0
    return path


@pytest.fixture()
def project(solved_project, tmp_path, capsys):
    folder = tmp_path / "shared"
    folder.mkdir()
    path = folder / "p.gpkg"
    shutil.copy2(solved_project, path)
    capsys.readouterr()
    return path


READING = [
    ["ledger", "{p}"],
    ["alerts", "{p}", "--date", "2026-10-01"],
    ["export", "{p}", "--pdf", "{out}/orders.pdf", "--household", "H1"],
    ["export", "{p}", "--csv", "{out}/a.csv"],
    ["scenario", "list", "{p}"],
    ["scenario", "show", "{p}", "关闭幼儿园"],
    ["scenario", "diff", "{p}", "关闭幼儿园"],
    ["exits", "{p}"],
]
WRITING = [
    ["solve", "{p}", "--backend", "cpsat"],
    ["rules", "{p}", "--set", "lottery_seed=7"],
    ["lock", "{p}", "--household", "H1", "--unit", "A-101"],
    ["scenario", "new", "{p}", "新方案", "--close-facility", "K1"],
    ["scenario", "delete", "{p}", "关闭幼儿园"],
    ["exits", "{p}", "--apply", "--household", "H0"],
    ["reallocate", "{p}"],
]


def _args(template, path, out):
    return [part.format(p=path, out=out) for part in template]


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("what", ["folder", "file"])
def test_reading_commands_work_on_a_read_only_project(project, tmp_path, capsys,
                                                      make_read_only, what):
    out = tmp_path / "out"
    stored = project.read_bytes()
    names = _listing(project.parent)
    make_read_only(project.parent if what == "folder" else project)
    for template in READING:
        code = main(_args(template, project, out))
        captured = capsys.readouterr()
        assert code == 0, (template, captured.err)
        assert "Traceback" not in captured.err
    assert (out / "orders.pdf").read_bytes()[:5] == b"%PDF-"
    assert (out / "a.csv").exists()
    assert project.read_bytes() == stored
    assert _listing(project.parent) == names  # no lock file, no copy left


def test_an_export_from_a_read_only_folder_says_it_is_not_in_the_ledger(
        project, tmp_path, capsys, make_read_only):
    make_read_only(project.parent)
    assert main(["export", str(project), "--csv", str(tmp_path / "a.csv")]) == 0
    err = capsys.readouterr().err
    assert f"the folder {project.parent} is read-only" in err
    assert "not recorded in the project's ledger;" in err
    # Orders carry numbers that cannot be stored there: said too.
    assert main(["export", str(project), "--pdf", str(tmp_path / "o.pdf")]) == 0
    err = capsys.readouterr().err
    assert ("not recorded in the project's ledger and the order numbers it "
            "printed are not stored") in err


@pytest.mark.parametrize("template", WRITING, ids=lambda t: " ".join(t[:2]))
def test_writing_commands_are_refused_naming_the_folder(project, tmp_path, capsys,
                                                        make_read_only, template):
    stored = project.read_bytes()
    names = _listing(project.parent)
    make_read_only(project.parent)
    assert main(_args(template, project, tmp_path)) == 1
    err = capsys.readouterr().err
    assert f"the folder {project.parent} is read-only" in err
    assert "Copy the project to a folder you can write to" in err
    assert "Traceback" not in err
    assert project.read_bytes() == stored
    assert _listing(project.parent) == names


def test_a_read_only_project_file_is_not_replaced(project, capsys, make_read_only):
    # The folder can be written, the .gpkg not: a save must not rename a new
    # copy over it (a rename needs only the folder).
    stored = project.read_bytes()
    names = _listing(project.parent)
    make_read_only(project)
    assert main(["rules", str(project), "--set", "lottery_seed=7"]) == 1
    err = capsys.readouterr().err
    assert f"the project file {project} is read-only" in err
    assert "Copy the project to a folder you can write to" in err
    opened = load_project(project)
    opened.log("edit", "rules", reason="a window's save")
    with pytest.raises(ProjectError, match="is read-only"):
        save_project(opened, project)
    assert project.read_bytes() == stored
    assert _listing(project.parent) == names


# --- saves cut off by kill -9 -------------------------------------------------

KILLER = textwrap.dedent("""
    import os, signal, sys
    from allocator.project import load_project, save_project

    path, last_table = sys.argv[1], sys.argv[2]
    project = load_project(path)
    project.rules["lottery_seed"] = 99
    project.log("edit rules", "rules", after={"lottery_seed": 99}, reason="killed")

    def kill(table):
        if table == last_table:
            os.kill(os.getpid(), signal.SIGKILL)

    save_project(project, path, fail_after=kill)
""")


def _kill_during_save(path: Path, last_table: str) -> int:
    """Run a save in another process and kill -9 it after ``last_table``;
    returns the killed process's id."""
    child = subprocess.run([sys.executable, "-c", KILLER, str(path), last_table],
                           cwd=Path(__file__).parent.parent, capture_output=True)
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()
    return child


def _temporaries(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if ".saving-" in p.name)


def test_a_save_killed_half_way_is_removed_on_the_next_open(project, caplog):
    stored = project.read_bytes()
    _kill_during_save(project, "households")
    left = _temporaries(project.parent)
    assert left, "the killed save left no temporary file"
    assert project.read_bytes() == stored  # the project was never touched
    assert all(p.stat().st_mode & 0o077 == 0 for p in left)  # owner-only

    with caplog.at_level(logging.WARNING, logger="allocator.project"):
        opened = load_project(project)
    assert _temporaries(project.parent) == []
    assert opened.rules["lottery_seed"] != 99
    assert opened.ledger["reason"].tolist()[-1] != "killed"
    warnings = [r.getMessage() for r in caplog.records
                if r.levelno == logging.WARNING]
    assert any("removed" in w and left[0].name.split("-journal")[0] in w
               for w in warnings), warnings


def test_a_save_killed_after_its_last_table_is_kept_and_named(project, caplog):
    stored = project.read_bytes()
    _kill_during_save(project, "metadata")
    assert len(_temporaries(project.parent)) == 1

    with caplog.at_level(logging.WARNING, logger="allocator.project"):
        opened = load_project(project)
    assert project.read_bytes() == stored
    assert opened.rules["lottery_seed"] != 99
    assert _temporaries(project.parent) == []
    kept = sorted(project.parent.glob("p.interrupted-save-*.gpkg"))
    assert len(kept) == 1
    warnings = [r.getMessage() for r in caplog.records
                if r.levelno == logging.WARNING]
    assert any(str(kept[0]) in w for w in warnings), warnings
    # The kept copy holds what the killed command meant to save.
    copy = load_project(kept[0])
    assert copy.rules["lottery_seed"] == 99
    assert copy.ledger["reason"].tolist()[-1] == "killed"


def test_a_leftover_is_never_opened_as_the_project(project):
    _kill_during_save(project, "metadata")
    leftover = _temporaries(project.parent)[0]
    with pytest.raises(ProjectError, match="interrupted save, not a project") as info:
        load_project(leftover)
    assert f"open {project}" in str(info.value)


def test_the_copy_of_a_save_still_running_is_left_alone(project):
    # A save under way in another process: its process is alive.
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        busy = project.parent / f".p.saving-{sleeper.pid}-abc.gpkg"
        busy.write_bytes(b"half")
        load_project(project)
        assert busy.exists()
    finally:
        sleeper.kill()
        sleeper.wait()
    load_project(project)
    assert not busy.exists()  # its process is gone now


def test_a_project_another_program_holds_is_not_called_damaged(tmp_path, capsys):
    # Found by a new user: with the file held by another program (QGIS in an
    # edit), the tool said it was damaged and to open a backup, which would
    # have lost work.
    import sqlite3

    from conftest import tiny_solved_by_cli

    from allocator.cli import main

    path = tiny_solved_by_cli(tmp_path / "p.gpkg")
    capsys.readouterr()
    other = sqlite3.connect(path)
    other.execute("BEGIN EXCLUSIVE")
    try:  # in a process of its own, as a planner runs it
        done = subprocess.run([sys.executable, "-m", "allocator.cli", "ledger",
                               str(path)], capture_output=True, text=True)
    finally:
        other.rollback()
        other.close()
    assert done.returncode == 1
    err = done.stderr
    assert err.startswith(f"错误 error: {path}: another program is using the "
                          "project file (database is locked)"), err
    assert "The file is not damaged" in err and "backup" not in err
    assert main(["ledger", str(path)]) == 0
