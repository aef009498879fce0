"""What a filter is, and which rows it selects: the one definition that
`copydesk list` and the window's queue both use, so they can never disagree.

A `Selection` combines a quick filter (one of `QUICK_FILTERS`), words typed
into a filter box, and the facets (`app.queue.facets`): values picked per
facet (OR within a facet) and ranges (quality, heat, date). Every part must
hold (AND). Words match case-insensitively anywhere in the title, excerpt,
provider, path or topics, and every word must match. Value filters leave out
error rows, which have no values. The review state and the duplicate groups
are not part of a row's file: the table holds them as columns that their
owner fills (`RowTable.set_review`, `RowTable.set_duplicates`; "needs" and
"no copies" until told otherwise).

The older fields (`published`, `errors_only`, `review`, `min_quality`,
`max_quality`) are the published, has-errors, review and quality facets
spelled as `copydesk list`'s first options spelled them; they constrain the
same facet (and its counts leave them out, like the facet's own values).

A selection is evaluated over a `RowTable`'s columns (`mask`), never row by
row in a second way: the window asks for the mask of its rows, the CLI builds
a table of its rows and asks the same. `app.queue.evaluation` adds each
facet's counts.

The quick filters are data: adding one is one entry in `QUICK_FILTERS`; the
window's tabs, menu entries, Ctrl+N keys and counts are built from the table.
A quick filter may also hold a facet's values ("Needs review" is every status
with review state `needs`); `copydesk list --review` is the same filter.

Pure functions of a table; call them on the table's own thread.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np

from app.article.dates import parse_day_option
from app.article.summary import ArticleSummary
from app.courtesy import pause_point
from app.queue.facets import FACET_BY_NAME, RANGE_FACETS, range_bounds, range_mask, values_mask
from app.queue.table import ERROR, PUBLISHED, UNPUBLISHED, UNSET, RowTable, haystack

__all__ = ["QUICK_FILTERS", "Chip", "QuickFilter", "Selection", "haystack", "quick_filter", "select_rows",
           "text_mask", "words_of"]

ValueChoices = tuple[tuple[str, tuple[str, ...]], ...]  # facet name -> chosen values, both sorted


@dataclass(frozen=True, slots=True)
class QuickFilter:
    name: str  # stable id, stored in settings
    label: str  # tab and menu text
    key: str  # shortcut, as a QKeySequence string
    tip: str
    statuses: frozenset[int]  # the row statuses it shows (app.queue.table's codes)
    facet: tuple[str, tuple[str, ...]] | None = None  # and, when set, these values of this facet

    def accepts(self, row: ArticleSummary) -> bool:
        """Whether one row passes, by its status (a facet part needs the table: use `mask`)."""
        from app.queue.table import status_of
        return status_of(row) in self.statuses

    def mask(self, table: RowTable, ids: np.ndarray | None = None) -> np.ndarray:
        """For each id (every slot of the table when None): does the row pass?"""
        allowed = np.zeros(4, dtype=bool)
        allowed[sorted(self.statuses)] = True
        n = table.capacity
        keep = table.alive[:n] & allowed[table.status[:n]]
        if self.facet is not None:
            keep &= values_mask(table, *self.facet)
        return keep if ids is None else keep[np.asarray(ids, dtype=np.int64)]
        return keep

    def count(self, table: RowTable) -> int:
        return int(self.mask(table).sum())


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
    QuickFilter("duplicates", "Duplicates", "Ctrl+7",
                "articles with a copy: the same URL, or the same title from the same provider", _EVERY,
                ("duplicate", ("yes",))),
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


def text_mask(table: RowTable, words: tuple[str, ...], candidates: np.ndarray | None = None, *,
              yield_every: int = 0) -> np.ndarray:
    """Over every slot: does the row's haystack hold every word? Only `candidates`
    (ids) are looked at when given; the rest are False. One pass per word over
    the rows still in the running: a list comprehension is the fastest plain
    Python test at 100,000 rows (about 20 ms a word; see bench/bench_facets.py).

    `yield_every`: on a background thread, let go of the GIL after every so many
    rows (`pause_point()`), so a GUI thread waiting for it (to paint a cell) gets
    it within a fraction of a millisecond instead of a switch interval (5 ms)."""
    n = table.capacity
    keep = np.zeros(n, dtype=bool)
    ids = (np.flatnonzero(table.alive[:n]) if candidates is None else candidates).tolist()
    hay = table.hay
    for word in words:
        if yield_every <= 0:
            ids = [i for i in ids if word in hay[i]]
            continue
        found: list[int] = []
        for start in range(0, len(ids), yield_every):
            found += [i for i in ids[start:start + yield_every] if word in hay[i]]
            pause_point()
        ids = found
    keep[ids] = True
    return keep


@dataclass(frozen=True, slots=True)
class Chip:
    """One active part of a selection, as a removable chip: its text, and the
    selection without it."""
    label: str
    tip: str
    without: Selection


@dataclass(frozen=True, slots=True)
class Selection:
    quick: str = "all"
    words: tuple[str, ...] = ()
    published: bool | None = None  # True: only published; False: not published (missing included)
    min_quality: int | None = None
    max_quality: int | None = None
    errors_only: bool = False
    review: Literal["needs", "reviewed", "changed"] | None = None  # only articles in this review state
    values: ValueChoices = ()  # values facets: name -> the values picked (a row needs one of them)
    min_heat: float | None = None
    max_heat: float | None = None
    since: str | None = None  # a day, a month or a year (app.article.dates.parse_day_option)
    until: str | None = None

    def __post_init__(self) -> None:
        cleaned = {}
        for name, chosen in self.values:
            if FACET_BY_NAME.get(name) is None or FACET_BY_NAME[name].kind != "values":
                raise ValueError(f"{name!r} is not a values facet")
            picked = tuple(sorted(set(cleaned.get(name, ())) | set(chosen)))
            if picked:
                cleaned[name] = picked
        object.__setattr__(self, "values", tuple(sorted(cleaned.items())))
        for bound in (self.since, self.until):
            if bound is not None:
                parse_day_option(bound)  # a ValueError with the reason

    # --- reading it ------------------------------------------------------------------

    @property
    def everything(self) -> bool:
        """True when nothing is filtered out (the fast path of a view)."""
        return self == _EVERYTHING

    def chosen(self, name: str) -> tuple[str, ...]:
        """The values picked in values facet `name` (the older fields included)."""
        picked = set(dict(self.values).get(name, ()))
        if name == "published" and self.published is not None:
            picked |= {"published"} if self.published else {"unpublished", "unset"}
        elif name == "errors" and self.errors_only:
            picked.add("yes")
        elif name == "review" and self.review is not None:
            picked.add(self.review)
        return tuple(sorted(picked))

    def constrains(self, name: str) -> bool:
        if FACET_BY_NAME[name].kind == "range":
            return self.range_of(name) != (None, None)
        return bool(self.chosen(name))

    def range_of(self, name: str) -> tuple[Any, Any]:
        """A range facet's bounds as the selection holds them (ints, floats or day texts)."""
        return {"quality": (self.min_quality, self.max_quality), "heat": (self.min_heat, self.max_heat),
                "date": (self.since, self.until)}[name]

    # --- changing it -----------------------------------------------------------------

    def with_values(self, name: str, chosen: Iterable[str]) -> Selection:
        """This selection with facet `name`'s values replaced by `chosen` (its older
        field, if any, folded away)."""
        rest = tuple((n, v) for n, v in self.values if n != name)
        chosen = tuple(chosen)
        changed = replace(self, values=rest + (((name, chosen),) if chosen else ()))
        if name == "published":
            changed = replace(changed, published=None)
        elif name == "errors":
            changed = replace(changed, errors_only=False)
        elif name == "review":
            changed = replace(changed, review=None)
        return changed

    def toggled(self, name: str, value: str) -> Selection:
        chosen = set(self.chosen(name))
        chosen ^= {value}
        return self.with_values(name, sorted(chosen))

    def with_range(self, name: str, low: Any, high: Any) -> Selection:
        if name == "quality":
            return replace(self, min_quality=low, max_quality=high)
        if name == "heat":
            return replace(self, min_heat=low, max_heat=high)
        return replace(self, since=low or None, until=high or None)

    def without_facets(self) -> Selection:
        """The quick filter and the words only: the panel's "Clear all"."""
        return Selection(quick=self.quick, words=self.words)

    # --- evaluating it ---------------------------------------------------------------

    def facet_masks(self, table: RowTable) -> dict[str, np.ndarray]:
        """Each constrained facet's mask over every slot (unconstrained facets are absent)."""
        masks: dict[str, np.ndarray] = {}
        for name, spec in FACET_BY_NAME.items():
            if spec.kind == "values":
                chosen = self.chosen(name)
                if chosen:
                    masks[name] = values_mask(table, name, chosen)
            elif self.constrains(name):
                low, high = range_bounds(self, name)
                masks[name] = range_mask(table, name, low, high)
        return masks

    def base_mask(self, table: RowTable, text: np.ndarray | None = None) -> np.ndarray:
        """Live rows that pass the quick filter and the words (`text`: their mask, when known)."""
        keep = quick_filter(self.quick).mask(table)
        if self.words:
            keep &= text if text is not None else text_mask(table, self.words, np.flatnonzero(keep))
        return keep

    def mask(self, table: RowTable, ids: np.ndarray | None = None) -> np.ndarray:
        """For each id (every slot of the table when `ids` is None): does its row pass?"""
        if ids is None:
            ids = np.arange(table.capacity)
        ids = np.asarray(ids, dtype=np.int64)
        keep = np.zeros(table.capacity, dtype=bool)
        keep[ids] = True
        keep &= quick_filter(self.quick).mask(table)
        for mask in self.facet_masks(table).values():
            keep &= mask
        if self.words:
            keep &= text_mask(table, self.words, np.flatnonzero(keep))
        return keep[ids]

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

    # --- showing and keeping it ------------------------------------------------------

    def chips(self) -> list[Chip]:
        """The active parts, each with the selection without it, in a stable order."""
        found: list[Chip] = []
        if self.quick != "all":
            quick = quick_filter(self.quick)
            found.append(Chip(quick.label, f"Quick filter: {quick.tip}", replace(self, quick="all")))
        for word in dict.fromkeys(self.words):
            rest = tuple(w for w in self.words if w != word)
            found.append(Chip(f"“{word}”", "Words of the filter box", replace(self, words=rest)))
        for name, spec in FACET_BY_NAME.items():
            if spec.kind == "values":
                for value in self.chosen(name):
                    others = [v for v in self.chosen(name) if v != value]
                    found.append(Chip(f"{spec.label}: {spec.value_label(value)}", spec.tip,
                                      self.with_values(name, others)))
            elif self.constrains(name):
                found.append(Chip(f"{spec.label}: {_range_text(*self.range_of(name))}", spec.tip,
                                  self.with_range(name, None, None)))
        return found

    def to_json(self) -> dict[str, Any]:
        """A plain mapping (for settings): the facets in one spelling, without the older fields."""
        out: dict[str, Any] = {"quick": self.quick, "words": list(self.words)}
        values = {name: list(self.chosen(name)) for name in FACET_BY_NAME
                  if FACET_BY_NAME[name].kind == "values" and self.chosen(name)}
        if values:
            out["values"] = values
        for spec in RANGE_FACETS:
            low, high = self.range_of(spec.name)
            if low is not None or high is not None:
                out[spec.name] = [low, high]
        return out

    @classmethod
    def from_json(cls, data: Any) -> Selection:
        """The selection `to_json` wrote; anything unusable in it (an old or a
        hand-edited setting) is left out rather than refused."""
        if not isinstance(data, dict):
            return cls()
        selection = cls(quick=quick_filter(str(data.get("quick", "all"))).name,
                        words=tuple(str(w) for w in data.get("words", ()) if isinstance(w, str) and w))
        values = data.get("values", {})
        for name, chosen in (values.items() if isinstance(values, dict) else ()):
            spec = FACET_BY_NAME.get(name)
            if spec is not None and spec.kind == "values" and isinstance(chosen, list):
                selection = selection.with_values(name, [str(v) for v in chosen])
        for spec in RANGE_FACETS:
            bounds = data.get(spec.name)
            if isinstance(bounds, list) and len(bounds) == 2:
                try:
                    selection = selection.with_range(spec.name, *(_bound(spec.name, b) for b in bounds))
                except (TypeError, ValueError):
                    continue
        return selection


