"""Printable allocation orders: one A4 page per household.

The rest of the product fills in :class:`AllocationOrder` records and calls
:func:`write_orders_pdf`.  Each page is laid out like an official Chinese
notice: issuing office, document number, title (分配通知书 or 轮候告知书),
household head with a masked ID number, a members table, the housing unit,
school places and clinic with walking distances, the rule that placed the
household, a signature and seal block, and a footer with the run label.

Every text is checked against the font before anything is written; a
character the font cannot draw raises :class:`MissingGlyphError`, because a
name printed as empty boxes on an official order is worse than no order.
The PDF is written to a temporary file beside the target and moved into place
only when complete, so a failed or cancelled export leaves no partial file.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import io
import logging
import math
import os
import re
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from allocator.fonts import (
    ENV_VAR,
    FontChoice,
    find_cjk_font,
    get_ttfont,
    glyph_coverage,
    latin_companion,
    missing_glyphs,
)
from allocator.paths import output_path

logger = logging.getLogger(__name__)

__all__ = [
    "KIND_ALLOCATED",
    "KIND_EXISTING",
    "KIND_WAITING",
    "AllocationOrder",
    "ExportCancelled",
    "MemberLine",
    "MissingGlyphError",
    "ServiceLine",
    "mask_id_number",
    "write_orders_pdf",
]

KIND_ALLOCATED = "allocated"
"""Household receives a newly allocated unit (新分配)."""
KIND_EXISTING = "existing"
"""Household keeps its existing unit; this run assigns public services."""
KIND_WAITING = "waiting"
"""Household has no unit this time and is placed on the waiting list (轮候)."""

SCHOOL_SERVICES = frozenset({"幼儿园", "小学", "初中"})
"""Service names that denote school places (shown as 无学位 when unplaced)."""

_TITLES = {
    KIND_ALLOCATED: "分配通知书",
    KIND_EXISTING: "分配通知书",
    KIND_WAITING: "轮候告知书",
}


# ---------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberLine:
    """One member of a household as printed in the members table.

    Attributes
    ----------
    name : str
        Member's name.
    relationship : str
        Relationship to the household head (户主, 配偶, 子女 ...).
    sex : str
        男 or 女.
    age : int
        Age in whole years.
    id_number : str
        Full ID number; the PDF prints it masked.
    """

    name: str
    relationship: str
    sex: str
    age: int
    id_number: str


@dataclass(frozen=True)
class ServiceLine:
    """A public-service assignment for one member.

    Attributes
    ----------
    member_name : str
        Member the service is for.
    service : str
        幼儿园, 小学, 初中 or 卫生服务.
    facility_name : str or None
        Assigned facility; None means no place.
    distance_m : float or None
        Walking distance in metres.
    note : str
        Reason text in Chinese (for example why there is no place).
    """

    member_name: str
    service: str
    facility_name: str | None
    distance_m: float | None
    note: str


@dataclass(frozen=True)
class AllocationOrder:
    """Everything printed on one household's order.

    Attributes
    ----------
    order_number : str
        Document number, e.g. ``昭安分〔2026〕0001号``.
    issue_date : datetime.date
        Date of issue.
    county : str
        County name.
    office : str
        Issuing office, printed in the header and the seal block.
    household_id : str
        Household identifier.
    head_name : str
        Household head.
    head_id_number : str
        Head's full ID number; the PDF prints it masked.
    category : str
        Resettlement category (易地扶贫搬迁 ...).
    origin : str
        Former place of residence (原居住地).
    members : tuple of MemberLine
        Household members.
    kind : str
        ``"allocated"``, ``"existing"`` or ``"waiting"``.
    site_name, building, unit_number : str or None
        Resettlement site, building and unit number.
    floor : int or None
        Floor of the unit.
    area_m2 : float or None
        Floor area in square metres.
    accessible : bool or None
        Whether the unit is barrier-free (无障碍).
    services : tuple of ServiceLine
        School places and clinic.
    rule_text : str
        The rule that placed the household, or why it is waiting.
    run_label : str
        Scenario, solver status and lottery seed of the run.
    wish_text : str, default ""
        The household's wishes (ranked sites, low floor), which were met and
        why the others were not; empty when it recorded none.
    """

    order_number: str
    issue_date: datetime.date
    county: str
    office: str
    household_id: str
    head_name: str
    head_id_number: str
    category: str
    origin: str
    members: tuple[MemberLine, ...]
    kind: str
    site_name: str | None
    building: str | None
    unit_number: str | None
    floor: int | None
    area_m2: float | None
    accessible: bool | None
    services: tuple[ServiceLine, ...]
    rule_text: str
    run_label: str
    wish_text: str = ""


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------

_FIELD_EN = {
    "文号": "order number",
    "县名": "county",
    "发文机关": "office",
    "户编号": "household id",
    "户主姓名": "head of household",
    "户主身份证号": "head's ID number",
    "安置类别": "category",
    "原居住地": "former residence",
    "姓名": "member name",
    "与户主关系": "relationship",
    "性别": "sex",
    "身份证号": "member ID number",
    "安置点": "site",
    "楼栋": "building",
    "房号": "unit number",
    "服务对象": "service member",
    "服务类别": "service",
    "机构名称": "facility",
    "说明": "note",
    "安排依据": "reason for the allocation (a planner's lock reason is printed in it)",
    "安置意愿": "wishes",
    "测算说明": "run label",
    "通知书固定文字": "fixed wording of the order",
}


class MissingGlyphError(ValueError):
    """A text on an order contains a character the PDF font cannot draw.

    Parameters
    ----------
    household_id : str
        Household whose order contains the character.
    char : str
        The character.
    field : str
        Chinese label of the field (姓名, 原居住地, ...).
    font_name : str, optional
        Name of the font that lacks the glyph.
    others : int, default 0
        How many further uncovered characters were found in the batch.
    """

    def __init__(
        self,
        household_id: str,
        char: str,
        field: str,
        font_name: str | None = None,
        others: int = 0,
    ) -> None:
        self.household_id = household_id
        self.char = char
        self.field = field
        self.font_name = font_name
        self.others = others
        code = f"U+{ord(char):04X}" if len(char) == 1 else repr(char)
        font_cn = f"当前字体（{font_name}）" if font_name else "当前字体"
        font_en = f"the PDF font ({font_name})" if font_name else "the PDF font"
        more_cn = f"（另有 {others} 处缺字）" if others else ""
        more_en = f" ({others} more such characters in this batch)" if others else ""
        field_en = _FIELD_EN.get(field, field)
        message = (
            f"户 {household_id} 的{field}含字符「{char}」({code})，{font_cn}无此字形；"
            f"请安装含该字的字体或用 {ENV_VAR} 指定字体{more_cn}。"
            f" Household {household_id}: {field_en} contains {char!r} ({code}), "
            f"which {font_en} has no glyph for; install a font that has it or "
            f"point {ENV_VAR} at one{more_en}."
        )
        super().__init__(message)


class ExportCancelled(Exception):
    """The export was cancelled by the caller; no file was written."""


# ---------------------------------------------------------------------------
# Text helpers
# ---------------------------------------------------------------------------


def mask_id_number(s: object) -> str:
    """Mask an ID number for printing.

    Parameters
    ----------
    s : str
        ID number; surrounding whitespace is ignored.  A missing one (None,
        NaN: an empty cell, or a household added without ID numbers) gives
        "", for the caller to print as a dash.

    Returns
    -------
    str
        The first 6 and last 4 characters with every character between them
        replaced by ``*`` (18 characters give 6 + 8 stars + 4).  Strings of
        10 characters or fewer are masked entirely, since keeping 6 + 4 of
        them would reveal the whole value.
    """
    t = _as_text(s).strip()
    n = len(t)
    if n <= 10:
        return "*" * n
    return t[:6] + "*" * (n - 10) + t[-4:]


# Typographic variants some data sources use; replaced only when the fonts
# cannot draw the original but can draw the replacement.
_SUBSTITUTES = {
    "\u2027": "\u00b7",  # hyphenation point -> middle dot (names)
    "\u22c5": "\u00b7",  # dot operator -> middle dot
    "\u30fb": "\u00b7",  # katakana middle dot -> middle dot
    "\u2015": "\u2014",  # horizontal bar -> em dash
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
}


# What str() makes of a missing value in a table (NaN, None, pd.NA, NaT):
# never a real name, ID number, place or category, so printed as missing.
_MISSING_WORDS = frozenset({"nan", "NaN", "None", "<NA>", "NaT"})


def _missing(value: object) -> bool:
    """Whether a field value is missing: None, NaN, pd.NA or NaT."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    try:
        return bool(value != value)  # NaT is not equal to itself
    except (TypeError, ValueError):
        return True  # pd.NA: neither equal nor unequal to itself


