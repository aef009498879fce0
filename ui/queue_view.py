"""The queue table widget: one selected row at a time, uniform row heights,
a placeholder when empty, and `keep_place()`, which holds the editor's place
(selected article and its position on screen) while rows arrive, change,
move or disappear underneath.

GUI thread only.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from ui.queue_model import RELPATH_ROLE


class QueueView(QTableView):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("queueTable")
        self.setAccessibleName("Article queue")
        self.setAccessibleDescription("Articles in the folder. J and K move, P publishes, U unpublishes, "
                                      "plus and minus change quality.")
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setSortingEnabled(True)
        self.setTabKeyNavigation(False)  # Tab leaves the table, to the detail pane
        vertical = self.verticalHeader()
        vertical.hide()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # no per-row measuring at 10k rows
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 10)
        self.horizontalHeader().setHighlightSections(False)
        self.horizontalHeader().setSortIndicatorShown(True)
        self.placeholder = "Opening…"

    # --- the editor's place ---------------------------------------------------
    def current_relpath(self) -> str | None:
        index = self.currentIndex()
        return index.data(RELPATH_ROLE) if index.isValid() else None

    def select_row(self, row: int) -> None:
        model = self.model()
        if model is None or not 0 <= row < model.rowCount():
            return
        index = model.index(row, 0)
        self.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self.scrollTo(index)

    def row_of_relpath(self, relpath: str) -> int:
        model = self.model()
        source = model.sourceModel()  # type: ignore[attr-defined]
        source_index = source.index_of(relpath)
        if not source_index.isValid():
            return -1
        return model.mapFromSource(source_index).row()  # type: ignore[attr-defined]

    @contextmanager
    def keep_place(self, *, stay_at_top: bool = False) -> Iterator[None]:
        """Around a model update: keep the selected article selected, and keep
        it (or else the top visible row) at the same height on screen. With
        `stay_at_top`, a view scrolled to the top stays there (while a scan
        adds rows above an article the editor has not chosen yet)."""
        model = self.model()
        bar = self.verticalScrollBar()
        height = max(1, self.verticalHeader().defaultSectionSize())
        current = self.current_relpath()
        current_row = self.currentIndex().row() if current else -1
        first_visible = bar.value() // height
        last_visible = (bar.value() + self.viewport().height()) // height
        at_top = bar.value() == 0 and (current is None or current_row <= last_visible)
        anchor: str | None = None
        offset = 0
        if at_top and stay_at_top:
            pass
        elif current and first_visible <= current_row <= last_visible:
            anchor, offset = current, current_row * height - bar.value()
        elif model.rowCount() and not at_top:
            top_index = model.index(min(first_visible, model.rowCount() - 1), 0)
            anchor, offset = top_index.data(RELPATH_ROLE), first_visible * height - bar.value()
        yield
        if current is not None:
            row = self.row_of_relpath(current)
            if row < 0 and model.rowCount():
                # The article left the view (removed, or filtered out): take its neighbour.
                self.select_row(min(max(current_row, 0), model.rowCount() - 1))
            elif row >= 0 and not self.selectionModel().isRowSelected(row, QModelIndex()):
                self.select_row(row)
        self.updateGeometries()  # the scroll range must include new rows before we scroll
        if anchor is not None:
            row = self.row_of_relpath(anchor)
            if row >= 0:
                bar.setValue(row * height - offset)
        elif at_top:
            bar.setValue(0)

    # --- empty state ----------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        model = self.model()
        if model is not None and model.rowCount() == 0 and self.placeholder:
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().placeholderText().color())
            painter.drawText(self.viewport().rect().adjusted(24, 24, -24, -24),
                             Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap,
                             self.placeholder)
            painter.end()
