"""The exit rule (退出机制): who leaves the programme, and freeing their units.

Default rule (``allocator rules``): a household in a unit qualifies when its
income is above the county's average income (``county_average_income_yuan``;
``exit_income_basis`` says whether the household's per-capita income or its
whole income is compared) and someone has held a stable job for at least
``stable_job_years_for_exit`` years. ``exit_conditions`` adds conditions of
the form ``{"field": ..., "op": ..., "value": ...}``; all must hold.

The planner confirms exits with a transition date. A confirmed household is
marked (``households.exited_on``) and never returns to the waiting list; its
unit stays occupied until the date and becomes vacant (空置) on it
(:func:`apply_due_exits`, run before every reallocation).
"""

from __future__ import annotations

import datetime as dt
import getpass
import logging
import operator
from dataclasses import dataclass

import pandas as pd

from allocator.history import add_months, household_facts, placements
from allocator.ids import did_you_mean
from allocator.project import Project, _json

logger = logging.getLogger(__name__)

_OPERATORS = {">": operator.gt, ">=": operator.ge, "<": operator.lt,
              "<=": operator.le, "==": operator.eq, "!=": operator.ne}
FIELD_LABELS = {
    "annual_income": "户年收入", "per_capita_income": "人均年收入",
    "stable_job_years": "稳定就业年限", "size": "户人数", "years_housed": "入住年数",
    "income_drop": "收入降幅", "job_loss": "失业", "fell_below_low_income":
    "跌破低收入线", "petitions_12m": "近12个月投诉信访", "open_petitions":
    "未办结投诉信访", "overdue_visits": "逾期回访", "category": "安置类别",
    "job_status": "就业状况",
}


# How far ahead a transition date may be set (a year).
EXIT_DATE_MAX_MONTHS = 12


class ExitError(ValueError):
    """An exit that cannot be confirmed; the message names the household."""


def exit_conditions(rules: dict) -> list[dict]:
    """The full condition list of the exit rule, defaults first."""
    basis = rules.get("exit_income_basis", "per_capita")
    income_field = "per_capita_income" if basis == "per_capita" else "annual_income"
    return [
        {"field": income_field, "op": ">",
         "value": float(rules["county_average_income_yuan"])},
        {"field": "stable_job_years", "op": ">=",
         "value": float(rules["stable_job_years_for_exit"])},
        *list(rules.get("exit_conditions") or []),
    ]


def _holds(value, op: str, target) -> bool:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return False
    try:
        return bool(_OPERATORS[op](value, target))
    except TypeError:
        return False


def _describe(condition: dict, value) -> str:
    label = FIELD_LABELS.get(condition["field"], condition["field"])
    shown = f"{value:,.0f}" if isinstance(value, float) and value >= 100 else (
        f"{value:g}" if isinstance(value, float) else str(value))
    target = condition["value"]
    target = f"{target:,.0f}" if isinstance(target, float) and target >= 100 else (
        f"{target:g}" if isinstance(target, float) else str(target))
    return f"{label} {shown} {condition['op']} {target}"


def exit_review(project: Project, today: dt.date) -> pd.DataFrame:
    """Every household in a unit, whether it qualifies for exit and why.

    Parameters
    ----------
    project : Project
        The open project.
    today : datetime.date
        The day incomes, job years and petitions are counted on.

    Returns
    -------
    pandas.DataFrame
        ``household_id``, ``unit_id``, ``current_township``, ``size``,
        ``annual_income``, ``per_capita_income``, ``stable_job_years``,
        ``qualifies`` (bool), ``reason`` (each condition with the household's
        value, ``；``-separated, unmet ones marked 未满足). Households already
        exited are left out.
    """
    facts = household_facts(project, today)
    facts = facts[facts["housed"] & ~facts["exited"]]
    conditions = exit_conditions(project.rules)
    rows = []
    for household_id, fact in facts.iterrows():
        met, texts = True, []
        for condition in conditions:
            value = fact.get(condition["field"])
            ok = _holds(value, condition["op"], condition["value"])
            met &= ok
            texts.append(_describe(condition, value) + ("" if ok else "（未满足）"))
        rows.append({
            "household_id": household_id, "unit_id": fact["unit_id"],
            "current_township": fact["current_township"], "size": int(fact["size"]),
            "annual_income": fact["annual_income"],
            "per_capita_income": fact["per_capita_income"],
            "stable_job_years": fact["stable_job_years"], "qualifies": met,
            "reason": "；".join(texts)})
    columns = ["household_id", "unit_id", "current_township", "size",
               "annual_income", "per_capita_income", "stable_job_years",
               "qualifies", "reason"]
    return pd.DataFrame(rows, columns=columns)


