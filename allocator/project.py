"""The project: one GeoPackage per county, loaded into frames and saved whole.

Layers (CGCS2000, EPSG:4490): ``county``, ``sites``, ``housing_units``,
``facilities``. Attribute tables: ``households``, ``members``, ``rules``,
``scenarios``, ``runs``, ``allocations``, ``service_assignments``, ``ledger``,
``locks``, the households' histories (``household_history``, ``petitions``,
``follow_up_visits``, ``exits``) and ``metadata`` (with the schema version).
The file opens in QGIS as it is.

A save writes a complete new GeoPackage beside the old one and renames it over
the original (an atomic replace on one file system), so a crash, a full disk
or a failure half-way leaves the previous file untouched.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import json
import logging
import os
import sqlite3
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
from allocator.rules import DEFAULTS, default_rules, rule_problems

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 3  # 2 added the locks table; 3 wishes, histories, exits, scenarios
LAYERS = ("county", "sites", "housing_units", "facilities")
TABLES = (
    "households", "members", "rules", "scenarios", "runs", "allocations",
    "service_assignments", "ledger", "locks",
    "household_history", "petitions", "follow_up_visits", "exits",
    "metadata",
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
    "metadata": {"key": "str", "value": "str"},
}


class ProjectError(Exception):
    """A project file that cannot be opened or saved; the message says why."""


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
    metadata: dict[str, str] = field(default_factory=dict)

    def log(self, action: str, obj: str, before: Any = None, after: Any = None,
            reason: str = "") -> None:
        """Append one entry to the ledger (never rewritten)."""
        try:
            user = getpass.getuser()
        except Exception:  # no user name on some service accounts
            user = "unknown"
        entry = {
            "entry": len(self.ledger) + 1,
            "time": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "user": user,
            "action": action,
            "object": obj,
            "before": _json(before),
            "after": _json(after),
            "reason": reason,
        }
        self.ledger = pd.concat([self.ledger, pd.DataFrame([entry])],
                                ignore_index=True)

    def base_allocation(self, scenario: str = "base") -> pd.DataFrame:
        """The stored allocation of a scenario (empty if never solved)."""
        return self.allocations[self.allocations["scenario"] == scenario]


def _json(value: Any) -> str:
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


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
    from allocator.ledger import check_append_only

    check_append_only(project, path)  # the ledger is never rewritten
    _remove_stale_temporaries(path)
    handle, temp_name = tempfile.mkstemp(
        prefix=f".{path.stem}.saving-{os.getpid()}-", suffix=".gpkg", dir=path.parent)
    os.close(handle)
    os.unlink(temp_name)
    temp = Path(temp_name)
    metadata = dict(project.metadata)
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
        "metadata": pd.DataFrame(
            {"key": list(metadata), "value": list(metadata.values())}),
    }
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
            if fail_after is not None:
                fail_after(name)
        with open(temp, "rb+") as stream:
            os.fsync(stream.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    if os.name == "posix":
        os.chmod(path, 0o600)
    logger.info("saved project %s", path)


@contextlib.contextmanager
def project_lock(path: Path):
    """Hold the project for one process from open to save.

    Two processes solving the same project would each save their own result
    and one would silently overwrite the other; the second one is refused
    instead. A lock left by a process that no longer runs is taken over.
    """
    path = Path(path)
    lock = path.with_name(f".{path.name}.lock")
    for _ in range(2):
        try:
            handle = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            try:
                owner = int(lock.read_text().strip() or 0)
            except (OSError, ValueError):
                owner = 0
            if owner and owner != os.getpid() and _process_alive(owner):
                raise ProjectError(
                    f"{path} is being changed by another allocator process (pid "
                    f"{owner}); wait for it to finish, then run this again") from None
            lock.unlink(missing_ok=True)
            continue
        with os.fdopen(handle, "w") as stream:
            stream.write(str(os.getpid()))
        break
    else:
        raise ProjectError(f"{path}: cannot take the lock file {lock}")
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)


def _remove_stale_temporaries(path: Path) -> None:
    """Delete half-written saves left by a process that was killed mid-save."""
    for temp in path.parent.glob(f".{path.stem}.saving-*"):
        try:
            pid = int(temp.name.split(".saving-", 1)[1].split("-", 1)[0])
        except ValueError:
            continue
        if pid != os.getpid() and not _process_alive(pid):
            logger.info("removing %s, left by an interrupted save", temp)
            temp.unlink(missing_ok=True)


def _process_alive(pid: int) -> bool:
    if os.name != "posix":
        return True  # cannot tell cheaply; leave the file alone
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def load_project(path: Path) -> Project:
    """Open a project GeoPackage; raise :class:`ProjectError` with the fix."""
    path = Path(path)
    if not path.exists():
        raise ProjectError(f"{path}: project file not found")
    try:
        with warnings.catch_warnings():
            # pyogrio warns (naming its own file) about a layer it cannot
            # find; the error below, or the message of the check that
            # follows, says what is wrong in the planner's terms.
            warnings.simplefilter("ignore", RuntimeWarning)
            return _load_project(path)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError,
            pyogrio.errors.FeatureError, pyogrio.errors.FieldError,
            pyogrio.errors.GeometryError, sqlite3.Error) as exc:
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        detail = text.split("; ")[-1].split(": ")[-1].strip() or text
        autosave = path.with_name(f".{path.stem}.autosave.gpkg")
        hint = (f"; an autosaved copy of unsaved window edits is {autosave}"
                if autosave.exists() else "")
        raise ProjectError(
            f"{path}: the project file is damaged and cannot be read ({detail}); "
            f"open a backup copy of it{hint}") from exc


def _load_project(path: Path) -> Project:
    try:
        present = {row[0] for row in pyogrio.list_layers(path)}
    except Exception as exc:
        with open(path, "rb") as handle:
            sqlite = handle.read(16) == b"SQLite format 3\x00"
        if sqlite:  # a GeoPackage whose insides cannot be read
            raise
        raise ProjectError(f"{path}: not a GeoPackage project; open the .gpkg "
                           "file the allocator wrote") from exc
    missing = [n for n in LAYERS + TABLES if n not in present]
    if "metadata" in missing or any(n in missing for n in LAYERS):
        raise ProjectError(
            f"{path}: not an allocator project, missing {', '.join(missing)}; "
            "create one with `allocator import ... --out PROJECT.gpkg`")
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
            f"{path}: damaged project, missing {', '.join(missing)}; open a backup")

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
    for key, value in zip(rules_table["key"], rules_table["value_json"]):
        try:
            rules[key] = json.loads(value)
        except (TypeError, json.JSONDecodeError):
            raise ProjectError(
                f"{path}: rule {key!r} holds {value!r}, which is not a valid value; "
                "set it again with `allocator rules PROJECT --set KEY=VALUE`") from None
    problems = rule_problems(rules)
    if problems:
        raise ProjectError(
            f"{path}: rules cannot be used: " + "; ".join(problems)
            + "; fix them with `allocator rules PROJECT --set KEY=VALUE`")
    project.rules = rules
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
