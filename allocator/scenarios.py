"""Scenarios (方案): named sets of changes to the base, each with its allocation.

A scenario is stored as one row of the ``scenarios`` table with its changes
as JSON (``changes_json``); its allocation is stored under its name in the
``allocations`` and ``service_assignments`` tables. The base data is never
changed by a scenario: :func:`scenario_data` applies the changes to a copy.
Only :func:`promote` turns a scenario into the base, with a ledger entry.

A scenario's allocation is made against the base as it was then: its run
records :func:`base_stamp` (a hash of the base's data, rules, locks and
allocation). Once the base changes (a solve, a promote, exits, a register
update, rules, locks), :func:`out_of_date` says so, and :func:`promote`
refuses it until it is solved again (a petition trial: tried again).

Changes (a JSON or YAML mapping; every key optional)::

    add_facilities:   [{facility_id, name, kind, capacity, lon, lat}]
    close_facilities: [facility_id]
    capacities:       {facility_id: capacity}
    add_units:        [{unit_id, site_id, building, floor, area_m2,
                        accessible, lon, lat}]
    catchments:       {kindergarten|primary|junior|clinic: metres}
    rules:            {rule key: value}       (exit rule, area band, ...)
    add_households:   [{household_id, category, waiting_since, annual_income,
                        stable_job_years, members: [{name, birth_date, sex,
                        relationship, disability, id_number}]}]

``lon``/``lat`` are CGCS2000 degrees (as the project stores them). New
households are checked as the register importer checks its rows (安置类别,
性别, 残疾, 身份证号, dates not in the future, exactly one 户主); their
priority points, like everyone's in a scenario, are those its run computed.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import logging
import shlex
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString, Point

from allocator import idnumber
from allocator.ids import did_you_mean
from allocator.importer import (
    CATEGORIES,
    HEAD,
    INCOME_MAX,
    JOB_YEARS_MAX,
    SEXES,
    normalise_disability,
)
from allocator.project import Project
from allocator.rules import (
    DEFAULTS,
    FACILITY_KINDS,
    KIND_LABELS,
    MERGED_RULES,
    NUMBER_MAX,
    rule_problems,
)
from gis.crs import CHINA_LAT, CHINA_LON

logger = logging.getLogger(__name__)

BASE = "base"
KIND_NAMES = {**{k: k for k in FACILITY_KINDS},
              "幼儿园": "kindergarten", "小学": "primary", "初中": "junior",
              "卫生室": "clinic", "社区卫生服务中心": "clinic", "卫生院": "clinic"}
FIELDS: dict[str, dict[str, tuple[type, ...]]] = {
    "add_facilities": {"facility_id": (str,), "name": (str,), "kind": (str,),
                       "capacity": (int,), "lon": (int, float),
                       "lat": (int, float)},
    "add_units": {"unit_id": (str,), "site_id": (str,), "building": (str,),
                  "floor": (int,), "area_m2": (int, float), "accessible": (bool,),
                  "lon": (int, float), "lat": (int, float)},
    "add_households": {"household_id": (str,), "category": (str,),
                       "waiting_since": (str,), "annual_income": (int, float),
                       "stable_job_years": (int, float), "members": (list,)},
    "members": {"name": (str,), "birth_date": (str,), "sex": (str,),
                "relationship": (str,), "disability": (str,), "id_number": (str,)},
}
OPTIONAL = {"add_households": {"annual_income", "stable_job_years", "waiting_since"},
            "members": {"disability", "id_number", "relationship"},
            "add_units": {"accessible", "building", "floor"}}
KEYS = ("add_facilities", "close_facilities", "capacities", "add_units",
        "catchments", "rules", "add_households")


ID_FIELDS = {"add_facilities": "facility_id", "add_units": "unit_id",
             "add_households": "household_id", "members": "name"}
TYPE_WORDS = {str: "text", int: "a whole number", float: "a number",
              bool: "true or false", list: "a list"}
TABLES = ("capacities", "catchments", "rules")
LIMITS: dict[str, tuple[float, float, str]] = {
    "capacity": (0, 1_000_000, "use a whole number of places from 0 to 1,000,000"),
    "floor": (1, 100, "use a whole floor number from 1 (the ground floor) to 100"),
    "area_m2": (1, 1_000, "use square metres from 1 to 1,000"),
    "annual_income": (0, INCOME_MAX, f"use yuan a year from 0 to {INCOME_MAX:,}"),
    "stable_job_years": (0, JOB_YEARS_MAX, f"use years from 0 to {JOB_YEARS_MAX}"),
}
"""The range of each number a scenario change gives: (least, most, what to
write). The project stores them as 64-bit numbers; these ranges are far
inside that and far outside any real county."""
CATCHMENT_MAX = 100_000
RULE_NUMBER_MAX = NUMBER_MAX
NAME_MAX = 64
NAME_RULE = (f"a scenario name is up to {NAME_MAX} characters: letters (Chinese "
             "too), digits, spaces and punctuation, not only dots, and no control "
             "characters such as a newline or a tab")
EXTENSIONS = (".json", ".yaml", ".yml")
# Characters that break a line or reorder the text shown around them.
_HIDDEN = {"\u2028", "\u2029", *map(chr, range(0x202A, 0x202F)),
           *map(chr, range(0x2066, 0x206A))}


class ScenarioError(ValueError):
    """A scenario or its changes cannot be used; the message names the key,
    the value and what to do. ``problems`` lists every problem found, one
    sentence each (the message joins them)."""

    def __init__(self, message: str | list[str]) -> None:
        problems = [message] if isinstance(message, str) else list(message)
        super().__init__("; ".join(problems))
        self.problems = problems


def parse_changes(path: Path) -> tuple[Any, list[str]]:
    """Read a changes file (``.json``, ``.yaml`` or ``.yml``) without checking
    its entries: the data and the keys given twice in one mapping (the file
    would silently keep only the last).

    Raises
    ------
    ScenarioError
        The file is missing, not UTF-8 or not valid JSON/YAML.
    """
    path = Path(path)
    if path.suffix.lower() not in EXTENSIONS:
        kind = f"a {path.suffix} file" if path.suffix else "a file without extension"
        raise ScenarioError(
            f"{path}: {kind} is not read as changes; write them as JSON (.json) or "
            "YAML (.yaml or .yml) and name the file so")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ScenarioError(f"{path}: file not found") from None
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: not UTF-8 text; save it as UTF-8") from None
    twice: list[str] = []
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            import yaml
        except ImportError:
            raise ScenarioError(
                f"{path}: reading YAML needs the PyYAML package (pip install "
                "pyyaml); or write the same changes as JSON") from None

        class _Loader(yaml.SafeLoader):
            """Safe loading that notes a key given twice in one mapping."""

        def mapping(loader, node, deep=False):
            seen: set = set()
            for key_node, _ in node.value:
                key = loader.construct_object(key_node, deep=deep)
                if isinstance(key, (str, int, float)) and key in seen:
                    twice.append(f"{path}: line {key_node.start_mark.line + 1}: "
                                 f"{key!r} is given twice in the same mapping; "
                                 "keep one (only the last would count)")
                seen.add(key)
            return loader.construct_mapping(node, deep=deep)

        _Loader.add_constructor(
            yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
        # An unquoted 2024-01-01 stays the text it is (dates are YYYY-MM-DD
        # text, as in JSON), not a date object that "expected text" refuses.
        _Loader.add_constructor("tag:yaml.org,2002:timestamp",
                                lambda loader, node: loader.construct_scalar(node))
        try:
            data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader
        except yaml.YAMLError as exc:
            raise ScenarioError(f"{path}: not valid YAML ({exc})") from None
    else:
        def pairs(items):
            seen = set()
            for key, _ in items:
                if key in seen:
                    twice.append(f"{path}: {key!r} is given twice in the same "
                                 "object; keep one (only the last would count)")
                seen.add(key)
            return dict(items)

        try:
            data = json.loads(text, object_pairs_hook=pairs)
        except json.JSONDecodeError as exc:
            raise ScenarioError(f"{path}: not valid JSON: line {exc.lineno} column "
                                f"{exc.colno}: {exc.msg}") from None
    return data, twice


def read_changes(path: Path) -> dict[str, Any]:
    """Read and check a changes file (``.json``, ``.yaml`` or ``.yml``);
    raise with every problem of every entry."""
    data, problems = parse_changes(path)
    problems += change_problems(data, str(path))
    if problems:
        raise ScenarioError(problems)
    return data


def check_changes(data: Any, source: str = "changes") -> dict[str, Any]:
    """Check the shape and values of a changes mapping; raise with every problem."""
    problems = change_problems(data, source)
    if problems:
        raise ScenarioError(problems)
    return data


def change_problems(data: Any, source: str = "changes",
                    origins: dict[tuple[str, Any], str] | None = None) -> list[str]:
    """Every problem of the shape and values of a changes mapping, each
    naming its entry (``add_units[2] (B-202)``: the list, the entry's place
    counted from 0 and its id) and what to do. ``origins`` names the entries
    given as command-line options: (key, place in the list or id in the
    table) -> the option as given (``--capacity 'K1=3'``)."""
    problems: list[str] = []
    if data is None:
        return [f"{source}: the file holds no changes (it is empty or null); "
                "expected a mapping of changes with keys " + ", ".join(KEYS)
                + ", e.g. " + _example(source)]
    if not isinstance(data, dict):
        return [f"{source}: expected a mapping with keys {', '.join(KEYS)}, got "
                f"{type(data).__name__}"]
    for key in data:
        if key not in KEYS:
            problems.append(f"{source}: unknown key {key!r}; use one of "
                            + ", ".join(KEYS))
    for key in ("add_facilities", "add_units", "add_households"):
        items = data.get(key, [])
        if not isinstance(items, list):
            problems.append(f"{source}: {key} must be a list of objects, one per "
                            f"new item (got {type(items).__name__})")
            continue
        for i, item in enumerate(items):
            where = _at(source, key, i, item, origins)
            problems += _check_item(item, key, where)
            if key == "add_households" and isinstance(item, dict) \
                    and isinstance(item.get("members"), list):
                if not item["members"]:
                    problems.append(f"{where}: members is empty; list the "
                                    "household's people")
                for j, member in enumerate(item["members"]):
                    problems += _check_item(
                        member, "members", f"{where}: {_entry('members', j, member)}")
    closed = data.get("close_facilities", [])
    if not isinstance(closed, list):
        problems.append(f"{source}: close_facilities must be a list of facility "
                        f"ids (got {closed!r})")
    else:
        for i, facility_id in enumerate(closed):
            if not isinstance(facility_id, str) or not facility_id.strip():
                problems.append(
                    f"{_valued(source, 'close_facilities', i, facility_id, origins)}:"
                    " give a facility id (设施编号) as text")
    capacities = data.get("capacities", {})
    if not isinstance(capacities, dict):
        problems.append(f"{source}: capacities must map facility id to a number")
    else:
        for facility_id, value in capacities.items():
            where = _valued(source, "capacities", facility_id, value, origins)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                problems.append(f"{where}: use a whole number of places, 0 or more")
            elif (problem := range_problem("capacity", value)) is not None:
                problems.append(f"{where}: {problem}")
    catchments = data.get("catchments", {})
    if not isinstance(catchments, dict):
        problems.append(f"{source}: catchments must map a facility kind to metres")
    else:
        for kind, value in catchments.items():
            if kind not in KIND_NAMES:
                problems.append(f"{_at(source, 'catchments', kind, None, origins)}: "
                                "unknown kind; use " + ", ".join(FACILITY_KINDS))
            elif not _catchment_ok(value):
                problems.append(f"{_valued(source, 'catchments', kind, value, origins)}"
                                f": use metres, more than 0 and at most "
                                f"{CATCHMENT_MAX:,}")
    rules = data.get("rules", {})
    if not isinstance(rules, dict):
        problems.append(f"{source}: rules must map rule keys to values")
    else:
        for key, value in rules.items():
            where = _at(source, "rules", key, None, origins)
            if key not in DEFAULTS:
                problems.append(f"{where}: unknown rule; see "
                                "`allocator rules PROJECT` for the keys")
            else:
                problems += _rule_number_problems(value, where, origins is not None
                                                  and ("rules", key) in origins)
    return problems + _conflicts(data, source, origins)


def _example(source: str) -> str:
    """One change written as the file ``source`` would write it."""
    if source.lower().endswith((".yaml", ".yml")):
        return "capacities: {FACILITY_ID: 300}"
    return '{"capacities": {"FACILITY_ID": 300}}'


def range_problem(name: str, value: Any) -> str | None:
    """What is wrong with number ``name`` of a change (see :data:`LIMITS`):
    None when it is in its range (or not a number: the type check says so)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    low, high, text = LIMITS[name]
    if value != value or not low <= value <= high:  # NaN is in no range
        return f"out of range; {text}"
    return None


