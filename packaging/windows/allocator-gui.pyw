"""Start the resettlement allocator's window; run by ``pythonw.exe``.

The Start-menu entry, the desktop shortcut and double-clicked ``.gpkg`` files
run ``python\\pythonw.exe allocator-gui.pyw [PROJECT.gpkg]`` from the install
folder.  ``pythonw`` has no console, so whatever the program writes to its
standard streams goes to ``%LOCALAPPDATA%\\allocator\\window-console.log``, and
a failure to start is shown in a message box instead of vanishing.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from pathlib import Path

TITLE = "安置分配优化"
EXIT_USAGE = 2


def log_dir() -> Path:
    """Return the per-user folder of the program's logs."""
    base = os.environ.get("LOCALAPPDATA") or str(Path.home())
    return Path(base) / "allocator"


def show_error(text: str) -> None:
    """Show `text` in a Windows message box (logged elsewhere)."""
    logging.getLogger("allocator.launcher").error("%s", text)
    try:
        import ctypes

        ctypes.windll.user32.MessageBoxW(None, text, TITLE, 0x10)
    except (ImportError, AttributeError, OSError):
        pass


def _redirect_streams() -> Path | None:
    if sys.stdout is not None and sys.stderr is not None:
        return None
    folder = log_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "window-console.log"
        stream = open(path, "a", encoding="utf-8", buffering=1)
    except OSError:
        return None
    sys.stdout = sys.stdout or stream
    sys.stderr = sys.stderr or stream
    return path


def main() -> int:
    """Open the window with the optional project given on the command line."""
    console = _redirect_streams()
    try:
        from allocator.cli import main as allocator_main

        code = allocator_main(["gui", *sys.argv[1:]])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except Exception:  # anything that stops the start is shown to the planner
        detail = traceback.format_exc()
        if sys.stderr is not None:
            sys.stderr.write(detail)
        show_error("The program could not start. 程序无法启动。\n\n"
                   + detail[-1500:])
        return 1
    if code == EXIT_USAGE:
        where = f"\n\n{console}" if console else ""
        show_error("The window could not start (allocator gui refused: the "
                   "project file was not found, or the window's Qt libraries "
                   "did not load). 窗口无法启动。\nThe command line still works: "
                   f"Start menu > 安置分配优化 > 命令行.{where}")
    elif code:
        where = f"\n\n{console}" if console else ""
        show_error(f"The program stopped with an error (code {code}). "
                   f"程序出错退出。\nSee the log in {log_dir()}{where}")
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())
