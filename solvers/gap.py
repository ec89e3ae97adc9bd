"""The generalized assignment problem (GAP) the allocation model rests on.

Every job j goes to exactly one agent i; agent i's jobs use at most its
capacity b_i of resource::

    min (or max)  sum_ij c_ij x_ij
    s.t.          sum_i x_ij = 1            for every job j
                  sum_j r_ij x_ij <= b_i    for every agent i
                  x_ij in {0, 1}

Housing households in unit classes is a GAP with unit resource use; the
OR-Library instances (Beasley) with published optima check the back ends on
the bare structure.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

from solvers.base import LinearModel, Objective


@dataclass
class GapInstance:
    """Costs ``cost[i][j]``, resource use ``resource[i][j]``, ``capacity[i]``."""

    cost: list[list[int]]
    resource: list[list[int]]
    capacity: list[int]

    @property
    def agents(self) -> int:
        return len(self.capacity)

    @property
    def jobs(self) -> int:
        return len(self.cost[0]) if self.cost else 0


class GapFormatError(ValueError):
    """A file that is not an OR-Library GAP instance."""


_WHOLE = re.compile(r"[+-]?[0-9]+")


def _tokens(path: Path) -> list[tuple[str, int]]:
    """Every whitespace-separated token of the file with its 1-based line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise GapFormatError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise GapFormatError(f"{path}: is a folder, not a GAP file") from None
    except UnicodeDecodeError:
        raise GapFormatError(f"{path}: not a GAP instance (not a text file)") from None
    except OSError as exc:
        raise GapFormatError(f"{path}: cannot be read ({exc.strerror})") from None
    return [(token, number) for number, line in enumerate(text.split("\n"), 1)
            for token in line.split()]


GAP_NUMBER_MAX = 1_000_000_000
"""Largest cost, resource use or capacity read (either sign): the published
instances stay under 100; beyond about 2**53 the solvers lose digits and
CP-SAT takes no larger integers."""


def _whole(token: str, line: int, where: str) -> int:
    if not _WHOLE.fullmatch(token):
        raise GapFormatError(f"{where} (line {line}): {token!r} is not a whole number")
    return int(token)


def _read_problem(path: Path, tokens: list[tuple[str, int]], start: int,
                  label: str) -> tuple[GapInstance, int]:
    """The problem whose header is at ``tokens[start]``; also where it ends."""
    where = f"{path}: {label}"
    if start + 2 > len(tokens):
        raise GapFormatError(f"{where}: the file ends before its header "
                             "(number of agents, number of jobs)")
    agents = _whole(*tokens[start], f"{where}, header")
    jobs = _whole(*tokens[start + 1], f"{where}, header")
    if agents <= 0 or jobs <= 0:
        raise GapFormatError(
            f"{where}, header (line {tokens[start][1]}): {agents} agents x {jobs} "
            "jobs; the numbers of agents and jobs must be positive whole numbers")
    expected = 2 + 2 * agents * jobs + agents
    position = start + 2

    def take(spot: str, signed: bool) -> int:
        nonlocal position
        if position >= len(tokens):
            raise GapFormatError(
                f"{where}: expected {expected} numbers for {agents} agents x "
                f"{jobs} jobs, found {position - start}; the file ends at {spot}")
        token, line = tokens[position]
        value = _whole(token, line, f"{where}, {spot}")
        if abs(value) > GAP_NUMBER_MAX:
            raise GapFormatError(
                f"{where}, {spot} (line {line}): {value} is too large; the "
                f"numbers of a GAP instance are at most {GAP_NUMBER_MAX:,} "
                "either sign")
        if value < 0 and not signed:
            raise GapFormatError(
                f"{where}, {spot} (line {line}): {value} is negative; resource "
                "use and capacities must be 0 or more")
        position += 1
        return value

    # Costs may be negative: the format puts no sign on them, and every job
    # goes to exactly one agent, so adding a constant to a job's costs shifts
    # every assignment's objective alike (under --sense max they are profits).
    # Resource use and capacities are amounts consumed and held: a negative
    # one would let an agent gain room by taking a job. Every published
    # instance has all three positive.
    cost = [[take(f"costs, agent {i + 1}, job {j + 1}", signed=True)
             for j in range(jobs)] for i in range(agents)]
    resource = [[take(f"resource use, agent {i + 1}, job {j + 1}", signed=False)
                 for j in range(jobs)] for i in range(agents)]
    capacity = [take(f"capacities, agent {i + 1}", signed=False)
                for i in range(agents)]
    return GapInstance(cost, resource, capacity), position