def _bound(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name == "quality":
        return int(value)
    if name == "heat":
        number = float(value)
        if not math.isfinite(number):
            raise ValueError("not a finite number")
        return number
    parse_day_option(str(value))
    return str(value)


def _range_text(low: Any, high: Any) -> str:
    def shown(value: Any) -> str:
        return f"{value:g}" if isinstance(value, float) else str(value)
    if low is not None and high is not None:
        return f"{shown(low)} to {shown(high)}"
    return f"from {shown(low)}" if low is not None else f"up to {shown(high)}"


_EVERYTHING = Selection()


def select_rows(rows: Iterable[ArticleSummary], selection: Selection,
                review_of: Callable[[str], str] | None = None, duplicates: Any = None) -> list[ArticleSummary]:
    """The rows `selection` selects, by path; `review_of(relpath)` gives a row's
    review state (needed only when the selection filters on it), `duplicates`
    the queue's duplicate groups (a `DuplicateView`; needed only for the
    duplicate and has-warnings facets)."""
    return selection.select(rows_table(rows, review_of, duplicates))


def rows_table(rows: Iterable[ArticleSummary], review_of: Callable[[str], str] | None = None,
               duplicates: Any = None) -> RowTable:
    """A table of `rows` with its review and duplicate columns filled."""
    table = RowTable()
    table.put(rows)
    if review_of is not None:
        by_state: dict[str, list[str]] = {}
        for relpath in table.ids:
            by_state.setdefault(review_of(relpath), []).append(relpath)
        for state, relpaths in by_state.items():
            table.set_review(relpaths, state)
    if duplicates is not None:
        table.set_duplicates(duplicates)
    return table
