"""Writing a view of the queue to CSV or JSON: the rows a filter shows, in an
order, with some of the queue's columns. The window's File > Export View and
`copydesk list --csv` both write through here, so the same rows and columns
give the same bytes.

Values are the data, not the cells' decoration: status as a word
(`published`, `unpublished`, `not set`, `error`), quality and heat as numbers
(empty when missing), the date as written, topics joined by "; " (a list in
JSON), the file as its path inside the queue. CSV follows the csv module's
"excel" dialect (RFC 4180 quoting, CRLF line ends), UTF-8 without a BOM; a
title with commas, quotes or line breaks reads back as it was.

Writers take an `on_progress(done, total)` callback and a `cancelled()` check,
called every `PROGRESS_EVERY` rows, so the window can run them on a worker.
Pure functions; any thread.
"""
from __future__ import annotations

import csv
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import IO, Any

from app.article.summary import ArticleSummary
from app.queue.table import SortColumn, status_of

PROGRESS_EVERY = 2000
_STATUS_WORDS = ("error", "not set", "unpublished", "published")


@dataclass(frozen=True, slots=True)
class ExportColumn:
    column: int  # SortColumn: the window's column number
    name: str  # the CSV header and JSON key
    value: Callable[[ArticleSummary], Any]  # a JSON value (str, number, list, None)


def _number(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


EXPORT_COLUMNS: dict[int, ExportColumn] = {c.column: c for c in (
    ExportColumn(SortColumn.STATUS, "status", lambda r: _STATUS_WORDS[status_of(r)]),
    ExportColumn(SortColumn.QUALITY, "quality", lambda r: r.quality),
    ExportColumn(SortColumn.TITLE, "title", lambda r: r.title or None),
    ExportColumn(SortColumn.PROVIDER, "provider", lambda r: r.provider or None),
    ExportColumn(SortColumn.DATE, "date", lambda r: r.published_at or None),
    ExportColumn(SortColumn.TOPICS, "topics", lambda r: list(r.topics)),
    ExportColumn(SortColumn.HEAT, "heat", lambda r: _number(r.heat)),
    ExportColumn(SortColumn.FILE, "file", lambda r: r.path),
    ExportColumn(SortColumn.IMAGE, "image", lambda r: r.image_url or None),
)}
# The window's columns shown by default, and what `copydesk list --csv` writes: those plus the file.
DEFAULT_COLUMNS = (SortColumn.STATUS, SortColumn.QUALITY, SortColumn.TITLE, SortColumn.PROVIDER, SortColumn.DATE,
                   SortColumn.TOPICS, SortColumn.HEAT)
LIST_COLUMNS = DEFAULT_COLUMNS + (SortColumn.FILE,)
SORT_NAMES = {c.name: c.column for c in EXPORT_COLUMNS.values()}


class Cancelled(Exception):
    """The caller's `cancelled()` said so; what was written is incomplete."""


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(value)
    return str(value)


def _ticks(total: int, on_progress: Callable[[int, int], None] | None,
           cancelled: Callable[[], bool] | None) -> Callable[[int], None]:
    def tick(done: int) -> None:
        if cancelled is not None and cancelled():
            raise Cancelled
        if on_progress is not None:
            on_progress(done, total)
    return tick


def write_csv(rows: Sequence[ArticleSummary], columns: Sequence[int], out: IO[str], *,
              on_progress: Callable[[int, int], None] | None = None,
              cancelled: Callable[[], bool] | None = None) -> None:
    """`out` should be opened with newline="" (the csv module writes its own line ends)."""
    chosen = [EXPORT_COLUMNS[c] for c in columns]
    writer = csv.writer(out)
    writer.writerow([c.name for c in chosen])
    tick = _ticks(len(rows), on_progress, cancelled)
    for start in range(0, len(rows), PROGRESS_EVERY):
        writer.writerows([_cell(c.value(row)) for c in chosen] for row in rows[start:start + PROGRESS_EVERY])
        tick(min(start + PROGRESS_EVERY, len(rows)))


def write_json(rows: Sequence[ArticleSummary], columns: Sequence[int], out: IO[str], *,
               on_progress: Callable[[int, int], None] | None = None,
               cancelled: Callable[[], bool] | None = None) -> None:
    """One JSON array, one object per row with the columns' names as keys."""
    chosen = [EXPORT_COLUMNS[c] for c in columns]
    tick = _ticks(len(rows), on_progress, cancelled)
    out.write("[")
    for start in range(0, len(rows), PROGRESS_EVERY):
        part = ",\n".join(json.dumps({c.name: c.value(row) for c in chosen}, ensure_ascii=False)
                          for row in rows[start:start + PROGRESS_EVERY])
        out.write(("\n" if start == 0 else ",\n") + part)
        tick(min(start + PROGRESS_EVERY, len(rows)))
    out.write("\n]\n" if rows else "]\n")


def sorted_rows(rows: Sequence[ArticleSummary], column: int, descending: bool = False) -> list[ArticleSummary]:
    """Rows in the window's order for a column (`table.sort_key`; descending is the
    ascending order read backwards, as the window reads it)."""
    from app.queue.table import sort_key

    ordered = sorted(rows, key=lambda row: sort_key(column, row))
    return ordered[::-1] if descending else ordered
