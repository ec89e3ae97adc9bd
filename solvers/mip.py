"""PuLP back ends: HiGHS (through highspy, in process) and CBC."""

from __future__ import annotations

import contextlib
import logging
import math
import os
import sys
import tempfile
import time

import pulp

from solvers.base import (
    Backend,
    CancelFlag,
    LevelResult,
    LinearModel,
    Objective,
    ProgressCallback,
    SolveResult,
    Status,
    lexicographic,
)

logger = logging.getLogger(__name__)


@contextlib.contextmanager
def _quiet_stdout():
    """HiGHS prints its banner to the C-level stdout even with output off;
    keep it out of the command's own output.

    Only file descriptor 1 is sent to the null device, and only while PuLP
    runs HiGHS: the tool's own lines (stdout before and after, progress and
    errors on stderr) are untouched, and PuLP's errors still raise.
    """
    try:
        if sys.stdout is not None:  # None in a windowed process (pythonw)
            sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):  # no real stdout (a GUI process)
        yield
        return
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _build(model: LinearModel) -> tuple[pulp.LpProblem, list[pulp.LpVariable]]:
    problem = pulp.LpProblem("allocation", pulp.LpMaximize)
    if hasattr(problem, "add_variable"):
        x = [problem.add_variable(f"x{i}", 0, upper, cat=pulp.LpInteger)
             for i, upper in enumerate(model.upper)]
    else:  # PuLP before 3.3
        x = [pulp.LpVariable(f"x{i}", 0, upper, cat=pulp.LpInteger)
             for i, upper in enumerate(model.upper)]
    for var, value in model.fixed.items():
        x[var].lowBound = value
        x[var].upBound = value
    for i, con in enumerate(model.constraints):
        expr = pulp.LpAffineExpression(
            [(x[v], c) for v, c in zip(con.variables, con.coefficients)]
        )
        if con.lower is not None and con.upper is not None and con.lower == con.upper:
            problem += (expr == con.lower, f"c{i}")
            continue
        if con.lower is not None:
            problem += (expr >= con.lower, f"c{i}_lo")
        if con.upper is not None:
            problem += (expr <= con.upper, f"c{i}_up")
    return problem, x


class _PulpBackend(Backend):
    """Shared level loop for the PuLP solvers."""

    def _solver(self, seconds_left, progress, cancel, objective):
        raise NotImplementedError

    def _bound(self, problem: pulp.LpProblem, objective: Objective) -> float | None:
        return None

    def solve(
        self,
        model: LinearModel,
        *,
        time_limit: float | None = None,
        progress: ProgressCallback | None = None,
        cancel: CancelFlag | None = None,
    ) -> SolveResult:
        build_start = time.perf_counter()
        problem, x = _build(model)
        logger.debug("PuLP model built in %.2f s", time.perf_counter() - build_start)
        locked: list[Objective] = []

        def solve_level(objective: Objective, locks, hint, seconds_left):
            nonlocal problem
            for earlier, value in locks[len(locked):]:
                expr = pulp.LpAffineExpression(
                    [(x[v], c) for v, c in zip(earlier.variables, earlier.coefficients)]
                )
                name = f"lock_{earlier.name}"
                if earlier.sense == "max":
                    problem += (expr >= value, name)
                else:
                    problem += (expr <= value, name)
                locked.append(earlier)
            problem.sense = pulp.LpMaximize if objective.sense == "max" \
                else pulp.LpMinimize
            problem.setObjective(pulp.LpAffineExpression(
                [(x[v], c) for v, c in zip(objective.variables, objective.coefficients)]
            ))
            for var, value in hint.items():
                x[var].setInitialValue(value)
            solver, state = self._solver(seconds_left, progress, cancel, objective)

            start = time.perf_counter()
            try:
                with _quiet_stdout():
                    problem.solve(solver)
            except pulp.PulpSolverError as exc:
                spent = time.perf_counter() - start
                if seconds_left is not None and spent >= 0.8 * seconds_left:
                    # CBC stopped by its time limit before it had a solution
                    # writes none, and PuLP says it could not execute it.
                    logger.info("%s stopped by the time limit with no solution (%s)",
                                self.name, exc)
                    return LevelResult(objective.name, objective.sense, None, None,
                                       Status.TIMEOUT, spent), None
                logger.error("the %s solver stopped without a solution: %s",
                             self.name, exc)
                return LevelResult(objective.name, objective.sense, None, None,
                                   Status.ERROR, spent), None
            seconds = time.perf_counter() - start

            status = self._status(problem, state)
            values = None
            if status in (Status.OPTIMAL, Status.FEASIBLE, Status.CANCELLED) and all(
                v.varValue is not None for v in x
            ):
                values = [int(round(v.varValue)) for v in x]
            objective_value = None
            if values is not None:
                objective_value = float(sum(
                    c * values[v]
                    for v, c in zip(objective.variables, objective.coefficients)
                ))
            bound = self._bound(problem, objective)
            if status == Status.OPTIMAL:
                bound = objective_value
            if values is None and status in (Status.FEASIBLE, Status.CANCELLED):
                status = Status.TIMEOUT if status == Status.FEASIBLE else status
            return LevelResult(objective.name, objective.sense, objective_value,
                               bound, status, seconds), values

        return lexicographic(model, solve_level, self.name, time_limit, cancel)

    def _status(self, problem: pulp.LpProblem, state: dict) -> Status:
        raise NotImplementedError


