"""Reallocation after a register update changed a household's size, and
reallocating a scenario, on the tiny county.

With the rule area_min_per_person_m2 = 20 (the county's own, above the 12
m² default; 25 m² stays the top) the area bands are 1 person 20–25 m²,
2 people 40–50, 3 people 60–75, 4 people 80–100. The first allocation is
then the tiny hand solution (tests/test_allocation_tiny.py): H1 (2, needs
an accessible unit) A-101 (50 m², accessible), H2 (3) A-201 (75 m², the
only unit of 60–75), H3 (2) B-101 (50 m²), H4 (1, aged 70+) B-201 (25
m²), H5 (1) waits; H0 (4) lives in A-301 (100 m²).

The update of 2026-10-01 adds 俄木阿依, born 2026-09-01, to H2 (head 俄木石布),
which has not moved in: 4 people need 80–100 m², and A-201 (75 m²) no
longer fits. The only unit of 80–100 m² is A-301, H0's.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from allocator import scenarios
from allocator.cli import main
from allocator.project import load_project, save_project
from allocator.texts import in_language
from tests.conftest import TINY

DAY = "2026-10-01"
# 俄木阿依: ID birth digits 20260901, sequence 002 (even: female); the
# ISO 7064 MOD 11-2 check digit of 51343120260901002 is 8 (worked out by hand:
# weighted sum 246, 246 mod 11 = 4, and 4 maps to 8).
NEWBORN = ("H2,俄木阿依,513431202609010028,女,女,2026-09-01,工程搬迁,无,,,"
           "普提村,城北乡,城北乡,")
OUTGROWN_LINE = ("户H2（户主俄木石布）现4人，已分配未入住的房屋A-201面积75 m²，"
                 "不在4人的面积标准80–100 m²内")


def _units(frame):
    return {h: (u if isinstance(u, str) else None)
            for h, u in zip(frame["household_id"], frame["unit_id"])}


def _update(tmp_path):
    """The tiny register with H2's newborn after H2's last member (row 10)."""
    lines = (TINY / "register.csv").read_text(encoding="utf-8-sig").splitlines()
    lines.insert(9, NEWBORN)
    path = tmp_path / "register_2026_10.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return path


@pytest.fixture()
def grown(tiny_project, tmp_path, capsys):
    """The project file after the first allocation and H2's birth."""
    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    assert main(["rules", str(path), "--set", "area_min_per_person_m2=20",
                 "--reason", "县定人均最低面积"]) == 0
    assert main(["solve", str(path), "--backend", "cpsat", "--date", DAY]) == 0
    solved = load_project(path).allocations
    assert _units(solved) == {
        "H0": "A-301", "H1": "A-101", "H2": "A-201", "H3": "B-101",
        "H4": "B-201", "H5": None}
    assert main(["register", str(path), str(_update(tmp_path)), "--apply",
                 "--reason", "2026年10月户籍核对", "--date", DAY]) == 0
    sizes = load_project(path).households.set_index("household_id")["size"]
    assert sizes["H2"] == 4
    capsys.readouterr()
    return path


def _changes(path):
    written = json.loads(path.read_text(encoding="utf-8"))
    return {c["household_id"]: (c["change"], c["reason"]) for c in written["changes"]}


def test_reallocate_names_the_household_that_outgrew_its_unit(grown, capsys):
    stored = grown.read_bytes()
    code = main(["reallocate", str(grown), "--backend", "cpsat", "--date", DAY])
    out, err = capsys.readouterr()
    assert code == 2
    assert OUTGROWN_LINE in err
    assert "no longer fits the household's size" in err
    assert f"`allocator reallocate {grown} --allow-moves`" in err
    assert f"`allocator solve {grown}`" in err
    assert "validator" not in err and "Traceback" not in err
    assert out == ""
    assert grown.read_bytes() == stored  # nothing written


