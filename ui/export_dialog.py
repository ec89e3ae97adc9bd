"""Export the allocation orders (PDF) and the Excel workbook, with progress."""

from __future__ import annotations

import copy
import logging
from pathlib import Path

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from allocator.project import Project
from ui.language import fill
from ui.screen import fit_to_screen
from ui.workers import Job

logger = logging.getLogger(__name__)


def changed_households(project: Project, scenario: str = "base") -> list[str]:
    """Households the last reallocation that changed any changed, picked as
    `allocator export --changed` picks them (none when it would refuse)."""
    from allocator.export import ExportRefused
    from allocator.export import changed_households as pick

    if "change" not in project.allocations.columns:
        return []
    try:
        return sorted(pick(project, scenario).households)
    except ExportRefused:
        return []


class ExportDialog(QDialog):
    """Choose what to export and where; the export runs in a worker thread.

    Signals
    -------
    exported(str, str)
        Paths of the PDF and the workbook written ("" for one not asked for).
    """

    exported = Signal(str, str)

    def __init__(self, project: Project, selected: list[str],
                 project_path: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("导出分配通知书和Excel"))
        self.setObjectName("exportDialog")
        self.project = project
        self.selected = list(selected)
        self.job: Job | None = None
        self.result_paths: tuple[str, str, str] | None = None
        self.notice_path = ""
        self.notice_summary: dict | None = None
        folder = project_path.parent if project_path else Path.home()
        stem = project_path.stem if project_path else "allocation"

        scope = QGroupBox(self.tr("哪些户"), self)
        self.all_radio = QRadioButton(
            fill(self.tr("全部安置户（%1 户）"), f"{len(project.households):,}"), scope)
        self.selected_radio = QRadioButton(
            fill(self.tr("安置户表中选中的户（%1 户）"), len(self.selected)), scope)
        self.selected_radio.setEnabled(bool(self.selected))
        self.changed = changed_households(project)
        self.changed_radio = QRadioButton(
            fill(self.tr("上次重新分配有变动的户（%1 户）"), len(self.changed)), scope)
        self.changed_radio.setEnabled(bool(self.changed))
        (self.selected_radio if self.selected else self.all_radio).setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.all_radio)
        group.addButton(self.selected_radio)
        group.addButton(self.changed_radio)
        scope_layout = QVBoxLayout(scope)
        scope_layout.addWidget(self.all_radio)
        scope_layout.addWidget(self.selected_radio)
        scope_layout.addWidget(self.changed_radio)
        if not self.selected:
            hint = QLabel(self.tr("提示：先在安置户表中选中若干行，可只导出这些户。"),
                          scope)
            hint.setWordWrap(True)
            scope_layout.addWidget(hint)

        files = QGroupBox(self.tr("文件"), self)
        self.pdf_box = QCheckBox(self.tr("分配通知书（PDF，每户一页）"), files)
        self.pdf_box.setChecked(True)
        self.pdf_edit = QLineEdit(str(folder / f"{stem}-orders.pdf"), files)
        self.xlsx_box = QCheckBox(self.tr("分配结果台账（Excel）"), files)
        self.xlsx_box.setChecked(True)
        self.xlsx_edit = QLineEdit(str(folder / f"{stem}-allocations.xlsx"), files)
        self.notice_box = QCheckBox(
            self.tr("公示名单（PDF，新分配住房的户，姓名和身份证号部分隐藏）"), files)
        self.notice_box.setChecked(False)
        self.notice_edit = QLineEdit(str(folder / f"{stem}-notice.pdf"), files)
        self.notice_edit.setEnabled(False)
        grid = QGridLayout(files)
        for row, (box, edit, pattern) in enumerate((
                (self.pdf_box, self.pdf_edit, "PDF (*.pdf)"),
                (self.xlsx_box, self.xlsx_edit, "Excel (*.xlsx)"),
                (self.notice_box, self.notice_edit, "PDF (*.pdf)"))):
            browse = QPushButton(self.tr("浏览…"), files)
            browse.clicked.connect(
                lambda _c=False, e=edit, p=pattern: self._browse(e, p))
            grid.addWidget(box, 2 * row, 0, 1, 2)
            grid.addWidget(edit, 2 * row + 1, 0)
            grid.addWidget(browse, 2 * row + 1, 1)
            box.toggled.connect(edit.setEnabled)
            box.toggled.connect(browse.setEnabled)
            browse.setEnabled(box.isChecked())

        self.progress = QProgressBar(self)
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.status = QLabel(self.tr("准备就绪。"), self)
        self.status.setWordWrap(True)
        from allocator.export import changed_since_allocation, made_without_gap

        if made_without_gap(project) is not None:
            self.status.setText(self.tr(
                "注意：本分配由在时间上限内未求出界的求解得出（无差距），某一目标层可能"
                "离最优较远；打印通知书前请不设时间上限重新求解。"))
            self.status.setStyleSheet("color: #b03a2e;")
        since = changed_since_allocation(project)
        if since is not None:
            what = {"rules": self.tr("分配规则"), "locks": self.tr("锁定"),
                    "both": self.tr("分配规则和锁定")}[since[2]]
            self.status.setText(fill(self.tr(
                "注意：本分配完成后修改过%1（台账第 %2 条，%3），通知书仍按原分配打印；"
                "要按修改后的%1分配，请先重新求解。"), what, since[0], since[1]))
            self.status.setStyleSheet("color: #b03a2e;")
        self.open_folder = QPushButton(self.tr("打开所在文件夹"), self)
        self.open_folder.setVisible(False)
        self.open_folder.clicked.connect(self._open_folder)

        self.buttons = QDialogButtonBox(self)
        self.export_button = self.buttons.addButton(
            self.tr("导出"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(
            self.tr("取消导出"), QDialogButtonBox.ButtonRole.ActionRole)
        self.close_button = self.buttons.addButton(
            QDialogButtonBox.StandardButton.Close)
        self.cancel_button.setEnabled(False)
        self.export_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.reject)

        status_row = QHBoxLayout()
        status_row.addWidget(self.status, 1)
        status_row.addWidget(self.open_folder)
        # The choices scroll; progress, status and buttons stay in view even
        # on a small screen at 200 % scaling.
        body = QWidget(self)
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(0, 0, 0, 0)
        body_layout.addWidget(scope)
        body_layout.addWidget(files)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(body)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.progress)
        layout.addLayout(status_row)
        layout.addWidget(self.buttons)
        scroll.setMinimumHeight(min(body.sizeHint().height(), 160))
        fit_to_screen(self, 560, body.sizeHint().height()
                      + self.buttons.sizeHint().height() * 3 + 40)

    def _browse(self, edit: QLineEdit, pattern: str) -> None:
        name, _f = QFileDialog.getSaveFileName(self, self.tr("保存为"), edit.text(),
                                               pattern)
        if name:
            edit.setText(name)

    def households(self) -> list[str] | None:
        """The households to print (None for all)."""
        if self.changed_radio.isChecked():
            return list(self.changed)
        return self.selected if self.selected_radio.isChecked() else None

    def start(self) -> Job | None:
        """Start the export in a worker thread."""
        if self.job is not None:
            return None
        pdf = Path(self.pdf_edit.text()) if self.pdf_box.isChecked() else None
        xlsx = Path(self.xlsx_edit.text()) if self.xlsx_box.isChecked() else None
        notice = Path(self.notice_edit.text()) if self.notice_box.isChecked() \
            else None
        if pdf is None and xlsx is None and notice is None:
            self.status.setText(self.tr("请至少选择一种文件。"))
            return None
        snapshot = copy.deepcopy(self.project)
        self._snapshot = snapshot
        households = self.households()

        def work(progress, cancelled):
            from allocator.export import export_pdf, export_xlsx

            if pdf is not None:
                export_pdf(snapshot, pdf, households=households,
                           progress=lambda done, total: progress(("pdf", done, total)),
                           cancel=cancelled)
            if xlsx is not None and not cancelled():
                progress(("xlsx", 0, 1))
                export_xlsx(snapshot, xlsx, households=households)
            if notice is not None and not cancelled():
                from allocator.notice import write_notice_pdf

                progress(("notice", 0, 1))
                self.notice_summary = write_notice_pdf(snapshot, notice)
            return (str(pdf) if pdf else "", str(xlsx) if xlsx else "",
                    str(notice) if notice else "")

        job = Job("export", work, self)
        job.progressed.connect(self._progressed)
        job.succeeded.connect(self._succeeded)
        job.failed.connect(self._failed)
        self.job = job
        self.export_button.setEnabled(False)
        self.close_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.open_folder.setVisible(False)
        self.progress.setRange(0, 0)
        self.status.setText(self.tr("正在准备……"))
        job.start_job()
        return job

    def cancel(self) -> None:
        """Stop the export; nothing half-written is left behind."""
        if self.job is not None:
            self.job.cancel()
            self.cancel_button.setEnabled(False)
            self.status.setText(self.tr("正在取消……"))

    def _progressed(self, value) -> None:
        what, done, total = value
        if what == "pdf":
            self.progress.setRange(0, total)
            self.progress.setValue(done)
            self.status.setText(fill(self.tr("分配通知书：%1 / %2 户"), done, total))
        elif what == "notice":
            self.progress.setRange(0, 0)
            self.status.setText(self.tr("正在写入公示名单……"))
        else:
            self.progress.setRange(0, 0)
            self.status.setText(self.tr("正在写入 Excel……"))

    def _finished(self) -> None:
        self.job = None
        self.export_button.setEnabled(True)
        self.close_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.progress.setRange(0, 1)

    def _succeeded(self, paths) -> None:
        self._finished()
        self.progress.setValue(1)
        self.result_paths = paths
        written = [p for p in paths if p]
        self.status.setText(fill(self.tr("已写入：%1"), "；".join(written)))
        self.open_folder.setVisible(True)
        logger.info("exported %s", ", ".join(written))
        self.notice_path = paths[2]
        if paths[0]:
            # The orders' numbers, given on the copy the export read, are
            # the project's from now on (saved with it).
            self.project.order_numbers = self._snapshot.order_numbers.copy()
        self.exported.emit(paths[0], paths[1])

    def _failed(self, exc: BaseException, trace: str) -> None:
        self._finished()
        self.progress.setValue(0)
        errors = getattr(self.parent(), "errors", None)
        try:
            from allocator.orders import ExportCancelled
        except ImportError:  # reportlab missing
            ExportCancelled = ()  # noqa: N806
        if ExportCancelled and isinstance(exc, ExportCancelled):
            self.status.setText(self.tr("导出已取消，没有写入文件。"))
            return
        if errors is not None:
            problem, fix = errors.describe(exc)
            errors.report(exc, trace, self.tr("导出"))
        else:
            problem, fix = str(exc), ""
        self.status.setText(problem + " " + fix)

    def _open_folder(self) -> None:
        if self.result_paths:
            first = next(p for p in self.result_paths if p)
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(first).parent)))

    def reject(self) -> None:  # noqa: D102 - Qt override
        if self.job is not None:
            self.cancel()
            self.job.wait(30000)
        super().reject()
