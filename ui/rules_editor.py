"""The rules editor: catchments, area band, priority points and the rest,
each with its default and where that default comes from.

A change is one undoable step (:class:`RulesCommand`) and goes to the ledger.
"""

from __future__ import annotations

import copy
import json
import logging
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from allocator import rules as core_rules
from allocator.locks import (
    LockProblem,
    LockRefused,
    add_lock,
    lock_problems,
    remove_lock,
    restore_locks,
)
from allocator.rules import DEFAULTS, rule_problems
from ui.language import fill
from ui.results import category_name
from ui.screen import fit_to_screen

logger = logging.getLogger(__name__)

# The sources of the defaults as allocator.rules states them, marked for
# translation (tests check that every source in DEFAULTS is listed here).
SOURCES = (
    QT_TRANSLATE_NOOP("RuleSources",
                      "十三五易地扶贫搬迁规划：人均住房面积不超过25平方米（红线）"),
    QT_TRANSLATE_NOOP("RuleSources", "规划人员选择（默认12平方米/人）"),
    QT_TRANSLATE_NOOP("RuleSources",
                      "GB 50180-2018 城市居住区规划设计标准 服务半径；15分钟生活"
                      "圈"),
    QT_TRANSLATE_NOOP("RuleSources",
                      "规划人员选择：无道路图层时，步行距离 = 直线距离 × 1.3"),
    QT_TRANSLATE_NOOP("RuleSources", "国家入学年龄规定：按当学年9月1日计算年龄"),
    QT_TRANSLATE_NOOP("RuleSources", "国家入学年龄规定：按当前学年的9月1日计算年龄"),
    QT_TRANSLATE_NOOP("RuleSources",
                      "同一户同一学段的子女就读同一学校（规划人员可放宽）"),
    QT_TRANSLATE_NOOP("RuleSources",
                      "公平公正：不让优先级较低的户占用优先级较高的轮候户可用的房"
                      "源（默认开启）"),
    QT_TRANSLATE_NOOP("RuleSources",
                      "规划人员选择：放宽同校要求时，每拆分一所学校计作2000米步行"),
    QT_TRANSLATE_NOOP("RuleSources",
                      "规划人员选择：重度肢体或多重残疾成员需要无障碍（首层）住房"),
    QT_TRANSLATE_NOOP("RuleSources",
                      "《移交安置工作方案》：优先保障残疾人、高龄老人、退役军人和"
                      "低收入家庭；轮候时间每满一年加分"),
    QT_TRANSLATE_NOOP("RuleSources",
                      "规划人员选择：人均年收入低于6000元视为低收入（参照脱贫监测"
                      "线）"),
    QT_TRANSLATE_NOOP("RuleSources",
                      "每户基础权重100：多安置一户总是优先于给已安置户加分"),
    QT_TRANSLATE_NOOP("RuleSources",
                      "规划人员填写：本县农村居民人均可支配收入（示例值）"),
    QT_TRANSLATE_NOOP("RuleSources", "《移交安置工作方案》退出机制：稳定就业满3年"),
    QT_TRANSLATE_NOOP("RuleSources",
                      "随机抽签种子：同等条件按抽签排序，种子记入台账以便复核"),
    QT_TRANSLATE_NOOP("RuleSources",
                      "规划人员填写：本县上年农村居民人均可支配收入（见县统计公报"
                      "）；15000为示例值，项目参考数据中没有昭觉县或凉山州的公开"
                      "数字"),
    QT_TRANSLATE_NOOP("RuleSources",
                      "《移交安置工作方案》退出机制：收入超过当地平均水平；per_ca"
                      "pita 按人均（户年收入÷人数）、household 按户年收入与全县人"
                      "均比较"),
    QT_TRANSLATE_NOOP("RuleSources",
                      "《移交安置工作方案》“1+3+6”跟踪服务：入住后1个月回访、3个"
                      "月跟踪、6个月评估"),
    QT_TRANSLATE_NOOP("RuleSources",
                      "《移交安置工作方案》红黄蓝三级预警：监测收入波动、就业中断"
                      "、信访投诉；阈值为规划人员选择（人均收入跌破低收入线为红色"
                      "，即返贫风险）"),
    QT_TRANSLATE_NOOP("RuleSources",
                      "规划人员选择：先安置户数，再服务名额，最后步行距离；安置意"
                      "愿（wishes）和同村同点（village）会改变结果，默认不列入，由规"
                      "划人员放入顺序中的位置（全县求解时间随之增加数倍）"),
    QT_TRANSLATE_NOOP("RuleSources",
                      "规划人员选择：第一志愿3分、第二志愿2分、第三及以后志愿1分"
                      "；申请低楼层并获满足3分（登记了低楼层意愿的户均计分；有70岁"
                      "以上老人或残疾人的户，同类房源内低楼层另按需要先安排）"),
    QT_TRANSLATE_NOOP("RuleSources",
                      "规划人员选择：三层及以下视为低楼层（多层住宅无电梯时老人上"
                      "下楼的限度）"),
    QT_TRANSLATE_NOOP("RuleSources",
                      "公平公正（可选，默认关闭）：按安置类别（category）或乡镇（"
                      "township）限制公共服务覆盖率差距；留空为不限制"),
    QT_TRANSLATE_NOOP("RuleSources",
                      "规划人员选择：各组之间每类服务的覆盖率相差不超过10个百分点"
                      "（开启时）"),
    QT_TRANSLATE_NOOP("RuleSources",
                      "规划人员选择：分配通知书按户的安置类别由对应机关发文（{county}"
                      "为县名）；请按本县实际机构名称修改，未列出的类别按默认"),
    QT_TRANSLATE_NOOP("RuleSources",
                      '规划人员添加的退出条件（全部满足才退出），如 '
                      '[{"field": "open_petitions", "op": "==", "value": 0}]'),
    QT_TRANSLATE_NOOP("RuleSources",
                      "规划人员选择：重新分配允许调换住房时，每调换一户（已分配未入"
                      "住）计作1000米步行；调换的收益（分户家庭同点安置、缩短上学步"
                      "行距离）大于此值才调换"),
    QT_TRANSLATE_NOOP("RuleSources",
                      "规划人员选择：因户籍更新分户的家庭安置在同一安置点，每两户计"
                      "作减少3000米步行"),
    QT_TRANSLATE_NOOP("RuleSources",
                      "GB 50180-2018 城市居住区规划设计标准：15分钟生活圈步行距离80"
                      "0–1000米；上学单程步行超过1000米视为过远，重新分配时可调换住"
                      "房缩短"),
)

