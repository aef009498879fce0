"""A range facet's bound as an editor types it (quality, heat, date): the one
reading that `copydesk list --min-quality ...` and the window's facet boxes
share, with the same words for what is wrong. Light: no numpy, no SQLite (the
command line's argument parsing imports it)."""
from __future__ import annotations

import math
import re

from app.article.dates import parse_day_option
from app.article.model import QUALITY_MAX, QUALITY_MIN

_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")  # ASCII only: not "1_0", not a full-width "５"


def parse_quality(text: str) -> int:
    """A whole number from QUALITY_MIN to QUALITY_MAX, in ASCII digits (a sign
    is read, so that -5 gets a range error rather than a puzzling one).
    ValueError says what is wrong."""
    stripped = text.strip()
    if not _WHOLE_NUMBER.fullmatch(stripped):
        raise ValueError(f"expected a whole number, not {text!r}")
    value = int(stripped)
    if not QUALITY_MIN <= value <= QUALITY_MAX:
        raise ValueError(f"must be from {QUALITY_MIN} to {QUALITY_MAX}, not {value}")
    return value


def parse_heat(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"expected a number, not {text!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"expected a finite number, not {text!r}")
    return value


def parse_day(text: str) -> str:
    """A day, month or year (`parse_day_option`), kept as typed (stripped)."""
    parse_day_option(text)
    return text.strip()


_PARSERS = {"quality": parse_quality, "heat": parse_heat, "date": parse_day}


def parse_bounds(name: str, low: str, high: str) -> tuple[int | float | str | None, int | float | str | None]:
    """The two bounds of range facet `name` (empty: no bound). ValueError says
    what is wrong, a reversed range included."""
    values = [_PARSERS[name](text) if text.strip() else None for text in (low, high)]
    first, last = values
    if first is not None and last is not None:
        reversed_range = (parse_day_option(str(first)) > parse_day_option(str(last), end=True) if name == "date"
                          else first > last)  # type: ignore[operator]
        if reversed_range:
            raise ValueError(f"the lower bound {low.strip()} is above the upper one {high.strip()}")
    return first, last
