"""The office that issues an order follows the household's category."""

from __future__ import annotations

from allocator.allocate import solve_project, store_outcome
from allocator.export import build_orders, changed_since_allocation
from allocator.rules import issuing_office, rule_problems
from tests.conftest import TINY_TODAY


def test_orders_are_issued_by_the_office_of_each_category(tiny_project):
    # The tiny county: H2 工程搬迁, H3 生态移民, the others 易地扶贫搬迁; H4
    # becomes a retired soldier's household (退役军人).
    project = tiny_project
    households = project.households
    households.loc[households["household_id"] == "H4", "category"] = "退役军人"
    project.metadata["county"] = "测试县"
    store_outcome(project, solve_project(project, today=TINY_TODAY))
    offices = {o.household_id: o.office for o in build_orders(project)}
    assert offices == {"H0": "测试县易地扶贫搬迁安置工作领导小组办公室",
                       "H1": "测试县易地扶贫搬迁安置工作领导小组办公室",
                       "H2": "测试县搬迁安置工作领导小组办公室",
                       "H3": "测试县搬迁安置工作领导小组办公室",
                       "H4": "测试县退役军人事务局",
                       "H5": "测试县易地扶贫搬迁安置工作领导小组办公室"}


def test_the_county_names_its_own_office(tiny_project, tmp_path, capsys):
    # Set by the CLI (a ledger entry): one category's office changes, the
    # others stay, and the allocation is not called out of date by it (a
    # rule of the orders' letterhead, not of the allocation), while a rule
    # it rests on is.
    from allocator.cli import main
    from allocator.project import load_project, save_project

    path = tmp_path / "p.gpkg"
    tiny_project.metadata["county"] = "测试县"
    save_project(tiny_project, path)
    assert main(["solve", str(path)]) == 0
    assert main(["rules", str(path), "--set",
                 'issuing_office={"工程搬迁": "{county}水库移民工作局"}']) == 0
    project = load_project(path)
    offices = {o.household_id: o.office for o in build_orders(project)}
    assert offices["H2"] == "测试县水库移民工作局"
    assert offices["H3"] == "测试县搬迁安置工作领导小组办公室"
    assert changed_since_allocation(project) is None
    # A second office set later keeps the first (found by a new user: the
    # table was replaced, and the first office went back to the default).
    office = '{"退役军人": "{county}退役军人事务局移交安置科"}'
    assert main(["rules", str(path), "--set", f"issuing_office={office}"]) == 0
    offices = load_project(path).rules["issuing_office"]
    assert (offices["工程搬迁"], offices["退役军人"]) == (
        "{county}水库移民工作局", "{county}退役军人事务局移交安置科")
    # A character the orders' font cannot draw is said at once (U+20000,
    # beyond the fonts the product finds here).
    from allocator.fonts import find_cjk_font, missing_glyphs

    capsys.readouterr()
    assert main(["rules", str(path), "--set",
                 'issuing_office={"生态移民": "\U00020000办公室"}']) == 0
    if missing_glyphs("\U00020000", find_cjk_font()):
        assert "issuing_office.生态移民: the orders' font" in capsys.readouterr().err
    assert main(["rules", str(path), "--set", "low_floor_max=2"]) == 0
    assert changed_since_allocation(load_project(path))[2] == "rules"


def test_an_office_entry_that_cannot_be_printed_is_refused():
    assert rule_problems({"issuing_office": {
        "退伍": "县武装部", "生态移民": " ", "工程搬迁": "{county}{town}移民局",
        "退役军人": "局" * 61}}) == [
        "issuing_office.退伍: not a category; the categories are 易地扶贫搬迁, "
        "工程搬迁, 生态移民, 退役军人",
        "issuing_office.生态移民: ' ' must be the office's name, e.g. "
        "\"{county}退役军人事务局\" ({county} is the county's name)",
        "issuing_office.工程搬迁: {town} is not known; only {county} (the "
        "county's name) is filled in",
        "issuing_office.退役军人: 61 characters; an office's name fits in 60"]
    assert issuing_office({}, "昭觉县", None) == \
        "昭觉县易地扶贫搬迁安置工作领导小组办公室"
