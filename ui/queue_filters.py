"""The window's filter, in one place: the quick filter tabs, the filter box,
the facet panel (a dock) and the chips above the queue all change one
`Selection`, which the queue's view (`QueueFilterProxy`) shows and whose
facet counts the panel shows.

How a change reaches the rows, within the window's 50 ms budget at 100,000
articles:

- without words, or in a queue of at most `SYNC_ROWS` articles, the view
  is filtered at once (facet masks are numpy lookups: about 2 ms at
  100,000 rows);
- with words in a bigger queue, the words' test (a Python loop over the
  haystacks, about 20 ms a word at 100,000 rows) runs off the GUI thread in
  the `FacetCounter`, and the view adopts its answer (rows changed
  meanwhile are evaluated here, so it is exact);
- the counts always come from the `FacetCounter`, and again, coalesced,
  after rows change (a scan, the watcher, a decision).

The selection is remembered per folder (`WindowSettings.folder_value`): a
folder reopens with its own quick filter, words and facets.

GUI thread only.
"""
from __future__ import annotations

import json
import time
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QObject, QSignalBlocker, Qt, QTimer
from PySide6.QtWidgets import QDockWidget

from app.queue.evaluation import Evaluation
from app.queue.selection import Selection, quick_filter, words_of
from ui.facet_counts import FacetCounter
from ui.facet_panel import FacetPanel
from ui.filter_chips import FilterChips
from ui.i18n import tr

SYNC_ROWS = 20_000  # at most this many rows: words are tested on the GUI thread at once (under 5 ms)
# Rows changing: the facet counts follow at once after a quiet spell, and at most
# this long after a change while changes keep coming. Each recount copies the
# table (~5 ms of the GUI thread at 100,000 rows) and evaluates it beside the
# writer: at 120 ms, 1,000 P presses took 8.6-12.1 s; at 400 ms, 6.7-8.6 s
# (the same runs, bench/bench_window.py's burst), and the process used 2.5 s less CPU.
# While the facet panel is hidden nobody reads the counts: a run of changes
# recounts once, RECOUNT_MS after the last (and showing the panel recounts).
RECOUNT_MS = 400
_FOLDER_KEY = "selection"


