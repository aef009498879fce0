"""The window's side of the audit trail (`app.audit`): who is deciding, the
recorder every decision of the window goes through, the review state of the
open queue, and what the editor is told about them.

- The editor is resolved off the GUI thread (it may run git): at each open on
  the queue's lane (`QueueBridge.editorResolved`), and again on the writer
  lane when Preferences change the name, so the decisions queued before the
  change keep the old name. The status bar names the editor; a click there
  opens Preferences.
- One `AuditRecorder` per open folder and editor, handed to the decision desk
  (window, undo and bulk decisions alike); it tells the queue's `ReviewBook`
  of its own lines at once (`QueueBridge.appended`, on the writer thread).
- A log that cannot be written never stops a decision: after each decision
  the recorder's notices are said once, in the status bar, and an indicator
  stays there, naming the log and why, until the log can be written again.
- Review states reach the model as the bridge reports them (`reviewChanged`),
  and the History of the current article follows.

GUI thread only.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QToolButton

from app.audit.editor import Editor, resolve_editor
from app.audit.recorder import AuditRecorder
from ui.i18n import QT_TR_NOOP, tr

EDITOR_WIDTH = 120  # pixels of the editor's name in the status bar (the tooltip has all of it)
NOTICE_MS = 60_000  # the log notice stays a minute in the message area (the indicator stays until fixed)
_SOURCES = {"environment": QT_TR_NOOP("$COPYDESK_EDITOR"), "setting": QT_TR_NOOP("Preferences"),
            "git": QT_TR_NOOP("git config user.name"), "user": QT_TR_NOOP("your login name")}


class WindowAudit(QObject):
    reviewChanged = Signal(object)  # relpaths whose review state or History changed
    editorChanged = Signal(str)

    def __init__(self, window: Any) -> None:  # the MainWindow (not imported: it imports this module)
        super().__init__(window)
        self.window = window
        self.editor: Editor | None = None
        self.recorder: AuditRecorder | None = None
        self.book: Any = None  # the open queue's ReviewBook
        status = window.status
        self.editor_button = QToolButton()
        self.editor_button.setObjectName("editorIndicator")
        self.editor_button.setAccessibleName(tr("Editor"))
        self.editor_button.setAutoRaise(True)
        self.editor_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Edit > Preferences is the keyboard's way
        self.editor_button.setMinimumWidth(24)  # it gives way before the window has to grow
        self.editor_button.hide()
        self.log_warning = QToolButton()
        self.log_warning.setObjectName("auditLogWarning")
        self.log_warning.setAccessibleName(tr("Audit log not kept"))
        self.log_warning.setAutoRaise(True)
        self.log_warning.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.log_warning.setText(tr("⚠ Audit log not kept"))
        self.log_warning.hide()
        self.log_warning.clicked.connect(self._explain_log)
        status.addPermanentWidget(self.log_warning)
        status.addPermanentWidget(self.editor_button)
        bridge = window.bridge
        bridge.editorResolved.connect(self._on_editor)
        bridge.bookOpened.connect(self._on_book)
        bridge.reviewChanged.connect(self._on_review)
        window.desk.decisionLanded.connect(self.after_decision)

    # --- who --------------------------------------------------------------------
    def folder_opening(self) -> None:
        """A folder is being opened: its recorder comes with its editor."""
        self.book = None
        self._set_recorder(None)
        self.log_warning.hide()

    def _set_recorder(self, recorder: AuditRecorder | None) -> None:
        """Ours comes first among the desk's recorders: a team queue's commit (the
        recorder after it) then carries the log line."""
        recorders = self.window.desk.recorders
        if self.recorder is not None and self.recorder in recorders:
            recorders.remove(self.recorder)
        self.recorder = recorder
        if recorder is not None:
            recorders.insert(0, recorder)

    def log_file_for(self, queue_folder: Path) -> Path | None:
        """The editor's log in `queue_folder`, with the lines of the decisions so far
        (the writer thread, when a team commit is made: `AuditRecorder.log_for_commit`)."""
        recorder = self.recorder
        return None if recorder is None else recorder.log_for_commit(queue_folder)

    def _on_editor(self, editor: Editor) -> None:
        self.editor = editor
        self._set_recorder(AuditRecorder(editor, on_appended=self.window.bridge.appended))
        # Elided: a long name must not make the window wider than the editor made it.
        self.editor_button.setText(self.editor_button.fontMetrics().elidedText(
            editor.name, Qt.TextElideMode.ElideRight, EDITOR_WIDTH))
        self.editor_button.setToolTip(tr("You decide as {name} (from {source}); the audit trail names you so. "
                                         "Click to change it in Preferences").format(
            name=editor.name, source=tr(_SOURCES.get(editor.source, editor.source))))
        self.editor_button.show()
        self.editorChanged.emit(editor.name)

    def setting_changed(self) -> None:
        """Preferences were applied: resolve the editor again, on the writer lane (in order with decisions)."""
        folder = getattr(self.window.queue, "folder", None)
        if folder is None:
            return
        setting = self.window.settings.editor_name
        self.window.desk.lane.run(resolve_editor, folder, setting, done=self._on_editor)

    # --- the review state -------------------------------------------------------------
    def _on_book(self, book: Any) -> None:
        self.book = book

    def _on_review(self, states: dict[str, str]) -> None:
        self.window.model.set_review(states)
        self.reviewChanged.emit(list(states))

    def history(self, relpath: str) -> list[Any]:
        return [] if self.book is None else self.book.history(relpath)

    # --- the log's health -------------------------------------------------------------
    def after_decision(self) -> None:
        recorder = self.recorder
        if recorder is None:
            return
        for notice in recorder.take_notices():
            self.window.status.show_notice(notice, NOTICE_MS)
        failing = dict(recorder.failing)
        if failing:
            text = "\n".join(tr("{log}: {why}").format(log=str(path), why=why) for path, why in failing.items())
            self.log_warning.setToolTip(tr("The audit log is not being kept: decisions are still written, "
                                           "but they are missing from the trail.\n{logs}").format(logs=text))
            self.log_warning.show()
        else:
            self.log_warning.hide()

    def _explain_log(self) -> None:
        QMessageBox.warning(self.window, tr("Audit log not kept"), self.log_warning.toolTip())
