"""Three messages that must say everything at once, and say it right:

- a scenario file whose top level is not a mapping is reported together with
  the problems of the options given beside it;
- the import wizard refuses a CSV mixing UTF-8 and GBK rows as the command
  line does: the file, its first row in the other encoding, what to do;
- a detour factor below 1 gets one message, with the real limit.
"""

from __future__ import annotations

import json

import pytest

from allocator import scenarios
from allocator.cli import main
from allocator.project import load_project, save_project
from allocator.rules import rule_problems
from gis.readers import read_table
from ui import import_mapping


@pytest.fixture()
def tiny_gpkg(tiny_project, tmp_path):
    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    return path


def test_a_file_that_is_not_a_mapping_and_bad_options_all_at_once(
        tiny_gpkg, tmp_path, capsys):
    changes = tmp_path / "changes.json"
    changes.write_text(json.dumps(["K1"]), encoding="utf-8")
    before = tiny_gpkg.read_bytes()

    code = main(["scenario", "new", str(tiny_gpkg), "试", "--file", str(changes),
                 "--capacity", "K1=x", "--catchment", "clinic=far",
                 "--add-unit", "{not json"])

    assert code == 1
    errors = [line for line in capsys.readouterr().err.splitlines()
              if line.startswith("错误 error: ")]
    assert errors == [
        "错误 error: --capacity 'K1=x': 'x' is not a number",
        "错误 error: --catchment 'clinic=far': 'far' is not a number",
        "错误 error: --add-unit '{not json': not a JSON object (Expecting "
        "property name enclosed in double quotes)",
        f"错误 error: {changes}: expected a mapping with keys add_facilities, "
        "close_facilities, capacities, add_units, catchments, rules, "
        "add_households, got list",
    ]
    assert tiny_gpkg.read_bytes() == before
    assert scenarios.names(load_project(tiny_gpkg)) == ["base"]


def test_good_options_beside_a_list_file_still_report_the_file(
        tiny_gpkg, tmp_path, capsys):
    changes = tmp_path / "changes.yaml"
    changes.write_text("- K1\n", encoding="utf-8")

    assert main(["scenario", "new", str(tiny_gpkg), "试", "--file", str(changes),
                 "--capacity", "K1=3"]) == 1
    err = capsys.readouterr().err
    assert f"{changes}: expected a mapping" in err
    assert "1 problem(s)" not in err and "--capacity" not in err


def _mixed_register(path):
    """A UTF-8 register whose 4th and 6th spreadsheet rows were pasted in GBK."""
    lines = ["户号,姓名,性别", "H0,吉克阿呷,男", "H0,阿苦日哈,女", "H0,吉克拉且,男",
             "H1,沙马木呷,男", "H1,沙马伍沙,男"]
    data = b"\xef\xbb\xbf"
    for i, line in enumerate(lines):
        data += line.encode("gbk" if i in (3, 5) else "utf-8") + b"\n"
    path.write_bytes(data)
    return path


def test_wizard_names_the_first_row_of_a_mixed_csv(tmp_path):
    path = _mixed_register(tmp_path / "register.csv")
    # The command line's message for the same file.
    problem = read_table(path)[2][0]
    assert problem.row == 4

    for encoding in (None, "utf-8", "gbk"):
        with pytest.raises(ValueError) as caught:
            import_mapping.read_headers(path, encoding)
        message = str(caught.value)
        assert message == str(problem)
        assert message.startswith(f"{path}:4: ")
        assert "it is UTF-8, but row 4 is saved in GBK (so is row 6)" in message
        assert "save the whole file in one encoding" in message
    with pytest.raises(ValueError, match="but row 4 is saved in GBK"):
        import_mapping.remapped_copy("register", path, {"户号": "household_id"},
                                     tmp_path / "out")
    assert not (tmp_path / "out" / "register.csv").exists()


def test_wizard_names_a_row_in_neither_encoding(tmp_path):
    path = tmp_path / "units.csv"
    path.write_bytes("房号,面积\n".encode() + b"A-101,50\nJos\xe9,60\n")
    with pytest.raises(ValueError) as caught:
        import_mapping.read_headers(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:3: ")
    assert "this row is neither UTF-8 nor GBK/GB18030 text" in message
    assert "文本编码" in message


def test_wizard_still_reads_files_in_one_encoding(tmp_path):
    for encoding in ("utf-8", "gbk"):
        path = tmp_path / f"{encoding}.csv"
        path.write_bytes("户号,姓名\nH0,吉克阿呷\n".encode(encoding))
        assert import_mapping.read_headers(path) == ["户号", "姓名"]


@pytest.mark.parametrize("value", [-1, 0, 0.5])
def test_a_detour_factor_below_one_gets_one_message(value):
    assert rule_problems({"detour_factor": value}) == [
        f"detour_factor: {value} must be at least 1 (walking is never shorter "
        "than the straight line)"]


def test_other_rules_below_zero_still_say_so():
    assert rule_problems({"area_min_per_person_m2": -1}) == [
        "area_min_per_person_m2: -1 must not be negative"]
    assert rule_problems({"detour_factor": 1}) == []


def test_rules_cli_gives_the_real_limit(tiny_gpkg, capsys):
    before = tiny_gpkg.read_bytes()
    assert main(["rules", str(tiny_gpkg), "--set", "detour_factor=-1"]) != 0
    err = capsys.readouterr().err
    assert "detour_factor: -1 must be at least 1" in err
    assert "negative" not in err
    assert tiny_gpkg.read_bytes() == before


def test_a_full_disk_is_said_plainly(capsys):
    # Found by a new user: "unexpected FeatureError: ... disk I/O error", and
    # "File too large: ; check the path" with an empty path.
    import errno

    from allocator.cli import _report

    for exc in (OSError(errno.ENOSPC, "No space left on device", "o.pdf"),
                OSError(errno.EFBIG, "File too large"),
                RuntimeError("Could not add feature to layer at index 14375: "
                             "failed to execute insert : disk I/O error")):
        assert _report(exc, None) == 1
        assert capsys.readouterr().err == (
            "错误 error: the disk is full (or the file would be larger than the "
            "disk allows): free some space and run the command again; the project "
            "file was not changed\n")
    assert _report(PermissionError(errno.EACCES, "Permission denied"), None) == 1
    assert capsys.readouterr().err == (
        "错误 error: Permission denied; check the path, free disk space and "
        "permissions\n")
