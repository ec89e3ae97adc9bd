"""Planners' locks: one set of checks for `allocator lock` and the window.

The tiny county (tests/data/tiny): H0 (4 people) lives in A-301; H1 (2, needs
an accessible unit), H2 (3), H3 (2), H4 (1), H5 (1) wait. Vacant units:
A-101 50 m² accessible, A-201 75 m², B-101 50 m², B-201 25 m²; B-301 is
under repair.
"""

from __future__ import annotations

import json

import pytest

from allocator.cli import main
from allocator.locks import add_lock, lock_problems, remove_lock, restore_locks


def _codes(project, household, unit, kind):
    return [p.code for p in lock_problems(project, household, unit, kind)]


def test_a_fitting_fix_has_no_problem(tiny_project):
    assert _codes(tiny_project, "H5", "B-201", "fix") == []  # 25 m² for one
    assert _codes(tiny_project, "H1", "A-101", "fix") == []  # accessible


def test_every_reason_a_fix_cannot_be_kept(tiny_project):
    assert _codes(tiny_project, "H9", "A-101", "fix") == ["no_household"]
    assert _codes(tiny_project, "H1", "Z-1", "forbid") == ["no_unit"]
    assert _codes(tiny_project, "H0", "A-201", "fix") == ["housed"]  # 75 m² fits 4
    assert _codes(tiny_project, "H5", "B-301", "fix") == ["not_vacant", "area"]
    # 75 m² for one person: band 12-25 m².
    problems = lock_problems(tiny_project, "H5", "A-201", "fix")
    assert [p.code for p in problems] == ["area"]
    assert problems[0].params == {"unit": "A-201", "area": 75.0, "size": 1,
                                  "low": 12.0, "high": 25.0}
    # H1 needs an accessible unit; B-101 (50 m²) fits its size but is not one.
    assert _codes(tiny_project, "H1", "B-101", "fix") == ["accessible"]
    # A forbid needs only the household and the unit.
    assert _codes(tiny_project, "H0", "B-301", "forbid") == []


def test_fixed_twice_is_refused_until_removed(tiny_project):
    add_lock(tiny_project, "H5", "B-201", "fix", "信访协调", created="2026-10-01")
    assert _codes(tiny_project, "H4", "B-201", "fix") == ["unit_fixed"]
    add_lock(tiny_project, "H3", "B-101", "fix", "", created="2026-10-01")
    assert _codes(tiny_project, "H3", "A-101", "fix") == ["household_fixed"]
    # Setting the same lock again replaces it (no duplicate, no refusal).
    add_lock(tiny_project, "H5", "B-201", "fix", "复核", created="2026-10-02")
    assert len(tiny_project.locks) == 2
    assert tiny_project.locks.set_index("household_id").at["H5", "reason"] == "复核"
    remove_lock(tiny_project, "H5", "B-201", "撤销")
    assert _codes(tiny_project, "H4", "B-201", "fix") == []


def test_add_remove_and_restore_go_to_the_ledger(tiny_project):
    before = len(tiny_project.ledger)
    change = add_lock(tiny_project, "H5", "B-201", "fix", "信访协调",
                      created="2026-10-01")
    entry = tiny_project.ledger.iloc[-1]
    assert (entry["action"], entry["object"], entry["reason"]) == (
        "lock", "household H5", "信访协调")
    assert json.loads(entry["after"]) == {
        "household_id": "H5", "unit_id": "B-201", "kind": "fix",
        "reason": "信访协调", "created": "2026-10-01"}
    assert json.loads(entry["before"]) == []
    assert change.before == []

    removed = remove_lock(tiny_project, "H5", "B-201", "情况变化")
    assert tiny_project.locks.empty
    entry = tiny_project.ledger.iloc[-1]
    assert entry["after"] == "" and entry["reason"] == "情况变化"
    assert json.loads(entry["before"])[0]["unit_id"] == "B-201"

    restore_locks(tiny_project, "H5", "B-201", removed.before, "撤销")
    assert tiny_project.locks[["household_id", "unit_id", "kind"]].values.tolist() \
        == [["H5", "B-201", "fix"]]
    assert tiny_project.ledger.iloc[-1]["action"] == "undo lock"
    assert len(tiny_project.ledger) == before + 3


