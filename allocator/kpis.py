"""Key figures of a stored allocation, overall and by category."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from allocator.project import Project
from allocator.rules import KIND_LABELS, SCHOOL_KINDS, age_on, school_level
from solvers.base import gap_percent  # noqa: F401  (the orders, CLI and window use it from here)

# The key figures as planners name them (the window's rows and the CLI's
# scenario comparison); JSON and CSV files keep the keys.
KPI_LABELS = {
    "households": "安置户", "housed_existing": "既有安置", "housed_new": "本次分配",
    "waiting": "轮候", "exited": "已退出", "registered_since": "分配后登记",
    "residents_housed": "已安置人口",
    "existing_without_place": "既有安置户缺学位或卫生服务（人）",
    **{f"{kind}_placed": f"{KIND_LABELS[kind]}学位" for kind in SCHOOL_KINDS},
    **{f"{kind}_coverage": f"{KIND_LABELS[kind]}覆盖率" for kind in SCHOOL_KINDS},
    "clinic_registered": "卫生服务登记", "clinic_coverage": "卫生服务覆盖率",
    "walk_mean_m": "平均步行（米）", "walk_max_m": "最远步行（米）",
    "sibling_splits": "同户子女分校",
    "wish_first_choice": "第一志愿满足", "wish_any_ranked": "任一志愿满足",
    "low_floor_granted": "低楼层意愿满足",
    "village_groups_together": "同村同点村组",
    "village_households_together": "同村同点户数",
}


# Household rows that are 0 until exits or register updates follow an
# allocation.
OPTIONAL_ROWS = ("exited", "registered_since")


def kpi_label(key: str, language: str = "zh_CN") -> str:
    """A key figure's name in ``language`` ("zh_CN" or "en"); an unknown key
    is returned as it is."""
    from allocator.texts import in_language

    label = KPI_LABELS.get(key)
    return key if label is None else in_language(label, language)


def write_kpis_json(kpis: dict[str, Any], path: Path) -> Path:
    """Write the key figures as JSON, readable by the owner only like the
    other outputs (the shortages name buildings and households)."""
    from allocator.export import write_private_text

    return write_private_text(
        path, json.dumps(kpis, ensure_ascii=False, indent=2, default=str))


def allocation_run(project: Project, scenario: str = "base") -> dict[str, Any]:
    """The run that made the scenario's stored allocation; the last run when
    it has none (empty when it was never solved). A later solve stopped
    before its end stores nothing, and does not speak for the allocation."""
    runs = project.runs[project.runs["scenario"] == scenario]
    made = project.allocations.loc[
        project.allocations["scenario"] == scenario, "run_id"]
    producing = runs[runs["run_id"].isin(set(made))]
    chosen = producing if len(producing) else runs
    return chosen.iloc[-1].to_dict() if len(chosen) else {}


def compute_kpis(project: Project, scenario: str = "base", by: str | None = None
                 ) -> dict[str, Any]:
    """Households housed and waiting, service coverage and walks, by category
    (and with ``by``, a household column, for each of its values as well:
    ``by_group``, see :func:`allocator.explain.kpis_by`)."""
    allocations = project.allocations[project.allocations["scenario"] == scenario]
    services = project.service_assignments[
        project.service_assignments["scenario"] == scenario]
    run = allocation_run(project, scenario)
    reference = dt.date.fromisoformat(run["reference_date"]) if run.get(
        "reference_date") else dt.date.today()

    households = project.households.merge(
        allocations[["household_id", "unit_id", "kind"]], on="household_id",
        how="left")
    members = project.members.merge(
        households[["household_id", "category", "unit_id"]], on="household_id")
    members["age"] = members["birth_date"].map(
        lambda b: age_on(dt.date.fromisoformat(b), reference))
    members["level"] = members["age"].map(lambda a: school_level(a, project.rules))
    members["housed"] = members["unit_id"].notna()

    def block(hh: pd.DataFrame, people: pd.DataFrame, sv: pd.DataFrame) -> dict:
        gone = (hh["exited_on"].notna() if "exited_on" in hh.columns
                else pd.Series(False, index=hh.index))
        figures: dict[str, Any] = {
            "households": int(len(hh)),
            "housed_existing": int((hh["kind"] == "existing").sum()),
            "housed_new": int((hh["kind"] == "allocated").sum()),
            "waiting": int((hh["kind"] == "waiting").sum()),
            # In the register but not in this allocation: so that the rows
            # above add up to the households.
            "exited": int((hh["kind"].isna() & gone).sum()),
            "registered_since": int((hh["kind"].isna() & ~gone).sum()),
            "residents_housed": int(people["housed"].sum()),
        }
        for kind in SCHOOL_KINDS:
            demand = people[people["housed"] & (people["level"] == kind)]
            placed = sv[(sv["kind"] == kind) & sv["facility_id"].notna()
                        & sv["member_id"].isin(demand["member_id"])]
            figures[f"{kind}_demand"] = int(len(demand))
            figures[f"{kind}_placed"] = int(len(placed))
            figures[f"{kind}_coverage"] = _share(len(placed), len(demand))
        residents = people[people["housed"]]
        clinic = sv[(sv["kind"] == "clinic") & sv["facility_id"].notna()
                    & sv["member_id"].isin(residents["member_id"])]
        figures["clinic_registered"] = int(len(clinic))
        figures["clinic_coverage"] = _share(len(clinic), len(residents))
        figures["existing_without_place"] = _existing_without_place(hh, people, sv)
        schools = sv[sv["kind"].isin(SCHOOL_KINDS) & sv["facility_id"].notna()]
        figures["sibling_splits"] = int(
            (schools.groupby(["household_id", "kind"])["facility_id"].nunique() > 1)
            .sum()) if len(schools) else 0
        figures.update(_wish_figures(hh, units, project.rules))
        walks = sv["distance_m"].dropna()
        figures["walk_mean_m"] = round(float(walks.mean()), 1) if len(walks) else None
        figures["walk_max_m"] = round(float(walks.max()), 1) if len(walks) else None
        for kind in SCHOOL_KINDS + ("clinic",):
            kind_walks = sv[sv["kind"] == kind]["distance_m"].dropna()
            figures[f"{kind}_walk_mean_m"] = round(float(kind_walks.mean()), 1) \
                if len(kind_walks) else None
            figures[f"{kind}_walk_max_m"] = round(float(kind_walks.max()), 1) \
                if len(kind_walks) else None
        return figures

    units = project.housing_units.set_index("unit_id")
    vacant = project.housing_units[project.housing_units["status"] == "vacant"]
    rules = project.rules
    sizes = households["size"].to_numpy()
    fits = np.zeros(len(households), dtype=bool)
    for area, accessible in zip(vacant["area_m2"], vacant["accessible"]):
        fits |= ((sizes * rules["area_min_per_person_m2"] <= area)
                 & (area <= sizes * rules["area_max_per_person_m2"])
                 & (accessible | ~households["needs_accessible"].fillna(False)
                    .astype(bool).to_numpy()))
    households["fits_vacant"] = fits
    overall = block(households, members, services)
    by_category = {}
    for category, hh in households.groupby("category"):
        people = members[members["category"] == category]
        sv = services[services["household_id"].isin(hh["household_id"])]
        by_category[category] = block(hh, people, sv)
    by_group = {}
    if by is not None:
        # One pass for every group: the figures of one group are those of
        # the project cut down to its households (units and rules are the
        # county's), without working out ages and fits again for each.
        for value, hh in households.groupby(by, sort=True, dropna=False):
            ids = set(hh["household_id"])
            label = "" if value is None or (isinstance(value, float)
                                            and pd.isna(value)) else str(value)
            by_group[label] = block(hh, members[members["household_id"].isin(ids)],
                                    services[services["household_id"].isin(ids)])
    return {
        "scenario": scenario,
        "run": {k: (None if isinstance(v, float) and np.isnan(v) else v)
                for k, v in run.items()},
        "overall": overall,
        "by_category": by_category,
        **({"by_group": by_group} if by is not None else {}),
    }


def _existing_without_place(hh: pd.DataFrame, people: pd.DataFrame,
                            sv: pd.DataFrame) -> int:
    """Residents of households housed earlier who lack a place they need (a
    school place of their age's level, or the clinic everyone registers
    with). A solve places their services afresh with everyone else's, so a
    newcomer may take an existing pupil's place: this counts them."""
    existing = hh.loc[hh["kind"] == "existing", "household_id"]
    residents = people[people["housed"] & people["household_id"].isin(existing)]
    placed = sv[sv["facility_id"].notna()]
    missing = set()
    for kind in SCHOOL_KINDS + ("clinic",):
        need = residents if kind == "clinic" else residents[residents["level"] == kind]
        have = set(placed.loc[placed["kind"] == kind, "member_id"])
        missing.update(m for m in need["member_id"] if m not in have)
    return len(missing)


