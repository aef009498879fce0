"""`ImageLoader`: the one object the window creates for all image previews.

    loader = ImageLoader()                 # cache in $XDG_CACHE_HOME/copydesk/images
    loader.load_remote = settings_value    # the "Load remote images" setting
    ticket = loader.request(source, (480, 360), on_preview)   # -> on_preview(Preview) later
    loader.cancel(ticket)                  # the editor moved on: drop it
    loader.shutdown()                      # at exit (also done on aboutToQuit)

Pipeline: resolve (app.article.image_source) -> local read on a decode worker, or
fetch on the network thread -> decode + scale on a decode worker -> QPixmap
on the GUI thread -> bounded LRU -> callbacks. Requests for the same picture
and size share one job; requests for the same URL share one download. A job
nobody waits for any more is cancelled: its download is aborted and its
decode skipped, so paging quickly never queues work behind stale pictures.

Threading: every public method, and every callback, runs on the GUI thread.
"""
from __future__ import annotations

import atexit
import itertools
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLockFile, QMetaObject, QObject, Qt, QThread, QTimer, Signal, Slot
from PySide6.QtGui import QPixmap

from app import paths
from app.article.image_source import DEFAULT_MAX_BYTES, Failure, FailureKind, ImageSource, read_local_image
from ui.i18n import tr
from ui.images.cache import ByteLRU, pixmap_cost
from ui.images.decode import Box, DecodeResult, DecodeWorkers, decode_image
from ui.images.fetch import FetchResult, FetchSettings, NetworkFetcher, Origin

Callback = Callable[["Preview"], None]


@dataclass(frozen=True, slots=True)
class Preview:
    """What a view shows for one picture: a pixmap, or a failure saying why not.
    Holds a QPixmap, so GUI thread only."""

    source: ImageSource
    pixmap: QPixmap | None
    real_size: tuple[int, int] | None = None  # the picture's own size, even when refused
    origin: Origin = ""  # "local", "cached" (from the disk cache) or "live" (fresh from the server)
    failure: Failure | None = None
    format: str = ""
    byte_size: int = 0
    note: str = ""  # e.g. "offline copy (timed out)"

    @property
    def ok(self) -> bool:
        return self.pixmap is not None


def default_cache_dir() -> Path:
    """`$XDG_CACHE_HOME/copydesk/images` (`app.paths`)."""
    return paths.image_cache_dir()


@dataclass(slots=True)
class _Job:
    job_id: int
    key: tuple[str, str, Box]
    source: ImageSource
    box: Box
    tickets: set[int] = field(default_factory=set)
    fetch_id: int | None = None  # while waiting for the network
    decoding: bool = False


@dataclass(slots=True)
class _Fetch:
    fetch_id: int
    url: str
    jobs: set[int] = field(default_factory=set)


class _Engine:
    """The threads and the cache lock behind one loader. Stopped exactly once:
    by `ImageLoader.shutdown`, by the loader's destruction (a window deleted
    without closing), or at interpreter exit; a QThread destroyed while
    running would abort the process."""

    live: set[_Engine] = set()

    def __init__(self, thread: QThread, fetcher: NetworkFetcher, workers: DecodeWorkers,
                 lock: QLockFile | None, temp_dir: tempfile.TemporaryDirectory[str] | None) -> None:
        self.thread, self.fetcher, self.workers = thread, fetcher, workers
        self.lock, self.temp_dir = lock, temp_dir
        self.stopped = False
        _Engine.live.add(self)

    def stop(self, *_: object) -> None:
        if self.stopped:
            return
        self.stopped = True
        _Engine.live.discard(self)
        self.workers.shutdown()
        if self.thread.isRunning():
            # Blocking: the manager, cache and replies are deleted on their own thread.
            QMetaObject.invokeMethod(self.fetcher, "teardown", Qt.ConnectionType.BlockingQueuedConnection)
            self.thread.quit()
            self.thread.wait(5000)
        if self.lock is not None:
            self.lock.unlock()
        if self.temp_dir is not None:
            self.temp_dir.cleanup()


@atexit.register
def _stop_all_engines() -> None:
    for engine in list(_Engine.live):
        engine.stop()


