"""The project GeoPackage: round trip, atomic save, schema version."""

from __future__ import annotations

import sqlite3

import pyogrio
import pytest

from allocator.allocate import solve_project, store_outcome
from allocator.project import ProjectError, load_project, save_project
from tests.conftest import TINY_TODAY


def test_round_trip_keeps_everything(tiny_project, tmp_path):
    store_outcome(tiny_project, solve_project(tiny_project, backend="highs",
                                              today=TINY_TODAY))
    path = tmp_path / "项目 文件" / "昭觉.gpkg"
    save_project(tiny_project, path)
    again = load_project(path)
    assert list(again.members["name"]) == list(tiny_project.members["name"])
    assert list(again.members["id_number"]) == list(tiny_project.members["id_number"])
    assert again.housing_units.crs.to_epsg() == 4490
    assert again.rules == tiny_project.rules
    assert len(again.ledger) == len(tiny_project.ledger) == 2
    assert set(again.allocations["unit_id"].dropna()) == {
        "A-301", "A-101", "A-201", "B-101", "B-201"}
    layers = dict(pyogrio.list_layers(path))
    assert layers["housing_units"] == "Point"
    assert layers["county"] in ("Polygon", "MultiPolygon")
    with sqlite3.connect(path) as db:
        contents = dict(db.execute("select table_name, data_type from gpkg_contents"))
    assert contents["households"] == "attributes"
    assert contents["sites"] == "features"


def test_failed_save_leaves_previous_file_intact(tiny_project, tmp_path):
    path = tmp_path / "project.gpkg"
    save_project(tiny_project, path)
    before = path.read_bytes()
    tiny_project.households.loc[0, "category"] = "工程搬迁"

    def fail(layer: str) -> None:
        if layer == "members":
            raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        save_project(tiny_project, path, fail_after=fail)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["project.gpkg"]
    assert load_project(path).households.loc[0, "category"] == "易地扶贫搬迁"


def test_newer_schema_is_refused(tiny_project, tmp_path):
    path = tmp_path / "project.gpkg"
    save_project(tiny_project, path)
    with sqlite3.connect(path) as db:
        db.execute("update metadata set value = '99' where key = 'schema_version'")
    with pytest.raises(ProjectError, match="newer version"):
        load_project(path)


def test_not_a_project_is_refused(tmp_path):
    path = tmp_path / "other.gpkg"
    path.write_bytes(b"not a database")
    with pytest.raises(ProjectError, match="other.gpkg"):
        load_project(path)
