"""Autosave and crash recovery of unsaved edits, Qt-free.

The window calls :func:`write_autosave` on a timer while the project has
unsaved edits, and :func:`recovery_for` when it opens a project: an autosave
newer than the project means the last session ended without saving, and the
planner is offered the autosaved state. Autosaves are written with the same
atomic save as the project, so a crash during an autosave loses nothing.
"""

from __future__ import annotations

import logging
from pathlib import Path

from allocator.project import Project, load_project, save_project

logger = logging.getLogger(__name__)


def autosave_path(project_path: Path) -> Path:
    """Where the autosave of ``project_path`` lives (beside it, hidden)."""
    project_path = Path(project_path)
    return project_path.with_name(f".{project_path.stem}.autosave.gpkg")


def write_autosave(project: Project, project_path: Path) -> Path:
    """Save the in-memory state beside the project without touching it."""
    target = autosave_path(project_path)
    save_project(project, target)
    logger.info("autosaved %s", target)
    return target


def recovery_for(project_path: Path) -> Path | None:
    """The autosave to offer when opening ``project_path``, if any.

    Only an autosave written after the project's own last save counts.
    """
    target = autosave_path(project_path)
    project_path = Path(project_path)
    if not target.exists():
        return None
    if project_path.exists() and target.stat().st_mtime <= project_path.stat().st_mtime:
        return None
    return target


def recover(project_path: Path) -> Project:
    """Load the autosaved state (the planner saves it over the project)."""
    target = recovery_for(project_path)
    if target is None:
        raise FileNotFoundError(f"no autosave newer than {project_path}")
    project = load_project(target)
    project.log("recover", "project", reason=f"recovered unsaved edits from {target}")
    return project


def discard_autosave(project_path: Path) -> None:
    """Remove the autosave after a successful save or an explicit discard."""
    autosave_path(project_path).unlink(missing_ok=True)