def test_with_moves_it_waits_again_and_says_why(grown, tmp_path, capsys):
    changes = tmp_path / "changes.json"
    assert main(["reallocate", str(grown), "--allow-moves", "--backend", "cpsat",
                 "--date", DAY, "--json", str(changes)]) == 0
    # No unit of 80–100 m² is vacant: H2 goes back on the waiting list, and
    # nobody waiting (H5, one person) fits A-201.
    assert _changes(changes) == {"H2": (
        "unhoused", "家庭人口变化（现4人），原分配房屋不再适合：A-201，重新轮候")}
    assert "H2  失去原分配房屋，重新轮候  家庭人口变化（现4人），原分配房屋不再适合" \
        in capsys.readouterr().out
    assert in_language("家庭人口变化（现4人），原分配房屋不再适合：A-201，重新轮候",
                       "en") == (
        "the household's size changed (now 4) and the unit allocated before no "
        "longer fits it: A-201; back on the waiting list")


def test_with_moves_it_moves_to_a_unit_that_fits_and_says_why(grown, tmp_path):
    # H0 exits: A-301 (100 m²) is freed, the one unit of 80–100 m².
    project = load_project(grown)
    project.exits = pd.DataFrame([{
        "household_id": "H0", "unit_id": "A-301", "exit_on": DAY,
        "confirmed": DAY, "user": "test", "reason": "退出机制", "freed_on": None}])
    project.households.loc[project.households["household_id"] == "H0",
                           "exited_on"] = DAY
    save_project(project, grown)
    changes = tmp_path / "changes.json"
    assert main(["reallocate", str(grown), "--allow-moves", "--backend", "cpsat",
                 "--date", DAY, "--json", str(changes)]) == 0
    moved = ("由房屋A-201调换至A-301（户H0退出腾出房屋A-301），"
             "家庭人口变化（现4人），原分配房屋不再适合")
    # H1's child takes one of the two kindergarten places H0's children left
    # (as in tests/test_reallocate.py); nobody else moves. H2, placed again
    # from A-301 (A栋, as A-201), keeps 社区卫生服务中心 and its newborn,
    # not a member at the first allocation, is registered there too.
    assert _changes(changes) == {
        "H0": ("exited", "户H0退出，腾出房屋A-301"),
        "H2": ("moved", moved + "；学位或卫生服务变动：H2-04卫生服务由无改为"
               "社区卫生服务中心"),
        "H1": ("service", "学位或卫生服务变动：H1-02幼儿园由无改为第一幼儿园"),
    }
    rows = load_project(grown).allocations
    assert _units(rows) == {
        "H1": "A-101", "H2": "A-301", "H3": "B-101", "H4": "B-201", "H5": None}
    assert in_language(moved, "en") == (
        "moved from unit A-201 to A-301 (unit A-301 freed when household H0 "
        "exited), the household's size changed (now 4) and the unit allocated "
        "before no longer fits it")


def test_a_scenario_reallocation_records_its_base(tiny_project, tmp_path, capsys):
    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    assert main(["solve", str(path), "--backend", "cpsat", "--date", DAY]) == 0
    # A higher low-income line gives H0 (30,000 yuan for 4: 7,500 a person),
    # H2 (6,667) and H3 (10,000) 15 more points in the scenario only.
    assert main(["scenario", "new", str(path), "低收入线", "--rule",
                 "low_income_per_person_yuan=11000"]) == 0
    base_points = load_project(path).households.set_index(
        "household_id")["priority"].to_dict()
    # H0 7 waiting years; H1 disability 30, low income 15, 2 years; H4 aged
    # 70+ 20, 1 year; H2, H3, H5 1 year (5 points a year).
    assert base_points == {"H0": 35, "H1": 55, "H2": 5, "H3": 5, "H4": 25,
                           "H5": 5}
    capsys.readouterr()
    assert main(["reallocate", str(path), "--scenario", "低收入线", "--backend",
                 "cpsat", "--date", DAY]) == 0

    project = load_project(path)
    rows = project.allocations[project.allocations["scenario"] == "低收入线"]
    run = project.runs[project.runs["run_id"] == rows["run_id"].iloc[0]].iloc[-1]
    made = json.loads(run["options_json"])["made_against"]
    assert made["base"] == scenarios.base_stamp(project)
    # The base keeps its own points: the scenario's were its run's alone.
    assert project.households.set_index("household_id")["priority"].to_dict() \
        == base_points
    assert scenarios.out_of_date(project, "低收入线") is None
    capsys.readouterr()
    assert main(["scenario", "list", str(path)]) == 0
    assert "已过期" not in capsys.readouterr().out

    # The base changes: the scenario is now out of date and cannot be promoted.
    assert main(["rules", str(path), "--set", "area_max_per_person_m2=30",
                 "--reason", "测试"]) == 0
    stale = scenarios.out_of_date(load_project(path), "低收入线")
    assert stale is not None and stale.remedy == "solve"
    assert any("edit rules" in entry for entry in stale.changed_by)
    capsys.readouterr()
    assert main(["scenario", "list", str(path)]) == 0
    assert "已过期 out of date: made against an earlier base" in \
        capsys.readouterr().out
    assert main(["scenario", "promote", str(path), "低收入线"]) == 1
    assert "cannot be promoted" in capsys.readouterr().err


