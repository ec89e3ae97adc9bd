"""Read-only views of a stored allocation for the window and reports.

Everything here reads what :func:`allocator.allocate.store_outcome` stored
(allocations and service assignments with their reasons) and the project's
data; nothing is recomputed from the model, so what a planner reads is what
the orders print.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from allocator.kpis import compute_kpis
from allocator.project import Project
from allocator.rules import KIND_LABELS, SCHOOL_KINDS, age_on

SERVICE_KINDS = SCHOOL_KINDS + ("clinic",)


@dataclass(frozen=True)
class ServiceReason:
    """One person's place (or none) at one kind of facility, with the reason."""

    member_id: str
    name: str
    kind: str
    facility_id: str | None
    facility_name: str | None
    distance_m: float | None
    reason: str

    @property
    def placed(self) -> bool:
        """True when the person has a place."""
        return self.facility_id is not None


@dataclass
class HouseholdExplanation:
    """Why a household got its unit, school places and clinic, or why it waits."""

    household_id: str
    head_name: str
    size: int
    category: str
    priority: int
    kind: str | None
    unit_id: str | None
    site_name: str | None
    building: str | None
    floor: int | None
    area_m2: float | None
    accessible: bool | None
    reason: str
    services: list[ServiceReason] = field(default_factory=list)

    @property
    def solved(self) -> bool:
        """False when the scenario has no stored allocation for the household."""
        return self.kind is not None


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return str(value)


def explain_household(project: Project, household_id: str,
                      scenario: str = "base") -> HouseholdExplanation:
    """The stored decision for one household and each of its members.

    Parameters
    ----------
    project
        The project with a stored allocation (or none: the explanation then
        says so through ``kind is None``).
    household_id
        The 户号.
    scenario
        The scenario whose allocation is read.

    Raises
    ------
    KeyError
        When the household is not in the project.
    """
    households = project.households.set_index("household_id")
    if household_id not in households.index:
        raise KeyError(household_id)
    info = households.loc[household_id]
    people = project.members[project.members["household_id"] == household_id]
    heads = people[people["relationship"] == "户主"]
    head_name = str(heads["name"].iloc[0]) if len(heads) else ""

    allocations = project.allocations[
        (project.allocations["scenario"] == scenario)
        & (project.allocations["household_id"] == household_id)]
    explanation = HouseholdExplanation(
        household_id=household_id, head_name=head_name, size=int(info["size"]),
        category=str(info["category"]), priority=int(info["priority"]),
        kind=None, unit_id=None, site_name=None, building=None, floor=None,
        area_m2=None, accessible=None, reason="")
    if allocations.empty:
        return explanation

    row = allocations.iloc[-1]
    explanation.kind = str(row["kind"])
    explanation.reason = str(row["reason"] or "")
    unit_id = _text(row["unit_id"])
    if unit_id is not None:
        units = project.housing_units.set_index("unit_id")
        if unit_id in units.index:
            unit = units.loc[unit_id]
            sites = dict(zip(project.sites["site_id"], project.sites["name"]))
            explanation.unit_id = unit_id
            explanation.site_name = sites.get(unit["site_id"], unit["site_id"])
            explanation.building = str(unit["building"])
            explanation.floor = int(unit["floor"])
            explanation.area_m2 = float(unit["area_m2"])
            explanation.accessible = bool(unit["accessible"])

    names = dict(zip(people["member_id"], people["name"]))
    facility_names = dict(zip(project.facilities["facility_id"],
                              project.facilities["name"]))
    services = project.service_assignments[
        (project.service_assignments["scenario"] == scenario)
        & (project.service_assignments["household_id"] == household_id)]
    order = {kind: i for i, kind in enumerate(SERVICE_KINDS)}
    services = services.assign(_order=services["kind"].map(order)).sort_values(
        ["_order", "member_id"])
    for service in services.itertuples():
        facility_id = _text(service.facility_id)
        explanation.services.append(ServiceReason(
            member_id=service.member_id, name=str(names.get(service.member_id, "")),
            kind=service.kind, facility_id=facility_id,
            facility_name=facility_names.get(facility_id) if facility_id else None,
            distance_m=None if pd.isna(service.distance_m)
            else float(service.distance_m),
            reason=str(service.reason or "")))
    return explanation


