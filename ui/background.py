"""Background work in the window: one small helper (`Lane`), and the table of
every thread the window runs.

| thread | started by | runs | may touch | results reach the GUI thread |
| --- | --- | --- | --- | --- |
| GUI (main) | Qt | widgets, models, timers | every QObject | - |
| `copydesk-queue` | `QueueBridge` (a lane of 1) | ReviewQueue open, scan, rescan, stop | the ReviewQueue | the bridge's inbox, drained by a timer; stale generations dropped |
| `copydesk-watch` | ReviewQueue's FolderWatcher | reconciling the rows with the disk | the ReviewQueue's rows, under its lock | the bridge's inbox (`on_changes`) |
| watchdog's observer | watchdog | inotify/polling events | nothing but the watcher's path sets | `FolderWatcher.request` |
| scan workers (processes) | CheckRunner | read, hash, parse files | nothing shared | pickled rows, to the queue or watch thread |
| `copydesk-writer` | `DecisionDesk` (a lane of 1, in order) | `app.decisions.decide` | the disk, through the ReviewQueue | `Lane` callback |
| write helpers (2 processes) | `app.article.isolation.write_pool`, started by `copydesk-warm-writers` (`DecisionDesk.warm_helpers`) | the files of a run about more than four (a bulk decision, keys that queued up) | the files, and the own-writes journal | pickled results, to the writer thread |
| `copydesk-load` x2 | `ArticleLoader` (a lane of 2) | reading one article, read-only | the disk, read-only | `Lane` callback; answers to old requests dropped by token |
| `copydesk-image-decode` x2-4 | `DecodeWorkers` (a lane) | local picture reads, QImageReader decoding | QImage only, never QPixmap | `Lane` callback; cancelled jobs skipped |
| `copydesk-image-net` | `ImageLoader` (a QThread) | downloads and the disk cache | its QNetworkAccessManager | queued signals |

The network thread is the one exception to `Lane`: QNetworkAccessManager
needs a Qt event loop on its thread, which a QThread provides.

A lane's callbacks always run on the GUI thread, in completion order. A lane
runs at a lower CPU priority than the GUI thread (Linux keeps nice values per
thread), so a cold scan on two cores never outbids the editor's keys.
"""
from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from app.courtesy import foreground

BACKGROUND_NICE = 10


def lower_thread_priority(nice: int = BACKGROUND_NICE) -> None:
    """Run the calling thread (and processes it forks) `nice` steps below the
    GUI thread. Elsewhere than Linux, or where not permitted, a no-op."""
    if not sys.platform.startswith("linux") or nice <= 0:
        return
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + nice))
    except (OSError, AttributeError):
        pass


NOTHING = object()  # returned by a lane's call that has nothing to deliver: `done` is not called


class Lane(QObject):
    """Named background threads. `run(fn, *args, done=cb)` calls `fn(*args)` on
    one of them and then `cb(result)` on the GUI thread (unless it returned
    `NOTHING`); an exception from `fn` goes to `failed=cb` instead (or is
    re-raised on the GUI thread, where Qt reports it, when there is none: a
    bug must not vanish silently)."""

    _finished = Signal(object, object, object)  # callback, value, failed-callback

    def __init__(self, name: str, workers: int = 1, *, nice: int = BACKGROUND_NICE,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name,
                                        initializer=lower_thread_priority, initargs=(nice,))
        self._finished.connect(self._deliver)  # queued: emitted on the lane's threads
        self._closed = False
        self.tickets = 0  # calls queued so far (from the GUI thread): the next one's ticket is tickets + 1

    def run(self, fn: Callable[..., Any], *args: Any, done: Callable[[Any], None] | None = None,
            failed: Callable[[BaseException], None] | None = None) -> Future[Any] | None:
        """None when the lane is closed (the window is going): the work is dropped."""
        if self._closed:
            return None
        self.tickets += 1
        return self._pool.submit(self._call, fn, args, done, failed)

    def _call(self, fn: Callable[..., Any], args: tuple[Any, ...], done: Callable[[Any], None] | None,
              failed: Callable[[BaseException], None] | None) -> Any:
        try:
            value = fn(*args)
        except Exception as exc:  # noqa: BLE001 - handed to the GUI thread, never swallowed
            self._emit(failed or _reraise, exc, None)
            raise
        if done is not None and value is not NOTHING:
            self._emit(done, value, None)
        return value

    def _emit(self, callback: Callable[[Any], None], value: Any, failed: Any) -> None:
        try:
            self._finished.emit(callback, value, failed)
        except RuntimeError:  # the window (and this QObject) is gone: nobody to tell
            pass

    @Slot(object, object, object)
    def _deliver(self, callback: Callable[[Any], None], value: Any, _failed: Any) -> None:
        if not self._closed:
            with foreground():  # background loops wait while the GUI thread takes a result in
                callback(value)

    def close(self, *, wait: bool = False, cancel: bool = True) -> None:
        """Stop delivering results; drop queued work unless `cancel` is False.
        With `wait`, block until the running calls are done."""
        self._closed = True
        self._pool.shutdown(wait=wait, cancel_futures=cancel)

    def drain(self) -> None:
        """Finish every queued call (an editor's decision is never dropped), then stop."""
        self._pool.shutdown(wait=True, cancel_futures=False)
        self._closed = True


def _reraise(exc: BaseException) -> None:
    raise exc
