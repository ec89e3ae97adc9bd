"""OR-Tools CP-SAT back end."""

from __future__ import annotations

import logging
import threading
import time

from ortools.sat.python import cp_model

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


SINGLE_WORKER_VARS = 10_000
"""Models up to this many variables are solved by one CP-SAT worker, which
is deterministic (the tiny and small counties ``--backend auto`` gives to
CP-SAT are far below it)."""


class _Watcher(cp_model.CpSolverSolutionCallback):
    """Reports each improving solution and stops the search on cancel."""

    def __init__(self, level: str, progress: ProgressCallback | None,
                 cancel: CancelFlag | None) -> None:
        super().__init__()
        self._level = level
        self._progress = progress
        self._cancel = cancel
        self._start = time.perf_counter()

    def on_solution_callback(self) -> None:
        if self._progress is not None:
            self._progress(
                self._level,
                self.objective_value,
                self.best_objective_bound,
                time.perf_counter() - self._start,
            )
        if self._cancel is not None and self._cancel():
            self.stop_search()


class CpSatBackend(Backend):
    """Solves each level with CP-SAT, holding earlier levels at their optimum.

    What it cannot do: prove optimality quickly on large assignment models
    (its bound comes from its own search, not from an LP; above a few
    thousand households it usually stops at the time limit with a gap),
    and on a model of more than :data:`SINGLE_WORKER_VARS` variables, where
    its workers race, the same seed may give another solution among equally
    good ones.
    """

    name = "cpsat"

    def __init__(self, workers: int = 8, seed: int = 0) -> None:
        # CP-SAT's portfolio needs several workers to find good bounds; on the
        # sample county 8 workers on 2 cores prove the optimum about three
        # times faster than 2 workers (bench/sample_backends.py).
        self.workers = workers
        self.seed = seed

    def solve(
        self,
        model: LinearModel,
        *,
        time_limit: float | None = None,
        progress: ProgressCallback | None = None,
        cancel: CancelFlag | None = None,
    ) -> SolveResult:
        cp = cp_model.CpModel()
        x = [cp.new_bool_var(f"x{i}") if upper == 1
             else cp.new_int_var(0, upper, f"x{i}")
             for i, upper in enumerate(model.upper)]
        for var, value in model.fixed.items():
            cp.add(x[var] == value)
        for con in model.constraints:
            expr = cp_model.LinearExpr.weighted_sum(
                [x[v] for v in con.variables], con.coefficients
            )
            if con.lower is not None and con.upper is not None:
                cp.add_linear_constraint(expr, con.lower, con.upper)
            elif con.lower is not None:
                cp.add(expr >= con.lower)
            elif con.upper is not None:
                cp.add(expr <= con.upper)

        def solve_level(objective: Objective, locks, hint, seconds_left):
            for earlier, value in locks[len(solve_level.locked):]:
                expr = cp_model.LinearExpr.weighted_sum(
                    [x[v] for v in earlier.variables], earlier.coefficients
                )
                cp.add(expr >= value if earlier.sense == "max" else expr <= value)
                solve_level.locked.append(earlier)
            expr = cp_model.LinearExpr.weighted_sum(
                [x[v] for v in objective.variables], objective.coefficients
            )
            if objective.sense == "max":
                cp.maximize(expr)
            else:
                cp.minimize(expr)
            cp.clear_hints()
            for var, value in hint.items():
                cp.add_hint(x[var], value)

            solver = cp_model.CpSolver()
            # Several workers race, and the optimum returned among equal ones
            # is whichever a worker reached first: a small model is solved by
            # one worker, so that the same model and seed give the same
            # solution again (and about as fast).
            solver.parameters.num_workers = (
                1 if model.n_vars <= SINGLE_WORKER_VARS else self.workers)
            solver.parameters.random_seed = self.seed
            # The allocation model is an assignment with side constraints:
            # its LP relaxation is tight, so let CP-SAT use the full LP.
            solver.parameters.linearization_level = 2
            # Ctrl-C is the caller's to handle (its cancel flag): CP-SAT would
            # otherwise take the signal itself, end only this level's search
            # and let the next levels run.
            solver.parameters.catch_sigint_signal = False
            if seconds_left is not None:
                solver.parameters.max_time_in_seconds = max(0.1, seconds_left)
            watcher = _Watcher(objective.name, progress, cancel)
            done = threading.Event()

            def poll_cancel() -> None:
                # Between improving solutions CP-SAT calls nothing of ours;
                # look at the cancel flag a few times a second.
                while not done.wait(0.2):
                    if cancel():
                        solver.stop_search()
                        return

            poller = None
            if cancel is not None:
                poller = threading.Thread(target=poll_cancel, daemon=True)
                poller.start()
            start = time.perf_counter()
            try:
                code = solver.solve(cp, watcher)
            finally:
                done.set()
                if poller is not None:
                    poller.join()
            seconds = time.perf_counter() - start
            cancelled = cancel is not None and cancel()

            if code == cp_model.OPTIMAL:
                status = Status.OPTIMAL
            elif code == cp_model.FEASIBLE:
                status = Status.CANCELLED if cancelled else Status.FEASIBLE
            elif code == cp_model.INFEASIBLE:
                status = Status.INFEASIBLE
            elif code == cp_model.MODEL_INVALID:
                status = Status.ERROR
            else:
                status = Status.CANCELLED if cancelled else Status.TIMEOUT

            if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                values = [int(solver.value(v)) for v in x]
                result = LevelResult(
                    objective.name, objective.sense, solver.objective_value,
                    solver.best_objective_bound, status, seconds,
                )
                return result, values
            return LevelResult(
                objective.name, objective.sense, None, None, status, seconds
            ), None

        solve_level.locked = []
        return lexicographic(model, solve_level, self.name, time_limit, cancel)
