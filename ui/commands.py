"""Every editor decision as a small QUndoCommand with readable text.

A command never touches the disk itself: `redo()` and `undo()` each hand one
write (the value to set, and the value the editor believes is on disk) to an
`EditSink` - in the window, the serial writer. Undo therefore goes through the
same safe, compare-and-swap path as the original edit.

GUI thread only.
"""
from __future__ import annotations

from typing import Any, Protocol

import shiboken6
from PySide6.QtGui import QUndoCommand

from app.decisions import describe_value
from ui.i18n import tr

QUALITY_MERGE_ID = 1001


class EditSink(Protocol):
    def submit_edit(self, relpath: str, changes: dict[str, Any], expected: dict[str, Any],
                    command: FieldEdit | None, source: str = "window") -> None:
        """Write `changes` if the file still holds `expected`; `source` is "window" or "undo"."""

    def revisit(self, command: FieldEdit) -> None:
        """An undo or redo (not the first do) wrote `command`'s article."""

    def cannot_undo(self, command: FieldEdit) -> None:
        """`command` cannot be undone: there is no old value to write back."""


def _short(title: str, limit: int = 48) -> str:
    title = " ".join(title.split()) or tr("untitled")
    return title if len(title) <= limit else title[: limit - 1] + "…"


class FieldEdit(QUndoCommand):
    """Set one editable field of one article from `old` to `new`."""

    def __init__(self, sink: EditSink, relpath: str, title: str, name: str,
                 old: Any, new: Any, reason: str | None = None) -> None:
        super().__init__()
        self.reason = reason  # the editor's reason (Shift+U), for the audit log; an undo has none
        self.sink = sink
        self.relpath = relpath
        self.title = title
        self.name = name
        self.old = old
        self.new = new
        self.stale = False  # the editor kept a conflicting disk value: nothing to undo
        # A later step merged into this one is deleted by the stack while its
        # write may still be on its way; its answer then belongs to this command.
        self.merged_into: FieldEdit | None = None
        self._done_once = False
        self._update_text()

    def _update_text(self) -> None:
        article = f"“{_short(self.title)}”"
        if self.name == "published":
            self.setText((tr("Publish {article}") if self.new else tr("Unpublish {article}")).format(article=article))
            if self.reason:
                self.setText(tr("{what}: {reason}").format(what=self.text(), reason=self.reason))
        else:
            self.setText(tr("Quality {old} → {new} on {article}").format(
                old=describe_value("quality", self.old), new=self.new, article=article))

    def redo(self) -> None:
        if not self.stale:
            self.sink.submit_edit(self.relpath, {self.name: self.new}, {self.name: self.old}, self)
            if self._done_once:  # a redo, not the push itself
                self.sink.revisit(self)
        self._done_once = True

    def undo(self) -> None:
        if self.stale:
            return
        if self.old is None:
            # The field was missing or invalid. The core writes values; it never
            # removes a key, so there is nothing to write back. The step leaves
            # the stack (obsolete), and the next undo is the one before it.
            self.stale = True
            self.setObsolete(True)
            self.sink.cannot_undo(self)
            return
        self.sink.submit_edit(self.relpath, {self.name: self.old}, {self.name: self.new}, self, "undo")
        self.sink.revisit(self)

    def id(self) -> int:
        # Consecutive quality steps on one article undo as one step (57 -> 60).
        return QUALITY_MERGE_ID if self.name == "quality" else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if (not isinstance(other, FieldEdit) or other.relpath != self.relpath
                or other.name != self.name or self.stale or other.stale):
            return False
        self.new = other.new
        other.merged_into = self
        self._update_text()
        return True

    def mark_stale(self, note: str | None = None) -> None:
        """The editor chose the disk value in a conflict (or the write failed):
        this decision never happened."""
        self.stale = True
        note = note or tr("kept disk value")
        self.setText(f"{self.text()} ({note})")
        self.setObsolete(True)

    def rebase(self, disk_value: Any, value: Any) -> None:
        """The editor applied their value over a conflicting disk value: undo
        now restores the disk value they overrode."""
        self.old = disk_value
        self.new = value
        self._update_text()


def live_command(command: Any) -> FieldEdit | None:
    """The command that stands for `command` now: itself, or the one it was
    merged into (the stack deletes merged steps), or None when it is gone."""
    while isinstance(command, FieldEdit):
        if shiboken6.isValid(command):
            return command
        command = command.merged_into
    return None
