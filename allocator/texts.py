"""The core's Chinese texts in English, for the window's English mode.

The allocation stores its reasons in Chinese (orders print them as they
are). This module is a plain translation table of those texts: each entry is
the Chinese template the core writes and its English counterpart, with
named fields (``{unit}``, ``{low}``...). :func:`in_language` matches a stored
text against the Chinese templates and rewrites it in English; fields that
are Chinese words themselves (service kinds, optional clauses, lists of
facilities) are translated by their own small tables. Proper names (people,
facilities, sites, buildings) stay as they are. A text no template matches
is returned unchanged, so a new core text shows in Chinese until it is
added here (``tests/test_texts.py`` checks every reason of a solve).

Shortages are rebuilt from their records by :func:`shortage_text`, whose
Chinese output is the sentence :mod:`allocator.shortage` stores.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from allocator.rules import KIND_LABELS

LANGUAGES = ("zh_CN", "en")
KIND_EN = {"kindergarten": "kindergarten", "primary": "primary school",
           "junior": "junior middle school", "clinic": "clinic"}
LABEL_EN = {KIND_LABELS[kind]: english for kind, english in KIND_EN.items()}
HEAD_ZH = "户主"


@dataclass(frozen=True)
class Template:
    """One core text: its key, the Chinese template and the English one."""

    key: str
    zh: str
    en: str


def _fields(text: str) -> list[str]:
    return re.findall(r"{(\w+)}", text)


ID = r"[A-Za-z0-9_.\-]+"  # household, member and unit ids
IDS = rf"{ID}(?:、{ID})*"  # several ids, as the core lists them
KINDS = {"": ".*?", ":id": ID, ":ids": IDS}


def _pattern(template: str) -> re.Pattern[str]:
    """``{name}`` matches any text; ``{name:id}`` only an id (letters,
    digits, ``-``), where a Chinese word follows the id directly;
    ``{name:ids}`` ids separated by "、"."""
    parts = re.split(r"({\w+(?::ids?)?})", template)
    regex = ""
    for part in parts:
        field = re.fullmatch(r"{(\w+)(:ids?)?}", part)
        if field is None:
            regex += re.escape(part)
        else:
            regex += f"(?P<{field.group(1)}>{KINDS[field.group(2) or '']})"
    return re.compile(regex, re.DOTALL)


# Allocation reasons (allocator.allocate._allocation_rows).
HOUSING = (
    Template("existing",
             "既有安置：{placed}入住{unit}，本次不调整住房，仅按住址安排学位和卫生服务",
             "already housed: moved into {unit} {placed}; housing is not changed "
             "this time, school and clinic places follow the address"),
    Template("allocated",
             "{how}；面积{area} m²在本户{size}人的面积标准{low}–{high} m²内"
             "{access}；同类房源内楼层按抽签确定",
             "{how}; {area} m² is within the {low}–{high} m² band for a household "
             "of {size}{access}; the floor among alike units was drawn by lot"),
    Template("allocated_low_first",
             "{how}；面积{area} m²在本户{size}人的面积标准{low}–{high} m²内"
             "{access}；同类房源内低楼层先安排给需要或申请低楼层的户，同等情况按抽签确定",
             "{how}; {area} m² is within the {low}–{high} m² band for a household "
             "of {size}{access}; among alike units the low floors go first to "
             "households that need or asked for one, then by lot"),
    Template("allocated_fixed",
             "{how}；面积{area} m²在本户{size}人的面积标准{low}–{high} m²内"
             "{access}",
             "{how}; {area} m² is within the {low}–{high} m² band for a household "
             "of {size}{access}"),
    Template("waiting_none",
             "轮候：没有面积在{low}–{high} m²{need}范围内的空置房源（本户{size}人）；"
             "可申请分户或等待合适房源",
             "waiting: no vacant unit of {low}–{high} m²{need} (household of "
             "{size}); the household may apply to split or wait for a fitting unit"),
    Template("waiting_barred_all",
             "轮候：符合本户条件（{low}–{high} m²{need}）的空置房源共{count}套，"
             "均{why}，不分配给本户",
             "waiting: all {count} vacant units that fit the household ({low}–"
             "{high} m²{need}) are {why}, so none goes to it"),
    Template("waiting_barred",
             "轮候：符合本户条件（{low}–{high} m²{need}）的空置房源共{count}套，"
             "其中{barred}套{why}，其余已全部分配：{prior}优先级高于本户（{points}分）"
             "的户{higher}套，同分户{same}套（抽签），低于本户的户{lower}套（这些户只能"
             "使用这类房源，分给它们可多安置户数）",
             "waiting: of the {count} vacant units that fit the household ({low}–"
             "{high} m²{need}), {barred} are {why} and the others are allocated: "
             "{prior}{higher} to households of higher priority than this one "
             "({points} points), {same} to households of equal score (by lot), "
             "{lower} to households of lower priority (who can use only units of "
             "this kind, so more households are housed)"),
    Template("waiting_taken",
             "轮候：符合本户条件（{low}–{high} m²{need}）的空置房源共{count}套，"
             "已全部分配：{prior}优先级高于本户（{points}分）的户{higher}套，同分户"
             "{same}套（抽签），低于本户的户{lower}套（这些户只能使用这类房源，分给"
             "它们可多安置户数）",
             "waiting: all {count} vacant units that fit the household ({low}–"
             "{high} m²{need}) are allocated: {prior}{higher} to households of "
             "higher priority than this one ({points} points), {same} to "
             "households of equal score (by lot), {lower} to households of lower "
             "priority (who can use only units of this kind, so more households "
             "are housed)"),
    # The same, when a level comes before housing in the objective order.
    Template("waiting_barred_ahead",
             "轮候：符合本户条件（{low}–{high} m²{need}）的空置房源共{count}套，"
             "其中{barred}套{why}，其余已全部分配：{prior}优先级高于本户（{points}分）"
             "的户{higher}套，同分户{same}套，低于本户的户{lower}套{ahead}",
             "waiting: of the {count} vacant units that fit the household ({low}–"
             "{high} m²{need}), {barred} are {why} and the others are allocated: "
             "{prior}{higher} to households of higher priority than this one "
             "({points} points), {same} to households of equal score, {lower} to "
             "households of lower priority{ahead}"),
    Template("waiting_taken_ahead",
             "轮候：符合本户条件（{low}–{high} m²{need}）的空置房源共{count}套，"
             "已全部分配：{prior}优先级高于本户（{points}分）的户{higher}套，同分户"
             "{same}套，低于本户的户{lower}套{ahead}",
             "waiting: all {count} vacant units that fit the household ({low}–"
             "{high} m²{need}) are allocated: {prior}{higher} to households of "
             "higher priority than this one ({points} points), {same} to "
             "households of equal score, {lower} to households of lower "
             "priority{ahead}"),
)
OBJECTIVE_SHORT_EN = {"安置户数": "housing", "服务名额": "school places and clinics",
                      "安置意愿": "wishes", "同村同点": "village groups",
                      "步行距离": "walking"}


def _ahead_en(text: str) -> str:
    """"（目标顺序中…先于安置户数）" in English ("" stays "")."""
    found = re.fullmatch(r"（目标顺序中(.*)先于安置户数）", text, re.DOTALL)
    if found is None:
        return text
    levels = " and ".join(OBJECTIVE_SHORT_EN.get(v, v)
                          for v in found.group(1).split("、"))
    return f" (the objective order puts {levels} before housing)"


HOW = (
    Template("locked_on", "规划人员锁定（{lock_reason}），锁定日期{date}",
             "fixed by the planner ({lock_reason}) on {date}"),
    Template("locked", "规划人员锁定（{lock_reason}）",
             "fixed by the planner ({lock_reason})"),
    Template("by_priority",
             "按优先级得分{points}分配（目标{level}：按优先级加权的安置户数最大）",
             "allocated with priority score {points} (objective {level}: most "
             "households housed, weighted by priority)"),
)
# Service reasons (allocator.allocate._service_rows).
SERVICE = (
    Template("placed", "{facility}，步行{walk} m，在服务半径{catchment} m内",
             "{facility}, {walk} m walk, within the {catchment} m catchment"),
    Template("household_waits", "本户尚在轮候，分得住房后再安排{label}",
             "the household is still waiting; a {label} place follows once it "
             "has a unit"),
    Template("no_facility", "本项目没有{label}设施",
             "the project has no {label}"),
    Template("none_within",
             "住房所在{location}步行{catchment} m内没有{label}；最近的是{facility}，"
             "步行{walk} m，尚余{free}个名额",
             "no {label} within {catchment} m walk of {location}; the nearest is "
             "{facility}, {walk} m walk, {free} places left"),
    Template("not_proven",
             "服务半径内的{parts}尚有名额，但本次求解未证明最优，未安排；请重新求解",
             "{parts} within the catchment still have places, but this solve was "
             "not proven optimal and did not use them; solve again"),
    Template("gap_cap",
             "服务半径内的{parts}尚有名额，但安排本组{persons}人后，{group}的{label}"
             "覆盖率将升至{rate}，与{other}的{other_rate}相差{points}个百分点，"
             "超过覆盖率差距上限{cap}个百分点",
             "{parts} within the catchment still have places, but placing the "
             "{persons} of this group would raise the {label} coverage of "
             "{group} to {rate}, {points} points above {other} ({other_rate}), "
             "beyond the coverage gap cap of {cap} points"),
    Template("gap_cap_household",
             "服务半径内的{parts}尚有名额，但安排本户{persons}人后，{group}的{label}"
             "覆盖率将升至{rate}，与{other}的{other_rate}相差{points}个百分点，"
             "超过覆盖率差距上限{cap}个百分点",
             "{parts} within the catchment still have places, but registering the "
             "{persons} of this household would raise the {label} coverage of "
             "{group} to {rate}, {points} points above {other} ({other_rate}), "
             "beyond the coverage gap cap of {cap} points"),
    Template("group_too_big",
             "服务半径内的{parts}最多剩余{room}个名额，本组{persons}人需同校同时安排",
             "{parts} within the catchment have at most {room} places left; the "
             "{persons} children of this group go to one school together"),
    Template("household_too_big",
             "服务半径内的{parts}最多剩余{room}个名额，本户{persons}人需在同一卫生服务"
             "机构同时登记",
             "{parts} within the catchment have at most {room} places left; the "
             "{persons} members of this household register at one clinic together"),
    Template("full", "服务半径内的{parts}名额已满",
             "{parts} within the catchment are full"),
)
PART = Template("facility_use", "{facility}（容量{capacity}，已分配{used}）",
                "{facility} (capacity {capacity}, {used} used)")
# What a reallocation changed (allocator.reallocate), alone or as the
# "变动原因：...。" prefix of an allocation reason.
CHANGE = (
    Template("changed_prefix", "变动原因：{change}。{rest}",
             "changed: {change}. {rest}"),
    Template("exited", "户{household:id}退出，腾出房屋{unit:id}",
             "household {household} exited, freeing unit {unit}"),
    Template("freed_to",
             "户{source:id}退出腾出房屋{unit:id}，分配给轮候户{household:id}",
             "unit {unit}, freed when household {source} exited, goes to waiting "
             "household {household}"),
    Template("moved_out_to",
             "户{source:id}调换住房后腾出房屋{unit:id}，分配给轮候户{household:id}",
             "unit {unit}, freed when household {source} moved to another unit, "
             "goes to waiting household {household}"),
    Template("released_to",
             "户{source:id}调整住房后腾出房屋{unit:id}，分配给轮候户{household:id}",
             "unit {unit}, given up by household {source} for a change of housing, "
             "goes to waiting household {household}"),
    # The same on an order, which does not name the household that left.
    Template("freed_to_order",
             "原住户退出腾出房屋{unit:id}，分配给轮候户{household:id}",
             "unit {unit}, freed when its household exited, goes to waiting "
             "household {household}"),
    Template("moved_out_to_order",
             "原住户调换住房后腾出房屋{unit:id}，分配给轮候户{household:id}",
             "unit {unit}, freed when its household moved to another unit, goes "
             "to waiting household {household}"),
    Template("released_to_order",
             "原住户调整住房后腾出房屋{unit:id}，分配给轮候户{household:id}",
             "unit {unit}, given up by its household for a change of housing, "
             "goes to waiting household {household}"),
    Template("vacant_to", "房屋{unit:id}空置，分配给轮候户{household:id}",
             "vacant unit {unit} goes to waiting household {household}"),
    Template("moved", "由房屋{before:id}调换至{after:id}{detail}",
             "moved from unit {before} to {after}{detail}"),
    Template("petition", "信访试算：{request}；{rest}",
             "petition trial: {request}; {rest}"),
    Template("petition_settled", "信访处理：{request}；{rest}",
             "petition settled: {request}; {rest}"),
    Template("barred_waits", "原分配房屋经规划人员排除（{lock_reason}）：{unit:id}，"
             "重新轮候",
             "the planner excluded the unit allocated before ({lock_reason}): "
             "{unit}; back on the waiting list"),
    Template("lost", "原分配房屋已不可用（非空置）：{unit:id}，重新轮候",
             "the unit allocated before is no longer vacant: {unit}; back on the "
             "waiting list"),
    Template("given_away", "原分配房屋改分他户：{unit:id}，重新轮候",
             "the unit allocated before went to another household: {unit}; back "
             "on the waiting list"),
    Template("kept_resized",
             "家庭人口变化（现{size}人），原分配房屋{unit:id}仍符合面积标准，继续保留",
             "the household's size changed (now {size}); unit {unit} allocated "
             "before still fits it and is kept"),
    Template("outgrown_waits",
             "家庭人口变化（现{size}人），原分配房屋不再适合：{unit:id}，重新轮候",
             "the household's size changed (now {size}) and the unit allocated "
             "before no longer fits it: {unit}; back on the waiting list"),
    Template("rule_outgrown_waits",
             "面积标准调整（{size}人{low}–{high} m²），原分配房屋不再适合：{unit:id}，"
             "重新轮候",
             "the area rule changed ({size} people: {low}–{high} m²) and the unit "
             "allocated before no longer fits: {unit}; back on the waiting list"),
    Template("services", "学位或卫生服务变动：{places}",
             "school or clinic place changed: {places}"),
    # Why a reallocation without moves cannot start (Outgrown.text).
    Template("outgrown_unit",
             "户{household:id}（户主{name}）现{size}人，已分配未入住的房屋{unit:id}"
             "面积{area} m²，不在{band_size}人的面积标准{low}–{high} m²内",
             "household {household} (head {name}) now has {size} people; unit "
             "{unit}, allocated and not moved into, has {area} m², outside the "
             "{low}–{high} m² band for {band_size} people"),
    Template("outgrown_unit_rule",
             "户{household:id}（户主{name}）现{size}人，已分配未入住的房屋{unit:id}"
             "面积{area} m²，不在{band_size}人的面积标准{low}–{high} m²内"
             "（分配后面积标准已修改）",
             "household {household} (head {name}) now has {size} people; unit "
             "{unit}, allocated and not moved into, has {area} m², outside the "
             "{low}–{high} m² band for {band_size} people "
             "(the area rule changed after the allocation)"),
)
SERVICES = next(t for t in CHANGE if t.key == "services")
PLACES_ZH = SERVICES.zh[:SERVICES.zh.index("{")]  # 学位或卫生服务变动：
# Where a moved household's new unit came from (in brackets) and what the
# move gained (after "，", parts separated by "；").
MOVE_SOURCE = (
    Template("exited", "户{household:id}退出腾出房屋{unit:id}",
             "unit {unit} freed when household {household} exited"),
    Template("released", "户{household:id}调整住房后腾出房屋{unit:id}",
             "unit {unit} given up by household {household} for a change of "
             "housing"),
    Template("exited_order", "原住户退出腾出房屋{unit:id}",
             "unit {unit} freed when its household exited"),
    Template("released_order", "原住户调整住房后腾出房屋{unit:id}",
             "unit {unit} given up by its household for a change of housing"),
)
MOVE_GAIN = (
    Template("more_housed", "使更多轮候户得到安置",
             "so that more waiting households are housed"),
    Template("room_for_others", "为其他户的安置或调整让出房源",
             "to make room for other households' housing or changes"),
    Template("locked_move", "按规划人员锁定调换（{lock_reason}）",
             "to the unit the planner fixed ({lock_reason})"),
    Template("barred_move", "原分配房屋经规划人员排除（{lock_reason}）",
             "the planner excluded the unit allocated before ({lock_reason})"),
    Template("rule_outgrown", "面积标准调整（{size}人{low}–{high} m²），原分配房屋"
             "不再适合",
             "the area rule changed ({size} people: {low}–{high} m²) and the unit "
             "allocated before no longer fits"),
    Template("outgrown", "家庭人口变化（现{size}人），原分配房屋不再适合",
             "the household's size changed (now {size}) and the unit allocated "
             "before no longer fits it"),
    Template("petition_room", "为试算{request}让出房源",
             "making room to try: {request}"),
    Template("petition_room_order", "为处理其他户的信访让出房源",
             "making room for another household's petition"),
    Template("family", "与分户家庭{partner:id}同点安置（{site}）",
             "now at one site ({site}) with household {partner}, split from the "
             "same family"),
    Template("school_trip", "{members:ids}{label}步行距离由{walk_before}米缩短到"
             "{walk_after}米",
             "the {label} walk of {members} cut from {walk_before} m to "
             "{walk_after} m"),
)
# A petition as the trial states it (allocator.petition._request).
REQUEST = (
    Template("exclude_unit", "户{household:id}不接受房屋{unit:id}",
             "household {household} does not accept unit {unit}"),
    Template("exclude_site", "户{household:id}不接受安置点{site}",
             "household {household} does not accept site {site}"),
    Template("grant_wish", "满足户{household:id}的意愿（{wish}）",
             "grant household {household}'s wish ({wish})"),
)
PLACE = Template("place", "{member:id}{label}由{old}改为{new}",
                 "{member} {label}: {old} → {new}")
# The same on a household's order, which names the member (allocator.export).
PLACE_NAMED = Template("place_named", "{member}的{label}由{old}改为{new}",
                       "{member}'s {label}: {old} → {new}")
# Alerts (allocator.alerts) and exit grounds (allocator.exits), in parts
# separated by "；".
PIECES = (
    # A scenario's changes (allocator.scenarios.describe).
    Template("scenario_new_facility", "新增{name}（{facility:id}，容量{capacity}）",
             "new {name} ({facility}, capacity {capacity})"),
    Template("scenario_closed", "关闭{facility:id}", "{facility} closed"),
    Template("scenario_capacity", "{facility:id}容量改为{capacity}",
             "{facility} capacity set to {capacity}"),
    Template("scenario_units", "新增房源{count}套", "{count} unit(s) added"),
    Template("scenario_catchment", "{label}服务半径改为{metres} m",
             "{label} catchment set to {metres} m"),
    Template("scenario_rule", "规则“{rule}”改为{value}",
             "rule “{rule}” set to {value}"),
    Template("scenario_households", "新增安置户{count}户",
             "{count} household(s) added"),
    Template("scenario_none", "无变更", "no change"),
    Template("alert", "{level}：{signal}", "{level}: {signal}"),
    Template("income_drop", "收入比上年下降{value}（≥{min}）",
             "income {value} lower than last year (≥{min})"),
    Template("below_line", "人均收入{value}元，跌破低收入线",
             "income per person {value} yuan, below the low-income line"),
    Template("job_loss", "上年就业，今年无业", "in work last year, no job this year"),
    Template("petitions", "近12个月投诉信访{value}次（≥{min}）",
             "{value} complaints or petitions in 12 months (≥{min})"),
    Template("open_petitions", "未办结投诉信访{value}件（≥{min}）",
             "{value} complaints or petitions still open (≥{min})"),
    Template("overdue", "逾期未回访{value}次（≥{min}）",
             "{value} follow-up visits overdue (≥{min})"),
    Template("unmet", "{condition}（未满足）", "{condition} (not met)"),
)
LEVEL_EN = {"红色": "red", "黄色": "yellow", "蓝色": "blue"}
FIELD_EN_WORDS = {
    "户年收入": "household income", "人均年收入": "income per person",
    "稳定就业年限": "years in a stable job", "户人数": "household size",
    "入住年数": "years housed", "收入降幅": "income drop", "失业": "job lost",
    "跌破低收入线": "fell below the low-income line",
    "近12个月投诉信访": "complaints and petitions in 12 months",
    "未办结投诉信访": "open complaints and petitions", "逾期回访": "overdue visits",
    "安置类别": "resettlement category", "就业状况": "job status",
}

# Key figures (allocator.kpis.KPI_LABELS), the names the English window uses.
KPI_LABEL_EN = {
    "安置户": "Households", "既有安置": "Housed earlier", "本次分配": "Housed now",
    "轮候": "Waiting", "已退出": "Exited", "分配后登记": "Registered since",
    "已安置人口": "Residents housed",
    "幼儿园学位": "Kindergarten places", "幼儿园覆盖率": "Kindergarten coverage",
    "小学学位": "Primary places", "小学覆盖率": "Primary coverage",
    "初中学位": "Junior middle places", "初中覆盖率": "Junior middle coverage",
    "卫生服务登记": "Clinic registered", "卫生服务覆盖率": "Clinic coverage",
    "平均步行（米）": "Mean walk (m)", "最远步行（米）": "Longest walk (m)",
    "同户子女分校": "Sibling splits",
    "第一志愿满足": "First choice met", "任一志愿满足": "Any ranked site met",
    "低楼层意愿满足": "Low floor granted", "同村同点村组": "Village groups together",
    "同村同点户数": "Households with their group",
}

CLAUSES = {
    "access": {"": "", "；本户需无障碍住房，已分配首层无障碍房":
               "; the household needs an accessible unit and has a ground-floor "
               "accessible one"},
    "need": {"": "", "、无障碍": ", accessible"},
    "placed": {"此前": "earlier"},
    "lock_reason": {"未注明原因": "no reason given"},
}


def _match(templates: tuple[Template, ...], text: str
           ) -> tuple[Template, dict[str, str]] | None:
    for template in templates:
        found = _pattern(template.zh).fullmatch(text)
        if found:
            return template, found.groupdict()
    return None


def _parts_en(text: str) -> str:
    items = []
    for item in text.split("）、"):
        item = item if item.endswith("）") else item + "）"
        match = _match((PART,), item)
        if match is None:
            return text
        items.append(_render(match[0].en, match[1]))
    return ", ".join(items)


def _how_en(text: str) -> str:
    match = _match(HOW, text)
    return text if match is None else _english(match[0], match[1])


def _places_en(text: str) -> str:
    items = []
    for item in text.split("；"):
        match = _match((PLACE, PLACE_NAMED), item)
        items.append(item if match is None else _english(*match))
    return "; ".join(items)


def _move_detail_en(text: str) -> str:
    """The tail of a move: "（source）", "，gain；gain…" and "；学位或卫生服务变动：
    place；place…" (the places that changed with the move), each optional."""
    text, places = _split_places(text)
    found = re.fullmatch(r"(?:（(?P<source>.*?)）)?(?:，(?P<gain>.*))?", text,
                         re.DOTALL)
    if found is None:
        return text + (f"；{places}" if places else "")
    english = ""
    if found.group("source") is not None:
        match = _match(MOVE_SOURCE, found.group("source"))
        english += " (" + (found.group("source") if match is None
                           else _english(*match)) + ")"
    if found.group("gain"):
        parts = []
        for part in found.group("gain").split("；"):
            match = _match(MOVE_GAIN, part)
            parts.append(part if match is None else _english(*match))
        english += ", " + "; ".join(parts)
    if places:
        english += "; " + _english(*_match((SERVICES,), places))
    return english


