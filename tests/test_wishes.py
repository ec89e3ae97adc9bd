"""Household wishes and village groups as objective levels the planner orders.

Hand-made cases: the tiny county with building B栋 as a second site S2 (see
tests/test_fairness.py), and a four-household problem on plain numbers.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from allocator.allocate import solve_project, store_outcome
from allocator.kpis import compute_kpis
from allocator.validator import count_wishes
from solvers import get_backend
from solvers.joint import (
    JointProblem,
    build_aggregated_model,
    build_joint_model,
)
from tests.assertions import assert_allocation_valid
from tests.conftest import TINY, TINY_TODAY
from tests.test_fairness import two_sites, units_of

HOUSING_FIRST = ["housed", "served", "wishes", "village", "walk"]
WISHES_FIRST = ["wishes", "housed", "served", "village", "walk"]


def _set(project, household, **values):
    households = project.households
    for column, value in values.items():
        households.loc[households["household_id"] == household, column] = value


def _solve(project, **options):
    outcome = solve_project(project, today=TINY_TODAY, **options)
    store_outcome(project, outcome)
    assert outcome.run["status"] == "optimal"
    assert_allocation_valid(project)
    return outcome


@pytest.mark.parametrize("formulation", ["aggregated", "detailed"])
def test_site_wish_follows_its_place_in_the_order(tiny_project, formulation):
    # H2 (3 people, 36-75 m²) ranks S2 first; at S2 only B-101 (50 m²) fits
    # it. After housing, every household that can be housed is (H1 A-101,
    # H2 A-201, H3 B-101, H4 B-201): H3 fits only the 50 m² units, so H2
    # keeps A-201 and its wish is not met. With wishes first, H2 takes
    # B-101; H3 (priority 5, as H2) then fits nothing left and waits.
    project = two_sites(tiny_project)
    _set(project, "H2", preferred_sites="S2")
    project.rules["objective_order"] = HOUSING_FIRST
    default = _solve(project, backend="highs", formulation=formulation)
    assert units_of(default)["H2"] == "A-201"
    assert default.run["objective_housed"] == 490
    assert default.run["objective_wishes"] == 0
    wish = default.allocations.set_index("household_id")["wish"]
    assert wish["H2"] == ("安置意愿：志愿安置点1.测试安置点二区。志愿安置点未满足："
                          "符合本户条件的此类空置房共1套，已全部分配：住不了本户现分"
                          "房屋的户（与本户对调则该户无房）1套。")
    assert wish["H0"] == ""  # housed earlier
    assert wish["H3"].startswith("同村同点：本次同村（城北乡谷都村）分得住房3户")
    kpis = compute_kpis(project)["overall"]
    assert (kpis["wish_ranked"], kpis["wish_first_choice"]) == (1, 0)

    project.rules["objective_order"] = WISHES_FIRST
    first = _solve(project, backend="cpsat", formulation=formulation)
    units = units_of(first)
    assert (units["H2"], units["H3"], units["H4"]) == ("B-101", None, "B-201")
    assert first.run["objective_wishes"] == 3
    assert first.run["objective_housed"] == 155 + 105 + 125
    assert first.allocations.set_index("household_id").at["H2", "wish"] == (
        "安置意愿：志愿安置点1.测试安置点二区。第1志愿测试安置点二区已满足。")
    # The housed level is the second here, and the reason says so (found by
    # a new user: it said "目标1" whatever the order).
    reason = first.allocations.set_index("household_id").at["H2", "reason"]
    assert "（目标2：按优先级加权的安置户数最大）" in reason
    from allocator.texts import in_language

    assert "(objective 2: most households housed" in in_language(reason, "en")
    # H3 waits: of the three units it fits (24-50 m²), A-101 went to H1 (55
    # points), B-201 (25 m²) to H4 (25 points) and B-101 to H2 (5 points,
    # as H3) for its wish, not by lot (found by a new user: "同分户1套（抽签）").
    waiting = first.allocations.set_index("household_id").at["H3", "reason"]
    assert waiting == (
        "轮候：符合本户条件（24–50 m²）的空置房源共3套，已全部分配：优先级高于本户"
        "（5分）的户2套，同分户1套，低于本户的户0套（目标顺序中安置意愿先于安置户数）")
    assert in_language(waiting, "en").endswith(
        "1 to households of equal score, 0 to households of lower priority (the "
        "objective order puts wishes before housing)")
    kpis = compute_kpis(project)["overall"]
    assert (kpis["wish_first_choice"], kpis["wish_any_ranked"],
            kpis["wish_ranked_housed"]) == (1, 1, 1)
    counted = count_wishes(project)
    assert (counted["first_choice"], counted["wish_points"]) == (1, 3)
    assert json.loads(first.run["options_json"])["objective_order"] == WISHES_FIRST


def test_an_order_that_meets_a_later_wish_says_why_not_the_earlier(tiny_project):
    # H2 ranks S2 first and S1 second. With housing first it keeps A-201 at
    # S1 (its second wish): the one unit at S2 it fits (B-101, 50 m²) goes to
    # H3, which fits only the 50 m² units (see the test above).
    project = two_sites(tiny_project)
    _set(project, "H2", preferred_sites="S2|S1")
    project.rules["objective_order"] = HOUSING_FIRST
    outcome = _solve(project, backend="highs")
    assert units_of(outcome)["H2"] == "A-201" and units_of(outcome)["H3"] == "B-101"
    assert outcome.allocations.set_index("household_id").at["H2", "wish"] == (
        "安置意愿：志愿安置点1.测试安置点二区、2.测试安置点。第2志愿测试安置点已满足；"
        "第1志愿测试安置点二区未满足：符合本户条件的此类空置房共1套，已全部分配：住不了"
        "本户现分房屋的户（与本户对调则该户无房）1套。")


def test_an_order_says_where_the_village_group_went(tiny_project):
    # 城北乡谷都村: H1, H3, H4 and H5 wait. H1 needs the one accessible unit
    # (A-101, site S1); H3 (2 people) and H4 (1) fit only the 50 m² units
    # and B-201 (25 m²): with housing and services first the group is split,
    # H1 at S1, H3 and H4 at S2; H5 (1 person) fits nothing left and waits.
    project = two_sites(tiny_project)
    project.rules["objective_order"] = ["housed", "served", "village", "walk"]
    outcome = _solve(project, backend="highs")
    assert {h: units_of(outcome)[h] for h in ("H1", "H3", "H4", "H5")} == {
        "H1": "A-101", "H3": "B-101", "H4": "B-201", "H5": None}
    wish = outcome.allocations.set_index("household_id")["wish"]
    assert wish["H1"] == ("同村同点：本次同村（城北乡谷都村）分得住房3户，测试安置点1户"
                          "（含本户）、测试安置点二区2户（受容量、住房条件或更靠前的目标"
                          "所限，未能同点）。")
    assert wish["H4"] == ("同村同点：本次同村（城北乡谷都村）分得住房3户，测试安置点"
                          "二区2户（含本户）、测试安置点1户（受容量、住房条件或更靠前的"
                          "目标所限，未能同点）。")
    assert wish["H5"] == "" and wish["H2"] == ""  # waiting; alone from 普提村
    # Without the level, the order says nothing of villages.
    project.rules["objective_order"] = ["housed", "served", "walk"]
    assert not _solve(project, backend="highs").allocations["wish"].any()


def test_low_floor_wish(tiny_project):
    # Low floors are floor 1 only here. H2 asks for one: with housing first it keeps
    # A-201 (floor 2); the two floor-1 units it fits (A-101, B-101) go to
    # H1 (accessible) and H3. With wishes first it gets B-101 (floor 1).
    project = tiny_project
    project.rules["low_floor_max"] = 1
    _set(project, "H2", wants_low_floor=True)
    project.rules["objective_order"] = HOUSING_FIRST
    default = _solve(project, backend="highs")
    assert units_of(default)["H2"] == "A-201"
    assert default.allocations.set_index("household_id").at["H2", "wish"] == (
        "安置意愿：低楼层（1层及以下）。低楼层意愿（分配在2层）未满足：符合本户"
        "条件的此类空置房共2套，已全部分配：优先级高于本户（5分）的户1套，住不了本户现分"
        "房屋的户（与本户对调则该户无房）1套。")  # H1 (55 points); H3 (fits 50 m² only)
    assert compute_kpis(project)["overall"]["low_floor_granted"] == 0

    project.rules["objective_order"] = WISHES_FIRST
    first = _solve(project, backend="highs")
    assert units_of(first)["H2"] == "B-101"
    assert first.run["objective_wishes"] == 3  # low_floor points
    # The order says how the floor was chosen: not by lot alone for H2.
    reasons = first.allocations.set_index("household_id")["reason"]
    assert reasons["H2"].endswith("；同类房源内低楼层先安排给需要或申请低楼层的户，"
                                  "同等情况按抽签确定")
    assert reasons["H1"].endswith("；同类房源内低楼层先安排给需要或申请低楼层的户，"
                                  "同等情况按抽签确定")  # needs an accessible unit
    kpis = compute_kpis(project)["overall"]
    assert (kpis["low_floor_asked"], kpis["low_floor_granted"]) == (1, 1)
    assert count_wishes(project)["low_floor_granted"] == 1

    # Found by a new user: with wishes out of the order, the order said
    # nothing of the low floor H2 asked for (the KPI table counted it).
    project.rules["objective_order"] = ["housed", "served", "walk"]
    without = _solve(project, backend="highs")
    assert units_of(without)["H2"] == "A-201"
    assert without.allocations.set_index("household_id").at["H2", "wish"] == (
        "安置意愿：低楼层（1层及以下）。低楼层意愿未满足（分配在2层）。"
        "本次目标顺序不含安置意愿，未按意愿优化。")


def _four_households(order):
    """Two sites with two units each; villages A (h0, h1) and B (h2, h3).

    Wishes: h0 and h2 rank site 0 first, h1 ranks site 1 first (3 points
    each). Everyone fits every unit, so everyone is housed.

    - wishes before village: h0, h2 at site 0 and h1 at site 1 (9 points,
      the most); h3 fills site 1. Both villages are split: one household
      of each at its main site, 2 in all.
    - village before wishes: each village at one site (4 households with
      their group); of the two ways, village A at site 1 and B at site 0
      meets h1's and h2's wishes (6) against h0's alone (3).
    """
    return JointProblem(
        class_location=[0, 1], class_capacity=[2, 2],
        household_weight=[100] * 4, household_location=[None] * 4,
        household_classes=[[0, 1]] * 4, facility_capacity=[], reach={}, groups=[],
        household_wishes=[{0: 3}, {1: 3}, {0: 3}, {}],
        household_village=[0, 0, 1, 1], class_site=[0, 1],
        objective_order=order, priority_respecting=True)


@pytest.mark.parametrize("backend", ["cpsat", "highs", "cbc"])
@pytest.mark.parametrize("build", [build_joint_model, build_aggregated_model])
def test_village_groups_against_wishes(backend, build):
    results = {}
    for order in (["housed", "served", "wishes", "village", "walk"],
                  ["housed", "served", "village", "wishes", "walk"]):
        model = build(_four_households(order)).model
        assert [o.name for o in model.objectives] == order
        result = get_backend(backend).solve(model)
        assert result.status.value == "optimal"
        results[order[2]] = (result.objectives["wishes"],
                             result.objectives["village"])
    assert results == {"wishes": (9, 2), "village": (6, 4)}


def test_levels_left_out_and_a_reallocation_level_keep_their_place():
    from solvers.base import Objective
    from solvers.joint import order_levels

    built = [Objective(name, "max", [], []) for name in
             ("housed", "kept", "served", "walk", "wishes", "village")]
    ordered = order_levels(built, ["village", "housed", "served", "walk"])
    assert [o.name for o in ordered] == ["village", "housed", "kept", "served",
                                         "walk"]


def _register_with(tmp_path, sites: str, low: str = "否"):
    frame = pd.read_csv(TINY / "register.csv", dtype=str, keep_default_na=False)
    frame["意向安置点"] = ""
    frame["低楼层意愿"] = ""
    head = frame.index[(frame["户号"] == "H2") & (frame["与户主关系"] == "户主")][0]
    frame.loc[head, ["意向安置点", "低楼层意愿"]] = [sites, low]
    path = tmp_path / "register.csv"
    frame.to_csv(path, index=False, encoding="utf-8-sig")
    return path, head + 2  # the row a spreadsheet shows


def test_import_reads_wishes(tmp_path, tiny_inputs):
    from dataclasses import replace

    from allocator.importer import import_files

    path, _row = _register_with(tmp_path, "S1", "是")
    result = import_files(replace(tiny_inputs, register=path))
    assert result.errors == []
    households = result.project.households.set_index("household_id")
    assert households.at["H2", "preferred_sites"] == "S1"
    assert bool(households.at["H2", "wants_low_floor"]) is True
    assert pd.isna(households.at["H3", "preferred_sites"])
    assert not bool(households.at["H3", "wants_low_floor"])


def test_import_names_an_unknown_site_and_a_bad_answer(tmp_path, tiny_inputs):
    from dataclasses import replace

    from allocator.importer import import_files

    path, row = _register_with(tmp_path, "S1|S9", "也许")
    result = import_files(replace(tiny_inputs, register=path))
    assert result.project is None
    messages = sorted(str(p) for p in result.errors)
    assert len(messages) == 2
    assert messages[0].startswith(f"{path}:{row}:低楼层意愿:")
    assert "'也许': write 是 or 否" in messages[0]
    assert messages[1].startswith(f"{path}:{row}:意向安置点:")
    assert "household H2: site(s) S9 are not in the sites file" in messages[1]


def test_objective_order_is_set_with_the_rules_command(tmp_path, tiny_project,
                                                       capsys):
    from allocator.cli import main
    from allocator.project import load_project, save_project

    path = tmp_path / "tiny.gpkg"
    save_project(tiny_project, path)
    order = '["housed","wishes","served","walk"]'
    assert main(["rules", str(path), "--set", f"objective_order={order}"]) == 0
    assert load_project(path).rules["objective_order"] == [
        "housed", "wishes", "served", "walk"]
    assert main(["rules", str(path), "--set", 'objective_order=["wishes"]']) == 1
    assert "housed, served, walk must be in the order" in capsys.readouterr().err
    assert load_project(path).rules["objective_order"][1] == "wishes"


def test_orders_print_the_wish_and_the_options(tiny_project):
    from allocator.export import build_orders

    project = two_sites(tiny_project)
    _set(project, "H2", preferred_sites="S2|S1")
    project.rules["objective_order"] = WISHES_FIRST
    _solve(project, backend="highs")
    orders = {o.household_id: o for o in build_orders(project,
                                                      issue_date=dt.date(2026, 10, 8))}
    assert orders["H2"].wish_text == (
        "安置意愿：志愿安置点1.测试安置点二区、2.测试安置点。"
        "第1志愿测试安置点二区已满足。")
    # H4 recorded no wish; its village group (H1 and H4 housed) is split.
    assert orders["H4"].wish_text == (
        "同村同点：本次同村（城北乡谷都村）分得住房2户，测试安置点二区1户（含本户）、"
        "测试安置点1户（受容量、住房条件或更靠前的目标所限，未能同点）。")
    label = orders["H2"].run_label
    assert "优先级保护开" in label and "覆盖率差距上限关" in label
    assert "目标依次为安置意愿、安置户数、服务名额、同村同点、步行距离" in label


def test_order_pdf_shows_the_wish(tiny_project, tmp_path):
    from pypdf import PdfReader

    from allocator.export import export_pdf

    project = two_sites(tiny_project)
    _set(project, "H2", preferred_sites="S2")
    _solve(project, backend="highs")
    path = export_pdf(project, tmp_path / "orders.pdf", households=["H2"])
    text = "".join(page.extract_text() for page in PdfReader(path).pages)
    assert "安置意愿" in text.replace(" ", "") and "志愿安置点未满足" in text.replace(
        " ", "").replace("\n", "")


def test_sample_register_carries_wishes():
    from sample_data import sample_files

    register = pd.read_excel(sample_files()["register"], sheet_name="登记表",
                             dtype=str)
    units = pd.read_csv(sample_files()["units"], dtype=str)
    heads = register[register["与户主关系"] == "户主"].set_index("户号")
    housed = set(units["现住户号"].dropna())
    waiting = heads[~heads.index.isin(housed)]
    ranked = waiting["意向安置点"].dropna().str.split("|")
    assert 0.55 <= len(ranked) / len(waiting) <= 0.70
    assert ranked.map(len).between(1, 3).all()
    assert set(ranked.explode()) == {"ZJ01-1", "ZJ01-2", "ZJ01-3", "ZJ01-4"}
    assert ranked.map(lambda sites: len(set(sites)) == len(sites)).all()
    assert heads.loc[heads.index.isin(housed), "意向安置点"].isna().all()
    # Low floor: most waiting households with a member aged 60+ or disabled.
    born = pd.to_datetime(register["出生日期"])
    frail = ((born <= pd.Timestamp("1966-12-04")) | (register["残疾"] != "无")
             ).groupby(register["户号"]).any()
    asks = waiting["低楼层意愿"] == "是"
    frail_waiting = frail.reindex(waiting.index)
    assert not asks[~frail_waiting].any()
    assert 0.7 <= asks[frail_waiting].mean() <= 0.9


@pytest.fixture(scope="module")
def two_site_cut(sample_import):
    """Sub-sites 二区 and 四区 with a tenth of the waiting list (seeded)."""
    from tests.conftest import cut_project

    return cut_project(sample_import, ["ZJ01-2", "ZJ01-4"], 0.1, seed=3)


def test_both_formulations_agree_on_every_level_of_a_sample_cut(two_site_cut):
    import copy

    levels = ("housed", "served", "wishes", "village", "walk")
    found = {}
    for formulation in ("aggregated", "detailed"):
        project = copy.deepcopy(two_site_cut)
        project.rules["objective_order"] = list(levels)
        outcome = solve_project(project, backend="highs", formulation=formulation,
                                today=dt.date(2026, 12, 4))
        assert outcome.run["status"] == "optimal"
        store_outcome(project, outcome)
        assert_allocation_valid(project)
        found[formulation] = tuple(outcome.run[f"objective_{k}"] for k in levels)
        # The validator's own count of wishes and village groups is what the
        # model optimised, and the KPIs say the same.
        counted = count_wishes(project)
        assert counted["wish_points"] == outcome.run["objective_wishes"]
        assert counted["village_households_together"] == \
            outcome.run["objective_village"]
        kpis = compute_kpis(project)["overall"]
        assert (kpis["wish_first_choice"], kpis["wish_any_ranked"],
                kpis["low_floor_granted"], kpis["village_groups"],
                kpis["village_groups_together"]) == (
            counted["first_choice"], counted["any_ranked"],
            counted["low_floor_granted"], counted["village_groups"],
            counted["village_groups_together"])
        assert counted["ranked"] > 0 and counted["low_floor_asked"] > 0
    assert found["aggregated"] == found["detailed"]


def test_scenario_comparison_counts_wishes(tiny_project):
    # Found by a new user: a scenario that put wishes first showed +0 on
    # every key figure. As in test_low_floor_wish: housing first, H2 keeps
    # A-201 (floor 2); wishes first, it gets B-101 (floor 1).
    from allocator import scenarios

    project = tiny_project
    project.rules["low_floor_max"] = 1
    _set(project, "H2", wants_low_floor=True)
    project.rules["objective_order"] = HOUSING_FIRST
    _solve(project, backend="highs")
    scenarios.create(project, "意愿优先", {"rules": {"objective_order": WISHES_FIRST}})
    assert scenarios.solve(project, "意愿优先", backend="highs",
                           today=TINY_TODAY).run["status"] == "optimal"
    kpis = scenarios.compare(project, ["base", "意愿优先"]).kpis
    assert kpis.loc["low_floor_granted"].tolist() == [0, 1, 1]
    # No household ranked a site: those rows are left out.
    assert "wish_first_choice" not in kpis.index
