"""Small status icons drawn with QPainter, so the window looks the same with or
without an icon theme (offscreen tests, bare Xvfb, any desktop).

GUI thread only (QPixmap). Icons are drawn once, on first use.
"""
from __future__ import annotations

from functools import cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPainterPath, QPalette, QPen, QPixmap

from ui import palette


def status_icon(kind: str) -> QIcon:
    """The icon of a row status, in the current palette's tones."""
    return _status_icon(kind, palette.generation())


@cache
def _status_icon(kind: str, _generation: int) -> QIcon:  # a palette change makes a new key
    icon = QIcon()
    for size in (16, 32):
        icon.addPixmap(_draw(kind, size))
        # A selected row paints its icon on the highlight: the same hue, made to read there.
        icon.addPixmap(_draw(kind, size, on=QGuiApplication.palette().color(QPalette.ColorRole.Highlight)),
                       QIcon.Mode.Selected)
    return icon


def icon_color(kind: str, on: QColor | None = None) -> QColor:
    """The colour a status icon is drawn in; `on`: the background it must read on (3:1, WCAG non-text)."""
    colors = palette.tones().icons
    color = colors.get(kind, colors["unset"])
    return color if on is None else palette.readable(color, on, palette.AA_GRAPHICS)


def _draw(kind: str, size: int, on: QColor | None = None) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = size / 16.0
    color = icon_color(kind, on)
    rect = QRectF(2 * s, 2 * s, 12 * s, 12 * s)
    # The mark inside a filled disc: white on the light palette's dark discs, and
    # on the dark palette's lighter ones whatever reads best against the fill.
    mark = Qt.GlobalColor.white if palette.luminance(color) < 0.3 else Qt.GlobalColor.black
    white = QPen(mark, 1.8 * s, Qt.PenStyle.SolidLine,
                 Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
    if kind == "published":
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(color)
        p.drawEllipse(rect)
        p.setPen(white)
        path = QPainterPath(QPointF(5 * s, 8.2 * s))
        path.lineTo(7.2 * s, 10.4 * s)
        path.lineTo(11 * s, 5.8 * s)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPath(path)
    elif kind in ("unpublished", "unset"):
        pen = QPen(color, 1.6 * s)
        if kind == "unset":
            pen.setStyle(Qt.PenStyle.DotLine)
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(rect.adjusted(0.8 * s, 0.8 * s, -0.8 * s, -0.8 * s))
    elif kind == "pending":
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(color)
        p.drawEllipse(rect)
        p.setPen(white)
        p.drawLine(QPointF(8 * s, 8 * s), QPointF(8 * s, 4.8 * s))
        p.drawLine(QPointF(8 * s, 8 * s), QPointF(10.4 * s, 9.4 * s))
    elif kind in ("error", "failed"):
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(color)
        if kind == "error":
            p.drawEllipse(rect)
        else:
            tri = QPainterPath(QPointF(8 * s, 1.5 * s))
            tri.lineTo(15 * s, 14 * s)
            tri.lineTo(1 * s, 14 * s)
            tri.closeSubpath()
            p.drawPath(tri)
        p.setPen(white)
        top = 4.8 if kind == "error" else 6.0
        p.drawLine(QPointF(8 * s, top * s), QPointF(8 * s, 8.8 * s))
        p.drawPoint(QPointF(8 * s, 11.2 * s))
    p.end()
    return pixmap


def marks_icon(warned: int, copies: int) -> QIcon:
    """The title cell's badges: a warning triangle (the pending hue) when the row
    has warnings, and a box in the palette's link colour with the group's size
    when it has copies."""
    return _marks_icon(warned, copies, palette.generation())


@cache
def _marks_icon(warned: int, copies: int, _generation: int) -> QIcon:  # a palette change makes a new key
    icon = QIcon()
    for size in (16, 32):
        icon.addPixmap(_draw_marks(warned, copies, size))
    return icon


def _draw_marks(warned: int, copies: int, size: int) -> QPixmap:
    s = size / 16.0
    slots = (1 if warned else 0) + (1 if copies > 1 else 0)
    pixmap = QPixmap(int(size * max(1, slots) + (slots - 1) * 2 * s), size)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    x = 0.0
    if warned:
        color = icon_color("pending")
        mark = Qt.GlobalColor.white if palette.luminance(color) < 0.3 else Qt.GlobalColor.black
        white = QPen(mark, 1.8 * s, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
        tri = QPainterPath(QPointF(x + 8 * s, 1.5 * s))
        tri.lineTo(x + 15 * s, 14 * s)
        tri.lineTo(x + 1 * s, 14 * s)
        tri.closeSubpath()
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(color)
        p.drawPath(tri)
        p.setPen(white)
        p.drawLine(QPointF(x + 8 * s, 6 * s), QPointF(x + 8 * s, 9 * s))
        p.drawPoint(QPointF(x + 8 * s, 11.4 * s))
        x += size + 2 * s
    if copies > 1:
        p.setPen(Qt.PenStyle.NoPen)
        box = QGuiApplication.palette().color(QPalette.ColorRole.Link)
        p.setBrush(box)
        p.drawRoundedRect(QRectF(x + 0.5 * s, 1.5 * s, 15 * s, 13 * s), 3 * s, 3 * s)
        font = p.font()
        font.setPixelSize(int(10 * s) if copies < 10 else int(8 * s))
        font.setBold(True)
        p.setFont(font)
        p.setPen(Qt.GlobalColor.white if palette.luminance(box) < 0.3 else Qt.GlobalColor.black)
        p.drawText(QRectF(x, 0, 16 * s, 16 * s), Qt.AlignmentFlag.AlignCenter, str(copies) if copies < 100 else "99+")
    p.end()
    return pixmap


def app_icon() -> QIcon:
    from ui.settings import resources_dir

    path = resources_dir() / "copydesk.svg"
    return QIcon(str(path)) if path.exists() else QIcon()
