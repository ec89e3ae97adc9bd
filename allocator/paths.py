"""Where an output file is written.

Outputs (projects, orders, notices, tables) are written to a new file that is
then renamed over the target, so a failure never leaves half a file. Renaming
over a symbolic link would replace the link, not the file it points to, and
renaming over a device or a folder would destroy it: :func:`output_path`
follows links and refuses targets that are not regular files.
"""

from __future__ import annotations

import os
from pathlib import Path


class OutputPathError(OSError):
    """An output target that must not be replaced; the message says why."""

    def __init__(self, path: Path, what: str) -> None:
        super().__init__(f"{path}: {what}; choose a file name for the output")
        self.path = path

    def __str__(self) -> str:
        return self.args[0]


def output_path(path: str | os.PathLike) -> Path:
    """The file an output to ``path`` replaces (a link is followed); refuse a
    folder, device, pipe or socket."""
    path = Path(path)
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    if path.exists() and not path.is_file():
        what = "is a folder" if path.is_dir() else \
            "is not a regular file (a device, pipe or socket)"
        raise OutputPathError(path, what)
    return path