def unserved_people(project: Project, scenario: str = "base") -> pd.DataFrame:
    """People without a school place or clinic registration, with the reason.

    Returns
    -------
    pandas.DataFrame
        One row per person and service kind: ``member_id``, ``household_id``,
        ``name``, ``age``, ``kind``, ``kind_label``, ``housed`` (whether the
        household has a unit in this scenario), ``township`` (origin) and
        ``reason``. Waiting households come last.
    """
    columns = ["member_id", "household_id", "name", "age", "kind", "kind_label",
               "housed", "township", "reason"]
    services = project.service_assignments[
        (project.service_assignments["scenario"] == scenario)
        & project.service_assignments["facility_id"].isna()]
    if services.empty:
        return pd.DataFrame(columns=columns)
    allocations = project.allocations[project.allocations["scenario"] == scenario]
    housed = set(allocations.dropna(subset=["unit_id"])["household_id"])
    members = project.members.set_index("member_id")
    townships = dict(zip(project.households["household_id"],
                         project.households["origin_township"]))
    reference = _reference(project, scenario)
    frame = pd.DataFrame({
        "member_id": services["member_id"].to_numpy(),
        "household_id": services["household_id"].to_numpy(),
        "name": services["member_id"].map(members["name"]).to_numpy(),
        "age": services["member_id"].map(members["birth_date"]).map(
            lambda b: age_on(dt.date.fromisoformat(b), reference)
            if isinstance(b, str) else None).to_numpy(),
        "kind": services["kind"].to_numpy(),
        "kind_label": services["kind"].map(KIND_LABELS).to_numpy(),
        "housed": services["household_id"].isin(housed).to_numpy(),
        "township": services["household_id"].map(townships).to_numpy(),
        "reason": services["reason"].to_numpy(),
    })
    order = {kind: i for i, kind in enumerate(SERVICE_KINDS)}
    frame["_order"] = frame["kind"].map(order)
    frame = frame.sort_values(["housed", "_order", "household_id", "member_id"],
                              ascending=[False, True, True, True])
    return frame.drop(columns="_order").reset_index(drop=True)


def _reference(project: Project, scenario: str) -> dt.date:
    runs = project.runs[project.runs["scenario"] == scenario]
    if len(runs) and isinstance(runs.iloc[-1]["reference_date"], str):
        return dt.date.fromisoformat(runs.iloc[-1]["reference_date"])
    return dt.date.today()


def kpis_by(project: Project, column: str, scenario: str = "base"
            ) -> dict[str, dict[str, Any]]:
    """The overall figures of :func:`compute_kpis` for each value of a
    household column (``origin_township``, ``current_township``,
    ``category``...), computed on that group's households alone, so every
    figure means exactly what it means in the county-wide table."""
    return compute_kpis(project, scenario, by=column)["by_group"]


def walking_distances(project: Project, scenario: str = "base") -> pd.DataFrame:
    """Walking distance (m) of every placed person, by service kind."""
    services = project.service_assignments[
        (project.service_assignments["scenario"] == scenario)
        & project.service_assignments["facility_id"].notna()]
    return services[["member_id", "household_id", "kind", "facility_id",
                     "distance_m"]].reset_index(drop=True)


def household_links(project: Project, household_id: str, scenario: str = "base"
                    ) -> tuple[str | None, list[tuple[str, str, float | None]]]:
    """The household's unit and its distinct places (kind, facility_id, walk m).

    The unit is the allocated one, or the one the household occupies when the
    scenario has not been solved yet.
    """
    allocations = project.allocations[
        (project.allocations["scenario"] == scenario)
        & (project.allocations["household_id"] == household_id)]
    unit_id = _text(allocations["unit_id"].iloc[-1]) if len(allocations) else None
    if unit_id is None and allocations.empty:
        units = project.housing_units
        occupied = units[units["household_id"] == household_id]
        unit_id = str(occupied["unit_id"].iloc[0]) if len(occupied) else None
    services = project.service_assignments[
        (project.service_assignments["scenario"] == scenario)
        & (project.service_assignments["household_id"] == household_id)
        & project.service_assignments["facility_id"].notna()]
    links = []
    for (kind, facility_id), group in services.groupby(["kind", "facility_id"],
                                                       sort=True):
        walks = group["distance_m"].dropna()
        links.append((str(kind), str(facility_id),
                      float(walks.iloc[0]) if len(walks) else None))
    return unit_id, links
