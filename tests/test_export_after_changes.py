"""Orders print the allocation as it was made: an export after a change of
the allocation's rules or of a lock says so (found by a new user, who printed
orders with the old area band after changing it)."""

from __future__ import annotations

import pytest
from conftest import TINY_TODAY, tiny_solved_by_cli

from allocator.cli import main
from allocator.export import changed_since_allocation, latest_run
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
    # The workbook's 求解信息 sheet says so too (found by a new user).
    import openpyxl

    info = {row[0]: row[1] for row in openpyxl.load_workbook(
        tmp_path / "a.xlsx")["求解信息"].iter_rows(values_only=True)}
    assert info["changed_since"] == (
        f"分配之后规则已修改（台账第{entry}条起，{day}）：本表为分配时的结果，"
        "重新求解后才按修改后的规则分配")
    # A new solve makes the allocation under the rules as they are.
    assert main(["solve", str(path), "--backend", "highs"]) == 0
    assert _export(path, tmp_path, capsys) == ""
    info = {row[0]: row[1] for row in openpyxl.load_workbook(
        tmp_path / "a.xlsx")["求解信息"].iter_rows(values_only=True)}
    assert "changed_since" not in info
    # Seconds, seed and gap are numbers a spreadsheet can sum (they were text).
    run = latest_run(load_project(path), "base")
    assert info["seconds"] == pytest.approx(float(run["seconds"]))
    assert info["seed"] == int(run["seed"]) and isinstance(info["seed"], int)
    assert info["status"] == "optimal"
    assert main(["lock", str(path), "--household", "H5", "--unit", "B-201"]) == 0
    assert changed_since_allocation(load_project(path))[2] == "locks"
    assert "a lock was changed after this allocation" in _export(path, tmp_path,
                                                                 capsys)
    # Found by a new user: a lock added and removed again changed nothing,
    # yet the note was printed.
    assert main(["lock", str(path), "--household", "H5", "--unit", "B-201",
                 "--remove"]) == 0
    assert changed_since_allocation(load_project(path)) is None
    assert _export(path, tmp_path, capsys) == ""
    # Found by a new user: a rule set and then set back (12 written as 12.0)
    # changed nothing, yet the note was printed.
    was = load_project(path).rules["area_min_per_person_m2"]
    assert main(["rules", str(path), "--set", f"area_min_per_person_m2={was + 1}"]) == 0
    assert changed_since_allocation(load_project(path))[2] == "rules"
    assert main(["rules", str(path), "--set",
                 f"area_min_per_person_m2={float(was)}"]) == 0
    assert changed_since_allocation(load_project(path)) is None
    assert _export(path, tmp_path, capsys) == ""
    # Found by a new user: after a lock and then a rule change, only the
    # lock was named.
    assert main(["lock", str(path), "--household", "H5", "--unit", "B-201"]) == 0
    assert main(["rules", str(path), "--set", "lottery_seed=9"]) == 0
    assert changed_since_allocation(load_project(path))[2] == "both"
    assert "the rules and a lock were changed after this allocation was made " \
        "(ledger entry #" in _export(path, tmp_path, capsys)


def test_shortages_are_explained_by_the_rules_the_allocation_followed(tmp_path,
                                                                     capsys):
    # Found by a new user: after the primary catchment was widened, the
    # shortage panel said a child had no place while a school inside the (new)
    # catchment had places free. The allocation was made with 500 m; its
    # shortages are explained with 500 m until the next solve.
    from allocator.shortage import compute_shortages

    path = tiny_solved_by_cli(tmp_path / "p.gpkg")
    before = [r["text"] for r in compute_shortages(load_project(path))]
    assert before[1] == ("测试安置点 A栋：1名适龄儿童无小学名额；步行500 m内0所小学，"
                         "剩余名额0个；最近的服务半径外小学：第一小学，步行1,513 m，"
                         "剩余5个")
    wide = ('catchment_walk_m={"kindergarten": 300, "primary": 2000, '
            '"junior": 1000, "clinic": 1000}')
    assert main(["rules", str(path), "--set", wide]) == 0
    assert main(["rules", str(path), "--set", "detour_factor=1.5"]) == 0
    project = load_project(path)
    assert project.rules["catchment_walk_m"]["primary"] == 2000
    assert [r["text"] for r in compute_shortages(project)] == before
    # The solve under the new rules places the child at 第一小学 (now inside
    # the catchment), and its explanations follow the new rules.
    assert main(["solve", str(path), "--backend", "cpsat", "--date",
                 TINY_TODAY.isoformat()]) == 0
    after = [r["text"] for r in compute_shortages(load_project(path))]
    assert not [text for text in after if "小学" in text]
