"""Planners' locks: fix a vacant unit to a waiting household, or forbid one.

One set of checks for the command line (``allocator lock``) and the window.
A new lock is refused when it could never be kept, with every reason;
:func:`allocator.allocate.solve_project` checks the stored locks again
before each solve, since units and households change after a lock is set.
Every added or removed lock goes to the ledger with what it replaced.

Problems come back as :class:`LockProblem` records: a code and the
parameters for the window to say in its own language, plus an English
sentence for the command line and the log.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from allocator.ids import did_you_mean, near_id
from allocator.importer import unit_status_label
from allocator.project import Project
from allocator.rules import area_band

LOCK_KINDS = ("fix", "forbid")


@dataclass(frozen=True)
class LockProblem:
    """Why a lock cannot be set: ``code``, its ``params`` and ``message``."""

    code: str
    params: dict[str, Any]
    message: str

    def __str__(self) -> str:
        return self.message


class LockRefused(ValueError):
    """A lock that cannot be set or removed; ``problems`` says every reason."""

    def __init__(self, problems: list[LockProblem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


@dataclass
class LockChange:
    """What one add or remove did: the lock rows before and after."""

    household_id: str
    unit_id: str
    before: list[dict[str, Any]] = field(default_factory=list)
    after: dict[str, Any] | None = None


def lock_problems(project: Project, household_id: str, unit_id: str,
                  kind: str) -> list[LockProblem]:
    """Every reason the lock (``kind`` "fix" or "forbid") could not be kept.

    A forbid needs only an existing household and unit, and no fix of that
    unit to that household (nor a fix a forbid there). A fix also needs a
    household that is not housed yet, a vacant unit in the household's area
    band (accessible when it needs one), no other unit fixed to the
    household and no other household fixed to the unit. A lock on the same
    household and unit is replaced, so it is not counted against itself.
    """
    problems: list[LockProblem] = []
    if kind not in LOCK_KINDS:
        problems.append(LockProblem(
            "kind", {"kind": kind}, f"lock kind {kind!r} must be fix or forbid"))
        return problems
    households = project.households.set_index("household_id")
    units = project.housing_units.set_index("unit_id")
    if household_id not in households.index:
        problems.append(LockProblem(
            "no_household", {"household": household_id,
                             "near": near_id(household_id, households.index)},
            f"household {household_id} is not in the project"
            + did_you_mean(household_id, households.index)))
    if unit_id not in units.index:
        problems.append(LockProblem(
            "no_unit", {"unit": unit_id, "near": near_id(unit_id, units.index)},
            f"unit {unit_id} is not in the project"
            + did_you_mean(unit_id, units.index)))
    if problems:
        return problems
    exited = households.at[household_id, "exited_on"] \
        if "exited_on" in households.columns else None
    if isinstance(exited, str) and exited:
        problems.append(LockProblem(
            "exited", {"household": household_id, "date": exited},
            f"household {household_id} left the programme on {exited} (exit "
            "confirmed); it gets no unit, so a lock on it cannot be kept"))
        return problems
    problems += _other_kind_problems(project, household_id, unit_id, kind)
    if kind == "forbid":
        units_now = project.housing_units
        lives = units_now[(units_now["unit_id"] == unit_id)
                          & (units_now["status"] == "occupied")
                          & (units_now["household_id"] == household_id)]
        if len(lives):
            problems.append(LockProblem(
                "lives_there", {"household": household_id, "unit": unit_id},
                f"household {household_id} lives in {unit_id}; households that "
                "moved in are never moved, so the forbid cannot be kept"))
        return problems

    info = households.loc[household_id]
    unit = units.loc[unit_id]
    occupied = project.housing_units[
        (project.housing_units["status"] == "occupied")
        & (project.housing_units["household_id"] == household_id)]
    if len(occupied):
        problems.append(LockProblem(
            "housed", {"household": household_id,
                       "unit": str(occupied["unit_id"].iloc[0])},
            f"household {household_id} already lives in "
            f"{occupied['unit_id'].iloc[0]}; moves are not part of an allocation"))
    if unit["status"] != "vacant":
        label = unit_status_label(str(unit["status"]))
        problems.append(LockProblem(
            "not_vacant", {"unit": unit_id, "status": str(unit["status"]),
                           "status_label": label},
            f"unit {unit_id} is {label}, not {unit_status_label('vacant')}; only "
            "a vacant unit can be fixed to a household"))
    size = int(info["size"])
    low, high = area_band(size, project.rules)
    area = float(unit["area_m2"])
    if not low <= area <= high:
        problems.append(LockProblem(
            "area", {"unit": unit_id, "area": area, "size": size, "low": low,
                     "high": high},
            f"unit {unit_id} has {area:g} m², outside the {low:g}–{high:g} m² "
            f"band of household {household_id} ({size} "
            f"{'person' if size == 1 else 'people'})"))
    if bool(info["needs_accessible"]) and not bool(unit["accessible"]):
        problems.append(LockProblem(
            "accessible", {"unit": unit_id, "household": household_id},
            f"household {household_id} needs an accessible unit and {unit_id} "
            "is not one"))
    locks = project.locks
    fixes = locks[locks["kind"] == "fix"]
    other_unit = fixes[(fixes["household_id"] == household_id)
                       & (fixes["unit_id"] != unit_id)]
    if len(other_unit):
        problems.append(LockProblem(
            "household_fixed", {"household": household_id,
                                "unit": str(other_unit["unit_id"].iloc[0])},
            f"household {household_id} already has unit "
            f"{other_unit['unit_id'].iloc[0]} fixed; remove that lock first"))
    other_household = fixes[(fixes["unit_id"] == unit_id)
                            & (fixes["household_id"] != household_id)]
    if len(other_household):
        problems.append(LockProblem(
            "unit_fixed", {"unit": unit_id,
                           "household": str(other_household["household_id"].iloc[0])},
            f"unit {unit_id} is already fixed to household "
            f"{other_household['household_id'].iloc[0]}; remove that lock first"))
    return problems


def _other_kind_problems(project: Project, household_id: str, unit_id: str,
                         kind: str) -> list[LockProblem]:
    """A lock of the other kind on the same household and unit.

    A forbid would contradict a fix there (and a fix a forbid); replacing
    one with the other silently would undo a planner's decision, so the
    old lock has to be removed first (the removal goes to the ledger).
    """
    locks = project.locks
    other = locks[(locks["household_id"] == household_id)
                  & (locks["unit_id"] == unit_id) & (locks["kind"] != kind)]
    if other.empty:
        return []
    existing = str(other["kind"].iloc[0])
    remove = (f"`allocator lock PROJECT --household {household_id} "
              f"{'--unit' if existing == 'fix' else '--forbid'} {unit_id} --remove`")
    if existing == "fix":
        return [LockProblem(
            "fix_exists", {"household": household_id, "unit": unit_id},
            f"household {household_id} has unit {unit_id} fixed (固定); a forbid "
            f"would contradict it. Remove the fix first with {remove} (or in "
            "the window's lock list), then forbid the unit")]
    return [LockProblem(
        "forbid_exists", {"household": household_id, "unit": unit_id},
        f"household {household_id} is forbidden unit {unit_id} (禁止); a fix "
        f"would contradict it. Remove the forbid first with {remove} (or in the "
        "window's lock list), then fix the unit")]


def reason_problems(household_id: str, reason: str) -> list[LockProblem]:
    """What keeps a lock's reason off the household's order: a line break or
    tab (the order prints the reason on one line) or a character the PDF font
    cannot draw (the order would not export)."""
    from allocator.fonts import find_cjk_font, missing_glyphs

    reason = reason or ""
    breaks = sorted({f"U+{ord(ch):04X}" for ch in reason
                     if unicodedata.category(ch) == "Cc"})
    if breaks:
        return [LockProblem(
            "reason_control", {"household": household_id, "reason": reason},
            f"the reason {reason!r} holds a line break or other control character "
            f"({', '.join(breaks)}); the order of household {household_id} prints "
            "the reason on one line: write it without them")]
    wide = "".join(ch for ch in dict.fromkeys(reason) if ord(ch) > 0x7F)
    if not wide:
        return []
    font = find_cjk_font()
    missing = missing_glyphs(wide, font)
    if not missing:
        return []
    listed = ", ".join(f"{ch} (U+{ord(ch):04X})" for ch in missing)
    return [LockProblem(
        "reason_unprintable", {"household": household_id, "reason": reason},
        f"the reason {reason!r} has {listed}, which the PDF font ({font.name}) "
        f"cannot print on the order of household {household_id}: write the "
        "reason without it")]


def add_lock(project: Project, household_id: str, unit_id: str, kind: str,
             reason: str = "", *, created: str | None = None,
             action: str = "lock") -> LockChange:
    """Set a lock (replacing one on the same household and unit), log it.

    Raises
    ------
    LockRefused
        When the lock could not be kept; nothing is changed.
    """
    problems = lock_problems(project, household_id, unit_id, kind)
    problems += reason_problems(household_id, reason)
    if problems:
        raise LockRefused(problems)
    locks = project.locks
    same = (locks["household_id"] == household_id) & (locks["unit_id"] == unit_id)
    change = LockChange(household_id, unit_id, before=_records(locks[same]))
    entry = {"household_id": household_id, "unit_id": unit_id, "kind": kind,
             "reason": reason,
             "created": created or dt.datetime.now().astimezone().isoformat(
                 timespec="seconds")}
    project.locks = pd.concat([locks[~same], pd.DataFrame([entry])],
                              ignore_index=True)
    change.after = entry
    project.log(action, f"household {household_id}", before=change.before,
                after=entry, reason=reason)
    return change


def remove_lock(project: Project, household_id: str, unit_id: str,
                reason: str = "", *, action: str = "lock",
                kind: str | None = None) -> LockChange:
    """Remove the household's locks on ``unit_id`` (only a lock of ``kind``,
    "fix" or "forbid", when given) and log what they were.

    Raises
    ------
    LockRefused
        When there is no such lock.
    """
    locks = project.locks
    same = (locks["household_id"] == household_id) & (locks["unit_id"] == unit_id)
    if kind is not None and same.any() and not (same & (locks["kind"] == kind)).any():
        held = str(locks.loc[same, "kind"].iloc[0])
        label = {"fix": "fixed (固定)", "forbid": "forbidden (禁止)"}
        option = "--unit" if held == "fix" else "--forbid"
        raise LockRefused([LockProblem(
            "other_kind", {"household": household_id, "unit": unit_id},
            f"household {household_id} has unit {unit_id} {label.get(held, held)}, "
            f"not {label.get(kind, kind)}; to remove that lock use {option} "
            f"{unit_id} --remove")])
    if not same.any():
        raise LockRefused([LockProblem(
            "no_lock", {"household": household_id, "unit": unit_id},
            f"household {household_id} has no lock on unit {unit_id}")])
    change = LockChange(household_id, unit_id, before=_records(locks[same]))
    project.locks = locks[~same].reset_index(drop=True)
    project.log(action, f"household {household_id}", before=change.before,
                after=None, reason=reason)
    return change


def restore_locks(project: Project, household_id: str, unit_id: str,
                  rows: list[dict[str, Any]], reason: str = "",
                  *, action: str = "undo lock") -> None:
    """Put back exactly ``rows`` as the locks of one household and unit.

    Used to undo an add or a remove; no checks, since the rows were valid
    locks a moment ago. The step goes to the ledger like any other.
    """
    locks = project.locks
    same = (locks["household_id"] == household_id) & (locks["unit_id"] == unit_id)
    before = _records(locks[same])
    kept = locks[~same]
    project.locks = pd.concat([kept, pd.DataFrame(rows, columns=locks.columns)],
                              ignore_index=True) if rows else \
        kept.reset_index(drop=True)
    project.log(action, f"household {household_id}", before=before,
                after=rows or None, reason=reason)


NO_REASON = "未注明原因"
"""What orders say of a lock the planner gave no reason for."""


def lock_reasons(project: Project, kind: str) -> dict[tuple[str, str], str]:
    """The planner's reason of every lock of ``kind`` ("fix" or "forbid"),
    by (household, unit); :data:`NO_REASON` for a lock without one."""
    locks = project.locks[project.locks["kind"] == kind]
    return {(h, u): why if isinstance(why, str) and why.strip() else NO_REASON
            for h, u, why in zip(locks["household_id"].tolist(),
                                 locks["unit_id"].tolist(),
                                 locks["reason"].tolist())}


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: (None if isinstance(v, float) and pd.isna(v) else v)
             for k, v in row.items()} for row in frame.to_dict("records")]


def fixes_on_held_units(project: Project) -> list[tuple[str, str, str]]:
    """The fix locks on a unit the base's allocation gives another household:
    (household the lock fixes it to, unit, household holding it). A
    reallocation keeps the holder housed, so it can keep such a lock only by
    moving the holder to another unit it fits."""
    locks = project.locks
    if locks.empty:
        return []
    rows = project.allocations[project.allocations["scenario"] == "base"]
    holder = {u: h for h, u in zip(rows["household_id"].tolist(),
                                   rows["unit_id"].tolist()) if isinstance(u, str)}
    fixes = locks[locks["kind"] == "fix"]
    return [(h, u, holder[u]) for h, u in zip(fixes["household_id"].tolist(),
                                               fixes["unit_id"].tolist())
            if u in holder and holder[u] != h]
