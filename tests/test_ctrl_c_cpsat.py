"""Ctrl-C during a CP-SAT level stops the solve, not only that level.

CP-SAT takes SIGINT itself by default and then ends just the search of the
level it is in; the solve went on to the next levels and stored what it
found. The command line's handler must get the signal even while CP-SAT's
threads hold the work, and the first level must end cancelled.
"""

from __future__ import annotations

import os
import random
import signal
import sys
import threading
import time

import pytest

from allocator.cli import _interrupt_as_cancel
from solvers.base import LinearModel, Objective, Status
from solvers.cpsat import CpSatBackend


def _hard_knapsack() -> LinearModel:
    """200 items, 12 knapsack rows: CP-SAT does not prove it in 30 s here."""
    rng = random.Random(7)
    model = LinearModel()
    items = [model.new_var(f"x{i}") for i in range(200)]
    for _ in range(12):
        weights = [rng.randint(10, 100) for _ in items]
        model.add(items, weights, upper=sum(weights) // 3)
    model.objectives.append(Objective(
        "value", "max", items, [rng.randint(10, 100) for _ in items]))
    model.objectives.append(Objective("count", "min", items, [1] * len(items)))
    return model


@pytest.mark.skipif(sys.platform == "win32", reason="os.kill(SIGINT) is POSIX")
def test_the_first_ctrl_c_cancels_a_cpsat_solve(capsys):
    def press():
        time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGINT)

    started = time.perf_counter()
    with _interrupt_as_cancel() as cancelled:
        threading.Thread(target=press, daemon=True).start()
        result = CpSatBackend().solve(_hard_knapsack(), time_limit=30,
                                      cancel=cancelled)
    seconds = time.perf_counter() - started
    assert result.status == Status.CANCELLED
    assert [(level.name, level.status) for level in result.levels] == [
        ("value", Status.CANCELLED)]
    assert result.message == "cancelled; levels not solved: count"
    assert seconds < 15  # the 30 s limit did not end it
    assert "stopping the solver (Ctrl-C again to abort)" in capsys.readouterr().err
    # The handler is put back: Python's own again.
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
