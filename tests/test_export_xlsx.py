"""Excel export: IDs as text, formulas neutralised, refused when not solved."""

from __future__ import annotations

import openpyxl
import pytest

from allocator.allocate import solve_project, store_outcome
from allocator.export import ExportRefused, export_xlsx
from tests.conftest import TINY_TODAY


def test_ids_are_text_and_formulas_neutralised(tiny_project, tmp_path):
    tiny_project.members.loc[0, "name"] = "=HYPERLINK(\"http://127.0.0.1\")"
    store_outcome(tiny_project, solve_project(tiny_project, backend="highs",
                                              today=TINY_TODAY))
    path = export_xlsx(tiny_project, tmp_path / "out.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book["分配结果"]
    header = [c.value for c in sheet[1]]
    id_column = header.index("户主身份证号") + 1
    cell = sheet.cell(row=2, column=id_column)
    assert cell.data_type == "s" and len(cell.value) == 18
    names = [sheet.cell(row=r, column=header.index("户主") + 1).value
             for r in range(2, sheet.max_row + 1)]
    assert "'=HYPERLINK(\"http://127.0.0.1\")" in names
    area = sheet.cell(row=2, column=header.index("面积(m²)") + 1)
    assert isinstance(area.value, (int, float))
    assert (path.stat().st_mode & 0o777) == 0o600


def test_unsolved_project_is_not_exported(tiny_project, tmp_path):
    with pytest.raises(ExportRefused, match="has no allocation"):
        export_xlsx(tiny_project, tmp_path / "out.xlsx")
    assert not (tmp_path / "out.xlsx").exists()


def test_csv_neutralises_formulas_and_keeps_numbers(tiny_project, tmp_path):
    import pandas as pd

    from allocator.export import export_csv

    tiny_project.members.loc[0, "name"] = "@SUM(A1:A9)"
    store_outcome(tiny_project, solve_project(tiny_project, backend="highs",
                                              today=TINY_TODAY))
    path = export_csv(tiny_project, tmp_path / "out.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    assert "'@SUM(A1:A9)" in set(frame["户主"])
    assert frame["面积(m²)"].dropna().map(float).min() >= 25
    # Whole floors and areas are written as such (9, not 9.0), though the
    # waiting households' cells are blank; the file is the one Excel shows.
    assert set(frame["楼层"].dropna()) <= {"1", "2", "3"}
    assert set(frame["面积(m²)"].dropna()) <= {"25", "50", "75", "100"}
    assert frame["楼层"].isna().any()
    assert (path.stat().st_mode & 0o777) == 0o600


def test_orders_refused_when_not_solved_and_labelled_when_partial(tiny_project,
                                                                  tmp_path):
    import unicodedata

    from pypdf import PdfReader

    from allocator.export import export_pdf

    with pytest.raises(ExportRefused):
        export_pdf(tiny_project, tmp_path / "orders.pdf")
    outcome = solve_project(tiny_project, backend="highs", today=TINY_TODAY)
    store_outcome(tiny_project, outcome)
    runs = tiny_project.runs
    runs.loc[runs.index[-1], ["status", "gap"]] = ["infeasible", None]
    with pytest.raises(ExportRefused, match="infeasible"):
        export_pdf(tiny_project, tmp_path / "orders.pdf")
    assert not (tmp_path / "orders.pdf").exists()
    runs.loc[runs.index[-1], ["status", "gap"]] = ["feasible", 0.004]
    path = export_pdf(tiny_project, tmp_path / "orders.pdf", households=["H1"])
    text = unicodedata.normalize("NFKC", PdfReader(path).pages[0].extract_text())
    assert "未证明最优" in text and "0.40%" in text
    assert (path.stat().st_mode & 0o777) == 0o600
