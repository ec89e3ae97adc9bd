"""Reallocation after exits: freed units to the waiting list, nobody else moves.

Hand case on the tiny county (see tests/test_allocation_tiny.py for the first
allocation): H0 lives in A-301 with two kindergarten children at K1 (2
places, both taken), H4 was allocated B-201 (25 m²) and H5 (1 person) waits
because only B-201 fits it. Now H0 and H4 exit. B-201 goes to H5 (the only
waiting household); A-301 (100 m²) fits nobody waiting (4 to 8 people) and
stays vacant. H1's child, housed in A-101 and told K1 was full, now gets one
of the two K1 places H0's children left. H2 and H3 keep their units and their
clinic; nothing else changes.
"""

from __future__ import annotations

import copy
import json

import pandas as pd
import pytest

from allocator.allocate import solve_project, store_outcome
from allocator.exits import apply_due_exits
from allocator.reallocate import (
    ReallocationError,
    reallocate,
    store_reallocation,
    validation_view,
)
from allocator.rules import area_band
from tests.assertions import assert_allocation_valid
from tests.conftest import TINY_TODAY


def _exit(project, household_ids, today):
    """Record confirmed exits due ``today`` and free their units."""
    units = project.housing_units
    rows = []
    for household_id in household_ids:
        lives = units.loc[units["household_id"] == household_id, "unit_id"]
        rows.append({"household_id": household_id,
                     "unit_id": lives.iloc[0] if len(lives) else None,
                     "exit_on": today.isoformat(), "confirmed": today.isoformat(),
                     "user": "test", "reason": "退出机制", "freed_on": None})
    project.exits = pd.concat([project.exits, pd.DataFrame(rows)],
                              ignore_index=True)
    marked = project.households["household_id"].isin(household_ids)
    project.households.loc[marked, "exited_on"] = today.isoformat()
    return apply_due_exits(project, today)


@pytest.fixture()
def tiny_solved(tiny_project):
    outcome = solve_project(tiny_project, backend="cpsat", today=TINY_TODAY)
    store_outcome(tiny_project, outcome)
    return tiny_project


def _units(frame):
    return {h: (u if isinstance(u, str) else None)
            for h, u in zip(frame["household_id"], frame["unit_id"])}


def test_reallocation_without_stored_allocation_is_refused(tiny_project):
    with pytest.raises(ReallocationError, match="allocator solve"):
        reallocate(tiny_project, today=TINY_TODAY, backend="cpsat")


