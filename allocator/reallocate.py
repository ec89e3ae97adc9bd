"""Reallocation: units freed by exits go to the waiting list, nobody else moves.

Who counts as housed: the households living in a unit (``housing_units``)
and those given a unit by the stored allocation of the scenario, whether or
not they have moved in yet. By default each of them keeps its unit, and its
school places and clinic registration are kept too (their places are taken
out of the facilities' capacities before solving). The units freed since the
stored allocation (a household exited, ``households.exited_on``, or left the
register) and the units still vacant go to the waiting households under the
current rules, by the same joint model as a first allocation.

With ``allow_moves`` the households allocated but not yet moved in may be
moved (households living in a unit never are): each keeps a unit of its own,
and a "kept" level right after the housed level makes the fewest moves. A
move therefore happens only when it houses more waiting households (by
priority weight). With ``moves_for_gain`` as well (what ``allocator
reallocate --allow-moves`` does), a "moves" level between the two also moves
a household when what the move gains is worth more than the move penalty
(rule ``move_penalty_m``, in metres of walking like the sibling split):

- a family split by a register update (分户, the ledger's split records) whose
  households were housed at different sites shares one site again: the
  ``family_reunion_m`` rule per pair of households;
- a child whose walk to school is longer than ``school_trip_max_m`` (its
  stored school place, or the nearest school of its level when it has none)
  gets a place within that limit from the new unit: the metres saved, per
  child.

The school places and clinic registrations of a household allocated but
not moved in are kept too while it stays in its unit: with ``allow_moves``
(and in a petition) they take their capacity exactly when the household
stays (:func:`_keep_home_places`), so households that do not move never
trade places; a household that moves is placed again from its new unit.

A household allocated a unit whose size changed since (a register update:
a birth, a death, 分户) may no longer fit that unit's area band
(:func:`outgrown_units`). Keeping the unit would break the area rule, so
the command refuses to start without ``allow_moves``; with it the household
moves to a unit that fits, or waits again, and its change says why
(家庭人口变化，原分配房屋不再适合).

With ``allow_service_changes`` the school places and clinic
registrations of housed households are allocated again with everyone else's.

The result is the whole new allocation of the scenario plus a table of what
changed, each change with its reason (户X退出腾出房屋Y). A household that
moved is placed again from its new unit: its reason lists the school places
and clinic registrations that changed with the move (；学位或卫生服务变动：…).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import logging
import re
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd

from allocator.allocate import (
    AllocationOutcome,
    Instance,
    build_instance,
    solve_project,
)
from allocator.project import Project
from allocator.rules import DEFAULTS, KIND_LABELS, SCHOOL_KINDS, area_band
from gis.distance import metric_crs_for, nearest_walk

logger = logging.getLogger(__name__)

CHANGE_COLUMNS = ["household_id", "change", "unit_before", "unit_after", "reason"]
CHANGE_LABELS = {
    "exited": "退出",
    "allocated": "新分配",
    "moved": "调换住房",
    "unhoused": "失去原分配房屋，重新轮候",
    "service": "学位或卫生服务变动",
    "resized": "家庭人口变化，保留原房屋",
}


PLACES_HEADING = "学位或卫生服务变动："
"""How a change's reason introduces the school places and clinic
registrations that changed with it (alone, or after a move)."""

OUTGROWN_REASON = "家庭人口变化（现{size}人），原分配房屋不再适合"
RULE_CHANGED_REASON = "面积标准调整（{size}人{low}–{high} m²），原分配房屋不再适合"
"""Why a household allocated a unit it no longer fits moves or waits again."""


class ReallocationError(ValueError):
    """A reallocation that cannot start; the message says why and what to do."""


@dataclass
class Outgrown:
    """A household allocated a unit (not moved in) that no longer fits its
    size, after a register update (a birth, a death, 分户)."""

    household_id: str
    name: str  # the head's (户主)
    unit_id: str
    area_m2: float
    size: int
    low: float
    high: float
    # The unit fits the household's size under the rules the allocation was
    # made with: the area rule changed since, not the household.
    by_rule: bool = False

    def text(self) -> str:
        """One line for the planner, in Chinese."""
        return (f"户{self.household_id}（户主{self.name}）现{self.size}人，"
                f"已分配未入住的房屋{self.unit_id}面积{_m2(self.area_m2)} m²，"
                f"不在{self.size}人的面积标准{_m2(self.low)}–{_m2(self.high)} m²内"
                + ("（分配后面积标准已修改）" if self.by_rule else ""))

    def reason(self) -> str:
        if self.by_rule:
            return RULE_CHANGED_REASON.format(size=self.size, low=_m2(self.low),
                                              high=_m2(self.high))
        return OUTGROWN_REASON.format(size=self.size)


def _m2(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


@dataclass
class MoveGains:
    """What a move may gain (see the module docstring), by household id."""

    penalty_m: int
    family_m: int
    trip_limit_m: int
    partners: dict[str, list[str]]
    trips: dict[str, list[tuple[list[str], str, int]]]  # (members, kind, walk now)

    def rules(self) -> dict[str, int]:
        """The rules the gains were weighed with (for the ledger)."""
        return {"move_penalty_m": self.penalty_m, "family_reunion_m": self.family_m,
                "school_trip_max_m": self.trip_limit_m}


@dataclass
class Reallocation:
    """What a reallocation produced, ready to be stored."""

    outcome: AllocationOutcome
    changes: pd.DataFrame
    freed_units: dict[str, str]
    moves_allowed: bool = False
    service_changes_allowed: bool = False
    kept_services: int = 0
    move_gains: MoveGains | None = None

    @property
    def solved(self) -> bool:
        """Every objective level has a solution: only then is it stored (a
        reallocation cut by the time limit or Ctrl-C before its last level
        changes nothing, as a solve does)."""
        from allocator.export import unsolved_levels

        return self.outcome.solution is not None and not unsolved_levels(
            self.outcome.run)


def current_households(project: Project, today: dt.date | None = None
                       ) -> pd.DataFrame:
    """Households still in the programme: no exit date, one after ``today``,
    or still living in their unit (the unit is freed on the exit date)."""
    households = project.households
    if "exited_on" not in households.columns:
        return households
    last = (today or dt.date.max).isoformat()
    units = project.housing_units
    living = set(units.loc[units["status"] == "occupied", "household_id"].tolist())
    # A list, not Series.map: a call per household through pandas cost more.
    exited = pd.Series([isinstance(v, str) and v != "" and v <= last
                        for v in households["exited_on"].tolist()],
                       index=households.index, dtype=bool)
    return households[~exited | households["household_id"].isin(living)]


def previous_allocation(project: Project, scenario: str) -> pd.DataFrame:
    """The stored allocation a reallocation starts from: the scenario's own,
    else the base's; refused when neither exists."""
    rows = project.allocations[project.allocations["scenario"] == scenario]
    if rows.empty and scenario != "base":
        rows = project.allocations[project.allocations["scenario"] == "base"]
    if rows.empty:
        raise ReallocationError(
            f"scenario {scenario!r} has no stored allocation to start from; run "
            "`allocator solve PROJECT` first")
    return rows


