"""A petition trial lists the school places and clinic registrations that the
households whose unit changes lose or change, on the line of their unit
change (worked out by hand on the tiny county).

As in tests/test_petition.py: after the first allocation a 30 m² unit B-102
is built (it fits only 2-person households); H2 (3 people) will not take
A-201, the least change moves H3 (2 adults, clinic registrations only) from
B-101 to B-102 and gives H2 B-101. Here B-102 stands at 28.044° N, north of
B栋 (28.04° N). Walks are straight lines × 1.3 (``detour_factor``); one
thousandth of a degree of latitude is about 111 m.

- 社区卫生服务中心 C1 (28.035° N): from B栋 0.005° ≈ 555 m, walk ≈ 722 m,
  within the 1,000 m clinic catchment; from B-102 0.009° ≈ 999 m, walk
  ≈ 1,299 m, beyond it. H3-01 and H3-02 lose their registration.
- With a second clinic 第二卫生室 C2 at 28.046° N (added after the base was
  solved): from B-102 0.002° ≈ 222 m, walk ≈ 289 m, so both move to C2; from
  B栋 C2 is ≈ 867 m away, farther than C1, so H2 stays with C1.
- H2's child H2-03 (born 2018-04-04, 8 on 2026-09-01: primary school) had no
  place from A栋 (第一小学 P1 at 28.0405° N: ≈ 1,166 m, walk ≈ 1,516 m, beyond
  500 m) and gets 第一小学 from B-101 (≈ 56 m, walk ≈ 72 m).
- Everyone else keeps unit and places: H1 A-101, H4 B-201, H0 lives in A-301.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from allocator.allocate import solve_project, store_outcome
from allocator.petition import try_petition
from tests.conftest import TINY_TODAY, petition_excluding_a201

MOVE_H3 = "由房屋B-101调换至B-102，为试算户H2不接受房屋A-201让出房源"


def _points(frame: gpd.GeoDataFrame, records: list[dict]) -> gpd.GeoDataFrame:
    new = gpd.GeoDataFrame(records, geometry="geometry", crs="EPSG:4490").to_crs(
        frame.crs)
    return pd.concat([frame, new], ignore_index=True)


@pytest.fixture()
def built_north(tiny_project):
    outcome = solve_project(tiny_project, backend="cpsat", today=TINY_TODAY)
    store_outcome(tiny_project, outcome)
    tiny_project.housing_units = _points(tiny_project.housing_units, [{
        "unit_id": "B-102", "site_id": "S1", "building": "B栋", "floor": 1,
        "area_m2": 30.0, "accessible": False, "status": "vacant",
        "household_id": None, "placed_on": None,
        "geometry": Point(102.85, 28.044)}])
    return tiny_project


def _second_clinic(project) -> None:
    project.facilities = _points(project.facilities, [{
        "facility_id": "C2", "name": "第二卫生室", "kind": "clinic",
        "type_label": "卫生室", "capacity": 10, "note": "",
        "geometry": Point(102.85, 28.046)}])


def _trial(project):
    trial = try_petition(project, "H2", exclude_unit="A-201", today=TINY_TODAY,
                         backend="cpsat")
    assert trial.reallocation.outcome.run["status"] == "optimal"
    assert (trial.unit_before, trial.unit_after) == ("A-201", "B-101")
    return trial


def test_a_moved_household_that_loses_its_clinic_says_so(built_north):
    trial = _trial(built_north)
    others = trial.others_changed
    assert list(others["household_id"]) == ["H3"]
    assert others.iloc[0]["unit_after"] == "B-102"
    assert others.iloc[0]["reason"] == (
        f"{MOVE_H3}；学位或卫生服务变动：H3-01卫生服务由社区卫生服务中心改为无；"
        "H3-02卫生服务由社区卫生服务中心改为无")


def test_a_moved_household_whose_clinic_changes_says_so(built_north):
    _second_clinic(built_north)
    others = _trial(built_north).others_changed
    assert others.iloc[0]["reason"] == (
        f"{MOVE_H3}；学位或卫生服务变动：H3-01卫生服务由社区卫生服务中心改为第二卫生室；"
        "H3-02卫生服务由社区卫生服务中心改为第二卫生室")


def test_the_places_are_listed_member_by_member(built_north):
    trial = _trial(built_north)
    rows = sorted(zip(trial.place_changes["household_id"],
                      trial.place_changes["member_id"], trial.place_changes["kind"],
                      trial.place_changes["facility_before"],
                      trial.place_changes["facility_after"]))
    assert rows == [("H2", "H2-03", "primary", None, "P1"),
                    ("H3", "H3-01", "clinic", "C1", None),
                    ("H3", "H3-02", "clinic", "C1", None)]
    # The petitioner's own line says it too.
    mine = trial.reallocation.changes
    mine = mine[mine["household_id"] == "H2"].iloc[0]["reason"]
    assert mine.endswith("；学位或卫生服务变动：H2-03小学由无改为第一小学")


def test_the_petition_command_prints_the_places(built_north, tmp_path, capsys):
    lines, written = petition_excluding_a201(built_north, tmp_path, capsys)
    assert "  H2: A-201 -> B-101" in lines
    assert "  other households changed: 1 (status optimal)" in lines
    assert ("  H3  调换住房  " + MOVE_H3 + "；学位或卫生服务变动：H3-01卫生服务由"
            "社区卫生服务中心改为无；H3-02卫生服务由社区卫生服务中心改为无") in lines
    (h3,) = [c for c in written["changes"] if c["household_id"] == "H3"]
    assert h3["reason"].endswith("H3-02卫生服务由社区卫生服务中心改为无")
