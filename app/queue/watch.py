"""Turn watchdog's event stream into settled batches of "look at these paths again".

Event types are hints, not facts: an atomic save is `moved(tmp -> a.md)`, Vim's
save is `moved(a.md -> a.md~)`, `created(a.md)`, `deleted(a.md~)`, a git
checkout is hundreds of events in a few milliseconds. So this module only
collects *which* article paths and folders were touched, waits until the burst
settles (`settle` seconds of quiet, at most `max_delay` after the first event),
and hands the set to a callback that re-stats each path. Work the callback wants
done later (a missing file's grace period) comes back through `request(...,
delay=)`; a periodic full rescan is the backstop for anything the observer misses,
and an inotify queue overflow (which watchdog only logs) asks for one at once.
The root folder itself is stat'ed every second: deleted or moved away (for more
than a grace period) ends watching through `on_gone`; replaced by another folder
restarts the observer on the new one.

The audit logs (`.copydesk/log/*.jsonl`, inside a hidden folder that is
otherwise ignored) have a path of their own: the handler checks for them only
after an event failed the article test, so ordinary article events pay
nothing, and touched logs settle with the same burst and go to `on_logs`
(never to `on_batch`), after that burst's article batch. A touched
`.copydesk` or `.copydesk/log` folder, and every full rescan, report
`LOG_DIR` itself: "look at every log".

Threads: watchdog calls `_Handler` on its own thread, which only records paths.
`FolderWatcher` runs one thread of its own ("copydesk-watch") on which every
`on_batch` call happens, so the callback never runs concurrently with itself.
"""
from __future__ import annotations

import errno
import heapq
import logging
import os
import stat as stat_module
import threading
import time
import warnings
import weakref
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileAttribEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from app.article.messages import describe_os_error
from app.queue.location import LOG_DIR, QUEUE_MARK, is_log_folder_relpath, is_log_relpath
from app.queue.rules import DEFAULT_RULES, FileRules, is_ignored_relpath

# watchdog warns about its own duplicate registration when a folder tree
# appears faster than it adds watches (`mkdir -p a/b/c`); the watch works, and
# `copydesk watch` must not print internals to the user's terminal.
warnings.filterwarnings("ignore", message="Callback with id .* already exists", category=RuntimeWarning,
                        module=r"watchdog\.observers\.inotify")


