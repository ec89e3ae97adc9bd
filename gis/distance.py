"""Walking distances between unit locations and facilities.

Until a project has a road layer, the walking distance is the straight-line
distance in the county's Gauss-Kruger zone times a detour factor. Pairs are
taken from a spatial index (an STRtree query within the largest catchment),
so no full distance matrix is ever built.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from gis.crs import gauss_kruger_epsg

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reach:
    """Origin-facility pairs within a walking distance, in metres."""

    origin: np.ndarray
    facility: np.ndarray
    walk_m: np.ndarray


def metric_crs_for(frame: gpd.GeoDataFrame) -> str:
    """The CGCS2000 Gauss-Kruger zone for the centre of ``frame``."""
    lon = float(np.mean(frame.to_crs("EPSG:4490").total_bounds[[0, 2]]))
    return f"EPSG:{gauss_kruger_epsg(lon)}"


def within_walk(
    origins: gpd.GeoSeries,
    facilities: gpd.GeoSeries,
    max_walk_m: np.ndarray | float,
    detour: float,
    metric_crs: str,
) -> Reach:
    """All (origin, facility) pairs whose walking distance is at most the limit.

    Parameters
    ----------
    origins, facilities
        Point geometries in any CRS; both are projected to ``metric_crs``.
    max_walk_m
        Walking limit per facility (array) or one for all.
    detour
        Walking distance = straight-line distance x ``detour``.
    """
    origin_xy = origins.to_crs(metric_crs).values
    facility_xy = facilities.to_crs(metric_crs).values
    limits = np.broadcast_to(np.asarray(max_walk_m, dtype=float), (len(facility_xy),))
    if len(origin_xy) == 0 or len(facility_xy) == 0:
        empty = np.array([], dtype=int)
        return Reach(empty, empty, np.array([], dtype=float))

    tree = shapely.STRtree(origin_xy)
    radius = float(limits.max()) / detour
    facility_index, origin_index = tree.query(facility_xy, predicate="dwithin",
                                              distance=radius)
    straight = shapely.distance(origin_xy[origin_index], facility_xy[facility_index])
    walk = straight * detour
    keep = walk <= limits[facility_index] + 1e-9
    logger.debug("distance pairs: %d candidates, %d within catchment",
                 len(walk), int(keep.sum()))
    return Reach(origin_index[keep], facility_index[keep], walk[keep])


def nearest_walk(
    origins: gpd.GeoSeries, facilities: gpd.GeoSeries, detour: float, metric_crs: str
) -> tuple[np.ndarray, np.ndarray]:
    """For each origin, the nearest facility and its walking distance."""
    origin_xy = origins.to_crs(metric_crs).values
    facility_xy = facilities.to_crs(metric_crs).values
    if len(facility_xy) == 0:
        return (np.full(len(origin_xy), -1), np.full(len(origin_xy), np.inf))
    tree = shapely.STRtree(facility_xy)
    origin_index, facility_index = tree.query_nearest(origin_xy, all_matches=False)
    distance = np.full(len(origin_xy), np.inf)
    nearest = np.full(len(origin_xy), -1)
    nearest[origin_index] = facility_index
    distance[origin_index] = shapely.distance(
        origin_xy[origin_index], facility_xy[facility_index]) * detour
    return nearest, distance
