"""Install the built Windows installer under Wine and check what can run there.

Run from the repository after ``packaging/build_windows.py``::

    .venv/bin/python packaging/smoke_wine.py [--installer FILE] [--keep]

Everything happens in a throwaway Wine prefix under
``packaging/build/wine-smoke/`` (deleted first, and at the end unless
``--keep``), with Wine's desktop integration switched off, so nothing is
written to this machine's menus or home folder.  Windows is Chinese (code
page 936, from ``--locale zh_CN.UTF-8``) and the Windows user is named
``规划 测试员`` (Chinese characters and a space), so the program is installed
to ``C:\\users\\规划 测试员\\AppData\\Local\\Programs\\ResettlementAllocator``;
drive ``D:`` is mapped to a folder of the prefix and holds the outputs.

Checks, in order: silent install (files, Start menu, desktop shortcut,
``.gpkg`` association, Apps entry, refusal of a folder holding other
files); the packed interpreter; the import of
every module of the product and of the main dependencies; the data files;
the PDF font choice (仿宋 / 宋体 before the bundled font); an allocation-order
PDF, an Excel file and a PROJ transform on ``D:``; PuLP's CBC; the log in
``%LOCALAPPDATA%``; Qt offscreen with settings in the registry; the
``allocator`` command through ``allocator.cmd``; ``allocator demo`` on the
sample county with its outputs on ``D:`` (the proven optimum, one PDF page
per household) and an export from ``D:`` back to the user's Documents; the
packed ``cbc.exe``, run 20 times with the options the program passes it (it
must return every time); CBC through ``allocator bench gap`` on an
OR-Library instance on ``D:`` (its published optimum); silent uninstall.
Each line says PASS, FAIL or NOT RUN with the reason (for example a part
that Wine cannot run), or NOTE for a diagnosis that explains a failure.  The
exit status is 1 when anything failed, 0 otherwise, and 77 when Wine or the
installer is missing or another smoke test is running.
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
from dataclasses import dataclass, field
from pathlib import Path

import pe_file

logger = logging.getLogger("smoke_wine")

PACKAGING = Path(__file__).resolve().parent
BUILD = PACKAGING / "build"
WORK = BUILD / "wine-smoke"
INSIDE = PACKAGING / "windows" / "smoke_inside.py"
USER = "规划 测试员"
APP_ID = "ResettlementAllocator"
APP_NAME = "安置分配优化"
PROGID = "ResettlementAllocator.Project"
EXIT_MISSING = 77

# What Wine prints when a program calls a Windows function Wine only stubs;
# the process then aborts.  Seen with Debian's Wine 8.0: numpy 2.1 and later
# call ucrtbase.dll's crealf when imported, and CPython 3.12 and later, in the
# platform module (through their _wmi module), call propsys.dll's
# VariantToString.  The pins avoid both (see windows-requirements.txt).
WINE_GAP = "unimplemented function "

# The sample county's proven optimum, level by level, as the benchmark on
# Linux recorded it (HiGHS, CP-SAT and the per-household model all reach it).
SAMPLE_RESULTS = PACKAGING.parent / "bench" / "results" / "sample_backends.json"

# A small OR-Library instance for the command line's CBC back end, with its
# published optimum (bench/data/gap/bounds.txt: c0515_1_Max 336 336).
GAP_INSTANCE = PACKAGING.parent / "bench" / "data" / "gap" / "c0515_1.txt"
GAP_OPTIMUM_MAX = 336.0

# PuLP's bundled CBC for Windows, given -threads, now and then never returns
# (it waits on a lock in its parallel search); under Wine it did so in 9 of
# 63 runs on the instance above, and in none of 78 without -threads.  The
# product runs it serially on Windows (solvers.mip.cbc_threads); CBC_RUNS runs
# of the packed cbc.exe with the options the product passes would catch a
# regression but for about one time in 20.
CBC_EXE = ("python", "Lib", "site-packages", "pulp", "solverdir", "cbc", "win",
           "i64", "cbc.exe")
CBC_RUNS = 20
CBC_RUN_TIMEOUT = 60


def find_wine() -> str | None:
    """Return the 64-bit Wine loader, or None when Wine is not installed."""
    for candidate in (shutil.which("wine64"), "/usr/lib/wine/wine64",
                      shutil.which("wine")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def find_installer(explicit: Path | None = None) -> Path | None:
    """Return the installer to test: `explicit`, else the newest built one."""
    if explicit is not None:
        return explicit if explicit.is_file() else None
    built = sorted(BUILD.glob(f"{APP_ID}-*-win64-setup.exe"),
                   key=lambda p: p.stat().st_mtime)
    return built[-1] if built else None


@dataclass
class Report:
    """Collected results, printed as they come."""

    lines: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, status: str, check: str, detail: str = "") -> None:
        """Record and print one result."""
        self.lines.append((status, check, detail))
        text = f"{status:8} {check}"
        if detail:
            text += f": {detail}"
        print(text, flush=True)

    def count(self, status: str) -> int:
        """How many results have this status."""
        return sum(1 for s, _c, _d in self.lines if s == status)


class Prefix:
    """A throwaway Wine prefix with a Chinese user name and a D: drive."""

    def __init__(self, wine: str, root: Path, locale: str = "zh_CN.UTF-8") -> None:
        self.wine = wine
        self.root = root
        self.prefix = root / "prefix"
        self.home = root / "home"
        self.d_drive = root / "d-drive"
        self.env = dict(os.environ)
        for name in ("DISPLAY", "WAYLAND_DISPLAY", "PYTHONHOME", "PYTHONPATH"):
            self.env.pop(name, None)
        self.env.update({
            "WINEPREFIX": str(self.prefix), "WINEDEBUG": "-all",
            "WINEARCH": "win64", "HOME": str(self.home), "USER": USER,
            "LOGNAME": USER, "LANG": locale, "LC_ALL": locale,
            "XDG_DATA_HOME": str(self.home / ".local/share"),
            "XDG_CONFIG_HOME": str(self.home / ".config"),
            # No Mono/Gecko prompts, no menu entries or MIME types for the host.
            "WINEDLLOVERRIDES": "winemenubuilder.exe=d;mscoree=;mshtml=",
        })
        server = Path(wine).with_name("wineserver")
        self.wineserver = str(server) if server.exists() else (
            shutil.which("wineserver") or "wineserver")

    @property
    def user_dir(self) -> Path:
        """The Linux path of C:\\users\\<user>."""
        return self.prefix / "drive_c" / "users" / USER

    def win_user(self, *parts: str) -> str:
        """A Windows path under the user's profile."""
        return "\\".join([f"C:\\users\\{USER}", *parts])

    def make_locale(self) -> str | None:
        """Compile the Unix locale into the work folder if the system lacks it.

        Wine takes the Windows code page from the Unix locale, which must
        exist: without it Wine falls back to ASCII and cannot even create a
        user folder with Chinese characters.  ``localedef`` writes it under
        the work folder (``LOCPATH``), leaving the system's locales alone.

        Returns
        -------
        str or None
            Why the locale cannot be had, or None when it is ready.
        """
        name = self.env["LC_ALL"]
        if name.split(".")[0] in ("C", "POSIX"):
            return None
        listed = subprocess.run(["locale", "-a"], capture_output=True,
                                text=True).stdout.lower().replace("-", "")
        if name.lower().replace("-", "") in listed.split():
            return None
        source, _dot, charmap = name.partition(".")
        folder = self.root / "locale"
        localedef = shutil.which("localedef")
        if localedef is None:
            return "localedef is missing (apt-get install locales)"
        folder.mkdir(parents=True, exist_ok=True)
        result = subprocess.run([localedef, "-i", source, "-f", charmap or "UTF-8",
                                 str(folder / name)], capture_output=True,
                                text=True)
        if not (folder / name / "LC_CTYPE").exists():
            return f"localedef {name} failed: {result.stderr.strip()[-300:]}"
        self.env["LOCPATH"] = str(folder)
        return None

    def create(self) -> None:
        """Make the prefix (Windows 10) and map D:."""
        if self.root.exists():
            shutil.rmtree(self.root)
        self.home.mkdir(parents=True)
        self.d_drive.mkdir()
        problem = self.make_locale()
        if problem:
            raise RuntimeError(f"cannot set the Windows locale: {problem}")
        self.run(["wineboot", "-i"], timeout=300)
        self.run(["winecfg", "-v", "win10"], timeout=120)
        self.wait()  # the first boot's services settle before anything runs
        (self.prefix / "dosdevices" / "d:").symlink_to(self.d_drive)

    def run(self, args: list[str], timeout: float = 600) -> subprocess.CompletedProcess:
        """Run a Windows program; output is decoded as UTF-8."""
        result = subprocess.run([self.wine, *args], env=self.env,
                                stdin=subprocess.DEVNULL, capture_output=True,
                                timeout=timeout)
        return subprocess.CompletedProcess(
            result.args, result.returncode,
            result.stdout.decode("utf-8", errors="replace"),
            result.stderr.decode("utf-8", errors="replace"))

    def allocator(self, args: list[str], timeout: float = 900
                  ) -> subprocess.CompletedProcess:
        """Run ``allocator ARGS`` as typed in the Start menu's command prompt.

        That prompt puts the program's folder on PATH (WINEPATH here), so the
        command itself is not quoted.  (``cmd /c "C:\\a b\\allocator.cmd"
        "D:\\c d"`` would not do: cmd strips the first and the last quote of
        such a line, on Windows as under Wine.)
        """
        env = self.env
        self.env = dict(env, WINEPATH=self.win_user(
            "AppData", "Local", "Programs", APP_ID))
        try:
            return self.run(["cmd", "/c", "allocator", *args], timeout=timeout)
        finally:
            self.env = env

    def wait(self) -> None:
        """Wait until every process of the prefix has ended."""
        subprocess.run([self.wineserver, "-w"], env=self.env, timeout=900)

    def stop(self) -> None:
        """End the prefix's Wine server and its processes."""
        subprocess.run([self.wineserver, "-k"], env=self.env, timeout=60)

    def reg_query(self, key: str, value: str | None = None) -> str | None:
        """Return ``reg query`` output for a key (None when it does not exist)."""
        args = ["reg", "query", key] + (["/v", value] if value else [])
        result = self.run(args, timeout=120)
        return result.stdout if result.returncode == 0 else None


