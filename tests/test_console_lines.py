"""What the command line prints: the tool's own messages, not log records
meant for the log file."""

from __future__ import annotations

import logging

from allocator.cli import main
from allocator.fonts import bundled_font
from allocator.project import load_project, save_project


def test_a_name_the_font_cannot_print_is_said_once(tiny_project, tmp_path, capsys,
                                                   monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    # The bundled font, which has no 𠮷 (a system font may have it).
    monkeypatch.setenv("ALLOCATOR_PDF_FONT", str(bundled_font().path))
    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    assert main(["solve", str(path), "--backend", "cpsat", "--date",
                 "2026-10-01"]) == 0
    project = load_project(path)
    head = project.members.index[project.members["household_id"] == "H1"][0]
    project.members.loc[head, "name"] = "𠮷祥"  # U+20BB7, beyond the font
    save_project(project, path)
    capsys.readouterr()
    before = list(logging.getLogger().handlers)
    try:
        assert main(["export", str(path), "--pdf", str(tmp_path / "o.pdf")]) == 1
    finally:
        for handler in logging.getLogger().handlers[:]:
            if handler not in before:
                logging.getLogger().removeHandler(handler)
                handler.close()
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("错误 error:") and "U+20BB7" in lines[0]
    # The head's name is printed twice on the order; it is one character.
    assert "more such characters" not in lines[0] and "另有" not in lines[0]
    assert "allocator.orders" not in err
    assert not (tmp_path / "o.pdf").exists()
    # The log file keeps the full list.
    log = (tmp_path / "state" / "allocator" / "allocator.log").read_text(
        encoding="utf-8")
    assert "Household H1" in log and "U+20BB7" in log
