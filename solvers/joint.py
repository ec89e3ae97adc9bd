"""The joint housing + services allocation model, on plain numbers.

Formulation
-----------
Sets: households H (waiting ones W and already housed ones with a fixed
location), unit classes C (interchangeable vacant units: same location, area,
accessibility and, when a low floor is wished, low or not) with location
loc(c) and ``capacity[c]`` vacant units,
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

Planner's options (issue #4)::

    priority-respecting (on by default): no household waits while a unit it
        is eligible for goes to a household of lower priority; a constraint
        over pools of classes with the same eligible households (see
        _priority_respecting), needed once wishes or village groups may come
        before housing, or locks exist;
    coverage gap cap (off by default): per service kind, the coverage rates
        of the coverage groups (categories or townships) differ by at most a
        cap (see _coverage_gap; per-household model only).

Objectives, lexicographic, in the planner's order (``objective_order``;
default housed, served, wishes, village, walk):

    housed   max sum weight[h] x[h, c]        households housed, by priority
    served   max sum persons[g] z[g, l, f]    service places inside catchment
    wishes   max sum wish[h, c] x[h, c]       points for a ranked site and a
                                              low floor asked for
    village  max sum_{h, s} a[h, s]           households of a village group at
             a[h, s] <= sum_{site(c) = s} x[h, c]   the group's main site
             a[h, s] <= m[v(h), s],  sum_s m[v, s] <= 1   (m binary: the
                                              village's one main site)
    walk     min sum persons[g] d(l, f) z[g, l, f] + penalty * sum u[s, f]
                                              walking, and sibling splits

Reallocation (issue #5): a household allocated before and not moved in has
a home class home(h); it must stay housed, and two levels follow "housed"::

    moves    max sum_{h, c} (gain[h, c] - P [c != home(h)]) x[h, c]
                 + sum_{(h1, h2, G), s} G y[h1, h2, s]
                 + sum_{g long, l != home loc, d(l, f) <= T_g}
                       persons[g] (D_g - d(l, f)) z[g, l, f]
             y[h1, h2, s] <= sum_{site(c) = s} x[hi, c]   (i = 1, 2)
                                              only with ``move_gains``: a move
                                              costs P and is made when what
                                              it gains (a family at one site,
                                              a school trip D_g > T_g cut to
                                              at most T_g) is worth more
    kept     max sum_h x[h, home(h)]          the fewest moves

Kept places (issue #5): a household with a home keeps its stored school
places and clinic registration while it stays in its home class (unless the
planner allows service changes). For each such place (g, f)::

    capacity of f:  ... + persons[g] x[h, home(h)] <= cap(f)
    sum_f z[g, l, f] <= sum_{c: loc(c) = l, c != home(h)} x[h, c]

so the place takes its capacity exactly when h stays, counts as served and
walked from home, and g is placed again only when h moves.

What-if scenarios (issue #5): the homes and places are the base
allocation's and bind nothing; "kept" is the last level, a tie-break among
answers equally good on every earlier level (walking included), and counts
both households left in their base class and people left at their base
place b(g) (``home_places``, here for every household with a base place)::

    kept     max U sum_h x[h, home(h)] + sum_g persons[g] sum_l z[g, l, b(g)]

with U one more than all people at base places, so a unit kept outweighs
every place (units first, then places). Walking is the level before: only
places with equal walks (rounded to the metre) are free to follow the base.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from solvers.base import LinearModel, Objective

PLANNER_LEVELS = ("housed", "served", "wishes", "village", "walk")
"""Levels a planner orders; other levels (a reallocation's "moves" and "kept")
keep their place right after the level they follow when the model is built."""
COVERAGE_SCALE = 10_000
"""Coverage rates in the gap cap are counted in 1/10,000 (0.01 %)."""


@dataclass
class ServiceGroup:
    """People of one household who need one facility of one kind."""

    household: int
    persons: int
    facilities: list[int]
    split_set: int = -1
    kind: str = ""


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
    # Reallocation with moves (issue #5): a household housed before, with the
    # class of its unit. It stays housed, and a "kept" level right after
    # "housed" maximises the households left in their class (fewest moves).
    household_home: dict[int, int] = field(default_factory=dict)
    # A what-if scenario (issue #5): the homes are the base allocation's
    # classes, nobody must stay housed, and the "kept" level comes last, a
    # tie-break among equally good answers (fewest differences from base).
    home_is_tiebreak: bool = False
    # Moves at a penalty (issue #5): with ``move_gains``, a "moves" level
    # right after "housed" (before "kept") maximises the gains of where the
    # households with a home end up, less ``move_penalty`` per household out
    # of its home class (see the module docstring). ``home_gain[h][c]``: gain
    # of household h in class c (a family member lives at the site of c);
    # ``family_pairs`` (h1, h2, gain): two households with homes at one site
    # (by ``class_site``); ``long_trips[g] = (home location, walk now, limit)``:
    # group g gains persons x (walk now - walk) at a facility within the
    # limit from another location.
    move_gains: bool = False
    move_penalty: int = 0
    home_gain: dict[int, dict[int, int]] = field(default_factory=dict)
    family_pairs: list[tuple[int, int, int]] = field(default_factory=list)
    long_trips: dict[int, tuple[int, int, int]] = field(default_factory=dict)
    # Kept places (issue #5): household h with a home keeps facility f for
    # its group g while it stays in its home class (``home_places[h]`` lists
    # the (g, f)); the caller checks that f is within reach of the home and
    # that the kept places fit the capacities. In a what-if
    # (``home_is_tiebreak``) they are the base's places of every household,
    # housed or not, and bind nothing: the "kept" tie-break prefers them.
    home_places: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    # Planner's levels and fairness options (issue #4), see the module
    # docstring: wish points per household and class, the village group of
    # each household (-1: none) with the site of each class, the order of
    # the levels, priority-respecting, and the coverage gap cap (in
    # 1/COVERAGE_SCALE) between the coverage groups of households (-1: none).
    household_wishes: list[dict[int, int]] = field(default_factory=list)
    household_village: list[int] = field(default_factory=list)
    class_site: list[int] = field(default_factory=list)
    objective_order: list[str] = field(
        default_factory=lambda: list(PLANNER_LEVELS))
    priority_respecting: bool = False
    coverage_group: list[int] = field(default_factory=list)
    coverage_gap_cap: int | None = None


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
    stay: dict[int, int] = field(default_factory=dict)  # kept group -> x var

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
        _decode_kept(problem, household_class, group_facility, group_location)
        return JointSolution(household_class, group_facility, group_location)


def _add_stay_terms(stay_terms: list[tuple[int, int, int, int]],
                    facility_terms: dict[int, tuple[list[int], list[int]]],
                    served_vars: list[int], served_coefs: list[int],
                    walk_vars: list[int], walk_coefs: list[int]) -> None:
    """Add kept places (var, facility, persons, persons x walk) to the
    capacities and the served and walk levels, one term per variable (a
    variable listed twice in one row would count once in some back ends)."""
    capacity: dict[tuple[int, int], int] = defaultdict(int)
    served: dict[int, int] = defaultdict(int)
    walked: dict[int, int] = defaultdict(int)
    for var, f, persons, walk in stay_terms:
        capacity[f, var] += persons
        served[var] += persons
        walked[var] += walk
    for (f, var), persons in capacity.items():
        facility_terms[f][0].append(var)
        facility_terms[f][1].append(persons)
    served_vars.extend(served)
    served_coefs.extend(served.values())
    walk_vars.extend(walked)
    walk_coefs.extend(walked.values())


def _decode_kept(problem: JointProblem, household_class: list[int | None],
                 group_facility: list[int | None],
                 group_location: list[int | None]) -> None:
    """Give the groups of households that stayed home their kept places."""
    for h, places in kept_places(problem).items():
        home = problem.household_home[h]
        if household_class[h] != home:
            continue
        for g, f in places:
            group_facility[g] = f
            group_location[g] = problem.class_location[home]


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
        if h in problem.household_home and not problem.home_is_tiebreak:
            model.add(own, [1] * len(own), lower=1, name=f"stays_housed[{h}]")
        classes_by_household[h] = by_location
    for c, variables in class_vars.items():
        model.add(variables, [1] * len(variables), upper=problem.class_capacity[c],
                  name=f"class_capacity[{c}]")

    z: dict[tuple[int, int, int], int] = {}
    facility_terms: dict[int, tuple[list[int], list[int]]] = defaultdict(
        lambda: ([], []))
    split_terms: dict[tuple[int, int], list[int]] = defaultdict(list)
    served_vars, served_coefs, walk_vars, walk_coefs = [], [], [], []
    stay_vars: dict[int, int] = {}  # group kept at home -> x[h, home(h)]
    stay_terms: list[tuple[int, int, int, int]] = []
    for h, places in kept_places(problem).items():
        home = problem.household_home[h]
        if (h, home) not in x:
            continue
        walk_from = problem.class_location[home]
        for g, f in places:
            persons = problem.groups[g].persons
            stay_vars[g] = x[h, home]
            stay_terms.append((x[h, home], f, persons, persons * int(round(
                problem.reach[walk_from, f]))))
    _add_stay_terms(stay_terms, facility_terms, served_vars, served_coefs,
                    walk_vars, walk_coefs)
    for g, group in enumerate(problem.groups):
        fixed_location = problem.household_location[group.household]
        if fixed_location is not None:
            locations = {fixed_location: None}
        else:
            locations = classes_by_household.get(group.household, {})
            if g in stay_vars:  # placed again only where it moved to
                locations = {loc: [v for v in unit_vars if v != stay_vars[g]]
                             for loc, unit_vars in locations.items()}
                locations = {loc: unit_vars for loc, unit_vars in locations.items()
                             if unit_vars}
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
    members = {h: [h] for h in {h for h, _c in x}}
    base = base_places(problem)
    same_place = [(var, problem.groups[g].persons) for (g, _loc, f), var in z.items()
                  if base.get(g) == f]
    model.objectives = [
        Objective("housed", "max", housed_vars, housed_coefs),
        *_moves_level(model, problem, x, members, z),
        *_kept_level({(h, c): v for (h, c), v in x.items()
                      if problem.household_home.get(h) == c}, same_place,
                     problem),
        Objective("served", "max", served_vars, served_coefs),
        Objective(
            "walk", "min",
            walk_vars + penalty_vars,
            walk_coefs + [problem.split_penalty] * len(penalty_vars),
        ),
    ]
    _add_planner_levels(model, problem, x, members, z, stay_vars)
    _kept_last(model, problem)
    return JointModel(model, x, z, stay_vars)


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
        group_facility: list[int | None] = [None] * len(problem.groups)
        group_location: list[int | None] = [None] * len(problem.groups)
        _decode_kept(problem, household_class, group_facility, group_location)
        waiting_groups: dict[tuple[int, tuple[tuple[int, ...], int]], list[int]] = (
            defaultdict(list))
        for g, group in enumerate(problem.groups):
            loc = location_of[group.household]
            if loc is not None and group_facility[g] is None:
                waiting_groups[loc, group_key(problem, g)].append(g)
        base = base_places(problem)
        for (loc, key), groups in waiting_groups.items():
            queue = sorted(groups, key=lambda g: (rank[problem.groups[g].household], g))
            left = {f: values[self.s[loc, key, f]] for f in key[0]
                    if (loc, key, f) in self.s}
            # A what-if's groups take their base place first (the "kept"
            # tie-break counted them so), then the lottery's order fills the rest.
            for g in [g for g in queue if left.get(base.get(g, -1), 0) > 0]:
                f = base[g]
                if left[f] > 0:
                    left[f] -= 1
                    group_facility[g] = f
                    group_location[g] = loc
            queue = [g for g in queue if group_facility[g] is None]
            for f, count in left.items():
                for _ in range(count):
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
    detailed model, summed over counts. Households keeping places while at
    home (``home_places``) are typed by those places too: n[t, home(t)]
    takes the kept places' capacity (and counts them served and walked), and
    their kept groups are not among the groups it adds at the home location.
    """
    if any(group.split_set >= 0 for group in problem.groups):
        raise ValueError("the aggregated model keeps siblings together; use "
                         "build_joint_model when siblings may be split")
    if problem.coverage_gap_cap is not None:
        raise ValueError("the coverage gap cap needs the per-household model; use "
                         "build_joint_model")
    model = LinearModel()
    profile: dict[int, list[tuple]] = defaultdict(list)
    for g, group in enumerate(problem.groups):
        profile[group.household].append(group_key(problem, g))

    # Households with a lock or a move gain of their own are types of their own.
    own_type = set(problem.required) | {h for h, _c in problem.forbidden}
    if problem.move_gains:
        own_type |= set(problem.home_gain) | {
            h for h1, h2, _gain in problem.family_pairs for h in (h1, h2)}
    kept = kept_places(problem)
    kept_key = {h: tuple(sorted((group_key(problem, g), f) for g, f in places))
                for h, places in kept.items()}
    # A what-if's base places: households alike but for them are types of
    # their own, so that the tie-break can count who keeps them.
    base = base_places(problem)
    base_of: dict[int, list[tuple[tuple, int]]] = defaultdict(list)
    for g, f in base.items():
        base_of[problem.groups[g].household].append((group_key(problem, g), f))
    # fixed_base[l, k, f]: groups of kind k of housed households at l whose
    # base place is f; base_adds: (var, count) adding such groups at l
    fixed_base: dict[tuple, int] = defaultdict(int)
    base_adds: dict[tuple, list[tuple[int, int]]] = defaultdict(list)
    type_index: dict[tuple, int] = {}
    types: list[list[int]] = []
    fixed_groups: dict[tuple[int, tuple[tuple[int, ...], int]], int] = defaultdict(int)
    for h, loc in enumerate(problem.household_location):
        if loc is not None:
            for key in profile[h]:
                fixed_groups[loc, key] += 1
            for key, f in base_of.get(h, ()):
                fixed_base[loc, key, f] += 1
            continue
        key = (problem.household_weight[h], tuple(sorted(problem.household_classes[h])),
               tuple(sorted(profile[h])), h if h in own_type else -1,
               problem.household_home.get(h, -1), _planner_key(problem, h),
               kept_key.get(h, ()), tuple(sorted(base_of.get(h, ()))))
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
    # (var, facility, persons, walk): places kept by the households of a type
    # that stay in their home class (n[t, home])
    stay_terms: list[tuple[int, int, int, int]] = []
    for t, members in enumerate(types):
        h = members[0]
        kinds: dict[tuple[tuple[int, ...], int], int] = defaultdict(int)
        for key in profile[h]:
            kinds[key] += 1
        at_home = dict(kinds)  # the groups placed again when staying home
        home = problem.household_home.get(h)
        for key, _f in kept_key.get(h, ()):
            at_home[key] -= 1
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
            if c == home and h in kept:
                for g, f in kept[h]:
                    persons = problem.groups[g].persons
                    stay_terms.append((var, f, persons, persons * int(round(
                        problem.reach[problem.class_location[c], f]))))
            for key, count in (at_home if c == home else kinds).items():
                if count:
                    new_groups[problem.class_location[c], key].append((var, count))
            based: dict[tuple, int] = defaultdict(int)
            for key, f in base_of.get(h, ()):
                based[key, f] += 1
            for (key, f), count in based.items():
                base_adds[problem.class_location[c], key, f].append((var, count))
            if h in problem.required:
                model.fixed[var] = int(c == problem.required[h])
        model.add(own, [1] * len(own), upper=len(members), name=f"type_size[{t}]")
        if h in problem.household_home and not problem.home_is_tiebreak:
            model.add(own, [1] * len(own), lower=len(members),
                      name=f"stay_housed[{t}]")
    for c, variables in class_terms.items():
        model.add(variables, [1] * len(variables), upper=problem.class_capacity[c],
                  name=f"class_capacity[{c}]")

    s: dict[tuple[int, tuple[tuple[int, ...], int], int], int] = {}
    facility_terms: dict[int, tuple[list[int], list[int]]] = defaultdict(
        lambda: ([], []))
    served_vars, served_coefs, walk_vars, walk_coefs = [], [], [], []
    for loc_key in sorted(set(fixed_groups) | set(new_groups)):
        loc, key = loc_key
        facilities, persons = key[:2]
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
    _add_stay_terms(stay_terms, facility_terms, served_vars, served_coefs,
                    walk_vars, walk_coefs)
    for f, (variables, persons) in facility_terms.items():
        model.add(variables, persons, upper=problem.facility_capacity[f],
                  name=f"facility_capacity[{f}]")

    # The tie-break's places kept: k[l, k, f] <= s[l, k, f] and at most the
    # groups at l whose base place is f; the decoding gives those groups f
    # first, so exactly min(s, groups) keep their base place.
    same_place: list[tuple[int, int]] = []
    for (loc, key, f) in sorted(set(fixed_base) | set(base_adds)):
        var = s.get((loc, key, f))
        if var is None:
            continue
        keep = model.new_var(f"base_place[{loc},{f},{key[1]}]", model.upper[var])
        model.add([keep, var], [1, -1], upper=0, name=f"base_place_used[{loc},{f}]")
        adds = base_adds.get((loc, key, f), [])
        model.add([keep] + [v for v, _ in adds], [1] + [-c for _, c in adds],
                  upper=fixed_base.get((loc, key, f), 0),
                  name=f"base_place_groups[{loc},{f}]")
        same_place.append((keep, key[1]))

    trips = {(key[2], loc, f): var for (loc, key, f), var in s.items()
             if len(key) > 2}
    model.objectives = [
        Objective("housed", "max", housed_vars, housed_coefs),
        *_moves_level(model, problem, n, dict(enumerate(types)), trips),
        *_kept_level({(t, c): v for (t, c), v in n.items()
                      if problem.household_home.get(types[t][0]) == c},
                     same_place, problem),
        Objective("served", "max", served_vars, served_coefs),
        Objective("walk", "min", walk_vars, walk_coefs),
    ]
    _add_planner_levels(model, problem, n, dict(enumerate(types)))
    _kept_last(model, problem)
    return AggregatedModel(model, types, n, s)


def kept_places(problem: JointProblem) -> dict[int, list[tuple[int, int]]]:
    """The places kept while a household stays home (see ``home_places``):
    household -> [(group, facility)]; none for a what-if's tie-break."""
    if problem.home_is_tiebreak:
        return {}
    return {h: places for h, places in problem.home_places.items()
            if places and h in problem.household_home}


def base_places(problem: JointProblem) -> dict[int, int]:
    """A what-if's base places, group -> facility, that the "kept" tie-break
    prefers (see ``home_places``); none outside a what-if."""
    if not problem.home_is_tiebreak:
        return {}
    return {g: f for places in problem.home_places.values() for g, f in places}


def group_key(problem: JointProblem, g: int) -> tuple:
    """What makes groups interchangeable in the aggregated model: candidate
    facilities and size; a group on a long school trip is one of its own."""
    group = problem.groups[g]
    key: tuple = (tuple(group.facilities), group.persons)
    return key + (g,) if problem.move_gains and g in problem.long_trips else key


def _moves_level(model: LinearModel, problem: JointProblem,
                 assign: dict[tuple[int, int], int], members: dict[int, list[int]],
                 places: dict[tuple[int, int, int], int]) -> list[Objective]:
    """The "moves" level of a reallocation (see the module docstring).

    ``assign[t, c]`` counts the households of ``members[t]`` in class c (each
    household with a gain is a type of its own); ``places[g, l, f]`` is the
    place of group g at facility f from location l. None without
    ``move_gains`` or households with a home.
    """
    if not problem.move_gains or not problem.household_home \
            or problem.home_is_tiebreak:
        return []
    variables: list[int] = []
    coefficients: list[int] = []
    type_of: dict[int, int] = {}
    for (t, c), var in assign.items():
        h = members[t][0]
        if h not in problem.household_home:
            continue
        type_of[h] = t
        gain = problem.home_gain.get(h, {}).get(c, 0)
        if problem.household_home[h] != c:
            gain -= problem.move_penalty
        if gain:
            variables.append(var)
            coefficients.append(gain)

    if problem.family_pairs and not problem.class_site:
        raise ValueError("family pairs need the site of each class (class_site)")
    for p, (h1, h2, gain) in enumerate(problem.family_pairs):
        at: list[dict[int, list[int]]] = []
        for h in (h1, h2):
            by_site: dict[int, list[int]] = defaultdict(list)
            t = type_of.get(h)
            for (tt, c), var in assign.items():
                if tt == t:
                    by_site[problem.class_site[c]].append(var)
            at.append(by_site)
        for site in sorted(set(at[0]) & set(at[1])):
            together = model.new_var(f"family[{p},{site}]")
            for by_site in at:
                model.add([together] + by_site[site],
                          [1] + [-1] * len(by_site[site]), upper=0,
                          name=f"family_at_site[{p},{site}]")
            variables.append(together)
            coefficients.append(gain)

    for (g, loc, f), var in places.items():
        trip = problem.long_trips.get(g)
        if trip is None:
            continue
        home_location, walk_now, limit = trip
        walk = problem.reach[loc, f]
        if loc != home_location and walk <= limit < walk_now:
            variables.append(var)
            coefficients.append(problem.groups[g].persons * (walk_now - walk))
    if not variables:
        return []
    return [Objective("moves", "max", variables, coefficients)]


def _kept_last(model: LinearModel, problem: JointProblem) -> None:
    """For a what-if scenario, solve the "kept" level last (a tie-break)."""
    if problem.home_is_tiebreak:
        kept = [o for o in model.objectives if o.name == "kept"]
        model.objectives = [o for o in model.objectives if o.name != "kept"] + kept


def _kept_level(home_vars: dict[tuple[int, int], int],
                same_place: list[tuple[int, int]] | None = None,
                problem: JointProblem | None = None) -> list[Objective]:
    """The "kept" level: households left in their home class (none if no
    household has a home, so a plain allocation keeps its three levels).

    In a what-if, ``same_place`` (var, persons per unit of var) adds the
    people left at their base place; a household left in its class then
    counts one more than all those people, so that units come first.
    """
    same_place = same_place or []
    if not home_vars and not same_place:
        return []
    variables = list(home_vars.values())
    unit = 1
    if same_place and problem is not None:
        unit = 1 + sum(problem.groups[g].persons for g in base_places(problem))
    return [Objective("kept", "max", variables + [v for v, _ in same_place],
                      [unit] * len(variables) + [p for _, p in same_place])]


def _planner_key(problem: JointProblem, h: int) -> tuple:
    """What makes a household different for the planner's levels."""
    wishes = tuple(sorted(problem.household_wishes[h].items())) \
        if problem.household_wishes else ()
    village = problem.household_village[h] if problem.household_village else -1
    return wishes, village


def order_levels(objectives: list[Objective], order: list[str]) -> list[Objective]:
    """The objectives in the planner's order.

    Planner levels left out of ``order`` are dropped; any other level keeps
    its place right after the level it followed in ``objectives``.
    """
    by_name = {o.name: o for o in objectives}
    result = [by_name[name] for name in order if name in by_name]
    for i, objective in enumerate(objectives):
        if objective.name in PLANNER_LEVELS:
            continue
        before = objectives[i - 1].name if i else None
        place = next((j + 1 for j, o in enumerate(result) if o.name == before),
                     len(result))
        result.insert(place, objective)
    return result


def _add_planner_levels(model: LinearModel, problem: JointProblem,
                        assign: dict[tuple[int, int], int],
                        members: dict[int, list[int]],
                        z: dict[tuple[int, int, int], int] | None = None,
                        stay: dict[int, int] | None = None) -> None:
    """Add the wishes and village levels, priority-respecting and the coverage
    gap cap to a model, and put its levels in the planner's order.

    ``assign[t, c]`` counts the households of ``members[t]`` (one household in
    the detailed model, a type of interchangeable ones in the aggregated one)
    that get a unit of class c; ``stay[g]`` is the variable that keeps group
    g's stored place (per-household model).
    """
    housed_of: dict[int, list[int]] = defaultdict(list)
    for (t, _c), var in assign.items():
        housed_of[t].append(var)

    wish_vars, wish_coefs = [], []
    if problem.household_wishes:
        for (t, c), var in assign.items():
            points = problem.household_wishes[members[t][0]].get(c, 0)
            if points:
                wish_vars.append(var)
                wish_coefs.append(points)

    village_vars: list[int] = []
    if problem.household_village:
        # Per household (or type) and site, which keeps the LP bound tight:
        # a[t, s] <= sum_{c at s} n[t, c], a[t, s] <= N_t m[v, s].
        at_site: dict[tuple[int, int], list[int]] = defaultdict(list)
        for (t, c), var in assign.items():
            if problem.household_village[members[t][0]] >= 0:
                at_site[t, problem.class_site[c]].append(var)
        mains: dict[tuple[int, int], int] = {}
        for (t, site), variables in sorted(at_site.items()):
            village = problem.household_village[members[t][0]]
            if (village, site) not in mains:
                mains[village, site] = model.new_var(f"main_site[{village},{site}]")
            size = len(members[t])
            together = model.new_var(f"village[{t},{site}]", size)
            model.add([together] + variables, [1] + [-1] * len(variables), upper=0,
                      name=f"village_at_site[{t},{site}]")
            model.add([together, mains[village, site]], [1, -size], upper=0,
                      name=f"village_main_site[{t},{site}]")
            village_vars.append(together)
        by_village: dict[int, list[int]] = defaultdict(list)
        for (village, _site), main in sorted(mains.items()):
            by_village[village].append(main)
        for village, variables in by_village.items():
            model.add(variables, [1] * len(variables), upper=1,
                      name=f"one_main_site[{village}]")

    if problem.priority_respecting and priority_constraint_needed(problem):
        _priority_respecting(model, problem, assign, members, housed_of)
    if problem.coverage_gap_cap is not None and problem.coverage_group:
        if z is None:
            raise ValueError("the coverage gap cap needs the per-household model")
        _coverage_gap(model, problem, z, housed_of, stay or {})

    model.objectives = order_levels(model.objectives + [
        Objective("wishes", "max", wish_vars, wish_coefs),
        Objective("village", "max", village_vars, [1] * len(village_vars)),
    ], list(problem.objective_order))


def priority_constraint_needed(problem: JointProblem) -> bool:
    """Whether priority-respecting must be a constraint of the model.

    When "housed" is the first level and nobody must stay housed, every
    optimum of that level respects priority (the weight grows strictly with
    priority, so a waiting household passed over for a unit it fits could
    swap with the lower-priority holder for a higher objective; a fixed unit
    is the planner's choice and a forbidden one is not a fit), and the
    constraint would only slow the solve. Otherwise it is added.
    """
    return bool(problem.objective_order[:1] != ["housed"]
                or (problem.household_home and not problem.home_is_tiebreak))


def _priority_respecting(model: LinearModel, problem: JointProblem,
                         assign: dict[tuple[int, int], int],
                         members: dict[int, list[int]],
                         housed_of: dict[int, list[int]]) -> None:
    """No household waits while a unit it is eligible for goes to a household
    of lower priority (weight).

    Classes with the same eligible households form one pool E. With the
    distinct weights q_1 < ... < q_K of its households, binary b[E, k] says
    that some household of weight below q_k holds a unit of E::

        n[t, c] <= upper(n[t, c]) b[E, k]   for t with w_t = q_(k-1), c in E
        b[E, k-1] <= b[E, k]
        N_t b[E, k] <= sum_c n[t, c]        for t in E with w_t = q_k

    Units fixed by the planner and a household's own unit in a reallocation
    are the planner's decision and do not count as taken.

    TODO(#4): with wishes or village groups before housing this constraint
    is exact but slow on a county (half the sample county's waiting list did
    not solve within 15 minutes); a stronger formulation is still open.
    """
    eligible: dict[int, list[int]] = defaultdict(list)
    for (t, c) in assign:
        eligible[c].append(t)
    pools: dict[tuple[int, ...], list[int]] = defaultdict(list)
    for c, types in eligible.items():
        pools[tuple(sorted(set(types)))].append(c)
    for p, (types, classes) in enumerate(sorted(pools.items())):
        weight = {t: problem.household_weight[members[t][0]] for t in types
                  if members[t][0] not in problem.required}
        levels = sorted(set(weight.values()))
        if len(levels) < 2:
            continue
        taken_below = None
        for k in range(1, len(levels)):
            holders = [assign[t, c] for t in weight for c in classes
                       if weight[t] == levels[k - 1] and (t, c) in assign
                       and problem.household_home.get(members[t][0]) != c]
            below = model.new_var(f"lower_priority_holds[{p},{levels[k]}]")
            for holder in holders:  # one by one: a tighter LP than their sum
                model.add([holder, below], [1, -model.upper[holder]], upper=0,
                          name=f"priority_pool[{p},{levels[k]}]")
            if taken_below is not None:
                model.add([taken_below, below], [1, -1], upper=0)
            taken_below = below
            for t, w in weight.items():
                if w == levels[k]:
                    own = housed_of[t]
                    model.add([below] + own, [len(members[t])] + [-1] * len(own),
                              upper=0, name=f"priority_respecting[{p},{t}]")


def _coverage_gap(model: LinearModel, problem: JointProblem,
                  z: dict[tuple[int, int, int], int],
                  housed_of: dict[int, list[int]],
                  stay: dict[int, int] | None = None) -> None:
    """Cap the gap between the coverage rates of the coverage groups.

    For each service kind, the coverage of group G is its people placed
    inside catchment over its people of housed households who need that
    service: served_G / D_G with D_G = D0_G + sum_h d_h y_h (y_h = 1 when
    waiting household h gets a unit). Integer rates lo, hi in 1/S::

        S served_G >= lo D_G,   S served_G <= hi D_G,   hi - lo <= cap

    The products lo y_h and hi y_h are linearised exactly (y_h binary) with
    w_h >= lo - S (1 - y_h) and v_h <= hi, v_h <= S y_h. Because lo and hi
    are whole numbers of 1/S, the cap is kept exactly or tighter by at most
    2/S.
    """
    scale = COVERAGE_SCALE
    cap = int(problem.coverage_gap_cap or 0)
    kinds = sorted({group.kind for group in problem.groups})
    for kind in kinds:
        fixed_need: dict[int, int] = defaultdict(int)
        need: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        for group in problem.groups:
            if group.kind != kind:
                continue
            g_of = problem.coverage_group[group.household]
            if g_of < 0:
                continue
            if problem.household_location[group.household] is not None:
                fixed_need[g_of] += group.persons
            elif housed_of.get(group.household):
                need[g_of][group.household] += group.persons
        served: dict[int, tuple[list[int], list[int]]] = defaultdict(
            lambda: ([], []))
        placed = [(g, var) for (g, _loc, _f), var in z.items()]
        placed += list((stay or {}).items())  # kept places, while at home
        terms: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        for g, var in placed:  # one term per variable (kept places share one)
            group = problem.groups[g]
            g_of = problem.coverage_group[group.household]
            if group.kind == kind and g_of >= 0:
                terms[g_of][var] += scale * group.persons
        for g_of, by_var in terms.items():
            served[g_of][0].extend(by_var)
            served[g_of][1].extend(by_var.values())
        groups = sorted(set(fixed_need) | set(need))
        if len(groups) < 2:
            continue
        low = model.new_var(f"coverage_low[{kind}]", scale)
        high = model.new_var(f"coverage_high[{kind}]", scale)
        model.add([high, low], [1, -1], upper=cap, name=f"coverage_gap[{kind}]")
        for g_of in groups:
            variables, coefs = served[g_of]
            low_terms, low_coefs = [low], [-fixed_need[g_of]]
            high_terms, high_coefs = [high], [-fixed_need[g_of]]
            for h, persons in need[g_of].items():
                own = housed_of[h]
                w = model.new_var(f"coverage_low_if_housed[{kind},{h}]", scale)
                model.add([low, w] + own, [1, -1] + [scale] * len(own), upper=scale)
                v = model.new_var(f"coverage_high_if_housed[{kind},{h}]", scale)
                model.add([v, high], [1, -1], upper=0)
                model.add([v] + own, [1] + [-scale] * len(own), upper=0)
                low_terms.append(w)
                low_coefs.append(-persons)
                high_terms.append(v)
                high_coefs.append(-persons)
            model.add(variables + low_terms, coefs + low_coefs, lower=0,
                      name=f"coverage_above_low[{kind},{g_of}]")
            model.add(variables + high_terms, coefs + high_coefs, upper=0,
                      name=f"coverage_below_high[{kind},{g_of}]")
