"""A household's objection (信访) tried as a what-if, with the least change.

The petitioner is taken out of its allocation and may not get the units it
objects to (one unit, or every unit of a site), or, with ``grant_wish``, may
get only units that meet its wish (one of its preferred sites; a low floor
when it asked for one). Everyone else keeps what the stored allocation gave:
households living in a unit never move, and households allocated but not
moved in move only where that is needed, because a "kept" level right after
the housed level maximises the households left in their unit. Every other
household that stays keeps its school places and clinic registration (see
:mod:`allocator.reallocate`); one that must move is placed again from its new
unit. The result lists every other household whose allocation changes,
and for each household whose unit changes, the school places and clinic
registrations it loses or changes with it (:func:`place_changes`).

Model (on top of :mod:`solvers.joint`)::

    x[p, c] = 0                   for the classes c the petition excludes
    sum_c x[h, c] = 1             for every h allocated before (stays housed)
    levels: housed (weighted) > kept = sum_h x[h, home(h)] > served > walk

where home(h) is the class of the unit h holds (a household left in that
class keeps that very unit), so households alike with the same home are
one type of the aggregated model.

The stored allocation is not changed; ``save_as`` stores the trial as a
scenario, which the planner can compare with the base and promote.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from allocator.allocate import Instance, preferred_sites, wants_low_floor
from allocator.ids import did_you_mean
from allocator.project import Project
from allocator.reallocate import (
    PLACES_HEADING,
    Reallocation,
    ReallocationError,
    previous_allocation,
    previous_services,
    reallocate,
    service_changes,
)

PLACE_CHANGE_COLUMNS = ["household_id", "member_id", "kind", "facility_before",
                        "facility_after", "text"]


class PetitionError(ValueError):
    """A petition that cannot be tried; the message says why."""


def place_changes(project: Project, reallocation: Reallocation,
                  household_ids: list[str]) -> pd.DataFrame:
    """The school places and clinic registrations that differ between the base
    allocation and a trial, for the members of ``household_ids``.

    A household whose unit changes is placed again from its new unit, so a
    child may lose a school place within walking reach, or get another
    school; a household put back on the waiting list loses its places.

    Returns
    -------
    pandas.DataFrame
        One row per member and kind (``PLACE_CHANGE_COLUMNS``), in the order
        of ``household_ids``, then member, then kindergarten, primary, junior,
        clinic: ``facility_before`` and ``facility_after`` are facility ids
        (None: no place), ``text`` reads ``H3-01卫生服务由社区卫生服务中心改为无``.
    """
    wanted = {h: i for i, h in enumerate(household_ids)}
    records = [r for r in service_changes(project,
                                          previous_services(project, "base"),
                                          reallocation.outcome.service_assignments)
               if r["household_id"] in wanted]
    # Stable: by household as asked, then member and kind as found.
    records.sort(key=lambda r: wanted[r["household_id"]])
    return pd.DataFrame(records, columns=PLACE_CHANGE_COLUMNS, dtype=object)


@dataclass
class PetitionTrial:
    """What a petition's what-if gives."""

    household_id: str
    request: str
    reallocation: Reallocation
    unit_before: str | None
    unit_after: str | None
    made_against: dict | None = None
    """The base the trial was made on (:func:`allocator.scenarios.made_against`)."""
    option: str = ""
    """The request as the ``allocator petition`` option (``--grant-wish``)."""
    place_changes: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=PLACE_CHANGE_COLUMNS))
    """School places and clinic registrations of the households whose unit
    changes (the petitioner and those moved for it), before and after; see
    :func:`place_changes`."""

    @property
    def others_changed(self) -> pd.DataFrame:
        changes = self.reallocation.changes
        return changes[changes["household_id"] != self.household_id]

    @property
    def granted(self) -> bool:
        return self.unit_after is not None


