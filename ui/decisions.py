"""The window's side of a decision: the undo stack, pending marks on the rows,
and the conflict dialog. What a write's result *means* is the core's
(`app.decisions`); this adapter only shows it.

`DecisionDesk` is the `EditSink` of the undo commands: a `FieldEdit`'s redo()
or undo() hands it one change (the value to set, and the value the editor
saw); it marks the row pending and queues the decision for the one writer
lane; each outcome then updates the row once, or opens the dialog.

Decisions that queue up while the writer is busy (keys pressed faster than
files are written) are taken together, in order, by `app.decisions.decide_all`:
their writes are under way at once and the audit log is fsynced once for them.
A run never takes a decision queued after other work on the lane (a bulk
decision, a team sync): that work keeps its place between them.

GUI thread only (outcomes arrive through the lane's callback).
"""
from __future__ import annotations

import contextlib
import threading
import traceback
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QWidget

from app.decisions import REVIEW, Decision, Outcome, Recorder, decide_all, describe_value, same
from app.queue.own_writes import warm_write_helpers
from ui.background import NOTHING, Lane
from ui.commands import FieldEdit, live_command
from ui.conflict_dialog import APPLY_MINE, Conflict, ConflictDialog
from ui.queue_cells import Landed
from ui.queue_model import ArticleTableModel
from ui.i18n import tr
from ui.text import capped

if TYPE_CHECKING:
    from app.queue import ReviewQueue


# A context manager factory held around each decision on the writer thread.
Guard = Callable[[], contextlib.AbstractContextManager[Any]]

RUN_MOST = 16  # decisions taken by the writer at once, at most: their rows hear back together (a frame's worth)


class Queued(NamedTuple):
    """A decision waiting for the writer, with what it is written into and recorded by."""
    ticket: int  # its call's ticket on the writer lane
    queue: ReviewQueue
    decision: Decision
    recorders: tuple[Recorder, ...]
    guards: tuple[Guard, ...]
    command: FieldEdit | None

    def joins(self, earlier: Queued) -> bool:
        """Written in one run after `earlier`: queued right after it, into the same queue, with the same accounts."""
        return self.ticket == earlier.ticket + 1 and self.queue is earlier.queue \
            and self.recorders == earlier.recorders and self.guards == earlier.guards


