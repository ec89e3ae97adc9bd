"""A scenario of a base whose allocation is a reallocation is solved as one:
households placed in the base keep their units, and the comparison with the
base shows what the change does.

On the tiny county (solved on 2026-10-01, then reallocated, which changes
nothing) H3 holds B-101, the one unit left that fits two people. Scenario
新增户 adds N1, a retired soldier's household of two that outranks H3: solved
afresh it would take B-101 from H3 (see test_promote_takes_units); solved as
a reallocation of the base, H3 keeps B-101 and N1 waits. Scenario 幼儿园扩容
raises 第一幼儿园 (K1) from 2 places to 3: the one child left without a
kindergarten place within 300 m gets the new place, and nothing else moves.
"""

from __future__ import annotations

import json

from allocator import scenarios
from allocator.cli import main
from allocator.exits import without_exited
from allocator.project import load_project
from allocator.validator import validate_allocation
from tests.conftest import TINY_TODAY, tiny_solved_by_cli
from tests.test_notice_edges import ADD_HOUSEHOLD

DAY = TINY_TODAY.isoformat()


def _reallocated(tmp_path):
    path = tiny_solved_by_cli(tmp_path / "p.gpkg")
    assert main(["reallocate", str(path), "--date", DAY]) == 0
    assert scenarios.base_is_reallocation(load_project(path))
    return path


def _placed(project, scenario):
    rows = project.allocations[project.allocations["scenario"] == scenario]
    units = rows["unit_id"].fillna("")
    return dict(zip(rows["household_id"], zip(units, rows["kind"])))


def _places(project, scenario):
    rows = project.service_assignments[
        project.service_assignments["scenario"] == scenario]
    return {(m, k): f for m, k, f in zip(rows["member_id"], rows["kind"],
                                          rows["facility_id"].fillna(""))}


def test_an_added_household_waits_instead_of_taking_a_base_holders_unit(
        tmp_path, capsys):
    path = _reallocated(tmp_path)
    changes = tmp_path / "n1.json"
    changes.write_text(json.dumps({"add_households": ADD_HOUSEHOLD["add_households"]},
                                  ensure_ascii=False), encoding="utf-8")
    assert main(["scenario", "new", str(path), "新增户", "--file", str(changes)]) == 0
    capsys.readouterr()
    assert main(["solve", str(path), "--scenario", "新增户", "--backend", "cpsat",
                 "--date", DAY]) == 0
    out = capsys.readouterr().out
    assert ("方案 scenario 新增户: solved as a reallocation of the base, as the base's "
            "allocation is one (households placed in the base keep their units); 1 "
            "household(s) differ from the base (another unit or place, or added by "
            f"the scenario: 1) (`allocator scenario diff {path} base 新增户` shows "
            "them)\n") in out

    project = load_project(path)
    base, trial = _placed(project, "base"), _placed(project, "新增户")
    assert base["H3"] == ("B-101", "allocated")
    assert trial == base | {"N1": ("", "waiting")}
    places = _places(project, "新增户")
    waiting = {key: f for key, f in places.items() if key[0].startswith("N1-")}
    assert waiting == {("N1-01", "clinic"): "", ("N1-02", "clinic"): ""}
    assert {k: f for k, f in places.items() if k not in waiting} == _places(
        project, "base")
    assert scenarios.units_taken(project, "新增户") == []
    data = scenarios.scenario_data(project, "新增户")
    assert validate_allocation(without_exited(data), "新增户") == []
    # The comparison lists N1, which only the scenario has, though it waits.
    comparison = scenarios.compare(project, ["base", "新增户"])
    assert comparison.households["household_id"].tolist() == ["N1"]
    assert comparison.households["unit[base]"].tolist() == [scenarios.NOT_IN]
    assert comparison.differences_of("N1") == "房号：无此户 → 轮候"
    assert comparison.differences_of("N1", "en") == "unit: not in it → waiting"
    capsys.readouterr()
    assert main(["scenario", "diff", str(path), "base", "新增户"]) == 0
    out = capsys.readouterr().out
    assert ("1 household(s) differ (1 in their unit, the rest in school places or "
            "clinics)\n  N1: 无此户 | 轮候\n      房号：无此户 → 轮候\n") in out
    # nothing taken: promoted without --force
    assert main(["scenario", "promote", str(path), "新增户"]) == 0


