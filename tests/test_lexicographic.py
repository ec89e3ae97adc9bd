"""The level-by-level driver shared by every back end, with a scripted solver."""

from __future__ import annotations

from solvers.base import LevelResult, LinearModel, Objective, Status, lexicographic


def _model() -> LinearModel:
    model = LinearModel()
    a, b = model.new_var("a"), model.new_var("b")
    model.add([a, b], [1, 1], upper=1)
    model.objectives = [Objective("first", "max", [a], [1]),
                        Objective("second", "max", [b], [1])]
    return model


def _scripted(*answers):
    calls = iter(answers)

    def solve_level(objective, locks, hint, seconds_left):
        status, values = next(calls)
        value = None if values is None else float(
            sum(c * values[v] for v, c in zip(objective.variables,
                                              objective.coefficients)))
        return LevelResult(objective.name, objective.sense, value, value, status,
                           0.1), values
    return solve_level


def test_all_levels_optimal():
    result = lexicographic(_model(), _scripted((Status.OPTIMAL, [1, 0]),
                                               (Status.OPTIMAL, [1, 0])),
                           "fake", None, None)
    assert (result.status, result.values, result.gap) == (Status.OPTIMAL, [1, 0], 0)


def test_stop_in_second_level_keeps_the_first_levels_solution():
    result = lexicographic(_model(), _scripted((Status.OPTIMAL, [1, 0]),
                                               (Status.TIMEOUT, None)),
                           "fake", None, None)
    assert result.status == Status.FEASIBLE and result.values == [1, 0]
    assert "levels not solved: second" in result.message


def test_a_solution_breaking_a_lock_or_constraint_is_discarded(caplog):
    # The second level "finds" b = 1 with a = 1: breaks a + b <= 1.
    result = lexicographic(_model(), _scripted((Status.OPTIMAL, [1, 0]),
                                               (Status.FEASIBLE, [1, 1])),
                           "fake", None, None)
    assert result.values == [1, 0] and result.status == Status.FEASIBLE
    # Said in the log file only: the run's status tells the planner.
    [record] = [r for r in caplog.records if "discarded" in r.getMessage()]
    assert record.file_only is True
    # Here it drops a = 1, which level 1 locked.
    result = lexicographic(_model(), _scripted((Status.OPTIMAL, [1, 0]),
                                               (Status.OPTIMAL, [0, 1])),
                           "fake", None, None)
    assert result.values == [1, 0]


def test_nothing_found_is_a_timeout_without_values():
    result = lexicographic(_model(), _scripted((Status.TIMEOUT, None)), "fake",
                           None, None)
    assert (result.status, result.values) == (Status.TIMEOUT, None)


def test_cancel_before_start_and_infeasible():
    result = lexicographic(_model(), _scripted(), "fake", None, lambda: True)
    assert (result.status, result.values) == (Status.CANCELLED, None)
    result = lexicographic(_model(), _scripted((Status.INFEASIBLE, None)), "fake",
                           None, None)
    assert (result.status, result.values) == (Status.INFEASIBLE, None)


def test_a_level_stopped_without_a_solution_has_no_objective_value():
    # Found by a new user: a back end gave 0 for the walking level it was
    # cancelled in; the run then counted that level as reached and the
    # unfinished allocation was stored as complete.
    def solve_level(objective, locks, hint, seconds_left):
        if objective.name == "first":
            return LevelResult("first", "max", 1.0, 1.0, Status.OPTIMAL, 0.1), [1, 0]
        return LevelResult("second", "max", 0.0, None, Status.CANCELLED, 0.1), None

    result = lexicographic(_model(), solve_level, "fake", None, None)
    assert result.status == Status.CANCELLED and result.values == [1, 0]
    assert [level.objective for level in result.levels] == [1.0, None]
    assert "levels not solved: second" in result.message


def test_cbc_that_writes_no_solution_is_a_timeout_when_its_limit_is_spent(
        monkeypatch):
    # Found by a new user: `--backend cbc --time-limit 1.5` failed 2 runs in 4
    # with PuLP's "Pulp: Error while trying to execute …/cbc" (status error):
    # CBC stopped by its limit before a solution writes none. With the limit
    # spent that is a time-out; with time left it stays an error.
    import time

    import pulp

    from solvers import get_backend

    def no_solution(self, solver=None, **kwargs):
        time.sleep(0.3)
        raise pulp.PulpSolverError("Pulp: Error while trying to execute cbc")

    monkeypatch.setattr(pulp.LpProblem, "solve", no_solution)
    backend = get_backend("cbc")
    assert backend.solve(_model(), time_limit=0.3).levels[0].status == Status.TIMEOUT
    assert backend.solve(_model(), time_limit=60).levels[0].status == Status.ERROR
