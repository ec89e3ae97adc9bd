"""The ``allocator`` command line: everything the window can do.

Exit codes: 0 done (warnings allowed), 1 data errors or a failed solve or
export, 2 wrong usage.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import logging
import os
import signal
import sys
import threading
import time
import traceback
from pathlib import Path

logger = logging.getLogger("allocator")

EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2


def log_path() -> Path:
    """Where the full log (with tracebacks) goes, per user."""
    if os.name == "nt":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home()))
    else:
        base = Path(os.environ.get("XDG_STATE_HOME", Path.home() / ".local" / "state"))
    return base / "allocator" / "allocator.log"


def _setup_logging(verbose: bool) -> Path | None:
    root = logging.getLogger()
    root.setLevel(logging.DEBUG)
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.INFO if verbose else logging.WARNING)
    console.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    console.addFilter(lambda record: not getattr(record, "file_only", False))
    root.addHandler(console)
    return add_file_log()


def add_file_log() -> Path | None:
    """Send INFO and above (and unexpected tracebacks) to the per-user log file
    once per process; return its path, or None where it cannot be written."""
    path = log_path()
    root = logging.getLogger()
    for handler in root.handlers:
        if isinstance(handler, logging.FileHandler) and Path(
                handler.baseFilename) == path:
            return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        return None
    handler.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    return path


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from exc


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from exc
    if value <= 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value


def _add_inputs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--register", type=Path, required=True,
                        help="household register, one row per person (.xlsx/.csv)")
    parser.add_argument("--sites", type=Path, required=True,
                        help="settlement sites (.gpkg/.geojson/.shp/.csv/.xlsx)")
    parser.add_argument("--units", type=Path, required=True,
                        help="housing units with 经度/纬度 or a spatial file")
    parser.add_argument("--facilities", type=Path, required=True,
                        help="schools and clinics (spatial file or table)")
    parser.add_argument("--county", type=Path, help="county boundary (spatial file)")
    parser.add_argument("--crs", help="CRS of a spatial file that declares none, "
                        "e.g. EPSG:4490")
    parser.add_argument("--coords", choices=("wgs84", "cgcs2000", "gcj02", "bd09"),
                        help="coordinate system of the 经度/纬度 columns of CSV/Excel "
                        "tables (default cgcs2000; a 坐标系 column may say it per "
                        "row); spatial files keep the CRS they declare")
    parser.add_argument("--encoding", help="text encoding of CSV files and "
                        "Shapefiles (default: detect UTF-8 or GBK)")
    parser.add_argument("--repair-geometry", action="store_true",
                        help="repair invalid (self-intersecting) geometries with "
                        "make_valid instead of refusing them")


def _add_solve_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--backend", choices=("auto", "cpsat", "highs", "cbc"),
                        default="auto", help="solver back end (default auto)")
    parser.add_argument("--time-limit", type=_positive, default=None,
                        help="seconds for the whole solve (default: none)")
    parser.add_argument("--date", type=_date, default=None,
                        help="the day the allocation is made (default today); "
                        "school ages count on 1 September of the school year in "
                        "progress on that day")
    parser.add_argument("--seed", type=int, default=None,
                        help="lottery seed (default: the project's rule)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="allocator",
        description="安置分配优化 Resettlement allocation: housing units, school "
        "places and clinics for county resettlement planners.")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="show progress messages")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="import, solve and export the bundled "
                               "sample county (昭觉县)")
    demo.add_argument("--out", type=Path, required=True, help="output folder")
    _add_solve_options(demo)

    imp = commands.add_parser("import", help="check files and create a project")
    _add_inputs(imp)
    imp.add_argument("--out", type=Path, required=True, help="project .gpkg to write")
    imp.add_argument("--force", action="store_true",
                     help="replace an existing project file")

    val = commands.add_parser("validate", help="check files, write nothing")
    _add_inputs(val)

    solve = commands.add_parser("solve", help="allocate a project")
    solve.add_argument("project", type=Path)
    _add_solve_options(solve)
    solve.add_argument("--json", type=Path, help="write KPIs and run to this file")

    export = commands.add_parser("export", help="write orders PDF and/or Excel")
    export.add_argument("project", type=Path)
    export.add_argument("--pdf", type=Path, help="allocation orders PDF")
    export.add_argument("--xlsx", type=Path, help="Excel workbook")
    export.add_argument("--csv", type=Path, help="allocation table as CSV")
    export.add_argument("--household", action="append", default=None,
                        help="only this household (repeatable)")

    rules = commands.add_parser(
        "rules", help="show or change a project's rules (with their sources)")
    rules.add_argument("project", type=Path)
    rules.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                       help="change a rule; VALUE is JSON, e.g. detour_factor=1.4 or "
                       'catchment_walk_m=\'{"kindergarten": 300, "primary": 2000, '
                       '"junior": 3000, "clinic": 1000}\'')
    rules.add_argument("--reason", default="", help="why (kept in the ledger)")

    lock = commands.add_parser(
        "lock", help="fix a unit to a household or forbid one, before solving")
    lock.add_argument("project", type=Path)
    lock.add_argument("--household", help="household id (户号)")
    target = lock.add_mutually_exclusive_group()
    target.add_argument("--unit", help="fix this unit (房号) to the household")
    target.add_argument("--forbid", metavar="UNIT",
                        help="never give this unit to the household")
    lock.add_argument("--remove", action="store_true",
                      help="remove the household's locks on that unit")
    lock.add_argument("--reason", default="", help="why (printed on the order)")

    bench = commands.add_parser("bench", help="benchmarks of the solver layer")
    bench_commands = bench.add_subparsers(dest="bench_command", required=True)
    gap = bench_commands.add_parser(
        "gap", help="solve an OR-Library generalized assignment instance")
    gap.add_argument("file", type=Path)
    gap.add_argument("--sense", choices=("min", "max"), default="min")
    gap.add_argument("--time-limit", type=_positive, default=None)
    gap.add_argument("--backend", choices=("auto", "cpsat", "highs", "cbc"),
                     default="auto")
    gap.add_argument("--json", type=Path, required=True, help="result file")

    gui = commands.add_parser("gui", help="open the desktop window")
    gui.add_argument("project", type=Path, nargs="?", default=None,
                     help="project .gpkg to open")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``allocator`` command."""
    if hasattr(sys.stdout, "reconfigure"):
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.reconfigure(encoding="utf-8", errors="replace")
            except (ValueError, OSError):
                pass
    parser = build_parser()
    args = parser.parse_args(argv)
    log_file = _setup_logging(args.verbose)
    handlers = {"demo": cmd_demo, "import": cmd_import, "validate": cmd_validate,
                "solve": cmd_solve, "export": cmd_export, "bench": cmd_bench,
                "gui": cmd_gui, "rules": cmd_rules, "lock": cmd_lock}
    try:
        return handlers[args.command](args)
    except BrokenPipeError:  # output piped into `head`, say
        return EXIT_OK
    except KeyboardInterrupt:
        print("interrupted; nothing was saved by the interrupted step",
              file=sys.stderr)
        return EXIT_DATA
    except Exception as exc:  # the one place that turns errors into messages
        return _report(exc, log_file)


