"""What-if scenarios (方案) and petition trials (信访试算) in the window.

A scenario is a named set of changes to the base (new or closed facilities,
capacities, units, catchments, rules, households); :mod:`allocator.scenarios`
applies them to a copy, solves, compares and promotes. The panel lists the
scenarios, creates one from its changes, solves it in a worker job,
compares two or more side by side (key figures with differences, the
households whose allocation differs, the differences drawn on the map) and
promotes one to the base. The petition dialog tries one household's request
on the base (:mod:`allocator.petition`) and may keep the trial as a scenario.
"""

from __future__ import annotations

import copy
import json
import logging
from pathlib import Path
from typing import Any

import pandas as pd
from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from allocator.project import Project
from ui.dynamic import CHANGE_NAMES
from ui.language import core_text, current_language, fill
from ui.screen import fit_to_screen

logger = logging.getLogger(__name__)

# Colours of the scenarios in a comparison (the first is the reference).
SCENARIO_COLOURS = ("#7f8c99", "#d1372f", "#2b7bba", "#3d9a50", "#7b4fb0")
EXAMPLE_CHANGES = {"capacities": {"P1": 60}, "catchments": {"primary": 1500}}


def _item(value: Any) -> QTableWidgetItem:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        value = ""
    item = QTableWidgetItem(str(value))
    item.setToolTip(str(value))
    return item


