"""Dynamic management (issue #5) in the window: a household's history, the
red/yellow/blue alerts, the exit review, and what a reallocation changed.

The figures and reasons come from the core (:mod:`allocator.ledger`,
:mod:`allocator.history`, :mod:`allocator.alerts`, :mod:`allocator.exits`,
:mod:`allocator.reallocate`); these widgets only show them and pass the
planner's decisions back. A decision that changes several tables at once
(confirming exits, storing a reallocation) is one undoable step
(:class:`SnapshotCommand`), and both directions go to the ledger.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import logging
from typing import Any

import pandas as pd
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QDate, Qt, Signal
from PySide6.QtGui import QColor, QUndoCommand
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from allocator.project import Project
from ui.language import core_text, current_language, fill
from ui.screen import fit_to_screen

logger = logging.getLogger(__name__)

LEVEL_COLOURS = {"red": QColor("#d1372f"), "yellow": QColor("#e8b400"),
                 "blue": QColor("#2b7bba")}
LEVEL_NAMES = {
    "red": QT_TRANSLATE_NOOP("Alerts", "红色预警"),
    "yellow": QT_TRANSLATE_NOOP("Alerts", "黄色预警"),
    "blue": QT_TRANSLATE_NOOP("Alerts", "蓝色预警"),
}
REGISTER_KINDS = {
    "changed": QT_TRANSLATE_NOOP("RegisterUpdateDialog", "变更"),
    "split": QT_TRANSLATE_NOOP("RegisterUpdateDialog", "分户"),
    "split_off": QT_TRANSLATE_NOOP("RegisterUpdateDialog", "分户新立"),
    "merged": QT_TRANSLATE_NOOP("RegisterUpdateDialog", "合户"),
    "merged_away": QT_TRANSLATE_NOOP("RegisterUpdateDialog", "并入他户"),
    "added": QT_TRANSLATE_NOOP("RegisterUpdateDialog", "新增户"),
    "removed": QT_TRANSLATE_NOOP("RegisterUpdateDialog", "注销户"),
}
"""The kinds of change of a register update (``HouseholdChange.kind``)."""
ACTION_NAMES = {
    "import": QT_TRANSLATE_NOOP("Ledger", "导入"),
    "migrate": QT_TRANSLATE_NOOP("Ledger", "升级项目文件"),
    "edit": QT_TRANSLATE_NOOP("Ledger", "编辑"),
    "undo edit": QT_TRANSLATE_NOOP("Ledger", "撤销编辑"),
    "rules": QT_TRANSLATE_NOOP("Ledger", "修改规则"),
    "edit rules": QT_TRANSLATE_NOOP("Ledger", "修改规则"),
    "lock": QT_TRANSLATE_NOOP("Ledger", "锁定"),
    "undo lock": QT_TRANSLATE_NOOP("Ledger", "撤销锁定"),
    "allocate": QT_TRANSLATE_NOOP("Ledger", "分配"),
    "reallocate": QT_TRANSLATE_NOOP("Ledger", "重新分配"),
    "export": QT_TRANSLATE_NOOP("Ledger", "导出"),
    "recover": QT_TRANSLATE_NOOP("Ledger", "恢复自动保存"),
    "exit": QT_TRANSLATE_NOOP("Ledger", "确认退出"),
    "undo exit": QT_TRANSLATE_NOOP("Ledger", "撤销退出"),
    "move in": QT_TRANSLATE_NOOP("Ledger", "入住"),
    "allocation allocated": QT_TRANSLATE_NOOP("Ledger", "分配结果：本次分配"),
    "allocation waiting": QT_TRANSLATE_NOOP("Ledger", "分配结果：轮候"),
    "allocation existing": QT_TRANSLATE_NOOP("Ledger", "分配结果：既有安置"),
    "free unit": QT_TRANSLATE_NOOP("Ledger", "腾退房源"),
    "register update": QT_TRANSLATE_NOOP("Ledger", "更新户籍登记"),
    "notice": QT_TRANSLATE_NOOP("Ledger", "公示名单"),
}
SOURCE_NAMES = {
    "ledger": QT_TRANSLATE_NOOP("Ledger", "台账"),
    "income": QT_TRANSLATE_NOOP("Ledger", "收入就业"),
    "petition": QT_TRANSLATE_NOOP("Ledger", "投诉信访"),
    "visit": QT_TRANSLATE_NOOP("Ledger", "回访"),
    "allocation": QT_TRANSLATE_NOOP("Ledger", "分配结果"),
    "exit": QT_TRANSLATE_NOOP("Ledger", "退出"),
}
VISIT_STATUS = {
    "done": QT_TRANSLATE_NOOP("Ledger", "已回访"),
    "scheduled": QT_TRANSLATE_NOOP("Ledger", "待回访"),
    "overdue": QT_TRANSLATE_NOOP("Ledger", "逾期未访"),
}
CHANGE_NAMES = {
    "exited": QT_TRANSLATE_NOOP("Changes", "退出"),
    "allocated": QT_TRANSLATE_NOOP("Changes", "新分配"),
    "moved": QT_TRANSLATE_NOOP("Changes", "调换住房"),
    "unhoused": QT_TRANSLATE_NOOP("Changes", "失去原分配房屋，重新轮候"),
    "service": QT_TRANSLATE_NOOP("Changes", "学位或卫生服务变动"),
    "resized": QT_TRANSLATE_NOOP("Changes", "家庭人口变化，保留原房屋"),
}
# Tables a confirmed exit or a stored reallocation changes.
DYNAMIC_TABLES = ("households", "housing_units", "exits", "allocations",
                  "service_assignments", "runs")


def _t(context: str, text: str) -> str:
    return QCoreApplication.translate(context, text)


def _item(value: Any) -> QTableWidgetItem:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        value = ""
    item = QTableWidgetItem(str(value))
    item.setToolTip(str(value))
    return item


def _table(parent: QWidget, headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers), parent)
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setStretchLastSection(True)
    table.setWordWrap(False)
    return table


def _fit_columns(table: QTableWidget, widest: int = 180) -> None:
    table.resizeColumnsToContents()
    header = table.horizontalHeader()
    for section in range(header.count() - 1):
        header.resizeSection(section, min(header.sectionSize(section), widest))


def copy_tables(project: Project, tables=DYNAMIC_TABLES) -> dict[str, Any]:
    """Copies of the project's tables a dynamic step may change (``rules``,
    a dict, is copied too when named)."""
    return {name: _copy(getattr(project, name)) for name in tables}


def _copy(value: Any) -> Any:
    if isinstance(value, pd.DataFrame):
        return value.copy(deep=True)
    return copy.deepcopy(value)


class SnapshotCommand(QUndoCommand):
    """A core step already applied (exits, reallocation) as an undo step.

    ``before`` holds copies of the tables from before the step; the tables
    after it are copied when the command is made. Undo and redo put one or
    the other back and write a ledger entry (``undo <action>``, ``<action>``).
    """

    def __init__(self, window, text: str, action: str,
                 before: dict[str, Any], summary: Any = None) -> None:
        super().__init__(text)
        self.window = window
        self.action = action
        self.before = before
        self.after = copy_tables(window.project, tuple(before))
        self.summary = summary
        self._first = True

    def _put(self, tables: dict[str, Any], action: str,
             reason: str) -> None:
        project = self.window.project
        for name, frame in tables.items():
            setattr(project, name, _copy(frame))
        project.log(action, "project", after=self.summary, reason=reason)
        self.window.project_data_changed()

    def redo(self) -> None:  # noqa: D102 - Qt override
        if self._first:  # the step itself was applied (and logged) by the core
            self._first = False
            return
        self._put(self.after, self.action, "窗口中重做")

    def undo(self) -> None:  # noqa: D102 - Qt override
        self._put(self.before, "undo " + self.action, "窗口中撤销")


class HistoryPanel(QWidget):
    """Everything recorded about the selected household, oldest first, and
    its follow-up visits."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel(self)
        self.title.setWordWrap(True)
        self.entries = _table(self, [self.tr("时间"), self.tr("来源"), self.tr("事项"),
                                     self.tr("内容"), self.tr("原因"),
                                     self.tr("操作人")])
        self.entries.setObjectName("historyEntries")
        self.visits = _table(self, [self.tr("回访"), self.tr("应访日期"),
                                    self.tr("回访日期"), self.tr("回访人"),
                                    self.tr("状态")])
        self.visits.setObjectName("historyVisits")
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.entries)
        split.addWidget(self.visits)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addWidget(split, 1)
        self.household_id: str | None = None
        self.show_household(None, None)

    def show_household(self, project: Project | None, household_id: str | None,
                       today: dt.date | None = None) -> None:
        """Show the history of ``household_id`` (or how to pick one)."""
        self.household_id = household_id
        self.entries.setRowCount(0)
        self.visits.setRowCount(0)
        if project is None or household_id is None:
            self.title.setText(self.tr(
                "在安置户表、地图或预警列表中选择一户，这里列出它的台账记录、收入就业、"
                "投诉信访和回访。"))
            return
        from allocator.ledger import household_history

        history = _with_table_edits(project, household_id,
                                    household_history(project, household_id))
        self.title.setText(fill(self.tr("户号 %1 的档案：%2 条记录"), household_id,
                                len(history)))
        self.entries.setRowCount(len(history))
        for r, row in enumerate(history.itertuples()):
            action = ACTION_NAMES.get(row.action)
            values = [str(row.time)[:19].replace("T", " "),
                      _t("Ledger", SOURCE_NAMES.get(row.source, row.source)),
                      _t("Ledger", action) if action else row.action,
                      _edited_column(row.object) + _change_text(row.before,
                                                                row.after),
                      core_text(row.reason), row.user]
            for c, value in enumerate(values):
                self.entries.setItem(r, c, _item(value))
        _fit_columns(self.entries)
        self._show_visits(project, household_id, today or dt.date.today())

    def _show_visits(self, project: Project, household_id: str,
                     today: dt.date) -> None:
        from allocator.history import visit_schedule

        schedule = visit_schedule(project, today)
        schedule = schedule[schedule["household_id"] == household_id]
        self.visits.setRowCount(len(schedule))
        for r, row in enumerate(schedule.itertuples()):
            status = _t("Ledger", VISIT_STATUS.get(row.status, row.status))
            if row.status == "overdue":
                status = fill(self.tr("%1（%2天）"), status, row.days_overdue)
            values = [fill(self.tr("%1个月"), row.visit_month), row.due_on,
                      row.done_on, row.visitor, status]
            for c, value in enumerate(values):
                item = _item(value)
                if row.status == "overdue":
                    item.setForeground(QColor("#b03a2e"))
                self.visits.setItem(r, c, item)
        _fit_columns(self.visits, 120)


