"""Text values as small integer codes, so a facet's filter is a lookup and its
counts a `bincount` over a numpy column instead of a loop over rows.

`Vocabulary` codes one text column (a provider, a category): code 0 is the
empty value. `Memberships` holds a many-valued column (an article's topics) as
(row id, code) pairs in two parallel arrays, the CSR idea without the sorting:
a changed row's old pairs are marked dead and its new ones appended, so one
file change costs a few appends, and the arrays are compacted when over half
of them is dead. Counting the topics of a set of rows is one `bincount` of the
codes of the live pairs whose row is in the set.

Codes are never reused: a value whose last row left keeps its code (a facet
leaves out values no live row has). Plain data; the owning table's thread.
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np


class Vocabulary:
    """Distinct values of one column, each with a code; code 0 is "" (no value)."""

    def __init__(self) -> None:
        self._codes: dict[str, int] = {"": 0}
        self.values: list[str] = [""]

    def __len__(self) -> int:
        return len(self.values)

    def code(self, value: str) -> int:
        code = self._codes.get(value)
        if code is None:
            code = self._codes[value] = len(self.values)
            self.values.append(value)
        return code

    def find(self, value: str) -> int | None:
        """The code of `value`, or None when no row ever had it."""
        return self._codes.get(value)

    def lookup(self, values: Iterable[str]) -> np.ndarray:
        """A boolean array by code: True for the codes of `values` (unknown values are skipped)."""
        chosen = np.zeros(len(self.values), dtype=bool)
        for value in values:
            code = self._codes.get(value)
            if code is not None:
                chosen[code] = True
        return chosen


class Memberships:
    """A many-valued column as (row id, code) pairs; see the module's notes."""

    def __init__(self) -> None:
        self.vocabulary = Vocabulary()
        self.rows = np.zeros(1024, dtype=np.int64)
        self.codes = np.zeros(1024, dtype=np.int32)
        self.live = np.zeros(1024, dtype=bool)
        self.size = 0  # pairs in use (live or dead)
        self._dead = 0
        # A row's live pairs are side by side (appended together; compacting keeps the
        # order): by row id, where they start and how many. A list of indices per row
        # cost ~12 MB at 100,000 rows.
        self._first = np.zeros(0, dtype=np.int64)
        self._count = np.zeros(0, dtype=np.int32)

    def set(self, row_id: int, values: Iterable[str]) -> None:
        self.clear(row_id)
        codes = sorted({self.vocabulary.code(v) for v in values})
        if not codes:
            return
        need = self.size + len(codes)
        if need > len(self.rows):
            self._grow(max(need, 2 * len(self.rows)))
        start = self.size
        self.rows[start:need] = row_id
        self.codes[start:need] = codes
        self.live[start:need] = True
        if row_id >= len(self._count):
            self._grow(max(row_id + 1, 1024, 2 * len(self._count)), ("_first", "_count"))
        self._first[row_id], self._count[row_id] = start, len(codes)
        self.size = need

    def clear(self, row_id: int) -> None:
        count = int(self._count[row_id]) if row_id < len(self._count) else 0
        if count:
            first = int(self._first[row_id])
            self.live[first:first + count] = False
            self._count[row_id] = 0
            self._dead += count
            if self._dead > 4096 and self._dead * 2 > self.size:
                self._compact()

    def has_any(self, rows: int) -> np.ndarray:
        """A boolean array over `rows` row ids: True where the row has at least one value."""
        out = np.zeros(rows, dtype=bool)
        n = self.size
        out[self.rows[:n][self.live[:n]]] = True
        return out

    def having(self, rows: int, chosen: np.ndarray) -> np.ndarray:
        """A boolean array over `rows` row ids: True where the row has one of the
        codes `chosen` marks (a boolean array by code)."""
        out = np.zeros(rows, dtype=bool)
        n = self.size
        keep = self.live[:n] & chosen[self.codes[:n]]  # `chosen` covers every code (Vocabulary.lookup)
        out[self.rows[:n][keep]] = True
        return out

    def count(self, among: np.ndarray) -> np.ndarray:
        """How many rows marked in `among` (a boolean array by row id) have each code."""
        n = self.size
        rows = self.rows[:n]
        keep = self.live[:n] & (rows < len(among))
        keep[keep] = among[rows[keep]]
        return np.bincount(self.codes[:n][keep], minlength=len(self.vocabulary))

    def copy(self) -> Memberships:
        """The pairs copied, the vocabulary shared (it only grows)."""
        other = Memberships.__new__(Memberships)
        other.vocabulary = self.vocabulary
        n = self.size
        other.rows, other.codes, other.live = self.rows[:n].copy(), self.codes[:n].copy(), self.live[:n].copy()
        other.size, other._dead = n, self._dead
        other._first, other._count = self._first[:0], self._count[:0]  # a copy is read, never changed
        return other

    def _grow(self, size: int, names: tuple[str, ...] = ("rows", "codes", "live")) -> None:
        for name in names:
            old = getattr(self, name)
            new = np.zeros(size, dtype=old.dtype)
            new[:len(old)] = old
            setattr(self, name, new)

    def _compact(self) -> None:
        n = self.size
        keep = np.flatnonzero(self.live[:n])
        self.rows[:len(keep)] = self.rows[keep]
        self.codes[:len(keep)] = self.codes[keep]
        self.live[:len(keep)] = True
        self.live[len(keep):n] = False
        self.size = len(keep)
        self._dead = 0
        ids, first, count = np.unique(self.rows[:self.size], return_index=True, return_counts=True)
        self._count[:] = 0
        self._first[ids], self._count[ids] = first, count
