"""A what-if keeps the base's units AND service places among equal answers.

The "kept" level of a scenario is a tie-break, solved last: among answers
equally good on every earlier level (walking included) it takes the one
with the most households in their base unit, then the most people at their
base school or clinic. Values below are worked out by hand from the
formulation in ``solvers/joint.py``.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest

from allocator import scenarios
from allocator.allocate import solve_project, store_outcome
from solvers import get_backend
from solvers.joint import (
    JointProblem,
    ServiceGroup,
    build_aggregated_model,
    build_joint_model,
)
from tests.conftest import TINY_TODAY

BUILDS = [build_joint_model, build_aggregated_model]


def _clinics(walks: tuple[int, int], base: list[int]) -> JointProblem:
    """Three households (2 people each) with home class c0 at location 0 (3
    units) and one household living at location 0 (1 person); clinics f0 and
    f1 with 4 places each, ``walks`` metres from location 0. ``base``: each
    household's clinic in the base."""
    return JointProblem(
        class_location=[0], class_capacity=[3],
        household_weight=[100, 100, 100, 100],
        household_location=[None, None, None, 0],
        household_classes=[[0], [0], [0], []],
        facility_capacity=[4, 4], reach={(0, 0): walks[0], (0, 1): walks[1]},
        groups=[ServiceGroup(h, 1 if h == 3 else 2, [0, 1], kind="clinic")
                for h in range(4)],
        household_home={0: 0, 1: 0, 2: 0}, home_is_tiebreak=True,
        home_places={h: [(h, f)] for h, f in enumerate(base)},
        objective_order=["housed", "served", "walk"])


def _levels(result) -> dict[str, float]:
    return {level.name: level.objective for level in result.levels}


@pytest.mark.parametrize("backend", ["cpsat", "highs"])
@pytest.mark.parametrize("build", BUILDS)
def test_equal_walks_keep_every_base_place(backend, build):
    # f0 holds h2 (2) and the resident (1), f1 holds h0 and h1 (4): all fit,
    # and every split has the same walk (7 people x 100 m). The tie-break
    # keeps the 3 units (U = 1 + 7 people = 8 each) and all 7 places.
    problem = _clinics((100, 100), base=[1, 1, 0, 0])
    joint = build(problem)
    result = get_backend(backend).solve(joint.model)

    assert result.status.value == "optimal"
    assert [level.name for level in result.levels] == [
        "housed", "served", "walk", "kept"]
    assert _levels(result) == {"housed": 300, "served": 7, "walk": 700,
                               "kept": 3 * 8 + 7}
    # The lottery's order no longer decides who goes where.
    for rank in ([0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 3, 1]):
        solution = joint.decode(problem, result.values, rank)
        assert solution.household_class == [0, 0, 0, None]
        assert solution.group_facility == [1, 1, 0, 0]


@pytest.mark.parametrize("build", BUILDS)
def test_walking_comes_before_the_base_place(build):
    # f0 is 100 m, f1 120 m; the base has h0 and h1 at f1, h2 and the
    # resident at f0. The shortest walk fills f0's 4 places with two
    # 2-person groups (400 + 3 x 120 = 760 m; with the resident and one
    # group, 300 + 4 x 120 = 780 m). So the resident goes to f1 although its
    # base was f0, and one of h0/h1 moves to f0: walking decides. Kept:
    # 3 units x (1 + 7) + h2's 2 + the other of h0/h1's 2 = 28.
    problem = _clinics((100, 120), base=[1, 1, 0, 0])
    joint = build(problem)
    result = get_backend("cpsat").solve(joint.model)

    assert _levels(result) == {"housed": 300, "served": 7, "walk": 760,
                               "kept": 28}
    solution = joint.decode(problem, result.values)
    assert solution.group_facility[2:] == [0, 1]
    assert sorted(solution.group_facility[:2]) == [0, 1]


