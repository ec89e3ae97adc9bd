"""Households and persons of the sample register.

Household sizes follow the census 2020 rural size distribution, tilted to the
published mean of the 昭觉 site.  Members are built by family type so that
ages are coherent (heads and spouses adult, children 18-45 years younger than
their parents, grandparents older); ages inside each role's window follow the
四川 2020 single-year shape.  A seeded swap search over a larger pool of
households then makes the population match the 凉山州 2020 shares of people
aged 0-14 and 60+.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import numpy as np
import pandas as pd

from sample_data import names

REF_DATE = date(2026, 9, 1)
ADCODE = "513431"
MEAN_SIZE, MAX_SIZE = 4.6, 12
TAIL_RATIO = 0.02  # weights 10 : 11 : 12 = 1 : q : q**2 inside the census "10+"
POOL_FACTOR = 2.0  # candidate households per household kept
KINDS = ("nuclear", "with_parents", "stem", "single_parent")
KIND_P = (0.45, 0.17, 0.30, 0.08)
OLD_SMALL = 0.6  # share of 1-person and couple-only households aged 60+
NUCLEAR_HEAD, STEM_HEAD = (26, 64), (50, 88)
HEAD_MALE = 0.88
DISABILITY_SHARE = 0.065  # 2006 national sample survey: 6.34 %
DISABILITY_TYPES = ("视力", "听力", "肢体", "智力", "精神", "多重")
DISABILITY_TYPE_P = (14.86, 25.69, 29.07, 6.68, 7.40, 16.30)  # 听力 incl. 言语
GRADES = ("一级", "二级", "三级", "四级")
GRADE_P = (0.13, 0.17, 0.30, 0.40)
BAND_EDGES = (0, 3, 6, 12, 15, 60, 70, 101)  # calibrated age bands
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"

Member = tuple[str, bool, int]  # role, male, age


def size_distribution(sizes: pd.DataFrame) -> np.ndarray:
    """Tilt the census rural household-size shares to the target mean.

    Parameters
    ----------
    sizes : pandas.DataFrame
        Census 2020 shares (``rural_share_pct``) of sizes 1..9 and ``10+``.

    Returns
    -------
    numpy.ndarray
        Probabilities of sizes 1..``MAX_SIZE`` (index 0 is size 1),
        ``p_s`` proportional to ``census_s * theta**s``, ``theta`` found by
        bisection so that the mean is ``MEAN_SIZE``.
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
    """Return integer counts summing to ``n`` (largest remainders of ``n * p``)."""
    raw = n * np.asarray(p, dtype=float)
    counts = np.floor(raw).astype(int)
    counts[np.argsort(counts - raw, kind="stable")[: n - counts.sum()]] += 1
    return counts


class AgeSampler:
    """Draw ages 0..100 from the 四川 2020 single-year shape.

    Parameters
    ----------
    age_sex : pandas.DataFrame
        四川 2020 persons by age group (``0岁``, ``1-4岁`` ... ``100岁及以上``)
        with ``male`` and ``total``; each group is spread evenly over its years.
    rng : numpy.random.Generator
        Random source, also used by the household builders.
    """

    def __init__(self, age_sex: pd.DataFrame, rng: np.random.Generator) -> None:
        w, male = np.zeros(101), np.zeros(101)
        for _, r in age_sex.iterrows():
            nums = [int(x) for x in re.findall(r"\d+", r["age_group"])]
            lo, hi = nums[0], nums[-1]
            w[lo : hi + 1] = float(r["total"]) / (hi - lo + 1)
            male[lo : hi + 1] = float(r["male"]) / float(r["total"])
        self.weights = w / w.sum()
        self.cum = np.cumsum(self.weights)
        self.male_share = male
        self.rng = rng

    def band_targets(self, young: float, old: float) -> np.ndarray:
        """Shares of ``BAND_EDGES`` bands: 凉山 totals, 四川 shape inside.

        Parameters
        ----------
        young, old : float
            Shares of persons aged 0-14 and 60+.

        Returns
        -------
        numpy.ndarray
            One share per band, summing to 1.
        """
        edges = np.array(BAND_EDGES)
        raw = np.add.reduceat(self.weights, edges[:-1])
        broad = np.searchsorted([15, 60], edges[:-1], side="right")  # 0, 1, 2
        total = np.array([young, 1 - young - old, old])
        return raw * total[broad] / np.bincount(broad, weights=raw)[broad]

    def draw(self, lo: int, hi: int) -> int:
        """Return one age in ``[lo, hi]`` (clipped to 0..100)."""
        lo = min(100, max(0, lo))
        hi = min(100, max(lo, hi))
        c0 = self.cum[lo - 1] if lo > 0 else 0.0
        u = c0 + self.rng.random() * (self.cum[hi] - c0)
        return int(min(hi, max(lo, np.searchsorted(self.cum, u, side="right"))))

    def is_male(self, age: int) -> bool:
        """Draw the sex of a person of the given age (census sex ratio)."""
        return bool(self.rng.random() < self.male_share[age])


