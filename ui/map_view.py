"""The map: the project's own layers drawn with QGraphicsView, offline.

Layers, bottom to top: the county boundary, settlement sites, catchment
circles, housing units drawn as one marker per building, schools and
clinics, and the lines from the selected household's unit to its school and
clinic. Coordinates are the county's CGCS2000 Gauss-Kruger metres (the same
metres the allocation measures with), with north up.

A catchment is a walking distance; until a road layer exists walking is the
straight line times the detour factor, so the circle drawn has the radius
catchment / detour factor.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from PySide6.QtCore import QCoreApplication, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QPolygonF,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsLineItem,
    QGraphicsPathItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyleOptionGraphicsItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from allocator.project import Project
from gis.crs import gauss_kruger_epsg
from ui.language import fill

logger = logging.getLogger(__name__)

KIND_COLOURS = {
    "kindergarten": QColor("#e6862b"),
    "primary": QColor("#2b7bba"),
    "junior": QColor("#7b4fb0"),
    "clinic": QColor("#d1372f"),
}
BUILDING_VACANT = QColor("#3d9a50")
BUILDING_FULL = QColor("#7f8c99")
BUILDING_NEW = QColor("#f2b233")
SELECTION = QColor("#ffcc00")
MARKER_PX = 13


@dataclass
class Building:
    """One building: its units and counts by status."""

    key: str
    site_id: str
    name: str
    x: float
    y: float
    unit_ids: list[str]
    counts: dict[str, int]
    allocated_now: int


class BuildingItem(QGraphicsItem):
    """A building marker of fixed screen size; filled by how full it is."""

    def __init__(self, building: Building) -> None:
        super().__init__()
        self.building = building
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setPos(building.x, building.y)
        self.setZValue(30)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def boundingRect(self) -> QRectF:  # noqa: N802
        half = MARKER_PX / 2 + 4
        return QRectF(-half, -half, 2 * half, 2 * half)

    def colour(self) -> QColor:
        """Green with vacancies, amber where units were given now, grey full."""
        if self.building.allocated_now:
            return BUILDING_NEW
        if self.building.counts.get("vacant", 0):
            return BUILDING_VACANT
        return BUILDING_FULL

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        half = MARKER_PX / 2
        if self.isSelected():
            painter.setPen(QPen(SELECTION.darker(130), 2))
            painter.setBrush(QBrush(SELECTION))
            painter.drawRect(QRectF(-half - 3, -half - 3, MARKER_PX + 6,
                                    MARKER_PX + 6))
        painter.setPen(QPen(QColor("#263238"), 1))
        painter.setBrush(QBrush(self.colour()))
        painter.drawRect(QRectF(-half, -half, MARKER_PX, MARKER_PX))


class FacilityItem(QGraphicsItem):
    """A school or clinic symbol of fixed screen size."""

    def __init__(self, facility_id: str, kind: str, x: float, y: float) -> None:
        super().__init__()
        self.facility_id = facility_id
        self.kind = kind
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setPos(x, y)
        self.setZValue(40)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def boundingRect(self) -> QRectF:  # noqa: N802
        return QRectF(-13, -13, 26, 26)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self.isSelected():
            painter.setPen(QPen(SELECTION.darker(130), 2))
            painter.setBrush(QBrush(SELECTION))
            painter.drawEllipse(QPointF(0, 0), 12, 12)
        draw_symbol(painter, self.kind, QPointF(0, 0), 8)


def draw_symbol(painter: QPainter, kind: str, centre: QPointF, r: float) -> None:
    """The symbol of a facility kind (also used by the legend)."""
    colour = KIND_COLOURS.get(kind, QColor("black"))
    painter.setPen(QPen(QColor("white"), 1.5))
    painter.setBrush(QBrush(colour))
    x, y = centre.x(), centre.y()
    if kind == "kindergarten":
        painter.drawPolygon(QPolygonF([QPointF(x, y - r), QPointF(x + r, y + r * 0.8),
                                       QPointF(x - r, y + r * 0.8)]))
    elif kind == "primary":
        painter.drawEllipse(centre, r, r)
    elif kind == "junior":
        painter.drawPolygon(QPolygonF([QPointF(x, y - r), QPointF(x + r, y),
                                       QPointF(x, y + r), QPointF(x - r, y)]))
    else:
        arm = r * 0.38
        path = QPainterPath()
        path.addRect(QRectF(x - arm, y - r, 2 * arm, 2 * r))
        path.addRect(QRectF(x - r, y - arm, 2 * r, 2 * arm))
        painter.drawPath(path.simplified())


class Label(QGraphicsSimpleTextItem):
    """A text label of fixed screen size with a light halo."""

    def __init__(self, text: str, x: float, y: float, dx: float = 9,
                 dy: float = -8, layer: str | None = None) -> None:
        super().__init__(text)
        self.layer = layer
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setPos(x, y)
        self.setZValue(50)
        self.setBrush(QBrush(QColor("#1b1b1b")))
        self._offset = QPointF(dx, dy)

    def boundingRect(self) -> QRectF:  # noqa: N802
        return super().boundingRect().translated(self._offset).adjusted(-2, -1, 2, 1)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        painter.save()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(255, 255, 255, 200))
        painter.drawRoundedRect(self.boundingRect(), 2, 2)
        painter.translate(self._offset)
        super().paint(painter, option, widget)
        painter.restore()


def short_site_name(name: str) -> str:
    """The distinctive end of a long site name (…安置点四区 -> 四区)."""
    for marker in ("安置点", "安置区", "小区"):
        if marker in name and not name.endswith(marker):
            return name.rsplit(marker, 1)[1]
    return name if len(name) <= 10 else name[-8:]


def _cosmetic(colour: QColor, width: float = 1.0,
              style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
    pen = QPen(colour, width, style)
    pen.setCosmetic(True)
    return pen


class Projector:
    """CGCS2000 degrees to the county's Gauss-Kruger metres (north up)."""

    def __init__(self, project: Project) -> None:
        frames = [f for f in (project.housing_units, project.sites,
                              project.facilities, project.county) if not f.empty]
        lon = float(np.mean(frames[0].to_crs("EPSG:4490").total_bounds[[0, 2]])) \
            if frames else 105.0
        self.crs = f"EPSG:{gauss_kruger_epsg(lon)}"

    def frame(self, frame: pd.DataFrame):
        """The frame in metres."""
        if frame.crs is None:
            frame = frame.set_crs("EPSG:4490")
        return frame.to_crs(self.crs)