def _tail(text: str, n: int = 1200) -> str:
    text = text.strip()
    return text if len(text) <= n else "..." + text[-n:]


def install(px: Prefix, installer: Path, report: Report) -> Path | None:
    """Install silently to the default per-user folder and check the result."""
    start = time.monotonic()
    result = px.run([str(installer), "/S"], timeout=1800)
    px.wait()
    seconds = time.monotonic() - start
    inst = px.user_dir / "AppData" / "Local" / "Programs" / APP_ID
    python = inst / "python" / "python.exe"
    if result.returncode != 0 or not python.is_file():
        found = sorted(p.name for p in inst.iterdir()) if inst.is_dir() else None
        report.add("FAIL", "silent install", f"exit {result.returncode} after "
                   f"{seconds:.0f} s; install folder holds {found}; "
                   + _tail(result.stdout + result.stderr, 600))
        return None
    size = sum(p.stat().st_size for p in inst.rglob("*") if p.is_file())
    pyc = sum(1 for _ in inst.rglob("*.pyc"))
    where = px.win_user("AppData", "Local", "Programs", APP_ID)
    report.add("PASS", "silent install", f"{seconds:.0f} s to {where} "
               f"({size / 1e6:.0f} MB, {pyc} .pyc compiled at install)")

    menu = (px.user_dir / "AppData" / "Roaming" / "Microsoft" / "Windows"
            / "Start Menu" / "Programs" / APP_NAME)
    links = sorted(p.name for p in menu.glob("*.lnk"))
    report.add("PASS" if len(links) == 3 else "FAIL", "Start-menu entries",
               ", ".join(links) or f"none in {menu}")
    desktop = list(px.user_dir.glob(f"Desktop/{APP_NAME}.lnk")) + list(
        px.home.glob(f"Desktop/{APP_NAME}.lnk"))
    report.add("PASS" if desktop else "FAIL", "desktop shortcut",
               str(desktop[0]) if desktop else "not found")

    ext = px.reg_query(r"HKCU\Software\Classes\.gpkg")
    command = px.reg_query(rf"HKCU\Software\Classes\{PROGID}\shell\open\command")
    ok = bool(ext and PROGID in ext and command and "allocator-gui.pyw" in command)
    report.add("PASS" if ok else "FAIL", ".gpkg association",
               f".gpkg -> {PROGID} -> pythonw.exe allocator-gui.pyw \"%1\"" if ok
               else f".gpkg: {ext!r}; command: {command!r}")
    uninst = px.reg_query(rf"HKCU\Software\Microsoft\Windows\CurrentVersion"
                          rf"\Uninstall\{APP_ID}", "UninstallString")
    report.add("PASS" if uninst else "FAIL", "Apps & features entry",
               "HKCU uninstall key present" if uninst else "missing")
    return inst