def previous_services(project: Project, scenario: str) -> pd.DataFrame:
    rows = project.service_assignments[
        project.service_assignments["scenario"] == scenario]
    if rows.empty and scenario != "base":
        rows = project.service_assignments[
            project.service_assignments["scenario"] == "base"]
    return rows


def freed_units(project: Project, previous: pd.DataFrame,
                today: dt.date | None = None) -> dict[str, str]:
    """Units freed since ``previous``: unit id -> the household that left it."""
    present = set(current_households(project, today)["household_id"].tolist())
    units = project.housing_units
    vacant = set(units.loc[units["status"] == "vacant", "unit_id"].tolist())
    freed: dict[str, str] = {}
    stored = previous.dropna(subset=["unit_id"])
    for household_id, unit_id, kind in zip(stored["household_id"].tolist(),
                                           stored["unit_id"].tolist(),
                                           stored["kind"].tolist()):
        if unit_id not in vacant:
            continue
        if household_id not in present or kind == "existing":
            freed[unit_id] = household_id
    # The exit ledger names the unit; exits reallocated before are not listed.
    listed = set(previous["household_id"].tolist())
    exits = project.exits
    for household_id, unit_id in zip(exits["household_id"].tolist(),
                                     exits["unit_id"].tolist()):
        if household_id in listed and isinstance(unit_id, str) \
                and unit_id in vacant:
            freed.setdefault(unit_id, household_id)
    return freed


def outgrown_units(project: Project, previous: pd.DataFrame,
                   today: dt.date | None = None) -> list[Outgrown]:
    """Households allocated a unit by ``previous`` and not moved in whose unit
    (still vacant) is outside the area band of their size now, in 户号 order.

    Their size changed after the allocation (a register update); keeping the
    unit would break the area rule, so they must move or wait again
    (``allow_moves``) or the scenario be solved again.
    """
    households = current_households(project, today)
    size_of = dict(zip(households["household_id"].tolist(),
                       households["size"].tolist()))
    units = project.housing_units
    vacant = units[units["status"] == "vacant"]
    area_of = dict(zip(vacant["unit_id"].tolist(), vacant["area_m2"].tolist()))
    members = project.members
    heads = members[members["relationship"] == "户主"]
    name_of = dict(zip(members["household_id"].tolist(), members["name"].tolist()))
    name_of |= dict(zip(heads["household_id"].tolist(), heads["name"].tolist()))
    from allocator.export import rules_of_allocation

    scenarios = set(previous["scenario"]) if "scenario" in previous else set()
    made_with = rules_of_allocation(project, next(iter(scenarios))) \
        if len(scenarios) == 1 else None
    found = []
    allocated = previous[previous["kind"] == "allocated"]
    for household_id, unit_id in sorted(zip(allocated["household_id"].tolist(),
                                            allocated["unit_id"].tolist())):
        if household_id not in size_of or unit_id not in area_of:
            continue
        size = int(size_of[household_id])
        low, high = area_band(size, project.rules)
        area = float(area_of[unit_id])
        if not low <= area <= high:
            before = area_band(size, made_with) if made_with else None
            found.append(Outgrown(household_id, str(name_of.get(household_id, "")),
                                  unit_id, area, size, low, high,
                                  by_rule=before is not None
                                  and before[0] <= area <= before[1]))
    return found