def _report(exc: Exception, log_file: Path | None) -> int:
    from allocator.allocate import LockError
    from allocator.export import ExportRefused
    from allocator.project import ProjectError

    known = (ProjectError, ExportRefused, LockError)
    try:
        from allocator.orders import ExportCancelled, MissingGlyphError

        known = known + (MissingGlyphError, ExportCancelled)
    except ImportError:
        pass
    logger.debug("error", exc_info=True)
    if isinstance(exc, known):
        print(f"错误 error: {exc}", file=sys.stderr)
        return EXIT_DATA
    if isinstance(exc, OSError):
        print(f"错误 error: {exc.strerror or exc}: {exc.filename or ''}; check the "
              "path, free disk space and permissions", file=sys.stderr)
        return EXIT_DATA
    logging.getLogger("allocator").error("unexpected error\n%s", traceback.format_exc(),
                                         extra={"file_only": True})
    where = f"; the full report is in {log_file}" if log_file else ""
    print(f"错误 error: unexpected {type(exc).__name__}: {exc}{where}", file=sys.stderr)
    return EXIT_DATA


def _inputs(args):
    from allocator.importer import ImportInputs

    return ImportInputs(register=args.register, sites=args.sites, units=args.units,
                        facilities=args.facilities, county=args.county, crs=args.crs,
                        coords=args.coords, encoding=args.encoding,
                        repair_geometry=args.repair_geometry)


