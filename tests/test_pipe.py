"""A command whose output is piped into a reader that leaves early (`| head`)
still writes the files it was asked for."""

from __future__ import annotations

import json
import subprocess
import sys

from allocator.project import save_project


def test_a_closed_pipe_does_not_drop_the_json_file(tiny_project, tmp_path):
    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    out = tmp_path / "ledger.json"
    child = subprocess.Popen(
        [sys.executable, "-m", "allocator.cli", "ledger", str(path), "--json",
         str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    child.stdout.close()  # the reader leaves before the first line
    _out, err = child.communicate(timeout=120)
    assert child.returncode == 0, err.decode("utf-8", "replace")
    entries = json.loads(out.read_text(encoding="utf-8"))
    assert len(entries) == len(tiny_project.ledger) > 0
    assert b"Traceback" not in err and b"BrokenPipe" not in err
