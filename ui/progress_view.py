"""The solve's progress: best solution, bound and gap of each level over time."""

from __future__ import annotations

import json
import math
import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from allocator.kpis import gap_percent
from ui.charts import ProgressChart, _short
from ui.language import fill
from ui.results import status_text


def gap_of(best: float | None, bound: float | None) -> float | None:
    """Relative gap between a solution and its bound (as the back ends do)."""
    if best is None or bound is None or not math.isfinite(bound):
        return None
    return abs(bound - best) / max(abs(best), 1e-9)


class ProgressPanel(QWidget):
    """Live view of an allocation: chart, figures, levels and a Cancel button.

    Signals
    -------
    cancel_requested()
        The user pressed Cancel.
    """

    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.level_names = {
            "housed": self.tr("目标1：按优先级加权的安置户数（最大）"),
            "served": self.tr("目标2：服务半径内的学位和卫生服务人数（最大）"),
            "walk": self.tr("目标3：总步行距离（最小）"),
        }
        self.chart = ProgressChart(self)
        self.chart.labels = {
            "housed": self.tr("1 安置户数（加权，最大）"),
            "served": self.tr("2 半径内学位和卫生服务（最大）"),
            "walk": self.tr("3 总步行距离（最小）"),
        }
        self.chart.best_text = self.tr("最好解")
        self.chart.bound_text = self.tr("界")
        self.chart.time_text = self.tr("秒")
        self.chart.empty_text = self.tr(
            "点击“分配”后，这里实时显示求解进度：每一目标层的最好解、界和差距。")
        self.state_label = QLabel(self.tr("未在求解"), self)
        self.state_label.setWordWrap(True)
        self.elapsed_label = QLabel("", self)
        self.best_label = QLabel("-", self)
        self.bound_label = QLabel("-", self)
        self.gap_label = QLabel("-", self)
        self.cancel_button = QPushButton(self.tr("取消求解"), self)
        self.cancel_button.setObjectName("cancelSolve")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self._cancel)
        figures = QGridLayout()
        figures.setHorizontalSpacing(10)
        captions = ((self.tr("最好解"), self.best_label),
                    (self.tr("界"), self.bound_label),
                    (self.tr("差距"), self.gap_label),
                    (self.tr("用时"), self.elapsed_label))
        for index, (text, label) in enumerate(captions):
            caption = QLabel(fill(self.tr("%1："), text), self)
            row, column = divmod(index, 2)
            figures.addWidget(caption, row, 2 * column, Qt.AlignmentFlag.AlignRight)
            figures.addWidget(label, row, 2 * column + 1)
        side = QWidget(self)
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self.state_label)
        side_layout.addLayout(figures)
        side_layout.addWidget(self.cancel_button)
        side_layout.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidget(side)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setMinimumHeight(60)
        top = QHBoxLayout()
        top.addWidget(self.chart, 3)
        top.addWidget(scroll, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top, 1)

        self._started = 0.0
        self._running = False
        self._level = ""
        self._timer = QTimer(self)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self._tick)
        self._dirty = False

    def start(self, backend: str, can_cancel: bool, reports: bool) -> None:
        """A solve started on ``backend``."""
        self.chart.clear()
        self._started = time.monotonic()
        self._running = True
        self._level = ""
        for label in (self.best_label, self.bound_label, self.gap_label):
            label.setText("-")
        text = fill(self.tr("正在用 %1 求解……窗口可继续使用。"), backend)
        if not reports:
            text += self.tr("该求解器不报告中间进度。")
        if not can_cancel:
            text += self.tr("该求解器不能中途停止，取消将在当前目标层结束后生效。")
        self.state_label.setText(text)
        self.cancel_button.setEnabled(True)
        self.cancel_button.setText(self.tr("取消求解"))
        self._timer.start()

    def report(self, level: str, best: float | None, bound: float | None) -> None:
        """One progress report from the back end."""
        seconds = time.monotonic() - self._started
        self.chart.add(level, seconds, best, bound)
        if level != self._level:
            self._level = level
        self.best_label.setText("-" if best is None else _short(best))
        self.bound_label.setText("-" if bound is None or not math.isfinite(bound)
                                 else _short(bound))
        gap = gap_of(best, bound)
        self.gap_label.setText("-" if gap is None else gap_percent(gap))
        self._dirty = True

    def _tick(self) -> None:
        self.elapsed_label.setText(fill(self.tr("%1 秒"),
                                        f"{time.monotonic() - self._started:.1f}"))
        if self._level:
            self.state_label.setText(fill(self.tr("正在求解：%1"),
                                          self.level_names.get(self._level,
                                                               self._level)))
        if self._dirty:
            self._dirty = False
            self.chart.update()

    def cancelling(self) -> None:
        """Cancel was asked for; the back end stops at its next check."""
        self.cancel_button.setEnabled(False)
        self.cancel_button.setText(self.tr("正在取消……"))
        self.state_label.setText(self.tr(
            "正在取消：求解器在下一个检查点停止，并返回目前找到的最好解。"))

    def finish(self, run: dict | None, note: str = "") -> None:
        """The solve ended (``run`` is None when it failed)."""
        self._running = False
        self._timer.stop()
        self._tick()
        self.cancel_button.setEnabled(False)
        self.cancel_button.setText(self.tr("取消求解"))
        self.chart.update()
        if run is None:
            self.state_label.setText(note or self.tr("求解失败，见错误信息。"))
            return
        self.state_label.setText(fill(self.tr("求解结束：%1。%2"), status_text(run),
                                      note))
        levels = json.loads(run.get("levels_json") or "[]")
        for level in levels:
            objective, bound = level["objective"], level["bound"]
            self.chart.final[level["level"]] = fill(
                self.tr("%1 · 最好解 %2 · 界 %3 · %4 秒"),
                status_text({"status": level["status"], "gap": level["gap"]}),
                "-" if objective is None else f"{objective:,.0f}",
                "-" if bound is None else f"{bound:,.0f}",
                f"{level['seconds']:.1f}")
        self.chart.update()

    def _cancel(self) -> None:
        self.cancelling()
        self.cancel_requested.emit()

    @property
    def running(self) -> bool:
        """True between :meth:`start` and :meth:`finish`."""
        return self._running
