"""The filtered view the queue table shows: the model's order
(`ui.queue_model.ArticleTableModel`) masked by the current `Selection`, the
core's one definition of a filter (`app.queue.selection`).

It is a flat model over an id array, not a QSortFilterProxyModel, whose
mapping rebuild for scattered rows was the measured cost at 100,000 rows.
Whether each row passes is kept as a mask by slot, updated row by row as rows
change, so a re-sort or a re-layout never evaluates the selection again; many
rows changing at once are evaluated in one numpy pass.

GUI thread only.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
from PySide6.QtCore import QModelIndex, Qt

from app.queue.evaluation import words_narrow
from app.queue.selection import QuickFilter, Selection, quick_filter, words_of
from ui.queue_cells import Column
from ui.queue_model import COLUMNS, ArticleTableModel, RowsById

__all__ = ["QueueFilterProxy"]

_REVIEW = int(Column.REVIEW)


class QueueFilterProxy(RowsById):
    """The rows the current `Selection` shows, in the model's order."""

    def __init__(self, source: ArticleTableModel, parent: Any = None) -> None:
        super().__init__(parent)
        self._source = source
        self._selection = Selection()
        self._view = np.zeros(0, dtype=np.int64)  # ids in row order
        self._vpos = np.zeros(0, dtype=np.int64)  # id -> row (-1: not shown)
        # By slot: does the row pass the selection? Kept current row by row as rows
        # change, so a re-sort or a re-layout never evaluates the selection again.
        self._passes: np.ndarray | None = None
        self._removing: list[int] = []
        source.rowsInserted.connect(self._on_inserted)
        source.rowsAboutToBeRemoved.connect(self._on_about_to_remove)
        source.rowsRemoved.connect(self._on_removed)
        source.dataChanged.connect(self._on_data_changed)
        source.rowsAboutToBeMoved.connect(self._on_about_to_move)
        source.rowsMoved.connect(self._on_moved)
        self._moving: list[int] = []
        source.layoutChanged.connect(self._on_reordered)
        source.modelReset.connect(self._on_reset)
        source.reviewsChanged.connect(self._on_reviews_changed)
        source.manyChanged.connect(self._on_many_changed)
        self._on_reset()

    # --- the Qt model API -------------------------------------------------------
    def sourceModel(self) -> ArticleTableModel:
        return self._source

    def _row_total(self) -> int:
        return len(self._view)

    def _id_of_row(self, row: int) -> int:
        return int(self._view[row])

    def _cells_of(self) -> ArticleTableModel:
        return self._source

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._source.sort(column, order)

    def row_of_id(self, row_id: int) -> int:
        return int(self._vpos[row_id]) if row_id < len(self._vpos) else -1

    def row_of_relpath(self, relpath: str) -> int:
        row_id = self._source.table.id_of(relpath)
        return -1 if row_id is None else self.row_of_id(row_id)

    def ids_of_rows(self, rows: np.ndarray) -> np.ndarray:
        """The ids shown in these rows (a multi-selection's articles)."""
        return self._view[rows]

    # --- the selection ------------------------------------------------------------
    @property
    def selection(self) -> Selection:
        return self._selection

    @property
    def quick_filter(self) -> str:
        return self._selection.quick

    def set_quick_filter(self, name: str | QuickFilter) -> None:
        quick = name if isinstance(name, QuickFilter) else quick_filter(name)
        self.set_selection(replace(self._selection, quick=quick.name))

    def set_text(self, text: str) -> None:
        self.set_selection(replace(self._selection, words=words_of(text)))

    def set_selection(self, selection: Selection, *, passes: np.ndarray | None = None,
                      version: int | None = None) -> None:
        """Show what `selection` selects. `passes`: its mask by slot, evaluated
        elsewhere (on a copy of the table at `version`, off the GUI thread); rows
        changed since are evaluated here, so the view is exact either way."""
        if selection == self._selection and passes is None:
            return
        table = self._source.table
        narrowing = passes is None and _narrows(self._selection, selection)
        self._selection = selection
        within = None
        if selection.everything:
            self._passes = None
        elif passes is not None:
            adopted = np.zeros(table.capacity, dtype=bool)
            size = min(len(passes), table.capacity)
            adopted[:size] = passes[:size]
            stale = self._source.changed_since(version if version is not None else -1)
            if stale.size:
                adopted[stale] = selection.mask(table, stale)
            self._passes = adopted
        elif narrowing:
            within = self._view
            self._passes = np.zeros(table.capacity, dtype=bool)
            self._passes[within] = selection.mask(table, within)
        else:
            self._passes = selection.mask(table)
        self._refilter(within=within)

    def shown_ids(self) -> np.ndarray:
        """The ids shown, in row order (what File > Export View writes)."""
        return self._view.copy()

    # --- following the source -------------------------------------------------------
    def _current_passes(self) -> np.ndarray:
        """The passes mask, grown to the table's capacity (new slots evaluated)."""
        table = self._source.table
        passes = self._passes
        if passes is None:
            passes = self._passes = self._selection.mask(table)
        elif len(passes) < table.capacity:
            grown = np.zeros(table.capacity, dtype=bool)
            grown[:len(passes)] = passes
            fresh = np.arange(len(passes), table.capacity, dtype=np.int64)
            grown[fresh] = self._selection.mask(table, fresh)
            passes = self._passes = grown
        return passes

    def _recheck(self, ids: np.ndarray) -> None:
        """These rows changed (or arrived): evaluate the selection on them again."""
        if self._selection.everything or not len(ids):
            return
        passes = self._current_passes()
        passes[ids] = self._selection.mask(self._source.table, ids)

    def _shown(self, ids: np.ndarray) -> np.ndarray:
        if self._selection.everything:
            return ids
        return ids[self._current_passes()[ids]]

    def _refilter(self, within: np.ndarray | None = None) -> None:
        """Show what the selection selects, in the source's order. `within`:
        the new selection is narrower, so only those ids need looking at."""
        def show() -> None:
            self._view = self._shown(within if within is not None else self._source.ordered_ids())
            self._reindex()
        self._relayout(show)

    def _on_reordered(self, *_: Any) -> None:
        """The source changed its order, not its rows or their values (those
        come as inserts, removals and dataChanged): the same rows are shown, in
        the new order. One numpy pass; the selection is not evaluated again."""
        def reorder() -> None:
            order = np.asarray(self._source.ordered_ids(), dtype=np.int64)
            inside = order < len(self._vpos)  # ids past the end arrived since and were never shown
            shown = np.zeros(len(order), dtype=bool)
            shown[inside] = self._vpos[order[inside]] >= 0
            self._view = order[shown]
            self._reindex()
        self._relayout(reorder)

    def _on_reviews_changed(self, _ids: Any) -> None:
        """Many review states changed (the trail was read): a selection on them is
        evaluated again (one numpy pass); otherwise the column repaints."""
        selection = self._selection
        if selection.constrains("review") or quick_filter(selection.quick).facet is not None:
            self._passes = None  # evaluated again, every row
            self._refilter()
        elif len(self._view):
            self.dataChanged.emit(self.index(0, _REVIEW), self.index(len(self._view) - 1, _REVIEW))

    def _on_many_changed(self, ids: Any) -> None:
        """Many rows' values changed at once: evaluated again in one numpy pass, then
        one layout change if what is shown changed, else one repaint (5,600 signals, one
        per run of rows, took 425 ms at 100,000 rows)."""
        if not self._selection.everything:
            self._recheck(np.asarray(ids, dtype=np.int64))
            order = np.asarray(self._source.ordered_ids(), dtype=np.int64)
            if not np.array_equal(order[self._current_passes()[order]], self._view):
                self._refilter()
                return
        if len(self._view):
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._view) - 1, COLUMNS - 1))

    def _on_reset(self) -> None:
        self.beginResetModel()
        self._view = self._shown(self._source.ordered_ids())
        self._reindex()
        self.endResetModel()

    def _reindex(self) -> None:
        capacity = self._source.table.capacity
        if len(self._vpos) != capacity:
            self._vpos = np.full(capacity, -1, dtype=np.int64)
        else:
            self._vpos.fill(-1)
        self._vpos[self._view] = np.arange(len(self._view), dtype=np.int64)

    def _source_ids(self, first: int, last: int) -> np.ndarray:
        ids = self._source.ordered_ids()
        return np.asarray(ids[first:last + 1], dtype=np.int64)

    def _on_inserted(self, _parent: QModelIndex, first: int, last: int) -> None:
        ids = self._source_ids(first, last)
        self._recheck(ids)
        new = self._shown(ids)
        if not new.size:
            self._reindex()  # the table may have grown
            return
        at = len(self._view)  # the source adds rows after its last one
        self.beginInsertRows(QModelIndex(), at, at + len(new) - 1)
        self._view = np.concatenate([self._view, new])
        self._reindex()
        self.endInsertRows()

    def _on_about_to_remove(self, _parent: QModelIndex, first: int, last: int) -> None:
        self._removing = self._source_ids(first, last).tolist()

    def _on_removed(self, _parent: QModelIndex, _first: int, _last: int) -> None:
        ids, self._removing = self._removing, []
        self._remove_ids(ids)

    def _remove_ids(self, ids: list[int]) -> None:
        rows = sorted((r for r in (self.row_of_id(i) for i in ids) if r >= 0), reverse=True)
        if not rows:
            return
        start = end = rows[0]
        for row in rows[1:] + [None]:  # type: ignore[list-item]
            if row is not None and row == start - 1:
                start = row
                continue
            self.beginRemoveRows(QModelIndex(), start, end)
            self._view = np.delete(self._view, np.s_[start:end + 1])
            self._reindex()
            self.endRemoveRows()
            if row is not None:
                start = end = row

    def _on_about_to_move(self, _parent: QModelIndex, first: int, last: int, *_: Any) -> None:
        self._moving = self._source_ids(first, last).tolist()

    def _on_moved(self, *_: Any) -> None:
        """A row moved in the source's order: it moves here too, if it is shown."""
        moving, self._moving = self._moving, []
        for row_id in moving:
            old = self.row_of_id(row_id)
            if old < 0:
                continue
            rest = np.delete(self._view, old)
            source_rows = np.delete(self._source_rows_of_view(), old)
            new = int(np.searchsorted(source_rows, self._source.row_of_id(row_id)))
            if new == old:
                continue
            self.beginMoveRows(QModelIndex(), old, old, QModelIndex(), new + 1 if new > old else new)
            self._view = np.insert(rest, new, row_id)
            self._reindex()
            self.endMoveRows()

    def _on_data_changed(self, top_left: QModelIndex, bottom_right: QModelIndex, *_: Any) -> None:
        ids = self._source_ids(top_left.row(), bottom_right.row())
        self._recheck(ids)
        passing = self._shown(ids)
        shown = {int(i) for i in ids if self.row_of_id(int(i)) >= 0}
        keep = set(passing.tolist())
        leaving = [i for i in shown if i not in keep]
        joining = [i for i in passing.tolist() if i not in shown]
        if leaving:
            self._remove_ids(leaving)
        for row_id in joining:
            self._join(row_id)
        rows = sorted(r for r in (self.row_of_id(i) for i in keep & shown) if r >= 0)
        if rows:
            self.dataChanged.emit(self.index(rows[0], 0), self.index(rows[-1], COLUMNS - 1))

    def _join(self, row_id: int) -> None:
        """Show one more row, where the source's order puts it."""
        source_row = self._source.row_of_id(row_id)
        at = int(np.searchsorted(self._source_rows_of_view(), source_row))
        self.beginInsertRows(QModelIndex(), at, at)
        self._view = np.insert(self._view, at, row_id)
        self._reindex()
        self.endInsertRows()

    def _source_rows_of_view(self) -> np.ndarray:
        source = self._source
        positions = source._pos[self._view]  # noqa: SLF001 - the view is the source's own order, masked
        return (len(source._asc) - 1 - positions) if source.descending else positions  # noqa: SLF001


def _narrows(old: Selection, new: Selection) -> bool:
    """True when every row `new` shows is one `old` shows (typing more of a word)."""
    return replace(old, words=()) == replace(new, words=()) and words_narrow(old.words, new.words)