def _split_places(text: str) -> tuple[str, str]:
    """A change's text and the "学位或卫生服务变动：…" part that ends it ("" when
    it has none)."""
    at = text.find("；" + PLACES_ZH)
    if at < 0 or _match((SERVICES,), text[at + 1:]) is None:
        return text, ""
    return text[:at], text[at + 1:]


def _request_en(text: str) -> str:
    match = _match(REQUEST, text)
    return text if match is None else _english(*match)


def _wish_en(text: str) -> str:
    """"安置点S1、S2、低楼层" as "sites S1, S2, a low floor"."""
    return text.replace("低楼层", "a low floor").replace("安置点", "sites ") \
        .replace("、", ", ")


def _why_en(text: str) -> str:
    """Why units are barred to a household (see the waiting texts)."""
    if text == "因本户不接受":
        return "refused by the household"
    found = re.fullmatch(r"经规划人员排除（(.*)）", text, re.DOTALL)
    if found is None:
        return text
    reasons = "; ".join("no reason given" if r == "未注明原因" else r
                        for r in found.group(1).split("；"))
    return f"excluded by the planner ({reasons})"


def _prior_en(text: str) -> str:
    """The units taken before priority counts: fixed by the planner, kept
    by households allocated before (see the waiting texts)."""
    out = ""
    found = re.search(r"规划人员锁定给其他户(\d+)套，", text)
    if found:
        out += f"{found.group(1)} fixed to other households by the planner, "
    found = re.search(r"此前已分配、本次保留的户(\d+)套(?:（其中优先级高于本户的"
                      r"(\d+)套）)?，", text)
    if found:
        out += f"{found.group(1)} kept by households allocated before" + (
            f" ({found.group(2)} of them of higher priority), " if found.group(2)
            else ", ")
    return out


