"""The queue's cells, painted as Qt's own delegate paints them, with each
text shaped once instead of at every paint.

QStyledItemDelegate lays a cell's text out twice per paint (once to elide
it, once to draw it); at 100,000 rows that shaping was about two thirds of a
paint of the table, and a paint was the longest GUI gap of every open, sort
and filter (bench/bench_window.py). Here a cell's elided text is kept as a
QStaticText, laid out once for as long as the same text is shown at the same
width in the same font, and drawing a prepared one costs a fraction of
shaping it. A repaint of a full screen of rows at 100,000 articles took
10-17 ms against Qt's 22-38 ms in the same run, and 17-21 ms against 26-33
ms when every row was new (scrolled away): the few texts of a screen that
are not kept yet are shaped twice, as Qt's own would, and the rest are not.

The rest follows Qt's own item (QCommonStyle's CE_ItemViewItem): the style
draws a selected cell's panel, the icon and the text sit where the style
puts them (its rectangles are asked once per cell size), the text is elided
at the right and centred vertically, in the foreground brush and font the
model gives, or the palette's highlighted text when selected. Cells drawn
differently are left to Qt's own code: the current cell (the style's focus
frame), a cell under the mouse (some styles show hover), a disabled view,
right-to-left layouts, a text taller than its row (a larger font since the
rows were sized), a text with a line break or right-to-left script (Qt
breaks and orders those its own way), every cell under a style that draws
items its own way (only Fusion and Windows are known to draw them as
QCommonStyle does), and a model that does not offer `paint_roles`. The tests
compare the two pixel for pixel (tests/ui/test_queue_cells_painted.py).

GUI thread only.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QFontMetricsF, QIcon, QPainter, QPalette, QStaticText
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

KEPT_TEXTS = 4096  # shaped texts kept: a screen shows a few hundred cells
KEPT_ICONS = 256
KEPT_PLACES = 512
# Bidirectional classes that make Qt lay a text out right to left, and line breaks.
_RIGHT_TO_LEFT = frozenset(("R", "AL", "RLE", "RLO", "RLI", "FSI"))
_BREAKS = frozenset("\n\u2028\u2029")
# A text Qt's own code paints: taller than any row, so `paint` hands the cell over.
_QT_TEXT = (None, 0.0, 1 << 30)
# The styles whose items are QCommonStyle's (the one this follows); others paint their own.
OWN_PAINT_STYLES = frozenset(("fusion", "windows"))
# State flags as ints: PySide's flags are Python enums, and each `&` of two made a
# new one (a third of the delegate's own time, a few hundred cells per paint).
_SELECTED = QStyle.StateFlag.State_Selected.value
_ACTIVE = QStyle.StateFlag.State_Active.value
# Painted by Qt's own code (see the module's note), and the state that must be set.
_QT_PAINTS = (QStyle.StateFlag.State_HasFocus | QStyle.StateFlag.State_MouseOver).value
_ENABLED = QStyle.StateFlag.State_Enabled.value
_RIGHT = Qt.AlignmentFlag.AlignRight.value  # (the models give alignments as ints)
_NO_ICON = (-1, -1)
_PANEL = QStyle.PrimitiveElement.PE_PanelItemViewItem
_ICON_CENTRED = Qt.AlignmentFlag.AlignCenter
_ICON_NORMAL, _ICON_SELECTED, _ICON_OFF = QIcon.Mode.Normal, QIcon.Mode.Selected, QIcon.State.Off


class QueueCellDelegate(QStyledItemDelegate):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # The model's `paint_roles(row, column)`, set by the view with its model
        # (`use_model`); None: Qt's own code paints every cell.
        self.roles: Callable[[int, int], tuple[Any, ...]] | None = None
        # (text, width, italic) -> (the text elided to the width and laid out, its width, its height)
        self._texts: dict[tuple[str, int, bool], tuple[QStaticText | None, float, int]] = {}
        # (cell width, height, icon width, icon height) -> (icon x, y, w, h), (text x, y, w, h), relative to the cell
        self._places: dict[tuple[int, int, int, int], tuple[tuple[int, int, int, int], tuple[int, int, int, int]]] = {}
        self._icon_sizes: dict[int, tuple[int, int]] = {}  # an icon's cache key -> the size it is drawn at
        # (active, selected) -> the palette's text colour
        self._colors: dict[tuple[bool, bool], QColor] = {}
        # Set by the view: its layout direction, and whether its style draws items as
        # QCommonStyle does (`OWN_PAINT_STYLES`); otherwise Qt's own code paints every cell.
        self.right_to_left = False
        self.own_paint = True

    def use_model(self, model: object) -> None:
        self.roles = getattr(model, "paint_roles", None)

    def forget(self) -> None:
        """Drop every shaped text, placed rectangle and colour: the font, the
        style or the palette changed (the view calls this)."""
        self._texts.clear()
        self._places.clear()
        self._icon_sizes.clear()
        self._colors.clear()

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        # Every call into Qt here costs a round trip through PySide, a few hundred
        # times per paint: each value is asked for once, and only when needed.
        state = option.state.value
        roles = self.roles
        if roles is None or state & _QT_PAINTS or not state & _ENABLED or self.right_to_left or not self.own_paint:
            super().paint(painter, option, index)
            return
        text, icon, brush, font, alignment = roles(index.row(), index.column())
        selected = bool(state & _SELECTED)
        x, y, width, height = option.rect.getRect()
        if icon is None:
            icon_size = _NO_ICON
        else:
            icon_size = self._icon_sizes.get(icon.cacheKey()) or self._icon_size(option, icon)
        places = self._places.get((width, height, *icon_size)) or self._place(option, icon, icon_size)
        tx, ty, tw, th = places[1]
        if text:
            if font is not None:
                font = QFont(font).resolve(option.font)
            shaped = self._texts.get((text, tw, font is not None)) or self._shape(
                text, tw, option.font if font is None else font, font is not None)
            if shaped[2] > th:  # taller than its row (a larger font since), or laid out Qt's way: Qt paints it
                super().paint(painter, option, index)
                return
        if selected:
            widget = option.widget
            style = widget.style() if widget is not None else QApplication.style()
            style.drawPrimitive(_PANEL, option, painter, widget)
        if icon is not None:
            ix, iy, iw, ih = places[0]
            icon.paint(painter, x + ix, y + iy, iw, ih, _ICON_CENTRED,
                       _ICON_SELECTED if selected else _ICON_NORMAL, _ICON_OFF)
        if not text:
            return
        if brush is None or selected:
            active = bool(state & _ACTIVE)
            color = self._colors.get((active, selected))
            if color is None:
                color = self._colors[(active, selected)] = option.palette.color(
                    QPalette.ColorGroup.Normal if active else QPalette.ColorGroup.Inactive,
                    QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
            painter.setPen(color)
        else:
            painter.setPen(brush.color())
        if font is not None:
            painter.setFont(font)
        static, text_width, text_height = shaped
        top = y + ty + (th - text_height) // 2
        if alignment is not None and alignment & _RIGHT:  # (Qt's own puts the line there to a fraction of a pixel)
            painter.drawStaticText(QPointF(x + tx + tw - text_width, top), static)
        else:
            painter.drawStaticText(x + tx, top, static)
        if font is not None:
            painter.setFont(option.font)

    def _shape(self, text: str, width: int, font: QFont, italic: bool) -> tuple[QStaticText | None, float, int]:
        """`text` elided to `width` in `font`, laid out, and kept (with its size)."""
        if len(self._texts) >= KEPT_TEXTS:
            self._texts.clear()  # (a few hundred are shaped again at the next paint)
        if not text.isascii() and _qt_lays_out(text) or "\n" in text:
            # Qt's own item breaks lines and follows the text's direction its own way: it paints these.
            self._texts[(text, width, italic)] = _QT_TEXT
            return _QT_TEXT
        static = QStaticText(QFontMetrics(font).elidedText(text, Qt.TextElideMode.ElideRight, width))
        static.setTextFormat(Qt.TextFormat.PlainText)
        static.prepare(font=font)
        # Centred on the font's height, cut to whole pixels, as Qt's own item does.
        shaped = self._texts[(text, width, italic)] = (static, static.size().width(),
                                                       int(QFontMetricsF(font).height()))
        return shaped

    def _icon_size(self, option: QStyleOptionViewItem, icon: QIcon) -> tuple[int, int]:
        if len(self._icon_sizes) >= KEPT_ICONS:
            self._icon_sizes.clear()  # (the queue's icons are few and cached: this is only a bound)
        size = icon.actualSize(option.decorationSize)
        found = self._icon_sizes[icon.cacheKey()] = (size.width(), size.height())
        return found

    def _place(self, option: QStyleOptionViewItem, icon: QIcon | None, icon_size: tuple[int, int]
               ) -> tuple[tuple[int, int, int, int], tuple[int, int, int, int]]:
        """Where the style puts the icon and the text in a cell of this size (asked once per size)."""
        item = QStyleOptionViewItem(option)
        item.features |= QStyleOptionViewItem.ViewItemFeature.HasDisplay
        item.text = "x"
        if icon is not None:
            item.features |= QStyleOptionViewItem.ViewItemFeature.HasDecoration
            item.icon = icon
            item.decorationSize = QSize(*icon_size)
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        # The text's own margin, as Qt's item drawing takes it off the text rectangle.
        margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, widget) + 1
        x, y, width, height = option.rect.getRect()
        ix, iy, iw, ih = style.subElementRect(QStyle.SubElement.SE_ItemViewItemDecoration, item, widget).getRect()
        tx, ty, tw, th = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, item, widget).getRect()
        if len(self._places) >= KEPT_PLACES:
            self._places.clear()  # (one per column width: a column's edge dragged makes many)
        places = self._places[(width, height, *icon_size)] = (
            (ix - x, iy - y, iw, ih), (tx - x + margin, ty - y, tw - 2 * margin, th))
        return places

    def texts_kept(self) -> int:
        return len(self._texts)


def _qt_lays_out(text: str) -> bool:
    """True when Qt's own item would not draw `text` as one left-to-right line
    (a line break, or right-to-left script, which Qt cuts and orders its own way)."""
    return any(c in _BREAKS or unicodedata.bidirectional(c) in _RIGHT_TO_LEFT for c in text)
