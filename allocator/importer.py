"""Import a register and spatial files into a project, checking everything first.

Nothing is written until every file has been read and checked: problems are
collected as ``file:row:column: message`` records, and an import with any
error returns no project at all.
"""

from __future__ import annotations

import datetime as dt
import difflib
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import geopandas as gpd
import numpy as np
import pandas as pd

from allocator import idnumber
from allocator.ids import did_you_mean
from allocator.project import Project, empty_frame
from allocator.rules import age_on, default_rules
from gis.readers import TOTAL_WORDS, Problem, read_spatial, read_table

logger = logging.getLogger(__name__)

REGISTER_COLUMNS = {
    "户号": "household_id", "姓名": "name", "身份证号": "id_number",
    "与户主关系": "relationship", "性别": "sex", "出生日期": "birth_date",
    "安置类别": "category", "残疾": "disability", "年收入": "annual_income",
    "稳定就业年限": "stable_job_years", "原居住村": "origin_village",
    "原居住乡镇": "origin_township", "现属乡镇": "current_township",
    "轮候登记日期": "waiting_since",
    "意向安置点": "preferred_sites", "低楼层意愿": "wants_low_floor",
}
REGISTER_HEADERS = tuple(REGISTER_COLUMNS) + tuple(REGISTER_COLUMNS.values())
"""Every header a register's header row may use (Chinese or English)."""
INCOME_MAX = 100_000_000
"""The most yuan a year a register's 年收入 may give (far above any real
household, far inside what the project stores)."""
JOB_YEARS_MAX = 80
"""The most years a register's 稳定就业年限 may give (a working life)."""
REGISTER_REQUIRED = ("household_id", "name", "id_number", "relationship", "sex",
                     "birth_date", "category")
UNIT_COLUMNS = {
    "房号": "unit_id", "安置点编号": "site_id", "楼栋": "building", "楼层": "floor",
    "面积": "area_m2", "无障碍": "accessible", "状态": "status",
    "现住户号": "household_id", "入住日期": "placed_on",
}
UNIT_REQUIRED = ("unit_id", "site_id", "building", "floor", "area_m2", "status")
FACILITY_COLUMNS = {"设施编号": "facility_id", "名称": "name", "类型": "kind",
                    "容量": "capacity", "说明": "note"}
FACILITY_REQUIRED = ("facility_id", "name", "kind", "capacity")
SITE_COLUMNS = {"安置点编号": "site_id", "名称": "name", "说明": "note"}
SITE_REQUIRED = ("site_id", "name")

CATEGORIES = ("易地扶贫搬迁", "工程搬迁", "生态移民", "退役军人")
SEXES = {"男": "男", "女": "女", "m": "男", "male": "男", "f": "女", "female": "女"}
HEAD = "户主"
ADULT_AGE = 18  # a younger head is named (a warning)
UNIT_STATUS = {
    "空置": "vacant", "vacant": "vacant", "已入住": "occupied", "occupied": "occupied",
    "预留": "reserved", "reserved": "reserved", "维修中": "repair", "repair": "repair",
    "under repair": "repair",
}
# The stored unit statuses in the planners' words (the 状态 column's values).
UNIT_STATUS_LABELS = {"vacant": "空置", "occupied": "已入住", "reserved": "预留",
                      "repair": "维修中"}
FACILITY_KINDS = {
    "幼儿园": "kindergarten", "kindergarten": "kindergarten", "小学": "primary",
    "primary": "primary", "初中": "junior", "junior": "junior",
    "卫生室": "clinic", "社区卫生服务中心": "clinic", "卫生院": "clinic",
    "诊所": "clinic", "clinic": "clinic",
}
DISABILITY_TYPES = ("视力", "听力", "言语", "肢体", "智力", "精神", "多重")
GRADES = {"一": "一", "二": "二", "三": "三", "四": "四", "1": "一", "2": "二",
          "3": "三", "4": "四"}
YES = {"是", "有", "yes", "y", "true", "1"}
# No birth, waiting-list registration or move-in date lies before this day: an
# earlier one is a typing mistake (1850 for 1950), and a waiting date that old
# would give a century of waiting-time points.
EARLIEST_DATE = dt.date(1900, 1, 1)
NO = {"否", "无", "no", "n", "false", "0", ""}


@dataclass
class ImportInputs:
    """The files of one import and the options for what they do not say."""

    register: Path
    sites: Path
    units: Path
    facilities: Path
    county: Path | None = None
    crs: str | None = None
    coords: str | None = None
    encoding: str | None = None
    repair_geometry: bool = False
    # Households over time (optional): income and job by year, complaints and
    # petitions, follow-up visits; read by allocator.history.read_histories.
    history: Path | None = None
    petitions: Path | None = None
    visits: Path | None = None
    # The day of the import (default today): no date of the files may lie
    # after it.
    today: dt.date | None = None


@dataclass
class ImportResult:
    """The project (None when any error was found) and every problem."""

    project: Project | None
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


class _Checker:
    """Collects problems of one file."""

    def __init__(self, path: Path) -> None:
        self.file = str(path)
        self.problems: list[Problem] = []

    def error(self, row: Any, column: str | None, message: str) -> None:
        self.problems.append(Problem(self.file, _row(row), column, message))

    def warn(self, row: Any, column: str | None, message: str) -> None:
        self.problems.append(Problem(self.file, _row(row), column, message, "warning"))


def unit_status_label(status: str) -> str:
    """A stored unit status (``vacant``...) as planners write it (空置...)."""
    return UNIT_STATUS_LABELS.get(status, status)


def _row(row: Any) -> int | None:
    return None if row is None else int(row)


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


