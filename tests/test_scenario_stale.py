"""Scenarios made against an earlier base, on the tiny county.

As in tests/test_scenarios.py (worked out by hand there): 新建小学 adds
primary school P2 near A栋, where H2's child H2-03 gets a place; 关闭幼儿园
closes kindergarten K1 (H0's two children lose their places, there is no
other kindergarten) and adds the 25 m² unit B-202, which H5 (one person,
waiting in the base) gets. The two changes do not touch each other, so
after promoting both the base has both effects.

A scenario records the base its allocation was made against; once the base
changes (here: another scenario promoted, a capacity edited) it is out of
date, and promoting it is refused until it is solved again (or, for a
petition trial, the petition is tried again).
"""

from __future__ import annotations

import json
import warnings

import pytest

from allocator import scenarios
from allocator.allocate import solve_project, store_outcome
from allocator.cli import main
from allocator.petition import save_trial, try_petition
from allocator.project import load_project, save_project
from tests.conftest import TINY_TODAY
from tests.test_petition import tiny_built  # noqa: F401  (fixture)
from tests.test_scenarios import CLOSE_KINDERGARTEN, NEW_SCHOOL


def _solve(project, name):
    outcome = scenarios.solve(project, name, backend="cpsat", today=TINY_TODAY)
    assert outcome.run["status"] == "optimal"


@pytest.fixture()
def two_scenarios(tiny_project):
    store_outcome(tiny_project, solve_project(tiny_project, backend="cpsat",
                                              today=TINY_TODAY))
    scenarios.create(tiny_project, "新建小学", NEW_SCHOOL)
    scenarios.create(tiny_project, "关闭幼儿园", CLOSE_KINDERGARTEN)
    for name in ("新建小学", "关闭幼儿园"):
        _solve(tiny_project, name)
    return tiny_project


def _base_unit(project, household_id):
    rows = project.allocations[(project.allocations["scenario"] == "base")
                               & (project.allocations["household_id"] == household_id)]
    unit = rows["unit_id"].iloc[0]
    return unit if isinstance(unit, str) else None


def _base_places(project, household_id, kind):
    services = project.service_assignments
    rows = services[(services["scenario"] == "base")
                    & (services["household_id"] == household_id)
                    & (services["kind"] == kind)]
    return [f if isinstance(f, str) else None for f in rows["facility_id"]]


def _recorded_base(project, name):
    rows = project.allocations[project.allocations["scenario"] == name]
    run = project.runs[project.runs["run_id"] == rows["run_id"].iloc[0]].iloc[-1]
    return json.loads(run["options_json"])["made_against"]


def test_the_stamp_changes_with_the_base_only(two_scenarios, tmp_path):
    stamp = scenarios.base_stamp(two_scenarios)
    # Creating and solving scenarios left the base as it was: both runs
    # recorded the base as it is now, and neither is out of date.
    for name in ("新建小学", "关闭幼儿园"):
        assert _recorded_base(two_scenarios, name)["base"] == stamp
        assert scenarios.out_of_date(two_scenarios, name) is None
    # The project file keeps the same base.
    path = tmp_path / "p.gpkg"
    save_project(two_scenarios, path)
    loaded = load_project(path)
    assert scenarios.base_stamp(loaded) == stamp
    scenarios.delete(loaded, "新建小学")
    assert scenarios.base_stamp(loaded) == stamp
    # A capacity, a rule or a household's value is part of the base.
    capacity = loaded.facilities["capacity"].copy()
    loaded.facilities.loc[loaded.facilities["facility_id"] == "K1", "capacity"] += 1
    assert scenarios.base_stamp(loaded) != stamp
    loaded.facilities["capacity"] = capacity
    assert scenarios.base_stamp(loaded) == stamp
    loaded.rules["siblings_together"] = not loaded.rules["siblings_together"]
    assert scenarios.base_stamp(loaded) != stamp


def test_promote_makes_the_other_scenario_out_of_date(two_scenarios):
    scenarios.promote(two_scenarios, "新建小学")
    promoted = int(two_scenarios.ledger["entry"].iloc[-1])
    stale = scenarios.out_of_date(two_scenarios, "关闭幼儿园")
    assert stale is not None and stale.remedy == "solve"
    assert stale.changed_by == [f"{promoted} scenario promote scenario 新建小学"]
    assert "made against an earlier base" in stale.text()
    assert "`allocator solve PROJECT --scenario 关闭幼儿园`" in stale.text()
    listed = scenarios.summary(two_scenarios).set_index("scenario")
    assert listed.loc["关闭幼儿园", "out_of_date"] is not None

    entries = len(two_scenarios.ledger)
    with pytest.raises(scenarios.ScenarioError,
                       match="'关闭幼儿园' cannot be promoted: made against an "
                             "earlier base"):
        scenarios.promote(two_scenarios, "关闭幼儿园")
    # Nothing changed: K1 is open, B-202 not built, the ledger as it was.
    assert "K1" in set(two_scenarios.facilities["facility_id"])
    assert "B-202" not in set(two_scenarios.housing_units["unit_id"])
    assert len(two_scenarios.ledger) == entries

    # Solved again, it is made on the new base and may be promoted: the
    # base then has both changes.
    _solve(two_scenarios, "关闭幼儿园")
    assert scenarios.out_of_date(two_scenarios, "关闭幼儿园") is None
    scenarios.promote(two_scenarios, "关闭幼儿园")
    facilities = set(two_scenarios.facilities["facility_id"])
    assert "P2" in facilities and "K1" not in facilities
    assert _base_unit(two_scenarios, "H5") == "B-202"
    assert _base_places(two_scenarios, "H2", "primary") == ["P2"]
    assert _base_places(two_scenarios, "H0", "kindergarten") == [None, None]


