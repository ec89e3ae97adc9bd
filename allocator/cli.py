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
import logging.handlers
import os
import re
import signal
import sys
import threading
import time
import traceback
import unicodedata
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


class _ConsoleFormat(logging.Formatter):
    """Warnings and errors in the words the commands print (注意 note:,
    错误 error:); the rest (with -v) with the level and the logger's name."""

    WORDS = {logging.WARNING: "注意 note:", logging.ERROR: "错误 error:",
             logging.CRITICAL: "错误 error:"}

    def __init__(self) -> None:
        super().__init__("%(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        words = self.WORDS.get(record.levelno)
        if words is None:
            return super().format(record)
        return f"{words} {record.getMessage()}"


def _setup_logging(verbose: bool) -> Path | None:
    root = logging.getLogger()
    root.setLevel(logging.DEBUG)
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.INFO if verbose else logging.WARNING)
    console.setFormatter(_ConsoleFormat())
    console.addFilter(lambda record: not getattr(record, "file_only", False))
    root.addHandler(console)
    return add_file_log()


LOG_BYTES, LOG_KEPT = 5_000_000, 3
"""The log file is started afresh past this size, and this many earlier ones
are kept beside it (allocator.log.1 the newest): at most 20 MB in all."""


class _RotatingLog(logging.handlers.RotatingFileHandler):
    """A log file that starts afresh when full. Where another process holds
    it open (the window and a command line on Windows) it cannot be renamed:
    it then goes on growing for this process rather than print an error."""

    def _open(self):
        # Readable by its user only, also when an older version, or a
        # rollover (which makes the file afresh), left it readable by others.
        stream = super()._open()
        with contextlib.suppress(OSError):
            os.chmod(self.baseFilename, 0o600)
        return stream

    def doRollover(self):
        try:
            super().doRollover()
        except OSError:
            self.maxBytes = 0  # no more attempts in this process
            if self.stream is None:
                self.stream = self._open()


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
        # The log holds names and ID numbers from the register: readable by
        # its user only (its folder too, where the tool makes it).
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(path, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o600))
        handler = _RotatingLog(path, maxBytes=LOG_BYTES, backupCount=LOG_KEPT,
                               encoding="utf-8")
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
        if len(text) != 10 or text[4] != "-" or text[7] != "-":
            raise ValueError(text)  # fromisoformat also takes 20261201
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from exc


EARLIEST_DATE = dt.date(2000, 1, 1)
"""No --date before this day is taken (a typo, not a day of the programme)."""

MAX_OBJECTION_DAYS = 90


def _year_after(day: dt.date) -> dt.date:
    """The same day a year later (28 February for 29 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def _day(text: str) -> dt.date:
    """A --date: from 2000-01-01 to one year after today."""
    day = _date(text)
    latest = _year_after(dt.date.today())
    if not EARLIEST_DATE <= day <= latest:
        raise argparse.ArgumentTypeError(
            f"{text} is outside the dates allowed, {EARLIEST_DATE.isoformat()} to "
            f"{latest.isoformat()} (from 2000-01-01 to one year after today)")
    return day


def _exit_day(text: str) -> dt.date:
    """The --date of ``exits``: from 2000-01-01; the exit rules refuse a date
    more than a year ahead, naming the households."""
    day = _date(text)
    if day < EARLIEST_DATE:
        raise argparse.ArgumentTypeError(
            f"{text} is before {EARLIEST_DATE.isoformat()}, the earliest date "
            "allowed")
    return day


def _objection_days(text: str) -> int:
    """--objection-days: a whole number of days; ``notice`` refuses one
    outside 1 to :data:`MAX_OBJECTION_DAYS` (exit 2, nothing written)."""
    try:
        value = int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of "
                                         "days") from exc
    return value


def _records(frame) -> list[dict]:
    """Rows for a JSON file: a missing value is null (JSON has no NaN)."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from exc
    if value != value or value == float("inf"):  # nan, inf, 1e999
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    if value <= 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value


SEED_MAX = 1_000_000_000  # as the lottery_seed rule
HOUSEHOLDS_MAX = 1_000_000  # a county; a province is solved county by county
MEMORY_MB_MIN = 256


def _whole_number(least: int, most: int | None, range_text: str):
    """An argument type: a whole number from ``least`` to ``most`` (no upper
    limit when None), refused with ``range_text`` otherwise."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a whole number") from exc
        if value < least or (most is not None and value > most):
            raise argparse.ArgumentTypeError(range_text)
        return value

    return parse


BIDI_CONTROLS = set("\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                    "\u2066\u2067\u2068\u2069")
"""Marks that turn the direction of the text after them: in a reason they
would reverse the ledger's lines and the orders' text."""


def _reason(text: str) -> str:
    """A reason for the ledger (and orders): one line of text, without
    control characters (a terminal colour code, a tab, a line break) or
    marks that turn the text's direction, which listing it would act on."""
    bad = sorted({f"U+{ord(ch):04X}" for ch in text
                  if unicodedata.category(ch) == "Cc" or ch in BIDI_CONTROLS})
    if bad:
        raise argparse.ArgumentTypeError(
            f"{text!r} holds control characters ({', '.join(bad)}); write the "
            "reason as one line of plain text")
    return text


_seed = _whole_number(0, SEED_MAX, f"must be from 0 to {SEED_MAX:,}")
_households = _whole_number(1, HOUSEHOLDS_MAX,
                            f"must be from 1 to {HOUSEHOLDS_MAX:,} (one county)")
_memory_mb = _whole_number(MEMORY_MB_MIN, None, f"must be at least {MEMORY_MB_MIN} "
                           "MB (a method needs that to start)")


def _crs(text: str) -> str:
    """A coordinate reference system pyproj knows (EPSG:4490, ...)."""
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        CRS.from_user_input(text)
    except CRSError as exc:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a coordinate reference system; give one such as "
            "EPSG:4490 (CGCS2000) or EPSG:4326 (WGS 84)") from exc
    return text


def _project_path(text: str) -> Path:
    if not text.strip():
        raise argparse.ArgumentTypeError("is empty; give the project file (.gpkg)")
    return Path(text)


def _folder(text: str) -> Path:
    if not text.strip():
        raise argparse.ArgumentTypeError("is empty; name the output folder")
    return Path(text)


def _new_project(text: str) -> Path:
    if not text.strip():
        raise argparse.ArgumentTypeError("is empty; name the project file (.gpkg)")
    if Path(text).suffix.lower() != ".gpkg":
        raise argparse.ArgumentTypeError(
            f"{text!r}: a project is a GeoPackage; give a name ending in .gpkg")
    return Path(text)


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
    parser.add_argument("--crs", type=_crs,
                        help="CRS of a spatial file that declares none, "
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
    parser.add_argument("--history", type=Path, help="income and job by year "
                        "(户号, 年度, 年收入, 就业状况, 稳定就业年限), .csv/.xlsx")
    parser.add_argument("--petitions", type=Path, help="complaints and petitions "
                        "(户号, 日期, 类型 投诉/信访, 事由, 办理状态), .csv/.xlsx")
    parser.add_argument("--visits", type=Path, help="follow-up visits done "
                        "(户号, 回访月份, 回访日期, 回访人, 情况), .csv/.xlsx")
    parser.add_argument("--date", type=_day, default=None,
                        help="the day the files were made (default today; "
                        "2000-01-01 to a year from today): birth, "
                        "waiting-list and move-in dates after it, or before "
                        "1900-01-01, are refused")


def _add_solve_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--backend", choices=("auto", "cpsat", "highs", "cbc"),
                        default="auto", help="solver back end (default auto)")
    parser.add_argument("--time-limit", type=_positive, default=None,
                        help="seconds for the whole solve (default: none)")
    parser.add_argument("--date", type=_day, default=None,
                        help="the day the allocation is made (default today; "
                        "2000-01-01 to a year from today); "
                        "school ages count on 1 September of the school year in "
                        "progress on that day")
    parser.add_argument("--seed", type=_seed, default=None,
                        help="lottery seed, 0 to 1,000,000,000 (default: the "
                        "project's rule lottery_seed)")


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
    demo.add_argument("--out", type=_folder, required=True, help="output folder")
    demo.add_argument("--force", action="store_true",
                      help="replace a project.gpkg in the folder that holds work "
                           "done after a demo")
    _add_solve_options(demo)

    imp = commands.add_parser("import", help="check files and create a project")
    _add_inputs(imp)
    imp.add_argument("--out", type=_new_project, required=True,
                     help="project .gpkg to write")
    imp.add_argument("--force", action="store_true",
                     help="replace an existing project file")

    val = commands.add_parser("validate", help="check files, write nothing")
    _add_inputs(val)

    solve = commands.add_parser("solve", help="allocate a project")
    solve.add_argument("project", type=_project_path)
    _add_solve_options(solve)
    solve.add_argument("--json", type=Path, help="write KPIs and run to this file")
    solve.add_argument("--scenario", default="base",
                       help="solve this scenario on its own data (default base)")

    export = commands.add_parser("export", help="write orders PDF and/or Excel")
    export.add_argument("project", type=_project_path)
    export.add_argument("--pdf", type=Path, help="allocation orders PDF")
    export.add_argument("--xlsx", type=Path, help="Excel workbook")
    export.add_argument("--csv", type=Path, help="allocation table as CSV")
    export.add_argument("--household", action="extend", nargs="+", default=None,
                        metavar="ID", help="only these households (户号; several "
                        "after one --household, or --household repeated)")
    export.add_argument("--changed", action="store_true",
                        help="only the households changed by the last reallocation")

    rules = commands.add_parser(
        "rules", help="show or change a project's rules (with their sources)")
    rules.add_argument("project", type=_project_path)
    rules.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                       help="change a rule; VALUE is JSON, e.g. detour_factor=1.4 or "
                       'catchment_walk_m=\'{"kindergarten": 300, "primary": 2000, '
                       '"junior": 3000, "clinic": 1000}\'')
    rules.add_argument("--reason", default="", type=_reason,
                       help="why (kept in the ledger)")

    lock = commands.add_parser(
        "lock", help="fix a unit to a household or forbid one, before solving")
    lock.add_argument("project", type=_project_path)
    lock.add_argument("--household", help="household id (户号)")
    target = lock.add_mutually_exclusive_group()
    target.add_argument("--unit", help="fix this unit (房号) to the household")
    target.add_argument("--forbid", metavar="UNIT",
                        help="never give this unit to the household")
    lock.add_argument("--remove", action="store_true",
                      help="remove the household's lock of that kind (--unit: a fix, "
                           "--forbid: a forbid) on that unit; without a unit, "
                           "every lock of the household")
    lock.add_argument("--reason", default="", type=_reason,
                      help="why (printed on the order)")

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
    gap.add_argument("--problem", type=int, default=None,
                     help="which problem (1, 2, ...) of an OR-Library file that "
                     "holds several (gap1-gap12)")
    county = bench_commands.add_parser(
        "county", help="generate a county and run every method on it, each in its "
        "own process with time and memory limits (needs a source checkout)")
    county.add_argument("--households", type=_households, nargs="+", required=True,
                        help="households of the county; several values give a "
                        "growth series")
    county.add_argument("--seed", type=_seed, default=1)
    county.add_argument("--json", type=Path, required=True, help="result file")
    county.add_argument("--time-limit", type=_positive, default=60.0,
                        help="seconds per method (default 60)")
    county.add_argument("--memory-mb", type=_memory_mb, default=4096,
                        help="memory per method (default 4096 MB)")
    county.add_argument("--methods", default=None,
                        help="comma-separated subset of ours, cbc_plain, "
                        "sequential, spopt, mcf_floor, grouped_highs (default: "
                        "all)")
    county.add_argument("--unit-points", choices=("site", "building"),
                        default="site",
                        help="where the generated units lie: every unit at its "
                        "site's point (default: units grouped by site, as in the "
                        "issue's county), or each building at its own point (a "
                        "finer county, 875 locations at 20,000 households)")

    realloc = commands.add_parser(
        "reallocate", help="give units freed by exits to the waiting list; nobody "
        "already housed moves unless allowed")
    realloc.add_argument("project", type=_project_path)
    realloc.add_argument("--scenario", default="base",
                         help="scenario to reallocate (default base)")
    realloc.add_argument("--allow-moves", action="store_true",
                         help="households allocated but not moved in may be moved "
                         "when that houses more waiting households, reunites a "
                         "family split by a register update (分户) or cuts a "
                         "school walk longer than school_trip_max_m; each move "
                         "costs move_penalty_m (rules)")
    realloc.add_argument("--allow-service-changes", action="store_true",
                         help="school places and clinics of housed households may "
                         "change (default: kept)")
    _add_solve_options(realloc)
    realloc.add_argument("--json", type=Path, help="write the changes to this file")

    _add_dynamic_commands(commands)

    scenario = commands.add_parser(
        "scenario", help="what-if scenarios (方案): new, list, show, diff, promote, "
        "delete")
    scenario_commands = scenario.add_subparsers(dest="scenario_command",
                                                required=True)
    new = scenario_commands.add_parser(
        "new", help="a scenario from options and/or a JSON/YAML changes file")
    new.add_argument("project", type=_project_path)
    new.add_argument("name")
    new.add_argument("--file", type=Path, help="changes file (.json/.yaml)")
    new.add_argument("--description", default="")
    new.add_argument("--close-facility", action="append", default=[],
                     metavar="ID", help="close this facility (repeatable)")
    new.add_argument("--capacity", action="append", default=[], metavar="ID=N",
                     help="facility capacity (repeatable)")
    new.add_argument("--catchment", action="append", default=[], metavar="KIND=M",
                     help="walking catchment in metres, KIND one of kindergarten, "
                     "primary, junior, clinic (repeatable)")
    new.add_argument("--rule", action="append", default=[], metavar="KEY=VALUE",
                     help="a rule for this scenario, VALUE as JSON (repeatable), "
                     "e.g. stable_job_years_for_exit=2")
    new.add_argument("--add-facility", action="append", default=[], metavar="JSON",
                     help='e.g. \'{"facility_id": "P9", "name": "新小学", "kind": '
                     '"小学", "capacity": 300, "lon": 102.85, "lat": 28.03}\'')
    new.add_argument("--add-unit", action="append", default=[], metavar="JSON",
                     help="a housing unit: unit_id, site_id, building, floor, "
                     "area_m2, accessible, lon, lat")
    for name, text in (("list", "list the scenarios"),
                       ("show", "one scenario's changes and key figures"),
                       ("promote", "make a solved scenario the base (ledger entry)"),
                       ("delete", "remove a scenario and its allocation")):
        sub = scenario_commands.add_parser(name, help=text)
        sub.add_argument("project", type=_project_path)
        if name != "list":
            sub.add_argument("name")
        if name in ("promote", "delete"):
            sub.add_argument("--reason", default="", type=_reason,
                             help="why (kept in the ledger)")
        if name == "promote":
            sub.add_argument("--force", action="store_true",
                             help="promote even when households housed in the "
                                  "base would lose their unit")
    diff = scenario_commands.add_parser(
        "diff", help="key figures side by side, the households that differ and a "
        "map of the differences")
    diff.add_argument("project", type=_project_path)
    diff.add_argument("names", nargs="+",
                      help="scenarios to compare (one name: compared with base)")
    diff.add_argument("--geojson", type=Path,
                      help="write the differences as GeoJSON (opens in QGIS)")
    diff.add_argument("--csv", type=Path, help="write the differing households "
                      "and what differs")
    diff.add_argument("--json", type=Path, help="write the key figures and "
                      "the differing households")

    petition = commands.add_parser(
        "petition", help="try a household's objection (信访) as a what-if with the "
        "least change to everyone else")
    petition.add_argument("project", type=_project_path)
    petition.add_argument("--household", required=True, help="household id (户号)")
    wish = petition.add_mutually_exclusive_group(required=True)
    wish.add_argument("--exclude-unit", metavar="UNIT",
                      help="the household does not accept this unit")
    wish.add_argument("--exclude-site", metavar="SITE",
                      help="the household does not accept this site")
    wish.add_argument("--grant-wish", action="store_true",
                      help="give it a unit that meets its recorded wish")
    petition.add_argument("--save-as", metavar="NAME",
                          help="store the trial as a scenario (to compare or "
                          "promote); without it the project is not changed")
    _add_solve_options(petition)
    petition.add_argument("--json", type=Path, help="write the result to this file")

    gui = commands.add_parser("gui", help="open the desktop window")
    gui.add_argument("project", type=Path, nargs="?", default=None,
                     help="project .gpkg to open")
    return parser


