"""Promoting a scenario that leaves households housed in the base without a
unit, or in another unit, is refused from the command line unless --force
is given.

On the tiny county (solved on 2026-10-01) H3 is allocated B-101. Scenario
新增户 adds N1, a retired soldier's household of two waiting since 2020,
which outranks H3; solved afresh, the scenario gives B-101 (50 m², the one
unit left that fits two people) to N1, and H3 waits.
"""

from __future__ import annotations

import json

from allocator import scenarios
from allocator.cli import main
from allocator.project import load_project
from tests.conftest import TINY_TODAY, tiny_solved_by_cli
from tests.test_notice_edges import ADD_HOUSEHOLD

# N1 alone, without the unit that scenario adds beside it
N1 = {"add_households": ADD_HOUSEHOLD["add_households"]}


def test_promote_that_takes_a_unit_needs_force(tmp_path, capsys):
    path = tiny_solved_by_cli(tmp_path / "p.gpkg")
    changes = tmp_path / "n1.json"
    changes.write_text(json.dumps(N1, ensure_ascii=False), encoding="utf-8")
    assert main(["scenario", "new", str(path), "新增户", "--file", str(changes)]) == 0
    assert main(["solve", str(path), "--scenario", "新增户", "--backend", "cpsat",
                 "--date", TINY_TODAY.isoformat()]) == 0
    project = load_project(path)
    rows = project.allocations.set_index(["scenario", "household_id"])["unit_id"]
    assert rows["base", "H3"] == "B-101" and rows["新增户", "N1"] == "B-101"
    assert scenarios.units_taken(project, "新增户") == [("H3", "B-101", "")]

    before = path.read_bytes()
    capsys.readouterr()
    assert main(["scenario", "promote", str(path), "新增户"]) == 1
    assert capsys.readouterr().err == (
        "错误 error: promoting scenario '新增户' takes or changes the unit of 1 "
        "household(s) housed in the base: H3 (B-101 → none) (`allocator "
        f"scenario diff {path} 新增户` shows them): a scenario solved afresh may "
        "give their units to others. Nothing changed; add --force to "
        "promote it anyway\n")
    assert path.read_bytes() == before

    assert main(["scenario", "promote", str(path), "新增户", "--force"]) == 0
    base = load_project(path).allocations
    base = base[base["scenario"] == "base"].set_index("household_id")["unit_id"]
    assert base["N1"] == "B-101" and base.isna()["H3"]
