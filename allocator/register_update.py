"""Re-importing an updated register: births, deaths, households split or merged.

:func:`compare_register` reads the new register with the import's checks and
lists, household by household, what differs from the project: members born
(a new person born within the year before the update), other members added
(marriage, return) and members removed (the register has no death mark, so a
death and a move out of the county look alike), households split into two
(分户) or merged (合户), households added or removed, changed fields.
Nothing changes until :func:`apply_register_update`, which writes one ledger
entry per household. An optional column the project holds data for and the
updated register lacks (a renamed header, say) is an error: comparing would
clear that field for every household; so is a 残疾 column left blank in every
row while the project holds disabilities (a blank reads as 无). A person born
after the day of the update is an error too (a date in the future), and so is
a household's waiting-list date (轮候登记日期) after it, as is a birth or
waiting-list date before 1900 (see the import).

People are matched by ID number (身份证号), households by 户号. A person
who moves to another household is a move, not a removal and an addition.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from allocator.exits import vacate
from allocator.idnumber import mask
from allocator.project import Project

logger = logging.getLogger(__name__)

HOUSEHOLD_FIELDS = {
    "category": "安置类别", "annual_income": "年收入",
    "stable_job_years": "稳定就业年限", "origin_village": "原居住村",
    "origin_township": "原居住乡镇", "current_township": "现属乡镇",
    "waiting_since": "轮候登记日期", "preferred_sites": "意向安置点",
    "wants_low_floor": "低楼层意愿",
}
MEMBER_FIELDS = {"name": "姓名", "relationship": "与户主关系", "sex": "性别",
                 "birth_date": "出生日期", "disability": "残疾"}
KIND_LABELS = {"changed": "变更", "split": "分户", "split_off": "分户新立",
               "merged": "合户", "merged_away": "并入他户", "added": "新增户",
               "removed": "注销户"}


# An update that removes more than this share of the project's households
# (and at least MASS_REMOVAL_MIN_COUNT of them) is taken for an incomplete
# file (a partial export, a half-saved sheet) until the planner confirms it.
MASS_REMOVAL_SHARE = 0.10
MASS_REMOVAL_MIN_COUNT = 10
MASS_REMOVAL_OPTION = "--allow-many-removals"


class RegisterUpdateError(ValueError):
    """An update that cannot be applied as it is; the message says why."""


@dataclass
class HouseholdChange:
    """What differs for one household (户号)."""

    household_id: str
    kind: str
    born: list[dict] = field(default_factory=list)
    added: list[dict] = field(default_factory=list)
    removed: list[dict] = field(default_factory=list)
    moved_in: list[dict] = field(default_factory=list)
    moved_out: list[dict] = field(default_factory=list)
    fields: dict[str, tuple] = field(default_factory=dict)
    related: list[str] = field(default_factory=list)

    def id_numbers_only(self) -> bool:
        """True when the change only gives members the ID numbers they did
        not have (see :func:`_numbered`): nothing an allocation rests on."""
        return (self.kind == "changed" and bool(self.fields)
                and not (self.born or self.added or self.removed
                         or self.moved_in or self.moved_out)
                and all(label.endswith(" 身份证号") for label in self.fields))

    def text(self) -> str:
        """One line for the planner."""
        parts = []
        if self.kind == "split":
            parts.append("分为 split into " + "、".join(self.related))
        elif self.kind == "split_off":
            parts.append("由 " + "、".join(self.related) + " 分出 split from")
        elif self.kind == "merged":
            parts.append("并入 merged from " + "、".join(self.related))
        elif self.kind == "merged_away":
            parts.append("并入 merged into " + "、".join(self.related))
        for label, people in (("出生 born", self.born),
                              ("新增成员 added", self.added),
                              ("减少成员 removed", self.removed),
                              ("迁入 moved in", self.moved_in),
                              ("迁出 moved out", self.moved_out)):
            if people:
                parts.append(f"{label}: " + "、".join(
                    f"{p['name']}（{p['relationship']}，{p['birth_date']}"
                    + (f"，迁往{p['to']}" if p.get("to") else "")
                    + (f"，来自{p['from']}" if p.get("from") else "") + "）"
                    for p in people))
        for name, (before, after) in self.fields.items():
            parts.append(f"{name}: {_shown(before)} → {_shown(after)}")
        return f"{self.household_id}  {KIND_LABELS[self.kind]} {self.kind}  " + \
            "；".join(parts)


def _shown(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "—"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass
class RegisterDiff:
    """The differences between an updated register and the project."""

    file: str
    problems: list = field(default_factory=list)
    changes: list[HouseholdChange] = field(default_factory=list)
    members: pd.DataFrame | None = None
    households: pd.DataFrame | None = None

    @property
    def errors(self) -> list:
        return [p for p in self.problems if p.severity == "error"]

    def lines(self) -> list[str]:
        """The changes, one line per household, in 户号 order."""
        return [change.text() for change in self.changes]

    def removed_households(self) -> list[str]:
        """The households that leave the register (注销户), not merged ones."""
        return [c.household_id for c in self.changes if c.kind == "removed"]


def mass_removal(project: Project, diff: RegisterDiff) -> str | None:
    """Why ``diff`` looks like an incomplete register, or None.

    An update that removes more than :data:`MASS_REMOVAL_SHARE` of the
    project's households, and at least :data:`MASS_REMOVAL_MIN_COUNT`, would
    free all their units; a file holding only part of the register (the first
    rows of an export, a half-saved sheet) does exactly that.
    """
    removed = diff.removed_households()
    total = len(project.households)
    if not total or len(removed) < MASS_REMOVAL_MIN_COUNT or \
            len(removed) <= MASS_REMOVAL_SHARE * total:
        return None
    in_units = set(project.housing_units.loc[
        project.housing_units["status"] == "occupied", "household_id"].dropna())
    housed = sum(h in in_units for h in removed)
    units = f", and would free the units of {housed} of them" if housed else ""
    shown = "、".join(removed[:5]) + (" ..." if len(removed) > 5 else "")
    return (f"{diff.file} would remove {len(removed)} of the project's {total} "
            f"households ({100 * len(removed) / total:.1f} %: {shown}) as 注销户"
            f"{units}. The file may be incomplete (only part of the register "
            f"exported, or saved half-way): check that it holds every household. "
            f"If these households really left the register, confirm with "
            f"{MASS_REMOVAL_OPTION}")


def _person(row) -> dict:
    return {"name": row["name"], "relationship": row["relationship"],
            "birth_date": row["birth_date"], "id_number": row["id_number"]}


def compare_register(project: Project, path: Path,
                     encoding: str | None = None,
                     today: dt.date | None = None) -> RegisterDiff:
    """Read an updated register and list what differs, changing nothing.

    Parameters
    ----------
    project : Project
        The open project.
    path : pathlib.Path
        The updated register, in the import's layout (one row per person).
    encoding : str, optional
        Text encoding of a CSV register (UTF-8 and GBK are detected).
    today : datetime.date, optional
        The day of the update (default today): a new member born within the
        year before it is listed as born; anyone born after it, or a
        waiting-list date after it, is an error.

    Returns
    -------
    RegisterDiff
        Problems of the file (``file:row:column: message``) and, when it has
        no errors, one :class:`HouseholdChange` per household that differs.
        A missing optional column the project holds data for is an error,
        as is a wholly blank 残疾 column while the project holds disabilities.
    """
    from allocator.importer import _read_register

    diff = RegisterDiff(str(path))
    today = today or dt.date.today()
    # The import's check of dates after its day speaks of an import; the
    # update names its own day (:func:`_after_the_day`).
    members, households, problems = _read_register(Path(path), encoding, today,
                                                   future=False)
    diff.problems = list(problems)
    raw = _RawTable(Path(path), encoding)
    if members is not None and households is not None:
        present = households.attrs.pop("register_fields", None)
        # What the importer keeps for its own checks (the rows of the sites
        # wished for) is not needed here, and pandas copies a frame's attrs
        # at every cell read: on the sample county that made a comparison
        # take minutes.
        households.attrs.clear()
        members.attrs.clear()
        if present is not None:
            diff.problems += _missing_columns(project, set(present), str(path))
            if "disability" in present:
                diff.problems += _emptied_disability(project, members, raw)
                diff.problems += _blanked_disabilities(project, members, raw)
        if not diff.errors:
            diff.problems += _after_the_day(members, households, raw, today)
    if diff.errors or members is None or households is None:
        return diff
    try:
        year_ago = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        year_ago = today.replace(year=today.year - 1, day=28)
    diff.members, diff.households = members, households

    old_members, filled = _numbered(project.members, members)
    old_of = dict(zip(old_members["id_number"], old_members["household_id"]))
    new_of = dict(zip(members["id_number"], members["household_id"]))
    old_ids = set(project.households["household_id"])
    new_ids = set(households["household_id"])
    respelled = _respelled(old_ids, new_ids, members, str(path))
    if respelled:
        diff.problems += respelled
        return diff
    targets: dict[str, set[str]] = {}
    sources: dict[str, set[str]] = {}
    for person, old in old_of.items():
        new = new_of.get(person)
        if new is not None:
            targets.setdefault(old, set()).add(new)
            sources.setdefault(new, set()).add(old)

    # Plain dicts, read once: cell by cell, pandas takes minutes on a county.
    old_by_household = _records_by_household(old_members)
    new_by_household = _records_by_household(members)
    old_table = project.households.set_index("household_id")
    new_table = households.set_index("household_id")
    fields = {name: label for name, label in HOUSEHOLD_FIELDS.items()
              if name in old_table.columns and name in new_table.columns}
    old_rows = old_table[list(fields)].to_dict("index")
    new_rows = new_table[list(fields)].to_dict("index")
    for household_id in sorted(old_ids | new_ids):
        change = HouseholdChange(household_id, "changed")
        before = old_by_household.get(household_id, [])
        after = new_by_household.get(household_id, [])
        for row in before:
            moved_to = new_of.get(row["id_number"])
            if moved_to is None:
                change.removed.append(_person(row))
            elif moved_to != household_id:
                change.moved_out.append(_person(row) | {"to": moved_to})
        for row in after:
            came_from = old_of.get(row["id_number"])
            if came_from is None:
                birth = _iso_date(row["birth_date"])
                newborn = birth is not None and year_ago <= birth <= today
                (change.born if newborn else change.added).append(_person(row))
            elif came_from != household_id:
                change.moved_in.append(_person(row) | {"from": came_from})
        if household_id in old_ids and household_id in new_ids:
            # only the fields both this register and the project have
            for name, label in fields.items():
                a = old_rows[household_id][name]
                b = new_rows[household_id][name]
                if not _same(a, b):
                    change.fields[label] = (a, b)
            old_people = {row["id_number"]: row for row in before}
            for row in after:
                if row["id_number"] not in old_people:
                    continue
                was = old_people[row["id_number"]]
                if was["member_id"] in filled:
                    change.fields[f"{row['name']} 身份证号"] = (
                        None, mask(row["id_number"]))
                for name, label in MEMBER_FIELDS.items():
                    if not _same(was[name], row[name]):
                        change.fields[f"{row['name']} {label}"] = (was[name], row[name])
        went = targets.get(household_id, set())
        came = sources.get(household_id, set())
        # A split forms a household that was not in the register; a merge
        # ends one. People who move between households that stay are moves
        # (迁入, 迁出) of a changed household, not a split or a merge.
        formed = {h for h in went if h != household_id and h not in old_ids}
        ended = {h for h in came if h != household_id and h not in new_ids}
        if household_id in old_ids and formed:
            change.kind = "split"
            change.related = sorted(went | ({household_id} & new_ids))
        elif ended and (household_id in old_ids or len(came) >= 2):
            change.kind = "merged"
            change.related = sorted(came - {household_id})
        elif household_id not in old_ids:
            if came:
                change.kind = "split_off"
                change.related = sorted(came)
            else:
                change.kind = "added"
        elif household_id not in new_ids:
            change.kind = "merged_away" if went else "removed"
            change.related = sorted(went)
        if change.kind != "changed" or change.born or change.added or \
                change.removed or \
                change.moved_in or change.moved_out or change.fields:
            diff.changes.append(change)
    diff.problems += _undoing_earlier_updates(project, diff)
    return diff


def _undoing_earlier_updates(project: Project, diff: RegisterDiff) -> list:
    """A warning when the file brings back what earlier register updates
    changed: a household that left the register, a person who left a
    household, or takes away a person one added (found by a new user: the
    original register, compared again after an update, re-added a member who
    had died and took away a newborn, with no word). Most often it is an
    older register; the planner decides."""
    import json

    from gis.readers import Problem

    updates = project.ledger[project.ledger["action"] == "register update"]
    left: dict[str, int] = {}  # household -> the entry it left the register by
    gone: dict[tuple, int] = {}  # (household, name, birth) -> entry
    came: dict[tuple, int] = {}
    for entry, target, before, after in zip(
            updates["entry"].tolist(), updates["object"].tolist(),
            updates["before"].tolist(), updates["after"].tolist()):
        try:
            before = json.loads(before) if isinstance(before, str) else None
            after = json.loads(after) if isinstance(after, str) else None
        except ValueError:
            continue
        if not isinstance(after, dict):
            continue
        household = str(target).removeprefix("household ")
        if after.get("change") in ("removed", "merged_away"):
            left[household] = int(entry)

        def people(snapshot) -> set[tuple]:
            members = snapshot.get("members", []) if isinstance(snapshot, dict) \
                else []
            return {(household, m.get("name"), m.get("birth_date")) for m in members}

        was, now = people(before), people(after.get("household"))
        gone.update(dict.fromkeys(was - now, int(entry)))
        came.update(dict.fromkeys(now - was, int(entry)))
    back = []
    for change in diff.changes:
        h = change.household_id
        if change.kind in ("added", "split_off") and h in left:
            back.append(f"household {h} (it left the register by ledger entry "
                        f"#{left[h]})")
        for person in change.added + change.born + change.moved_in:
            key = (h, person["name"], person["birth_date"])
            if key in gone:
                back.append(f"{person['name']} in {h} (who left it by ledger entry "
                            f"#{gone[key]})")
        for person in change.removed + change.moved_out:
            key = (h, person["name"], person["birth_date"])
            if key in came:
                back.append(f"{person['name']} of {h} goes (added by ledger entry "
                            f"#{came[key]})")
    if not back:
        return []
    shown = "; ".join(back[:5]) + (f"; and {len(back) - 5} more" if len(back) > 5
                                   else "")
    return [Problem(diff.file, None, None, (
        f"this file undoes earlier register updates: {shown}. Is it an older "
        "register? Use the latest one; if these changes are meant, apply it with "
        "a --reason that says so"), "warning")]


def _records_by_household(members: pd.DataFrame) -> dict[str, list[dict]]:
    """The members as dicts, by household, in the frame's order."""
    grouped: dict[str, list[dict]] = {}
    for row in members.to_dict("records"):
        grouped.setdefault(row["household_id"], []).append(row)
    return grouped


