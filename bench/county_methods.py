"""The methods of the county benchmark, each run in a process of its own.

``python -m bench.county_methods METHOD HOUSEHOLDS SEED TIME_LIMIT OUT.json``
generates the county (not timed), builds the method's model and solves it
(timed: ``seconds``), checks the answer against the rules of the joint model
where it is an allocation, and writes one JSON object. The parent process
(:func:`bench.county.run_benchmark`) enforces the time and memory limits and
measures the peak memory.

Methods, all on the same county and the same objectives (housed by priority
weight, then service places inside catchment, then walking):

- ``ours``: the fast exact path of :mod:`solvers.fast`;
- ``cbc_plain``: one binary per household and vacant unit, one per service
  group and candidate placement, built with PuLP and solved by CBC;
- ``sequential``: housing first (level 1 by min-cost flow on the unit classes,
  blind to services), then the services of that housing by HiGHS;
- ``spopt``: spopt's capacitated p-median for the services of the sequential
  housing, one kind at a time, every facility open, every building one
  client (its people go to one facility or stay unserved);
- ``mcf_floor``: OR-Tools min-cost flow on the services-only relaxation of the
  sequential housing (people, not groups, flow to facilities): a floor on
  time, not an allocation;
- ``grouped_highs``: the compact grouped MIP (households by type, units by
  class, service groups as integer flows: the model of the fast path with
  every column) solved level by level by HiGHS directly.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

TODAY = dt.date(2026, 10, 1)
METHODS = ("ours", "cbc_plain", "sequential", "spopt", "mcf_floor", "grouped_highs")
UNSERVED_COST = 10_000_000  # p-median cost of leaving a client unserved


def run_method(method: str, households: int, seed: int,
               time_limit: float, unit_points: str = "site") -> dict:
    """Generate the county, run ``method`` on it, describe the outcome."""
    from allocator.allocate import build_instance, lottery_rank
    from bench.county import generate_project

    project = generate_project(households, seed, unit_points)
    benchmark_rules(project)
    started = time.perf_counter()
    instance = build_instance(project, TODAY)
    problem = instance.problem
    left = max(0.1, time_limit - (time.perf_counter() - started))
    rank = lottery_rank(len(problem.household_weight), int(seed))
    row = {"method": method, "instance_seconds": round(
        time.perf_counter() - started, 3)}
    row.update(_METHODS[method](problem, left, rank))
    row["seconds"] = round(time.perf_counter() - started, 3)
    return _only_what_was_solved(row)


def _only_what_was_solved(row: dict) -> dict:
    """A level the run did not solve has no value, and a run the time limit
    stopped has no gap: a solver's placeholder (CBC's empty incumbent, 0 for
    the levels after the one it stopped in) is not an objective."""
    objective, levels = row.get("objective"), row.get("levels")
    for level in levels or []:
        if level.get("status") not in ("optimal", "feasible"):
            # Its incumbent (the empty one, 0 served) is no result, and the
            # gap against it no gap.
            level.update(objective=None, gap=None)
    if objective and levels is not None:
        solved = {lv["level"] for lv in levels
                  if lv.get("status") in ("optimal", "feasible")}
        row["objective"] = {name: (value if name in solved else None)
                            for name, value in objective.items()}
        if None in row["objective"].values() and row.get("status") in (
                "optimal", "feasible"):
            row["status"] = "timeout"  # it stopped before its last level
    if row.get("objective") is None or row.get("status") not in (
            "optimal", "feasible"):
        row["gap"] = None
    elif levels:
        # The run's gap is its largest level's, for every method alike.
        gaps = [lv.get("gap") for lv in levels]
        row["gap"] = None if None in gaps else max(gaps)
    return row


def benchmark_rules(project) -> None:
    """The objective of the benchmark: housed, served, walk (issue #4).

    Wishes and village groups are left out (the generated county records no
    wishes), and priority-respecting needs no constraint: with "housed" first
    every optimum respects priority (a lower-priority holder of a unit a
    waiting household fits could be swapped for a higher objective).
    """
    project.rules["objective_order"] = ["housed", "served", "walk"]
    project.rules["priority_respecting"] = False


def _ours(problem, left, rank):
    from solvers.fast import check_joint, joint_objectives, solve_fast

    result = solve_fast(problem, time_limit=left, rank=rank)
    out = {"status": result.status.value, "gap": result.gap, "size": result.size,
           "levels": _levels(result.levels), "message": result.message}
    if result.solution is None:
        return out | {"objective": None}
    broken = check_joint(problem, result.solution)
    if broken:
        return out | {"status": "error", "objective": None,
                      "message": f"{len(broken)} broken rules, e.g. {broken[0]}"}
    return out | {"objective": joint_objectives(problem, result.solution)}


def _backend_run(problem, joint, backend, left):
    from solvers import get_backend
    from solvers.fast import check_joint, joint_objectives

    result = get_backend(backend).solve(joint.model, time_limit=left)
    out = {"status": result.status.value, "gap": result.gap,
           "size": {"variables": joint.model.n_vars,
                    "constraints": len(joint.model.constraints)},
           "levels": _levels(result.levels), "message": result.message}
    if result.values is None:
        return out | {"objective": None}
    solution = joint.decode(problem, result.values)
    broken = check_joint(problem, solution)
    if broken:
        return out | {"status": "error", "objective": None,
                      "message": f"{len(broken)} broken rules, e.g. {broken[0]}"}
    return out | {"objective": joint_objectives(problem, solution)}


def _grouped_highs(problem, left, rank):
    """The compact grouped MIP a good engineer would write first: households
    grouped by type, units by class (site or building, and size), service
    groups as integer flows from where they live to facilities (the model of
    :mod:`solvers.fast`, every column in it), solved level by level by HiGHS
    directly: no min-cost flow, no column generation, no neighbourhood."""
    import highspy
    import numpy as np

    from solvers import fast
    from solvers.base import LevelResult, Status

    start = time.perf_counter()
    kinds = fast._group_households(problem)
    capacity = np.asarray(problem.class_capacity, dtype=np.int64)
    area_class, fit_q = fast._area_classes(kinds, len(capacity))
    n_areas = int(area_class.max(initial=-1)) + 1
    used = area_class >= 0
    area_capacity = np.bincount(area_class[used], weights=capacity[used],
                                minlength=n_areas).astype(np.int64)
    type_count = [len(m) for m in kinds.type_members]
    inputs = {"type_count": type_count, "fit_q": fit_q, "area_class": area_class,
              "type_areas": [fit_q[kinds.kind_fit[kinds.type_kind[t]]]
                             for t in range(len(type_count))],
              "area_capacity": area_capacity, "capacity": capacity,
              "class_loc": np.asarray(problem.class_location, dtype=np.int64),
              "n_areas": n_areas, "best_housed": 0}  # level 1 is solved here
    built = fast._build(problem, kinds, inputs, people=False)
    full = built.full
    highs = fast._quiet_highs(highspy)
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("mip_rel_gap", fast.DEFAULT_GAP)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = full.n_cols, len(full.row_lower)
    lp.col_cost_ = np.zeros(full.n_cols)
    lp.col_lower_, lp.col_upper_ = full.lower.astype(float), full.upper.astype(float)
    lp.row_lower_, lp.row_upper_ = full.row_lower, full.row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = full.starts.astype(np.int32)
    lp.a_matrix_.index_ = full.index.astype(np.int32)
    lp.a_matrix_.value_ = full.value
    lp.integrality_ = [highspy.HighsVarType.kInteger] * full.n_cols
    highs.passModel(lp)
    housed = np.zeros(full.n_cols)
    for t, col in built.n_col.items():
        housed[col] = kinds.type_weight[t]
    served = np.zeros(full.n_cols)
    served[built.served_cols] = built.served_vals
    walk = np.zeros(full.n_cols)
    walk[built.served_cols] = built.walk_vals
    levels, values, status, message = [], None, Status.OPTIMAL, ""
    for name, sense, cost in (("housed", "max", housed), ("served", "max", served),
                              ("walk", "min", walk)):
        remaining = left - (time.perf_counter() - start)
        if remaining <= 0.05:
            status, message = Status.TIMEOUT, f"time limit reached before level {name}"
            break
        t0 = time.perf_counter()
        highs.changeColsCost(full.n_cols, np.arange(full.n_cols, dtype=np.int32), cost)
        highs.changeObjectiveSense(highspy.ObjSense.kMaximize if sense == "max"
                                   else highspy.ObjSense.kMinimize)
        fast._time_limit(highs, remaining, True)
        if values is not None:
            fast._warm(highs, highspy, values)
        highs.run()
        info = highs.getInfo()
        if info.primal_solution_status != 2:
            levels.append(LevelResult(name, sense, None, None, Status.TIMEOUT,
                                      time.perf_counter() - t0))
            status, message = Status.TIMEOUT, f"level {name}: no solution"
            break
        values = np.asarray(highs.getSolution().col_value)
        values = np.round(values)
        objective = float(cost @ values)
        bound = float(info.mip_dual_bound)
        proven = highs.getModelStatus() == highspy.HighsModelStatus.kOptimal
        exact = abs(bound - objective) <= 1e-6 * max(1.0, abs(objective))
        # HiGHS stops a level within the allowed gap: optimal only when the
        # bound meets the objective, feasible (with its gap) otherwise.
        level = LevelResult(name, sense, objective, bound,
                            (Status.OPTIMAL if exact else Status.FEASIBLE) if proven
                            else Status.TIMEOUT, time.perf_counter() - t0)
        levels.append(level)
        if not proven:
            status, message = Status.TIMEOUT, f"time limit reached in level {name}"
            break
        if not exact:
            status = Status.FEASIBLE
        idx = np.flatnonzero(cost)
        inf = highspy.kHighsInf
        highs.addRow(objective if sense == "max" else -inf,
                     inf if sense == "max" else objective, len(idx),
                     idx.astype(np.int32), cost[idx])
    # A run the time limit stopped has no allocation, so no gap either (its
    # last level's incumbent may be the empty one, 0 against a bound).
    out = {"status": status.value,
           "gap": levels[-1].gap if levels and status != Status.TIMEOUT else None,
           "size": {"variables": full.n_cols, "constraints": len(full.row_lower)},
           "levels": _levels(levels), "message": message}
    if status == Status.TIMEOUT:
        return out | {"objective": None}
    solution = fast._unfold(problem, kinds, values, built.n_col, built.s_col,
                            built.columns, area_class, rank)
    broken = fast.check_joint(problem, solution)
    if broken:
        return out | {"status": "error", "objective": None,
                      "message": f"{len(broken)} broken rules, e.g. {broken[0]}"}
    return out | {"objective": fast.joint_objectives(problem, solution)}


def _cbc_plain(problem, left, rank):
    from solvers.joint import build_joint_model

    # One class per vacant unit: x[h, u] for every household and fitting unit.
    unit_class, unit_location = [], []
    units_of = []
    for c, count in enumerate(problem.class_capacity):
        units_of.append(list(range(len(unit_class), len(unit_class) + count)))
        unit_class.extend([c] * count)
        unit_location.extend([problem.class_location[c]] * count)
    household_units = {}
    classes = []
    for fitting in problem.household_classes:
        units = household_units.get(id(fitting))
        if units is None:
            units = [u for c in fitting for u in units_of[c]]
            household_units[id(fitting)] = units
        classes.append(units)
    sites = getattr(problem, "class_site", None)
    plain = replace(problem, class_location=unit_location,
                    class_capacity=[1] * len(unit_class), household_classes=classes,
                    **({"class_site": [sites[c] for c in unit_class]}
                       if sites else {}))
    joint = build_joint_model(plain)
    out = _backend_run(plain, joint, "cbc", left)
    return out


def _housing_first(problem):
    """Level 1 alone, on the unit classes themselves (blind to services)."""
    from solvers.fast import housed_by_flow

    types: dict[tuple, list[int]] = defaultdict(list)
    for h, loc in enumerate(problem.household_location):
        if loc is None:
            types[problem.household_weight[h],
                  id(problem.household_classes[h])].append(h)
    keys = list(types)
    counts = [len(types[k]) for k in keys]
    weights = [k[0] for k in keys]
    areas = [[c for c in problem.household_classes[types[k][0]]
              if problem.class_capacity[c] > 0] for k in keys]
    housed, flow = housed_by_flow(counts, weights, areas, problem.class_capacity)
    location = list(problem.household_location)
    queues = {t: list(types[k]) for t, k in enumerate(keys)}
    for (t, c), amount in sorted(flow.items()):
        for _ in range(amount):
            location[queues[t].pop(0)] = problem.class_location[c]
    return housed, location


def _sequential(problem, left, rank):
    from solvers.joint import build_aggregated_model

    started = time.perf_counter()
    housed, location = _housing_first(problem)
    housing_seconds = time.perf_counter() - started
    fixed = replace(problem, household_location=location,
                    household_classes=[[] for _ in location])
    left -= housing_seconds
    out = _backend_run(fixed, build_aggregated_model(fixed), "highs", max(left, 0.1))
    if out["objective"] is not None:
        out["objective"]["housed"] = housed
    out["message"] = "; ".join(filter(None, [
        out.get("message"), "optimal for its own order (housing first, blind to "
        "services; then services on that housing), not for the joint problem"]))
    # The services' model sees every household already placed, so its own
    # housed level counts nothing; the level is the flow's, proven optimal.
    for level in out.get("levels") or []:
        if level["level"] == "housed":
            level.update(objective=float(housed), bound=float(housed),
                         status="optimal", seconds=round(housing_seconds, 3))
    return out


def _service_demand(problem, location):
    """Persons per (location, facility kind) and the kinds' candidates."""
    demand: dict[tuple[int, tuple[int, ...]], int] = defaultdict(int)
    for group in problem.groups:
        loc = location[group.household]
        if loc is not None:
            demand[loc, tuple(group.facilities)] += group.persons
    return demand


def _spopt(problem, left, rank):
    import numpy as np
    import pulp
    from spopt.locate import PMedian

    started = time.perf_counter()
    housed, location = _housing_first(problem)
    demand = _service_demand(problem, location)
    served = walk = 0
    by_kind: dict[tuple[int, ...], list[tuple[int, int]]] = defaultdict(list)
    for (loc, facilities), persons in demand.items():
        by_kind[facilities].append((loc, persons))
    status = "optimal"
    for facilities, clients in by_kind.items():
        remaining = left - (time.perf_counter() - started)
        if remaining <= 0.1:
            return {"status": "timeout", "objective": None, "gap": None,
                    "message": "time limit reached"}
        cost = np.full((len(clients), len(facilities) + 1), float(UNSERVED_COST * 10))
        for i, (loc, _persons) in enumerate(clients):
            for j, f in enumerate(facilities):
                w = problem.reach.get((loc, f))
                if w is not None:
                    cost[i, j] = float(int(round(w)))
            cost[i, -1] = float(UNSERVED_COST)
        weights = np.array([p for _loc, p in clients], dtype=float)
        capacities = np.array([problem.facility_capacity[f] for f in facilities]
                              + [int(weights.sum())], dtype=float)
        model = PMedian.from_cost_matrix(
            cost, weights, p_facilities=len(facilities) + 1,
            facility_capacities=capacities)
        model = model.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=max(1, int(
            remaining))))
        if model.problem.status != 1:
            return {"status": "timeout" if model.problem.status == 0 else "error",
                    "objective": None, "gap": None,
                    "message": f"PuLP status {model.problem.status}"}
        for i, chosen in enumerate(model.cli2fac):
            if chosen and chosen[0] < len(facilities):
                served += clients[i][1]
                walk += clients[i][1] * int(cost[i, chosen[0]])
    return {"status": status, "gap": None,
            "objective": {"housed": housed, "served": served, "walk": walk},
            "message": "buildings assigned whole (single sourcing); the "
                       "objective counts the allocation it gives"}


