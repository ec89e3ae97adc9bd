"""The tables of households, members, housing units and facilities.

Each tab has a filter box (matches any column), a row count, and a view
sorted by clicking a header. Editable cells open a line edit or a list of
allowed values; the model validates and records the edit for undo.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import (
    QAbstractItemModel,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from allocator.project import Project
from ui.language import fill
from ui.models import (
    KEY_ROLE,
    TABLE_TITLES,
    FrameTableModel,
    TableFilterProxy,
    choice_items,
    translate,
)

logger = logging.getLogger(__name__)

TABLE_ORDER = ("households", "members", "housing_units", "facilities")



RESIZE_ROWS = 100
"""Rows whose text sets a table column's width (see ``_after_reset``)."""

class CellDelegate(QStyledItemDelegate):
    """A list of allowed values for choice and yes/no cells, text otherwise."""

    def _column(self, index: QModelIndex | QPersistentModelIndex):
        proxy = index.model()
        source = proxy.sourceModel() if hasattr(proxy, "sourceModel") else proxy
        return source.columns[index.column()]

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem,  # noqa: N802
                     index: QModelIndex | QPersistentModelIndex) -> QWidget:
        column = self._column(index)
        if column.kind in ("choice", "bool"):
            editor = QComboBox(parent)
            for stored, label in choice_items(column):
                editor.addItem(label, stored)
            return editor
        editor = QLineEdit(parent)
        if column.kind == "date":
            editor.setPlaceholderText("YYYY-MM-DD")
        return editor

    def setEditorData(self, editor: QWidget,  # noqa: N802
                      index: QModelIndex | QPersistentModelIndex) -> None:
        value = index.data(Qt.ItemDataRole.EditRole)
        if isinstance(editor, QComboBox):
            position = editor.findData(value)
            editor.setCurrentIndex(max(position, 0))
        elif isinstance(editor, QLineEdit):
            if value is None:
                editor.setText("")
            elif isinstance(value, float) and value.is_integer():
                editor.setText(f"{value:.0f}")
            else:
                editor.setText(str(value))

    def setModelData(self, editor: QWidget, model: QAbstractItemModel,  # noqa: N802
                     index: QModelIndex | QPersistentModelIndex) -> None:
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)
        elif isinstance(editor, QLineEdit):
            model.setData(index, editor.text(), Qt.ItemDataRole.EditRole)


