"""Ages, waiting years and place changes computed for a whole table at once
give what the one-at-a-time definitions give, on the awkward days."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from allocator.allocate import _waiting_years
from allocator.reallocate import service_changes
from allocator.rules import age_on, ages_on, birth_days

BIRTHS = ["2000-02-29", "2004-02-29", "1999-12-31", "2000-01-01", "2010-09-01",
          "2010-08-31", "2010-09-02", "1956-03-01", "1956-02-28", "2024-02-29"]
DAYS = [dt.date(2026, 2, 28), dt.date(2026, 3, 1), dt.date(2028, 2, 28),
        dt.date(2028, 2, 29), dt.date(2028, 3, 1), dt.date(2026, 12, 31),
        dt.date(2027, 1, 1), dt.date(2026, 9, 1), dt.date(2026, 8, 31),
        dt.date(2026, 9, 2)]


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_ages_match_age_on_on_edge_days(day):
    ages = ages_on(birth_days(BIRTHS), day)
    assert ages.dtype == np.int64
    assert ages.tolist() == [age_on(dt.date.fromisoformat(b), day) for b in BIRTHS]


def test_ages_by_hand():
    births = birth_days(pd.Series(["2000-02-29", "1999-12-31", "2010-09-01",
                                   "2010-09-02", "2000-02-29"], dtype="string"))
    # Born on 29 February: a year older on 1 March of a common year, on
    # 29 February of a leap year.
    assert ages_on(births, dt.date(2026, 2, 28)).tolist() == [25, 26, 15, 15, 25]
    assert ages_on(births, dt.date(2026, 3, 1)).tolist() == [26, 26, 15, 15, 26]
    assert ages_on(births, dt.date(2028, 2, 29)).tolist() == [28, 28, 17, 17, 28]
    # 31 December / 1 January, and the day before / of / after a birthday.
    assert ages_on(births, dt.date(2026, 12, 31)).tolist() == [26, 27, 16, 16, 26]
    assert ages_on(births, dt.date(2027, 1, 1)).tolist() == [26, 27, 16, 16, 26]
    assert ages_on(births, dt.date(2026, 9, 1)).tolist() == [26, 26, 16, 15, 26]


def test_birth_days_refuses_what_fromisoformat_refuses():
    with pytest.raises(ValueError):
        birth_days(["2000-01-01", "2021-02-29"])
    years, month_days = birth_days([])
    assert years.tolist() == [] and month_days.tolist() == []


def test_waiting_years_count_whole_365_day_years():
    today = dt.date(2026, 10, 1)
    since = pd.Series(["2020-10-01", "2025-10-01", "2025-10-02", "2027-01-01",
                       None, "", "2020-10-01", np.nan], index=list("abcdefgh"),
                      dtype=object)
    # 2020-10-01 to 2026-10-01 is 2,191 days (one 29 February): 6 years;
    # 365 days make one year, 364 none; a date after today counts 0.
    years = _waiting_years(since, today)
    assert years.tolist() == [6, 1, 0, 0, 0, 0, 6, 0]
    assert years.index.tolist() == list("abcdefgh")


def test_service_changes_take_the_last_row_of_a_member_and_kind():
    project = SimpleNamespace(facilities=pd.DataFrame(
        {"facility_id": ["K1", "P1", "C1"], "name": ["一幼", "一小", "一卫"]}))
    before = pd.DataFrame({
        "member_id": ["A-01", "A-01", "A-02", "B-01", "B-01"],
        "household_id": ["A", "A", "A", "B", "B"],
        "kind": ["clinic", "primary", "clinic", "clinic", "clinic"],
        "facility_id": ["C1", "P1", "C1", "C1", ""]})
    after = pd.DataFrame({
        "member_id": ["A-01", "A-01", "A-02", "B-01", "C-01"],
        "household_id": ["A", "A", "A", "B", "C"],
        "kind": ["primary", "clinic", "clinic", "clinic", "kindergarten"],
        "facility_id": [None, "C1", "C1", "C1", "K1"]})
    records = service_changes(project, before, after)
    # A-01 loses its school place; B-01's last row before had no place ("");
    # C-01 had no row before.
    assert [(r["member_id"], r["kind"], r["facility_before"], r["facility_after"],
             r["household_id"], r["text"]) for r in records] == [
        ("A-01", "primary", "P1", None, "A", "A-01小学由一小改为无"),
        ("B-01", "clinic", None, "C1", "B", "B-01卫生服务由无改为一卫"),
        ("C-01", "kindergarten", None, "K1", "C", "C-01幼儿园由无改为一幼"),
    ]