def _polygon_path(geometry) -> QPainterPath:
    path = QPainterPath()
    path.setFillRule(Qt.FillRule.OddEvenFill)
    parts = getattr(geometry, "geoms", [geometry])
    for part in parts:
        if part.geom_type != "Polygon":
            continue
        for ring in [part.exterior, *part.interiors]:
            coords = np.asarray(ring.coords)
            path.addPolygon(QPolygonF([QPointF(x, -y) for x, y in coords[:, :2]]))
            path.closeSubpath()
    return path


class MapScene(QGraphicsScene):
    """The layers of one project."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.buildings: dict[str, BuildingItem] = {}
        self.building_of_unit: dict[str, str] = {}
        self.facilities: dict[str, FacilityItem] = {}
        self.facility_kind: dict[str, str] = {}
        self.catchments: dict[str, list[QGraphicsEllipseItem]] = {}
        self.layers: dict[str, list[QGraphicsItem]] = {}
        self.building_labels: list[QGraphicsItem] = []
        self.links: list[QGraphicsItem] = []
        self.overlays: dict[str, list[QGraphicsItem]] = {}
        self.projector: Projector | None = None
        self.settlement_rect = QRectF()
        self.county_rect = QRectF()

    def build(self, project: Project) -> None:
        """Draw every layer of ``project``."""
        self.clear()
        self.buildings.clear()
        self.building_of_unit.clear()
        self.facilities.clear()
        self.facility_kind.clear()
        self.catchments = {kind: [] for kind in KIND_COLOURS}
        self.layers = {name: [] for name in ("county", "sites", "buildings",
                                             "facilities", "labels")}
        self.building_labels = []
        self.links = []
        self.overlays = {}
        projector = Projector(project)
        self.projector = projector

        if not project.county.empty:
            county = projector.frame(project.county)
            for geometry in county.geometry:
                item = QGraphicsPathItem(_polygon_path(geometry))
                item.setPen(_cosmetic(QColor("#6d5c46"), 1.6, Qt.PenStyle.DashLine))
                item.setBrush(QBrush(QColor("#f6f1e7")))
                item.setZValue(0)
                self.addItem(item)
                self.layers["county"].append(item)
        if not project.sites.empty:
            sites = projector.frame(project.sites)
            for row in sites.itertuples():
                geometry = row.geometry
                if geometry.geom_type in ("Polygon", "MultiPolygon"):
                    item = QGraphicsPathItem(_polygon_path(geometry))
                else:
                    point = geometry.representative_point()
                    item = QGraphicsEllipseItem(point.x - 40, -point.y - 40, 80, 80)
                item.setPen(_cosmetic(QColor("#5b8c5a"), 1.2))
                item.setBrush(QBrush(QColor(173, 214, 160, 110)))
                item.setZValue(5)
                item.setToolTip(f"{row.site_id} {row.name}")
                self.addItem(item)
                self.layers["sites"].append(item)
                anchor = geometry.representative_point()
                label = Label(short_site_name(str(row.name)), anchor.x, -anchor.y,
                              -20, -10, "sites")
                label.setToolTip(str(row.name))
                label.setFont(_small_font(bold=True))
                self.addItem(label)
                self.layers["labels"].append(label)

        self._add_buildings(project, projector)
        self._add_facilities(project, projector)
        self.update_catchments(project.rules)
        self._extents()

    def _add_buildings(self, project: Project, projector: Projector) -> None:
        units = project.housing_units
        if units.empty:
            return
        metres = projector.frame(units)
        allocations = project.allocations[
            (project.allocations["scenario"] == "base")
            & (project.allocations["kind"] == "allocated")]
        given = set(allocations["unit_id"].dropna())
        frame = pd.DataFrame({
            "unit_id": units["unit_id"].to_numpy(),
            "site_id": units["site_id"].to_numpy(),
            "building": units["building"].to_numpy(),
            "status": units["status"].to_numpy(),
            "x": metres.geometry.x.to_numpy(),
            "y": -metres.geometry.y.to_numpy(),
        })
        frame["new"] = frame["unit_id"].isin(given)
        for (site_id, name), group in frame.groupby(["site_id", "building"],
                                                    sort=True):
            key = f"{site_id}|{name}"
            building = Building(
                key=key, site_id=str(site_id), name=str(name),
                x=float(group["x"].mean()), y=float(group["y"].mean()),
                unit_ids=group["unit_id"].tolist(),
                counts=group["status"].value_counts().to_dict(),
                allocated_now=int(group["new"].sum()))
            item = BuildingItem(building)
            item.setToolTip(self._building_tip(building))
            self.addItem(item)
            self.buildings[key] = item
            self.layers["buildings"].append(item)
            for unit_id in building.unit_ids:
                self.building_of_unit[unit_id] = key
            label = Label(building.name, building.x, building.y, 9, -6, "buildings")
            label.setFont(_small_font())
            label.setVisible(False)
            self.addItem(label)
            self.building_labels.append(label)

    @staticmethod
    def _building_tip(building: Building) -> str:
        counts = building.counts
        return (f"{building.name} ({building.site_id})\n"
                + fill(QCoreApplication.translate(
                    "MapView", "套数 %1：空置 %2，已入住 %3，预留 %4，维修中 %5"),
                    len(building.unit_ids), counts.get("vacant", 0),
                    counts.get("occupied", 0), counts.get("reserved", 0),
                    counts.get("repair", 0))
                + "\n" + fill(QCoreApplication.translate(
                    "MapView", "本次分配 %1 套"), building.allocated_now))

    def _add_facilities(self, project: Project, projector: Projector) -> None:
        facilities = project.facilities
        if facilities.empty:
            return
        metres = projector.frame(facilities)
        for row, geometry in zip(facilities.itertuples(), metres.geometry):
            point = geometry.representative_point()
            item = FacilityItem(row.facility_id, row.kind, point.x, -point.y)
            item.setToolTip(f"{row.name} ({row.facility_id})\n{row.type_label} · "
                            + QCoreApplication.translate(
                                "MapView", "容量 %1").replace(
                                "%1", str(row.capacity)))
            self.addItem(item)
            self.facilities[row.facility_id] = item
            self.facility_kind[row.facility_id] = row.kind
            self.layers["facilities"].append(item)
            label = Label(str(row.name), point.x, -point.y, 11, -8, row.kind)
            label.setFont(_small_font())
            self.addItem(label)
            self.layers["labels"].append(label)

    def update_catchments(self, rules: dict) -> None:
        """Redraw the catchment circles after the rules changed."""
        visible = {kind: any(i.isVisible() for i in items)
                   for kind, items in self.catchments.items() if items}
        for items in self.catchments.values():
            for item in items:
                self.removeItem(item)
        self.catchments = {kind: [] for kind in KIND_COLOURS}
        detour = float(rules.get("detour_factor", 1.3)) or 1.0
        for facility_id, item in self.facilities.items():
            kind = self.facility_kind[facility_id]
            walk = float(rules["catchment_walk_m"].get(kind, 0))
            radius = walk / detour
            circle = QGraphicsEllipseItem(item.x() - radius, item.y() - radius,
                                          2 * radius, 2 * radius)
            colour = QColor(KIND_COLOURS[kind])
            circle.setPen(_cosmetic(colour, 1.2, Qt.PenStyle.DashLine))
            colour.setAlpha(22)
            circle.setBrush(QBrush(colour))
            circle.setZValue(10)
            circle.setVisible(visible.get(kind, kind != "clinic"))
            circle.setToolTip(QCoreApplication.translate(
                "MapView", "服务半径：步行 %1 m（直线 %2 m）")
                              .replace("%1", f"{walk:,.0f}")
                              .replace("%2", f"{radius:,.0f}"))
            self.addItem(circle)
            self.catchments[kind].append(circle)

    def _extents(self) -> None:
        rect = QRectF()
        for name in ("sites", "buildings", "facilities"):
            for item in self.layers[name]:
                rect = rect.united(item.sceneBoundingRect())
        self.settlement_rect = rect
        county = QRectF()
        for item in self.layers["county"]:
            county = county.united(item.sceneBoundingRect())
        self.county_rect = county if not county.isEmpty() else rect
        whole = self.county_rect.united(rect)
        margin = max(whole.width(), whole.height(), 1000.0) * 0.5
        self.setSceneRect(whole.adjusted(-margin, -margin, margin, margin))

    def show_marks(self, name: str, marks: dict[str, tuple[int, QColor, str]],
                   points: dict[str, Any] | None = None) -> int:
        """Rings around the buildings of some units (one overlay per ``name``:
        alerts, scenario differences). ``marks`` maps a unit to (rank,
        colour, text); a building shows the colour of its lowest rank and
        every text in its tooltip. A unit not on the map (a scenario's new
        unit) is drawn at its point in ``points`` (CGCS2000 shapely points),
        if given. Returns the number of rings drawn."""
        for item in self.overlays.pop(name, []):
            self.removeItem(item)
        by_building: dict[str, list[tuple[int, QColor, str]]] = {}
        where: dict[str, QPointF] = {}
        for unit_id, mark in marks.items():
            key = self.building_of_unit.get(unit_id)
            if key is not None:
                where[key] = self.buildings[key].pos()
            elif points and unit_id in points and self.projector is not None:
                key = f"point|{unit_id}"
                metres = self.projector.frame(gpd.GeoDataFrame(
                    geometry=[points[unit_id]], crs="EPSG:4490")).geometry.iloc[0]
                where[key] = QPointF(metres.x, -metres.y)
            else:
                continue
            by_building.setdefault(key, []).append(mark)
        items = []
        for key, found in by_building.items():
            _rank, colour, _text = min(found, key=lambda m: m[0])
            ring = QGraphicsEllipseItem(-10, -10, 20, 20)
            ring.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
            ring.setPos(where[key])
            ring.setPen(QPen(colour, 2.5))
            ring.setBrush(Qt.BrushStyle.NoBrush)
            ring.setZValue(32)
            texts = [m[2] for m in sorted(found, key=lambda m: m[0])]
            more = len(texts) - 12
            ring.setToolTip("\n".join(texts[:12]) + (f"\n… +{more}" if more > 0
                                                       else ""))
            self.addItem(ring)
            items.append(ring)
        self.overlays[name] = items
        return len(items)

    def show_links(self, unit_id: str | None,
                   links: list[tuple[str, str, float | None]]) -> None:
        """Lines from a unit's building to its facilities (kind, id, walk m)."""
        for item in self.links:
            self.removeItem(item)
        self.links = []
        key = self.building_of_unit.get(unit_id) if unit_id else None
        if key is None:
            return
        start = self.buildings[key].pos()
        for kind, facility_id, walk in links:
            target = self.facilities.get(facility_id)
            if target is None:
                continue
            line = QGraphicsLineItem(start.x(), start.y(), target.x(), target.y())
            line.setPen(_cosmetic(KIND_COLOURS.get(kind, QColor("black")), 2.6))
            line.setZValue(35)
            self.addItem(line)
            self.links.append(line)
            if walk is not None:
                middle = (start + target.pos()) / 2
                label = Label(f"{walk:,.0f} m", middle.x(), middle.y(), 4, -4,
                              "links")
                label.setFont(_small_font())
                self.addItem(label)
                self.links.append(label)