def _view(project: Project, previous: pd.DataFrame, fixed: bool, today: dt.date
          ) -> tuple[Project, dict[str, str], list[str]]:
    """The project as the solver sees it: households housed before.

    Returns the view, the unit kept by each household allocated before (not
    moved in), and the households whose allocated unit is no longer vacant.
    With ``fixed`` the allocated households are shown as living in their unit.
    """
    view = copy.copy(project)
    households = current_households(project, today)
    present = set(households["household_id"].tolist())
    view.households = households.reset_index(drop=True)
    view.members = project.members[
        project.members["household_id"].isin(present)].reset_index(drop=True)
    units = project.housing_units.copy()
    status = dict(zip(units["unit_id"].tolist(), units["status"].tolist()))
    kept: dict[str, str] = {}
    lost: list[str] = []
    allocated = previous[previous["kind"] == "allocated"]
    for household_id, unit_id in zip(allocated["household_id"].tolist(),
                                      allocated["unit_id"].tolist()):
        if household_id not in present or not isinstance(unit_id, str):
            continue
        if status.get(unit_id) == "vacant":
            kept[household_id] = unit_id
        else:
            lost.append(household_id)
    if fixed and kept:
        index = units["unit_id"].isin(set(kept.values()))
        owner = {u: h for h, u in kept.items()}
        units.loc[index, "status"] = "occupied"
        units.loc[index, "household_id"] = units.loc[index, "unit_id"].map(owner)
    view.housing_units = units
    living = set(units.loc[units["status"] == "occupied", "household_id"].tolist())
    locks = project.locks
    fixes = locks["kind"] == "fix"
    elsewhere = sorted(
        (h, u, kept[h]) for h, u in zip(locks.loc[fixes, "household_id"].tolist(),
                                        locks.loc[fixes, "unit_id"].tolist())
        if h in kept and kept[h] != u)
    forbids = locks["kind"] == "forbid"
    barred = sorted(
        (h, u) for h, u in zip(locks.loc[forbids, "household_id"].tolist(),
                               locks.loc[forbids, "unit_id"].tolist())
        if kept.get(h) == u)
    owner_of = {u: h for h, u in kept.items()}
    taken = sorted(
        (h, u, owner_of[u]) for h, u in zip(locks.loc[fixes, "household_id"].tolist(),
                                            locks.loc[fixes, "unit_id"].tolist())
        if u in owner_of and owner_of[u] != h and h not in kept)
    if fixed and barred:
        _refuse_kept("; ".join(f"{h} holds {u}, which a lock forbids it"
                               for h, u in barred),
                     "the forbid", "to move it", "remove the forbid",
                     f"{barred[0][0]} --forbid {barred[0][1]}")
    if fixed and taken:
        _refuse_kept("; ".join(f"{h} is fixed to {u}, which {holder} was allocated"
                               for h, u, holder in taken),
                     "the lock", f"(then {taken[0][2]} moves to another unit it "
                     "fits, if there is one)", "remove the lock",
                     f"{taken[0][0]} --unit {taken[0][1]}")
    if fixed and elsewhere:
        _refuse_kept("; ".join(f"{h} holds {home} and is fixed to {u}"
                               for h, u, home in elsewhere),
                     "the lock", "to move it to the fixed unit", "remove the lock",
                     f"{elsewhere[0][0]} --unit {elsewhere[0][1]}")
    # A household kept in its unit (without moves) keeps its lock by staying;
    # with moves, its lock holds it (a petition's settled unit, or another
    # unit the planner fixed for it), like a waiting household's.
    housed = living | (set(kept) if fixed else set())
    view.locks = locks[~(fixes & locks["household_id"].isin(housed))
                       & locks["household_id"].isin(present)]
    return view, kept, lost


def _keep_services(instance: Instance, services: pd.DataFrame
                   ) -> list[tuple[list[str], str, int]]:
    """Take the kept places of housed households out of the problem.

    A group keeps its facility when every member had a place of the same
    kind at the same facility, and the facility is still a candidate within
    reach of where the household lives. Returns (members, kind, facility) kept.
    """
    problem = instance.problem
    if services.empty:
        return []
    placed = services.dropna(subset=["facility_id"])
    facility_of = _facility_of(placed)
    position = {f: i for i, f in enumerate(instance.facility_ids)}
    keep: list[tuple[int, int]] = []  # (group, facility)
    # Groups of a kind share one list of candidates: a set of it, made once
    # per list (by identity; the groups hold the lists while this runs).
    candidates: dict[int, set[int]] = {}
    group_kind, group_members = instance.group_kind, instance.group_members
    for g, group in enumerate(problem.groups):
        loc = problem.household_location[group.household]
        if loc is None:
            continue
        stored = set(map(facility_of.get(group_kind[g], {}).get, group_members[g]))
        if len(stored) != 1 or None in stored:
            continue
        f = position.get(stored.pop())
        if f is None or (loc, f) not in problem.reach:
            continue
        allowed = candidates.get(id(group.facilities))
        if allowed is None:
            allowed = candidates[id(group.facilities)] = set(group.facilities)
        if f not in allowed:
            continue
        if problem.facility_capacity[f] < group.persons:
            continue  # capacity cut below the kept places: place them again
        problem.facility_capacity[f] -= group.persons
        keep.append((g, f))
    kept_groups = {g for g, _f in keep}
    remaining = [g for g in range(len(problem.groups)) if g not in kept_groups]
    problem.groups = [problem.groups[g] for g in remaining]
    kept = [(instance.group_members[g], instance.group_kind[g], f) for g, f in keep]
    instance.group_kind = [instance.group_kind[g] for g in remaining]
    instance.group_members = [instance.group_members[g] for g in remaining]
    return kept


def _facility_of(placed: pd.DataFrame) -> dict[str, dict[str, str]]:
    """The facility of each place: kind -> member -> facility (the last row
    of a member and kind counts)."""
    return {kind: dict(zip(members.tolist(), facilities.tolist()))
            for kind, (members, facilities)
            in _by_kind(placed, placed["facility_id"].to_numpy(dtype=object))}


def _by_kind(services: pd.DataFrame, values: np.ndarray
             ) -> list[tuple[Any, tuple[np.ndarray, np.ndarray]]]:
    """For each kind of ``services`` (in order of first row), the member ids
    of its rows and the matching ``values``, in row order. Per kind, not per
    (member, kind) pair: a tuple per place made the look-ups slower than the
    work they served."""
    members = services["member_id"].to_numpy(dtype=object)
    codes, kinds = pd.factorize(services["kind"].to_numpy(dtype=object),
                                use_na_sentinel=False)
    found = []
    for code, kind in enumerate(kinds.tolist()):
        rows = np.flatnonzero(codes == code)
        found.append((kind, (members[rows], values[rows])))
    return found


