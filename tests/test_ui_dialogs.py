"""The import wizard, the rules editor and the export dialog, offscreen."""

from __future__ import annotations

import csv
import shutil

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QWizard  # noqa: E402

from tests.conftest import TINY  # noqa: E402

pytest_plugins = ["tests.conftest_ui"]


def _fill_tiny(wizard, folder=TINY, register=None):
    page = wizard.files_page
    page.edits["register"].setText(str(register or folder / "register.csv"))
    page.edits["sites"].setText(str(folder / "sites.geojson"))
    page.edits["units"].setText(str(folder / "units.csv"))
    page.edits["facilities"].setText(str(folder / "facilities.csv"))
    page.edits["county"].setText(str(folder / "county.geojson"))


def _wait_for_check(qtbot, wizard):
    qtbot.waitUntil(lambda: wizard.check_page.job is None
                    and wizard.check_page.result is not None, timeout=60000)


def test_import_wizard_writes_nothing_until_finish(window, qtbot, tmp_path):
    from allocator.project import load_project

    window.show_import_wizard()
    wizard = window.import_wizard
    _fill_tiny(wizard)
    assert wizard.files_page.isComplete()
    wizard.next()
    assert wizard.currentPage() is wizard.mapping_page
    assert wizard.mapping_page.isComplete()  # Chinese headers pre-mapped
    assert wizard.mapping_page.mapping("register")["户号"] == "household_id"
    assert not wizard.mapping_page.changed("register")
    wizard.next()
    _wait_for_check(qtbot, wizard)
    assert wizard.check_page.isComplete()
    assert "6" in wizard.check_page.summary.text()  # six households
    # The preview's headers are the window's own, not the stored names.
    preview = wizard.check_page.preview
    households = preview.widget(1).model()
    headers = [households.headerData(i, Qt.Orientation.Horizontal)
               for i in range(households.columnCount())]
    assert preview.tabText(1) == "安置户"
    assert headers[:3] == ["户号", "人数", "安置类别"]
    assert "意向安置点" in headers and "household_id" not in headers
    # A household with no wish shows a blank cell, not "nan".
    wishes = headers.index("意向安置点")
    cells = {households.index(row, wishes).data()
             for row in range(households.rowCount())}
    assert "" in cells and not {"nan", "None", "<NA>"} & cells
    wizard.next()
    target = tmp_path / "new.gpkg"
    wizard.save_page.path_edit.setText(str(target))
    assert not target.exists()

    with qtbot.waitSignal(window.project_shown, timeout=60000):
        wizard.button(QWizard.WizardButton.FinishButton).click()
    assert target.exists()
    assert window.path == target
    assert len(window.project.households) == 6
    assert len(load_project(target).households) == 6


def test_import_wizard_reports_errors_by_row_and_refuses(window, qtbot, tmp_path):
    broken = tmp_path / "register.csv"
    rows = list(csv.reader(open(TINY / "register.csv", encoding="utf-8-sig")))
    rows[2][2] = rows[2][2][:-1] + ("1" if rows[2][2][-1] != "1" else "2")
    with open(broken, "w", encoding="utf-8-sig", newline="") as stream:
        csv.writer(stream).writerows(rows)

    window.show_import_wizard()
    wizard = window.import_wizard
    _fill_tiny(wizard, register=broken)
    wizard.next()
    wizard.next()
    _wait_for_check(qtbot, wizard)
    assert not wizard.check_page.isComplete()
    problems = wizard.check_page.problems
    assert problems.rowCount() >= 1
    assert problems.item(0, 1).text() == "register.csv"
    assert problems.item(0, 2).text() == "3"
    assert problems.item(0, 3).text() == "身份证号"
    wizard.reject()


def test_import_wizard_maps_other_headers(window, qtbot, tmp_path):
    folder = tmp_path / "files"
    shutil.copytree(TINY, folder)
    register = folder / "register.csv"
    text = register.read_text(encoding="utf-8-sig")
    register.write_text(text.replace("户号,", "家庭编号,", 1), encoding="utf-8-sig")

    window.show_import_wizard()
    wizard = window.import_wizard
    _fill_tiny(wizard, folder)
    wizard.next()
    page = wizard.mapping_page
    assert not page.isComplete()
    assert "户号" in page.status.text()
    table = page.tables["register"]
    row = page.headers["register"].index("家庭编号")
    box = table.cellWidget(row, 1)
    box.setCurrentIndex(box.findData("household_id"))
    assert page.isComplete() and page.changed("register")
    wizard.next()
    _wait_for_check(qtbot, wizard)
    assert wizard.check_page.isComplete()
    assert len(wizard.check_page.result.project.households) == 6
    # The planner's file is untouched; only a temporary copy was renamed.
    assert register.read_text(encoding="utf-8-sig").startswith("家庭编号,")
    wizard.reject()


def test_rules_change_redraws_catchments_and_undoes(window, open_in, tiny_gpkg):
    project = open_in(window, tiny_gpkg)
    scene = window.map_view.map_scene
    before = scene.catchments["primary"][0].rect().width()

    window.show_rules_dialog()
    dialog = window.rules_dialog
    editor = dialog.editors[("catchment_walk_m", "primary")]
    editor.setValue(2000)
    dialog._accept()
    assert project is window.project
    assert window.project.rules["catchment_walk_m"]["primary"] == 2000
    assert scene.catchments["primary"][0].rect().width() == pytest.approx(
        before * 4, rel=1e-6)
    assert window.project.ledger.iloc[-1]["action"] == "rules"

    window.act_undo.trigger()
    assert window.project.rules["catchment_walk_m"]["primary"] == 500
    assert scene.catchments["primary"][0].rect().width() == pytest.approx(before)


