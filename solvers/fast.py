"""The fast exact path for the joint model (siblings together, no locks).

It solves the same lexicographic problem as :mod:`solvers.joint` on a smaller
formulation, level by level:

1. **Housed, by min-cost flow.** Level 1 only asks which households get a
   unit of which size, not where: households of one weight, fitting class set
   and service profile form a type t with N_t members, and classes that the
   same fitting sets contain form an area class q with K_q vacant units. The
   level is then a transportation problem (types -> area classes), solved
   exactly by OR-Tools' min-cost flow. Its optimum H* is a proven optimum of
   level 1 of the joint model (the services do not constrain housing).
2. **Served and 3. walking, by a compact MIP.** Households that differ only
   in weight are interchangeable once level 1 is held at H*, so the
   locations are chosen for kinds tau = (fitting set, service profile) only::

       n[t]      households of type t housed                  (level 1)
       v[tau, c] households of kind tau housed in class c
       s[l, k, f] groups of kind k (candidate facilities, size) living at
                  location l that get facility f, for (l, f) in the catchment

       0 <= n[t] <= N_t
       sum_{t in tau} n[t] = sum_c v[tau, c]                (every tau)
       sum_tau v[tau, c] <= capacity[c]
       sum_f s[l, k, f] <= G0[l, k] + sum_tau m[tau, k] sum_{c at l} v[tau, c]
       sum_{l, k} size(k) s[l, k, f] <= cap(f)
       sum_t weight[t] n[t] >= H*

   Every type of a kind fits the same classes, so the area class a type's
   households take needs no variable of its own: v tells it, and the model
   needs one link row per kind (not one per kind and area class, nor a row
   per type), which keeps the LP small.

   with the served and walking objectives of the joint model. Any solution
   of it unfolds into a solution of the joint model with the same three
   objective values, and back, so its optimum is the joint optimum.

   Each level is solved in two steps. **The bound** is the LP relaxation,
   taken on the persons model (a group key per kind of facility, counting
   persons: a fractional group is just its persons, so this LP equals the
   group model's relaxation and is far smaller) by **column generation**: the
   master starts with the counts n, the service columns and the v columns of
   one housing that reaches level 1; after each round the duals price every v
   column left out (a vectorised ``c - A^T y``), the best few of each kind
   come in, columns idle at zero with a poor reduced cost leave a master grown
   past three columns per row, and the master is solved again from its basis
   (on a master of thousands of rows the first rounds of a level run by the
   interior point method instead, whose time hardly depends on how far the
   optimum moves, then one crossover gives the simplex its basis; see
   :func:`_solve_lp`).
   The rounds stop when nothing prices in (the master's LP is the full LP's)
   or the Lagrangian bound (master optimum plus, per class of units, its
   capacity times the best reduced cost left out) is within half the allowed
   gap. **The solution** is first built from the LP: its housing counts
   rounded by a small MIP over the housing alone, then the services placed
   town by town (with the housing fixed, catchments split the services into
   towns that nothing links, and each town's are placed by a small MIP of
   their own, :func:`_services_by_town`); see :func:`_rounded_start`. When
   that misses the gap, the group model's MIP runs on the columns the LP
   took, with the housing counts held between the floor and ceiling of
   their LP values (widened to take in the start); if that misses the gap
   too, the LP is solved to its optimum and the MIP runs again on the
   columns that reduced-cost fixing keeps. In the walking level the LP
   rounded is one asked for a few more people served than the level holds
   (``AHEAD``, as far as half the gap pays for); its solution is taken when
   it keeps the served level (when not within the gap, the MIP after
   reduced-cost fixing starts from it), or when it serves a few people
   fewer but within the served level's gap and its walking within the gap
   of the LP bound with the served level held at that (``HOLD_LOWER``).
   Otherwise a quicker first MIP runs: housing held at that rounding, and the served
   level as a heavy penalty instead of a row (see :func:`_held_as_penalty`),
   taken when it serves as many as the level holds (on counties of many
   towns it may stop a few people short, ``TOWN_SHORTFALL``, and the
   services by town make them up where the housing allows). A level stops
   at a relative gap of at most ``gap`` (0.1 % by default) against the LP
   bound; the gap is then reported, never hidden. A level that the time
   limit stops before its LP gives a bound reports no bound.

What it cannot do: planner locks (fixed or forbidden units), split siblings,
wishes, village groups, reallocation with moves, the coverage gap cap, or
levels in another order than housed, served, walk; :func:`unsupported` says
why, and the product then uses the aggregated or detailed model. Column
generation keeps the master small, but on a large county (20,000 households,
875 buildings; 100,000 households at site points) the duals of the first
rounds are poor, each round's simplex is long, and the LPs take most of the
time (at 100,000 households about 30 s of 46 s); see
``bench/results/county_20000_building.json`` and
``bench/results/county_growth.json``.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from solvers.base import LevelResult, Status, gap_percent
from solvers.joint import JointProblem, JointSolution

logger = logging.getLogger(__name__)

DEFAULT_GAP = 1e-3  # 0.1 %


@dataclass
class FastResult:
    """What the fast path reached, with the unfolded solution."""

    status: Status
    levels: list[LevelResult]
    solution: JointSolution | None
    seconds: float
    size: dict[str, int] = field(default_factory=dict)
    message: str = ""

    @property
    def objectives(self) -> dict[str, float | None]:
        return {level.name: level.objective for level in self.levels}

    @property
    def gap(self) -> float | None:
        gaps = [level.gap for level in self.levels]
        if not gaps or any(g is None for g in gaps):
            return None
        return max(gaps)


def unsupported(problem: JointProblem) -> str | None:
    """Why the fast path cannot solve ``problem`` (None when it can)."""
    if problem.required or problem.forbidden:
        return "planner locks need the aggregated model"
    if any(group.split_set >= 0 for group in problem.groups):
        return "split siblings need the detailed model"
    if getattr(problem, "move_gains", False):
        return "moves for a gain need the aggregated model"
    if getattr(problem, "household_home", None):
        return "a reallocation with moves needs the aggregated model"
    if getattr(problem, "coverage_gap_cap", None) is not None:
        return "the coverage gap cap needs the detailed model"
    if any(getattr(problem, "household_wishes", None) or []):
        return "wishes need the aggregated model"  # TODO(#4): wishes as a flow cost
    if any(v >= 0 for v in getattr(problem, "household_village", None) or []):
        return "village groups need the aggregated model"
    order = [name for name in getattr(problem, "objective_order",
                                      ["housed", "served", "walk"])
             if name in ("housed", "served", "walk")]
    if order != ["housed", "served", "walk"]:
        # Priority-respecting holds in every optimum of "housed" when it is
        # the first level, so it needs no constraint here.
        return "levels in another order need the aggregated model"
    return None


@dataclass
class _Kinds:
    """Households grouped into types (with weight) and kinds (without)."""

    type_members: list[list[int]]
    type_weight: list[int]
    type_kind: list[int]
    kind_fit: list[int]
    kind_groups: list[dict[int, int]]  # group key -> groups per household
    fit_classes: list[np.ndarray]
    group_keys: list[tuple[tuple[int, ...], int]]


def _group_households(problem: JointProblem) -> _Kinds:
    profile: dict[int, list[int]] = defaultdict(list)
    key_index: dict[tuple[tuple[int, ...], int], int] = {}
    for group in problem.groups:
        key = (tuple(group.facilities), group.persons)
        if key not in key_index:
            key_index[key] = len(key_index)
        profile[group.household].append(key_index[key])
    capacity = np.asarray(problem.class_capacity, dtype=np.int64)
    fit_of_list: dict[int, int] = {}
    fit_index: dict[tuple[int, ...], int] = {}
    fit_classes: list[np.ndarray] = []
    type_index: dict[tuple, int] = {}
    kind_index: dict[tuple, int] = {}
    type_members: list[list[int]] = []
    type_weight: list[int] = []
    type_kind: list[int] = []
    kind_fit: list[int] = []
    kind_groups: list[dict[int, int]] = []
    for h, loc in enumerate(problem.household_location):
        if loc is not None:
            continue
        classes = problem.household_classes[h]
        e = fit_of_list.get(id(classes))
        if e is None:
            usable = tuple(sorted(c for c in classes if capacity[c] > 0))
            e = fit_index.setdefault(usable, len(fit_index))
            if e == len(fit_classes):
                fit_classes.append(np.asarray(usable, dtype=np.int64))
            fit_of_list[id(classes)] = e
        prof = tuple(sorted(profile[h]))
        k = kind_index.get((e, prof))
        if k is None:
            k = kind_index[e, prof] = len(kind_fit)
            kind_fit.append(e)
            counts: dict[int, int] = defaultdict(int)
            for g in prof:
                counts[g] += 1
            kind_groups.append(dict(counts))
        t = type_index.get((problem.household_weight[h], k))
        if t is None:
            t = type_index[problem.household_weight[h], k] = len(type_members)
            type_members.append([])
            type_weight.append(int(problem.household_weight[h]))
            type_kind.append(k)
        type_members[t].append(h)
    return _Kinds(type_members, type_weight, type_kind, kind_fit, kind_groups,
                  fit_classes, list(key_index))


def _area_classes(kinds: _Kinds, n_classes: int) -> tuple[np.ndarray, list[list[int]]]:
    """Area class of every class (-1 when no household fits it) and, per
    fitting set, the area classes it contains."""
    signature: list[list[int]] = [[] for _ in range(n_classes)]
    for e, classes in enumerate(kinds.fit_classes):
        for c in classes.tolist():
            signature[c].append(e)
    q_index: dict[tuple[int, ...], int] = {}
    area_class = np.full(n_classes, -1, dtype=np.int64)
    for c, sig in enumerate(signature):
        if sig:
            area_class[c] = q_index.setdefault(tuple(sig), len(q_index))
    fit_q: list[list[int]] = [[] for _ in kinds.fit_classes]
    for sig, q in q_index.items():
        for e in sig:
            fit_q[e].append(q)
    return area_class, fit_q


def housed_by_flow(type_count: list[int], type_weight: list[int],
                   type_areas: list[list[int]], area_capacity: list[int]
                   ) -> tuple[int, dict[tuple[int, int], int]]:
    """Level 1 as a transportation problem, solved by min-cost flow.

    Returns the largest total weight of housed households and one flow
    ``{(type, area class): households}`` that reaches it.
    """
    from ortools.graph.python import min_cost_flow

    flow = min_cost_flow.SimpleMinCostFlow()
    n_types, n_areas = len(type_count), len(area_capacity)
    source, sink = n_types + n_areas, n_types + n_areas + 1
    top = max(type_weight, default=0)
    total = int(sum(type_count))
    arcs = []
    for t in range(n_types):
        flow.add_arc_with_capacity_and_unit_cost(source, t, type_count[t], 0)
        for q in type_areas[t]:
            arc = flow.add_arc_with_capacity_and_unit_cost(
                t, n_types + q, min(type_count[t], area_capacity[q]),
                top - type_weight[t])
            arcs.append((arc, t, q))
    for q in range(n_areas):
        flow.add_arc_with_capacity_and_unit_cost(n_types + q, sink, area_capacity[q],
                                                 0)
    # Households left waiting take the bypass at the cost of the top weight.
    flow.add_arc_with_capacity_and_unit_cost(source, sink, total, top)
    flow.set_node_supply(source, total)
    flow.set_node_supply(sink, -total)
    if total and flow.solve() != flow.OPTIMAL:
        raise RuntimeError("min-cost flow of level 1 did not reach its optimum")
    amounts = {}
    housed = 0
    for arc, t, q in arcs:
        amount = int(flow.flow(arc)) if total else 0
        if amount:
            amounts[t, q] = amount
            housed += amount * type_weight[t]
    return housed, amounts


def solve_fast(problem: JointProblem, *, time_limit: float | None = None,
               gap: float = DEFAULT_GAP, rank: list[int] | None = None,
               threads: int | None = None, progress=None, cancel=None) -> FastResult:
    """Solve ``problem`` by the fast path (see the module docstring).

    ``progress(level, objective, bound, seconds)`` is called as levels and
    LP rounds finish; ``cancel()`` returning true stops the solve (the
    result then holds what was proven before it, status "cancelled").
    """
    import highspy

    start = time.perf_counter()
    reason = unsupported(problem)
    if reason:
        raise ValueError(f"the fast path cannot solve this problem: {reason}")
    kinds = _group_households(problem)
    n_classes = len(problem.class_capacity)
    capacity = np.asarray(problem.class_capacity, dtype=np.int64)
    class_loc = np.asarray(problem.class_location, dtype=np.int64)
    area_class, fit_q = _area_classes(kinds, n_classes)
    n_areas = int(area_class.max(initial=-1)) + 1
    area_capacity = np.bincount(area_class[area_class >= 0],
                                weights=capacity[area_class >= 0],
                                minlength=n_areas).astype(np.int64)
    type_count = [len(m) for m in kinds.type_members]
    type_areas = [fit_q[kinds.kind_fit[kinds.type_kind[t]]]
                  for t in range(len(type_count))]

    # Level 1: exact by min-cost flow.
    t0 = time.perf_counter()
    best_housed, flow = housed_by_flow(type_count, kinds.type_weight, type_areas,
                                       area_capacity.tolist())
    housed_level = LevelResult("housed", "max", float(best_housed),
                               float(best_housed), Status.OPTIMAL,
                               time.perf_counter() - t0)

    inputs = {"type_count": type_count, "type_areas": type_areas, "fit_q": fit_q,
              "area_class": area_class, "area_capacity": area_capacity,
              "capacity": capacity, "class_loc": class_loc, "n_areas": n_areas,
              "best_housed": best_housed}
    relaxed_model = _build(problem, kinds, inputs, people=True)
    group_model = _build(problem, kinds, inputs, people=False)
    size = dict(group_model.size)
    size["lp_variables"] = relaxed_model.size["variables"]
    logger.info("fast path: %s", size)

    stopped = {"cancelled": False}
    interrupt = _callback(cancel, stopped)

    def new_highs():
        highs = _quiet_highs(highspy)
        highs.setOptionValue("output_flag", False)
        highs.setOptionValue("mip_rel_gap", float(gap))
        if threads:
            highs.setOptionValue("threads", int(threads))
        kinds_cb = highspy.cb.HighsCallbackType
        if cancel is not None:
            highs.setCallback(interrupt, None)
            for kind in (kinds_cb.kCallbackSimplexInterrupt,
                         kinds_cb.kCallbackIpmInterrupt,
                         kinds_cb.kCallbackMipInterrupt):
                highs.startCallback(kind)
        return highs

    # Both masters start with every column but the v[tau, c] (the counts n,
    # the service columns s) and the v columns of one housing that reaches
    # level 1; pricing on the LP brings in the other v columns as needed, and
    # the MIP takes those the LP took.
    start_v = _starting_v(kinds, flow, area_class, capacity, relaxed_model.columns)
    lp_master = _Master(new_highs(), highspy, relaxed_model.full,
                        relaxed_model.columns.offset)
    lp_master.kind_starts = relaxed_model.columns.kind_starts
    lp_master.class_of_v = np.asarray([c for _k, c in relaxed_model.columns.placed],
                                      dtype=np.int64)
    lp_master.class_capacity = capacity.astype(float)
    lp_master.add(np.concatenate([np.arange(relaxed_model.columns.offset,
                                            dtype=np.int64), start_v]),
                  np.zeros(relaxed_model.full.n_cols))
    mip_master = _Master(new_highs(), highspy, group_model.full,
                         group_model.columns.offset)
    mip_master.add(np.arange(group_model.columns.offset, dtype=np.int64),
                   np.zeros(group_model.full.n_cols))
    shift = group_model.columns.offset - relaxed_model.columns.offset
    parts = _service_parts(problem, group_model.s_col)
    levels = [housed_level]
    level_cost: dict[str, np.ndarray] = {}
    status = Status.OPTIMAL
    message = ""
    values = None
    for name, sense in (("served", "max"), ("walk", "min")):
        if time_limit is not None and \
                time_limit - (time.perf_counter() - start) <= 0.05:
            status = Status.FEASIBLE if values is not None else Status.TIMEOUT
            message = f"time limit reached before level {name}"
            break
        costs = []
        for built in (relaxed_model, group_model):
            cost = np.zeros(built.full.n_cols)
            cost[built.served_cols] = (built.served_vals if name == "served"
                                       else built.walk_vals)
            costs.append(cost)
        t0 = time.perf_counter()
        if progress is not None:
            progress(name, None, None, t0 - start)
        held = None
        if name == "walk" and mip_master.held:
            # The served level, held, may become a penalty in the walk level's
            # first MIP: one person more served is worth more than the longest
            # walk of one person (plus the MIP's tolerance); the LP it rounds
            # may ask for up to the served level's bound.
            served = np.zeros(group_model.full.n_cols)
            served[group_model.served_cols] = group_model.served_vals
            longest = float(np.max(group_model.walk_vals / group_model.served_vals,
                                   initial=0.0))
            held = (served, longest, abs(levels[-1].bound - levels[-1].objective))
        values_found, bound, proven, model_status = _solve_level(
            lp_master, costs[0], mip_master, costs[1], shift, len(group_model.n_col),
            sense, values, gap, start, time_limit, held,
            (parts, new_highs))
        seconds = time.perf_counter() - t0
        if stopped["cancelled"]:
            levels.append(LevelResult(name, sense, None, None, Status.CANCELLED,
                                      seconds))
            status = Status.CANCELLED
            message = f"cancelled in level {name}"
            break
        if values_found is None and name == "served" and not stopped["cancelled"]:
            # Stopped before a solution of its own (a tight time limit): the
            # flow's housing and the nearest free places, with the LP's
            # bound when it has one.
            values_found = _flow_solution(group_model, kinds, flow, area_class,
                                          capacity, parts)
            logger.info("fast path: level served stopped before a solution "
                        "(%s); the flow's housing and the nearest places "
                        "serve %s", model_status,
                        float(np.dot(costs[1], values_found)))
        found = values_found is not None
        if not found:
            levels.append(LevelResult(name, sense, None, None, Status.TIMEOUT,
                                      seconds))
            status = Status.TIMEOUT if values is None else Status.FEASIBLE
            message = f"level {name} found no solution ({model_status})"
            break
        values = values_found
        level_cost[name] = costs[1]
        objective = float(np.dot(costs[1], values))
        if bound is None:
            # The time limit came before the level's LP gave a bound: the
            # solution is the previous level's, and nothing is proven here.
            level = LevelResult(name, sense, objective, None, Status.FEASIBLE, seconds)
            proven = False
        else:
            if sense == "max":
                bound = max(np.floor(bound + 1e-6), objective)
            else:
                bound = min(np.ceil(bound - 1e-6), objective)
            level = LevelResult(name, sense, objective, float(bound),
                                Status.OPTIMAL if bound == objective
                                else Status.FEASIBLE, seconds)
            proven = level.status == Status.OPTIMAL or proven
        levels.append(level)
        if progress is not None:
            progress(name, objective, level.bound, time.perf_counter() - start)
        logger.info("fast path level %s: %s objective %s bound %s in %.2f s", name,
                    level.status.value, objective, level.bound, seconds)
        if level.status != Status.OPTIMAL:
            status = Status.FEASIBLE
            message = (f"level {name} within a gap of {gap_percent(level.gap)}"
                       if level.bound is not None
                       else f"time limit reached in level {name} before its bound")
        # Hold this level at what was reached before the next one, in both
        # masters (the level's columns, the service columns, are always in).
        inf = highspy.kHighsInf
        for master, cost in ((lp_master, costs[0]), (mip_master, costs[1])):
            idx = np.nonzero(cost)[0]
            master.add_row(objective if sense == "max" else -inf,
                           inf if sense == "max" else objective, idx, cost[idx])
        if not proven:
            if name != "walk" and level.bound is not None:
                message = f"time limit reached in level {name}"
            break

    if values is not None and status != Status.CANCELLED and \
            [level.name for level in levels] == ["housed", "served"]:
        # The time limit came before the walking level (or before the served
        # level's own solution, see _flow_solution): every household has its
        # walk all the same, reported with no bound, as when the limit stops
        # the walking level before its LP; the allocation may then be far
        # from the least walking.
        walk_cost = np.zeros(group_model.full.n_cols)
        walk_cost[group_model.served_cols] = group_model.walk_vals
        level_cost["walk"] = walk_cost
        levels.append(LevelResult("walk", "min", float(np.dot(walk_cost, values)),
                                  None, Status.FEASIBLE, 0.0))
        status = Status.FEASIBLE
        message = "time limit reached before level walk: the walking is not optimised"
    # A later level may reach more of an earlier one than was held (the
    # services by town can serve a person more than the served level held),
    # or a few fewer (see HOLD_LOWER): every level reports what the solution
    # reaches.
    if values is not None:
        for i, level in enumerate(levels):
            if level.name in level_cost and level.objective is not None:
                reached = float(np.dot(level_cost[level.name], values))
                if reached != level.objective:
                    bound = level.bound
                    levels[i] = LevelResult(
                        level.name, level.sense, reached, bound,
                        Status.OPTIMAL if bound == reached else Status.FEASIBLE,
                        level.seconds)
                    if levels[i].status != Status.OPTIMAL and status == Status.OPTIMAL:
                        status = Status.FEASIBLE
                        message = f"level {level.name} within a gap of " \
                                  f"{gap_percent(levels[i].gap)}"
    size["lp_columns_used"] = int(len(lp_master.cols))
    result = FastResult(status, levels, None, time.perf_counter() - start, size,
                        message)
    if values is None:
        return result
    result.solution = _unfold(problem, kinds, values, group_model.n_col,
                              group_model.s_col, group_model.columns, area_class, rank)
    result.seconds = time.perf_counter() - start
    return result


def _quiet_highs(highspy):
    """A HiGHS instance, without the banner it prints on the terminal when it
    is made (a planner's output should hold only the tool's own lines)."""
    import os
    import sys

    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no terminal output to protect
        return highspy.Highs()
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            return highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _callback(cancel, stopped: dict):
    """HiGHS callback: stop a run when ``cancel()`` says so (and note it in
    ``stopped["cancelled"]``)."""

    def interrupt(callback_type, message, data_out, data_in, user_data):
        stop = cancel is not None and bool(cancel())
        if stop:
            stopped["cancelled"] = True
        # HiGHS keeps the flag between callbacks and runs: always set it.
        data_in.user_interrupt = stop

    return interrupt


def _service_keys(problem: JointProblem, kinds: _Kinds, people: bool):
    """Keys of the service columns: (group keys, groups of each key per
    household of each kind, key and count of one group). With ``people`` a
    key is a kind of facility and counts persons."""
    if not people:
        index = {key: i for i, key in enumerate(kinds.group_keys)}
        return (kinds.group_keys, kinds.kind_groups,
                lambda group: (index[tuple(group.facilities), group.persons], 1))
    facility_sets: dict[tuple[int, ...], int] = {}
    for facilities, _persons in kinds.group_keys:
        facility_sets.setdefault(facilities, len(facility_sets))
    keys = [(facilities, 1) for facilities in facility_sets]
    of_key = [facility_sets[facilities] for facilities, _p in kinds.group_keys]
    per_kind = []
    for groups in kinds.kind_groups:
        persons: dict[int, int] = defaultdict(int)
        for key, m in groups.items():
            persons[of_key[key]] += m * kinds.group_keys[key][1]
        per_kind.append(dict(persons))
    return (keys, per_kind,
            lambda group: (facility_sets[tuple(group.facilities)], group.persons))


@dataclass
class _Built:
    """One compact model and the maps to read it."""

    full: "_FullLp"
    n_col: dict[int, int]
    s_col: dict[tuple[int, int, int], int]
    columns: "_VColumns"
    served_cols: np.ndarray
    served_vals: np.ndarray
    walk_vals: np.ndarray
    size: dict[str, int]


def _build(problem: JointProblem, kinds: _Kinds, flow_inputs: dict, people: bool
           ) -> "_Built":
    """The compact model over every column (see the module docstring).

    With ``people`` the service columns count persons, not groups, one key per
    kind of facility: the LP relaxation of the group model (a fractional
    group is its persons), far smaller; the master of column generation.
    """
    import highspy

    type_count = flow_inputs["type_count"]
    type_areas = flow_inputs["type_areas"]
    area_capacity = flow_inputs["area_capacity"]
    capacity = flow_inputs["capacity"]
    class_loc = flow_inputs["class_loc"]
    n_areas = flow_inputs["n_areas"]
    best_housed = flow_inputs["best_housed"]
    n_classes = len(capacity)
    group_keys, kind_groups, key_of = _service_keys(problem, kinds, people)
    # Columns.
    lower: list[np.ndarray] = []
    upper: list[np.ndarray] = []
    entries_row: list[np.ndarray] = []
    entries_col: list[np.ndarray] = []
    entries_val: list[np.ndarray] = []
    row_upper: list[float] = []
    row_lower: list[float] = []
    n_cols = 0

    def new_rows(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        first = len(row_upper)
        row_lower.extend(lo.tolist())
        row_upper.extend(hi.tolist())
        return np.arange(first, first + len(lo))

    def add(rows, cols, vals) -> None:
        entries_row.append(np.asarray(rows, dtype=np.int64))
        entries_col.append(np.asarray(cols, dtype=np.int64))
        entries_val.append(np.asarray(vals, dtype=float))

    inf = highspy.kHighsInf
    # n[t]: every type of a kind fits the same classes, so which area class
    # its households take is told by the v columns alone.
    n_col: dict[int, int] = {}
    weight_cols, weight_vals = [], []
    n_kinds = len(kinds.kind_fit)
    link_rows = new_rows(np.zeros(n_kinds), np.zeros(n_kinds))
    n_upper = []
    for t, count in enumerate(type_count):
        n_col[t] = n_cols
        n_upper.append(min(count, int(sum(area_capacity[q] for q in type_areas[t]))))
        add([link_rows[kinds.type_kind[t]]], [n_cols], [1.0])
        weight_cols.append(n_cols)
        weight_vals.append(float(kinds.type_weight[t]))
        n_cols += 1
    lower.append(np.zeros(len(n_upper)))
    upper.append(np.asarray(n_upper, dtype=float))

    # s[l, key, f] with the rows that bound them.
    kind_count = np.zeros(n_kinds, dtype=np.int64)
    for t, count in enumerate(type_count):
        kind_count[kinds.type_kind[t]] += count
    fixed_groups: dict[tuple[int, int], int] = defaultdict(int)
    for group in problem.groups:
        loc = problem.household_location[group.household]
        if loc is not None:
            key, count = key_of(group)
            fixed_groups[loc, key] += count
    n_locations = int(max(class_loc.max(initial=-1),
                          max((loc for loc, _ in fixed_groups), default=-1)) + 1)
    # Most groups of each key that can live at each location.
    most = np.zeros((n_locations, len(group_keys)), dtype=np.int64)
    for (loc, key), count in fixed_groups.items():
        most[loc, key] += count
    kind_class_upper: list[np.ndarray] = []
    for k in range(n_kinds):
        classes = kinds.fit_classes[kinds.kind_fit[k]]
        ub = np.minimum(capacity[classes], kind_count[k])
        kind_class_upper.append(ub)
        for key, m in kind_groups[k].items():
            np.add.at(most[:, key], class_loc[classes], m * ub)
    reach_by_loc: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for (loc, f), walk in problem.reach.items():
        reach_by_loc[loc].append((f, walk))
    group_row = np.full((n_locations, len(group_keys)), -1, dtype=np.int64)
    s_col: dict[tuple[int, int, int], int] = {}
    s_upper, served_cols, served_vals, walk_vals = [], [], [], []
    facility_terms: dict[int, tuple[list[int], list[float]]] = defaultdict(
        lambda: ([], []))
    key_facilities = [set(key[0]) for key in group_keys]
    for loc, key in zip(*np.nonzero(most)):
        loc, key = int(loc), int(key)
        persons = group_keys[key][1]
        targets = [(f, w) for f, w in reach_by_loc.get(loc, [])
                   if f in key_facilities[key]]
        if not targets:
            continue
        row = new_rows(np.array([-inf]), np.array([float(fixed_groups.get(
            (loc, key), 0))]))[0]
        group_row[loc, key] = row
        for f, walk in targets:
            s_col[loc, key, f] = n_cols
            s_upper.append(int(most[loc, key]))
            add([row], [n_cols], [1.0])
            facility_terms[f][0].append(n_cols)
            facility_terms[f][1].append(float(persons))
            served_cols.append(n_cols)
            served_vals.append(float(persons))
            walk_vals.append(float(persons * int(round(walk))))
            n_cols += 1
    lower.append(np.zeros(len(s_upper)))
    upper.append(np.asarray(s_upper, dtype=float))
    for f, (cols, persons) in facility_terms.items():
        row = new_rows(np.array([-inf]),
                       np.array([float(problem.facility_capacity[f])]))
        add(np.full(len(cols), row[0]), cols, persons)

    # v[tau, c] for every kind and fitting class (vectorised by kind).
    class_rows = new_rows(np.full(n_classes, -inf), capacity.astype(float))
    columns = _VColumns(kinds, class_loc)
    columns.offset = n_cols
    for k in range(n_kinds):
        classes = kinds.fit_classes[kinds.kind_fit[k]]
        cols = n_cols + np.arange(len(classes))
        n_cols += len(classes)
        columns.placed.extend((k, c) for c in classes.tolist())
        lower.append(np.zeros(len(classes)))
        upper.append(kind_class_upper[k].astype(float))
        add(class_rows[classes], cols, np.ones(len(classes)))
        add(np.full(len(classes), link_rows[k]), cols, -np.ones(len(classes)))
        for key, m in kind_groups[k].items():
            rows = group_row[class_loc[classes], key]
            keep = rows >= 0
            add(rows[keep], cols[keep], np.full(int(keep.sum()), -float(m)))

    # The level-1 row, held at its optimum.
    housed_row = new_rows(np.array([float(best_housed)]), np.array([inf]))[0]
    add(np.full(len(weight_cols), housed_row), weight_cols, weight_vals)

    rows = np.concatenate(entries_row)
    cols = np.concatenate(entries_col)
    vals = np.concatenate(entries_val)
    order = np.lexsort((rows, cols))
    rows, cols, vals = rows[order], cols[order], vals[order]
    full = _FullLp(
        lower=np.concatenate(lower), upper=np.concatenate(upper),
        starts=np.searchsorted(cols, np.arange(n_cols + 1)),
        index=rows, value=vals,
        row_lower=np.asarray(row_lower, dtype=float),
        row_upper=np.asarray(row_upper, dtype=float))
    size = {"variables": n_cols, "constraints": len(row_upper),
            "nonzeros": int(len(vals)), "types": len(type_count),
            "kinds": n_kinds, "area_classes": n_areas}
    return _Built(full, n_col, s_col, columns, np.asarray(served_cols, dtype=np.int64),
                  np.asarray(served_vals), np.asarray(walk_vals), size)



def _starting_v(kinds: _Kinds, flow: dict[tuple[int, int], int],
                area_class: np.ndarray,
                capacity: np.ndarray, columns: "_VColumns") -> np.ndarray:
    """The v columns of one housing that reaches level 1 (see
    :func:`_flow_housing`): their indices in the full model."""
    return np.unique(_flow_housing(kinds, flow, area_class, capacity, columns)[0])


def _flow_housing(kinds: _Kinds, flow: dict[tuple[int, int], int],
                  area_class: np.ndarray, capacity: np.ndarray,
                  columns: "_VColumns") -> tuple[np.ndarray, np.ndarray]:
    """One housing that reaches level 1: the flow's households of each type
    and area class put into that area class's classes in turn (every kind
    that fits an area class fits each of its classes). Returns the v
    columns (indices in the full model, a column once per type put there)
    and how many households each takes."""
    first: dict[int, int] = {}
    position: dict[int, dict[int, int]] = {}
    for i, (k, c) in enumerate(columns.placed):
        if k not in first:
            first[k] = i
            position[k] = {}
        position[k][c] = i
    members: dict[int, list[int]] = defaultdict(list)
    for c in np.flatnonzero(area_class >= 0).tolist():
        members[int(area_class[c])].append(c)
    left = capacity.astype(np.int64).copy()
    chosen: list[int] = []
    taken: list[int] = []
    for (t, q), amount in sorted(flow.items()):
        k = kinds.type_kind[t]
        for c in members[q]:
            if amount <= 0:
                break
            if left[c] <= 0 or c not in position[k]:
                continue
            take = min(amount, int(left[c]))
            left[c] -= take
            amount -= take
            chosen.append(columns.offset + position[k][c])
            taken.append(take)
    return np.asarray(chosen, dtype=np.int64), np.asarray(taken, dtype=np.int64)


def _flow_solution(built: "_Built", kinds: _Kinds, flow: dict[tuple[int, int], int],
                   area_class: np.ndarray, capacity: np.ndarray,
                   parts: list[np.ndarray]) -> np.ndarray:
    """A solution of the group model with no LP or MIP: level 1's housing by
    the flow (:func:`_flow_housing`), and every town's services placed
    nearest first (:func:`_nearest_first`). What the served level falls back
    on when the time limit stops it before a solution of its own."""
    full = built.full
    values = np.zeros(full.n_cols)
    for (t, _q), amount in flow.items():
        values[built.n_col[t]] += amount
    cols, taken = _flow_housing(kinds, flow, area_class, capacity, built.columns)
    np.add.at(values, cols, taken)
    lengths = np.diff(full.starts)
    activity = np.bincount(full.index, weights=full.value * np.repeat(values, lengths),
                           minlength=len(full.row_lower))
    room = full.row_upper - activity
    per_person = np.zeros(full.n_cols)
    per_person[built.served_cols] = built.walk_vals / built.served_vals
    for town in parts:
        values[town] = _nearest_first(full, town, room, per_person[town])
    return np.rint(values).astype(np.int64)


class _VColumns:
    """Which (kind, class) each column v[tau, c] stands for."""

    def __init__(self, kinds, class_loc):
        self.kinds = kinds
        self.class_loc = class_loc
        self.placed: list[tuple[int, int]] = []
        self.offset = 0

    @property
    def kind_starts(self) -> np.ndarray:
        """Position (from the offset) of each kind's first v column."""
        kinds = np.asarray([k for k, _c in self.placed], dtype=np.int64)
        return np.searchsorted(kinds, np.arange(int(kinds.max(initial=-1)) + 1))


