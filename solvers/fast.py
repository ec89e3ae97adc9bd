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

       n[t, q]   households of type t housed in area class q  (level 1)
       v[tau, c] households of kind tau housed in class c
       s[l, k, f] groups of kind k (candidate facilities, size) living at
                  location l that get facility f, for (l, f) in the catchment

       sum_q n[t, q] <= N_t
       sum_{t in tau} n[t, q] = sum_{c in q} v[tau, c]      (every tau, q)
       sum_tau v[tau, c] <= capacity[c]
       sum_f s[l, k, f] <= G0[l, k] + sum_tau m[tau, k] sum_{c at l} v[tau, c]
       sum_{l, k} size(k) s[l, k, f] <= cap(f)
       sum_t weight[t] sum_q n[t, q] >= H*

   with the served and walking objectives of the joint model. Any solution
   of it unfolds into a solution of the joint model with the same three
   objective values, and back, so its optimum is the joint optimum; it is
   solved by HiGHS directly (no modelling layer), each level warm-started
   from the previous one. A level may stop at a relative gap of at most
   ``gap`` (0.1 % by default); the gap is then reported, never hidden.

What it cannot do: planner locks (fixed or forbidden units), split siblings,
wishes, village groups, reallocation with moves, the coverage gap cap, or
levels in another order than housed, served, walk; :func:`unsupported` says
why, and the product then uses the aggregated or detailed model. Its model
still grows with kinds x classes (every kind of household may go to every
fitting class in the county), so the LP of large counties is large.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from solvers.base import LevelResult, Status
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
               threads: int | None = None) -> FastResult:
    """Solve ``problem`` by the fast path (see the module docstring)."""
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
    # n[t, q]
    n_col: dict[tuple[int, int], int] = {}
    weight_cols, weight_vals = [], []
    type_rows = new_rows(np.full(len(type_count), -inf), np.asarray(type_count, float))
    n_kinds = len(kinds.kind_fit)
    link_row: dict[tuple[int, int], int] = {}
    for k in range(n_kinds):
        for q in fit_q[kinds.kind_fit[k]]:
            link_row[k, q] = new_rows(np.zeros(1), np.zeros(1))[0]
    n_upper = []
    for t, count in enumerate(type_count):
        k = kinds.type_kind[t]
        for q in type_areas[t]:
            n_col[t, q] = n_cols
            n_upper.append(min(count, int(area_capacity[q])))
            add([type_rows[t], link_row[k, q]], [n_cols, n_cols], [1.0, 1.0])
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
    key_index = {key: i for i, key in enumerate(kinds.group_keys)}
    for group in problem.groups:
        loc = problem.household_location[group.household]
        if loc is not None:
            fixed_groups[loc, key_index[tuple(group.facilities), group.persons]] += 1
    n_locations = int(max(class_loc.max(initial=-1),
                          max((loc for loc, _ in fixed_groups), default=-1)) + 1)
    # Most groups of each key that can live at each location.
    most = np.zeros((n_locations, len(kinds.group_keys)), dtype=np.int64)
    for (loc, key), count in fixed_groups.items():
        most[loc, key] += count
    kind_class_upper: list[np.ndarray] = []
    for k in range(n_kinds):
        classes = kinds.fit_classes[kinds.kind_fit[k]]
        ub = np.minimum(capacity[classes], kind_count[k])
        kind_class_upper.append(ub)
        for key, m in kinds.kind_groups[k].items():
            np.add.at(most[:, key], class_loc[classes], m * ub)
    reach_by_loc: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for (loc, f), walk in problem.reach.items():
        reach_by_loc[loc].append((f, walk))
    group_row = np.full((n_locations, len(kinds.group_keys)), -1, dtype=np.int64)
    s_col: dict[tuple[int, int, int], int] = {}
    s_upper, served_cols, served_vals, walk_vals = [], [], [], []
    facility_terms: dict[int, tuple[list[int], list[float]]] = defaultdict(
        lambda: ([], []))
    key_facilities = [set(key[0]) for key in kinds.group_keys]
    for loc, key in zip(*np.nonzero(most)):
        loc, key = int(loc), int(key)
        persons = kinds.group_keys[key][1]
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
    link_index = np.full((n_kinds, max(n_areas, 1)), -1, dtype=np.int64)
    for (k, q), row in link_row.items():
        link_index[k, q] = row
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
        add(link_index[k, area_class[classes]], cols, -np.ones(len(classes)))
        for key, m in kinds.kind_groups[k].items():
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
    starts = np.searchsorted(cols, np.arange(n_cols + 1))
    lp = highspy.HighsLp()
    lp.num_col_ = n_cols
    lp.num_row_ = len(row_upper)
    lp.col_cost_ = np.zeros(n_cols)
    lp.col_lower_ = np.concatenate(lower)
    lp.col_upper_ = np.concatenate(upper)
    lp.row_lower_ = np.asarray(row_lower, dtype=float)
    lp.row_upper_ = np.asarray(row_upper, dtype=float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = starts.astype(np.int32)
    lp.a_matrix_.index_ = rows.astype(np.int32)
    lp.a_matrix_.value_ = vals
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n_cols
    size = {"variables": n_cols, "constraints": len(row_upper),
            "nonzeros": int(len(vals)), "types": len(type_count),
            "kinds": n_kinds, "area_classes": n_areas}
    logger.info("fast path: %s", size)

    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("mip_rel_gap", float(gap))
    if threads:
        highs.setOptionValue("threads", int(threads))
    highs.passModel(lp)

    levels = [housed_level]
    status = Status.OPTIMAL
    message = ""
    values = None
    served_cols_a = np.asarray(served_cols, dtype=np.int32)
    for name, sense, coefs in (("served", "max", served_vals),
                               ("walk", "min", walk_vals)):
        left = None
        if time_limit is not None:
            left = time_limit - (time.perf_counter() - start)
            if left <= 0.05:
                status = Status.FEASIBLE if values is not None else Status.TIMEOUT
                message = f"time limit reached before level {name}"
                break
            highs.setOptionValue("time_limit", float(left))
        n_now = highs.getNumCol()
        cost = np.zeros(n_now)
        cost[served_cols_a] = coefs
        highs.changeColsCost(n_now, np.arange(n_now, dtype=np.int32), cost)
        highs.changeObjectiveSense(highspy.ObjSense.kMaximize if sense == "max"
                                   else highspy.ObjSense.kMinimize)
        t0 = time.perf_counter()
        values_found, bound, proven, model_status = _solve_level(
            highs, highspy, columns, served_cols_a, values, sense, gap, start,
            time_limit)
        found = values_found is not None
        seconds = time.perf_counter() - t0
        if not found:
            levels.append(LevelResult(name, sense, None, None, Status.TIMEOUT,
                                      seconds))
            status = Status.TIMEOUT if values is None else Status.FEASIBLE
            message = f"level {name} found no solution ({model_status})"
            break
        values = values_found
        cost = np.zeros(len(values))
        cost[served_cols_a] = coefs
        objective = float(np.dot(cost, values))
        if sense == "max":
            bound = max(np.floor(bound + 1e-6), objective)
        else:
            bound = min(np.ceil(bound - 1e-6), objective)
        level = LevelResult(name, sense, objective, float(bound),
                            Status.OPTIMAL if bound == objective else Status.FEASIBLE,
                            seconds)
        proven = level.status == Status.OPTIMAL or proven
        levels.append(level)
        logger.info("fast path level %s: %s objective %s bound %s in %.2f s", name,
                    level.status.value, objective, bound, seconds)
        if level.status != Status.OPTIMAL:
            status = Status.FEASIBLE
            message = f"level {name} within a gap of {level.gap:.4%}"
        # Hold this level at what was reached before the next one.
        idx = np.nonzero(cost)[0].astype(np.int32)
        if sense == "max":
            highs.addRow(objective, inf, len(idx), idx, cost[idx])
        else:
            highs.addRow(-inf, objective, len(idx), idx, cost[idx])
        if not proven:
            if name != "walk":
                message = f"time limit reached in level {name}"
            break

    result = FastResult(status, levels, None, time.perf_counter() - start, size,
                        message)
    if values is None:
        return result
    size["variables"] = highs.getNumCol()
    result.solution = _unfold(problem, kinds, values, n_col, s_col, columns,
                              area_class, rank)
    result.seconds = time.perf_counter() - start
    return result


class _VColumns:
    """Which (kind, class) each column v[tau, c] stands for."""

    def __init__(self, kinds, class_loc):
        self.kinds = kinds
        self.class_loc = class_loc
        self.placed: list[tuple[int, int]] = []
        self.offset = 0


def _solve_level(highs, highspy, columns, service_cols, previous, sense, gap,
                 start, time_limit):
    """One level: its LP relaxation by interior point (the bound), then the
    MIP with the housing counts held between the floor and ceiling of their
    LP values (a solution); if that misses the allowed gap, the full MIP from
    that solution.

    Returns (values, bound, proven within gap, model status).
    """
    def seconds_left():
        if time_limit is None:
            return None
        return time_limit - (time.perf_counter() - start)

    def set_integrality(kind):
        n = highs.getNumCol()
        highs.changeColsIntegrality(n, np.arange(n, dtype=np.int32),
                                    np.full(n, kind))

    set_integrality(highspy.HighsVarType.kContinuous)
    highs.setOptionValue("solver", "ipm")
    clock = time.perf_counter()
    left = seconds_left()
    if left is not None:
        if left <= 0.05:
            set_integrality(highspy.HighsVarType.kInteger)
            return previous, None, False, highspy.HighsModelStatus.kTimeLimit
        highs.setOptionValue("time_limit", float(left))
    highs.run()
    lp_status = highs.getModelStatus()
    highs.setOptionValue("solver", "choose")
    logger.info("fast path LP relaxation: %.2f s", time.perf_counter() - clock)
    bound = float(highs.getInfo().objective_function_value)
    relaxed = np.asarray(highs.getSolution().col_value)
    set_integrality(highspy.HighsVarType.kInteger)
    if lp_status != highspy.HighsModelStatus.kOptimal:
        return None, None, False, lp_status
    n_cols = highs.getNumCol()
    every = np.arange(n_cols, dtype=np.int32)
    lp = highs.getLp()
    col_lower = np.asarray(lp.col_lower_)
    col_upper = np.asarray(lp.col_upper_)
    housing = np.ones(n_cols, dtype=bool)
    housing[service_cols] = False
    low = np.where(housing, np.maximum(np.floor(relaxed + 1e-6), col_lower),
                   col_lower)
    high = np.where(housing, np.minimum(np.ceil(relaxed - 1e-6), col_upper),
                    col_upper)
    if previous is not None:
        previous = np.concatenate([previous, np.zeros(n_cols - len(previous),
                                                      dtype=np.int64)])
    highs.changeColsBounds(n_cols, every, low, high)
    if previous is not None and np.all(previous >= low) and np.all(previous <= high):
        _warm(highs, highspy, previous)
    left = seconds_left()
    if left is not None:
        highs.setOptionValue("time_limit", max(float(left), 0.01))
    clock = time.perf_counter()
    highs.run()
    logger.info("fast path MIP near the LP optimum: %.2f s, %s",
                time.perf_counter() - clock, highs.getModelStatus())
    near_status = highs.getModelStatus()
    values = None
    if highs.getInfo().primal_solution_status == 2:  # read before bounds change
        values = np.rint(np.asarray(highs.getSolution().col_value)).astype(np.int64)
        objective = highs.getInfo().objective_function_value
    highs.changeColsBounds(n_cols, every, col_lower, col_upper)
    if values is not None:
        logger.info("fast path: LP bound %s, MIP near it %s", bound, objective)
        if abs(bound - objective) <= gap * max(abs(objective), 1e-9) + 1e-6:
            return values, bound, True, near_status
    left = seconds_left()
    if left is not None and left <= 0.05:
        return values, bound, False, near_status
    if left is not None:
        highs.setOptionValue("time_limit", float(left))
    if values is not None or previous is not None:
        _warm(highs, highspy, values if values is not None else previous)
    highs.run()
    status = highs.getModelStatus()
    if highs.getInfo().primal_solution_status == 2:
        values = np.rint(np.asarray(highs.getSolution().col_value)).astype(np.int64)
    return values, bound, False, status


def _warm(highs, highspy, values) -> None:
    solution = highspy.HighsSolution()
    solution.col_value = [float(v) for v in values]
    solution.value_valid = True
    highs.setSolution(solution)


def _unfold(problem, kinds, values, n_col, s_col, columns, area_class, rank):
    """Turn counts into a class per household and a facility per group."""
    rank = rank or list(range(len(problem.household_weight)))
    household_class: list[int | None] = [None] * len(problem.household_weight)
    # Per kind and area class: households (by type counts) and classes (by v).
    waiting: dict[tuple[int, int], list[int]] = defaultdict(list)
    for t, members in enumerate(kinds.type_members):
        queue = sorted(members, key=lambda h: rank[h])
        k = kinds.type_kind[t]
        for q in sorted({q for (tt, q) in n_col if tt == t}):
            for _ in range(int(values[n_col[t, q]])):
                waiting[k, q].append(queue.pop(0))
    counts = values[columns.offset:columns.offset + len(columns.placed)]
    for i in np.flatnonzero(counts).tolist():
        k, c = columns.placed[i]
        queue = waiting[k, int(area_class[c])]
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
