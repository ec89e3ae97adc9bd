"""Re-importing an updated register: differences first, then applied and logged.

tests/data/register_update/register_2026_11.csv is the tiny register (H0 in
A-301; H1..H5 waiting) after: a birth in H0 (吉克阿依) and a higher income;
the death of 海来拉莫 (H2); the death of 勒尔老人, so H4 leaves the register;
马海木呷 splitting from H3 into his own household H6 (分户); and H5 (阿尔拉且)
merging into H1 (合户).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from allocator.cli import main
from allocator.project import load_project, save_project
from allocator.register_update import (
    RegisterUpdateError,
    apply_register_update,
    compare_register,
)

UPDATE = Path(__file__).parent / "data" / "register_update" / "register_2026_11.csv"
DAY = dt.date(2026, 11, 20)


def test_differences_household_by_household(tiny_project):
    diff = compare_register(tiny_project, UPDATE, today=DAY)
    assert diff.problems == []
    kinds = {c.household_id: c.kind for c in diff.changes}
    assert kinds == {"H0": "changed", "H1": "merged", "H2": "changed",
                     "H3": "split", "H4": "removed", "H5": "merged_away",
                     "H6": "split_off"}
    assert diff.lines() == [
        "H0  变更 changed  出生 born: 吉克阿依（女，2026-08-15）；"
        "年收入: 30000 → 36000；稳定就业年限: 2 → 3",
        "H1  合户 merged  并入 merged from H5；迁入 moved in: 阿尔拉且（其他，"
        "1999-05-05，来自H5）",
        "H2  变更 changed  减少成员 removed: 海来拉莫（配偶，1982-12-12）",
        "H3  分户 split  分为 split into H3、H6；迁出 moved out: 马海木呷（子，"
        "2000-07-07，迁往H6）",
        "H4  注销户 removed  减少成员 removed: 勒尔老人（户主，1950-01-01）",
        "H5  并入他户 merged_away  并入 merged into H1；迁出 moved out: 阿尔拉且"
        "（户主，1999-05-05，迁往H1）",
        "H6  分户新立 split_off  由 H3 分出 split from；迁入 moved in: 马海木呷"
        "（户主，2000-07-07，来自H3）",
    ]
    # Nothing has changed yet.
    assert len(tiny_project.members) == 13 and len(tiny_project.ledger) == 1


def test_the_same_register_shows_no_difference(tiny_project, tiny_inputs):
    assert compare_register(tiny_project, tiny_inputs.register).changes == []


def test_apply_updates_members_households_and_ledger(tiny_project):
    diff = compare_register(tiny_project, UPDATE, today=DAY)
    apply_register_update(tiny_project, diff, reason="2026年11月户籍核对", today=DAY)

    households = tiny_project.households.set_index("household_id")
    assert households.index.tolist() == ["H0", "H1", "H2", "H3", "H6"]
    assert households["size"].to_dict() == {"H0": 5, "H1": 3, "H2": 2, "H3": 1,
                                            "H6": 1}
    assert households.at["H0", "annual_income"] == 36000.0
    assert households.at["H6", "waiting_since"] == "2026-07-15"
    assert households.at["H1", "needs_accessible"]  # 沙马木呷, 肢体一级
    members = tiny_project.members.set_index("id_number")
    # Those who stay keep their member id; newcomers get the next number.
    assert members.at["513431198503020034", "member_id"] == "H0-01"
    assert members.at["513431202608150088", "member_id"] == "H0-05"
    assert members.at["513431199905050273", "member_id"] == "H1-03"
    assert members.at["513431200007070235", "member_id"] == "H6-01"
    assert members.at["513431201804040199", "member_id"] == "H2-03"
    assert len(members) == 12

    entries = tiny_project.ledger[tiny_project.ledger["action"] == "register update"]
    assert entries["object"].tolist() == [
        f"household {h}" for h in ("H0", "H1", "H2", "H3", "H4", "H5", "H6")]
    h4 = entries.iloc[4]
    assert json.loads(h4["before"])["members"][0]["name"] == "勒尔老人"
    assert json.loads(h4["after"]) == {"change": "removed", "household": None,
                                       "related": []}
    assert h4["reason"].startswith("2026年11月户籍核对；H4  注销户 removed")
    # The unit of H0 is untouched; nobody left the register from a unit.
    units = tiny_project.housing_units.set_index("unit_id")
    assert units.at["A-301", "household_id"] == "H0"


def test_a_household_leaving_the_register_frees_its_unit(tiny_project):
    units = tiny_project.housing_units
    here = units["unit_id"] == "B-201"
    units.loc[here, ["status", "household_id", "placed_on"]] = [
        "occupied", "H4", "2021-03-01"]
    apply_register_update(tiny_project, compare_register(
        tiny_project, UPDATE, today=DAY), today=DAY)
    units = tiny_project.housing_units.set_index("unit_id")
    assert units.at["B-201", "status"] == "vacant"
    assert units.at["B-201", "household_id"] is None
    freed = tiny_project.ledger[tiny_project.ledger["action"] == "free unit"]
    assert freed["object"].tolist() == ["unit B-201"]


def test_a_merge_that_would_give_two_units_is_refused(tiny_project):
    units = tiny_project.housing_units
    for unit, household in (("B-201", "H5"), ("A-101", "H1")):
        here = units["unit_id"] == unit
        units.loc[here, ["status", "household_id"]] = ["occupied", household]
    before = (tiny_project.members.copy(), tiny_project.households.copy())
    with pytest.raises(RegisterUpdateError, match="household H5 \\(unit B-201\\) "
                       "merges into H1, which already has unit A-101"):
        apply_register_update(tiny_project, compare_register(
            tiny_project, UPDATE, today=DAY), today=DAY)
    pd.testing.assert_frame_equal(tiny_project.members, before[0])
    pd.testing.assert_frame_equal(tiny_project.households, before[1])
    assert len(tiny_project.ledger) == 1


def test_a_merged_household_hands_its_unit_on(tiny_project):
    units = tiny_project.housing_units
    here = units["unit_id"] == "B-201"
    units.loc[here, ["status", "household_id"]] = ["occupied", "H5"]
    apply_register_update(tiny_project, compare_register(
        tiny_project, UPDATE, today=DAY), today=DAY)
    units = tiny_project.housing_units.set_index("unit_id")
    assert units.at["B-201", "household_id"] == "H1"


def test_register_command_shows_then_applies(tiny_project, tmp_path, capsys):
    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    stored = path.read_bytes()
    assert main(["register", str(path), str(UPDATE), "--date",
                 DAY.isoformat()]) == 0
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 7 and out.startswith("H0  变更 changed")
    assert "7 household change(s); nothing changed yet" in err
    assert path.read_bytes() == stored

    assert main(["register", str(path), str(UPDATE), "--apply", "--reason",
                 "户籍核对", "--date", DAY.isoformat()]) == 0
    opened = load_project(path)
    assert len(opened.members) == 12
    assert opened.ledger["action"].tolist().count("register update") == 7
    # Applying again finds nothing more to do.
    capsys.readouterr()
    assert main(["register", str(path), str(UPDATE), "--date",
                 DAY.isoformat()]) == 0
    assert "no differences" in capsys.readouterr().err


def test_a_register_with_errors_changes_nothing(tiny_project, tmp_path, capsys):
    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    bad = tmp_path / "bad.csv"
    text = UPDATE.read_text(encoding="utf-8-sig").replace(
        "513431202608150088", "513431202608150089")
    bad.write_text(text, encoding="utf-8-sig")
    stored = path.read_bytes()
    assert main(["register", str(path), str(bad), "--apply", "--reason",
                 "户籍核对"]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:6:身份证号: 错误 error:" in err and "check digit" in err
    assert "nothing compared or changed" in err
    assert path.read_bytes() == stored


def test_plans_of_households_that_left_go_with_them(tiny_project, tmp_path):
    from allocator.allocate import solve_project, store_outcome
    from allocator.export import ExportRefused, build_orders
    from tests.conftest import TINY_TODAY

    store_outcome(tiny_project, solve_project(tiny_project, backend="cpsat",
                                              today=TINY_TODAY))
    assert "H4" in set(tiny_project.allocations["household_id"])
    apply_register_update(tiny_project, compare_register(
        tiny_project, UPDATE, today=DAY), today=DAY)
    # H4 and H5 left the register: their plan rows go with them.
    assert not {"H4", "H5"} & set(tiny_project.allocations["household_id"])
    assert not {"H4", "H5"} & set(
        tiny_project.service_assignments["household_id"])
    # Orders wait for the next solve (tests/test_export_stale.py).
    with pytest.raises(ExportRefused, match="register was updated"):
        build_orders(tiny_project, issue_date=DAY)


def test_a_person_moving_between_households_that_stay_is_a_move(tiny_project,
                                                                 tiny_inputs,
                                                                 tmp_path):
    # 俄木日哈 (H2's son) joins H3; H2 and H3 both stay in the register, so
    # neither is a split (分户) nor a merge (合户): H2 lists him moved out and
    # H3 moved in. (His row takes H3's category, 生态移民, and village, 谷都村:
    # a member's own would be named in a warning, as not read.)
    lines = Path(tiny_inputs.register).read_text(encoding="utf-8-sig").splitlines()
    moved = [line.replace("H2,俄木日哈", "H3,俄木日哈").replace(
        "2018-04-04,工程搬迁", "2018-04-04,生态移民").replace(
        "普提村", "谷都村") if "俄木日哈" in line else line for line in lines]
    assert moved != lines
    path = tmp_path / "moved.csv"
    path.write_text("\n".join(moved) + "\n", encoding="utf-8-sig")
    diff = compare_register(tiny_project, path, today=DAY)
    assert diff.problems == []
    assert diff.lines() == [
        "H2  变更 changed  迁出 moved out: 俄木日哈（子，2018-04-04，迁往H3）",
        "H3  变更 changed  迁入 moved in: 俄木日哈（子，2018-04-04，来自H2）",
    ]
    apply_register_update(tiny_project, diff, reason="迁户", today=DAY)
    sizes = tiny_project.households.set_index("household_id")["size"].to_dict()
    assert (sizes["H2"], sizes["H3"]) == (2, 3)


def test_an_older_register_after_an_update_is_warned_of(tiny_project, tiny_inputs):
    # Found by a new user: after an update (a death, a newborn, a household
    # gone), the original register compared again re-added the dead member
    # and the household and took away the newborn, with no word.
    diff = compare_register(tiny_project, UPDATE, today=DAY)
    apply_register_update(tiny_project, diff, reason="2026年11月户籍核对", today=DAY)
    again = compare_register(tiny_project, tiny_inputs.register, today=DAY)
    warnings = [p for p in again.problems if p.severity == "warning"]
    assert len(warnings) == 1 and not again.errors
    message = warnings[0].message
    assert message.startswith("this file undoes earlier register updates: ")
    assert "吉克阿依 of H0 goes (added by ledger entry #" in message  # newborn
    assert "海来拉莫 in H2 (who left it by ledger entry #" in message  # removed
    assert "household H4 (it left the register by ledger entry #" in message
    assert message.endswith("Is it an older register? Use the latest one; if "
                            "these changes are meant, apply it with a --reason "
                            "that says so")
    # The update itself, compared with the project it came from, is not.
    assert not [p for p in diff.problems if p.severity == "warning"]