def _request(project: Project, household_id: str, exclude_unit: str | None,
             exclude_site: str | None, grant_wish: bool) -> tuple[str, set[str]]:
    """The petition in words, and the units the petitioner may not get."""
    units = project.housing_units
    asked = [exclude_unit is not None, exclude_site is not None, bool(grant_wish)]
    if sum(asked) != 1:
        raise PetitionError("give exactly one of --exclude-unit, --exclude-site and "
                            "--grant-wish")
    if exclude_unit is not None:
        if exclude_unit not in set(units["unit_id"]):
            raise PetitionError(f"unit {exclude_unit} is not in the project"
                                + did_you_mean(exclude_unit, units["unit_id"]))
        return f"户{household_id}不接受房屋{exclude_unit}", {exclude_unit}
    if exclude_site is not None:
        sites = set(project.sites["site_id"])
        if exclude_site not in sites:
            raise PetitionError(f"site {exclude_site} is not in the project (sites: "
                                f"{', '.join(sorted(sites))})")
        barred = set(units.loc[units["site_id"] == exclude_site, "unit_id"])
        return f"户{household_id}不接受安置点{exclude_site}", barred
    households = project.households
    if "preferred_sites" not in households.columns \
            and "wants_low_floor" not in households.columns:
        raise PetitionError("this project records no wishes (preferred sites or a "
                            "low floor); import a register with them first")
    row = households[households["household_id"] == household_id]
    ranked = preferred_sites(row["preferred_sites"].iloc[0]) \
        if "preferred_sites" in row.columns else []
    low = bool(wants_low_floor(row).iloc[0])
    if not ranked and not low:
        raise PetitionError(f"household {household_id} has recorded no wish "
                            "(preferred sites or a low floor) to grant")
    allowed = units["site_id"].isin(ranked) if ranked else pd.Series(
        True, index=units.index)
    if low:
        allowed &= units["floor"] <= int(project.rules["low_floor_max"])
    wish = "、".join(ranked)
    words = "、".join(filter(None, [f"安置点{wish}" if ranked else "",
                                   "低楼层" if low else ""]))
    return f"满足户{household_id}的意愿（{words}）", set(units.loc[~allowed, "unit_id"])


def try_petition(
    project: Project,
    household_id: str,
    *,
    exclude_unit: str | None = None,
    exclude_site: str | None = None,
    grant_wish: bool = False,
    today: dt.date | None = None,
    backend: str = "auto",
    time_limit: float | None = None,
    seed: int | None = None,
    cancel=None,
) -> PetitionTrial:
    """Try one petition on the base allocation; the project is not changed.
    Without ``today`` it is tried on the day the base's allocation was made
    for, so that what the petition changes is not mixed with what a later day
    changes (children of another school year)."""
    from allocator.scenarios import allocation_day, made_against

    today = today or allocation_day(project, "base")
    households = project.households
    if household_id not in set(households["household_id"]):
        raise PetitionError(f"household {household_id} is not in the project"
                            + did_you_mean(household_id, households["household_id"]))
    if "exited_on" in households.columns:
        exited = households.loc[households["household_id"] == household_id,
                                "exited_on"].iloc[0]
        if isinstance(exited, str) and exited:
            raise PetitionError(
                f"household {household_id} exited the programme on {exited} "
                "(退出); an exited household is not allocated, so its petition "
                "cannot be tried. If the exit was a mistake and its unit is "
                "not yet freed, take it back first (allocator exits PROJECT "
                f"--cancel --household {household_id})")
    request, barred = _request(project, household_id, exclude_unit, exclude_site,
                               grant_wish)
    try:
        previous = previous_allocation(project, "base")
    except ReallocationError as exc:
        raise PetitionError(str(exc)) from None
    before = previous[previous["household_id"] == household_id]
    unit_before = before["unit_id"].iloc[0] if len(before) else None
    unit_before = unit_before if isinstance(unit_before, str) else None
    made = made_against(project)
    option = ("--grant-wish" if grant_wish else f"--exclude-unit {exclude_unit}"
              if exclude_unit is not None else f"--exclude-site {exclude_site}")

    data = project
    units = project.housing_units
    lives = units["household_id"].eq(household_id) & units["status"].eq("occupied")
    if lives.any():  # a household living in a unit is let go of it for the trial
        data = copy.copy(project)
        data.housing_units = units.copy()
        data.housing_units.loc[lives, ["status", "household_id"]] = ["vacant", None]

    def forbid(view: Project, instance: Instance) -> None:
        h = instance.household_ids.index(household_id)
        problem = instance.problem
        unit_ids = view.housing_units["unit_id"].tolist()
        for c in list(problem.household_classes[h]):
            if c >= len(instance.class_units):
                continue
            members = [unit_ids[u] for u in instance.class_units[c]]
            if all(u in barred for u in members):
                problem.forbidden.add((h, c))
            elif any(u in barred for u in members):
                from allocator.reallocate import _own_classes

                index = {u: i for i, u in enumerate(unit_ids)}
                own = _own_classes(instance, index,
                                   {u for u in members if u in barred})
                problem.forbidden |= {(h, c2) for c2 in own.values()}
        problem.required.pop(h, None)

    result = reallocate(data, today=today, allow_moves=True, backend=backend,
                        time_limit=time_limit, seed=seed, cancel=cancel,
                        adjust=forbid, release=frozenset({household_id}),
                        move_reason=f"为试算{request}让出房源")
    unit_after = None
    changes = result.changes
    mine = changes["household_id"] == household_id
    reason_before = changes.loc[mine, "reason"].tolist()
    changes.loc[mine, "reason"] = f"信访试算：{request}；" + changes.loc[
        mine, "reason"].str.replace(f"，为试算{request}让出房源", "")
    lost = pd.DataFrame(columns=PLACE_CHANGE_COLUMNS)
    if result.solved:
        rows = result.outcome.allocations
        got = rows.loc[rows["household_id"] == household_id, "unit_id"]
        unit_after = got.iloc[0] if len(got) and isinstance(got.iloc[0], str) \
            else None
        # A household whose unit changes is placed again from its new unit:
        # its places lost or changed go on its line, after the unit change.
        # The reallocation lists them for a household that moved; one put
        # back on the waiting list, and the petitioner whatever its change,
        # get them here.
        moved = changes[changes["change"].isin(["moved", "unhoused"])]
        listed = [household_id] + [h for h in moved["household_id"].tolist()
                                   if h != household_id]
        lost = place_changes(project, result, listed)
        for moved_id, group in lost.groupby("household_id", sort=False):
            at = changes["household_id"] == moved_id
            if not at.any():  # waits before and after: no change line
                continue
            reason = changes.loc[at, "reason"].iloc[0]
            if PLACES_HEADING not in reason:  # not said already
                changes.loc[at, "reason"] = (f"{reason}；{PLACES_HEADING}"
                                             + "；".join(group["text"]))
    if reason_before and result.solved:
        _own_reason(result.outcome.allocations, household_id, reason_before[0],
                    changes.loc[changes["household_id"] == household_id,
                                "reason"].iloc[0])
    return PetitionTrial(household_id, request, result, unit_before, unit_after,
                         made, option, lost)