class _OverflowFilter(logging.Filter):
    """watchdog says only in its log that the kernel's inotify queue overflowed
    (a checkout of thousands of files, `touch` of a whole tree): the events are
    lost and no handler hears of it. Turn the log line into a full rescan of
    every native watch in this process, and keep it off the user's terminal."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not str(record.msg).startswith("Inotify queue overflowed"):
            return True
        if record.name.endswith("inotify_c"):  # said once per overflow (the other line repeats it per watch)
            for watcher in list(_LIVE):
                watcher.overflowed()
        return False


_LIVE: weakref.WeakSet[FolderWatcher] = weakref.WeakSet()  # started native watchers
for _name in ("watchdog.observers.inotify_c", "watchdog.observers.inotify"):
    logging.getLogger(_name).addFilter(_OverflowFilter())


def _pair_moves_from_the_newest_end() -> None:
    """watchdog pairs each IN_MOVED_TO with its IN_MOVED_FROM by looking through
    its queue of unread events from the oldest. Each save of ours is two such
    pairs (an atomic exchange), and a bulk decision saves hundreds of files a
    second while the queue backs up: its inotify thread then spent 0.75 s of
    a 3 s bulk decision in that search, holding the GIL the window paints with.
    The partner is almost always the newest event, and cookies are unique, so
    searching from the newest end finds the same event at once. Applied only
    to the queue class this was measured on (watchdog 7: a deque of
    (event, time, delay) in `_queue`); any other shape is left alone."""
    try:
        from watchdog.utils.delayed_queue import DelayedQueue
    except ImportError:  # pragma: no cover - another watchdog
        return
    if not callable(getattr(DelayedQueue, "_index_and_item", None)):  # pragma: no cover - another watchdog
        return

    def _index_and_item(self: Any, predicate: Callable[[Any], bool]) -> tuple[int, Any] | None:
        queue = self._queue
        for i in range(len(queue) - 1, -1, -1):
            element = queue[i][0]
            if predicate(element):
                return i, element
        return None

    DelayedQueue._index_and_item = _index_and_item  # type: ignore[method-assign]


_pair_moves_from_the_newest_end()

# Opened/closed-without-writing are left out at the source: our own reads
# (scans, hashing) would otherwise wake the watcher in a loop.
_EVENT_FILTER = [FileCreatedEvent, FileDeletedEvent, FileModifiedEvent, FileMovedEvent, FileClosedEvent,
                 FileAttribEvent, DirCreatedEvent, DirDeletedEvent, DirMovedEvent]

_ROOT_GRACE = 0.3  # seconds the root folder may be missing before it is declared gone

# Callback: (files, folders, full) -> None. `files`/`folders` are '/'-separated
# paths relative to the root ("" is the root folder); `full` asks for a rescan of everything.
BatchCallback = Callable[[set[str], set[str], bool], None]
# Callback: (log relpaths, e.g. ".copydesk/log/ana.jsonl", or LOG_DIR for "every log") -> None.
LogsCallback = Callable[[set[str]], None]
ObserverFactory = Callable[[], BaseObserver]


class _Handler(FileSystemEventHandler):
    """Called on watchdog's thread: map each event to relative paths and record them."""

    def __init__(self, watcher: FolderWatcher) -> None:
        self._watcher = watcher
        self._rules = watcher.rules
        self._root = os.fspath(watcher.root)
        self._prefix = self._root.rstrip(os.sep) + os.sep
        self._logs_wanted = watcher.on_logs is not None

    def _relative(self, path: str | bytes) -> str | None:
        text = os.fsdecode(path)
        if text == self._root:
            return ""
        if not text.startswith(self._prefix):
            return None  # moved out to somewhere we do not watch: only the source counts
        rel = text[len(self._prefix):]
        return rel.replace(os.sep, "/") if os.sep != "/" else rel

    def on_any_event(self, event: FileSystemEvent) -> None:
        try:
            files: list[str] = []
            dirs: list[str] = []
            logs: list[str] = []
            paths = [event.src_path]
            if event.dest_path:
                paths.append(event.dest_path)
            for path in paths:
                rel = self._relative(path)
                if rel is None:
                    continue
                if event.is_directory:
                    if event.event_type == "modified":
                        continue  # a folder's own mtime: its files report themselves
                    if rel and is_ignored_relpath(rel):
                        if self._logs_wanted and is_log_folder_relpath(rel):
                            logs.append(LOG_DIR)  # the log folder came, went or moved: every log
                        continue
                    if rel and self._rules.folder_excluded(rel):
                        continue
                    dirs.append(rel)
                elif rel and self._rules.is_article(rel):
                    files.append(rel)
                elif self._logs_wanted and rel.startswith(QUEUE_MARK) and is_log_relpath(rel):
                    logs.append(rel)  # another editor's decisions (git, a shared folder), or ours
            if files or dirs or logs:
                self._watcher.request(files, dirs, logs=logs)
        except Exception:  # pragma: no cover - never let a bad path kill watchdog's thread
            self._watcher.request(full=True)