# The labels of the rules as allocator.rules states them, for the plain
# editors of rules this dialog has no page of its own for.
RULE_LABELS = {
    "area_max_per_person_m2": QT_TRANSLATE_NOOP("RuleLabels", "人均面积上限 m²"),
    "area_min_per_person_m2": QT_TRANSLATE_NOOP("RuleLabels", "人均面积下限 m²"),
    "catchment_walk_m": QT_TRANSLATE_NOOP("RuleLabels", "服务半径（步行，米）"),
    "detour_factor": QT_TRANSLATE_NOOP("RuleLabels", "绕行系数"),
    "school_ages": QT_TRANSLATE_NOOP("RuleLabels", "学龄段（周岁）"),
    "school_year_reference": QT_TRANSLATE_NOOP("RuleLabels", "学龄计算基准日（月-日）"),
    "siblings_together": QT_TRANSLATE_NOOP("RuleLabels", "同户同学段子女同校"),
    "priority_respecting": QT_TRANSLATE_NOOP("RuleLabels", "优先级保护"),
    "sibling_split_penalty_m":
        QT_TRANSLATE_NOOP("RuleLabels", "同户子女分校惩罚（米）"),
    "accessible_disabilities":
        QT_TRANSLATE_NOOP("RuleLabels", "需要无障碍住房的残疾类别"),
    "priority_points": QT_TRANSLATE_NOOP("RuleLabels", "优先级加分"),
    "low_income_per_person_yuan":
        QT_TRANSLATE_NOOP("RuleLabels", "低收入线（元/人·年）"),
    "priority_base_weight": QT_TRANSLATE_NOOP("RuleLabels", "基础权重"),
    "county_average_income_yuan": QT_TRANSLATE_NOOP("RuleLabels", "全县人均收入（元）"),
    "stable_job_years_for_exit":
        QT_TRANSLATE_NOOP("RuleLabels", "退出所需稳定就业年限"),
    "exit_income_basis": QT_TRANSLATE_NOOP("RuleLabels", "退出收入口径"),
    "exit_conditions": QT_TRANSLATE_NOOP("RuleLabels", "其他退出条件"),
    "follow_up_months": QT_TRANSLATE_NOOP("RuleLabels", "入住后回访（月）"),
    "alert_rules": QT_TRANSLATE_NOOP("RuleLabels", "红黄蓝预警规则"),
    "lottery_seed": QT_TRANSLATE_NOOP("RuleLabels", "抽签种子"),
    "objective_order": QT_TRANSLATE_NOOP("RuleLabels", "目标顺序"),
    "wish_points": QT_TRANSLATE_NOOP("RuleLabels", "安置意愿得分"),
    "low_floor_max": QT_TRANSLATE_NOOP("RuleLabels", "低楼层上限（层）"),
    "coverage_gap_groups": QT_TRANSLATE_NOOP("RuleLabels", "覆盖率差距分组"),
    "coverage_gap_max": QT_TRANSLATE_NOOP("RuleLabels", "覆盖率差距上限"),
    "move_penalty_m": QT_TRANSLATE_NOOP("RuleLabels", "调换住房惩罚（米）"),
    "family_reunion_m": QT_TRANSLATE_NOOP("RuleLabels", "分户家庭同点安置收益（米）"),
    "school_trip_max_m": QT_TRANSLATE_NOOP("RuleLabels", "上学步行距离上限（米）"),
}


def source_text(key: str) -> str:
    """Where the default of ``key`` comes from, in the window's language."""
    default = DEFAULTS.get(key)
    if default is None:
        return QCoreApplication.translate("RulesDialog", "规划人员添加")
    return QCoreApplication.translate("RuleSources", default.source)


class RulesCommand(QUndoCommand):
    """Replace the project's rules; undo puts the old ones back."""

    def __init__(self, window, before: dict[str, Any], after: dict[str, Any],
                 text: str) -> None:
        super().__init__(text)
        self.window = window
        self.before = before
        self.after = after

    def _set(self, rules: dict[str, Any], other: dict[str, Any], action: str) -> None:
        project = self.window.project
        project.rules = copy.deepcopy(rules)
        changed = sorted(k for k in set(rules) | set(other)
                         if rules.get(k) != other.get(k))
        project.log(action, "rules " + ", ".join(changed),
                    before={k: other.get(k) for k in changed},
                    after={k: rules.get(k) for k in changed},
                    reason="窗口中修改分配规则" if action == "rules"
                    else "窗口中撤销或重做规则修改")
        self.window.rules_changed()

    def redo(self) -> None:  # noqa: D102 - Qt override
        self._set(self.after, self.before, "rules")

    def undo(self) -> None:  # noqa: D102 - Qt override
        self._set(self.before, self.after, "undo rules")


