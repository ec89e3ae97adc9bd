"""The window refuses to solve a petition trial's scenario again (see
tests/test_petition_scenario_solve.py): it would lose the trial's condition."""

from __future__ import annotations

import pytest

from allocator.project import save_project
from tests.test_petition import tiny_built  # noqa: F401  (fixture)
from tests.test_scenario_stale import wish_trial  # noqa: F401  (fixture)

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")
pytest_plugins = ["tests.conftest_ui"]


def test_the_window_refuses_to_solve_the_trial(window, open_in, wish_trial,  # noqa: F811
                                               tmp_path):
    path = tmp_path / "p.gpkg"
    save_project(wish_trial, path)
    project = open_in(window, path)
    assert window.solve_scenario("信访H2") is None  # no job started
    assert "petition trial" in window.message_bar.text()
    rows = project.allocations[project.allocations["scenario"] == "信访H2"]
    assert dict(zip(rows["household_id"], rows["unit_id"]))["H2"] == "B-101"
