"""Import and validation: every problem named by file, row and column."""

from __future__ import annotations

import shutil

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from shapely.geometry import Point

from allocator import idnumber
from allocator.cli import main
from allocator.importer import ImportInputs, import_files
from tests.conftest import TINY


def _copy_tiny(tmp_path):
    for item in TINY.iterdir():
        shutil.copy(item, tmp_path / item.name)
    return ImportInputs(register=tmp_path / "register.csv",
                        sites=tmp_path / "sites.geojson", units=tmp_path / "units.csv",
                        facilities=tmp_path / "facilities.csv",
                        county=tmp_path / "county.geojson")


def _edit_register(path, row, column, value):
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame.loc[row - 2, column] = value
    frame.to_csv(path, index=False, encoding="utf-8-sig")


def _messages(result):
    return [str(p) for p in result.errors]


def test_id_number_rules():
    valid = "513431198503020034"
    assert idnumber.problems(valid) == []
    assert "check digit" in idnumber.problems(valid[:-1] + "5")[0]
    assert "17 characters" in idnumber.problems(valid[:17])[0]
    assert idnumber.normalise("51343119850302003x")[0].endswith("X")
    assert idnumber.normalise("５１３４３１１９８５０３０２００３４")[0] == valid
    assert idnumber.mask(valid) == "513431********0034"
    # Excel's text mark, as a CSV export writes it: taken off, and said.
    assert idnumber.normalise("'" + valid) == (
        valid, ["leading ' (Excel's text mark) removed"])
    assert idnumber.normalise("'51343119850302003")[0] == "51343119850302003"
    assert idnumber.problems(idnumber.normalise("'51343119850302003")[0]) == [
        "ID number has 17 characters, 18 expected"]
    import datetime as dt

    assert any("differs" in m for m in idnumber.problems(valid, dt.date(1985, 3, 3)))
    assert any("means 男" in m for m in idnumber.problems(valid, sex="女"))


def test_bad_check_digit_is_reported_with_row_and_column(tmp_path):
    inputs = _copy_tiny(tmp_path)
    frame = pd.read_csv(inputs.register, dtype=str, encoding="utf-8-sig")
    wrong = frame.loc[3, "身份证号"][:-1] + ("1" if frame.loc[3, "身份证号"][-1] != "1"
                                          else "2")
    _edit_register(inputs.register, 5, "身份证号", wrong)
    result = import_files(inputs)
    assert result.project is None
    assert any(m.startswith(f"{inputs.register}:5:身份证号:") and "check digit" in m
               for m in _messages(result)), _messages(result)


def test_duplicate_ids_and_two_heads(tmp_path):
    inputs = _copy_tiny(tmp_path)
    frame = pd.read_csv(inputs.register, dtype=str, encoding="utf-8-sig")
    _edit_register(inputs.register, 3, "身份证号", frame.loc[0, "身份证号"])
    _edit_register(inputs.register, 3, "与户主关系", "户主")
    messages = _messages(import_files(inputs))
    assert any(":3:身份证号:" in m and "duplicate ID number, also on row 2" in m
               for m in messages), messages
    assert any("household H0 has 2 rows marked 户主" in m for m in messages)


def test_errors_on_a_second_head_row_are_not_held_back(tmp_path):
    # Found by a new user: with two rows marked 户主, a bad income, years in a
    # job and waiting-list date on them came out only once the 户主 error
    # was put right. Each is named with it, in one run.
    inputs = _copy_tiny(tmp_path)
    _edit_register(inputs.register, 3, "与户主关系", "户主")
    _edit_register(inputs.register, 3, "年收入", "abc")
    _edit_register(inputs.register, 3, "稳定就业年限", "-3")
    _edit_register(inputs.register, 3, "轮候登记日期", "2099-13-40")
    messages = [m for m in _messages(import_files(inputs))
                if m.startswith(f"{inputs.register}:")]
    assert messages == [
        f"{inputs.register}:2:与户主关系: 错误 error: household H0 has 2 rows "
        "marked 户主 (rows 2, 3); exactly one is needed",
        f"{inputs.register}:3:年收入: 错误 error: 'abc' is not a number",
        f"{inputs.register}:3:稳定就业年限: 错误 error: -3 is not a number of "
        "years in a job: give years from 0 to 80",
        f"{inputs.register}:3:轮候登记日期: 错误 error: '2099-13-40' is not a "
        "date; write it as YYYY-MM-DD"]


