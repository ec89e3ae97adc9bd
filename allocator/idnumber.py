"""Resident ID numbers (居民身份证号码, GB 11643-1999)."""

from __future__ import annotations

import datetime as dt
import unicodedata

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"


def check_digit(first17: str) -> str:
    """The check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS))
    return CHECK_CHARS[total % 11]


def normalise(raw: str) -> tuple[str, list[str]]:
    """NFKC-normalise an ID and upper-case a trailing x; return notes on changes."""
    notes = []
    text = unicodedata.normalize("NFKC", raw).strip().replace(" ", "")
    if text.startswith("'") and text[1:].isalnum():
        # Excel's mark for "keep as text", written out in a CSV export.
        text = text[1:]
        notes.append("leading ' (Excel's text mark) removed")
    elif text != raw.strip():
        notes.append("full-width characters or spaces normalised")
    if text.endswith("x"):
        text = text[:-1] + "X"
        notes.append("lowercase x changed to X")
    return text, notes


def problems(id_number: str, birth: dt.date | None = None,
             sex: str | None = None) -> list[str]:
    """What is wrong with a normalised ID number (empty when it is valid).

    ``birth`` and ``sex`` (男/女), where given, must match the number.
    """
    if "E+" in id_number.upper() and len(id_number) < 18:
        return ["ID number is in scientific notation (like 5.13431E+17): a "
                "spreadsheet turned it into a number and lost digits; re-enter it "
                "from the source as text"]
    if len(id_number) != 18:
        return [f"ID number has {len(id_number)} characters, 18 expected"]
    if not id_number[:17].isdigit() or not (
        id_number[17].isdigit() or id_number[17] == "X"
    ):
        return ["ID number must be 17 digits followed by a digit or X"]
    found = []
    expected = check_digit(id_number[:17])
    if id_number[17] != expected:
        found.append(f"check digit is {id_number[17]}, {expected} expected: "
                     "a digit was mistyped")
    try:
        encoded = dt.date(int(id_number[6:10]), int(id_number[10:12]),
                          int(id_number[12:14]))
    except ValueError:
        found.append(f"birth date {id_number[6:14]} in the ID number is not a date")
        encoded = None
    if encoded is not None and birth is not None and encoded != birth:
        found.append(f"birth date in the ID number ({encoded}) differs from "
                     f"出生日期 ({birth})")
    if sex in ("男", "女"):
        odd = int(id_number[16]) % 2 == 1
        if odd != (sex == "男"):
            found.append(f"the 17th digit ({id_number[16]}) means "
                         f"{'男' if odd else '女'}, but 性别 is {sex}")
    return found


def birth_date(id_number: str) -> dt.date | None:
    """The birth date encoded in a valid 18-character ID number."""
    try:
        return dt.date(int(id_number[6:10]), int(id_number[10:12]),
                       int(id_number[12:14]))
    except ValueError:
        return None


def mask(id_number: str) -> str:
    """First 6 and last 4 characters shown, the rest replaced by '*'."""
    if len(id_number) <= 10:
        return "*" * len(id_number)
    return id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:]