def test_with_moves_it_waits_again_when_every_unit_that_fits_is_held(grown, tmp_path):
    # A-301 (100 m², the one unit of 80–100 m²) becomes a unit H0 was
    # allocated and has not moved into: the unit's class is one H2 fits, but
    # its one place is H0's, who stays. H2 is not held to be housed (that
    # left the model without a solution): it waits again.
    project = load_project(grown)
    units = project.housing_units
    at = units["unit_id"] == "A-301"
    units.loc[at, ["status", "household_id"]] = ["vacant", None]
    rows = project.allocations
    rows.loc[rows["household_id"] == "H0", "kind"] = "allocated"
    save_project(project, grown)
    changes = tmp_path / "changes.json"
    assert main(["reallocate", str(grown), "--allow-moves", "--backend", "cpsat",
                 "--date", DAY, "--json", str(changes)]) == 0
    assert _changes(changes) == {"H2": (
        "unhoused", "家庭人口变化（现4人），原分配房屋不再适合：A-201，重新轮候")}
    assert _units(load_project(grown).allocations)["H0"] == "A-301"


def test_a_reallocation_cut_before_its_last_level_changes_nothing(
        tiny_project, tmp_path, capsys, monkeypatch):
    # A time limit (or Ctrl-C) that stops the reallocation after its first
    # level leaves a solution of "housed" only: nothing may be stored, the
    # allocation and the runs stay as they were, and the planner is told to
    # reallocate again.
    import solvers.cpsat as cpsat
    from solvers.base import Status

    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    assert main(["solve", str(path), "--backend", "cpsat", "--date", DAY]) == 0
    before = load_project(path)
    real = cpsat.lexicographic

    def cut_after_housed(model, solve_level, name, time_limit, cancel):
        result = real(model, solve_level, name, time_limit, cancel)
        result.levels = result.levels[:1]
        result.status = Status.FEASIBLE
        result.message = "time limit reached; levels not solved: served, walk"
        return result

    monkeypatch.setattr(cpsat, "lexicographic", cut_after_housed)
    capsys.readouterr()
    assert main(["reallocate", str(path), "--backend", "cpsat", "--date", DAY,
                 "--time-limit", "1"]) == 1
    err = capsys.readouterr().err
    assert "the reallocation reached its time limit before its last level; " \
        "nothing changed (time limit reached; levels not solved: served, walk)" \
        in err
    assert "Reallocate again with a longer --time-limit" in err
    after = load_project(path)
    assert _units(after.allocations) == _units(before.allocations)
    assert len(after.runs) == len(before.runs)


def test_a_reallocation_dated_after_today_is_refused(tiny_project, tmp_path, capsys):
    # A reallocation puts into effect the exits due by its date: one dated
    # tomorrow would free units of households that still live in them.
    import datetime as dt

    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    before = path.read_bytes()
    later = (dt.date.today() + dt.timedelta(days=7)).isoformat()
    assert main(["reallocate", str(path), "--date", later]) == 2
    err = capsys.readouterr().err
    assert f"--date {later} is after today" in err and "Nothing changed" in err
    assert path.read_bytes() == before