@pytest.mark.parametrize("build", BUILDS)
def test_a_unit_outweighs_a_place(build):
    # h0 (2 people) had c0 (location 0) and clinic f1, which the scenario
    # puts out of reach of location 0; c1 (location 1) is free. Staying in
    # c0 with f0 or moving to c1 to keep f1 walks the same 100 m: the tie
    # keeps the unit (U = 1 + 2 = 3) over the place (2).
    problem = JointProblem(
        class_location=[0, 1], class_capacity=[1, 1], household_weight=[100],
        household_location=[None], household_classes=[[0, 1]],
        facility_capacity=[5, 5], reach={(0, 0): 100, (1, 1): 100},
        groups=[ServiceGroup(0, 2, [0, 1], kind="clinic")],
        household_home={0: 0}, home_is_tiebreak=True, home_places={0: [(0, 1)]},
        objective_order=["housed", "served", "walk"])
    joint = build(problem)
    result = get_backend("cpsat").solve(joint.model)

    assert result.objectives["kept"] == 3
    solution = joint.decode(problem, result.values)
    assert (solution.household_class, solution.group_facility) == ([0], [0])


def test_base_places_bind_nothing_outside_a_what_if():
    # The same numbers as a first allocation (no tie-break): no "kept" level.
    problem = _clinics((100, 100), base=[1, 1, 0, 0])
    problem.household_home = {}
    problem.home_is_tiebreak = False
    for build in BUILDS:
        result = get_backend("cpsat").solve(build(problem).model)
        assert [level.name for level in result.levels] == [
            "housed", "served", "walk"]


# --- the tiny county ------------------------------------------------------------

CLOSE_KINDERGARTEN = {"close_facilities": ["K1"], "add_units": [
    {"unit_id": "B-202", "site_id": "S1", "building": "B栋", "floor": 2,
     "area_m2": 25, "lon": 102.85, "lat": 28.04}]}


@pytest.mark.parametrize("backend", ["cpsat", "highs"])
@pytest.mark.parametrize("clinic_of", [
    {"H0": "C2", "H1": "C1", "H2": "C2", "H3": "C1", "H4": "C2"},
    {"H0": "C1", "H1": "C2", "H2": "C1", "H3": "C2", "H4": "C1"},
])
def test_closing_the_kindergarten_moves_no_clinic(tiny_project, backend,
                                                  clinic_of):
    # A second clinic C2 stands where C1 does (same walk from every
    # building, 100 places each), so any split of the registrations is as
    # good as any other. The base's split is set by hand (two opposite ones:
    # an answer that ignored the base could match at most one of them).
    # Closing K1 and adding B-202 (tests/test_scenarios.py): H0's two
    # children lose their kindergarten places and H5 is housed in B-202;
    # nobody else differs, clinics included.
    project = tiny_project
    c1 = project.facilities[project.facilities["facility_id"] == "C1"]
    c2 = c1.assign(facility_id="C2", name="第二社区卫生服务中心")
    project.facilities = gpd.GeoDataFrame(
        pd.concat([project.facilities, c2], ignore_index=True),
        crs=project.facilities.crs)
    store_outcome(project, solve_project(project, backend=backend,
                                         today=TINY_TODAY))
    services = project.service_assignments
    clinic = (services["scenario"] == "base") & (services["kind"] == "clinic")
    # H5 waits: its row has no clinic, and keeps none.
    assert set(services.loc[clinic, "household_id"]) == {*clinic_of, "H5"}
    services.loc[clinic, "facility_id"] = services.loc[clinic, "household_id"].map(
        clinic_of)

    scenarios.create(project, "关闭幼儿园", CLOSE_KINDERGARTEN)
    outcome = scenarios.solve(project, "关闭幼儿园", backend=backend,
                              today=TINY_TODAY)
    assert outcome.run["status"] == "optimal"
    comparison = scenarios.compare(project, ["base", "关闭幼儿园"])

    assert sorted(comparison.details) == ["H0", "H5"]
    assert [(d["what"], d["values"]) for d in comparison.details["H0"]] == [
        ("kindergarten", ["K1", None]), ("kindergarten", ["K1", None])]
    assert comparison.details["H5"][0] == {"what": "unit",
                                           "values": [None, "B-202"]}
    after = services_of(project, "关闭幼儿园")
    for household_id, facility in clinic_of.items():
        assert after[household_id] == {facility}


def services_of(project, scenario):
    rows = project.service_assignments[
        (project.service_assignments["scenario"] == scenario)
        & (project.service_assignments["kind"] == "clinic")]
    found: dict[str, set] = {}
    for household_id, facility in zip(rows["household_id"], rows["facility_id"]):
        found.setdefault(household_id, set()).add(facility)
    return found
