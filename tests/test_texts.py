"""The core's Chinese reasons and shortages in English (allocator.texts)."""

from __future__ import annotations

import re

import pytest

from allocator.allocate import solve_project, store_outcome
from allocator.shortage import compute_shortages
from allocator.texts import in_language, known, shortage_text
from tests.conftest import TINY_TODAY

CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef]")


@pytest.fixture()
def solved_tiny(tiny_project):
    outcome = solve_project(tiny_project, backend="cpsat", today=TINY_TODAY)
    store_outcome(tiny_project, outcome)
    return tiny_project


def _without_names(text, project):
    names = (list(project.facilities["name"]) + list(project.sites["name"])
             + list(project.housing_units["building"]))
    for name in sorted(set(names), key=len, reverse=True):
        text = text.replace(name, "")
    return text


def test_every_reason_of_a_solve_has_an_english_text(solved_tiny):
    reasons = set(solved_tiny.allocations["reason"]) | set(
        solved_tiny.service_assignments["reason"])
    assert len(reasons) >= 8
    for reason in reasons:
        assert known(reason), reason
        english = in_language(reason, "en")
        assert not CJK.search(_without_names(english, solved_tiny)), english
        assert in_language(reason, "zh_CN") == reason  # orders keep Chinese


def test_english_reasons_carry_the_same_figures(solved_tiny):
    reasons = solved_tiny.allocations.set_index("household_id")["reason"]
    # H0 lives in A-301 since 2020-05-12 (units.csv).
    assert in_language(reasons["H0"], "en") == (
        "already housed: moved into A-301 on 2020-05-12; housing is not changed "
        "this time, school and clinic places follow the address")
    english = in_language(reasons["H1"], "en")
    assert english.startswith("allocated with priority score 55 (objective 1")
    assert "50 m² is within the 24–50 m² band for a household of 2" in english
    assert "ground-floor accessible" in english
    assert in_language("轮候：没有面积在12–25 m²、无障碍范围内的空置房源（本户1人）；"
                       "可申请分户或等待合适房源", "en") == (
        "waiting: no vacant unit of 12–25 m², accessible (household of 1); the "
        "household may apply to split or wait for a fitting unit")
    assert in_language("规划人员锁定（未注明原因）；面积25 m²在本户1人的面积标准"
                       "12–25 m²内；同类房源内楼层按抽签确定", "en").startswith(
        "fixed by the planner (no reason given); 25 m² is within")
    assert in_language(
        "轮候：符合本户条件（12–25 m²）的空置房源共1套，已全部分配：规划人员锁定给"
        "其他户1套，优先级高于本户（25分）的户0套，同分户0套（抽签），低于本户的户"
        "0套（这些户只能使用这类房源，分给它们可多安置户数）", "en").startswith(
        "waiting: all 1 vacant units that fit the household (12–25 m²) are "
        "allocated: 1 fixed to other households by the planner, 0 to households")
    assert in_language("规划人员锁定（信访协调），锁定日期2026-10-01；面积25 m²在本户"
                       "1人的面积标准12–25 m²内", "en") == (
        "fixed by the planner (信访协调) on 2026-10-01; 25 m² is within the "
        "12–25 m² band for a household of 1")
    assert in_language("服务半径内的甲小学（容量5，已分配5）、乙小学（容量3，已分配2）"
                       "最多剩余1个名额，本组2人需同校同时安排", "en") == (
        "甲小学 (capacity 5, 5 used), 乙小学 (capacity 3, 2 used) within the "
        "catchment have at most 1 places left; the 2 children of this group go "
        "to one school together")
    # A clinic registers a whole household, not a group of pupils.
    assert in_language("服务半径内的东区卫生室（容量5，已分配4）最多剩余1个名额，"
                       "本户2人需在同一卫生服务机构同时登记", "en") == (
        "东区卫生室 (capacity 5, 4 used) within the catchment have at most 1 "
        "places left; the 2 members of this household register at one clinic "
        "together")


def test_unknown_text_stays_as_it_is():
    assert in_language("新的说明", "en") == "新的说明"
    assert in_language(None, "en") == ""
    assert not known("新的说明")


def test_shortages_in_both_languages(solved_tiny):
    records = compute_shortages(solved_tiny)
    assert len(records) == 2
    for record in records:
        assert shortage_text(record, "zh_CN") == record["text"]
    primary = next(r for r in records if r["kind"] == "primary")
    assert shortage_text(primary, "en") == (
        "测试安置点 A栋: 1 school-age child has no primary school place; 0 primary "
        "school(s) within 500 m walk, 0 places left; nearest primary school beyond "
        "the catchment: 第一小学, 1,513 m walk, 5 left")