def test_a_date_before_the_projects_records_is_refused(tmp_path, capsys):
    # Found by a new user: solve --date 2006-12-05 (for 2026) re-allocated
    # thousands of households on ages and waiting years counted in 2006, and a
    # reallocation dated 2000 gave a 40-year-old a middle-school place.
    from conftest import tiny_solved_by_cli

    from allocator.project import load_project

    path = tiny_solved_by_cli(tmp_path / "p.gpkg")
    project = load_project(path)
    births = project.members["birth_date"].astype(str).max()
    before = path.read_bytes()
    capsys.readouterr()
    for command, word in (("solve", "a solve"), ("reallocate", "a reallocation")):
        assert main([command, str(path), "--date", "2006-12-05"]) == 2
        err = capsys.readouterr().err
        assert err.startswith("错误 error: --date 2006-12-05 is before "), err
        assert f"{word} counts ages, school years and waiting years on its day" \
            in err
        assert path.read_bytes() == before
    # The latest record is a birth or a waiting-list entry of the tiny county;
    # its day itself is allowed.
    latest = max(births, project.households["waiting_since"].astype(str).max())
    assert main(["solve", str(path), "--backend", "highs", "--date",
                 latest[:10]]) == 0


def test_a_unit_the_area_rule_no_longer_allows_is_said_so(tiny_project, tmp_path,
                                                          capsys):
    # Found by a new user: after the area limit was lowered, reallocation
    # told households (and their orders) that their size had changed.
    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    assert main(["rules", str(path), "--set", "area_min_per_person_m2=20"]) == 0
    assert main(["solve", str(path), "--backend", "cpsat", "--date", DAY]) == 0
    assert _units(load_project(path).allocations)["H2"] == "A-201"  # 75 m², 3
    assert main(["rules", str(path), "--set", "area_max_per_person_m2=24"]) == 0
    capsys.readouterr()
    assert main(["reallocate", str(path), "--backend", "cpsat", "--date", DAY]) == 2
    err = capsys.readouterr().err
    assert ("户H2（户主俄木石布）现3人，已分配未入住的房屋A-201面积75 m²，不在3人的"
            "面积标准60–72 m²内（分配后面积标准已修改）") in err
    assert "现3人" in err and "家庭人口变化（" not in err
    changes = tmp_path / "changes.json"
    assert main(["reallocate", str(path), "--allow-moves", "--backend", "cpsat",
                 "--date", DAY, "--json", str(changes)]) == 0
    reasons = {h: reason for h, (_change, reason) in _changes(changes).items()}
    assert "面积标准调整（3人60–72 m²），原分配房屋不再适合" in reasons["H2"]
    assert not [r for r in reasons.values() if "家庭人口变化" in r]
    assert in_language(reasons["H2"], "en") != reasons["H2"]  # translated


def test_a_household_kept_in_its_unit_gets_the_band_of_its_size_now(tiny_project,
                                                                     tmp_path):
    # Found by a new user: after a 分户 the order listed 5 members and gave the
    # area band of 8. Here H1 (2 people, A-101 50 m²) has a child: 50 m² is
    # still within the band for 3 (36–75 m²), and its reason says so.
    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    assert main(["solve", str(path), "--backend", "cpsat", "--date", DAY]) == 0
    lines = (TINY / "register.csv").read_text(encoding="utf-8-sig").splitlines()
    last = max(i for i, line in enumerate(lines) if line.startswith("H1,"))
    lines.insert(last + 1, "H1,沙马阿依,513431202609010028,女,女,2026-09-01,"
                 "易地扶贫搬迁,无,,,谷都村,城北乡,城北乡,")
    update = tmp_path / "r.csv"
    update.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    assert main(["register", str(path), str(update), "--apply", "--reason", "出生",
                 "--date", DAY]) == 0
    assert main(["reallocate", str(path), "--backend", "cpsat", "--date", DAY]) == 0
    allocations = load_project(path).allocations.set_index("household_id")
    assert allocations.at["H1", "unit_id"] == "A-101"
    reason = allocations.at["H1", "reason"]
    assert "面积50 m²在本户3人的面积标准36–75 m²内" in reason
    assert "本户2人" not in reason
    # Its order lists three members now: it is printed again with the changed
    # (the newborn, H1-03, is registered at the clinic).
    assert allocations.at["H1", "change"] == (
        "家庭人口变化（现3人），原分配房屋A-101仍符合面积标准，继续保留；"
        "学位或卫生服务变动：H1-03卫生服务由无改为社区卫生服务中心")
    assert reason.startswith(
        "变动原因：家庭人口变化（现3人），原分配房屋A-101仍符合面积标准，继续保留；")
    orders = tmp_path / "orders.csv"
    assert main(["export", str(path), "--changed", "--csv", str(orders)]) == 0
    printed = pd.read_csv(orders, dtype=str)
    assert set(printed.iloc[:, 0]) == {"H1"}