def check_refuses_foreign_folder(px: Prefix, installer: Path,
                                 report: Report) -> None:
    """A folder holding other files is refused (the uninstaller would empty it)."""
    # No blank: Wine would quote the argument, and /D= must not be quoted.
    folder = px.d_drive / "已有文件"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "规划.docx").write_bytes(b"not ours")
    result = px.run([str(installer), "/S", "/D=D:\\已有文件"], timeout=600)
    px.wait()
    ok = result.returncode != 0 and not (folder / "python").exists()
    report.add("PASS" if ok else "FAIL", "refuses a folder with other files",
               f"exit {result.returncode}; folder holds "
               f"{sorted(p.name for p in folder.iterdir())}")


def run_inside(px: Prefix, inst: Path, checks: list[str], out_win: str,
               report: Report, block_numpy: bool, block_wmi: bool,
               block_qt: bool = False, timeout: float = 900) -> bool:
    """Run smoke_inside.py checks with the packed Python; report each line."""
    script = inst / "smoke_inside.py"
    shutil.copy2(INSIDE, script)
    win_inst = px.win_user("AppData", "Local", "Programs", APP_ID)
    args = [f"{win_inst}\\python\\python.exe", f"{win_inst}\\smoke_inside.py",
            *checks, "--out", out_win] + (["--block-numpy"] if block_numpy else [])
    args += ["--block-wmi"] if block_wmi else []
    args += ["--block-qt"] if block_qt else []
    try:
        result = px.run(args, timeout=timeout)
    finally:
        script.unlink(missing_ok=True)
    seen = False
    for line in result.stdout.splitlines():
        if line.startswith("{"):
            try:
                item = json.loads(line)
            except json.JSONDecodeError:
                continue
            report.add(item["status"], item["check"], item["detail"])
            seen = True
    if result.returncode != 0 or not seen:
        crash = WINE_GAP in result.stdout + result.stderr
        report.add("FAIL", f"packed Python ({' '.join(checks)})",
                   ("Wine aborted the process: " if crash else "")
                   + f"exit {result.returncode}: "
                   + _tail(result.stderr or result.stdout, 800))
        return False
    return True


