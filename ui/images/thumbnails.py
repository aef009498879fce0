"""An optional thumbnail column for the queue table.

    provider = ThumbnailProvider(loader)               # QSize(64, 48) by default
    delegate = ThumbnailDelegate(provider, source_for_index, table)
    table.setItemDelegateForColumn(THUMB_COLUMN, delegate)
    table.verticalHeader().setDefaultSectionSize(delegate.row_height())

`source_for_index(index) -> (article_dir, image_url) | None` is the window's
function (it knows the model and the queue folder); return None for rows
without a picture.

Loading happens in `paint`, and Qt paints only visible rows, so only visible
rows load. Requests are kept in recency order and capped (`max_pending`): when
the editor scrolls past rows faster than they load, the oldest requests are
cancelled. Failures are remembered (bounded) so a broken picture is not asked
for again on every repaint; turning "Load remote images" back on forgets them.

Threading: GUI thread only.
"""
from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Callable
from functools import partial
from pathlib import Path

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QHelpEvent, QIcon, QPainter
from PySide6.QtWidgets import QAbstractItemView, QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QToolTip

from app.article.image_source import format_dimensions, resolve_image_url
from ui.i18n import tr
from ui.images import words
from ui.images.loader import ImageLoader, Preview

SourceForIndex = Callable[[QModelIndex | QPersistentModelIndex], "tuple[str | os.PathLike[str], str] | None"]

_MAX_FAILED = 4096


class ThumbnailProvider(QObject):
    thumbnailsChanged = Signal()  # coalesced: something new to paint

    def __init__(self, loader: ImageLoader, size: QSize = QSize(64, 48), *, max_pending: int = 48,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._loader = loader
        self.box = (size.width(), size.height())
        self.max_pending = max_pending
        self._pending: OrderedDict[tuple[str, str], int] = OrderedDict()  # key -> ticket, oldest first
        self._failed: OrderedDict[tuple[str, str], Preview] = OrderedDict()
        self.requested: list[str] = []  # locations asked of the loader, in order (tests, bench)
        self._notify = QTimer(self)
        self._notify.setSingleShot(True)
        self._notify.setInterval(30)  # one repaint for a burst of arrivals
        self._notify.timeout.connect(self.thumbnailsChanged)
        loader.loadRemoteChanged.connect(self._forget_failures)

    def preview(self, article_dir: str | os.PathLike[str], url: str) -> Preview | None:
        """The thumbnail (or its failure) if known; otherwise start loading it
        and return None (a `thumbnailsChanged` follows)."""
        source = resolve_image_url(url, Path(article_dir))
        key = (source.kind, source.location)
        hit = self._loader.peek(source, self.box)
        if hit is not None:
            return hit
        failed = self._failed.get(key)
        if failed is not None:
            return failed
        if key in self._pending:
            self._pending.move_to_end(key)  # still wanted: keep it away from the cut
            return None
        self.requested.append(source.location)
        self._pending[key] = self._loader.request(source, self.box, partial(self._arrived, key))
        while len(self._pending) > self.max_pending:
            _, ticket = self._pending.popitem(last=False)  # scrolled out of view long ago
            self._loader.cancel(ticket)
        return None

    def pending(self) -> int:
        return len(self._pending)

    def _arrived(self, key: tuple[str, str], preview: Preview) -> None:
        self._pending.pop(key, None)
        if preview.pixmap is None:
            self._failed[key] = preview
            while len(self._failed) > _MAX_FAILED:
                self._failed.popitem(last=False)
        if not self._notify.isActive():
            self._notify.start()

    def _forget_failures(self, _on: bool) -> None:
        self._failed.clear()
        self.thumbnailsChanged.emit()


class ThumbnailDelegate(QStyledItemDelegate):
    def __init__(self, provider: ThumbnailProvider, source_for_index: SourceForIndex,
                 view: QAbstractItemView) -> None:
        super().__init__(view)
        self._provider = provider
        self._source_for_index = source_for_index
        provider.thumbnailsChanged.connect(view.viewport().update)

    def row_height(self) -> int:
        return self._provider.box[1] + 4

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        return QSize(self._provider.box[0] + 4, self._provider.box[1] + 4)

    def _preview(self, index: QModelIndex | QPersistentModelIndex) -> tuple[bool, Preview | None]:
        source = self._source_for_index(index)
        if not source or not source[1]:
            return False, None
        return True, self._provider.preview(source[0], source[1])

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        opt.icon = QIcon()
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        has_image, preview = self._preview(index)
        if not has_image:
            return
        area = QRect(opt.rect.adjusted(2, 2, -2, -2))
        painter.save()
        if preview is None:  # loading
            shade = opt.palette.color(opt.palette.ColorRole.Mid)
            shade.setAlphaF(0.35)  # a faint box in the palette's mid tone while the picture loads
            painter.fillRect(area, shade)
        elif preview.pixmap is not None:
            size = preview.pixmap.size()
            size.scale(area.size().boundedTo(size), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(0, 0, size.width(), size.height())
            target.moveCenter(area.center())
            painter.drawPixmap(target, preview.pixmap)
        else:
            painter.setPen(opt.palette.color(opt.palette.ColorRole.PlaceholderText))
            painter.drawRect(area.adjusted(0, 0, -1, -1))
            font = painter.font()
            font.setPointSizeF(max(6.0, font.pointSizeF() * 0.8))
            painter.setFont(font)
            kind = words.short(preview.failure) if preview.failure else tr("no picture")
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, kind)
        painter.restore()

    def helpEvent(self, event: QHelpEvent, view: QAbstractItemView, option: QStyleOptionViewItem,
                  index: QModelIndex | QPersistentModelIndex) -> bool:
        has_image, preview = self._preview(index)
        if not has_image:
            return super().helpEvent(event, view, option, index)
        if preview is None:
            text = tr("Loading…")
        elif preview.failure is not None:
            text = words.describe(preview.failure)
        else:
            real = format_dimensions(*preview.real_size) if preview.real_size else "?"
            text = f"{real} px · {preview.origin or 'local'}"
        QToolTip.showText(event.globalPos(), text, view)
        return True
