"""From an editor's decision to a value on disk: the undo stack, the one
serial writer, write results on the rows, and conflicts.

`DecisionDesk` is the `EditSink` of the undo commands: a `FieldEdit`'s redo()
or undo() hands it one write (the value to set, and the value the editor saw),
it marks the row pending, queues the write, and when the writer answers it
shows the value on disk - or the file's message, or a conflict dialog.

GUI thread only (the writer's results arrive as a queued signal).
"""
from __future__ import annotations

from collections import deque
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QWidget

from ui.commands import FieldEdit, describe_value, live_command
from ui.conflict_dialog import APPLY_MINE, Conflict, ConflictDialog
from ui.queue_model import ArticleTableModel
from ui.writer_thread import SerialWriter, WriteJob

# A write refused because the file changed while saving, when the field itself
# still holds what the editor saw, is simply tried again this many times.
RACE_RETRIES = 3


class DecisionDesk(QObject):
    message = Signal(str)  # the last write's result, for the status bar
    rowTouched = Signal(str)  # relpath whose pending state or values changed
    conflictClosed = Signal()  # the dialog is gone: the queue should have focus again
    revisited = Signal(str)  # an undo or redo wrote this relpath: the editor's place goes there

    def __init__(self, model: ArticleTableModel, dialog_parent: QWidget) -> None:
        super().__init__(dialog_parent)
        self.model = model
        self._dialog_parent = dialog_parent
        self.undo_stack = QUndoStack(self)
        self.writer = SerialWriter(self)
        self.writer.finished.connect(self._on_write_finished)
        self.queue: Any = None  # the ReviewQueue writes go to; None while no folder is open
        self.conflict_dialog: ConflictDialog | None = None
        self._conflicts: deque[Conflict] = deque()
        self._retries: dict[tuple[str, str], int] = {}

    def set_queue(self, queue: Any) -> None:
        """A folder was opened (or closed, with None): decisions about the old one
        can no longer be undone into it."""
        self.queue = queue
        self.undo_stack.clear()
        self.close_conflicts()

    def title(self, relpath: str) -> str:
        summary = self.model.summary(relpath)
        return summary.title if summary is not None and summary.title else relpath.rsplit("/", 1)[-1]

    def decide(self, relpath: str, name: str, old: Any, new: Any) -> bool:
        """Push the decision `name: old -> new` (which writes it). False if it changes nothing."""
        if _same(old, new):
            self.message.emit(f"{self.title(relpath)}: {name} is already {describe_value(name, new)}")
            # What the editor saw may be stale (changed on disk, not reported yet):
            # the writer confirms it. Nothing is written if the file agrees; if it
            # does not, the conflict dialog asks, as for any other decision.
            self.submit_edit(relpath, {name: new}, {name: old}, None)
            return False
        self.undo_stack.push(FieldEdit(self, relpath, self.title(relpath), name, old, new))
        return True

    # --- EditSink -------------------------------------------------------------------
    def submit_edit(self, relpath: str, changes: dict[str, Any], expected: dict[str, Any],
                    command: FieldEdit | None) -> None:
        if self.queue is None:
            self.message.emit("No folder open: nothing written")
            return
        self.model.begin_write(relpath, changes)
        self.writer.submit(self.queue, relpath, changes, expected, tag=command)
        self.rowTouched.emit(relpath)

    def follow_renames(self, renamed: dict[str, str]) -> None:
        """Files renamed on disk: their decisions can still be undone, at the new path."""
        for i in range(self.undo_stack.count()):
            command = self.undo_stack.command(i)
            if isinstance(command, FieldEdit) and command.relpath in renamed:
                command.relpath = renamed[command.relpath]

    def revisit(self, command: FieldEdit) -> None:
        self.revisited.emit(command.relpath)

    def cannot_undo(self, command: FieldEdit) -> None:
        self.message.emit(
            f"Cannot undo: {command.name} was not set before, and Copydesk never removes a value — "
            f"{self.title(command.relpath)} stays {describe_value(command.name, command.new)}")

    # --- results ----------------------------------------------------------------------
    @Slot(object)
    def _on_write_finished(self, job: WriteJob) -> None:
        self.writer.job_done()
        result = job.result
        assert result is not None
        if job.target is not self.queue:
            return  # written into a folder that has been closed since; nothing to show
        relpath = job.relpath
        name = next(iter(job.changes))
        title = self.title(relpath)
        key = (relpath, name)
        if result.status == "conflict":
            disk = result.disk_values.get(name)
            saw = (job.expected or {}).get(name)
            mine = job.changes[name]
            if _same(disk, mine):
                # Changed on disk, but to what the editor asked for: nothing to ask about.
                self._retries.pop(key, None)
                self.model.end_write(relpath, job.changes, ok=True, disk_values=result.disk_values)
                self.message.emit(f"Unchanged: {title} — {name} is already {describe_value(name, disk)} on disk")
                self.rowTouched.emit(relpath)
                return
            if _same(disk, saw) and self._retries.get(key, 0) < RACE_RETRIES:
                # The file changed while we saved, but not this field: rebase and try again.
                self._retries[key] = self._retries.get(key, 0) + 1
                self.model.end_write(relpath, job.changes, ok=True, disk_values=None)
                self.submit_edit(relpath, job.changes, job.expected or {}, job.tag)
                return
            self._retries.pop(key, None)
            self.model.end_write(relpath, job.changes, ok=True, disk_values=result.disk_values)
            self.message.emit(f"Changed on disk: {title} — {result.message}")
            self._raise_conflict(Conflict(relpath, title, name, saw, mine, disk, live_command(job.tag)))
        elif result.ok:
            self._retries.pop(key, None)
            self.model.end_write(relpath, job.changes, ok=True, disk_values=result.disk_values)
            note = f" ({result.warning})" if result.warning else ""
            verb = "Saved" if result.status == "written" else "Unchanged"
            if result.status == "written" or job.tag is not None:  # (a confirmed "already" says nothing new)
                self.message.emit(f"{verb}: {title} — {result.message}{note}")
        else:
            self._retries.pop(key, None)
            # The overlay goes, the row shows what is on disk and why the write failed.
            self.model.end_write(relpath, job.changes, ok=False, disk_values=result.disk_values,
                                 message=result.message)
            self.message.emit(f"Not saved: {relpath}: {result.message}")
            self._forget(live_command(job.tag))
        self.rowTouched.emit(relpath)

    # --- conflicts ------------------------------------------------------------------
    def _raise_conflict(self, conflict: Conflict) -> None:
        dialog = self.conflict_dialog
        if dialog is not None and (dialog.conflict.relpath, dialog.conflict.name) == (
                conflict.relpath, conflict.name):
            dialog.update_mine(conflict.mine, conflict.command)  # a later press of the same key
            return
        for queued in self._conflicts:
            if (queued.relpath, queued.name) == (conflict.relpath, conflict.name):
                queued.mine, queued.command = conflict.mine, conflict.command or queued.command
                return
        self._conflicts.append(conflict)
        self._show_next_conflict()

    def _show_next_conflict(self) -> None:
        if self.conflict_dialog is not None or not self._conflicts:
            return
        dialog = ConflictDialog(self._conflicts.popleft(), self._dialog_parent)
        dialog.resolved.connect(self._on_conflict_resolved)
        self.conflict_dialog = dialog
        dialog.open()  # asynchronous: the event loop (and the watcher) keep running

    def _forget(self, command: FieldEdit | None) -> None:
        """A decision whose write failed never happened: it leaves the undo
        history, so the next Ctrl+Z takes back a decision that did land."""
        if command is None or command.stale:
            return
        command.mark_stale("not saved")
        stack = self.undo_stack
        if stack.index() > 0 and stack.command(stack.index() - 1) is command:
            stack.undo()  # an obsolete command is removed, not undone: nothing is written
        # Deeper in the history it is dropped when undo or redo reaches it.

    @Slot(object, str)
    def _on_conflict_resolved(self, conflict: Conflict, choice: str) -> None:
        self.conflict_dialog = None
        command = live_command(conflict.command)
        if choice == APPLY_MINE:
            # `expected` is now the disk value the dialog showed: if it moved again, ask again.
            if command is not None:
                command.rebase(conflict.disk, conflict.mine)
                self.submit_edit(conflict.relpath, {conflict.name: conflict.mine},
                                 {conflict.name: conflict.disk}, command)
            else:  # an "already" that the disk contradicted: applying it is a decision of its own
                self.undo_stack.push(FieldEdit(self, conflict.relpath, conflict.title, conflict.name,
                                               conflict.disk, conflict.mine))
        else:
            if command is not None:
                command.mark_stale()
            self.message.emit(f"Kept the disk value: {conflict.title} — {conflict.name} is "
                              f"{describe_value(conflict.name, conflict.disk)}")
        self.conflictClosed.emit()
        QTimer.singleShot(0, self._show_next_conflict)

    def close_conflicts(self) -> None:
        self._conflicts.clear()
        if self.conflict_dialog is not None:
            dialog, self.conflict_dialog = self.conflict_dialog, None
            dialog.resolved.disconnect(self._on_conflict_resolved)
            dialog.reject()

    def close(self) -> None:
        """At exit: drop open questions, let queued writes land."""
        self.close_conflicts()
        self.writer.close()


def _same(a: Any, b: Any) -> bool:
    """Equal as the file would hold them (True is not 1)."""
    return type(a) is type(b) and a == b
