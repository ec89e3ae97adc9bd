"""Freeze the program with PyInstaller on Linux and run the frozen copy.

Run from the repository (it takes several minutes, so CI does not)::

    .venv/bin/python packaging/freeze_linux.py [--skip-demo]

A frozen program has no site-packages to fall back on: a data file that is
read through a path (the bundled font, the sample county, the window's
translations, Qt's plugins and translations, PROJ's database, PuLP's CBC,
reportlab's fonts) and is not declared for the freeze is simply missing.
This script catches such files before a Windows build ships without them:

1. makes a separate virtual environment under ``packaging/build/freeze/venv``
   with PyInstaller and the product (its wheel, built from the work tree, with
   the ``gui`` extra; dependency versions as in the environment running this
   script where possible);
2. freezes ``allocator`` (one folder) with the data declarations listed in
   :data:`COLLECT`;
3. runs the frozen ``allocator --help``, ``allocator demo`` on the sample
   county (checks the four outputs and reads the PDF back), and opens the
   window offscreen: once through a check that builds the main window,
   switches languages and saves a screenshot, and once as ``allocator gui``
   left running for a few seconds.

Each line of output says PASS or FAIL; the exit status is 1 when anything
failed.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import build_windows

logger = logging.getLogger("freeze_linux")

PACKAGING = Path(__file__).resolve().parent
WORK = PACKAGING / "build" / "freeze"
VENV = WORK / "venv"
DIST = WORK / "dist"
OUT = WORK / "out"

# What the freeze must be told to take along.  The product's own package
# data (font, sample county, window translations) is read through paths;
# the product imports some modules inside functions only.  Qt's plugins and
# translations and PROJ's data come through PyInstaller's hooks; the hooks of
# PyInstaller 6.22 / hooks-contrib 2026.9 miss the rest below, which the
# first run of this test found: reportlab's fonts (the Latin companion face),
# PuLP's CBC executable, and pyogrio's compiled _geometry module.
COLLECT = ["allocator", "sample_data", "ui"]
PACKAGES = ["allocator", "solvers", "gis", "ui", "sample_data"]
THIRD_PARTY_DATA = ["reportlab", "pulp", "pyogrio"]
THIRD_PARTY_SUBMODULES = ["pyogrio"]

ENTRY = '''"""Entry point of the frozen allocator (written by freeze_linux.py)."""

import sys


def _window_check(out):
    """Build the main window offscreen, switch language, save a screenshot."""
    import json
    from pathlib import Path

    from PySide6.QtCore import QLibraryInfo
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QApplication

    from ui.app import create_window
    from ui.language import install_language

    app = QApplication(["allocator", "-platform", "offscreen"])
    window = create_window(language="zh_CN")
    window.resize(1280, 800)
    window.show()
    app.processEvents()
    shot = Path(out) / "window-zh_CN.png"
    window.grab().save(str(shot))
    actions = [a.text() for a in window.findChildren(QAction) if a.text()]
    english = install_language(app, "en")
    app.processEvents()
    facts = {
        "platform": app.platformName(),
        "screenshot": str(shot),
        "screenshot_saved": shot.is_file(),
        "language_en": english,
        "qt_translations": QLibraryInfo.path(
            QLibraryInfo.LibraryPath.TranslationsPath),
        "title": window.windowTitle(),
        "sample_actions": [t for t in actions if "示例" in t],
    }
    print(json.dumps(facts, ensure_ascii=False))
    window.close()
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--freeze-window-check"]:
        sys.exit(_window_check(sys.argv[2]))
    from allocator.cli import main

    sys.exit(main())
'''


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    logger.info("running %s", " ".join(map(str, cmd)))
    return subprocess.run(cmd, capture_output=True, text=True, **kwargs)


def make_venv() -> Path:
    """Create the freeze environment; return its python."""
    python = VENV / "bin" / "python"
    if not python.exists():
        result = _run([sys.executable, "-m", "venv", str(VENV)])
        if result.returncode != 0:
            raise RuntimeError("cannot create the freeze venv: " + result.stderr)
    wheel = build_windows.build_product_wheel(WORK / "wheel")
    from importlib import metadata

    constraints = WORK / "constraints.txt"
    constraints.write_text("".join(
        f"{d.metadata['Name']}=={d.version}\n" for d in metadata.distributions()
        if d.metadata["Name"] and build_windows.normalise(d.metadata["Name"])
        != build_windows.PRODUCT), encoding="utf-8")
    result = _run([str(python), "-m", "pip", "install", "-q", "-c",
                   str(constraints), "pyinstaller", f"{wheel}[gui]"])
    if result.returncode != 0:
        logger.warning("install with this environment's versions failed (%s); "
                       "retrying without them", result.stderr.strip()[-300:])
        result = _run([str(python), "-m", "pip", "install", "-q", "pyinstaller",
                       f"{wheel}[gui]", "--force-reinstall"])
    if result.returncode != 0:
        raise RuntimeError("cannot install into the freeze venv: "
                           + result.stderr[-2000:])
    return python


def freeze(python: Path) -> Path:
    """Run PyInstaller; return the frozen executable."""
    entry = WORK / "allocator_entry.py"
    entry.write_text(ENTRY, encoding="utf-8")
    args = [str(python), "-m", "PyInstaller", "--noconfirm", "--clean",
            "--onedir", "--console", "--name", "allocator", "--log-level", "WARN",
            "--distpath", str(DIST), "--workpath", str(WORK / "work"),
            "--specpath", str(WORK)]
    for package in COLLECT + THIRD_PARTY_DATA:
        args += ["--collect-data", package]
    for package in PACKAGES + THIRD_PARTY_SUBMODULES:
        args += ["--collect-submodules", package]
    # Run from the work folder so that the repository's own packages are not
    # on the path: the freeze must take them from the installed wheel.
    result = _run([*args, str(entry)], cwd=WORK)
    exe = DIST / "allocator" / "allocator"
    if result.returncode != 0 or not exe.exists():
        raise RuntimeError("PyInstaller failed:\n" + result.stderr[-4000:])
    return exe


class Results:
    """PASS/FAIL lines, printed as they come."""

    def __init__(self) -> None:
        self.failed = 0
        self.passed = 0

    def add(self, ok: bool, check: str, detail: str = "") -> None:
        """Record and print one result."""
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        print(f"{'PASS' if ok else 'FAIL':5} {check}" + (f": {detail}" if detail
                                                          else ""), flush=True)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["XDG_STATE_HOME"] = str(WORK / "state")
    env["XDG_CONFIG_HOME"] = str(WORK / "config")
    for name in ("PYTHONPATH", "PYTHONHOME", "ALLOCATOR_PDF_FONT"):
        env.pop(name, None)
    return env


def check_bundle(exe: Path, res: Results) -> None:
    """The data files the program reads are inside the frozen folder."""
    internal = exe.parent / "_internal"
    wanted = {
        "bundled font": internal / "allocator" / "fonts" / "DroidSansFallbackFull.ttf",
        "sample register": internal / "sample_data" / "zhaojue" / "register.xlsx",
        "window translation (English)": internal / "ui" / "i18n" / "allocator_en.qm",
        "reportlab Vera.ttf": internal / "reportlab" / "fonts" / "Vera.ttf",
    }
    for label, path in wanted.items():
        res.add(path.is_file(), f"bundle has {label}",
                str(path.relative_to(exe.parent)))
    patterns = {
        "Qt offscreen platform plugin": "**/platforms/libqoffscreen.so",
        "Qt xcb platform plugin": "**/platforms/libqxcb.so",
        "Qt translations zh_CN": "**/translations/qtbase_zh_CN.qm",
        "PROJ database (pyproj)": "pyproj/**/proj.db",
        "PuLP CBC (x86-64)": "pulp/solverdir/cbc/linux/i64/cbc",
    }
    for label, pattern in patterns.items():
        found = sorted(internal.glob(pattern))
        res.add(bool(found), f"bundle has {label}",
                str(found[0].relative_to(exe.parent)) if found else pattern)


def run_demo(exe: Path, res: Results) -> None:
    """Frozen ``allocator demo``: the four outputs, the PDF read back."""
    if OUT.exists():
        shutil.rmtree(OUT)
    start = time.monotonic()
    result = subprocess.run([str(exe), "demo", "--out", str(OUT / "示例 县")],
                            capture_output=True, text=True, env=_env(),
                            timeout=3600)
    seconds = time.monotonic() - start
    out = OUT / "示例 县"
    names = ("project.gpkg", "orders.pdf", "allocations.xlsx", "kpis.json")
    missing = [n for n in names if not (out / n).is_file()]
    ok = result.returncode == 0 and not missing
    res.add(ok, "frozen allocator demo", f"{seconds:.0f} s, exit "
            f"{result.returncode}" + (f", missing {missing}: "
                                      f"{result.stderr[-1500:]}" if not ok else ""))
    if not ok:
        return
    print("\n".join("    " + line for line in result.stdout.splitlines()[-14:]))
    try:
        from pypdf import PdfReader
    except ImportError:
        res.add(True, "orders.pdf", "pypdf not installed here: content not read")
        return
    import unicodedata

    reader = PdfReader(str(out / "orders.pdf"))
    text = unicodedata.normalize("NFKC", reader.pages[0].extract_text() or "")
    fonts = sorted({str(f.get_object().get("/BaseFont")) for f in (
        reader.pages[0]["/Resources"].get("/Font", {}) or {}).values()})
    res.add("分配通知书" in text or "告知书" in text, "orders.pdf read back",
            f"{len(reader.pages)} pages, fonts {fonts}")
    kpis = json.loads((out / "kpis.json").read_text(encoding="utf-8"))
    res.add(bool(kpis), "kpis.json", f"{len(kpis)} top-level entries")


def check_window(exe: Path, res: Results) -> None:
    """The window from the frozen folder, offscreen."""
    shots = WORK / "screens"
    shots.mkdir(parents=True, exist_ok=True)
    result = subprocess.run([str(exe), "--freeze-window-check", str(shots)],
                            capture_output=True, text=True, env=_env(),
                            timeout=600)
    facts = None
    for line in result.stdout.splitlines():
        if line.startswith("{"):
            facts = json.loads(line)
    ok = (result.returncode == 0 and facts is not None
          and facts["screenshot_saved"] and facts["language_en"] == "en"
          and bool(facts["sample_actions"]))
    res.add(ok, "frozen window (offscreen)", json.dumps(facts, ensure_ascii=False)
            [:900] if facts else result.stderr[-1500:])

    proc = subprocess.Popen([str(exe), "gui"], env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        proc.wait(timeout=15)
        alive = False
    except subprocess.TimeoutExpired:
        alive = True
    if alive:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    _out, err = proc.communicate()
    res.add(alive, "frozen `allocator gui` keeps running",
            "running after 15 s, then stopped" if alive
            else f"exited {proc.returncode}: {err[-1500:]}")


def main(argv: list[str] | None = None) -> int:
    """Command line of the freeze test."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-demo", action="store_true",
                        help="freeze and check files and the window only")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s",
                        datefmt="%H:%M:%S")
    WORK.mkdir(parents=True, exist_ok=True)
    res = Results()
    start = time.monotonic()
    try:
        python = make_venv()
        frozen_at = time.monotonic()
        exe = freeze(python)
        size = sum(p.stat().st_size for p in exe.parent.rglob("*") if p.is_file())
        res.add(True, "PyInstaller freeze", f"{time.monotonic() - frozen_at:.0f} s, "
                f"{size / 1e6:.0f} MB in {exe.parent}")
    except (RuntimeError, build_windows.BuildError) as exc:
        res.add(False, "freeze", str(exc))
        return 1
    result = subprocess.run([str(exe), "--help"], capture_output=True, text=True,
                            env=_env(), timeout=300)
    res.add(result.returncode == 0 and "demo" in result.stdout,
            "frozen allocator --help", f"exit {result.returncode}")
    check_bundle(exe, res)
    check_window(exe, res)
    if not args.skip_demo:
        run_demo(exe, res)
    print(f"freeze test: {res.passed} passed, {res.failed} failed, in "
          f"{time.monotonic() - start:.0f} s")
    return 1 if res.failed else 0


if __name__ == "__main__":
    sys.exit(main())