def _as_text(value: object) -> str:
    """Field value as text; None and NaN (missing cells in tables) become "",
    and so does the text str() makes of one ("nan", "None")."""
    if isinstance(value, str):
        return "" if value.strip() in _MISSING_WORDS else value
    if _missing(value):
        return ""
    return str(value)


def _format_date(d: datetime.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _format_area(a: float | None) -> str:
    return "—" if _missing(a) else f"{a:.2f}"


def _format_distance(d: float | None) -> str:
    return "—" if _missing(d) else f"{d:.0f}"


def _format_floor(f: int | None) -> str:
    return "—" if _missing(f) else str(int(f))


def _format_yes_no(v: bool | None) -> str:
    if _missing(v):
        return "—"
    return "是" if v else "否"


# ---------------------------------------------------------------------------
# Prepared (cleaned, checked) texts of one order
# ---------------------------------------------------------------------------


@dataclass
class _Prepared:
    order: AllocationOrder
    title: str
    order_number: str
    office: str
    county: str
    household_id: str
    head_name: str
    head_id: str
    category: str
    origin: str
    members: list[tuple[str, str, str, str, str, str]]
    unit: tuple[str, str, str, str, str, str] | None
    services: list[tuple[str, str, str, str, str]]
    rule_text: str
    run_label: str
    date_text: str
    checks: list[tuple[str, str]] = field(default_factory=list)
    wish_text: str = ""


class _Cleaner:
    """Normalise field texts to what will be drawn."""

    def __init__(self, covered: frozenset[int]) -> None:
        self._covered = covered

    def __call__(self, text: object, *, multiline: bool = False) -> str:
        text = _as_text(text)
        if not text:
            return ""
        out: list[str] = []
        covered = self._covered
        for ch in text:
            if ch == "\n" and multiline:
                out.append("\n")
            elif ch.isspace():
                keep = ch == "\u3000" and 0x3000 in covered
                out.append(ch if keep else " ")
            elif unicodedata.category(ch) in ("Cc", "Cf"):
                continue  # invisible controls and format characters
            elif ord(ch) not in covered and ch in _SUBSTITUTES:
                sub = _SUBSTITUTES[ch]
                out.append(sub if all(ord(c) in covered for c in sub) else ch)
            else:
                out.append(ch)
        result = "".join(out)
        if multiline:
            lines = [re.sub(" {2,}", " ", ln).strip() for ln in result.split("\n")]
            return "\n".join(ln for ln in lines if ln)
        return re.sub(" {2,}", " ", result).strip()


def _prepare(order: AllocationOrder, clean: _Cleaner) -> _Prepared:
    if order.kind not in _TITLES:
        raise ValueError(
            f"户 {order.household_id} 的通知类型 {order.kind!r} 无效（应为 allocated、"
            f"existing 或 waiting）。 Household {order.household_id}: unknown order "
            f"kind {order.kind!r}; expected 'allocated', 'existing' or 'waiting'."
        )
    checks: list[tuple[str, str]] = []

    def c(label: str, text: object, multiline: bool = False) -> str:
        value = clean(text, multiline=multiline)
        checks.append((label, value))
        return value

    members = []
    for i, m in enumerate(order.members, start=1):
        members.append(
            (
                str(i),
                c("姓名", m.name) or "—",
                c("与户主关系", m.relationship) or "—",
                c("性别", m.sex) or "—",
                "—" if _missing(m.age) else str(m.age),
                c("身份证号", mask_id_number(m.id_number)) or "—",
            )
        )

    unit = None
    if order.kind != KIND_WAITING and any(
        v is not None
        for v in (
            order.site_name,
            order.building,
            order.unit_number,
            order.floor,
            order.area_m2,
        )
    ):
        unit = (
            c("安置点", order.site_name) or "—",
            c("楼栋", order.building) or "—",
            c("房号", order.unit_number) or "—",
            _format_floor(order.floor),
            _format_area(order.area_m2),
            _format_yes_no(order.accessible),
        )

    # Lines identical except for the member (typically the clinic for every
    # member) are printed as one row naming all of them, so that large
    # households still fit one page.
    groups: dict[tuple[str, str, str, str], list[str]] = {}
    for s in order.services:
        service = c("服务类别", s.service) or "—"
        if _as_text(s.facility_name).strip():
            facility = c("机构名称", s.facility_name)
        else:
            facility = "无学位" if service in SCHOOL_SERVICES else "未安排"
        key = (
            service,
            facility,
            _format_distance(
                s.distance_m if _as_text(s.facility_name).strip() else None
            ),
            c("说明", s.note, multiline=True),
        )
        name = c("服务对象", s.member_name) or "—"
        names = groups.setdefault(key, [])
        if name not in names:
            names.append(name)
    member_names = [row[1] for row in members]
    services = []
    for key, names in groups.items():
        whole = len(names) > 1 and sorted(names) == sorted(member_names)
        services.append(("全户", *key) if whole else ("、\n".join(names), *key))

    return _Prepared(
        order=order,
        title=_TITLES[order.kind],
        order_number=c("文号", order.order_number),
        office=c("发文机关", order.office),
        county=c("县名", order.county),
        household_id=c("户编号", order.household_id),
        head_name=c("户主姓名", order.head_name) or "—",
        head_id=c("户主身份证号", mask_id_number(order.head_id_number)) or "—",
        category=c("安置类别", order.category) or "—",
        origin=c("原居住地", order.origin) or "—",
        members=members,
        unit=unit,
        services=services,
        rule_text=c("安排依据", order.rule_text, multiline=True),
        run_label=c("测算说明", order.run_label),
        date_text=_format_date(order.issue_date),
        checks=checks,
        wish_text=c("安置意愿", order.wish_text, multiline=True),
    )


# ---------------------------------------------------------------------------
# Typesetting: widths, font runs, line breaking
# ---------------------------------------------------------------------------

# Characters that must not begin a line / end a line (simple kinsoku rules).
_NO_LINE_START = frozenset("，。、；：？！）」』》〕】〉”’…·%,.;:?!)]}>％—～")
_NO_LINE_END = frozenset("（「『《〔【〈“‘([{<")
# A number with thousands separators (1,049) is one word, and so is a
# number with its unit (534 m, 75.5 m²): a line never breaks inside them.
_TOKEN_RE = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)? ?(?:m²|m)(?![A-Za-z0-9])"
                       r"|\d{1,3}(?:,\d{3})+(?:\.\d+)?"
                       r"|[A-Za-z0-9\u00c0-\u024f@._\-/+#*%]+| +|.", re.DOTALL)


