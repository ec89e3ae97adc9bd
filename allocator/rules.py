"""Policy rules of a project: defaults, their sources, and the priority score.

Rules are stored in the project's ``rules`` table as one row per key with a
JSON value and the source of the default, so a planner can see where each
number comes from and change it.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
import re
from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np
import pandas as pd

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
    "move_penalty_m": RuleDefault(
        1000, "规划人员选择：重新分配允许调换住房时，每调换一户（已分配未入住）计作"
        "1000米步行；调换的收益（分户家庭同点安置、缩短上学步行距离）大于此值才调换",
        "调换住房惩罚（米）"),
    "family_reunion_m": RuleDefault(
        3000, "规划人员选择：因户籍更新分户的家庭安置在同一安置点，每两户计作减少"
        "3000米步行", "分户家庭同点安置收益（米）"),
    "school_trip_max_m": RuleDefault(
        1000, "GB 50180-2018 城市居住区规划设计标准：15分钟生活圈步行距离800–1000米；"
        "上学单程步行超过1000米视为过远，重新分配时可调换住房缩短",
        "上学步行距离上限（米）"),
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
        15000, "规划人员填写：本县上年农村居民人均可支配收入（见县统计公报）；"
        "15000为示例值，项目参考数据中没有昭觉县或凉山州的公开数字",
        "全县人均收入（元）"),
    "stable_job_years_for_exit": RuleDefault(
        3, "《移交安置工作方案》退出机制：稳定就业满3年", "退出所需稳定就业年限"),
    "exit_income_basis": RuleDefault(
        "per_capita", "《移交安置工作方案》退出机制：收入超过当地平均水平；"
        "per_capita 按人均（户年收入÷人数）、household 按户年收入与全县人均比较",
        "退出收入口径"),
    "exit_conditions": RuleDefault(
        [], "规划人员添加的退出条件（全部满足才退出），如 "
        '[{"field": "open_petitions", "op": "==", "value": 0}]',
        "其他退出条件"),
    "follow_up_months": RuleDefault(
        [1, 3, 6], "《移交安置工作方案》“1+3+6”跟踪服务：入住后1个月回访、"
        "3个月跟踪、6个月评估", "入住后回访（月）"),
    "alert_rules": RuleDefault(
        [
            {"signal": "fell_below_low_income", "min": 1, "level": "red"},
            {"signal": "income_drop", "min": 0.5, "level": "red"},
            {"signal": "petitions_12m", "min": 3, "level": "red"},
            {"signal": "income_drop", "min": 0.3, "level": "yellow"},
            {"signal": "job_loss", "min": 1, "level": "yellow"},
            {"signal": "petitions_12m", "min": 2, "level": "yellow"},
            {"signal": "overdue_visits", "min": 2, "level": "yellow"},
            {"signal": "income_drop", "min": 0.15, "level": "blue"},
            {"signal": "petitions_12m", "min": 1, "level": "blue"},
            {"signal": "overdue_visits", "min": 1, "level": "blue"},
        ],
        "《移交安置工作方案》红黄蓝三级预警：监测收入波动、就业中断、信访投诉；"
        "阈值为规划人员选择（人均收入跌破低收入线为红色，即返贫风险）",
        "红黄蓝预警规则"),
    "lottery_seed": RuleDefault(
        20261204, "随机抽签种子：同等条件按抽签排序，种子记入台账以便复核",
        "抽签种子"),
    "objective_order": RuleDefault(
        ["housed", "served", "walk"],
        "规划人员选择：先安置户数，再服务名额，最后步行距离；安置意愿（wishes）和"
        "同村同点（village）会改变结果，默认不列入，由规划人员放入顺序中的位置"
        "（全县求解时间随之增加数倍）",
        "目标顺序"),
    "wish_points": RuleDefault(
        {"first": 3, "second": 2, "third": 1, "low_floor": 3},
        "规划人员选择：第一志愿3分、第二志愿2分、第三及以后志愿1分；"
        "申请低楼层并获满足3分（登记了低楼层意愿的户均计分；有70岁以上老人或"
        "残疾人的户，同类房源内低楼层另按需要先安排）",
        "安置意愿得分"),
    "low_floor_max": RuleDefault(
        3, "规划人员选择：三层及以下视为低楼层（多层住宅无电梯时老人上下楼的限度）",
        "低楼层上限（层）"),
    "coverage_gap_groups": RuleDefault(
        "", "公平公正（可选，默认关闭）：按安置类别（category）或乡镇（township）"
        "限制公共服务覆盖率差距；留空为不限制",
        "覆盖率差距分组"),
    "coverage_gap_max": RuleDefault(
        0.1, "规划人员选择：各组之间每类服务的覆盖率相差不超过10个百分点（开启时）",
        "覆盖率差距上限"),
    "issuing_office": RuleDefault(
        {"易地扶贫搬迁": "{county}易地扶贫搬迁安置工作领导小组办公室",
         "工程搬迁": "{county}搬迁安置工作领导小组办公室",
         "生态移民": "{county}搬迁安置工作领导小组办公室",
         "退役军人": "{county}退役军人事务局"},
        "规划人员选择：分配通知书按户的安置类别由对应机关发文（{county}为县名）；"
        "请按本县实际机构名称修改，未列出的类别按默认",
        "发文机关"),
}

OBJECTIVE_LABELS = {
    "housed": "按优先级加权的安置户数最大",
    "served": "服务半径内的学位和卫生服务登记人数最大",
    "wishes": "满足安置意愿（安置点志愿、低楼层）的得分最大",
    "village": "同村轮候户安置在同一安置点的户数最大",
    "walk": "总步行距离最小（含子女分校惩罚）",
}
"""Every objective level a planner can place in ``objective_order``."""
OBJECTIVE_SHORT = {"housed": "安置户数", "served": "服务名额", "wishes": "安置意愿",
                   "village": "同村同点", "walk": "步行距离", "kept": "原房保留",
                   "moves": "调换收益"}
"""Short labels of the levels for one-line texts (orders, run labels)."""
REQUIRED_LEVELS = ("housed", "served", "walk")
COVERAGE_GROUPS = {"": "不限制", "category": "安置类别", "township": "乡镇"}


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


def birth_days(values: Iterable[Any]) -> tuple[np.ndarray, np.ndarray]:
    """The birth year and ``month * 100 + day`` of each ISO date text.

    Each distinct text is read once by ``date.fromisoformat`` (a text it
    refuses raises as it would alone); :func:`ages_on` then gives the ages
    on any day without a call per person.
    """
    codes, distinct = pd.factorize(pd.Series(values, dtype=object),
                                   use_na_sentinel=False)
    dates = [dt.date.fromisoformat(text) for text in distinct.tolist()]
    years = np.array([d.year for d in dates], dtype=np.int64)
    month_days = np.array([d.month * 100 + d.day for d in dates], dtype=np.int64)
    return years[codes], month_days[codes]


def ages_on(births: tuple[np.ndarray, np.ndarray], reference: dt.date
            ) -> np.ndarray:
    """:func:`age_on` for every birth of :func:`birth_days` (an int64 array):
    the whole years, one less while the birthday of the reference year is
    still to come (29 February: until 1 March in a common year)."""
    years, month_days = births
    before_birthday = reference.month * 100 + reference.day < month_days
    return reference.year - years - before_birthday.astype(np.int64)


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


WHOLE_NUMBER_RULES = ("lottery_seed", "low_floor_max", "priority_base_weight")
NUMBER_MAX = 1_000_000_000
"""Largest number a rule may hold (either sign): far beyond any real county,
and far inside what the project file and the solvers store exactly."""
AT_LEAST = {"detour_factor": (1, "walking is never shorter than the straight line"),
            "low_floor_max": (1, "the ground floor is floor 1")}
"""Number rules whose least value is above 0: the one limit a planner is told."""


def _month_day_problems(value: Any) -> list[str]:
    """What is wrong with a ``MM-DD`` day of the year such as ``09-01``."""
    try:
        month, day = (int(p) for p in str(value).split("-"))
        dt.date(2024, month, day)  # a leap year: 02-29 is a day
    except ValueError:
        return [f"school_year_reference: {value!r} must be a day of the year as "
                "MM-DD, e.g. 09-01"]
    return []


SCHOOL_AGE_MAX = 25
"""Oldest age a school band may reach (a school place is for children)."""


def _school_band_problems(bands: Any) -> list[str]:
    """School age bands that reach beyond SCHOOL_AGE_MAX or overlap (a child
    in two bands is counted for two kinds of school, and the solution's
    check then fails on every such child)."""
    if not isinstance(bands, dict):
        return []
    valid = sorted((item[0], item[1], name) for name, item in bands.items()
                   if isinstance(item, list) and len(item) == 2
                   and all(isinstance(a, int) and not isinstance(a, bool)
                           for a in item) and 0 <= item[0] <= item[1])
    problems = [f"school_ages.{name}: {[first, last]} reaches beyond age "
                f"{SCHOOL_AGE_MAX}" for first, last, name in valid
                if last > SCHOOL_AGE_MAX]
    for (_f1, last, one), (first, _l2, two) in zip(valid, valid[1:]):
        if first <= last:
            problems.append(f"school_ages: {one} and {two} overlap (ages "
                            f"{first} to {last}); a child belongs to one band")
    return problems


def problem_keys(problems: list[str]) -> list[str]:
    """The rules ``problems`` (of :func:`rule_problems`) name first, in order,
    each once: what a message tells the planner to set."""
    keys = []
    for problem in problems:
        key = problem.split(":", 1)[0].split(".", 1)[0].split(" ", 1)[0]
        if key in DEFAULTS and key not in keys:
            keys.append(key)
    return keys


MERGED_RULES = frozenset({"issuing_office", "priority_points"})
"""Table rules whose change (``rules --set``, a scenario's rules) changes
only the entries it names; the others stay as they were."""

OPEN_KEYED_RULES = frozenset({"issuing_office"})
"""Table rules whose keys are the planner's (categories); every other table
rule takes only the keys of its default."""


def rule_problems(rules: dict[str, Any]) -> list[str]:
    """What is wrong with a set of rules (empty when they can be used)."""
    problems = []
    for key, default in DEFAULTS.items():
        if key not in rules:
            continue
        value, expected = rules[key], default.value
        if isinstance(expected, bool):
            if not isinstance(value, bool):
                problems.append(f"{key}: {value!r} must be true or false (是 or "
                                "否)")
        elif isinstance(expected, (int, float)):
            if isinstance(value, str) and re.fullmatch(r"\s*[\d.]+\s*[%％]\s*", value):
                problems.append(f"{key}: {value!r} must be a number; a share is "
                                "written as one, 0.1 for 10 %")
            elif isinstance(value, bool) or not isinstance(value, (int, float)):
                problems.append(f"{key}: {value!r} must be a number")
            elif not math.isfinite(value):
                problems.append(f"{key}: {value!r} must be a finite number")
            elif abs(value) > NUMBER_MAX:
                problems.append(f"{key}: {value!r} is too large; give at most "
                                f"{NUMBER_MAX:,}")
            elif value < 0 and key not in AT_LEAST:  # said once, below
                problems.append(f"{key}: {value!r} must not be negative")
            elif key in WHOLE_NUMBER_RULES and value != int(value):
                problems.append(f"{key}: {value!r} must be a whole number")
        elif isinstance(expected, dict):
            if not isinstance(value, dict):
                problems.append(f"{key}: must be a table like "
                                f"{json.dumps(expected, ensure_ascii=False)}")
                continue
            missing = set(expected) - set(value)
            if missing and key not in ("priority_points", "issuing_office"):
                problems.append(f"{key}: missing {', '.join(sorted(missing))}")
            unknown = [] if key in OPEN_KEYED_RULES else [
                name for name in value if name not in expected]
            if unknown:
                problems.append(f"{key}: {', '.join(map(repr, unknown))} "
                                f"{'is' if len(unknown) == 1 else 'are'} not one of "
                                f"{', '.join(expected)}")
                value = {name: item for name, item in value.items()
                         if name in expected}
            for name, item in value.items():
                if key == "issuing_office":
                    problems += _office_problems(name, item, expected)
                elif key == "school_ages":
                    if not (isinstance(item, list) and len(item) == 2
                            and all(isinstance(a, int) for a in item)
                            and 0 <= item[0] <= item[1]):
                        problems.append(f"{key}.{name}: {item!r} must be [first, "
                                        "last] whole ages")
                elif isinstance(item, bool) or not isinstance(item, (int, float)):
                    problems.append(f"{key}.{name}: {item!r} must be a number")
                elif not math.isfinite(item) or abs(item) > NUMBER_MAX:
                    problems.append(f"{key}.{name}: {item!r} must be a number up "
                                    f"to {NUMBER_MAX:,}")
                elif key == "catchment_walk_m" and item <= 0:
                    problems.append(f"{key}.{name}: {item!r} must be more than 0")
                elif item < 0:
                    problems.append(f"{key}.{name}: {item!r} must not be negative")
        elif isinstance(expected, list) and not isinstance(value, list):
            problems.append(f"{key}: must be a list")
    if "school_year_reference" in rules:
        problems += _month_day_problems(rules["school_year_reference"])
    problems += _school_band_problems(rules.get("school_ages"))
    problems += _dynamic_rule_problems(rules)
    problems += _order_problems(rules.get("objective_order"))
    groups = rules.get("coverage_gap_groups")
    if "coverage_gap_groups" in rules and (not isinstance(groups, str)
                                           or groups not in COVERAGE_GROUPS):
        problems.append(f"coverage_gap_groups: {groups!r} must be one of "
                        "\"category\", \"township\" or \"\" (off)")
    gap = rules.get("coverage_gap_max")
    if isinstance(gap, (int, float)) and not isinstance(gap, bool) and gap > 1:
        problems.append(f"coverage_gap_max: {gap} is a share between 0 and 1 "
                        "(0.1 = 10 percentage points)")
    low, high = rules.get("area_min_per_person_m2"), rules.get("area_max_per_person_m2")
    if isinstance(low, (int, float)) and isinstance(high, (int, float)) and low > high:
        problems.append(f"area_min_per_person_m2 ({low}) is above "
                        f"area_max_per_person_m2 ({high})")
    for key, (least, why) in AT_LEAST.items():
        value = rules.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) \
                and math.isfinite(value) and value < least:
            problems.append(f"{key}: {value} must be at least {least} ({why})")
    return problems


OFFICE_CHARS_MAX = 60


def _office_problems(category: str, office: Any, categories) -> list[str]:
    """What is wrong with one entry of ``issuing_office``."""
    if category not in categories:
        return [f"issuing_office.{category}: not a category; the categories are "
                + ", ".join(categories)]
    if not isinstance(office, str) or not office.strip():
        return [f"issuing_office.{category}: {office!r} must be the office's name, "
                "e.g. \"{county}退役军人事务局\" ({county} is the county's name)"]
    if any(not char.isprintable() for char in office):
        return [f"issuing_office.{category}: {office!r} holds a line break or "
                "another control character; write the name on one line"]
    if office.count("{county}") > 1:
        return [f"issuing_office.{category}: {office!r} names {{county}} twice"]
    if len(office) > OFFICE_CHARS_MAX:
        return [f"issuing_office.{category}: {len(office)} characters; an office's "
                f"name fits in {OFFICE_CHARS_MAX}"]
    stray = set(re.findall(r"{(.*?)}", office)) - {"county"}
    if stray:
        return [f"issuing_office.{category}: {{{sorted(stray)[0]}}} is not known; "
                "only {county} (the county's name) is filled in"]
    return []


def issuing_office(rules: dict[str, Any], county: str, category: str | None) -> str:
    """The office that issues the orders of a household of ``category`` (the
    rule's entry, else the default's; ``{county}`` filled in). Without a
    category, the office of 易地扶贫搬迁."""
    table = dict(DEFAULTS["issuing_office"].value)
    table.update(rules.get("issuing_office") or {})
    office = table.get(category or "易地扶贫搬迁") or table["易地扶贫搬迁"]
    return office.replace("{county}", county)


# Exit and alert rules (issue #5): the household facts they may name, and the
# comparisons allowed. ``allocator.history.household_facts`` computes them.
FACT_FIELDS = (
    "annual_income", "per_capita_income", "stable_job_years", "size",
    "years_housed", "income_drop", "job_loss", "fell_below_low_income",
    "petitions_12m", "open_petitions", "overdue_visits", "category", "job_status",
)
OPERATORS = (">", ">=", "<", "<=", "==", "!=")
ALERT_LEVELS = ("red", "yellow", "blue")


def _dynamic_rule_problems(rules: dict[str, Any]) -> list[str]:
    """Problems of the exit and alert rules (lists of small tables)."""
    problems = []
    basis = rules.get("exit_income_basis", "per_capita")
    if basis not in ("per_capita", "household"):
        problems.append(f"exit_income_basis: {basis!r} must be per_capita or "
                        "household")
    for i, item in enumerate(rules.get("exit_conditions") or []):
        name = f"exit_conditions[{i}]"
        if not isinstance(item, dict) or set(item) != {"field", "op", "value"}:
            problems.append(f"{name}: must be {{\"field\": ..., \"op\": ..., "
                            f"\"value\": ...}}, not {item!r}")
            continue
        if item["field"] not in FACT_FIELDS:
            problems.append(f"{name}: field {item['field']!r} is not one of "
                            + ", ".join(FACT_FIELDS))
        if item["op"] not in OPERATORS:
            problems.append(f"{name}: op {item['op']!r} is not one of "
                            + " ".join(OPERATORS))
        if isinstance(item["value"], (dict, list)):
            problems.append(f"{name}: value must be a number or a text")
    for i, item in enumerate(rules.get("alert_rules") or []):
        name = f"alert_rules[{i}]"
        if not isinstance(item, dict) or set(item) != {"signal", "min", "level"}:
            problems.append(f"{name}: must be {{\"signal\": ..., \"min\": ..., "
                            f"\"level\": ...}}, not {item!r}")
            continue
        if item["signal"] not in FACT_FIELDS:
            problems.append(f"{name}: signal {item['signal']!r} is not one of "
                            + ", ".join(FACT_FIELDS))
        if isinstance(item["min"], bool) or not isinstance(item["min"], (int, float)):
            problems.append(f"{name}: min {item['min']!r} must be a number")
        elif not 0 < item["min"] < float("inf"):
            # Every household has at least 0 of every signal: the rule would
            # put every monitored household on this level.
            problems.append(f"{name}: min {item['min']!r} must be above 0 (with "
                            f"{item['min']!r} every household would be on "
                            f"{item['level']}), e.g. 1 for a count or 0.3 for "
                            "a 30 % income drop")
        if item["level"] not in ALERT_LEVELS:
            problems.append(f"{name}: level {item['level']!r} must be red, yellow "
                            "or blue")
    months = rules.get("follow_up_months", [1, 3, 6])
    if not isinstance(months, list) or not all(
            isinstance(m, int) and not isinstance(m, bool) and m > 0 for m in months):
        problems.append(f"follow_up_months: {months!r} must be a list of whole "
                        "months, e.g. [1, 3, 6]")
    return problems


def _order_problems(order: Any) -> list[str]:
    """What is wrong with an ``objective_order`` value (None: not set)."""
    if order is None:
        return []
    known = ", ".join(OBJECTIVE_LABELS)
    if not isinstance(order, list) or not all(isinstance(n, str) for n in order):
        return [f"objective_order: {order!r} must be a list of level names, e.g. "
                + json.dumps(DEFAULTS["objective_order"].value)]
    problems = []
    unknown = [n for n in order if n not in OBJECTIVE_LABELS]
    if unknown:
        problems.append(f"objective_order: unknown level(s) {', '.join(unknown)}; "
                        f"the levels are {known}")
    repeated = sorted({n for n in order if order.count(n) > 1})
    if repeated:
        problems.append(f"objective_order: {', '.join(repeated)} named more than "
                        "once")
    missing = [n for n in REQUIRED_LEVELS if n not in order]
    if missing:
        problems.append(f"objective_order: {', '.join(missing)} must be in the order "
                        "(wishes and village may be left out)")
    elif order.index("walk") < order.index("served"):
        # The least walking, before anyone must be served, is nobody served
        # (nobody walks): every school place and clinic would be given up.
        problems.append("objective_order: walk must come after served (the least "
                        "walking before the most served would serve nobody); e.g. "
                        + json.dumps(DEFAULTS["objective_order"].value))
    return problems


def objective_order(rules: dict[str, Any]) -> list[str]:
    """The planner's order of objective levels (the default when not set)."""
    order = rules.get("objective_order")
    return list(order) if isinstance(order, list) else list(
        DEFAULTS["objective_order"].value)
