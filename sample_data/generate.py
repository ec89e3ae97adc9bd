"""Generate the sample county 昭觉县 (凉山州, 四川, adcode 513431).

The sample is modelled on the 昭觉县城 易地扶贫搬迁 concentrated site
(published: about 3,900 households and 18,000 people from 28 townships and
92 villages).  Real inputs are the copies in ``sample_data/zhaojue/reference``;
everything else is generated, seeded and deterministic::

    python -m sample_data.generate [--seed 20200512] [--out sample_data/zhaojue]

See ``sample_data/README.md`` for what is real, what is illustrative and why.
"""

from __future__ import annotations

import argparse
import io
import logging
import re
import time
import zipfile
from datetime import date, timedelta
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from pyproj import Transformer
from shapely.geometry import Point, box

from sample_data import people as ppl
from sample_data.townships import map_townships

LOG = logging.getLogger(__name__)

PKG_DIR = Path(__file__).resolve().parent
DEFAULT_OUT = PKG_DIR / "zhaojue"
REF_DIR = DEFAULT_OUT / "reference"
DEFAULT_SEED = 20200512
CRS = "EPSG:4490"
SITE, SITE_NAME = "ZJ01", "昭觉县城易地扶贫搬迁集中安置点"

# Register --------------------------------------------------------------------
N_HOUSEHOLDS, N_HOUSED = 3950, 3350
N_TOWNSHIPS, N_VILLAGES = 28, 92
NOT_ORIGINS = ("新城镇", "城北乡")  # the county town and the site's own township
CLIFF = ("支尔莫乡", "阿土列尔村", 84)  # 悬崖村: 84 households, 2020-05-12..14
HAN_SHARE = 0.04
CATEGORIES = ("易地扶贫搬迁", "工程搬迁", "生态移民", "退役军人")
CATEGORY_P = {True: (0.90, 0.05, 0.04, 0.01), False: (0.55, 0.20, 0.20, 0.05)}
MIN_HOUSED_HEAD_AGE = 26  # registered as an adult before the 2020 move
INCOME_PER_HEAD = 11_000  # assumed median, yuan per person and year
JOB_YEARS_P = (0.28, 0.10, 0.11, 0.12, 0.12, 0.10, 0.08, 0.05, 0.04)  # 0..8

# Housing ---------------------------------------------------------------------
AREAS = (25, 50, 75, 100, 125, 150)
BAND = (12, 25)  # m2 per person
FLOORS, DOORS_UPPER = 11, 15
GROUND_DOORS, ACCESSIBLE_DOORS = (13, 12), (7, 6)  # half of the buildings each
OTHER_UNITS = {  # units per area in AREAS; the remaining 3,350 are occupied
    "空置": (95, 120, 110, 65, 30, 0),
    "预留": (10, 15, 15, 10, 6, 4),
    "维修中": (10, 15, 15, 15, 10, 5),
}
RESERVED_ACCESSIBLE = 10
LATE_BUILDINGS = ("4区4栋", "4区5栋", "4区6栋")  # a later phase
LATE_VACANT = 252  # 60 % of the 420 vacant units
CLIFF_BUILDING = "1区1栋"
STEP_DOWN = 0.2  # occupied units one size below the 25 m2/person maximum

# Site layout, metres east/north of the 城北乡 seat proxy ------------------------
SUBSITES = {1: (-1, 1), 2: (1, 1), 3: (-1, -1), 4: (1, -1)}  # quadrant signs
SUBSITE_X, SUBSITE_Y = (20, 600), (20, 450)  # |x|, |y| extent of a sub-site
BUILDING_X, BUILDING_Y = (330, 220, 110), (230, 110)
FACILITIES = (  # id, name, type, capacity, x, y
    ("YEY01", "安置点第一幼儿园", "幼儿园", 300, -220, 170),
    ("YEY02", "安置点第二幼儿园", "幼儿园", 270, 220, 170),
    ("YEY03", "安置点第三幼儿园", "幼儿园", 270, 0, -170),
    ("XX01", "安置点第一小学", "小学", 1200, -450, 0),
    ("XX02", "安置点第二小学", "小学", 1200, 450, 0),
    ("CZ01", "安置点初级中学", "初中", 900, 0, 500),
    ("WS01", "安置点社区卫生服务中心", "社区卫生服务中心", 12000, -150, 420),
    ("WS02", "安置点一区卫生室", "卫生室", 3000, -480, 330),
    ("WS03", "安置点四区卫生室", "卫生室", 3000, 480, -330),
)
WALK_FACTOR = 1.3
CATCHMENT_M = {"幼儿园": 300, "小学": 500, "初中": 1000}
CATCHMENT_M |= {"社区卫生服务中心": 1000, "卫生室": 1000}
SCHOOL_AGES = {"幼儿园": (3, 5), "小学": (6, 11), "初中": (12, 14)}
SITE_NOTE = (
    "位置与分区均为示意: 以城北乡驻地点(2016年, 由GCJ-02换算)为中心生成的布局, "
    "真实安置点约在其1-3公里范围内; 分区、楼栋与户型均为生成数据。"
)
FACILITY_NOTE = "位置、名称与容量均为示意(生成数据), 并非真实机构。"


