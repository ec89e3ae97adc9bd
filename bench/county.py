"""A generated county of any size, for benchmarks.

``generate_project(households, seed)`` builds an in-memory project shaped like
a real county with scattered resettlement sites: about one site per 200
households (several sites around each township seat, so catchments of
neighbouring sites overlap), about one housing unit per household (60 % of
the households already live in one), about one facility per 40 households
(kindergartens, primary and junior middle schools, clinics) placed beside the
sites, and about four people per household with ages, disabilities, incomes
and waiting dates like the sample county's. Everything is drawn from one
seeded generator, so a (households, seed) pair always gives the same county.

Every unit is recorded at its site's point by default (``unit_points="site"``),
so the units of one site and size are interchangeable, as in the county the
benchmark's target is set on; with ``unit_points="building"`` each building of
a site lies at its own point (a finer county: at 20,000 households 875
locations instead of 100, each with its own walking distances).
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import Transformer
from shapely.geometry import box

from allocator.idnumber import check_digit
from allocator.project import Project, empty_frame
from allocator.rules import DEFAULTS
from gis.crs import gauss_kruger_epsg

COUNTY_NAME, ADCODE = "基准县", "513431"
CENTRE = (102.85, 28.03)  # longitude, latitude of the county town
REFERENCE = dt.date(2026, 9, 1)  # ages and waiting years count on this day
SIZES = np.arange(1, 9)
SIZE_P = np.array([0.08, 0.14, 0.19, 0.22, 0.17, 0.11, 0.06, 0.03])  # mean 3.98
AREAS = np.array([25.0, 50.0, 75.0, 100.0, 125.0, 150.0])
VACANT_AREA_P = np.array([0.10, 0.22, 0.28, 0.22, 0.12, 0.06])
HOUSED_SHARE, VACANT_SHARE, OTHER_SHARE = 0.60, 0.30, 0.10
HOUSEHOLDS_PER_SITE, HOUSEHOLDS_PER_FACILITY = 200, 40
SITES_PER_TOWN = 5
KIND_P = {"kindergarten": 0.32, "primary": 0.26, "junior": 0.12, "clinic": 0.30}
KIND_SPREAD_M = {"kindergarten": 120, "primary": 220, "junior": 450, "clinic": 450}
KIND_LABEL = {"kindergarten": "幼儿园", "primary": "小学", "junior": "初中",
              "clinic": "卫生室"}
CAPACITY_SHARE = 0.9  # places per child or resident of the county, by kind
CATEGORIES = ("易地扶贫搬迁", "工程搬迁", "生态移民", "退役军人")
CATEGORY_P = (0.85, 0.06, 0.06, 0.03)
DISABILITY_SHARE = 0.065
DISABILITY_TYPES = ("视力", "听力", "肢体", "智力", "精神", "多重")
DISABILITY_TYPE_P = np.array([14.86, 25.69, 29.07, 6.68, 7.40, 16.30]) / 100.0
GRADES = ("一级", "二级", "三级", "四级")
GRADE_P = (0.13, 0.17, 0.30, 0.40)
SURNAMES = "阿 吉 沙 曲 俄 马 海 瓦 勒 木 王 李 张 杨".split()
GIVEN = "日呷 阿鲁 木呷 阿果 小芳 拉则 阿依 有福 志强 秀英 尔古 伍呷".split()
FLOORS, DOORS = 6, 4  # 24 units per building
BUILDING_SPACING_M = 45.0


def generate_project(households: int, seed: int, unit_points: str = "site"
                     ) -> Project:
    """A county with ``households`` households, seeded by ``seed``.

    Sites, units and facilities grow with the number of households as in a
    real county (about N/200 sites, N units, N/40 facilities, 4N people).
    """
    if households < 1:
        raise ValueError("a county needs at least one household")
    rng = np.random.default_rng([int(seed), int(households)])
    n = int(households)
    n_housed = int(round(HOUSED_SHARE * n))
    n_sites = max(1, int(round(n / HOUSEHOLDS_PER_SITE)))
    n_facilities = max(4, int(round(n / HOUSEHOLDS_PER_FACILITY)))

    # Households and people.
    size = rng.choice(SIZES, size=n, p=SIZE_P)
    members = _members(size, rng)
    housed = np.zeros(n, dtype=bool)
    housed[rng.choice(n, n_housed, replace=False)] = True

    # Sites around township seats, buildings on a grid inside each site.
    n_towns = max(1, int(np.ceil(n_sites / SITES_PER_TOWN)))
    half = 2000.0 + 1500.0 * np.sqrt(n_towns)  # metres, county half-width
    towns = rng.uniform(-half, half, size=(n_towns, 2))
    town_of_site = np.arange(n_sites) % n_towns
    site_xy = towns[town_of_site] + rng.normal(0.0, 700.0, size=(n_sites, 2))
    n_other = int(round(OTHER_SHARE * n))
    n_vacant = int(round(VACANT_SHARE * n))
    n_units = n_housed + n_vacant + n_other
    weight = rng.lognormal(0.0, 0.4, n_sites)
    per_site = np.maximum(1, rng.multinomial(n_units - n_sites, weight / weight.sum())
                          + 1)
    units = _units(site_xy, per_site, rng)
    if unit_points == "site":  # a register that gives only each site's point
        units["x"] = site_xy[units["site"].to_numpy(), 0]
        units["y"] = site_xy[units["site"].to_numpy(), 1]
    n_units = len(units)

    # Status: occupants first (areas fit them), then vacant, reserved, repair.
    order = rng.permutation(n_units)
    status = np.empty(n_units, dtype=object)
    status[order[:n_housed]] = "occupied"
    status[order[n_housed:n_housed + n_vacant]] = "vacant"
    rest = order[n_housed + n_vacant:]
    status[rest] = np.where(rng.random(len(rest)) < 0.5, "reserved", "repair")
    units["status"] = status
    occupant = np.full(n_units, None, dtype=object)
    housed_index = np.flatnonzero(housed)
    occupant[order[:n_housed]] = rng.permutation(housed_index)
    area = AREAS[rng.choice(len(AREAS), size=n_units, p=VACANT_AREA_P)]
    occupied = order[:n_housed]
    occupant_size = size[occupant[occupied].astype(int)]
    area[occupied] = np.minimum(occupant_size * 25.0, AREAS[-1])  # top of band
    units["area_m2"] = area
    household_ids = np.array([f"BH{i + 1:06d}" for i in range(n)], dtype=object)
    units["household_id"] = [None if o is None else household_ids[o]
                             for o in occupant]
    placed = _dates(rng, dt.date(2019, 6, 1), dt.date(2025, 12, 31), n_units)
    units["placed_on"] = np.where(status == "occupied", placed, None)
    units["accessible"] = (units["floor"] == 1) & (rng.random(n_units) < 0.5)

    metric = f"EPSG:{gauss_kruger_epsg(CENTRE[0])}"
    to_geo = Transformer.from_crs(metric, "EPSG:4490", always_xy=True)
    origin = Transformer.from_crs("EPSG:4490", metric, always_xy=True).transform(
        *CENTRE)

    def points(xy: np.ndarray) -> gpd.GeoSeries:
        lon, lat = to_geo.transform(xy[:, 0] + origin[0], xy[:, 1] + origin[1])
        return gpd.GeoSeries(gpd.points_from_xy(np.round(lon, 7), np.round(lat, 7)),
                             crs="EPSG:4490")

    project = Project()
    project.metadata = {"county": COUNTY_NAME, "adcode": ADCODE,
                        "generated": f"bench.county households={n} seed={seed}"}
    lo = np.array([-half - 2000.0, -half - 2000.0]) + origin
    hi = np.array([half + 2000.0, half + 2000.0]) + origin
    corners = np.array(to_geo.transform([lo[0], hi[0]], [lo[1], hi[1]])).T
    project.county = gpd.GeoDataFrame(
        {"adcode": [ADCODE], "name": [COUNTY_NAME]},
        geometry=[box(*corners[0], *corners[1])], crs="EPSG:4490")
    site_ids = [f"JX{s + 1:03d}" for s in range(n_sites)]
    extent = units.groupby("site")[["x", "y"]].agg(["min", "max"])
    site_boxes = []
    for s in range(n_sites):
        row = extent.loc[s]
        lons, lats = to_geo.transform(
            [row[("x", "min")] - 30 + origin[0], row[("x", "max")] + 30 + origin[0]],
            [row[("y", "min")] - 30 + origin[1], row[("y", "max")] + 30 + origin[1]])
        site_boxes.append(box(lons[0], lats[0], lons[1], lats[1]))
    project.sites = gpd.GeoDataFrame(
        {"site_id": site_ids, "name": [f"{COUNTY_NAME}第{s + 1}安置点"
                                       for s in range(n_sites)],
         "note": "生成数据（基准测试）"}, geometry=site_boxes, crs="EPSG:4490")
    unit_frame = pd.DataFrame({
        "unit_id": [f"{site_ids[s]}-{b:02d}-{f:02d}{d:02d}" for s, b, f, d in zip(
            units["site"], units["building"], units["floor"], units["door"])],
        "site_id": [site_ids[s] for s in units["site"]],
        "building": [f"{b}栋" for b in units["building"]],
        "floor": units["floor"].astype("int64"),
        "area_m2": units["area_m2"].astype(float),
        "accessible": units["accessible"].astype(bool),
        "status": units["status"],
        "household_id": units["household_id"],
        "placed_on": units["placed_on"],
    })
    project.housing_units = gpd.GeoDataFrame(
        unit_frame, geometry=points(units[["x", "y"]].to_numpy()).values,
        crs="EPSG:4490")

    # Facilities beside the sites, capacities a little short of the demand.
    kinds = rng.choice(list(KIND_P), size=n_facilities, p=list(KIND_P.values()))
    kinds[:4] = list(KIND_P)  # every kind at least once
    site_units = per_site / per_site.sum()
    at_site = rng.choice(n_sites, size=n_facilities, p=site_units)
    centre = units.groupby("site")[["x", "y"]].mean().to_numpy()
    spread = np.array([KIND_SPREAD_M[k] for k in kinds])
    facility_xy = centre[at_site] + rng.normal(0.0, 1.0, (n_facilities, 2)) * \
        spread[:, None] / 2
    demand = _demand(members, size)
    capacity = np.zeros(n_facilities, dtype=int)
    for kind in KIND_P:
        mine = np.flatnonzero(kinds == kind)
        share = rng.lognormal(0.0, 0.3, len(mine)) * site_units[at_site[mine]]
        total = CAPACITY_SHARE * demand[kind] * (HOUSED_SHARE + VACANT_SHARE)
        capacity[mine] = np.maximum(10, np.round(total * share / share.sum()))
    count = {k: 0 for k in KIND_P}
    names, ids = [], []
    for kind in kinds:
        count[kind] += 1
        ids.append(f"{kind[:2].upper()}{count[kind]:04d}")
        names.append(f"{COUNTY_NAME}第{count[kind]}{KIND_LABEL[kind]}")
    project.facilities = gpd.GeoDataFrame(
        {"facility_id": ids, "name": names, "kind": kinds.astype(object),
         "type_label": [KIND_LABEL[k] for k in kinds], "capacity": capacity,
         "note": "生成数据（基准测试）"},
        geometry=points(facility_xy).values, crs="EPSG:4490")

    # Register.
    income = 11000 * size ** 0.8 * np.exp(np.clip(rng.normal(0, 0.45, n), -1.1, 1.1))
    category = np.array(CATEGORIES, dtype=object)[
        rng.choice(len(CATEGORIES), size=n, p=CATEGORY_P)]
    waiting = np.where(housed,
                       _dates(rng, dt.date(2016, 6, 1), dt.date(2019, 5, 31), n),
                       _dates(rng, dt.date(2020, 1, 2), dt.date(2026, 8, 31), n))
    accessible_kinds = set(DEFAULTS["accessible_disabilities"].value)
    needs = np.zeros(n, dtype=bool)
    np.logical_or.at(needs, members["h"], members["disability"].isin(
        accessible_kinds).to_numpy())
    project.households = pd.DataFrame({
        "household_id": household_ids, "size": size.astype("int64"),
        "category": category, "priority": np.zeros(n, dtype="int64"),
        "origin_village": [f"第{v}村" for v in rng.integers(1, 120, n)],
        "origin_township": [f"第{t}乡" for t in rng.integers(1, 30, n)],
        "current_township": [f"第{t}乡" for t in rng.integers(1, 30, n)],
        "annual_income": np.round(income / 100) * 100,
        "stable_job_years": rng.integers(0, 9, n).astype(float),
        "waiting_since": waiting, "needs_accessible": needs,
    })
    hid = household_ids[members["h"].to_numpy()]
    project.members = pd.DataFrame({
        "member_id": [f"{h}-{k + 1:02d}" for h, k in zip(hid, members["k"])],
        "household_id": hid,
        "name": members["name"].to_numpy(),
        "id_number": members["id_number"].to_numpy(),
        "birth_date": members["birth"].to_numpy(),
        "sex": members["sex"].to_numpy(),
        "relationship": members["relationship"].to_numpy(),
        "disability": members["disability"].to_numpy(),
    })
    for table in ("scenarios", "runs", "allocations", "service_assignments",
                  "ledger", "locks"):
        setattr(project, table, empty_frame(table))
    return project


def _units(site_xy: np.ndarray, per_site: np.ndarray,
           rng: np.random.Generator) -> pd.DataFrame:
    """Units of every site: buildings of 6 floors x 4 doors on a grid."""
    frames = []
    per_building = FLOORS * DOORS
    for s, count in enumerate(per_site):
        buildings = int(np.ceil(count / per_building))
        side = int(np.ceil(np.sqrt(buildings)))
        b = np.arange(count) // per_building
        slot = np.arange(count) % per_building
        gx, gy = b % side, b // side
        jitter = rng.uniform(-5, 5, size=(buildings, 2))
        x = site_xy[s, 0] + (gx - (side - 1) / 2) * BUILDING_SPACING_M + jitter[b, 0]
        y = site_xy[s, 1] + (gy - (side - 1) / 2) * BUILDING_SPACING_M + jitter[b, 1]
        frames.append(pd.DataFrame({
            "site": s, "building": b + 1, "floor": slot // DOORS + 1,
            "door": slot % DOORS + 1, "x": x, "y": y}))
    return pd.concat(frames, ignore_index=True)


def _members(size: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    """People of every household: head, spouse, children, sometimes a parent."""
    n = len(size)
    h = np.repeat(np.arange(n), size)
    k = np.concatenate([np.arange(s) for s in size]) if n else np.array([], int)
    head_age = np.clip(rng.normal(44, 12, n), 22, 85).astype(int)
    spouse = (size >= 2) & (rng.random(n) < 0.85)
    parent = (size >= 4) & (rng.random(n) < 0.35)
    head_male = rng.random(n) < 0.88
    role = np.full(len(h), "child", dtype=object)
    role[k == 0] = "head"
    role[(k == 1) & spouse[h]] = "spouse"
    role[(k == size[h] - 1) & parent[h] & (k >= 2)] = "parent"
    base = head_age[h]
    age = np.where(role == "head", base, 0)
    age = np.where(role == "spouse",
                   np.clip(base + rng.integers(-4, 3, len(h)), 18, 90), age)
    age = np.where(role == "parent",
                   np.clip(base + rng.integers(22, 32, len(h)), 45, 99), age)
    child_max = np.clip(base - 18, 0, 30)
    child_age = (rng.random(len(h)) * (child_max + 1)).astype(int)
    age = np.where(role == "child", child_age, age)
    male = np.where(role == "head", head_male[h],
                    np.where(role == "spouse", ~head_male[h],
                             rng.random(len(h)) < 0.51))
    relationship = np.select(
        [role == "head", role == "spouse", (role == "child") & male,
         role == "child", male],
        ["户主", "配偶", "子", "女", "父亲"], "母亲")
    days = rng.integers(0, 365, len(h))
    born = [REFERENCE - dt.timedelta(days=int(d)) for d in days]
    born = [b.replace(year=b.year - int(a)) if not (b.month == 2 and b.day == 29)
            else b.replace(year=b.year - int(a), day=28) for b, a in zip(born, age)]
    disabled = rng.random(len(h)) < DISABILITY_SHARE * np.where(age >= 60, 2.0, 0.7)
    kind = rng.choice(len(DISABILITY_TYPES), size=len(h), p=DISABILITY_TYPE_P)
    grade = rng.choice(len(GRADES), size=len(h), p=GRADE_P)
    disability = np.where(disabled, [DISABILITY_TYPES[a] + GRADES[b]
                                     for a, b in zip(kind, grade)], "无")
    serial = rng.integers(0, 500, len(h)) * 2 + np.where(male, 1, 0)
    ids = []
    for b, s in zip(born, serial):
        first = f"{ADCODE}{b:%Y%m%d}{s:03d}"
        ids.append(first + check_digit(first))
    surname = np.array(SURNAMES, dtype=object)[rng.integers(0, len(SURNAMES), n)]
    given = np.array(GIVEN, dtype=object)[rng.integers(0, len(GIVEN), len(h))]
    return pd.DataFrame({
        "h": h, "k": k, "age": age, "birth": [b.isoformat() for b in born],
        "sex": np.where(male, "男", "女"), "relationship": relationship,
        "disability": disability, "id_number": ids, "name": surname[h] + given,
    })


def _demand(members: pd.DataFrame, size: np.ndarray) -> dict[str, float]:
    """People of the county who need each kind of facility."""
    ages = DEFAULTS["school_ages"].value
    demand = {kind: float(members["age"].between(low, high).sum())
              for kind, (low, high) in ages.items()}
    demand["clinic"] = float(size.sum())
    return demand


def _dates(rng: np.random.Generator, first: dt.date, last: dt.date,
           count: int) -> np.ndarray:
    days = rng.integers(0, (last - first).days + 1, count)
    return np.array([(first + dt.timedelta(days=int(d))).isoformat() for d in days],
                    dtype=object)


# The benchmark: every method in its own process, with limits -----------------

STATUSES = ("optimal", "feasible", "timeout", "out_of_memory", "error")


def run_benchmark(households: int, seed: int, *, time_limit: float = 60.0,
                  memory_mb: int = 4096, methods: tuple[str, ...] | None = None,
                  echo=None, unit_points: str = "site") -> dict:
    """Run every method on the county of (households, seed); one process each.

    A method that passes ``time_limit`` seconds is killed and recorded as
    timeout, one whose memory passes ``memory_mb`` as out_of_memory; its
    entry stays in the results either way. ``peak_mb`` is the peak resident
    memory of the method's own process (county generation included).
    """
    import os
    import platform
    import sys

    from bench.county_methods import METHODS

    methods = tuple(methods or METHODS)
    project = generate_project(households, seed, unit_points)
    units = project.housing_units
    report = {
        "households": int(households), "seed": int(seed), "unit_points": unit_points,
        "county": {
            "sites": len(project.sites), "units": len(units),
            "vacant_units": int((units["status"] == "vacant").sum()),
            "waiting_households": int(len(project.households)
                                      - (units["status"] == "occupied").sum()),
            "facilities": len(project.facilities), "people": len(project.members),
        },
        "limits": {"time_s": time_limit, "memory_mb": memory_mb},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average_before": list(os.getloadavg())},
        "started": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "methods": {},
    }
    del project
    for method in methods:
        row = _run_isolated(method, households, seed, time_limit, memory_mb,
                            sys.executable, unit_points)
        report["methods"][method] = row
        if echo:
            echo(method, row)
    ours = report["methods"].get("ours", {})
    for method, row in report["methods"].items():
        if method == "ours":
            continue
        finished = row["status"] in ("optimal", "feasible") and ours.get(
            "status") in ("optimal", "feasible")
        row["ratio_to_ours"] = (round(row["seconds"] / ours["seconds"], 2)
                                if finished and ours.get("seconds") else None)
    report["machine"]["load_average_after"] = list(os.getloadavg())
    return report


def _run_isolated(method: str, households: int, seed: int, time_limit: float,
                  memory_mb: int, python: str, unit_points: str = "site") -> dict:
    """One method in a child process; the parent watches time and memory."""
    import json
    import os
    import resource
    import subprocess
    import tempfile
    import time
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory(prefix="county-bench-") as tmp:
        out = Path(tmp) / "row.json"
        # Generation is not timed but takes time: allow for it on top.
        grace = 15.0 + households / 4000.0

        def limit() -> None:  # in the child, before it starts
            # A safety net only: the parent watches the resident memory.
            hard = (4 * memory_mb + 2048) * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (hard, hard))

        # The child's solver files (CBC's model and solution) go to this
        # folder, which is removed with it.
        env = dict(os.environ, TMPDIR=tmp, PYTHONPATH=str(root) + os.pathsep
                   + os.environ.get("PYTHONPATH", ""))
        # Its own process group: a solver it started (CBC runs as a program
        # of its own) is stopped with it, at a time-out, at the end, or when
        # the benchmark is interrupted.
        child = subprocess.Popen(
            [python, "-m", "bench.county_methods", method, str(households), str(seed),
             str(time_limit), str(out), unit_points],
            cwd=root, env=env, preexec_fn=limit, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, start_new_session=True)
        deadline = time.monotonic() + time_limit + grace
        verdict, peak_kb, usage = None, 0, None
        try:
            while True:
                pid, _status, usage = os.wait4(child.pid, os.WNOHANG)
                if pid:
                    break
                rss = _rss_kb(child.pid)
                peak_kb = max(peak_kb, rss)
                if rss > memory_mb * 1024:
                    verdict = "out_of_memory"
                elif time.monotonic() > deadline:
                    verdict = "timeout"
                if verdict:
                    _kill_group(child.pid)
                    _pid, _status, usage = os.wait4(child.pid, 0)
                    break
                time.sleep(0.05)
        except BaseException:
            _kill_group(child.pid)
            raise
        _kill_group(child.pid)  # what the child left running
        child.returncode = 0  # reaped above
        peak_mb = round(max(peak_kb, usage.ru_maxrss) / 1024, 1)
        stderr = child.stderr.read().decode(errors="replace") if child.stderr else ""
        if child.stderr:
            child.stderr.close()
        if verdict or not out.exists():
            return {"method": method, "status": verdict or "error",
                    "seconds": float(time_limit) if verdict == "timeout" else None,
                    "peak_mb": peak_mb, "objective": None, "gap": None,
                    "message": (f"stopped: over {time_limit:g} s" if verdict ==
                                "timeout" else f"stopped: over {memory_mb} MB"
                                if verdict else stderr.strip()[-300:])}
        row = json.loads(out.read_text(encoding="utf-8"))
        row["peak_mb"] = peak_mb
        if row.get("status") == "out_of_memory":
            row["seconds"] = None
        if (row.get("status") in ("optimal", "feasible")
                and row.get("seconds", 0) > time_limit):
            # Finished, but after the limit: a timeout for the comparison,
            # and the row says what the method reached and when.
            row["message"] = "; ".join(filter(None, [
                f"finished {row['status']} in {row['seconds']:g} s, past the "
                f"{time_limit:g} s limit", row.get("message")]))
            row["status"] = "timeout"
        return row


def _kill_group(pid: int) -> None:
    """Kill every process of the group ``pid`` leads (gone already: fine)."""
    import os
    import signal

    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.county --households N [N ...] --seed S --json OUT``."""
    import argparse
    from pathlib import Path

    parser = argparse.ArgumentParser(description="county-scale benchmark")
    parser.add_argument("--households", type=int, nargs="+", required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, required=True)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--memory-mb", type=int, default=4096)
    parser.add_argument("--methods", default="")
    parser.add_argument("--unit-points", choices=("site", "building"),
                        default="site")
    args = parser.parse_args(argv)
    return run_and_write(args.households, args.seed, args.json, args.time_limit,
                         args.memory_mb, args.methods, args.unit_points)


