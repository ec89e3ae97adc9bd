"""The import wizard: files, column mapping, preview and validation, confirm.

Nothing is written to a project until the last page's Finish: the files are
read and checked by :func:`allocator.importer.import_files` (the same
function as ``allocator import``) in a worker thread, the problems are
listed with file, row and column, and only an import without errors can be
saved.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from allocator.project import Project
from ui import import_mapping
from ui.language import fill
from ui.screen import fit_to_screen
from ui.workers import Job

logger = logging.getLogger(__name__)

FILE_KINDS = ("register", "sites", "units", "facilities", "county")
MAPPED_KINDS = ("register", "units", "facilities", "sites")


class FilesPage(QWizardPage):
    """Choose the register and the spatial files, and the options."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("选择文件"))
        self.setSubTitle(self.tr(
            "登记表每人一行（户号相同为一户）；安置点、安置房和设施可以是 GeoPackage、"
            "GeoJSON、Shapefile，或带经度/纬度列的 CSV/Excel。"))
        self.edits: dict[str, QLineEdit] = {}
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        content = QWidget(scroll)
        scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        labels = {
            "register": self.tr("登记表（必填）"), "sites": self.tr("安置点（必填）"),
            "units": self.tr("安置房（必填）"),
            "facilities": self.tr("公共服务设施（必填）"),
            "county": self.tr("县界（可选）"),
        }
        grid = QGridLayout(content)
        for row, kind in enumerate(FILE_KINDS):
            edit = QLineEdit(content)
            edit.setObjectName(f"file_{kind}")
            edit.textChanged.connect(self.completeChanged)
            browse = QPushButton(self.tr("浏览…"), content)
            browse.clicked.connect(lambda _c=False, k=kind: self._browse(k))
            grid.addWidget(QLabel(labels[kind], content), row, 0)
            grid.addWidget(edit, row, 1)
            grid.addWidget(browse, row, 2)
            self.edits[kind] = edit
        row = len(FILE_KINDS)
        self.crs = QLineEdit(content)
        self.crs.setPlaceholderText(self.tr("例如 EPSG:4490；只用于没有坐标系的文件"))
        self.coords = QComboBox(content)
        self.coords.addItem(self.tr("CGCS2000（默认）"), None)
        self.coords.addItem("WGS84", "wgs84")
        self.coords.addItem(self.tr("GCJ-02（高德、腾讯地图）"), "gcj02")
        self.coords.addItem(self.tr("BD-09（百度地图）"), "bd09")
        self.encoding = QComboBox(content)
        self.encoding.addItem(self.tr("自动识别（UTF-8 或 GBK）"), None)
        self.encoding.addItem("UTF-8", "utf-8")
        self.encoding.addItem("GBK", "gbk")
        options = ((self.tr("坐标系"), self.crs),
                   (self.tr("经纬度列的坐标系"), self.coords),
                   (self.tr("文本编码"), self.encoding))
        for offset, (text, widget) in enumerate(options):
            grid.addWidget(QLabel(text, content), row + offset, 0)
            grid.addWidget(widget, row + offset, 1, 1, 2)
        sample = QPushButton(self.tr("填入示例县（昭觉县）的文件"), content)
        sample.clicked.connect(self.fill_sample)
        grid.addWidget(sample, row + 3, 1, 1, 2, Qt.AlignmentFlag.AlignRight)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(row + 4, 1)

    def _browse(self, kind: str) -> None:
        name, _f = QFileDialog.getOpenFileName(
            self, self.tr("选择文件"), self.edits[kind].text(),
            self.tr("数据文件 (*.xlsx *.xlsm *.csv *.txt *.gpkg *.geojson *.json "
                    "*.shp)"))
        if name:
            self.edits[kind].setText(name)

    def fill_sample(self) -> None:
        """Put the bundled sample county's files in the boxes."""
        from sample_data import sample_files

        for kind, path in sample_files().items():
            self.edits[kind].setText(str(path))

    def paths(self) -> dict[str, Path | None]:
        """The chosen files (None for an empty optional box)."""
        return {kind: Path(edit.text().strip()) if edit.text().strip() else None
                for kind, edit in self.edits.items()}

    def isComplete(self) -> bool:  # noqa: N802
        paths = self.paths()
        return all(paths[k] is not None and paths[k].is_file()
                   for k in ("register", "sites", "units", "facilities")) and (
            paths["county"] is None or paths["county"].is_file())