def _mcf_floor(problem, left, rank):
    from ortools.graph.python import min_cost_flow

    housed, location = _housing_first(problem)
    demand = _service_demand(problem, location)
    flow = min_cost_flow.SimpleMinCostFlow()
    sources = list(demand)
    n_sources = len(sources)
    n_facilities = len(problem.facility_capacity)
    sink = n_sources + n_facilities
    total = sum(demand.values())
    top = max((int(round(w)) for w in problem.reach.values()), default=0) + 1
    served_arcs = []
    for i, (loc, facilities) in enumerate(sources):
        flow.set_node_supply(i, demand[loc, facilities])
        flow.add_arc_with_capacity_and_unit_cost(i, sink, demand[loc, facilities],
                                                 top * total + 1)
        for f in facilities:
            w = problem.reach.get((loc, f))
            if w is not None:
                arc = flow.add_arc_with_capacity_and_unit_cost(
                    i, n_sources + f, demand[loc, facilities], int(round(w)))
                served_arcs.append((arc, int(round(w))))
    for f, cap in enumerate(problem.facility_capacity):
        flow.add_arc_with_capacity_and_unit_cost(n_sources + f, sink, cap, 0)
    flow.set_node_supply(sink, -total)
    if total and flow.solve() != flow.OPTIMAL:
        return {"status": "error", "objective": None, "gap": None,
                "message": "min-cost flow failed"}
    served = sum(flow.flow(a) for a, _w in served_arcs) if total else 0
    walk = sum(flow.flow(a) * w for a, w in served_arcs) if total else 0
    return {"status": "optimal", "gap": None,
            "objective": {"housed": housed, "served": int(served), "walk": int(walk)},
            "message": "relaxation: people flow one by one (groups may split), "
                       "so this is a floor on time, not an allocation"}