def _catchment_ok(value: Any) -> bool:
    return (not isinstance(value, bool) and isinstance(value, (int, float))
            and 0 < value <= CATCHMENT_MAX)


def _rule_number_problems(value: Any, where: str, option: bool = False,
                          path: str = "") -> list[str]:
    """Each number inside a rule's value that no rule could use: NaN,
    infinite, or beyond ±:data:`RULE_NUMBER_MAX` (the rules' own checks,
    :func:`allocator.rules.rule_problems`, say the rest)."""
    if isinstance(value, dict):
        return [p for k, v in value.items()
                for p in _rule_number_problems(v, where, option, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value)
                for p in _rule_number_problems(v, where, option, f"{path}[{i}]")]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (
            value == value and -RULE_NUMBER_MAX <= value <= RULE_NUMBER_MAX):
        return []
    shown = f"{where}{path}" if option and not path else f"{where}{path} = {value!r}"
    if option and path:
        shown = f"{where}: {path.lstrip('.')} = {value!r}"
    return [f"{shown}: out of range; a number in a rule is from "
            f"{-RULE_NUMBER_MAX:,} to {RULE_NUMBER_MAX:,}"]


def _at(source: str, key: str, pos: Any, item: Any = None,
        origins: dict[tuple[str, Any], str] | None = None) -> str:
    """Where an entry is given: ``FILE: add_units[2] (B-202)``,
    ``FILE: capacities.K1``, or the option that gave it (see
    :func:`change_problems`), with the id of a new item."""
    origin = (origins or {}).get((key, pos))
    if key in TABLES:
        return origin or f"{source}: {key}.{pos}"
    if key == "close_facilities":
        return origin or f"{source}: close_facilities[{pos}]"
    if origin:
        name = _entry(key, 0, item).partition(" ")[2]
        return f"{origin} {name}".strip()
    return f"{source}: {_entry(key, pos, item)}"


def _valued(source: str, key: str, pos: Any, value: Any,
            origins: dict[tuple[str, Any], str] | None = None) -> str:
    """:func:`_at` with the value (an option as given shows it already)."""
    if (key, pos) in (origins or {}):
        return _at(source, key, pos, None, origins)
    return f"{_at(source, key, pos, None, origins)} = {value!r}"


def _conflicts(data: dict, source: str,
               origins: dict[tuple[str, Any], str] | None) -> list[str]:
    """Changes of one scenario that contradict each other or repeat with
    another value, each naming both: a facility closed twice, closed and
    given a capacity, added and closed, added with one capacity and given
    another; one kind's catchment given twice (``幼儿园`` and
    ``kindergarten``; ``catchments`` and ``rules.catchment_walk_m``)."""
    problems: list[str] = []

    def at(key: str, pos: Any) -> str:
        return _at(source, key, pos, None, origins)

    def other(key: str, pos: Any, item: Any = None) -> str:
        """The other entry of a pair, without the file named again."""
        text = _at(source, key, pos, item, origins)
        prefix = f"{source}: "
        return text[len(prefix):] if text.startswith(prefix) else text

    closed_at: dict[str, int] = {}
    closed = data.get("close_facilities")
    for i, facility_id in enumerate(closed if isinstance(closed, list) else []):
        if not isinstance(facility_id, str) or not facility_id.strip():
            continue
        if facility_id in closed_at:
            first = other("close_facilities", closed_at[facility_id])
            again = "is given twice" if first == at("close_facilities", i) \
                else f"closes {facility_id!r} again (also {first})"
            problems.append(f"{at('close_facilities', i)}: {again}; close each "
                            "facility once")
        else:
            closed_at[facility_id] = i
    added: dict[str, dict] = {}
    added_at: dict[str, int] = {}
    facilities = data.get("add_facilities")
    for i, item in enumerate(facilities if isinstance(facilities, list) else []):
        if isinstance(item, dict) and _given_id(item, "facility_id") \
                and item["facility_id"] not in added:
            added[item["facility_id"]], added_at[item["facility_id"]] = item, i
    for facility_id, i in closed_at.items():
        if facility_id in added:
            adds = other("add_facilities", added_at[facility_id], added[facility_id])
            problems.append(f"{at('close_facilities', i)}: closes {facility_id!r}, "
                            f"which {adds} adds in the same scenario; either add "
                            "it or close it")
    capacities = data.get("capacities")
    for facility_id, value in (capacities.items()
                               if isinstance(capacities, dict) else ()):
        where = _valued(source, "capacities", facility_id, value, origins)
        if facility_id in closed_at:
            closes = other("close_facilities", closed_at[facility_id])
            problems.append(f"{where}: changes the capacity of {facility_id!r}, "
                            f"which {closes} closes in the same scenario; either "
                            "close it or change its capacity")
        elif facility_id in added and added[facility_id].get("capacity") != value:
            adds = other("add_facilities", added_at[facility_id], added[facility_id])
            problems.append(f"{where}: {adds} adds {facility_id!r} with another "
                            f"capacity ({added[facility_id].get('capacity')!r}); "
                            "give its capacity once, in add_facilities")
    catchments = data.get("catchments")
    seen: dict[str, Any] = {}
    for kind, value in (catchments.items() if isinstance(catchments, dict) else ()):
        canonical = KIND_NAMES.get(kind) if isinstance(kind, str) else None
        if canonical is None or not _catchment_ok(value):
            continue  # reported as it is
        if canonical in seen and catchments[seen[canonical]] != value:
            problems.append(
                f"{_valued(source, 'catchments', kind, value, origins)}: the "
                f"{canonical} catchment is given twice with different metres (also "
                f"{other('catchments', seen[canonical])} = "
                f"{catchments[seen[canonical]]!r}); give it once")
        seen.setdefault(canonical, kind)
    rules = data.get("rules")
    walk = rules.get("catchment_walk_m") if isinstance(rules, dict) else None
    for canonical, kind in seen.items():
        if isinstance(walk, dict) and _catchment_ok(walk.get(canonical)) \
                and walk[canonical] != catchments[kind]:
            problems.append(
                f"{_valued(source, 'catchments', kind, catchments[kind], origins)}: "
                f"the {canonical} catchment is also given by "
                f"{other('rules', 'catchment_walk_m')} ({walk[canonical]!r}); give "
                "it once")
    return problems


def _entry(key: str, i: int, item: Any) -> str:
    """``add_units[2] (B-202)``: an entry by its place and, if given, its id."""
    name = item.get(ID_FIELDS[key]) if isinstance(item, dict) else None
    name = name.strip() if isinstance(name, str) else ""
    return f"{key}[{i}]" + (f" ({name})" if name else "")


def _check_item(item: Any, key: str, where: str) -> list[str]:
    if not isinstance(item, dict):
        return [f"{where}: expected an object with {', '.join(FIELDS[key])} "
                f"(got {item!r})"]
    problems = []
    for name in item:
        if name not in FIELDS[key]:
            problems.append(f"{where}: unknown field {name!r}; use "
                            + ", ".join(FIELDS[key]))
    for name, kinds in FIELDS[key].items():
        if name not in item:
            if name not in OPTIONAL.get(key, set()):
                problems.append(f"{where}: missing {name}; add it")
            continue
        value = item[name]
        if (isinstance(value, bool) and bool not in kinds) \
                or not isinstance(value, kinds):
            expected = "a number" if float in kinds else TYPE_WORDS[kinds[0]]
            if name == "id_number" and isinstance(value, int):
                expected += ("; put the ID number in quotes (\"...\") so it is "
                             "kept as written")
            problems.append(f"{where}: {name} = {value!r}: expected {expected}")
    for name in ("facility_id", "unit_id", "household_id", "site_id") + (
            ("name",) if key == "add_facilities" else ()):
        if name in FIELDS[key] and isinstance(item.get(name), str) \
                and not item[name].strip():
            problems.append(f"{where}: {name} is empty; give it"
                            + (" (a new id of its own)" if name.endswith("_id")
                               and name != "site_id" else ""))
    if key == "add_facilities" and isinstance(item.get("kind"), str) \
            and item["kind"] not in KIND_NAMES:
        problems.append(f"{where}: kind = {item['kind']!r}: use 幼儿园, 小学, 初中, "
                        "卫生室 or 社区卫生服务中心")
    for name in ("birth_date", "waiting_since"):
        if isinstance(item.get(name), str):
            try:
                dt.date.fromisoformat(item[name])
            except ValueError:
                problems.append(f"{where}: {name} = {item[name]!r}: use YYYY-MM-DD")
    lon, lat = item.get("lon"), item.get("lat")
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool)
                  for v in (lon, lat))
    if numbers and not (CHINA_LON[0] <= lon <= CHINA_LON[1]
                        and CHINA_LAT[0] <= lat <= CHINA_LAT[1]):
        problems.append(f"{where}: lon {lon!r}, lat {lat!r} is outside China; give "
                        "CGCS2000 longitude and latitude in degrees (lon first)")
    for name in LIMITS:
        value = item.get(name)
        if name not in FIELDS[key] or isinstance(value, bool) \
                or not isinstance(value, FIELDS[key][name]):
            continue  # not this entry's, or reported above
        if name != "floor" and value < LIMITS[name][0]:
            problems.append(f"{where}: {name} = {value!r}: must be "
                            f"{LIMITS[name][0]} or more")
        elif (problem := range_problem(name, value)) is not None:
            problems.append(f"{where}: {name} = {value!r}: {problem}")
    if key == "add_households":
        problems += _household_problems(item, where)
    elif key == "members":
        problems += _member_problems(item, where)
    return problems


def _household_problems(item: dict, where: str) -> list[str]:
    """The values of a new household as the register importer checks them:
    its id, its category (安置类别), a waiting date not in the future and
    exactly one head (户主; a member without relationship counts as the
    head when listed first)."""
    problems = []
    if isinstance(item.get("household_id"), str) and not item["household_id"].strip():
        problems.append(f"{where}: household_id is empty; give the new household "
                        "its id (户号)")
    category = item.get("category")
    if isinstance(category, str) and category not in CATEGORIES:
        problems.append(f"{where}: category = {category!r}: use one of "
                        + " / ".join(CATEGORIES))
    waiting = _iso_date(item.get("waiting_since"))
    if waiting is not None and waiting > dt.date.today():
        problems.append(f"{where}: waiting_since = {item['waiting_since']!r} is in "
                        "the future; give the date the household was registered")
    people = item.get("members")
    if isinstance(people, list) and people \
            and all(isinstance(p, dict) for p in people):
        relations = [p.get("relationship", HEAD if j == 0 else None)
                     for j, p in enumerate(people)]
        heads = [j for j, r in enumerate(relations)
                 if isinstance(r, str) and r.strip() == HEAD]
        if len(heads) != 1:
            listed = (f" (members {', '.join(str(j) for j in heads)})"
                      if heads else "")
            problems.append(f"{where}: {len(heads)} members are marked {HEAD}"
                            f"{listed}; exactly one is needed: give the head "
                            f"relationship {HEAD} and the others theirs (配偶, 子, "
                            "女, ...)")
        numbers = [idnumber.normalise(p["id_number"])[0] for p in people
                   if isinstance(p.get("id_number"), str) and p["id_number"].strip()]
        for number in sorted({n for n in numbers if numbers.count(n) > 1}):
            problems.append(f"{where}: ID number {idnumber.mask(number)} is given "
                            "to two members; each person has their own")
    return problems