class _ReaderMayLeave:
    """Standard output for a command whose reader may leave early (output
    piped into `head`): once it has, the rest of the output is dropped and
    the command goes on, writing the files it was asked for and saving, as
    it would have without the pipe."""

    def __init__(self, stream) -> None:
        self._stream = stream
        self._gone = False

    def _leave(self) -> None:
        self._gone = True
        try:  # what Python flushes at exit goes nowhere too
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)
        except (OSError, ValueError, AttributeError):
            pass

    def write(self, text: str) -> int:
        if not self._gone:
            try:
                return self._stream.write(text)
            except BrokenPipeError:
                self._leave()
        return len(text)

    def flush(self) -> None:
        if not self._gone:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._leave()

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def _bare(key: str, text: str):
    """A rule's value written without JSON: a list rule (the objective
    order, the follow-up months) as words separated by commas, 、 or spaces
    ("housed,served,wishes,walk", "1、3、6"); any other, the text itself."""
    from allocator.rules import COVERAGE_GROUPS, DEFAULTS

    default = DEFAULTS.get(key)
    if default is None:
        return text
    if key == "coverage_gap_groups":
        # The rule's own Chinese words (安置类别, 乡镇, 不限制) name its values.
        words = {label: value for value, label in COVERAGE_GROUPS.items()}
        words["类别"] = "category"
        word = text.strip()
        return words.get(word, word.lower() if word.lower() in COVERAGE_GROUPS
                         else text)
    if isinstance(default.value, (int, float)) and not isinstance(default.value,
                                                                  bool):
        # Digits typed full width (３, ０.１) are the same number.
        try:
            number = json.loads(unicodedata.normalize("NFKC", text))
        except ValueError:
            return text
        return number if isinstance(number, (int, float)) else text
    if not isinstance(default.value, list):
        return text
    words = [w for w in re.split(r"[,，、;；\s]+", text.strip()) if w]
    return [int(w) if w.isdigit() else w for w in words]


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
                "gui": cmd_gui, "rules": cmd_rules, "lock": cmd_lock,
                "ledger": cmd_ledger, "exits": cmd_exits, "alerts": cmd_alerts,
                "move-in": cmd_move_in,
                "register": cmd_register, "notice": cmd_notice,
                "reallocate": cmd_reallocate, "scenario": cmd_scenario,
                "petition": cmd_petition}
    refused = _output_refused(args)  # before any work
    if refused is not None:
        return refused
    if _misnamed_output(args):
        return EXIT_USAGE
    stdout = sys.stdout
    sys.stdout = _ReaderMayLeave(stdout)
    logger.info("allocator %s", args.command, extra={"file_only": True})
    # A termination (a service stopping, `kill`) stops the work as Ctrl-C
    # does: half-written files are removed and it is said.
    terminated = None
    if args.command != "gui" and threading.current_thread() is threading.main_thread():
        terminated = signal.signal(signal.SIGTERM, _terminate)
    from allocator.project import SAVES

    saved_before = len(SAVES)
    try:
        return handlers[args.command](args)
    except BrokenPipeError:  # output piped into `head`, say
        return EXIT_OK
    except KeyboardInterrupt as stop:
        what = "terminated" if isinstance(stop, Terminated) else "interrupted"
        kept = SAVES[saved_before:]
        if kept:
            path, entry = kept[-1]
            print(f"{what} after {path} was saved"
                  + (f" (ledger entry {entry})" if entry else "")
                  + ": it is kept (`allocator ledger` shows it); only what the "
                  "command would have done after the save was cut short",
                  file=sys.stderr)
        else:
            print(f"{what}; nothing was saved (files written before this command "
                  "are as they were)", file=sys.stderr)
        return EXIT_DATA
    except Exception as exc:  # the one place that turns errors into messages
        return _report(exc, log_file)
    finally:
        sys.stdout = stdout
        if terminated is not None:
            signal.signal(signal.SIGTERM, terminated)


class Terminated(KeyboardInterrupt):
    """The process was asked to terminate (SIGTERM)."""


def _terminate(signum, frame):
    raise Terminated


OUTPUT_SUFFIXES = {"pdf": ".pdf", "xlsx": ".xlsx", "csv": ".csv", "json": ".json",
                   "geojson": ".geojson"}
"""The file name ending each output option's kind of file has (a GeoJSON
file may also end .json)."""


def _misnamed_output(args) -> bool:
    """Refuse (print and return True) an output named as another kind of
    file (``--pdf units.csv``): it would open in the wrong program, and
    replace a data file of that kind (a new user's units list became a PDF)."""
    for option, suffix in OUTPUT_SUFFIXES.items():
        target = getattr(args, option, None)
        if not isinstance(target, Path):
            continue
        given = target.suffix.lower()
        if given != suffix and given in OUTPUT_SUFFIXES.values() \
                and (option, given) != ("geojson", ".json"):
            print(f"错误 error: --{option} {target} names a {given} file, but a "
                  f"{suffix[1:].upper()} file is written there; name it "
                  f"{target.with_suffix(suffix).name}; nothing done",
                  file=sys.stderr)
            return True
    return False


def _output_refused(args) -> int | None:
    """Refuse an output option (--json, --csv, --xlsx, --pdf, --geojson)
    that names a folder or the project file itself (exit 2), or lies in a
    folder that cannot be written (exit 1), before any work: saying so after
    a solve had already saved it, or writing over the project, lost work.
    None when every output given can be written."""
    from allocator.paths import OutputPathError, output_path

    project = getattr(args, "project", None)
    options = ("json", "csv", "xlsx", "pdf", "geojson") + (
        ("out",) if args.command == "import" else ())
    inputs = [getattr(args, name, None) for name in (
        "register", "sites", "units", "facilities", "county", "history",
        "petitions", "visits")]
    seen: dict[str, str] = {}
    for option in options:
        target = getattr(args, option, None)
        if not isinstance(target, Path):
            continue
        if str(target) in ("", "."):
            # Path("") is "." too: either names no file.
            print(f"错误 error: --{option} names no file (it is empty, or the "
                  "folder '.'); give a file name", file=sys.stderr)
            return EXIT_USAGE
        too_long = max((len(part.encode("utf-8")) for part in target.parts),
                       default=0) > 255
        if too_long or len(os.fsencode(target)) > 4000:
            print(f"错误 error: --{option} {target}: the file name is too long for "
                  "the file system (at most 255 bytes, a Chinese character being "
                  "3); choose a shorter name; nothing done", file=sys.stderr)
            return EXIT_USAGE
        if target.is_dir():
            print(f"错误 error: --{option} {target} is a folder; give a file name",
                  file=sys.stderr)
            return EXIT_USAGE
        try:
            output_path(target)
        except OutputPathError as exc:
            print(f"错误 error: --{option} {exc}; nothing done", file=sys.stderr)
            return EXIT_USAGE
        if target.parent.exists() and not target.parent.is_dir():
            print(f"错误 error: --{option} {target}: {target.parent} is a file, not "
                  "a folder; choose another path; nothing done", file=sys.stderr)
            return EXIT_USAGE
        same = os.path.realpath(target)
        if same in seen:
            print(f"错误 error: --{seen[same]} and --{option} both name {target}; "
                  "give each output its own file name", file=sys.stderr)
            return EXIT_USAGE
        seen[same] = option
        read = next((p for p in inputs if isinstance(p, Path) and p.exists()
                     and target.exists() and os.path.samefile(p, target)), None)
        if read is not None:
            print(f"错误 error: --{option} {target} is one of the files read "
                  f"({read}); give the output another file name", file=sys.stderr)
            return EXIT_USAGE
        if isinstance(project, Path) and target.exists() and project.exists() \
                and os.path.samefile(target, project):
            print(f"错误 error: --{option} {target} is the project file itself; "
                  "give the output another file name", file=sys.stderr)
            return EXIT_USAGE
        parent = target.parent
        if parent.is_dir() and not _writable(parent):
            print(f"错误 error: --{option} {target}: cannot write in {parent}; "
                  "choose another folder; nothing done", file=sys.stderr)
            return EXIT_DATA
    return None


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
    from allocator.paths import OutputPathError

    if isinstance(exc, OutputPathError):
        print(f"错误 error: {exc}", file=sys.stderr)
        return EXIT_DATA
    if _disk_full(exc):
        print("错误 error: the disk is full (or the file would be larger than the "
              "disk allows): free some space and run the command again; the "
              "project file was not changed", file=sys.stderr)
        return EXIT_DATA
    if isinstance(exc, OSError):
        where = f": {exc.filename}" if exc.filename else ""
        print(f"错误 error: {exc.strerror or exc}{where}; check the path, free disk "
              "space and permissions", file=sys.stderr)
        return EXIT_DATA
    logging.getLogger("allocator").error("unexpected error\n%s", traceback.format_exc(),
                                         extra={"file_only": True})
    where = f"; the full report is in {log_file}" if log_file else ""
    print(f"错误 error: unexpected {type(exc).__name__}: {exc}{where}", file=sys.stderr)
    return EXIT_DATA


