"""The solver layer against published optima of OR-Library GAP instances.

A representative subset runs here (both senses, every back end);
``python -m bench.gap`` runs gap1-12 and gapa-c in full.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from allocator.cli import main
from bench.gap import published_optima
from solvers import BACKENDS
from solvers.gap import GapFormatError, read_orlib_gap, solve_gap

DATA = Path(__file__).resolve().parents[1] / "bench" / "data" / "gap"
OPTIMA = published_optima(DATA / "bounds.txt")
SUBSET = [("c0515_1", "max"), ("c0515_1", "min"), ("c0824_3", "max"),
          ("c1060_5", "max"), ("a05100", "min"), ("a05100", "max"),
          ("b10100", "min")]


def test_published_optima_file():
    assert OPTIMA["c0515_1", "max"] == 336
    assert OPTIMA["a05100", "min"] == 1698


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("instance", "sense"), SUBSET)
def test_reaches_published_optimum(instance, sense, backend):
    result = solve_gap(DATA / f"{instance}.txt", sense, backend, time_limit=60)
    assert result["status"] == "optimal"
    assert result["objective"] == OPTIMA[instance, sense]
    assert result["bound"] == pytest.approx(OPTIMA[instance, sense])


def test_reader_refuses_a_wrong_file(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("5 15\n1 2 3\n")
    with pytest.raises(GapFormatError, match="expected 157 numbers"):
        read_orlib_gap(path)


def test_cli_writes_the_json(tmp_path):
    out = tmp_path / "r.json"
    assert main(["bench", "gap", str(DATA / "c0515_1.txt"), "--sense", "max",
                 "--backend", "cpsat", "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert set(result) >= {"objective", "status", "bound", "seconds"}
    assert (result["objective"], result["status"]) == (336, "optimal")