class DecisionDesk(QObject):
    message = Signal(str)  # the last write's result, for the status bar
    rowTouched = Signal(str)  # relpath whose pending state or values changed
    conflictClosed = Signal()  # the dialog is gone: the queue should have focus again
    revisited = Signal(str)  # an undo or redo wrote this relpath: the editor's place goes there
    articleWritten = Signal(str, object)  # relpath, its new Article: the pane shows it without a read
    writeFailed = Signal(str)  # an editor's decision about this relpath was not saved: show it there
    decisionLanded = Signal()  # a decision's outcomes are shown: its recorders' notices can be said

    def __init__(self, model: ArticleTableModel, dialog_parent: QWidget) -> None:
        super().__init__(dialog_parent)
        self.model = model
        self._dialog_parent = dialog_parent
        self.undo_stack = QUndoStack(self)
        self.lane = Lane("copydesk-writer", 1, parent=self)  # one writer: decisions land in order
        self.queue: ReviewQueue | None = None  # where decisions go; None while no folder is open
        self.conflict_dialog: ConflictDialog | None = None
        self._conflicts: deque[Conflict] = deque()
        self._outstanding = 0
        self._queued: deque[Queued] = deque()  # appended here, taken by the writer thread
        # Accounts of each decision: the audit trail first (ui.audit), then a team queue's
        # commits (ui.team_status), so that a commit carries the log line. Guards: context
        # managers held around each decision on the writer thread (a team sync's working-copy
        # lock). Both are taken when a decision is submitted, so it is recorded where it was decided.
        self.recorders: list[Recorder] = []
        self.guards: list[Guard] = []
        self.helpers_warm = False  # the writer's helper processes were started (`warm_helpers`)

    @property
    def busy(self) -> bool:
        """A decision is on its way to the disk."""
        return self._outstanding > 0

    def warm_helpers(self) -> None:
        """Start the helper processes that write a run of many files (a bulk
        decision, or keys that queued up) now, once, on a thread of their own,
        so that the run does not wait for them to start."""
        if self.helpers_warm:
            return
        self.helpers_warm = True
        threading.Thread(target=_warm_quietly, name="copydesk-warm-writers", daemon=True).start()

    def set_queue(self, queue: ReviewQueue | None) -> None:
        """A folder was opened (or closed, with None): decisions about the old one
        can no longer be undone into it."""
        self.queue = queue
        self.undo_stack.clear()
        self.close_conflicts()

    def title(self, relpath: str) -> str:
        """The article's title as messages name it (capped: a title may be megabytes)."""
        summary = self.model.summary(relpath)
        return capped(summary.title if summary is not None and summary.title else relpath.rsplit("/", 1)[-1], 200)

    def decide(self, relpath: str, name: str, old: Any, new: Any, reason: str | None = None) -> bool:
        """Push the decision `name: old -> new` (which writes it). False if it changes nothing."""
        if same(old, new):
            self.message.emit(tr("{title}: {field} is already {value}").format(
                title=self.title(relpath), field=name, value=describe_value(name, new)))
            # What the editor saw may be stale (changed on disk, not reported yet):
            # the writer confirms it. Nothing is written if the file agrees; if it
            # does not, the conflict dialog asks, as for any other decision.
            self.submit_edit(relpath, {name: new}, {name: old}, None)
            return False
        self.undo_stack.push(FieldEdit(self, relpath, self.title(relpath), name, old, new, reason))
        return True

    def mark_reviewed(self, relpath: str, saw: dict[str, Any]) -> None:
        """R: record that the editor looked at the article and kept `saw` (nothing
        is written; a file that no longer holds `saw` is not marked)."""
        self.submit_edit(relpath, {REVIEW: True}, saw, None)

    # --- EditSink -------------------------------------------------------------------
    def submit_edit(self, relpath: str, changes: dict[str, Any], expected: dict[str, Any],
                    command: FieldEdit | None, source: str = "window") -> None:
        queue = self.queue
        if queue is None:
            self.message.emit(tr("No folder open: nothing written"))
            return
        if self._outstanding:
            self.warm_helpers()  # keys come faster than files are written: runs of them go to the helpers
        self.model.begin_write(relpath, changes)
        reason = command.reason if command is not None and source != "undo" else None
        decision = Decision.one(relpath, changes, expected, source=source, reason=reason)  # type: ignore[arg-type]
        self._outstanding += 1
        ticket = self.lane.tickets + 1
        self._queued.append(Queued(ticket, queue, decision, tuple(self.recorders), tuple(self.guards), command))
        if self.lane.run(_decide_queued, self._queued, ticket, done=self._on_run_decided) is None:
            self._queued.pop()  # the window is closing: the lane takes nothing more
            self._outstanding -= 1
            self.model.end_write(relpath, changes, ok=False, disk_values=None, message=tr("the window is closing"))
            return
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
        self.message.emit(tr("Cannot undo: {field} was not set before, and Copydesk never removes a value — "
                             "{title} stays {value}").format(field=command.name, title=self.title(command.relpath),
                                                             value=describe_value(command.name, command.new)))

    # --- outcomes ---------------------------------------------------------------------
    def _on_run_decided(self, run: list[tuple[Queued, list[Outcome]]]) -> None:
        """A run of decisions landed: their rows are updated in one go (`end_writes`),
        then each outcome is told, in order."""
        self._outstanding = max(0, self._outstanding - len(run))
        shown = [(queued.command, outcomes) for queued, outcomes in run if queued.queue is self.queue]
        # (a folder closed since: nothing to show of what was written into it)
        if not shown:
            return
        self.model.end_writes([Landed.of(o) for _, outcomes in shown for o in outcomes])
        for command, outcomes in shown:
            for outcome in outcomes:
                self._tell(outcome, command)
        self.decisionLanded.emit()

    def _tell(self, outcome: Outcome, command: FieldEdit | None) -> None:
        """What an outcome means, once its row shows what is on disk."""
        relpath, changes, title = outcome.path, dict(outcome.values), self.title(outcome.path)
        if outcome.status == "failed":
            self.message.emit(tr("Not saved: {path}: {message}").format(path=relpath, message=outcome.message))
            self._forget(live_command(command))
            if command is not None:
                self.writeFailed.emit(relpath)
        elif outcome.status == "written":
            note = f" ({outcome.warning})" if outcome.warning else ""
            self.message.emit(tr("Saved: {title} — {message}").format(title=title, message=outcome.message) + note)
            if outcome.article is not None:
                self.articleWritten.emit(relpath, outcome.article)
        elif outcome.status == "already" and command is not None:
            self.message.emit(tr("Unchanged: {title} — {message} on disk").format(title=title,
                                                                                   message=outcome.message))
        elif outcome.status == "marked":
            self.message.emit(tr("Marked reviewed: {title}").format(title=title))
        elif outcome.status == "conflict" and REVIEW in changes:
            self.message.emit(tr("Not marked reviewed: {title} changed on disk — {message}").format(
                title=title, message=outcome.message))
        elif outcome.status == "conflict":
            self.message.emit(tr("Changed on disk: {title} — {message}").format(title=title,
                                                                                 message=outcome.message))
            for name in outcome.conflicts:
                saw = (outcome.saw or {}).get(name)
                self._raise_conflict(Conflict(relpath, title, name, saw, changes[name],
                                              outcome.disk.get(name), live_command(command)))
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
        command.mark_stale(tr("not saved"))
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
            self.message.emit(tr("Kept the disk value: {title} — {field} is {value}").format(
                title=conflict.title, field=conflict.name, value=describe_value(conflict.name, conflict.disk)))
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
        self.lane.drain()


