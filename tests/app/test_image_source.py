"""Resolving image URLs, reading local pictures safely, recognising bytes (no Qt)."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from app.article.image_source import (
    FailureKind,
    read_local_image,
    resolve_image_url,
    size_mismatch,
    sniff_image_format,
    too_large_message,
    truncation_problem,
)


def test_resolve_relative_absolute_and_remote(tmp_path: Path):
    base = tmp_path / "queue" / "2022"
    assert resolve_image_url("images/a.png", base).location == str(base / "images" / "a.png")
    assert resolve_image_url("../x%20y.jpg?v=2#top", base).location == str(tmp_path / "queue" / "x y.jpg")
    assert resolve_image_url("file:///srv/pics/a.png", base).location == "/srv/pics/a.png"
    assert resolve_image_url("file://localhost/srv/a.png", base).location == "/srv/a.png"
    assert resolve_image_url("file:pics/a.png", base).location == str(base / "pics" / "a.png")
    assert resolve_image_url("/abs/a.png", base).location == "/abs/a.png"
    remote = resolve_image_url("https://cdn.example.com/a.jpg", base)
    assert remote.kind == "remote" and remote.location == "https://cdn.example.com/a.jpg"
    assert resolve_image_url("//cdn.example.com/a.jpg", base).location == "https://cdn.example.com/a.jpg"
    for bad in ("", "   ", "data:image/png;base64,xx", "ftp://h/a.png", "file://otherhost/a.png", "https:///a.png"):
        source = resolve_image_url(bad, base)
        assert source.kind == "invalid" and source.failure.kind is FailureKind.UNSUPPORTED, bad


def test_read_local_image_refuses_what_would_hang_or_flood(tmp_path: Path):
    (tmp_path / "ok.bin").write_bytes(b"x" * 10)
    assert read_local_image(str(tmp_path / "ok.bin")) == b"x" * 10
    assert read_local_image(str(tmp_path / "nope.png")).kind is FailureKind.NOT_FOUND
    assert read_local_image(str(tmp_path)).kind is FailureKind.NOT_AN_IMAGE
    (tmp_path / "big.png").write_bytes(b"x" * 2000)
    too_big = read_local_image(str(tmp_path / "big.png"), max_bytes=1000)
    assert too_big.kind is FailureKind.TOO_LARGE and "2 KB" in too_big.detail
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    result: list[object] = []
    reader = threading.Thread(target=lambda: result.append(read_local_image(str(fifo))), daemon=True)
    reader.start()
    reader.join(2)
    assert result and result[0].kind is FailureKind.NOT_AN_IMAGE, "a FIFO must not block the worker"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads everything")
def test_unreadable_file_is_no_access(tmp_path: Path):
    locked = tmp_path / "locked.png"
    locked.write_bytes(b"x")
    locked.chmod(0)
    assert read_local_image(str(locked)).kind is FailureKind.NO_ACCESS


def test_sniff_and_truncation():
    assert sniff_image_format(b"\x89PNG\r\n\x1a\n....") == "png"
    assert sniff_image_format(b"\xff\xd8\xff\xe0") == "jpeg"
    assert sniff_image_format(b"GIF89a") == "gif"
    assert sniff_image_format(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "webp"
    assert sniff_image_format(b"<!doctype html>") is None
    assert sniff_image_format(b"") is None
    jpeg = b"\xff\xd8\xff\xe0" + b"\xff\xda" + b"scan" + b"\xff\xd9"
    assert truncation_problem("jpeg", jpeg) is None
    assert truncation_problem("jpeg", jpeg[:-2]) is not None
    # An EXIF thumbnail's end marker before the main scan does not count.
    with_thumb = b"\xff\xd8\xff\xe1" + b"\xff\xd8\xff\xda t \xff\xd9" + b"\xff\xda" + b"main scan"
    assert truncation_problem("jpeg", with_thumb) is not None


def test_size_messages():
    assert size_mismatch(660, 387, (660, 387)) is None
    assert size_mismatch(None, 387, (1, 1)) is None
    assert size_mismatch(660, 387, None) is None
    assert size_mismatch(660, 387, (1320, 774)) == "declared 660 × 387, real 1,320 × 774"
    assert too_large_message(12_000, 12_000) is None
    assert "12,001 × 10" in too_large_message(12_001, 10)
    assert "MB limit" in too_large_message(10_000, 10_000, allocation_limit_mb=256)
    assert too_large_message(4000, 3000, allocation_limit_mb=256) is None
