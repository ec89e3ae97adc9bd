"""Register updates that must be refused rather than read: a person born
after the day of the update, and a 残疾 column left blank in every row.

The tiny register (tests/data/tiny/register.csv, columns A 户号 ... H 残疾 ...)
has one disability: H1's head 沙马木呷 (肢体一级), row 6. The update of
tests/data/register_update adds 吉克阿依 (H0), born 2026-08-15, on its row 6
(the header is row 1, H0's five members rows 2 to 6); every other date of
that file, waiting-list dates included, is earlier.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from allocator.cli import main
from allocator.project import load_project, save_project
from allocator.register_update import compare_register

TINY = Path(__file__).parent / "data" / "tiny"
UPDATE = Path(__file__).parent / "data" / "register_update" / "register_2026_11.csv"


def _with_column(tmp_path: Path, header: str, value, name="r.csv",
                 source: Path = TINY / "register.csv") -> Path:
    """A copy of a register with every cell of column ``header`` set to
    ``value`` (a function of the old cell, or a text)."""
    lines = source.read_text(encoding="utf-8-sig").splitlines()
    at = lines[0].split(",").index(header)
    rows = [lines[0]]
    for line in lines[1:]:
        cells = line.split(",")
        cells[at] = value(cells[at]) if callable(value) else value
        rows.append(",".join(cells))
    path = tmp_path / name
    path.write_text("\n".join(rows) + "\n", encoding="utf-8-sig")
    return path


# --- a birth date after the day of the update ---------------------------------


def test_a_person_born_after_the_update_is_refused(tiny_project):
    diff = compare_register(tiny_project, UPDATE, today=dt.date(2026, 8, 14))
    (error,) = diff.errors
    assert (error.file, error.row, error.column) == (str(UPDATE), 6, "出生日期")
    assert error.message.startswith(
        "吉克阿依 (household H0) was born on 2026-08-15, after the day of this "
        "update (2026-08-14): a date in the future.")
    assert "--date YYYY-MM-DD" in error.message
    assert diff.changes == []


def test_born_on_the_day_of_the_update_is_a_birth(tiny_project):
    diff = compare_register(tiny_project, UPDATE, today=dt.date(2026, 8, 15))
    assert diff.errors == []
    (h0,) = [c for c in diff.changes if c.household_id == "H0"]
    assert [p["name"] for p in h0.born] == ["吉克阿依"]


def test_a_future_birth_of_someone_already_listed_is_refused(tmp_path,
                                                             tiny_project):
    # H5's head (row 14) with a birth date typed in the future; the ID's
    # birth digits are changed with it (ISO 7064 MOD 11-2 over
    # 51343120270505027: weighted sum 251, 251 mod 11 = 9, check digit 3).
    lines = (TINY / "register.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[13].startswith("H5,阿尔拉且,513431199905050273")
    lines[13] = lines[13].replace("513431199905050273,户主,男,1999-05-05",
                                  "513431202705050273,户主,男,2027-05-05")
    assert "2027-05-05" in lines[13]
    register = tmp_path / "typo.csv"
    register.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    diff = compare_register(tiny_project, register, today=dt.date(2026, 11, 20))
    assert [(e.row, e.column) for e in diff.errors] == [(14, "出生日期")]
    assert "阿尔拉且 (household H5) was born on 2027-05-05" in diff.errors[0].message


def test_register_command_refuses_a_future_birth_and_changes_nothing(
        tmp_path, tiny_project, capsys):
    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    stored = path.read_bytes()
    assert main(["register", str(path), str(UPDATE), "--apply", "--reason",
                 "户籍核对", "--date", "2026-08-14"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert (f"{UPDATE}:6:出生日期: 错误 error: 吉克阿依 (household H0) was born "
            "on 2026-08-15, after the day of this update (2026-08-14)") in err
    assert "nothing compared or changed" in err and "Traceback" not in err
    assert path.read_bytes() == stored


# --- a 残疾 column blank in every row -----------------------------------------


def test_a_blank_disability_column_is_refused(tmp_path, tiny_project):
    register = _with_column(tmp_path, "残疾", "")
    diff = compare_register(tiny_project, register)
    (error,) = diff.errors
    assert (error.file, error.row, error.column) == (str(register), None, "残疾")
    assert "column 残疾 (disability) is empty in every row" in error.message
    assert "holds a disability for 1 household(s)" in error.message  # H1
    assert "write 无 in its cells" in error.message
    assert diff.changes == []


def test_a_column_of_none_clears_disabilities_on_purpose(tmp_path, tiny_project):
    register = _with_column(tmp_path, "残疾", "无")
    diff = compare_register(tiny_project, register)
    assert diff.errors == []
    assert diff.lines() == ["H1  变更 changed  沙马木呷 残疾: 肢体一级 → 无"]


def test_one_disability_left_makes_the_blank_cells_mean_none(tmp_path,
                                                             tiny_project):
    # Only H1's head keeps hers; the other cells are blank as on import.
    register = _with_column(tmp_path, "残疾",
                            lambda cell: cell if cell == "肢体一级" else "")
    diff = compare_register(tiny_project, register)
    assert diff.errors == [] and diff.changes == []


def test_a_blank_column_is_fine_when_the_project_holds_none(tmp_path,
                                                            tiny_project):
    tiny_project.members["disability"] = "无"
    diff = compare_register(tiny_project, _with_column(tmp_path, "残疾", ""))
    assert diff.errors == [] and diff.changes == []


@pytest.mark.parametrize("header", ["残疾", "disability"])
def test_register_command_refuses_the_blank_column(tmp_path, tiny_project,
                                                   capsys, header):
    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    stored = path.read_bytes()
    register = _with_column(tmp_path, "残疾", "")
    if header != "残疾":
        text = register.read_text(encoding="utf-8-sig")
        register.write_text(text.replace(",残疾,", f",{header},", 1),
                            encoding="utf-8-sig")
    assert main(["register", str(path), str(register), "--apply", "--reason",
                 "户籍核对"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert f"{register}:残疾: 错误 error: the updated register's column 残疾" in err
    assert "nothing compared or changed" in err
    assert path.read_bytes() == stored
    assert len(load_project(path).ledger) == len(tiny_project.ledger)


def test_one_blank_cell_that_clears_a_disability_is_named(tmp_path, tiny_project):
    # The project also holds 视力二级 for the first member of H3; the update
    # keeps H1's 肢体一级 and leaves H3's cell blank: it still reads as 无 (the
    # change is listed), with a warning naming the person and the cell.
    members = tiny_project.members
    first_h3 = members.index[members["household_id"] == "H3"][0]
    members.loc[first_h3, "disability"] = "视力二级"
    name = members.loc[first_h3, "name"]
    register = _with_column(tmp_path, "残疾",
                            lambda cell: cell if cell == "肢体一级" else "")
    diff = compare_register(tiny_project, register)
    assert diff.errors == []
    assert diff.lines() == [f"H3  变更 changed  {name} 残疾: 视力二级 → 无"]
    warnings = [p for p in diff.problems if p.severity == "warning"
                and p.column == "残疾"]
    assert len(warnings) == 1
    assert warnings[0].row is not None and warnings[0].row > 1
    assert name in warnings[0].message and "视力二级" in warnings[0].message
    assert "write 无" in warnings[0].message


# --- a 户号 typed in other letters ---------------------------------------------


def test_a_household_id_typed_in_lower_case_is_refused(tmp_path, tiny_project,
                                                       capsys):
    # Found by a new user: every row of a household re-keyed as "h2 " made it a
    # split (分户) into a new household "h2", which lost its allocation.
    path = _with_column(tmp_path, "户号", lambda cell: "h2 " if cell == "H2" else cell)
    diff = compare_register(tiny_project, path, today=dt.date(2026, 10, 1))
    assert [(e.column, e.message) for e in diff.errors] == [(
        "户号", "户号 'h2' is the project's household H2 typed in other letters or "
        "spacing; write it H2 on every row of the household (compared as it is, "
        "the household would be split off under a new 户号 and lose its "
        "allocation)")]
    assert diff.changes == []
    project = tmp_path / "p.gpkg"
    save_project(tiny_project, project)
    assert main(["register", str(project), str(path), "--apply", "--reason",
                 "测试"]) == 1
    assert "typed in other letters" in capsys.readouterr().err
    assert set(load_project(project).households["household_id"]) == {
        "H0", "H1", "H2", "H3", "H4", "H5"}