def load_reference(ref_dir: Path = REF_DIR) -> dict:
    """Read the reference copies that the generator needs.

    Parameters
    ----------
    ref_dir : pathlib.Path
        Folder with the copied reference files.

    Returns
    -------
    dict
        DataFrames keyed by short names, plus ``county`` (a GeoDataFrame).
    """
    files = {
        "towns16": "townships_2016_513431.csv",
        "villages16": "villages_2016_513431.csv",
        "towns23": "townships_2023_513431.csv",
        "villages23": "villages_2023_513431.csv",
        "sizes": "census2020_family_household_size_distribution.csv",
        "age_sex": "census2020_age_sex_sichuan.csv",
        "bulletin": "liangshan_census2020_bulletin.csv",
        "sites": "resettlement_sites_liangshan.csv",
    }
    ref = {k: pd.read_csv(ref_dir / f, dtype=str) for k, f in files.items()}
    ref["county"] = gpd.read_file(ref_dir / "county_513431_tianditu_cgcs2000.geojson")
    return ref


def uniform_dates(rng: np.random.Generator, lo: date, hi: date, n: int) -> np.ndarray:
    """Draw ``n`` dates uniformly from ``lo`` to ``hi`` inclusive."""
    days = rng.integers(0, max(0, (hi - lo).days) + 1, size=n)
    return np.array([lo + timedelta(days=int(d)) for d in days], dtype=object)


def band_areas(size: int) -> list[int]:
    """Unit areas allowed for a household of ``size`` persons (12-25 m2 each)."""
    return [a for a in AREAS if BAND[0] * size <= a <= BAND[1] * size]


# Origins and register ----------------------------------------------------------
def choose_origins(ref: dict, rng: np.random.Generator) -> tuple:
    """Pick the 28 origin townships and 92 origin villages.

    Returns
    -------
    tuple of pandas.DataFrame
        Origin villages (``town16``, ``village``, ``town23``, ``weight``) and
        the full 2016 -> 2023 township mapping.
    """
    tmap = map_townships(
        ref["towns16"], ref["villages16"], ref["towns23"], ref["villages23"]
    )
    to23 = dict(zip(tmap["name_2016"], tmap["name_2023"]))
    v = ref["villages16"].copy()
    v["village"] = v["name"].str.replace("村民委员会", "", regex=False) + "村"
    unique = ~v["village"].duplicated(keep=False) & ~v["village"].str.contains("（")
    v = v[(v["ur_code"] == "220") & unique & v["town"].map(to23).notna()]
    v = v[~v["town"].isin(NOT_ORIGINS)]
    towns = [t for t in tmap["name_2016"] if t in set(v["town"]) and t != CLIFF[0]]
    picked = [CLIFF[0], *rng.choice(towns, N_TOWNSHIPS - 1, replace=False)]
    v = v[v["town"].isin(picked)]
    first = [CLIFF[1]] + [
        rng.choice(v.loc[v["town"] == t, "village"].to_numpy()) for t in picked[1:]
    ]
    rest = v.loc[~v["village"].isin(first), "village"].to_numpy()
    chosen = first + list(rng.choice(rest, N_VILLAGES - N_TOWNSHIPS, replace=False))
    out = v.loc[v["village"].isin(chosen), ["town", "village"]]
    out = out.rename(columns={"town": "town16"}).reset_index(drop=True)
    out["town23"] = out["town16"].map(to23)
    out["weight"] = rng.lognormal(0.0, 0.6, size=len(out))
    return out, tmap