@dataclass
class _FullLp:
    """Every column of the compact model, column-wise (CSC)."""

    lower: np.ndarray
    upper: np.ndarray
    starts: np.ndarray
    index: np.ndarray
    value: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray

    @property
    def n_cols(self) -> int:
        return len(self.lower)

    def column_entries(self, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray,
                                                        np.ndarray]:
        """Starts, row indices and values of the sub-matrix of ``cols``."""
        lengths = self.starts[cols + 1] - self.starts[cols]
        sub_starts = np.concatenate([[0], np.cumsum(lengths)])
        at = np.repeat(self.starts[cols] - sub_starts[:-1], lengths) + np.arange(
            int(sub_starts[-1]))
        return sub_starts[:-1], self.index[at], self.value[at]

    def reduced_costs(self, cost: np.ndarray, row_dual: np.ndarray) -> np.ndarray:
        """cost - A^T y over every column (rows beyond the model's own, the
        held levels, touch only columns the master always has)."""
        y = np.zeros(len(self.row_lower))
        y[:] = row_dual[:len(self.row_lower)]
        products = self.value * y[self.index]
        lengths = np.diff(self.starts)
        sums = np.zeros(self.n_cols)
        nonempty = lengths > 0
        sums[nonempty] = np.add.reduceat(products, self.starts[:-1][nonempty])
        return cost - sums


