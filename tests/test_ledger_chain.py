"""The ledger's hash chain: an entry edited outside the tool is named.

Each entry stores sha256 over its own fields and the previous entry's hash.
The tests edit a saved project with sqlite3, as a planner with QGIS or the
sqlite3 shell could, and check which entry numbers are reported.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3

import pytest

from allocator.cli import main
from allocator.ledger import (
    changed_entries,
    ledger_warning,
    missing_entries,
    unprotected_entries,
)
from allocator.project import load_project, save_project


@pytest.fixture(autouse=True)
def _own_log_handlers(own_log_handlers):
    """Console handlers of earlier tests' ``main`` calls put aside (conftest)."""


def _saved(project, path, edits: int = 3):
    """``project`` with ``edits`` more entries (2..edits+1), saved to ``path``."""
    for i in range(edits):
        project.log("edit", f"unit U{i}", before={"status": "空置"},
                    after={"status": "维修中"}, reason=f"第{i}次")
    save_project(project, path)
    return path


def _sql(path, statement: str, *values) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute(statement, values)


def _rows(path):
    with sqlite3.connect(path) as connection:
        return connection.execute(
            "SELECT entry, time, user, action, object, before, after, reason, hash "
            "FROM ledger ORDER BY fid").fetchall()


def test_stored_hashes_chain_each_entry_to_the_one_before(tiny_project, tmp_path):
    # The stored format, recomputed here from the raw rows: sha256 of the JSON
    # list [entry, time, user, action, object, before, after, reason, previous
    # hash] (compact separators, UTF-8), "" before the first entry.
    path = _saved(tiny_project, tmp_path / "p.gpkg")
    rows = _rows(path)
    assert [row[0] for row in rows] == [1, 2, 3, 4]
    previous = ""
    for row in rows:
        fields = [str(row[0])] + [value or "" for value in row[1:8]] + [previous]
        text = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
        assert row[8] == hashlib.sha256(text.encode("utf-8")).hexdigest()
        previous = row[8]
    assert changed_entries(load_project(path)) == []


@pytest.mark.parametrize("column, value", [
    ("after", '{"status": "空置"}'),
    ("reason", "没有人做过这件事"),
    ("before", ""),
    ("time", "2020-01-01T00:00:00+08:00"),
    ("user", "someone"),
    ("action", "import"),
    ("object", "unit U9"),
])
def test_an_entry_edited_with_sqlite_is_named(tiny_project, tmp_path, capsys,
                                              column, value):
    path = _saved(tiny_project, tmp_path / "p.gpkg")
    _sql(path, f"UPDATE ledger SET {column} = ? WHERE entry = 3", value)

    assert changed_entries(load_project(path)) == [3]
    assert main(["ledger", str(path)]) == 0  # a warning, not a failure
    out, err = capsys.readouterr()
    assert "ledger entries #3 were changed after they were written" in err
    assert "Traceback" not in err
    marked = [line for line in out.splitlines() if "changed outside the tool" in line]
    assert len(marked) == 1 and marked[0].startswith("#3 ")


def test_the_first_entry_and_a_removed_hash_are_named(tiny_project, tmp_path):
    path = _saved(tiny_project, tmp_path / "p.gpkg")
    _sql(path, "UPDATE ledger SET reason = 'x' WHERE entry = 1")
    _sql(path, "UPDATE ledger SET hash = NULL WHERE entry = 4")
    assert changed_entries(load_project(path)) == [1, 4]


def test_renumbering_after_a_deletion_is_named(tiny_project, tmp_path):
    # Deleting entry 2 and renumbering 3 and 4 closes the gap; the last save
    # had 4 entries, so one is missing at the end, and the hashes tell which
    # entries were touched.
    path = _saved(tiny_project, tmp_path / "p.gpkg")
    _sql(path, "DELETE FROM ledger WHERE entry = 2")
    _sql(path, "UPDATE ledger SET entry = entry - 1 WHERE entry > 2")
    project = load_project(path)
    assert missing_entries(project) == [4]
    assert changed_entries(project) == [2, 3]


def test_a_deleted_entry_is_missing_and_its_successor_not_blamed(tiny_project,
                                                                 tmp_path):
    path = _saved(tiny_project, tmp_path / "p.gpkg")
    _sql(path, "DELETE FROM ledger WHERE entry = 2")
    project = load_project(path)
    assert missing_entries(project) == [2]
    assert changed_entries(project) == []  # entry 3 cannot be checked, not changed


