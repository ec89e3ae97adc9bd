"""An export stopped before it is in the ledger leaves no orders on disk;
one that finished has its files under their own names and the ledger names
them in full."""

from __future__ import annotations

import pytest

from allocator.cli import main
from allocator.project import load_project, save_project
from tests.conftest import TINY_TODAY


@pytest.fixture()
def solved(tiny_project, tmp_path):
    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    assert main(["solve", str(path), "--backend", "cpsat",
                 "--date", TINY_TODAY.isoformat()]) == 0
    return path


def test_an_export_stopped_before_its_ledger_entry_leaves_nothing(
        solved, tmp_path, monkeypatch, capsys):
    # Found by a new user: Ctrl-C while the ledger entry was saved left new
    # orders on disk that no ledger entry named, and said nothing was saved.
    import allocator.project as project_module

    entries = len(load_project(solved).ledger)
    out = tmp_path / "out"

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(project_module, "save_project", stopped)
    assert main(["export", str(solved), "--pdf", str(out / "o.pdf"),
                 "--xlsx", str(out / "a.xlsx"), "--csv", str(out / "a.csv")]) == 1
    assert "nothing was saved" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == []
    monkeypatch.undo()
    assert len(load_project(solved).ledger) == entries

    assert main(["export", str(solved), "--pdf", str(out / "o.pdf"),
                 "--csv", str(out / "a.csv")]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["a.csv", "o.pdf"]
    entry = load_project(solved).ledger.iloc[-1]
    assert entry["action"] == "export"
    assert str((out / "o.pdf").resolve()) in entry["after"]


def test_ctrl_c_after_a_solve_was_saved_says_it_is_kept(
        tiny_project, tmp_path, monkeypatch, capsys):
    # Found by a new user: Ctrl-C while a solve printed its figures, after
    # the allocation was saved, said "nothing was saved by the interrupted
    # step" with exit 1, which reads as a failed solve; the ledger had the
    # allocation. It names the save and its ledger entry.
    import allocator.kpis as kpis

    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    capsys.readouterr()

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(kpis, "kpi_table", stopped)
    assert main(["solve", str(path), "--backend", "cpsat",
                 "--date", TINY_TODAY.isoformat()]) == 1
    err = capsys.readouterr().err
    ledger = load_project(path).ledger
    last = ledger.iloc[-1]
    assert last["action"] == "allocate"
    assert (f"interrupted after {path} was saved (ledger entry {int(last['entry'])}): "
            "it is kept") in err
    assert "nothing was saved" not in err