def _couple(ages: AgeSampler, lo: int, hi: int) -> list[Member]:
    head_male = bool(ages.rng.random() < HEAD_MALE)
    head = ages.draw(lo, hi)
    gap = int(np.clip(round(ages.rng.normal(2.5, 3.0)), -4, 12))  # husband older
    spouse = max(18, head - gap if head_male else head + gap)
    return [("户主", head_male, head), ("配偶", not head_male, spouse)]


def _offspring(
    ages: AgeSampler, parents: list[int], n: int, roles: tuple[str, str]
) -> list[Member]:
    lo, hi = max(parents) - 45, min(parents) - 18
    out = []
    for _ in range(n):
        age = ages.draw(max(0, lo), hi)
        male = ages.is_male(age)
        out.append((roles[0] if male else roles[1], male, age))
    return sorted(out, key=lambda m: -m[2])


def compose(size: int, ages: AgeSampler) -> list[Member]:
    """Build one household of ``size`` members, head first.

    Parameters
    ----------
    size : int
        Number of members.
    ages : AgeSampler
        Age source (also holds the random generator).

    Returns
    -------
    list of tuple
        ``(role, male, age)`` per member.
    """
    rng = ages.rng
    old = rng.random() < OLD_SMALL
    if size == 1:
        head = ages.draw(60, 100) if old else ages.draw(18, 59)
        return [("户主", bool(rng.random() < 0.5), head)]
    kind = KINDS[rng.choice(len(KINDS), p=KIND_P)]
    if size == 2:
        kind = "single_parent" if rng.random() < 0.3 else "couple"
    if kind == "couple":
        return _couple(ages, *((60, 95) if old else (20, 59)))
    if kind == "single_parent":
        head = ages.draw(26, 65)
        kids = _offspring(ages, [head], size - 1, ("子", "女"))
        return [("户主", bool(rng.random() < 0.35), head), *kids]
    if kind == "stem" and size == 3:  # grandparents and a left-behind grandchild
        members = _couple(ages, *STEM_HEAD)
        younger = min(m[2] for m in members)
        return members + _offspring(ages, [younger - 20], 1, ("孙子", "孙女"))
    if kind == "stem":
        members = _couple(ages, *STEM_HEAD)
        parents = [m[2] for m in members]
        child = ages.draw(max(max(parents) - 45, 20), min(parents) - 18)
        son = bool(rng.random() < 0.85)
        partner = max(18, child - 2 if son else child + 2)
        members += [("子" if son else "女", son, child)]
        members += [("儿媳" if son else "女婿", not son, partner)]
        unmarried = int(rng.binomial(size - 4, 0.25))
        members += _offspring(ages, parents, unmarried, ("子", "女"))
        grand = size - len(members)
        return members + _offspring(ages, [child, partner], grand, ("孙子", "孙女"))
    members = _couple(ages, *(NUCLEAR_HEAD if kind == "nuclear" else (20, 55)))
    if kind == "with_parents":
        head = members[0][2]
        both = size >= 5 and rng.random() < 0.5
        for role, male in (("父亲", True), ("母亲", False))[0 if both else 1 :]:
            members.append((role, male, ages.draw(head + 20, head + 42)))
    kids = size - len(members)
    members += _offspring(ages, [m[2] for m in members[:2]], kids, ("子", "女"))
    if size >= 4 and rng.random() < 0.04:  # an unmarried sibling or a relative
        sibling = rng.random() < 0.6
        head = members[0][2]
        age = ages.draw(head - 10, head + 10) if sibling else ages.draw(0, 30)
        members[-1] = ("兄弟姐妹" if sibling else "其他", bool(rng.random() < 0.5), age)
    return members


