"""The parts of the image pipeline on their own: the decoder's refusals, the
byte-bounded LRU, the thumbnail column and the mismatch/badge display."""
from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QSize
from PySide6.QtGui import QHelpEvent, QImage, QPixmap, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QApplication, QTableView, QToolTip

from app.article.image_source import FailureKind
from app.article.model import Image
from tests.ui.images_support import huge_png, picture_bytes
from ui.images import ImageLoader, ImageStrip, ThumbnailDelegate, ThumbnailProvider
from ui.images.cache import ByteLRU, pixmap_cost
from ui.images.decode import decode_image


@pytest.fixture
def loader(tmp_path: Path):
    loader = ImageLoader(tmp_path / "cache", transfer_timeout_ms=400)
    yield loader
    loader.shutdown()


def test_decoder_scales_on_the_worker_side_and_reports_the_real_size(qapp):
    result = decode_image(picture_bytes(1000, 500, "JPEG"), (200, 200))
    assert result.failure is None
    assert (result.image.width(), result.image.height()) == (200, 100)
    assert result.real_size == (1000, 500) and result.format == "jpeg"
    small = decode_image(picture_bytes(50, 40), (200, 200))
    assert (small.image.width(), small.image.height()) == (50, 40)  # never enlarged


def test_decoder_refuses_before_decoding(qapp):
    # Over 12,000 px on a side.
    refused = decode_image(huge_png(20_000, 20_000), (200, 200))
    assert refused.failure.kind is FailureKind.TOO_LARGE and refused.image is None
    assert "20,000 × 20,000" in refused.failure.detail
    # Under 12,000 px a side but over Qt's allocation limit (256 MB at 32 bits a pixel).
    wide = decode_image(huge_png(11_000, 7_000), (200, 200))
    assert wide.failure.kind is FailureKind.TOO_LARGE
    assert "11,000 × 7,000" in wide.failure.detail and "MB limit" in wide.failure.detail
    # A PNG with only a header.
    header_only = huge_png(100, 100)[:40]
    assert decode_image(header_only, None).failure.kind is FailureKind.CORRUPT
    # A damaged body (right magic, garbage after it).
    garbage = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
    assert decode_image(garbage, None).failure.kind is FailureKind.CORRUPT
    assert decode_image(b"", None).failure.kind is FailureKind.NOT_AN_IMAGE
    svg = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'
    assert "SVG" in decode_image(svg, None).failure.detail


