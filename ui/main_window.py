"""The main window planners work in all day.

The map (left) and the tables (right) share the central area; results sit
in docks below (KPIs, the selected household's explanation, the people
without a place, charts, and the solver's progress). Every long job (open,
save, import, allocate, export) runs in a :class:`ui.workers.Job` on a copy
of the project, while the tables refuse edits, so the window never blocks
and never shows a half-written project.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
from pathlib import Path
from typing import Any, Callable

import pandas as pd
from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from allocator.explain import household_links
from allocator.project import Project
from allocator.scenarios import NOT_BASE_ACTIONS
from solvers.base import gap_percent
from ui.dynamic import (
    LEVEL_COLOURS,
    AlertsPanel,
    ChangesPanel,
    HistoryPanel,
    ReallocateDialog,
    SnapshotCommand,
    copy_tables,
    move_rules,
)
from ui.errors import ErrorChannel, MessageBar, log_file
from ui.language import LANGUAGES, core_text, fill, normalise_language
from ui.map_view import MapView
from ui.progress_view import ProgressPanel
from ui.results import ChartsPanel, ExplanationPanel, KpiPanel, UnservedPanel
from ui.scenarios_panel import ScenariosPanel
from ui.tables import TablePanel
from ui.workers import Job

logger = logging.getLogger(__name__)

MAX_RECENT = 8
BACKENDS = ("auto", "cpsat", "highs", "cbc")
# What each back end can do while it runs (see solvers/): CBC runs as a
# separate program without callbacks.
REPORTS_PROGRESS = {"auto": True, "cpsat": True, "highs": True, "cbc": False}
CAN_CANCEL = {"auto": True, "cpsat": True, "highs": True, "cbc": False}
# Jobs that run the solver (progress panel, Cancel).
SOLVE_JOBS = ("allocate", "reallocate", "scenario", "petition")


def default_settings() -> QSettings:
    """The user's settings (language, recent files, window layout)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                     "allocator", "allocator")


def _solve_job(snapshot: Project, backend: str, time_limit: float | None):
    """The allocation job: solve, store in the copy, check every rule."""
    from allocator.allocate import (
        base_placements,
        mark_changed_units,
        solve_project,
        store_outcome,
        without_partial_allocation,
    )
    from allocator.exits import without_exited
    from allocator.validator import validate_allocation

    def work(progress: Callable[[Any], None], cancelled: Callable[[], bool]):
        def report(level, best, bound, seconds):
            progress((level, best, bound, seconds))

        before = base_placements(snapshot)
        outcome = solve_project(snapshot, backend=backend, time_limit=time_limit,
                                progress=report, cancel=cancelled)
        # Stopped before its last level: the run is kept, not the allocation.
        outcome = without_partial_allocation(outcome, snapshot)
        violations: list[str] = []
        if outcome.solution is not None:
            store_outcome(snapshot, outcome)
            mark_changed_units(snapshot, before)  # `export --changed` prints them
            violations = validate_allocation(without_exited(snapshot))
        return outcome, violations

    return work


def _reallocate_job(snapshot: Project, backend: str, time_limit: float | None,
                    today: dt.date, allow_moves: bool = False):
    """The reallocation job: free units of exits now due, give freed and
    vacant units to the waiting list, check every rule. Nobody else moves,
    unless ``allow_moves``: then households allocated but not moved in may
    move to reunite a split family or shorten a school walk, at the move
    penalty (what ``allocator reallocate --allow-moves`` does)."""
    from allocator.exits import apply_due_exits
    from allocator.reallocate import reallocate, store_reallocation, validation_view
    from allocator.validator import validate_allocation

    def work(progress: Callable[[Any], None], cancelled: Callable[[], bool]):
        def report(level, best, bound, seconds):
            progress((level, best, bound, seconds))

        apply_due_exits(snapshot, today)
        result = reallocate(snapshot, today=today, backend=backend,
                            time_limit=time_limit, progress=report, cancel=cancelled,
                            allow_moves=allow_moves, moves_for_gain=allow_moves)
        violations: list[str] = []
        if result.solved:
            store_reallocation(snapshot, result, reason="窗口中重新分配")
            violations = validate_allocation(validation_view(snapshot, today))
        return result, violations, snapshot

    return work


