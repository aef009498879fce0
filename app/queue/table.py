"""Every row of a queue as columns: the one place selecting, sorting and
counting read from, for the window and `copydesk list` alike.

A row gets an id (its slot) when it arrives and keeps it until it leaves;
numeric columns are numpy arrays indexed by id, so a filter is a boolean mask
and a count is a sum, computed in microseconds per thousand rows instead of a
Python loop over summaries. Sorting uses byte keys (`sort_key`): the same key
is used by a full sort (numpy's argsort of a fixed-width byte array, which
runs without holding the GIL, so it can run beside the GUI thread) and by
`insort_position` for rows that change one at a time.

numpy was chosen over the standard library after measuring at 100,000 rows
(bench/bench_table.py): a filter mask and a view of the sorted ids take
under 1 ms against 10-15 ms for list comprehensions, a full sort runs off the
GIL (the GUI thread keeps its 50 ms budget), and counts are a sum.

Threading: a table belongs to one thread (the window's GUI thread, or the
CLI's main thread). `sorted_ids` may run on another thread over a snapshot
(`snapshot()`), since it reads only what the snapshot holds.
"""
from __future__ import annotations

import math
import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Protocol

import numpy as np

from app.article.dates import NO_DAY, day_number
from app.article.summary import ArticleSummary
from app.queue.codes import Memberships, Vocabulary
from app.queue.duplicate_groups import MarkColumns
from app.courtesy import pause_point

# Status codes: the order is the Status column's sort order.
ERROR: Final = 0
UNSET: Final = 1
UNPUBLISHED: Final = 2
PUBLISHED: Final = 3

# Review states (from the audit logs, `app.audit.review`), as a column.
REVIEW_CODES = {"needs": 0, "reviewed": 1, "changed": 2}
REVIEW_NAMES = {code: name for name, code in REVIEW_CODES.items()}
# The duplicate column (from the queue's duplicate groups, `app.queue.duplicates`).
NO_COPY, COPY, SIMILAR = 0, 1, 2  # COPY: a url or title group; SIMILAR: only a similar one

_KEY_SLICE = 2000  # sort keys built between two pause points (about 2 ms)
KEY_BYTES = 112  # sort keys are cut here, the same way for a full sort and for insort_position
_VALUE_BYTES = 48  # of which the column's value takes at most this (the path breaks ties)
_SEP = b"\x01"  # below every printable byte: a shorter value sorts first


def haystack(row: ArticleSummary) -> str:
    """The text a filter's words are looked for in, casefolded once per row:
    title, excerpt, provider, path and topics."""
    return "\n".join((row.title, row.excerpt, row.provider, row.path, *row.topics)).casefold()


def status_of(row: ArticleSummary) -> int:
    if row.error is not None:
        return ERROR
    if row.published is True:
        return PUBLISHED
    return UNPUBLISHED if row.published is False else UNSET


class SortColumn:
    """The sortable columns, by their number in the window's table."""

    STATUS, QUALITY, TITLE, PROVIDER, DATE, TOPICS, HEAT, FILE, IMAGE = range(9)


def _sortable_float(value: float) -> bytes:
    """8 bytes whose byte order is the float's order (as hex: no NUL in a key)."""
    bits = struct.unpack(">Q", struct.pack(">d", value))[0]
    bits = bits ^ 0xFFFFFFFFFFFFFFFF if bits >> 63 else bits | (1 << 63)
    return b"%016x" % bits


def _text_key(text: str) -> bytes:
    return text.casefold().encode("utf-8", "surrogateescape")[:_VALUE_BYTES]