class _Typesetter:
    """Set text in the CJK face, falling back to the Latin companion face."""

    def __init__(self, font: FontChoice) -> None:
        self.primary = get_ttfont(font)
        self._pcov = glyph_coverage(font)
        companion = latin_companion()
        self.latin = get_ttfont(companion) if companion is not None else None
        self._lcov = glyph_coverage(companion) if companion else frozenset()
        self.names = (self.primary.fontName, self.latin.fontName if self.latin else "")
        self.covered = self._pcov | self._lcov
        self._info: dict[str, tuple[int, float]] = {}
        self.record: set[str] | None = None  # characters drawn, when set

    def _char(self, ch: str) -> tuple[int, float]:
        info = self._info.get(ch)
        if info is None:
            cp = ord(ch)
            if cp in self._pcov or self.latin is None or cp not in self._lcov:
                face = self.primary.face
                info = (0, face.charWidths.get(cp, face.defaultWidth) / 1000.0)
            else:
                face = self.latin.face
                info = (1, face.charWidths.get(cp, face.defaultWidth) / 1000.0)
            self._info[ch] = info
        return info

    def width(self, text: str, size: float) -> float:
        char = self._char
        return sum(char(ch)[1] for ch in text) * size

    def runs(self, text: str) -> list[tuple[int, str]]:
        runs: list[tuple[int, str]] = []
        start = 0
        current = -1
        char = self._char
        for i, ch in enumerate(text):
            idx = current if ch == " " and current >= 0 else char(ch)[0]
            if idx != current:
                if current >= 0:
                    runs.append((current, text[start:i]))
                current = idx
                start = i
        if current >= 0:
            runs.append((current, text[start:]))
        return runs

    def draw(
        self,
        c: Canvas,
        x: float,
        y: float,
        text: str,
        size: float,
        *,
        align: str = "left",
        bold: bool = False,
    ) -> None:
        if not text:
            return
        if self.record is not None:
            self.record.update(text)
        if align != "left":
            w = self.width(text, size)
            x -= w if align == "right" else w / 2.0
        runs = self.runs(text)
        if bold:
            c.saveState()
            c.setLineWidth(size * 0.035)
        if len(runs) == 1 and not bold:
            c.setFont(self.names[runs[0][0]], size)
            c.drawString(x, y, text)
        else:
            t = c.beginText(x, y)
            if bold:
                t.setTextRenderMode(2)
            for idx, run in runs:
                t.setFont(self.names[idx], size)
                t.textOut(run)
            c.drawText(t)
        if bold:
            c.restoreState()

    def wrap(
        self, text: str, width: float, size: float, first_indent: float = 0.0
    ) -> list[str]:
        """Break `text` into lines no wider than `width` (first line indented)."""
        lines: list[str] = []
        for para in text.split("\n"):
            lines.extend(self._wrap_para(para, width, size, first_indent))
        return lines or [""]

    def _wrap_para(
        self, text: str, width: float, size: float, indent: float
    ) -> list[str]:
        tokens = _TOKEN_RE.findall(text)
        lines: list[str] = []
        cur: list[str] = []
        cur_w = 0.0
        limit = width - indent
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            w = self.width(tok, size)
            if tok.startswith(" "):
                if cur:
                    cur.append(tok)
                    cur_w += w
                i += 1
                continue
            if cur_w + w <= limit + 1e-6:
                cur.append(tok)
                cur_w += w
                i += 1
                continue
            if len(tok) > 1 and (not cur or w > width):
                # A word longer than a line: break it between characters.
                tokens[i : i + 1] = list(tok)
                continue
            if not cur:
                # A single character wider than the line: place it anyway.
                cur.append(tok)
                cur_w += w
                i += 1
                continue
            carry: list[str] = []
            if tok[0] in _NO_LINE_START and len(cur) > 1 and not cur[-1].isspace():
                carry.append(cur.pop())
            while len(cur) > 1 and cur[-1][-1] in _NO_LINE_END:
                carry.insert(0, cur.pop())
            while cur and cur[-1].isspace():
                cur.pop()
            lines.append("".join(cur))
            cur = carry
            cur_w = self.width("".join(cur), size)
            limit = width
        while cur and cur[-1].isspace():
            cur.pop()
        if cur or not lines:
            lines.append("".join(cur))
        return lines


