"""Messy real files: each is taken or refused clearly (tests/data/messy)."""

from __future__ import annotations

import pytest

from allocator.importer import ImportInputs, import_files
from gis.readers import read_spatial, read_table
from tests.conftest import TINY, TINY_TODAY

MESSY = TINY.parent / "messy"


def _inputs(**changes) -> ImportInputs:
    inputs = ImportInputs(register=TINY / "register.csv", sites=TINY / "sites.geojson",
                          units=TINY / "units.csv", facilities=TINY / "facilities.csv",
                          county=TINY / "county.geojson")
    for key, value in changes.items():
        setattr(inputs, key, value)
    return inputs


def _lines(result, severity=None):
    return [str(p) for p in result.problems
            if severity is None or p.severity == severity]


@pytest.mark.parametrize("case", ["shp_gbk_right_cpg", "shp_gbk_no_cpg",
                                  "shp_gbk_wrong_cpg"])
def test_gbk_shapefile_names_whatever_the_cpg_says(case):
    frame, problems = read_spatial(MESSY / case / "f.shp")
    assert list(frame.columns) == ["设施编号", "名称", "类型", "容量", "geometry"]
    assert list(frame["名称"]) == ["第一幼儿园", "城关二小"]
    said = " ".join(str(p) for p in problems)
    assert "GB18030" in said
    if case != "shp_gbk_right_cpg":
        assert any(p.severity == "warning" for p in problems)


def test_utf8_shapefile_with_a_gbk_cpg_is_read_as_utf8():
    frame, problems = read_spatial(MESSY / "shp_utf8_cpg_says_gbk" / "f.shp")
    assert list(frame["name"]) == ["第一幼儿园", "城关二小"]
    assert "the .cpg says GBK but the text is UTF-8" in str(problems[0])


def test_shapefile_encoding_can_be_overridden():
    frame, problems = read_spatial(MESSY / "shp_utf8_cpg_says_gbk" / "f.shp",
                                   encoding="gbk")
    assert list(frame["name"]) != ["第一幼儿园", "城关二小"]  # the user's choice wins
    assert "text read as gbk (--encoding)" in str(problems[0])


def test_csv_encodings_give_identical_columns():
    frames = [read_table(MESSY / name)[0] for name in
              ("register_utf8_bom.csv", "register_utf8.csv", "register_gbk.csv")]
    assert list(frames[0].columns)[0] == "户号"
    for frame in frames[1:]:
        assert list(frame.columns) == list(frames[0].columns)
        assert frame.equals(frames[0])
    assert read_table(MESSY / "register_gbk.csv")[1] == "gb18030"


def test_id_number_cases_by_row():
    result = import_files(_inputs(register=MESSY / "register_ids.csv"))
    lines = _lines(result)
    path = MESSY / "register_ids.csv"

    def has(row, text):
        return any(line.startswith(f"{path}:{row}:身份证号:") and text in line
                   for line in lines)

    assert has(2, "warning: lowercase x changed to X")
    assert has(3, "17 characters, 18 expected")
    assert has(4, "check digit is")
    assert has(5, "full-width characters or spaces normalised")
    assert has(5, "duplicate ID number, also on row 2")
    assert has(6, "birth date in the ID number (1990-02-14) differs")
    assert not any(f"{path}:7:" in line for line in lines)  # a real X is kept
    assert result.project is None


def test_excel_number_id_names_its_row():
    result = import_files(_inputs(register=MESSY / "register_numeric_id.xlsx"))
    assert any("register_numeric_id.xlsx:3:身份证号:" in line
               and "stored as a number" in line for line in _lines(result, "error"))


def test_full_width_numbers_parse_and_words_are_refused():
    result = import_files(_inputs(register=MESSY / "register_numbers.csv",
                                  units=MESSY / "units_messy.csv"))
    errors = _lines(result, "error")
    assert any("register_numbers.csv:6:稳定就业年限:" in e and "'三年'" in e
               for e in errors)
    assert any("units_messy.csv:3:面积:" in e and "'七十五'" in e for e in errors)
    assert any("units_messy.csv:5:房号:" in e and "duplicate" in e for e in errors)
    assert not any("register_numbers.csv:2:" in e for e in errors)  # ３０，０００
    assert not any("units_messy.csv:2:" in e for e in errors)        # ５０


def test_gcj02_column_with_latitude_first_is_converted():
    frame, problems = read_spatial(MESSY / "facilities_gcj02_column.csv")
    assert problems == []
    truth, _ = read_spatial(TINY / "facilities.csv")
    shift = truth.to_crs("EPSG:4543").distance(frame.to_crs("EPSG:4543"))
    assert shift.max() < 0.5


