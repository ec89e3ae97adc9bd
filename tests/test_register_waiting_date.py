"""A register update refuses a waiting-list date (轮候登记日期) after the day
of the update, as the import does, naming the file, row and column.

The tiny register (tests/data/tiny/register.csv) has its header on row 1;
H2's three members are on rows 8 to 10 (the head 俄木石布 first, waiting
since 2025-03-01) and H5's only member, 阿尔拉且 (waiting since 2025-03-01),
on row 14. The updates below change nothing else, so the one difference an
accepted update shows is that date.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from allocator.cli import main
from allocator.project import load_project, save_project
from allocator.register_update import (
    RegisterUpdateError,
    apply_register_update,
    compare_register,
)
from tests.test_impossible_dates import _edited, _h5_born

TINY = Path(__file__).parent / "data" / "tiny"
WAITING = "2026-11-02"


@pytest.fixture()
def late_h5(tmp_path) -> Path:
    """The tiny register with H5 on the waiting list from 2026-11-02."""
    return _edited(TINY / "register.csv", tmp_path / "late.csv", "H5",
                   {"轮候登记日期": WAITING})


def test_a_waiting_date_after_the_day_is_refused_naming_the_row(late_h5,
                                                                tiny_project):
    diff = compare_register(tiny_project, late_h5, today=dt.date(2026, 11, 1))
    (error,) = diff.problems
    assert (error.file, error.row, error.column, error.severity) == (
        str(late_h5), 14, "轮候登记日期", "error")
    assert error.message == (
        "household H5's waiting-list date 2026-11-02 is after the day of this "
        "update (2026-11-01): a date in the future. Correct it from the "
        "waiting-list record (轮候登记表), or give the day of the update with "
        "--date YYYY-MM-DD")
    assert diff.changes == [] and diff.members is None
    before = (tiny_project.households.copy(), len(tiny_project.ledger))
    with pytest.raises(RegisterUpdateError, match="has errors"):
        apply_register_update(tiny_project, diff, today=dt.date(2026, 11, 1))
    assert tiny_project.households.equals(before[0])
    assert len(tiny_project.ledger) == before[1]


@pytest.mark.parametrize("day", [dt.date(2026, 11, 2), dt.date(2026, 11, 3)])
def test_a_waiting_date_on_or_before_the_day_is_accepted(late_h5, tiny_project,
                                                         day):
    diff = compare_register(tiny_project, late_h5, today=day)
    assert diff.problems == []
    assert diff.lines() == [
        "H5  变更 changed  轮候登记日期: 2025-03-01 → 2026-11-02"]


def test_the_row_named_is_the_heads(tmp_path, tiny_project):
    # H2 written spouse first: the head 俄木石布, who carries the waiting
    # date, is then on row 9 rather than the household's first row 8.
    lines = (TINY / "register.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[7].startswith("H2,俄木石布,") and lines[8].startswith("H2,海来拉莫,")
    lines[7], lines[8] = lines[8], lines[7]
    lines[8] = lines[8].replace(",2025-03-01", ",2027-01-01")
    assert lines[8].endswith(",2027-01-01")
    register = tmp_path / "spouse_first.csv"
    register.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    diff = compare_register(tiny_project, register, today=dt.date(2026, 12, 31))
    assert [(e.row, e.column) for e in diff.errors] == [(9, "轮候登记日期")]
    assert diff.errors[0].message.startswith(
        "household H2's waiting-list date 2027-01-01 is after the day of this "
        "update (2026-12-31)")


def test_a_future_birth_and_waiting_date_are_both_named(tmp_path, tiny_project):
    # H5's head born 2026-12-01 (ID number to match) and waiting from
    # 2026-12-02, read as an update of 2026-11-30: one error for each date.
    register = _edited(TINY / "register.csv", tmp_path / "both.csv", "H5",
                       _h5_born("2026-12-01") | {"轮候登记日期": "2026-12-02"})
    diff = compare_register(tiny_project, register, today=dt.date(2026, 11, 30))
    assert [(e.row, e.column) for e in diff.errors] == [
        (14, "出生日期"), (14, "轮候登记日期")]
    assert "was born on 2026-12-01" in diff.errors[0].message
    assert "waiting-list date 2026-12-02" in diff.errors[1].message


def test_register_command_refuses_it_and_changes_nothing(late_h5, tmp_path,
                                                         tiny_project, capsys):
    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    stored, mtime = path.read_bytes(), path.stat().st_mtime_ns
    assert main(["register", str(path), str(late_h5), "--apply", "--reason",
                 "户籍核对", "--date", "2026-11-01"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert (f"{late_h5}:14:轮候登记日期: 错误 error: household H5's waiting-list "
            "date 2026-11-02 is after the day of this update (2026-11-01): a "
            "date in the future.") in err
    assert "1 error(s) in" in err and "nothing compared or changed" in err
    assert "Traceback" not in err
    assert path.read_bytes() == stored and path.stat().st_mtime_ns == mtime

    # The same file as an update of its waiting day is applied.
    assert main(["register", str(path), str(late_h5), "--apply", "--reason",
                 "户籍核对", "--date", WAITING]) == 0
    households = load_project(path).households.set_index("household_id")
    assert households.at["H5", "waiting_since"] == WAITING


def test_an_update_day_after_today_is_refused(tmp_path, capsys):
    # Without a limit, --date 2040-01-01 let a waiting-list date of 2027 in.
    from tests.conftest import tiny_solved_by_cli

    project = tiny_solved_by_cli(tmp_path / "p.gpkg")
    before = project.read_bytes()
    later = dt.date.today() + dt.timedelta(days=7)
    capsys.readouterr()
    code = main(["register", str(project), str(TINY / "register.csv"),
                 "--date", later.isoformat(), "--apply", "--reason", "核对"])
    assert code == 2
    err = capsys.readouterr().err
    assert f"--date {later.isoformat()} is after today" in err
    assert "Nothing compared or changed" in err
    assert project.read_bytes() == before
