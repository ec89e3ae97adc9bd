"""An id that is nearly one of the project's is named in the refusal.

The tiny county (tests/data/tiny) has households H0 to H5 and units A-101,
A-201, A-301, B-101, B-201 and B-301.
"""

from __future__ import annotations

import pytest

from allocator.allocate import solve_project, store_outcome
from allocator.exits import ExitError, confirm_exits
from allocator.export import ExportRefused, export_csv
from allocator.ids import did_you_mean
from allocator.locks import lock_problems
from allocator.petition import PetitionError, try_petition
from tests.conftest import TINY_TODAY

HOUSEHOLDS = [f"ZJ-{i:06d}" for i in range(1, 3951)]


@pytest.mark.parametrize("typed", [" ZJ-000013", "zj-000013", "ZJ-000013 ",
                                   "ＺＪ－００００１３", "zj-000013\t"])
def test_spaces_case_and_full_width_are_set_aside(typed):
    assert did_you_mean(typed, HOUSEHOLDS) == " (did you mean ZJ-000013?)"


def test_a_known_id_or_a_far_one_gets_no_hint():
    assert did_you_mean("ZJ-000013", HOUSEHOLDS) == ""
    assert did_you_mean("张三", HOUSEHOLDS) == ""
    assert did_you_mean("ZJ-000013", []) == ""
    # One digit short is as near to ZJ-000013 as to ZJ-000130: no guess.
    assert did_you_mean("ZJ-00013", HOUSEHOLDS) == ""


def test_one_slip_from_a_single_id_is_named():
    units = ["ZJ01-1-01-0101", "ZJ02-3-05-0502", "HS-7-201"]
    assert did_you_mean("ZJ01-1-01-010", units) == " (did you mean ZJ01-1-01-0101?)"


def test_every_refusal_of_an_unknown_id_names_the_near_one(tiny_project):
    problems = lock_problems(tiny_project, "h1", "a-101", "fix")
    assert [p.message for p in problems] == [
        "household h1 is not in the project (did you mean H1?)",
        "unit a-101 is not in the project (did you mean A-101?)"]
    with pytest.raises(PetitionError, match=r"household h2 is not in the project "
                                            r"\(did you mean H2\?\)"):
        try_petition(tiny_project, "h2", exclude_unit="A-201")
    with pytest.raises(PetitionError, match=r"did you mean A-201\?"):
        try_petition(tiny_project, "H2", exclude_unit=" A-201")


def test_exits_and_export_name_the_near_one(tiny_project, tmp_path):
    store_outcome(tiny_project, solve_project(tiny_project, backend="cpsat",
                                              today=TINY_TODAY))
    with pytest.raises(ExitError, match=r"household h0 is not in the project "
                                        r"\(did you mean H0\?\)"):
        confirm_exits(tiny_project, ["h0"], TINY_TODAY, TINY_TODAY)
    with pytest.raises(ExportRefused, match=r"h0 \(did you mean H0\?\)"):
        export_csv(tiny_project, tmp_path / "o.csv", households=["h0"])
    assert not (tmp_path / "o.csv").exists()


def test_the_exit_listing_of_an_unknown_household_is_an_error(tiny_project,
                                                              tmp_path, capsys):
    from allocator.cli import main
    from allocator.project import save_project

    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    assert main(["exits", str(path), "--household", "h0"]) == 2
    assert ("错误 error: h0: not a housed household that can exit (unknown, "
            "waiting or already exited) (did you mean H0?)") in capsys.readouterr().err


def test_a_scenario_names_the_facility_typed_in_other_letters(tiny_project):
    from allocator import scenarios

    with pytest.raises(scenarios.ScenarioError) as refused:
        scenarios.create(tiny_project, "关", {"close_facilities": ["k1"],
                                             "capacities": {"p1 ": 9}})
    text = str(refused.value)
    assert "no facility 'k1'; use a facility id (设施编号) of the project (did you " \
        "mean K1?)" in text
    assert "(did you mean P1?)" in text
