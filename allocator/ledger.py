"""The project's ledger (台账): every decision and edit, appended, never rewritten.

Entries are written by :meth:`allocator.project.Project.log` (time, OS user,
action, object, before and after as JSON, reason). This module reads them
back: the filtered list behind ``allocator ledger`` and one household's
history for the window, and it holds the checks that a save never drops or
changes an entry that is already in the file, and that no entry was edited
or removed outside the tool.

Each entry stores a hash over its own fields and the previous entry's hash
(:func:`allocator.project.ledger_entry_hash`). An entry changed afterwards in
another program (sqlite3, QGIS) no longer matches and is named by
:func:`changed_entries`; a removed one leaves a gap in the numbers
(:func:`missing_entries`). Both are reported as warnings; the project still
opens. Entries written by versions before the chain (projects made before it)
have no hash: they are accepted as they are, and ``allocator ledger`` says
once, in one line, which entries those are (:func:`unprotected_entries`).
The chain is no signature: it shows edits made by hand, but someone who
recomputes the hashes can hide an edit.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from pathlib import Path

import pandas as pd
import pyogrio

from allocator.project import (
    CHAIN_KEY,
    COLUMNS,
    LAST_KEY,
    Project,
    ProjectError,
    ledger_entry_hash,
)

logger = logging.getLogger(__name__)

ACTION_LABELS = {
    "import": "导入",
    "migrate": "升级项目文件",
    "edit": "编辑",
    "edit rules": "修改规则",
    "lock": "锁定",
    "allocate": "分配",
    "export": "导出",
    "recover": "恢复自动保存",
    "exit": "确认退出",
    "move in": "入住",
    "free unit": "腾退房源",
    "register update": "更新户籍登记",
    "notice": "公示名单",
    "reallocate": "重新分配",
    "petition trial": "信访试算",
    "scenario new": "新建方案",
    "scenario delete": "删除方案",
    "scenario promote": "方案转为基础方案",
    "allocation allocated": "分配结果：本次分配",
    "allocation waiting": "分配结果：轮候",
    "allocation existing": "分配结果：既有安置",
}
"""Chinese names of the ledger's actions, for lists shown to planners."""
HISTORY_COLUMNS = ("time", "user", "action", "object", "before", "after", "reason",
                   "source")


def ledger_entries(project: Project, *, household: str | None = None,
                   action: str | None = None,
                   since: dt.date | None = None) -> pd.DataFrame:
    """The ledger, oldest first, optionally filtered.

    Parameters
    ----------
    project : Project
        The open project.
    household : str, optional
        Only entries about this household (户号): its own object, or a
        before/after value that names it.
    action : str, optional
        Only this action (``import``, ``edit rules``, ``allocate``, ``exit``...,
        or its Chinese name in ``ACTION_LABELS``, e.g. 确认退出).
    since : datetime.date, optional
        Only entries made on this day or later.

    Returns
    -------
    pandas.DataFrame
        The ledger's columns (``entry``, ``time``, ``user``, ``action``,
        ``object``, ``before``, ``after``, ``reason``, ``hash``).
    """
    frame = project.ledger.copy()
    if frame.empty:
        return frame
    keep = pd.Series(True, index=frame.index)
    if household is not None:
        known = household in set(project.households["household_id"].tolist()) \
            or household in set(project.allocations["household_id"].tolist())
        keep &= _mentions(frame, household, solves=known)
    if action is not None:
        names = {label: key for key, label in ACTION_LABELS.items()}
        keep &= frame["action"] == names.get(action, action)  # 确认退出 = exit
    if since is not None:
        keep &= frame["time"].astype(str).str[:10] >= since.isoformat()
    return frame[keep].reset_index(drop=True)


def _mentions(frame: pd.DataFrame, household: str, solves: bool = True
              ) -> pd.Series:
    quoted = json.dumps(household, ensure_ascii=False)
    own = frame["object"].astype(str) == f"household {household}"
    named = frame["before"].fillna("").str.contains(quoted, regex=False) | frame[
        "after"].fillna("").str.contains(quoted, regex=False)
    # A solve of the base allocates every household: its own history starts
    # there (the entry does not list the county's households one by one).
    # (Only for a household the project knows: a mistyped 户号 has none.)
    solve = (frame["action"] == "allocate") & (
        frame["object"].astype(str) == "scenario base") & solves
    return own | named | solve