class _Master:
    """The restricted model: the columns of the full model taken so far.

    Pricing (column generation) proves its LP optimum is the full model's:
    no column left out has a reduced cost that would improve the objective.
    """

    def __init__(self, highs, highspy, full: _FullLp, v_offset: int):
        self.v_offset = v_offset
        self.kind_starts: np.ndarray | None = None
        self.class_of_v: np.ndarray | None = None
        self.class_capacity: np.ndarray | None = None
        self.highs = highs
        self.highspy = highspy
        self.full = full
        self.cols = np.zeros(0, dtype=np.int64)
        self.position = np.full(full.n_cols, -1, dtype=np.int64)
        self.held: list[tuple[int, float, float]] = []  # rows of held levels
        lp = highspy.HighsLp()
        lp.num_col_ = 0
        lp.num_row_ = len(full.row_lower)
        lp.row_lower_ = full.row_lower
        lp.row_upper_ = full.row_upper
        highs.passModel(lp)

    def add(self, cols: np.ndarray, cost: np.ndarray) -> None:
        cols = np.asarray(cols, dtype=np.int64)
        cols = cols[self.position[cols] < 0]
        if not len(cols):
            return
        starts, index, value = self.full.column_entries(cols)
        self.highs.addCols(len(cols), cost[cols].astype(float),
                           self.full.lower[cols].astype(float),
                           self.full.upper[cols].astype(float), len(index),
                           starts.astype(np.int32), index.astype(np.int32),
                           value.astype(float))
        self.position[cols] = np.arange(len(self.cols), len(self.cols) + len(cols))
        self.cols = np.concatenate([self.cols, cols])

    def purge(self, positions: np.ndarray) -> None:
        """Take the columns at these positions (in the master) out of it."""
        positions = np.unique(np.asarray(positions, dtype=np.int64))
        if not len(positions):
            return
        self.highs.deleteCols(len(positions), positions.astype(np.int32))
        keep = np.ones(len(self.cols), dtype=bool)
        keep[positions] = False
        self.position[self.cols[~keep]] = -1
        self.cols = self.cols[keep]
        self.position[self.cols] = np.arange(len(self.cols))

    def unpromising(self, values: np.ndarray, better: np.ndarray,
                    basis: bool = True) -> np.ndarray:
        """Positions of the v columns to take out of a master grown past
        ``PURGE_FACTOR`` columns per row: nonbasic at zero (without a
        ``basis``, an interior point's, at most 1e-6), and in the less
        promising half of those by reduced cost (empty otherwise)."""
        if len(self.cols) <= PURGE_FACTOR * len(self.full.row_lower):
            return np.zeros(0, dtype=np.int64)
        is_v = self.cols >= self.v_offset
        if basis:
            basic = int(self.highspy.HighsBasisStatus.kBasic)
            status = np.fromiter((int(s) for s in self.highs.getBasis().col_status),
                                 dtype=np.int64, count=len(self.cols))
            idle = is_v & (values[:len(self.cols)] <= 1e-9) & (status != basic)
        else:
            idle = is_v & (values[:len(self.cols)] <= 1e-6)
        if not idle.any():
            return np.zeros(0, dtype=np.int64)
        worth = better[self.cols]
        cut = min(float(np.median(worth[idle])), -1e-7)
        return np.flatnonzero(idle & (worth < cut))

    def add_row(self, low: float, high: float, cols: np.ndarray,
                coefs: np.ndarray) -> None:
        at = self.position[cols]
        if np.any(at < 0):
            raise RuntimeError("a held level refers to a column not in the master")
        self.highs.addRow(float(low), float(high), len(at), at.astype(np.int32),
                          np.asarray(coefs, dtype=float))
        self.held.append((self.highs.getNumRow() - 1, float(low), float(high)))

    def hold_last_from(self, low: float) -> None:
        """Move the lower bound of the last held level's row to ``low``."""
        row, _low, high = self.held[-1]
        self.highs.changeRowBounds(row, float(low), high)
        self.held[-1] = (row, float(low), high)

    def left_out_bound(self, candidates: np.ndarray, better: np.ndarray) -> float:
        """Most the left-out columns can add to the objective at these duals:
        per class of units, its capacity times its best reduced cost; other
        columns, their upper bound times theirs."""
        if not len(candidates):
            return 0.0
        gain = better[candidates]
        is_v = candidates >= self.v_offset
        total = float(np.dot(gain[~is_v], self.full.upper[candidates[~is_v]]))
        if self.class_of_v is not None and np.any(is_v):
            classes = self.class_of_v[candidates[is_v] - self.v_offset]
            best = np.zeros(len(self.class_capacity))
            np.maximum.at(best, classes, gain[is_v])
            total += float(np.dot(best, self.class_capacity))
        else:
            total += float(np.dot(gain[is_v], self.full.upper[candidates[is_v]]))
        return total

    def kind_of_column(self, cols: np.ndarray) -> np.ndarray:
        """Kind of household of each v column (-1 for other columns)."""
        kind = np.full(len(cols), -1, dtype=np.int64)
        if self.kind_starts is not None:
            is_v = cols >= self.v_offset
            kind[is_v] = np.searchsorted(self.kind_starts, cols[is_v] - self.v_offset,
                                         side="right") - 1
        return kind

    def set_cost(self, cost: np.ndarray) -> None:
        n = len(self.cols)
        self.highs.changeColsCost(n, np.arange(n, dtype=np.int32),
                                  cost[self.cols].astype(float))

    def set_integrality(self, integer: bool) -> None:
        kind = (self.highspy.HighsVarType.kInteger if integer
                else self.highspy.HighsVarType.kContinuous)
        n = len(self.cols)
        self.highs.changeColsIntegrality(n, np.arange(n, dtype=np.int32),
                                         np.full(n, kind))

    def full_values(self, model_values) -> np.ndarray:
        values = np.zeros(self.full.n_cols, dtype=np.int64)
        values[self.cols] = np.rint(np.asarray(model_values)[:len(self.cols)])
        return values