def _number(value: Any) -> float | None:
    """A number from a cell: full-width digits and thousands separators allowed."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return None if np.isnan(float(value)) else float(value)
    text = _text(value)
    # Thousands separators only where they group thousands ("1,200", not
    # "7,5", a decimal comma that would read as 75).
    if ("," in text or "，" in text) and not _THOUSANDS.fullmatch(text):
        return None
    text = text.replace(",", "").replace("，", "")
    # Decimal digits only (full-width ones are made ASCII above): Python's
    # float would also take "1_200", "nan", "inf" and other scripts' digits.
    if not _DECIMAL.fullmatch(text):
        return None
    number = float(text)
    return number if np.isfinite(number) else None  # 1e400 reads as infinity


MOST_PLACES = 1_000_000
"""Places a facility may have at most (as a scenario's capacity)."""

MOST_AREA_M2 = 10_000
"""Floor area one unit may have at most (above 300 m² is warned of)."""

MOST_FLOORS = 200
"""Floors a unit's floor may be above (or below) the ground: the tallest
buildings have about 160."""

_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:[,，]\d{3})+(?:\.\d*)?", re.ASCII)


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value).replace("/", "-").replace(".", "-")
    for pattern in ("%Y-%m-%d", "%Y%m%d", "%Y年%m月%d日"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


EXCEL_DAY_ZERO = dt.date(1899, 12, 30)
"""The day an Excel date number counts from (1900 date system)."""


def _not_a_date(value: Any) -> str:
    """The error for a cell that is no date: a date number that Excel shows
    when a date cell's format is lost (43964) is told as the day it stands
    for, so the planner can check it rather than guess."""
    text = _text(value)
    message = f"{text!r} is not a date; write it as YYYY-MM-DD"
    if re.fullmatch(r"\d{5}", text) and 1 <= int(text) <= 73050:
        day = EXCEL_DAY_ZERO + dt.timedelta(days=int(text))
        message += (f" (as an Excel date number it is {day.isoformat()}: format "
                    "the column as a date in Excel, or type the date)")
    return message


def normalise_disability(text: str) -> tuple[str | None, str]:
    """Disability as type + grade (肢体二级), or 无.

    Common variants (肢体1级, 二级肢体, 肢体残疾二级) are normalised with a
    note; anything else is refused (returns None) with the fix, because a
    lost disability would silently drop the need for an accessible unit.
    """
    if text in ("", "无", "否", "none", "no"):
        return "无", ""
    compact = text.replace("残疾", "").replace(" ", "")
    kind = next((k for k in DISABILITY_TYPES if k in compact), None)
    rest = compact.replace(kind, "", 1) if kind else compact
    grade = rest[0] if len(rest) == 2 and rest.endswith("级") else None
    if kind is None or grade not in GRADES:
        return None, (f"{text!r} is not a disability entry; write 无 or the type and "
                      "grade of the disability card, e.g. 肢体二级 (types: "
                      + "、".join(DISABILITY_TYPES) + "; grades 一级 to 四级)")
    value = f"{kind}{GRADES[grade]}级"
    return value, "" if value == text else f"{text!r} read as {value}"


def _rename(frame: pd.DataFrame, mapping: dict[str, str], required: tuple[str, ...],
            check: _Checker, unknown: str = "near",
            header_row: int | None = 1,
            what: str | None = None) -> pd.DataFrame | None:
    """Map Chinese or English headers to field names; report missing ones.

    A column whose header is not one of ``mapping`` is ignored, and a
    warning names it: every such column when ``unknown`` is ``"all"`` (the
    register and the history files, whose columns are all the tool's), only
    one whose header is a known one written differently (blanks, brackets, a
    unit: 年收入(元), 残 疾) when it is ``"near"`` (spatial layers carry other
    attributes too). ``what`` names the file in the planner's words (the
    history files); then each missing column is an error of its own, naming
    the column whose header may have been meant for it.
    """
    english = {v: v for v in mapping.values()}
    renamed = {}
    ignored = []
    for position, column in enumerate(frame.columns):
        key = str(column)
        target = mapping.get(key) or english.get(key.lower())
        repeated = re.fullmatch(r"(.+)\.\d+", key)
        if target is None and repeated and repeated.group(1) in map(str, frame.columns):
            # A header written twice, which the reader told apart as 姓名.1.
            key = repeated.group(1)
            target = mapping.get(key) or english.get(key.lower()) or key
        if target and target not in renamed.values():
            renamed[column] = target
        elif key != "geometry":
            ignored.append((position, key, target))
    _report_unknown(frame, ignored, mapping, check, unknown, header_row)
    garbled = [header for _position, header, target in ignored
               if target is None and any("\u0080" <= ch <= "\u00ff" or ch == "\ufffd"
                                         for ch in header)]
    if garbled:
        check.warn(header_row, None, (
            f"headers such as {garbled[0]!r} look like Chinese read in the wrong "
            "text encoding; give the file's encoding (--encoding utf-8, gbk or "
            "big5; in the window, the encoding box) or save the file as UTF-8"))
    # A column that repeats a field under its other name (年收入 and
    # annual_income) is not read: it must not sit beside the first under one
    # name.
    targets = set(renamed.values())
    frame = frame.drop(columns=[c for c in frame.columns
                                if c not in renamed and str(c) in targets])
    frame = frame.rename(columns=renamed)
    reverse = {v: k for k, v in mapping.items()}
    missing = [f for f in required if f not in frame.columns]
    if missing and what is not None:
        for name in missing:
            check.error(None, reverse[name],
                        _missing_column(what, reverse[name], name, ignored, mapping))
        return None
    if missing:
        names = ", ".join(f"{reverse[f]} ({f})" for f in missing)
        check.error(None, None, f"missing column(s) {names}; the header row must "
                    "name them (Chinese or English)")
        return None
    _line_breaks(frame, reverse, check)
    return frame


FREE_TEXT = ("geometry", "note", "subject")
"""Columns whose text may run over several lines (a petition's 事由, the
说明 and 情况 of the history files)."""


def _line_breaks(frame: pd.DataFrame, header: dict[str, str],
                 check: _Checker) -> None:
    """An error for each cell of the tool's columns that holds a line break
    (a cell edited with Alt+Enter): a name so written would be printed on an
    order split in two, and a building so written is another building."""
    for column in frame.columns:
        if column not in header or column in FREE_TEXT:
            continue
        for row, value in frame[column].items():
            if not isinstance(value, str) or ("\n" not in value
                                              and "\r" not in value):
                continue
            check.error(row, header[column],
                        f"{value!r} has a line break inside the cell; delete "
                        "it (in Excel: click into the cell, or Find and Replace "
                        "with Ctrl+J) and save the file again")


def _missing_column(what: str, header: str, name: str, ignored: list,
                    mapping: dict[str, str]) -> str:
    """The refusal of a file without a column it needs, with the column whose
    header may have been meant for it (see :func:`_meant`)."""
    from openpyxl.utils import get_column_letter

    text = f"the {what} has no column {header} ({name}), which it needs"
    for position, found, target in ignored:
        if target is None and header in _meant(found, mapping, close=True):
            letter = get_column_letter(position + 1)
            return (f"{text}: column {letter} {found!r} may be it, so write its "
                    f"header exactly as {header}; nothing is imported until then")
    return (f"{text}: add the column with the header {header} (or {name}); nothing "
            "is imported until then")


_UNIT_SUFFIXES = ("平方米", "平米", "万元", "元", "m²", "m2", "㎡", "岁", "年", "人")


def _header_key(text: str) -> str:
    """A header reduced for spotting a near miss: lower case, without blanks,
    punctuation, a bracketed part (年收入(元)) or a trailing unit."""
    key = unicodedata.normalize("NFKC", text).lower()
    key = re.sub(r"[(\[【][^)\]】]*[)\]】]", "", key)
    key = re.sub(r"[\s_\-./:;,'\"·、]+", "", key)
    return key


def _meant(header: str, mapping: dict[str, str], close: bool) -> list[str]:
    """The known headers ``header`` may stand for: the same after
    :func:`_header_key`, with or without a trailing unit, or (``close``) a
    spelling close to one (Disabled for disability)."""
    keys: dict[str, str] = {}
    for chinese, name in mapping.items():
        keys.setdefault(_header_key(chinese), chinese)
        keys.setdefault(_header_key(name), chinese)
    key = _header_key(header)
    if not key:
        return []
    candidates = [key] + [key[: -len(u)] for u in _UNIT_SUFFIXES
                          if key.endswith(u) and len(key) > len(u)]
    for candidate in candidates:
        if candidate in keys:
            return [keys[candidate]]
    if not close:
        return []
    near = difflib.get_close_matches(key, list(keys), n=3, cutoff=0.6)
    return list(dict.fromkeys(keys[k] for k in near))


def _report_unknown(frame: pd.DataFrame, ignored: list, mapping: dict[str, str],
                    check: _Checker, unknown: str, header_row: int | None) -> None:
    """Warn of the columns :func:`_rename` ignores (see there)."""
    from openpyxl.utils import get_column_letter

    if unknown == "none":
        return
    for position, header, target in ignored:
        letter = get_column_letter(position + 1)
        blank = not header.strip() or header.startswith("Unnamed: ")
        if blank:
            values = frame.iloc[:, position].map(_text)
            if unknown == "all" and (values != "").any():
                check.warn(header_row, letter,
                           f"column {letter} has values but no header, so they "
                           "are ignored; give it the header of the data it holds "
                           "(e.g. 残疾) or delete the column")
            continue
        if target is not None:  # a second column for a field already read
            first = next(str(c) for c in frame.columns
                         if (mapping.get(str(c)) or str(c).lower()) == target)
            check.warn(header_row, letter,
                       f"column {letter} {header!r} repeats column {first!r} "
                       f"({target}); only the first is read, so delete one of them")
            continue
        meant = _meant(header, mapping, close=unknown == "all")
        if not meant and unknown != "all":
            continue
        where = f"column {letter} header {header!r} is not a known column, so " \
            "its values are ignored"
        if meant:
            names = " or ".join(f"{m} ({mapping[m]})" for m in meant)
            check.warn(header_row, letter,
                       f"{where}; did you mean {names}? If so, write the header "
                       f"exactly as {meant[0]} (no blanks, brackets or units)")
        else:
            check.warn(header_row, letter,
                       f"{where}; known columns are " + ", ".join(mapping)
                       + " (or their English names); rename it if it is one of "
                       "them, otherwise it may stay")


def import_files(
    inputs: ImportInputs,
    *,
    progress: Callable[[str], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> ImportResult:
    """Read and check all files; return a project only when nothing is wrong."""
    problems: list[Problem] = []
    notes: list[str] = []

    def step(message: str) -> None:
        logger.info(message)
        if progress is not None:
            progress(message)

    today = inputs.today or dt.date.today()
    step(f"reading {inputs.register}")
    members, households, found = _read_register(inputs.register, inputs.encoding,
                                                today)
    problems += found
    step(f"reading {inputs.sites}")
    sites, found = _read_layer(inputs.sites, SITE_COLUMNS, SITE_REQUIRED, inputs)
    problems += found
    step(f"reading {inputs.units}")
    units, found = _read_layer(inputs.units, UNIT_COLUMNS, UNIT_REQUIRED, inputs)
    problems += found
    step(f"reading {inputs.facilities}")
    facilities, found = _read_layer(inputs.facilities, FACILITY_COLUMNS,
                                    FACILITY_REQUIRED, inputs)
    problems += found
    county = empty_frame("county")
    if inputs.county is None:
        problems.append(Problem(
            "县界 county boundary", None, None,
            "no county boundary file given: orders will be headed 本县 and "
            "positions are not checked against the county; give the county "
            "boundary file (--county)", "warning"))
    else:
        step(f"reading {inputs.county}")
        county, found = _read_layer(inputs.county, {"名称": "name", "行政区划代码":
                                                    "adcode"}, (), inputs)
        problems += found

    histories: dict = {}
    history_files = {"history": inputs.history, "petitions": inputs.petitions,
                     "visits": inputs.visits}
    if any(path is not None for path in history_files.values()):
        from allocator.history import read_histories

        step("reading household histories")
        known = set(members["household_id"]) if members is not None else None
        histories, found = read_histories(history_files, known, inputs.encoding)
        problems += found

    if cancel is not None and cancel():
        return ImportResult(None, problems, ["cancelled"])
    if county is not None and not county.empty:
        # Before the checks below renumber the rows.
        for frame, path in ((units, inputs.units), (facilities, inputs.facilities),
                            (sites, inputs.sites)):
            if frame is not None:
                problems += _outside_county(frame, county, path)
    if sites is not None:
        sites, found = _check_sites(sites, inputs.sites)
        problems += found
    if facilities is not None:
        facilities, found = _check_facilities(facilities, inputs.facilities)
        problems += found
    if units is not None and sites is not None and households is not None:
        # Ids that appear in the register or the sites file at all, even on a
        # row refused above: one bad row must not flood the units file with
        # "not found" errors.
        register_ids = set(households["household_id"]) | set(
            members["household_id"]) if members is not None else set()
        site_ids = set(sites["site_id"])
        if any(p.severity == "error" and p.file == str(inputs.sites)
               for p in problems):
            site_ids = None
        if site_ids is not None:
            problems += _far_from_site(units, sites, inputs.units)
        units, found = _check_units(
            units, inputs.units, site_ids, register_ids, today,
            sizes=dict(zip(households["household_id"], households["size"])))
        problems += found
        if site_ids is not None:
            problems += _check_wishes(households, inputs.register, site_ids)

    if any(p.severity == "error" for p in problems) or any(
        frame is None for frame in (members, sites, units, facilities, county)
    ):
        return ImportResult(None, problems, notes)

    rules = default_rules()
    households["needs_accessible"] = households["household_id"].map(
        members.groupby("household_id")["disability"].agg(
            lambda d: bool(set(d) & set(rules["accessible_disabilities"]))))
    households["priority"] = 0
    households.attrs.pop("wish_rows", None)
    households.attrs.pop("register_fields", None)
    project = Project(
        county=_county_frame(county),
        sites=sites,
        housing_units=units,
        facilities=facilities,
        households=households,
        members=members,
        rules=rules,
    )
    for table, frame in histories.items():
        setattr(project, table, frame)
    project.scenarios = pd.DataFrame([{
        "scenario": "base", "description": "基础方案 base allocation",
        "created": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
    }])
    first = county.iloc[0] if not county.empty else None
    project.metadata = {
        "county": str(first.get("name", "")) if first is not None else "",
        "adcode": str(first.get("adcode", "")) if first is not None else "",
        "created": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    project.log(
        "import", "project",
        after={"households": len(households), "members": len(members),
               "units": len(units), "facilities": len(facilities),
               "sites": len(sites),
               **{table: len(frame) for table, frame in histories.items()}},
        reason="imported " + ", ".join(str(p) for p in (
            inputs.register, inputs.sites, inputs.units, inputs.facilities,
            inputs.county, *history_files.values()) if p is not None),
    )
    return ImportResult(project, problems, notes)


def _county_frame(county: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    frame = county.copy()
    for column in ("adcode", "name"):
        if column not in frame.columns:
            frame[column] = ""
        frame[column] = frame[column].map(_text)
    return frame[["adcode", "name", "geometry"]]


def _read_layer(path: Path, mapping, required, inputs: ImportInputs):
    check = _Checker(path)
    frame, found = read_spatial(path, crs=inputs.crs, coords=inputs.coords,
                                encoding=inputs.encoding,
                                repair=inputs.repair_geometry)
    if Path(path).suffix.lower() == ".shp":
        cut = truncated_utf8_fields(Path(path), list(mapping))
        if cut:
            # The encoding guess and the missing columns that follow from
            # the cut names would only mislead: say what happened instead.
            check.error(None, None, _truncated_message(cut))
            return None, [p for p in found if p.severity == "error"
                          and p.row is None] + check.problems
    if any(p.severity == "error" and (p.row is None or frame.empty) for p in found):
        return None, found  # the file was refused as a whole
    table = Path(path).suffix.lower() in (".csv", ".txt", ".xlsx", ".xlsm")
    # A table (CSV, Excel) is made for the tool, so a column it does not know
    # is named (是否无障碍 for 无障碍 lost every accessible unit without a
    # word); a GIS layer carries other attributes too, and only a known
    # header written differently is.
    renamed = _rename(frame, mapping, required, check,
                      unknown="all" if table else "near",
                      header_row=1 if table else None)
    if renamed is not None and renamed.empty and not any(
        p.severity == "error" for p in found
    ):
        check.error(None, None, "has no records (only a header, or nothing); "
                    "check that this is the right file")
        renamed = None
    return renamed, found + check.problems


SHAPEFILE_NAME_BYTES = 10  # a .dbf field name holds at most 10 bytes


def dbf_field_names(dbf: Path) -> list[bytes]:
    """The raw field names of a .dbf file (empty when it cannot be read)."""
    try:
        raw = dbf.read_bytes()
    except OSError:
        return []
    if len(raw) < 32:
        return []
    header_length = int.from_bytes(raw[8:10], "little")
    names = []
    for start in range(32, min(header_length, len(raw)) - 1, 32):
        if raw[start:start + 1] == b"\r":  # end of the field descriptors
            break
        names.append(raw[start:start + 11].split(b"\0", 1)[0])
    return names


def truncated_utf8_fields(path: Path, expected: list[str]
                          ) -> list[tuple[str, str | None]]:
    """Field names of a Shapefile that are UTF-8 names cut to 10 bytes.

    A .dbf field name keeps at most 10 bytes; in UTF-8 a Chinese character
    takes 3, so 4-character names such as 设施编号 (12 bytes) lose their end.
    A name counts as cut when its bytes are the start of the UTF-8 form of
    an ``expected`` name longer than 10 bytes, or when it is 10 bytes of
    UTF-8 text whose last character is incomplete. GBK names (2 bytes a
    character) are never taken for cut ones: they are not valid UTF-8.

    Returns
    -------
    list of (str, str or None)
        Each cut name as far as it can be read (an incomplete last
        character shown as …) and the expected name it is the start of, if
        any.
    """
    long_names = [(name, name.encode("utf-8")) for name in expected
                  if len(name.encode("utf-8")) > SHAPEFILE_NAME_BYTES]
    found: list[tuple[str, str | None]] = []
    for raw in dbf_field_names(path.with_suffix(".dbf")):
        if not raw or raw.isascii():
            continue
        match = next((name for name, full in long_names
                      if full.startswith(raw) and len(raw) >= SHAPEFILE_NAME_BYTES - 2),
                     None)
        try:
            text = raw.decode("utf-8")
            complete = True
        except UnicodeDecodeError as exc:
            complete = False
            if exc.reason != "unexpected end of data":
                continue  # not UTF-8 at all: GBK or another encoding
            text = raw[:exc.start].decode("utf-8", errors="replace") + "…"
        if match is not None:
            found.append((text, match))
        elif not complete and len(raw) == SHAPEFILE_NAME_BYTES:
            found.append((text, None))
    return found


def _truncated_message(cut: list[tuple[str, str | None]]) -> str:
    names = ", ".join(f"{text} (the start of {name})" if name else text
                      for text, name in cut)
    return (f"field name(s) {names} were cut short: the Shapefile format keeps "
            f"only {SHAPEFILE_NAME_BYTES} bytes per field name, and in UTF-8 a "
            "Chinese character takes 3 bytes, so a 4-character name does not fit. "
            "Save the layer again as a Shapefile with GBK encoding (QGIS: Export > "
            "Save Features As, Encoding GBK), or as a GeoPackage (.gpkg) or an "
            "Excel table with 经度/纬度 columns")


def _date_bounds(check: _Checker, row: Any, column: str, day: dt.date,
                 today: dt.date, what: str, fix: str,
                 future: bool = True) -> None:
    """An error when ``day`` lies after ``today`` (with ``future``) or before
    :data:`EARLIEST_DATE`; ``what`` names the date, ``fix`` where to look it
    up."""
    if future and day > today:
        check.error(row, column,
                    f"{what} {day.isoformat()} is after the day of this import "
                    f"({today.isoformat()}): a date in the future. Correct it from "
                    f"{fix}, or give the day the file was made with "
                    "--date YYYY-MM-DD")
    elif day < EARLIEST_DATE:
        check.error(row, column,
                    f"{what} {day.isoformat()} is before "
                    f"{EARLIEST_DATE.isoformat()}, which cannot be right (a "
                    f"mistyped year?); correct it from {fix}")


def _read_register(path: Path, encoding: str | None, today: dt.date | None = None,
                   future: bool = True):
    """Read and check a register (one row per person).

    Birth and waiting-list dates must lie between :data:`EARLIEST_DATE` and
    ``today`` (default today). With ``future`` False only the lower bound is
    checked: a register update checks births and waiting-list dates after its
    day itself, in its own words.
    """
    check = _Checker(path)
    today = today or dt.date.today()
    frame, _, found = read_table(path, encoding=encoding,
                                 headers=REGISTER_HEADERS)
    if any(problem.severity == "error" for problem in found):
        return None, None, found
    check.problems += found  # a title above the header row, said
    # That warning names the header row; unknown headers are named on it.
    header_row = next((p.row for p in found if p.row is not None), 1)
    frame = _rename(frame, REGISTER_COLUMNS, REGISTER_REQUIRED, check, unknown="all",
                    header_row=header_row)
    if frame is None:
        return None, None, check.problems
    present = [name for name in REGISTER_COLUMNS.values() if name in frame.columns]
    if frame.empty:
        check.error(None, None, "the register has no rows under its header; it "
                    "needs one row per person")
        return None, None, check.problems

    seen_ids: dict[str, int] = {}
    records = []
    unread: set[str] = set()  # households with a row not read
    for row, cells in frame.iterrows():
        household_id = _text(cells.get("household_id"))
        total = next((word for word in (household_id, _text(cells.get("name")))
                      if re.sub(r"\s", "", word) in TOTAL_WORDS), None)
        if total is not None:
            check.warn(row, "户号", f"a {total} row (a total, not a person) is "
                       "skipped; delete it from the register to be rid of this "
                       "warning")
            continue
        if not household_id:
            check.error(row, "户号", "empty 户号; every person needs a household id")
            continue
        raw_id = cells.get("id_number")
        if isinstance(raw_id, (int, float, np.integer, np.floating)) and not isinstance(
            raw_id, bool
        ) and not (isinstance(raw_id, float) and np.isnan(raw_id)):
            check.error(row, "身份证号",
                        "ID number is stored as a number, so Excel has kept only 15 "
                        "significant digits and the rest are lost; format the "
                        "column as Text and re-enter the number from the source")
            unread.add(household_id)  # its other checks would miss this row
            continue
        raw_text = "" if raw_id is None or (isinstance(raw_id, float)
                                            and np.isnan(raw_id)) else str(raw_id)
        id_number, notes = idnumber.normalise(raw_text)
        for note in notes:
            check.warn(row, "身份证号", note)
        birth = _date(cells.get("birth_date"))
        if birth is None:
            check.error(row, "出生日期", _not_a_date(cells.get("birth_date")))
        else:
            _date_bounds(check, row, "出生日期", birth, today, "birth date",
                         "the 户口簿 (and the birth digits of the ID number with "
                         "it)", future=future)
        sex = SEXES.get(_text(cells.get("sex")).lower())
        if sex is None:
            check.error(row, "性别", f"{_text(cells.get('sex'))!r}: write 男 or 女")
        if not id_number:
            check.error(row, "身份证号", "empty ID number")
        else:
            for message in idnumber.problems(id_number, birth, sex):
                check.error(row, "身份证号", message)
            if id_number in seen_ids:
                check.error(row, "身份证号", f"duplicate ID number, also on row "
                            f"{seen_ids[id_number]}")
            else:
                seen_ids[id_number] = int(row)
        category = _text(cells.get("category"))
        relationship = _text(cells.get("relationship"))
        # A household's category is its head's: a member's row may leave it
        # blank (as registers often do), but not give an unknown one.
        if category not in CATEGORIES and (category or relationship == HEAD):
            check.error(row, "安置类别", f"{category!r}: use one of "
                        + " / ".join(CATEGORIES)
                        + (" (the head's row gives the household's)"
                           if relationship == HEAD else ""))
        if not relationship:
            check.error(row, "与户主关系", "empty; write 户主 for the head")
        disability, note = normalise_disability(_text(cells.get("disability")))
        if disability is None:
            check.error(row, "残疾", note)
            disability = _text(cells.get("disability"))
        elif note:
            check.warn(row, "残疾", note)
        records.append({
            "row": int(row),
            "household_id": household_id,
            "name": _text(cells.get("name")),
            "id_number": id_number,
            "birth_date": birth.isoformat() if birth else None,
            "sex": sex,
            "relationship": relationship,
            "disability": disability,
            "category": category,
            "annual_income": cells.get("annual_income"),
            "stable_job_years": cells.get("stable_job_years"),
            "origin_village": _text(cells.get("origin_village")),
            "origin_township": _text(cells.get("origin_township")),
            "current_township": _text(cells.get("current_township")),
            "waiting_since": cells.get("waiting_since"),
            "preferred_sites": _text(cells.get("preferred_sites")),
            "wants_low_floor": _text(cells.get("wants_low_floor")),
        })
        if not records[-1]["name"]:
            check.error(row, "姓名", "empty name")
    _unprintable(records, check)

    people = pd.DataFrame(records)
    if people.empty:
        return None, None, check.problems
    households = []
    wish_rows: dict[str, tuple[int, list[str]]] = {}
    household_ids = people["household_id"].drop_duplicates().astype(str).tolist()
    for household_id, group in people.groupby("household_id", sort=False):
        heads = group[group["relationship"] == HEAD]
        if len(heads) != 1 and household_id in unread and len(heads) == 0:
            continue  # its head's row was refused above: said there
        if len(heads) != 1:
            rows = ", ".join(str(r) for r in (heads if len(heads) else group)["row"])
            # An id typed in other letters (t-001 for T-001) is another household.
            near = "" if len(heads) else did_you_mean(
                household_id, [h for h in household_ids if h != household_id])
            check.error(int(group["row"].iloc[0]), "与户主关系",
                        f"household {household_id} has {len(heads)} rows marked 户主 "
                        f"(rows {rows}); exactly one is needed"
                        + (f"; 户号 {household_id} differs from another household's "
                           f"only in letters or spacing{near}" if near else ""))
            # The figures on each 户主 row are checked all the same, so that
            # their errors do not wait for the 户主 to be put right.
            for _at, each in heads.iterrows():
                _head_figures(check, each, household_id, today, future)
            continue
        head = heads.iloc[0]
        born = _date(head["birth_date"]) if head["birth_date"] else None
        if born is not None and age_on(born, today) < ADULT_AGE:
            check.warn(int(head["row"]), "与户主关系",
                       f"household {household_id}'s head (户主) {head['name']} is "
                       f"{age_on(born, today)} years old on {today.isoformat()}: check "
                       "that the 户主 row is the right person (a minor may head a "
                       "household, e.g. one left without parents; keep it then)")
        if group.loc[group["category"] != "", "category"].nunique() > 1:
            check.warn(int(head["row"]), "安置类别",
                       f"household {household_id} has several categories; the "
                       f"head's ({head['category']}) is used")
        for column, label in (("annual_income", "年收入"),
                              ("stable_job_years", "稳定就业年限"),
                              ("waiting_since", "轮候登记日期"),
                              ("origin_village", "原居住村"),
                              ("origin_township", "原居住乡镇")):
            # A household's figure is read from its head's row: another
            # figure on a member's row (typed on the earner's row) is named.
            given = _text(head[column])
            for row, text in zip(group["row"], group[column].map(_text)):
                if text and text != given and int(row) != int(head["row"]):
                    check.warn(int(row), label,
                               f"{text} on the row of a member, not the head "
                               f"(户主), is not read: household {household_id}'s "
                               f"{label} is the head's ({given or 'blank'}); "
                               "write the household's value on the head's row")
        income, years, waiting, sites, low_floor = _head_figures(
            check, head, household_id, today, future)
        if sites:
            wish_rows[household_id] = (int(head["row"]), sites)
        households.append({
            "household_id": household_id,
            "size": len(group),
            "category": head["category"],
            "priority": 0,
            "origin_village": head["origin_village"],
            "origin_township": head["origin_township"],
            "current_township": head["current_township"],
            "annual_income": income if income is not None else np.nan,
            "stable_job_years": years if years is not None else 0.0,
            "waiting_since": waiting.isoformat() if waiting else None,
            "preferred_sites": "|".join(sites) or None,
            "wants_low_floor": low_floor in YES,
        })

    people["member_id"] = people["household_id"] + "-" + (
        people.groupby("household_id").cumcount() + 1).map("{:02d}".format)
    members = people[["member_id", "household_id", "name", "id_number",
                      "birth_date", "sex", "relationship", "disability"]]
    household_frame = pd.DataFrame(households) if households else empty_frame(
        "households").drop(columns=["needs_accessible"])
    household_frame.attrs["wish_rows"] = wish_rows  # checked against the sites
    # The fields whose column the file has (a register update must not take a
    # missing column for empty values).
    household_frame.attrs["register_fields"] = present
    return members.reset_index(drop=True), household_frame, check.problems


def _head_figures(check, head, household_id: str, today: dt.date, future: bool
                  ) -> tuple:
    """The household's figures written on its head's row (income, years in a
    job, waiting-list date, ranked sites, low-floor wish), each checked:
    an error names the row and cell, and the figure is then None (income,
    years, date) or as written (sites, wish)."""
    income = _number(head["annual_income"])
    if _text(head["annual_income"]) and income is None:
        check.error(int(head["row"]), "年收入",
                    f"{_text(head['annual_income'])!r} is not a number")
    elif income is not None and not 0 <= income <= INCOME_MAX:
        check.error(int(head["row"]), "年收入",
                    f"{_text(head['annual_income'])} is not an income: give "
                    f"yuan a year from 0 to {INCOME_MAX:,}")
        income = None
    years = _number(head["stable_job_years"])
    if _text(head["stable_job_years"]) and years is None:
        check.error(int(head["row"]), "稳定就业年限",
                    f"{_text(head['stable_job_years'])!r} is not a number")
    elif years is not None and not 0 <= years <= JOB_YEARS_MAX:
        check.error(int(head["row"]), "稳定就业年限",
                    f"{_text(head['stable_job_years'])} is not a number of years "
                    f"in a job: give years from 0 to {JOB_YEARS_MAX}")
        years = None
    waiting = _date(head["waiting_since"]) if _text(head["waiting_since"]) else None
    if _text(head["waiting_since"]) and waiting is None:
        check.error(int(head["row"]), "轮候登记日期",
                    _not_a_date(head["waiting_since"]))
    elif waiting is not None:
        # The waiting time gives priority points: a wrong date moves the
        # household up or down the list.
        _date_bounds(check, int(head["row"]), "轮候登记日期", waiting, today,
                     f"household {household_id}'s waiting-list date",
                     "the waiting-list record (轮候登记表)", future=future)
    sites = [part.strip() for part in re.split(r"[|｜,，、;；]", str(
        head["preferred_sites"])) if part.strip()]
    if len(set(sites)) < len(sites):
        check.error(int(head["row"]), "意向安置点",
                    f"{head['preferred_sites']!r} names a site twice; rank each "
                    "site once, first choice first, e.g. ZJ01-2|ZJ01-1")
    low_floor = str(head["wants_low_floor"]).lower()
    if low_floor not in YES | NO:
        check.error(int(head["row"]), "低楼层意愿",
                    f"{head['wants_low_floor']!r}: write 是 or 否 (or leave it "
                    "empty)")
    return income, years, waiting, sites, low_floor


def _check_wishes(households: pd.DataFrame, path: Path,
                  site_ids: set[str]) -> list[Problem]:
    """Every ranked site of a household must be a site of the sites file."""
    check = _Checker(path)
    for household_id, (row, sites) in households.attrs.get("wish_rows", {}).items():
        unknown = [site for site in sites if site not in site_ids]
        if unknown:
            check.error(row, "意向安置点",
                        f"household {household_id}: site(s) {', '.join(unknown)} "
                        "are not in the sites file; use the 安置点编号 of the sites "
                        f"file ({', '.join(sorted(site_ids)[:6])}"
                        f"{' ...' if len(site_ids) > 6 else ''}), separated by |")
    return check.problems


def _duplicates(frame, column: str, label: str, check: _Checker) -> None:
    """An error for each empty id and each id used on an earlier row (a
    unit with no 房号 was given to a household and printed as "—")."""
    values = frame[column]
    first: dict[str, int] = {}
    for row, value in values.items():
        if value == "":
            check.error(row, label, f"empty {label}: every row needs its own; fill "
                        "it in (or delete the row if it is no record)")
        elif value in first:
            check.error(row, label, f"duplicate {label} {value!r}, also on row "
                        f"{first[value]}")
        else:
            first[value] = int(row)


def _check_sites(frame: gpd.GeoDataFrame, path: Path):
    check = _Checker(path)
    frame = frame.copy()
    frame["site_id"] = frame["site_id"].map(_text)
    frame["name"] = frame["name"].map(_text)
    frame["note"] = frame["note"].map(_text) if "note" in frame else ""
    _duplicates(frame, "site_id", "安置点编号", check)
    return frame[["site_id", "name", "note", "geometry"]].reset_index(drop=True), \
        check.problems


def _check_facilities(frame: gpd.GeoDataFrame, path: Path):
    check = _Checker(path)
    frame = frame.copy()
    frame["facility_id"] = frame["facility_id"].map(_text)
    frame["name"] = frame["name"].map(_text)
    frame["type_label"] = frame["kind"].map(_text)
    frame["kind"] = frame["type_label"].map(lambda t: FACILITY_KINDS.get(t.lower()))
    frame["note"] = frame["note"].map(_text) if "note" in frame else ""
    _duplicates(frame, "facility_id", "设施编号", check)
    for row in frame.index[frame["name"] == ""]:
        check.error(row, "名称", "empty 名称: orders and shortage notes name the "
                    "facility; write its name")
    capacities = []
    for row, cells in frame.iterrows():
        if not isinstance(cells["kind"], str):
            check.error(row, "类型", f"{cells['type_label']!r}: use 幼儿园, 小学, "
                        "初中, 卫生室 or 社区卫生服务中心")
        capacity = _number(cells["capacity"])
        if capacity is None or capacity < 0 or not float(capacity).is_integer() \
                or capacity > MOST_PLACES:
            check.error(row, "容量", f"{_text(cells['capacity'])!r}: capacity must "
                        f"be a whole number of places (0 to {MOST_PLACES:,})")
            capacity = 0
        capacities.append(int(capacity))
    frame["capacity"] = capacities
    frame["geometry"] = _as_points(frame.geometry)
    frame["capacity"] = frame["capacity"].astype("int64")
    return frame[["facility_id", "name", "kind", "type_label", "capacity", "note",
                  "geometry"]].reset_index(drop=True), check.problems


def _check_units(frame: gpd.GeoDataFrame, path: Path, site_ids: set[str] | None,
                 known_households: set[str], today: dt.date | None = None,
                 sizes: dict[str, int] | None = None):
    """Check the units file. ``sizes`` (people per household) lets an
    occupied unit far outside its household's area band be told: most often
    a 现住户号 typed on the wrong row."""
    check = _Checker(path)
    rules = default_rules()
    low, high = (float(rules["area_min_per_person_m2"]),
                 float(rules["area_max_per_person_m2"]))
    today = today or dt.date.today()
    frame = frame.copy()
    for column in ("unit_id", "site_id", "building"):
        frame[column] = frame[column].map(_text)
    _duplicates(frame, "unit_id", "房号", check)
    occupant_rows: dict[str, int] = {}
    floors, areas, accessible, statuses, occupants, placed = [], [], [], [], [], []
    for row, cells in frame.iterrows():
        if site_ids is not None and cells["site_id"] not in site_ids:
            check.error(row, "安置点编号", f"site {cells['site_id']!r} is not in the "
                        "sites file")
        floor = _number(_strip_floor_unit(cells["floor"]))
        if floor is None or not float(floor).is_integer():
            check.error(row, "楼层", f"{_text(cells['floor'])!r} is not a floor "
                        "number; write it as a whole number (3, or -1 for a "
                        "basement)")
        elif not -MOST_FLOORS <= floor <= MOST_FLOORS:
            check.error(row, "楼层", f"floor {_text(cells['floor'])}: no building "
                        f"has it; write the unit's floor (1 to {MOST_FLOORS}, or -1 "
                        "for a basement)")
            floor = None
        elif floor == 0:
            check.warn(row, "楼层", "floor 0: the ground floor is 1 and a basement "
                       "-1; check the floor (it counts as a low floor)")
        elif floor < 0:
            check.warn(row, "楼层", f"floor {int(floor)}: a basement (the ground "
                       "floor is 1); it counts as a low floor for households "
                       "that need one; check the floor, and mark the unit 预留 "
                       "if it is not to be allocated")
        floors.append(int(floor) if floor is not None else 0)
        area = _number(_strip_area_unit(cells["area_m2"]))
        if area is None or area <= 0:
            check.error(row, "面积", f"{_text(cells['area_m2'])!r}: area must be a "
                        "positive number of m²")
        elif area > MOST_AREA_M2:
            check.error(row, "面积", f"{_text(cells['area_m2'])!r}: no flat has "
                        f"{area:,.0f} m²; write the unit's floor area in m² (a "
                        f"building's total or dm² is too large; at most "
                        f"{MOST_AREA_M2:,} m²)")
            area = None
        elif area > 300:
            check.warn(row, "面积", f"{area:g} m² is unusually large for one flat; "
                       "check the unit (m², not dm² or a building total)")
        areas.append(area or 0.0)
        flag = _text(cells.get("accessible")).lower()
        if flag not in YES | NO:
            check.error(row, "无障碍", f"{flag!r}: write 是 or 否")
        accessible.append(flag in YES)
        status = UNIT_STATUS.get(_text(cells["status"]).lower())
        if status is None:
            check.error(row, "状态", f"{_text(cells['status'])!r}: use 空置, 已入住, "
                        "预留 or 维修中")
        statuses.append(status)
        occupant = _text(cells.get("household_id"))
        if status == "occupied":
            if not occupant:
                check.error(row, "现住户号", "unit is 已入住 but names no household")
            elif occupant not in known_households:
                check.error(row, "现住户号", f"household {occupant!r} is not in the "
                            "register" + did_you_mean(occupant, known_households))
            elif occupant in occupant_rows:
                check.error(row, "现住户号", f"household {occupant} already occupies "
                            f"the unit on row {occupant_rows[occupant]}")
            else:
                occupant_rows[occupant] = int(row)
                size = (sizes or {}).get(occupant)
                if size and area and area > 0 and not low * size <= area <= high * size:
                    people = "person" if size == 1 else "people"
                    check.warn(row, "现住户号", (
                        f"household {occupant} of {size} {people} lives in "
                        f"{area:g} m² ({area / size:.1f} m² per person), outside "
                        f"the area band of {low:g}-{high:g} m² per person; check "
                        "现住户号 and 面积 on this row (the household keeps its "
                        "unit: the band applies to the units the tool gives)"))
        elif occupant:
            check.warn(row, "现住户号", f"unit is not 已入住, so occupant {occupant} "
                       "is ignored")
            occupant = ""
        occupants.append(occupant or None)
        date = _date(cells.get("placed_on")) if _text(cells.get("placed_on")) else None
        if _text(cells.get("placed_on")) and date is None:
            check.error(row, "入住日期", _not_a_date(cells.get("placed_on")))
        elif date is not None:
            # Years housed count from it (exit rule, alerts).
            _date_bounds(check, row, "入住日期", date, today, "move-in date",
                         "the handover record (入住登记) of the unit")
        placed.append(date.isoformat() if date else None)
    frame["geometry"] = _as_points(frame.geometry)
    frame["floor"] = floors
    frame["area_m2"] = areas
    frame["accessible"] = accessible
    frame["status"] = statuses
    frame["household_id"] = occupants
    frame["placed_on"] = placed
    return frame[["unit_id", "site_id", "building", "floor", "area_m2", "accessible",
                  "status", "household_id", "placed_on", "geometry"]].reset_index(
                      drop=True), check.problems


PRINTED = (("name", "姓名"), ("relationship", "与户主关系"),
           ("origin_village", "原居住村"), ("origin_township", "原居住乡镇"))
"""Register fields the allocation orders print."""


def _unprintable(records: list[dict], check: _Checker) -> None:
    """Warn of each register cell the orders print that holds a character the
    PDF font cannot draw (a rare character of a name, say 𠮷): its household's
    order would not export. Said here, when the register is read, rather than
    first at the end of the work."""
    from allocator.fonts import find_cjk_font, missing_glyphs

    characters = {ch for record in records for key, _label in PRINTED
                  for ch in record.get(key) or "" if ord(ch) > 0x7F}
    if not characters:
        return
    font = find_cjk_font()
    missing = set(missing_glyphs("".join(sorted(characters)), font))
    if not missing:
        return
    for record in records:
        for key, label in PRINTED:
            text = record.get(key) or ""
            lacking = [ch for ch in dict.fromkeys(text) if ch in missing]
            if lacking:
                listed = ", ".join(f"{ch} (U+{ord(ch):04X})" for ch in lacking)
                check.warn(record["row"], label, (
                    f"{text!r} has {listed}, which the PDF font ({font.name}) "
                    "cannot print: the order of household "
                    f"{record['household_id']} will not export until a font that "
                    "has it is installed or named by ALLOCATOR_PDF_FONT"))


def _strip_floor_unit(value: Any) -> Any:
    """3楼, 3层, 3F -> 3 (the floor as a number)."""
    if not isinstance(value, str):
        return value
    text = unicodedata.normalize("NFKC", value).strip()
    for unit in ("楼", "层", "F", "f"):
        if text.endswith(unit):
            return text[: -len(unit)].strip()
    return text


def _strip_area_unit(value: Any) -> Any:
    """75㎡, 75m2, 75 平方米 -> 75."""
    if not isinstance(value, str):
        return value
    text = unicodedata.normalize("NFKC", value).strip()
    for unit in ("平方米", "m²", "m2", "M2", "平米"):
        if text.endswith(unit):
            return text[: -len(unit)].strip()
    return text


def _as_points(geometry: gpd.GeoSeries) -> gpd.GeoSeries:
    """Polygons (a building footprint, say) stand for their inner point."""
    points = geometry.geom_type == "Point"
    return geometry.where(points, geometry.representative_point())


FAR_FROM_SITE_M = 1000.0
"""A unit further than this from its site's area is named (see
:func:`_far_from_site`)."""


def _far_from_site(units: gpd.GeoDataFrame, sites: gpd.GeoDataFrame,
                   path: Path) -> list[Problem]:
    """A warning naming the units (rows as the file numbers them) that lie
    more than :data:`FAR_FROM_SITE_M` from the area (or point) of their site:
    walking distances are measured from the unit, so a unit typed 3 km off
    (or read in the wrong --crs) is given schools and clinics of another
    place without a word."""
    from gis.crs import gauss_kruger_epsg

    if units.empty or sites.empty or units.crs is None or sites.crs is None:
        return []
    centre = sites.to_crs("EPSG:4490").geometry.union_all().centroid
    metric = f"EPSG:{gauss_kruger_epsg(centre.x)}"
    area = dict(zip(sites["site_id"], sites.to_crs(metric).geometry))
    points = units.to_crs(metric).geometry
    far = []
    for row, site, point in zip(units.index, units["site_id"].map(_text), points):
        shape = area.get(site)
        if shape is not None and point is not None and not point.is_empty:
            distance = shape.distance(point)
            if distance > FAR_FROM_SITE_M:
                far.append((int(row), _text(units.loc[row, "unit_id"]), site,
                            distance))
    if not far:
        return []
    listed = ", ".join(f"row {row} ({unit}, {metres / 1000:,.1f} km from {site})"
                       for row, unit, site, metres in far[:5])
    more = f" and {len(far) - 5} more" if len(far) > 5 else ""
    return [Problem(str(path), far[0][0], "经度/纬度", (
        f"{len(far)} unit(s) lie more than {FAR_FROM_SITE_M:,.0f} m from their "
        f"site's area: {listed}{more}; walking distances to schools and clinics "
        "are measured from the unit, so check their coordinates, their site "
        "(安置点编号) and the coordinate system (--crs, --coords)"), "warning")]


def _outside_county(frame: gpd.GeoDataFrame, county: gpd.GeoDataFrame,
                    path: Path) -> list[Problem]:
    boundary = county.to_crs("EPSG:4490").geometry.union_all()
    # A point must lie inside; a site's area may cross the boundary, but not
    # lie wholly beyond it (a wrong --crs puts it hundreds of km away).
    points = frame.geometry.geom_type == "Point"
    outside = (points & ~frame.geometry.within(boundary)) | (
        ~points & ~frame.geometry.intersects(boundary))
    if not outside.any():
        return []
    rows = [int(r) for r in frame.index[outside]]
    listed = ", ".join(str(r) for r in rows[:10]) + (" ..." if len(rows) > 10 else "")
    return [Problem(str(path), rows[0], "geometry",
                    f"{len(rows)} features lie outside the county boundary (rows "
                    f"{listed}); check their coordinates and their coordinate "
                    "system (--crs, --coords), or the --county file",
                    "warning")]
