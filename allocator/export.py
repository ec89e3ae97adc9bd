"""Exports of a stored allocation: allocation orders (PDF) and Excel workbook."""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import json
import logging
import math
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from allocator.ids import did_you_mean
from allocator.paths import output_path
from allocator.project import Project, file_status, give_permissions
from allocator.rules import (
    COVERAGE_GROUPS,
    KIND_LABELS,
    OBJECTIVE_SHORT,
    SCHOOL_KINDS,
    age_on,
    default_rules,
    issuing_office,
)

logger = logging.getLogger(__name__)

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
EXPORTABLE = ("optimal", "feasible", "cancelled")


class ExportRefused(Exception):
    """The allocation cannot be exported (not solved, or no such scenario)."""


def _entries_after(project: Project, run: dict, actions: tuple[str, ...]
                   ) -> pd.DataFrame | None:
    """The ledger entries of ``actions`` logged after the entry that stored
    ``run``'s allocation, or None when that entry is not found (e.g. for a
    promoted scenario)."""
    ledger = project.ledger
    entries = pd.to_numeric(ledger["entry"], errors="coerce")
    stored = None
    for entry, action, after in zip(entries, ledger["action"], ledger["after"]):
        if action in ("allocate", "reallocate") and isinstance(after, str) \
                and f'"run_id": "{run.get("run_id")}"' in after:
            stored = entry
    if stored is None or pd.isna(stored):
        return None
    return ledger[ledger["action"].isin(actions) & (entries > stored)]


def register_update_after(project: Project, run: dict) -> tuple[int, str] | None:
    """The first register update (entry number, day) logged after the entry
    that stored ``run``'s allocation, or None (also when that entry is not
    found, e.g. for a promoted scenario). An update that only gave members
    their missing ID numbers changes nothing the allocation rests on and
    does not count."""
    later = _entries_after(project, run, ("register update",))
    if later is not None and not later.empty:
        later = later[~later["after"].fillna("").str.contains(
            '"id_numbers_only": true', regex=False)]
    if later is None or later.empty:
        return None
    return int(later["entry"].iloc[0]), str(later["time"].iloc[0])[:10]


AFTERCARE_RULES = frozenset({
    "county_average_income_yuan", "stable_job_years_for_exit", "exit_income_basis",
    "exit_conditions", "follow_up_months", "alert_rules", "issuing_office"})
"""Rules of exits, visits and alerts, and the issuing office of the orders:
changing them leaves allocations as they are."""


def _lock_records(value) -> list[dict]:
    try:
        value = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return []
    if isinstance(value, dict):
        return [value]
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) \
        else []


def _lock_pair(before, after) -> tuple | None:
    """The (household, unit) a lock entry is about."""
    for record in _lock_records(after) + _lock_records(before):
        return record.get("household_id"), record.get("unit_id")
    return None


def _net_lock_changes(entries: pd.DataFrame) -> set:
    """The (household, unit) pairs whose locks differ after ``entries`` from
    before them. A lock added and removed again changes nothing; nor do the
    locks a promoted petition sets (信访办结), which its allocation keeps."""
    first: dict = {}
    last: dict = {}
    for action, before, after, reason in zip(entries["action"], entries["before"],
                                             entries["after"], entries["reason"]):
        if "lock" not in action or str(reason).startswith("信访办结（"):
            continue
        pair = _lock_pair(before, after)
        kinds = frozenset(r.get("kind") for r in _lock_records(after))
        first.setdefault(pair, frozenset(
            r.get("kind") for r in _lock_records(before)))
        last[pair] = kinds
    return {pair for pair in first if first[pair] != last[pair]}


def made_without_gap(project: Project, scenario: str = "base") -> dict | None:
    """The run that made the scenario's stored allocation when it ended not
    proven optimal and with no gap (the time limit came before a level's
    bound: that level may be far from its best); None otherwise."""
    from allocator.kpis import allocation_run

    made = allocation_run(project, scenario)
    gap = made.get("gap")
    if made.get("status") in (None, "optimal") or (gap is not None and gap == gap):
        return None
    return made


def changed_since_allocation(project: Project, scenario: str = "base"
                             ) -> tuple[int, str, str] | None:
    """The changes of the allocation's rules or locks logged after the
    scenario's stored allocation was made: (the first one's ledger entry and
    day, "rules", "locks" or "both"); None when there is none (or no
    allocation). Orders print the allocation as it was made, so a planner
    is told that it predates them."""
    try:
        run = latest_run(project, scenario)
    except ExportRefused:
        return None
    later = _entries_after(project, run, ("edit rules", "rules", "undo rules",
                                          "lock", "undo lock"))
    if later is None:
        return None
    changed_locks = _net_lock_changes(later)
    changed_rules = _net_rule_changes(project, later)
    first, kinds = None, set()
    for entry, action, time_, before, after in zip(
            later["entry"], later["action"], later["time"], later["before"],
            later["after"]):
        if "lock" in action:
            if _lock_pair(before, after) not in changed_locks:
                continue
            kind = "locks"
        else:
            keys = set()
            for side in (before, after):
                try:
                    value = json.loads(side) if isinstance(side, str) else side
                except ValueError:
                    value = None
                if isinstance(value, dict):
                    keys |= set(value)
                elif value is not None:  # not read: a change that counts
                    keys.add("?")
            if not (keys - AFTERCARE_RULES) & (changed_rules | {"?"}):
                continue
            kind = "rules"
        kinds.add(kind)
        if first is None:
            first = (int(entry), str(time_)[:10])
    if first is None:
        return None
    return (*first, "both" if len(kinds) > 1 else kinds.pop())


