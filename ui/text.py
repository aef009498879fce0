"""How much of a value the window shows in one place.

A title of 16 MB on one line is legal front matter under the file cap, and Qt
lays text out whole: painting it in a table cell, a tooltip, a label or the
status bar would stall the window for seconds. Every place that shows a
file's text shows at most `SHOWN_CHARS` of it, with a marker saying how much
was left out and where the rest is; the whole value stays in the Front matter
tab (`ui.raw_text`). Pure functions; any thread.
"""
from __future__ import annotations

from ui.i18n import count, tr

SHOWN_CHARS = 2000


def capped(text: str, limit: int = SHOWN_CHARS, where: str | None = None) -> str:
    """`text`, or its first `limit` characters and a marker; `where` says where
    the rest can be read (default: the Front matter tab)."""
    if len(text) <= limit:
        return text
    more = len(text) - limit
    left = count(more, tr("%Ln more character", "", more), tr("%Ln more characters", "", more))
    where = where or tr("see the Front matter tab")
    return f"{text[:limit]}… [{left}: {where}]"