def qualifying_households(project: Project, today: dt.date) -> pd.DataFrame:
    """The rows of :func:`exit_review` that qualify, sorted by household."""
    review = exit_review(project, today)
    return review[review["qualifies"]].sort_values("household_id").reset_index(
        drop=True)


EXIT_RULE_KEYS = ("county_average_income_yuan", "exit_income_basis",
                  "stable_job_years_for_exit", "exit_conditions")
"""The rules that make up the exit rule."""


def changes_exit_rule(changes: dict) -> bool:
    """Whether a scenario's changes touch the exit rule."""
    rules = changes.get("rules") or {}
    return isinstance(rules, dict) and any(key in rules for key in EXIT_RULE_KEYS)


@dataclass
class ExitRuleEffect:
    """Who qualifies for exit under a scenario's rule and under the base's."""

    today: dt.date
    qualify: list[str]  # under the scenario's rule
    qualify_base: list[str]  # under the base's

    @property
    def gained(self) -> list[str]:
        return sorted(set(self.qualify) - set(self.qualify_base))

    @property
    def lost(self) -> list[str]:
        return sorted(set(self.qualify_base) - set(self.qualify))

    def text(self, confirm: str = "`allocator rules --set`", names: int = 10) -> str:
        """One line; at most ``names`` households named in each list (all
        when None); ``confirm`` says where the base's rule is changed."""
        def listed(ids: list[str]) -> str:
            shown = ids if names is None else ids[:names]
            return "、".join(shown) + ("…" if len(shown) < len(ids) else "")

        text = (f"退出资格 exit rule: {len(self.qualify)} household(s) living in a "
                f"unit qualify under this scenario's rule on {self.today}, "
                f"{len(self.qualify_base)} under the base's ({len(self.gained)} "
                f"more, {len(self.lost)} fewer)")
        if self.gained:
            text += f"; newly qualifying: {listed(self.gained)}"
        if self.lost:
            text += f"; no longer qualifying: {listed(self.lost)}"
        return (text + ". The allocation does not change: exits are confirmed on "
                "the base under the base's rule, so to apply this one, promote the "
                f"scenario or set the rule on the base ({confirm}), then confirm "
                "the exits, which frees their units for the waiting list")

    def to_dict(self) -> dict:
        return {"date": self.today.isoformat(), "qualify": self.qualify,
                "qualify_base": self.qualify_base, "newly_qualifying": self.gained,
                "no_longer_qualifying": self.lost}


def exit_rule_effect(base: Project, data: Project,
                     today: dt.date) -> ExitRuleEffect | None:
    """What a scenario's exit rule does, or None when its rules are the
    base's: which households living in a unit qualify under each (``data``
    is the scenario's project, see :func:`allocator.scenarios.scenario_data`).
    A scenario's allocation does not make anyone exit: exits are confirmed on
    the base (`allocator exits`), under the base's rule."""
    if all(base.rules.get(key) == data.rules.get(key) for key in EXIT_RULE_KEYS):
        return None
    return ExitRuleEffect(
        today, qualifying_households(data, today)["household_id"].tolist(),
        qualifying_households(base, today)["household_id"].tolist())


def exit_date_problems(project: Project, household_ids: list[str],
                       exit_on: dt.date, today: dt.date) -> list[str]:
    """Why ``exit_on`` cannot be the transition date of these households.

    A date before a household's move-in date (the ``placed_on`` of the unit
    it lives in) is refused for that household; a date more than
    :data:`EXIT_DATE_MAX_MONTHS` months after ``today`` for all of them.
    Each message names the households and the date and says what to give.
    """
    problems = []
    latest = add_months(today, EXIT_DATE_MAX_MONTHS)
    if exit_on > latest and household_ids:
        # The date is wrong for all of them: name a few, not hundreds.
        named = ", ".join(household_ids[:5]) + (
            f" and {len(household_ids) - 5} more" if len(household_ids) > 5 else "")
        problems.append(
            f"household(s) {named}: exit date "
            f"{exit_on.isoformat()} is more than a year after today "
            f"({today.isoformat()}); give a date up to {latest.isoformat()}, or "
            "confirm the exit nearer the time")
    moved_in = {row.household_id: (row.unit_id, row.placed_on)
                for row in placements(project).itertuples()}
    for household_id in household_ids:
        unit_id, placed_on = moved_in.get(household_id, (None, None))
        if placed_on is not None and exit_on < placed_on:
            problems.append(
                f"household {household_id} moved into {unit_id} on "
                f"{placed_on.isoformat()}: exit date {exit_on.isoformat()} is "
                f"before that; give a date on or after {placed_on.isoformat()}")
    return problems


