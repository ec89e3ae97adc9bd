"""Nothing outside ui/ imports Qt, checked in a fresh interpreter."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORE = ("allocator", "solvers", "gis", "sample_data")


def _allowed_gui_imports(tree: ast.AST) -> set[int]:
    """Line numbers of imports inside the CLI's ``gui`` command, the one place
    the core may reach the window (lazily)."""
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == "cmd_gui":
            lines |= {n.lineno for n in ast.walk(node)
                      if isinstance(n, (ast.Import, ast.ImportFrom))}
    return lines


def test_core_sources_do_not_import_qt():
    offenders = []
    for package in CORE:
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            allowed = _allowed_gui_imports(tree) if path.name == "cli.py" else set()
            for node in ast.walk(tree):
                if getattr(node, "lineno", None) in allowed:
                    continue
                names = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                if any(n.split(".")[0] in ("PySide6", "PyQt5", "PyQt6", "ui")
                       for n in names):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_core_runs_without_loading_qt():
    code = (
        "import sys, allocator.cli, allocator.allocate, allocator.export, "
        "allocator.orders, allocator.importer, solvers.cpsat, solvers.mip, "
        "gis.readers, gis.distance\n"
        "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout
    assert out.strip() == "[]"
