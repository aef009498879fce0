"""A selection evaluated over a table: which rows pass, and each facet's counts.

Each facet's counts leave out that facet's own constraint but keep every
other one (the quick filter, the words, the other facets), so picking a
second provider still shows how many the third would add. With k facets
constrained, the "all but one" masks come from prefix and suffix products of
their masks (3k array ANDs, not k²); the counts themselves are `bincount`s
over the table's coded columns (`app.queue.facets`).

The words are the costly part (a Python test per row, `selection.text_mask`);
`TextMatches` remembers the last words' mask, so typing one more letter looks
only at the rows the shorter word matched, and a recount after a facet click
looks at none.

Pure functions of a table (or of a `RowTable.copy()` on another thread).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.courtesy import pause_point

from app.queue.facets import FACETS, Counts, range_counts, values_counts
from app.queue.selection import Selection, quick_counts, text_mask
from app.queue.table import RowTable


@dataclass(frozen=True, slots=True)
class Evaluation:
    version: int  # the table's version it was computed at
    selection: Selection
    passes: np.ndarray  # by slot: does the row pass?
    counts: dict[str, Counts]  # facet name -> its values' counts
    quick: dict[str, int]  # rows each quick filter shows (of the whole queue)

    @property
    def shown(self) -> int:
        return int(self.passes.sum())


def words_narrow(old: tuple[str, ...], new: tuple[str, ...]) -> bool:
    """Does every row holding all of `new` hold all of `old` (one more letter, one more word)?"""
    return bool(new) and all(any(o in n for n in new) for o in old)


class TextMatches:
    """The last words' mask, reused while the table is unchanged. One thread at a time."""

    def __init__(self, *, yield_every: int = 0) -> None:
        self.yield_every = yield_every  # see `text_mask`: for a background thread beside a GUI
        self._key: tuple[int, int, tuple[str, ...]] | None = None
        self._mask: np.ndarray | None = None

    def mask(self, table: RowTable, words: tuple[str, ...], table_id: int | None = None) -> np.ndarray:
        """`table_id` names the table across copies (a copy of one table has its version)."""
        owner = id(table) if table_id is None else table_id
        key = (owner, table.version, words)
        if self._key == key and self._mask is not None:
            return self._mask
        candidates = None
        if (self._key is not None and self._mask is not None and self._key[:2] == key[:2]
                and len(self._mask) == table.capacity and words_narrow(self._key[2], words)):
            candidates = np.flatnonzero(self._mask)
        mask = text_mask(table, words, candidates, yield_every=self.yield_every)
        self._key, self._mask = key, mask
        return mask


def evaluate(table: RowTable, selection: Selection, *, text: TextMatches | None = None,
             table_id: int | None = None, counts: bool = True, yield_gil: bool = False) -> Evaluation:
    """Which rows pass `selection`, and (with `counts`) every facet's counts.
    `yield_gil`: on a background thread beside a GUI, pause between facets while
    the GUI thread paints (`app.courtesy.pause_point`)."""
    words = selection.words
    text_of = text.mask(table, words, table_id) if (words and text is not None) else None
    base = selection.base_mask(table, text_of)
    masks = selection.facet_masks(table)
    names = list(masks)
    # prefix[i]: base AND the masks before i; suffix[i]: the masks from i on.
    prefix = [base]
    for name in names:
        prefix.append(prefix[-1] & masks[name])
    passes = prefix[-1]
    found: dict[str, Counts] = {}
    if counts:
        suffix: list[np.ndarray | None] = [None] * (len(names) + 1)
        for i in range(len(names) - 1, -1, -1):
            after = suffix[i + 1]
            suffix[i] = masks[names[i]] if after is None else masks[names[i]] & after
        others_of = {}
        for i, name in enumerate(names):
            after = suffix[i + 1]
            others_of[name] = prefix[i] if after is None else prefix[i] & after
        for spec in FACETS:
            if yield_gil:
                pause_point()
            among = others_of.get(spec.name, passes)
            if spec.kind == "values":
                found[spec.name] = values_counts(table, spec.name, among, selection.chosen(spec.name))
            else:
                found[spec.name] = range_counts(table, spec.name, among)
    return Evaluation(table.version, selection, passes, found, quick_counts(table))
