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
    QAbstractSpinBox,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from allocator.rules import DEFAULTS
from ui.language import fill
from ui.screen import fit_to_screen

logger = logging.getLogger(__name__)

# The sources of the defaults as allocator.rules states them, marked for
# translation (tests check that every source in DEFAULTS is listed here).
SOURCES = (
    QT_TRANSLATE_NOOP("RuleSources",
                      "十三五易地扶贫搬迁规划：人均住房面积不超过25平方米（红线）"),
    QT_TRANSLATE_NOOP("RuleSources", "规划人员选择（默认12平方米/人）"),
    QT_TRANSLATE_NOOP("RuleSources",
                      "GB 50180-2018 城市居住区规划设计标准 服务半径；15分钟生活圈"),
    QT_TRANSLATE_NOOP("RuleSources",
                      "规划人员选择：无道路图层时，步行距离 = 直线距离 × 1.3"),
    QT_TRANSLATE_NOOP("RuleSources", "国家入学年龄规定：按当学年9月1日计算年龄"),
    QT_TRANSLATE_NOOP("RuleSources", "国家入学年龄规定：按当前学年的9月1日计算年龄"),
    QT_TRANSLATE_NOOP("RuleSources",
                      "同一户同一学段的子女就读同一学校（规划人员可放宽）"),
    QT_TRANSLATE_NOOP("RuleSources",
                      "公平公正：不让优先级较低的户占用优先级较高的轮候户可用的房源"
                      "（默认开启）"),
    QT_TRANSLATE_NOOP("RuleSources",
                      "规划人员选择：放宽同校要求时，每拆分一所学校计作2000米步行"),
    QT_TRANSLATE_NOOP("RuleSources",
                      "规划人员选择：重度肢体或多重残疾成员需要无障碍（首层）住房"),
    QT_TRANSLATE_NOOP("RuleSources",
                      "《移交安置工作方案》：优先保障残疾人、高龄老人、退役军人和低收入"
                      "家庭；轮候时间每满一年加分"),
    QT_TRANSLATE_NOOP("RuleSources",
                      "规划人员选择：人均年收入低于6000元视为低收入（参照脱贫监测线）"),
    QT_TRANSLATE_NOOP("RuleSources",
                      "每户基础权重100：多安置一户总是优先于给已安置户加分"),
    QT_TRANSLATE_NOOP("RuleSources",
                      "规划人员填写：本县农村居民人均可支配收入（示例值）"),
    QT_TRANSLATE_NOOP("RuleSources", "《移交安置工作方案》退出机制：稳定就业满3年"),
    QT_TRANSLATE_NOOP("RuleSources",
                      "随机抽签种子：同等条件按抽签排序，种子记入台账以便复核"),
)


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


class RulesDialog(QDialog):
    """Edit a copy of the rules; :meth:`rules` returns the edited copy."""

    def __init__(self, rules: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
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
        tabs.addTab(self._other_tab(), self.tr("退出与抽签"))
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
        # Rules this editor has no page for yet (added to the core later)
        # get a plain editor by the type of their value.
        handled = {key for key, *_rest in self.editors}
        for key, value in rules.items():
            if key in handled or isinstance(value, (dict, list)):
                continue
            if isinstance(value, bool):
                editor = QCheckBox(inner)
                editor.setChecked(value)
            elif isinstance(value, int):
                editor = self._spin(inner, value, -2_000_000_000, 2_000_000_000, 0)
            elif isinstance(value, float):
                editor = self._spin(inner, value, -1e9, 1e9, 2)
            else:
                editor = QLineEdit(str(value), inner)
            default = DEFAULTS.get(key)
            self._row(grid, key, default.label if default else key, editor)
        grid.setRowStretch(grid.rowCount(), 1)
        return page

    def _objectives_tab(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        listing = QListWidget(page)
        for text in (self.tr("1. 按优先级加权的安置户数最大"),
                     self.tr("2. 服务半径内的学位和卫生服务登记人数最大"),
                     self.tr("3. 总步行距离最小（含子女分校惩罚）")):
            listing.addItem(text)
        listing.setEnabled(False)
        # TODO(#4): the joint model fixes the order of its objective levels;
        # offer reordering once solvers.joint accepts an order.
        note = QLabel(self.tr(
            "目标按上述顺序逐层求解：每一层先求到最优，再在不降低它的前提下求下一层。"
            "当前版本的模型顺序固定，不能在此调整。"), page)
        note.setWordWrap(True)
        layout.addWidget(listing)
        layout.addWidget(note)
        layout.addStretch(1)
        return page

    def _locks_tab(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        # TODO(#3): edit locks here; the core keeps them (Project.locks,
        # `allocator lock`) and solve_project honours them.
        note = QLabel(self.tr(
            "锁定（把某套空置房固定给某户，或禁止某户分到某套房）目前在命令行设置："
            "allocator lock 项目文件 --household 户号 --unit 房号（或 --forbid 房号）。"
            "求解时每条锁定都会遵守，不能遵守的锁定会在求解前说明原因。"), page)
        note.setWordWrap(True)
        layout.addWidget(note)
        layout.addStretch(1)
        return page

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
    if isinstance(editor, (QDoubleSpinBox, QSpinBox)):
        editor.setValue(value)
    elif isinstance(editor, QCheckBox):
        editor.setChecked(bool(value))
    elif isinstance(editor, QLineEdit):
        editor.setText("、".join(value) if isinstance(value, list) else str(value))
