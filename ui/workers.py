"""Worker threads for the long jobs (open, save, import, solve, export).

Each job is a plain core function called as ``function(progress, cancelled)``
in a :class:`Job` thread: ``progress(value)`` sends any value to the window
(queued to the GUI thread), ``cancelled()`` is the cancel flag the core
functions poll. The result or the exception comes back through one signal
each, so the window never blocks and never sees a half-finished job.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, Signal

logger = logging.getLogger(__name__)

JobFunction = Callable[[Callable[[Any], None], Callable[[], bool]], Any]

# Jobs that have been started and not yet cleaned up. Holding a reference
# keeps a running QThread from being garbage collected.
_jobs: set["Job"] = set()


class Job(QThread):
    """One core function running in its own thread.

    ``succeeded`` and ``failed`` are emitted in the GUI thread after the
    worker thread has ended, so a receiver never sees a job that is still
    running.

    Signals
    -------
    progressed(object)
        Whatever the function passed to ``progress``.
    succeeded(object)
        The function's return value.
    failed(object, str)
        The exception and its formatted traceback.
    """

    progressed = Signal(object)
    succeeded = Signal(object)
    failed = Signal(object, str)

    def __init__(self, name: str, function: JobFunction,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.setObjectName(f"job-{name}")
        self._function = function
        self._cancel = threading.Event()
        self._outcome: tuple[str, Any, str] | None = None
        self.started_at = 0.0
        self.finished.connect(self._finish)

    def start_job(self) -> "Job":
        """Start the thread and register it; returns ``self``."""
        _jobs.add(self)
        self.started_at = time.monotonic()
        logger.debug("job %s started", self.name)
        self.start()
        return self

    def cancel(self) -> None:
        """Ask the function to stop at its next check of the cancel flag."""
        logger.info("job %s: cancel requested", self.name)
        self._cancel.set()

    def is_cancelled(self) -> bool:
        """True once :meth:`cancel` was called."""
        return self._cancel.is_set()

    def run(self) -> None:  # noqa: D102 - QThread override
        try:
            result = self._function(self.progressed.emit, self._cancel.is_set)
        except BaseException as exc:  # reported through the one error channel
            self._outcome = ("failed", exc, traceback.format_exc())
            return
        self._outcome = ("succeeded", result, "")

    def _finish(self) -> None:
        self.wait()
        _jobs.discard(self)
        logger.debug("job %s finished after %.1f s", self.name,
                     time.monotonic() - self.started_at)
        outcome, self._outcome = self._outcome, None
        if outcome is None:
            self.failed.emit(RuntimeError(f"job {self.name} ended without a "
                                          "result"), "")
        elif outcome[0] == "succeeded":
            self.succeeded.emit(outcome[1])
        else:
            self.failed.emit(outcome[1], outcome[2])
        self.deleteLater()


def running_jobs() -> list[Job]:
    """Jobs whose thread is still running."""
    alive = []
    for job in list(_jobs):
        try:
            if job.isRunning():
                alive.append(job)
        except RuntimeError:  # the C++ object is already gone
            _jobs.discard(job)
    return alive


def stop_all(timeout_ms: int = 30000) -> bool:
    """Cancel every running job and wait for it; True when all stopped."""
    stopped = True
    for job in running_jobs():
        job.cancel()
        if not job.wait(timeout_ms):
            logger.error("job %s did not stop within %d ms", job.name, timeout_ms)
            stopped = False
    return stopped