class MainWindow(QMainWindow):
    """The allocator's main window.

    Signals
    -------
    project_shown()
        A project was opened, imported or cleared and is now on screen.
    allocation_finished(object)
        The run dict of a finished allocation (None when it failed).
    saved(str)
        The path a project was saved to.
    """

    project_shown = Signal()
    allocation_finished = Signal(object)
    saved = Signal(str)
    job_done = Signal(str, bool)

    def __init__(self, settings: QSettings | None = None,
                 language: str | None = None) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.settings = settings if settings is not None else default_settings()
        self.language = normalise_language(
            language or self.settings.value("language", None))
        self.project: Project | None = None
        self.path: Path | None = None
        self.job: Job | None = None
        # False in tests and scripts: no blocking questions (save? recover?).
        self.interactive = True
        self._autosave_job: Job | None = None
        self._dirty_other = False
        self._job_name = ""
        self._on_success: Callable[[Any], None] | None = None
        self._selected_household: str | None = None
        self._shown_once = False
        self._cancel_requested = False
        self._today: dt.date | None = None
        self._alert_marks: dict = {}
        self._alerts_on_screen = False
        self.undo_stack = self._make_undo_stack()
        backend = str(self.settings.value("backend", "auto"))
        self.backend = backend if backend in BACKENDS else "auto"
        try:
            self.time_limit = float(self.settings.value("time_limit", 0) or 0) or None
        except (TypeError, ValueError):
            self.time_limit = None

        self._build_central()
        self._build_docks()
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()
        self.errors = ErrorChannel(self, self.message_bar)
        self._connect()
        self.autosave_timer = QTimer(self)
        self.autosave_timer.setInterval(1000 * max(30, int(
            self.settings.value("autosave_seconds", 120) or 120)))
        self.autosave_timer.timeout.connect(self.autosave)
        self.autosave_timer.start()
        self.resize(1280, 720)
        self.setMinimumSize(600, 360)
        self._restore_layout()
        self._update_actions()
        self._update_title()

    # -- construction -----------------------------------------------------------
    def _make_undo_stack(self):
        from PySide6.QtGui import QUndoStack

        stack = QUndoStack(self)
        stack.setUndoLimit(500)
        return stack

    def _build_central(self) -> None:
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.message_bar = MessageBar(central)
        self.map_view = MapView(central)
        self.map_view.setObjectName("mapView")
        self.tables = TablePanel(self.undo_stack, central)
        self.tables.setObjectName("tables")
        self.splitter = QSplitter(Qt.Orientation.Horizontal, central)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.map_view)
        self.splitter.addWidget(self.tables)
        self.splitter.setStretchFactor(0, 5)
        self.splitter.setStretchFactor(1, 4)
        self.splitter.setChildrenCollapsible(False)
        layout.addWidget(self.message_bar)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

    def _build_docks(self) -> None:
        self.kpi_panel = KpiPanel(self)
        self.explanation = ExplanationPanel(self)
        self.unserved = UnservedPanel(self)
        self.charts = ChartsPanel(self)
        self.progress = ProgressPanel(self)
        self.history = HistoryPanel(self)
        self.alerts = AlertsPanel(self)
        self.changes = ChangesPanel(self)
        self.scenarios = ScenariosPanel(self)
        self.docks: dict[str, QDockWidget] = {}
        specs = (
            ("kpis", self.tr("指标"), self.kpi_panel),
            ("explanation", self.tr("分户说明"), self.explanation),
            ("unserved", self.tr("无学位／未登记"), self.unserved),
            ("charts", self.tr("图表"), self.charts),
            ("progress", self.tr("求解进度"), self.progress),
            ("history", self.tr("户档案"), self.history),
            ("alerts", self.tr("预警"), self.alerts),
            ("changes", self.tr("变动"), self.changes),
            ("scenarios", self.tr("方案"), self.scenarios),
        )
        first = None
        for key, title, widget in specs:
            dock = QDockWidget(title, self)
            dock.setObjectName(f"dock_{key}")
            dock.setWidget(widget)
            dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                             | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                             | QDockWidget.DockWidgetFeature.DockWidgetClosable)
            self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
            if first is None:
                first = dock
            else:
                self.tabifyDockWidget(first, dock)
            self.docks[key] = dock
        self.setTabPosition(Qt.DockWidgetArea.BottomDockWidgetArea,
                            self.tabPosition(Qt.DockWidgetArea.BottomDockWidgetArea))
        self.docks["kpis"].raise_()
        self.resizeDocks([self.docks["kpis"]], [260], Qt.Orientation.Vertical)

    def _action(self, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        return action

    def _build_actions(self) -> None:
        key = QKeySequence.StandardKey
        self.act_import = self._action(
            self.tr("新建项目（导入向导）…"), self.show_import_wizard, key.New,
            self.tr("从登记表和空间文件新建项目"))
        self.act_open = self._action(self.tr("打开项目…"), self.open_dialog, key.Open,
                                     self.tr("打开一个项目文件（.gpkg）"))
        self.act_sample = self._action(
            self.tr("打开示例县（昭觉县）"), self.open_sample,
            tip=self.tr("导入软件自带的示例数据，用于练习和演示"))
        self.act_save = self._action(self.tr("保存"), self.save, key.Save,
                                     self.tr("保存项目"))
        self.act_save_as = self._action(self.tr("另存为…"), self.save_as, key.SaveAs)
        self.act_export = self._action(
            self.tr("导出分配通知书和Excel…"), self.show_export_dialog,
            QKeySequence("Ctrl+E"), self.tr("导出分配通知书（PDF）和 Excel 台账"))
        self.act_quit = self._action(self.tr("退出"), self.close, key.Quit)
        self.act_undo = self.undo_stack.createUndoAction(self, self.tr("撤销"))
        self.act_undo.setShortcut(key.Undo)
        self.act_redo = self.undo_stack.createRedoAction(self, self.tr("重做"))
        self.act_redo.setShortcut(key.Redo)
        self.act_rules = self._action(
            self.tr("分配规则…"), self.show_rules_dialog, QKeySequence("Ctrl+R"),
            self.tr("服务半径、面积标准、优先级加分及其来源"))
        self.act_allocate = self._action(
            self.tr("分配"), self.allocate, QKeySequence("F5"),
            self.tr("求解住房、学位和卫生服务的联合分配"))
        self.act_allocate.setObjectName("allocate")
        self.act_cancel = self._action(
            self.tr("取消求解"), self.cancel_job, QKeySequence("Esc"),
            self.tr("停止求解，保留目前找到的最好解（未证明最优）"))
        self.act_time_limit = self._action(self.tr("求解时间上限…"),
                                           self.ask_time_limit)
        self.act_exits = self._action(
            self.tr("退出审核…"), self.show_exit_review,
            tip=self.tr("按退出机制列出符合条件的户及依据，确认退出并设定腾退日期"))
        self.act_register = self._action(
            self.tr("更新户籍名册…"), self.show_register_update,
            tip=self.tr("读入更新后的户籍名册（出生、死亡、分户、合户、收入变化），"
                        "先列出与项目的差别，确认后再改动"))
        self.act_register.setObjectName("registerUpdate")
        self.act_reallocate = self._action(
            self.tr("重新分配…"), self.show_reallocate_dialog, QKeySequence("Shift+F5"),
            self.tr("把退出腾出的房屋和空置房分给轮候户，已安置的户不动（可选择允许"
                    "调换住房）"))
        self.act_reallocate.setObjectName("reallocate")
        self.act_petition = self._action(
            self.tr("信访试算…"), self.show_petition_dialog,
            tip=self.tr("试算一户的诉求（不接受某房或某安置点、满足意愿），看会影响哪些户"))
        self.act_fit = self._action(self.tr("缩放到安置区"),
                                    self.map_view.zoom_settlement)
        self.act_county = self._action(self.tr("显示全县"), self.map_view.zoom_county)
        self.act_zoom_in = self._action(self.tr("放大"),
                                        lambda: self.map_view.zoom_by(1.5),
                                        key.ZoomIn)
        self.act_zoom_out = self._action(self.tr("缩小"),
                                         lambda: self.map_view.zoom_by(1 / 1.5),
                                         key.ZoomOut)
        self.act_log = self._action(self.tr("日志文件位置"), self.show_log_path)
        self.act_about = self._action(self.tr("关于"), self.show_about)

        self.backend_group = QActionGroup(self)
        self.backend_actions: dict[str, QAction] = {}
        names = {"auto": self.tr("自动选择"), "cpsat": "OR-Tools CP-SAT",
                 "highs": "HiGHS", "cbc": self.tr("CBC（不能中途取消）")}
        for name in BACKENDS:
            action = QAction(names[name], self)
            action.setCheckable(True)
            action.setChecked(name == self.backend)
            action.triggered.connect(lambda _on, n=name: self.set_backend(n))
            self.backend_group.addAction(action)
            self.backend_actions[name] = action

        self.language_group = QActionGroup(self)
        self.language_actions: dict[str, QAction] = {}
        for code, name in LANGUAGES.items():
            action = QAction(name, self)
            action.setCheckable(True)
            action.setChecked(code == self.language)
            action.triggered.connect(lambda _on, c=code: self.set_language(c))
            self.language_group.addAction(action)
            self.language_actions[code] = action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(self.tr("文件"))
        file_menu.addAction(self.act_import)
        file_menu.addAction(self.act_open)
        self.recent_menu = file_menu.addMenu(self.tr("最近打开"))
        file_menu.addAction(self.act_sample)
        file_menu.addSeparator()
        file_menu.addAction(self.act_save)
        file_menu.addAction(self.act_save_as)
        file_menu.addSeparator()
        file_menu.addAction(self.act_export)
        file_menu.addSeparator()
        file_menu.addAction(self.act_quit)
        edit_menu = bar.addMenu(self.tr("编辑"))
        edit_menu.addAction(self.act_undo)
        edit_menu.addAction(self.act_redo)
        edit_menu.addSeparator()
        edit_menu.addAction(self.act_rules)
        solve_menu = bar.addMenu(self.tr("分配"))
        solve_menu.addAction(self.act_allocate)
        solve_menu.addAction(self.act_cancel)
        solve_menu.addSeparator()
        backend_menu = solve_menu.addMenu(self.tr("求解器"))
        for action in self.backend_actions.values():
            backend_menu.addAction(action)
        solve_menu.addAction(self.act_time_limit)
        dynamic_menu = bar.addMenu(self.tr("动态管理"))
        dynamic_menu.addAction(self.act_register)
        dynamic_menu.addAction(self.act_exits)
        dynamic_menu.addAction(self.act_reallocate)
        dynamic_menu.addAction(self.act_petition)
        dynamic_menu.addSeparator()
        dynamic_menu.addAction(self.docks["scenarios"].toggleViewAction())
        self.dynamic_menu = dynamic_menu
        view_menu = bar.addMenu(self.tr("视图"))
        view_menu.addAction(self.act_fit)
        view_menu.addAction(self.act_county)
        view_menu.addAction(self.act_zoom_in)
        view_menu.addAction(self.act_zoom_out)
        view_menu.addSeparator()
        self.view_menu = view_menu
        for dock in self.docks.values():
            view_menu.addAction(dock.toggleViewAction())
        settings_menu = bar.addMenu(self.tr("设置"))
        language_menu = settings_menu.addMenu(self.tr("界面语言"))
        for action in self.language_actions.values():
            language_menu.addAction(action)
        help_menu = bar.addMenu(self.tr("帮助"))
        help_menu.addAction(self.act_log)
        help_menu.addAction(self.act_about)
        self._rebuild_recent_menu()

    def _build_toolbar(self) -> None:
        toolbar = QToolBar(self.tr("工具栏"), self)
        toolbar.setObjectName("mainToolbar")
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        toolbar.setMovable(False)
        for action in (self.act_open, self.act_save, self.act_import, None,
                       self.act_undo, self.act_redo, None, self.act_rules,
                       self.act_allocate, self.act_cancel, None, self.act_export,
                       None, self.act_fit, self.act_county):
            if action is None:
                toolbar.addSeparator()
            else:
                toolbar.addAction(action)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)
        self.toolbar = toolbar
        self.view_menu.addAction(toolbar.toggleViewAction())

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.busy_label = QLabel(self)
        self.busy_bar = QProgressBar(self)
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setMaximumWidth(140)
        self.busy_bar.setMaximumHeight(14)
        self.busy_bar.hide()
        self.project_label = QLabel(self)
        self.run_label = QLabel(self)
        bar.addWidget(self.project_label, 1)
        bar.addPermanentWidget(self.run_label)
        bar.addPermanentWidget(self.busy_label)
        bar.addPermanentWidget(self.busy_bar)

    def _connect(self) -> None:
        self.tables.selection_changed.connect(self._table_selection)
        self.map_view.building_clicked.connect(self._map_building)
        self.map_view.sample_requested.connect(self.open_sample)
        self.map_view.facility_clicked.connect(self._map_facility)
        self.unserved.household_selected.connect(self.select_household)
        self.alerts.household_selected.connect(self.select_household)
        self.changes.household_selected.connect(self.select_household)
        self.scenarios.household_selected.connect(self.select_household)
        self.alerts.marks_changed.connect(self._show_alert_marks)
        self.docks["alerts"].visibilityChanged.connect(
            lambda visible: self._show_alert_marks(visible=visible))
        self.progress.cancel_requested.connect(self.cancel_job)
        self.undo_stack.cleanChanged.connect(self._update_title)
        self._edit_index: int | None = self.undo_stack.index()
        self.undo_stack.indexChanged.connect(self._after_edit)
        for model in self.tables.models.values():
            model.edit_rejected.connect(self._edit_rejected)

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            if self.settings.value("window/splitter") is None:
                width = max(self.splitter.width(), 400)
                self.splitter.setSizes([int(width * 0.55), int(width * 0.45)])
            if self.settings.value("window/state") is None:
                screen = self.screen().availableGeometry()
                if screen.height() < 600:
                    # A small screen, or high display scaling: the menus hold
                    # every command, so the toolbar starts hidden.
                    self.toolbar.hide()
                self.resizeDocks([self.docks["kpis"]], [int(self.height() * 0.4)],
                                 Qt.Orientation.Vertical)

    # -- settings and layout ------------------------------------------------------
    def _restore_layout(self) -> None:
        geometry = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        splitter = self.settings.value("window/splitter")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        if isinstance(state, QByteArray):
            self.restoreState(state)
        if isinstance(splitter, QByteArray):
            self.splitter.restoreState(splitter)

    def save_layout(self) -> None:
        """Remember the window's size, docks and splitter."""
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("window/splitter", self.splitter.saveState())
        self.settings.sync()

    def recent_files(self) -> list[str]:
        """The recently opened projects, newest first."""
        value = self.settings.value("recent_files", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]

    def _remember(self, path: Path) -> None:
        files = [str(path)] + [f for f in self.recent_files() if f != str(path)]
        self.settings.setValue("recent_files", files[:MAX_RECENT])
        self.settings.sync()
        self._rebuild_recent_menu()

    def _rebuild_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = self.recent_files()
        if not files:
            empty = self.recent_menu.addAction(self.tr("（无）"))
            empty.setEnabled(False)
            return
        for number, name in enumerate(files, start=1):
            action = self.recent_menu.addAction(f"&{number} {name}")
            action.triggered.connect(lambda _on, n=name: self.open_project(Path(n)))
        self.recent_menu.addSeparator()
        clear = self.recent_menu.addAction(self.tr("清除列表"))
        clear.triggered.connect(self._clear_recent)

    def _clear_recent(self) -> None:
        self.settings.setValue("recent_files", [])
        self._rebuild_recent_menu()

    def set_backend(self, name: str) -> None:
        """Choose the solver back end for the next allocation."""
        self.backend = name
        self.settings.setValue("backend", name)
        self.backend_actions[name].setChecked(True)

    def ask_time_limit(self) -> None:
        """Ask for the solve time limit (0 = none)."""
        value, ok = QInputDialog.getDouble(
            self, self.tr("求解时间上限"),
            self.tr("整个求解最多用多少秒？0 表示不限。到时返回目前最好的解。"),
            self.time_limit or 0.0, 0.0, 86400.0, 0)
        if ok:
            self.time_limit = value or None
            self.settings.setValue("time_limit", value)

    def set_language(self, code: str) -> None:
        """Remember the language; it applies the next time the window opens."""
        code = normalise_language(code)
        self.settings.setValue("language", code)
        self.settings.sync()
        self.language_actions[code].setChecked(True)
        if code != self.language:
            self.errors.notice(self.tr("界面语言将在重新启动后切换为：%1").replace(
                "%1", LANGUAGES[code]))

    # -- state -------------------------------------------------------------------
    def is_dirty(self) -> bool:
        """True when the project has changes that are not saved."""
        return self.project is not None and (
            not self.undo_stack.isClean() or self._dirty_other)

    def _mark_dirty(self) -> None:
        self._dirty_other = True
        self._update_title()

    def _update_title(self, *args) -> None:
        name = self.tr("安置分配优化")
        if self.project is not None:
            county = self.project.metadata.get("county") or ""
            where = self.path.name if self.path else self.tr("未保存的项目")
            title = f"{name} — {county} — {where}[*]" if county \
                else f"{name} — {where}[*]"
        else:
            title = name
        self.setWindowTitle(title)
        self.setWindowModified(self.is_dirty())
        self._update_status()

    def _update_status(self) -> None:
        project = self.project
        if project is None:
            self.project_label.setText(self.tr("未打开项目"))
            self.run_label.setText("")
            return
        self.project_label.setText(fill(
            self.tr("%1 户 · %2 人 · %3 套房 · %4 处设施"),
            f"{len(project.households):,}", f"{len(project.members):,}",
            f"{len(project.housing_units):,}", f"{len(project.facilities):,}"))
        runs = project.runs[project.runs["scenario"] == "base"]
        if runs.empty:
            self.run_label.setText(self.tr("尚未分配"))
        else:
            from ui.results import status_text

            self.run_label.setText(status_text(runs.iloc[-1].to_dict()))

    def _update_actions(self) -> None:
        busy = self.job is not None
        has = self.project is not None
        solved = has and not self.project.base_allocation().empty
        for action in (self.act_open, self.act_import, self.act_sample):
            action.setEnabled(not busy)
        self.recent_menu.setEnabled(not busy)
        self.act_save.setEnabled(has and not busy)
        self.act_save_as.setEnabled(has and not busy)
        self.act_allocate.setEnabled(has and not busy)
        self.act_rules.setEnabled(has and not busy)
        self.act_export.setEnabled(solved and not busy)
        self.act_cancel.setEnabled(busy and self._job_name in SOLVE_JOBS)
        self.act_exits.setEnabled(has and not busy)
        self.act_register.setEnabled(has and not busy)
        self.act_reallocate.setEnabled(solved and not busy)
        self.act_petition.setEnabled(solved and not busy)
        self.undo_stack.setActive(not busy)
        self.act_undo.setEnabled(not busy and self.undo_stack.canUndo())
        self.act_redo.setEnabled(not busy and self.undo_stack.canRedo())
        self.tables.set_read_only(busy)

    # -- jobs ------------------------------------------------------------------
    def run_job(self, name: str, busy_text: str, function,
                on_success: Callable[[Any], None]) -> Job | None:
        """Run ``function(progress, cancelled)`` in a worker thread.

        Returns the job, or None (with a notice) while another job runs.
        """
        if self.job is not None:
            self.errors.notice(self.tr("请等当前任务结束（或取消）后再试。"), "warning")
            return None
        job = Job(name, function, self)
        job.progressed.connect(self._job_progress)
        job.succeeded.connect(self._job_succeeded)
        job.failed.connect(self._job_failed)
        self.job = job
        self._job_name = name
        self._on_success = on_success
        self.busy_label.setText(busy_text)
        self.busy_bar.show()
        self._update_actions()
        job.start_job()
        return job

    def _job_finished(self) -> None:
        self.job = None
        self._job_name = ""
        self.busy_label.setText("")
        self.busy_bar.hide()
        self._update_actions()

    def _job_progress(self, value: Any) -> None:
        if self._job_name in SOLVE_JOBS and isinstance(value, tuple):
            level, best, bound, _seconds = value
            self.progress.report(level, best, bound)
        elif isinstance(value, str):
            self.busy_label.setText(value[-60:])

    def _job_succeeded(self, result: Any) -> None:
        name = self._job_name
        callback = self._on_success
        self._job_finished()
        try:
            if callback is not None:
                callback(result)
        except Exception as exc:  # a failure while showing a result
            self.errors.report(exc, action=self.tr("显示结果"))
        self.job_done.emit(name, True)

    def _job_failed(self, exc: BaseException, trace: str) -> None:
        name = self._job_name
        self._job_finished()
        actions = {"open": self.tr("打开项目"), "save": self.tr("保存项目"),
                   "sample": self.tr("导入示例县"), "allocate": self.tr("分配"),
                   "reallocate": self.tr("重新分配"), "scenario": self.tr("求解方案"),
                   "petition": self.tr("信访试算"),
                   "register": self.tr("比对户籍名册")}
        if name in ("allocate", "reallocate", "scenario"):
            self.progress.finish(None)
            self.allocation_finished.emit(None)
        self.errors.report(exc, trace, actions.get(name, name))
        self.job_done.emit(name, False)

    def cancel_job(self) -> None:
        """Cancel the running allocation (it keeps the best solution so far)."""
        if self.job is None or self._job_name not in SOLVE_JOBS:
            return
        if not self.job.is_cancelled():
            self._cancel_requested = True
            self.job.cancel()
            self.progress.cancelling()
            if not CAN_CANCEL.get(self.backend, True):
                self.errors.notice(self.tr(
                    "CBC 不能中途停止：取消将在当前目标层结束后生效。"), "warning")

    # -- projects ------------------------------------------------------------------
    def open_dialog(self) -> None:
        """Choose a project file to open."""
        if not self._may_discard():
            return
        start = str(Path(self.recent_files()[0]).parent) if self.recent_files() else ""
        name, _filter = QFileDialog.getOpenFileName(
            self, self.tr("打开项目"), start, self.tr("项目文件 (*.gpkg)"))
        if name:
            self.open_project(Path(name))

    def open_project(self, path: Path) -> Job | None:
        """Open ``path`` in a worker thread; the project shows when it is read."""
        from allocator.project import load_project

        path = Path(path)

        def work(progress, cancelled):
            return load_project(path)

        return self.run_job("open", fill(self.tr("正在打开 %1……"), path.name), work,
                            lambda project: self._opened(project, path))

    def _opened(self, project: Project, path: Path) -> None:
        from allocator.autosave import recovery_for

        self.set_project(project, path)
        autosave = recovery_for(path)
        if autosave is None:
            return
        if not self.interactive:
            self.errors.notice(fill(self.tr(
                "发现上次未保存的修改（%1）。"), autosave), "warning")
            return
        answer = QMessageBox.question(
            self, self.tr("恢复未保存的修改"),
            fill(self.tr("上次关闭时有未保存的修改，自动保存在：\n%1\n要恢复这些修改吗？"
                         "选择“否”将删除这份自动保存。"), autosave))
        if answer == QMessageBox.StandardButton.Yes:
            self.recover(path)
        else:
            from allocator.autosave import discard_autosave

            discard_autosave(path)

    def recover(self, path: Path) -> Job | None:
        """Load the autosaved state of ``path`` (the user saves it over)."""
        from allocator.autosave import recover

        def work(progress, cancelled):
            return recover(path)

        return self.run_job("open", self.tr("正在恢复未保存的修改……"), work,
                            lambda project: self.set_project(project, path,
                                                             dirty=True))

    def autosave(self) -> Job | None:
        """Write unsaved edits beside the project (a timer calls this)."""
        if (self.project is None or self.path is None or not self.is_dirty()
                or self.job is not None or self._autosave_job is not None):
            return None
        from allocator.autosave import write_autosave

        snapshot = copy.deepcopy(self.project)
        path = self.path

        def work(progress, cancelled):
            return write_autosave(snapshot, path)

        job = Job("autosave", work, self)
        job.succeeded.connect(self._autosaved)
        job.failed.connect(self._autosave_failed)
        self._autosave_job = job
        return job.start_job()

    def _autosaved(self, target) -> None:
        self._autosave_job = None
        self.busy_label.setText(self.tr("已自动保存"))

    def _autosave_failed(self, exc: BaseException, trace: str) -> None:
        self._autosave_job = None
        logger.warning("autosave failed\n%s", trace)
        self.errors.notice(fill(self.tr("自动保存失败：%1"), exc), "warning")

    def open_sample(self) -> Job | None:
        """Import the bundled sample county (not saved until the user saves)."""
        if not self._may_discard():
            return None
        from allocator.importer import ImportInputs, import_files
        from sample_data import sample_files, sample_history_files

        files = sample_files()
        inputs = ImportInputs(register=files["register"], sites=files["sites"],
                              units=files["units"], facilities=files["facilities"],
                              county=files["county"], **sample_history_files())

        def work(progress, cancelled):
            result = import_files(inputs, progress=progress, cancel=cancelled)
            if result.project is None:
                raise RuntimeError("; ".join(str(p) for p in result.errors[:3]))
            return result.project

        return self.run_job("sample", self.tr("正在导入示例县……"), work,
                            lambda project: self.set_project(project, None,
                                                             dirty=True))

    def set_project(self, project: Project | None, path: Path | None,
                    dirty: bool = False) -> None:
        """Show ``project`` everywhere; ``path`` is where it was read from."""
        self.project = project
        self.path = Path(path) if path else None
        self.undo_stack.clear()
        self._dirty_other = dirty
        self._selected_household = None
        self.map_view.set_project(project)
        self.tables.set_project(project)
        self._refresh_results()
        if path is not None:
            self._remember(Path(path))
        self.message_bar.hide()
        self._update_title()
        self._update_actions()
        logger.info("showing project %s", path or "(not saved)")
        self.project_shown.emit()

    def _may_discard(self) -> bool:
        """Ask to save unsaved changes; False when the user cancels."""
        if not self.is_dirty() or not self.interactive:
            return True
        answer = QMessageBox.question(
            self, self.tr("未保存的修改"),
            self.tr("项目有未保存的修改。要先保存吗？"),
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Cancel:
            return False
        if answer == QMessageBox.StandardButton.Discard and self.path is not None:
            from allocator.autosave import discard_autosave

            discard_autosave(self.path)
        if answer == QMessageBox.StandardButton.Save:
            target = self.path
            if target is None:
                name, _f = QFileDialog.getSaveFileName(
                    self, self.tr("保存项目"), "", self.tr("项目文件 (*.gpkg)"))
                if not name:
                    return False
                target = Path(name)
            # A save that fails (a read-only folder) keeps the window open
            # with the edits, so that they can be saved elsewhere (另存为).
            if not self._save_now(target):
                return False
            self.path = target
        return True

    def _save_now(self, path: Path) -> bool:
        """Save synchronously (only when the window is about to close); False
        when the save failed (the error was shown)."""
        from allocator.autosave import discard_autosave
        from allocator.project import save_project

        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            save_project(self.project, path)
            discard_autosave(path)
        except Exception as exc:
            QApplication.restoreOverrideCursor()
            self.errors.report(exc, action=self.tr("保存项目"))
            return False
        QApplication.restoreOverrideCursor()
        return True

    def save(self) -> Job | None:
        """Save to the project's file (or ask for one)."""
        if self.project is None:
            return None
        if self.path is None:
            return self.save_as()
        return self.save_to(self.path)

    def save_as(self) -> Job | None:
        """Ask for a file name and save there."""
        if self.project is None:
            return None
        start = str(self.path) if self.path else ""
        name, _filter = QFileDialog.getSaveFileName(
            self, self.tr("项目另存为"), start, self.tr("项目文件 (*.gpkg)"))
        if not name:
            return None
        path = Path(name)
        if path.suffix.lower() != ".gpkg":
            path = path.with_suffix(".gpkg")
        return self.save_to(path)

    def save_to(self, path: Path) -> Job | None:
        """Save a copy of the project to ``path`` in a worker thread."""
        from allocator.project import save_project

        assert self.project is not None
        snapshot = copy.deepcopy(self.project)
        path = Path(path)

        def work(progress, cancelled):
            save_project(snapshot, path)
            return path

        return self.run_job("save", fill(self.tr("正在保存 %1……"), path.name), work,
                            self._saved)

    def _saved(self, path: Path) -> None:
        from allocator.autosave import discard_autosave

        discard_autosave(path)
        self.path = path
        self.undo_stack.setClean()
        self._dirty_other = False
        self._remember(path)
        self._update_title()
        self.errors.notice(fill(self.tr("已保存到 %1"), path))
        self.saved.emit(str(path))

    # -- allocation -------------------------------------------------------------------
    def allocate(self) -> Job | None:
        """Solve the joint allocation in a worker thread."""
        if self.project is None:
            return None
        backend = self.backend
        snapshot = copy.deepcopy(self.project)
        job = self.run_job("allocate", self.tr("正在求解……"),
                           _solve_job(snapshot, backend, self.time_limit),
                           self._allocated)
        if job is not None:
            self._solver_started(backend)
        return job

    def _allocated(self, result) -> None:
        from allocator.allocate import (
            base_placements,
            mark_changed_units,
            store_outcome,
        )

        outcome, violations = result
        run = outcome.run
        # "X waits although unit U fits and is free" and "X waits while a
        # household of lower priority got a fitting unit" hold only for an
        # optimum of the first level; a solve stopped inside that level may
        # break them without breaking any hard rule, so they are shown, not
        # refused.
        unplaced = []
        if run["status"] != "optimal":
            unplaced = [v for v in violations if " waits " in v]
            violations = [v for v in violations if v not in unplaced]
        if violations:
            for line in violations[:50]:
                logger.error("validator: %s", line)
            self.progress.finish(run, self.tr("结果未采用。"))
            self.errors.show_error(
                fill(self.tr("求解结果违反 %1 条规则，未采用。"), len(violations)),
                self.tr("请换一个求解器重试；每条违反的规则已写入日志文件。"))
            self.allocation_finished.emit(None)
            return
        assert self.project is not None
        before = base_placements(self.project)
        store_outcome(self.project, outcome)
        # As `allocator solve` does: households allocated before that now
        # have another unit (or none) are marked and entered in the ledger,
        # so that their orders can be printed again alone.
        changed = mark_changed_units(self.project, before) \
            if outcome.solution is not None else []
        self._mark_dirty()
        note = ""
        if changed:
            self.errors.notice(fill(
                self.tr("重新求解后 %1 户的分配与之前不同（已在“变动”中列出）；"
                        "如已打印过通知书，请在导出时选择“上次重新分配有变动的户”"
                        "重新打印。"), len(changed)), "warning")
        if outcome.solution is None:
            from allocator.allocate import kept_optimal

            note = fill(self.tr("没有得到分配结果（%1），项目中原有的结果保持不变。"),
                        run.get("message") or run["status"])
            if run["status"] == "cancelled":
                note = fill(self.tr("求解在得到完整的分配之前已取消（%1）：该求解器"
                                    "此时给不出可用的解，项目中原有的结果保持不变。"),
                            run.get("message") or run["status"])
            if kept_optimal(run):
                note = fill(self.tr("原有分配已在相同的数据、规则和日期下证明最优；本次"
                                    "求解未证明最优（差距 %1），不替换原有分配。"),
                            gap_percent(run.get("gap") or 0.0))
            self.errors.notice(note, "info" if kept_optimal(run) else "warning")
        elif run["status"] in ("cancelled", "feasible"):
            # A cancel in the last level may come back as "feasible".
            cancelled = run["status"] == "cancelled" or self._cancel_requested
            note = self.tr("求解已取消：显示的是目前找到的最好解，未证明最优。") \
                if cancelled else self.tr(
                    "已到时间上限：显示的是目前找到的最好解，未证明最优。")
            if unplaced:
                waiting = {line.split(" ", 1)[0] for line in unplaced}
                note += fill(self.tr("其中 %1 户仍在轮候，而合适的房源空置或分给了"
                                     "优先级更低的户；求解到最优可纠正。"),
                             len(waiting))
            self.errors.notice(note, "warning")
        self.progress.finish(run, note)
        self.tables.refresh()
        self.map_view.refresh(self.project)
        self._refresh_results()
        if outcome.solution is not None:
            self.docks["kpis"].raise_()
        self._update_title()
        self._update_actions()
        self.allocation_finished.emit(run)

    def _refresh_results(self) -> None:
        self.kpi_panel.set_project(self.project)
        self.unserved.set_project(self.project)
        self.charts.set_project(self.project)
        self.explanation.show_household(self.project, self._selected_household)
        # The dynamic-management panels read tables a project may hold in an
        # unexpected shape; one that fails says so and the others still show.
        for panel, show in (
                (self.history, lambda: self.history.show_household(
                    self.project, self._selected_household, self.today())),
                (self.alerts, lambda: self.alerts.set_project(self.project,
                                                              self.today())),
                (self.changes, lambda: self.changes.set_project(self.project)),
                (self.scenarios, lambda: self.scenarios.set_project(self.project))):
            try:
                show()
            except Exception as exc:  # shown in the message bar and the log
                logger.warning("%s not shown: %r", type(panel).__name__, exc,
                               exc_info=True)
                self.errors.notice(fill(self.tr("部分面板无法显示：%1"), exc),
                                   "warning")

    def today(self) -> dt.date:
        """The day exits, alerts and visits are counted on (tests set it)."""
        return self._today or dt.date.today()

    def _show_alert_marks(self, marks: dict | None = None,
                          visible: bool | None = None) -> None:
        """Ring the alerts' buildings while the alerts dock is on screen."""
        if marks is not None:
            self._alert_marks = marks
        if visible is not None:
            # A dock behind another tab keeps isVisible(); its signal tells.
            self._alerts_on_screen = visible
        marks = self._alert_marks if self._alerts_on_screen else {}
        level_rank = {"red": 0, "yellow": 1, "blue": 2}
        names = {"red": self.tr("红色预警"), "yellow": self.tr("黄色预警"),
                 "blue": self.tr("蓝色预警")}
        self.map_view.show_marks("alerts", {
            unit: (level_rank[level], LEVEL_COLOURS[level],
                   f"{unit} {names[level]}") for unit, level in marks.items()})

    # -- selection between map and tables ----------------------------------------
    def _table_selection(self, table: str, keys: list[str]) -> None:
        if self.project is None or not keys:
            return
        if table == "households":
            self._show_household(keys[0])
        elif table == "members":
            model = self.tables.models["members"]
            self._show_household(str(model.value(keys[0], "household_id")))
        elif table == "housing_units":
            self.map_view.map_scene.show_links(None, [])
            self.map_view.select_units(keys)
        elif table == "facilities":
            self.map_view.map_scene.show_links(None, [])
            self.map_view.select_facility(keys[0])

    def _show_household(self, household_id: str) -> None:
        assert self.project is not None
        self._selected_household = household_id
        unit_id, links = household_links(self.project, household_id)
        self.map_view.show_household(unit_id, links)
        self.explanation.show_household(self.project, household_id)
        self.history.show_household(self.project, household_id, self.today())

    def select_household(self, household_id: str) -> None:
        """Select a household in the table and on the map, and explain it."""
        if self.project is None:
            return
        self.tables.show_table("households").select_keys([household_id])
        self._show_household(household_id)
        self.docks["explanation"].raise_()

    def _map_building(self, unit_ids: list[str]) -> None:
        self.map_view.map_scene.show_links(None, [])
        self.tables.show_table("housing_units").select_keys(unit_ids)

    def _map_facility(self, facility_id: str) -> None:
        self.map_view.map_scene.show_links(None, [])
        self.tables.show_table("facilities").select_keys([facility_id])

    # -- edits ---------------------------------------------------------------------
    def _edit_rejected(self, message: str) -> None:
        self.errors.notice(message, "warning")

    def _after_edit(self, index: int | None = None, *args) -> None:
        self._update_title()
        self._update_actions()
        # The step done or undone: one that leaves the base as it was (a
        # scenario made, solved or deleted; a petition trial) asks for nothing.
        done = self._edit_index
        self._edit_index = self.undo_stack.index()
        step = None
        if isinstance(index, int) and done is not None and index != done:
            step = self.undo_stack.command(index - 1 if index > done else index)
        if getattr(step, "action", None) in NOT_BASE_ACTIONS:
            return
        if self.project is not None and not self.project.base_allocation().empty:
            self.busy_label.setText(self.tr("数据已修改：请重新分配"))

    def apply_rules(self, rules: dict) -> None:
        """Push a rules change on the undo stack (the rules dialog calls this)."""
        from ui.rules_editor import RulesCommand

        assert self.project is not None
        if rules == self.project.rules:
            return
        self.undo_stack.push(RulesCommand(self, copy.deepcopy(self.project.rules),
                                          copy.deepcopy(rules),
                                          self.tr("修改分配规则")))

    def rules_changed(self) -> None:
        """Redraw what depends on the rules (catchment circles)."""
        if self.project is not None:
            self.map_view.map_scene.update_catchments(self.project.rules)
            self.map_view.set_layer_visible(
                "catchment:clinic",
                self.map_view.legend.boxes["catchment:clinic"].isChecked())

    def project_data_changed(self) -> None:
        """Show the project again after a step changed several tables."""
        if self.project is None:
            return
        self.tables.refresh()
        self.map_view.refresh(self.project)
        self._refresh_results()
        self._update_title()
        self._update_actions()

    # -- dynamic management ------------------------------------------------------
    def show_exit_review(self) -> None:
        """List the exit rule's qualifiers; confirm some or all with a date."""
        if self.project is None:
            return
        from ui.dynamic import ExitReviewDialog

        dialog = ExitReviewDialog(self, self.today())
        self.exit_dialog = dialog
        dialog.open()

    def confirm_exits(self, household_ids: list[str], exit_on: dt.date,
                      reason: str, today: dt.date | None = None) -> tuple[bool, str]:
        """Confirm exits (an undoable step); returns (done, what happened)."""
        from allocator.exits import ExitError, confirm_exits

        if self.project is None or self.job is not None:
            return False, self.tr("请等当前任务结束（或取消）后再试。")
        today = today or self.today()
        before = copy_tables(self.project)
        vacant_before = int((self.project.housing_units["status"] == "vacant").sum())
        try:
            confirm_exits(self.project, household_ids, exit_on, today, reason)
        except ExitError as exc:
            return False, fill(self.tr("未确认退出：%1"), exc)
        freed = int((self.project.housing_units["status"] == "vacant").sum()) \
            - vacant_before
        self.undo_stack.push(SnapshotCommand(
            self, fill(self.tr("确认 %1 户退出"), len(household_ids)), "exit", before,
            {"households": list(household_ids), "exit_on": exit_on.isoformat()}))
        self.project_data_changed()
        later = len(household_ids) - freed
        text = fill(self.tr("已确认 %1 户退出：%2 套房已腾空，%3 套在腾退日期腾空。"
                            "运行“重新分配”把腾空的房屋分给轮候户。"),
                    len(household_ids), freed, later)
        self.errors.notice(text)
        return True, text

    def show_register_update(self, path: str | None = None) -> Job | None:
        """Read an updated register in a worker thread and show how it
        differs from the project (nothing changes until the planner applies
        it in the dialog)."""
        if self.project is None:
            return None
        if path is None:
            path, _ = QFileDialog.getOpenFileName(
                self, self.tr("选择更新后的户籍名册"), self._project_folder(),
                self.tr("户籍名册 (*.xlsx *.xls *.csv);;所有文件 (*)"))
            if not path:
                return None
        from allocator.register_update import compare_register

        project, today = self.project, self.today()

        def work(progress, cancelled):
            return compare_register(project, Path(path), today=today)

        return self.run_job("register", self.tr("正在比对户籍名册…"), work,
                            self._register_compared)

    def _project_folder(self) -> str:
        """The open project's folder, else the last one opened, for file
        dialogs."""
        if self.path is not None:
            return str(self.path.parent)
        recent = self.recent_files()
        return str(Path(recent[0]).parent) if recent else ""

    def _register_compared(self, diff) -> None:
        from ui.dynamic import RegisterUpdateDialog

        dialog = RegisterUpdateDialog(self, diff)
        self.register_dialog = dialog
        dialog.open()

    def apply_register_update(self, diff, reason: str,
                              allow_many_removals: bool = False) -> tuple[bool, str]:
        """Apply a compared register update (one undoable step); (done, what
        happened)."""
        from allocator.register_update import (
            RegisterUpdateError,
            apply_register_update,
        )

        if self.project is None or self.job is not None:
            return False, self.tr("请等当前任务结束（或取消）后再试。")
        tables = ("households", "members", "housing_units", "allocations",
                  "service_assignments", "locks")
        before = copy_tables(self.project, tables)
        try:
            apply_register_update(self.project, diff, reason=reason, today=self.today(),
                                  allow_many_removals=allow_many_removals)
        except RegisterUpdateError as exc:
            return False, fill(self.tr("未更新：%1"), core_text(str(exc)))
        self.undo_stack.push(SnapshotCommand(
            self, fill(self.tr("更新户籍名册（%1 户变化）"), len(diff.changes)),
            "register update", before,
            {"file": Path(diff.file).name, "households": len(diff.changes)}))
        self.project_data_changed()
        text = fill(self.tr("已更新 %1 户的户籍登记，每户的变化都已记入台账。"),
                    len(diff.changes))
        if not self.project.base_allocation().empty and not all(
                change.id_numbers_only() for change in diff.changes):
            text += self.tr("现有分配早于这次更新：打印通知书或公示前请运行“重新分配”"
                            "（已安置的户保留原房）；“分配”会重新求解全部户，可能调换许多户。")
        self.errors.notice(text)
        return True, text

    def show_reallocate_dialog(self) -> None:
        """Ask whether moves are allowed (with the move rules), then reallocate."""
        if self.project is None:
            return
        if self.project.base_allocation().empty:
            self.errors.notice(self.tr("请先运行“分配”，再重新分配。"), "warning")
            return
        dialog = ReallocateDialog(self)
        self.reallocate_dialog = dialog
        dialog.open()

    def reallocate(self, allow_moves: bool = False) -> Job | None:
        """Give freed and vacant units to the waiting list in a worker thread;
        nobody already housed moves unless ``allow_moves`` (see
        :func:`_reallocate_job`)."""
        if self.project is None:
            return None
        if self.project.base_allocation().empty:
            self.errors.notice(self.tr("请先运行“分配”，再重新分配。"), "warning")
            return None
        backend = self.backend
        snapshot = copy.deepcopy(self.project)
        job = self.run_job("reallocate", self.tr("正在重新分配……"),
                           _reallocate_job(snapshot, backend, self.time_limit,
                                           self.today(), allow_moves),
                           self._reallocated)
        if job is not None:
            self._solver_started(backend)
        return job

    def _reallocated(self, value) -> None:
        result, violations, snapshot = value
        run = result.outcome.run
        if not result.solved:
            note = fill(self.tr("重新分配没有得到结果（%1），项目保持不变。"),
                        run.get("message") or run["status"])
            self.progress.finish(run, note)
            self.errors.notice(note, "warning")
            self.allocation_finished.emit(None)
            return
        if violations:
            for line in violations[:50]:
                logger.error("validator: %s", line)
            self.progress.finish(run, self.tr("结果未采用。"))
            self.errors.show_error(
                fill(self.tr("重新分配的结果违反 %1 条规则，未采用。"),
                     len(violations)),
                self.tr("请换一个求解器重试；每条违反的规则已写入日志文件。"))
            self.allocation_finished.emit(None)
            return
        assert self.project is not None
        before = copy_tables(self.project)
        for name in before:
            setattr(self.project, name, getattr(snapshot, name))
        new_entries = snapshot.ledger.iloc[len(self.project.ledger):]
        self.project.ledger = pd.concat([self.project.ledger, new_entries],
                                        ignore_index=True)
        counts = result.changes["change"].value_counts().to_dict()
        self.undo_stack.push(SnapshotCommand(
            self, self.tr("重新分配"), "reallocate", before,
            {"run_id": run["run_id"], "changes": counts}))
        self.progress.finish(run, "")
        self.project_data_changed()
        self.busy_label.setText(self.tr("已重新分配：只有“变动”中列出的户有变化"))
        rules = result.move_gains.rules() if result.move_gains is not None else \
            move_rules(snapshot) if result.moves_allowed else None
        self.changes.set_changes(result.changes, len(result.freed_units), rules)
        self.docks["changes"].show()
        self.docks["changes"].raise_()
        self.allocation_finished.emit(run)

    # -- scenarios and petitions ---------------------------------------------------
    def create_scenario(self, name: str, changes: dict, description: str
                        ) -> tuple[bool, str]:
        """Create a scenario from its changes (undoable); (done, message)."""
        from allocator.scenarios import ScenarioError, create

        if self.project is None or self.job is not None:
            return False, self.tr("请等当前任务结束（或取消）后再试。")
        before = copy_tables(self.project, ("scenarios",))
        try:
            create(self.project, name, changes, description, "窗口中新建方案")
        except ScenarioError as exc:
            return False, fill(self.tr("方案未建立：%1"), exc)
        self.undo_stack.push(SnapshotCommand(
            self, fill(self.tr("新建方案 %1"), name), "scenario new", before,
            {"scenario": name}))
        self.scenarios.set_project(self.project)
        self.scenarios.select([name])
        return True, ""

    def solve_scenario(self, name: str) -> Job | None:
        """Solve one scenario on its own data in a worker thread."""
        if self.project is None:
            return None
        from allocator.scenarios import ScenarioError, refuse_unsolvable

        try:
            refuse_unsolvable(self.project, name, self._today)
        except ScenarioError as exc:
            self.errors.notice(str(exc), "warning")
            return None
        snapshot = copy.deepcopy(self.project)
        backend, time_limit = self.backend, self.time_limit

        def work(progress, cancelled):
            from allocator.scenarios import scenario_data, solve
            from allocator.validator import validate_allocation

            def report(level, best, bound, seconds):
                progress((level, best, bound, seconds))

            outcome = solve(snapshot, name, checked=True, backend=backend,
                            time_limit=time_limit, progress=report, cancel=cancelled)
            violations = []
            if outcome.solution is not None:
                from allocator.exits import without_exited

                violations = validate_allocation(
                    without_exited(scenario_data(snapshot, name)), name)
            return outcome, violations, snapshot

        job = self.run_job("scenario", fill(self.tr("正在求解方案 %1……"), name),
                           work, lambda value: self._scenario_solved(name, value))
        if job is not None:
            self._solver_started(backend, show_dock=False)
        return job

    def _solver_started(self, backend: str, show_dock: bool = True) -> None:
        """A solve job started: reset cancel, start the progress view."""
        self._cancel_requested = False
        self.progress.start(backend, CAN_CANCEL.get(backend, True),
                            REPORTS_PROGRESS.get(backend, True))
        if show_dock:
            self.docks["progress"].show()
            self.docks["progress"].raise_()

    def _scenario_solved(self, name: str, value) -> None:
        outcome, violations, snapshot = value
        run = outcome.run
        if outcome.solution is None or violations:
            if violations:
                note = fill(self.tr("方案 %1 的结果违反 %2 条规则，未采用。"), name,
                            len(violations))
            else:
                note = fill(self.tr("方案 %1 没有得到可用的结果（%2），项目保持不变。"),
                            name, run.get("message") or run["status"])
            for line in violations[:50]:
                logger.error("validator: %s", line)
            self.progress.finish(run, note)
            self.errors.notice(note, "warning")
            self.allocation_finished.emit(None)
            return
        self._adopt(snapshot, ("allocations", "service_assignments", "runs"),
                    fill(self.tr("求解方案 %1"), name), "scenario solve",
                    {"scenario": name, "run_id": run["run_id"]})
        note = ""
        if outcome.changes is not None:
            # The base's allocation is a reallocation: so is the scenario's.
            note = fill(self.tr("基准的分配是重新分配，方案 %1 也按重新分配求解："
                                "基准中已安置的户保留住房；%2 户的住房或学位、"
                                "卫生服务与基准不同。"), name, len(outcome.changes))
            self.errors.notice(note, "info")
        self.progress.finish(run, note)
        self.allocation_finished.emit(run)

    def _adopt(self, snapshot: Project, tables: tuple[str, ...], text: str,
               action: str, summary: Any) -> None:
        """Take the tables a worker changed in its copy, with its ledger
        entries, as one undoable step."""
        assert self.project is not None
        before = copy_tables(self.project, tables)
        for name in tables:
            setattr(self.project, name, getattr(snapshot, name))
        new_entries = snapshot.ledger.iloc[len(self.project.ledger):]
        self.project.ledger = pd.concat([self.project.ledger, new_entries],
                                        ignore_index=True)
        self.undo_stack.push(SnapshotCommand(self, text, action, before, summary))
        self.project_data_changed()

    def promote_scenario(self, name: str) -> tuple[bool, str]:
        """Make a solved scenario the base (undoable); (done, message)."""
        from allocator.scenarios import (
            ScenarioError,
            names,
            promote,
            units_taken,
            without_id_numbers,
        )

        if self.project is None or self.job is not None:
            return False, self.tr("请等当前任务结束（或取消）后再试。")
        tables = ("facilities", "housing_units", "households", "members", "rules",
                  "runs", "allocations", "service_assignments", "scenarios")
        before = copy_tables(self.project, tables)
        taken = units_taken(self.project, name) if name in names(self.project) \
            else []
        try:
            promote(self.project, name, "窗口中采用方案为基准")
        except ScenarioError as exc:
            return False, fill(self.tr("未采用：%1"), exc)
        self.undo_stack.push(SnapshotCommand(
            self, fill(self.tr("采用方案 %1 为基准"), name), "scenario promote", before,
            {"scenario": name}))
        self.project_data_changed()
        self.map_view.show_marks("scenarios", {})
        text = fill(self.tr("方案 %1 已采用为基准（可撤销）。"), name)
        if taken:
            shown = "、".join(f"{h}（{u} → {v or self.tr('无')}）"
                             for h, u, v in taken[:10])
            text += fill(self.tr("注意：%1 户在原基准中已分得的住房被收回或更换：%2"
                                 "。如非本意，请撤销。"),
                         len(taken), shown + ("……" if len(taken) > 10 else ""))
        blank = without_id_numbers(self.project)
        if blank:
            text += fill(self.tr("注意：%1 户有成员没有身份证号（%2），其分配通知书"
                                 "和公示名单中以“—”代替；请用补全号码的户籍名册更新"
                                 "（动态管理 → 更新户籍名册）。"),
                         len(blank), "、".join(blank[:10])
                         + ("……" if len(blank) > 10 else ""))
        return True, text

    def delete_scenarios(self, names: list[str]) -> tuple[bool, str]:
        """Delete scenarios and their allocations (undoable)."""
        from allocator.scenarios import ScenarioError, delete

        if self.project is None or self.job is not None:
            return False, self.tr("请等当前任务结束（或取消）后再试。")
        before = copy_tables(self.project, ("scenarios", "allocations",
                                            "service_assignments"))
        try:
            for name in names:
                delete(self.project, name, "窗口中删除方案")
        except ScenarioError as exc:
            for key, value in before.items():
                setattr(self.project, key, value)
            return False, fill(self.tr("未删除：%1"), exc)
        self.undo_stack.push(SnapshotCommand(
            self, fill(self.tr("删除方案 %1"), "、".join(names)), "scenario delete",
            before, {"scenarios": names}))
        self.project_data_changed()
        return True, fill(self.tr("已删除 %1 个方案（可撤销）。"), len(names))

    def show_petition_dialog(self) -> None:
        """Try a household's petition on the base allocation."""
        if self.project is None:
            return
        from ui.scenarios_panel import PetitionDialog

        dialog = PetitionDialog(self, self._selected_household)
        self.petition_dialog = dialog
        dialog.open()

    def try_petition(self, household_id: str, request: dict, dialog) -> Job | None:
        """Run a petition trial in a worker thread; ``dialog`` shows it."""
        if self.project is None:
            return None
        snapshot = copy.deepcopy(self.project)
        backend, time_limit, today = self.backend, self.time_limit, self.today()

        def work(progress, cancelled):
            from allocator.petition import PetitionError, try_petition

            try:
                return try_petition(snapshot, household_id, today=today,
                                    backend=backend, time_limit=time_limit,
                                    cancel=cancelled, **request)
            except PetitionError as exc:
                return exc

        def done(value) -> None:
            if isinstance(value, Exception):
                dialog.show_failure(fill(self.tr("不能试算：%1"), value))
            else:
                dialog.show_trial(value)

        job = self.run_job("petition", self.tr("正在信访试算……"), work, done)
        if job is None:
            dialog.show_failure(self.tr("请等当前任务结束（或取消）后再试。"))
        return job

    def keep_petition(self, trial, name: str) -> tuple[bool, str]:
        """Keep a petition trial as a scenario (undoable)."""
        from allocator.petition import save_trial
        from allocator.scenarios import ScenarioError

        if self.project is None or self.job is not None:
            return False, self.tr("请等当前任务结束（或取消）后再试。")
        if not name:
            return False, self.tr("请填写方案名称。")
        before = copy_tables(self.project, ("scenarios", "allocations",
                                            "service_assignments", "runs",
                                            "households"))
        try:
            save_trial(self.project, trial, name)
        except ScenarioError as exc:
            return False, fill(self.tr("未保存：%1"), exc)
        self.undo_stack.push(SnapshotCommand(
            self, fill(self.tr("保存信访试算为方案 %1"), name), "petition trial",
            before, {"scenario": name}))
        self.project_data_changed()
        return True, fill(self.tr("已保存为方案 %1，可在“方案”中与基准比较。"), name)

    def locks_changed(self) -> None:
        """Show the project's locks again after a lock was added or removed."""
        dialog = getattr(self, "rules_dialog", None)
        if dialog is not None:
            dialog.show_locks()
        if self.project is not None and not self.project.base_allocation().empty:
            self.busy_label.setText(self.tr("数据已修改：请重新分配"))

    # -- dialogs ------------------------------------------------------------------
    def show_import_wizard(self) -> None:
        """Create a project from registers and spatial files."""
        if not self._may_discard():
            return
        from ui.import_wizard import ImportWizard

        wizard = ImportWizard(self)
        wizard.project_created.connect(self._imported)
        self.import_wizard = wizard
        wizard.open()

    def _imported(self, project: Project, path: str) -> None:
        self.set_project(project, Path(path))

    def show_rules_dialog(self) -> None:
        """Edit the allocation rules."""
        if self.project is None:
            return
        from ui.rules_editor import RulesDialog

        dialog = RulesDialog(self.project.rules, self, window=self)
        dialog.accepted.connect(lambda: self.apply_rules(dialog.rules()))
        self.rules_dialog = dialog
        dialog.open()

    def selected_households(self) -> list[str]:
        """Households selected in the households table."""
        return self.tables.tabs["households"].selected_keys()

    def show_export_dialog(self) -> None:
        """Export orders (PDF) and the Excel workbook."""
        if self.project is None:
            return
        from ui.export_dialog import ExportDialog

        dialog = ExportDialog(self.project, self.selected_households(), self.path,
                              self)
        dialog.exported.connect(self._exported)
        self.export_dialog = dialog
        dialog.open()

    def _exported(self, pdf: str, xlsx: str) -> None:
        assert self.project is not None
        dialog = getattr(self, "export_dialog", None)
        households = dialog.households() if dialog is not None else None
        after = {"pdf": pdf or None, "xlsx": xlsx or None}
        if households is not None:
            after["households"] = households
        self.project.log("export", "scenario base", after=after,
                         reason="exported from the window")
        summary = getattr(dialog, "notice_summary", None)
        if dialog is not None and dialog.notice_path and summary is not None:
            self.project.log("notice", "scenario base",
                             after={"pdf": dialog.notice_path, **summary},
                             reason="public notice printed from the window")
        self._mark_dirty()

    def show_log_path(self) -> None:
        """Tell where the log file is."""
        QMessageBox.information(self, self.tr("日志文件"), fill(
            self.tr("完整的运行记录和错误记录写在：\n%1"), log_file()))

    def show_about(self) -> None:
        """Version and purpose."""
        QMessageBox.about(self, self.tr("关于"), self.tr(
            "安置分配优化：为县安置办分配安置房、学位和卫生服务。\n"
            "项目文件为 GeoPackage，可在 QGIS 中打开。"))

    # -- closing -------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if self.job is not None:
            if self.interactive:
                answer = QMessageBox.question(
                    self, self.tr("任务进行中"),
                    self.tr("有任务正在进行。停止该任务并退出吗？"))
                if answer != QMessageBox.StandardButton.Yes:
                    event.ignore()
                    return
            self.job.cancel()
            self.job.wait(60000)
        if self._autosave_job is not None:
            self._autosave_job.wait(60000)
        if not self._may_discard():
            event.ignore()
            return
        self.save_layout()
        event.accept()
