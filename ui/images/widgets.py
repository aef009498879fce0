"""Image widgets for the detail pane.

API for the window (GUI thread only):

    from ui.images import ImageLoader, ImageStrip

    loader = ImageLoader()                       # once per window; shut down on exit
    loader.load_remote = settings.load_remote_images   # "Load remote images" (default on)
    strip = ImageStrip(loader)                   # put it in the detail pane
    strip.set_article(article_dir, article.images)   # on every selection; returns at once
    strip.clear()                                # no selection / an error row

    strip.settled            Signal(int): every picture of the current article
                             has its final preview or placeholder (for tests/bench)

`set_article` never waits: pictures already in memory show at once, the rest
show "Loading…" and fill in as they arrive. Moving to another article drops
the previous one's pending work (a generation counter guards late results),
so J/K paging never queues behind a slow server or a huge file.

Each picture shows: the preview (fitted, never enlarged), its declared size
(from the article) and real size, a "size mismatch" flag when they differ, an
`isCached` badge, and where the preview came from ("cached", "live", "local
file"). A placeholder names the reason when there is no picture. Clicking a
preview, or Enter on a focused one, opens it full size in an `ImageViewer`.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QFont, QGuiApplication, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPalette, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.article.image_source import ImageSource, format_bytes, format_dimensions, resolve_image_url, size_mismatch
from app.article.model import Image
from ui import palette
from ui.i18n import QT_TR_NOOP, tr
from ui.images import words
from ui.images.loader import ImageLoader, Preview

DEFAULT_PREVIEW_SIZE = QSize(480, 360)
ORIGINS = {"cached": QT_TR_NOOP("cached"), "live": QT_TR_NOOP("live"), "local": QT_TR_NOOP("local file")}

def _badge_style(kind: str) -> str:
    """A picture's badge (origin, size mismatch), in the palette's tones (`ui.palette`)."""
    return palette.tones().badge(kind).style("QLabel", "border-radius: 3px; padding: 1px 6px; font-size: 90%;")


class PreviewArea(QWidget):
    """Paints a pixmap fitted to its width (never enlarged), or a placeholder
    box with a headline and a reason."""

    activated = Signal()

    def __init__(self, box: QSize, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._box = box
        self._pixmap: QPixmap | None = None
        self._title = ""
        self._detail = ""
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.setMinimumSize(120, 80)
        # Tab reaches it (screen readers, keyboard); a click does not steal focus
        # from the queue, so J/K keep working after clicking a picture.
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)

    def set_pixmap(self, pixmap: QPixmap) -> None:
        self._pixmap, self._title, self._detail = pixmap, "", ""
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.updateGeometry()
        self.update()

    def set_placeholder(self, title: str, detail: str = "") -> None:
        self._pixmap, self._title, self._detail = None, title, detail
        self.unsetCursor()
        self.updateGeometry()
        self.update()

    def has_pixmap(self) -> bool:
        return self._pixmap is not None

    def sizeHint(self) -> QSize:
        if self._pixmap is not None:
            return self._pixmap.size().boundedTo(self._box).expandedTo(self.minimumSize())
        return QSize(self._box.width(), 120)

    def heightForWidth(self, width: int) -> int:
        if self._pixmap is None or self._pixmap.width() == 0:
            return 120
        shown = min(width, self._pixmap.width())
        return max(self.minimumHeight(), round(self._pixmap.height() * shown / self._pixmap.width()))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        rect = self.rect()
        if self._pixmap is not None:
            size = self._pixmap.size()
            if size.width() > rect.width() or size.height() > rect.height():
                size.scale(rect.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(0, 0, size.width(), size.height())
            target.moveCenter(rect.center())
            target.moveLeft(0)
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawPixmap(target, self._pixmap)
        else:
            colors = self.palette()
            painter.fillRect(rect, colors.color(QPalette.ColorRole.AlternateBase))
            painter.setPen(colors.color(QPalette.ColorRole.Mid))
            painter.drawRect(rect.adjusted(0, 0, -1, -1))
            painter.setPen(colors.color(QPalette.ColorRole.Text))
            inner = rect.adjusted(10, 10, -10, -10)
            bold = QFont(self.font())
            bold.setBold(True)
            painter.setFont(bold)
            title_rect = QRect(inner.left(), inner.top(), inner.width(), inner.height() // 2)
            painter.drawText(title_rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom, self._title)
            painter.setFont(self.font())
            detail_rect = QRect(inner.left(), inner.top() + inner.height() // 2 + 4, inner.width(), inner.height() // 2)
            painter.drawText(detail_rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
                             | Qt.TextFlag.TextWordWrap, self._detail)
        if self.hasFocus():
            painter.setPen(self.palette().color(QPalette.ColorRole.Highlight))
            painter.drawRect(rect.adjusted(0, 0, -1, -1))
        painter.end()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(event.position().toPoint()):
            self.activated.emit()
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.activated.emit()
            return
        super().keyPressEvent(event)


def _badge(style: str) -> QLabel:
    label = QLabel()
    label.setStyleSheet(_badge_style(style))
    label.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
    label.hide()
    return label


class ImageTile(QFrame):
    """One picture of the article: preview or placeholder, sizes, badges."""

    activated = Signal()

    def __init__(self, box: QSize, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image: Image | None = None
        self.source: ImageSource | None = None
        self.preview: Preview | None = None
        self.state = "empty"  # "loading", "ok" or "failed"
        self.mismatch_text = ""
        self.picture = PreviewArea(box, self)
        self.picture.activated.connect(self.activated)
        self.caption = QLabel()
        self.caption.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.caption.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.sizes = QLabel()
        self.sizes.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.mismatch = _badge("mismatch")
        self.is_cached = _badge("iscached")
        self.origin = _badge("cached")
        badges = QHBoxLayout()
        badges.setContentsMargins(0, 0, 0, 0)
        badges.setSpacing(4)
        for badge in (self.origin, self.is_cached, self.mismatch):
            badges.addWidget(badge)
        badges.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 8)
        layout.setSpacing(3)
        layout.addWidget(self.picture)
        layout.addWidget(self.caption)
        layout.addWidget(self.sizes)
        layout.addLayout(badges)

    def show_image(self, number: int, count: int, image: Image, source: ImageSource) -> None:
        """Reset for a new picture (loading state)."""
        self.image, self.source, self.preview = image, source, None
        name = _short_name(source)
        self.caption.setText(f"{number}/{count}  {name}")
        self.caption.setToolTip(image.url)
        self.picture.setAccessibleName(tr("Image {number} of {count}: {name}").format(number=number, count=count,
                                                                                     name=name))
        if image.is_cached is None:
            self.is_cached.hide()
        else:
            self.is_cached.setText(f"isCached: {tr('yes') if image.is_cached else tr('no')}")
            self.is_cached.setToolTip(tr("The article's own isCached field"))
            self.is_cached.show()
        self.origin.hide()
        self.state = "loading"
        self.picture.set_placeholder(tr("Loading…"), name)
        self._show_sizes(None)

    def set_preview(self, preview: Preview) -> None:
        self.preview = preview
        if preview.pixmap is not None:
            self.state = "ok"
            self.picture.set_pixmap(preview.pixmap)
            self.picture.setAccessibleDescription(tr("{format} preview").format(format=preview.format.upper()))
        else:
            self.state = "failed"
            failure = preview.failure
            title, detail = (words.headline(failure), failure.detail) if failure else (tr("No picture"), "")
            self.picture.set_placeholder(title, detail)
            self.picture.setAccessibleDescription(f"{title}: {detail}")
        self._show_origin(preview)
        self._show_sizes(preview.real_size)

    def placeholder_text(self) -> str:
        """The headline and reason shown instead of a picture ("" when a picture shows)."""
        if self.preview is None:
            return tr("Loading…") if self.state == "loading" else ""
        if self.preview.failure is None:
            return ""
        return words.describe(self.preview.failure)

    def badge_texts(self) -> list[str]:
        return [b.text() for b in (self.origin, self.is_cached, self.mismatch) if not b.isHidden()]

    def _show_origin(self, preview: Preview) -> None:
        label = tr(ORIGINS.get(preview.origin, "")) if preview.origin in ORIGINS else ""
        if not label or preview.pixmap is None:
            self.origin.hide()
            return
        style = "local" if preview.origin == "local" else preview.origin
        self.origin.setStyleSheet(_badge_style(style))
        self.origin.setText(label)
        tips = {"cached": tr("Shown from the offline image cache"),
                "live": tr("Fetched from the server just now"),
                "local": tr("Read from a file next to the article")}
        tip = tips[preview.origin]
        if preview.note:
            tip += f" — {preview.note}"
        if preview.byte_size:
            tip += f" ({format_bytes(preview.byte_size)})"
        self.origin.setToolTip(tip)
        self.origin.show()

    def _show_sizes(self, real: tuple[int, int] | None) -> None:
        image = self.image
        declared = (format_dimensions(image.width, image.height)
                    if image is not None and image.width is not None and image.height is not None else "—")
        shown_real = format_dimensions(*real) if real else ("…" if self.state == "loading" else "—")
        self.sizes.setText(tr("declared {declared} · real {real}").format(declared=declared, real=shown_real))
        self.mismatch_text = (size_mismatch(image.width, image.height, real) or "") if image is not None else ""
        self.mismatch.setVisible(bool(self.mismatch_text))
        self.mismatch.setText(tr("size mismatch"))
        self.mismatch.setToolTip(self.mismatch_text)


def _short_name(source: ImageSource) -> str:
    if source.kind == "local":
        return os.path.basename(source.location) or source.location
    tail = source.url.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0]
    return tail or source.url


class ImageStrip(QWidget):
    """Every picture of one article, stacked vertically (see the module doc)."""

    settled = Signal(int)

    def __init__(self, loader: ImageLoader, parent: QWidget | None = None, *,
                 preview_size: QSize = DEFAULT_PREVIEW_SIZE) -> None:
        super().__init__(parent)
        self._loader = loader
        self._box = (preview_size.width(), preview_size.height())
        self._preview_size = QSize(preview_size)
        self._generation = 0
        self._tickets: list[int] = []
        self._pending = 0
        self._article_dir = Path()
        self._images: tuple[Image, ...] = ()
        self._tiles: list[ImageTile] = []
        self._viewer: ImageViewer | None = None
        self._empty = QLabel(tr("No images"))
        self._empty.setEnabled(False)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(6)
        self._layout.addWidget(self._empty)
        self._layout.addStretch(1)
        loader.loadRemoteChanged.connect(self._reload)
        # Cancel pending work if the strip goes away; the closure holds no `self`.
        tickets = self._tickets
        self.destroyed.connect(lambda *_: [loader.cancel(t) for t in tickets])

    @property
    def generation(self) -> int:
        return self._generation

    def tiles(self) -> list[ImageTile]:
        """The tiles showing the current article's pictures, in order."""
        return self._tiles[:len(self._images)]

    def set_article(self, article_dir: str | os.PathLike[str], images: Sequence[Image]) -> None:
        """Show `images` of the article in `article_dir`. Returns at once."""
        self._generation += 1
        generation = self._generation
        for ticket in self._tickets:
            self._loader.cancel(ticket)
        self._tickets.clear()
        self._article_dir = Path(article_dir)
        self._images = tuple(images)
        count = len(self._images)
        while len(self._tiles) < count:
            tile = ImageTile(self._preview_size, self)
            tile.activated.connect(partial(self._open_viewer, tile))
            self._layout.insertWidget(len(self._tiles), tile)
            self._tiles.append(tile)
        self._pending = 0
        for number, (tile, image) in enumerate(zip(self._tiles, self._images), start=1):
            source = resolve_image_url(image.url, self._article_dir)
            tile.show_image(number, count, image, source)
            tile.show()
            hit = self._loader.peek(source, self._box)
            if hit is not None:
                tile.set_preview(hit)
                continue
            self._pending += 1
            self._tickets.append(self._loader.request(source, self._box, partial(self._on_preview, generation, tile)))
        for tile in self._tiles[count:]:
            tile.hide()
            tile.preview = tile.image = tile.source = None
            tile.picture.set_placeholder("")
        self._empty.setVisible(count == 0)
        if self._pending == 0:
            self.settled.emit(generation)

    def clear(self) -> None:
        self.set_article(Path(), ())

    def _on_preview(self, generation: int, tile: ImageTile, preview: Preview) -> None:
        if generation != self._generation:
            return  # a late answer for an article the editor has left
        tile.set_preview(preview)
        self._pending -= 1
        if self._pending == 0:
            self.settled.emit(generation)

    def _reload(self, _on: bool) -> None:
        if any(t.source is not None and t.source.kind == "remote" for t in self.tiles()):
            self.set_article(self._article_dir, self._images)

    def _open_viewer(self, tile: ImageTile) -> None:
        if tile.source is None or tile.image is None:
            return
        if self._viewer is None:
            self._viewer = ImageViewer(self._loader, self.window())
        self._viewer.show_source(tile.source, tile.image)
        self._viewer.show()
        self._viewer.raise_()
        self._viewer.activateWindow()

    def viewer(self) -> ImageViewer | None:
        return self._viewer