def _wish_figures(hh: pd.DataFrame, units: pd.DataFrame,
                  rules: dict[str, Any]) -> dict[str, Any]:
    """Wishes met and village groups kept together among this round's
    households (those housed earlier have no wish to meet)."""
    now = hh[hh["kind"].isin(["allocated", "waiting"])]
    ranked = (now["preferred_sites"].fillna("").astype(str).str.split("|")
              .map(lambda sites: [site for site in sites if site])
              if "preferred_sites" in now else pd.Series([[]] * len(now),
                                                         index=now.index))
    low = now["wants_low_floor"].fillna(False).astype(bool) \
        if "wants_low_floor" in now else pd.Series(False, index=now.index)
    housed = now["kind"] == "allocated"
    site = now["unit_id"].map(units["site_id"])
    floor = now["unit_id"].map(units["floor"])
    has_rank = ranked.map(len) > 0
    first = [bool(r) and s == r[0] for r, s in zip(ranked, site)]
    anywhere = [s in r for r, s in zip(ranked, site)]
    figures: dict[str, Any] = {
        "wish_ranked": int(has_rank.sum()),
        "wish_ranked_housed": int((has_rank & housed).sum()),
        "wish_first_choice": int((pd.Series(first, index=now.index) & housed).sum()),
        "wish_any_ranked": int((pd.Series(anywhere, index=now.index) & housed).sum()),
        "low_floor_asked": int(low.sum()),
        "low_floor_asked_housed": int((low & housed).sum()),
        "low_floor_granted": int((low & housed
                                  & (floor <= int(rules["low_floor_max"]))).sum()),
    }
    village = now["origin_township"].fillna("") + now["origin_village"].fillna("")
    eligible = now[now["fits_vacant"] & (village != "")] if "fits_vacant" in now \
        else now.iloc[0:0]
    groups = village.loc[eligible.index]
    sizes = groups.value_counts()
    in_groups = eligible[groups.isin(sizes.index[sizes >= 2])]
    placed = in_groups[in_groups["kind"] == "allocated"]
    per_site = placed.assign(village=village.loc[placed.index],
                             site=site.loc[placed.index]).groupby(
        ["village", "site"]).size()
    spread = per_site.groupby(level="village").agg(["size", "sum", "max"])
    counted = spread[spread["sum"] >= 2]
    figures["village_groups"] = int(len(counted))
    figures["village_groups_together"] = int((counted["size"] == 1).sum())
    figures["village_households_together"] = int(spread["max"].sum())
    return figures


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def kpi_cell(figures: dict[str, Any], key: str) -> str:
    """One cell of the KPI table (the CLI and the window show the same text)."""
    if key.endswith("_places"):
        kind = key[: -len("_places")]
        if kind == "clinic":
            placed = figures["clinic_registered"]
            demand = figures["residents_housed"]
        else:
            placed, demand = figures[f"{kind}_placed"], figures[f"{kind}_demand"]
        share = f"{100 * placed / demand:.1f}%" if demand else "-"
        return f"{placed}/{demand} {share}"
    if key.endswith("_of"):
        part = key[: -len("_of")]
        whole = {"wish_first_choice": "wish_ranked_housed",
                 "wish_any_ranked": "wish_ranked_housed",
                 "low_floor_granted": "low_floor_asked_housed",
                 "village_groups_together": "village_groups"}[part]
        placed, demand = figures.get(part), figures.get(whole)
        if placed is None or demand is None:
            return "-"
        share = f"{100 * placed / demand:.1f}%" if demand else "-"
        return f"{placed}/{demand} {share}"
    value = figures.get(key)
    if value is None:
        return "-"
    return f"{value:,.0f}" if isinstance(value, float) else f"{value:,}"


