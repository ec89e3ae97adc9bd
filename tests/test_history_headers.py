"""The history files (--history, --petitions, --visits) name a header the tool
does not know, as the register does, and are refused without a column they
need, naming the file and the column.

Columns of the files written below, counted by hand:

- history: A 户号, B 年度, C 年收入, D 就业状况, E 稳定就业年限, F 说明;
- petitions: A 户号, B 日期, C 类型, D 事由, E 办理状态, F 说明, G 联系电话;
- visits: A 户号, B 回访月份, C 回访日期, D 回访人, E 情况.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from allocator.cli import main
from allocator.history import read_histories
from allocator.importer import import_files
from sample_data import sample_history_files
from tests.conftest import TINY

HISTORY = ("户号,年度,年收入,就业状况,稳定就业年限,说明\n"
           "H0,2024,28000,稳定就业,1,\n"
           "H0,2025,30000,稳定就业,2,\n")
PETITIONS = ("户号,日期,类型,事由,办理状态,说明\n"
             "H0,2025-06-01,投诉,房屋漏水,已办结,\n")
VISITS = ("户号,回访月份,回访日期,回访人,情况\n"
          "H0,1,2020-06-12,帮扶干部01,\n")


def _write(path: Path, text: str, **renamed: str) -> Path:
    """``text`` as a UTF-8 CSV with header cells renamed (old=new)."""
    lines = text.splitlines()
    lines[0] = ",".join(renamed.get(h, h) for h in lines[0].split(","))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return path


def _header_warnings(problems, path: Path) -> dict:
    return {p.column: p.message for p in problems
            if p.severity == "warning" and p.row == 1 and p.file == str(path)}


def test_the_bundled_history_files_have_no_header_warning():
    files = sample_history_files()
    _frames, problems = read_histories(files, None)
    assert [str(p) for p in problems if p.row == 1] == []


def test_a_misspelt_optional_history_column_is_named(tmp_path, tiny_inputs):
    # 稳定就业年数 for 稳定就业年限: without the warning the years read as 0,
    # and an exit rule would see nobody in a stable job.
    history = _write(tmp_path / "history.csv", HISTORY, 稳定就业年限="稳定就业年数")
    result = import_files(dataclasses.replace(tiny_inputs, history=history))
    assert result.errors == []  # a warning: the import still works
    found = _header_warnings(result.problems, history)
    assert set(found) == {"E"}
    assert "'稳定就业年数' is not a known column" in found["E"]
    assert "did you mean 稳定就业年限 (stable_job_years)" in found["E"]
    # What the warning is about: the column was not read.
    assert result.project.household_history["stable_job_years"].tolist() == [0.0,
                                                                           0.0]


def test_an_unknown_petitions_column_is_named_without_a_guess(tmp_path,
                                                              tiny_inputs):
    lines = PETITIONS.splitlines()
    petitions = _write(tmp_path / "petitions.csv", "\n".join(
        [lines[0] + ",联系电话", lines[1] + ",13800000000"]))
    result = import_files(dataclasses.replace(tiny_inputs, petitions=petitions))
    assert result.errors == []
    found = _header_warnings(result.problems, petitions)
    assert set(found) == {"G"}  # the 7th column
    assert "'联系电话' is not a known column" in found["G"]
    assert "did you mean" not in found["G"]
    assert "known columns are 户号, 日期, 类型, 事由, 办理状态, 说明" in found["G"]


def test_a_visits_header_with_a_unit_and_a_near_miss(tmp_path, tiny_inputs):
    visits = _write(tmp_path / "visits.csv", VISITS, 回访人="回访人员",
                    情况="情况(备注)")
    result = import_files(dataclasses.replace(tiny_inputs, visits=visits))
    assert result.errors == []
    found = _header_warnings(result.problems, visits)
    assert set(found) == {"D", "E"}
    assert "did you mean 回访人 (visitor)" in found["D"]
    assert "did you mean 情况 (note)" in found["E"]


def test_a_missing_required_column_refuses_the_import(tmp_path, tiny_inputs):
    history = _write(tmp_path / "history.csv", HISTORY, 就业状况="就业情况")
    result = import_files(dataclasses.replace(tiny_inputs, history=history))
    assert result.project is None
    (error,) = result.errors
    assert (error.file, error.row, error.column) == (str(history), None, "就业状况")
    assert error.message.startswith(
        "the income and job history file (--history) has no column 就业状况 "
        "(job_status), which it needs: column D '就业情况' may be it")
    assert "nothing is imported" in error.message
    # The column is also named as a header warning, with its letter.
    assert "did you mean 就业状况 (job_status)" in _header_warnings(
        result.problems, history)["D"]


def test_a_deleted_required_column_is_named_for_each_file(tmp_path, tiny_inputs):
    # 类型 removed from the petitions, 回访月份 from the visits (no near miss
    # left in either file).
    petitions = tmp_path / "petitions.csv"
    petitions.write_text("户号,日期,事由,办理状态\nH0,2025-06-01,房屋漏水,已办结\n",
                         encoding="utf-8-sig")
    visits = tmp_path / "visits.csv"
    visits.write_text("户号,回访日期,回访人\nH0,2020-06-12,帮扶干部01\n",
                      encoding="utf-8-sig")
    result = import_files(dataclasses.replace(tiny_inputs, petitions=petitions,
                                              visits=visits))
    assert result.project is None
    assert [str(p) for p in result.errors] == [
        f"{petitions}:类型: 错误 error: the complaints and petitions file "
        "(--petitions) has no column 类型 (kind), which it needs: add the column "
        "with the header 类型 (or kind); nothing is imported until then",
        f"{visits}:回访月份: 错误 error: the follow-up visits file (--visits) has "
        "no column 回访月份 (visit_month), which it needs: add the column with the "
        "header 回访月份 (or visit_month); nothing is imported until then",
    ]


def _command(name: str, history: Path, *more: str) -> list[str]:
    return [name, "--register", str(TINY / "register.csv"),
            "--sites", str(TINY / "sites.geojson"),
            "--units", str(TINY / "units.csv"),
            "--facilities", str(TINY / "facilities.csv"),
            "--county", str(TINY / "county.geojson"),
            "--history", str(history), *more]


def test_validate_prints_the_history_header_warning(tmp_path, capsys):
    history = _write(tmp_path / "history.csv", HISTORY, 稳定就业年限="稳定就业年数")
    assert main(_command("validate", history)) == 0
    err = capsys.readouterr().err
    assert f"{history}:1:E: 警告 warning: column E header '稳定就业年数'" in err


def test_import_without_a_required_column_writes_nothing(tmp_path, capsys):
    history = _write(tmp_path / "history.csv", HISTORY, 年度="年份")
    out = tmp_path / "p.gpkg"
    assert main(_command("import", history, "--out", str(out))) == 1
    err = capsys.readouterr().err
    assert f"{history}:年度: 错误 error: the income and job history file " \
        "(--history) has no column 年度 (year)" in err
    assert "Traceback" not in err
    assert not out.exists()
