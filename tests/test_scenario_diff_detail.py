"""A scenario comparison says what differs for each household: its unit and
each school place or clinic registration by member, kind and facility.

The tiny county and its two scenarios (tests/test_scenarios.py), worked out
by hand from tests/data/tiny:

- 新建小学 adds 第二小学 (P2) about 144 m' walk from A栋: H2's child 俄木日哈
  (H2-03, primary age) gets a place there; in the base no primary school is
  within 500 m, so none.
- 关闭幼儿园 closes 第一幼儿园 (K1), the only kindergarten: H0's children
  吉克拉且 (H0-03) and 吉克阿果 (H0-04) lose their places. It also adds the
  25 m² unit B-202 (102.85, 28.04), which houses H5 (阿尔拉且, alone, waiting
  in the base). B-202 lies 0.005° of latitude (556 m; walk ×1.3 = 723 m)
  north of 社区卫生服务中心 (C1, 28.035), inside the 1,000 m clinic
  catchment: 阿尔拉且 (H5-01) is registered at C1 there, and at no clinic
  while waiting.
"""

from __future__ import annotations

import csv
import json

import pytest

from allocator import scenarios
from allocator.allocate import solve_project, store_outcome
from allocator.cli import main
from allocator.project import save_project
from tests.conftest import TINY_TODAY
from tests.test_scenarios import CLOSE_KINDERGARTEN, NEW_SCHOOL

# Both of H0's children lose their place alike: one part names them both.
H0 = "H0-03 吉克拉且、H0-04 吉克阿果 幼儿园：第一幼儿园（K1） → 第一幼儿园（K1） → 无"
H2 = "H2-03 俄木日哈 小学：无 → 第二小学（P2） → 无"
H5 = ("房号：轮候 → 轮候 → B-202；"
      "H5-01 阿尔拉且 卫生服务：无 → 无 → 社区卫生服务中心（C1）")
NAMES = ["base", "新建小学", "关闭幼儿园"]


@pytest.fixture()
def tiny_scenarios(tiny_project):
    store_outcome(tiny_project, solve_project(tiny_project, backend="cpsat",
                                              today=TINY_TODAY))
    scenarios.create(tiny_project, "新建小学", NEW_SCHOOL)
    scenarios.create(tiny_project, "关闭幼儿园", CLOSE_KINDERGARTEN)
    for name in ("新建小学", "关闭幼儿园"):
        outcome = scenarios.solve(tiny_project, name, backend="cpsat",
                                  today=TINY_TODAY)
        assert outcome.run["status"] == "optimal"
    return tiny_project


def test_each_differing_household_says_what_differs(tiny_scenarios):
    comparison = scenarios.compare(tiny_scenarios, NAMES)
    differences = dict(zip(comparison.households["household_id"],
                           comparison.households["differences"]))
    assert differences == {"H0": H0, "H2": H2, "H5": H5}


def test_the_items_name_kind_member_and_both_facilities(tiny_scenarios):
    comparison = scenarios.compare(tiny_scenarios, ["base", "新建小学"])
    assert list(comparison.households["household_id"]) == ["H2"]
    assert comparison.details["H2"] == [{
        "what": "primary", "member_id": "H2-03", "member_name": "俄木日哈",
        "values": [None, "P2"], "names": [None, "第二小学"]}]
    assert comparison.households["differences"].iloc[0] == \
        "H2-03 俄木日哈 小学：无 → 第二小学（P2）"
    assert comparison.differences_of("H2", "en") == \
        "H2-03 俄木日哈 primary school: none → 第二小学 (P2)"
    assert comparison.differences_of("H1") == ""  # H1 is housed alike in both
    h0 = scenarios.compare(tiny_scenarios, ["base", "关闭幼儿园"]).details["H0"]
    assert scenarios.difference_lines(h0, "en") == [
        "H0-03 吉克拉且, H0-04 吉克阿果 kindergarten: 第一幼儿园 (K1) → none"]


def test_two_scenarios_without_the_base(tiny_scenarios):
    comparison = scenarios.compare(tiny_scenarios, ["关闭幼儿园", "新建小学"])
    differences = dict(zip(comparison.households["household_id"],
                           comparison.households["differences"]))
    assert differences == {
        "H0": "H0-03 吉克拉且、H0-04 吉克阿果 幼儿园：无 → 第一幼儿园（K1）",
        "H2": "H2-03 俄木日哈 小学：无 → 第二小学（P2）",
        "H5": "房号：B-202 → 轮候；"
              "H5-01 阿尔拉且 卫生服务：社区卫生服务中心（C1） → 无"}


