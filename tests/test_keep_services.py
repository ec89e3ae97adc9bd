"""Reallocations and petitions keep other households' school and clinic places.

A county built for these tests, every point on the meridian 102°E (walks are
meridian arcs x 1.3; near 28°N a thousandth of a degree is 110.8 m, a 144 m
walk):

- site S1 南坝, building F栋 at 28.0400°N: units F-101 (75 m², floor 1) and
  F-102 (24 m², floor 2);
- site S2 北街, building G栋 at 28.0600°N: unit G-102 (24 m², floor 1);
- clinics C1 城北卫生室 at 28.0410°N (144 m from F栋; 1 place at first),
  C2 社区卫生服务中心 at 28.0430°N (432 m from F栋; 100 places), C3 北街卫生室
  at 28.0605°N (72 m from G栋; 100 places); F栋 and G栋 are over 1,800 m
  apart, so no clinic of one is within the 1,000 m catchment of the other;
- primary school P1 at 28.0405°N (72 m from F栋; 10 places).

Households, none living in a unit: A1 (3 people, a child of 8: 36–75 m², so
only F-101), B1 (1 person: 12–25 m²) and Q1 (2 people: 24–50 m²); B1 and Q1
both fit F-102 and G-102.

First allocation: A1 gets F-101, its child P1, and C2 (C1's one place is too
few for 3 people). Walks: B1 at F-102 and Q1 at G-102 walk 1 x 144 (C1) +
2 x 72 (C3) = 288 m; the other way round Q1 could not use C1 and would walk
2 x 432 (C2) + 1 x 72 (C3) = 936 m. So B1 gets F-102 and C1, Q1 G-102 and C3.

Then C1 grows to 3 places. Placing A1 and B1 again would give C1 to A1
(3 x 144 + 1 x 432 = 864 m against 1 x 144 + 3 x 432 = 1,440 m): a swap of
kept clinic places between two households of one building that neither
asked for. Without ``allow_service_changes`` it must not happen.
"""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest

from allocator.allocate import solve_project, store_outcome
from allocator.export import ExportRefused, changed_households
from allocator.importer import ImportInputs, import_files
from allocator.petition import try_petition
from allocator.reallocate import reallocate, store_reallocation, validation_view
from solvers import get_backend
from solvers.joint import (
    JointProblem,
    ServiceGroup,
    build_aggregated_model,
    build_joint_model,
)
from tests.assertions import assert_allocation_valid

TODAY = dt.date(2026, 10, 1)
LON = 102.0
F_LAT, G_LAT = 28.0400, 28.0600

HEADER = ("户号,姓名,身份证号,与户主关系,性别,出生日期,安置类别,残疾,年收入,"
          "稳定就业年限,原居住村,原居住乡镇,现属乡镇,轮候登记日期")
# household, name, relationship, sex, birth date, waiting since
PEOPLE = [
    ("A1", "沙马木呷", "户主", "男", "1988-02-14", "2020-03-01"),
    ("A1", "沙马阿果", "配偶", "女", "1990-05-20", None),
    ("A1", "沙马伍沙", "子", "男", "2018-04-04", None),
    ("B1", "俄木石布", "户主", "男", "1975-09-09", "2021-03-01"),
    ("Q1", "勒尔木呷", "户主", "男", "1983-01-01", "2022-03-01"),
    ("Q1", "勒尔阿呷", "配偶", "女", "1984-02-02", None),
]
UNITS = [  # unit, site, building, floor, area, lat
    ("F-101", "S1", "F栋", 1, 75, F_LAT),
    ("F-102", "S1", "F栋", 2, 24, F_LAT),
    ("G-102", "S2", "G栋", 1, 24, G_LAT),
]
FACILITIES = [  # id, name, kind, capacity, lat
    ("C1", "城北卫生室", "卫生室", 1, 28.0410),
    ("C2", "社区卫生服务中心", "社区卫生服务中心", 100, 28.0430),
    ("C3", "北街卫生室", "卫生室", 100, 28.0605),
    ("P1", "城北小学", "小学", 10, 28.0405),
]


