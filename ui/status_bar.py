"""The window's status bar: the last write's result, folder notices, scan
progress, the queue's profile, and the counts.

Messages fade: the last write's result and a folder notice each clear after a
while (a new one restarts the wait), so a "Saved" from an hour ago never reads
as news. What must stay in view stays elsewhere: a failed write marks its row
and the detail pane until a later write succeeds.

GUI thread only.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QStatusBar, QToolButton, QWidget

from ui import palette
from ui.holder import Holder
from ui.i18n import count, number, tr
from ui.text import capped

WRITE_MESSAGE_MS = 15_000  # how long the last write's result (or any message there) stays
LAST_WRITE_WIDTH = 320  # px the last write's result asks for; it takes what the permanent widgets leave


class TimedLabel(QLabel):
    """A label whose text clears `timeout_ms` after it was last set, whoever
    sets it (`setText` restarts the wait; an empty text stops it)."""

    def __init__(self, timeout_ms: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.timeout_ms = timeout_ms
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.clear)

    def setText(self, text: str, msec: int | None = None) -> None:  # noqa: N802 - Qt's name
        super().setText(text)
        if text:
            self._timer.start(self.timeout_ms if msec is None else msec)
        else:
            self._timer.stop()

    def clear(self) -> None:
        self._timer.stop()
        super().clear()
        self.setToolTip("")

    @property
    def fading(self) -> bool:
        """A message is shown and will clear by itself."""
        return self._timer.isActive()


class QueueStatusBar(QStatusBar):
    profileClicked = Signal()  # the profile indicator was clicked: File > Queue Settings

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.write_label = TimedLabel(WRITE_MESSAGE_MS)
        self._name(self.write_label, "lastWrite", tr("Last write"))
        self.write_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # A label, not a QProgressBar: QProgressBar.setValue repaints synchronously,
        # tens of milliseconds per update with a 10,000-row table behind it.
        self.progress = self._name(QLabel(), "scanProgress", tr("Scan progress"))
        self.progress.hide()
        self.notice_label = self._name(TimedLabel(WRITE_MESSAGE_MS), "notice", tr("Folder notice"))
        self.profile_button = self._name(QToolButton(), "profileIndicator", tr("Queue profile"))
        self.profile_button.setAutoRaise(True)
        self.profile_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # File > Queue Settings is the keyboard's way
        self.profile_button.clicked.connect(self.profileClicked)
        self.profile_button.hide()
        self.counts_label = self._name(QLabel(), "counts", tr("Article counts"))
        # Held: its text changes at every decision, and must not lay out the window again each time.
        line = QSize(LAST_WRITE_WIDTH, self.write_label.sizeHint().height())
        self.addWidget(Holder(self.write_label, fixed_hint=line), 1)
        self.addPermanentWidget(self.notice_label)
        self.addPermanentWidget(self.progress)
        self.addPermanentWidget(self.profile_button)
        self.addPermanentWidget(self.counts_label)
        self._restyle()

    @staticmethod
    def _name(widget: QWidget, name: str, accessible: str) -> QWidget:
        widget.setObjectName(name)
        widget.setAccessibleName(accessible)
        return widget

    def _restyle(self) -> None:
        muted = palette.css(palette.tones().muted)
        self.notice_label.setStyleSheet(f"QLabel {{ padding-right: 14px; color: {muted}; }}")

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._restyle()
        super().changeEvent(event)

    def show_write(self, text: str, msec: int | None = None) -> None:
        text = capped(text, 1000)
        self.write_label.setText(text, msec)
        self.write_label.setToolTip(text)  # a long title can push the end of the line out of view

    def show_notice(self, text: str, msec: int) -> None:
        """Folder-level news (scan done, files changed, index rebuilt), beside the counts."""
        text = capped(text, 1000)
        self.notice_label.setText(text, msec)
        self.notice_label.setToolTip(text)

    def show_progress(self, text: str | None) -> None:
        if text is None:
            self.progress.hide()
        else:
            self.progress.setText(text)
            self.progress.show()

    def show_profile(self, text: str | None, tip: str = "") -> None:
        """Name the open queue's profile ("Hugo site"); None hides it (no folder open)."""
        if text is None:
            self.profile_button.hide()
            return
        self.profile_button.setText(text)
        self.profile_button.setToolTip(tip)
        self.profile_button.show()


def counts_text(total: int, published: int, errors: int, shown: int) -> str:
    """"12,345 articles · 3,210 published · 7 errors" (" · 40 shown" under a filter), in the locale's numbers."""
    text = tr("{articles} · {published} · {errors}").format(
        articles=count(total, tr("%Ln article", "", total), tr("%Ln articles", "", total)),
        published=tr("%Ln published", "", published),
        errors=count(errors, tr("%Ln error", "", errors), tr("%Ln errors", "", errors)))
    if shown != total:
        text += " · " + tr("%Ln shown", "", shown)
    return text


def scan_progress_text(done: int, total: int) -> str:
    if not total:
        return tr("Scanning {done} of {total}").format(done=number(done), total=number(total))
    return tr("Scanning {done} of {total} ({percent}%)").format(done=number(done), total=number(total),
                                                               percent=number(done * 100 // total))