def _keep_home_places(instance: Instance, services: pd.DataFrame) -> int:
    """Keep the places of households that may move while they stay home.

    A household allocated before but not moved in (with ``allow_moves``, a
    petition) has a home class instead of a fixed location. Each of its
    groups whose members all had a place at one facility, still a candidate
    within reach of the home, keeps that place while the household stays in
    its home class (``JointProblem.home_places``): without this its places
    were allocated again with the waiting households' and could be swapped
    between neighbours for nothing. A household that moves is placed again
    from its new unit. Kept places are taken only while they fit what the
    capacities leave after the places of households living in their units;
    the rest are placed again. Returns the number of groups that may be kept.
    """
    problem = instance.problem
    if services.empty or not problem.household_home:
        return 0
    placed = services.dropna(subset=["facility_id"])
    facility_of = _facility_of(placed)
    position = {f: i for i, f in enumerate(instance.facility_ids)}
    reserved: dict[int, int] = {}
    places: dict[int, list[tuple[int, int]]] = {}
    for g, group in enumerate(problem.groups):
        home = problem.household_home.get(group.household)
        if home is None or problem.household_location[group.household] is not None:
            continue
        of_kind = facility_of.get(instance.group_kind[g], {})
        stored = {of_kind.get(m) for m in instance.group_members[g]}
        if len(stored) != 1 or None in stored:
            continue
        f = position.get(stored.pop())
        if f is None or f not in group.facilities \
                or (problem.class_location[home], f) not in problem.reach:
            continue
        if reserved.get(f, 0) + group.persons > problem.facility_capacity[f]:
            continue  # capacity cut below the kept places: place them again
        reserved[f] = reserved.get(f, 0) + group.persons
        places.setdefault(group.household, []).append((g, f))
    problem.home_places = places
    return sum(map(len, places.values()))


def _own_classes(instance: Instance, unit_index: dict[str, int],
                 units: dict[str, int]) -> dict[str, int]:
    """Give each listed unit a class of its own; returns unit id -> class."""
    problem = instance.problem
    class_of_unit = {u: c for c, members in enumerate(instance.class_units)
                     for u in members}
    own: dict[str, int] = {}
    # Households of one size and need share one list of classes: extend each
    # list once (extending it once per household repeated the new class in
    # it thousands of times, and the model with it).
    lists = list({id(classes): classes
                  for classes in problem.household_classes}.values())
    for unit_id in units:
        u = unit_index[unit_id]
        c = class_of_unit.get(u)
        if c is None:
            continue
        if len(instance.class_units[c]) == 1:
            own[unit_id] = c
            continue
        instance.class_units[c].remove(u)
        problem.class_capacity[c] -= 1
        new = len(instance.class_units)
        instance.class_units.append([u])
        instance.class_key.append(instance.class_key[c] + (unit_id,))
        problem.class_location.append(problem.class_location[c])
        problem.class_capacity.append(1)
        for name in ("class_site",):  # per-class lists of the planner's levels
            for owner in (instance, problem):
                values = getattr(owner, name, None)
                if values:
                    values.append(values[c])
        for classes in lists:
            if c in classes:
                classes.append(new)
        for wishes in problem.household_wishes:
            if c in wishes:
                wishes[new] = wishes[c]
        problem.forbidden |= {(h, new) for h, cc in problem.forbidden if cc == c}
        own[unit_id] = new
    return own


def _homes(instance: Instance, view: Project, kept: dict[str, str]) -> None:
    """The home of each household allocated before: the class of its unit.

    Units of a class are interchangeable, so a household left in the class
    of its unit keeps that very unit (:func:`allocator.allocate._pick_units`)
    and the others of the class take the rest; the "kept" level counts
    households left in their home class, which is the number whose unit does
    not change. Households with the same home and everything else alike stay
    one type of the aggregated model (a class per kept unit made a type, and
    variables over every class, per household).
    """
    unit_index = {u: i for i, u in enumerate(view.housing_units["unit_id"])}
    class_of_unit = {u: c for c, members in enumerate(instance.class_units)
                     for u in members}
    position = {h: i for i, h in enumerate(instance.household_ids)}
    for household_id, unit_id in kept.items():
        c = class_of_unit.get(unit_index.get(unit_id))
        if c is None or household_id not in position:
            continue
        instance.problem.household_home[position[household_id]] = c
        instance.home_unit[household_id] = unit_index[unit_id]


def family_links(project: Project) -> list[set[str]]:
    """Households of one family: those a register update split (分户).

    Read from the ledger's register-update entries (a split names the
    households it made, a household split off the one it came from); chains
    of splits make one family.
    """
    ledger = project.ledger
    if ledger.empty:
        return []
    parent: dict[str, str] = {}

    def root(household_id: str) -> str:
        while parent.setdefault(household_id, household_id) != household_id:
            household_id = parent[household_id]
        return household_id

    entries = ledger[ledger["action"] == "register update"]
    for obj, after in zip(entries["object"], entries["after"]):
        try:
            record = json.loads(after) if isinstance(after, str) and after else {}
        except ValueError:
            continue
        if not isinstance(record, dict) or record.get("change") not in (
                "split", "split_off"):
            continue
        household_id = str(obj).removeprefix("household ").strip()
        for other in record.get("related") or []:
            parent[root(str(other))] = root(household_id)
    families: dict[str, set[str]] = {}
    for household_id in list(parent):
        families.setdefault(root(household_id), set()).add(household_id)
    return [family for family in families.values() if len(family) >= 2]


def _rule(project: Project, key: str) -> int:
    value = project.rules.get(key, DEFAULTS[key].value)
    return int(round(float(value)))