def test_excel_number_id_is_refused_never_repaired(tmp_path):
    inputs = _copy_tiny(tmp_path)
    frame = pd.read_csv(inputs.register, dtype=str, keep_default_na=False,
                        encoding="utf-8-sig")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(frame.columns))
    for record in frame.itertuples(index=False):
        sheet.append(list(record))
    sheet.cell(row=4, column=3).value = 513431202210050051  # typed as a number
    path = tmp_path / "register.xlsx"
    book.save(path)
    inputs.register = path
    result = import_files(inputs)
    assert result.project is None
    assert any(m.startswith(f"{path}:4:身份证号:") and "stored as a number" in m
               for m in _messages(result)), _messages(result)
    # A head's row refused so is not called missing as well (found by a new
    # user: "household H0 has 0 rows marked 户主" beside it). Row 2 is H0's
    # head.
    sheet.cell(row=2, column=3).value = 513431198503020034
    book.save(path)
    messages = _messages(import_files(inputs))
    assert any(m.startswith(f"{path}:2:身份证号:") for m in messages), messages
    assert not any("rows marked 户主" in m for m in messages), messages


def test_gbk_csv_reads_the_same_as_utf8(tmp_path):
    inputs = _copy_tiny(tmp_path)
    text = inputs.register.read_text(encoding="utf-8-sig")
    gbk = tmp_path / "register_gbk.csv"
    gbk.write_bytes(text.encode("gbk"))
    inputs_gbk = ImportInputs(**{**inputs.__dict__, "register": gbk})
    first = import_files(inputs).project.members
    second = import_files(inputs_gbk).project.members
    pd.testing.assert_frame_equal(first, second)
    assert list(first.columns)[0] == "member_id"


def test_missing_column_is_named(tmp_path):
    inputs = _copy_tiny(tmp_path)
    frame = pd.read_csv(inputs.register, dtype=str, encoding="utf-8-sig")
    frame.drop(columns="性别").to_csv(inputs.register, index=False)
    messages = _messages(import_files(inputs))
    assert any("missing column(s) 性别 (sex)" in m for m in messages), messages


def test_point_outside_china_names_its_row(tmp_path):
    inputs = _copy_tiny(tmp_path)
    frame = pd.read_csv(inputs.facilities, dtype=str, encoding="utf-8-sig")
    frame.loc[1, ["经度", "纬度"]] = [frame.loc[1, "纬度"], frame.loc[1, "经度"]]
    frame.to_csv(inputs.facilities, index=False)
    messages = _messages(import_files(inputs))
    # Named by the columns the planner swaps back (a table has no geometry).
    assert any(m.startswith(f"{inputs.facilities}:3:经度/纬度:") and "outside China"
               in m for m in messages), messages


def test_shapefile_without_crs_needs_crs_option(tmp_path):
    inputs = _copy_tiny(tmp_path)
    frame = pd.read_csv(inputs.facilities, dtype=str, encoding="utf-8-sig")
    shp = gpd.GeoDataFrame(
        {"设施编号": frame["设施编号"], "名称": frame["名称"], "类型": frame["类型"],
         "容量": frame["容量"].astype(int)},
        geometry=[Point(float(x), float(y))
                  for x, y in zip(frame["经度"], frame["纬度"])])
    path = tmp_path / "facilities.shp"
    shp.to_file(path, encoding="gbk")
    inputs.facilities = path
    messages = _messages(import_files(inputs))
    assert any("--crs EPSG:N" in m for m in messages), messages
    inputs.crs = "EPSG:4490"
    result = import_files(inputs)
    assert result.errors == []
    assert sorted(result.project.facilities["name"]) == sorted(frame["名称"])