class ImageLoader(QObject):
    loadRemoteChanged = Signal(bool)

    _start_fetch = Signal(int, str, bool)
    _abort_fetch = Signal(int)
    _cache_size = Signal("qint64")

    def __init__(self, cache_dir: str | os.PathLike[str] | None = None, *, load_remote: bool = True,
                 transfer_timeout_ms: int = 10_000, deadline_ms: int = 30_000,
                 max_bytes: int = DEFAULT_MAX_BYTES, memory_bytes: int = 64 * 1024 * 1024,
                 disk_cache_bytes: int = 512 * 1024 * 1024, decode_threads: int | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._load_remote = bool(load_remote)
        self._max_bytes = max_bytes
        self.notices: list[str] = []
        self.cache_dir = self._claim_cache_dir(Path(cache_dir) if cache_dir else default_cache_dir())
        self.memory = ByteLRU[tuple[str, str, Box], Preview](memory_bytes)
        self._ids = itertools.count(1)
        self._tickets: dict[int, tuple[int, Callback]] = {}  # ticket -> (job_id, callback)
        self._jobs: dict[int, _Job] = {}
        self._jobs_by_key: dict[tuple[str, str, Box], int] = {}
        self._fetches: dict[int, _Fetch] = {}
        self._fetches_by_url: dict[str, int] = {}
        self._origins: dict[int, tuple[Origin, str, int]] = {}  # job -> where its bytes came from
        self._closed = False

        self._workers = DecodeWorkers(self._on_decoded, decode_threads)
        thread = QThread()
        thread.setObjectName("copydesk-image-net")
        self._fetcher = NetworkFetcher(FetchSettings(self.cache_dir, transfer_timeout_ms, deadline_ms,
                                                     max_bytes, disk_cache_bytes))
        self._fetcher.moveToThread(thread)
        thread.started.connect(self._fetcher.setup)
        self._start_fetch.connect(self._fetcher.start)
        self._abort_fetch.connect(self._fetcher.abort)
        self._cache_size.connect(self._fetcher.set_disk_cache_bytes)
        self._fetcher.finished.connect(self._on_fetched, Qt.ConnectionType.QueuedConnection)
        self._engine = _Engine(thread, self._fetcher, self._workers, self._lock, self._temp_dir)
        self.destroyed.connect(self._engine.stop)  # the engine outlives this wrapper; no `self` in it
        thread.start()
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self._engine.stop)

    # --- the setting ---
    @property
    def load_remote(self) -> bool:
        """"Load remote images". Off: no network access at all; pictures in
        the disk cache still show (marked cached), others show a placeholder."""
        return self._load_remote

    @load_remote.setter
    def load_remote(self, on: bool) -> None:
        on = bool(on)
        if on == self._load_remote:
            return
        self._load_remote = on
        if not on:  # stop every download now; their jobs end as "remote loading off"
            for fetch in list(self._fetches.values()):
                self._abort_fetch.emit(fetch.fetch_id)
                self._fetch_done(FetchResult(fetch.fetch_id, fetch.url, failure=Failure(
                    FailureKind.REMOTE_OFF, tr("“Load remote images” was turned off"))))
        self.loadRemoteChanged.emit(on)

    def set_disk_cache_bytes(self, size: int) -> None:
        """Resize the remote pictures' disk cache (on the network thread, where it lives)."""
        self._cache_size.emit(int(size))

    # --- requests ---
    def peek(self, source: ImageSource, box: Box) -> Preview | None:
        """A preview already in memory, or None. Never starts work."""
        return self.memory.get(_key(source, box))

    def request(self, source: ImageSource, box: Box, callback: Callback) -> int:
        """Ask for a preview fitting `box` (None: full size, not kept in memory).
        `callback(Preview)` is called once, later, on the GUI thread, unless the
        ticket is cancelled first. Returns the ticket."""
        ticket = next(self._ids)
        key = _key(source, box)
        hit = self.memory.get(key) if box is not None else None
        if hit is not None or source.failure is not None or self._closed or self._engine.stopped:
            preview = hit or Preview(source, None, failure=source.failure or Failure(FailureKind.UNREACHABLE, tr("image loader stopped")))
            self._tickets[ticket] = (0, callback)
            QTimer.singleShot(0, self, lambda: self._deliver_one(ticket, preview))
            return ticket
        job_id = self._jobs_by_key.get(key)
        if job_id is None:
            job_id = next(self._ids)
            job = _Job(job_id, key, source, box)
            self._jobs[job_id] = job
            self._jobs_by_key[key] = job_id
            self._begin(job)
        self._jobs[job_id].tickets.add(ticket)
        self._tickets[ticket] = (job_id, callback)
        return ticket

    def cancel(self, ticket: int) -> None:
        entry = self._tickets.pop(ticket, None)
        if entry is None or entry[0] == 0:
            return
        job = self._jobs.get(entry[0])
        if job is None:
            return
        job.tickets.discard(ticket)
        if not job.tickets:
            self._drop_job(job)

    def pending(self) -> int:
        """Jobs in flight (for tests and the bench)."""
        return len(self._jobs)

    def active_downloads(self) -> int:
        """Replies open on the network thread (for tests: proves aborts happen).
        Reads a dict's size across threads, which the GIL makes safe."""
        return self._fetcher.active()

    # --- pipeline (GUI thread) ---
    def _begin(self, job: _Job) -> None:
        if job.source.kind == "local":
            path, box, cap = job.source.location, job.box, self._max_bytes

            def work() -> DecodeResult:  # worker thread
                data = read_local_image(path, cap)
                if isinstance(data, Failure):
                    return DecodeResult(None, None, "", data)
                return decode_image(data, box)

            job.decoding = True
            self._workers.submit(job.job_id, work)
            return
        url = job.source.location
        fetch_id = self._fetches_by_url.get(url)
        if fetch_id is None:
            fetch_id = next(self._ids)
            self._fetches[fetch_id] = _Fetch(fetch_id, url)
            self._fetches_by_url[url] = fetch_id
            self._start_fetch.emit(fetch_id, url, self._load_remote)
        self._fetches[fetch_id].jobs.add(job.job_id)
        job.fetch_id = fetch_id

    def _drop_job(self, job: _Job) -> None:
        self._jobs.pop(job.job_id, None)
        self._jobs_by_key.pop(job.key, None)
        self._origins.pop(job.job_id, None)
        if job.decoding:
            self._workers.cancel(job.job_id)
        if job.fetch_id is not None:
            fetch = self._fetches.get(job.fetch_id)
            if fetch is not None:
                fetch.jobs.discard(job.job_id)
                if not fetch.jobs:  # nobody wants this download any more
                    self._fetches.pop(fetch.fetch_id, None)
                    self._fetches_by_url.pop(fetch.url, None)
                    self._abort_fetch.emit(fetch.fetch_id)

    @Slot(object)
    def _on_fetched(self, result: FetchResult) -> None:
        # A Slot, so the queued call runs on this object's (GUI) thread, not the sender's.
        self._fetch_done(result)

    def _fetch_done(self, result: FetchResult) -> None:
        fetch = self._fetches.pop(result.fetch_id, None)
        if fetch is None:
            return  # aborted; a stale answer
        self._fetches_by_url.pop(fetch.url, None)
        for job_id in fetch.jobs:
            job = self._jobs.get(job_id)
            if job is None:
                continue
            job.fetch_id = None
            if result.failure is not None:
                self._finish(job, Preview(job.source, None, origin=result.origin, failure=result.failure))
                continue
            data, ctype, box = result.data, result.content_type, job.box

            def work(data: bytes = data, ctype: str = ctype, box: Box = box) -> DecodeResult:
                return decode_image(data, box, content_type=ctype)

            # Remember where the bytes came from for when the decode lands.
            self._origins[job_id] = (result.origin, result.note, len(data))
            job.decoding = True
            self._workers.submit(job.job_id, work)

    @Slot(int, object)
    def _on_decoded(self, job_id: int, result: DecodeResult) -> None:
        self._workers.finished(job_id)
        origin, note, size = self._origins.pop(job_id, ("local", "", 0))
        job = self._jobs.get(job_id)
        if job is None:
            return  # cancelled while decoding: drop the stale result
        job.decoding = False
        pixmap = QPixmap.fromImage(result.image) if result.image is not None else None
        preview = Preview(job.source, pixmap, result.real_size, origin if job.source.kind == "remote" else "local",
                          result.failure, result.format, size, note)
        if pixmap is not None and job.box is not None:
            self.memory.put(job.key, preview, pixmap_cost(pixmap))
        self._finish(job, preview)

    def _finish(self, job: _Job, preview: Preview) -> None:
        self._jobs.pop(job.job_id, None)
        self._jobs_by_key.pop(job.key, None)
        for ticket in list(job.tickets):
            self._deliver_one(ticket, preview)

    def _deliver_one(self, ticket: int, preview: Preview) -> None:
        entry = self._tickets.pop(ticket, None)
        if entry is not None:
            entry[1](preview)

    # --- lifecycle ---
    def _claim_cache_dir(self, wanted: Path) -> Path:
        """QNetworkDiskCache wants one directory per instance. A second
        Copydesk window on the same machine gets a private temporary cache."""
        try:
            wanted.mkdir(parents=True, exist_ok=True)
            self._lock: QLockFile | None = QLockFile(str(wanted / "copydesk.lock"))
            self._lock.setStaleLockTime(0)
            if self._lock.tryLock(0):
                self._temp_dir: tempfile.TemporaryDirectory[str] | None = None
                return wanted
            self.notices.append(tr("The image cache is in use by another Copydesk window; "
                                   "pictures loaded here are not kept for offline use."))
        except OSError as exc:
            self.notices.append(tr("Cannot use the image cache folder {folder}: {reason}").format(
                folder=wanted, reason=exc.strerror))
        self._lock = None
        self._temp_dir = tempfile.TemporaryDirectory(prefix="copydesk-images-")
        return Path(self._temp_dir.name)

    def shutdown(self) -> None:
        """Stop the network thread and the decode workers. Idempotent; the
        disk cache is complete on disk afterwards."""
        if self._closed:
            return
        self._closed = True
        self._tickets.clear()
        for job in list(self._jobs.values()):
            self._drop_job(job)
        self._engine.stop()
        self.memory.clear()


def _key(source: ImageSource, box: Box) -> tuple[str, str, Box]:
    return (source.kind, source.location, box)