PURGE_FACTOR = 3
"""Column generation takes idle columns out of a master that holds more
than this many columns per row (see :meth:`_Master.unpromising`)."""

PRICING_PER_KIND = 8
"""Columns priced in per kind of household and round of column generation."""

PRICING_PER_CLASS = 2
"""Columns priced in per class of units and round, besides those per kind.
The best columns of each kind tend to be the same few classes (the buildings
nearest free school and clinic places), so with the kinds' best only, the
other classes come in a few per round: on a 20,000-household county of 875
buildings the served level took 50 rounds (22 s) and the walking level 14
(14 s); with the best two of each class as well, 9 (18 s) and 4 (9 s)."""


def _best_per_kind(candidates: np.ndarray, better: np.ndarray,
                   master: "_Master") -> np.ndarray:
    """The most improving candidates of each kind (v columns of one kind are
    contiguous) and of each class of units, plus every candidate that is not
    a v column."""
    kind = master.kind_of_column(candidates)
    chosen = candidates[kind < 0]
    picked = [chosen, _best_of_each(candidates[kind >= 0], kind[kind >= 0], better,
                                    PRICING_PER_KIND)]
    if master.class_of_v is not None and PRICING_PER_CLASS:
        v = candidates[kind >= 0]
        picked.append(_best_of_each(v, master.class_of_v[v - master.v_offset], better,
                                    PRICING_PER_CLASS))
    return np.unique(np.concatenate(picked))


def _best_of_each(cols: np.ndarray, label: np.ndarray, better: np.ndarray,
                  how_many: int) -> np.ndarray:
    """The ``how_many`` columns of each label with the best ``better``."""
    order = np.lexsort((-better[cols], label))
    ranked, labels = cols[order], label[order]
    first = np.searchsorted(labels, labels, side="left")
    return ranked[(np.arange(len(ranked)) - first) < how_many]


INTERIOR_ROWS = 3000
"""Masters of fewer rows solve every round by the simplex (see
:func:`_solve_lp`): at 5,000 households the interior point method's rounds
made the served level's LP slower (0.43 s against 0.24 s), at 20,000 (1,979
rows) about as fast; at 100,000 (8,979 rows) they take the LP from 54.5 s to
24 s."""

INTERIOR_GAP = 0.01
"""Interior point rounds stop when the bound is this close (relative)."""

INTERIOR_STALL = 1e-5
"""... or when a round gains less than this (relative) on the one before."""

INTERIOR_ROUNDS = 10
"""... or after this many rounds."""


def _stopped(highspy) -> tuple:
    """Statuses that end an LP for good (the limit or the planner)."""
    status = highspy.HighsModelStatus
    return (status.kTimeLimit, status.kInterrupt, status.kIterationLimit)