class FolderWatcher:
    """Watch `root` recursively and call `on_batch` with settled sets of touched paths."""

    def __init__(self, root: Path, on_batch: BatchCallback, *, poll: bool = False,
                 settle: float = 0.05, max_delay: float = 0.25, poll_interval: float = 1.0,
                 rescan_interval: float | None = 300.0,
                 observer_factory: ObserverFactory | None = None,
                 on_notice: Callable[[str], None] | None = None,
                 on_gone: Callable[[], None] | None = None, root_check: float = 1.0,
                 rules: FileRules = DEFAULT_RULES, on_logs: LogsCallback | None = None) -> None:
        self.root = root
        self.rules = rules  # which paths are the queue's articles (suffixes, exclude globs)
        self.on_logs = on_logs
        self._on_notice = on_notice
        self._on_gone = on_gone
        # The root itself is checked every `root_check` seconds (one stat): inotify
        # says nothing when the watched folder is renamed, and stops quietly when
        # it is deleted, even if a new folder takes its place at once.
        self.root_check = root_check
        self._root_id: tuple[int, int] | None = None
        self._root_missing = False  # seen missing once: gone if still missing after _ROOT_GRACE
        self._next_root_check = float("inf")
        self.on_batch = on_batch
        self.poll = poll
        self.settle = settle
        self.max_delay = max_delay
        self.poll_interval = poll_interval
        # None or 0 (or less) turns the backstop off; never a rescan without pause.
        self.rescan_interval = rescan_interval if rescan_interval is not None and rescan_interval > 0 else None
        self._observer_factory = observer_factory or Observer
        self.mode = "stopped"  # "native" | "polling" | "stopped"
        self._cond = threading.Condition()
        self._files: set[str] = set()
        self._dirs: set[str] = set()
        self._logs: set[str] = set()
        self._full = False
        self._first_at: float | None = None
        self._last_at = 0.0
        self._later: list[tuple[float, int, tuple[str, ...], tuple[str, ...], bool]] = []  # heap
        self._seq = 0
        self._stopping = False
        self._busy = False  # on_batch is running
        # Held (`start(held=True)`): events are collected, and nothing is handed
        # on (no batch, no look at the root) until `release()`.
        self._held = False
        self._observer: BaseObserver | None = None
        self._thread: threading.Thread | None = None
        self._next_rescan = float("inf")

    # --- lifecycle --------------------------------------------------------

    def start(self, *, held: bool = False) -> None:
        """Start watching. `held`: collect what is touched from now on, but hand
        nothing on until `release()` (a queue watched from before its scan
        walks the folder: whatever changes meanwhile comes as one batch after)."""
        self._held = held
        self._root_id = self._root_identity()
        self._observer = self._start_observer()
        _LIVE.add(self)
        self._next_root_check = time.monotonic() + self.root_check
        if self.rescan_interval:
            self._next_rescan = time.monotonic() + self.rescan_interval
        self._thread = threading.Thread(target=self._run, name="copydesk-watch", daemon=True)
        self._thread.start()

    def _start_observer(self) -> BaseObserver:
        handler = _Handler(self)
        root = os.fspath(self.root)
        if not self.poll:
            observer = self._observer_factory()
            try:
                observer.schedule(handler, root, recursive=True, event_filter=_EVENT_FILTER)
                observer.start()
                self.mode = "native"
                return observer
            except OSError as exc:
                self._stop_quietly(observer)
                if exc.errno in (errno.ENOSPC, errno.EMFILE):
                    why = ("the system's limit on watched folders is reached" if exc.errno == errno.ENOSPC
                           else "the system's limit on file watchers is reached")
                    self._notice(f"watching by polling every {self.poll_interval:g} s: {why} "
                                 "(raise fs.inotify.max_user_watches / max_user_instances)")
                else:
                    self._notice(f"watching by polling every {self.poll_interval:g} s: "
                                 f"cannot watch natively ({describe_os_error(exc)})")
        observer = PollingObserver(timeout=self.poll_interval)
        observer.schedule(handler, root, recursive=True, event_filter=_EVENT_FILTER)
        observer.start()
        self.mode = "polling"
        return observer

    def _notice(self, text: str) -> None:
        if self._on_notice is not None:
            self._on_notice(text)

    def _root_identity(self) -> tuple[int, int] | None:
        """(device, inode) of the root folder; None when there is no folder there."""
        try:
            st = os.stat(self.root)
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError:
            return self._root_id  # cannot tell (a share that hiccups): assume it is still there
        return (st.st_dev, st.st_ino) if stat_module.S_ISDIR(st.st_mode) else None

    def _root_state(self) -> str:
        """"ok"; "gone" (nothing at the path any more: deleted or moved away); or
        "replaced" (another folder is there now, or the observer stopped watching:
        a deleted folder's inode number may be reused by its replacement)."""
        identity = self._root_identity()
        if self._root_id is None:
            return "ok"
        if identity is None:
            return "gone"
        observer = self._observer
        alive = observer is None or (observer.is_alive() and all(e.is_alive() for e in observer.emitters))
        return "ok" if identity == self._root_id and alive else "replaced"

    def _restart_observer(self) -> None:
        """Watch the folder that now stands at the root's path (watcher thread)."""
        old, self._observer = self._observer, None
        if old is not None:
            self._stop_quietly(old)
        self._root_id = self._root_identity()
        observer = self._start_observer()
        with self._cond:
            if not self._stopping:
                self._observer, observer = observer, None
        if observer is not None:  # stop() ran meanwhile
            self._stop_quietly(observer)
            return
        self._notice(f"{self.root} was replaced by another folder; watching the new one")

    @staticmethod
    def _stop_quietly(observer: BaseObserver) -> None:
        try:
            observer.stop()
            if observer.is_alive():
                observer.join(timeout=2)
        except Exception:  # noqa: BLE001 - a half-started observer may fail to stop; it is discarded
            pass

    @property
    def held(self) -> bool:
        return self._held

    def release(self) -> None:
        """Hand on what was collected while held (one batch, once it settles), and go on as usual."""
        with self._cond:
            self._held = False
            self._next_root_check = time.monotonic()  # the root is looked at with that first batch
            self._cond.notify_all()

    def stop(self) -> None:
        _LIVE.discard(self)
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._observer is not None:
            self._stop_quietly(self._observer)
            self._observer = None
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)
        self._thread = None
        self.mode = "stopped"

    # --- requests (any thread) --------------------------------------------

    def overflowed(self) -> None:
        """The kernel dropped events (inotify queue overflow): look at everything again."""
        if self.mode == "native":
            self._notice("watching: the system's inotify event queue overflowed (thousands of changes at "
                         "once); rescanning the folder (raise fs.inotify.max_queued_events)")
            self.request(full=True)

    def request(self, files: Iterable[str] = (), dirs: Iterable[str] = (), *, full: bool = False,
                delay: float = 0.0, logs: Iterable[str] = ()) -> None:
        """Ask for these paths to be looked at again: now (after the burst settles) or after `delay`.
        `logs` (audit log relpaths) are looked at with the next burst in either case."""
        with self._cond:
            self._logs.update(logs)
            if delay > 0:
                self._seq += 1
                heapq.heappush(self._later, (time.monotonic() + delay, self._seq, tuple(files), tuple(dirs), full))
            else:
                self._files.update(files)
                self._dirs.update(dirs)
                self._full = self._full or full
                now = time.monotonic()
                if self._first_at is None:
                    self._first_at = now
                self._last_at = now
            self._cond.notify_all()

    # --- the watcher thread -----------------------------------------------

    def wait_idle(self, timeout: float) -> bool:
        """Block until nothing is pending or being processed (delayed re-checks included).

        Events the kernel has not delivered yet are not known here; this is for
        "the work asked for so far is done" (tests, benchmarks, a clean stop)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._busy or self._first_at is not None or self._later:
                left = deadline - time.monotonic()
                if left <= 0 or self._stopping:
                    return False
                self._cond.wait(left)
            return True

    def _run(self) -> None:
        while True:
            with self._cond:
                batch = self._wait_for_batch()
                if batch is None:
                    return
                self._busy = True
            files, dirs, full, logs = batch
            try:
                if full or "" in dirs or time.monotonic() >= self._next_root_check:
                    root = self._root_state()
                    if root == "gone" and self._root_missing:
                        self._stop_after_root_gone()
                        return
                    self._root_missing = root == "gone"
                    if self._root_missing:
                        # `rm -rf q && mkdir q`: look again after a grace period before giving up.
                        self.request(files, dirs, full=full, delay=_ROOT_GRACE, logs=logs)
                        self._next_root_check = time.monotonic() + _ROOT_GRACE
                        continue
                    if root == "replaced":
                        self._restart_observer()
                        full = True  # compare every row with the new folder
                    self._next_root_check = time.monotonic() + self.root_check
                if files or dirs or full:
                    self.on_batch(files, dirs, full)
                if full and self.on_logs is not None:
                    logs.add(LOG_DIR)  # the backstop looks at the logs too
                if logs and self.on_logs is not None:
                    self.on_logs(logs)  # after the articles: their hashes are current for the review state
            except Exception as exc:  # noqa: BLE001 - a bug in one batch must not end watching
                self._notice(f"watching: error while updating the queue: {exc!r}")
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def _stop_after_root_gone(self) -> None:
        """The watched folder was deleted or moved away: the observer cannot follow it."""
        _LIVE.discard(self)
        observer, self._observer = self._observer, None
        if observer is not None:
            self._stop_quietly(observer)
        with self._cond:
            self._stopping = True
            self.mode = "stopped"
        if self._on_gone is not None:
            self._on_gone()
        else:
            self._notice(f"{self.root} was deleted or moved away; stopped watching it")

    def _wait_for_batch(self) -> tuple[set[str], set[str], bool, set[str]] | None:
        """Block (holding the condition) until a settled batch is due; None when stopping."""
        while not self._stopping:
            if self._held:
                self._cond.wait()
                continue
            now = time.monotonic()
            while self._later and self._later[0][0] <= now:
                _, _, later_files, later_dirs, later_full = heapq.heappop(self._later)
                self._files.update(later_files)
                self._dirs.update(later_dirs)
                self._full = self._full or later_full
                if self._first_at is None:
                    self._first_at = self._last_at = now
            if now >= self._next_rescan:
                self._full = True
                self._next_rescan = now + (self.rescan_interval or float("inf"))
                if self._first_at is None:
                    self._first_at = self._last_at = now
            if self._first_at is not None:
                due = min(self._last_at + self.settle, self._first_at + self.max_delay)
                if now >= due:
                    files, dirs, full, logs = self._files, self._dirs, self._full, self._logs
                    self._files, self._dirs, self._full, self._logs = set(), set(), False, set()
                    self._first_at = None
                    return files, dirs, full, logs
            else:
                due = float("inf")
            if now >= self._next_root_check:
                return set(), set(), False, set()  # nothing to do but look at the root folder
            if self._later:
                due = min(due, self._later[0][0])
            due = min(due, self._next_rescan, self._next_root_check)
            self._cond.wait(None if due == float("inf") else max(0.0, due - now))
        return None