def _id_number(birth: str, sequence: int, sex: str) -> str:
    """A valid 18-digit ID number (GB 11643 check digit, sex in digit 17)."""
    if (sequence % 2 == 1) != (sex == "男"):
        sequence += 1
    body = "513431" + birth.replace("-", "") + f"{sequence:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(body, weights))
    return body + "10X98765432"[total % 11]


def _square(south: float, north: float) -> list:
    return [[[LON - 0.002, south], [LON + 0.002, south], [LON + 0.002, north],
             [LON - 0.002, north], [LON - 0.002, south]]]


def _files(folder) -> ImportInputs:
    lines = [HEADER]
    for i, (household, name, relation, sex, birth, since) in enumerate(PEOPLE):
        head = relation == "户主"
        lines.append(",".join([
            household, name, _id_number(birth, 20 + 2 * i, sex), relation, sex,
            birth, "易地扶贫搬迁", "无", "30000" if head else "",
            "0" if head else "", "谷都村", "城北乡", "城北乡", since or ""]))
    (folder / "register.csv").write_text("\n".join(lines) + "\n",
                                         encoding="utf-8-sig")
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4490"}}
    sites = {"type": "FeatureCollection", "crs": crs, "features": [
        {"type": "Feature",
         "properties": {"安置点编号": site, "名称": name, "说明": "测试"},
         "geometry": {"type": "Polygon", "coordinates": _square(lat - 0.002,
                                                                lat + 0.002)}}
        for site, name, lat in (("S1", "南坝安置点", F_LAT),
                                ("S2", "北街安置点", G_LAT))]}
    county = {"type": "FeatureCollection", "crs": crs, "features": [
        {"type": "Feature", "properties": {"adcode": "513431", "name": "测试县"},
         "geometry": {"type": "Polygon", "coordinates": [[
             [101.95, 28.0], [102.05, 28.0], [102.05, 28.1], [101.95, 28.1],
             [101.95, 28.0]]]}}]}
    (folder / "sites.geojson").write_text(json.dumps(sites, ensure_ascii=False),
                                          encoding="utf-8")
    (folder / "county.geojson").write_text(json.dumps(county, ensure_ascii=False),
                                           encoding="utf-8")
    units = ["房号,安置点编号,楼栋,楼层,面积,无障碍,状态,现住户号,入住日期,经度,纬度"]
    units += [f"{unit},{site},{building},{floor},{area},否,空置,,,{LON},{lat}"
              for unit, site, building, floor, area, lat in UNITS]
    (folder / "units.csv").write_text("\n".join(units) + "\n", encoding="utf-8-sig")
    facilities = ["设施编号,名称,类型,容量,经度,纬度"]
    facilities += [f"{fid},{name},{kind},{capacity},{LON},{lat}"
                   for fid, name, kind, capacity, lat in FACILITIES]
    (folder / "facilities.csv").write_text("\n".join(facilities) + "\n",
                                           encoding="utf-8-sig")
    return ImportInputs(register=folder / "register.csv",
                        sites=folder / "sites.geojson", units=folder / "units.csv",
                        facilities=folder / "facilities.csv",
                        county=folder / "county.geojson")


FIRST = {"A1": "F-101", "B1": "F-102", "Q1": "G-102"}
FIRST_PLACES = {("A1-01", "clinic"): "C2", ("A1-02", "clinic"): "C2",
                ("A1-03", "clinic"): "C2", ("A1-03", "primary"): "P1",
                ("B1-01", "clinic"): "C1",
                ("Q1-01", "clinic"): "C3", ("Q1-02", "clinic"): "C3"}


