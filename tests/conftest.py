"""Shared fixtures: the tiny hand-checked county and the bundled sample."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

TINY = Path(__file__).parent / "data" / "tiny"
# The tiny case's school year: ages count on 2026-09-01.
TINY_TODAY = dt.date(2026, 3, 1)


@pytest.fixture(scope="session")
def tiny_inputs():
    from allocator.importer import ImportInputs

    return ImportInputs(
        register=TINY / "register.csv", sites=TINY / "sites.geojson",
        units=TINY / "units.csv", facilities=TINY / "facilities.csv",
        county=TINY / "county.geojson")


@pytest.fixture()
def tiny_project(tiny_inputs):
    from allocator.importer import import_files

    result = import_files(tiny_inputs)
    assert result.errors == [], [str(p) for p in result.errors]
    return result.project