def test_truncated_png_is_corrupt(qapp):
    data = picture_bytes(300, 200, "PNG")
    result = decode_image(data[: len(data) // 2], (100, 100))
    assert result.failure.kind is FailureKind.CORRUPT
    assert result.real_size == (300, 200)


def test_lru_is_bounded_by_bytes(qapp):
    lru: ByteLRU[int, QPixmap] = ByteLRU(1_000_000)
    image = QImage(100, 100, QImage.Format.Format_ARGB32)  # 40,000 bytes
    pixmap = QPixmap.fromImage(image)
    for key in range(1000):
        lru.put(key, pixmap, pixmap_cost(pixmap))
        assert lru.total_bytes <= 1_000_000
    assert len(lru) == 25
    assert lru.get(999) is pixmap and lru.get(0) is None
    lru.get(975)  # touching keeps it
    lru.put(1000, pixmap, 40_000)
    assert 975 in lru and 976 not in lru
    lru.put("huge", pixmap, 2_000_000)  # bigger than the budget: not kept
    assert "huge" not in lru


def test_memory_cache_stays_flat_while_paging(qtbot, loader, tmp_path):
    loader.memory.max_bytes = 2_000_000
    strip = ImageStrip(loader, preview_size=QSize(200, 150))
    qtbot.addWidget(strip)
    for i in range(40):
        (tmp_path / f"{i}.png").write_bytes(picture_bytes(400, 300, seed=i))
    for i in range(40):
        with qtbot.waitSignal(strip.settled, timeout=5000):
            strip.set_article(tmp_path, [Image(f"{i}.png", 400, 300)])
        assert loader.memory.total_bytes <= 2_000_000
    assert len(loader.memory) < 40
    # The last article comes straight from memory: shown inside set_article.
    with qtbot.waitSignal(strip.settled, timeout=100):
        strip.set_article(tmp_path, [Image("39.png", 400, 300)])
    assert strip.tiles()[0].state == "ok"


def test_mismatch_flag_and_is_cached_badge(qtbot, loader, tmp_path):
    (tmp_path / "p.png").write_bytes(picture_bytes(640, 480))
    strip = ImageStrip(loader)
    qtbot.addWidget(strip)
    with qtbot.waitSignal(strip.settled, timeout=5000):
        strip.set_article(tmp_path, [Image("p.png", 660, 387, True), Image("p.png", 640, 480, False),
                                     Image("p.png")])
    declared_wrong, declared_right, undeclared = strip.tiles()
    assert declared_wrong.mismatch_text == "declared 660 × 387, real 640 × 480"
    assert declared_wrong.badge_texts() == ["local file", "isCached: yes", "size mismatch"]
    assert declared_wrong.sizes.text() == "declared 660 × 387 · real 640 × 480"
    assert declared_right.mismatch_text == "" and "isCached: no" in declared_right.badge_texts()
    assert undeclared.badge_texts() == ["local file"]
    assert undeclared.sizes.text() == "declared — · real 640 × 480"
    # A shorter article reuses the tiles and hides the rest.
    with qtbot.waitSignal(strip.settled, timeout=5000):
        strip.set_article(tmp_path, [])
    assert strip.tiles() == []


def test_thumbnail_column_loads_only_visible_rows(qtbot, loader, tmp_path):
    rows = 300
    for i in range(rows):
        (tmp_path / f"t{i}.png").write_bytes(picture_bytes(32, 24, seed=i))
    model = QStandardItemModel(rows, 2)
    for i in range(rows):
        model.setItem(i, 1, QStandardItem(f"article {i}"))
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    provider = ThumbnailProvider(loader, QSize(48, 36))

    def source_for_index(index):  # row 1 has a missing picture, row 2 none at all
        return {1: (tmp_path, "missing.png"), 2: None}.get(index.row(), (tmp_path, f"t{index.row()}.png"))

    delegate = ThumbnailDelegate(provider, source_for_index, view)
    view.setItemDelegateForColumn(0, delegate)
    view.verticalHeader().setDefaultSectionSize(delegate.row_height())
    view.resize(300, 10 * delegate.row_height() + 30)
    view.show()
    qtbot.waitExposed(view)
    qtbot.waitUntil(lambda: bool(provider.requested) and provider.pending() == 0, timeout=5000)
    first = set(provider.requested)
    assert 5 <= len(first) <= 15, len(first)  # about ten visible rows, not 300
    shown = [loader.peek(_source(tmp_path, i), provider.box) for i in (0, 3, 4)]
    assert all(p is not None and p.pixmap.width() == 32 for p in shown)
    assert str(tmp_path / "t2.png") not in provider.requested
    # The failed row paints its reason and explains it in a tooltip.
    assert provider.preview(tmp_path, "missing.png").failure.kind is FailureKind.NOT_FOUND
    view.viewport().repaint()
    rect = view.visualRect(model.index(1, 0))
    QApplication.sendEvent(view.viewport(), QHelpEvent(QEvent.Type.ToolTip, rect.center(),
                                                       view.viewport().mapToGlobal(rect.center())))
    assert "Not found" in QToolTip.text()
    QToolTip.hideText()

    view.scrollToBottom()
    qtbot.waitUntil(lambda: str(tmp_path / f"t{rows - 1}.png") in provider.requested and provider.pending() == 0,
                    timeout=5000)
    assert len(set(provider.requested)) <= 30


def _source(folder: Path, i: int):
    from app.article.image_source import resolve_image_url
    return resolve_image_url(f"t{i}.png", folder)


def test_loader_lifecycle_and_one_cache_folder_per_instance(qtbot, tmp_path):
    import shiboken6
    from PySide6.QtWidgets import QWidget

    owner = QWidget()
    first = ImageLoader(tmp_path / "cache", parent=owner)
    engine = first._engine
    second = ImageLoader(tmp_path / "cache")  # same folder while the first holds it
    try:
        assert second.cache_dir != first.cache_dir and second.notices
    finally:
        second.shutdown()
    assert not Path(second.cache_dir).exists()  # its private cache is removed
    shiboken6.delete(owner)  # a window deleted without closing stops the loader's threads
    assert engine.stopped and not engine.thread.isRunning()
    third = ImageLoader(tmp_path / "cache")
    try:
        assert third.cache_dir == tmp_path / "cache" and third.notices == []
    finally:
        third.shutdown()
