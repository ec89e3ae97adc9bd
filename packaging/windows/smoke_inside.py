"""Checks run by the packed Windows Python itself (under Wine, or on Windows).

Started by ``packaging/smoke_wine.py`` as::

    python.exe smoke_inside.py CHECK --out FOLDER [--block-numpy]

and prints one JSON object per line: ``{"check", "status", "detail"}`` with
status ``PASS``, ``FAIL``, ``NOT RUN`` or ``NOTE`` (a diagnosis, not a
check).  It is not part of the installer.

``--block-numpy`` makes ``import numpy`` raise ImportError instead of loading
numpy: under a Wine whose ``ucrtbase.dll`` lacks functions numpy calls when it
is imported, the import would kill the process; blocked, every module that
needs numpy is reported as such and the others are still checked.
``--block-qt`` does the same for PySide6 where Qt's DLLs cannot load.
``--block-wmi`` does the same for CPython's ``_wmi`` module, which the
``platform`` module uses when it is there and does without when it is not:
under a Wine without the COM functions it calls, ``platform.machine()`` would
kill the process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import importlib.abc
import json
import os
import pkgutil
import shutil
import sys
import tempfile
import traceback
from pathlib import Path

PRODUCT_PACKAGES = ("allocator", "solvers", "gis", "ui", "sample_data")
THIRD_PARTY = (
    "numpy", "pandas", "shapely", "pyproj", "pyogrio", "geopandas",
    "ortools.sat.python.cp_model", "pulp", "highspy", "reportlab.pdfgen.canvas",
    "openpyxl", "PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets",
    "PySide6.QtPrintSupport", "PySide6.QtSvg",
)
NUMPY_BLOCKED = "numpy is blocked for this run"
QT_BLOCKED = "PySide6 is blocked for this run"
_BLOCKED = {"numpy": False, "Qt": False}


def emit(check: str, status: str, detail: str = "") -> None:
    """Print one result line as JSON."""
    print(json.dumps({"check": check, "status": status, "detail": detail},
                     ensure_ascii=False), flush=True)


class _BlockNumpy(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname == "numpy" or fullname.startswith("numpy."):
            raise ImportError(NUMPY_BLOCKED)
        return None


class _BlockWmi(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname == "_wmi":
            raise ImportError("_wmi is blocked for this run")
        return None


class _BlockQt(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in ("PySide6", "shiboken6"):
            raise ImportError(QT_BLOCKED)
        return None


def blocked_by(exc: BaseException | None) -> str | None:
    """Name what a blocked import stopped (``numpy`` or ``Qt``), if anything."""
    while exc is not None:
        text = str(exc)
        if NUMPY_BLOCKED in text or ("numpy" in text and "failed to import"
                                     in text and _BLOCKED["numpy"]):
            return "numpy"
        if QT_BLOCKED in text:
            return "Qt"
        exc = exc.__cause__ or exc.__context__
    return None



def check_interpreter(out: Path) -> None:
    """The interpreter is the packed one, isolated from the user's Pythons."""
    site_dirs = [p for p in sys.path if p.lower().endswith("site-packages")]
    detail = (f"CPython {sys.version.split()[0]} at {sys.executable}; "
              f"isolated={sys.flags.isolated}; site-packages={site_dirs}")
    user_site = os.path.join(os.environ.get("APPDATA", ""), "Python").lower()
    leaked = [p for p in sys.path if p.lower().startswith(user_site)]
    ok = (sys.flags.isolated == 1 and len(site_dirs) == 1 and not leaked
          and Path(sys.executable).parent.name == "python")
    emit("interpreter", "PASS" if ok else "FAIL", detail + (
        f"; user site-packages in sys.path: {leaked}" if leaked else ""))


def check_imports(out: Path) -> None:
    """Import every module of the product and the main dependencies."""
    names = []
    for package in PRODUCT_PACKAGES:
        try:
            module = importlib.import_module(package)
        except Exception as exc:  # reported below with the others
            names.append((package, exc))
            continue
        names.append((package, None))
        for info in pkgutil.walk_packages(module.__path__, package + "."):
            names.append((info.name, None))
    names += [(name, None) for name in THIRD_PARTY]
    for name, early in names:
        exc = early
        if exc is None:
            try:
                importlib.import_module(name)
            except Exception as caught:
                exc = caught
        if exc is None:
            emit(f"import {name}", "PASS")
        elif blocked_by(exc):
            emit(f"import {name}", "NOT RUN", f"needs {blocked_by(exc)} "
                 "(blocked: see its check above)")
        else:
            emit(f"import {name}", "FAIL", f"{type(exc).__name__}: {exc}")


