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
    assert in_language("服务半径内的甲小学（容量5，已分配5）、乙小学（容量3，已分配2）"
                       "最多剩余1个名额，本组2人需同校同时安排", "en") == (
        "甲小学 (capacity 5, 5 used), 乙小学 (capacity 3, 2 used) within the "
        "catchment have at most 1 places left; the 2 children of this group go "
        "to one school together")


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
