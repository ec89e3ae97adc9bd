"""Read tables and spatial files into plain frames, reporting problems by row.

Every reader returns the data it could read plus a list of
:class:`Problem` records (``file:row:column: message``) instead of raising,
so an import can show all problems of all files at once. Row numbers are the
ones a spreadsheet shows: the header is row 1, the first record row 2.
"""

from __future__ import annotations

import io
import logging
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS, Transformer

from gis.crs import STORAGE_CRS, inside_china, to_cgcs2000

logger = logging.getLogger(__name__)

TABLE_SUFFIXES = {".csv", ".txt", ".xlsx", ".xlsm", ".xls"}
SPATIAL_SUFFIXES = {".gpkg", ".geojson", ".json", ".shp"}
LON_HEADERS = ("经度", "lon", "lng", "longitude", "x坐标", "东经")
LAT_HEADERS = ("纬度", "lat", "latitude", "y坐标", "北纬")
COORD_SYSTEM_HEADERS = ("坐标系", "crs", "coord_system")
COORD_SYSTEMS = ("wgs84", "cgcs2000", "gcj02", "bd09")


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file."""

    file: str
    row: int | None
    column: str | None
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f":{self.row}"
        if self.column:
            where += f":{self.column}"
        label = {"error": "错误 error", "warning": "警告 warning"}.get(
            self.severity, "说明 note")
        return f"{where}: {label}: {self.message}"


def clean_header(value: object) -> str:
    """Header text without BOM, surrounding blanks or full-width forms."""
    text = unicodedata.normalize("NFKC", str(value if value is not None else ""))
    return text.replace("\ufeff", "").strip()


def read_table(
    path: Path, *, encoding: str | None = None, sheet: str | None = None,
    headers: tuple[str, ...] = ()
) -> tuple[pd.DataFrame, str, list[Problem]]:
    """Read a CSV or Excel sheet as raw cell values.

    Returns the frame (object dtype; CSV cells are strings, Excel cells keep
    their type so a number typed into an ID column can be told from text),
    the encoding or sheet actually used, and problems: errors (nothing
    read) or warnings. The frame's index is the spreadsheet row number.

    ``headers`` are the column names the caller knows: when the first row
    names none of them and a row below it (within :data:`TITLE_ROWS`) names
    several, the rows above that one are a title (common in registers kept
    in Excel) and the table is read from it, with a warning that says so.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        return pd.DataFrame(), "", [Problem(str(path), None, None,
                                            "file not found; check the path")]
    if suffix == ".xls":
        return pd.DataFrame(), "", [Problem(
            str(path), None, None,
            "old Excel format (.xls) is not read; open it in Excel and save it as "
            ".xlsx (Excel Workbook)")]
    if suffix in (".xlsx", ".xlsm"):
        return _read_excel(path, sheet, headers)
    return _read_csv(path, encoding, headers)


TITLE_ROWS = 10
"""How far down a table's header row is looked for below a title."""


def _named(row, headers: tuple[str, ...]) -> int:
    """How many of ``headers`` the cells of ``row`` name."""
    known = {h.lower() for h in headers}
    return sum(clean_header(c).lower() in known for c in row if c is not None)


def _told_apart(header: list[str]) -> list[str]:
    """Headers with a repeated one told apart as pandas reads a CSV file's
    (姓名, 姓名.1): two columns under one name would read as one."""
    seen: dict[str, int] = {}
    out = []
    for name in header:
        if name and name in seen:
            seen[name] += 1
            out.append(f"{name}.{seen[name]}")
        else:
            seen.setdefault(name, 0)
            out.append(name)
    return out


def _header_index(rows: list, headers: tuple[str, ...]) -> int:
    """Index of the header row among ``rows`` (lists of cells): the first of
    the rows that name the most of ``headers``, when it names at least two
    and more than the first row (a title above it, or the group titles of a
    header on two rows); 0 otherwise."""
    if not headers or not rows:
        return 0
    counts = [_named(row, headers) for row in rows[:TITLE_ROWS]]
    best = counts.index(max(counts))
    return best if counts[best] >= 2 and counts[best] > counts[0] else 0


def _filled_from_above(header: list[str], above, headers: tuple[str, ...]
                       ) -> list[str]:
    """A header on two rows: a cell merged over both (户号) holds its text in
    the upper row only, so a blank header cell takes the known header above
    it."""
    known = {h.lower() for h in headers}
    upper = [clean_header(c) for c in above]
    return [own or (upper[i] if i < len(upper) and upper[i].lower() in known
                    else own)
            for i, own in enumerate(header)]


def _names_headers(rows: list, headers: tuple[str, ...]) -> bool:
    """Whether one of the first rows names at least two of ``headers``."""
    return any(_named(row, headers) >= 2 for row in rows[:TITLE_ROWS])


def _title_skipped(path: Path, index: int) -> Problem:
    above = "row 1 above it, read as a title, is" if index == 1 else \
        f"rows 1-{index} above it, read as a title, are"
    return Problem(str(path), index + 1, None,
                   f"the header row is row {index + 1}: {above} skipped", "warning")


BINARY_KINDS = ((b"%PDF", "a PDF document"), (b"PK\x03\x04",
                "an Excel workbook or other zip file (give it its .xlsx name)"),
                (b"\xd0\xcf\x11\xe0", "an old Excel (.xls) or Word file"))


def _binary(raw: bytes) -> str | None:
    """What a file that is not text at all looks like, or None."""
    for magic, kind in BINARY_KINDS:
        if raw.startswith(magic):
            return kind
    if b"\x00" in raw[:4096]:
        return "a binary file"
    return None


def table_encoding(raw: bytes, encoding: str | None) -> str | None:
    """The encoding given, or UTF-16 for a file that starts with its byte
    order mark (Excel's "Unicode text"); None: UTF-8 or GBK, to be told."""
    if encoding is None and raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    return encoding


