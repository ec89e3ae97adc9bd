"""Joint allocation of housing units, school places and clinic registrations.

This module turns a project into the plain numeric :class:`JointProblem` of
:mod:`solvers.joint`, solves it with the chosen back end, and turns the
answer back into allocations and service assignments, each with a reason a
planner can read out to the household.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pandas as pd

from allocator.project import Project, empty_frame
from allocator.rules import (
    KIND_LABELS,
    OBJECTIVE_LABELS,
    OBJECTIVE_SHORT,
    SCHOOL_KINDS,
    ages_on,
    area_band,
    birth_days,
    objective_order,
    reference_date,
    school_level,
)
from gis.distance import metric_crs_for, nearest_walk, within_walk
from solvers import get_backend
from solvers.base import SolveResult, Status, gap_percent
from solvers.joint import (
    COVERAGE_SCALE,
    JointProblem,
    JointSolution,
    ServiceGroup,
    build_aggregated_model,
    build_joint_model,
)

logger = logging.getLogger(__name__)

STATUS_LABELS = {
    "optimal": "最优（已证明）",
    "feasible": "可行解，未证明最优",
    "infeasible": "无可行解",
    "timeout": "超时，未找到可行解",
    "cancelled": "已取消",
    "error": "求解出错",
}


@dataclass
class Instance:
    """The numeric problem plus the maps back to project objects."""

    problem: JointProblem
    household_ids: list[str]
    class_units: list[list[int]]
    class_key: list[tuple]  # location, area, accessible, low floor[, unit]
    location_units: dict[int, list[int]]
    location_label: list[str]
    unit_location: np.ndarray
    facility_ids: list[str]
    group_members: list[list[str]]
    group_kind: list[str]
    member_kind: dict[str, str]
    reference: dt.date
    ages: pd.Series
    priority: pd.Series
    needs_low_floor: pd.Series
    class_site: list[str] = field(default_factory=list)
    wants_low_floor: dict[str, bool] = field(default_factory=dict)
    # Reallocation with moves: the unit (index) each household housed before
    # holds; a household left in the class of that unit keeps that very unit.
    home_unit: dict[str, int] = field(default_factory=dict)


@dataclass
class AllocationOutcome:
    """What one solve produced, ready to be stored in the project."""

    run: dict[str, Any]
    allocations: pd.DataFrame
    service_assignments: pd.DataFrame
    result: SolveResult
    instance: Instance
    solution: JointSolution | None = None
    unit_of_household: dict[str, int] = field(default_factory=dict)
    # A scenario solved as a reallocation of the base: the households it
    # changed, with the reason (see allocator.reallocate.CHANGE_COLUMNS).
    changes: pd.DataFrame | None = None


def priority_scores(project: Project, today: dt.date) -> pd.Series:
    """Priority points per household from the project's editable rules."""
    return _priority_scores(project, today,
                            birth_days(project.members["birth_date"]))


def _priority_scores(project: Project, today: dt.date,
                     births: tuple[np.ndarray, np.ndarray]) -> pd.Series:
    """:func:`priority_scores` with the members' :func:`birth_days` read."""
    rules = project.rules
    points = rules["priority_points"]
    members = project.members
    ages = pd.Series(ages_on(births, today), index=members.index)
    # One grouping for both: a member disabled, a member aged 70 or more.
    flags = pd.DataFrame({"disabled": members["disability"] != "无",
                          "aged": ages >= 70}).groupby(
        members["household_id"]).any()
    disabled, aged = flags["disabled"], flags["aged"]
    households = project.households.set_index("household_id")
    score = pd.Series(0, index=households.index, dtype="int64")
    score += disabled.reindex(score.index, fill_value=False).astype(int) * int(
        points.get("disability", 0))
    score += aged.reindex(score.index, fill_value=False).astype(int) * int(
        points.get("aged_70_plus", 0))
    score += (households["category"] == "退役军人").astype(int) * int(
        points.get("veteran", 0))
    per_person = households["annual_income"] / households["size"].clip(lower=1)
    low = per_person < float(rules["low_income_per_person_yuan"])
    score += low.fillna(False).astype(int) * int(points.get("low_income", 0))
    score += _waiting_years(households["waiting_since"], today) * int(
        points.get("per_waiting_year", 0))
    return score


def _points_of(priority: pd.Series) -> dict[str, int]:
    """The priority points of each household as a plain dict (from lists:
    ``Series.to_dict`` iterates the string index a cell at a time)."""
    return dict(zip(priority.index.tolist(), priority.tolist()))


