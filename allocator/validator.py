"""Independent check of a stored allocation against every hard rule.

It reads only the project's data and the stored allocation of a scenario,
recomputes distances and ages from scratch (no code shared with the model
builder beyond the rule defaults), and lists every violation. Tests run it on
every solution; the CLI runs it after every solve.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict

import numpy as np
import pandas as pd
from pyproj import Transformer

from allocator.importer import unit_status_label
from allocator.project import Project
from allocator.rules import SCHOOL_KINDS, age_on
from gis.crs import gauss_kruger_epsg


def _walks(project: Project) -> tuple[dict, dict]:
    """Unit and facility positions in metres of the county's GK zone."""
    units = project.housing_units
    lon = float(units.geometry.x.mean())
    transformer = Transformer.from_crs("EPSG:4490", f"EPSG:{gauss_kruger_epsg(lon)}",
                                       always_xy=True)
    ux, uy = transformer.transform(units.geometry.x.to_numpy(),
                                   units.geometry.y.to_numpy())
    fx, fy = transformer.transform(project.facilities.geometry.x.to_numpy(),
                                   project.facilities.geometry.y.to_numpy())
    unit_xy = dict(zip(units["unit_id"], zip(ux, uy)))
    facility_xy = dict(zip(project.facilities["facility_id"], zip(fx, fy)))
    return unit_xy, facility_xy


