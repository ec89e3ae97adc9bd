"""Reallocate the units freed by exits in a generated county.

Usage::

    python -m bench.reallocate [--households 20000] [--freed 1000] [--seed 1]
        [--base-time-limit 900] [--out bench/results/reallocate.json]

Steps: generate the county (:func:`bench.county.generate_project`), solve its
first allocation (the setup, timed separately), then confirm the exit of
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

from allocator.allocate import solve_project, store_outcome
from allocator.exits import apply_due_exits
from allocator.reallocate import reallocate
from bench.county import REFERENCE, generate_project


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--freed", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--backend", default="auto")
    parser.add_argument("--base-time-limit", type=float, default=900)
    parser.add_argument("--out", type=Path,
                        default=Path("bench/results/reallocate.json"))
    args = parser.parse_args(argv)
    today = REFERENCE

    start = time.perf_counter()
    project = generate_project(args.households, args.seed)
    generate_seconds = time.perf_counter() - start

    start = time.perf_counter()
    base = solve_project(project, backend=args.backend, today=today,
                         time_limit=args.base_time_limit)
    store_outcome(project, base)
    base_seconds = time.perf_counter() - start
    if base.solution is None:
        print(f"first allocation ended {base.run['status']}; nothing to reallocate")
        return 1

    # Exits of households living in a unit, drawn with their own generator.
    units = project.housing_units
    living = sorted(units.loc[units["status"] == "occupied", "household_id"])
    rng = np.random.default_rng(args.seed + 1)
    leaving = sorted(rng.choice(living, size=args.freed, replace=False))
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
    result = reallocate(project, today=today, backend=args.backend)
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
        "households": args.households, "seed": args.seed,
        "units": int(len(units)), "people": int(len(project.members)),
        "facilities": int(len(project.facilities)),
        "generate_seconds": round(generate_seconds, 2),
        "first_allocation": {
            "seconds": round(base_seconds, 2), "status": base.run["status"],
            "backend": base.run["backend"],
            "housed_new": int((before["kind"] == "allocated").sum()),
            "waiting": int((before["kind"] == "waiting").sum())},
        "reallocation": {
            "seconds": round(seconds, 2), "target_seconds": 5.0,
            "status": result.outcome.run["status"],
            "backend": result.outcome.run["backend"],
            "solver_seconds": result.outcome.run["seconds"],
            "units_freed": len(freed), "changes": counts,
            "newly_housed": newly, "moved_households": moved,
            "service_groups_kept": result.kept_services},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                             / 1024, 1),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n",
                        encoding="utf-8")
    print(json.dumps(record["reallocation"], ensure_ascii=False))
    print(f"wrote {args.out}")
    return 0 if moved == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
