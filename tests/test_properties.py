"""Property-based tests: random registers never raise; every solution validates."""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocator.allocate import solve_project, store_outcome
from allocator.idnumber import check_digit
from allocator.importer import CATEGORIES, ImportInputs, import_files
from tests.assertions import assert_allocation_valid
from tests.conftest import TINY, TINY_TODAY

HEADER = ["户号", "姓名", "身份证号", "与户主关系", "性别", "出生日期", "安置类别",
          "残疾", "年收入", "稳定就业年限", "原居住村", "原居住乡镇", "现属乡镇",
          "轮候登记日期"]
messy_text = st.text(alphabet=st.characters(codec="utf-8",
                                            exclude_categories=("Cs",)), max_size=20)


def _id(birth: dt.date, sequence: int, male: bool) -> str:
    first17 = f"513431{birth:%Y%m%d}{(sequence * 2 + male) % 1000:03d}"
    return first17 + check_digit(first17)


@st.composite
def person_rows(draw):
    birth = draw(st.dates(dt.date(1930, 1, 1), dt.date(2025, 12, 31)))
    male = draw(st.booleans())
    sequence = draw(st.integers(0, 499))
    good_id = _id(birth, sequence, male)
    row = {
        "户号": draw(st.sampled_from(["H1", "H2", "H3", "", "Ｈ1"]) | messy_text),
        "姓名": draw(st.sampled_from(["吉克阿呷", "阿苦日哈", ""]) | messy_text),
        "身份证号": draw(st.sampled_from([good_id, good_id[:17], good_id.lower(),
                                        good_id[:-1] + "0", ""]) | messy_text),
        "与户主关系": draw(st.sampled_from(["户主", "配偶", "子", ""]) | messy_text),
        "性别": draw(st.sampled_from(["男" if male else "女", "女", "x"])),
        "出生日期": draw(st.sampled_from([birth.isoformat(), birth.strftime("%Y/%m/%d"),
                                       "2020-02-30", ""]) | messy_text),
        "安置类别": draw(st.sampled_from(CATEGORIES + ("其他",))),
        "残疾": draw(st.sampled_from(["无", "肢体一级", ""]) | messy_text),
        "年收入": draw(st.sampled_from(["12000", "１２，０００", "-5", "abc", ""])
                    | messy_text),
        "稳定就业年限": draw(st.sampled_from(["3", "三", "", "1e3"]) | messy_text),
        "原居住村": draw(messy_text), "原居住乡镇": draw(messy_text),
        "现属乡镇": draw(messy_text),
        "轮候登记日期": draw(st.sampled_from(["2024-01-01", "", "昨天"]) | messy_text),
    }
    return row


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(person_rows(), min_size=1, max_size=12))
def test_random_registers_import_cleanly_or_with_row_errors(rows):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "register.csv"
        with open(path, "w", encoding="utf-8", newline="") as stream:
            writer = csv.DictWriter(stream, fieldnames=HEADER)
            writer.writeheader()
            writer.writerows(rows)
        result = import_files(ImportInputs(
            register=path, sites=TINY / "sites.geojson", units=TINY / "units.csv",
            facilities=TINY / "facilities.csv"))
    if result.project is None:
        assert result.errors, "refused without saying why"
        for problem in result.errors:
            assert problem.file and problem.message
    else:
        assert result.errors == []


@st.composite
def small_counties(draw):
    areas = draw(st.lists(st.sampled_from([25, 50, 75, 100, 125, 150]), min_size=2,
                          max_size=8))
    statuses = draw(st.lists(st.sampled_from(["空置", "空置", "维修中"]),
                             min_size=len(areas), max_size=len(areas)))
    buildings = draw(st.lists(st.integers(0, 2), min_size=len(areas),
                              max_size=len(areas)))
    households = draw(st.lists(st.tuples(st.integers(1, 6), st.integers(0, 3),
                                         st.booleans()), min_size=1, max_size=8))
    capacities = draw(st.lists(st.integers(0, 6), min_size=3, max_size=3))
    return areas, statuses, buildings, households, capacities


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(small_counties())
def test_every_solution_passes_the_validator(county):
    areas, statuses, buildings, households, capacities = county
    points = [(102.85, 28.03), (102.85, 28.034), (102.853, 28.038)]
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        units = ["房号,安置点编号,楼栋,楼层,面积,无障碍,状态,现住户号,入住日期,"
                 "经度,纬度"]
        for i, (area, status, b) in enumerate(zip(areas, statuses, buildings)):
            x, y = points[b]
            accessible = "是" if i % 3 == 0 else "否"
            units.append(f"U{i},S1,{b}栋,{i % 3 + 1},{area},{accessible},"
                         f"{status},,,{x},{y}")
        (folder / "units.csv").write_text("\n".join(units) + "\n", encoding="utf-8")
        facilities = ["设施编号,名称,类型,容量,经度,纬度",
                      f"K1,幼儿园,幼儿园,{capacities[0]},102.85,28.031",
                      f"P1,小学,小学,{capacities[1]},102.853,28.037",
                      f"C1,卫生室,卫生室,{capacities[2] * 4},102.851,28.034"]
        (folder / "facilities.csv").write_text("\n".join(facilities) + "\n",
                                               encoding="utf-8")
        register = [",".join(HEADER)]
        sequence = 0
        for h, (size, children, disabled) in enumerate(households):
            for m in range(max(size, children + 1)):
                sequence += 1
                child = 0 < m <= children
                birth = (dt.date(2021 - 3 * m, 3, 1) if child
                         else dt.date(1980, 5, m + 1))
                register.append(",".join([
                    f"H{h}", f"成员{h}{m}", _id(birth, sequence, True),
                    "户主" if m == 0 else ("子" if child else "配偶"), "男",
                    birth.isoformat(), "易地扶贫搬迁",
                    "肢体一级" if disabled and m == 0 else "无", "9000", "1",
                    "谷都村", "城北乡", "城北乡", "2024-01-01"]))
        (folder / "register.csv").write_text("\n".join(register) + "\n",
                                             encoding="utf-8")
        result = import_files(ImportInputs(
            register=folder / "register.csv", sites=TINY / "sites.geojson",
            units=folder / "units.csv", facilities=folder / "facilities.csv"))
    assert result.errors == [], [str(p) for p in result.errors]
    project = result.project
    for backend in ("highs", "cpsat"):
        outcome = solve_project(project, backend=backend, today=TINY_TODAY)
        assert outcome.run["status"] == "optimal", (backend, outcome.run["message"],
                                                    outcome.run["levels_json"])
        store_outcome(project, outcome)
        assert_allocation_valid(project)