def _small_font(bold: bool = False) -> QFont:
    font = QFont()
    font.setPointSizeF(max(7.5, font.pointSizeF() * 0.9))
    font.setBold(bold)
    return font


class Legend(QFrame):
    """Symbols of the map with switches for each layer."""

    toggled = Signal(str, bool)
    resized = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mapLegend")
        self.setStyleSheet("#mapLegend { background: rgba(255, 255, 255, 225);"
                           " border: 1px solid #9aa5b1; border-radius: 3px; }")
        self.boxes: dict[str, QCheckBox] = {}
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 2, 4, 4)
        outer.setSpacing(0)
        self.toggle = QToolButton(self)
        self.toggle.setText(self.tr("图例"))
        self.toggle.setCheckable(True)
        self.toggle.setChecked(True)
        self.toggle.setAutoRaise(True)
        self.toggle.setArrowType(Qt.ArrowType.DownArrow)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setToolTip(self.tr("显示或收起图例"))
        font = self.toggle.font()
        font.setBold(True)
        self.toggle.setFont(font)
        self.toggle.toggled.connect(self._expand)
        outer.addWidget(self.toggle)
        self.content = QWidget(self)
        outer.addWidget(self.content)
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(2, 0, 2, 0)
        layout.setSpacing(1)
        rows = [
            ("county", self.tr("县界"), self._swatch_line(QColor("#6d5c46"))),
            ("sites", self.tr("安置点"), self._swatch_fill(QColor(173, 214, 160))),
            ("buildings", self.tr("楼栋：有空置房"),
             self._swatch_fill(BUILDING_VACANT)),
            (None, self.tr("楼栋：本次有分配"), self._swatch_fill(BUILDING_NEW)),
            (None, self.tr("楼栋：已满"), self._swatch_fill(BUILDING_FULL)),
            ("kindergarten", self.tr("幼儿园"), self._swatch_symbol("kindergarten")),
            ("primary", self.tr("小学"), self._swatch_symbol("primary")),
            ("junior", self.tr("初中"), self._swatch_symbol("junior")),
            ("clinic", self.tr("卫生室／卫生服务中心"), self._swatch_symbol("clinic")),
        ]
        for key, text, pixmap in rows:
            row = QHBoxLayout()
            row.setSpacing(4)
            icon = QLabel(self.content)
            icon.setPixmap(pixmap)
            row.addWidget(icon)
            if key is None:
                row.addSpacing(4)
                row.addWidget(QLabel(text, self.content), 1)
            else:
                box = QCheckBox(text, self.content)
                box.setChecked(True)
                box.toggled.connect(lambda on, k=key: self.toggled.emit(k, on))
                self.boxes[key] = box
                row.addWidget(box, 1)
            layout.addLayout(row)
        caption = QLabel(self.tr("服务半径圈（虚线）"), self.content)
        layout.addWidget(caption)
        circles = QHBoxLayout()
        circles.setSpacing(2)
        for kind, text in (("kindergarten", self.tr("幼")), ("primary", self.tr("小")),
                           ("junior", self.tr("初")), ("clinic", self.tr("卫"))):
            box = QCheckBox(text, self.content)
            box.setChecked(kind != "clinic")
            box.setToolTip(self.tr("显示或隐藏此类设施的服务半径圈"))
            box.toggled.connect(
                lambda on, k=kind: self.toggled.emit(f"catchment:{k}", on))
            self.boxes[f"catchment:{kind}"] = box
            circles.addWidget(box)
        circles.addStretch(1)
        layout.addLayout(circles)

    def _expand(self, on: bool) -> None:
        self.content.setVisible(on)
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if on
                                 else Qt.ArrowType.RightArrow)
        self.adjustSize()
        self.resized.emit()

    @staticmethod
    def _pixmap() -> QPixmap:
        pixmap = QPixmap(QSize(18, 14))
        pixmap.fill(Qt.GlobalColor.transparent)
        return pixmap

    def _swatch_fill(self, colour: QColor) -> QPixmap:
        pixmap = self._pixmap()
        painter = QPainter(pixmap)
        painter.setPen(QPen(QColor("#263238")))
        painter.setBrush(QBrush(colour))
        painter.drawRect(3, 1, 11, 11)
        painter.end()
        return pixmap

    def _swatch_line(self, colour: QColor) -> QPixmap:
        pixmap = self._pixmap()
        painter = QPainter(pixmap)
        painter.setPen(QPen(colour, 2, Qt.PenStyle.DashLine))
        painter.drawLine(1, 7, 17, 7)
        painter.end()
        return pixmap

    def _swatch_symbol(self, kind: str) -> QPixmap:
        pixmap = self._pixmap()
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        draw_symbol(painter, kind, QPointF(9, 7), 6)
        painter.end()
        return pixmap


