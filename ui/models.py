"""Table models over the project's frames, with validated, undoable edits.

One :class:`FrameTableModel` shows one table of the project (households,
members, housing units or facilities). Values are cached per column as
Python lists, so sorting and filtering 18,000 members through a
:class:`QSortFilterProxyModel` stays fast. Every edit is validated first, then
pushed to the window's :class:`QUndoStack` as an :class:`EditCommand` and
written to the project's ledger (an undo is a new ledger entry, never a
rewrite).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass
from typing import Any

import pandas as pd
from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QUndoCommand, QUndoStack

from allocator import idnumber
from allocator.importer import CATEGORIES
from allocator.project import Project
from allocator.rules import age_on

logger = logging.getLogger(__name__)

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
KEY_ROLE = Qt.ItemDataRole.UserRole + 2
ANY_INDEX = QModelIndex | QPersistentModelIndex

HEAD = "户主"


def translate(context: str, text: str) -> str:
    """Qt translation of a string marked with ``QT_TRANSLATE_NOOP``."""
    return QCoreApplication.translate(context, text)


@dataclass(frozen=True)
class Column:
    """How one column is shown and edited.

    ``kind`` is text, int, float, bool, date or choice; ``choices`` holds
    (stored value, untranslated label) pairs of a choice column; ``derived``
    columns are computed from other tables and never edited.
    """

    key: str
    header: str
    kind: str = "text"
    editable: bool = False
    choices: tuple[tuple[Any, str], ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    derived: bool = False

    def label(self, value: Any) -> str:
        """The translated label of a choice value."""
        for stored, text in self.choices:
            if stored == value:
                return translate("Choices", text)
        return "" if value is None else str(value)


YES_NO = ((True, QT_TRANSLATE_NOOP("Choices", "是")),
          (False, QT_TRANSLATE_NOOP("Choices", "否")))
RESULT_KINDS = (
    ("existing", QT_TRANSLATE_NOOP("Choices", "既有安置")),
    ("allocated", QT_TRANSLATE_NOOP("Choices", "本次分配")),
    ("waiting", QT_TRANSLATE_NOOP("Choices", "轮候")),
    ("exited", QT_TRANSLATE_NOOP("Choices", "已退出")),
    (None, QT_TRANSLATE_NOOP("Choices", "未分配")),
)
UNIT_STATUS = (
    ("vacant", QT_TRANSLATE_NOOP("Choices", "空置")),
    ("occupied", QT_TRANSLATE_NOOP("Choices", "已入住")),
    ("reserved", QT_TRANSLATE_NOOP("Choices", "预留")),
    ("repair", QT_TRANSLATE_NOOP("Choices", "维修中")),
)
FACILITY_KINDS = (
    ("kindergarten", QT_TRANSLATE_NOOP("Choices", "幼儿园")),
    ("primary", QT_TRANSLATE_NOOP("Choices", "小学")),
    ("junior", QT_TRANSLATE_NOOP("Choices", "初中")),
    ("clinic", QT_TRANSLATE_NOOP("Choices", "卫生服务")),
)
SEXES = (("男", QT_TRANSLATE_NOOP("Choices", "男")),
         ("女", QT_TRANSLATE_NOOP("Choices", "女")))


TABLES: dict[str, tuple[str, tuple[Column, ...]]] = {
    "households": ("household_id", (
        Column("household_id", QT_TRANSLATE_NOOP("Columns", "户号")),
        Column("head_name", QT_TRANSLATE_NOOP("Columns", "户主"), derived=True),
        Column("size", QT_TRANSLATE_NOOP("Columns", "人数"), "int"),
        Column("category", QT_TRANSLATE_NOOP("Columns", "安置类别"), "choice",
               editable=True, choices=tuple((c, c) for c in CATEGORIES)),
        Column("priority", QT_TRANSLATE_NOOP("Columns", "优先级得分"), "int"),
        Column("result", QT_TRANSLATE_NOOP("Columns", "分配结果"), "choice",
               choices=RESULT_KINDS, derived=True),
        Column("unit_id", QT_TRANSLATE_NOOP("Columns", "房号"), derived=True),
        Column("origin_township", QT_TRANSLATE_NOOP("Columns", "原居住乡镇"),
               editable=True),
        Column("origin_village", QT_TRANSLATE_NOOP("Columns", "原居住村"),
               editable=True),
        Column("current_township", QT_TRANSLATE_NOOP("Columns", "现属乡镇"),
               editable=True),
        Column("annual_income", QT_TRANSLATE_NOOP("Columns", "年收入（元）"),
               "float", editable=True, minimum=0, maximum=10_000_000),
        Column("stable_job_years", QT_TRANSLATE_NOOP("Columns", "稳定就业年限"),
               "float", editable=True, minimum=0, maximum=60),
        Column("waiting_since", QT_TRANSLATE_NOOP("Columns", "轮候登记日期"),
               "date", editable=True),
        Column("needs_accessible", QT_TRANSLATE_NOOP("Columns", "需无障碍住房"),
               "bool", editable=True, choices=YES_NO),
        Column("preferred_sites", QT_TRANSLATE_NOOP("Columns", "意向安置点")),
        Column("wants_low_floor", QT_TRANSLATE_NOOP("Columns", "低楼层意愿"), "bool",
               choices=YES_NO),
    )),
    "members": ("member_id", (
        Column("member_id", QT_TRANSLATE_NOOP("Columns", "成员编号")),
        Column("household_id", QT_TRANSLATE_NOOP("Columns", "户号")),
        Column("name", QT_TRANSLATE_NOOP("Columns", "姓名"), editable=True),
        Column("relationship", QT_TRANSLATE_NOOP("Columns", "与户主关系"),
               editable=True),
        Column("sex", QT_TRANSLATE_NOOP("Columns", "性别"), "choice",
               editable=True, choices=SEXES),
        Column("birth_date", QT_TRANSLATE_NOOP("Columns", "出生日期"), "date",
               editable=True),
        Column("age", QT_TRANSLATE_NOOP("Columns", "年龄"), "int", derived=True),
        Column("id_number", QT_TRANSLATE_NOOP("Columns", "身份证号"),
               editable=True),
        Column("disability", QT_TRANSLATE_NOOP("Columns", "残疾"), editable=True),
        Column("school", QT_TRANSLATE_NOOP("Columns", "学校"), derived=True),
        Column("clinic", QT_TRANSLATE_NOOP("Columns", "卫生服务"), derived=True),
    )),
    "housing_units": ("unit_id", (
        Column("unit_id", QT_TRANSLATE_NOOP("Columns", "房号")),
        Column("site_id", QT_TRANSLATE_NOOP("Columns", "安置点编号")),
        Column("building", QT_TRANSLATE_NOOP("Columns", "楼栋")),
        Column("floor", QT_TRANSLATE_NOOP("Columns", "楼层"), "int", editable=True,
               minimum=-5, maximum=100),
        Column("area_m2", QT_TRANSLATE_NOOP("Columns", "面积（m²）"), "float",
               editable=True, minimum=1, maximum=1000),
        Column("accessible", QT_TRANSLATE_NOOP("Columns", "无障碍"), "bool",
               editable=True, choices=YES_NO),
        Column("status", QT_TRANSLATE_NOOP("Columns", "状态"), "choice",
               editable=True, choices=UNIT_STATUS),
        Column("household_id", QT_TRANSLATE_NOOP("Columns", "现住户号")),
        Column("placed_on", QT_TRANSLATE_NOOP("Columns", "入住日期")),
        Column("allocated", QT_TRANSLATE_NOOP("Columns", "本次分配户号"),
               derived=True),
    )),
    "facilities": ("facility_id", (
        Column("facility_id", QT_TRANSLATE_NOOP("Columns", "设施编号")),
        Column("name", QT_TRANSLATE_NOOP("Columns", "名称"), editable=True),
        Column("kind", QT_TRANSLATE_NOOP("Columns", "类型"), "choice",
               choices=FACILITY_KINDS),
        Column("type_label", QT_TRANSLATE_NOOP("Columns", "原始类型")),
        Column("capacity", QT_TRANSLATE_NOOP("Columns", "容量"), "int",
               editable=True, minimum=0, maximum=1_000_000),
        Column("used", QT_TRANSLATE_NOOP("Columns", "已分配"), "int",
               derived=True),
        Column("note", QT_TRANSLATE_NOOP("Columns", "说明"), editable=True),
    )),
}
TABLE_TITLES = {
    "households": QT_TRANSLATE_NOOP("Tables", "安置户"),
    "members": QT_TRANSLATE_NOOP("Tables", "家庭成员"),
    "housing_units": QT_TRANSLATE_NOOP("Tables", "安置房"),
    "facilities": QT_TRANSLATE_NOOP("Tables", "公共服务设施"),
}


def _plain(value: Any) -> Any:
    """A JSON- and comparison-friendly Python value (NaN and NA become None)."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