def sort_key(column: int, row: ArticleSummary) -> bytes:
    """What `row` sorts by in `column`: the value, then the path (ties never
    depend on arrival order). Error rows have no values: they sort as empty."""
    if column == SortColumn.STATUS:
        value = b"%d" % status_of(row)
    elif column == SortColumn.QUALITY:
        value = b"%03d" % (0 if row.quality is None else row.quality + 1)
    elif column == SortColumn.TITLE:
        value = _text_key(row.title)
    elif column == SortColumn.PROVIDER:
        value = _text_key(row.provider)
    elif column == SortColumn.DATE:
        value = row.published_at.encode("utf-8", "surrogateescape")[:_VALUE_BYTES]
    elif column == SortColumn.TOPICS:
        value = _text_key(", ".join(row.topics))
    elif column == SortColumn.HEAT:
        value = _sortable_float(-math.inf if row.heat is None else float(row.heat))
    elif column == SortColumn.IMAGE:
        value = row.image_url.encode("utf-8", "surrogateescape")[:_VALUE_BYTES]
    else:  # FILE
        value = b""
    return (value + _SEP + row.path.encode("utf-8", "surrogateescape"))[:KEY_BYTES]


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What a sort on another thread needs, copied on the table's own thread."""

    version: int
    ids: np.ndarray  # the live ids
    rows: list[ArticleSummary | None]  # by id


def sorted_ids(snapshot: Snapshot, column: int) -> np.ndarray:
    """The snapshot's live ids in ascending `sort_key` order. Any thread: the
    keys are built in Python (which yields the GIL every few milliseconds) and
    sorted by numpy without holding it."""
    rows, ids = snapshot.rows, snapshot.ids
    if not len(ids):
        return ids.copy()
    # Straight into one fixed-width array, a slice at a time: no list of 100,000
    # bytes objects (30 MB more at the peak), and a paint on the GUI thread goes first.
    keys = np.empty(len(ids), dtype=f"S{KEY_BYTES}")
    for start in range(0, len(ids), _KEY_SLICE):
        pause_point()
        keys[start:start + _KEY_SLICE] = [sort_key(column, rows[i])  # type: ignore[arg-type]
                                          for i in ids[start:start + _KEY_SLICE].tolist()]
    order = np.argsort(keys, kind="stable")
    return snapshot.ids[order]


