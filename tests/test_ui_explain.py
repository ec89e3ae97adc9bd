"""The read-only views the window shows (allocator.explain), without Qt."""

from __future__ import annotations

import pytest

from allocator.allocate import solve_project, store_outcome
from allocator.explain import (
    explain_household,
    household_links,
    kpis_by,
    unserved_people,
    walking_distances,
)
from allocator.kpis import compute_kpis
from tests.conftest import TINY_TODAY


@pytest.fixture()
def solved_tiny(tiny_project):
    outcome = solve_project(tiny_project, backend="cpsat", today=TINY_TODAY)
    store_outcome(tiny_project, outcome)
    return tiny_project


def test_explanation_of_a_household_is_the_stored_one(solved_tiny):
    explanation = explain_household(solved_tiny, "H2")

    assert explanation.kind == "allocated" and explanation.unit_id == "A-201"
    stored = solved_tiny.allocations.set_index("household_id").at["H2", "reason"]
    assert explanation.reason == stored
    primary = [s for s in explanation.services if s.kind == "primary"]
    assert primary and not primary[0].placed
    assert "500 m内没有小学" in primary[0].reason
    assert all(s.placed for s in explanation.services if s.kind == "clinic")


def test_explanation_before_any_solve_says_so(tiny_project):
    explanation = explain_household(tiny_project, "H1")
    assert not explanation.solved and explanation.services == []
    with pytest.raises(KeyError):
        explain_household(tiny_project, "nobody")


def test_unserved_people_carry_their_reason(solved_tiny):
    frame = unserved_people(solved_tiny)

    rows = frame.set_index(["member_id", "kind"])
    assert "500 m内没有小学" in rows.loc[("H2-03", "primary"), "reason"]
    assert "已满" in rows.loc[("H1-02", "kindergarten"), "reason"]
    assert frame["housed"].iloc[0]  # housed households come first
    assert not frame[frame["household_id"] == "H5"]["housed"].any()


def test_kpis_by_group_add_up_to_the_county(solved_tiny):
    overall = compute_kpis(solved_tiny)["overall"]
    groups = kpis_by(solved_tiny, "origin_township")

    for key in ("households", "housed_new", "waiting", "residents_housed",
                "kindergarten_placed", "primary_demand", "clinic_registered"):
        assert sum(g[key] for g in groups.values()) == overall[key]


@pytest.mark.parametrize("column", ["origin_township", "category"])
def test_kpis_by_group_are_those_of_the_project_cut_to_the_group(solved_tiny,
                                                                 column):
    # Worked out in one pass (the window froze for 5 s after each solve while
    # the charts computed every township's figures from scratch): each
    # group's figures must be those of the project cut down to its
    # households, computed on their own.
    import dataclasses

    groups = kpis_by(solved_tiny, column)
    households = solved_tiny.households
    assert set(groups) == set(households[column].fillna("").astype(str))
    for value, group in households.groupby(column):
        ids = set(group["household_id"])
        part = dataclasses.replace(
            solved_tiny, households=group,
            members=solved_tiny.members[solved_tiny.members["household_id"].isin(ids)],
            allocations=solved_tiny.allocations[
                solved_tiny.allocations["household_id"].isin(ids)],
            service_assignments=solved_tiny.service_assignments[
                solved_tiny.service_assignments["household_id"].isin(ids)])
        assert groups[str(value)] == compute_kpis(part)["overall"], value
    if column == "category":
        assert groups == compute_kpis(solved_tiny)["by_category"]


def test_links_and_walks_for_the_map_and_charts(solved_tiny):
    unit_id, links = household_links(solved_tiny, "H0")
    assert unit_id == "A-301"
    assert {(kind, facility) for kind, facility, _walk in links} == {
        ("clinic", "C1"), ("kindergarten", "K1")}
    walks = walking_distances(solved_tiny)
    assert walks["distance_m"].notna().all()
    assert set(walks["kind"]) <= {"kindergarten", "primary", "junior", "clinic"}
