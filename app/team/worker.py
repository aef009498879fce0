"""The one thread that runs git for a window: commits, syncs, claims, in order.

Threads (the whole table for team features):

| thread              | runs                                   | may touch                           |
| ------------------- | -------------------------------------- | ----------------------------------- |
| the deciding thread | `decide()` and its recorders; the      | nothing of git                      |
|                     | `CommitRecorder` only describes the    |                                     |
|                     | decision and hands it on (`submit`)    |                                     |
| "copydesk-git"      | every git command, one job at a time,  | the repository; Copydesk's state    |
|                     | in the order submitted                 | files in the git dir                |
| the GUI thread      | `submit`, status and snapshot reads;   | nothing of git                      |
|                     | it never waits on a job                |                                     |

Rules: `submit` may be called from any thread and never blocks. A job's
`done` / `failed` callback runs on "copydesk-git" right after the job: it
must only hand the result on (the window posts it to the GUI thread with a
queued signal). A job that raises never stops the thread; its exception goes
to `failed` (or to `on_error`). `flush()` and `close()` wait, so never call
them from the GUI thread with a short timeout in mind, nor from a job.
"""
from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

_STOP = object()


class GitWorker:
    def __init__(self, name: str = "copydesk-git",
                 on_error: Callable[[BaseException], None] | None = None) -> None:
        self.name = name
        self.on_error = on_error
        self._jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._idle = threading.Condition()
        self._pending = 0
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    @property
    def pending(self) -> int:
        """Jobs submitted and not finished yet (the one running included)."""
        with self._idle:
            return self._pending

    def submit(self, job: Callable[..., Any], *args: Any, done: Callable[[Any], None] | None = None,
               failed: Callable[[BaseException], None] | None = None) -> bool:
        """Queue `job(*args)`. Any thread; never blocks. False once closed."""
        with self._idle:
            if self._closed:
                return False
            self._pending += 1
        self._jobs.put((job, args, done, failed))
        return True

    def on_thread(self) -> bool:
        return threading.current_thread() is self._thread

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every job submitted so far has finished. True if it did in time."""
        if self.on_thread():
            raise RuntimeError("flush() from a git job would wait for itself")
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def close(self, timeout: float | None = 30.0) -> bool:
        """Finish the queued jobs, then stop. True when the thread ended in time."""
        with self._idle:
            if not self._closed:
                self._closed = True
                self._jobs.put(_STOP)
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        while True:
            item = self._jobs.get()
            if item is _STOP:
                return
            job, args, done, failed = item
            try:
                result = job(*args)
            except BaseException as exc:  # noqa: BLE001 - one failed job must not end the others
                self._report(failed, exc)
            else:
                if done is not None:
                    try:
                        done(result)
                    except BaseException as exc:  # noqa: BLE001
                        self._report(None, exc)
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def _report(self, failed: Callable[[BaseException], None] | None, exc: BaseException) -> None:
        handler = failed or self.on_error
        if handler is not None:
            try:
                handler(exc)
            except BaseException:  # noqa: BLE001 - nowhere left to report it
                pass
