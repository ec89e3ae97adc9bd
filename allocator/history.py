"""Households over time: income and job by year, petitions, follow-up visits.

The project keeps, per household, one record per year (``household_history``:
income, job status, years in a stable job), its complaints and petitions
(``petitions``, 投诉/信访) and the follow-up visits done after placement
(``follow_up_visits``). From these and the placement date of its unit this
module derives the visit schedule (1, 3 and 6 months after placement by
default, each done, scheduled or overdue) and the facts that the exit rule
(:mod:`allocator.exits`) and the alerts (:mod:`allocator.alerts`) test.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging

import numpy as np
import pandas as pd

from allocator.project import Project

logger = logging.getLogger(__name__)

EARLIEST_DAY = dt.date(1990, 1, 1)
"""The earliest complaint, petition or visit date the files may hold (as the
income history's earliest year)."""

JOB_STATUSES = ("稳定就业", "灵活就业", "务农", "无业")
EMPLOYED = ("稳定就业", "灵活就业")
PETITION_KINDS = ("投诉", "信访")
PETITION_STATUSES = ("办理中", "已办结")
VISIT_STATUS_LABELS = {"done": "已回访", "scheduled": "待回访", "overdue": "逾期未访"}


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def exited_mask(households: pd.DataFrame) -> pd.Series:
    """True for households whose exit is confirmed (``exited_on`` set)."""
    if "exited_on" not in households.columns:  # a frame built before saving
        return pd.Series(False, index=households.index)
    marked = households["exited_on"]
    return marked.notna() & (marked.astype(str) != "")


def placements(project: Project) -> pd.DataFrame:
    """Households in a unit now, with the unit and the day they moved in.

    Returns
    -------
    pandas.DataFrame
        ``household_id``, ``unit_id``, ``placed_on`` (a date or None), one row
        per occupied unit.
    """
    units = project.housing_units
    occupied = units[(units["status"] == "occupied") & units["household_id"].notna()]
    frame = pd.DataFrame({
        "household_id": occupied["household_id"].astype(str).to_numpy(),
        "unit_id": occupied["unit_id"].to_numpy(),
        "placed_on": [_day(v) for v in occupied["placed_on"]],
    })
    return frame


def _day(value) -> dt.date | None:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value == "":
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def visit_schedule(project: Project, today: dt.date) -> pd.DataFrame:
    """Every follow-up visit owed to a placed household, with its status.

    A visit is *done* when a visit of that month is recorded, *overdue* when
    its due date has passed (before ``today``) and it is not done, and
    *scheduled* otherwise. Households without a placement date have no
    schedule.

    Parameters
    ----------
    project : Project
        The open project.
    today : datetime.date
        The day the status is computed for.

    Returns
    -------
    pandas.DataFrame
        ``household_id``, ``unit_id``, ``placed_on``, ``visit_month``,
        ``due_on``, ``done_on``, ``visitor``, ``status`` (done, scheduled,
        overdue) and ``days_overdue``.
    """
    months = [int(m) for m in project.rules.get("follow_up_months", [1, 3, 6])]
    visits = project.follow_up_visits
    done = visits[visits["done_on"].notna() & (visits["done_on"] != "")]
    done_on = {(h, int(m)): (d, v) for h, m, d, v in zip(
        done["household_id"], done["visit_month"], done["done_on"],
        done["visitor"])}
    rows = []
    for place in placements(project).itertuples():
        if place.placed_on is None:
            continue
        for month in months:
            due = add_months(place.placed_on, month)
            day, visitor = done_on.get((place.household_id, month), (None, None))
            if day is not None and str(day)[:10] < place.placed_on.isoformat():
                # Recorded before the household moved in: not this follow-up
                # (a typo, or a visit to its earlier home).
                day, visitor = None, None
            if day is not None:
                status, late = "done", 0
            elif due < today:
                status, late = "overdue", (today - due).days
            else:
                status, late = "scheduled", 0
            rows.append({"household_id": place.household_id,
                         "unit_id": place.unit_id,
                         "placed_on": place.placed_on.isoformat(),
                         "visit_month": month, "due_on": due.isoformat(),
                         "done_on": day, "visitor": visitor, "status": status,
                         "days_overdue": late})
    columns = ["household_id", "unit_id", "placed_on", "visit_month", "due_on",
               "done_on", "visitor", "status", "days_overdue"]
    return pd.DataFrame(rows, columns=columns)


def household_facts(project: Project, today: dt.date) -> pd.DataFrame:
    """The facts exit rules and alerts test, one row per household.

    Income and job come from the household's latest yearly record up to
    ``today``'s year (``household_history``); a household without records
    keeps the register's figures (``annual_income``, ``stable_job_years``).

    Columns (index ``household_id``):

    - ``annual_income``: household income of the latest year (yuan);
    - ``per_capita_income``: that income divided by the household size;
    - ``income_year``: the year of that record (0: from the register);
    - ``previous_income``: income of the year before the latest record;
    - ``income_drop``: fall from the previous year as a share of it (0 when
      it did not fall), e.g. 0.4 for a fall from 10,000 to 6,000 yuan;
    - ``fell_below_low_income``: 1 when the per-capita income fell below the
      low-income line (``low_income_per_person_yuan``) this year and was at or
      above it the year before;
    - ``job_status``, ``stable_job_years``: of the latest year;
    - ``job_loss``: 1 when the latest year has no job (无业) after a year in
      work (稳定就业 or 灵活就业);
    - ``petitions_12m``: complaints and petitions in the 365 days up to today;
    - ``open_petitions``: those not yet closed (办理中);
    - ``overdue_visits``: follow-up visits overdue today;
    - ``size``, ``category``, ``current_township``;
    - ``housed`` (a unit now), ``unit_id``, ``placed_on``, ``years_housed``;
    - ``exited``: an exit has been confirmed.
    """
    households = project.households.set_index("household_id")
    facts = pd.DataFrame(index=households.index)
    facts["size"] = households["size"].astype(int)
    facts["category"] = households["category"]
    facts["current_township"] = households["current_township"]
    facts["exited"] = exited_mask(households)

    history = project.household_history
    history = history[history["year"] <= today.year].sort_values(
        ["household_id", "year"])
    latest = history.groupby("household_id").tail(1).set_index("household_id")
    previous = history.groupby("household_id").nth(-2).set_index("household_id")
    has = facts.index.isin(latest.index)
    facts["income_year"] = latest["year"].reindex(facts.index).fillna(0).astype(int)
    facts["annual_income"] = np.where(
        has, latest["annual_income"].reindex(facts.index),
        households["annual_income"])
    facts["stable_job_years"] = np.where(
        has, latest["stable_job_years"].reindex(facts.index),
        households["stable_job_years"])
    facts["stable_job_years"] = facts["stable_job_years"].fillna(0.0)
    facts["job_status"] = latest["job_status"].reindex(facts.index)
    facts["previous_income"] = previous["annual_income"].reindex(facts.index)
    facts["per_capita_income"] = facts["annual_income"] / facts["size"].clip(lower=1)
    fall = (facts["previous_income"] - facts["annual_income"]) / facts[
        "previous_income"]
    facts["income_drop"] = fall.where(
        (facts["previous_income"] > 0) & (fall > 0), 0.0).fillna(0.0).round(4)
    line = float(project.rules["low_income_per_person_yuan"])
    previous_per_capita = facts["previous_income"] / facts["size"].clip(lower=1)
    facts["fell_below_low_income"] = (
        (facts["per_capita_income"] < line) & (previous_per_capita >= line)
    ).astype(int)
    previous_job = previous["job_status"].reindex(facts.index)
    facts["job_loss"] = ((facts["job_status"] == "无业")
                         & previous_job.isin(EMPLOYED)).astype(int)

    petitions = project.petitions
    dates = petitions["date"].map(_day)
    recent = dates.map(lambda d: d is not None and 0 <= (today - d).days < 365)
    facts["petitions_12m"] = petitions[recent.astype(bool)].groupby(
        "household_id").size().reindex(facts.index, fill_value=0).astype(int)
    open_ = petitions["status"] != "已办结"
    facts["open_petitions"] = petitions[open_].groupby("household_id").size(
    ).reindex(facts.index, fill_value=0).astype(int)

    schedule = visit_schedule(project, today)
    overdue = schedule[schedule["status"] == "overdue"]
    facts["overdue_visits"] = overdue.groupby("household_id").size().reindex(
        facts.index, fill_value=0).astype(int)

    placed = placements(project).drop_duplicates("household_id").set_index(
        "household_id")
    facts["housed"] = facts.index.isin(placed.index)
    facts["unit_id"] = placed["unit_id"].reindex(facts.index)
    facts["placed_on"] = placed["placed_on"].reindex(facts.index)
    facts["years_housed"] = facts["placed_on"].map(
        lambda d: round((today - d).days / 365.25, 2)
        if isinstance(d, dt.date) else 0.0)
    return facts


# Reading the history files of an import -----------------------------------------
HISTORY_COLUMNS = {"户号": "household_id", "年度": "year", "年收入": "annual_income",
                   "就业状况": "job_status", "稳定就业年限": "stable_job_years",
                   "说明": "note"}
HISTORY_REQUIRED = ("household_id", "year", "annual_income", "job_status")
PETITION_COLUMNS = {"户号": "household_id", "日期": "date", "类型": "kind",
                    "事由": "subject", "办理状态": "status", "说明": "note"}
PETITION_REQUIRED = ("household_id", "date", "kind", "status")
VISIT_COLUMNS = {"户号": "household_id", "回访月份": "visit_month",
                 "回访日期": "done_on", "回访人": "visitor", "情况": "note"}
VISIT_REQUIRED = ("household_id", "visit_month", "done_on")


def read_histories(paths: dict, households: set[str] | None,
                   encoding: str | None = None) -> tuple[dict, list]:
    """Read and check the optional history files of an import.

    Parameters
    ----------
    paths : dict
        ``history`` (income and job by year), ``petitions`` (complaints and
        信访) and ``visits`` (follow-up visits done); a missing key or None
        skips that file. CSV (UTF-8 or GBK) or Excel, Chinese or English
        headers (see ``HISTORY_COLUMNS``, ``PETITION_COLUMNS``,
        ``VISIT_COLUMNS``). A header the tool does not know is a warning
        naming its column letter and the header it may stand for (as for the
        register); a file without a column of ``HISTORY_REQUIRED``,
        ``PETITION_REQUIRED`` or ``VISIT_REQUIRED`` is an error naming the file
        and the column.
    households : set of str or None
        Household ids of the register (None when the register could not be
        read: then ids are not checked).
    encoding : str, optional
        Text encoding of CSV files.

    Returns
    -------
    tuple
        Frames keyed ``household_history``, ``petitions``, ``follow_up_visits``
        (only for the files given) and the problems, each
        ``file:row:column: message``.
    """
    from allocator.importer import (
        INCOME_MAX,
        JOB_YEARS_MAX,
        _Checker,
        _date,
        _number,
        _rename,
        _text,
    )
    from allocator.project import empty_frame
    from gis.readers import read_table

    frames: dict[str, pd.DataFrame] = {}
    problems: list = []
    specs = (
        ("history", "household_history", HISTORY_COLUMNS, HISTORY_REQUIRED),
        ("petitions", "petitions", PETITION_COLUMNS, PETITION_REQUIRED),
        ("visits", "follow_up_visits", VISIT_COLUMNS, VISIT_REQUIRED),
    )
    described = {"history": "income and job history file (--history)",
                 "petitions": "complaints and petitions file (--petitions)",
                 "visits": "follow-up visits file (--visits)"}
    this_year = dt.date.today().year
    from allocator.rules import DEFAULTS

    follow_up = [int(m) for m in DEFAULTS["follow_up_months"].value]
    schedule = ", ".join(map(str, follow_up[:-1])) + f" or {follow_up[-1]}" \
        if len(follow_up) > 1 else str(follow_up[0])
    for key, table, mapping, required in specs:
        path = paths.get(key)
        if path is None:
            continue
        check = _Checker(path)
        raw, _, found = read_table(path, encoding=encoding,
                                   headers=tuple(mapping) + tuple(mapping.values()))
        if any(problem.severity == "error" for problem in found):
            problems += found
            continue
        check.problems += found  # a title above the header row, said
        # Every column of these files is the tool's: a header it does not
        # know is named, as for the register (a misspelt 稳定就业年限 would
        # otherwise read as 0 years and change who may exit).
        frame = _rename(raw, mapping, required, check, unknown="all",
                        header_row=next((p.row for p in found if p.row is not None),
                                        1),
                        what=described[key])
        if frame is None:
            problems += check.problems
            continue
        reverse = {v: k for k, v in mapping.items()}
        records = []
        seen: dict[tuple, int] = {}
        for row, cells in frame.iterrows():
            record = {c: _text(cells.get(c)) for c in mapping.values()}
            household_id = record["household_id"]
            if not household_id:
                check.error(row, "户号", "empty 户号")
                continue
            if households is not None and household_id not in households:
                check.error(row, "户号", f"household {household_id} is not in the "
                            "register; check the 户号")
                continue
            if table == "household_history":
                # Every bad cell of the row is named, so that one pass fixes it.
                bad = False
                year = _number(cells.get("year"))
                if year is None or not float(year).is_integer() or not (
                        1990 <= year <= this_year):
                    check.error(row, reverse["year"], f"{record['year']!r} is not a "
                                f"year between 1990 and {this_year}")
                    bad = True
                income = _number(cells.get("annual_income"))
                if income is None or not 0 <= income <= INCOME_MAX:
                    check.error(row, reverse["annual_income"],
                                f"{record['annual_income']!r}: write the household's "
                                f"income of the year in yuan (0 to {INCOME_MAX:,})")
                    bad = True
                if record["job_status"] not in JOB_STATUSES:
                    check.error(row, reverse["job_status"],
                                f"{record['job_status']!r}: use one of "
                                + " / ".join(JOB_STATUSES))
                    bad = True
                years = _number(cells.get("stable_job_years")) \
                    if record["stable_job_years"] else 0.0
                if years is None or not 0 <= years <= JOB_YEARS_MAX:
                    check.error(row, reverse["stable_job_years"],
                                f"{record['stable_job_years']!r} is not a number of "
                                f"years in a job (0 to {JOB_YEARS_MAX})")
                    bad = True
                if bad:
                    continue
                key_ = (household_id, int(year))
                if key_ in seen:
                    check.error(row, reverse["year"], f"household {household_id} "
                                f"has year {int(year)} twice (also row {seen[key_]})")
                    continue
                seen[key_] = int(row)
                records.append({"household_id": household_id, "year": int(year),
                                "annual_income": float(income),
                                "job_status": record["job_status"],
                                "stable_job_years": float(years),
                                "note": record["note"]})
            elif table == "petitions":
                day = _date(cells.get("date"))
                if day is None:
                    check.error(row, reverse["date"], f"{record['date']!r} is not a "
                                "date; write it as YYYY-MM-DD")
                    continue
                if not EARLIEST_DAY <= day <= dt.date.today():
                    # A future or far-off date would count (or not) among the
                    # complaints of the last 12 months the alerts read.
                    check.error(row, reverse["date"], f"{day} is not a date between "
                                f"{EARLIEST_DAY} and today; correct the date")
                    continue
                if record["kind"] not in PETITION_KINDS:
                    check.error(row, reverse["kind"], f"{record['kind']!r}: use "
                                + " or ".join(PETITION_KINDS))
                    continue
                if record["status"] not in PETITION_STATUSES:
                    check.error(row, reverse["status"], f"{record['status']!r}: use "
                                + " or ".join(PETITION_STATUSES))
                    continue
                records.append({"household_id": household_id,
                                "date": day.isoformat(), "kind": record["kind"],
                                "subject": record["subject"],
                                "status": record["status"], "note": record["note"]})
            else:
                month = _number(cells.get("visit_month"))
                if month is None or not float(month).is_integer() or month <= 0:
                    check.error(row, reverse["visit_month"],
                                f"{record['visit_month']!r}: write the month of the "
                                f"visit after placement ({schedule})")
                    continue
                if int(month) not in follow_up:
                    # Kept (the county may add the month to its schedule),
                    # but no follow-up counts it until then.
                    check.warn(row, reverse["visit_month"],
                               f"a {int(month)}-month visit, but the follow-up "
                               f"visits are due at {schedule.replace(' or ', ' and ')}"
                               " months after "
                               "placement (rule follow_up_months); it counts for "
                               "none of them: correct the month, or add it with "
                               "`allocator rules PROJECT --set follow_up_months=...`")
                day = _date(cells.get("done_on")) if record["done_on"] else None
                if record["done_on"] and day is None:
                    check.error(row, reverse["done_on"], f"{record['done_on']!r} is "
                                "not a date; write it as YYYY-MM-DD")
                    continue
                if day is not None and not EARLIEST_DAY <= day <= dt.date.today():
                    check.error(row, reverse["done_on"], f"{day} is not a date "
                                f"between {EARLIEST_DAY} and today; correct the date")
                    continue
                key_ = (household_id, int(month))
                if key_ in seen:
                    check.error(row, reverse["visit_month"], f"household "
                                f"{household_id} has the {int(month)}-month visit "
                                f"twice (also row {seen[key_]})")
                    continue
                seen[key_] = int(row)
                records.append({"household_id": household_id,
                                "visit_month": int(month),
                                "done_on": day.isoformat() if day else None,
                                "visitor": record["visitor"], "note": record["note"]})
        problems += check.problems
        frame = pd.DataFrame(records) if records else empty_frame(table)
        frames[table] = frame
        logger.info("read %s: %d records", path, len(records))
    return frames, problems
