"""The queue as Qt models, over the core's column arrays (`app.queue.table`).

`ArticleTableModel` holds every row in sort order: a `RowTable` of the
summaries the queue reported (what is on disk), the window's overlay (values
being written, the last failed write), and the ids in ascending order of the
sort column (a numpy array; descending is the same array read backwards).
Rows are found by relpath, never by remembered row numbers.

The filtered view the table shows is `ui.queue_filter_model.QueueFilterProxy`.

Sorting: a few changed rows move into place one by one (`insort_position`,
17 key comparisons at 100,000 rows); a big change sorts the whole column, and when
the model is given a background runner that sort runs off the GUI thread
(numpy sorts without holding the GIL) and is applied when done. Orders of
other columns are kept ready the same way, so a header click is a lookup.

GUI thread only (the background runner's sorts work on snapshots).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QModelRoleDataSpan,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from app.article.summary import ArticleSummary
from app.courtesy import pause_point
from app.queue.selection import quick_counts
from app.queue.table import ERROR, RowTable, Snapshot, insort_position, sort_key, sorted_ids
from ui.queue_cells import (
    HEADERS,
    RELPATH_ROLE,
    SUMMARY_ROLE,
    Cells,
    Column,
    Landed,
    Overlay,
    RowState,
    format_date,
    format_heat,
    header_data,
    status_kind,
)
from ui.review_column import ReviewCells

__all__ = ["COLUMNS", "HEADERS", "RELPATH_ROLE", "SUMMARY_ROLE", "ArticleTableModel", "Column", "RowState", "RowsById",
           "format_date", "format_heat", "status_kind"]

Index = QModelIndex | QPersistentModelIndex
COLUMNS = len(Column)  # asked for on every index() Qt makes: a constant, not an enum's len()
MOVE_LIMIT = 8  # this few changed rows each move on their own (a row move, not a new layout)
MANY_CHANGED = 64  # more changed rows than this are told at once (manyChanged), not one signal per run
INSORT_LIMIT = 256  # more changed rows than this re-sort the whole column
_RECHECK_MOST = 4096  # rows changed during a sort: at most this many are checked for a new place one by one
_NO_OVERLAY = Overlay()
_MISSING_SLICE = 4000  # rows compared between two pause points (about 1 ms)
_TITLE = int(Column.TITLE)
_NO_MARKS = (0, 1)
_REVIEW = int(Column.REVIEW)
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_DECORATION = int(Qt.ItemDataRole.DecorationRole)
ROWS_ONLY = QAbstractTableModel.LayoutChangeHint.VerticalSortHint  # a layout change of the rows, not the columns
_HINTED = ("QList<QPersistentModelIndex>", "QAbstractItemModel::LayoutChangeHint")  # the signals' overload with a hint
# Runs `fn(*args)` off the GUI thread and hands its result to `done` on the GUI thread.
Background = Callable[..., object]


class RowsById(QAbstractTableModel):
    """The Qt model API both queue models share: a row is a row id of the
    `RowTable`, and its cells come from the `ArticleTableModel` holding it.
    Subclasses say how many rows there are, which id a row shows, and whose
    cells they are.

    Every call here is a call into Python while Qt paints (one GIL round trip
    each), so a cell costs two: `index()` (Qt's own asks `rowCount()` and
    `columnCount()`) and `multiData()` (all roles at once, where delegates ask
    for seven). No `flags()`: QAbstractTableModel's own gives every valid cell
    Enabled, Selectable and NeverHasChildren, without a call into Python."""

    def _row_total(self) -> int:
        raise NotImplementedError

    def _id_of_row(self, row: int) -> int:
        raise NotImplementedError

    def _cells_of(self) -> ArticleTableModel:
        raise NotImplementedError

    def row_of_id(self, row_id: int) -> int:
        """The row showing `row_id`, or -1."""
        raise NotImplementedError

    def _relayout(self, change: Callable[[], None]) -> None:
        """Apply `change` to the rows shown as one layout change: persistent
        indexes (selection, current row) follow their article.

        The change says it is the rows' (a sort hint): without it, the column
        header saves and restores every section's size around it, as if the
        columns might have changed, and the table then lays itself out and
        repaints every visible cell again a turn later (at 100,000 rows, a
        second paint of 10-24 ms after each sort and filter)."""
        self.layoutAboutToBeChanged[_HINTED].emit([], ROWS_ONLY)
        persistent = self.persistentIndexList()
        total = self._row_total()
        anchors = [(self._id_of_row(i.row()), i.column()) if i.isValid() and i.row() < total else None
                   for i in persistent]
        change()
        moved = []
        for anchor in anchors:
            row = self.row_of_id(anchor[0]) if anchor else -1
            moved.append(self.index(row, anchor[1]) if anchor and row >= 0 else QModelIndex())
        self.changePersistentIndexList(persistent, moved)
        self.layoutChanged[_HINTED].emit([], ROWS_ONLY)

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:
        if 0 <= row < self._row_total() and 0 <= column < COLUMNS and not parent.isValid():
            return self.createIndex(row, column)
        return QModelIndex()

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else self._row_total()

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else COLUMNS

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        return header_data(section, orientation, int(role))

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        return self._cells_of().value_of(self._id_of_row(index.row()), index.column(), int(role))

    def paint_roles(self, row: int, column: int) -> tuple[Any, ...]:
        """What `ui.queue_delegate` paints of a cell: (text, icon, foreground
        brush, font, alignment), each None when the cell has none. One call
        from the delegate's paint, where Qt's own path asks `multiData`."""
        return self._cells_of().paint_roles_of(self._id_of_row(row), column)

    def multiData(self, index: Index, span: QModelRoleDataSpan) -> None:
        if not index.isValid():
            for item in span:
                item.clearData()
            return
        # Straight to the cells by id: no other index is made, because making one
        # (like any call that enters Qt's model machinery) lets go of the GIL, and
        # while a background thread is busy in Python, getting it back costs up
        # to a switch interval: per cell, while painting.
        self._cells_of().fill_roles(self._id_of_row(index.row()), index.column(), span)


class ArticleTableModel(RowsById):
    orderSettled = Signal()  # a sort that ran off the GUI thread is now shown
    reviewsChanged = Signal(object)  # many rows' review states changed at once (their ids)
    manyChanged = Signal(object)  # many rows' other columns changed at once (their ids): no dataChanged per row

    def __init__(self, parent: Any = None, *, background: Background | None = None) -> None:
        super().__init__(parent)
        self.table = RowTable()
        # The quick filters' counts, for a table version: the status bar, the tabs and
        # the review counts ask for them after every filter change, and a filter
        # changes no row (three passes over the columns: 10-18 ms at 100,000).
        self._quick: tuple[int, dict[str, int]] | None = None
        self._cleared_at = 0  # the table's version when the last folder's rows were dropped
        self._asc = np.zeros(0, dtype=np.int64)  # live ids, ascending by the sort column
        self._pos = np.zeros(0, dtype=np.int64)  # id -> index in _asc (-1: not there)
        self._overlay: dict[str, Overlay] = {}
        self._cells = Cells()
        self._review_cells = ReviewCells()
        self._sort_column = -1
        self._descending = False
        self._dirty: set[int] = set()  # ids added or changed since the order was right
        self._changed_at = np.zeros(0, dtype=np.int64)  # id -> table version when its row last changed
        self._moved_at = np.zeros(0, dtype=np.int64)  # ... when its summary last changed (what it sorts by)
        self._ready: dict[int, tuple[int, np.ndarray]] = {}  # column -> (table version, its ascending ids)
        self._background = background
        self._sorting: int | None = None  # a whole-column sort is on its way (its column)
        self._staged: list[int] = []  # rows taken in but not shown yet (`stage`)
        self._staged_set: set[int] = set()
        # While True (during a scan), updates leave the order to a later resort().
        self.defer_sorting = False
        self.duplicates: Any = None  # the queue's DuplicateView, when it tracks duplicates
        self.extra_warnings: dict[str, tuple[str, ...]] = {}  # relpath -> the window's own warnings

    # --- rows by id (RowsById) -----------------------------------------------------
    def _row_total(self) -> int:
        return len(self._asc)

    def _id_of_row(self, row: int) -> int:
        return self.id_at(row)

    def _cells_of(self) -> ArticleTableModel:
        return self

    def fill_roles(self, row_id: int, column: int, span: QModelRoleDataSpan) -> None:
        if column == _REVIEW:
            self._fill_review(row_id, span)
            return
        summary = self.table.rows[row_id]
        overlay = self._overlay.get(summary.path, _NO_OVERLAY)  # type: ignore[union-attr]
        value = self._cells.value
        marks = self.marks(row_id) if column == _TITLE else _NO_MARKS
        for item in span:
            result = value(summary, overlay, column, item.role(), marks)  # type: ignore[arg-type]
            if result is None:
                item.clearData()
            else:
                item.setData(result)

    def _review_state(self, row_id: int) -> tuple[int, bool]:
        """(review code, unreadable file) of a row: what the Review column shows."""
        return int(self.table.review[row_id]), bool(self.table.status[row_id] == ERROR)

    def _fill_review(self, row_id: int, span: QModelRoleDataSpan) -> None:
        code, error = self._review_state(row_id)
        value = self._review_cells.value
        for item in span:
            result = value(code, item.role(), error)
            if result is None:
                item.clearData()
            else:
                item.setData(result)

    def paint_roles_of(self, row_id: int, column: int) -> tuple[Any, ...]:
        if column == _REVIEW:
            code, error = self._review_state(row_id)
            review = self._review_cells.value
            return review(code, _DISPLAY, error), review(code, _DECORATION, error), None, None, None
        summary = self.table.rows[row_id]
        overlay = self._overlay.get(summary.path, _NO_OVERLAY)  # type: ignore[union-attr]
        marks = self.marks(row_id) if column == _TITLE else _NO_MARKS
        return self._cells.painted(summary, overlay, column, marks)  # type: ignore[arg-type]

    def value_of(self, row_id: int, column: int, role: int) -> Any:
        if column == _REVIEW and role not in (RELPATH_ROLE, SUMMARY_ROLE):
            code, error = self._review_state(row_id)
            return self._review_cells.value(code, role, error)
        summary = self.table.rows[row_id]
        marks = self.marks(row_id) if column == _TITLE else _NO_MARKS
        return self._cells.value(summary, self._overlay.get(summary.path, _NO_OVERLAY),  # type: ignore[arg-type, union-attr]
                                 column, role, marks)

    def claims(self) -> dict[str, tuple[Any, str]]:
        return self._cells.claims

    def set_claims(self, claims: dict[str, tuple[Any, str]]) -> None:
        """Team claims to show on the rows' titles: relpath -> (icon, words) (ui.claims)."""
        before, self._cells.claims = self._cells.claims, claims
        changed = [p for p in before.keys() | claims.keys() if before.get(p) != claims.get(p)]
        self._emit_ids_changed([i for p in changed if (i := self.table.id_of(p)) is not None])

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        descending = order == Qt.SortOrder.DescendingOrder
        if column == self._sort_column:
            if descending != self._descending:
                self._relayout(lambda: setattr(self, "_descending", descending))
            return
        ready = self._ready.pop(column, None)
        if self._sort_column >= 0 and not self._dirty and self._sorting is None:
            self._ready[self._sort_column] = (self.table.version, self._asc)  # for when it is clicked again
        self._sort_column = column
        if ready is not None:
            self._adopt(ready[0], ready[1], descending)
        elif self._background is not None and len(self._asc) > INSORT_LIMIT:
            self._descending = descending  # the rows follow when the sort, off the GUI thread, is done
            self._sort_in_background(column)
        else:
            self._relayout(lambda: self._sort_now(descending))
            self._dirty.clear()

    @property
    def orders_ready(self) -> bool:
        """Every column's order is prepared (a header click is then a lookup)."""
        return self._sorting is None and len(self._ready) >= COLUMNS - 1

    def set_mapping(self, mapping: Any) -> None:
        """The open queue's field mapping (its cells' tooltips name the file's keys)."""
        self._cells.mapping = mapping

    # --- lookups ----------------------------------------------------------------
    @property
    def sort_column(self) -> int:
        return self._sort_column

    @property
    def descending(self) -> bool:
        return self._descending

    def id_at(self, row: int) -> int:
        return int(self._asc[len(self._asc) - 1 - row] if self._descending else self._asc[row])

    def row_of_id(self, row_id: int) -> int:
        if row_id >= len(self._pos) or self._pos[row_id] < 0:
            return -1
        position = int(self._pos[row_id])
        return len(self._asc) - 1 - position if self._descending else position

    def ordered_ids(self) -> np.ndarray:
        """Every live id in row order."""
        return self._asc[::-1] if self._descending else self._asc

    def relpath_at(self, row: int) -> str:
        return self.table.rows[self.id_at(row)].path  # type: ignore[union-attr]

    def row_of(self, relpath: str) -> int:
        row_id = self.table.id_of(relpath)
        return -1 if row_id is None else self.row_of_id(row_id)

    def index_of(self, relpath: str, column: int = 0) -> QModelIndex:
        row = self.row_of(relpath)
        return self.index(row, column) if row >= 0 else QModelIndex()

    def state(self, relpath: str) -> RowState | None:
        summary = self.summary(relpath)
        if summary is None:
            return None
        overlay = self._overlay.get(relpath, _NO_OVERLAY)
        return RowState(summary, dict(overlay.pending), overlay.pending_jobs, overlay.write_error)

    def summary(self, relpath: str) -> ArticleSummary | None:
        row_id = self.table.id_of(relpath)
        return None if row_id is None else self.table.rows[row_id]

    def shown_value(self, relpath: str, name: str) -> Any:
        """The value the editor sees: the pending one, else the one on disk."""
        overlay = self._overlay.get(relpath)
        if overlay is not None and name in overlay.pending:
            return overlay.pending[name]
        return getattr(self.summary(relpath), name)

    @property
    def unsorted(self) -> bool:
        """Rows were added or changed since the order was last made right."""
        return bool(self._dirty) or self._sorting is not None

    def paths(self) -> frozenset[str]:
        return frozenset(self.table.ids)

    def changed_since(self, version: int) -> np.ndarray:
        """Live ids whose row changed after table `version` (added ones included)."""
        return np.asarray(self._touched_since(version), dtype=np.int64)

    def set_duplicates(self, view: Any, relpaths: Iterable[str] | None = None) -> list[int]:
        """Fill the duplicate columns from the queue's groups (`DuplicateView`) for
        these rows (every row when None): rows whose badge changed repaint, and a
        filtered view re-checks them, like any changed row."""
        self.duplicates = view
        changed = self.table.set_duplicates(view, relpaths)
        if len(changed) > MANY_CHANGED:  # e.g. the groups of a whole queue, found after it opened
            self._note_changed(changed, moves=False)
            self.manyChanged.emit(changed)
        elif changed:
            self._note_changed(changed, moves=False)
            self._emit_ids_changed(changed)
        return changed

    def _put(self, summaries: list[ArticleSummary]) -> tuple[list[int], list[int]]:
        """`RowTable.put`, and a replaced row's own warnings (`set_extra_warnings`) go
        with its old summary: the table counts only the new one's, and the window
        finds its own again when it looks (the pane's pictures)."""
        added, replaced = self.table.put(summaries)
        if self.extra_warnings:
            for row_id in replaced:
                self.extra_warnings.pop(self.table.rows[row_id].path, None)  # type: ignore[union-attr]
        return added, replaced

    def set_extra_warnings(self, relpath: str, warnings: tuple[str, ...]) -> bool:
        """Warnings the window found itself (a picture whose real size differs from
        the declared one), on top of the file's own: they show and count like them.
        Kept until the row changes on disk (then found again, if still true)."""
        row_id = self.table.id_of(relpath)
        if row_id is None or self.extra_warnings.get(relpath, ()) == warnings:
            return False
        if warnings:
            self.extra_warnings[relpath] = warnings
        else:
            self.extra_warnings.pop(relpath, None)
        summary = self.table.rows[row_id]
        self.table.warned[row_id] = min(len(summary.warnings) + len(warnings), 32767)  # type: ignore[union-attr]
        self.table.version += 1
        self._note_changed([row_id], moves=False)
        self._emit_ids_changed([row_id])
        return True

    def marks(self, row_id: int) -> tuple[int, int]:
        """(warnings, copies in its group) of a row: the title cell's badges."""
        return int(self.table.warned[row_id]), int(self.table.dup_size[row_id])

    def counts(self) -> tuple[int, int, int]:
        """(articles, published, errors) as on disk."""
        counts = self.quick_counts()
        return len(self.table), counts["published"], counts["errors"]

    def quick_counts(self) -> dict[str, int]:
        """Rows each quick filter shows (as on disk), by name; counted once per table version."""
        version = self.table.version
        if self._quick is None or self._quick[0] != version:
            self._quick = (version, quick_counts(self.table))
        return dict(self._quick[1])

    def set_review(self, states: dict[str, str]) -> list[int]:
        """Review states from the audit trail (relpath -> "needs", "reviewed" or
        "changed"): rows whose state changed repaint, and a filtered view checks
        them again, like any changed row. Returns their ids."""
        by_state: dict[str, list[str]] = {}
        for relpath, state in states.items():
            by_state.setdefault(state, []).append(relpath)
        changed: list[int] = []
        for state, relpaths in by_state.items():
            changed.extend(self.table.set_review(relpaths, state))
        if changed:
            self._note_changed(changed, moves=False)
            if len(changed) <= INSORT_LIMIT:
                self._emit_ids_changed(changed)
            else:  # an open's worth: one signal, not one per run of rows
                self.reviewsChanged.emit(changed)
        return changed

    def review_of(self, relpath: str) -> str:
        return self.table.review_of(relpath)

    def renames(self, removed: Iterable[str], arrived: Iterable[ArticleSummary]) -> dict[str, str]:
        """Old relpath -> new relpath for rows that leave while a row with the
        same article has just arrived (`mv`, `git mv`, a save under a new name
        then a delete): every field equal but the path and the mtime. Only
        one-to-one matches count."""
        def key(summary: ArticleSummary) -> Any:
            return replace(summary, path="", mtime_ns=0)

        removed = set(removed)
        new: dict[Any, list[str]] = {}
        for s in arrived:
            if s.path not in removed:
                new.setdefault(key(s), []).append(s.path)
        if not new:
            return {}
        found: dict[str, str] = {}
        taken: set[str] = set()
        for path in removed:
            summary = self.summary(path)
            candidates = new.get(key(summary), []) if summary is not None else []
            if len(candidates) == 1 and candidates[0] not in taken:
                found[path] = candidates[0]
                taken.add(candidates[0])
        return found

    # --- updates ----------------------------------------------------------------
    def upsert(self, summaries: Iterable[ArticleSummary]) -> set[str]:
        """Add new rows (at the end, then sorted) and refresh known ones.
        Returns the relpaths whose summary changed (new ones included)."""
        summaries = list(summaries)
        held = self.table.rows
        previous_by_path = {s.path: held[i] for s in summaries if (i := self.table.id_of(s.path)) is not None}
        added, replaced = self._put(summaries)
        previous = [previous_by_path.get(held[i].path) for i in replaced]  # type: ignore[union-attr]
        self._note_changed(added + replaced)
        rows = self.table.rows
        changed = {rows[i].path for i in added + replaced}  # type: ignore[union-attr]
        for row_id in replaced:
            overlay = self._overlay.get(rows[row_id].path)  # type: ignore[union-attr]
            if overlay is not None:
                overlay.write_error = ""
        if replaced:
            self._dirty.update(i for i, before in zip(replaced, previous)
                               if before is None or self._moves(before, rows[i]))  # type: ignore[arg-type]
            self._emit_ids_changed(replaced)
        if added:
            self._append(added)
        if not self.defer_sorting:
            self.resort()
        return changed

    def stage(self, summaries: Iterable[ArticleSummary]) -> None:
        """Take rows in now but show them later (`show_staged`): during a scan,
        rows arrive a few hundred at a time, and a view lays itself out and
        repaints for every insertion, so they are inserted a few times a second
        instead. Known rows are updated at once, as by `upsert`."""
        summaries = list(summaries)
        known = [s for s in summaries if self.table.id_of(s.path) is not None and self.row_of(s.path) >= 0]
        if known:
            self.upsert(known)
        fresh = [s for s in summaries if self.table.id_of(s.path) is None or self.row_of(s.path) < 0]
        if fresh:
            added, replaced = self._put(fresh)
            self._note_changed(added + replaced)
            self._staged.extend(i for i in added if i not in self._staged_set)
            self._staged_set.update(added)

    @property
    def staged(self) -> int:
        return len(self._staged)

    def show_staged(self) -> None:
        """Insert the staged rows (at the end; sorted later, like any new rows)."""
        if not self._staged:
            return
        ids = [i for i in self._staged if self.table.alive[i]]
        self._staged, self._staged_set = [], set()
        if ids:
            self._append(ids)
            if not self.defer_sorting:
                self.resort()

    def find_missing(self, present: frozenset[str], done: Callable[[list[str]], None]) -> None:
        """Tell `done` (on this thread) which rows' paths are not in `present`,
        e.g. rows streamed from the index whose files the scan did not find.
        The comparison (100,000 strings: 30 ms) runs in the background over a
        copy; a row changed or added meanwhile is not reported."""
        rows = self.table.snapshot().rows  # the one the sorts use: no second copy

        def missing() -> list[ArticleSummary]:
            found = []
            for start in range(0, len(rows), _MISSING_SLICE):
                pause_point()
                found.extend(row for row in rows[start:start + _MISSING_SLICE]
                             if row is not None and row.path not in present)
            return found

        def still(candidates: list[ArticleSummary]) -> None:
            done([row.path for row in candidates if self.summary(row.path) is row])

        if self._background is None:
            still(missing())
        else:
            self._background(missing, done=still)

    def remove(self, relpaths: Iterable[str]) -> set[str]:
        ids = [i for i in (self.table.id_of(p) for p in set(relpaths)) if i is not None]
        if not ids:
            return set()
        removed = {self.table.rows[i].path for i in ids}  # type: ignore[union-attr]
        if self._staged_set.intersection(ids):  # taken in, never shown: nothing to tell a view
            leaving = set(ids)
            self._staged = [i for i in self._staged if i not in leaving]
            self._staged_set.difference_update(ids)
        rows = sorted((r for r in (self.row_of_id(i) for i in ids) if r >= 0), reverse=True)
        start = end = rows[0] if rows else -1
        # contiguous runs, last first, so earlier row numbers stay valid
        for row in (rows[1:] + [None]) if rows else []:  # type: ignore[list-item]
            if row is not None and row == start - 1:
                start = row
                continue
            self.beginRemoveRows(QModelIndex(), start, end)
            self._delete_rows(start, end)
            self.endRemoveRows()
            if row is not None:
                start = end = row
        self.table.drop(removed)
        for path in removed:
            self._overlay.pop(path, None)
            self.extra_warnings.pop(path, None)
        self._dirty.difference_update(ids)
        self._note_changed(ids)  # a prepared order still holding them must not trust them
        return removed

    def clear(self) -> None:
        self.beginResetModel()
        self.table.clear()
        self._cleared_at = self.table.version  # orders still being sorted for the old rows are dropped
        self._asc = np.zeros(0, dtype=np.int64)
        self._pos = np.zeros(0, dtype=np.int64)
        self._overlay.clear()
        self.duplicates = None
        self.extra_warnings.clear()
        self._dirty.clear()
        self._changed_at = np.zeros(0, dtype=np.int64)
        self._moved_at = np.zeros(0, dtype=np.int64)
        self._ready.clear()
        self._staged, self._staged_set = [], set()
        self._sorting = None
        self.endResetModel()

    def begin_write(self, relpath: str, changes: dict[str, Any]) -> None:
        if self.table.id_of(relpath) is None:
            return
        overlay = self._overlay.setdefault(relpath, Overlay())
        overlay.pending.update(changes)
        overlay.pending_jobs += 1
        self._emit_ids_changed([self.table.id_of(relpath)])  # type: ignore[list-item]

    def end_write(self, relpath: str, changes: dict[str, Any], *, ok: bool,
                  disk_values: dict[str, Any] | None, message: str = "",
                  row: ArticleSummary | None = None) -> None:
        """A write landed (or not). Show what is on disk now: the file's new row
        when the write brought one, else its editable values. The overlay goes
        once the row's last outstanding write is back."""
        self.end_writes([Landed(relpath, ok, disk_values, message, row)])

    def end_writes(self, landed: Sequence[Landed]) -> None:
        """`end_write` for many writes at once (a bulk decision's, a few dozen
        per turn): one table update and one repaint per run of adjacent rows."""
        updated: dict[int, ArticleSummary] = {}  # by id: a row landed twice in one turn keeps its last
        ids: list[int] = []
        for one in landed:
            row_id = self.table.id_of(one.relpath)
            if row_id is None:
                continue
            ids.append(row_id)
            overlay = self._overlay.setdefault(one.relpath, Overlay())
            overlay.pending_jobs = max(0, overlay.pending_jobs - 1)
            if overlay.pending_jobs == 0:
                overlay.pending.clear()
            overlay.write_error = "" if one.ok else one.message
            if not overlay.pending and not overlay.write_error:
                del self._overlay[one.relpath]
            current = updated.get(row_id) or self.table.rows[row_id]
            known = {k: v for k, v in (one.disk_values or {}).items() if k in ("published", "quality")}
            if one.row is not None and one.row.path == one.relpath:
                now = one.row
            elif known and not current.error:  # type: ignore[union-attr]
                now = replace(current, **known)  # type: ignore[type-var]
            else:
                continue
            if now != current:
                updated[row_id] = now
                if self._moves(self.table.rows[row_id], now):  # type: ignore[arg-type]
                    self._dirty.add(row_id)
        if updated:
            self._put(list(updated.values()))
            self._note_changed(list(updated))
        self._emit_ids_changed(ids)  # one signal per run: rows out of sight are not repainted
        if not self.defer_sorting:
            self.resort()

    # --- order ----------------------------------------------------------------
    def resort(self) -> None:
        """Make the order right again after rows were added or changed: a few
        move into place one by one; many sort the column (off the GUI thread
        when the model has a background runner)."""
        if not self._dirty or self._sorting is not None:
            return
        if self._sort_column < 0:
            self._dirty.clear()
            return
        if len(self._dirty) <= MOVE_LIMIT:  # a decision, an outside edit: each row moves on its own
            waiting = sorted(self._dirty)
            self._dirty.clear()
            while waiting:
                self._move_into_place(waiting.pop(0), waiting)
        elif len(self._dirty) <= INSORT_LIMIT:
            self._relayout(self._insort_dirty)
        elif self._background is not None:
            self._sort_in_background(self._sort_column)
        else:
            self._relayout(lambda: self._sort_now(self._descending))
            self._dirty.clear()

    def prepare_orders(self) -> None:
        """Sort every other column in the background, so a header click finds its order ready."""
        if self._background is None or not len(self.table):
            return
        snapshot = self.table.snapshot()
        for column in Column:
            if column != self._sort_column and column not in self._ready:
                self._background(sorted_ids, snapshot, int(column),
                                 done=lambda ids, c=int(column), v=snapshot.version: self._store_ready(c, v, ids))

    def _store_ready(self, column: int, version: int, ids: np.ndarray) -> None:
        if column != self._sort_column and version >= self._cleared_at:
            self._ready[column] = (version, ids)

    def _sort_in_background(self, column: int) -> None:
        snapshot = self.table.snapshot()
        self._sorting = column
        self._dirty.clear()  # everything in the snapshot gets sorted; later changes dirty it again
        self._background(sorted_ids, snapshot, column,
                         done=lambda ids: self._sorted(column, snapshot, ids))

    def _sorted(self, column: int, snapshot: Snapshot, ids: np.ndarray) -> None:
        if snapshot.version < self._cleared_at:
            return  # sorted from the last folder's rows (the new folder's sort, if any, comes on its own)
        self._sorting = None
        if column != self._sort_column:
            self._store_ready(column, snapshot.version, ids)
            if not self.defer_sorting:
                self.resort()
            return
        self._adopt(snapshot.version, ids, self._descending, sorted_rows=snapshot.rows)
        self.orderSettled.emit()

    def _adopt(self, version: int, ids: np.ndarray, descending: bool,
               sorted_rows: Sequence[ArticleSummary | None] | None = None) -> None:
        """Install an order sorted at table `version`; rows changed since are
        marked dirty and moved into place by resort(). With the rows the order
        was sorted from (`sorted_rows`), a changed row whose sort key is the same
        (a review state, a duplicate mark) stays where the sort put it."""
        live = self.table.alive[ids]
        ids = ids[live] if not live.all() else ids
        known = np.zeros(self.table.capacity, dtype=bool)
        known[ids] = True
        newer = self._touched_since(version, moves=True)
        if sorted_rows is not None and len(newer) <= _RECHECK_MOST:
            # (1,000 review states landing during the sort after an open made a
            # second sort of every row; comparing keys costs ~8 us a row)
            rows, held = self.table.rows, len(sorted_rows)
            newer = [i for i in newer if i >= held or sorted_rows[i] is None or sorted_rows[i] is not rows[i]
                     and self._moves(sorted_rows[i], rows[i])]  # type: ignore[arg-type]
        missing = np.flatnonzero(self.table.alive[:self.table.capacity] & ~known)  # arrived after the snapshot

        def install() -> None:
            self._descending = descending
            order = ids
            if missing.size:
                order = np.concatenate([order, missing])
            self._asc = order
            self._reindex()

        self._relayout(install)
        self._dirty.update(newer)
        self._dirty.update(missing.tolist())
        if not self.defer_sorting:
            # (during a scan the rows that came meanwhile wait for the one sort at its end:
            # sorting again here re-sorted the growing table 15 times in a warm open)
            self.resort()

    def _moves(self, before: ArticleSummary, after: ArticleSummary) -> bool:
        """Does the change move the row in the current order?"""
        column = self._sort_column
        return column >= 0 and sort_key(column, before) != sort_key(column, after)

    def _touched_since(self, version: int, *, moves: bool = False) -> list[int]:
        """Live ids changed after `version` (`moves`: only in what a row sorts
        by, as `_note_changed` tells them apart)."""
        changed = (self._moved_at if moves else self._changed_at)[:self.table.capacity]
        return np.flatnonzero((changed > version) & self.table.alive[:len(changed)]).tolist()

    def _note_changed(self, ids: Iterable[int], *, moves: bool = True) -> None:
        """These rows changed at the table's version. `moves=False`: only in what
        no column sorts by (a review state, a duplicate badge, a found warning),
        so a prepared order stays right for them: after an open, the duplicate
        groups of thousands of rows made every prepared order stale, and each
        header click sorted its column a second time in the background."""
        ids = list(ids)
        if not ids:
            return
        if len(self._changed_at) < self.table.capacity:
            grown = np.zeros((2, max(1024, 2 * self.table.capacity)), dtype=np.int64)
            grown[0, :len(self._changed_at)] = self._changed_at
            grown[1, :len(self._moved_at)] = self._moved_at
            self._changed_at, self._moved_at = grown[0], grown[1]
        self._changed_at[ids] = self.table.version
        if moves:
            self._moved_at[ids] = self.table.version

    def _sort_now(self, descending: bool) -> None:
        self._descending = descending
        self._asc = sorted_ids(self.table.snapshot(), self._sort_column)
        self._reindex()

    def _move_into_place(self, row_id: int, waiting: list[int]) -> None:
        """One row whose key changed goes where it belongs, as one row move
        (a view repaints two rows, instead of laying out the whole table).
        `waiting`: rows still out of place, which the search steps over."""
        if row_id >= len(self._pos) or self._pos[row_id] < 0:
            return
        column, rows = self._sort_column, self.table.rows

        def key_of(i: int) -> bytes:
            return sort_key(column, rows[i])  # type: ignore[arg-type]

        n = len(self._asc)
        old_pos = int(self._pos[row_id])
        rest = np.delete(self._asc, old_pos)
        if waiting:
            placed = ~np.isin(rest, waiting)
            at = insort_position(rest[placed], key_of(row_id), key_of)
            spots = np.flatnonzero(placed)
            new_pos = int(spots[at]) if at < len(spots) else len(rest)
        else:
            new_pos = insort_position(rest, key_of(row_id), key_of)
        if new_pos == old_pos:
            return
        old_row, new_row = (n - 1 - old_pos, n - 1 - new_pos) if self._descending else (old_pos, new_pos)
        dest = new_row + 1 if new_row > old_row else new_row  # Qt counts the destination before the move
        self.beginMoveRows(QModelIndex(), old_row, old_row, QModelIndex(), dest)
        self._asc = np.insert(rest, new_pos, row_id)
        self._reindex()
        self.endMoveRows()

    def _insort_dirty(self) -> None:
        column = self._sort_column
        rows = self.table.rows
        dirty = [i for i in self._dirty if self.table.alive[i]]
        self._dirty.clear()
        order = self._asc[~np.isin(self._asc, dirty)] if dirty else self._asc

        def key_of(row_id: int) -> bytes:
            return sort_key(column, rows[row_id])  # type: ignore[arg-type]

        # Each row's place in the rest, then one insert of them all, in key order: an
        # insert per row cost about 0.1 ms of numpy each (a scan's first 128 rows: 54 ms).
        keyed = sorted((key_of(row_id), row_id) for row_id in dirty)
        places = [insort_position(order, key, key_of) for key, _ in keyed]
        self._asc = np.insert(order, places, [row_id for _, row_id in keyed]) if keyed else order
        self._reindex()

    # --- internals --------------------------------------------------------------
    def _append(self, ids: list[int]) -> None:
        first = len(self._asc)
        self.beginInsertRows(QModelIndex(), first, first + len(ids) - 1)
        new = np.asarray(ids, dtype=np.int64)
        if self._descending:  # row order is the array backwards: new rows at the end are its front
            self._asc = np.concatenate([new[::-1], self._asc])
        else:
            self._asc = np.concatenate([self._asc, new])
        self._reindex()
        self.endInsertRows()
        if self._sort_column >= 0:
            self._dirty.update(ids)

    def _delete_rows(self, start: int, end: int) -> None:
        n = len(self._asc)
        if self._descending:
            start, end = n - 1 - end, n - 1 - start
        self._asc = np.delete(self._asc, np.s_[start:end + 1])
        self._reindex()

    def _reindex(self) -> None:
        capacity = self.table.capacity
        if len(self._pos) != capacity:
            self._pos = np.full(capacity, -1, dtype=np.int64)
        else:
            self._pos.fill(-1)
        self._pos[self._asc] = np.arange(len(self._asc), dtype=np.int64)

    def _emit_ids_changed(self, ids: list[int]) -> None:
        # One signal per run of adjacent rows: a view repaints what a signal
        # spans, so one signal from the first to the last would cover the table.
        rows = sorted({self.row_of_id(i) for i in ids} - {-1})
        if not rows:
            return
        last_column = COLUMNS - 1
        start = prev = rows[0]
        for row in rows[1:] + [-2]:
            if row == prev + 1:
                prev = row
                continue
            self.dataChanged.emit(self.index(start, 0), self.index(prev, last_column))
            start = prev = row