def test_changes_that_no_longer_apply_ask_for_a_new_scenario(two_scenarios):
    scenarios.create(two_scenarios, "再建小学", NEW_SCHOOL)
    _solve(two_scenarios, "再建小学")
    scenarios.promote(two_scenarios, "新建小学")  # P2 is in the base now
    stale = scenarios.out_of_date(two_scenarios, "再建小学")
    assert stale.remedy == "recreate"
    assert any("facility_id 'P2' exists already" in p for p in stale.problems)
    with pytest.raises(scenarios.ScenarioError,
                       match=r"no longer apply .* delete it"):
        scenarios.promote(two_scenarios, "再建小学")


@pytest.fixture()
def wish_trial(tiny_built):  # noqa: F811
    """As tests/test_petition.py (``tiny_built``: after the first allocation a
    30 m² unit B-102 on floor 1 is built), and H2 asks for a low floor (floor
    1): H2 gets B-101 and H3, who held it, B-102."""
    tiny_project = tiny_built
    tiny_project.rules["low_floor_max"] = 1
    tiny_project.households["wants_low_floor"] = tiny_project.households[
        "household_id"].eq("H2")
    trial = try_petition(tiny_project, "H2", grant_wish=True, today=TINY_TODAY,
                         backend="cpsat")
    assert (trial.unit_before, trial.unit_after) == ("A-201", "B-101")
    save_trial(tiny_project, trial, "信访H2")
    return tiny_project


def test_a_petition_trial_on_an_earlier_base_is_tried_again(wish_trial):
    assert scenarios.out_of_date(wish_trial, "信访H2") is None
    facilities = wish_trial.facilities
    capacity = facilities["capacity"].copy()
    facilities.loc[facilities["facility_id"] == "K1", "capacity"] += 1
    stale = scenarios.out_of_date(wish_trial, "信访H2")
    assert stale.remedy == "petition"
    assert stale.petition == {"household": "H2", "option": "--grant-wish"}
    # Solving it again would drop the petition: the text asks for the trial.
    assert "allocator petition PROJECT --household H2 --grant-wish --save-as " \
        "信访H2" in stale.text()
    assert "allocator solve" not in stale.text()
    with pytest.raises(scenarios.ScenarioError, match="try the petition again"):
        scenarios.promote(wish_trial, "信访H2")
    # The same base again (the edit taken back): the trial fits again.
    facilities["capacity"] = capacity
    assert scenarios.out_of_date(wish_trial, "信访H2") is None


def test_a_scenario_without_its_base_is_checked_against_the_rules(two_scenarios):
    # As a project written before scenarios recorded their base.
    runs = two_scenarios.runs
    runs["options_json"] = [json.dumps({k: v for k, v in json.loads(o).items()
                                        if k != "made_against"})
                            for o in runs["options_json"]]
    scenarios.promote(two_scenarios, "关闭幼儿园")  # K1 closed in the base
    # Whether the base changed cannot be told; only a check finds that
    # 新建小学 places H0's children at K1, which the base closed.
    assert scenarios.out_of_date(two_scenarios, "新建小学") is None
    stale = scenarios.out_of_date(two_scenarios, "新建小学", check=True)
    assert stale is not None and stale.violations
    assert any("K1" in v for v in stale.violations)
    with pytest.raises(scenarios.ScenarioError,
                       match="does not fit the current base"):
        scenarios.promote(two_scenarios, "新建小学")