class RowTable:
    """The rows of one queue, by id, with their columns."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}  # relpath -> id
        self.rows: list[ArticleSummary | None] = []  # by id; None for a free slot
        self.hay: list[str] = []  # by id: selection's haystack of the row
        self._hay_shared = False  # a copy holds `hay` as it is: copy it before changing it
        self._free: list[int] = []
        self.alive = np.zeros(0, dtype=bool)
        self.status = np.zeros(0, dtype=np.int8)
        self.quality = np.zeros(0, dtype=np.int16)  # -1: missing or invalid
        self.review = np.zeros(0, dtype=np.int8)  # REVIEW_CODES; "needs" until its owner says otherwise
        # The facets' columns (app.queue.facets): text values as codes, numbers as numbers.
        self.providers, self.categories, self.types = Vocabulary(), Vocabulary(), Vocabulary()
        self.topics = Memberships()
        self.provider = np.zeros(0, dtype=np.int32)
        self.category = np.zeros(0, dtype=np.int32)
        self.type = np.zeros(0, dtype=np.int32)
        self.heat = np.zeros(0, dtype=np.float64)  # NaN: missing
        self.day = np.zeros(0, dtype=np.int32)  # the date's day since 1970-01-01; NO_DAY: none that parses
        self.images = np.zeros(0, dtype=np.int16)
        self.warned = np.zeros(0, dtype=np.int16)  # the row's own warnings (a duplicate is counted apart)
        # Set by the owner from the duplicate groups (`set_duplicates`): NO_COPY, COPY or
        # SIMILAR, and the strong group's size (1: no copies).
        self.dup = np.zeros(0, dtype=np.int8)
        self.dup_size = np.zeros(0, dtype=np.int32)
        self.version = 0  # bumped by every change
        self._snapshot: Snapshot | None = None

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def capacity(self) -> int:
        return len(self.hay)

    def id_of(self, relpath: str) -> int | None:
        return self.ids.get(relpath)

    def live_ids(self) -> np.ndarray:
        return np.flatnonzero(self.alive).astype(np.int64)

    def snapshot(self) -> Snapshot:
        """A copy for another thread; shared while the table is unchanged (copying
        100,000 references touches every row: 5-10 ms)."""
        held = self._snapshot
        if held is None or held.version != self.version or len(held.rows) != len(self.rows):
            held = self._snapshot = Snapshot(self.version, self.live_ids(), list(self.rows))
        return held

    def copy(self) -> RowTable:
        """A copy that another thread may evaluate a selection on while this one
        changes (`app.queue.evaluation`): the columns and the topic pairs are
        copied; the vocabularies are shared (they only ever grow, so a copy's
        codes keep their meaning), and so are the haystacks, until this table
        next changes one (a decision leaves them as they were). An evaluation
        reads no row, so the copy holds none (`rows` is empty; `capacity` is
        the table's). About 1.5 ms at 100,000 rows: copying the two lists,
        which touches every row, took 6-7 ms more each time."""
        other = RowTable.__new__(RowTable)
        other.ids = {}  # not needed for evaluating, and a copy would cost more than the rest
        other.rows = []
        other.hay = self.hay
        other._hay_shared = self._hay_shared = True
        other._free = []
        for name in _COLUMNS:
            setattr(other, name, getattr(self, name).copy())
        other.providers, other.categories, other.types = self.providers, self.categories, self.types
        other.topics = self.topics.copy()
        other.version = self.version
        other._snapshot = None
        return other

    def _own_hay(self) -> list[str]:
        """The haystacks, ready to change: copied first while a copy holds them."""
        if self._hay_shared:
            self.hay = list(self.hay)
            self._hay_shared = False
        return self.hay

    # --- changes ------------------------------------------------------------

    def put(self, rows: Iterable[ArticleSummary]) -> tuple[list[int], list[int]]:
        """Add new rows and replace known ones: (ids added, ids replaced).
        A row equal to the one held is neither."""
        added: list[int] = []
        replaced: list[int] = []
        for row in rows:
            known = self.ids.get(row.path)
            if known is None:
                row_id = self._slot()
                self.ids[row.path] = row_id
                added.append(row_id)
            elif self.rows[known] == row:
                continue
            else:
                row_id = known
                replaced.append(row_id)
            self._set(row_id, row)
        if added or replaced:
            self.version += 1
        return added, replaced

    def drop(self, relpaths: Iterable[str]) -> list[int]:
        """Remove rows; returns the ids they had (free for reuse from now on)."""
        gone: list[int] = []
        for relpath in relpaths:
            row_id = self.ids.pop(relpath, None)
            if row_id is None:
                continue
            self.rows[row_id] = None
            self._own_hay()[row_id] = ""
            self.alive[row_id] = False
            self.review[row_id] = 0
            self.dup[row_id] = NO_COPY
            self.dup_size[row_id] = 1
            self.topics.clear(row_id)
            self._free.append(row_id)
            gone.append(row_id)
        if gone:
            self.version += 1
        return gone

    def clear(self) -> None:
        """Forget every row (another folder). The version goes on counting: a
        version names one state of this table and is never given to another,
        so whatever was worked out at an old version (the facets' memo, a
        column order sorted on another thread) can never pass for the new rows'."""
        version = self.version
        self.__init__()  # type: ignore[misc]
        self.version = version + 1

    def _slot(self) -> int:
        if self._free:
            return self._free.pop()
        row_id = len(self.rows)
        self.rows.append(None)
        self._own_hay().append("")
        if row_id >= len(self.alive):
            self._grow(max(1024, 2 * len(self.alive)))
        return row_id

    def _grow(self, size: int) -> None:
        for name in _COLUMNS:
            old = getattr(self, name)
            new = np.zeros(size, dtype=old.dtype)
            new[:len(old)] = old
            setattr(self, name, new)

    def _set(self, row_id: int, row: ArticleSummary) -> None:
        self.rows[row_id] = row
        hay = haystack(row)
        if self.hay[row_id] != hay:  # the same text (a decision) leaves a shared list shared
            self._own_hay()[row_id] = hay
        self.alive[row_id] = True
        self.status[row_id] = status_of(row)
        self.quality[row_id] = -1 if row.quality is None else row.quality
        self.provider[row_id] = self.providers.code(row.provider)
        self.category[row_id] = self.categories.code(row.category)
        self.type[row_id] = self.types.code(row.type)
        self.topics.set(row_id, row.topics)
        self.heat[row_id] = math.nan if row.heat is None else row.heat
        self.day[row_id] = day_number(row.published_at) if row.published_at else NO_DAY
        self.images[row_id] = min(row.image_count, 32767)
        self.warned[row_id] = min(len(row.warnings), 32767)
        if self.dup_size[row_id] == 0:
            self.dup_size[row_id] = 1

    def set_review(self, relpaths: Iterable[str], state: str) -> list[int]:
        """Set the review state ("needs", "reviewed", "changed") of these rows;
        returns the ids whose state changed."""
        code = REVIEW_CODES[state]
        changed = []
        for relpath in relpaths:
            row_id = self.ids.get(relpath)
            if row_id is not None and self.review[row_id] != code:
                self.review[row_id] = code
                changed.append(row_id)
        if changed:
            self.version += 1
        return changed

    def set_duplicates(self, view: DuplicateAnswers, relpaths: Iterable[str] | None = None) -> list[int]:
        """Fill the duplicate columns from the queue's duplicate groups (`view`), for
        these rows (every row when None); returns the ids whose columns changed."""
        if relpaths is None:
            return self._set_all_duplicates(view.mark_columns())
        targets = ((p, self.ids.get(p)) for p in relpaths)
        marks = view.marks()
        changed = []
        for relpath, row_id in targets:
            if row_id is None:
                continue
            size, similar = marks.get(relpath, (1, False))
            kind = COPY if size > 1 else SIMILAR if similar else NO_COPY
            if self.dup[row_id] != kind or self.dup_size[row_id] != size:
                self.dup[row_id] = kind
                self.dup_size[row_id] = size
                changed.append(row_id)
        if changed:
            self.version += 1
        return changed

    def _set_all_duplicates(self, columns: MarkColumns) -> list[int]:
        """Every row's duplicate columns from the view's mark columns, with numpy:
        one dict lookup per marked key is the only loop in Python (a loop over
        each marked row's columns took 100-115 ms of the GUI thread at 100,000)."""
        n = len(self.rows)
        known = self.ids.get
        ids = np.fromiter((known(key, -1) for key in columns.keys), np.int64, len(columns.keys))
        here = ids >= 0
        ids, sizes, similar = ids[here], columns.sizes[here], columns.similar[here]
        kinds = np.where(sizes > 1, COPY, np.where(similar, SIMILAR, NO_COPY)).astype(np.int8)
        dup = np.full(n, NO_COPY, dtype=np.int8)
        size = np.ones(n, dtype=np.int32)
        dup[ids], size[ids] = kinds, sizes
        changed = np.flatnonzero((self.dup[:n] != dup) | (self.dup_size[:n] != size))
        if not len(changed):
            return []
        self.dup[:n], self.dup_size[:n] = dup, size
        self.version += 1
        return changed.tolist()

    def review_of(self, relpath: str) -> str:
        row_id = self.ids.get(relpath)
        return "needs" if row_id is None else REVIEW_NAMES[int(self.review[row_id])]

    # --- reading --------------------------------------------------------------

    def rows_of(self, ids: Sequence[int] | np.ndarray) -> list[ArticleSummary]:
        rows = self.rows
        return [rows[i] for i in (ids.tolist() if isinstance(ids, np.ndarray) else ids)]  # type: ignore[misc]


_COLUMNS = ("alive", "status", "quality", "review", "provider", "category", "type", "heat", "day", "images",
            "warned", "dup", "dup_size")


class DuplicateAnswers(Protocol):
    """What `set_duplicates` asks of the duplicate groups (a `DuplicateView`)."""

    def marks(self) -> Mapping[str, tuple[int, bool]]: ...
    def mark_columns(self) -> MarkColumns: ...


def insort_position(order: np.ndarray, key: bytes, key_of_id: object) -> int:
    """Where `key` belongs in `order` (ids in ascending key order); `key_of_id(i)`
    gives the key of an id already in `order`. 17 probes at 100,000 rows."""
    lo, hi = 0, len(order)
    while lo < hi:
        mid = (lo + hi) // 2
        if key_of_id(int(order[mid])) < key:  # type: ignore[operator]
            lo = mid + 1
        else:
            hi = mid
    return lo
