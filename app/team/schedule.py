"""When to sync, and how the sync state reads to an editor. No Qt, no clock of its own.

`SyncScheduler` is driven by whoever owns a timer (the window's QTimer, a
test's fake clock): tell it what happened, with the time, and ask when the
next sync is due.

    scheduler.decided(now)          # a decision was committed
    scheduler.requested(now)        # File > Sync Now (F6)
    if scheduler.due(now): start a sync; scheduler.started(now)
    scheduler.finished(now, ok)     # the sync's result came back
    wake_at = scheduler.next_due()  # arm a single-shot timer for then

Rules: a sync starts `debounce_s` after the last decision (a burst of keys
is one sync), but never later than `max_delay_s` after the first decision
not yet synced (an editor who never pauses still shares); one runs every
`interval_s` anyway, to bring in others' decisions; after a failure the next
try comes `retry_s` later, doubling up to `interval_s`; never two at once.

Times are `time.monotonic()` seconds. One thread only (the window's GUI
thread): the scheduler holds no lock.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class SyncSettings:
    debounce_s: float = 5.0  # after the last decision
    interval_s: float = 120.0  # between syncs when nothing happens (others' decisions come in)
    max_delay_s: float = 30.0  # a decision waits at most this long however busy the editor is
    retry_s: float = 15.0  # after a failed sync (offline), doubling up to interval_s


class SyncScheduler:
    def __init__(self, settings: SyncSettings | None = None, now: float | None = None) -> None:
        self.settings = settings or SyncSettings()
        start = time.monotonic() if now is None else now
        self._running = False
        self._first_unsynced: float | None = None  # the oldest decision a sync has not taken yet
        self._last_decision: float | None = None
        self._periodic_at = start  # a sync soon after opening brings the queue up to date
        self._retry_at: float | None = None
        self._retry_delay = self.settings.retry_s
        self._asked = False
        self._taken: tuple[float | None, float | None] = (None, None)  # what the running sync carries

    @property
    def running(self) -> bool:
        return self._running

    def decided(self, now: float) -> None:
        if self._first_unsynced is None:
            self._first_unsynced = now
        self._last_decision = now

    def requested(self, now: float) -> None:
        """The editor asked: due now (or right after the sync that is running)."""
        self._asked = True

    def started(self, now: float) -> None:
        self._running = True
        self._asked = False
        # Decisions committed before this point travel with this sync.
        self._taken = (self._first_unsynced, self._last_decision)
        self._first_unsynced = self._last_decision = None

    def finished(self, now: float, ok: bool) -> None:
        self._running = False
        self._periodic_at = now + self.settings.interval_s
        if ok:
            self._retry_at = None
            self._retry_delay = self.settings.retry_s
            return
        first, last = self._taken
        if first is not None and (self._first_unsynced is None or first < self._first_unsynced):
            self._first_unsynced = first  # they are still not shared
            self._last_decision = max(last or first, self._last_decision or first)
        self._retry_at = now + self._retry_delay
        self._retry_delay = min(self._retry_delay * 2, self.settings.interval_s)

    def next_due(self) -> float | None:
        """When the next sync is due (monotonic seconds; may be in the past), or
        None while one runs (ask again after `finished`)."""
        if self._running:
            return None
        if self._asked:
            return float("-inf")
        candidates = [self._periodic_at]
        if self._last_decision is not None and self._first_unsynced is not None:
            decided_at = min(self._last_decision + self.settings.debounce_s,
                             self._first_unsynced + self.settings.max_delay_s)
            # After a failure, decisions wait for the retry rather than hammering an unreachable remote.
            candidates.append(decided_at if self._retry_at is None else max(decided_at, self._retry_at))
        elif self._retry_at is not None:
            candidates.append(self._retry_at)
        return min(candidates)

    def due(self, now: float) -> bool:
        due = self.next_due()
        return due is not None and due <= now


StatusState = Literal["off", "idle", "syncing", "synced", "offline", "failed", "conflicts", "blocked", "local"]


@dataclass(frozen=True, slots=True)
class SyncStatus:
    """A snapshot of a team queue's sync state (plain data: crosses threads)."""

    state: StatusState = "idle"
    unshared: int = 0  # decisions committed here, not yet on the remote
    last_synced: float | None = None  # time.time() of the last sync that went through
    message: str = ""  # why the last sync failed, or why team features are off
    conflicts: int = 0
    not_committed: str = ""  # why the last decision could not be committed, if it could not

    def describe(self, now: float | None = None) -> str:
        """One line for a status bar: "3 decisions not yet shared", "synced 10 s ago",
        "sync failed: cannot reach origin: ... · 3 decisions not yet shared"."""
        now = time.time() if now is None else now
        waiting = f"{self.unshared} decision{'s' if self.unshared != 1 else ''} not yet shared" \
            if self.unshared else ""
        if self.state == "off":
            return self.message
        if self.state == "conflicts":
            head = f"{self.conflicts} conflict{'s' if self.conflicts != 1 else ''} to settle before syncing"
        elif self.state == "syncing":
            head = "syncing…"
        elif self.state in ("offline", "failed", "blocked"):
            head = f"sync failed: {self.message}" if self.state != "blocked" else self.message
        elif self.state == "local":
            head = "no remote: decisions are committed here only"
            waiting = ""
        elif waiting:
            return waiting if self.last_synced is None else f"{waiting} · synced {_ago(now - self.last_synced)}"
        elif self.last_synced is not None:
            return f"synced {_ago(now - self.last_synced)}"
        else:
            return "not synced yet"
        if self.not_committed:
            head += f" · {self.not_committed}"
        return f"{head} · {waiting}" if waiting else head


def _ago(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{int(seconds)} s ago"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    return f"{int(seconds // 86400)} d ago"