def test_dynamic_management_texts_in_english():
    assert in_language("户H0退出，腾出房屋A-301", "en") == \
        "household H0 exited, freeing unit A-301"
    assert in_language("变动原因：户H0退出腾出房屋A-301，分配给轮候户H5。按优先级得分5"
                       "分配（目标1：按优先级加权的安置户数最大）；面积25 m²在本户1人的"
                       "面积标准12–25 m²内；同类房源内楼层按抽签确定", "en") == (
        "changed: unit A-301, freed when household H0 exited, goes to waiting "
        "household H5. allocated with priority score 5 (objective 1: most "
        "households housed, weighted by priority); 25 m² is within the 12–25 m² "
        "band for a household of 1; the floor among alike units was drawn by lot")
    assert in_language("学位或卫生服务变动：H1-02幼儿园由无改为第一幼儿园", "en") == \
        "school or clinic place changed: H1-02 kindergarten: none → 第一幼儿园"
    assert in_language("红色：收入比上年下降60%（≥50%）；黄色：上年就业，今年无业",
                       "en") == ("red: income 60% lower than last year (≥50%); "
                                 "yellow: in work last year, no job this year")
    assert in_language("人均年收入 7,500 > 15,000（未满足）；稳定就业年限 5 >= 3",
                       "en") == ("income per person 7,500 > 15,000 (not met); "
                                 "years in a stable job 5 >= 3")


# --- reallocation with moves (allocator.reallocate._changes, _move_texts) ------

def test_move_reasons_in_english():
    # A school walk cut (tests/test_reallocate_moves.py: 1,850 m from F-101,
    # 600 m from N-101) and the unit the move left, given to W1.
    assert in_language("由房屋F-101调换至N-101（户X1退出腾出房屋N-101），"
                       "H1-03小学步行距离由1,850米缩短到600米", "en") == (
        "moved from unit F-101 to N-101 (unit N-101 freed when household X1 "
        "exited), the primary school walk of H1-03 cut from 1,850 m to 600 m")
    assert in_language("户H1调换住房后腾出房屋F-101，分配给轮候户W1", "en") == (
        "unit F-101, freed when household H1 moved to another unit, goes to "
        "waiting household W1")
    # A split family (分户) at one site again; the site name stays.
    assert in_language("由房屋B-101调换至A-102（户Y1退出腾出房屋A-102），"
                       "与分户家庭H7同点安置（南坝安置点）", "en") == (
        "moved from unit B-101 to A-102 (unit A-102 freed when household Y1 "
        "exited), now at one site (南坝安置点) with household H7, split from the "
        "same family")
    # Two children of one group, and a family, in one move.
    assert in_language("由房屋B-201调换至A-301，H1-02、H1-03初中步行距离由1,450米"
                       "缩短到820米；与分户家庭H8同点安置（北街）", "en") == (
        "moved from unit B-201 to A-301, the junior middle school walk of H1-02, "
        "H1-03 cut from 1,450 m to 820 m; now at one site (北街) with household "
        "H8, split from the same family")
    # A move that houses more waiting households, and no reason at all.
    assert in_language("由房屋B-201调换至A-301，使更多轮候户得到安置", "en") == (
        "moved from unit B-201 to A-301, so that more waiting households are "
        "housed")
    assert in_language("由房屋B-201调换至A-301", "en") == \
        "moved from unit B-201 to A-301"
    # As the prefix of the allocation reason the order prints.
    english = in_language(
        "变动原因：由房屋F-101调换至N-101（户X1退出腾出房屋N-101），H1-03小学步行距离"
        "由1,850米缩短到600米。按优先级得分15分配（目标1：按优先级加权的安置户数最大）"
        "；面积75 m²在本户3人的面积标准36–75 m²内；同类房源内楼层按抽签确定", "en")
    assert english.startswith(
        "changed: moved from unit F-101 to N-101 (unit N-101 freed when household "
        "X1 exited), the primary school walk of H1-03 cut from 1,850 m to 600 m. "
        "allocated with priority score 15")
    assert not CJK.search(english)


def test_petition_moves_in_english():
    assert in_language("由房屋B-201调换至A-301（户H4调整住房后腾出房屋A-301），"
                       "为试算户H4不接受房屋B-201让出房源", "en") == (
        "moved from unit B-201 to A-301 (unit A-301 given up by household H4 for "
        "a change of housing), making room to try: household H4 does not accept "
        "unit B-201")
    assert in_language("户H4调整住房后腾出房屋B-201，分配给轮候户H5", "en") == (
        "unit B-201, given up by household H4 for a change of housing, goes to "
        "waiting household H5")
    assert in_language("信访试算：满足户H4的意愿（安置点S1、S2、低楼层）；"
                       "原分配房屋改分他户：B-201，重新轮候", "en") == (
        "petition trial: grant household H4's wish (sites S1, S2, a low floor); "
        "the unit allocated before went to another household: B-201; back on "
        "the waiting list")
    assert in_language("信访试算：户H4不接受安置点S2；原分配房屋改分他户：B-201，"
                       "重新轮候", "en").startswith(
        "petition trial: household H4 does not accept site S2; the unit")


# --- unit statuses in planners' words (空置, 已入住, 预留, 维修中) ---------------