def test_refused_lock_changes_nothing(tiny_project):
    from allocator.locks import LockRefused

    ledger = len(tiny_project.ledger)
    with pytest.raises(LockRefused) as refused:
        add_lock(tiny_project, "H5", "A-201", "fix", "")
    assert "outside the 12–25 m² band" in str(refused.value)
    with pytest.raises(LockRefused, match="has no lock on unit A-201"):
        remove_lock(tiny_project, "H5", "A-201", "")
    assert tiny_project.locks.empty and len(tiny_project.ledger) == ledger


def test_cli_lock_uses_the_same_checks(tiny_project, tmp_path, capsys):
    from allocator.project import load_project, save_project

    tiny_gpkg = tmp_path / "tiny.gpkg"
    save_project(tiny_project, tiny_gpkg)

    assert main(["lock", str(tiny_gpkg), "--household", "H5", "--unit", "A-201"]) == 1
    assert "outside the 12–25 m² band of household H5" in capsys.readouterr().err
    assert load_project(tiny_gpkg).locks.empty

    assert main(["lock", str(tiny_gpkg), "--household", "H5", "--unit", "B-201",
                 "--reason", "信访协调"]) == 0
    assert "H5  固定 fix  B-201  信访协调" in capsys.readouterr().out
    assert main(["lock", str(tiny_gpkg), "--household", "H4", "--unit",
                 "B-201"]) == 1
    assert "already fixed to household H5" in capsys.readouterr().err
    assert main(["lock", str(tiny_gpkg), "--household", "H5", "--unit", "B-201",
                 "--remove", "--reason", "撤销"]) == 0
    project = load_project(tiny_gpkg)
    assert project.locks.empty
    assert project.ledger["action"].tolist()[-2:] == ["lock", "lock"]


def test_a_household_that_exited_cannot_be_locked(tiny_project):
    # Found by a new user: a lock on a household whose exit was confirmed was
    # taken, and the solve then said the household was "not in the register".
    from allocator.locks import lock_problems

    households = tiny_project.households
    households.loc[households["household_id"] == "H4", "exited_on"] = "2026-09-01"
    problems = lock_problems(tiny_project, "H4", "B-201", "fix")
    assert [p.code for p in problems] == ["exited"]
    assert problems[0].params == {"household": "H4", "date": "2026-09-01"}
    assert "left the programme on 2026-09-01" in problems[0].message
    assert [p.code for p in lock_problems(tiny_project, "H4", "B-201", "forbid")] \
        == ["exited"]


def test_a_lock_reason_must_print_on_the_order(tiny_project):
    # Found by a new user: a reason with an emoji was taken, and then no order
    # (nor the Excel file beside it) would export. Refused when the lock is set,
    # and so is a line break, which the order would print raw.
    from allocator.locks import LockRefused

    with pytest.raises(LockRefused) as refused:
        add_lock(tiny_project, "H5", "B-201", "fix", "县长批示😀")
    assert [p.code for p in refused.value.problems] == ["reason_unprintable"]
    assert "😀 (U+1F600)" in str(refused.value.problems[0])
    with pytest.raises(LockRefused) as refused:
        add_lock(tiny_project, "H5", "B-201", "fix", "信访\n协调")
    assert [p.code for p in refused.value.problems] == ["reason_control"]
    assert tiny_project.locks.empty
    add_lock(tiny_project, "H5", "B-201", "fix", "信访协调（县长批示）")
    assert tiny_project.locks["reason"].tolist() == ["信访协调（县长批示）"]


