"""Petitions (信访) as what-ifs on the tiny county, answers worked out by hand.

After the first allocation (tests/test_allocation_tiny.py) a 30 m² unit B-102
(B栋, floor 1) is built; it fits only 2-person households (24-50 m²), and H5
(1 person, 12-25 m²) still waits. H1 (2 people, accessible) holds A-101, H2
(3 people, 36-75 m²) A-201, H3 (2 people) B-101, H4 B-201; H0 lives in A-301.

- H2 will not take A-201. The units H2 fits are A-101 (held by H1, the only
  unit H1 fits) and B-101 (held by H3). The least change: H3 moves to B-102
  and H2 takes B-101. One other household changes.
- H3 will not take B-101: it takes B-102 directly; nobody else changes.
- H2 will not take site S1 (the only site): H2 waits; A-201 (75 m²) fits no
  waiting household, so nobody else changes.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from allocator.allocate import solve_project, store_outcome
from allocator.petition import PetitionError, save_trial, try_petition
from allocator.scenarios import compare
from tests.conftest import TINY_TODAY

BASE = {"H0": "A-301", "H1": "A-101", "H2": "A-201", "H3": "B-101", "H4": "B-201",
        "H5": None}


@pytest.fixture()
def tiny_built(tiny_project):
    outcome = solve_project(tiny_project, backend="cpsat", today=TINY_TODAY)
    store_outcome(tiny_project, outcome)
    units = tiny_project.housing_units
    new = gpd.GeoDataFrame(
        [{"unit_id": "B-102", "site_id": "S1", "building": "B栋", "floor": 1,
          "area_m2": 30.0, "accessible": False, "status": "vacant",
          "household_id": None, "placed_on": None,
          "geometry": Point(102.85, 28.04)}],
        geometry="geometry", crs="EPSG:4490").to_crs(units.crs)
    tiny_project.housing_units = pd.concat([units, new], ignore_index=True)
    return tiny_project


def _units(trial):
    rows = trial.reallocation.outcome.allocations
    return {h: (u if isinstance(u, str) else None)
            for h, u in zip(rows["household_id"], rows["unit_id"])}


def test_least_change_moves_one_other_household(tiny_built):
    before = tiny_built.allocations.copy()
    trial = try_petition(tiny_built, "H2", exclude_unit="A-201", today=TINY_TODAY,
                         backend="cpsat")
    assert trial.reallocation.outcome.run["status"] == "optimal"
    assert (trial.unit_before, trial.unit_after) == ("A-201", "B-101")
    assert _units(trial) == {**BASE, "H2": "B-101", "H3": "B-102"}
    others = trial.others_changed
    assert list(others["household_id"]) == ["H3"]
    assert others.iloc[0]["reason"] == (
        "由房屋B-101调换至B-102，为试算户H2不接受房屋A-201让出房源")
    levels = {lv.name: lv.objective for lv in trial.reallocation.outcome.result.levels}
    assert levels["kept"] == 2  # H1 and H4 keep their units; H0 lives in its own
    # A trial changes nothing stored.
    assert tiny_built.allocations.equals(before)


def test_petition_met_without_touching_anyone(tiny_built):
    trial = try_petition(tiny_built, "H3", exclude_unit="B-101", today=TINY_TODAY,
                         backend="cpsat")
    assert _units(trial) == {**BASE, "H3": "B-102"}
    assert trial.others_changed.empty


def test_excluded_site_leaves_the_household_waiting(tiny_built):
    trial = try_petition(tiny_built, "H2", exclude_site="S1", today=TINY_TODAY,
                         backend="cpsat")
    assert not trial.granted
    assert _units(trial) == {**BASE, "H2": None}
    assert trial.others_changed.empty


def test_a_trial_that_leaves_the_petitioner_waiting_is_not_promoted_unasked(
        tiny_built):
    # Excluding the only site leaves H2 without a unit: the promote says so
    # and changes nothing, unless forced (found by a new user: the promote
    # took H2's unit without a word).
    from allocator.scenarios import ScenarioError, promote

    trial = try_petition(tiny_built, "H2", exclude_site="S1", today=TINY_TODAY,
                         backend="cpsat")
    save_trial(tiny_built, trial, "信访H2")
    with pytest.raises(ScenarioError) as refused:
        promote(tiny_built, "信访H2", taking_units=False)
    assert str(refused.value) == (
        "promoting petition trial '信访H2' puts household H2 on the waiting "
        "list: it loses A-201, and the trial found no unit for it that the "
        "petition allows. Nothing changed; add --force to promote it anyway")
    base = tiny_built.allocations[tiny_built.allocations["scenario"] == "base"]
    assert dict(zip(base["household_id"], base["unit_id"]))["H2"] == "A-201"
    promote(tiny_built, "信访H2", taking_units=True)
    base = tiny_built.allocations[tiny_built.allocations["scenario"] == "base"]
    assert not isinstance(
        dict(zip(base["household_id"], base["unit_id"]))["H2"], str)


def test_grant_a_low_floor_wish(tiny_built):
    tiny_built.rules["low_floor_max"] = 1
    tiny_built.households["wants_low_floor"] = tiny_built.households[
        "household_id"].eq("H2")
    trial = try_petition(tiny_built, "H2", grant_wish=True, today=TINY_TODAY,
                         backend="cpsat")
    assert trial.request == "满足户H2的意愿（低楼层）"
    assert _units(trial) == {**BASE, "H2": "B-101", "H3": "B-102"}


def test_bad_petitions_are_named(tiny_built):
    with pytest.raises(PetitionError, match="household H9 is not in the project"):
        try_petition(tiny_built, "H9", exclude_unit="A-201")
    with pytest.raises(PetitionError, match="unit Z-1 is not in the project"):
        try_petition(tiny_built, "H2", exclude_unit="Z-1")
    with pytest.raises(PetitionError, match="H2 has recorded no wish"):
        try_petition(tiny_built, "H2", grant_wish=True)
    # Found by a new user: an exited household's petition stopped on
    # "'H4' is not in list".
    households = tiny_built.households
    households.loc[households["household_id"] == "H4", "exited_on"] = "2026-09-01"
    with pytest.raises(PetitionError) as refused:
        try_petition(tiny_built, "H4", exclude_unit="B-201")
    assert str(refused.value).startswith(
        "household H4 exited the programme on 2026-09-01 (退出); an exited "
        "household is not allocated")


def test_saved_trial_compares_with_the_base(tiny_built):
    trial = try_petition(tiny_built, "H2", exclude_unit="A-201", today=TINY_TODAY,
                         backend="cpsat")
    save_trial(tiny_built, trial, "信访H2")
    assert tiny_built.ledger.iloc[-1]["action"] == "petition trial"
    households = compare(tiny_built, ["base", "信访H2"]).households
    moved = households[households["unit_changed"]]
    assert sorted(moved["household_id"]) == ["H2", "H3"]
    # It changes no data: the list says what it tried instead of 无变更.
    from allocator.scenarios import summary

    listed = summary(tiny_built).set_index("scenario").loc["信访H2"]
    assert listed["changes"] == f"信访试算：{trial.request}" == listed["description"]
    # The trial's run is stored under its own name, as every scenario's is.
    run = tiny_built.runs.iloc[-1]
    assert run["scenario"] == "信访H2" and run["run_id"].startswith("信访H2-")
    for table in (tiny_built.allocations, tiny_built.service_assignments):
        rows = table[table["scenario"] == "信访H2"]
        assert len(rows) and set(rows["run_id"]) <= {run["run_id"]}


def test_a_reallocations_objectives_are_said_to_count_only_its_households(
        tiny_built):
    from allocator.kpis import compute_kpis, kpi_table
    from allocator.scenarios import scenario_data

    trial = try_petition(tiny_built, "H2", exclude_unit="A-201", today=TINY_TODAY,
                         backend="cpsat")
    save_trial(tiny_built, trial, "信访H2")
    table = kpi_table(compute_kpis(scenario_data(tiny_built, "信访H2"), "信访H2"))
    assert ("objectives (this reallocation's model: only the households it could "
            "place or move): housed(weighted)=") in table
    base = kpi_table(compute_kpis(tiny_built, "base"))
    assert "\nobjectives: housed(weighted)=" in base
    # Levels left out of the order have no value, and the options are said.
    assert "wishes=-  village=-\n" in base
    assert base.endswith(
        "\n选项 options: levels housed > served > walk; priority-respecting on; "
        "siblings together on; coverage gap cap off") or \
        "\n选项 options: levels housed > served > walk; priority-respecting on; " \
        "siblings together on; coverage gap cap off\n" in base


def test_household_in_a_class_with_a_vacant_unit_keeps_its_own_unit(tiny_built):
    # A-102 is A-201 on floor 1: the same class, and first in floor order. H3's
    # petition (exclude B-101) moves nobody, so H2 keeps
    # (75 m², fits no waiting household) stays vacant.
    units = tiny_built.housing_units
    twin = units[units["unit_id"] == "A-201"].copy()
    twin["unit_id"], twin["floor"] = "A-102", 1
    tiny_built.housing_units = pd.concat([units, twin], ignore_index=True)
    trial = try_petition(tiny_built, "H3", exclude_unit="B-101", today=TINY_TODAY,
                         backend="cpsat")
    assert _units(trial) == {**BASE, "H3": "B-102"}
    assert trial.others_changed.empty
    levels = {lv.name: lv.objective for lv in trial.reallocation.outcome.result.levels}
    assert levels["kept"] == 3  # H1, H2 and H4; H0 lives in its own unit


def test_shared_class_lists_get_a_split_class_once(tiny_built):
    # Households of one size and need share one list of classes; splitting
    # A-102 out of the class {A-201, A-102} adds its class to each list once.
    from allocator.allocate import build_instance
    from allocator.reallocate import _own_classes

    units = tiny_built.housing_units
    twin = units[units["unit_id"] == "A-201"].copy()
    twin["unit_id"], twin["floor"] = "A-102", 1
    tiny_built.housing_units = pd.concat([units, twin], ignore_index=True)
    instance = build_instance(tiny_built, TINY_TODAY)
    problem = instance.problem
    index = {u: i for i, u in enumerate(tiny_built.housing_units["unit_id"])}
    pair = next(c for c, members in enumerate(instance.class_units)
                if index["A-102"] in members)
    assert sorted(instance.class_units[pair]) == sorted([index["A-201"],
                                                         index["A-102"]])
    before = [list(classes) for classes in problem.household_classes]
    new = _own_classes(instance, index, {"A-102"})["A-102"]
    assert instance.class_units[new] == [index["A-102"]]
    assert instance.class_units[pair] == [index["A-201"]]
    assert any(pair in classes for classes in before)
    for h, classes in enumerate(problem.household_classes):
        assert classes == before[h] + ([new] if pair in before[h] else [])


def test_a_trial_is_not_saved_under_a_name_a_scenario_could_not_have(tiny_built):
    from allocator.petition import check_scenario_name
    from allocator.scenarios import ScenarioError

    with pytest.raises(ScenarioError, match="has a control character"):
        check_scenario_name(tiny_built, "信访\nH2")
    with pytest.raises(ScenarioError, match="is only dots"):
        check_scenario_name(tiny_built, "..")
    assert check_scenario_name(tiny_built, " 信访 H2 ") == "信访 H2"


def test_a_petition_is_tried_on_the_day_of_the_base_allocation(tiny_built):
    # The base was solved for 2026-10-01 (TINY_TODAY); a trial without a day
    # is judged on that day, not today, so that it shows what the petition
    # changes and not what a later school year would.
    trial = try_petition(tiny_built, "H2", exclude_unit="A-201", backend="cpsat")
    assert trial.reallocation.outcome.run["today"] == TINY_TODAY.isoformat()
    assert sorted(trial.others_changed["household_id"]) == ["H3"]


def test_a_promoted_petition_is_the_households_own_and_settled(tiny_built):
    from allocator.export import build_orders
    from allocator.scenarios import promote

    trial = try_petition(tiny_built, "H2", exclude_unit="A-201", today=TINY_TODAY,
                         backend="cpsat")
    save_trial(tiny_built, trial, "信访H2")
    # Printed from the trial, the petitioner's order is a trial still.
    drafts = {o.household_id: o.rule_text
              for o in build_orders(tiny_built, "信访H2", ["H2", "H3"])}
    assert drafts["H2"].startswith(
        "变动原因：信访试算：本户不接受房屋A-201；由房屋A-201调换至B-101；")
    promote(tiny_built, "信访H2")
    # The table (Excel, CSV) says it is settled too, with the 户号 planners use.
    base = tiny_built.allocations[tiny_built.allocations["scenario"] == "base"]
    stored = dict(zip(base["household_id"], base["reason"]))
    assert stored["H2"].startswith("变动原因：信访处理：户H2不接受房屋A-201；")
    orders = {o.household_id: o.rule_text
              for o in build_orders(tiny_built, households=["H2", "H3"])}
    assert orders["H2"].startswith(
        "变动原因：信访处理：本户不接受房屋A-201；由房屋A-201调换至B-101；")
    # H3, who made room, reads neither H2's id nor the word trial.
    assert orders["H3"].startswith(
        "变动原因：由房屋B-101调换至B-102，为处理其他户的信访让出房源。")


def test_a_promote_is_in_the_history_of_the_households_it_moves(tiny_built,
                                                                 tmp_path, capsys):
    # Found by a new user: H3, moved to make room for H2's petition, had no
    # ledger entry of it once the trial was promoted; nor did any household
    # have the solve that first allocated it.
    from allocator.cli import main
    from allocator.project import save_project
    from allocator.scenarios import promote

    trial = try_petition(tiny_built, "H2", exclude_unit="A-201", today=TINY_TODAY,
                         backend="cpsat")
    save_trial(tiny_built, trial, "信访H2")
    promote(tiny_built, "信访H2")
    path = tmp_path / "p.gpkg"
    save_project(tiny_built, path)
    capsys.readouterr()
    assert main(["ledger", str(path), "--household", "H3"]) == 0
    out = capsys.readouterr().out
    assert "allocate  scenario base" in out  # the solve that allocated it
    assert ('"households": {"H3": "另分房屋"}' in out
            and '"H3": {"unit_after": "B-102", "unit_before": "B-101"}' in out)
    assert '"H2"' not in out.split("scenario promote", 1)[1]


def test_a_petition_dated_before_what_the_project_records_is_refused(
        tmp_path, capsys):
    # Found by a new user: `petition --date 2026-01-01` ran (its ages and
    # waiting years counted on a day before births and move-ins the project
    # records) and could be promoted; `solve --date` refuses such a day.
    from allocator.cli import main
    from tests.conftest import tiny_solved_by_cli

    path = tiny_solved_by_cli(tmp_path / "p.gpkg")
    before = path.read_bytes()
    capsys.readouterr()
    assert main(["petition", str(path), "--household", "H2", "--exclude-unit",
                 "A-201", "--date", "2024-01-01", "--save-as", "旧日期"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误 error: --date 2024-01-01 is before ")
    assert "a petition's trial counts ages" in err and err.rstrip().endswith(
        "Nothing changed")
    assert path.read_bytes() == before
