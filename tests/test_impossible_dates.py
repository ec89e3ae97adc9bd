"""Dates that cannot be right are refused by validate and import: a birth,
waiting-list (轮候登记日期) or move-in (入住日期) date after the day of the
import (``--date``, default today) or before 1900-01-01.

The tiny register (tests/data/tiny/register.csv) has its header on row 1 and
H5's only member, 阿尔拉且 (born 1999-05-05, waiting since 2025-03-01), on
row 14. In the units file (header row 1) unit A-301, H0's, is on row 4, moved
into on 2020-05-12. The day of the import is 2026-10-01.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from allocator.cli import main
from allocator.idnumber import check_digit
from allocator.importer import import_files
from allocator.register_update import compare_register

TINY = Path(__file__).parent / "data" / "tiny"
TODAY = dt.date(2026, 10, 1)
H5_ID = "513431199905050273"


def _edited(source: Path, target: Path, key: str, changes: dict[str, str]) -> Path:
    """A copy of ``source`` with the cells ``changes`` (header -> value) set
    on the row whose first cell is ``key``."""
    lines = source.read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].split(",")
    rows = [lines[0]]
    for line in lines[1:]:
        cells = line.split(",")
        if cells[0] == key:
            for column, value in changes.items():
                cells[header.index(column)] = value
        rows.append(",".join(cells))
    target.write_text("\n".join(rows) + "\n", encoding="utf-8-sig")
    return target


def _h5_born(day: str) -> dict[str, str]:
    """H5's head born on ``day`` (YYYY-MM-DD), with an ID number that matches
    (same sequence 027, male, its right check digit)."""
    first17 = "513431" + day.replace("-", "") + "027"
    return {"出生日期": day, "身份证号": first17 + check_digit(first17)}


def _import(tmp_path, tiny_inputs, register=None, units=None, today=TODAY):
    inputs = dataclasses.replace(
        tiny_inputs, register=register or tiny_inputs.register,
        units=units or tiny_inputs.units, today=today)
    return import_files(inputs)


def _errors(result) -> list[tuple]:
    return [(Path(p.file).name, p.row, p.column, p.message) for p in result.errors]


@pytest.mark.parametrize("changes, column, start", [
    (_h5_born("2099-01-01"), "出生日期",
     "birth date 2099-01-01 is after the day of this import (2026-10-01): a "
     "date in the future. Correct it from the 户口簿"),
    (_h5_born("1850-01-01"), "出生日期",
     "birth date 1850-01-01 is before 1900-01-01, which cannot be right (a "
     "mistyped year?); correct it from the 户口簿"),
    ({"轮候登记日期": "2031-05-05"}, "轮候登记日期",
     "household H5's waiting-list date 2031-05-05 is after the day of this "
     "import (2026-10-01): a date in the future. Correct it from the "
     "waiting-list record"),
    ({"轮候登记日期": "1850-01-01"}, "轮候登记日期",
     "household H5's waiting-list date 1850-01-01 is before 1900-01-01"),
])
def test_an_impossible_register_date_is_refused(tmp_path, tiny_inputs, changes,
                                                column, start):
    register = _edited(TINY / "register.csv", tmp_path / "r.csv", "H5", changes)
    result = _import(tmp_path, tiny_inputs, register=register)
    assert result.project is None
    ((name, row, where, message),) = _errors(result)
    assert (name, row, where) == ("r.csv", 14, column)
    assert message.startswith(start)


def test_a_future_date_names_the_option_for_the_day(tmp_path, tiny_inputs):
    register = _edited(TINY / "register.csv", tmp_path / "r.csv", "H5",
                       {"轮候登记日期": "2031-05-05"})
    (error,) = _import(tmp_path, tiny_inputs, register=register).errors
    assert error.message.endswith(
        "or give the day the file was made with --date YYYY-MM-DD")


@pytest.mark.parametrize("changes", [
    _h5_born("2026-10-01"), _h5_born("1900-01-01"),
    {"轮候登记日期": "2026-10-01"}, {"轮候登记日期": "1900-01-01"},
])
def test_the_day_itself_and_1900_01_01_are_accepted(tmp_path, tiny_inputs,
                                                    changes):
    register = _edited(TINY / "register.csv", tmp_path / "r.csv", "H5", changes)
    assert _import(tmp_path, tiny_inputs, register=register).errors == []


@pytest.mark.parametrize("day, start", [
    ("2027-01-01", "move-in date 2027-01-01 is after the day of this import "
     "(2026-10-01)"),
    ("1850-01-01", "move-in date 1850-01-01 is before 1900-01-01"),
])
def test_an_impossible_move_in_date_is_refused(tmp_path, tiny_inputs, day, start):
    units = _edited(TINY / "units.csv", tmp_path / "u.csv", "A-301",
                    {"入住日期": day})
    result = _import(tmp_path, tiny_inputs, units=units)
    assert result.project is None
    ((name, row, column, message),) = _errors(result)
    assert (name, row, column) == ("u.csv", 4, "入住日期")
    assert message.startswith(start)


def test_validate_takes_the_day_from_date(tmp_path, tiny_inputs, capsys):
    register = _edited(TINY / "register.csv", tmp_path / "r.csv", "H5",
                       {"轮候登记日期": "2026-06-01"})
    files = ["--register", str(register), "--sites", str(tiny_inputs.sites),
             "--units", str(tiny_inputs.units), "--facilities",
             str(tiny_inputs.facilities), "--county", str(tiny_inputs.county)]
    assert main(["validate", *files, "--date", "2026-05-31"]) == 1
    err = capsys.readouterr().err
    assert (f"{register}:14:轮候登记日期: 错误 error: household H5's waiting-list "
            "date 2026-06-01 is after the day of this import (2026-05-31)") in err
    assert "Traceback" not in err
    assert main(["validate", *files, "--date", "2026-06-01"]) == 0
    # import refuses too, and writes nothing
    out = tmp_path / "p.gpkg"
    assert main(["import", *files, "--date", "2026-05-31", "--out", str(out)]) == 1
    assert not out.exists()


def test_a_register_update_refuses_a_waiting_date_before_1900(tmp_path,
                                                              tiny_project):
    register = _edited(TINY / "register.csv", tmp_path / "r.csv", "H5",
                       {"轮候登记日期": "1850-01-01"})
    diff = compare_register(tiny_project, register, today=TODAY)
    (error,) = diff.errors
    assert (error.row, error.column) == (14, "轮候登记日期")
    assert error.message.startswith(
        "household H5's waiting-list date 1850-01-01 is before 1900-01-01")
    assert diff.changes == []


def test_the_sample_county_still_validates_clean(sample_import):
    # The fixture imports the bundled county with today's date and asserts no
    # errors; its dates lie between these bounds.
    members = sample_import.members["birth_date"]
    waiting = sample_import.households["waiting_since"].dropna()
    assert members.min() >= "1900-01-01" and waiting.min() >= "1900-01-01"
    assert max(members.max(), waiting.max()) <= dt.date.today().isoformat()