class LockCommand(QUndoCommand):
    """Add or remove one lock (checked by :mod:`allocator.locks` first);
    undo puts the household's locks on that unit back as they were. Every
    step goes to the ledger."""

    def __init__(self, window, household_id: str, unit_id: str, kind: str,
                 reason: str, remove: bool, text: str) -> None:
        super().__init__(text)
        self.window = window
        self.household_id = household_id
        self.unit_id = unit_id
        self.kind = kind
        self.reason = reason
        self.remove = remove
        self.before: list[dict[str, Any]] | None = None
        self.after: list[dict[str, Any]] = []

    def redo(self) -> None:  # noqa: D102 - Qt override
        project = self.window.project
        if self.before is None:  # the first time: the checked change itself
            try:
                if self.remove:
                    change = remove_lock(project, self.household_id, self.unit_id,
                                         self.reason)
                else:
                    change = add_lock(project, self.household_id, self.unit_id,
                                      self.kind, self.reason)
            except LockRefused as exc:  # checked before the push; kept safe
                logger.warning("lock not changed: %s", exc)
                self.setObsolete(True)
                return
            self.after = [dict(change.after)] if change.after else []
            self.before = change.before
        else:
            restore_locks(project, self.household_id, self.unit_id, self.after,
                          "窗口中重做锁定修改", action="lock")
        self.window.locks_changed()

    def undo(self) -> None:  # noqa: D102 - Qt override
        restore_locks(self.window.project, self.household_id, self.unit_id,
                      self.before or [], "窗口中撤销锁定修改")
        self.window.locks_changed()


# Objective levels the window knows by name (the core's objective_order
# rule lists them); labels marked for translation.
OBJECTIVE_NAMES = {
    "housed": QT_TRANSLATE_NOOP("Objectives", "按优先级加权的安置户数最大"),
    "served": QT_TRANSLATE_NOOP("Objectives", "服务半径内的学位和卫生服务登记人数最大"),
    "wishes": QT_TRANSLATE_NOOP("Objectives",
                                "满足安置意愿（安置点志愿、低楼层）的得分最大"),
    "village": QT_TRANSLATE_NOOP("Objectives",
                                 "同村轮候户安置在同一安置点的户数最大"),
    "walk": QT_TRANSLATE_NOOP("Objectives", "总步行距离最小（含子女分校惩罚）"),
}
OBJECTIVE_SHORT = {
    "housed": QT_TRANSLATE_NOOP("Objectives", "安置户数"),
    "served": QT_TRANSLATE_NOOP("Objectives", "服务名额"),
    "wishes": QT_TRANSLATE_NOOP("Objectives", "安置意愿"),
    "village": QT_TRANSLATE_NOOP("Objectives", "同村相邻"),
    "walk": QT_TRANSLATE_NOOP("Objectives", "步行距离"),
}
FIXED_ORDER = ["housed", "served", "walk"]
# Rules whose value is one of a few words: (stored value, label).
CHOICE_RULES = {
    "exit_income_basis": (
        ("per_capita", QT_TRANSLATE_NOOP("RuleChoices", "按人均收入（户年收入÷人数）")),
        ("household", QT_TRANSLATE_NOOP("RuleChoices", "按户年收入"))),
    "coverage_gap_groups": (
        ("", QT_TRANSLATE_NOOP("RuleChoices", "不限制")),
        ("category", QT_TRANSLATE_NOOP("RuleChoices", "按安置类别")),
        ("township", QT_TRANSLATE_NOOP("RuleChoices", "按乡镇"))),
}


def objective_label(name: str) -> str:
    """The label of one objective level, in the window's language."""
    if name in OBJECTIVE_NAMES:
        return QCoreApplication.translate("Objectives", OBJECTIVE_NAMES[name])
    labels = getattr(core_rules, "OBJECTIVE_LABELS", {})
    return str(labels.get(name, name))


