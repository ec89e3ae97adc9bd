"""Tests for the PDF allocation orders and the font selection behind them."""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import logging
import re
import shutil
import unicodedata
from pathlib import Path

import numpy as np
import pypdf
import pypdfium2 as pdfium
import pytest
from reportlab.pdfgen.canvas import Canvas

from allocator.fonts import (
    ENV_VAR,
    FontChoice,
    bundled_font,
    find_cjk_font,
    get_ttfont,
    latin_companion,
    missing_glyphs,
)
from allocator.orders import (
    AllocationOrder,
    ExportCancelled,
    MemberLine,
    MissingGlyphError,
    ServiceLine,
    mask_id_number,
    write_orders_pdf,
)

logger = logging.getLogger(__name__)

OUTSIDE_FONT = "\U00020bb7"  # 𠮷, CJK Extension B; not in Droid Sans Fallback
PRIVATE_USE = "\ue000"

MARGIN_X = 62.0
RULE = (
    "按家庭人口数匹配户型，人均住房面积不超过25平方米；同等条件下按抽签顺序确定房号。"
)


@pytest.fixture(scope="module")
def font() -> FontChoice:
    return bundled_font()


def _id(n: int) -> str:
    """An 18-character ID number: region, birth date, sequence, check char."""
    return f"513431{1980 + n % 20}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}X"


def make_order(
    n: int,
    *,
    head: str = "吉克阿呷",
    kind: str = "allocated",
    members: tuple[MemberLine, ...] | None = None,
    services: tuple[ServiceLine, ...] | None = None,
    rule_text: str = RULE,
    **changes: object,
) -> AllocationOrder:
    head_id = _id(n)
    if members is None:
        members = (
            MemberLine(head, "户主", "女", 41, head_id),
            MemberLine("阿苦日哈", "配偶", "男", 43, _id(n + 100)),
            MemberLine("吉克拉则", "子女", "男", 9, _id(n + 200)),
            MemberLine("王秀英", "母亲", "女", 68, _id(n + 300)),
        )
    if services is None:
        services = (
            ServiceLine(
                "吉克拉则", "小学", "昭觉县城北感恩小学", 860.0, "按就近入学原则安排"
            ),
            ServiceLine(
                head, "卫生服务", "南坪社区卫生服务站", 412.4, "全户签约家庭医生"
            ),
        )
    waiting = kind == "waiting"
    order = AllocationOrder(
        order_number=f"昭安分〔2026〕{n:04d}号",
        issue_date=datetime.date(2026, 12, 4),
        county="昭觉县",
        office="昭觉县易地扶贫搬迁安置工作领导小组办公室",
        household_id=f"ZJ-{n:06d}",
        head_name=head,
        head_id_number=head_id,
        category="易地扶贫搬迁",
        origin="支尔莫乡阿土列尔村",
        members=members,
        kind=kind,
        site_name=None if waiting else "南坪安置点",
        building=None if waiting else "7栋",
        unit_number=None if waiting else "2单元1203",
        floor=None if waiting else 12,
        area_m2=None if waiting else 100.0,
        accessible=None if waiting else False,
        services=services,
        rule_text=rule_text,
        run_label="方案 base · 求解状态：最优（已证明）· 抽签种子 20261204",
    )
    return dataclasses.replace(order, **changes) if changes else order