def test_outside_china_and_duplicate_ids():
    result = import_files(_inputs(
        facilities=MESSY / "facilities_outside_and_duplicate.csv"))
    errors = _lines(result, "error")
    assert any(":3:经度/纬度:" in e and "outside China" in e for e in errors)
    assert any(":5:设施编号:" in e and "duplicate 设施编号 'K1', also on row 2" in e
               for e in errors)


def test_no_prj_is_refused_naming_crs_option():
    frame, problems = read_spatial(MESSY / "shp_no_prj" / "f.shp")
    assert frame.empty and "--crs EPSG:N" in str(problems[-1])
    frame, problems = read_spatial(MESSY / "shp_no_prj" / "f.shp", crs="EPSG:4490")
    assert len(frame) == 2


def test_bad_geometries_listed_and_repair_offered():
    frame, problems = read_spatial(MESSY / "sites_bad_geometry.geojson")
    lines = [str(p) for p in problems]
    assert any(":2:geometry:" in line and "安置点编号=S2 has no geometry (null)" in line
               for line in lines)
    assert any(":3:geometry:" in line and "Self-intersection" in line
               and "--repair-geometry" in line for line in lines)
    frame, problems = read_spatial(MESSY / "sites_bad_geometry.geojson", repair=True)
    assert frame.geometry.is_valid.all()
    assert [p.severity for p in problems if ":3:" in str(p)] == ["warning"]


def test_an_empty_or_broken_workbook_is_named_with_what_to_do(tmp_path):
    empty = tmp_path / "名册.xlsx"
    empty.write_bytes(b"")
    frame, _sheet, problems = read_table(empty)
    assert frame.empty
    assert [str(p) for p in problems] == [
        f"{empty}: 错误 error: is empty (0 bytes): it was not saved completely "
        "or was copied half-way; save or copy the workbook again"]
    broken = tmp_path / "坏.xlsx"
    broken.write_bytes(b"PK\x03\x04 not a workbook")
    _frame, _sheet, problems = read_table(broken)
    (problem,) = problems
    assert "is not a readable Excel workbook" in problem.message
    assert problem.message.endswith("open it in Excel and save it again as .xlsx")


def test_rows_hidden_in_excel_are_read_and_named(tmp_path):
    # A planner may hide a household's rows (or filter them out) meaning to
    # leave it out: they are read like the others, and a warning names them.
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["户号", "姓名"])
    for i in range(1, 16):
        sheet.append([f"H{i}", f"户主{i}"])
    for row in (3, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16):
        sheet.row_dimensions[row].hidden = True
    path = tmp_path / "register.xlsx"
    book.save(path)
    frame, _sheet, problems = read_table(path, headers=("户号",))
    assert len(frame) == 15
    assert [str(p) for p in problems] == [
        f"{path}:3: 警告 warning: 11 row(s) hidden in Excel (3, 7, 8, 9, 10, 11, "
        "12, 13, 14, 15 and 1 more) are read like the others; to leave a "
        "household out, delete its rows"]
    for row in (3, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16):
        sheet.row_dimensions[row].hidden = False
    book.save(path)
    assert read_table(path, headers=("户号",))[2] == []


def _metres(tmp_path):
    """The tiny county's sites as a GeoJSON in CGCS2000 GK zone 34 metres
    without a "crs" member, and its units with metres in 经度/纬度."""
    import json

    import geopandas as gpd
    import pandas as pd

    sites = gpd.read_file(TINY / "sites.geojson").to_crs("EPSG:4543")
    data = json.loads(sites.to_json())
    data.pop("crs", None)
    geojson = tmp_path / "sites.geojson"
    geojson.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    units = pd.read_csv(TINY / "units.csv", dtype=str)
    points = gpd.GeoSeries(gpd.points_from_xy(units["经度"].astype(float),
                                              units["纬度"].astype(float)),
                           crs="EPSG:4490").to_crs("EPSG:4543")
    units["经度"], units["纬度"] = points.x.round(2), points.y.round(2)
    table = tmp_path / "units.csv"
    units.to_csv(table, index=False, encoding="utf-8-sig")
    return geojson, table


def test_a_geojson_in_metres_without_a_crs_member_takes_crs(tmp_path):
    # Found by a new user: it was "declares EPSG:4326 ... give the right CRS
    # with --crs", and --crs changed nothing.
    geojson, _table = _metres(tmp_path)
    frame, problems = read_spatial(geojson)
    assert frame.empty and [str(p) for p in problems] == [
        f"{geojson}: 错误 error: has no \"crs\" member, so it is read as WGS84 "
        "degrees (the GeoJSON standard), but its coordinates are far outside "
        "±180: they are probably metres; give their CRS with --crs EPSG:N (for "
        "example --crs EPSG:4543 for CGCS2000 GK zone 34)"]
    frame, problems = read_spatial(geojson, crs="EPSG:4543")
    assert problems == []
    assert frame.total_bounds == pytest.approx([102.845, 28.025, 102.855, 28.045],
                                               abs=1e-6)
    # The tiny county's own GeoJSON (degrees, no "crs" member needed) is read
    # as before when --crs names metres for another file.
    frame, problems = read_spatial(TINY / "sites.geojson", crs="EPSG:4543")
    assert problems == [] and len(frame) == 1