def test_validator_names_the_unit_status_in_chinese(solved_tiny):
    allocations = solved_tiny.allocations
    given = allocations[allocations["kind"] == "allocated"].dropna(
        subset=["unit_id"]).iloc[0]
    units = solved_tiny.housing_units
    units.loc[units["unit_id"] == given["unit_id"], "status"] = "reserved"
    from allocator.validator import validate_allocation

    problems = [p for p in validate_allocation(solved_tiny) if "not " in p]
    assert problems == [f"{given['household_id']}: unit {given['unit_id']} was "
                        "预留, not 空置"]


def test_a_lock_checked_at_solve_time_names_the_status_in_chinese(tiny_project):
    import pandas as pd

    from allocator.allocate import LockError

    # B-301 is 维修中 (units.csv); H5 is waiting. The lock is put in directly,
    # as if the unit's status had changed after the lock was set.
    tiny_project.locks = pd.DataFrame([{
        "household_id": "H5", "unit_id": "B-301", "kind": "fix", "reason": "",
        "created": "2026-09-01T00:00:00+08:00"}])
    with pytest.raises(LockError) as refused:
        solve_project(tiny_project, backend="cpsat", today=TINY_TODAY)
    assert "lock fix H5 → B-301: unit B-301 is 维修中, not 空置" in str(refused.value)


def test_an_order_does_not_name_the_household_that_left():
    from allocator.export import order_reason

    reason = "变动原因：户H4退出腾出房屋B-201，分配给轮候户H5。按优先级得分"
    on_order = order_reason(reason, "H5")
    assert on_order == "变动原因：原住户退出腾出房屋B-201，分配给轮候户H5。按优先级得分"
    assert in_language(on_order, "en").startswith(
        "changed: unit B-201, freed when its household exited, goes to waiting "
        "household H5.")
    moved = "由房屋A-201调换至A-301（户H0退出腾出房屋A-301），使更多轮候户得到安置"
    assert in_language(order_reason(moved, "H2"), "en") == (
        "moved from unit A-201 to A-301 (unit A-301 freed when its household "
        "exited), so that more waiting households are housed")
    # A household's own words stay; "本户" is not read as an id.
    own = "本户需无障碍住房，户H4调整住房后腾出房屋B-201，分配给轮候户H5"
    assert order_reason(own, "H5") == (
        "本户需无障碍住房，原住户调整住房后腾出房屋B-201，分配给轮候户H5")
    assert order_reason(reason, "H4") == reason


def test_an_order_names_the_member_whose_place_changed():
    # Found by a new user: a family could not tell which child
    # "ZJ-000015-08" is.
    from allocator.export import order_reason

    reason = ("变动原因：学位或卫生服务变动：H1-02幼儿园由无改为第一幼儿园；"
              "H1-01卫生服务由社区卫生服务中心改为卫生室。按优先级得分")
    named = order_reason(reason, "H1", {"H1-01": "阿呷", "H1-02": "吉克"})
    assert named == ("变动原因：学位或卫生服务变动：吉克的幼儿园由无改为第一幼儿园；"
                     "阿呷的卫生服务由社区卫生服务中心改为卫生室。按优先级得分")
    assert in_language(named, "en").startswith(
        "changed: school or clinic place changed: 吉克's kindergarten: none → "
        "第一幼儿园; 阿呷's clinic: 社区卫生服务中心 → 卫生室.")
    # Without names (a member with none), the id stays.
    assert order_reason(reason, "H1", {"H1-02": ""}) == reason


def test_an_order_does_not_name_the_household_that_petitioned():
    # Found by a new user: a neighbour moved to make room for a petition read
    # who had petitioned and what they refused.
    from allocator.export import order_reason

    for request in ("户H2不接受房屋A-201", "满足户H2的意愿（低楼层）"):
        reason = (f"变动原因：由房屋B-101调换至A-201（户H2调整住房后腾出房屋A-201），"
                  f"为试算{request}让出房源。按优先级得分")
        on_order = order_reason(reason, "H3")
        assert on_order == ("变动原因：由房屋B-101调换至A-201（原住户调整住房后腾出"
                            "房屋A-201），为处理其他户的信访让出房源。按优先级得分")
        assert "H2" not in in_language(on_order, "en")
        assert order_reason(reason, "H2") == reason  # their own


def test_a_scenarios_changes_in_english():
    # Found by a new user: the English window listed "CZ01容量改为1000".
    from allocator.scenarios import describe

    text = describe({"add_facilities": [{"facility_id": "P2", "name": "第二小学",
                                         "capacity": 5}],
                     "close_facilities": ["K1"], "capacities": {"CZ01": 1000},
                     "catchments": {"primary": 800},
                     "add_households": [{}, {}]})
    assert in_language(text, "en") == (
        "new 第二小学 (P2, capacity 5); K1 closed; CZ01 capacity set to 1000; "
        "primary school catchment set to 800 m; 2 household(s) added")
    assert in_language(describe({}), "en") == "no change"
