"""Recording move-ins (入住) on the tiny county, solved on 2026-10-01: H1
A-101, H2 A-201, H3 B-101, H4 B-201 allocated; H5 waits; H0 lives in A-301
since 2020-05-12."""

from __future__ import annotations

import datetime as dt

import pytest

from allocator.cli import main
from allocator.history import visit_schedule
from allocator.movein import MoveInError, record_move_ins
from allocator.project import load_project
from tests.conftest import TINY_TODAY, tiny_solved_by_cli


@pytest.fixture()
def solved(tmp_path):
    return tiny_solved_by_cli(tmp_path / "p.gpkg")


def test_a_move_in_makes_the_unit_occupied_and_starts_the_visits(solved, capsys):
    day = TINY_TODAY + dt.timedelta(days=20)  # 2026-10-21
    # An id typed in lower case is named, with the one it may stand for.
    assert main(["move-in", str(solved), "--household", "H2", "--household", "h3",
                 "--date", day.isoformat()]) == 1
    err = capsys.readouterr().err
    assert "household h3 is not in the register" in err and "H3" in err
    assert "nothing changed" in err
    # Several households after one --household, as `exits` takes them (a new
    # user's `--household A B` was refused as "unrecognized arguments").
    assert main(["move-in", str(solved), "--household", "H2", "H3",
                 "--date", day.isoformat(), "--reason", "钥匙已交付"]) == 0
    out = capsys.readouterr().out
    assert "H2  入住 moved into A-201 on 2026-10-21" in out
    project = load_project(solved)
    units = project.housing_units.set_index("unit_id")
    assert units.loc["A-201", ["status", "household_id", "placed_on"]].tolist() == [
        "occupied", "H2", "2026-10-21"]
    assert project.ledger.iloc[-1]["action"] == "move in"
    assert project.ledger.iloc[-1]["reason"] == "钥匙已交付"
    # Visits 1, 3 and 6 months after: on 2027-01-01 the first is overdue,
    # the 3-month one (2027-01-21) is still ahead.
    schedule = visit_schedule(project, dt.date(2027, 1, 1))
    h2 = schedule[schedule["household_id"] == "H2"].set_index("visit_month")
    assert h2.loc[1, ["due_on", "status"]].tolist() == ["2026-11-21", "overdue"]
    assert h2.loc[3, ["due_on", "status"]].tolist() == ["2027-01-21", "scheduled"]
    # Moving in twice is said as such.
    with pytest.raises(MoveInError, match="household H2 moved into A-201 already"):
        record_move_ins(load_project(solved), ["H2"], day, today=day)
    # A later solve treats it as housed earlier.
    assert main(["solve", str(solved), "--backend", "cpsat",
                 "--date", day.isoformat()]) == 0
    rows = load_project(solved).allocations.set_index("household_id")
    assert rows.at["H2", "kind"] == "existing"
    assert rows.at["H2", "unit_id"] == "A-201"


def test_every_reason_a_move_in_is_refused_at_once(solved):
    project = load_project(solved)
    with pytest.raises(MoveInError) as error:
        record_move_ins(project, ["H5", "H0", "H9", "H2"], dt.date(2026, 9, 1),
                        today=TINY_TODAY)
    message = str(error.value)
    assert "the move-in date 2026-09-01 is before the allocation was made " \
        "(2026-10-01)" in message
    assert "household H5 has no unit in the base allocation (it waits)" in message
    assert "household H0 lives in A-301 already" in message
    assert "household H9 is not in the register" in message
    assert project.housing_units.set_index("unit_id").at["A-201", "status"] == \
        "vacant"  # nothing changed
    with pytest.raises(MoveInError, match="is after today"):
        record_move_ins(project, ["H2"], TINY_TODAY + dt.timedelta(days=1),
                        today=TINY_TODAY)
