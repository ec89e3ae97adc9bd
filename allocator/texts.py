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


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"({\w+})", template)
    regex = "".join(f"(?P<{p[1:-1]}>.*?)" if re.fullmatch(r"{\w+}", p)
                    else re.escape(p) for p in parts)
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
    Template("waiting_none",
             "轮候：没有面积在{low}–{high} m²{need}范围内的空置房源（本户{size}人）；"
             "可申请分户或等待合适房源",
             "waiting: no vacant unit of {low}–{high} m²{need} (household of "
             "{size}); the household may apply to split or wait for a fitting unit"),
    Template("waiting_taken",
             "轮候：符合本户条件（{low}–{high} m²{need}）的空置房源共{count}套，"
             "已全部分配：优先级高于本户（{points}分）的户{higher}套，同分户{same}套"
             "（抽签），低于本户的户{lower}套（这些户只能使用这类房源，分给它们可多"
             "安置户数）",
             "waiting: all {count} vacant units that fit the household ({low}–"
             "{high} m²{need}) are allocated: {higher} to households of higher "
             "priority than this one ({points} points), {same} to households of "
             "equal score (by lot), {lower} to households of lower priority (who "
             "can use only units of this kind, so more households are housed)"),
)
HOW = (
    Template("locked", "规划人员锁定（{lock_reason}）",
             "fixed by the planner ({lock_reason})"),
    Template("by_priority",
             "按优先级得分{points}分配（目标1：按优先级加权的安置户数最大）",
             "allocated with priority score {points} (objective 1: most households "
             "housed, weighted by priority)"),
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
    Template("group_too_big",
             "服务半径内的{parts}最多剩余{room}个名额，本组{persons}人需同校同时安排",
             "{parts} within the catchment have at most {room} places left; the "
             "{persons} children of this group go to one school together"),
    Template("full", "服务半径内的{parts}名额已满",
             "{parts} within the catchment are full"),
)
PART = Template("facility_use", "{facility}（容量{capacity}，已分配{used}）",
                "{facility} (capacity {capacity}, {used} used)")

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


FIELD_EN: dict[str, Callable[[str], str]] = {
    "label": lambda v: LABEL_EN.get(v, v),
    "parts": _parts_en,
    "how": _how_en,
}


def _render(template: str, values: dict[str, Any]) -> str:
    return re.sub(r"{(\w+)}", lambda m: str(values[m.group(1)]), template)


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
    match = _match(HOUSING + SERVICE, text)
    if match is None:
        return text
    return _english(*match)


def known(text: str) -> bool:
    """True when ``text`` is one of the core texts this table translates."""
    return _match(HOUSING + SERVICE, str(text)) is not None


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
    nearest = record.get("nearest_beyond")
    if nearest is not None:
        text += (f"; nearest {label} beyond the catchment: {nearest['facility']}, "
                 f"{nearest['walk_m']:,} m walk, {max(nearest['free'], 0)} left")
    return text