def confirm_exits(project: Project, household_ids: list[str], exit_on: dt.date,
                  today: dt.date, reason: str = "") -> list[str]:
    """Confirm the exit of households that qualify, with a transition date.

    Each confirmed household is marked exited (``households.exited_on``), gets
    an ``exits`` row and a ledger entry; units due on or before ``today`` are
    freed at once (:func:`apply_due_exits`).

    The transition date may lie in the past, but not before the day the
    household moved into its unit (``入住日期``; a unit without one is not
    checked), and at most a year (:data:`EXIT_DATE_MAX_MONTHS` months) after
    ``today``.

    Raises
    ------
    ExitError
        A household is unknown, has no unit, has already exited or does not
        qualify, or ``exit_on`` is before its move-in or too far ahead;
        nothing is changed.
    """
    household_ids = list(dict.fromkeys(household_ids))  # each household once
    review = exit_review(project, today).set_index("household_id")
    known = set(project.households["household_id"])
    exited = set(project.exits["household_id"])
    problems = exit_date_problems(project, household_ids, exit_on, today)
    for household_id in household_ids:
        if household_id not in known:
            problems.append(f"household {household_id} is not in the project"
                            + did_you_mean(household_id, known))
        elif household_id in exited:
            problems.append(_exit_on_record(project, household_id, today))
        elif household_id not in review.index:
            allocated = _allocated_unit(project, household_id)
            problems.append(
                f"household {household_id} does not live in a unit, so it cannot "
                "exit" + (f" (it is allocated {allocated} and has not moved in)"
                          if allocated else ""))
        elif not review.at[household_id, "qualifies"]:
            problems.append(f"household {household_id} does not qualify: "
                            + review.at[household_id, "reason"])
    if problems:
        raise ExitError("; ".join(problems))

    user = _user()
    now = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    rows = []
    for household_id in household_ids:
        unit_id = review.at[household_id, "unit_id"]
        why = review.at[household_id, "reason"]
        rows.append({"household_id": household_id, "unit_id": unit_id,
                     "exit_on": exit_on.isoformat(), "confirmed": now, "user": user,
                     "reason": reason or why, "freed_on": None})
        project.log("exit", f"household {household_id}",
                    before={"unit_id": unit_id, "status": "已入住"},
                    after={"exit_on": exit_on.isoformat(), "unit_id": unit_id,
                           "qualifies": why},
                    reason=reason or "退出机制：" + why)
    if rows:
        project.exits = pd.concat([project.exits, pd.DataFrame(rows)],
                                  ignore_index=True)
        marked = project.households["household_id"].isin(household_ids)
        project.households.loc[marked, "exited_on"] = exit_on.isoformat()
    apply_due_exits(project, today)
    return list(household_ids)


def _exit_on_record(project: Project, household_id: str, today: dt.date) -> str:
    """Why an exit of ``household_id`` cannot be confirmed again: it has left,
    or its exit is confirmed for a day still to come (to change that day, it
    is taken back with --cancel and confirmed again)."""
    record = project.exits[project.exits["household_id"] == household_id].iloc[-1]
    exit_on = str(record["exit_on"])
    if pd.isna(record["freed_on"]) and exit_on > today.isoformat():
        return (f"household {household_id}'s exit is already confirmed for "
                f"{exit_on}; to change the day, take it back with --cancel and "
                "confirm it again")
    return f"household {household_id} has already exited (on {exit_on})"


def cancel_exits(project: Project, household_ids: list[str],
                 reason: str = "") -> list[str]:
    """Take back confirmed exits whose unit is not yet freed (a transition
    date typed wrong, a household that stays after all): the exit row goes,
    the household is no longer marked exited, and each gets a ledger entry.
    Confirm again with the right date afterwards.

    Raises
    ------
    ExitError
        A household is unknown, has no confirmed exit, or its unit was freed
        already (its exit has taken effect); nothing is changed.
    """
    household_ids = list(dict.fromkeys(household_ids))
    known = set(project.households["household_id"])
    exits = project.exits
    freed = dict(zip(exits["household_id"], exits["freed_on"]))
    problems = []
    for household_id in household_ids:
        if household_id not in known:
            problems.append(f"household {household_id} is not in the project"
                            + did_you_mean(household_id, known))
        elif household_id not in freed:
            problems.append(f"household {household_id} has no confirmed exit")
        elif isinstance(freed[household_id], str) and freed[household_id]:
            problems.append(
                f"household {household_id}'s exit took effect: its unit was freed "
                f"on {freed[household_id]}, so it cannot be taken back here")
    if problems:
        raise ExitError("; ".join(problems))
    for row in exits[exits["household_id"].isin(household_ids)].itertuples():
        project.log("cancel exit", f"household {row.household_id}",
                    before={"exit_on": row.exit_on, "unit_id": row.unit_id},
                    after={"status": "已入住", "unit_id": row.unit_id},
                    reason=reason or "退出确认撤回")
    project.exits = exits[~exits["household_id"].isin(household_ids)].reset_index(
        drop=True)
    marked = project.households["household_id"].isin(household_ids)
    project.households.loc[marked, "exited_on"] = None
    return household_ids


