"""Reallocation with moves in the window (issue #5): the option in the
reallocate dialog with the move rules next to it, the move reasons in the
changes view (Chinese and English), and lock problems in planners' words.

The county is the one of ``tests/test_reallocate_moves.py``: when X1 exits
and frees N-101, H1's child (a 1,850 m walk to school from F-101, over the
1,000 m limit) walks 600 m from N-101. 1,250 m saved is more than the
1,000 m move penalty, so with moves allowed H1 moves to N-101 and waiting
household W1 takes F-101; without them W1 gets N-101 (that test file works
the walks out from the coordinates).
"""

from __future__ import annotations

import re

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from tests.test_reallocate_moves import TODAY  # noqa: E402

pytest_plugins = ["tests.conftest_ui"]

CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef]")
H1_MOVED = ("由房屋F-101调换至N-101（户X1退出腾出房屋N-101），"
            "H1-03小学步行距离由1,850米缩短到600米")
W1_ALLOCATED = "户H1调换住房后腾出房屋F-101，分配给轮候户W1"


@pytest.fixture()
def moves_gpkg(tmp_path):
    """The county of the moves tests after H7's split (分户) and the first
    allocation, saved as a project file."""
    from allocator.allocate import solve_project, store_outcome
    from allocator.importer import import_files
    from allocator.project import save_project
    from allocator.register_update import apply_register_update, compare_register
    from tests.test_reallocate_moves import _county_files, _register

    project = import_files(_county_files(tmp_path)).project
    project.rules["catchment_walk_m"]["primary"] = 2500
    _register(tmp_path / "updated.csv", split=True)
    apply_register_update(project, compare_register(project, tmp_path
                                                    / "updated.csv"),
                          "分户", today=TODAY)
    store_outcome(project, solve_project(project, backend="cpsat", today=TODAY))
    path = tmp_path / "moves.gpkg"
    save_project(project, path)
    return path


def _rows(table):
    return {table.item(r, 0).text(): [table.item(r, c).text() for c in range(1, 5)]
            for r in range(table.rowCount())}


def test_ticking_moves_passes_the_flags_and_shows_each_move_reason(
        window, open_in, qtbot, moves_gpkg, monkeypatch):
    from PySide6.QtWidgets import QApplication

    import allocator.reallocate as core
    from ui.dynamic import ReallocateDialog
    from ui.language import install_language

    calls = []
    real = core.reallocate

    def spy(*args, **kwargs):
        calls.append({k: kwargs.get(k) for k in ("allow_moves", "moves_for_gain")})
        return real(*args, **kwargs)

    monkeypatch.setattr(core, "reallocate", spy)
    window._today = TODAY
    project = open_in(window, moves_gpkg)
    window.set_backend("cpsat")
    ok, _text = window.confirm_exits(["X1"], TODAY, "", TODAY)
    assert ok

    window.act_reallocate.trigger()
    dialog = window.reallocate_dialog
    assert dialog.allow_moves.text() == "允许调换住房（团聚分户家庭、缩短上学步行）"
    assert not dialog.allow_moves.isChecked()
    # The default rules: 1,000 m per move, 3,000 m per family pair, 1,000 m.
    assert dialog.rules_label.text() == (
        "调换规则：每调换一户计作步行 1,000 米（调换住房惩罚）；分户家庭安置在同一"
        "安置点，每两户计作减少步行 3,000 米；上学单程步行超过 1,000 米视为过远，"
        "缩短到此以内时按缩短的米数计。收益大于惩罚才调换。")
    assert not dialog.rules_label.isEnabled()
    dialog.allow_moves.setChecked(True)
    assert dialog.rules_label.isEnabled()
    with qtbot.waitSignal(window.allocation_finished, timeout=180000) as done:
        assert dialog.start()
    assert done.args[0]["status"] == "optimal"
    assert calls == [{"allow_moves": True, "moves_for_gain": True}]

    rows = _rows(window.changes.table)
    assert rows == {
        "H1": ["调换住房", "F-101", "N-101", H1_MOVED],
        "W1": ["新分配", "", "F-101", W1_ALLOCATED],
        "X1": ["退出", "N-101", "已退出", "户X1退出，腾出房屋N-101"]}
    summary = window.changes.summary.text()
    assert "本次允许调换住房。 调换规则：每调换一户计作步行 1,000 米" in summary
    base = project.allocations[project.allocations["scenario"] == "base"]
    units = dict(zip(base["household_id"], base["unit_id"]))
    assert (units["H1"], units["W1"]) == ("N-101", "F-101")

    # The same changes in the English window, and the dialog in English.
    changes = window.changes.changes
    try:
        install_language(QApplication.instance(), "en")
        window.changes.set_changes(changes, 1, {"move_penalty_m": 1000,
                                                "family_reunion_m": 3000,
                                                "school_trip_max_m": 1000})
        rows = _rows(window.changes.table)
        assert rows["H1"][3] == (
            "moved from unit F-101 to N-101 (unit N-101 freed when household X1 "
            "exited), the primary school walk of H1-03 cut from 1,850 m to 600 m")
        assert rows["W1"][3] == ("unit F-101, freed when household H1 moved to "
                                 "another unit, goes to waiting household W1")
        assert rows["H1"][0] == "Moved to another unit"
        assert "Move rules: each household moved counts as 1,000 m of walking" \
            in window.changes.summary.text()
        english = ReallocateDialog(window)
        qtbot.addWidget(english)
        assert english.allow_moves.text() == (
            "Allow moves (reunite split families, shorten school walks)")
        assert "a school walk over 1,000 m one way is too long" \
            in english.rules_label.text()
        texts = [w.text() for w in (english.allow_moves, english.rules_label,
                                    english.scope_label, english.start_button)]
        assert [t for t in texts if CJK.search(t)] == []
        english.reject()
    finally:
        install_language(QApplication.instance(), "zh_CN")


