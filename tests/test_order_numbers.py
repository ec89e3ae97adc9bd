"""Order numbers (分配通知书编号) are stored once given: a register update that
removes households does not shift the numbers of the others, and a new
household gets the next number after the highest ever given.

The tiny register lists H0..H5, so the first export numbers them 0001..0006.
The update used here is tests/data/register_update/register_2026_11.csv
without H1's rows: H1 leaves the register (an early household), and so do H4
(death) and H5 (its one member had moved to H1); H6 splits off from H3.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from pathlib import Path

import pandas as pd
import pypdf
import pytest

from allocator.cli import main
from allocator.project import SCHEMA_VERSION, load_project, save_project
from tests.conftest import TINY_TODAY, tiny_solved_by_cli

UPDATE = Path(__file__).parent / "data" / "register_update" / "register_2026_11.csv"
ORDER = re.compile(r"户编号：(\S+) \S*〔(\d{4})〕(\d{4})号")


@pytest.fixture(autouse=True)
def _own_log_handlers(own_log_handlers):
    """Console handlers of earlier tests' ``main`` calls put aside (conftest)."""


def _numbers(pdf: Path) -> dict[str, int]:
    """Household id -> order number, read from the printed orders."""
    found = {}
    for page in pypdf.PdfReader(pdf).pages:
        match = ORDER.search(page.extract_text())
        assert match is not None, page.extract_text()[:200]
        assert int(match.group(2)) == dt.date.today().year
        found[match.group(1)] = int(match.group(3))
    return found


def _stored(path: Path) -> dict[str, int]:
    table = load_project(path).order_numbers
    return dict(zip(table["household_id"], table["number"].astype(int)))


def _solved(folder: Path) -> Path:
    return tiny_solved_by_cli(folder / "p.gpkg")


def test_numbers_survive_a_register_update_that_removes_households(tmp_path):
    path = _solved(tmp_path)
    first = tmp_path / "first.pdf"
    assert main(["export", str(path), "--pdf", str(first)]) == 0
    issued = {"H0": 1, "H1": 2, "H2": 3, "H3": 4, "H4": 5, "H5": 6}
    assert _numbers(first) == issued
    assert _stored(path) == issued

    lines = UPDATE.read_text(encoding="utf-8-sig").splitlines()
    update = tmp_path / "register_update.csv"
    update.write_text("\n".join(line for line in lines
                                if not line.startswith("H1,")) + "\n",
                      encoding="utf-8-sig")
    assert main(["register", str(path), str(update), "--apply", "--reason",
                 "户籍核对", "--date", "2026-11-20"]) == 0
    updated = load_project(path)
    assert updated.households["household_id"].tolist() == ["H0", "H2", "H3", "H6"]
    assert main(["solve", str(path), "--backend", "cpsat",
                 "--date", "2026-11-20"]) == 0

    second = tmp_path / "second.pdf"
    assert main(["export", str(path), "--pdf", str(second)]) == 0
    # H2 and H3 keep 3 and 4 (their register places are now 2 and 3); H6,
    # new, gets 7: 5 and 6 went to H4 and H5, which have left.
    assert _numbers(second) == {"H0": 1, "H2": 3, "H3": 4, "H6": 7}
    assert _stored(path) == {**issued, "H6": 7}
    reprint = tmp_path / "reprint.pdf"
    assert main(["export", str(path), "--pdf", str(reprint),
                 "--household", "H6"]) == 0
    assert _numbers(reprint) == {"H6": 7}
    actions = load_project(path).ledger["action"].tolist()
    assert actions.count("export") == 3


def test_a_first_export_of_some_households_numbers_all_by_register_place(
        tiny_project, tmp_path):
    from allocator.allocate import solve_project, store_outcome
    from allocator.export import build_orders, export_pdf

    store_outcome(tiny_project, solve_project(tiny_project, backend="cpsat",
                                              today=TINY_TODAY))
    assert tiny_project.order_numbers.empty
    # Reading the numbers stores nothing.
    orders = build_orders(tiny_project, households=["H3"])
    assert [o.order_number[-5:] for o in orders] == ["0004号"]
    assert tiny_project.order_numbers.empty
    export_pdf(tiny_project, tmp_path / "h3.pdf", households=["H3"])
    assert _numbers(tmp_path / "h3.pdf") == {"H3": 4}
    table = tiny_project.order_numbers
    assert table["household_id"].tolist() == ["H0", "H1", "H2", "H3", "H4", "H5"]
    assert table["number"].tolist() == [1, 2, 3, 4, 5, 6]
    assert set(table["issued"]) == {dt.date.today().isoformat()}


