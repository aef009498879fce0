"""A team queue as the window uses it: one object per open folder.

    team = open_team(folder, identity=..., log_file=audit.log_file_for, on_change=post_to_gui)
    if isinstance(team, TeamOff): show team.message once (or nothing: an ordinary folder)
    decide(queue, decision, recorders=[audit_recorder, team.recorder])  # under team.worktree_guard()
    QTimer: wait = team.tick(); restart the timer with `wait` seconds
    File > Sync Now: team.sync_now()
    status bar: team.status().describe()
    conflicts pane: team.conflicts(); a choice: team.resolve(relpath, "mine" | "theirs")
    rows: team.claims() -> {relpath: Claim}; C: team.claim([relpath]); team.release([...])
    closing the folder: team.close()

Threads: every method returns at once and may be called from any thread
(one lock guards the session's state); git runs on the session's own
`GitWorker` ("copydesk-git"), in order: the commits of decisions in the order
they were decided, a sync after the commits queued before it. `on_change`
is called on "copydesk-git" with a `TeamEvent` after each job: it must only
hand the event on (a queued signal to the GUI thread). The window's writer
holds `worktree_guard()` around each `decide()`, so a sync never replaces a
file while a decision writes it.
"""
from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from app.team.claims import Claim, ClaimOutcome, claim, clean_expired, list_claims, push_tentative, refresh, release
from app.team.commits import CommitRecorder, CommitRequest, NotCommitted, commit_request
from app.team.git import GitError, team_unavailable_message
from app.team.replay import FieldConflict
from app.team.repo import Identity, NotTeamQueue, TeamRepo
from app.team.schedule import SyncScheduler, SyncSettings, SyncStatus
from app.team.setup import ensure_registered
from app.team.sync import SyncResult, count_unshared, load_conflicts, resolve, sync
from app.team.worker import GitWorker

EventKind = Literal["opened", "committed", "not committed", "synced", "claims", "notice"]
_said_unavailable = False  # "team features unavailable" is said once per process
_said_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class TeamEvent:
    kind: EventKind
    status: SyncStatus
    sync: SyncResult | None = None
    incoming: tuple[str, ...] = ()  # queue relpaths a sync changed on disk (the watcher reports them too)
    claims: tuple[ClaimOutcome, ...] = ()
    notices: tuple[str, ...] = ()
    seconds: float = 0.0  # how long the job took ("committed", "synced")


@dataclass(frozen=True, slots=True)
class TeamOff:
    """Not a team queue. `message` is set (once per process) when it would be one
    but cannot: git missing or too old, a bare repository; empty for an ordinary folder."""

    message: str = ""


def open_team(folder: str | Path, *, identity: Identity | None = None,
              log_file: Callable[[Path], Path | None] | None = None, settings: SyncSettings | None = None,
              on_change: Callable[[TeamEvent], None] | None = None) -> TeamSession | TeamOff:
    """The team session of a queue folder, or TeamOff. Runs one quick git call
    (rev-parse); the registration check runs on the session's worker."""
    try:
        repo = TeamRepo.open(folder)
    except NotTeamQueue as exc:
        return TeamOff(_once(str(exc)) if _in_working_copy(Path(folder)) else "")
    return TeamSession(repo, identity=identity, log_file=log_file, settings=settings, on_change=on_change)


def _in_working_copy(folder: Path) -> bool:
    start = folder.resolve()
    return any((p / ".git").exists() for p in (start, *start.parents))


def _once(message: str) -> str:
    global _said_unavailable
    if team_unavailable_message() is None:
        return message  # not git's absence: a reason about this folder, said each time it opens
    with _said_lock:
        if _said_unavailable:
            return ""
        _said_unavailable = True
    return message


