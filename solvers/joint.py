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

Priority-respecting (no household waits while a unit it fits goes to a
household of lower priority) needs no constraint here: the weight of level 1
grows strictly with priority, so in any optimum of level 1 such a pair could
be swapped for a higher objective. The independent validator checks it.
TODO(#4): add it as a constraint once wishes can be ordered before housing.

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

    def decode(self, problem: JointProblem, values: list[int],
               rank: list[int] | None = None) -> JointSolution:
        """Read the class of each household and the facility of each group."""
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


@dataclass
class AggregatedModel:
    """Counts of interchangeable households and groups, and how to unfold them.

    Households with the same weight, eligible classes and groups (same
    candidate facilities and sizes), and with no lock of their own, are
    interchangeable in every constraint and objective; so are groups with
    the same candidate facilities and size living at the same location. The
    aggregated model counts them with bounded integers instead of one binary
    per household, which keeps its optimum identical to the detailed model's
    (tests compare both) while it is far smaller.
    """

    model: LinearModel
    types: list[list[int]]
    n: dict[tuple[int, int], int]
    s: dict[tuple[int, tuple[tuple[int, ...], int], int], int]

    def decode(self, problem: JointProblem, values: list[int],
               rank: list[int] | None = None) -> JointSolution:
        """Unfold counts into households and groups; ``rank`` breaks ties."""
        rank = rank or list(range(len(problem.household_weight)))
        household_class: list[int | None] = [None] * len(problem.household_weight)
        for t, members in enumerate(self.types):
            queue = sorted(members, key=lambda h: rank[h])
            for (tt, c), var in sorted(self.n.items()):
                if tt != t:
                    continue
                for _ in range(values[var]):
                    household_class[queue.pop(0)] = c

        location_of = [
            problem.household_location[h] if problem.household_location[h] is not None
            else (None if household_class[h] is None
                  else problem.class_location[household_class[h]])
            for h in range(len(problem.household_weight))
        ]
        waiting_groups: dict[tuple[int, tuple[tuple[int, ...], int]], list[int]] = (
            defaultdict(list))
        for g, group in enumerate(problem.groups):
            loc = location_of[group.household]
            if loc is not None:
                key = (tuple(group.facilities), group.persons)
                waiting_groups[loc, key].append(g)
        group_facility: list[int | None] = [None] * len(problem.groups)
        group_location: list[int | None] = [None] * len(problem.groups)
        for (loc, key), groups in waiting_groups.items():
            queue = sorted(groups, key=lambda g: (rank[problem.groups[g].household], g))
            for f in key[0]:
                var = self.s.get((loc, key, f))
                if var is None:
                    continue
                for _ in range(values[var]):
                    g = queue.pop(0)
                    group_facility[g] = f
                    group_location[g] = loc
        return JointSolution(household_class, group_facility, group_location)


def build_aggregated_model(problem: JointProblem) -> AggregatedModel:
    """The model of :func:`build_joint_model` over counts (siblings together).

    Variables: n[t, c] households of type t in class c (0..min(N_t, cap_c));
    s[l, k, f] groups of kind k (candidate facilities and size) living at
    location l that get facility f. Constraints::

        sum_c n[t, c] <= N_t
        sum_t n[t, c] <= capacity[c]
        sum_f s[l, k, f] <= G0[l, k] + sum_t m[t, k] sum_{c at l} n[t, c]
        sum_{l, k} size(k) s[l, k, f] <= cap(f)

    where G0 counts the groups of housed households and m[t, k] the groups of
    kind k in one household of type t. The objectives are those of the
    detailed model, summed over counts.
    """
    if any(group.split_set >= 0 for group in problem.groups):
        raise ValueError("the aggregated model keeps siblings together; use "
                         "build_joint_model when siblings may be split")
    model = LinearModel()
    profile: dict[int, list[tuple[tuple[int, ...], int]]] = defaultdict(list)
    for group in problem.groups:
        profile[group.household].append((tuple(group.facilities), group.persons))

    locked = set(problem.required) | {h for h, _c in problem.forbidden}
    type_index: dict[tuple, int] = {}
    types: list[list[int]] = []
    fixed_groups: dict[tuple[int, tuple[tuple[int, ...], int]], int] = defaultdict(int)
    for h, loc in enumerate(problem.household_location):
        if loc is not None:
            for key in profile[h]:
                fixed_groups[loc, key] += 1
            continue
        key = (problem.household_weight[h], tuple(sorted(problem.household_classes[h])),
               tuple(sorted(profile[h])), h if h in locked else -1)
        if key not in type_index:
            type_index[key] = len(types)
            types.append([])
        types[type_index[key]].append(h)

    n: dict[tuple[int, int], int] = {}
    class_terms: dict[int, list[int]] = defaultdict(list)
    housed_vars, housed_coefs = [], []
    # new_groups[l, k] = list of (var, multiplicity) adding groups of kind k at l
    new_groups: dict[tuple[int, tuple[tuple[int, ...], int]], list[tuple[int, int]]] = (
        defaultdict(list))
    for t, members in enumerate(types):
        h = members[0]
        kinds: dict[tuple[tuple[int, ...], int], int] = defaultdict(int)
        for key in profile[h]:
            kinds[key] += 1
        own = []
        for c in problem.household_classes[h]:
            if problem.class_capacity[c] <= 0 or (h, c) in problem.forbidden:
                continue
            upper = min(len(members), problem.class_capacity[c])
            var = model.new_var(f"n[{t},{c}]", upper)
            n[t, c] = var
            own.append(var)
            class_terms[c].append(var)
            housed_vars.append(var)
            housed_coefs.append(problem.household_weight[h])
            for key, count in kinds.items():
                new_groups[problem.class_location[c], key].append((var, count))
            if h in problem.required:
                model.fixed[var] = int(c == problem.required[h])
        model.add(own, [1] * len(own), upper=len(members), name=f"type_size[{t}]")
    for c, variables in class_terms.items():
        model.add(variables, [1] * len(variables), upper=problem.class_capacity[c],
                  name=f"class_capacity[{c}]")

    s: dict[tuple[int, tuple[tuple[int, ...], int], int], int] = {}
    facility_terms: dict[int, tuple[list[int], list[int]]] = defaultdict(
        lambda: ([], []))
    served_vars, served_coefs, walk_vars, walk_coefs = [], [], [], []
    for loc_key in sorted(set(fixed_groups) | set(new_groups)):
        loc, key = loc_key
        facilities, persons = key
        most = fixed_groups.get(loc_key, 0) + sum(
            count * model.upper[var] for var, count in new_groups.get(loc_key, []))
        own = []
        for f in facilities:
            walk = problem.reach.get((loc, f))
            if walk is None or most == 0:
                continue
            var = model.new_var(f"s[{loc},{f},{persons}]", most)
            s[loc, key, f] = var
            own.append(var)
            facility_terms[f][0].append(var)
            facility_terms[f][1].append(persons)
            served_vars.append(var)
            served_coefs.append(persons)
            walk_vars.append(var)
            walk_coefs.append(persons * int(round(walk)))
        if own:
            adds = new_groups.get(loc_key, [])
            model.add(own + [var for var, _ in adds],
                      [1] * len(own) + [-count for _, count in adds],
                      upper=fixed_groups.get(loc_key, 0), name=f"groups_at[{loc_key}]")
    for f, (variables, persons) in facility_terms.items():
        model.add(variables, persons, upper=problem.facility_capacity[f],
                  name=f"facility_capacity[{f}]")

    model.objectives = [
        Objective("housed", "max", housed_vars, housed_coefs),
        Objective("served", "max", served_vars, served_coefs),
        Objective("walk", "min", walk_vars, walk_coefs),
    ]
    return AggregatedModel(model, types, n, s)
