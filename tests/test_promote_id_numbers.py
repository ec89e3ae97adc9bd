"""A scenario may add households whose members have no ID number (身份证号);
promoted, they are the only members of the base without one. The promote
says so, and an updated register that gives the numbers keeps those people
as they are (member ids, school places, clinics) rather than removing and
adding them again.

The tiny county (tests/data/tiny) is solved by the CLI; scenario "extra" adds
household N1 of two people (a head born 1980 and a child born 2016).
"""

from __future__ import annotations

import json

from allocator.cli import main
from allocator.idnumber import check_digit
from allocator.project import load_project
from allocator.scenarios import without_id_numbers
from tests.conftest import TINY, TINY_TODAY, tiny_solved_by_cli

HEAD, CHILD = "51343119800101001", "51343120160301002"


def _with_check_digit(body: str) -> str:
    return body + check_digit(body)


def test_promoted_households_without_id_numbers_are_named_and_can_get_them(
        tmp_path, capsys):
    project = tiny_solved_by_cli(tmp_path / "p.gpkg")
    changes = tmp_path / "extra.json"
    changes.write_text(json.dumps({"add_households": [{
        "household_id": "N1", "category": "生态移民", "waiting_since": "2025-01-01",
        "members": [
            {"name": "新户主", "birth_date": "1980-01-01", "sex": "男",
             "relationship": "户主"},
            {"name": "新子女", "birth_date": "2016-03-01", "sex": "女",
             "relationship": "子女"}]}]}, ensure_ascii=False), encoding="utf-8")
    assert main(["scenario", "new", str(project), "extra", "--file",
                 str(changes)]) == 0
    assert main(["solve", str(project), "--scenario", "extra", "--backend", "cpsat",
                 "--date", TINY_TODAY.isoformat()]) == 0
    capsys.readouterr()
    assert main(["scenario", "promote", str(project), "extra", "--force",
                 "--reason", "新增搬迁户"]) == 0
    err = capsys.readouterr().err
    assert "1 household(s) of the base have a member without an ID number " \
        "(身份证号): N1" in err
    assert "allocator register" in err
    promoted = load_project(project)
    assert without_id_numbers(promoted) == ["N1"]
    members = promoted.members[promoted.members["household_id"] == "N1"]
    assert members["member_id"].tolist() == ["N1-01", "N1-02"]
    places = promoted.service_assignments
    places = places[(places["household_id"] == "N1")
                    & (places["scenario"] == "base")]
    assert not places.empty  # the child's school place and both clinics

    # The updated register: the tiny register plus N1 with its numbers (and
    # what the scenario gave it: no income, unknown, and 0 years in a job).
    head, child = _with_check_digit(HEAD), _with_check_digit(CHILD)
    lines = (TINY / "register.csv").read_text(encoding="utf-8-sig").splitlines()
    lines += [f"N1,新户主,{head},户主,男,1980-01-01,生态移民,无,,0,,,,2025-01-01",
              f"N1,新子女,{child},子女,女,2016-03-01,生态移民,无,,,,,,"]
    updated = tmp_path / "updated.csv"
    updated.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    assert main(["register", str(project), str(updated),
                 "--date", TINY_TODAY.isoformat()]) == 0
    out = capsys.readouterr().out
    assert out == ("N1  变更 changed  新户主 身份证号: — → 513431********0012；"
                   "新子女 身份证号: — → 513431********0022\n")

    assert main(["register", str(project), str(updated), "--apply", "--reason",
                 "补录身份证号", "--date", TINY_TODAY.isoformat()]) == 0
    assert "reallocate" not in capsys.readouterr().err
    after = load_project(project)
    assert without_id_numbers(after) == []
    members = after.members[after.members["household_id"] == "N1"]
    assert dict(zip(members["member_id"], members["id_number"])) == {
        "N1-01": head, "N1-02": child}
    kept = after.service_assignments
    kept = kept[(kept["household_id"] == "N1") & (kept["scenario"] == "base")]
    assert sorted(zip(kept["member_id"], kept["facility_id"])) == sorted(
        zip(places["member_id"], places["facility_id"]))
    # Numbers only: the allocation rests on nothing that changed, so its
    # orders print at once, with the numbers, without a reallocation.
    table = tmp_path / "orders.csv"
    assert main(["export", str(project), "--household", "N1", "--csv",
                 str(table)]) == 0
    assert "reallocate" not in capsys.readouterr().err
    assert table.exists()