def _build(folder, siblings_together: bool = True):
    result = import_files(_files(folder))
    assert result.errors == [], [str(p) for p in result.errors]
    project = result.project
    # False: siblings may be split, which the per-household ("detailed")
    # model solves; True: the aggregated model
    project.rules["siblings_together"] = siblings_together
    outcome = solve_project(project, backend="cpsat", today=TODAY)
    assert outcome.run["status"] == "optimal"
    store_outcome(project, outcome)
    assert _units(project.allocations) == FIRST
    assert _places(project.service_assignments) == FIRST_PLACES
    facilities = project.facilities
    facilities.loc[facilities["facility_id"] == "C1", "capacity"] = 3  # C1 grows
    return project


@pytest.fixture(params=[True, False], ids=["aggregated", "detailed"])
def county(tmp_path, request):
    return _build(tmp_path, request.param)


def _units(frame):
    return {h: (u if isinstance(u, str) else None)
            for h, u in zip(frame["household_id"], frame["unit_id"])}


def _places(frame):
    return {(m, k): (f if isinstance(f, str) else None)
            for m, k, f in zip(frame["member_id"], frame["kind"], frame["facility_id"])}


def _changes(frame):
    return {row.household_id: (row.change, row.reason) for row in frame.itertuples()}


@pytest.mark.parametrize("backend", ["cpsat", "highs"])
def test_moves_allowed_keep_the_places_of_households_that_stay(county, backend):
    result = reallocate(county, today=TODAY, backend=backend, allow_moves=True,
                        moves_for_gain=True)
    assert result.outcome.run["status"] == "optimal"
    assert _units(result.outcome.allocations) == FIRST
    assert _places(result.outcome.service_assignments) == FIRST_PLACES
    assert result.changes.empty
    assert result.kept_services == 4  # A1's clinic and school, B1's, Q1's clinic
    levels = {lv.name: lv.objective for lv in result.outcome.result.levels}
    assert levels["kept"] == 3
    assert levels["served"] == 7
    # A1 3 x 432 + 72 (P1), B1 144, Q1 2 x 72
    assert levels["walk"] == 1296 + 72 + 144 + 144
    store_reallocation(county, result)
    assert_allocation_valid(validation_view(county, TODAY))


def test_the_planner_may_allow_the_places_to_change(county):
    result = reallocate(county, today=TODAY, backend="cpsat", allow_moves=True,
                        moves_for_gain=True, allow_service_changes=True)
    assert _units(result.outcome.allocations) == FIRST
    places = {**FIRST_PLACES, ("A1-01", "clinic"): "C1", ("A1-02", "clinic"): "C1",
              ("A1-03", "clinic"): "C1", ("B1-01", "clinic"): "C2"}
    assert _places(result.outcome.service_assignments) == places
    assert _changes(result.changes) == {
        "A1": ("service", "学位或卫生服务变动：A1-01卫生服务由社区卫生服务中心改为"
                          "城北卫生室；A1-02卫生服务由社区卫生服务中心改为城北卫生室；"
                          "A1-03卫生服务由社区卫生服务中心改为城北卫生室"),
        "B1": ("service", "学位或卫生服务变动：B1-01卫生服务由城北卫生室改为"
                          "社区卫生服务中心")}


def test_a_kept_place_beyond_a_cut_capacity_is_placed_again(county):
    facilities = county.facilities
    facilities.loc[facilities["facility_id"] == "C1", "capacity"] = 0
    result = reallocate(county, today=TODAY, backend="cpsat", allow_moves=True,
                        moves_for_gain=True)
    assert _places(result.outcome.service_assignments) == {
        **FIRST_PLACES, ("B1-01", "clinic"): "C2"}
    assert _changes(result.changes) == {
        "B1": ("service", "学位或卫生服务变动：B1-01卫生服务由城北卫生室改为"
                          "社区卫生服务中心")}
    assert result.kept_services == 3


# --- petitions (信访) ----------------------------------------------------------

def test_petition_that_changes_nothing_moves_no_other_place(county):
    # Q1 will not take F-102, which it does not hold: it keeps G-102, and A1
    # and B1 keep their clinics although C1 now has room for A1.
    trial = try_petition(county, "Q1", exclude_unit="F-102", today=TODAY,
                         backend="cpsat")
    assert trial.reallocation.outcome.run["status"] == "optimal"
    assert (trial.unit_before, trial.unit_after) == ("G-102", "G-102")
    assert trial.others_changed.empty
    assert trial.reallocation.changes.empty
    assert _places(trial.reallocation.outcome.service_assignments) == FIRST_PLACES