def test_rules_dialog_refuses_impossible_rules(window, open_in, tiny_gpkg):
    open_in(window, tiny_gpkg)
    window.show_rules_dialog()
    dialog = window.rules_dialog
    dialog.editors[("area_min_per_person_m2",)].setValue(40)
    dialog._accept()
    assert dialog.result() == 0 and "下限" in dialog.problem.text()
    dialog.reject()
    assert window.project.rules["area_min_per_person_m2"] == 12


def test_rules_show_their_sources(window, open_in, tiny_gpkg):
    from PySide6.QtWidgets import QLabel

    from allocator.rules import DEFAULTS

    open_in(window, tiny_gpkg)
    window.show_rules_dialog()
    texts = " ".join(label.text() for label in window.rules_dialog.findChildren(QLabel))
    for key in ("area_max_per_person_m2", "catchment_walk_m", "priority_points",
                "lottery_seed"):
        assert DEFAULTS[key].source in texts
    window.rules_dialog.reject()


def test_export_selected_households_with_progress(window, open_in, allocate_in, qtbot,
                                                  tiny_gpkg, tmp_path):
    from pypdf import PdfReader

    open_in(window, tiny_gpkg)
    assert not window.act_export.isEnabled()  # nothing to export before a solve
    allocate_in(window, backend="highs")
    window.tables.show_table("households").select_keys(["H1", "H3"])
    window.show_export_dialog()
    dialog = window.export_dialog
    assert dialog.selected_radio.isChecked()
    dialog.pdf_edit.setText(str(tmp_path / "orders.pdf"))
    dialog.xlsx_edit.setText(str(tmp_path / "allocations.xlsx"))
    with qtbot.waitSignal(dialog.exported, timeout=120000) as blocker:
        dialog.export_button.click()
    pdf, xlsx = blocker.args
    assert len(PdfReader(pdf).pages) == 2
    assert (tmp_path / "allocations.xlsx").exists()
    assert dialog.progress.value() == dialog.progress.maximum()
    assert window.project.ledger.iloc[-1]["action"] == "export"
    # The orders' numbers are the project's now, for every household (by
    # register place on a first export), and go into the next save.
    numbers = dict(zip(window.project.order_numbers["household_id"],
                       window.project.order_numbers["number"]))
    assert numbers == {"H0": 1, "H1": 2, "H2": 3, "H3": 4, "H4": 5, "H5": 6}
    assert window.is_dirty()
    dialog.reject()


def test_export_dialog_says_when_a_lock_came_after_the_allocation(
        window, open_in, tiny_gpkg, allocate_in):
    from allocator.locks import add_lock

    open_in(window, tiny_gpkg)
    allocate_in(window, backend="highs")
    window.show_export_dialog()
    assert window.export_dialog.status.text() == "准备就绪。"
    window.export_dialog.reject()
    add_lock(window.project, "H5", "B-201", "fix", "信访协调")
    entry = int(window.project.ledger["entry"].iloc[-1])
    day = str(window.project.ledger["time"].iloc[-1])[:10]
    window.show_export_dialog()
    assert window.export_dialog.status.text() == (
        f"注意：本分配完成后修改过锁定（台账第 {entry} 条，{day}），通知书仍按原分配"
        "打印；要按修改后的锁定分配，请先重新求解。")
    window.export_dialog.reject()


def test_export_dialog_says_when_the_allocation_has_no_gap(
        window, open_in, tiny_gpkg, allocate_in):
    # As `allocator export` does: an allocation made by a solve the time
    # limit stopped before a level's bound may be far from its best.
    open_in(window, tiny_gpkg)
    allocate_in(window, backend="highs")
    runs = window.project.runs
    runs.loc[runs.index[-1], ["status", "gap"]] = ["feasible", None]
    window.show_export_dialog()
    assert window.export_dialog.status.text() == (
        "注意：本分配由在时间上限内未求出界的求解得出（无差距），某一目标层可能离最优"
        "较远；打印通知书前请不设时间上限重新求解。")
    window.export_dialog.reject()


def test_import_wizard_says_a_file_it_cannot_read_and_lets_the_check_explain(
        window, qtbot, tmp_path):
    renamed = tmp_path / "register.csv"
    renamed.write_bytes(b"%PDF-1.4\n" + bytes(range(256)))
    window.show_import_wizard()
    wizard = window.import_wizard
    _fill_tiny(wizard, register=renamed)
    wizard.next()
    page = wizard.mapping_page
    assert wizard.currentPage() is page
    status = page.status.text()
    assert status.startswith(f"无法读取 {renamed} 的列名：")
    assert "is not a text table: it is a PDF document" in status
    assert "所有必填字段都已对应" not in status
    assert page.isComplete()  # the check on the next page says what to do
    wizard.next()
    _wait_for_check(qtbot, wizard)
    assert not wizard.check_page.isComplete()
    texts = [wizard.check_page.problems.item(r, 4).text()
             for r in range(wizard.check_page.problems.rowCount())]
    assert any("is not a text table: it is a PDF document" in t for t in texts)
    wizard.reject()
