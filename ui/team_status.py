"""The window's side of a team queue (a queue folder inside a git working copy):
one `TeamSession` per open folder, its sync state in the status bar, File >
Sync Now (F6), and the hand-off to the conflict list (`ui.team_conflicts`)
and the claims (`ui.claims`).

    team = TeamDesk(settings, window)
    team.open(folder, desk)       # when a folder has opened; git's answer comes later
    team.close_folder(desk)       # before another folder opens
    team.sync_now()               # F6, or a click on the status
    team.shutdown(desk)           # the window closes (after the writer drained)

Threads: `open_team` (one `git rev-parse`) runs on the "copydesk-team-open"
lane; every other git command runs on the session's own "copydesk-git"
thread. The session's events arrive there and are posted here with a queued
signal; the GUI thread only reads snapshots (`status()`, `claims()`,
`conflicts()`) and submits work. A decision's commit is described on the
writer thread by the session's recorder (`DecisionDesk.recorders`), and the
writer holds the session's working-copy lock around each decision
(`DecisionDesk.guards`), so a sync never replaces a file mid-decision.

GUI thread only.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QToolButton, QWidget

from ui import palette
from ui.background import Lane
from ui.i18n import count, tr
from ui.settings import WindowSettings

if TYPE_CHECKING:
    from app.team.schedule import SyncStatus
    from app.team.session import TeamEvent, TeamSession
    from ui.decisions import DecisionDesk

CLOCK_MS = 1000  # "synced 10 s ago" stays true
MAX_WAIT_S = 3600.0  # the sync timer is re-armed at least this often
CLOSE_TIMEOUT_S = 30.0  # closing the window: queued commits get this long to finish


def _open_team(folder: str, identity: Any, settings: Any, on_change: Callable[[Any], None],
               log_file: Callable[[Path], Path | None] | None) -> Any:
    """On the open lane: the folder's TeamSession, or TeamOff (imported here: git is not needed to start)."""
    from app.team.session import open_team

    return open_team(folder, identity=identity, settings=settings, on_change=on_change, log_file=log_file)


