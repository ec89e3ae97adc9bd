"""Sample county data: 昭觉县 (凉山州, 四川), a generated resettlement case.

The files in ``SAMPLE_DIR`` are written by ``python -m sample_data.generate``
and committed; see ``sample_data/README.md`` for their sources.
"""

from __future__ import annotations

from pathlib import Path

SAMPLE_DIR: Path = Path(__file__).resolve().parent / "zhaojue"

_FILES = {
    "register": "register.xlsx",
    "sites": "sites.geojson",
    "units": "units.csv",
    "facilities": "facilities.geojson",
    "county": "county.geojson",
}
_HISTORY_FILES = {
    "history": "income_history.csv",
    "petitions": "petitions.csv",
    "visits": "follow_up_visits.csv",
}


def sample_files() -> dict[str, Path]:
    """Return the paths of the sample county's input files.

    Returns
    -------
    dict of str to pathlib.Path
        Keys ``register``, ``sites``, ``units``, ``facilities`` and ``county``.
    """
    return {key: SAMPLE_DIR / name for key, name in _FILES.items()}


def sample_history_files() -> dict[str, Path]:
    """Return the paths of the sample households' histories (issue #5).

    Returns
    -------
    dict of str to pathlib.Path
        Keys ``history`` (income and job by year), ``petitions`` (complaints
        and 信访) and ``visits`` (follow-up visits done), named as the fields
        of :class:`allocator.importer.ImportInputs`.
    """
    return {key: SAMPLE_DIR / name for key, name in _HISTORY_FILES.items()}
