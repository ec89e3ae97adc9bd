"""The rules editor's Locks and objective-order tabs, English reasons in the
window, and the ledger entries of table edits."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from tests.conftest import TINY_TODAY  # noqa: E402

pytest_plugins = ["tests.conftest_ui"]


def _add(dialog, household, unit, kind="fix", reason=""):
    dialog.lock_household.setText(household)
    dialog.lock_unit.setText(unit)
    dialog.lock_kind.setCurrentIndex(dialog.lock_kind.findData(kind))
    dialog.lock_reason.setText(reason)
    return dialog.add_lock()


def test_locks_tab_adds_and_removes_with_undo_and_ledger(window, open_in, tiny_gpkg):
    project = open_in(window, tiny_gpkg)
    window.show_rules_dialog()
    dialog = window.rules_dialog
    assert dialog.lock_table.rowCount() == 0

    assert _add(dialog, "H5", "B-201", "fix", "信访协调")
    assert project.locks[["household_id", "unit_id", "kind", "reason"]].values \
        .tolist() == [["H5", "B-201", "fix", "信访协调"]]
    assert dialog.lock_table.rowCount() == 1
    assert dialog.lock_table.item(0, 1).text() == "固定"
    entry = project.ledger.iloc[-1]
    assert (entry["action"], entry["object"], entry["reason"]) == (
        "lock", "household H5", "信访协调")
    assert window.is_dirty()

    # The same core checks as `allocator lock`, said in the window's words.
    assert not _add(dialog, "H4", "B-201", "fix")
    assert dialog.lock_problem.text() == "B-201 已固定给 H5，请先删除那条锁定。"
    assert not _add(dialog, "H5", "A-201", "fix")
    assert dialog.lock_problem.text() == (
        "A-201 面积 75 m²，不在本户（1人）的面积标准 12–25 m² 内。 "
        "H5 已固定了 B-201，请先删除那条锁定。")
    # An id typed in lower case is named as the project spells it.
    assert not _add(dialog, "h4", "b-101", "fix")
    assert dialog.lock_problem.text() == (
        "户号 h4 不在项目中。是否为 H4？ 房号 b-101 不在项目中。是否为 B-101？")
    assert len(project.locks) == 1

    window.act_undo.trigger()
    assert project.locks.empty and dialog.lock_table.rowCount() == 0
    assert project.ledger.iloc[-1]["action"] == "undo lock"
    window.act_redo.trigger()
    assert project.locks["unit_id"].tolist() == ["B-201"]

    assert _add(dialog, "H1", "B-101", "forbid", "采光差")
    dialog.lock_table.selectRow(1)
    dialog.lock_reason.setText("户主同意")
    assert dialog.remove_selected_lock()
    assert project.locks["unit_id"].tolist() == ["B-201"]
    entry = project.ledger.iloc[-1]
    assert entry["reason"] == "户主同意" and entry["after"] == ""
    assert json.loads(entry["before"])[0]["kind"] == "forbid"
    dialog.reject()


def test_a_locked_unit_goes_to_its_household(window, open_in, allocate_in, tiny_gpkg):
    project = open_in(window, tiny_gpkg)
    window.show_rules_dialog()
    assert _add(window.rules_dialog, "H5", "B-201", "fix", "信访协调")
    window.rules_dialog.reject()
    run = allocate_in(window, "highs")
    assert run["status"] == "optimal"
    allocations = project.allocations.set_index("household_id")
    assert allocations.at["H5", "unit_id"] == "B-201"
    assert allocations.at["H4", "kind"] == "waiting"
    assert allocations.at["H5", "reason"].startswith("规划人员锁定（信访协调）")


def test_objective_order_tab(window, open_in, tiny_gpkg):
    from PySide6.QtCore import Qt

    from allocator.rules import DEFAULTS

    open_in(window, tiny_gpkg)
    window.show_rules_dialog()
    dialog = window.rules_dialog
    names = dialog.objective_order()
    assert names[0] == "housed" and "walk" in names
    assert dialog.objectives.item(0).text() == "1. 按优先级加权的安置户数最大"
    assert names == DEFAULTS["objective_order"].value
    dialog.objectives.setCurrentRow(0)
    dialog._move_objective(1)
    moved = dialog.objective_order()
    assert moved[:3] == [names[1], names[0], names[2]]
    assert dialog.objectives.item(1).text().startswith("2. ")
    # Leaving out an optional level: unticked, it is not solved.
    village = [dialog.objectives.item(r).data(Qt.ItemDataRole.UserRole)
               for r in range(dialog.objectives.count())].index("village")
    dialog.objectives.item(village).setCheckState(Qt.CheckState.Unchecked)
    assert dialog.objectives.item(village).text().startswith("（不求解）")
    moved = [n for n in moved if n != "village"]
    assert dialog.objective_order() == moved
    # A required level cannot be unticked.
    assert not dialog.objectives.item(0).flags() & Qt.ItemFlag.ItemIsUserCheckable
    dialog._accept()
    assert window.project.rules["objective_order"] == moved
    assert window.project.ledger.iloc[-1]["action"] == "rules"
    window.act_undo.trigger()
    assert window.project.rules["objective_order"] == names


def test_issuing_offices_in_the_rules_dialog(window, open_in, tiny_gpkg):
    from allocator.rules import DEFAULTS

    open_in(window, tiny_gpkg)
    window.show_rules_dialog()
    dialog = window.rules_dialog
    edits = {path[1]: editor for path, editor in dialog.editors.items()
             if path[0] == "issuing_office"}
    assert {c: e.text() for c, e in edits.items()} == \
        DEFAULTS["issuing_office"].value
    # Unchanged, the dialog changes no rule.
    assert dialog.rules()["issuing_office"] == window.project.rules["issuing_office"]
    edits["退役军人"].setText("{county}退役军人事务局移交安置科")
    dialog._accept()
    assert window.project.rules["issuing_office"]["退役军人"] == \
        "{county}退役军人事务局移交安置科"
    # An empty name is refused with the core's words, nothing changed.
    window.show_rules_dialog()
    dialog = window.rules_dialog
    edits = {path[1]: editor for path, editor in dialog.editors.items()
             if path[0] == "issuing_office"}
    edits["生态移民"].setText("")
    dialog._accept()
    assert "issuing_office.生态移民: '' must be the office's name" in \
        dialog.problem.text()
    assert window.project.rules["issuing_office"]["生态移民"] == \
        DEFAULTS["issuing_office"].value["生态移民"]


def test_table_edits_record_before_and_after(window, open_in, tiny_gpkg):
    project = open_in(window, tiny_gpkg)
    model = window.tables.models["housing_units"]
    assert model.edit("A-201", "area_m2", "80")
    entry = project.ledger.iloc[-1]
    assert (entry["action"], entry["object"]) == ("edit", "housing_units A-201 area_m2")
    assert (json.loads(entry["before"]), json.loads(entry["after"])) == (75.0, 80.0)
    assert entry["reason"] == "窗口中编辑"
    window.undo_stack.undo()
    entry = project.ledger.iloc[-1]
    assert (entry["action"], json.loads(entry["before"]),
            json.loads(entry["after"])) == ("undo edit", 80.0, 75.0)


def test_english_window_shows_english_reasons_and_shortages(qtbot, tiny_project):
    from PySide6.QtWidgets import QApplication

    from allocator.allocate import solve_project, store_outcome
    from ui.language import install_language
    from ui.results import ExplanationPanel, KpiPanel, UnservedPanel

    store_outcome(tiny_project, solve_project(tiny_project, backend="cpsat",
                                              today=TINY_TODAY))
    try:
        install_language(QApplication.instance(), "en")
        panel = ExplanationPanel()
        qtbot.addWidget(panel)
        panel.show_household(tiny_project, "H0")
        text = panel.toPlainText()
        assert "moved into A-301 on 2020-05-12" in text
        assert "既有安置" not in text
        kpis = KpiPanel()
        qtbot.addWidget(kpis)
        kpis.set_project(tiny_project)
        shortages = [kpis.shortages.item(i).text()
                     for i in range(kpis.shortages.count())]
        assert any("1 school-age child has no primary school place" in s
                   for s in shortages)
        unserved = UnservedPanel()
        qtbot.addWidget(unserved)
        unserved.set_project(tiny_project)
        reasons = [unserved.model.item(r, 6).text()
                   for r in range(unserved.model.rowCount())]
        assert reasons and all(r.startswith(("no ", "第一", "the household"))
                               or "within the catchment" in r for r in reasons)
    finally:
        install_language(QApplication.instance(), "zh_CN")
    panel.show_household(tiny_project, "H0")
    assert "既有安置：2020-05-12入住A-301" in panel.toPlainText()
