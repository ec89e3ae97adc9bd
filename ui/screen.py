"""Sizes that fit the screen, including 1366x768 at 150-200 % scaling."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QWidget


def fit_to_screen(widget: QWidget, width: int, height: int,
                  share: float = 0.95) -> None:
    """Resize ``widget`` to ``width`` x ``height``, or less where the screen
    (in logical pixels, after display scaling) is smaller."""
    screen = widget.screen() or QApplication.primaryScreen()
    if screen is None:
        widget.resize(width, height)
        return
    available = screen.availableGeometry()
    widget.resize(min(width, int(available.width() * share)),
                  min(height, int(available.height() * share)))
