"""Reading an article's date as written: the one rule the date check, the
date facet and `--since`/`--until` share.

A date parses when it starts with an ISO 8601 calendar date (`2022-02-01`)
and whatever follows is a time of day with an optional offset, in the forms
feeds, Hugo and Jekyll write: `T20:02:00Z`, ` 20:02`, `T20:02:00.123+01:00`,
` 10:00:00 +0200`. Only the calendar day is kept (the day as written, not
converted to UTC): the facet counts days and months, and a range names days.

Pure functions; any thread.
"""
from __future__ import annotations

import datetime as _dt
import re

# Days are counted from 1970-01-01, so a day fits an int32 column.
EPOCH_ORDINAL = _dt.date(1970, 1, 1).toordinal()
NO_DAY = -(2**31)  # "no date": below every real day, so no range ever includes it
_TIME_TAIL = re.compile(
    r"(?:[Tt ]([01]\d|2[0-3]):[0-5]\d(?::(?:[0-5]\d|60)(?:[.,]\d+)?)?\s*(?:[Zz]|[+-](?:[01]\d|2[0-3]):?[0-5]\d"
    r"|[+-](?:[01]\d|2[0-3]))?)?\s*")
_DAYS: dict[str, int] = {}  # "2022-02-01" -> its day number (a queue has a few thousand distinct days)


def day_number(text: str) -> int:
    """The calendar day `text` starts with, as days since 1970-01-01, or NO_DAY
    when it is not a date (see the module's rule)."""
    head = text[:10]
    day = _DAYS.get(head)
    if day is None:
        day = _day_of(head)
        if len(_DAYS) < 100_000:
            _DAYS[head] = day
    if day == NO_DAY or len(text) == 10:
        return day
    return day if _TIME_TAIL.fullmatch(text, 10) else NO_DAY


def _day_of(head: str) -> int:
    if len(head) != 10 or head[4] != "-" or head[7] != "-" or not head.isascii():
        return NO_DAY
    try:
        return _dt.date.fromisoformat(head).toordinal() - EPOCH_ORDINAL
    except ValueError:
        return NO_DAY


def parses(text: str) -> bool:
    return day_number(text) != NO_DAY


def date_of_day(day: int) -> _dt.date:
    return _dt.date.fromordinal(day + EPOCH_ORDINAL)


def parse_day_option(text: str, *, end: bool = False) -> int:
    """A day given on the command line or in the window's range: `2022-02-01`,
    or a month `2022-02` / a year `2022` (its first day, or with `end` its last).
    Raises ValueError with a readable message otherwise."""
    text = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            day = _dt.date.fromisoformat(text)
        elif re.fullmatch(r"\d{4}-\d{2}", text):
            year, month = int(text[:4]), int(text[5:])
            day = _dt.date(year, month, 1)
            if end:
                day = (_dt.date(year + month // 12, month % 12 + 1, 1) - _dt.timedelta(days=1))
        elif re.fullmatch(r"\d{4}", text):
            day = _dt.date(int(text), 12, 31) if end else _dt.date(int(text), 1, 1)
        else:
            raise ValueError
    except ValueError:
        raise ValueError(f"expected a date like 2022-02-01 (or 2022-02, 2022), not {text!r}") from None
    return day.toordinal() - EPOCH_ORDINAL
