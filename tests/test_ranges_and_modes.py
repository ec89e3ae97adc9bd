"""File modes of saves and exports; the ranges of --date and --objection-days.

A new project or export is owner-only (0600) whatever the umask; one that
replaces an existing file keeps that file's permission bits and group. A
--date is taken from 2000-01-01 to one year after today; --objection-days
from 1 to 90.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path

import pytest

from allocator import cli
from allocator.allocate import solve_project, store_outcome
from allocator.cli import main
from allocator.export import export_csv, export_pdf, export_xlsx, write_private_text
from allocator.project import give_permissions, load_project, save_project
from tests.conftest import TINY, TINY_TODAY, tiny_solved_by_cli

posix = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture()
def umask_022():
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture()
def solved(tiny_project):
    store_outcome(tiny_project, solve_project(tiny_project, backend="highs",
                                              today=TINY_TODAY))
    return tiny_project


# --- 1. modes ------------------------------------------------------------------

@posix
def test_a_new_project_is_owner_only_and_a_shared_one_stays_shared(
        tiny_project, tmp_path, umask_022, capsys):
    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    assert _mode(path) == 0o600  # the umask would give 0644
    os.chmod(path, 0o664)
    assert main(["rules", str(path), "--set", "detour_factor=1.4",
                 "--reason", "共享给办公室"]) == 0
    assert load_project(path).rules["detour_factor"] == 1.4  # it was saved
    assert _mode(path) == 0o664
    os.chmod(path, 0o640)
    save_project(load_project(path), path)
    assert _mode(path) == 0o640
    # no temporary copy is left with other bits
    assert [p.name for p in tmp_path.iterdir()] == ["p.gpkg"]


@posix
def test_exports_new_owner_only_replaced_keep_their_mode(solved, tmp_path,
                                                         umask_022):
    from allocator.notice import write_notice_pdf

    writers = {
        "a.csv": lambda p: export_csv(solved, p),
        "a.xlsx": lambda p: export_xlsx(solved, p),
        "a.json": lambda p: write_private_text(p, "{}"),
        "orders.pdf": lambda p: export_pdf(solved, p, households=["H1"]),
        "notice.pdf": lambda p: write_notice_pdf(solved, p),
    }
    for name, write in writers.items():
        path = tmp_path / name
        write(path)
        assert _mode(path) == 0o600, name
        os.chmod(path, 0o644)
        first = path.stat().st_ino
        write(path)
        assert path.stat().st_ino != first, name  # a new file took its place
        assert _mode(path) == 0o644, name
        os.chmod(path, 0o660)
        write(path)
        assert _mode(path) == 0o660, name
    assert write_private_text(tmp_path / "a.json", '{"x": 1}').read_text() == \
        '{"x": 1}'


@posix
def test_a_replaced_file_keeps_its_group(tiny_project, tmp_path):
    path = tmp_path / "p.gpkg"
    save_project(tiny_project, path)
    own = os.getgid()
    other = next((g for g in os.getgroups() if g != own), None)
    if other is None and os.geteuid() == 0:
        other = own + 4242  # root may give any group
    if other is None:
        pytest.skip("the process can set no other group")
    os.chown(path, -1, other)
    os.chmod(path, 0o660)
    save_project(tiny_project, path)
    assert path.stat().st_gid == other
    assert _mode(path) == 0o660


@posix
def test_group_bits_are_dropped_when_the_group_cannot_be_kept(tmp_path,
                                                              monkeypatch,
                                                              caplog):
    old = tmp_path / "old.csv"
    old.write_text("a")
    os.chmod(old, 0o664)
    before = old.stat()
    new = tmp_path / "new.csv"
    new.write_text("b")
    shown = os.stat_result((before.st_mode, before.st_ino, before.st_dev,
                            before.st_nlink, before.st_uid, before.st_gid + 1,
                            before.st_size, 0, 0, 0))

    def refuse(*args):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "chown", refuse)
    give_permissions(new, shown, old)
    assert _mode(new) == 0o604  # the owner's and others' bits, not the group's
    assert "Could not keep the replaced file's group" in caplog.text
    give_permissions(new, before, old)  # same group: nothing to change
    assert _mode(new) == 0o664


# --- 2. --objection-days --------------------------------------------------------

@pytest.fixture(scope="module")
def cli_project(tmp_path_factory):
    return tiny_solved_by_cli(tmp_path_factory.mktemp("cli") / "p.gpkg")


@pytest.mark.parametrize("days", ["0", "91", "100000", "99999999999999", "-3"])
def test_objection_days_out_of_range(cli_project, tmp_path, capsys, days):
    before = cli_project.read_bytes()
    capsys.readouterr()
    pdf = tmp_path / "n.pdf"
    assert main(["notice", str(cli_project), "--pdf", str(pdf),
                 "--objection-days", days]) == 2
    err = capsys.readouterr().err
    assert f"--objection-days {int(days)}: give 1 to 90 days for objections; " \
        "nothing written" in err
    assert not pdf.exists()
    assert cli_project.read_bytes() == before


def test_objection_days_not_a_number(cli_project, tmp_path, capsys):
    with pytest.raises(SystemExit) as refused:
        main(["notice", str(cli_project), "--pdf", str(tmp_path / "n.pdf"),
              "--objection-days", "7.5"])
    assert refused.value.code == 2
    assert "argument --objection-days: '7.5' is not a whole number of days" in \
        capsys.readouterr().err


def test_ninety_objection_days_are_taken(cli_project, tmp_path, capsys):
    capsys.readouterr()
    assert main(["notice", str(cli_project), "--pdf", str(tmp_path / "n.pdf"),
                 "--date", "2026-10-08", "--objection-days", "90"]) == 0
    # 2026-10-08 + 90 days: 23 more in October, 30 in November, 31 in
    # December, 6 in January
    assert "objections until 2027-01-06" in capsys.readouterr().out


# --- 3. --date ------------------------------------------------------------------

def _latest() -> dt.date:
    today = dt.date.today()
    try:
        return today.replace(year=today.year + 1)
    except ValueError:
        return dt.date(today.year + 1, 2, 28)


def _commands(project: Path, folder: Path) -> dict[str, list[str]]:
    inputs = ["--register", str(TINY / "register.csv"),
              "--sites", str(TINY / "sites.geojson"),
              "--units", str(TINY / "units.csv"),
              "--facilities", str(TINY / "facilities.csv")]
    return {
        "notice": ["notice", str(project), "--pdf", str(folder / "n.pdf")],
        "alerts": ["alerts", str(project)],
        "reallocate": ["reallocate", str(project)],
        "solve": ["solve", str(project)],
        "petition": ["petition", str(project), "--household", "H2",
                     "--grant-wish"],
        "register": ["register", str(project), str(TINY / "register.csv")],
        "import": ["import", *inputs, "--out", str(folder / "new.gpkg")],
        "validate": ["validate", *inputs],
        "demo": ["demo", "--out", str(folder / "demo")],
    }


@pytest.mark.parametrize("command", ["notice", "alerts", "reallocate", "solve",
                                     "petition", "register", "import", "validate",
                                     "demo"])
@pytest.mark.parametrize("day", ["9999-12-31", "1900-01-01", "1999-12-31",
                                 "later"])
def test_dates_out_of_range_are_refused(cli_project, tmp_path, capsys, command,
                                        day):
    if day == "later":
        day = (_latest() + dt.timedelta(days=1)).isoformat()
    before = cli_project.read_bytes()
    argv = _commands(cli_project, tmp_path)[command] + ["--date", day]
    with pytest.raises(SystemExit) as refused:
        main(argv)
    assert refused.value.code == 2
    err = capsys.readouterr().err
    assert (f"argument --date: {day} is outside the dates allowed, 2000-01-01 to "
            f"{_latest().isoformat()} (from 2000-01-01 to one year after today)"
            ) in err
    assert cli_project.read_bytes() == before
    assert list(tmp_path.iterdir()) == []


def test_the_ends_of_the_range_are_taken():
    assert cli._day("2000-01-01") == dt.date(2000, 1, 1)
    assert cli._day(_latest().isoformat()) == _latest()
    assert cli._day(dt.date.today().isoformat()) == dt.date.today()


def test_a_year_after_a_leap_day():
    assert cli._year_after(dt.date(2028, 2, 29)) == dt.date(2029, 2, 28)
    assert cli._year_after(dt.date(2026, 12, 5)) == dt.date(2027, 12, 5)


def test_alerts_on_the_last_day_allowed(cli_project, tmp_path, capsys):
    day = _latest().isoformat()
    capsys.readouterr()
    assert main(["alerts", str(cli_project), "--date", day]) == 0
    assert capsys.readouterr().err.splitlines()[-1].startswith(f"{day}: ")


def test_a_notice_on_the_last_day_allowed(cli_project, tmp_path, capsys):
    day = _latest()
    capsys.readouterr()
    assert main(["notice", str(cli_project), "--pdf", str(tmp_path / "n.pdf"),
                 "--date", day.isoformat(), "--objection-days", "90"]) == 0
    until = (day + dt.timedelta(days=90)).isoformat()
    assert f"objections until {until}" in capsys.readouterr().out


def test_exit_dates_keep_their_own_rule(cli_project, capsys):
    with pytest.raises(SystemExit) as refused:
        main(["exits", str(cli_project), "--apply", "--household", "H0",
              "--date", "1999-12-31"])
    assert refused.value.code == 2
    assert "argument --date: 1999-12-31 is before 2000-01-01, the earliest date " \
        "allowed" in capsys.readouterr().err
    # far ahead: the exit rule names the households (exit 1), no overflow
    assert main(["exits", str(cli_project), "--apply", "--household", "H0",
                 "--date", "9999-12-31"]) == 1
    err = capsys.readouterr().err
    assert ("household(s) H0: exit date 9999-12-31 is more than a year after "
            f"today ({dt.date.today().isoformat()}); give a date up to "
            f"{_latest().isoformat()}") in err
    assert load_project(cli_project).exits.empty


def test_register_keeps_its_after_today_rule(cli_project, capsys):
    day = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    assert main(["register", str(cli_project), str(TINY / "register.csv"),
                 "--date", day]) == 2
    assert f"--date {day} is after today" in capsys.readouterr().err


def test_ledger_since_is_only_a_filter(cli_project, capsys):
    capsys.readouterr()
    assert main(["ledger", str(cli_project), "--since", "9999-12-31"]) == 0