def check_data_files(out: Path) -> None:
    """Files the program opens at run time are in the installed tree."""
    from allocator.fonts import BUNDLED_FONT_PATH
    from sample_data import sample_files

    wanted = {"bundled font": BUNDLED_FONT_PATH}
    wanted.update({f"sample {k}": v for k, v in sample_files().items()})
    import reportlab

    wanted["reportlab Vera.ttf"] = (Path(reportlab.__file__).parent / "fonts"
                                    / "Vera.ttf")
    import pulp

    wanted["PuLP CBC for Windows"] = (Path(pulp.__file__).parent / "solverdir"
                                      / "cbc" / "win" / "i64" / "cbc.exe")
    import pyproj.datadir

    wanted["PROJ database"] = Path(pyproj.datadir.get_data_dir()) / "proj.db"
    site = Path(reportlab.__file__).parents[1]
    wanted["Qt translations zh_CN"] = (site / "PySide6" / "translations"
                                       / "qtbase_zh_CN.qm")
    wanted["Qt platform plugin"] = (site / "PySide6" / "plugins" / "platforms"
                                    / "qwindows.dll")
    wanted["window translation (English)"] = site / "ui" / "i18n" / "allocator_en.qm"
    missing = [f"{k}: {v}" for k, v in wanted.items() if not Path(v).is_file()]
    emit("data files", "FAIL" if missing else "PASS",
         "; ".join(missing) if missing else f"{len(wanted)} files present")


def check_fonts(out: Path) -> None:
    """仿宋 / 宋体 are preferred when Windows has them, else the bundled font."""
    from allocator import fonts

    choice = fonts.find_cjk_font()
    has_fangsong = (Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"
                    / "simfang.ttf").is_file()
    emit("font on this system", "PASS" if choice.is_bundled or has_fangsong
         else "FAIL", f"{choice.name} from {choice.path}")
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "Fonts").mkdir()
        # A stand-in for Windows' FangSong: any TrueType CJK font will do.
        shutil.copy(fonts.BUNDLED_FONT_PATH, Path(tmp) / "Fonts" / "simfang.ttf")
        chosen = fonts.find_cjk_font(environ={"WINDIR": tmp}, platform="win32")
        ok = chosen.path == Path(tmp) / "Fonts" / "simfang.ttf"
        emit("font: 仿宋 preferred when present", "PASS" if ok else "FAIL",
             f"chose {chosen.path}")


def check_pdf(out: Path) -> None:
    """Write two allocation orders with Chinese text to `out`."""
    from allocator.orders import (
        AllocationOrder,
        MemberLine,
        ServiceLine,
        write_orders_pdf,
    )

    members = (MemberLine("吉克阿呷", "户主", "女", 41, "513431198503120026"),
               MemberLine("阿苦日哈", "子女", "男", 9, "513431201607150019"))
    services = (ServiceLine("阿苦日哈", "小学", "昭觉县城南小学", 640.0, ""),)
    orders = [AllocationOrder(
        order_number=f"昭安分〔2026〕{n:04d}号", issue_date=dt.date(2026, 12, 4),
        county="昭觉县", office="昭觉县易地扶贫搬迁安置工作领导小组办公室",
        household_id=f"ZJ-{n:06d}", head_name="吉克阿呷",
        head_id_number="513431198503120026", category="易地扶贫搬迁",
        origin="支尔莫乡阿土列尔村", members=members, kind="allocated",
        site_name="南坪安置点", building="7栋", unit_number="2单元1203", floor=12,
        area_m2=75.0, accessible=False, services=services,
        rule_text="按户人数匹配面积，轮候时间优先。",
        run_label="Windows smoke test") for n in (1, 2)]
    path = out / "分配通知书 测试.pdf"
    write_orders_pdf(orders, path)
    emit("orders PDF", "PASS", str(path))


def check_xlsx(out: Path) -> None:
    """Write and read back an Excel file with Chinese text."""
    import openpyxl

    path = out / "表格 测试.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["户号", "姓名"])
    book.active.append(["ZJ-000001", "吉克阿呷"])
    book.save(path)
    back = openpyxl.load_workbook(path).active.cell(2, 2).value
    emit("Excel file", "PASS" if back == "吉克阿呷" else "FAIL", str(path))


def check_proj(out: Path) -> None:
    """CGCS2000 to Gauss-Kruger metres with the packed PROJ data."""
    from pyproj import Transformer

    x, y = Transformer.from_crs("EPSG:4490", "EPSG:4543",
                                always_xy=True).transform(102.84, 28.01)
    ok = 400_000 < x < 600_000 and 3_000_000 < y < 3_200_000
    emit("PROJ transform", "PASS" if ok else "FAIL", f"({x:.0f}, {y:.0f})")


