"""Public notice of an allocation (安置房分配结果公示名单), as a PDF to post.

One line per household newly given a unit: the 户号, the head's name partly
masked (张*明), the ID number masked, the size, the unit and the schools of
its children; the footer of every page gives the run, its lottery seed, the
posting date and the last day for objections. Set in the same fonts as the
allocation orders (:mod:`allocator.orders`, :mod:`allocator.fonts`).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from allocator.export import ExportRefused, latest_run
from allocator.fonts import find_cjk_font, missing_glyphs
from allocator.orders import MissingGlyphError, _as_text, _Typesetter, mask_id_number
from allocator.paths import output_path
from allocator.project import Project
from allocator.rules import SCHOOL_KINDS, issuing_office

logger = logging.getLogger(__name__)

PAGE_W, PAGE_H = A4
MARGIN = 42.0
ROW_H = 17.0
TEXT = 9.0
COLUMNS = (  # title, width in points
    ("序号", 30), ("户号", 62), ("户主", 52), ("身份证号", 108), ("人数", 30),
    ("分配房号", 96), ("子女就读学校", 133.3),
)
DASH = "—"  # printed for a missing text (no ID number, no head recorded)


class OutOfDateNotice(ExportRefused):
    """The scenario's allocation was made against an earlier base: a notice
    of it would post an allocation that no longer stands."""


def mask_name(name: str) -> str:
    """A name with its middle hidden: 张三明 -> 张*明, 张三 -> 张*, 吉克阿呷 -> 吉**呷.

    Names written with a middle dot (彝族 names transcribed as 吉克·阿呷)
    keep the dot's place: 吉克·阿呷 -> 吉*·*呷.
    """
    text = _as_text(name).strip()
    if len(text) <= 1:
        return text
    if len(text) == 2:
        return text[0] + "*"
    middle = "".join(c if c == "·" else "*" for c in text[1:-1])
    return text[0] + middle + text[-1]


@dataclass
class NoticeLine:
    """One household on the notice."""

    number: int
    household_id: str
    head: str
    id_number: str
    size: int
    unit: str
    schools: str


def notice_lines(project: Project, scenario: str = "base") -> list[NoticeLine]:
    """The households newly given a unit in the scenario, masked for posting.

    Raises
    ------
    ExportRefused
        The scenario has no solved allocation, or it houses nobody new.
    OutOfDateNotice
        The scenario is out of date (its base changed after it was solved).
    """
    refuse_unknown_scenario(project, scenario)
    latest_run(project, scenario)  # refuses an unsolved scenario
    refuse_out_of_date(project, scenario)
    allocations = project.allocations[
        (project.allocations["scenario"] == scenario)
        & (project.allocations["kind"] == "allocated")].sort_values("household_id")
    if allocations.empty:
        raise ExportRefused(f"scenario {scenario!r} gives no household a new unit; "
                            "there is nothing to post")
    # The scenario's own households and facilities (those it adds, too).
    data = project if scenario == "base" else _scenario_data(project, scenario)
    members = data.members
    heads = members[members["relationship"] == "户主"].drop_duplicates(
        "household_id").set_index("household_id")
    sizes = members.groupby("household_id").size()
    services = project.service_assignments
    pupils = services[(services["scenario"] == scenario)
                      & services["kind"].isin(SCHOOL_KINDS)]
    waiting_for_place = set(pupils.loc[pupils["facility_id"].isna(), "household_id"])
    schools = pupils[pupils["facility_id"].notna()]
    facilities = data.facilities
    names = {i: _as_text(name).strip() or i
             for i, name in zip(facilities["facility_id"], facilities["name"])}
    school_of = schools.groupby("household_id")["facility_id"].agg(
        lambda ids: "、".join(dict.fromkeys(names.get(i, i) for i in ids)))
    lines = []
    for number, row in enumerate(allocations.itertuples(), start=1):
        head = heads.loc[row.household_id] if row.household_id in heads.index \
            else None
        lines.append(NoticeLine(
            number=number, household_id=row.household_id,
            head=(mask_name(head["name"]) if head is not None else "") or DASH,
            id_number=(mask_id_number(head["id_number"]) if head is not None
                       else "") or DASH,
            size=int(sizes.get(row.household_id, 0)),
            unit=_as_text(row.unit_id).strip() or DASH,
            schools=_schools(school_of.get(row.household_id),
                             row.household_id in waiting_for_place)))
    return lines


def refuse_unknown_scenario(project: Project, scenario: str) -> None:
    """Stop a notice of a scenario the project does not have, naming the
    scenarios it has (as a solve of an unknown scenario does).

    Raises
    ------
    ExportRefused
        No scenario has that name.
    """
    from allocator.scenarios import BASE, names

    known = list(dict.fromkeys([BASE, *names(project)]))
    if scenario in known:
        return
    raise ExportRefused(f"no scenario {scenario!r} (scenarios: {', '.join(known)}); "
                        "name one of them with --scenario")


def refuse_out_of_date(project: Project, scenario: str,
                       path: str | Path | None = None) -> None:
    """Stop a notice of an out-of-date scenario (a petition trial's too).

    A notice is posted for objections, so it must show an allocation that
    stands on the current base; what to do is said as ``scenario promote``
    says it (solve it again, run the petition again or create it again),
    its commands naming the project file ``path`` when given.

    Raises
    ------
    OutOfDateNotice
        The scenario's base changed after it was solved.
    """
    if scenario == "base":
        return
    from allocator.scenarios import out_of_date

    stale = out_of_date(project, scenario, check=True)
    if stale is not None:
        raise OutOfDateNotice(
            f"scenario {scenario!r} is out of date (已过期), so no public notice "
            f"is printed for it: {stale.text(path)}")


def _scenario_data(project: Project, scenario: str) -> Project:
    from allocator.scenarios import scenario_data

    return scenario_data(project, scenario)


def _schools(names: str | None, someone_waits: bool) -> str:
    """The schools of a household's children; says when a child has no place."""
    if someone_waits:
        return f"{names}；另有子女暂无学位" if names else "子女暂无学位"
    return names or "—"


def write_notice_pdf(project: Project, path: Path, *, scenario: str = "base",
                     posted_on: dt.date | None = None, objection_days: int = 7,
                     font=None) -> dict:
    """Write the public notice of a scenario's allocation.

    Parameters
    ----------
    project : Project
        The project with a solved allocation.
    path : pathlib.Path
        PDF to write (replaced only when the whole file is written).
    scenario : str
        The scenario whose allocation is posted.
    posted_on : datetime.date, optional
        The posting date (default today).
    objection_days : int
        Days for objections, counted from the posting date; the last day is
        ``posted_on + objection_days``.
    font : allocator.fonts.FontChoice, optional
        CJK font (default: as for allocation orders).

    Returns
    -------
    dict
        ``households``, ``pages``, ``seed``, ``run_id``, ``posted_on``,
        ``objections_until`` (for the ledger).

    Raises
    ------
    ExportRefused
        No solved allocation, or nobody newly housed.
    OutOfDateNotice
        The scenario is out of date; nothing is written.
    MissingGlyphError
        A name has a character no font can draw; nothing is written.
    """
    path = output_path(path)
    posted_on = posted_on or dt.date.today()
    run = latest_run(project, scenario)
    lines = notice_lines(project, scenario)
    until = posted_on + dt.timedelta(days=objection_days)
    county = project.metadata.get("county") or "本县"
    office = issuing_office(project.rules, county, None)
    font = font or find_cjk_font()
    ts = _Typesetter(font)
    for line in lines:
        for label, text in (("姓名", line.head), ("学校", line.schools),
                            ("房号", line.unit)):
            missing = missing_glyphs(text, font)
            if missing:
                raise MissingGlyphError(line.household_id, missing[0], label,
                                        font.name, len(missing) - 1)
    title = f"{county}安置房分配结果公示"
    # A scenario's name stays off the public notice: a petition's trial is
    # often named after the household that petitioned.
    which = "" if scenario == "base" else "本方案"
    intro = (f"根据安置房分配规则和优先级，经{office}"
             f"分配，现将{which}新分配住房的{len(lines)}户名单公示如下。"
             f"公示期自{_day(posted_on)}起至{_day(until)}止，对名单有异议的，请在公示期内"
             "向安置办书面提出，逾期不予受理。")
    from allocator.allocate import STATUS_LABELS
    from allocator.export import backend_name, public_run_id

    status = STATUS_LABELS.get(run["status"], run["status"])
    footer = (f"测算编号 {public_run_id(run['run_id'])} · 求解状态 {status} · 求解器 "
              f"{backend_name(run.get('backend'))} · 抽签种子 {int(run['seed'])}"
              "（同等条件按抽签排序，同一求解器可复核） · 公示日期 "
              f"{_day(posted_on)} · 异议截止 {_day(until)}")

    per_first = int((PAGE_H - 2 * MARGIN - 150) // ROW_H)
    per_page = int((PAGE_H - 2 * MARGIN - 60) // ROW_H)
    pages: list[list[NoticeLine]] = [lines[:per_first]]
    rest = lines[per_first:]
    while rest:
        pages.append(rest[:per_page])
        rest = rest[per_page:]
    room = per_first if len(pages) == 1 else per_page
    if len(pages[-1]) > room - 4:  # the signature needs four rows
        pages.append(pages[-1][room - 4:])
        pages[-2] = pages[-2][:room - 4]

    handle, temp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".pdf.part",
                                         dir=path.parent)
    os.close(handle)
    try:
        canvas = Canvas(temp_name, pagesize=A4, pageCompression=1,
                        initialFontName=ts.names[0], initialFontSize=TEXT)
        canvas.setTitle(title)
        canvas.setAuthor(office)
        canvas.setCreator("resettlement-allocator")
        for number, page in enumerate(pages, start=1):
            y = PAGE_H - MARGIN
            if number == 1:
                ts.draw(canvas, PAGE_W / 2, y - 16, title, 18, align="center",
                        bold=True)
                y -= 44
                wrapped = ts.wrap(intro, PAGE_W - 2 * MARGIN, 10.5, 21)
                for i, text in enumerate(wrapped):
                    ts.draw(canvas, MARGIN + (21 if i == 0 else 0), y, text, 10.5)
                    y -= 16
                y -= 8
            y = _table(canvas, ts, page, y)
            if number == len(pages):
                ts.draw(canvas, PAGE_W - MARGIN, y - 36, office, 10.5, align="right")
                ts.draw(canvas, PAGE_W - MARGIN, y - 54, _day(posted_on), 10.5,
                        align="right")
            canvas.setFillColorRGB(0.35, 0.35, 0.35)
            for i, text in enumerate(ts.wrap(footer, PAGE_W - 2 * MARGIN, 8)):
                ts.draw(canvas, MARGIN, MARGIN - 4 - 11 * i, text, 8)
            ts.draw(canvas, PAGE_W - MARGIN, PAGE_H - MARGIN + 14,
                    f"第 {number} 页 / 共 {len(pages)} 页", 8, align="right")
            canvas.setFillColorRGB(0, 0, 0)
            canvas.showPage()
        canvas.save()
        from allocator.project import file_status, give_permissions

        # Owner only when new (names, ID numbers); a replaced file's permissions.
        give_permissions(Path(temp_name), file_status(path), path)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    logger.info("wrote notice %s: %d households, %d pages", path, len(lines),
                len(pages))
    return {"households": len(lines), "pages": len(pages),
            "seed": int(run["seed"]), "run_id": str(run["run_id"]),
            "posted_on": posted_on.isoformat(), "objections_until": until.isoformat()}


def _day(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _table(canvas: Canvas, ts: _Typesetter, lines: list[NoticeLine],
           top: float) -> float:
    """Draw the header row and ``lines`` from ``top``; return the y below."""
    x0 = MARGIN
    width = sum(w for _, w in COLUMNS)
    canvas.setFillColorRGB(0.92, 0.92, 0.92)
    canvas.rect(x0, top - ROW_H, width, ROW_H, stroke=0, fill=1)
    canvas.setFillColorRGB(0, 0, 0)
    canvas.setLineWidth(0.4)
    rows = [tuple(t for t, _ in COLUMNS)] + [
        (str(line.number), line.household_id, line.head, line.id_number,
         str(line.size), line.unit, line.schools) for line in lines]
    y = top
    for i, cells in enumerate(rows):
        x = x0
        for (title, column_width), cell in zip(COLUMNS, cells):
            size = TEXT
            while size > 6 and ts.width(cell, size) > column_width - 4:
                size -= 0.5
            ts.draw(canvas, x + column_width / 2, y - ROW_H + 5, cell, size,
                    align="center", bold=i == 0)
            x += column_width
        canvas.line(x0, y - ROW_H, x0 + width, y - ROW_H)
        y -= ROW_H
    canvas.line(x0, top, x0 + width, top)
    x = x0
    for _, column_width in [(None, 0)] + list(COLUMNS):
        x += column_width
        canvas.line(x, top, x, y)
    return y
