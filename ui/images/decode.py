"""Bytes -> QImage thumbnail, on worker threads.

Threading: `decode_image` runs on a decode lane's thread (`ui.background`) and
makes only QImage/QImageReader objects (both safe off the GUI thread). It never
makes a QPixmap: the loader converts on the GUI thread. `DecodeWorkers` hands
each result back through the lane's callback.

Order of checks, cheapest and safest first: magic number (is it a picture we
decode at all?), header size via `QImageReader.size()` (refuse huge pictures
with their dimensions before a byte of pixels is allocated), end marker (Qt
paints a truncated JPEG grey instead of failing), then the decode itself,
scaled on the worker so the GUI thread only ever sees a thumbnail.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt
from PySide6.QtGui import QImage, QImageIOHandler, QImageReader

from app.article.image_source import (
    MAX_SIDE,
    Failure,
    FailureKind,
    describe_non_image,
    sniff_image_format,
    too_large_message,
    truncation_problem,
)
from ui.background import Lane
from ui.i18n import tr

Box = tuple[int, int] | None  # fit inside (width, height); None = full size

# Pictures whose full decode needs more than this are decoded one at a time.
_BIG_DECODE_BYTES = 64 * 1024 * 1024
_BIG_DECODES = threading.BoundedSemaphore(1)


@dataclass(frozen=True, slots=True)
class DecodeResult:
    image: QImage | None  # scaled to the box; None when failed
    real_size: tuple[int, int] | None  # as displayed (after EXIF rotation), known even when refused
    format: str
    failure: Failure | None = None


def decode_image(data: bytes, box: Box, *, content_type: str = "",
                 max_side: int = MAX_SIDE) -> DecodeResult:
    """Decode one picture, scaled to fit `box` (never enlarged). Never raises
    for bad data; every refusal is a `Failure`. Worker thread."""
    fmt = sniff_image_format(data)
    if fmt is None:
        return DecodeResult(None, None, "", Failure(FailureKind.NOT_AN_IMAGE, describe_non_image(data, content_type)))
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer, fmt.encode())
    reader.setDecideFormatFromContent(False)  # we already know; don't let plugins guess
    reader.setAutoTransform(True)
    header = reader.size()
    if not header.isValid() or header.width() <= 0 or header.height() <= 0:
        why = reader.errorString() if reader.error() != QImageReader.ImageReaderError.UnknownError else ""
        return DecodeResult(None, None, fmt, Failure(FailureKind.CORRUPT,
                                                     tr("cannot read the {format} header").format(format=fmt.upper()) + (f" ({why})" if why else "")))
    width, height = header.width(), header.height()
    rotated = bool(reader.transformation() & QImageIOHandler.Transformation.TransformationRotate90)
    real = (height, width) if rotated else (width, height)
    refusal = too_large_message(header.width(), header.height(), max_side=max_side,
                                allocation_limit_mb=QImageReader.allocationLimit() or None)
    if refusal:
        return DecodeResult(None, real, fmt, Failure(FailureKind.TOO_LARGE, refusal))
    cut = truncation_problem(fmt, data)
    if cut:
        return DecodeResult(None, real, fmt, Failure(FailureKind.CORRUPT, cut))
    if box is not None and (real[0] > box[0] or real[1] > box[1]):
        # The scaled size applies to the stored pixels, before EXIF rotation:
        # fit them into the box turned the same way.
        target = QSize(width, height)
        target.scale(QSize(box[1], box[0]) if rotated else QSize(*box), Qt.AspectRatioMode.KeepAspectRatio)
        reader.setScaledSize(target.expandedTo(QSize(1, 1)))
    if header.width() * header.height() * 4 > _BIG_DECODE_BYTES:
        with _BIG_DECODES:  # one big picture at a time, so four workers cannot stack ~250 MB each
            image = reader.read()
    else:
        image = reader.read()
    if image.isNull():
        return DecodeResult(None, real, fmt, Failure(FailureKind.CORRUPT, tr("the {format} data is damaged ({reason})").format(
                                                     format=fmt.upper(), reason=reader.errorString())))
    return DecodeResult(image, real, fmt)


class _Cancel:
    __slots__ = ("cancelled",)

    def __init__(self) -> None:
        self.cancelled = False


class DecodeWorkers:
    """A lane of threads for reading local files and decoding (`ui.background`).

    `submit` is called on the GUI thread; `on_done(job_id, DecodeResult)` is
    called on the GUI thread. `cancel` makes a queued job a no-op and drops a
    running job's result."""

    def __init__(self, on_done: Callable[[int, DecodeResult], None], threads: int | None = None) -> None:
        self._on_done = on_done
        self._lane = Lane("copydesk-image-decode", threads or max(2, min(4, os.cpu_count() or 2)))
        # GUI thread only; workers just read their own flag's attribute.
        self._flags: dict[int, _Cancel] = {}

    def submit(self, job_id: int, work: Callable[[], DecodeResult]) -> None:
        flag = _Cancel()
        self._flags[job_id] = flag
        self._lane.run(_run, work, flag, done=lambda result: self._deliver(job_id, flag, result))

    def _deliver(self, job_id: int, flag: _Cancel, result: DecodeResult | None) -> None:
        if result is not None and not flag.cancelled:
            self._on_done(job_id, result)

    def finished(self, job_id: int) -> None:
        self._flags.pop(job_id, None)

    def cancel(self, job_id: int) -> None:
        flag = self._flags.pop(job_id, None)
        if flag is not None:
            flag.cancelled = True

    def shutdown(self, timeout_ms: int = 5000) -> None:
        for flag in self._flags.values():
            flag.cancelled = True
        self._flags.clear()
        self._lane.close(wait=True)


def _run(work: Callable[[], DecodeResult], flag: _Cancel) -> DecodeResult | None:  # on a lane thread
    if flag.cancelled:  # the editor has moved on; skip the work entirely
        return None
    try:
        return work()
    except Exception as exc:  # noqa: BLE001 - a bug in a decoder must not kill the worker
        return DecodeResult(None, None, "", Failure(FailureKind.CORRUPT, tr("decoder error: {error}").format(error=exc)))