FIELD_EN: dict[str, Callable[[str], str]] = {
    "why": _why_en,
    "prior": _prior_en,
    "label": lambda v: LABEL_EN.get(v, v),
    "parts": _parts_en,
    "how": _how_en,
    "places": _places_en,
    "old": lambda v: "none" if v == "无" else v,
    "new": lambda v: "none" if v == "无" else v,
    "level": lambda v: LEVEL_EN.get(v, v),
    "change": lambda v: in_language(v, "en"),
    "rest": lambda v: in_language(v, "en"),
    "signal": lambda v: _piece_en(v),
    "condition": lambda v: _condition_en(v),
    "detail": _move_detail_en,
    "request": _request_en,
    "wish": _wish_en,
    "members": lambda v: v.replace("、", ", "),
    "ahead": _ahead_en,
}


def _condition_en(text: str) -> str:
    """An exit condition "人均年收入 20,000 > 15,000" with its field in English."""
    for chinese, english in sorted(FIELD_EN_WORDS.items(), key=lambda i: -len(i[0])):
        if text.startswith(chinese + " "):
            return english + text[len(chinese):]
    return text


def _piece_en(text: str) -> str:
    match = _match(PIECES, text)
    if match is not None:
        return _english(*match)
    return _condition_en(text)





def _render(template: str, values: dict[str, Any]) -> str:
    return re.sub(r"{(\w+)(?::ids?)?}", lambda m: str(values[m.group(1)]), template)