def _wine_gap(text: str) -> str | None:
    """The Windows function Wine aborted on, if the output says so."""
    if WINE_GAP not in text:
        return None
    return text.split(WINE_GAP, 1)[1].split()[0].strip(".,")


def probe_platform(px: Prefix, report: Report) -> bool:
    """Tell whether CPython's platform module works (True) or needs _wmi off."""
    python = px.win_user("AppData", "Local", "Programs", APP_ID, "python",
                         "python.exe")
    result = px.run([python, "-c", "import platform; print(platform.machine())"],
                    timeout=300)
    if result.returncode == 0:
        report.add("PASS", "platform.machine()", result.stdout.strip())
        return True
    gap = _wine_gap(result.stdout + result.stderr)
    if gap:
        report.add("NOT RUN", "platform module's WMI query under Wine",
                   f"Wine aborts it ({gap} is a stub in Wine 8.0; Windows has "
                   "it); the checks below run with CPython's _wmi module "
                   "blocked, and platform falls back as it is written to")
    else:
        report.add("FAIL", "platform.machine()", _tail(result.stderr, 800))
    return False


def probe_qt(px: Prefix, inst: Path, report: Report) -> bool:
    """Tell whether Qt's DLLs load under this Wine; say why when not."""
    python = px.win_user("AppData", "Local", "Programs", APP_ID, "python",
                         "python.exe")
    result = px.run([python, "-c", "import PySide6.QtCore as c; "
                     "print(c.qVersion())"], timeout=300)
    if result.returncode == 0:
        report.add("PASS", "import PySide6.QtCore", f"Qt {result.stdout.strip()}")
        return True
    qt_core = inst / "python" / "Lib" / "site-packages" / "PySide6" / "Qt6Core.dll"
    system32 = px.prefix / "drive_c" / "windows" / "system32"
    absent = []
    if qt_core.is_file():
        for dll in pe_file.imported_dlls(qt_core):
            low = dll.lower()
            if low.startswith(("api-ms-win-", "ext-ms-")):
                continue
            if not any((d / dll).exists() or (d / low).exists()
                       for d in (system32, qt_core.parent, inst / "python")):
                absent.append(dll)
    reason = (f"Wine has no {', '.join(absent)} (Windows 10 1703 and later "
              "have them in System32), which Qt6Core.dll links to"
              if absent else _tail(result.stderr, 600))
    report.add("NOT RUN", "Qt under Wine", f"Qt's DLLs do not load: {reason}. "
               "The window, Qt settings and Qt's PDF writer are left to the "
               "Linux freeze test and to Windows itself")
    return False


def probe_numpy(px: Prefix, inst: Path, report: Report) -> bool:
    """Tell whether numpy can be imported under this Wine."""
    python = px.win_user("AppData", "Local", "Programs", APP_ID, "python",
                         "python.exe")
    result = px.run([python, "-c", "import numpy; print(numpy.__version__)"],
                    timeout=300)
    if result.returncode == 0:
        report.add("PASS", "import numpy", result.stdout.strip())
        return True
    text = result.stdout + result.stderr
    function = _wine_gap(text)
    if function:
        report.add("NOT RUN", "numpy under Wine",
                   f"Wine aborts numpy's import: {function} is a stub in Wine "
                   "8.0 (Windows 10/11 have it). Everything that needs "
                   "numpy (pandas, GeoPandas, Shapely, pyogrio, OR-Tools, "
                   "HiGHS, hence the demo) is left to Windows itself and to "
                   "the Linux freeze test")
    else:
        report.add("FAIL", "import numpy", _tail(text, 800))
    return False


def check_pdf_file(path: Path, report: Report, check: str,
                   expect_text: str, pages: int | None = None) -> None:
    """Read a PDF written under Wine with pypdf: pages, text, embedded font.

    With `pages`, the PDF must have exactly that many pages.
    """
    if not path.is_file():
        report.add("FAIL", check, f"{path} was not written")
        return
    try:
        from pypdf import PdfReader
    except ImportError:
        report.add("PASS", check, f"{path.name}: {path.stat().st_size} bytes "
                   "(pypdf not installed here: content not read)")
        return
    import unicodedata

    reader = PdfReader(str(path))
    text = unicodedata.normalize("NFKC", "".join(
        page.extract_text() or "" for page in reader.pages[:2]))
    fonts = set()
    for page in reader.pages[:1]:
        for font in (page.get("/Resources", {}).get("/Font", {}) or {}).values():
            fonts.add(str(font.get_object().get("/BaseFont")))
    ok = expect_text in text and len(reader.pages) > 0 and (
        pages is None or len(reader.pages) == pages)
    report.add("PASS" if ok else "FAIL", check,
               f"{len(reader.pages)} pages"
               + ("" if pages is None else f" (expected {pages})")
               + f", {path.stat().st_size // 1024} KB, "
               f"fonts {sorted(fonts)}; text has {expect_text!r}: "
               f"{expect_text in text}")