def not_text(path: Path, raw: bytes, encoding: str | None) -> Problem | None:
    """The refusal of a "CSV" file that is no text at all (a PDF, a workbook
    renamed), naming what it is; None for text (UTF-16 included)."""
    utf16 = (table_encoding(raw, encoding) or "").lower().replace(
        "-", "").startswith("utf16")
    kind = None if utf16 else _binary(raw)
    if kind is None:
        return None
    return Problem(str(path), None, None,
                   f"is not a text table: it is {kind}; save the table from Excel "
                   "as CSV UTF-8 (.csv) or as an Excel workbook (.xlsx)")


def _read_csv(path: Path, encoding: str | None,
              headers: tuple[str, ...] = ()) -> tuple[pd.DataFrame, str, list]:
    raw = path.read_bytes()
    found = not_text(path, raw, encoding)
    if found is not None:
        return pd.DataFrame(), "", [found]
    encoding = table_encoding(raw, encoding)
    mixed = mixed_encoding(raw) if encoding != "utf-16" else None
    if mixed is not None:
        return pd.DataFrame(), "", [Problem(str(path), mixed[0], None, mixed[1])]
    tried = [encoding] if encoding else ["utf-8-sig", "gb18030"]
    for candidate in tried:
        try:
            text = raw.decode(candidate)
        except (UnicodeDecodeError, LookupError) as exc:
            if encoding:
                return pd.DataFrame(), candidate, [Problem(
                    str(path), None, None,
                    f"cannot be read as {candidate} ({exc}); check --encoding "
                    "(common: utf-8, gbk)")]
            continue
        break
    else:
        neither = _rows_by_encoding(raw)["neither"]
        return pd.DataFrame(), "", [Problem(
            str(path), neither[0] if neither else None, None,
            ("this row is" if neither else "is") + " neither UTF-8 nor GBK/GB18030 "
            "text; save the whole file as CSV UTF-8 (or GBK), or give --encoding")]
    if encoding is None and candidate == "gb18030" and _looks_big5(raw, text):
        return pd.DataFrame(), "", [Problem(
            str(path), None, None,
            "is Big5 (Traditional Chinese) text, which reads as GBK only as "
            "garbled characters; the tool reads Simplified Chinese column names: "
            "convert the file to Simplified Chinese and save it as CSV UTF-8 "
            "(Excel: Save As > CSV UTF-8)")]
    import io

    if not text.lstrip("\ufeff").strip():
        return pd.DataFrame(), candidate, [Problem(
            str(path), None, None, "the file is empty; it needs a header row and "
            "at least one record")]
    body = text.lstrip("\ufeff")
    found = _cut_text(body)
    if found is not None:
        return pd.DataFrame(), candidate, [Problem(str(path), found[0], None,
                                                   found[1])]
    _sheet, skip = header_position(path, headers, text)
    records = _records(body, separator(body))
    broken = _broken_row(records, separator(body), skip)
    if broken is not None:
        return pd.DataFrame(), candidate, [Problem(str(path), broken[0], None,
                                                   broken[1])]
    try:
        frame = pd.read_csv(io.StringIO(body), dtype=str, sep=separator(body),
                            keep_default_na=False, skip_blank_lines=True,
                            skiprows=skip)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        detail = " ".join(str(exc).split())
        return pd.DataFrame(), candidate, [Problem(
            str(path), None, None, f"is not a readable CSV table ({detail}); save "
            "it from Excel as CSV UTF-8, one header row then one row per record")]
    frame.columns = [clean_header(c) for c in frame.columns]
    if skip:
        import csv
        import itertools

        above = next(itertools.islice(csv.reader(io.StringIO(body),
                                                 delimiter=separator(body)),
                                      skip - 1, None), [])
        blank = [("" if c.startswith("Unnamed: ") else c) for c in frame.columns]
        frame.columns = [new or old for new, old in zip(
            _filled_from_above(blank, above, headers), frame.columns)]
    frame.index = pd.RangeIndex(2 + skip, 2 + skip + len(frame))
    if len(frame.columns):
        # A row of empty cells (",,,," as Excel saves a blank row) is no
        # record, as a blank row of a workbook is not.
        empty = (frame.apply(lambda column: column.astype(str).str.strip())
                 == "").all(axis=1)
        frame = frame[~empty]
    logger.info("read %s: %d rows, encoding %s", path, len(frame), candidate)
    problems = [_title_skipped(path, skip)] if skip else []
    return frame, candidate, problems + _short_rows(path, records, skip,
                                                    list(frame.columns))


def _records(body: str, delimiter: str) -> list[list[str]] | None:
    """The rows of a CSV text as the csv module splits them (a quoted cell
    spanning lines stays in one row); None when it cannot (a lone carriage
    return, Mac line ends: pandas reads those, or says what it cannot)."""
    import csv
    import io

    try:
        return list(csv.reader(io.StringIO(body), delimiter=delimiter))
    except csv.Error:
        return None


def _short_rows(path, records: list[list[str]] | None, skip: int,
                columns: list[str]) -> list[Problem]:
    """A warning for each row with fewer cells than the header (Excel writes
    every cell of a row, empty or not): the columns it lacks are read as
    empty, which may be cells lost in editing."""
    if records is None or len(records) <= skip:
        return []
    width = len(records[skip])
    problems = []
    for at in range(skip + 1, len(records)):
        cells = len(records[at])
        if not 0 < cells < width or not any(c.strip() for c in records[at]):
            continue
        lacking = [c for c in columns[cells:width] if not c.startswith("Unnamed: ")]
        shown = "、".join(lacking[:6]) + ("…" if len(lacking) > 6 else "")
        problems.append(Problem(
            str(path), at + 1, None,
            f"this row has {cells} cells where the header has {width}: "
            f"{shown or 'the last columns'} read as empty; if they should "
            "not be, cells were lost (a separator or line break deleted in "
            "a text editor): fill them in and save the file again",
            "warning"))
    return problems