def test_coordinate_columns_in_metres_are_read_in_the_projected_crs(tmp_path):
    _geojson, table = _metres(tmp_path)
    frame, problems = read_spatial(table)
    assert frame.empty and [str(p) for p in problems] == [
        f"{table}:经度/纬度: 错误 error: the columns hold coordinates beyond ±180, "
        "so not degrees (metres of a projection?): give their projected CRS with "
        "--crs EPSG:N (for example --crs EPSG:4543 for CGCS2000 GK zone 34)"]
    frame, problems = read_spatial(table, crs="EPSG:4543")
    degrees, _ = read_spatial(TINY / "units.csv")
    assert problems == [] and len(frame) == len(degrees) == 6
    assert frame.geometry.x.to_numpy() == pytest.approx(degrees.geometry.x, abs=1e-6)
    assert frame.geometry.y.to_numpy() == pytest.approx(degrees.geometry.y, abs=1e-6)
    # Degrees in the columns with --crs in metres (given for another file):
    # the columns are read as degrees, as their names say.
    frame, problems = read_spatial(TINY / "units.csv", crs="EPSG:4543")
    assert problems == [] and len(frame) == 6


def test_sites_read_in_the_wrong_zone_are_outside_the_county(tmp_path):
    # Found by a new user: with --crs naming the neighbouring GK zone, units
    # and facilities were warned as outside the county, the sites not.
    geojson, _table = _metres(tmp_path)  # zone 34 metres
    result = import_files(ImportInputs(
        register=TINY / "register.csv", sites=geojson, units=TINY / "units.csv",
        facilities=TINY / "facilities.csv", county=TINY / "county.geojson",
        crs="EPSG:4544"))  # zone 35: about 300 km off
    problems = [str(p) for p in result.problems]
    assert problems[0] == (
        f"{geojson}:1:geometry: 警告 warning: 1 features lie outside the county "
        "boundary (rows 1); check their coordinates and their coordinate system "
        "(--crs, --coords), or the --county file")
    # And so the units (in degrees, where they belong) are far from it.
    assert len(problems) == 2 and problems[1].startswith(
        f"{TINY / 'units.csv'}:2:经度/纬度: 警告 warning: 6 unit(s) lie more than "
        "1,000 m from their site's area: row 2 (A-101, 2")
    right = import_files(ImportInputs(
        register=TINY / "register.csv", sites=geojson, units=TINY / "units.csv",
        facilities=TINY / "facilities.csv", county=TINY / "county.geojson",
        crs="EPSG:4543"))
    assert right.problems == []


def test_a_head_under_18_is_named_but_taken(tmp_path):
    # Found by a new user: a 分户 whose 户主 was 13 went through without a
    # word. A minor may head a household (one left without parents), so the
    # import warns and goes on. H5's head, born 1999, becomes 13 on the
    # import day (ID number rewritten with the new birth digits).
    from allocator.idnumber import check_digit

    text = (TINY / "register.csv").read_text(encoding="utf-8-sig")
    first17 = "51343120130505027"
    text = text.replace("513431199905050273,户主,男,1999-05-05",
                        f"{first17}{check_digit(first17)},户主,男,2013-05-05")
    register = tmp_path / "register.csv"
    register.write_text(text, encoding="utf-8")
    inputs = _inputs(register=register)
    inputs.today = TINY_TODAY
    result = import_files(inputs)
    assert result.errors == []
    assert [line for line in _lines(result, "warning") if "户主" in line] == [
        f"{register}:14:与户主关系: 警告 warning: household H5's head (户主) "
        "阿尔拉且 is 13 years old on 2026-10-01: check that the 户主 row is the "
        "right person (a minor may head a household, e.g. one left without "
        "parents; keep it then)"]
    assert result.project is not None


