"""Reallocation moves at a penalty: reunite a family, shorten a school walk.

A county built for these tests (all points on the meridian 102°E, the
central meridian of its Gauss-Kruger zone, so walks are meridian arcs x 1.3):

- primary school P1 (10 places) at 28.050°N, clinic C1 (100) at 28.0415°N;
- site S1 南坝, building F栋 at 28.037159°N: 1,423.04 m from P1 on the
  GRS80 ellipsoid, a 1,850 m walk; units F-101 (75 m², vacant), A-101 (100 m²,
  H7 lives there), A-102 (35 m², Y1 lives there);
- site S2 北街, building N栋 at 28.045835°N: 461.57 m from P1, a 600 m walk;
  units N-101 (75 m², X1 lives there) and B-101 (30 m², vacant).

The primary catchment is 2,500 m (a rural county's), so both walks are
inside it. Households: H1 (3 people, a child of 8, waiting since 2023: 3
years, weight 115), W1 (3 adults, since 2025: weight 105), and H7 (4 people)
that a register update splits into H7 (2) and H8 (2, split off). The first
allocation: H1 and W1 (36–75 m²) fit only F-101, H1 has the higher weight
and gets it; H8 (24–50 m²) gets B-101; W1 waits. H1's child has a place at
P1, a 1,850 m walk.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from allocator.allocate import solve_project, store_outcome
from allocator.exits import confirm_exits
from allocator.importer import ImportInputs, import_files
from allocator.reallocate import (
    family_links,
    reallocate,
    store_reallocation,
    validation_view,
)
from allocator.register_update import apply_register_update, compare_register
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
F_LAT, N_LAT, SCHOOL_LAT, CLINIC_LAT = 28.037159, 28.045835, 28.05, 28.0415

HEADER = ("户号,姓名,身份证号,与户主关系,性别,出生日期,安置类别,残疾,年收入,"
          "稳定就业年限,原居住村,原居住乡镇,现属乡镇,轮候登记日期")
# household, name, relationship, sex, birth date, income, job years, waiting since
PEOPLE = [
    ("X1", "吉克阿呷", "户主", "男", "1980-03-02", 90000, 5, "2018-05-01"),
    ("X1", "阿苦日哈", "配偶", "女", "1982-06-11", None, None, None),
    ("H1", "沙马木呷", "户主", "男", "1990-02-14", 30000, 0, "2023-03-01"),
    ("H1", "沙马阿果", "配偶", "女", "1992-05-20", None, None, None),
    ("H1", "沙马伍沙", "子", "男", "2018-04-04", None, None, None),
    ("W1", "俄木石布", "户主", "男", "1980-09-09", 30000, 0, "2025-03-01"),
    ("W1", "海来拉莫", "配偶", "女", "1982-12-12", None, None, None),
    ("W1", "俄木日哈", "子", "男", "2000-04-04", None, None, None),
    ("H7", "勒尔木呷", "户主", "男", "1960-01-01", 30000, 0, "2018-05-01"),
    ("H7", "勒尔阿呷", "配偶", "女", "1962-02-02", None, None, None),
    ("H7", "勒尔日哈", "子", "男", "1990-03-03", None, None, None),
    ("H7", "马海拉莫", "儿媳", "女", "1992-04-04", None, None, None),
    ("Y1", "阿尔拉且", "户主", "男", "1985-05-05", 90000, 5, "2018-05-01"),
    ("Y1", "阿尔阿依", "配偶", "女", "1986-06-06", None, None, None),
]
# H7's son and his wife become household H8 (分户).
SPLIT = {"勒尔日哈": ("H8", "户主"), "马海拉莫": ("H8", "配偶")}
UNITS = [  # unit, site, building, floor, area, status, living household, lat
    ("F-101", "S1", "F栋", 1, 75, "空置", "", F_LAT),
    ("A-101", "S1", "F栋", 2, 100, "已入住", "H7", F_LAT),
    ("A-102", "S1", "F栋", 3, 35, "已入住", "Y1", F_LAT),
    ("N-101", "S2", "N栋", 1, 75, "已入住", "X1", N_LAT),
    ("B-101", "S2", "N栋", 2, 30, "空置", "", N_LAT),
]


def _id_number(birth: str, sequence: int, sex: str) -> str:
    """A valid 18-digit ID number (GB 11643 check digit, sex in digit 17)."""
    if (sequence % 2 == 1) != (sex == "男"):
        sequence += 1
    body = "513431" + birth.replace("-", "") + f"{sequence:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(body, weights))
    return body + "10X98765432"[total % 11]


def _register(path, split: bool = False) -> None:
    lines = [HEADER]
    for i, (household, name, relation, sex, birth, income, years, since) in \
            enumerate(PEOPLE):
        if split and name in SPLIT:
            household, relation = SPLIT[name]
        lines.append(",".join([
            household, name, _id_number(birth, 10 + 2 * i, sex), relation, sex, birth,
            "易地扶贫搬迁", "无", "" if income is None else str(income),
            "" if years is None else str(years), "谷都村", "城北乡", "城北乡",
            since or ""]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")


def _polygon(south: float, north: float) -> list:
    return [[[LON - 0.002, south], [LON + 0.002, south], [LON + 0.002, north],
             [LON - 0.002, north], [LON - 0.002, south]]]


def _county_files(folder) -> ImportInputs:
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4490"}}
    sites = {"type": "FeatureCollection", "crs": crs, "features": [
        {"type": "Feature", "properties": {"安置点编号": "S1", "名称": "南坝安置点",
                                           "说明": "测试"},
         "geometry": {"type": "Polygon", "coordinates": _polygon(28.035, 28.039)}},
        {"type": "Feature", "properties": {"安置点编号": "S2", "名称": "北街安置点",
                                           "说明": "测试"},
         "geometry": {"type": "Polygon", "coordinates": _polygon(28.044, 28.047)}}]}
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
    for unit, site, building, floor, area, status, living, lat in UNITS:
        placed = "2020-05-12" if living else ""
        units.append(f"{unit},{site},{building},{floor},{area},否,{status},{living},"
                     f"{placed},{LON},{lat}")
    (folder / "units.csv").write_text("\n".join(units) + "\n", encoding="utf-8-sig")
    (folder / "facilities.csv").write_text(
        "设施编号,名称,类型,容量,经度,纬度\n"
        f"P1,北街小学,小学,10,{LON},{SCHOOL_LAT}\n"
        f"C1,社区卫生服务中心,社区卫生服务中心,100,{LON},{CLINIC_LAT}\n",
        encoding="utf-8-sig")
    _register(folder / "register.csv")
    return ImportInputs(register=folder / "register.csv",
                        sites=folder / "sites.geojson", units=folder / "units.csv",
                        facilities=folder / "facilities.csv",
                        county=folder / "county.geojson")


@pytest.fixture()
def county(tmp_path):
    """The county after the split of H7 and the first allocation."""
    result = import_files(_county_files(tmp_path))
    assert result.errors == [], [str(p) for p in result.errors]
    project = result.project
    project.rules["catchment_walk_m"]["primary"] = 2500
    _register(tmp_path / "updated.csv", split=True)
    diff = compare_register(project, tmp_path / "updated.csv")
    assert {(c.household_id, c.kind) for c in diff.changes} == {
        ("H7", "split"), ("H8", "split_off")}
    apply_register_update(project, diff, "分户", today=TODAY)

    outcome = solve_project(project, backend="cpsat", today=TODAY)
    assert outcome.run["status"] == "optimal"
    store_outcome(project, outcome)
    assert _units(project.allocations) == {
        "X1": "N-101", "H1": "F-101", "W1": None, "H7": "A-101", "H8": "B-101",
        "Y1": "A-102"}
    services = project.service_assignments.set_index(["member_id", "kind"])
    assert services.at[("H1-03", "primary"), "facility_id"] == "P1"
    assert services.at[("H1-03", "primary"), "distance_m"] == 1850
    return project


def _units(frame):
    return {h: (u if isinstance(u, str) else None)
            for h, u in zip(frame["household_id"], frame["unit_id"])}


def _changes(result):
    return {row.household_id: (row.change, row.reason)
            for row in result.changes.itertuples()}


def _levels(result):
    return {lv.name: lv.objective for lv in result.outcome.result.levels}


def _reallocate(project, **options):
    result = reallocate(project, today=TODAY, backend="cpsat", **options)
    assert result.outcome.run["status"] == "optimal"
    return result


def test_family_links_come_from_the_split_record(county):
    assert family_links(county) == [{"H7", "H8"}]


# --- a school walk of 1,850 m ------------------------------------------------

def test_without_moves_the_freed_unit_goes_to_the_waiting_list(county):
    confirm_exits(county, ["X1"], TODAY, TODAY)
    result = _reallocate(county)
    assert _units(result.outcome.allocations) == {
        "H1": "F-101", "W1": "N-101", "H7": "A-101", "H8": "B-101", "Y1": "A-102"}
    assert _changes(result) == {
        "X1": ("exited", "户X1退出，腾出房屋N-101"),
        "W1": ("allocated", "户X1退出腾出房屋N-101，分配给轮候户W1")}
    assert result.move_gains is None


def test_a_move_that_cuts_the_school_walk_by_more_than_the_penalty(county):
    confirm_exits(county, ["X1"], TODAY, TODAY)
    result = _reallocate(county, allow_moves=True, moves_for_gain=True)

    # H1 moves to N-101 (its child walks 600 m instead of 1,850 m: 1,250 m
    # saved against a penalty of 1,000 m) and W1 takes the unit H1 left: as
    # many households housed as without the move.
    assert _units(result.outcome.allocations) == {
        "H1": "N-101", "W1": "F-101", "H7": "A-101", "H8": "B-101", "Y1": "A-102"}
    assert _changes(result) == {
        "X1": ("exited", "户X1退出，腾出房屋N-101"),
        "H1": ("moved", "由房屋F-101调换至N-101（户X1退出腾出房屋N-101），"
                        "H1-03小学步行距离由1,850米缩短到600米"),
        "W1": ("allocated", "户H1调换住房后腾出房屋F-101，分配给轮候户W1")}
    levels = _levels(result)
    assert levels["housed"] == 115 + 105 + 100  # H1, W1 and H8 (weight 100)
    assert levels["moves"] == 1250 - 1000
    assert levels["kept"] == 1  # H8 keeps B-101
    services = result.outcome.service_assignments.set_index(["member_id", "kind"])
    assert services.at[("H1-03", "primary"), "facility_id"] == "P1"
    assert services.at[("H1-03", "primary"), "distance_m"] == 600

    store_reallocation(county, result)
    entry = json.loads(county.ledger.iloc[-1]["after"])
    assert entry["move_rules"] == {"move_penalty_m": 1000, "family_reunion_m": 3000,
                                   "school_trip_max_m": 1000}
    assert_allocation_valid(validation_view(county, TODAY))


@pytest.mark.parametrize("penalty", [1250, 1300])
def test_no_move_when_the_penalty_is_not_less_than_the_walk_saved(county, penalty):
    county.rules["move_penalty_m"] = penalty
    confirm_exits(county, ["X1"], TODAY, TODAY)
    result = _reallocate(county, allow_moves=True, moves_for_gain=True)
    assert _units(result.outcome.allocations)["H1"] == "F-101"
    assert _changes(result) == {
        "X1": ("exited", "户X1退出，腾出房屋N-101"),
        "W1": ("allocated", "户X1退出腾出房屋N-101，分配给轮候户W1")}
    assert _levels(result)["moves"] == 0
    assert _levels(result)["kept"] == 2


def test_a_walk_within_the_limit_is_not_too_long(county):
    county.rules["school_trip_max_m"] = 1850  # 1,850 m is not above it
    confirm_exits(county, ["X1"], TODAY, TODAY)
    result = _reallocate(county, allow_moves=True, moves_for_gain=True)
    assert _units(result.outcome.allocations)["H1"] == "F-101"
    assert result.move_gains.trips == {}


def test_moves_alone_only_house_more_households(county):
    """``allow_moves`` without the gains keeps everyone (today's behaviour)."""
    confirm_exits(county, ["X1"], TODAY, TODAY)
    result = _reallocate(county, allow_moves=True)
    assert _units(result.outcome.allocations)["H1"] == "F-101"
    assert "moves" not in _levels(result)


# --- a family split by a register update ---------------------------------------

def test_a_split_off_household_moves_to_its_family_site(county):
    confirm_exits(county, ["Y1"], TODAY, TODAY)
    result = _reallocate(county, allow_moves=True, moves_for_gain=True)

    # A-102 (35 m²) fits H8 (2 people, 24–50 m²) but not W1 (36–75 m²); H8
    # moves next to H7 at 南坝 (3,000 m gained against 1,000 m).
    assert _units(result.outcome.allocations) == {
        "X1": "N-101", "H1": "F-101", "W1": None, "H7": "A-101", "H8": "A-102"}
    assert _changes(result) == {
        "Y1": ("exited", "户Y1退出，腾出房屋A-102"),
        "H8": ("moved", "由房屋B-101调换至A-102（户Y1退出腾出房屋A-102），"
                        "与分户家庭H7同点安置（南坝安置点）")}
    assert _levels(result)["moves"] == 3000 - 1000
    assert result.move_gains.partners == {"H7": ["H8"], "H8": ["H7"]}
    store_reallocation(county, result)
    assert_allocation_valid(validation_view(county, TODAY))


def test_no_family_move_when_the_penalty_is_larger(county):
    county.rules["move_penalty_m"] = 4000
    confirm_exits(county, ["Y1"], TODAY, TODAY)
    result = _reallocate(county, allow_moves=True, moves_for_gain=True)
    assert _units(result.outcome.allocations)["H8"] == "B-101"
    assert _changes(result) == {"Y1": ("exited", "户Y1退出，腾出房屋A-102")}


# --- the model on plain numbers, both formulations -----------------------------

def _family_problem(waiting: bool, penalty: int) -> JointProblem:
    """Households h0 (home c0 at site 0) and h1 (home c1 at site 1) are one
    family (3,000 m when at one site). h0 fits c0 and c3 (site 1) and has two
    children at school f0: 1,500 m from c0's location, 400 m from c3's
    (limit 1,000 m). h1 fits c1 and c2 (site 0). With ``waiting``, h2 fits
    only c3 and waits for it.

    Moves (gain - penalty 1,000): h0 to c3 reunites the family and saves
    2 x 1,100 m: 3,000 + 2,200 - 1,000 = 4,200; h1 to c2: 3,000 - 1,000 =
    2,000; both: the family apart again, 2,200 - 2,000 = 200. With h2 housed
    first, c3 is taken and h1 to c2 (2,000) is best. A penalty of 6,000 makes
    every move a loss (3,000 + 2,200 - 6,000 = -800).
    """
    households = 3 if waiting else 2
    return JointProblem(
        class_location=[0, 1, 2, 3], class_capacity=[1, 1, 1, 1],
        household_weight=[100] * households,
        household_location=[None] * households,
        household_classes=[[0, 3], [1, 2], [3]][:households],
        facility_capacity=[2], reach={(0, 0): 1500, (3, 0): 400},
        groups=[ServiceGroup(0, 2, [0], kind="primary")],
        household_home={0: 0, 1: 1}, class_site=[0, 1, 0, 1],
        objective_order=["housed", "served", "walk"],
        move_gains=True, move_penalty=penalty, family_pairs=[(0, 1, 3000)],
        long_trips={0: (0, 1500, 1000)})


@pytest.mark.parametrize("backend", ["cpsat", "highs"])
@pytest.mark.parametrize("build", [build_joint_model, build_aggregated_model])
@pytest.mark.parametrize("waiting, penalty, classes, moves, kept", [
    (False, 1000, [3, 1], 4200, 1),
    (True, 1000, [0, 2, 3], 2000, 1),
    (False, 6000, [0, 1], 0, 2),
])
def test_moves_level_on_plain_numbers(backend, build, waiting, penalty, classes,
                                      moves, kept):
    problem = _family_problem(waiting, penalty)
    joint = build(problem)
    assert [o.name for o in joint.model.objectives] == [
        "housed", "moves", "kept", "served", "walk"]
    result = get_backend(backend).solve(joint.model)
    assert result.status.value == "optimal"
    assert result.objectives["moves"] == moves
    assert result.objectives["kept"] == kept
    solution = joint.decode(problem, result.values)
    assert solution.household_class == classes
    assert solution.group_facility == [0]
    assert solution.group_location == [problem.class_location[classes[0]]]


def test_without_gains_the_model_is_unchanged():
    problem = _family_problem(False, 1000)
    problem.move_gains = False
    names = [o.name for o in build_aggregated_model(problem).model.objectives]
    assert names == ["housed", "kept", "served", "walk"]


def test_cli_reports_each_move_with_its_reason(county, tmp_path, capsys):
    from allocator.cli import main
    from allocator.project import load_project, save_project

    path = tmp_path / "county.gpkg"
    confirm_exits(county, ["X1"], TODAY, TODAY)
    save_project(county, path)
    code = main(["reallocate", str(path), "--allow-moves", "--date", "2026-10-01",
                 "--backend", "cpsat", "--json", str(tmp_path / "changes.json")])
    out = capsys.readouterr().out
    assert code == 0
    assert ("  H1  调换住房  由房屋F-101调换至N-101（户X1退出腾出房屋N-101），"
            "H1-03小学步行距离由1,850米缩短到600米") in out.splitlines()
    assert "调换住房 moves: 1; each costs 1,000 m (move_penalty_m)" in out
    changes = json.loads((tmp_path / "changes.json").read_text(encoding="utf-8"))
    assert {c["household_id"]: c["change"] for c in changes["changes"]} == {
        "X1": "exited", "H1": "moved", "W1": "allocated"}
    stored = load_project(path).base_allocation()
    assert _units(stored)["H1"] == "N-101"
    assert pd.notna(stored.set_index("household_id").at["H1", "change"])
