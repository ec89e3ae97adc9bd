"""Column mapping for the import wizard (plain Python, no Qt).

The importer recognises the Chinese headers of the templates (户号, 姓名,
房号...) and their English field names. When a county's files use other
headers, the planner maps them in the wizard; the file is then copied to a
temporary folder with the headers renamed, and the copy is imported. Only
the header changes: cells, their types (an ID typed as a number in Excel is
still refused) and row numbers stay as they were.
"""

from __future__ import annotations

import csv
import io
import logging
from pathlib import Path

from allocator.importer import (
    FACILITY_COLUMNS,
    FACILITY_REQUIRED,
    REGISTER_COLUMNS,
    REGISTER_HEADERS,
    REGISTER_REQUIRED,
    SITE_COLUMNS,
    SITE_REQUIRED,
    UNIT_COLUMNS,
    UNIT_REQUIRED,
)
from gis.readers import (
    COORD_SYSTEM_HEADERS,
    LAT_HEADERS,
    LON_HEADERS,
    TABLE_SUFFIXES,
    Problem,
    _rows_by_encoding,
    clean_header,
    header_position,
    mixed_encoding,
    not_text,
    separator,
    table_encoding,
)

logger = logging.getLogger(__name__)

# kind -> (Chinese header -> field, required fields)
SCHEMAS: dict[str, tuple[dict[str, str], tuple[str, ...]]] = {
    "register": (REGISTER_COLUMNS, REGISTER_REQUIRED),
    "units": (UNIT_COLUMNS, UNIT_REQUIRED),
    "facilities": (FACILITY_COLUMNS, FACILITY_REQUIRED),
    "sites": (SITE_COLUMNS, SITE_REQUIRED),
}
COORDINATE_HEADERS = {h.lower() for h in LON_HEADERS + LAT_HEADERS
                      + COORD_SYSTEM_HEADERS}


def known_headers(kind: str | None) -> tuple[str, ...]:
    """The headers the importer looks for to find a file's header row below
    a title: the register's own (Chinese or English), the coordinate
    columns of the point tables (as :mod:`gis.readers` reads them)."""
    if kind == "register":
        return REGISTER_HEADERS
    if kind is None:
        return tuple({header for mapping, _required in SCHEMAS.values()
                      for pair in mapping.items() for header in pair}
                     | COORDINATE_HEADERS)
    return LON_HEADERS + LAT_HEADERS


def fields(kind: str) -> list[tuple[str, str, bool]]:
    """(field, Chinese header, required) for a file kind, in template order."""
    mapping, required = SCHEMAS[kind]
    return [(field, header, field in required) for header, field in mapping.items()]


def is_coordinate(header: str) -> bool:
    """True for 经度/纬度/坐标系 columns, which the reader handles itself."""
    return header.lower() in COORDINATE_HEADERS


def read_headers(path: Path, encoding: str | None = None,
                 kind: str | None = None) -> list[str]:
    """The header row of a table (found as the importer finds it for files
    of ``kind``) or the attribute names of a spatial file."""
    path = Path(path)
    headers_of = known_headers(kind)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        import openpyxl

        name, at = header_position(path, headers_of)
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = book[name]
            first = next(sheet.iter_rows(min_row=at + 1, max_row=at + 1,
                                         values_only=True), ())
        finally:
            book.close()
        headers = [clean_header(c) for c in first]
        while headers and not headers[-1]:
            headers.pop()
        return headers
    if suffix in TABLE_SUFFIXES:
        text, _used = _decode(path, encoding)
        if not text.strip():
            return []
        _sheet, at = header_position(path, headers_of, text)
        body = text.lstrip("\ufeff")
        rows = csv.reader(io.StringIO(body), delimiter=separator(body))
        for _ in range(at):
            next(rows, None)
        return [clean_header(c) for c in next(rows, [])]
    import pyogrio

    info = pyogrio.read_info(path, encoding=encoding)
    return [clean_header(c) for c in info["fields"]]