def _cut_text(body: str) -> tuple[int | None, str] | None:
    """What makes a CSV text unreadable as rows before its header is looked
    for (a row, None for the file, and what to do), or None: a lone carriage
    return cutting a row, columns separated by ';', a quote never closed."""
    stray = _stray_carriage_return(body)
    if stray is not None:
        return stray, (
            "a line break (a lone carriage return) inside this row splits it in "
            "two; delete it in a text editor (or in Excel with Find and Replace, "
            "Ctrl+J) and save the file again")
    first = next((line for line in body.splitlines() if line.strip()), "")
    if ";" in first and "," not in first and "\t" not in first:
        return None, (
            "its columns are separated by ';' (as Excel saves CSV under some "
            "regional settings), not by commas; save it from Excel as CSV UTF-8 "
            "(comma delimited) or as an Excel workbook (.xlsx)")
    unclosed = _unclosed_quote(body)
    if unclosed is not None:
        return unclosed, (
            "a double quote in this row opens a cell that no quote closes, so "
            "the rest of the file reads as one cell; delete the stray quote (or "
            "close it) in a text editor and save the file again")
    return None


def _broken_row(records: list[list[str]] | None, delimiter: str, skip: int
                ) -> tuple[int, str] | None:
    """The first row of a CSV text that a stray separator or line break cut
    wrongly, and what to do; None when every row is whole. Rows are numbered
    as a spreadsheet shows them (a quoted cell spanning lines stays one row).

    A row with more cells than the header has a separator inside a cell
    that is not in quotes. A row with fewer cells followed by another with
    fewer, the two together one more than the header's (the cell cut in
    two), is one row cut by a line break inside a cell that is not in
    quotes (the two together as many as the header's: the line break took
    the place of a separator). A row short of cells alone is read with the
    rest empty, and :func:`_short_rows` warns of it."""
    if records is None or len(records) <= skip:
        return None
    width = len(records[skip])
    named = "a tab" if delimiter == "\t" else f"'{delimiter}'"
    for at in range(skip + 1, len(records)):
        joined = [cell for cell in records[at]
                  if "\n" in cell and cell.count(delimiter) >= width - 1]
        if joined:
            last = at + 1 + joined[0].count("\n")
            return at + 1, (
                f"a double quote in this row opens a cell that a quote about row "
                f"{last} closes, so the rows between read as one cell; delete the "
                "stray quotes in a text editor and save the file again")
        cells = len(records[at])
        if cells > width:
            return at + 1, (
                f"this row has {cells} cells where the header has {width}: "
                f"{named} inside a cell that is not in double quotes splits "
                "it; remove it or put the cell in double quotes (Excel's "
                "Save As CSV does both), then save the file again")
        following = len(records[at + 1]) if at + 1 < len(records) else 0
        if 0 < cells < width and 0 < following < width and \
                cells + following in (width, width + 1):
            return at + 1, (
                f"this row and the next have {cells} and {following} cells where "
                f"the header has {width}: a line break inside a cell that is "
                "not in double quotes cuts the row in two; join the two lines "
                "in a text editor (or in Excel delete the line break with Find "
                "and Replace, Ctrl+J) and save the file again")
    return None


def _unclosed_quote(body: str) -> int | None:
    """The row (1 for the first, a quoted cell spanning lines one row) where a
    double quote opens a cell that no quote closes before the end of the
    file; None when every quoted cell is closed. A quote counts as opening
    only at the start of a cell, as CSV readers take it."""
    row, opened, inside = 0, None, False
    for line in body.split("\n"):
        if not inside:
            row += 1
        at = line.find('"')
        while at >= 0:
            if not inside:
                before = line[:at].rstrip(" ")
                if not before or before[-1] in ",\t":
                    inside, opened = True, row
                # else: a quote inside an unquoted cell is text
            elif line[at + 1:at + 2] == '"':
                at += 1  # "" inside a quoted cell is one quote of its text
            else:
                inside = False
            at = line.find('"', at + 1)
    return opened if inside else None


def _stray_carriage_return(body: str) -> int | None:
    """The line (1 for the first) of a CSV text whose lines end in line feeds
    that holds a carriage return not ending it and outside quotes: a record
    cut in two, as pandas reads it. None when there is none (a file whose
    lines end in a carriage return alone, more of them than line feeds, is
    read as it is)."""
    if "\n" not in body or "\r" not in body:
        return None
    feeds = body.count("\n")
    if body.count("\r") - body.count("\r\n") > feeds:
        return None  # lines end in a carriage return; a line feed is cell text
    for number, line in enumerate(body.split("\n"), start=1):
        at = line.find("\r")
        while 0 <= at < len(line) - 1:
            if line.count('"', 0, at) % 2 == 0:
                return number
            at = line.find("\r", at + 1)
    return None


def mixed_encoding(raw: bytes) -> tuple[int, str] | None:
    """The first row of a CSV text whose encoding differs from the rest's,
    and a message saying what to do; None when every row reads alike.

    Rows saved in GBK among UTF-8 ones (or the reverse) come from pasting
    between programs. A row is GBK when it decodes as GB18030 but not as
    UTF-8 (a UTF-8 row always decodes as UTF-8); it is UTF-8 when it
    decodes as UTF-8 and not as GB18030, or reads as Chinese in UTF-8 (many
    UTF-8 rows also decode as GB18030, but GBK text read as UTF-8 gives
    Latin-extended or Greek letters, not Chinese); ASCII rows tell nothing.
    Finding both kinds means the file mixes them. The file's encoding is
    the header's, or else the one of most rows; the first row of the other
    is reported. Rows are numbered as a spreadsheet shows them (header =
    row 1); a quoted cell spanning lines stays one row (a quote byte is
    never part of a UTF-8 or GBK character).
    """
    kinds = _rows_by_encoding(raw)
    if not (kinds["UTF-8"] and kinds["GBK"]):
        return None
    header = next((k for k in ("UTF-8", "GBK") if 1 in kinds[k]), None)
    if header is None:
        header = "GBK" if len(kinds["GBK"]) > len(kinds["UTF-8"]) else "UTF-8"
    other = "GBK" if header == "UTF-8" else "UTF-8"
    rows = sorted(kinds[other])
    also = ""
    if len(rows) == 2:
        also = f" (so is row {rows[1]})"
    elif len(rows) > 2:
        listed = ", ".join(str(r) for r in rows[1:6])
        also = f" (so are rows {listed}{', ...' if len(rows) > 6 else ''})"
    message = (f"the file mixes two text encodings: it is {header}, but row "
               f"{rows[0]} is saved in {other}{also}, as happens when rows are "
               "pasted from another program. Those rows show as garbled text: "
               "type or paste them again from their source, then save the whole "
               "file in one encoding, UTF-8 (Excel: Save As > CSV UTF-8) or GBK")
    return rows[0], message