def _warm_quietly() -> None:
    with contextlib.suppress(Exception):  # a helper that cannot start is started (or not) at the first run
        warm_write_helpers()


def _decide_queued(queued: deque[Queued], ticket: int) -> Any:
    """The writer thread's call for decision `ticket`: `NOTHING` if an earlier run
    took it (keys that queued up are taken by one run, and the GUI thread is not
    woken for each of the others); else it and the decisions queued right after
    it (`Queued.joins`, `RUN_MOST` at most), decided in one `decide_all`, inside
    each guard, as a list of (queued, outcomes). A decision that raises (a bug)
    is said as not saved, on stderr with its traceback, and the run goes on with
    the decisions after it."""
    if not queued or queued[0].ticket != ticket:
        return NOTHING
    run = [queued.popleft()]
    while queued and len(run) < RUN_MOST and queued[0].joins(run[-1]):
        run.append(queued.popleft())
    first = run[0]
    results: list[list[Outcome]] = []
    rest = [q.decision for q in run]
    with held(first.guards):
        while rest:
            told = _Ends()
            try:
                results.extend(decide_all(first.queue, rest, recorders=(*first.recorders, told)))
                rest = []
            except Exception as exc:  # noqa: BLE001 - a bug: said on stderr; the run's other decisions go on
                traceback.print_exc()
                rest = _after_a_break(told.ends, exc, results)
    return list(zip(run, results))


class _Ends:
    """A recorder that keeps each decision's outcomes as it ends (also when a run breaks)."""

    def __init__(self) -> None:
        self.ends: list[tuple[Decision, list[Outcome]]] = []

    def on_written(self, target: Any, decision: Decision, outcome: Outcome) -> None:
        pass

    def on_decided(self, target: Any, decision: Decision, outcomes: Sequence[Outcome]) -> None:
        self.ends.append((decision, list(outcomes)))

    def grouped(self) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()


def _after_a_break(ends: list[tuple[Decision, list[Outcome]]], exc: Exception,
                   results: list[list[Outcome]]) -> list[Decision]:
    """A run raised: the decisions before the one that broke keep their outcomes,
    its files without one are said as not saved (their rows show it), and the
    decisions after it are what is left to decide, but for those whose writes
    were under way when it broke (a run of many is written by helpers): the
    run took them in and ended them (`decide_all`), so they keep their
    outcomes and are not decided, nor told to the recorders, a second time."""
    broke = False
    for k, (decision, outcomes) in enumerate(ends):
        if len(outcomes) == len(decision.changes):
            results.append(outcomes)  # (after the break: under way, taken in; they come first, begun in order)
        elif broke:
            return [d for d, _ in ends[k:]]
        else:
            broke = True
            heard = {o.path for o in outcomes}
            results.append(outcomes + [Outcome(c.path, "failed", dict(c.values),
                                               f"the writer stopped on an error ({exc!r}); the file may not hold it",
                                               None if c.saw is None else dict(c.saw))
                                       for c in decision.changes if c.path not in heard])
    return []


@contextlib.contextmanager
def held(guards: Sequence[Guard]) -> Iterator[None]:
    """Inside every guard that can be taken (on the writer thread). A guard that cannot
    (a sync holding the working copy far too long) does not stop the decision: the
    write is atomic on its own; the guard only orders it."""
    with contextlib.ExitStack() as stack:
        for guard in guards:
            try:
                stack.enter_context(guard())
            except Exception:  # noqa: BLE001
                pass
        yield
