"""Charts drawn with QPainter: coverage bars, walking-distance histograms and
the solver's progress (best solution and bound over time).

QtCharts would need PySide6-Addons, which the project does not depend on;
these few charts are simple enough to draw directly, and they scale with the
window's font, so they stay readable at 150-200 % display scaling.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from ui.map_view import KIND_COLOURS

AXIS = QColor("#46535f")
GRID = QColor("#dfe4e8")


@dataclass
class Series:
    """One coloured series of a chart."""

    key: str
    label: str
    colour: QColor


def _nice_step(span: float, target: int = 5) -> float:
    if span <= 0:
        return 1.0
    raw = span / target
    power = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 2.5, 5, 10):
        if multiple * power >= raw:
            return multiple * power
    return 10 * power


def _short(value: float) -> str:
    magnitude = abs(value)
    if magnitude >= 1e6:
        return f"{value / 1e6:.3g}M"
    if magnitude >= 1e4:
        return f"{value / 1e3:.3g}k"
    return f"{value:,.0f}" if magnitude >= 10 or value == int(value) else f"{value:.2g}"


def _begin_chart(chart: QWidget, has_data: bool):
    """White background and bold title; the empty-state text when no data.

    Returns (painter, font metrics, line height), or (None, ...) when the
    chart showed its empty-state text and has nothing more to draw.
    """
    painter = QPainter(chart)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.fillRect(chart.rect(), QColor("white"))
    metrics = QFontMetrics(chart.font())
    line = metrics.height()
    bold = chart.font()
    bold.setBold(True)
    painter.setFont(bold)
    painter.setPen(AXIS)
    painter.drawText(QRectF(8, 4, chart.width() - 16, line + 2),
                     int(Qt.AlignmentFlag.AlignLeft), chart.title)
    painter.setFont(chart.font())
    if not has_data:
        painter.drawText(chart.rect(), int(Qt.AlignmentFlag.AlignCenter),
                         chart.empty_text)
        painter.end()
        return None, metrics, line
    return painter, metrics, line


class CoverageChart(QWidget):
    """Horizontal bars: the share covered for each group and service kind.

    ``rows`` are (group label, {series key: share or None}, note) where a share
    is in 0..1 and None means no demand in that group.
    """

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.series: list[Series] = []
        self.rows: list[tuple[str, dict[str, float | None], str]] = []
        self.empty_text = ""
        self.setSizePolicy(QSizePolicy.Policy.Expanding,
                           QSizePolicy.Policy.Preferred)

    def set_data(self, series: list[Series],
                 rows: list[tuple[str, dict[str, float | None], str]]) -> None:
        """Replace the chart's data and redraw."""
        self.series = series
        self.rows = rows
        self.updateGeometry()
        self.update()

    def _small(self):
        font = self.font()
        font.setPointSizeF(max(6.5, font.pointSizeF() * 0.8))
        return font

    def _row_height(self) -> int:
        line = QFontMetrics(self.font()).height()
        small = QFontMetrics(self._small()).height()
        return max(line + 4, len(self.series) * small + 8)

    def sizeHint(self) -> QSize:  # noqa: N802
        line = QFontMetrics(self.font()).height()
        return QSize(420, int(line * 4.5 + max(1, len(self.rows)) * self._row_height()))

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(260, self.sizeHint().height())

    def paintEvent(self, event) -> None:  # noqa: N802
        painter, metrics, line = _begin_chart(self, bool(self.rows))
        if painter is None:
            return
        # Legend under the title.
        x = 8.0
        y = line + 8
        for series in self.series:
            painter.fillRect(QRectF(x, y + line * 0.25, line * 0.6, line * 0.5),
                             series.colour)
            painter.setPen(AXIS)
            width = metrics.horizontalAdvance(series.label)
            painter.drawText(QRectF(x + line * 0.8, y, width + 4, line),
                             int(Qt.AlignmentFlag.AlignVCenter), series.label)
            x += line * 0.8 + width + line
        label_width = min(max(metrics.horizontalAdvance(r[0]) for r in self.rows) + 12,
                          self.width() * 0.4)
        left = 8 + label_width
        small_font = self._small()
        small = QFontMetrics(small_font)
        right = self.width() - 12 - small.horizontalAdvance("100.0%")
        top = y + line + 10
        row_height = self._row_height()
        bottom = top + row_height * len(self.rows)
        plot_width = max(right - left, 40)
        # Grid every 20 %.
        for percent in range(0, 101, 20):
            gx = left + plot_width * percent / 100
            painter.setPen(QPen(GRID, 1))
            painter.drawLine(QPointF(gx, top - 4), QPointF(gx, bottom))
            painter.setPen(AXIS)
            painter.drawText(QRectF(gx - 30, bottom + 2, 60, line),
                             int(Qt.AlignmentFlag.AlignHCenter), f"{percent}%")
        bar_height = max(3.0, (row_height - 6) / max(1, len(self.series)))
        for r, (label, shares, note) in enumerate(self.rows):
            ry = top + r * row_height
            painter.setPen(AXIS)
            text = metrics.elidedText(label, Qt.TextElideMode.ElideRight,
                                      int(label_width - 8))
            painter.drawText(QRectF(4, ry, label_width - 8, row_height),
                             int(Qt.AlignmentFlag.AlignRight
                                 | Qt.AlignmentFlag.AlignVCenter), text)
            painter.setFont(small_font)
            for s, series in enumerate(self.series):
                share = shares.get(series.key)
                by = ry + 3 + s * bar_height
                if share is None:
                    continue
                painter.fillRect(QRectF(left, by + 1, plot_width * share,
                                        bar_height - 2), series.colour)
                painter.setPen(AXIS)
                painter.drawText(QRectF(left + plot_width * share + 3, by,
                                        small.horizontalAdvance("100.0%") + 4,
                                        bar_height),
                                 int(Qt.AlignmentFlag.AlignVCenter),
                                 f"{100 * share:.1f}%")
            painter.setFont(self.font())
            if note:
                painter.setPen(AXIS)
                painter.drawText(QRectF(left + 4, ry, plot_width, row_height),
                                 int(Qt.AlignmentFlag.AlignVCenter), note)
        painter.setPen(QPen(AXIS, 1))
        painter.drawLine(QPointF(left, top - 4), QPointF(left, bottom))