def test_cli_remove_names_the_kind_of_lock(tiny_project, tmp_path, capsys):
    # Found by a new user: --forbid U --remove took away a fix, and --remove or
    # --household without a unit did nothing, with exit status 0.
    from allocator.project import load_project, save_project

    tiny_gpkg = tmp_path / "tiny.gpkg"
    save_project(tiny_project, tiny_gpkg)
    assert main(["lock", str(tiny_gpkg), "--household", "H5", "--unit", "B-201",
                 "--reason", "信访协调"]) == 0
    capsys.readouterr()
    assert main(["lock", str(tiny_gpkg), "--household", "H5", "--forbid", "B-201",
                 "--remove"]) == 1
    err = capsys.readouterr().err
    assert "has unit B-201 fixed (固定), not forbidden (禁止)" in err
    assert "use --unit B-201 --remove" in err
    assert len(load_project(tiny_gpkg).locks) == 1
    assert main(["lock", str(tiny_gpkg), "--remove"]) == 2  # whose?
    assert "name the unit with --unit U" in capsys.readouterr().err
    assert main(["lock", str(tiny_gpkg), "--household", "", "--unit", ""]) == 2
    assert "neither empty" in capsys.readouterr().err
    # Setting the same lock again says what it replaced.
    assert main(["lock", str(tiny_gpkg), "--household", "H5", "--unit", "B-201",
                 "--reason", "复核"]) == 0
    assert "(reason was: 信访协调)" in capsys.readouterr().out
    assert load_project(tiny_gpkg).locks["reason"].tolist() == ["复核"]


def test_a_forbidden_household_is_told_the_units_were_barred(tiny_project, tmp_path):
    # Found by a new user: a household forbidden the units it fits was told
    # they had gone to households of lower priority. H1 fits A-101 alone
    # (accessible); H3 (2 people, 24-50 m²) fits A-101 and B-101.
    from allocator.project import load_project, save_project
    from allocator.texts import in_language
    from tests.conftest import TINY_TODAY

    def solved(name, *locks):
        path = tmp_path / f"{name}.gpkg"
        save_project(tiny_project, path)
        for lock in locks:
            assert main(["lock", str(path), *lock]) == 0
        assert main(["solve", str(path), "--backend", "cpsat",
                     "--date", TINY_TODAY.isoformat()]) == 0
        return load_project(path).allocations.set_index("household_id")

    rows = solved("h1", ["--household", "H1", "--forbid", "A-101",
                         "--reason", "本户拒绝一楼"])
    assert rows.at["H1", "kind"] == "waiting"
    assert rows.at["H1", "reason"] == (
        "轮候：符合本户条件（24–50 m²、无障碍）的空置房源共1套，均经规划人员排除"
        "（本户拒绝一楼），不分配给本户")
    assert in_language(rows.at["H1", "reason"], "en") == (
        "waiting: all 1 vacant units that fit the household (24–50 m², "
        "accessible) are excluded by the planner (本户拒绝一楼), so none goes to it")
    # B-101 is barred to H3; H3 fits A-101, B-101 and B-201 (25 m²): one is
    # barred, the other two went to H1 and a one-person household
    # (B-201), both of higher priority than H3's 5 points.
    rows = solved("h3", ["--household", "H3", "--forbid", "B-101"])
    assert rows.at["H3", "kind"] == "waiting"
    assert rows.at["H1", "unit_id"] == "A-101"
    assert rows.at["H3", "reason"].startswith(
        "轮候：符合本户条件（24–50 m²）的空置房源共3套，其中1套经规划人员排除"
        "（未注明原因），其余已全部分配：优先级高于本户（5分）的户2套，同分户0套")