def _decode(path: Path, encoding: str | None) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was read in.

    Checked as the command line's reader checks it (:mod:`gis.readers`): a
    file whose rows mix UTF-8 and GBK is refused with the reader's message
    (the file, its first row in the other encoding, what to do), whatever
    encoding is chosen; a file that no encoding reads names its first bad
    row. Raises ValueError with the message.
    """
    raw = path.read_bytes()
    found = not_text(path, raw, encoding)
    if found is not None:
        raise ValueError(str(found))
    encoding = table_encoding(raw, encoding)
    mixed = mixed_encoding(raw) if encoding != "utf-16" else None
    if mixed is not None:
        raise ValueError(str(Problem(str(path), mixed[0], None, mixed[1])))
    for candidate in ([encoding] if encoding else ["utf-8-sig", "gb18030"]):
        try:
            return raw.decode(candidate), candidate
        except (UnicodeDecodeError, LookupError) as exc:
            if encoding:
                raise ValueError(str(Problem(
                    str(path), None, None,
                    f"cannot be read as {candidate} ({exc}); choose another text "
                    "encoding (文本编码), or 自动识别 for UTF-8 or GBK"))) from None
    neither = _rows_by_encoding(raw)["neither"]
    raise ValueError(str(Problem(
        str(path), neither[0] if neither else None, None,
        ("this row is" if neither else "is") + " neither UTF-8 nor GBK/GB18030 "
        "text; save the whole file as CSV UTF-8 (or GBK), or choose its text "
        "encoding (文本编码)")))


def auto_mapping(kind: str, headers: list[str]) -> dict[str, str | None]:
    """The field each header maps to, as the importer would map it."""
    mapping, _required = SCHEMAS[kind]
    english = {field: field for field in mapping.values()}
    result: dict[str, str | None] = {}
    taken: set[str] = set()
    for header in headers:
        field = mapping.get(header) or english.get(header.lower())
        if field and field not in taken:
            result[header] = field
            taken.add(field)
        else:
            result[header] = None
    return result


def missing_required(kind: str, mapping: dict[str, str | None]) -> list[str]:
    """Required fields no header maps to."""
    _mapping, required = SCHEMAS[kind]
    given = {f for f in mapping.values() if f}
    return [f for f in required if f not in given]


def duplicates(mapping: dict[str, str | None]) -> list[str]:
    """Fields that more than one header maps to."""
    seen: dict[str, int] = {}
    for field in mapping.values():
        if field:
            seen[field] = seen.get(field, 0) + 1
    return sorted(f for f, n in seen.items() if n > 1)


def remapped_copy(kind: str, path: Path, mapping: dict[str, str | None],
                  folder: Path, encoding: str | None = None) -> Path:
    """A copy of ``path`` in ``folder`` whose headers are the template's.

    Headers mapped to no field are renamed so the importer ignores them;
    coordinate columns keep their names.
    """
    path = Path(path)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    chinese = {field: header for header, field in SCHEMAS[kind][0].items()}

    def rename(header: str, position: int) -> str:
        if is_coordinate(header):
            return header
        field = mapping.get(header)
        return chinese[field] if field else f"未导入列{position + 1}"

    suffix = path.suffix.lower()
    target = folder / f"{kind}{suffix if suffix in TABLE_SUFFIXES else '.gpkg'}"
    if suffix in (".xlsx", ".xlsm"):
        import openpyxl

        name, at = header_position(path, known_headers(kind))
        book = openpyxl.load_workbook(path)
        sheet = book[name]
        for position, cell in enumerate(sheet[at + 1]):
            header = clean_header(cell.value)
            if header:
                cell.value = rename(header, position)
        book.save(target)
    elif suffix in TABLE_SUFFIXES:
        # Only the header row changes (a title above it stays, as it is).
        text, _used = _decode(path, encoding)
        text = text.lstrip("\ufeff")
        _sheet, at = header_position(path, known_headers(kind), text)
        lines = text.split("\n")
        delimiter = separator(text)
        cells = next(csv.reader([lines[at].rstrip("\r")], delimiter=delimiter), [])
        out = io.StringIO()
        csv.writer(out, delimiter=delimiter, lineterminator="").writerow(
            [rename(clean_header(c), i) for i, c in enumerate(cells)])
        lines[at] = out.getvalue()
        target.write_text("\n".join(lines), encoding="utf-8-sig")
    else:
        import pyogrio

        frame = pyogrio.read_dataframe(path, encoding=encoding)
        frame.columns = [c if c == "geometry" else rename(clean_header(c), i)
                         for i, c in enumerate(frame.columns)]
        pyogrio.write_dataframe(frame, target, driver="GPKG")
    logger.info("remapped headers of %s into %s", path, target)
    return target