class HighsBackend(_PulpBackend):
    """PuLP + HiGHS, in process, with callbacks for progress and cancel.

    What it cannot do: build large models quickly (PuLP builds every
    variable and constraint as a Python object, slow and memory-hungry
    beyond some 10^5 variables), and its time limit counts only after the
    model is built (a wall-clock deadline covers the rest).
    """

    name = "highs"

    def __init__(self, threads: int | None = None) -> None:
        self.threads = threads or max(1, min(8, os.cpu_count() or 1))

    def _solver(self, seconds_left, progress, cancel, objective):
        import highspy

        state = {"cancelled": False, "deadline_hit": False,
                 "start": time.perf_counter()}
        deadline = None if seconds_left is None else time.perf_counter() + seconds_left
        sign = -1.0 if objective.sense == "max" else 1.0

        def callback(callback_type, message, data_out, data_in, user_data):
            kinds = highspy.cb.HighsCallbackType
            if callback_type == kinds.kCallbackMipImprovingSolution and progress:
                progress(objective.name, sign * data_out.objective_function_value,
                         sign * data_out.mip_dual_bound,
                         time.perf_counter() - state["start"])
            if callback_type in interrupts:
                # HiGHS's own time limit starts after PuLP has built the
                # model; the wall-clock deadline keeps --time-limit honest.
                if deadline is not None and time.perf_counter() > deadline:
                    state["deadline_hit"] = True
                    data_in.user_interrupt = True
                elif cancel is not None and cancel():
                    state["cancelled"] = True
                    data_in.user_interrupt = True

        kinds = highspy.cb.HighsCallbackType
        interrupts = (kinds.kCallbackMipInterrupt, kinds.kCallbackSimplexInterrupt,
                      kinds.kCallbackIpmInterrupt)
        solver = pulp.HiGHS(
            msg=False,
            timeLimit=None if seconds_left is None else max(0.1, seconds_left),
            gapRel=0.0,
            threads=self.threads,
            callbackTuple=(callback, None),
            callbacksToActivate=[kinds.kCallbackMipImprovingSolution, *interrupts],
        )
        return solver, state

    def _status(self, problem: pulp.LpProblem, state: dict) -> Status:
        import highspy

        code = problem.solverModel.getModelStatus()
        kinds = highspy.HighsModelStatus
        if code == kinds.kOptimal:
            return Status.OPTIMAL
        if code in (kinds.kInfeasible, kinds.kUnboundedOrInfeasible):
            return Status.INFEASIBLE
        if state["deadline_hit"]:
            return Status.FEASIBLE
        if state["cancelled"] or code == kinds.kInterrupt:
            return Status.CANCELLED
        if code in (kinds.kTimeLimit, kinds.kSolutionLimit, kinds.kIterationLimit):
            return Status.FEASIBLE
        return Status.ERROR

    def _bound(self, problem: pulp.LpProblem, objective: Objective) -> float | None:
        info = problem.solverModel.getInfo()
        bound = info.mip_dual_bound
        if bound is None or not math.isfinite(bound):
            return None
        # PuLP hands HiGHS a minimisation of -f for a "max" level.
        return -bound if objective.sense == "max" else bound