class ImageViewer(QDialog):
    """One picture at full size (scrollable). Loads through the same loader;
    the full-size decode is not kept in the memory cache."""

    loaded = Signal()

    def __init__(self, loader: ImageLoader, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._loader = loader
        self._ticket: int | None = None
        self.preview: Preview | None = None
        self.setModal(False)
        self.picture = QLabel()
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.scroll = QScrollArea()
        self.scroll.setWidget(self.picture)
        self.scroll.setWidgetResizable(True)
        self.scroll.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.info = QLabel()
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.info.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.scroll, 1)
        layout.addWidget(self.info)
        layout.addWidget(buttons)

    def show_source(self, source: ImageSource, image: Image) -> None:
        if self._ticket is not None:
            self._loader.cancel(self._ticket)
        self.preview = None
        self.setWindowTitle(tr("Image — {name}").format(name=_short_name(source)))
        self.picture.setPixmap(QPixmap())
        self.picture.setText(tr("Loading…"))
        self.info.setText(image.url)
        self._ticket = self._loader.request(source, None, self._on_preview)

    def _on_preview(self, preview: Preview) -> None:
        self._ticket = None
        self.preview = preview
        url = preview.source.url
        if preview.pixmap is None:
            failure = preview.failure
            self.picture.setText(words.describe(failure) if failure else tr("No picture"))
            self.info.setText(url)
        else:
            self.picture.setPixmap(preview.pixmap)
            real = format_dimensions(*preview.real_size) if preview.real_size else "?"
            parts = [f"{real} px", preview.format.upper(), format_bytes(preview.byte_size) if preview.byte_size else "",
                     tr(ORIGINS[preview.origin]) if preview.origin in ORIGINS else "", url]
            self.info.setText(" · ".join(p for p in parts if p))
            self._fit_to_screen(preview.pixmap.size())
        self.loaded.emit()

    def _fit_to_screen(self, size: QSize) -> None:
        screen = self.screen() or QGuiApplication.primaryScreen()
        room = screen.availableGeometry().size() * 0.9 if screen is not None else QSize(1200, 900)
        wanted = QSize(size.width() + 40, size.height() + 100).boundedTo(room).expandedTo(QSize(320, 240))
        self.resize(wanted)

    def done(self, result: int) -> None:
        # Closing frees the full-size pixmap and stops a pending load.
        if self._ticket is not None:
            self._loader.cancel(self._ticket)
            self._ticket = None
        self.picture.setPixmap(QPixmap())
        self.preview = None
        super().done(result)