def test_cli_marks_and_refuses_an_out_of_date_scenario(two_scenarios, tmp_path,
                                                       capsys):
    path = tmp_path / "p.gpkg"
    save_project(two_scenarios, path)
    assert main(["scenario", "promote", str(path), "新建小学"]) == 0
    capsys.readouterr()
    assert main(["scenario", "list", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("关闭幼儿园"))
    assert lines[at + 1].startswith("    已过期 out of date: made against an earlier "
                                    "base")
    assert main(["scenario", "show", str(path), "关闭幼儿园"]) == 0
    assert "已过期 out of date" in capsys.readouterr().out
    assert main(["scenario", "promote", str(path), "关闭幼儿园"]) == 1
    err = capsys.readouterr().err
    assert "cannot be promoted" in err and "--scenario 关闭幼儿园" in err
    assert "K1" in set(load_project(path).facilities["facility_id"])


def test_cli_petition_name_is_checked_before_the_trial(two_scenarios, tmp_path,
                                                       capsys):
    path = tmp_path / "p.gpkg"
    save_project(two_scenarios, path)
    runs = len(two_scenarios.runs)
    for name, words in (("新建小学", "scenario '新建小学' exists; choose another "
                         f"name, or delete it first with `allocator scenario "
                         f"delete {path} 新建小学`"),
                        ("base", "'base' names the base")):
        assert main(["petition", str(path), "--household", "H2", "--exclude-unit",
                     "A-201", "--save-as", name]) == 2
        err = capsys.readouterr().err
        assert words in err and "--save-as" in err
    assert len(load_project(path).runs) == runs  # no trial was run


def test_cli_diff_of_a_scenario_with_itself(two_scenarios, tmp_path, capsys):
    path = tmp_path / "p.gpkg"
    save_project(two_scenarios, path)
    for names, words in ((["base"], "base is compared with itself"),
                         (["base", "base"], "base is compared with itself"),
                         (["新建小学", "新建小学"], "named twice")):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert main(["scenario", "diff", str(path), *names]) == 2
        assert not [w for w in caught if "not unique" in str(w.message)]
        captured = capsys.readouterr()
        assert words in captured.err and "nothing to compare" in captured.err
        assert "Warning" not in captured.err
    with pytest.raises(scenarios.ScenarioError, match="nothing to compare"):
        scenarios.compare(two_scenarios, ["新建小学", "新建小学"])


def test_window_panel_marks_and_refuses_an_out_of_date_scenario(two_scenarios,
                                                                request):
    pytest.importorskip("PySide6")
    pytest.importorskip("pytestqt")
    from types import SimpleNamespace

    from PySide6.QtCore import Qt

    from ui.scenarios_panel import ScenariosPanel

    qtbot = request.getfixturevalue("qtbot")
    scenarios.promote(two_scenarios, "新建小学")
    asked = []

    def promote(name):
        asked.append(name)
        return True, ""

    window = SimpleNamespace(project=two_scenarios, promote_scenario=promote)
    panel = ScenariosPanel(window)
    qtbot.addWidget(panel)
    panel.set_project(two_scenarios)
    rows = {panel.listing.item(r, 0).data(Qt.ItemDataRole.UserRole): r
            for r in range(panel.listing.rowCount())}
    status = panel.listing.item(rows["关闭幼儿园"], 2)
    assert status.text() == "最优（已过期）"
    assert "之后基准已改变" in status.toolTip()
    assert "请重新求解该方案" in status.toolTip()
    assert panel.listing.item(rows["base"], 2).text() == "最优"
    panel.select(["关闭幼儿园"])
    panel.promote_selected()
    assert asked == []  # refused before the window promotes anything
    assert panel.note.text().startswith(
        "未采用：方案 关闭幼儿园 是在较早的基准上得出的")
    assert "K1" in set(two_scenarios.facilities["facility_id"])


def test_a_comparison_says_when_the_base_predates_a_rule_change(two_scenarios,
                                                                tmp_path, capsys,
                                                                request):
    # Found by a new user: after a rule change the base was not solved again;
    # a scenario with no change of its own, solved after it, differed from
    # the base by the rule change alone, and nothing said so.
    path = tmp_path / "p.gpkg"
    save_project(two_scenarios, path)
    assert main(["scenario", "diff", str(path), "base", "新建小学"]) == 0
    assert "note" not in capsys.readouterr().err
    assert main(["rules", str(path), "--set", "lottery_seed=7"]) == 0
    entry = int(load_project(path).ledger["entry"].iloc[-1])
    capsys.readouterr()
    # The scenario predates the change too: it is out of date, and that is
    # what the comparison says.
    assert main(["scenario", "diff", str(path), "base", "新建小学"]) == 0
    err = capsys.readouterr().err
    assert "新建小学 已过期 out of date" in err and "note: the base" not in err
    assert main(["solve", str(path), "--scenario", "新建小学", "--backend", "cpsat",
                 "--date", TINY_TODAY.isoformat()]) == 0
    capsys.readouterr()
    assert main(["scenario", "diff", str(path), "base", "新建小学"]) == 0
    err = capsys.readouterr().err
    assert (f"注意 note: the base allocation was made before a change of its rules "
            f"(ledger entry #{entry}, ") in err
    assert f"run `allocator solve {path}` first" in err
    # Compared without the base: nothing to say.
    assert main(["scenario", "diff", str(path), "新建小学", "关闭幼儿园"]) == 0
    assert "note: the base" not in capsys.readouterr().err

    pytest.importorskip("PySide6")
    pytest.importorskip("pytestqt")
    import datetime as dt
    from types import SimpleNamespace

    from ui.scenarios_panel import ScenariosPanel

    qtbot = request.getfixturevalue("qtbot")
    project = load_project(path)
    window = SimpleNamespace(project=project, today=lambda: dt.date(2026, 10, 1))
    panel = ScenariosPanel(window)
    qtbot.addWidget(panel)
    panel.set_project(project)
    panel._draw = lambda comparison: None  # no map in this stand-in window
    assert panel.compare(["base", "新建小学"])
    assert f"注意：基准的分配早于规则的修改（台账第{entry}条，" in panel.note.text()