def test_the_dialog_shows_the_project_rules_and_cancel_changes_nothing(
        window, open_in, qtbot, moves_gpkg):
    window._today = TODAY
    project = open_in(window, moves_gpkg)
    project.rules["move_penalty_m"] = 1500
    project.rules["school_trip_max_m"] = 800
    ledger = len(project.ledger)
    window.act_reallocate.trigger()
    dialog = window.reallocate_dialog
    assert "每调换一户计作步行 1,500 米" in dialog.rules_label.text()
    assert "上学单程步行超过 800 米视为过远" in dialog.rules_label.text()
    dialog.reject()
    assert window.job is None and len(project.ledger) == ledger


def _add(dialog, household, unit, kind):
    dialog.lock_household.setText(household)
    dialog.lock_unit.setText(unit)
    dialog.lock_kind.setCurrentIndex(dialog.lock_kind.findData(kind))
    return dialog.add_lock()


def test_lock_problems_name_the_other_lock_and_the_status_in_words(
        window, open_in, qtbot, tiny_gpkg):
    from PySide6.QtWidgets import QApplication

    from ui.language import install_language
    from ui.rules_editor import RulesDialog

    project = open_in(window, tiny_gpkg)
    window.show_rules_dialog()
    dialog = window.rules_dialog
    assert _add(dialog, "H5", "B-201", "fix")
    assert not _add(dialog, "H5", "B-201", "forbid")
    assert dialog.lock_problem.text() == (
        "H5 已固定了 B-201，再禁止会与之矛盾：请先在锁定列表中删除这条固定，再禁止。")
    assert _add(dialog, "H4", "B-101", "forbid")
    assert not _add(dialog, "H4", "B-101", "fix")
    assert ("H4 已被禁止分到 B-101，再固定会与之矛盾：请先在锁定列表中删除这条禁止，"
            "再固定。") in dialog.lock_problem.text()
    # A-301 is H0's home (units.csv: 已入住).
    assert not _add(dialog, "H3", "A-301", "fix")
    assert "A-301 不是空置房（状态：已入住）。" in dialog.lock_problem.text()
    assert "occupied" not in dialog.lock_problem.text()
    dialog.reject()
    assert len(project.locks) == 2

    try:
        install_language(QApplication.instance(), "en")
        english = RulesDialog(project.rules, window, window=window)
        qtbot.addWidget(english)
        assert not _add(english, "H5", "B-201", "forbid")
        assert english.lock_problem.text() == (
            "H5 has unit B-201 fixed; a forbid would contradict it. Remove that fix "
            "in the lock list first, then forbid the unit.")
        assert not _add(english, "H3", "A-301", "fix")
        assert "A-301 is not vacant (status: Occupied)." in \
            english.lock_problem.text()
        english.reject()
    finally:
        install_language(QApplication.instance(), "zh_CN")


def test_scenario_comparison_names_the_figures_in_the_window_language(window,
                                                                      qtbot):
    import geopandas as gpd
    import pandas as pd
    from PySide6.QtWidgets import QApplication

    from allocator.scenarios import Comparison
    from ui.language import install_language

    kpis = pd.DataFrame({"base": [10, 2, 0.5, 812.0], "新房": [10, 1, 0.75, 790.5],
                         "新房-base": [0, -1, 0.25, -21.5]},
                        index=["households", "waiting", "primary_coverage",
                               "walk_mean_m"])
    comparison = Comparison(["base", "新房"], kpis, pd.DataFrame(),
                            gpd.GeoDataFrame())
    table = window.scenarios.kpis

    def shown():
        return [table.verticalHeaderItem(r).text() for r in range(table.rowCount())]

    window.scenarios._show_kpis(comparison)
    assert shown() == ["安置户", "轮候", "小学覆盖率", "平均步行（米）"]
    assert [table.item(2, c).text() for c in range(3)] == ["50.0%", "75.0%", "+25.0"]
    try:
        install_language(QApplication.instance(), "en")
        window.scenarios._show_kpis(comparison)
        assert shown() == ["Households", "Waiting", "Primary coverage",
                           "Mean walk (m)"]
    finally:
        install_language(QApplication.instance(), "zh_CN")
