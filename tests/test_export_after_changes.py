"""Orders print the allocation as it was made: an export after a change of
the allocation's rules or of a lock says so (found by a new user, who printed
orders with the old area band after changing it)."""

from __future__ import annotations

from conftest import tiny_solved_by_cli

from allocator.cli import main
from allocator.export import changed_since_allocation
from allocator.project import load_project


def _export(path, tmp_path, capsys) -> str:
    capsys.readouterr()
    assert main(["export", str(path), "--xlsx", str(tmp_path / "a.xlsx")]) == 0
    return capsys.readouterr().err


def test_an_export_after_a_change_says_the_orders_predate_it(tmp_path, capsys):
    path = tiny_solved_by_cli(tmp_path / "p.gpkg")
    assert _export(path, tmp_path, capsys) == ""
    # Follow-up visits do not touch the allocation: nothing to say.
    assert main(["rules", str(path), "--set", "follow_up_months=[1, 2]"]) == 0
    assert _export(path, tmp_path, capsys) == ""
    assert main(["rules", str(path), "--set", "lottery_seed=5"]) == 0
    project = load_project(path)
    entry = int(project.ledger["entry"].iloc[-1])
    day = str(project.ledger["time"].iloc[-1])[:10]
    assert changed_since_allocation(project) == (entry, day, "rules")
    assert _export(path, tmp_path, capsys) == (
        f"注意 note: the rules were changed after this allocation was made (ledger "
        f"entry #{entry}, {day}); the orders print the allocation as it was made. "
        "To apply the change, run `allocator solve` (or `allocator reallocate`) "
        "first\n")
    # A new solve makes the allocation under the rules as they are.
    assert main(["solve", str(path), "--backend", "highs"]) == 0
    assert _export(path, tmp_path, capsys) == ""
    assert main(["lock", str(path), "--household", "H5", "--unit", "B-201"]) == 0
    assert changed_since_allocation(load_project(path))[2] == "locks"
    assert "a lock was changed after this allocation" in _export(path, tmp_path,
                                                                 capsys)
