"""Register headers the tool does not know, and register updates that would
wipe a column, are named instead of read as empty (from a new user's trial).

The tiny register (tests/data/tiny/register.csv) has its columns in this
order: A 户号, B 姓名, C 身份证号, D 与户主关系, E 性别, F 出生日期, G 安置类别,
H 残疾, I 年收入, J 稳定就业年限, K 原居住村, L 原居住乡镇, M 现属乡镇,
N 轮候登记日期. Its six households H0..H5 all have an income; only H1's head
is disabled (肢体一级); H0 (2), H2 (1) and H3 (1) have stable job years.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from allocator.cli import main
from allocator.importer import import_files
from allocator.project import load_project, save_project
from allocator.register_update import compare_register

TINY = Path(__file__).parent / "data" / "tiny"
UPDATE = Path(__file__).parent / "data" / "register_update" / "register_2026_11.csv"


def _register(tmp_path: Path, source: Path = TINY / "register.csv", name="r.csv",
              **renamed: str) -> Path:
    """A copy of a register CSV with header cells renamed (old=new)."""
    lines = source.read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].split(",")
    lines[0] = ",".join(renamed.get(h, h) for h in header)
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return path


def _without_column(tmp_path: Path, column: str) -> Path:
    lines = (TINY / "register.csv").read_text(encoding="utf-8-sig").splitlines()
    at = lines[0].split(",").index(column)
    kept = [",".join(c for i, c in enumerate(line.split(",")) if i != at)
            for line in lines]
    path = tmp_path / "without.csv"
    path.write_text("\n".join(kept) + "\n", encoding="utf-8-sig")
    return path


def _header_warnings(problems) -> list:
    return [p for p in problems if p.severity == "warning" and p.row == 1]


# --- import and validate: unknown headers are named ---------------------------


def test_a_known_register_has_no_header_warning(tiny_inputs):
    result = import_files(tiny_inputs)
    assert _header_warnings(result.problems) == []


def test_renamed_headers_are_named_with_letter_and_meant_header(tmp_path,
                                                                 tiny_inputs):
    register = _register(tmp_path, **{"残疾": "残 疾", "年收入": "年收入(元)"})
    result = import_files(dataclasses.replace(tiny_inputs, register=register))
    assert result.errors == []  # a warning: the import still works
    found = {p.column: p for p in _header_warnings(result.problems)}
    assert set(found) == {"H", "I"}
    assert found["H"].file == str(register)
    assert "'残 疾'" in found["H"].message
    assert "did you mean 残疾 (disability)" in found["H"].message
    assert "'年收入(元)'" in found["I"].message
    assert "did you mean 年收入 (annual_income)" in found["I"].message
    # What the warning is about: the data of those columns was not read.
    project = result.project
    assert project.households["annual_income"].isna().all()
    assert set(project.members["disability"]) == {"无"}


def test_an_english_near_miss_and_a_full_width_bracket(tmp_path, tiny_inputs):
    register = _register(tmp_path, **{"残疾": "Disabled", "年收入": "年收入（万元）"})
    result = import_files(dataclasses.replace(tiny_inputs, register=register))
    found = {p.column: p.message for p in _header_warnings(result.problems)}
    assert "did you mean 残疾 (disability)" in found["H"]
    assert "did you mean 年收入 (annual_income)" in found["I"]


def test_an_unrelated_column_is_named_without_a_guess(tmp_path, tiny_inputs):
    lines = (TINY / "register.csv").read_text(encoding="utf-8-sig").splitlines()
    register = tmp_path / "extra.csv"
    register.write_text("\n".join(
        [lines[0] + ",联系电话"] + [line + ",13800000000" for line in lines[1:]])
        + "\n", encoding="utf-8-sig")
    result = import_files(dataclasses.replace(tiny_inputs, register=register))
    assert result.errors == []
    (warning,) = _header_warnings(result.problems)
    assert warning.column == "O"  # the 15th column
    assert "'联系电话' is not a known column" in warning.message
    assert "did you mean" not in warning.message


def test_a_units_header_near_miss_is_named_an_extra_column_said_ignored(
        tmp_path, tiny_inputs):
    # The units table is made for the tool, as the register is: a column it
    # does not read is named (a new user's 是否无障碍 and 入住时间 lost every
    # accessible unit and move-in date without a word), a near miss with the
    # header meant.
    lines = (TINY / "units.csv").read_text(encoding="utf-8-sig").splitlines()
    units = tmp_path / "units.csv"
    header = lines[0].replace("无障碍", "无 障碍") + ",备注"
    units.write_text("\n".join([header] + [line + "," for line in lines[1:]])
                     + "\n", encoding="utf-8-sig")
    result = import_files(dataclasses.replace(tiny_inputs, units=units))
    found = [p for p in _header_warnings(result.problems) if p.file == str(units)]
    assert [(p.column, "did you mean 无障碍 (accessible)" in p.message)
            for p in found] == [("F", True), ("J", False)]
    assert found[1].message.startswith("column J header '备注' is not a known "
                                       "column, so its values are ignored")
    assert found[1].message.endswith("otherwise it may stay")
    assert result.project is not None  # warnings only


def test_validate_prints_the_header_warning(tmp_path, tiny_inputs, capsys):
    register = _register(tmp_path, **{"残疾": "残 疾"})
    code = main(["validate", "--register", str(register), "--sites",
                 str(tiny_inputs.sites), "--units", str(tiny_inputs.units),
                 "--facilities", str(tiny_inputs.facilities), "--county",
                 str(tiny_inputs.county)])
    err = capsys.readouterr().err
    assert code == 0
    assert f"{register}:1:H: 警告 warning: column H header '残 疾'" in err


# --- register updates: a missing column the project holds is refused ---------


def test_a_renamed_column_the_project_holds_is_refused(tmp_path, tiny_project):
    register = _register(tmp_path, **{"残疾": "Disabled", "年收入": "年收入(元)"})
    diff = compare_register(tiny_project, register, today=dt.date(2026, 11, 20))
    errors = {p.column: p.message for p in diff.errors}
    assert set(errors) == {"残疾", "年收入"}
    assert "no column 年收入 (annual_income)" in errors["年收入"]
    assert "for 6 household(s)" in errors["年收入"]
    assert "for 1 household(s)" in errors["残疾"]
    assert "rename that header to 残疾" in errors["残疾"]
    assert diff.changes == []


def test_a_deleted_column_is_refused_too(tmp_path, tiny_project):
    diff = compare_register(tiny_project, _without_column(tmp_path, "稳定就业年限"))
    (error,) = diff.errors
    assert error.column == "稳定就业年限"
    assert "for 3 household(s)" in error.message  # H0, H2 and H3


def test_a_column_the_project_never_had_is_not_needed(tiny_project):
    # The tiny register has no 意向安置点 / 低楼层意愿 and neither has the
    # project: nothing to lose.
    assert compare_register(tiny_project, TINY / "register.csv").problems == []


def test_an_empty_column_under_the_right_header_clears_on_purpose(tmp_path,
                                                                  tiny_project):
    lines = (TINY / "register.csv").read_text(encoding="utf-8-sig").splitlines()
    at = lines[0].split(",").index("年收入")
    emptied = [lines[0]] + [",".join("" if i == at else c for i, c in
                                     enumerate(line.split(",")))
                            for line in lines[1:]]
    register = tmp_path / "emptied.csv"
    register.write_text("\n".join(emptied) + "\n", encoding="utf-8-sig")
    diff = compare_register(tiny_project, register)
    assert diff.errors == []
    assert diff.lines()[0] == "H0  变更 changed  年收入: 30000 → —"
    assert len(diff.changes) == 6


def test_register_command_refuses_and_changes_nothing(tmp_path, tiny_project,
                                                      capsys):
    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    stored = path.read_bytes()
    register = _register(tmp_path, **{"年收入": "年收入(元)"})
    assert main(["register", str(path), str(register), "--apply", "--reason",
                 "户籍核对"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert f"{register}:年收入: 错误 error: the updated register has no column " \
        "年收入" in err
    assert f"{register}:1:I: 警告 warning: column I header '年收入(元)'" in err
    assert "nothing compared or changed" in err
    assert path.read_bytes() == stored


# --- --apply needs --reason ---------------------------------------------------


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_apply_without_a_reason_is_a_usage_error(tmp_path, tiny_project, capsys,
                                                 reason):
    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    stored = path.read_bytes()
    args = ["register", str(path), str(UPDATE), "--apply"]
    if reason is not None:
        args += ["--reason", reason]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "--apply needs --reason" in err and "Traceback" not in err
    assert path.read_bytes() == stored
    assert len(load_project(path).ledger) == len(tiny_project.ledger)


# --- births -------------------------------------------------------------------
# 吉克阿依 (H0), new in the update, was born on 2026-08-15.


@pytest.mark.parametrize(("today", "label"), [
    (dt.date(2026, 11, 20), "出生 born"),
    (dt.date(2027, 8, 15), "出生 born"),        # exactly one year: still a birth
    (dt.date(2027, 8, 16), "新增成员 added"),   # over a year old: joined
])  # not yet born on the day: refused (tests/test_register_edges.py)
def test_a_new_member_born_within_the_year_is_a_birth(tiny_project, today, label):
    (h0,) = [c for c in compare_register(tiny_project, UPDATE, today=today).changes
             if c.household_id == "H0"]
    assert h0.text().startswith(
        f"H0  变更 changed  {label}: 吉克阿依（女，2026-08-15）")


def test_a_year_before_29_february_is_28_february(tmp_path, tiny_project):
    lines = UPDATE.read_text(encoding="utf-8-sig").splitlines()
    # 吉克阿依 born 2027-02-28 instead (ID birth digits and check digit changed
    # by hand: ISO 7064 MOD 11-2 over 51343120270228008 gives 1).
    lines = [line.replace("513431202608150088,女,女,2026-08-15",
                          "513431202702280081,女,女,2027-02-28") for line in lines]
    register = tmp_path / "leap.csv"
    register.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    diff = compare_register(tiny_project, register, today=dt.date(2028, 2, 29))
    assert diff.errors == [], [str(p) for p in diff.errors]
    (h0,) = [c for c in diff.changes if c.household_id == "H0"]
    assert [p["name"] for p in h0.born] == ["吉克阿依"]