def test_entries_cut_off_the_end_are_missing(tiny_project, tmp_path):
    # The tiny project has its import entry (1) and three edits (2-4); the
    # save records 4 as the last entry, so deleting 3 and 4 (nothing after
    # them to show a gap) is still seen, and says so on the next save.
    path = _saved(tiny_project, tmp_path / "p.gpkg")
    assert [row[0] for row in _rows(path)] == [1, 2, 3, 4]
    _sql(path, "DELETE FROM ledger WHERE entry >= 3")
    project = load_project(path)
    assert missing_entries(project) == [3, 4]
    assert "#3, #4 are missing" in ledger_warning(project)
    project.log("edit", "unit U9", reason="after the cut")
    save_project(project, path)
    assert missing_entries(load_project(path)) == [3, 4]


def test_opening_an_edited_project_warns_and_still_opens(tiny_project, tmp_path,
                                                          caplog):
    path = _saved(tiny_project, tmp_path / "p.gpkg")
    _sql(path, "UPDATE ledger SET after = '{}' WHERE entry = 2")
    with caplog.at_level(logging.WARNING, logger="allocator.project"):
        project = load_project(path)
    assert len(project.ledger) == 4
    warnings = [r.getMessage() for r in caplog.records
                if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "ledger entries #2 were changed" in warnings[0]
    assert str(path) in warnings[0]

    # Later entries chain on as stored; the edited one stays named after saves.
    project.log("edit", "unit U7", reason="later")
    save_project(project, path)
    assert changed_entries(load_project(path)) == [2]


def test_a_clean_ledger_gives_no_warning(tiny_project, tmp_path, capsys, caplog):
    path = _saved(tiny_project, tmp_path / "p.gpkg")
    with caplog.at_level(logging.WARNING):
        load_project(path)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert main(["ledger", str(path)]) == 0
    err = capsys.readouterr().err
    assert "4 of 4 ledger entries" in err
    assert "警告" not in err and "注意" not in err


def test_entries_appended_directly_get_their_hash_when_saved(tiny_project,
                                                              tmp_path):
    # Exits append their "free unit" entries to the frame in one go; the
    # save gives them their hashes, chained after the entry before.
    import pandas as pd

    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    project = load_project(path)
    project.ledger = pd.concat([project.ledger, pd.DataFrame([{
        "entry": 2, "time": "2026-10-01T09:00:00+08:00", "user": "u",
        "action": "free unit", "object": "unit A-301", "before": "", "after": "",
        "reason": "household H0 exited on 2026-10-01"}])], ignore_index=True)
    project.log("edit", "unit A-301", reason="after the exit")
    save_project(project, path)
    rows = _rows(path)
    assert [row[0] for row in rows] == [1, 2, 3]
    assert all(row[8] for row in rows)
    assert changed_entries(load_project(path)) == []
    _sql(path, "UPDATE ledger SET reason = 'x' WHERE entry = 2")
    assert changed_entries(load_project(path)) == [2]


def test_a_removed_hash_is_not_restored_by_a_later_save(tiny_project, tmp_path):
    path = _saved(tiny_project, tmp_path / "p.gpkg")
    _sql(path, "UPDATE ledger SET hash = NULL WHERE entry = 4")
    project = load_project(path)
    project.log("edit", "unit U8", reason="later")
    save_project(project, path)  # not refused: the stored entries are kept as is
    rows = _rows(path)
    assert rows[3][8] is None and rows[4][8]
    assert changed_entries(load_project(path)) == [4]


def test_a_project_from_before_the_chain_opens_and_is_protected_from_then_on(
        tiny_project, tmp_path, capsys, caplog):
    # An older project: no hashes, no chain start in its metadata.
    path = _saved(tiny_project, tmp_path / "p.gpkg")
    _sql(path, "UPDATE ledger SET hash = NULL")
    _sql(path, "DELETE FROM metadata WHERE key = 'ledger_chain_from'")
    _sql(path, "UPDATE ledger SET reason = 'changed long ago' WHERE entry = 2")

    with caplog.at_level(logging.WARNING):
        project = load_project(path)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert unprotected_entries(project) == [1, 2, 3, 4]
    assert changed_entries(project) == []  # accepted as they are

    assert main(["ledger", str(path)]) == 0
    err = capsys.readouterr().err
    notes = [line for line in err.splitlines() if line.startswith("注意")]
    assert len(notes) == 1 and "entries #1–#4" in notes[0]
    assert "警告" not in err

    assert main(["rules", str(path), "--set", "lottery_seed=7"]) == 0
    rows = _rows(path)
    assert [row[8] is None for row in rows] == [True] * 4 + [False]
    _sql(path, "UPDATE ledger SET after = '{}' WHERE entry = 5")
    project = load_project(path)
    assert unprotected_entries(project) == [1, 2, 3, 4]
    assert changed_entries(project) == [5]