def _move_gains(project: Project, view: Project, instance: Instance,
                services: pd.DataFrame) -> MoveGains:
    """Put the gains of moves into the problem (households with a home only).

    A pair of a family gains when both were housed before and one of them
    may move: on the classes at the site of the one living in its unit, or
    whenever both (allocated, not moved in) end up at one site. A school
    group of a household that may move is on a long trip when its walk now is
    above the limit and a unit it fits elsewhere has a school of its level
    within the limit (others would only enlarge the model).
    """
    problem = instance.problem
    gains = MoveGains(_rule(project, "move_penalty_m"),
                      _rule(project, "family_reunion_m"),
                      _rule(project, "school_trip_max_m"), {}, {})
    problem.move_gains = True
    problem.move_penalty = gains.penalty_m
    position = {h: i for i, h in enumerate(instance.household_ids)}
    home = problem.household_home
    units = view.housing_units
    living_site = dict(zip(
        units.loc[units["status"] == "occupied", "household_id"],
        units.loc[units["status"] == "occupied", "site_id"]))

    # Only households housed before gain from a family's site. A split-off
    # household still waiting gets no gain: with one, the moves level (after
    # "housed") could house it instead of a waiting household of the same
    # priority that the lottery put ahead of it; a waiting household is
    # housed by priority and lottery alone.
    for family in family_links(project):
        members = sorted(h for h in family if h in position
                         and (position[h] in home or h in living_site))
        for i, first in enumerate(members):
            for second in members[i + 1:]:
                a, b = position[first], position[second]
                if a in home and b in home:
                    problem.family_pairs.append((a, b, gains.family_m))
                elif a in home or b in home:
                    mover, fixed = (a, second) if a in home else (b, first)
                    site = living_site[fixed]
                    own = problem.home_gain.get(mover, {})
                    for c in problem.household_classes[mover]:
                        if instance.class_site[c] == site:
                            own[c] = own.get(c, 0) + gains.family_m
                    if own:
                        problem.home_gain[mover] = own
                else:
                    continue
                gains.partners.setdefault(first, []).append(second)
                gains.partners.setdefault(second, []).append(first)

    placed = services.dropna(subset=["facility_id"])
    walk_of = _walk_of(placed)
    facilities = view.facilities.reset_index(drop=True)
    metric = metric_crs_for(units)
    detour = float(view.rules["detour_factor"])
    limit = gains.trip_limit_m
    nearest: dict[tuple[int, str], float] = {}
    fixable: dict[tuple, bool] = {}
    for g, group in enumerate(problem.groups):
        kind = instance.group_kind[g]
        if kind not in SCHOOL_KINDS or group.household not in home:
            continue
        location = problem.class_location[home[group.household]]
        classes = problem.household_classes[group.household]
        key = (id(classes), location, tuple(group.facilities))
        if key not in fixable:  # some unit it fits has a school within the limit
            fixable[key] = any(
                problem.reach.get((problem.class_location[c], f), limit + 1) <= limit
                for c in classes
                if problem.class_capacity[c] > 0
                and problem.class_location[c] != location
                for f in group.facilities)
        if not fixable[key]:
            continue
        members = instance.group_members[g]
        walks = {walk_of.get((m, kind)) for m in members}
        if len(walks) == 1 and None not in walks:
            walk_now = walks.pop()
        else:  # no place (or places apart): the nearest school of its level
            if (location, kind) not in nearest:
                schools = facilities[facilities["kind"] == kind]
                point = units.geometry.iloc[[instance.location_units[location][0]]]
                found, walk = nearest_walk(point, schools.geometry, detour, metric)
                nearest[location, kind] = float(walk[0]) if found[0] >= 0 \
                    else float("nan")
            walk_now = nearest[location, kind]
        if not walk_now > limit:  # NaN: no school of its level
            continue
        problem.long_trips[g] = (location, int(round(walk_now)), limit)
        gains.trips.setdefault(instance.household_ids[group.household], []).append(
            (members, kind, int(round(walk_now))))
    logger.info("moves for gain: %d family pair(s), %d long school trip(s), "
                "penalty %d m", sum(map(len, gains.partners.values())) // 2,
                len(problem.long_trips), gains.penalty_m)
    return gains


def _walk_of(placed: pd.DataFrame) -> dict[tuple[str, str], float]:
    """The walk in metres to each (member, kind) place."""
    return {(m, k): float(w) for m, k, w in zip(
        placed["member_id"].tolist(), placed["kind"].tolist(),
        placed["distance_m"].tolist())}


def _move_texts(project: Project, gains: MoveGains, before: dict[str, str | None],
                after: dict[str, str | None], services: pd.DataFrame
                ) -> dict[str, str]:
    """What each household that moved gained: a family at one site again, a
    school trip within the limit. Households that moved for neither are left
    out (they moved to house more waiting households)."""
    units = project.housing_units
    site_of_unit = dict(zip(units["unit_id"], units["site_id"]))
    names = dict(zip(project.sites["site_id"], project.sites["name"]))
    living = dict(zip(units.loc[units["status"] == "occupied", "household_id"],
                      units.loc[units["status"] == "occupied", "unit_id"]))

    def site(unit_id):
        return site_of_unit.get(unit_id) if isinstance(unit_id, str) else None

    def site_before(household_id):
        return site(living.get(household_id) or before.get(household_id))

    def site_after(household_id):
        return site(living.get(household_id) or after.get(household_id))

    placed = services.dropna(subset=["facility_id"])
    walk_after = _walk_of(placed)
    texts: dict[str, str] = {}
    for household_id, unit_after in after.items():
        unit_before = before.get(household_id)
        if not isinstance(unit_before, str) or not isinstance(unit_after, str) \
                or unit_before == unit_after:
            continue
        parts = []
        here = site_after(household_id)
        for partner in sorted(gains.partners.get(household_id, [])):
            if site_after(partner) == here and here is not None \
                    and site_before(partner) != site_before(household_id):
                parts.append(f"与分户家庭{partner}同点安置（"
                             f"{names.get(here, here)}）")
        for members, kind, walk_now in gains.trips.get(household_id, []):
            walks = {walk_after.get((m, kind)) for m in members}
            if len(walks) != 1 or None in walks:
                continue
            walk = int(round(walks.pop()))
            if walk <= gains.trip_limit_m:
                parts.append(f"{'、'.join(members)}{KIND_LABELS[kind]}步行距离由"
                             f"{walk_now:,}米缩短到{walk:,}米")
        if parts:
            texts[household_id] = "；".join(parts)
    return texts