def test_tiny_exits_hand_solution(tiny_solved):
    freed = _exit(tiny_solved, ["H0", "H4"], TINY_TODAY)
    assert freed == ["A-301"]  # H4 never moved in: its unit was vacant already

    result = reallocate(tiny_solved, today=TINY_TODAY, backend="cpsat")
    assert result.outcome.run["status"] == "optimal"
    assert result.freed_units == {"A-301": "H0", "B-201": "H4"}
    assert _units(result.outcome.allocations) == {
        "H1": "A-101", "H2": "A-201", "H3": "B-101", "H5": "B-201"}
    changes = {row.household_id: (row.change, row.reason)
               for row in result.changes.itertuples()}
    assert changes == {
        "H0": ("exited", "户H0退出，腾出房屋A-301"),
        "H4": ("exited", "户H4退出，腾出房屋B-201"),
        "H5": ("allocated", "户H4退出腾出房屋B-201，分配给轮候户H5"),
        "H1": ("service", "学位或卫生服务变动：H1-02幼儿园由无改为第一幼儿园"),
    }
    # Kept households keep the rows they had, word for word.
    before = tiny_solved.allocations.set_index("household_id")
    after = result.outcome.allocations.set_index("household_id")
    for household_id in ("H2", "H3"):
        assert after.at[household_id, "reason"] == before.at[household_id, "reason"]
        assert not isinstance(after.at[household_id, "change"], str)
    assert after.at["H5", "reason"].startswith("变动原因：户H4退出腾出房屋B-201")
    # Clinic registrations of H1, H2, H3 were kept out of the model; H5's new.
    assert result.kept_services == 3
    services = result.outcome.service_assignments.set_index(["member_id", "kind"])
    assert services.loc[("H1-02", "kindergarten"), "facility_id"] == "K1"
    assert services.loc[("H5-01", "clinic"), "facility_id"] == "C1"
    assert len(services) == len(services.index.unique())

    store_reallocation(tiny_solved, result)
    assert tiny_solved.ledger.iloc[-1]["action"] == "reallocate"
    assert_allocation_valid(validation_view(tiny_solved, TINY_TODAY))
    # The entry says what each household got and why, as its order does;
    # one household's history shows its own part of it.
    from allocator.ledger import household_history

    after = json.loads(tiny_solved.ledger.iloc[-1]["after"])
    assert after["details"]["H5"] == {
        "unit_before": None, "unit_after": "B-201",
        "reason": "户H4退出腾出房屋B-201，分配给轮候户H5"}
    assert after["details"]["H1"]["reason"] == \
        "学位或卫生服务变动：H1-02幼儿园由无改为第一幼儿园"
    history = household_history(tiny_solved, "H5")
    (mine,) = history.loc[history["action"] == "reallocate", "after"]
    mine = json.loads(mine)
    assert mine["households"] == {"H5": "allocated"}
    assert mine["details"] == {"H5": after["details"]["H5"]}
    assert mine["details_not_shown"] == 3
    # B-201, H4's, is the unit H5 got: kept; A-301 is not H5's.
    assert mine["freed_units"] == ["B-201"] and mine["freed_units_not_shown"] == 1


def test_nothing_freed_changes_nothing(tiny_solved):
    result = reallocate(tiny_solved, today=TINY_TODAY, backend="cpsat")
    assert result.changes.empty
    assert _units(result.outcome.allocations) == _units(tiny_solved.allocations)


def test_moves_allowed_but_not_useful_keep_everyone(tiny_solved):
    _exit(tiny_solved, ["H0", "H4"], TINY_TODAY)
    result = reallocate(tiny_solved, today=TINY_TODAY, backend="cpsat",
                        allow_moves=True, allow_service_changes=True)
    levels = {lv.name: lv for lv in result.outcome.result.levels}
    # H1, H2, H3 were allocated and not moved in: all three keep their class.
    assert levels["kept"].objective == 3
    assert _units(result.outcome.allocations) == {
        "H1": "A-101", "H2": "A-201", "H3": "B-101", "H5": "B-201"}
    assert result.kept_services == 0


def test_unit_no_longer_vacant_puts_household_back_on_the_list(tiny_solved):
    units = tiny_solved.housing_units
    units.loc[units["unit_id"] == "B-101", "status"] = "maintenance"
    result = reallocate(tiny_solved, today=TINY_TODAY, backend="cpsat")
    changes = {row.household_id: row.change for row in result.changes.itertuples()}
    # H3 (2 people, 24-50 m²) lost B-101; no other vacant unit fits it.
    assert changes == {"H3": "unhoused"}
    assert _units(result.outcome.allocations)["H3"] is None


# --- the sample county ----------------------------------------------------

SAMPLE_TODAY = TINY_TODAY
FREED = 120


@pytest.fixture(scope="module")
def sample_solved(sample_import):
    """The sample county with a first allocation: housing greedily by priority
    (maximal and priority-respecting, like an optimum of the housed level),
    services by the joint model with that housing kept."""
    from bench.reallocate import first_allocation

    project = copy.deepcopy(sample_import)
    setup = first_allocation(project, SAMPLE_TODAY, backend="highs")
    assert setup["status"] == "optimal"
    return project