def _print_problems(problems, per_column: int = 20) -> None:
    """Print problems by file and row; a column with many problems (a swapped
    header, say) shows its first ``per_column`` and a count of the rest."""
    files = list(dict.fromkeys(p.file for p in problems))
    problems = sorted(problems, key=lambda p: (files.index(p.file), p.row or 0))
    shown: dict[tuple, int] = {}
    for problem in problems:
        key = (problem.file, problem.column, problem.severity)
        shown[key] = shown.get(key, 0) + 1
        if shown[key] <= per_column:
            print(str(problem), file=sys.stderr)
    for (file, column, severity), count in shown.items():
        if count > per_column:
            print(f"{file}: ... and {count - per_column} more {severity}s in column "
                  f"{column or '-'} (same kind as above)", file=sys.stderr)


def _run_import(inputs):
    from allocator.importer import import_files

    result = import_files(inputs)
    _print_problems(result.problems)
    errors = len(result.errors)
    warnings = sum(p.severity == "warning" for p in result.problems)
    print(f"{errors} error(s), {warnings} warning(s)", file=sys.stderr)
    return result


def cmd_validate(args) -> int:
    result = _run_import(_inputs(args))
    if result.errors:
        return EXIT_DATA
    project = result.project
    print(f"OK: {len(project.households)} households, {len(project.members)} people, "
          f"{len(project.housing_units)} units, {len(project.facilities)} facilities")
    return EXIT_OK


def cmd_import(args) -> int:
    from allocator.project import save_project

    if args.out.exists() and not args.force:
        print(f"错误 error: {args.out} exists; choose another --out or add --force "
              "to replace it", file=sys.stderr)
        return EXIT_USAGE
    result = _run_import(_inputs(args))
    if result.errors:
        print("nothing written: fix the errors above and import again", file=sys.stderr)
        return EXIT_DATA
    save_project(result.project, args.out)
    print(f"wrote {args.out}: {len(result.project.households)} households")
    return EXIT_OK


def _solve(project, args, quiet: bool = False):
    from allocator.allocate import solve_project, store_outcome
    from allocator.validator import validate_allocation

    last = [0.0]

    def progress(level, best, bound, seconds):
        if args.verbose and time.monotonic() - last[0] > 1.0:
            last[0] = time.monotonic()
            print(f"  {level}: best {best} bound {bound} ({seconds:.1f} s)",
                  file=sys.stderr)

    with _interrupt_as_cancel() as cancelled:
        outcome = solve_project(project, backend=args.backend,
                                time_limit=args.time_limit, today=args.date,
                                seed=args.seed, progress=progress, cancel=cancelled)
    store_outcome(project, outcome)
    status = outcome.run["status"]
    if status in ("optimal", "feasible", "cancelled") and outcome.solution is not None:
        violations = validate_allocation(project)
        if violations:
            for line in violations[:50]:
                print(f"validator: {line}", file=sys.stderr)
            raise RuntimeError(f"the solution breaks {len(violations)} rule(s)")
    return outcome


@contextlib.contextmanager
def _interrupt_as_cancel():
    """The first Ctrl-C asks the solver to stop with what it has; a second one
    interrupts at once."""
    flag = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield flag.is_set
        return

    def handler(signum, frame):
        if flag.is_set():
            raise KeyboardInterrupt
        flag.set()
        print("\nstopping the solver (Ctrl-C again to abort)...", file=sys.stderr)

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield flag.is_set
    finally:
        signal.signal(signal.SIGINT, previous)


def _write_kpis(project, path: Path | None, quiet: bool = False) -> dict:
    from allocator.kpis import compute_kpis, kpi_table
    from allocator.shortage import compute_shortages

    kpis = compute_kpis(project)
    kpis["shortages"] = compute_shortages(project)
    if not quiet:
        print(kpi_table(kpis))
        if kpis["shortages"]:
            print("\n短缺说明 shortages (by building):")
            for record in kpis["shortages"][:20]:
                print(f"  {record['text']}")
            if len(kpis["shortages"]) > 20:
                print(f"  ... {len(kpis['shortages']) - 20} more in the JSON / Excel")
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(kpis, ensure_ascii=False, indent=2, default=str),
                        encoding="utf-8")
    return kpis


def cmd_solve(args) -> int:
    from allocator.project import project_lock

    with project_lock(args.project):
        return _cmd_solve(args)


def _writable(folder: Path) -> bool:
    return os.access(folder if str(folder) else Path("."), os.W_OK)