@pytest.fixture()
def diff_files(tiny_scenarios, tmp_path, capsys):
    path = tmp_path / "p.gpkg"
    save_project(tiny_scenarios, path)
    files = {suffix: tmp_path / f"diff.{suffix}" for suffix in ("csv", "json",
                                                               "geojson")}
    capsys.readouterr()
    assert main(["scenario", "diff", str(path), *NAMES,
                 *[x for s, f in files.items() for x in (f"--{s}", str(f))]]) == 0
    return capsys.readouterr().out, files


def test_the_cli_prints_what_differs_under_each_household(diff_files):
    out, _ = diff_files
    lines = out.splitlines()
    h2 = lines.index("  H2: A-201 | A-201 | A-201")
    assert lines[h2 + 1] == "      " + H2
    h5 = lines.index("  H5: 轮候 | 轮候 | B-202")
    assert lines[h5 + 1:h5 + 3] == ["      " + part for part in H5.split("；")]
    h0 = lines.index("  H0: A-301 | A-301 | A-301")
    assert lines[h0 + 1:h0 + 3] == ["      " + H0, "  H2: A-201 | A-201 | A-201"]


def test_the_csv_json_and_geojson_say_what_differs(diff_files):
    _, files = diff_files
    with files["csv"].open(encoding="utf-8-sig", newline="") as handle:
        rows = {row["household_id"]: row for row in csv.DictReader(handle)}
    assert {h: row["differences"] for h, row in rows.items()} == {
        "H0": H0, "H2": H2, "H5": H5}

    document = json.loads(files["json"].read_text(encoding="utf-8"))
    assert document["scenarios"] == NAMES
    assert document["kpis"]["新建小学"]["primary_placed"] == 1
    assert document["kpis"]["关闭幼儿园 − base"]["waiting"] == -1
    households = {h["household_id"]: h for h in document["households"]}
    assert households["H5"]["units"] == {"base": None, "新建小学": None,
                                         "关闭幼儿园": "B-202"}
    assert households["H5"]["unit_changed"] is True
    assert households["H5"]["text"] == H5
    assert households["H0"]["differences"][1] == {
        "what": "kindergarten", "member_id": "H0-04", "member_name": "吉克阿果",
        "values": ["K1", "K1", None], "names": ["第一幼儿园", "第一幼儿园", None]}

    features = json.loads(files["geojson"].read_text(encoding="utf-8"))["features"]
    by_household = {}
    for feature in features:
        properties = feature["properties"]
        by_household.setdefault(properties["household_id"], set()).add(
            properties["differences"])
    assert by_household == {"H0": {H0}, "H2": {H2}, "H5": {H5}}


# --- a changes file: every problem in one round ------------------------------

UNIT = {"site_id": "S1", "area_m2": 40, "lon": 102.85, "lat": 28.03}


def _problems(project, changes, name="试算") -> list[str]:
    before = scenarios.names(project)
    with pytest.raises(scenarios.ScenarioError) as info:
        scenarios.create(project, name, changes, source="c.json")
    assert scenarios.names(project) == before
    return info.value.problems


def test_a_bad_unit_is_still_checked_against_the_project(tiny_project):
    problems = _problems(tiny_project, {"add_units": [
        {**UNIT, "unit_id": "A-101", "site_id": "S9", "area_m2": "big"},
        {**UNIT, "unit_id": "N1", "floor": "2"},
        {**UNIT, "unit_id": "N1"}]})
    assert sorted(problems) == sorted([
        "c.json: add_units[0] (A-101): area_m2 = 'big': expected a number",
        "c.json: add_units[0] (A-101): unit_id 'A-101' exists already; give the "
        "new unit another id",
        "c.json: add_units[0] (A-101): site_id 'S9': no such site; use one of S1",
        "c.json: add_units[1] (N1): floor = '2': expected a whole number",
        "c.json: add_units[2] (N1): unit_id 'N1' is given twice (also "
        "add_units[1]); give each new unit its own id"])


def test_a_bad_new_facility_is_not_called_missing(tiny_project):
    school = {"name": "第二小学", "kind": "小学", "capacity": 5, "lon": 102.85,
              "lat": 28.031}
    problems = _problems(tiny_project, {
        "add_facilities": [{**school, "facility_id": "P9", "kind": "高中"},
                           {**school, "facility_id": "P9"},
                           {**school, "facility_id": "K1", "capacity": -1}],
        "capacities": {"P9": 4}, "close_facilities": ["P9"]})
    assert sorted(problems) == sorted([
        "c.json: add_facilities[0] (P9): kind = '高中': use 幼儿园, 小学, 初中, "
        "卫生室 or 社区卫生服务中心",
        "c.json: add_facilities[2] (K1): capacity = -1: must be 0 or more",
        "c.json: add_facilities[1] (P9): facility_id 'P9' is given twice (also "
        "add_facilities[0]); give each new facility its own id",
        "c.json: add_facilities[2] (K1): facility_id 'K1' exists already; give "
        "the new facility another id, or change the existing one with "
        "capacities",
        "c.json: close_facilities[0]: closes 'P9', which add_facilities[0] (P9) "
        "adds in the same scenario; either add it or close it",
        "c.json: capacities.P9 = 4: changes the capacity of 'P9', which "
        "close_facilities[0] closes in the same scenario; either close it or "
        "change its capacity"])