def household_history(project: Project, household_id: str) -> pd.DataFrame:
    """Everything recorded about one household, oldest first.

    Ledger entries (decisions and edits, with user, before/after and reason)
    come first in time order together with the household's records: the
    income and job of each year, complaints and petitions (信访), follow-up
    visits done, its allocations and a confirmed exit. ``source`` says where
    a row comes from (``ledger``, ``income``, ``petition``, ``visit``,
    ``allocation``, ``exit``).

    Parameters
    ----------
    project : Project
        The open project.
    household_id : str
        The household (户号).

    Returns
    -------
    pandas.DataFrame
        Columns ``time``, ``user``, ``action``, ``object``, ``before``,
        ``after``, ``reason``, ``source``; empty when nothing is recorded.
    """
    rows: list[dict] = []
    units = household_units(project, household_id)
    for entry in ledger_entries(project, household=household_id).itertuples():
        rows.append({"time": entry.time, "user": entry.user,
                     "action": entry.action, "object": entry.object,
                     "before": about_household(entry.before, household_id, units),
                     "after": about_household(entry.after, household_id, units),
                     "reason": _text(entry.reason), "source": "ledger"})
    obj = f"household {household_id}"
    history = project.household_history
    for row in history[history["household_id"] == household_id].itertuples():
        after = {"year": int(row.year), "annual_income": _number(row.annual_income),
                 "job_status": row.job_status,
                 "stable_job_years": _number(row.stable_job_years)}
        rows.append({"time": f"{int(row.year)}-12-31", "user": "",
                     "action": "收入就业记录", "object": obj, "before": "",
                     "after": _json(after), "reason": _text(row.note),
                     "source": "income"})
    petitions = project.petitions
    for row in petitions[petitions["household_id"] == household_id].itertuples():
        rows.append({"time": _text(row.date), "user": "",
                     "action": _text(row.kind) or "信访",
                     "object": obj, "before": "",
                     "after": _json({"subject": row.subject, "status": row.status}),
                     "reason": _text(row.note), "source": "petition"})
    visits = project.follow_up_visits
    for row in visits[visits["household_id"] == household_id].itertuples():
        if not _text(row.done_on):
            continue
        rows.append({"time": row.done_on, "user": _text(row.visitor),
                     "action": f"{int(row.visit_month)}个月回访", "object": obj,
                     "before": "", "after": "", "reason": _text(row.note),
                     "source": "visit"})
    allocations = project.allocations
    for row in allocations[allocations["household_id"] == household_id].itertuples():
        started = _run_time(project, row.run_id)
        rows.append({"time": started, "user": _run_user(project, row.run_id),
                     "action": f"allocation {row.kind}",
                     "object": obj, "before": "",
                     "after": _json({"scenario": row.scenario, "unit_id": row.unit_id,
                                     "run_id": row.run_id}),
                     "reason": _text(row.reason), "source": "allocation"})
    exits = project.exits
    for row in exits[exits["household_id"] == household_id].itertuples():
        rows.append({"time": _text(row.confirmed), "user": _text(row.user),
                     "action": "退出", "object": obj, "before": "",
                     "after": _json({"unit_id": row.unit_id, "exit_on": row.exit_on,
                                     "freed_on": row.freed_on}),
                     "reason": _text(row.reason), "source": "exit"})
    frame = pd.DataFrame(rows, columns=list(HISTORY_COLUMNS))
    if frame.empty:
        return frame
    order = frame["time"].astype(str).map(_sortable)
    return frame.assign(_key=order).sort_values(
        "_key", kind="stable").drop(columns="_key").reset_index(drop=True)


LIST_KEYS = ("households", "details", "freed_units")
ALLOCATION_KINDS = ("existing", "allocated", "waiting")
"""What a solve's ledger entry counts its households by (its "households")."""
"""Keys of a ledger value that list many households or units at once (a
solve's or a reallocation's changes, the units its exits freed)."""


