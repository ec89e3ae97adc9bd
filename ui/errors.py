"""The one channel for errors and notices: a message bar and an error dialog.

Every failure of the window goes through :class:`ErrorChannel`: the user sees,
in the window's language, what went wrong and what to do; the full traceback
goes to the log file (:func:`allocator.cli.log_path`), whose path the dialog
shows.
"""

from __future__ import annotations

import logging
import re
import traceback
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QWidget,
)

logger = logging.getLogger(__name__)


def log_file() -> Path:
    """The log file the command line and the window both write to."""
    from allocator.cli import log_path

    return log_path()


def ensure_file_logging() -> Path | None:
    """Add the log file handler when the window was started without the CLI."""
    from allocator.cli import add_file_log

    return add_file_log()


class MessageBar(QFrame):
    """A slim bar above the work area for notices that need no dialog."""

    LEVEL_COLOURS = {"info": "#e8f1fb", "warning": "#fff4d6", "error": "#fde2e1"}

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 2, 4, 2)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setSizePolicy(QSizePolicy.Policy.Expanding,
                                 QSizePolicy.Policy.Preferred)
        close = QToolButton(self)
        close.setText("×")
        close.setAutoRaise(True)
        close.setToolTip(self.tr("关闭"))
        close.clicked.connect(self.hide)
        layout.addWidget(self.label, 1)
        layout.addWidget(close)
        self.level = "info"
        self.hide()

    def show_message(self, text: str, level: str = "info") -> None:
        """Show ``text``; ``level`` is info, warning or error."""
        self.level = level
        colour = self.LEVEL_COLOURS.get(level, self.LEVEL_COLOURS["info"])
        self.setStyleSheet(f"#messageBar {{ background: {colour}; }}")
        self.label.setText(text)
        self.show()

    def text(self) -> str:
        """The text shown (empty when hidden)."""
        return self.label.text() if self.isVisible() else ""