def test_a_member_row_may_leave_the_category_blank(tmp_path):
    # Found by a new user: a member's blank 安置类别 gave both "several
    # categories; the head's is used" and an error refusing the file. The
    # household's category is its head's: a blank on a member's row is
    # taken, a blank on the head's row is an error that says so.
    text = (TINY / "register.csv").read_text(encoding="utf-8-sig")
    spouse = "H0,阿苦日哈,513431198706110048,配偶,女,1987-06-11,易地扶贫搬迁,"
    assert spouse in text
    register = tmp_path / "register.csv"
    register.write_text(text.replace(spouse, spouse.replace("易地扶贫搬迁", "")),
                        encoding="utf-8")
    result = import_files(_inputs(register=register))
    assert result.errors == []
    assert not [line for line in _lines(result) if "安置类别" in line]
    households = result.project.households.set_index("household_id")
    assert households.at["H0", "category"] == "易地扶贫搬迁"

    head = "H0,吉克阿呷,513431198503020034,户主,男,1985-03-02,易地扶贫搬迁,"
    register.write_text(text.replace(head, head.replace("易地扶贫搬迁", "")),
                        encoding="utf-8")
    result = import_files(_inputs(register=register))
    assert [str(p) for p in result.errors] == [
        f"{register}:2:安置类别: 错误 error: '': use one of 易地扶贫搬迁 / 工程搬迁 / "
        "生态移民 / 退役军人 (the head's row gives the household's)"]


def test_a_csv_row_of_empty_cells_is_skipped_as_in_excel(tmp_path):
    # Found by a new user: Excel saves a blank row of a sheet as ",,,,": the
    # CSV import refused it ("empty 户号") where the workbook's was skipped.
    lines = (TINY / "register.csv").read_text(encoding="utf-8-sig").splitlines()
    width = lines[0].count(",")
    lines.insert(5, "," * width)
    lines.insert(8, " ," * width)
    register = tmp_path / "register.csv"
    register.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = import_files(_inputs(register=register))
    assert result.errors == []
    assert len(result.project.members) == len(
        import_files(_inputs()).project.members)


def test_a_stray_carriage_return_in_a_csv_row_is_named(tmp_path):
    # Found by a new user: a lone carriage return inside a units row (a cell
    # edited with a line break) gave "unexpected Error: new-line character
    # seen in unquoted field" near the top of the file, and row errors on the
    # two halves further down. It is named on its own line, with what to do,
    # and nothing else is said about the file; inside quotes it is a line
    # break in the cell (named as such), and a file whose lines all end in a
    # carriage return reads as one ending in line feeds.
    lines = (TINY / "units.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) >= 4
    cut = lines[:]
    cells = cut[2].split(",")
    cells[1] += "\r"
    cut[2] = ",".join(cells)
    units = tmp_path / "units.csv"
    units.write_bytes(("\n".join(cut) + "\n").encode("utf-8"))
    result = import_files(_inputs(units=units))
    mine = [line for line in _lines(result) if "units.csv" in line]
    assert mine == [
        f"{units}:3: 错误 error: a line break (a lone carriage return) inside this "
        "row splits it in two; delete it in a text editor (or in Excel with Find "
        "and Replace, Ctrl+J) and save the file again"]

    quoted = lines[:]
    cells = quoted[2].split(",")
    cells[1] = f'"{cells[1]}\r"'
    quoted[2] = ",".join(cells)
    units.write_bytes(("\n".join(quoted) + "\n").encode("utf-8"))
    errors = [line for line in _lines(import_files(_inputs(units=units)), "error")
              if "units.csv" in line]
    assert len(errors) == 1 and "has a line break inside the cell" in errors[0]

    units.write_bytes(("\r".join(lines) + "\r").encode("utf-8"))
    result = import_files(_inputs(units=units))
    assert result.errors == []
    assert len(result.project.housing_units) == len(
        import_files(_inputs()).project.housing_units)


def test_a_csv_row_cut_or_joined_by_an_unquoted_separator_or_break(tmp_path):
    # Found by new users: a line break inside a cell with no quotes gave row
    # errors on both halves (a flood in a register), and a comma inside a cell
    # with no quotes pandas' "Expected 11 fields in line 4, saw 12" with no
    # row. Each is named on its row, with what to do, and nothing else.
    lines = (TINY / "units.csv").read_text(encoding="utf-8-sig").splitlines()
    width = lines[0].count(",") + 1
    assert len(lines) >= 5 and width >= 4
    units = tmp_path / "units.csv"

    cut = lines[:]
    cells = cut[3].split(",")
    cells[2] = cells[2][:1] + "\n" + cells[2][1:]
    cut[3] = ",".join(cells)
    units.write_text("\n".join(cut) + "\n", encoding="utf-8")
    result = import_files(_inputs(units=units))
    mine = [line for line in _lines(result) if "units.csv" in line]
    assert mine == [
        f"{units}:4: 错误 error: this row and the next have 3 and {width - 2} "
        f"cells where the header has {width}: a line break inside a cell that "
        "is not in double quotes cuts the row in two; join the two lines in a "
        "text editor (or in Excel delete the line break with Find and Replace, "
        "Ctrl+J) and save the file again"]

    joined = lines[:]
    cells = joined[4].split(",")
    cells[2] += ",东"
    joined[4] = ",".join(cells)
    units.write_text("\n".join(joined) + "\n", encoding="utf-8")
    mine = [line for line in _lines(import_files(_inputs(units=units)))
            if "units.csv" in line]
    assert mine == [
        f"{units}:5: 错误 error: this row has {width + 1} cells where the header "
        f"has {width}: ',' inside a cell that is not in double quotes splits it; "
        "remove it or put the cell in double quotes (Excel's Save As CSV does "
        "both), then save the file again"]

    # In quotes the comma is cell text.
    cells = lines[4].split(",")
    cells[2] = f'"{cells[2]},东"'
    quoted = lines[:4] + [",".join(cells)] + lines[5:]
    units.write_text("\n".join(quoted) + "\n", encoding="utf-8")
    assert not [line for line in _lines(import_files(_inputs(units=units)))
                if "cells where the header" in line]


def test_a_line_break_inside_a_cell_is_refused_where_it_would_be_printed(
        tmp_path):
    # Found by a new user: a name written over two lines in its cell (quoted,
    # as Excel saves a cell edited with Alt+Enter) was taken and printed on
    # the order as "瓦其 尔日"; a building so written became a second
    # building. The cell is named, in a file of line feeds and in one whose
    # lines end in carriage returns (where that quoted line feed was taken
    # for a stray carriage return before). A petition's 事由 may run over
    # several lines.
    lines = (TINY / "register.csv").read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].split(",")
    at = header.index("姓名")
    cells = lines[1].split(",")
    name = cells[at]
    cells[at] = f'"{name[:1]}\n{name[1:]}"'
    lines[1] = ",".join(cells)
    register = tmp_path / "register.csv"
    for ending in ("\n", "\r"):
        register.write_bytes((ending.join(lines) + ending).encode("utf-8"))
        result = import_files(_inputs(register=register))
        assert _lines(result, "error") == [
            f"{register}:2:姓名: 错误 error: {name[:1] + chr(10) + name[1:]!r} has a "
            "line break inside the cell; delete it (in Excel: click into the cell, "
            "or Find and Replace with Ctrl+J) and save the file again"]
    from allocator.importer import FREE_TEXT

    assert {"note", "subject"} <= set(FREE_TEXT)