def _run_user(project: Project, run_id) -> str:
    """Who made a run: the user of the ledger entry that stored it."""
    ledger = project.ledger
    quoted = f'"run_id": {json.dumps(str(run_id), ensure_ascii=False)}'
    mine = ledger[ledger["after"].fillna("").str.contains(quoted, regex=False)]
    return _text(mine["user"].iloc[0]) if len(mine) else ""


def about_household(text, household: str, units: frozenset = frozenset()) -> str:
    """A ledger value (JSON text) as it concerns one household: in a value
    that lists many households or units (``LIST_KEYS``), only what names
    this household or one of its ``units`` (see :func:`household_units`) is
    kept, with the number of items left out, so that one household's history
    does not print every household a reallocation changed. Any other value
    is returned as it is."""
    text = _text(text)
    try:
        value = json.loads(text)
    except ValueError:
        return text
    if not isinstance(value, dict):
        return text
    narrowed = {}
    touched = False
    for key, items in value.items():
        narrowed[key] = items
        if key not in LIST_KEYS:
            continue
        if isinstance(items, dict) and set(items) <= set(ALLOCATION_KINDS):
            continue  # a solve's counts by kind of allocation, not households
        if isinstance(items, dict) and len(items) > 1:
            mine = {k: v for k, v in items.items() if k == household}
        elif isinstance(items, list) and len(items) > 1:
            mine = [v for v in items if v == household or v in units]
        else:
            continue
        narrowed[key] = mine
        narrowed[f"{key}_not_shown"] = len(items) - len(mine)
        touched = True
    return json.dumps(narrowed, ensure_ascii=False) if touched else text


def household_units(project: Project, household_id: str) -> frozenset:
    """Every unit the project connects with this household: the one it lives
    in, those it was allocated in any run and the one its exit frees."""
    units = set()
    for frame in (project.housing_units, project.allocations, project.exits):
        if "unit_id" in frame and "household_id" in frame:
            rows = frame[frame["household_id"] == household_id]
            units.update(u for u in rows["unit_id"] if isinstance(u, str))
    return frozenset(units)


def _sortable(text: str) -> str:
    """Times as ``YYYY-MM-DDTHH:MM:SS`` so dates and timestamps sort together."""
    return text[:19] if "T" in text else (text + "T00:00:00")[:19]


def _run_time(project: Project, run_id: str | None) -> str:
    runs = project.runs[project.runs["run_id"] == run_id]
    return str(runs["started"].iloc[0]) if len(runs) else ""


def _text(value) -> str:
    """A text cell, "" when empty (missing cells may be None or NaN)."""
    return value if isinstance(value, str) else ""


