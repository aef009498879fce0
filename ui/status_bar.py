"""The window's status bar: the last write's result, folder notices that fade,
scan progress, and the counts.

GUI thread only.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from ui.text import capped


class QueueStatusBar(QStatusBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.write_label = self._label("lastWrite", "Last write")
        self.write_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # A label, not a QProgressBar: QProgressBar.setValue repaints synchronously,
        # tens of milliseconds per update with a 10,000-row table behind it.
        self.progress = self._label("scanProgress", "Scan progress")
        self.progress.hide()
        self.notice_label = self._label("notice", "Folder notice")
        self.notice_label.setStyleSheet("QLabel { padding-right: 14px; color: palette(placeholder-text); }")
        self._notice_timer = QTimer(self)
        self._notice_timer.setSingleShot(True)
        self._notice_timer.timeout.connect(self.notice_label.clear)
        self.counts_label = self._label("counts", "Article counts")
        self.addWidget(self.write_label, 1)
        self.addPermanentWidget(self.notice_label)
        self.addPermanentWidget(self.progress)
        self.addPermanentWidget(self.counts_label)

    def _label(self, name: str, accessible: str) -> QLabel:
        label = QLabel()
        label.setObjectName(name)
        label.setAccessibleName(accessible)
        return label

    def show_write(self, text: str) -> None:
        text = capped(text, 1000)
        self.write_label.setText(text)
        self.write_label.setToolTip(text)  # a long title can push the end of the line out of view

    def show_notice(self, text: str, msec: int) -> None:
        """Folder-level news (scan done, files changed, index rebuilt), beside the counts."""
        text = capped(text, 1000)
        self.notice_label.setText(text)
        self.notice_label.setToolTip(text)
        self._notice_timer.start(msec)

    def show_progress(self, text: str | None) -> None:
        if text is None:
            self.progress.hide()
        else:
            self.progress.setText(text)
            self.progress.show()
