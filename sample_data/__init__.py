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


def sample_files() -> dict[str, Path]:
    """Return the paths of the sample county's input files.

    Returns
    -------
    dict of str to pathlib.Path
        Keys ``register``, ``sites``, ``units``, ``facilities`` and ``county``.
    """
    return {key: SAMPLE_DIR / name for key, name in _FILES.items()}
