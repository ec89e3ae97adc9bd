"""The project: one GeoPackage per county, loaded into frames and saved whole.

Layers (CGCS2000, EPSG:4490): ``county``, ``sites``, ``housing_units``,
``facilities``. Attribute tables: ``households``, ``members``, ``rules``,
``scenarios``, ``runs``, ``allocations``, ``service_assignments``, ``ledger``,
``locks``, the households' histories (``household_history``, ``petitions``,
``follow_up_visits``, ``exits``), the numbers given to allocation orders
(``order_numbers``) and ``metadata`` (with the schema version).
The file opens in QGIS as it is.

A save writes a complete new GeoPackage beside the old one and renames it over
the original (an atomic replace on one file system), so a crash, a full disk
or a failure half-way leaves the previous file untouched. The half-written
copy of a save whose process was killed is dealt with when the project is
next opened (see :func:`tidy_interrupted_saves`).

Each ledger entry carries a hash of its own content and of the entry before
it (a hash chain; :func:`ledger_entry_hash`), so an entry edited afterwards
in another program no longer matches (:func:`allocator.ledger.changed_entries`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import functools
import getpass
import glob
import hashlib
import json
import logging
import os
import sqlite3
import stat
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import geopandas as gpd
import pandas as pd
import pyogrio
import pyogrio.errors

from allocator.paths import output_path
from allocator.rules import DEFAULTS, default_rules, problem_keys, rule_problems

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 4  # 2 added the locks table; 3 wishes, histories, exits,
# scenarios; 4 the order numbers issued
LAYERS = ("county", "sites", "housing_units", "facilities")
TABLES = (
    "households", "members", "rules", "scenarios", "runs", "allocations",
    "service_assignments", "ledger", "locks",
    "household_history", "petitions", "follow_up_visits", "exits",
    "order_numbers", "metadata",
)

COLUMNS: dict[str, dict[str, str]] = {
    "county": {"adcode": "str", "name": "str"},
    "sites": {"site_id": "str", "name": "str", "note": "str"},
    "housing_units": {
        "unit_id": "str", "site_id": "str", "building": "str", "floor": "int",
        "area_m2": "float", "accessible": "bool", "status": "str",
        "household_id": "str", "placed_on": "str",
    },
    "facilities": {
        "facility_id": "str", "name": "str", "kind": "str", "type_label": "str",
        "capacity": "int", "note": "str",
    },
    "households": {
        "household_id": "str", "size": "int", "category": "str", "priority": "int",
        "origin_village": "str", "origin_township": "str",
        "current_township": "str", "annual_income": "float",
        "stable_job_years": "float", "waiting_since": "str",
        "needs_accessible": "bool", "exited_on": "str",
        # Wishes (issue #4): ranked site ids "ZJ01-2|ZJ01-1"; a low floor asked for
        "preferred_sites": "str", "wants_low_floor": "bool",
    },
    "members": {
        "member_id": "str", "household_id": "str", "name": "str",
        "id_number": "str", "birth_date": "str", "sex": "str",
        "relationship": "str", "disability": "str",
    },
    "rules": {"key": "str", "value_json": "str", "source": "str"},
    "scenarios": {"scenario": "str", "description": "str", "created": "str",
                  "changes_json": "str"},
    "runs": {
        "run_id": "str", "scenario": "str", "started": "str", "status": "str",
        "backend": "str", "seed": "int", "seconds": "float",
        "objective_housed": "float", "objective_served": "float",
        "objective_walk": "float", "bound": "float", "gap": "float",
        "objective_wishes": "float", "objective_village": "float",
        "levels_json": "str", "message": "str", "reference_date": "str",
        "today": "str", "formulation": "str", "options_json": "str",
    },
    "allocations": {
        "scenario": "str", "run_id": "str", "household_id": "str",
        "unit_id": "str", "kind": "str", "reason": "str",
        "change": "str",  # why it differs from before a reallocation, else empty
        "wish": "str",  # which wish was met or not and why, else empty
    },
    "service_assignments": {
        "scenario": "str", "run_id": "str", "member_id": "str",
        "household_id": "str", "kind": "str", "facility_id": "str",
        "distance_m": "float", "reason": "str",
    },
    "locks": {
        "household_id": "str", "unit_id": "str", "kind": "str", "reason": "str",
        "created": "str",
    },
    "ledger": {
        "entry": "int", "time": "str", "user": "str", "action": "str",
        "object": "str", "before": "str", "after": "str", "reason": "str",
        # sha256 over the entry and the previous entry's hash (empty in entries
        # written before the chain started; see ledger_entry_hash)
        "hash": "str",
    },
    # Households over time (issue #5): income and job by year, complaints and
    # petitions (信访), follow-up visits after placement, confirmed exits.
    "household_history": {
        "household_id": "str", "year": "int", "annual_income": "float",
        "job_status": "str", "stable_job_years": "float", "note": "str",
    },
    "petitions": {
        "household_id": "str", "date": "str", "kind": "str", "subject": "str",
        "status": "str", "note": "str",
    },
    "follow_up_visits": {
        "household_id": "str", "visit_month": "int", "done_on": "str",
        "visitor": "str", "note": "str",
    },
    "exits": {
        "household_id": "str", "unit_id": "str", "exit_on": "str",
        "confirmed": "str", "user": "str", "reason": "str", "freed_on": "str",
    },
    # The number of each household's allocation order (分配通知书编号), given
    # once and kept (allocator.export.order_numbers): ``issued`` is the day of
    # the export that gave it. Households that left the register keep theirs,
    # so that no number is given twice.
    "order_numbers": {"household_id": "str", "number": "int", "issued": "str"},
    "metadata": {"key": "str", "value": "str"},
}


class ProjectError(Exception):
    """A project file that cannot be opened or saved; the message says why.

    ``kind`` names the case for the window, which words it in the planner's
    language: "read_only", "damaged", "not_project", "busy" or "" (other)."""

    def __init__(self, message: str, kind: str = "",
                 path: str | Path | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.path = path


def empty_frame(table: str) -> pd.DataFrame:
    """An empty frame with the columns and types of ``table``."""
    series = {}
    for column, kind in COLUMNS[table].items():
        dtype = {"str": object, "int": "int64", "float": "float64", "bool": bool}[kind]
        series[column] = pd.Series([], dtype=dtype)
    frame = pd.DataFrame(series)
    if table in LAYERS:
        return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs="EPSG:4490"),
                                crs="EPSG:4490")
    return frame


@dataclass
class Project:
    """All data of one county project, as frames."""

    county: gpd.GeoDataFrame = field(default_factory=lambda: empty_frame("county"))
    sites: gpd.GeoDataFrame = field(default_factory=lambda: empty_frame("sites"))
    housing_units: gpd.GeoDataFrame = field(
        default_factory=lambda: empty_frame("housing_units"))
    facilities: gpd.GeoDataFrame = field(
        default_factory=lambda: empty_frame("facilities"))
    households: pd.DataFrame = field(default_factory=lambda: empty_frame("households"))
    members: pd.DataFrame = field(default_factory=lambda: empty_frame("members"))
    rules: dict[str, Any] = field(default_factory=default_rules)
    scenarios: pd.DataFrame = field(default_factory=lambda: empty_frame("scenarios"))
    runs: pd.DataFrame = field(default_factory=lambda: empty_frame("runs"))
    allocations: pd.DataFrame = field(
        default_factory=lambda: empty_frame("allocations"))
    service_assignments: pd.DataFrame = field(
        default_factory=lambda: empty_frame("service_assignments"))
    ledger: pd.DataFrame = field(default_factory=lambda: empty_frame("ledger"))
    locks: pd.DataFrame = field(default_factory=lambda: empty_frame("locks"))
    household_history: pd.DataFrame = field(
        default_factory=lambda: empty_frame("household_history"))
    petitions: pd.DataFrame = field(default_factory=lambda: empty_frame("petitions"))
    follow_up_visits: pd.DataFrame = field(
        default_factory=lambda: empty_frame("follow_up_visits"))
    exits: pd.DataFrame = field(default_factory=lambda: empty_frame("exits"))
    order_numbers: pd.DataFrame = field(
        default_factory=lambda: empty_frame("order_numbers"))
    metadata: dict[str, str] = field(default_factory=dict)
    ledger_stored: int = field(default=0, repr=False, compare=False)
    """How many ledger rows were read from the file; only rows after them are
    ever given a hash (a stored entry whose hash was removed stays without)."""
    unusable_rules: dict[str, Any] = field(default_factory=dict, repr=False,
                                           compare=False)
    """Rules whose value in the file cannot be read, with the text the file
    holds (only ``allocator rules`` opens such a project, to fix them; every
    other command refuses it; see :func:`unreadable_rule`)."""

    def log(self, action: str, obj: str, before: Any = None, after: Any = None,
            reason: str = "") -> None:
        """Append one entry to the ledger (never rewritten)."""
        try:
            user = getpass.getuser()
        except Exception:  # no user name on some service accounts
            user = "unknown"
        entry = {
            "entry": self.next_entry(),
            "time": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "user": user,
            "action": action,
            "object": obj,
            "before": _json(before),
            "after": _json(after),
            "reason": reason,
        }
        seal_ledger(self)  # entries appended directly (exit steps) first
        entry["hash"] = ledger_entry_hash(entry, self._last_hash())
        self.ledger = pd.concat([self.ledger, pd.DataFrame([entry])],
                                ignore_index=True)
        self.metadata.setdefault(CHAIN_KEY, str(entry["entry"]))

    def next_entry(self) -> int:
        """After the last entry present and the last one saved (entries cut
        off outside the tool keep their numbers missing)."""
        numbers = pd.to_numeric(self.ledger["entry"], errors="coerce").dropna()
        top = int(numbers.max()) if len(numbers) else 0
        try:
            saved = int(self.metadata.get(LAST_KEY, 0))
        except (TypeError, ValueError):
            saved = 0
        return max(top, saved) + 1

    def _last_hash(self) -> str:
        if self.ledger.empty or "hash" not in self.ledger.columns:
            return ""
        return _cell(self.ledger["hash"].iloc[-1])

    def base_allocation(self, scenario: str = "base") -> pd.DataFrame:
        """The stored allocation of a scenario (empty if never solved)."""
        return self.allocations[self.allocations["scenario"] == scenario]


def _json(value: Any) -> str:
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


CHAIN_KEY = "ledger_chain_from"
"""Metadata key: the first ledger entry written with a hash. Entries before it
were written by a version without the chain and cannot be checked."""
LAST_KEY = "ledger_last_entry"
"""Metadata key: the number of the last ledger entry when the project was
saved; fewer entries on opening means entries were cut off the end."""
HASHED_FIELDS = ("entry", "time", "user", "action", "object", "before", "after",
                 "reason")


def _cell(value: Any) -> str:
    """A stored cell as text; missing cells (None, NaN) are ""."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value)


