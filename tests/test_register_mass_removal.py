"""A register update that removes many households is taken for an incomplete
file (the first rows of an export, a half-saved sheet) until it is confirmed.

The project is the tiny county (H0 ... H5; H0 lives in unit A-301) with 94
one-person households X001 ... X094 added, 100 in all. The threshold is more
than 10 % of the households and at least 10: removing 10 of 100 (10.0 %)
passes, 11 of 100 (11.0 %) is refused; 9 of 15 (60 %) passes, being fewer
than 10.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from allocator.cli import main
from allocator.idnumber import check_digit
from allocator.importer import import_files
from allocator.project import load_project, save_project
from allocator.register_update import (
    RegisterUpdateError,
    apply_register_update,
    compare_register,
    mass_removal,
)

TINY = Path(__file__).parent / "data" / "tiny"
DAY = dt.date(2026, 11, 20)


def _extra_rows(count: int) -> list[str]:
    """One-person households X001 ... X{count}: heads born 1990-01-01, male
    (odd sequence digit), with a valid check digit."""
    rows = []
    for n in range(1, count + 1):
        first17 = f"51343119900101{2 * n + 1:03d}"
        rows.append(f"X{n:03d},阿牛{n},{first17}{check_digit(first17)},户主,男,"
                    f"1990-01-01,易地扶贫搬迁,无,20000,0,谷都村,城北乡,城北乡,"
                    "2025-03-01")
    return rows


def _register(folder: Path, name: str, extra: int, drop: set[str] = frozenset()
              ) -> Path:
    """The tiny register plus ``extra`` added households, without the
    households in ``drop``."""
    lines = (TINY / "register.csv").read_text(encoding="utf-8-sig").splitlines()
    rows = [line for line in lines[1:] + _extra_rows(extra)
            if line.split(",")[0] not in drop]
    path = folder / name
    path.write_text("\n".join([lines[0], *rows]) + "\n", encoding="utf-8-sig")
    return path


def _project(folder: Path, tiny_inputs, extra: int):
    inputs = dataclasses.replace(tiny_inputs,
                                 register=_register(folder, "full.csv", extra))
    result = import_files(inputs)
    assert result.errors == [], [str(p) for p in result.errors]
    return result.project


@pytest.fixture()
def hundred(tmp_path, tiny_inputs):
    project = _project(tmp_path, tiny_inputs, 94)
    assert len(project.households) == 100
    return project


def _dropped(count: int) -> set[str]:
    return {f"X{n:03d}" for n in range(1, count + 1)}


def test_eleven_of_a_hundred_removed_is_refused(tmp_path, hundred):
    # H0 (in unit A-301) and X001 ... X010: 11 households, 1 of them housed.
    update = _register(tmp_path, "part.csv", 94, {"H0"} | _dropped(10))
    diff = compare_register(hundred, update, today=DAY)
    assert diff.errors == []
    assert sorted(diff.removed_households()) == ["H0"] + sorted(_dropped(10))

    message = mass_removal(hundred, diff)
    assert message.startswith(
        f"{update} would remove 11 of the project's 100 households (11.0 %: "
        "H0、X001、X002、X003、X004 ...) as 注销户, and would free the units "
        "of 1 of them. The file may be incomplete")
    assert message.endswith("confirm with --allow-many-removals")

    with pytest.raises(RegisterUpdateError, match="11 of the project's 100"):
        apply_register_update(hundred, diff, reason="更新", today=DAY)
    assert len(hundred.households) == 100
    units = hundred.housing_units.set_index("unit_id")
    assert units.at["A-301", "household_id"] == "H0"

    apply_register_update(hundred, diff, reason="更新", today=DAY,
                          allow_many_removals=True)
    assert len(hundred.households) == 89
    units = hundred.housing_units.set_index("unit_id")
    assert units.at["A-301", "status"] == "vacant"


def test_ten_of_a_hundred_is_not_more_than_ten_percent(tmp_path, hundred):
    update = _register(tmp_path, "ten.csv", 94, _dropped(10))
    diff = compare_register(hundred, update, today=DAY)
    assert len(diff.removed_households()) == 10
    assert mass_removal(hundred, diff) is None
    apply_register_update(hundred, diff, reason="更新", today=DAY)
    assert len(hundred.households) == 90


def test_nine_of_fifteen_is_fewer_than_ten(tmp_path, tiny_inputs):
    project = _project(tmp_path, tiny_inputs, 9)
    assert len(project.households) == 15
    diff = compare_register(project, _register(tmp_path, "nine.csv", 9,
                                               _dropped(9)), today=DAY)
    assert len(diff.removed_households()) == 9
    assert mass_removal(project, diff) is None


def test_merged_households_are_not_removals(tmp_path, hundred):
    # X001 ... X011 join H5: merged away (并入他户), not removed.
    lines = (TINY / "register.csv").read_text(encoding="utf-8-sig").splitlines()
    joined = [("H5" + row[4:]).replace(",户主,", ",兄弟,")
              for row in _extra_rows(11)]
    rows = lines[1:] + joined + _extra_rows(94)[11:]
    update = tmp_path / "merged.csv"
    update.write_text("\n".join([lines[0], *rows]) + "\n", encoding="utf-8-sig")
    diff = compare_register(hundred, update, today=DAY)
    assert diff.errors == []
    assert diff.removed_households() == []
    assert mass_removal(hundred, diff) is None


def test_the_command_refuses_warns_and_confirms(tmp_path, hundred, capsys):
    path = tmp_path / "p.gpkg"
    save_project(hundred, path)
    stored = path.read_bytes()
    update = _register(tmp_path, "part.csv", 94, {"H0"} | _dropped(10))
    base = ["register", str(path), str(update), "--date", DAY.isoformat()]

    assert main(base) == 0
    err = capsys.readouterr().err
    assert "警告 warning: " in err and "would remove 11 of the project's 100 " \
        "households (11.0 %" in err
    assert "may be incomplete" in err and "--allow-many-removals" in err

    assert main(base + ["--apply", "--reason", "更新"]) == 1
    out, err = capsys.readouterr()
    assert "错误 error: " in err and "11 of the project's 100" in err
    assert "Nothing changed" in err and "Traceback" not in err
    assert path.read_bytes() == stored

    assert main(base + ["--apply", "--reason", "更新",
                        "--allow-many-removals"]) == 0
    assert len(load_project(path).households) == 89


def test_a_refused_update_lists_its_first_changes_only(tmp_path, hundred, capsys):
    # 30 of 100 removed: refused with --apply; the refusal does not hide
    # behind the listing: 20 households are listed, the other 10 counted.
    path = tmp_path / "p.gpkg"
    save_project(hundred, path)
    update = _register(tmp_path, "part.csv", 94, _dropped(30))
    assert main(["register", str(path), str(update), "--date", DAY.isoformat(),
                 "--apply", "--reason", "更新"]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        f"X{n:03d}  注销户 removed  减少成员 removed: 阿牛{n}（户主，1990-01-01）"
        for n in range(1, 21)]
    assert "... and 10 more household change(s), not shown" in err
    assert err.startswith("错误 error: ")
    assert "would remove 30 of the project's 100 households (30.0 %" in err
    # Without --apply the whole listing is shown, the warning before it.
    assert main(["register", str(path), str(update), "--date",
                 DAY.isoformat()]) == 0
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 30
    assert err.startswith("警告 warning: ")
