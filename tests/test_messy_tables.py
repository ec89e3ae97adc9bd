"""Registers as counties keep them in Excel: a title above the header row,
an instructions sheet first, Excel's "Unicode text" (UTF-16, tab-separated),
and files that are not tables at all."""

from __future__ import annotations

import csv
import dataclasses

import openpyxl
import pytest

from allocator.importer import import_files
from tests.conftest import TINY

REGISTER = list(csv.reader((TINY / "register.csv").open(encoding="utf-8-sig")))
TITLE = "昭觉县易地扶贫搬迁人员登记表"


def _import(tiny_inputs, register):
    return import_files(dataclasses.replace(tiny_inputs, register=register))


def _lines(result):
    return [str(problem) for problem in result.problems]


def _id_column():
    return REGISTER[0].index("身份证号")


def test_a_title_above_the_header_row_is_skipped_and_rows_keep_their_numbers(
        tiny_inputs, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([TITLE])
    sheet.append([])
    rows = [list(row) for row in REGISTER]
    rows[3][_id_column()] = rows[3][_id_column()][:-1] + (
        "1" if rows[3][_id_column()][-1] != "1" else "2")  # a wrong check digit
    for row in rows:
        sheet.append(row)
    path = tmp_path / "register.xlsx"
    book.save(path)
    result = _import(tiny_inputs, path)
    # The person of the register's 4th line (the file's row 6: title, blank,
    # header, then three people before it) is named by the row Excel shows.
    assert f"{path}:3: 警告 warning: the header row is row 3: rows 1-2 above " \
        "it, read as a title, are skipped" in _lines(result)
    assert any(line.startswith(f"{path}:6:身份证号:") and "check digit" in line
               for line in _lines(result)), _lines(result)
    assert result.project is None


def test_a_title_line_above_a_csv_header_is_skipped(tiny_inputs, tmp_path):
    path = tmp_path / "register.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        stream.write(TITLE + "," * (len(REGISTER[0]) - 1) + "\n")
        csv.writer(stream).writerows(REGISTER)
    result = _import(tiny_inputs, path)
    assert result.errors == []
    assert f"{path}:2: 警告 warning: the header row is row 2: row 1 above it, " \
        "read as a title, is skipped" in _lines(result)
    assert len(result.project.households) == 6
    assert len(result.project.members) == len(REGISTER) - 1


def test_an_instructions_sheet_first_reads_the_sheet_with_the_table(
        tiny_inputs, tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "填表说明"
    book.active.append(["本表为登记表，请勿修改表头"])
    table = book.create_sheet("登记表")
    for row in REGISTER:
        table.append(row)
    path = tmp_path / "register.xlsx"
    book.save(path)
    result = _import(tiny_inputs, path)
    assert result.errors == []
    assert f"{path}: 警告 warning: sheet '登记表' read: the first sheet '填表说明' " \
        "has no header row naming the columns" in _lines(result)
    assert len(result.project.members) == len(REGISTER) - 1


@pytest.mark.parametrize("titles", [("一区", "二区"), ("2025版", "2024版")])
def test_a_table_on_two_sheets_is_refused_naming_them(tiny_inputs, tmp_path, titles):
    # Found by a new user: a register (or units) split over sheets, or kept in
    # versions, was read from its first sheet alone: the other sheet's
    # households were left out with no word. Refused, naming the sheets; a
    # sheet of notes beside the table is no second table.
    book = openpyxl.Workbook()
    book.active.title = titles[0]
    book.active.append(REGISTER[0])
    for row in REGISTER[1:5]:
        book.active.append(row)
    other = book.create_sheet(titles[1])
    other.append(REGISTER[0])
    for row in REGISTER[5:]:
        other.append(row)
    book.create_sheet("说明").append(["本表为登记表"])
    path = tmp_path / "register.xlsx"
    book.save(path)
    result = _import(tiny_inputs, path)
    assert result.project is None
    assert [line for line in _lines(result) if "sheets" in line] == [
        f"{path}: 错误 error: sheets {titles[0]!r} and {titles[1]!r} each hold a "
        "table with these columns, and only one sheet is read: put every row on "
        f"sheet {titles[0]!r} (copy the other sheets' rows below its own) and "
        "delete the other sheets, or, for an older version, move it to another "
        "workbook; then import again"]
    del book[titles[1]]
    book.save(path)
    assert _import(tiny_inputs, path).errors == []


def test_merged_cells_in_the_table_are_refused_a_merged_title_is_not(
        tiny_inputs, tmp_path):
    # Found by a new user: 户号 or 楼栋 merged over a household's rows (as
    # registers are often laid out) read as empty in every row but the
    # first. Refused, naming the cells; a title merged across the columns
    # above the header is read as before.
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([TITLE])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1,
                      end_column=len(REGISTER[0]))
    for row in REGISTER:
        sheet.append(row)
    path = tmp_path / "register.xlsx"
    book.save(path)
    result = _import(tiny_inputs, path)
    assert result.errors == [], _lines(result)
    sheet.merge_cells("A3:A6")  # H0's four people under one 户号 cell
    book.save(path)
    result = _import(tiny_inputs, path)
    assert result.project is None
    assert _lines(result) == [
        f"{path}:3: 错误 error: cells A3:A6 of sheet 'Sheet' are merged: a merged "
        "cell's value is read in its first cell only and the others as empty; "
        "unmerge them (Home, Merge & Center) and fill every cell, then save the "
        "workbook again"]


def test_a_table_continued_on_a_sheet_with_no_header_is_warned_of(
        tiny_inputs, tmp_path):
    # Found by a new user: the register's last households on a sheet 续表
    # with no header row were left out with no word ("0 warnings").
    book = openpyxl.Workbook()
    for row in REGISTER[:5]:
        book.active.append(row)
    more = book.create_sheet("续表")
    for row in REGISTER[5:]:
        more.append(row)
    notes = book.create_sheet("说明")
    notes.append(["填表说明"])
    notes.append(["每人一行", "身份证号写全18位"])
    path = tmp_path / "register.xlsx"
    book.save(path)
    result = _import(tiny_inputs, path)
    assert f"{path}: 警告 warning: sheet '续表' holds rows of data that are not "  \
        "read (only sheet 'Sheet' is): if they belong to this table, copy them " \
        "below its rows and delete sheet '续表'; if not, move that sheet to " \
        "another workbook to silence this" in _lines(result)
    assert not [line for line in _lines(result) if "说明" in line]


def test_a_formula_with_no_saved_value_is_refused(tiny_inputs, tmp_path):
    # Found by a new user: a workbook written by a program, its formulas never
    # calculated (=5000+400 as 年收入), read them as empty: an income lost,
    # with no word.
    book = openpyxl.Workbook()
    for row in REGISTER:
        book.active.append(row)
    at = REGISTER[0].index("姓名") + 1
    book.active.cell(row=3, column=at, value='="阿"&"苦"')
    path = tmp_path / "register.xlsx"
    book.save(path)
    result = _import(tiny_inputs, path)
    assert result.project is None
    letter = openpyxl.utils.get_column_letter(at)
    assert _lines(result) == [
        f"{path}:3: 错误 error: cells {letter}3 of sheet 'Sheet' hold formulas whose "
        "values were never saved (the workbook was written by a program), so they "
        "read as empty; open the workbook in Excel or WPS and save it, or replace "
        "the formulas by their values"]


def test_a_header_row_missing_a_column_is_not_taken_for_a_title(
        tiny_inputs, tmp_path):
    # The first row names known columns: it is the header, and the missing
    # one is named, not looked for further down.
    path = tmp_path / "register.csv"
    at = _id_column()
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        csv.writer(stream).writerows([row[:at] + row[at + 1:] for row in REGISTER])
    result = _import(tiny_inputs, path)
    assert result.project is None
    assert any("missing column(s) 身份证号 (id_number)" in line
               for line in _lines(result)), _lines(result)
    assert not any("title" in line for line in _lines(result))


def test_excel_unicode_text_is_read_as_tab_separated(tiny_inputs, tmp_path):
    path = tmp_path / "register.txt"
    with path.open("w", encoding="utf-16", newline="") as stream:
        csv.writer(stream, delimiter="\t").writerows(REGISTER)
    result = _import(tiny_inputs, path)
    assert result.errors == [], _lines(result)
    assert sorted(result.project.members["id_number"]) == sorted(
        row[_id_column()] for row in REGISTER[1:])


@pytest.mark.parametrize("head, kind", [
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", "a PDF document"),
    (b"PK\x03\x04\x14\x00\x06\x00", "an Excel workbook or other zip file"),
    (b"\x00\x01\x02\x03binary", "a binary file")])
def test_a_file_that_is_no_table_is_named_for_what_it_is(tiny_inputs, tmp_path,
                                                          head, kind):
    path = tmp_path / "register.csv"
    path.write_bytes(head + bytes(range(256)) * 4)
    result = _import(tiny_inputs, path)
    assert result.project is None
    [line] = [line for line in _lines(result) if line.startswith(str(path))]
    assert line.startswith(f"{path}: 错误 error: is not a text table: it is {kind}")
    assert "save the table from Excel as CSV UTF-8" in line and "\n" not in line


def test_the_window_maps_the_header_row_below_a_title(tiny_inputs, tmp_path):
    # The import wizard reads the headers to map from the row the importer
    # reads them from, and its copy renames that row only.
    from ui.import_mapping import auto_mapping, read_headers, remapped_copy

    path = tmp_path / "register.csv"
    header = list(REGISTER[0])
    header[header.index("户号")] = "家庭编号"  # a county's own header
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        stream.write(TITLE + "," * (len(header) - 1) + "\n")
        csv.writer(stream).writerows([header] + REGISTER[1:])
    headers = read_headers(path)
    assert headers == header
    mapping = auto_mapping("register", headers)
    assert mapping["家庭编号"] is None  # not a template header: mapped by hand
    mapping["家庭编号"] = "household_id"
    copy = remapped_copy("register", path, mapping, tmp_path / "copy")
    lines = copy.read_text(encoding="utf-8-sig").split("\n")
    assert lines[0].startswith(TITLE)
    assert lines[1].split(",")[REGISTER[0].index("户号")] == "户号"
    result = _import(tiny_inputs, copy)
    assert result.errors == [], _lines(result)
    assert len(result.project.households) == 6

    book = openpyxl.Workbook()
    book.active.title = "填表说明"
    book.active.append(["本表为登记表，请勿修改表头"])
    table = book.create_sheet("登记表")
    table.append([TITLE])
    for row in REGISTER:
        table.append(row)
    workbook = tmp_path / "register.xlsx"
    book.save(workbook)
    assert read_headers(workbook) == REGISTER[0]


def test_a_name_the_pdf_font_cannot_print_is_warned_at_import(
        tiny_inputs, tmp_path, monkeypatch):
    from allocator.fonts import bundled_font

    monkeypatch.setenv("ALLOCATOR_PDF_FONT", str(bundled_font().path))
    rows = [list(row) for row in REGISTER]
    name = REGISTER[0].index("姓名")
    rows[2][name] = "𠮷祥"  # file row 3; U+20BB7 is not in the bundled font
    household = rows[2][REGISTER[0].index("户号")]
    path = tmp_path / "register.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        csv.writer(stream).writerows(rows)
    result = _import(tiny_inputs, path)
    assert result.project is not None  # a warning: the import goes on
    assert [line for line in _lines(result) if "PDF font" in line] == [
        f"{path}:3:姓名: 警告 warning: '𠮷祥' has 𠮷 (U+20BB7), which the PDF font "
        f"({bundled_font().name}) cannot print: the order of household "
        f"{household} will not export until a font that has it is installed or "
        "named by ALLOCATOR_PDF_FONT"]


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_a_header_written_twice_reads_the_first_column(tiny_inputs, tmp_path,
                                                         suffix):
    # A second 姓名 column (a copy kept at the right, say): the first is read,
    # and the warning names the header as the file writes it.
    rows = [list(row) + [row[REGISTER[0].index("姓名")] if i == 0 else "别名"]
            for i, row in enumerate(REGISTER)]
    path = tmp_path / f"register{suffix}"
    if suffix == ".xlsx":
        book = openpyxl.Workbook()
        for row in rows:
            book.active.append(row)
        book.save(path)
    else:
        with path.open("w", encoding="utf-8-sig", newline="") as stream:
            csv.writer(stream).writerows(rows)
    result = _import(tiny_inputs, path)
    assert result.errors == [], _lines(result)
    letter = openpyxl.utils.get_column_letter(len(rows[0]))
    assert f"{path}:1:{letter}: 警告 warning: column {letter} '姓名' repeats column " \
        "'姓名' (name); only the first is read, so delete one of them" in \
        _lines(result)
    names = sorted(result.project.members["name"])
    assert names == sorted(row[REGISTER[0].index("姓名")] for row in REGISTER[1:])


def test_a_field_under_both_its_names_reads_the_first(tiny_inputs, tmp_path):
    # Found by a new user: 年收入 and annual_income side by side gave one
    # error per row quoting pandas' dump of both cells. The second is ignored
    # with its warning, and every figure comes from the first.
    header = list(REGISTER[0])
    at = header.index("年收入")
    rows = [header + ["annual_income"]] + [list(row) + ["999999"]
                                           for row in REGISTER[1:]]
    path = tmp_path / "register.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        csv.writer(stream).writerows(rows)
    result = _import(tiny_inputs, path)
    assert result.errors == [], _lines(result)
    letter = openpyxl.utils.get_column_letter(len(rows[0]))
    assert [line for line in _lines(result) if "repeats" in line] == [
        f"{path}:1:{letter}: 警告 warning: column {letter} 'annual_income' repeats "
        "column '年收入' (annual_income); only the first is read, so delete one "
        "of them"]
    incomes = result.project.households["annual_income"].tolist()
    first = {row[0]: row[at] for row in REGISTER[1:] if row[at] not in ("", None)}
    assert 999999 not in incomes
    assert len(first) and all(float(v) in incomes for v in first.values())


def test_headers_read_in_the_wrong_encoding_say_so(tiny_inputs, tmp_path):
    # Found by a new user: a UTF-8 register read as Latin-1 gave sixteen
    # "not a known column" warnings and no word about the encoding.
    path = tmp_path / "register.csv"
    with path.open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream).writerows(REGISTER)
    result = import_files(dataclasses.replace(tiny_inputs, register=path,
                                              encoding="latin-1"))
    assert result.project is None
    hint = [line for line in _lines(result) if "wrong text encoding" in line]
    garbled = "户号".encode().decode("latin-1")  # the first header, as read
    assert hint == [
        f"{path}:1: 警告 warning: headers such as {garbled!r} look like Chinese "
        "read in the wrong text encoding; give the file's encoding (--encoding "
        "utf-8, gbk or big5; in the window, the encoding box) or save the file as "
        "UTF-8"]
    # Read as what it is, nothing of the kind is said.
    right = _import(tiny_inputs, path)
    assert right.errors == [] and not [
        line for line in _lines(right) if "wrong text encoding" in line]