def ledger_entry_hash(entry: dict, previous: str) -> str:
    """The hash of one ledger entry: sha256 over its fields and ``previous``,
    the hash of the entry before it ("" for the first entry of the chain).

    Changing any field of an entry afterwards (its time, user, action,
    object, before, after, reason or number) changes this value, so the
    stored hash no longer matches. The chain is not a signature: it shows
    edits made outside the tool, it cannot stop someone who recomputes it.
    """
    fields = [str(int(entry["entry"])) if _cell(entry.get("entry")) else ""]
    fields += [_cell(entry.get(name)) for name in HASHED_FIELDS[1:]]
    text = json.dumps(fields + [previous], ensure_ascii=False,
                      separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def seal_ledger(project: Project) -> None:
    """Give every new ledger entry without a hash its hash.

    New means after the rows read from the file (``project.ledger_stored``):
    entries that code appended to the frame directly (the exit step does)
    get theirs here, in order, each chained to the one before. Stored rows
    are never touched, so a stored entry whose hash was removed in another
    program stays reported.
    """
    ledger = project.ledger
    hashes = ledger["hash"] if "hash" in ledger.columns else None
    # Entries get their hash in order (here and in Project.log), so the new
    # ones without a hash are the last few: look at those only.
    first = len(ledger)
    while first > project.ledger_stored and (
            hashes is None or not _cell(hashes.iloc[first - 1])):
        first -= 1
    if first == len(ledger):
        return
    ledger = ledger.copy()
    if hashes is None:
        ledger["hash"] = None
    ledger["hash"] = ledger["hash"].astype(object)
    previous = _cell(ledger["hash"].iloc[first - 1]) if first else ""
    column = ledger.columns.get_loc("hash")
    for i in range(first, len(ledger)):
        previous = ledger_entry_hash(ledger.iloc[i].to_dict(), previous)
        ledger.iat[i, column] = previous
    project.ledger = ledger
    project.metadata.setdefault(CHAIN_KEY, str(int(ledger["entry"].iloc[first])))


def rules_frame(rules: dict[str, Any]) -> pd.DataFrame:
    """The rules as the stored table (key, JSON value, source of the default)."""
    rows = []
    for key, value in rules.items():
        default = DEFAULTS.get(key)
        source = default.source if default else "规划人员添加"
        if default is not None and value != default.value:
            source = "规划人员修改（默认值来源：" + default.source + "）"
        rows.append({"key": key, "value_json": json.dumps(value, ensure_ascii=False),
                     "source": source})
    return pd.DataFrame(rows, columns=list(COLUMNS["rules"]))


def _typed(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Frame with exactly the table's columns, in order, with its types."""
    frame = frame.copy()
    for column, kind in COLUMNS[table].items():
        if column not in frame.columns:
            frame[column] = None
        if kind == "str":
            frame[column] = frame[column].astype(object).where(
                frame[column].notna(), None)
            frame[column] = frame[column].map(lambda v: None if v is None else str(v))
        elif kind == "int":
            frame[column] = pd.to_numeric(frame[column]).fillna(0).astype("int64")
        elif kind == "float":
            frame[column] = pd.to_numeric(frame[column]).astype("float64")
        elif kind == "bool":
            frame[column] = frame[column].fillna(False).astype(bool)
    columns = list(COLUMNS[table])
    if table in LAYERS:
        return gpd.GeoDataFrame(frame[columns + ["geometry"]], geometry="geometry",
                                crs=frame.crs)
    return frame[columns]


def save_project(project: Project, path: Path, *,
                 fail_after: Callable[[str], None] | None = None) -> None:
    """Write ``project`` to ``path`` atomically.

    ``fail_after`` is called after each layer is written (tests use it to
    force a failure half-way through a save).
    """
    path = output_path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    reason = read_only_reason(path)
    if reason is not None:
        raise ProjectError(read_only_message(reason), "read_only", path)
    from allocator.ledger import check_append_only

    seal_ledger(project)  # new entries get their hash before they are written
    check_append_only(project, path)  # the ledger is never rewritten
    tidy_interrupted_saves(path)
    handle, temp_name = tempfile.mkstemp(
        prefix=f".{_short_stem(path)}.saving-{os.getpid()}-", suffix=".gpkg",
        dir=path.parent)
    os.close(handle)
    os.unlink(temp_name)
    temp = Path(temp_name)
    metadata = dict(project.metadata)
    if not project.ledger.empty:
        # The chain's end, so that entries cut off the end are seen too.
        metadata[LAST_KEY] = str(int(pd.to_numeric(project.ledger["entry"]).max()))
    metadata["schema_version"] = str(SCHEMA_VERSION)
    metadata["saved"] = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    tables = {
        "county": project.county,
        "sites": project.sites,
        "housing_units": project.housing_units,
        "facilities": project.facilities,
        "households": project.households,
        "members": project.members,
        "rules": rules_frame(project.rules),
        "scenarios": project.scenarios,
        "runs": project.runs,
        "allocations": project.allocations,
        "service_assignments": project.service_assignments,
        "ledger": project.ledger,
        "locks": project.locks,
        "household_history": project.household_history,
        "petitions": project.petitions,
        "follow_up_visits": project.follow_up_visits,
        "exits": project.exits,
        "order_numbers": project.order_numbers,
        "metadata": pd.DataFrame(
            {"key": list(metadata), "value": list(metadata.values())}),
    }
    foreign = _foreign_parts(path, set(tables))
    try:
        for name, frame in tables.items():
            typed = _typed(frame, name)
            if name in LAYERS:
                typed = typed.to_crs("EPSG:4490") if typed.crs else typed.set_crs(
                    "EPSG:4490")
                pyogrio.write_dataframe(typed, temp, layer=name, driver="GPKG",
                                        promote_to_multi=False)
            else:
                pyogrio.write_dataframe(typed, temp, layer=name, driver="GPKG")
            if name == "county" and os.name == "posix":
                # owner-only before any household is written (the copy is
                # made with the umask's mode, and may outlive a killed save)
                os.chmod(temp, 0o600)
            if fail_after is not None:
                fail_after(name)
        _copy_foreign(path, temp, foreign)
        with open(temp, "rb+") as stream:
            os.fsync(stream.fileno())
        give_permissions(temp, file_status(path), path)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    SAVES.append((path, metadata.get(LAST_KEY)))
    logger.info("saved project %s", path)


SAVES: list[tuple[Path, str | None]] = []
"""Every project saved by this process, with its last ledger entry (None
for a ledger still empty): what a command interrupted after a save says it
kept."""


def _foreign_parts(path: Path, ours: set[str]) -> tuple[list[str], list[str]]:
    """What the project file holds besides the project's own tables: layers
    (a road layer added in QGIS, QGIS's layer_styles) and plain SQLite
    tables, so that a save keeps them. Empty for a new file."""
    import sqlite3

    if not path.exists():
        return [], []
    try:
        layers = [str(name) for name, _kind in pyogrio.list_layers(path)
                  if str(name) not in ours]
    except Exception:  # not readable as a GeoPackage: nothing to keep
        return [], []
    with contextlib.closing(sqlite3.connect(_read_only_uri(path), uri=True)) as db:
        names = [row[0] for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")]
    plain = [name for name in names if name not in ours and name not in layers
             and not name.startswith(("gpkg_", "rtree_", "sqlite_"))]
    return layers, plain


def _copy_foreign(path: Path, temp: Path, foreign: tuple[list[str], list[str]]
                  ) -> None:
    """Copy the layers and tables :func:`_foreign_parts` found into the new
    file, as they are."""
    import sqlite3

    layers, plain = foreign
    for name in layers:
        frame = pyogrio.read_dataframe(path, layer=name)
        pyogrio.write_dataframe(frame, temp, layer=name, driver="GPKG")
        logger.info("kept layer %s of %s", name, path)
    if not plain:
        return
    with contextlib.closing(sqlite3.connect(temp.resolve().as_uri(), uri=True)) as db:
        db.execute("ATTACH DATABASE ? AS old", (_read_only_uri(path),))
        for name in plain:
            (create,) = db.execute("SELECT sql FROM old.sqlite_master WHERE "
                                   "type = 'table' AND name = ?", (name,)).fetchone()
            db.execute(create)
            quoted = '"' + name.replace('"', '""') + '"'
            db.execute(f"INSERT INTO main.{quoted} SELECT * FROM old.{quoted}")
            logger.info("kept table %s of %s", name, path)
        db.commit()


def _read_only_uri(path: Path) -> str:
    return path.resolve().as_uri() + "?mode=ro"


def file_status(path: Path) -> os.stat_result | None:
    """``os.stat`` of ``path``, or None if there is no such file."""
    try:
        return os.stat(path)
    except FileNotFoundError:
        return None


def give_permissions(new: Path, before: os.stat_result | None,
                     target: Path) -> None:
    """Give ``new``, written to replace ``target`` whose status was ``before``
    (None: there was none), the permissions it should have (POSIX; elsewhere
    the folder's decide).

    A new file holds personal data (names, ID numbers) and is readable and
    writable by its owner only (0600), whatever the umask. A file that
    replaces an existing one gets that file's permission bits, so that a
    project or output the planner has shared (e.g. 0664 for an office group)
    stays shared after a save, and, where the process may set it, its group.
    When the group cannot be kept, the group's bits are dropped rather than
    given to another group.
    """
    if os.name != "posix":
        return
    if before is None:
        os.chmod(new, 0o600)
        return
    mode = stat.S_IMODE(before.st_mode) & 0o777
    if os.stat(new).st_gid != before.st_gid:
        try:
            os.chown(new, -1, before.st_gid)
        except OSError:
            logger.warning("%s: 无法保留原文件的用户组（%d），新文件不向用户组开放。 "
                           "Could not keep the replaced file's group (%d); the new "
                           "file gives its group no access", target,
                           before.st_gid, before.st_gid)
            mode &= ~0o070
    os.chmod(new, mode)


@contextlib.contextmanager
def project_lock(path: Path):
    """Hold the project for one process from open to save.

    Two processes solving the same project would each save their own result
    and one would silently overwrite the other; the second one is refused
    instead. A lock left by a process that no longer runs is taken over.
    """
    path = Path(path)
    reason = read_only_reason(path)
    if reason is not None:
        raise ProjectError(read_only_message(reason), "read_only", path)
    lock = path.with_name(f".{path.name}.lock")
    if len(lock.name.encode("utf-8")) > NAME_BYTES:
        lock = path.with_name(f".{_short_stem(path)}.lock")
    # The operating system's lock on the file, not the file itself, holds
    # the project: it goes with the process that took it, however that
    # process ends (a crash, a power cut), so a lock file left behind never
    # blocks anyone, whatever process now has the number it names.
    for _ in range(3):
        try:
            handle = os.open(lock, os.O_CREAT | os.O_RDWR, 0o600)
        except OSError as exc:  # a share or a file system that refuses writes
            if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
                raise ProjectError(read_only_message(
                    f"the folder {_folder(path)} is read-only"), "read_only",
                    path) from None
            if exc.errno in (errno.ENOENT, errno.ENOTDIR):
                # The lock file is the tool's own: name what the planner gave.
                raise ProjectError(
                    f"{path}: project file not found (the folder {_folder(path)} "
                    "does not exist); check the path") from None
            raise
        if not _lock_file(handle):
            owner = _lock_owner(handle)
            os.close(handle)
            who = f" (pid {owner})" if owner else ""
            raise ProjectError(
                f"{path} is being changed by another allocator process{who}; wait "
                "for it to finish, then run this again", "busy", path)
        # Its last holder may have removed the file (and another process
        # made it anew) between our opening and locking it: lock the file
        # that is there.
        try:
            current = os.path.samestat(os.fstat(handle), os.stat(lock))
        except OSError:
            current = False
        if not current:
            os.close(handle)
            continue
        os.ftruncate(handle, 0)
        os.write(handle, str(os.getpid()).encode())
        break
    else:
        raise ProjectError(f"{path}: cannot take the lock file {lock}")
    try:
        yield
    finally:
        with contextlib.suppress(OSError):  # Windows keeps an open file
            lock.unlink()
        os.close(handle)


def _lock_file(handle: int) -> bool:
    """Take the operating system's lock on an open file without waiting;
    False when another process holds it."""
    if os.name == "nt":
        import msvcrt

        try:
            msvcrt.locking(handle, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _lock_owner(handle: int) -> int | None:
    """The process number its holder wrote in a lock file, if readable."""
    try:
        os.lseek(handle, 0, os.SEEK_SET)
        return int(os.read(handle, 32).decode().strip() or 0) or None
    except (OSError, ValueError):
        return None


def _folder(path: Path) -> Path:
    return path.parent if str(path.parent) else Path(".")


def read_only_reason(path: Path) -> str | None:
    """Why the project at ``path`` cannot be saved in place, or None.

    A read-only project file, or a folder where no file can be made (the lock
    and the new copy that a save renames over the project live beside it).
    Reading commands work on such a project; commands that change it are
    refused with :func:`read_only_message` before they change anything.
    """
    path = Path(path)
    folder = _folder(path)
    if path.exists() and not os.access(path, os.W_OK):
        return f"the project file {path} is read-only"
    if folder.is_dir() and not os.access(folder, os.W_OK):
        return f"the folder {folder} is read-only"
    return None


def read_only_message(reason: str) -> str:
    """The refusal of a command that would change a read-only project."""
    return (f"{reason}, so a command that changes the project cannot save it "
            "there; nothing was changed. Copy the project to a folder you can "
            "write to and run the command on the copy (commands that only read "
            "it, such as ledger, alerts, export and scenario list/show/diff, work "
            "where it is)")


NAME_BYTES = 255
"""The longest file name most file systems take (in bytes on Linux, in
characters on Windows)."""
SAVE_NAME_EXTRA = 48
"""What a save's temporary name adds to the project's stem, at most
(``.`` ``.saving-PID-`` eight random characters ``.gpkg-journal``, or
``.interrupted-save-YYYYMMDD-HHMMSS-N.gpkg``)."""


def _short_stem(path: Path) -> str:
    """The project's stem, cut so that the names a save makes beside it stay
    within :data:`NAME_BYTES`: a name that is itself valid could otherwise
    never be saved."""
    stem = path.stem
    room = NAME_BYTES - SAVE_NAME_EXTRA
    while len(stem.encode("utf-8")) > room:
        stem = stem[:-1]
    return stem


SIDECARS = ("-journal", "-wal", "-shm")
"""Files SQLite keeps beside a database while it writes it."""


def _interrupted_save(name: str) -> tuple[str, int] | None:
    """``(project stem, pid)`` if ``name`` is a save's temporary file (or its
    SQLite side file), else None."""
    if not name.startswith(".") or ".saving-" not in name:
        return None
    stem, _, rest = name[1:].partition(".saving-")
    pid_text = rest.split("-", 1)[0]
    return (stem, int(pid_text)) if pid_text.isdigit() else None


def tidy_interrupted_saves(path: Path) -> list[Path]:
    """Deal with the temporary files of saves of ``path`` whose process ended
    before the save finished (killed, power cut); returns the copies kept.

    A save writes a new copy beside the project and renames it over the
    project only when it is whole, so such a copy is never the project: the
    project file still holds the last finished save. A copy cut off half-way
    holds nothing that can be opened and is removed. A copy that was written
    to the end (its process was killed between the last table and the
    rename) holds the state the killed command meant to save, for example
    a window's edits; it is kept under a visible name,
    ``PROJECT.interrupted-save-YYYYMMDD-HHMMSS.gpkg``, and named in a warning
    so the planner can open it, or delete it. Copies of a process that still
    runs (another save under way) and folders that cannot be written are
    left alone.
    """
    path = Path(path)
    folder = _folder(path)
    found: dict[Path, int] = {}
    stem = _short_stem(path)
    for temp in folder.glob(f".{glob.escape(stem)}.saving-*"):
        parsed = _interrupted_save(temp.name)
        if parsed is None or parsed[0] != stem:
            continue
        base = temp.name
        for sidecar in SIDECARS:
            base = base.removesuffix(sidecar)
        found[temp.with_name(base)] = parsed[1]
    kept = []
    for temp, pid in sorted(found.items()):
        if pid == os.getpid() or _process_alive(pid):
            continue
        if not os.access(folder, os.W_OK):
            logger.info("%s: 被中断的保存留下的文件；所在文件夹只读，故保留。 Left "
                        "by an interrupted save; the folder is read-only, so it "
                        "stays", temp)
            continue
        try:
            kept += _tidy_one(path, temp, pid)
        except OSError as exc:  # opening or saving goes on without the tidy
            reason = exc.strerror or exc
            logger.warning("%s: 无法删除被中断的保存留下的文件 %s（%s），请手动删除。 "
                           "Could not remove %s, left by an interrupted save (%s); "
                           "delete it by hand", path, temp, reason, temp, reason)
    return kept


def _tidy_one(path: Path, temp: Path, pid: int) -> list[Path]:
    """Remove one interrupted save's copy, or keep it if whole."""
    sidecars = [temp.with_name(temp.name + s) for s in SIDECARS]
    if temp.exists() and not any(s.exists() for s in sidecars) \
            and _whole_save(temp):
        target = _kept_name(path, temp)
        os.replace(temp, target)
        logger.warning(
            "%s: 本项目的一次保存被中断（进程 %d 在保存完成前结束），项目文件仍是最后"
            "一次完成的保存。被中断的保存已全部写完，另存为 %s：可打开查看其中内容，"
            "或将其删除。 A save of this project was interrupted (its process %d "
            "ended before it finished); the project file holds the last finished "
            "save. The interrupted save had written everything, so it is kept as "
            "%s: open it to see what it held, or delete it",
            path, pid, target, pid, target)
        return [target]
    for leftover in [temp, *sidecars]:
        leftover.unlink(missing_ok=True)
    logger.warning(
        "%s: 已删除 %s，这是一次被中断的保存（进程 %d 中途结束）未写完的副本；项目"
        "文件仍是最后一次完成的保存，如该命令的修改没有保存下来，请重新运行该命令。 "
        "The unfinished copy %s of a save that was interrupted (its process %d "
        "ended half-way) was removed; the project file holds the last finished "
        "save, so run the interrupted command again if its change is missing",
        path, temp.name, pid, temp.name, pid)
    return []


def _remind_kept_saves(path: Path, said: set[Path]) -> None:
    """Name, at every opening, the copies kept from interrupted saves that
    are still beside the project (the one just kept is named already): the
    change such a copy holds is not in the project, and a warning given
    once, to whichever command opened the project first, is easily missed."""
    pattern = f"{glob.escape(_short_stem(path))}.interrupted-save-*.gpkg"
    for kept in sorted(_folder(path).glob(pattern)):
        if kept in said:
            continue
        logger.warning(
            "%s: 旁边仍有一次被中断的保存另存的副本 %s，其中的修改不在项目文件中；"
            "请打开查看，需要的修改在项目中重做后将其删除。 A copy kept from an "
            "interrupted save, %s, is still beside the project; the change it "
            "holds is not in the project file: open it, redo in the project what "
            "is needed, then delete it", path, kept.name, kept.name)


TABLE_SINCE = {"order_numbers": 4}
"""Tables newer than the first schema, with the version that added them."""


def _whole_save(temp: Path) -> bool:
    """Whether a save's temporary file has every table of its schema version,
    the metadata (written last) included; a save by an earlier version of the
    program lacks the tables added since and is still whole."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            present = {row[0] for row in pyogrio.list_layers(temp)}
            if "metadata" not in present:
                return False
            metadata = pyogrio.read_dataframe(temp, layer="metadata")
    except Exception:  # cut off before its first table, or damaged
        logger.debug("unreadable interrupted save %s", temp, exc_info=True)
        return False
    values = dict(zip(metadata["key"], metadata["value"]))
    try:
        version = int(values["schema_version"])
    except (KeyError, TypeError, ValueError):
        return False
    return all(name in present for name in LAYERS + TABLES
               if TABLE_SINCE.get(name, 0) <= version)


def _kept_name(path: Path, temp: Path) -> Path:
    stamp = dt.datetime.fromtimestamp(temp.stat().st_mtime).strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{_short_stem(path)}.interrupted-save-{stamp}.gpkg")
    number = 2
    while target.exists():
        target = path.with_name(
            f"{_short_stem(path)}.interrupted-save-{stamp}-{number}.gpkg")
        number += 1
    return target


def _process_alive(pid: int) -> bool:
    """Whether process ``pid`` still runs; when that cannot be told, True (a
    lock or a save's copy of a running process must be left alone)."""
    if os.name == "nt":
        import ctypes

        return _windows_process_alive(pid, _kernel32(), ctypes.get_last_error)
    if os.name != "posix":
        return True  # cannot tell; leave the file alone
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


PROCESS_QUERY_LIMITED_INFORMATION = 0x1000
STILL_ACTIVE = 259
ERROR_ACCESS_DENIED = 5
ERROR_INVALID_PARAMETER = 87


@functools.lru_cache(maxsize=1)
def _kernel32() -> Any:
    """kernel32 with the signatures :func:`_windows_process_alive` uses (a
    library object of its own, so that other users of ``ctypes.windll`` keep
    theirs)."""
    import ctypes
    from ctypes import wintypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
    kernel32.OpenProcess.argtypes = (wintypes.DWORD, wintypes.BOOL, wintypes.DWORD)
    kernel32.OpenProcess.restype = wintypes.HANDLE
    kernel32.GetExitCodeProcess.argtypes = (wintypes.HANDLE,
                                            ctypes.POINTER(wintypes.DWORD))
    kernel32.GetExitCodeProcess.restype = wintypes.BOOL
    kernel32.CloseHandle.argtypes = (wintypes.HANDLE,)
    kernel32.CloseHandle.restype = wintypes.BOOL
    return kernel32


def _windows_process_alive(pid: int, kernel32: Any,
                           last_error: Callable[[], int]) -> bool:
    """Whether process ``pid`` runs, asked of Windows' ``kernel32``.

    ``last_error`` returns the error code of the last failed call
    (``ctypes.get_last_error``). No process with that id (OpenProcess fails
    with ERROR_INVALID_PARAMETER) or one that has ended (its exit code is
    no longer STILL_ACTIVE) is not alive. A process that may not be opened
    (ERROR_ACCESS_DENIED: another user's) runs, and so does anything that
    cannot be told. A process that ended with the code 259 itself reads as
    running: its files are then left alone, the safe side.
    """
    import ctypes
    from ctypes import wintypes

    if not 0 < pid <= 0xFFFFFFFF:  # no process has such an id (a DWORD)
        return False
    handle = kernel32.OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, False, pid)
    if not handle:  # ERROR_ACCESS_DENIED among others: it may run
        return last_error() != ERROR_INVALID_PARAMETER
    try:
        code = wintypes.DWORD(STILL_ACTIVE)
        if not kernel32.GetExitCodeProcess(handle, ctypes.pointer(code)):
            return True
        return code.value == STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


def unreadable_rule(key: str, value: Any) -> str:
    """What is wrong with rule ``key`` whose file text ``value`` cannot be
    read (a list: the texts of the rows that give it different values)."""
    if isinstance(value, list):
        return (f"rule {key!r} is in the file {len(value)} times, with different "
                f"values ({', '.join(map(repr, value))})")
    return f"rule {key!r} holds {value!r}, which is not a valid value"


def _word(path: Path) -> str:
    from allocator.scenarios import project_word  # it imports this module

    return project_word(path)


def load_project(path: Path, *, check_ledger: bool = True,
                 rules_to_fix: bool = False) -> Project:
    """Open a project GeoPackage; raise :class:`ProjectError` with the fix.

    Leftovers of an interrupted save beside it are dealt with first
    (:func:`tidy_interrupted_saves`). With ``check_ledger``, ledger entries
    that were changed or removed outside the tool are named in a warning
    (the project still opens; ``allocator ledger`` lists them). With
    ``rules_to_fix``, rules that cannot be used do not stop it: each is named
    in ``unusable_rules`` (an unreadable value keeps its default meanwhile).
    """
    path = Path(path)
    parsed = _interrupted_save(path.name)
    if parsed is not None:
        original = path.with_name(f"{parsed[0]}.gpkg")
        raise ProjectError(
            f"{path} 是一次被中断的保存留下的副本，不是项目文件；请打开 {original}。 "
            f"{path} is the unfinished copy of an interrupted save, not a project; "
            f"open {original} instead")
    if not path.exists():
        raise ProjectError(f"{path}: project file not found")
    kept_now = tidy_interrupted_saves(path)
    _remind_kept_saves(path, set(kept_now))
    try:
        with warnings.catch_warnings():
            # pyogrio warns (naming its own file) about a layer it cannot
            # find; the error below, or the message of the check that
            # follows, says what is wrong in the planner's terms.
            warnings.simplefilter("ignore", RuntimeWarning)
            project = _load_project(path, rules_to_fix)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError,
            pyogrio.errors.FeatureError, pyogrio.errors.FieldError,
            pyogrio.errors.GeometryError, sqlite3.Error) as exc:
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        detail = text.split("; ")[-1].split(": ")[-1].strip() or text
        if "locked" in text.lower() or "busy" in text.lower():
            # Another program (QGIS editing a layer, say) holds the file.
            raise ProjectError(
                f"{path}: another program is using the project file ({detail}), "
                "e.g. QGIS editing one of its layers; save or stop the edit there "
                "(or close the file) and try again. The file is not damaged",
                "busy", path) from exc
        autosave = path.with_name(f".{path.stem}.autosave.gpkg")
        hint = (f"; an autosaved copy of unsaved window edits is {autosave}"
                if autosave.exists() else "")
        raise ProjectError(
            f"{path}: the project file is damaged and cannot be read ({detail}); "
            f"open a backup copy of it{hint}", "damaged", path) from exc
    if check_ledger:
        from allocator.ledger import ledger_warning

        warning = ledger_warning(project)
        if warning:
            logger.warning("%s: %s (`allocator ledger %s` marks the entries)",
                           path, warning, path)
    return project


def _load_project(path: Path, rules_to_fix: bool = False) -> Project:
    try:
        present = {row[0] for row in pyogrio.list_layers(path)}
    except Exception as exc:
        with open(path, "rb") as handle:
            sqlite = handle.read(16) == b"SQLite format 3\x00"
        if sqlite:  # a GeoPackage whose insides cannot be read
            raise
        raise ProjectError(f"{path}: not a GeoPackage project; open the .gpkg "
                           "file the allocator wrote", "not_project", path) from exc
    missing = [n for n in LAYERS + TABLES if n not in present]
    if "metadata" in missing or any(n in missing for n in LAYERS):
        ours = len(LAYERS + TABLES) - len(missing)
        if ours * 2 >= len(LAYERS + TABLES):  # most of a project is there
            raise ProjectError(
                f"{path}: damaged project, missing {', '.join(missing)}; open a "
                "backup (importing again would start a new ledger)", "damaged", path)
        held = ", ".join(sorted(present)[:8]) or "nothing"
        raise ProjectError(
            f"{path}: not an allocator project (it holds {held}); open the .gpkg "
            "file the allocator wrote, or create one with `allocator import ... "
            "--out PROJECT.gpkg`", "not_project", path)
    metadata_frame = pyogrio.read_dataframe(path, layer="metadata")
    metadata = dict(zip(metadata_frame["key"], metadata_frame["value"]))
    try:
        version = int(metadata.get("schema_version", 0))
    except ValueError:
        raise ProjectError(f"{path}: unreadable schema version "
                           f"{metadata.get('schema_version')!r}") from None
    if version > SCHEMA_VERSION:
        raise ProjectError(
            f"{path}: written by a newer version (schema {version}, this version "
            f"reads up to {SCHEMA_VERSION}); update the allocator to open it")
    if missing and version == SCHEMA_VERSION:
        raise ProjectError(
            f"{path}: damaged project, missing {', '.join(missing)}; open a backup",
            "damaged", path)

    project = Project(metadata=metadata)
    for name in LAYERS:
        frame = pyogrio.read_dataframe(path, layer=name)
        setattr(project, name, _typed(_restore(frame, name), name))
    for name in TABLES:
        if name in ("metadata", "rules") or name in missing:
            continue  # tables an older schema did not have start empty
        frame = pyogrio.read_dataframe(path, layer=name)
        setattr(project, name, _typed(_restore(frame, name), name))
    rules_table = pyogrio.read_dataframe(path, layer="rules")
    rules = default_rules()
    unusable: dict[str, Any] = {}
    rows: dict[str, list[Any]] = {}
    for key, value in zip(rules_table["key"], rules_table["value_json"]):
        rows.setdefault(key, []).append(value)
    for key, values in rows.items():
        if len(set(map(str, values))) > 1:  # which row holds is not known
            unusable[key] = values
            continue
        try:
            rules[key] = json.loads(values[0])
        except (TypeError, json.JSONDecodeError):
            unusable[key] = values[0]
    if unusable and not rules_to_fix:
        key, value = next(iter(unusable.items()))
        raise ProjectError(
            f"{path}: {unreadable_rule(key, value)}; set it again with "
            f"`allocator rules {_word(path)} --set {key}=VALUE`")
    problems = rule_problems(rules)
    if problems and not rules_to_fix:
        keys = problem_keys(problems)
        setting = " ".join(f"{key}=VALUE" for key in keys) or "KEY=VALUE"
        raise ProjectError(
            f"{path}: rules cannot be used: " + "; ".join(problems)
            + f"; fix them with `allocator rules {_word(path)} --set {setting}`")
    project.unusable_rules = unusable
    project.rules = rules
    project.ledger_stored = len(project.ledger)
    if CHAIN_KEY not in metadata:  # written before entries had hashes
        numbers = pd.to_numeric(project.ledger["entry"], errors="coerce")
        hashed = numbers[project.ledger["hash"].notna()].dropna()
        if len(hashed):  # the key alone was removed: the hashes tell
            first = int(hashed.min())
        else:  # the entries so far cannot be checked; new ones can
            first = int(numbers.max()) + 1 if numbers.notna().any() else 1
        metadata[CHAIN_KEY] = str(first)
    if version < SCHEMA_VERSION:
        _migrate(project, version, missing)
    logger.info("opened project %s (%d households)", path, len(project.households))
    return project


def _migrate(project: Project, version: int, missing: list[str]) -> None:
    """Bring an older project to the current schema, in memory.

    Columns and tables that the older schema lacked were added empty while
    loading (``_typed`` fills them); the step is recorded in the ledger and
    the file keeps its old form until the planner saves.
    """
    project.metadata["migrated_from"] = str(version)
    project.log("migrate", "project", before={"schema_version": version},
                after={"schema_version": SCHEMA_VERSION, "added_tables": missing},
                reason="opened a project written by an older version")


def _restore(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    for column, kind in COLUMNS[table].items():
        if column in frame.columns and kind == "str":
            frame[column] = frame[column].astype(object).where(
                frame[column].notna(), None)
    return frame
