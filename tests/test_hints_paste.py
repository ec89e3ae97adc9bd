"""The commands the scenario messages print can be pasted and run as printed.

On the tiny county (solved by the CLI on 2026-10-01) kept in a folder whose
name has a space and an apostrophe: scenario "关 幼" sets K1's capacity to 1
and is solved; a petition trial (H2 refusing A-201) is saved as "信访 H2";
then the rules are changed (area_max_per_person_m2=30), so both are out of
date. Each printed command is split with shlex, as a shell splits it, and
run as a new process.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from allocator import scenarios
from allocator.cli import main
from allocator.project import load_project
from tests.conftest import TINY_TODAY, tiny_solved_by_cli

DAY = TINY_TODAY.isoformat()
ROOT = Path(__file__).resolve().parent.parent
TRIAL = "信访 H2"
TRIAL_TEXT = "信访试算：户H2不接受房屋A-201"
CAPACITY = "关 幼"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hints")
    path = tiny_solved_by_cli(folder / "p.gpkg")
    assert main(["scenario", "new", str(path), CAPACITY, "--capacity", "K1=1"]) == 0
    assert main(["solve", str(path), "--scenario", CAPACITY, "--backend", "cpsat",
                 "--date", DAY]) == 0
    assert main(["petition", str(path), "--household", "H2", "--exclude-unit",
                 "A-201", "--backend", "cpsat", "--date", DAY,
                 "--save-as", TRIAL]) == 0
    assert main(["rules", str(path), "--set", "area_max_per_person_m2=30",
                 "--reason", "测试"]) == 0
    return path


@pytest.fixture()
def path(built, tmp_path) -> Path:
    folder = tmp_path / "county's plans"
    folder.mkdir()
    target = folder / "p 1.gpkg"
    shutil.copy(built, target)
    return target


def _quoted(path: Path) -> str:
    # As a shell needs it: the folder has a space and an apostrophe.
    return "'" + str(path).replace("'", "'\"'\"'") + "'"


def _rules_entry(path: Path) -> int:
    ledger = load_project(path).ledger
    return int(ledger.loc[ledger["action"] == "edit rules", "entry"].iloc[-1])


def _commands(text: str) -> list[str]:
    return re.findall(r"`(allocator [^`]*)`", text)


def _run(command: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    words = shlex.split(command)
    assert words[0] == "allocator"
    return subprocess.run([sys.executable, "-m", "allocator.cli", *words[1:]],
                          cwd=cwd, capture_output=True, text=True, timeout=300)


def _accepted(command: str, cwd: Path = ROOT) -> str:
    done = _run(command, cwd)
    assert "project file not found" not in done.stderr
    assert done.returncode == 0, (command, done.stderr)
    return done.stdout


def _listed(path: Path, capsys) -> list[str]:
    capsys.readouterr()
    assert main(["scenario", "list", str(path)]) == 0
    return capsys.readouterr().out.splitlines()


def test_the_list_prints_the_path_and_its_commands_run(path, capsys):
    entry = _rules_entry(path)
    quoted = _quoted(path)
    lines = _listed(path, capsys)
    assert lines[0] == "base  [optimal]  无变更  (基础方案 base allocation)"
    assert lines[1] == f"{CAPACITY}  [optimal]  K1容量改为1"
    assert lines[2] == (
        "    已过期 out of date: made against an earlier base (changed since by "
        f"ledger entry {entry}: change of the rules); solve it again on the "
        "current base (its changes still apply): `allocator solve "
        f"{quoted} --scenario '关 幼'`")
    # The trial's changes are its description: printed once.
    assert lines[3] == f"{TRIAL}  [optimal]  {TRIAL_TEXT}"
    assert lines[4] == (
        "    已过期 out of date: made against an earlier base (changed since by "
        f"ledger entry {entry}: change of the rules); try the petition again on "
        f"the current base: `allocator scenario delete {quoted} '信访 H2'`, then "
        f"`allocator petition {quoted} --household H2 --exclude-unit A-201 "
        "--save-as '信访 H2'`")
    assert len(lines) == 5
    assert "PROJECT" not in "\n".join(lines)

    for line in lines[2], lines[4]:
        for command in _commands(line):
            _accepted(command)
    assert _listed(path, capsys) == [
        "base  [optimal]  无变更  (基础方案 base allocation)",
        f"{CAPACITY}  [optimal]  K1容量改为1",
        f"{TRIAL}  [optimal]  {TRIAL_TEXT}"]


def test_show_of_a_trial_prints_its_condition_and_no_empty_changes(path, capsys):
    capsys.readouterr()
    assert main(["scenario", "show", str(path), TRIAL]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"方案 scenario {TRIAL}: {TRIAL_TEXT}"
    assert lines[1].startswith("已过期 out of date: made against an earlier base")
    assert f"`allocator scenario delete {_quoted(path)} '信访 H2'`" in lines[1]
    assert lines[2].split() == ["合计", "all", "工程搬迁", "易地扶贫搬迁", "生态移民"]
    assert "{}" not in lines
    # A scenario with changes still prints them.
    assert main(["scenario", "show", str(path), CAPACITY]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"方案 scenario {CAPACITY}: K1容量改为1"
    assert lines[2:7] == ["{", '  "capacities": {', '    "K1": 1', "  }", "}"]


def test_promote_refused_names_the_path_and_its_command_runs(path, capsys):
    entry = _rules_entry(path)
    capsys.readouterr()
    assert main(["scenario", "promote", str(path), CAPACITY]) == 1
    err = capsys.readouterr().err
    assert err == (
        "错误 error: scenario '关 幼' cannot be promoted: made against an earlier "
        f"base (changed since by ledger entry {entry}: change of the rules); "
        "solve it again on the current base (its changes still apply): "
        f"`allocator solve {_quoted(path)} --scenario '关 幼'`\n")
    (command,) = _commands(err)
    _accepted(command)
    assert main(["scenario", "promote", str(path), CAPACITY]) == 0

    assert main(["scenario", "promote", str(path), TRIAL]) == 1
    err = capsys.readouterr().err
    assert "promote of scenario 关 幼 to the base" in err
    delete, petition = _commands(err)
    assert delete == f"allocator scenario delete {_quoted(path)} '信访 H2'"
    _accepted(delete)
    _accepted(petition)
    # H2 refusing A-201 waits in the trial (nothing else fits it here): the
    # promote asks for --force.
    capsys.readouterr()
    assert main(["scenario", "promote", str(path), TRIAL]) == 1
    assert "puts household H2 on the waiting list" in capsys.readouterr().err
    assert main(["scenario", "promote", str(path), TRIAL, "--force"]) == 0


def test_an_unknown_name_names_the_path(path, capsys):
    capsys.readouterr()
    assert main(["scenario", "promote", str(path), "没有"]) == 1
    err = capsys.readouterr().err
    assert err == (
        f"错误 error: no scenario '没有' (scenarios: base, {CAPACITY}, {TRIAL}); "
        f"create it with `allocator scenario new {_quoted(path)} NAME ...`\n")
    assert main(["scenario", "diff", str(path), "没有"]) == 1
    assert capsys.readouterr().err == err
    assert main(["reallocate", str(path), "--scenario", "没有"]) == 1
    assert capsys.readouterr().err == err


def test_the_notice_refused_names_the_path_and_its_command_runs(path, tmp_path,
                                                                capsys):
    pdf = tmp_path / "n.pdf"
    capsys.readouterr()
    assert main(["notice", str(path), "--scenario", CAPACITY, "--pdf", str(pdf),
                 "--date", "2026-10-08"]) == 1
    err = capsys.readouterr().err
    assert err.endswith(
        "solve it again on the current base (its changes still apply): "
        f"`allocator solve {_quoted(path)} --scenario '关 幼'`; nothing written\n")
    (command,) = _commands(err)
    _accepted(command)  # solved today: the notice is posted today
    assert main(["notice", str(path), "--scenario", CAPACITY, "--pdf",
                 str(pdf)]) == 0
    assert pdf.exists()


def test_the_notice_of_an_unknown_scenario_lists_the_scenarios(path, tmp_path,
                                                               capsys):
    pdf = tmp_path / "n.pdf"
    entries = len(load_project(path).ledger)
    capsys.readouterr()
    assert main(["notice", str(path), "--scenario", "不存在", "--pdf",
                 str(pdf)]) == 1
    assert capsys.readouterr().err == (
        f"错误 error: no scenario '不存在' (scenarios: base, {CAPACITY}, {TRIAL}); "
        "name one of them with --scenario\n")
    assert not pdf.exists()
    assert len(load_project(path).ledger) == entries


def test_the_diff_note_names_the_path_and_its_command_runs(path, capsys):
    capsys.readouterr()
    assert main(["scenario", "diff", str(path), CAPACITY]) == 0
    err = capsys.readouterr().err
    assert err.startswith(f"注意 note: {CAPACITY} 已过期 out of date: made against")
    (command,) = _commands(err)
    assert command == f"allocator solve {_quoted(path)} --scenario '关 幼'"
    _accepted(command)
    assert main(["scenario", "diff", str(path), CAPACITY]) == 0
    assert "已过期" not in capsys.readouterr().err


def test_a_path_that_starts_with_a_dash_is_printed_as_a_path(built, tmp_path):
    shutil.copy(built, tmp_path / "-p.gpkg")
    assert scenarios.project_word(Path("-p.gpkg")) == "./-p.gpkg"
    assert scenarios.project_word(None) == "PROJECT"  # the window has no path
    project = load_project(tmp_path / "-p.gpkg")
    with pytest.raises(scenarios.ScenarioError) as refused:
        scenarios.promote(project, CAPACITY, path=Path("-p.gpkg"))
    (command,) = _commands(str(refused.value))
    assert command == "allocator solve ./-p.gpkg --scenario '关 幼'"
    _accepted(command, cwd=tmp_path)


@pytest.mark.parametrize("name, problem", [
    ("-dash", "scenario name '-dash' starts with \"-\", which a command line "
              "reads as an option (so `--scenario -dash` would fail); start it "
              "with a letter or a digit"),
    (" --x ", "scenario name '--x' starts with \"-\", which a command line reads "
              "as an option (so `--scenario --x` would fail); start it with a "
              "letter or a digit"),
    ("BASE", "'BASE' cannot name a scenario: it is the base's name (base) in "
             "other letters; choose another name"),
    ("Base", "'Base' cannot name a scenario: it is the base's name (base) in "
             "other letters; choose another name"),
    ("ｂａｓｅ", "'ｂａｓｅ' cannot name a scenario: it is the base's name (base) "
             "in other letters; choose another name"),
    # Found by a new user: a scenario 基准 showed in the window as a second
    # base ("比较 基准 / 基准").
    ("基准", "'基准' cannot name a scenario: the window and the orders call the "
             "base so; choose another name"),
    (" 基准方案", "'基准方案' cannot name a scenario: the window and the orders "
                 "call the base so; choose another name"),
])
def test_a_name_read_as_an_option_or_as_the_base_is_refused(name, problem):
    assert scenarios.name_problems(name) == [problem]


@pytest.mark.parametrize("name", ["a-b", "base2", "基础 base", "1-dash"])
def test_names_with_a_dash_inside_or_base_in_them_are_kept(name):
    assert scenarios.name_problems(name) == []


def test_the_command_line_refuses_a_dash_name_and_keeps_nothing(path, capsys):
    before = scenarios.names(load_project(path))
    capsys.readouterr()
    assert main(["scenario", "new", str(path), "--", "-dash"]) == 1
    assert "starts with \"-\"" in capsys.readouterr().err
    assert main(["petition", str(path), "--household", "H2", "--exclude-unit",
                 "A-201", "--save-as", "BASE"]) == 2  # refused before the trial
    assert "'BASE' cannot name a scenario" in capsys.readouterr().err
    assert scenarios.names(load_project(path)) == before


@pytest.mark.parametrize("action, obj, words", [
    ("edit rules", "rules", "change of the rules"),
    ("rules", "rules area_max_per_person_m2, lottery_seed",
     "change of the rules (area_max_per_person_m2, lottery_seed)"),
    ("undo rules", "rules lottery_seed", "undo of change of the rules (lottery_seed)"),
    ("scenario promote", "scenario 关 幼", "promote of scenario 关 幼 to the base"),
    ("undo scenario promote", "project", "undo of promote of a scenario to the base"),
    ("allocate", "scenario base", "solve of the base"),
    ("reallocate", "scenario base", "reallocation of the base"),
    ("reallocate", "project", "reallocation of the base"),
    ("undo reallocate", "project", "undo of reallocation of the base"),
    ("exit", "household H1", "exit of household H1"),
    ("exit", "project", "confirmed exits"),
    ("undo exit", "project", "undo of confirmed exits"),
    ("free unit", "unit A-101", "freeing of unit A-101"),
    ("lock", "household H1", "lock change of household H1"),
    ("undo lock", "household H1", "undo of lock change of household H1"),
    ("edit", "unit A-101", "edit of unit A-101"),
    ("undo edit", "households H1 annual_income",
     "undo of edit of households H1 annual_income"),
    ("register update", "household H9", "register update of household H9"),
    ("import", "project", "import of the project"),
    ("migrate", "project", "upgrade of the project file"),
    ("recover", "project", "recovery of autosaved edits"),
    ("renumber", "orders", "renumber (orders)"),
])
def test_every_ledger_action_is_worded_once(action, obj, words):
    assert scenarios.ledger_entry_words(action, obj) == words


def test_the_entries_named_are_those_that_changed_the_base(path):
    project = load_project(path)
    entry = _rules_entry(path)
    project.log("scenario solve", "project")  # the window's redo: not the base
    project.log("reallocate", f"scenario {CAPACITY}")  # a scenario's
    project.log("reallocate", "project")  # the window's redo of the base's
    stale = scenarios.out_of_date(project, CAPACITY)
    last = entry + 3
    assert stale.entries == [(entry, "edit rules", "rules"),
                             (last, "reallocate", "project")]
    assert stale.changed_by == [f"{entry} edit rules rules",
                                f"{last} reallocate project"]
    assert stale.text().startswith(
        f"made against an earlier base (changed since by ledger entry {entry}: "
        f"change of the rules; entry {last}: reallocation of the base); ")
    # Without a path (the window) the command keeps a word for the project.
    assert stale.text().endswith("`allocator solve PROJECT --scenario '关 幼'`")



def test_a_rule_spoiled_outside_the_tool_names_the_command_that_fixes_it(path):
    _in_the_file(path, "UPDATE rules SET value_json = '{not json' "
                 "WHERE key = 'area_max_per_person_m2'")
    done = _run(f"allocator solve {_quoted(path)}")
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    (command,) = _commands(done.stderr)
    assert command == (f"allocator rules {_quoted(path)} "
                       "--set area_max_per_person_m2=VALUE")
    # Listed, the rule shows what the file holds and the command again.
    listed = _run(f"allocator rules {_quoted(path)}")
    assert listed.returncode == 1
    assert "area_max_per_person_m2 (" in listed.stdout
    assert ("= ? (rule 'area_max_per_person_m2' holds '{not json', which is not a "
            "valid value)") in listed.stdout
    assert _commands(listed.stderr) == [command]
    # Another rule set alone leaves it unusable: refused, nothing changed.
    other = _run(f"allocator rules {_quoted(path)} --set detour_factor=1.3")
    assert other.returncode == 1
    assert "rule 'area_max_per_person_m2' holds '{not json'" in other.stderr
    assert "nothing changed" in other.stderr
    # The ledger, read only, still lists the entries.
    assert "edit rules" in _accepted(f"allocator ledger {_quoted(path)}")
    _accepted(command.replace("VALUE", "30"))
    project = load_project(path)
    assert project.rules["area_max_per_person_m2"] == 30
    fixed = project.ledger.iloc[-1]
    assert (fixed["action"], json.loads(fixed["before"]),
            json.loads(fixed["after"])) == (
        "edit rules", {"area_max_per_person_m2": "{not json"},
        {"area_max_per_person_m2": 30})


def test_a_rule_out_of_range_in_the_file_names_its_key(path):
    import sqlite3

    with sqlite3.connect(path) as db:
        db.execute("UPDATE rules SET value_json = '-1' WHERE key = 'detour_factor'")
    db.close()
    done = _run(f"allocator solve {_quoted(path)}")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    (command,) = _commands(done.stderr)
    assert command == f"allocator rules {_quoted(path)} --set detour_factor=VALUE"
    listed = _run(f"allocator rules {_quoted(path)}")
    assert listed.returncode == 1 and _commands(listed.stderr) == [command]
    _accepted(command.replace("VALUE", "1.3"))
    assert load_project(path).rules["detour_factor"] == 1.3


def test_a_rule_given_twice_in_the_file_is_not_taken_from_either_row(path):
    # A second row for one rule, with another value (added by hand): which
    # one the tool would take is not known, so it takes neither and says how
    # to set it; set again, the file holds it once.
    _in_the_file(path, "INSERT INTO rules (key, value_json, source) VALUES "
                 "('detour_factor', '2.0', 'hand')")
    done = _run(f"allocator solve {_quoted(path)}")
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "rule 'detour_factor' is in the file 2 times, with different values " \
        "('1.3', '2.0')" in done.stderr
    (command,) = _commands(done.stderr)
    assert command == f"allocator rules {_quoted(path)} --set detour_factor=VALUE"
    _accepted(command.replace("VALUE", "1.4"))
    project = load_project(path)
    assert project.rules["detour_factor"] == 1.4
    assert _in_the_file(path, "SELECT value_json FROM rules "
                        "WHERE key = 'detour_factor'") == [("1.4",)]


def _in_the_file(path, statement: str) -> list[tuple]:
    """Run one SQL statement on the project file, as a hand edit outside the
    tool would; its rows."""
    import sqlite3

    db = sqlite3.connect(path)
    try:
        with db:
            return db.execute(statement).fetchall()
    finally:
        db.close()


def test_promote_counts_the_households_whose_places_it_changes(tmp_path, capsys):
    # Found by a new user: promoting a scenario that closed a kindergarten
    # printed only "is now the base", though households lost their places;
    # only `export --changed` showed them. K1 holds H0's two children.
    path = tiny_solved_by_cli(tmp_path / "p.gpkg")
    assert main(["scenario", "new", str(path), "关K1", "--close-facility",
                 "K1"]) == 0
    assert main(["solve", str(path), "--scenario", "关K1", "--backend", "cpsat",
                 "--date", TINY_TODAY.isoformat()]) == 0
    capsys.readouterr()
    assert main(["scenario", "promote", str(path), "关K1"]) == 0
    out = capsys.readouterr().out
    assert ("  1 household(s) keep their unit with other school places or "
            "clinics (学位或卫生服务变动); `allocator export") in out
    entry = load_project(path).ledger.iloc[-1]
    assert entry["action"] == "scenario promote"
    assert json.loads(entry["after"])["service_changes"] == ["H0"]
    # Found by a new user: promoting it again said "no scenario '关K1'".
    assert main(["scenario", "promote", str(path), "关K1"]) == 1
    err = capsys.readouterr().err
    assert f"scenario '关K1' was promoted to the base (ledger entry " \
        f"{int(entry['entry'])}, {str(entry['time'])[:10]}), so it is no longer " \
        "stored" in err, err