def test_petition_moves_one_household_and_only_its_places_change(county):
    # Q1 will not take site S2: the only unit it fits elsewhere is F-102, so
    # B1 moves to G-102 (which Q1 gives up) and registers at C3, the only
    # clinic within reach of G栋. A1 stays and keeps C2; Q1 takes C1, which
    # B1 left (3 places, 2 needed).
    trial = try_petition(county, "Q1", exclude_site="S2", today=TODAY,
                         backend="cpsat")
    assert trial.reallocation.outcome.run["status"] == "optimal"
    assert _units(trial.reallocation.outcome.allocations) == {
        "A1": "F-101", "B1": "G-102", "Q1": "F-102"}
    assert _changes(trial.others_changed) == {
        "B1": ("moved", "由房屋F-102调换至G-102（户Q1调整住房后腾出房屋G-102），"
                        "为试算户Q1不接受安置点S2让出房源；学位或卫生服务变动："
                        "B1-01卫生服务由城北卫生室改为北街卫生室")}
    assert _places(trial.reallocation.outcome.service_assignments) == {
        **FIRST_PLACES, ("B1-01", "clinic"): "C3",
        ("Q1-01", "clinic"): "C1", ("Q1-02", "clinic"): "C1"}


# --- export --changed after a reallocation that changed nothing ---------------

def _day(project) -> str:
    return str(project.ledger.iloc[-1]["time"])[:10]


def test_changed_orders_are_those_of_the_last_reallocation_that_changed_any(
        tmp_path):
    project = _build(tmp_path)
    first = reallocate(project, today=TODAY, backend="cpsat",
                       allow_service_changes=True)  # A1 and B1 swap clinics
    store_reallocation(project, first)
    chosen = changed_households(project)
    assert chosen.households == ["A1", "B1"]
    assert chosen.note is None

    second = reallocate(project, today=TODAY, backend="cpsat")
    assert second.changes.empty  # nothing new to do
    store_reallocation(project, second)
    entry = json.loads(project.ledger.iloc[-1]["after"])
    assert entry["changes"] == {} and entry["households"] == {}
    chosen = changed_households(project)
    assert chosen.households == ["A1", "B1"]
    assert list(chosen.rows["unit_id"]) == ["F-101", "F-102"]
    assert list(chosen.rows["change"]) == ["学位或卫生服务变动"] * 2
    one, two = first.outcome.run["run_id"], second.outcome.run["run_id"]
    day = _day(project)
    assert chosen.note == (
        f"the last reallocation (run {two}, {day}) changed no household; the "
        f"reallocation before it (run {one}, {day}) changed 2 household(s), whose "
        "allocation has not changed since: printing their orders")
    assert chosen.run_id == one

    # A scenario of this reallocated base is solved as a reallocation of it:
    # C1 cut to 2 places takes A1's three clinic places there, and promoted,
    # the base's allocation marks A1 alone as changed (by the promote), not
    # the earlier reallocation's households.
    from allocator import scenarios

    promoted = copy.deepcopy(project)
    scenarios.create(promoted, "same", {"capacities": {"C1": 2}})
    scenarios.solve(promoted, "same", backend="cpsat", today=TODAY)
    scenarios.promote(promoted, "same")
    chosen = changed_households(promoted)
    assert chosen.households == ["A1"] and chosen.note is None
    assert chosen.rows["change"].tolist()[0].startswith("学位或卫生服务变动：A1-01")

    # a solve since then made the allocation anew: nothing is marked changed
    outcome = solve_project(project, backend="cpsat", today=TODAY)
    store_outcome(project, outcome)
    with pytest.raises(ExportRefused, match=(
            rf"allocation of scenario 'base' was made by a solve \(run "
            rf"{outcome.run['run_id']}, {day}\), not by a reallocation")):
        changed_households(project)

    # a scenario of that base (solved afresh) promoted since then made the
    # base's allocation anew, and marks no household: refused
    scenarios.create(project, "same", {"capacities": {"C1": 3}})
    scenarios.solve(project, "same", backend="cpsat", today=TODAY)
    scenarios.promote(project, "same")
    with pytest.raises(ExportRefused, match=(
            r"allocation of scenario 'base' comes from promoting a scenario")):
        changed_households(project)