def test_a_cancelled_or_refused_export_stores_no_number(tiny_project, tmp_path):
    from allocator.allocate import solve_project, store_outcome
    from allocator.export import ExportRefused, export_pdf
    from allocator.orders import ExportCancelled

    with pytest.raises(ExportRefused):  # not solved yet
        export_pdf(tiny_project, tmp_path / "o.pdf")
    assert tiny_project.order_numbers.empty
    store_outcome(tiny_project, solve_project(tiny_project, backend="cpsat",
                                              today=TINY_TODAY))
    with pytest.raises(ExportCancelled):
        export_pdf(tiny_project, tmp_path / "o.pdf", cancel=lambda: True)
    assert tiny_project.order_numbers.empty
    assert not (tmp_path / "o.pdf").exists()


def test_a_failed_save_leaves_the_file_without_the_numbers(tiny_project, tmp_path):
    from allocator.allocate import solve_project, store_outcome
    from allocator.export import export_pdf

    store_outcome(tiny_project, solve_project(tiny_project, backend="cpsat",
                                              today=TINY_TODAY))
    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    before = path.read_bytes()
    export_pdf(tiny_project, tmp_path / "o.pdf")
    tiny_project.log("export", "scenario base", after={"pdf": "o.pdf"})
    assert len(tiny_project.order_numbers) == 6

    def fail(name):
        if name == "order_numbers":
            raise OSError("disk full")
    with pytest.raises(OSError, match="disk full"):
        save_project(tiny_project, path, fail_after=fail)
    assert path.read_bytes() == before
    assert load_project(path).order_numbers.empty
    save_project(tiny_project, path)
    assert _stored(path) == {f"H{i}": i + 1 for i in range(6)}


def test_a_stored_number_is_kept_and_never_given_twice(tiny_project):
    from allocator.export import order_numbers, record_order_numbers

    tiny_project.order_numbers = pd.DataFrame({
        "household_id": ["H3", "H9"], "number": [2, 8],
        "issued": ["2026-10-01", "2026-10-01"]})
    # No allocation yet: the register's households; H9 (left the register)
    # keeps 8, so the others follow it.
    numbers = order_numbers(tiny_project)
    assert numbers == {"H3": 2, "H9": 8, "H0": 9, "H1": 10, "H2": 11, "H4": 12,
                       "H5": 13}
    assert record_order_numbers(tiny_project, {"H3": 5, "H0": 9},
                                dt.date(2026, 11, 1)) == ["H0"]
    assert dict(zip(tiny_project.order_numbers["household_id"],
                    tiny_project.order_numbers["number"])) == {
        "H3": 2, "H9": 8, "H0": 9}
    with pytest.raises(ValueError, match=r"8 \(H1; H9 holds it\)"):
        record_order_numbers(tiny_project, {"H1": 8}, dt.date(2026, 11, 1))
    with pytest.raises(ValueError, match="twice"):
        record_order_numbers(tiny_project, {"H1": 20, "H2": 20},
                             dt.date(2026, 11, 1))
    assert len(tiny_project.order_numbers) == 3


def test_an_older_project_without_the_table_opens_and_exports_as_before(tmp_path):
    path = _solved(tmp_path)
    with sqlite3.connect(path) as db:  # as the previous version wrote it
        db.execute("drop table order_numbers")
        for table in ("gpkg_contents", "gpkg_ogr_contents"):
            db.execute(f"delete from {table} where table_name = 'order_numbers'")
        db.execute("update metadata set value = '3' where key = 'schema_version'")
    opened = load_project(path)
    assert opened.order_numbers.empty
    assert opened.metadata["migrated_from"] == "3"
    pdf = tmp_path / "orders.pdf"
    assert main(["export", str(path), "--pdf", str(pdf)]) == 0
    numbers = {"H0": 1, "H1": 2, "H2": 3, "H3": 4, "H4": 5, "H5": 6}
    assert _numbers(pdf) == numbers
    assert _stored(path) == numbers
    reopened = load_project(path)
    assert reopened.metadata["schema_version"] == str(SCHEMA_VERSION) == "4"
    assert reopened.ledger["action"].tolist()[-2:] == ["migrate", "export"]