def kpi_table(kpis: dict[str, Any]) -> str:
    """A plain-text table of the KPIs for the terminal."""
    rows = [
        ("安置户 households", "households"),
        ("  既有安置 housed earlier", "housed_existing"),
        ("  本次分配 housed now", "housed_new"),
        ("  轮候 waiting", "waiting"),
        ("  已退出 exited", "exited"),
        ("  分配后登记 registered since", "registered_since"),
        ("已安置人口 residents housed", "residents_housed"),
        ("  既有安置缺位 earlier, without a place", "existing_without_place"),
    ]
    # Rows a first allocation never has are shown only when they count.
    rows = [(label, key) for label, key in rows
            if key not in OPTIONAL_ROWS or kpis["overall"].get(key)]
    for kind in SCHOOL_KINDS:
        rows.append((f"{KIND_LABELS[kind]}学位 {kind} places", f"{kind}_places"))
    rows += [
        ("卫生服务登记 clinic registered", "clinic_places"),
        ("平均步行 mean walk (m)", "walk_mean_m"),
        ("最远步行 longest walk (m)", "walk_max_m"),
        ("同户子女分校 sibling splits", "sibling_splits"),
        ("第一志愿 first choice", "wish_first_choice_of"),
        ("任一志愿 any ranked site", "wish_any_ranked_of"),
        ("低楼层 low floor granted", "low_floor_granted_of"),
        ("同村同点 village groups together", "village_groups_together_of"),
        ("  同村同点户数 households with their group", "village_households_together"),
    ]
    columns = [("合计 all", kpis["overall"])] + list(kpis["by_category"].items())
    cell = kpi_cell

    label_width = max(display_width(label) for label, _ in rows) + 2
    widths = [max(display_width(name), *(display_width(cell(f, k))
                                         for _, k in rows)) + 2
              for name, f in columns]
    lines = [pad_cell("", label_width) + "".join(
        pad_cell(name, w, right=True) for (name, _), w in zip(columns, widths))]
    for label, key in rows:
        lines.append(pad_cell(label, label_width) + "".join(
            pad_cell(cell(f, key), w, right=True)
            for (_, f), w in zip(columns, widths)))
    run = kpis["run"]
    if run:
        gap = run.get("gap")
        lines.append("")
        lines.append(
            f"求解状态 status: {run.get('status')}  back end: {run.get('backend')}"
            f" ({run.get('formulation') or '-'})  "
            f"time: {run.get('seconds')} s  gap: "
            f"{'-' if gap is None else gap_percent(gap)}  seed: {run.get('seed')}")
        try:
            options = json.loads(run.get("options_json") or "{}")
        except ValueError:
            options = {}
        # A reallocation's model places only the households it may change:
        # its objectives count those, not the county (the table above does).
        scope = (" (this reallocation's model: only the households it could "
                 "place or move)"
                 if isinstance(options, dict) and options.get("reallocation") else "")
        options = options if isinstance(options, dict) else {}
        order = options.get("objective_order") or []

        def value(name):  # a level left out of the order has no value
            found = run.get(f"objective_{name}")
            if found is None or found != found:
                return "-"
            return found + 0.0 if isinstance(found, float) else found  # not -0.0

        lines.append(
            f"objectives{scope}: housed(weighted)={value('housed')}  "
            f"served={value('served')}  walk={value('walk')}"
            f"  wishes={value('wishes')}  village={value('village')}")
        if order:
            lines.append(f"选项 options: {options_line(options)}")
        if run.get("message"):
            lines.append(f"note: {run['message']}")
    return "\n".join(lines)


