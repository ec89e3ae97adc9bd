"""Shared fixtures: the tiny hand-checked county and the bundled sample."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

TINY = Path(__file__).parent / "data" / "tiny"
# The tiny case is allocated in the 2026/27 school year: ages count on
# 2026-09-01, and H1 and H2 have been waiting 2 and 1 full years.
TINY_TODAY = dt.date(2026, 10, 1)


def tiny_solved_by_cli(path: Path, data: Path = TINY) -> Path:
    """The tiny county (its files in ``data``, a copy changed by a test)
    imported into ``path`` and solved, by the CLI as a planner runs it
    (CP-SAT, on TINY_TODAY)."""
    from allocator.cli import main

    assert main(["import", "--register", str(data / "register.csv"),
                 "--sites", str(data / "sites.geojson"),
                 "--units", str(data / "units.csv"),
                 "--facilities", str(data / "facilities.csv"),
                 "--county", str(data / "county.geojson"), "--out", str(path)]) == 0
    assert main(["solve", str(path), "--backend", "cpsat",
                 "--date", TINY_TODAY.isoformat()]) == 0
    return path


def petition_excluding_a201(project, folder: Path, capsys) -> tuple[list[str], dict]:
    """Save ``project`` and run ``allocator petition`` for H2 refusing A-201 (CP-SAT,
    on TINY_TODAY) as a planner would; its output lines and its --json file."""
    import json

    from allocator.cli import main
    from allocator.project import save_project

    path = folder / "p.gpkg"
    save_project(project, path)
    capsys.readouterr()
    out_json = folder / "trial.json"
    assert main(["petition", str(path), "--household", "H2", "--exclude-unit",
                 "A-201", "--backend", "cpsat", "--date", TINY_TODAY.isoformat(),
                 "--json", str(out_json)]) == 0
    lines = capsys.readouterr().out.splitlines()
    return lines, json.loads(out_json.read_text(encoding="utf-8"))


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


@pytest.fixture(scope="session")
def sample_import():
    """The bundled 昭觉 sample, imported once through the normal import path."""
    from allocator.importer import ImportInputs, import_files
    from sample_data import sample_files

    files = sample_files()
    result = import_files(ImportInputs(
        register=files["register"], sites=files["sites"], units=files["units"],
        facilities=files["facilities"], county=files["county"]))
    assert result.errors == [], [str(p) for p in result.errors[:5]]
    return result.project


def cut_project(project, site_ids, waiting_share, seed):
    """A smaller county: the units of some sub-sites, their occupants, and a
    random share of the waiting households (seeded)."""
    import copy

    import numpy as np

    part = copy.deepcopy(project)
    units = part.housing_units[part.housing_units["site_id"].isin(site_ids)]
    occupants = set(units["household_id"].dropna())
    housed_anywhere = set(part.housing_units["household_id"].dropna())
    waiting = sorted(set(part.households["household_id"]) - housed_anywhere)
    rng = np.random.default_rng(seed)
    chosen = set(rng.choice(waiting, size=int(len(waiting) * waiting_share),
                            replace=False))
    keep = occupants | chosen
    part.housing_units = units.reset_index(drop=True)
    part.households = part.households[
        part.households["household_id"].isin(keep)].reset_index(drop=True)
    part.members = part.members[
        part.members["household_id"].isin(keep)].reset_index(drop=True)
    return part


@pytest.fixture(scope="session")
def medium_project(sample_import):
    """Sub-site 四区 (most vacancies) with a third of the waiting list."""
    return cut_project(sample_import, ["ZJ01-4"], 1 / 3, seed=7)


@pytest.fixture
def own_log_handlers():
    """Each ``main`` call adds a console handler on the output it was given;
    in one test process those of earlier tests write to closed captures. Put
    them aside while a test runs, and drop the ones it adds."""
    import logging

    root = logging.getLogger()
    before = list(root.handlers)
    consoles = [h for h in before if type(h) is logging.StreamHandler]
    for handler in consoles:
        root.removeHandler(handler)
    yield
    for handler in root.handlers[:]:
        if handler not in before:
            root.removeHandler(handler)
    for handler in consoles:
        root.addHandler(handler)
