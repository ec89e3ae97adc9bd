"""``allocator bench gap`` on wrong input: each message names the file, the
problem, the block and the place; exit 1 for a wrong file (a data error), 2 for
wrong usage (no such file, a --time-limit that is not a finite positive number,
a missing or wrong --problem)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from allocator.cli import main
from solvers.gap import GapFormatError, read_orlib_gap, read_orlib_gap_problems

DATA = Path(__file__).resolve().parents[1] / "bench" / "data" / "gap"
# c0515_1.txt: line 1 "5 15", lines 2-6 costs, lines 7-11 resource use,
# line 12 the 5 capacities "36 34 38 27 33".
C0515_1 = (DATA / "c0515_1.txt").read_text().splitlines()


def _with(tmp_path: Path, line: int, index: int, token: str,
          name: str = "g.txt") -> Path:
    """c0515_1 with token ``index`` (0-based) of ``line`` (1-based) replaced."""
    lines = [row.split() for row in C0515_1]
    lines[line - 1][index] = token
    path = tmp_path / name
    path.write_text("\n".join(" ".join(row) for row in lines) + "\n")
    return path


def _bench(path: Path, tmp_path: Path, *extra: str) -> int:
    return main(["bench", "gap", str(path), "--json", str(tmp_path / "r.json"),
                 *extra])


# 1. counts of agents and jobs


@pytest.mark.parametrize(("header", "said"), [
    ("-5 15", "-5 agents x 15 jobs"), ("0 0", "0 agents x 0 jobs"),
    ("5 0", "5 agents x 0 jobs")])
def test_header_counts_must_be_positive(tmp_path, capsys, header, said):
    path = tmp_path / "h.txt"
    path.write_text("\n".join([header, *C0515_1[1:]]) + "\n")
    assert _bench(path, tmp_path) == 1
    err = capsys.readouterr().err
    assert f"{path}: problem 1, header (line 1): {said}; the numbers of agents " \
        "and jobs must be positive whole numbers" in err
    assert "expected" not in err
    assert not (tmp_path / "r.json").exists()


def test_header_of_a_later_problem_is_named(tmp_path):
    # OR-Library layout: "2", then problem 1 (lines 2-13), problem 2 from line 14
    path = tmp_path / "two.txt"
    path.write_text("\n".join(["2", *C0515_1, "0 15", *C0515_1[1:]]) + "\n")
    with pytest.raises(GapFormatError) as caught:
        read_orlib_gap_problems(path)
    assert str(caught.value) == (
        f"{path}: problem 2 of 2, header (line 14): 0 agents x 15 jobs; the "
        "numbers of agents and jobs must be positive whole numbers")


# 2. a token that is not a whole number


@pytest.mark.parametrize(("line", "index", "token", "where"), [
    (1, 1, "x", "problem 1, header (line 1)"),
    (2, 0, "abc", "problem 1, costs, agent 1, job 1 (line 2)"),
    (9, 6, "1.5", "problem 1, resource use, agent 3, job 7 (line 9)"),
    (12, 4, "3e1", "problem 1, capacities, agent 5 (line 12)")])
def test_bad_token_names_block_and_position(tmp_path, capsys, line, index,
                                            token, where):
    path = _with(tmp_path, line, index, token)
    assert _bench(path, tmp_path) == 1
    err = capsys.readouterr().err
    assert f"{path}: {where}: {token!r} is not a whole number" in err
    assert "invalid literal" not in err


@pytest.mark.parametrize(("line", "index", "token", "where"), [
    # CP-SAT took no such cost and crashed; HiGHS and CBC lost its digits
    (2, 0, "99999999999999999999999", "costs, agent 1, job 1 (line 2)"),
    (3, 2, "-1000000001", "costs, agent 2, job 3 (line 3)"),
    (12, 0, "1000000001", "capacities, agent 1 (line 12)")])
def test_numbers_beyond_the_limit_are_refused(tmp_path, capsys, line, index,
                                              token, where):
    path = _with(tmp_path, line, index, token)
    assert _bench(path, tmp_path, "--backend", "cpsat") == 1
    assert capsys.readouterr().err.strip() == (
        f"错误 error: {path}: problem 1, {where}: {int(token)} is too large; the "
        "numbers of a GAP instance are at most 1,000,000,000 either sign")
    assert not (tmp_path / "r.json").exists()


def test_truncated_file_says_where_it_ends(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("\n".join(C0515_1[:3]) + "\n16\n")
    # 2 header + 30 costs + 1 = 33 numbers; the next is agent 3's job 2
    with pytest.raises(GapFormatError) as caught:
        read_orlib_gap(path)
    assert str(caught.value) == (
        f"{path}: problem 1: expected 157 numbers for 5 agents x 15 jobs, found "
        "33; the file ends at costs, agent 3, job 2")


# 3. no such file


def test_missing_file_is_named_in_the_products_words(tmp_path, capsys):
    path = tmp_path / "nowhere.txt"
    assert _bench(path, tmp_path) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"错误 error: {path}: file not found"
    assert not (tmp_path / "r.json").exists()


# 4. signs: resource use and capacities 0 or more, costs any sign


@pytest.mark.parametrize(("line", "index", "where"), [
    (7, 0, "resource use, agent 1, job 1 (line 7)"),
    (11, 14, "resource use, agent 5, job 15 (line 11)"),
    (12, 1, "capacities, agent 2 (line 12)")])
def test_negative_resource_use_or_capacity_is_refused(tmp_path, capsys, line,
                                                      index, where):
    path = _with(tmp_path, line, index, "-3")
    assert _bench(path, tmp_path) == 1
    assert (f"{path}: problem 1, {where}: -3 is negative; resource use and "
            "capacities must be 0 or more") in capsys.readouterr().err
    assert not (tmp_path / "r.json").exists()


@pytest.mark.parametrize(("sense", "optimum"), [("min", -8), ("max", 3)])
def test_negative_costs_are_solved(tmp_path, sense, optimum):
    # costs  -5  2 / 1 -3, every job uses 1, capacities 1 1: each agent takes
    # one job; job1->agent1, job2->agent2 costs -8, the other way round 3
    path = tmp_path / "n.txt"
    path.write_text("2 2\n-5 2\n1 -3\n1 1\n1 1\n1 1\n")
    assert _bench(path, tmp_path, "--sense", sense) == 0
    result = json.loads((tmp_path / "r.json").read_text())
    assert (result["status"], result["objective"]) == ("optimal", optimum)


# 5. --time-limit must be a finite number above 0, for every command


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "1e999"])
def test_time_limit_must_be_finite(tmp_path, capsys, value):
    with pytest.raises(SystemExit) as caught:
        _bench(DATA / "c0515_1.txt", tmp_path, "--time-limit", value)
    assert caught.value.code == 2
    assert f"argument --time-limit: {value!r} is not a finite number" in \
        capsys.readouterr().err
    with pytest.raises(SystemExit) as caught:
        main(["bench", "county", "--households", "5", "--time-limit", value,
              "--json", str(tmp_path / "c.json")])
    assert caught.value.code == 2
    assert not (tmp_path / "r.json").exists()


@pytest.mark.parametrize("value", ["0", "-1", "-inf"])
def test_time_limit_above_zero(tmp_path, capsys, value):
    with pytest.raises(SystemExit) as caught:
        _bench(DATA / "c0515_1.txt", tmp_path, f"--time-limit={value}")
    assert caught.value.code == 2
    assert "argument --time-limit: must be more than 0" in capsys.readouterr().err


# a file in OR-Library's own layout (gap1 = c0515_1 ... c0515_5)


def _gap1(tmp_path: Path) -> Path:
    path = tmp_path / "gap1.txt"
    path.write_text("5\n" + "".join(
        (DATA / f"c0515_{k}.txt").read_text() for k in range(1, 6)))
    return path


def test_several_problems_one_chosen(tmp_path, capsys):
    path = _gap1(tmp_path)
    assert _bench(path, tmp_path, "--sense", "max", "--problem", "3") == 0
    result = json.loads((tmp_path / "r.json").read_text())
    # OR-Library gapinfo: c515-3 maximum 339
    assert (result["instance"], result["status"], result["objective"]) == (
        "gap1_3", "optimal", 339)
    (tmp_path / "r.json").unlink()
    assert _bench(path, tmp_path) == 2
    assert (f"{path} holds 5 problems; choose one with --problem 1 to 5"
            in capsys.readouterr().err)
    assert _bench(path, tmp_path, "--problem", "6") == 2
    assert f"--problem 6: {path} holds 5 problem(s)" in capsys.readouterr().err
    assert not (tmp_path / "r.json").exists()


def test_bad_token_in_a_later_problem(tmp_path):
    path = _gap1(tmp_path)
    lines = path.read_text().splitlines()
    # line 1 "5", problem 1 on lines 2-13, problem 2's capacities on line 25
    assert lines[24] == (DATA / "c0515_2.txt").read_text().splitlines()[11]
    lines[24] = " ".join([*lines[24].split()[:4], "x9"])
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(GapFormatError) as caught:
        read_orlib_gap_problems(path)
    assert str(caught.value) == (
        f"{path}: problem 2 of 5, capacities, agent 5 (line 25): 'x9' is not a "
        "whole number")