def test_a_capacity_change_shows_alone_in_the_comparison(tmp_path, capsys):
    path = _reallocated(tmp_path)
    assert main(["scenario", "new", str(path), "幼儿园扩容", "--capacity", "K1=3"]) == 0
    assert main(["solve", str(path), "--scenario", "幼儿园扩容", "--backend", "cpsat",
                 "--date", DAY]) == 0
    project = load_project(path)
    assert _placed(project, "幼儿园扩容") == _placed(project, "base")
    before, after = _places(project, "base"), _places(project, "幼儿园扩容")
    differ = {key: (before.get(key, ""), after.get(key, ""))
              for key in before.keys() | after.keys()
              if before.get(key, "") != after.get(key, "")}
    assert list(differ.values()) == [("", "K1")]
    (member, kind), = differ
    assert kind == "kindergarten"
    kindergarten = project.service_assignments[
        (project.service_assignments["scenario"] == "幼儿园扩容")
        & (project.service_assignments["kind"] == "kindergarten")]
    assert kindergarten["facility_id"].eq("K1").sum() == 3

    comparison = scenarios.compare(project, ["base", "幼儿园扩容"])
    assert comparison.households["household_id"].tolist() == [
        project.members.set_index("member_id").at[member, "household_id"]]


def test_a_base_solved_afresh_keeps_scenarios_solved_afresh(tmp_path):
    path = tiny_solved_by_cli(tmp_path / "p.gpkg")
    project = load_project(path)
    assert not scenarios.base_is_reallocation(project)
    scenarios.create(project, "幼儿园扩容", {"capacities": {"K1": 3}})
    outcome = scenarios.solve(project, "幼儿园扩容", backend="cpsat", today=TINY_TODAY)
    assert outcome.changes is None
    options = json.loads(outcome.run["options_json"])
    assert not options.get("reallocation")


def test_a_base_with_changes_not_yet_reallocated_is_reallocated_first(tmp_path, capsys):
    # H0 exits after the base's reallocation (the exit rule lowered so that it
    # qualifies): its unit A-301 is freed, and a scenario solved as a
    # reallocation now would give it out beside its own change. It is refused
    # until the base is reallocated.
    path = _reallocated(tmp_path)
    assert main(["rules", str(path), "--set", "county_average_income_yuan=5000",
                 "--set", "stable_job_years_for_exit=2"]) == 0
    assert main(["scenario", "new", str(path), "幼儿园扩容", "--capacity", "K1=3"]) == 0
    assert main(["solve", str(path), "--scenario", "幼儿园扩容", "--backend", "cpsat",
                 "--date", DAY]) == 0
    assert main(["exits", str(path), "--apply", "--household", "H0",
                 "--date", DAY]) == 0
    # Out of date, the scenario says to reallocate the base before solving it.
    stale = scenarios.out_of_date(load_project(path), "幼儿园扩容")
    assert stale.remedy == "reallocate"
    assert stale.text(path).endswith(
        "; reallocate the base first, as it holds changes its allocation does not "
        f"yet (`allocator reallocate {path}`), then solve the scenario again on it "
        "(its changes still apply): `allocator solve "
        f"{path} --scenario 幼儿园扩容`")
    before = path.read_bytes()
    capsys.readouterr()
    assert main(["solve", str(path), "--scenario", "幼儿园扩容", "--backend", "cpsat",
                 "--date", DAY]) == 1
    assert capsys.readouterr().err == (
        "错误 error: scenario '幼儿园扩容': the base's allocation is a reallocation, "
        "and exits have freed 1 unit(s) since; solved now, the scenario would show "
        "that beside its own change. Run `allocator reallocate "
        f"{path}` first (households already housed keep their units), then solve "
        "the scenario\n")
    assert path.read_bytes() == before
    assert main(["reallocate", str(path), "--date", DAY]) == 0
    assert main(["solve", str(path), "--scenario", "幼儿园扩容", "--backend", "cpsat",
                 "--date", DAY]) == 0
    project = load_project(path)
    assert _placed(project, "幼儿园扩容") == _placed(project, "base")


def test_a_scenario_made_before_a_reallocation_names_it_once(tmp_path):
    # The reallocation logs its run (allocate) and its changes (reallocate);
    # the scenario solved before it is out of date, by the reallocation alone.
    path = tiny_solved_by_cli(tmp_path / "p.gpkg")
    assert main(["scenario", "new", str(path), "幼儿园扩容", "--capacity", "K1=3"]) == 0
    assert main(["solve", str(path), "--scenario", "幼儿园扩容", "--backend", "cpsat",
                 "--date", DAY]) == 0
    assert main(["reallocate", str(path), "--date", DAY]) == 0
    project = load_project(path)
    tail = project.ledger[["entry", "action", "object"]].tail(2).values.tolist()
    assert [row[1:] for row in tail] == [["allocate", "scenario base"],
                                         ["reallocate", "scenario base"]]
    stale = scenarios.out_of_date(project, "幼儿园扩容")
    assert stale.changed_by == [f"{int(tail[1][0])} reallocate scenario base"]
    assert "reallocation of the base" in stale.text()
    assert "solve of the base" not in stale.text()