def _run_round(highs, phase: str) -> None:
    """Solve the master by the simplex, or by the interior point method with
    (``"cross"``) or without (``"central"``) the crossover to a basis."""
    if phase == "simplex":
        highs.setOptionValue("solver", "simplex")
    else:
        highs.setOptionValue("solver", "ipx")
        highs.setOptionValue("run_crossover", "on" if phase == "cross" else "off")
    highs.run()


LP_GAP_SHARE = 0.5
"""Share of the allowed gap that column generation may leave between the
master's LP and the bound of the full LP (the MIP gets the rest)."""


MIP_SHARE = 0.3
"""Share of the time left at the start of a level kept for its MIP: column
generation stops there with the bound it has, so a time-limited solve still
ends with a solution and its gap."""


def _solve_lp(master: _Master, cost: np.ndarray, sense: str, deadline,
              gap: float, stop_at: float | None = None,
              interior: str | None = None) -> tuple:
    """The LP relaxation of the full model by column generation on the master.

    After each round the master's duals give a bound on the full LP (the
    Lagrangian bound): for any solution, ``c x <= y b + d x``, and the columns
    left out of one class of units hold at most its capacity, so the full LP
    is at most the master's optimum plus, per class, its capacity times the
    best reduced cost left out. Rounds stop when no column prices in (the
    master's optimum is the full LP's) or the bound is within ``gap``.

    On a master of at least ``INTERIOR_ROWS`` rows, ``interior`` has some
    rounds solved by the interior point method, whose time grows with the
    master's size but hardly with how far its optimum moves (a warm-started
    simplex takes 10 to 15 s for a round of 100,000 households that moves
    far, the interior point method 3 s): with ``"early"`` (a level's first
    LP) the rounds after the first, while the bound is more than
    ``INTERIOR_GAP`` away and the master still gains, stop short of a
    basis (``"central"``), and one with the crossover to a basis follows
    (``"cross"``); with ``"first"`` (a level that starts from another
    level's master) the first round runs with the crossover. The simplex,
    warm from that basis, does the rest, and only its rounds may end the
    LP, so the bound and the values returned are always a basis's. A round
    the interior point method does not finish runs again by the simplex.

    Returns (status, bound, master's LP values over the full model, and,
    when the LP is solved exactly, what one unit of each column left out
    would cost the objective at its duals; None otherwise).
    """
    highs, highspy = master.highs, master.highspy
    master.set_integrality(False)
    master.set_cost(cost)
    highs.changeObjectiveSense(highspy.ObjSense.kMaximize if sense == "max"
                               else highspy.ObjSense.kMinimize)
    if len(master.full.row_lower) < INTERIOR_ROWS:
        interior = None
    phase = "cross" if interior == "first" else "simplex"
    central_rounds, last_gain = 0, -np.inf
    rounds = 0
    while True:
        if deadline is not None:
            left = deadline - time.perf_counter()
            if left <= 0.05:
                return highspy.HighsModelStatus.kTimeLimit, None, None, None
            _time_limit(highs, left, False)
        clock = time.perf_counter()
        _run_round(highs, phase)
        status = highs.getModelStatus()
        if phase != "simplex" and status not in _stopped(highspy) and \
                status != highspy.HighsModelStatus.kOptimal:
            logger.info("fast path: the interior point method ended a round "
                        "%s; the simplex solves it", status)
            phase = "simplex"
            _run_round(highs, phase)
            status = highs.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            return status, None, None, None
        solution = highs.getSolution()
        objective = float(highs.getInfo().objective_function_value)
        reduced = master.full.reduced_costs(cost, np.asarray(solution.row_dual))
        better = reduced if sense == "max" else -reduced
        idle = master.unpromising(np.asarray(solution.col_value), better,
                                  basis=phase != "central")
        better[master.cols] = 0.0
        candidates = np.flatnonzero(better > 1e-7)
        slack = master.left_out_bound(candidates, better)
        bound = objective + slack if sense == "max" else objective - slack
        rounds += 1
        logger.info("fast path pricing round %d (%s): LP %.2f s, %d columns, "
                    "%d price in, master %.1f, bound %.1f", rounds, phase,
                    time.perf_counter() - clock, len(master.cols), len(candidates),
                    objective, bound)
        if phase == "central":
            # Interior duals price well but bound poorly, and the values are
            # not a basis's: these rounds only bring columns in.
            central_rounds += 1
            gain = objective if sense == "max" else -objective
            scale = max(abs(objective), 1.0)
            if slack <= INTERIOR_GAP * scale or central_rounds >= INTERIOR_ROUNDS \
                    or gain - last_gain <= INTERIOR_STALL * scale:
                phase = "cross"
            last_gain = gain
            if len(candidates):
                master.purge(idle)
                master.add(_best_per_kind(candidates, better, master), cost)
            continue
        if phase == "cross":
            phase = "simplex"
        elif interior == "early" and rounds == 1:
            phase = "central"
        late = stop_at is not None and time.perf_counter() >= stop_at
        if late:
            logger.info("fast path: column generation stopped for the MIP's time")
        if late or not len(candidates) or slack <= gap * max(abs(objective), 1.0):
            relaxed = np.zeros(master.full.n_cols)
            relaxed[master.cols] = np.asarray(solution.col_value)
            # What one unit of each column left out costs (at the LP
            # optimum, when nothing prices in).
            loss = None
            if not len(candidates):
                loss = -(reduced if sense == "max" else -reduced)
                loss[master.cols] = np.inf
            return status, bound, relaxed, loss
        # Keep the master small: columns that sit at zero with a reduced cost
        # well on the wrong side leave it (pricing brings them back if the
        # duals come to favour them); on a 20,000-household county of 875
        # buildings the master otherwise grows to 79,000 columns and each
        # round's LP takes 10 s.
        master.purge(idle)
        master.add(_best_per_kind(candidates, better, master), cost)
        # The basis stays primal feasible when columns are added.
        highs.setOptionValue("simplex_strategy", 4)