class MappingPage(QWizardPage):
    """Which column holds which field; Chinese template headers are mapped."""

    def __init__(self, files: FilesPage, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.files = files
        self.setTitle(self.tr("对应列"))
        self.setSubTitle(self.tr(
            "左边是文件中的列名，右边是它对应的字段。模板中的中文列名已自动对应；"
            "标 * 的字段必须有对应的列。"))
        self.tabs = QTabWidget(self)
        self.tables: dict[str, QTableWidget] = {}
        self.unreadable: dict[str, str] = {}  # file kind -> why its headers fail
        self.headers: dict[str, list[str]] = {}
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.status)
        self.titles = {"register": self.tr("登记表"), "units": self.tr("安置房"),
                       "facilities": self.tr("设施"), "sites": self.tr("安置点")}
        self.field_names = {
            "household_id": self.tr("户号"), "name": self.tr("姓名/名称"),
            "id_number": self.tr("身份证号"), "relationship": self.tr("与户主关系"),
            "sex": self.tr("性别"), "birth_date": self.tr("出生日期"),
            "category": self.tr("安置类别"), "disability": self.tr("残疾"),
            "annual_income": self.tr("年收入"),
            "stable_job_years": self.tr("稳定就业年限"),
            "origin_village": self.tr("原居住村"),
            "origin_township": self.tr("原居住乡镇"),
            "current_township": self.tr("现属乡镇"),
            "waiting_since": self.tr("轮候登记日期"),
            "unit_id": self.tr("房号"), "site_id": self.tr("安置点编号"),
            "building": self.tr("楼栋"), "floor": self.tr("楼层"),
            "area_m2": self.tr("面积"), "accessible": self.tr("无障碍"),
            "status": self.tr("状态"), "placed_on": self.tr("入住日期"),
            "facility_id": self.tr("设施编号"), "kind": self.tr("类型"),
            "capacity": self.tr("容量"), "note": self.tr("说明"),
        }

    def initializePage(self) -> None:  # noqa: N802
        self.tabs.clear()
        self.tables.clear()
        self.headers.clear()
        paths = self.files.paths()
        encoding = self.files.encoding.currentData()
        self.unreadable.clear()
        for kind in MAPPED_KINDS:
            try:
                headers = import_mapping.read_headers(paths[kind], encoding, kind)
            except Exception as exc:  # shown on the page; the check page reports too
                logger.info("cannot read headers of %s: %s", paths[kind], exc)
                headers = []
                self.unreadable[kind] = fill(self.tr("无法读取 %1 的列名：%2"),
                                             paths[kind], exc)
            self.headers[kind] = headers
            table = self._table(kind, headers)
            self.tables[kind] = table
            self.tabs.addTab(table, self.titles[kind])
        self._check()

    def _table(self, kind: str, headers: list[str]) -> QTableWidget:
        table = QTableWidget(len(headers), 2, self)
        table.setHorizontalHeaderLabels([self.tr("文件中的列"), self.tr("对应字段")])
        table.verticalHeader().setVisible(False)
        table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.Stretch)
        automatic = import_mapping.auto_mapping(kind, headers)
        for row, header in enumerate(headers):
            item = QTableWidgetItem(header)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            table.setItem(row, 0, item)
            if import_mapping.is_coordinate(header):
                fixed = QTableWidgetItem(self.tr("坐标（自动读取）"))
                fixed.setFlags(Qt.ItemFlag.ItemIsEnabled)
                table.setItem(row, 1, fixed)
                continue
            box = QComboBox(table)
            box.addItem(self.tr("（不导入）"), None)
            for field, _header, required in import_mapping.fields(kind):
                label = self.field_names.get(field, field)
                box.addItem(f"{label}{' *' if required else ''}  ({field})", field)
            box.setCurrentIndex(max(0, box.findData(automatic[header])))
            box.currentIndexChanged.connect(self._check)
            table.setCellWidget(row, 1, box)
        return table

    def mapping(self, kind: str) -> dict[str, str | None]:
        """The chosen field of every header of one file."""
        table = self.tables.get(kind)
        result: dict[str, str | None] = {}
        if table is None:
            return result
        for row, header in enumerate(self.headers[kind]):
            box = table.cellWidget(row, 1)
            result[header] = box.currentData() if isinstance(box, QComboBox) else None
        return result

    def changed(self, kind: str) -> bool:
        """True when the planner changed the automatic mapping of a file."""
        return self.mapping(kind) != import_mapping.auto_mapping(
            kind, self.headers.get(kind, []))

    def _check(self, *args) -> None:
        problems = []
        for kind in MAPPED_KINDS:
            mapping = self.mapping(kind)
            if not self.headers.get(kind):
                continue
            missing = import_mapping.missing_required(kind, mapping)
            if missing:
                names = "、".join(self.field_names.get(f, f) for f in missing)
                problems.append(fill(self.tr("%1 缺少：%2"), self.titles[kind], names))
            double = import_mapping.duplicates(mapping)
            if double:
                names = "、".join(self.field_names.get(f, f) for f in double)
                problems.append(fill(self.tr("%1 中多列对应同一字段：%2"),
                                     self.titles[kind], names))
        # A file whose headers cannot be read is said here and again, with
        # what to do, by the check on the next page (it does not stop it).
        unreadable = list(self.unreadable.values())
        self.status.setText("；".join(unreadable + problems) if unreadable or problems
                            else self.tr("所有必填字段都已对应。下一步读取并检查全部"
                                         "数据（不写入任何文件）。"))
        self.status.setStyleSheet("color: #b03a2e;" if unreadable or problems else "")
        self._ok = not problems
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802
        return getattr(self, "_ok", False)


