"""Languages, translators and the bundled CJK font of the window.

The source strings of the window are Simplified Chinese, the default
language; ``ui/i18n/allocator_en.qm`` (compiled from ``allocator_en.ts`` with
the ``lrelease`` shipped in the PySide6 package) holds the English ones. Qt's
own dialog buttons are translated with Qt's ``qtbase_*.qm`` files.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

logger = logging.getLogger(__name__)

I18N_DIR = Path(__file__).resolve().parent / "i18n"
FONT_PATH = (Path(__file__).resolve().parents[1] / "allocator" / "fonts"
             / "DroidSansFallbackFull.ttf")
DEFAULT_LANGUAGE = "zh_CN"
LANGUAGES = {"zh_CN": "简体中文", "en": "English"}
# Fonts with Chinese glyphs that a Windows or Linux desktop may have; the
# bundled font comes last so it is used only where none of these exist.
SYSTEM_CJK_FAMILIES = ("Microsoft YaHei", "Microsoft YaHei UI", "SimSun",
                       "Noto Sans CJK SC", "WenQuanYi Micro Hei",
                       "Source Han Sans SC")

_installed: list[QTranslator] = []
_bundled_family: list[str] = []
_current: list[str] = [DEFAULT_LANGUAGE]


def normalise_language(language: str | None) -> str:
    """A supported language code (``zh_CN`` or ``en``); Chinese by default."""
    if not language:
        return DEFAULT_LANGUAGE
    code = str(language).replace("-", "_")
    if code in LANGUAGES:
        return code
    if code.lower().startswith("en"):
        return "en"
    return DEFAULT_LANGUAGE


def install_language(app: QCoreApplication, language: str | None) -> str:
    """Install the translators of ``language`` on ``app``; return the code used.

    Earlier translators installed by this function are removed first, so it
    can be called again (tests switch languages in one process).
    """
    language = normalise_language(language)
    for translator in _installed:
        app.removeTranslator(translator)
    _installed.clear()

    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    qt_name = "qtbase_zh_CN" if language == "zh_CN" else "qtbase_en"
    qt_translator = QTranslator(app)
    if qt_translator.load(qt_name, qt_dir):
        app.installTranslator(qt_translator)
        _installed.append(qt_translator)
    else:
        logger.info("Qt's own translation %s not found in %s", qt_name, qt_dir)

    if language != DEFAULT_LANGUAGE:
        ours = QTranslator(app)
        qm = I18N_DIR / f"allocator_{language}.qm"
        if ours.load(str(qm)):
            app.installTranslator(ours)
            _installed.append(ours)
        else:
            logger.warning("translation %s is missing; the window stays in Chinese "
                           "(build it with lrelease, see ui/i18n/README.md)", qm)
    QLocale.setDefault(QLocale("zh_CN" if language == "zh_CN" else "en_GB"))
    _current[0] = language
    logger.info("window language %s", language)
    return language


def current_language() -> str:
    """The language installed last (``zh_CN`` until one is installed)."""
    return _current[0]


def core_text(text: object) -> str:
    """A text the core stored in Chinese (a reason), in the window's language.

    Printed orders keep the Chinese; the window shows English reasons when
    its language is English (see :mod:`allocator.texts`).
    """
    from allocator.texts import in_language

    return in_language(None if text is None else str(text), current_language())


def register_bundled_font(app: QApplication) -> str | None:
    """Register the bundled Droid Sans Fallback and add it as a fallback family.

    Returns the registered family name, or None when the font file is
    missing. The application font keeps the system's family first, so Latin
    text looks native, and falls back to a Chinese font per character.
    """
    if not _bundled_family:
        font_id = QFontDatabase.addApplicationFont(str(FONT_PATH))
        if font_id < 0:
            logger.warning("could not register the bundled font %s", FONT_PATH)
            return None
        families = QFontDatabase.applicationFontFamilies(font_id)
        if not families:
            return None
        _bundled_family.append(families[0])
    family = _bundled_family[0]
    font = QFont(app.font())
    available = set(QFontDatabase.families())
    chain = [font.family()] + [f for f in SYSTEM_CJK_FAMILIES if f in available]
    chain.append(family)
    font.setFamilies(list(dict.fromkeys(chain)))
    app.setFont(font)
    logger.info("font fallback chain: %s", ", ".join(chain))
    return family


def cjk_family() -> str | None:
    """The registered bundled family name (after :func:`register_bundled_font`)."""
    return _bundled_family[0] if _bundled_family else None


def fill(template: str, *values: object) -> str:
    """Put ``values`` into the ``%1``, ``%2``... places of a translated text.

    Translations may reorder the places, as Qt's ``QString.arg`` allows.
    """
    text = template
    for number in range(len(values), 0, -1):
        text = text.replace(f"%{number}", str(values[number - 1]))
    return text