def check_cli(px: Prefix, inst: Path, report: Report) -> None:
    """The allocator command through allocator.cmd from the Chinese path."""
    cmd = px.win_user("AppData", "Local", "Programs", APP_ID, "allocator.cmd")
    result = px.run(["cmd", "/c", cmd, "--help"], timeout=300)
    ok = result.returncode == 0 and "demo" in result.stdout
    report.add("PASS" if ok else "FAIL", "allocator.cmd --help",
               f"exit {result.returncode}" + ("" if ok else ": " + _tail(
                   result.stdout + result.stderr, 600)))
    result = px.run(["cmd", "/c", cmd, "gui", "--help"], timeout=300)
    if result.returncode == 0:
        report.add("PASS", "allocator gui --help", "the window's command exists")
    else:
        report.add("NOT RUN", "allocator gui", "the command does not exist yet "
                   f"(exit {result.returncode}; the window is issue #3); the "
                   "Start-menu entry shows a message box saying so")


def run_demo(px: Prefix, inst: Path, report: Report,
             timeout: float = 3600) -> None:
    """allocator demo on the sample county, outputs on D:, export back to C:."""
    python = px.win_user("AppData", "Local", "Programs", APP_ID, "python",
                         "python.exe")
    out_win = "D:\\项目 输出\\示例县"
    start = time.monotonic()
    try:
        # Priority points grow with waiting time: the demo is made on the
        # day the recorded optimum was, so that the two can be compared.
        result = px.run([python, "-m", "allocator.cli", "demo", "--out", out_win,
                         "--date", sample_day()], timeout=timeout)
    except subprocess.TimeoutExpired:
        px.stop()
        log = px.user_dir / "AppData" / "Local" / "allocator" / "allocator.log"
        last = (log.read_text(encoding="utf-8", errors="replace").splitlines()[-3:]
                if log.is_file() else [])
        report.add("FAIL", "allocator demo", f"not finished after {timeout:.0f} "
                   "s (stopped); the log's last lines: " + " | ".join(last))
        return
    seconds = time.monotonic() - start
    out = px.d_drive / "项目 输出" / "示例县"
    names = ("project.gpkg", "orders.pdf", "allocations.xlsx", "kpis.json")
    missing = [n for n in names if not (out / n).is_file()]
    if result.returncode != 0 or missing:
        report.add("FAIL", "allocator demo", f"exit {result.returncode} after "
                   f"{seconds:.0f} s; missing {missing}: "
                   + _tail(result.stderr + result.stdout, 1500))
        return
    report.add("PASS", "allocator demo",
               f"{seconds:.0f} s, wrote {', '.join(names)} to {out_win}")
    for line in result.stdout.strip().splitlines():
        print(f"         | {line}")
    kpis = json.loads((out / "kpis.json").read_text(encoding="utf-8"))
    run = kpis["run"]
    levels = json.loads(run["levels_json"])
    reached = [(lv["level"], lv["objective"]) for lv in levels]
    same, differ, later = compare_levels(reached, sample_optimum())
    ok = (run["status"] == "optimal" and bool(same) and not differ
          and all(lv["gap"] == 0 for lv in levels))
    report.add("PASS" if ok else "FAIL", "demo reaches the sample optimum",
               f"{run['status']} with {run['backend']} in {run['seconds']} s: "
               + ", ".join(f"{n} {v:g}" for n, v in reached)
               + f"; equal to {SAMPLE_RESULTS.name}: {', '.join(same) or 'none'}"
               + (f"; differ: {'; '.join(differ)}" if differ else "")
               + (f"; not compared (the benchmark solved another level order): "
                  f"{', '.join(later)}" if later else ""))
    households = kpis["overall"]["households"]
    check_pdf_file(out / "orders.pdf", report, "demo orders.pdf", "分配通知书",
                   pages=households)
    docs = px.win_user("Documents", "分配 结果.xlsx")
    result = px.allocator(["export", f"{out_win}\\project.gpkg", "--xlsx", docs],
                          timeout=900)
    written = px.user_dir / "Documents" / "分配 结果.xlsx"
    report.add("PASS" if result.returncode == 0 and written.is_file() else "FAIL",
               "export from D: to Documents", f"exit {result.returncode}; {docs}")