def _rows_by_encoding(raw: bytes) -> dict[str, list[int]]:
    """The spreadsheet numbers of the rows that only UTF-8 decodes, that
    only GB18030 (GBK) decodes, and that neither does (see
    :func:`mixed_encoding`)."""
    kinds: dict[str, list[int]] = {"UTF-8": [], "GBK": [], "neither": []}
    row, inside = 0, False
    for line in raw.removeprefix(b"\xef\xbb\xbf").split(b"\n"):
        if not inside:
            row += 1
        inside = inside != bool(line.count(b'"') % 2)
        if line.isascii():
            continue
        utf8, gbk = _decoded(line, "utf-8"), _decoded(line, "gb18030")
        if utf8 is not None and (gbk is None or _reads_as_chinese(utf8)):
            kinds["UTF-8"].append(row)
        elif gbk is not None and utf8 is None:
            kinds["GBK"].append(row)
        elif utf8 is None:
            kinds["neither"].append(row)
    return kinds


BIG5_RARE_SHARE = 0.2
"""Share of a GBK reading's Chinese characters outside GB2312 above which
a file that Big5 also decodes is taken for Big5 (see :func:`_looks_big5`)."""


def _looks_big5(raw: bytes, text: str) -> bool:
    """Whether ``text``, read as GBK, is Big5 text misread.

    GB18030 decodes nearly any pair of high bytes, so Big5 (Traditional
    Chinese, as systems in Taiwan and Hong Kong save it) reads as GBK with no
    error, but as rare characters: Big5's second bytes 0x40-0x7E lie outside
    GB2312, where hardly a character of a county's own Simplified Chinese
    text does (a rare character in a name now and then)."""
    hanzi = [c for c in text[:20000] if ord(c) >= 0x2E80]
    if len(hanzi) < 4:
        return False
    rare = sum(1 for c in hanzi if _encoded(c, "gb2312") is None)
    return rare > BIG5_RARE_SHARE * len(hanzi) and _decoded(raw, "big5") is not None


def _encoded(char: str, encoding: str) -> bytes | None:
    try:
        return char.encode(encoding)
    except UnicodeEncodeError:
        return None