def options_line(options: dict[str, Any]) -> str:
    """A run's options (see :func:`allocator.allocate.run_options`) in one
    English line, as the CLI prints them."""
    order = options.get("objective_order") or []
    gap = options.get("coverage_gap")
    cap = (f"{gap.get('groups')} at most {100 * float(gap.get('max')):g} "
           "points" if isinstance(gap, dict) else "off")
    on = {True: "on", False: "off"}
    return (f"levels {' > '.join(map(str, order))}; priority-respecting "
            f"{on.get(options.get('priority_respecting'), '-')}; siblings "
            f"together {on.get(options.get('siblings_together'), '-')}; "
            f"coverage gap cap {cap}" + _locks_said(options.get("locks")))


def _locks_said(locks: dict | None) -> str:
    """The planner's locks of a run, for its options line."""
    if not locks:
        return ""
    return (f"; planner locks: {locks.get('fixed', 0)} fixed, "
            f"{locks.get('forbidden', 0)} forbidden")


def display_width(text: str) -> int:
    """Terminal columns of ``text`` (a Chinese character takes two)."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad_cell(text: str, width: int, right: bool = False) -> str:
    """``text`` padded with spaces to ``width`` terminal columns."""
    space = " " * max(0, width - display_width(text))
    return space + text if right else text + space