def sample_day(path: Path = SAMPLE_RESULTS) -> str:
    """The day the recorded sample optimum's allocations were made."""
    return json.loads(path.read_text(encoding="utf-8"))["today"]


def sample_optimum(path: Path = SAMPLE_RESULTS) -> list[tuple[str, float]]:
    """The proven optimum of each objective level of the sample county.

    Read from the benchmark's results file: the levels, in solving order, of
    the runs that ended optimal, which must agree with each other.
    """
    runs = json.loads(path.read_text(encoding="utf-8"))["runs"]
    optima = [[(lv["level"], lv["objective"]) for lv in run["levels"]]
              for run in runs if run["status"] == "optimal"]
    if not optima or any(o != optima[0] for o in optima):
        raise ValueError(f"{path}: no optimal run, or optimal runs disagree")
    return optima[0]


def compare_levels(reached: list[tuple[str, float]],
                   expected: list[tuple[str, float]]
                   ) -> tuple[list[str], list[str], list[str]]:
    """Compare a run's levels with the recorded optimum, level by level.

    Levels are solved in order, each to its optimum before the next, so a
    level's optimum is comparable only while both orders agree up to it.

    Returns
    -------
    tuple of three lists of str
        Levels that match, levels that differ (``name: got X, expected Y``),
        and levels not comparable (after the orders part).
    """
    same, differ = [], []
    for i, ((name, value), (want_name, want)) in enumerate(zip(reached,
                                                                expected)):
        if name != want_name:
            return same, differ, [n for n, _v in reached[i:]]
        if value == want:
            same.append(name)
        else:
            differ.append(f"{name}: got {value:g}, expected {want:g}")
    return same, differ, [n for n, _v in reached[len(expected):]]


def check_cbc_command(px: Prefix, report: Report) -> None:
    """The command line's CBC back end solves an OR-Library instance on D:."""
    folder = px.d_drive / "算例 输入"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy2(GAP_INSTANCE, folder / GAP_INSTANCE.name)
    source = f"D:\\算例 输入\\{GAP_INSTANCE.name}"
    try:
        result = px.allocator(["bench", "gap", source, "--sense", "max",
                               "--backend", "cbc", "--json",
                               "D:\\算例 输入\\cbc.json"], timeout=600)
    except subprocess.TimeoutExpired:
        hung = running_programs(px, "cbc.exe")
        report.add("FAIL", "allocator bench gap --backend cbc",
                   f"{GAP_INSTANCE.stem} max: no answer within 600 s")
        if hung:
            report.add("NOTE", "CBC never returned",
                       "still running: " + " | ".join(hung))
        px.stop()
        return
    written = folder / "cbc.json"
    if result.returncode != 0 or not written.is_file():
        report.add("FAIL", "allocator bench gap --backend cbc",
                   f"exit {result.returncode}: "
                   + _tail(result.stderr + result.stdout, 800))
        return
    solved = json.loads(written.read_text(encoding="utf-8"))
    ok = solved["status"] == "optimal" and solved["objective"] == GAP_OPTIMUM_MAX
    report.add("PASS" if ok else "FAIL", "allocator bench gap --backend cbc",
               f"{GAP_INSTANCE.stem} max: {solved['status']} "
               f"{solved['objective']} (published optimum {GAP_OPTIMUM_MAX:g}), "
               f"{solved['backend']}, {solved['seconds']} s")


def running_programs(px: Prefix, name: str) -> list[str]:
    """Command lines of the prefix's running Windows programs called `name`.

    A Wine process is a Linux process whose first argument is the Windows
    program; the prefix is told by its WINEPREFIX.
    """
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
            environ = (proc / "environ").read_bytes().split(b"\0")
        except OSError:  # ended meanwhile, or not ours to read
            continue
        program = args[0].decode("utf-8", errors="replace")
        if (program.lower().replace("\\", "/").rsplit("/", 1)[-1] == name
                and f"WINEPREFIX={px.prefix}".encode() in environ):
            found.append(" ".join(a.decode("utf-8", errors="replace")
                                  for a in args if a))
    return found


def product_cbc_options(px: Prefix) -> tuple[list[str] | None, str]:
    """The options the packed program's CBC back end passes CBC, as PuLP
    writes them (``-ratio 0.0`` and so on), or None and why not."""
    python = px.win_user("AppData", "Local", "Programs", APP_ID, "python",
                         "python.exe")
    code = ("from solvers.base import Objective; from solvers.mip import "
            "CbcBackend; solver, _ = CbcBackend()._solver(None, None, None, "
            "Objective('cost', 'max', [], [])); "
            "print('|'.join(solver.getOptions()))")
    result = px.run([python, "-c", code], timeout=300)
    if result.returncode != 0:
        return None, f"exit {result.returncode}: " + _tail(
            result.stderr + result.stdout, 600)
    # PuLP puts a dash before each option, then splits the line on blanks.
    return " ".join(f"-{option}" for option in result.stdout.strip().split(
        "|")).split(), ""