def _member_problems(item: dict, where: str) -> list[str]:
    """The values of a new household's member as the register importer
    checks a row: name, sex, birth date (not in the future), relationship,
    disability and, where given, the ID number (checked against both)."""
    problems = []
    if isinstance(item.get("name"), str) and not item["name"].strip():
        problems.append(f"{where}: name is empty; give the person's name (姓名)")
    birth = _iso_date(item.get("birth_date"))
    if birth is not None and birth > dt.date.today():
        problems.append(f"{where}: birth_date = {item['birth_date']!r} is in the "
                        "future; give the date of birth as YYYY-MM-DD")
    sex = item.get("sex")
    if isinstance(sex, str) and sex.strip().lower() not in SEXES:
        problems.append(f"{where}: sex = {sex!r}: write 男 or 女")
    relationship = item.get("relationship")
    if isinstance(relationship, str) and not relationship.strip():
        problems.append(f"{where}: relationship is empty; write 户主 for the head, "
                        "or 配偶, 子, 女, ... for the others")
    disability = item.get("disability")
    if isinstance(disability, str) and normalise_disability(disability.strip())[0] \
            is None:
        problems.append(f"{where}: disability: "
                        f"{normalise_disability(disability.strip())[1]}")
    number = item.get("id_number")
    if isinstance(number, str) and number.strip():
        number = idnumber.normalise(number)[0]
        sex_word = SEXES.get(sex.strip().lower()) if isinstance(sex, str) else None
        for message in idnumber.problems(number, birth, sex_word):
            problems.append(f"{where}: id_number: {message}")
    return problems


def _iso_date(value: Any) -> dt.date | None:
    """A YYYY-MM-DD text as a date (None when it is not one)."""
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


class _Rejected(dict):
    """A new facility, unit or household with problems reported already:
    its id (and a unit's site, a household's ID numbers) are still checked
    against the project and the other entries, so that every problem shows
    at once, but it is not added."""


def _usable(changes: Any) -> dict[str, Any]:
    """The entries of ``changes`` that passed :func:`change_problems`, for
    checking against the project too; a bad list entry becomes a
    :class:`_Rejected` (None when it is not even an object), so the others
    keep their places (and their numbers in messages)."""
    if not isinstance(changes, dict):
        return {}
    usable: dict[str, Any] = {}
    for key in ("add_facilities", "add_units", "add_households"):
        items = changes.get(key, [])
        if isinstance(items, list):
            usable[key] = [item if not _check_item(item, key, "") and (
                key != "add_households" or (item["members"] and not any(
                    _check_item(m, "members", "") for m in item["members"])))
                else _Rejected(item) if isinstance(item, dict) else None
                for item in items]
    closed = changes.get("close_facilities", [])
    if isinstance(closed, list):
        usable["close_facilities"] = [f if isinstance(f, str) else None
                                      for f in closed]
    for key in ("capacities", "catchments", "rules"):
        table = changes.get(key, {})
        if isinstance(table, dict):
            usable[key] = table
    if isinstance(usable.get("capacities"), dict):
        usable["capacities"] = {
            f: v for f, v in usable["capacities"].items()
            if isinstance(v, int) and not isinstance(v, bool) and v >= 0
            and range_problem("capacity", v) is None}
    if isinstance(usable.get("catchments"), dict):
        usable["catchments"] = {
            k: v for k, v in usable["catchments"].items()
            if k in KIND_NAMES and _catchment_ok(v)}
    if isinstance(usable.get("rules"), dict):
        usable["rules"] = {k: v for k, v in usable["rules"].items()
                           if k in DEFAULTS and not _rule_number_problems(v, "")}
    return usable


# --- the stored scenarios ---------------------------------------------------

def names(project: Project) -> list[str]:
    """Stored scenario names (an imported project has a row for the base)."""
    return project.scenarios["scenario"].tolist()


def changes_of(project: Project, name: str, *,
               path: str | Path | None = None) -> dict[str, Any]:
    """The changes of a stored scenario (``path``: the project file, named
    in the command a message gives, see :func:`project_word`)."""
    rows = project.scenarios[project.scenarios["scenario"] == name]
    if rows.empty:
        known = ", ".join(names(project)) or "none yet"
        ledger = project.ledger
        gone = ledger[(ledger["object"] == f"scenario {name}") & ledger["action"].isin(
            ("scenario promote", "scenario delete"))] if len(ledger) else ledger
        if len(gone):
            last = gone.iloc[-1]
            done = ("was promoted to the base" if last["action"] == "scenario promote"
                    else "was deleted")
            raise ScenarioError(
                f"scenario {name!r} {done} (ledger entry {int(last['entry'])}, "
                f"{str(last['time'])[:10]}), so it is no longer stored (scenarios: "
                f"{known}); to try it again, create it anew with `allocator "
                f"scenario new {project_word(path)} NAME ...`")
        raise ScenarioError(f"no scenario {name!r} (scenarios: {known}); create it "
                            f"with `allocator scenario new {project_word(path)} "
                            "NAME ...`")
    text = rows.iloc[0]["changes_json"]
    return json.loads(text) if isinstance(text, str) and text else {}


def name_problems(name: str) -> list[str]:
    """What is wrong with ``name`` as a scenario name (see :data:`NAME_RULE`);
    empty when it can be used (a name taken already is not checked here, nor
    the base's own name, which :func:`create` and a petition's ``--save-as``
    refuse in their words; ``Base`` and other spellings of it are refused
    here)."""
    hidden = sorted({c for c in name if c in _HIDDEN or unicodedata.category(c)
                     in ("Cc", "Zl", "Zp")})
    problems = []
    if hidden:
        shown = ", ".join(_CONTROL_NAMES.get(c, f"U+{ord(c):04X}") for c in hidden)
        problems.append(f"scenario name {name!r} has a control character "
                        f"({shown}); {NAME_RULE}")
    name = name.strip()
    if len(name) > NAME_MAX:
        problems.append(f"scenario name {name[:20]!r}... is {len(name)} characters "
                        f"long; {NAME_RULE}")
    if name and not name.strip("."):
        problems.append(f"scenario name {name!r} is only dots; {NAME_RULE}")
    if name.startswith("-"):
        problems.append(f"scenario name {name!r} starts with \"-\", which a "
                        "command line reads as an option (so `--scenario "
                        f"{shell_word(name)}` would fail); start it with a letter "
                        "or a digit")
    if name != BASE and unicodedata.normalize("NFKC", name).casefold() == BASE:
        problems.append(f"{name!r} cannot name a scenario: it is the base's name "
                        f"({BASE}) in other letters; choose another name")
    if name in BASE_WORDS:
        problems.append(f"{name!r} cannot name a scenario: the window and the "
                        "orders call the base so; choose another name")
    return problems


BASE_WORDS = ("基准", "基准方案")
"""What the window calls the base: no scenario may take these names."""


_CONTROL_NAMES = {"\n": "a newline", "\r": "a carriage return", "\t": "a tab",
                  "\x00": "a NUL", "\x1b": "an escape", "\x7f": "a delete"}


def shell_word(text: str) -> str:
    """``text`` as one word of a command to paste into a shell:
    :func:`shlex.quote`, which leaves plain words as they are; a word of
    letters (Chinese too) and digits with ``-_.,:/@%+=`` needs no quotes
    either."""
    if text and all(c.isalnum() or c in "-_.,:/@%+=" for c in text):
        return text
    return shlex.quote(text)


def project_word(path: str | Path | None) -> str:
    """The project file as one word of a command a message prints, so that
    pasting the command runs it: ``path`` quoted by :func:`shell_word` (with
    ``./`` before a relative path that starts with "-", which would be read
    as an option), or ``PROJECT`` when no path is known (the window)."""
    if path is None or str(path) == "":
        return "PROJECT"
    text = str(path)
    return shell_word(f"./{text}" if text.startswith("-") else text)


def create(project: Project, name: str, changes: dict[str, Any],
           description: str = "", reason: str = "", *, source: str | None = None,
           problems: list[str] | None = None,
           origins: dict[tuple[str, Any], str] | None = None) -> str:
    """Add a scenario after checking that its changes apply to the base.

    Every problem is reported at once: the shape and values of each entry
    and, for the entries that pass those, whether they apply to the base
    (ids that exist already or are given twice, unknown facilities and
    sites, rule values). ``source`` names the changes in messages (a file;
    default ``scenario NAME``); ``problems`` are ones found earlier (in
    reading the file, say) to report with the rest; ``origins`` names the
    entries given as options (see :func:`change_problems`). Returns the
    name stored (without spaces around it).

    Raises
    ------
    ScenarioError
        With ``problems`` listing every problem; nothing is changed.
    """
    if isinstance(changes, dict) and isinstance(changes.get("description"), str):
        # A changes file may say what it is for, as --description does.
        changes = dict(changes)
        written = changes.pop("description").strip()
        description = description or written
    found = name_problems(name)  # so that one round shows every problem
    name = name.strip()
    if found:
        pass
    elif not name or name == BASE:
        found.append(f"{name!r} cannot name a scenario; choose another name")
    elif name in names(project):
        found.append(f"scenario {name!r} exists; delete it first or choose "
                     "another name")
    source = source or f"scenario {name}"
    found += list(problems or []) + change_problems(changes, source, origins)
    try:
        apply_changes(project, _usable(changes), name, source=source,
                      origins=origins)
    except ScenarioError as exc:
        found += exc.problems
    if found:
        raise ScenarioError(found)
    row = {"scenario": name, "description": description,
           "created": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
           "changes_json": json.dumps(changes, ensure_ascii=False, sort_keys=True)}
    project.scenarios = pd.concat([project.scenarios, pd.DataFrame([row])],
                                  ignore_index=True)
    project.log("scenario new", f"scenario {name}", after=changes,
                reason=reason or description)
    return name


def delete(project: Project, name: str, reason: str = "", *,
           path: str | Path | None = None) -> None:
    """Remove a scenario and its allocation (its runs stay in the history).
    ``path``: the project file, named in the command a message gives."""
    if name == BASE:
        raise ScenarioError("the base cannot be deleted; promote a scenario to "
                            "replace it")
    changes = changes_of(project, name, path=path)
    project.scenarios = project.scenarios[project.scenarios["scenario"] != name]
    project.allocations = project.allocations[project.allocations["scenario"] != name]
    project.service_assignments = project.service_assignments[
        project.service_assignments["scenario"] != name]
    project.log("scenario delete", f"scenario {name}", before=changes,
                reason=reason or "allocator scenario delete")


def summary(project: Project) -> pd.DataFrame:
    """One row per scenario: name, description, created, what changes,
    status and ``out_of_date``: an :class:`OutOfDate` when its allocation
    was made against an earlier base, else None."""
    from allocator.kpis import allocation_run

    rows = []
    solved = set(project.allocations["scenario"]) - {BASE}
    stamp = base_stamp(project) if solved & set(project.scenarios["scenario"]) \
        else None  # worked out only when some scenario could be out of date
    for row in project.scenarios.itertuples():
        changes = changes_of(project, row.scenario)
        solved = project.allocations["scenario"].eq(row.scenario).any()
        rows.append({"scenario": row.scenario, "description": row.description or "",
                     "created": row.created,
                     # A petition trial changes no data: its condition is
                     # what it is (its description).
                     "changes": describe(changes) if changes or petition_trial(
                         project, row.scenario) is None else row.description,
                     # Of the run that made the stored allocation (a later
                     # solve stopped before its end stored nothing).
                     "status": allocation_run(project, row.scenario).get(
                         "status", "未求解") if solved else "未求解",
                     "out_of_date": out_of_date(project, row.scenario, stamp=stamp)})
    return pd.DataFrame(rows, columns=["scenario", "description", "created",
                                       "changes", "status", "out_of_date"])