def _with_table_edits(project: Project, household_id: str,
                      history: pd.DataFrame) -> pd.DataFrame:
    """Add the window's cell edits of the household and its members.

    Table edits are logged with the table, row key and column as object
    (``households H1 annual_income``, ``members H1-02 name``), which
    :func:`allocator.ledger.household_history` does not match.
    """
    ledger = project.ledger
    if ledger.empty:
        return history
    members = project.members[project.members["household_id"] == household_id]
    prefixes = tuple([f"households {household_id} "]
                     + [f"members {m} " for m in members["member_id"]])
    edits = ledger[ledger["object"].astype(str).str.startswith(prefixes)]
    if edits.empty:
        return history
    extra = pd.DataFrame({
        "time": edits["time"].to_numpy(), "user": edits["user"].to_numpy(),
        "action": edits["action"].to_numpy(), "object": edits["object"].to_numpy(),
        "before": edits["before"].fillna("").to_numpy(),
        "after": edits["after"].fillna("").to_numpy(),
        "reason": edits["reason"].fillna("").to_numpy(), "source": "ledger"})
    merged = pd.concat([history, extra], ignore_index=True) if len(history) \
        else extra
    merged = merged.drop_duplicates(subset=["time", "action", "object", "before",
                                            "after"])
    return merged.sort_values("time", kind="stable").reset_index(drop=True)