class QueueFilters(QObject):
    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.model = window.model
        self.proxy = window.proxy
        self.wanted: Selection = self.proxy.selection
        self.counter = FacetCounter(lambda: self.model.table, self)
        self.counter.evaluated.connect(self._on_evaluated)

        self.panel = FacetPanel()
        self.panel.selectionChosen.connect(self.apply)
        self.dock = QDockWidget(tr("Facets"), window)
        self.dock.setObjectName("facetDock")  # saveState() needs a name
        self.dock.setWidget(self.panel)
        self.dock.setAllowedAreas(Qt.DockWidgetArea.LeftDockWidgetArea | Qt.DockWidgetArea.RightDockWidgetArea)
        window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.dock)
        self.dock.hide()  # until the editor opens it (View > Facets); then as they left it
        self.dock.visibilityChanged.connect(self._on_dock_shown)
        toggle = self.dock.toggleViewAction()
        toggle.setText(tr("&Facets"))
        toggle.setShortcut("Ctrl+Shift+F")
        toggle.setToolTip(tr("Show or hide the facet panel: provider, topic, quality, date… with counts"))
        self.toggle_action = toggle

        self.chips = FilterChips()
        self.chips.selectionChosen.connect(self.apply)
        window.queue_panel.layout().insertWidget(1, self.chips)

        self._recount = QTimer(self)
        self._recount.setSingleShot(True)
        self._recount.setInterval(RECOUNT_MS)
        self._recount.timeout.connect(self._request)
        self._last_request = 0.0
        self._scheduled = False  # a recount is on its way (posted to the event loop)
        for signal in (self.model.rowsInserted, self.model.rowsRemoved, self.model.dataChanged,
                       self.model.manyChanged, self.model.reviewsChanged):
            signal.connect(lambda *_: self._rows_changed())
        self.model.modelReset.connect(self._on_reset)
        window.bridge.opened.connect(self._on_opened)
        # The review facet: where the folder's audit trail has been read.
        window.bridge.bookOpened.connect(lambda book: self.panel.set_available("review", book is not None))
        # The duplicate facet, the Duplicates quick filter and the badges read the table's columns.
        window.bridge.duplicatesChanged.connect(
            lambda view, changed: self.model.set_duplicates(view, None if changed is None else sorted(changed)))
        menus = {a.text().replace("&", ""): a.menu() for a in window.menuBar().actions() if a.menu()}
        if menus.get("View") is not None:
            menus["View"].addSeparator()
            menus["View"].addAction(toggle)

    # --- changing the selection ---------------------------------------------------------
    def apply(self, selection: Selection) -> None:
        """The one way the window's filter changes (tabs, filter box, panel, chips)."""
        self.wanted = selection
        self._show_controls(selection)
        if not selection.words or len(self.model.table) <= SYNC_ROWS:
            self._show_rows(selection)
        self._request()
        self._remember(selection)

    def _remember(self, selection: Selection) -> None:
        folder = self.window.folder
        if folder is not None:
            self.window.settings.set_folder_value(str(folder), _FOLDER_KEY, json.dumps(selection.to_json()))

    def set_words(self, text: str) -> None:
        self.apply(replace(self.wanted, words=words_of(text)))

    def set_quick(self, name: str) -> None:
        self.apply(replace(self.wanted, quick=quick_filter(name).name))

    def clear(self) -> None:
        self.apply(Selection())

    # --- showing it -------------------------------------------------------------------------
    def _show_rows(self, selection: Selection, evaluation: Evaluation | None = None) -> None:
        with self.window.table.keep_place():
            if evaluation is None:
                self.proxy.set_selection(selection)
            else:
                self.proxy.set_selection(selection, passes=evaluation.passes, version=evaluation.version)
        self.window._update_counts()

    def _show_controls(self, selection: Selection) -> None:
        window = self.window
        quick = quick_filter(selection.quick)
        window.queue_panel.show_quick(quick.name)  # (a filter without a tab of its own gets one while on)
        window.actions_by_name[f"quick_{quick.name}"].setChecked(True)
        if words_of(window.filter_edit.text()) != selection.words:
            with QSignalBlocker(window.filter_edit):
                window.filter_edit.setText(" ".join(selection.words))
        self.chips.show_selection(selection)
        self.panel.show_state(selection)

    def _rows_changed(self) -> None:
        """Recount at once after a quiet spell; during a run of changes, once per
        RECOUNT_MS; with the panel hidden, once when the changes stop."""
        if self._scheduled:
            return  # (one change emits several signals: one recount)
        if not self.dock.isVisible():
            self._recount.start(RECOUNT_MS)  # restarted by each change (1,000 P presses: one recount)
            return
        if self._recount.isActive():
            return
        since = time.monotonic() - self._last_request
        if since >= RECOUNT_MS / 1000:
            self._scheduled = True
            QTimer.singleShot(0, self, self._request)  # after the change's own signals are handled
        else:
            self._recount.start(max(1, int(RECOUNT_MS - since * 1000)))

    def _on_dock_shown(self, visible: bool) -> None:
        last = self.counter.last
        if visible and not self._scheduled and (last is None or last.selection != self.wanted
                                                or last.version != self.model.table.version):
            self._request()  # the counts of a hidden panel waited for a quiet spell

    def _request(self) -> None:
        self._recount.stop()
        self._scheduled = False
        self._last_request = time.monotonic()
        self.counter.request(self.wanted)

    def _on_evaluated(self, evaluation: Evaluation) -> None:
        if evaluation.selection != self.wanted:
            return
        if self.proxy.selection != evaluation.selection:
            self._show_rows(evaluation.selection, evaluation)
        self.panel.show_state(self.wanted, evaluation.counts, shown=self.proxy.rowCount())

    @property
    def settled(self) -> bool:
        """The rows and every count show the wanted selection (tests and benchmarks wait on it)."""
        last = self.counter.last
        return (self.proxy.selection == self.wanted and not self.counter.busy and not self._recount.isActive()
                and not self._scheduled
                and last is not None and last.selection == self.wanted and last.version == self.model.table.version)

    # --- folders ------------------------------------------------------------------------------
    def _on_reset(self) -> None:
        self.panel.set_available("review", False)
        self.counter.reset()
        self._recount.start()

    def _on_opened(self, queue: Any) -> None:
        folder = str(getattr(queue, "folder", "") or "")
        stored = self.window.settings.folder_value(folder, _FOLDER_KEY) if folder else ""
        if not stored:
            return
        try:
            selection = Selection.from_json(json.loads(stored))
        except ValueError:
            return
        self.apply(selection)

    def save_state(self) -> None:
        """The docks' places and visibility, as the window keeps its other state."""
        self.window.settings.set_state("docks", self.window.saveState())
        # The filter box's words as typed (a key just pressed may not be applied yet).
        self._remember(replace(self.wanted, words=words_of(self.window.filter_edit.text())))

    def restore_state(self) -> None:
        state = self.window.settings.state("docks")
        if state is not None:
            self.window.restoreState(state)

    def close(self) -> None:
        self._recount.stop()
        self.counter.close()