@pytest.mark.parametrize("cell, number", [
    ("1,200", 1200.0), ("１２００", 1200.0), (" 12.5 ", 12.5), ("1e3", 1000.0),
    ("-3", -3.0), ("1_200", None), ("nan", None), ("inf", None),
    ("\u0661\u0662\u0660\u0660", None), ("12 m²", None), ("", None),
    ("7,5", None), ("12,000,000", 12_000_000.0), ("1,2345", None),
    ("1e400", None), ("-1,200.5", -1200.5)])
def test_a_number_cell_takes_decimal_digits_only(cell, number):
    # Found by a new user: "1_200" and Arabic-Indic digits were read as
    # 1,200 (Python's float takes them), "nan" as no number at all.
    from allocator.importer import _number

    assert _number(cell) == number


def test_a_capacity_written_with_an_underscore_is_refused(tmp_path):
    units = _with_cell(tmp_path, "units.csv", 3, "面积", "1_200")
    mine = [line for line in _lines(import_files(_inputs(units=units)))
            if "units.csv" in line]
    assert mine == [f"{units}:3:面积: 错误 error: '1_200': area must be a positive "
                    "number of m²"]


def _with_cell(tmp_path, name: str, row: int, header: str, value: str):
    """A copy of the tiny county's ``name`` (a CSV file) with the cell of
    ``header`` on spreadsheet row ``row`` set to ``value``; its path."""
    lines = (TINY / name).read_text(encoding="utf-8-sig").splitlines()
    cells = lines[row - 1].split(",")
    cells[lines[0].split(",").index(header)] = value
    lines[row - 1] = ",".join(cells)
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_floor_no_building_has_is_refused(tmp_path):
    # Found by a new user: a floor of twenty nines passed the checks and the
    # import ended "unexpected OverflowError" as the project was saved.
    units = _with_cell(tmp_path, "units.csv", 3, "楼层", "99999999999999999999")
    result = import_files(_inputs(units=units))
    assert result.project is None
    assert [line for line in _lines(result) if "units.csv" in line] == [
        f"{units}:3:楼层: 错误 error: floor 99999999999999999999: no building "
        "has it; write the unit's floor (1 to 200, or -1 for a basement)"]


def test_a_capacity_beyond_any_facility_is_refused(tmp_path):
    # Found by a new user: a capacity of twenty nines ended the import with
    # "unexpected OverflowError".
    path = _with_cell(tmp_path, "facilities.csv", 2, "容量", "99999999999999999999")
    result = import_files(_inputs(facilities=path))
    assert result.project is None
    assert [line for line in _lines(result) if "facilities" in line] == [
        f"{path}:2:容量: 错误 error: '99999999999999999999': capacity must be a "
        "whole number of places (0 to 1,000,000)"]


