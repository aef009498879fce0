"""The queue table widget: a current row (and more selected with Shift or Ctrl), uniform row heights,
a placeholder when empty, and `keep_place()`, which holds the editor's place
(selected article and its position on screen) while rows arrive, change,
move or disappear underneath. Re-sorts that happen outside `keep_place()`
(a header click, a landed write moving its row) keep the selected article
where it was on screen too, and a header click always shows it.

GUI thread only.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QRect,
    Qt,
)
from PySide6.QtGui import QAccessible, QPainter, QPaintEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from app.courtesy import foreground
from ui.i18n import tr
from ui.queue_cells import RELPATH_ROLE
from ui.queue_delegate import OWN_PAINT_STYLES, QueueCellDelegate


class QueueView(QTableView):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("queueTable")
        self.setAccessibleName(tr("Article queue"))
        self.setAccessibleDescription(tr("Articles in the folder. J and K move, P publishes, U unpublishes, "
                                         "plus and minus change quality."))
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # Shift and Ctrl click, Shift+J/K and Ctrl+A select many: keys then decide for all (ui.bulk).
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setSortingEnabled(True)
        self.cells = QueueCellDelegate(self)  # Qt's cells with their text shaped once (ui.queue_delegate)
        self.setItemDelegate(self.cells)
        self._fit_cells()
        self.setTabKeyNavigation(False)  # Tab leaves the table, to the detail pane
        vertical = self.verticalHeader()
        vertical.hide()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # no per-row measuring at 10k rows
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setSortIndicatorShown(True)
        # Connected after setSortingEnabled: runs once the model has sorted.
        header.sortIndicatorChanged.connect(self._after_sort)
        header.sectionResized.connect(self._on_section_resized)
        header.installEventFilter(self)  # the header's width is the viewport's
        self.placeholder = tr("Opening…")
        # Shown instead when the folder has rows but the filter shows none: "this folder is
        # empty" would then be wrong (ui.queue_panel.empty_text).
        self.filtered_placeholder = ""
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)  # the row menu (ui.row_menu)
        self._keeping_place = False
        # True while keep_place() moves the selection itself (its article left the
        # view): the window then fills the pane after the rows are painted.
        self.placing = False
        self._layout_anchor: tuple[str, int] | None = None
        self._stretch: tuple[int, int] | None = None  # (column, minimum width)
        self._anchor_row: int | None = None  # where a Shift+J/K selection began

    def setModel(self, model: QAbstractItemModel | None) -> None:
        """After a sort or a filter, the view is laid out in the same turn: Qt's
        own handlers (a row count changed) only start a zero timer for it, and
        that layout repainted every visible row a turn after the change's own
        paint (10-24 ms more at 100,000 rows, in the same gap)."""
        super().setModel(model)
        self.cells.use_model(model)
        if model is not None:
            model.layoutAboutToBeChanged.connect(self._before_layout_change)
            model.layoutChanged.connect(self.doItemsLayout)
            model.layoutChanged.connect(self._after_layout_change)
            # A row that moves (a landed write, in the current order) holds the place the same way.
            model.rowsAboutToBeMoved.connect(self._before_layout_change)
            model.rowsMoved.connect(self._after_layout_change)

    def dataChanged(self, top_left: QModelIndex, bottom_right: QModelIndex, *roles: Any) -> None:
        """Only the changed rows in sight are repainted: Qt repaints the whole
        viewport for a range of rows wherever it is (a bulk decision's rows,
        landing below the fold, repainted every visible row 40 times), and a
        whole paint beside a bulk decision's helpers took up to 49 ms.
        With assistive technology listening, Qt's own handling tells it too."""
        if top_left.isValid() and bottom_right.isValid() and top_left != bottom_right \
                and not QAccessible.isActive():
            height = self.viewport().height()
            first, last = self.rowAt(0), self.rowAt(height - 1)
            last = self.model().rowCount() - 1 if last < 0 else last
            if first >= 0:
                top, bottom = max(top_left.row(), first), min(bottom_right.row(), last)
                if top <= bottom:
                    y = self.rowViewportPosition(top)
                    self.viewport().update(QRect(0, y, self.viewport().width(),
                                                 self.rowViewportPosition(bottom) + self.rowHeight(bottom) - y))
                return
        super().dataChanged(top_left, bottom_right, *roles)

    # --- the title column: takes the room the others leave, but never less than a minimum ---
    def set_stretch_column(self, column: int, minimum: int) -> None:
        """Like QHeaderView's Stretch mode, with a floor: in a narrow window
        the table scrolls sideways instead of squeezing the titles to nothing."""
        self._stretch = (column, minimum)
        self.horizontalHeader().setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
        self._fit_stretch_column()

    def _fit_stretch_column(self) -> None:
        if self._stretch is None:
            return
        column, minimum = self._stretch
        header = self.horizontalHeader()
        others = sum(header.sectionSize(c) for c in range(header.count())
                     if c != column and not header.isSectionHidden(c))
        width = max(minimum, self.viewport().width() - others)
        if header.sectionSize(column) != width:
            header.resizeSection(column, width)

    def _on_section_resized(self, logical: int, _old: int, _new: int) -> None:
        if self._stretch is not None and logical != self._stretch[0]:
            self._fit_stretch_column()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.horizontalHeader() and event.type() == QEvent.Type.Resize:
            self._fit_stretch_column()
        return super().eventFilter(watched, event)

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
        self._anchor_row = row
        self.scrollTo(index)

    def extend_selection(self, step: int) -> None:
        """Shift+J/K: move the current row and select every row from where the
        selection began (its anchor) to it."""
        model = self.model()
        if model is None or not model.rowCount():
            return
        current = self.currentIndex()
        row = max(0, min(model.rowCount() - 1, (current.row() if current.isValid() else 0) + step))
        selection = self.selectionModel()
        if not selection.hasSelection() or self._anchor_row is None or self._anchor_row >= model.rowCount():
            self._anchor_row = current.row() if current.isValid() else row
        top, bottom = sorted((self._anchor_row, row))
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        selection.select(QItemSelection(model.index(top, 0), model.index(bottom, 0)), flags)
        selection.setCurrentIndex(model.index(row, 0), QItemSelectionModel.SelectionFlag.NoUpdate)
        self.scrollTo(model.index(row, 0))

    def row_of_relpath(self, relpath: str) -> int:
        return self.model().row_of_relpath(relpath)  # type: ignore[attr-defined]

    @contextmanager
    def keep_place(self, *, stay_at_top: bool = False,
                   renamed: Mapping[str, str] | None = None) -> Iterator[None]:
        """Around a model update: keep the selected article selected, and keep
        it (or else the top visible row) at the same height on screen. With
        `stay_at_top`, a view scrolled to the top stays there (while a scan
        adds rows above an article the editor has not chosen yet). `renamed`
        maps old relpaths to new ones: a renamed article stays selected."""
        if self._keeping_place:  # nested: the outer one holds the place
            yield
            return
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
        self._keeping_place = True
        try:
            yield
        finally:
            self._keeping_place = False
        if renamed:
            current = renamed.get(current, current) if current is not None else None
            anchor = renamed.get(anchor, anchor) if anchor is not None else None
        if current is not None:
            row = self.row_of_relpath(current)
            self.placing = True
            try:
                if row < 0 and model.rowCount():
                    # The article left the view (removed, or filtered out): take its neighbour.
                    self.select_row(min(max(current_row, 0), model.rowCount() - 1))
                elif row >= 0 and not self.selectionModel().isRowSelected(row, QModelIndex()):
                    self.select_row(row)
            finally:
                self.placing = False
        self.updateGeometries()  # the scroll range must include new rows before we scroll
        if anchor is not None:
            row = self.row_of_relpath(anchor)
            if row >= 0:
                bar.setValue(row * height - offset)
        elif at_top:
            bar.setValue(0)

    # --- re-sorts outside keep_place() ------------------------------------------------
    def _before_layout_change(self, *_args: Any) -> None:
        self._layout_anchor = None
        index = self.currentIndex()
        if self._keeping_place or not index.isValid():
            return
        height = max(1, self.verticalHeader().defaultSectionSize())
        offset = index.row() * height - self.verticalScrollBar().value()
        if -height < offset < self.viewport().height():  # on screen: keep it at that height
            self._layout_anchor = (index.data(RELPATH_ROLE), offset)

    def _after_layout_change(self, *_args: Any) -> None:
        anchor, self._layout_anchor = self._layout_anchor, None
        if anchor is None or self._keeping_place:
            return
        row = self.row_of_relpath(anchor[0])
        if row >= 0:
            self.updateGeometries()
            height = max(1, self.verticalHeader().defaultSectionSize())
            self.verticalScrollBar().setValue(row * height - anchor[1])

    def _after_sort(self, *_args: Any) -> None:
        # The editor sorted: the article they are on stays in view (it was kept
        # at its height if it was on screen; otherwise it is brought into view).
        index = self.currentIndex()
        if index.isValid():
            self.updateGeometries()
            self.scrollTo(index)

    # --- empty state ----------------------------------------------------------------
    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange, QEvent.Type.PaletteChange):
            self.cells.forget()  # shaped in the old font, placed by the old style, in the old colours
        if event.type() in (QEvent.Type.StyleChange, QEvent.Type.LayoutDirectionChange):
            self._fit_cells()
        super().changeEvent(event)

    def _fit_cells(self) -> None:
        self.cells.right_to_left = self.isRightToLeft()
        self.cells.own_paint = self.style().name().lower() in OWN_PAINT_STYLES

    def paintEvent(self, event: QPaintEvent) -> None:
        with foreground():  # background Python loops wait: each cell's callback gets the GIL at once
            super().paintEvent(event)
        model = self.model()
        text = self.filtered_placeholder or self.placeholder
        if model is not None and model.rowCount() == 0 and text:
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().placeholderText().color())
            painter.drawText(self.viewport().rect().adjusted(24, 24, -24, -24),
                             Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap,
                             text)
            painter.end()
