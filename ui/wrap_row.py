"""A row of two parts that wraps onto two lines when the window is too narrow
for both, instead of clipping either (the quick filter beside the filter box,
the published toggle beside the quality controls).

GUI thread only.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QSize
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QBoxLayout, QWidget

_ACROSS = QBoxLayout.Direction.LeftToRight
_DOWN = QBoxLayout.Direction.TopToBottom


class WrapRow(QWidget):
    """`first` and `second` side by side while `first` fits at its preferred
    width next to `second` at its minimum width; else `first` above `second`.

    Its minimum width is the wrapped one, so a window can always be made
    narrower than the row: the row wraps instead of holding the window wide."""

    def __init__(self, first: QWidget, second: QWidget, *, spacing: int = 6, wrapped_spacing: int = 6,
                 gap_stretch: int = 0, second_stretch: int = 1, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.first = first
        self.second = second
        self._spacing = (spacing, wrapped_spacing)
        self._gap_stretch = gap_stretch
        self._layout = QBoxLayout(_ACROSS, self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(spacing)
        self._layout.addWidget(first)
        self._layout.addStretch(gap_stretch)  # horizontal only: (Expanding, Minimum)
        self._layout.addWidget(second, second_stretch)

    @property
    def wrapped(self) -> bool:
        return self._layout.direction() == _DOWN

    def _needed_width(self) -> int:
        second = max(self.second.minimumSizeHint().width(), self.second.minimumWidth())
        return self.first.sizeHint().width() + self._spacing[0] + second

    def _update_direction(self, width: int) -> None:
        direction = _ACROSS if width >= self._needed_width() else _DOWN
        if direction != self._layout.direction():
            across = direction == _ACROSS
            self._layout.setDirection(direction)
            self._layout.setSpacing(self._spacing[0] if across else self._spacing[1])
            self._layout.setStretch(1, self._gap_stretch if across else 0)

    def minimumSizeHint(self) -> QSize:
        size = super().minimumSizeHint()
        wrapped = max(self.first.minimumSizeHint().width(),
                      max(self.second.minimumSizeHint().width(), self.second.minimumWidth()))
        size.setWidth(min(size.width(), wrapped))
        return size

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._update_direction(event.size().width())
        super().resizeEvent(event)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:  # a part's preferred size changed (new counts)
            self._update_direction(self.width())
        return super().event(event)
