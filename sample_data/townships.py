"""Map the 2016 townships of 昭觉县 to the townships of the 2023 code list.

Sichuan merged townships in 2019-2020 (昭觉县: 47 -> 20).  No public table
says which old township went where, so the mapping is inferred from the
village lists of both years, in four tiers (first that gives an answer wins):

A. ``同名``: the 2016 township's code or name stem (without 乡/镇) is still in
   the 2023 list (for example 城北乡 -> 城北镇, 美甘乡 -> 美甘乡).
B. ``村名``: majority vote of its villages whose name appears in the 2023 list
   (only names that are unique in both lists count).
C. ``近似村名``: as B, but the 2023 name is a one-character variant of a
   2016 name of three or more characters, or a shortened form (prefix or
   suffix) of a 2016 name of four or more characters, and no 2016 village has
   exactly that name.
D. ``最近驻地``: the 2023 township of the nearest 2016 township seat among
   those mapped by A-C.

A single-village vote (B or C) is rejected when the 2016 seat lies more than
``MAX_SINGLE_VOTE_KM`` from every other 2016 seat mapped to the same 2023
township: common Yi place names (格吾, 四呷) recur far apart.
"""

from __future__ import annotations

import math
from collections import Counter

import pandas as pd

MAX_SINGLE_VOTE_KM = 15.0


def village_stem_2016(name: str) -> str:
    """Return the bare village name of a 2016 entry (``谷都村民委员会`` -> ``谷都``)."""
    return name.replace("村民委员会", "").replace("居委会", "")


def village_stem_2023(name: str) -> str:
    """Return the bare name of a 2023 village (``谷都村村民委员会`` -> ``谷都``)."""
    name = name.replace("居民委员会", "").replace("村民委员会", "")
    return name[:-1] if name.endswith("村") else name


def _near(old: str, new: str) -> bool:
    if len(old) == len(new) >= 3:
        return sum(a != b for a, b in zip(old, new)) == 1
    return (
        len(old) >= 4 and len(new) >= 2 and (old.startswith(new) or old.endswith(new))
    )


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    dx = (a[0] - b[0]) * math.cos(math.radians((a[1] + b[1]) / 2))
    return 111.2 * math.hypot(dx, a[1] - b[1])


def map_townships(
    towns16: pd.DataFrame,
    villages16: pd.DataFrame,
    towns23: pd.DataFrame,
    villages23: pd.DataFrame,
) -> pd.DataFrame:
    """Infer the 2023 township of every 2016 township.

    Parameters
    ----------
    towns16, villages16 : pandas.DataFrame
        Vonng/adcode 2016 rows of one county (columns ``code``, ``name``,
        ``town``, ``lon_wgs84_converted``, ``lat_wgs84_converted``).
    towns23, villages23 : pandas.DataFrame
        NBS 2023 rows of the same county (columns ``code``, ``name`` and,
        for villages, ``streetCode``).

    Returns
    -------
    pandas.DataFrame
        One row per 2016 township: ``code_2016``, ``name_2016``,
        ``code_2023``, ``name_2023``, ``tier`` (A-D or empty when nothing
        could be inferred) and ``evidence`` (Chinese text).
    """
    name23 = dict(zip(towns23["code"].astype(str), towns23["name"]))
    stem23 = {n[:-1]: c for c, n in name23.items()}
    v16 = villages16.assign(stem=villages16["name"].map(village_stem_2016))
    v23 = villages23.assign(
        stem=villages23["name"].map(village_stem_2023),
        town=villages23["streetCode"].astype(str).map(name23),
    )
    n16, n23 = Counter(v16["stem"]), Counter(v23["stem"])
    exact_targets = set(v16["stem"]) & set(v23["stem"])
    seats = {
        r["name"]: (float(r["lon_wgs84_converted"]), float(r["lat_wgs84_converted"]))
        for _, r in towns16.iterrows()
        if pd.notna(r["lon_wgs84_converted"])
    }

    rows = []
    for _, t in towns16.iterrows():
        code9, name = str(t["code"])[:9], t["name"]
        row = {"code_2016": str(t["code"]), "name_2016": name}
        target = name23.get(code9) if name23.get(code9, "")[:-1] == name[:-1] else None
        target = target or (name23[stem23[name[:-1]]] if name[:-1] in stem23 else None)
        if target:
            rows.append(row | {"name_2023": target, "tier": "A", "evidence": "同名"})
            continue
        own = v16.loc[v16["town"] == name, "stem"]
        tiers = (
            ("B", lambda a, b: a == b and n16[a] == 1 and n23[b] == 1),
            ("C", lambda a, b: b not in exact_targets and n23[b] == 1 and _near(a, b)),
        )
        for tier, match in tiers:
            votes: dict[str, list[str]] = {}
            for old in own:
                for new, town in zip(v23["stem"], v23["town"]):
                    if match(old, new):
                        votes.setdefault(town, []).append(
                            old if old == new else f"{old}→{new}"
                        )
            if votes:
                best = max(votes, key=lambda k: len(votes[k]))
                evidence = "村名: " + "、".join(votes[best])
                rows.append(
                    row | {"name_2023": best, "tier": tier, "evidence": evidence}
                )
                break
        else:
            rows.append(row | {"name_2023": None, "tier": "", "evidence": ""})

    out = pd.DataFrame(rows)
    _reject_far_single_votes(out, seats)
    _fill_nearest(out, seats)
    code_of = {n: c for c, n in name23.items()}
    out["code_2023"] = out["name_2023"].map(code_of)
    return out[["code_2016", "name_2016", "code_2023", "name_2023", "tier", "evidence"]]


def _reject_far_single_votes(
    out: pd.DataFrame, seats: dict[str, tuple[float, float]]
) -> None:
    single = out["tier"].isin(["B", "C"]) & ~out["evidence"].str.contains("、")
    for i in out.index[single]:
        name, target = out.at[i, "name_2016"], out.at[i, "name_2023"]
        peers = out.loc[(out["name_2023"] == target) & (out.index != i), "name_2016"]
        dists = [_km(seats[name], seats[p]) for p in peers if p in seats]
        if name in seats and dists and min(dists) > MAX_SINGLE_VOTE_KM:
            out.loc[i, ["name_2023", "tier"]] = [None, ""]
            out.at[i, "evidence"] = (
                f"{out.at[i, 'evidence']} 在 {target} 的同名村被视为巧合"
                f"(驻地相距 {min(dists):.0f} km); "
            )


def _fill_nearest(out: pd.DataFrame, seats: dict[str, tuple[float, float]]) -> None:
    known = out[out["tier"].isin(["A", "B", "C"])]
    for i in out.index[out["tier"] == ""]:
        name = out.at[i, "name_2016"]
        if name not in seats:
            out.at[i, "evidence"] += "无同名村, 无驻地坐标, 未能推断"
            continue
        dist, near = min(
            (_km(seats[name], seats[n]), n) for n in known["name_2016"] if n in seats
        )
        target = known.loc[known["name_2016"] == near, "name_2023"].iloc[0]
        out.loc[i, ["name_2023", "tier"]] = [target, "D"]
        out.at[i, "evidence"] += f"最近驻地: {near} ({dist:.1f} km)"
