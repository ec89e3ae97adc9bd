"""Orders and notices are not printed from an allocation the register has
outgrown: after a register update they wait for a new solve."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from allocator.allocate import solve_project, store_outcome
from allocator.export import (
    ExportRefused,
    build_orders,
    changed_households,
    latest_run,
)
from allocator.register_update import apply_register_update, compare_register
from tests.conftest import TINY_TODAY

UPDATE = Path(__file__).parent / "data" / "register_update" / "register_2026_11.csv"


def test_an_update_after_the_solve_stops_orders_until_the_next_solve(tiny_project):
    store_outcome(tiny_project, solve_project(tiny_project, backend="cpsat",
                                              today=TINY_TODAY))
    assert [o.household_id for o in build_orders(tiny_project)][:2] == ["H0", "H1"]
    entries = len(tiny_project.ledger)
    apply_register_update(tiny_project, compare_register(
        tiny_project, UPDATE, today=dt.date(2026, 11, 20)),
        today=dt.date(2026, 11, 20))
    first_update = entries + 1  # the update's entries follow the solve's
    assert tiny_project.ledger["action"].iloc[first_update - 1] == "register update"
    with pytest.raises(ExportRefused) as refused:
        build_orders(tiny_project)
    assert f"ledger entry #{first_update}" in str(refused.value)
    assert "run `allocator reallocate` first" in str(refused.value)
    with pytest.raises(ExportRefused):
        latest_run(tiny_project, "base")  # the notice starts here too
    with pytest.raises(ExportRefused, match="register was updated"):
        changed_households(tiny_project)  # not "print all orders instead"
    store_outcome(tiny_project, solve_project(tiny_project, backend="cpsat",
                                              today=TINY_TODAY))
    # The updated register: H4 and H5 left it, H6 joined it.
    assert [o.household_id for o in build_orders(tiny_project)] == [
        "H0", "H1", "H2", "H3", "H6"]
