"""The exit rule (退出机制): who qualifies and why, confirming exits, freed units.

Hand-made cases use the tiny county: H0 (4 people) lives in A-301 since
2020-05-12; the other households wait.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re

import pandas as pd
import pytest

from allocator.allocate import build_instance
from allocator.cli import main
from allocator.exits import (
    ExitError,
    apply_due_exits,
    confirm_exits,
    exit_review,
    qualifying_households,
)
from allocator.history import read_histories
from allocator.project import load_project, save_project
from sample_data import sample_files, sample_history_files
from tests.conftest import TINY_TODAY

TODAY = dt.date(2026, 12, 4)


def _history(project, rows):
    project.household_history = pd.DataFrame(
        [{"household_id": h, "year": y, "annual_income": float(i), "job_status": s,
          "stable_job_years": float(j), "note": ""} for h, y, i, s, j in rows])


@pytest.fixture(scope="module")
def sample_with_history(sample_import):
    project = copy.deepcopy(sample_import)
    frames, problems = read_histories(sample_history_files(),
                                      set(project.households["household_id"]))
    assert problems == []
    for table, frame in frames.items():
        setattr(project, table, frame)
    return project


def test_sample_county_qualifiers_match_the_history_file(sample_with_history):
    files = sample_files() | sample_history_files()
    history = pd.read_csv(files["history"], dtype={"户号": str},
                          encoding="utf-8-sig")
    units = pd.read_csv(files["units"], dtype=str, encoding="utf-8-sig")
    housed = set(units.loc[units["状态"] == "已入住", "现住户号"])
    sizes = sample_with_history.members.groupby("household_id").size()
    latest = history.sort_values("年度").groupby("户号").tail(1).set_index("户号")
    per_capita = latest["年收入"] / sizes.reindex(latest.index)
    expected = sorted(h for h in latest.index[
        (per_capita > 15000) & (latest["稳定就业年限"] >= 3)] if h in housed)

    found = qualifying_households(sample_with_history, TODAY)
    assert len(expected) == 360
    assert found["household_id"].tolist() == expected
    assert found["unit_id"].notna().all()
    first = found.iloc[0]
    assert first["household_id"] == "ZJ-000013"
    assert first["reason"] == "人均年收入 15,900 > 15,000；稳定就业年限 3 >= 3"


def test_confirming_all_sample_exits_frees_their_units(sample_with_history):
    project = copy.deepcopy(sample_with_history)
    chosen = qualifying_households(project, TODAY)
    vacant = int((project.housing_units["status"] == "vacant").sum())
    confirm_exits(project, chosen["household_id"].tolist(), TODAY, TODAY,
                  reason="2026年度退出审核")
    units = project.housing_units
    assert int((units["status"] == "vacant").sum()) == vacant + 360
    freed = units[units["unit_id"].isin(chosen["unit_id"])]
    assert (freed["status"] == "vacant").all() and freed["household_id"].isna().all()
    assert project.ledger["action"].value_counts()[["exit", "free unit"]].tolist() \
        == [360, 360]
    assert apply_due_exits(project, TODAY) == []  # idempotent


def test_qualifies_only_with_income_and_three_years(tiny_project):
    _history(tiny_project, [("H0", 2024, 50000, "稳定就业", 2),
                            ("H0", 2025, 64000, "稳定就业", 3)])
    review = exit_review(tiny_project, TINY_TODAY)
    assert review["household_id"].tolist() == ["H0"]  # only housed households
    row = review.iloc[0]
    assert bool(row["qualifies"]) and row["per_capita_income"] == 16000.0
    assert row["reason"] == "人均年收入 16,000 > 15,000；稳定就业年限 3 >= 3"

    _history(tiny_project, [("H0", 2025, 64000, "稳定就业", 2)])
    row = exit_review(tiny_project, TINY_TODAY).iloc[0]
    assert not row["qualifies"]
    assert row["reason"].endswith("稳定就业年限 2 >= 3（未满足）")

    # Exactly the average is not above it.
    _history(tiny_project, [("H0", 2025, 60000, "稳定就业", 5)])
    assert not exit_review(tiny_project, TINY_TODAY).iloc[0]["qualifies"]


def test_a_future_year_is_not_counted_and_the_register_fills_gaps(tiny_project):
    # No history: the register's 30,000 yuan for 4 people and 2 years count.
    row = exit_review(tiny_project, TINY_TODAY).iloc[0]
    assert row["annual_income"] == 30000.0 and row["stable_job_years"] == 2.0
    _history(tiny_project, [("H0", 2027, 99000, "稳定就业", 9)])
    assert exit_review(tiny_project, TINY_TODAY).iloc[0]["annual_income"] == 30000.0


def test_rule_changes_and_extra_conditions(tiny_project):
    _history(tiny_project, [("H0", 2025, 64000, "稳定就业", 3)])
    tiny_project.rules["county_average_income_yuan"] = 17000
    assert not exit_review(tiny_project, TINY_TODAY).iloc[0]["qualifies"]
    tiny_project.rules["exit_income_basis"] = "household"  # 64,000 > 17,000
    assert exit_review(tiny_project, TINY_TODAY).iloc[0]["qualifies"]

    tiny_project.petitions = pd.DataFrame([{
        "household_id": "H0", "date": "2026-08-01", "kind": "信访",
        "subject": "补贴发放", "status": "办理中", "note": ""}])
    tiny_project.rules["exit_conditions"] = [
        {"field": "open_petitions", "op": "==", "value": 0}]
    row = exit_review(tiny_project, TINY_TODAY).iloc[0]
    assert not row["qualifies"]
    assert row["reason"].endswith("未办结投诉信访 1 == 0（未满足）")


def test_a_future_exit_keeps_the_unit_until_its_date(tiny_project):
    _history(tiny_project, [("H0", 2025, 64000, "稳定就业", 3)])
    exit_on = dt.date(2027, 1, 31)
    confirm_exits(tiny_project, ["H0"], exit_on, TINY_TODAY, reason="年度审核")
    units = tiny_project.housing_units.set_index("unit_id")
    assert units.at["A-301", "status"] == "occupied"
    assert units.at["A-301", "household_id"] == "H0"
    households = tiny_project.households.set_index("household_id")
    assert households.at["H0", "exited_on"] == "2027-01-31"
    # Still housed until then: the model keeps it in its unit.
    instance = build_instance(tiny_project, TINY_TODAY)
    assert "H0" in instance.household_ids

    assert apply_due_exits(tiny_project, dt.date(2027, 1, 30)) == []
    assert apply_due_exits(tiny_project, exit_on) == ["A-301"]
    assert apply_due_exits(tiny_project, exit_on) == []
    units = tiny_project.housing_units.set_index("unit_id")
    assert units.at["A-301", "status"] == "vacant"
    assert units.at["A-301", "household_id"] is None
    assert tiny_project.exits.iloc[0]["freed_on"] == "2027-01-31"
    actions = tiny_project.ledger["action"].tolist()
    assert actions[-2:] == ["exit", "free unit"]

    # Gone from the model: not on the waiting list, its unit is vacant.
    instance = build_instance(tiny_project, TINY_TODAY)
    assert "H0" not in instance.household_ids
    assert len(instance.household_ids) == 5
    vacant_units = sum(len(c) for c in instance.class_units)
    assert vacant_units == 5  # B-101, B-201 and A-301


def test_exits_that_cannot_be_confirmed_change_nothing(tiny_project):
    _history(tiny_project, [("H0", 2025, 40000, "稳定就业", 3)])
    ledger = len(tiny_project.ledger)
    with pytest.raises(ExitError) as error:
        confirm_exits(tiny_project, ["H0", "H1", "H9"], TINY_TODAY, TINY_TODAY)
    message = str(error.value)
    assert "household H0 does not qualify: 人均年收入 10,000 > 15,000（未满足）" \
        in message
    assert "household H1 does not live in a unit, so it cannot exit;" in message
    assert "household H9 is not in the project" in message
    assert len(tiny_project.ledger) == ledger and tiny_project.exits.empty


def test_exits_survive_a_save(tiny_project, tmp_path):
    _history(tiny_project, [("H0", 2025, 64000, "稳定就业", 3)])
    confirm_exits(tiny_project, ["H0"], dt.date(2026, 9, 30), TINY_TODAY)
    save_project(tiny_project, tmp_path / "p.gpkg")
    opened = load_project(tmp_path / "p.gpkg")
    assert opened.exits[["household_id", "unit_id", "exit_on", "freed_on"]].to_dict(
        "records") == [{"household_id": "H0", "unit_id": "A-301",
                        "exit_on": "2026-09-30", "freed_on": "2026-10-01"}]
    households = opened.households.set_index("household_id")
    assert households.at["H0", "exited_on"] == "2026-09-30"
    assert households["exited_on"].isna().sum() == 5
    assert len(opened.household_history) == 1


def test_exits_command_lists_then_applies(tiny_project, tmp_path, capsys):
    _history(tiny_project, [("H0", 2025, 64000, "稳定就业", 3)])
    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)

    assert main(["exits", str(path)]) == 0
    out, err = capsys.readouterr()
    assert "H0  A-301  符合 qualifies  人均年收入 16,000 > 15,000" in out
    assert "1 of 1 housed household(s) qualify" in err
    assert load_project(path).exits.empty  # listing changes nothing

    assert main(["exits", str(path), "--apply", "--household", "H1"]) == 1
    assert "household H1 does not live in a unit, so it cannot exit" \
        in capsys.readouterr().err

    for bad in ("20261201", "2026-13-01"):  # argparse refuses: exit 2
        with pytest.raises(SystemExit) as refused:
            main(["exits", str(path), "--apply", "--date", bad])
        assert refused.value.code == 2
        assert f"{bad!r} is not a date YYYY-MM-DD" in capsys.readouterr().err
    assert load_project(path).exits.empty

    # Found by a new user: a reason with a terminal colour code or a mark
    # turning the text's direction was kept, and `ledger` acted on it.
    for reason, shown in (("退出\x1b[31m红", "U+001B"), ("退出\u202e反", "U+202E"),
                          ("退出\t审核", "U+0009")):
        with pytest.raises(SystemExit) as refused:
            main(["exits", str(path), "--apply", "--household", "H0",
                  "--reason", reason])
        assert refused.value.code == 2
        assert f"argument --reason: {reason!r} holds control characters ({shown}); " \
            "write the reason as one line of plain text" in capsys.readouterr().err
    assert load_project(path).exits.empty

    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    # A household named twice is one exit (found by a new user: "2 exits").
    assert main(["exits", str(path), "--apply", "--date", future,
                 "--household", "H0", "H0", "--reason", "年度退出审核"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"confirmed 1 exit(s) on {future}; 0 unit(s) 空置 vacant now, 1 to be "
        f"freed on {future}")
    opened = load_project(path)
    assert opened.exits.iloc[0]["exit_on"] == future
    assert opened.exits.iloc[0]["freed_on"] is None
    entry = opened.ledger.iloc[-1]
    assert entry["action"] == "exit" and entry["reason"] == "年度退出审核"
    assert json.loads(entry["after"])["exit_on"] == future
    # Found by a new user: confirming it again said "has already exited".
    assert main(["exits", str(path), "--apply", "--date", future,
                 "--household", "H0", "--reason", "年度退出审核"]) == 1
    assert f"household H0's exit is already confirmed for {future}; to change " \
        "the day, take it back with --cancel and confirm it again" \
        in capsys.readouterr().err


def _solved_after_h0_left(project, tmp_path):
    """The tiny project saved and solved on TINY_TODAY after H0's exit of
    2026-09-30 (income 64,000 for 4, three years of stable work) freed A-301."""
    _history(project, [("H0", 2025, 64000, "稳定就业", 3)])
    confirm_exits(project, ["H0"], dt.date(2026, 9, 30), TINY_TODAY)
    path = tmp_path / "p.gpkg"
    save_project(project, path)
    assert main(["solve", str(path), "--date", TINY_TODAY.isoformat()]) == 0
    return path


def test_a_solve_after_an_exit_gives_the_freed_unit_to_the_waiting_list(
        tiny_project, tmp_path, capsys):
    path = _solved_after_h0_left(tiny_project, tmp_path)
    capsys.readouterr()
    opened = load_project(path)
    allocations = opened.allocations.set_index("household_id")
    assert "H0" not in allocations.index  # not back on the waiting list
    # A-301 is vacant again, but its 100 m² fit 4 to 8 people (12-25 m² each)
    # and the waiting households have 1 to 3, so it stays free.
    units = opened.housing_units.set_index("unit_id")
    assert units.at["A-301", "status"] == "vacant"
    assert "A-301" not in set(allocations["unit_id"].dropna())
    assert allocations["kind"].value_counts().to_dict() == {"allocated": 4,
                                                             "waiting": 1}


def test_exit_rules_are_set_and_checked_by_the_rules_command(tiny_project, tmp_path,
                                                             capsys):
    _history(tiny_project, [("H0", 2025, 64000, "稳定就业", 3)])
    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    bad = '[{"field": "salary", "op": "=>", "value": 1}]'
    assert main(["rules", str(path), "--set", f"exit_conditions={bad}"]) == 1
    err = capsys.readouterr().err
    assert "exit_conditions[0]: field 'salary' is not one of" in err
    assert "exit_conditions[0]: op '=>' is not one of" in err
    assert main(["rules", str(path), "--set", "exit_income_basis=monthly"]) == 1
    assert "must be per_capita or household" in capsys.readouterr().err

    good = '[{"field": "size", "op": ">=", "value": 5}]'
    assert main(["rules", str(path), "--set", f"exit_conditions={good}",
                 "--reason", "大户暂缓退出"]) == 0
    capsys.readouterr()
    assert main(["exits", str(path), "--household", "H0"]) == 0
    out = capsys.readouterr().out
    assert "H0  A-301  不符合 does not qualify" in out
    assert out.rstrip().endswith("户人数 4 >= 5（未满足）")
    entry = load_project(path).ledger.iloc[-1]
    assert entry["action"] == "edit rules" and entry["reason"] == "大户暂缓退出"


def test_exits_freed_today_are_said_vacant_now_only(tiny_project, tmp_path, capsys):
    _history(tiny_project, [("H0", 2025, 64000, "稳定就业", 3)])
    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    today = dt.date.today().isoformat()
    assert main(["exits", str(path), "--apply", "--reason", "年度退出审核"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"confirmed 1 exit(s) on {today}; 1 unit(s) 空置 vacant now")
    assert load_project(path).exits.iloc[0]["freed_on"] == today


def test_a_household_allocated_but_not_moved_in_is_told_so(tmp_path, capsys):
    from tests.conftest import tiny_solved_by_cli

    path = tiny_solved_by_cli(tmp_path / "p.gpkg")  # H3 is allocated B-101
    capsys.readouterr()
    assert main(["exits", str(path), "--apply", "--household", "H3"]) == 1
    assert ("household H3 does not live in a unit, so it cannot exit (it is "
            "allocated B-101 and has not moved in)") in capsys.readouterr().err


def test_a_pending_exit_is_taken_back_and_confirmed_again(tiny_project, tmp_path,
                                                          capsys):
    # H0's exit was confirmed for the wrong day, 30 days ahead: taken back, it
    # is housed again (no exit, not marked exited), and confirmed for the
    # right day, 60 days ahead. An exit whose unit was freed is not taken back.
    _history(tiny_project, [("H0", 2025, 64000, "稳定就业", 3)])
    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    wrong = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    right = (dt.date.today() + dt.timedelta(days=60)).isoformat()
    assert main(["exits", str(path), "--apply", "--household", "H0",
                 "--date", wrong]) == 0
    capsys.readouterr()
    assert main(["exits", str(path), "--cancel", "--household", "H0",
                 "--reason", "日期填错"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [f"H0  退出已撤回 exit of {wrong} taken back",
                   "took back 1 exit(s); confirm again with `allocator exits "
                   f"{path} --apply --household ID --date YYYY-MM-DD`"]
    opened = load_project(path)
    assert opened.exits.empty
    assert opened.households["exited_on"].isna().all()
    entry = opened.ledger.iloc[-1]
    assert (entry["action"], entry["object"], entry["reason"]) == (
        "cancel exit", "household H0", "日期填错")
    assert json.loads(entry["before"]) == {"exit_on": wrong, "unit_id": "A-301"}

    assert main(["exits", str(path), "--apply", "--household", "H0",
                 "--date", right]) == 0
    assert load_project(path).exits["exit_on"].tolist() == [right]

    # Usage: --cancel needs --household and takes no --apply or --date; an
    # empty household id is refused as such.
    assert main(["exits", str(path), "--cancel"]) == 2
    capsys.readouterr()
    assert main(["exits", str(path), "--cancel", "--household", " "]) == 2
    assert "--household needs a household id (户号); an empty one was given" in \
        capsys.readouterr().err
    assert main(["exits", str(path), "--cancel", "--household", "H0", "--apply"]) == 2
    # H1 has no exit; once freed, H0's exit has taken effect: nothing changes.
    capsys.readouterr()
    assert main(["exits", str(path), "--cancel", "--household", "H1"]) == 1
    assert "household H1 has no confirmed exit; nothing changed" in \
        capsys.readouterr().err
    project = load_project(path)
    apply_due_exits(project, dt.date.today() + dt.timedelta(days=61))
    save_project(project, path)
    before = path.read_bytes()
    assert main(["exits", str(path), "--cancel", "--household", "H0"]) == 1
    assert (f"household H0's exit took effect: its unit was freed on "
            f"{(dt.date.today() + dt.timedelta(days=61)).isoformat()}, so it cannot "
            "be taken back here; nothing changed") in capsys.readouterr().err
    assert path.read_bytes() == before


def test_a_reallocation_dated_before_an_exit_in_effect_is_refused(
        tiny_project, tmp_path, capsys):
    # H0's exit of 2026-09-30 freed A-301 when the project was solved on
    # 2026-10-01; a reallocation as of 2026-09-29 would find H0 without a
    # unit. It is refused and names the exit's day; on that day it runs.
    path = _solved_after_h0_left(tiny_project, tmp_path)
    before = path.read_bytes()
    capsys.readouterr()
    assert main(["reallocate", str(path), "--date", "2026-09-29"]) == 2
    err = capsys.readouterr().err
    assert ("--date 2026-09-29 is before 1 exit(s) already in effect, the latest "
            "on 2026-09-30") in err
    assert "reallocate on or after 2026-09-30" in err and "Nothing changed" in err
    assert path.read_bytes() == before
    assert main(["reallocate", str(path), "--date", "2026-09-30"]) == 0



def test_confirming_every_qualifier_at_once_needs_a_reason(sample_with_history,
                                                           tmp_path, capsys):
    # Found by a new user: a bare `allocator exits P --apply` confirmed the
    # exits of 359 households and freed their units that day, past taking back.
    path = tmp_path / "p.gpkg"
    save_project(sample_with_history, path)
    capsys.readouterr()
    assert main(["exits", str(path), "--apply", "--reason", "   "]) == 2
    assert "give the decision it carries out as --reason" in capsys.readouterr().err
    assert main(["exits", str(path), "--apply"]) == 2
    err = capsys.readouterr().err
    found = re.search(r"--apply without --household confirms the exits of all "
                      r"(\d+) qualifying households at once and free their units "
                      r"today; give the decision it carries out as --reason", err)
    assert found and int(found.group(1)) > 1
    assert err.rstrip().endswith("nothing changed")
    assert load_project(path).exits.empty