def _disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` says the disk (or the file size limit) is full: an
    OSError of ENOSPC or EFBIG, or GDAL's or SQLite's word for it."""
    import errno

    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EFBIG):
        return True
    text = str(exc).lower()
    return "disk i/o error" in text or "database or disk is full" in text \
        or "no space left" in text


def _inputs(args):
    from allocator.importer import ImportInputs

    return ImportInputs(register=args.register, sites=args.sites, units=args.units,
                        facilities=args.facilities, county=args.county, crs=args.crs,
                        coords=args.coords, encoding=args.encoding,
                        repair_geometry=args.repair_geometry, history=args.history,
                        petitions=args.petitions, visits=args.visits,
                        today=args.date)


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


def _date_before_records(project, day: dt.date | None, command: str) -> bool:
    """Refuse (print and return True) a ``--date`` before the latest day the
    project records (a move-in, a waiting-list entry, a birth): ages, school
    years and waiting years would be counted as of a day the data postdates
    (a typo, 2006 for 2026, re-allocated thousands of households)."""
    import pandas as pd

    if day is None:
        return False
    latest = []
    units = project.housing_units
    for what, values in (
            ("a move-in (入住日期)", units.loc[units["status"] == "occupied",
                                              "placed_on"]),
            ("a waiting-list entry (轮候登记日期)",
             project.households["waiting_since"]),
            ("a birth (出生日期)", project.members["birth_date"])):
        parsed = pd.to_datetime(values.astype(str), errors="coerce",
                                format="mixed").dropna()
        if len(parsed):
            latest.append((parsed.max().date(), what))
    if not latest:
        return False
    last, what = max(latest)
    if day >= last:
        return False
    print(f"错误 error: --date {day.isoformat()} is before {what} on "
          f"{last.isoformat()} that the project records; {command} counts ages, "
          "school years and waiting years on its day, so give a day on or after "
          f"{last.isoformat()}, or leave --date out for today. Nothing changed",
          file=sys.stderr)
    return True


def _solve(project, args, quiet: bool = False):
    from allocator.allocate import (
        solve_project,
        store_outcome,
        without_partial_allocation,
    )
    from allocator.validator import validate_allocation

    last = [0.0]

    def progress(level, best, bound, seconds):
        if args.verbose and time.monotonic() - last[0] > 1.0:
            last[0] = time.monotonic()
            print(f"  {level}: best {best} bound {bound} ({seconds:.1f} s)",
                  file=sys.stderr)

    from allocator.exits import apply_due_exits, without_exited

    freed = apply_due_exits(project, args.date or dt.date.today())
    if freed:
        print(f"{len(freed)} unit(s) freed by exits due on or before "
              f"{args.date or dt.date.today()}", file=sys.stderr)
    with _interrupt_as_cancel() as cancelled:
        outcome = solve_project(project, backend=args.backend,
                                time_limit=args.time_limit, today=args.date,
                                seed=args.seed, progress=progress, cancel=cancelled)
    outcome = without_partial_allocation(outcome, project)
    store_outcome(project, outcome)  # the run is recorded, solved or not
    status = outcome.run["status"]
    if status in ("optimal", "feasible", "cancelled") and outcome.solution is not None:
        violations = validate_allocation(without_exited(project))
        if violations:
            for line in violations[:50]:
                print(f"validator: {line}", file=sys.stderr)
            raise RuntimeError(f"the solution breaks {len(violations)} rule(s)")
    return outcome


def _not_stored(outcome, scenario: str, kept: bool = True,
                saved: bool = True, again: str = "Solve again") -> None:
    """Say that a solve stored no allocation, why, and what to do; ``kept``:
    the scenario has an allocation from an earlier solve, which stays;
    ``saved``: the project was just saved with the run in its ledger."""
    from allocator.allocate import kept_optimal
    from allocator.export import unsolved_levels
    from allocator.project import SAVES

    status = outcome.run["status"]
    unsolved = unsolved_levels(outcome.run)
    entry = SAVES[-1][1] if saved and SAVES else None
    recorded = (f" (ledger entry {entry} records the attempt)" if entry
                else "")
    if kept_optimal(outcome.run):
        where = f"scenario {scenario}: " if scenario != "base" else ""
        print(f"注意 note: {where}{outcome.run['message']}{recorded}. "
              "原有分配已证明最优，保持不变。", file=sys.stderr)
        return
    why = (f"levels not solved: {', '.join(unsolved)}" if unsolved
           else outcome.run.get("message") or outcome.result.message or status)
    # The base plan is what a project without scenarios simply calls its
    # allocation; only a named scenario is worth naming.
    named = scenario != "base"
    stays = ("the previous allocation stays. 求解未完成，未保存任何分配，原有分配保持"
             "不变。" if kept else
             (f"scenario {scenario} has no allocation yet. " if named
              else "the project has no allocation yet. ")
             + "求解未完成，未保存任何分配，" + ("该方案" if named else "本项目")
             + "尚无分配。")
    where = f"scenario {scenario}: " if named else ""
    print(f"错误 error: {where}solve ended {status} ({why}); no "
          f"allocation was stored{recorded}, {stays}{again} "
          + ("and let it finish (no Ctrl-C)" if status == "cancelled"
             else "with a longer --time-limit (or none)"), file=sys.stderr)


def _not_proven(outcome) -> None:
    """Say that a stored allocation is not proven optimal."""
    from allocator.kpis import gap_percent

    status = outcome.run["status"]
    if status == "optimal":
        return
    gap = outcome.run.get("gap")
    gap_text = f", gap {gap_percent(gap)}" if gap is not None else ""
    print(f"注意 note: solve ended {status}: every level has a solution, stored as "
          f"feasible, not proven optimal{gap_text} (可行解，未证明最优)",
          file=sys.stderr)


ABORT_GRACE_S = 3.0
"""How long a second Ctrl-C waits for the command to stop by itself before
the process ends (see :func:`_interrupt_as_cancel`)."""


@contextlib.contextmanager
def _interrupt_as_cancel():
    """The first Ctrl-C asks the solver to stop with what it has; a second one
    interrupts at once.

    Python runs a signal handler only when the main thread runs Python code,
    and a solver busy in its own threads (CP-SAT) may not call back into it
    for minutes; so the signal is also written to a socket (Python's wakeup
    fd, written at once) that a watching thread reads, and the solver's own
    polling of the flag sees the first Ctrl-C within a fraction of a second.
    """
    import select
    import socket

    flag = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield flag.is_set
        return
    presses = [0]
    said = threading.Lock()

    def first_press():
        with said:
            if not flag.is_set():
                flag.set()
                print("\nstopping the solver (Ctrl-C again to abort)...",
                      file=sys.stderr)

    def handler(signum, frame):
        presses[0] += 1
        if presses[0] > 1:
            raise KeyboardInterrupt
        first_press()

    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    done = threading.Event()

    def watch():
        seen = 0
        while not done.is_set():
            ready, _, _ = select.select([reader], [], [], 0.2)
            if not ready:
                continue
            try:
                data = reader.recv(64)
            except (BlockingIOError, OSError):
                continue
            seen += data.count(signal.SIGINT)
            if seen == 1 or (seen > 1 and not flag.is_set()):
                first_press()
            if seen > 1 and not done.wait(ABORT_GRACE_S):
                # The second Ctrl-C, and the main thread is still inside the
                # solver (its handler cannot run there): nothing is written
                # while a solver runs, so the process ends here.
                print("aborted (Ctrl-C twice); nothing was saved",
                      file=sys.stderr, flush=True)
                os._exit(EXIT_DATA)

    previous = signal.signal(signal.SIGINT, handler)
    try:
        previous_fd = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    except (ValueError, OSError):  # no wakeup fd here: the handler alone
        previous_fd = None
    watcher = threading.Thread(target=watch, daemon=True) \
        if previous_fd is not None else None
    if watcher is not None:
        watcher.start()
    try:
        yield flag.is_set
    finally:
        done.set()
        if previous_fd is not None:
            signal.set_wakeup_fd(previous_fd)
        if watcher is not None:
            watcher.join()
        reader.close()
        writer.close()
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
        from allocator.kpis import write_kpis_json

        write_kpis_json(kpis, path)  # owner-only, like the other outputs
    return kpis


def cmd_solve(args) -> int:
    from allocator.project import project_lock

    with project_lock(args.project):
        return _cmd_solve(args)


def _named(message, project: Path) -> str:
    """``message`` with the word PROJECT of the commands it quotes (written
    where the file is not known) replaced by ``project``, quoted so that the
    command can be pasted."""
    import re

    from allocator.scenarios import project_word

    return re.sub(r"`allocator ((?:\w+ )+)PROJECT\b",
                  lambda m: f"`allocator {m[1]}{project_word(project)}", str(message))


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
    if _date_before_records(project, args.date, "a solve"):
        return EXIT_USAGE
    if args.scenario != "base":
        return _solve_scenario(project, args)
    from allocator.allocate import base_placements, kept_optimal, mark_changed_units

    solved_before = project.allocations["scenario"].eq("base").any()
    before = base_placements(project)
    given = _given_out(project) if before[0] else []
    _coarse_groups_note(project, args.date or dt.date.today())
    outcome = _solve(project, args)
    changed = mark_changed_units(project, before) if outcome.solution is not None \
        else []
    save_project(project, args.project)
    if outcome.solution is None:
        _not_stored(outcome, "base", kept=bool(solved_before))
        if args.json:
            from allocator.export import write_private_text

            write_private_text(args.json, json.dumps(
                {"run": outcome.run}, ensure_ascii=False, indent=2, default=str))
        return EXIT_OK if kept_optimal(outcome.run) else EXIT_DATA
    _not_proven(outcome)
    _units_changed_note(changed, given, args.project)
    _write_kpis(project, args.json)
    return EXIT_OK


def _given_out(project) -> list[int]:
    from allocator.export import given_out
    from allocator.scenarios import _base_run

    runs = project.runs[project.runs["run_id"] == _base_run(project)]
    return given_out(project, runs.iloc[-1].to_dict()) if len(runs) else []


def _units_changed_note(changed: list[tuple[str, str | None, str | None, str]],
                        given: list[int], path: Path) -> None:
    """Name the households whose allocation a solve afresh changed (unit,
    none, or school places and clinics), and whether the allocation it
    replaced was printed."""
    if not changed:
        return
    from allocator.reallocate import CHANGE_LABELS
    from allocator.scenarios import project_word

    printed = (f"; the allocation it replaced was printed on orders or a notice "
               f"(ledger {'entry' if len(given) == 1 else 'entries'} "
               f"{', '.join(f'#{e}' for e in given[:5])}"
               f"{' …' if len(given) > 5 else ''}), so theirs need printing again"
               if given else "")
    moved = sum(1 for *_r, kind in changed if kind in ("moved", "unhoused"))
    print(f"注意 note: allocated everyone afresh: {len(changed)} household(s) have "
          f"another allocation than before ({moved} allocated a unit before, not "
          f"yet moved in, have another unit or none){printed}; `allocator export "
          f"{project_word(path)} --changed --pdf FILE` prints their orders alone, "
          "and `allocator reallocate` (instead of a solve) keeps households "
          "already housed in their units:")
    for household_id, was, now, kind in changed:
        print(f"  {household_id}  {was or '轮候'} → {now or '轮候'}  "
              f"{CHANGE_LABELS[kind]}")


def _progress_bar(label: str):
    interactive = sys.stderr.isatty()

    def report(done: int, total: int) -> None:
        if interactive and (done == total or done % 100 == 0):
            print(f"\r{label}: {done}/{total}", end="" if done < total else "\n",
                  file=sys.stderr)
        elif not interactive and done == total:
            print(f"{label}: {done}/{total} households", file=sys.stderr)
    return report


def cmd_export(args) -> int:
    from allocator.project import project_lock, read_only_reason

    # Exporting only reads the project; in a read-only place it runs without
    # the lock and without its ledger entry (which cannot be saved there).
    read_only = read_only_reason(args.project) if args.project.exists() else None
    if read_only is not None:
        return _cmd_export(args, read_only=read_only)
    with project_lock(args.project):
        return _cmd_export(args)


def _cmd_export(args, read_only: str | None = None) -> int:
    from allocator.export import export_csv, export_pdf, export_xlsx
    from allocator.orders import MissingGlyphError
    from allocator.project import load_project

    if args.pdf is None and args.xlsx is None and args.csv is None:
        print("错误 error: give --pdf FILE, --xlsx FILE and/or --csv FILE",
              file=sys.stderr)
        return EXIT_USAGE
    for target in (args.pdf, args.xlsx, args.csv):
        if target is None:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if not _writable(target.parent):
            print(f"错误 error: cannot write in {target.parent}; nothing exported",
                  file=sys.stderr)
            return EXIT_DATA
    project = load_project(args.project)
    from allocator.export import changed_since_allocation, made_without_gap

    made = made_without_gap(project)
    if made is not None:
        # The time limit came before a level's bound (README): nothing says
        # how far that level is from its best.
        print(f"注意 note: this allocation was made by a solve that ended "
              f"{made.get('status')} with no gap ({made.get('message') or '-'}); a "
              "level of it may be far from its best: solve again without "
              "--time-limit before printing orders", file=sys.stderr)
    since = changed_since_allocation(project)
    if since is not None:
        what = {"rules": "the rules were", "locks": "a lock was",
                "both": "the rules and a lock were"}[since[2]]
        print(f"注意 note: {what} changed after this allocation was made (ledger "
              f"entry #{since[0]}, {since[1]}); the orders print the allocation as "
              "it was made. To apply the change, run `allocator solve` (or "
              "`allocator reallocate`) first", file=sys.stderr)
    if args.changed:
        from allocator.export import ExportRefused, changed_households

        try:
            selection = changed_households(project)
        except ExportRefused as exc:
            print(f"错误 error: {_named(exc, args.project)}; nothing exported",
                  file=sys.stderr)
            return EXIT_DATA
        if selection.note:
            print(selection.note)
        args.household = sorted(set(args.household or []) | set(selection.households))
        for row in selection.rows.itertuples():
            unit = row.unit_id if isinstance(row.unit_id, str) else "轮候"
            print(f"{row.household_id}  {unit}  {row.change}")
    # The files are written under hidden names beside their own and take
    # their names only once the export is in the ledger (with the order
    # numbers printed): stopped before, it leaves nothing; orders on disk
    # are orders on record.
    with _staged([args.pdf, args.xlsx, args.csv]) as staged:
        if args.pdf is not None:
            try:
                export_pdf(project, staged[args.pdf], households=args.household,
                           progress=_progress_bar("orders"))
            except MissingGlyphError as exc:
                others = [str(t) for t in (args.xlsx, args.csv) if t is not None]
                if others:  # the tables were held back with the orders
                    exc.args = (f"{exc} 未写出任何文件；Excel 和 CSV 不需要字体，去掉 "
                                f"--pdf 即可写出。Nothing was written; the tables "
                                f"need no font: without --pdf the command writes "
                                f"{' and '.join(others)}.",)
                raise
        if args.xlsx is not None:
            export_xlsx(project, staged[args.xlsx], households=args.household)
        if args.csv is not None:
            export_csv(project, staged[args.csv], households=args.household)
        project.log("export", "scenario base",
                    after={name: str(target.resolve()) if target else None
                           for name, target in (("pdf", args.pdf),
                                                ("xlsx", args.xlsx),
                                                ("csv", args.csv))},
                    reason="allocator export")
        if read_only is None:
            from allocator.project import save_project

            save_project(project, args.project)
        staged.publish()
    for target in (args.pdf, args.xlsx, args.csv):
        if target is not None:
            print(f"wrote {target}")
    if read_only is not None:
        numbers = (" and the order numbers it printed are not stored (a later "
                   "export of a changed register could give them to other "
                   "households)" if args.pdf is not None else "")
        print(f"警告 warning: {read_only}, so this export is not recorded in the "
              f"project's ledger{numbers}; to have exports recorded, copy the "
              "project to a folder you can write to", file=sys.stderr)
    return EXIT_OK


