"""Image previews end to end: a real HTTP server on 127.0.0.1, real files, the
real ImageStrip (offscreen). Every bad picture ends in its placeholder, every
good one in a preview, and nothing crashes or waits."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from PySide6.QtCore import QSize, Qt

from app.article.image_source import FailureKind
from app.article.model import Image
from tests.ui.images_support import ImageServer, Route, huge_png, picture_bytes
from ui.images import ImageLoader, ImageStrip

TIMEOUT_MS = 400  # the loader's transfer timeout in these tests
SLOW_S = 2.0  # the slow route answers after this long


@pytest.fixture(scope="module")
def pictures() -> dict[str, bytes]:
    jpeg = picture_bytes(800, 500, "JPEG", seed=2)
    return {
        "png": picture_bytes(640, 480, "PNG", seed=1),
        "jpeg": jpeg,
        "truncated": jpeg[: len(jpeg) * 6 // 10],
        "huge": huge_png(20_000, 20_000),
        "small": picture_bytes(120, 90, "PNG", seed=3),
    }


@pytest.fixture(scope="module")
def server(pictures: dict[str, bytes]) -> ImageServer:
    srv = ImageServer({
        "/good.png": Route(pictures["png"]),
        "/good.jpg": Route(pictures["jpeg"], "image/jpeg"),
        "/page.png": Route(b"<!DOCTYPE html><html><head><title>Login</title></head></html>", "image/png"),
        "/truncated.jpg": Route(pictures["truncated"], "image/jpeg"),
        "/huge.png": Route(pictures["huge"]),
        "/slow.png": Route(pictures["small"], delay=SLOW_S),
        "/html": Route(b"<html>hello</html>", "text/html; charset=utf-8"),
    })
    yield srv
    srv.stop()


@pytest.fixture
def make_loader(tmp_path: Path):
    loaders: list[ImageLoader] = []

    def make(cache: Path | None = None, **options: object) -> ImageLoader:
        options.setdefault("transfer_timeout_ms", TIMEOUT_MS)
        loader = ImageLoader(cache or tmp_path / "cache", **options)
        loaders.append(loader)
        return loader

    yield make
    for loader in loaders:
        loader.shutdown()


def show_strip(qtbot, loader: ImageLoader) -> ImageStrip:
    strip = ImageStrip(loader, preview_size=QSize(320, 240))
    qtbot.addWidget(strip)
    strip.resize(400, 900)
    strip.show()
    return strip


def settle(qtbot, strip: ImageStrip, article_dir: Path, images: list[Image], timeout: int = 8000) -> None:
    with qtbot.waitSignal(strip.settled, timeout=timeout):
        strip.set_article(article_dir, images)


def test_every_kind_of_picture_ends_in_its_preview_or_placeholder(qtbot, server, make_loader, tmp_path):
    strip = show_strip(qtbot, make_loader())
    images = [
        Image(server.url("/good.png"), 640, 480, True),
        Image(server.url("/good.jpg"), 800, 500, False),
        Image(server.url("/missing.png"), 100, 100),
        Image(server.url("/slow.png"), 120, 90),
        Image(server.url("/page.png"), 10, 10),
        Image(server.url("/truncated.jpg"), 800, 500),
        Image(server.url("/huge.png"), 660, 387),
    ]
    started = time.monotonic()
    settle(qtbot, strip, tmp_path, images)
    elapsed = time.monotonic() - started
    assert elapsed < SLOW_S, "the slow server must time out, not be waited for"

    png, jpeg, missing, slow, page, truncated, huge = strip.tiles()
    for tile, size in ((png, (640, 480)), (jpeg, (800, 500))):
        assert tile.state == "ok", tile.placeholder_text()
        assert tile.preview.real_size == size
        assert tile.preview.origin == "live"
        pixmap = tile.preview.pixmap
        assert pixmap.width() <= 320 and pixmap.height() <= 240  # a thumbnail, scaled on the worker
        assert "live" in tile.badge_texts()
        assert tile.mismatch_text == ""

    expected = {
        missing: (FailureKind.NOT_FOUND, "404"),
        slow: (FailureKind.TIMED_OUT, "0.4 s"),
        page: (FailureKind.NOT_AN_IMAGE, "HTML"),
        truncated: (FailureKind.CORRUPT, "stops early"),
        huge: (FailureKind.TOO_LARGE, "20,000 × 20,000"),
    }
    for tile, (kind, words) in expected.items():
        assert tile.state == "failed"
        assert tile.preview.failure.kind is kind, tile.placeholder_text()
        assert words in tile.placeholder_text()
        assert tile.picture.has_pixmap() is False
    # The refused picture's real size is known from its header, and flagged.
    assert huge.preview.real_size == (20_000, 20_000)
    assert "20,000 × 20,000" in huge.mismatch_text and "660 × 387" in huge.mismatch_text
    assert "size mismatch" in huge.badge_texts()
    assert png.badge_texts() == ["live", "isCached: yes"]
    assert jpeg.badge_texts() == ["live", "isCached: no"]


def test_local_relative_path_and_file_url(qtbot, make_loader, tmp_path, pictures):
    article_dir = tmp_path / "queue" / "2022"
    (article_dir / "images").mkdir(parents=True)
    (article_dir / "images" / "a b.png").write_bytes(pictures["png"])
    (tmp_path / "queue" / "shared.jpg").write_bytes(pictures["jpeg"])
    (article_dir / "folder.png").mkdir()
    strip = show_strip(qtbot, make_loader())
    images = [
        Image("images/a%20b.png", 640, 480),
        Image("../shared.jpg", 800, 500),
        Image((article_dir / "images" / "a b.png").as_uri(), 640, 480),
        Image("file:images/a%20b.png", 640, 480),
        Image("images/nope.png", 1, 1),
        Image("folder.png", 1, 1),
        Image("ftp://example.com/a.png"),
    ]
    settle(qtbot, strip, article_dir, images)
    tiles = strip.tiles()
    for tile in tiles[:4]:
        assert tile.state == "ok", tile.placeholder_text()
        assert tile.badge_texts()[0] == "local file"
    assert tiles[1].preview.real_size == (800, 500)
    assert tiles[4].preview.failure.kind is FailureKind.NOT_FOUND
    assert tiles[5].preview.failure.kind is FailureKind.NOT_AN_IMAGE
    assert tiles[6].preview.failure.kind is FailureKind.UNSUPPORTED


def test_cached_pictures_still_show_after_the_server_stops(qtbot, make_loader, tmp_path, pictures):
    server = ImageServer({"/a.png": Route(pictures["png"]), "/b.jpg": Route(pictures["jpeg"], "image/jpeg")})
    images = [Image(server.url("/a.png"), 640, 480, True), Image(server.url("/b.jpg"), 800, 500, True)]
    cache = tmp_path / "shared-cache"
    try:
        first = make_loader(cache)
        strip = show_strip(qtbot, first)
        settle(qtbot, strip, tmp_path, images)
        assert [t.preview.origin for t in strip.tiles()] == ["live", "live"]
        first.shutdown()
    finally:
        server.stop()

    # "Reopen": a fresh loader (empty memory cache) on the same cache folder, offline.
    second = make_loader(cache)
    strip = show_strip(qtbot, second)
    settle(qtbot, strip, tmp_path, images)
    for tile in strip.tiles():
        assert tile.state == "ok", tile.placeholder_text()
        assert tile.preview.origin == "cached"
        assert "cached" in tile.badge_texts()
        assert "offline copy" in tile.preview.note  # the server was tried, then the cache stood in

    # With remote loading off the cache is still read (no network), and still marked.
    second.load_remote = False
    settle(qtbot, strip, tmp_path, images[::-1])
    assert [t.preview.origin for t in strip.tiles()] == ["cached", "cached"]


def test_remote_off_touches_no_network_and_says_so(qtbot, make_loader, tmp_path, server):
    loader = make_loader(load_remote=False)
    strip = show_strip(qtbot, loader)
    url = server.url("/good.png?remote-off")
    before = len(server.hits)
    settle(qtbot, strip, tmp_path, [Image(url, 640, 480)])
    (tile,) = strip.tiles()
    assert tile.preview.failure.kind is FailureKind.REMOTE_OFF
    assert "Remote loading off" in tile.placeholder_text()
    qtbot.wait(100)
    assert len(server.hits) == before, "no request may reach the server while remote loading is off"

    # Turning the setting on reloads the current article's remote pictures.
    with qtbot.waitSignal(strip.settled, timeout=5000):
        loader.load_remote = True
    assert strip.tiles()[0].state == "ok"
    assert len(server.hits) == before + 1


def test_paging_quickly_never_waits_and_drops_stale_results(qtbot, make_loader, tmp_path, server, pictures):
    (tmp_path / "b.png").write_bytes(pictures["small"])
    loader = make_loader(transfer_timeout_ms=10_000)  # the slow server is not timed out here
    strip = show_strip(qtbot, loader)
    slow_article = [Image(server.url("/slow.png?paging"), 120, 90)]
    started = time.monotonic()
    strip.set_article(tmp_path, slow_article)
    assert time.monotonic() - started < 0.05
    assert strip.tiles()[0].state == "loading"
    assert loader.pending() == 1

    # J: the next article shows at once, long before the slow picture could arrive.
    started = time.monotonic()
    settle(qtbot, strip, tmp_path, [Image("b.png", 120, 90)], timeout=1000)
    assert time.monotonic() - started < 1.0
    assert loader.pending() == 0
    qtbot.waitUntil(lambda: loader.active_downloads() == 0, timeout=500)  # aborted, not left to finish
    qtbot.wait(int(SLOW_S * 1000) + 300)  # past the moment the slow server answers
    (tile,) = strip.tiles()
    assert tile.state == "ok" and tile.source.location == str(tmp_path / "b.png")

    # Fast J/K over many articles: each call returns at once; only the last one settles.
    for _ in range(20):
        started = time.monotonic()
        strip.set_article(tmp_path, slow_article)
        strip.set_article(tmp_path, [Image("b.png")])
        assert time.monotonic() - started < 0.05
    with qtbot.waitSignal(strip.settled, timeout=1000) as blocker:
        strip.set_article(tmp_path, [Image("b.png")])
    assert blocker.args == [strip.generation]
    # The aborted slow requests hold no connection: the same host still answers at once.
    started = time.monotonic()
    settle(qtbot, strip, tmp_path, [Image(server.url("/good.png?after-paging"))], timeout=1000)
    assert strip.tiles()[0].state == "ok" and time.monotonic() - started < 1.0


def test_byte_cap_and_non_image_content_type(qtbot, make_loader, tmp_path, server, pictures):
    loader = make_loader(max_bytes=50_000)
    strip = show_strip(qtbot, loader)
    assert len(pictures["png"]) > 50_000 or len(pictures["jpeg"]) > 50_000
    big = "/good.png" if len(pictures["png"]) > 50_000 else "/good.jpg"
    settle(qtbot, strip, tmp_path, [Image(server.url(big)), Image(server.url("/html"))])
    capped, html = strip.tiles()
    assert capped.preview.failure.kind is FailureKind.TOO_LARGE
    assert "limit" in capped.placeholder_text()
    assert html.preview.failure.kind is FailureKind.NOT_AN_IMAGE
    assert "text/html" in html.placeholder_text()


def test_clicking_a_preview_opens_it_full_size(qtbot, make_loader, tmp_path, pictures):
    (tmp_path / "big.jpg").write_bytes(pictures["jpeg"])
    strip = show_strip(qtbot, make_loader())
    settle(qtbot, strip, tmp_path, [Image("big.jpg", 800, 500)])
    (tile,) = strip.tiles()
    assert tile.preview.pixmap.width() == 320  # fitted into the 320x240 preview box
    qtbot.mouseClick(tile.picture, Qt.MouseButton.LeftButton)
    viewer = strip.viewer()
    assert viewer is not None
    qtbot.addWidget(viewer)
    qtbot.waitUntil(lambda: viewer.preview is not None, timeout=5000)
    assert viewer.isVisible()
    assert (viewer.preview.pixmap.width(), viewer.preview.pixmap.height()) == (800, 500)
    assert "800 × 500" in viewer.info.text()
    viewer.close()
    assert viewer.preview is None  # the full-size pixmap is released
