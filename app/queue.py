"""The review queue: every article under one folder, kept current while others change it.

`ReviewQueue.scan()` lists the folder (index first, parallel parse for the
rest, rows streamed as they are ready); `start_watching()` keeps the rows in
step with the disk and reports settled batches of `QueueChange`;
`write()` is the one way the app edits a file, so its own writes are known by
content hash and reported once as `by="copydesk"` (writes by other Copydesk
processes too, through `app.own_writes`).

Threading rules:
- `scan()` and `write()` block; call them from a worker thread (never the GUI
  thread). `write()` calls should come from one serial writer.
- `on_changes` runs on the watcher thread ("copydesk-watch"); all
  reconciliation with the disk happens there, one batch at a time.
- `summaries()`, `get()`, `notices` may be read from any thread; one lock
  guards the rows.
"""
from __future__ import annotations

import gc
import os
import stat as stat_module
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

from app.index import E_MTIME, E_ROW, E_SHA, E_SIZE, IndexRow, QueueIndex, default_index_path
from app.model import WriteResult
from app.own_writes import OwnWriteJournal
from app.scan import (
    Checked,
    CheckRunner,
    Stamp,
    check_file,
    describe_file_error,
    is_ignored_relpath,
    stamp_of,
    walk_articles,
)
from app.summary import ArticleSummary

if TYPE_CHECKING:  # watchdog is imported only when watching starts: `copydesk list` never needs it
    from app.watch import FolderWatcher, ObserverFactory

# A file modified this close to when we read it may be modified again within
# the same timestamp tick (FAT has 2 s ticks), so its stamp is not trusted:
# the next scan confirms it by content hash.
TIMESTAMP_RESOLUTION_NS = 2_000_000_000
_SAVE_EVERY = 5000  # index rows per transaction during a scan (bounds memory at 100k files)
_WATCH_POOL_THRESHOLD = 1500  # a watcher batch bigger than this is parsed in worker processes
_OWN_WRITE_TTL = 120.0  # seconds an unreported own write is remembered

ChangeKind = Literal["added", "changed", "removed"]
ChangeBy = Literal["outside", "copydesk"]


@dataclass(frozen=True, slots=True)
class QueueChange:
    kind: ChangeKind
    path: str  # relative to the queue folder, '/'-separated
    by: ChangeBy
    summary: ArticleSummary | None  # None for "removed"


@dataclass(slots=True)
class ScanReport:
    total: int = 0  # rows in the queue after the scan
    parsed: int = 0  # files parsed this time
    from_index: int = 0  # rows taken from the index (including ones confirmed by hash)
    hashed: int = 0  # files read and hashed (parsed or confirmed unchanged)
    errors: int = 0  # error rows
    removed: int = 0  # index entries whose file is gone
    seconds: float = 0.0
    notices: list[str] = field(default_factory=list)
    # Folders that could not be listed, as (relpath, "" for the queue folder, and why):
    # the articles in them are missing from the rows.
    unreadable_folders: list[tuple[str, str]] = field(default_factory=list)


# What we know of a file as a plain tuple (100,000 are built on a warm open):
# (size, mtime_ns, ino, ctime_ns, sha256, checked_ns); [:4] is its stat stamp,
# and it is exactly the index columns E_SIZE..E_CHECKED.
FileState = tuple[int, int, int, int, bytes, int]
_MTIME: Final = 1
_SHA: Final = 4
_CHECKED: Final = 5


def _trusted(state: FileState, stamp: Stamp) -> bool:
    """Same stamp, and not modified within a timestamp tick of when we read it."""
    return state[:4] == stamp and state[_MTIME] <= state[_CHECKED] - TIMESTAMP_RESOLUTION_NS