def test_the_locks_in_force_are_among_the_run_options(tiny_project, tmp_path,
                                                      capsys):
    # Found by a new user: the options line of the CLI, the orders and the
    # window never said that planner locks were in force.
    from allocator.export import build_orders
    from allocator.project import load_project, save_project
    from tests.conftest import TINY_TODAY

    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    assert main(["lock", str(path), "--household", "H5", "--unit", "B-201"]) == 0
    assert main(["lock", str(path), "--household", "H3", "--forbid", "A-101"]) == 0
    capsys.readouterr()
    assert main(["solve", str(path), "--backend", "cpsat",
                 "--date", TINY_TODAY.isoformat()]) == 0
    assert "; planner locks: 1 fixed, 1 forbidden" in capsys.readouterr().out
    (order, *_rest) = build_orders(load_project(path), households=["H5"])
    assert "规划人员锁定固定1套、禁止1套" in order.run_label


def test_a_reallocation_keeps_a_lock_of_a_household_allocated_before(
        tiny_project, tmp_path, capsys):
    # Found by a new user: a fix lock of a household allocated before (not
    # moved in) was dropped by the reallocation, whose own check then
    # refused the result ("fixed to S1-102, got S2-201"), with or without
    # moves. After the first solve H3 holds B-101; B-102 (30 m², fits two)
    # is built and the planner fixes H3 to it.
    from allocator.project import load_project
    from tests.conftest import TINY_TODAY

    day = TINY_TODAY.isoformat()
    path = _solved_then_b102_built(tiny_project, tmp_path / "p.gpkg")
    assert main(["lock", str(path), "--household", "H3", "--unit", "B-102",
                 "--reason", "信访协调"]) == 0
    capsys.readouterr()
    # Without moves every household stays: the lock cannot be kept, said
    # before solving, with what to do.
    assert main(["reallocate", str(path), "--backend", "cpsat", "--date", day]) == 1
    err = capsys.readouterr().err
    assert "H3 holds B-101 and is fixed to B-102" in err
    assert "reallocate with --allow-moves" in err
    assert f"allocator lock {path} --household H3 --unit B-102 --remove" in err
    # With moves H3 goes to B-102, and its order says why.
    assert main(["reallocate", str(path), "--allow-moves", "--backend", "cpsat",
                 "--date", day]) == 0
    rows = load_project(path).allocations.set_index("household_id")
    assert rows.at["H3", "unit_id"] == "B-102"
    assert rows.at["H3", "reason"].startswith(
        "变动原因：由房屋B-101调换至B-102，按规划人员锁定调换（信访协调）。")
    # A later reallocation with moves keeps it there (the lock holds it).
    assert main(["reallocate", str(path), "--allow-moves", "--backend", "cpsat",
                 "--date", day]) == 0
    assert load_project(path).allocations.set_index(
        "household_id").at["H3", "unit_id"] == "B-102"


def test_a_reallocation_and_a_forbid_of_a_households_own_unit(tiny_project,
                                                              tmp_path, capsys):
    # Found by a new user: forbidding a household the unit it was allocated
    # (not moved in) ended in the reallocation's own check ("got forbidden
    # unit") without moves, and its order said the unit went to another
    # household with them. H4 (one person) holds B-201, the only unit a
    # household of one fits.
    from allocator.project import load_project, save_project
    from tests.conftest import TINY_TODAY

    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    day = TINY_TODAY.isoformat()
    assert main(["solve", str(path), "--backend", "cpsat", "--date", day]) == 0
    assert main(["lock", str(path), "--household", "H4", "--forbid", "B-201",
                 "--reason", "本户拒绝"]) == 0
    capsys.readouterr()
    assert main(["reallocate", str(path), "--backend", "cpsat", "--date", day]) == 1
    err = capsys.readouterr().err
    assert "H4 holds B-201, which a lock forbids it" in err
    assert f"allocator lock {path} --household H4 --forbid B-201 --remove" in err
    assert main(["reallocate", str(path), "--allow-moves", "--backend", "cpsat",
                 "--date", day]) == 0
    rows = load_project(path).allocations.set_index("household_id")
    assert rows.at["H4", "kind"] == "waiting"
    assert rows.at["H4", "reason"].startswith(
        "变动原因：原分配房屋经规划人员排除（本户拒绝）：B-201，重新轮候。轮候：符合本户"
        "条件（12–25 m²）的空置房源共1套，均经规划人员排除（本户拒绝），不分配给本户")
    assert rows.at["H5", "unit_id"] == "B-201"