def test_metres_declared_as_degrees_are_refused(tmp_path):
    inputs = _copy_tiny(tmp_path)
    frame = gpd.read_file(inputs.sites).to_crs("EPSG:4543")
    path = tmp_path / "sites_metres.geojson"
    frame.set_crs("EPSG:4490", allow_override=True).to_file(path)
    inputs.sites = path
    messages = _messages(import_files(inputs))
    assert any("probably in metres" in m for m in messages), messages


def test_gcj02_columns_are_converted(tmp_path):
    from gis.crs import wgs84_to_gcj02

    inputs = _copy_tiny(tmp_path)
    truth = import_files(inputs).project.facilities
    frame = pd.read_csv(inputs.facilities, dtype=str, encoding="utf-8-sig")
    lon, lat = wgs84_to_gcj02(frame["经度"].astype(float), frame["纬度"].astype(float))
    frame["经度"], frame["纬度"] = lon, lat
    frame.to_csv(inputs.facilities, index=False)
    inputs.coords = "gcj02"
    converted = import_files(inputs).project.facilities
    shift = truth.to_crs("EPSG:4543").distance(converted.to_crs("EPSG:4543"))
    assert shift.max() < 0.5


def test_cli_exit_codes_and_nothing_written_on_error(tmp_path, capsys):
    inputs = _copy_tiny(tmp_path)
    args = ["--register", str(inputs.register), "--sites", str(inputs.sites),
            "--units", str(inputs.units), "--facilities", str(inputs.facilities)]
    out = tmp_path / "project.gpkg"
    assert main(["validate", *args]) == 0
    _edit_register(inputs.register, 2, "性别", "x")
    assert main(["import", *args, "--out", str(out)]) == 1
    assert not out.exists()
    err = capsys.readouterr().err
    assert f"{inputs.register}:2:性别:" in err and "Traceback" not in err
    with pytest.raises(SystemExit) as usage:
        main(["import", "--register", str(inputs.register)])
    assert usage.value.code == 2


def test_rules_command_validates_and_logs(tiny_project, tmp_path, capsys):
    from allocator.project import load_project, save_project

    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    assert main(["rules", str(path), "--set", "area_min_per_person_m2=30"]) == 1
    assert "is above area_max_per_person_m2" in capsys.readouterr().err
    assert main(["rules", str(path), "--set",
                 'catchment_walk_m={"kindergarten": 300}']) == 1
    assert main(["rules", str(path), "--set", "detour_factor=1.4",
                 "--reason", "山区道路"]) == 0
    project = load_project(path)
    assert project.rules["detour_factor"] == 1.4
    assert project.ledger.iloc[-1]["reason"] == "山区道路"
    assert main(["rules", str(path), "--set", "nonsense=1"]) == 2


def test_concurrent_change_is_refused(tiny_project, tmp_path, capsys):
    import os

    from allocator.project import save_project

    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    lock = tmp_path / ".p.gpkg.lock"
    lock.write_text("4242")
    if os.name == "nt":
        pytest.skip("the lock is taken here by POSIX flock")
    import fcntl

    # A process holds the lock while it works (another open file counts as
    # another process for flock).
    holder = os.open(lock, os.O_RDWR)
    fcntl.flock(holder, fcntl.LOCK_EX | fcntl.LOCK_NB)
    assert main(["solve", str(path)]) == 1
    assert ("being changed by another allocator process (pid 4242)"
            in capsys.readouterr().err)
    os.close(holder)
    # Found by a new user: a lock file left by a crash, naming a process
    # number that a live process now has (pid 1, the parent here), blocked
    # the project for good. Nobody holds the lock: it is taken over.
    lock.write_text(str(os.getppid()))
    assert main(["rules", str(path)]) == 0
    assert not lock.exists()


