"""The window refuses a reallocation without moves that would keep a
household in a unit it no longer fits, as ``allocator reallocate`` does: it
names the household and says what to do, and starts no solve.

The project is the one of tests/test_reallocate_edges.py: after the first
allocation (20 m² per person, so 4 people need 80–100 m²) a birth makes H2
(allocated A-201, 75 m², not moved in) 4 people; no vacant unit of 80–100 m²
exists.
"""

from __future__ import annotations

import datetime as dt

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from tests.test_followups_c import grown_project  # noqa: E402
from tests.test_reallocate_edges import DAY, OUTGROWN_LINE  # noqa: E402

pytest_plugins = ["tests.conftest_ui"]


@pytest.fixture()
def grown(tiny_project, tmp_path):
    return grown_project(tiny_project, tmp_path)


def test_the_window_names_the_outgrown_household_and_starts_nothing(
        grown, window, open_in, qtbot):
    from PySide6.QtWidgets import QApplication

    from ui.dynamic import ReallocateDialog
    from ui.language import install_language
    from ui.workers import running_jobs

    window._today = dt.date.fromisoformat(DAY)
    project = open_in(window, grown)
    window.set_backend("cpsat")
    allocations = project.allocations.copy()
    runs, ledger = len(project.runs), len(project.ledger)

    window.act_reallocate.trigger()
    dialog = window.reallocate_dialog
    assert not dialog.allow_moves.isChecked()
    assert dialog.start() is False
    assert running_jobs() == []
    assert dialog.isVisible()  # open: the planner may tick the option
    assert dialog.status.text().splitlines() == [
        "1 户已分配但尚未入住的房屋在户籍变化或面积标准修改后不再适合家庭人口，"
        "保留原房将违反面积标准：",
        OUTGROWN_LINE,
        "未作任何改动。请勾选“允许调换住房”后再开始（这些户调换到合适的房屋，或重新轮候）；"
        "或运行“分配”重新求解。"]
    assert OUTGROWN_LINE in window.errors.bar.text()
    assert "违反" not in window.errors.last_problem
    assert project.allocations.equals(allocations)
    assert (len(project.runs), len(project.ledger)) == (runs, ledger)

    try:
        install_language(QApplication.instance(), "en")
        english = ReallocateDialog(window)
        qtbot.addWidget(english)
        assert english.start() is False
        assert english.status.text().splitlines() == [
            "1 household(s) were allocated a unit they have not moved into, and "
            "after a register update or a change of the area rule the unit no "
            "longer fits the household's size; keeping it would break the area "
            "rule:",
            "household H2 (head 俄木石布) now has 4 people; unit A-201, allocated "
            "and not moved into, has 75 m², outside the 80–100 m² band for 4 "
            "people",
            "Nothing was changed. Tick “Allow moves” and start again (these "
            "households move to a unit that fits, or wait again); or run "
            "“Allocate” to solve the allocation again."]
        english.reject()
    finally:
        install_language(QApplication.instance(), "zh_CN")

    # With moves allowed it runs: no unit of 80–100 m² is vacant, so H2 waits
    # again (tests/test_reallocate_edges.py) and nobody else changes.
    dialog.allow_moves.setChecked(True)
    with qtbot.waitSignal(window.allocation_finished, timeout=180000) as done:
        assert dialog.start()
    assert done.args[0]["status"] == "optimal"
    changes = window.changes.changes
    assert list(zip(changes["household_id"], changes["change"])) == [
        ("H2", "unhoused")]
