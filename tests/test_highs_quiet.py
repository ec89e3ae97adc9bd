"""PuLP's HiGHS keeps its banner off the terminal, and only its banner.

HiGHS prints "Running HiGHS ... Copyright ..." to the process's standard
output when it starts, whatever PuLP's ``msg`` says; a planner's output
should hold only the tool's own lines.
"""

from __future__ import annotations

import sys

import pytest

from solvers.base import Constraint, LinearModel, Objective, Status
from solvers.mip import HighsBackend

pytest.importorskip("highspy")


def _model() -> LinearModel:
    # max 2a + b with a, b in 0..3 and a + b <= 4: a = 3, b = 1, value 7.
    model = LinearModel()
    a, b = model.new_var("a", 3), model.new_var("b", 3)
    model.constraints.append(Constraint([a, b], [1, 1], upper=4))
    model.objectives.append(Objective("value", "max", [a, b], [2, 1]))
    return model


def test_the_banner_stays_off_stdout_and_the_tools_lines_stay_on(capfd):
    print("before the solve")
    result = HighsBackend().solve(_model())
    print("after the solve")
    out, err = capfd.readouterr()
    assert result.status == Status.OPTIMAL
    assert result.levels[0].objective == 7
    assert "HiGHS" not in out and "HiGHS" not in err
    assert out.splitlines() == ["before the solve", "after the solve"]


def test_a_process_without_sys_stdout_still_solves(monkeypatch):
    # A windowed program (pythonw, the frozen window) has sys.stdout None.
    monkeypatch.setattr(sys, "stdout", None)
    result = HighsBackend().solve(_model())
    assert result.status == Status.OPTIMAL
    assert result.levels[0].objective == 7
