"""A name the PDF font cannot draw holds back every file of that export,
and the message says the tables can be written without the orders (found by
a new user: `export --pdf --xlsx` wrote no Excel, with no word why)."""

from __future__ import annotations

import shutil

from allocator.cli import main
from tests.conftest import TINY, tiny_solved_by_cli

RARE = "\U00020BB7"  # 𠮷, CJK extension B: not in the bundled font


def test_a_name_the_font_lacks_holds_back_the_tables_and_says_so(tmp_path, capsys):
    data = tmp_path / "tiny"
    shutil.copytree(TINY, data)
    register = data / "register.csv"
    text = register.read_text(encoding="utf-8-sig")
    assert "吉克阿呷" in text
    register.write_text(text.replace("吉克阿呷", f"吉克{RARE}呷", 1),
                        encoding="utf-8-sig")
    path = tiny_solved_by_cli(tmp_path / "p.gpkg", data)
    capsys.readouterr()
    pdf, xlsx, csv = (tmp_path / "o.pdf", tmp_path / "a.xlsx", tmp_path / "a.csv")
    assert main(["export", str(path), "--pdf", str(pdf), "--xlsx", str(xlsx),
                 "--csv", str(csv)]) == 1
    err = capsys.readouterr().err
    assert f"户 H0 的姓名含字符「{RARE}」(U+20BB7)" in err
    assert f"without --pdf the command writes {xlsx} and {csv}." in err
    assert not pdf.exists() and not xlsx.exists() and not csv.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.gpkg", "tiny"]
    # As it says: the tables alone are written, the name in full.
    assert main(["export", str(path), "--xlsx", str(xlsx)]) == 0
    from openpyxl import load_workbook

    cells = [cell for row in load_workbook(xlsx)["分配结果"].iter_rows(
        values_only=True) for cell in row]
    assert f"吉克{RARE}呷" in cells


def test_an_output_named_as_another_kind_of_file_is_refused(tmp_path, capsys):
    # Found by new users: `export --pdf x.csv` wrote a PDF under a .csv name
    # without a word, then (warned of) replaced a units list so named.
    path = tiny_solved_by_cli(tmp_path / "p.gpkg")
    capsys.readouterr()
    target = tmp_path / "units.csv"
    target.write_text("房号\nA-101\n", encoding="utf-8")
    assert main(["export", str(path), "--pdf", str(target)]) == 2
    assert capsys.readouterr().err == (
        f"错误 error: --pdf {target} names a .csv file, but a PDF file is written "
        "there; name it units.pdf; nothing done\n")
    assert target.read_text(encoding="utf-8") == "房号\nA-101\n"
    assert main(["export", str(path), "--pdf", str(tmp_path / "o.pdf")]) == 0
    assert "error" not in capsys.readouterr().err
