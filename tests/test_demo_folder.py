"""`allocator demo --out` must not replace a planner's work in that folder."""

from conftest import tiny_solved_by_cli

from allocator.cli import DEMO_LEDGER, _holds_more_than_a_demo, main
from allocator.project import load_project, save_project


def test_demo_replaces_only_its_own_project(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    path = tiny_solved_by_cli(out / "project.gpkg")
    project = load_project(path)
    project.log("export", "scenario base", reason="allocator demo")
    save_project(project, path)
    assert list(load_project(path).ledger["action"]) == DEMO_LEDGER
    assert _holds_more_than_a_demo(path) is False
    assert _holds_more_than_a_demo(out / "missing.gpkg") is False

    # A planner then confirmed an exit on it: a second demo into the same
    # folder is refused before any work, and the file is left as it was.
    project = load_project(path)
    project.log("exit", "household H1", reason="confirmed")
    save_project(project, path)
    before = path.read_bytes()
    capsys.readouterr()
    assert main(["demo", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert (f"{path} holds work done after the demo (its ledger has 4 entries, "
            "with exit)") in err
    assert "--force" in err and "another --out" in err
    assert path.read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == ["project.gpkg"]


def test_demo_refuses_a_file_that_is_not_a_project(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    other = out / "project.gpkg"
    other.write_text("my own notes", encoding="utf-8")
    assert main(["demo", "--out", str(out)]) == 1
    assert f"{other} is not a project the demo wrote" in capsys.readouterr().err
    assert other.read_text(encoding="utf-8") == "my own notes"

    a_file = tmp_path / "out.txt"
    a_file.write_text("x", encoding="utf-8")
    assert main(["demo", "--out", str(a_file)]) == 1
    assert "is a file, not a folder" in capsys.readouterr().err
    assert a_file.read_text(encoding="utf-8") == "x"


def test_an_output_that_is_a_folder_is_refused_before_any_work(tmp_path, capsys):
    # solve --json FOLDER used to solve and save, then refuse the output
    path = tiny_solved_by_cli(tmp_path / "p.gpkg")
    entries = len(load_project(path).ledger)
    folder = tmp_path / "out"
    folder.mkdir()
    capsys.readouterr()
    for command in (["solve", str(path), "--backend", "cpsat", "--json"],
                    ["reallocate", str(path), "--json"],
                    ["export", str(path), "--xlsx"],
                    ["notice", str(path), "--pdf"]):
        assert main([*command, str(folder)]) == 2
        option = command[-1]
        assert capsys.readouterr().err == (
            f"错误 error: {option} {folder} is a folder; give a file name\n")
    assert len(load_project(path).ledger) == entries
    assert list(folder.iterdir()) == []
