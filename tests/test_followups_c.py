"""Reallocation, petitions and their reasons on the tiny county: the places a
moved household changes, the petitioner's own places, kept places counted in
a reason and the English of those reasons; worked out by hand. (The window
refusing a reallocation that would break the area rule is tested in
tests/test_ui_reallocate_outgrown.py.)

The tiny county (tests/data/tiny): A栋 at 28.030° N, B栋 at 28.040° N;
第一幼儿园 K1 (capacity 2) at 28.031°, 第一小学 P1 (5) at 28.0405°, 社区卫生服务中心
C1 (100) at 28.035°. Walks are straight lines × 1.3; one thousandth of a
degree of latitude is about 111 m. Catchments: kindergarten 300 m, primary
500 m, clinic 1,000 m. So from A栋: K1 ≈ 144 m, P1 ≈ 1,516 m (beyond), C1
≈ 722 m; from B栋: P1 ≈ 72 m, C1 ≈ 722 m, K1 ≈ 1,300 m (beyond).

Ages count on 2026-09-01: H0's children H0-03 (born 2022-10-05, 3) and H0-04
(2021-01-20, 5) and H1's child H1-02 (2022-02-01, 4) are of kindergarten
age; H2's child H2-03 (2018-04-04, 8) of primary age. H0 lives in A-301 and
its two children hold K1's two places; H1 (A-101) is in A栋 too, so H1-02
has no place.
"""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from allocator.cli import main
from allocator.petition import try_petition
from allocator.project import load_project, save_project
from allocator.texts import in_language
from tests.conftest import TINY_TODAY, petition_excluding_a201
from tests.test_reallocate_edges import DAY, OUTGROWN_LINE, _update


def grown_project(tiny_project, tmp_path):
    """The project file of tests/test_reallocate_edges.py: the first
    allocation with 20 m² per person, then H2's birth (4 people, 80–100 m²)
    while H2 holds A-201 (75 m²), not moved in."""
    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    assert main(["rules", str(path), "--set", "area_min_per_person_m2=20",
                 "--reason", "县定人均最低面积"]) == 0
    assert main(["solve", str(path), "--backend", "cpsat", "--date", DAY]) == 0
    assert main(["register", str(path), str(_update(tmp_path)), "--apply",
                 "--reason", "2026年10月户籍核对", "--date", DAY]) == 0
    assert load_project(path).households.set_index("household_id").at[
        "H2", "size"] == 4
    return path


@pytest.fixture()
def grown(tiny_project, tmp_path):
    return grown_project(tiny_project, tmp_path)


def _add_unit(project, unit_id: str, area: float, latitude: float) -> None:
    """A vacant unit built in B栋's site S1 after the first allocation."""
    units = project.housing_units
    new = gpd.GeoDataFrame(
        [{"unit_id": unit_id, "site_id": "S1", "building": "B栋", "floor": 1,
          "area_m2": area, "accessible": False, "status": "vacant",
          "household_id": None, "placed_on": None,
          "geometry": Point(102.85, latitude)}],
        geometry="geometry", crs="EPSG:4490").to_crs(units.crs)
    project.housing_units = pd.concat([units, new], ignore_index=True)


@pytest.fixture()
def tiny_built(tiny_project):
    """The first allocation, then a 30 m² unit B-102 built in B栋 (as in
    tests/test_petition.py): H2 (A-201) will not take A-201, H3 moves from
    B-101 to B-102 (B栋 both) and H2 takes B-101."""
    from allocator.allocate import solve_project, store_outcome

    store_outcome(tiny_project, solve_project(tiny_project, backend="cpsat",
                                              today=TINY_TODAY))
    _add_unit(tiny_project, "B-102", 30.0, 28.04)
    return tiny_project


def _changes(path):
    written = json.loads(path.read_text(encoding="utf-8"))
    return {c["household_id"]: (c["change"], c["reason"]) for c in written["changes"]}


# 2. A household moved by `reallocate --allow-moves` lists its places.

def test_a_moved_household_lists_the_places_that_change_with_it(grown, tmp_path):
    # After H2's birth (4 people: 80–100 m² with the county's 20 m² per
    # person) a 90 m² unit B-401 is built in B栋. H2 leaves A-201 (75 m²)
    # for it; from B栋 its child H2-03 gets 第一小学 (≈ 72 m, it had no
    # primary place from A栋), the family keeps 社区卫生服务中心 (≈ 722 m from
    # both buildings) and the newborn H2-04, no member at the first
    # allocation, is registered there. H5 (1 person, 20–25 m²) fits neither
    # B-401 nor A-201, and nobody else changes.
    project = load_project(grown)
    _add_unit(project, "B-401", 90.0, 28.04)
    save_project(project, grown)
    out = tmp_path / "changes.json"
    assert main(["reallocate", str(grown), "--allow-moves", "--backend", "cpsat",
                 "--date", DAY, "--json", str(out)]) == 0
    assert _changes(out) == {"H2": (
        "moved",
        "由房屋A-201调换至B-401，家庭人口变化（现4人），原分配房屋不再适合；"
        "学位或卫生服务变动：H2-03小学由无改为第一小学；"
        "H2-04卫生服务由无改为社区卫生服务中心")}