class TeamSession:
    def __init__(self, repo: TeamRepo, *, identity: Identity | None = None,
                 log_file: Callable[[Path], Path | None] | None = None, settings: SyncSettings | None = None,
                 on_change: Callable[[TeamEvent], None] | None = None) -> None:
        self.repo = repo
        self.identity_setting = identity
        self.on_change = on_change
        self._lock = threading.Lock()
        self._scheduler = SyncScheduler(settings)
        self._status = SyncStatus()
        self._conflicts: list[FieldConflict] = []
        self._claims: dict[str, Claim] = {}
        self._identity: Identity | None = None
        self._worker = GitWorker(on_error=self._on_error)
        self.recorder = CommitRecorder(self.commit, identity=identity, log_file=log_file)
        self._worker.submit(self._open_job)

    # --- the window's calls (any thread; return at once) ----------------------------

    def commit(self, request: CommitRequest) -> None:
        """Queue a decision's commit (CommitRecorder calls this on the deciding thread)."""
        self._worker.submit(self._commit_job, request)

    def worktree_guard(self) -> contextlib.AbstractContextManager[None]:
        """Hold around `decide()`: a sync waits to replace files until the decision is written."""
        return self.repo.worktree_locked()

    def tick(self, now: float | None = None) -> float | None:
        """Start a sync if one is due. Returns the seconds until the next one may be
        due (arm a single-shot timer), or None while one runs (an event follows)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            if self._scheduler.due(now):
                self._scheduler.started(now)
                self._status = replace(self._status, state="syncing")
                start = True
            else:
                start = False
            due = self._scheduler.next_due()
        if start:
            self._worker.submit(self._sync_job)
        return None if due is None else max(0.0, due - now)

    def sync_now(self) -> None:
        """File > Sync Now (F6): the next tick starts one (tick() is called here too)."""
        with self._lock:
            self._scheduler.requested(time.monotonic())
        self.tick()

    def configure(self, settings: SyncSettings) -> None:
        """New debounce and interval (the editor's preferences), from the next sync on."""
        with self._lock:
            self._scheduler.settings = settings

    def status(self) -> SyncStatus:
        with self._lock:
            return self._status

    def conflicts(self) -> list[FieldConflict]:
        """The conflicts the last sync met (paths are repository paths; `queue_relpath` maps them)."""
        with self._lock:
            return list(self._conflicts)

    def queue_relpath(self, repo_path: str) -> str | None:
        return self.repo.queue_relpath(repo_path)

    def resolve(self, relpath: str, take: str, field: str | None = None) -> None:
        """Settle one file's conflicts ("mine" or "theirs"), then sync again."""
        self._worker.submit(self._resolve_job, self.repo.repo_path(relpath), take, field)

    def claims(self) -> dict[str, Claim]:
        """{queue relpath: claim} as last refreshed (unexpired only)."""
        now = time.time()
        with self._lock:
            return {k: c for k, c in self._claims.items() if not c.expired(now)}

    def claim(self, relpaths: Sequence[str], minutes: float = 30.0) -> None:
        self._worker.submit(self._claims_job, "claim", [self.repo.repo_path(r) for r in relpaths], minutes)

    def release(self, relpaths: Sequence[str]) -> None:
        self._worker.submit(self._claims_job, "release", [self.repo.repo_path(r) for r in relpaths], 0.0)

    def refresh_claims(self) -> None:
        self._worker.submit(self._claims_job, "refresh", [], 0.0)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait for the queued git work (tests, closing). Not from the GUI thread with a long queue."""
        return self._worker.flush(timeout)

    def close(self, timeout: float | None = 30.0) -> bool:
        """Finish the queued commits (a sync already queued runs too), then stop the worker."""
        return self._worker.close(timeout)

    # --- jobs (the "copydesk-git" thread) ----------------------------------------------

    def _who(self) -> Identity:
        if self._identity is None:
            self._identity = self.repo.identity(self.identity_setting)
        return self._identity

    def _open_job(self) -> None:
        notices: list[str] = []
        try:
            notices = ensure_registered(self.repo)
        except (GitError, OSError) as exc:
            notices = [f"could not register Copydesk's merge driver: {exc}"]
        conflicts = load_conflicts(self.repo)
        unshared = count_unshared(self.repo)
        with self._lock:
            self._conflicts = conflicts
            state = "conflicts" if conflicts else self._status.state
            self._status = replace(self._status, unshared=unshared, conflicts=len(conflicts), state=state)
        self._refresh_claim_snapshot()
        self._emit(TeamEvent("opened", self.status(), notices=tuple(notices)))

    def _commit_job(self, request: CommitRequest) -> None:
        started = time.perf_counter()
        try:
            commit = commit_request(self.repo, replace(request, identity=request.identity or self._who()))
        except NotCommitted as exc:
            with self._lock:
                self._status = replace(self._status, not_committed=str(exc))
            self._emit(TeamEvent("not committed", self.status(), notices=(str(exc),)))
            return
        with self._lock:
            if commit is not None:
                self._scheduler.decided(time.monotonic())
                self._status = replace(self._status, unshared=self._status.unshared + 1, not_committed="")
        self._emit(TeamEvent("committed", self.status(), seconds=time.perf_counter() - started))

    def _sync_job(self) -> None:
        result = sync(self.repo, self._who(), after_fetch=self._after_fetch)
        conflicts = list(result.conflicts) if result.state == "conflicts" else load_conflicts(self.repo)
        with self._lock:
            self._scheduler.finished(time.monotonic(), result.ok)
            self._conflicts = conflicts
            self._status = SyncStatus(
                state=result.state,
                unshared=result.unshared if not result.ok else 0,
                last_synced=time.time() if result.ok else self._status.last_synced,
                message="" if result.ok else result.message, conflicts=len(conflicts),
                not_committed=self._status.not_committed)
        self._refresh_claim_snapshot()
        incoming = tuple(r for p in result.incoming if (r := self.repo.queue_relpath(p)) is not None)
        self._emit(TeamEvent("synced", self.status(), sync=result, incoming=incoming, seconds=result.seconds))

    def _after_fetch(self) -> None:
        """Inside the sync (lock held): offline claims go out, expired ones go away."""
        try:
            push_tentative(self.repo, self._who())
            clean_expired(self.repo, self._who())
        except GitError:
            pass  # claims are advisory: the sync itself goes on

    def _resolve_job(self, repo_path: str, take: str, field: str | None) -> None:
        try:
            resolve(self.repo, repo_path, take, field)
        except (LookupError, ValueError) as exc:
            self._emit(TeamEvent("notice", self.status(), notices=(str(exc),)))
            return
        with self._lock:
            self._scheduler.requested(time.monotonic())
        self.tick()

    def _claims_job(self, action: str, paths: list[str], minutes: float) -> None:
        outcomes: list[ClaimOutcome] = []
        who = self._who()
        try:
            if action == "claim":
                outcomes = claim(self.repo, paths, who, minutes)
            elif action == "release":
                outcomes = release(self.repo, paths, who)
            else:
                with self.repo.locked():
                    refresh(self.repo)
                    clean_expired(self.repo, who)
        except GitError as exc:
            self._emit(TeamEvent("notice", self.status(), notices=(f"claims: {exc.describe()}",)))
        self._refresh_claim_snapshot()
        self._emit(TeamEvent("claims", self.status(), claims=tuple(outcomes)))

    def _refresh_claim_snapshot(self) -> None:
        found = {}
        for item in list_claims(self.repo, self._who()):
            relpath = self.repo.queue_relpath(item.path)
            if relpath is not None:
                found[relpath] = item
        with self._lock:
            self._claims = found

    def _emit(self, event: TeamEvent) -> None:
        if self.on_change is not None:
            self.on_change(event)

    def _on_error(self, exc: BaseException) -> None:
        """A job that failed unexpectedly: the status says so; the worker goes on."""
        message = exc.describe() if isinstance(exc, GitError) else f"{type(exc).__name__}: {exc}"
        with self._lock:
            if self._scheduler.running:
                self._scheduler.finished(time.monotonic(), False)
            self._status = replace(self._status, state="failed", message=message)
        self._emit(TeamEvent("notice", self.status(), notices=(message,)))


__all__ = ["TeamEvent", "TeamOff", "TeamSession", "open_team"]