def check_cbc(out: Path) -> None:
    """PuLP's bundled Windows CBC solves a small integer programme.

    CBC gets its files in the folder the program gives it
    (``solvers.mip.cbc_temp_dir``): PuLP's own choice, the user's temporary
    folder, has a blank and Chinese characters under this user's profile.
    """
    import pulp

    from solvers.mip import cbc_temp_dir

    model = pulp.LpProblem("smoke", pulp.LpMaximize)
    x = pulp.LpVariable("x", 0, 10, cat="Integer")
    y = pulp.LpVariable("y", 0, 10, cat="Integer")
    model += 3 * x + 2 * y
    model += x + y <= 7
    model += x <= 4
    default_dir = pulp.PULP_CBC_CMD(msg=False).tmpDir
    solver = pulp.PULP_CBC_CMD(msg=False)
    solver.tmpDir = cbc_temp_dir()
    try:
        status = model.solve(solver)
    except pulp.PulpSolverError as exc:
        emit("CBC solve", "FAIL", f"temporary folder {solver.tmpDir!r}: {exc}")
    else:
        # x = 4, y = 3: 3 * 4 + 2 * 3 = 18.
        value = pulp.value(model.objective)
        ok = pulp.LpStatus[status] == "Optimal" and value == 18
        emit("CBC solve", "PASS" if ok else "FAIL",
             f"{pulp.LpStatus[status]} {value}, temporary folder "
             f"{solver.tmpDir!r} (PuLP's default: {default_dir!r})")
    if " " in default_dir:
        # PuLP 3.3 splits CBC's command line on blanks, temporary file names
        # included: a diagnosis of why the program picks its own folder.
        solver = pulp.PULP_CBC_CMD(msg=False)
        try:
            status = pulp.LpStatus[model.solve(solver)]
        except pulp.PulpSolverError as exc:
            status = f"error: {str(exc)[:200]}"
        emit("CBC solve in PuLP's default temporary folder", "NOTE",
             f"{'works' if status == 'Optimal' else 'fails'}: {status} "
             f"with tmpDir {default_dir!r}")


def check_log(out: Path) -> None:
    """The command line's log goes to %LOCALAPPDATA%\\allocator."""
    import logging

    from allocator import cli

    path = cli.log_path()
    expected = Path(os.environ["LOCALAPPDATA"]) / "allocator" / "allocator.log"
    written = cli._setup_logging(False)
    logging.getLogger("allocator.smoke").info("smoke test 日志")
    for handler in logging.getLogger().handlers:
        handler.flush()
    ok = path == expected and written == path and path.is_file()
    emit("log location", "PASS" if ok else "FAIL", str(path))


def check_qt(out: Path) -> None:
    """Qt offscreen: a widget with Chinese text, settings, a PDF page."""
    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QPageSize, QPainter, QPdfWriter
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication(["smoke", "-platform", "offscreen"])
    label = QLabel("安置分配优化 · 示例县")
    label.resize(320, 60)
    image = out / "qt-label.png"
    saved = label.grab().save(str(image))
    emit("Qt widget (offscreen)", "PASS" if saved else "FAIL", str(image))

    # As the window keeps them (ui.main_window.default_settings): an INI file
    # in the user's roaming application data.
    def settings() -> QSettings:
        return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                         "allocator", "allocator-smoke")

    first = settings()
    first.setValue("last_project", r"D:\项目 输出\project.gpkg")
    first.sync()
    back = settings().value("last_project")
    expected = Path(os.environ["APPDATA"]) / "allocator" / "allocator-smoke.ini"
    ok = back == r"D:\项目 输出\project.gpkg" and Path(first.fileName()) == expected
    emit("Qt settings", "PASS" if ok else "FAIL", f"{first.fileName()} -> {back!r}")

    pdf = out / "qt 页面.pdf"
    writer = QPdfWriter(str(pdf))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    painter = QPainter(writer)
    painter.drawText(200, 400, "安置分配优化")
    painter.end()
    emit("Qt PDF writer", "PASS" if pdf.is_file() else "FAIL", str(pdf))
    app.quit()


CHECKS = {
    "interpreter": check_interpreter, "imports": check_imports,
    "data": check_data_files, "fonts": check_fonts, "pdf": check_pdf,
    "xlsx": check_xlsx, "proj": check_proj, "cbc": check_cbc, "log": check_log,
    "qt": check_qt,
}


def main() -> int:
    """Run the checks named on the command line."""
    sys.stdout.reconfigure(encoding="utf-8", errors="replace")
    sys.stderr.reconfigure(encoding="utf-8", errors="replace")
    parser = argparse.ArgumentParser()
    parser.add_argument("checks", nargs="+", choices=sorted(CHECKS))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--block-numpy", action="store_true")
    parser.add_argument("--block-wmi", action="store_true")
    parser.add_argument("--block-qt", action="store_true")
    args = parser.parse_args()
    if args.block_numpy:
        sys.meta_path.insert(0, _BlockNumpy())
        _BLOCKED["numpy"] = True
    if args.block_qt:
        sys.meta_path.insert(0, _BlockQt())
        _BLOCKED["Qt"] = True
    if args.block_wmi:
        sys.meta_path.insert(0, _BlockWmi())
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.checks:
        try:
            CHECKS[name](args.out)
        except Exception as exc:
            reason = blocked_by(exc)
            emit(name, "NOT RUN" if reason else "FAIL",
                 f"needs {reason} (blocked)" if reason
                 else traceback.format_exc()[-1500:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