def _cmd_solve(args) -> int:
    from allocator.project import load_project, save_project

    if args.project.exists() and not _writable(args.project.parent):
        print(f"错误 error: cannot write in {args.project.parent}, so the solve could "
              "not be saved; copy the project to a folder you can write to",
              file=sys.stderr)
        return EXIT_DATA
    project = load_project(args.project)
    outcome = _solve(project, args)
    save_project(project, args.project)
    status = outcome.run["status"]
    if outcome.solution is None:
        print(f"错误 error: solve ended {status}; no allocation stored "
              f"({outcome.result.message})", file=sys.stderr)
        if args.json:
            args.json.write_text(json.dumps({"run": outcome.run}, ensure_ascii=False,
                                            indent=2, default=str), encoding="utf-8")
        return EXIT_DATA
    _write_kpis(project, args.json)
    return EXIT_OK


def _progress_bar(label: str):
    interactive = sys.stderr.isatty()

    def report(done: int, total: int) -> None:
        if interactive and (done == total or done % 100 == 0):
            print(f"\r{label}: {done}/{total}", end="" if done < total else "\n",
                  file=sys.stderr)
        elif not interactive and done == total:
            print(f"{label}: {done}/{total} pages", file=sys.stderr)
    return report


def cmd_export(args) -> int:
    from allocator.project import project_lock

    with project_lock(args.project):
        return _cmd_export(args)


def _cmd_export(args) -> int:
    from allocator.export import export_csv, export_pdf, export_xlsx
    from allocator.project import load_project

    if args.pdf is None and args.xlsx is None and args.csv is None:
        print("错误 error: give --pdf FILE, --xlsx FILE and/or --csv FILE",
              file=sys.stderr)
        return EXIT_USAGE
    for target in (args.pdf, args.xlsx, args.csv):
        if target is None:
            continue
        if target.is_dir():
            print(f"错误 error: {target} is a folder; give a file name",
                  file=sys.stderr)
            return EXIT_USAGE
        target.parent.mkdir(parents=True, exist_ok=True)
        if not _writable(target.parent):
            print(f"错误 error: cannot write in {target.parent}; nothing exported",
                  file=sys.stderr)
            return EXIT_DATA
    project = load_project(args.project)
    if args.pdf is not None:
        export_pdf(project, args.pdf, households=args.household,
                   progress=_progress_bar("orders"))
        print(f"wrote {args.pdf}")
    if args.xlsx is not None:
        export_xlsx(project, args.xlsx)
        print(f"wrote {args.xlsx}")
    if args.csv is not None:
        export_csv(project, args.csv)
        print(f"wrote {args.csv}")
    project.log("export", "scenario base",
                after={"pdf": str(args.pdf) if args.pdf else None,
                       "xlsx": str(args.xlsx) if args.xlsx else None,
                       "csv": str(args.csv) if args.csv else None},
                reason="allocator export")
    from allocator.project import save_project

    save_project(project, args.project)
    return EXIT_OK


def cmd_rules(args) -> int:
    from allocator.project import project_lock

    with project_lock(args.project):
        return _cmd_rules(args)


def _cmd_rules(args) -> int:
    from allocator.project import load_project, rules_frame, save_project
    from allocator.rules import DEFAULTS, rule_problems

    project = load_project(args.project)
    if args.set:
        changed = dict(project.rules)
        for item in args.set:
            key, sep, text = item.partition("=")
            key = key.strip()
            if not sep or key not in DEFAULTS:
                print(f"错误 error: {item!r}: use KEY=VALUE with KEY one of "
                      + ", ".join(DEFAULTS), file=sys.stderr)
                return EXIT_USAGE
            try:
                changed[key] = json.loads(text)
            except json.JSONDecodeError:
                changed[key] = text  # a bare word, e.g. a date
        problems = rule_problems(changed)
        if problems:
            for problem in problems:
                print(f"错误 error: {problem}", file=sys.stderr)
            print("nothing changed", file=sys.stderr)
            return EXIT_DATA
        before = {k: project.rules.get(k) for k in changed
                  if changed[k] != project.rules.get(k)}
        project.rules = changed
        project.log("edit rules", "rules", before=before,
                    after={k: changed[k] for k in before},
                    reason=args.reason or "allocator rules --set")
        save_project(project, args.project)
    for row in rules_frame(project.rules).itertuples():
        label = DEFAULTS[row.key].label if row.key in DEFAULTS else row.key
        print(f"{row.key} ({label}) = {row.value_json}\n    来源 source: {row.source}")
    return EXIT_OK


def cmd_lock(args) -> int:
    from allocator.project import project_lock

    with project_lock(args.project):
        return _cmd_lock(args)