def test_bad_households_are_checked_for_ids_and_id_numbers(tiny_project):
    # 513431198503020034 is H0's head (tiny register); 11010519491231002X is
    # a valid number (check digit X) of a woman born 1949-12-31.
    person = {"name": "阿苦木呷", "birth_date": "1949-12-31", "sex": "女"}
    problems = _problems(tiny_project, {"add_households": [
        {"household_id": "H1", "category": "x", "members": [person]},
        {"household_id": "N1", "category": "退役军人", "members": [
            {**person, "birth_date": "1985-13-02", "sex": "男",
             "id_number": "513431198503020034"}]},
        {"household_id": "N1", "category": "退役军人", "members": [
            {**person, "id_number": "11010519491231002X"}]},
        {"household_id": "N2", "category": "退役军人", "members": [
            {**person, "id_number": "11010519491231002X"}]}]})
    assert sorted(problems) == sorted([
        "c.json: add_households[0] (H1): category = 'x': use one of 易地扶贫搬迁 / "
        "工程搬迁 / 生态移民 / 退役军人",
        "c.json: add_households[0] (H1): household_id 'H1' exists already; give "
        "the new household another id",
        "c.json: add_households[1] (N1): members[0] (阿苦木呷): birth_date = "
        "'1985-13-02': use YYYY-MM-DD",
        "c.json: add_households[1] (N1): members[0] (阿苦木呷): ID number "
        "513431********0034 belongs to a member of household H0 already; check "
        "the number",
        "c.json: add_households[2] (N1): household_id 'N1' is given twice (also "
        "add_households[1]); give each new household its own id",
        "c.json: add_households[3] (N2): members[0] (阿苦木呷): ID number "
        "110105********002X belongs to a member of household N1 already; check "
        "the number"])


def test_a_taken_name_is_reported_with_the_changes(tiny_project):
    problems = _problems(tiny_project, {"capacities": {"K1": -1}}, name="base")
    assert problems == ["'base' cannot name a scenario; choose another name",
                        "c.json: capacities.K1 = -1: use a whole number of "
                        "places, 0 or more"]


def test_a_yaml_file_all_at_once_from_the_cli(tiny_project, tmp_path, capsys):
    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    changes = tmp_path / "c.yaml"
    changes.write_text(
        "capacities:\n  K1: 3\n  K1: 4\n"
        "add_units:\n  - {unit_id: N1, site_id: S9, area_m2: 40, lon: 102.85, "
        "lat: 28.03}\n"
        "rules:\n  detour_factor: x\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["scenario", "new", str(path), "base", "--file", str(changes)]) == 1
    errors = capsys.readouterr().err.splitlines()
    assert errors == [
        "错误 error: 'base' cannot name a scenario; choose another name",
        f"错误 error: {changes}: line 3: 'K1' is given twice in the same mapping; "
        "keep one (only the last would count)",
        f"错误 error: {changes}: add_units[0] (N1): site_id 'S9': no such site; "
        "use one of S1",
        f"错误 error: {changes}: rules.detour_factor: 'x' must be a number",
        "4 problem(s); nothing changed"]


def test_yaml_dates_need_no_quotes_but_id_numbers_do(tiny_project, tmp_path):
    changes = tmp_path / "c.yaml"
    changes.write_text(
        "add_households:\n"
        "  - household_id: N1\n    category: 退役军人\n    waiting_since: 2024-09-01\n"
        "    members:\n"
        "      - {name: 阿苦木呷, birth_date: 1949-12-31, sex: 女,\n"
        "         relationship: 户主}\n"
        "      - {name: 阿苦阿呷, birth_date: 1980-06-01, sex: 男, relationship: 子,\n"
        "         id_number: 513431198006010011}\n", encoding="utf-8")
    with pytest.raises(scenarios.ScenarioError) as info:
        scenarios.read_changes(changes)
    assert info.value.problems == [
        f"{changes}: add_households[0] (N1): members[1] (阿苦阿呷): id_number = "
        "513431198006010011: expected text; put the ID number in quotes "
        "(\"...\") so it is kept as written"]

    changes.write_text(changes.read_text(encoding="utf-8").replace(
        ",\n         id_number: 513431198006010011}", "}"), encoding="utf-8")
    read = scenarios.read_changes(changes)
    household = read["add_households"][0]
    assert household["waiting_since"] == "2024-09-01"
    assert [m["birth_date"] for m in household["members"]] == ["1949-12-31",
                                                               "1980-06-01"]
    scenarios.create(tiny_project, "新户", read)
    assert scenarios.changes_of(tiny_project, "新户") == read