def test_a_project_in_a_missing_folder_is_named_not_its_lock(tmp_path, capsys):
    # Found by a new user: the message named the tool's own lock file.
    path = tmp_path / "no such folder" / "p.gpkg"
    assert main(["solve", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}: project file not found (the folder {path.parent} does not " \
        "exist)" in err
    assert ".lock" not in err
    assert not path.parent.exists()


def test_a_missing_county_file_is_said_of_the_option(tiny_inputs):
    # Found by a new user: the warning named the register file.
    from dataclasses import replace

    from allocator.importer import import_files

    result = import_files(replace(tiny_inputs, county=None))
    warnings = [p for p in result.problems if p.severity == "warning"
                and "county boundary" in p.message]
    assert len(warnings) == 1
    assert str(warnings[0]).startswith(
        "县界 county boundary: 警告 warning: no county boundary file given")


@pytest.mark.parametrize("area, warned", [(100, False), (48, False), (47, True),
                                          (25, True), (101, True)])
def test_an_occupied_unit_outside_its_households_area_band_is_warned(
        tmp_path, area, warned):
    # H0 (4 people) lives in A-301, row 4 of the units file; the band is 12 to
    # 25 m² per person: 48 to 100 m² for four. A 现住户号 typed on the wrong
    # row shows as a unit far outside it; the import goes on (the household
    # keeps its unit).
    inputs = _copy_tiny(tmp_path)
    text = inputs.units.read_text(encoding="utf-8-sig")
    assert "A-301,S1,A栋,3,100,否,已入住,H0" in text
    inputs.units.write_text(
        text.replace("A-301,S1,A栋,3,100,", f"A-301,S1,A栋,3,{area},"),
        encoding="utf-8-sig")
    result = import_files(inputs)
    assert result.project is not None
    lines = [str(p) for p in result.problems if "area band" in p.message]
    if not warned:
        assert lines == []
        return
    assert lines == [
        f"{inputs.units}:4:现住户号: 警告 warning: household H0 of 4 people lives in "
        f"{area} m² ({area / 4:.1f} m² per person), outside the area band of 12-25 "
        "m² per person; check 现住户号 and 面积 on this row (the household keeps "
        "its unit: the band applies to the units the tool gives)"]


@pytest.mark.parametrize("written, floor", [("3楼", 3), ("3层", 3), ("３F", 3),
                                            ("-1层", -1)])
def test_a_floor_written_with_its_unit_is_read(tmp_path, written, floor):
    inputs = _copy_tiny(tmp_path)
    text = inputs.units.read_text(encoding="utf-8-sig")
    inputs.units.write_text(text.replace("A-201,S1,A栋,2,", f"A-201,S1,A栋,{written},"),
                            encoding="utf-8-sig")
    result = import_files(inputs)
    assert result.errors == []
    units = result.project.housing_units.set_index("unit_id")
    assert units.loc["A-201", "floor"] == floor


def test_a_floor_that_is_no_number_says_how_to_write_it(tmp_path):
    inputs = _copy_tiny(tmp_path)
    text = inputs.units.read_text(encoding="utf-8-sig")
    inputs.units.write_text(text.replace("A-201,S1,A栋,2,", "A-201,S1,A栋,二楼,"),
                            encoding="utf-8-sig")
    assert f"{inputs.units}:3:楼层: 错误 error: '二楼' is not a floor number; write " \
        "it as a whole number (3, or -1 for a basement)" in _messages(
            import_files(inputs))


def test_a_register_of_a_header_only_says_what_it_needs(tmp_path):
    inputs = _copy_tiny(tmp_path)
    header = inputs.register.read_text(encoding="utf-8-sig").splitlines()[0]
    inputs.register.write_text(header + "\n", encoding="utf-8-sig")
    assert f"{inputs.register}: 错误 error: the register has no rows under its " \
        "header; it needs one row per person" in _messages(import_files(inputs))
