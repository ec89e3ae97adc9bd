"""What `allocator scenario new` refuses, and how it says so.

On the tiny county (facilities K1 幼儿园, P1 小学, C1 社区卫生服务中心): every
refused change exits 1 (a data error, as every refused scenario does), names
the file or option, the entry and the field, and leaves the project's
scenarios as they were (only ``base``).
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from types import SimpleNamespace

import pytest

from allocator import scenarios
from allocator.cli import main
from allocator.project import load_project, save_project
from tests.conftest import TINY_TODAY

RANGE_CAPACITY = "out of range; use a whole number of places from 0 to 1,000,000"
RANGE_RULE = ("out of range; a number in a rule is from -1,000,000,000 to "
              "1,000,000,000")
MEMBER = {"name": "阿苦木呷", "birth_date": "1980-06-01", "sex": "男",
          "relationship": "户主"}


@pytest.fixture()
def gpkg(tiny_project, tmp_path):
    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    return path


def refused(gpkg, capsys, *argv: str) -> list[str]:
    """The error lines of a refused `scenario new`; the project unchanged."""
    before = gpkg.read_bytes()
    capsys.readouterr()
    assert main(["scenario", "new", str(gpkg), *argv]) == 1
    err = capsys.readouterr().err.splitlines()
    assert gpkg.read_bytes() == before
    assert scenarios.names(load_project(gpkg)) == ["base"]
    return [line.removeprefix("错误 error: ") for line in err
            if line.startswith("错误 error: ")]


def write(folder, name: str, data) -> str:
    path = folder / name
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    return str(path)


# --- 1. numbers out of range ------------------------------------------------

def test_a_huge_capacity_option_is_out_of_range(gpkg, capsys):
    assert refused(gpkg, capsys, "s", "--capacity", "K1=99999999999999999999") == [
        f"--capacity 'K1=99999999999999999999': {RANGE_CAPACITY}"]


def test_huge_numbers_in_a_file_name_file_entry_and_field(gpkg, tmp_path, capsys):
    changes = write(tmp_path, "c.yaml", (
        "capacities: {K1: 1000000000000000000000000000000}\n"
        "catchments: {primary: .inf}\n"
        "rules: {lottery_seed: 99999999999999999999}\n"
        "add_units:\n"
        "  - {unit_id: N1, site_id: S1, floor: 1000000000000000000000, "
        "area_m2: .nan, lon: 102.85, lat: 28.03}\n"
        "add_facilities:\n"
        "  - {facility_id: P9, name: 新小学, kind: 小学, capacity: 1000001, "
        "lon: 102.85, lat: 28.03}\n"
        "add_households:\n"
        "  - household_id: N2\n"
        "    category: 工程搬迁\n"
        "    annual_income: 100000001\n"
        "    stable_job_years: 81\n"
        "    members: [{name: 张三, birth_date: 1985-04-02, sex: 男}]\n"))
    assert refused(gpkg, capsys, "s", "--file", changes) == [
        f"{changes}: add_facilities[0] (P9): capacity = 1000001: {RANGE_CAPACITY}",
        f"{changes}: add_units[0] (N1): floor = 1000000000000000000000: out of "
        "range; use a whole floor number from 1 (the ground floor) to 100",
        f"{changes}: add_units[0] (N1): area_m2 = nan: out of range; use square "
        "metres from 1 to 1,000",
        f"{changes}: add_households[0] (N2): annual_income = 100000001: out of "
        "range; use yuan a year from 0 to 100,000,000",
        f"{changes}: add_households[0] (N2): stable_job_years = 81: out of range; "
        "use years from 0 to 80",
        f"{changes}: capacities.K1 = 1000000000000000000000000000000: "
        f"{RANGE_CAPACITY}",
        f"{changes}: catchments.primary = inf: use metres, more than 0 and at "
        "most 100,000",
        f"{changes}: rules.lottery_seed = 99999999999999999999: {RANGE_RULE}",
    ]


def test_numbers_inside_rule_values_and_catchment_options(gpkg, capsys):
    walk = '{"kindergarten": 300, "primary": 1e999, "junior": 1000, "clinic": 1000}'
    assert refused(gpkg, capsys, "s", "--catchment", "clinic=nan",
                   "--rule", f"catchment_walk_m={walk}") == [
        "--catchment 'clinic=nan': use metres, more than 0 and at most 100,000",
        f"--rule 'catchment_walk_m={walk}': primary = inf: {RANGE_RULE}"]


def test_the_limits_themselves_are_accepted(gpkg, capsys):
    assert main(["scenario", "new", str(gpkg), "edge", "--capacity", "K1=1000000",
                 "--catchment", "clinic=100000", "--rule",
                 "lottery_seed=1000000000"]) == 0
    assert scenarios.changes_of(load_project(gpkg), "edge") == {
        "capacities": {"K1": 1000000}, "catchments": {"clinic": 100000.0},
        "rules": {"lottery_seed": 1000000000}}


# --- 2. names ---------------------------------------------------------------

NAME_RULE = ("a scenario name is up to 64 characters: letters (Chinese too), "
             "digits, spaces and punctuation, not only dots, and no control "
             "characters such as a newline or a tab")


@pytest.mark.parametrize(("name", "problem"), [
    ("a\nb", "scenario name 'a\\nb' has a control character (a newline)"),
    ("a\tb", "scenario name 'a\\tb' has a control character (a tab)"),
    ("\x1b[31mred", "scenario name '\\x1b[31mred' has a control character "
     "(an escape)"),
    ("a\x7f", "scenario name 'a\\x7f' has a control character (a delete)"),
    ("x" * 65, "scenario name 'xxxxxxxxxxxxxxxxxxxx'... is 65 characters long"),
    ("..", "scenario name '..' is only dots"),
])
def test_bad_names_say_what_is_allowed(gpkg, capsys, name, problem):
    assert refused(gpkg, capsys, name, "--capacity", "K1=3") == [
        f"{problem}; {NAME_RULE}"]


def test_a_name_with_spaces_and_chinese_is_kept_and_its_hint_pastes(
        gpkg, tmp_path, capsys):
    name = "关闭 K1 it's 64"
    folder = tmp_path / "my projects"
    folder.mkdir()
    path = folder / "p.gpkg"
    path.write_bytes(gpkg.read_bytes())
    capsys.readouterr()
    assert main(["scenario", "new", str(path), name, "--capacity", "K1=3"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert scenarios.names(load_project(path)) == ["base", name]
    hint = out[-1]
    assert hint == (f"solve it with `allocator solve {shlex.quote(str(path))} "
                    f"--scenario {shlex.quote(name)}`")
    # The shell gives the command exactly the path and the name.
    command = hint.split("`")[1]
    words = subprocess.run(
        ["sh", "-c", f"printf '%s\\n' {command.removeprefix('allocator ')}"],
        capture_output=True, text=True, check=True).stdout.splitlines()
    assert words == ["solve", str(path), "--scenario", name]
    assert main(["scenario", "new", str(path), "x" * 64]) == 0


# --- 3. contradictions and repeats -------------------------------------------

def test_contradictions_in_a_file_name_both_entries(gpkg, tmp_path, capsys):
    changes = write(tmp_path, "c.json", {
        "close_facilities": ["K1", "P1", "K1", "P9"],
        "capacities": {"P1": 4, "P9": 50},
        "catchments": {"幼儿园": 400, "kindergarten": 500},
        "add_facilities": [{"facility_id": "P9", "name": "新小学", "kind": "小学",
                            "capacity": 300, "lon": 102.85, "lat": 28.03}]})
    assert refused(gpkg, capsys, "s", "--file", changes) == [
        f"{changes}: close_facilities[2]: closes 'K1' again (also "
        "close_facilities[0]); close each facility once",
        f"{changes}: close_facilities[3]: closes 'P9', which add_facilities[0] "
        "(P9) adds in the same scenario; either add it or close it",
        f"{changes}: capacities.P1 = 4: changes the capacity of 'P1', which "
        "close_facilities[1] closes in the same scenario; either close it or "
        "change its capacity",
        f"{changes}: capacities.P9 = 50: changes the capacity of 'P9', which "
        "close_facilities[3] closes in the same scenario; either close it or "
        "change its capacity",
        f"{changes}: catchments.kindergarten = 500: the kindergarten catchment "
        "is given twice with different metres (also catchments.幼儿园 = 400); "
        "give it once",
        # K1 is the tiny county's one kindergarten.
        f"{changes}: catchments.幼儿园 = 400: changes the kindergarten catchment, "
        "but close_facilities closes every kindergarten (K1); either keep one "
        "open or leave the catchment as it is",
        f"{changes}: catchments.kindergarten = 500: changes the kindergarten "
        "catchment, but close_facilities closes every kindergarten (K1); either "
        "keep one open or leave the catchment as it is",
    ]


def test_contradictions_between_options_and_the_file(gpkg, tmp_path, capsys):
    changes = write(tmp_path, "c.json", {"capacities": {"P1": 4},
                                          "close_facilities": ["C1"]})
    assert refused(gpkg, capsys, "s", "--file", changes,
                   "--close-facility", "K1", "--close-facility", "K1",
                   "--capacity", "K1=3", "--capacity", "P1=6",
                   "--capacity", "C1=7", "--capacity", "C1=8") == [
        "--capacity 'C1=8': C1 is given twice with different values (also "
        "--capacity 'C1=7'); keep one",
        f"--capacity 'P1=6': {changes} gives capacities.P1 = 4 already; keep one",
        "--close-facility 'K1': is given twice; close each facility once",
        "--capacity 'K1=3': changes the capacity of 'K1', which --close-facility "
        "'K1' closes in the same scenario; either close it or change its capacity",
        "--capacity 'C1=7': changes the capacity of 'C1', which "
        "close_facilities[0] closes in the same scenario; either close it or "
        "change its capacity",
    ]


def test_the_same_unit_or_household_added_twice(gpkg, tmp_path, capsys):
    unit = {"unit_id": "N1", "site_id": "S1", "area_m2": 30, "lon": 102.85,
            "lat": 28.03}
    household = {"household_id": "NEW-1", "category": "工程搬迁",
                 "members": [MEMBER]}
    changes = write(tmp_path, "c.json", {"add_units": [unit],
                                          "add_households": [household, household]})
    assert refused(gpkg, capsys, "s", "--file", changes,
                   "--add-unit", json.dumps(unit)) == [
        "--add-unit #1 (N1): unit_id 'N1' is given twice (also add_units[0]); "
        "give each new unit its own id",
        f"{changes}: add_households[1] (NEW-1): household_id 'NEW-1' is given "
        "twice (also add_households[0]); give each new household its own id"]


def test_the_same_value_twice_is_not_a_contradiction(gpkg, tmp_path, capsys):
    changes = write(tmp_path, "c.json", {"capacities": {"P1": 4}})
    assert main(["scenario", "new", str(gpkg), "s", "--file", changes,
                 "--capacity", "P1=4", "--capacity", "P1=4"]) == 0
    assert scenarios.changes_of(load_project(gpkg), "s") == {"capacities": {"P1": 4}}


# --- 4. files that hold no changes -------------------------------------------

def test_a_null_or_empty_file_says_what_is_expected(gpkg, tmp_path, capsys):
    keys = ("add_facilities, close_facilities, capacities, add_units, catchments, "
            "rules, add_households")
    null = write(tmp_path, "null.json", "null")
    assert refused(gpkg, capsys, "s", "--file", null) == [
        f"{null}: the file holds no changes (it is empty or null); expected a "
        f'mapping of changes with keys {keys}, e.g. {{"capacities": '
        '{"FACILITY_ID": 300}}']
    empty = write(tmp_path, "empty.yaml", "# nothing yet\n")
    assert refused(gpkg, capsys, "s", "--file", empty) == [
        f"{empty}: the file holds no changes (it is empty or null); expected a "
        f"mapping of changes with keys {keys}, e.g. capacities: "
        "{FACILITY_ID: 300}"]


@pytest.mark.parametrize(("name", "kind"), [("c.toml", "a .toml file"),
                                             ("c.txt", "a .txt file"),
                                             ("changes", "a file without extension")])
def test_other_extensions_say_which_are_read(gpkg, tmp_path, capsys, name, kind):
    path = write(tmp_path, name, '{"capacities": {"K1": 3}}')
    assert refused(gpkg, capsys, "s", "--file", path) == [
        f"{path}: {kind} is not read as changes; write them as JSON (.json) or "
        "YAML (.yaml or .yml) and name the file so"]


# --- 5. a solve stopped before it stored anything ----------------------------

def _stopped(project, name, **options):
    """What a solve stopped by its time limit before its second level gives."""
    run = {"status": "timeout", "levels_json": json.dumps([
        {"level": "housed", "objective": 3.0, "status": "feasible"},
        {"level": "served", "objective": None, "status": "timeout"}]),
        "options_json": json.dumps({"objective_order": ["housed", "served",
                                                        "walk"]})}
    return SimpleNamespace(run=run, solution=None,
                           result=SimpleNamespace(message="time limit"))


def test_a_stopped_solve_of_a_never_solved_scenario_says_it_has_none(
        gpkg, capsys, monkeypatch):
    assert main(["scenario", "new", str(gpkg), "试 一", "--capacity", "K1=3"]) == 0
    real_solve = scenarios.solve
    monkeypatch.setattr(scenarios, "solve", _stopped)
    capsys.readouterr()
    assert main(["solve", str(gpkg), "--scenario", "试 一"]) == 1
    err = capsys.readouterr().err
    assert "no allocation was stored (ledger entry" in err
    assert "previous allocation" not in err

    # Once solved, a stopped solve keeps that allocation and says so.
    monkeypatch.setattr(scenarios, "solve", real_solve)
    assert main(["solve", str(gpkg), "--scenario", "试 一", "--backend", "cpsat",
                 "--date", TINY_TODAY.isoformat()]) == 0
    monkeypatch.setattr(scenarios, "solve", _stopped)
    capsys.readouterr()
    assert main(["solve", str(gpkg), "--scenario", "试 一"]) == 1
    err = capsys.readouterr().err
    assert "the previous allocation stays." in err
    assert load_project(gpkg).allocations["scenario"].eq("试 一").any()


def test_the_command_line_itself_refuses_with_code_1(gpkg):
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from allocator.cli import main; "
         "sys.exit(main(sys.argv[1:]))", "scenario", "new", str(gpkg), "s",
         "--capacity", "K1=99999999999999999999"], capture_output=True, text=True)
    assert done.returncode == 1
    assert f"--capacity 'K1=99999999999999999999': {RANGE_CAPACITY}" in done.stderr
    assert "unexpected" not in done.stderr
    assert scenarios.names(load_project(gpkg)) == ["base"]