def _numbered(old: pd.DataFrame, new: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """The project's members with each missing ID number (a member of a
    household a promoted scenario added, see
    :func:`allocator.scenarios.without_id_numbers`) taken from the updated
    register's member of the same household, name and birth date, when
    exactly one matches: that person then stays who they are (their member
    id, school place and clinic) instead of being removed and added again.
    Returns the members and {member_id: number taken}."""
    blank = old["id_number"].isna() | (old["id_number"].astype(str).str.strip() == "")
    if not blank.any():
        return old, {}
    key = new.groupby(["household_id", "name", "birth_date"])["id_number"].agg(list)
    taken_numbers = set(old.loc[~blank, "id_number"])
    old = old.copy()
    filled = {}
    for i in old.index[blank]:
        row = old.loc[i]
        found = key.get((row["household_id"], row["name"], row["birth_date"]), [])
        if len(found) == 1 and found[0] not in taken_numbers:
            old.at[i, "id_number"] = found[0]
            taken_numbers.add(found[0])
            filled[row["member_id"]] = found[0]
    return old, filled


def _iso_date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def _holds(values: pd.Series, empty=("", "无")) -> pd.Series:
    """Which values are data rather than blanks (NaN, None, ``empty``)."""
    return values.notna() & ~values.astype(str).str.strip().isin(empty)


class _RawTable:
    """The updated register as read, before the import's checks: read again
    only when a check needs what the import does not keep (the spreadsheet
    row of each person, blank cells told from 无)."""

    def __init__(self, path: Path, encoding: str | None) -> None:
        self.path, self.encoding = path, encoding
        self._frame: pd.DataFrame | None = None

    @property
    def frame(self) -> pd.DataFrame:
        if self._frame is None:
            from allocator.importer import REGISTER_HEADERS
            from gis.readers import read_table

            # Read as the import reads it (a title above the header skipped),
            # so that its rows are the import's.
            self._frame, _, _ = read_table(self.path, encoding=self.encoding,
                                           headers=REGISTER_HEADERS)
        return self._frame

    def column(self, name: str) -> pd.Series | None:
        """The first column the import reads as field ``name`` (Chinese or
        English header), as it is in the file."""
        from allocator.importer import REGISTER_COLUMNS

        for column in self.frame.columns:
            key = str(column)
            if REGISTER_COLUMNS.get(key) == name or key.lower() == name:
                return self.frame[column]
        return None

    def rows(self, count: int) -> list[int | None]:
        """The spreadsheet row of each of the ``count`` persons the import
        read (in file order; every row is a person when it found no error)."""
        index = [int(r) for r in self.frame.index]
        return index if len(index) == count else [None] * count


def _emptied_disability(project: Project, members: pd.DataFrame,
                        raw: _RawTable) -> list:
    """An error when the update's 残疾 column is blank in every row and the
    project holds disabilities: a blank cell reads as 无, so the file would
    clear every disability (and the need for an accessible unit) as a
    missing column would. A column of 无 clears them on purpose."""
    from gis.readers import Problem

    old = project.members
    if "disability" not in old.columns or _holds(members["disability"]).any():
        return []
    held = _holds(old["disability"])
    if not held.any():
        return []
    column = raw.column("disability")
    if column is None or _holds(column, empty=("",)).any():
        return []
    count = int(old.loc[held, "household_id"].nunique())
    return [Problem(
        str(raw.path), None, "残疾",
        f"the updated register's column 残疾 (disability) is empty in every row, "
        f"but the project holds a disability for {count} household(s); compared "
        f"as it is, the file would clear it (and the need for an accessible "
        f"unit) for all of them. Fill the column in from the register (type and "
        f"grade, e.g. 肢体二级); if nobody has a disability any more, write 无 "
        f"in its cells")]


def _blanked_disabilities(project: Project, members: pd.DataFrame,
                          raw: _RawTable) -> list:
    """A warning for each person whose 残疾 cell is blank while the project
    holds a disability for them: a blank reads as 无 and clears it (and the
    household's need for an accessible unit), which a cell left empty by
    mistake should not do silently. A cell of 无 clears it on purpose; a
    wholly blank column is refused (:func:`_emptied_disability`)."""
    from gis.readers import Problem

    old = project.members
    column = raw.column("disability")
    if "disability" not in old.columns or column is None \
            or len(column) != len(members):
        return []
    held = dict(zip(old["id_number"].tolist(), old["disability"].tolist()))
    blank = ~_holds(column, empty=("",)).to_numpy()
    if blank.all():
        return []  # the whole column: refused as such, or nothing held
    rows = raw.rows(len(members))
    problems = []
    for i, (id_number, name) in enumerate(zip(members["id_number"].tolist(),
                                              members["name"].tolist())):
        was = held.get(id_number)
        if not blank[i] or not isinstance(was, str) or was.strip() in ("", "无"):
            continue
        problems.append(Problem(
            str(raw.path), rows[i], "残疾",
            f"{name}: the cell is blank, which reads as 无 and clears the "
            f"disability the project holds ({was}) and the need for an accessible "
            f"unit with it; write 无 if it is really gone, or fill it in",
            severity="warning"))
    return problems


def _after_the_day(members: pd.DataFrame, households: pd.DataFrame,
                   raw: _RawTable, today: dt.date) -> list:
    """An error for each person born after the day of the update, then for
    each household whose waiting-list date (on its head's row) is after it: a
    register of that day cannot hold them (a mistyped date, or the wrong
    --date). A waiting date in the future would also count waiting time
    towards priority that has not passed."""
    from allocator.importer import HEAD
    from gis.readers import Problem

    rows = raw.rows(len(members))
    names = members["name"].tolist()
    of = members["household_id"].tolist()
    problems = []
    for i, birth in enumerate(_iso_date(b) for b in members["birth_date"].tolist()):
        if birth is not None and birth > today:
            problems.append(Problem(
                str(raw.path), rows[i], "出生日期",
                f"{names[i]} (household {of[i]}) was born on "
                f"{birth.isoformat()}, after the day of this update "
                f"({today.isoformat()}): a date in the future. Correct the birth "
                f"date (and the ID number's birth digits), or give the day of the "
                f"update with --date YYYY-MM-DD"))
    heads = {h: rows[i] for i, (h, relationship) in enumerate(
        zip(of, members["relationship"].tolist())) if relationship == HEAD}
    for household_id, since in zip(households["household_id"].tolist(),
                                   households["waiting_since"].tolist()):
        waiting = _iso_date(since) if isinstance(since, str) else None
        if waiting is not None and waiting > today:
            problems.append(Problem(
                str(raw.path), heads.get(household_id), "轮候登记日期",
                f"household {household_id}'s waiting-list date "
                f"{waiting.isoformat()} is after the day of this update "
                f"({today.isoformat()}): a date in the future. Correct it from "
                f"the waiting-list record (轮候登记表), or give the day of the "
                f"update with --date YYYY-MM-DD"))
    return problems


def _respelled(old_ids: set[str], new_ids: set[str], members: pd.DataFrame,
               file: str) -> list:
    """An error for each household of the updated register whose 户号 is one
    the project holds typed in other letters or spacing (zj-002855 for
    ZJ-002855) while the project's spelling is gone from the file: compared
    as it is, the household would be split off under a new id and lose its
    allocation."""
    from allocator.ids import normal_form
    from gis.readers import Problem

    gone = {normal_form(old): old for old in old_ids - new_ids}
    problems = []
    for new in sorted(new_ids - old_ids):
        old = gone.get(normal_form(new))
        if old is None:
            continue
        rows = members.loc[members["household_id"] == new, "row"] \
            if "row" in members.columns else pd.Series([], dtype=int)
        problems.append(Problem(
            file, int(rows.min()) if len(rows) else None, "户号",
            f"户号 {new!r} is the project's household {old} typed in other "
            f"letters or spacing; write it {old} on every row of the household "
            "(compared as it is, the household would be split off under a new "
            "户号 and lose its allocation)"))
    return problems


def _missing_columns(project: Project, present: set[str], file: str) -> list:
    """An error for each optional register column the project holds data for
    and the updated register lacks: taken as empty, it would clear the field
    of every household (a renamed header such as 年收入(元) does that)."""
    from allocator.importer import REGISTER_COLUMNS
    from gis.readers import Problem

    households, members = project.households, project.members
    held: dict[str, int] = {}
    for name in list(HOUSEHOLD_FIELDS) + ["disability"]:
        if name in present:
            continue
        if name == "disability":
            frame = members
            data = _holds(members["disability"]) if "disability" in members else None
        elif name not in households.columns:
            continue
        else:
            frame = households
            column = households[name]
            if name == "stable_job_years":
                data = column.fillna(0).astype(float) != 0
            elif name == "wants_low_floor":
                data = column.map(lambda v: str(v).strip().lower()
                                  in ("true", "1", "是", "yes"))
            else:
                data = _holds(column)
        if data is not None and data.any():
            held[name] = int(frame.loc[data, "household_id"].nunique())
    chinese = {name: header for header, name in REGISTER_COLUMNS.items()}
    return [Problem(
        file, None, chinese[name],
        f"the updated register has no column {chinese[name]} ({name}), but the "
        f"project holds it for {count} household(s); compared as it is, the "
        f"file would clear it for all of them. If the column is there under "
        f"another header (a warning of this file names it), rename that header "
        f"to {chinese[name]}; if the data really is gone, add a column headed "
        f"{chinese[name]} with empty cells")
        for name, count in held.items()]


def _same(a, b) -> bool:
    missing = [v is None or (isinstance(v, float) and np.isnan(v)) or v == ""
               for v in (a, b)]
    if all(missing):
        return True
    if any(missing):
        return False
    numbers = (int, float, np.number)
    if isinstance(a, numbers) and isinstance(b, numbers):
        return float(a) == float(b)
    return str(a) == str(b)


def apply_register_update(project: Project, diff: RegisterDiff, reason: str = "",
                          today: dt.date | None = None,
                          allow_many_removals: bool = False) -> None:
    """Make the project's register the updated one and record every change.

    Household fields the register does not carry (priority, exits, wishes)
    are kept. Persons who stay in their household keep their member id (school
    and clinic assignments refer to it). A household that left the register
    frees its unit (空置); a household merged into one that has no unit hands
    its unit on. A household split off joins the waiting list.

    Raises
    ------
    RegisterUpdateError
        The file has errors, a merge would give one household two units
        (free one first: exit or edit the unit), or the update removes so many
        households that the file may be incomplete (:func:`mass_removal`) and
        ``allow_many_removals`` is not set; nothing is changed.
    """
    if diff.errors or diff.members is None or diff.households is None:
        raise RegisterUpdateError(f"{diff.file} has errors; fix them first")
    if not allow_many_removals:
        many = mass_removal(project, diff)
        if many is not None:
            raise RegisterUpdateError(many)
    today = today or dt.date.today()
    units = project.housing_units
    occupied = units[(units["status"] == "occupied") & units["household_id"].notna()]
    unit_of = dict(zip(occupied["household_id"], occupied["unit_id"]))
    new_ids = set(diff.households["household_id"])
    problems, handover, free = [], {}, []
    for change in diff.changes:
        if change.kind not in ("merged_away", "removed"):
            continue
        unit = unit_of.get(change.household_id)
        if unit is None:
            continue
        if change.kind == "removed":
            free.append((change.household_id, unit))
            continue
        into = change.related[0]
        if into in unit_of or into in handover:
            problems.append(f"household {change.household_id} (unit {unit}) merges "
                            f"into {into}, which already has unit "
                            f"{unit_of.get(into) or handover[into][1]}; free one of "
                            "the units first")
        else:
            handover[into] = (change.household_id, unit)
    if problems:
        raise RegisterUpdateError("; ".join(problems))

    # Members: keep member ids of persons who stay in their household.
    old, _filled = _numbered(project.members, diff.members)
    old_key = {(h, p): m for h, p, m in zip(old["household_id"], old["id_number"],
                                            old["member_id"])}
    members = diff.members.copy()
    numbers: dict[str, int] = {}
    for member_id in old["member_id"]:
        household_id, _, number = str(member_id).rpartition("-")
        if number.isdigit():
            numbers[household_id] = max(numbers.get(household_id, 0), int(number))
    ids = []
    for household_id, person in zip(members["household_id"], members["id_number"]):
        kept = old_key.get((household_id, person))
        if kept is None:
            numbers[household_id] = numbers.get(household_id, 0) + 1
            kept = f"{household_id}-{numbers[household_id]:02d}"
        ids.append(kept)
    members["member_id"] = ids

    # Households: register fields from the file, everything else kept.
    rules = project.rules
    needs = members.groupby("household_id")["disability"].agg(
        lambda d: bool(set(d) & set(rules["accessible_disabilities"])))
    table = project.households.set_index("household_id")
    fresh = diff.households.set_index("household_id")
    fresh["needs_accessible"] = needs.reindex(fresh.index, fill_value=False)
    added = [h for h in fresh.index if h not in table.index]
    if added:
        table = pd.concat([table, pd.DataFrame(index=pd.Index(
            added, name="household_id"))])
        table.loc[added, "priority"] = 0
        for household_id in added:
            since = fresh.at[household_id, "waiting_since"]
            if not isinstance(since, str) or not since:  # joins the list today
                fresh.at[household_id, "waiting_since"] = today.isoformat()
    for column in fresh.columns:
        table.loc[fresh.index, column] = fresh[column]
    table = table.loc[[h for h in table.index if h in new_ids]]
    households = table.reset_index()
    households["size"] = households["size"].astype("int64")
    households["priority"] = households["priority"].fillna(0).astype("int64")

    for household_id, unit in free:
        vacate(units, units["unit_id"] == unit)
        project.log("free unit", f"unit {unit}",
                    before={"status": "已入住", "household_id": household_id},
                    after={"status": "空置"},
                    reason=f"household {household_id} left the register")
    for into, (household_id, unit) in handover.items():
        here = units["unit_id"] == unit
        units.loc[here, "household_id"] = into
        project.log("edit", f"unit {unit}", before={"household_id": household_id},
                    after={"household_id": into},
                    reason=f"household {household_id} merged into {into}")

    for change in diff.changes:
        project.log(
            "register update", f"household {change.household_id}",
            before=_snapshot(project.members, project.households,
                             change.household_id),
            after={"change": change.kind, "related": change.related,
                   "household": _snapshot(members, households,
                                          change.household_id),
                   **({"id_numbers_only": True} if change.id_numbers_only()
                      else {})},
            reason=(reason + "；" if reason else "") + change.text())
    project.members = members[list(project.members.columns.intersection(
        members.columns))].reset_index(drop=True)
    project.households = households
    # Plans and locks of households that left the register go with them; the
    # rest of a stored allocation predates the update until the next solve.
    for table in ("allocations", "service_assignments", "locks"):
        frame = getattr(project, table)
        gone = ~frame["household_id"].isin(new_ids)
        if gone.any():
            setattr(project, table, frame[~gone].reset_index(drop=True))
            logger.info("register update: %d %s row(s) of households that left "
                        "the register removed", int(gone.sum()), table)
    logger.info("register update from %s: %d household(s) changed", diff.file,
                len(diff.changes))


def _snapshot(members: pd.DataFrame, households: pd.DataFrame,
              household_id: str) -> dict | None:
    rows = households[households["household_id"] == household_id]
    if rows.empty:
        return None
    row = rows.iloc[0]
    people = members[members["household_id"] == household_id]
    return {
        "size": int(len(people)),
        **{name: (None if pd.isna(row[name]) else row[name])
           for name in HOUSEHOLD_FIELDS if name in row.index},
        "members": [{"member_id": p["member_id"], "name": p["name"],
                     "relationship": p["relationship"],
                     "birth_date": p["birth_date"]}
                    for p in people.to_dict("records")],
    }
