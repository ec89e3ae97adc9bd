"""Results: the KPI panel, one household's explanation, the people without a
school place or clinic, and the coverage and walking charts.

The KPI panel shows the figures of :func:`allocator.kpis.compute_kpis`, row
for row and formatted as the CLI's ``kpi_table``; the explanations and
reasons are the ones the allocation stored, so the window, the CLI, the
Excel export and the printed orders say the same thing.
"""

from __future__ import annotations

import html
import json
import logging
import math
from typing import Any

import pandas as pd
from PySide6.QtCore import QCoreApplication, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QScrollArea,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from allocator.explain import (
    explain_household,
    kpis_by,
    unserved_people,
    walking_distances,
)
from allocator.export import backend_name
from allocator.kpis import OPTIONAL_ROWS, compute_kpis, gap_percent, kpi_cell
from allocator.project import Project
from allocator.rules import SCHOOL_KINDS
from allocator.texts import shortage_text
from ui.charts import CoverageChart, HistogramChart, kind_series
from ui.language import core_text, current_language, fill
from ui.map_view import KIND_COLOURS

logger = logging.getLogger(__name__)

KINDS = SCHOOL_KINDS + ("clinic",)


def category_name(category: str) -> str:
    """A resettlement category (安置类别) in the window's language."""
    names = {
        "易地扶贫搬迁": QCoreApplication.translate("Categories", "易地扶贫搬迁"),
        "工程搬迁": QCoreApplication.translate("Categories", "工程搬迁"),
        "生态移民": QCoreApplication.translate("Categories", "生态移民"),
        "退役军人": QCoreApplication.translate("Categories", "退役军人"),
    }
    return names.get(category, category)


def run_options_text(run: dict[str, Any], language: str) -> str:
    """The options a run was solved with (levels, priority-respecting,
    siblings, coverage gap, the planner's locks), in ``language``."""
    try:
        options = json.loads(run.get("options_json") or "{}")
    except (TypeError, ValueError):
        return ""
    if not isinstance(options, dict) or not options:
        return ""
    if language == "en":
        from allocator.kpis import options_line

        return options_line(options)
    from allocator.export import option_switches

    return "，".join(option_switches(options))


def status_text(run: dict[str, Any]) -> str:
    """How far to trust a run, in the window's language."""
    status = run.get("status")
    gap = run.get("gap")
    gap_text = "" if gap is None or (isinstance(gap, float) and math.isnan(gap)) \
        else gap_percent(gap)
    labels = {
        "optimal": QCoreApplication.translate("RunStatus", "最优（已证明）"),
        "feasible": QCoreApplication.translate("RunStatus", "可行解，未证明最优"),
        "infeasible": QCoreApplication.translate("RunStatus", "无可行解"),
        "timeout": QCoreApplication.translate("RunStatus", "超时，未找到可行解"),
        "cancelled": QCoreApplication.translate(
            "RunStatus", "已取消：目前找到的最好解，未证明最优"),
        "error": QCoreApplication.translate("RunStatus", "求解出错"),
    }
    label = labels.get(status, str(status))
    if status in ("feasible", "cancelled") and gap_text:
        label += fill(QCoreApplication.translate("RunStatus", "，差距 %1"), gap_text)
    return label


