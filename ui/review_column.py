"""The queue's Review column: each article's review state from the audit trail
(`app.audit.review`), as text, an icon and a tooltip.

- needs review: no decision about the article is logged (a dotted square);
- reviewed: its bytes are the ones logged after its last decision (a square with a check);
- changed since review: a decision is logged, but the file changed since (a square with a bang).

The state lives in the model's table (`RowTable.review`, codes of
`app.queue.table.REVIEW_CODES`); the model asks this module for the cell.

GUI thread only (icons).
"""
from __future__ import annotations

from functools import cache
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QGuiApplication, QIcon, QPainter, QPalette, QPen, QPixmap

from app.queue.table import REVIEW_NAMES
from ui import palette
from ui.i18n import QT_TR_NOOP, tr
from ui.icons import icon_color

REVIEW_TEXT = {"needs": QT_TR_NOOP("Needs review"), "reviewed": QT_TR_NOOP("Reviewed"),
               "changed": QT_TR_NOOP("Changed")}
REVIEW_TIPS = {"needs": QT_TR_NOOP("No decision about this article is in the audit trail"),
               "reviewed": QT_TR_NOOP("Its file is as it was after the last logged decision"),
               "changed": QT_TR_NOOP("Its file changed after the last logged decision (a pipeline, a hand edit)")}
_ICON_KIND = {"needs": "unset", "reviewed": "published", "changed": "failed"}

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_ACCESSIBLE_TEXT = int(Qt.ItemDataRole.AccessibleTextRole)
_DECORATION = int(Qt.ItemDataRole.DecorationRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)


class ReviewCells:
    """The Review column's cells; one per model (the words are translated once)."""

    def __init__(self) -> None:
        self._text = {code: tr(REVIEW_TEXT[name]) for code, name in REVIEW_NAMES.items()}
        self._tips = {code: tr(REVIEW_TIPS[name]) for code, name in REVIEW_NAMES.items()}

    def value(self, code: int, role: int, error: bool) -> Any:
        if error:
            return None  # an unreadable file has no decision to review
        if role == _DISPLAY or role == _ACCESSIBLE_TEXT:
            return self._text[code]
        if role == _DECORATION:
            return review_icon(REVIEW_NAMES[code])
        if role == _TOOLTIP:
            return self._tips[code]
        return None


def review_icon(state: str) -> QIcon:
    return _review_icon(state, palette.generation())


@cache
def _review_icon(state: str, _generation: int) -> QIcon:
    icon = QIcon()
    for size in (16, 32):
        icon.addPixmap(_draw(state, size))
        icon.addPixmap(_draw(state, size, selected=True), QIcon.Mode.Selected)
    return icon


def _draw(state: str, size: int, *, selected: bool = False) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = size / 16.0
    on = QGuiApplication.palette().color(QPalette.ColorRole.Highlight) if selected else None
    color = icon_color(_ICON_KIND[state], on)
    rect = QRectF(2.5 * s, 2.5 * s, 11 * s, 11 * s)
    mark = Qt.GlobalColor.white if palette.luminance(color) < 0.3 else Qt.GlobalColor.black
    pen = QPen(mark, 1.8 * s, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
    if state == "needs":
        outline = QPen(color, 1.4 * s, Qt.PenStyle.DotLine)
        p.setPen(outline)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRoundedRect(rect, 2 * s, 2 * s)
    else:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(color)
        p.drawRoundedRect(rect, 2 * s, 2 * s)
        p.setPen(pen)
        if state == "reviewed":
            p.drawPolyline([QPointF(5 * s, 8.2 * s), QPointF(7.2 * s, 10.4 * s), QPointF(11 * s, 5.8 * s)])
        else:
            p.drawLine(QPointF(8 * s, 5 * s), QPointF(8 * s, 8.6 * s))
            p.drawPoint(QPointF(8 * s, 11 * s))
    p.end()
    return pixmap
