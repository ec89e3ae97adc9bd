"""Coordinate systems: CGCS2000 storage, Gauss-Kruger metres, GCJ-02 / BD-09.

The project stores geometry in CGCS2000 geographic coordinates (EPSG:4490)
and measures distances in the CGCS2000 3-degree Gauss-Kruger zone whose
central meridian is nearest to the county (EPSG:4534 for 75 E up to
EPSG:4554 for 135 E). CGCS2000 and WGS84 agree to within about a metre,
which is far below the precision of any catchment, so WGS84 input is taken
as CGCS2000 without a datum shift.

GCJ-02 is the obfuscated system of Chinese web maps and BD-09 is Baidu's
further offset of it. Their forward formulas are public; the inverse here is
a fixed-point iteration on the forward formula, accurate well below a metre.
"""

from __future__ import annotations

import math

import numpy as np

STORAGE_CRS = "EPSG:4490"

# China's rough extent, used to tell a real position from a typo or swapped
# columns (and to decide where the GCJ-02 offset applies).
CHINA_LON = (73.0, 135.5)
CHINA_LAT = (3.5, 53.6)

_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = math.pi * 3000.0 / 180.0


def gauss_kruger_epsg(longitude: float) -> int:
    """EPSG code of the CGCS2000 3-degree Gauss-Kruger zone for a longitude."""
    central = int(round(longitude / 3.0)) * 3
    central = min(max(central, 75), 135)
    return 4534 + (central - 75) // 3


def inside_china(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """True where a point lies in China's bounding box."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    return (
        (lon >= CHINA_LON[0]) & (lon <= CHINA_LON[1])
        & (lat >= CHINA_LAT[0]) & (lat <= CHINA_LAT[1])
    )


def _offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = lon - 105.0
    y = lat - 35.0
    dlat = (
        -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y
        + 0.2 * np.sqrt(np.abs(x))
        + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2 / 3
        + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2 / 3
        + (160.0 * np.sin(y / 12.0 * np.pi) + 320 * np.sin(y * np.pi / 30.0)) * 2 / 3
    )
    dlon = (
        300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y
        + 0.1 * np.sqrt(np.abs(x))
        + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2 / 3
        + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2 / 3
        + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2 / 3
    )
    rad = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad) * np.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Forward GCJ-02 obfuscation (identity outside China)."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    dlon, dlat = _offset(lon, lat)
    inside = inside_china(lon, lat)
    return np.where(inside, lon + dlon, lon), np.where(inside, lat + dlat, lat)


def gcj02_to_wgs84(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of :func:`wgs84_to_gcj02` by fixed-point iteration."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    guess_lon, guess_lat = lon.copy(), lat.copy()
    for _ in range(30):
        fwd_lon, fwd_lat = wgs84_to_gcj02(guess_lon, guess_lat)
        err_lon, err_lat = fwd_lon - lon, fwd_lat - lat
        guess_lon = guess_lon - err_lon
        guess_lat = guess_lat - err_lat
        if np.nanmax(np.abs(err_lon), initial=0) < 1e-9 and np.nanmax(
            np.abs(err_lat), initial=0
        ) < 1e-9:
            break
    return guess_lon, guess_lat


def bd09_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Baidu BD-09 to GCJ-02."""
    x = np.asarray(lon, dtype=float) - 0.0065
    y = np.asarray(lat, dtype=float) - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def to_cgcs2000(lon, lat, system: str) -> tuple[np.ndarray, np.ndarray]:
    """Convert coordinates given in ``system`` to CGCS2000 / WGS84 degrees.

    ``system`` is one of wgs84, cgcs2000, gcj02, bd09.
    """
    system = system.lower().replace("-", "")
    if system in ("wgs84", "cgcs2000"):
        return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    if system == "gcj02":
        return gcj02_to_wgs84(lon, lat)
    if system == "bd09":
        return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))
    raise ValueError(f"unknown coordinate system {system!r}")
