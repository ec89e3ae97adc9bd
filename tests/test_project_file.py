"""The project GeoPackage: round trip, atomic save, schema version."""

from __future__ import annotations

import sqlite3

import pyogrio
import pytest

from allocator.allocate import solve_project, store_outcome
from allocator.project import SCHEMA_VERSION, ProjectError, load_project, save_project
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


KILLER = """
import sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
from allocator.project import load_project, save_project
project = load_project(Path({source!r}))
print("ready", flush=True)
round = 0
while True:
    round += 1
    project.metadata["round"] = str(round)
    save_project(project, Path({target!r}))
"""


def test_kill_during_save_leaves_a_whole_project(tiny_project, tmp_path):
    import os
    import random
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    source = tmp_path / "source.gpkg"
    target = tmp_path / "project.gpkg"
    save_project(tiny_project, source)
    save_project(tiny_project, target)
    root = str(Path(__file__).resolve().parents[1])
    rng = random.Random(5)
    for _ in range(3):
        child = subprocess.Popen(
            [sys.executable, "-c", KILLER.format(root=root, source=str(source),
                                                 target=str(target))],
            stdout=subprocess.PIPE, text=True)
        assert child.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.2, 0.8))
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        reopened = load_project(target)
        assert list(reopened.members["id_number"]) == list(
            tiny_project.members["id_number"])
    # The next save clears what the killed saves left behind: an unfinished
    # copy is removed; one killed after its last table and before the rename
    # (rare, and likelier on a busy machine) is whole and kept under its own
    # name for the planner to look at.
    save_project(tiny_project, target)
    kept = sorted(tmp_path.glob("project.interrupted-save-*.gpkg"))
    for copy in kept:
        assert list(load_project(copy).members["id_number"]) == list(
            tiny_project.members["id_number"])
    assert sorted(p.name for p in tmp_path.iterdir()
                  if p not in kept) == ["project.gpkg", "source.gpkg"]


def test_older_schema_is_migrated(tiny_project, tmp_path):
    path = tmp_path / "old.gpkg"
    save_project(tiny_project, path)
    with sqlite3.connect(path) as db:
        db.execute("update metadata set value = '0' where key = 'schema_version'")
        db.execute("alter table households drop column needs_accessible")
        for table in ("scenarios", "locks"):  # tables version 0 did not have
            db.execute(f"drop table {table}")
            db.execute(f"delete from gpkg_contents where table_name = '{table}'")
    project = load_project(path)
    assert project.metadata["migrated_from"] == "0"
    assert project.households["needs_accessible"].tolist() == [False] * 6
    assert project.scenarios.empty
    assert project.ledger.iloc[-1]["action"] == "migrate"
    save_project(project, path)
    assert load_project(path).metadata["schema_version"] == str(SCHEMA_VERSION)


def test_damaged_file_is_named_with_what_to_do(tiny_project, tmp_path):
    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 40000] = bytes(range(256)) * (40000 // 256) + bytes(
        40000 % 256)
    path.write_bytes(bytes(data))
    with pytest.raises(ProjectError, match=r"p\.gpkg: the project file is damaged "
                       r"and cannot be read \(.+\); open a backup copy of it"):
        load_project(path)


def test_a_missing_table_is_named_without_a_library_warning(tiny_project, tmp_path):
    # Found by a new user: pyogrio's RuntimeWarning (naming a file inside the
    # installed library) came before the project's own message.
    import sqlite3
    import warnings

    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    with sqlite3.connect(path) as connection:
        connection.execute("DROP TABLE ledger")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ProjectError, match=r"p\.gpkg: damaged project, "
                           "missing ledger; open a backup"):
            load_project(path)
    assert [w for w in caught if issubclass(w.category, RuntimeWarning)] == []


def test_a_project_without_its_metadata_is_damaged_not_foreign(tiny_project,
                                                               tmp_path):
    # Found by a new user: with the metadata table dropped, the message said
    # the file was not a project and to create one by importing, which
    # would start a new ledger.
    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    with sqlite3.connect(path) as connection:
        connection.execute("DROP TABLE metadata")
    with pytest.raises(ProjectError, match=r"p\.gpkg: damaged project, missing "
                       r"metadata; open a backup \(importing again"):
        load_project(path)
    # A GeoPackage of another program is named by what it holds.
    other = tmp_path / "sites.gpkg"
    pyogrio.write_dataframe(tiny_project.sites, other, layer="sites", driver="GPKG")
    with pytest.raises(ProjectError, match=r"sites\.gpkg: not an allocator project "
                       r"\(it holds sites\); open the \.gpkg file the allocator"):
        load_project(other)


def test_a_layer_or_table_added_in_another_program_is_kept(tiny_project, tmp_path):
    # Found by a new user: a road layer drawn in QGIS, and a plain table, were
    # gone after the next save.
    import geopandas as gpd
    from shapely.geometry import LineString

    folder = tmp_path / "county's plans"
    folder.mkdir()
    path = folder / "p 1.gpkg"
    save_project(tiny_project, path)
    roads = gpd.GeoDataFrame({"name": ["新建道路"]}, geometry=[LineString(
        [(102.84, 28.02), (102.86, 28.05)])], crs="EPSG:4490")
    pyogrio.write_dataframe(roads, path, layer="roads_planner", driver="GPKG",
                            append=False)
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
        db.execute("INSERT INTO notes VALUES (1, '二期用地')")
    project = load_project(path)
    project.rules["lottery_seed"] = 3
    save_project(project, path)
    assert load_project(path).rules["lottery_seed"] == 3
    kept = pyogrio.read_dataframe(path, layer="roads_planner")
    assert kept["name"].tolist() == ["新建道路"]
    assert kept.geometry.iloc[0].equals(roads.geometry.iloc[0])
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT * FROM notes").fetchall() == [(1, "二期用地")]