def _plain(path: str) -> bool:
    return " " not in path and path.isascii()


def cbc_temp_dir() -> str:
    """A folder for CBC's files whose path has no blank and no non-ASCII text.

    PuLP splits CBC's command line on blanks, and an English-language Windows
    passes non-ASCII paths to CBC mangled; a profile like C:\\Users\\Zhang San
    or 张三 would make every CBC solve fail.
    """
    folder = tempfile.gettempdir()
    if _plain(folder):
        return folder
    if os.name == "nt":
        import ctypes

        buffer = ctypes.create_unicode_buffer(32768)
        if ctypes.windll.kernel32.GetShortPathNameW(folder, buffer, len(buffer)):
            if _plain(buffer.value):
                return buffer.value
        fallback = os.path.join(os.environ.get("ProgramData", r"C:\ProgramData"),
                                "allocator-tmp")
    else:
        fallback = "/tmp/allocator-tmp"
    if not _plain(fallback):
        raise pulp.PulpSolverError(
            f"no temporary folder without blanks or non-ASCII characters for CBC "
            f"({folder}); use --backend highs")
    os.makedirs(fallback, exist_ok=True)
    return fallback


def cbc_threads(system: str | None = None) -> int | None:
    """How many threads to ask CBC for; None leaves CBC serial.

    PuLP's bundled CBC 2.10.3 for Windows, given ``-threads``, sometimes never
    returns: its parallel branch and bound waits forever on a lock
    (coin-or/Cbc#640, coin-or/pulp#737). Under Wine it hung in 9 of 63 runs
    of a 15-job GAP instance that it otherwise solves in 0.03 s, and in none
    of 78 runs without the option. On Windows CBC therefore runs serially
    (HiGHS and CP-SAT use every core).

    Parameters
    ----------
    system : str, optional
        ``os.name`` of the machine; the running one when not given.
    """
    if (system or os.name) == "nt":
        return None
    return max(1, min(8, os.cpu_count() or 1))


class CbcBackend(_PulpBackend):
    """PuLP + its bundled CBC executable.

    What it cannot do: report progress or a bound (the result has no gap),
    stop on cancel while CBC runs (only its whole-second time limit stops
    it), build large models quickly (PuLP writes the model to a file for
    the separate CBC program), or use more than one core on Windows (see
    :func:`cbc_threads`).
    """

    name = "cbc"

    def _solver(self, seconds_left, progress, cancel, objective):
        solver = pulp.PULP_CBC_CMD(
            msg=False,
            timeLimit=None if seconds_left is None else max(1, int(seconds_left)),
            gapRel=0.0,
            warmStart=True,
            threads=cbc_threads(),
        )
        solver.tmpDir = cbc_temp_dir()
        return solver, {}

    def _status(self, problem: pulp.LpProblem, state: dict) -> Status:
        if problem.status == pulp.LpStatusOptimal:
            if problem.sol_status == pulp.LpSolutionOptimal:
                return Status.OPTIMAL
            return Status.FEASIBLE
        if problem.status == pulp.LpStatusInfeasible:
            return Status.INFEASIBLE
        if problem.status == pulp.LpStatusNotSolved:
            return Status.TIMEOUT
        return Status.ERROR