def describe(changes: dict[str, Any]) -> str:
    """The changes in one line of Chinese."""
    parts = []
    for item in changes.get("add_facilities", []):
        parts.append(f"新增{item['name']}（{item['facility_id']}，容量{item['capacity']}）")
    for facility_id in changes.get("close_facilities", []):
        parts.append(f"关闭{facility_id}")
    for facility_id, value in changes.get("capacities", {}).items():
        parts.append(f"{facility_id}容量改为{value}")
    if changes.get("add_units"):
        parts.append(f"新增房源{len(changes['add_units'])}套")
    for kind, value in changes.get("catchments", {}).items():
        parts.append(f"{KIND_LABELS[KIND_NAMES[kind]]}服务半径改为{value:g} m")
    for key, value in changes.get("rules", {}).items():
        label = DEFAULTS[key].label if key in DEFAULTS else key
        parts.append(f"规则“{label}”改为{json.dumps(value, ensure_ascii=False)}")
    if changes.get("add_households"):
        parts.append(f"新增安置户{len(changes['add_households'])}户")
    return "；".join(parts) or "无变更"


# --- applying changes -------------------------------------------------------

def scenario_data(project: Project, name: str) -> Project:
    """The project as scenario ``name`` sees it (the base for "base")."""
    if name == BASE:
        return project
    data = apply_changes(project, changes_of(project, name), name)
    return with_priorities(data, _run_day(project, name))


def exit_rule_effects(project: Project, names: list[str],
                      today: dt.date) -> dict[str, Any]:
    """For each of ``names`` whose changes touch the exit rule, who
    qualifies for exit under its rule and under the base's
    (:class:`allocator.exits.ExitRuleEffect`), by name."""
    from allocator.exits import changes_exit_rule, exit_rule_effect

    effects = {}
    for name in names:
        if name == BASE or not changes_exit_rule(changes_of(project, name)):
            continue
        effect = exit_rule_effect(project, scenario_data(project, name), today)
        if effect is not None:
            effects[name] = effect
    return effects


def with_priorities(data: Project, today: dt.date) -> Project:
    """``data`` with every household's priority points as a solve on
    ``today`` computes them (its rules, its households), the way
    :func:`allocator.allocate.store_outcome` records them for the base: a
    scenario's allocation is then checked and explained with the points it
    was made with, new households and changed rules included."""
    from allocator.allocate import priority_scores

    points = priority_scores(data, today)
    data.households = data.households.copy()
    data.households["priority"] = data.households["household_id"].map(
        points).fillna(0).astype("int64")
    return data


def allocation_day(project: Project, name: str) -> dt.date:
    """The day scenario ``name``'s stored allocation was solved for (its
    run's --date; today when it has none)."""
    return _run_day(project, name)


def _run_day(project: Project, name: str) -> dt.date:
    """The day the run that made the scenario's stored allocation was
    solved for (its --date); today when it has none yet."""
    rows = project.allocations[project.allocations["scenario"] == name]
    if len(rows):
        runs = project.runs[project.runs["run_id"] == rows["run_id"].iloc[0]]
        day = _iso_date(runs.iloc[-1]["today"]) if len(runs) else None
        if day is not None:
            return day
    return dt.date.today()


def apply_changes(project: Project, changes: dict[str, Any], name: str,
                  source: str | None = None,
                  origins: dict[tuple[str, Any], str] | None = None) -> Project:
    """A copy of ``project`` with ``changes`` applied; the base is untouched.

    Raises :class:`ScenarioError` with every change that does not apply
    (``source`` names the changes in messages, ``origins`` the entries
    given as options). A None in a list of new items is a bad entry
    reported already, skipped here.
    """
    data = copy.copy(project)
    data.rules = copy.deepcopy(project.rules)
    problems: list[str] = []
    where = source or f"scenario {name}"

    facilities = project.facilities.copy()
    known = set(facilities["facility_id"])
    given: dict[str, int] = {}
    new_rows = []
    for i, item in enumerate(changes.get("add_facilities", [])):
        if item is None or not _given_id(item, "facility_id"):
            continue
        entry = _at(where, "add_facilities", i, item, origins)
        if item["facility_id"] in given:
            problems.append(f"{entry}: facility_id {item['facility_id']!r} is given "
                            f"twice (also add_facilities[{given[item['facility_id']]}]"
                            "); give each new facility its own id")
            continue
        if item["facility_id"] in known:
            problems.append(f"{entry}: facility_id {item['facility_id']!r} exists "
                            "already; give the new facility another id, or change "
                            "the existing one with capacities")
            continue
        known.add(item["facility_id"])
        given[item["facility_id"]] = i
        if isinstance(item, _Rejected):
            continue  # its capacities and closing are not "no such facility"
        kind = KIND_NAMES[item["kind"]]
        new_rows.append({"facility_id": item["facility_id"], "name": item["name"],
                         "kind": kind, "type_label": item["kind"],
                         "capacity": int(item["capacity"]), "note": f"方案{name}新增",
                         "geometry": Point(float(item["lon"]), float(item["lat"]))})
    if new_rows:
        facilities = pd.concat([facilities, gpd.GeoDataFrame(
            new_rows, geometry="geometry", crs="EPSG:4490").to_crs(facilities.crs)],
            ignore_index=True)
    for facility_id, value in changes.get("capacities", {}).items():
        if facility_id not in known:
            problems.append(f"{_at(where, 'capacities', facility_id, None, origins)}"
                            ": no such facility; use a facility id (设施编号) of "
                            "the project or of add_facilities"
                            + did_you_mean(facility_id, known))
            continue
        facilities.loc[facilities["facility_id"] == facility_id, "capacity"] = value
    closed = [f for f in changes.get("close_facilities", []) if f is not None]
    for i, facility_id in enumerate(changes.get("close_facilities", [])):
        if facility_id is not None and facility_id not in known:
            problems.append(f"{_at(where, 'close_facilities', i, None, origins)}: "
                            f"no facility {facility_id!r}; use a facility id "
                            "(设施编号) of the project"
                            + did_you_mean(facility_id, known))
    data.facilities = facilities[~facilities["facility_id"].isin(closed)].reset_index(
        drop=True)
    left = set(data.facilities["kind"])
    for kind, value in changes.get("catchments", {}).items():
        gone = facilities.loc[facilities["facility_id"].isin(closed)
                              & facilities["kind"].eq(KIND_NAMES[kind]), "facility_id"]
        if KIND_NAMES[kind] not in left and len(gone):
            problems.append(
                f"{_valued(where, 'catchments', kind, value, origins)}: changes the "
                f"{KIND_NAMES[kind]} catchment, but close_facilities closes every "
                f"{KIND_NAMES[kind]} ({', '.join(sorted(gone))}); either keep one "
                "open or leave the catchment as it is")

    units = project.housing_units
    unit_ids = set(units["unit_id"])
    site_ids = set(project.sites["site_id"])
    unit_rows = []
    given = {}
    for i, item in enumerate(changes.get("add_units", [])):
        if item is None:
            continue
        entry = _at(where, "add_units", i, item, origins)
        bad = isinstance(item, _Rejected)
        if not _given_id(item, "unit_id"):
            pass  # reported already
        elif item["unit_id"] in given:
            problems.append(f"{entry}: unit_id {item['unit_id']!r} is given twice "
                            f"(also add_units[{given[item['unit_id']]}]); give each "
                            "new unit its own id")
            bad = True
        elif item["unit_id"] in unit_ids:
            problems.append(f"{entry}: unit_id {item['unit_id']!r} exists already; "
                            "give the new unit another id")
            bad = True
        if isinstance(item.get("site_id"), str) and item["site_id"] not in site_ids:
            problems.append(f"{entry}: site_id {item['site_id']!r}: no such site; "
                            f"use one of {', '.join(sorted(site_ids))}")
            bad = True
        if _given_id(item, "unit_id"):
            given.setdefault(item["unit_id"], i)
        if bad:
            continue
        unit_ids.add(item["unit_id"])
        unit_rows.append({
            "unit_id": item["unit_id"], "site_id": item["site_id"],
            "building": item.get("building", "新增"), "floor": item.get("floor", 1),
            "area_m2": float(item["area_m2"]),
            "accessible": bool(item.get("accessible", False)), "status": "vacant",
            "household_id": None, "placed_on": None,
            "geometry": Point(float(item["lon"]), float(item["lat"]))})
    data.housing_units = units if not unit_rows else pd.concat(
        [units, gpd.GeoDataFrame(unit_rows, geometry="geometry",
                                 crs="EPSG:4490").to_crs(units.crs)],
        ignore_index=True)

    rules = dict(changes.get("rules", {}))
    for key in MERGED_RULES & set(rules):
        if isinstance(rules[key], dict) and isinstance(data.rules.get(key), dict):
            rules[key] = {**data.rules[key], **rules[key]}
    if changes.get("catchments"):
        catchment = dict(rules.get("catchment_walk_m",
                                   data.rules["catchment_walk_m"]))
        for kind, value in changes["catchments"].items():
            catchment[KIND_NAMES[kind]] = value
        rules["catchment_walk_m"] = catchment
    data.rules.update(rules)
    for problem in rule_problems(data.rules):
        # "detour_factor: ..." names the rule; as rules.detour_factor it
        # reads like the file's other entries.
        key = problem.split(":", 1)[0]
        named = key.split(".", 1)[0] in data.rules and " " not in key
        problems.append(f"{where}: rules{'.' if named else ': '}{problem}")

    households, members = _added_households(project, changes, where, problems,
                                            origins)
    if households:
        data.households = pd.concat([project.households, pd.DataFrame(households)],
                                    ignore_index=True)
        data.members = pd.concat([project.members, pd.DataFrame(members)],
                                 ignore_index=True)
    if problems:
        raise ScenarioError(problems)
    return data


