"""Long file names (found by a new user): a project named with 78 Chinese
characters (234 bytes, a valid name) could be opened but never saved, as
the names a save makes beside it passed 255 bytes; an output name too long
for the file system ended in a traceback."""

from __future__ import annotations

from allocator.cli import main
from allocator.project import load_project, save_project


def test_a_project_with_a_long_valid_name_saves(tiny_project, tmp_path):
    path = tmp_path / ("昭" * 78 + ".gpkg")
    assert len(path.name.encode("utf-8")) == 239
    save_project(tiny_project, path)
    assert main(["rules", str(path), "--set", "lottery_seed=7", "--reason",
                 "试"]) == 0
    assert load_project(path).rules["lottery_seed"] == 7
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_an_output_name_too_long_is_refused_before_any_work(tiny_project, tmp_path,
                                                            capsys):
    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    target = tmp_path / "out" / ("安" * 85 + ".csv")
    assert main(["export", str(path), "--csv", str(target)]) == 2
    err = capsys.readouterr().err
    assert "the file name is too long for the file system" in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()