class KpiPanel(QWidget):
    """The key figures, overall and by category, with the run's status."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.status_label = QLabel(self)
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = QTableWidget(self)
        self.table.setObjectName("kpiTable")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.shortages = QListWidget(self)
        self.shortages.setObjectName("shortages")
        self.shortages.setWordWrap(True)
        shortage_box = QWidget(self)
        shortage_layout = QVBoxLayout(shortage_box)
        shortage_layout.setContentsMargins(0, 0, 0, 0)
        self.shortage_title = QLabel(self.tr("短缺说明（按楼栋）"), shortage_box)
        shortage_layout.addWidget(self.shortage_title)
        shortage_layout.addWidget(self.shortages, 1)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.table)
        split.addWidget(shortage_box)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.status_label)
        layout.addWidget(split, 1)
        self.kpis: dict[str, Any] | None = None
        self.shown_rows: list[tuple[str, str]] = []
        self.rows = [
            (self.tr("安置户"), "households"),
            (self.tr("　既有安置"), "housed_existing"),
            (self.tr("　本次分配"), "housed_new"),
            (self.tr("　轮候"), "waiting"),
            (self.tr("　已退出"), "exited"),
            (self.tr("　分配后登记"), "registered_since"),
            (self.tr("已安置人口"), "residents_housed"),
            (self.tr("　既有安置户缺学位或卫生服务（人）"), "existing_without_place"),
            (self.tr("幼儿园学位"), "kindergarten_places"),
            (self.tr("小学学位"), "primary_places"),
            (self.tr("初中学位"), "junior_places"),
            (self.tr("卫生服务登记"), "clinic_places"),
            (self.tr("平均步行（米）"), "walk_mean_m"),
            (self.tr("最远步行（米）"), "walk_max_m"),
            (self.tr("同户子女分校"), "sibling_splits"),
            (self.tr("第一志愿"), "wish_first_choice_of"),
            (self.tr("任一志愿"), "wish_any_ranked_of"),
            (self.tr("低楼层意愿满足"), "low_floor_granted_of"),
            (self.tr("同村同点村组"), "village_groups_together_of"),
            (self.tr("　同村同点户数"), "village_households_together"),
        ]
        self.set_project(None)

    def set_project(self, project: Project | None) -> None:
        """Show the KPIs of the project's base allocation (or say there is none)."""
        self.table.clear()
        self.shortages.clear()
        if project is None or project.base_allocation().empty:
            self.kpis = None
            self.status_label.setText(self.tr(
                "还没有分配结果。点击工具栏上的“分配”开始求解。"))
            self.shown_rows = []
            self.table.setRowCount(0)
            self.table.setColumnCount(0)
            return
        kpis = compute_kpis(project)
        self.kpis = kpis
        columns = [(self.tr("合计"), kpis["overall"])] + [
            (category_name(name), figures)
            for name, figures in kpis["by_category"].items()]
        rows = self.shown_rows = [
            (label, key) for label, key in self.rows
            if key not in OPTIONAL_ROWS or kpis["overall"].get(key)]
        self.table.setColumnCount(len(columns))
        self.table.setRowCount(len(rows))
        self.table.setHorizontalHeaderLabels([name for name, _f in columns])
        self.table.setVerticalHeaderLabels([label for label, _k in rows])
        for r, (_label, key) in enumerate(rows):
            for c, (_name, figures) in enumerate(columns):
                item = QTableWidgetItem(kpi_cell(figures, key))
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                      | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)
        self._show_shortages(project)
        run = kpis["run"]
        gap = run.get("gap")
        text = fill(
            self.tr("求解状态：%1 · 求解器 %2 · 用时 %3 秒 · 差距 %4 · 抽签种子 %5 · "
                    "运行 %6"),
            status_text(run), backend_name(run.get("backend")), run.get("seconds"),
            "-" if gap is None or gap != gap else gap_percent(gap), run.get("seed"),
            run.get("run_id"))
        options = run_options_text(run, current_language())
        if options:
            text += "\n" + fill(self.tr("选项：%1"), options)
        self.status_label.setText(text)

    def _show_shortages(self, project: Project) -> None:
        try:
            from allocator.shortage import compute_shortages
        except ImportError:  # an older core without shortage explanations
            self.shortages.addItem(self.tr("（本版本不提供短缺说明）"))
            return
        try:
            records = compute_shortages(project)
        except Exception as exc:  # an inconsistent stored allocation
            logger.warning("shortages not computed: %r", exc, exc_info=True)
            self.shortages.addItem(fill(self.tr("无法计算短缺说明：%1"), exc))
            return
        for record in records:
            self.shortages.addItem(shortage_text(record, current_language()))
        if not records:
            self.shortages.addItem(self.tr("已安置的户都有学位和卫生服务登记。"))

    def cell_text(self, row_key: str, column: int = 0) -> str:
        """The text of one cell (tests compare it with the CLI's table)."""
        for r, (_label, key) in enumerate(self.shown_rows):
            if key == row_key:
                item = self.table.item(r, column)
                return item.text() if item else ""
        raise KeyError(row_key)