def write_gap_mps(source: Path, target: Path) -> None:
    """Write an OR-Library GAP instance as a maximising MPS file for CBC.

    x_ij = 1 when job j goes to agent i; each job to one agent; each agent
    within its capacity; maximise the total of c_ij x_ij.
    """
    import pulp

    numbers = [int(t) for t in source.read_text().split()]
    agents, jobs = numbers[0], numbers[1]
    cost = numbers[2:2 + agents * jobs]
    use = numbers[2 + agents * jobs:2 + 2 * agents * jobs]
    capacity = numbers[2 + 2 * agents * jobs:]
    problem = pulp.LpProblem("gap", pulp.LpMaximize)
    new_var = getattr(problem, "add_variable", None)  # PuLP 3.3 and later
    if new_var is None:
        def new_var(name, low, up, cat):
            return pulp.LpVariable(name, low, up, cat=cat)
    x = [[new_var(f"x_{i}_{j}", 0, 1, cat=pulp.LpBinary) for j in range(jobs)]
         for i in range(agents)]
    problem += pulp.lpSum(cost[i * jobs + j] * x[i][j]
                          for i in range(agents) for j in range(jobs))
    for j in range(jobs):
        problem += pulp.lpSum(x[i][j] for i in range(agents)) == 1, f"job_{j}"
    for i in range(agents):
        problem += pulp.lpSum(use[i * jobs + j] * x[i][j]
                              for j in range(jobs)) <= capacity[i], f"agent_{i}"
    problem.writeMPS(str(target))


