"""`allocator solve` allocates everyone afresh: it names the households
allocated a unit before (not moved in) that get another unit or none, and
says when the allocation it replaced was printed.

On the tiny county (solved on 2026-10-01) H2 is allocated A-201 and H3
B-101. Forbidding B-101 to H3 (a petition) and solving again gives B-101 to
H2, the one other household of two it fits, and H3 waits.
"""

from __future__ import annotations

from allocator.cli import main
from allocator.project import load_project
from tests.conftest import TINY_TODAY, tiny_solved_by_cli

DAY = TINY_TODAY.isoformat()


def _solve_without_b101_for_h3(path, capsys) -> str:
    assert main(["lock", str(path), "--household", "H3", "--forbid", "B-101",
                 "--reason", "信访"]) == 0
    capsys.readouterr()
    assert main(["solve", str(path), "--backend", "cpsat", "--date", DAY]) == 0
    return capsys.readouterr().out


def test_a_solve_after_orders_names_whom_it_moves(tmp_path, capsys):
    path = tiny_solved_by_cli(tmp_path / "p.gpkg")
    assert main(["export", str(path), "--csv", str(tmp_path / "orders.csv")]) == 0
    out = _solve_without_b101_for_h3(path, capsys)
    assert ("注意 note: allocated everyone afresh: 2 household(s) have another "
            "allocation than before (2 allocated a unit before, not yet moved in, "
            "have another unit or none); the allocation it replaced was printed on "
            "orders or a notice (ledger entry #3), so theirs need printing again; "
            f"`allocator export {path} --changed --pdf FILE` prints their orders "
            "alone, and `allocator reallocate` (instead of a solve) keeps "
            "households already housed in their units:\n"
            "  H2  A-201 → B-101  调换住房\n"
            "  H3  B-101 → 轮候  失去原分配房屋，重新轮候\n"
            ) in out
    # Their orders alone, each with the reason.
    orders = tmp_path / "changed.csv"
    assert main(["export", str(path), "--changed", "--csv", str(orders)]) == 0
    out = capsys.readouterr().out
    assert ("H2  B-101  调换住房（重新求解）\n"
            "H3  轮候  失去原分配房屋，重新轮候（重新求解）\n") in out
    import pandas as pd

    table = pd.read_csv(orders, dtype=str)
    assert sorted(table.iloc[:, 0].unique()) == ["H2", "H3"]
    assert any("变动原因：重新求解，原分配房屋A-201改为B-101" in str(v)
               for v in table.to_numpy().ravel())
    # Found by a new user: H3 was told its unit was "no longer allocated"
    # when the planner's forbid had given it to H2.
    said = "变动原因：重新求解，原分配房屋B-101经规划人员排除（信访），重新轮候"
    assert any(said in str(v) for v in table.to_numpy().ravel())


def test_without_orders_it_names_them_only(tmp_path, capsys):
    path = tiny_solved_by_cli(tmp_path / "p.gpkg")
    out = _solve_without_b101_for_h3(path, capsys)
    assert ("have another unit or none); `allocator export "
            f"{path} --changed --pdf FILE` prints") in out
    assert ("\n  H2  A-201 → B-101  调换住房\n"
            "  H3  B-101 → 轮候  失去原分配房屋，重新轮候\n") in out
    assert "printed on orders" not in out
    # The ledger says what each got and why; H2's own history shows its part.
    assert main(["ledger", str(path), "--household", "H2",
                 "--action", "allocate changes"]) == 0
    listed = capsys.readouterr().out
    assert ('"details": {"H2": {"reason": "重新求解，原分配房屋A-201改为B-101", '
            '"unit_after": "B-101", "unit_before": "A-201"}}, '
            '"details_not_shown": 1') in listed


def test_a_later_solve_or_reallocation_that_changes_nothing_keeps_them(
        tmp_path, capsys):
    # Solved again (the same answer) and reallocated (nothing to give out),
    # `export --changed` still prints H2 and H3, whose orders the first
    # solve made out of date, and says which run changed them.
    path = tiny_solved_by_cli(tmp_path / "p.gpkg")
    _solve_without_b101_for_h3(path, capsys)
    first = load_project(path).allocations["run_id"].iloc[0]
    assert main(["solve", str(path), "--backend", "cpsat", "--date", DAY]) == 0
    assert "注意 note" not in capsys.readouterr().out
    assert main(["reallocate", str(path), "--date", DAY]) == 0
    capsys.readouterr()
    orders = tmp_path / "changed.csv"
    assert main(["export", str(path), "--changed", "--csv", str(orders)]) == 0
    out = capsys.readouterr().out
    assert "H2  B-101  调换住房\nH3  轮候  失去原分配房屋，重新轮候\n" in out
    assert ") changed no household; the solve before it (run " f"{first}" in out
    assert "changed 2 household(s), whose allocation has not changed since" in out


def test_a_changed_school_place_is_said_member_by_member(tmp_path, capsys):
    # Found by a new user: the order of a household whose school place a solve
    # changed said only "变动原因：重新求解，学位或卫生服务变动", where a
    # reallocation says whose place changed from what to what.
    from allocator.project import save_project

    path = tiny_solved_by_cli(tmp_path / "p.gpkg")
    project = load_project(path)
    services = project.service_assignments
    places = dict(zip(services["member_id"] + " " + services["kind"],
                      services["facility_id"]))
    assert places["H0-03 kindergarten"] == places["H0-04 kindergarten"] == "K1"
    assert not isinstance(places["H1-02 kindergarten"], str)  # H1's: no place
    facilities = project.facilities
    facilities.loc[facilities["facility_id"] == "K1", "capacity"] = 3
    save_project(project, path)
    assert main(["solve", str(path), "--backend", "cpsat", "--date", DAY]) == 0
    rows = load_project(path).allocations.set_index("household_id")
    assert rows.loc["H1", "reason"].startswith(
        "变动原因：重新求解，学位或卫生服务变动：H1-02幼儿园由无改为第一幼儿园。")