def _figure(key: str, value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "-"
    if key.endswith("_coverage"):
        return f"{100 * float(value):.1f}%"
    if isinstance(value, float) and not float(value).is_integer():
        return f"{value:,.1f}"
    return f"{value:,.0f}"


def _difference(key: str, value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "-"
    value = float(value)
    if key.endswith("_coverage"):
        text = f"{100 * value:+.1f}"
        return "±0" if text in ("+0.0", "-0.0") else text
    if value == 0:
        return "±0"
    return f"{value:+,.1f}" if not value.is_integer() else f"{value:+,.0f}"


class NewScenarioDialog(QDialog):
    """Name, description and changes of a new scenario (JSON, or a file)."""

    def __init__(self, parent: QWidget | None = None,
                 facility_id: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("新建方案"))
        self.setObjectName("newScenario")
        self.name = QLineEdit(self)
        self.description = QLineEdit(self)
        self.changes = QPlainTextEdit(self)
        # The example names one of the project's own facilities, so that it
        # can be tried as it stands.
        example = dict(EXAMPLE_CHANGES)
        if facility_id is not None:
            example["capacities"] = {facility_id: 60}
        self.changes.setPlaceholderText(json.dumps(example, indent=2,
                                                   ensure_ascii=False))
        self.changes.setPlainText(json.dumps(example, indent=2, ensure_ascii=False))
        load = QPushButton(self.tr("从文件读取…"), self)
        load.clicked.connect(self._load)
        help_text = QLabel(self.tr(
            "变更（JSON）：add_facilities 新增设施、close_facilities 关闭设施、"
            "capacities 容量、add_units 新增房源、catchments 服务半径（米）、"
            "rules 规则、add_households 新增安置户。基准数据不会被修改。"), self)
        help_text.setWordWrap(True)
        self.problem = QLabel(self)
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b03a2e;")
        form = QFormLayout()
        form.addRow(self.tr("方案名称"), self.name)
        form.addRow(self.tr("说明"), self.description)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(help_text)
        layout.addWidget(self.changes, 1)
        row = QHBoxLayout()
        row.addWidget(load)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        fit_to_screen(self, 620, 480)

    def _load(self) -> None:
        name, _f = QFileDialog.getOpenFileName(
            self, self.tr("读取变更文件"), "",
            self.tr("变更文件 (*.json *.yaml *.yml)"))
        if not name:
            return
        from allocator.scenarios import ScenarioError, read_changes

        try:
            changes = read_changes(Path(name))
        except ScenarioError as exc:
            self.problem.setText(str(exc))
            return
        self.changes.setPlainText(json.dumps(changes, indent=2, ensure_ascii=False))

    def parsed(self) -> dict[str, Any] | None:
        """The changes as a mapping, or None (with the problem shown)."""
        text = self.changes.toPlainText().strip() or "{}"
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            self.problem.setText(fill(
                self.tr("变更不是有效的 JSON：第 %1 行第 %2 列：%3"), exc.lineno,
                exc.colno, exc.msg))
            return None
        return data


class ScenariosPanel(QWidget):
    """The project's scenarios; create, solve, compare, promote.

    Signals
    -------
    household_selected(str)
        A household picked in the list of differences.
    """

    household_selected = Signal(str)

    def __init__(self, window, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.window = window
        self.listing = QTableWidget(0, 4, self)
        self.listing.setObjectName("scenarioList")
        self.listing.setHorizontalHeaderLabels([
            self.tr("方案"), self.tr("变更"), self.tr("状态"), self.tr("说明")])
        self.listing.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.listing.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.listing.setSelectionMode(
            QAbstractItemView.SelectionMode.ExtendedSelection)
        self.listing.verticalHeader().setVisible(False)
        self.listing.horizontalHeader().setStretchLastSection(True)
        self.new_button = QPushButton(self.tr("新建…"), self)
        self.solve_button = QPushButton(self.tr("求解"), self)
        self.compare_button = QPushButton(self.tr("比较所选"), self)
        self.promote_button = QPushButton(self.tr("采用为基准"), self)
        self.delete_button = QPushButton(self.tr("删除"), self)
        self.new_button.clicked.connect(self.new_scenario)
        self.solve_button.clicked.connect(self.solve_selected)
        self.compare_button.clicked.connect(self.compare_selected)
        self.promote_button.clicked.connect(self.promote_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.kpis = QTableWidget(0, 0, self)
        self.kpis.setObjectName("scenarioKpis")
        self.kpis.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.differences = QTableWidget(0, 0, self)
        self.differences.setObjectName("scenarioDifferences")
        self.differences.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.differences.setSelectionBehavior(
            QAbstractItemView.SelectionBehavior.SelectRows)
        self.differences.verticalHeader().setVisible(False)
        self.differences.horizontalHeader().setStretchLastSection(True)
        self.differences.cellClicked.connect(self._picked)
        buttons = QHBoxLayout()
        for button in (self.new_button, self.solve_button, self.compare_button,
                       self.promote_button, self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.listing)
        split.addWidget(self.kpis)
        split.addWidget(self.differences)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 3)
        split.setStretchFactor(2, 3)
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(buttons)
        layout.addWidget(self.note)
        layout.addWidget(split, 1)
        self.comparison = None
        self.stale: dict[str, Any] = {}
        self.set_project(None)

    # -- listing -----------------------------------------------------------------
    def set_project(self, project: Project | None) -> None:
        """List the scenarios of ``project``."""
        self.listing.setRowCount(0)
        enabled = project is not None
        for button in (self.new_button, self.solve_button, self.compare_button,
                       self.promote_button, self.delete_button):
            button.setEnabled(enabled)
        if project is None:
            self.note.setText(self.tr("打开项目后，可在这里新建、求解、比较方案。"))
            return
        from allocator.scenarios import BASE, summary

        if "changes_json" not in project.scenarios.columns:
            # A project made before scenarios had changes: none to show.
            view = copy.copy(project)
            view.scenarios = project.scenarios.assign(changes_json="")
            project = view
        rows = summary(project)
        if BASE not in set(rows["scenario"]):
            solved = project.allocations["scenario"].eq(BASE).any()
            rows = pd.concat([pd.DataFrame([{
                "scenario": BASE, "description": "", "created": "",
                "changes": "", "status": "optimal" if solved else "未求解",
                "out_of_date": None}]), rows], ignore_index=True)
        self.listing.setRowCount(len(rows))
        self.stale = {row.scenario: row.out_of_date for row in rows.itertuples()
                      if row.out_of_date is not None}
        for r, row in enumerate(rows.itertuples()):
            name = self.tr("基准") if row.scenario == BASE else row.scenario
            status = self._status(row.status)
            if row.out_of_date is not None:
                status = fill(self.tr("%1（已过期）"), status)
            values = [name, core_text(row.changes) if row.scenario != BASE else "",
                      status, row.description]
            for c, value in enumerate(values):
                item = _item(value)
                item.setData(Qt.ItemDataRole.UserRole, row.scenario)
                if row.out_of_date is not None:
                    item.setToolTip(self.stale_text(row.out_of_date))
                    if c == 2:
                        item.setForeground(QColor("#b03a2e"))
                self.listing.setItem(r, c, item)
        self.listing.resizeColumnsToContents()
        self.note.setText(self.tr(
            "方案在基准数据的副本上修改并求解，基准不受影响。选中两个或更多方案后"
            "“比较所选”：左为指标对比（含与第一个方案的差），右为分配不同的户，"
            "地图上用彩色圆圈标出各方案的房屋。"))

    def stale_text(self, stale) -> str:
        """Why a scenario is out of date and what to do, in the window's
        language (``stale``: an :class:`allocator.scenarios.OutOfDate`)."""
        name = stale.scenario
        if stale.violations:
            why = fill(self.tr("方案 %1 的分配不符合当前基准（%2 处问题）。"), name,
                       len(stale.violations))
        else:
            why = fill(self.tr("方案 %1 是在较早的基准上得出的，之后基准已改变。"),
                       name)
            if stale.changed_by:
                why = fill(self.tr(
                    "方案 %1 是在较早的基准上得出的，之后基准已改变"
                    "（见台账第 %2 条）。"),
                    name, stale.changed_by[0].split(" ", 1)[0])
        if stale.remedy == "petition" and stale.petition:
            return why + fill(self.tr(
                "请删除该方案，在当前基准上对户 %1 重新做信访试算，再保存为方案。"),
                stale.petition.get("household"))
        if stale.remedy == "recreate":
            return why + fill(self.tr(
                "其变更已不适用于当前基准：%1。请删除该方案后重新新建。"),
                "；".join(stale.problems))
        if stale.remedy == "reallocate":
            return why + self.tr("基准尚有未分配的变动：请先运行“重新分配”，"
                                 "再重新求解该方案，然后采用为基准。")
        return why + self.tr("其变更仍适用：请重新求解该方案，再采用为基准。")

    def _status(self, status: str) -> str:
        names = {"optimal": self.tr("最优"), "feasible": self.tr("可行（未证明最优）"),
                 "未求解": self.tr("未求解")}
        return names.get(status, status)

    def selected(self) -> list[str]:
        """The scenario names selected, in list order."""
        rows = sorted({i.row() for i in self.listing.selectedIndexes()})
        return [self.listing.item(r, 0).data(Qt.ItemDataRole.UserRole) for r in rows]

    def select(self, names: list[str]) -> None:
        """Select these scenarios in the list."""
        self.listing.clearSelection()
        mode = self.listing.selectionMode()
        self.listing.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        for r in range(self.listing.rowCount()):
            if self.listing.item(r, 0).data(Qt.ItemDataRole.UserRole) in names:
                self.listing.selectRow(r)
        self.listing.setSelectionMode(mode)

    # -- actions -----------------------------------------------------------------
    def new_scenario(self) -> None:
        """Ask for a name and changes, then create the scenario."""
        project = getattr(self.window, "project", None)
        facilities = project.facilities if project is not None else None
        dialog = NewScenarioDialog(self, str(facilities["facility_id"].iloc[0])
                                   if facilities is not None and len(facilities)
                                   else None)
        self.new_dialog = dialog

        def done() -> None:
            changes = dialog.parsed()
            if changes is None:
                dialog.open()
                return
            ok, text = self.window.create_scenario(
                dialog.name.text(), changes, dialog.description.text())
            if not ok:
                dialog.problem.setText(text)
                dialog.open()

        dialog.accepted.connect(done)
        dialog.open()

    def solve_selected(self) -> None:
        """Solve the (first) selected scenario in a worker job."""
        names = [n for n in self.selected() if n != "base"]
        if not names:
            self.note.setText(self.tr("请先选择一个方案（基准用“分配”求解）。"))
            return
        self.window.solve_scenario(names[0])

    def compare_selected(self) -> bool:
        """Compare the selected scenarios side by side."""
        names = self.selected()
        if len(names) < 2:
            self.note.setText(self.tr("请选择两个或更多方案（按住 Ctrl 多选）。"))
            return False
        return self.compare(names)

    def compare(self, names: list[str]) -> bool:
        """Show the comparison of ``names`` (the first is the reference)."""
        from allocator.scenarios import ScenarioError, compare

        project = self.window.project
        try:
            comparison = compare(project, names)
        except ScenarioError as exc:
            self.note.setText(fill(self.tr("不能比较：%1"), exc))
            return False
        self.comparison = comparison
        self._show_kpis(comparison)
        self._show_differences(comparison)
        self._draw(comparison)
        moved = int(comparison.households["unit_changed"].sum()) \
            if len(comparison.households) else 0
        text = fill(self.tr(
            "比较 %1：%2 户的分配不同，其中 %3 户住房不同（地图上的彩色圆圈）。"),
            " / ".join(self._label(n) for n in names), len(comparison.households),
            moved)
        self.note.setText("\n".join([text] + self._base_predates(names)
                                     + self._exit_rule_effects(names)))
        return True

    def _base_predates(self, names: list[str]) -> list[str]:
        """A line when the base's allocation predates a change of its rules
        or locks: the differences shown then include that change."""
        from allocator.export import changed_since_allocation
        from allocator.scenarios import predating_notes

        if not predating_notes(self.window.project, names):
            return []  # no such change, or every scenario predates it too
        change = changed_since_allocation(self.window.project)
        entry, day, what = change
        return [fill(self.tr(
            "注意：基准的分配早于%1的修改（台账第%2条，%3）；此后求解的方案按现行%1，"
            "上表的差异也包含这次修改。要只比较方案本身，请先重新求解基准。"),
            {"rules": self.tr("规则"), "locks": self.tr("锁定"),
             "both": self.tr("规则和锁定")}[what], entry, day)]

    def _exit_rule_effects(self, names: list[str]) -> list[str]:
        """One line per compared scenario that changes the exit rule: who
        would qualify under it (its allocation does not show that)."""
        from allocator.scenarios import exit_rule_effects

        effects = exit_rule_effects(self.window.project, names, self.window.today())
        return [f"{self._label(name)}: "
                + effect.text(confirm=self.tr("分配规则"), names=10)
                for name, effect in effects.items()]

    def _label(self, name: str) -> str:
        return self.tr("基准") if name == "base" else name

    def _show_kpis(self, comparison) -> None:
        kpis = comparison.kpis
        names = comparison.names
        headers = [self._label(n) for n in names] + [
            fill(self.tr("%1 与 %2 之差"), self._label(n), self._label(names[0]))
            for n in names[1:]]
        self.kpis.clear()
        self.kpis.setRowCount(len(kpis))
        self.kpis.setColumnCount(len(kpis.columns))
        self.kpis.setHorizontalHeaderLabels(headers)
        self.kpis.setVerticalHeaderLabels(comparison.kpi_labels(current_language()))
        for r, key in enumerate(kpis.index):
            for c, column in enumerate(kpis.columns):
                value = kpis.at[key, column]
                text = _figure(key, value) if c < len(names) \
                    else _difference(key, value)
                item = _item(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                      | Qt.AlignmentFlag.AlignVCenter)
                if c >= len(names) and text not in ("±0", "-"):
                    item.setForeground(QColor("#b03a2e"))
                self.kpis.setItem(r, c, item)
        self.kpis.resizeColumnsToContents()

    def _show_differences(self, comparison) -> None:
        from allocator.scenarios import NOT_IN, difference_lines

        frame = comparison.households
        names = comparison.names
        self.differences.clear()
        self.differences.setColumnCount(1 + len(names))
        self.differences.setHorizontalHeaderLabels(
            [self.tr("户号")] + [fill(self.tr("%1 房号"), self._label(n))
                                 for n in names])
        self.differences.setRowCount(len(frame))
        waiting = self.tr("轮候")
        language = current_language()
        for r, row in enumerate(frame.to_dict("records")):
            # What differs (unit; each place by member, kind and facility).
            differs = "\n".join(difference_lines(
                comparison.details.get(row["household_id"], []), language))
            first = _item(row["household_id"])
            first.setToolTip(differs)
            self.differences.setItem(r, 0, first)
            for c, name in enumerate(names, start=1):
                unit = row.get(f"unit[{name}]")
                unit = self.tr("无此户") if unit == NOT_IN else (unit or waiting)
                item = _item(unit)
                item.setToolTip(differs)
                if row["unit_changed"]:
                    item.setForeground(QColor(SCENARIO_COLOURS[
                        min(c - 1, len(SCENARIO_COLOURS) - 1)]))
                self.differences.setItem(r, c, item)
        self.differences.resizeColumnsToContents()

    def _draw(self, comparison) -> None:
        """Rings on the map at the units of households housed differently:
        one colour per scenario (grey for the first)."""
        marks = {}
        names = comparison.names
        for row in comparison.households.to_dict("records"):
            if not row["unit_changed"]:
                continue
            for rank, name in enumerate(names):
                unit = row.get(f"unit[{name}]")
                if unit and unit not in marks:
                    colour = QColor(SCENARIO_COLOURS[min(rank,
                                                         len(SCENARIO_COLOURS) - 1)])
                    marks[unit] = (rank, colour, fill(self.tr("%1：%2 → %3"),
                                                      self._label(name),
                                                      row["household_id"], unit))
        features = comparison.features
        units = features[features["kind"] == "unit"]
        points = dict(zip(units["unit_id"], units.geometry))
        self.window.map_view.show_marks("scenarios", marks, points)

    def promote_selected(self) -> None:
        """Make the selected scenario the base (one undoable step)."""
        names = [n for n in self.selected() if n != "base"]
        if len(names) != 1:
            self.note.setText(self.tr("请只选择一个方案来采用为基准。"))
            return
        stale = self.stale.get(names[0])
        if stale is None and self.window.project is not None:
            from allocator.scenarios import out_of_date

            stale = out_of_date(self.window.project, names[0], check=True)
        if stale is not None:
            self.note.setText(fill(self.tr("未采用：%1"), self.stale_text(stale)))
            return
        ok, text = self.window.promote_scenario(names[0])
        self.note.setText(text)

    def delete_selected(self) -> None:
        """Delete the selected scenarios (undoable)."""
        names = [n for n in self.selected() if n != "base"]
        if not names:
            self.note.setText(self.tr("请先选择要删除的方案（基准不能删除）。"))
            return
        ok, text = self.window.delete_scenarios(names)
        self.note.setText(text)

    def _picked(self, row: int, _column: int) -> None:
        item = self.differences.item(row, 0)
        if item is not None:
            self.household_selected.emit(item.text())


class PetitionDialog(QDialog):
    """Try one household's petition on the base allocation (what-if); the
    project changes only when the planner keeps the trial as a scenario."""

    def __init__(self, window, household_id: str | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.setWindowTitle(self.tr("信访试算"))
        self.setObjectName("petitionDialog")
        self.household = QLineEdit(household_id or "", self)
        self.kind = QComboBox(self)
        self.kind.addItem(self.tr("不接受某套房"), "exclude_unit")
        self.kind.addItem(self.tr("不接受某个安置点"), "exclude_site")
        self.kind.addItem(self.tr("满足登记的安置意愿"), "grant_wish")
        self.value = QLineEdit(self)
        self.value.setPlaceholderText(self.tr("房号或安置点编号"))
        self.kind.currentIndexChanged.connect(
            lambda: self.value.setEnabled(self.kind.currentData() != "grant_wish"))
        self.try_button = QPushButton(self.tr("试算"), self)
        self.try_button.clicked.connect(self.start)
        self.result = QLabel(self)
        self.result.setObjectName("petitionResult")
        self.result.setWordWrap(True)
        self.others = QTableWidget(0, 5, self)
        self.others.setObjectName("petitionOthers")
        self.others.setHorizontalHeaderLabels([
            self.tr("户号"), self.tr("变动"), self.tr("原房号"), self.tr("新房号"),
            self.tr("原因")])
        self.others.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.others.verticalHeader().setVisible(False)
        self.others.horizontalHeader().setStretchLastSection(True)
        self.scenario_name = QLineEdit(self)
        self.scenario_name.setPlaceholderText(self.tr("方案名称"))
        self.keep_button = QPushButton(self.tr("保存为方案"), self)
        self.keep_button.setEnabled(False)
        self.keep_button.clicked.connect(self.keep)
        form = QFormLayout()
        form.addRow(self.tr("户号"), self.household)
        form.addRow(self.tr("诉求"), self.kind)
        form.addRow(self.tr("房号／安置点"), self.value)
        keep_row = QHBoxLayout()
        keep_row.addWidget(self.scenario_name, 1)
        keep_row.addWidget(self.keep_button)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.try_button)
        layout.addWidget(self.result)
        layout.addWidget(self.others, 1)
        layout.addLayout(keep_row)
        layout.addWidget(close)
        self.trial = None
        fit_to_screen(self, 760, 520)

    def request(self) -> dict[str, Any]:
        """The petition as keyword arguments of ``try_petition``."""
        kind = self.kind.currentData()
        if kind == "grant_wish":
            return {"grant_wish": True}
        return {kind: self.value.text().strip()}

    def start(self):
        """Run the trial in the window's worker (the window stays usable)."""
        household = self.household.text().strip()
        if not household:
            self.result.setText(self.tr("请填写户号。"))
            return None
        self.trial = None
        self.keep_button.setEnabled(False)
        self.result.setText(self.tr("正在试算……"))
        return self.window.try_petition(household, self.request(), self)

    def show_trial(self, trial) -> None:
        """Show what the trial gives (the window calls this)."""
        self.trial = trial
        if not trial.reallocation.solved:
            run = trial.reallocation.outcome.run
            self.result.setText(fill(self.tr("试算没有得到结果（%1）。"),
                                     run.get("message") or run["status"]))
            return
        others = trial.others_changed
        waiting = self.tr("轮候")
        verdict = self.tr("可以满足") if trial.granted else self.tr("不能满足")
        self.result.setText(fill(self.tr(
            "%1：%2。该户房屋 %3 → %4；其他户变动 %5 户。"), core_text(trial.request),
            verdict, trial.unit_before or waiting, trial.unit_after or waiting,
            others["household_id"].nunique()))
        self.others.setRowCount(len(others))
        for r, row in enumerate(others.itertuples()):
            values = [row.household_id,
                      QCoreApplication.translate("Changes", CHANGE_NAMES[row.change])
                      if row.change in CHANGE_NAMES else row.change,
                      row.unit_before, row.unit_after or waiting,
                      core_text(row.reason)]
            for c, value in enumerate(values):
                self.others.setItem(r, c, _item(value))
        self.others.resizeColumnsToContents()
        self.keep_button.setEnabled(True)
        if not self.scenario_name.text():
            self.scenario_name.setText(f"信访-{trial.household_id}")

    def show_failure(self, text: str) -> None:
        """Say why the trial could not run."""
        self.result.setText(text)

    def keep(self) -> bool:
        """Keep the trial as a scenario (to compare, print or promote)."""
        if self.trial is None:
            return False
        ok, text = self.window.keep_petition(self.trial,
                                             self.scenario_name.text().strip())
        self.result.setText(text)
        if ok:
            self.keep_button.setEnabled(False)
        return ok