class EditRejected(ValueError):
    """An edit that breaks a rule; the message (translated) says how to fix it."""


class EditCommand(QUndoCommand):
    """Set one cell (and the cells that must change with it); undo sets them
    back. Both directions go to the ledger.

    The cells that change together are kept in ``together`` rather than as
    Qt child commands, whose Python side could be collected while the stack
    still holds them.
    """

    def __init__(self, model: "FrameTableModel", key: str, column: str,
                 before: Any, after: Any, text: str) -> None:
        super().__init__(text)
        self.model = model
        self.key = key
        self.column = column
        self.before = before
        self.after = after
        self.together: list[tuple["FrameTableModel", str, str, Any, Any]] = []

    def redo(self) -> None:  # noqa: D102 - Qt override
        self.model.apply(self.key, self.column, self.after, "edit")
        for model, key, column, _before, after in self.together:
            model.apply(key, column, after, "edit")

    def undo(self) -> None:  # noqa: D102 - Qt override
        for model, key, column, before, _after in reversed(self.together):
            model.apply(key, column, before, "undo")
        self.model.apply(self.key, self.column, self.before, "undo")


class FrameTableModel(QAbstractTableModel):
    """One table of a project, for a :class:`QTableView`.

    Signals
    -------
    edited(str, str, str)
        Table, row key and column after a cell changed (edit, undo or redo).
    edit_rejected(str)
        The translated reason an edit was refused.
    """

    edited = Signal(str, str, str)
    edit_rejected = Signal(str)

    def __init__(self, table: str, undo_stack: QUndoStack,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.table = table
        self.key_column, self.columns = TABLES[table]
        self.undo_stack = undo_stack
        self.project: Project | None = None
        self.read_only = False
        self.highlight: set[str] = set()
        self._cache: dict[str, list[Any]] = {}
        self._keys: list[str] = []
        self._row_of: dict[str, int] = {}
        self._partners: dict[str, "FrameTableModel"] = {}

    # -- data ---------------------------------------------------------------
    def set_project(self, project: Project | None) -> None:
        """Show ``project`` (or nothing)."""
        self.beginResetModel()
        self.project = project
        self._rebuild()
        self.endResetModel()

    def set_partner(self, table: str, model: "FrameTableModel") -> None:
        """Another table's model that an edit here can change too."""
        self._partners[table] = model

    def refresh(self) -> None:
        """Re-read the frame after the project changed outside the model."""
        self.beginResetModel()
        self._rebuild()
        self.endResetModel()

    def frame(self) -> pd.DataFrame:
        """The project's frame behind this model."""
        assert self.project is not None
        return getattr(self.project, self.table)

    def _rebuild(self) -> None:
        self._cache = {}
        self._keys = []
        self._row_of = {}
        if self.project is None:
            return
        frame = self.frame()
        self._keys = [str(k) for k in frame[self.key_column].tolist()]
        self._row_of = {k: i for i, k in enumerate(self._keys)}
        derived = self._derived(frame)
        for column in self.columns:
            if column.derived:
                values = derived[column.key]
            else:
                values = [_plain(v) for v in frame[column.key].tolist()]
            self._cache[column.key] = values

    def _derived(self, frame: pd.DataFrame) -> dict[str, list[Any]]:
        project = self.project
        assert project is not None
        allocations = project.allocations[project.allocations["scenario"] == "base"]
        services = project.service_assignments[
            (project.service_assignments["scenario"] == "base")
            & project.service_assignments["facility_id"].notna()]
        if self.table == "households":
            heads = project.members[project.members["relationship"] == HEAD]
            head_of = dict(zip(heads["household_id"], heads["name"]))
            kind_of = dict(zip(allocations["household_id"], allocations["kind"]))
            unit_of = dict(zip(allocations["household_id"], allocations["unit_id"]))
            occupied = project.housing_units.dropna(subset=["household_id"])
            existing = dict(zip(occupied["household_id"], occupied["unit_id"]))
            ids = frame["household_id"].tolist()
            if "exited_on" in frame.columns:  # left the programme (exit rule)
                for h, day in zip(ids, frame["exited_on"].tolist()):
                    if isinstance(day, str) and day and h not in kind_of:
                        kind_of[h] = "exited"
            return {
                "head_name": [head_of.get(h) for h in ids],
                "result": [kind_of.get(h) for h in ids],
                "unit_id": [_plain(unit_of.get(h, existing.get(h))) for h in ids],
            }
        if self.table == "members":
            today = dt.date.today()
            names = dict(zip(project.facilities["facility_id"],
                             project.facilities["name"]))
            school = services[services["kind"] != "clinic"]
            clinic = services[services["kind"] == "clinic"]
            school_of = dict(zip(school["member_id"], school["facility_id"]))
            clinic_of = dict(zip(clinic["member_id"], clinic["facility_id"]))
            ids = frame["member_id"].tolist()
            return {
                "age": [_age(b, today) for b in frame["birth_date"].tolist()],
                "school": [names.get(school_of.get(m)) for m in ids],
                "clinic": [names.get(clinic_of.get(m)) for m in ids],
            }
        if self.table == "housing_units":
            new = allocations[allocations["kind"] == "allocated"]
            holder = dict(zip(new["unit_id"], new["household_id"]))
            return {"allocated": [holder.get(u) for u in frame["unit_id"].tolist()]}
        if self.table == "facilities":
            used = services.groupby("facility_id").size().to_dict()
            return {"used": [int(used.get(f, 0))
                             for f in frame["facility_id"].tolist()]}
        return {}

    # -- Qt model interface ---------------------------------------------------
    def rowCount(self, parent: ANY_INDEX = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._keys)

    def columnCount(self, parent: ANY_INDEX = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            if role == Qt.ItemDataRole.DisplayRole:
                return str(section + 1)
            return None
        column = self.columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return translate("Columns", column.header)
        if role == Qt.ItemDataRole.ToolTipRole and column.editable:
            return self.tr("可编辑：双击单元格修改，Ctrl+Z 撤销")
        return None

    def flags(self, index: ANY_INDEX) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self.columns[index.column()].editable and not self.read_only:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: ANY_INDEX, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        column = self.columns[index.column()]
        value = self._cache[column.key][index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.display(column, value)
        if role == Qt.ItemDataRole.EditRole:
            return value
        if role == SORT_ROLE:
            return _sort_value(column, value)
        if role == KEY_ROLE:
            return self._keys[index.row()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column.kind in ("int", "float"):
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        if role == Qt.ItemDataRole.BackgroundRole:
            if self._keys[index.row()] in self.highlight:
                return QBrush(QColor("#ffe9a8"))
            return None
        if role == Qt.ItemDataRole.ToolTipRole and column.key == "id_number":
            return self.tr("身份证号：18位，最后一位可为X；须与出生日期和性别一致")
        return None

    def display(self, column: Column, value: Any) -> str:
        """The text shown in a cell."""
        if column.kind in ("choice", "bool"):
            return column.label(value) if value is not None or column.choices else ""
        if value is None:
            return ""
        if column.kind == "float":
            return f"{value:,.2f}".rstrip("0").rstrip(".") if value % 1 else \
                f"{value:,.0f}"
        if column.kind == "int":
            return f"{int(value)}"
        return str(value)

    def setData(self, index: ANY_INDEX, value: Any,  # noqa: N802
                role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        column = self.columns[index.column()]
        key = self._keys[index.row()]
        return self.edit(key, column.key, value)

    # -- edits ----------------------------------------------------------------
    def key_at(self, row: int) -> str:
        """The row key (户号, 成员编号, 房号 or 设施编号) of a source row."""
        return self._keys[row]

    def row_of(self, key: str) -> int | None:
        """The source row of a key, or None."""
        return self._row_of.get(key)

    def column_index(self, key: str) -> int:
        """Position of a column key."""
        for i, column in enumerate(self.columns):
            if column.key == key:
                return i
        raise KeyError(key)

    def value(self, key: str, column: str) -> Any:
        """The cached value of one cell."""
        return self._cache[column][self._row_of[key]]

    def edit(self, key: str, column_key: str, raw: Any) -> bool:
        """Validate and apply one edit through the undo stack.

        Returns False (and emits ``edit_rejected``) when the value breaks a
        rule.
        """
        column = next(c for c in self.columns if c.key == column_key)
        if self.project is None or not column.editable or self.read_only:
            return False
        before = self.value(key, column_key)
        try:
            after = self.parse(column, raw)
            self.validate(key, column, after)
        except EditRejected as exc:
            message = self.tr("%1 %2 的“%3”未修改：%4").replace(
                "%1", translate("Tables", TABLE_TITLES[self.table])).replace(
                "%2", key).replace("%3", translate("Columns", column.header)).replace(
                "%4", str(exc))
            logger.info("edit refused: %s %s %s = %r: %s", self.table, key,
                        column_key, raw, exc)
            self.edit_rejected.emit(message)
            return False
        if after == before:
            return True
        text = self.tr("修改 %1 的%2").replace("%1", key).replace(
            "%2", translate("Columns", column.header))
        command = EditCommand(self, key, column_key, before, after, text)
        for partner, partner_key, partner_column, old, new in self._follow_ups(
                key, column_key, after):
            command.together.append((partner, partner_key, partner_column, old, new))
        self.undo_stack.push(command)
        return True

    def _follow_ups(self, key: str, column: str, after: Any):
        """Edits that must go with this one (in the same undo step)."""
        if self.table == "members" and column == "disability":
            households = self._partners.get("households")
            if households is None or self.project is None:
                return []
            household_id = self.value(key, "household_id")
            members = self.project.members
            others = members[(members["household_id"] == household_id)
                             & (members["member_id"] != key)]["disability"].tolist()
            needing = set(self.project.rules["accessible_disabilities"])
            needs = bool(needing & set(others + [after]))
            old = households.value(household_id, "needs_accessible")
            if bool(old) != needs:
                return [(households, household_id, "needs_accessible", old, needs)]
        return []

    def apply(self, key: str, column_key: str, value: Any, action: str) -> None:
        """Write one value to the project (called by :class:`EditCommand`)."""
        assert self.project is not None
        frame = self.frame()
        positions = frame.index[frame[self.key_column] == key]
        if len(positions) != 1:
            raise KeyError(f"{self.table}: {key}")
        before = _plain(frame.at[positions[0], column_key])
        stored = value
        if value is None and frame[column_key].dtype == "float64":
            stored = float("nan")
        frame.at[positions[0], column_key] = stored
        row = self._row_of[key]
        self._cache[column_key][row] = value
        if self.table == "members" and column_key == "birth_date":
            self._cache["age"][row] = _age(value, dt.date.today())
        self.project.log(
            "edit" if action == "edit" else "undo edit",
            f"{self.table} {key} {column_key}", before=before, after=value,
            reason="窗口中编辑" if action == "edit" else "窗口中撤销或重做")
        first = self.index(row, 0)
        last = self.index(row, len(self.columns) - 1)
        self.dataChanged.emit(first, last)
        self.edited.emit(self.table, key, column_key)

    def parse(self, column: Column, raw: Any) -> Any:
        """Turn what an editor delivered into the stored type."""
        if isinstance(raw, str):
            raw = raw.strip()
        if column.kind == "text":
            return "" if raw is None else str(raw)
        if column.kind in ("int", "float"):
            if raw in (None, ""):
                if column.kind == "float" and column.key != "area_m2":
                    return None
                raise EditRejected(self.tr("请填写一个数"))
            try:
                number = float(str(raw).replace(",", "").replace("，", ""))
            except ValueError as exc:
                raise EditRejected(self.tr("“%1”不是数字").replace(
                    "%1", str(raw))) from exc
            if column.kind == "int" and not number.is_integer():
                raise EditRejected(self.tr("请填写整数"))
            if column.minimum is not None and number < column.minimum or \
                    column.maximum is not None and number > column.maximum:
                raise EditRejected(self.tr("须在 %1 到 %2 之间").replace(
                    "%1", f"{column.minimum:g}").replace("%2", f"{column.maximum:g}"))
            return int(number) if column.kind == "int" else number
        if column.kind == "bool":
            if isinstance(raw, bool):
                return raw
            text = str(raw).lower()
            if text in ("是", "yes", "true", "1"):
                return True
            if text in ("否", "no", "false", "0"):
                return False
            raise EditRejected(self.tr("请选择“是”或“否”"))
        if column.kind == "date":
            if raw in (None, ""):
                if column.key == "birth_date":
                    raise EditRejected(self.tr("出生日期不能为空"))
                return None
            try:
                day = dt.date.fromisoformat(str(raw))
            except ValueError as exc:
                raise EditRejected(self.tr("“%1”不是日期，请按 YYYY-MM-DD 填写")
                                   .replace("%1", str(raw))) from exc
            if day > dt.date.today():
                raise EditRejected(self.tr("日期不能晚于今天"))
            return day.isoformat()
        if column.kind == "choice":
            for stored, label in column.choices:
                if raw == stored or raw == translate("Choices", label):
                    return stored
            raise EditRejected(self.tr("“%1”不是可选值").replace("%1", str(raw)))
        return raw

    def validate(self, key: str, column: Column, value: Any) -> None:
        """Rules that involve other cells; raise :class:`EditRejected`."""
        if self.table == "members":
            self._validate_member(key, column.key, value)
        elif self.table == "housing_units" and column.key == "status":
            current = self.value(key, "status")
            if current == "occupied" and value != "occupied":
                raise EditRejected(self.tr(
                    "该房已有住户；迁出需在登记表和房源表中办理后重新导入"))
            if value == "occupied" and current != "occupied":
                raise EditRejected(self.tr(
                    "登记入住需要现住户号；请用分配结果或重新导入房源表"))
        elif column.key in ("name",) and not value:
            raise EditRejected(self.tr("名称不能为空"))
        elif column.kind == "text" and column.key.endswith(("township", "village")) \
                and not value:
            raise EditRejected(self.tr("不能为空"))

    def _validate_member(self, key: str, column: str, value: Any) -> None:
        birth = self.value(key, "birth_date")
        sex = self.value(key, "sex")
        number = self.value(key, "id_number")
        if column == "name" and not value:
            raise EditRejected(self.tr("姓名不能为空"))
        if column == "disability" and not value:
            raise EditRejected(self.tr("无残疾请填写“无”"))
        if column == "relationship":
            if not value:
                raise EditRejected(self.tr("请填写与户主关系，户主填写“户主”"))
            before = self.value(key, "relationship")
            if (before == HEAD) != (value == HEAD):
                raise EditRejected(self.tr(
                    "每户必须有且只有一位户主；更换户主请在登记表中修改后重新导入"))
        if column == "id_number":
            normal, _notes = idnumber.normalise(str(value))
            found = idnumber.problems(normal, _date(birth), sex)
            if found:
                raise EditRejected(self.tr("身份证号有误：%1").replace(
                    "%1", "; ".join(found)))
            members = self.frame()
            clash = members[(members["id_number"] == normal)
                            & (members["member_id"] != key)]
            if len(clash):
                raise EditRejected(self.tr("与成员 %1 的身份证号重复").replace(
                    "%1", str(clash["member_id"].iloc[0])))
        if column == "birth_date":
            found = idnumber.problems(number, _date(value), sex)
            if found:
                raise EditRejected(self.tr(
                    "与身份证号中的出生日期不一致（%1）").replace(
                        "%1", "; ".join(found)))
        if column == "sex":
            found = idnumber.problems(number, _date(birth), value)
            if found:
                raise EditRejected(self.tr(
                    "与身份证号第17位表示的性别不一致（%1）").replace(
                        "%1", "; ".join(found)))


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _age(birth: Any, today: dt.date) -> int | None:
    day = _date(birth)
    return None if day is None else age_on(day, today)


def _sort_value(column: Column, value: Any) -> Any:
    if column.kind in ("int", "float"):
        return float("-inf") if value is None else float(value)
    if column.kind == "bool":
        return int(bool(value))
    if column.kind == "choice":
        return column.label(value)
    return "" if value is None else str(value)


class TableFilterProxy(QSortFilterProxyModel):
    """Sorts by the raw values and filters on any column's text."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setFilterKeyColumn(-1)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setDynamicSortFilter(False)
        self._key_filter: set[str] | None = None

    def set_text(self, text: str) -> None:
        """Show rows with ``text`` in any column (empty shows all)."""
        self.setFilterFixedString(text)

    def set_keys(self, keys: set[str] | None) -> None:
        """Show only rows with these keys (None shows all)."""
        if hasattr(self, "beginFilterChange"):  # Qt 6.9 and later
            self.beginFilterChange()
            self._key_filter = keys
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self._key_filter = keys
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, row: int, parent: ANY_INDEX) -> bool:  # noqa: N802
        if self._key_filter is not None:
            model = self.sourceModel()
            if model.key_at(row) not in self._key_filter:
                return False
        return super().filterAcceptsRow(row, parent)


def choice_items(column: Column) -> list[tuple[Any, str]]:
    """(stored value, translated label) pairs a combo box offers."""
    return [(stored, translate("Choices", label)) for stored, label in column.choices
            if stored is not None]
