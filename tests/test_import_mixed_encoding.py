"""A CSV file with rows in two encodings (UTF-8 with some rows pasted in
GBK, or the reverse) is refused with the file, the first such row as a
spreadsheet numbers it (header = row 1) and what to do."""

from __future__ import annotations

import pytest

from allocator.cli import main
from allocator.importer import ImportInputs, import_files
from gis.readers import read_table
from tests.conftest import TINY

BOM = b"\xef\xbb\xbf"


def _lines() -> list[str]:
    return (TINY / "register.csv").read_text(encoding="utf-8-sig").splitlines()


def _write(path, lines: list[str], encodings: dict[int, str], default: str,
           bom: bool = False, newline: str = "\n"):
    """Write ``lines``, line i (0 = header) in ``encodings.get(i, default)``."""
    data = BOM if bom else b""
    for i, line in enumerate(lines):
        encoded = line.encode(encodings.get(i, default))
        if encodings.get(i, default) != default:
            # The premise: the row cannot be read in the file's encoding.
            with pytest.raises(UnicodeDecodeError):
                encoded.decode("utf-8" if default == "utf-8" else "gb18030")
        data += encoded + newline.encode()
    path.write_bytes(data)
    return path


def _inputs(register):
    return ImportInputs(register=register, sites=TINY / "sites.geojson",
                        units=TINY / "units.csv", facilities=TINY / "facilities.csv",
                        county=TINY / "county.geojson")


def test_utf8_register_with_gbk_rows_names_the_first_bad_row(tmp_path):
    # Lines 3 and 5 (0-based, header 0) are H0's 3rd member and H1's head:
    # spreadsheet rows 4 and 6.
    path = _write(tmp_path / "register.csv", _lines(), {3: "gbk", 5: "gbk"},
                  "utf-8", bom=True)
    frame, _, problems = read_table(path)
    assert frame.empty
    assert len(problems) == 1
    problem = problems[0]
    assert (problem.file, problem.row, problem.severity) == (str(path), 4, "error")
    assert "it is UTF-8, but row 4 is saved in GBK (so is row 6)" in problem.message
    assert "save the whole file in one encoding, UTF-8" in problem.message
    assert problem.message.endswith("or GBK")
    assert str(problem).startswith(f"{path}:4: 错误 error: the file mixes two text "
                                   "encodings")


def test_gbk_register_with_a_utf8_row(tmp_path):
    path = _write(tmp_path / "register.csv", _lines(), {4: "utf-8"}, "gbk",
                  newline="\r\n")
    problems = read_table(path)[2]
    assert [p.row for p in problems] == [5]
    assert "it is GBK, but row 5 is saved in UTF-8," in problems[0].message
    # A given --encoding does not hide it: the rows would be garbled either way.
    for encoding in ("gbk", "utf-8"):
        assert [p.row for p in read_table(path, encoding=encoding)[2]] == [5]


def test_a_cell_over_two_lines_stays_one_row(tmp_path):
    # Row 2's note spans two lines of the file; the GBK row is the file's
    # 4th line but the spreadsheet's row 3.
    path = tmp_path / "notes.csv"
    path.write_bytes("编号,说明\n".encode() + 'A1,"第一行\n第二行"\n'.encode()
                     + "A2,安置点东侧\n".encode("gbk") + "A3,西侧\n".encode())
    assert [p.row for p in read_table(path)[2]] == [3]


def test_english_headers_the_most_rows_decide(tmp_path):
    # An ASCII header says nothing; three UTF-8 rows outvote one GBK row.
    lines = ["id,name", "1,吉克阿呷", "2,沙马木呷", "3,马海阿呷", "4,勒尔老人"]
    path = _write(tmp_path / "people.csv", lines, {2: "gbk"}, "utf-8")
    problems = read_table(path)[2]
    assert [p.row for p in problems] == [3]
    assert "it is UTF-8, but row 3 is saved in GBK," in problems[0].message


def test_files_in_one_encoding_still_read(tmp_path):
    for encoding, used in (("utf-8", "utf-8-sig"), ("gbk", "gb18030")):
        path = _write(tmp_path / f"{encoding}.csv", _lines(), {}, encoding)
        frame, found, problems = read_table(path)
        assert problems == [] and found == used
        assert frame.loc[2, "姓名"] == "吉克阿呷"
        assert frame.loc[14, "姓名"] == "阿尔拉且"


def test_a_row_in_neither_encoding_is_named(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(b"id,name\n1,Jos\xe9\n")  # Latin-1, row 2
    problems = read_table(path)[2]
    assert [p.row for p in problems] == [2]
    assert "this row is neither UTF-8 nor GBK" in problems[0].message


def test_import_and_cli_refuse_it_and_write_nothing(tmp_path, capsys):
    path = _write(tmp_path / "register.csv", _lines(), {7: "gbk"}, "utf-8",
                  bom=True)
    result = import_files(_inputs(path))
    assert [(p.file, p.row) for p in result.errors] == [(str(path), 8)]

    out = tmp_path / "p.gpkg"
    assert main(["import", "--register", str(path), "--sites",
                 str(TINY / "sites.geojson"), "--units", str(TINY / "units.csv"),
                 "--facilities", str(TINY / "facilities.csv"), "--out",
                 str(out)]) == 1
    printed = capsys.readouterr()
    assert f"{path}:8: 错误 error: the file mixes two text encodings" in (
        printed.out + printed.err)
    assert not out.exists()