def _added_households(project, changes, where, problems, origins=None):
    """The rows of the new households and their members, with values
    written as the importer stores them (性别 男/女, 残疾 type and grade or
    无); an ID number held by a person of the project already is refused."""
    households, members = [], []
    known = set(project.households["household_id"])
    accessible = set(project.rules["accessible_disabilities"])
    numbers = {n: h for n, h in zip(project.members["id_number"],
                                    project.members["household_id"])
               if isinstance(n, str) and n}
    given: dict[str, int] = {}
    for i, item in enumerate(changes.get("add_households", [])):
        if item is None:
            continue
        rejected = isinstance(item, _Rejected)
        household_id = item.get("household_id")
        entry = _at(where, "add_households", i, item, origins)
        if not _given_id(item, "household_id"):
            household_id = None  # reported already; its members still count
        elif household_id in given:
            problems.append(f"{entry}: household_id {household_id!r} is given twice "
                            f"(also add_households[{given[household_id]}]); give "
                            "each new household its own id")
            rejected = True
        elif household_id in known:
            problems.append(f"{entry}: household_id {household_id!r} exists "
                            "already; give the new household another id")
            rejected = True
        else:
            known.add(household_id)
            given[household_id] = i
        people = item.get("members")
        people = people if isinstance(people, list) else []
        own = set()  # two members with one number: _household_problems says so
        for j, person in enumerate(people):
            text = person.get("id_number") if isinstance(person, dict) else None
            number = idnumber.normalise(text)[0] if isinstance(text, str) else ""
            if not number:
                continue
            if number in numbers:
                problems.append(
                    f"{entry}: {_entry('members', j, person)}: ID number "
                    f"{idnumber.mask(number)} belongs to a member of household "
                    f"{numbers[number]} already; check the number")
                rejected = True
            own.add(number)
        if household_id is not None:
            numbers.update(dict.fromkeys(own, household_id))
        if rejected:
            continue
        disabilities = [normalise_disability(
            (p.get("disability") or "").strip())[0] for p in people]
        households.append({
            "household_id": household_id, "size": len(people),
            "category": item["category"], "priority": 0,
            "origin_village": None, "origin_township": None,
            "current_township": None,
            # Not given: unknown, as an empty cell of the register (no
            # low-income points), not an income of 0.
            "annual_income": float(item["annual_income"])
            if item.get("annual_income") is not None else float("nan"),
            "stable_job_years": float(item.get("stable_job_years", 0)),
            "waiting_since": item.get("waiting_since"),
            "needs_accessible": bool(set(disabilities) & accessible)})
        for j, (person, disability) in enumerate(zip(people, disabilities)):
            number = idnumber.normalise(person.get("id_number") or "")[0] or None
            members.append({
                "member_id": f"{household_id}-{j + 1:02d}",
                "household_id": household_id, "name": person["name"].strip(),
                "id_number": number,
                "birth_date": person["birth_date"],
                "sex": SEXES[person["sex"].strip().lower()],
                "relationship": person.get("relationship",
                                           HEAD if j == 0 else "其他").strip(),
                "disability": disability})
    return households, members


# --- solving, comparing, promoting ------------------------------------------

def base_is_reallocation(project: Project) -> bool:
    """Whether the base's allocation was made by a reallocation (exits' and
    vacant units given to the waiting list, households placed before kept)."""
    run_id = _base_run(project)
    runs = project.runs[project.runs["run_id"] == run_id] if run_id \
        else project.runs[:0]
    if runs.empty:
        return False
    try:
        options = json.loads(runs["options_json"].iloc[-1] or "{}")
    except (TypeError, ValueError):
        return False
    return bool(isinstance(options, dict) and options.get("reallocation"))


def solve(project: Project, name: str, *, checked: bool = False, **options):
    """Solve scenario ``name`` on its own data and store its allocation under
    its name; the base's data and allocation are not touched. A petition
    trial is refused, and so is a solve :func:`refuse_unsolvable` stops
    (``checked``: the caller ran that check already).

    When the base's allocation is a reallocation, the scenario is solved the
    same way, from the base's allocation: households placed in the base keep
    their units (and their school places and clinics where the scenario
    still has room for them), and the units left go to the waiting list, so
    that the comparison with the base shows what the change does and not a
    new allocation of every household not yet moved in.
    """
    from allocator.allocate import (
        build_instance,
        solve_project,
        store_outcome,
        without_partial_allocation,
    )
    from allocator.reallocate import _homes

    today = options.pop("today", None) or dt.date.today()
    if not checked:  # the window checks before it starts the job
        refuse_unsolvable(project, name, today)
    data = scenario_data(project, name)
    made = made_against(project)  # the base this allocation is made against
    if base_is_reallocation(project):
        return _solve_as_reallocation(project, name, data, made, today, options)
    instance = build_instance(data, today)
    base = project.allocations[(project.allocations["scenario"] == "base")
                               & (project.allocations["kind"] == "allocated")]
    if len(base):
        # Among equally good answers, the one closest to the base (units,
        # then school places and clinic registrations): the diff then shows
        # what the change does, not a reshuffle of equals.
        _homes(instance, data, dict(zip(base["household_id"], base["unit_id"])))
        instance.problem.home_is_tiebreak = True
        instance.problem.home_places = _base_places(
            instance, project.service_assignments[
                project.service_assignments["scenario"] == BASE])
    outcome = solve_project(data, scenario=name, today=today, instance=instance,
                            **options)
    # Stopped before its last level (time limit, Ctrl-C): the run is
    # recorded, the scenario's previous allocation stays.
    outcome = without_partial_allocation(outcome, project)
    stamp_run(outcome.run, made)
    priority = project.households["priority"].copy()
    store_outcome(project, outcome)
    # The base keeps its own points; the scenario's, as this run computed
    # them, come back with scenario_data (with_priorities on the run's day).
    project.households["priority"] = priority
    return outcome


def refuse_unsolvable(project: Project, name: str,
                      today: dt.date | None = None, *,
                      path: str | Path | None = None) -> None:
    """Stop a solve of scenario ``name`` that would not do what a planner
    asks, saying what to do: a petition trial (see
    :func:`refuse_petition_solve`); on a reallocated base, a base whose data
    holds changes its allocation does not yet, or households whose allocated
    unit no longer fits them in the scenario."""
    from allocator.reallocate import outgrown_units, previous_allocation

    refuse_petition_solve(project, name, path=path)
    if not base_is_reallocation(project):
        return
    today = today or dt.date.today()
    pending = _base_pending(project, today)
    if pending:
        raise ScenarioError(
            f"scenario {name!r}: the base's allocation is a reallocation, and "
            f"{' and '.join(pending)}; solved now, the scenario would show that "
            "beside its own change. Run `allocator reallocate "
            f"{project_word(path)}` first (households already housed keep their "
            "units), then solve the scenario")
    data = scenario_data(project, name)
    outgrown = outgrown_units(data, previous_allocation(data, BASE), today)
    if outgrown:
        raise ScenarioError(
            f"scenario {name!r}: the base's allocation is a reallocation, and "
            f"{len(outgrown)} household(s) allocated in it no longer fit their "
            "unit after a register update (" + "; ".join(
                o.text() for o in outgrown[:5]) + (" …" if len(outgrown) > 5 else "")
            + f"); run `allocator reallocate {project_word(path)} --scenario "
            f"{shell_word(name)} --allow-moves` to re-house them in the scenario")


def _solve_as_reallocation(project: Project, name: str, data: Project,
                           made: dict[str, Any], today: dt.date, options: dict):
    """:func:`solve` of a scenario of a reallocated base (its checks made by
    :func:`refuse_unsolvable`)."""
    from allocator.allocate import store_outcome
    from allocator.reallocate import reallocate, store_reallocation

    result = reallocate(data, scenario=name, today=today, start=BASE, **options)
    outcome = result.outcome
    stamp_run(outcome.run, made)
    priority = project.households["priority"].copy()
    if result.solved:
        store_reallocation(project, result, reason=(
            f"scenario {name} solved as a reallocation of the base"))
    else:
        store_outcome(project, outcome)  # the failed run is recorded
    project.households["priority"] = priority
    outcome.changes = result.changes
    return outcome


def _base_pending(project: Project, today: dt.date) -> list[str]:
    """What the base's data holds that its allocation does not yet: a
    register update logged after it, units freed by exits since."""
    from allocator.export import register_update_after
    from allocator.reallocate import freed_units, previous_allocation

    pending = []
    runs = project.runs[project.runs["run_id"] == _base_run(project)]
    updated = register_update_after(project, runs.iloc[-1].to_dict()) \
        if len(runs) else None
    if updated is not None:
        pending.append(f"the register was updated after it (ledger entry "
                       f"#{updated[0]}, {updated[1]})")
    freed = freed_units(project, previous_allocation(project, BASE), today)
    if freed:
        pending.append(f"exits have freed {len(freed)} unit(s) since")
    return pending


def _base_places(instance, services: pd.DataFrame
                 ) -> dict[int, list[tuple[int, int]]]:
    """The base's place of each service group of the scenario, household ->
    [(group, facility)], for the "kept" tie-break (``home_places`` of a
    what-if): a group whose members all had a place at one facility that is
    still one of its candidates (a closed facility is not)."""
    placed = services.dropna(subset=["facility_id"])
    facility_of = {(m, k): f for m, k, f in zip(
        placed["member_id"], placed["kind"], placed["facility_id"])}
    position = {f: i for i, f in enumerate(instance.facility_ids)}
    places: dict[int, list[tuple[int, int]]] = {}
    for g, group in enumerate(instance.problem.groups):
        kind = instance.group_kind[g]
        stored = {facility_of.get((m, kind)) for m in instance.group_members[g]}
        if len(stored) != 1 or None in stored:
            continue
        f = position.get(stored.pop())
        if f is not None and f in group.facilities:
            places.setdefault(group.household, []).append((g, f))
    return places


@dataclass
class Comparison:
    """Scenarios side by side.

    ``kpis``: one row per key figure, one column per scenario, then one
    column per later scenario with its difference from the first.
    ``households``: the households whose allocation differs, with the unit
    (None: none, waiting; ``NOT_IN``: not in that scenario, which another
    compared scenario adds it to) and the service places in each scenario
    and ``differences``, what
    differs in one line (the unit; each place by member, kind and
    facility, old → new). ``features``: a GeoDataFrame with, per differing
    household, a point at its unit in each scenario and a line between them
    where the unit differs (CGCS2000), each with the household's
    ``differences``. ``details``: per differing household, the items of
    its differences (see :func:`_household_differences`).
    """

    names: list[str]
    kpis: pd.DataFrame
    households: pd.DataFrame
    features: gpd.GeoDataFrame
    details: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def differences_of(self, household_id: str, language: str = "zh_CN") -> str:
        """What differs for ``household_id`` in one line of ``language``
        ("zh_CN" or "en"); empty when nothing does."""
        return difference_text(self.details.get(household_id, []), language)

    def to_json(self) -> str:
        """The comparison as JSON: the scenarios compared, the key figures
        (one object per column of ``kpis``, by key) and the differing
        households, each with its unit per scenario, what differs as items
        and as one line."""
        households = []
        for record in self.households.to_dict("records"):
            household_id = record["household_id"]
            households.append({
                "household_id": household_id,
                "units": {n: record[f"unit[{n}]"] for n in self.names},
                "unit_changed": bool(record["unit_changed"]),
                "differences": self.details.get(household_id, []),
                "text": record["differences"]})
        document = {"scenarios": list(self.names),
                    "kpis": json.loads(self.kpis.to_json()),
                    "households": households}
        return json.dumps(document, ensure_ascii=False, indent=2)

    def kpi_labels(self, language: str = "zh_CN") -> list[str]:
        """The names of the rows of ``kpis`` as planners read them (Chinese,
        or English for the English window); ``kpis`` keeps the keys, which
        JSON and CSV files write."""
        from allocator.kpis import kpi_label

        return [kpi_label(str(key), language) for key in self.kpis.index]

    def labelled_kpis(self, language: str = "zh_CN") -> pd.DataFrame:
        """``kpis`` with the rows named by :meth:`kpi_labels`."""
        return self.kpis.set_axis(self.kpi_labels(language), axis=0)

    def to_geojson(self, path: Path) -> Path:
        """Write the difference features as GeoJSON (opens in any GIS)."""
        from allocator.export import write_private_text

        frame = self.features.to_crs("EPSG:4326")
        return write_private_text(Path(path), frame.to_json(ensure_ascii=False,
                                                            drop_id=True))


KPI_KEYS = ("households", "housed_existing", "housed_new", "waiting",
            "exited", "registered_since", "residents_housed",
            "existing_without_place", "kindergarten_placed", "kindergarten_coverage",
            "primary_placed", "primary_coverage", "junior_placed", "junior_coverage",
            "clinic_registered", "clinic_coverage", "walk_mean_m", "walk_max_m",
            "sibling_splits", "wish_first_choice", "wish_any_ranked",
            "low_floor_granted", "village_groups_together",
            "village_households_together")
# Rows shown only when some scenario counts them (a register without wishes
# or village groups has none).
WHEN_COUNTED = ("wish_first_choice", "wish_any_ranked", "low_floor_granted",
                "village_groups_together", "village_households_together")


