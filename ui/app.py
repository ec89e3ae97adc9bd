"""Start the desktop window: ``allocator gui [PROJECT.gpkg]``."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from ui.errors import ensure_file_logging
from ui.language import install_language, register_bundled_font

logger = logging.getLogger(__name__)


def prepare_application(app: QApplication, language: str | None) -> str:
    """Font, translators and names of an application; returns the language."""
    QCoreApplication.setOrganizationName("allocator")
    QCoreApplication.setApplicationName("allocator")
    register_bundled_font(app)
    return install_language(app, language)


def create_window(project: Path | None = None, settings: QSettings | None = None,
                  language: str | None = None):
    """The main window, opening ``project`` if given (in a worker thread)."""
    from ui.main_window import MainWindow, default_settings

    settings = settings if settings is not None else default_settings()
    app = QApplication.instance()
    assert isinstance(app, QApplication), "create a QApplication first"
    language = prepare_application(app, language or settings.value("language"))
    window = MainWindow(settings, language)
    if project is not None:
        window.open_project(Path(project))
    return window


def run(project: Path | None = None, argv: list[str] | None = None) -> int:
    """Run the window until it is closed; returns the exit code."""
    ensure_file_logging()
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    window = create_window(project)
    window.show()
    timer = close_on_interrupt(window)  # noqa: F841 (kept while the loop runs)
    logger.info("window started")
    return int(app.exec())


def close_on_interrupt(window) -> QTimer | None:
    """Make Ctrl-C in the terminal that started the window close it as its
    close button does (asking first when edits are unsaved). Qt's event loop
    runs no Python code of its own, so Python's handler of the signal waits
    for a timer's tick (a quarter of a second) to run; without this, Ctrl-C
    did nothing until some Python code ran, and then broke off whatever that
    was (an autosave) with a traceback. Returns the timer, to be kept."""
    if threading.current_thread() is not threading.main_thread():
        return None
    signal.signal(signal.SIGINT, lambda _signum, _frame: window.close())
    timer = QTimer(window)
    timer.timeout.connect(lambda: None)
    timer.start(250)
    return timer
