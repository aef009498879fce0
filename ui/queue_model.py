"""The queue as a Qt table: one row per article file, keyed by its relative path.

`ArticleTableModel` holds the summaries the queue reported (what is on disk)
plus the window's own overlay: values being written (pending) and the last
failed write. Rows are found by relpath, never by remembered row numbers.

Sorting happens here, with a Python key sort and a layout change, rather than
in the proxy: a proxy sort would call `data()` from C++ about 2 n log n times
(a third of a second for 10,000 rows), while one key sort takes milliseconds.
`QueueFilterProxy` only filters (quick filter + text), and forwards `sort()`.

GUI thread only.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from enum import IntEnum
from typing import Any, Iterable

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QModelRoleDataSpan,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont

from app.queue.selection import QUICK_FILTERS, Selection, haystack, quick_filter, words_of
from ui.icons import status_icon
from ui.text import capped

Index = QModelIndex | QPersistentModelIndex


class Column(IntEnum):
    STATUS = 0
    QUALITY = 1
    TITLE = 2
    PROVIDER = 3
    DATE = 4
    TOPICS = 5
    HEAT = 6
    FILE = 7
    IMAGE = 8  # thumbnail, painted by ui.images' delegate; hidden unless View > Thumbnails


HEADERS = {
    Column.STATUS: "Status",
    Column.QUALITY: "Quality",
    Column.TITLE: "Title",
    Column.PROVIDER: "Provider",
    Column.DATE: "Date",
    Column.TOPICS: "Topics",
    Column.HEAT: "Heat",
    Column.FILE: "File",
    Column.IMAGE: "Image",
}

RELPATH_ROLE = int(Qt.ItemDataRole.UserRole) + 1
SUMMARY_ROLE = int(Qt.ItemDataRole.UserRole) + 2
# Roles as plain ints: data() runs thousands of times per second while painting.
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_ACCESSIBLE_TEXT = int(Qt.ItemDataRole.AccessibleTextRole)
_DECORATION = int(Qt.ItemDataRole.DecorationRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_FONT = int(Qt.ItemDataRole.FontRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ROW_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


@dataclass(slots=True)
class RowState:
    summary: Any  # app.article.summary.ArticleSummary: what the queue last saw on disk
    pending: dict[str, Any] = field(default_factory=dict)  # field -> value being written
    pending_jobs: int = 0
    write_error: str = ""  # the last failed write's message, until the next success
    haystack: str = ""  # app.queue.selection.haystack of the summary, for the filter


_MUTED_COLUMNS = frozenset((Column.FILE, Column.DATE))
SHOWN_IN_ROW = 500  # characters of a value a table cell shows (a cell shows far fewer anyway)
_NUMBER_COLUMNS = frozenset((Column.QUALITY, Column.HEAT))


def status_kind(state: RowState) -> str:
    s = state.summary
    if s.error:
        return "error"
    if state.pending_jobs:
        return "pending"
    if state.write_error:
        return "failed"
    if s.published is True:
        return "published"
    if s.published is False:
        return "unpublished"
    return "unset"


_STATUS_TEXT = {"error": "Error", "published": "Published", "unpublished": "Unpublished",
                "unset": "Not set", "pending": "Saving…", "failed": "Not saved"}


def _sort_value(column: int, s: Any) -> Any:
    """What a row sorts by in `column` (never None, so values always compare)."""
    if column == Column.STATUS:
        return 0 if s.error else 3 if s.published else 2 if s.published is False else 1
    if column == Column.QUALITY:
        return -1 if s.quality is None else s.quality
    if column == Column.TITLE:
        return s.title.casefold()
    if column == Column.PROVIDER:
        return s.provider.casefold()
    if column == Column.DATE:
        return s.published_at
    if column == Column.TOPICS:
        return ", ".join(s.topics).casefold()
    if column == Column.HEAT:
        return -math.inf if s.heat is None else float(s.heat)
    if column == Column.IMAGE:
        return s.image_url
    return s.path


def format_date(text: str) -> str:
    """`2022-02-01T20:02:00Z` -> `2022-02-01 20:02`: the date as written, only tidier."""
    if len(text) >= 16 and text[4] == "-" and text[10] in "T ":
        return f"{text[:10]} {text[11:16]}"
    return text


def format_heat(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class ArticleTableModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._order: list[str] = []  # relpaths in row order
        self._rows: dict[str, RowState] = {}
        self._row_of: dict[str, int] = {}
        self._sort_column = -1
        self._sort_order = Qt.SortOrder.AscendingOrder
        self._keys: dict[str, tuple[Any, str]] = {}  # relpath -> (sort value, relpath)
        self._unsorted = False
        self._tally = {q.name: 0 for q in QUICK_FILTERS}  # rows each quick filter accepts, kept as rows change
        # While True (during a scan), updates leave the order to a later resort():
        # one sort per few hundred milliseconds instead of one per batch of rows.
        self.defer_sorting = False
        self._italic = QFont()
        self._italic.setItalic(True)
        self._muted = QBrush(QColor("#8a8f98"))
        self._error_brush = QBrush(QColor("#c62828"))

    # --- Qt model API ---------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._order)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(Column)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[Column(section)]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return f"Sort by {HEADERS[Column(section)].lower()}"
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        return _ROW_FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        return self._value(self._rows[self._order[index.row()]], index.column(), int(role))

    def multiData(self, index: Index, span: QModelRoleDataSpan) -> None:
        """All roles of one cell in one call. Qt 6's item delegates ask for seven
        roles per cell; answering them together means one Python call per cell
        while painting, instead of seven (each of which may wait for the GIL
        while the queue's threads are busy)."""
        if not index.isValid():
            for item in span:
                item.clearData()
            return
        state = self._rows[self._order[index.row()]]
        column = index.column()
        value = self._value
        for item in span:
            result = value(state, column, item.role())
            if result is None:
                item.clearData()
            else:
                item.setData(result)

    def _value(self, state: RowState, column: int, role: int) -> Any:
        if role == _DISPLAY or role == _ACCESSIBLE_TEXT:
            return self._display(state, column)
        if role == _DECORATION:
            return status_icon(status_kind(state)) if column == Column.STATUS else None
        if role == _FOREGROUND:
            if state.summary.error or (state.write_error and column == Column.STATUS):
                return self._error_brush
            if column in _MUTED_COLUMNS or (column == Column.QUALITY and state.summary.quality is None
                                            and "quality" not in state.pending):
                return self._muted
            return None
        if role == _FONT:
            return self._italic if state.pending and self._shows_pending(column, state) else None
        if role == _ALIGNMENT:
            return _RIGHT if column in _NUMBER_COLUMNS else None
        if role == _TOOLTIP:
            return self._tooltip(state, column)
        if role == RELPATH_ROLE:
            return state.summary.path
        if role == SUMMARY_ROLE:
            return state.summary
        return None

    @staticmethod
    def _shows_pending(column: int, state: RowState) -> bool:
        return ((column == Column.STATUS and "published" in state.pending)
                or (column == Column.QUALITY and "quality" in state.pending))

    def _display(self, state: RowState, column: int) -> str:
        return capped(self._full_display(state, column), SHOWN_IN_ROW)

    def _full_display(self, state: RowState, column: int) -> str:
        s = state.summary
        if column == Column.STATUS:
            kind = status_kind(state)
            if kind == "pending" and "published" in state.pending:
                return "Publishing…" if state.pending["published"] else "Unpublishing…"
            return _STATUS_TEXT[kind]
        if column == Column.QUALITY:
            if "quality" in state.pending:
                return str(state.pending["quality"])
            if s.quality is not None:
                return str(s.quality)
            raw = _invalid(s).get("quality")
            return f"{raw}?" if raw else "—"
        if column == Column.TITLE:
            if s.error:
                return s.path.rsplit("/", 1)[-1]
            return s.title or "(no title)"
        if column == Column.PROVIDER:
            return s.provider
        if column == Column.DATE:
            return format_date(s.published_at)
        if column == Column.TOPICS:
            return ", ".join(s.topics)
        if column == Column.HEAT:
            return format_heat(s.heat)
        if column == Column.IMAGE:
            return ""
        return s.path

    def _tooltip(self, state: RowState, column: int) -> str | None:
        tip = self._full_tooltip(state, column)
        return capped(tip) if tip else None

    def _full_tooltip(self, state: RowState, column: int) -> str | None:
        s = state.summary
        if s.error:
            return f"{s.path}: {s.error}"
        if state.write_error and column in (Column.STATUS, Column.QUALITY, Column.TITLE):
            return f"Not saved: {state.write_error}"
        if column == Column.TITLE:
            return s.title or None
        if column == Column.DATE:
            return s.published_at or None
        if column == Column.QUALITY and s.quality is None and _invalid(s).get("quality"):
            return f"quality on disk is {_invalid(s)['quality']!s}, not a number from 0 to 100"
        if column == Column.STATUS and s.published is None and _invalid(s).get("published"):
            return f"published on disk is {_invalid(s)['published']!s}, not true or false"
        if s.warnings and column == Column.STATUS:
            return "\n".join(s.warnings)
        if column in (Column.TOPICS, Column.FILE, Column.PROVIDER):
            return self._display(state, column) or None
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._sort_column = column
        self._sort_order = order
        self._keys = {p: (_sort_value(column, st.summary), p) for p, st in self._rows.items()}
        self._unsorted = True
        self.resort()

    # --- lookups ----------------------------------------------------------------
    def relpath_at(self, row: int) -> str:
        return self._order[row]

    def row_of(self, relpath: str) -> int:
        return self._row_of.get(relpath, -1)

    def index_of(self, relpath: str, column: int = 0) -> QModelIndex:
        row = self._row_of.get(relpath, -1)
        return self.index(row, column) if row >= 0 else QModelIndex()

    def state(self, relpath: str) -> RowState | None:
        return self._rows.get(relpath)

    def summary(self, relpath: str) -> Any:
        state = self._rows.get(relpath)
        return state.summary if state else None

    def shown_value(self, relpath: str, name: str) -> Any:
        """The value the editor sees: the pending one, else the one on disk."""
        state = self._rows[relpath]
        if name in state.pending:
            return state.pending[name]
        return getattr(state.summary, name)

    @property
    def unsorted(self) -> bool:
        """Rows were added or changed since the last resort() (deferred during a scan)."""
        return self._unsorted

    def paths(self) -> frozenset[str]:
        return frozenset(self._rows)

    def counts(self) -> tuple[int, int, int]:
        """(articles, published, errors) as on disk."""
        return len(self._rows), self._tally["published"], self._tally["errors"]

    def quick_counts(self) -> dict[str, int]:
        """Rows each quick filter accepts (as on disk), by name."""
        return dict(self._tally)

    def _count(self, summary: Any, sign: int) -> None:
        for quick in QUICK_FILTERS:
            if quick.accepts(summary):
                self._tally[quick.name] += sign

    def _replace_summary(self, state: RowState, summary: Any) -> None:
        """The one way a row's summary changes: counts, filter text and sort key follow."""
        self._count(state.summary, -1)
        state.summary = summary
        self._count(summary, +1)
        state.haystack = haystack(summary)
        self._set_key(summary)

    def renames(self, removed: Iterable[str], arrived: Iterable[Any]) -> dict[str, str]:
        """Old relpath -> new relpath for rows that leave while a row with the
        same article has just arrived (`mv`, `git mv`, a save under a new name
        then a delete): every field equal but the path and the mtime. Only
        one-to-one matches count."""
        def key(summary: Any) -> Any:
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
            state = self._rows.get(path)
            candidates = new.get(key(state.summary), []) if state is not None else []
            if len(candidates) == 1 and candidates[0] not in taken:
                found[path] = candidates[0]
                taken.add(candidates[0])
        return found

    def row_state_for_filter(self, source_row: int) -> RowState:
        return self._rows[self._order[source_row]]

    # --- updates ----------------------------------------------------------------
    def upsert(self, summaries: Iterable[Any]) -> set[str]:
        """Add new rows (at the end, then sorted) and refresh known ones.
        Returns the relpaths whose summary changed (new ones included)."""
        changed: set[str] = set()
        new: dict[str, Any] = {}  # a path seen twice in one batch: the last one wins
        touched_rows: list[int] = []
        column = self._sort_column
        for s in summaries:
            state = self._rows.get(s.path)
            if state is None:
                new[s.path] = s
                changed.add(s.path)
                continue
            if state.summary == s:
                continue
            self._replace_summary(state, s)
            state.write_error = ""
            changed.add(s.path)
            touched_rows.append(self._row_of[s.path])
        if touched_rows:
            self._emit_rows_changed(touched_rows)
        if new:
            first = len(self._order)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            for path, s in new.items():
                self._rows[path] = RowState(s, haystack=haystack(s))
                self._count(s, +1)
                self._row_of[path] = len(self._order)
                self._order.append(path)
                if column >= 0:
                    self._keys[path] = (_sort_value(column, s), path)
            self.endInsertRows()
            self._unsorted = column >= 0
        if not self.defer_sorting:
            self.resort()
        return changed

    def _set_key(self, s: Any) -> None:
        if self._sort_column >= 0:
            key = (_sort_value(self._sort_column, s), s.path)
            if self._keys.get(s.path) != key:
                self._keys[s.path] = key
                self._unsorted = True

    def remove(self, relpaths: Iterable[str]) -> set[str]:
        rows = sorted((self._row_of[p] for p in set(relpaths) if p in self._row_of), reverse=True)
        if not rows:
            return set()
        removed = {self._order[r] for r in rows}
        # contiguous runs, last first, so earlier row numbers stay valid
        start = end = rows[0]
        for row in rows[1:] + [None]:  # type: ignore[list-item]
            if row is not None and row == start - 1:
                start = row
                continue
            self.beginRemoveRows(QModelIndex(), start, end)
            del self._order[start:end + 1]
            self.endRemoveRows()
            if row is not None:
                start = end = row
        for path in removed:
            self._count(self._rows.pop(path).summary, -1)
            self._keys.pop(path, None)
        self._row_of = {p: i for i, p in enumerate(self._order)}
        return removed

    def clear(self) -> None:
        self.beginResetModel()
        self._order, self._rows, self._row_of, self._keys = [], {}, {}, {}
        self._tally = {q.name: 0 for q in QUICK_FILTERS}
        self._unsorted = False
        self.endResetModel()

    def begin_write(self, relpath: str, changes: dict[str, Any]) -> None:
        state = self._rows.get(relpath)
        if state is None:
            return
        state.pending.update(changes)
        state.pending_jobs += 1
        self._emit_rows_changed([self._row_of[relpath]])

    def end_write(self, relpath: str, changes: dict[str, Any], *, ok: bool,
                  disk_values: dict[str, Any] | None, message: str = "", row: Any = None) -> None:
        """A write landed (or not). Show what is on disk now: the file's new row
        when the write brought one, else its editable values. The overlay goes
        once the row's last outstanding write is back."""
        state = self._rows.get(relpath)
        if state is None:
            return
        state.pending_jobs = max(0, state.pending_jobs - 1)
        if state.pending_jobs == 0:
            state.pending.clear()
        state.write_error = "" if ok else message
        known = {k: v for k, v in (disk_values or {}).items() if k in ("published", "quality")}
        if row is not None and row.path == relpath:
            updated = row
        elif known and not state.summary.error:
            updated = replace(state.summary, **known)
        else:
            updated = state.summary
        if updated != state.summary:
            self._replace_summary(state, updated)
        self._emit_rows_changed([self._row_of[relpath]])
        if not self.defer_sorting:
            self.resort()

    # --- internals --------------------------------------------------------------
    def _emit_rows_changed(self, rows: list[int]) -> None:
        # One signal per run of adjacent rows: a proxy re-filters every row a
        # signal spans, so one signal from the first to the last would re-filter
        # the whole table for two changes far apart.
        rows = sorted(set(rows))
        last_column = len(Column) - 1
        start = prev = rows[0]
        for row in rows[1:] + [-2]:
            if row == prev + 1:
                prev = row
                continue
            self.dataChanged.emit(self.index(start, 0), self.index(prev, last_column))
            start = prev = row

    def resort(self) -> None:
        """Restore the sort order if rows were added or sort values changed.
        A layout change: selections and the proxy follow each article."""
        if not self._unsorted:
            return
        self._unsorted = False
        if self._sort_column < 0 or len(self._order) < 2:
            return
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        anchors = [(self._order[i.row()], i.column()) if i.isValid() else None for i in persistent]
        # Keys are computed once per summary; the sort itself runs in C.
        self._order.sort(key=self._keys.__getitem__, reverse=self._sort_order == Qt.SortOrder.DescendingOrder)
        self._row_of = {p: i for i, p in enumerate(self._order)}
        moved = [self.index(self._row_of[a[0]], a[1]) if a else QModelIndex() for a in anchors]
        self.changePersistentIndexList(persistent, moved)
        self.layoutChanged.emit()


def _invalid(summary: Any) -> dict[str, str]:
    value = getattr(summary, "invalid", None) or {}
    return dict(value) if not isinstance(value, dict) else value


class QueueFilterProxy(QSortFilterProxyModel):
    """Filters rows by the current `Selection` (quick filter + words; the
    definition is `app.queue.selection`'s); sorting is delegated to the source."""

    def __init__(self, source: ArticleTableModel, parent: Any = None) -> None:
        super().__init__(parent)
        self._source = source
        self._selection = Selection()
        self.setSourceModel(source)
        self.setDynamicSortFilter(True)  # re-filter a row when its data changes

    @property
    def selection(self) -> Selection:
        return self._selection

    @property
    def quick_filter(self) -> str:
        return self._selection.quick

    def set_quick_filter(self, name: str) -> None:
        self._set_selection(replace(self._selection, quick=quick_filter(name).name))

    def set_text(self, text: str) -> None:
        self._set_selection(replace(self._selection, words=words_of(text)))

    def _set_selection(self, selection: Selection) -> None:
        if selection != self._selection:
            self.beginFilterChange()
            self._selection = selection
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        selection = self._selection
        if selection.everything:
            return True
        state = self._source.row_state_for_filter(source_row)
        return selection.matches(state.summary, state.haystack)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._source.sort(column, order)

    def multiData(self, index: Index, span: QModelRoleDataSpan) -> None:
        # QSortFilterProxyModel would split this into one data() call per role.
        self._source.multiData(self.mapToSource(index), span)
