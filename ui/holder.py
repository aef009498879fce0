"""`Holder`: a widget that holds one child filling it, so that the child's
size hints stop there.

A widget whose text changes (a label, a pane of them) asks its parent's layout
to be worked out again, and that request climbs to the window: every widget of
it is placed again. In a burst of decisions that was a dozen milliseconds per
frame for the status bar's last-write label alone, and twice that for the
detail pane. Held, the child lays out only itself; its holder tells the outer
layout the child's size hints as they are when asked (`fixed_hint` pins the
preferred one, for a line whose text should never move its neighbours).

GUI thread only.
"""
from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QWidget


class Holder(QWidget):
    def __init__(self, child: QWidget, parent: QWidget | None = None, *, fixed_hint: QSize | None = None) -> None:
        super().__init__(parent)
        self.child = child
        self._fixed_hint = fixed_hint
        child.setParent(self)
        self.setSizePolicy(child.sizePolicy() if fixed_hint is None
                           else QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed))
        if fixed_hint is not None:
            self.setMinimumHeight(fixed_hint.height())

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        if self._fixed_hint is not None:
            return self._fixed_hint
        return self.child.sizeHint().expandedTo(self.child.minimumSize())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        if self._fixed_hint is not None:
            return QSize(0, self._fixed_hint.height())  # narrower when the window is: it never widens it
        return self.child.minimumSizeHint().expandedTo(self.child.minimumSize())  # a set minimum holds too

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        self.child.setGeometry(self.rect())
        super().resizeEvent(event)