class RulesDialog(QDialog):
    """Edit a copy of the rules; :meth:`rules` returns the edited copy.

    With ``window`` (the main window) the Locks tab edits the project's
    locks at once, each an undoable step of the window.
    """

    def __init__(self, rules: dict[str, Any], parent: QWidget | None = None,
                 window=None) -> None:
        super().__init__(parent)
        self.window = window
        self.setWindowTitle(self.tr("分配规则"))
        self.setObjectName("rulesDialog")
        self._rules = copy.deepcopy(rules)
        self.editors: dict[str, Any] = {}
        self.kind_names = {"kindergarten": self.tr("幼儿园"),
                           "primary": self.tr("小学"),
                           "junior": self.tr("初中"),
                           "clinic": self.tr("卫生服务")}
        tabs = QTabWidget(self)
        tabs.addTab(self._housing_tab(), self.tr("住房"))
        tabs.addTab(self._services_tab(), self.tr("服务半径与学龄"))
        tabs.addTab(self._priority_tab(), self.tr("优先级"))
        tabs.addTab(self._other_tab(), self.tr("退出、抽签与发文"))
        tabs.addTab(self._objectives_tab(), self.tr("目标顺序"))
        tabs.addTab(self._locks_tab(), self.tr("锁定"))
        self.tabs = tabs
        self.problem = QLabel(self)
        self.problem.setStyleSheet("color: #b03a2e;")
        self.problem.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(tabs, 1)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        fit_to_screen(self, 760, 540)

    # -- building blocks -------------------------------------------------------------
    def _page(self) -> tuple[QScrollArea, QGridLayout]:
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        inner = QWidget(scroll)
        grid = QGridLayout(inner)
        grid.setColumnStretch(1, 1)
        grid.setVerticalSpacing(2)
        scroll.setWidget(inner)
        return scroll, grid

    def _source(self, key: str, parent: QWidget) -> QLabel:
        default = DEFAULTS.get(key)
        shown = "-" if default is None else self._show(default.value)
        if key == "issuing_office":
            # Names of offices, one field each above: "恢复默认" shows them.
            shown = self.tr("各类别的机关名称，见上（“恢复默认”可还原）")
        if key == "objective_order" and default is not None:
            shown = " → ".join(QCoreApplication.translate(
                "Objectives", OBJECTIVE_SHORT.get(n, n)) for n in default.value)
        label = QLabel(fill(self.tr("默认 %1。来源：%2"), shown, source_text(key)),
                       parent)
        label.setWordWrap(True)
        label.setStyleSheet("color: #5f6b76;")
        return label

    def _row(self, grid: QGridLayout, key: str, title: str, editor: QWidget,
             path: tuple[str, ...] = ()) -> None:
        row = grid.rowCount()
        label = QLabel(title, editor.parentWidget())
        label.setWordWrap(True)
        grid.addWidget(label, row, 0, Qt.AlignmentFlag.AlignVCenter)
        grid.addWidget(editor, row, 1)
        reset = QPushButton(self.tr("恢复默认"), editor.parentWidget())
        reset.clicked.connect(lambda _c=False, k=key, p=path: self._reset(k, p))
        grid.addWidget(reset, row, 2)
        if not path or path[-1] == "last":
            grid.addWidget(self._source(key, editor.parentWidget()), row + 1, 0, 1, 3)
        self.editors[(key,) + tuple(p for p in path if p != "last")] = editor

    def _spin(self, parent: QWidget, value: float, low: float, high: float,
              decimals: int = 0, suffix: str = "") -> QAbstractSpinBox:
        if decimals:
            box = QDoubleSpinBox(parent)
            box.setDecimals(decimals)
            box.setSingleStep(10 ** -decimals * 5 if decimals < 3 else 0.01)
        else:
            box = QSpinBox(parent)
        box.setRange(low, high)
        box.setValue(value)
        if suffix:
            box.setSuffix(suffix)
        box.setMinimumWidth(110)
        return box

    def _show(self, value: Any) -> str:
        """A default value in words (kind names translated)."""
        separator = self.tr("、")
        if isinstance(value, dict):
            return separator.join(f"{self._name(k)} {self._show(v)}"
                                  for k, v in value.items())
        if isinstance(value, list):
            if len(value) == 2 and all(isinstance(v, int) for v in value):
                return f"{value[0]}–{value[1]}"
            return separator.join(str(v) for v in value)
        if isinstance(value, bool):
            return self.tr("是") if value else self.tr("否")
        return f"{value:g}" if isinstance(value, float) else str(value)

    def _name(self, key: str) -> str:
        names = dict(self.kind_names)
        names.update({"disability": self.tr("有残疾成员"),
                      "aged_70_plus": self.tr("有70岁以上成员"),
                      "veteran": self.tr("退役军人"), "low_income": self.tr("低收入"),
                      "per_waiting_year": self.tr("轮候每满一年")})
        return names.get(key, key)

    # -- tabs --------------------------------------------------------------------------
    def _housing_tab(self) -> QWidget:
        page, grid = self._page()
        inner = grid.parentWidget()
        rules = self._rules
        self._row(grid, "area_min_per_person_m2", self.tr("人均面积下限"),
                  self._spin(inner, rules["area_min_per_person_m2"], 1, 100, 1,
                             " m²"))
        self._row(grid, "area_max_per_person_m2", self.tr("人均面积上限（红线）"),
                  self._spin(inner, rules["area_max_per_person_m2"], 1, 200, 1,
                             " m²"))
        edit = QLineEdit("、".join(rules["accessible_disabilities"]), inner)
        edit.setToolTip(self.tr("用顿号或逗号分隔，例如：肢体一级、肢体二级"))
        self._row(grid, "accessible_disabilities",
                  self.tr("需要无障碍（首层）住房的残疾类别"), edit)
        grid.setRowStretch(grid.rowCount(), 1)
        return page

    def _services_tab(self) -> QWidget:
        page, grid = self._page()
        inner = grid.parentWidget()
        rules = self._rules
        kinds = list(self.kind_names)
        for i, kind in enumerate(kinds):
            self._row(grid, "catchment_walk_m",
                      fill(self.tr("服务半径：%1（步行）"), self.kind_names[kind]),
                      self._spin(inner, rules["catchment_walk_m"][kind], 50, 50000,
                                 0, " m"),
                      (kind, "last") if i == len(kinds) - 1 else (kind,))
        self._row(grid, "detour_factor", self.tr("绕行系数（步行 = 直线 × 系数）"),
                  self._spin(inner, rules["detour_factor"], 1.0, 3.0, 2))
        school = list(rules["school_ages"])
        for i, kind in enumerate(school):
            low, high = rules["school_ages"][kind]
            last = i == len(school) - 1
            self._row(grid, "school_ages",
                      fill(self.tr("%1 最小年龄（周岁）"), self.kind_names[kind]),
                      self._spin(inner, low, 0, 25, 0), (kind, "0"))
            self._row(grid, "school_ages",
                      fill(self.tr("%1 最大年龄（周岁）"), self.kind_names[kind]),
                      self._spin(inner, high, 0, 25, 0),
                      (kind, "1", "last") if last else (kind, "1"))
        reference = QLineEdit(str(rules["school_year_reference"]), inner)
        reference.setInputMask("99-99")
        self._row(grid, "school_year_reference", self.tr("学龄计算基准日（月-日）"),
                  reference)
        box = QCheckBox(self.tr("同户同学段子女就读同一学校"), inner)
        box.setChecked(bool(rules["siblings_together"]))
        self._row(grid, "siblings_together", self.tr("兄弟姐妹同校"), box)
        self._row(grid, "sibling_split_penalty_m",
                  self.tr("放宽同校时每拆分一所学校计作"),
                  self._spin(inner, rules["sibling_split_penalty_m"], 0, 100000, 0,
                             " m"))
        grid.setRowStretch(grid.rowCount(), 1)
        return page

    def _priority_tab(self) -> QWidget:
        page, grid = self._page()
        inner = grid.parentWidget()
        rules = self._rules
        names = {"disability": self.tr("有残疾成员"),
                 "aged_70_plus": self.tr("有70岁以上成员"),
                 "veteran": self.tr("退役军人"),
                 "low_income": self.tr("低收入"),
                 "per_waiting_year": self.tr("轮候每满一年")}
        keys = list(rules["priority_points"])
        for i, key in enumerate(keys):
            self._row(grid, "priority_points", fill(self.tr("加分：%1"),
                                                    names.get(key, key)),
                      self._spin(inner, rules["priority_points"][key], 0, 1000, 0),
                      (key, "last") if i == len(keys) - 1 else (key,))
        if "priority_respecting" in rules:
            box = QCheckBox(
                self.tr("不让优先级较低的户占用优先级较高的轮候户可用的房源"), inner)
            box.setChecked(bool(rules["priority_respecting"]))
            self._row(grid, "priority_respecting", self.tr("优先级保护"), box)
        self._row(grid, "priority_base_weight", self.tr("每户基础权重"),
                  self._spin(inner, rules["priority_base_weight"], 1, 100000, 0))
        self._row(grid, "low_income_per_person_yuan", self.tr("低收入线（元/人·年）"),
                  self._spin(inner, rules["low_income_per_person_yuan"], 0, 1000000, 0))
        note = QLabel(self.tr(
            "基础权重应大于所有加分之和，才能保证“多安置一户”总优先于“给某户加分”。"),
            inner)
        note.setWordWrap(True)
        grid.addWidget(note, grid.rowCount(), 0, 1, 3)
        grid.setRowStretch(grid.rowCount(), 1)
        return page

    def _other_tab(self) -> QWidget:
        page, grid = self._page()
        inner = grid.parentWidget()
        rules = self._rules
        self._row(grid, "county_average_income_yuan", self.tr("全县人均收入（元）"),
                  self._spin(inner, rules["county_average_income_yuan"], 0, 10000000,
                             0))
        self._row(grid, "stable_job_years_for_exit", self.tr("退出所需稳定就业年限"),
                  self._spin(inner, rules["stable_job_years_for_exit"], 0, 50, 0))
        self._row(grid, "lottery_seed", self.tr("抽签种子"),
                  self._spin(inner, rules["lottery_seed"], 0, 2_000_000_000, 0))
        # The office each category's orders are issued by ({county}: the
        # county's name), the default's where the project names none.
        offices = dict(DEFAULTS["issuing_office"].value)
        offices.update(rules.get("issuing_office") or {})
        for i, category in enumerate(offices):
            edit = QLineEdit(offices[category], inner)
            edit.setToolTip(self.tr("{county} 处填入县名"))
            self._row(grid, "issuing_office",
                      fill(self.tr("发文机关：%1"), category_name(category)), edit,
                      (category, "last") if i == len(offices) - 1 else (category,))
        # Rules this editor has no page for yet (added to the core later)
        # get a plain editor by the type of their value.
        handled = {key for key, *_rest in self.editors}
        for key, value in rules.items():
            if key in handled or isinstance(value, (dict, list)):
                continue
            if key in CHOICE_RULES:
                editor = QComboBox(inner)
                for stored, label in CHOICE_RULES[key]:
                    editor.addItem(QCoreApplication.translate("RuleChoices", label),
                                   stored)
                editor.setCurrentIndex(max(editor.findData(value), 0))
            elif isinstance(value, bool):
                editor = QCheckBox(inner)
                editor.setChecked(value)
            elif isinstance(value, int):
                editor = self._spin(inner, value, -2_000_000_000, 2_000_000_000, 0)
            elif isinstance(value, float):
                editor = self._spin(inner, value, -1e9, 1e9, 2)
            else:
                editor = QLineEdit(str(value), inner)
            label = QCoreApplication.translate("RuleLabels", RULE_LABELS[key]) \
                if key in RULE_LABELS else key
            self._row(grid, key, label, editor)
        grid.setRowStretch(grid.rowCount(), 1)
        return page

    def _objectives_tab(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        order = core_rules.objective_order(self._rules)
        self.objectives = QListWidget(page)
        self.objectives.setObjectName("objectiveOrder")
        self._fill_objectives(order)
        buttons = QHBoxLayout()
        self.objective_up = QPushButton(self.tr("上移"), page)
        self.objective_down = QPushButton(self.tr("下移"), page)
        reset = QPushButton(self.tr("恢复默认"), page)
        self.objective_up.clicked.connect(lambda: self._move_objective(-1))
        self.objective_down.clicked.connect(lambda: self._move_objective(1))
        reset.clicked.connect(self._reset_objectives)
        self.objectives.itemChanged.connect(self._objective_ticked)
        for button in (self.objective_up, self.objective_down, reset):
            buttons.addWidget(button)
        buttons.addStretch(1)
        note = QLabel(self.tr(
            "目标按上述顺序逐层求解：每一层先求到最优，再在不降低它的前提下求下一层。"
            "选中一层后用“上移”“下移”调整顺序；安置意愿和同村相邻两层可取消勾选"
            "（不求解）。"), page)
        note.setWordWrap(True)
        layout.addWidget(self.objectives, 1)
        layout.addLayout(buttons)
        layout.addWidget(note)
        layout.addWidget(self._source("objective_order", page))
        return page

    def _fill_objectives(self, order: list[str]) -> None:
        """Levels in ``order`` ticked; the optional levels left out follow,
        unticked (ticking one puts it back in the order)."""
        known = list(getattr(core_rules, "OBJECTIVE_LABELS", OBJECTIVE_NAMES))
        required = set(getattr(core_rules, "REQUIRED_LEVELS", FIXED_ORDER))
        self.objectives.blockSignals(True)
        self.objectives.clear()
        names = [str(n) for n in order] + [n for n in known if n not in order]
        for name in names:
            item = QListWidgetItem(objective_label(name), self.objectives)
            item.setData(Qt.ItemDataRole.UserRole, name)
            flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
            if name not in required:
                flags |= Qt.ItemFlag.ItemIsUserCheckable
            item.setFlags(flags)
            item.setCheckState(Qt.CheckState.Checked if name in order
                               else Qt.CheckState.Unchecked)
        self._number_objectives()
        self.objectives.blockSignals(False)

    def _number_objectives(self) -> None:
        number = 0
        for row in range(self.objectives.count()):
            item = self.objectives.item(row)
            name = item.data(Qt.ItemDataRole.UserRole)
            if item.checkState() == Qt.CheckState.Checked:
                number += 1
                item.setText(f"{number}. {objective_label(name)}")
            else:
                item.setText(fill(self.tr("（不求解）%1"), objective_label(name)))
            item.setToolTip(name)

    def _objective_ticked(self, _item) -> None:
        self.objectives.blockSignals(True)
        self._number_objectives()
        self.objectives.blockSignals(False)

    def _move_objective(self, step: int) -> None:
        row = self.objectives.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.objectives.count():
            return
        self.objectives.blockSignals(True)
        item = self.objectives.takeItem(row)
        self.objectives.insertItem(target, item)
        self.objectives.setCurrentRow(target)
        self._number_objectives()
        self.objectives.blockSignals(False)

    def _reset_objectives(self) -> None:
        default = DEFAULTS.get("objective_order")
        self._fill_objectives(list(default.value) if default else list(FIXED_ORDER))

    def objective_order(self) -> list[str]:
        """The ticked objective levels in the order shown."""
        return [self.objectives.item(r).data(Qt.ItemDataRole.UserRole)
                for r in range(self.objectives.count())
                if self.objectives.item(r).checkState() == Qt.CheckState.Checked]

    def _locks_tab(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        project = getattr(self.window, "project", None)
        note = QLabel(self.tr(
            "锁定：把某套空置房固定给某户，或禁止某户分到某套房。增删立即生效并记入"
            "台账，可用“撤销”撤回；求解时每条锁定都会遵守，不能遵守的锁定在此说明原因。"),
            page)
        note.setWordWrap(True)
        layout.addWidget(note)
        self.lock_table = QTableWidget(0, 5, page)
        self.lock_table.setObjectName("lockTable")
        self.lock_table.setHorizontalHeaderLabels([
            self.tr("户号"), self.tr("锁定"), self.tr("房号"), self.tr("原因"),
            self.tr("设定时间")])
        self.lock_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.lock_table.setSelectionBehavior(
            QAbstractItemView.SelectionBehavior.SelectRows)
        self.lock_table.verticalHeader().setVisible(False)
        self.lock_table.horizontalHeader().setSectionResizeMode(
            3, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.lock_table, 1)
        form = QGridLayout()
        self.lock_household = QLineEdit(page)
        self.lock_household.setPlaceholderText(self.tr("户号"))
        self.lock_unit = QLineEdit(page)
        self.lock_unit.setPlaceholderText(self.tr("房号"))
        self.lock_kind = QComboBox(page)
        self.lock_kind.addItem(self.tr("固定给该户"), "fix")
        self.lock_kind.addItem(self.tr("禁止分给该户"), "forbid")
        self.lock_reason = QLineEdit(page)
        self.lock_reason.setPlaceholderText(self.tr("原因（印在分配通知书上，记入台账）"))
        if project is not None:
            households = QCompleter(sorted(project.households["household_id"]), page)
            self.lock_household.setCompleter(households)
            vacant = project.housing_units[project.housing_units["status"] == "vacant"]
            self.lock_unit.setCompleter(QCompleter(sorted(vacant["unit_id"]), page))
        self.lock_add = QPushButton(self.tr("添加锁定"), page)
        self.lock_remove = QPushButton(self.tr("删除所选锁定"), page)
        self.lock_add.clicked.connect(self.add_lock)
        self.lock_remove.clicked.connect(self.remove_selected_lock)
        form.addWidget(QLabel(self.tr("户号"), page), 0, 0)
        form.addWidget(self.lock_household, 0, 1)
        form.addWidget(QLabel(self.tr("房号"), page), 0, 2)
        form.addWidget(self.lock_unit, 0, 3)
        form.addWidget(self.lock_kind, 0, 4)
        form.addWidget(QLabel(self.tr("原因"), page), 1, 0)
        form.addWidget(self.lock_reason, 1, 1, 1, 4)
        form.setColumnStretch(1, 1)
        form.setColumnStretch(3, 1)
        layout.addLayout(form)
        row = QHBoxLayout()
        row.addWidget(self.lock_add)
        row.addWidget(self.lock_remove)
        row.addStretch(1)
        layout.addLayout(row)
        self.lock_problem = QLabel(page)
        self.lock_problem.setObjectName("lockProblem")
        self.lock_problem.setWordWrap(True)
        self.lock_problem.setStyleSheet("color: #b03a2e;")
        layout.addWidget(self.lock_problem)
        editable = project is not None
        for widget in (self.lock_household, self.lock_unit, self.lock_kind,
                       self.lock_reason, self.lock_add, self.lock_remove):
            widget.setEnabled(editable)
        self.show_locks()
        return page

    def show_locks(self) -> None:
        """List the project's locks (the window calls this after each change)."""
        project = getattr(self.window, "project", None)
        locks = project.locks if project is not None else None
        self.lock_table.setRowCount(0 if locks is None else len(locks))
        if locks is None:
            return
        kinds = {"fix": self.tr("固定"), "forbid": self.tr("禁止")}
        for r, lock in enumerate(locks.itertuples()):
            values = [lock.household_id, kinds.get(lock.kind, lock.kind),
                      lock.unit_id, lock.reason or "", lock.created or ""]
            for c, value in enumerate(values):
                item = QTableWidgetItem(str(value))
                item.setData(Qt.ItemDataRole.UserRole,
                             (lock.household_id, lock.unit_id))
                self.lock_table.setItem(r, c, item)
        self.lock_table.resizeColumnsToContents()

    def lock_problem_text(self, problem: LockProblem) -> str:
        """One core lock problem in the window's language."""
        p = problem.params
        texts = {
            "no_household": (self.tr("户号 %1 不在项目中。"), p.get("household")),
            "no_unit": (self.tr("房号 %1 不在项目中。"), p.get("unit")),
            "exited": (self.tr("%1 已于 %2 退出安置（已确认），"
                               "不再分房，锁定无法保持。"),
                       p.get("household"), p.get("date")),
            "housed": (self.tr("%1 已入住 %2：已安置的户不参与本次分配。"),
                       p.get("household"), p.get("unit")),
            "lives_there": (self.tr("%1 已入住 %2：已入住的户不会调换住房，"
                                    "禁止无法保持。"),
                            p.get("household"), p.get("unit")),
            "not_vacant": (self.tr("%1 不是空置房（状态：%2）。"), p.get("unit"),
                           QCoreApplication.translate(
                               "Choices", p.get("status_label") or "")
                           or p.get("status")),
            "area": (self.tr("%1 面积 %2 m²，不在本户（%3人）的面积标准 %4–%5 m² "
                             "内。"), p.get("unit"), f"{p.get('area', 0):g}",
                     p.get("size"), f"{p.get('low', 0):g}", f"{p.get('high', 0):g}"),
            "accessible": (self.tr("%1 需要无障碍住房，%2 不是无障碍房。"),
                           p.get("household"), p.get("unit")),
            "household_fixed": (self.tr("%1 已固定了 %2，请先删除那条锁定。"),
                                p.get("household"), p.get("unit")),
            "unit_fixed": (self.tr("%1 已固定给 %2，请先删除那条锁定。"),
                           p.get("unit"), p.get("household")),
            "no_lock": (self.tr("%1 在 %2 上没有锁定。"), p.get("household"),
                        p.get("unit")),
            "fix_exists": (self.tr("%1 已固定了 %2，再禁止会与之矛盾：请先在锁定列表中"
                                   "删除这条固定，再禁止。"),
                           p.get("household"), p.get("unit")),
            "forbid_exists": (self.tr("%1 已被禁止分到 %2，再固定会与之矛盾：请先在锁定"
                                      "列表中删除这条禁止，再固定。"),
                              p.get("household"), p.get("unit")),
        }
        if problem.code not in texts:
            return problem.message
        template, *values = texts[problem.code]
        text = fill(template, *values)
        if p.get("near"):  # the id typed nearly is one of the project's
            text += fill(self.tr("是否为 %1？"), p["near"])
        return text

    def add_lock(self) -> bool:
        """Add the lock in the form (checked first); True when it was added."""
        household = self.lock_household.text().strip()
        unit = self.lock_unit.text().strip()
        kind = self.lock_kind.currentData()
        reason = self.lock_reason.text().strip()
        if not household or not unit:
            self.lock_problem.setText(self.tr("请填写户号和房号。"))
            return False
        problems = lock_problems(self.window.project, household, unit, kind)
        if problems:
            self.lock_problem.setText(" ".join(
                self.lock_problem_text(p) for p in problems))
            return False
        text = fill(self.tr("锁定 %1 → %2"), household, unit) if kind == "fix" \
            else fill(self.tr("禁止 %1 → %2"), household, unit)
        return self._push(LockCommand(self.window, household, unit, kind, reason,
                                      False, text))

    def remove_selected_lock(self) -> bool:
        """Remove the selected lock (with the reason in the form)."""
        row = self.lock_table.currentRow()
        if row < 0:
            self.lock_problem.setText(self.tr("请先在列表中选择一条锁定。"))
            return False
        household, unit = self.lock_table.item(row, 0).data(Qt.ItemDataRole.UserRole)
        reason = self.lock_reason.text().strip()
        return self._push(LockCommand(self.window, household, unit, "", reason, True,
                                      fill(self.tr("删除锁定 %1 → %2"), household,
                                           unit)))

    def _push(self, command: LockCommand) -> bool:
        self.window.undo_stack.push(command)
        if command.before is None:
            self.lock_problem.setText(self.tr("锁定未修改，原因已写入日志文件。"))
            return False
        self.lock_problem.setText("")
        return True

    # -- values ------------------------------------------------------------------------
    def _reset(self, key: str, path: tuple[str, ...]) -> None:
        default = DEFAULTS[key].value
        parts = tuple(p for p in path if p != "last")
        value = default
        for part in parts:
            value = value[int(part)] if isinstance(value, list) else value[part]
        editor = self.editors[(key,) + parts]
        _set_editor(editor, value)

    def rules(self) -> dict[str, Any]:
        """The edited rules (a new dict)."""
        rules = copy.deepcopy(self._rules)
        rules["issuing_office"] = dict(rules.get("issuing_office") or {})
        for path, editor in self.editors.items():
            key, parts = path[0], path[1:]
            value = _editor_value(editor)
            if key == "accessible_disabilities":
                text = str(value).replace(",", "、").replace("，", "、")
                value = [v.strip() for v in text.split("、") if v.strip()]
            target = rules
            if not parts:
                rules[key] = value
                continue
            target = rules[key]
            for part in parts[:-1]:
                target = target[int(part)] if isinstance(target, list) else target[part]
            last = parts[-1]
            if isinstance(target, list):
                target[int(last)] = value
            else:
                target[last] = value
        rules["objective_order"] = self.objective_order()
        # An office the project did not name stays unnamed while it reads
        # as the default (the project keeps what the planner gave).
        named = self._rules.get("issuing_office") or {}
        default = DEFAULTS["issuing_office"].value
        rules["issuing_office"] = {
            category: office for category, office in rules["issuing_office"].items()
            if category in named or office != default.get(category)}
        return rules

    def problems(self, rules: dict[str, Any]) -> list[str]:
        """Rule combinations that cannot work."""
        found = []
        if rules["area_min_per_person_m2"] > rules["area_max_per_person_m2"]:
            found.append(self.tr("人均面积下限不能大于上限。"))
        for kind, (low, high) in rules["school_ages"].items():
            if low > high:
                found.append(fill(self.tr("%1 的最小年龄大于最大年龄。"),
                                  self.kind_names.get(kind, kind)))
        points = sum(rules["priority_points"].values())
        if rules["priority_base_weight"] <= points:
            found.append(fill(self.tr("基础权重（%1）须大于加分之和（%2）。"),
                              rules["priority_base_weight"], points))
        if not found:
            # The core's checks (the same as `allocator rules --set`) catch
            # what this dialog does not know, e.g. an unusable objective order.
            found.extend(fill(self.tr("规则不可用：%1"), problem)
                         for problem in rule_problems(rules))
        return found

    def _accept(self) -> None:
        rules = self.rules()
        found = self.problems(rules)
        if found:
            self.problem.setText(" ".join(found))
            return
        logger.info("rules edited: %s", json.dumps(
            {k: v for k, v in rules.items() if v != self._rules.get(k)},
            ensure_ascii=False, default=str))
        self.accept()




def _editor_value(editor: QWidget) -> Any:
    if isinstance(editor, QComboBox):
        return editor.currentData()
    if isinstance(editor, QDoubleSpinBox):
        return float(editor.value())
    if isinstance(editor, QSpinBox):
        return int(editor.value())
    if isinstance(editor, QCheckBox):
        return editor.isChecked()
    if isinstance(editor, QLineEdit):
        return editor.text()
    raise TypeError(type(editor).__name__)


def _set_editor(editor: QWidget, value: Any) -> None:
    if isinstance(editor, QComboBox):
        editor.setCurrentIndex(max(editor.findData(value), 0))
    elif isinstance(editor, (QDoubleSpinBox, QSpinBox)):
        editor.setValue(value)
    elif isinstance(editor, QCheckBox):
        editor.setChecked(bool(value))
    elif isinstance(editor, QLineEdit):
        editor.setText("、".join(value) if isinstance(value, list) else str(value))
