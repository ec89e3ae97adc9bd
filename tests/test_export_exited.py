"""Households that exited (退出机制) in the allocation table (CSV and Excel).

Tiny county: H0 (4 people) lives in A-301. With a 2025 income of 64,000 yuan
(16,000 per person, above 15,000) and 3 years of stable work it qualifies for
exit. Once it has left (exit 2026-09-30) and a reallocation ran, it has no
allocation row: its row reads 结果 已退出, 原因 "2026-09-30退出，腾出房屋A-301",
with no 房号 and no priority score. With an exit date still ahead
(2027-01-31) it keeps 既有安置 and A-301, and 原因 says when it leaves.
"""

from __future__ import annotations

import csv
import datetime as dt

import pandas as pd
import pytest
from openpyxl import load_workbook

from allocator.allocate import solve_project, store_outcome
from allocator.cli import main
from allocator.exits import confirm_exits
from allocator.project import save_project
from allocator.reallocate import reallocate, store_reallocation
from tests.conftest import TINY_TODAY


@pytest.fixture()
def solved(tiny_project):
    tiny_project.household_history = pd.DataFrame([{
        "household_id": "H0", "year": 2025, "annual_income": 64000.0,
        "job_status": "稳定就业", "stable_job_years": 3.0, "note": ""}])
    store_outcome(tiny_project, solve_project(tiny_project, backend="cpsat",
                                              today=TINY_TODAY))
    return tiny_project


def _exports(project, tmp_path) -> tuple[dict, dict]:
    """The CSV and Excel allocation rows by 户号, as text."""
    path = tmp_path / "p.gpkg"
    save_project(project, path)
    table, book = tmp_path / "out.csv", tmp_path / "out.xlsx"
    assert main(["export", str(path), "--csv", str(table), "--xlsx", str(book)]) == 0
    with open(table, encoding="utf-8-sig", newline="") as stream:
        from_csv = {row["户号"]: row for row in csv.DictReader(stream)}
    sheet = load_workbook(book)["分配结果"]
    rows = list(sheet.iter_rows(values_only=True))
    from_xlsx = {row[0]: dict(zip(rows[0], row)) for row in rows[1:]}
    return from_csv, from_xlsx


def test_a_household_that_left_reads_exited(solved, tmp_path):
    confirm_exits(solved, ["H0"], dt.date(2026, 9, 30), TINY_TODAY,
                  reason="年度退出审核")
    store_reallocation(solved, reallocate(solved, today=TINY_TODAY,
                                          backend="cpsat"))
    assert "H0" not in set(solved.allocations["household_id"])

    from_csv, from_xlsx = _exports(solved, tmp_path)
    h0 = from_csv["H0"]
    assert (h0["结果"], h0["房号"], h0["原因"], h0["优先级得分"]) == (
        "已退出", "", "2026-09-30退出，腾出房屋A-301", "")
    assert h0["户主"] == "吉克阿呷" and h0["人数"] == "4"
    # The others are as before: whole-number scores, their own units.
    assert (from_csv["H1"]["结果"], from_csv["H1"]["房号"]) == ("本次分配", "A-101")
    assert from_csv["H1"]["优先级得分"] == "55"

    h0 = from_xlsx["H0"]
    assert (h0["结果"], h0["房号"], h0["原因"], h0["优先级得分"]) == (
        "已退出", None, "2026-09-30退出，腾出房屋A-301", None)
    assert from_xlsx["H1"]["优先级得分"] == 55
    # Its order is refused as an exited household's, not as an unknown id
    # (found by a new user).
    from allocator.export import ExportRefused, export_pdf

    with pytest.raises(ExportRefused) as refused:
        export_pdf(solved, tmp_path / "h0.pdf", households=["H0"])
    assert str(refused.value) == (
        "household(s) H0 (exited, unit freed on 2026-10-01) have no order: they "
        "have left the programme; the Excel or CSV table lists them as 已退出")
    with pytest.raises(ExportRefused, match="unknown household id"):
        export_pdf(solved, tmp_path / "h0.pdf", households=["H9"])


def test_an_exit_still_ahead_keeps_the_unit_and_says_when(solved, tmp_path):
    confirm_exits(solved, ["H0"], dt.date(2027, 1, 31), TINY_TODAY)
    from_csv, from_xlsx = _exports(solved, tmp_path)
    for rows in (from_csv, from_xlsx):
        h0 = rows["H0"]
        assert (h0["结果"], h0["房号"]) == ("既有安置", "A-301")
        assert h0["原因"].startswith("已确认退出，2027-01-31腾出房屋A-301；")


def test_an_exit_in_effect_before_the_reallocation_gets_no_order(solved, tmp_path):
    # Found by a new user: between the exit and the reallocation, the order
    # of a household that had left said it kept its unit, and the table read
    # 既有安置 with "已确认退出" in the same row.
    from allocator.export import ExportRefused, build_orders, export_pdf

    confirm_exits(solved, ["H0"], dt.date(2026, 9, 30), TINY_TODAY)
    assert "H0" in set(solved.allocations["household_id"])  # not reallocated
    with pytest.raises(ExportRefused, match=r"H0 \(exited, unit freed on "):
        export_pdf(solved, tmp_path / "h0.pdf", households=["H0"])
    assert "H0" not in {o.household_id for o in build_orders(solved)}
    from_csv, from_xlsx = _exports(solved, tmp_path)
    for rows in (from_csv, from_xlsx):
        assert rows["H0"]["结果"] == "已退出"
        assert rows["H0"]["原因"] == "2026-09-30退出，腾出房屋A-301"
