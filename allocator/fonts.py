"""Choice and inspection of the CJK font used for printed allocation orders.

The PDF orders must render Chinese names, place names and facility names on
any planner's computer, including machines without a CJK font.  reportlab can
embed TrueType outlines (``.ttf`` and ``.ttc``) but not CFF-based OpenType
(``.otf``, most Noto CJK builds), so only TrueType candidates are considered.

Order of preference in :func:`find_cjk_font`:

1. the file named by the environment variable ``ALLOCATOR_PDF_FONT``
   (optionally ``path#N`` to pick subfont ``N`` of a ``.ttc`` collection);
2. faces customary for official documents that the system already has:
   on Windows 仿宋 (``simfang.ttf``) and then 宋体 (``simsun.ttc``, subfont 0);
   on Linux AR PL SungtiL GB, AR PL UMing, WenQuanYi Zen Hei / Micro Hei;
3. the bundled Droid Sans Fallback (Apache-2.0) in ``allocator/fonts``.

Droid Sans Fallback has no glyphs for ASCII (digits, Latin letters) or for a
few common punctuation marks such as ``·`` and ``—``.  Text is therefore set
with a *Latin companion* face for characters the CJK face lacks; by default
that is Bitstream Vera Sans, which ships inside the reportlab package.
:func:`missing_glyphs` reports what neither face can draw.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont, TTFontFile

logger = logging.getLogger(__name__)

ENV_VAR = "ALLOCATOR_PDF_FONT"
"""Environment variable naming a TrueType font file to use for PDF orders."""

BUNDLED_FONT_PATH = (
    Path(__file__).resolve().parent / "fonts" / "DroidSansFallbackFull.ttf"
)
"""Path of the CJK font shipped with the product."""

_TTC_MAGIC = b"ttcf"


@dataclass(frozen=True)
class FontChoice:
    """A TrueType font file (or one face of a collection) chosen for PDFs.

    Attributes
    ----------
    path : Path
        Font file (``.ttf`` or ``.ttc``).
    name : str
        PostScript name of the face, as embedded in the PDF (for example
        ``"DroidSansFallback"`` or ``"SimSun"``).
    subfont_index : int
        Face index inside a ``.ttc`` collection; 0 for plain ``.ttf`` files.
    is_bundled : bool
        True when this is the font shipped with the product.
    """

    path: Path
    name: str
    subfont_index: int = 0
    is_bundled: bool = False


@dataclass(frozen=True)
class _Candidate:
    path: Path
    label: str
    index: int | None = None
    prefer: str | None = None


def _windows_candidates(environ: Mapping[str, str]) -> list[_Candidate]:
    windir = environ.get("WINDIR") or environ.get("SystemRoot") or r"C:\Windows"
    fonts = Path(windir) / "Fonts"
    return [
        _Candidate(fonts / "simfang.ttf", "仿宋"),
        _Candidate(fonts / "simsun.ttc", "宋体", index=0),
    ]


def _linux_candidates() -> list[_Candidate]:
    share = Path("/usr/share/fonts")
    return [
        _Candidate(
            share / "truetype" / "arphic-gbsn00lp" / "gbsn00lp.ttf",
            "AR PL SungtiL GB",
        ),
        _Candidate(
            share / "truetype" / "arphic" / "uming.ttc", "AR PL UMing", prefer="CN"
        ),
        _Candidate(share / "cjkuni-uming" / "uming.ttc", "AR PL UMing", prefer="CN"),
        _Candidate(
            share / "truetype" / "wqy" / "wqy-zenhei.ttc", "文泉驿正黑", index=0
        ),
        _Candidate(share / "wqy-zenhei" / "wqy-zenhei.ttc", "文泉驿正黑", index=0),
        _Candidate(
            share / "truetype" / "wqy" / "wqy-microhei.ttc", "文泉驿微米黑", index=0
        ),
        _Candidate(
            share / "wqy-microhei" / "wqy-microhei.ttc", "文泉驿微米黑", index=0
        ),
    ]


def _subfont_count(data: bytes) -> int:
    if data[:4] != _TTC_MAGIC:
        return 1
    return int.from_bytes(data[8:12], "big")


def _probe(path: Path, index: int | None, prefer: str | None) -> tuple[int, str]:
    """Check that reportlab can embed a face and return its index and name.

    Parameters
    ----------
    path : Path
        Font file.
    index : int or None
        Face index in a collection; None means "first face whose PostScript
        name contains `prefer`, else face 0".
    prefer : str or None
        Substring to look for in face names when `index` is None.

    Returns
    -------
    tuple of (int, str)
        The face index and its PostScript name.

    Raises
    ------
    OSError
        The file cannot be read.
    ValueError
        The file is not an embeddable TrueType font (CFF outlines, corrupt,
        embedding forbidden, no such face).
    """
    data = path.read_bytes()
    count = _subfont_count(data)
    indices = [index] if index is not None else list(range(count))
    first: tuple[int, str] | None = None
    for i in indices:
        if i < 0 or i >= count:
            raise ValueError(f"{path}: no subfont {i} (file has {count})")
        try:
            info = TTFontFile(_NamedBytes(data, str(path)), charInfo=0, subfontIndex=i)
        except Exception as exc:  # reportlab raises TTFError and bare errors
            raise ValueError(f"{path}: not usable for PDF embedding: {exc}") from exc
        name = info.name.decode("latin-1")
        if first is None:
            first = (i, name)
        if prefer is None or prefer in name:
            return i, name
    assert first is not None
    return first


class _NamedBytes:
    """Minimal file-like object so reportlab parses bytes already in memory."""

    def __init__(self, data: bytes, name: str) -> None:
        self._data = data
        self.name = name

    def read(self) -> bytes:
        return self._data


def _parse_override(value: str) -> tuple[Path, int | None]:
    text = value.strip().strip('"')
    base, sep, tail = text.rpartition("#")
    if sep and tail.isdigit():
        return Path(base).expanduser(), int(tail)
    return Path(text).expanduser(), None


def _is_bundled(path: Path) -> bool:
    try:
        return path.resolve() == BUNDLED_FONT_PATH
    except OSError:
        return False


def bundled_font() -> FontChoice:
    """Return the font shipped with the product (Droid Sans Fallback).

    Returns
    -------
    FontChoice
        The bundled font.
    """
    return FontChoice(BUNDLED_FONT_PATH, "DroidSansFallback", 0, True)


def find_cjk_font(
    *,
    environ: Mapping[str, str] | None = None,
    platform: str | None = None,
) -> FontChoice:
    """Choose the CJK font for PDF allocation orders.

    Parameters
    ----------
    environ : Mapping[str, str], optional
        Environment to read ``ALLOCATOR_PDF_FONT`` and ``WINDIR`` from;
        defaults to ``os.environ``.
    platform : str, optional
        Platform string in the form of ``sys.platform``; defaults to the
        running platform.

    Returns
    -------
    FontChoice
        The override if it is a usable TrueType font, else the first usable
        system face from the preference list, else the bundled font.

    Notes
    -----
    An override that is missing or cannot be embedded is logged as a warning
    and the automatic choice is used instead, so exports still work.
    """
    env = os.environ if environ is None else environ
    plat = sys.platform if platform is None else platform

    override = env.get(ENV_VAR, "").strip()
    if override:
        path, index = _parse_override(override)
        try:
            idx, name = _probe(path, index, None)
            choice = FontChoice(path, name, idx, _is_bundled(path))
            get_ttfont(choice)  # full parse (cmap, metrics); cached for export
        except (OSError, ValueError) as exc:
            logger.warning(
                "%s=%r cannot be used (%s); choosing a font automatically",
                ENV_VAR,
                override,
                exc,
            )
        else:
            logger.info(
                "PDF font from %s: %s (%s, subfont %d)", ENV_VAR, name, path, idx
            )
            return choice

    if plat == "win32":
        candidates = _windows_candidates(env)
    elif plat.startswith("linux"):
        candidates = _linux_candidates()
    else:
        candidates = []

    for cand in candidates:
        if not cand.path.is_file():
            continue
        try:
            idx, name = _probe(cand.path, cand.index, cand.prefer)
            choice = FontChoice(cand.path, name, idx, False)
            get_ttfont(choice)
        except (OSError, ValueError) as exc:
            logger.debug("Skipping font %s: %s", cand.path, exc)
            continue
        logger.info(
            "PDF font: %s %s (%s, subfont %d)", cand.label, name, cand.path, idx
        )
        return choice

    choice = bundled_font()
    logger.info("PDF font: bundled %s (%s)", choice.name, choice.path)
    return choice


def _latin_companion_candidates() -> list[Path]:
    import reportlab

    paths = [Path(reportlab.__file__).resolve().parent / "fonts" / "Vera.ttf"]
    if sys.platform == "win32":
        windir = os.environ.get("WINDIR") or r"C:\Windows"
        paths.append(Path(windir) / "Fonts" / "arial.ttf")
    paths.append(Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"))
    return paths


_lock = threading.RLock()
_loaded: dict[tuple[str, int], TTFont] = {}
_coverage: dict[tuple[str, int], frozenset[int]] = {}
_companion: list[FontChoice | None] = []


def latin_companion() -> FontChoice | None:
    """Return the face used for characters the CJK face has no glyph for.

    Returns
    -------
    FontChoice or None
        Bitstream Vera Sans from the reportlab package (or a system sans
        face if that file is absent); None if no such face can be loaded.
    """
    with _lock:
        if _companion:
            return _companion[0]
        choice: FontChoice | None = None
        for path in _latin_companion_candidates():
            if not path.is_file():
                continue
            try:
                idx, name = _probe(path, 0, None)
                choice = FontChoice(path, name, idx, False)
                get_ttfont(choice)
            except (OSError, ValueError) as exc:
                logger.debug("Skipping Latin companion %s: %s", path, exc)
                choice = None
                continue
            break
        if choice is None:
            logger.warning(
                "No Latin companion font found; ASCII text may be "
                "missing from PDFs set in a CJK-only font"
            )
        else:
            logger.debug("Latin companion font: %s (%s)", choice.name, choice.path)
        _companion.append(choice)
        return choice


_keys: dict[FontChoice, tuple[str, int]] = {}


def _key(font: FontChoice) -> tuple[str, int]:
    key = _keys.get(font)
    if key is None:
        key = (str(Path(font.path).resolve()), font.subfont_index)
        _keys[font] = key
    return key


def get_ttfont(font: FontChoice) -> TTFont:
    """Load a font once, register it with reportlab and return it.

    Parameters
    ----------
    font : FontChoice
        Font to load.

    Returns
    -------
    TTFont
        The loaded font; its ``fontName`` is the name registered with
        ``reportlab.pdfbase.pdfmetrics`` (unique per file and face).

    Raises
    ------
    ValueError
        The font file cannot be parsed as an embeddable TrueType font.
    """
    key = _key(font)
    with _lock:
        ttf = _loaded.get(key)
        if ttf is not None:
            return ttf
        digest = hashlib.sha1(f"{key[0]}#{key[1]}".encode()).hexdigest()[:12]
        reg_name = f"AllocatorFont-{digest}"
        try:
            ttf = TTFont(reg_name, key[0], subfontIndex=key[1])
        except Exception as exc:  # reportlab raises TTFError and bare errors
            raise ValueError(f"{font.path}: cannot load font: {exc}") from exc
        pdfmetrics.registerFont(ttf)
        _loaded[key] = ttf
        logger.debug("Loaded font %s as %s", font.path, reg_name)
        return ttf


def glyph_coverage(font: FontChoice) -> frozenset[int]:
    """Return the code points the font's cmap maps to a real glyph.

    Parameters
    ----------
    font : FontChoice
        Font to inspect.

    Returns
    -------
    frozenset of int
        Code points with a glyph other than ``.notdef`` (cached per face).
    """
    key = _key(font)
    with _lock:
        cov = _coverage.get(key)
        if cov is None:
            cmap = get_ttfont(font).face.charToGlyph
            cov = frozenset(cp for cp, gid in cmap.items() if gid)
            _coverage[key] = cov
        return cov


def missing_glyphs(
    text: str, font: FontChoice, *, with_companion: bool = True
) -> list[str]:
    """List the characters of `text` that cannot be drawn.

    Parameters
    ----------
    text : str
        Text to check; whitespace is ignored.
    font : FontChoice
        The CJK face.
    with_companion : bool, default True
        Also accept characters that the Latin companion face (see
        :func:`latin_companion`) can draw, which is how PDF text is set.
        With False only the CJK face's own cmap counts.

    Returns
    -------
    list of str
        Distinct uncovered characters in order of first appearance.
    """
    covered = glyph_coverage(font)
    extra: frozenset[int] = frozenset()
    if with_companion:
        companion = latin_companion()
        if companion is not None:
            extra = glyph_coverage(companion)
    missing: list[str] = []
    seen: set[str] = set()
    for ch in text:
        if ch in seen or ch.isspace():
            continue
        seen.add(ch)
        cp = ord(ch)
        if cp not in covered and cp not in extra:
            missing.append(ch)
    return missing
