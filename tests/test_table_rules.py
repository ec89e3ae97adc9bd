"""Table rules (a value per kind: points, catchments, wishes) as a planner
changes them: a partial priority_points changes only the points it names,
and a key a table rule does not have is refused (found by a new user: a
partial priority_points set the other points to 0, and the next solve moved
547 households; "highschool" and "orphan" were stored without a word)."""

from __future__ import annotations

from allocator import scenarios
from allocator.cli import main
from allocator.project import load_project, save_project
from allocator.rules import DEFAULTS, rule_problems

POINTS = DEFAULTS["priority_points"].value


def test_a_partial_priority_points_changes_only_the_points_it_names(
        tiny_project, tmp_path, capsys):
    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    assert main(["rules", str(path), "--set",
                 'priority_points={"disability": 35}']) == 0
    assert load_project(path).rules["priority_points"] == {**POINTS,
                                                           "disability": 35}
    assert POINTS["veteran"] == 25  # kept, not 0


def test_a_key_a_table_rule_does_not_have_is_refused(tiny_project, tmp_path,
                                                     capsys):
    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    before = path.read_bytes()
    catchments = dict(DEFAULTS["catchment_walk_m"].value, highschool=800)
    assert main(["rules", str(path), "--set",
                 f"catchment_walk_m={catchments}".replace("'", '"')]) == 1
    err = capsys.readouterr().err
    assert ("错误 error: catchment_walk_m: 'highschool' is not one of "
            "kindergarten, primary, junior, clinic") in err
    assert path.read_bytes() == before
    assert rule_problems({"priority_points": {"orphan": 50, "veteran": 30}}) == [
        "priority_points: 'orphan' is not one of disability, aged_70_plus, "
        "veteran, low_income, per_waiting_year"]


def test_a_scenarios_partial_priority_points_keeps_the_others(tiny_project):
    scenarios.create(tiny_project, "退役军人优先",
                     {"rules": {"priority_points": {"veteran": 100}}})
    data = scenarios.scenario_data(tiny_project, "退役军人优先")
    assert data.rules["priority_points"] == {**POINTS, "veteran": 100}
