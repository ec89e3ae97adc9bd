"""Fixtures of the window's tests (loaded with ``pytest_plugins``).

Every UI test runs offscreen (tests/conftest.py sets QT_QPA_PLATFORM) with
its own settings file, and fails if it leaves a worker thread running.
"""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")


def fail_if_workers_left() -> None:
    """Stop any worker thread still running and fail the test."""
    from ui.workers import running_jobs, stop_all

    alive = [job.name for job in running_jobs()]
    if alive:
        stop_all(60000)
        pytest.fail(f"worker thread(s) still running after the test: {alive}")


@pytest.fixture(autouse=True)
def no_worker_left(request):
    """Fail any Qt test that leaves a worker thread running."""
    yield
    if "qtbot" in request.fixturenames:
        fail_if_workers_left()


@pytest.fixture()
def ui_settings(tmp_path):
    """A settings file of the test's own."""
    from PySide6.QtCore import QSettings

    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture()
def window(qtbot, ui_settings):
    """The main window in Chinese, without blocking questions."""
    from ui.app import create_window

    main = create_window(None, ui_settings, "zh_CN")
    main.interactive = False
    qtbot.addWidget(main)
    main.resize(1280, 720)
    main.show()
    yield main
    # Checked before qtbot closes the window, whose close would stop them.
    fail_if_workers_left()


@pytest.fixture()
def tiny_gpkg(tmp_path, tiny_project):
    """The tiny county saved as a project file."""
    from allocator.project import save_project

    path = tmp_path / "tiny.gpkg"
    save_project(tiny_project, path)
    return path


@pytest.fixture(scope="session")
def medium_gpkg(tmp_path_factory, medium_project):
    """A cut of the sample county (882 households) saved as a project file."""
    from allocator.project import save_project

    path = tmp_path_factory.mktemp("medium") / "medium.gpkg"
    save_project(medium_project, path)
    return path


@pytest.fixture()
def open_in(qtbot):
    """Open a project through the window and wait until it is shown."""

    def open_project(window, path, timeout=60000):
        with qtbot.waitSignal(window.project_shown, timeout=timeout):
            window.open_project(path)
        return window.project

    return open_project


@pytest.fixture()
def allocate_in(qtbot):
    """Run Allocate through the window's action and wait for the worker."""

    def allocate(window, backend="highs", timeout=180000):
        window.set_backend(backend)
        with qtbot.waitSignal(window.allocation_finished,
                              timeout=timeout) as blocker:
            window.act_allocate.trigger()
        return blocker.args[0]

    return allocate