def test_a_waiting_household_is_told_of_the_units_kept_by_earlier_ones(tmp_path):
    # Found by a new user: after a reallocation with moves, a waiting
    # household read that units went to households of lower priority "who
    # can use only units of this kind": they were kept by households
    # allocated before. H5 (one person, 5 points) fits only B-201, which H4
    # (25 points, allocated by the first solve) keeps.
    from tests.conftest import tiny_solved_by_cli

    path = tiny_solved_by_cli(tmp_path / "p.gpkg")
    assert main(["reallocate", str(path), "--allow-moves", "--backend", "cpsat",
                 "--date", DAY]) == 0
    rows = load_project(path).allocations.set_index("household_id")
    assert rows.at["H5", "kind"] == "waiting"
    # The kept unit's holder is of higher priority (H4, 25 points), and the
    # reason says so (found by a new user: a reallocation's waiting reasons
    # lost the priority comparison the first solve's had).
    assert rows.at["H5", "reason"] == (
        "轮候：符合本户条件（12–25 m²）的空置房源共1套，已全部分配：此前已分配、"
        "本次保留的户1套（其中优先级高于本户的1套），优先级高于本户（5分）的户0套，"
        "同分户0套（抽签），低于本户的户0套（这些户只能使用这类房源，分给它们可多安置"
        "户数）")
    assert in_language(rows.at["H5", "reason"], "en").startswith(
        "waiting: all 1 vacant units that fit the household (12–25 m²) are "
        "allocated: 1 kept by households allocated before (1 of them of higher "
        "priority), 0 to households")


def test_a_fix_on_a_unit_another_household_holds(tiny_project, tmp_path, capsys):
    # Found by a new user: fixing B-201 (allocated to H4) to H5 was taken in
    # silence, and the reallocation then failed without naming the lock.
    # H4 (one person) fits only B-201, so even with moves there is no way.
    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    assert main(["solve", str(path), "--date", "2026-10-01"]) == 0
    capsys.readouterr()
    assert main(["lock", str(path), "--household", "H5", "--unit", "B-201",
                 "--reason", "县长批示"]) == 0
    assert ("注意 note: B-201 is allocated to household H4: a solve gives H4 "
            "another unit or puts it back on the waiting list; `allocator "
            "reallocate` keeps H4 housed, so it keeps this lock only with "
            "--allow-moves and another unit that fits H4") in capsys.readouterr().err
    before = (tmp_path / "p.gpkg").read_bytes()
    assert main(["reallocate", str(path), "--date", "2026-10-02"]) == 1
    assert ("H5 is fixed to B-201, which H4 was allocated: a reallocation without "
            "moves keeps every household in its unit, so the lock cannot be "
            "kept; reallocate with --allow-moves (then H4 moves to another unit "
            "it fits, if there is one), or remove the lock (`allocator lock "
            f"{path} --household H5 --unit B-201 --remove`)") \
        in capsys.readouterr().err
    assert main(["reallocate", str(path), "--date", "2026-10-02",
                 "--allow-moves"]) == 1
    assert "  the fix of B-201 to household H5: B-201 is H4's, who must stay " \
        "housed\n" in capsys.readouterr().err
    assert (tmp_path / "p.gpkg").read_bytes() == before
