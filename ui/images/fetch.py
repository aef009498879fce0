"""Remote pictures: QNetworkAccessManager + QNetworkDiskCache on a thread of their own.

Threading: `NetworkFetcher` is moved to a dedicated QThread ("copydesk-image-net")
and everything in it (the manager, the disk cache, every reply) lives and runs
there, so neither a slow server nor writing a 20 MB response into the cache
ever runs on the GUI thread. The loader talks to it only through queued
signals (`start`, `abort`) and hears back through `finished(FetchResult)`.

Rules each request follows:
- `PreferCache`: a picture seen once shows from the disk cache; if the server
  cannot be reached (or times out) a stale cached copy is shown instead, so
  the editor works offline. `origin` says "cached" or "live".
- `setTransferTimeout` for a silent server, plus an overall deadline for one
  that trickles bytes forever.
- A byte cap, checked against Content-Length and again while reading.
- A text/HTML/JSON Content-Type is refused at the headers; the decoder then
  checks the magic number, so HTML sent as image/png is caught as well.
- With remote loading off, the network is not touched at all: the disk cache
  is read directly, never through the manager.

Nothing is connected per request: the manager's `finished` is connected once,
and one timer (`TICK_MS`) looks at the open replies' headers, bytes and
deadlines. A signal connected from Python holds the GIL while Qt takes its
connection locks, and the GUI thread, destroying a Qt object made from
Python, holds those locks and then asks for the GIL: connecting each reply's
signals here deadlocked with it (twice in the test suite).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import shiboken6
from PySide6.QtCore import QObject, QTimer, QUrl, Signal, Slot
from PySide6.QtNetwork import (
    QNetworkAccessManager,
    QNetworkDiskCache,
    QNetworkReply,
    QNetworkRequest,
)

from app.article.image_source import DEFAULT_MAX_BYTES, Failure, FailureKind, format_bytes
from ui.i18n import tr
from ui.images import words

Origin = Literal["local", "cached", "live", ""]

_ATTR = QNetworkRequest.Attribute
_ERR = QNetworkReply.NetworkError
# Content types that are certainly not a picture: refuse before the body arrives.
_NOT_IMAGE_TYPES = ("text/", "application/json", "application/xhtml", "application/xml",
                    "application/pdf", "application/javascript", "image/svg")
_REDIRECTS = (301, 302, 303, 307, 308)
TICK_MS = 20  # how often the open replies' headers, bytes and deadlines are looked at


@dataclass(frozen=True, slots=True)
class FetchSettings:
    cache_dir: Path
    transfer_timeout_ms: int = 10_000  # no byte for this long: give up
    deadline_ms: int = 30_000  # whole transfer, for servers that trickle
    max_bytes: int = DEFAULT_MAX_BYTES
    disk_cache_bytes: int = 512 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class FetchResult:
    fetch_id: int
    url: str
    data: bytes = b""
    content_type: str = ""
    origin: Origin = ""
    failure: Failure | None = None
    note: str = ""  # e.g. why a cached copy stands in for a live one


class _Transfer:
    __slots__ = ("fetch_id", "url", "reply", "buffer", "deadline", "headers_seen", "failure", "content_type",
                 "timed_out")

    def __init__(self, fetch_id: int, url: str, reply: QNetworkReply, deadline: float) -> None:
        self.fetch_id, self.url, self.reply, self.deadline = fetch_id, url, reply, deadline
        self.headers_seen = False
        self.buffer = bytearray()
        self.failure: Failure | None = None
        self.content_type = ""
        self.timed_out = False


class NetworkFetcher(QObject):
    finished = Signal(object)  # FetchResult; emitted on the network thread, received queued

    def __init__(self, settings: FetchSettings) -> None:
        super().__init__()
        self._settings = settings
        self._nam: QNetworkAccessManager | None = None
        self._cache: QNetworkDiskCache | None = None
        self._transfers: dict[int, _Transfer] = {}
        self._ticker: QTimer | None = None

    # --- lifecycle (network thread) ---
    @Slot()
    def setup(self) -> None:
        # Created here, not in __init__, so they belong to the network thread.
        self._nam = QNetworkAccessManager(self)
        self._cache = QNetworkDiskCache(self._nam)
        self._cache.setCacheDirectory(str(self._settings.cache_dir))
        self._cache.setMaximumCacheSize(self._settings.disk_cache_bytes)
        self._nam.setCache(self._cache)
        self._nam.finished.connect(self._on_reply_finished)  # once: nothing is connected per request
        self._ticker = QTimer(self)
        self._ticker.setInterval(TICK_MS)
        self._ticker.timeout.connect(self._tick)
        self._nam.setTransferTimeout(self._settings.transfer_timeout_ms)
        self._nam.setRedirectPolicy(QNetworkRequest.RedirectPolicy.NoLessSafeRedirectPolicy)

    @Slot()
    def teardown(self) -> None:
        for fetch_id in list(self._transfers):
            self.abort(fetch_id)
        if self._ticker is not None:
            self._ticker.stop()
        if self._nam is not None:
            shiboken6.delete(self._nam)  # now, on this thread; also deletes the disk cache
        self._nam = self._cache = None

    @Slot("qint64")
    def set_disk_cache_bytes(self, size: int) -> None:
        """Preferences changed the cache's size: applied at once (older entries are expired first)."""
        self._settings = replace(self._settings, disk_cache_bytes=size)
        if self._cache is not None:
            self._cache.setMaximumCacheSize(size)

    def active(self) -> int:
        """Open replies. Called from the GUI thread: a len() only."""
        return len(self._transfers)

    # --- requests (network thread, via queued signals) ---
    @Slot(int, str, bool)
    def start(self, fetch_id: int, url: str, allow_network: bool) -> None:
        if self._nam is None:
            self.finished.emit(FetchResult(fetch_id, url, failure=Failure(FailureKind.UNREACHABLE, tr("image loader stopped"))))
            return
        if not allow_network:
            cached = self._read_cache(url)
            if cached is not None:
                self.finished.emit(FetchResult(fetch_id, url, cached[0], cached[1], "cached"))
            else:
                self.finished.emit(FetchResult(fetch_id, url, failure=Failure(
                    FailureKind.REMOTE_OFF, tr("“Load remote images” is off and this picture is not in the offline cache"))))
            return
        request = QNetworkRequest(QUrl(url))
        request.setAttribute(_ATTR.CacheLoadControlAttribute, QNetworkRequest.CacheLoadControl.PreferCache)
        request.setRawHeader(b"Accept", b"image/webp,image/png,image/jpeg,image/gif,image/*;q=0.8,*/*;q=0.1")
        request.setHeader(QNetworkRequest.KnownHeaders.UserAgentHeader, "Copydesk image preview")
        reply = self._nam.get(request)
        reply.setReadBufferSize(self._settings.max_bytes + 1)  # between two ticks Qt holds no more than the cap
        self._transfers[fetch_id] = _Transfer(fetch_id, url, reply,
                                              time.monotonic() + self._settings.deadline_ms / 1000)
        if self._ticker is not None and not self._ticker.isActive():
            self._ticker.start()

    @Slot(int)
    def abort(self, fetch_id: int) -> None:
        """Nobody wants this picture any more (the editor paged on): stop it, say nothing."""
        transfer = self._transfers.pop(fetch_id, None)
        if transfer is None:
            return
        transfer.reply.abort()  # emits finished synchronously; _on_finished ignores it (popped)
        transfer.reply.deleteLater()

    # --- the open replies (network thread) ---
    def _tick(self) -> None:
        """Each open reply: its headers once they are in, the bytes so far, its deadline."""
        now = time.monotonic()
        for t in list(self._transfers.values()):
            self._take_in(t)
            if t.fetch_id in self._transfers and now >= t.deadline:
                self._on_deadline(t)
        if not self._transfers and self._ticker is not None:
            self._ticker.stop()

    def _take_in(self, t: _Transfer) -> None:
        if not t.headers_seen and t.reply.attribute(_ATTR.HttpStatusCodeAttribute) is not None:
            t.headers_seen = True
            self._on_headers(t)
        if t.failure is None and t.fetch_id in self._transfers and t.reply.bytesAvailable() > 0:
            self._on_data(t)

    @Slot(QNetworkReply)
    def _on_reply_finished(self, reply: QNetworkReply) -> None:
        t = next((t for t in self._transfers.values() if t.reply is reply), None)
        if t is None:
            return  # aborted because nobody wants it (or not one of ours)
        self._take_in(t)  # what came since the last tick: the headers' verdict and the byte cap first
        self._on_finished(t)

    def _on_headers(self, t: _Transfer) -> None:
        status = t.reply.attribute(_ATTR.HttpStatusCodeAttribute)
        if not isinstance(status, int) or not 200 <= status < 300:
            return  # errors and redirects are judged when finished
        t.content_type = _content_type(t.reply)
        length = t.reply.header(QNetworkRequest.KnownHeaders.ContentLengthHeader)
        if isinstance(length, int) and length > self._settings.max_bytes:
            self._refuse(t, Failure(FailureKind.TOO_LARGE,
                                    tr("{size} from {host} (limit {limit})").format(
                                        size=format_bytes(length), host=_host(t.url), limit=format_bytes(self._settings.max_bytes))))
        elif t.content_type.startswith(_NOT_IMAGE_TYPES):
            self._refuse(t, Failure(FailureKind.NOT_AN_IMAGE, tr("{host} sent {type}, not a picture").format(host=_host(t.url), type=t.content_type)))

    def _on_data(self, t: _Transfer) -> None:
        if t.failure is not None or t.fetch_id not in self._transfers:
            return
        t.buffer += t.reply.readAll().data()
        if len(t.buffer) > self._settings.max_bytes:
            self._refuse(t, Failure(FailureKind.TOO_LARGE,
                                    tr("over {limit} from {host}; download stopped").format(
                                        limit=format_bytes(self._settings.max_bytes), host=_host(t.url))))

    def _on_deadline(self, t: _Transfer) -> None:
        if t.fetch_id in self._transfers:
            t.timed_out = True
            t.reply.abort()

    def _refuse(self, t: _Transfer, failure: Failure) -> None:
        t.failure = failure
        t.reply.abort()  # -> finished -> _on_finished reports t.failure

    def _on_finished(self, t: _Transfer) -> None:
        if self._transfers.pop(t.fetch_id, None) is None:
            return  # aborted because nobody wants it
        reply = t.reply
        reply.deleteLater()
        if t.failure is not None:
            self.finished.emit(FetchResult(t.fetch_id, t.url, failure=t.failure, content_type=t.content_type))
            return
        error = reply.error()
        if error == _ERR.NoError:
            t.buffer += reply.readAll().data()
            origin: Origin = "cached" if reply.attribute(_ATTR.SourceIsFromCacheAttribute) else "live"
            self.finished.emit(FetchResult(t.fetch_id, t.url, bytes(t.buffer), t.content_type or _content_type(reply), origin))
            return
        status = reply.attribute(_ATTR.HttpStatusCodeAttribute)
        host = _host(t.url)
        if isinstance(status, int) and status >= 400:
            reason = reply.attribute(_ATTR.HttpReasonPhraseAttribute) or ""
            kind = FailureKind.NOT_FOUND if status in (404, 410) else FailureKind.HTTP_ERROR
            self.finished.emit(FetchResult(t.fetch_id, t.url, failure=Failure(kind, tr("HTTP {status} {reason} from {host}").format(status=status, reason=reason, host=host).replace("  ", " "))))
            return
        if t.timed_out or error in (_ERR.TimeoutError, _ERR.OperationCanceledError):
            seconds = (self._settings.deadline_ms if t.timed_out else self._settings.transfer_timeout_ms) / 1000
            failure = Failure(FailureKind.TIMED_OUT, tr("no picture from {host} within {seconds} s").format(host=host, seconds=f"{seconds:g}"))
        else:
            failure = Failure(FailureKind.UNREACHABLE, f"{host}: {reply.errorString()}")
        # Offline or slow: an older cached copy is better than a placeholder.
        cached = self._read_cache(t.url)
        if cached is not None:
            self.finished.emit(FetchResult(t.fetch_id, t.url, cached[0], cached[1], "cached",
                                           note=tr("offline copy ({why})").format(why=words.short(failure))))
        else:
            self.finished.emit(FetchResult(t.fetch_id, t.url, failure=failure))

    def _read_cache(self, url: str) -> tuple[bytes, str] | None:
        """The cached body and content type for `url`, straight from the disk
        cache (no network), following cached redirects."""
        if self._cache is None:
            return None
        target = QUrl(url)
        for _ in range(6):
            meta = self._cache.metaData(target)
            if not meta.isValid():
                return None
            headers = {bytes(k.data()).lower(): bytes(v.data()) for k, v in meta.rawHeaders()}
            status = meta.attributes().get(_ATTR.HttpStatusCodeAttribute)
            if status in _REDIRECTS and b"location" in headers:
                target = target.resolved(QUrl(headers[b"location"].decode("latin-1")))
                continue
            device = self._cache.data(target)
            if device is None:
                return None
            data = device.read(self._settings.max_bytes + 1).data()
            device.close()
            if len(data) > self._settings.max_bytes:
                return None
            return data, headers.get(b"content-type", b"").decode("latin-1").split(";")[0].strip().lower()
        return None


def _content_type(reply: QNetworkReply) -> str:
    value = reply.header(QNetworkRequest.KnownHeaders.ContentTypeHeader)
    return str(value or "").split(";")[0].strip().lower()


def _host(url: str) -> str:
    return QUrl(url).host() or url
