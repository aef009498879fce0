"""Shift+U: a small picker of the queue's reasons (`.copydesk/reasons.txt`,
else the defaults: `app.audit.reasons`), then an unpublish with that reason.

Number keys 1-9 choose (and confirm), the arrow keys move, Enter confirms,
Escape cancels. The reasons are read off the GUI thread before the picker
opens; the reason goes to the audit log only.

GUI thread only.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QListWidget, QVBoxLayout, QWidget

from ui.i18n import tr


class ReasonPicker(QDialog):
    def __init__(self, reasons: Sequence[str], title: str, parent: QWidget | None = None,
                 notice: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("reasonPicker")
        self.setWindowTitle(tr("Unpublish with a reason"))
        self.reasons = list(reasons)
        self.chosen: str | None = None
        layout = QVBoxLayout(self)
        head = QLabel(tr("Why unpublish {title}? A number key chooses, Enter confirms, Escape cancels.").format(
            title=title))
        head.setWordWrap(True)
        layout.addWidget(head)
        if notice:
            note = QLabel(notice)
            note.setWordWrap(True)
            layout.addWidget(note)
        self.list = QListWidget()
        self.list.setObjectName("reasonList")
        self.list.setAccessibleName(tr("Reasons"))
        for number, reason in enumerate(self.reasons, start=1):
            self.list.addItem(tr("{number}. {reason}").format(number=number, reason=reason) if number <= 9
                              else reason)
        self.list.setCurrentRow(0)
        self.list.itemActivated.connect(lambda _item: self.accept())
        layout.addWidget(self.list)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.list.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        text = event.text()
        if text.isdigit() and text != "0" and int(text) <= min(9, len(self.reasons)):
            self.list.setCurrentRow(int(text) - 1)
            self.accept()
            return
        super().keyPressEvent(event)

    def accept(self) -> None:
        row = self.list.currentRow()
        self.chosen = self.reasons[row] if 0 <= row < len(self.reasons) else None
        super().accept()


def pick_reason(parent: QWidget, reasons: Sequence[str], title: str, chosen: Callable[[str], None],
                notice: str = "") -> ReasonPicker:
    """Open the picker (asynchronously); `chosen(reason)` runs when one is confirmed."""
    picker = ReasonPicker(reasons, title, parent, notice)
    picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def done(result: int) -> None:
        if result == QDialog.DialogCode.Accepted and picker.chosen:
            chosen(picker.chosen)

    picker.finished.connect(done)
    picker.open()
    return picker
