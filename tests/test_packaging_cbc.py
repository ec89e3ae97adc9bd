"""CBC as the Windows build runs it: serially, because its threads can hang.

PuLP's bundled CBC for Windows sometimes never returns when given
``-threads`` (issue #7: ``allocator bench gap --backend cbc`` gave no answer
under Wine). These tests check, on Linux, that the CBC back end leaves the
option out on Windows, keeps it elsewhere, and still solves to the published
optimum when run serially.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from solvers import mip
from solvers.base import Objective, Status
from solvers.gap import build_gap_model, read_orlib_gap

GAP = Path(__file__).resolve().parents[1] / "bench" / "data" / "gap"


def _cbc_options(threads: int | None, monkeypatch) -> list[str]:
    """The options the CBC back end hands PuLP for one level."""
    monkeypatch.setattr(mip, "cbc_threads", lambda: threads)
    solver, _state = mip.CbcBackend()._solver(
        None, None, None, Objective("cost", "max", [], []))
    return solver.getOptions()


def _smoke_wine():
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "packaging"))
    import smoke_wine

    return smoke_wine


def test_windows_runs_cbc_serially():
    assert mip.cbc_threads("nt") is None


@pytest.mark.parametrize(("cores", "threads"), [(2, 2), (16, 8), (None, 1)])
def test_other_systems_keep_cbc_threads(monkeypatch, cores, threads):
    monkeypatch.setattr(mip.os, "cpu_count", lambda: cores)
    assert mip.cbc_threads("posix") == threads


def test_no_threads_option_reaches_cbc_on_windows(monkeypatch):
    options = _cbc_options(mip.cbc_threads("nt"), monkeypatch)
    assert not [o for o in options if o.startswith("threads")]
    assert "ratio 0.0" in options


def test_threads_option_reaches_cbc_elsewhere(monkeypatch):
    assert "threads 2" in _cbc_options(2, monkeypatch)


def test_serial_cbc_reaches_the_published_gap_optimum(monkeypatch, caplog):
    # bench/data/gap/bounds.txt: c0515_1_Max 336 336 (Beasley's OR-Library).
    windows = mip.cbc_threads("nt")
    monkeypatch.setattr(mip, "cbc_threads", lambda: windows)
    model = build_gap_model(read_orlib_gap(GAP / "c0515_1.txt"), "max")
    with caplog.at_level(logging.DEBUG, logger="pulp"):
        result = mip.CbcBackend().solve(model)
    commands = [r.getMessage() for r in caplog.records if " -solve " in
                r.getMessage()]
    assert commands, "PuLP did not log CBC's command line"
    assert all("-threads" not in c for c in commands)
    assert result.status == Status.OPTIMAL
    assert result.levels[0].objective == 336.0


def test_smoke_test_names_a_cbc_left_running(tmp_path):
    """A Wine process shows the Windows program as its first argument."""
    import subprocess

    smoke_wine = _smoke_wine()

    class Prefix:
        prefix = tmp_path / "prefix"

    windows_cbc = r"C:\users\规划 测试员\AppData\Local\cbc.exe"
    ours = subprocess.Popen([windows_cbc, "30"], executable="/bin/sleep",
                            env={"WINEPREFIX": str(Prefix.prefix)})
    other = subprocess.Popen([windows_cbc, "30"], executable="/bin/sleep",
                             env={"WINEPREFIX": str(tmp_path / "another")})
    try:
        found = smoke_wine.running_programs(Prefix(), "cbc.exe")
        assert found == [f"{windows_cbc} 30"]
        assert smoke_wine.running_programs(Prefix(), "python.exe") == []
    finally:
        for process in (ours, other):
            process.kill()
            process.wait()


def test_smoke_test_gap_file_solves_to_the_published_optimum(tmp_path):
    """The MPS file the smoke test hands the packed cbc.exe, solved here by
    PuLP's CBC for Linux with the same arguments."""
    import subprocess

    import pulp

    smoke_wine = _smoke_wine()
    smoke_wine.write_gap_mps(GAP / "c0515_1.txt", tmp_path / "gap.mps")
    cbc = pulp.PULP_CBC_CMD().path
    subprocess.run([cbc, str(tmp_path / "gap.mps"), "-max", "-ratio", "0.0",
                    "-solve", "-printingOptions", "all", "-solution",
                    str(tmp_path / "gap.sol")], capture_output=True, check=True,
                   timeout=120)
    first = (tmp_path / "gap.sol").read_text().splitlines()[0]
    assert first.startswith("Optimal")
    assert f"{smoke_wine.GAP_OPTIMUM_MAX:.8f}" in first  # 336.00000000


def test_smoke_test_reads_the_products_cbc_options():
    import subprocess

    smoke_wine = _smoke_wine()

    class Prefix:
        def win_user(self, *parts):
            return "\\".join(parts)

        def run(self, args, timeout):
            return subprocess.CompletedProcess(args, 0, "ratio 0.0|timeMode "
                                               "elapsed\r\n", "")

    options, why = smoke_wine.product_cbc_options(Prefix())
    assert options == ["-ratio", "0.0", "-timeMode", "elapsed"]
    assert why == ""


def test_one_smoke_test_at_a_time(tmp_path, monkeypatch):
    smoke_wine = _smoke_wine()
    monkeypatch.setattr(smoke_wine, "BUILD", tmp_path)
    first = smoke_wine.hold_work_folder()
    assert first is not None
    assert smoke_wine.hold_work_folder() is None
    first.close()
    again = smoke_wine.hold_work_folder()
    assert again is not None
    again.close()