def big_order(n: int) -> AllocationOrder:
    """A 12-member household with school places, a missing place and a clinic."""
    names = [
        "吉克阿呷",
        "阿苦日哈",
        "吉克拉则",
        "吉克阿牛",
        "吉克木呷",
        "吉克伍沙",
        "吉克尔古",
        "吉克阿支",
        "吉克史者",
        "吉克莫色",
        "王建国",
        "沙马阿呷莫色尔古",
    ]
    ages = [44, 42, 14, 12, 9, 7, 5, 4, 3, 71, 30, 18]
    members = tuple(
        MemberLine(name, "户主" if i == 0 else "家庭成员", "女", age, _id(n + i))
        for i, (name, age) in enumerate(zip(names, ages, strict=True))
    )
    services = [
        ServiceLine("吉克拉则", "初中", "昭觉县民族中学", 1520.0, "按学区安排"),
        ServiceLine("吉克阿牛", "初中", "昭觉县民族中学", 1520.0, "按学区安排"),
        ServiceLine("吉克木呷", "小学", "昭觉县城北感恩小学", 860.0, "按学区安排"),
        ServiceLine("吉克伍沙", "小学", "昭觉县城北感恩小学", 860.0, "按学区安排"),
        ServiceLine("吉克尔古", "幼儿园", "沐恩邸幼儿园", 300.0, "按学区安排"),
        ServiceLine("吉克阿支", "幼儿园", "沐恩邸幼儿园", 300.0, "按学区安排"),
        ServiceLine("吉克史者", "幼儿园", None, None, "学区内学位已满，已登记候补"),
    ]
    services += [
        ServiceLine(m.name, "卫生服务", "南坪社区卫生服务站", 412.0, "签约家庭医生")
        for m in members
    ]
    return make_order(
        n,
        members=members,
        services=tuple(services),
        rule_text=(
            "家中有行动不便成员的户优先安排低楼层及无障碍住房。\n"
            "按人均住房面积不超过25平方米的标准，依家庭人口数匹配户型；"
            "人口数为7人及以上的户安排150平方米户型或相邻两套。\n"
            "同等条件下按抽签顺序确定房号。"
        ),
        area_m2=150.0,
        accessible=True,
    )


def sample_orders() -> list[AllocationOrder]:
    return [
        make_order(1, head="吉克阿呷"),
        make_order(
            2,
            head="阿苦日哈",
            services=(
                ServiceLine("阿苦日哈", "卫生服务", "好谷乡卫生院", 1230.0, ""),
                ServiceLine("吉克拉则", "初中", None, None, "学区内学位已满"),
            ),
        ),
        make_order(3, head="张建华", kind="existing"),
        make_order(
            4,
            head="沙马拉则",
            kind="waiting",
            rule_text="本批次相应户型已分配完毕，按抽签顺序列入轮候第 3 位。",
        ),
        big_order(5),
    ]


def page_texts(path: Path) -> list[str]:
    reader = pypdf.PdfReader(path)
    return [unicodedata.normalize("NFKC", p.extract_text()) for p in reader.pages]


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ---------------------------------------------------------------------------
# mask_id_number
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("51343119800101123X", "513431********123X"),
        ("513431198001011234", "513431********1234"),
        ("513431800101123", "513431*****1123"),  # first-generation 15 digits
        ("  51343119800101123X ", "513431********123X"),
        ("12345678901", "123456*8901"),
        ("1234567890", "**********"),
        ("待补录", "***"),
        ("", ""),
    ],
)
def test_mask_id_number(value: str, expected: str) -> None:
    assert mask_id_number(value) == expected


# ---------------------------------------------------------------------------
# Content
# ---------------------------------------------------------------------------


def test_pdf_text_contains_order_details(tmp_path: Path, font: FontChoice) -> None:
    orders = sample_orders()
    out = write_orders_pdf(orders, tmp_path / "orders.pdf", font=font)
    texts = page_texts(out)
    assert len(texts) == len(orders)
    for order, text in zip(orders, texts, strict=True):
        assert order.head_name in text
        assert mask_id_number(order.head_id_number) in text
        assert order.head_id_number not in text
        for m in order.members:
            assert m.name in text
            assert mask_id_number(m.id_number) in text
            assert m.id_number not in text
        for s in order.services:
            if s.facility_name:
                assert s.facility_name in text
        assert order.order_number in text
        assert order.household_id in text
        assert "2026年12月4日" in text
        assert "经办人" in text and "审核人" in text and "(盖章)" in text
        assert "抽签种子 20261204" in text
        title = "轮候告知书" if order.kind == "waiting" else "分配通知书"
        assert title in text
    assert "南坪安置点" in texts[0] and "2单元1203" in texts[0]
    assert "无学位" in texts[1] and "学区内学位已满" in texts[1]
    assert "860" in texts[0] and "412" in texts[0]  # walking distances, metres


