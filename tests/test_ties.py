"""Ties between alike households are decided by priority, then the lottery,
not by the order of the register (found by a new user: of two families with
a child, the one of higher priority was given the site without a school
because its row came first). Worked out by hand:

Class 0 lies at location 0, which reaches primary school 0 (one place);
class 1 at location 1 reaches nothing. Households 0 and 1 fit both classes
and have one child each for the school. Whoever is in class 0 gets the place:
both arrangements serve one child and walk the same, so the solver may give
it to either; the household of higher priority must get it.
"""

from __future__ import annotations

from solvers.joint import JointProblem, JointSolution, ServiceGroup
from solvers.ties import priority_first


def _problem(weights, waiting=None):
    households = len(weights) + (1 if waiting else 0)
    classes = [[0, 1]] * len(weights) + ([waiting[1]] if waiting else [])
    return JointProblem(
        class_location=[0, 1], class_capacity=[1, 1],
        household_weight=list(weights) + ([waiting[0]] if waiting else []),
        household_location=[None] * households, household_classes=classes,
        facility_capacity=[1], reach={(0, 0): 300},
        groups=[ServiceGroup(h, 1, [0], kind="primary")
                for h in range(len(weights))],
        objective_order=["housed", "served", "walk"], priority_respecting=True)


def _row_order_solution(extra=0):
    # The solver's choice: household 0 (the first row) in class 0, served.
    return JointSolution([0, 1] + [None] * extra, [0, None], [0, 1])


def test_the_household_of_higher_priority_gets_the_place():
    problem = _problem([10, 30])
    tied = priority_first(problem, _row_order_solution())
    assert tied.household_class == [1, 0]
    assert tied.group_facility == [None, 0]
    assert tied.group_location == [1, 0]


def test_equal_priority_is_left_to_the_lottery():
    problem = _problem([20, 20])
    assert priority_first(problem, _row_order_solution(),
                          rank=[1, 0]).household_class == [0, 1]


def test_no_waiting_household_of_higher_priority_is_passed_over():
    # Household 2 (priority 20) waits and fits class 1 only: class 1 may not
    # go to household 0 (priority 10), so the solver's answer stands.
    problem = _problem([10, 30], waiting=(20, [1]))
    assert priority_first(problem, _row_order_solution(extra=1)
                          ).household_class == [0, 1, None]


def test_on_a_generated_county_priority_first_keeps_every_level_and_rule():
    # Only packages of alike households change hands: every level's value
    # and every rule, checked independently of the solver, stay as they were.
    import datetime as dt

    from allocator.allocate import build_instance
    from bench.county import generate_project
    from solvers.fast import check_joint, joint_objectives, solve_fast

    problem = build_instance(generate_project(600, 5, "site"),
                             dt.date(2026, 10, 1)).problem
    solved = solve_fast(problem).solution
    tied = priority_first(problem, solved)
    assert check_joint(problem, tied) == []
    assert joint_objectives(problem, tied) == joint_objectives(problem, solved)
    assert tied.household_class != solved.household_class  # some ties decided