def test_a_household_is_not_forbidden_the_unit_it_lives_in(tiny_project):
    # Found by a new user: the forbid was accepted and the reallocation with
    # moves then failed its own check. H0 lives in A-301.
    assert _codes(tiny_project, "H0", "A-301", "forbid") == ["lives_there"]
    assert _codes(tiny_project, "H1", "A-301", "forbid") == []


def test_a_household_moved_off_a_forbidden_unit_is_told_why(tiny_project, tmp_path):
    # Found by a new user: moved by the planner's forbid, the order said it
    # made room for other households. H3 holds B-101; B-102 (30 m², fits two)
    # is built; the planner forbids B-101 to H3.
    from allocator.project import load_project
    from tests.conftest import TINY_TODAY

    day = TINY_TODAY.isoformat()
    path = _solved_then_b102_built(tiny_project, tmp_path / "p.gpkg")
    assert main(["lock", str(path), "--household", "H3", "--forbid", "B-101",
                 "--reason", "不要一楼"]) == 0
    assert main(["reallocate", str(path), "--allow-moves", "--backend", "cpsat",
                 "--date", day]) == 0
    rows = load_project(path).allocations.set_index("household_id")
    moved_to = rows.at["H3", "unit_id"]
    assert moved_to != "B-101"
    assert rows.at["H3", "reason"].startswith(
        f"变动原因：由房屋B-101调换至{moved_to}，原分配房屋经规划人员排除（不要一楼）")


def _solved_then_b102_built(project, path):
    """The tiny county solved by the CLI (H3 holds B-101), saved at ``path``,
    then a vacant unit B-102 (30 m², B栋 floor 1, fits two) added."""
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import Point

    from allocator.project import load_project, save_project
    from tests.conftest import TINY_TODAY

    save_project(project, path)
    assert main(["solve", str(path), "--backend", "cpsat",
                 "--date", TINY_TODAY.isoformat()]) == 0
    project = load_project(path)
    units = project.housing_units
    new = gpd.GeoDataFrame(
        [{"unit_id": "B-102", "site_id": "S1", "building": "B栋", "floor": 1,
          "area_m2": 30.0, "accessible": False, "status": "vacant",
          "household_id": None, "placed_on": None,
          "geometry": Point(102.85, 28.04)}],
        geometry="geometry", crs="EPSG:4490").to_crs(units.crs)
    project.housing_units = pd.concat([units, new], ignore_index=True)
    save_project(project, path)
    return path


def test_every_lock_of_a_household_goes_at_once(tiny_project, tmp_path, capsys):
    # Found by a new user: a petition that refused a site became one forbid
    # per unit, and taking them back needed one command per unit.
    from allocator.cli import main
    from allocator.project import load_project, save_project

    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    for unit in ("A-101", "B-101"):
        assert main(["lock", str(path), "--household", "H5", "--forbid", unit,
                     "--reason", "不去一楼"]) == 0
    assert main(["lock", str(path), "--household", "H4", "--forbid", "A-201"]) == 0
    capsys.readouterr()
    assert main(["lock", str(path), "--household", "H5", "--remove", "--reason",
                 "信访撤回"]) == 0
    assert capsys.readouterr().out == "removed 2 lock(s) of household H5\n"
    project = load_project(path)
    assert project.locks[["household_id", "unit_id"]].values.tolist() == [
        ["H4", "A-201"]]
    removed = project.ledger[project.ledger["reason"] == "信访撤回"]
    assert len(removed) == 2
    assert main(["lock", str(path), "--household", "H5", "--remove"]) == 1
    assert capsys.readouterr().err == "错误 error: household H5 has no locks\n"