def _english(template: Template, values: dict[str, str]) -> str:
    fields = {}
    for name, value in values.items():
        if name in FIELD_EN:
            fields[name] = FIELD_EN[name](value)
        elif name in CLAUSES:
            fields[name] = CLAUSES[name].get(value, value)
        else:
            fields[name] = value
    if template.key == "existing" and values.get("placed") != "此前":
        fields["placed"] = "on " + values["placed"]
    return _render(template.en, fields)


def in_language(text: str | None, language: str) -> str:
    """A stored core text (reason) in ``language`` ("zh_CN" or "en").

    Chinese is returned as stored; English is rewritten from the templates,
    or returned unchanged when no template matches.
    """
    if text is None:
        return ""
    text = str(text)
    if language != "en" or not text:
        return text
    if text in KPI_LABEL_EN:
        return KPI_LABEL_EN[text]
    match = _match(CHANGE + HOUSING + SERVICE, text)
    if match is not None:
        return _english(*match)
    rest, places = _split_places(text)
    if places and rest:  # a change, then the places that changed with it
        return in_language(rest, "en") + "; " + in_language(places, "en")
    if "；" in text:  # alerts and exit grounds: parts, each translated
        parts = [_piece_en(part) for part in text.split("；")]
        if parts != text.split("；"):
            return "; ".join(parts)
    piece = _piece_en(text)
    return piece


