"""The dialog shown when a field changed on disk since the editor saw it.

It never blocks the event loop: the window calls `open()` (window-modal, but
asynchronous) and listens to `resolved`. Tests find it as
`window.conflict_dialog` and click its buttons like an editor would.

GUI thread only.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.decisions import describe_value
from ui import palette
from ui.i18n import tr

KEEP_DISK = "disk"
APPLY_MINE = "mine"


@dataclass(slots=True)
class Conflict:
    relpath: str
    title: str
    name: str  # "published" or "quality"
    saw: Any  # the value the editor's decision was based on
    mine: Any  # the value the editor wants
    disk: Any  # the value on disk now
    command: Any = None  # the FieldEdit that asked for the write, if any


class ConflictDialog(QDialog):
    resolved = Signal(object, str)  # Conflict, KEEP_DISK | APPLY_MINE

    def __init__(self, conflict: Conflict, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.conflict = conflict
        self.setWindowTitle(tr("Changed on disk"))
        self.setAccessibleName(tr("Conflict: changed on disk"))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        intro = QLabel(tr("<b>{field}</b> of “{title}” changed on disk after you saw it. "
                          "Which value should the file keep?").format(
            field=_escape(conflict.name), title=_escape(conflict.title or conflict.relpath)))
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)

        form = QFormLayout()
        self.disk_label = QLabel(f"<b>{_escape(describe_value(conflict.name, conflict.disk))}</b>")
        self.mine_label = QLabel(describe_value(conflict.name, conflict.mine))
        saw = QLabel(describe_value(conflict.name, conflict.saw))
        for label in (self.disk_label, self.mine_label, saw):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(tr("On disk now:"), self.disk_label)
        form.addRow(tr("Yours:"), self.mine_label)
        form.addRow(tr("You saw:"), saw)
        path = QLabel(conflict.relpath)
        path.setTextFormat(Qt.TextFormat.PlainText)
        path.setStyleSheet(f"QLabel {{ color: {palette.css(palette.tones().muted)}; }}")
        form.addRow(tr("File:"), path)

        buttons = QDialogButtonBox()
        self.keep_button = QPushButton(tr("&Keep disk value"))
        self.keep_button.setToolTip(tr("Leave the file as it is on disk; your change is dropped"))
        self.apply_button = QPushButton(tr("&Apply mine"))
        self.apply_button.setToolTip(tr("Write {value} over the disk value").format(
            value=describe_value(conflict.name, conflict.mine)))
        buttons.addButton(self.keep_button, QDialogButtonBox.ButtonRole.RejectRole)
        buttons.addButton(self.apply_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.keep_button.setDefault(True)  # the safe choice is the default
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)
        self._answered = False

    def update_mine(self, mine: Any, command: Any) -> None:
        """A later edit of the same field conflicted too: the newest intent wins."""
        self.conflict.mine = mine
        self.conflict.command = command or self.conflict.command
        self.mine_label.setText(describe_value(self.conflict.name, mine))

    def done(self, result: int) -> None:
        if not self._answered:
            self._answered = True
            choice = APPLY_MINE if result == QDialog.DialogCode.Accepted else KEEP_DISK
            super().done(result)
            self.resolved.emit(self.conflict, choice)
            return
        super().done(result)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