class CheckPage(QWizardPage):
    """Read and check everything in a worker thread; preview and problems."""

    def __init__(self, files: FilesPage, mapping: MappingPage,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.files = files
        self.mapping_page = mapping
        self.setTitle(self.tr("预览与检查"))
        self.setSubTitle(self.tr("检查身份证号、户主、坐标、面积、状态等；有错误时不能导入。"))
        self.summary = QLabel(self.tr("正在读取……"), self)
        self.summary.setWordWrap(True)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 0)
        self.problems = QStandardItemModel(self)
        self.problem_view = QTableView(self)
        self.problem_view.setModel(self.problems)
        self.problem_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.problem_view.verticalHeader().setVisible(False)
        self.problem_view.horizontalHeader().setStretchLastSection(True)
        self.preview = QTabWidget(self)
        self.preview.addTab(self.problem_view, self.tr("问题"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.bar)
        layout.addWidget(self.preview, 1)
        self.job: Job | None = None
        self.result = None
        self.temp_dir: tempfile.TemporaryDirectory | None = None
        self.renamed: dict[str, str] = {}

    def initializePage(self) -> None:  # noqa: N802
        from allocator.importer import ImportInputs, import_files

        self.result = None
        self.problems.clear()
        while self.preview.count() > 1:
            self.preview.removeTab(1)
        self.bar.setRange(0, 0)
        self.bar.show()
        self.summary.setText(self.tr("正在读取和检查文件……"))
        paths = self.files.paths()
        encoding = self.files.encoding.currentData()
        self.renamed = {}
        if self.temp_dir is not None:
            self.temp_dir.cleanup()
        self.temp_dir = tempfile.TemporaryDirectory(prefix="allocator-import-")
        remap = {kind: self.mapping_page.mapping(kind) for kind in MAPPED_KINDS
                 if self.mapping_page.changed(kind)}
        folder = Path(self.temp_dir.name)

        def work(progress, cancelled):
            chosen = dict(paths)
            for kind, mapping in remap.items():
                copy = import_mapping.remapped_copy(kind, paths[kind], mapping,
                                                    folder, encoding)
                self.renamed[str(copy)] = str(paths[kind])
                chosen[kind] = copy
            inputs = ImportInputs(
                register=chosen["register"], sites=chosen["sites"],
                units=chosen["units"], facilities=chosen["facilities"],
                county=chosen["county"], crs=self.files.crs.text().strip() or None,
                coords=self.files.coords.currentData(), encoding=encoding)
            return import_files(inputs, progress=progress, cancel=cancelled)

        job = Job("import", work, self)
        job.progressed.connect(self._progress)
        job.succeeded.connect(self._checked)
        job.failed.connect(self._failed)
        self.job = job
        job.start_job()
        self.completeChanged.emit()

    def _progress(self, message) -> None:
        self.summary.setText(fill(self.tr("正在读取：%1"), message))

    def _original(self, name: str) -> str:
        for copy, original in self.renamed.items():
            name = name.replace(copy, original)
        return name

    def _checked(self, result) -> None:
        self.job = None
        self.bar.hide()
        self.result = result
        self.problems.setHorizontalHeaderLabels([
            self.tr("级别"), self.tr("文件"), self.tr("行"), self.tr("列"),
            self.tr("说明")])
        for problem in result.problems:
            level = self.tr("错误") if problem.severity == "error" else self.tr("警告")
            row = [QStandardItem(level),
                   QStandardItem(Path(self._original(problem.file)).name),
                   QStandardItem("" if problem.row is None else str(problem.row)),
                   QStandardItem(problem.column or ""),
                   QStandardItem(problem.message)]
            row[1].setToolTip(self._original(problem.file))
            row[-1].setToolTip(problem.message)
            self.problems.appendRow(row)
        self.problem_view.resizeColumnsToContents()
        errors = len(result.errors)
        warnings = len(result.problems) - errors
        if result.project is None:
            self.summary.setText(fill(self.tr(
                "发现 %1 个错误、%2 个警告，不能导入。请按“问题”表中的文件、行和列"
                "更正数据后重新导入；不会写入任何文件。"), errors, warnings))
            self.summary.setStyleSheet("color: #b03a2e;")
        else:
            project = result.project
            self.summary.setStyleSheet("")
            self.summary.setText(fill(self.tr(
                "检查通过：%1 户、%2 人、%3 套房、%4 处设施、%5 个安置点；%6 个警告。"
                "点击“下一步”选择项目文件的保存位置。"),
                f"{len(project.households):,}", f"{len(project.members):,}",
                f"{len(project.housing_units):,}", f"{len(project.facilities):,}",
                len(project.sites), warnings))
            for title, table, frame in (
                    (self.tr("安置户"), "households", project.households),
                    (self.tr("家庭成员"), "members", project.members),
                    (self.tr("安置房"), "housing_units", project.housing_units),
                    (self.tr("设施"), "facilities", project.facilities)):
                self.preview.addTab(_preview(frame, table, self), title)
            if not result.problems:
                self.preview.setCurrentIndex(1)
        self.completeChanged.emit()

    def _failed(self, exc: BaseException, trace: str) -> None:
        self.job = None
        self.bar.hide()
        logger.error("import check failed\n%s", trace, extra={"file_only": True})
        self.summary.setText(fill(self.tr("读取文件时出错：%1。请检查文件格式和编码。"),
                                  exc))
        self.summary.setStyleSheet("color: #b03a2e;")
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802
        return self.result is not None and self.result.project is not None

    def cleanupPage(self) -> None:  # noqa: N802
        self.stop()

    def stop(self) -> None:
        """Cancel a running check and wait for it."""
        if self.job is not None:
            self.job.cancel()
            self.job.wait(60000)
            self.job = None


def _cell(value) -> str:
    """A preview cell: blank for a missing value (not "nan" or "None")."""
    import pandas as pd

    if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)):
        return ""
    return str(value)