def validate_allocation(project: Project, scenario: str = "base",
                        reference: dt.date | None = None) -> list[str]:
    """Every hard-rule violation of the stored allocation (empty when valid)."""
    rules = project.rules
    violations: list[str] = []
    allocations = project.allocations[project.allocations["scenario"] == scenario]
    services = project.service_assignments[
        project.service_assignments["scenario"] == scenario]
    if allocations.empty:
        return [f"scenario {scenario} has no stored allocation"]
    runs = project.runs[project.runs["run_id"] == allocations["run_id"].iloc[0]]
    run = runs.iloc[-1] if len(runs) else project.runs[
        project.runs["scenario"] == scenario].iloc[-1]
    if reference is None:
        reference = dt.date.fromisoformat(run["reference_date"])
    # Two checks below are properties of an optimum of level 1 (housing), not
    # hard rules: they apply only when that level was proven optimal.
    levels = json.loads(run.get("levels_json") or "[]")
    housing_optimal = any(level["level"] == "housed" and level["status"] == "optimal"
                          for level in levels)

    units = project.housing_units.set_index("unit_id")
    households = project.households.set_index("household_id")
    members = project.members.set_index("member_id")

    # Every household appears once; a unit goes to at most one household.
    if allocations["household_id"].duplicated().any():
        violations.append("a household has more than one allocation row")
    missing = set(households.index) - set(allocations["household_id"])
    if missing:
        violations.append(f"{len(missing)} households have no allocation row")
    given = allocations.dropna(subset=["unit_id"])
    unit_of_household = dict(zip(given["household_id"], given["unit_id"]))
    for unit_id, count in given["unit_id"].value_counts().items():
        if count > 1:
            violations.append(f"unit {unit_id} given to {count} households")

    for row in given.itertuples():
        unit = units.loc[row.unit_id]
        household = households.loc[row.household_id]
        if row.kind == "existing":
            if unit["household_id"] != row.household_id:
                violations.append(f"{row.household_id}: existing unit {row.unit_id} "
                                  "is not the one it occupies")
            continue
        if unit["status"] != "vacant":
            violations.append(f"{row.household_id}: unit {row.unit_id} was "
                              f"{unit_status_label(str(unit['status']))}, not "
                              f"{unit_status_label('vacant')}")
        size = int(household["size"])
        low = size * float(rules["area_min_per_person_m2"])
        high = size * float(rules["area_max_per_person_m2"])
        if not low <= float(unit["area_m2"]) <= high:
            violations.append(f"{row.household_id}: {unit['area_m2']} m² outside "
                              f"{low}-{high} m² for {size} people")
        if bool(household["needs_accessible"]) and not bool(unit["accessible"]):
            violations.append(f"{row.household_id}: needs an accessible unit, got "
                              f"{row.unit_id}")
    # No household waits while a fitting vacant unit stays empty.
    taken = set(given["unit_id"])
    free = units[(units["status"] == "vacant") & ~units.index.isin(taken)]
    waiting = allocations[allocations["unit_id"].isna()]
    for row in (waiting.itertuples() if housing_optimal else ()):
        household = households.loc[row.household_id]
        size = int(household["size"])
        low = size * float(rules["area_min_per_person_m2"])
        high = size * float(rules["area_max_per_person_m2"])
        fits = free[(free["area_m2"] >= low) & (free["area_m2"] <= high)]
        if bool(household["needs_accessible"]):
            fits = fits[fits["accessible"]]
        if len(fits):
            violations.append(f"{row.household_id} waits although unit "
                              f"{fits.index[0]} fits and is free")

    # The planner's locks.
    for lock in project.locks.itertuples():
        got = unit_of_household.get(lock.household_id)
        if lock.kind == "fix" and got != lock.unit_id:
            violations.append(
                f"{lock.household_id}: fixed to {lock.unit_id}, got {got}")
        if lock.kind == "forbid" and got == lock.unit_id:
            violations.append(f"{lock.household_id}: got forbidden unit {lock.unit_id}")

    # Priority-respecting: no waiting household had a fitting unit that went
    # to a household of lower priority in this allocation. An optimum of the
    # housing level has it when housing comes first; otherwise the model
    # holds it as a constraint.
    options = json.loads(run.get("options_json") or "{}")
    respecting = options.get("priority_respecting",
                             rules.get("priority_respecting", True))
    constrained = options.get("objective_order", ["housed"])[:1] != ["housed"]
    if respecting and (housing_optimal or constrained):
        fixed_units = set(project.locks[project.locks["kind"] == "fix"]["unit_id"])
        new = given[(given["kind"] == "allocated")
                    & ~given["unit_id"].isin(fixed_units)]  # the planner's choice
        if options.get("reallocation"):
            from allocator.reallocate import kept_in_unit

            # A reallocation gives only the units it changed; a household
            # kept in a unit from before is no rival of the waiting list,
            # whose points may have grown since, even when its school places
            # or clinic changed (a child grown into school age) or its size
            # did: such a change is told by its reason (a unit change's
            # reason starts with the unit).
            mark = new["change"] if "change" in new.columns else pd.Series(
                None, index=new.index, dtype=object)
            new = new[mark.map(lambda c: isinstance(c, str) and c != ""
                               and not kept_in_unit(c)).astype(bool)]
        takers = new.assign(
            priority=new["household_id"].map(households["priority"]),
            area=new["unit_id"].map(units["area_m2"]),
            accessible=new["unit_id"].map(units["accessible"]))
        for row in waiting.itertuples():
            household = households.loc[row.household_id]
            size = int(household["size"])
            low = size * float(rules["area_min_per_person_m2"])
            high = size * float(rules["area_max_per_person_m2"])
            barred = set(project.locks[
                (project.locks["household_id"] == row.household_id)
                & (project.locks["kind"] == "forbid")]["unit_id"])
            fits = takers[(takers["area"] >= low) & (takers["area"] <= high)
                          & (takers["priority"] < household["priority"])
                          & ~takers["unit_id"].isin(barred)]
            if bool(household["needs_accessible"]):
                fits = fits[fits["accessible"]]
            if len(fits):
                violations.append(
                    f"{row.household_id} (priority {household['priority']}) waits "
                    f"while {fits.iloc[0]['household_id']} (priority "
                    f"{fits.iloc[0]['priority']}) got fitting unit "
                    f"{fits.iloc[0]['unit_id']}")

    # Services: capacity, catchment, right level, siblings together.
    unit_of = dict(zip(given["household_id"], given["unit_id"]))
    unit_xy, facility_xy = _walks(project)
    facilities = project.facilities.set_index("facility_id")
    detour = float(rules["detour_factor"])
    load: dict[str, int] = defaultdict(int)
    sibling_schools: dict[tuple[str, str], set] = defaultdict(set)
    placed = services.dropna(subset=["facility_id"])
    for row in placed.itertuples():
        if row.facility_id not in facilities.index:
            violations.append(f"{row.member_id}: place at {row.facility_id}, which "
                              "is not a facility of the project")
            continue
        load[row.facility_id] += 1
        facility = facilities.loc[row.facility_id]
        if facility["kind"] != row.kind:
            violations.append(f"{row.member_id}: {row.kind} place at a "
                              f"{facility['kind']}")
        unit_id = unit_of.get(row.household_id)
        if unit_id is None:
            violations.append(f"{row.member_id}: service place but no unit")
            continue
        (ux, uy), (fx, fy) = unit_xy[unit_id], facility_xy[row.facility_id]
        walk = float(np.hypot(ux - fx, uy - fy)) * detour
        limit = float(rules["catchment_walk_m"][row.kind])
        if walk > limit + 1.0:
            violations.append(f"{row.member_id}: {row.facility_id} is {walk:.0f} m "
                              f"away, catchment {limit:.0f} m")
        if abs(walk - float(row.distance_m)) > 2.0:
            violations.append(f"{row.member_id}: stored walk {row.distance_m} m, "
                              f"recomputed {walk:.0f} m")
        if row.kind in SCHOOL_KINDS:
            age = age_on(dt.date.fromisoformat(members.at[row.member_id, "birth_date"]),
                         reference)
            low_age, high_age = rules["school_ages"][row.kind]
            if not low_age <= age <= high_age:
                violations.append(f"{row.member_id}: aged {age}, not {row.kind} age")
            sibling_schools[row.household_id, row.kind].add(row.facility_id)
    for facility_id, count in load.items():
        capacity = int(facilities.at[facility_id, "capacity"])
        if count > capacity:
            violations.append(f"{facility_id}: {count} placed, capacity {capacity}")
    if rules["siblings_together"]:
        for (household_id, kind), schools in sibling_schools.items():
            if len(schools) > 1:
                violations.append(f"{household_id}: {kind} siblings split over "
                                  f"{sorted(schools)}")
        for (household_id, kind), group in services[
            services["kind"].isin(SCHOOL_KINDS)
        ].groupby(["household_id", "kind"]):
            if group["facility_id"].notna().any() and group["facility_id"].isna().any():
                violations.append(f"{household_id}: some {kind} siblings placed, "
                                  "others not")

    # The coverage gap cap between categories or townships.
    cap = options.get("coverage_gap")
    if cap:
        for kind, rates in coverage_rates(project, scenario, cap["groups"],
                                          reference).items():
            if len(rates) >= 2:
                gap = max(rates.values()) - min(rates.values())
                if gap > float(cap["max"]) + 1e-9:
                    low = min(rates, key=rates.get)
                    high = max(rates, key=rates.get)
                    violations.append(
                        f"{kind} coverage gap {gap:.4f} above the cap {cap['max']}: "
                        f"{high} {rates[high]:.4f}, {low} {rates[low]:.4f}")

    # Every school-age child of a housed household: a place or a stated reason.
    housed = set(unit_of)
    ages = project.members.set_index("member_id")["birth_date"].map(
        lambda b: age_on(dt.date.fromisoformat(b), reference))
    service_rows = services.set_index(["member_id", "kind"])
    for member_id, age in ages.items():
        household_id = members.at[member_id, "household_id"]
        if household_id not in housed:
            continue
        for kind in SCHOOL_KINDS:
            low_age, high_age = rules["school_ages"][kind]
            if low_age <= age <= high_age:
                if (member_id, kind) not in service_rows.index:
                    violations.append(f"{member_id}: {kind}-age child has no row")
                else:
                    row = service_rows.loc[(member_id, kind)]
                    if pd.isna(row["facility_id"]) and not str(row["reason"]).strip():
                        violations.append(f"{member_id}: no place and no reason")
    return violations