class HistogramChart(QWidget):
    """Walking distances per service kind, one small panel each, with the
    catchment drawn as a red line."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.panels: list[tuple[str, QColor, list[float], float]] = []
        self.empty_text = ""
        self.count_text = "n = %1"
        self.mean_text = "%1 m"
        self.setMinimumHeight(200)

    def set_data(self, panels: list[tuple[str, QColor, list[float], float]]) -> None:
        """Panels of (label, colour, distances in m, catchment in m)."""
        self.panels = panels
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802
        line = QFontMetrics(self.font()).height()
        return QSize(520, line * 16)

    def paintEvent(self, event) -> None:  # noqa: N802
        painter, metrics, line = _begin_chart(self, bool(self.panels))
        if painter is None:
            return
        columns = 2 if self.width() < 900 else 4
        rows = math.ceil(len(self.panels) / columns)
        area = QRectF(4, line + 10, self.width() - 8, self.height() - line - 14)
        cell_w = area.width() / columns
        cell_h = area.height() / rows
        for i, panel in enumerate(self.panels):
            cell = QRectF(area.left() + (i % columns) * cell_w,
                          area.top() + (i // columns) * cell_h, cell_w, cell_h)
            self._panel(painter, cell.adjusted(4, 2, -4, -4), *panel)

    def _panel(self, painter: QPainter, cell: QRectF, label: str, colour: QColor,
               values: list[float], catchment: float) -> None:
        metrics = QFontMetrics(self.font())
        line = metrics.height()
        painter.setPen(AXIS)
        mean = sum(values) / len(values) if values else 0
        header = f"{label} · " + self.count_text.replace("%1", f"{len(values):,}")
        if values:
            header += " · " + self.mean_text.replace("%1", f"{mean:,.0f}")
        painter.drawText(QRectF(cell.left(), cell.top(), cell.width(), line),
                         int(Qt.AlignmentFlag.AlignLeft), metrics.elidedText(
                             header, Qt.TextElideMode.ElideRight, int(cell.width())))
        plot = QRectF(cell.left() + metrics.horizontalAdvance("0000") + 6,
                      cell.top() + line + 4,
                      cell.width() - metrics.horizontalAdvance("0000") - 12,
                      cell.height() - 2 * line - 8)
        if plot.height() < 10 or plot.width() < 20:
            return
        top_value = max([catchment] + values) if values else catchment
        top_value = max(top_value, 1.0)
        step = _nice_step(top_value, 8)
        bins = max(1, math.ceil(top_value / step))
        counts = [0] * bins
        for value in values:
            counts[min(bins - 1, int(value // step))] += 1
        highest = max(counts) if any(counts) else 1
        painter.setPen(QPen(GRID, 1))
        y_step = _nice_step(highest, 3)
        level = 0.0
        while level <= highest:
            gy = plot.bottom() - plot.height() * level / highest
            painter.setPen(QPen(GRID, 1))
            painter.drawLine(QPointF(plot.left(), gy), QPointF(plot.right(), gy))
            painter.setPen(AXIS)
            painter.drawText(QRectF(cell.left(), gy - line / 2, plot.left()
                                    - cell.left() - 4, line),
                             int(Qt.AlignmentFlag.AlignRight
                                 | Qt.AlignmentFlag.AlignVCenter), _short(level))
            level += y_step
        width = plot.width() / bins
        for b, count in enumerate(counts):
            height = plot.height() * count / highest
            painter.fillRect(QRectF(plot.left() + b * width + 1,
                                    plot.bottom() - height, width - 2, height), colour)
        painter.setPen(QPen(AXIS, 1))
        painter.drawLine(QPointF(plot.left(), plot.bottom()),
                         QPointF(plot.right(), plot.bottom()))
        labels = max(1, math.ceil(bins / max(1, plot.width() // 60)))
        for b in range(0, bins + 1, labels):
            gx = plot.left() + b * width
            painter.drawText(QRectF(gx - 30, plot.bottom() + 2, 60, line),
                             int(Qt.AlignmentFlag.AlignHCenter), _short(b * step))
        cx = plot.left() + plot.width() * catchment / (bins * step)
        painter.setPen(QPen(QColor("#c0392b"), 1.5, Qt.PenStyle.DashLine))
        painter.drawLine(QPointF(cx, plot.top()), QPointF(cx, plot.bottom()))


def tick_label(value: float, step: float) -> str:
    """An axis label with just enough digits to tell ticks ``step`` apart."""
    if abs(value) < abs(step) * 1e-9:
        return "0"
    magnitude = max(abs(value), abs(step))
    unit, suffix = (1e6, "M") if magnitude >= 1e6 else (1e3, "k") \
        if magnitude >= 1e4 else (1.0, "")
    scaled = step / unit
    digits = 0 if scaled >= 1 else min(6, int(math.ceil(-math.log10(scaled))))
    return f"{value / unit:,.{digits}f}{suffix}"


class ProgressChart(QWidget):
    """Best solution (solid) and bound (dashed) over time, one panel per
    objective level, each with its final status."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.points: dict[str, list[tuple[float, float | None, float | None]]] = {}
        self.order: list[str] = []
        self.labels: dict[str, str] = {}
        self.final: dict[str, str] = {}
        self.best_text = "best"
        self.bound_text = "bound"
        self.time_text = "s"
        self.empty_text = ""
        self.setMinimumHeight(60)
        self.setSizePolicy(QSizePolicy.Policy.Expanding,
                           QSizePolicy.Policy.Expanding)

    def clear(self) -> None:
        """Forget all points."""
        self.points = {}
        self.order = []
        self.final = {}
        self.update()

    def add(self, level: str, seconds: float, best: float | None,
            bound: float | None) -> None:
        """One progress report of ``level`` at ``seconds`` since the start."""
        if level not in self.points:
            self.points[level] = []
            self.order.append(level)
        if best is not None and not math.isfinite(best):
            best = None
        if bound is not None and not math.isfinite(bound):
            bound = None
        self.points[level].append((seconds, best, bound))

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(640, 220)

    def paintEvent(self, event) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("white"))
        metrics = QFontMetrics(self.font())
        line = metrics.height()
        if not self.order:
            painter.setPen(AXIS)
            painter.drawText(self.rect().adjusted(10, 10, -10, -10),
                             int(Qt.AlignmentFlag.AlignCenter
                                 | Qt.TextFlag.TextWordWrap), self.empty_text)
            return
        # Legend on top, then one panel per level side by side.
        legend_x = 6.0
        for colour, style, text in ((QColor("#2b7bba"), Qt.PenStyle.SolidLine,
                                     self.best_text),
                                    (QColor("#d1372f"), Qt.PenStyle.DashLine,
                                     self.bound_text)):
            painter.setPen(QPen(colour, 2, style))
            painter.drawLine(QPointF(legend_x, line * 0.6),
                             QPointF(legend_x + 22, line * 0.6))
            painter.setPen(AXIS)
            width = metrics.horizontalAdvance(text)
            painter.drawText(QRectF(legend_x + 26, 0, width + 4, line + 2),
                             int(Qt.AlignmentFlag.AlignLeft), text)
            legend_x += 26 + width + 14
        count = max(len(self.order), 1)
        width = (self.width() - 4) / count
        for index, level in enumerate(self.order):
            cell = QRectF(2 + index * width, line + 4, width - 4,
                          self.height() - line - 6)
            self._panel(painter, cell, level)

    def _panel(self, painter: QPainter, cell: QRectF, level: str) -> None:
        metrics = QFontMetrics(self.font())
        line = metrics.height()
        points = self.points[level]
        painter.setPen(AXIS)
        title = metrics.elidedText(self.labels.get(level, level),
                                   Qt.TextElideMode.ElideRight, int(cell.width()))
        painter.drawText(QRectF(cell.left(), cell.top(), cell.width(), line),
                         int(Qt.AlignmentFlag.AlignLeft), title)
        status = self.final.get(level, "")
        if status:
            painter.drawText(QRectF(cell.left(), cell.top() + line, cell.width(),
                                    line), int(Qt.AlignmentFlag.AlignLeft),
                             metrics.elidedText(status, Qt.TextElideMode.ElideRight,
                                                int(cell.width())))
        values = [v for _t, b, d in points for v in (b, d) if v is not None]
        if not values:
            values = [0.0, 1.0]
        low, high = min(values), max(values)
        # The first bound is often far away: scale the axis to the best
        # values (a bound beyond it is drawn at the edge) so that their
        # progress stays visible.
        bests = [b for _t, b, _d in points if b is not None]
        if bests:
            span = max(bests) - min(bests)
            pad = max(span * 0.25, abs(max(bests)) * 0.002, 1.0)
            low, high = min(bests) - pad, max(bests) + pad
        if high - low < 1e-9:
            low, high = low - 1, high + 1
        step = _nice_step(high - low, 3)
        labels = []
        tick = math.ceil(low / step) * step
        while tick <= high + 1e-9:
            labels.append((tick, tick_label(tick, step)))
            tick += step
        label_w = max(metrics.horizontalAdvance(t) for _v, t in labels) + 6
        top = cell.top() + line * (2.2 if status else 1.4)
        plot = QRectF(cell.left() + label_w + 2, top,
                      cell.width() - label_w - 8, cell.bottom() - top - line - 4)
        if plot.width() < 20 or plot.height() < 16:
            return
        start = points[0][0]
        end = max(points[-1][0], start + 1e-3)

        def to_xy(t: float, v: float) -> QPointF:
            x = plot.left() + plot.width() * (t - start) / (end - start)
            v = min(max(v, low), high)
            y = plot.bottom() - plot.height() * (v - low) / (high - low)
            return QPointF(x, y)

        for value, text in labels:
            y = to_xy(start, value).y()
            painter.setPen(QPen(GRID, 1))
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(AXIS)
            painter.drawText(QRectF(cell.left(), y - line / 2, label_w, line),
                             int(Qt.AlignmentFlag.AlignRight
                                 | Qt.AlignmentFlag.AlignVCenter), text)
        painter.setPen(QPen(AXIS, 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(plot)
        for index, (colour, style) in enumerate(
                ((QColor("#2b7bba"), Qt.PenStyle.SolidLine),
                 (QColor("#d1372f"), Qt.PenStyle.DashLine))):
            path = QPainterPath()
            last = None
            for t, best, bound in points:
                value = best if index == 0 else bound
                if value is None:
                    continue
                if last is None:
                    path.moveTo(to_xy(t, value))
                else:
                    # A step line: a value holds until the next report.
                    path.lineTo(to_xy(t, last))
                    path.lineTo(to_xy(t, value))
                last = value
            if last is not None:
                path.lineTo(to_xy(end, last))
                painter.setPen(QPen(colour, 2, style))
                painter.drawPath(path)
        painter.setPen(AXIS)
        axis = QRectF(plot.left(), plot.bottom() + 2, plot.width(), line)
        painter.drawText(axis, int(Qt.AlignmentFlag.AlignLeft),
                         f"{start:.1f} {self.time_text}")
        painter.drawText(axis, int(Qt.AlignmentFlag.AlignRight),
                         f"{end:.1f} {self.time_text}")


def kind_series(labels: dict[str, str]) -> list[Series]:
    """Series for the service kinds in their map colours."""
    return [Series(kind, labels[kind], KIND_COLOURS[kind]) for kind in labels]