def _number(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


def missing_entries(project: Project) -> list[int]:
    """Entry numbers missing from 1..N, N being the last entry present or the
    last one the project had when it was saved, whichever is larger: the
    ledger is only ever appended to, so a gap, or fewer entries than at the
    last save, means the file was edited outside the tool."""
    numbers = pd.to_numeric(project.ledger["entry"], errors="coerce").dropna()
    present = set(numbers.astype(int))
    top = max(present, default=0)
    try:
        saved = int(project.metadata.get(LAST_KEY, 0))
    except (TypeError, ValueError):  # edited by hand: the entries present count
        saved = 0
    return [n for n in range(1, max(top, saved) + 1) if n not in present]


def _chain_start(project: Project) -> int:
    try:
        return int(project.metadata.get(CHAIN_KEY, 1))
    except (TypeError, ValueError):  # edited by hand: every entry is checked
        return 1


def unprotected_entries(project: Project) -> list[int]:
    """Entry numbers written before the hash chain started (by an older
    version); a change to them cannot be detected."""
    start = _chain_start(project)
    numbers = pd.to_numeric(project.ledger["entry"], errors="coerce").dropna()
    return sorted(int(n) for n in numbers if n < start)


def changed_entries(project: Project) -> list[int]:
    """Entry numbers whose stored hash no longer matches their content.

    Entry ``n`` (from the start of the chain on) must hold
    ``ledger_entry_hash(entry n, hash of entry n - 1)``, the hash of the
    previous entry being "" for the first entry of the chain. An entry
    without a hash there is reported too (its hash was removed). An entry
    whose predecessor is missing or has no hash cannot be checked; the gap or
    the predecessor is reported instead.
    """
    ledger = project.ledger
    if ledger.empty:
        return []
    start = _chain_start(project)
    records = ledger.to_dict("records")
    by_number: dict[int, str] = {}
    for record in records:
        number = pd.to_numeric(record.get("entry"), errors="coerce")
        if pd.notna(number):
            by_number.setdefault(int(number), _text(record.get("hash")))
    changed = []
    for record in records:
        number = pd.to_numeric(record.get("entry"), errors="coerce")
        if pd.isna(number):
            continue  # not a number: missing_entries shows the gap it leaves
        number = int(number)
        if number < start:
            continue
        stored = _text(record.get("hash"))
        if number == start:
            previous = ""
        else:
            previous = by_number.get(number - 1, "")
            if not previous:
                if not stored:
                    changed.append(number)
                continue
        if stored != ledger_entry_hash(record, previous):
            changed.append(number)
    return sorted(set(changed))


def _numbers(numbers: list[int], limit: int = 10) -> str:
    shown = ", ".join(f"#{n}" for n in numbers[:limit])
    return shown + (f" and {len(numbers) - limit} more" if len(numbers) > limit
                    else "")


def ledger_warning(project: Project) -> str | None:
    """What is wrong with the ledger, in one text for the planner, or None:
    entries changed or missing since they were written."""
    changed = changed_entries(project)
    missing = missing_entries(project)
    parts = []
    if changed:
        parts.append(f"ledger entries {_numbers(changed)} were changed after they "
                     "were written (the content no longer matches the hash stored "
                     "with the entry)")
    if missing:
        parts.append(f"ledger entries {_numbers(missing)} are missing")
    if not parts:
        return None
    return ("; ".join(parts) + ": the ledger is only ever appended to, so the "
            "project file was edited outside the tool (e.g. in sqlite3 or QGIS); "
            "compare it with a backup copy")


def check_append_only(project: Project, path: Path) -> None:
    """Refuse a save that would drop or change ledger entries already in ``path``.

    The check applies when ``path`` holds the same project (the same
    ``project_id`` in its metadata, or for files written before projects had
    one, the same first ledger entry); saving over another project's file
    (import ``--force``, "save as") replaces that file as asked.

    Raises
    ------
    ProjectError
        The ledger in memory does not begin with the file's entries, byte
        for byte; nothing is written.
    """
    path = Path(path)
    # A project's identity, kept in its metadata from its first save on, tells
    # an older state of this project from another project's file.
    project.metadata.setdefault("project_id", uuid.uuid4().hex)
    if not path.exists() or path.name.endswith(".autosave.gpkg"):
        return  # an autosave is a scratch copy that each autosave replaces
    try:
        layers = {row[0] for row in pyogrio.list_layers(path)}
        if "ledger" not in layers or "metadata" not in layers:
            return
        stored = pyogrio.read_dataframe(path, layer="ledger")
        metadata = pyogrio.read_dataframe(path, layer="metadata")
    except Exception:  # not a project, or unreadable: the save replaces it
        logger.debug("no readable ledger in %s", path, exc_info=True)
        return
    if stored.empty:
        return
    stored_id = dict(zip(metadata["key"], metadata["value"])).get("project_id")
    columns = list(COLUMNS["ledger"])
    old = [_entry_key(row, columns) for row in stored.to_dict("records")]
    new = [_entry_key(row, columns) for row in project.ledger.to_dict("records")]
    if stored_id is not None and stored_id != project.metadata["project_id"]:
        return  # another project's file
    if stored_id is None and (not new or new[0] != old[0]):
        return  # written before projects had an id: the first entry tells
    if new[: len(old)] != old:
        changed = next((i + 1 for i, (a, b) in enumerate(zip(old, new)) if a != b),
                       min(len(old), len(new)) + 1)
        raise ProjectError(
            f"{path}: saving would drop or change ledger entry {changed} (the file "
            f"has {len(old)} entries, this project {len(new)}); the ledger is never "
            "rewritten, so nothing was saved; open the file again and repeat the "
            "change")


def _entry_key(row: dict, columns: list[str]) -> tuple:
    values = []
    for column in columns:
        value = row.get(column)
        if value is None or (isinstance(value, float) and pd.isna(value)):
            values.append(None)
        elif column == "entry":
            values.append(int(value))
        else:
            values.append(str(value))
    return tuple(values)