# ---------------------------------------------------------------------------
# Page layout
# ---------------------------------------------------------------------------

PAGE_W, PAGE_H = A4
MARGIN_X = 62.0
MARGIN_TOP = 48.0
MARGIN_BOTTOM = 36.0
CONTENT_W = PAGE_W - 2 * MARGIN_X

_RED = (0.78, 0.08, 0.08)
_GREY_TEXT = (0.35, 0.35, 0.35)
_HEADER_FILL = (0.92, 0.92, 0.92)
_SCALES = (1.0, 0.93, 0.86, 0.8, 0.74, 0.68)
_OVERFLOW_SCALE = 0.86  # text size when an order needs a continuation page

_DrawFn = Callable[[Canvas, float], None]


@dataclass
class _Block:
    height: float
    draw: _DrawFn
    keep_with_next: bool = False


def _baseline(line_top: float, lead: float, size: float) -> float:
    """Baseline that centres a line of CJK/Latin text in a line box."""
    return line_top - lead / 2.0 - 0.30 * size


class _PageWriter:
    """Lay out and draw one order per page."""

    def __init__(self, c: Canvas, ts: _Typesetter, total: int) -> None:
        self.c = c
        self.ts = ts
        self.total = total

    # -- fixed parts --------------------------------------------------------

    def _header(self, p: _Prepared, continued: bool) -> float:
        """Draw office, document number, rule and title; return bottom y."""
        c, ts = self.c, self.ts
        y = PAGE_H - MARGIN_TOP
        if continued:
            size = 10.0
            text = f"{p.order_number}（续页）"
            c.setFillColorRGB(*_GREY_TEXT)
            ts.draw(c, PAGE_W - MARGIN_X, y - size, text, size, align="right")
            ts.draw(c, MARGIN_X, y - size, f"户编号：{p.household_id}", size)
            c.setFillColorRGB(0, 0, 0)
            return y - size - 14.0

        size = 17.0
        w = ts.width(p.office, size)
        if w > CONTENT_W:
            size = max(11.0, size * CONTENT_W / w)
        lines = ts.wrap(p.office, CONTENT_W, size)
        c.setFillColorRGB(*_RED)
        c.setStrokeColorRGB(*_RED)
        lead = size * 1.35
        for line in lines:
            ts.draw(
                c,
                PAGE_W / 2.0,
                _baseline(y, lead, size),
                line,
                size,
                align="center",
                bold=True,
            )
            y -= lead
        c.setFillColorRGB(0, 0, 0)
        c.setStrokeColorRGB(0, 0, 0)

        y -= 10.0
        size = 10.5
        ts.draw(c, MARGIN_X, y - size, f"户编号：{p.household_id}", size)
        ts.draw(c, PAGE_W - MARGIN_X, y - size, p.order_number, size, align="right")
        y -= size + 7.0
        c.setStrokeColorRGB(*_RED)
        c.setLineWidth(1.4)
        c.line(MARGIN_X, y, PAGE_W - MARGIN_X, y)
        c.setStrokeColorRGB(0, 0, 0)

        y -= 14.0
        size = 22.0
        ts.draw(
            c, PAGE_W / 2.0, y - size * 0.9, p.title, size, align="center", bold=True
        )
        y -= size * 1.25
        if p.order.kind == KIND_EXISTING:
            size = 11.5
            ts.draw(
                c,
                PAGE_W / 2.0,
                y - size,
                "（既有安置户公共服务安排）",
                size,
                align="center",
            )
            y -= size * 1.6
        return y - 8.0

    def _footer_lines(self, p: _Prepared) -> list[str]:
        return self.ts.wrap(f"测算说明：{p.run_label}", CONTENT_W - 110.0, 8.0)

    def _footer(self, p: _Prepared, lines: list[str], index: int) -> float:
        """Draw run label and sequence number; return the top y of the footer."""
        c, ts = self.c, self.ts
        size, lead = 8.0, 11.0
        top = MARGIN_BOTTOM + lead * len(lines) + 4.0
        c.setStrokeColorRGB(0.6, 0.6, 0.6)
        c.setLineWidth(0.5)
        c.line(MARGIN_X, top, PAGE_W - MARGIN_X, top)
        c.setFillColorRGB(*_GREY_TEXT)
        y = top - 4.0
        for line in lines:
            ts.draw(c, MARGIN_X, _baseline(y, lead, size), line, size)
            y -= lead
        ts.draw(
            c,
            PAGE_W - MARGIN_X,
            _baseline(top - 4.0, lead, size),
            f"第 {index} 份 / 共 {self.total} 份",
            size,
            align="right",
        )
        c.setFillColorRGB(0, 0, 0)
        c.setStrokeColorRGB(0, 0, 0)
        return top

    # -- flowing body -------------------------------------------------------

    def _paragraph(
        self,
        text: str,
        size: float,
        *,
        indent_em: float = 0.0,
        lead: float = 1.5,
        x: float = MARGIN_X,
        width: float = CONTENT_W,
    ) -> list[_Block]:
        ts = self.ts
        line_h = size * lead
        blocks = []
        placed: list[tuple[str, float]] = []
        for para in text.split("\n"):
            lines = ts.wrap(para, width, size, first_indent=indent_em * size)
            placed.append((lines[0], indent_em * size))
            placed.extend((line, 0.0) for line in lines[1:])
        for line, dx in placed:

            def draw(c: Canvas, top: float, line: str = line, dx: float = dx) -> None:
                ts.draw(c, x + dx, _baseline(top, line_h, size), line, size)

            blocks.append(_Block(line_h, draw))
        return blocks

    def _heading(self, text: str, s: float) -> _Block:
        size = 12.5 * s
        h = size * 2.1
        ts = self.ts

        def draw(c: Canvas, top: float) -> None:
            ts.draw(c, MARGIN_X, top - h + size * 0.55, text, size, bold=True)

        return _Block(h, draw, keep_with_next=True)

    def _fields(self, pairs: list[tuple[str, str]], s: float) -> list[_Block]:
        """Label/value pairs, two per row, wrapping values with hanging indent."""
        ts = self.ts
        size = 11.0 * s
        lead = size * 1.55
        col_w = CONTENT_W / 2.0
        blocks: list[_Block] = []

        def fits(pair: tuple[str, str]) -> bool:
            return ts.width(pair[0] + pair[1], size) <= col_w - 8

        i = 0
        while i < len(pairs):
            row = pairs[i : i + 2]
            wide = len(row) == 1 or not (fits(row[0]) and fits(row[1]))
            if wide:
                row = row[:1]
            cells = []
            for k, (label, value) in enumerate(row):
                w = CONTENT_W if wide else col_w - 8
                lw = ts.width(label, size)
                lines = ts.wrap(value, w - lw, size)
                cells.append((MARGIN_X + k * col_w, label, lw, lines))
            n = max(len(cell[3]) for cell in cells)

            def draw(c: Canvas, top: float, cells: list = cells) -> None:
                for x, label, lw, lines in cells:
                    y = top
                    ts.draw(c, x, _baseline(y, lead, size), label, size)
                    for line in lines:
                        ts.draw(c, x + lw, _baseline(y, lead, size), line, size)
                        y -= lead

            blocks.append(_Block(n * lead, draw))
            i += len(row)
        return blocks

    def _table(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        fractions: Sequence[float],
        aligns: str,
        s: float,
    ) -> list[_Block]:
        """A ruled table; each row is one block (rows wrap inside cells)."""
        ts = self.ts
        size = 10.0 * s
        lead = size * 1.3
        pad_x = 4.0 * s
        pad_y = 3.5 * s
        total = sum(fractions)
        widths = [CONTENT_W * f / total for f in fractions]
        xs = [MARGIN_X]
        for w in widths:
            xs.append(xs[-1] + w)

        def make_row(cells: Sequence[str], is_header: bool) -> _Block:
            wrapped = [
                ts.wrap(text, w - 2 * pad_x, size)
                for text, w in zip(cells, widths, strict=True)
            ]
            n = max(len(lines) for lines in wrapped)
            h = n * lead + 2 * pad_y

            def draw(c: Canvas, top: float) -> None:
                bottom = top - h
                c.setLineWidth(0.6)
                if is_header:
                    c.setFillColorRGB(*_HEADER_FILL)
                    c.rect(MARGIN_X, bottom, CONTENT_W, h, stroke=1, fill=1)
                    c.setFillColorRGB(0, 0, 0)
                else:
                    c.rect(MARGIN_X, bottom, CONTENT_W, h, stroke=1, fill=0)
                c.lines([(x, top, x, bottom) for x in xs[1:-1]])
                for k, lines in enumerate(wrapped):
                    align = "center" if is_header else aligns[k]
                    if align == "c":
                        align = "center"
                    elif align == "l":
                        align = "left"
                    y = top - pad_y - (n - len(lines)) * lead / 2.0
                    if align == "center":
                        x = (xs[k] + xs[k + 1]) / 2.0
                    else:
                        x = xs[k] + pad_x
                    for line in lines:
                        ts.draw(
                            c,
                            x,
                            _baseline(y, lead, size),
                            line,
                            size,
                            align=align,
                            bold=is_header,
                        )
                        y -= lead

            return _Block(h, draw, keep_with_next=is_header)

        blocks = [make_row(header, True)]
        blocks.extend(make_row(r, False) for r in rows)
        return blocks

    def _spacer(self, h: float) -> _Block:
        return _Block(h, lambda c, top: None)

    def _seal(self, p: _Prepared, s: float) -> _Block:
        ts = self.ts
        k = max(s, 0.85)
        size = 11.5 * k
        sign_size = 10.5 * k
        office_w = min(ts.width(p.office, size), CONTENT_W - 2 * size)
        right = PAGE_W - MARGIN_X - 2 * size
        office_lines = ts.wrap(p.office, CONTENT_W - 2 * size, size)
        centre = right - office_w / 2.0
        lead = size * 1.6
        gap_sign, gap_stamp = 30.0 * s, 26.0 * s
        h = 18.0 * s + gap_sign + gap_stamp + lead * len(office_lines) + size

        def draw(c: Canvas, top: float) -> None:
            y = top - 18.0 * s
            line_w = 78.0
            label_w = ts.width("经办人：", sign_size)
            x2 = PAGE_W - MARGIN_X - line_w - label_w
            x1 = x2 - 28.0 - line_w - label_w
            c.setLineWidth(0.6)
            for x in (x1, x2):
                c.line(x + label_w, y - 2.0, x + label_w + line_w, y - 2.0)
            ts.draw(c, x1, y, "经办人：", sign_size)
            ts.draw(c, x2, y, "审核人：", sign_size)
            y -= gap_sign
            c.setFillColorRGB(*_GREY_TEXT)
            ts.draw(c, centre, y, "（盖章）", sign_size, align="center")
            c.setFillColorRGB(0, 0, 0)
            y -= gap_stamp
            for line in office_lines:
                ts.draw(c, centre, y, line, size, align="center")
                y -= lead
            ts.draw(c, centre, y, p.date_text, size, align="center")

        return _Block(h, draw)

    def _body(self, p: _Prepared, s: float) -> list[_Block]:
        o = p.order
        size = 11.5 * s
        blocks: list[_Block] = []
        blocks += self._paragraph(f"{p.head_name}户：", size)
        county = p.county or "本县"
        if o.kind == KIND_WAITING:
            intro = (
                f"根据{county}安置分配方案，你户本次暂未分配安置住房，已列入轮候。"
                "现将有关情况告知如下："
            )
        elif o.kind == KIND_EXISTING:
            intro = (
                "你户为既有安置户，本次不调整住房。根据"
                f"{county}安置分配方案，现将你户家庭成员公共服务安排通知如下："
            )
        else:
            intro = (
                f"根据{county}安置分配方案，现将你户安置住房及公共服务分配结果"
                "通知如下："
            )
        blocks += self._paragraph(intro, size, indent_em=2.0)
        blocks.append(self._spacer(4.0 * s))
        blocks += self._fields(
            [
                ("户主姓名：", p.head_name),
                ("身份证号：", p.head_id),
                ("安置类别：", p.category or "—"),
                ("原居住地：", p.origin or "—"),
            ],
            s,
        )

        blocks.append(self._heading(f"一、家庭成员（共 {len(p.members)} 人）", s))
        if p.members:
            blocks += self._table(
                ("序号", "姓名", "与户主关系", "性别", "年龄", "身份证号"),
                p.members,
                (0.7, 2.0, 1.6, 0.8, 0.8, 3.6),
                "clcccc",
                s,
            )
        else:
            blocks += self._paragraph("无。", size, indent_em=2.0)

        blocks.append(self._heading("二、安置住房", s))
        if p.unit is not None:
            title = "既有安置住房（本次不调整）：" if o.kind == KIND_EXISTING else ""
            if title:
                blocks += self._paragraph(title, size)
            blocks += self._table(
                ("安置点", "楼栋", "房号", "楼层", "面积（m²）", "无障碍"),
                [p.unit],
                (2.6, 1.0, 1.9, 0.8, 1.2, 0.9),
                "lccccc",
                s,
            )
        elif o.kind == KIND_WAITING:
            blocks += self._paragraph(
                "本次暂未分配住房，列入轮候。轮候原因见第四项。", size, indent_em=2.0
            )
        else:
            blocks += self._paragraph("无。", size, indent_em=2.0)

        blocks.append(self._heading("三、公共服务安排", s))
        if p.services:
            blocks += self._table(
                ("服务对象", "类别", "机构", "步行距离（米）", "说明"),
                p.services,
                (1.45, 1.05, 2.9, 1.75, 2.55),
                "lclcl",
                s,
            )
        else:
            blocks += self._paragraph("无。", size, indent_em=2.0)

        heading = "四、轮候说明" if o.kind == KIND_WAITING else "四、安排依据"
        blocks.append(self._heading(heading, s))
        blocks += self._paragraph(p.rule_text or "—", size, indent_em=2.0)
        if p.wish_text:
            blocks += self._paragraph(p.wish_text, size, indent_em=2.0)
        closing = "特此告知。" if o.kind == KIND_WAITING else "特此通知。"
        blocks += self._paragraph(closing, size, indent_em=2.0)
        blocks[-1].keep_with_next = True  # never leave the seal block alone
        return blocks

    # -- page assembly ------------------------------------------------------

    def write(self, p: _Prepared, index: int) -> int:
        """Draw the order for `p`; return the number of pages used."""
        footer_lines = self._footer_lines(p)
        footer_top = MARGIN_BOTTOM + 11.0 * len(footer_lines) + 4.0
        limit = footer_top + 10.0

        c = self.c
        header_bottom = self._header(p, continued=False)
        avail = header_bottom - limit
        blocks: list[_Block] = []
        for s in _SCALES:
            blocks = self._body(p, s) + [self._seal(p, s)]
            if sum(b.height for b in blocks) <= avail:
                break
        else:
            logger.warning(
                "Order for household %s does not fit one page even at %.0f%% text "
                "size; continuing on a second page",
                p.household_id,
                _SCALES[-1] * 100,
            )
            blocks = self._body(p, _OVERFLOW_SCALE) + [self._seal(p, _OVERFLOW_SCALE)]

        pages = 1
        y = header_bottom
        for k, block in enumerate(blocks):
            need = block.height
            if block.keep_with_next and k + 1 < len(blocks):
                need += blocks[k + 1].height
            if y - need < limit and y < header_bottom:
                self._footer(p, footer_lines, index)
                c.showPage()
                pages += 1
                y = self._header(p, continued=True)
            block.draw(c, y)
            y -= block.height
        self._footer(p, footer_lines, index)
        c.showPage()
        return pages