def _most_filled(units, households, rules):
    """The most of ``units`` that ``households`` can fill at once (augmenting
    paths, Kuhn's algorithm), independently of the solver."""
    fits = []
    for area, accessible in units:
        fits.append([h for h, (size, needs) in enumerate(households)
                     if area_band(size, rules)[0] <= area <= area_band(size, rules)[1]
                     and (accessible or not needs)])
    holder: dict[int, int] = {}

    def place(u, seen):
        for h in fits[u]:
            if h not in seen:
                seen.add(h)
                if h not in holder or place(holder[h], seen):
                    holder[h] = u
                    return True
        return False

    return sum(place(u, set()) for u in range(len(units)))


def test_sample_exits_fill_every_freed_unit_and_move_nobody(sample_solved):
    project = copy.deepcopy(sample_solved)
    rules = project.rules
    base = project.allocations
    assert (base["kind"] == "waiting").sum() == 180
    waiting = project.households[project.households["household_id"].isin(
        base.loc[base["kind"] == "waiting", "household_id"])]
    units = project.housing_units.set_index("unit_id")

    # Exits of living occupants: the first (by household id) 30 in 25 m²,
    # 40 in 50 m² and 50 in 75 m² units; the waiting households can fill all
    # 120 at once, so a weighted optimum fills all of them (an unfilled unit
    # would leave an augmenting path that houses one more household).
    existing = base[base["kind"] == "existing"].sort_values("household_id")
    area = existing["unit_id"].map(units["area_m2"])
    leaving = []
    for size, count in ((25.0, 30), (50.0, 40), (75.0, 50)):
        leaving += existing.loc[area == size, "household_id"].head(count).tolist()
    unit_of = dict(zip(existing["household_id"], existing["unit_id"]))
    freed_units = [(units.at[unit_of[h], "area_m2"], units.at[unit_of[h], "accessible"])
                   for h in leaving]
    households = list(zip(waiting["size"].astype(int), waiting["needs_accessible"]))
    assert _most_filled(freed_units, households, rules) == FREED
    assert (units["status"] == "vacant").sum() == 420  # all given in the base
    freed = _exit(project, leaving, SAMPLE_TODAY)
    assert len(freed) == FREED

    result = reallocate(project, today=SAMPLE_TODAY, backend="highs")
    assert result.outcome.run["status"] == "optimal"
    after = _units(result.outcome.allocations)
    before = _units(base)
    changed = result.changes
    assert (changed["change"] == "exited").sum() == FREED
    newly = changed[changed["change"] == "allocated"]
    assert len(newly) == FREED
    assert set(newly["unit_after"]) == set(freed)
    assert set(changed["change"]) <= {"exited", "allocated", "service"}
    # Independently of the change table: nobody housed before has another unit.
    for household_id, unit_id in before.items():
        if unit_id is not None and household_id not in leaving:
            assert after[household_id] == unit_id
    assert sum(u is not None and before.get(h) is None for h, u in after.items()) \
        == FREED
    # Kept school places and clinics are where they were.
    old = project.service_assignments.dropna(subset=["facility_id"])
    new = result.outcome.service_assignments.set_index(["member_id", "kind"])
    for row in old[~old["household_id"].isin(leaving)].itertuples():
        assert new.at[(row.member_id, row.kind), "facility_id"] == row.facility_id

    store_reallocation(project, result)
    assert_allocation_valid(validation_view(project, SAMPLE_TODAY))