def test_a_floor_0_is_questioned_and_a_negative_area_said_once(tiny_inputs,
                                                                tmp_path):
    # Found by a new user: floor 0 passed silently, and an occupied unit of
    # -5 m² got, besides its error, a warning that its household "lives in
    # -5 m²".
    text = (tiny_inputs.units).read_text(encoding="utf-8-sig").splitlines()
    rows = [line.split(",") for line in text]
    at = {name: i for i, name in enumerate(rows[0])}
    for row in rows[1:]:
        if row[at["房号"]] == "A-101":
            row[at["楼层"]] = "0"
        if row[at["房号"]] == "A-201":
            row[at["楼层"]] = "-2"
        if row[at["状态"]] == "已入住":
            row[at["面积"]] = "-5"
            occupied = row[at["房号"]]
    path = tmp_path / "units.csv"
    path.write_text("\n".join(",".join(row) for row in rows), encoding="utf-8-sig")
    result = import_files(dataclasses.replace(tiny_inputs, units=path))
    lines = [line for line in _lines(result) if str(path) in line]
    line_of = {row[at["房号"]]: i + 2 for i, row in enumerate(rows[1:])}
    assert lines == [
        f"{path}:{line_of['A-101']}:楼层: 警告 warning: floor 0: the ground floor "
        "is 1 and a basement -1; check the floor (it counts as a low floor)",
        f"{path}:{line_of['A-201']}:楼层: 警告 warning: floor -2: a basement (the "
        "ground floor is 1); it counts as a low floor for households that need "
        "one; check the floor, and mark the unit 预留 if it is not to be "
        "allocated",
        f"{path}:{line_of[occupied]}:面积: 错误 error: '-5': area must be a "
        "positive number of m²"]


