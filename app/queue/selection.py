"""What a filter is, and which rows it selects: the one definition that
`copydesk list` and the window's queue both use, so they can never disagree.

A `Selection` combines a quick filter (one of `QUICK_FILTERS`), words typed
into a filter box, value filters (published, a quality range, errors only)
and the review state (`needs`, `reviewed`, `changed`: `app.audit.review`).
Words match case-insensitively anywhere in the title, excerpt, provider,
path or topics, and every word must match. Value filters leave out error
rows, which have no values. The review state is not part of a row's file:
the table holds it as a column that its owner fills from the audit logs
(`RowTable.set_review`; "needs" until told otherwise).

A selection is evaluated over a `RowTable`'s columns (`mask`), never row by
row in a second way: the window asks for the mask of its rows, the CLI builds
a table of its rows and asks the same.

The quick filters are data: adding one is one entry in `QUICK_FILTERS`; the
window's tabs, menu entries, Ctrl+N keys and counts are built from the table.
A quick filter may also hold a facet's values ("Needs review" is every status
with review state `needs`); `copydesk list --review` is the same filter.

Pure functions of a table; call them on the table's own thread.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from app.article.summary import ArticleSummary
from app.queue.table import ERROR, PUBLISHED, REVIEW_CODES, UNPUBLISHED, UNSET, RowTable, haystack

__all__ = ["QUICK_FILTERS", "QuickFilter", "Selection", "haystack", "quick_filter", "select_rows", "words_of"]


@dataclass(frozen=True, slots=True)
class QuickFilter:
    name: str  # stable id, stored in settings
    label: str  # tab and menu text
    key: str  # shortcut, as a QKeySequence string
    tip: str
    statuses: frozenset[int]  # the row statuses it shows (app.queue.table's codes)
    facet: tuple[str, tuple[str, ...]] | None = None  # and, when set, these values of this facet ("review" only)

    def accepts(self, row: ArticleSummary) -> bool:
        """Whether one row passes, by its status (a facet part needs the table: use `mask`)."""
        from app.queue.table import status_of
        return status_of(row) in self.statuses

    def mask(self, table: RowTable, ids: np.ndarray | None = None) -> np.ndarray:
        """For each id (every slot when None): does the row pass?"""
        if ids is None:
            ids = np.arange(table.capacity)
        allowed = np.zeros(4, dtype=bool)
        allowed[sorted(self.statuses)] = True
        keep = table.alive[ids] & allowed[table.status[ids]]
        if self.facet is not None:
            keep &= _facet_mask(table, ids, *self.facet)
        return keep

    def count(self, table: RowTable) -> int:
        return int(self.mask(table).sum())


def _facet_mask(table: RowTable, ids: np.ndarray, facet: str, values: tuple[str, ...]) -> np.ndarray:
    if facet != "review":
        raise ValueError(f"no such quick-filter facet: {facet}")
    codes = np.array([REVIEW_CODES[value] for value in values], dtype=np.int8)
    return np.isin(table.review[ids], codes)


_EVERY = frozenset((ERROR, UNSET, UNPUBLISHED, PUBLISHED))
QUICK_FILTERS: tuple[QuickFilter, ...] = (
    QuickFilter("all", "All", "Ctrl+1", "every article", _EVERY),
    QuickFilter("unpublished", "Unpublished", "Ctrl+2", "readable articles not published (or not set)",
                frozenset((UNSET, UNPUBLISHED))),
    QuickFilter("published", "Published", "Ctrl+3", "readable articles that are published",
                frozenset((PUBLISHED,))),
    QuickFilter("errors", "Errors", "Ctrl+4", "files that cannot be read", frozenset((ERROR,))),
    QuickFilter("needs_review", "To review", "Ctrl+5", "needs review: articles with no decision in the audit trail", _EVERY,
                ("review", ("needs",))),
    QuickFilter("changed_since_review", "Changed", "Ctrl+6",
                "changed since review: articles whose file changed after their last logged decision", _EVERY, ("review", ("changed",))),
)
QUICK_BY_NAME = {q.name: q for q in QUICK_FILTERS}


def quick_filter(name: str) -> QuickFilter:
    """The quick filter called `name`, or "all" for a name no longer known (an old setting)."""
    return QUICK_BY_NAME.get(name, QUICK_FILTERS[0])


def quick_counts(table: RowTable) -> dict[str, int]:
    """How many rows each quick filter shows, by name."""
    counts = _status_counts(table)
    return {q.name: int(counts[sorted(q.statuses)].sum()) if q.facet is None else q.count(table)
            for q in QUICK_FILTERS}


def _status_counts(table: RowTable) -> np.ndarray:
    return np.bincount(table.status[table.alive], minlength=4)


def words_of(text: str | None) -> tuple[str, ...]:
    return tuple(text.casefold().split()) if text else ()


@dataclass(frozen=True, slots=True)
class Selection:
    quick: str = "all"
    words: tuple[str, ...] = ()
    published: bool | None = None  # True: only published; False: not published (missing included)
    min_quality: int | None = None
    max_quality: int | None = None
    errors_only: bool = False
    review: Literal["needs", "reviewed", "changed"] | None = None  # only articles in this review state

    @property
    def everything(self) -> bool:
        """True when nothing is filtered out (the fast path of a view)."""
        return self == _EVERYTHING

    def mask(self, table: RowTable, ids: np.ndarray | None = None) -> np.ndarray:
        """For each id (every slot of the table when `ids` is None): does its row pass?"""
        if ids is None:
            ids = np.arange(table.capacity)
        status = table.status[ids]
        keep = quick_filter(self.quick).mask(table, ids)
        if self.review is not None:
            keep &= table.review[ids] == REVIEW_CODES[self.review]
        if self.errors_only:
            keep &= status == ERROR
        if self.published is True:
            keep &= status == PUBLISHED
        elif self.published is False:
            keep &= (status == UNSET) | (status == UNPUBLISHED)
        if self.min_quality is not None or self.max_quality is not None:
            quality = table.quality[ids]
            keep &= quality >= max(0, self.min_quality or 0)  # -1 (missing, or an error row) never passes
            if self.max_quality is not None:
                keep &= quality <= self.max_quality
        if self.words:
            candidates = np.flatnonzero(keep)
            hay = table.hay
            words = self.words
            found = [all(word in hay[i] for word in words) for i in ids[candidates].tolist()]
            keep[candidates] = np.array(found, dtype=bool) if found else keep[candidates]
        return keep

    def select(self, table: RowTable) -> list[ArticleSummary]:
        """The rows that pass, by path (what `copydesk list` prints)."""
        ids = np.flatnonzero(self.mask(table))
        return sorted(table.rows_of(ids), key=lambda row: row.path)

    def matches(self, row: ArticleSummary, review: str | None = None) -> bool:
        """One row, through the same definition (a one-row table); `review`:
        the row's review state (None: "needs")."""
        table = RowTable()
        table.put([row])
        if review is not None:
            table.set_review([row.path], review)
        return bool(self.mask(table)[0])


_EVERYTHING = Selection()


def select_rows(rows: Iterable[ArticleSummary], selection: Selection,
                review_of: Callable[[str], str] | None = None) -> list[ArticleSummary]:
    """The rows `selection` selects, by path; `review_of(relpath)` gives a row's
    review state (needed only when the selection filters on it)."""
    table = RowTable()
    table.put(rows)
    if selection.review is not None and review_of is not None:
        for relpath in list(table.ids):
            table.set_review([relpath], review_of(relpath))
    return selection.select(table)