def age_bands(ages: list[int]) -> np.ndarray:
    """Count persons per ``BAND_EDGES`` band."""
    idx = np.searchsorted(BAND_EDGES, ages, side="right") - 1
    return np.bincount(idx, minlength=len(BAND_EDGES) - 1)


def calibrate(
    pool: list[list[Member]],
    counts: np.ndarray,
    targets: np.ndarray,
    rng: np.random.Generator,
    iterations: int = 300_000,
) -> list[int]:
    """Pick households from ``pool`` so that the age bands hit their targets.

    Parameters
    ----------
    pool : list of list of tuple
        Candidate households (more than needed of every size).
    counts : numpy.ndarray
        Households needed per size 1..``MAX_SIZE``.
    targets : numpy.ndarray
        Target share of persons in each band of ``BAND_EDGES``.
    rng : numpy.random.Generator
        Random source.
    iterations : int
        Maximum number of swap proposals.

    Returns
    -------
    list of int
        Indices into ``pool`` of the kept households, with the same count per
        size.  Starting from the first candidates of each size, a swap of two
        households of equal size is kept whenever it brings the band totals
        closer to the targets (sum of squared deviations).
    """
    size = np.array([len(h) for h in pool])
    band = np.array([age_bands([a for *_, a in h]) for h in pool])
    kept, spare = {}, {}
    for s, n in enumerate(counts, start=1):
        idx = list(np.flatnonzero(size == s))
        kept[s], spare[s] = idx[:n], idx[n:]
    chosen = [i for s in kept for i in kept[s]]
    dev = band[chosen].sum(axis=0) - np.asarray(targets) * size[chosen].sum()
    sizes = [s for s in kept if kept[s] and spare[s]]
    picks = rng.random((iterations, 3))
    for u, v, w in picks:
        if np.abs(dev).max() < 1:
            break
        s = sizes[int(u * len(sizes))]
        a, b = int(v * len(kept[s])), int(w * len(spare[s]))
        i, j = kept[s][a], spare[s][b]
        new = dev + band[j] - band[i]
        if new @ new < dev @ dev:
            kept[s][a], spare[s][b], dev = j, i, new
    return sorted(i for s in kept for i in kept[s])


def build_households(
    size_table: pd.DataFrame,
    age_sex: pd.DataFrame,
    shares: tuple[float, float],
    n: int,
    rng: np.random.Generator,
) -> list[list[Member]]:
    """Compose ``n`` households whose size and age-band shares match the targets.

    Parameters
    ----------
    size_table : pandas.DataFrame
        Census household-size shares.
    age_sex : pandas.DataFrame
        四川 2020 age-by-sex table.
    shares : tuple of float
        Target shares aged 0-14 and 60+ (凉山州 2020).
    n : int
        Number of households.
    rng : numpy.random.Generator
        Random source.

    Returns
    -------
    list of list of tuple
        Households in random order, each a list of ``(role, male, age)``.
    """
    ages = AgeSampler(age_sex, rng)
    counts = quota(size_distribution(size_table), n)
    pool_counts = np.ceil(counts * POOL_FACTOR).astype(int) + 2
    pool = [compose(s, ages) for s, k in enumerate(pool_counts, 1) for _ in range(k)]
    chosen = calibrate(pool, counts, ages.band_targets(*shares), rng)
    return [pool[i] for i in rng.permutation(chosen)]


