"""Solve the bundled sample county with every back end and formulation.

Usage::

    python -m bench.sample_backends [--out bench/results/sample_backends.json]
        [--runs aggregated:highs,aggregated:cpsat,detailed:highs]
        [--time-limit 900] [--date 2026-12-04]

For each (formulation, back end) it records the status, the objective and
bound of every level, the solve time and the peak resident memory of the
process so far, and whether all runs agree on the objective of every level.
The per-household ("detailed") model is the baseline the aggregated model is
compared with in the same run.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path

from allocator.allocate import solve_project
from allocator.importer import ImportInputs, import_files
from sample_data import sample_files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path,
                        default=Path("bench/results/sample_backends.json"))
    parser.add_argument("--runs",
                        default="aggregated:highs,aggregated:cpsat,detailed:highs",
                        help="formulation:backend pairs, comma-separated")
    parser.add_argument("--time-limit", type=float, default=900)
    parser.add_argument("--date", type=dt.date.fromisoformat,
                        default=dt.date(2026, 12, 4))
    args = parser.parse_args(argv)

    files = sample_files()
    start = time.perf_counter()
    result = import_files(ImportInputs(
        register=files["register"], sites=files["sites"], units=files["units"],
        facilities=files["facilities"], county=files["county"]))
    import_seconds = time.perf_counter() - start
    if result.errors:
        print("\n".join(str(p) for p in result.errors[:20]), file=sys.stderr)
        return 1

    runs = []
    for pair in args.runs.split(","):
        formulation, backend = pair.split(":")
        project = copy.deepcopy(result.project)
        start = time.perf_counter()
        outcome = solve_project(project, backend=backend, today=args.date,
                                formulation=formulation,
                                time_limit=args.time_limit)
        wall = time.perf_counter() - start
        levels = json.loads(outcome.run["levels_json"])
        runs.append({
            "formulation": formulation,
            "backend": backend,
            "status": outcome.run["status"],
            "wall_seconds": round(wall, 2),
            "solve_seconds": outcome.run["seconds"],
            "levels": levels,
            "peak_rss_mb": round(resource.getrusage(
                resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        })
        print(f"{formulation:10s} {backend:6s} {outcome.run['status']:9s} "
              f"{wall:8.1f} s  " + "  ".join(
                  f"{lv['level']}={lv['objective']}" for lv in levels))

    finished = [r for r in runs if r["status"] == "optimal"]
    objectives = {tuple(lv["objective"] for lv in r["levels"]) for r in finished}
    report = {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "today": args.date.isoformat(),  # the day the allocations were made
        "machine": {"python": platform.python_version(),
                    "processor": platform.machine(),
                    "cpus": os.cpu_count()},
        "households": len(result.project.households),
        "members": len(result.project.members),
        "import_seconds": round(import_seconds, 2),
        "runs": runs,
        "all_optimal": len(finished) == len(runs),
        "all_agree": len(objectives) == 1,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2),
                        encoding="utf-8")
    print(f"all optimal: {report['all_optimal']}; all agree: {report['all_agree']}; "
          f"wrote {args.out}")
    return 0 if report["all_optimal"] and report["all_agree"] else 1


if __name__ == "__main__":
    sys.exit(main())