def test_no_reallocation_changed_anyone(tmp_path):
    project = _build(tmp_path)
    facilities = project.facilities
    facilities.loc[facilities["facility_id"] == "C1", "capacity"] = 1
    result = reallocate(project, today=TODAY, backend="cpsat")
    assert result.changes.empty
    store_reallocation(project, result)
    # the allocation before it was a solve's: no reallocation changed anyone
    with pytest.raises(ExportRefused, match="was made by a solve"):
        changed_households(project)


# --- the model on plain numbers ------------------------------------------------

def _plain(with_waiting: bool) -> JointProblem:
    """h0 (home class c0 at location 0) keeps its 2-person group's place at f0
    (2 places, reachable from location 0 only, 100 m) while it stays home;
    c1 at location 1 reaches f1 (200 m, 5 places). With ``with_waiting``, h1
    (1 person, fits only c0) waits: housing it moves h0 to c1, which
    releases f0 for h1's person."""
    households = 2 if with_waiting else 1
    return JointProblem(
        class_location=[0, 1], class_capacity=[1, 1],
        household_weight=[100] * households,
        household_location=[None] * households,
        household_classes=[[0, 1], [0]][:households],
        facility_capacity=[2, 5], reach={(0, 0): 100, (1, 1): 200},
        groups=[ServiceGroup(0, 2, [0, 1], kind="clinic"),
                ServiceGroup(1, 1, [0, 1], kind="clinic")][:households],
        household_home={0: 0}, home_places={0: [(0, 0)]},
        objective_order=["housed", "served", "walk"])


@pytest.mark.parametrize("backend", ["cpsat", "highs"])
@pytest.mark.parametrize("build", [build_joint_model, build_aggregated_model])
@pytest.mark.parametrize("with_waiting, classes, facilities, locations, levels", [
    # h0 stays: its place at f0 is kept (2 served, 2 x 100 m)
    (False, [0], [0], [0], {"housed": 100, "kept": 1, "served": 2, "walk": 200}),
    # h0 moves to c1 for h1: placed again at f1 (2 x 200 m); h1 takes f0
    (True, [1, 0], [1, 0], [1, 0],
     {"housed": 200, "kept": 0, "served": 3, "walk": 400 + 100}),
])
def test_kept_place_on_plain_numbers(backend, build, with_waiting, classes,
                                     facilities, locations, levels):
    problem = _plain(with_waiting)
    joint = build(problem)
    result = get_backend(backend).solve(joint.model)
    assert result.status.value == "optimal"
    assert {name: result.objectives[name] for name in levels} == levels
    solution = joint.decode(problem, result.values)
    assert solution.household_class == classes
    assert solution.group_facility == facilities
    assert solution.group_location == locations


@pytest.mark.parametrize("build", [build_joint_model, build_aggregated_model])
def test_a_kept_place_takes_its_capacity(build):
    # A household living at location 0 (1 person) also wants f0; h0's kept
    # place fills f0's 2 places, so the neighbour gets none (f1 is out of
    # its reach), though placing it would serve one person more.
    problem = _plain(False)
    problem.household_weight.append(100)
    problem.household_location.append(0)
    problem.household_classes.append([])
    problem.groups.append(ServiceGroup(1, 1, [0, 1], kind="clinic"))
    joint = build(problem)
    result = get_backend("cpsat").solve(joint.model)
    assert result.objectives["served"] == 2
    solution = joint.decode(problem, result.values)
    assert solution.household_class == [0, None]
    assert solution.group_facility == [0, None]