def _coverage_key(household: pd.Series, by: str) -> str:
    if by == "category":
        return str(household["category"] or "")
    return str(household["current_township"] or household["origin_township"] or "")


def coverage_rates(project: Project, scenario: str, by: str,
                   reference: dt.date) -> dict[str, dict[str, float]]:
    """Coverage of each service kind by group (category or township).

    People of housed households who need the service (school-age children of
    its level, every resident for clinics), and the share of them placed.
    """
    rules = project.rules
    allocations = project.allocations[project.allocations["scenario"] == scenario]
    services = project.service_assignments[
        project.service_assignments["scenario"] == scenario]
    housed = set(allocations.dropna(subset=["unit_id"])["household_id"])
    households = project.households.set_index("household_id")
    placed = set(zip(services.dropna(subset=["facility_id"])["member_id"],
                     services.dropna(subset=["facility_id"])["kind"]))
    need: dict[tuple[str, str], int] = defaultdict(int)
    got: dict[tuple[str, str], int] = defaultdict(int)
    for member in project.members.itertuples():
        if member.household_id not in housed:
            continue
        group = _coverage_key(households.loc[member.household_id], by)
        age = age_on(dt.date.fromisoformat(member.birth_date), reference)
        kinds = ["clinic"] + [kind for kind in SCHOOL_KINDS
                              if rules["school_ages"][kind][0] <= age
                              <= rules["school_ages"][kind][1]]
        for kind in kinds:
            need[kind, group] += 1
            got[kind, group] += (member.member_id, kind) in placed
    rates: dict[str, dict[str, float]] = defaultdict(dict)
    for (kind, group), count in need.items():
        rates[kind][group] = got[kind, group] / count
    return dict(rates)


def _ranked(value) -> list[str]:
    if not isinstance(value, str):
        return []
    return [part for part in value.split("|") if part]