def compare(project: Project, scenario_names: list[str], *,
            path: str | Path | None = None) -> Comparison:
    """Key figures, differing households and a map of the differences.
    ``path``: the project file, named in the commands messages give."""
    from allocator.kpis import OPTIONAL_ROWS, compute_kpis

    if len(scenario_names) < 2:
        raise ScenarioError("compare needs two or more scenarios (base counts)")
    twice = sorted({n for n in scenario_names if scenario_names.count(n) > 1})
    if twice:
        raise ScenarioError(
            f"{', '.join(repr(n) for n in twice)} is named more than once; there is "
            "nothing to compare with itself: name two different scenarios (one "
            "name alone is compared with base)")
    datas = {}
    for name in scenario_names:
        if name != BASE:
            changes_of(project, name, path=path)  # refuses an unknown name
        data = scenario_data(project, name)
        if not project.allocations["scenario"].eq(name).any():
            raise ScenarioError(f"scenario {name!r} has no allocation; run "
                                f"`allocator solve {project_word(path)} --scenario "
                                f"{shell_word(name)}` first")
        datas[name] = data

    table, figures = {}, {}
    for name, data in datas.items():
        figures[name] = compute_kpis(data, name)["overall"]
    # The rows of households that exited or were registered after an
    # allocation, where one counts any, so that the household rows add up.
    keys = [key for key in KPI_KEYS
            if key not in OPTIONAL_ROWS + WHEN_COUNTED
            or any(overall.get(key) for overall in figures.values())]
    for name, overall in figures.items():
        table[name] = [overall.get(key) for key in keys]
    kpis = pd.DataFrame(table, index=keys)
    first = scenario_names[0]
    for name in scenario_names[1:]:
        kpis[f"{name} − {first}"] = [
            None if a is None or b is None else round(b - a, 4)
            for a, b in zip(kpis[first], kpis[name])]

    unit_of, places = {}, {}
    for name in scenario_names:
        rows = project.allocations[project.allocations["scenario"] == name]
        unit_of[name] = {h: (u if isinstance(u, str) else None)
                         for h, u in zip(rows["household_id"], rows["unit_id"])}
        services = project.service_assignments[
            project.service_assignments["scenario"] == name]
        grouped: dict[str, dict[tuple[str, str], str | None]] = {}
        for row in services.itertuples():
            facility = row.facility_id if isinstance(row.facility_id, str) else None
            grouped.setdefault(row.household_id, {})[(row.member_id, row.kind)] = \
                facility
        places[name] = grouped
    facility_names, member_names = _names(project, datas)
    everyone = sorted(set().union(*(set(u) for u in unit_of.values())))
    rows, details = [], {}
    for household_id in everyone:
        units = [unit_of[n][household_id] if household_id in unit_of[n] else NOT_IN
                 for n in scenario_names]
        served = [places[n].get(household_id, {}) for n in scenario_names]
        found = _household_differences(units, served, facility_names, member_names)
        if not found:
            continue
        details[household_id] = found
        row = {"household_id": household_id}
        for n, unit, service in zip(scenario_names, units, served):
            row[f"unit[{n}]"] = unit
            row[f"services[{n}]"] = ";".join(
                f"{member}:{kind}:{facility or '—'}"
                for (member, kind), facility in sorted(service.items()))
        row["unit_changed"] = len(set(units)) > 1
        row["differences"] = difference_text(found)
        rows.append(row)
    columns = ["household_id"] + [f"{k}[{n}]" for n in scenario_names
                                  for k in ("unit", "services")] + [
        "unit_changed", "differences"]
    households = pd.DataFrame(rows, columns=columns).astype(object)
    households = households.where(households.notna(), None)
    return Comparison(list(scenario_names), kpis, households,
                      _features(datas, scenario_names, households), details)


NOT_IN = ""
"""The unit of a household in a scenario that does not have it (one that
another compared scenario adds), beside None: in it, without a unit."""


def unit_words(unit: str | None, language: str = "zh_CN") -> str:
    """A household's unit in one scenario of a comparison, as shown."""
    words = _WORDS["en" if language == "en" else "zh_CN"]
    return words["absent"] if unit == NOT_IN else (unit or words["waiting"])


def _names(project: Project, datas: dict[str, Project]
           ) -> tuple[dict[str, str], dict[str, str]]:
    """Facility and member names of the base and every compared scenario
    (a facility a scenario closes keeps its base name; one it adds has the
    name it was given)."""
    facilities: dict[str, str] = {}
    members: dict[str, str] = {}
    for data in (project, *datas.values()):
        facilities.update((f, str(n)) for f, n in zip(
            data.facilities["facility_id"], data.facilities["name"])
            if isinstance(n, str) and n.strip())
        members.update((m, str(n)) for m, n in zip(
            data.members["member_id"], data.members["name"])
            if isinstance(n, str) and n.strip())
    return facilities, members


def _household_differences(units: list[str | None],
                           served: list[dict[tuple[str, str], str | None]],
                           facility_names: dict[str, str],
                           member_names: dict[str, str]) -> list[dict[str, Any]]:
    """What differs for one household across the compared scenarios: its
    unit, and each member's place of each kind (None: no place, or waiting).

    Each item has ``what`` ("unit" or a facility kind), ``values`` (one per
    scenario, in their order) and, for a place, ``member_id``,
    ``member_name`` and ``names`` (the facilities' names, None for none).
    """
    found: list[dict[str, Any]] = []
    if len(set(units)) > 1:
        found.append({"what": "unit", "values": list(units)})
    wanted = sorted(set().union(*(set(s) for s in served)),
                    key=lambda key: (key[0], _KIND_ORDER.get(key[1], 9), key[1]))
    for member_id, kind in wanted:
        values = [s.get((member_id, kind)) for s in served]
        if len(set(values)) == 1:
            continue
        found.append({"what": kind, "member_id": member_id,
                      "member_name": member_names.get(member_id),
                      "values": values,
                      "names": [facility_names.get(v) if v else None
                                for v in values]})
    return found


_KIND_ORDER = {kind: i for i, kind in enumerate(FACILITY_KINDS)}
_WORDS = {
    "zh_CN": {"unit": "房号", "waiting": "轮候", "absent": "无此户", "none": "无",
              "sep": "；",
              "colon": "：", "named": "{name}（{id}）", "and": "、",
              **KIND_LABELS},
    "en": {"unit": "unit", "waiting": "waiting", "absent": "not in it",
           "none": "none", "sep": "; ",
           "colon": ": ", "named": "{name} ({id})", "and": ", ",
           "kindergarten": "kindergarten", "primary": "primary school",
           "junior": "junior middle school", "clinic": "clinic"},
}


def difference_text(found: list[dict[str, Any]], language: str = "zh_CN") -> str:
    """One household's differences in one line (the parts of
    :func:`difference_lines` joined)."""
    words = _WORDS["en" if language == "en" else "zh_CN"]
    return words["sep"].join(difference_lines(found, language))


def difference_lines(found: list[dict[str, Any]],
                     language: str = "zh_CN") -> list[str]:
    """One household's differences, one part per unit or place change, the
    scenario values joined by arrows in the order compared; members with
    the same change share a part::

        房号：轮候 → B-202
        H0-03 吉克拉且、H0-04 吉克阿果 幼儿园：第一幼儿园（K1） → 无
    """
    words = _WORDS["en" if language == "en" else "zh_CN"]
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for item in found:
        groups.setdefault((item["what"], tuple(item["values"])), []).append(item)
    parts = []
    for (what, _), items in groups.items():
        item = items[0]
        if what == "unit":
            values = [unit_words(v, language) for v in item["values"]]
            parts.append(words["unit"] + words["colon"] + " → ".join(values))
            continue
        values = [words["named"].format(name=name, id=value) if name
                  else (value or words["none"])
                  for value, name in zip(item["values"], item["names"])]
        who = words["and"].join(
            m["member_id"] + (f" {m['member_name']}" if m.get("member_name")
                              else "") for m in items)
        label = words.get(what, what)
        parts.append(f"{who} {label}{words['colon']}" + " → ".join(values))
    return parts


def _given_id(item: dict, name: str) -> bool:
    """Whether ``item`` gives its id ``name`` as non-empty text (a missing
    or wrong id is reported by :func:`change_problems`)."""
    value = item.get(name)
    return isinstance(value, str) and bool(value.strip())


def _features(datas, scenario_names, households) -> gpd.GeoDataFrame:
    points = {}
    for data in datas.values():
        points.update(zip(data.housing_units["unit_id"],
                          data.housing_units.geometry.to_crs("EPSG:4490")))
    records = []
    for record in households.to_dict("records"):
        units = [record[f"unit[{n}]"] for n in scenario_names]
        for name, unit in zip(scenario_names, units):
            if unit in points:
                records.append({"household_id": record["household_id"],
                                "scenario": name, "unit_id": unit, "kind": "unit",
                                "differences": record["differences"],
                                "geometry": points[unit]})
        located = [points[u] for u in units if u in points]
        if record["unit_changed"] and len(located) >= 2:
            records.append({"household_id": record["household_id"],
                            "scenario": " → ".join(scenario_names),
                            "unit_id": " → ".join(unit_words(u) for u in units),
                            "kind": "move", "differences": record["differences"],
                            "geometry": LineString(located)})
    return gpd.GeoDataFrame(
        records, columns=["household_id", "scenario", "unit_id", "kind",
                          "differences", "geometry"],
        geometry="geometry", crs="EPSG:4490")


def units_taken(project: Project, name: str) -> list[tuple[str, str, str]]:
    """(household, its unit in the base, its unit in scenario ``name`` or
    "") of every household that holds a unit in the base's allocation and
    another or none in the scenario's, exits aside: what promoting it takes
    away or changes on orders already given (a scenario of a base solved
    afresh is solved afresh too, so it may give their units to others:
    households it adds that outrank them, moving others).
    Empty for a petition trial, which named every household it changes when
    it was tried."""
    if petition_trial(project, name) is not None:
        return []
    allocations = project.allocations

    def held(scenario: str) -> pd.Series:
        rows = allocations[(allocations["scenario"] == scenario)
                           & allocations["unit_id"].notna()
                           & (allocations["unit_id"].astype(str) != "")]
        return rows.drop_duplicates("household_id").set_index(
            "household_id")["unit_id"]

    base, scenario = held(BASE), held(name)
    leaving = set(project.exits["household_id"].astype(str))  # exits free units
    return sorted((str(h), str(u), str(scenario.get(h, "")))
                  for h, u in base.items()
                  if str(scenario.get(h, "")) != str(u) and str(h) not in leaving)


def without_id_numbers(project: Project) -> list[str]:
    """Households of the register with a member who has no ID number
    (身份证号): only households a promoted scenario added can be so, as the
    register's importer refuses an empty number. Their orders and the public
    notice print a dash in its place."""
    members = project.members
    if members.empty or "id_number" not in members:
        return []
    blank = members["id_number"].isna() | (
        members["id_number"].astype(str).str.strip() == "")
    return sorted(set(members.loc[blank, "household_id"].astype(str)))


