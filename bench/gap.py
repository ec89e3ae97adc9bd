"""Solve OR-Library GAP instances and compare with the published optima.

``allocator bench gap FILE`` solves one instance (the CLI);
``python -m bench.gap --all`` solves gap1-12 and gapa-c, both senses, with
each back end, and writes ``bench/results/gap.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from solvers.gap import solve_gap

DATA = Path(__file__).parent / "data" / "gap"


def published_optima(bounds: Path) -> dict[tuple[str, str], int]:
    """(instance, min|max) -> optimum, for rows where lb equals ub."""
    optima = {}
    for line in bounds.read_text().splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] == parts[2]:
            instance, sense = parts[0].rsplit("_", 1)
            optima[instance, sense.lower()] = int(parts[1])
    return optima


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--backends", default="highs,cpsat,cbc")
    parser.add_argument("--time-limit", type=float, default=120)
    parser.add_argument("--out", type=Path, default=Path("bench/results/gap.json"))
    args = parser.parse_args(argv)

    optima = published_optima(args.data / "bounds.txt")
    rows = []
    for path in sorted(args.data.glob("*.txt")):
        if path.name == "bounds.txt":
            continue
        for sense in ("min", "max"):
            known = optima.get((path.stem, sense))
            for backend in args.backends.split(","):
                row = solve_gap(path, sense, backend, args.time_limit)
                row["published"] = known
                row["matches"] = known is not None and row["objective"] == known
                rows.append(row)
                print(f"{path.stem:9s} {sense} {backend:6s} {row['status']:8s} "
                      f"{row['objective']} (published {known}) {row['seconds']} s")
    matched = sum(r["matches"] for r in rows)
    report = {"runs": rows, "matched": matched, "total": len(rows)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"{matched}/{len(rows)} match the published optimum; wrote {args.out}")
    return 0 if matched == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
