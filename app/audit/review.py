"""The review state of every article of a queue, from its audit logs.

- **needs**: no decision about the article is logged;
- **reviewed**: its bytes are the ones logged after its last decision (by whom,
  when, what: `ArticleReview.last`);
- **changed**: a decision is logged, but the bytes differ from the SHA-256
  logged after the last one (a pipeline rewrote it, someone edited it by hand).

The last decision is the latest by logged time (ties: log name, then line), over
every editor's log. A "mark reviewed" is a decision like any other. A renamed
file is a new article (needs review) and its old path's history stays with the
old path.

`ReviewBook(queue)` reads every log once (`load()`: blocking, after the
queue's scan, on the same worker) and is kept current incrementally:
`files_changed` with the queue's changes (new hashes), `logs_changed` with the
queue's `on_log_changes` (new lines from git, a shared folder, another Copydesk),
and `appended` as this process's recorder appends (so the state is current
when the decision's outcome reaches the window, before the watcher hears of
the log). `start_watching(on_changes, on_review_changes)` wires the first two
into the queue's watcher; pass `book.appended` as the recorder's `on_appended`.

Threading: `load`, `files_changed`, `logs_changed` and `appended` block on the
disk; call them from the scan worker, the watcher thread or the writer thread
(they are serialized). `status`, `state`, `history`, `counts` and
`take_notices` are quick reads under a short lock: any thread, the GUI's too.
`on_review_changes(relpaths)` runs on the watcher thread or on the writer
thread: hand it to the GUI thread (a queued signal).
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from app.audit.log import LogEntry
from app.audit.trail import AuditTrail
from app.queue.location import LOG_DIR, is_log_relpath

if TYPE_CHECKING:
    from app.queue import QueueChange, ReviewQueue

ReviewStatus = Literal["needs", "reviewed", "changed"]
REVIEW_STATUSES: tuple[ReviewStatus, ...] = ("needs", "reviewed", "changed")


@dataclass(frozen=True, slots=True)
class ArticleReview:
    status: ReviewStatus
    last: LogEntry | None = None  # the last logged decision: editor, time, field, old -> new, reason


_NEEDS = ArticleReview("needs")


class ReviewBook:
    def __init__(self, queue: ReviewQueue, *, trail: AuditTrail | None = None) -> None:
        self.queue = queue
        self.trail = trail if trail is not None else AuditTrail(queue.folder)
        self._lock = self.trail.lock  # one lock: an installed log line and its states change together
        self._status: dict[str, ReviewStatus] = {}  # only articles that are rows and have a logged decision
        self._tally = {"reviewed": 0, "changed": 0}
        self._on_review: Callable[[list[str]], None] | None = None

    # --- reads (any thread) ----------------------------------------------------------

    def status(self, relpath: str) -> ReviewStatus:
        with self._lock:
            return self._status.get(relpath, "needs")

    def state(self, relpath: str) -> ArticleReview:
        with self._lock:
            status = self._status.get(relpath)
            return _NEEDS if status is None else ArticleReview(status, self.trail.last(relpath))

    def history(self, relpath: str) -> list[LogEntry]:
        """Each logged decision about the article, newest first (editor, time, field, old -> new, reason)."""
        return self.trail.history(relpath)

    def counts(self) -> dict[ReviewStatus, int]:
        """Articles of the queue in each state: {"needs": ..., "reviewed": ..., "changed": ...}."""
        total = len(self.queue)
        with self._lock:
            reviewed, changed = self._tally["reviewed"], self._tally["changed"]
        return {"needs": max(0, total - reviewed - changed), "reviewed": reviewed, "changed": changed}

    def take_notices(self) -> list[str]:
        """Corrupt log lines and unreadable logs, each said once."""
        return self.trail.take_notices()

    # --- updates (worker, watcher or writer thread) ----------------------------------

    def load(self) -> None:
        """Read every log and give every article its state."""
        self._restate(self.trail.refresh(None), report=False)

    def files_changed(self, changes: Iterable[QueueChange]) -> list[str]:
        """Articles added, changed or removed (the queue's `on_changes`): relpaths whose state changed."""
        with self._lock:
            logged = [c.path for c in changes if self.trail.last(c.path) is not None]
        return self._restate(logged, only_changed=True)

    def logs_changed(self, relpaths: Iterable[str]) -> list[str]:
        """Logs touched (the queue's `on_log_changes`): relpaths whose history or state changed."""
        wanted = list(relpaths)
        if LOG_DIR in wanted:
            return self._restate(self.trail.refresh(None))
        names = [rel.rpartition("/")[2] for rel in wanted if is_log_relpath(rel)]
        return self._restate(self.trail.refresh(names)) if names else []

    def appended(self, queue_folder: Path, log_name: str) -> None:
        """The recorder's `on_appended`: our own lines, read at once (writer thread)."""
        if os.path.realpath(queue_folder) != os.fspath(self.queue.folder):
            return  # a file of another queue folder
        touched = self._restate(self.trail.refresh([log_name]))
        callback = self._on_review
        if touched and callback is not None:
            callback(touched)

    def start_watching(self, on_changes: Callable[[list[QueueChange]], None],
                       on_review_changes: Callable[[list[str]], None]) -> None:
        """`queue.start_watching`, with the review state kept current on the way:
        `on_changes` hears the queue's batches as before (after the states are
        updated), `on_review_changes` the relpaths whose review state or
        history changed (watcher or writer thread)."""
        self._on_review = on_review_changes

        def changes(batch: list[QueueChange]) -> None:
            touched = self.files_changed(batch)
            on_changes(batch)
            if touched:
                on_review_changes(touched)

        def logs(relpaths: list[str]) -> None:
            touched = self.logs_changed(relpaths)
            if touched:
                on_review_changes(touched)

        self.queue.start_watching(changes, on_log_changes=logs)

    def _restate(self, relpaths: Iterable[str], *, only_changed: bool = False, report: bool = True) -> list[str]:
        """Recompute the state of these articles from their last entry and current hash;
        the relpaths to report, sorted (all of them, or `only_changed` states)."""
        wanted = list(relpaths)
        if not wanted:
            return []
        hashes = self.queue.sha256s_of(wanted)
        out: list[str] = []
        with self._lock:
            status, tally, last_of = self._status, self._tally, self.trail.last_entries().get
            for rel in wanted:
                last = last_of(rel)
                sha = hashes.get(rel)
                before = status.get(rel)
                if last is None or sha is None:
                    now = None  # not logged, or not an article of the queue (now)
                else:
                    now = "reviewed" if sha and last.sha256 == sha.hex() else "changed"
                if now != before:
                    if before is not None:
                        tally[before] -= 1
                        del status[rel]
                    if now is not None:
                        tally[now] += 1
                        status[rel] = now
                if report and (now != before or not only_changed):
                    out.append(rel)
        out.sort()
        return out


def review_status_of_file(queue_folder: str | os.PathLike[str], relpath: str, sha256: str | None) -> ReviewStatus:
    """One file's review state, from its queue's logs and its current hash
    (`copydesk show`; a queue that is open keeps a `ReviewBook` instead)."""
    last = AuditTrail(queue_folder).last(relpath)
    if last is None or sha256 is None:
        return "needs"
    return "reviewed" if last.sha256 == sha256 else "changed"