def reallocate(
    project: Project,
    *,
    scenario: str = "base",
    today: dt.date | None = None,
    allow_moves: bool = False,
    allow_service_changes: bool = False,
    backend: str = "auto",
    time_limit: float | None = None,
    seed: int | None = None,
    progress: Callable[[str, float | None, float | None, float], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    adjust: Callable[[Project, Instance], None] | None = None,
    release: frozenset[str] = frozenset(),
    move_reason: str = "为其他户的安置或调整让出房源",
    moves_for_gain: bool = False,
    start: str | None = None,
) -> Reallocation:
    """Give freed and vacant units to the waiting list; see the module docstring.

    ``project`` is the data the scenario sees (the base, or a scenario's
    changes applied). ``release`` names households housed before that are put
    back on the waiting list (a petition); ``adjust`` may change the numeric
    problem before solving (a petition forbids units that way).
    ``moves_for_gain`` (with ``allow_moves``) also moves households to
    reunite a family or shorten a long school trip, each move at a penalty.
    ``start`` names the stored allocation to start from (by default the
    scenario's own, else the base's).
    """
    today = today or dt.date.today()
    previous = previous_allocation(project, start or scenario)
    freed = freed_units(project, previous, today)
    view, kept, lost = _view(project, previous, not allow_moves, today)
    outgrown = {o.household_id: o.reason()
                for o in outgrown_units(project, previous, today)
                if o.household_id in kept}
    if release and not allow_moves:
        raise ValueError("releasing households needs allow_moves")
    if moves_for_gain and not allow_moves:
        raise ValueError("moves for gain need allow_moves")
    released = {u: h for u, h in freed.items() if h in release}
    freed = {u: h for u, h in freed.items() if h not in release}
    for household_id in release:
        if household_id in kept:
            released[kept.pop(household_id)] = household_id
    if allow_moves:
        # A household whose allocated unit no longer fits its size is not
        # held to be housed (no unit that fits may be vacant): it is placed
        # again with the waiting list, in a unit that fits or waiting again.
        for household_id in outgrown:
            if household_id in kept:
                released[kept.pop(household_id)] = household_id
    instance = build_instance(view, today)
    services = previous_services(project, start or scenario)
    keep = [] if allow_service_changes else _keep_services(instance, services)
    if adjust is not None:
        adjust(view, instance)
    if allow_moves and kept:
        _homes(instance, view, kept)
        if not allow_service_changes:
            _keep_home_places(instance, services)
    gains = _move_gains(project, view, instance, services) \
        if moves_for_gain and kept else None
    outcome = solve_project(view, scenario=scenario, backend=backend,
                            time_limit=time_limit, today=today, seed=seed,
                            progress=progress, cancel=cancel, instance=instance)
    # The run is a reallocation: its checks judge only the units it gave.
    options = json.loads(outcome.run.get("options_json") or "{}")
    outcome.run["options_json"] = json.dumps(options | {"reallocation": True},
                                             ensure_ascii=False)
    result = Reallocation(outcome, pd.DataFrame(columns=CHANGE_COLUMNS), freed,
                          allow_moves, allow_service_changes, len(keep), gains)
    if outcome.solution is None:
        return result
    stayed = outcome.solution.household_class
    result.kept_services += sum(
        len(places) for h, places in instance.problem.home_places.items()
        if stayed[h] == instance.problem.household_home.get(h))

    # Households kept in their unit keep their rows (kind, reason) as before.
    before = previous.set_index("household_id")
    rows = outcome.allocations.copy()
    same = rows["household_id"].map(kept).eq(rows["unit_id"])
    for column in ("kind", "reason"):
        rows.loc[same, column] = rows.loc[same, "household_id"].map(before[column])
    if keep:
        kept_places: dict[str, set[str]] = {}  # kind -> members
        for members, kind, _f in keep:
            kept_places.setdefault(kind, set()).update(members)
        kinds = services["kind"].to_numpy(dtype=object)
        chosen = np.zeros(len(services), dtype=bool)
        for kind, members in kept_places.items():
            chosen |= (kinds == kind) & services["member_id"].isin(members).to_numpy()
        kept_rows = services[chosen].copy()
        kept_rows["scenario"] = scenario
        kept_rows["run_id"] = outcome.run["run_id"]
        outcome.service_assignments = pd.concat(
            [outcome.service_assignments, kept_rows], ignore_index=True)
    gained = {} if gains is None else _move_texts(
        project, gains, _unit_of(previous), _unit_of(rows),
        outcome.service_assignments)
    # A household moved to the unit the planner fixed for it moved for that;
    # one moved out of a unit the planner has since forbidden it, for that.
    from allocator.locks import lock_reasons

    after = _unit_of(rows)
    for (household_id, unit_id), why in lock_reasons(project, "fix").items():
        if after.get(household_id) == unit_id:
            gained[household_id] = f"按规划人员锁定调换（{why}）"
    before_units = _unit_of(previous)
    for (household_id, unit_id), why in lock_reasons(project, "forbid").items():
        now = after.get(household_id)
        if before_units.get(household_id) == unit_id and isinstance(now, str) \
                and now != unit_id:
            gained[household_id] = f"原分配房屋经规划人员排除（{why}）"
    changes = _changes(project, previous, services, rows, outcome.service_assignments,
                       freed, lost, released, move_reason, gained, outgrown)
    size_of = dict(zip(view.households["household_id"].tolist(),
                       view.households["size"].tolist()))
    changes = _kept_resized(changes, previous, rows, size_of)
    reasons = dict(zip(changes["household_id"].tolist(), changes["reason"].tolist()))
    rows["change"] = rows["household_id"].map(reasons)
    rows["reason"] = [
        f"变动原因：{reasons[h]}。{r}" if h in reasons else r
        for h, r in zip(rows["household_id"].tolist(), rows["reason"].tolist())]
    # A household kept in its unit whose size changed since (a birth, 分户):
    # its reason gives the band of its size now, as its order lists its
    # members now.
    rows["reason"] = [_band_now(r, size_of.get(h), project.rules)
                      for h, r in zip(rows["household_id"].tolist(),
                                      rows["reason"].tolist())]
    outcome.allocations = rows
    result.changes = changes
    return result


_BAND = re.compile(r"面积(?P<area>[\d.]+) m²在本户(?P<size>\d+)人的面积标准"
                   r"(?P<low>[\d.]+)–(?P<high>[\d.]+) m²内")


KEPT_RESIZED = "家庭人口变化（现{size}人），原分配房屋{unit}仍符合面积标准，继续保留"
_KEPT_RESIZED = re.compile(r"家庭人口变化（现\d+人），原分配房屋\S+?仍符合面积标准，"
                           r"继续保留")


def kept_in_unit(change: object) -> bool:
    """Whether a change's reason is of a household that kept its unit (its
    places or its size changed), not of one given a unit."""
    return isinstance(change, str) and (change.startswith(PLACES_HEADING)
                                        or bool(_KEPT_RESIZED.match(change)))


def _kept_resized(changes: pd.DataFrame, previous: pd.DataFrame, rows: pd.DataFrame,
                  size_of: dict[str, int]) -> pd.DataFrame:
    """``changes`` with the households kept in their unit whose size changed
    since it was allocated (a birth, a death, 分户): their order lists the
    members now, so it is printed again with the changed ones. A household
    whose places changed too has both on one line."""
    before_unit = _unit_of(previous)
    before_reason = dict(zip(previous["household_id"].tolist(),
                             previous["reason"].tolist()))
    listed = {h: i for i, h in zip(changes.index, changes["household_id"].tolist())}
    records = []
    for household_id, unit in zip(rows["household_id"].tolist(),
                                  rows["unit_id"].tolist()):
        if not isinstance(unit, str) or before_unit.get(household_id) != unit:
            continue
        reason, size = before_reason.get(household_id), size_of.get(household_id)
        found = _BAND.search(reason) if isinstance(reason, str) else None
        if found is None or size is None or int(found["size"]) == int(size):
            continue
        text = KEPT_RESIZED.format(size=int(size), unit=unit)
        if household_id in listed:  # its places changed as well
            i = listed[household_id]
            changes.at[i, "reason"] = f"{text}；{changes.at[i, 'reason']}"
            changes.at[i, "change"] = "resized"
        else:
            records.append({"household_id": household_id, "change": "resized",
                            "unit_before": unit, "unit_after": unit,
                            "reason": text})
    if not records:
        return changes
    return pd.concat([changes, pd.DataFrame(records, columns=CHANGE_COLUMNS)],
                     ignore_index=True)


def _band_now(reason, size, rules) -> object:
    """``reason`` with its area clause for the household's ``size`` now."""
    if not isinstance(reason, str) or size is None:
        return reason
    found = _BAND.search(reason)
    if found is None or int(found["size"]) == int(size):
        return reason
    low, high = area_band(int(size), rules)
    return (reason[:found.start()] + f"面积{found['area']} m²在本户{int(size)}人的"
            f"面积标准{_m2(low)}–{_m2(high)} m²内" + reason[found.end():])


def _changes(project: Project, previous: pd.DataFrame, services_before: pd.DataFrame,
             rows: pd.DataFrame, services_after: pd.DataFrame,
             freed: dict[str, str], lost: list[str],
             released: dict[str, str] | None = None,
             move_reason: str = "",
             gained: dict[str, str] | None = None,
             outgrown: dict[str, str] | None = None) -> pd.DataFrame:
    """Every household whose allocation differs from ``previous``, with why.

    ``gained`` is what a household's move gained (it replaces
    ``move_reason`` for that household). ``outgrown``: households whose
    allocated unit no longer fits their size, with why (see
    :class:`Outgrown`); it replaces both for them.
    """
    before = _unit_of(previous)
    after = _unit_of(rows)
    released = released or {}
    gained = gained or {}
    outgrown = outgrown or {}
    # A unit the planner forbade its household since it was allocated.
    from allocator.locks import lock_reasons

    barred = {pair: f"原分配房屋经规划人员排除（{why}）"
              for pair, why in lock_reasons(project, "forbid").items()}
    vacated = {unit: h for h, unit in before.items()
               if isinstance(unit, str) and isinstance(after.get(h), str)
               and after[h] != unit}

    def source(unit_id):
        if unit_id in freed:
            return f"户{freed[unit_id]}退出腾出房屋{unit_id}"
        if unit_id in released:
            return f"户{released[unit_id]}调整住房后腾出房屋{unit_id}"
        return None

    kind_after = dict(zip(rows["household_id"].tolist(), rows["kind"].tolist()))
    records = []
    for unit_id, household_id in sorted(freed.items(), key=lambda p: p[1]):
        if household_id not in after:
            records.append({"household_id": household_id, "change": "exited",
                            "unit_before": unit_id, "unit_after": None,
                            "reason": f"户{household_id}退出，腾出房屋{unit_id}"})
    for household_id, unit_after in after.items():
        unit_after = unit_after if isinstance(unit_after, str) else None
        unit_before = before.get(household_id)
        unit_before = unit_before if isinstance(unit_before, str) else None
        if unit_after == unit_before:
            continue
        if unit_before is None:
            why = source(unit_after) or (
                f"户{vacated[unit_after]}调换住房后腾出房屋{unit_after}"
                if unit_after in vacated else f"房屋{unit_after}空置")
            records.append({"household_id": household_id, "change": "allocated",
                            "unit_before": None, "unit_after": unit_after,
                            "reason": f"{why}，分配给轮候户{household_id}"})
        elif unit_after is None:
            why = ("原分配房屋已不可用（非空置）" if household_id in lost
                   else outgrown.get(household_id)
                   or barred.get((household_id, unit_before), "原分配房屋改分他户"))
            records.append({"household_id": household_id, "change": "unhoused",
                            "unit_before": unit_before, "unit_after": None,
                            "reason": f"{why}：{unit_before}，重新轮候"})
        else:
            why = f"（{source(unit_after)}）" if source(unit_after) else ""
            purpose = outgrown.get(household_id) or gained.get(household_id,
                                                              move_reason)
            records.append({"household_id": household_id, "change": "moved",
                            "unit_before": unit_before, "unit_after": unit_after,
                            "reason": f"由房屋{unit_before}调换至{unit_after}{why}"
                            + (f"，{purpose}" if purpose else "")})
    by_household = _place_texts(project, services_before, services_after,
                                kind_after)
    # A household that moved is placed again from its new unit: the places it
    # gains, loses or changes follow its move.
    for record in records:
        texts = by_household.get(record["household_id"])
        if record["change"] == "moved" and texts:
            record["reason"] += f"；{PLACES_HEADING}" + "；".join(texts)
    changed = {r["household_id"] for r in records}
    for household_id, texts in sorted(by_household.items()):
        if household_id in changed or household_id not in after:
            continue
        records.append({"household_id": household_id, "change": "service",
                        "unit_before": before.get(household_id),
                        "unit_after": after.get(household_id),
                        "reason": PLACES_HEADING + "；".join(texts)})
    return pd.DataFrame(records, columns=CHANGE_COLUMNS)


def service_changes(project: Project, services_before: pd.DataFrame,
                    services_after: pd.DataFrame) -> list[dict]:
    """Every school place and clinic registration that differs between two
    service tables, one record per member and kind (``household_id``,
    ``member_id``, ``kind``, ``facility_before``, ``facility_after``, None for
    no place, and ``text``: ``H1-02幼儿园由无改为第一幼儿园``), by member, then
    kindergarten, primary, junior, clinic."""
    def places(services: pd.DataFrame) -> dict[Any, dict[str, str | None]]:
        """kind -> member -> facility (None: no place)."""
        facilities = np.array([f if isinstance(f, str) and f else None
                               for f in services["facility_id"].tolist()],
                              dtype=object)
        return {kind: dict(zip(members.tolist(), values.tolist()))
                for kind, (members, values) in _by_kind(services, facilities)}

    place_before = places(services_before)
    place_after = places(services_after)
    names = dict(zip(project.facilities["facility_id"].tolist(),
                     project.facilities["name"].tolist()))
    member_household = dict(zip(services_after["member_id"].tolist(),
                                services_after["household_id"].tolist()))
    order = {kind: i for i, kind in enumerate(KIND_LABELS)}
    records = []
    for kind, after in place_after.items():
        before = place_before.get(kind, {})
        for member_id, facility in after.items():
            old = before.get(member_id)
            if old == facility:
                continue
            text = (f"{member_id}{KIND_LABELS[kind]}由"
                    f"{names.get(old, old) if old else '无'}改为"
                    f"{names.get(facility, facility) if facility else '无'}")
            records.append({"household_id": member_household[member_id],
                            "member_id": member_id, "kind": kind,
                            "facility_before": old, "facility_after": facility,
                            "text": text})
    # (member, kind) pairs are distinct, so the order does not depend on the
    # order they were found in.
    records.sort(key=lambda r: (r["member_id"], order.get(r["kind"], len(order))))
    return records


def _place_texts(project: Project, services_before: pd.DataFrame,
                 services_after: pd.DataFrame, kind_after: dict[str, str]
                 ) -> dict[str, list[str]]:
    """The texts of :func:`service_changes` by household, households left
    waiting not listed."""
    found: dict[str, list[str]] = {}
    for record in service_changes(project, services_before, services_after):
        if kind_after.get(record["household_id"]) != "waiting":
            found.setdefault(record["household_id"], []).append(record["text"])
    return found


def _unit_of(allocations: pd.DataFrame) -> dict[str, str | None]:
    """The unit of each household of an allocation (NaN or None: no unit)."""
    # Plain lists: iterating a pandas string column costs a call per cell.
    return dict(zip(allocations["household_id"].tolist(),
                    allocations["unit_id"].tolist()))


def store_reallocation(project: Project, reallocation: Reallocation,
                       reason: str = "") -> None:
    """Store the new allocation of the scenario and a ledger entry of what
    changed (counts by kind of change, the households changed and the freed
    units)."""
    from allocator.allocate import store_outcome

    store_outcome(project, reallocation.outcome)
    changes = reallocation.changes
    counts = changes["change"].value_counts().to_dict()
    project.log(
        "reallocate", f"scenario {reallocation.outcome.run['scenario']}",
        after={"run_id": reallocation.outcome.run["run_id"],
               "freed_units": sorted(reallocation.freed_units),
               "changes": counts,
               # who changed, so that `export --changed` can still print
               # them after a later reallocation that changed nothing
               "households": dict(zip(changes["household_id"],
                                      changes["change"])),
               # what each of them got and why, as its order says
               "details": {row.household_id: {"unit_before": _unit(row.unit_before),
                                              "unit_after": _unit(row.unit_after),
                                              "reason": row.reason}
                           for row in changes.itertuples()},
               "moves_allowed": reallocation.moves_allowed,
               "service_changes_allowed": reallocation.service_changes_allowed,
               **({"move_rules": reallocation.move_gains.rules()}
                  if reallocation.move_gains is not None else {})},
        reason=reason or "allocator reallocate")


def _unit(value) -> str | None:
    return value if isinstance(value, str) and value else None


def validation_view(project: Project, today: dt.date | None = None) -> Project:
    """The project without households that have exited, for the validator."""
    view = copy.copy(project)
    view.households = current_households(project, today).reset_index(drop=True)
    present = set(view.households["household_id"])
    view.members = project.members[project.members["household_id"].isin(present)]
    return view


def _refuse_kept(listed: str, what: str, moves: str, remove: str,
                 lock: str) -> None:
    """Refuse a reallocation without moves whose locks ask to move a kept
    household (``listed`` says which); ``lock`` is the lock command's
    household and unit options."""
    raise ReallocationError(
        f"{listed}: a reallocation without moves keeps every household in its "
        f"unit, so {what} cannot be kept; reallocate with --allow-moves "
        f"{moves}, or {remove} (`allocator lock PROJECT --household {lock} "
        "--remove`)")