def build_register(ref: dict, rng: np.random.Generator) -> tuple:
    """Generate households and persons.

    Returns
    -------
    tuple of pandas.DataFrame
        Households (one row each, ``housed`` flag, origin, category, income,
        job years, accessibility need), persons and the township mapping.
    """
    origins, tmap = choose_origins(ref, rng)
    fig = ref["bulletin"].query("year == '2020'").set_index("metric")["value"]
    shares = (float(fig["share_age_0_14"]) / 100, float(fig["share_age_60_plus"]) / 100)
    households = ppl.build_households(
        ref["sizes"], ref["age_sex"], shares, N_HOUSEHOLDS, rng
    )
    used: set[str] = set()
    han = rng.random(N_HOUSEHOLDS) < HAN_SHARE
    rows = [
        p
        for h, members in enumerate(households)
        for p in ppl.persons_of(h, members, bool(han[h]), rng, used)
    ]
    people = pd.DataFrame(rows)
    people["disability"] = ppl.assign_disability(people["age"].to_numpy(), rng)
    head = people[people["role"] == "户主"].set_index("hh")
    hh = pd.DataFrame({"size": people.groupby("hh").size()})
    hh["head_age"], hh["head_male"] = head["age"], head["male"]

    # Households of 11-12 and young heads (registered after 2020) still wait.
    must_wait = (hh["size"] >= 11) | (hh["head_age"] < MIN_HOUSED_HEAD_AGE)
    housed = rng.choice(hh.index[~must_wait], N_HOUSED, replace=False)
    hh["housed"] = hh.index.isin(housed)

    # Origins: 84 housed households from the 悬崖村, the rest by village weight.
    cliff = int(np.flatnonzero(origins["village"] == CLIFF[1])[0])
    w = origins["weight"].to_numpy().copy()
    w[cliff] = 0.0
    hh["origin"] = rng.choice(len(origins), len(hh), p=w / w.sum())
    hh.loc[rng.choice(housed, CLIFF[2], replace=False), "origin"] = cliff
    for col in ("town16", "village", "town23"):
        hh[col] = origins.loc[hh["origin"], col].to_numpy()

    cat = np.array([CATEGORIES[rng.choice(4, p=CATEGORY_P[x])] for x in hh["housed"]])
    veteran_ok = hh["head_male"] & hh["head_age"].between(24, 62)
    hh["category"] = np.where((cat == "退役军人") & ~veteran_ok, CATEGORIES[0], cat)
    workers = people[people["age"].between(18, 59)].groupby("hh").size()
    has_worker = hh.index.map(workers).fillna(0).to_numpy() > 0
    years = np.where(has_worker, rng.choice(9, len(hh), p=JOB_YEARS_P), 0)
    noise = np.clip(rng.normal(0.0, 0.45, len(hh)), -1.1, 1.1)
    income = INCOME_PER_HEAD * hh["size"] ** 0.8 * np.exp(0.06 * years + noise)
    income *= np.where(years == 0, 0.8, 1.0)
    hh["job_years"] = years
    hh["income"] = (np.round(income / 100) * 100).astype(int)
    severe = people["disability"].str.match(r"(肢体|视力|多重)[一二]级")
    need = 2 * severe.astype(int) + (people["age"] >= 80).astype(int)
    hh["need"] = need.groupby(people["hh"]).max()
    return hh, people, tmap


# Site and units --------------------------------------------------------------
def build_site(rng: np.random.Generator) -> tuple:
    """Return sub-site rectangles and the 24 building points in local metres."""
    subsites, buildings = [], []
    for s, (sx, sy) in SUBSITES.items():
        xs, ys = sorted(sx * v for v in SUBSITE_X), sorted(sy * v for v in SUBSITE_Y)
        subsites.append((s, box(xs[0], ys[0], xs[1], ys[1])))
        cols = sorted(sx * v for v in BUILDING_X)
        rows = sorted((sy * v for v in BUILDING_Y), reverse=True)
        for no, (y, x) in enumerate([(y, x) for y in rows for x in cols], start=1):
            jx, jy = rng.uniform(-12, 12, size=2)
            buildings.append(
                {
                    "subsite": s,
                    "no": no,
                    "name": f"{s}区{no}栋",
                    "x": x + jx,
                    "y": y + jy,
                }
            )
    return subsites, pd.DataFrame(buildings)