def _waiting_years(since: pd.Series, today: dt.date) -> pd.Series:
    """Full years (of 365 days) each household has waited by ``today``; 0
    without a date or for one after ``today``. Each distinct date is read
    once: a county repeats the same few hundred."""
    codes, distinct = pd.factorize(since.astype(object), use_na_sentinel=False)
    years = [0 if not (isinstance(d, str) and d)
             else max(0, (today - dt.date.fromisoformat(d)).days // 365)
             for d in distinct.tolist()]
    return pd.Series(np.array(years, dtype=int)[codes], index=since.index)


def build_instance(project: Project, today: dt.date) -> Instance:
    """Build the numeric problem for the project's current state."""
    rules = project.rules
    units = project.housing_units.reset_index(drop=True)
    households = project.households.reset_index(drop=True)
    members = project.members
    # Read once for the priority points (every member) and the ages below.
    all_births = births = birth_days(members["birth_date"])
    # Exited households (退出, issue #5) whose unit has been freed leave the
    # model: they never go back on the waiting list. Until the exit date they
    # are still housed and keep their unit and services.
    from allocator.history import exited_mask

    in_units = set(units.loc[units["status"] == "occupied", "household_id"].tolist())
    gone = exited_mask(households) & ~households["household_id"].isin(in_units)
    if gone.any():
        households = households[~gone].reset_index(drop=True)
        stay = members["household_id"].isin(households["household_id"]).to_numpy()
        members = members[stay]
        births = (births[0][stay], births[1][stay])
    facilities = project.facilities.reset_index(drop=True)
    metric = metric_crs_for(units if not units.empty else project.sites)

    # Locations: one per point of a site. Units of a building share its
    # point; units with their own points become their own locations, so
    # distances are always exact; buildings recorded at one point (a register
    # that gives only the site's point) are one location, as their distances
    # are the same.
    point_key = (units["site_id"] + "|" + units.geometry.x.round(7).astype(str)
                 + "," + units.geometry.y.round(7).astype(str))
    location_codes, location_names = pd.factorize(point_key)
    first_unit = pd.Series(np.arange(len(units))).groupby(location_codes).first()
    location_points = units.geometry.iloc[first_unit.to_numpy()].reset_index(drop=True)
    location_units: dict[int, list[int]] = defaultdict(list)
    for unit_index, loc in enumerate(location_codes.tolist()):
        location_units[loc].append(unit_index)

    catchment = rules["catchment_walk_m"]
    limits = facilities["kind"].map(lambda k: float(catchment[k])).to_numpy()
    reach_pairs = within_walk(location_points, facilities.geometry, limits,
                              float(rules["detour_factor"]), metric)
    # Walks rounded half to even, as round() does.
    reach = dict(zip(
        zip(reach_pairs.origin.tolist(), reach_pairs.facility.tolist()),
        np.rint(reach_pairs.walk_m).astype(np.int64).tolist()))

    # Classes of interchangeable vacant units; low floors are a class of
    # their own when some household asks for one and wishes are a level.
    order = objective_order(rules)
    wants_low = wants_low_floor(households) if "wishes" in order else \
        pd.Series(False, index=households.index)
    split_floors = bool(wants_low.any())
    low_floor_max = int(rules["low_floor_max"])
    vacant = units.index[units["status"] == "vacant"]
    locked_units = set(project.locks["unit_id"]) if len(project.locks) else set()
    # Plain lists: a frame look-up per unit, or iterating a pandas string
    # column (a call per cell), took seconds on a county.
    unit_ids = units["unit_id"].tolist()
    unit_locations = location_codes.tolist()
    unit_areas = units["area_m2"].tolist()
    unit_accessible = units["accessible"].tolist()
    unit_floors = units["floor"].tolist()
    class_index: dict[tuple, int] = {}
    class_units: list[list[int]] = []
    for unit_index in vacant.tolist():
        key = (unit_locations[unit_index], float(unit_areas[unit_index]),
               bool(unit_accessible[unit_index]),
               split_floors and int(unit_floors[unit_index]) <= low_floor_max)
        if unit_ids[unit_index] in locked_units:
            key = key + (unit_ids[unit_index],)  # a class of its own
        if key not in class_index:
            class_index[key] = len(class_units)
            class_units.append([])
        class_units[class_index[key]].append(unit_index)
    class_key = list(class_index)

    reference = reference_date(rules, today)
    ages = pd.Series(ages_on(births, reference), index=members.index)
    ages_today = pd.Series(ages_on(births, today), index=members.index)
    priority = _priority_scores(project, today, all_births)
    base_weight = int(rules["priority_base_weight"])
    low_floor = ((ages_today >= 70) | (members["disability"] != "无")).groupby(
        members["household_id"]).any().astype(bool)  # vectorised: one pass

    occupied = units[units["status"] == "occupied"]
    location_of_household = dict(zip(
        occupied["household_id"].tolist(),
        location_codes[occupied.index.to_numpy()].tolist()))
    household_ids = households["household_id"].tolist()
    household_location: list[int | None] = []
    household_classes: list[list[int]] = []
    fitting: dict[tuple[int, bool], list[int]] = {}
    weights: list[int] = []
    points_of = _points_of(priority)
    for household_id, size, needs_accessible in zip(
            household_ids, households["size"].tolist(),
            households["needs_accessible"].tolist()):
        loc = location_of_household.get(household_id)
        household_location.append(None if loc is None else int(loc))
        weights.append(base_weight + int(points_of.get(household_id, 0)))
        if loc is not None:
            household_classes.append([])
            continue
        fit_key = (int(size), bool(needs_accessible))
        if fit_key not in fitting:  # households of one size and need share a list
            low, high = area_band(fit_key[0], rules)
            fitting[fit_key] = [
                c for c, (_loc, area, accessible, *_unit) in enumerate(class_key)
                if low <= area <= high and (accessible or not fit_key[1])
            ]
        household_classes.append(fitting[fit_key])  # shared, never changed

    facilities_by_kind: dict[str, list[int]] = defaultdict(list)
    for f, kind in enumerate(facilities["kind"]):
        facilities_by_kind[kind].append(f)
    position = {h: i for i, h in enumerate(household_ids)}
    groups: list[ServiceGroup] = []
    group_members: list[list[str]] = []
    group_kind: list[str] = []
    member_kind: dict[str, str] = {}
    split_sets = 0
    age_list = ages.tolist()
    level_of_age = {age: school_level(int(age), rules) for age in set(age_list)}
    together = bool(rules["siblings_together"])
    # Plain lists per household (in register order): a frame filter per
    # household took over a minute for a county of 20,000 households.
    people_of: dict[str, list[str]] = defaultdict(list)
    children_of: dict[str, dict[str, list[str]]] = {}  # household -> level
    for member_id, household_id, age in zip(members["member_id"].tolist(),
                                            members["household_id"].tolist(),
                                            age_list):
        people_of[household_id].append(member_id)
        level = level_of_age[age]
        if level is not None:
            children_of.setdefault(household_id, {}).setdefault(
                level, []).append(member_id)
    clinics = facilities_by_kind["clinic"]
    for household_id, people in people_of.items():
        h = position[household_id]
        levels = children_of.get(household_id)
        for kind in SCHOOL_KINDS if levels else ():
            children = levels.get(kind)
            if not children:
                continue
            for member_id in children:
                member_kind[member_id] = kind
            if together or len(children) == 1:
                groups.append(ServiceGroup(h, len(children), facilities_by_kind[kind],
                                           kind=kind))
                group_members.append(children)
                group_kind.append(kind)
            else:
                for member_id in children:
                    groups.append(ServiceGroup(h, 1, facilities_by_kind[kind],
                                               split_set=split_sets, kind=kind))
                    group_members.append([member_id])
                    group_kind.append(kind)
                split_sets += 1
        groups.append(ServiceGroup(h, len(people), clinics, kind="clinic"))
        group_members.append(people)
        group_kind.append("clinic")

    problem = JointProblem(
        class_location=[k[0] for k in class_key],
        class_capacity=[len(u) for u in class_units],
        household_weight=weights,
        household_location=household_location,
        household_classes=household_classes,
        facility_capacity=facilities["capacity"].astype(int).tolist(),
        reach=reach,
        groups=groups,
        split_penalty=0 if together else int(rules["sibling_split_penalty_m"]),
    )
    problem.required, problem.forbidden = _lock_classes(
        project, households, units, class_index, class_key, household_location,
        household_classes)
    site_ids = units["site_id"].tolist()
    class_site = [str(site_ids[unit_list[0]]) for unit_list in class_units]
    _planner_inputs(problem, project, households, class_key, class_site, order,
                    wants_low)
    labels = _location_labels(units, location_codes, len(location_names))
    return Instance(
        problem=problem,
        household_ids=household_ids,
        class_units=class_units,
        class_key=class_key,
        location_units=dict(location_units),
        location_label=labels,
        unit_location=np.asarray(location_codes),
        facility_ids=facilities["facility_id"].tolist(),
        group_members=group_members,
        group_kind=group_kind,
        member_kind=member_kind,
        reference=reference,
        ages=pd.Series(ages.to_numpy(), index=members["member_id"]),
        priority=priority,
        needs_low_floor=low_floor,
        class_site=class_site,
        # Every household that asked, a level or not: within a class low
        # floors go to them first, and their order says whether it was met.
        wants_low_floor=dict(zip(household_ids,
                                 wants_low_floor(households).astype(bool).tolist())),
    )


def preferred_sites(value: Any) -> list[str]:
    """The ranked site ids of a household's ``preferred_sites`` cell."""
    if not isinstance(value, str):
        return []
    return [part.strip() for part in value.split("|") if part.strip()]


def wants_low_floor(households: pd.DataFrame) -> pd.Series:
    """Households that asked for a low floor (False where not recorded)."""
    if "wants_low_floor" not in households.columns:
        return pd.Series(False, index=households.index)
    return households["wants_low_floor"].fillna(False).astype(bool)


def village_key(row: Any) -> str:
    """A village group: the origin township and village (names repeat)."""
    return f"{row.origin_township or ''}{row.origin_village or ''}"


def coverage_key(row: Any, by: str) -> str:
    """The coverage group of a household for the gap cap."""
    if by == "category":
        return str(row.category or "")
    return str(row.current_township or row.origin_township or "")


def _planner_inputs(problem: JointProblem, project: Project,
                    households: pd.DataFrame, class_key: list[tuple],
                    class_site: list[str], order: list[str],
                    wants_low: pd.Series) -> None:
    """Wish points, village groups, options and the level order of the model."""
    rules = project.rules
    problem.objective_order = list(order)
    problem.priority_respecting = bool(rules.get("priority_respecting", True))
    site_codes = {site: i for i, site in enumerate(sorted(set(class_site)))}
    problem.class_site = [site_codes[site] for site in class_site]
    by = str(rules.get("coverage_gap_groups") or "")
    if not by and "wishes" not in order and "village" not in order:
        return
    waiting = [h for h, loc in enumerate(problem.household_location)
               if loc is None and problem.household_classes[h]]
    # Object columns: itertuples pays a call per cell of a string column.
    rows = list(households.astype(object).itertuples())

    if "wishes" in order:
        points = rules["wish_points"]
        by_rank = [int(points.get("first", 0)), int(points.get("second", 0)),
                   int(points.get("third", 0))]
        low_points = int(points.get("low_floor", 0))
        wishes: list[dict[int, int]] = [{} for _ in rows]
        low_wished = wants_low.tolist()
        for h in waiting:
            ranked = preferred_sites(getattr(rows[h], "preferred_sites", None))
            low = bool(low_wished[h])
            if not ranked and not low:
                continue
            for c in problem.household_classes[h]:
                total = 0
                if class_site[c] in ranked:
                    total += by_rank[min(ranked.index(class_site[c]), 2)]
                if low and class_key[c][3]:
                    total += low_points
                if total:
                    wishes[h][c] = total
        problem.household_wishes = wishes

    if "village" in order:
        members: dict[str, list[int]] = defaultdict(list)
        for h in waiting:
            members[village_key(rows[h])].append(h)
        villages = [h_list for key, h_list in sorted(members.items())
                    if len(h_list) >= 2 and key]
        problem.household_village = [-1] * len(rows)
        for v, h_list in enumerate(villages):
            for h in h_list:
                problem.household_village[h] = v

    if by:
        keys = [coverage_key(row, by) for row in rows]
        codes = {key: i for i, key in enumerate(sorted(set(keys)))}
        problem.coverage_group = [codes[key] for key in keys]
        problem.coverage_gap_cap = int(round(float(rules["coverage_gap_max"])
                                             * COVERAGE_SCALE))


class LockError(ValueError):
    """A planner's lock that cannot be kept; the message names it and why."""


def _lock_classes(project, households, units, class_index, class_key,
                  household_location, household_classes):
    """Translate the project's locks into required and forbidden classes.

    Every fixed unit and every forbidden unit has a class of its own, so a
    lock touches exactly one unit. Locks that cannot be kept are refused
    before solving, each with its reason.
    """
    required: dict[int, int] = {}
    forbidden: set[tuple[int, int]] = set()
    if not len(project.locks):
        return required, forbidden
    position = {h: i for i, h in enumerate(households["household_id"])}
    class_of_unit = {}
    for key, c in class_index.items():
        if len(key) == 5:
            class_of_unit[key[4]] = c
    status = dict(zip(units["unit_id"], units["status"]))
    problems = []
    fixed_units: dict[str, str] = {}
    for lock in project.locks.itertuples():
        name = f"lock {lock.kind} {lock.household_id} → {lock.unit_id}"
        h = position.get(lock.household_id)
        if h is None:
            problems.append(f"{name}: household {lock.household_id} is not in the "
                            "register")
            continue
        if lock.unit_id not in status:
            problems.append(f"{name}: unit {lock.unit_id} does not exist")
            continue
        if lock.kind == "forbid":
            if lock.unit_id in class_of_unit:
                forbidden.add((h, class_of_unit[lock.unit_id]))
            continue
        if household_location[h] is not None:
            problems.append(f"{name}: the household is already housed; moves are "
                            "not part of an allocation")
        elif status[lock.unit_id] != "vacant":
            from allocator.importer import unit_status_label as label
            problems.append(f"{name}: unit {lock.unit_id} is "
                            f"{label(status[lock.unit_id])}, not {label('vacant')}")
        elif class_of_unit[lock.unit_id] not in household_classes[h]:
            # Said with the numbers the lock command gives (a rule changed
            # since the lock was set, say).
            from allocator.locks import lock_problems

            why = "; ".join(str(p) for p in lock_problems(
                project, lock.household_id, lock.unit_id, "fix")) or \
                "the unit does not fit the household (area band or accessibility)"
            problems.append(f"{name}: {why}; change the lock or remove it "
                            f"(allocator lock --household {lock.household_id} "
                            f"--unit {lock.unit_id} --remove)")
        elif h in required:
            problems.append(f"{name}: the household already has a fixed unit")
        elif lock.unit_id in fixed_units:
            problems.append(f"{name}: unit {lock.unit_id} is already fixed to "
                            f"{fixed_units[lock.unit_id]}")
        else:
            required[h] = class_of_unit[lock.unit_id]
            fixed_units[lock.unit_id] = lock.household_id
    if problems:
        raise LockError("locks cannot be kept: " + "; ".join(problems))
    return required, forbidden


def choose_backend(name: str, instance: Instance) -> str:
    """The back end for ``--backend auto``: HiGHS, whose LP bound is tight on
    this assignment structure; CP-SAT for small models."""
    if name != "auto":
        return name
    size = sum(len(c) for c in instance.problem.household_classes)
    return "cpsat" if size < 2000 else "highs"


def choose_formulation(instance: Instance, asked_backend: str, backend: str) -> str:
    """The formulation for "auto": the fast path (:mod:`solvers.fast`) when
    the back end is left to the tool, HiGHS is its choice (not a small
    model) and the problem has nothing the fast path cannot do; otherwise
    the aggregated model, or the detailed one when siblings may be split or
    a coverage gap is capped."""
    from solvers.fast import unsupported

    problem = instance.problem
    if asked_backend == "auto" and backend == "highs" and unsupported(problem) is None:
        return "fast"
    if problem.split_penalty == 0 and problem.coverage_gap_cap is None:
        return "aggregated"
    return "detailed"


def solve_project(
    project: Project,
    *,
    scenario: str = "base",
    backend: str = "auto",
    time_limit: float | None = None,
    today: dt.date | None = None,
    seed: int | None = None,
    formulation: str = "auto",
    progress: Callable[[str, float | None, float | None, float], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    instance: Instance | None = None,
) -> AllocationOutcome:
    """Solve the joint allocation of ``project`` and describe every decision.

    ``formulation`` is "aggregated" (counts of interchangeable households and
    groups; exact, and the default when siblings stay together), "detailed"
    (one variable per household and group; needed when siblings may be
    split), "fast" (:mod:`solvers.fast`: level 1 by min-cost flow, the others
    by column generation, each within a reported gap of at most 0.1 %) or
    "auto" (:func:`choose_formulation`).
    """
    today = today or dt.date.today()
    seed = int(project.rules["lottery_seed"] if seed is None else seed)
    if instance is None:  # a reallocation passes its own, with services kept
        instance = build_instance(project, today)
    chosen_backend = backend
    backend = choose_backend(backend, instance)
    if formulation == "auto":
        formulation = choose_formulation(instance, chosen_backend, backend)
    rank = lottery_rank(len(instance.household_ids), seed)
    started = dt.datetime.now().astimezone()
    fast_solution = None
    if formulation == "fast":
        from solvers.fast import solve_fast

        fast = solve_fast(instance.problem, time_limit=time_limit, rank=rank,
                          gap=fast_gap(instance.problem),
                          progress=progress, cancel=cancel)
        logger.info("fast path: %s", fast.size)
        fast_solution = fast.solution
        result = SolveResult(fast.status, "highs",
                             None if fast.solution is None else [], fast.levels,
                             fast.seconds, fast.message)
    else:
        if formulation == "aggregated":
            joint = build_aggregated_model(instance.problem)
        else:
            joint = build_joint_model(instance.problem)
        logger.info("%s model: %d variables, %d constraints; back end %s",
                    formulation, joint.model.n_vars, len(joint.model.constraints),
                    backend)
        result = get_backend(backend, seed=seed).solve(
            joint.model, time_limit=time_limit, progress=progress, cancel=cancel)
    run_id = (f"{scenario}-{started.strftime('%Y%m%dT%H%M%S')}"
              f"-{len(project.runs) + 1}")
    levels = {level.name: level for level in result.levels}
    run = {
        "run_id": run_id,
        "scenario": scenario,
        "started": started.isoformat(timespec="seconds"),
        "status": result.status.value,
        "backend": backend,
        "seed": seed,
        "seconds": round(result.seconds, 3),
        "objective_housed": _objective(levels, "housed"),
        "objective_served": _objective(levels, "served"),
        "objective_walk": _objective(levels, "walk"),
        "objective_wishes": _objective(levels, "wishes"),
        "objective_village": _objective(levels, "village"),
        "bound": result.bound,
        "gap": result.gap,
        "levels_json": json.dumps([
            {"level": lv.name, "sense": lv.sense, "objective": lv.objective,
             "bound": lv.bound, "gap": lv.gap, "status": lv.status.value,
             "seconds": round(lv.seconds, 3)} for lv in result.levels
        ], ensure_ascii=False),
        "message": result.message,
        "formulation": formulation,
        "options_json": json.dumps(run_options(project.rules, project.locks),
                                   ensure_ascii=False),
        "reference_date": instance.reference.isoformat(),
        "today": today.isoformat(),
    }
    from allocator.export import unsolved_levels

    if unsolved_levels(run):
        # A level of the objective order has no solution: the run has no
        # gap, and the last bound worked out is an earlier level's, not the
        # run's (its levels_json keeps each level's own).
        run["gap"] = None
        run["bound"] = None
    outcome = AllocationOutcome(run, empty_frame("allocations"),
                                empty_frame("service_assignments"), result, instance)
    if result.values is None:
        return outcome

    solution = (fast_solution if fast_solution is not None
                else joint.decode(instance.problem, result.values, rank))
    # Among households the objectives cannot tell apart, priority, then the
    # lottery, decides who gets what, not the order of the register's rows.
    from solvers.ties import priority_first

    solution = priority_first(instance.problem, solution, rank)
    outcome.solution = solution
    unit_of_household = _pick_units(project, instance, solution, rank)
    outcome.unit_of_household = unit_of_household
    outcome.allocations = _allocation_rows(project, instance, solution,
                                           unit_of_household, run_id, scenario)
    outcome.allocations["wish"] = wish_texts(project, instance, solution,
                                             unit_of_household)
    outcome.service_assignments = _service_rows(project, instance, solution,
                                                unit_of_household, run_id, scenario)
    return outcome


def run_options(rules: dict[str, Any], locks: pd.DataFrame | None = None
                ) -> dict[str, Any]:
    """The options of a run, recorded with it (orders and the UI show them),
    with the planner's locks in force (how many units fixed, forbidden)."""
    by = str(rules.get("coverage_gap_groups") or "")
    held = {}
    if locks is not None and len(locks):
        kinds = locks["kind"].value_counts()
        held = {"locks": {"fixed": int(kinds.get("fix", 0)),
                          "forbidden": int(kinds.get("forbid", 0))}}
    return {**held,
        "priority_respecting": bool(rules.get("priority_respecting", True)),
        "siblings_together": bool(rules["siblings_together"]),
        "objective_order": objective_order(rules),
        "coverage_gap": {"groups": by, "max": float(rules["coverage_gap_max"])}
        if by else None,
    }


def _objective(levels, name: str) -> float | None:
    """A level's objective as stored: every coefficient of every level is a
    whole number (weights, persons, metres, points), so a value a solver
    gives with float noise (4910.000000000001) is the whole number it is."""
    level = levels.get(name)
    if level is None or level.objective is None:
        return None
    value = float(level.objective)
    whole = round(value)
    return float(whole) if abs(value - whole) <= 1e-6 * max(1.0, abs(value)) \
        else value


EXACT_UP_TO_WAITING = 1000
"""Counties with at most this many waiting households are solved by the fast
path to a proven optimum (a fraction of a second on the sample county's 600);
larger ones to within its 0.1 % gap (see :mod:`solvers.fast`)."""


def fast_gap(problem) -> float:
    """The relative gap the fast path may leave on ``problem``."""
    from solvers.fast import DEFAULT_GAP

    waiting = sum(1 for loc in problem.household_location if loc is None)
    return 0.0 if waiting <= EXACT_UP_TO_WAITING else DEFAULT_GAP


def _location_labels(units: pd.DataFrame, codes: np.ndarray, n: int) -> list[str]:
    """A label per location: its site and building, or the site alone when
    several buildings share the point."""
    frame = pd.DataFrame({"loc": codes, "site": units["site_id"].astype(str),
                          "building": units["building"].astype(str)})
    # Each location's buildings in order of appearance; the first row of a
    # location gives its site and first building.
    buildings = frame.drop_duplicates(["loc", "building"])
    count = buildings["loc"].value_counts().to_dict()
    first = buildings.drop_duplicates("loc").sort_values("loc", kind="stable")
    labels = [""] * n
    for loc, site, building in zip(first["loc"].tolist(), first["site"].tolist(),
                                   first["building"].tolist()):
        labels[loc] = f"{site} {building}" if count[loc] == 1 else site
    return labels


def lottery_rank(count: int, seed: int) -> list[int]:
    """Each household's place in the seeded lottery (0 draws first)."""
    return np.random.default_rng(seed).permutation(count).tolist()


def _pick_units(project: Project, instance: Instance, solution: JointSolution,
                rank: list[int]) -> dict[str, int]:
    """Concrete units within each class, by the seeded and recorded lottery.

    Households that need a low floor (a member aged 70+ or with a disability)
    or asked for one draw first, then the rest; within each group the order
    is the lottery's. A household housed before that stays in the class of
    its unit (a reallocation) keeps that unit.
    """
    draw = dict(zip(instance.household_ids, rank))
    units = project.housing_units
    floor_of = dict(zip(units.index.tolist(), units["floor"].tolist()))
    unit_id_of = dict(zip(units.index.tolist(), units["unit_id"].tolist()))
    by_class: dict[int, list[str]] = defaultdict(list)
    for h, c in enumerate(solution.household_class):
        if c is not None:
            by_class[c].append(instance.household_ids[h])
    chosen: dict[str, int] = {}
    for c, household_ids in by_class.items():
        members = set(instance.class_units[c])
        stay = {h: instance.home_unit[h] for h in household_ids
                if instance.home_unit.get(h) in members}
        chosen.update(stay)
        household_ids = [h for h in household_ids if h not in stay]
        ordered_units = sorted(
            members - set(stay.values()),
            key=lambda u: (floor_of[u], unit_id_of[u]))
        ordered_households = sorted(household_ids, key=lambda h: (
            not (bool(instance.needs_low_floor.get(h, False))
                 or instance.wants_low_floor.get(h, False)), draw[h]))
        for household_id, unit_index in zip(ordered_households, ordered_units):
            chosen[household_id] = unit_index
    return chosen


BY_LOT = "；同类房源内楼层按抽签确定"
LOW_FLOOR_FIRST = "；同类房源内低楼层先安排给需要或申请低楼层的户，同等情况按抽签确定"
"""How the floor was chosen among alike units (see :func:`_pick_units`): for
a household that needs or asked for a low floor, those go first."""


def _allocation_rows(project, instance, solution, chosen, run_id, scenario):
    rules = project.rules
    # The housed level's place in the order the planner set (1 by default).
    order = objective_order(rules)
    housed_level = order.index("housed") + 1 if "housed" in order else 1
    ahead_of_housing = "、".join(OBJECTIVE_SHORT[name]
                                 for name in order[:housed_level - 1])
    units = project.housing_units
    households = project.households
    # Plain dicts, built from lists: a frame look-up per household, or
    # iterating a pandas string column (a call per cell), took seconds.
    household_ids = households["household_id"].tolist()
    size_of = dict(zip(household_ids, households["size"].tolist()))
    accessible_of = dict(zip(household_ids, households["needs_accessible"].tolist()))
    occupied = units[units["status"] == "occupied"]
    occupants = occupied["household_id"].tolist()
    occupied_unit = dict(zip(occupants, occupied["unit_id"].tolist()))
    occupied_since = dict(zip(occupants, occupied["placed_on"].tolist()))
    points_of = _points_of(instance.priority)
    position_of = {label: i for i, label in enumerate(units.index.tolist())}
    fixed_reason: dict[str, str] = {}
    if len(project.locks):
        fixes = project.locks[project.locks["kind"] == "fix"]
        for household_id, why, created in zip(fixes["household_id"], fixes["reason"],
                                              fixes["created"]):
            text = f"规划人员锁定（{why or '未注明原因'}）"
            if isinstance(created, str) and len(created) >= 10:
                text += f"，锁定日期{created[:10]}"
            fixed_reason.setdefault(household_id, text)
    unit_ids = units["unit_id"].to_numpy()
    unit_areas = units["area_m2"].to_numpy()
    rows = []
    # For the waiting list: who took the units a waiting household could have had.
    # A unit the planner fixed to a household is counted as such, not by the
    # holder's priority.
    holder_priority: dict[int, list[int]] = defaultdict(list)
    locked_in: dict[int, int] = defaultdict(int)
    # A reallocation keeps households allocated before in their units: those
    # are counted as kept, not by the holder's priority.
    kept_in: dict[int, int] = defaultdict(int)
    kept_priority: dict[int, list[int]] = defaultdict(list)
    home = instance.problem.household_home
    for h, c in enumerate(solution.household_class):
        if c is None:
            continue
        if instance.household_ids[h] in fixed_reason:
            locked_in[c] += 1
        elif home.get(h) == c:
            kept_in[c] += 1
            kept_priority[c].append(int(points_of[instance.household_ids[h]]))
        else:
            holder_priority[c].append(int(points_of[instance.household_ids[h]]))
    # Households of one size and need share their classes: count them once.
    taken_of: dict[tuple, tuple[int, list[int], tuple[int, int], int]] = {}
    # Classes barred to a household: the planner's forbids (one unit each) or
    # what a petition trial's household would not take.
    barred_of: dict[int, set[int]] = defaultdict(set)
    for h, c in instance.problem.forbidden:
        barred_of[h].add(c)
    from allocator.locks import lock_reasons

    forbid_why: dict[str, list[str]] = defaultdict(list)
    for (household_id, _unit), why in lock_reasons(project, "forbid").items():
        if why not in forbid_why[household_id]:
            forbid_why[household_id].append(why)

    bands: dict[int, tuple[float, float]] = {}
    for h, household_id in enumerate(instance.household_ids):
        size = int(size_of[household_id])
        needs_accessible = accessible_of[household_id]
        if household_id in occupied_unit:
            unit_id = occupied_unit[household_id]
            placed = occupied_since[household_id] or "此前"
            rows.append(_row(scenario, run_id, household_id, unit_id,
                             "existing",
                             f"既有安置：{placed}入住{unit_id}，本次不调整住房，"
                             "仅按住址安排学位和卫生服务"))
            continue
        if size not in bands:
            bands[size] = area_band(size, rules)
        low, high = bands[size]
        points = int(points_of.get(household_id, 0))
        c = solution.household_class[h]
        if c is not None:
            position = position_of[chosen[household_id]]
            access = ("；本户需无障碍住房，已分配首层无障碍房"
                      if needs_accessible else "")
            # A fixed unit was the planner's choice, not the lottery's.
            low_first = (bool(instance.needs_low_floor.get(household_id, False))
                         or instance.wants_low_floor.get(household_id, False))
            how, floor = ((fixed_reason[household_id], "")
                          if household_id in fixed_reason else
                          (f"按优先级得分{points}分配（目标{housed_level}：按优先级加权的"
                           "安置户数最大）",
                           LOW_FLOOR_FIRST if low_first else BY_LOT))
            rows.append(_row(
                scenario, run_id, household_id, unit_ids[position], "allocated",
                f"{how}；"
                f"面积{unit_areas[position]:g} m²在本户{size}人的面积标准"
                f"{low:g}–{high:g} m²内{access}{floor}"))
            continue
        eligible = tuple(instance.problem.household_classes[h])
        barred = tuple(sorted(barred_of.get(h, set()) & set(eligible)))
        if (eligible, barred) not in taken_of:
            usable = [k for k in eligible if k not in barred]
            taken_of[eligible, barred] = (
                sum(len(instance.class_units[k]) for k in eligible),
                sorted(p for k in usable for p in holder_priority.get(k, [])),
                (sum(locked_in.get(k, 0) for k in usable),
                 sum(kept_in.get(k, 0) for k in usable)),
                sorted(p for k in usable for p in kept_priority.get(k, [])),
                sum(len(instance.class_units[k]) for k in barred))
        count, taken, (locked, kept), kept_points, n_barred = \
            taken_of[eligible, barred]
        need = "、无障碍" if needs_accessible else ""
        why = (f"经规划人员排除（{'；'.join(forbid_why[household_id])}）"
               if household_id in forbid_why else "因本户不接受")
        if count == 0:
            reason = (f"轮候：没有面积在{low:g}–{high:g} m²{need}范围内的空置房源"
                      f"（本户{size}人）；可申请分户或等待合适房源")
        elif n_barred == count:
            reason = (f"轮候：符合本户条件（{low:g}–{high:g} m²{need}）的空置房源"
                      f"共{count}套，均{why}，不分配给本户")
        else:
            higher = len(taken) - bisect_right(taken, points)
            same = bisect_right(taken, points) - bisect_left(taken, points)
            lower = len(taken) - higher - same
            kept_higher = len(kept_points) - bisect_right(kept_points, points)
            by_planner = (f"规划人员锁定给其他户{locked}套，" if locked else "") + (
                f"此前已分配、本次保留的户{kept}套（其中优先级高于本户的"
                f"{kept_higher}套），" if kept else "")
            excluded = f"其中{n_barred}套{why}，其余" if n_barred else ""
            if ahead_of_housing:
                # A level before housing (wishes, village groups, services)
                # decides who of equal or lower priority gets a unit.
                why_not = f"（目标顺序中{ahead_of_housing}先于安置户数）"
                reason = (f"轮候：符合本户条件（{low:g}–{high:g} m²{need}）的空置房源"
                          f"共{count}套，{excluded}已全部分配：{by_planner}优先级高于"
                          f"本户（{points}分）的户{higher}套，同分户{same}套，低于本户"
                          f"的户{lower}套{why_not if same + lower else ''}")
            else:
                reason = (f"轮候：符合本户条件（{low:g}–{high:g} m²{need}）的空置房源"
                          f"共{count}套，{excluded}已全部分配：{by_planner}优先级高于"
                          f"本户（{points}分）的户{higher}套，同分户{same}套（抽签），"
                          f"低于本户的户{lower}套（这些户只能使用这类房源，分给它们可多"
                          "安置户数）")
        rows.append(_row(scenario, run_id, household_id, None, "waiting", reason))
    return _frame(rows, ALLOCATION_ROW)


def wish_texts(project: Project, instance: Instance, solution: JointSolution,
               chosen: dict[str, int]) -> list[str]:
    """For every household, which wish was met, which not and why (for the order).

    Empty for a household that recorded no wish or was housed earlier.
    """
    rules = project.rules
    order = objective_order(rules)
    households = project.households
    preferred = dict(zip(households["household_id"].tolist(),
                         households["preferred_sites"].tolist())) \
        if "preferred_sites" in households.columns else {}
    units = project.housing_units
    sites = dict(zip(project.sites["site_id"], project.sites["name"]))
    low_max = int(rules["low_floor_max"])
    used: dict[int, int] = defaultdict(int)
    for c in solution.household_class:
        if c is not None:
            used[c] += 1
    earlier = [OBJECTIVE_LABELS[name] for name in order[:order.index("wishes")]] \
        if "wishes" in order else []
    holders = _Holders(instance, solution, order, earlier)
    together = _village_clauses(project, instance, chosen, sites) \
        if "village" in order else {}
    texts = []
    for h, household_id in enumerate(instance.household_ids):
        ranked = preferred_sites(preferred.get(household_id))
        low = bool(instance.wants_low_floor.get(household_id, False))
        if (not ranked and not low) or instance.problem.household_location[h] \
                is not None:
            texts.append(together.get(household_id, ""))
            continue
        asked = []
        if ranked:
            asked.append("志愿安置点" + "、".join(
                f"{i}.{sites.get(site, site)}"
                for i, site in enumerate(ranked, start=1)))
        if low:
            asked.append(f"低楼层（{low_max}层及以下）")
        text = "安置意愿：" + "，".join(asked) + "。"
        if household_id not in chosen:
            texts.append(text + "本户尚在轮候，分得住房时再按意愿安排。")
            continue
        unit = units.loc[chosen[household_id]]
        if "wishes" not in order:
            texts.append(text + _unranked_wish(ranked, low, unit, sites, low_max))
            continue
        eligible = instance.problem.household_classes[h]
        parts = []
        if ranked:
            site = str(unit["site_id"])
            if site in ranked:
                rank = ranked.index(site)
                parts.append(f"第{rank + 1}志愿{sites.get(site, site)}已满足")
                if rank:  # why the sites it ranked higher were not
                    better = ranked[:rank]
                    parts.append(_unmet("、".join(
                        f"第{i}志愿{sites.get(s, s)}"
                        for i, s in enumerate(better, start=1)), [
                        c for c in eligible if instance.class_site[c] in better],
                        instance, used, earlier, holders.of(h)))
            else:
                parts.append(_unmet("志愿安置点", [
                    c for c in eligible if instance.class_site[c] in ranked],
                    instance, used, earlier, holders.of(h)))
        if low:
            floor = int(unit["floor"])
            if floor <= low_max:
                parts.append(f"低楼层意愿已满足（{floor}层）")
            else:
                parts.append(_unmet(f"低楼层意愿（分配在{floor}层）", [
                    c for c in eligible if instance.class_key[c][3]],
                    instance, used, earlier, holders.of(h)))
        texts.append(text + "；".join(parts) + "。" + together.get(household_id, ""))
    return texts


def _village_clauses(project: Project, instance: Instance, chosen: dict[str, int],
                     sites: dict[str, str]) -> dict[str, str]:
    """For each household housed now in a village group (the level
    "village"): where the group's households housed now went."""
    village = instance.problem.household_village or []
    units = project.housing_units
    site_of = dict(zip(units.index, units["site_id"].astype(str)))
    placed: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for h, household_id in enumerate(instance.household_ids):
        if h < len(village) and village[h] >= 0 and household_id in chosen:
            placed[village[h]].append((household_id, site_of[chosen[household_id]]))
    households = project.households.set_index("household_id")
    clauses = {}
    for group in placed.values():
        if len(group) < 2:
            continue
        count = defaultdict(int)
        for _household, site in group:
            count[site] += 1
        for household_id, site in group:
            row = households.loc[household_id]
            home = "".join(str(row.get(part) or "")
                           for part in ("origin_township", "origin_village"))
            head = f"同村同点：本次同村（{home}）分得住房{len(group)}户，"
            if len(count) == 1:
                clauses[household_id] = head + f"均在{sites.get(site, site)}。"
                continue
            where = "、".join(
                f"{sites.get(s, s)}{n}户" + ("（含本户）" if s == site else "")
                for s, n in sorted(count.items(), key=lambda item: (
                    item[0] != site, -item[1], item[0])))
            clauses[household_id] = (head + where + "（受容量、住房条件或更靠前的"
                                     "目标所限，未能同点）。")
    return clauses


def _unranked_wish(ranked: list[str], low: bool, unit, sites: dict[str, str],
                   low_max: int) -> str:
    """Whether a wish happens to be met when wishes are not an objective level."""
    parts = []
    if ranked:
        site = str(unit["site_id"])
        parts.append(f"第{ranked.index(site) + 1}志愿{sites.get(site, site)}已满足"
                     if site in ranked else "志愿安置点未满足")
    if low:
        floor = int(unit["floor"])
        parts.append(f"低楼层意愿已满足（{floor}层）" if floor <= low_max
                     else f"低楼层意愿未满足（分配在{floor}层）")
    return "；".join(parts) + "。本次目标顺序不含安置意愿，未按意愿优化。"


class _Holders:
    """Who holds the units of a class, told apart from one household: by
    priority, by the wish points the unit is worth to each, and by village
    groups kept together (when those levels are in the objective)."""

    def __init__(self, instance: Instance, solution: JointSolution,
                 order: list[str], earlier: list[str]):
        problem = instance.problem
        self.earlier = earlier
        self.solution = solution
        self.problem = problem
        self.points = _points_of(instance.priority)
        self.ids = instance.household_ids
        self.by_class: dict[int, list[int]] = defaultdict(list)
        for h, c in enumerate(solution.household_class):
            if c is not None:
                self.by_class[c].append(h)
        # Households of a village group at the site most of the group got.
        self.together: set[int] = set()
        if "village" in order and problem.household_village:
            sites: dict[int, dict[int, list[int]]] = defaultdict(
                lambda: defaultdict(list))
            for h, c in enumerate(solution.household_class):
                v = problem.household_village[h]
                if c is not None and v >= 0:
                    sites[v][instance.class_site[c]].append(h)
            for by_site in sites.values():
                for members in by_site.values():
                    if len(members) >= 2:
                        self.together.update(members)
        self.wishes = problem.household_wishes if "wishes" in order else []

    def of(self, h: int) -> Callable[[list[int]], str]:
        """The breakdown, for household ``h`` (housed), of who holds these
        classes: of higher priority; unable to live in ``h``'s unit (a swap
        would leave it without one); wishing for the unit more; kept with
        its village group; for whom a swap would not raise the wish points;
        the rest."""
        mine = int(self.points[self.ids[h]])
        own = self.solution.household_class[h]
        wishes = self.wishes

        def wish(k: int, c) -> int:
            return wishes[k].get(c, 0) if wishes and c is not None else 0

        def told(classes: list[int]) -> str:
            counts = [0] * 6
            for c in classes:
                for k in self.by_class.get(c, ()):
                    if int(self.points[self.ids[k]]) > mine:
                        counts[0] += 1
                    elif own not in self.problem.household_classes[k]:
                        counts[1] += 1
                    elif wish(k, c) > wish(h, c):
                        counts[2] += 1
                    elif k in self.together:
                        counts[3] += 1
                    elif wish(h, c) + wish(k, own) <= wish(h, own) + wish(k, c):
                        counts[4] += 1
                    else:
                        counts[5] += 1
            labels = (f"优先级高于本户（{mine}分）的户",
                      "住不了本户现分房屋的户（与本户对调则该户无房）",
                      "此房意愿得分高于本户的户", "同村同点安置的户",
                      "调换不增加意愿得分的户", "其他户")
            parts = [f"{label}{count}套" for label, count in zip(labels, counts)
                     if count]
            if counts[5] and self.earlier:
                parts[-1] += f"（目标顺序中{'、'.join(self.earlier)}先于安置意愿）"
            return "，".join(parts)

        return told


def _unmet(what: str, classes: list[int], instance: Instance,
           used: dict[int, int], earlier: list[str],
           holders: Callable[[list[int]], str]) -> str:
    """Why a wish was not met, with the number of units that would meet it."""
    total = sum(len(instance.class_units[c]) for c in classes)
    free = sum(len(instance.class_units[c]) - used[c] for c in classes)
    if total == 0:
        return f"{what}未满足：没有符合本户面积和无障碍条件的此类空置房"
    if free <= 0:
        return (f"{what}未满足：符合本户条件的此类空置房共{total}套，已全部分配："
                f"{holders(classes)}")
    return (f"{what}未满足：此类空置房尚余{free}套，但目标顺序中"
            f"{'、'.join(earlier) or '更靠前的目标'}先于安置意愿")


ALLOCATION_ROW = ["scenario", "run_id", "household_id", "unit_id", "kind",
                  "reason"]
SERVICE_ROW = ["scenario", "run_id", "member_id", "household_id", "kind",
               "facility_id", "distance_m", "reason"]


def _frame(rows: list[tuple], columns: list[str]) -> pd.DataFrame:
    """The frame of rows made by :func:`_row` or :func:`_services` (tuples:
    a dict per row cost more to make and to read); no columns when there
    are no rows."""
    return pd.DataFrame(rows, columns=columns) if rows else pd.DataFrame([])


def _row(scenario, run_id, household_id, unit_id, kind, reason):
    return (scenario, run_id, household_id, unit_id, kind, reason)


def _service_rows(project, instance, solution, chosen, run_id, scenario):
    rules = project.rules
    facilities = project.facilities
    problem = instance.problem
    units = project.housing_units
    occupied_loc = {
        hid: int(instance.unit_location[position])
        for position, (hid, status) in enumerate(zip(units["household_id"].tolist(),
                                                     units["status"].tolist()))
        if hid and status == "occupied"
    }
    # Final location of each household.
    location: dict[str, int] = dict(occupied_loc)
    for household_id, unit_index in chosen.items():
        location[household_id] = int(instance.unit_location[unit_index])

    used = defaultdict(int)
    for g, f in enumerate(solution.group_facility):
        if f is not None:
            used[f] += problem.groups[g].persons
    # Places kept outside the problem (a reallocation keeps the places of the
    # households living in their units and takes them out of the capacities)
    # are used too.
    capacities = facilities["capacity"].astype(int).tolist()
    for f, left in enumerate(problem.facility_capacity):
        if capacities[f] > left:
            used[f] += capacities[f] - left
    metric = metric_crs_for(units)
    catchment = rules["catchment_walk_m"]
    # The candidates in reach of a location: groups of a kind share theirs
    # (one list of candidates, told apart by identity: the groups hold them
    # all while this runs, and a tuple of a long list per group cost more
    # than the look-up).
    reachable: dict[tuple[int, int], list[int]] = {}
    reach_of: dict[int, set[int]] = defaultdict(set)  # location -> facilities
    for loc, ff in problem.reach:
        reach_of[loc].add(ff)

    def within_reach(loc: int, group: ServiceGroup) -> list[int]:
        key = (loc, id(group.facilities))
        found = reachable.get(key)
        if found is None:
            near = reach_of.get(loc, ())
            found = reachable[key] = [ff for ff in group.facilities if ff in near]
        return found

    # The nearest facility of a kind, for the buildings whose groups have
    # none in reach: one distance query per kind for all those buildings.
    wanted: dict[str, set[int]] = defaultdict(set)
    for g, group in enumerate(problem.groups):
        if solution.group_facility[g] is not None:
            continue
        loc = location.get(instance.household_ids[group.household])
        if loc is not None and not within_reach(loc, group):
            wanted[instance.group_kind[g]].add(loc)
    nearest_cache: dict[tuple[int, str], tuple[int, float]] = {}
    for kind, locs in wanted.items():
        locs_sorted = sorted(locs)
        subset = facilities[facilities["kind"] == kind]
        if subset.empty:
            nearest_cache.update({(loc, kind): (-1, float("inf"))
                                  for loc in locs_sorted})
            continue
        points = units.geometry.iloc[[instance.location_units[loc][0]
                                      for loc in locs_sorted]]
        index, walk = nearest_walk(points, subset.geometry,
                                   float(rules["detour_factor"]), metric)
        for loc, i, w in zip(locs_sorted, index, walk):
            nearest_cache[loc, kind] = ((-1, float("inf")) if i < 0
                                        else (int(subset.index[i]), float(w)))

    def nearest(loc: int, kind: str) -> tuple[int, float]:
        return nearest_cache[loc, kind]

    name_of = dict(zip(facilities.index, facilities["name"]))
    capacity_of = dict(zip(facilities.index, facilities["capacity"].astype(int)))
    held_back = _gap_cap_clause(project, problem, solution, location, instance)

    rows = []
    facility_name = facilities["name"].tolist()
    facility_id = facilities["facility_id"].tolist()
    for g, group in enumerate(problem.groups):
        kind = instance.group_kind[g]
        household_id = instance.household_ids[group.household]
        f = solution.group_facility[g]
        label = KIND_LABELS[kind]
        if f is not None:
            walk = problem.reach[solution.group_location[g], f]
            reason = (f"{facility_name[f]}，步行{walk:,.0f} m，在服务半径"
                      f"{catchment[kind]:,.0f} m内")
            rows.extend(_services(scenario, run_id, instance.group_members[g],
                                  household_id, kind, facility_id[f], float(walk),
                                  reason))
            continue
        loc = location.get(household_id)
        if loc is None:
            reason = f"本户尚在轮候，分得住房后再安排{label}"
        else:
            within = within_reach(loc, group)
            if not within:
                ff, walk = nearest(loc, kind)
                if ff < 0:
                    reason = f"本项目没有{label}设施"
                else:
                    free = capacity_of[ff] - used[ff]
                    reason = (f"住房所在{instance.location_label[loc]}步行"
                              f"{catchment[kind]:,.0f} m内没有{label}；最近的是"
                              f"{name_of[ff]}，步行{walk:,.0f} m，"
                              f"尚余{max(free, 0)}个名额")
            else:
                parts = [f"{name_of[ff]}（容量"
                         f"{capacity_of[ff]}，已分配{used[ff]}）"
                         for ff in within]
                room = max(capacity_of[ff] - used[ff]
                           for ff in within)
                capped = held_back(g) if room >= group.persons else None
                if capped:
                    reason = f"服务半径内的{'、'.join(parts)}尚有名额，但{capped}"
                elif room >= group.persons:
                    # Only a solve stopped before its optimum leaves this.
                    reason = (f"服务半径内的{'、'.join(parts)}尚有名额，但本次求解"
                              "未证明最优，未安排；请重新求解")
                elif room > 0:
                    together = (f"本户{group.persons}人需在同一卫生服务机构同时登记"
                                if kind == "clinic" else
                                f"本组{group.persons}人需同校同时安排")
                    reason = (f"服务半径内的{'、'.join(parts)}最多剩余{room}个名额，"
                              f"{together}")
                else:
                    reason = f"服务半径内的{'、'.join(parts)}名额已满"
        rows.extend(_services(scenario, run_id, instance.group_members[g],
                              household_id, kind, None, np.nan, reason))
    return _frame(rows, SERVICE_ROW)


def _gap_cap_clause(project, problem, solution, location, instance
                    ) -> Callable[[int], str | None]:
    """Why the coverage gap cap keeps group ``g`` out of a place it has room
    for: placing it would raise its coverage group's rate so far above
    another group's that the gap passes the planner's cap (the rates as the
    model counts them: people of housed households who need the service, and
    those placed). None when the cap is off or placing the group alone would
    keep within it."""
    cap = problem.coverage_gap_cap
    if cap is None or not problem.coverage_group:
        return lambda g: None
    by = str(project.rules.get("coverage_gap_groups") or "")
    households = project.households.set_index("household_id")
    names: dict[int, str] = {}
    need: dict[tuple[str, int], int] = defaultdict(int)
    got: dict[tuple[str, int], int] = defaultdict(int)
    for g, group in enumerate(problem.groups):
        code = problem.coverage_group[group.household]
        household_id = instance.household_ids[group.household]
        if code < 0 or household_id not in location:
            continue
        if code not in names:
            names[code] = coverage_key(households.loc[household_id], by) or "（未填）"
        kind = instance.group_kind[g]
        need[kind, code] += group.persons
        if solution.group_facility[g] is not None:
            got[kind, code] += group.persons

    def percent(share: float) -> str:
        return f"{100 * share:.1f}".rstrip("0").rstrip(".") + "%"

    def clause(g: int) -> str | None:
        group = problem.groups[g]
        code = problem.coverage_group[group.household]
        kind = instance.group_kind[g]
        if code < 0 or not need.get((kind, code)):
            return None
        rates = {c: got[k, c] / n for (k, c), n in need.items() if k == kind and n}
        rate = (got[kind, code] + group.persons) / need[kind, code]
        others = {c: r for c, r in rates.items() if c != code}
        if not others:
            return None
        lowest = min(others, key=lambda c: (others[c], names[c]))
        gap = rate - min(others[lowest], rate)
        if gap * COVERAGE_SCALE <= cap:
            return None
        label = KIND_LABELS[kind]
        who = "本户" if kind == "clinic" else "本组"
        return (f"安排{who}{group.persons}人后，{names[code]}的{label}覆盖率将升至"
                f"{percent(rate)}，与{names[lowest]}的{percent(others[lowest])}相差"
                f"{percent(gap)[:-1]}个百分点，超过覆盖率差距上限"
                f"{percent(cap / COVERAGE_SCALE)[:-1]}个百分点")

    return clause


def _services(scenario, run_id, member_ids, household_id, kind, facility_id, walk,
              reason):
    """The rows (:data:`SERVICE_ROW`) of a group's members, one place each."""
    return [(scenario, run_id, member_id, household_id, kind, facility_id, walk,
             reason) for member_id in member_ids]


def base_placements(project: Project) -> tuple[dict[str, str | None],
                                                dict[str, frozenset]]:
    """The base's allocation as a solve afresh may change it: the unit of
    every household (None: waiting; a household living in its unit keeps
    it), and each household's school places and clinic registrations as
    (member, kind, facility)."""
    rows = project.allocations[project.allocations["scenario"] == "base"]
    units = {h: (u if isinstance(u, str) else None)
             for h, u in zip(rows["household_id"].tolist(), rows["unit_id"].tolist())}
    services = project.service_assignments[
        project.service_assignments["scenario"] == "base"]
    places: dict[str, set] = {}
    for h, m, k, f in zip(services["household_id"].tolist(),
                          services["member_id"].tolist(), services["kind"].tolist(),
                          services["facility_id"].tolist()):
        places.setdefault(h, set()).add((m, k, f if isinstance(f, str) else None))
    return units, {h: frozenset(p) for h, p in places.items()}


def mark_changed_units(project: Project, before, cause: str = "重新求解",
                       label: str = "重新求解", log: bool = True
                       ) -> list[tuple[str, str | None, str | None, str]]:
    """After a solve of the base afresh: the households whose allocation
    differs from ``before`` (see :func:`base_placements`) as (household,
    unit before, unit now, change): another unit (moved), a unit after
    waiting (allocated), none after one (unhoused), or other school places
    or clinics (service). Their rows of the base's allocation are marked as
    a reallocation marks its changes (``change`` and the reason first), and
    a ledger entry names them, so that their orders can be printed again
    alone (``allocator export --changed``) until a later solve changes any.
    ``cause`` begins each reason (a solve afresh, a promoted scenario) and
    ``label`` follows the change's name; without ``log`` no ledger entry is
    made (a promote's own entry names the households)."""
    from allocator.reallocate import CHANGE_LABELS

    units, places = before
    if not units:
        return []
    now_units, now_places = base_placements(project)
    changed = []
    for household_id, unit in now_units.items():
        if household_id not in units:
            continue  # not in the allocation before (a register update)
        was = units[household_id]
        if was != unit:
            kind = "moved" if was and unit else "allocated" if unit else "unhoused"
        elif places.get(household_id, frozenset()) != now_places.get(
                household_id, frozenset()):
            kind = "service"
        else:
            continue
        changed.append((household_id, was, unit, kind))
    if not changed:
        if not log:
            return []
        project.log("allocate changes", "scenario base",
                    after={"run_id": _base_run_id(project), "changes": {},
                           "households": {}},
                    reason=f"{cause}：无户的分配结果变动")
        return []
    rows = project.allocations
    base = rows["scenario"] == "base"
    at_row = {h: i for i, h in zip(rows.index[base], rows.loc[base, "household_id"])}
    reasons = {}
    taken = {u for u in now_units.values() if u}
    from allocator.locks import lock_reasons

    barred = {pair: f"经规划人员排除（{why}）"
              for pair, why in lock_reasons(project, "forbid").items()}
    marked = {h for h, c in zip(rows.loc[base, "household_id"].tolist(),
                                rows.loc[base, "change"].tolist())
              if isinstance(c, str) and c}
    facility_names = dict(zip(project.facilities["facility_id"].tolist(),
                              project.facilities["name"].tolist()))
    for household_id, was, unit, kind in changed:
        if household_id in marked:
            continue  # marked already, with its own reason (a reallocation)
        gone = barred.get((household_id, was)) or (
            "改分他户" if was in taken else "不再分配")
        why = {"moved": f"{cause}，原分配房屋{was}改为{unit}",
               "allocated": f"{cause}，由轮候改为分配房屋{unit}",
               "unhoused": f"{cause}，原分配房屋{was}{gone}，重新轮候",
               "service": f"{cause}，学位或卫生服务变动："
                          + "；".join(_place_change_texts(
                              facility_names, places.get(household_id, frozenset()),
                              now_places.get(household_id, frozenset())))}[kind]
        i = at_row[household_id]
        reason = rows.at[i, "reason"]
        reasons[household_id] = why
        rows.at[i, "change"] = f"{CHANGE_LABELS[kind]}（{label}）"
        if not (isinstance(reason, str) and reason.startswith(f"变动原因：{why}")):
            rows.at[i, "reason"] = f"变动原因：{why}。" + (
                reason if isinstance(reason, str) else "")
    if not log:
        return changed
    counts: dict[str, int] = {}
    for *_rest, kind in changed:
        counts[kind] = counts.get(kind, 0) + 1
    project.log("allocate changes", "scenario base",
                after={"run_id": _base_run_id(project), "changes": counts,
                       "households": {h: kind for h, _w, _u, kind in changed},
                       "details": {h: {"unit_before": w or None,
                                       "unit_after": u or None,
                                       "reason": reasons.get(h)}
                                   for h, w, u, _kind in changed}},
                reason=f"{cause}：分配结果变动的户")
    return changed


def _place_change_texts(names: dict[str, str], was: frozenset, now: frozenset
                        ) -> list[str]:
    """What changed of one household's school places and clinics, one text
    per member and kind as a reallocation says it (``H1-02小学由无改为第一小学``),
    from its placements before and after (see :func:`base_placements`)."""
    before = {(member, kind): f for member, kind, f in was}
    after = {(member, kind): f for member, kind, f in now}
    order = {kind: i for i, kind in enumerate(KIND_LABELS)}
    texts = []
    for member, kind in sorted(set(before) | set(after),
                               key=lambda pair: (pair[0], order.get(pair[1], 9))):
        old, new = before.get((member, kind)), after.get((member, kind))
        if old != new:
            texts.append(f"{member}{KIND_LABELS.get(kind, kind)}由"
                         f"{names.get(old, old) if old else '无'}改为"
                         f"{names.get(new, new) if new else '无'}")
    return texts


def _base_run_id(project: Project) -> str | None:
    rows = project.allocations[project.allocations["scenario"] == "base"]
    return None if rows.empty else str(rows["run_id"].iloc[0])


def without_partial_allocation(outcome, project: Project | None = None):
    """``outcome`` itself when every objective level has a solution; otherwise
    the same run with no allocation, so that storing it records the run and
    keeps the previous allocation (a solve stopped by a time limit or Ctrl-C
    before its last level is never stored).

    With ``project``: nor does a run with a level the time limit stopped
    before its bound (its quality unknown: CBC stopped in 2 s gives the
    served level its empty start, nobody served) replace an allocation the
    scenario already has; on a first solve it is stored, saying so."""
    import dataclasses

    from allocator.export import unsolved_levels

    if outcome.solution is None:
        return outcome
    unbounded = [lv.name for lv in outcome.result.levels
                 if lv.objective is not None and lv.bound is None
                 and lv.status != Status.OPTIMAL]
    replaces = project is not None and not project.base_allocation(
        outcome.run["scenario"]).empty
    better = (replaces and not unsolved_levels(outcome.run) and not unbounded
              and outcome.run.get("status") != "optimal"
              and _optimal_on_the_same_inputs(project, outcome.run))
    if not unsolved_levels(outcome.run) and not (unbounded and replaces) \
            and not better:
        return outcome
    # The run is recorded as what it was for the project: stopped before its
    # end (Ctrl-C) or cut by the time limit, not "feasible", since nothing of
    # it is stored.
    run = dict(outcome.run)
    if better:
        run["message"] = (
            f"{KEPT_OPTIMAL} (run {better}); this run's, within a gap of "
            f"{gap_percent(run.get('gap'))}, does not replace it")
    elif not unsolved_levels(run):
        run["message"] = (
            f"no bound for level {', '.join(unbounded)} within the time limit: an "
            "allocation of unknown quality does not replace the one stored")
        run["gap"] = None
    if run.get("status") != "cancelled" and not better:
        run["status"] = "timeout"
    return dataclasses.replace(
        outcome, run=run, solution=None, unit_of_household={},
        allocations=outcome.allocations.iloc[0:0],
        service_assignments=outcome.service_assignments.iloc[0:0])


KEPT_OPTIMAL = "the allocation stored was proven optimal on the same data, rules " \
    "and date"
"""How a run's message begins when it did not replace an optimal allocation
(see :func:`kept_optimal`)."""


def kept_optimal(run: dict) -> bool:
    """Whether ``run`` stored nothing because the scenario's allocation was
    proven optimal on the same inputs (nothing lost, nothing to redo)."""
    return str(run.get("message") or "").startswith(KEPT_OPTIMAL)


UNCHANGING_ACTIONS = frozenset({"allocate", "allocate changes", "export", "notice",
                                "petition trial"})
"""Ledger actions that change nothing a solve rests on: another solve's
record and the households it changed (one that replaced the scenario's
allocation is its run, found first), printed orders and notices, a
petition's trial solve."""


def _optimal_on_the_same_inputs(project: Project, run: dict) -> str | None:
    """The run id of the scenario's stored allocation when that run was
    proven optimal for the problem ``run`` solved: on the same reference date
    and day, with no ledger entry since it that changes data, rules, locks
    or exits (any action but :data:`UNCHANGING_ACTIONS`); None otherwise. A
    solve that is not proven optimal can then only be worse (a time-limited
    re-solve moved 388 of 420 households of the sample county to an
    allocation with 0.6 % more walking)."""
    from allocator.export import ExportRefused, _entries_after, latest_run

    try:
        stored = latest_run(project, run["scenario"])
    except ExportRefused:
        return None
    same_day = all(str(stored.get(key)) == str(run.get(key))
                   for key in ("today", "reference_date"))
    if stored.get("status") != "optimal" or not same_day:
        return None
    later = _entries_after(project, stored, tuple(
        set(project.ledger["action"].dropna().astype(str)) - UNCHANGING_ACTIONS))
    if later is None or not later.empty:
        return None
    return str(stored["run_id"])


def store_outcome(project: Project, outcome: AllocationOutcome) -> None:
    """Replace the scenario's allocation in ``project`` and record the run."""
    scenario = outcome.run["scenario"]
    run = {k: v for k, v in outcome.run.items() if k in project.runs.columns}
    project.runs = pd.concat([project.runs, pd.DataFrame([run])], ignore_index=True)
    if outcome.result.status in (Status.OPTIMAL, Status.FEASIBLE, Status.CANCELLED) \
            and not outcome.allocations.empty:
        keep = project.allocations["scenario"] != scenario
        project.allocations = pd.concat(
            [project.allocations[keep], outcome.allocations], ignore_index=True)
        keep = project.service_assignments["scenario"] != scenario
        project.service_assignments = pd.concat(
            [project.service_assignments[keep], outcome.service_assignments],
            ignore_index=True)
    project.households["priority"] = project.households["household_id"].map(
        outcome.instance.priority).fillna(0).astype(int)
    counts = outcome.allocations["kind"].value_counts().to_dict() \
        if not outcome.allocations.empty else {}
    project.log(
        "allocate", f"scenario {scenario}",
        after={"run_id": outcome.run["run_id"], "status": outcome.run["status"],
               "backend": outcome.run["backend"], "seed": outcome.run["seed"],
               "objectives": {k: outcome.run.get(f"objective_{k}")
                              for k in ("housed", "served", "wishes", "village",
                                        "walk")},
               "households": counts},
        reason=f"solve with {outcome.run['backend']}, lottery seed "
               f"{outcome.run['seed']}",
    )