def _cmd_lock(args) -> int:
    import pandas as pd

    from allocator.project import load_project, save_project

    project = load_project(args.project)
    unit = args.unit or args.forbid
    if unit is not None:
        if not args.household:
            print("错误 error: give --household with --unit or --forbid",
                  file=sys.stderr)
            return EXIT_USAGE
        if args.household not in set(project.households["household_id"]):
            print(f"错误 error: household {args.household} is not in the project",
                  file=sys.stderr)
            return EXIT_DATA
        if unit not in set(project.housing_units["unit_id"]):
            print(f"错误 error: unit {unit} is not in the project", file=sys.stderr)
            return EXIT_DATA
        locks = project.locks
        same = (locks["household_id"] == args.household) & (locks["unit_id"] == unit)
        before = locks[same].to_dict("records")
        project.locks = locks[~same]
        if not args.remove:
            entry = {"household_id": args.household, "unit_id": unit,
                     "kind": "fix" if args.unit else "forbid", "reason": args.reason,
                     "created": dt.datetime.now().astimezone().isoformat(
                         timespec="seconds")}
            project.locks = pd.concat([project.locks, pd.DataFrame([entry])],
                                      ignore_index=True)
        project.log("lock", f"household {args.household}", before=before,
                    after=None if args.remove else entry, reason=args.reason)
        save_project(project, args.project)
    for row in project.locks.itertuples():
        kind = "固定 fix" if row.kind == "fix" else "禁止 forbid"
        print(f"{row.household_id}  {kind}  {row.unit_id}  {row.reason or ''}")
    if project.locks.empty:
        print("no locks")
    return EXIT_OK


def cmd_bench(args) -> int:
    from solvers.gap import GapFormatError, solve_gap

    try:
        result = solve_gap(args.file, args.sense, args.backend, args.time_limit)
    except (GapFormatError, FileNotFoundError) as exc:
        print(f"错误 error: {exc}", file=sys.stderr)
        return EXIT_DATA
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"{result['instance']} {result['sense']}: {result['status']} "
          f"objective {result['objective']} bound {result['bound']} "
          f"({result['seconds']} s, {result['backend']})")
    return EXIT_OK if result["status"] in ("optimal", "feasible") else EXIT_DATA


def cmd_demo(args) -> int:
    from allocator.export import export_pdf, export_xlsx
    from allocator.importer import ImportInputs
    from allocator.project import save_project
    from sample_data import sample_files

    out = args.out
    out.mkdir(parents=True, exist_ok=True)  # fail before the long work
    if not _writable(out):
        print(f"错误 error: cannot write in {out}; choose another --out",
              file=sys.stderr)
        return EXIT_DATA
    files = sample_files()
    inputs = ImportInputs(register=files["register"], sites=files["sites"],
                          units=files["units"], facilities=files["facilities"],
                          county=files["county"])
    start = time.perf_counter()
    result = _run_import(inputs)
    if result.errors:
        return EXIT_DATA
    project = result.project
    print(f"imported the sample county in {time.perf_counter() - start:.1f} s: "
          f"{len(project.households)} households, {len(project.members)} people, "
          f"{len(project.housing_units)} units, {len(project.facilities)} facilities")
    outcome = _solve(project, args)
    if outcome.solution is None:
        print(f"错误 error: solve ended {outcome.run['status']}", file=sys.stderr)
        return EXIT_DATA
    _write_kpis(project, out / "kpis.json")
    export_pdf(project, out / "orders.pdf", progress=_progress_bar("orders"))
    export_xlsx(project, out / "allocations.xlsx")
    project.log("export", "scenario base",
                after={"pdf": "orders.pdf", "xlsx": "allocations.xlsx"},
                reason="allocator demo")
    save_project(project, out / "project.gpkg")
    for name in ("project.gpkg", "orders.pdf", "allocations.xlsx", "kpis.json"):
        print(f"wrote {out / name}")
    return EXIT_OK


def cmd_gui(args) -> int:
    if args.project is not None and not args.project.exists():
        print(f"错误 error: {args.project}: project file not found", file=sys.stderr)
        return EXIT_USAGE
    try:
        from ui.app import run  # Qt is loaded only for this command
    except ImportError as exc:
        print(f"错误 error: the window needs PySide6 ({exc}); install it with "
              "`pip install resettlement-allocator[gui]`", file=sys.stderr)
        return EXIT_USAGE
    return run(args.project)


if __name__ == "__main__":
    sys.exit(main())