def test_full_id_numbers_appear_nowhere(tmp_path: Path, font: FontChoice) -> None:
    orders = sample_orders()
    out = write_orders_pdf(orders, tmp_path / "orders.pdf", font=font)
    reader = pypdf.PdfReader(out)
    everything = "".join(page_texts(out)) + str(reader.metadata)
    for o in orders:
        for m in o.members:
            assert m.id_number not in everything
            assert m.id_number[6:14] not in everything  # the birth date part


def test_one_page_per_order_even_for_twelve_members(
    tmp_path: Path, font: FontChoice
) -> None:
    orders = [big_order(1), make_order(2), big_order(3)]
    out = write_orders_pdf(orders, tmp_path / "big.pdf", font=font)
    assert len(pypdf.PdfReader(out).pages) == 3
    text = page_texts(out)[0]
    assert "沙马阿呷莫色尔古" in text
    assert "昭觉县民族中学" in text and "沐恩邸幼儿园" in text


def test_metadata_in_chinese(tmp_path: Path, font: FontChoice) -> None:
    out = write_orders_pdf(sample_orders(), tmp_path / "orders.pdf", font=font)
    meta = pypdf.PdfReader(out).metadata
    assert meta.title == "昭觉县安置分配通知书及轮候告知书"
    assert meta.author == "昭觉县易地扶贫搬迁安置工作领导小组办公室"


# ---------------------------------------------------------------------------
# Fonts in the PDF and real glyphs
# ---------------------------------------------------------------------------