def test_a_petition_lists_the_places_once(tiny_built):
    trial = try_petition(tiny_built, "H2", exclude_unit="A-201", today=TINY_TODAY,
                         backend="cpsat")
    assert trial.reallocation.outcome.run["status"] == "optimal"
    reasons = dict(zip(trial.reallocation.changes["household_id"],
                       trial.reallocation.changes["reason"]))
    # H2 moves from A栋 to B栋: H2-03 gets 第一小学; its clinic stays C1.
    # H3 (two adults) moves within B栋 and keeps C1: no places listed.
    assert reasons == {
        "H2": "信访试算：户H2不接受房屋A-201；由房屋A-201调换至B-101；"
              "学位或卫生服务变动：H2-03小学由无改为第一小学",
        "H3": "由房屋B-101调换至B-102，为试算户H2不接受房屋A-201让出房源"}


# 3. The petition command prints the petitioner's own places.

def test_the_petition_command_prints_the_petitioners_places(tiny_built, tmp_path,
                                                             capsys):
    lines, written = petition_excluding_a201(tiny_built, tmp_path, capsys)
    at = lines.index("  H2: A-201 -> B-101")
    assert lines[at + 1] == "      H2-03小学由无改为第一小学"
    assert lines[at + 2] == "  other households changed: 1 (status optimal)"
    assert written["place_changes"] == [{
        "household_id": "H2", "member_id": "H2-03", "kind": "primary",
        "facility_before": None, "facility_after": "P1",
        "text": "H2-03小学由无改为第一小学"}]


# 4. A reason counts the places kept outside the trial as used.

def test_kept_places_count_as_used_in_the_reason(tiny_built):
    trial = try_petition(tiny_built, "H2", exclude_unit="A-201", today=TINY_TODAY,
                         backend="cpsat")
    assert trial.reallocation.outcome.run["status"] == "optimal"
    services = trial.reallocation.outcome.service_assignments
    places = {(m, k): (f if isinstance(f, str) else None, r) for m, k, f, r in zip(
        services["member_id"], services["kind"], services["facility_id"],
        services["reason"])}
    # H0's children keep K1's two places; K1 is full for H1-02.
    assert places["H0-03", "kindergarten"][0] == "K1"
    assert places["H0-04", "kindergarten"][0] == "K1"
    assert places["H1-02", "kindergarten"] == (
        None, "服务半径内的第一幼儿园（容量2，已分配2）名额已满")


# 5. The places of a move in the English window.

def test_the_places_of_a_move_in_english():
    assert in_language(
        "由房屋A-201调换至B-401，家庭人口变化（现4人），原分配房屋不再适合；"
        "学位或卫生服务变动：H2-03小学由无改为第一小学；"
        "H2-04卫生服务由无改为社区卫生服务中心", "en") == (
        "moved from unit A-201 to B-401, the household's size changed (now 4) "
        "and the unit allocated before no longer fits it; school or clinic place "
        "changed: H2-03 primary school: none → 第一小学; H2-04 clinic: none → "
        "社区卫生服务中心")
    assert in_language(
        "信访试算：户H2不接受房屋A-201；由房屋A-201调换至B-101；"
        "学位或卫生服务变动：H2-03小学由无改为第一小学", "en") == (
        "petition trial: household H2 does not accept unit A-201; moved from unit "
        "A-201 to B-101; school or clinic place changed: H2-03 primary school: "
        "none → 第一小学")
    assert in_language(
        "由房屋B-101调换至B-102（户X1退出腾出房屋B-102）；"
        "学位或卫生服务变动：H3-01卫生服务由社区卫生服务中心改为无", "en") == (
        "moved from unit B-101 to B-102 (unit B-102 freed when household X1 "
        "exited); school or clinic place changed: H3-01 clinic: 社区卫生服务中心 → "
        "none")
    # A household put back on the waiting list by a petition, with its places.
    assert in_language(
        "信访试算：户H2不接受安置点S1；原分配房屋改分他户：A-201，重新轮候；"
        "学位或卫生服务变动：H2-01卫生服务由社区卫生服务中心改为无", "en") == (
        "petition trial: household H2 does not accept site S1; the unit allocated "
        "before went to another household: A-201; back on the waiting list; "
        "school or clinic place changed: H2-01 clinic: 社区卫生服务中心 → none")
    assert in_language(OUTGROWN_LINE, "en") == (
        "household H2 (head 俄木石布) now has 4 people; unit A-201, allocated and "
        "not moved into, has 75 m², outside the 80–100 m² band for 4 people")