def run_and_write(households, seed, out, time_limit, memory_mb, methods,
                  unit_points: str = "site") -> int:
    """Run the benchmark for one or more sizes and write the JSON file."""
    import json as json_module

    from allocator.export import write_private_text

    chosen = tuple(m for m in methods.split(",") if m) if methods else None

    def echo(method, row):
        objective = row.get("objective")
        seconds = "-" if row.get("seconds") is None else row["seconds"]
        peak = "-" if row.get("peak_mb") is None else row["peak_mb"]
        # A method with no allocation says why instead of a row of Nones.
        def value(level):  # "-": a level the method did not solve
            return "-" if objective.get(level) is None else objective[level]

        told = (f"housed {value('housed')} served {value('served')} walk "
                f"{value('walk')}" if objective
                else f"no allocation: {row.get('message') or '-'}")
        print(f"  {method:14s} {row['status']:13s} {seconds!s:>8} s "
              f"{peak!s:>8} MB  {told}", flush=True)

    reports = []
    for n in households:
        print(f"county of {n} households, seed {seed}, units at their "
              f"{unit_points}'s point:", flush=True)
        reports.append(run_benchmark(n, seed, time_limit=time_limit,
                                     memory_mb=memory_mb, methods=chosen,
                                     echo=echo, unit_points=unit_points))
    result = reports[0] if len(reports) == 1 else {"series": reports}
    out.parent.mkdir(parents=True, exist_ok=True)
    write_private_text(out, json_module.dumps(result, indent=2, ensure_ascii=False))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
