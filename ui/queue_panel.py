"""The left side of the window: the quick filters, the filter box and the
queue table, with the table's columns set up once.

GUI thread only.
"""
from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QAbstractItemModel, QSignalBlocker, Qt
from PySide6.QtWidgets import QLineEdit, QTabBar, QVBoxLayout, QWidget

from app.queue.selection import QUICK_FILTERS, quick_filter
from ui.i18n import number, tr
from ui.queue_cells import Column
from ui.queue_view import QueueView
from ui.wrap_row import WrapRow

DEFAULT_WIDTHS = {Column.STATUS: 108, Column.QUALITY: 58, Column.PROVIDER: 132, Column.DATE: 120,
                  Column.TOPICS: 124, Column.HEAT: 48, Column.FILE: 220}
TITLE_MIN_WIDTH = 220  # the title takes the room left, but no less: a narrow window scrolls sideways


class QueuePanel(QWidget):
    def __init__(self, model: QAbstractItemModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = self._make_table(model)
        self.quick_tabs = self._make_quick_tabs()
        self.filter_edit = self._make_filter_box()
        # In a narrow window the filter box goes under the quick filters, which stay whole.
        self.top_row = WrapRow(self.quick_tabs, self.filter_edit, gap_stretch=1, second_stretch=2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.top_row)
        layout.addWidget(self.table, 1)
        QWidget.setTabOrder(self.filter_edit, self.quick_tabs)
        QWidget.setTabOrder(self.quick_tabs, self.table)

    @staticmethod
    def _make_table(model: QAbstractItemModel) -> QueueView:
        table = QueueView()
        table.setModel(model)
        header = table.horizontalHeader()
        header.setSectionsMovable(True)
        header.setStretchLastSection(False)
        for column, width in DEFAULT_WIDTHS.items():
            header.resizeSection(column, width)
        header.setMinimumSectionSize(40)
        table.set_stretch_column(Column.TITLE, TITLE_MIN_WIDTH)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.setColumnHidden(Column.FILE, True)
        table.setColumnHidden(Column.IMAGE, True)
        header.moveSection(header.visualIndex(Column.IMAGE), 0)  # thumbnails sit at the left edge
        header.resizeSection(Column.IMAGE, 72)
        table.sortByColumn(Column.DATE, Qt.SortOrder.DescendingOrder)
        return table

    def _make_quick_tabs(self) -> QTabBar:
        tabs = QTabBar()
        tabs.setObjectName("quickFilter")
        tabs.setAccessibleName(tr("Quick filter"))
        tabs.setDrawBase(False)
        tabs.setExpanding(False)
        tabs.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        # The review filters have no tab of their own (the row must fit a narrow window):
        # chosen from View or with their key, one shows as an extra last tab while it is on.
        self.tab_names = [quick.name for quick in QUICK_FILTERS if quick.facet is None]
        for name in self.tab_names:
            self._add_tab(tabs, name)
        return tabs

    @staticmethod
    def _add_tab(tabs: QTabBar, name: str) -> None:
        quick = quick_filter(name)
        tabs.addTab(tr(quick.label))  # the core's words, marked for translation in ui.keys
        tabs.setTabToolTip(tabs.count() - 1, f"{tr(quick.tip)} ({quick.key})")

    def show_quick(self, name: str) -> None:
        """Select the quick filter's tab (adding the extra one for a filter without a tab). Signals blocked."""
        tabs = self.quick_tabs
        with QSignalBlocker(tabs):
            regular = [q.name for q in QUICK_FILTERS if q.facet is None]
            if len(self.tab_names) > len(regular) and self.tab_names[-1] != name:
                tabs.removeTab(len(self.tab_names) - 1)
                self.tab_names = regular
            if name not in self.tab_names:
                self.tab_names = [*regular, name]
                self._add_tab(tabs, name)
            tabs.setCurrentIndex(self.tab_names.index(name))

    @staticmethod
    def _make_filter_box() -> QLineEdit:
        box = QLineEdit()
        box.setObjectName("filterBox")
        box.setPlaceholderText(tr("Filter title, excerpt, provider, topics, path   (Ctrl+F or /)"))
        box.setClearButtonEnabled(True)
        box.setAccessibleName(tr("Filter"))
        box.setToolTip(tr("Matches title, excerpt, provider, topics and path; all words must match. "
                          "Escape clears the filter, and again returns to the queue."))
        box.setMinimumWidth(260)
        return box

    def show_empty_state(self, total: int, quick: str, text: str) -> None:
        """What the table says when it shows no row although the folder has some."""
        shown = self.table.model().rowCount()
        placeholder = empty_text(quick, text) if total and not shown else ""
        if placeholder != self.table.filtered_placeholder:  # else no repaint: this runs at every count
            self.table.filtered_placeholder = placeholder
            self.table.viewport().update()

    def set_quick_counts(self, counts: Mapping[str, int], total: int) -> None:
        for i, name in enumerate(self.tab_names):
            quick = quick_filter(name)
            label = tr(quick.label)
            self.quick_tabs.setTabText(i, f"{label}  {number(counts[quick.name])}" if total else label)


def empty_text(quick: str, text: str) -> str:
    """Why no row shows, for a folder that has rows: the quick filter and the filter words."""
    words = " ".join(text.split())
    label = tr(quick_filter(quick).label)
    if words and quick != "all":
        found = tr("No article in {label} matches “{words}”.").format(label=label, words=words)
    elif words:
        found = tr("No article matches “{words}”.").format(words=words)
    elif quick == "errors":
        found = tr("No errors: every file in this folder can be read.")
    elif quick == "published":
        found = tr("No published articles.")
    elif quick == "unpublished":
        found = tr("No unpublished articles: every readable one is published.")
    else:
        found = tr("No article matches the filter.")
    hint = tr("Escape in the filter box clears it; Ctrl+1 shows all.") if words else tr("Ctrl+1 shows all.")
    return f"{found}\n\n{hint}"