def ago_text(seconds: float) -> str:
    """"10 s ago", "3 min ago", "2 h ago", "4 d ago"."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return tr("{n} s ago").format(n=seconds)
    if seconds < 3600:
        return tr("{n} min ago").format(n=seconds // 60)
    if seconds < 86400:
        return tr("{n} h ago").format(n=seconds // 3600)
    return tr("{n} d ago").format(n=seconds // 86400)


def short(text: str, limit: int = 160) -> str:
    """A reason git gave, cut to fit a status bar (the tooltip has it whole)."""
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _reason(text: str) -> str:
    return text.removeprefix("not committed: ")


def status_text(status: SyncStatus, now: float | None = None) -> tuple[str, str, str]:
    """(the status bar's words, their tooltip, a kind: "ok", "busy", "waiting", "problem")."""
    text, tip, kind = _status_text(status, now)
    if status.not_committed and status.state != "blocked":
        tip += "\n" + tr("The last decision is saved but not committed: {reason}").format(
            reason=_reason(status.not_committed))
    return text, tip, kind


def _status_text(status: SyncStatus, now: float | None = None) -> tuple[str, str, str]:
    now = time.time() if now is None else now
    n = status.unshared
    waiting = count(n, tr("%Ln decision not yet shared", "", n), tr("%Ln decisions not yet shared", "", n)) \
        if n else ""
    synced = tr("synced {ago}").format(ago=ago_text(now - status.last_synced)) \
        if status.last_synced is not None else ""
    retry = tr("Click to sync again (F6)")
    if status.state == "conflicts":
        c = status.conflicts
        text = count(c, tr("%Ln conflict to settle", "", c), tr("%Ln conflicts to settle", "", c))
        return (" · ".join(p for p in (text, waiting) if p),
                tr("Another editor set the same field to another value: click to choose"), "problem")
    if status.state == "syncing":
        return " · ".join(p for p in (tr("Syncing…"), waiting) if p), tr("Sharing decisions through git"), "busy"
    if status.state in ("offline", "failed"):
        text = tr("Sync failed: {reason}").format(reason=short(status.message))
        return (" · ".join(p for p in (text, waiting) if p),
                status.message + "\n" + retry, "problem")
    if status.state == "blocked":
        return (tr("Not syncing: {reason}").format(reason=short(status.message)),
                tr("{reason}\nDecisions are saved but not committed until then. {retry}").format(
                    reason=status.message, retry=retry), "problem")
    if status.state == "local":
        return tr("No remote: decisions are committed here only"), tr("This working copy has no git remote"), "ok"
    if status.not_committed:
        return (tr("Not committed: {reason}").format(reason=short(_reason(status.not_committed))),
                _reason(status.not_committed), "problem")
    if waiting:
        text = " · ".join(p for p in (waiting, synced) if p)
        return text, retry, "waiting"
    if synced:
        return synced[0].upper() + synced[1:], tr("Every decision is shared. {retry}").format(retry=retry), "ok"
    return tr("Not synced yet"), retry, "busy"


class TeamStatusButton(QToolButton):
    """The sync state in the status bar; a click syncs (or, with conflicts, lists them)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncStatus")
        self.setAccessibleName(tr("Team sync"))
        self.setAutoRaise(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # F6 is the keyboard's way
        self.kind = ""
        self.hide()

    def show_status(self, text: str, tip: str, kind: str) -> None:
        self.setText(text)
        self.setToolTip(tip)
        if kind != self.kind:
            self.kind = kind
            color = palette.css(palette.tones().error_text) if kind == "problem" else ""
            self.setStyleSheet(f"QToolButton {{ color: {color}; }}" if color else "")
        self.show()


class TeamDesk(QObject):
    message = Signal(str)  # a result for the status bar's write label (claims, a commit refused)
    notice = Signal(str)  # folder-level news (team features off, decisions received)
    claimsChanged = Signal()  # `claims()` may have changed: rows and the pane show it
    conflictsChanged = Signal()  # the last sync met conflicts (or no longer does)
    _posted = Signal(int, object)  # (session token, TeamEvent), from "copydesk-git"

    def __init__(self, settings: WindowSettings, parent: QWidget) -> None:
        super().__init__(parent)
        self.settings = settings
        self.session: TeamSession | None = None
        self.folder: Path | None = None
        self.off_message = ""  # why a working copy is no team queue here (said once)
        self._token = 0
        self._early: list[Any] = []  # events of the session being opened, before it is known here
        self._open_lane = Lane("copydesk-team-open", 1, parent=self)
        self._posted.connect(self._on_posted, Qt.ConnectionType.QueuedConnection)
        self.button = TeamStatusButton()
        self.button.clicked.connect(self._on_button)
        self._tick_timer = QTimer(self)
        self._tick_timer.setSingleShot(True)
        self._tick_timer.timeout.connect(self._tick)
        self._clock = QTimer(self)
        self._clock.setInterval(CLOCK_MS)
        self._clock.timeout.connect(self._show_status)
        self.on_conflicts_clicked: Callable[[], object] | None = None  # set by ui.team_conflicts
        # The editor's audit log in a queue folder, committed with each decision: set it when the
        # window keeps an audit trail (its recorder must come before the session's in DecisionDesk.recorders).
        self.log_file: Callable[[Path], Path | None] | None = None
        self._desk: DecisionDesk | None = None  # the window's, while a session runs

    # --- the open folder ----------------------------------------------------------
    @property
    def active(self) -> bool:
        return self.session is not None

    def open(self, folder: Path, desk: DecisionDesk) -> None:
        """Start the team session of `folder` if it is a team queue (the answer comes later)."""
        self.close_folder(desk)
        self._token += 1
        token = self._token
        self.folder = folder
        self.off_message = ""

        def on_change(event: Any, token: int = token) -> None:  # on "copydesk-git": hand it on, nothing else
            try:
                self._posted.emit(token, event)
            except RuntimeError:  # the window is gone
                pass

        self._open_lane.run(_open_team, str(folder), self._identity(), self._sync_settings(), on_change,
                            self.log_file, done=lambda result: self._on_opened(token, result, desk))

    def _identity(self) -> Any:
        name = self.settings.editor_name
        if not name:
            return None
        from app.team.repo import Identity

        return Identity(name, "")  # the email: COPYDESK_EMAIL, else the repository's git config

    def _sync_settings(self) -> Any:
        from app.team.schedule import SyncSettings

        after, every = self.settings.sync_after_s, self.settings.sync_every_s
        return SyncSettings(debounce_s=float(after), interval_s=float(every),
                            max_delay_s=float(max(after, min(30, every))), retry_s=float(min(15, every)))

    def apply_settings(self) -> None:
        """The preferences changed: the running session syncs by the new times."""
        if self.session is not None:
            self.session.configure(self._sync_settings())
            self._tick()

    def _on_opened(self, token: int, result: Any, desk: DecisionDesk) -> None:
        from app.team.session import TeamOff

        if token != self._token:  # another folder opened meanwhile
            if not isinstance(result, TeamOff):
                _close_later(result)
            return
        early, self._early = self._early, []
        if isinstance(result, TeamOff):
            if result.message:  # git missing or too old: said once (open_team keeps count), here until
                # another folder opens (a notice beside the counts would give way to the scan's)
                reason = result.message.removeprefix("team features unavailable: ")
                self.off_message = tr("Team features are off: {reason}").format(reason=reason)
                self.button.show_status(short(self.off_message), tr("Everything else works; the decisions "
                                                                          "are written, not committed"), "problem")
                self.notice.emit(self.off_message)
            return
        self.session = result
        self._desk = desk
        desk.recorders.append(result.recorder)
        desk.guards.append(result.worktree_guard)
        self._clock.start()
        for event in early:
            self._on_event(event)
        self._tick()

    def close_folder(self, desk: DecisionDesk) -> None:
        """Another folder opens: this session finishes its queued commits in the background
        (after the writer's queued decisions have described theirs)."""
        self._token += 1
        self._early = []
        session, self.session = self.session, None
        self._tick_timer.stop()
        self._clock.stop()
        self.button.hide()
        if session is None:
            return
        _remove(desk.recorders, session.recorder)
        _remove(desk.guards, session.worktree_guard)
        if desk.lane.run(_close_later, session) is None:  # the writer is closed: nothing more will come
            _close_later(session)
        self.claimsChanged.emit()
        self.conflictsChanged.emit()

    def shutdown(self, desk: DecisionDesk) -> None:
        """The window closes, the writer has drained: the queued commits finish (a bounded wait)."""
        self._open_lane.close()
        self._token += 1
        session, self.session = self.session, None
        self._tick_timer.stop()
        self._clock.stop()
        if session is not None:
            _remove(desk.recorders, session.recorder)
            _remove(desk.guards, session.worktree_guard)
            session.close(CLOSE_TIMEOUT_S)

    # --- syncing --------------------------------------------------------------------
    def sync_now(self) -> None:
        """File > Sync Now (F6)."""
        if self.session is None:
            self.message.emit(self.off_message or tr("This folder is not in a git working copy: nothing to sync"))
            return
        desk = self._desk
        if desk is not None and desk.busy:
            # Decisions are still on the writer lane: ask after them, so that the sync
            # finds their commits (each is handed to the session after its log line).
            session = self.session
            desk.lane.run(session.sync_now, done=lambda _none: self._tick())
            return
        self.session.sync_now()
        self._tick()

    def _on_button(self) -> None:
        if self.session is None:
            self.message.emit(self.off_message or tr("This folder is not in a git working copy: nothing to sync"))
            return
        status = self.session.status() if self.session is not None else None
        if status is not None and status.state == "conflicts" and self.on_conflicts_clicked is not None:
            self.on_conflicts_clicked()
        else:
            self.sync_now()

    def _tick(self) -> None:
        session = self.session
        if session is None:
            return
        wait = session.tick()
        if wait is not None:
            self._tick_timer.start(int(min(wait, MAX_WAIT_S) * 1000) + 20)
        self._show_status()

    def _show_status(self) -> None:
        if self.session is not None:
            self.button.show_status(*status_text(self.session.status()))

    # --- events from the git thread ------------------------------------------------------
    @Slot(int, object)
    def _on_posted(self, token: int, event: Any) -> None:
        if token != self._token:
            return  # an older folder's session
        if self.session is None:
            self._early.append(event)  # the session's first job finished before open_team's answer arrived
            return
        self._on_event(event)

    def _on_event(self, event: TeamEvent) -> None:
        for text in event.notices if event.kind != "not committed" else ():
            self.notice.emit(tr("Team: {notice}").format(notice=text))
        if event.kind == "not committed":
            self.message.emit(tr("Saved, but not committed: {reason}").format(
                reason=_reason(event.status.not_committed or "; ".join(event.notices))))
        if event.kind == "synced" and event.sync is not None and event.sync.received:
            n = event.sync.received
            self.notice.emit(count(n, tr("Received %Ln decision from the team", "", n),
                                   tr("Received %Ln decisions from the team", "", n)))
        if event.kind == "claims":
            for outcome in event.claims:
                self.message.emit(claim_outcome_text(outcome))
        if event.kind in ("opened", "synced", "claims"):
            self.claimsChanged.emit()
        if event.kind in ("opened", "synced", "notice"):
            self.conflictsChanged.emit()
        self._tick()

    # --- what the rest of the window reads ------------------------------------------
    def claims(self) -> dict[str, Any]:
        return self.session.claims() if self.session is not None else {}

    def conflicts(self) -> list[Any]:
        return self.session.conflicts() if self.session is not None else []


def claim_outcome_text(outcome: Any) -> str:
    """What became of one claim, as the status bar says it."""
    name = outcome.path.rsplit("/", 1)[-1]
    if outcome.status in ("claimed", "renewed"):
        return tr("Claimed {file}: {message}").format(file=name, message=outcome.message)
    if outcome.status == "tentative":
        return tr("Claimed {file} here only (tentative): {message}").format(file=name, message=outcome.message)
    if outcome.status == "released":
        return tr("Released {file}").format(file=name)
    return tr("Not claimed: {file}: {message}").format(file=name, message=outcome.message)


def _close_later(session: Any) -> None:
    """Finish a session's queued git work on a thread of its own (never the GUI thread's)."""
    threading.Thread(target=session.close, name="copydesk-team-close", daemon=True).start()


def _remove(items: list[Any], item: Any) -> None:
    for i, candidate in enumerate(items):
        if candidate == item:
            del items[i]
            return
