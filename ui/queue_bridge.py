"""The one adapter between the plain-Python ReviewQueue and Qt.

Threading rules, which this file exists to keep in one place:
- ReviewQueue's construction, scan, watching and stop run on one background
  thread (`copydesk-queue`), in order. Its callbacks (`on_rows`,
  `on_progress`, `on_changes`) arrive on that thread or on the watcher's.
- Callbacks only append to a locked inbox and, at most once per drain, emit
  a private signal. That signal crosses to the GUI thread as a queued
  connection; a single-shot timer there coalesces bursts and drains the inbox
  in slices small enough that the event loop never stalls.
- Everything emitted by the public signals happens on the GUI thread, in
  arrival order. Messages from a folder that has since been closed are dropped
  (each open gets a new generation number).
"""
from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from app.courtesy import foreground
from app.memory import give_back
from ui.background import Lane
from ui.i18n import tr

if TYPE_CHECKING:
    from app.queue import ReviewQueue

# Bursts of callbacks within this window become one GUI update.
COALESCE_MS = 30
# A drain stops after this long and continues on the next loop turn, so paint
# and input events get in between (the 50 ms budget of the whole window).
DRAIN_BUDGET_S = 0.006
# Rows handed to the model in one go (small slices merged up to this many), and a
# paint of the table often follows in the same turn: 400 rows took 11-33 ms beside
# an open's background work, 128 take about 3.5 ms (the gaps of a warm open at
# 100,000 rows after its first rows: 52-88 ms with 400, under 50 ms with 128).
SLICE_ROWS = 128
# Watcher changes merged into one model update (a git checkout can touch thousands).
MAX_CHANGES = 1000
# Records per slice of the similar pass (between slices, another open can stop it).
SIMILAR_SLICE = 5000
# Review states per message (an open with 100,000 logged articles: 50 slices, drained between paints).
REVIEW_SLICE = 2000