def test_font_is_embedded_and_is_the_chosen_one(
    tmp_path: Path, font: FontChoice
) -> None:
    out = write_orders_pdf(sample_orders(), tmp_path / "orders.pdf", font=font)
    reader = pypdf.PdfReader(out)
    companion = latin_companion()
    allowed = {font.name} | ({companion.name} if companion else set())
    seen = set()
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            f = ref.get_object()
            assert f["/Subtype"] == "/TrueType"
            descriptor = f["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor, "font is not embedded"
            assert len(descriptor["/FontFile2"].get_object().get_data()) > 0
            prefix, _, name = str(f["/BaseFont"]).lstrip("/").partition("+")
            assert len(prefix) == 6  # subset tag
            assert name in allowed
            seen.add(name)
    assert font.name in seen


def _dark_fraction(path: Path, index: int = 0, scale: float = 1.0) -> float:
    pdf = pdfium.PdfDocument(str(path))
    try:
        img = pdf[index].render(scale=scale).to_numpy()
    finally:
        pdf.close()
    grey = img[..., :3].mean(axis=2)
    return float((grey < 128).mean())


def test_first_page_renders_real_ink(tmp_path: Path, font: FontChoice) -> None:
    out = write_orders_pdf(sample_orders(), tmp_path / "orders.pdf", font=font)
    frac = _dark_fraction(out)
    assert 0.01 < frac < 0.25, frac


def test_chinese_line_uses_real_glyphs(tmp_path: Path, font: FontChoice) -> None:
    line = "分配通知书吉克阿呷阿苦日哈昭觉县"
    assert missing_glyphs(line, font) == []
    assert missing_glyphs(line, font, with_companion=False) == []
    face = get_ttfont(font).face
    assert all(face.charToGlyph.get(ord(ch), 0) != 0 for ch in line)

    # Draw the line with the bundled font, one character per 40 pt cell, and
    # check that every cell has ink and that no two cells look the same (a
    # .notdef fallback would repeat one box).
    size = 40.0
    pdf_path = tmp_path / "line.pdf"
    c = Canvas(str(pdf_path), pagesize=(size * (len(line) + 1), size * 2))
    c.setFont(get_ttfont(font).fontName, size)
    for i, ch in enumerate(line):
        c.drawString(size / 2 + i * size, size * 0.7, ch)
    c.save()
    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        img = pdf[0].render(scale=1.0).to_numpy()[..., :3].mean(axis=2)
    finally:
        pdf.close()
    cells = []
    for i in range(len(line)):
        x0 = int(size / 2 + i * size)
        cell = img[:, x0 : x0 + int(size)] < 128
        assert cell.mean() > 0.02, f"no ink for {line[i]!r}"
        cells.append(hashlib.sha1(np.packbits(cell).tobytes()).hexdigest())
    assert len(set(cells)) == len(set(line))


def test_digits_come_from_the_latin_companion(font: FontChoice) -> None:
    # Droid Sans Fallback has no ASCII glyphs; IDs and dates are set in the
    # companion face, and missing_glyphs accounts for that by default.
    assert missing_glyphs("ZJ-000123", font, with_companion=False)
    assert missing_glyphs("ZJ-000123 513431********123X", font) == []


def test_all_text_inside_the_margins(tmp_path: Path, font: FontChoice) -> None:
    long_rule = "依据安置分配规则第三条，" * 30
    orders = [
        big_order(1),
        make_order(
            2,
            rule_text=long_rule,
            origin="支尔莫乡阿土列尔村" * 4,
            services=(
                ServiceLine(
                    "吉克拉则",
                    "小学",
                    "昭觉县城北感恩小学（沙洛乡教学点）" * 2,
                    860.0,
                    "说明文字较长，" * 8,
                ),
            ),
        ),
    ]
    out = write_orders_pdf(orders, tmp_path / "long.pdf", font=font)
    pdf = pdfium.PdfDocument(str(out))
    try:
        assert len(pdf) == 2
        for page in pdf:
            width, height = page.get_size()
            text = page.get_textpage()
            n = text.count_chars()
            assert n > 100
            for i in range(n):
                left, bottom, right, top = text.get_charbox(i)
                if right - left <= 0:
                    continue  # spaces and line breaks
                assert left >= MARGIN_X - 1 and right <= width - MARGIN_X + 1
                assert bottom >= 20 and top <= height - 30
    finally:
        pdf.close()


# ---------------------------------------------------------------------------
# Missing glyphs, cancellation, atomic writes
# ---------------------------------------------------------------------------


def test_missing_glyphs_reports_uncovered_characters(font: FontChoice) -> None:
    text = f"吉克{OUTSIDE_FONT}呷 阿苦{PRIVATE_USE}日哈{OUTSIDE_FONT}"
    assert missing_glyphs(text, font) == [OUTSIDE_FONT, PRIVATE_USE]
    assert missing_glyphs(" \t\n\u3000", font) == []


def test_missing_glyph_raises_and_writes_nothing(
    tmp_path: Path, font: FontChoice
) -> None:
    bad_name = f"吉克阿{OUTSIDE_FONT}"
    orders = [
        make_order(1),
        make_order(
            123,
            members=(
                MemberLine("阿苦日哈", "户主", "男", 40, _id(1)),
                MemberLine(bad_name, "子女", "女", 8, _id(2)),
            ),
        ),
    ]
    target = tmp_path / "orders.pdf"
    with pytest.raises(MissingGlyphError) as info:
        write_orders_pdf(orders, target, font=font)
    err = info.value
    assert isinstance(err, ValueError)
    assert err.household_id == "ZJ-000123"
    assert err.char == OUTSIDE_FONT
    assert err.field == "姓名"
    message = str(err)
    assert "户 ZJ-000123 的姓名含字符「𠮷」(U+20BB7)" in message
    assert ENV_VAR in message and "Household ZJ-000123" in message
    assert leftovers(tmp_path) == []


def test_missing_glyph_leaves_existing_file_unchanged(
    tmp_path: Path, font: FontChoice
) -> None:
    target = tmp_path / "orders.pdf"
    target.write_bytes(b"previous export")
    bad = make_order(7, origin=f"支尔莫乡{PRIVATE_USE}村")
    with pytest.raises(MissingGlyphError) as info:
        write_orders_pdf([make_order(6), bad], target, font=font)
    assert info.value.field == "原居住地"
    assert target.read_bytes() == b"previous export"
    assert leftovers(tmp_path) == ["orders.pdf"]


def test_fixed_wording_is_checked_too(tmp_path: Path) -> None:
    # A Latin-only face covers every field below, but not the Chinese
    # headings and labels of the layout.
    latin = latin_companion()
    assert latin is not None
    member = MemberLine("Jike Aga", "head", "F", 41, _id(1))
    order = make_order(
        1,
        head="Jike Aga",
        members=(member,),
        services=(ServiceLine("Jike Aga", "clinic", "Nanping", 400.0, "ok"),),
        order_number="ZA-2026-0001",
        county="Zhaojue",
        office="Resettlement Office",
        category="relocation",
        origin="Zhiermo",
        rule_text="Rule 1",
        run_label="base",
        site_name="Nanping",
        building="7",
        unit_number="2-1203",
    )
    target = tmp_path / "orders.pdf"
    with pytest.raises(MissingGlyphError) as info:
        write_orders_pdf([order], target, font=latin)
    assert info.value.field == "通知书固定文字"
    assert leftovers(tmp_path) == []


def test_missing_values_print_as_dash(tmp_path: Path, font: FontChoice) -> None:
    order = make_order(1, category=float("nan"), building=None, floor=None)
    out = write_orders_pdf([order], tmp_path / "orders.pdf", font=font)
    text = page_texts(out)[0]
    assert re.search(r"安置类别:\s*—", text)
    assert "nan" not in text


def test_invisible_format_characters_are_dropped(
    tmp_path: Path, font: FontChoice
) -> None:
    order = make_order(1, head="吉克\u200b阿呷\ufeff")
    out = write_orders_pdf([order], tmp_path / "orders.pdf", font=font)
    assert "吉克阿呷" in page_texts(out)[0]


def test_cancel_midway_leaves_no_file(tmp_path: Path, font: FontChoice) -> None:
    target = tmp_path / "orders.pdf"
    done: list[tuple[int, int]] = []

    def cancel() -> bool:
        return len(done) >= 2

    with pytest.raises(ExportCancelled):
        write_orders_pdf(
            [make_order(i) for i in range(1, 6)],
            target,
            font=font,
            progress=lambda d, n: done.append((d, n)),
            cancel=cancel,
        )
    assert done == [(1, 5), (2, 5)]
    assert leftovers(tmp_path) == []


def test_cancel_keeps_previous_file(tmp_path: Path, font: FontChoice) -> None:
    target = tmp_path / "orders.pdf"
    target.write_bytes(b"previous export")
    with pytest.raises(ExportCancelled):
        write_orders_pdf([make_order(1)], target, font=font, cancel=lambda: True)
    assert target.read_bytes() == b"previous export"
    assert leftovers(tmp_path) == ["orders.pdf"]


def test_success_replaces_file_and_reports_progress(
    tmp_path: Path, font: FontChoice
) -> None:
    target = tmp_path / "orders.pdf"
    target.write_bytes(b"previous export")
    done: list[tuple[int, int]] = []
    result = write_orders_pdf(
        [make_order(i) for i in range(1, 4)],
        target,
        font=font,
        progress=lambda d, n: done.append((d, n)),
        cancel=lambda: False,
    )
    assert result == target
    assert done == [(1, 3), (2, 3), (3, 3)]
    assert target.read_bytes().startswith(b"%PDF")
    assert leftovers(tmp_path) == ["orders.pdf"]


def test_rejects_unknown_kind_and_empty_input(tmp_path: Path, font: FontChoice) -> None:
    with pytest.raises(ValueError, match="kind"):
        write_orders_pdf([make_order(1, kind="moved")], tmp_path / "x.pdf", font=font)
    with pytest.raises(ValueError):
        write_orders_pdf([], tmp_path / "x.pdf", font=font)
    assert leftovers(tmp_path) == []


# ---------------------------------------------------------------------------
# Font selection
# ---------------------------------------------------------------------------


def test_find_font_falls_back_to_bundled() -> None:
    choice = find_cjk_font(environ={}, platform="darwin")
    assert choice.is_bundled
    assert choice.path == bundled_font().path
    assert choice.name == "DroidSansFallback"


def test_find_font_prefers_windows_fangsong(tmp_path: Path) -> None:
    fonts = tmp_path / "Fonts"
    fonts.mkdir()
    shutil.copyfile(bundled_font().path, fonts / "simfang.ttf")
    choice = find_cjk_font(environ={"WINDIR": str(tmp_path)}, platform="win32")
    assert choice.path == fonts / "simfang.ttf"
    assert choice.subfont_index == 0
    assert not choice.is_bundled


def test_find_font_environment_override(tmp_path: Path) -> None:
    copy = tmp_path / "my font.ttf"
    shutil.copyfile(bundled_font().path, copy)
    choice = find_cjk_font(environ={ENV_VAR: str(copy)}, platform="darwin")
    assert choice.path == copy and not choice.is_bundled

    missing = find_cjk_font(
        environ={ENV_VAR: str(tmp_path / "none.ttf")}, platform="darwin"
    )
    assert missing.is_bundled

    not_a_font = tmp_path / "notes.ttf"
    not_a_font.write_bytes(b"OTTO" + b"\0" * 64)  # CFF outlines: not embeddable
    assert find_cjk_font(
        environ={ENV_VAR: str(not_a_font)}, platform="darwin"
    ).is_bundled


def test_override_font_is_used_in_pdf(tmp_path: Path) -> None:
    copy = tmp_path / "override.ttf"
    shutil.copyfile(bundled_font().path, copy)
    choice = find_cjk_font(environ={ENV_VAR: f"{copy}#0"}, platform="linux")
    assert choice.path == copy
    out = write_orders_pdf([make_order(1)], tmp_path / "o.pdf", font=choice)
    assert "吉克阿呷" in page_texts(out)[0]


def test_a_line_never_breaks_inside_a_number(font: FontChoice) -> None:
    # Found by a new user: "步行1,\n049 m" on an order.
    from allocator.orders import _Typesetter

    setter = _Typesetter(font)
    text = "最近的服务半径外幼儿园：河西幼儿园，步行1,049 m，剩余3个"
    for width in range(60, 400, 7):
        lines = setter.wrap(text, float(width), 10.0)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
        assert not any(line.endswith("1,") or line.startswith("049")
                       for line in lines), (width, lines)
        # Nor between a number and its unit (a new user: "步行534\nm").
        assert not any(line.lstrip().startswith("m") for line in lines), \
            (width, lines)


def test_a_gap_is_never_printed_as_nought_when_it_is_not():
    # Found by a new user: a run within a gap of 0.0025 % printed "可行解，未证明
    # 最优，差距0.00%" on every order, which reads as a contradiction.
    from allocator.export import run_label
    from allocator.kpis import gap_percent

    assert gap_percent(0.000025) == "0.0025%"
    assert gap_percent(0.0000002) == "0.000020%"
    assert gap_percent(0.000254) == "0.03%"
    assert gap_percent(0.3936) == "39.36%"
    assert gap_percent(0.0) == "0.00%"
    label = run_label({"status": "feasible", "gap": 0.000025, "options_json": "{}",
                       "scenario": "base", "backend": "highs", "seed": 1,
                       "run_id": "base-20261206T100000"})
    assert label == ("方案：基础方案 · 求解状态：可行解，未证明最优，差距0.0025% · "
                     "求解器：HiGHS · 抽签种子：1 · 测算编号：20261206T100000")
