"""Ties between households the objectives cannot tell apart.

Two households waiting in the same round that fit the same classes, bring the
same service needs (the same groups of the same size for the same kinds of
facility), have the same wishes, village group and coverage group can swap
everything they were given (class, school places, clinic) without changing
any level of the objective, the capacities or the coverage gap. Which of them
gets which is then the solver's arbitrary choice, and in practice follows the
order of the register's rows.

:func:`priority_first` decides such ties instead: among alike households, the
one of higher priority (weight) gets the better package, judged level by
level in the planner's objective order (persons served, wish points, walk);
households of equal priority are taken in the lottery's order. A
rearrangement that would leave a waiting household of higher priority than
the new holder eligible for a class (priority-respecting) is not made.
Households with a home (reallocation), a lock, a forbidden class or siblings
that may be split are left as they are.
"""

from __future__ import annotations

from collections import defaultdict

from solvers.joint import JointProblem, JointSolution


def priority_first(problem: JointProblem, solution: JointSolution,
                   rank: list[int] | None = None) -> JointSolution:
    """``solution`` with the packages of alike households given out by
    priority, then by ``rank`` (the lottery; 0 draws first)."""
    n = len(problem.household_weight)
    rank = rank or list(range(n))
    groups_of: dict[int, list[int]] = defaultdict(list)
    for g, group in enumerate(problem.groups):
        groups_of[group.household].append(g)
    barred = {h for h, _c in problem.forbidden}
    paired = {h for h1, h2, _gain in problem.family_pairs for h in (h1, h2)}
    split = {group.household for group in problem.groups if group.split_set >= 0}

    def group_key(g: int) -> tuple:
        group = problem.groups[g]
        return (tuple(group.facilities), group.persons, group.kind)

    alike: dict[tuple, list[int]] = defaultdict(list)
    for h in range(n):
        c = solution.household_class[h]
        if (c is None or problem.household_location[h] is not None
                or h in problem.required or h in barred or h in paired or h in split
                or h in problem.household_home or h in problem.home_places):
            continue
        key = (tuple(problem.household_classes[h]),
               tuple(sorted(group_key(g) for g in groups_of[h])),
               tuple(sorted(problem.household_wishes[h].items()))
               if h < len(problem.household_wishes) else (),
               problem.household_village[h]
               if h < len(problem.household_village) else -1,
               problem.coverage_group[h] if h < len(problem.coverage_group) else -1)
        alike[key].append(h)

    household_class = list(solution.household_class)
    group_facility = list(solution.group_facility)
    group_location = list(solution.group_location)
    most_waiting = _most_waiting(problem, solution) if problem.priority_respecting \
        else {}
    order = [level for level in problem.objective_order
             if level in ("served", "wishes", "walk")]
    for households in alike.values():
        if len(households) < 2 or len({problem.household_weight[h]
                                       for h in households}) < 2:
            continue  # equal priority: the lottery placed them already
        packages = []
        for h in households:
            groups = sorted(groups_of[h], key=lambda g: (group_key(g), g))
            places = [(solution.group_facility[g], solution.group_location[g])
                      for g in groups]
            packages.append((_worth(problem, h, solution.household_class[h],
                                    groups, places, order),
                             solution.household_class[h], places))
        packages.sort(key=lambda p: (p[0], p[1]))
        takers = sorted(households, key=lambda h: (-problem.household_weight[h],
                                                   rank[h]))
        if any(problem.household_weight[h] < most_waiting.get(package[1], 0)
               for h, package in zip(takers, packages)):
            continue  # would pass over a waiting household of higher priority
        for h, (_worth_, c, places) in zip(takers, packages):
            household_class[h] = c
            groups = sorted(groups_of[h], key=lambda g: (group_key(g), g))
            for g, (f, loc) in zip(groups, places):
                group_facility[g], group_location[g] = f, loc
    return JointSolution(household_class, group_facility, group_location)


def _worth(problem: JointProblem, h: int, c: int, groups: list[int],
           places: list[tuple], order: list[str]) -> tuple:
    """How good a package is, level by level in ``order``: smaller is
    better (persons served and wish points negated, walk as it is)."""
    served = sum(problem.groups[g].persons
                 for g, (f, _loc) in zip(groups, places) if f is not None)
    walk = sum(problem.groups[g].persons * problem.reach.get((loc, f), 0)
               for g, (f, loc) in zip(groups, places) if f is not None)
    wishes = problem.household_wishes[h].get(c, 0) \
        if h < len(problem.household_wishes) else 0
    value = {"served": -served, "wishes": -wishes, "walk": walk}
    return tuple(value[level] for level in order)


def _most_waiting(problem: JointProblem, solution: JointSolution) -> dict[int, int]:
    """Per class, the highest weight of a waiting household that fits it."""
    most: dict[int, int] = {}
    for w, c in enumerate(solution.household_class):
        if c is not None or problem.household_location[w] is not None:
            continue
        weight = problem.household_weight[w]
        for k in problem.household_classes[w]:
            if (w, k) not in problem.forbidden and weight > most.get(k, -1):
                most[k] = weight
    return most