def _preview(frame, table: str, parent: QWidget, rows: int = 200) -> QTableView:
    """The first ``rows`` rows of one imported table, under the headers the
    window's own tables give its columns (in the window's language)."""
    from ui.models import TABLES, translate

    headers = {column.key: translate("Columns", column.header)
               for column in TABLES[table][1]}
    model = QStandardItemModel(parent)
    columns = [c for c in frame.columns if c != "geometry"]
    model.setHorizontalHeaderLabels([headers.get(c, c) for c in columns])
    for record in frame[columns].head(rows).itertuples(index=False):
        model.appendRow([QStandardItem(_cell(v)) for v in record])
    view = QTableView(parent)
    view.setModel(model)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().setVisible(False)
    view.resizeColumnsToContents()
    return view


class SavePage(QWizardPage):
    """Where to write the new project; Finish writes it."""

    def __init__(self, files: FilesPage, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.files = files
        self.setTitle(self.tr("保存项目"))
        self.setSubTitle(self.tr("点击“完成”后才写入项目文件。"))
        self.path_edit = QLineEdit(self)
        self.path_edit.textChanged.connect(self.completeChanged)
        browse = QPushButton(self.tr("浏览…"), self)
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("项目文件（.gpkg）："), self))
        layout.addLayout(row)
        layout.addWidget(self.note)
        layout.addStretch(1)

    def initializePage(self) -> None:  # noqa: N802
        if not self.path_edit.text():
            register = self.files.paths()["register"]
            folder = register.parent if register else Path.home()
            if not _writable(folder):
                folder = Path.home()
            self.path_edit.setText(str(folder / "project.gpkg"))

    def _browse(self) -> None:
        name, _f = QFileDialog.getSaveFileName(self, self.tr("保存项目"),
                                               self.path_edit.text(),
                                               self.tr("项目文件 (*.gpkg)"))
        if name:
            self.path_edit.setText(name)

    def path(self) -> Path:
        """The chosen project path, with the .gpkg suffix."""
        path = Path(self.path_edit.text().strip())
        return path if path.suffix.lower() == ".gpkg" else path.with_suffix(".gpkg")

    def isComplete(self) -> bool:  # noqa: N802
        return bool(self.path_edit.text().strip())


