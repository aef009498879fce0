"""Accountable decisions in the window, wired in one place: the audit trail
(`ui.audit`), the History section of the pane (`ui.history`), Mark Reviewed
(R), Unpublish with a Reason (Shift+U, `ui.reason_picker`), the
multi-selection keys and bulk decisions (`ui.bulk`).

The main window keeps a `ReviewFeatures` and asks it, before a decision key
acts on the current article, whether the key is for many (`bulk_active`).

GUI thread only.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QTimer

from app.audit.reasons import load_reasons
from ui.audit import WindowAudit
from ui.background import Lane
from ui.bulk import BulkDesk
from ui.i18n import tr
from ui.reason_picker import ReasonPicker, pick_reason

HISTORY_REFRESH_MS = 60_000  # relative times ("5 minutes ago") stay true


class ReviewFeatures(QObject):
    def __init__(self, window: Any) -> None:  # the MainWindow (not imported: it imports this module)
        super().__init__(window)
        self.window = window
        self.audit = WindowAudit(window)
        self.bulk = BulkDesk(window)
        self.history = window.detail.history
        self.picker: ReasonPicker | None = None
        self._reasons_lane = Lane("copydesk-reasons", 1, parent=self)  # one small read, off the GUI thread
        self.audit.reviewChanged.connect(self._on_review_changed)
        self.audit.editor_button.clicked.connect(window.show_preferences)
        self._history_timer = QTimer(self)
        self._history_timer.setInterval(HISTORY_REFRESH_MS)
        self._history_timer.timeout.connect(self.show_history)
        self._history_timer.start()

    def handlers(self) -> dict[str, Any]:
        table = self.window.table
        return {
            "mark_reviewed": self.mark_reviewed,
            "unpublish_reason": self.unpublish_with_reason,
            "extend_next": lambda: table.extend_selection(+1),
            "extend_previous": lambda: table.extend_selection(-1),
            "select_all": table.selectAll,
        }

    def folder_opening(self) -> None:
        self.audit.folder_opening()

    def bulk_active(self) -> bool:
        return self.bulk.active()

    def show_counts(self) -> None:
        """The review filters' counts, after the status bar's article counts."""
        if self.audit.book is None:
            return
        counts = self.window.model.quick_counts()
        label = self.window.counts_label
        needs, changed = counts.get("needs_review", 0), counts.get("changed_since_review", 0)
        label.setText(tr("{counts} · {needs} · {changed}").format(
            counts=label.text(), needs=tr("%Ln to review", "", needs),
            changed=tr("%Ln changed since review", "", changed)))

    # --- History ------------------------------------------------------------------------
    def show_history(self) -> None:
        relpath = self.window.current_relpath()
        if relpath is None or self.window.model.summary(relpath) is None:
            self.history.show_entries(None, ())
            return
        self.history.show_entries(relpath, self.audit.history(relpath), available=self.audit.book is not None)

    def _on_review_changed(self, relpaths: list[str]) -> None:
        current = self.window.current_relpath()
        if current is not None and (current in relpaths or self.history.relpath != current):
            self.show_history()
        self.window._counts_timer.start()  # the quick filters' counts follow

    # --- R: mark reviewed ---------------------------------------------------------------
    def mark_reviewed(self) -> None:
        if self.bulk.active():
            self.bulk.mark_reviewed()
            return
        window = self.window
        relpath = window._editable_current()
        if relpath is None:
            return
        shown = window.model.shown_value
        window._auto_select = False
        window.desk.mark_reviewed(relpath, {"published": shown(relpath, "published"),
                                            "quality": shown(relpath, "quality")})
        if window.auto_advance_action.isChecked():
            window.move_selection(+1)

    # --- Shift+U: unpublish with a reason ----------------------------------------------------
    def unpublish_with_reason(self) -> None:
        window = self.window
        many = self.bulk.active()
        relpath = window._editable_current()
        if window.queue is None or (relpath is None and not many):
            return
        folder = window.queue.folder
        n = self.bulk.selected_count() if many else 1
        title = window.desk.title(relpath) if relpath and not many else tr("{n} articles").format(n=n)
        self._reasons_lane.run(load_reasons, folder, done=lambda reasons: self._pick(reasons, relpath, many, title))

    def _pick(self, reasons: Any, relpath: str | None, many: bool, title: str) -> None:
        window = self.window

        def chosen(reason: str) -> None:
            self._back_to_queue()
            if many:
                self.bulk.set_published(False, reason=reason)
                return
            if relpath is None or window.model.summary(relpath) is None:
                return
            old = window.model.shown_value(relpath, "published")
            window._auto_select = False
            window.desk.decide(relpath, "published", old, False, reason)
            if window.auto_advance_action.isChecked() and window.current_relpath() == relpath:
                window.move_selection(+1)

        self.picker = pick_reason(window, reasons.reasons, title, chosen, reasons.notice)
        self.picker.rejected.connect(self._back_to_queue)
        self.picker.finished.connect(self._picker_closed)

    def _picker_closed(self, _result: int) -> None:
        self.picker = None

    def _back_to_queue(self) -> None:
        self.window.activateWindow()  # without a window manager nobody hands activation back
        self.window.table.setFocus()

    def close(self) -> None:
        self._history_timer.stop()
        self.bulk.close()
        self._reasons_lane.close()