def apply_due_exits(project: Project, today: dt.date) -> list[str]:
    """Free the units of confirmed exits whose date is ``today`` or past.

    Idempotent: an exit already applied is not applied again. Each freed unit
    becomes vacant (空置) with no occupant and gets a ledger entry.

    Returns
    -------
    list of str
        The unit ids freed by this call (empty when none was due).
    """
    exits = project.exits
    if exits.empty:
        return []
    units = project.housing_units
    done = exits["freed_on"].map(lambda v: isinstance(v, str) and v != "")
    due = ~done & exits["exit_on"].map(
        lambda d: dt.date.fromisoformat(d) <= today)
    # One pass over the units for all due exits (a pass per exit, and a ledger
    # write per exit, took minutes for a thousand exits in a large county).
    # Plain lists: iterating a pandas string column costs a call per cell.
    occupant = {(u, h): i for i, u, h in zip(units.index.tolist(),
                                             units["unit_id"].tolist(),
                                             units["household_id"].tolist())
                if isinstance(h, str)}
    placed_on = dict(zip(units.index.tolist(), units["placed_on"].tolist()))
    freed, entries, rows = [], [], []
    now = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    user = _user()
    first_entry = project.next_entry()  # the ledger grows only after the loop
    for row in exits[due].itertuples():
        i = occupant.pop((row.unit_id, row.household_id), None)
        if i is None:
            continue
        rows.append(i)
        before = {"status": "已入住", "household_id": row.household_id,
                  "placed_on": placed_on[i]}
        entries.append({
            "entry": first_entry + len(entries), "time": now,
            "user": user, "action": "free unit", "object": f"unit {row.unit_id}",
            "before": _json(before),
            "after": _json({"status": "空置", "exit_on": row.exit_on}),
            "reason": f"household {row.household_id} exited on {row.exit_on}"})
        freed.append(row.unit_id)
    if rows:
        vacate(units, units.index.isin(rows))
        project.ledger = pd.concat([project.ledger, pd.DataFrame(entries)],
                                   ignore_index=True)
    exits.loc[due, "freed_on"] = today.isoformat()
    project.exits = exits
    if freed:
        logger.info("freed %d units of exited households", len(freed))
    return freed


def without_exited(project: Project) -> Project:
    """A view of ``project`` without the households that have left the model.

    Exactly those :func:`allocator.allocate.build_instance` skips: exited and
    no longer in a unit. The validator checks an allocation against this.
    """
    import copy

    from allocator.history import exited_mask

    households = project.households
    units = project.housing_units
    in_units = set(units.loc[units["status"] == "occupied", "household_id"])
    gone = exited_mask(households) & ~households["household_id"].isin(in_units)
    if not gone.any():
        return project
    view = copy.copy(project)
    view.households = households[~gone].reset_index(drop=True)
    view.members = project.members[project.members["household_id"].isin(
        view.households["household_id"])]
    return view


def vacate(units: pd.DataFrame, which: pd.Series) -> None:
    """Make the units ``which`` vacant (空置) with no occupant, in place."""
    units.loc[which, "status"] = "vacant"
    for column in ("household_id", "placed_on"):
        values = units[column].astype(object)
        values[which] = None
        units[column] = values.where(values.notna(), None)


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name on some service accounts
        return "unknown"


def _allocated_unit(project: Project, household_id: str) -> str | None:
    """The unit the base allocates ``household_id`` and it has not moved
    into, if any."""
    rows = project.allocations[(project.allocations["scenario"] == "base")
                               & (project.allocations["household_id"] == household_id)
                               & (project.allocations["kind"] == "allocated")]
    units = [u for u in rows["unit_id"].tolist() if isinstance(u, str)]
    return units[0] if units else None
