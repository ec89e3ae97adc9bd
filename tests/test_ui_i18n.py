"""Both languages complete, the compiled translation current, the bundled
font registered."""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

pytest_plugins = ["tests.conftest_ui"]

ROOT = Path(__file__).resolve().parents[1]
TS = ROOT / "ui" / "i18n" / "allocator_en.ts"
QM = ROOT / "ui" / "i18n" / "allocator_en.qm"
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")


def _tool(name: str) -> Path | None:
    import PySide6

    folder = Path(PySide6.__file__).parent
    for candidate in (folder / name, folder / f"{name}.exe"):
        if candidate.exists():
            return candidate
    return None


def _messages(path: Path) -> list[tuple[str, str, str]]:
    root = ET.parse(path).getroot()
    found = []
    for context in root.findall("context"):
        name = context.findtext("name")
        for message in context.findall("message"):
            translation = message.find("translation")
            kind = translation.get("type", "")
            found.append((name, message.findtext("source"),
                          "" if kind in ("unfinished", "vanished", "obsolete")
                          else translation.text or ""))
    return found


def test_every_string_has_an_english_translation():
    messages = _messages(TS)
    assert len(messages) > 300
    untranslated = [(c, s) for c, s, t in messages if not t.strip()]
    assert untranslated == []
    for context, source, translation in messages:
        places = set(re.findall(r"%\d", source))
        assert set(re.findall(r"%\d", translation)) == places, (context, source)
        assert not CJK.search(translation.replace("、", "").replace(
            "肢体一级", "").replace("肢体二级", "").replace("移交安置工作方案", "")
            .replace("户主", "").replace("无", "")), (context, source)


def test_translation_file_lists_every_string_of_the_window(tmp_path):
    lupdate = _tool("lupdate")
    if lupdate is None:
        pytest.skip("lupdate is not shipped with this PySide6")
    copy = tmp_path / "check.ts"
    shutil.copy(TS, copy)
    sources = sorted(str(p) for p in (ROOT / "ui").glob("*.py"))
    subprocess.run([str(lupdate), "-locations", "none", "-no-obsolete", *sources,
                    "-ts", str(copy)], check=True, capture_output=True)
    fresh = {(c, s) for c, s, _t in _messages(copy)}
    known = {(c, s) for c, s, _t in _messages(TS)}
    assert fresh == known, {"new": sorted(fresh - known)[:10],
                            "gone": sorted(known - fresh)[:10]}


def test_compiled_translation_is_current(tmp_path):
    lrelease = _tool("lrelease")
    if lrelease is None:
        pytest.skip("lrelease is not shipped with this PySide6")
    compiled = tmp_path / "check.qm"
    subprocess.run([str(lrelease), str(TS), "-qm", str(compiled)], check=True,
                   capture_output=True)
    assert compiled.read_bytes() == QM.read_bytes(), \
        "run lrelease (see ui/i18n/README.md)"


def test_rule_sources_are_all_translatable():
    from allocator.rules import DEFAULTS
    from ui.rules_editor import SOURCES

    assert {rule.source for rule in DEFAULTS.values()} <= set(SOURCES)


def _visible_texts(widget) -> list[str]:
    from PySide6.QtWidgets import (
        QAbstractButton,
        QComboBox,
        QDockWidget,
        QGroupBox,
        QLabel,
        QLineEdit,
        QTabWidget,
        QWidget,
    )

    texts = []
    for child in [widget, *widget.findChildren(QWidget)]:
        if isinstance(child, QLabel):
            texts.append(child.text())
        elif isinstance(child, QAbstractButton):
            texts.append(child.text())
        elif isinstance(child, QGroupBox):
            texts.append(child.title())
        elif isinstance(child, QDockWidget):
            texts.append(child.windowTitle())
        elif isinstance(child, QLineEdit):
            texts.append(child.placeholderText())
        elif isinstance(child, QComboBox):
            texts += [child.itemText(i) for i in range(child.count())]
        if isinstance(child, QTabWidget):
            texts += [child.tabText(i) for i in range(child.count())]
        texts.append(child.toolTip())
    return texts


def test_english_window_shows_no_chinese_without_data(qtbot, ui_settings):
    from PySide6.QtWidgets import QApplication

    from ui.app import create_window
    from ui.language import LANGUAGES, install_language

    try:
        window = create_window(None, ui_settings, "en")
        window.interactive = False
        qtbot.addWidget(window)
        window.show()
        texts = _visible_texts(window)
        for action in window.findChildren(type(window.act_allocate)):
            if action.text() in LANGUAGES.values():
                continue  # each language is named in its own language
            texts += [action.text(), action.toolTip()]
        for model in window.tables.models.values():
            texts += [model.headerData(c, __import__("PySide6.QtCore").QtCore.Qt
                                       .Orientation.Horizontal)
                      for c in range(model.columnCount())]
        texts.append(window.windowTitle())
        chinese = sorted({t for t in texts if t and CJK.search(t)})
        assert chinese == []
        assert window.act_allocate.text() == "Allocate"
        assert window.docks["kpis"].windowTitle() == "KPIs"

        from allocator.rules import default_rules
        from ui.rules_editor import RulesDialog

        dialog = RulesDialog(default_rules(), window)
        qtbot.addWidget(dialog)
        texts = [t for t in _visible_texts(dialog) if t]
        # The rules editor shows data-free texts only; sources are translated.
        assert [t for t in texts if CJK.search(t) and "肢体" not in t
                and "方案" not in t] == []
    finally:
        install_language(QApplication.instance(), "zh_CN")


def test_bundled_font_is_registered_and_has_chinese(qapp):
    from PySide6.QtGui import QFont, QFontDatabase, QRawFont

    from ui.language import cjk_family, register_bundled_font

    family = register_bundled_font(qapp)
    assert family == cjk_family() == "Droid Sans Fallback"
    assert family in QFontDatabase.families()
    assert family in qapp.font().families()
    raw = QRawFont.fromFont(QFont(family))
    assert all(raw.supportsCharacter(ord(ch)) for ch in "安置分配优化昭觉县")
