"""Bulk decisions: P, U, Space, R, +, -, ] and [ on every selected article.

A bulk decision is one `app.decisions.Decision` (source `bulk`, one batch id)
run on the window's one writer lane, so it lands in order with single
decisions, through the same `decide()` and the same audit recorder:

- before more than `bulk/confirm_over` files (Preferences) the window asks
  once, naming the count;
- the outcomes stream back while the writer works: a timer takes them in a
  few milliseconds at a time, so the window stays responsive, and a progress
  line with a Cancel button shows for more than a few files. Cancel leaves the
  remaining files alone; what is written stays written and logged;
- one undo step (`BulkEdit`) takes back every file it wrote, as one new
  decision through the same compare-and-swap path (`undo_decision`): a file
  changed meanwhile is a conflict for that file only, listed, never
  overwritten. Redo applies the values again the same way;
- at the end one summary names every file that was not written (a conflict or
  a failure) with its message: in the status bar, and in a list the editor
  can open from there. Every success is kept.

GUI thread only; the decisions themselves run on the writer lane.
"""
from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.decisions import Change, Decision, Outcome, decide, new_batch_id, summarize_outcomes, undo_decision
from ui.decisions import Guard, held
from ui.i18n import count, number, tr
from ui.queue_cells import Landed
from ui.text import capped

PROGRESS_OVER = 5  # a bulk decision on more files than this shows its progress
DRAIN_MS = 30  # outcomes are taken in this often while a bulk decision runs
DRAIN_BUDGET_S = 0.008  # and for at most this long per turn (the window's 50 ms budget)

DecisionSource = Callable[[], "tuple[Decision, list[tuple[str, str]]]"]


class BulkJob:
    """One bulk decision on its way: outcomes arrive on the writer thread."""

    def __init__(self, label: str, make: DecisionSource, total: int) -> None:
        self.label = label
        self.make = make  # called on the writer thread (an undo reads what its redo wrote)
        self.total = total
        self.cancel = threading.Event()
        self.arrived: deque[Outcome] = deque()  # appended by the writer, taken by the GUI
        self.outcomes: list[Outcome] = []  # every outcome, in order (the writer's; read after it is done)
        self.cannot: list[tuple[str, str]] = []  # (path, field) an undo cannot write back
        self.shown = 0  # outcomes taken in
        self.finished = False
        self.failure = ""  # the writer raised (a bug): said in the summary

    def run(self, queue: Any, recorders: list[Any], guards: Sequence[Guard] = ()) -> None:
        """On the writer lane, inside the desk's guards (a team queue's working-copy lock)."""
        with held(guards):
            self._run(queue, recorders)

    def _run(self, queue: Any, recorders: list[Any]) -> None:
        decision, self.cannot = self.make()
        self.total = len(decision.changes)

        def arrived(outcome: Outcome) -> None:
            self.outcomes.append(outcome)
            self.arrived.append(outcome)

        decide(queue, decision, on_outcome=arrived, cancelled=self.cancel.is_set, recorders=recorders)


class BulkEdit(QUndoCommand):
    """A bulk decision as one undo step."""

    def __init__(self, bulk: BulkDesk, label: str, decision: Decision) -> None:
        super().__init__()
        self.bulk = bulk
        self.setText(label)
        self.decision = decision
        self.wrote: BulkJob | None = None  # the last job that applied the values (what undo takes back)
        self.undid: BulkJob | None = None  # the last undo (what a redo applies again)

    def redo(self) -> None:
        if self.wrote is None:
            first = self.decision
            self.wrote = self.bulk.submit(self.text(), lambda: (first, []), len(first.changes))
            return
        undid = self.undid
        self.wrote = self.bulk.submit(tr("Redo: {what}").format(what=self.text()),
                                      lambda: (_redo_decision(undid, self.decision), []), len(self.decision.changes))

    def undo(self) -> None:
        wrote = self.wrote
        self.undid = self.bulk.submit(tr("Undo: {what}").format(what=self.text()),
                                      lambda: undo_decision(wrote.outcomes if wrote else []),
                                      len(self.decision.changes))