def _levels(levels):
    return [{"level": lv.name, "objective": lv.objective, "bound": lv.bound,
             "gap": lv.gap, "status": lv.status.value,
             "seconds": round(lv.seconds, 3)} for lv in levels]


_METHODS = {"ours": _ours, "cbc_plain": _cbc_plain, "sequential": _sequential,
            "spopt": _spopt, "mcf_floor": _mcf_floor,
            "grouped_highs": _grouped_highs}


def _end_with_the_benchmark() -> None:
    """Stop this method, and the solver programs it started (its process
    group), when the benchmark that started it is gone (killed outright, so
    that it could not stop them), removing its files first."""
    import os
    import shutil
    import signal
    import threading
    import time

    parent = os.getppid()
    folder = os.environ.get("TMPDIR", "")

    def watch() -> None:
        while os.getppid() == parent:  # seldom: the method is being timed
            time.sleep(2.0)
        if os.path.basename(folder).startswith("county-bench-"):
            shutil.rmtree(folder, ignore_errors=True)
        os.killpg(os.getpgrp(), signal.SIGKILL)

    threading.Thread(target=watch, daemon=True).start()


def main(argv: list[str] | None = None) -> int:
    args = (argv or sys.argv[1:])
    if hasattr(os, "killpg") and os.getpgrp() == os.getpid():  # its own group
        _end_with_the_benchmark()
    method, households, seed, time_limit, out = args[:5]
    unit_points = args[5] if len(args) > 5 else "site"
    try:
        row = run_method(method, int(households), int(seed), float(time_limit),
                         unit_points)
    except MemoryError:
        row = {"method": method, "status": "out_of_memory", "objective": None,
               "gap": None, "message": "memory limit reached"}
    except Exception as exc:  # reported in the results, never hidden
        message = f"{type(exc).__name__}: {exc}"
        if isinstance(exc, ModuleNotFoundError):
            message += "; install the benchmark's extras: pip install -e \".[bench]\""
        row = {"method": method, "status": "error", "objective": None,
               "gap": None, "message": message}
    Path(out).write_text(json.dumps(row, default=_plain), encoding="utf-8")
    return 0


def _plain(value):
    try:
        return value.item()
    except AttributeError:
        return str(value)


if __name__ == "__main__":
    sys.exit(main())
