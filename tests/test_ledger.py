"""The ledger (台账): every change path appends an entry; saves never rewrite it.

The tiny county (tests/data/tiny): H0 lives in A-301; H1..H5 wait; A-101
(50 m², accessible), A-201, B-101, B-201 are vacant.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import shutil
import sqlite3
import warnings

import pytest

from allocator.cli import main
from allocator.ledger import household_history, ledger_entries
from allocator.project import ProjectError, load_project, save_project
from tests.conftest import TINY


def _import_tiny(tmp_path, capsys):
    project = tmp_path / "p.gpkg"
    code = main(["import", "--register", str(TINY / "register.csv"),
                 "--sites", str(TINY / "sites.geojson"),
                 "--units", str(TINY / "units.csv"),
                 "--facilities", str(TINY / "facilities.csv"),
                 "--county", str(TINY / "county.geojson"), "--out", str(project)])
    assert code == 0
    capsys.readouterr()
    return project


def _raw_ledger(path):
    """The stored ledger rows exactly as SQLite holds them."""
    with sqlite3.connect(path) as connection:
        return connection.execute(
            "SELECT entry, time, user, action, object, before, after, reason "
            "FROM ledger ORDER BY fid").fetchall()


def test_every_command_that_changes_a_project_appends_an_entry(tmp_path, capsys):
    project = _import_tiny(tmp_path, capsys)
    assert main(["rules", str(project), "--set", "detour_factor=1.4",
                 "--reason", "县道改线"]) == 0
    assert main(["lock", str(project), "--household", "H1", "--unit", "A-101",
                 "--reason", "残疾人优先"]) == 0
    assert main(["solve", str(project), "--date", "2026-10-01"]) == 0
    assert main(["export", str(project), "--csv", str(tmp_path / "a.csv")]) == 0
    assert main(["notice", str(project), "--pdf", str(tmp_path / "n.pdf"),
                 "--date", "2026-10-02"]) == 0
    capsys.readouterr()

    ledger = load_project(project).ledger
    assert ledger["action"].tolist() == [
        "import", "edit rules", "lock", "allocate", "export", "notice"]
    assert ledger["entry"].tolist() == [1, 2, 3, 4, 5, 6]
    user = getpass.getuser()
    assert set(ledger["user"]) == {user}
    rules = ledger.iloc[1]
    assert json.loads(rules["before"]) == {"detour_factor": 1.3}
    assert json.loads(rules["after"]) == {"detour_factor": 1.4}
    assert rules["reason"] == "县道改线"
    lock = ledger.iloc[2]
    assert lock["object"] == "household H1"
    assert json.loads(lock["after"])["unit_id"] == "A-101"
    # Every entry carries a time with its zone.
    for time in ledger["time"]:
        assert dt.datetime.fromisoformat(time).tzinfo is not None


def test_an_edit_keeps_earlier_entries_byte_identical(tmp_path, capsys):
    project = _import_tiny(tmp_path, capsys)
    assert main(["solve", str(project), "--date", "2026-10-01"]) == 0
    before = _raw_ledger(project)
    assert [row[3] for row in before] == ["import", "allocate"]

    assert main(["rules", str(project), "--set", "lottery_seed=7"]) == 0
    after = _raw_ledger(project)
    assert after[:2] == before  # entries 1..n unchanged, byte for byte
    assert len(after) == 3
    assert after[2][0] == 3 and after[2][3] == "edit rules"
    assert json.loads(after[2][5]) == {"lottery_seed": 20261204}
    assert json.loads(after[2][6]) == {"lottery_seed": 7}

    # A plain load and save changes nothing either.
    save_project(load_project(project), project)
    assert _raw_ledger(project) == after


@pytest.mark.parametrize("damage", ["change", "drop"])
def test_a_save_that_would_rewrite_the_ledger_is_refused(tmp_path, capsys, damage):
    project = _import_tiny(tmp_path, capsys)
    assert main(["rules", str(project), "--set", "detour_factor=1.5"]) == 0
    stored = project.read_bytes()
    opened = load_project(project)
    if damage == "change":
        opened.ledger.loc[1, "reason"] = "改过的理由"
    else:
        opened.ledger = opened.ledger.iloc[:1]
    opened.log("edit rules", "rules", reason="a later edit")
    with pytest.raises(ProjectError, match="ledger entry 2"):
        save_project(opened, project)
    assert project.read_bytes() == stored  # nothing written

    # Saving it elsewhere is allowed (a new file has no entries to keep).
    save_project(opened, tmp_path / "copy.gpkg")
    assert len(_raw_ledger(tmp_path / "copy.gpkg")) == len(opened.ledger)


def test_import_force_replaces_another_project(tmp_path, capsys):
    project = _import_tiny(tmp_path, capsys)
    assert main(["rules", str(project), "--set", "detour_factor=1.5"]) == 0
    code = main(["import", "--register", str(TINY / "register.csv"),
                 "--sites", str(TINY / "sites.geojson"),
                 "--units", str(TINY / "units.csv"),
                 "--facilities", str(TINY / "facilities.csv"),
                 "--county", str(TINY / "county.geojson"), "--out", str(project),
                 "--force"])
    assert code == 0
    assert [row[3] for row in _raw_ledger(project)] == ["import"]


def test_ledger_command_filters(tmp_path, capsys):
    project = _import_tiny(tmp_path, capsys)
    assert main(["lock", str(project), "--household", "H5", "--unit", "B-201"]) == 0
    assert main(["lock", str(project), "--household", "H3", "--forbid", "B-101"]) == 0
    capsys.readouterr()

    assert main(["ledger", str(project), "--household", "H5"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("#2  ") and "lock  household H5" in out
    assert "H3" not in out
    assert "1 of 3 ledger entries" in err

    assert main(["ledger", str(project), "--action", "lock", "--json",
                 str(tmp_path / "l.json")]) == 0
    rows = json.loads((tmp_path / "l.json").read_text(encoding="utf-8"))
    assert [r["object"] for r in rows] == ["household H5", "household H3"]
    assert main(["ledger", str(project), "--action", "锁定"]) == 0
    assert "2 of 3 ledger entries" in capsys.readouterr().err

    later = dt.date.today() + dt.timedelta(days=7)
    assert main(["ledger", str(project), "--since", later.isoformat()]) == 0
    assert "0 of 3 ledger entries" in capsys.readouterr().err

    # A mistyped 户号 is said to be unknown, not listed as "0 entries".
    assert main(["ledger", str(project), "--household", "H55"]) == 2
    assert "household 'H55' is not in the register and no ledger entry names " \
        "it" in capsys.readouterr().err


def test_household_history_joins_ledger_and_records(tiny_project):
    import pandas as pd

    tiny_project.household_history = pd.DataFrame([
        {"household_id": "H0", "year": 2024, "annual_income": 28000.0,
         "job_status": "稳定就业", "stable_job_years": 1.0, "note": ""},
        {"household_id": "H0", "year": 2025, "annual_income": 30000.0,
         "job_status": "稳定就业", "stable_job_years": 2.0, "note": ""}])
    tiny_project.petitions = pd.DataFrame([
        {"household_id": "H0", "date": "2025-06-03", "kind": "投诉",
         "subject": "房屋漏水维修", "status": "已办结", "note": ""}])
    tiny_project.follow_up_visits = pd.DataFrame([
        {"household_id": "H0", "visit_month": 1, "done_on": "2020-06-15",
         "visitor": "帮扶干部01", "note": "家中无困难"}])
    tiny_project.log("edit", "household H0", before={"annual_income": 28000},
                     after={"annual_income": 30000}, reason="核实收入")
    tiny_project.log("edit", "household H1", reason="another household")

    history = household_history(tiny_project, "H0")
    assert history["source"].tolist() == [
        "visit", "income", "petition", "income", "ledger"]
    assert history["action"].tolist() == [
        "1个月回访", "收入就业记录", "投诉", "收入就业记录", "edit"]
    assert history.iloc[0]["user"] == "帮扶干部01"
    assert json.loads(history.iloc[3]["after"])["annual_income"] == 30000.0
    assert history.iloc[-1]["reason"] == "核实收入"
    assert household_history(tiny_project, "H9").empty
    assert len(ledger_entries(tiny_project, household="H1")) == 1


def test_another_project_may_be_saved_over_a_file(tmp_path, capsys):
    first = _import_tiny(tmp_path, capsys)
    assert main(["rules", str(first), "--set", "detour_factor=1.5"]) == 0
    second_dir = tmp_path / "b"
    second_dir.mkdir()
    second = _import_tiny(second_dir, capsys)
    assert main(["rules", str(second), "--set", "detour_factor=1.2"]) == 0
    target = tmp_path / "target.gpkg"
    shutil.copy(second, target)
    # Both were imported from the same files, perhaps in the same second, but
    # they are two projects: saving the first over the second's file replaces
    # it as asked.
    save_project(load_project(first), target)
    assert _raw_ledger(target) == _raw_ledger(first)
    # The second one, though, may not overwrite its own newer state.
    stale = load_project(second)
    assert main(["rules", str(second), "--set", "detour_factor=1.1"]) == 0
    with pytest.raises(ProjectError, match="ledger"):
        save_project(stale, second)


def test_an_older_project_gets_empty_history_tables(tiny_project, tmp_path):
    import pyogrio

    from allocator.project import LAYERS, TABLES

    path = tmp_path / "new.gpkg"
    save_project(tiny_project, path)
    old = tmp_path / "old.gpkg"
    mine = ("household_history", "petitions", "follow_up_visits", "exits")
    for name in LAYERS + TABLES:
        if name in mine:
            continue
        frame = pyogrio.read_dataframe(path, layer=name)
        if name == "metadata":
            frame.loc[frame["key"] == "schema_version", "value"] = "2"
        if name == "households":
            frame = frame.drop(columns=["exited_on"])
        with warnings.catch_warnings():  # attribute tables have no CRS
            warnings.simplefilter("ignore", UserWarning)
            pyogrio.write_dataframe(frame, old, layer=name, driver="GPKG")

    opened = load_project(old)
    for name in mine:
        assert getattr(opened, name).empty
    assert opened.households["exited_on"].isna().all()
    entry = opened.ledger.iloc[-1]
    assert entry["action"] == "migrate"
    assert set(json.loads(entry["after"])["added_tables"]) >= set(mine)


def test_an_autosave_replaces_a_stale_one(tmp_path, capsys):
    from allocator.autosave import autosave_path, write_autosave

    project = _import_tiny(tmp_path, capsys)
    crashed = load_project(project)
    crashed.log("edit", "household H1", reason="an edit of a session that crashed")
    write_autosave(crashed, project)
    current = load_project(project)
    current.log("edit", "household H2", reason="this session")
    write_autosave(current, project)  # not refused: the autosave is scratch
    assert _raw_ledger(autosave_path(project))[-1][7] == "this session"


def test_a_gap_in_the_ledger_is_reported(tiny_project, tmp_path, capsys):
    # Found by a new user: an entry deleted with sqlite went unnoticed.
    import sqlite3

    from allocator.cli import main
    from allocator.ledger import missing_entries
    from allocator.project import save_project

    path = tmp_path / "p.gpkg"
    for i in range(3):
        tiny_project.log("edit", f"unit U{i}", reason="test")
    save_project(tiny_project, path)
    assert missing_entries(tiny_project) == []
    count = len(tiny_project.ledger)
    with sqlite3.connect(path) as connection:
        connection.execute("DELETE FROM ledger WHERE entry = 2")
    assert main(["ledger", str(path)]) == 0
    err = capsys.readouterr().err
    assert f"{count - 1} of {count - 1} ledger entries" in err
    assert "ledger entries #2 are missing" in err


def test_one_households_history_shows_only_its_part_of_a_list_entry(
        tiny_project, tmp_path, capsys):
    # A reallocation's entry lists every household it changed and every unit
    # it freed; one household's history shows its own line of that list and
    # how many others were left out, not the whole list.
    import pandas as pd

    from allocator.project import save_project

    tiny_project.exits = pd.DataFrame([
        {"household_id": "H1", "unit_id": "Z-1", "exit_on": "2026-10-01",
         "confirmed": "2026-09-01", "user": "u", "reason": "退出机制",
         "freed_on": "2026-10-01"}])
    tiny_project.log("reallocate", "scenario base",
                     after={"run_id": "r1", "freed_units": ["A-301", "Z-1", "Z-2"],
                            "changes": {"allocated": 3},
                            "households": {"H1": "allocated", "H2": "allocated",
                                           "H3": "allocated"}},
                     reason="allocator reallocate")

    history = household_history(tiny_project, "H2")
    (after,) = history.loc[history["action"] == "reallocate", "after"]
    assert json.loads(after) == {
        "run_id": "r1", "freed_units": [], "freed_units_not_shown": 3,
        "changes": {"allocated": 3}, "households": {"H2": "allocated"},
        "households_not_shown": 2}
    # H1's exit is recorded as freeing Z-1: its history keeps that unit.
    (after,) = household_history(tiny_project, "H1").query(
        "action == 'reallocate'")["after"]
    assert json.loads(after)["freed_units"] == ["Z-1"]
    assert json.loads(after)["freed_units_not_shown"] == 2

    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    assert main(["ledger", str(path), "--household", "H3"]) == 0
    out = capsys.readouterr().out
    assert '"households": {"H3": "allocated"}, "households_not_shown": 2' in out
    assert "H1" not in out
    # Without --household the entry is printed whole.
    assert main(["ledger", str(path), "--action", "reallocate"]) == 0
    assert '"H1": "allocated"' in capsys.readouterr().out


def test_a_households_allocation_in_its_history_says_who_and_in_words(tmp_path):
    # Found by a new user: the window's history read "分配 waiting" (in the
    # Chinese window too), with no user, though the ledger recorded one.
    from allocator.ledger import ACTION_LABELS
    from tests.conftest import tiny_solved_by_cli

    project = load_project(tiny_solved_by_cli(tmp_path / "p.gpkg"))
    history = household_history(project, "H5")
    (row,) = history[history["source"] == "allocation"].itertuples()
    assert row.action == "allocation waiting"
    assert ACTION_LABELS[row.action] == "分配结果：轮候"
    assert row.user == getpass.getuser()
    # A mistyped 户号 has no history, not the county's solves (found by a new
    # user: "no longer in the register; its ledger entries follow").
    assert ledger_entries(project, household="H55").empty
    assert len(ledger_entries(project, household="H5")) == 1


def test_a_solves_counts_are_not_read_as_households(tiny_project):
    # Found by a new user: one household's history showed a solve's entry as
    # "households": {}, "households_not_shown": 3, its counts by kind of
    # allocation taken for a list of households.
    counts = {"allocated": 4, "existing": 1, "waiting": 1}
    tiny_project.log("allocate", "scenario base",
                     after={"run_id": "r1", "status": "optimal",
                            "households": counts}, reason="solve")
    history = household_history(tiny_project, "H2")
    (after,) = history.loc[history["action"] == "allocate", "after"]
    assert json.loads(after) == {"run_id": "r1", "status": "optimal",
                                 "households": counts}