def test_cli_reallocate_and_orders_of_changed_households(tiny_project, tmp_path,
                                                         capsys):
    import pypdf

    from allocator.cli import main
    from allocator.project import load_project, save_project

    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    assert main(["solve", str(path), "--backend", "cpsat", "--date",
                 "2026-10-01"]) == 0
    project = load_project(path)
    rows = [{"household_id": h, "unit_id": u, "exit_on": "2026-10-01",
             "confirmed": "2026-10-01", "user": "test", "reason": "退出机制",
             "freed_on": None} for h, u in (("H0", "A-301"), ("H4", None))]
    project.exits = pd.DataFrame(rows)
    marked = project.households["household_id"].isin(["H0", "H4"])
    project.households.loc[marked, "exited_on"] = "2026-10-01"
    save_project(project, path)

    capsys.readouterr()
    changes_json = tmp_path / "changes.json"
    assert main(["reallocate", str(path), "--backend", "cpsat", "--date",
                 "2026-10-01", "--json", str(changes_json)]) == 0
    out = capsys.readouterr().out
    # Strict JSON: an exited household's new unit is null, never NaN.
    import json

    def no_nan(text):
        raise AssertionError(f"{text} in the JSON")
    written = json.loads(changes_json.read_text(encoding="utf-8"),
                         parse_constant=no_nan)
    exited = [c for c in written["changes"] if c["change"] == "exited"]
    assert exited and all(c["unit_after"] is None for c in exited)
    assert "1 unit(s) freed by exits due on or before 2026-10-01" in out
    assert "2 unit(s) freed, 4 household(s) changed, 3 service group(s) kept" in out
    assert "H5  新分配  户H4退出腾出房屋B-201，分配给轮候户H5" in out

    pdf = tmp_path / "changed.pdf"
    assert main(["export", str(path), "--changed", "--pdf", str(pdf)]) == 0
    pages = [page.extract_text() for page in pypdf.PdfReader(pdf).pages]
    assert len(pages) == 2  # H1 (a kindergarten place) and H5 (a unit)
    assert "H1" in pages[0] and "第一幼儿园" in pages[0]
    # The planner's listing names H4; H5's order does not name the household
    # that left (found by a new user: an order told one family who else had
    # exited).
    text = pages[1].replace("\n", "")
    assert "原住户退出腾出房屋B-201，分配给轮候户H5" in text and "H4" not in text
    assert load_project(path).ledger["action"].tolist()[-2:] == [
        "reallocate", "export"]


def test_order_numbers_stay_with_their_households_after_exits(tiny_solved):
    from allocator.export import build_orders

    project = copy.deepcopy(tiny_solved)
    before = {o.household_id: o.order_number for o in build_orders(project)}
    # The register's order: H0 first ... H5 last, numbered 0001-0006.
    assert before["H0"].endswith("0001号") and before["H5"].endswith("0006号")
    _exit(project, ["H0"], TINY_TODAY)
    store_outcome(project, solve_project(project, backend="highs",
                                         today=TINY_TODAY))
    after = {o.household_id: o.order_number for o in build_orders(project)}
    assert "H0" not in after
    assert all(after[h] == before[h] for h in after)


def test_the_kpi_rows_add_up_after_exits_and_a_reallocation(tiny_solved):
    # H0 and H4 exit; the reallocation leaves them out, and the KPIs count
    # them on a row of their own, so that the rows under 安置户 still add up
    # to the register's 6 households.
    from allocator.kpis import compute_kpis, kpi_table

    assert "已退出" not in kpi_table(compute_kpis(tiny_solved))
    _exit(tiny_solved, ["H0", "H4"], TINY_TODAY)
    store_reallocation(tiny_solved, reallocate(tiny_solved, today=TINY_TODAY,
                                               backend="cpsat"))
    kpis = compute_kpis(tiny_solved)
    after = kpis["overall"]
    rows = (after["housed_existing"], after["housed_new"], after["waiting"],
            after["exited"], after["registered_since"])
    assert after["households"] == 6 and sum(rows) == 6
    assert after["exited"] == 2 and after["registered_since"] == 0
    assert "  已退出 exited" in kpi_table(kpis)
    assert "分配后登记" not in kpi_table(kpis)
    # A comparison with a scenario solved on this base has the row too.
    from allocator import scenarios

    scenarios.create(tiny_solved, "不变", {})
    scenarios.solve(tiny_solved, "不变", backend="cpsat", today=TINY_TODAY)
    table = scenarios.compare(tiny_solved, ["base", "不变"]).kpis
    assert "exited" in table.index and "registered_since" not in table.index
    assert table.at["exited", "base"] == 2
    assert sum(table.at[key, "base"] for key in (
        "housed_existing", "housed_new", "waiting", "exited")) == 6