def promote(project: Project, name: str, reason: str = "", *,
            path: str | Path | None = None, taking_units: bool = True) -> None:
    """Make scenario ``name`` the base: its data and its allocation; the
    scenario is removed (its changes are now part of the base). ``path``:
    the project file, named in the commands messages give. Without
    ``taking_units``, refused when households housed in the base would lose
    or change their unit (see :func:`units_taken`), unless a petition trial
    made the scenario (the trial named them)."""
    from allocator.export import EXPORTABLE

    if name == BASE:
        raise ScenarioError("the base is the base already; name a scenario")
    petition = petition_trial(project, name)
    changes = changes_of(project, name, path=path)
    rows = project.allocations[project.allocations["scenario"] == name]
    runs = project.runs[project.runs["scenario"] == name]
    producing = runs[runs["run_id"].isin(set(rows["run_id"]))]
    if rows.empty or producing.empty \
            or producing.iloc[-1]["status"] not in EXPORTABLE:
        raise ScenarioError(f"scenario {name!r} has no allocation to promote; run "
                            f"`allocator solve {project_word(path)} --scenario "
                            f"{shell_word(name)}` first")
    stale = out_of_date(project, name, check=True)
    if stale is not None:
        raise ScenarioError(f"scenario {name!r} cannot be promoted: "
                            f"{stale.text(path)}")
    taken = [] if taking_units else units_taken(project, name)
    petitioner = (petition or {}).get("household")
    if petitioner and not taking_units:
        base_unit = _unit_of(project, BASE, petitioner)
        if base_unit is not None and _unit_of(project, name, petitioner) is None:
            raise ScenarioError(
                f"promoting petition trial {name!r} puts household {petitioner} "
                f"on the waiting list: it loses {base_unit}, and the trial found "
                "no unit for it that the petition allows. Nothing changed; add "
                "--force to promote it anyway")
    if taken:
        shown = ", ".join(f"{h} ({u} → {v or 'none'})" for h, u, v in taken[:10])
        more = f" and {len(taken) - 10} more" if len(taken) > 10 else ""
        raise ScenarioError(
            f"promoting scenario {name!r} takes or changes the unit of "
            f"{len(taken)} household(s) housed in the base: {shown}{more} "
            f"(`allocator scenario diff {project_word(path)} {shell_word(name)}` "
            "shows them): a scenario solved afresh may give their units to "
            "others. Nothing changed; add --force to promote it anyway")
    data = scenario_data(project, name)
    before = {"base_run": _base_run(project)}
    from allocator.allocate import base_placements, mark_changed_units

    # What each household had in the base: the promote marks those it
    # changes, as a solve afresh does, so that their orders say why and
    # `export --changed` prints them (a petition trial marked its own).
    placed_before = None if petition is not None else base_placements(project)
    # Who gets another unit (or none) by the promote, for the ledger: a
    # household's own history names the promote that moved it.
    base_rows = project.allocations[project.allocations["scenario"] == BASE]
    unit_before = {h: (u if isinstance(u, str) else None) for h, u in zip(
        base_rows["household_id"].tolist(), base_rows["unit_id"].tolist())}
    moved = {h: {"unit_before": unit_before.get(h),
                 "unit_after": u if isinstance(u, str) else None}
             for h, u in zip(rows["household_id"].tolist(), rows["unit_id"].tolist())
             if unit_before.get(h) != (u if isinstance(u, str) else None)}
    for table in ("facilities", "housing_units", "households", "members"):
        setattr(project, table, getattr(data, table).reset_index(drop=True))
    project.rules = data.rules
    run = producing.iloc[[-1]].copy()
    run["scenario"] = BASE
    run["message"] = f"promoted from scenario {name}"
    project.runs = pd.concat([project.runs, run], ignore_index=True)
    keep = project.allocations["scenario"] != BASE
    promoted = rows.assign(scenario=BASE)
    if petition:
        # The petition is settled, no longer a trial: its household's reason
        # says so in the table as on its order.
        for column in ("reason", "change"):
            if column in promoted.columns:
                promoted[column] = [
                    v.replace("信访试算：", "信访处理：", 1)
                    if isinstance(v, str) else v for v in promoted[column].tolist()]
    project.allocations = pd.concat([project.allocations[keep], promoted],
                                    ignore_index=True)
    services = project.service_assignments
    promoted_services = services[services["scenario"] == name].assign(scenario=BASE)
    project.service_assignments = pd.concat(
        [services[services["scenario"] != BASE], promoted_services],
        ignore_index=True)
    project.scenarios = project.scenarios[project.scenarios["scenario"] != name]
    project.allocations = project.allocations[project.allocations["scenario"] != name]
    project.service_assignments = project.service_assignments[
        project.service_assignments["scenario"] != name]
    changed = [] if petition or placed_before is None else mark_changed_units(
        project, placed_before, cause="按调整后的方案", label="采用方案", log=False)
    # Households that keep their unit but not their school places or clinics
    # (a kindergarten closed): counted, so that the promote says so.
    services = sorted(h for h, _was, _now, kind in changed if kind == "service")
    project.log("scenario promote", f"scenario {name}", before=before,
                after={"changes": changes, "run_id": run.iloc[0]["run_id"],
                       "households": {h: ("轮候" if not d["unit_after"]
                                          else "另分房屋" if d["unit_before"]
                                          else "新分配")
                                      for h, d in moved.items()},
                       "details": moved, "service_changes": services},
                reason=reason or "allocator scenario promote")
    if petition:
        _lock_petition(project, petition, rows, name)


def _lock_petition(project: Project, petition: dict[str, Any],
                   rows: pd.DataFrame, name: str) -> None:
    """Keep a promoted petition trial's condition as planner's locks, so that
    a later solve does not undo it: the unit (or every unit of the site) the
    household refused is forbidden to it; a granted wish fixes the unit it
    got. A lock that cannot be kept (see :mod:`allocator.locks`) is skipped
    with a warning."""
    from allocator.locks import LockRefused, add_lock

    household = petition.get("household")
    option = str(petition.get("option", "")).split()
    if not household or not option:
        return
    why = f"信访办结（方案 {name} 晋升为基准）petition trial {name} promoted"
    if option[0] == "--exclude-unit" and len(option) > 1:
        targets = [(option[1], "forbid")]
    elif option[0] == "--exclude-site" and len(option) > 1:
        units = project.housing_units
        targets = [(u, "forbid") for u in
                   units.loc[units["site_id"] == option[1], "unit_id"].tolist()]
    elif option[0] == "--grant-wish":
        got = rows.loc[rows["household_id"] == household, "unit_id"]
        unit = got.iloc[0] if len(got) else None
        targets = [(unit, "fix")] if isinstance(unit, str) and unit else []
    else:
        targets = []
    for unit, kind in targets:
        try:
            add_lock(project, household, unit, kind, why)
        except LockRefused as exc:
            logger.warning("%s: the petition's %s lock on %s was not kept: %s",
                           household, kind, unit, exc)


def _base_run(project: Project) -> str | None:
    rows = project.allocations[project.allocations["scenario"] == BASE]
    return None if rows.empty else rows["run_id"].iloc[0]


# --- the base a scenario was made against -----------------------------------

MADE_AGAINST = "made_against"
"""Key in a scenario run's ``options_json``: the base it was made against,
``{"base": base_stamp(...), "ledger": last ledger entry then}``, and for a
petition trial ``"petition"``: the household and the request's option."""

_BASE_TABLES = ("facilities", "housing_units", "households", "members", "locks")
NOT_BASE_ACTIONS = frozenset({
    "scenario new", "scenario delete", "petition trial", "export", "notice",
    "allocate changes",  # what a solve changed: its allocate entry names it
    "scenario solve", "undo scenario new", "undo petition trial",
    "undo scenario delete", "undo scenario solve"})
"""Ledger actions that leave the base's data and allocation as they are."""
_NOT_BASE = NOT_BASE_ACTIONS


def base_stamp(project: Project) -> str:
    """A hash of everything the base is: its facilities, units, households,
    members, locks, rules and its allocation with the service places.

    Two projects with the same base have the same stamp, whether read from
    the file or changed in memory (values are written as the project file
    stores them, rows in a fixed order); any change to the base (a solve,
    a promote, exits, a register update, rules, locks) gives another.
    """
    import hashlib

    from allocator.project import COLUMNS

    digest = hashlib.sha256()
    frames = {name: getattr(project, name) for name in _BASE_TABLES}
    for name in ("allocations", "service_assignments"):
        frame = getattr(project, name)
        frames[name] = frame[frame["scenario"] == BASE]
    for name, frame in frames.items():
        # A column the frame lacks yet is written empty to the file.
        columns = [c for c in COLUMNS[name] if c != "scenario"]
        texts = [frame[c].map(_stamp_text(COLUMNS[name][c])) if c in frame.columns
                 else pd.Series("", index=frame.index) for c in columns]
        if "geometry" in frame.columns and isinstance(frame, gpd.GeoDataFrame) \
                and len(frame):
            import shapely

            geometry = frame.geometry
            if geometry.crs is not None and geometry.crs != "EPSG:4490":
                geometry = geometry.to_crs("EPSG:4490")
            texts.append(pd.Series(
                shapely.to_wkt(geometry.values, rounding_precision=7),
                index=frame.index))
        rows = sorted("\x1f".join(cells) for cells in zip(*texts)) if texts else []
        digest.update(f"\x1e{name}:{','.join(columns)}\x1e".encode())
        digest.update("\x1d".join(rows).encode("utf-8", "surrogatepass"))
    digest.update(json.dumps(project.rules, sort_keys=True, ensure_ascii=False,
                             default=str).encode())
    return digest.hexdigest()


def _stamp_text(kind: str):
    """A cell as the project file keeps a column of ``kind``."""
    def text(value: Any) -> str:
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return ""
        if kind == "str":
            return str(value)
        if kind == "bool":
            return "1" if bool(value) else "0"
        try:
            return repr(float(value))
        except (TypeError, ValueError):
            return str(value)
    return text


def made_against(project: Project) -> dict[str, Any]:
    """What a scenario made now records of the base (see :data:`MADE_AGAINST`)."""
    entries = pd.to_numeric(project.ledger["entry"], errors="coerce").dropna()
    return {"base": base_stamp(project),
            "ledger": int(entries.max()) if len(entries) else 0}


def stamp_run(run: dict[str, Any], stamp: dict[str, Any]) -> None:
    """Record ``stamp`` (see :func:`made_against`) in a run's options."""
    try:
        options = json.loads(run.get("options_json") or "{}")
    except (TypeError, ValueError):
        options = {}
    run["options_json"] = json.dumps({**options, MADE_AGAINST: stamp},
                                     ensure_ascii=False)


def _unit_of(project: Project, scenario: str, household_id: str) -> str | None:
    """The unit of a household in a scenario's stored allocation (None:
    waiting, or not in it)."""
    rows = project.allocations[(project.allocations["scenario"] == scenario)
                               & (project.allocations["household_id"]
                                  == household_id)]
    unit = rows["unit_id"].iloc[0] if len(rows) else None
    return unit if isinstance(unit, str) else None


def petition_trial(project: Project, name: str) -> dict[str, Any] | None:
    """The household and option of the petition trial that made scenario
    ``name`` (empty when the trial is older than that record), or None when
    no petition trial made it."""
    stamp = _stamp_of(project, name)
    if stamp and isinstance(stamp.get("petition"), dict):
        return stamp["petition"]
    rows = project.scenarios[project.scenarios["scenario"] == name]
    if len(rows) and str(rows["description"].iloc[0]).startswith("信访试算"):
        return {}
    return None


def option_words(option: str) -> str:
    """A petition trial's option (``--exclude-unit A-201``, ``--grant-wish``)
    as words of a command to paste: its value quoted by :func:`shell_word`."""
    flag, _sep, value = str(option or "").partition(" ")
    return f"{flag} {shell_word(value)}" if value else flag


