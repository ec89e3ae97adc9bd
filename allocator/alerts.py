"""Red, yellow and blue risk alerts (红黄蓝预警) per household.

The project's ``alert_rules`` is a list of ``{"signal": ..., "min": ...,
"level": red|yellow|blue}``: a household gets the level when its signal is at
least ``min``. Signals are the facts of :func:`allocator.history.household_facts`
(income drop, falling below the low-income line, job loss, complaints and
petitions in the last 12 months, overdue follow-up visits, ...). A household
shows its highest level, with every rule that fired as the reason.
"""

from __future__ import annotations

import datetime as dt
import logging

import pandas as pd

from allocator.history import household_facts
from allocator.project import Project

logger = logging.getLogger(__name__)

LEVELS = ("red", "yellow", "blue")
LEVEL_LABELS = {"red": "红色预警", "yellow": "黄色预警", "blue": "蓝色预警"}
SIGNAL_TEXT = {
    "income_drop": "收入比上年下降{value:.0%}（≥{min:.0%}）",
    "fell_below_low_income": "人均收入{per_capita:,.0f}元，跌破低收入线",
    "job_loss": "上年就业，今年无业",
    "petitions_12m": "近12个月投诉信访{value:.0f}次（≥{min:g}）",
    "open_petitions": "未办结投诉信访{value:.0f}件（≥{min:g}）",
    "overdue_visits": "逾期未回访{value:.0f}次（≥{min:g}）",
}
COLUMNS = ["household_id", "level", "level_label", "reason", "current_township",
           "unit_id", "signals"]


def compute_alerts(project: Project, today: dt.date) -> pd.DataFrame:
    """The households with an alert on ``today``, red first.

    Households that have exited are not monitored. Waiting households are
    (a household can fall back into poverty before it is housed).

    Parameters
    ----------
    project : Project
        The open project.
    today : datetime.date
        The day petitions and overdue visits are counted on.

    Returns
    -------
    pandas.DataFrame
        ``household_id``, ``level`` (red, yellow, blue), ``level_label``
        (红色预警...), ``reason`` (every rule that fired, ``；``-separated),
        ``current_township``, ``unit_id`` (None when waiting) and ``signals``
        (the rules that fired as ``signal>=min`` texts).
    """
    facts = household_facts(project, today)
    facts = facts[~facts["exited"]]
    rules = list(project.rules.get("alert_rules") or [])
    rows = []
    for household_id, fact in facts.iterrows():
        fired = []
        for rule in rules:
            value = fact.get(rule["signal"])
            if value is None or pd.isna(value):
                continue
            try:
                hit = float(value) >= float(rule["min"])
            except (TypeError, ValueError):
                continue
            if hit:
                fired.append((rule, float(value)))
        if not fired:
            continue
        # One reason per signal: the highest level it reached.
        fired.sort(key=lambda f: (LEVELS.index(f[0]["level"]), -float(f[0]["min"])))
        best: dict[str, tuple[dict, float]] = {}
        for rule, value in fired:
            best.setdefault(rule["signal"], (rule, value))
        strongest = list(best.values())
        level = LEVELS.index(fired[0][0]["level"])
        reasons = [f"{LEVEL_LABELS[r['level']][:2]}：{_text(r, v, fact)}"
                   for r, v in strongest]
        rows.append({
            "household_id": household_id, "level": LEVELS[level],
            "level_label": LEVEL_LABELS[LEVELS[level]], "reason": "；".join(reasons),
            "current_township": fact["current_township"],
            "unit_id": fact["unit_id"] if isinstance(fact["unit_id"], str) else None,
            "signals": ", ".join(f"{r['signal']}>={r['min']:g}"
                                 for r, _ in strongest)})
    frame = pd.DataFrame(rows, columns=COLUMNS)
    if frame.empty:
        return frame
    frame["_rank"] = frame["level"].map(LEVELS.index)
    return frame.sort_values(["_rank", "household_id"]).drop(
        columns="_rank").reset_index(drop=True)


def _text(rule: dict, value: float, fact: pd.Series) -> str:
    template = SIGNAL_TEXT.get(rule["signal"])
    if template is None:
        return f"{rule['signal']} = {value:g}（≥{rule['min']:g}）"
    return template.format(value=value, min=float(rule["min"]),
                           per_capita=float(fact["per_capita_income"]))