def known(text: str) -> bool:
    """True when ``text`` is one of the core texts this table translates."""
    return _match(CHANGE + HOUSING + SERVICE, str(text)) is not None


def shortage_text(record: dict[str, Any], language: str) -> str:
    """One shortage record of :func:`allocator.shortage.compute_shortages`
    as a sentence in ``language`` (Chinese: the stored ``text``)."""
    if language != "en":
        return str(record["text"])
    kind = record["kind"]
    label = KIND_EN.get(kind, kind)
    within = record["within"]
    places = max(sum(w["free"] for w in within), 0)
    people = "people have" if kind == "clinic" else "school-age children have"
    if kind == "clinic" and record["short"] == 1:
        people = "person has"
    elif record["short"] == 1:
        people = "school-age child has"
    text = (f"{record['site']} {record['building']}: {record['short']} {people} no "
            f"{label} place; {len(within)} {label}(s) within "
            f"{record['catchment_m']:,.0f} m walk, {places} places left")
    if within:
        text += " (" + ", ".join(f"{w['facility']} capacity {w['capacity']}"
                                 for w in within) + ")"
    if record.get("held_by_gap_cap"):
        cap = record.get("gap_cap") or {}
        groups = {"category": "categories", "township": "townships"}.get(
            cap.get("groups", ""), "groups")
        text += (f"; {record['held_by_gap_cap']} of them have a place free, but "
                 f"placing them would take the coverage gap between {groups} "
                 f"beyond its cap of {cap.get('points', '?')} points (each "
                 "household's order gives the rates)")
    nearest = record.get("nearest_beyond")
    if nearest is not None:
        text += (f"; nearest {label} beyond the catchment: {nearest['facility']}, "
                 f"{nearest['walk_m']:,} m walk, {max(nearest['free'], 0)} left")
    return text
