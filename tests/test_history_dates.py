"""Complaint, petition and visit dates outside 1990-01-01 .. today are refused.

A future complaint would count among "complaints in the last 12 months" of the
alerts, and a date like 1800 is a typing error; both are named by file, row
and column (the income history's years are checked the same way)."""

from __future__ import annotations

import datetime as dt

from allocator.history import read_histories

# A week ahead: still after today when a run crosses midnight.
LATER = dt.date.today() + dt.timedelta(days=7)


def _errors(tmp_path, name, text):
    path = tmp_path / f"{name}.csv"
    path.write_text(text, encoding="utf-8-sig")
    _frames, problems = read_histories({name: path}, {"H0", "H1"})
    return [(p.row, p.column, p.message) for p in problems if p.severity == "error"]


def test_petition_dates_out_of_range_are_refused(tmp_path):
    text = ("户号,日期,类型,事由,办理状态,说明\n"
            "H0,2025-06-01,投诉,房屋漏水,已办结,\n"
            f"H0,{LATER.isoformat()},投诉,噪音,办理中,\n"
            "H1,1800-01-01,信访,补偿,已办结,\n"
            "H1,1990-01-01,信访,补偿,已办结,\n")
    errors = _errors(tmp_path, "petitions", text)
    # Header is row 1: the bad dates are rows 3 and 4; row 5 (1990-01-01) is fine.
    assert [(row, column) for row, column, _m in errors] == [(3, "日期"), (4, "日期")]
    assert f"{LATER} is not a date between 1990-01-01 and today" in errors[0][2]
    assert "1800-01-01 is not a date between 1990-01-01 and today" in errors[1][2]


def test_visit_dates_out_of_range_are_refused(tmp_path):
    text = ("户号,回访月份,回访日期,回访人,情况\n"
            "H0,1,2020-06-12,帮扶干部01,\n"
            f"H0,3,{LATER.isoformat()},帮扶干部01,\n"
            "H1,1,1899-12-31,帮扶干部02,\n"
            "H1,3,,帮扶干部02,\n")
    errors = _errors(tmp_path, "visits", text)
    assert [(row, column) for row, column, _m in errors] == [(3, "回访日期"),
                                                             (4, "回访日期")]