def _decoded(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _reads_as_chinese(text: str) -> bool:
    """Chinese characters and none of the Latin-extended, Greek, Cyrillic,
    ... letters (U+0100 to U+07FF) that GBK bytes read as UTF-8 by chance
    give: many UTF-8 rows also decode as GB18030, while a GBK row hardly
    ever reads as UTF-8 Chinese."""
    return any(ord(c) >= 0x2E80 for c in text) \
        and not any(0x100 <= ord(c) <= 0x7FF for c in text)


def _table_sheet(book, sheet: str | None, headers: tuple[str, ...], path: Path):
    """The worksheet that holds the table, its rows, and a warning when it is
    not the first one (an instructions sheet first, the table on another)."""
    worksheet = book[sheet] if sheet else book.worksheets[0]
    rows = list(worksheet.iter_rows(values_only=True))
    if sheet is None and headers and not _names_headers(rows, headers):
        for other in book.worksheets[1:]:
            found = list(other.iter_rows(values_only=True))
            if _names_headers(found, headers):
                return other, found, [Problem(
                    str(path), None, None,
                    f"sheet {other.title!r} read: the first sheet "
                    f"{worksheet.title!r} has no header row naming the columns",
                    "warning")]
    return worksheet, rows, []


def separator(text: str) -> str:
    """A tab for Excel's "Unicode text" (more tabs than commas in its first
    lines, a title included), a comma otherwise."""
    head = "\n".join(text.split("\n", TITLE_ROWS)[:TITLE_ROWS])
    return "\t" if head.count("\t") > head.count(",") else ","


def header_position(path: Path, headers: tuple[str, ...], text: str | None = None
                    ) -> tuple[str | None, int]:
    """Where :func:`read_table` finds the header row of a table: the sheet
    (None for a CSV file, whose ``text`` is given) and the row's index (0
    for the first row)."""
    import csv
    import io
    import itertools

    if text is not None:
        body = text.lstrip("\ufeff")
        top = list(itertools.islice(csv.reader(io.StringIO(body, newline=None),
                                               delimiter=separator(body)),
                                    TITLE_ROWS))
        return None, _header_index(top, headers)
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        worksheet, rows, _moved = _table_sheet(book, None, headers, Path(path))
    finally:
        book.close()
    return worksheet.title, _header_index(rows, headers)


def _read_excel(path: Path, sheet: str | None,
                headers: tuple[str, ...] = ()) -> tuple[pd.DataFrame, str, list]:
    import openpyxl

    if path.stat().st_size == 0:
        return pd.DataFrame(), "", [Problem(
            str(path), None, None,
            "is empty (0 bytes): it was not saved completely or was copied "
            "half-way; save or copy the workbook again")]
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a bad file
        return pd.DataFrame(), "", [Problem(
            str(path), None, None,
            f"is not a readable Excel workbook ({type(exc).__name__}: {exc}); "
            "open it in Excel and save it again as .xlsx")]
    try:
        if sheet is not None and sheet not in book.sheetnames:
            return pd.DataFrame(), "", [Problem(
                str(path), None, None,
                f"has no sheet {sheet!r}; sheets are {', '.join(book.sheetnames)}")]
        worksheet, rows, moved = _table_sheet(book, sheet, headers, path)
        hidden = _hidden_rows(worksheet)
        xml = _sheet_xml(path, getattr(worksheet, "_worksheet_path", None))
        merged = _merged_ranges(xml)
        unsaved = _formulas_without_value(xml)
        others, data_sheets = [], []
        for other in book.worksheets:
            if sheet is not None or not headers or other.title == worksheet.title:
                continue
            top = list(other.iter_rows(max_row=TITLE_ROWS, values_only=True))
            if _names_headers(top, headers):
                others.append(other.title)
            elif any(sum(v is not None and str(v).strip() != "" for v in row) >= 3
                     for row in top):
                data_sheets.append(other.title)
    finally:
        book.close()
    if others and _names_headers(rows, headers):
        # One sheet is read: a table split over sheets (一区, 二至四区) or kept
        # in versions (2024版, 2025版) would lose the other sheets' rows.
        named = ", ".join(repr(title) for title in others)
        return pd.DataFrame(), worksheet.title, [Problem(
            str(path), None, None,
            f"sheets {worksheet.title!r} and {named} each hold a table with these "
            f"columns, and only one sheet is read: put every row on sheet "
            f"{worksheet.title!r} (copy the other sheets' rows below its own) "
            "and delete the other sheets, or, for an older version, move it to "
            "another workbook; then import again")]
    if not rows:
        return pd.DataFrame(), worksheet.title, [Problem(
            str(path), None, None, f"the sheet {worksheet.title!r} is empty; put "
            "the table on the workbook's first sheet, its header in row 1")]
    skip = _header_index(rows, headers)
    # A merged cell's value is in its first cell; the others read as empty
    # (a building merged over its units' rows left three units without one),
    # as does a formula whose value was never saved.
    for cells, what in (
            (merged, "are merged: a merged cell's value is read in its first cell "
             "only and the others as empty; unmerge them (Home, Merge & Center) "
             "and fill every cell, then save the workbook again"),
            (unsaved, "hold formulas whose values were never saved (the workbook "
             "was written by a program), so they read as empty; open the "
             "workbook in Excel or WPS and save it, or replace the formulas by "
             "their values")):
        below = [(ref, row) for ref, row in cells if row > skip + 1]
        if below:
            refs = ", ".join(ref for ref, _row in below[:5])
            more = f" and {len(below) - 5} more" if len(below) > 5 else ""
            return pd.DataFrame(), worksheet.title, [Problem(
                str(path), below[0][1], None,
                f"cells {refs}{more} of sheet {worksheet.title!r} {what}")]
    header = [clean_header(c) for c in rows[skip]]
    if skip:
        header = _filled_from_above(header, rows[skip - 1], headers)
    width = len(header)
    while width and not header[width - 1]:
        width -= 1
    header = _told_apart(header[:width])
    records = []
    numbers = []
    for number, row in enumerate(rows[skip + 1:], start=skip + 2):
        values = list(row[:width]) + [None] * (width - len(row[:width]))
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        records.append(values)
        numbers.append(number)
    frame = pd.DataFrame(records, columns=header[:width], index=numbers, dtype=object)
    logger.info("read %s sheet %s: %d rows", path, worksheet.title, len(frame))
    told = sorted(hidden & set(numbers))
    # A sheet of rows with no header row (a table continued on 续表) is not
    # read; a sheet of notes has a cell or two a row.
    unread = [Problem(
        str(path), None, None,
        f"sheet {title!r} holds rows of data that are not read (only sheet "
        f"{worksheet.title!r} is): if they belong to this table, copy them below "
        f"its rows and delete sheet {title!r}; if not, move that sheet to another "
        "workbook to silence this", "warning") for title in data_sheets]
    return frame, worksheet.title, unread + moved + (
        [_title_skipped(path, skip)] if skip else []) + ([Problem(
            str(path), told[0], None,
            f"{len(told)} row(s) hidden in Excel ({_row_list(told)}) are read "
            "like the others; to leave a household out, delete its rows",
            "warning")] if told else [])


def _sheet_xml(path: Path, part: str | None) -> str:
    """The XML of a worksheet (its part in the workbook's zip); empty when it
    cannot be read."""
    import zipfile

    if not part:
        return ""
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.read(part.lstrip("/")).decode("utf-8", "replace")
    except (KeyError, OSError, zipfile.BadZipFile):
        return ""


def _merged_ranges(text: str) -> list[tuple[str, int]]:
    """The merged ranges of a worksheet's XML, each with its first row:
    openpyxl's read-only sheets do not tell them."""
    import re

    return [(ref, int(row)) for ref, row in re.findall(
        r'<(?:\w+:)?mergeCell\s+ref="([A-Z]+(\d+):[A-Z]+\d+)"', text)]


def _formulas_without_value(text: str) -> list[tuple[str, int]]:
    """Cells of a worksheet's XML that hold a formula with no value saved (a
    workbook written by a program, never opened and saved in a spreadsheet
    program): read, they are empty. Each with its row."""
    import re

    found = []
    if "<f" not in text and ":f" not in text:
        return found
    for ref, row, body in re.findall(
            r'<(?:\w+:)?c\s+r="([A-Z]+(\d+))"[^>]*?(?<!/)>(.*?)</(?:\w+:)?c>', text,
            flags=re.S):
        if "<f" in body and not re.search(r"<(?:\w+:)?v>[^<]", body):
            found.append((ref, int(row)))
    return found


def _row_list(rows: list[int], shown: int = 10) -> str:
    text = ", ".join(str(r) for r in rows[:shown])
    return text + (f" and {len(rows) - shown} more" if len(rows) > shown else "")


def _hidden_rows(worksheet) -> set[int]:
    """The rows of a read-only worksheet that Excel hides (``<row hidden>``
    in the sheet's XML, which openpyxl's read-only mode does not report);
    empty when the sheet's part cannot be opened."""
    from xml.etree.ElementTree import iterparse

    try:
        source = worksheet._get_source()
    except Exception:  # a reader without the part: nothing to tell
        logger.info("hidden rows not checked in %s", worksheet.title)
        return set()
    with source:
        data = source.read()
    hidden: set[int] = set()
    if b"hidden=" not in data:  # the usual case, found without parsing
        return hidden
    with io.BytesIO(data) as xml:
        for _event, element in iterparse(xml):
            if element.tag.endswith("}row"):
                if element.get("hidden") in ("1", "true") and element.get("r"):
                    hidden.add(int(element.get("r")))
                element.clear()
    return hidden


def find_column(frame: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    """The first column whose cleaned, lower-cased header is in ``names``."""
    wanted = {n.lower() for n in names}
    for column in frame.columns:
        if str(column).lower() in wanted:
            return column
    return None


SPATIAL_KINDS = {".gpkg": "GeoPackage", ".geojson": "GeoJSON", ".json": "GeoJSON",
                 ".shp": "Shapefile"}
SHAPEFILE_PARTS = (".shx", ".dbf")
"""Files a Shapefile cannot be read without (its .prj and .cpg are told of
when missing, see :func:`read_spatial` and :func:`_shapefile_encoding`)."""


def _unreadable_layer(path: Path, suffix: str) -> str | None:
    """Why a spatial file cannot be read, said before GDAL says it in its own
    words: empty, a PDF or workbook under a GIS name, a Shapefile copied
    without its .shx or .dbf; None otherwise."""
    with open(path, "rb") as handle:
        head = handle.read(4096)
    if not head.strip():
        return "the file is empty; export the layer again from the GIS software"
    kind = _binary(head) if suffix in (".geojson", ".json") else \
        next((k for magic, k in BINARY_KINDS if head.startswith(magic)), None)
    if kind is not None:
        return (f"is not a {SPATIAL_KINDS.get(suffix, 'spatial')} file: it is "
                f"{kind}; export the layer from the GIS software")
    if suffix == ".shp":
        missing = [part for part in SHAPEFILE_PARTS
                   if not any(path.with_suffix(s).exists()
                              for s in (part, part.upper()))]
        if missing:
            return (f"the Shapefile's {' and '.join(missing)} file(s) are missing "
                    f"beside it ({path.stem}{missing[0]}); a Shapefile is several "
                    "files: copy its .shp, .shx, .dbf, .prj and .cpg together")
    return None


def read_spatial(
    path: Path,
    *,
    crs: str | None = None,
    coords: str | None = None,
    encoding: str | None = None,
    repair: bool = False,
) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Read a spatial file into CGCS2000 (EPSG:4490) geometry.

    Accepts GeoPackage, GeoJSON, Shapefile, and CSV/Excel with longitude and
    latitude columns (经度/纬度, lon/lat; matched by header, in any order).
    Null, empty and invalid geometries are errors naming the feature;
    ``repair`` fixes invalid ones with ``make_valid`` (reported as warnings).
    ``crs`` is used only for a file that declares none; ``coords`` names
    the system of the coordinate columns of a CSV/Excel table (a 坐标系
    column can name it per row); spatial files keep their declared CRS.
    The returned frame's index is the file's row or feature number
    (spreadsheet rows start at 2, features at 1).
    """
    path = Path(path)
    name = str(path)
    if not path.exists():
        return _empty(), [Problem(name, None, None, "file not found")]
    suffix = path.suffix.lower()
    if coords is not None and coords.lower() not in COORD_SYSTEMS:
        return _empty(), [Problem(name, None, None,
                                  f"unknown --coords {coords!r}; use one of "
                                  + ", ".join(COORD_SYSTEMS))]
    if suffix in TABLE_SUFFIXES:
        return _read_point_table(path, crs, coords, encoding)
    if suffix not in SPATIAL_SUFFIXES:
        return _empty(), [Problem(
            name, None, None,
            f"unsupported file type {suffix!r}; use .gpkg, .geojson, .shp, "
            ".csv or .xlsx")]

    found = _unreadable_layer(path, suffix)
    if found is not None:
        return _empty(), [Problem(name, None, None, found)]
    notes: list[Problem] = []
    if suffix == ".shp":
        encoding, notes = _shapefile_encoding(path, encoding)
    else:
        encoding = None  # GeoPackage and GeoJSON text is UTF-8 by definition
    try:
        with warnings.catch_warnings():
            # A GeoJSON column of mixed values (a capacity written 很多) is
            # read as text; the checks after name its rows. GDAL's remarks
            # on a Shapefile's encoding are said by _shapefile_encoding.
            warnings.filterwarnings("ignore", message="Could not parse column")
            warnings.filterwarnings("ignore", category=RuntimeWarning,
                                    module="pyogrio")
            frame = pyogrio.read_dataframe(path, encoding=encoding)
    except Exception as exc:  # GDAL reports many kinds of unreadable files
        hint = ""
        if "codec" in str(exc) or "decode" in str(exc):
            hint = "; its text encoding is not the declared one: give --encoding gbk"
        if "not recognized as being in a supported file format" in str(exc):
            return _empty(), [Problem(name, None, None, (
                f"cannot be read as a {SPATIAL_KINDS[suffix]} file (it is damaged, "
                "or of another kind under this name); export the layer again "
                "from the GIS software"))]
        return _empty(), [Problem(name, None, None,
                                  f"cannot be read as a spatial file: {exc}{hint}")]
    if frame.empty:
        return _empty(), [Problem(name, None, None, (
            "has no features (an empty layer); export the layer with its "
            "features, or check that this is the right file"))]
    frame.index = pd.RangeIndex(1, 1 + len(frame))
    frame.columns = [c if c == "geometry" else clean_header(c) for c in frame.columns]
    problems: list[Problem] = list(notes)

    # A GeoJSON without a "crs" member is WGS84 by its standard (GDAL says
    # so), but one written from a metric CRS often simply leaves it out:
    # --crs then names its system, as for a file that declares none.
    # (A --crs in metres given for another file leaves a GeoJSON in degrees
    # as its standard says.)
    standard_only = suffix in (".geojson", ".json") and not _geojson_declares_crs(
        path)
    if standard_only and crs is not None and len(frame) and CRS.from_user_input(
            crs).is_projected and np.all(np.abs(frame.total_bounds) <= 180):
        standard_only = False
    if frame.crs is None or (standard_only and crs is not None):
        if crs is None:
            return _empty(), [Problem(
                name, None, None,
                "has no coordinate reference system (no .prj or CRS entry); "
                "give it with --crs EPSG:N (for example --crs EPSG:4490 for "
                "CGCS2000 degrees, --crs EPSG:4543 for CGCS2000 GK zone 34 metres)")]
        frame = frame.set_crs(crs, allow_override=True)
        standard_only, given = False, True
    else:
        given = False
    frame, more = _check_geometry(frame, name, repair)
    problems += more
    if frame.empty:
        return frame, problems

    declared = CRS.from_user_input(frame.crs)
    bounds = frame.total_bounds
    looks_like_degrees = np.all(np.abs(bounds) <= 180)
    if given and declared.is_projected == looks_like_degrees:
        problems.append(Problem(
            name, None, None,
            f"--crs {crs} is "
            + ("projected (metres)" if declared.is_projected
               else "geographic (degrees)")
            + " but the file's coordinates look like "
            + ("degrees" if looks_like_degrees else "metres")
            + "; give the CRS its coordinates are in"))
        return _empty(), problems
    if declared.is_projected and looks_like_degrees:
        problems.append(Problem(
            name, None, None,
            f"declares the projected CRS {declared.to_string()} (metres) but its "
            "coordinates look like degrees; correct the file's CRS in the GIS "
            "program that wrote it (--crs is for files that declare none)"))
        return _empty(), problems
    if declared.is_geographic and not looks_like_degrees:
        problems.append(Problem(
            name, None, None,
            "has no \"crs\" member, so it is read as WGS84 degrees (the GeoJSON "
            "standard), but its coordinates are far outside ±180: they are "
            "probably metres; give their CRS with --crs EPSG:N (for example "
            "--crs EPSG:4543 for CGCS2000 GK zone 34)" if standard_only else
            f"declares the geographic CRS {declared.to_string()} (degrees) but "
            "its coordinates are far outside ±180; it is probably in metres: "
            "correct the file's CRS in the GIS program that wrote it (--crs is "
            "for files that declare none)"))
        return _empty(), problems

    frame = frame.to_crs(STORAGE_CRS)
    problems += _outside_china(frame, name)
    return frame, problems


def _geojson_declares_crs(path: Path) -> bool:
    """Whether a GeoJSON file has a top-level "crs" member (one that does not
    read as JSON is taken to declare one: GDAL's reading decides then)."""
    import json

    try:
        with open(path, encoding="utf-8-sig") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return True
    return isinstance(data, dict) and "crs" in data


def dbf_text_bytes(dbf: Path) -> bytes:
    """The field names and records of a .dbf file (the parts holding text)."""
    raw = dbf.read_bytes()
    if len(raw) < 32:
        return b""
    header_length = int.from_bytes(raw[8:10], "little")
    names = b"".join(raw[i:i + 11] for i in range(32, header_length - 1, 32)
                     if raw[i:i + 1] != b"\r")
    return names + raw[header_length:]


def _shapefile_encoding(path: Path, override: str | None) -> tuple[str, list[Problem]]:
    """The text encoding of a Shapefile's .dbf, whatever its .cpg says.

    Valid UTF-8 is taken as UTF-8; anything else is read as GB18030 (a
    superset of GBK, which Chinese GIS software writes). A .cpg that
    disagrees is reported, and ``--encoding`` overrides everything.
    """
    name = str(path)
    cpg = path.with_suffix(".cpg")
    declared = cpg.read_text(errors="replace").strip() if cpg.exists() else None
    if override:
        return override, [Problem(name, None, None,
                                  f"text read as {override} (--encoding)", "note")]
    dbf = path.with_suffix(".dbf")
    text = dbf_text_bytes(dbf) if dbf.exists() else b""
    try:
        text.decode("utf-8")
        detected = "UTF-8"
    except UnicodeDecodeError:
        detected = "GB18030"
    same = declared is not None and declared.upper().replace("-", "") in (
        {"UTF8"} if detected == "UTF-8" else {"GBK", "GB2312", "GB18030", "CP936",
                                               "936", "ANSI 936"})
    if declared is None:
        message = (f"no .cpg file; text read as {detected} (detected); if names look "
                   "wrong, give --encoding")
        return detected, [Problem(name, None, None, message, "warning")]
    if not same:
        message = (f"the .cpg says {declared} but the text is {detected}; read as "
                   f"{detected}; give --encoding to override")
        return detected, [Problem(name, None, None, message, "warning")]
    return detected, [Problem(name, None, None, f"text read as {detected} "
                              "(as its .cpg says)", "note")]


TOTAL_WORDS = ("合计", "总计", "小计", "共计", "总数")
"""What a table's total rows say in their first cells."""


def _without_total_rows(frame: pd.DataFrame, name: str
                        ) -> tuple[pd.DataFrame, list[Problem]]:
    """The table without its total rows (合计 in one of its first two cells,
    as Excel sheets often end), and a warning for each: a total has no
    coordinates, and was refused as "missing or non-numeric coordinate"."""
    problems, totals = [], []
    for row, cells in frame.iterrows():
        word = next((w for w in (_cell_words(v) for v in list(cells.values)[:2])
                     if w in TOTAL_WORDS), None)
        if word is not None:
            totals.append(row)
            problems.append(Problem(
                name, int(row), None, f"a {word} row (a total, not a record) is "
                "skipped; delete it from the file to be rid of this warning",
                "warning"))
    return frame.drop(index=totals), problems


def _cell_words(value) -> str:
    return "".join(str(value).split()) if isinstance(value, str) else ""


def _read_point_table(path, crs, coords, encoding):
    name = str(path)
    frame, _, problems = read_table(
        path, encoding=encoding, headers=LON_HEADERS + LAT_HEADERS)
    if any(p.severity == "error" for p in problems):
        return _empty(), problems
    lon_col = find_column(frame, LON_HEADERS)
    lat_col = find_column(frame, LAT_HEADERS)
    if lon_col is None or lat_col is None:
        if lon_col is None and lat_col is None:
            said = "has no coordinate columns; name them 经度 and 纬度 (or lon and lat)"
        else:
            missing, english, found = (("经度", "longitude", lat_col)
                                       if lon_col is None
                                       else ("纬度", "latitude", lon_col))
            said = (f"has a {found} column but no {missing} ({english}) column; "
                    f"add it, or name it {missing} if it is there under another "
                    "name")
        return _empty(), [Problem(name, None, None, said)]
    frame, totals = _without_total_rows(frame, name)
    problems = problems + totals
    system_col = find_column(frame, COORD_SYSTEM_HEADERS)
    lon = pd.to_numeric(frame[lon_col].map(_to_number), errors="coerce")
    lat = pd.to_numeric(frame[lat_col].map(_to_number), errors="coerce")
    bad = lon.isna() | lat.isna()
    for row in frame.index[bad]:
        problems.append(Problem(name, int(row), f"{lon_col}/{lat_col}",
                                "missing or non-numeric coordinate"))
    valid = ~bad.to_numpy()
    # Both beyond ±180: metres (a lone typo, or swapped degrees, is left to
    # the check that the points lie in China).
    metres = ((lon.abs() > 180) & (lat.abs() > 180)).to_numpy() & valid
    if metres.any():
        # Columns named 经度/纬度 that hold metres (a GK projection): read in
        # the projected --crs, the one option that names such a system.
        every = bool(metres[valid].all())
        projected = crs is not None and CRS.from_user_input(crs).is_projected
        if not every or not projected:
            problems.append(Problem(
                name, None, f"{lon_col}/{lat_col}",
                f"{int(valid.sum() - metres.sum())} of {int(valid.sum())} rows "
                "hold degrees and the others coordinates beyond ±180 (metres?); "
                "write every row in one system" if not every else
                "the columns hold coordinates beyond ±180, so not degrees "
                "(metres of a projection?): give their projected CRS with --crs "
                "EPSG:N (for example --crs EPSG:4543 for CGCS2000 GK zone 34)"
                + (f"; --crs {crs} is not projected" if crs else "")))
            return _empty(), problems
        x, y = Transformer.from_crs(crs, STORAGE_CRS, always_xy=True).transform(
            lon.to_numpy(dtype=float), lat.to_numpy(dtype=float))
        result = gpd.GeoDataFrame(
            frame.drop(columns=[lon_col, lat_col]), geometry=gpd.points_from_xy(
                x, y), crs=STORAGE_CRS, index=frame.index)[valid]
        return result, problems + _outside_china(result, name,
                                                 f"{lon_col}/{lat_col}")
    # Degrees: a projected --crs is for other files (a shapefile without its
    # .prj, say); --coords names the system of these columns.

    systems = pd.Series(coords or "cgcs2000", index=frame.index, dtype=object)
    if system_col is not None:
        declared = frame[system_col].map(lambda v: str(v or "").strip().lower()
                                         .replace("-", "").replace("_", ""))
        declared = declared.replace({"gcj": "gcj02", "火星": "gcj02",
                                     "bd": "bd09", "百度": "bd09", "": None})
        unknown = declared.notna() & ~declared.isin(COORD_SYSTEMS)
        for row in frame.index[unknown]:
            problems.append(Problem(name, int(row), system_col,
                                    f"unknown coordinate system {declared[row]!r}; "
                                    "use wgs84, cgcs2000, gcj02 or bd09"))
        systems = declared.where(declared.notna(), systems)
    x = lon.to_numpy(dtype=float).copy()
    y = lat.to_numpy(dtype=float).copy()
    for system in set(systems.dropna()):
        if system not in COORD_SYSTEMS:
            continue
        mask = (systems == system).to_numpy() & ~bad.to_numpy()
        if mask.any():
            x[mask], y[mask] = to_cgcs2000(x[mask], y[mask], system)
    geometry = gpd.points_from_xy(x, y)
    result = gpd.GeoDataFrame(frame.drop(columns=[lon_col, lat_col]),
                              geometry=geometry, crs=STORAGE_CRS, index=frame.index)
    result = result[~bad.to_numpy()]
    problems += _outside_china(result, name, f"{lon_col}/{lat_col}")
    return result, problems


def _to_number(value: object) -> object:
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).replace(",", "").strip()
        return text or None
    return value


def _check_geometry(frame: gpd.GeoDataFrame, name: str, repair: bool = False):
    problems = []
    missing = frame.geometry.isna() | frame.geometry.is_empty
    for row in frame.index[missing]:
        kind = "null" if frame.geometry[row] is None else "empty"
        problems.append(Problem(
            name, int(row), "geometry",
            f"feature {_feature_id(frame, row)} has no geometry ({kind}); draw it "
            "or delete the feature"))
    invalid = ~missing & ~frame.geometry.is_valid
    for row in frame.index[invalid]:
        reason = shapely.is_valid_reason(frame.geometry[row])
        if repair:
            frame.loc[row, "geometry"] = shapely.make_valid(frame.geometry[row])
            problems.append(Problem(
                name, int(row), "geometry",
                f"feature {_feature_id(frame, row)}: invalid geometry ({reason}) "
                "repaired with make_valid; check its shape", "warning"))
        else:
            problems.append(Problem(
                name, int(row), "geometry",
                f"feature {_feature_id(frame, row)}: invalid geometry ({reason}); "
                "fix it in a GIS, or add --repair-geometry to repair it "
                "automatically (make_valid)"))
    return frame[~missing], problems


def _feature_id(frame: pd.DataFrame, row) -> str:
    """The feature's own id (first column) for messages, else its number."""
    columns = [c for c in frame.columns if c != "geometry"]
    if columns and frame.at[row, columns[0]] not in (None, ""):
        return f"{columns[0]}={frame.at[row, columns[0]]}"
    return f"#{row}"


def _outside_china(frame: gpd.GeoDataFrame, name: str,
                   column: str = "geometry") -> list[Problem]:
    """Points outside China, named by ``column`` (a table's 经度/纬度, a
    spatial file's geometry)."""
    if frame.empty:
        return []
    points = frame.geometry.representative_point()
    inside = inside_china(points.x.to_numpy(), points.y.to_numpy())
    return [
        Problem(name, int(row), column,
                f"point ({points.x[row]:.5f}, {points.y[row]:.5f}) is outside China; "
                "check for swapped longitude/latitude or a wrong CRS")
        for row in frame.index[~inside]
    ]


def _empty() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"geometry": []}, geometry="geometry", crs=STORAGE_CRS)
