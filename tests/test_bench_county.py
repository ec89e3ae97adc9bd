"""The generated county and the benchmark harness (no timing asserted here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from allocator.idnumber import check_digit
from allocator.rules import FACILITY_KINDS
from bench.county import STATUSES, generate_project, run_benchmark

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def county():
    return generate_project(1000, 1, "building")


def test_sizes_grow_as_in_a_real_county(county):
    # 1,000 households: 5 sites, 600 housed + 300 vacant + 100 other units,
    # 25 facilities, about 4 people per household.
    assert len(county.households) == 1000
    assert len(county.sites) == 5
    units = county.housing_units
    assert len(units) == 1000
    assert (units["status"] == "occupied").sum() == 600
    assert (units["status"] == "vacant").sum() == 300
    assert units["status"].isin(["reserved", "repair"]).sum() == 100
    assert len(county.facilities) == 25
    assert set(county.facilities["kind"]) == set(FACILITY_KINDS)
    assert len(county.members) == county.households["size"].sum()
    assert 3.7 <= len(county.members) / len(county.households) <= 4.3


def test_big_county_counts():
    big = generate_project(20000, 7)
    assert len(big.sites) == 100
    assert len(big.housing_units) == 20000
    assert len(big.facilities) == 500
    assert 76000 <= len(big.members) <= 84000


def test_register_is_consistent(county):
    units = county.housing_units
    occupants = units.loc[units["status"] == "occupied", "household_id"]
    assert occupants.is_unique
    assert set(occupants) <= set(county.households["household_id"])
    assert units.loc[units["status"] != "occupied", "household_id"].isna().all()
    assert county.members["member_id"].is_unique
    heads = county.members[county.members["relationship"] == "户主"]
    assert heads["household_id"].is_unique and len(heads) == 1000
    for number, birth in zip(county.members["id_number"].head(300),
                             county.members["birth_date"].head(300)):
        assert number[-1] == check_digit(number[:17])
        assert number[6:14] == birth.replace("-", "")
    # Occupied units fit their household (25 m2 per person, at most 150 m2).
    size = county.households.set_index("household_id")["size"]
    occupied = units[units["status"] == "occupied"]
    expected = (occupied["household_id"].map(size) * 25.0).clip(upper=150.0)
    assert (occupied["area_m2"] == expected).all()


def test_seeded(county):
    again = generate_project(1000, 1, "building")
    assert again.members.equals(county.members)
    assert again.housing_units.drop(columns="geometry").equals(
        county.housing_units.drop(columns="geometry"))
    other = generate_project(1000, 2, "building")
    assert not other.members["birth_date"].equals(county.members["birth_date"])


def test_harness_records_every_method_even_when_it_fails():
    report = run_benchmark(60, 5, time_limit=60, memory_mb=4096,
                           methods=("ours", "sequential", "mcf_floor"))
    methods = report["methods"]
    assert list(methods) == ["ours", "sequential", "mcf_floor"]
    for row in methods.values():
        assert row["status"] in STATUSES
        assert row["peak_mb"] > 0
    ours = methods["ours"]
    assert ours["status"] == "optimal" and ours["gap"] == 0
    # Housing first reaches the same level 1 (it is the same flow), and the
    # services-only flow relaxation is an upper bound on what that housing
    # can serve.
    assert methods["sequential"]["objective"]["housed"] == ours["objective"]["housed"]
    # Its level list tells the same housed level as its objective (the
    # services' model alone would count 0 there, every household placed).
    housed_level = methods["sequential"]["levels"][0]
    assert housed_level["level"] == "housed"
    assert housed_level["objective"] == methods["sequential"]["objective"]["housed"]
    assert "not for the joint problem" in methods["sequential"]["message"]
    assert methods["mcf_floor"]["objective"]["served"] >= \
        methods["sequential"]["objective"]["served"]
    assert ours["objective"]["served"] >= methods["sequential"]["objective"]["served"]
    assert methods["sequential"]["ratio_to_ours"] == pytest.approx(
        methods["sequential"]["seconds"] / ours["seconds"], abs=0.01)

    starved = run_benchmark(60, 5, time_limit=60, memory_mb=40, methods=("ours",))
    row = starved["methods"]["ours"]
    assert row["status"] == "out_of_memory"
    assert row["objective"] is None and "40 MB" in row["message"]


def test_a_grouped_mip_the_time_limit_stops_claims_no_gap():
    # Half a second is not enough for the served level of 2,000 households:
    # its incumbent there is the empty one (0 against a bound of thousands),
    # which is no allocation and no gap, not a gap of billions.
    report = run_benchmark(2000, 1, time_limit=0.5, memory_mb=4096,
                           methods=("grouped_highs",))
    row = report["methods"]["grouped_highs"]
    assert row["status"] == "timeout"
    assert row["objective"] is None and row["gap"] is None
    assert row["message"]


def test_a_level_the_run_did_not_reach_has_no_value_and_the_run_no_gap():
    from bench.county_methods import _only_what_was_solved

    # CBC stopped in its second level: the values the model gives the
    # levels after it (0 served, 0 walk) were never optimised.
    row = _only_what_was_solved({
        "status": "feasible", "gap": 0.0,
        "objective": {"housed": 12465, "served": 0, "walk": 0},
        "levels": [{"level": "housed", "status": "optimal"},
                   {"level": "served", "status": "timeout", "objective": 0.0,
                    "bound": 529708.0, "gap": 529707999999999.94}]})
    assert row["objective"] == {"housed": 12465, "served": None, "walk": None}
    assert row["levels"][1] == {"level": "served", "status": "timeout",
                                "objective": None, "bound": 529708.0, "gap": None}
    assert row["status"] == "timeout" and row["gap"] is None
    # Every level solved: the values stay, and the run's gap is its largest
    # level's (HiGHS's own gap for the grouped MIP is its last level's).
    whole = {"status": "feasible", "gap": 0.0,
             "objective": {"housed": 5, "served": 3, "walk": 900},
             "levels": [{"level": name, "status": status, "gap": gap}
                        for name, status, gap in (("housed", "optimal", 0.0),
                                                  ("served", "feasible", 0.00016),
                                                  ("walk", "optimal", 0.0))]}
    assert _only_what_was_solved(dict(whole)) == whole | {"gap": 0.00016}
    # No allocation: no gap either.
    assert _only_what_was_solved({"status": "timeout", "gap": 0.0,
                                  "objective": None})["gap"] is None


def test_a_method_that_finishes_after_the_limit_says_what_it_reached():
    # Every level of housing first takes well over a millisecond: the run is
    # a timeout for the comparison, and its message keeps its own status.
    report = run_benchmark(60, 5, time_limit=0.001, memory_mb=4096,
                           methods=("sequential",))
    row = report["methods"]["sequential"]
    assert row["status"] == "timeout"
    assert row["message"].startswith("finished optimal in ")
    assert "past the 0.001 s limit" in row["message"]
    assert row["ratio_to_ours"] is None


def test_cli_refuses_bad_arguments(tmp_path):
    allocator = [sys.executable, "-m", "allocator.cli"]
    out = tmp_path / "r.json"
    bad = subprocess.run(allocator + ["bench", "county", "--households", "0",
                                      "--json", str(out)],
                         capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 2 and "--households" in bad.stderr
    bad = subprocess.run(allocator + ["bench", "county", "--households", "50",
                                      "--methods", "ours,magic", "--json", str(out)],
                         capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 2 and "magic" in bad.stderr
    bad = subprocess.run(allocator + ["bench", "county", "--households", "50",
                                      "--methods", "ours,ours", "--json", str(out)],
                         capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 2 and "names ours more than once" in bad.stderr
    for methods in (",", ""):  # not all six (a new user's '' ran them all)
        bad = subprocess.run(allocator + ["bench", "county", "--households", "50",
                                          "--methods", methods, "--json", str(out)],
                             capture_output=True, text=True, cwd=ROOT)
        assert bad.returncode == 2 and "names no method" in bad.stderr
    bad = subprocess.run(allocator + ["bench", "county", "--households", "50", "60",
                                      "50", "--json", str(out)],
                         capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 2 and "--households names 50 more than once" in \
        bad.stderr
    # Found by a new user: these gave a traceback's last line, or (--memory-mb
    # 1) a run where every method "ran out of memory" with exit status 0.
    for option, value, said in (
            ("--seed", "-1", "--seed: must be from 0 to 1,000,000,000"),
            ("--households", "99999999999999",
             "--households: must be from 1 to 1,000,000 (one county)"),
            ("--memory-mb", "1", "--memory-mb: must be at least 256 MB")):
        args = ["bench", "county", "--households", "50", "--json", str(out),
                option, value]
        bad = subprocess.run(allocator + args, capture_output=True, text=True,
                             cwd=ROOT)
        assert bad.returncode == 2 and said in bad.stderr, bad.stderr
    assert not out.exists()


def test_cli_writes_the_results(tmp_path):
    out = tmp_path / "r.json"
    done = subprocess.run(
        [sys.executable, "-m", "allocator.cli", "bench", "county", "--households",
         "40", "--seed", "2", "--methods", "ours,mcf_floor", "--json", str(out)],
        capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["households"] == 40 and report["seed"] == 2
    assert set(report["methods"]) == {"ours", "mcf_floor"}
    assert "load_average_before" in report["machine"]
    # The printout gives each method's allocation, never a row of Nones.
    assert "None" not in done.stdout and "mcf_floor" in done.stdout
    assert out.stat().st_mode & 0o777 == 0o600  # as every --json file


def test_units_recorded_at_their_site_point_form_one_location_per_site(county):
    # 1,000 households: 5 sites, each of several buildings of at most 24
    # units. With each building at its own point there is a location per
    # building; with every unit at its site's point (a register that gives
    # only the site), one per site, labelled by the site alone.
    from allocator.allocate import build_instance
    from bench.county_methods import TODAY

    units = county.housing_units
    buildings = units.groupby("site_id")["building"].nunique()
    by_building = build_instance(county, TODAY)
    assert len(by_building.location_label) == int(buildings.sum())
    at_sites = generate_project(1000, 1, "site")
    by_site = build_instance(at_sites, TODAY)
    assert len(by_site.location_label) == len(at_sites.sites) == 5
    assert sorted(by_site.location_label) == sorted(at_sites.sites["site_id"])
    # The same households, units and facilities either way.
    assert by_site.problem.class_capacity and sum(by_site.problem.class_capacity) \
        == sum(by_building.problem.class_capacity) == 300
    assert len(by_site.problem.groups) == len(by_building.problem.groups)


def test_the_grouped_baseline_reaches_the_fast_paths_levels():
    # The compact grouped MIP solved directly by HiGHS and the fast path solve
    # the same lexicographic problem: the same housed optimum (level 1 is
    # exact in both), served and walking each within the 0.1 % gap of the
    # other's bound, and its allocation passes every rule of the joint model
    # (the method checks it; a broken rule would make its status "error").
    report = run_benchmark(300, 3, time_limit=120, memory_mb=4096,
                           methods=("ours", "grouped_highs"))
    ours, grouped = report["methods"]["ours"], report["methods"]["grouped_highs"]
    assert grouped["status"] in ("optimal", "feasible"), grouped["message"]
    assert grouped["objective"]["housed"] == ours["objective"]["housed"]
    levels = {row["level"]: row for row in ours["levels"]}
    served_bound = min(levels["served"]["bound"],
                       {r["level"]: r for r in grouped["levels"]}["served"]["bound"])
    for row in (ours, grouped):
        assert row["objective"]["served"] >= served_bound * (1 - 1e-3) - 1e-9
    assert grouped["ratio_to_ours"] == pytest.approx(
        grouped["seconds"] / ours["seconds"], abs=0.01)


def test_each_reallocation_benchmark_county_has_its_own_results_file():
    # A run of another size or kind of county must not overwrite the
    # figures the README quotes (bench/results/reallocate.json is the
    # 20,000-household county at site points).
    from pathlib import Path

    from bench.reallocate import default_out

    files = {(n, points): default_out(n, points)
             for n in (2000, 20000) for points in ("site", "building")}
    assert files == {
        (2000, "site"): Path("bench/results/reallocate_2000.json"),
        (2000, "building"): Path("bench/results/reallocate_2000_building.json"),
        (20000, "site"): Path("bench/results/reallocate.json"),
        (20000, "building"): Path("bench/results/reallocate_building.json")}
    assert all(path.exists() for key, path in files.items() if key != (2000, "site"))


@pytest.mark.skipif(sys.platform != "linux", reason="process groups, /proc")
def test_a_method_ends_with_a_benchmark_killed_outright(tmp_path):
    # Found by a new user: killing the benchmark left CBC running until its
    # own time limit, and its files behind.
    import os
    import signal
    import time

    folder = tmp_path / "county-bench-x"
    folder.mkdir()
    starter = (
        "import os, subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-m', 'bench.county_methods', "
        f"'cbc_plain', '2000', '1', '60', {str(folder / 'row.json')!r}], "
        f"cwd={str(ROOT)!r}, env=dict(os.environ, TMPDIR={str(folder)!r}), "
        "start_new_session=True)\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(60)\n")
    parent = subprocess.Popen([sys.executable, "-c", starter],
                              stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    time.sleep(3)
    assert Path(f"/proc/{child}").exists()
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    for _ in range(40):
        time.sleep(0.25)
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        state = Path(f"/proc/{child}/stat").read_text().split()[2]
        if state == "Z":  # gone, not yet reaped by init
            break
    else:
        os.killpg(child, signal.SIGKILL)
        pytest.fail("the method outlived the benchmark")
    assert not folder.exists()