def _net_rule_changes(project: Project, later: pd.DataFrame) -> set[str]:
    """The rules whose value now differs from their value before the first
    of these ledger entries that changed them (a rule set and later set
    back, in one command or several, is no change)."""
    first_before: dict[str, object] = {}
    for action, before in zip(later["action"], later["before"]):
        if "lock" in action:
            continue
        try:
            value = json.loads(before) if isinstance(before, str) else before
        except ValueError:
            value = None
        if isinstance(value, dict):
            for key, old in value.items():
                first_before.setdefault(key, old)

    def plain(value):  # 12 and 12.0 are one value; tuples read back as lists
        if isinstance(value, dict):
            return {str(k): plain(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value

    def same(a, b) -> bool:
        return json.dumps(plain(a), sort_keys=True, default=str) == json.dumps(
            plain(b), sort_keys=True, default=str)

    return {key for key, old in first_before.items()
            if key in project.unusable_rules
            or not same(old, project.rules.get(key))}


CHANGED_WORDS = {"rules": "规则", "locks": "锁定", "both": "规则和锁定"}
"""What changed after an allocation (:func:`changed_since_allocation`), in
Chinese."""


_FREED_BY = re.compile(r"户([^，。；：、（）\s户]+?)(退出腾出房屋|调换住房后腾出房屋|"
                       r"调整住房后腾出房屋)")
_ROOM_FOR = re.compile(r"为试算(?:满足)?户([^，。；：、（）\s户]+?)(?:不接受|的意愿)"
                       r"[^；。]*?让出房源")


_OWN_PETITION = re.compile(r"(变动原因：)?信访(?:试算|处理)："
                           r"(满足)?户([^，。；：、（）\s户]+?)"
                           r"(?=不接受|的意愿)")


def order_reason(reason: str, household_id: str,
                 names: dict[str, str] | None = None, *,
                 settled: bool = False) -> str:
    """An allocation's reason as its household's order prints it: the
    household whose leaving freed the unit is "原住户", and one whose petition
    was tried "其他户", not their ids; a member whose place changed is named
    (``names``: member id to name), not numbered. The petitioner's own
    petition is "本户"'s, and once the trial was promoted into the base
    (``settled``) it is no longer a trial but the petition handled (信访处理).
    The table and the ledger keep the ids for the planners."""
    if not isinstance(reason, str):
        return reason
    own = _OWN_PETITION.match(reason)
    if own and own.group(3) == household_id:
        reason = (own.group(1) or "") + ("信访处理：" if settled else "信访试算：") \
            + (own.group(2) or "") + "本户" + reason[own.end():]
    text = _FREED_BY.sub(lambda m: m.group(0) if m.group(1) == household_id
                         else "原住户" + m.group(2), reason)
    text = _ROOM_FOR.sub(lambda m: m.group(0) if m.group(1) == household_id
                         else "为处理其他户的信访让出房源", text)
    for member_id, name in (names or {}).items():
        if name:
            text = re.sub(re.escape(member_id) + f"({_PLACE_LABELS})由",
                          lambda m, name=name: f"{name}的{m.group(1)}由", text)
    return text


_PLACE_LABELS = "|".join(re.escape(label) for label in KIND_LABELS.values())


def freed_exits(project: Project) -> dict[str, str]:
    """Households whose confirmed exit has taken effect (their unit freed),
    with the day it was freed."""
    exits = project.exits
    if exits.empty or "freed_on" not in exits.columns:
        return {}
    done = exits[exits["freed_on"].map(lambda d: isinstance(d, str) and bool(d))]
    return dict(zip(done["household_id"], done["freed_on"]))


def rules_of_allocation(project: Project, scenario: str = "base"
                        ) -> dict[str, Any] | None:
    """The rules as they were when the scenario's stored allocation was made:
    the project's rules with every rule change logged since rolled back
    (each ledger entry keeps the values it replaced). None when a change
    since cannot be rolled back (its entry does not say what it replaced)
    or the allocation's own entry is not found."""
    try:
        run = latest_run(project, scenario)
    except ExportRefused:
        return None
    later = _entries_after(project, run, ("edit rules", "rules", "undo rules"))
    if later is None:
        return None
    rules = copy.deepcopy(project.rules)
    for before, after in reversed(list(zip(later["before"], later["after"]))):
        try:
            old, new = (json.loads(side) if isinstance(side, str) else side
                        for side in (before, after))
        except ValueError:
            return None
        if not isinstance(old, dict):
            return None
        for key in set(new if isinstance(new, dict) else {}) - set(old):
            rules.pop(key, None)  # set by the change: it was not there before
        for key, value in old.items():
            if value is None:  # not set before the change: its default
                rules.pop(key, None)
            else:
                rules[key] = copy.deepcopy(value)
    return default_rules() | rules


def given_out(project: Project, run: dict) -> list[int]:
    """The ledger entries that printed ``run``'s allocation on orders, a table
    or a public notice (exports and notices logged after it was stored)."""
    later = _entries_after(project, run, ("export", "notice"))
    return [] if later is None else [int(e) for e in later["entry"]]


def latest_run(project: Project, scenario: str) -> dict:
    """The run that produced the scenario's stored allocation.

    A later solve that failed or was cancelled leaves the stored allocation
    (and its run) as they were, so it can still be exported.
    """
    runs = project.runs[project.runs["scenario"] == scenario]
    allocations = project.allocations[project.allocations["scenario"] == scenario]
    if runs.empty or allocations.empty:
        last = f" (the last solve ended {runs.iloc[-1]['status']!r})" if len(runs) \
            else ""
        raise ExportRefused(
            f"scenario {scenario!r} has no allocation{last}; run `allocator solve` "
            "first")
    producing = runs[runs["run_id"] == allocations["run_id"].iloc[0]]
    run = (producing if len(producing) else runs).iloc[-1].to_dict()
    if run["status"] not in EXPORTABLE:
        raise ExportRefused(
            f"scenario {scenario!r}: the solve ended {run['status']!r} without an "
            "allocation, so no orders can be printed; solve again")
    updated = register_update_after(project, run)
    if updated is not None:
        raise ExportRefused(
            f"scenario {scenario!r}: the register was updated after its allocation "
            f"was made (ledger entry #{updated[0]}, {updated[1]}), so its orders "
            "would show households as they were; run `allocator reallocate` first "
            "(households already housed keep their units), or `allocator solve` "
            "to allocate everyone afresh")
    unsolved = unsolved_levels(run)
    if unsolved:
        raise ExportRefused(
            f"scenario {scenario!r}: the stored allocation (run {run['run_id']}) "
            f"has no solution for the level(s) {', '.join(unsolved)}, so it was "
            "not solved and nothing is exported; solve again without a time limit "
            "or Ctrl-C")
    return run


def unsolved_levels(run: dict) -> list[str]:
    """The objective levels a run has no solution for, in order.

    Empty when every level has a solution (proven optimal or not). Read from
    the run's record: a level with no objective value, a level of the run's
    objective order that was never reached, or one its message names.
    """
    try:
        levels = json.loads(run.get("levels_json") or "[]")
    except (TypeError, ValueError):
        levels = []
    try:
        options = json.loads(run.get("options_json") or "{}")
    except (TypeError, ValueError):
        options = {}
    order = options.get("objective_order") or []
    reached = {lv.get("level") for lv in levels if lv.get("objective") is not None}
    missing = [lv.get("level") for lv in levels if lv.get("objective") is None]
    missing += [name for name in order if name not in reached]
    message = str(run.get("message") or "")
    named = []
    if "levels not solved:" in message:
        named = [n.strip() for n in message.split("levels not solved:")[1].split(",")]
    # A level the message names was not solved, whatever value a back end
    # recorded for it (0 for a level stopped without a solution).
    return [name for name in dict.fromkeys(missing + named)
            if name and (name not in reached or name in named)]


def option_switches(options: dict) -> list[str]:
    """A run's options (see :func:`allocator.allocate.run_options`) in
    Chinese, as orders and the window print them."""
    switches = []
    if "priority_respecting" in options:
        on = options["priority_respecting"]
        switches.append("优先级保护" + ("开" if on else "关"))
    if "siblings_together" in options:
        on = options["siblings_together"]
        switches.append("同户子女同校" + ("开" if on else "关"))
    if "coverage_gap" in options:
        gap = options["coverage_gap"]
        switches.append("覆盖率差距上限关" if not gap else
                        f"覆盖率差距上限开（按{COVERAGE_GROUPS.get(gap['groups'])}，"
                        f"{100 * float(gap['max']):g}个百分点）")
    if options.get("locks"):
        locks = options["locks"]
        switches.append("规划人员锁定" + "、".join(filter(None, [
            f"固定{locks['fixed']}套" if locks.get("fixed") else "",
            f"禁止{locks['forbidden']}套" if locks.get("forbidden") else ""])))
    if options.get("objective_order"):
        switches.append("目标依次为" + "、".join(
            OBJECTIVE_SHORT.get(n, n) for n in options["objective_order"]))
    return switches


def run_label(run: dict) -> str:
    """One line that says how trustworthy the allocation is."""
    from allocator.allocate import STATUS_LABELS
    from allocator.kpis import gap_percent

    label = STATUS_LABELS.get(run["status"], run["status"])
    if run["status"] == "cancelled":
        label += "，未证明最优"
    gap = run.get("gap")
    if run["status"] != "optimal" and gap is not None and not pd.isna(gap):
        label += f"，差距{gap_percent(gap)}"
    switches = option_switches(json.loads(run.get("options_json") or "{}"))
    opened = f" · 选项：{'，'.join(switches)}" if switches else ""
    message = str(run.get("message") or "")
    if "levels not solved:" in message:
        names = OBJECTIVE_SHORT
        unsolved = [names.get(n.strip(), n.strip())
                    for n in message.split("levels not solved:")[1].split(",")]
        label += f"，未求解的目标层：{'、'.join(unsolved)}"
    scenario = "基础方案" if run["scenario"] == "base" else run["scenario"]
    return (f"方案：{scenario} · 求解状态：{label} · 求解器："
            f"{backend_name(run['backend'])} · 抽签种子：{run['seed']} · 测算编号："
            f"{public_run_id(run['run_id'])}{opened}")


BACKEND_NAMES = {"highs": "HiGHS", "cbc": "CBC", "cpsat": "CP-SAT"}


def backend_name(backend: object) -> str:
    """A solver as printed papers name it (the CLI's --backend value in the
    run is the program's word, not the solver's name)."""
    return BACKEND_NAMES.get(str(backend), str(backend or "-"))


def public_run_id(run_id: object) -> str:
    """A run's id as orders and notices print it: its time and number, not
    the scenario it was made in (a petition's trial is often named after the
    household; the ledger keeps the whole id)."""
    found = re.search(r"\d{8}T\d{6}(?:-\d+)?$", str(run_id))
    return found.group(0) if found else str(run_id)


@dataclass
class ChangedSelection:
    """The households whose orders ``export --changed`` prints.

    ``rows`` has one row per household (household_id, unit_id, change);
    ``note`` says, when it is not the last reallocation's, whose they are.
    """

    households: list[str]
    rows: pd.DataFrame
    run_id: str
    note: str | None = None


def changed_households(project: Project, scenario: str = "base"
                       ) -> ChangedSelection:
    """The households changed by the last reallocation that changed any (or
    by a solve of the base afresh: those whose allocated unit it changed,
    marked by :func:`allocator.allocate.mark_changed_units`).

    Normally those of the last reallocation (the stored allocation's change
    column). When the last reallocation changed nothing, the allocation is
    still the one an earlier reallocation left, so the households that one
    changed (named in its ledger entry) are chosen, with a note that says
    so; only reallocations that changed nothing may lie between. Refused
    (:class:`ExportRefused`, with what to do) when a solve or a promoted
    scenario made the allocation since, or no reallocation changed anyone.
    """
    rows = project.allocations[project.allocations["scenario"] == scenario]
    if rows.empty:
        raise ExportRefused(f"scenario {scenario!r} has no allocation; run "
                            "`allocator solve` first")
    latest_run(project, scenario)  # refuses an allocation the register outgrew
    marked = rows["change"].map(lambda c: isinstance(c, str) and c != "")
    run_id = str(rows["run_id"].iloc[0])
    if marked.any():
        changed = rows[marked].sort_values("household_id")
        return ChangedSelection(changed["household_id"].tolist(),
                                changed[["household_id", "unit_id", "change"]],
                                run_id)
    ledger = project.ledger
    mine = ledger["object"] == f"scenario {scenario}"
    if scenario == "base":  # a promote is entered under the promoted scenario
        mine |= ledger["action"] == "scenario promote"
    entries = ledger[mine]
    # (run, day, what) of reallocations and solves that changed no one,
    # latest first
    unchanged: list[tuple[str, str, str]] = []
    reallocations: set[str] = set()  # runs whose changes an entry names
    for action, after, time in zip(entries["action"][::-1], entries["after"][::-1],
                                   entries["time"][::-1]):
        try:
            record = json.loads(after) if isinstance(after, str) and after else {}
        except ValueError:
            record = {}
        if not isinstance(record, dict):
            record = {}
        run, day = str(record.get("run_id") or "?"), str(time)[:10]
        if action in ("reallocate", "allocate changes"):
            # a solve afresh names the households it changed since this version
            what = "reallocation" if action == "reallocate" else "solve"
            reallocations.add(run)
            if not record.get("changes"):
                unchanged.append((run, day, what))
                continue
            return _earlier_changes(project, rows, record, run, day, unchanged,
                                    what)
        if action == "allocate" and run not in reallocations \
                and record.get("status") in EXPORTABLE:
            raise ExportRefused(
                f"no household is marked as changed: the allocation of scenario "
                f"{scenario!r} was made by a solve (run {run}, {day}), not by a "
                "reallocation; print all orders without --changed, or name "
                "households with --household ID")
        if action == "scenario promote":
            raise ExportRefused(
                f"no household is marked as changed: the allocation of scenario "
                f"{scenario!r} comes from promoting a scenario ({day}); print all "
                "orders without --changed, or name households with --household ID")
    if unchanged:
        run, day, what = unchanged[0]
        raise ExportRefused(
            f"the last {what} (run {run}, {day}) changed no household, and "
            "no earlier one did; nothing to print")
    raise ExportRefused("no household changed by the last reallocation")


def _earlier_changes(project: Project, rows: pd.DataFrame, record: dict, run: str,
                     day: str, unchanged: list[tuple[str, str, str]],
                     what: str = "reallocation") -> ChangedSelection:
    """The households an earlier reallocation (or solve) changed (see
    :func:`changed_households`); ``unchanged`` lists the later ones."""
    from allocator.reallocate import CHANGE_LABELS

    if unchanged:
        later, later_day, later_what = unchanged[0]
        which = (f"the last {later_what} (run {later}, {later_day}) changed no "
                 f"household; the {what} before it (run {run}, {day})")
    else:
        which = f"the last {what} (run {run}, {day})"
    named = record.get("households")
    if not isinstance(named, dict):
        raise ExportRefused(
            f"{which} changed households but its ledger entry does not name them; "
            "see `allocator ledger PROJECT --action reallocate` and print them "
            "with --household ID")
    present = rows.drop_duplicates("household_id").set_index("household_id")
    households = sorted(h for h in named if h in present.index)
    if not households:
        raise ExportRefused(
            f"{which} changed only households that have exited, which get no "
            "order; nothing to print")
    table = pd.DataFrame({
        "household_id": households,
        "unit_id": [present.at[h, "unit_id"] for h in households],
        "change": [CHANGE_LABELS.get(named[h], named[h]) for h in households]})
    note = None
    if unchanged:
        note = (f"{which} changed {len(households)} household(s), whose allocation "
                "has not changed since: printing their orders")
    return ChangedSelection(households, table, run, note)


def build_orders(project: Project, scenario: str = "base",
                 households: list[str] | None = None,
                 issue_date: dt.date | None = None) -> list:
    """One :class:`~allocator.orders.AllocationOrder` per household."""
    from allocator.orders import AllocationOrder, MemberLine, ServiceLine

    run = latest_run(project, scenario)
    issue_date = issue_date or dt.date.today()
    reference = dt.date.fromisoformat(run["reference_date"])
    label = run_label(run)
    county = project.metadata.get("county") or "本县"
    numbers = order_numbers(project, scenario)
    # In the order of their numbers, as they are filed and handed out.
    allocations = project.allocations[project.allocations["scenario"] == scenario]
    allocations = allocations.assign(
        _number=allocations["household_id"].map(numbers)).sort_values(
        ["_number", "household_id"], kind="stable").drop(columns="_number")
    # A household whose exit has taken effect (its unit freed) gets no order,
    # even before a reallocation takes it out of the allocation.
    gone = freed_exits(project)
    if households is not None:
        left = sorted(set(households) & set(gone))
        if left:
            raise ExportRefused(
                "household(s) " + ", ".join(f"{h} (exited, unit freed on {gone[h]})"
                                            for h in left)
                + " have no order: they have left the programme; the Excel or "
                "CSV table lists them as 已退出")
    allocations = allocations[~allocations["household_id"].isin(set(gone))]
    if households is not None:
        unknown = set(households) - set(allocations["household_id"])
        registered = set(project.households["household_id"])
        without = sorted(unknown & registered)
        if without:
            # In the register but not in the allocation: exited (or added by
            # a register update since), so no order of this allocation.
            raise ExportRefused(
                f"household(s) {', '.join(without)} have no order in this "
                "allocation (exited from the programme, or added to the register "
                "after it was made); the Excel or CSV table lists them")
        if unknown:
            raise ExportRefused("unknown household id(s): " + ", ".join(
                u + did_you_mean(u, registered) for u in sorted(unknown)))
        allocations = allocations[allocations["household_id"].isin(households)]
    services = project.service_assignments[
        project.service_assignments["scenario"] == scenario]
    services_by_household = {k: g for k, g in services.groupby("household_id")}
    members_by_household = {k: g for k, g in project.members.groupby("household_id")}
    names_of = {k: dict(zip(g["member_id"], g["name"].fillna("")))
                for k, g in members_by_household.items()}
    household_info = project.households.set_index("household_id")
    units = project.housing_units.set_index("unit_id")
    sites = dict(zip(project.sites["site_id"], project.sites["name"]))
    facility_names = dict(zip(project.facilities["facility_id"],
                              project.facilities["name"]))
    order_prefix = (county[:2] if county else "") + "安分"
    # A member without a place is told, as the shortage list says, the
    # nearest facility of its kind beyond the catchment and its places left.
    from allocator.shortage import compute_shortages

    beyond = {(r["site_id"], r["building"], r["kind"]): r["nearest_beyond"]
              for r in compute_shortages(project, scenario)
              if r["nearest_beyond"] is not None}

    def no_place(reason, kind, unit) -> str:
        nearest = None if unit is None else beyond.get(
            (unit["site_id"], unit["building"], kind))
        if nearest is None or not isinstance(reason, str) or "最近的" in reason:
            return reason
        return (f"{reason}；最近的服务半径外{KIND_LABELS[kind]}："
                f"{nearest['facility']}，步行{nearest['walk_m']:,} m，"
                f"剩余{max(nearest['free'], 0)}个")

    orders = []
    for row in allocations.itertuples():
        number = numbers[row.household_id]
        info = household_info.loc[row.household_id]
        people = members_by_household[row.household_id]
        head = people[people["relationship"] == "户主"].iloc[0]
        member_lines = tuple(
            MemberLine(p.name, p.relationship, p.sex,
                       age_on(dt.date.fromisoformat(p.birth_date), issue_date),
                       p.id_number)
            for p in people.itertuples())
        names = _service_names(people)
        service_lines = []
        unit = units.loc[row.unit_id] if isinstance(row.unit_id, str) else None
        household_services = services_by_household.get(row.household_id)
        if household_services is not None:
            schools = household_services[household_services["kind"].isin(SCHOOL_KINDS)]
            for s in schools.itertuples():
                service_lines.append(ServiceLine(
                    names[s.member_id], KIND_LABELS[s.kind],
                    facility_names.get(s.facility_id) if isinstance(
                        s.facility_id, str) else None,
                    None if pd.isna(s.distance_m) else float(s.distance_m),
                    "" if isinstance(s.facility_id, str)
                    else no_place(s.reason, s.kind, unit)))
            clinic = household_services[household_services["kind"] == "clinic"]
            if len(clinic):
                first = clinic.iloc[0]
                placed = isinstance(first["facility_id"], str)
                service_lines.append(ServiceLine(
                    f"全户{len(clinic)}人", KIND_LABELS["clinic"],
                    facility_names.get(first["facility_id"]) if placed else None,
                    None if pd.isna(first["distance_m"])
                    else float(first["distance_m"]),
                    "" if placed else no_place(first["reason"], "clinic", unit)))
        # A household a scenario added has no origin: blank, printed as a dash.
        origin = "".join(part for part in (info["origin_township"],
                                           info["origin_village"])
                         if isinstance(part, str))
        orders.append(AllocationOrder(
            order_number=f"{order_prefix}〔{issue_date.year}〕{number:04d}号",
            issue_date=issue_date,
            county=county,
            office=issuing_office(project.rules, county, info["category"]),
            household_id=row.household_id,
            head_name=head["name"],
            head_id_number=head["id_number"],
            category=info["category"],
            origin=origin,
            members=member_lines,
            kind=row.kind,
            site_name=sites.get(unit["site_id"]) if unit is not None else None,
            building=unit["building"] if unit is not None else None,
            unit_number=row.unit_id if unit is not None else None,
            floor=int(unit["floor"]) if unit is not None else None,
            area_m2=float(unit["area_m2"]) if unit is not None else None,
            accessible=bool(unit["accessible"]) if unit is not None else None,
            services=tuple(service_lines),
            rule_text=order_reason(
                row.reason, row.household_id,
                names_of.get(row.household_id), settled=scenario == "base"),
            run_label=label + f" · 学龄按{reference.isoformat()}计算",
            wish_text=str(getattr(row, "wish", "") or ""),
        ))
    return orders


def order_numbers(project: Project, scenario: str = "base") -> dict[str, int]:
    """The number of each household's allocation order (分配通知书编号).

    A household keeps the number stored in the project
    (``project.order_numbers``) once an export of orders gave it one, so a
    reprint carries the number already handed out, whatever changed in the
    register since. Households without one get the next numbers after the
    highest ever given (also those of households that have left the
    register, so that no number is given twice), in register order, then
    those of the allocation not in the register, by 户号. Before the first
    export nothing is stored, so the numbers are the places in the register.

    Only reads the project; :func:`record_order_numbers` stores the numbers
    once orders carrying them have been written.
    """
    numbers: dict[str, int] = {}
    stored = project.order_numbers
    for household_id, number in zip(stored["household_id"], stored["number"]):
        if isinstance(household_id, str) and household_id not in numbers \
                and not pd.isna(number):
            numbers[household_id] = int(number)
    allocated = project.allocations.loc[
        project.allocations["scenario"] == scenario, "household_id"]
    households = list(dict.fromkeys(
        project.households["household_id"].tolist() + sorted(allocated)))
    following = max(numbers.values(), default=0) + 1
    for household_id in households:
        if household_id not in numbers:
            numbers[household_id] = following
            following += 1
    return numbers


def record_order_numbers(project: Project, numbers: dict[str, int],
                         issued: dt.date) -> list[str]:
    """Store the order numbers of the households that have none stored yet,
    as given on ``issued``; returns those households (in the order given).

    A number stored already keeps its household (a household's stored number
    is never changed); a new number that another household holds is refused
    (``ValueError``), and nothing is stored then. The change is in memory, to
    be saved with the project like the export's ledger entry.
    """
    stored = project.order_numbers
    held = {int(n): h for n, h in zip(stored["number"], stored["household_id"])
            if not pd.isna(n)}
    known = set(stored["household_id"])
    new = {h: int(n) for h, n in numbers.items() if h not in known}
    given = pd.Series(list(new.values()), dtype="int64")
    clashes = [f"{n} ({h}; {held[n]} holds it)" for h, n in new.items() if n in held]
    clashes += [f"{n} (twice in the new numbers)"
                for n in given[given.duplicated()].unique()]
    if clashes:
        raise ValueError("order number(s) already given: " + ", ".join(clashes))
    if not new:
        return []
    rows = pd.DataFrame({"household_id": list(new), "number": given,
                         "issued": issued.isoformat()})
    project.order_numbers = rows if stored.empty else pd.concat(
        [stored, rows], ignore_index=True)
    return list(new)


def export_pdf(project: Project, path: Path, scenario: str = "base",
               households: list[str] | None = None,
               progress: Callable[[int, int], None] | None = None,
               cancel: Callable[[], bool] | None = None) -> Path:
    """Write the allocation orders of ``scenario`` to ``path``.

    Once the file is written, the order numbers of all households (printed
    or not, so that which households a later export selects never changes a
    number) are stored in ``project`` (:func:`record_order_numbers`): the
    caller saves the project, as it does with the export's ledger entry. A
    failed or cancelled export stores nothing.
    """
    from allocator.orders import write_orders_pdf

    issued = dt.date.today()
    orders = build_orders(project, scenario, households, issue_date=issued)
    written = write_orders_pdf(orders, Path(path), progress=progress, cancel=cancel)
    record_order_numbers(project, order_numbers(project, scenario), issued)
    return written


def safe_cell(value):
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _service_names(people: pd.DataFrame) -> dict[str, str]:
    """Each member's name as an order's services table prints it: with the
    member's 序号 in the members table when another member of the household
    has the same name (the table lists a service once per name, so two
    children of one name read as one child)."""
    counts = people["name"].value_counts()
    return {member: (f"{name}（序号{position}）" if counts.get(name, 0) > 1 else name)
            for position, (member, name) in enumerate(
                zip(people["member_id"], people["name"]), start=1)}


def _info_cell(value):
    """A value of the run as the 求解信息 sheet holds it: numbers (seconds,
    seed, gap, bound) as numbers a spreadsheet can sum, the rest as text."""
    if hasattr(value, "item"):
        value = value.item()
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return safe_cell(str(value))


def allocation_sheets(project: Project, scenario: str = "base",
                      households: list[str] | None = None
                      ) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """The run, and the allocation and service tables with Chinese headers
    (only the rows of ``households`` when given)."""
    run = latest_run(project, scenario)
    allocations = project.allocations[project.allocations["scenario"] == scenario]
    register = project.households
    services = project.service_assignments[
        project.service_assignments["scenario"] == scenario]
    if households is not None:
        unknown = set(households) - set(register["household_id"])
        if unknown:
            raise ExportRefused("unknown household id(s): " + ", ".join(
                u + did_you_mean(u, register["household_id"])
                for u in sorted(unknown)) + "; check the 户号 given with --household")
        register = register[register["household_id"].isin(households)]
        services = services[services["household_id"].isin(households)]
    households = register.merge(allocations, on="household_id", how="left")
    units = project.housing_units.drop(columns="geometry").rename(
        columns={"household_id": "occupant"})
    table = households.merge(units, on="unit_id", how="left")
    heads = project.members[project.members["relationship"] == "户主"][
        ["household_id", "name", "id_number"]]
    table = table.merge(heads, on="household_id", how="left")
    sheet_allocations = pd.DataFrame({
        "户号": table["household_id"], "户主": table["name"],
        "户主身份证号": table["id_number"], "人数": table["size"],
        "安置类别": table["category"], "优先级得分": table["priority"],
        "结果": table["kind"].map({"existing": "既有安置", "allocated": "本次分配",
                                 "waiting": "轮候"}),
        "房号": table["unit_id"], "安置点编号": table["site_id"],
        "楼栋": table["building"], "楼层": table["floor"],
        "面积(m²)": table["area_m2"], "无障碍": table["accessible"].map(
            {True: "是", False: "否"}),
        "原因": table["reason"],
    })
    _mark_exited(project, table, sheet_allocations)
    services = services.merge(
        project.members[["member_id", "name", "id_number"]], on="member_id")
    facility_names = dict(zip(project.facilities["facility_id"],
                              project.facilities["name"]))
    sheet_services = pd.DataFrame({
        "户号": services["household_id"], "成员编号": services["member_id"],
        "姓名": services["name"], "身份证号": services["id_number"],
        "服务": services["kind"].map(KIND_LABELS),
        "设施编号": services["facility_id"],
        "设施": services["facility_id"].map(facility_names),
        "步行距离(m)": services["distance_m"].round(0), "说明": services["reason"],
    })
    return run, sheet_allocations, sheet_services


def _mark_exited(project: Project, table: pd.DataFrame,
                 sheet: pd.DataFrame) -> None:
    """Rows of households that exited (退出机制), in place.

    One that has left its unit has no allocation row: its 结果 is 已退出 and
    its 原因 the exit date and the unit it left (房号 stays empty: the unit
    may have gone to another household, which the same table lists with it),
    with no priority score, as it is on no list. One whose exit date is
    still ahead keeps its row; its 原因 says when it leaves.
    """
    exits = project.exits.drop_duplicates("household_id", keep="last")
    exit_on = dict(zip(exits["household_id"], exits["exit_on"]))
    left = dict(zip(exits["household_id"], exits["unit_id"]))
    gone = freed_exits(project)
    if "exited_on" in table.columns:
        for household_id, day in zip(table["household_id"], table["exited_on"]):
            if isinstance(day, str) and day:
                exit_on.setdefault(household_id, day)
    if not exit_on:
        return
    # No score for a household on no list; the others' stay whole numbers.
    sheet["优先级得分"] = sheet["优先级得分"].astype(object)
    for i, household_id, kind in zip(sheet.index, table["household_id"],
                                     table["kind"]):
        day = exit_on.get(household_id)
        if day is None:
            continue
        unit = left.get(household_id)
        unit = unit if isinstance(unit, str) and unit else None
        if isinstance(kind, str) and household_id not in gone:
            # still in its unit until the exit date
            reason = sheet.at[i, "原因"]
            sheet.at[i, "原因"] = f"已确认退出，{day}腾出房屋" + (
                f"{unit}" if unit else "") + (
                f"；{reason}" if isinstance(reason, str) and reason else "")
            continue
        sheet.at[i, "结果"] = "已退出"
        sheet.at[i, "优先级得分"] = None
        sheet.at[i, "原因"] = f"{day}退出" + (f"，腾出房屋{unit}" if unit else "")


TEXT_COLUMNS = {"户号", "户主身份证号", "身份证号", "成员编号", "房号", "设施编号",
                "安置点编号"}


def export_csv(project: Project, path: Path, scenario: str = "base",
               households: list[str] | None = None) -> Path:
    """Write the allocation table as CSV (UTF-8 with BOM, as Excel expects),
    of all households or only ``households``.

    Text that a spreadsheet would run as a formula is neutralised; numbers stay
    numbers.
    """
    _, allocations, _ = allocation_sheets(project, scenario, households)
    safe = allocations.copy()
    for column in safe.columns:
        if safe[column].dtype == object:
            # Kept as objects: mapped, a column of whole numbers with a blank
            # (an exited household's score) would turn into 55.0.
            safe[column] = pd.Series([safe_cell(v) for v in safe[column]],
                                     index=safe.index, dtype=object)
        elif pd.api.types.is_float_dtype(safe[column]):
            # A column with blanks (a waiting household's floor) is float in
            # the frame: whole values are written as 9, not 9.0.
            safe[column] = pd.Series(
                [None if pd.isna(v) else int(v) if float(v).is_integer() else v
                 for v in safe[column]], index=safe.index, dtype=object)
        else:
            safe[column] = safe[column].map(safe_cell)
    with _replacing(path) as (temp, path):
        safe.to_csv(temp, index=False, encoding="utf-8-sig")
    return path


@contextlib.contextmanager
def _replacing(target: Path):
    """Yield (a new file beside ``target``, the file it will replace): the
    new file, once written, is renamed over the target, with the target's
    permissions if it existed, else readable by the owner only (exports hold
    personal data; see :func:`allocator.project.give_permissions`); on any
    failure it is removed and the target is left as it was."""
    path = output_path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=".export-", suffix=path.suffix,
                                    dir=path.parent)
    os.close(handle)
    try:
        yield temp, path
        give_permissions(Path(temp), file_status(path), path)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def write_private_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write a text output (JSON, CSV, GeoJSON) like the other exports: a new
    file renamed over the old one, readable by the owner only."""
    with _replacing(path) as (temp, path):
        with open(temp, "w", encoding=encoding, newline="") as stream:
            stream.write(text)
    return path


def export_xlsx(project: Project, path: Path, scenario: str = "base",
                households: list[str] | None = None) -> Path:
    """Write allocations, services and the run to an Excel workbook, of all
    households or only ``households``.

    ID numbers and household ids are written as text cells; text that starts
    with = + - @, tab or CR is neutralised so Excel never runs it.
    """
    from openpyxl import Workbook

    run, sheet_allocations, sheet_services = allocation_sheets(project, scenario,
                                                               households)

    text_columns = TEXT_COLUMNS
    book = Workbook()
    book.remove(book.active)
    for title, frame in (("分配结果", sheet_allocations), ("公共服务", sheet_services)):
        sheet = book.create_sheet(title)
        sheet.append(list(frame.columns))
        for record in frame.itertuples(index=False):
            cells = []
            for column, value in zip(frame.columns, record):
                if value is None or (isinstance(value, float) and pd.isna(value)):
                    cells.append(None)
                elif column in text_columns:
                    cells.append(safe_cell(str(value)))
                else:
                    cells.append(safe_cell(value.item() if hasattr(value, "item")
                                           else value))
            sheet.append(cells)
        for column_index, column in enumerate(frame.columns, start=1):
            if column in text_columns:
                for cell in sheet.iter_cols(min_col=column_index, max_col=column_index,
                                            min_row=2):
                    for c in cell:
                        c.number_format = "@"
        sheet.freeze_panes = "A2"
    info = book.create_sheet("求解信息")
    for key, value in run.items():
        info.append([str(key), _info_cell(value)])
    change = changed_since_allocation(project, scenario)
    if change is not None:  # the table shows the allocation as it was made
        entry, day, what = change
        info.append(["changed_since", safe_cell(
            f"分配之后{CHANGED_WORDS[what]}已修改（台账第{entry}条起，{day}）：本表为"
            f"分配时的结果，重新求解后才按修改后的{CHANGED_WORDS[what]}分配")])
    with _replacing(path) as (temp, path):
        book.save(temp)
    logger.info("wrote %s", path)
    return path