def _solve_level(lp_master: _Master, lp_cost: np.ndarray, mip_master: _Master,
                 mip_cost: np.ndarray, shift: int, n_counts: int, sense: str,
                 previous, gap, start, time_limit, held=None, towns=None):
    """One level: its LP relaxation over every column (the bound, by column
    generation on the persons model), then the group MIP on the columns the
    LP took, with the housing counts held between the floor and ceiling of
    their LP values (a solution); if that misses the allowed gap, the LP is
    solved to its optimum, every column that could still improve on the
    solution joins (reduced-cost fixing), and the MIP on those columns runs
    from that solution, its dual bound then holding for the whole model.

    With ``held`` (the previous level's cost over the group model, the
    longest walk of one unit of it, and how far the previous level's bound
    is ahead of what it holds), the first MIP is tried with the previous
    level as a penalty instead of a constraint (see
    :func:`_held_as_penalty`), its housing held at the rounding of an LP
    asked for a little more of the previous level (see ``AHEAD``); its
    solution is taken when it keeps the previous level, and the MIP above
    runs only when it does not.

    With ``towns`` (the service parts and a maker of HiGHS instances) a
    solution is first built from the LP's rounding (:func:`_rounded_start`):
    in the served level it ends the level when within the gap; in the
    walking level it is taken when it keeps the served level, or serves a
    few people fewer and ``hold_lower`` takes it (see ``HOLD_LOWER``), and
    is otherwise the start of the penalty step. On counties of at least
    ``TOWNS_AT_LEAST`` towns the walking level's penalty step may be
    finished by the services by town (see :func:`_held_as_penalty`).

    Returns (values over the full group model, bound, proven within gap,
    status).
    """
    highs, highspy = mip_master.highs, mip_master.highspy
    deadline = None if time_limit is None else start + time_limit
    clock = time.perf_counter()
    stop_at = None if deadline is None else clock + (1 - MIP_SHARE) * (
        deadline - clock)
    lp_status, bound, relaxed, _loss = _solve_lp(
        lp_master, lp_cost, sense, deadline, gap * LP_GAP_SHARE, stop_at,
        interior="first" if lp_master.held else "early")
    logger.info("fast path LP relaxation: %.2f s, %s", time.perf_counter() - clock,
                lp_status)
    if relaxed is None:
        return previous, None, False, lp_status
    # The MIP takes the v columns the LP took (n columns share indices, v
    # columns are shifted by the service columns in between), and those the
    # LP asked for more people served took (its pricing may take the LP's
    # idle columns out of the master).
    mip_master.add(_v_only(lp_master.cols, lp_master, shift), mip_cost)
    ahead = None
    if held is not None and previous is not None:
        ahead = _lp_ahead(lp_master, lp_cost, sense, deadline, gap * LP_GAP_SHARE,
                          stop_at, min(AHEAD, held[2]),
                          AHEAD_GAP_SHARE * gap * max(abs(bound), 1.0))
        mip_master.add(_v_only(lp_master.cols, lp_master, shift), mip_cost)
    mip_master.set_cost(mip_cost)
    highs.changeObjectiveSense(highspy.ObjSense.kMaximize if sense == "max"
                               else highspy.ObjSense.kMinimize)
    mip_master.set_integrality(True)
    cols = mip_master.cols
    n = len(cols)
    every = np.arange(n, dtype=np.int32)
    col_lower = mip_master.full.lower[cols].astype(float)
    col_upper = mip_master.full.upper[cols].astype(float)
    housing = mip_cost[cols] == 0
    housing &= (cols < n_counts) | (cols >= mip_master.v_offset)
    at_lp = np.where(cols < n_counts, cols, cols - shift)

    def rounding(lp_values):
        guide = np.where(housing, lp_values[np.clip(at_lp, 0, len(lp_values) - 1)],
                         0.0)
        return (np.where(housing, np.maximum(np.floor(guide + 1e-6), col_lower),
                         col_lower),
                np.where(housing, np.minimum(np.ceil(guide - 1e-6), col_upper),
                         col_upper))

    low, high = rounding(relaxed)
    highs.changeColsBounds(n, every, low, high)
    values = None

    def hold_lower(candidate) -> bool:
        """Take ``candidate``, a solution of this level a few people short of
        the served level as held, by holding that level at what it reaches
        (see ``HOLD_LOWER``): when that is within the served level's gap of
        its bound, and the candidate within this level's gap of the LP bound
        with the level so held. Otherwise the held row is put back."""
        nonlocal bound
        row_low = mip_master.held[-1][1]
        reached = float(np.dot(held[0], candidate))
        objective = float(np.dot(mip_cost, candidate))
        short = row_low - reached
        served_bound = row_low + held[2]
        if not (1e-6 < short <= max(TOWN_SHORTFALL_FLOOR, HOLD_LOWER * row_low)
                and served_bound - reached <= gap * reached):
            return False
        clock = time.perf_counter()
        for master in (lp_master, mip_master):
            master.hold_last_from(reached)
        _status, lower_bound, _relaxed, _loss = _solve_lp(
            lp_master, lp_cost, sense, deadline, gap * LP_GAP_SHARE, stop_at)
        taken = lower_bound is not None and abs(lower_bound - objective) <= gap * max(
            abs(objective), 1e-9) + 1e-6
        logger.info("fast path: served level held at %s instead of %s, LP bound %s: "
                    "%.2f s, %s", reached, row_low, lower_bound,
                    time.perf_counter() - clock, "taken" if taken else "not taken")
        if taken:
            bound = lower_bound
            return True
        for master in (lp_master, mip_master):
            master.hold_last_from(row_low)
        _solve_lp(lp_master, lp_cost, sense, deadline, gap * LP_GAP_SHARE, stop_at)
        return False

    if held is not None and previous is not None:
        box = rounding(ahead) if ahead is not None else (low, high)
        guide = ahead if ahead is not None else relaxed
        clock = time.perf_counter()
        worth = HELD_WORTH * (held[1] + gap * max(abs(bound), 1.0) + 1.0)
        start_at = _rounded_start(mip_master, cols, housing, *box,
                                  guide[np.clip(at_lp, 0, len(guide) - 1)], towns,
                                  held[0], mip_cost, worth, gap, deadline)
        if start_at is not None:
            row, row_low, row_high = mip_master.held[-1]
            reached = float(np.dot(held[0], start_at))
            objective = float(np.dot(mip_cost, start_at))
            logger.info("fast path start from the LP's rounding, services by "
                        "town: %.2f s, %s of %s held, %s of bound %s",
                        time.perf_counter() - clock, reached, row_low, objective,
                        bound)
            # Keeping the served level, it is the solution the proof below
            # starts from: the penalty step on the same rounding found the
            # same walking on the reallocations of 20,000 households tried.
            if reached >= row_low - 1e-6 or hold_lower(start_at):
                values = start_at
        if values is None:
            values, kept = _held_as_penalty(
                mip_master, mip_cost, cols, *box, held[:2], sense, bound, gap,
                deadline, towns if len(towns[0]) >= TOWNS_AT_LEAST else None,
                start_at, hold_lower)
            if values is not None and not kept and not hold_lower(values):
                values = None
    if values is not None:
        near_status = highs.getModelStatus()
        # The housing held for that MIP is free again: the proof that
        # follows is over every solution of the level.
        highs.changeColsBounds(n, every, col_lower, col_upper)
        highs.setOptionValue("presolve", "off")
        return _after_near(lp_master, lp_cost, mip_master, mip_cost, shift, sense,
                           values, previous, bound, near_status, gap, deadline)
    start_values = None if previous is None else previous[cols]
    found = None  # a solution of this level built below, over the full model
    if start_values is None and towns is not None:
        # The served level: a solution from the LP's rounding (see
        # _rounded_start); the MIP near the LP runs only when it misses the
        # gap, and starts from it.
        clock = time.perf_counter()
        start_at = _rounded_start(mip_master, cols, housing, low, high,
                                  relaxed[np.clip(at_lp, 0, len(relaxed) - 1)],
                                  towns, np.abs(mip_cost), np.zeros(len(mip_cost)),
                                  1.0, 0.0, deadline)
        if start_at is not None:
            objective = float(np.dot(mip_cost, start_at))
            logger.info("fast path start from the LP's rounding, services by "
                        "town: %.2f s, %s of bound %s",
                        time.perf_counter() - clock, objective, bound)
            if abs(bound - objective) <= gap * max(abs(objective), 1e-9) + 1e-6:
                highs.changeColsBounds(n, every, col_lower, col_upper)
                return start_at, bound, True, highspy.HighsModelStatus.kOptimal
            start_values, found = start_at[cols], start_at
    if held is not None and previous is not None and towns is not None:
        # The walking level, its quick solutions missed: the served level's
        # own housing, its services placed again town by town for the least
        # walking, keeps that level; taken when within the gap, else the
        # MIP's start.
        clock = time.perf_counter()
        worth = HELD_WORTH * (held[1] + gap * max(abs(bound), 1.0) + 1.0)
        parts, maker = towns
        again = _services_by_town(mip_master.full, parts, previous, held[0], mip_cost,
                                  worth, gap, maker(), highspy, deadline)
        if again is not None:
            row, row_low, row_high = mip_master.held[-1]
            reached = float(np.dot(held[0], again))
            objective = float(np.dot(mip_cost, again))
            logger.info("fast path previous housing, services by town: %.2f s, "
                        "%s of %s held, %s of bound %s", time.perf_counter() - clock,
                        reached, row_low, objective, bound)
            if reached >= row_low - 1e-6 and objective <= float(np.dot(mip_cost,
                                                                       previous)):
                if abs(bound - objective) <= gap * max(abs(objective), 1e-9) + 1e-6:
                    highs.changeColsBounds(n, every, col_lower, col_upper)
                    highs.setOptionValue("presolve", "off")
                    return again, bound, True, highspy.HighsModelStatus.kOptimal
                start_values, found = again[cols], again
    if start_values is not None:
        # The previous level's solution keeps every held level: take it into
        # the neighbourhood, as the MIP's start.
        low = np.where(housing, np.minimum(low, start_values), low)
        high = np.where(housing, np.maximum(high, start_values), high)
        highs.changeColsBounds(n, every, low, high)
        _warm(highs, highspy, start_values)
    if deadline is not None:
        _time_limit(highs, max(deadline - time.perf_counter(), 0.01), True)
    clock = time.perf_counter()
    highs.setOptionValue("presolve", "on")
    highs.run()
    logger.info("fast path MIP near the LP optimum: %.2f s, %s",
                time.perf_counter() - clock, highs.getModelStatus())
    near_status = highs.getModelStatus()
    values = found  # when the time limit stops the MIP before a solution
    if highs.getInfo().primal_solution_status == 2:  # read before bounds change
        values = mip_master.full_values(highs.getSolution().col_value)
    highs.changeColsBounds(n, every, col_lower, col_upper)
    # The MIP that follows runs on the master plus the columns reduced-cost
    # fixing keeps: there presolve costs more than it saves (on a
    # 20,000-household reallocation 3 s, and a sub-MIP after its restart 5 s,
    # of an 8 s MIP whose root cuts alone close the gap in under 1 s).
    highs.setOptionValue("presolve", "off")
    return _after_near(lp_master, lp_cost, mip_master, mip_cost, shift, sense,
                       values, previous, bound, near_status, gap, deadline)


AHEAD = 3
"""How many units of the previous level (people served) the LP that the
walking level's first MIP rounds its housing from is asked for beyond what
that level holds (at most up to that level's bound). Rounding the housing
of an LP that serves exactly the people held loses a few of them (1 to 3 on
the generated 20,000-household counties), and the MIP that must then keep
the level as a constraint takes 3 to 5 s at site points and 26 s on the
county of 875 buildings. Asked for 3 more, the rounding kept the level on
two of three counties at site points and on the county of buildings, and
the walking it costs stayed within the allowed gap; asked for 4, one county
kept the level 0.12 % above the LP's bound and the proof after it took 40 s.
"""

AHEAD_GAP_SHARE = 0.5
"""Share of the walking level's allowed gap that asking for more people
served (``AHEAD``) may cost its LP: fewer are asked for when the row's dual
says 3 would cost more (on a county of 1,000 households 3 more people cost
0.12 % of walking, and the MIP after the rounding kept the level outside the
gap, so the proof had to follow)."""


def _lp_ahead(master: _Master, cost: np.ndarray, sense: str, deadline, gap: float,
              stop_at, most: float, budget: float) -> np.ndarray | None:
    """The level's LP with the previous level's row asked for up to ``most``
    more than it holds (see ``AHEAD``), as many as its dual says cost at most
    ``budget`` of this level: its values, or None (nothing to ask for, the
    budget does not allow one, the LP so moved is not solved to optimality
    because the master lacks the columns it needs, or it cost more than the
    budget after all). The row is put back as it was."""
    highs, highspy = master.highs, master.highspy
    row, row_low, row_high = master.held[-1]
    before = float(highs.getInfo().objective_function_value)
    price = abs(float(highs.getSolution().row_dual[row]))
    more = float(np.floor(min(most, budget / price if price > 1e-9 else most)))
    if more < 1:
        return None
    clock = time.perf_counter()
    if row_low > -highspy.kHighsInf:
        highs.changeRowBounds(row, row_low + more, row_high)
    else:
        highs.changeRowBounds(row, row_low, row_high - more)
    try:
        status, _bound, relaxed, _loss = _solve_lp(master, cost, sense, deadline, gap,
                                                   stop_at)
        after = float(highs.getInfo().objective_function_value)
    finally:
        highs.changeRowBounds(row, row_low, row_high)
    cost_of_it = abs(after - before)
    logger.info("fast path LP with the previous level %g ahead: %.2f s, %s, "
                "costs %.1f of %.1f", more, time.perf_counter() - clock, status,
                cost_of_it, budget)
    return relaxed if relaxed is not None and cost_of_it <= budget + 1e-6 else None


def _after_near(lp_master, lp_cost, mip_master, mip_cost, shift, sense, values,
                previous, bound, near_status, gap, deadline):
    """The rest of :func:`_solve_level` once the first MIP gave ``values``
    (or None): done if they are within the gap of the LP bound, else the MIP
    after reduced-cost fixing."""
    highs, highspy = mip_master.highs, mip_master.highspy
    if values is not None:
        objective = float(np.dot(mip_cost, values))
        logger.info("fast path: LP bound %s, MIP near it %s", bound, objective)
        if abs(bound - objective) <= gap * max(abs(objective), 1e-9) + 1e-6:
            return values, bound, True, near_status
    if deadline is not None and deadline - time.perf_counter() <= 0.05:
        return values, bound, False, near_status
    # Reduced-cost fixing: at the LP optimum over every column, a v column
    # whose reduced cost costs more than the LP bound is ahead of the
    # solution cannot be used by any better solution (integer counts: one
    # household there costs its reduced cost at least), so the MIP on the
    # master plus every other column is exact and its dual bound is a bound
    # of the level.
    exact = values is not None
    if exact:
        _status, exact_bound, _relaxed, loss = _solve_lp(lp_master, lp_cost, sense,
                                                         deadline, 0.0)
        exact = loss is not None
    if exact:
        bound = exact_bound
        ahead = (bound - objective) if sense == "max" else (objective - bound)
        needed = np.flatnonzero(loss <= ahead + 1e-6)
        mip_master.add(_v_only(needed, lp_master, shift), mip_cost)
        mip_master.set_integrality(True)
        logger.info("fast path: %d columns can improve on the solution", len(needed))
    if deadline is not None:
        left = deadline - time.perf_counter()
        if left <= 0.05:
            return values, bound, False, near_status
        _time_limit(highs, left, True)
    cols = mip_master.cols
    warm = values if values is not None else previous
    if warm is not None:
        _warm(highs, highspy, warm[cols])
    clock = time.perf_counter()
    highs.run()
    status = highs.getModelStatus()
    if highs.getInfo().primal_solution_status == 2:
        values = mip_master.full_values(highs.getSolution().col_value)
    if exact and values is not None:
        dual = float(highs.getInfo().mip_dual_bound)
        if np.isfinite(dual):
            bound = min(bound, dual) if sense == "max" else max(bound, dual)
    logger.info("fast path MIP after reduced-cost fixing: %.2f s, %s, bound %s",
                time.perf_counter() - clock, status, bound)
    proven = exact and values is not None and abs(
        bound - float(np.dot(mip_cost, values))) <= gap * max(
        abs(float(np.dot(mip_cost, values))), 1e-9) + 1e-6
    return values, bound, proven, status


