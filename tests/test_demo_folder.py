"""`allocator demo --out` must not replace a planner's work in that folder;
no output option may be a folder or the project file itself."""

from pathlib import Path

import pytest
from conftest import tiny_solved_by_cli

from allocator.cli import DEMO_LEDGER, _holds_more_than_a_demo, main
from allocator.project import load_project, save_project


def _demo_folder(tmp_path: Path) -> tuple[Path, Path]:
    """A folder holding a project with just a demo's ledger (the tiny county,
    solved and exported), and that project's path."""
    out = tmp_path / "out"
    out.mkdir()
    path = tiny_solved_by_cli(out / "project.gpkg")
    project = load_project(path)
    project.log("export", "scenario base", reason="allocator demo")
    save_project(project, path)
    return out, path


def test_demo_replaces_only_its_own_project(tmp_path, capsys):
    out, path = _demo_folder(tmp_path)
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

    other.unlink()
    mine = out / "kpis.json"  # a file of the planner's own, no demo project
    mine.write_text("{}", encoding="utf-8")
    assert main(["demo", "--out", str(out)]) == 1
    assert (f"{out} holds kpis.json but no project of a demo; the demo would "
            "replace them") in capsys.readouterr().err
    assert mine.read_text(encoding="utf-8") == "{}"
    mine.unlink()

    (out / "project.gpkg").mkdir()  # with --force too: before any work
    assert main(["demo", "--out", str(out), "--force"]) == 1
    assert (f"{out / 'project.gpkg'} is a folder, where the demo writes a file"
            in capsys.readouterr().err)
    assert sorted(p.name for p in out.iterdir()) == ["project.gpkg"]

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


def test_an_output_over_the_project_file_is_refused_before_any_work(
        tmp_path, capsys, monkeypatch):
    # ledger/alerts/solve --json PROJECT and scenario diff --geojson PROJECT
    # wrote over the project and destroyed it
    import allocator.cli as cli

    path = tiny_solved_by_cli(tmp_path / "p.gpkg")
    assert main(["scenario", "new", str(path), "扩容", "--capacity", "K1=3"]) == 0
    before = path.read_bytes()
    same = tmp_path / "." / "p.gpkg"  # another spelling of the same file
    capsys.readouterr()
    for command, option in ((["ledger", str(path)], "--json"),
                            (["alerts", str(path)], "--json"),
                            (["solve", str(path), "--backend", "cpsat"], "--json"),
                            (["scenario", "diff", str(path), "扩容"], "--geojson"),
                            (["petition", str(path), "--household", "H2",
                              "--exclude-unit", "A-201"], "--json")):
        assert main([*command, option, str(same)]) == 2, command
        assert capsys.readouterr().err == (
            f"错误 error: {option} {same} is the project file itself; give the "
            "output another file name\n")
        assert path.read_bytes() == before

    # A folder that cannot be written: refused before the solve saves.
    folder = tmp_path / "locked"
    folder.mkdir()
    writable = cli._writable
    monkeypatch.setattr(cli, "_writable",
                        lambda f: Path(f) != folder and writable(f))
    assert main(["solve", str(path), "--backend", "cpsat", "--json",
                 str(folder / "k.json")]) == 1
    assert capsys.readouterr().err == (
        f"错误 error: --json {folder / 'k.json'}: cannot write in {folder}; "
        "choose another folder; nothing done\n")
    assert path.read_bytes() == before


