"""The facets: every way of narrowing the queue by a value, defined once.

`FACETS` is the table the window's facet panel, its chips, `copydesk list`'s
options and `copydesk list --facets` are all built from. A facet is one of:

- a **values** facet (provider, topic, category, type, published, review,
  has images, has errors, has warnings, duplicate): the editor picks values,
  and a row passes when it has *any* of them (OR within a facet);
- a **range** facet (quality, heat, date): a low and a high bound, either
  optional, both inclusive; its counts are buckets (quality in tens, heat on
  a log scale, dates by month), in their natural order.

Across facets, and with the quick filter and the filter box's words, every
constraint must hold (AND). A facet's counts say how many rows each of its
values would match given *all the other* constraints, its own left out, so
the counts stay useful while several values of one facet are picked
(`app.queue.selection.evaluate`).

Every facet is computed on the `RowTable`'s columns (codes, numbers, the topic
pairs), never by looking at rows one by one. Value filters leave out error
rows, which have no values: of the values facets, only "has errors" counts
them. A value facet's "" is "no value" (no provider, no topics), shown as
"(none)"; `copydesk list --topic ''` selects it.

Pure functions of a table; call them on the table's own thread (or on a copy).
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np

from app.article.dates import NO_DAY, date_of_day, parse_day_option
from app.queue.table import COPY, ERROR, NO_COPY, PUBLISHED, REVIEW_CODES, SIMILAR, UNPUBLISHED, UNSET, RowTable


class RangeChoices(Protocol):
    """What `range_bounds` reads of a selection (`app.queue.selection.Selection`,
    which imports this module: named here by its shape, not imported)."""

    min_quality: int | None
    max_quality: int | None
    min_heat: float | None
    max_heat: float | None
    since: str | None
    until: str | None

NONE_LABEL = "(none)"
Counts = list[tuple[str, int]]  # (value, rows it would match), in the order a panel shows them


@dataclass(frozen=True, slots=True)
class Facet:
    name: str  # stable id: the Selection's key, the settings' key, the JSON key
    label: str  # the panel's heading
    kind: Literal["values", "range"]
    option: str  # `copydesk list`'s option
    tip: str
    searchable: bool = False  # many values: the panel gives it a filter box
    fixed: tuple[str, ...] = ()  # a values facet with a fixed set of values, in this order
    labels: tuple[str, ...] = ()  # how each fixed value reads in the panel
    needs: str = ""  # "review": shown only where the audit trail exists

    def value_label(self, value: str) -> str:
        if self.fixed and value in self.fixed:
            return self.labels[self.fixed.index(value)]
        return value if value else NONE_LABEL


_YES_NO = ("yes", "no")
FACETS: tuple[Facet, ...] = (
    Facet("provider", "Provider", "values", "--provider", "who published it", searchable=True),
    Facet("topic", "Topic", "values", "--topic", "any of its topics", searchable=True),
    Facet("category", "Category", "values", "--category", "its category"),
    Facet("type", "Type", "values", "--type", "its type (article, video, ...)"),
    Facet("published", "Published", "values", "--published", "the publish decision on disk",
          fixed=("published", "unpublished", "unset"), labels=("Published", "Unpublished", "Not set")),
    Facet("review", "Review", "values", "--review", "the review state from the audit trail",
          fixed=("needs", "reviewed", "changed"), labels=("Needs review", "Reviewed", "Changed since review"),
          needs="review"),
    Facet("quality", "Quality", "range", "--min-quality/--max-quality", "quality from low to high (inclusive)"),
    Facet("heat", "Heat", "range", "--min-heat/--max-heat", "heat from low to high (inclusive)"),
    Facet("date", "Date", "range", "--since/--until", "the article's date, from day to day (inclusive)"),
    Facet("images", "Has images", "values", "--has-images/--no-images", "at least one image with a url",
          fixed=_YES_NO, labels=("With images", "Without images")),
    Facet("errors", "Has errors", "values", "--has-errors/--no-errors", "the file cannot be read",
          fixed=_YES_NO, labels=("Unreadable", "Readable")),
    Facet("warnings", "Has warnings", "values", "--has-warnings/--no-warnings",
          "a check found something (a duplicate counts)",
          fixed=_YES_NO, labels=("With warnings", "Without warnings")),
    Facet("duplicate", "Duplicate", "values", "--duplicates/--similar/--no-duplicates",
          "yes: it shares a URL, or a title and provider, with another article; similar: only a similar title "
          "and excerpt", fixed=("yes", "similar", "no"), labels=("Duplicate", "Similar only", "No copies")),
)
FACET_BY_NAME = {facet.name: facet for facet in FACETS}
RANGE_FACETS = tuple(f for f in FACETS if f.kind == "range")


# --- values facets: per-row codes -----------------------------------------------

def _memo(table: RowTable, key: object, make: Callable[[], object]) -> object:
    """What depends on the table alone (not on the selection), computed once per
    table version: an evaluation asks for it once per facet, and a copy of the
    table on another thread is evaluated many times at one version (typing)."""
    memo = table.__dict__.get("_facet_memo")
    if memo is None or memo.get("version") != table.version:
        memo = table.__dict__["_facet_memo"] = {"version": table.version}
    if key not in memo:
        memo[key] = make()
    return memo[key]


def _readable(table: RowTable) -> np.ndarray:
    def make() -> np.ndarray:
        n = table.capacity
        return table.alive[:n] & (table.status[:n] != ERROR)
    return _memo(table, "readable", make)  # type: ignore[return-value]


def _coded(column: str, vocabulary: str) -> Callable[[RowTable], tuple[np.ndarray, list[str]]]:
    def codes(table: RowTable) -> tuple[np.ndarray, list[str]]:
        return table.__getattribute__(column)[:table.capacity], table.__getattribute__(vocabulary).values
    return codes


def _published(table: RowTable) -> tuple[np.ndarray, list[str]]:
    to_code = np.array([-1, 2, 1, 0], dtype=np.int32)  # status ERROR, UNSET, UNPUBLISHED, PUBLISHED -> value
    assert (ERROR, UNSET, UNPUBLISHED, PUBLISHED) == (0, 1, 2, 3)
    return to_code[table.status[:table.capacity]], ["published", "unpublished", "unset"]


def _review(table: RowTable) -> tuple[np.ndarray, list[str]]:
    names = sorted(REVIEW_CODES, key=REVIEW_CODES.__getitem__)
    return table.review[:table.capacity].astype(np.int32), names


def _yes_no(truth: Callable[[RowTable], np.ndarray]) -> Callable[[RowTable], tuple[np.ndarray, list[str]]]:
    def codes(table: RowTable) -> tuple[np.ndarray, list[str]]:
        return np.where(truth(table), 0, 1).astype(np.int32), ["yes", "no"]
    return codes


def _duplicate(table: RowTable) -> tuple[np.ndarray, list[str]]:
    dup = table.dup[:table.capacity]
    codes = np.full(len(dup), 2, dtype=np.int32)
    codes[dup == COPY] = 0
    codes[dup == SIMILAR] = 1
    return codes, ["yes", "similar", "no"]


def has_warnings(table: RowTable) -> np.ndarray:
    n = table.capacity
    return (table.warned[:n] > 0) | (table.dup[:n] == COPY)


_CODES: dict[str, Callable[[RowTable], tuple[np.ndarray, list[str]]]] = {
    "provider": _coded("provider", "providers"),
    "category": _coded("category", "categories"),
    "type": _coded("type", "types"),
    "published": _published,
    "review": _review,
    "images": _yes_no(lambda t: t.images[:t.capacity] > 0),
    "errors": _yes_no(lambda t: t.status[:t.capacity] == ERROR),
    "warnings": _yes_no(has_warnings),
    "duplicate": _duplicate,
}
# Facets that describe a file's values: error rows never pass them, nor count in them.
_VALUE_ONLY = frozenset(("provider", "topic", "category", "type", "published", "images", "warnings"))


def _codes_of(table: RowTable, name: str) -> tuple[np.ndarray, list[str]]:
    return _memo(table, ("codes", name), lambda: _CODES[name](table))  # type: ignore[return-value]


def _has_topics(table: RowTable) -> np.ndarray:
    return _memo(table, "has topics", lambda: table.topics.has_any(table.capacity))  # type: ignore[return-value]


def values_mask(table: RowTable, name: str, chosen: tuple[str, ...]) -> np.ndarray:
    """Over every slot: does the row have one of `chosen` (this values facet's values)?"""
    n = table.capacity
    if name == "topic":
        vocabulary = table.topics.vocabulary
        mask = table.topics.having(n, vocabulary.lookup(v for v in chosen if v))
        if "" in chosen:
            mask |= ~_has_topics(table)
    else:
        codes, names = _codes_of(table, name)
        index = {value: code for code, value in enumerate(names)}
        picked = np.zeros(len(names) + 1, dtype=bool)  # the last entry is "no such code" (-1)
        for value in chosen:
            if value in index:
                picked[index[value]] = True
        mask = picked[codes]
    if name in _VALUE_ONLY:
        mask &= _readable(table)
    return mask


def values_counts(table: RowTable, name: str, among: np.ndarray, chosen: tuple[str, ...] = ()) -> Counts:
    """How many rows in `among` (a mask over every slot) each value would match:
    fixed values in their order, others by count (most first), then by value.
    Values no live row has are left out, unless chosen."""
    spec = FACET_BY_NAME[name]
    if name in _VALUE_ONLY:
        among = among & _readable(table)
    if name == "topic":
        counts = table.topics.count(among)
        names = table.topics.vocabulary.values
        present = _memo(table, ("present", name), lambda: table.topics.count(table.alive[:table.capacity]) > 0)
        none = int((among & ~_has_topics(table)).sum())
        found = [(names[code], int(counts[code])) for code in np.flatnonzero(present).tolist() if code]
        if none or "" in chosen or _any_readable_without_topics(table):
            found.append(("", none))
    else:
        codes, names = _codes_of(table, name)
        valid = among & (codes >= 0)
        counts = np.bincount(codes[valid], minlength=len(names))
        if spec.fixed:
            return [(value, int(counts[names.index(value)])) for value in spec.fixed]

        def make_present() -> np.ndarray:
            alive = table.alive[:table.capacity]
            if name in _VALUE_ONLY:
                alive = alive & _readable(table)
            return np.bincount(codes[alive & (codes >= 0)], minlength=len(names)) > 0
        present = _memo(table, ("present", name), make_present)
        found = [(names[code], int(counts[code])) for code in np.flatnonzero(present).tolist()]
    for value in chosen:
        if value not in {v for v, _ in found}:
            found.append((value, 0))
    found.sort(key=lambda item: (item[0] == "", -item[1], item[0].casefold(), item[0]))  # "(none)" last
    return found


def _any_readable_without_topics(table: RowTable) -> bool:
    return bool((_readable(table) & ~_has_topics(table)).any())


# --- range facets -------------------------------------------------------------------

# Heat buckets, as (label, low, high) with inclusive bounds, so a bucket's
# count is exactly what a click on it (which sets those bounds) shows; a value
# on an edge (heat 10) counts in both buckets that share it.
_HEAT_BUCKETS: tuple[tuple[str, float | None, float | None], ...] = (
    ("up to 0", None, 0.0), ("0 to 1", 0.0, 1.0), ("1 to 10", 1.0, 10.0), ("10 to 100", 10.0, 100.0),
    ("100 to 1,000", 100.0, 1000.0), ("1,000 and more", 1000.0, None))


def range_bounds(selection: RangeChoices, name: str) -> tuple[float | None, float | None]:
    """A range facet's (low, high) in the Selection, as numbers (days for the date)."""
    if name == "quality":
        return _f(selection.min_quality), _f(selection.max_quality)
    if name == "heat":
        return selection.min_heat, selection.max_heat
    low = parse_day_option(selection.since) if selection.since else None
    high = parse_day_option(selection.until, end=True) if selection.until else None
    return _f(low), _f(high)


def _f(value: int | None) -> float | None:
    return None if value is None else float(value)


def range_values(table: RowTable, name: str) -> np.ndarray:
    """The facet's value per slot as float64; NaN where the row has none (never in a range).
    Shared (computed once per table version): do not change it."""
    return _memo(table, ("range", name), lambda: _range_values(table, name))  # type: ignore[return-value]


def _range_values(table: RowTable, name: str) -> np.ndarray:
    n = table.capacity
    if name == "quality":
        values = table.quality[:n].astype(np.float64)
        values[values < 0] = math.nan
    elif name == "heat":
        values = table.heat[:n].copy()
    else:
        values = table.day[:n].astype(np.float64)
        values[table.day[:n] == NO_DAY] = math.nan
    values[~_readable(table)] = math.nan
    return values


def _within(values: np.ndarray, low: float | None, high: float | None) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        mask = ~np.isnan(values)
        if low is not None:
            mask &= values >= low
        if high is not None:
            mask &= values <= high
    return mask


def range_mask(table: RowTable, name: str, low: float | None, high: float | None) -> np.ndarray:
    return _within(range_values(table, name), low, high)


def range_counts(table: RowTable, name: str, among: np.ndarray) -> Counts:
    """Bucket counts of `among` (a mask over every slot), in bucket order, plus
    "" for the readable rows with no value: quality in tens (90-100 the last),
    heat on a log scale, dates by month. Only buckets the live rows fill are listed."""
    values = range_values(table, name)
    valued = _memo(table, ("valued", name), lambda: ~np.isnan(values))
    assert isinstance(valued, np.ndarray)
    has = among & valued
    if name == "quality":
        buckets = _memo(table, ("buckets", name), lambda: np.minimum(np.nan_to_num(values) // 10, 9).astype(np.int64))
        assert isinstance(buckets, np.ndarray)
        present = _memo(table, ("present", name), lambda: np.flatnonzero(
            np.bincount(buckets[table.alive[:table.capacity] & valued], minlength=10)))
        counts = np.bincount(buckets[has], minlength=10)
        found = [(f"{b * 10}-{b * 10 + 9 if b < 9 else 100}", int(counts[b])) for b in present.tolist()]  # type: ignore[union-attr]
    elif name == "heat":
        live = _memo(table, ("live", name), lambda: values[table.alive[:table.capacity] & valued])
        chosen = values[has]
        found = [(label, int(_within(chosen, low, high).sum())) for label, low, high in _HEAT_BUCKETS
                 if _memo(table, ("heat bucket", label), lambda low=low, high=high: bool(_within(live, low, high).any()))]  # type: ignore[arg-type]
    else:
        months = _memo(table, ("months", name), lambda: _months(np.nan_to_num(values)))
        assert isinstance(months, np.ndarray)

        def make_present() -> np.ndarray:
            live = months[table.alive[:table.capacity] & valued]
            if not len(live):
                return live
            return np.flatnonzero(np.bincount(live - live.min())) + live.min()
        present = _memo(table, ("present", name), make_present)
        assert isinstance(present, np.ndarray)
        found = []
        if len(present):
            counts = np.bincount(months[has] - present[0], minlength=int(present[-1] - present[0] + 1))
            found = [(_month_label(m), int(counts[m - present[0]])) for m in present.tolist()]
    missing = _memo(table, ("missing", name), lambda: _readable(table) & ~valued)
    assert isinstance(missing, np.ndarray)
    if missing.any():
        found.append(("", int((among & missing).sum())))
    return found


def bucket_bounds(name: str, bucket: str) -> tuple[str, str]:
    """The (low, high) a bucket of `range_counts` stands for, as the text of a
    range's two bounds (what a click on the bucket puts in the panel's fields)."""
    if name == "quality":
        low, _, high = bucket.partition("-")
        return low, high
    if name == "heat":
        _, low_value, high_value = next(b for b in _HEAT_BUCKETS if b[0] == bucket)
        return ("" if low_value is None else f"{low_value:g}"), ("" if high_value is None else f"{high_value:g}")
    return bucket, bucket  # a month: parse_day_option takes "2022-02" as its first (or, for until, last) day


def _months(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


def _month_label(month: int) -> str:
    day = np.datetime64(month, "M").astype("datetime64[D]").astype(np.int64)
    return date_of_day(int(day)).strftime("%Y-%m")


__all__ = ["FACETS", "FACET_BY_NAME", "NONE_LABEL", "NO_COPY", "RANGE_FACETS", "Counts", "Facet",
           "bucket_bounds", "facet", "has_warnings", "range_bounds", "range_counts", "range_mask", "values_counts",
           "values_mask"]
