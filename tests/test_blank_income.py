"""A blank 年收入 or 稳定就业年限 cell is blank, not a bad number, whether the
cell is empty in Excel or holds only spaces (the README: a column whose data
is gone is kept with empty cells)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from allocator.importer import _read_register
from tests.conftest import TINY


def test_blank_income_and_job_years_read_as_unknown(tmp_path):
    register = pd.read_csv(TINY / "register.csv", dtype=str, keep_default_na=False)
    heads = register["与户主关系"] == "户主"
    register.loc[heads, "年收入"] = "  "
    register.loc[heads, "稳定就业年限"] = ""
    path = tmp_path / "register.xlsx"
    register.to_excel(path, index=False)  # empty cells, as Excel keeps them
    members, households, problems = _read_register(path, None, dt.date(2026, 10, 1))
    assert [p for p in problems if "年收入" in str(p) or "稳定就业年限" in str(p)] == []
    assert households["annual_income"].isna().all()
    assert len(households) == heads.sum()


def test_a_word_in_the_income_column_is_still_refused(tmp_path):
    register = pd.read_csv(TINY / "register.csv", dtype=str, keep_default_na=False)
    register.loc[0, "年收入"] = "三万"
    path = tmp_path / "register.csv"
    register.to_csv(path, index=False, encoding="utf-8-sig")
    _members, _households, problems = _read_register(path, None, dt.date(2026, 10, 1))
    assert any("年收入" in str(p) and "'三万' is not a number" in str(p)
               for p in problems)


def test_an_income_or_job_years_out_of_range_is_refused_with_the_range(tmp_path):
    # 10^18 yuan a year and 500 years in a job are typing slips, not data:
    # each is refused at its row, with the range to use; 0 and the limits pass.
    register = pd.read_csv(TINY / "register.csv", dtype=str, keep_default_na=False)
    heads = register.index[register["与户主关系"] == "户主"]
    register.loc[heads[0], "年收入"] = "1000000000000000000"
    register.loc[heads[1], "稳定就业年限"] = "500"
    register.loc[heads[2], "年收入"] = "-1"
    register.loc[heads[3], "年收入"] = "100000000"
    register.loc[heads[3], "稳定就业年限"] = "80"
    register.loc[heads[4], "年收入"] = "0"
    path = tmp_path / "register.csv"
    register.to_csv(path, index=False, encoding="utf-8-sig")
    _members, households, problems = _read_register(path, None, dt.date(2026, 10, 1))
    found = sorted(str(p) for p in problems
                   if "年收入" in str(p) or "稳定就业年限" in str(p))
    rows = [int(i) + 2 for i in heads[:3]]  # the header is row 1
    assert found == sorted([
        f"{path}:{rows[0]}:年收入: 错误 error: 1000000000000000000 is not an income: "
        "give yuan a year from 0 to 100,000,000",
        f"{path}:{rows[1]}:稳定就业年限: 错误 error: 500 is not a number of years in "
        "a job: give years from 0 to 80",
        f"{path}:{rows[2]}:年收入: 错误 error: -1 is not an income: give yuan a "
        "year from 0 to 100,000,000"])


def _on_a_members_row(tmp_path, values):
    """The tiny register with ``values`` (column: text, or None for the
    head's own) on the first member's row; what the import says of it."""
    register = pd.read_csv(TINY / "register.csv", dtype=str, keep_default_na=False)
    first = register.index[register["与户主关系"] != "户主"][0]
    household = register.at[first, "户号"]
    head = register.index[(register["户号"] == household)
                          & (register["与户主关系"] == "户主")][0]
    for column, value in values.items():
        register.loc[first, column] = register.at[head, column] if value is None \
            else value
    path = tmp_path / "register.csv"
    register.to_csv(path, index=False, encoding="utf-8-sig")
    _members, households, problems = _read_register(path, None, dt.date(2026, 10, 1))
    named = [str(p) for p in problems if "member, not the head" in str(p)]
    return (f"{path}:{int(first) + 2}", household, register.loc[head],
            households.set_index("household_id").loc[household], named)


def test_an_income_on_a_members_row_is_named_not_read(tmp_path):
    # The household's income and years in a job are its head's; a figure typed
    # on another member's row is not read, and a warning names that row.
    row, household, head, read, named = _on_a_members_row(
        tmp_path, {"年收入": "88000", "稳定就业年限": None})  # the same years
    assert named == [
        f"{row}:年收入: 警告 warning: 88000 on the row of a member, not the head "
        f"(户主), is not read: household {household}'s 年收入 is the head's "
        f"({head['年收入'] or 'blank'}); write the household's value on the "
        "head's row"]
    income = read["annual_income"]
    assert (pd.isna(income) and not head["年收入"]) or income == float(head["年收入"])


def test_a_waiting_date_on_a_members_row_is_named_not_read(tmp_path):
    # The waiting-list date is the head's, like the income: a different date
    # on a member's row is not read, and the row is named.
    row, household, head, read, named = _on_a_members_row(
        tmp_path, {"轮候登记日期": "2018-01-01"})
    given = head["轮候登记日期"]
    assert named == [
        f"{row}:轮候登记日期: 警告 warning: 2018-01-01 on the row of a member, not "
        f"the head (户主), is not read: household {household}'s 轮候登记日期 is the "
        f"head's ({given or 'blank'}); write the household's value on the head's "
        "row"]
    assert read["waiting_since"] == (given or None)


def test_a_members_village_a_case_slip_and_a_total_row(tmp_path):
    # Found by a new user: a spouse's different 原居住村 was dropped without a
    # word, "t-001" for "T-001" was only "0 rows marked 户主", and a 合计 row at
    # the foot gave 7 errors.
    register = pd.read_csv(TINY / "register.csv", dtype=str, keep_default_na=False)
    spouse = register.index[(register["户号"] == "H0")
                            & (register["与户主关系"] == "配偶")][0]
    register.loc[spouse, "原居住村"] = "体口以洛村"
    son = register.index[(register["户号"] == "H2")
                         & (register["与户主关系"] == "子")][0]
    register.loc[son, "户号"] = "h2"
    total = {column: "" for column in register.columns}
    total.update({"户号": "合 计", "姓名": "13人"})
    register = pd.concat([register, pd.DataFrame([total])], ignore_index=True)
    path = tmp_path / "register.csv"
    register.to_csv(path, index=False, encoding="utf-8-sig")
    _members, households, problems = _read_register(path, None, dt.date(2026, 10, 1))
    said = [str(p) for p in problems]
    assert (f"{path}:{spouse + 2}:原居住村: 警告 warning: 体口以洛村 on the row of a "
            "member, not the head (户主), is not read: household H0's 原居住村 is "
            "the head's (阿土列尔村); write the household's value on the head's "
            "row") in said
    assert (f"{path}:{son + 2}:与户主关系: 错误 error: household h2 has 0 rows marked "
            f"户主 (rows {son + 2}); exactly one is needed; 户号 h2 differs from "
            "another household's only in letters or spacing (did you mean "
            "H2?)") in said
    assert (f"{path}:{len(register) + 1}:户号: 警告 warning: a 合 计 row (a total, "
            "not a person) is skipped; delete it from the register to be rid of "
            "this warning") in said
    assert not [p for p in said if "合 计" in p and "错误" in p]