# ---------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------


def _check_glyphs(prepared: Sequence[_Prepared], font: FontChoice) -> None:
    problems: list[tuple[str, str, str]] = []
    for p in prepared:
        for label, text in p.checks:
            if not text:
                continue
            for ch in missing_glyphs(text, font):
                # One character of one household is told once, whichever
                # fields repeat it (the head's name is also the greeting's).
                if all((hid, c) != (p.order.household_id, ch)
                       for hid, c, _label in problems):
                    problems.append((p.order.household_id, ch, label))
    if problems:
        for hid, ch, label in problems:
            logger.error(  # the log file's list; MissingGlyphError tells the planner
                "Household %s: %s contains U+%04X, not in font %s",
                hid,
                label,
                ord(ch),
                font.name,
                extra={"file_only": True},
            )
        hid, ch, label = problems[0]
        raise MissingGlyphError(hid, ch, label, font.name, others=len(problems) - 1)


def _check_template(
    prepared: Sequence[_Prepared], ts: _Typesetter, font: FontChoice
) -> None:
    """Check the fixed wording of the layout (titles, headings, labels).

    One throwaway page of every kind, with and without members, unit and
    services, plus a continuation header, is laid out on an in-memory canvas
    that is never saved, and every character drawn is checked.  Field texts
    were checked before, so anything missing here is part of the template.
    """
    base = prepared[0]
    probe = Canvas(io.BytesIO(), pagesize=A4, initialFontName=ts.names[0])
    writer = _PageWriter(probe, ts, len(prepared))
    unit = ("—",) * 6
    extra = ("全户", "卫生服务", "无学位", "—", "未安排")
    seen: set[str] = set()
    ts.record = seen
    try:
        for kind, title in _TITLES.items():
            order = dataclasses.replace(base.order, kind=kind)
            full = dataclasses.replace(
                base,
                order=order,
                title=title,
                unit=None if kind == KIND_WAITING else (base.unit or unit),
                services=[*base.services, extra],
            )
            empty = dataclasses.replace(
                full, unit=None, members=[], services=[], rule_text=""
            )
            writer.write(full, 1)
            writer.write(empty, 1)
        writer._header(base, continued=True)
    finally:
        ts.record = None
    missing = missing_glyphs("".join(sorted(seen)), font)
    if missing:
        raise MissingGlyphError(
            base.household_id,
            missing[0],
            "通知书固定文字",
            font.name,
            others=len(missing) - 1,
        )