def check_cbc_repeated(px: Prefix, report: Report, runs: int = CBC_RUNS) -> None:
    """The packed cbc.exe, with the options the product passes, returns every
    time: `runs` solves of the GAP instance, each given CBC_RUN_TIMEOUT s."""
    check = f"CBC with the product's options, {runs} runs"
    options, why = product_cbc_options(px)
    if options is None:
        report.add("FAIL", check, "the packed program did not say which "
                   f"options its CBC back end passes: {why}")
        return
    folder = px.d_drive / "cbc-runs"  # no blank, ASCII: as cbc_temp_dir gives
    folder.mkdir(parents=True, exist_ok=True)
    write_gap_mps(GAP_INSTANCE, folder / "gap.mps")
    cbc = "\\".join([px.win_user("AppData", "Local", "Programs", APP_ID),
                      *CBC_EXE])
    times, bad = [], []
    for run in range(1, runs + 1):
        solution = folder / f"gap-{run}.sol"
        args = [cbc, "D:\\cbc-runs\\gap.mps", "-max", *options, "-solve",
                "-printingOptions", "all", "-solution",
                f"D:\\cbc-runs\\{solution.name}"]
        start = time.monotonic()
        try:
            result = px.run(args, timeout=CBC_RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            bad.append(f"run {run}: no answer within {CBC_RUN_TIMEOUT} s")
            px.stop()
            continue
        times.append(time.monotonic() - start)
        first = (solution.read_text(errors="replace").splitlines()[:1]
                 if solution.is_file() else [])
        if result.returncode != 0 or not first or not first[0].startswith(
                "Optimal") or f"{GAP_OPTIMUM_MAX:.8f}" not in first[0]:
            bad.append(f"run {run}: exit {result.returncode}, {first}")
    slowest = f"slowest {max(times):.1f} s" if times else "none finished"
    report.add("FAIL" if bad else "PASS", check,
               f"cbc.exe {' '.join(options)}: "
               + (f"{len(bad)} failed ({'; '.join(bad[:3])}); " if bad else
                  f"optimum {GAP_OPTIMUM_MAX:g} every time; ") + slowest)


def check_log_file(px: Prefix, report: Report) -> Path:
    """The log exists in the per-user place, under the Chinese profile."""
    log = px.user_dir / "AppData" / "Local" / "allocator" / "allocator.log"
    report.add("PASS" if log.is_file() else "FAIL", "log file on disk",
               px.win_user("AppData", "Local", "allocator", "allocator.log"))
    return log


def settings_file(px: Prefix) -> Path:
    """Where the Qt check's settings go (as the window's: %APPDATA%)."""
    return px.user_dir / "AppData" / "Roaming" / "allocator" / "allocator-smoke.ini"


def uninstall(px: Prefix, inst: Path, keep: list[Path], report: Report) -> None:
    """Silent uninstall: the program goes, the user's log and settings stay."""
    px.run([str(inst / "uninstall.exe"), "/S"], timeout=900)
    px.wait()
    left = sorted(p.name for p in inst.iterdir()) if inst.exists() else []
    ext = px.reg_query(r"HKCU\Software\Classes\.gpkg", "") or ""
    progid = px.reg_query(rf"HKCU\Software\Classes\{PROGID}")
    ok = not inst.exists() and PROGID not in ext and progid is None
    report.add("PASS" if ok else "FAIL", "silent uninstall",
               "install folder and registry entries removed" if ok else
               f"left: files {left}, .gpkg {ext.strip()!r}, ProgID "
               f"{'present' if progid else 'gone'}")
    gone = [str(p) for p in keep if not p.is_file()]
    report.add("FAIL" if gone else "PASS", "uninstall keeps user data",
               f"removed {gone}" if gone else "kept " + ", ".join(
                   p.name for p in keep))


def smoke(installer: Path, wine: str, keep: bool, locale: str = "zh_CN.UTF-8",
          demo_timeout: float = 3600) -> Report:
    """Run every check; return the report."""
    report = Report()
    px = Prefix(wine, WORK, locale)
    version = subprocess.run([wine, "--version"], capture_output=True,
                             text=True).stdout.strip()
    print(f"installer {installer} ({installer.stat().st_size / 1e6:.1f} MB)")
    print(f"{version}, prefix {px.prefix}, Windows user {USER!r}, "
          f"locale {locale}, D: = {px.d_drive}")
    try:
        try:
            px.create()
        except RuntimeError as exc:
            report.add("FAIL", "Wine prefix", f"{exc}; try --locale C.UTF-8")
            return report
        inst = install(px, installer, report)
        if inst is None:
            return report
        out_win = "D:\\项目 输出"
        wmi_ok = probe_platform(px, report)
        numpy_ok = probe_numpy(px, inst, report)
        qt_ok = probe_qt(px, inst, report)
        run_inside(px, inst, ["interpreter", "imports", "data", "fonts", "pdf",
                              "xlsx", "proj", "cbc", "log"], out_win, report,
                   block_numpy=not numpy_ok, block_wmi=not wmi_ok,
                   block_qt=not qt_ok)
        check_pdf_file(px.d_drive / "项目 输出" / "分配通知书 测试.pdf", report,
                       "orders PDF read back", "分配通知书")
        user_files = [check_log_file(px, report)]
        if qt_ok and run_inside(px, inst, ["qt"], out_win, report,
                                block_numpy=not numpy_ok, block_wmi=not wmi_ok):
            user_files.append(settings_file(px))
        report.add("NOT RUN", "Qt window on a screen", "no display under Wine "
                   "here; the Linux freeze test opens the window offscreen")
        check_cli(px, inst, report)
        check_refuses_foreign_folder(px, installer, report)
        if numpy_ok and wmi_ok:
            run_demo(px, inst, report, demo_timeout)
            check_cbc_repeated(px, report)
            check_cbc_command(px, report)
        else:
            for check in ("allocator bench gap --backend cbc",
                          "allocator demo (sample county to D:)"):
                report.add("NOT RUN", check, "needs numpy and the platform "
                           "module, which this Wine cannot run (see above)")
        uninstall(px, inst, user_files, report)
    finally:
        px.stop()
        if not keep and WORK.exists():
            shutil.rmtree(WORK, ignore_errors=True)
    return report


def hold_work_folder():
    """Lock the work folder for this run; None when another run holds it.

    Each run deletes the prefix first, so a second run (a test suite started
    meanwhile, say) would pull the first one's Windows out from under it.
    The lock goes when the returned file is closed or the process ends.
    """
    import fcntl

    BUILD.mkdir(parents=True, exist_ok=True)
    lock = open(BUILD / "wine-smoke.lock", "w")  # held open: the lock
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        return None
    return lock


def main(argv: list[str] | None = None) -> int:
    """Command line of the smoke test."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--installer", type=Path,
                        help="installer to test (default: the newest in "
                        "packaging/build)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the Wine prefix in packaging/build/wine-smoke")
    parser.add_argument("--demo-timeout", type=float, default=3600,
                        help="seconds allowed for allocator demo (default 3600)")
    parser.add_argument("--locale", default="zh_CN.UTF-8",
                        help="Unix locale Wine derives the Windows locale from "
                        "(default zh_CN.UTF-8: a Chinese Windows, ANSI code "
                        "page 936; C.UTF-8 gives an English one, code page 1252)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    wine = find_wine()
    if wine is None:
        print("NOT RUN: wine64 is not installed (apt-get install wine64)")
        return EXIT_MISSING
    installer = find_installer(args.installer)
    if installer is None:
        print("NOT RUN: no installer; build it with "
              ".venv/bin/python packaging/build_windows.py")
        return EXIT_MISSING
    lock = hold_work_folder()
    if lock is None:
        print(f"NOT RUN: another smoke test is using {WORK}; run this one "
              "after it has ended (two would delete each other's Wine prefix)")
        return EXIT_MISSING
    start = time.monotonic()
    with lock:
        report = smoke(installer, wine, args.keep, args.locale,
                       args.demo_timeout)
    print(f"smoke test: {report.count('PASS')} passed, {report.count('FAIL')} "
          f"failed, {report.count('NOT RUN')} not run, in "
          f"{time.monotonic() - start:.0f} s")
    return 1 if report.count("FAIL") else 0


if __name__ == "__main__":
    sys.exit(main())
