"""A petition trial's scenario is not solved again (its condition would be lost).

On the tiny county of tests/test_petition.py, H2 asks for a low floor: the
trial gives H2 B-101 (floor 1) and H3, who held it, B-102. The scenario it is
saved as has no changes of its own, so solving it again would give the base's
answer (H2 back in A-201 on floor 2) under the trial's name, and a promote
would make that the base while the ledger says the petition was tried.
"""

from __future__ import annotations

import pytest

from allocator import scenarios
from allocator.cli import main
from allocator.project import load_project, save_project
from tests.test_petition import tiny_built  # noqa: F401  (fixture)
from tests.test_scenario_stale import wish_trial  # noqa: F401  (fixture)


def _units(project, name):
    rows = project.allocations[project.allocations["scenario"] == name]
    return {h: u for h, u in zip(rows["household_id"], rows["unit_id"])
            if isinstance(u, str)}


def test_the_trial_is_known_as_one(wish_trial):  # noqa: F811
    assert scenarios.petition_trial(wish_trial, "信访H2") == {
        "household": "H2", "option": "--grant-wish"}
    assert scenarios.petition_trial(wish_trial, "base") is None


def test_solving_the_trial_again_is_refused_and_changes_nothing(wish_trial):  # noqa: F811
    before = _units(wish_trial, "信访H2")
    assert before["H2"] == "B-101" and before["H3"] == "B-102"
    with pytest.raises(scenarios.ScenarioError) as refused:
        scenarios.solve(wish_trial, "信访H2", backend="cpsat")
    text = str(refused.value)
    assert "信访试算" in text and "petition trial" in text
    assert ("allocator petition PROJECT --household H2 --grant-wish --save-as "
            "信访H2") in text
    assert _units(wish_trial, "信访H2") == before


def test_the_command_line_refuses_solve_and_reallocate(wish_trial, tmp_path,  # noqa: F811
                                                      capsys):
    path = tmp_path / "p.gpkg"
    save_project(wish_trial, path)
    # Exit 1: the data (this scenario) cannot be used so, nothing written.
    assert main(["solve", str(path), "--scenario", "信访H2"]) == 1
    assert "petition trial" in capsys.readouterr().err
    assert main(["reallocate", str(path), "--scenario", "信访H2"]) == 1
    assert "petition trial" in capsys.readouterr().err
    after = load_project(path)
    assert _units(after, "信访H2")["H2"] == "B-101"
    # Promoting the trial as it was tried still works.
    assert main(["scenario", "promote", str(path), "信访H2", "--reason",
                 "信访办结"]) == 0
    assert _units(load_project(path), "base")["H2"] == "B-101"


def test_an_older_trial_without_its_record_is_known_by_its_description(
        wish_trial):  # noqa: F811
    import json

    runs = wish_trial.runs
    runs["options_json"] = [json.dumps({k: v for k, v in json.loads(o).items()
                                        if k != "made_against"})
                            for o in runs["options_json"]]
    assert scenarios.petition_trial(wish_trial, "信访H2") == {}
    with pytest.raises(scenarios.ScenarioError, match="run the petition again"):
        scenarios.solve(wish_trial, "信访H2", backend="cpsat")



def test_a_promoted_exclusion_survives_the_next_solve(tiny_built):  # noqa: F811
    from allocator.allocate import solve_project, store_outcome
    from allocator.petition import save_trial, try_petition
    from tests.conftest import TINY_TODAY

    trial = try_petition(tiny_built, "H2", exclude_unit="A-201", today=TINY_TODAY,
                         backend="cpsat")
    save_trial(tiny_built, trial, "信访H2")
    scenarios.promote(tiny_built, "信访H2", "信访办结")
    locks = tiny_built.locks
    assert locks[["household_id", "unit_id", "kind"]].values.tolist() == [
        ["H2", "A-201", "forbid"]]
    assert tiny_built.ledger.iloc[-1]["action"] == "lock"
    # A plain solve afterwards: without the lock H2 gets A-201 back (the
    # base answer of tests/test_petition.py); with it H2 keeps B-101.
    outcome = solve_project(tiny_built, backend="cpsat", today=TINY_TODAY)
    assert outcome.run["status"] == "optimal"
    store_outcome(tiny_built, outcome)
    assert _units(tiny_built, "base")["H2"] == "B-101"


def test_a_promoted_wish_is_fixed_to_the_unit_it_got(wish_trial):  # noqa: F811
    scenarios.promote(wish_trial, "信访H2", "信访办结")
    locks = wish_trial.locks
    assert locks[["household_id", "unit_id", "kind"]].values.tolist() == [
        ["H2", "B-101", "fix"]]