class TableTab(QWidget):
    """One table with its filter box and row count."""

    selection_changed = Signal(str, list)

    def __init__(self, model: FrameTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.proxy = TableFilterProxy(self)
        self.proxy.setSourceModel(model)
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setPlaceholderText(self.tr("筛选：输入户号、姓名、房号等任意内容"))
        self.filter_edit.setClearButtonEnabled(True)
        # Filtering 18,000 members reads every cell: wait for a pause in
        # typing rather than filtering on each key.
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(250)
        self._filter_timer.timeout.connect(
            lambda: self._filter(self.filter_edit.text()))
        self.filter_edit.textChanged.connect(self._filter_timer.start)
        self.count_label = QLabel(self)
        self.view = QTableView(self)
        self.view.setObjectName(f"table_{model.table}")
        self.view.setModel(self.proxy)
        self.view.setItemDelegate(CellDelegate(self.view))
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(
            QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.view.verticalHeader().setDefaultSectionSize(
            self.view.fontMetrics().height() + 8)
        self.view.horizontalHeader().setSectionsMovable(True)
        self.view.horizontalHeader().setHighlightSections(False)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.horizontalHeader().setMinimumSectionSize(36)
        self.view.selectionModel().selectionChanged.connect(self._selection)
        self._syncing = False
        model.modelReset.connect(self._after_reset)
        self.proxy.rowsInserted.connect(self._count)

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.filter_edit, 1)
        top.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        self._count()

    def _filter(self, text: str) -> None:
        self.proxy.set_text(text)
        self._count()

    def _count(self, *args) -> None:
        total = self.model.rowCount()
        shown = self.proxy.rowCount()
        if shown == total:
            self.count_label.setText(fill(self.tr("%1 行"), f"{total:,}"))
        else:
            self.count_label.setText(fill(self.tr("%1 / %2 行"), f"{shown:,}",
                                          f"{total:,}"))

    def _after_reset(self) -> None:
        self._count()
        # Widths from the rows in view and some around them (Qt's default
        # reads 1,000 rows of every column: 1 s after each solve of the
        # sample county, the window frozen meanwhile).
        self.view.horizontalHeader().setResizeContentsPrecision(RESIZE_ROWS)
        self.view.resizeColumnsToContents()
        header = self.view.horizontalHeader()
        for section in range(header.count()):
            header.resizeSection(section, min(header.sectionSize(section), 220))

    def _selection(self, *args) -> None:
        if self._syncing:
            return
        self.selection_changed.emit(self.model.table, self.selected_keys())

    def selected_keys(self) -> list[str]:
        """Keys of the selected rows, in view order."""
        rows = self.view.selectionModel().selectedRows()
        rows = sorted(rows, key=lambda i: i.row())
        return [str(i.data(KEY_ROLE)) for i in rows]

    def select_keys(self, keys: list[str], scroll: bool = True) -> None:
        """Select rows by key without announcing it (the map asked)."""
        self._syncing = True
        try:
            selection = QItemSelection()
            first = None
            missing = False
            for key in keys:
                row = self.model.row_of(key)
                if row is None:
                    continue
                index = self.proxy.mapFromSource(self.model.index(row, 0))
                if not index.isValid():
                    missing = True
                    continue
                selection.select(index, index)
                first = first or index
            if missing and self.filter_edit.text():
                self.filter_edit.clear()
                self._filter_timer.stop()
                self._filter("")
                self._syncing = False
                self.select_keys(keys, scroll)
                return
            flags = (QItemSelectionModel.SelectionFlag.ClearAndSelect
                     | QItemSelectionModel.SelectionFlag.Rows)
            self.view.selectionModel().select(selection, flags)
            if first is not None:
                self.view.selectionModel().setCurrentIndex(
                    first, QItemSelectionModel.SelectionFlag.NoUpdate)
                if scroll:
                    self.view.scrollTo(first,
                                       QAbstractItemView.ScrollHint.PositionAtCenter)
        finally:
            self._syncing = False


class TablePanel(QTabWidget):
    """The four tables in tabs, sharing one undo stack.

    Signals
    -------
    selection_changed(str, list)
        Table name and selected keys, when the user selects rows.
    """

    selection_changed = Signal(str, list)

    def __init__(self, undo_stack: QUndoStack, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDocumentMode(True)
        self.models: dict[str, FrameTableModel] = {}
        self.tabs: dict[str, TableTab] = {}
        for table in TABLE_ORDER:
            model = FrameTableModel(table, undo_stack, self)
            tab = TableTab(model, self)
            tab.selection_changed.connect(self.selection_changed)
            self.models[table] = model
            self.tabs[table] = tab
            self.addTab(tab, translate("Tables", TABLE_TITLES[table]))
        self.models["members"].set_partner("households", self.models["households"])
        self.models["households"].set_partner("members", self.models["members"])

    def set_project(self, project: Project | None) -> None:
        """Show ``project`` in every table."""
        for model in self.models.values():
            model.set_project(project)

    def refresh(self) -> None:
        """Re-read every table (after an allocation or a reload)."""
        for tab in self.tabs.values():
            keys = tab.selected_keys()
            tab.model.refresh()
            if keys:
                tab.select_keys(keys, scroll=False)

    def set_read_only(self, read_only: bool) -> None:
        """Refuse edits while a job works on a copy of the project."""
        for model in self.models.values():
            model.read_only = read_only

    def show_table(self, table: str) -> TableTab:
        """Bring a table's tab to the front."""
        tab = self.tabs[table]
        self.setCurrentWidget(tab)
        return tab

    def current_table(self) -> str:
        """The table in front."""
        widget = self.currentWidget()
        for table, tab in self.tabs.items():
            if tab is widget:
                return table
        return TABLE_ORDER[0]