class ReviewQueue:
    def __init__(self, folder: str | os.PathLike[str], *, index_path: str | os.PathLike[str] | None = None,
                 use_index: bool = True, poll: bool = False, workers: int | None = None,
                 rescan_interval: float | None = 300.0, poll_interval: float = 1.0,
                 observer_factory: ObserverFactory | None = None,
                 journal: OwnWriteJournal | None = None) -> None:
        self.folder = Path(folder).resolve()
        self.poll = poll
        self.workers = workers
        self.rescan_interval = rescan_interval
        self.poll_interval = poll_interval
        self.notices: list[str] = []
        self._notices_reported = 0  # notices[:n] were already in a ScanReport
        self._observer_factory = observer_factory
        self._lock = threading.RLock()
        self._rows: dict[str, ArticleSummary] = {}
        self._files: dict[str, FileState] = {}
        self._own: dict[str, tuple[bytes, float]] = {}  # relpath -> (sha256 of our write, when)
        self._writing: dict[str, int] = {}  # relpath -> writes in flight
        self._missing_since: dict[str, float] = {}  # watcher thread only
        self._watcher: FolderWatcher | None = None
        self._on_changes: Callable[[list[QueueChange]], None] | None = None
        # Set (after the last `on_changes`) when the watched folder itself went away.
        self.folder_gone = False
        self._root = os.fspath(self.folder)
        # Writes by other Copydesk processes (the window, `copydesk set`) are known through this.
        self._journal = journal if journal is not None else OwnWriteJournal()
        db = None
        if use_index:
            db = Path(index_path) if index_path is not None else default_index_path(self.folder)
        self._index = QueueIndex(db, self.folder)
        self._take_notices()

    # --- notices ----------------------------------------------------------

    def _notice(self, text: str) -> None:
        with self._lock:
            if text not in self.notices:
                self.notices.append(text)

    def _take_notices(self) -> list[str]:
        """Copy the index's new notices into ours; return the new ones."""
        fresh = []
        while self._index.notices:
            text = self._index.notices.pop(0)
            self._notice(text)
            fresh.append(text)
        return fresh

    def _new_notices(self) -> list[str]:
        """Notices not yet handed out in a ScanReport (the first report includes the opening's)."""
        with self._lock:
            fresh = self.notices[self._notices_reported:]
            self._notices_reported = len(self.notices)
            return fresh

    # --- reading ----------------------------------------------------------

    def summaries(self) -> list[ArticleSummary]:
        """A snapshot of every row, sorted by path."""
        with self._lock:
            rows = list(self._rows.values())
        rows.sort(key=lambda r: r.path)
        return rows

    def get(self, relpath: str) -> ArticleSummary | None:
        with self._lock:
            return self._rows.get(relpath)

    def __len__(self) -> int:
        with self._lock:
            return len(self._rows)

    def absolute(self, relpath: str) -> Path:
        parts = relpath.split("/")
        if not relpath or relpath.startswith("/") or ".." in parts:
            raise ValueError(f"not a path inside the queue: {relpath!r}")
        return self.folder.joinpath(*parts)

    # --- scanning ---------------------------------------------------------

    def scan(self, on_rows: Callable[[list[ArticleSummary]], None] | None = None,
             on_progress: Callable[[int, int], None] | None = None) -> ScanReport:
        """List the whole folder. Blocking; rows stream to `on_rows` in batches as they are ready.

        `on_progress(done, found)`: `found` grows while the folder is walked.
        Call it once before `start_watching()`; while watching, `rescan()` is the
        way to look again (changes then arrive through `on_changes`)."""
        started = time.perf_counter()
        report = ScanReport()
        if not self.folder.is_dir():
            self._notice(f"{self.folder}: not a folder")
            with self._lock:
                self._rows, self._files = {}, {}
            report.notices = self._new_notices()
            return report
        # Tens of thousands of new objects would trigger repeated full collections
        # that find nothing to free; collect once afterwards instead.
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            return self._scan(report, started, on_rows, on_progress)
        finally:
            if gc_was_enabled:
                gc.enable()

    def _scan(self, report: ScanReport, started: float,
              on_rows: Callable[[list[ArticleSummary]], None] | None,
              on_progress: Callable[[int, int], None] | None) -> ScanReport:
        entries = self._index.load()
        rows: dict[str, ArticleSummary] = {}
        files: dict[str, FileState] = {}
        batch: list[ArticleSummary] = []
        upserts: list[IndexRow] = []
        walk_errors: list[tuple[str, str]] = []
        found = 0
        last_progress = 0.0

        def flush() -> None:
            nonlocal batch
            if batch and on_rows is not None:
                on_rows(batch)
            batch = []

        def take(results: list[Checked]) -> None:
            nonlocal found
            for checked in results:
                if checked.vanished:
                    found -= 1  # deleted or renamed since the folder was listed
                    continue
                rel = checked.relpath
                entry = entries.get(rel)
                report.hashed += 1
                if checked.row is None and entry is not None:
                    values = entry[E_ROW:]
                    report.from_index += 1
                else:
                    values = checked.row or ArticleSummary(rel, error="unreadable").to_row()
                    report.parsed += 1
                row = ArticleSummary.from_row(rel, checked.size, checked.mtime_ns, values)
                rows[rel] = row
                files[rel] = checked.state
                batch.append(row)
                upserts.append((rel, checked.size, checked.mtime_ns, checked.ino, checked.ctime_ns,
                                checked.sha256, checked.checked_ns, values))
            if len(upserts) >= _SAVE_EVERY:
                self._index.save(upserts)
                upserts.clear()

        def progress(force: bool = False) -> None:
            nonlocal last_progress
            if on_progress is not None:
                now = time.monotonic()
                if force or now - last_progress > 0.1:
                    last_progress = now
                    on_progress(len(rows), found)

        with CheckRunner(self._root, workers=self.workers) as runner:
            for rel, st in walk_articles(self._root, errors=walk_errors):
                found += 1
                if isinstance(st, OSError):
                    path = os.path.join(self._root, rel)
                    if isinstance(st, FileNotFoundError) and not os.path.islink(path):
                        found -= 1  # deleted or renamed since its folder was listed
                        continue
                    row = ArticleSummary(rel, error=describe_file_error(path, st))
                    rows[rel] = row
                    batch.append(row)
                    continue
                entry = entries.get(rel)
                if entry is not None:
                    state = entry[E_SIZE:E_ROW]
                    if _trusted(state, (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)):
                        row = ArticleSummary.from_row(rel, entry[E_SIZE], entry[E_MTIME], entry[E_ROW:])
                        rows[rel] = row
                        files[rel] = state
                        batch.append(row)
                        report.from_index += 1
                        if len(batch) >= 2000:
                            flush()
                        continue
                runner.add(rel, entry[E_SHA] if entry is not None and entry[E_SHA] else None)
                done = runner.ready()
                if done:
                    take(done)
                    flush()
                    progress()
            flush()
            for results in runner.drain():
                take(results)
                flush()
                progress()
        gone = [rel for rel in entries if rel not in rows]
        self._index.save(upserts, gone)
        progress(force=True)
        for rel_dir, why in walk_errors:
            self._notice(f"cannot read folder {rel_dir or '.'}: {why}")
        report.unreadable_folders = walk_errors
        with self._lock:
            self._rows, self._files = rows, files
            self._missing_since.clear()
        report.total = len(rows)
        report.errors = sum(1 for row in rows.values() if row.error is not None)
        report.removed = len(gone)
        report.seconds = time.perf_counter() - started
        self._take_notices()
        report.notices = self._new_notices()
        return report

    # --- writing ----------------------------------------------------------

    def write(self, relpath: str, changes: dict[str, Any], expected: dict[str, Any] | None = None) -> WriteResult:
        """Edit one article through the one writer. Blocking; call from the serial writer thread."""
        from app.writer import write_front_matter_edit  # imported late: the writer pulls in the editor

        path = self.absolute(relpath)
        with self._lock:
            self._writing[relpath] = self._writing.get(relpath, 0) + 1
        result: WriteResult | None = None
        self._journal.begin(path)
        try:
            result = write_front_matter_edit(path, changes, expected)
            if result.status == "written" and result.sha256:
                digest = bytes.fromhex(result.sha256)
                checked = check_file(self._root, relpath, None)
                with self._lock:
                    now = time.monotonic()
                    self._own = {k: v for k, v in self._own.items() if now - v[1] < _OWN_WRITE_TTL}
                    if self._watcher is not None:
                        self._own[relpath] = (digest, now)
                    if checked.sha256 == digest:  # else someone wrote after us: the watcher reports it
                        self._apply(checked, None)
                if checked.sha256 == digest:
                    self._save([checked], [])
        finally:
            self._journal.finish(path, result.sha256 if result is not None and result.status == "written" else None)
            with self._lock:
                left = self._writing.get(relpath, 1) - 1
                if left:
                    self._writing[relpath] = left
                else:
                    self._writing.pop(relpath, None)
                watcher = self._watcher
        if watcher is not None:
            # Look at the file once more even if no event comes (a symlink's target outside the folder).
            watcher.request([relpath])
        return result

    def _apply(self, checked: Checked, previous: ArticleSummary | None) -> ArticleSummary:
        """Install a checked file as the current row. Call with the lock held."""
        if checked.row is None and previous is not None:
            row = replace(previous, size=checked.size, mtime_ns=checked.mtime_ns)
        else:
            row = ArticleSummary.from_row(checked.relpath, checked.size, checked.mtime_ns,
                                          checked.row or ArticleSummary(checked.relpath, error="unreadable").to_row())
        self._rows[checked.relpath] = row
        self._files[checked.relpath] = checked.state
        return row

    def _save(self, checked: list[Checked], removed: list[str]) -> None:
        rows: list[IndexRow] = []
        with self._lock:
            for c in checked:
                row = self._rows.get(c.relpath)
                if row is not None:
                    rows.append((c.relpath, c.size, c.mtime_ns, c.ino, c.ctime_ns, c.sha256, c.checked_ns,
                                 row.to_row()))
        if rows or removed:
            self._index.save(rows, removed)
            self._take_notices()

    # --- watching ---------------------------------------------------------

    def start_watching(self, on_changes: Callable[[list[QueueChange]], None]) -> None:
        """Watch the folder; `on_changes` gets settled batches on the watcher thread.

        Call after `scan()`. A quick stat pass right away catches what changed
        between the scan and now."""
        from app.watch import FolderWatcher

        if self._watcher is not None:
            raise RuntimeError("already watching")
        self._on_changes = on_changes
        self._watcher = FolderWatcher(self.folder, self._on_batch, poll=self.poll,
                                      poll_interval=self.poll_interval, rescan_interval=self.rescan_interval,
                                      observer_factory=self._observer_factory, on_notice=self._notice,
                                      on_gone=self._on_folder_gone)
        self._watcher.start()
        self._watcher.request(full=True)

    @property
    def watch_mode(self) -> str:
        """"native", "polling" or "stopped"."""
        return self._watcher.mode if self._watcher is not None else "stopped"

    def wait_settled(self, timeout: float = 10.0) -> bool:
        """Block until the watcher has handled everything reported to it so far.
        True when settled (or not watching); for tests, benchmarks and scripts."""
        watcher = self._watcher
        return True if watcher is None else watcher.wait_idle(timeout)

    def rescan(self) -> None:
        """Ask the watcher for a full stat pass now (changes arrive via `on_changes`)."""
        if self._watcher is not None:
            self._watcher.request(full=True)

    def stop(self) -> None:
        """Stop watching and close the index. Safe to call twice."""
        watcher, self._watcher = self._watcher, None
        if watcher is not None:
            watcher.stop()
        self._index.close()

    def _on_folder_gone(self) -> None:
        """The queue folder itself was deleted or moved away (watcher thread).

        Its files are no longer here, and the observer cannot follow it: every
        row is reported removed and watching ends (`folder_gone`). The index is
        left as it is, for the day the folder comes back."""
        with self._lock:
            changes = [QueueChange("removed", rel, "outside", None) for rel in sorted(self._rows)]
            self._rows, self._files = {}, {}
            self._own.clear()
            self._missing_since.clear()
        self._notice(f"{self.folder} was deleted or moved away; stopped watching it")
        if changes and self._on_changes is not None:
            self._on_changes(changes)
        self.folder_gone = True

    def _grace(self) -> float:
        # Long enough for an editor's rename/create dance; in polling mode one poll interval.
        return self.poll_interval if self.watch_mode == "polling" else 0.3

    def _on_batch(self, files: set[str], dirs: set[str], full: bool) -> None:
        """Re-stat touched paths and report what really changed. Runs on the watcher thread only."""
        stats: dict[str, os.stat_result | OSError] = {}
        candidates = set(files)
        forced = set(files)  # an event on the path: hash it even if the stamp looks unchanged
        with self._lock:
            known = list(self._rows) if (full or dirs) else []
        if full:
            dirs = {""}
        for rel_dir in dirs:
            if rel_dir and is_ignored_relpath(rel_dir):
                continue
            for rel, found in walk_articles(self._root, rel_dir):
                stats[rel] = found
                candidates.add(rel)
            prefix = rel_dir + "/" if rel_dir else ""
            candidates.update(rel for rel in known if rel.startswith(prefix))

        now = time.monotonic()
        to_check: list[tuple[str, bytes | None]] = []
        removed: list[str] = []
        retry: list[str] = []
        retry_soon: list[str] = []
        with self._lock:
            writing = set(self._writing)
            own = dict(self._own)
            states = {rel: self._files.get(rel) for rel in candidates}
            present = {rel for rel in candidates if rel in self._rows}
        for rel in candidates:
            if rel in writing:
                continue  # write() asks again when it is done
            st: os.stat_result | OSError | None = stats.get(rel)
            if st is None:
                try:
                    st = os.stat(os.path.join(self._root, rel))
                except OSError as exc:
                    st = exc
            missing = (isinstance(st, (FileNotFoundError, NotADirectoryError))
                       and not os.path.islink(os.path.join(self._root, rel))) or (
                isinstance(st, os.stat_result) and stat_module.S_ISDIR(st.st_mode))
            if missing:
                if rel in present:
                    since = self._missing_since.setdefault(rel, now)
                    if now - since >= self._grace():
                        removed.append(rel)
                    else:
                        retry.append(rel)
                continue
            self._missing_since.pop(rel, None)
            state = states.get(rel)
            if isinstance(st, os.stat_result) and state is not None and rel not in forced and rel not in own \
                    and _trusted(state, stamp_of(st)):
                continue
            to_check.append((rel, state[_SHA] if state is not None and state[_SHA] else None))

        results: list[Checked] = []
        if len(to_check) > _WATCH_POOL_THRESHOLD:
            with CheckRunner(self._root, workers=self.workers, inline_limit=0) as runner:
                for rel, digest in to_check:
                    runner.add(rel, digest)
                for chunk in runner.drain():
                    results.extend(chunk)
        else:
            results = [check_file(self._root, rel, digest) for rel, digest in to_check]

        # New content that this process did not write: ask the shared journal
        # whether another Copydesk did (or is doing so right now).
        unknown = [(c.relpath, c.sha256) for c in results
                   if c.row is not None and c.sha256 and own.get(c.relpath, (b"",))[0] != c.sha256]
        verdicts = self._journal.claim([(os.path.join(self._root, rel), sha) for rel, sha in unknown])
        others = {rel: verdicts[os.path.join(self._root, rel)] for rel, _ in unknown}

        changes: list[QueueChange] = []
        saved: list[Checked] = []
        with self._lock:
            for checked in results:
                rel = checked.relpath
                if rel in self._writing:
                    continue
                if checked.vanished:  # gone between the stat and the read: missing, as above
                    if rel in self._rows:
                        self._missing_since.setdefault(rel, now)
                        retry.append(rel)
                    continue
                if others.get(rel) == "pending":
                    retry_soon.append(rel)  # another Copydesk is writing it: decide once it is done
                    continue
                previous = self._rows.get(rel)
                mine = self._own.get(rel)
                by: ChangeBy = "outside"
                if mine is not None and mine[0] == checked.sha256:
                    del self._own[rel]
                    by = "copydesk"
                elif others.get(rel) == "mine":
                    by = "copydesk"
                row = self._apply(checked, previous)
                saved.append(checked)
                if previous is None:
                    changes.append(QueueChange("added", rel, by, row))
                elif by == "copydesk" or (checked.row is not None and row != previous):
                    changes.append(QueueChange("changed", rel, by, row))
            for rel in removed:
                if rel in self._rows and rel not in self._writing:
                    del self._rows[rel]
                    self._files.pop(rel, None)
                    self._own.pop(rel, None)
                    self._missing_since.pop(rel, None)
                    changes.append(QueueChange("removed", rel, "outside", None))
        self._save(saved, removed)
        if retry and self._watcher is not None:
            self._watcher.request(retry, delay=self._grace() + 0.02)
        if retry_soon and self._watcher is not None:
            self._watcher.request(retry_soon, delay=0.05)
        if changes and self._on_changes is not None:
            changes.sort(key=lambda c: c.path)
            self._on_changes(changes)


__all__ = ["ArticleSummary", "QueueChange", "ReviewQueue", "ScanReport"]