class ExplanationPanel(QTextBrowser):
    """Why one household got its unit, school and clinic, or why it waits."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.document().setDefaultStyleSheet(
            "p { margin-top: 1px; margin-bottom: 1px; }"
            " h3 { margin-top: 0px; margin-bottom: 2px; }"
            " table { margin-top: 4px; }")
        self.household_id: str | None = None
        self.show_household(None, None)

    def kind_labels(self) -> dict[str, str]:
        """Translated names of the service kinds."""
        return {"kindergarten": self.tr("幼儿园"), "primary": self.tr("小学"),
                "junior": self.tr("初中"), "clinic": self.tr("卫生服务")}

    def show_household(self, project: Project | None, household_id: str | None) -> None:
        """Explain ``household_id`` (or show how to pick one)."""
        self.household_id = household_id
        if project is None or household_id is None:
            self.setHtml("<p>" + html.escape(self.tr(
                "在安置户表或地图上选择一户，这里说明为什么分到这套房、这所学校和"
                "这个卫生服务点，或者为什么仍在轮候。")) + "</p>")
            return
        try:
            explanation = explain_household(project, household_id)
        except KeyError:
            self.setHtml("<p>" + html.escape(fill(self.tr("户号 %1 不在项目中。"),
                                                  household_id)) + "</p>")
            return
        e = html.escape
        kinds = self.kind_labels()
        result = {
            "existing": self.tr("既有安置"), "allocated": self.tr("本次分配"),
            "waiting": self.tr("轮候"),
        }
        title = fill(self.tr("户号 %1 · 户主 %2"), explanation.household_id,
                     explanation.head_name)
        facts = fill(self.tr("%1人 · %2 · 优先级得分 %3"), explanation.size,
                     explanation.category, explanation.priority)
        parts = [f"<h3>{e(title)}　<span style='font-weight:normal'>{e(facts)}"
                 "</span></h3>"]
        if not explanation.solved:
            parts.append("<p>" + e(self.tr(
                "尚未分配：运行“分配”后，这里显示分配结果和原因。")) + "</p>")
            self.setHtml("".join(parts))
            return
        result_label = fill(self.tr("%1："), self.tr("结果"))
        reason_label = fill(self.tr("%1："), self.tr("原因"))
        housing_label = fill(self.tr("%1："), self.tr("住房"))
        parts.append(f"<p><b>{e(result_label)}</b>"
                     f"{e(result.get(explanation.kind, explanation.kind or ''))}</p>")
        if explanation.unit_id:
            accessible = self.tr("是") if explanation.accessible else self.tr("否")
            parts.append("<p><b>" + e(housing_label) + "</b>" + e(fill(
                self.tr("%1 %2 %3，%4层，%5 m²，无障碍：%6"), explanation.site_name,
                explanation.building, explanation.unit_id, explanation.floor,
                f"{explanation.area_m2:g}", accessible)) + "</p>")
        parts.append(f"<p><b>{e(reason_label)}</b>"
                     f"{e(core_text(explanation.reason))}</p>")
        if explanation.services:
            parts.append("<table border='1' cellspacing='0' cellpadding='3'>")
            parts.append("<tr>" + "".join(
                f"<th>{e(h)}</th>" for h in (self.tr("成员"), self.tr("服务"),
                                              self.tr("设施"), self.tr("步行"),
                                              self.tr("说明"))) + "</tr>")
            none = self.tr("无")
            for service in explanation.services:
                walk = "" if service.distance_m is None \
                    else f"{service.distance_m:,.0f} m"
                style = "" if service.placed else " style='color:#b03a2e'"
                parts.append(
                    f"<tr{style}><td>{e(service.name)}</td>"
                    f"<td>{e(kinds.get(service.kind, service.kind))}</td>"
                    f"<td>{e(service.facility_name or none)}</td>"
                    f"<td>{e(walk)}</td><td>{e(core_text(service.reason))}</td>"
                    "</tr>")
            parts.append("</table>")
        self.setHtml("".join(parts))


class UnservedPanel(QWidget):
    """Everyone without a school place or clinic registration, with the reason.

    Signals
    -------
    household_selected(str)
        The household of the row the user picked.
    """

    household_selected = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind_box = QComboBox(self)
        self.kind_box.addItem(self.tr("全部服务"), None)
        for kind, label in (("kindergarten", self.tr("幼儿园")),
                            ("primary", self.tr("小学")), ("junior", self.tr("初中")),
                            ("clinic", self.tr("卫生服务"))):
            self.kind_box.addItem(label, kind)
        self.housed_only = QCheckBox(self.tr("只看已分得住房的户"), self)
        self.housed_only.setChecked(True)
        self.summary = QLabel(self)
        self.model = QStandardItemModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.view = QTableView(self)
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.setWordWrap(False)
        self.view.clicked.connect(self._picked)
        top = QHBoxLayout()
        top.addWidget(self.kind_box)
        top.addWidget(self.housed_only)
        top.addWidget(self.summary, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        self.kind_box.currentIndexChanged.connect(self._fill)
        self.housed_only.toggled.connect(self._fill)
        self.frame = None
        self.set_project(None)

    def set_project(self, project: Project | None) -> None:
        """Read the people without a place from the stored allocation."""
        if project is None or project.base_allocation().empty:
            self.frame = None
        else:
            self.frame = unserved_people(project)
        self._fill()

    def _fill(self, *args) -> None:
        self.model.clear()
        self.model.setHorizontalHeaderLabels([
            self.tr("户号"), self.tr("成员编号"), self.tr("姓名"), self.tr("年龄"),
            self.tr("服务"), self.tr("原居住乡镇"), self.tr("原因")])
        if self.frame is None:
            self.summary.setText(self.tr("还没有分配结果。"))
            return
        frame = self.frame
        kind = self.kind_box.currentData()
        if kind is not None:
            frame = frame[frame["kind"] == kind]
        if self.housed_only.isChecked():
            frame = frame[frame["housed"]]
        labels = {"kindergarten": self.tr("幼儿园"), "primary": self.tr("小学"),
                  "junior": self.tr("初中"), "clinic": self.tr("卫生服务")}
        for row in frame.itertuples():
            age = QStandardItem()
            if row.age is not None and not pd.isna(row.age):
                age.setData(int(row.age), Qt.ItemDataRole.DisplayRole)
            items = [QStandardItem(str(row.household_id)),
                     QStandardItem(str(row.member_id)), QStandardItem(str(row.name)),
                     age, QStandardItem(labels.get(row.kind, row.kind)),
                     QStandardItem(str(row.township or "")),
                     QStandardItem(core_text(row.reason))]
            items[-1].setToolTip(core_text(row.reason))
            self.model.appendRow(items)
        self.summary.setText(fill(self.tr("共 %1 人次"), f"{len(frame):,}"))
        self.view.resizeColumnsToContents()
        header = self.view.horizontalHeader()
        for section in range(header.count() - 1):
            header.resizeSection(section, min(header.sectionSize(section), 160))

    def row_count(self) -> int:
        """Rows shown (after the filters)."""
        return self.proxy.rowCount()

    def _picked(self, index) -> None:
        household = self.proxy.index(index.row(), 0).data()
        if household:
            self.household_selected.emit(str(household))


class ChartsPanel(QScrollArea):
    """Coverage by category and by township, and walking distances."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        inner = QWidget(self)
        self.by_category = CoverageChart(self.tr("按安置类别的覆盖率"), inner)
        self.by_township = CoverageChart(self.tr("按原居住乡镇的覆盖率"), inner)
        self.walks = HistogramChart(self.tr("步行距离分布（红色虚线为服务半径）"),
                                    inner)
        self.walks.count_text = self.tr("%1 人")
        self.walks.mean_text = self.tr("平均 %1 m")
        self.walks.setMinimumHeight(260)
        for chart in (self.by_category, self.by_township, self.walks):
            chart.empty_text = self.tr("还没有分配结果。")
        layout = QGridLayout(inner)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.by_category, 0, 0)
        layout.addWidget(self.walks, 0, 1)
        layout.addWidget(self.by_township, 1, 0, 1, 2)
        layout.setColumnStretch(0, 1)
        layout.setColumnStretch(1, 1)
        layout.setRowStretch(2, 1)
        self.setWidget(inner)
        self.labels = {"kindergarten": self.tr("幼儿园"), "primary": self.tr("小学"),
                       "junior": self.tr("初中"), "clinic": self.tr("卫生服务")}

    def set_project(self, project: Project | None) -> None:
        """Recompute the charts from the stored allocation."""
        series = kind_series(self.labels)
        if project is None or project.base_allocation().empty:
            self.by_category.set_data(series, [])
            self.by_township.set_data(series, [])
            self.walks.set_data([])
            return
        kpis = compute_kpis(project)
        rows = [(self.tr("合计"), _shares(kpis["overall"]), "")]
        rows += [(name, _shares(figures), "")
                 for name, figures in kpis["by_category"].items()]
        self.by_category.set_data(series, rows)
        township_rows = []
        for name, figures in kpis_by(project, "origin_township").items():
            note = "" if figures["residents_housed"] else self.tr("无已安置人口")
            township_rows.append((name or self.tr("（未填）"), _shares(figures), note))
        self.by_township.set_data(series, township_rows)
        walks = walking_distances(project)
        catchment = project.rules["catchment_walk_m"]
        panels = []
        for kind in KINDS:
            values = walks[walks["kind"] == kind]["distance_m"].dropna().tolist()
            panels.append((self.labels[kind], KIND_COLOURS[kind], values,
                           float(catchment[kind])))
        self.walks.set_data(panels)


def _shares(figures: dict[str, Any]) -> dict[str, float | None]:
    shares = {kind: figures.get(f"{kind}_coverage") for kind in SCHOOL_KINDS}
    shares["clinic"] = figures.get("clinic_coverage")
    return shares
