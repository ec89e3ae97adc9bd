"""The public notice (公示名单) PDF: masked names and IDs, units, seed, deadline.

In the tiny county solved on 2026-10-01, H1 (沙马木呷), H2 (俄木石布), H3
(马海阿呷) and H4 (勒尔老人) get units; H0 keeps A-301 and H5 waits.
"""

from __future__ import annotations

import datetime as dt
import re

import pypdfium2
import pytest
from pypdf import PdfReader

from allocator.allocate import solve_project, store_outcome
from allocator.cli import main
from allocator.export import ExportRefused
from allocator.notice import mask_name, notice_lines, write_notice_pdf
from allocator.project import load_project, save_project
from tests.conftest import TINY_TODAY


@pytest.mark.parametrize("name, masked", [
    ("张三明", "张*明"), ("张三", "张*"), ("吉克阿呷", "吉**呷"), ("王", "王"),
    ("吉克·阿呷", "吉*·*呷"), ("", ""),
])
def test_mask_name(name, masked):
    assert mask_name(name) == masked


@pytest.fixture()
def solved(tiny_project):
    store_outcome(tiny_project, solve_project(tiny_project, backend="cpsat",
                                              today=TINY_TODAY))
    return tiny_project


def test_notice_lines_are_masked(solved):
    lines = notice_lines(solved)
    assert [(line.household_id, line.head, line.id_number, line.size)
            for line in lines] == [
        ("H1", "沙**呷", "513431********0112", 2),
        ("H2", "俄**布", "513431********015X", 3),
        ("H3", "马**呷", "513431********0201", 2),
        ("H4", "勒**人", "513431********0254", 1)]
    # H1's kindergarten child and H2's primary child have no place in reach;
    # H3 and H4 have no child of school age.
    assert [line.schools for line in lines] == [
        "子女暂无学位", "子女暂无学位", "—", "—"]
    allocations = solved.allocations.set_index("household_id")
    assert [line.unit for line in lines] == [
        allocations.at[h, "unit_id"] for h in ("H1", "H2", "H3", "H4")]


def test_notice_pdf_text_and_page(solved, tmp_path):
    path = tmp_path / "公示.pdf"
    summary = write_notice_pdf(solved, path, posted_on=dt.date(2026, 10, 8),
                               objection_days=7)
    assert summary["households"] == 4 and summary["pages"] == 1
    assert summary["objections_until"] == "2026-10-15"
    assert summary["seed"] == 20261204

    text = "".join(page.extract_text() for page in PdfReader(path).pages)
    for expected in ("测试县安置房分配结果公示", "沙**呷", "513431********0112",
                     "抽签种子 20261204", "异议截止 2026年10月15日",
                     "公示期自2026年10月8日起至2026年10月15日止"):
        assert expected in text
    # No full name and no full ID number of anyone on the notice.
    people = solved.members[solved.members["household_id"].isin(
        ["H1", "H2", "H3", "H4"])]
    for name, id_number in zip(people["name"], people["id_number"]):
        assert name not in text and id_number not in text

    # The page renders with ink on it (text and table lines).
    document = pypdfium2.PdfDocument(str(path))
    image = document[0].render(scale=1).to_pil().convert("L")
    dark = sum(image.histogram()[:128])
    assert dark > 2000
    document.close()


def test_a_long_notice_continues_on_more_pages(solved, tmp_path):
    import pandas as pd

    allocated = solved.allocations[solved.allocations["kind"] == "allocated"]
    copies = []
    for i in range(30):
        part = allocated.copy()
        part["household_id"] = part["household_id"] + f"-{i:02d}"
        copies.append(part)
    solved.allocations = pd.concat([solved.allocations, *copies], ignore_index=True)
    summary = write_notice_pdf(solved, tmp_path / "n.pdf",
                               posted_on=dt.date(2026, 10, 8))
    assert summary["households"] == 124
    reader = PdfReader(tmp_path / "n.pdf")
    # 35 rows fit under the title, 41 on a following page: 35 + 41 + 41 + 7.
    assert summary["pages"] == len(reader.pages) == 4
    texts = [page.extract_text() for page in reader.pages]
    assert "第 4 页 / 共 4 页" in texts[3]
    rows = [len(re.findall(r"[AB]-[12]01", text)) for text in texts]
    assert rows == [35, 41, 41, 7]


def test_notice_of_an_unsolved_project_is_refused(tiny_project, tmp_path, capsys):
    with pytest.raises(ExportRefused, match="no allocation"):
        write_notice_pdf(tiny_project, tmp_path / "n.pdf")
    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    assert main(["notice", str(path), "--pdf", str(tmp_path / "n.pdf")]) == 1
    assert "run `allocator solve` first" in capsys.readouterr().err
    assert not (tmp_path / "n.pdf").exists()
    assert main(["notice", str(path), "--pdf", str(tmp_path / "n.pdf"),
                 "--objection-days", "0"]) == 2
    # The project file itself is no place for the notice (the save after it
    # would have replaced the PDF, ledger entry and all).
    before = path.read_bytes()
    capsys.readouterr()
    assert main(["notice", str(path), "--pdf", str(path)]) == 2
    assert "is the project file itself" in capsys.readouterr().err
    assert path.read_bytes() == before


def test_notice_command_logs_the_posting(solved, tmp_path, capsys):
    path = tmp_path / "p.gpkg"
    save_project(solved, path)
    assert main(["notice", str(path), "--pdf", str(tmp_path / "n.pdf"),
                 "--date", "2026-10-08", "--objection-days", "5"]) == 0
    assert "objections until 2026-10-13" in capsys.readouterr().out
    entry = load_project(path).ledger.iloc[-1]
    assert entry["action"] == "notice" and entry["object"] == "scenario base"