@contextlib.contextmanager
def _plain_streams() -> Iterator[None]:
    """Skip ASCII85 wrapping of compressed streams while saving.

    reportlab wraps every Flate stream in ASCII85 by default, which without its
    optional C accelerator costs about a quarter of the export time and makes
    the file about a fifth larger.  The setting is global and only read while
    the document is serialised, so it is switched off just around ``save()``.
    """
    previous = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = previous


def _document_title(prepared: Sequence[_Prepared]) -> str:
    county = prepared[0].county
    kinds = {p.title for p in prepared}
    if kinds == {"轮候告知书"}:
        what = "安置轮候告知书"
    elif "轮候告知书" in kinds:
        what = "安置分配通知书及轮候告知书"
    else:
        what = "安置分配通知书"
    return f"{county}{what}"


def write_orders_pdf(
    orders: Sequence[AllocationOrder],
    path: Path,
    *,
    font: FontChoice | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> Path:
    """Write allocation orders to a PDF, one A4 page per household.

    Parameters
    ----------
    orders : Sequence[AllocationOrder]
        Orders in print order.
    path : Path
        Target file; replaced atomically when the export succeeds.
    font : FontChoice, optional
        CJK font to use; defaults to :func:`allocator.fonts.find_cjk_font`.
    progress : callable, optional
        Called as ``progress(done, total)`` after each household's page.
    cancel : callable, optional
        Polled before each page and before the file is saved; returning
        True stops the export.

    Returns
    -------
    Path
        `path`.

    Raises
    ------
    MissingGlyphError
        Some text contains a character the font cannot draw; raised before
        anything is written.
    ExportCancelled
        `cancel` returned True; the temporary file is removed and `path` is
        left as it was.
    ValueError
        `orders` is empty or an order has an unknown `kind`.

    Notes
    -----
    The font is embedded as subsets (TrueType ``FontFile2``).  An order too
    long for one page even at the smallest text size continues on a second
    page (logged as a warning); the members table holds 12 members together
    with a dozen service lines on one page.
    """
    path = output_path(path)
    items = list(orders)
    total = len(items)
    if not total:
        raise ValueError("没有可导出的通知书。 No orders to export.")
    started = time.perf_counter()
    if font is None:
        font = find_cjk_font()
    ts = _Typesetter(font)
    clean = _Cleaner(ts.covered)
    prepared = [_prepare(o, clean) for o in items]
    _check_glyphs(prepared, font)
    _check_template(prepared, ts, font)
    logger.info("Writing %d orders to %s with font %s", total, path, font.name)

    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{path.stem}.", suffix=".pdf.part", dir=path.parent
    )
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        c = Canvas(
            tmp_name,
            pagesize=A4,
            pageCompression=1,
            initialFontName=ts.names[0],
            initialFontSize=10,
        )
        c.setTitle(_document_title(prepared))
        c.setAuthor(prepared[0].office or prepared[0].county)
        c.setSubject(f"易地扶贫搬迁安置分配结果，共 {total} 户")
        c.setCreator("resettlement-allocator")
        writer = _PageWriter(c, ts, total)
        pages = 0
        for i, p in enumerate(prepared, start=1):
            if cancel is not None and cancel():
                raise ExportCancelled(
                    f"导出已取消（已完成 {i - 1}/{total} 户）。 Export cancelled "
                    f"after {i - 1} of {total} orders."
                )
            pages += writer.write(p, i)
            if progress is not None:
                progress(i, total)
        if cancel is not None and cancel():
            raise ExportCancelled(
                f"导出已取消（已完成 {total}/{total} 户，未保存）。 Export cancelled "
                "before saving."
            )
        with _plain_streams():
            c.save()
        from allocator.project import file_status, give_permissions

        # Owner only when new (personal data); a replaced file's permissions.
        give_permissions(tmp, file_status(path), path)
        os.replace(tmp, path)
    except BaseException:
        try:
            tmp.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            logger.warning("Could not remove temporary file %s: %s", tmp, exc)
        raise
    elapsed = time.perf_counter() - started
    logger.info(
        "Wrote %d pages for %d households to %s (%.1f MB) in %.1f s",
        pages,
        total,
        path,
        path.stat().st_size / 1e6,
        elapsed,
    )
    return path