def refuse_petition_solve(project: Project, name: str, *,
                          path: str | Path | None = None) -> None:
    """Stop a solve or reallocation of a petition trial's scenario.

    A trial's condition (a unit or site the household refuses, or its wish
    granted) is not one of the scenario's changes: solving the scenario again
    would drop it and give the base's answer under the trial's name, which a
    promote would then make the base. The trial is run again instead.
    """
    petition = petition_trial(project, name)
    if petition is None:
        return
    word, project_file = shell_word(name), project_word(path)
    if petition.get("household"):
        household = shell_word(str(petition["household"]))
        how = (f"`allocator scenario delete {project_file} {word}`, then `allocator "
               f"petition {project_file} --household {household} "
               f"{option_words(petition.get('option', ''))} --save-as {word}`")
    else:
        how = (f"`allocator scenario delete {project_file} {word}`, then the "
               f"petition again with `allocator petition {project_file} ... "
               f"--save-as {word}`")
    raise ScenarioError(
        f"方案 {name} 是信访试算，试算的条件不是方案的变更，"
        f"重新求解会丢掉它，请重新试算。"
        f"scenario {name} is a petition trial: its condition (the unit or site "
        f"the household refuses, or its wish) is not one of the scenario's "
        f"changes, so solving it again would drop it; to try it on the current "
        f"base, run the petition again: {how}")


def _stamp_of(project: Project, name: str) -> dict[str, Any] | None:
    """The base the stored allocation of scenario ``name`` was made against
    (None: not solved, or made before scenarios recorded their base)."""
    rows = project.allocations[project.allocations["scenario"] == name]
    if rows.empty:
        return None
    runs = project.runs[project.runs["run_id"] == rows["run_id"].iloc[0]]
    if runs.empty:
        return None
    try:
        options = json.loads(runs.iloc[-1]["options_json"] or "{}")
    except (TypeError, ValueError):
        return None
    stamp = options.get(MADE_AGAINST) if isinstance(options, dict) else None
    return stamp if isinstance(stamp, dict) and "base" in stamp else None


@dataclass
class OutOfDate:
    """A scenario whose allocation no longer fits the base.

    ``changed_by``: the ledger entries that changed the base since, as
    number, action and object (``"57 scenario promote scenario closeK"``;
    may be empty when unknown); ``entries``: the same as (number, action,
    object), which :meth:`text` words (see :func:`ledger_entry_words`).
    ``remedy``: "solve" (its changes still apply: solving it again makes
    it on the current base), "reallocate" (the same, once the base, a
    reallocation, has been reallocated: see :func:`refuse_unsolvable`),
    "petition" (a petition trial: try the petition
    again) or "recreate" (its changes no longer apply: ``problems`` say
    why). ``petition``: the household and option of a petition trial.
    ``violations``: for a scenario that did not record its base, the rules
    its allocation breaks on the current base.
    """

    scenario: str
    changed_by: list[str]
    remedy: str
    petition: dict[str, Any] | None = None
    problems: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    entries: list[tuple[int, str, str]] = field(default_factory=list)

    def text(self, path: str | Path | None = None) -> str:
        """What is wrong and what to do, in one line; its commands name the
        project file ``path`` (see :func:`project_word`)."""
        name = self.scenario
        project = project_word(path)
        if self.violations:
            why = (f"its allocation does not fit the current base "
                   f"({len(self.violations)} problem(s), first: {self.violations[0]})")
        else:
            why = "made against an earlier base"
            if self.changed_by:
                entries = [f"{number}: {ledger_entry_words(action, obj)}"
                           for number, action, obj in self.entries[:3]] \
                    or self.changed_by[:3]
                shown = "; entry ".join(entries) + (
                    f"; and {len(self.changed_by) - 3} more"
                    if len(self.changed_by) > 3 else "")
                why += f" (changed since by ledger entry {shown})"
        word = shell_word(name)
        if self.remedy == "petition" and self.petition:
            option = option_words(self.petition.get("option", ""))
            household = shell_word(str(self.petition.get("household")))
            return (f"{why}; try the petition again on the current base: "
                    f"`allocator scenario delete {project} {word}`, then `allocator "
                    f"petition {project} --household {household} "
                    f"{option} --save-as {word}`")
        if self.remedy == "recreate":
            return (f"{why}, and its changes no longer apply to the current base ("
                    + "; ".join(self.problems) + f"); delete it (`allocator scenario "
                    f"delete {project} {word}`) and create it again with `allocator "
                    f"scenario new {project} {word} ...`")
        if self.remedy == "reallocate":
            return (f"{why}; reallocate the base first, as it holds changes its "
                    f"allocation does not yet (`allocator reallocate {project}`), "
                    "then solve the scenario again on it (its changes still "
                    f"apply): `allocator solve {project} --scenario {word}`")
        return (f"{why}; solve it again on the current base (its changes still "
                f"apply): `allocator solve {project} --scenario {word}`")


def predating_notes(project: Project, names: list[str], path=None,
                    stale: set[str] | None = None) -> list[str]:
    """A note when the base's allocation predates a change of its rules or
    locks (logged after it was made) while it is compared with a scenario
    solved since (not in ``stale``, the scenarios out of date, worked out
    when not given): that scenario follows the rules as they are, so the
    differences shown mix that change with the scenario's own changes."""
    from allocator.export import changed_since_allocation

    if BASE not in names:
        return []
    if stale is None:
        stale = {n for n in names if out_of_date(project, n) is not None}
    if not [n for n in names if n != BASE and n not in stale]:
        return []  # each scenario predates the change too: said for each
    change = changed_since_allocation(project, BASE)
    if change is None:
        return []
    entry, day, what = change
    word = {"rules": "rules", "locks": "locks", "both": "rules and locks"}[what]
    solve = "allocator solve" + (f" {shell_word(str(path))}" if path else "")
    return [f"the base allocation was made before a change of its {word} (ledger "
            f"entry #{entry}, {day}); a scenario solved since follows the {word} "
            "as they are, so the differences below include that change as well "
            f"as the scenario's own. To compare the scenario alone, run `{solve}` "
            "first (or `allocator reallocate`)"]


def out_of_date(project: Project, name: str, *, stamp: str | None = None,
                check: bool = False) -> OutOfDate | None:
    """Whether scenario ``name``'s allocation was made against an earlier base.

    ``stamp``: the current :func:`base_stamp` (worked out when not given).
    A scenario without an allocation is never out of date (solving makes
    it on the current base). One that did not record its base (made by an
    older version) is out of date only with ``check``, when its allocation
    breaks a rule on the current base.
    """
    if name == BASE or not project.allocations["scenario"].eq(name).any():
        return None
    made = _stamp_of(project, name)
    if made is None and not check:
        return None
    if made is not None:
        stamp = stamp or base_stamp(project)
        if made["base"] == stamp:
            return None
    problems: list[str] = []
    try:
        data = apply_changes(project, changes_of(project, name), name)
    except ScenarioError as exc:
        data, problems = None, exc.problems
    violations: list[str] = []
    if made is None:
        if data is None:
            violations = ["its changes no longer apply"]
        else:
            from allocator.exits import without_exited
            from allocator.validator import validate_allocation

            violations = _missing_references(project, data, name)
            if not violations:
                data = with_priorities(data, _run_day(project, name))
                violations = validate_allocation(without_exited(data), name)
            if not violations:
                return None
    petition = (made or {}).get("petition")
    remedy = "recreate" if problems else "petition" if petition else "solve"
    if remedy == "solve" and base_is_reallocation(project) and _base_pending(
            project, dt.date.today()):
        remedy = "reallocate"
    since = int((made or {}).get("ledger") or 0)
    entries = _base_changes_since(project, since) if made is not None else []
    changed_by = [f"{number} {action} {obj}".strip()
                  for number, action, obj in entries]
    return OutOfDate(name, changed_by, remedy, petition, problems, violations,
                     entries)


def _missing_references(project: Project, data: Project, name: str) -> list[str]:
    """The units, facilities and households the stored allocation of
    ``name`` uses that its data (on the current base) no longer has."""
    rows = project.allocations[project.allocations["scenario"] == name]
    services = project.service_assignments[
        project.service_assignments["scenario"] == name]
    found = []
    households = set(data.households["household_id"])
    units = set(data.housing_units["unit_id"])
    facilities = set(data.facilities["facility_id"])
    for household, unit in zip(rows["household_id"], rows["unit_id"]):
        if household not in households:
            found.append(f"household {household} is not in the base any more")
        elif isinstance(unit, str) and unit not in units:
            found.append(f"household {household} has unit {unit}, which the base "
                         "no longer has")
    for member, kind, facility in zip(services["member_id"], services["kind"],
                                      services["facility_id"]):
        if isinstance(facility, str) and facility not in facilities:
            found.append(f"member {member} has a {kind} place at {facility}, which "
                         "the base no longer has")
    return found


def _base_changes_since(project: Project,
                        entry: int) -> list[tuple[int, str, str]]:
    """The ledger entries after ``entry`` that changed the base, as
    (number, action, object)."""
    ledger = project.ledger
    numbers = pd.to_numeric(ledger["entry"], errors="coerce")
    # A reallocation stores its run (an allocate entry) and then says what it
    # changed (a reallocate entry naming the same run): it is named once.
    reallocated = {_run_of(after) for action, after in zip(
        ledger["action"], ledger["after"]) if action == "reallocate"} - {None}
    found = []
    for number, action, obj, after in zip(numbers, ledger["action"],
                                          ledger["object"], ledger["after"]):
        if pd.isna(number) or number <= entry or action in _NOT_BASE:
            continue
        # A solve of a scenario names it; the window's redo names the project.
        if action in ("allocate", "reallocate") and str(obj).startswith(
                "scenario ") and obj != f"scenario {BASE}":
            continue
        if action == "allocate" and _run_of(after) in reallocated:
            continue
        found.append((int(number), _cell_text(action), _cell_text(obj)))
    return found


def _run_of(after: Any) -> str | None:
    """The run a ledger entry's ``after`` names, if any."""
    try:
        record = json.loads(after) if isinstance(after, str) and after else None
    except ValueError:
        return None
    run = record.get("run_id") if isinstance(record, dict) else None
    return run if isinstance(run, str) else None


def _cell_text(value: Any) -> str:
    """A ledger cell as text ("" for a missing one)."""
    return "" if value is None or value != value else str(value).strip()


# What a ledger entry did, by its action: (words, words when its object is
# the whole project, as the window's undo and redo steps write it). "{obj}"
# is the entry's object ("household H1", "unit A-101", "scenario closeK").
_ENTRY_WORDS = {
    "import": ("import of the project", "import of the project"),
    "migrate": ("upgrade of the project file", "upgrade of the project file"),
    "recover": ("recovery of autosaved edits", "recovery of autosaved edits"),
    "allocate": ("solve of the base", "solve of the base"),
    "reallocate": ("reallocation of the base", "reallocation of the base"),
    "scenario promote": ("promote of {obj} to the base",
                         "promote of a scenario to the base"),
    "exit": ("exit of {obj}", "confirmed exits"),
    "cancel exit": ("exit taken back of {obj}", "exits taken back"),
    "free unit": ("freeing of {obj}", "freeing of units"),
    "lock": ("lock change of {obj}", "lock change"),
    "edit": ("edit of {obj}", "edit"),
    "register update": ("register update of {obj}", "register update"),
}


def ledger_entry_words(action: Any, obj: Any) -> str:
    """What a ledger entry with ``action`` and ``object`` did, in a few
    words that do not repeat the action's own words: "promote of scenario
    closeK to the base", "change of the rules (walk_max_m)", "undo of
    confirmed exits"; an action not known here as "its action (its object)"."""
    action, obj = _cell_text(action), _cell_text(obj)
    undo = action.startswith("undo ")
    done = action[len("undo "):] if undo else action
    whole = obj in ("", "project")
    if done in ("edit rules", "rules"):  # the window names the keys changed
        keys = obj[len("rules"):].strip(" ,") if obj.startswith("rules") else obj
        words = "change of the rules" + (f" ({keys})" if keys else "")
    elif done in _ENTRY_WORDS:
        words = _ENTRY_WORDS[done][1 if whole else 0].format(obj=obj)
    else:
        words = f"{done} ({obj})" if obj and not whole else done or "entry"
    return f"undo of {words}" if undo else words
