"""Generate the sample county 昭觉县 (凉山州, 四川, adcode 513431).

The sample is modelled on the 昭觉县城 易地扶贫搬迁 concentrated site
(published: about 3,900 households, 18,000 people from 28 townships and 92
villages).  Real inputs are the copies in ``sample_data/zhaojue/reference``;
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
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from pyproj import Transformer
from shapely.geometry import Point, box
from shapely.ops import transform

from sample_data import names
from sample_data.townships import map_townships

LOG = logging.getLogger(__name__)

PKG_DIR = Path(__file__).resolve().parent
DEFAULT_OUT = PKG_DIR / "zhaojue"
REF_DIR = DEFAULT_OUT / "reference"
DEFAULT_SEED = 20200512
REF_DATE = date(2026, 9, 1)
ADCODE = "513431"
CRS = "EPSG:4490"
SITE = "ZJ01"
SITE_NAME = "昭觉县城易地扶贫搬迁集中安置点"

# Register ---------------------------------------------------------------
N_HOUSEHOLDS, N_HOUSED = 3950, 3350
MEAN_SIZE, MAX_SIZE = 4.6, 12
TAIL_RATIO = 0.05  # weight 11:10 and 12:11 inside the census "10+" class
N_TOWNSHIPS, N_VILLAGES = 28, 92
CLIFF_VILLAGE = ("支尔莫乡", "阿土列尔村", 84)  # 悬崖村, moved 2020-05-12..14
CATEGORIES = ("易地扶贫搬迁", "工程搬迁", "生态移民", "退役军人")
CATEGORY_P = {True: (0.90, 0.05, 0.04, 0.01), False: (0.55, 0.20, 0.20, 0.05)}
KINDS = ("nuclear", "with_parents", "stem", "single_parent")
KIND_P = (0.56, 0.12, 0.24, 0.08)
DISABILITY_SHARE = 0.065  # 2006 national sample survey: 6.34 %
DISABILITY_TYPES = ("视力", "听力", "肢体", "智力", "精神", "多重")
DISABILITY_TYPE_P = (14.86, 25.69, 29.07, 6.68, 7.40, 16.30)  # 听力 incl. 言语
GRADES = ("一级", "二级", "三级", "四级")
GRADE_P = (0.13, 0.17, 0.30, 0.40)
INCOME_PER_HEAD = 11_000  # assumed median, yuan per person and year
JOB_YEARS_P = (0.28, 0.10, 0.11, 0.12, 0.12, 0.10, 0.08, 0.05, 0.04)  # 0..8

# Housing ----------------------------------------------------------------
AREAS = (25, 50, 75, 100, 125, 150)
BAND = (12, 25)  # m2 per person
FLOORS, DOORS_UPPER = 11, 15
ACCESSIBLE_UNITS = 156  # about 4 % of 3,900, ground floor only
OTHER_UNITS = {  # status -> count per area in AREAS (occupied units follow)
    "空置": (95, 120, 110, 65, 30, 0),
    "预留": (10, 15, 15, 10, 6, 4),
    "维修中": (10, 15, 15, 15, 10, 5),
}
LATE_BUILDINGS = ("4区4栋", "4区5栋", "4区6栋")
LATE_VACANT = 252  # 60 % of the 420 vacant units
CLIFF_BUILDING = "1区1栋"

# Site layout in metres east/north of the 城北乡 seat proxy -----------------
SUBSITES = {1: (-1, 1), 2: (1, 1), 3: (-1, -1), 4: (1, -1)}  # quadrant signs
SUBSITE_X, SUBSITE_Y = (20, 600), (20, 450)  # |x|, |y| extent of a sub-site
BUILDING_X, BUILDING_Y = (330, 220, 110), (230, 110)  # outer to inner
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
CATCHMENT_M = {"幼儿园": 300, "小学": 500, "初中": 1000, "社区卫生服务中心": 1000}
CATCHMENT_M["卫生室"] = 1000
SCHOOL_AGES = {"幼儿园": (3, 5), "小学": (6, 11), "初中": (12, 14)}
ILLUSTRATIVE = "位置、名称与容量均为示意(生成数据), 并非真实机构。"


def load_reference(ref_dir: Path = REF_DIR) -> dict[str, pd.DataFrame]:
    """Read the reference copies that the generator needs.

    Parameters
    ----------
    ref_dir : pathlib.Path
        Folder with the copied reference files.

    Returns
    -------
    dict of str to pandas.DataFrame
        Tables keyed by short names, plus ``county`` (a GeoDataFrame).
    """
    csv = {
        "towns16": "townships_2016_513431.csv",
        "villages16": "villages_2016_513431.csv",
        "towns23": "townships_2023_513431.csv",
        "villages23": "villages_2023_513431.csv",
        "sizes": "census2020_family_household_size_distribution.csv",
        "age_sex": "census2020_age_sex_sichuan.csv",
        "bulletin": "liangshan_census2020_bulletin.csv",
        "sites": "resettlement_sites_liangshan.csv",
    }
    ref = {k: pd.read_csv(ref_dir / f, dtype=str) for k, f in csv.items()}
    ref["county"] = gpd.read_file(ref_dir / "county_513431_tianditu_cgcs2000.geojson")
    return ref


# Household sizes and ages ------------------------------------------------
def size_distribution(sizes: pd.DataFrame) -> np.ndarray:
    """Tilt the census rural household-size shares to the target mean.

    Parameters
    ----------
    sizes : pandas.DataFrame
        Census 2020 shares by size 1..9 and ``10+``.

    Returns
    -------
    numpy.ndarray
        Probabilities of sizes 1..``MAX_SIZE`` (index 0 is size 1),
        ``p_s`` proportional to ``census_s * theta**s`` with the mean equal
        to ``MEAN_SIZE``; the ``10+`` class is split 1 : q : q**2 over 10-12.
    """
    share = sizes["rural_share_pct"].astype(float).to_numpy()
    tail = TAIL_RATIO ** np.arange(MAX_SIZE - 9)
    base = np.concatenate([share[:9], share[9] * tail / tail.sum()])
    s = np.arange(1, MAX_SIZE + 1)
    lo, hi = 1.0, 4.0
    for _ in range(60):
        theta = (lo + hi) / 2
        p = base * theta**s
        lo, hi = (theta, hi) if (p * s).sum() / p.sum() < MEAN_SIZE else (lo, theta)
    return p / p.sum()


def quota(p: np.ndarray, n: int) -> np.ndarray:
    """Integer counts summing to ``n`` (largest-remainder rounding of n * p)."""
    raw = n * np.asarray(p)
    counts = np.floor(raw).astype(int)
    counts[np.argsort(counts - raw, kind="stable")[: n - counts.sum()]] += 1
    return counts


class AgeSampler:
    """Draw ages from the 四川 2020 single-year shape, rescaled to 凉山 bands.

    Parameters
    ----------
    age_sex : pandas.DataFrame
        四川 2020 persons by age group and sex.
    bulletin : pandas.DataFrame
        凉山州 2020 bulletin figures (shares aged 0-14 and 60+).
    rng : numpy.random.Generator
        Random source.
    """

    def __init__(
        self, age_sex: pd.DataFrame, bulletin: pd.DataFrame, rng: np.random.Generator
    ) -> None:
        w, male = np.zeros(101), np.zeros(101)
        for _, r in age_sex.iterrows():
            nums = [int(x) for x in re.findall(r"\d+", r["age_group"])]
            lo, hi = nums[0], nums[-1]
            w[lo : hi + 1] = float(r["total"]) / (hi - lo + 1)
            male[lo : hi + 1] = float(r["male"]) / float(r["total"])
        fig = bulletin[bulletin["year"] == "2020"].set_index("metric")["value"]
        young = float(fig["share_age_0_14"]) / 100
        old = float(fig["share_age_60_plus"]) / 100
        for (lo, hi), share in zip(((0, 14), (15, 59), (60, 100)), (young, 1 - young - old, old)):
            w[lo : hi + 1] *= share / w[lo : hi + 1].sum()
        self.cum = np.cumsum(w / w.sum())
        self.male_share = male
        self.rng = rng
        self.targets = (young, old)

    def draw(self, lo: int, hi: int) -> int:
        """Return one age in ``[lo, hi]`` (clipped to 0..100) from the shape."""
        lo, hi = max(0, lo), min(100, max(lo, hi))
        c0 = self.cum[lo - 1] if lo > 0 else 0.0
        u = c0 + self.rng.random() * (self.cum[hi] - c0)
        return int(min(hi, max(lo, np.searchsorted(self.cum, u, side="right"))))

    def is_male(self, age: int) -> bool:
        """Draw the sex of a child or grandchild of the given age."""
        return bool(self.rng.random() < self.male_share[age])


def _couple(ages: AgeSampler, lo: int, hi: int) -> list[tuple[str, bool, int]]:
    rng = ages.rng
    head_male = rng.random() < 0.88
    head = ages.draw(lo, hi)
    gap = int(np.clip(round(rng.normal(2.5, 3.0)), -4, 12))  # husband older
    spouse = max(18, head - gap if head_male else head + gap)
    return [("户主", head_male, head), ("配偶", not head_male, spouse)]


def _offspring(
    ages: AgeSampler, parents: list[int], n: int, roles: tuple[str, str]
) -> list[tuple[str, bool, int]]:
    lo, hi = max(parents) - 45, min(parents) - 18
    out = []
    for _ in range(n):
        age = ages.draw(max(0, lo), hi)
        male = ages.is_male(age)
        out.append((roles[0] if male else roles[1], male, age))
    return sorted(out, key=lambda m: -m[2])


def compose(size: int, ages: AgeSampler) -> tuple[str, list[tuple[str, bool, int]]]:
    """Build one household of ``size`` members as (role, male, age) tuples.

    Parameters
    ----------
    size : int
        Number of members.
    ages : AgeSampler
        Age source (also holds the random generator).

    Returns
    -------
    tuple
        The household kind and its members, head first.
    """
    rng = ages.rng
    if size == 1:
        return "single", [("户主", bool(rng.random() < 0.5), ages.draw(18, 100))]
    if size == 2:
        kind = "couple" if rng.random() < 0.6 else "single_parent"
    else:
        kind = KINDS[rng.choice(len(KINDS), p=KIND_P)]
    if kind == "couple":
        return kind, _couple(ages, 20, 95)
    if kind == "single_parent":
        head_male = rng.random() < 0.35
        head = ages.draw(26, 65)
        kids = _offspring(ages, [head], size - 1, ("子", "女"))
        return kind, [("户主", head_male, head), *kids]
    if kind == "stem" and size == 3:  # grandparents with a left-behind grandchild
        members = _couple(ages, 50, 85)
        age = ages.draw(max(m[2] for m in members) - 90, min(m[2] for m in members) - 38)
        male = ages.is_male(age)
        return "skip", [*members, ("孙子" if male else "孙女", male, age)]
    if kind == "stem":
        members = _couple(ages, 46, 85)
        parents = [m[2] for m in members]
        child = ages.draw(max(max(parents) - 45, 20), min(parents) - 18)
        son = rng.random() < 0.85
        partner = max(18, child - 2 if son else child + 2)
        members += [("子" if son else "女", son, child)]
        members += [("儿媳" if son else "女婿", not son, partner)]
        rest = size - 4
        unmarried = int(rng.binomial(rest, 0.25))
        members += _offspring(ages, parents, unmarried, ("子", "女"))
        members += _offspring(ages, [child, partner], rest - unmarried, ("孙子", "孙女"))
        return kind, members
    members = _couple(ages, 20, 60 if kind == "nuclear" else 55)
    if kind == "with_parents":
        head = members[0][2]
        n_old = 1 + int(rng.random() < 0.3 and size >= 5)
        for role, male in (("父亲", True), ("母亲", False))[2 - n_old :]:
            members.append((role, male, ages.draw(head + 20, head + 42)))
    kids = size - len(members)
    members += _offspring(ages, [m[2] for m in members[:2]], kids, ("子", "女"))
    if size >= 4 and rng.random() < 0.04:  # an unmarried sibling or a relative
        role = "兄弟姐妹" if rng.random() < 0.6 else "其他"
        age = ages.draw(members[0][2] - 10, members[0][2] + 10)
        age = age if role == "兄弟姐妹" else ages.draw(0, 30)
        members[-1] = (role, bool(rng.random() < 0.5), age)
    return kind, members


# Identity --------------------------------------------------------------
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def id_check_digit(body: str) -> str:
    """Return the GB 11643 check character of a 17-digit ID body."""
    return ID_CHECK[sum(int(c) * w for c, w in zip(body, ID_WEIGHTS)) % 11]


def birth_date(age: int, rng: np.random.Generator) -> date:
    """Draw a birth date giving exactly ``age`` full years on ``REF_DATE``."""
    last = REF_DATE.replace(year=REF_DATE.year - age)
    first = REF_DATE.replace(year=REF_DATE.year - age - 1) + timedelta(days=1)
    return first + timedelta(days=int(rng.integers((last - first).days + 1)))


def _uniform_dates(rng: np.random.Generator, lo: date, hi: date, n: int) -> list[date]:
    span = max(0, (hi - lo).days)
    return [lo + timedelta(days=int(d)) for d in rng.integers(0, span + 1, size=n)]


# Origins ----------------------------------------------------------------
def choose_origins(ref: dict, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pick the 28 origin townships and 92 origin villages.

    Returns
    -------
    tuple of pandas.DataFrame
        The origin villages (``town16``, ``village``, ``town23``, ``weight``)
        and the full 2016 -> 2023 township mapping.
    """
    tmap = map_townships(ref["towns16"], ref["villages16"], ref["towns23"], ref["villages23"])
    to23 = dict(zip(tmap["name_2016"], tmap["name_2023"]))
    v = ref["villages16"].copy()
    v["village"] = v["name"].str.replace("村民委员会", "", regex=False) + "村"
    dup = v["village"].duplicated(keep=False)
    v = v[(v["ur_code"] == "220") & ~dup & ~v["village"].str.contains("（")]
    v = v[v["town"].map(to23).notna() & ~v["town"].isin(["新城镇", "城北乡"])]
    towns = sorted(set(v["town"]) - {CLIFF_VILLAGE[0]}, key=list(tmap["name_2016"]).index)
    picked = [CLIFF_VILLAGE[0], *rng.choice(towns, N_TOWNSHIPS - 1, replace=False)]
    v = v[v["town"].isin(picked)]
    first = [CLIFF_VILLAGE[1]]
    for t in picked[1:]:
        first.append(rng.choice(v.loc[v["town"] == t, "village"].to_numpy()))
    rest = v.loc[~v["village"].isin(first), "village"].to_numpy()
    chosen = first + list(rng.choice(rest, N_VILLAGES - N_TOWNSHIPS, replace=False))
    out = v[v["village"].isin(chosen)][["town", "village"]].rename(columns={"town": "town16"})
    out["town23"] = out["town16"].map(to23)
    out["weight"] = rng.lognormal(0.0, 0.6, size=len(out))
    return out.reset_index(drop=True), tmap