def test_a_stray_double_quote_is_named_on_its_row(tmp_path):
    # Found by a new user: a quote opening a cell that nothing closes gave
    # pandas' "EOF inside string starting at row 10" (the spreadsheet's row
    # 11), or "unexpected Error: field larger than field limit" within the
    # first rows; a second stray quote ten rows down joined the rows between
    # into one cell, named only as a cell of 楼栋 holding them all.
    lines = (TINY / "units.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) >= 6
    units = tmp_path / "units.csv"
    opened = lines[:]
    cells = opened[2].split(",")
    cells[2] = '"' + cells[2]
    opened[2] = ",".join(cells)
    units.write_text("\n".join(opened) + "\n", encoding="utf-8")
    assert [line for line in _lines(import_files(_inputs(units=units)))
            if "units.csv" in line] == [
        f"{units}:3: 错误 error: a double quote in this row opens a cell that no "
        "quote closes, so the rest of the file reads as one cell; delete the stray "
        "quote (or close it) in a text editor and save the file again"]

    cells = opened[4].split(",")
    cells[2] += '"'
    opened[4] = ",".join(cells)
    units.write_text("\n".join(opened) + "\n", encoding="utf-8")
    assert [line for line in _lines(import_files(_inputs(units=units)))
            if "units.csv" in line] == [
        f"{units}:3: 错误 error: a double quote in this row opens a cell that a "
        "quote about row 5 closes, so the rows between read as one cell; delete "
        "the stray quotes in a text editor and save the file again"]


def test_a_semicolon_separated_csv_is_named_as_such(tmp_path):
    # Found by a new user: it was told "has no coordinate columns".
    lines = (TINY / "units.csv").read_text(encoding="utf-8-sig").splitlines()
    units = tmp_path / "units.csv"
    units.write_text("\n".join(line.replace(",", ";") for line in lines) + "\n",
                     encoding="utf-8")
    assert [line for line in _lines(import_files(_inputs(units=units)))
            if "units.csv" in line] == [
        f"{units}: 错误 error: its columns are separated by ';' (as Excel saves CSV "
        "under some regional settings), not by commas; save it from Excel as CSV "
        "UTF-8 (comma delimited) or as an Excel workbook (.xlsx)"]


def test_an_area_no_flat_has_is_refused(tmp_path):
    # Found by a new user: 1e308 m² was only "unusually large" and stored.
    units = _with_cell(tmp_path, "units.csv", 3, "面积", "1e308")
    mine = [line for line in _lines(import_files(_inputs(units=units)))
            if "units.csv" in line]
    assert len(mine) == 1 and mine[0].startswith(
        f"{units}:3:面积: 错误 error: '1e308': no flat has ")
    assert mine[0].endswith("m²; write the unit's floor area in m² (a building's "
                            "total or dm² is too large; at most 10,000 m²)")


def test_a_big5_file_is_named_as_big5_not_read_as_garbled_gbk(tmp_path):
    # Found by a new user: a register saved in Big5 (Traditional Chinese)
    # read as GBK with no error, as rare characters, and the import then
    # warned of garbled unknown columns.
    text = ("戶號,姓名,身份證號,人口,聯繫電話\n"
            "H1,陳大文,110101199003071234,3,13800000000\n"
            "H2,黃小明,110101199003075678,2,13900000000\n")
    path = tmp_path / "register_big5.csv"
    path.write_bytes(text.encode("big5"))
    assert path.read_bytes().decode("gb18030")  # GBK reads it, as garbage
    frame, _encoding, problems = read_table(path)
    assert frame.empty and len(problems) == 1
    assert "is Big5 (Traditional Chinese) text" in str(problems[0])
    assert str(path) in str(problems[0])
    # GBK text with a rare character in a name (outside GB2312) is GBK.
    gbk = tmp_path / "register_gbk.csv"
    gbk.write_bytes(("户号,姓名,身份证号,人口\nH1,吉㛃,110101199003071234,3\n"
                     "H2,阿依莫,110101199003075678,2\n").encode("gb18030"))
    frame, encoding, problems = read_table(gbk)
    assert encoding == "gb18030" and not problems
    assert frame.loc[2, "姓名"] == "吉㛃"


def test_an_unknown_column_of_a_units_table_is_named(tmp_path):
    # Found by a new user: 是否无障碍 for 无障碍 imported with no word, and every
    # unit was then not accessible; 入住时间 for 入住日期 lost every move-in date.
    text = (TINY / "units.csv").read_text(encoding="utf-8-sig")
    units = tmp_path / "units.csv"
    units.write_text(text.replace("无障碍", "是否无障碍", 1).replace(
        "入住日期", "入住时间", 1), encoding="utf-8")
    result = import_files(_inputs(units=units))
    assert result.project is not None  # warnings only
    lines = [line for line in _lines(result) if "units.csv" in line]
    assert lines[0] == (
        f"{units}:1:F: 警告 warning: column F header '是否无障碍' is not a known "
        "column, so its values are ignored; did you mean 无障碍 (accessible)? If "
        "so, write the header exactly as 无障碍 (no blanks, brackets or units)")
    assert lines[1].startswith(f"{units}:1:I: 警告 warning: column I header "
                               "'入住时间' is not a known column")
    assert len(lines) == 2


@pytest.mark.parametrize("name, header, label", [
    ("units.csv", "房号", "房号"), ("facilities.csv", "设施编号", "设施编号"),
    ("facilities.csv", "名称", "名称")])
def test_an_empty_id_or_facility_name_is_refused_on_its_row(tmp_path, name, header,
                                                            label):
    # Found by a new user: a vacant unit with no 房号 was given to a household
    # and printed as "—"; a facility with no name read "最近的服务半径外小学：，".
    path = _with_cell(tmp_path, name, 3, header, "")
    result = import_files(_inputs(**{name.split(".")[0]: path}))
    assert result.project is None
    found = [line for line in _lines(result) if name in line]
    assert found[0].startswith(f"{path}:3:{label}: 错误 error: empty {label}")


@pytest.mark.parametrize("name", ["units.csv", "facilities.csv"])
def test_a_total_row_of_a_point_table_is_skipped_with_a_warning(tmp_path, name):
    # Found by a new user: a 合计 row at the bottom of the units, facilities or
    # sites table was refused as "missing or non-numeric coordinate"; the
    # register's is skipped with a warning.
    text = (TINY / name).read_text(encoding="utf-8-sig")
    columns = text.splitlines()[0].count(",")
    path = tmp_path / name
    path.write_text(text.rstrip("\n") + "\n合 计" + "," * columns + "\n",
                    encoding="utf-8")
    rows = len(text.strip().splitlines()) + 1  # the spreadsheet row of 合计
    result = import_files(_inputs(**{name.split(".")[0]: path}))
    assert result.project is not None
    assert [line for line in _lines(result) if name in line] == [
        f"{path}:{rows}: 警告 warning: a 合计 row (a total, not a record) is "
        "skipped; delete it from the file to be rid of this warning"]
    table = result.project.housing_units if name == "units.csv" \
        else result.project.facilities
    assert len(table) == rows - 2


def test_a_unit_far_from_its_site_is_named(tmp_path):
    # Found by a new user: units moved 3 km from their site's area imported
    # with no word, and were given the schools of another place.
    units = _with_cell(tmp_path, "units.csv", 3, "纬度", "28.057")  # 3 km north
    result = import_files(_inputs(units=units))
    assert result.project is not None
    found = [line for line in _lines(result) if "units.csv" in line]
    assert len(found) == 1 and found[0].startswith(
        f"{units}:3:经度/纬度: 警告 warning: 1 unit(s) lie more than 1,000 m from "
        "their site's area: row 3 (A-201, ")
    assert "km from S1)" in found[0]
    # The tiny county as it is: every unit within its site.
    assert not [line for line in _lines(import_files(_inputs()))
                if "units.csv" in line]


def test_unreadable_layers_are_named_in_the_planners_words(tmp_path):
    # Found by a new user: GDAL's own words ("not recognized as being in a
    # supported file format.; It might help to specify the correct driver
    # ...", "Set SHAPE_RESTORE_SHX config option to YES") reached the planner.
    import geopandas as gpd

    empty = tmp_path / "empty.geojson"
    empty.write_bytes(b"")
    pdf = tmp_path / "sites.geojson"
    pdf.write_bytes(b"%PDF-1.7\n%\xe2\xe3\n1 0 obj\n")
    broken = tmp_path / "sites.gpkg"
    broken.write_bytes(b"this was never a GeoPackage\n" * 10)
    nothing = tmp_path / "none.geojson"
    nothing.write_text('{"type": "FeatureCollection", "features": []}',
                       encoding="utf-8")
    shapefile = tmp_path / "shp" / "sites.shp"
    shapefile.parent.mkdir()
    gpd.read_file(TINY / "sites.geojson").to_file(shapefile)
    shapefile.with_suffix(".shx").unlink()
    expected = {
        empty: "the file is empty; export the layer again from the GIS software",
        pdf: "is not a GeoJSON file: it is a PDF document; export the layer from "
             "the GIS software",
        broken: "cannot be read as a GeoPackage file (it is damaged, or of another "
                "kind under this name); export the layer again from the GIS "
                "software",
        nothing: "has no features (an empty layer); export the layer with its "
                 "features, or check that this is the right file",
        shapefile: "the Shapefile's .shx file(s) are missing beside it "
                   "(sites.shx); a Shapefile is several files: copy its .shp, "
                   ".shx, .dbf, .prj and .cpg together"}
    for path, message in expected.items():
        frame, problems = read_spatial(path)
        assert frame.empty
        assert [str(p) for p in problems] == [f"{path}: 错误 error: {message}"]


def test_an_excel_date_number_is_told_as_the_day_it_stands_for(tmp_path):
    # Found by a new user: 入住日期 43964 (a date cell whose format was lost)
    # was refused as "'43964' is not a date" with no word of the day it was.
    units = _with_cell(tmp_path, "units.csv", 2, "入住日期", "43964")
    result = import_files(_inputs(units=units))
    assert result.project is None
    assert [line for line in _lines(result) if "units.csv" in line] == [
        f"{units}:2:入住日期: 错误 error: '43964' is not a date; write it as "
        "YYYY-MM-DD (as an Excel date number it is 2020-05-13: format the column "
        "as a date in Excel, or type the date)"]


def test_an_occupant_written_in_lower_case_gets_the_id_meant(tmp_path):
    # Found by a new user: 现住户号 zj-002204 for ZJ-002204 was refused as "not
    # in the register" with no word of the household meant.
    units = _with_cell(tmp_path, "units.csv", 4, "现住户号", "h0")
    result = import_files(_inputs(units=units))
    assert [line for line in _lines(result) if "units.csv" in line] == [
        f"{units}:4:现住户号: 错误 error: household 'h0' is not in the register "
        "(did you mean H0?)"]


def test_a_csv_row_short_of_cells_is_warned_of_or_named_as_cut(tmp_path):
    # Found by a new user: a register row that kept 8 of its 16 cells was
    # read with 年收入, 轮候登记日期 and the rest empty, without a word; and a
    # row cut by a line break in place of a separator was read as two rows.
    # The coordinates first, so that the cells left out are 现住户号 and 入住日期.
    lines = [",".join(cells[-2:] + cells[:-2]) for cells in (
        line.split(",") for line in
        (TINY / "units.csv").read_text(encoding="utf-8-sig").splitlines())]
    header = lines[0].split(",")
    width = len(header)
    assert len(lines) >= 6 and width >= 6 and header[-2:] == ["现住户号", "入住日期"]
    units = tmp_path / "units.csv"

    short = lines[:]
    short[4] = ",".join(short[4].split(",")[:width - 2])
    units.write_text("\n".join(short) + "\n", encoding="utf-8")
    result = import_files(_inputs(units=units))
    assert [line for line in _lines(result, "error") if "units.csv" in line] == []
    mine = [line for line in _lines(result, "warning") if "units.csv" in line]
    assert mine == [
        f"{units}:5: 警告 warning: this row has {width - 2} cells where the "
        f"header has {width}: {header[-2]}、{header[-1]} read as empty; if they "
        "should not be, cells were lost (a separator or line break deleted in "
        "a text editor): fill them in and save the file again"]

    cut = lines[:]
    cells = cut[4].split(",")
    cut[4] = ",".join(cells[:3]) + "\n" + ",".join(cells[3:])
    units.write_text("\n".join(cut) + "\n", encoding="utf-8")
    mine = [line for line in _lines(import_files(_inputs(units=units)))
            if "units.csv" in line]
    assert mine == [
        f"{units}:5: 错误 error: this row and the next have 3 and {width - 3} "
        f"cells where the header has {width}: a line break inside a cell that "
        "is not in double quotes cuts the row in two; join the two lines in a "
        "text editor (or in Excel delete the line break with Find and Replace, "
        "Ctrl+J) and save the file again"]


@pytest.mark.parametrize("dropped, found, missing, english",
                         [("经度", "纬度", "经度", "longitude"),
                          ("纬度", "经度", "纬度", "latitude")])
def test_a_table_with_one_coordinate_column_names_the_other(tmp_path, dropped, found,
                                                           missing, english):
    # Found by a new user: a units file without 经度 was told it had "no
    # coordinate columns", though 纬度 was there.
    rows = [line.split(",") for line in
            (TINY / "units.csv").read_text(encoding="utf-8-sig").splitlines()]
    at = rows[0].index(dropped)
    units = tmp_path / "units.csv"
    units.write_text("\n".join(",".join(r[:at] + r[at + 1:]) for r in rows) + "\n",
                     encoding="utf-8")
    assert [line for line in _lines(import_files(_inputs(units=units)))
            if "units.csv" in line] == [
        f"{units}: 错误 error: has a {found} column but no {missing} ({english}) "
        f"column; add it, or name it {missing} if it is there under another name"]