def _redo_decision(undid: BulkJob | None, original: Decision) -> Decision:
    """The values again, on every file the undo wrote back, with what the undo wrote as what is seen."""
    wanted = {change.path: change.values for change in original.changes}
    changes = tuple(Change(o.path, dict(wanted[o.path]), dict(o.values))
                    for o in (undid.outcomes if undid else []) if o.status == "written" and o.path in wanted)
    return Decision(changes, source="bulk", reason=original.reason, batch=new_batch_id())


class BulkDesk(QObject):
    finished = Signal(object)  # a BulkJob is done and summed up

    def __init__(self, window: Any) -> None:  # the MainWindow (not imported: it imports this module)
        super().__init__(window)
        self.window = window
        self.desk = window.desk
        self.model = window.model
        self.jobs: list[BulkJob] = []  # in flight, in lane order
        self.last_problems: list[Outcome] = []
        self.last_summary = ""
        self.confirm_box: QMessageBox | None = None
        self.problems_dialog: ProblemsDialog | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(DRAIN_MS)
        self._timer.timeout.connect(self._drain)
        status = window.status
        self.progress_label = QLabel()
        self.progress_label.setObjectName("bulkProgress")
        self.progress_label.setAccessibleName(tr("Bulk decision progress"))
        self.cancel_button = QToolButton()
        self.cancel_button.setObjectName("bulkCancel")
        self.cancel_button.setText(tr("Cancel"))
        self.cancel_button.setToolTip(tr("Stop the bulk decision: what is written stays written and logged"))
        self.cancel_button.clicked.connect(self.cancel)
        self.problems_button = QToolButton()
        self.problems_button.setObjectName("bulkProblems")
        self.problems_button.setAutoRaise(True)
        self.problems_button.clicked.connect(self.show_problems)
        for widget in (self.progress_label, self.cancel_button, self.problems_button):
            widget.hide()
            status.addWidget(widget)
        if (selection := window.table.selectionModel()) is not None:
            selection.selectionChanged.connect(self._warm_helpers)

    def _warm_helpers(self) -> None:
        """More than one row selected: a bulk decision may follow, and its files are
        written by helper processes; start them now, not at the key."""
        if not self.desk.helpers_warm and self.selected_count() >= 2:
            self.desk.warm_helpers()

    # --- what is selected ---------------------------------------------------------------
    def selected_relpaths(self) -> list[str]:
        """The selected articles, in row order (every row the filter shows after Ctrl+A)."""
        view, proxy = self.window.table, self.window.proxy
        chosen = np.zeros(proxy.rowCount(), dtype=bool)  # (np.unique would import numpy.ma: 23 ms at the key)
        for r in view.selectionModel().selection():
            chosen[r.top():r.bottom() + 1] = True
        rows = np.flatnonzero(chosen)
        rows_of = self.model.table.rows
        return [rows_of[i].path for i in proxy.ids_of_rows(rows).tolist()]  # type: ignore[union-attr]

    def selected_count(self) -> int:
        return sum(r.bottom() - r.top() + 1 for r in self.window.table.selectionModel().selection())

    def active(self) -> bool:
        """More than one article is selected: keys act on all of them."""
        return self.selected_count() > 1

    def _editable(self, relpaths: Sequence[str]) -> list[str]:
        model = self.model
        return [p for p in relpaths if (s := model.summary(p)) is not None and not s.error]

    # --- decisions ------------------------------------------------------------------
    def set_published(self, value: bool, *, reason: str | None = None) -> None:
        relpaths = self._editable(self.selected_relpaths())
        shown = self.model.shown_value
        changes = [Change(p, {"published": value}, {"published": shown(p, "published")}) for p in relpaths]
        n = len(changes)
        if value:
            label = count(n, tr("Publish %Ln article", "", n), tr("Publish %Ln articles", "", n))
        else:
            label = count(n, tr("Unpublish %Ln article", "", n), tr("Unpublish %Ln articles", "", n))
        if reason:
            label = tr("{what}: {reason}").format(what=label, reason=reason)
        self._ask_then(label, changes, reason, undoable=True)

    def toggle(self) -> None:
        """Space: every selected article to the opposite of the current article's value."""
        current = self.window.current_relpath()
        old = self.model.shown_value(current, "published") if current else None
        self.set_published(not old)

    def step_quality(self, step: int, low: int, high: int) -> None:
        relpaths = self._editable(self.selected_relpaths())
        shown = self.model.shown_value
        changes = []
        for p in relpaths:
            old = shown(p, "quality")
            new = max(low, min(high, (old or 0) + step))
            if new != old:
                changes.append(Change(p, {"quality": new}, {"quality": old}))
        n = len(changes)
        label = count(n, tr("Quality {step} on %Ln article", "", n), tr("Quality {step} on %Ln articles", "", n)
                      ).format(step=f"{step:+d}")
        self._ask_then(label, changes, None, undoable=True)

    def mark_reviewed(self) -> None:
        relpaths = self._editable(self.selected_relpaths())
        shown = self.model.shown_value
        changes = [Change(p, {"review": True}, {"published": shown(p, "published"), "quality": shown(p, "quality")})
                   for p in relpaths]
        n = len(changes)
        label = count(n, tr("Mark %Ln article reviewed", "", n), tr("Mark %Ln articles reviewed", "", n))
        self._ask_then(label, changes, None, undoable=False)

    def _ask_then(self, label: str, changes: list[Change], reason: str | None, *, undoable: bool) -> None:
        if not changes:
            self.window.status.show_write(tr("{what}: nothing to change").format(what=label))
            return
        if self.desk.queue is None:
            self.window.status.show_write(tr("No folder open: nothing written"))
            return
        decision = Decision(tuple(changes), source="bulk", reason=reason, batch=new_batch_id())

        def go() -> None:
            if undoable:
                self.desk.undo_stack.push(BulkEdit(self, label, decision))  # pushing runs redo(): the first write
            else:
                self.submit(label, lambda: (decision, []), len(changes))

        over = self.window.settings.bulk_confirm_over
        if len(changes) <= over:
            go()
            return
        box = QMessageBox(QMessageBox.Icon.Question, tr("Bulk decision"),
                          tr("{what}? This writes {n} files (more than {over}, set in Preferences).").format(
                              what=label, n=number(len(changes)), over=number(over)),
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self.window)
        box.setObjectName("bulkConfirm")
        box.setDefaultButton(QMessageBox.StandardButton.Yes)
        self.confirm_box = box

        def answered(result: int) -> None:
            self.confirm_box = None
            if result == QMessageBox.StandardButton.Yes:
                go()
            else:
                self.window.status.show_write(tr("{what}: cancelled, nothing written").format(what=label))
            box.deleteLater()

        box.finished.connect(answered)
        box.open()

    # --- running --------------------------------------------------------------------
    def submit(self, label: str, make: DecisionSource, total: int) -> BulkJob:
        job = BulkJob(label, make, total)
        queue = self.desk.queue
        if queue is None:
            job.finished = True
            return job
        self.jobs.append(job)
        self.desk._outstanding += 1  # the window is busy until it lands (closing waits for it)
        self.desk.lane.run(job.run, queue, list(self.desk.recorders), tuple(self.desk.guards),
                           done=lambda _none: self._job_done(queue, job),
                           failed=lambda exc: self._job_failed(queue, job, exc))
        self._timer.start()
        self._show_progress()
        return job

    def cancel(self) -> None:
        for job in self.jobs:
            job.cancel.set()
        self.progress_label.setText(tr("Cancelling…"))

    def _job_failed(self, queue: Any, job: BulkJob, exc: BaseException) -> None:
        job.failure = str(exc) or type(exc).__name__
        self._job_done(queue, job)

    def _job_done(self, queue: Any, job: BulkJob) -> None:
        job.finished = True
        self.desk._outstanding = max(0, self.desk._outstanding - 1)
        if queue is not self.desk.queue:
            self.jobs = [j for j in self.jobs if j is not job]
            return
        self._drain()

    def _drain(self) -> None:
        deadline = time.perf_counter() + DRAIN_BUDGET_S
        model = self.model
        current = self.window.current_relpath()
        touched_current = False
        took: list[Outcome] = []
        shown = 0  # of them, shown in the model
        deferred = model.defer_sorting
        model.defer_sorting = True  # one re-sort per turn, not one per row
        try:
            for job in list(self.jobs):
                while job.arrived and time.perf_counter() < deadline:
                    outcome = job.arrived.popleft()
                    job.shown += 1
                    took.append(outcome)
                    touched_current |= outcome.path == current
                if job.arrived:
                    break  # out of time: the rest on the next turn, in order
                if job.finished:
                    self._show(took[shown:], current)
                    shown = len(took)
                    self.jobs.remove(job)
                    self._summarize(job)
                else:
                    break
            self._show(took[shown:], current)
        finally:
            model.defer_sorting = deferred
        if took:
            if not deferred:
                model.resort()
            self.desk.rowTouched.emit(current if touched_current and current else "")
        if not self.jobs:
            self._timer.stop()
        self._show_progress()

    def _show(self, outcomes: list[Outcome], current: str | None) -> None:
        """Show what a turn's outcomes left on disk: one model update for all of them."""
        if not outcomes:
            return
        self.model.end_writes([Landed.of(o) for o in outcomes])
        for outcome in outcomes:
            if outcome.status == "written" and outcome.article is not None and outcome.path == current:
                self.desk.articleWritten.emit(outcome.path, outcome.article)

    def _show_progress(self) -> None:
        job = next((j for j in self.jobs if not j.finished or j.arrived), None)
        if job is None or job.total <= PROGRESS_OVER:
            self.progress_label.hide()
            self.cancel_button.hide()
            return
        if not job.cancel.is_set():
            self.progress_label.setText(tr("{what}: {done} of {total}…").format(
                what=job.label, done=number(job.shown), total=number(job.total)))
        self.progress_label.show()
        self.cancel_button.setVisible(not job.finished)

    def _summarize(self, job: BulkJob) -> None:
        counts = summarize_outcomes(job.outcomes)
        problems = [o for o in job.outcomes if o.status in ("failed", "conflict")]
        parts = [tr("{n} written").format(n=number(counts["written"]))]
        if counts.get("marked"):
            parts = [tr("{n} marked reviewed").format(n=number(counts["marked"]))]
        parts += [tr("{n} already").format(n=number(counts["already"])),
                  count(counts["conflict"], tr("%Ln conflict", "", counts["conflict"]),
                        tr("%Ln conflicts", "", counts["conflict"])),
                  tr("{n} failed").format(n=number(counts["failed"]))]
        text = tr("{what}: {counts}").format(what=job.label, counts=", ".join(parts))
        left = job.total - len(job.outcomes)
        if job.cancel.is_set() and left > 0:
            text += " — " + tr("cancelled: {n} not decided; what is written stays written and logged").format(
                n=number(left))
        if job.cannot:
            text += " — " + tr("cannot undo {n}: not set before, and Copydesk never removes a value").format(
                n=number(len(job.cannot)))
        if job.failure:
            text += " — " + tr("stopped by an error: {message}").format(message=job.failure)
        if problems:
            text += " — " + "; ".join(f"{o.path}: {o.message}" for o in problems)
        self.last_summary = text
        self.window.status.show_write(capped(text, 1000))
        if problems:
            self.last_problems = problems
            n = len(problems)
            self.problems_button.setText(count(n, tr("%Ln file not written…", "", n),
                                               tr("%Ln files not written…", "", n)))
            self.problems_button.setToolTip(tr("Every file of the last bulk decision that was not written, "
                                               "with why"))
            self.problems_button.show()
        else:
            self.problems_button.hide()
        self.desk.decisionLanded.emit()
        self.finished.emit(job)

    def show_problems(self) -> None:
        dialog = ProblemsDialog(self.last_summary, self.last_problems, self.window)
        self.problems_dialog = dialog
        dialog.open()

    def close(self) -> None:
        self._timer.stop()


class ProblemsDialog(QDialog):
    """Every file a bulk decision did not write, with its message."""

    def __init__(self, summary: str, problems: Sequence[Outcome], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("bulkProblemsDialog")
        self.setWindowTitle(tr("Files not written"))
        layout = QVBoxLayout(self)
        head = QLabel(capped(summary.split(" — ")[0], 400))
        head.setWordWrap(True)
        layout.addWidget(head)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setObjectName("bulkProblemsList")
        kinds = {"conflict": tr("changed on disk"), "failed": tr("failed")}
        self.text.setPlainText("\n".join(tr("{path} ({kind}): {message}").format(
            path=o.path, kind=kinds.get(o.status, o.status), message=o.message) for o in problems))
        layout.addWidget(self.text, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        copy = QPushButton(tr("Copy"))
        copy.clicked.connect(lambda: (self.text.selectAll(), self.text.copy()))
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        layout.addWidget(buttons)
        self.resize(720, 360)
        self.setWindowModality(Qt.WindowModality.NonModal)
