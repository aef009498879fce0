"""Where an article's picture comes from, and why it may have none.

Qt-free on purpose: resolving `Image.url` against the article's folder, reading
a local picture safely, recognising image bytes by their magic numbers and
spotting a truncated file are plain logic that tests (and a CLI) can use
without a display. `ui.images` does the fetching and decoding with Qt.

Threading: everything here is pure except `read_local_image`, which blocks on
the disk and is meant for a worker thread.
"""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal
from urllib.parse import unquote, urlsplit

from app.article.messages import describe_os_error

# An image is refused (never decoded) beyond this many pixels on a side.
MAX_SIDE = 12_000
# Bytes read for one picture, local or remote (a news image is ~50-500 KB).
DEFAULT_MAX_BYTES = 25 * 1024 * 1024

SourceKind = Literal["local", "remote", "invalid"]


class FailureKind(StrEnum):
    """Why a placeholder stands where a picture should be. The value is the
    placeholder's headline, so every view says the same words."""

    NOT_FOUND = "not found"
    TIMED_OUT = "timed out"
    NOT_AN_IMAGE = "not an image"
    CORRUPT = "corrupt or truncated"
    TOO_LARGE = "too large"
    REMOTE_OFF = "remote loading off"
    UNREACHABLE = "offline or unreachable"
    HTTP_ERROR = "server error"
    NO_ACCESS = "no access"
    UNSUPPORTED = "unsupported"


@dataclass(frozen=True, slots=True)
class Failure:
    kind: FailureKind
    detail: str  # one line for a tooltip / caption, e.g. "HTTP 404 from cdn.example.com"

    @property
    def title(self) -> str:
        return self.kind.value[:1].upper() + self.kind.value[1:]

    def describe(self) -> str:
        return f"{self.title}: {self.detail}" if self.detail else self.title


@dataclass(frozen=True, slots=True)
class ImageSource:
    """A resolved `Image.url`. `location` is an absolute file path for
    "local", the URL for "remote", the text as written for "invalid"
    (then `failure` says why)."""

    kind: SourceKind
    location: str
    url: str  # as written in the article
    failure: Failure | None = None


def resolve_image_url(url: str, article_dir: str | os.PathLike[str]) -> ImageSource:
    """Turn an article's image URL into something to fetch or read.

    Relative paths and `file:` URLs are read from disk relative to the
    article's folder (`file://host/...` other than localhost is refused; a
    `file:` URL without `//` is a relative reference). `//host/x` is https.
    No disk or network access happens here."""
    text = (url or "").strip()
    if not text:
        return ImageSource("invalid", text, url, Failure(FailureKind.UNSUPPORTED, "no URL"))
    base = os.fspath(article_dir)
    if text.startswith("//"):
        return ImageSource("remote", "https:" + text, url)
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        if not parts.netloc:
            return ImageSource("invalid", text, url, Failure(FailureKind.UNSUPPORTED, f"no host in {text}"))
        return ImageSource("remote", text, url)
    if scheme == "file":
        host = parts.netloc.lower()
        path = unquote(parts.path)
        if host not in ("", "localhost"):
            return ImageSource("invalid", text, url,
                               Failure(FailureKind.UNSUPPORTED, f"file URL on another host ({parts.netloc})"))
        return ImageSource("local", _join(base, path), url)
    if len(scheme) > 1:  # one letter is a Windows drive ("C:\pics\a.png")
        return ImageSource("invalid", text, url,
                           Failure(FailureKind.UNSUPPORTED, f"cannot load {scheme}: URLs"))
    if len(scheme) == 1:
        return ImageSource("local", _join(base, text), url)
    # A relative reference, like a Markdown link: drop ?query and #fragment, decode %20.
    return ImageSource("local", _join(base, unquote(parts.path)), url)


def _join(base: str, path: str) -> str:
    # normpath, not resolve(): resolving symlinks would touch the disk.
    return os.path.normpath(os.path.join(base, path))