def _edited_column(obj: str) -> str:
    """"年收入（元）：" for a window edit of a household or member cell."""
    from ui.models import TABLES, translate

    parts = str(obj).split(" ")
    if len(parts) != 3 or parts[0] not in ("households", "members"):
        return ""
    for column in TABLES[parts[0]][1]:
        if column.key == parts[2]:
            return translate("Columns", column.header) + "："
    return parts[2] + "："


def _change_text(before: str, after: str) -> str:
    """A ledger entry's before and after, short."""
    def short(text: str) -> str:
        if not text:
            return ""
        try:
            value = json.loads(text)
        except (TypeError, ValueError):
            return str(text)
        if isinstance(value, dict):
            return "，".join(f"{k}={v}" for k, v in value.items() if v is not None)
        if isinstance(value, (str, int, float)):
            return f"{value:g}" if isinstance(value, float) else str(value)
        return json.dumps(value, ensure_ascii=False)

    old, new = short(before), short(after)
    if old and new:
        return f"{old} → {new}"
    return new or old


class AlertsPanel(QWidget):
    """The red, yellow and blue alerts, filtered by level and township.

    Signals
    -------
    household_selected(str)
        The household of the row the user picked.
    marks_changed(object)
        ``{unit_id: level}`` of the alerts shown, for the map (empty when the
        map should show none).
    """

    household_selected = Signal(str)
    marks_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.level_box = QComboBox(self)
        self.level_box.setObjectName("alertLevel")
        self.level_box.addItem(self.tr("全部等级"), None)
        for level in ("red", "yellow", "blue"):
            self.level_box.addItem(_t("Alerts", LEVEL_NAMES[level]), level)
        self.township_box = QComboBox(self)
        self.township_box.setObjectName("alertTownship")
        self.township_box.setMinimumContentsLength(8)
        self.on_map = QCheckBox(self.tr("在地图上标出"), self)
        self.on_map.setChecked(True)
        self.summary = QLabel(self)
        self.table = _table(self, [self.tr("户号"), self.tr("等级"),
                                   self.tr("现属乡镇"), self.tr("房号"),
                                   self.tr("原因")])
        self.table.setObjectName("alertTable")
        self.table.cellClicked.connect(self._picked)
        top = QHBoxLayout()
        top.addWidget(self.level_box)
        top.addWidget(self.township_box)
        top.addWidget(self.on_map)
        top.addWidget(self.summary, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        self.level_box.currentIndexChanged.connect(self._fill)
        self.township_box.currentIndexChanged.connect(self._fill)
        self.on_map.toggled.connect(self._fill)
        self.frame: pd.DataFrame | None = None
        self.set_project(None)

    def set_project(self, project: Project | None,
                    today: dt.date | None = None) -> None:
        """Compute the alerts of ``project`` on ``today``."""
        self.frame = None
        if project is not None:
            from allocator.alerts import compute_alerts

            try:
                self.frame = compute_alerts(project, today or dt.date.today())
            except Exception as exc:  # inconsistent records: say so, go on
                logger.warning("alerts not computed: %r", exc, exc_info=True)
                self.frame = None
        current = self.township_box.currentData()
        self.township_box.blockSignals(True)
        self.township_box.clear()
        self.township_box.addItem(self.tr("全部乡镇"), None)
        if self.frame is not None:
            for township in sorted(self.frame["current_township"].dropna().unique()):
                self.township_box.addItem(str(township), str(township))
        index = self.township_box.findData(current)
        self.township_box.setCurrentIndex(max(index, 0))
        self.township_box.blockSignals(False)
        self._fill()

    def shown(self) -> pd.DataFrame:
        """The alerts after the level and township filters."""
        if self.frame is None:
            return pd.DataFrame()
        frame = self.frame
        level = self.level_box.currentData()
        if level is not None:
            frame = frame[frame["level"] == level]
        township = self.township_box.currentData()
        if township is not None:
            frame = frame[frame["current_township"] == township]
        return frame

    def _fill(self, *args) -> None:
        self.table.setRowCount(0)
        if self.frame is None:
            self.summary.setText(self.tr("没有预警数据。"))
            self.marks_changed.emit({})
            return
        counts = self.frame["level"].value_counts().to_dict()
        frame = self.shown()
        self.summary.setText(fill(
            self.tr("红 %1 · 黄 %2 · 蓝 %3 户；显示 %4 户"), counts.get("red", 0),
            counts.get("yellow", 0), counts.get("blue", 0), len(frame)))
        self.table.setRowCount(len(frame))
        for r, row in enumerate(frame.itertuples()):
            values = [row.household_id, _t("Alerts", LEVEL_NAMES[row.level]),
                      row.current_township, row.unit_id or self.tr("轮候"),
                      core_text(row.reason)]
            for c, value in enumerate(values):
                item = _item(value)
                if c == 1:
                    item.setForeground(LEVEL_COLOURS[row.level])
                self.table.setItem(r, c, item)
        _fit_columns(self.table)
        marks = {}
        if self.on_map.isChecked():
            for row in frame.itertuples():
                if row.unit_id and row.unit_id not in marks:
                    marks[row.unit_id] = row.level
        self.marks_changed.emit(marks)

    def _picked(self, row: int, _column: int) -> None:
        item = self.table.item(row, 0)
        if item is not None:
            self.household_selected.emit(item.text())


class ExitReviewDialog(QDialog):
    """The exit rule's qualifiers with their reasons; the planner confirms
    some or all of them with a transition date.

    Signals
    -------
    confirmed(list, str)
        The households confirmed and the transition date (ISO).
    """

    confirmed = Signal(list, str)

    def __init__(self, window, today: dt.date | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.today = today or dt.date.today()
        self.setWindowTitle(self.tr("退出审核"))
        self.setObjectName("exitReview")
        self.only_qualifying = QCheckBox(self.tr("只显示符合退出条件的户"), self)
        self.only_qualifying.setChecked(True)
        self.only_qualifying.toggled.connect(self._fill)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.table = _table(self, [self.tr("确认"), self.tr("户号"), self.tr("房号"),
                                   self.tr("现属乡镇"), self.tr("人数"),
                                   self.tr("人均年收入"), self.tr("稳定就业年限"),
                                   self.tr("依据")])
        self.table.setObjectName("exitTable")
        self.date = QDateEdit(self)
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.date.setDate(QDate(self.today.year, self.today.month, self.today.day))
        self.reason = QLineEdit(self)
        self.reason.setPlaceholderText(self.tr("说明（可不填：默认记入退出依据）"))
        self.result = QLabel(self)
        self.result.setObjectName("exitResult")
        self.result.setWordWrap(True)
        self.confirm_selected = QPushButton(self.tr("确认勾选的户"), self)
        self.confirm_all = QPushButton(self.tr("确认全部符合条件的户"), self)
        self.confirm_selected.clicked.connect(self.confirm_checked)
        self.confirm_all.clicked.connect(self.confirm_every_qualifier)
        form = QHBoxLayout()
        form.addWidget(QLabel(self.tr("过渡期满、腾退日期"), self))
        form.addWidget(self.date)
        form.addWidget(self.reason, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.confirm_selected)
        buttons.addWidget(self.confirm_all)
        buttons.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.only_qualifying)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(form)
        layout.addWidget(self.result)
        layout.addLayout(buttons)
        self.review = pd.DataFrame()
        self.refresh()
        fit_to_screen(self, 980, 560)

    def refresh(self) -> None:
        """Read the exit review of the window's project again."""
        from allocator.exits import exit_review

        self.review = exit_review(self.window.project, self.today)
        self._fill()

    def _fill(self, *args) -> None:
        review = self.review
        qualifying = int(review["qualifies"].sum()) if len(review) else 0
        self.summary.setText(fill(self.tr(
            "已入住 %1 户，其中 %2 户符合退出条件（收入超过全县人均且稳定就业年限达标，"
            "以及规划人员添加的条件）。确认后该户退出，房屋在腾退日期变为空置，"
            "可重新分配给轮候户。"), len(review), qualifying))
        if self.only_qualifying.isChecked() and len(review):
            review = review[review["qualifies"]]
        self.table.setRowCount(len(review))
        for r, row in enumerate(review.itertuples()):
            check = QTableWidgetItem()
            if row.qualifies:
                check.setFlags(Qt.ItemFlag.ItemIsUserCheckable
                               | Qt.ItemFlag.ItemIsEnabled)
                check.setCheckState(Qt.CheckState.Unchecked)
            else:
                check.setFlags(Qt.ItemFlag.NoItemFlags)
            self.table.setItem(r, 0, check)
            per_capita = "" if pd.isna(row.per_capita_income) \
                else f"{row.per_capita_income:,.0f}"
            values = [row.household_id, row.unit_id, row.current_township, row.size,
                      per_capita, f"{row.stable_job_years:g}",
                      core_text(row.reason)]
            for c, value in enumerate(values, start=1):
                item = _item(value)
                if not row.qualifies:
                    item.setForeground(QColor("#7f8c99"))
                self.table.setItem(r, c, item)
        _fit_columns(self.table)

    def checked(self) -> list[str]:
        """The households ticked in the list."""
        found = []
        for r in range(self.table.rowCount()):
            if self.table.item(r, 0).checkState() == Qt.CheckState.Checked:
                found.append(self.table.item(r, 1).text())
        return found

    def set_checked(self, household_ids: list[str]) -> None:
        """Tick these households (tests and keyboard users)."""
        wanted = set(household_ids)
        for r in range(self.table.rowCount()):
            item = self.table.item(r, 0)
            if item.flags() & Qt.ItemFlag.ItemIsUserCheckable:
                item.setCheckState(Qt.CheckState.Checked
                                   if self.table.item(r, 1).text() in wanted
                                   else Qt.CheckState.Unchecked)

    def exit_date(self) -> dt.date:
        """The transition date chosen."""
        day = self.date.date()
        return dt.date(day.year(), day.month(), day.day())

    def confirm_checked(self) -> bool:
        """Confirm the ticked households."""
        chosen = self.checked()
        if not chosen:
            self.result.setText(self.tr("请先勾选要确认退出的户。"))
            return False
        return self._confirm(chosen)

    def confirm_every_qualifier(self) -> bool:
        """Confirm every household that qualifies."""
        review = self.review
        chosen = review[review["qualifies"]]["household_id"].tolist() \
            if len(review) else []
        if not chosen:
            self.result.setText(self.tr("没有符合退出条件的户。"))
            return False
        return self._confirm(chosen)

    def _confirm(self, household_ids: list[str]) -> bool:
        ok, text = self.window.confirm_exits(household_ids, self.exit_date(),
                                             self.reason.text().strip(), self.today)
        self.result.setText(text)
        if ok:
            self.refresh()
            self.confirmed.emit(household_ids, self.exit_date().isoformat())
        return ok


MOVE_RULES = ("move_penalty_m", "family_reunion_m", "school_trip_max_m")


def move_rules(project: Project | None) -> dict[str, int]:
    """The three rules a reallocation with moves weighs (whole metres), from
    the project's rules or their defaults."""
    from allocator.rules import DEFAULTS

    rules = {} if project is None else project.rules
    return {key: int(round(float(rules.get(key, DEFAULTS[key].value))))
            for key in MOVE_RULES}


def move_rules_text(rules: dict[str, int]) -> str:
    """The move rules in a sentence of the window's language."""
    return fill(QCoreApplication.translate(
        "ReallocateDialog",
        "调换规则：每调换一户计作步行 %1 米（调换住房惩罚）；分户家庭安置在同一"
        "安置点，每两户计作减少步行 %2 米；上学单程步行超过 %3 米视为过远，"
        "缩短到此以内时按缩短的米数计。收益大于惩罚才调换。"),
        f"{rules['move_penalty_m']:,}", f"{rules['family_reunion_m']:,}",
        f"{rules['school_trip_max_m']:,}")


class ReallocateDialog(QDialog):
    """Start a reallocation: freed and vacant units to the waiting list,
    optionally with moves (reunite split families, shorten school walks)
    weighed by the move rules shown next to the option."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.setWindowTitle(self.tr("重新分配"))
        self.setObjectName("reallocateDialog")
        intro = QLabel(self.tr(
            "把退出腾出的房屋和空置房按现行规则分给轮候户。默认已安置的户不动，"
            "已有的学位和卫生服务登记保持不变；结果只列出有变动的户。"), self)
        intro.setWordWrap(True)
        self.allow_moves = QCheckBox(
            self.tr("允许调换住房（团聚分户家庭、缩短上学步行）"), self)
        self.allow_moves.setObjectName("allowMoves")
        self.rules = move_rules(window.project)
        self.rules_label = QLabel(move_rules_text(self.rules), self)
        self.rules_label.setObjectName("moveRules")
        self.rules_label.setWordWrap(True)
        self.rules_label.setIndent(24)
        self.scope_label = QLabel(self.tr(
            "只调换已分配但尚未入住的户，已入住的户不动；每户调换的原因列在“变动”中。"
            "规则可在“规则”中修改。"), self)
        self.scope_label.setWordWrap(True)
        self.scope_label.setIndent(24)
        self.allow_moves.toggled.connect(self._show_rules)
        self.start_button = QPushButton(self.tr("开始重新分配"), self)
        self.start_button.setObjectName("startReallocate")
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        buttons.addButton(self.start_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addSpacing(6)
        layout.addWidget(self.allow_moves)
        layout.addWidget(self.rules_label)
        layout.addWidget(self.scope_label)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        layout.addStretch(1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self._show_rules(False)
        fit_to_screen(self, 640, 340)

    def _show_rules(self, allowed: bool) -> None:
        # The rules stay readable when the option is off, greyed out.
        self.rules_label.setEnabled(allowed)
        self.scope_label.setEnabled(allowed)

    def start(self) -> bool:
        """Start the reallocation with the options chosen; True when it runs.

        Without moves, households allocated a unit they have not moved into
        and no longer fit (a register update changed their size) would break
        the area rule: the dialog names them and says what to do instead of
        starting (as ``allocator reallocate`` does)."""
        allow_moves = self.allow_moves.isChecked()
        if not allow_moves and self._refuse_outgrown():
            return False
        job = self.window.reallocate(allow_moves=allow_moves)
        if job is None:
            self.status.setText(self.tr("没有开始重新分配：原因见窗口下方的提示。"))
            return False
        self.accept()
        return True

    def _refuse_outgrown(self) -> bool:
        """Name the households whose allocated unit no longer fits their size
        (:func:`allocator.reallocate.outgrown_units`); True when there are any."""
        from allocator.reallocate import (
            ReallocationError,
            outgrown_units,
            previous_allocation,
        )

        project = self.window.project
        if project is None:
            return False
        try:
            outgrown = outgrown_units(project, previous_allocation(project, "base"),
                                      self.window.today())
        except ReallocationError:
            return False  # no allocation yet: the window says so
        if not outgrown:
            return False
        problem = fill(self.tr("%1 户已分配但尚未入住的房屋在户籍变化或面积标准修改后"
                               "不再适合家庭人口，保留原房将违反面积标准："),
                       len(outgrown))
        fix = self.tr("未作任何改动。请勾选“允许调换住房”后再开始（这些户调换到"
                      "合适的房屋，或重新轮候）；或运行“分配”重新求解。")
        lines = [core_text(household.text()) for household in outgrown]
        self.status.setText("\n".join([problem, *lines, fix]))
        joint = "; " if current_language() == "en" else "；"
        self.window.errors.notice(f"{problem} {joint.join(lines)} {fix}", "warning")
        return True


class RegisterUpdateDialog(QDialog):
    """The differences between an updated register (户籍名册) and the
    project, before anything changes; applied with a reason, as one undoable
    step (births, deaths, households split or merged, figures changed).

    ``diff`` is what :func:`allocator.register_update.compare_register`
    found; the dialog shows the file's problems when it has errors, and
    nothing can be applied then.
    """

    def __init__(self, window, diff) -> None:
        super().__init__(window)
        from allocator.register_update import mass_removal

        self.window = window
        self.diff = diff
        self.setWindowTitle(self.tr("更新户籍名册"))
        self.setObjectName("registerUpdate")
        self.summary = QLabel(self)
        self.summary.setObjectName("registerSummary")
        self.summary.setWordWrap(True)
        self.table = _table(self, [self.tr("户号"), self.tr("变化"), self.tr("内容")])
        self.table.setObjectName("registerChanges")
        self.problems = _table(self, [self.tr("位置"), self.tr("问题")])
        self.problems.setObjectName("registerProblems")
        self.many = mass_removal(window.project, diff) if not diff.errors else None
        self.allow_many = QCheckBox(self.tr("确认这些户确已注销（文件是完整的名册）"),
                                    self)
        self.allow_many.setObjectName("allowManyRemovals")
        self.reason = QLineEdit(self)
        self.reason.setObjectName("registerReason")
        self.reason.setPlaceholderText(self.tr("更新原因（必填，记入台账），例如：2026年11月户籍核对"))
        self.result = QLabel(self)
        self.result.setObjectName("registerResult")
        self.result.setWordWrap(True)
        self.apply_button = QPushButton(self.tr("应用更新"), self)
        self.apply_button.setObjectName("applyRegister")
        self.apply_button.clicked.connect(self.apply)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.addButton(self.apply_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.problems, 1)
        layout.addWidget(self.allow_many)
        form = QHBoxLayout()
        form.addWidget(QLabel(self.tr("原因"), self))
        form.addWidget(self.reason, 1)
        layout.addLayout(form)
        layout.addWidget(self.result)
        layout.addWidget(buttons)

        name = diff.file.replace("\\", "/").rsplit("/", 1)[-1]
        problems = sorted(diff.problems, key=lambda p: (p.row or 0, p.column or ""))
        self.problems.setRowCount(len(problems))
        for r, problem in enumerate(problems):
            where = fill(self.tr("%1 第%2行"), name, problem.row) if problem.row \
                else name
            where += f" {problem.column}" if problem.column else ""
            self.problems.setItem(r, 0, _item(where))
            label = self.tr("错误") if problem.severity == "error" else self.tr("警告")
            self.problems.setItem(r, 1, _item(f"{label}：{problem.message}"))
        self.problems.setVisible(bool(problems))
        self.table.setRowCount(len(diff.changes))
        for r, change in enumerate(diff.changes):
            text = change.text().split("  ", 2)
            self.table.setItem(r, 0, _item(change.household_id))
            self.table.setItem(r, 1, _item(self.tr(REGISTER_KINDS[change.kind])))
            self.table.setItem(r, 2, _item(core_text(text[2]) if len(text) > 2
                                           else ""))
        _fit_columns(self.table, 260)
        _fit_columns(self.problems, 260)
        self.allow_many.setVisible(self.many is not None)
        if diff.errors:
            self.summary.setText(fill(self.tr(
                "%1 有 %2 处错误，未比对，项目没有任何改动。请按下表改正文件后再试。"),
                name, len(diff.errors)))
        elif not diff.changes:
            self.summary.setText(fill(self.tr("%1 与项目中的户籍登记一致，没有变化。"),
                                      name))
        else:
            text = fill(self.tr(
                "%1 与项目相比有 %2 户变化（尚未改动项目）。核对后填写原因并"
                "“应用更新”；"
                "每一户的变化都记入台账，可撤销。"), name, len(diff.changes))
            if self.many is not None:
                removed = diff.removed_households()
                total = len(window.project.households)
                text += "\n" + fill(self.tr(
                    "注意：这次更新会把项目 %1 户中的 %2 户（%3%）作为注销户删除"
                    "（%4）。文件可能不完整（只导出了部分名册，或没有保存完）；"
                    "请核对文件是否包含全部户。如这些户确已注销，勾选下面的确认框"
                    "再应用。"), total, len(removed),
                    f"{100 * len(removed) / total:.1f}",
                    "、".join(removed[:5]) + ("……" if len(removed) > 5 else ""))
            self.summary.setText(text)
        self.apply_button.setEnabled(not diff.errors and bool(diff.changes))
        fit_to_screen(self, 900, 560)

    def apply(self) -> bool:
        """Apply the update with the reason given; True when applied (once:
        the dialog then only shows what was done)."""
        if not self.apply_button.isEnabled():
            return False
        reason = self.reason.text().strip()
        if not reason:
            self.result.setText(self.tr("请填写更新原因（记入台账）。"))
            return False
        if self.many is not None and not self.allow_many.isChecked():
            self.result.setText(self.tr(
                "这次更新会注销大量的户，文件可能不完整。确认文件是完整的名册后勾选上面的"
                "确认框再应用。"))
            return False
        ok, text = self.window.apply_register_update(
            self.diff, reason, allow_many_removals=self.many is not None)
        self.result.setText(text)
        if ok:
            self.apply_button.setEnabled(False)
        return ok


class ChangesPanel(QWidget):
    """What the last reallocation changed, and nothing else.

    Signals
    -------
    household_selected(str)
        The household of the row the user picked.
    """

    household_selected = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.table = _table(self, [self.tr("户号"), self.tr("变动"), self.tr("原房号"),
                                   self.tr("新房号"), self.tr("原因")])
        self.table.setObjectName("changeTable")
        self.table.cellClicked.connect(self._picked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        self.changes = pd.DataFrame()
        self.set_project(None)

    def set_project(self, project: Project | None) -> None:
        """Show the households the stored reallocation changed (read back
        from the allocation's ``change`` column)."""
        frame = pd.DataFrame(columns=["household_id", "change", "unit_before",
                                      "unit_after", "reason"])
        if project is not None and "change" in project.allocations.columns:
            allocations = project.allocations[project.allocations["scenario"] == "base"]
            changed = allocations[allocations["change"].map(
                lambda c: isinstance(c, str) and c != "").astype(bool)]
            frame = pd.DataFrame({
                "household_id": changed["household_id"].to_numpy(),
                "change": None, "unit_before": None,
                "unit_after": changed["unit_id"].to_numpy(),
                "reason": changed["change"].to_numpy()})
        self.set_changes(frame)

    def set_changes(self, changes: pd.DataFrame, freed: int | None = None,
                    rules: dict[str, int] | None = None) -> None:
        """Show ``changes`` (household_id, change, unit_before, unit_after,
        reason), as :func:`allocator.reallocate.reallocate` returns them;
        ``rules`` are the move rules when moves were allowed."""
        self.changes = changes
        self.table.setRowCount(0)
        if changes.empty:
            self.summary.setText(self.tr(
                "还没有重新分配：确认退出后运行“重新分配”，这里只列出有变动的户。")
                if freed is None else fill(self.tr(
                    "本次重新分配没有变动任何户（腾出房屋 %1 套），"
                    "各户的住房和学位不变。"), freed))
            return
        counts = changes["change"].value_counts().to_dict()
        text = fill(self.tr("上次重新分配变动 %1 户，其余各户的住房和学位不变。"),
                    changes["household_id"].nunique())
        if counts:
            text += " " + fill(self.tr("其中：%1。"), self.tr("，").join(
                f"{_t('Changes', CHANGE_NAMES.get(k, k))} {v}"
                for k, v in counts.items()))
        if freed is not None:
            text += " " + fill(self.tr("腾出房屋 %1 套。"), freed)
        if rules is not None:
            text += " " + self.tr("本次允许调换住房。") + " " + move_rules_text(rules)
        self.summary.setText(text)
        self.table.setRowCount(len(changes))
        for r, row in enumerate(changes.sort_values("household_id").itertuples()):
            kind = row.change if isinstance(row.change, str) else ""
            values = [row.household_id,
                      _t("Changes", CHANGE_NAMES[kind]) if kind in CHANGE_NAMES
                      else kind, row.unit_before,
                      row.unit_after if isinstance(row.unit_after, str)
                      else self.tr("已退出") if kind == "exited" else self.tr("轮候"),
                      core_text(row.reason)]
            for c, value in enumerate(values):
                self.table.setItem(r, c, _item(value))
        _fit_columns(self.table)

    def changed_households(self) -> list[str]:
        """Households the last reallocation changed."""
        if self.changes.empty:
            return []
        return sorted(self.changes["household_id"].unique())

    def _picked(self, row: int, _column: int) -> None:
        item = self.table.item(row, 0)
        if item is not None:
            self.household_selected.emit(item.text())