def test_outputs_that_clash_are_refused_before_any_work(tmp_path, capsys):
    # Found by a new user: --csv and --xlsx to one file wrote both (the table
    # lost), import --out over its own register replaced it with the project,
    # and a device or a file in the place of a folder failed only after the
    # work (bench county after its whole run).
    import shutil

    from conftest import TINY

    path = tiny_solved_by_cli(tmp_path / "p.gpkg")
    capsys.readouterr()
    same = tmp_path / "same.out"
    assert main(["export", str(path), "--csv", str(same), "--xlsx", str(same)]) == 2
    assert capsys.readouterr().err == (
        f"错误 error: --csv and --xlsx both name {same}; give each output its own "
        "file name\n")
    assert not same.exists()
    import geopandas as gpd

    register = tmp_path / "register.csv"
    shutil.copy(TINY / "register.csv", register)
    sites = tmp_path / "sites.gpkg"  # an input that is a GeoPackage too
    gpd.read_file(TINY / "sites.geojson").to_file(sites, driver="GPKG")
    kept = sites.read_bytes()
    assert main(["import", "--register", str(register), "--sites", str(sites),
                 "--units", str(TINY / "units.csv"),
                 "--facilities", str(TINY / "facilities.csv"),
                 "--out", str(sites), "--force"]) == 2
    assert capsys.readouterr().err == (
        f"错误 error: --out {sites} is one of the files read ({sites}); give "
        "the output another file name\n")
    assert sites.read_bytes() == kept
    assert main(["bench", "county", "--households", "50", "--json",
                 "/dev/full"]) == 2
    assert capsys.readouterr().err == (
        "错误 error: --json /dev/full: is not a regular file (a device, pipe or "
        "socket); choose a file name for the output; nothing done\n")
    assert main(["bench", "gap", str(TINY / "register.csv"), "--json", ""]) == 2
    assert capsys.readouterr().err == ("错误 error: --json names no file (it is "
                                       "empty, or the folder '.'); give a file "
                                       "name\n")
    below_a_file = register / "gap.json"
    assert main(["bench", "gap", str(TINY / "register.csv"), "--json",
                 str(below_a_file)]) == 2
    assert capsys.readouterr().err == (
        f"错误 error: --json {below_a_file}: {register} is a file, not a folder; "
        "choose another path; nothing done\n")


def test_an_interrupted_demo_leaves_the_folder_as_it_was(tmp_path, capsys, monkeypatch):
    # A demo folder from before; this demo is interrupted when it saves the
    # project, after writing its orders and table: the folder keeps the
    # earlier orders and table beside the earlier project, and no part file.
    import allocator.export
    import allocator.project

    out, _path = _demo_folder(tmp_path)
    for name in ("orders.pdf", "allocations.xlsx", "kpis.json"):
        (out / name).write_text(f"earlier {name}", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    written = []

    def quick_pdf(project, target, progress=None):  # the 3,950 pages aside
        Path(target).write_bytes(b"%PDF new")
        written.append(Path(target).name)

    def interrupted(project, target, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(allocator.export, "export_pdf", quick_pdf)
    monkeypatch.setattr(allocator.project, "save_project", interrupted)
    assert main(["demo", "--out", str(out)]) != 0
    assert written and written[0].startswith(".orders.demo-")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


@pytest.mark.parametrize(("argv", "said"), [
    (["demo", "--out", ""], "argument --out: is empty; name the output folder"),
    (["solve", ""], "argument project: is empty; give the project file (.gpkg)"),
    (["import", "--register", "r.xlsx", "--sites", "s.csv", "--units", "u.csv",
      "--facilities", "f.csv", "--out", "s.csv"],
     "argument --out: 's.csv': a project is a GeoPackage; give a name ending in "
     ".gpkg"),
    (["validate", "--register", "r.xlsx", "--sites", "s.csv", "--units", "u.csv",
      "--facilities", "f.csv", "--crs", "EPSG:99999"],
     "argument --crs: 'EPSG:99999' is not a coordinate reference system"),
])
def test_arguments_a_tired_planner_gets_wrong(argv, said, capsys):
    # Found by a new user: demo --out "" wrote into the current folder, import
    # --out s.csv wrote a GeoPackage named .csv, and a bad --crs or an empty
    # project name ended in an unexpected error.
    with pytest.raises(SystemExit) as refused:
        main(argv)
    assert refused.value.code == 2
    assert said in capsys.readouterr().err


def test_a_second_demo_into_a_folder_in_use_is_refused(tmp_path, capsys):
    # Found by a new user: two `allocator demo --out o` at once both ran,
    # writing the same files at the same time.
    import os

    if os.name == "nt":
        pytest.skip("the lock is taken here by POSIX flock")
    import fcntl

    out = tmp_path / "o"
    out.mkdir()
    lock = out / ".project.gpkg.lock"
    lock.write_text("4242")
    holder = os.open(lock, os.O_RDWR)  # the first demo, at work
    fcntl.flock(holder, fcntl.LOCK_EX | fcntl.LOCK_NB)
    try:
        assert main(["demo", "--out", str(out)]) == 1
    finally:
        os.close(holder)
    assert ("project.gpkg is being changed by another allocator process (pid "
            "4242)") in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == [".project.gpkg.lock"]
