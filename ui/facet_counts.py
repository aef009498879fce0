"""Evaluating the window's selection off the GUI thread: which rows pass, and
every facet's counts (`app.queue.evaluation.evaluate`).

`FacetCounter.request(selection)` copies the model's table (about 1 ms at
100,000 rows, `RowTable.copy`, and only when the table changed since the last copy) and
evaluates the copy on a lane of one thread (`copydesk-facets`), where the
words' mask is remembered between requests (`TextMatches`: one more letter
looks only at the rows the shorter word matched). Requests made while one
runs are merged: only the newest is evaluated next, so typing fast costs one
evaluation per pause, and the last key's result is never dropped.

`evaluated(Evaluation)` is emitted on the GUI thread with the table version
the evaluation saw; the receiver evaluates rows changed since then itself
(`QueueFilterProxy.set_selection(..., passes=, version=)`), so an answer
is never wrong, only sometimes a few rows behind, which it fills in.

GUI thread only (the lane's work touches only its copy).
"""
from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.queue.evaluation import Evaluation, TextMatches, evaluate
from app.queue.selection import Selection
from app.queue.table import RowTable
from ui.background import Lane


class FacetCounter(QObject):
    evaluated = Signal(object)  # Evaluation, for the newest selection asked for

    def __init__(self, table_of: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._table_of = table_of  # () -> the model's RowTable (GUI thread)
        # At the GUI thread's priority: the editor waits for these counts (a lowered
        # lane starves whenever anything else runs on the machine, measured: 0.4-0.8 s).
        self._lane = Lane("copydesk-facets", 1, nice=0, parent=self)
        # Used by the lane's one thread only; it pauses every 1,000 rows while the
        # GUI thread paints (app.courtesy), so a paint never waits for the words' test.
        self._text = TextMatches(yield_every=1000)
        self._generation = 0  # names the model's table for its copies (TextMatches); bumped when it is cleared
        self._copy: RowTable | None = None
        self._copy_key: tuple[int, int] | None = None
        self._wanted: Selection | None = None
        self._running = False
        self._again = False
        self.last: Evaluation | None = None

    @property
    def busy(self) -> bool:
        """An evaluation runs or waits."""
        return self._running or self._again

    def reset(self) -> None:
        """The table was cleared (another folder): forget the copy and the words' mask."""
        self._generation += 1
        self._copy = None
        self._copy_key = None
        self.last = None

    def request(self, selection: Selection) -> None:
        self._wanted = selection
        if self._running:
            self._again = True
            return
        self._start()

    def _start(self) -> None:
        table = self._table_of()
        key = (self._generation, table.version)
        if self._copy_key != key:
            self._copy, self._copy_key = table.copy(), key
        self._running = True
        self._again = False
        self._lane.run(partial(evaluate, text=self._text, table_id=self._generation, yield_gil=True), self._copy, self._wanted,
                       done=self._done)

    def _done(self, result: Evaluation) -> None:
        self._running = False
        if result.selection == self._wanted:
            self.last = result
            self.evaluated.emit(result)
        if self._again:  # asked again meanwhile (another selection, or rows changed): the newest
            self._start()

    def close(self) -> None:
        self._lane.close()
