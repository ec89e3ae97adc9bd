"""Follow-ups of issue #5: exit dates, KPI names in comparisons, fixes against
forbids, every bad entry of a changes file, unit statuses in Chinese, private
kpis.json, and UTF-8 Shapefile field names cut to 10 bytes.

The tiny county (tests/data/tiny): H0 (4 people) lives in A-301 since
2020-05-12; H1 to H5 wait. Vacant: A-101, A-201, B-101, B-201 (25 m², fits a
household of one); B-301 is under repair (维修中). The only site is S1;
facilities K1 (kindergarten) and P1 (primary school).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import warnings

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from allocator import scenarios
from allocator.cli import main
from allocator.exits import ExitError, confirm_exits
from allocator.importer import (
    ImportInputs,
    import_files,
    truncated_utf8_fields,
    unit_status_label,
)
from allocator.kpis import kpi_label
from allocator.locks import LockRefused, add_lock, lock_problems, remove_lock
from allocator.project import load_project, save_project
from tests.conftest import TINY, TINY_TODAY
from tests.test_scenarios import NEW_SCHOOL

MESSY = TINY.parent / "messy"


def _qualifying_h0(project):
    # 64,000 yuan for 4 people: 16,000 a person > 15,000, 3 years in a job.
    project.household_history = pd.DataFrame([{
        "household_id": "H0", "year": 2025, "annual_income": 64000.0,
        "job_status": "稳定就业", "stable_job_years": 3.0, "note": ""}])


# --- 1. exit dates ----------------------------------------------------------

def test_an_exit_before_the_move_in_date_is_refused(tiny_project):
    _qualifying_h0(tiny_project)
    ledger = len(tiny_project.ledger)
    with pytest.raises(ExitError) as error:
        confirm_exits(tiny_project, ["H0"], dt.date(2020, 5, 11), TINY_TODAY)
    assert ("household H0 moved into A-301 on 2020-05-12: exit date 2020-05-11 is "
            "before that; give a date on or after 2020-05-12") in str(error.value)
    assert tiny_project.exits.empty and len(tiny_project.ledger) == ledger
    units = tiny_project.housing_units.set_index("unit_id")
    assert units.at["A-301", "status"] == "occupied"

    # A past date after the move-in stays allowed: the unit is freed at once.
    confirm_exits(tiny_project, ["H0"], dt.date(2020, 5, 12), TINY_TODAY)
    units = tiny_project.housing_units.set_index("unit_id")
    assert units.at["A-301", "status"] == "vacant"
    assert tiny_project.exits.iloc[0]["exit_on"] == "2020-05-12"


def test_an_exit_more_than_a_year_ahead_is_refused(tiny_project):
    _qualifying_h0(tiny_project)
    # TINY_TODAY is 2026-10-01: a year later is 2027-10-01.
    with pytest.raises(ExitError) as error:
        confirm_exits(tiny_project, ["H0"], dt.date(2027, 10, 2), TINY_TODAY)
    assert ("household(s) H0: exit date 2027-10-02 is more than a year after "
            "today (2026-10-01); give a date up to 2027-10-01") in str(error.value)
    assert tiny_project.exits.empty

    confirm_exits(tiny_project, ["H0"], dt.date(2027, 10, 1), TINY_TODAY)
    assert tiny_project.exits.iloc[0]["exit_on"] == "2027-10-01"
    assert tiny_project.exits.iloc[0]["freed_on"] is None


def test_the_exits_command_refuses_such_dates(tiny_project, tmp_path, capsys):
    _qualifying_h0(tiny_project)
    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    capsys.readouterr()

    assert main(["exits", str(path), "--apply", "--date", "2019-12-31"]) == 1
    err = capsys.readouterr().err
    assert ("household H0 moved into A-301 on 2020-05-12: exit date 2019-12-31 is "
            "before that") in err
    assert err.rstrip().endswith("nothing changed")

    ahead = dt.date.today() + dt.timedelta(days=400)  # over a year in any case
    assert main(["exits", str(path), "--apply", "--date", ahead.isoformat()]) == 1
    err = capsys.readouterr().err
    assert f"household(s) H0: exit date {ahead.isoformat()} is more than a year " \
        "after today" in err
    assert load_project(path).exits.empty


# --- 2. KPI names in scenario comparisons -----------------------------------

@pytest.fixture()
def solved_scenario(tiny_project, tmp_path):
    """The tiny project with its base and 新建小学 (P2 near A栋) solved."""
    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    assert main(["solve", str(path), "--backend", "cpsat", "--date",
                 "2026-10-01"]) == 0
    changes = tmp_path / "school.json"
    changes.write_text(json.dumps(NEW_SCHOOL, ensure_ascii=False), encoding="utf-8")
    assert main(["scenario", "new", str(path), "新建小学", "--file",
                 str(changes)]) == 0
    assert main(["solve", str(path), "--scenario", "新建小学", "--backend", "cpsat",
                 "--date", "2026-10-01"]) == 0
    return path


def test_scenario_diff_names_the_figures_in_chinese(solved_scenario, tmp_path,
                                                    capsys):
    capsys.readouterr()
    out_json, out_csv = tmp_path / "diff.json", tmp_path / "diff.csv"
    assert main(["scenario", "diff", str(solved_scenario), "新建小学",
                 "--json", str(out_json), "--csv", str(out_csv)]) == 0
    out = capsys.readouterr().out
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()
            if line.strip()}
    # H2-03 gets the new school P2: primary places 0 -> 1 (tests/test_scenarios).
    assert rows["小学学位"] == ["0", "1", "+1"]
    assert rows["幼儿园学位"] == ["2", "2", "+0"]
    assert rows["轮候"] == ["1", "1", "+0"]
    for key in ("primary_placed", "kindergarten_placed", "waiting", "walk_mean_m"):
        assert key not in out
    # Files keep the keys.
    figures = json.loads(out_json.read_text(encoding="utf-8"))["kpis"]
    assert figures["新建小学"]["primary_placed"] == 1
    assert figures["base"]["primary_placed"] == 0
    assert "小学学位" not in out_json.read_text(encoding="utf-8")


def test_the_comparison_names_rows_for_the_window(solved_scenario):
    project = load_project(solved_scenario)
    comparison = scenarios.compare(project, ["base", "新建小学"])
    assert list(comparison.kpis.index[:3]) == ["households", "housed_existing",
                                               "housed_new"]
    assert comparison.kpi_labels()[:3] == ["安置户", "既有安置", "本次分配"]
    english = comparison.kpi_labels("en")
    assert english[list(comparison.kpis.index).index("primary_coverage")] == \
        "Primary coverage"
    labelled = comparison.labelled_kpis("en")
    assert labelled.at["Primary places", "新建小学"] == 1
    assert kpi_label("no_such_key", "en") == "no_such_key"


# --- 3. a forbid never silently replaces a fix ------------------------------

def test_a_forbid_on_a_fixed_unit_is_refused(tiny_project):
    add_lock(tiny_project, "H5", "B-201", "fix", "信访协调", created="2026-10-01")
    ledger = len(tiny_project.ledger)
    with pytest.raises(LockRefused) as refused:
        add_lock(tiny_project, "H5", "B-201", "forbid", "改为禁止")
    assert [p.code for p in refused.value.problems] == ["fix_exists"]
    message = str(refused.value)
    assert "household H5 has unit B-201 fixed" in message
    assert "--household H5 --unit B-201 --remove" in message
    assert tiny_project.locks[["household_id", "unit_id", "kind"]].to_dict(
        "records") == [{"household_id": "H5", "unit_id": "B-201", "kind": "fix"}]
    assert len(tiny_project.ledger) == ledger

    # Removed first, the forbid is taken; and then a fix would contradict it.
    remove_lock(tiny_project, "H5", "B-201", "撤销固定")
    add_lock(tiny_project, "H5", "B-201", "forbid", "改为禁止")
    assert [p.code for p in lock_problems(tiny_project, "H5", "B-201", "fix")] \
        == ["forbid_exists"]
    # Setting the same kind again still replaces it.
    assert lock_problems(tiny_project, "H5", "B-201", "forbid") == []


def test_the_lock_command_refuses_a_forbid_over_a_fix(tiny_project, tmp_path,
                                                      capsys):
    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    assert main(["lock", str(path), "--household", "H5", "--unit", "B-201",
                 "--reason", "信访协调"]) == 0
    capsys.readouterr()
    assert main(["lock", str(path), "--household", "H5", "--forbid", "B-201"]) == 1
    err = capsys.readouterr().err
    assert "household H5 has unit B-201 fixed (固定); a forbid would contradict it" \
        in err
    assert f"allocator lock {path} --household H5 --unit B-201 --remove" in err
    locks = load_project(path).locks
    assert locks[["household_id", "unit_id", "kind", "reason"]].to_dict(
        "records") == [{"household_id": "H5", "unit_id": "B-201", "kind": "fix",
                        "reason": "信访协调"}]


# --- 4. every bad entry of a changes file -----------------------------------

BAD_CHANGES = {
    "close_facilities": [1, "NOPE", 2],
    "capacities": {"K1": 3, "GONE": 5},
    "add_units": [
        {"unit_id": "A-101", "site_id": "S9", "area_m2": 50, "lon": 102.85,
         "lat": 28.03},
        {"unit_id": "N-1", "site_id": "S1", "area_m2": "big", "lon": 102.85,
         "lat": 28.03},
        {"unit_id": "N-2", "site_id": "S1", "area_m2": 25, "lon": 102.85,
         "lat": 28.03},
        {"unit_id": "N-2", "site_id": "S1", "area_m2": 30, "lon": 102.85,
         "lat": 28.03},
    ],
}


def test_every_bad_entry_of_a_changes_file_is_reported(tiny_project, tmp_path,
                                                       capsys):
    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    changes = tmp_path / "c.json"
    changes.write_text(json.dumps(BAD_CHANGES, ensure_ascii=False), encoding="utf-8")
    capsys.readouterr()
    assert main(["scenario", "new", str(path), "坏方案", "--file", str(changes),
                 "--capacity", "P1=many"]) == 1
    lines = capsys.readouterr().err.splitlines()
    expected = [
        # Shape and values, entry by entry (counted from 0).
        f"{changes}: close_facilities[0] = 1: give a facility id",
        f"{changes}: close_facilities[2] = 2: give a facility id",
        f"{changes}: add_units[1] (N-1): area_m2 = 'big': expected a number",
        # Against the project, for the entries that passed those checks.
        f"{changes}: close_facilities[1]: no facility 'NOPE'",
        f"{changes}: capacities.GONE: no such facility",
        f"{changes}: add_units[0] (A-101): unit_id 'A-101' exists already",
        f"{changes}: add_units[0] (A-101): site_id 'S9': no such site; use one of S1",
        f"{changes}: add_units[3] (N-2): unit_id 'N-2' is given twice (also "
        "add_units[2])",
        "--capacity 'P1=many': 'many' is not a number",
    ]
    for part in expected:
        assert sum(part in line for line in lines) == 1, part
    assert lines[-1] == f"{len(expected)} problem(s); nothing changed"
    assert scenarios.names(load_project(path)) == ["base"]


def test_keys_given_twice_are_reported(tmp_path):
    json_file = tmp_path / "c.json"
    json_file.write_text('{"capacities": {"K1": 3, "P1": 4, "K1": 5}}',
                         encoding="utf-8")
    with pytest.raises(scenarios.ScenarioError) as error:
        scenarios.read_changes(json_file)
    assert error.value.problems == [
        f"{json_file}: 'K1' is given twice in the same object; keep one (only "
        "the last would count)"]

    yaml_file = tmp_path / "c.yaml"
    yaml_file.write_text("capacities:\n  K1: 3\ncatchments:\n  primary: 900\n"
                         "capacities:\n  P1: 4\n", encoding="utf-8")
    with pytest.raises(scenarios.ScenarioError) as error:
        scenarios.read_changes(yaml_file)
    assert error.value.problems == [
        f"{yaml_file}: line 5: 'capacities' is given twice in the same mapping; "
        "keep one (only the last would count)"]


# --- 5. unit statuses in Chinese --------------------------------------------

def test_lock_messages_say_unit_statuses_in_chinese(tiny_project, tmp_path, capsys):
    assert unit_status_label("repair") == "维修中"
    assert unit_status_label("occupied") == "已入住"
    problem = lock_problems(tiny_project, "H5", "B-301", "fix")[0]
    assert problem.code == "not_vacant"
    assert problem.params["status"] == "repair"  # stored value kept
    assert problem.params["status_label"] == "维修中"
    assert problem.message.startswith("unit B-301 is 维修中, not 空置")

    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    capsys.readouterr()
    assert main(["lock", str(path), "--household", "H1", "--unit", "A-301"]) == 1
    err = capsys.readouterr().err
    assert "unit A-301 is 已入住, not 空置" in err
    assert "occupied" not in err and "vacant," not in err


# --- 6. kpis.json like the other outputs ------------------------------------

@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_kpis_json_is_readable_by_the_owner_only(tiny_project, tmp_path):
    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    kpis = tmp_path / "kpis.json"
    shared = tmp_path / "shared.json"
    shared.write_text("{}", encoding="utf-8")
    os.chmod(shared, 0o640)  # shared with the office's group on purpose
    old_mask = os.umask(0o022)
    try:
        for out in (kpis, shared):
            assert main(["solve", str(path), "--backend", "highs", "--date",
                         "2026-10-01", "--json", str(out)]) == 0
    finally:
        os.umask(old_mask)
    assert stat.S_IMODE(kpis.stat().st_mode) == 0o600  # new: owner only
    assert stat.S_IMODE(shared.stat().st_mode) == 0o640  # replaced: as it was
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    figures = json.loads(kpis.read_text(encoding="utf-8"))
    # The tiny county has 6 households, one of them (H0) housed before.
    assert figures["overall"]["households"] == 6
    assert figures["overall"]["housed_existing"] == 1
    assert not list(tmp_path.glob(".export-*"))  # no temporary file left


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_diff_files_are_readable_by_the_owner_only(solved_scenario, tmp_path):
    outputs = [tmp_path / "d.json", tmp_path / "d.csv", tmp_path / "d.geojson"]
    old_mask = os.umask(0o022)
    try:
        assert main(["scenario", "diff", str(solved_scenario), "新建小学",
                     "--json", str(outputs[0]), "--csv", str(outputs[1]),
                     "--geojson", str(outputs[2])]) == 0
    finally:
        os.umask(old_mask)
    for output in outputs:
        assert stat.S_IMODE(output.stat().st_mode) == 0o600, output
    assert outputs[1].read_bytes().startswith(b"\xef\xbb\xbfhousehold_id,")


# --- 7. UTF-8 Shapefile field names cut to 10 bytes -------------------------

def _tiny_facilities() -> gpd.GeoDataFrame:
    table = pd.read_csv(TINY / "facilities.csv", dtype=str, encoding="utf-8-sig")
    frame = gpd.GeoDataFrame(
        table.drop(columns=["经度", "纬度"]),
        geometry=[Point(float(x), float(y))
                  for x, y in zip(table["经度"], table["纬度"])], crs="EPSG:4490")
    frame["容量"] = frame["容量"].astype(int)
    return frame


def _import_with_facilities(path):
    return import_files(ImportInputs(
        register=TINY / "register.csv", sites=TINY / "sites.geojson",
        units=TINY / "units.csv", facilities=path, county=TINY / "county.geojson"))


def test_a_utf8_shapefile_with_cut_names_says_why(tmp_path):
    shp = tmp_path / "facilities.shp"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # GDAL warns that it cut the name
        _tiny_facilities().to_file(shp, encoding="utf-8")
    # 设施编号 is 12 bytes in UTF-8: GDAL keeps 设施编 and 1 byte of 号.
    assert "设施编号".encode("utf-8")[:10] in shp.with_suffix(".dbf").read_bytes()

    result = _import_with_facilities(shp)
    assert result.project is None
    said = [str(p) for p in result.problems if p.file == str(shp)]
    assert len(said) == 1
    assert "field name(s) 设施编… (the start of 设施编号) were cut short" in said[0]
    assert "keeps only 10 bytes per field name" in said[0]
    assert "GBK" in said[0] and "GeoPackage" in said[0] and "Excel" in said[0]
    assert "missing column" not in said[0] and "GB18030" not in said[0]


def test_names_cut_at_a_whole_character_are_found_too(tmp_path):
    # Some software cuts at the last whole character: 设施编 (9 bytes).
    shp = tmp_path / "facilities.shp"
    _tiny_facilities().rename(columns={"设施编号": "设施编"}).to_file(
        shp, encoding="utf-8")
    assert truncated_utf8_fields(shp, ["设施编号", "名称", "类型", "容量"]) == [
        ("设施编", "设施编号")]
    said = [str(p) for p in _import_with_facilities(shp).errors]
    assert len(said) == 1 and "设施编 (the start of 设施编号)" in said[0]


def test_gbk_shapefiles_are_not_taken_for_cut_ones():
    shp = MESSY / "shp_gbk_right_cpg" / "f.shp"
    assert truncated_utf8_fields(shp, ["设施编号", "名称", "类型", "容量"]) == []
    result = _import_with_facilities(shp)
    assert result.errors == [], [str(p) for p in result.errors]


def test_a_date_wrong_for_many_households_names_five_of_them(tiny_project):
    from allocator.exits import exit_date_problems

    ids = [f"X{i}" for i in range(1, 8)]
    problems = exit_date_problems(tiny_project, ids, dt.date(2027, 10, 2), TINY_TODAY)
    assert problems[0].startswith("household(s) X1, X2, X3, X4, X5 and 2 more: "
                                  "exit date 2027-10-02 is more than a year")


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_an_export_keeps_the_permissions_of_the_files_it_replaces(
        tiny_project, tmp_path, capsys):
    # Found by a new user: orders, Excel and CSV files shared as 0664, 0640 or
    # 0444 were 0600 after the next export (written under a hidden name, then
    # moved over them), as the README says they are not.
    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    assert main(["solve", str(path), "--backend", "highs", "--date",
                 "2026-10-01"]) == 0
    outputs = {"pdf": (tmp_path / "o.pdf", 0o664), "xlsx": (tmp_path / "a.xlsx", 0o640),
               "csv": (tmp_path / "a.csv", 0o444)}
    for target, mode in outputs.values():
        target.write_text("old", encoding="utf-8")
        os.chmod(target, mode)
    fresh = tmp_path / "new.csv"
    old_mask = os.umask(0o022)
    try:
        assert main(["export", str(path)] + [
            part for option, (target, _mode) in outputs.items()
            for part in (f"--{option}", str(target))]) == 0
        assert main(["export", str(path), "--csv", str(fresh)]) == 0
    finally:
        os.umask(old_mask)
    for target, mode in outputs.values():
        assert stat.S_IMODE(target.stat().st_mode) == mode, target
        assert target.read_bytes() != b"old"
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600  # new: owner only