def read_local_image(path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes | Failure:
    """Read a local picture. Blocking: call on a worker thread.

    Opens non-blocking and checks the open file itself, so a FIFO or a device
    named like an image cannot hang the worker, and a huge file is refused
    before it is read."""
    name = os.path.basename(path) or path
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return Failure(FailureKind.NOT_FOUND, f"no file {path}")
    except PermissionError as exc:
        return Failure(FailureKind.NO_ACCESS, f"{name}: {describe_os_error(exc)}")
    except OSError as exc:
        kind = FailureKind.NOT_AN_IMAGE if exc.errno in (21, 20) else FailureKind.NOT_FOUND  # EISDIR, ENOTDIR
        return Failure(kind, f"{name}: {describe_os_error(exc)}")
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            return Failure(FailureKind.NOT_AN_IMAGE, f"{name} is a folder")
        if not stat.S_ISREG(info.st_mode):
            return Failure(FailureKind.NOT_AN_IMAGE, f"{name} is not a regular file")
        if info.st_size > max_bytes:
            return Failure(FailureKind.TOO_LARGE,
                           f"{name} is {format_bytes(info.st_size)} (limit {format_bytes(max_bytes)})")
        chunks: list[bytes] = []
        total = 0
        while total <= max_bytes:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > max_bytes:  # grew while we read it
            return Failure(FailureKind.TOO_LARGE, f"{name} is over {format_bytes(max_bytes)}")
        return b"".join(chunks)
    except OSError as exc:
        return Failure(FailureKind.NO_ACCESS, f"{name}: {describe_os_error(exc)}")
    finally:
        os.close(fd)


# --- recognising image bytes -------------------------------------------------

def sniff_image_format(data: bytes) -> str | None:
    """The Qt format name for the formats we decode, from magic numbers.

    A whitelist on purpose: Qt would otherwise probe every plugin (TGA has no
    magic and accepts almost anything), and SVG/PDF are documents, not
    pictures, with their own ways to hurt."""
    head = data[:16]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"BM") and len(data) > 26:
        return "bmp"
    if head.startswith(b"\x00\x00\x01\x00"):
        return "ico"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    return None


def describe_non_image(data: bytes, content_type: str = "") -> str:
    """Why these bytes are not a picture, in words an editor understands."""
    sent = f" (sent as {content_type})" if content_type else ""
    if not data:
        return f"the response was empty{sent}"
    head = data[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html", b"<head", b"<body")) or b"<html" in head:
        return f"got an HTML page{sent}"
    if head.startswith((b"<svg", b"<?xml")) and b"<svg" in data[:4096].lower():
        return f"SVG drawings are not previewed{sent}"
    if head.startswith(b"%pdf"):
        return f"got a PDF document{sent}"
    if head.startswith((b"{", b"[")):
        return f"got JSON or text{sent}"
    if head[4:12] in (b"ftypavif", b"ftypheic", b"ftypheix", b"ftypmif1"):
        return f"AVIF/HEIC pictures are not supported{sent}"
    return f"unknown data{sent}"


def truncation_problem(fmt: str, data: bytes) -> str | None:
    """Whether a file stops before its end marker.

    Needed because Qt's JPEG reader "succeeds" on a truncated JPEG and paints
    the missing part grey. JPEG: the end-of-image marker must come after the
    last start-of-scan (an EXIF thumbnail carries its own, earlier, EOI).
    PNG: the IEND chunk must be there."""
    if fmt == "jpeg":
        last_sos = data.rfind(b"\xff\xda")
        last_eoi = data.rfind(b"\xff\xd9")
        if last_sos < 0 or last_eoi < last_sos:
            return f"the JPEG data stops early ({format_bytes(len(data))}, no end marker)"
    elif fmt == "png":
        if data.rfind(b"IEND") < 0:
            return f"the PNG data stops early ({format_bytes(len(data))}, no IEND chunk)"
    return None


# --- sizes --------------------------------------------------------------------

def size_mismatch(declared_width: int | None, declared_height: int | None,
                  real: tuple[int, int] | None) -> str | None:
    """A one-line flag when the article's declared size differs from the
    picture's real size; None when they agree or either is unknown."""
    if real is None or declared_width is None or declared_height is None:
        return None
    if (declared_width, declared_height) == tuple(real):
        return None
    return (f"declared {format_dimensions(declared_width, declared_height)}, "
            f"real {format_dimensions(*real)}")


def too_large_message(width: int, height: int, *, max_side: int = MAX_SIDE,
                      allocation_limit_mb: int | None = None) -> str | None:
    """The refusal text for a picture too big to decode, or None if it fits.
    Names the dimensions, unlike Qt's own "Unable to read image data"."""
    dims = format_dimensions(width, height)
    if width > max_side or height > max_side:
        return f"{dims} px is over the {max_side:,} px limit per side; not decoded"
    if allocation_limit_mb:
        needed = width * height * 4  # Qt decodes to 32 bits per pixel
        if needed > allocation_limit_mb * 1024 * 1024:
            return (f"{dims} px needs {format_bytes(needed)} to decode, over the "
                    f"{allocation_limit_mb} MB limit; not decoded")
    return None


def format_dimensions(width: int, height: int) -> str:
    return f"{width:,} × {height:,}"


def format_bytes(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / (1024 * 1024):.1f} MB"
