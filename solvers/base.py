"""Back-end neutral description of a lexicographic integer linear programme.

A model is a list of bounded integer variables (0..upper; binary by
default), linear constraints with integer
coefficients, and an ordered list of objectives. Every back end solves the
levels one after the other: level k is optimised with the optimal values of
levels 1..k-1 held as constraints. Integer coefficients keep CP-SAT and the
MIP back ends on exactly the same model.
"""

from __future__ import annotations

import enum
import logging
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[str, float | None, float | None, float], None]
"""progress(level_name, best_objective, bound, seconds_elapsed)."""

CancelFlag = Callable[[], bool]


class Status(str, enum.Enum):
    """Status of a whole lexicographic solve."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    TIMEOUT = "timeout"
    CANCELLED = "cancelled"
    ERROR = "error"


class SolveCancelled(Exception):
    """Raised by a back end when the cancel flag was set before any solution."""


@dataclass
class Constraint:
    """``lower <= sum(coef * x[var]) <= upper`` (either bound may be None)."""

    variables: list[int]
    coefficients: list[int]
    lower: int | None = None
    upper: int | None = None
    name: str = ""


@dataclass
class Objective:
    """One level: ``sense`` is "max" or "min"."""

    name: str
    sense: str
    variables: list[int]
    coefficients: list[int]


@dataclass
class LinearModel:
    """A 0-1 programme with lexicographic objectives."""

    n_vars: int = 0
    var_names: list[str] = field(default_factory=list)
    upper: list[int] = field(default_factory=list)
    fixed: dict[int, int] = field(default_factory=dict)
    constraints: list[Constraint] = field(default_factory=list)
    objectives: list[Objective] = field(default_factory=list)
    hint: dict[int, int] = field(default_factory=dict)

    def new_var(self, name: str = "", upper: int = 1) -> int:
        """Add one integer variable in 0..upper (binary by default)."""
        self.var_names.append(name)
        self.upper.append(int(upper))
        self.n_vars += 1
        return self.n_vars - 1

    def add(
        self,
        variables: Sequence[int],
        coefficients: Sequence[int],
        lower: int | None = None,
        upper: int | None = None,
        name: str = "",
    ) -> None:
        """Add ``lower <= sum(coef * x) <= upper``."""
        if not variables:
            return
        self.constraints.append(
            Constraint(list(variables), [int(c) for c in coefficients], lower, upper,
                       name)
        )


@dataclass
class LevelResult:
    """What one objective level reached."""

    name: str
    sense: str
    objective: float | None
    bound: float | None
    status: Status
    seconds: float

    @property
    def gap(self) -> float | None:
        """Relative gap between objective and bound, 0 when proven optimal."""
        if self.objective is None or self.bound is None:
            return None
        denominator = max(abs(self.objective), 1e-9)
        return abs(self.bound - self.objective) / denominator


@dataclass
class SolveResult:
    """Values of all variables plus per-level statistics."""

    status: Status
    backend: str
    values: list[int] | None
    levels: list[LevelResult]
    seconds: float
    message: str = ""

    @property
    def objectives(self) -> dict[str, float | None]:
        return {level.name: level.objective for level in self.levels}

    @property
    def bound(self) -> float | None:
        return self.levels[-1].bound if self.levels else None

    @property
    def gap(self) -> float | None:
        """The largest gap of any level (0 when every level is proven)."""
        gaps = [level.gap for level in self.levels]
        if not gaps or any(g is None for g in gaps):
            return None
        return max(gaps)


def evaluate(model: LinearModel, values: Sequence[int], objective: Objective) -> int:
    """Value of one objective for a solution."""
    return sum(c * values[v]
               for v, c in zip(objective.variables, objective.coefficients))


def check_solution(model: LinearModel, values: Sequence[int]) -> list[str]:
    """Constraints a solution violates (empty when it is feasible)."""
    violated = []
    for i, con in enumerate(model.constraints):
        total = sum(c * values[v] for v, c in zip(con.variables, con.coefficients))
        if con.lower is not None and total < con.lower:
            violated.append(f"{con.name or i}: {total} < {con.lower}")
        if con.upper is not None and total > con.upper:
            violated.append(f"{con.name or i}: {total} > {con.upper}")
    for var, value in model.fixed.items():
        if values[var] != value:
            violated.append(f"fixed {model.var_names[var] or var} != {value}")
    for var, (value, upper) in enumerate(zip(values, model.upper)):
        if not 0 <= value <= upper:
            violated.append(
                f"{model.var_names[var] or var} = {value} outside 0..{upper}")
    return violated


class Backend:
    """Interface every solver back end implements."""

    name = "base"

    def solve(
        self,
        model: LinearModel,
        *,
        time_limit: float | None = None,
        progress: ProgressCallback | None = None,
        cancel: CancelFlag | None = None,
    ) -> SolveResult:
        """Solve all levels of ``model`` in order."""
        raise NotImplementedError


def _unsolved(model: LinearModel, first: Objective) -> str:
    names = [o.name for o in model.objectives[model.objectives.index(first):]]
    return "levels not solved: " + ", ".join(names)


def lexicographic(
    model: LinearModel,
    solve_level: Callable[..., tuple[LevelResult, list[int] | None]],
    backend_name: str,
    time_limit: float | None,
    cancel: CancelFlag | None,
) -> SolveResult:
    """Drive the level-by-level solve shared by all back ends.

    ``solve_level(objective, locks, hint, seconds_left)`` returns the level's
    result and the variable values. ``locks`` are (objective, value) pairs that
    earlier levels reached; a level that is not proven optimal is locked at the
    value it found, and the overall status is downgraded to feasible.

    Every solution is re-checked against all constraints and locks here,
    whatever the back end says. A time limit or a cancel keeps the best
    solution found so far (it satisfies every constraint; only the later
    objectives were not optimised), with status feasible or cancelled and a
    message naming the levels left unsolved; with no solution at all the
    status is timeout or cancelled and there are no values.
    """
    start = time.perf_counter()
    locks: list[tuple[Objective, int]] = []
    levels: list[LevelResult] = []
    values: list[int] | None = None
    status = Status.OPTIMAL
    hint = dict(model.hint)
    message = ""

    for objective in model.objectives:
        if not objective.variables and values is None:
            zeros = [0] * model.n_vars
            if not check_solution(model, zeros):
                values = zeros
        if not objective.variables and values is not None:
            levels.append(LevelResult(objective.name, objective.sense, 0.0, 0.0,
                                      Status.OPTIMAL, 0.0))
            locks.append((objective, 0))
            continue
        left = None
        if time_limit is not None:
            left = time_limit - (time.perf_counter() - start)
            if left <= 0.05:
                status = Status.FEASIBLE if values is not None else Status.TIMEOUT
                message = "time limit reached; " + _unsolved(model, objective)
                break
        if cancel is not None and cancel():
            status = Status.CANCELLED
            message = "cancelled; " + _unsolved(model, objective)
            break
        level, level_values = solve_level(objective, locks, hint, left)
        if level_values is not None:
            broken = check_solution(model, level_values) + [
                f"{earlier.name} lock" for earlier, value in locks
                if (evaluate(model, level_values, earlier) < value
                    if earlier.sense == "max"
                    else evaluate(model, level_values, earlier) > value)
            ]
            if broken:
                # For the log file: the run's status and message tell the
                # planner that the level has no solution.
                logger.warning("%s returned a solution for %s that breaks %d "
                               "constraint(s), e.g. %s; discarded", backend_name,
                               objective.name, len(broken), broken[0],
                               extra={"file_only": True})
                level_values = None
                if level.status in (Status.OPTIMAL, Status.FEASIBLE):
                    level = LevelResult(level.name, level.sense, None, level.bound,
                                        Status.TIMEOUT, level.seconds)
        if level_values is None and level.objective is not None:
            # A level stopped without a solution has no objective value (a
            # back end may give 0 for it): it is not "reached".
            level = LevelResult(level.name, level.sense, None, level.bound,
                                level.status, level.seconds)
        levels.append(level)
        logger.info(
            "%s level %s: %s objective=%s bound=%s in %.2f s",
            backend_name, objective.name, level.status.value,
            level.objective, level.bound, level.seconds,
        )
        if level_values is None:
            if level.status in (Status.INFEASIBLE, Status.ERROR) or values is None:
                status = level.status if level.status != Status.FEASIBLE \
                    else Status.TIMEOUT
                values = None
                message = f"level {objective.name!r} ended {status.value} " \
                    "without a solution"
            else:
                status = Status.CANCELLED if level.status == Status.CANCELLED \
                    else Status.FEASIBLE
                message = f"{level.status.value}; " + _unsolved(model, objective)
            break
        values = level_values
        hint = {i: v for i, v in enumerate(values)}
        locks.append((objective, evaluate(model, values, objective)))
        if level.status != Status.OPTIMAL:
            status = Status.CANCELLED if level.status == Status.CANCELLED \
                else Status.FEASIBLE
            if level.status == Status.CANCELLED:
                following = model.objectives[model.objectives.index(objective) + 1:]
                if following:
                    message = "cancelled; " + _unsolved(model, following[0])
                break

    if values is None and status in (Status.OPTIMAL, Status.FEASIBLE):
        # Every level had an empty objective: any feasible point will do.
        values = [0] * model.n_vars
        if check_solution(model, values):
            status, values = Status.ERROR, None
            message = "nothing to optimise and the all-zero point is infeasible"
    return SolveResult(
        status=status,
        backend=backend_name,
        values=values,
        levels=levels,
        seconds=time.perf_counter() - start,
        message=message,
    )


def gap_percent(gap: float) -> str:
    """A solve's gap as a percentage: two decimals, and as many more as a
    gap under 0.01 % needs to show it is not nought (0.0025%), so that a
    run not proven optimal never reads "gap 0.00%"."""
    import math

    value = 100 * float(gap)
    if value <= 0 or value >= 0.01:
        return f"{value:.2f}%"
    return f"{value:.{1 - math.floor(math.log10(value))}f}%"
