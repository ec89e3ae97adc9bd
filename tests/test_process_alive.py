"""Whether the process of a lock or of an interrupted save still runs.

The Windows branch asks kernel32 (OpenProcess, GetExitCodeProcess,
CloseHandle); here a fake kernel32 stands in for it, so it runs on any
system.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from allocator import project as project_module
from allocator.project import _process_alive, _windows_process_alive


class FakeKernel32:
    """OpenProcess gives handle 77, or fails with ``error``; the process's
    exit code is ``exit_code``."""

    def __init__(self, exit_code: int = 259, error: int | None = None,
                 query_fails: bool = False):
        self.exit_code = exit_code
        self.error = error
        self.query_fails = query_fails
        self.opened: list[tuple[int, bool, int]] = []
        self.closed: list[int] = []
        self.last_error = 0

    def OpenProcess(self, access, inherit, pid):  # noqa: N802
        self.opened.append((access, inherit, pid))
        if self.error is not None:
            self.last_error = self.error
            return None
        return 77

    def GetExitCodeProcess(self, handle, code):  # noqa: N802
        assert handle == 77 and handle not in self.closed
        if self.query_fails:
            self.last_error = 6  # ERROR_INVALID_HANDLE
            return 0
        code.contents.value = self.exit_code
        return 1

    def CloseHandle(self, handle):  # noqa: N802
        self.closed.append(handle)
        return 1


@pytest.mark.parametrize(("kernel32", "alive"), [
    (FakeKernel32(exit_code=259), True),  # STILL_ACTIVE: runs
    (FakeKernel32(exit_code=0), False),  # ended
    (FakeKernel32(exit_code=1), False),  # ended with an error
    (FakeKernel32(query_fails=True), True),  # cannot tell: leave it alone
])
def test_an_opened_process_is_alive_while_its_exit_code_is_still_active(
        kernel32, alive):
    assert _windows_process_alive(4242, kernel32, lambda: kernel32.last_error) \
        is alive
    assert kernel32.opened == [(0x1000, False, 4242)]
    assert kernel32.closed == [77]


@pytest.mark.parametrize(("error", "alive"), [
    (87, False),  # ERROR_INVALID_PARAMETER: no such process
    (5, True),  # ERROR_ACCESS_DENIED: another user's process, running
    (1, True),  # anything else: cannot tell, leave it alone
])
def test_a_process_that_cannot_be_opened(error, alive):
    kernel32 = FakeKernel32(error=error)
    assert _windows_process_alive(4242, kernel32, lambda: kernel32.last_error) \
        is alive
    assert kernel32.opened == [(0x1000, False, 4242)]
    assert kernel32.closed == []  # no handle to close


def test_windows_uses_kernel32(monkeypatch):
    kernel32 = FakeKernel32(exit_code=0)
    monkeypatch.setattr(project_module, "_kernel32", lambda: kernel32)
    import ctypes
    monkeypatch.setattr(ctypes, "get_last_error", lambda: kernel32.last_error,
                        raising=False)
    with monkeypatch.context() as patch:
        patch.setattr(os, "name", "nt")
        alive = _process_alive(31337)
    assert alive is False
    assert kernel32.opened == [(0x1000, False, 31337)] and kernel32.closed == [77]


@pytest.mark.skipif(os.name != "posix", reason="os.kill(pid, 0) is POSIX's check")
def test_posix_tells_a_running_process_from_an_ended_one():
    assert _process_alive(os.getpid())
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # ended and reaped: its pid is free
    assert not _process_alive(child.pid)


@pytest.mark.parametrize("pid", [0, -5, 2**32])
def test_an_id_no_windows_process_can_have_is_not_alive(pid):
    kernel32 = FakeKernel32()
    assert _windows_process_alive(pid, kernel32, lambda: 0) is False
    assert kernel32.opened == [] and kernel32.closed == []