class ErrorChannel(QObject):
    """Turns exceptions into a translated problem and fix, logs the traceback.

    Signals
    -------
    reported(str, str)
        The problem and the fix shown to the user (tests listen to it).
    """

    reported = Signal(str, str)

    def __init__(self, window: QWidget, bar: MessageBar) -> None:
        super().__init__(window)
        self._window = window
        self.bar = bar
        self.last_problem = ""
        self.last_fix = ""
        self.dialog: QMessageBox | None = None

    def describe(self, exc: BaseException) -> tuple[str, str]:
        """The problem and the fix for ``exc``, in the window's language."""
        from allocator.export import ExportRefused
        from allocator.project import ProjectError

        try:
            from allocator.orders import ExportCancelled, MissingGlyphError
        except ImportError:  # orders need reportlab, which may be missing
            ExportCancelled = MissingGlyphError = ()  # noqa: N806

        if isinstance(exc, ProjectError):
            # The file's own words (English, with the path) go to the log;
            # the planner reads what happened and what to do.
            kind = getattr(exc, "kind", "")
            where = str(getattr(exc, "path", None) or "")
            if kind == "read_only":
                return (self.tr("项目文件 %1 或其所在文件夹是只读的，无法保存到那里。")
                        .replace("%1", where),
                        self.tr("请用“文件 > 另存为”把项目保存到有写入权限的文件夹；"
                                "修改仍在窗口中，未丢失。"))
            if kind == "damaged":
                autosave = re.search(r"autosaved copy of unsaved window edits is "
                                     r"(.+)$", str(exc))
                return (self.tr("项目文件 %1 已损坏，无法读取。").replace("%1", where),
                        self.tr("请打开该项目的备份副本；原先打开的项目不受影响。")
                        + (self.tr("窗口自动保存的未保存修改在：%1").replace(
                            "%1", autosave.group(1)) if autosave else ""))
            if kind == "not_project":
                return (self.tr("所选文件 %1 不是本软件的项目文件。").replace(
                            "%1", where),
                        self.tr("请打开本软件保存的 .gpkg 项目文件；"
                                "新建项目请用“导入向导”。"))
            if kind == "busy":
                return (self.tr("项目文件 %1 正被另一个程序使用。").replace(
                            "%1", where),
                        self.tr("请等待该程序结束，或在那里关闭该文件后重试。"))
            return (self.tr("无法打开或保存项目：%1").replace("%1", str(exc)),
                    self.tr("请检查文件是否为本软件的项目文件（.gpkg）；"
                            "新建项目请用“导入向导”。"))
        from allocator.scenarios import ScenarioError

        if isinstance(exc, ScenarioError):
            return (self.tr("方案无法求解：%1").replace("%1", str(exc)),
                    self.tr("请按上面的提示处理后再求解方案。"))
        if isinstance(exc, ExportRefused):
            return (self.tr("无法导出：%1").replace("%1", str(exc)),
                    self.tr("请先运行“分配”，得到可行的分配结果后再导出。"))
        if MissingGlyphError and isinstance(exc, MissingGlyphError):
            return (self.tr("导出停止：有字符无法打印。%1").replace("%1", str(exc)),
                    self.tr("请在成员表中更正该姓名，或用环境变量 "
                            "ALLOCATOR_PDF_FONT 指定含该字的字体。"))
        if ExportCancelled and isinstance(exc, ExportCancelled):
            return (self.tr("导出已取消，未写入文件。"),
                    self.tr("需要时请重新导出。"))
        if isinstance(exc, PermissionError):
            return (self.tr("没有权限访问文件：%1").replace(
                        "%1", str(exc.filename or exc)),
                    self.tr("请另选一个有写入权限的文件夹，或关闭正在使用该文件的"
                            "程序（例如 Excel）。"))
        if isinstance(exc, FileNotFoundError):
            return (self.tr("找不到文件：%1").replace("%1", str(exc.filename or exc)),
                    self.tr("请检查路径；文件可能已被移动或删除。"))
        if isinstance(exc, OSError):
            return (self.tr("读写文件出错：%1").replace(
                        "%1", f"{exc.strerror or exc} {exc.filename or ''}".strip()),
                    self.tr("请检查路径、磁盘剩余空间和权限。"))
        if isinstance(exc, MemoryError):
            return (self.tr("内存不足，任务已停止。"),
                    self.tr("请关闭其他程序，或改用 HiGHS 求解器后重试。"))
        return (self.tr("意外错误：%1: %2").replace("%1", type(exc).__name__)
                .replace("%2", str(exc)),
                self.tr("请重试；如仍出错，请把日志文件发给技术支持。"))

    def report(self, exc: BaseException, trace: str | None = None,
               action: str = "") -> None:
        """Show ``exc`` to the user and write the full traceback to the log."""
        trace = trace or "".join(traceback.format_exception(exc))
        logger.error("%s failed\n%s", action or "window action", trace,
                     extra={"file_only": True})
        problem, fix = self.describe(exc)
        if action:
            problem = self.tr("%1：%2").replace("%1", action).replace("%2", problem)
        self.show_error(problem, fix)

    def show_error(self, problem: str, fix: str) -> None:
        """The error dialog (not blocking) with the problem, the fix and the log."""
        self.last_problem, self.last_fix = problem, fix
        path = log_file()
        self.bar.show_message(problem + " " + fix, "error")
        box = QMessageBox(self._window)
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle(self.tr("出错了"))
        box.setText(problem)
        box.setInformativeText(
            fix + "\n\n" + self.tr("完整的错误记录已写入日志文件：\n%1").replace(
                "%1", str(path)))
        box.setStandardButtons(QMessageBox.StandardButton.Close)
        open_folder = QPushButton(self.tr("打开日志文件夹"), box)
        box.addButton(open_folder, QMessageBox.ButtonRole.ActionRole)
        open_folder.clicked.connect(self._open_log_folder)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog = box
        box.open()
        self.reported.emit(problem, fix)

    def notice(self, text: str, level: str = "info") -> None:
        """A message bar notice (no dialog)."""
        if level != "info":
            logger.warning("%s", text)
        self.bar.show_message(text, level)

    def _open_log_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(log_file().parent)))