class QueueBridge(QObject):
    """Owns the ReviewQueue of the open folder and reports it as Qt signals."""

    opened = Signal(object)  # the ReviewQueue, after construction (its folder is resolved)
    openFailed = Signal(str, str)  # folder, message
    rowsArrived = Signal(object)  # list[ArticleSummary], streamed by a scan
    scanStarted = Signal()
    scanProgress = Signal(int, int)  # done, total
    scanFinished = Signal(object, object)  # ScanReport, frozenset of relpaths present after it
    changesArrived = Signal(object)  # list[QueueChange] from the watcher
    notice = Signal(str)  # one-time human-readable notes from the queue
    # The queue's duplicate groups (a DuplicateView) and the relpaths whose groups
    # changed since the last time (None: every one), after a scan, a change, the similar pass.
    duplicatesChanged = Signal(object, object)
    # The review state (app.audit.review): the open queue's ReviewBook once its logs
    # are read, then {relpath: state} for the rows whose state or History changed.
    bookOpened = Signal(object)
    reviewChanged = Signal(object)
    editorResolved = Signal(object)  # app.audit.editor.Editor for the open folder
    _wake = Signal()

    def __init__(self, parent: QObject | None = None, *,
                 queue_factory: Callable[..., Any] | None = None) -> None:
        super().__init__(parent)
        self._factory = queue_factory
        # Normal priority: the parse workers it starts inherit it, and a cold open
        # at a lowered priority starves whenever anything else runs. The GUI
        # thread still gets the GIL every few milliseconds.
        self._lane = Lane("copydesk-queue", 1, nice=0, parent=self)
        self._lock = threading.Lock()
        self._inbox: deque[tuple[int, str, Any]] = deque()
        self._armed = False  # a wake is on its way or the timer runs
        self._generation = 0
        self._queue: ReviewQueue | None = None  # touched only by the lane's thread
        self._notes_told = 0
        self._notes_lock = threading.Lock()  # told from the worker and the watcher thread
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._drain)
        self._wake.connect(self._on_wake)  # queued: emitted from other threads
        self._closed = False
        self._book: Any = None  # the open queue's ReviewBook (set on the lane's thread)
        self._appended: set[tuple[Any, str]] = set()  # logs our recorder appended to, not read yet
        self._appended_lock = threading.Lock()
        self._editor_setting = ""

    # --- GUI-thread API ---------------------------------------------------
    def open(self, folder: str, *, poll: bool = False, editor_setting: str = "") -> int:
        """Close the current folder (if any) and open `folder`. Returns the generation.
        `editor_setting`: the window's editor name setting (the editor is resolved
        on the worker: it may run git)."""
        self._editor_setting = editor_setting
        self._generation += 1
        gen = self._generation
        self._lane.run(self._open_on_worker, gen, folder, poll)
        return gen

    def rescan(self) -> None:
        gen = self._generation
        self._lane.run(self._scan_on_worker, gen)

    def close(self, *, wait: bool = True, timeout: float = 5.0) -> None:
        """Stop watching and release the queue. With `wait`, block until done
        (only at shutdown, when a stray observer thread would outlive the app)."""
        if self._closed:
            return
        self._closed = True
        self._generation += 1
        done: Future[None] | None = self._lane.run(self._stop_on_worker)
        self._lane.close(cancel=False)  # the stop itself must still run
        if wait and done is not None:
            try:
                done.result(timeout=timeout)
            except Exception:  # noqa: BLE001 - shutting down; nothing left to tell
                pass

    @property
    def generation(self) -> int:
        return self._generation

    # --- worker thread ------------------------------------------------------
    def _make_queue(self, folder: str, poll: bool) -> ReviewQueue:
        if self._factory is not None:
            return self._factory(folder, poll=poll)
        from app.queue import ReviewQueue  # imported lazily: the window starts before the core is warm
        return ReviewQueue(folder, poll=poll, duplicates=True)

    def _open_on_worker(self, gen: int, folder: str, poll: bool) -> None:
        self._stop_on_worker()
        if gen != self._generation:
            return  # another open is already queued behind this one
        try:
            if Path(folder).is_file():  # a dropped article opens its folder
                folder = str(Path(folder).parent)
            if not Path(folder).is_dir():
                self._post(gen, "failed", (folder, tr("no such folder")))
                return
            queue = self._make_queue(folder, poll)
        except Exception as exc:  # noqa: BLE001 - any reason is shown to the editor, never raised
            self._post(gen, "failed", (folder, _describe(exc)))
            return
        self._queue = queue
        self._notes_told = 0
        self._post(gen, "opened", queue)
        self._resolve_editor(gen, queue)
        self._tell_notices(gen, queue)
        self._scan_on_worker(gen, watch=True)  # watched from before its walk: no second walk after it
        if gen != self._generation or self._queue is not queue:
            return
        book = self._open_book(gen, queue)

        def on_changes(changes: list[Any]) -> None:  # on the watcher thread
            self._post(gen, "changes", list(changes))
            self._tell_duplicates(gen, queue)  # the queue refiled the changed rows before calling us
            self._tell_notices(gen, queue)  # e.g. the folder itself was deleted or moved

        try:
            if book is not None:  # the review state follows file and log changes on the way
                book.start_watching(on_changes, lambda relpaths: self._tell_review(gen, book, relpaths))
            else:
                queue.start_watching(on_changes)
        except Exception as exc:  # noqa: BLE001
            self._post(gen, "notice", tr("Not watching for changes: {reason}").format(reason=_describe(exc)))
        self._tell_notices(gen, queue)
        give_back()  # what the scan made and dropped, before the similar pass makes its own
        self._complete_duplicates(gen, queue)
        give_back()  # and what that pass made and dropped (app.memory)

    def _tell_duplicates(self, gen: int, queue: Any) -> None:
        tracker = getattr(queue, "duplicates", None)
        if tracker is not None and tracker.built:
            view, changed = tracker.take_changes()
            if changed is None or changed:
                view.mark_columns()  # worked out here, not on the GUI thread
                self._post(gen, "duplicates", (view, changed))

    def _complete_duplicates(self, gen: int, queue: Any) -> None:
        """The similar pass (MinHash from the stored bands), in slices, after the
        rows are shown and watched; stops when another folder is opened."""
        if getattr(queue, "duplicates", None) is None:
            return
        try:
            queue.complete_duplicates(SIMILAR_SLICE, between=lambda: gen == self._generation)
        except Exception as exc:  # noqa: BLE001 - the url and title groups stand; tell why similar ones lack
            self._post(gen, "notice", tr("Similar articles not found: {reason}").format(reason=_describe(exc)))
            return
        if gen == self._generation:
            self._tell_duplicates(gen, queue)

    def _resolve_editor(self, gen: int, queue: Any) -> None:
        from app.audit.editor import resolve_editor
        try:
            editor = resolve_editor(getattr(queue, "folder", None), self._editor_setting)
        except Exception as exc:  # noqa: BLE001 - the OS user is always there; this is a bug, said
            self._post(gen, "notice", tr("Cannot tell who is deciding: {reason}").format(reason=_describe(exc)))
            return
        self._post(gen, "editor", editor)

    def _open_book(self, gen: int, queue: Any) -> Any:
        """The queue's review state, read from its audit logs once (after the scan)."""
        if not hasattr(queue, "sha256s_of"):  # a stand-in queue without files (tests)
            return None
        from app.audit.review import ReviewBook
        try:
            book = ReviewBook(queue)
            book.load()
        except Exception as exc:  # noqa: BLE001 - the queue opens all the same; said once
            self._post(gen, "notice", tr("The review state is not available: {reason}").format(
                reason=_describe(exc)))
            return None
        if gen != self._generation:
            return None
        self._book = book
        self._post(gen, "book", book)
        self._tell_review(gen, book, book.trail.logged_paths())
        return book

    def _tell_review(self, gen: int, book: Any, relpaths: list[str]) -> None:
        """States of these articles, in slices (watcher, writer or lane thread)."""
        for start in range(0, len(relpaths), REVIEW_SLICE):
            part = relpaths[start:start + REVIEW_SLICE]
            self._post(gen, "review", {relpath: book.status(relpath) for relpath in part})
        for note in book.take_notices():  # corrupt log lines, unreadable logs: each said once
            self._post(gen, "notice", note)

    def appended(self, queue_folder: Any, log_name: str) -> None:
        """The window's audit recorder appended to a log (writer thread). The
        review state reads our own lines on the queue's lane, coalesced: a bulk
        decision of 1,000 files is a few reads, not 1,000, and the writer
        goes straight on to the next file."""
        if self._book is None:
            return
        with self._appended_lock:
            first = not self._appended
            self._appended.add((queue_folder, log_name))
        if first:
            self._lane.run(self._take_appended)

    def _take_appended(self) -> None:
        with self._appended_lock:
            pending, self._appended = self._appended, set()
        book = self._book
        if book is not None:
            for queue_folder, log_name in pending:
                book.appended(queue_folder, log_name)

    def _tell_notices(self, gen: int, queue: Any) -> None:
        with self._notes_lock:
            notes = _notices(queue)
            for note in notes[self._notes_told:]:
                self._post(gen, "notice", note)
            self._notes_told = len(notes)

    def _scan_on_worker(self, gen: int, *, watch: bool = False) -> None:
        queue = self._queue
        if queue is None or gen != self._generation:
            return
        self._post(gen, "scan_started", None)

        def on_rows(rows: list[Any]) -> None:
            rows = list(rows)
            for start in range(0, len(rows), SLICE_ROWS):
                self._post(gen, "rows", rows[start:start + SLICE_ROWS])

        def on_progress(done: int, total: int) -> None:
            self._post(gen, "progress", (done, total))

        try:
            report = queue.scan(on_rows=on_rows, on_progress=on_progress, watch=watch)
        except Exception as exc:  # noqa: BLE001
            self._post(gen, "notice", tr("Scan failed: {reason}").format(reason=_describe(exc)))
            self._post(gen, "finished", (None, None))
            return
        present = queue.relpaths()
        self._tell_notices(gen, queue)
        self._tell_duplicates(gen, queue)
        self._post(gen, "finished", (report, present))
        book = self._book
        if book is not None and book.queue is queue:  # a rescan: rows came again, so do their states
            self._tell_review(gen, book, book.trail.logged_paths())

    def _stop_on_worker(self) -> None:
        self._book = None
        queue, self._queue = self._queue, None
        if queue is not None:
            try:
                queue.stop()
            except Exception:  # noqa: BLE001 - a queue that fails to stop is still dropped
                pass

    # --- any thread -----------------------------------------------------------
    def _post(self, gen: int, kind: str, payload: Any) -> None:
        """Called on background threads; only appends and maybe wakes the GUI."""
        with self._lock:
            self._inbox.append((gen, kind, payload))
            if self._armed:
                return
            self._armed = True
        self._wake.emit()

    # --- GUI thread -----------------------------------------------------------
    @Slot()
    def _on_wake(self) -> None:
        if not self._timer.isActive():
            self._timer.start(COALESCE_MS)

    @Slot()
    def _drain(self) -> None:
        deadline = time.perf_counter() + DRAIN_BUDGET_S
        while time.perf_counter() < deadline:
            batch = self._take_batch()
            if batch is None:
                return
            kind, payload = batch
            with foreground():  # the scan's thread waits while its rows are taken in
                self._deliver(kind, payload)
        self._timer.start(1)  # more waiting: continue after pending paint and input

    def _take_batch(self) -> tuple[str, Any] | None:
        """Pop the next message, merged with same-kind neighbours (rows,
        changes, progress), or None when the inbox is empty (disarms)."""
        with self._lock:
            while self._inbox and self._inbox[0][0] != self._generation:
                self._inbox.popleft()  # from a folder closed since
            if not self._inbox:
                self._armed = False
                return None
            _, kind, payload = self._inbox.popleft()
            if kind == "rows":
                merged = list(payload)
                while (self._inbox and self._inbox[0][1] == "rows"
                       and self._inbox[0][0] == self._generation
                       and len(merged) + len(self._inbox[0][2]) <= SLICE_ROWS):
                    merged.extend(self._inbox.popleft()[2])
                return kind, merged
            if kind == "changes":
                merged = list(payload)
                while (self._inbox and self._inbox[0][1] == "changes"
                       and self._inbox[0][0] == self._generation
                       and len(merged) < MAX_CHANGES):
                    merged.extend(self._inbox.popleft()[2])
                return kind, merged
            if kind == "progress":
                while (self._inbox and self._inbox[0][1] == "progress"
                       and self._inbox[0][0] == self._generation):
                    payload = self._inbox.popleft()[2]
            return kind, payload

    def _deliver(self, kind: str, payload: Any) -> None:
        if kind == "rows":
            self.rowsArrived.emit(payload)
        elif kind == "changes":
            self.changesArrived.emit(payload)
        elif kind == "progress":
            self.scanProgress.emit(*payload)
        elif kind == "scan_started":
            self.scanStarted.emit()
        elif kind == "finished":
            self.scanFinished.emit(*payload)
        elif kind == "opened":
            self.opened.emit(payload)
        elif kind == "failed":
            self.openFailed.emit(*payload)
        elif kind == "notice":
            self.notice.emit(payload)
        elif kind == "duplicates":
            self.duplicatesChanged.emit(*payload)
        elif kind == "review":
            self.reviewChanged.emit(payload)
        elif kind == "book":
            self.bookOpened.emit(payload)
        elif kind == "editor":
            self.editorResolved.emit(payload)


def _notices(queue: Any) -> list[str]:
    return list(getattr(queue, "notices", []) or [])


def _describe(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        from app.article.messages import describe_os_error
        return describe_os_error(exc)
    return str(exc) or type(exc).__name__
