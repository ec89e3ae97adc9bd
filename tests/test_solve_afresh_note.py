"""`allocator solve` allocates everyone afresh: it names the households
allocated a unit before (not moved in) that get another unit or none, and
says when the allocation it replaced was printed.

On the tiny county (solved on 2026-10-01) H2 is allocated A-201 and H3
B-101. Forbidding B-101 to H3 (a petition) and solving again gives B-101 to
H2, the one other household of two it fits, and H3 waits.
"""

from __future__ import annotations

from allocator.cli import main
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
    assert ("注意 note: allocated everyone afresh: 2 household(s) allocated a unit "
            "before, not yet moved in, have another unit or none now: H2 (A-201 → "
            "B-101), H3 (B-101 → 轮候); the allocation it replaced was printed on "
            "orders or a notice (ledger entry #3), so theirs need printing again. "
            "`allocator reallocate` keeps households already housed in their units"
            ) in out


def test_without_orders_it_names_them_only(tmp_path, capsys):
    path = tiny_solved_by_cli(tmp_path / "p.gpkg")
    out = _solve_without_b101_for_h3(path, capsys)
    assert "H2 (A-201 → B-101), H3 (B-101 → 轮候). `allocator reallocate`" in out
    assert "printed" not in out
