"""Scenarios on the tiny county, with answers worked out by hand.

Base (tests/test_allocation_tiny.py): H2's primary-age child (H2-03, in
A-201 at A栋) has no primary school within 500 m; K1's two places go to H0's
children; H5 (1 person) waits since only the 25 m² unit fits it.

- 新建小学 adds primary school P2 about 111 m north of A栋 (walk ×1.3 ≈ 144 m,
  5 places): H2-03 gets P2; nothing else changes.
- 关闭幼儿园 closes K1 and adds a 25 m² unit B-202 at B栋: H0's two children
  lose their kindergarten places (no other kindergarten), and H5 gets B-202.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from allocator import scenarios
from allocator.allocate import solve_project, store_outcome
from allocator.cli import main
from allocator.project import load_project, save_project
from tests.assertions import assert_allocation_valid
from tests.conftest import TINY_TODAY

NEW_SCHOOL = {"add_facilities": [{"facility_id": "P2", "name": "第二小学",
                                  "kind": "小学", "capacity": 5, "lon": 102.85,
                                  "lat": 28.031}]}
CLOSE_KINDERGARTEN = {"close_facilities": ["K1"], "add_units": [
    {"unit_id": "B-202", "site_id": "S1", "building": "B栋", "floor": 2,
     "area_m2": 25, "lon": 102.85, "lat": 28.04}]}


@pytest.fixture()
def tiny_scenarios(tiny_project):
    outcome = solve_project(tiny_project, backend="cpsat", today=TINY_TODAY)
    store_outcome(tiny_project, outcome)
    scenarios.create(tiny_project, "新建小学", NEW_SCHOOL, "A栋旁新建小学")
    scenarios.create(tiny_project, "关闭幼儿园", CLOSE_KINDERGARTEN)
    for name in ("新建小学", "关闭幼儿园"):
        outcome = scenarios.solve(tiny_project, name, backend="cpsat",
                                  today=TINY_TODAY)
        assert outcome.run["status"] == "optimal"
    return tiny_project


def test_bad_changes_name_the_key_and_value():
    with pytest.raises(scenarios.ScenarioError) as info:
        scenarios.check_changes({
            "add_facility": [], "capacities": {"K1": -2},
            "catchments": {"hospital": 500, "primary": "far"},
            "add_units": [{"unit_id": "X", "site_id": "S1", "area_m2": "big",
                           "lon": 102.85, "lat": 28.0, "colour": "red"}],
            "rules": {"no_such_rule": 1}}, "c.json")
    message = str(info.value)
    for part in ("c.json: unknown key 'add_facility'",
                 "c.json: capacities.K1 = -2: use a whole number",
                 "c.json: catchments.hospital: unknown kind",
                 "c.json: catchments.primary = 'far': use metres",
                 "c.json: add_units[0] (X): area_m2 = 'big': expected a number",
                 "c.json: add_units[0] (X): unknown field 'colour'",
                 "c.json: rules.no_such_rule: unknown rule"):
        assert part in message


def test_a_new_place_outside_china_is_refused():
    with pytest.raises(scenarios.ScenarioError,
                       match=r"c.json: add_facilities\[0\] \(P9\): "
                       r"lon 2.35, lat 48.85 is outside China"):
        scenarios.check_changes({"add_facilities": [{
            "facility_id": "P9", "name": "新小学", "kind": "小学", "capacity": 300,
            "lon": 2.35, "lat": 48.85}]}, "c.json")


def test_changes_file_errors(tmp_path):
    broken = tmp_path / "c.json"
    broken.write_text('{"capacities": {"K1": 3,}}', encoding="utf-8")
    with pytest.raises(scenarios.ScenarioError, match=r"c.json: not valid JSON: "
                       r"line 1 column 25"):
        scenarios.read_changes(broken)
    with pytest.raises(scenarios.ScenarioError, match="file not found"):
        scenarios.read_changes(tmp_path / "missing.json")


def test_changes_file_in_yaml(tmp_path):
    good = tmp_path / "c.yaml"
    good.write_text("capacities:\n  K1: 3\ncatchments:\n  primary: 2000\n",
                    encoding="utf-8")
    assert scenarios.read_changes(good) == {"capacities": {"K1": 3},
                                            "catchments": {"primary": 2000}}
    bad = tmp_path / "d.yml"
    bad.write_text("capacities: [K1: 3\n", encoding="utf-8")
    with pytest.raises(scenarios.ScenarioError, match=r"d.yml: not valid YAML"):
        scenarios.read_changes(bad)
    wrong = tmp_path / "e.yaml"
    wrong.write_text("capacity:\n  K1: 3\n", encoding="utf-8")
    with pytest.raises(scenarios.ScenarioError, match="capacity"):
        scenarios.read_changes(wrong)


def test_changes_that_do_not_apply_are_refused(tiny_project):
    with pytest.raises(scenarios.ScenarioError, match="no facility 'NOPE'"):
        scenarios.create(tiny_project, "x", {"close_facilities": ["NOPE"]})
    with pytest.raises(scenarios.ScenarioError, match="'A-101' exists already"):
        scenarios.create(tiny_project, "x", {"add_units": [
            {"unit_id": "A-101", "site_id": "S1", "area_m2": 50, "lon": 102.85,
             "lat": 28.03}]})
    with pytest.raises(scenarios.ScenarioError, match="cannot name a scenario"):
        scenarios.create(tiny_project, "base", {})
    assert scenarios.names(tiny_project) == ["base"]


def test_each_scenario_has_its_allocation_and_the_base_is_untouched(tiny_project):
    outcome = solve_project(tiny_project, backend="cpsat", today=TINY_TODAY)
    store_outcome(tiny_project, outcome)
    base_rows = tiny_project.allocations.copy()
    facilities = tiny_project.facilities.copy()
    scenarios.create(tiny_project, "新建小学", NEW_SCHOOL)
    scenarios.solve(tiny_project, "新建小学", backend="cpsat", today=TINY_TODAY)

    assert list(tiny_project.facilities["facility_id"]) == list(
        facilities["facility_id"])
    base_after = tiny_project.allocations[tiny_project.allocations["scenario"]
                                          == "base"]
    assert base_after.reset_index(drop=True).equals(base_rows.reset_index(drop=True))
    places = tiny_project.service_assignments.set_index(
        ["scenario", "member_id", "kind"])["facility_id"]
    assert places[("新建小学", "H2-03", "primary")] == "P2"
    assert not isinstance(places[("base", "H2-03", "primary")], str)
    assert_allocation_valid(scenarios.scenario_data(tiny_project, "新建小学"),
                            "新建小学")


def test_compare_side_by_side(tiny_scenarios):
    comparison = scenarios.compare(tiny_scenarios, ["base", "新建小学", "关闭幼儿园"])
    kpis = comparison.kpis
    assert list(kpis.loc["primary_placed"]) == [0, 1, 0, 1, 0]
    assert list(kpis.loc["kindergarten_placed"]) == [2, 2, 0, 0, -2]
    assert list(kpis.loc["waiting"]) == [1, 1, 0, 0, -1]
    assert list(kpis.loc["housed_new"]) == [4, 4, 5, 0, 1]
    households = comparison.households.set_index("household_id")
    assert sorted(households.index) == ["H0", "H2", "H5"]
    assert households.loc["H5", "unit[关闭幼儿园]"] == "B-202"
    assert households.loc["H5", "unit[base]"] is None
    assert bool(households.loc["H5", "unit_changed"])
    assert not bool(households.loc["H2", "unit_changed"])
    assert "H2-03:primary:P2" in households.loc["H2", "services[新建小学]"]
    assert "H0-03:kindergarten:—" in households.loc["H0", "services[关闭幼儿园]"]
    features = comparison.features
    assert len(features) == 3 * 2 + 1  # H0, H2 in three scenarios; H5 in one
    h5 = features[features["household_id"] == "H5"]
    assert list(h5["scenario"]) == ["关闭幼儿园"]
    assert list(h5["unit_id"]) == ["B-202"]


def test_promote_makes_the_scenario_the_base(tiny_scenarios):
    scenario_rows = tiny_scenarios.allocations[
        tiny_scenarios.allocations["scenario"] == "新建小学"]
    scenarios.promote(tiny_scenarios, "新建小学", "县政府批准新建小学")

    assert "P2" in set(tiny_scenarios.facilities["facility_id"])
    assert scenarios.names(tiny_scenarios) == ["base", "关闭幼儿园"]
    base = tiny_scenarios.allocations[tiny_scenarios.allocations["scenario"] == "base"]
    assert dict(zip(base["household_id"], base["unit_id"].fillna(""))) == dict(
        zip(scenario_rows["household_id"], scenario_rows["unit_id"].fillna("")))
    entry = tiny_scenarios.ledger.iloc[-1]
    assert entry["action"] == "scenario promote"
    assert entry["reason"] == "县政府批准新建小学"
    assert_allocation_valid(tiny_scenarios)
    # Named again, it is said to be promoted (it was "no scenario").
    with pytest.raises(scenarios.ScenarioError,
                       match=f"scenario '新建小学' was promoted to the base \\(ledger "
                             f"entry {int(entry['entry'])}, "):
        scenarios.changes_of(tiny_scenarios, "新建小学")


def test_delete_and_the_base_cannot_go(tiny_scenarios):
    scenarios.delete(tiny_scenarios, "关闭幼儿园")
    assert "关闭幼儿园" not in set(tiny_scenarios.allocations["scenario"])
    assert tiny_scenarios.ledger.iloc[-1]["action"] == "scenario delete"
    with pytest.raises(scenarios.ScenarioError, match="base cannot be deleted"):
        scenarios.delete(tiny_scenarios, "base")


def test_cli_scenarios_end_to_end(tiny_project, tmp_path, capsys):
    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    assert main(["solve", str(path), "--backend", "cpsat", "--date",
                 "2026-10-01"]) == 0
    changes = tmp_path / "school.json"
    changes.write_text(json.dumps(NEW_SCHOOL, ensure_ascii=False), encoding="utf-8")
    assert main(["scenario", "new", str(path), "新建小学", "--file",
                 str(changes)]) == 0
    assert main(["scenario", "new", str(path), "关闭幼儿园", "--close-facility", "K1",
                 "--add-unit", json.dumps(CLOSE_KINDERGARTEN["add_units"][0])]) == 0
    bad = tmp_path / "bad.json"
    bad.write_text('{"capacity": {"K1": 3}}', encoding="utf-8")
    capsys.readouterr()
    assert main(["scenario", "new", str(path), "坏", "--file", str(bad)]) == 1
    assert "unknown key 'capacity'" in capsys.readouterr().err
    for name in ("新建小学", "关闭幼儿园"):
        assert main(["solve", str(path), "--scenario", name, "--backend", "cpsat",
                     "--date", "2026-10-01"]) == 0
    geojson = tmp_path / "diff.geojson"
    capsys.readouterr()
    assert main(["scenario", "diff", str(path), "base", "新建小学", "关闭幼儿园",
                 "--geojson", str(geojson)]) == 0
    out = capsys.readouterr().out
    assert "3 household(s) differ (1 in their unit" in out
    assert "H5: 轮候 | 轮候 | B-202" in out
    features = json.loads(geojson.read_text(encoding="utf-8"))["features"]
    assert len(features) == 7
    project = load_project(path)
    assert scenarios.names(project) == ["base", "新建小学", "关闭幼儿园"]
    assert scenarios.changes_of(project, "新建小学") == NEW_SCHOOL


def test_scenario_solve_after_an_exit(tiny_project, tmp_path):
    # H0 (the only household living in a unit, A-301) exits and its unit is
    # freed; it has no allocation row any more, in the base or a scenario,
    # and neither solve may count that as a broken rule.
    from tests.test_reallocate import _exit

    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    assert main(["solve", str(path), "--backend", "highs", "--date",
                 "2026-10-01"]) == 0
    project = load_project(path)
    _exit(project, ["H0"], TINY_TODAY)
    units = project.housing_units.set_index("unit_id")
    assert units.at["A-301", "status"] == "vacant" and len(project.exits) == 1
    save_project(project, path)
    assert main(["scenario", "new", str(path), "新建小学", "--file",
                 str(_changes(tmp_path))]) == 0
    assert main(["solve", str(path), "--scenario", "新建小学", "--backend", "highs",
                 "--date", "2026-10-01"]) == 0
    assert main(["solve", str(path), "--backend", "highs", "--date",
                 "2026-10-01"]) == 0
    rows = load_project(path).allocations
    assert "H0" not in set(rows["household_id"])
    assert set(rows["scenario"]) == {"base", "新建小学"}


def _changes(folder):
    path = folder / "school.json"
    path.write_text(json.dumps(NEW_SCHOOL, ensure_ascii=False), encoding="utf-8")
    return path


def test_export_onto_the_project_file_is_refused(tiny_project, tmp_path, capsys):
    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    assert main(["solve", str(path), "--backend", "highs", "--date",
                 "2026-10-01"]) == 0
    before = path.read_bytes()
    capsys.readouterr()
    assert main(["export", str(path), "--xlsx", str(path)]) == 2
    assert "is the project file itself" in capsys.readouterr().err
    assert path.read_bytes() == before


def test_a_scenario_differs_from_the_base_only_where_the_change_matters(
        tiny_project):
    # H4 and H5 fit only the 25 m² units. The base houses H4 in B-201 (the
    # one such unit; A-301 is made 25 m² and occupied by H0). A scenario
    # adds C-101, another 25 m² unit: H5 is housed there, and H4, which
    # could take either unit at the same cost on every level, keeps B-201.
    project = tiny_project
    units = project.housing_units
    units.loc[units["unit_id"] == "A-301", "area_m2"] = 25.0
    store_outcome(project, solve_project(project, backend="highs",
                                         today=TINY_TODAY))
    base = _units(project, "base")
    assert (base["H4"], base["H5"]) == ("B-201", None)
    scenarios.create(project, "新房", {"add_units": [{
        "unit_id": "C-101", "site_id": "S1", "building": "C栋", "floor": 1,
        "area_m2": 25, "accessible": False, "lon": 102.851, "lat": 28.036}]})
    for backend in ("highs", "cpsat"):
        outcome = scenarios.solve(project, "新房", backend=backend, today=TINY_TODAY)
        assert outcome.run["status"] == "optimal"
        after = _units(project, "新房")
        assert (after["H4"], after["H5"]) == ("B-201", "C-101")
        assert {h for h in base if base[h] != after[h]} == {"H5"}


def _units(project, scenario):
    rows = project.allocations[project.allocations["scenario"] == scenario]
    return {h: (u if isinstance(u, str) else None)
            for h, u in zip(rows["household_id"], rows["unit_id"])}


def test_an_exit_rule_scenario_says_who_would_qualify(tiny_project, tmp_path, capsys):
    # H0 (in A-301) has 30,000 yuan a year for its 4 members (7,500 each) and
    # 2 years of stable job: under the base's rule (more than 15,000 per head,
    # 3 years) it does not qualify; under 5,000 and 2 years it does.
    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    facts = tiny_project.households.set_index("household_id").loc["H0"]
    size = int((tiny_project.members["household_id"] == "H0").sum())
    assert (facts["annual_income"], size, facts["stable_job_years"]) == (30000, 4, 2)
    assert main(["scenario", "new", str(path), "宽松退出", "--rule",
                 "county_average_income_yuan=5000", "--rule",
                 "stable_job_years_for_exit=2"]) == 0
    assert main(["scenario", "new", str(path), "加学位", "--capacity", "P1=60"]) == 0
    capsys.readouterr()
    today = dt.date.today()
    line = (f"宽松退出: 退出资格 exit rule: 1 household(s) living in a unit qualify "
            f"under this scenario's rule on {today}, 0 under the base's (1 more, "
            f"0 fewer); newly qualifying: H0. The allocation does not change: "
            "exits are confirmed on the base under the base's rule, so to apply "
            "this one, promote the scenario or set the rule on the base "
            "(`allocator rules --set`)")
    assert main(["scenario", "show", str(path), "宽松退出"]) == 0
    assert line in capsys.readouterr().out
    # A scenario that leaves the exit rule alone says nothing of it.
    assert main(["scenario", "show", str(path), "加学位"]) == 0
    assert "退出资格" not in capsys.readouterr().out
    # Solved, the comparison's JSON names them too.
    assert main(["solve", str(path), "--backend", "cpsat", "--date",
                 TINY_TODAY.isoformat()]) == 0
    assert main(["solve", str(path), "--scenario", "宽松退出", "--backend", "cpsat",
                 "--date", TINY_TODAY.isoformat()]) == 0
    assert main(["scenario", "diff", str(path), "宽松退出", "--json",
                 str(tmp_path / "d.json")]) == 0
    document = json.loads((tmp_path / "d.json").read_text(encoding="utf-8"))
    assert document["exit_rule"] == {"宽松退出": {
        "date": today.isoformat(), "qualify": ["H0"], "qualify_base": [],
        "newly_qualifying": ["H0"], "no_longer_qualifying": []}}


def test_a_rule_change_is_described_by_the_rules_name():
    # Found by a new user: the window's summary said "规则area_max_per_person_m2
    # 改为30".
    from allocator.scenarios import describe

    assert describe({"rules": {"area_max_per_person_m2": 30}}) == \
        "规则“人均面积上限 m²”改为30"
    assert describe({"capacities": {"P1": 60}, "rules": {"unknown_rule": 1}}) == \
        "P1容量改为60；规则“unknown_rule”改为1"


def test_an_empty_id_or_facility_name_in_a_changes_file_is_refused():
    # Found by a new user: "unit_id": "" and "facility_id": "" were taken (a
    # facility printed as 新增新小学（，容量300）).
    from allocator.scenarios import change_problems

    problems = change_problems({
        "add_units": [{"unit_id": " ", "site_id": "S1", "area_m2": 75,
                       "lon": 102.85, "lat": 28.03}],
        "add_facilities": [{"facility_id": "", "name": "", "kind": "小学",
                            "capacity": 300, "lon": 102.85, "lat": 28.03}]})
    assert "changes: add_units[0]: unit_id is empty; give it (a new id of its own)" \
        in problems
    assert "changes: add_facilities[0]: facility_id is empty; give it (a new id " \
        "of its own)" in problems
    assert "changes: add_facilities[0]: name is empty; give it" in problems


def test_a_changes_file_may_say_what_it_is_for(tiny_project):
    # Found by a new user: a changes file with a "description" was refused as
    # an unknown key, though `scenario new --description` exists.
    from allocator.scenarios import create

    create(tiny_project, "关K1", {"description": " 关闭第一幼儿园试算 ",
                                  "close_facilities": ["K1"]})
    row = tiny_project.scenarios.set_index("scenario").loc["关K1"]
    assert row["description"] == "关闭第一幼儿园试算"
    assert json.loads(row["changes_json"]) == {"close_facilities": ["K1"]}
    # --description, when given, is the one kept.
    create(tiny_project, "关K1b", {"description": "文件里的", "close_facilities":
                                   ["K1"]}, "命令行的")
    assert tiny_project.scenarios.set_index("scenario").loc[
        "关K1b", "description"] == "命令行的"