def id_check_digit(body: str) -> str:
    """Return the GB 11643 check character of a 17-digit ID body."""
    return ID_CHECK[sum(int(c) * w for c, w in zip(body, ID_WEIGHTS)) % 11]


def birth_date(age: int, rng: np.random.Generator) -> date:
    """Draw a birth date giving exactly ``age`` full years on ``REF_DATE``."""
    last = REF_DATE.replace(year=REF_DATE.year - age)
    first = REF_DATE.replace(year=REF_DATE.year - age - 1) + timedelta(days=1)
    return first + timedelta(days=int(rng.integers((last - first).days + 1)))


def add_years(d: date, years: int) -> date:
    """Return ``d`` shifted by whole years (29 February becomes 28 February)."""
    return d.replace(year=d.year + years, day=min(d.day, 28) if d.month == 2 else d.day)


def persons_of(
    h: int,
    members: list[Member],
    han: bool,
    rng: np.random.Generator,
    used_ids: set[str],
) -> list[dict]:
    """Give the members of household ``h`` names, birth dates and ID numbers.

    Parameters
    ----------
    h : int
        Household index.
    members : list of tuple
        ``(role, male, age)`` per member, head first.
    han : bool
        Han household (Han names) rather than Yi.
    rng : numpy.random.Generator
        Random source.
    used_ids : set of str
        ID numbers already issued; extended in place.

    Returns
    -------
    list of dict
        One record per person (``hh``, ``role``, ``male``, ``age``,
        ``born``, ``name``, ``pid``).
    """
    roles = {m[0] for m in members}
    own = names.surname(rng, han)
    spouse = names.surname(rng, han, avoid=own)
    head_male = members[0][1]
    if head_male:
        kids = own
    else:
        kids = spouse if "配偶" in roles else names.surname(rng, han, avoid=own)
    in_law = {r: names.surname(rng, han, avoid=kids) for r in ("儿媳", "女婿")}
    grand = in_law["女婿"] if "女婿" in roles else kids
    clan = {
        "户主": own,
        "配偶": spouse,
        "父亲": own,
        "兄弟姐妹": own,
        "子": kids,
        "女": kids,
        "孙子": grand,
        "孙女": grand,
        **in_law,
    }
    taken: set[str] = set()
    rows = []
    for role, male, age in members:
        family = clan.get(role) or names.surname(rng, han, avoid=own)
        born = birth_date(age, rng)
        while True:
            body = f"{ADCODE}{born:%Y%m%d}{int(rng.integers(500)) * 2 + male:03d}"
            pid = body + id_check_digit(body)
            if pid not in used_ids:
                used_ids.add(pid)
                break
        given = names.given_name(rng, han, male, age, taken)
        rows.append(
            {
                "hh": h,
                "role": role,
                "male": male,
                "age": age,
                "born": born,
                "name": family + given,
                "pid": pid,
            }
        )
    return rows


def assign_disability(ages: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw ``无`` or a type and grade (``肢体二级``) per person.

    Prevalence rises with age (0-14, 15-59, 60-69, 70+ in the ratio
    2 : 5.5 : 15 : 28 per cent) and is scaled so that ``DISABILITY_SHARE``
    of this population is disabled; types follow the 2006 survey shares.
    """
    p = np.select([ages < 15, ages < 60, ages < 70], [0.02, 0.055, 0.15], 0.28)
    p = p * DISABILITY_SHARE * len(p) / p.sum()
    type_p = np.array(DISABILITY_TYPE_P) / sum(DISABILITY_TYPE_P)
    kinds = rng.choice(DISABILITY_TYPES, len(p), p=type_p)
    grades = rng.choice(GRADES, len(p), p=GRADE_P)
    hit = rng.random(len(p)) < p
    return np.where(hit, np.char.add(kinds, grades), "无")
