"""How much of a value the window shows in one place.

A title of 16 MB on one line is legal front matter under the file cap, and Qt
lays text out whole: painting it in a table cell, a tooltip, a label or the
status bar would stall the window for seconds. Every place that shows a
file's text shows at most `SHOWN_CHARS` of it, with a marker saying how much
was left out; the whole value stays in the Front matter tab (`ui.raw_text`).
Pure functions; any thread.
"""
from __future__ import annotations

SHOWN_CHARS = 2000


def capped(text: str, limit: int = SHOWN_CHARS) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [{len(text) - limit:,} more characters: see the Front matter tab]"
