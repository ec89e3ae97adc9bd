"""Dynamic management in the window (issue #5): exit review, reallocation
that changes only what it must, the changed households' orders, alerts on
the map and a household's history.

The tiny county is adapted so the numbers can be worked out by hand: A-301
(H0's unit) is made 25 m², so when H0 exits, the one-person household left
waiting after the first allocation (H5, 5 points; H4 has 25 and got B-201)
fits it and is the only household that changes.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

pytest_plugins = ["tests.conftest_ui"]

TODAY = dt.date(2026, 10, 1)


@pytest.fixture()
def dynamic_gpkg(tmp_path, tiny_project):
    from allocator.project import save_project

    project = tiny_project
    units = project.housing_units
    units.loc[units["unit_id"] == "A-301", "area_m2"] = 25.0
    households = project.households
    rich = households["household_id"] == "H0"
    households.loc[rich, ["annual_income", "stable_job_years"]] = [80000.0, 5.0]
    project.household_history = pd.DataFrame([
        {"household_id": "H0", "year": 2025, "annual_income": 60000.0,
         "job_status": "稳定就业", "stable_job_years": 4.0, "note": ""},
        {"household_id": "H0", "year": 2026, "annual_income": 80000.0,
         "job_status": "稳定就业", "stable_job_years": 5.0, "note": "务工"},
        {"household_id": "H2", "year": 2025, "annual_income": 30000.0,
         "job_status": "稳定就业", "stable_job_years": 1.0, "note": ""},
        {"household_id": "H2", "year": 2026, "annual_income": 12000.0,
         "job_status": "无业", "stable_job_years": 0.0, "note": ""},
    ])
    path = tmp_path / "dynamic.gpkg"
    save_project(project, path)
    return path


def _allocated(project):
    rows = project.allocations[project.allocations["scenario"] == "base"]
    return {h: (u if isinstance(u, str) else None)
            for h, u in zip(rows["household_id"], rows["unit_id"])}


def test_exit_then_reallocate_moves_nobody_else(window, open_in, allocate_in, qtbot,
                                                 dynamic_gpkg, tmp_path):
    from allocator.validator import validate_allocation
    from tests.assertions import assert_allocation_valid

    window._today = TODAY
    project = open_in(window, dynamic_gpkg)
    assert allocate_in(window, "highs")["status"] == "optimal"
    first = _allocated(project)
    assert first["H5"] is None and first["H4"] == "B-201"
    assert first["H0"] == "A-301"

    window.show_exit_review()
    dialog = window.exit_dialog
    assert dialog.table.rowCount() == 1  # only H0 qualifies
    assert dialog.table.item(0, 1).text() == "H0"
    assert "人均年收入 20,000 > 15,000" in dialog.table.item(0, 7).text()
    dialog.only_qualifying.setChecked(False)
    assert dialog.table.rowCount() == 1  # H0 is the only household in a unit
    dialog.only_qualifying.setChecked(True)
    assert not dialog.confirm_checked()  # nothing ticked
    dialog.set_checked(["H0"])
    assert dialog.confirm_checked()
    assert "已确认 1 户退出：1 套房已腾空" in dialog.result.text()
    units = project.housing_units.set_index("unit_id")
    assert units.at["A-301", "status"] == "vacant"
    assert project.households.set_index("household_id").at["H0", "exited_on"] \
        == "2026-10-01"
    assert dialog.table.rowCount() == 0
    assert project.ledger["action"].tolist()[-2:] == ["exit", "free unit"]
    dialog.reject()

    # Undo puts the unit and the household back; redo confirms again.
    window.act_undo.trigger()
    assert project.housing_units.set_index("unit_id").at["A-301", "status"] \
        == "occupied"
    assert project.exits.empty
    window.act_redo.trigger()
    assert project.housing_units.set_index("unit_id").at["A-301", "status"] \
        == "vacant"

    window.act_reallocate.trigger()  # asks first: moves are off by default
    assert not window.reallocate_dialog.allow_moves.isChecked()
    with qtbot.waitSignal(window.allocation_finished, timeout=180000) as blocker:
        assert window.reallocate_dialog.start()
    assert blocker.args[0]["status"] == "optimal"
    second = _allocated(project)
    assert second["H5"] == "A-301"
    moved = {h for h in first if h != "H0" and first[h] != second.get(h)}
    assert moved == {"H5"}
    changes = window.changes.changes
    # H0's two children leave 第一幼儿园 (capacity 2): H1's child, who had
    # no place, gets one; no one else's school or clinic changes.
    assert sorted(zip(changes["household_id"], changes["change"])) == [
        ("H0", "exited"), ("H1", "service"), ("H5", "allocated")]
    table = window.changes.table
    assert table.rowCount() == 3
    assert table.item(1, 1).text() == "学位或卫生服务变动"
    assert "H1-02" in table.item(1, 4).text()
    assert "第一幼儿园" in table.item(1, 4).text()
    assert table.item(2, 4).text() == "户H0退出腾出房屋A-301，分配给轮候户H5"
    from allocator.reallocate import validation_view

    assert validate_allocation(validation_view(project, TODAY)) == []
    assert_allocation_valid(validation_view(project, TODAY))

    # The export dialog offers the changed households only.
    window.set_backend("highs")
    window.show_export_dialog()
    export = window.export_dialog
    assert export.changed == ["H1", "H5"]
    assert export.changed_radio.isEnabled()
    export.changed_radio.setChecked(True)
    assert export.households() == ["H1", "H5"]
    # The Excel table holds the same households (it held the whole county).
    export.xlsx_edit.setText(str(tmp_path / "changed.xlsx"))
    export.pdf_edit.setText(str(tmp_path / "changed.pdf"))
    assert export.start() is not None
    qtbot.waitUntil(lambda: export.job is None, timeout=120000)
    assert export.result_paths is not None, export.status.text()
    from pypdf import PdfReader

    reader = PdfReader(str(tmp_path / "changed.pdf"))
    assert len(reader.pages) == 2
    assert "H1" in reader.pages[0].extract_text()
    assert "H5" in reader.pages[1].extract_text()
    import pandas as pd

    table = pd.read_excel(tmp_path / "changed.xlsx", sheet_name=0, dtype=str)
    assert sorted(set(table.iloc[:, 0])) == ["H1", "H5"], table.head()
    export.reject()


def test_alerts_filter_and_mark_the_map(window, open_in, dynamic_gpkg):
    window._today = TODAY
    open_in(window, dynamic_gpkg)
    alerts = window.alerts
    frame = alerts.frame
    # H2's income fell 60 % (30,000 -> 12,000) and its job was lost: red.
    assert frame.set_index("household_id").at["H2", "level"] == "red"
    assert alerts.table.rowCount() == len(frame)
    alerts.level_box.setCurrentIndex(alerts.level_box.findData("blue"))
    assert alerts.table.rowCount() == int((frame["level"] == "blue").sum())
    alerts.level_box.setCurrentIndex(alerts.level_box.findData("red"))
    assert alerts.table.item(0, 0).text() == "H2"
    township = frame.set_index("household_id").at["H2", "current_township"]
    alerts.township_box.setCurrentIndex(alerts.township_box.findData(township))
    assert alerts.table.rowCount() >= 1
    # H2 waits (no unit), so no ring; H0 has a unit but no alert.
    window.docks["alerts"].raise_()
    assert window.map_view.map_scene.overlays.get("alerts") == []


def test_alert_of_a_housed_household_is_drawn_on_its_building(window, open_in, qtbot,
                                                             dynamic_gpkg):
    from allocator.project import load_project, save_project

    project = load_project(dynamic_gpkg)
    history = project.household_history
    history.loc[(history["household_id"] == "H0") & (history["year"] == 2026),
                ["annual_income", "job_status"]] = [20000.0, "无业"]
    save_project(project, dynamic_gpkg)
    window._today = TODAY
    open_in(window, dynamic_gpkg)
    levels = window.alerts.frame.set_index("household_id")["level"]
    assert levels["H0"] == "red"  # fell by two thirds
    # Rings show while the alerts are on screen.
    overlays = window.map_view.map_scene.overlays
    window.docks["kpis"].raise_()
    qtbot.waitUntil(lambda: overlays.get("alerts", []) == [], timeout=5000)
    window.docks["alerts"].raise_()
    qtbot.waitUntil(lambda: len(overlays.get("alerts", [])) == 1, timeout=5000)
    rings = overlays["alerts"]
    assert "A-301" in rings[0].toolTip()
    window.alerts.on_map.setChecked(False)
    assert window.map_view.map_scene.overlays["alerts"] == []


def test_history_of_the_selected_household(window, open_in, dynamic_gpkg):
    window._today = TODAY
    project = open_in(window, dynamic_gpkg)
    assert window.tables.models["households"].edit("H0", "origin_village", "新村")
    window.select_household("H0")
    history = window.history
    assert history.household_id == "H0"
    sources = [history.entries.item(r, 1).text()
               for r in range(history.entries.rowCount())]
    assert sources.count("收入就业") == 2 and "台账" in sources
    edit_row = sources.index("台账")
    assert history.entries.item(edit_row, 3).text() == "原居住村：阿土列尔村 → 新村"
    # H0 moved in on 2020-05-12: visits at 1, 3 and 6 months, none recorded.
    assert history.visits.rowCount() == 3
    assert history.visits.item(0, 1).text() == "2020-06-12"
    assert history.visits.item(0, 4).text().startswith("逾期未访")
    assert len(project.ledger) >= 1


NEW_UNIT = {"add_units": [{"unit_id": "C-101", "site_id": "S1", "building": "C栋",
                           "floor": 1, "area_m2": 25, "accessible": False,
                           "lon": 102.851, "lat": 28.036}]}


def test_two_scenarios_compared_side_by_side(window, open_in, allocate_in, qtbot,
                                             dynamic_gpkg):
    window._today = TODAY
    project = open_in(window, dynamic_gpkg)
    assert allocate_in(window, "highs")["status"] == "optimal"
    panel = window.scenarios
    assert window.create_scenario("新房", NEW_UNIT, "新增一套25平方米的房")[0]
    ok, text = window.create_scenario("新房", NEW_UNIT, "")
    assert not ok and "exists" in text
    assert not window.create_scenario("坏", {"capacities": {"NOPE": 3}}, "")[0]
    assert window.create_scenario(
        "扩容", {"catchments": {"primary": 2000}}, "小学服务半径2000米")[0]
    assert set(project.scenarios["scenario"]) >= {"新房", "扩容"}

    for name in ("新房", "扩容"):
        with qtbot.waitSignal(window.allocation_finished, timeout=180000) as done:
            window.solve_scenario(name)
        assert done.args[0]["status"] == "optimal"
    base_units = _allocated(project)
    assert base_units["H5"] is None  # the base is untouched

    panel.set_project(project)
    panel.select(["base", "新房", "扩容"])
    assert panel.selected() == ["base", "新房", "扩容"]
    assert panel.compare_selected()
    kpis = panel.kpis
    rows = [kpis.verticalHeaderItem(r).text() for r in range(kpis.rowCount())]
    headers = [kpis.horizontalHeaderItem(c).text() for c in range(kpis.columnCount())]
    assert headers == ["基准", "新房", "扩容", "新房 与 基准 之差", "扩容 与 基准 之差"]
    waiting = rows.index("轮候")
    # 新房 houses H5 in C-101: one household fewer waiting.
    assert [kpis.item(waiting, c).text() for c in range(5)] == [
        "1", "0", "1", "-1", "±0"]
    # 扩容 (primary 2,000 m) reaches 第一小学 at 1,513 m.
    primary = rows.index("小学学位")
    assert int(kpis.item(primary, 2).text()) > int(kpis.item(primary, 0).text())
    differences = panel.differences
    households = [differences.item(r, 0).text() for r in range(differences.rowCount())]
    assert "H5" in households
    h5 = households.index("H5")
    # H4 and H5 both fit only 25 m² units, so the scenario houses them in
    # B-201 and the new C-101, in either order (equal on every level).
    row = [differences.item(h5, c).text() for c in (1, 2, 3)]
    assert row[0] == row[2] == "轮候" and row[1] in ("B-201", "C-101")
    moved = {"C-101": set(), "B-201": {"H4"}}[row[1]]
    assert {"H5"} | moved <= set(households)
    rings = window.map_view.map_scene.overlays["scenarios"]
    assert len(rings) == 1 + len(moved)  # one ring per unit that changed
    assert any("C-101" in ring.toolTip() for ring in rings)  # the new unit

    ok, text = window.promote_scenario("新房")
    assert ok, text
    assert _allocated(project)["H5"] == row[1]
    assert "C-101" in set(project.housing_units["unit_id"])
    assert project.ledger["action"].iloc[-1] == "scenario promote"
    window.act_undo.trigger()
    assert _allocated(project)["H5"] is None
    assert "C-101" not in set(project.housing_units["unit_id"])
    assert "新房" in set(project.scenarios["scenario"])


def test_petition_trial_and_keep_as_scenario(window, open_in, allocate_in, qtbot,
                                             dynamic_gpkg):
    window._today = TODAY
    project = open_in(window, dynamic_gpkg)
    assert allocate_in(window, "highs")["status"] == "optimal"
    first = _allocated(project)
    assert first["H4"] == "B-201"
    window.select_household("H4")
    window.show_petition_dialog()
    dialog = window.petition_dialog
    assert dialog.household.text() == "H4"
    dialog.kind.setCurrentIndex(dialog.kind.findData("exclude_unit"))
    dialog.value.setText("B-201")
    with qtbot.waitSignal(window.job_done, timeout=180000):
        dialog.start()
    trial = dialog.trial
    assert trial is not None and trial.reallocation.solved
    # B-201 is the only vacant unit for one person: H4 cannot be housed
    # elsewhere, and H5 (the other one-person household) takes B-201.
    assert not trial.granted and trial.unit_before == "B-201"
    assert "不能满足" in dialog.result.text()
    assert _allocated(project) == first  # a trial changes nothing
    others = [dialog.others.item(r, 0).text() for r in range(dialog.others.rowCount())]
    assert "H5" in others
    dialog.scenario_name.setText("信访H4")
    assert dialog.keep()
    assert "信访H4" in set(project.scenarios["scenario"])
    assert _allocated(project) == first
    window.act_undo.trigger()
    assert "信访H4" not in set(project.scenarios["scenario"])
    dialog.reject()


def test_public_notice_from_the_export_dialog(window, open_in, allocate_in, qtbot,
                                              dynamic_gpkg, tmp_path):
    from pypdf import PdfReader

    project = open_in(window, dynamic_gpkg)
    assert allocate_in(window, "highs")["status"] == "optimal"
    window.show_export_dialog()
    export = window.export_dialog
    export.pdf_box.setChecked(False)
    export.xlsx_box.setChecked(False)
    export.notice_box.setChecked(True)
    export.notice_edit.setText(str(tmp_path / "notice.pdf"))
    assert export.start() is not None
    qtbot.waitUntil(lambda: export.job is None, timeout=120000)
    assert export.result_paths is not None, export.status.text()
    text = PdfReader(str(tmp_path / "notice.pdf")).pages[0].extract_text()
    allocated = project.allocations[project.allocations["kind"] == "allocated"]
    for household in allocated["household_id"]:
        assert household in text
    assert "H0" not in text  # already housed: not on the notice
    assert project.ledger["action"].iloc[-1] == "notice"
    export.reject()


def test_an_exit_rule_scenario_says_who_would_qualify(window, open_in, allocate_in,
                                                      qtbot, dynamic_gpkg):
    # H0 lives in A-301 with 80,000 yuan for 4 members (20,000 each) and 5
    # years of stable job: it qualifies under the base's rule (more than
    # 15,000), not under 25,000.
    window._today = TODAY
    project = open_in(window, dynamic_gpkg)
    assert allocate_in(window, "highs")["status"] == "optimal"
    assert window.create_scenario(
        "严格退出", {"rules": {"county_average_income_yuan": 25000}}, "")[0]
    with qtbot.waitSignal(window.allocation_finished, timeout=180000) as done:
        window.solve_scenario("严格退出")
    assert done.args[0]["status"] == "optimal"
    panel = window.scenarios
    panel.set_project(project)
    panel.select(["base", "严格退出"])
    assert panel.compare_selected()
    assert ("严格退出: 退出资格 exit rule: 0 household(s) living in a unit qualify "
            "under this scenario's rule on 2026-10-01, 1 under the base's (0 more, "
            "1 fewer); no longer qualifying: H0. The allocation does not change: "
            "exits are confirmed on the base under the base's rule, so to apply "
            "this one, promote the scenario or set the rule on the base (分配规则)"
            ) in panel.note.text()


def test_promote_in_the_window_names_the_households_it_unhouses(
        window, open_in, allocate_in, qtbot, dynamic_gpkg):
    # A scenario adding a retired soldier's household of two, waiting since
    # 2020, gives it a unit that a household housed in the base held; the
    # window promotes (undoably) and names that household and unit.
    from allocator.scenarios import units_taken
    from tests.test_promote_takes_units import N1

    window._today = TODAY
    project = open_in(window, dynamic_gpkg)
    assert allocate_in(window, "highs")["status"] == "optimal"
    assert window.create_scenario("新增户", N1, "")[0]
    with qtbot.waitSignal(window.allocation_finished, timeout=180000) as done:
        window.solve_scenario("新增户")
    assert done.args[0]["status"] == "optimal"
    taken = units_taken(project, "新增户")
    assert len(taken) == 1
    (household, unit, now), = taken
    assert _allocated(project)[household] == unit and now == ""  # held in base
    ok, text = window.promote_scenario("新增户")
    assert ok
    # N1's members were given without ID numbers: the window says so too.
    assert text == ("方案 新增户 已采用为基准（可撤销）。注意：1 户在原基准中已分得的"
                    f"住房被收回或更换：{household}（{unit} → 无）。如非本意，请撤销。"
                    "注意：1 户有成员没有身份证号（N1），其分配通知书和公示名单中以“—”"
                    "代替；请用补全号码的户籍名册更新（动态管理 → 更新户籍名册）。")
    assert _allocated(project)[household] is None
    window.act_undo.trigger()
    assert _allocated(project)[household] == unit


def _reallocated_in(window, open_in, allocate_in, qtbot, dynamic_gpkg):
    """The dynamic county opened in the window, allocated, then reallocated
    (nothing to give out yet); its project."""
    window._today = TODAY
    project = open_in(window, dynamic_gpkg)
    assert allocate_in(window, "highs")["status"] == "optimal"
    window.act_reallocate.trigger()
    with qtbot.waitSignal(window.allocation_finished, timeout=180000):
        assert window.reallocate_dialog.start()
    return project


def test_a_scenario_of_a_reallocated_base_keeps_base_holders_in_the_window(
        window, open_in, allocate_in, qtbot, dynamic_gpkg):
    # After a reallocation in the window, scenario 新增户 (see the test above)
    # is solved as a reallocation: the household housed in the base keeps its
    # unit, the added one waits, and the note says so.
    from allocator.scenarios import units_taken
    from tests.test_promote_takes_units import N1

    project = _reallocated_in(window, open_in, allocate_in, qtbot, dynamic_gpkg)
    base = _allocated(project)
    shown = window.busy_label.text()
    assert window.create_scenario("新增户", N1, "")[0]
    assert window.busy_label.text() == shown  # a scenario leaves the base as it was
    with qtbot.waitSignal(window.allocation_finished, timeout=180000) as done:
        window.solve_scenario("新增户")
    assert done.args[0]["status"] == "optimal"
    assert units_taken(project, "新增户") == []
    rows = project.allocations[project.allocations["scenario"] == "新增户"]
    trial = dict(zip(rows["household_id"], rows["unit_id"].where(
        rows["unit_id"].notna(), None)))
    assert trial == base | {"N1": None}
    assert ("基准的分配是重新分配，方案 新增户 也按重新分配求解：基准中已安置的户"
            "保留住房；0 户的住房或学位、卫生服务与基准不同。"
            ) in window.progress.state_label.text()


def test_the_window_asks_for_the_bases_reallocation_before_a_scenario(
        window, open_in, allocate_in, qtbot, dynamic_gpkg):
    # After the reallocation, H0's exit frees A-301: solving a scenario now
    # would give it out beside the scenario's change, so the window says to
    # reallocate the base first and starts nothing.
    from tests.test_promote_takes_units import N1

    project = _reallocated_in(window, open_in, allocate_in, qtbot, dynamic_gpkg)
    window.show_exit_review()
    window.exit_dialog.set_checked(["H0"])
    assert window.exit_dialog.confirm_checked()
    window.exit_dialog.reject()
    assert window.busy_label.text() == "数据已修改：请重新分配"
    assert window.create_scenario("新增户", N1, "")[0]
    runs = len(project.runs)
    assert window.solve_scenario("新增户") is None
    assert ("the base's allocation is a reallocation, and exits have freed 1 "
            "unit(s) since") in window.message_bar.text()
    assert len(project.runs) == runs


def _updated_register(tmp_path, extra_rows, name="updated.csv"):
    from tests.conftest import TINY

    lines = (TINY / "register.csv").read_text(encoding="utf-8-sig").splitlines()
    path = tmp_path / name
    path.write_text("\n".join(lines + extra_rows) + "\n", encoding="utf-8-sig")
    return path


def test_register_update_in_the_window_shows_then_applies_and_undoes(
        window, open_in, qtbot, dynamic_gpkg, tmp_path):
    # A child born to H1 on 2026-05-01; H0's income and years in a job are
    # the register's (30,000 and 2), not the 80,000 and 5 this project holds.
    # The window lists those two changes, changes nothing until a reason is
    # given, then records each in the ledger, as one undoable step.
    window._today = TODAY
    project = open_in(window, dynamic_gpkg)
    path = _updated_register(tmp_path, [
        "H1,沙马阿果,513431202605010127,女,女,2026-05-01,易地扶贫搬迁,无,,,"
        "谷都村,城北乡,城北乡,"])
    window.show_register_update(str(path))
    qtbot.waitUntil(lambda: getattr(window, "register_dialog", None) is not None,
                    timeout=30000)
    dialog = window.register_dialog
    assert dialog.table.rowCount() == 2
    assert dialog.table.item(0, 0).text() == "H0"
    assert dialog.table.item(0, 2).text() == (
        "年收入: 80000 → 30000；稳定就业年限: 5 → 2")
    assert dialog.table.item(1, 0).text() == "H1"
    assert dialog.table.item(1, 1).text() == "变更"
    assert dialog.table.item(1, 2).text() == "出生 born: 沙马阿果（女，2026-05-01）"
    assert "2 户变化（尚未改动项目）" in dialog.summary.text()
    assert not dialog.problems.isVisible()
    sizes = dict(zip(project.households["household_id"], project.households["size"]))
    assert sizes["H1"] == 2

    assert not dialog.apply()  # no reason yet
    assert "请填写更新原因" in dialog.result.text()
    assert len(window.project.members) == 13
    dialog.reason.setText("2026年10月户籍核对")
    assert dialog.apply()
    assert "已更新 2 户的户籍登记" in dialog.result.text()
    households = window.project.households.set_index("household_id")
    assert int(households.at["H1", "size"]) == 3
    assert float(households.at["H0", "annual_income"]) == 30000.0
    assert len(window.project.members) == 14
    entry = window.project.ledger.iloc[-1]
    assert entry["action"] == "register update"
    assert entry["object"] == "household H1"
    assert "2026年10月户籍核对" in entry["reason"]

    window.undo_stack.undo()
    households = window.project.households.set_index("household_id")
    assert int(households.at["H1", "size"]) == 2
    assert float(households.at["H0", "annual_income"]) == 80000.0
    assert len(window.project.members) == 13
    assert window.project.ledger.iloc[-1]["action"] == "undo register update"


def test_register_update_with_errors_changes_nothing_in_the_window(
        window, open_in, qtbot, dynamic_gpkg, tmp_path):
    window._today = TODAY
    project = open_in(window, dynamic_gpkg)
    entries = len(project.ledger)
    # The check digit of the new member's ID number is wrong (7 expected).
    path = _updated_register(tmp_path, [
        "H1,沙马阿果,513431202605010120,女,女,2026-05-01,易地扶贫搬迁,无,,,"
        "谷都村,城北乡,城北乡,"], "bad.csv")
    window.show_register_update(str(path))
    qtbot.waitUntil(lambda: getattr(window, "register_dialog", None) is not None,
                    timeout=30000)
    dialog = window.register_dialog
    assert "bad.csv 有 1 处错误，未比对" in dialog.summary.text()
    assert not dialog.apply_button.isEnabled()
    assert dialog.problems.rowCount() == 1
    assert dialog.problems.item(0, 0).text() == "bad.csv 第15行 身份证号"
    assert "check digit" in dialog.problems.item(0, 1).text()
    assert dialog.table.rowCount() == 0
    assert len(window.project.ledger) == entries


def test_register_update_in_the_window_asks_before_removing_many(
        window, open_in, qtbot, tmp_path, tiny_inputs):
    # The tiny county with 94 one-person households added (100 in all); the
    # update leaves out X001 ... X030, 30 % of them: the dialog says what
    # that would do in the window's words (no command-line option), and
    # applies only once the box is ticked, and only once.
    from allocator.project import save_project
    from tests.test_register_mass_removal import DAY, _dropped, _project, _register

    path = tmp_path / "hundred.gpkg"
    save_project(_project(tmp_path, tiny_inputs, 94), path)
    update = _register(tmp_path, "part.csv", 94, _dropped(30))
    window._today = DAY
    open_in(window, path)
    window.show_register_update(str(update))
    qtbot.waitUntil(lambda: getattr(window, "register_dialog", None) is not None,
                    timeout=30000)
    dialog = window.register_dialog
    assert dialog.table.rowCount() == 30
    assert ("注意：这次更新会把项目 100 户中的 30 户（30.0%）作为注销户删除"
            "（X001、X002、X003、X004、X005……）") in dialog.summary.text()
    assert "--" not in dialog.summary.text()
    dialog.reason.setText("2026年11月户籍核对")
    assert not dialog.apply()
    assert "勾选上面的确认框再应用" in dialog.result.text()
    assert len(window.project.households) == 100
    dialog.allow_many.setChecked(True)
    assert dialog.apply()
    assert len(window.project.households) == 70
    entries = len(window.project.ledger)
    assert not dialog.apply()  # applied once; the dialog now only reports
    assert len(window.project.ledger) == entries


def test_the_new_scenario_example_names_a_facility_of_the_project(window, open_in,
                                                                  dynamic_gpkg):
    # Found by a new user: the example named facility P1, which the sample
    # county does not have, so pressing OK on it was refused.
    import json

    project = open_in(window, dynamic_gpkg)
    window.scenarios.new_scenario()
    dialog = window.scenarios.new_dialog
    example = json.loads(dialog.changes.toPlainText())
    first = str(project.facilities["facility_id"].iloc[0])
    assert example["capacities"] == {first: 60}
    dialog.reject()