# Register --------------------------------------------------------------
def build_register(
    ref: dict, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Generate households and persons.

    Returns
    -------
    tuple of pandas.DataFrame
        Households (one row each, with a ``housed`` flag), persons and the
        township mapping.
    """
    origins, tmap = choose_origins(ref, rng)
    ages = AgeSampler(ref["age_sex"], ref["bulletin"], rng)
    sizes = np.repeat(np.arange(1, MAX_SIZE + 1), quota(size_distribution(ref["sizes"]), N_HOUSEHOLDS))
    rng.shuffle(sizes)
    hh, persons = [], []
    used_ids: set[str] = set()
    for h, size in enumerate(sizes):
        kind, members = compose(int(size), ages)
        han = rng.random() < 0.04
        hh.append({"hh": h, "size": int(size), "kind": kind, "han": han})
        persons += _name_members(h, members, han, rng, used_ids)
    hh, people = pd.DataFrame(hh), pd.DataFrame(persons)
    people["disability"] = assign_disability(people, rng)
    head = people[people["role"] == "户主"].set_index("hh")
    hh["head_age"] = hh["hh"].map(head["age"])
    hh["head_male"] = hh["hh"].map(head["male"])

    # Who is housed: the 11-12 person households and young heads still wait.
    must_wait = (hh["size"] >= 11) | (hh["head_age"] < 26)
    free = hh.index[~must_wait].to_numpy()
    housed = rng.choice(free, N_HOUSED, replace=False)
    hh["housed"] = hh.index.isin(housed)

    # Origins: 84 housed households from the 悬崖村, the rest by village weight.
    cliff = origins.index[origins["village"] == CLIFF_VILLAGE[1]][0]
    w = origins["weight"].to_numpy().copy()
    w[cliff] = 0
    hh["origin"] = rng.choice(len(origins), len(hh), p=w / w.sum())
    hh.loc[rng.choice(housed, CLIFF_VILLAGE[2], replace=False), "origin"] = cliff
    for col in ("town16", "village", "town23"):
        hh[col] = origins.loc[hh["origin"], col].to_numpy()

    # Category, income and job years.
    cat = [CATEGORIES[rng.choice(4, p=CATEGORY_P[bool(x)])] for x in hh["housed"]]
    veteran_ok = hh["head_male"] & hh["head_age"].between(24, 62)
    hh["category"] = np.where(
        (pd.Series(cat) == "退役军人") & ~veteran_ok, CATEGORIES[0], cat
    )
    working = people[people["age"].between(18, 59)].groupby("hh").size()
    has_worker = hh["hh"].map(working).fillna(0).to_numpy() > 0
    years = np.where(has_worker, rng.choice(9, len(hh), p=JOB_YEARS_P), 0)
    noise = rng.normal(0.0, 0.45, len(hh))
    income = INCOME_PER_HEAD * hh["size"] ** 0.8 * np.exp(0.06 * years + noise)
    income *= np.where(years == 0, 0.8, 1.0)
    hh["job_years"] = years
    hh["income"] = (np.round(income / 100) * 100).astype(int)
    hh["need"] = _accessibility_need(people).reindex(hh["hh"]).to_numpy()
    return hh, people, tmap


def _name_members(
    h: int,
    members: list[tuple[str, bool, int]],
    han: bool,
    rng: np.random.Generator,
    used_ids: set[str],
) -> list[dict]:
    head_role, head_male, _ = members[0]
    line = names.surname(rng, han)  # the head's own clan / surname
    spouse_name = names.surname(rng, han, avoid=line)
    fathers = {"子": line if head_male else spouse_name, "女": None}
    fathers["女"] = fathers["子"]
    in_law = {r: names.surname(rng, han, avoid=fathers["子"]) for r in ("儿媳", "女婿")}
    child_son = any(m[0] == "儿媳" for m in members)
    grand = fathers["子"] if child_son else in_law["女婿"]
    by_role = {"户主": line, "配偶": spouse_name, "父亲": line, "兄弟姐妹": line,
               "孙子": grand, "孙女": grand, **fathers, **in_law}
    taken: set[str] = set()
    rows = []
    for role, male, age in members:
        if role in ("母亲", "其他"):
            family = names.surname(rng, han, avoid=line)
        else:
            family = by_role[role]
        born = birth_date(age, rng)
        while True:
            seq = int(rng.integers(500)) * 2 + int(male)
            body = f"{ADCODE}{born:%Y%m%d}{seq:03d}"
            pid = body + id_check_digit(body)
            if pid not in used_ids:
                used_ids.add(pid)
                break
        given = names.given_name(rng, han, male, age, taken)
        rows.append({"hh": h, "role": role, "male": male, "age": age, "born": born,
                     "name": family + given, "pid": pid})
    return rows


def assign_disability(people: pd.DataFrame, rng: np.random.Generator) -> pd.Series:
    """Draw disability type and grade, age-graded, ``DISABILITY_SHARE`` overall."""
    age = people["age"].to_numpy()
    p = np.select([age < 15, age < 60, age < 70], [0.02, 0.055, 0.15], 0.28)
    p *= DISABILITY_SHARE * len(p) / p.sum()
    hit = rng.random(len(p)) < p
    type_p = np.array(DISABILITY_TYPE_P) / sum(DISABILITY_TYPE_P)
    kinds = rng.choice(DISABILITY_TYPES, len(p), p=type_p)
    grades = rng.choice(GRADES, len(p), p=GRADE_P)
    return pd.Series(np.where(hit, np.char.add(kinds, grades), "无"), index=people.index)


def _accessibility_need(people: pd.DataFrame) -> pd.Series:
    severe = people["disability"].str.match(r"(肢体|视力|多重)[一二]级")
    score = severe.astype(int) * 2 + (people["age"] >= 80).astype(int)
    return score.groupby(people["hh"]).max()


# Site, buildings, units ----------------------------------------------------
def local_transformer(lon: float, lat: float) -> Transformer:
    """Metres east/north of (lon, lat) -> CGCS2000 lon/lat."""
    local = f"+proj=aeqd +lat_0={lat} +lon_0={lon} +ellps=GRS80 +units=m"
    return Transformer.from_crs(local, CRS, always_xy=True)


def build_site(rng: np.random.Generator) -> tuple[list, pd.DataFrame]:
    """Sub-site rectangles and 24 building points in local metres."""
    subsites, buildings = [], []
    for s, (sx, sy) in SUBSITES.items():
        xs = sorted(sx * v for v in SUBSITE_X)
        ys = sorted(sy * v for v in SUBSITE_Y)
        subsites.append((s, box(xs[0], ys[0], xs[1], ys[1])))
        cols = sorted(sx * v for v in BUILDING_X)
        rows = sorted((sy * v for v in BUILDING_Y), reverse=True)
        for b, (y, x) in enumerate(((y, x) for y in rows for x in cols), start=1):
            jx, jy = rng.uniform(-12, 12, size=2)
            buildings.append({"subsite": s, "no": b, "name": f"{s}区{b}栋",
                              "x": x + jx, "y": y + jy})
    return subsites, pd.DataFrame(buildings)


def band_areas(size: int) -> list[int]:
    """Unit areas allowed for a household of ``size`` persons."""
    return [a for a in AREAS if BAND[0] * size <= a <= BAND[1] * size]


def build_units(
    buildings: pd.DataFrame, hh: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    """Lay out 3,900 units, give them a status, an area and an occupant."""
    ground = np.repeat([13, 12], len(buildings) // 2)
    access = np.repeat([7, 6], len(buildings) // 2)
    rng.shuffle(ground)
    rng.shuffle(access)
    rows = []
    for i, b in buildings.iterrows():
        for floor in range(1, FLOORS + 1):
            for door in range(ground[i] if floor == 1 else DOORS_UPPER):
                rows.append({"b": i, "floor": floor, "access": floor == 1 and door < access[i]})
    units = pd.DataFrame(rows)
    units["building"] = buildings.loc[units["b"], "name"].to_numpy()
    units["status"] = ""
    late = units["building"].isin(LATE_BUILDINGS)

    def take(mask: pd.Series, n: int, status: str) -> None:
        idx = rng.choice(units.index[mask & (units["status"] == "")], n, replace=False)
        units.loc[idx, "status"] = status

    counts = {k: sum(v) for k, v in OTHER_UNITS.items()}
    take(late, LATE_VACANT, "空置")
    take(~late & ~units["access"], counts["空置"] - LATE_VACANT, "空置")
    take(units["access"], 10, "预留")
    take(~units["access"], counts["预留"] - 10, "预留")
    take(units["access"] | ~units["access"], counts["维修中"], "维修中")
    units.loc[units["status"] == "", "status"] = "已入住"
    units["area"] = 0
    for status, mix in OTHER_UNITS.items():
        idx = units.index[units["status"] == status]
        units.loc[idx, "area"] = rng.permutation(np.repeat(AREAS, mix))

    # Occupants: accessible units to the neediest, the 悬崖村 together, rest random.
    occ = units["status"] == "已入住"
    housed = hh[hh["housed"]].copy()
    housed["key"] = rng.random(len(housed))
    order = housed.sort_values(["need", "key"], ascending=False)
    acc_slots = units.index[occ & units["access"]]
    first = order.index[: len(acc_slots)]
    cliff = housed.index[(housed["village"] == CLIFF_VILLAGE[1]) & ~housed.index.isin(first)]
    cliff_slots = units.index[occ & ~units["access"] & (units["building"] == CLIFF_BUILDING)]
    cliff_slots = rng.choice(cliff_slots, len(cliff), replace=False)
    others = housed.index.difference(first.union(cliff))
    other_slots = units.index[occ].difference(acc_slots.union(cliff_slots))
    units["hh"] = -1
    units.loc[acc_slots, "hh"] = first.to_numpy()
    units.loc[cliff_slots, "hh"] = cliff.to_numpy()
    units.loc[other_slots, "hh"] = rng.permutation(others.to_numpy())
    for i in units.index[occ]:
        allowed = band_areas(int(hh.at[units.at[i, "hh"], "size"]))
        step_down = len(allowed) > 1 and rng.random() < 0.2
        units.at[i, "area"] = allowed[-2] if step_down else allowed[-1]

    # Move-in dates: 悬崖村 2020-05-12..14; later phase from mid-2021; else mostly 2020.
    n = len(units)
    early = _uniform_dates(rng, date(2020, 5, 10), date(2020, 6, 30), n)
    summer = _uniform_dates(rng, date(2020, 7, 1), date(2020, 12, 31), n)
    later = _uniform_dates(rng, date(2021, 1, 4), date(2025, 12, 31), n)
    phase2 = _uniform_dates(rng, date(2021, 6, 1), date(2025, 12, 31), n)
    cliff_d = _uniform_dates(rng, date(2020, 5, 12), date(2020, 5, 14), n)
    u = rng.random(n)
    move = np.where(u < 0.51, early, np.where(u < 0.85, summer, later))
    move = np.where(late, phase2, move)
    move = np.where(units.index.isin(cliff_slots), cliff_d, move)
    units["move_in"] = np.where(occ, move, None)

    # Door numbers: within each floor, smaller units first.
    units["key"] = rng.random(n)
    units = units.sort_values(["b", "floor", "area", "key"]).reset_index(drop=True)
    units["door"] = units.groupby(["b", "floor"]).cumcount() + 1
    return units


# Writers ----------------------------------------------------------------
def write_geojson(gdf: gpd.GeoDataFrame, path: Path) -> None:
    """Write a GeoJSON file in CGCS2000 (EPSG:4490) with 7 decimals."""
    gdf.to_crs(CRS).to_file(path, driver="GeoJSON", COORDINATE_PRECISION=7)


def write_register(df: pd.DataFrame, path: Path) -> None:
    """Write ``登记表`` with ID and date columns as text cells, reproducibly."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("登记表")
    ws.freeze_panes = "A2"
    widths = {"姓名": 10, "身份证号": 21, "出生日期": 12, "原居住村": 14, "轮候登记日期": 13}
    for i, col in enumerate(df.columns):
        ws.column_dimensions[chr(65 + i)].width = widths.get(col, 11)
    text_cols = {df.columns.get_loc(c) for c in ("身份证号", "出生日期", "轮候登记日期")}
    ws.append(list(df.columns))
    for row in df.itertuples(index=False):
        cells = []
        for j, value in enumerate(row):
            value = None if value is None or value is pd.NA else value
            if j in text_cols and value is not None:
                cell = WriteOnlyCell(ws, value=str(value))
                cell.number_format = "@"
                value = cell
            cells.append(value)
        ws.append(cells)
    buf = io.BytesIO()
    wb.save(buf)
    stamp = "2026-09-01T00:00:00Z"
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "docProps/core.xml":
                text = re.sub(r"(<dcterms:(created|modified)[^>]*>)[^<]*", rf"\g<1>{stamp}",
                              data.decode("utf-8"))
                data = text.encode("utf-8")
            info = zipfile.ZipInfo(item.filename, date_time=(2026, 9, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, data)


# Main ---------------------------------------------------------------------
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

    county = ref["county"][["adcode", "name", "geometry"]]
    write_geojson(county, out / "county.geojson")
    zj = ref["sites"].set_index("site_id").loc["ZJ-01"]
    to_geo = local_transformer(float(zj["lon_wgs84_converted"]), float(zj["lat_wgs84_converted"]))
    subsites, buildings = build_site(site_rng)
    sites = gpd.GeoDataFrame(
        {
            "安置点编号": [f"{SITE}-{s}" for s, _ in subsites],
            "名称": [f"{SITE_NAME}{'一二三四'[s - 1]}区" for s, _ in subsites],
            "说明": [
                "位置与分区均为示意: 以城北乡驻地点(2016年, 由GCJ-02换算)为中心的"
                "生成布局, 真实安置点约在其1-3公里范围内; 分区、楼栋与户型均为生成数据。"
            ] * len(subsites),
        },
        geometry=[transform(to_geo.transform, g) for _, g in subsites],
        crs=CRS,
    )
    write_geojson(sites, out / "sites.geojson")
    lon, lat = to_geo.transform(buildings["x"].to_numpy(), buildings["y"].to_numpy())
    buildings["lon"], buildings["lat"] = np.round(lon, 6), np.round(lat, 6)

    hh, people, tmap = build_register(ref, hh_rng)
    units = build_units(buildings, hh, unit_rng)

    # Registration dates, then household numbers in registration order.
    move = units[units["hh"] >= 0].set_index("hh")["move_in"]
    head_born = people[people["role"] == "户主"].set_index("hh")["born"]
    reg = []
    for h in hh.index:
        adult = head_born[h].replace(year=head_born[h].year + 18)
        if h in move.index and move[h].year == 2020:
            lo, hi = date(2016, 6, 1), move[h] - timedelta(days=30)
        elif h in move.index:
            lo, hi = move[h] - timedelta(days=720), move[h] - timedelta(days=60)
        else:
            lo, hi = date(2021, 1, 4), REF_DATE - timedelta(days=1)
        reg.append(_uniform_dates(hh_rng, max(lo, adult), hi, 1)[0])
    hh["registered"] = reg
    hh = hh.assign(key=hh_rng.random(len(hh))).sort_values(["registered", "key"])
    hh["hid"] = [f"ZJ-{i:06d}" for i in range(1, len(hh) + 1)]
    hh = hh.sort_index()

    register = _register_table(hh, people)
    write_register(register, out / "register.xlsx")
    units_out = _units_table(units, buildings, hh)
    units_out.to_csv(out / "units.csv", index=False, encoding="utf-8-sig", lineterminator="\r\n")
    fac = pd.DataFrame(FACILITIES, columns=["设施编号", "名称", "类型", "容量", "x", "y"])
    fac["说明"] = ILLUSTRATIVE
    geom = [Point(to_geo.transform(x, y)) for x, y in zip(fac["x"], fac["y"])]
    write_geojson(gpd.GeoDataFrame(fac.drop(columns=["x", "y"]), geometry=geom, crs=CRS),
                  out / "facilities.geojson")
    tmap.to_csv(out / "township_map_2016_2023.csv", index=False, encoding="utf-8")

    summary = summarise(hh, people, units, buildings, fac)
    summary["seconds"] = round(time.perf_counter() - t0, 1)
    for key, value in summary.items():
        LOG.info("%s: %s", key, value)
    return summary


def _register_table(hh: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    p = people.merge(hh, on="hh", how="left")
    head = p["role"] == "户主"
    return pd.DataFrame({
        "户号": p["hid"],
        "姓名": p["name"],
        "身份证号": p["pid"],
        "与户主关系": p["role"],
        "性别": np.where(p["male"], "男", "女"),
        "出生日期": p["born"].map(lambda d: d.isoformat()),
        "安置类别": p["category"],
        "残疾": p["disability"],
        "年收入": p["income"].astype(object).where(head, None),
        "稳定就业年限": p["job_years"].astype(object).where(head, None),
        "原居住村": p["village"],
        "原居住乡镇": p["town16"],
        "现属乡镇": p["town23"],
        "轮候登记日期": p["registered"].map(lambda d: d.isoformat()).where(head, None),
    }).assign(_o=p["hid"]).sort_values("_o", kind="stable").drop(columns="_o")


def _units_table(units: pd.DataFrame, buildings: pd.DataFrame, hh: pd.DataFrame) -> pd.DataFrame:
    b = buildings.loc[units["b"]].reset_index(drop=True)
    occ = units["hh"] >= 0
    hid = hh["hid"].reindex(units["hh"]).to_numpy()
    return pd.DataFrame({
        "房号": [f"{SITE}-{s}-{n:02d}-{f:02d}{d:02d}" for s, n, f, d in
                 zip(b["subsite"], b["no"], units["floor"], units["door"])],
        "安置点编号": [f"{SITE}-{s}" for s in b["subsite"]],
        "楼栋": units["building"],
        "楼层": units["floor"],
        "面积": units["area"],
        "无障碍": np.where(units["access"], "是", "否"),
        "状态": units["status"],
        "现住户号": np.where(occ, hid, ""),
        "入住日期": [d.isoformat() if d else "" for d in units["move_in"]],
        "经度": [f"{x:.6f}" for x in b["lon"]],
        "纬度": [f"{y:.6f}" for y in b["lat"]],
    }).sort_values("房号").reset_index(drop=True)


def summarise(
    hh: pd.DataFrame,
    people: pd.DataFrame,
    units: pd.DataFrame,
    buildings: pd.DataFrame,
    fac: pd.DataFrame,
) -> dict:
    """Headline numbers: register, units, and facility capacity vs demand."""
    age = people["age"]
    housed_hh = set(hh.index[hh["housed"]])
    where = units[units["hh"] >= 0].set_index("hh")["b"]
    res = people[people["hh"].isin(housed_hh)].assign(b=lambda d: d["hh"].map(where))
    summary = {
        "households": len(hh),
        "persons": len(people),
        "mean_size": round(len(people) / len(hh), 3),
        "share_0_14": round(float((age <= 14).mean()), 4),
        "share_60_plus": round(float((age >= 60).mean()), 4),
        "aged_70_plus": int((age >= 70).sum()),
        "disabled_share": round(float((people["disability"] != "无").mean()), 4),
        "housed_households": len(housed_hh),
        "housed_persons": len(res),
        "waiting_households": int((~hh["housed"]).sum()),
        "sizes": hh["size"].value_counts().sort_index().to_dict(),
        "units_by_status": units["status"].value_counts().to_dict(),
        "units_by_area": units["area"].value_counts().sort_index().to_dict(),
        "vacant_by_area": units.loc[units["status"] == "空置", "area"]
        .value_counts()
        .reindex(AREAS, fill_value=0)
        .to_dict(),
    }
    waiting = hh.loc[~hh["housed"], "size"]
    vacant = set(summary["vacant_by_area"][a] and a for a in AREAS) - {0}
    summary["waiting_without_fitting_vacant_area"] = int(
        sum(not set(band_areas(s)) & vacant for s in waiting)
    )
    bx, by = buildings["x"].to_numpy(), buildings["y"].to_numpy()
    for kind, group in fac.groupby("类型", sort=False):
        dist = WALK_FACTOR * np.hypot(
            bx[:, None] - group["x"].to_numpy(), by[:, None] - group["y"].to_numpy()
        )
        reach = (dist <= CATCHMENT_M[kind]).any(axis=1)
        lo, hi = SCHOOL_AGES.get(kind, (0, 200))
        pupils = res[res["age"].between(lo, hi)]
        everyone = people[people["age"].between(lo, hi)]
        summary[f"{kind}"] = {
            "capacity": int(group["容量"].sum()),
            "demand_housed": len(pupils),
            "demand_if_all_housed": len(everyone),
            "buildings_in_reach": f"{int(reach.sum())}/{len(reach)}",
            "demand_out_of_reach": int((~pupils["b"].map(dict(enumerate(reach)))).sum()),
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
    main()