def _two_level(header):
    """Group titles above the field names, 户号 in the upper row only (a
    cell merged over both rows, as Excel keeps it)."""
    upper = ["户号"] + ["家庭成员信息"] + [None] * (len(header) - 2)
    lower = [None] + list(header[1:])
    return upper, lower


def test_a_header_on_two_rows_is_read_from_the_field_names(tiny_inputs, tmp_path):
    assert REGISTER[0][0] == "户号"
    upper, lower = _two_level(REGISTER[0])
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(upper)
    sheet.append(lower)
    sheet.merge_cells("A1:A2")
    for row in REGISTER[1:]:
        sheet.append(row)
    workbook = tmp_path / "register.xlsx"
    book.save(workbook)
    table = tmp_path / "register.csv"
    with table.open("w", encoding="utf-8-sig", newline="") as stream:
        csv.writer(stream).writerows([upper, lower] + REGISTER[1:])
    for path in (workbook, table):
        result = _import(tiny_inputs, path)
        assert result.errors == [], _lines(result)
        assert f"{path}:2: 警告 warning: the header row is row 2: row 1 above " \
            "it, read as a title, is skipped" in _lines(result)
        assert sorted(result.project.households["household_id"]) == sorted(
            {row[0] for row in REGISTER[1:]})


def test_unicode_text_with_a_comma_in_its_title_is_still_tab_separated(
        tiny_inputs, tmp_path):
    path = tmp_path / "register.txt"
    with path.open("w", encoding="utf-16", newline="") as stream:
        stream.write(TITLE + "，截至2026年11月30日,共6户\t\n")
        csv.writer(stream, delimiter="\t").writerows(REGISTER)
    result = _import(tiny_inputs, path)
    assert result.errors == [], _lines(result)
    assert len(result.project.members) == len(REGISTER) - 1


def test_the_window_reads_headers_where_the_importer_does(tmp_path):
    # An instructions sheet whose first row happens to hold 户号 and 说明 (a
    # facilities header): the register's table is still the second sheet.
    from ui.import_mapping import read_headers

    book = openpyxl.Workbook()
    book.active.title = "填表说明"
    book.active.append(["户号", "说明"])
    book.active.append(["ZJ-000001", "每户一行"])
    table = book.create_sheet("登记表")
    for row in REGISTER:
        table.append(row)
    workbook = tmp_path / "register.xlsx"
    book.save(workbook)
    assert read_headers(workbook, kind="register") == REGISTER[0]

    unicode_text = tmp_path / "register.txt"
    with unicode_text.open("w", encoding="utf-16", newline="") as stream:
        csv.writer(stream, delimiter="\t").writerows(REGISTER)
    assert read_headers(unicode_text, kind="register") == REGISTER[0]

    renamed = tmp_path / "units.csv"
    renamed.write_bytes(b"%PDF-1.4\n" + bytes(range(256)))
    with pytest.raises(ValueError, match="is not a text table: it is a PDF "
                                         "document"):
        read_headers(renamed, kind="units")