def read_orlib_gap_problems(path: Path) -> list[GapInstance]:
    """Every problem of an OR-Library GAP file.

    Two layouts: one problem (``m n``, m x n costs, m x n resource use, m
    capacities, as in the split files and Yagiura's instances), or OR-Library's
    gap1-gap12 files, whose first line holds only the number of problems P,
    followed by P problems. All numbers are whole and whitespace-separated."""
    path = Path(path)
    tokens = _tokens(path)
    if not tokens:
        raise GapFormatError(f"{path}: not a GAP instance (empty)")
    several = sum(1 for _, line in tokens if line == tokens[0][1]) == 1
    if not several:
        instance, end = _read_problem(path, tokens, 0, "problem 1")
        if end < len(tokens):
            raise GapFormatError(
                f"{path}: problem 1: expected {end} numbers for {instance.agents} "
                f"agents x {instance.jobs} jobs, found {len(tokens)} (more from "
                f"line {tokens[end][1]} on); is it one problem in OR-Library "
                "format?")
        return [instance]
    count = _whole(tokens[0][0], tokens[0][1], f"{path}: number of problems")
    if count <= 0:
        raise GapFormatError(
            f"{path}: number of problems (line {tokens[0][1]}): {count}; it must "
            "be a positive whole number")
    problems, position = [], 1
    for p in range(count):
        instance, position = _read_problem(
            path, tokens, position, f"problem {p + 1} of {count}")
        problems.append(instance)
    if position < len(tokens):
        raise GapFormatError(
            f"{path}: the first line says {count} problem(s), but numbers follow "
            f"the last one (from line {tokens[position][1]} on)")
    return problems


def read_orlib_gap(path: Path, problem: int | None = None) -> GapInstance:
    """Problem ``problem`` (1-based) of an OR-Library GAP file; without it, the
    file's only problem."""
    problems = read_orlib_gap_problems(path)
    if problem is None:
        if len(problems) > 1:
            raise GapFormatError(f"{path}: holds {len(problems)} problems; "
                                 "choose one")
        problem = 1
    if not 1 <= problem <= len(problems):
        raise GapFormatError(f"{path}: holds {len(problems)} problem(s), not "
                             f"a problem {problem}")
    return problems[problem - 1]


def build_gap_model(instance: GapInstance, sense: str = "min") -> LinearModel:
    """The GAP as a :class:`LinearModel` with one objective."""
    if sense not in ("min", "max"):
        raise ValueError("sense must be min or max")
    model = LinearModel()
    x = [[model.new_var(f"x[{i},{j}]") for j in range(instance.jobs)]
         for i in range(instance.agents)]
    for j in range(instance.jobs):
        model.add([x[i][j] for i in range(instance.agents)], [1] * instance.agents,
                  lower=1, upper=1, name=f"job[{j}]")
    for i in range(instance.agents):
        model.add(x[i], instance.resource[i], upper=instance.capacity[i],
                  name=f"capacity[{i}]")
    model.objectives = [Objective(
        "cost", sense, [v for row in x for v in row],
        [c for row in instance.cost for c in row])]
    return model


def solve_gap(path: Path, sense: str = "min", backend: str = "auto",
              time_limit: float | None = None, problem: int | None = None) -> dict:
    """Solve one instance; the JSON-ready result of ``allocator bench gap``.

    ``problem`` (1-based) picks a problem of a file that holds several; the
    result then names it ``<file>_<problem>``, as the split files are named."""
    start = time.perf_counter()
    instance = read_orlib_gap(path, problem)
    model = build_gap_model(instance, sense)
    name = "highs" if backend == "auto" else backend
    from solvers import get_backend

    result = get_backend(name).solve(model, time_limit=time_limit)
    stem = Path(path).stem
    level = result.levels[0] if result.levels else None
    status = result.status.value
    if status == "cancelled":
        status = "timeout"
    return {
        "instance": stem if problem is None else f"{stem}_{problem}",
        "sense": sense,
        "backend": name,
        "status": status,
        "objective": None if level is None else level.objective,
        "bound": None if level is None else level.bound,
        "seconds": round(time.perf_counter() - start, 3),
    }