class _Staging(dict):
    """Output files written under hidden names (see :func:`_staged`)."""

    def publish(self) -> None:
        """Give every staged file its own name, and the permissions of the
        file it replaces (see :func:`allocator.project.give_permissions`: an
        order file shared as 0664 stayed 0600 after the next export)."""
        from allocator.project import give_permissions

        for target, staging in self.items():
            try:
                before = os.stat(target)
            except OSError:
                before = None
            give_permissions(staging, before, target)
            os.replace(staging, target)
        self.clear()


@contextlib.contextmanager
def _staged(targets):
    """Hidden names, in each output's own folder, to write the outputs under
    until :meth:`_Staging.publish`; whatever is not published (an error, an
    interrupt) is removed."""
    staging = _Staging()
    for i, target in enumerate(t for t in targets if t is not None):
        staging[target] = target.with_name(f".export-{os.getpid()}-{i}"
                                           f"{target.suffix}")
    try:
        yield staging
    finally:
        for path in staging.values():
            with contextlib.suppress(OSError):
                path.unlink()


def cmd_rules(args) -> int:
    from allocator.project import project_lock

    with project_lock(args.project):
        return _cmd_rules(args)


RED_LINE_M2 = 25  # the national per-person area limit of relocation housing


def _red_line_note(most) -> None:
    """A note when an area limit per person goes above the red line."""
    if isinstance(most, (int, float)) and not isinstance(most, bool) \
            and most > RED_LINE_M2:
        print(f"注意 note: area_max_per_person_m2 = {most:g} m² is above the "
              f"national red line of {RED_LINE_M2:g} m² per person (人均住房面积"
              "不超过25平方米, 13th five-year relocation plan); set it back "
              "unless the county's policy allows more", file=sys.stderr)

def _coarse_groups_note(project, today: dt.date) -> None:
    """Warn of coverage groups too small for the coverage gap cap (see
    :func:`allocator.validator.coarse_coverage_groups`)."""
    from allocator.validator import coarse_coverage_groups

    notes = coarse_coverage_groups(project, today)
    for note in notes[:10]:
        print(f"注意 note: coverage gap cap: {note}", file=sys.stderr)
    if len(notes) > 10:
        print(f"注意 note: coverage gap cap: and {len(notes) - 10} more such "
              "groups", file=sys.stderr)


def _office_glyph_note(project) -> None:
    """A warning when an issuing office holds a character the orders' font
    cannot draw (the export would refuse it)."""
    from allocator.fonts import find_cjk_font, missing_glyphs
    from allocator.rules import issuing_office

    try:
        font = find_cjk_font()
    except Exception:  # no font here: the export says so itself
        return
    county = project.metadata.get("county") or "本县"
    for category in (project.rules.get("issuing_office") or {}):
        office = issuing_office(project.rules, county, category)
        missing = missing_glyphs(office, font)
        if missing:
            print(f"警告 warning: issuing_office.{category}: the orders' font "
                  f"({font.name}) has no glyph for {missing[0]!r} "
                  f"(U+{ord(missing[0]):04X}); the export of orders will refuse "
                  "it: write the name with other characters", file=sys.stderr)


def _order_note(order) -> None:
    """A note when a level comes before housing in the objective order: it
    may leave a household waiting that the default order would house."""
    if not isinstance(order, list) or "housed" not in order \
            or order.index("housed") == 0:
        return
    ahead = ", ".join(str(name) for name in order[:order.index("housed")])
    print(f"注意 note: {ahead} before housed: a household may be left waiting "
          f"so that {ahead} gain (the waiting households' reasons say so); put "
          "housed first to house as many as the default order does",
          file=sys.stderr)



YES_NO = {"true": True, "yes": True, "on": True, "是": True, "开": True,
          "false": False, "no": False, "off": False, "否": False, "关": False}
"""Words a planner may give for a rule that is on or off."""


def _cmd_rules(args) -> int:
    from allocator.project import (
        load_project,
        rules_frame,
        save_project,
        unreadable_rule,
    )
    from allocator.rules import (
        DEFAULTS,
        MERGED_RULES,
        WHOLE_NUMBER_RULES,
        problem_keys,
        rule_problems,
    )
    from allocator.scenarios import project_word

    project = load_project(args.project, rules_to_fix=True)
    if args.set:
        changed = dict(project.rules)
        unusable = dict(project.unusable_rules)
        for item in args.set:
            key, sep, text = item.partition("=")
            key = key.strip()
            if not sep or key not in DEFAULTS:
                print(f"错误 error: {item!r}: use KEY=VALUE with KEY one of "
                      + ", ".join(DEFAULTS), file=sys.stderr)
                return EXIT_USAGE
            word = text.strip().lower()
            if isinstance(DEFAULTS[key].value, bool) and word in YES_NO:
                changed[key] = YES_NO[word]  # True, 否, off ... as well as true
            else:
                try:
                    changed[key] = json.loads(text)
                except json.JSONDecodeError:
                    changed[key] = _bare(key, text)  # a bare word, e.g. a date
                if key in WHOLE_NUMBER_RULES and isinstance(changed[key], float) \
                        and changed[key].is_integer() and abs(changed[key]) < 1e15:
                    changed[key] = int(changed[key])  # 1e9 is 1000000000
                if key in MERGED_RULES and isinstance(changed[key], dict) \
                        and isinstance(project.rules.get(key), dict):
                    # One office (or kind of points) at a time: the others
                    # stay as they were (a partial priority_points set the
                    # others to 0, and a solve moved 547 households).
                    changed[key] = {**project.rules[key], **changed[key]}
            unusable.pop(key, None)
        problems = [f"{unreadable_rule(key, value)}; set it too"
                    for key, value in unusable.items()]
        problems += rule_problems(changed)
        if problems:
            for problem in problems:
                print(f"错误 error: {problem}", file=sys.stderr)
            print("nothing changed", file=sys.stderr)
            return EXIT_DATA
        # A rule the file held unreadable is entered as it was in the file.
        was = {k: project.unusable_rules.get(k, project.rules.get(k))
               for k in changed}
        before = {k: was[k] for k in changed
                  if changed[k] != project.rules.get(k)
                  or k in project.unusable_rules}
        project.rules = changed
        project.unusable_rules = unusable
        project.log("edit rules", "rules", before=before,
                    after={k: changed[k] for k in before},
                    reason=args.reason or "allocator rules --set")
        save_project(project, args.project)
        if "area_max_per_person_m2" in before:
            _red_line_note(project.rules.get("area_max_per_person_m2"))
        if "objective_order" in before:
            _order_note(project.rules.get("objective_order"))
        if {"coverage_gap_groups", "coverage_gap_max"} & set(before):
            _coarse_groups_note(project, dt.date.today())
        if "issuing_office" in before:
            _office_glyph_note(project)
    for row in rules_frame(project.rules).itertuples():
        label = DEFAULTS[row.key].label if row.key in DEFAULTS else row.key
        value = row.value_json
        if row.key in project.unusable_rules:
            value = f"? ({unreadable_rule(row.key, project.unusable_rules[row.key])})"
        print(f"{row.key} ({label}) = {value}\n    来源 source: {row.source}")
    command = f"allocator rules {project_word(args.project)} --set"
    for key, value in project.unusable_rules.items():
        print(f"错误 error: {unreadable_rule(key, value)}; set it with "
              f"`{command} {key}=VALUE`", file=sys.stderr)
    problems = rule_problems(project.rules)
    for problem in problems:
        key = (problem_keys([problem]) or ["KEY"])[0]
        print(f"错误 error: {problem}; set it with `{command} {key}=VALUE`",
              file=sys.stderr)
    return EXIT_DATA if problems or project.unusable_rules else EXIT_OK


def cmd_lock(args) -> int:
    from allocator.project import project_lock

    with project_lock(args.project):
        return _cmd_lock(args)


def _cmd_lock(args) -> int:
    from allocator.locks import (
        LockRefused,
        add_lock,
        fixes_on_held_units,
        remove_lock,
    )
    from allocator.project import load_project, save_project

    unit = args.unit if args.unit is not None else args.forbid
    if unit is None and args.household is not None and args.remove:
        # Every lock of one household (a refused site is a forbid per unit).
        household = args.household.strip()
        project = load_project(args.project)
        units = project.locks.loc[project.locks["household_id"] == household,
                                  "unit_id"].tolist()
        if not units:
            print(f"错误 error: household {household} has no locks",
                  file=sys.stderr)
            return EXIT_DATA
        for each in dict.fromkeys(units):
            remove_lock(project, household, each, args.reason)
        save_project(project, args.project)
        print(f"removed {len(units)} lock(s) of household {household}")
        return EXIT_OK
    if unit is None and (args.household is not None or args.remove):
        print("错误 error: name the unit with --unit U (fix) or --forbid U "
              "(forbid), together with --household", file=sys.stderr)
        return EXIT_USAGE
    if unit is not None and not (unit.strip() and (args.household or "").strip()):
        print("错误 error: give --household and the unit (--unit or --forbid), "
              "neither empty", file=sys.stderr)
        return EXIT_USAGE
    project = load_project(args.project)
    if unit is not None:
        kind = "fix" if args.unit is not None else "forbid"
        try:
            if args.remove:
                remove_lock(project, args.household, unit, args.reason, kind=kind)
            else:
                change = add_lock(project, args.household, unit, kind, args.reason)
        except LockRefused as exc:
            for problem in exc.problems:  # the command to run names this file
                print(f"错误 error: {_named(problem, args.project)}", file=sys.stderr)
            return EXIT_DATA
        save_project(project, args.project)
        if not args.remove and change.before:
            was = change.before[0].get("reason") or ""
            print(f"replaced the lock set {str(change.before[0].get('created'))[:10]} "
                  f"(reason was: {was or '-'})")
        if not args.remove and kind == "fix":
            for household, fixed, holder in fixes_on_held_units(project):
                if (household, fixed) == (args.household.strip(), unit):
                    print(f"注意 note: {unit} is allocated to household {holder}: a "
                          f"solve gives {holder} another unit or puts it back on "
                          f"the waiting list; `allocator reallocate` keeps "
                          f"{holder} housed, so it keeps this lock only with "
                          f"--allow-moves and another unit that fits {holder}",
                          file=sys.stderr)
    shown = project.locks
    if unit is not None and len(shown) > LOCKS_SHOWN:
        # After a change, the household's own locks (a refused site may
        # hold hundreds of units): the whole list is `allocator lock P`.
        shown = shown[shown["household_id"] == args.household.strip()]
        print(f"{len(project.locks)} locks in all; `allocator lock "
              f"{_shell(args.project)}` lists them; household "
              f"{args.household.strip()}'s:")
    for row in shown.itertuples():
        kind = "固定 fix" if row.kind == "fix" else "禁止 forbid"
        print(f"{row.household_id}  {kind}  {row.unit_id}  {row.reason or ''}")
    if project.locks.empty:
        print("no locks")
    return EXIT_OK


LOCKS_SHOWN = 50
"""More locks than this are listed after a change only for its household."""


def cmd_bench(args) -> int:
    from solvers.gap import GapFormatError, read_orlib_gap_problems, solve_gap

    if args.bench_command == "county":
        return _bench_county(args)
    if not args.file.exists():
        print(f"错误 error: {args.file}: file not found", file=sys.stderr)
        return EXIT_USAGE
    if args.file.is_dir():
        print(f"错误 error: {args.file}: is a folder, not a GAP file", file=sys.stderr)
        return EXIT_USAGE
    try:
        count = len(read_orlib_gap_problems(args.file))
    except GapFormatError as exc:
        print(f"错误 error: {exc}", file=sys.stderr)
        return EXIT_DATA
    if args.problem is None and count > 1:
        print(f"错误 error: {args.file} holds {count} problems; choose one with "
              f"--problem 1 to {count}", file=sys.stderr)
        return EXIT_USAGE
    if args.problem is not None and not 1 <= args.problem <= count:
        print(f"错误 error: --problem {args.problem}: {args.file} holds "
              f"{count} problem(s)", file=sys.stderr)
        return EXIT_USAGE
    try:
        result = solve_gap(args.file, args.sense, args.backend, args.time_limit,
                           problem=args.problem)
    except (GapFormatError, OSError) as exc:
        print(f"错误 error: {exc}", file=sys.stderr)
        return EXIT_DATA
    from allocator.export import write_private_text

    write_private_text(args.json, json.dumps(result, indent=2), encoding="utf-8")
    print(f"{result['instance']} {result['sense']}: {result['status']} "
          f"objective {result['objective']} bound {result['bound']} "
          f"({result['seconds']} s, {result['backend']})")
    return EXIT_OK if result["status"] in ("optimal", "feasible") else EXIT_DATA