def count_wishes(project: Project, scenario: str = "base") -> dict[str, int]:
    """Wishes met and village groups kept together, counted from the stored
    allocation and the raw tables only (tests compare it with the KPIs and
    with the model's objective values).

    Village groups are the households of one origin village that wait and
    fit some vacant unit (two or more); a group is kept together when all of
    its households housed now are at one site, and the households with their
    group are those at the site holding most of them.
    """
    rules = project.rules
    points = rules["wish_points"]
    by_rank = [points["first"], points["second"], points["third"]]
    low_max = int(rules["low_floor_max"])
    allocations = project.allocations[project.allocations["scenario"] == scenario]
    new = allocations[allocations["kind"] == "allocated"]
    unit_of = dict(zip(new["household_id"], new["unit_id"]))
    units = project.housing_units.set_index("unit_id")
    counts = {"ranked": 0, "ranked_housed": 0, "first_choice": 0, "any_ranked": 0,
              "low_floor_asked": 0, "low_floor_granted": 0, "wish_points": 0,
              "village_groups": 0, "village_groups_together": 0,
              "village_households_together": 0}
    vacant = units[units["status"] == "vacant"]
    villages: dict[str, list[str]] = defaultdict(list)
    occupied = set(project.housing_units["household_id"].dropna())
    for household in project.households.itertuples():
        if household.household_id in occupied:
            continue
        ranked = _ranked(getattr(household, "preferred_sites", None))
        low = bool(getattr(household, "wants_low_floor", False))
        unit_id = unit_of.get(household.household_id)
        counts["ranked"] += bool(ranked)
        counts["low_floor_asked"] += low
        size = int(household.size)
        fits = vacant[(vacant["area_m2"] >= size * rules["area_min_per_person_m2"])
                      & (vacant["area_m2"] <= size * rules["area_max_per_person_m2"])]
        if household.needs_accessible:
            fits = fits[fits["accessible"]]
        if len(fits):
            villages[f"{household.origin_township or ''}"
                     f"{household.origin_village or ''}"].append(household.household_id)
        if unit_id is None:
            continue
        site = units.at[unit_id, "site_id"]
        if ranked:
            counts["ranked_housed"] += 1
            counts["first_choice"] += site == ranked[0]
            counts["any_ranked"] += site in ranked
            if site in ranked:
                counts["wish_points"] += by_rank[min(ranked.index(site), 2)]
        if low and int(units.at[unit_id, "floor"]) <= low_max:
            counts["low_floor_granted"] += 1
            counts["wish_points"] += points["low_floor"]
    for village, members in villages.items():
        if len(members) < 2 or not village:
            continue
        sites = [units.at[unit_of[h], "site_id"] for h in members if h in unit_of]
        if sites:
            counts["village_households_together"] += max(
                sites.count(site) for site in set(sites))
        if len(sites) >= 2:
            counts["village_groups"] += 1
            counts["village_groups_together"] += len(set(sites)) == 1
    return counts


def coarse_coverage_groups(project: Project, today: dt.date) -> list[str]:
    """Coverage groups so small that their rate of a service moves in steps
    wider than the coverage gap cap (one child of two is 50 points): the
    cap can then hold every other group's coverage near theirs, leaving free
    places unused. Counted over the households of the register that have
    not exited (who may be housed), on the school-age day of ``today``.
    Empty when the cap is off."""
    from allocator.rules import COVERAGE_GROUPS, reference_date

    rules = project.rules
    by = str(rules.get("coverage_gap_groups") or "")
    if not by:
        return []
    cap = float(rules.get("coverage_gap_max", 0)) * 100
    reference = reference_date(rules, today)
    households = project.households
    if "exited_on" in households.columns:
        households = households[~households["exited_on"].map(
            lambda v: isinstance(v, str) and v != "")]
    group_of = {row.household_id: (
        str(row.category or "") if by == "category"
        else str(row.current_township or row.origin_township or ""))
        for row in households.astype(object).itertuples()}
    need: dict[tuple[str, str], int] = defaultdict(int)
    for member in project.members.itertuples():
        group = group_of.get(member.household_id)
        if group is None:
            continue
        age = age_on(dt.date.fromisoformat(member.birth_date), reference)
        for kind in ["clinic"] + [k for k in SCHOOL_KINDS
                                  if rules["school_ages"][k][0] <= age
                                  <= rules["school_ages"][k][1]]:
            need[kind, group] += 1
    from allocator.rules import KIND_LABELS

    notes = []
    for (kind, group), count in sorted(need.items()):
        step = 100.0 / count
        if step > cap:
            notes.append(
                f"{COVERAGE_GROUPS[by]} {group or '（未填）'}: {count} "
                f"{'people need' if count > 1 else 'person needs'} "
                f"{KIND_LABELS[kind]}, so its coverage moves in steps of "
                f"{step:.0f} points or more, wider than the cap of {cap:g}: the "
                f"cap can hold every other {by}'s {KIND_LABELS[kind]} coverage "
                "near its own and leave free places unused")
    return notes
