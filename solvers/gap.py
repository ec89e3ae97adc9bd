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


def read_orlib_gap(path: Path) -> GapInstance:
    """Read one problem in OR-Library format: ``m n``, m x n costs, m x n
    resource use, m capacities (whitespace-separated integers)."""
    path = Path(path)
    try:
        numbers = [int(token) for token in path.read_text().split()]
    except ValueError as exc:
        raise GapFormatError(f"{path}: not a GAP instance ({exc})") from None
    if len(numbers) < 2:
        raise GapFormatError(f"{path}: not a GAP instance (empty)")
    agents, jobs = numbers[0], numbers[1]
    expected = 2 + 2 * agents * jobs + agents
    if agents <= 0 or jobs <= 0 or len(numbers) != expected:
        raise GapFormatError(
            f"{path}: expected {expected} numbers for {agents} agents x {jobs} jobs, "
            f"found {len(numbers)}; is it one problem in OR-Library format?")
    data = numbers[2:]
    cost = [data[i * jobs:(i + 1) * jobs] for i in range(agents)]
    offset = agents * jobs
    resource = [data[offset + i * jobs: offset + (i + 1) * jobs]
                for i in range(agents)]
    capacity = data[2 * offset:]
    return GapInstance(cost, resource, capacity)


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
              time_limit: float | None = None) -> dict:
    """Solve one instance; the JSON-ready result of ``allocator bench gap``."""
    start = time.perf_counter()
    instance = read_orlib_gap(path)
    model = build_gap_model(instance, sense)
    name = "highs" if backend == "auto" else backend
    from solvers import get_backend

    result = get_backend(name).solve(model, time_limit=time_limit)
    level = result.levels[0] if result.levels else None
    status = result.status.value
    if status == "cancelled":
        status = "timeout"
    return {
        "instance": Path(path).stem,
        "sense": sense,
        "backend": name,
        "status": status,
        "objective": None if level is None else level.objective,
        "bound": None if level is None else level.bound,
        "seconds": round(time.perf_counter() - start, 3),
    }