def _bench_county(args) -> int:
    """``allocator bench county``: the code lives in ``bench/`` of a checkout."""
    root = Path(__file__).resolve().parent.parent
    if not (root / "bench" / "county.py").exists():
        print("错误 error: allocator bench county needs a source checkout (the "
              "bench/ folder beside allocator/); run it from the repository",
              file=sys.stderr)
        return EXIT_USAGE
    if any(n < 1 for n in args.households):
        print("错误 error: --households must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    again = sorted({n for n in args.households if args.households.count(n) > 1})
    if again:  # one seed gives one county of a size: it would run twice
        print(f"错误 error: --households names {', '.join(map(str, again))} more "
              "than once; each size is one county (give another --seed in another "
              "run for another county of that size)", file=sys.stderr)
        return EXIT_USAGE
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    from bench.county import run_and_write
    from bench.county_methods import METHODS

    given = args.methods is not None
    args.methods = args.methods or ""
    unknown = [m for m in args.methods.split(",") if m and m not in METHODS]
    if unknown:
        print(f"错误 error: unknown method(s) {', '.join(unknown)}; choose from "
              f"{', '.join(METHODS)}", file=sys.stderr)
        return EXIT_USAGE
    named = [m for m in args.methods.split(",") if m]
    if given and not named:  # "", "," or ", ": not "all"
        print(f"错误 error: --methods {args.methods!r} names no method; choose from "
              f"{', '.join(METHODS)}, or leave --methods out to run them all",
              file=sys.stderr)
        return EXIT_USAGE
    twice = sorted({m for m in named if named.count(m) > 1})
    if twice:  # the results keep one entry per method
        print(f"错误 error: --methods names {', '.join(twice)} more than once; "
              "each method runs once per county", file=sys.stderr)
        return EXIT_USAGE
    return run_and_write(args.households, args.seed, args.json, args.time_limit,
                         args.memory_mb, args.methods, args.unit_points)


def cmd_demo(args) -> int:
    out = args.out
    if out.exists() and not out.is_dir():
        print(f"错误 error: {out} is a file, not a folder; choose another --out",
              file=sys.stderr)
        return EXIT_DATA
    for name in DEMO_FILES:  # a folder in the way: before any work
        if (out / name).is_dir():
            print(f"错误 error: {out / name} is a folder, where the demo writes a "
                  "file; move it away or choose another --out", file=sys.stderr)
            return EXIT_DATA
    if not args.force and _holds_more_than_a_demo(out / "project.gpkg"):
        return EXIT_DATA
    others = [name for name in DEMO_FILES[1:] if (out / name).exists()]
    if not args.force and others and not (out / "project.gpkg").exists():
        print(f"错误 error: {out} holds {', '.join(others)} but no project of a "
              "demo; the demo would replace them. Choose another --out, or add "
              "--force to replace them", file=sys.stderr)
        return EXIT_DATA
    out.mkdir(parents=True, exist_ok=True)  # fail before the long work
    if not _writable(out):
        print(f"错误 error: cannot write in {out}; choose another --out",
              file=sys.stderr)
        return EXIT_DATA
    from allocator.project import project_lock

    # Two demos into one folder would write the same files at once: the
    # second is refused, as a second command on one project is.
    with project_lock(out / "project.gpkg"):
        return _demo_into(out, args)


def _demo_into(out: Path, args) -> int:
    """The demo's work, in a folder checked and held by :func:`cmd_demo`."""
    from allocator.export import export_pdf, export_xlsx
    from allocator.importer import ImportInputs
    from allocator.project import save_project
    from sample_data import sample_files, sample_history_files

    files = sample_files()
    inputs = ImportInputs(register=files["register"], sites=files["sites"],
                          units=files["units"], facilities=files["facilities"],
                          county=files["county"], **sample_history_files())
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
        # A new import, not saved: nothing before, nothing recorded.
        _not_stored(outcome, "base", kept=False, saved=False,
                    again=f"Nothing was written in {out}; run `allocator demo` "
                    "again")
        return EXIT_DATA
    _not_proven(outcome)
    # The orders and the table are written beside their names and put in
    # place only once the project that holds their run is saved: a demo
    # interrupted before that leaves the folder as it was.
    parts = {name: out / f".{Path(name).stem}.demo-{os.getpid()}{Path(name).suffix}"
             for name in ("orders.pdf", "allocations.xlsx")}
    try:
        export_pdf(project, parts["orders.pdf"], progress=_progress_bar("orders"))
        export_xlsx(project, parts["allocations.xlsx"])
        project.log("export", "scenario base",
                    after={"pdf": "orders.pdf", "xlsx": "allocations.xlsx"},
                    reason="allocator demo")
        save_project(project, out / "project.gpkg")
        for name, part in parts.items():
            os.replace(part, out / name)
    finally:
        for part in parts.values():
            part.unlink(missing_ok=True)
    # Last, so that an interrupted demo leaves no figures of a run the
    # folder's project does not hold.
    _write_kpis(project, out / "kpis.json")
    for name in DEMO_FILES:
        print(f"wrote {out / name}")
    return EXIT_OK


DEMO_FILES = ("project.gpkg", "orders.pdf", "allocations.xlsx", "kpis.json")
"""What a demo writes in its --out folder."""
DEMO_LEDGER = ["import", "allocate", "export"]
"""What a demo writes in its project's ledger, in order."""


def _holds_more_than_a_demo(path: Path) -> bool:
    """Say why the demo must not replace ``path`` and return True when it
    is there and is not a demo's own project (its ledger records more than
    the demo's import, allocation and export, or it cannot be read as a
    project); False otherwise."""
    import pyogrio

    if not path.exists():
        return False
    try:
        ledger = pyogrio.read_dataframe(path, layer="ledger", columns=["action"],
                                        read_geometry=False)
        actions = [str(action) for action in ledger["action"]]
    except Exception:  # not a GeoPackage, or no ledger: not the demo's
        actions = None
    if actions == DEMO_LEDGER:
        return False
    if actions is None:
        what = "is not a project the demo wrote"
    else:
        later = [a for a in dict.fromkeys(actions) if a not in DEMO_LEDGER]
        what = (f"holds work done after the demo (its ledger has {len(actions)} "
                "entries" + (f", with {', '.join(later)}" if later else "") + ")")
    print(f"错误 error: {path} {what}; the demo would replace it. Choose another "
          f"--out, or add --force to replace it", file=sys.stderr)
    return True


def _solve_scenario(project, args) -> int:
    from allocator import scenarios
    from allocator.allocate import kept_optimal
    from allocator.exits import without_exited
    from allocator.kpis import compute_kpis, kpi_table
    from allocator.project import save_project
    from allocator.validator import validate_allocation

    name = args.scenario
    previous = (project.allocations[project.allocations["scenario"] == name],
                project.service_assignments[
                    project.service_assignments["scenario"] == name])
    try:
        # scenarios.solve refuses a petition trial, and a scenario of a
        # reallocated base that would mix in what the base has not yet
        # allocated, with what to do (the project's path put in below).
        with _interrupt_as_cancel() as cancelled:
            outcome = scenarios.solve(
                project, name, backend=args.backend,
                time_limit=args.time_limit, today=args.date, seed=args.seed,
                cancel=cancelled)
        data = scenarios.scenario_data(project, name)
    except scenarios.ScenarioError as exc:
        _print_scenario_problems(exc, args.project)
        return EXIT_DATA
    # scenarios.solve stored the run, and an allocation only when every
    # level has a solution (a solve stopped early keeps the previous one).
    if outcome.solution is None:
        save_project(project, args.project)  # the failed run is recorded
        _not_stored(outcome, name, kept=len(previous[0]) > 0)
        return EXIT_OK if kept_optimal(outcome.run) else EXIT_DATA
    violations = validate_allocation(without_exited(data), args.scenario)
    if violations:
        for line in violations[:50]:
            print(f"validator: {line}", file=sys.stderr)
        raise RuntimeError(f"the solution breaks {len(violations)} rule(s)")
    save_project(project, args.project)
    _not_proven(outcome)
    if outcome.changes is not None:
        allocations = project.allocations
        added = set(allocations.loc[allocations["scenario"] == name, "household_id"]) \
            - set(allocations.loc[allocations["scenario"] == "base", "household_id"])
        differ = set(outcome.changes["household_id"]) | added
        print(f"方案 scenario {name}: solved as a reallocation of the base, as the "
              "base's allocation is one (households placed in the base keep their "
              f"units); {len(differ)} household(s) differ from the base (another "
              f"unit or place, or added by the scenario: {len(added)}) (`allocator "
              f"scenario diff {scenarios.project_word(args.project)} base "
              f"{scenarios.shell_word(name)}` shows them)")
    kpis = compute_kpis(data, args.scenario)
    print(kpi_table(kpis))
    if args.json:
        from allocator.kpis import write_kpis_json

        write_kpis_json(kpis, args.json)
    return EXIT_OK


def cmd_scenario(args) -> int:
    from allocator.project import project_lock

    if args.scenario_command in ("list", "show", "diff"):
        return _cmd_scenario(args)  # reading only: works on a read-only project
    with project_lock(args.project):
        return _cmd_scenario(args)


def _scenario_changes(args) -> tuple[dict, list[str], str | None, dict]:
    """The changes given as a file and as options, merged, with every
    problem found in reading them, the name of the file and the option that
    gave each merged entry (``origins`` of :func:`scenarios.create`). A
    table entry (a capacity, a catchment, a rule) given twice with different
    values, by two options or by an option and the file, is a problem."""
    from allocator.scenarios import parse_changes

    changes, problems = parse_changes(args.file) if args.file else ({}, [])
    source = str(args.file) if args.file else None
    origins: dict[tuple[str, object], str] = {}
    lists = {"close_facilities": [(item, f"--close-facility {item!r}")
                                  for item in args.close_facility or []]}
    tables: dict[str, dict] = {"capacities": {}, "catchments": {}, "rules": {}}
    for option, key, number in (("--capacity", "capacity", int),
                                ("--catchment", "catchment", float),
                                ("--rule", "rule", None)):
        target = {"capacity": "capacities", "catchment": "catchments",
                  "rule": "rules"}[key]
        for item in getattr(args, key):
            name, sep, text = item.partition("=")
            if not sep or not name.strip():
                problems.append(f"{option} {item!r}: use NAME=VALUE")
                continue
            try:
                value = json.loads(text) if number is None else number(text)
            except ValueError:
                if number is not None:
                    problems.append(f"{option} {item!r}: {text!r} is not a number")
                    continue
                value = _bare(name.strip(), text)
            name, label = name.strip(), f"{option} {item!r}"
            if name in tables[target]:
                if tables[target][name][0] != value:
                    problems.append(f"{label}: {name} is given twice with "
                                    f"different values (also "
                                    f"{tables[target][name][1]}); keep one")
                continue
            tables[target][name] = (value, label)
    for option, key, target in (("--add-facility", "add_facility", "add_facilities"),
                                ("--add-unit", "add_unit", "add_units")):
        lists[target] = []
        for n, item in enumerate(getattr(args, key), start=1):
            try:
                lists[target].append((json.loads(item), f"{option} #{n}"))
            except json.JSONDecodeError as exc:
                problems.append(f"{option} {item!r}: not a JSON object ({exc.msg})")
    if not isinstance(changes, dict):
        # The check says what is wrong with the file; the options' own
        # problems (found above) are reported with it.
        return changes, problems, source, origins
    for target, items in lists.items():
        if not items:
            continue
        if isinstance(changes.setdefault(target, []), list):
            for item, label in items:
                origins[(target, len(changes[target]))] = label
                changes[target].append(item)
        else:
            problems.append(f"{source}: {target} is not a list, so the options "
                            "cannot add to it")
    for target, table in tables.items():
        if not table:
            continue
        if not isinstance(changes.setdefault(target, {}), dict):
            problems.append(f"{source}: {target} is not a mapping, so the options "
                            "cannot add to it")
            continue
        for name, (value, label) in table.items():
            if name in changes[target] and changes[target][name] != value:
                problems.append(f"{label}: {source} gives {target}.{name} = "
                                f"{changes[target][name]!r} already; keep one")
                continue
            changes[target][name] = value
            origins[(target, name)] = label
    return changes, problems, source, origins


def _print_exit_rule_effects(effects: dict) -> None:
    """For each scenario that changes the exit rule: who would qualify,
    every household named (the planner checks them one by one)."""
    for name, effect in effects.items():
        print(f"{name}: {effect.text(names=None)}")


def _with_exit_rules(text: str, effects: dict) -> str:
    """A comparison's JSON with, for each scenario that changes the exit
    rule, who qualifies under it and under the base's (``exit_rule``)."""
    if not effects:
        return text
    data = json.loads(text)
    data["exit_rule"] = {name: effect.to_dict() for name, effect in effects.items()}
    return json.dumps(data, ensure_ascii=False, indent=2)


def _print_scenario_problems(exc, project: Path | None = None) -> None:
    """Each problem of a :class:`ScenarioError` on its own line (with the
    commands it quotes naming ``project``, when given)."""
    problems = getattr(exc, "problems", None) or [str(exc)]
    for problem in problems:
        text = problem if project is None else _named(problem, project)
        print(f"错误 error: {text}", file=sys.stderr)
    if len(problems) > 1:
        print(f"{len(problems)} problem(s); nothing changed", file=sys.stderr)


def _cmd_scenario(args) -> int:
    from allocator import scenarios
    from allocator.kpis import compute_kpis, kpi_table
    from allocator.project import load_project, save_project

    project = load_project(args.project)
    command = args.scenario_command
    try:
        if command == "new":
            changes, problems, source, origins = _scenario_changes(args)
            name = scenarios.create(project, args.name, changes, args.description,
                                    source=source, problems=problems,
                                    origins=origins)
            save_project(project, args.project)
            print(f"方案 scenario {name}: {scenarios.describe(changes)}")
            _red_line_note((changes.get("rules") or {}).get("area_max_per_person_m2"))
            _order_note((changes.get("rules") or {}).get("objective_order"))
            print(f"solve it with `allocator solve "
                  f"{scenarios.shell_word(str(args.project))} --scenario "
                  f"{scenarios.shell_word(name)}`")
        elif command == "list":
            for row in scenarios.summary(project).itertuples():
                # A petition trial's changes are its description: shown once.
                print(f"{row.scenario}  [{row.status}]  {row.changes}"
                      + (f"  ({row.description})" if row.description
                         and row.description != row.changes else ""))
                if row.out_of_date is not None:
                    print("    已过期 out of date: "
                          + row.out_of_date.text(args.project))
        elif command == "show":
            changes = scenarios.changes_of(project, args.name, path=args.project)
            row = project.scenarios[project.scenarios["scenario"] == args.name]
            description = row["description"].iloc[0] if len(row) else None
            trial = not changes and scenarios.petition_trial(
                project, args.name) is not None
            print(f"方案 scenario {args.name}: "
                  + (description if trial else scenarios.describe(changes)))
            _print_exit_rule_effects(scenarios.exit_rule_effects(
                project, [args.name], dt.date.today()))
            stale = scenarios.out_of_date(project, args.name)
            if stale is not None:
                print(f"已过期 out of date: {stale.text(args.project)}")
            if not trial and changes:  # a trial's condition is its description
                print(json.dumps(changes, ensure_ascii=False, indent=2))
            if project.allocations["scenario"].eq(args.name).any():
                data = scenarios.scenario_data(project, args.name)
                print(kpi_table(compute_kpis(data, args.name)))
            else:
                print("not solved yet")
        elif command == "diff":
            names = args.names if len(args.names) > 1 else ["base"] + args.names
            if len(set(names)) < len(names):
                print("错误 error: nothing to compare: "
                      + ("base is compared with itself; name a scenario to compare "
                         "with base" if set(names) == {"base"} else
                         "a scenario is named twice; name two different scenarios "
                         "(one name alone is compared with base)"), file=sys.stderr)
                return EXIT_USAGE
            comparison = scenarios.compare(project, names, path=args.project)
            stamp = scenarios.base_stamp(project)
            out_of_date = set()
            for name in names:
                stale = scenarios.out_of_date(project, name, stamp=stamp)
                if stale is not None:
                    out_of_date.add(name)
                    print(f"注意 note: {name} 已过期 out of date: "
                          f"{stale.text(args.project)}", file=sys.stderr)
            for line in scenarios.predating_notes(project, names, args.project,
                                                  out_of_date):
                print(f"注意 note: {line}", file=sys.stderr)
            _print_comparison(comparison)
            effects = scenarios.exit_rule_effects(project, names, dt.date.today())
            _print_exit_rule_effects(effects)
            if args.geojson:
                comparison.to_geojson(args.geojson)
                print(f"wrote {args.geojson}")
            from allocator.export import write_private_text

            if args.csv:  # raw keys in files; owner-only like other outputs
                write_private_text(args.csv, comparison.households.to_csv(
                    index=False), encoding="utf-8-sig")
                print(f"wrote {args.csv}")
            if args.json:
                write_private_text(args.json, _with_exit_rules(
                    comparison.to_json(), effects))
                print(f"wrote {args.json}")
        elif command == "promote":
            scenarios.promote(project, args.name, args.reason, path=args.project,
                              taking_units=args.force)
            save_project(project, args.project)
            ledger = project.ledger
            at = [i for i, action in enumerate(ledger["action"].tolist())
                  if action == "scenario promote"][-1]
            print(f"方案 scenario {args.name} is now the base (ledger entry "
                  f"{at + 1})")
            try:
                after = json.loads(ledger["after"].iloc[at])
                details = after.get("details") or {}
                services = after.get("service_changes") or []
            except (TypeError, ValueError, AttributeError):
                details, services = {}, []
            for household, moved in sorted(details.items()):
                print(f"  {household}  {moved.get('unit_before') or '轮候'} → "
                      f"{moved.get('unit_after') or '轮候'}")
            if services:
                print(f"  {len(services)} household(s) keep their unit with other "
                      "school places or clinics (学位或卫生服务变动); `allocator "
                      f"export {_word(args.project)} --changed --pdf FILE` prints "
                      "their orders with the reason")
            locks = int((ledger["action"].iloc[at + 1:] == "lock").sum())
            if locks:
                print(f"  {locks} lock(s) keep the petition's condition "
                      f"(`allocator lock {_shell(args.project)}` lists them)")
            blank = scenarios.without_id_numbers(project)
            if blank:
                shown = ", ".join(blank[:10]) + (
                    f" and {len(blank) - 10} more" if len(blank) > 10 else "")
                print(f"警告 warning: {len(blank)} household(s) of the base have "
                      f"a member without an ID number (身份证号): {shown}; their "
                      "orders and the public notice print a dash in its place. "
                      "Give the numbers in an updated register: allocator "
                      f"register {scenarios.shell_word(str(args.project))} FILE "
                      "--apply --reason TEXT", file=sys.stderr)
        elif command == "delete":
            scenarios.delete(project, args.name, args.reason, path=args.project)
            save_project(project, args.project)
            print(f"deleted scenario {args.name}")
    except scenarios.ScenarioError as exc:
        _print_scenario_problems(exc)
        return EXIT_DATA
    return EXIT_OK


def _kpi_text(key: str, value, signed: bool = False) -> str:
    if value is None or value != value:
        return "-"
    sign = "+" if signed else ""
    if key.endswith("_coverage"):
        return f"{100 * value:{sign}.1f}%"
    if key.endswith("_m"):
        return f"{value:{sign},.1f}"
    return f"{int(round(value)):{sign},}"


def _print_comparison(comparison) -> None:
    from allocator.kpis import display_width, pad_cell
    from allocator.scenarios import difference_lines, unit_words

    kpis = comparison.kpis
    labels = comparison.kpi_labels("zh_CN")  # the keys stay in JSON/CSV files
    first = max(display_width(text) for text in ["指标 KPI", *labels]) + 2
    width = max(display_width(str(c)) for c in kpis.columns) + 2
    print(pad_cell("指标 KPI", first) + "".join(pad_cell(str(c), width, right=True)
                                           for c in kpis.columns))
    for label, (key, row) in zip(labels, kpis.iterrows()):
        cells = []
        for column, value in row.items():
            signed = column not in comparison.names
            text = _kpi_text(str(key), value, signed)
            cells.append(pad_cell(text, width, right=True))
        print(pad_cell(label, first) + "".join(cells))
    households = comparison.households
    moved = int(households["unit_changed"].sum()) if len(households) else 0
    print(f"\n{len(households)} household(s) differ ({moved} in their unit, the "
          "rest in school places or clinics)")
    for record in households.head(30).to_dict("records"):
        units = " | ".join(unit_words(record[f"unit[{n}]"]) for n in comparison.names)
        print(f"  {record['household_id']}: {units}")
        for part in difference_lines(comparison.details[record["household_id"]]):
            print(f"      {part}")
    if len(households) > 30:
        print(f"  ... {len(households) - 30} more (--csv FILE writes them all)")


def cmd_petition(args) -> int:
    from allocator.project import project_lock

    with project_lock(args.project):
        return _cmd_petition(args)


def _cmd_petition(args) -> int:
    from allocator.petition import (
        PetitionError,
        check_scenario_name,
        save_trial,
        try_petition,
    )
    from allocator.project import load_project, save_project
    from allocator.reallocate import CHANGE_LABELS
    from allocator.scenarios import ScenarioError

    project = load_project(args.project)
    if _date_before_records(project, args.date, "a petition's trial"):
        return EXIT_USAGE
    if args.save_as is not None:
        try:  # before the trial, which takes a while
            check_scenario_name(project, args.save_as, args.project)
        except ScenarioError as exc:
            print(f"错误 error: --save-as: {exc}", file=sys.stderr)
            return EXIT_USAGE
    # Moves (and a wish) need the aggregated model: minutes on a county.
    print("信访试算中 trying the petition: other households may move, so this "
          "takes longer than a solve (minutes on a county with --grant-wish); "
          "Ctrl-C stops it and nothing changes", file=sys.stderr)
    try:
        with _interrupt_as_cancel() as cancelled:
            trial = try_petition(
                project, args.household, exclude_unit=args.exclude_unit,
                exclude_site=args.exclude_site, grant_wish=args.grant_wish,
                today=args.date, backend=args.backend, time_limit=args.time_limit,
                seed=args.seed, cancel=cancelled)
    except PetitionError as exc:
        print(f"错误 error: {exc}", file=sys.stderr)
        return EXIT_DATA
    run = trial.reallocation.outcome.run
    if not trial.reallocation.solved:
        why = {"feasible": "with a solution not proven the best before its time "
                           "limit; try again with a longer --time-limit (or "
                           "none)",
               "timeout": "at its time limit without a solution; try again with "
                          "a longer --time-limit (or none)",
               "cancelled": "stopped (Ctrl-C)",
               "infeasible": "without a solution: the households allocated "
                             "before cannot all stay housed with the petition "
                             "granted"}.get(str(run["status"]), str(run["status"]))
        print(f"错误 error: the trial ended {why}; nothing changed",
              file=sys.stderr)
        return EXIT_DATA
    others = trial.others_changed
    print(f"信访试算 petition: {trial.request}")
    waits = ""
    if not trial.unit_after:
        rows = trial.reallocation.outcome.allocations
        own = rows.loc[rows["household_id"] == args.household, "reason"]
        text = own.iloc[0] if len(own) and isinstance(own.iloc[0], str) else ""
        waits = "（" + (text.split("轮候：", 1)[-1] if "轮候：" in text
                       else "轮候") + "）"
    print(f"  {args.household}: {trial.unit_before or '轮候'} -> "
          f"{trial.unit_after or '轮候' + waits}")
    if args.exclude_unit and trial.unit_before != args.exclude_unit.strip():
        print(f"注意 note: household {args.household} does not hold "
              f"{args.exclude_unit} (it holds {trial.unit_before or 'none'}); the "
              "trial only keeps that unit from it", file=sys.stderr)
    places = trial.place_changes
    for text in places.loc[places["household_id"] == args.household, "text"]:
        print(f"      {text}")
    print(f"  other households changed: {len(others)} (status {run['status']})")
    for row in others.itertuples():
        print(f"  {row.household_id}  {CHANGE_LABELS[row.change]}  {row.reason}")
    if trial.unit_before and not trial.unit_after:
        print(f"注意 warning: granted this way, household {args.household} loses "
              f"{trial.unit_before} and waits: the trial found no unit for it "
              "that the petition allows. Promoting the trial would put it on "
              "the waiting list (the promote asks for --force)", file=sys.stderr)
    if args.json:
        from allocator.export import write_private_text

        write_private_text(args.json, json.dumps({
            "request": trial.request, "household_id": args.household,
            "unit_before": trial.unit_before, "unit_after": trial.unit_after,
            "run": run, "changes": _records(trial.reallocation.changes),
            "place_changes": _records(trial.place_changes)},
            ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    if args.save_as:
        try:
            save_trial(project, trial, args.save_as)
        except ScenarioError as exc:
            print(f"错误 error: {exc}", file=sys.stderr)
            return EXIT_DATA
        save_project(project, args.project)
        from allocator.scenarios import shell_word

        print(f"stored as scenario {args.save_as}; compare it with `allocator "
              f"scenario diff {shell_word(str(args.project))} "
              f"{shell_word(args.save_as.strip())}`")
    return EXIT_OK


def cmd_reallocate(args) -> int:
    from allocator.project import project_lock

    if args.date is not None and args.date > dt.date.today():
        print(f"错误 error: --date {args.date.isoformat()} is after today "
              f"({dt.date.today().isoformat()}): a reallocation puts into effect "
              "the exits due by its date and gives their units away, which "
              "cannot be undone by cancelling an exit (退出日期未到，不能提前重新"
              "分配); reallocate on or after that day, or leave --date out for "
              "today. Nothing changed", file=sys.stderr)
        return EXIT_USAGE
    with project_lock(args.project):
        return _cmd_reallocate(args)


def _cmd_reallocate(args) -> int:
    from allocator.project import load_project, save_project
    from allocator.reallocate import (
        CHANGE_LABELS,
        ReallocationError,
        outgrown_units,
        previous_allocation,
        reallocate,
        store_reallocation,
        validation_view,
    )
    from allocator.validator import validate_allocation

    project = load_project(args.project)
    if _date_before_records(project, args.date, "a reallocation"):
        return EXIT_USAGE
    today = args.date or dt.date.today()
    exits = project.exits
    if args.date is not None and not exits.empty:
        in_effect = exits["freed_on"].map(lambda v: isinstance(v, str) and v != "")
        later = sorted(day for day in exits.loc[in_effect, "exit_on"].astype(str)
                       if dt.date.fromisoformat(day) > args.date)
        if later:
            print(f"错误 error: --date {args.date.isoformat()} is before {len(later)} "
                  f"exit(s) already in effect, the latest on {later[-1]}: their "
                  "units are free now, and a reallocation on an earlier day would "
                  "find those households without a unit (退出已生效，重新分配日期不能"
                  f"早于退出日期); reallocate on or after {later[-1]}, or leave "
                  "--date out for today. Nothing changed", file=sys.stderr)
            return EXIT_USAGE
    try:
        from allocator.exits import apply_due_exits
    except ImportError:  # an older build without the exit ledger
        apply_due_exits = None
    if apply_due_exits is not None:
        freed_now = apply_due_exits(project, today)
        if freed_now:
            print(f"{len(freed_now)} unit(s) freed by exits due on or before {today}")
    data = project
    if args.scenario != "base":
        from allocator.scenarios import (
            ScenarioError,
            refuse_petition_solve,
            scenario_data,
        )

        try:
            refuse_petition_solve(project, args.scenario, path=args.project)
            data = scenario_data(project, args.scenario)
        except ScenarioError as exc:
            print(f"错误 error: {_named(exc, args.project)}", file=sys.stderr)
            return EXIT_DATA
    if not args.allow_moves:
        try:
            outgrown = outgrown_units(data, previous_allocation(
                data, args.scenario), today)
        except ReallocationError as exc:
            print(f"错误 error: {_named(exc, args.project)}", file=sys.stderr)
            return EXIT_DATA
        if outgrown:
            _outgrown_refused(outgrown, args)
            return EXIT_USAGE
    made = None
    if args.scenario != "base":
        from allocator.scenarios import made_against

        made = made_against(project)  # the base, exits due today included
    try:
        with _interrupt_as_cancel() as cancelled:
            result = reallocate(
                data, scenario=args.scenario, today=today,
                allow_moves=args.allow_moves,
                allow_service_changes=args.allow_service_changes,
                backend=args.backend, time_limit=args.time_limit, seed=args.seed,
                cancel=cancelled, moves_for_gain=args.allow_moves)
    except ReallocationError as exc:
        print(f"错误 error: {_named(exc, args.project)}", file=sys.stderr)
        return EXIT_DATA
    if not result.solved:
        if result.outcome.run["status"] == "cancelled":
            how, again = ("was stopped (Ctrl-C)", "Reallocate again and let it "
                          "finish")
        elif result.outcome.run["status"] == "infeasible":
            print("错误 error: the reallocation has no solution: every household "
                  "allocated before must stay housed, and the planner's locks "
                  "must be kept; a forbid or a fix leaves such a household no "
                  "unit it may have. Check the locks (`allocator lock "
                  f"{_shell(args.project)}` lists them) and remove or "
                  "change the one at fault; nothing changed. 重新分配无解，未作任何"
                  "更改。", file=sys.stderr)
            from allocator.locks import fixes_on_held_units

            held = fixes_on_held_units(project)
            for household, unit, holder in held[:10]:
                print(f"  the fix of {unit} to household {household}: {unit} is "
                      f"{holder}'s, who must stay housed"
                      + ("" if args.allow_moves else " (it may move only with "
                         "--allow-moves)"), file=sys.stderr)
            return EXIT_DATA
        else:
            how, again = ("reached its time limit", "Reallocate again with a "
                          "longer --time-limit (or none)")
        print(f"错误 error: the reallocation {how} before its last level; "
              f"nothing changed ({result.outcome.result.message}). 重新分配未完成，"
              f"未作任何更改。{again}", file=sys.stderr)
        return EXIT_DATA
    priority = project.households["priority"].copy()
    if made is not None:
        # Recorded as `allocator solve --scenario` does: list, show and diff
        # mark the scenario out of date once the base changes.
        from allocator.scenarios import stamp_run

        stamp_run(result.outcome.run, made)
    store_reallocation(project, result)
    if data is not project:
        # The base keeps its own priority points; the scenario's are its run's.
        project.households["priority"] = priority
        data.allocations, data.service_assignments = (
            project.allocations, project.service_assignments)
        data.runs = project.runs
    violations = validate_allocation(validation_view(data, today), args.scenario)
    if violations:
        for line in violations[:50]:
            print(f"validator: {line}", file=sys.stderr)
        print(f"错误 error: the reallocation breaks {len(violations)} rule(s); "
              "nothing saved", file=sys.stderr)
        return EXIT_DATA
    save_project(project, args.project)
    changes = result.changes
    print(f"方案 scenario {args.scenario}: {len(result.freed_units)} unit(s) freed, "
          f"{len(changes)} household(s) changed, "
          f"{result.kept_services} service group(s) kept")
    if result.move_gains is not None:
        gains = result.move_gains
        moved = int((changes["change"] == "moved").sum())
        print(f"调换住房 moves: {moved}; each costs {gains.penalty_m:,} m "
              f"(move_penalty_m); a family at one site gains {gains.family_m:,} m "
              f"(family_reunion_m); school walks over {gains.trip_limit_m:,} m "
              "(school_trip_max_m) gain the metres saved")
    for row in changes.itertuples():
        print(f"  {row.household_id}  {CHANGE_LABELS[row.change]}  {row.reason}")
    if args.json:
        from allocator.export import write_private_text

        write_private_text(args.json, json.dumps({
            "run": result.outcome.run, "freed_units": result.freed_units,
            "changes": _records(changes)}, ensure_ascii=False, indent=2,
            default=str), encoding="utf-8")
    return EXIT_OK


def _outgrown_refused(outgrown, args) -> None:
    """Why `reallocate` without --allow-moves refuses households whose
    allocated unit no longer fits their size, and what to do."""
    from allocator.scenarios import shell_word

    scenario = (f" --scenario {shell_word(args.scenario)}" if args.scenario != "base"
                else "")
    project_word = shell_word(str(args.project))
    print(f"错误 error: {len(outgrown)} household(s) were allocated a unit they "
          "have not moved into, and after a register update (家庭人口变化) or a "
          "change of the area rule (面积标准调整) the unit no longer fits the "
          "household's size; kept, it would break the area rule:", file=sys.stderr)
    for household in outgrown:
        print(f"  {household.text()}", file=sys.stderr)
    print(f"Nothing was changed. To re-house them (a unit that fits, or back on "
          f"the waiting list), run `allocator reallocate {project_word}{scenario} "
          f"--allow-moves`; or solve the allocation again with `allocator solve "
          f"{project_word}{scenario}`", file=sys.stderr)


def _add_dynamic_commands(commands) -> None:
    """Dynamic management (issue #5): ledger, exits, alerts, register, notice."""
    ledger = commands.add_parser(
        "ledger", help="list the project's ledger (台账): every import, edit, "
        "allocation, exit and export",
        description="List the project's ledger (台账). Each entry carries a hash "
        "of itself and the entry before it: entries changed after they were "
        "written (e.g. in sqlite3 or QGIS) or removed are named in a warning. "
        "Entries written before the hashes began (projects made with an older "
        "version) are accepted as they are and named once, in one line, as not "
        "protected.")
    ledger.add_argument("project", type=_project_path)
    ledger.add_argument("--household", help="only entries about this household")
    ledger.add_argument("--action", help="only this action, e.g. exit, edit rules, "
                        "allocate, export, register update")
    ledger.add_argument("--since", type=_date, help="only entries from this day "
                        "(YYYY-MM-DD)")
    ledger.add_argument("--json", type=Path, help="also write the entries to a file")

    move_in = commands.add_parser(
        "move-in", help="record that allocated households moved into their units "
        "(入住): the unit becomes occupied, follow-up visits start")
    move_in.add_argument("project", type=Path)
    move_in.add_argument("--household", action="extend", nargs="+", required=True,
                         help="household id(s) (户号), as --household A B or "
                         "repeated")
    move_in.add_argument("--date", type=_day, default=None,
                         help="the day they moved in (default today)")
    move_in.add_argument("--reason", default="", type=_reason,
                         help="why, for the ledger")
    exits = commands.add_parser(
        "exits", help="who qualifies for exit (退出) and why; --apply confirms "
        "exits and frees their units on the transition date")
    exits.add_argument("project", type=_project_path)
    exits.add_argument("--apply", action="store_true",
                       help="confirm the exits (all qualifying households, or "
                       "those given with --household)")
    exits.add_argument("--household", action="extend", nargs="+", default=None,
                       metavar="ID", help="only these households (户号)")
    exits.add_argument("--date", type=_exit_day, default=None,
                       help="transition date: units are freed on it (default "
                       "today); not before the household's move-in date (入住日期) "
                       "and at most a year ahead")
    exits.add_argument("--cancel", action="store_true",
                       help="take back the confirmed exits of the households "
                       "given with --household whose units are not yet freed "
                       "(a wrong date: take it back, then confirm again)")
    exits.add_argument("--reason", default="", type=_reason,
                       help="why (kept in the ledger)")

    alerts = commands.add_parser(
        "alerts", help="red, yellow and blue risk alerts (红黄蓝预警) with reasons")
    alerts.add_argument("project", type=_project_path)
    alerts.add_argument("--level", choices=("red", "yellow", "blue"),
                        help="only this level")
    alerts.add_argument("--township", help="only households of this township "
                        "(现属乡镇)")
    alerts.add_argument("--date", type=_day, default=None,
                        help="the day alerts are computed for (default today; "
                        "2000-01-01 to a year from today)")
    alerts.add_argument("--json", type=Path, help="also write the alerts to a file")

    register = commands.add_parser(
        "register", help="compare an updated register (births, deaths, 分户, "
        "merges) with the project; --apply records the changes")
    register.add_argument("project", type=_project_path)
    register.add_argument("file", type=Path, help="the updated register "
                          "(.xlsx/.csv, same columns as for import)")
    register.add_argument("--apply", action="store_true",
                          help="apply the differences (each goes to the ledger); "
                          "needs --reason")
    register.add_argument("--reason", default="", type=_reason,
                          help="why (kept in the ledger; "
                          "required with --apply)")
    register.add_argument("--date", type=_day, default=None,
                          help="the day of the update (default today; not "
                          "after today nor before 2000-01-01)")
    register.add_argument("--encoding", help="text encoding of a CSV register")
    register.add_argument("--allow-many-removals", action="store_true",
                          help="apply an update that removes more than 10 %% of "
                          "the households (at least 10); without it such an "
                          "update is refused, as the file may be incomplete")

    notice = commands.add_parser(
        "notice", help="public notice (公示名单) PDF of an allocation: masked "
        "names and ID numbers, unit and school, lottery seed, objection deadline")
    notice.add_argument("project", type=_project_path)
    notice.add_argument("--pdf", type=Path, required=True, help="PDF to write")
    notice.add_argument("--scenario", default="base",
                        help="scenario whose allocation is posted (default base)")
    notice.add_argument("--objection-days", type=_objection_days, default=7,
                        help="days for objections from the posting date "
                        f"(1 to {MAX_OBJECTION_DAYS}, default 7)")
    notice.add_argument("--date", type=_day, default=None,
                        help="posting date (default today; 2000-01-01 to a year "
                        "from today)")


def cmd_ledger(args) -> int:
    from allocator.ids import did_you_mean
    from allocator.ledger import (
        ACTION_LABELS,
        about_household,
        changed_entries,
        household_units,
        ledger_entries,
        ledger_warning,
        unprotected_entries,
    )
    from allocator.project import load_project

    # said below; a rule spoiled in the file does not hide the ledger
    project = load_project(args.project, check_ledger=False, rules_to_fix=True)
    if args.action is not None:
        allowed = dict(ACTION_LABELS)
        for action in project.ledger["action"].dropna().astype(str):
            allowed.setdefault(action, "")
        if args.action not in allowed and args.action not in ACTION_LABELS.values():
            names = ", ".join(f"{key} ({label})" if label else key
                              for key, label in allowed.items())
            print(f"错误 error: --action {args.action!r} is not a ledger action; "
                  f"give one of: {names}", file=sys.stderr)
            return EXIT_USAGE
    if args.household is not None:
        args.household = args.household.strip()
    entries = ledger_entries(project, household=args.household, action=args.action,
                             since=args.since)
    if args.household is not None and args.household not in set(
            project.households["household_id"]):
        if ledger_entries(project, household=args.household).empty:
            hint = did_you_mean(args.household, project.households["household_id"])
            print(f"错误 error: household {args.household!r} is not in the register "
                  f"and no ledger entry names it; check the 户号{hint}",
                  file=sys.stderr)
            return EXIT_USAGE
        print(f"注意 note: household {args.household!r} is no longer in the register; "
              "its ledger entries follow", file=sys.stderr)
    changed = set(changed_entries(project))
    units = (household_units(project, args.household)
             if args.household is not None else frozenset())
    for row in entries.itertuples():
        mark = "  [已被改动 changed outside the tool]" if row.entry in changed else ""
        print(f"#{row.entry}  {row.time}  {row.user}  {row.action}  {row.object}"
              f"{mark}")
        before, after = row.before, row.after
        if args.household is not None:
            # an entry that lists many households shows only this one
            before = about_household(before, args.household, units)
            after = about_household(after, args.household, units)
        if before:
            print(f"    before: {before}")
        if after:
            print(f"    after:  {after}")
        if row.reason:
            print(f"    reason: {row.reason}")
    print(f"{len(entries)} of {len(project.ledger)} ledger entries", file=sys.stderr)
    old = unprotected_entries(project)
    if old:
        span = f"#{old[0]}" if len(old) == 1 else f"#{old[0]}–#{old[-1]}"
        print(f"注意 note: entries {span} were written before entries carried a "
              "hash (by an older version); they are accepted as they are, but a "
              "change to them cannot be detected", file=sys.stderr)
    warning = ledger_warning(project)
    if warning:
        print(f"警告 warning: {warning}", file=sys.stderr)
    if args.json:
        from allocator.export import write_private_text

        write_private_text(args.json, json.dumps(_records(entries),
                                        ensure_ascii=False, indent=2, default=str),
                             encoding="utf-8")
    return EXIT_OK


def cmd_move_in(args) -> int:
    from allocator.movein import MoveInError, record_move_ins
    from allocator.project import load_project, project_lock, save_project

    if any(not h.strip() for h in args.household):
        print("错误 error: --household needs a household id (户号); an empty one "
              "was given", file=sys.stderr)
        return EXIT_USAGE
    day = args.date or dt.date.today()
    with project_lock(args.project):
        project = load_project(args.project)
        try:
            moved = record_move_ins(project, [h.strip() for h in args.household],
                                    day, reason=args.reason)
        except MoveInError as exc:
            print(f"错误 error: {exc}; nothing changed", file=sys.stderr)
            return EXIT_DATA
        save_project(project, args.project)
    for move in moved:
        print(f"{move.household_id}  入住 moved into {move.unit_id} on {move.day}")
    months = ", ".join(str(m) for m in project.rules.get("follow_up_months", []))
    print(f"recorded {len(moved)} move-in(s); follow-up visits are due {months} "
          "month(s) after, and one overdue raises an alert (`allocator alerts "
          f"{_word(args.project)}`)")
    return EXIT_OK


def cmd_exits(args) -> int:
    from allocator.project import project_lock

    if args.household and any(not h.strip() for h in args.household):
        print("错误 error: --household needs a household id (户号); an empty one "
              "was given", file=sys.stderr)
        return EXIT_USAGE
    if args.cancel:
        if args.apply or args.date or not args.household:
            print("错误 error: --cancel takes back the exits of the households given "
                  "with --household, without --apply or --date", file=sys.stderr)
            return EXIT_USAGE
        with project_lock(args.project):
            return _cancel_exits(args)
    if not args.apply:
        return _cmd_exits(args)
    with project_lock(args.project):
        return _cmd_exits(args)


def _cancel_exits(args) -> int:
    from allocator.exits import ExitError, cancel_exits
    from allocator.project import load_project, save_project

    project = load_project(args.project)
    dates = dict(zip(project.exits["household_id"], project.exits["exit_on"]))
    try:
        taken = cancel_exits(project, list(args.household), reason=args.reason)
    except ExitError as exc:
        print(f"错误 error: {exc}; nothing changed", file=sys.stderr)
        return EXIT_DATA
    save_project(project, args.project)
    for household_id in taken:
        print(f"{household_id}  退出已撤回 exit of {dates[household_id]} taken back")
    print(f"took back {len(taken)} exit(s); confirm again with `allocator exits "
          f"{_word(args.project)} --apply --household ID --date YYYY-MM-DD`")
    return EXIT_OK


def _word(path: Path) -> str:
    from allocator.scenarios import project_word

    return project_word(path)


def _cmd_exits(args) -> int:
    from allocator.exits import ExitError, confirm_exits, exit_review
    from allocator.ids import did_you_mean
    from allocator.project import load_project, save_project

    project = load_project(args.project)
    today = dt.date.today()
    exit_on = args.date or today
    review = exit_review(project, today)
    rule = project.rules
    basis = "人均" if rule.get("exit_income_basis") == "per_capita" else "户"
    print(f"退出规则 exit rule: {basis}年收入 > {rule['county_average_income_yuan']:,} "
          f"元 且稳定就业 ≥ {rule['stable_job_years_for_exit']} 年"
          + (f"，另加 {len(rule['exit_conditions'])} 条条件"
             if rule.get("exit_conditions") else ""))
    if args.household:
        known = set(review["household_id"])
        unknown = [h for h in args.household if h not in known]
        chosen = review[review["household_id"].isin(args.household)]
    else:
        unknown = []
        chosen = review[review["qualifies"]]
    for row in chosen.itertuples():
        mark = "符合 qualifies" if row.qualifies else "不符合 does not qualify"
        print(f"{row.household_id}  {row.unit_id}  {mark}  {row.reason}")
    pending = project.exits[project.exits["freed_on"].isna()]
    for row in pending.itertuples():
        print(f"{row.household_id}  {row.unit_id}  已确认退出，{row.exit_on} 腾退 "
              "confirmed, unit freed on that date")
    print(f"{int(review['qualifies'].sum())} of {len(review)} housed household(s) "
          "qualify", file=sys.stderr)
    if not args.apply:
        registered = project.households["household_id"]
        for household_id in unknown:
            print(f"错误 error: {household_id}: not a housed household that can exit "
                  "(unknown, waiting or already exited)"
                  + did_you_mean(household_id, registered), file=sys.stderr)
        return EXIT_USAGE if unknown else EXIT_OK
    targets = list(dict.fromkeys(args.household)) if args.household else chosen[
        "household_id"].tolist()
    if not targets:
        print("no household to confirm; nothing changed", file=sys.stderr)
        return EXIT_OK
    if not args.household and len(targets) > 1 and not (args.reason or "").strip():
        # Found by a new user: a bare `exits P --apply` confirmed 359 exits at
        # once and freed their units that day, past taking back.
        freed = " and free their units today" if exit_on <= today else ""
        print(f"错误 error: --apply without --household confirms the exits of all "
              f"{len(targets)} qualifying households at once{freed}; give the "
              "decision it carries out as --reason (e.g. --reason 2026年度退出审核) "
              "to confirm them all, or name the households with --household; "
              "nothing changed", file=sys.stderr)
        return EXIT_USAGE
    try:
        confirm_exits(project, targets, exit_on, today, reason=args.reason)
    except ExitError as exc:
        print(f"错误 error: {exc}; nothing changed", file=sys.stderr)
        return EXIT_DATA
    save_project(project, args.project)
    freed = project.exits[project.exits["household_id"].isin(targets)
                          & project.exits["freed_on"].notna()]
    later = len(targets) - len(freed)
    print(f"confirmed {len(targets)} exit(s) on {exit_on}; {len(freed)} unit(s) "
          "空置 vacant now" + (f", {later} to be freed on {exit_on}" if later else ""))
    return EXIT_OK


def cmd_alerts(args) -> int:
    from allocator.alerts import LEVEL_LABELS, compute_alerts
    from allocator.project import load_project

    project = load_project(args.project)
    today = args.date or dt.date.today()
    alerts = compute_alerts(project, today)
    if args.township:
        townships = set(project.households["current_township"].dropna())
        if args.township not in townships:
            print(f"错误 error: no household lives in township {args.township!r}; "
                  "townships: " + "、".join(sorted(townships)), file=sys.stderr)
            return EXIT_USAGE
        alerts = alerts[alerts["current_township"] == args.township]
    counts = alerts["level"].value_counts()
    if args.level:
        alerts = alerts[alerts["level"] == args.level]
    for row in alerts.itertuples():
        where = row.unit_id if isinstance(row.unit_id, str) else "轮候"
        print(f"{row.level_label} {row.level}  {row.household_id}  "
              f"{row.current_township}  {where}  {row.reason}")
    print(f"{today}: " + ", ".join(f"{LEVEL_LABELS[level]} {int(counts.get(level, 0))}"
                                   for level in LEVEL_LABELS), file=sys.stderr)
    if args.json:
        from allocator.export import write_private_text

        write_private_text(args.json, json.dumps(_records(alerts),
                                        ensure_ascii=False, indent=2, default=str),
                             encoding="utf-8")
    return EXIT_OK


def cmd_register(args) -> int:
    from allocator.project import project_lock

    if args.date is not None and args.date > dt.date.today():
        print(f"错误 error: --date {args.date.isoformat()} is after today "
              f"({dt.date.today().isoformat()}): an update records the register "
              "as it stood on a day that has come (its births and waiting-list "
              "dates are checked against that day); give that day or leave "
              "--date out for today. Nothing compared or changed", file=sys.stderr)
        return EXIT_USAGE
    if args.apply and not args.reason.strip():
        print("错误 error: register --apply needs --reason TEXT (why the register "
              "changed, e.g. --reason \"2026年11月户籍核对\"); it is kept in the "
              "ledger with every change. Nothing changed", file=sys.stderr)
        return EXIT_USAGE
    if not args.apply:
        return _cmd_register(args)
    with project_lock(args.project):
        return _cmd_register(args)


REFUSED_LINES = 20
"""Household changes listed by a register update refused as an incomplete
file (the rest are counted)."""


def _cmd_register(args) -> int:
    from allocator.project import load_project, save_project
    from allocator.register_update import (
        RegisterUpdateError,
        apply_register_update,
        compare_register,
        mass_removal,
    )

    project = load_project(args.project)
    diff = compare_register(project, args.file, encoding=args.encoding,
                            today=args.date or dt.date.today())
    _print_problems(diff.problems)
    if diff.errors:
        print(f"{len(diff.errors)} error(s) in {args.file}: nothing compared or "
              "changed; fix them and run this again", file=sys.stderr)
        return EXIT_DATA
    if not diff.changes:
        print("no differences", file=sys.stderr)
        return EXIT_OK
    many = mass_removal(project, diff)
    refused = many is not None and args.apply and not args.allow_many_removals
    if many is not None:  # said first: the listing may run to thousands of lines
        print(f"{'错误 error' if refused else '警告 warning'}: {many} (with --apply)"
              + (". Nothing changed" if refused else ""), file=sys.stderr)
    lines = diff.lines()
    shown = lines[:REFUSED_LINES] if refused else lines
    for line in shown:
        print(line)
    if refused:
        more = len(lines) - len(shown)
        print((f"... and {more} more household change(s), not shown; " if more
               else "") + "nothing changed (see the error above)", file=sys.stderr)
        return EXIT_DATA
    if not args.apply:
        if many is not None:
            print(f"警告 warning: {many} (with --apply)", file=sys.stderr)
        print(f"{len(diff.changes)} household change(s); nothing changed yet: add "
              "--apply --reason TEXT to record them", file=sys.stderr)
        return EXIT_OK
    try:
        apply_register_update(project, diff, reason=args.reason,
                              today=args.date or dt.date.today(),
                              allow_many_removals=args.allow_many_removals)
    except RegisterUpdateError as exc:
        print(f"错误 error: {exc}; nothing changed", file=sys.stderr)
        return EXIT_DATA
    save_project(project, args.project)
    print(f"applied {len(diff.changes)} household change(s); each is in the ledger")
    if len(project.allocations) and not all(
            change.id_numbers_only() for change in diff.changes):
        from allocator.scenarios import shell_word

        # A reallocation keeps the households already housed in their units;
        # a new solve would allocate everyone afresh and move many of them.
        print("the stored allocation predates this update: before printing "
              "orders or a notice, run `allocator reallocate "
              f"{shell_word(str(args.project))}` (households already housed keep "
              "their units; add --allow-moves if it names one the update left in "
              "a unit that no longer fits); `allocator solve` would allocate "
              "everyone afresh and may move many households", file=sys.stderr)
    return EXIT_OK


def cmd_notice(args) -> int:
    from allocator.project import project_lock

    with project_lock(args.project):
        return _cmd_notice(args)


def _cmd_notice(args) -> int:
    from allocator.export import latest_run
    from allocator.notice import OutOfDateNotice, refuse_out_of_date, write_notice_pdf
    from allocator.project import load_project, save_project

    if not 1 <= args.objection_days <= MAX_OBJECTION_DAYS:
        print(f"错误 error: --objection-days {args.objection_days}: give 1 to "
              f"{MAX_OBJECTION_DAYS} days for objections; nothing written",
              file=sys.stderr)
        return EXIT_USAGE
    project = load_project(args.project)
    from allocator.notice import refuse_unknown_scenario

    refuse_unknown_scenario(project, args.scenario)
    latest_run(project, args.scenario)  # an unsolved or outgrown allocation
    try:
        refuse_out_of_date(project, args.scenario, args.project)
    except OutOfDateNotice as exc:  # the project's state, as promote's refusal
        print(f"错误 error: {exc}; nothing written", file=sys.stderr)
        return EXIT_DATA
    args.pdf.parent.mkdir(parents=True, exist_ok=True)
    if not _writable(args.pdf.parent):
        print(f"错误 error: cannot write in {args.pdf.parent}; nothing written",
              file=sys.stderr)
        return EXIT_DATA
    posted = args.date or dt.date.today()
    run = latest_run(project, args.scenario)
    made = str(run.get("today") or "")[:10]  # the day the solve was made for
    if made and posted.isoformat() < made:
        # Its objection period would have closed before the list existed.
        print(f"错误 error: --date {posted.isoformat()} is before the allocation "
              f"was made ({made}); a notice is posted on or after that day; "
              "nothing written", file=sys.stderr)
        return EXIT_USAGE
    summary = write_notice_pdf(project, args.pdf, scenario=args.scenario,
                               posted_on=posted, objection_days=args.objection_days)
    project.log("notice", f"scenario {args.scenario}",
                after={"pdf": str(args.pdf), **summary},
                reason="allocator notice")
    save_project(project, args.project)
    print(f"wrote {args.pdf}: {summary['households']} household(s), objections until "
          f"{summary['objections_until']}")
    return EXIT_OK


def cmd_gui(args) -> int:
    if args.project is not None and not args.project.exists():
        print(f"错误 error: {args.project}: project file not found", file=sys.stderr)
        return EXIT_USAGE
    try:
        from ui.app import run  # Qt is loaded only for this command
    except ImportError as exc:
        print(f"错误 error: the window needs PySide6 ({exc}); install the gui "
              "extra in the product's folder: `.venv/bin/pip install -e "
              "\".[gui]\"` (on Windows `.venv\\Scripts\\pip`), as the README's "
              "section on the window says", file=sys.stderr)
        return EXIT_USAGE
    return run(args.project)


if __name__ == "__main__":
    sys.exit(main())


def _shell(path) -> str:
    """A path as a shell word, to paste into a command."""
    from allocator.scenarios import shell_word

    return shell_word(str(path))