def _writable(folder: Path) -> bool:
    import os

    return folder.is_dir() and os.access(folder, os.W_OK)


class ImportWizard(QWizard):
    """Create a project from files; emits ``project_created`` when saved.

    Signals
    -------
    project_created(object, str)
        The new project and the path it was saved to.
    """

    project_created = Signal(object, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("导入向导：新建项目"))
        self.setObjectName("importWizard")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.files_page = FilesPage(self)
        self.mapping_page = MappingPage(self.files_page, self)
        self.check_page = CheckPage(self.files_page, self.mapping_page, self)
        self.save_page = SavePage(self.files_page, self)
        for page in (self.files_page, self.mapping_page, self.check_page,
                     self.save_page):
            self.addPage(page)
        self.setButtonText(QWizard.WizardButton.NextButton, self.tr("下一步 >"))
        self.setButtonText(QWizard.WizardButton.BackButton, self.tr("< 上一步"))
        self.setButtonText(QWizard.WizardButton.FinishButton, self.tr("完成"))
        self.setButtonText(QWizard.WizardButton.CancelButton, self.tr("取消"))
        self.save_job: Job | None = None
        fit_to_screen(self, 760, 560)

    def accept(self) -> None:  # noqa: D102 - Qt override
        if self.save_job is not None:
            return
        result = self.check_page.result
        if result is None or result.project is None:
            return
        path = self.save_page.path()
        if path.exists():
            answer = QMessageBox.question(
                self, self.tr("文件已存在"),
                fill(self.tr("%1 已存在。要替换它吗？"), path))
            if answer != QMessageBox.StandardButton.Yes:
                return
        project: Project = result.project
        from allocator.project import save_project

        def work(progress, cancelled):
            save_project(project, path)
            return path

        self.save_page.note.setText(self.tr("正在保存……"))
        self.button(QWizard.WizardButton.FinishButton).setEnabled(False)
        job = Job("import-save", work, self)
        job.succeeded.connect(self._saved)
        job.failed.connect(self._save_failed)
        self.save_job = job
        job.start_job()

    def _saved(self, path: Path) -> None:
        self.save_job = None
        result = self.check_page.result
        logger.info("imported project saved to %s", path)
        self.project_created.emit(result.project, str(path))
        super().accept()

    def _save_failed(self, exc: BaseException, trace: str) -> None:
        self.save_job = None
        self.button(QWizard.WizardButton.FinishButton).setEnabled(True)
        errors = getattr(self.parent(), "errors", None)
        if errors is not None:
            errors.report(exc, trace, self.tr("保存项目"))
            problem, fix = errors.describe(exc)
            self.save_page.note.setText(problem + " " + fix)
        else:
            self.save_page.note.setText(str(exc))

    def reject(self) -> None:  # noqa: D102 - Qt override
        self.check_page.stop()
        if self.save_job is not None:
            self.save_job.wait(60000)
        if self.check_page.temp_dir is not None:
            self.check_page.temp_dir.cleanup()
            self.check_page.temp_dir = None
        super().reject()

    def done(self, result: int) -> None:  # noqa: D102 - Qt override
        if self.check_page.temp_dir is not None and result:
            self.check_page.temp_dir.cleanup()
            self.check_page.temp_dir = None
        super().done(result)
