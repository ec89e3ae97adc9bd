"""A second Ctrl-C ends a command whose solver does not return (found by a
new user: a capped solve took 110 s to stop, and the second Ctrl-C, which
the message says aborts, did nothing)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BUSY = """
import hashlib, sys
sys.path.insert(0, {root!r})
from allocator.cli import _interrupt_as_cancel
with _interrupt_as_cancel() as cancelled:
    print("busy", flush=True)
    # C code that runs no Python for a long while, as a solver's presolve
    hashlib.pbkdf2_hmac("sha256", b"x", b"y", 200_000_000)
    print("finished", flush=True)
"""


@pytest.mark.skipif(os.name != "posix", reason="signals as on Linux")
def test_a_second_ctrl_c_aborts_a_solver_that_does_not_return():
    child = subprocess.Popen([sys.executable, "-c", BUSY.format(root=str(ROOT))],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    assert child.stdout.readline() == "busy\n"
    child.send_signal(signal.SIGINT)
    time.sleep(0.5)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 1
    assert "finished" not in out
    assert err.splitlines()[-2:] == [
        "stopping the solver (Ctrl-C again to abort)...",
        "aborted (Ctrl-C twice); nothing was saved"]
