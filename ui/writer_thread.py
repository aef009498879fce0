"""The window's one writer: a single background thread that applies edits in
the order the editor made them.

Threading rules: `submit` and `close` are called on the GUI thread; jobs run
on the `copydesk-writer` thread, strictly one at a time (two edits of one file
never race, and an undo lands after the edit it undoes); `finished` is emitted
from the writer thread and reaches GUI-thread slots as a queued connection.
A job is a snapshot (path, changes, expected values): the writer never looks
at widgets or models.
"""
from __future__ import annotations

import itertools
import queue as _queue
import threading
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.article.model import WriteResult


@dataclass(slots=True)
class WriteJob:
    id: int
    relpath: str
    changes: dict[str, Any]
    expected: dict[str, Any] | None
    target: Any  # the ReviewQueue the edit is for (its folder may have been closed since)
    tag: Any = None  # caller's bookkeeping, e.g. the undo command
    result: WriteResult | None = field(default=None)


class SerialWriter(QObject):
    finished = Signal(object)  # WriteJob with .result set

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs: _queue.SimpleQueue[WriteJob | None] = _queue.SimpleQueue()
        self._ids = itertools.count(1)
        self._thread = threading.Thread(target=self._run, name="copydesk-writer", daemon=True)
        self._thread.start()
        self._outstanding = 0  # GUI thread only
        self._closed = False

    def submit(self, target: Any, relpath: str, changes: dict[str, Any],
               expected: dict[str, Any] | None = None, tag: Any = None) -> WriteJob:
        job = WriteJob(next(self._ids), relpath, dict(changes),
                       None if expected is None else dict(expected), target, tag)
        self._outstanding += 1
        self._jobs.put(job)
        return job

    def job_done(self) -> None:
        """The GUI has handled one `finished` job (keeps `busy` honest)."""
        self._outstanding = max(0, self._outstanding - 1)

    @property
    def busy(self) -> bool:
        return self._outstanding > 0

    def close(self, *, timeout: float = 10.0) -> None:
        """Let queued writes finish (an editor's decision is never dropped), then stop."""
        if self._closed:
            return
        self._closed = True
        self._jobs.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        from ui.queue_bridge import lower_thread_priority

        lower_thread_priority()  # a write may wait a few ms; a key press may not
        while True:
            job = self._jobs.get()
            if job is None:
                return
            try:
                job.result = job.target.write(job.relpath, job.changes, job.expected)
            except Exception as exc:  # noqa: BLE001 - a bug in a write must not kill the writer
                job.result = WriteResult(job.relpath, "failed", f"not saved: {exc}")
            try:
                self.finished.emit(job)
            except RuntimeError:  # the QObject is gone (window closed at exit)
                return