def build_units(
    buildings: pd.DataFrame, hh: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    """Lay out the units, then give them a status, an area and an occupant."""
    half = len(buildings) // 2
    ground = rng.permutation(np.repeat(GROUND_DOORS, half))
    access = rng.permutation(np.repeat(ACCESSIBLE_DOORS, half))
    rows = [
        {"b": i, "floor": f, "access": f == 1 and d < access[i]}
        for i in buildings.index
        for f in range(1, FLOORS + 1)
        for d in range(ground[i] if f == 1 else DOORS_UPPER)
    ]
    units = pd.DataFrame(rows)
    units["building"] = buildings.loc[units["b"], "name"].to_numpy()
    units["status"] = ""
    late = units["building"].isin(LATE_BUILDINGS)
    acc = units["access"]

    def take(mask: pd.Series, n: int, status: str) -> None:
        free = units.index[mask & (units["status"] == "")]
        units.loc[rng.choice(free, n, replace=False), "status"] = status

    total = {k: sum(v) for k, v in OTHER_UNITS.items()}
    take(late, LATE_VACANT, "空置")
    take(~late & ~acc, total["空置"] - LATE_VACANT, "空置")
    take(acc, RESERVED_ACCESSIBLE, "预留")
    take(~acc, total["预留"] - RESERVED_ACCESSIBLE, "预留")
    take(units["status"] == "", total["维修中"], "维修中")
    units.loc[units["status"] == "", "status"] = "已入住"
    units["area"] = 0
    for status, mix in OTHER_UNITS.items():
        idx = units.index[units["status"] == status]
        units.loc[idx, "area"] = rng.permutation(np.repeat(AREAS, mix))

    # Occupants: the 悬崖村 together in one building (its neediest households in
    # that building's accessible units), other accessible units to the neediest.
    occ = units["status"] == "已入住"
    housed = hh[hh["housed"]].assign(key=rng.random(int(hh["housed"].sum())))
    housed = housed.sort_values(["need", "key"], ascending=False)
    is_cliff = (housed["village"] == CLIFF[1]).to_numpy()
    cliff, rest = housed.index[is_cliff], housed.index[~is_cliff]
    in_building = occ & (units["building"] == CLIFF_BUILDING)
    cliff_acc = units.index[in_building & acc]
    cliff_other = units.index[in_building & ~acc]
    picked = rng.choice(cliff_other, len(cliff) - len(cliff_acc), replace=False)
    cliff_slots = np.concatenate([cliff_acc, np.sort(picked)])
    acc_slots = units.index[occ & acc].difference(cliff_acc)
    first, others = rest[: len(acc_slots)], rest[len(acc_slots) :]
    other_slots = units.index[occ].difference(acc_slots.union(cliff_slots))
    units["hh"] = -1
    units.loc[acc_slots, "hh"] = first.to_numpy()
    units.loc[cliff_slots, "hh"] = cliff.to_numpy()
    units.loc[other_slots, "hh"] = rng.permutation(others.to_numpy())
    for i in units.index[occ]:
        allowed = band_areas(int(hh.at[units.at[i, "hh"], "size"]))
        down = len(allowed) > 1 and rng.random() < STEP_DOWN
        units.at[i, "area"] = allowed[-2] if down else allowed[-1]

    # Move-in: 悬崖村 2020-05-12..14, later phase from mid-2021, else mostly 2020.
    n = len(units)
    u = rng.random(n)
    move = np.where(
        u < 0.51,
        uniform_dates(rng, date(2020, 5, 10), date(2020, 6, 30), n),
        np.where(
            u < 0.85,
            uniform_dates(rng, date(2020, 7, 1), date(2020, 12, 31), n),
            uniform_dates(rng, date(2021, 1, 4), date(2025, 12, 31), n),
        ),
    )
    move = np.where(
        late, uniform_dates(rng, date(2021, 6, 1), date(2025, 12, 31), n), move
    )
    cliff_days = uniform_dates(rng, date(2020, 5, 12), date(2020, 5, 14), n)
    move = np.where(units.index.isin(cliff_slots), cliff_days, move)
    units["move_in"] = np.where(occ, move, None)

    # Door numbers: within each floor, smaller units first.
    units["key"] = rng.random(n)
    units = units.sort_values(["b", "floor", "area", "key"]).reset_index(drop=True)
    units["door"] = units.groupby(["b", "floor"]).cumcount() + 1
    return units


def registration_dates(
    hh: pd.DataFrame,
    people: pd.DataFrame,
    units: pd.DataFrame,
    rng: np.random.Generator,
) -> list[date]:
    """Waiting-list dates: before move-in for housed households, 2021-2026 else."""
    move = units[units["hh"] >= 0].set_index("hh")["move_in"]
    head_born = people[people["role"] == "户主"].set_index("hh")["born"]
    out = []
    for h in hh.index:
        if h in move.index and move[h].year == 2020:
            lo, hi = date(2016, 6, 1), move[h] - timedelta(days=30)
        elif h in move.index:
            lo, hi = move[h] - timedelta(days=720), move[h] - timedelta(days=60)
        else:
            lo, hi = date(2021, 1, 4), ppl.REF_DATE - timedelta(days=1)
        lo = max(lo, ppl.add_years(head_born[h], 18))
        out.append(uniform_dates(rng, lo, hi, 1)[0])
    return out


# Households over time ----------------------------------------------------------
HISTORY_YEARS = (2023, 2024, 2025)
INCOME_GROWTH = 1.06  # assumed yearly growth of incomes before the latest year
NO_STABLE_JOB = ("灵活就业", "务农", "无业")
NO_STABLE_JOB_P = (0.45, 0.40, 0.15)
INCOME_DROP_SHARE, INCOME_DROP = 0.05, (0.15, 0.65)
JOB_LOSS_SHARE = 0.025
PETITION_SHARE = 0.06
PETITION_SUBJECTS = ("房屋漏水维修", "子女入学", "就业帮扶", "补贴发放", "物业费用",
                     "邻里纠纷", "医疗报销")
PETITIONS_FROM, PETITIONS_TO = date(2025, 6, 1), date(2026, 11, 30)
VISIT_MONTHS = (1, 3, 6)
VISIT_DONE_P = 0.97
CASEWORKERS = 45  # about one per 80 residents of the site


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


def build_history(
    hh: pd.DataFrame, units: pd.DataFrame, rng: np.random.Generator
) -> dict:
    """Income and job by year, complaints and petitions, follow-up visits.

    The latest year (2025) repeats the register's income and stable-job years;
    earlier years are that income discounted by ``INCOME_GROWTH`` with noise.
    Some housed households lose income or their job in the latest year, some
    complain or petition, and a few follow-up visits were never made, so that
    exits and alerts of every level show up in the sample.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``income_history.csv``, ``petitions.csv`` and ``follow_up_visits.csv``
        in the importer's column layout.
    """
    housed = hh[hh["housed"]].sort_values("hid")
    n = len(housed)
    latest = HISTORY_YEARS[-1]
    years = housed["job_years"].to_numpy()
    idle = rng.choice(NO_STABLE_JOB, n, p=NO_STABLE_JOB_P)
    drop = rng.random(n) < INCOME_DROP_SHARE
    drop_by = rng.uniform(*INCOME_DROP, n)
    lose = (rng.random(n) < JOB_LOSS_SHARE) & (years > 0) & ~drop
    noise = rng.normal(0.0, 0.08, (n, len(HISTORY_YEARS)))
    rows = []
    for i, (hid, income, job) in enumerate(
        zip(housed["hid"], housed["income"], years)
    ):
        incomes = {
            y: float(income) / INCOME_GROWTH ** (latest - y) * np.exp(noise[i, k])
            for k, y in enumerate(HISTORY_YEARS)
        }
        incomes[latest] = float(income)
        status = {y: "稳定就业" if job - (latest - y) > 0 else
                  (idle[i] if job == 0 else "灵活就业") for y in HISTORY_YEARS}
        stable = {y: max(0, int(job) - (latest - y)) for y in HISTORY_YEARS}
        note = {y: "" for y in HISTORY_YEARS}
        if drop[i]:
            incomes[latest] = incomes[latest - 1] * (1 - drop_by[i])
            note[latest] = "收入下降"
        if lose[i]:
            status[latest], stable[latest] = "无业", 0
            incomes[latest] = incomes[latest - 1] * 0.6
            note[latest] = "失去工作"
        for y in HISTORY_YEARS:
            rows.append({"户号": hid, "年度": y,
                         "年收入": int(round(incomes[y] / 100) * 100),
                         "就业状况": status[y], "稳定就业年限": stable[y],
                         "说明": note[y]})
    incomes = pd.DataFrame(rows)

    petitions = []
    for hid in housed["hid"][rng.random(n) < PETITION_SHARE]:
        count = int(rng.choice((1, 2, 3), p=(0.6, 0.28, 0.12)))
        days = sorted(uniform_dates(rng, PETITIONS_FROM, PETITIONS_TO, count))
        for day in days:
            closed = day < date(2026, 9, 1) and rng.random() < 0.85
            petitions.append({
                "户号": hid, "日期": day.isoformat(),
                "类型": "信访" if rng.random() < 0.3 else "投诉",
                "事由": str(rng.choice(PETITION_SUBJECTS)),
                "办理状态": "已办结" if closed else "办理中", "说明": ""})
    petitions = pd.DataFrame(
        petitions, columns=["户号", "日期", "类型", "事由", "办理状态", "说明"])

    moved = units[units["hh"] >= 0].set_index("hh")["move_in"]
    visits = []
    for h, hid in zip(housed.index, housed["hid"]):
        placed = moved.get(h)
        if placed is None:
            continue
        for month in VISIT_MONTHS:
            done = rng.random() < VISIT_DONE_P
            late = int(rng.integers(-5, 21))
            if not done:
                continue
            visits.append({
                "户号": hid, "回访月份": month,
                "回访日期": (_add_months(placed, month)
                             + timedelta(days=late)).isoformat(),
                "回访人": f"帮扶干部{int(rng.integers(1, CASEWORKERS + 1)):02d}",
                "情况": ""})
    visits = pd.DataFrame(visits, columns=["户号", "回访月份", "回访日期", "回访人",
                                           "情况"])
    return {"income_history.csv": incomes, "petitions.csv": petitions,
            "follow_up_visits.csv": visits}


# Wishes ----------------------------------------------------------------------
WISH_SHARE = 0.62  # waiting households that rank sites
WISH_COUNT_P = (0.40, 0.35, 0.25)  # they rank 1, 2 or 3 of the 4 sub-sites
SITE_POPULARITY = (0.34, 0.30, 0.21, 0.15)  # 一区 (older, by the clinic) .. 四区
VILLAGE_FAVOURITE_P = 0.5  # first choice: where the village's own favour lies
LOW_FLOOR_P = 0.8  # households with a member aged 60+ or disabled asking for one


def build_wishes(
    hh: pd.DataFrame, people: pd.DataFrame, rng: np.random.Generator
) -> tuple[pd.Series, pd.Series]:
    """Ranked sub-sites and low-floor wishes of the waiting households.

    Villages lean to one sub-site (relatives and neighbours already there),
    so a household's first choice is its village's favourite half of the
    time and otherwise follows the sub-sites' popularity. Most households
    with a member aged 60+ or with a disability ask for a low floor. Housed
    households record no wish.

    Returns
    -------
    tuple of pandas.Series
        ``意向安置点`` text such as ``ZJ01-2|ZJ01-1`` (empty: none) and
        ``低楼层意愿`` (是/否), indexed like ``hh``.
    """
    sites = [f"{SITE}-{s}" for s in SUBSITES]
    popularity = np.array(SITE_POPULARITY)
    villages = sorted(set(hh["village"]))
    favourite = dict(zip(villages, rng.choice(len(sites), len(villages),
                                              p=popularity)))
    old_or_disabled = (people["age"] >= 60) | (people["disability"] != "无")
    frail = old_or_disabled.groupby(people["hh"]).any()
    ranked, low = [], []
    for h in hh.index:
        states, count = rng.random(3), 1 + int(rng.choice(3, p=WISH_COUNT_P))
        order = list(rng.choice(len(sites), len(sites), replace=False,
                                p=popularity))
        if states[1] < VILLAGE_FAVOURITE_P:
            order.remove(favourite[hh.at[h, "village"]])
            order.insert(0, favourite[hh.at[h, "village"]])
        waiting = not hh.at[h, "housed"]
        ranked.append("|".join(sites[i] for i in order[:count])
                      if waiting and states[0] < WISH_SHARE else "")
        low.append("是" if waiting and frail.get(h, False) and states[2] < LOW_FLOOR_P
                   else "否")
    return pd.Series(ranked, index=hh.index), pd.Series(low, index=hh.index)


# Writers ---------------------------------------------------------------------
def write_geojson(gdf: gpd.GeoDataFrame, path: Path) -> None:
    """Write a GeoJSON file in CGCS2000 (EPSG:4490) with 7 decimals."""
    gdf.to_crs(CRS).to_file(path, driver="GeoJSON", COORDINATE_PRECISION=7)


def write_register(df: pd.DataFrame, path: Path) -> None:
    """Write sheet ``登记表``; ID and date columns as text cells, reproducibly."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("登记表")
    ws.freeze_panes = "A2"
    widths = {"身份证号": 21, "出生日期": 12, "原居住村": 14, "轮候登记日期": 13,
              "意向安置点": 20}
    for i, col in enumerate(df.columns):
        ws.column_dimensions[chr(65 + i)].width = widths.get(col, 11)
    text = {df.columns.get_loc(c) for c in ("身份证号", "出生日期", "轮候登记日期")}
    ws.append(list(df.columns))
    for row in df.itertuples(index=False):
        cells = []
        for j, value in enumerate(row):
            if j in text and isinstance(value, str):
                value = WriteOnlyCell(ws, value=value)
                value.number_format = "@"
            cells.append(value)
        ws.append(cells)
    buf = io.BytesIO()
    wb.save(buf)
    # Fixed timestamps inside the zip so that a rerun gives the same bytes.
    stamp = r"\g<1>2026-09-01T00:00:00Z"
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "docProps/core.xml":
                xml = re.sub(r"(<dcterms:\w+ [^>]*>)[^<]*", stamp, data.decode())
                data = xml.encode()
            info = zipfile.ZipInfo(item.filename, date_time=(2026, 9, 1, 0, 0, 0))
            dst.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)


def register_table(hh: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """One row per person in the importer's column layout."""
    p = people.merge(hh, left_on="hh", right_index=True, how="left")
    head = p["role"] == "户主"
    table = pd.DataFrame(
        {
            "户号": p["hid"],
            "姓名": p["name"],
            "身份证号": p["pid"],
            "与户主关系": p["role"],
            "性别": np.where(p["male"], "男", "女"),
            "出生日期": p["born"].map(date.isoformat),
            "安置类别": p["category"],
            "残疾": p["disability"],
            "年收入": p["income"].astype(object).where(head, None),
            "稳定就业年限": p["job_years"].astype(object).where(head, None),
            "原居住村": p["village"],
            "原居住乡镇": p["town16"],
            "现属乡镇": p["town23"],
            "轮候登记日期": p["registered"].map(date.isoformat).where(head, None),
        }
    )
    if "wish_sites" in p:  # household wishes, on the head's row
        table["意向安置点"] = p["wish_sites"].where(head & (p["wish_sites"] != ""),
                                               None)
        table["低楼层意愿"] = p["wish_low"].where(head, None)
    return table.sort_values("户号", kind="stable").reset_index(drop=True)


def units_table(
    units: pd.DataFrame, buildings: pd.DataFrame, hh: pd.DataFrame
) -> pd.DataFrame:
    """One row per unit in the importer's column layout."""
    b = buildings.loc[units["b"]].reset_index(drop=True)
    hid = hh["hid"].reindex(units["hh"]).fillna("").to_numpy()
    table = pd.DataFrame(
        {
            "房号": [
                f"{SITE}-{s}-{n:02d}-{f:02d}{d:02d}"
                for s, n, f, d in zip(
                    b["subsite"], b["no"], units["floor"], units["door"]
                )
            ],
            "安置点编号": [f"{SITE}-{s}" for s in b["subsite"]],
            "楼栋": units["building"],
            "楼层": units["floor"],
            "面积": units["area"],
            "无障碍": np.where(units["access"], "是", "否"),
            "状态": units["status"],
            "现住户号": hid,
            "入住日期": [d.isoformat() if d else "" for d in units["move_in"]],
            "经度": [f"{x:.6f}" for x in b["lon"]],
            "纬度": [f"{y:.6f}" for y in b["lat"]],
        }
    )
    return table.sort_values("房号").reset_index(drop=True)


# Main ------------------------------------------------------------------------
def generate(out: Path = DEFAULT_OUT, seed: int = DEFAULT_SEED) -> dict:
    """Generate all sample files into ``out``.

    Parameters
    ----------
    out : pathlib.Path
        Output folder (created if missing).
    seed : int
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    dict
        Headline numbers of the generated county (also logged).
    """
    t0 = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ref = load_reference()
    site_rng, hh_rng, unit_rng = np.random.default_rng(seed).spawn(3)

    write_geojson(ref["county"][["adcode", "name", "geometry"]], out / "county.geojson")
    zj = ref["sites"].set_index("site_id").loc["ZJ-01"]
    lon0, lat0 = float(zj["lon_wgs84_converted"]), float(zj["lat_wgs84_converted"])
    local = f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +ellps=GRS80 +units=m"
    to_geo = Transformer.from_crs(local, CRS, always_xy=True)
    subsites, buildings = build_site(site_rng)
    sites = gpd.GeoDataFrame(
        {
            "安置点编号": [f"{SITE}-{s}" for s, _ in subsites],
            "名称": [f"{SITE_NAME}{'一二三四'[s - 1]}区" for s, _ in subsites],
            "说明": [SITE_NOTE] * len(subsites),
        },
        geometry=[
            shapely.transform(g, to_geo.transform, interleaved=False)
            for _, g in subsites
        ],
        crs=CRS,
    )
    write_geojson(sites, out / "sites.geojson")
    lon, lat = to_geo.transform(buildings["x"].to_numpy(), buildings["y"].to_numpy())
    buildings["lon"], buildings["lat"] = np.round(lon, 6), np.round(lat, 6)

    hh, people, tmap = build_register(ref, hh_rng)
    units = build_units(buildings, hh, unit_rng)
    hh["registered"] = registration_dates(hh, people, units, hh_rng)
    order = hh.assign(key=hh_rng.random(len(hh))).sort_values(["registered", "key"])
    hh.loc[order.index, "hid"] = [f"ZJ-{i:06d}" for i in range(1, len(hh) + 1)]

    # Wishes come from a stream of their own, so every other value keeps its
    # bytes.
    wish_rng = np.random.default_rng(seed).spawn(5)[4]
    hh["wish_sites"], hh["wish_low"] = build_wishes(hh, people, wish_rng)
    write_register(register_table(hh, people), out / "register.xlsx")
    units_table(units, buildings, hh).to_csv(
        out / "units.csv", index=False, encoding="utf-8-sig", lineterminator="\r\n"
    )
    fac = pd.DataFrame(
        FACILITIES, columns=["设施编号", "名称", "类型", "容量", "x", "y"]
    )
    fac["说明"] = FACILITY_NOTE
    points = [Point(to_geo.transform(x, y)) for x, y in zip(fac["x"], fac["y"])]
    write_geojson(
        gpd.GeoDataFrame(fac.drop(columns=["x", "y"]), geometry=points, crs=CRS),
        out / "facilities.geojson",
    )
    tmap.to_csv(out / "township_map_2016_2023.csv", index=False)

    # Households over time (issue #5), from a stream of their own so that the
    # files above keep their bytes.
    history_rng = np.random.default_rng(seed).spawn(4)[3]
    for name, table in build_history(hh, units, history_rng).items():
        table.to_csv(out / name, index=False, encoding="utf-8-sig",
                     lineterminator="\r\n")

    summary = summarise(hh, people, units, buildings, fac)
    summary["seconds"] = round(time.perf_counter() - t0, 1)
    for key, value in summary.items():
        LOG.info("%s: %s", key, value)
    return summary


def summarise(
    hh: pd.DataFrame,
    people: pd.DataFrame,
    units: pd.DataFrame,
    buildings: pd.DataFrame,
    fac: pd.DataFrame,
) -> dict:
    """Headline numbers: register, units, facility capacity against demand."""
    age = people["age"]
    where = units[units["hh"] >= 0].set_index("hh")["b"]
    res = people[people["hh"].isin(where.index)].assign(b=lambda d: d["hh"].map(where))
    vacant = units.loc[units["status"] == "空置", "area"].value_counts()
    waiting = hh.loc[~hh["housed"], "size"]
    summary = {
        "households": len(hh),
        "persons": len(people),
        "mean_size": round(len(people) / len(hh), 3),
        "share_0_14": round(float((age <= 14).mean()), 4),
        "share_60_plus": round(float((age >= 60).mean()), 4),
        "aged_70_plus": int((age >= 70).sum()),
        "disabled_share": round(float((people["disability"] != "无").mean()), 4),
        "housed_households": int(hh["housed"].sum()),
        "housed_persons": len(res),
        "waiting_households": len(waiting),
        "sizes_all": hh["size"].value_counts().sort_index().to_dict(),
        "sizes_waiting": waiting.value_counts().sort_index().to_dict(),
        "units_by_status": units["status"].value_counts().to_dict(),
        "units_by_area": units["area"].value_counts().sort_index().to_dict(),
        "vacant_by_area": vacant.reindex(AREAS, fill_value=0).to_dict(),
        "waiting_without_fitting_vacant_area": int(
            sum(not set(band_areas(s)) & set(vacant.index) for s in waiting)
        ),
    }
    bx, by = buildings["x"].to_numpy(), buildings["y"].to_numpy()
    for kind, group in fac.groupby("类型", sort=False):
        dx = bx[:, None] - group["x"].to_numpy()
        dy = by[:, None] - group["y"].to_numpy()
        reach = (WALK_FACTOR * np.hypot(dx, dy) <= CATCHMENT_M[kind]).any(axis=1)
        lo, hi = SCHOOL_AGES.get(kind, (0, 200))
        users = res[res["age"].between(lo, hi)]
        summary[kind] = {
            "capacity": int(group["容量"].sum()),
            "demand_housed": len(users),
            "demand_if_all_housed": int(age.between(lo, hi).sum()),
            "buildings_in_reach": f"{int(reach.sum())}/{len(reach)}",
            "housed_demand_out_of_reach": int((~reach[users["b"].to_numpy()]).sum()),
        }
    return summary


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    generate(args.out, args.seed)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("pyogrio").setLevel(logging.WARNING)
    main()
