"""Reallocate the units freed by exits in a generated county.

Usage::

    python -m bench.reallocate [--households 20000] [--freed 1000]
        [--seed 1 [2 ...]] [--unit-points site|building]
        [--out FILE]

Steps: generate the county (:func:`bench.county.generate_project`: by default
the county of ``allocator bench county``, every unit at its site's point;
with ``--unit-points building`` each building at its own point), make its
first allocation (the setup, timed separately: :func:`greedy_housing` and
:func:`greedy_services`, as the joint model does not finish on this county),
then confirm the exit of
``--freed`` households living in a unit (drawn with a seeded generator) and
time what ``allocator reallocate`` does: free the units of the due exits and
give them to the waiting list with nobody else moved. The result file holds
the times, the solver status of each step, the counts of each kind of change
and an independent check that no household housed before has another unit.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd

from allocator.allocate import priority_scores
from allocator.exits import apply_due_exits
from allocator.project import Project
from allocator.reallocate import reallocate, store_reallocation
from allocator.rules import area_band
from bench.county import REFERENCE, generate_project


def greedy_housing(project: Project, today: dt.date) -> None:
    """Store a first housing allocation made by priority, greedily.

    Waiting households in priority order (then by id) each take the smallest
    fitting vacant unit, an accessible one only when they need it or no other
    fits. The result is maximal (a unit left vacant fits no waiting
    household: it was free when each of them had its turn) and
    priority-respecting (a household waits only when every unit it fits went
    to one of higher or equal priority), the two properties of an optimum of
    the housed level that a reallocation relies on. It has no service places.
    """
    rules = project.rules
    units = project.housing_units
    living = units[units["status"] == "occupied"]
    occupant_unit = dict(zip(living["household_id"], living["unit_id"]))
    free: dict[tuple[float, bool], list[str]] = {}
    for row in units[units["status"] == "vacant"].sort_values("unit_id").itertuples():
        free.setdefault((float(row.area_m2), bool(row.accessible)), []).append(
            row.unit_id)
    priority = priority_scores(project, today)
    households = project.households.assign(
        points=project.households["household_id"].map(priority))
    rows = []
    for row in households.sort_values(["points", "household_id"],
                                      ascending=[False, True]).itertuples():
        if row.household_id in occupant_unit:
            rows.append((row.household_id, occupant_unit[row.household_id],
                         "existing"))
            continue
        low, high = area_band(int(row.size), rules)
        keys = sorted((area, accessible) for (area, accessible), left in free.items()
                      if left and low <= area <= high
                      and (accessible or not row.needs_accessible))
        keys.sort(key=lambda k: (k[1] and not row.needs_accessible, k[0]))
        if keys:
            rows.append((row.household_id, free[keys[0]].pop(0), "allocated"))
        else:
            rows.append((row.household_id, None, "waiting"))
    project.allocations = pd.DataFrame(
        [{"scenario": "base", "run_id": "greedy", "household_id": h, "unit_id": u,
          "kind": kind, "reason": "按优先级顺序逐户分配（基准测试的初始分配）"}
         for h, u, kind in rows])


def greedy_services(project: Project, today: dt.date) -> None:
    """Store school places and clinics for the housed households of the
    stored housing allocation: each group, in register order, takes the
    nearest facility within its catchment that still has room for all of it.
    A valid assignment (capacities, catchments, siblings together), made in
    seconds where the joint model takes far longer on a large county."""
    from allocator.allocate import build_instance
    from allocator.reallocate import _view

    previous = project.allocations[project.allocations["scenario"] == "base"]
    view, _kept, _lost = _view(project, previous, True, today)
    instance = build_instance(view, today)
    problem = instance.problem
    room = list(problem.facility_capacity)
    rows = []
    for g, group in enumerate(problem.groups):
        loc = problem.household_location[group.household]
        options = [] if loc is None else sorted(
            (problem.reach[loc, f], f) for f in group.facilities
            if (loc, f) in problem.reach and room[f] >= group.persons)
        walk, f = options[0] if options else (float("nan"), None)
        if f is not None:
            room[f] -= group.persons
        for member_id in instance.group_members[g]:
            rows.append({
                "scenario": "base", "run_id": "greedy", "member_id": member_id,
                "household_id": instance.household_ids[group.household],
                "kind": instance.group_kind[g],
                "facility_id": None if f is None else instance.facility_ids[f],
                "distance_m": float(walk),
                "reason": "就近分配（基准测试的初始分配）"})
    project.service_assignments = pd.DataFrame(rows)


def first_allocation(project: Project, today: dt.date, backend: str = "auto",
                     time_limit: float | None = None) -> dict:
    """The first allocation a reallocation starts from: housing by
    :func:`greedy_housing`, then school places and clinics for everyone
    housed by the joint model with that housing kept (a reallocation that
    may change services). Returns what the setup did."""
    greedy_housing(project, today)
    result = reallocate(project, today=today, backend=backend,
                        allow_service_changes=True, time_limit=time_limit)
    if not result.solved:
        raise RuntimeError(f"services of the first allocation: "
                           f"{result.outcome.run['status']}")
    store_reallocation(project, result, "first allocation (benchmark setup)")
    return {"status": result.outcome.run["status"],
            "backend": result.outcome.run["backend"],
            "levels": json.loads(result.outcome.run["levels_json"])}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--freed", type=int, default=1_000)
    parser.add_argument("--seed", type=int, nargs="+", default=[1],
                        help="one county per seed; with several, the results "
                             "file holds a series")
    parser.add_argument("--backend", default="auto")
    parser.add_argument("--unit-points", choices=("site", "building"),
                        default="site")
    parser.add_argument("--out", type=Path,
                        help="the results file (default: the file of this size "
                             "and county in bench/results, see default_out)")
    args = parser.parse_args(argv)
    if args.out is None:
        args.out = default_out(args.households, args.unit_points)
    records = []
    for seed in args.seed:
        record = run_once(args.households, args.freed, seed, args.backend,
                          args.unit_points)
        print(json.dumps({"seed": seed, **record["reallocation"]},
                         ensure_ascii=False), flush=True)
        records.append(record)
    result = records[0] if len(records) == 1 else {"series": records}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n",
                        encoding="utf-8")
    print(f"wrote {args.out}")
    return 0 if all(r["reallocation"]["moved_households"] == 0
                    for r in records) else 1


def default_out(households: int, unit_points: str) -> Path:
    """The results file of a county of this size and kind, so that a run of
    another size does not overwrite the figures the README quotes:
    ``reallocate.json`` for 20,000 households at site points, otherwise with
    the size and ``_building`` in the name (``reallocate_building.json``,
    ``reallocate_2000_building.json``)."""
    name = "reallocate"
    if households != 20_000:
        name += f"_{households}"
    if unit_points == "building":
        name += "_building"
    return Path("bench/results") / f"{name}.json"


def run_once(households: int, freed_count: int, seed: int, backend: str,
             unit_points: str) -> dict:
    """One county: generate it, allocate it first, confirm the exits and time
    the reallocation. Returns the results record of that county."""
    today = REFERENCE

    start = time.perf_counter()
    project = generate_project(households, seed, unit_points)
    generate_seconds = time.perf_counter() - start

    start = time.perf_counter()
    greedy_housing(project, today)
    greedy_services(project, today)
    setup = {"how": "greedy by priority for housing, nearest facility with room "
                    "for services"}
    base_seconds = time.perf_counter() - start

    # Exits of households living in a unit, drawn with their own generator.
    units = project.housing_units
    living = sorted(units.loc[units["status"] == "occupied", "household_id"])
    rng = np.random.default_rng(seed + 1)
    leaving = sorted(rng.choice(living, size=freed_count, replace=False))
    unit_of = dict(zip(units["household_id"], units["unit_id"]))
    project.exits = pd.DataFrame([
        {"household_id": h, "unit_id": unit_of[h], "exit_on": today.isoformat(),
         "confirmed": today.isoformat(), "user": "bench", "reason": "退出机制",
         "freed_on": None} for h in leaving])
    marked = project.households["household_id"].isin(leaving)
    project.households.loc[marked, "exited_on"] = today.isoformat()
    before = project.allocations[project.allocations["scenario"] == "base"]
    housed_before = dict(zip(before["household_id"], before["unit_id"]))

    start = time.perf_counter()
    freed = apply_due_exits(project, today)
    result = reallocate(project, today=today, backend=backend)
    seconds = time.perf_counter() - start

    after = dict(zip(result.outcome.allocations["household_id"],
                     result.outcome.allocations["unit_id"]))
    moved = sum(1 for h, u in housed_before.items()
                if isinstance(u, str) and h not in set(leaving) and after.get(h) != u)
    newly = sum(1 for h, u in after.items() if isinstance(u, str)
                and not isinstance(housed_before.get(h), str))
    counts = result.changes["change"].value_counts().to_dict()
    record = {
        "date": dt.date.today().isoformat(),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "note": "other work ran on the machine at the same time; times are upper "
                "bounds",
        "households": households, "seed": seed,
        "unit_points": unit_points,
        "units": int(len(units)), "people": int(len(project.members)),
        "facilities": int(len(project.facilities)),
        "generate_seconds": round(generate_seconds, 2),
        "first_allocation": {
            "seconds": round(base_seconds, 2), **setup,
            "housed_new": int((before["kind"] == "allocated").sum()),
            "waiting": int((before["kind"] == "waiting").sum())},
        "reallocation": {
            "seconds": round(seconds, 2), "target_seconds": 5.0,
            "status": result.outcome.run["status"],
            "backend": result.outcome.run["backend"],
            "solver_seconds": result.outcome.run["seconds"],
            "levels": [{k: level[k] for k in ("level", "objective", "status",
                                              "seconds")}
                       for level in json.loads(result.outcome.run["levels_json"])],
            "units_freed": len(freed), "changes": counts,
            "newly_housed": newly, "moved_households": moved,
            "service_groups_kept": result.kept_services},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                             / 1024, 1),
    }
    return record


if __name__ == "__main__":
    raise SystemExit(main())