TOWN_SHORTFALL = 2e-4
"""How far short of the held served level (a share of it, at least
``TOWN_SHORTFALL_FLOOR`` people) the walking level's first MIP may stop
before the services by town finish it (:func:`_services_by_town`). Packing
whole groups into the facilities' last free places to serve exactly as many
as the level holds is what takes that MIP its time: on the generated
100,000-household county at site points it was 57 people short after 7 s and
took 73 s to the end; the towns made the 57 up in 4 s, with the walking
0.011 % above the LP's bound. On the 20,000-household county (33 towns,
fewer than ``TOWNS_AT_LEAST``; measured with that lowered) it stops 11
short (0.8 s instead of 2.1 s), and the towns serve one person more than
the level held."""
TOWN_SHORTFALL_FLOOR = 5.0

HOLD_LOWER = 2e-4
"""How far short of the served level as held (a share of it, at least
``TOWN_SHORTFALL_FLOOR`` people) a solution of the walking level may be and
still be taken, the served level then held at what that solution reaches.
The served level's own solution is one of many within its gap, and the
walking level's quick solutions (the rounding of its LP, the penalty step)
often serve a few people fewer than it: reaching exactly as many is what
made that level's integer model slow. Such a solution is taken only when
the people it serves are still within the served level's gap of that
level's bound, and its walking within the walking level's gap of the LP
bound with the served level held at what it reaches (the LP is solved
again for that bound); otherwise the level is held as before. Every level
reports what the final solution reaches."""

TOWNS_AT_LEAST = 60
"""The services by town (``TOWN_SHORTFALL``) finish the walking level's
first MIP only on counties of at least this many towns (parts that no
catchment links). The MIP's time grows with the towns it must fill at once:
on the 100,000-household county (144 towns) it took 73 s and the towns' way
12 s. On smaller counties it takes 1 to 2 s and the towns' extra step costs
more than it saves when the towns miss: on the 20,000-household county of
875 buildings (30 towns) they missed by 3 people and the walking level took
45 s instead of 29 s; on the reallocations of 20,000 households every
county took 0.1 to 1.6 s longer."""

HELD_WORTH = 10.0
"""How many times the longest walk of one person (plus the tolerance) one
person served is worth when the served level becomes a penalty (see
:func:`_held_as_penalty`). Leaving one person out can free a place that
shortens other people's walks by more than their own walk; at once the
longest walk, on a 20,000-household reallocation (seed 3), the MIP left one
person out and missed the level, at ten times it kept it."""


def _held_as_penalty(master: _Master, cost: np.ndarray, cols: np.ndarray,
                     low: np.ndarray, high: np.ndarray, held, sense: str,
                     bound: float, gap: float, deadline, towns=None,
                     start=None, hold_lower=None) -> tuple[np.ndarray | None, bool]:
    """A solution of the level with the housing held at the rounding of its
    LP (the counts between ``low`` and ``high``, before any widening), found
    with the previous level turned into a penalty, from ``start`` when
    given: the solution (or None) and whether it keeps the previous level.

    The previous level's row (a minimum of people served) makes the first
    MIP hard to start: with the housing held, a solution must pack whole
    groups into the facilities' free places to reach that minimum exactly,
    and HiGHS's heuristics take seconds to find one (on a 20,000-household
    reallocation, 3.4 s of a 4.1 s MIP). Without the row, and with each
    person served worth more than any one walk (``held = (previous cost,
    longest)``: the longest walk of one unit of it), every rounding is a
    solution and the MIP ends in about a second. One unit of the previous
    level is worth ``HELD_WORTH`` times the longest walk plus the MIP's
    tolerance ``abs_gap`` (the level's allowed gap), so a person left out
    who could be served costs more than the tolerance; the row stays as a
    cap (serving more than the level holds only costs walking). The answer
    is taken when it still reaches the previous level, so it is a solution
    of the level as held. With ``towns`` (the service parts and a maker of
    HiGHS instances) the MIP may stop a few people short of the level (see
    ``TOWN_SHORTFALL``), and unless its answer is already within the gap the
    services are placed again town by town (:func:`_services_by_town`); that
    answer is taken when it reaches the level (and walks no more when the
    MIP's kept it); when it does not, the MIP runs again to the end from
    where it stopped. If that too misses the level (the held housing cannot
    serve as many: on the 20,000-household county of seed 3 the towns miss
    2 people, and so does the MIP) the caller runs its first MIP as before.
    Before that second MIP, an answer a few people short is offered to
    ``hold_lower`` (see ``HOLD_LOWER``), which may take it.
    """
    highs, highspy = master.highs, master.highspy
    held_cost, longest = held
    abs_gap = gap * max(abs(bound), 1.0)
    # Leaving out one unit of the previous level must cost more than the
    # tolerance, or the MIP may stop at a solution that leaves some out, and
    # more than the walking it may save others (see HELD_WORTH).
    worth = HELD_WORTH * (longest + abs_gap + 1.0)
    row, row_low, row_high = master.held[-1]
    n = len(cols)
    every = np.arange(n, dtype=np.int32)
    more_is_better = bool(row_low > -highspy.kHighsInf)
    sign = (1.0 if sense == "min" else -1.0) * (1.0 if more_is_better else -1.0)
    penalised = cost - sign * worth * held_cost
    rel_gap = float(highs.getOptionValue("mip_rel_gap")[1])
    # With the services by town to finish it (see _services_by_town), the
    # MIP may stop while a few units of the held level are still missing
    # (see TOWN_SHORTFALL).
    allowance = 0.0
    if towns is not None:
        allowance = max(TOWN_SHORTFALL_FLOOR,
                        TOWN_SHORTFALL * abs(row_low if more_is_better else row_high))

    def run(allowance, start):
        if deadline is not None:
            # At most half the time left: the first MIP as before may need
            # the rest.
            left = deadline - time.perf_counter()
            if left <= 0.1:
                return None, False
            _time_limit(highs, left / 2, True)
        clock = time.perf_counter()
        highs.changeColsBounds(n, every, low, high)
        # Capped at the level it must keep: beyond it, people served only
        # cost walking.
        if more_is_better:
            highs.changeRowBounds(row, -highspy.kHighsInf, row_low)
        else:
            highs.changeRowBounds(row, row_high, highspy.kHighsInf)
        highs.changeColsCost(n, every, penalised[cols].astype(float))
        highs.setOptionValue("presolve", "on")
        highs.setOptionValue("mip_rel_gap", 0.0)
        highs.setOptionValue("mip_abs_gap", float(abs_gap + allowance * worth))
        if start is not None:
            _warm(highs, highspy, start[cols])
        try:
            highs.run()
            status = highs.getModelStatus()
            found = highs.getInfo().primal_solution_status == 2
            values = master.full_values(highs.getSolution().col_value) if found \
                else None
        finally:
            highs.setOptionValue("mip_rel_gap", rel_gap)
            highs.setOptionValue("mip_abs_gap", 1e-6)
            highs.changeRowBounds(row, row_low, row_high)
            highs.changeColsCost(n, every, cost[cols].astype(float))
        reached = None if values is None else float(np.dot(held_cost, values))
        kept = reached is not None and row_low - 1e-6 <= reached <= row_high + 1e-6
        logger.info("fast path MIP with the previous level as a penalty%s: %.2f s, "
                    "%s, %s (%s of %s)",
                    f" ({allowance:g} short allowed)" if allowance else "",
                    time.perf_counter() - clock, status,
                    "keeps it" if kept else "misses it", reached, row_low)
        return values, kept

    values, kept = run(allowance, start)
    if values is not None and towns is not None and not (
            kept and abs(float(np.dot(cost, values)) - bound) <= abs_gap + 1e-6):
        clock = time.perf_counter()
        parts, new_highs = towns
        again = _services_by_town(master.full, parts, values, held_cost, cost, worth,
                                  gap, new_highs(), highspy, deadline)
        reached = None if again is None else float(np.dot(held_cost, again))
        better = again is not None and reached >= row_low - 1e-6 and (
            not kept or np.dot(cost, again) <= np.dot(cost, values))
        logger.info("fast path services again by town: %.2f s, %s (%s of %s), "
                    "walk %s", time.perf_counter() - clock,
                    "keeps it" if better else "misses it", reached, row_low,
                    None if again is None else float(np.dot(cost, again)))
        if better:
            return again, True
        if not kept:
            if hold_lower is not None:
                for candidate in (again, values):
                    if candidate is not None and hold_lower(candidate):
                        return candidate, True
            # The towns could not make up the people short with this
            # housing: the MIP goes on to the end, from where it stopped (on
            # the county of 875 buildings it keeps the level there).
            values, kept = run(0.0, values)
    return values, kept


def _service_parts(problem: JointProblem, s_col: dict) -> list[np.ndarray]:
    """The service columns split by town: locations and facilities that no
    catchment links (directly or through others) form separate parts, and
    with the housing fixed each part's services are a problem of their own.
    Returns the columns of each part."""
    parent: dict[tuple[str, int], tuple[str, int]] = {}

    def root(node):
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for loc, f in problem.reach:
        a, b = root(("l", loc)), root(("f", f))
        if a != b:
            parent[a] = b
    parts: dict[tuple[str, int], list[int]] = defaultdict(list)
    for (loc, _key, _f), col in s_col.items():
        parts[root(("l", loc))].append(col)
    return [np.asarray(sorted(cols), dtype=np.int64)
            for _root, cols in sorted(parts.items(), key=lambda item: item[1][0])]


