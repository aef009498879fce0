"""What a filter is, and which rows it selects: the one definition that
`copydesk list` and the window's queue both use, so they can never disagree.

A `Selection` combines a quick filter (one of `QUICK_FILTERS`), words typed
into a filter box, value filters (published, a quality range, errors only)
and the review state (`needs`, `reviewed`, `changed`: `app.audit.review`).
Words match case-insensitively anywhere in the title, excerpt, provider,
path or topics, and every word must match. Value filters leave out error
rows, which have no values. The review state is not part of a row: the
caller passes each row's (`matches(row, review=...)`; None means "needs",
no decision logged).

The quick filters are data: adding one is one entry in `QUICK_FILTERS`; the
window's tabs, menu entries, Ctrl+N keys and counts are built from the table.

Pure functions on `ArticleSummary` rows; any thread.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from app.article.summary import ArticleSummary


@dataclass(frozen=True, slots=True)
class QuickFilter:
    name: str  # stable id, stored in settings
    label: str  # tab and menu text
    key: str  # shortcut, as a QKeySequence string
    tip: str
    accepts: Callable[[ArticleSummary], bool]


QUICK_FILTERS: tuple[QuickFilter, ...] = (
    QuickFilter("all", "All", "Ctrl+1", "every article", lambda row: True),
    QuickFilter("unpublished", "Unpublished", "Ctrl+2", "readable articles not published (or not set)",
                lambda row: row.error is None and row.published is not True),
    QuickFilter("published", "Published", "Ctrl+3", "readable articles with published: true",
                lambda row: row.error is None and row.published is True),
    QuickFilter("errors", "Errors", "Ctrl+4", "files that cannot be read",
                lambda row: row.error is not None),
)
QUICK_BY_NAME = {q.name: q for q in QUICK_FILTERS}


def quick_filter(name: str) -> QuickFilter:
    """The quick filter called `name`, or "all" for a name no longer known (an old setting)."""
    return QUICK_BY_NAME.get(name, QUICK_FILTERS[0])


def haystack(row: ArticleSummary) -> str:
    """The text words are looked for in, casefolded once per row."""
    return "\n".join((row.title, row.excerpt, row.provider, row.path, *row.topics)).casefold()


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

    def matches(self, row: ArticleSummary, hay: str | None = None, review: str | None = None) -> bool:
        """Does `row` pass? `hay` is `haystack(row)` when the caller keeps it;
        `review` the row's review state (None: "needs")."""
        if not quick_filter(self.quick).accepts(row):
            return False
        if self.review is not None and (review or "needs") != self.review:
            return False
        if self.errors_only and row.error is None:
            return False
        if self.published is not None and (row.error is not None or (row.published is True) != self.published):
            return False
        if self.min_quality is not None and (row.quality is None or row.quality < self.min_quality):
            return False
        if self.max_quality is not None and (row.quality is None or row.quality > self.max_quality):
            return False
        if self.words:
            text = hay if hay is not None else haystack(row)
            return all(word in text for word in self.words)
        return True

    def select(self, rows: Iterable[ArticleSummary],
               review_of: Callable[[str], str] | None = None) -> list[ArticleSummary]:
        """The rows that pass; `review_of(relpath)` gives a row's review state
        (needed only when the selection filters on it)."""
        if self.review is not None and review_of is not None:
            return [row for row in rows if self.matches(row, review=review_of(row.path))]
        return [row for row in rows if self.matches(row)]


_EVERYTHING = Selection()
