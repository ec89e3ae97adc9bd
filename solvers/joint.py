"""The joint housing + services allocation model, on plain numbers.

Formulation
-----------
Sets: households H (waiting ones W and already housed ones with a fixed
location), unit classes C (interchangeable vacant units: same location, area
and accessibility) with location loc(c) and ``capacity[c]`` vacant units,
facilities F with capacity cap(f), service groups G (the school-age children
of one household at one level, who go to one school, or the residents of one
household registered at one clinic), each with ``persons[g]`` people and
candidate facilities K(g). R holds the (location, facility) pairs inside the
facility's catchment with their walking distance d(l, f).

Variables (all binary):

- x[h, c] = 1 if waiting household h gets a unit of class c, for the classes
  whose area band and accessibility fit h;
- z[g, l, f] = 1 if group g is placed at facility f while living at location
  l, for (l, f) in R; for a housed household l is fixed;
- u[s, f] = 1 if some child of split set s goes to f (only when siblings may
  be split: each child is then its own group, and s gathers them).

Constraints::

    sum_c x[h, c] <= 1                        each household at most one unit
    sum_h x[h, c] <= capacity[c]              vacant units of a class
    sum_{l, f} z[g, l, f] <= 1                a group at most one facility
    sum_f z[g, l, f] <= sum_{c: loc(c) = l} x[h(g), c]
                                              a place only where h lives
    sum_{g, l} persons[g] z[g, l, f] <= cap(f)
    sum_l z[g, l, f] <= u[s(g), f]            (split sets only)

Objectives, lexicographic:

1. max sum weight[h] x[h, c]                  households housed, by priority
2. max sum persons[g] z[g, l, f]              service places inside catchment
3. min sum persons[g] d(l, f) z[g, l, f] + penalty * sum u[s, f]
                                              walking, and sibling splits
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from solvers.base import LinearModel, Objective


@dataclass
class ServiceGroup:
    """People of one household who need one facility of one kind."""

    household: int
    persons: int
    facilities: list[int]
    split_set: int = -1


@dataclass
class JointProblem:
    """Plain numeric input of the joint model (see module docstring)."""

    class_location: list[int]
    class_capacity: list[int]
    household_weight: list[int]
    household_location: list[int | None]
    household_classes: list[list[int]]
    facility_capacity: list[int]
    reach: dict[tuple[int, int], int]
    groups: list[ServiceGroup]
    split_penalty: int = 0
    forbidden: set[tuple[int, int]] = field(default_factory=set)
    required: dict[int, int] = field(default_factory=dict)


@dataclass
class JointSolution:
    """Decoded solution: class per household, (location, facility) per group."""

    household_class: list[int | None]
    group_facility: list[int | None]
    group_location: list[int | None]


@dataclass
class JointModel:
    """The linear model plus the maps needed to decode its solution."""

    model: LinearModel
    x: dict[tuple[int, int], int]
    z: dict[tuple[int, int, int], int]

    def decode(self, problem: JointProblem, values: list[int]) -> JointSolution:
        household_class: list[int | None] = [None] * len(problem.household_weight)
        for (h, c), var in self.x.items():
            if values[var]:
                household_class[h] = c
        group_facility: list[int | None] = [None] * len(problem.groups)
        group_location: list[int | None] = [None] * len(problem.groups)
        for (g, loc, f), var in self.z.items():
            if values[var]:
                group_facility[g] = f
                group_location[g] = loc
        return JointSolution(household_class, group_facility, group_location)


def build_joint_model(problem: JointProblem) -> JointModel:
    """Translate a :class:`JointProblem` into a :class:`LinearModel`."""
    model = LinearModel()
    x: dict[tuple[int, int], int] = {}
    classes_by_household: dict[int, dict[int, list[int]]] = {}

    class_vars: dict[int, list[int]] = defaultdict(list)
    for h, classes in enumerate(problem.household_classes):
        if problem.household_location[h] is not None:
            continue
        by_location: dict[int, list[int]] = defaultdict(list)
        for c in classes:
            if (h, c) in problem.forbidden or problem.class_capacity[c] <= 0:
                continue
            var = model.new_var(f"x[{h},{c}]")
            x[h, c] = var
            by_location[problem.class_location[c]].append(var)
            class_vars[c].append(var)
        if h in problem.required:
            required = problem.required[h]
            for c in classes:
                if (h, c) in x:
                    model.fixed[x[h, c]] = int(c == required)
        own = [x[h, c] for c in classes if (h, c) in x]
        model.add(own, [1] * len(own), upper=1, name=f"one_unit[{h}]")
        classes_by_household[h] = by_location
    for c, variables in class_vars.items():
        model.add(variables, [1] * len(variables), upper=problem.class_capacity[c],
                  name=f"class_capacity[{c}]")

    z: dict[tuple[int, int, int], int] = {}
    facility_terms: dict[int, tuple[list[int], list[int]]] = defaultdict(
        lambda: ([], []))
    split_terms: dict[tuple[int, int], list[int]] = defaultdict(list)
    served_vars, served_coefs, walk_vars, walk_coefs = [], [], [], []
    for g, group in enumerate(problem.groups):
        fixed_location = problem.household_location[group.household]
        if fixed_location is not None:
            locations = {fixed_location: None}
        else:
            locations = classes_by_household.get(group.household, {})
        own = []
        for loc, unit_vars in locations.items():
            at_location = []
            for f in group.facilities:
                walk = problem.reach.get((loc, f))
                if walk is None:
                    continue
                var = model.new_var(f"z[{g},{loc},{f}]")
                z[g, loc, f] = var
                at_location.append(var)
                own.append(var)
                facility_terms[f][0].append(var)
                facility_terms[f][1].append(group.persons)
                served_vars.append(var)
                served_coefs.append(group.persons)
                walk_vars.append(var)
                walk_coefs.append(group.persons * int(round(walk)))
                if group.split_set >= 0:
                    split_terms[group.split_set, f].append(var)
            if unit_vars is not None and at_location:
                model.add(at_location + unit_vars,
                          [1] * len(at_location) + [-1] * len(unit_vars),
                          upper=0, name=f"lives_at[{g},{loc}]")
        model.add(own, [1] * len(own), upper=1, name=f"one_place[{g}]")
    for f, (variables, persons) in facility_terms.items():
        model.add(variables, persons, upper=problem.facility_capacity[f],
                  name=f"facility_capacity[{f}]")

    penalty_vars = []
    if problem.split_penalty > 0:
        by_set: dict[tuple[int, int], list[int]] = defaultdict(list)
        for (split_set, f), variables in split_terms.items():
            by_set[split_set, f].extend(variables)
        for (split_set, f), variables in by_set.items():
            used = model.new_var(f"u[{split_set},{f}]")
            penalty_vars.append(used)
            for var in variables:
                model.add([var, used], [1, -1], upper=0)

    housed_vars = list(x.values())
    housed_coefs = [problem.household_weight[h] for (h, _c) in x]
    model.objectives = [
        Objective("housed", "max", housed_vars, housed_coefs),
        Objective("served", "max", served_vars, served_coefs),
        Objective(
            "walk", "min",
            walk_vars + penalty_vars,
            walk_coefs + [problem.split_penalty] * len(penalty_vars),
        ),
    ]
    return JointModel(model, x, z)
