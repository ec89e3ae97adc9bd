"""Shortages of school places and clinic registrations, explained with numbers.

For every building where people of a housed household have no place of some
kind, the explanation says how many are short, how many places lie within the
catchment and how many of those are free, and the nearest facility of that
kind beyond the catchment with its walking distance and free places. The
figures are facts of the stored optimal allocation (the solver already
maximised the places inside catchment), recomputed here from the project.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
from pyproj import Transformer

from allocator.project import Project
from allocator.rules import KIND_LABELS
from gis.crs import gauss_kruger_epsg


def compute_shortages(project: Project, scenario: str = "base") -> list[dict[str, Any]]:
    """One record per (building, kind) with people left without a place.

    Catchments and the detour factor are those the allocation was made with
    (a rule changed since would explain the stored allocation by rules it
    did not follow); when they cannot be recovered from the ledger, the
    project's own.
    """
    from allocator.export import rules_of_allocation

    rules = rules_of_allocation(project, scenario) or project.rules
    allocations = project.allocations[project.allocations["scenario"] == scenario]
    services = project.service_assignments[
        project.service_assignments["scenario"] == scenario]
    housed = allocations.dropna(subset=["unit_id"])
    if housed.empty:
        return []
    units = project.housing_units.set_index("unit_id")
    unit_of = dict(zip(housed["household_id"], housed["unit_id"]))
    facilities = project.facilities.reset_index(drop=True)
    lon = float(project.housing_units.geometry.x.mean())
    to_metres = Transformer.from_crs("EPSG:4490", f"EPSG:{gauss_kruger_epsg(lon)}",
                                     always_xy=True)
    fx, fy = to_metres.transform(facilities.geometry.x.to_numpy(),
                                 facilities.geometry.y.to_numpy())
    used = services.dropna(subset=["facility_id"])["facility_id"].value_counts()
    free = {row.facility_id: int(row.capacity) - int(used.get(row.facility_id, 0))
            for row in facilities.itertuples()}
    detour = float(rules["detour_factor"])

    short: dict[tuple[str, str, str], int] = defaultdict(int)
    capped: dict[tuple[str, str, str], int] = defaultdict(int)
    unplaced = services[services["facility_id"].isna()
                        & services["household_id"].isin(unit_of)]
    for row in unplaced.itertuples():
        if unit_of[row.household_id] not in units.index:
            continue  # a unit deleted since the solve; re-solve to refresh
        unit = units.loc[unit_of[row.household_id]]
        short[unit["site_id"], unit["building"], row.kind] += 1
        # The member's own reason says when the coverage gap cap kept it out
        # of a place it had room for (allocator.allocate._gap_cap_clause).
        if isinstance(row.reason, str) and CAPPED_MARK in row.reason:
            capped[unit["site_id"], unit["building"], row.kind] += 1

    sites = dict(zip(project.sites["site_id"], project.sites["name"]))
    records = []
    for (site_id, building, kind), count in sorted(short.items()):
        point = units[(units["site_id"] == site_id)
                      & (units["building"] == building)].geometry.iloc[0]
        ux, uy = to_metres.transform(point.x, point.y)
        walk = np.hypot(fx - ux, fy - uy) * detour
        catchment = float(rules["catchment_walk_m"][kind])
        of_kind = (facilities["kind"] == kind).to_numpy()
        inside = of_kind & (walk <= catchment)
        outside = of_kind & (walk > catchment)
        within = [
            {"facility": facilities.at[i, "name"],
             "walk_m": round(float(walk[i])),
             "capacity": int(facilities.at[i, "capacity"]),
             "free": free[facilities.at[i, "facility_id"]]}
            for i in np.flatnonzero(inside)
        ]
        nearest = None
        if outside.any():
            i = int(np.flatnonzero(outside)[np.argmin(walk[outside])])
            nearest = {"facility": facilities.at[i, "name"],
                       "walk_m": round(float(walk[i])),
                       "free": free[facilities.at[i, "facility_id"]]}
        held_back = capped.get((site_id, building, kind), 0)
        cap = _cap_words(rules) if held_back else None
        records.append({
            "site_id": site_id, "site": sites.get(site_id, site_id),
            "building": building, "kind": kind, "short": count,
            "catchment_m": catchment, "within": within, "nearest_beyond": nearest,
            "held_by_gap_cap": held_back, "gap_cap": cap,
            "text": _sentence(sites.get(site_id, site_id), building, kind, count,
                              catchment, within, nearest, held_back, cap),
        })
    return records


CAPPED_MARK = "超过覆盖率差距上限"


def _cap_words(rules) -> dict[str, Any]:
    """The coverage gap cap the allocation was made with: its groups and
    its points."""
    points = float(rules.get("coverage_gap_max", 0)) * 100
    return {"groups": str(rules.get("coverage_gap_groups") or ""),
            "points": f"{points:.1f}".rstrip("0").rstrip(".")}


def _sentence(site, building, kind, count, catchment, within, nearest,
              held_back: int = 0, cap: dict[str, Any] | None = None) -> str:
    label = KIND_LABELS[kind]
    people = "人" if kind == "clinic" else "名适龄儿童"
    places = sum(w["free"] for w in within)
    text = (f"{site} {building}：{count}{people}无{label}名额；步行{catchment:,.0f} m内"
            f"{len(within)}所{label}，剩余名额{max(places, 0)}个")
    if within:
        text += "（" + "、".join(f"{w['facility']}容量{w['capacity']}"
                                 for w in within) + "）"
    if held_back:
        groups = {"category": "安置类别", "township": "乡镇"}.get(
            (cap or {}).get("groups", ""), "各组")
        text += (f"；其中{held_back}人有名额可用，但安排后{groups}之间的覆盖率差距将"
                 f"超过上限{(cap or {}).get('points', '?')}个百分点（各户通知书列出"
                 "覆盖率）")
    if nearest is not None:
        text += (f"；最近的服务半径外{label}：{nearest['facility']}，步行"
                 f"{nearest['walk_m']:,} m，剩余{max(nearest['free'], 0)}个")
    return text
