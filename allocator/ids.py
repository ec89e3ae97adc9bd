"""Hints for an id that is not in the project but nearly is.

Planners copy 户号 and 房号 out of spreadsheets and messages: a stray space,
a lower-case letter or full-width characters (ＺＪ－０００１３) make an id that
the project does not hold. The message that refuses it names the id it
probably meant, so that nothing has to be guessed.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable


def normal_form(text: object) -> str:
    """The id as the project would spell it: half-width, trimmed, upper case."""
    return unicodedata.normalize("NFKC", str(text)).strip().upper()


def near_id(given: object, known: Iterable[object]) -> str | None:
    """The known id ``given`` nearly is, or None.

    Nearly: the same id once spaces, case and full-width characters are set
    aside, or, failing that, the one known id a single slip away (difflib's
    ratio of at least 0.9 and no other as close).
    """
    known = [str(k) for k in known]
    if not known or str(given) in known:
        return None
    want = normal_form(given)
    same = sorted({k for k in known if normal_form(k) == want})
    if len(same) == 1:
        return same[0]
    close = difflib.get_close_matches(want, known, n=2, cutoff=0.9)
    if len(close) == 1 or (len(close) == 2 and difflib.SequenceMatcher(
            None, want, close[0]).ratio() > difflib.SequenceMatcher(
            None, want, close[1]).ratio()):
        return close[0]
    return None


def did_you_mean(given: object, known: Iterable[object]) -> str:
    """" (did you mean X?)" for the known id ``given`` nearly is, or ""."""
    near = near_id(given, known)
    return "" if near is None else f" (did you mean {near}?)"
