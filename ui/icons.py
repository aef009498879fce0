"""Small status icons drawn with QPainter, so the window looks the same with or
without an icon theme (offscreen tests, bare Xvfb, any desktop).

GUI thread only (QPixmap). Icons are drawn once, on first use.
"""
from __future__ import annotations

from functools import cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap

COLORS = {
    "published": QColor("#2e7d32"),
    "unpublished": QColor("#8a8f98"),
    "unset": QColor("#b0b4ba"),
    "error": QColor("#c62828"),
    "pending": QColor("#e6a100"),
    "failed": QColor("#c62828"),
}


@cache
def status_icon(kind: str) -> QIcon:
    icon = QIcon()
    for size in (16, 32):
        icon.addPixmap(_draw(kind, size))
    return icon


def _draw(kind: str, size: int) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = size / 16.0
    color = COLORS.get(kind, COLORS["unset"])
    rect = QRectF(2 * s, 2 * s, 12 * s, 12 * s)
    white = QPen(QColor("white"), 1.8 * s, Qt.PenStyle.SolidLine,
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


@cache
def marks_icon(warned: int, copies: int) -> QIcon:
    """The title cell's badges: an amber warning triangle when the row has
    warnings, and a blue box with the group's size when it has copies."""
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
    white = QPen(QColor("white"), 1.8 * s, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
    if warned:
        tri = QPainterPath(QPointF(x + 8 * s, 1.5 * s))
        tri.lineTo(x + 15 * s, 14 * s)
        tri.lineTo(x + 1 * s, 14 * s)
        tri.closeSubpath()
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#e6a100"))
        p.drawPath(tri)
        p.setPen(white)
        p.drawLine(QPointF(x + 8 * s, 6 * s), QPointF(x + 8 * s, 9 * s))
        p.drawPoint(QPointF(x + 8 * s, 11.4 * s))
        x += size + 2 * s
    if copies > 1:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#1e63b8"))
        p.drawRoundedRect(QRectF(x + 0.5 * s, 1.5 * s, 15 * s, 13 * s), 3 * s, 3 * s)
        font = p.font()
        font.setPixelSize(int(10 * s) if copies < 10 else int(8 * s))
        font.setBold(True)
        p.setFont(font)
        p.setPen(QColor("white"))
        p.drawText(QRectF(x, 0, 16 * s, 16 * s), Qt.AlignmentFlag.AlignCenter, str(copies) if copies < 100 else "99+")
    p.end()
    return pixmap


def app_icon() -> QIcon:
    from ui.settings import resources_dir

    path = resources_dir() / "copydesk.svg"
    return QIcon(str(path)) if path.exists() else QIcon()
