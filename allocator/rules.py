"""Policy rules of a project: defaults, their sources, and the priority score.

Rules are stored in the project's ``rules`` table as one row per key with a
JSON value and the source of the default, so a planner can see where each
number comes from and change it.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

FACILITY_KINDS = ("kindergarten", "primary", "junior", "clinic")
KIND_LABELS = {
    "kindergarten": "幼儿园",
    "primary": "小学",
    "junior": "初中",
    "clinic": "卫生服务",
}
SCHOOL_KINDS = ("kindergarten", "primary", "junior")


@dataclass(frozen=True)
class RuleDefault:
    """One rule's default value and where it comes from."""

    value: Any
    source: str
    label: str


DEFAULTS: dict[str, RuleDefault] = {
    "area_max_per_person_m2": RuleDefault(
        25, "十三五易地扶贫搬迁规划：人均住房面积不超过25平方米（红线）",
        "人均面积上限 m²"),
    "area_min_per_person_m2": RuleDefault(
        12, "规划人员选择（默认12平方米/人）", "人均面积下限 m²"),
    "catchment_walk_m": RuleDefault(
        {"kindergarten": 300, "primary": 500, "junior": 1000, "clinic": 1000},
        "GB 50180-2018 城市居住区规划设计标准 服务半径；15分钟生活圈",
        "服务半径（步行，米）"),
    "detour_factor": RuleDefault(
        1.3, "规划人员选择：无道路图层时，步行距离 = 直线距离 × 1.3",
        "绕行系数"),
    "school_ages": RuleDefault(
        {"kindergarten": [3, 5], "primary": [6, 11], "junior": [12, 14]},
        "国家入学年龄规定：按当学年9月1日计算年龄", "学龄段（周岁）"),
    "school_year_reference": RuleDefault(
        "09-01", "国家入学年龄规定：按当前学年的9月1日计算年龄",
        "学龄计算基准日（月-日）"),
    "siblings_together": RuleDefault(
        True, "同一户同一学段的子女就读同一学校（规划人员可放宽）",
        "同户同学段子女同校"),
    "priority_respecting": RuleDefault(
        True,
        "公平公正：不让优先级较低的户占用优先级较高的轮候户可用的房源（默认开启）",
        "优先级保护"),
    "sibling_split_penalty_m": RuleDefault(
        2000, "规划人员选择：放宽同校要求时，每拆分一所学校计作2000米步行",
        "同户子女分校惩罚（米）"),
    "accessible_disabilities": RuleDefault(
        ["肢体一级", "肢体二级", "多重一级", "多重二级"],
        "规划人员选择：重度肢体或多重残疾成员需要无障碍（首层）住房",
        "需要无障碍住房的残疾类别"),
    "priority_points": RuleDefault(
        {
            "disability": 30,
            "aged_70_plus": 20,
            "veteran": 25,
            "low_income": 15,
            "per_waiting_year": 5,
        },
        "《移交安置工作方案》：优先保障残疾人、高龄老人、退役军人和低收入家庭；"
        "轮候时间每满一年加分", "优先级加分"),
    "low_income_per_person_yuan": RuleDefault(
        6000, "规划人员选择：人均年收入低于6000元视为低收入（参照脱贫监测线）",
        "低收入线（元/人·年）"),
    "priority_base_weight": RuleDefault(
        100, "每户基础权重100：多安置一户总是优先于给已安置户加分", "基础权重"),
    "county_average_income_yuan": RuleDefault(
        15000, "规划人员填写：本县农村居民人均可支配收入（示例值）",
        "全县人均收入（元）"),
    "stable_job_years_for_exit": RuleDefault(
        3, "《移交安置工作方案》退出机制：稳定就业满3年", "退出所需稳定就业年限"),
    "lottery_seed": RuleDefault(
        20261204, "随机抽签种子：同等条件按抽签排序，种子记入台账以便复核",
        "抽签种子"),
}


def default_rules() -> dict[str, Any]:
    """A fresh copy of all default rule values."""
    return {key: copy.deepcopy(rule.value) for key, rule in DEFAULTS.items()}


def school_level(age: int, rules: dict[str, Any]) -> str | None:
    """The school kind for an age on the reference date, or None."""
    for kind, (low, high) in rules["school_ages"].items():
        if low <= age <= high:
            return kind
    return None


def age_on(birth: dt.date, reference: dt.date) -> int:
    """Whole years between ``birth`` and ``reference``."""
    years = reference.year - birth.year
    if (reference.month, reference.day) < (birth.month, birth.day):
        years -= 1
    return years


def reference_date(rules: dict[str, Any], today: dt.date) -> dt.date:
    """The day school ages count on: 1 September of the school year in progress.

    Households placed now need places now, so on 2026-12-04 ages count on
    2026-09-01, and on 2026-03-01 on 2025-09-01.
    """
    month, day = (int(p) for p in str(rules["school_year_reference"]).split("-"))
    candidate = dt.date(today.year, month, day)
    return candidate if candidate <= today else dt.date(today.year - 1, month, day)


def area_band(size: int, rules: dict[str, Any]) -> tuple[float, float]:
    """Allowed unit area (m2) for a household of ``size`` people."""
    return (
        size * float(rules["area_min_per_person_m2"]),
        size * float(rules["area_max_per_person_m2"]),
    )


def rule_problems(rules: dict[str, Any]) -> list[str]:
    """What is wrong with a set of rules (empty when they can be used)."""
    problems = []
    for key, default in DEFAULTS.items():
        if key not in rules:
            continue
        value, expected = rules[key], default.value
        if isinstance(expected, bool):
            if not isinstance(value, bool):
                problems.append(f"{key}: {value!r} must be true or false")
        elif isinstance(expected, (int, float)):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                problems.append(f"{key}: {value!r} must be a number")
            elif value < 0:
                problems.append(f"{key}: {value!r} must not be negative")
        elif isinstance(expected, dict):
            if not isinstance(value, dict):
                problems.append(f"{key}: must be a table like "
                                f"{json.dumps(expected, ensure_ascii=False)}")
                continue
            missing = set(expected) - set(value)
            if missing and key != "priority_points":
                problems.append(f"{key}: missing {', '.join(sorted(missing))}")
            for name, item in value.items():
                if key == "school_ages":
                    if not (isinstance(item, list) and len(item) == 2
                            and all(isinstance(a, int) for a in item)
                            and 0 <= item[0] <= item[1]):
                        problems.append(f"{key}.{name}: {item!r} must be [first, "
                                        "last] whole ages")
                elif isinstance(item, bool) or not isinstance(item, (int, float)):
                    problems.append(f"{key}.{name}: {item!r} must be a number")
                elif key == "catchment_walk_m" and item <= 0:
                    problems.append(f"{key}.{name}: {item!r} must be more than 0")
                elif item < 0:
                    problems.append(f"{key}.{name}: {item!r} must not be negative")
        elif isinstance(expected, list) and not isinstance(value, list):
            problems.append(f"{key}: must be a list")
    low, high = rules.get("area_min_per_person_m2"), rules.get("area_max_per_person_m2")
    if isinstance(low, (int, float)) and isinstance(high, (int, float)) and low > high:
        problems.append(f"area_min_per_person_m2 ({low}) is above "
                        f"area_max_per_person_m2 ({high})")
    detour = rules.get("detour_factor")
    if isinstance(detour, (int, float)) and not isinstance(detour, bool) and detour < 1:
        problems.append(f"detour_factor: {detour} must be at least 1 (walking is "
                        "never shorter than the straight line)")
    return problems