class MapView(QGraphicsView):
    """Pan (drag), zoom (wheel), select (click) and a legend.

    Signals
    -------
    building_clicked(list)
        Unit ids of the building the user selected on the map.
    facility_clicked(str)
        The facility id the user selected on the map.
    sample_requested()
        The user asked for the sample county from the empty map.
    """

    building_clicked = Signal(list)
    facility_clicked = Signal(str)
    sample_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.map_scene = MapScene(self)
        self.setScene(self.map_scene)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setBackgroundBrush(QBrush(QColor("#dde6ea")))
        self.setMinimumSize(200, 100)
        self.legend = Legend(self)
        self.legend.toggled.connect(self.set_layer_visible)
        self.legend.resized.connect(self._place_legend)
        self.empty_text = self.tr("打开或导入一个项目后，这里显示县界、安置点、"
                                  "楼栋、学校和卫生服务设施。")
        # The first screen offers the sample county at once.
        self.sample_button = QPushButton(self.tr("打开示例县（昭觉县）"), self)
        self.sample_button.setObjectName("sampleButton")
        self.sample_button.clicked.connect(self.sample_requested)
        self.legend.hide()
        self._syncing = False
        self._has_project = False
        self.marks: dict[str, tuple[dict, dict]] = {}
        self.map_scene.selectionChanged.connect(self._selection_changed)

    # -- content --------------------------------------------------------------
    def set_project(self, project: Project | None) -> None:
        """Draw ``project`` (or clear the map) and zoom to the settlement area."""
        self._syncing = True
        try:
            if project is None:
                self.map_scene.clear()
                self.map_scene.buildings.clear()
                self.map_scene.facilities.clear()
                self.map_scene.overlays = {}
                self._has_project = False
            else:
                self.map_scene.build(project)
                self._has_project = True
                for key, box in self.legend.boxes.items():
                    self.set_layer_visible(key, box.isChecked())
                for name, (marks, points) in self.marks.items():
                    self.map_scene.show_marks(name, marks, points)
            self.legend.setVisible(self._has_project)
            self.sample_button.setVisible(not self._has_project)
            self._place_legend()
        finally:
            self._syncing = False
        self.zoom_settlement()

    def show_marks(self, name: str, marks: dict[str, tuple[int, QColor, str]],
                   points: dict[str, Any] | None = None) -> int:
        """Show (and keep across redraws) one overlay of marked units; see
        :meth:`MapScene.show_marks`."""
        self.marks[name] = (dict(marks), dict(points or {}))
        if not self._has_project:
            return 0
        return self.map_scene.show_marks(name, marks, points)

    def refresh(self, project: Project) -> None:
        """Redraw after an allocation, keeping the current view."""
        centre = self.mapToScene(self.viewport().rect().center())
        transform = self.transform()
        self.set_project(project)
        self.setTransform(transform)
        self.centerOn(centre)
        self._update_detail()

    def set_layer_visible(self, key: str, visible: bool) -> None:
        """Show or hide one layer (legend switches call this)."""
        scene = self.map_scene
        if key.startswith("catchment:"):
            for item in scene.catchments.get(key.split(":", 1)[1], []):
                item.setVisible(visible)
            return
        if key in scene.layers:
            for item in scene.layers[key]:
                if not isinstance(item, Label):
                    item.setVisible(visible)
        for facility_id, item in scene.facilities.items():
            if scene.facility_kind[facility_id] == key:
                item.setVisible(visible)
        self._update_detail()

    # -- navigation ------------------------------------------------------------
    def zoom_settlement(self) -> None:
        """Fit the settlement sites, buildings and facilities."""
        rect = self.map_scene.settlement_rect
        if rect.isEmpty():
            rect = self.map_scene.itemsBoundingRect()
        if not rect.isEmpty():
            self.fitInView(rect.adjusted(-rect.width() * 0.08, -rect.height() * 0.08,
                                         rect.width() * 0.08, rect.height() * 0.08),
                           Qt.AspectRatioMode.KeepAspectRatio)
        self._update_detail()

    def zoom_county(self) -> None:
        """Fit the whole county."""
        rect = self.map_scene.county_rect
        if not rect.isEmpty():
            self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        self._update_detail()

    def zoom_by(self, factor: float) -> None:
        """Zoom in (factor > 1) or out around the view centre."""
        anchor = self.transformationAnchor()
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.scale(factor, factor)
        self.setTransformationAnchor(anchor)
        self._update_detail()

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        steps = event.angleDelta().y() / 120.0
        if steps:
            factor = 1.25 ** steps
            scale = self.transform().m11() * factor
            if 1e-5 < scale < 200:
                self.scale(factor, factor)
                self._update_detail()
        event.accept()

    def _update_detail(self) -> None:
        self._declutter()

    def _declutter(self) -> None:
        """Show labels whose layer is on, hiding any that would overlap one
        shown before it (the selected household's distances first, then
        sites, facilities and buildings)."""
        scene = self.map_scene
        buildings_on = self._layer_on("buildings") and self.transform().m11() > 0.9
        ordered = [i for i in scene.links if isinstance(i, Label)]
        ordered += list(scene.layers.get("labels", []))
        ordered += list(scene.building_labels)
        taken: list[QRectF] = []
        for label in ordered:
            if label.layer == "buildings":
                wanted = buildings_on
            else:
                wanted = label.layer is None or self._layer_on(label.layer)
            if not wanted:
                label.setVisible(False)
                continue
            origin = self.mapFromScene(label.pos())
            rect = label.boundingRect().translated(origin.x(), origin.y())
            clash = any(rect.intersects(other) for other in taken)
            label.setVisible(not clash)
            if not clash:
                taken.append(rect)

    def _layer_on(self, key: str) -> bool:
        box = self.legend.boxes.get(key)
        return box is None or box.isChecked()

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._place_legend()

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        self._place_legend()

    def _place_legend(self) -> None:
        self.sample_button.adjustSize()
        button = self.sample_button.sizeHint()
        self.sample_button.setGeometry(
            (self.width() - button.width()) // 2, self.height() // 2 + 40,
            button.width(), button.height())
        self.legend.adjustSize()
        hint = self.legend.sizeHint()
        self.legend.setGeometry(8, 8, hint.width(), hint.height())
        if self.height() < hint.height() + 40 and self.legend.toggle.isChecked():
            self.legend.toggle.setChecked(False)

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802
        painter.save()
        painter.resetTransform()
        if not self._has_project:
            painter.setPen(QColor("#46535f"))
            area = self.viewport().rect().adjusted(30, 30, -30, -30)
            area.setBottom(self.sample_button.geometry().top() - 12)
            painter.drawText(area, int(Qt.AlignmentFlag.AlignHCenter
                                       | Qt.AlignmentFlag.AlignBottom
                                       | Qt.TextFlag.TextWordWrap), self.empty_text)
            painter.restore()
            return
        self._draw_scale_bar(painter)
        self._draw_north(painter)
        painter.restore()

    def _draw_scale_bar(self, painter: QPainter) -> None:
        pixels_per_metre = self.transform().m11()
        if pixels_per_metre <= 0:
            return
        target = 110 / pixels_per_metre
        power = 10 ** math.floor(math.log10(target))
        metres = max(m * power for m in (1, 2, 5) if m * power <= target)
        width = metres * pixels_per_metre
        view = self.viewport().rect()
        x0, y0 = view.width() - width - 18, view.height() - 18
        painter.setPen(QPen(QColor("#263238"), 2))
        painter.setBrush(QColor(255, 255, 255, 200))
        painter.fillRect(QRectF(x0 - 6, y0 - 20, width + 12, 28),
                         QColor(255, 255, 255, 200))
        painter.drawLine(QPointF(x0, y0), QPointF(x0 + width, y0))
        painter.drawLine(QPointF(x0, y0 - 4), QPointF(x0, y0 + 2))
        painter.drawLine(QPointF(x0 + width, y0 - 4), QPointF(x0 + width, y0 + 2))
        text = f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"
        painter.drawText(QRectF(x0, y0 - 20, width, 16),
                         int(Qt.AlignmentFlag.AlignCenter), text)

    def _draw_north(self, painter: QPainter) -> None:
        view = self.viewport().rect()
        x, y = view.width() - 22, 30
        painter.setPen(QPen(QColor("#263238"), 1.5))
        painter.setBrush(QColor("#263238"))
        painter.drawPolygon(QPolygonF([QPointF(x, y - 16), QPointF(x + 6, y),
                                       QPointF(x - 6, y)]))
        painter.drawText(QRectF(x - 8, y + 1, 16, 16),
                         int(Qt.AlignmentFlag.AlignCenter), "N")

    # -- selection -------------------------------------------------------------
    def _selection_changed(self) -> None:
        if self._syncing:
            return
        selected = self.map_scene.selectedItems()
        if not selected:
            return
        item = selected[0]
        if isinstance(item, BuildingItem):
            self.building_clicked.emit(list(item.building.unit_ids))
        elif isinstance(item, FacilityItem):
            self.facility_clicked.emit(item.facility_id)

    def select_units(self, unit_ids: list[str], centre: bool = True) -> None:
        """Highlight the buildings of these units (from a table)."""
        keys = {self.map_scene.building_of_unit.get(u) for u in unit_ids} - {None}
        self._select([self.map_scene.buildings[k] for k in keys], centre)

    def select_facility(self, facility_id: str, centre: bool = True) -> None:
        """Highlight one facility (from a table)."""
        item = self.map_scene.facilities.get(facility_id)
        self._select([item] if item else [], centre)

    def show_household(self, unit_id: str | None,
                       links: list[tuple[str, str, float | None]]) -> None:
        """Highlight a household's building and draw its school/clinic lines."""
        self.map_scene.show_links(unit_id, links)
        self.select_units([unit_id] if unit_id else [], centre=True)
        self._declutter()

    def selected_keys(self) -> list[str]:
        """Keys of the selected map items (building keys or facility ids)."""
        keys = []
        for item in self.map_scene.selectedItems():
            if isinstance(item, BuildingItem):
                keys.append(item.building.key)
            elif isinstance(item, FacilityItem):
                keys.append(item.facility_id)
        return keys

    def _select(self, items: list[QGraphicsItem], centre: bool) -> None:
        self._syncing = True
        try:
            self.map_scene.clearSelection()
            for item in items:
                item.setSelected(True)
        finally:
            self._syncing = False
        if centre and items:
            visible = self.mapToScene(self.viewport().rect()).boundingRect()
            if not any(visible.contains(item.pos()) for item in items):
                self.centerOn(items[0])