def _services_by_town(full: _FullLp, parts: list[np.ndarray], values: np.ndarray,
                      served: np.ndarray, walk: np.ndarray, worth: float, gap: float,
                      highs, highspy, deadline) -> np.ndarray | None:
    """``values`` with the housing kept and the services of every town (see
    :func:`_service_parts`) placed again, town by town, by a MIP of its own:
    the least walking less ``worth`` per person served (the served level as
    a penalty, as in :func:`_held_as_penalty`), within ``gap`` of the town's
    walking now. A town whose MIP the time limit stops takes the better of
    its best solution so far (or its services as they were) and the nearest
    free places (:func:`_nearest_first`), as do the towns after it, so the
    answer is always a solution when ``values`` is one. (Keeping the
    services as they were alone left a 20,000-household county solved
    within 2.2 s serving 44,918 people, as its rounding had none; with the
    nearest places, 66,757 of the LP's 68,996.)

    With the housing fixed nothing links two towns, and each town's MIP is
    small (at most a few thousand columns on the 100,000-household county),
    so placing every group again takes seconds where the whole model's MIP
    must pack groups into the facilities of every town at once to reach the
    held number of people served (on that county 70 s)."""
    out = values.copy()
    everything = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    housing = values.copy()
    housing[everything] = 0.0
    # The housing's share of every row: with it fixed, what is left of each
    # row's bounds is the services' (a group row: the groups living there).
    lengths = np.diff(full.starts)
    activity = np.bincount(full.index, weights=full.value * np.repeat(housing, lengths),
                           minlength=len(full.row_lower))
    row_low = full.row_lower - activity
    row_high = full.row_upper - activity
    integer = highspy.HighsVarType.kInteger
    for cols in parts:
        if deadline is not None:
            left = deadline - time.perf_counter()
            if left <= 0.05:
                # The towns left keep their services as they were, or take
                # the nearest free places, whichever is better.
                _greedy_where_better(full, cols, out, row_high, served, walk, worth)
                continue
            _time_limit(highs, left, True)
        starts, index, value = full.column_entries(cols)
        rows, local = np.unique(index, return_inverse=True)
        lp = highspy.HighsLp()
        lp.num_col_ = len(cols)
        lp.num_row_ = len(rows)
        lp.col_cost_ = (walk[cols] - worth * served[cols]).astype(float)
        lp.col_lower_ = full.lower[cols].astype(float)
        lp.col_upper_ = full.upper[cols].astype(float)
        lp.row_lower_ = row_low[rows]
        lp.row_upper_ = row_high[rows]
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.append(starts, len(index)).astype(np.int32)
        lp.a_matrix_.index_ = local.astype(np.int32)
        lp.a_matrix_.value_ = value.astype(float)
        lp.integrality_ = [integer] * len(cols)
        highs.passModel(lp)
        highs.setOptionValue("mip_rel_gap", 0.0)
        highs.setOptionValue("mip_abs_gap",
                             float(gap * max(np.dot(walk[cols], values[cols]), 1.0)))
        highs.run()
        optimal = highs.getModelStatus() == highspy.HighsModelStatus.kOptimal
        if optimal or highs.getInfo().primal_solution_status == 2:
            out[cols] = np.round(highs.getSolution().col_value)
        if not optimal:
            _greedy_where_better(full, cols, out, row_high, served, walk, worth)
    return out


def _greedy_where_better(full: _FullLp, cols: np.ndarray, out: np.ndarray,
                         room: np.ndarray, served: np.ndarray, walk: np.ndarray,
                         worth: float) -> None:
    """Put into ``out`` the services of one town placed greedily, nearest
    first (each group to the nearest facility of its catchment with room
    for it), when that costs less (walk less ``worth`` per person served)
    than what ``out`` holds there: a town whose MIP the time limit stopped
    before a solution keeps its services as they were, which after a new
    housing may be none at all. ``room`` is each row's upper bound less the
    housing's share (a group row: the groups living there)."""
    greedy = _nearest_first(full, cols, room, walk[cols] / served[cols])
    cost = walk[cols] - worth * served[cols]
    if float(np.dot(cost, greedy)) < float(np.dot(cost, out[cols])) - 1e-9:
        out[cols] = greedy


def _nearest_first(full: _FullLp, cols: np.ndarray, room: np.ndarray,
                   walk_per_person: np.ndarray) -> np.ndarray:
    """Counts of the service columns ``cols`` (one town's) given greedily:
    columns by ``walk_per_person``, each as many groups as its group row has
    left and its facility has room for. A service column has two entries:
    its group row (coefficient 1, rows made before the facilities') and its
    facility's row (the group's persons)."""
    starts, index, value = full.column_entries(cols)
    if len(index) != 2 * len(cols):
        return np.zeros(len(cols))
    group, facility = index[0::2], index[1::2]
    persons = value[1::2]
    left = room.copy()
    order = np.argsort(walk_per_person, kind="stable")
    taken = np.zeros(len(cols))
    upper = full.upper[cols]
    for i in order.tolist():
        g, f, p = group[i], facility[i], persons[i]
        take = min(left[g], np.floor(left[f] / p + 1e-9), upper[i])
        if take >= 1:
            take = float(np.floor(take))
            taken[i] = take
            left[g] -= take
            left[f] -= take * p
    return taken


def _rounded_start(master: _Master, cols: np.ndarray, housing: np.ndarray,
                   low: np.ndarray, high: np.ndarray, guide: np.ndarray, towns,
                   served: np.ndarray, walk: np.ndarray, worth: float, gap: float,
                   deadline) -> np.ndarray | None:
    """A solution of the level built from its LP (``guide``, its housing
    values): the housing counts set between the floor and ceiling of those
    values by a MIP over the housing alone (the rows of kinds, classes of
    units and level 1; rounded up where the LP is most of the way there),
    then the services placed town by town (:func:`_services_by_town`) for
    the least ``walk`` less ``worth`` per unit of ``served``. None when the
    housing's MIP finds nothing (the time limit, or no rounding of the
    housing keeps level 1).

    With the services out, the housing rows are those of a transportation
    problem plus level 1's, so a rounding is found in a fraction of a
    second; the towns then place every group exactly. On the generated
    counties of 20,000 households this gives the served level a solution
    within its gap in 0.35 s where HiGHS's MIP near the LP took 1.8 to
    3 s, most of it in cuts at the root before its first solution."""
    highspy = master.highspy
    parts, new_highs = towns
    full = master.full
    service = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    _s, service_rows, _v = full.column_entries(service)
    dropped = np.zeros(len(full.row_lower), dtype=bool)
    dropped[service_rows] = True
    chosen = cols[housing]
    starts, index, value = full.column_entries(chosen)
    keep = ~dropped[index]
    lengths = np.diff(np.append(starts, len(index)))
    column = np.repeat(np.arange(len(chosen)), lengths)[keep]
    index, value = index[keep], value[keep]
    rows, local = np.unique(index, return_inverse=True)
    sub = new_highs()
    lp = highspy.HighsLp()
    lp.num_col_ = len(chosen)
    lp.num_row_ = len(rows)
    # Rounded up where the LP is most of the way there.
    lp.col_cost_ = -(guide[housing] - low[housing]).astype(float)
    lp.col_lower_ = low[housing].astype(float)
    lp.col_upper_ = high[housing].astype(float)
    lp.row_lower_ = full.row_lower[rows]
    lp.row_upper_ = full.row_upper[rows]
    order = np.argsort(column, kind="stable")
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.searchsorted(column[order], np.arange(
        len(chosen) + 1)).astype(np.int32)
    lp.a_matrix_.index_ = local[order].astype(np.int32)
    lp.a_matrix_.value_ = value[order].astype(float)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * len(chosen)
    sub.passModel(lp)
    if deadline is not None:
        left = deadline - time.perf_counter()
        if left <= 0.1:
            return None
        _time_limit(sub, left / 2, True)
    sub.run()
    if sub.getInfo().primal_solution_status != 2:
        return None
    values = np.zeros(full.n_cols, dtype=np.int64)
    values[chosen] = np.rint(sub.getSolution().col_value)
    return _services_by_town(full, parts, values, served, walk, worth, gap, sub,
                             highspy, deadline)


def _time_limit(highs, seconds: float, integer: bool) -> None:
    """Let the next run take at most ``seconds``. HiGHS (1.16) measures an
    LP's time limit on the instance's clock, which adds up every run
    (``getRunTime``), and a MIP's from the start of the run."""
    base = 0.0 if integer else float(highs.getRunTime())
    highs.setOptionValue("time_limit", base + max(float(seconds), 0.0))


def _v_only(lp_cols: np.ndarray, lp_master: _Master, shift: int) -> np.ndarray:
    """The group model's indices of the LP's v columns."""
    return lp_cols[lp_cols >= lp_master.v_offset] + shift


def _warm(highs, highspy, values) -> None:
    solution = highspy.HighsSolution()
    solution.col_value = [float(v) for v in values]
    solution.value_valid = True
    highs.setSolution(solution)


def _unfold(problem, kinds, values, n_col, s_col, columns, area_class, rank):
    """Turn counts into a class per household and a facility per group."""
    rank = rank or list(range(len(problem.household_weight)))
    household_class: list[int | None] = [None] * len(problem.household_weight)
    # Per kind: households (by type counts) and classes (by v).
    waiting: dict[int, list[int]] = defaultdict(list)
    for t, members in enumerate(kinds.type_members):
        queue = sorted(members, key=lambda h: rank[h])
        waiting[kinds.type_kind[t]].extend(queue[:int(values[n_col[t]])])
    counts = values[columns.offset:columns.offset + len(columns.placed)]
    for i in np.flatnonzero(counts).tolist():
        k, c = columns.placed[i]
        queue = waiting[k]
        for _ in range(int(counts[i])):
            household_class[queue.pop(0)] = c
    location_of = [
        problem.household_location[h] if problem.household_location[h] is not None
        else (None if household_class[h] is None
              else problem.class_location[household_class[h]])
        for h in range(len(problem.household_weight))
    ]
    key_index = {key: i for i, key in enumerate(kinds.group_keys)}
    at: dict[tuple[int, int], list[int]] = defaultdict(list)
    for g, group in enumerate(problem.groups):
        loc = location_of[group.household]
        if loc is not None:
            at[loc, key_index[tuple(group.facilities), group.persons]].append(g)
    group_facility: list[int | None] = [None] * len(problem.groups)
    group_location: list[int | None] = [None] * len(problem.groups)
    for (loc, key), groups in at.items():
        queue = sorted(groups, key=lambda g: (rank[problem.groups[g].household], g))
        for f in kinds.group_keys[key][0]:
            col = s_col.get((loc, key, f))
            if col is None:
                continue
            for _ in range(int(values[col])):
                g = queue.pop(0)
                group_facility[g] = f
                group_location[g] = loc
    return JointSolution(household_class, group_facility, group_location)


def joint_objectives(problem: JointProblem, solution: JointSolution) -> dict:
    """The three objective values of a solution, counted from scratch."""
    housed = sum(problem.household_weight[h]
                 for h, c in enumerate(solution.household_class) if c is not None)
    served = walk = 0
    for g, f in enumerate(solution.group_facility):
        if f is not None:
            persons = problem.groups[g].persons
            served += persons
            walk += persons * int(round(problem.reach[solution.group_location[g], f]))
    return {"housed": housed, "served": served, "walk": walk}


def check_joint(problem: JointProblem, solution: JointSolution) -> list[str]:
    """Rules of the joint model a solution breaks (empty when it keeps all)."""
    broken = []
    used = defaultdict(int)
    for h, c in enumerate(solution.household_class):
        if c is None:
            continue
        if problem.household_location[h] is not None:
            broken.append(f"household {h} is housed already but got class {c}")
        if c not in problem.household_classes[h]:
            broken.append(f"household {h} got class {c} that does not fit it")
        used[c] += 1
    for c, count in used.items():
        if count > problem.class_capacity[c]:
            broken.append(f"class {c}: {count} households > "
                          f"{problem.class_capacity[c]}")
    persons = defaultdict(int)
    for g, f in enumerate(solution.group_facility):
        if f is None:
            continue
        group = problem.groups[g]
        h = group.household
        loc = problem.household_location[h]
        if loc is None:
            c = solution.household_class[h]
            loc = None if c is None else problem.class_location[c]
        if loc is None or loc != solution.group_location[g]:
            broken.append(f"group {g} served at a location where it does not live")
            continue
        if f not in group.facilities or (loc, f) not in problem.reach:
            broken.append(f"group {g}: facility {f} is not a candidate in reach")
        persons[f] += group.persons
    for f, count in persons.items():
        if count > problem.facility_capacity[f]:
            broken.append(f"facility {f}: {count} persons > "
                          f"{problem.facility_capacity[f]}")
    return broken