def _own_reason(rows: pd.DataFrame, household_id: str, before: str,
                after: str) -> None:
    """The petitioner's allocation gives its petition as the reason of its
    change (its order prints it), not the room made for the trial, which is
    the other households' reason."""
    at = rows.index[rows["household_id"] == household_id]
    for i in at:
        reason = rows.at[i, "reason"]
        head = f"变动原因：{before}"
        if isinstance(reason, str) and reason.startswith(head):
            rows.at[i, "reason"] = f"变动原因：{after}" + reason[len(head):]
        if "change" in rows.columns and rows.at[i, "change"] == before:
            rows.at[i, "change"] = after


def check_scenario_name(project: Project, name: str | None,
                        path: str | Path | None = None) -> str:
    """The name a trial is to be saved as, checked before the trial runs
    (it takes a while): not empty, not the base, not a scenario already.

    Raises
    ------
    allocator.scenarios.ScenarioError
        The name cannot be used; the message says what to do.
    """
    from allocator.scenarios import BASE, ScenarioError, name_problems, names

    problems = name_problems(name or "")
    if problems:
        raise ScenarioError("; ".join(problems))
    name = (name or "").strip()
    if not name:
        raise ScenarioError("give the scenario a name (--save-as NAME)")
    if name == BASE:
        raise ScenarioError(f"{BASE!r} names the base; choose another name for "
                            "the trial")
    if name in names(project):
        from allocator.scenarios import project_word, shell_word

        # ``path`` (the project's file) makes the command one to paste.
        raise ScenarioError(f"scenario {name!r} exists; choose another name, or "
                            f"delete it first with `allocator scenario delete "
                            f"{project_word(path)} {shell_word(name)}`")
    return name


def save_trial(project: Project, trial: PetitionTrial, name: str) -> None:
    """Store the trial's allocation as a scenario (same data as the base)."""
    from allocator.allocate import store_outcome
    from allocator.scenarios import BASE, stamp_run

    name = check_scenario_name(project, name)
    outcome = trial.reallocation.outcome
    if trial.made_against is not None:
        stamp_run(outcome.run, {**trial.made_against, "petition": {
            "household": trial.household_id, "option": trial.option}})
    outcome.run["scenario"] = name
    # The run was made on the base's data; stored as the trial's scenario, its
    # id names the scenario as every other run's does.
    old_id = outcome.run["run_id"]
    new_id = name + old_id[len(BASE):] if old_id.startswith(BASE + "-") else old_id
    outcome.run["run_id"] = new_id
    for table in (outcome.allocations, outcome.service_assignments):
        table["scenario"] = name
        if "run_id" in table.columns:
            table.loc[table["run_id"] == old_id, "run_id"] = new_id
    row = {"scenario": name, "description": f"信访试算：{trial.request}",
           "created": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
           "changes_json": json.dumps({}, ensure_ascii=False)}
    project.scenarios = pd.concat([project.scenarios, pd.DataFrame([row])],
                                  ignore_index=True)
    priority = project.households["priority"].copy()
    store_outcome(project, outcome)
    project.households["priority"] = priority
    project.log("petition trial", f"household {trial.household_id}",
                after={"scenario": name, "request": trial.request,
                       "unit_before": trial.unit_before,
                       "unit_after": trial.unit_after,
                       "others_changed": len(trial.others_changed)},
                reason=trial.request)
