"""Recording that households moved into the units allocated to them (入住).

An allocated household that has moved in lives in its unit: the unit becomes
occupied (已入住) by it with the move-in date, which starts its follow-up
visits (``follow_up_months``), lets it qualify for exit, and makes a later
solve or reallocation treat it as housed earlier (既有安置). Each move-in is a
ledger entry.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from allocator.ids import did_you_mean
from allocator.project import Project


class MoveInError(ValueError):
    """A move-in that cannot be recorded; the message says why and what to do."""


@dataclass
class MoveIn:
    household_id: str
    unit_id: str
    day: dt.date


def record_move_ins(project: Project, households: list[str], day: dt.date,
                    reason: str = "", today: dt.date | None = None) -> list[MoveIn]:
    """Record that ``households`` moved into their allocated units on ``day``.

    Every household is checked before anything changes: it is in the
    register and has not exited, the base allocation gives it a unit, the
    unit is still vacant (not occupied by another household, not under
    repair), and ``day`` is neither before the allocation was made nor after
    ``today``. All problems are reported at once.

    Raises
    ------
    MoveInError
        When any household cannot move in; nothing is changed then.
    """
    today = today or dt.date.today()
    register = project.households
    known = set(register["household_id"].tolist())
    exited = {h for h, d in zip(register["household_id"].tolist(),
                                register["exited_on"].tolist())
              if isinstance(d, str) and d} if "exited_on" in register else set()
    rows = project.allocations[project.allocations["scenario"] == "base"]
    unit_of = {h: u for h, u in zip(rows["household_id"].tolist(),
                                    rows["unit_id"].tolist()) if isinstance(u, str)}
    kind_of = dict(zip(rows["household_id"].tolist(), rows["kind"].tolist()))
    units = project.housing_units
    status = dict(zip(units["unit_id"].tolist(), units["status"].tolist()))
    occupant = dict(zip(units["unit_id"].tolist(), units["household_id"].tolist()))
    made = _allocated_on(project)
    problems, found = [], []
    if day > today:
        problems.append(f"the move-in date {day} is after today ({today}); record a "
                        "move-in once it has happened")
    if made is not None and day < made:
        problems.append(f"the move-in date {day} is before the allocation was made "
                        f"({made}); give the day the households moved in")
    for household_id in dict.fromkeys(households):
        if household_id not in known:
            problems.append(f"household {household_id} is not in the register"
                            + did_you_mean(household_id, register["household_id"]))
            continue
        if household_id in exited:
            problems.append(f"household {household_id} has exited the programme")
            continue
        if kind_of.get(household_id) == "existing":
            problems.append(f"household {household_id} lives in "
                            f"{unit_of.get(household_id)} already")
            continue
        unit_id = unit_of.get(household_id)
        if unit_id is None:
            problems.append(f"household {household_id} has no unit in the base "
                            "allocation (it waits); solve or reallocate first")
            continue
        if status.get(unit_id) == "occupied" and occupant.get(unit_id) == household_id:
            problems.append(f"household {household_id} moved into {unit_id} "
                            "already")
            continue
        if status.get(unit_id) != "vacant":
            holder = occupant.get(unit_id)
            who = f" by {holder}" if isinstance(holder, str) and holder else ""
            problems.append(f"household {household_id}: its unit {unit_id} is not "
                            f"vacant (status {status.get(unit_id)}{who}); "
                            "reallocate first")
            continue
        found.append(MoveIn(household_id, unit_id, day))
    if problems:
        raise MoveInError("; ".join(problems))
    index = {u: i for i, u in zip(units.index.tolist(), units["unit_id"].tolist())}
    units = units.copy()
    for move in found:
        i = index[move.unit_id]
        units.at[i, "status"] = "occupied"
        units.at[i, "household_id"] = move.household_id
        units.at[i, "placed_on"] = move.day.isoformat()
    project.housing_units = units
    for move in found:
        project.log("move in", f"household {move.household_id}",
                    before={"unit_id": move.unit_id, "status": "vacant"},
                    after={"unit_id": move.unit_id, "status": "occupied",
                           "placed_on": move.day.isoformat()},
                    reason=reason or "allocator move-in")
    return found


def _allocated_on(project: Project) -> dt.date | None:
    """The day of the base allocation's run (its ``today``)."""
    runs = project.runs[project.runs["scenario"] == "base"]
    rows = project.allocations[project.allocations["scenario"] == "base"]
    if rows.empty or runs.empty:
        return None
    run_ids = set(rows["run_id"].tolist())
    mine = runs[runs["run_id"].isin(run_ids)]
    if mine.empty:
        return None
    day = mine.iloc[-1].get("today")
    try:
        return dt.date.fromisoformat(str(day)[:10])
    except ValueError:
        return None
