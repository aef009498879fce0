"""The review queue: every article under one folder, kept current while others change it.

`ReviewQueue.scan()` lists the folder (index first, parallel parse for the
rest, rows streamed as they are ready); `start_watching()` keeps the rows in
step with the disk and reports settled batches of `QueueChange`;
`write()` is how the app edits a file (the decision module calls it), so its
own writes are known by content hash and reported once as `by="copydesk"`
(writes by other Copydesk processes too, through `app.queue.own_writes`).

The queue's `settings` (its profile: `.copydesk/config.toml` or detected, see
`app.queue.config`) are read once, when it is made: they say which files are
articles and how each row is typed, and `write()` maps the meanings it is
given ("published") to the file's keys with them. A config file that cannot
be used is said in `notices`; the queue is then listed with the defaults it
would have without that file, and `write()` refuses until it is fixed (a
reopened queue reads it again).

Threading rules:
- `scan()` and `write()` block; call them from a worker thread (never the GUI
  thread). `write()` calls should come from one serial writer.
- `on_changes` runs on the watcher thread ("copydesk-watch"); all
  reconciliation with the disk happens there, one batch at a time.
- `on_log_changes` (audit logs under `.copydesk/log/` touched) runs on the
  same thread, after the article batch of the same burst.
- `summaries()`, `get()`, `notices` may be read from any thread; one lock
  guards the rows.
"""
from __future__ import annotations

import os
import stat as stat_module
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from app.article.model import WriteResult
from app.article.summary import ArticleSummary, summarize
from app.courtesy import pause_point
from app.memory import long_lived, no_collections, trim
from app.queue.config import QueueSettings, load_queue_settings
from app.queue.file_states import FileState, FileStates
from app.queue.full_scan import SHA, FullScan, ScanReport, trusted
from app.queue.duplicate_keys import canonical_urls
from app.queue.duplicate_records import RecordKeys, article_urls, duplicate_keys_row, summary_record
from app.queue.duplicate_tracker import DuplicateTracker, keys_for_scan, rescan_changes
from app.queue.index import IndexRow, KeysRow, QueueIndex, default_index_path
from app.queue.own_writes import OwnWriteJournal, WriteItem, begin_noted_writes, noted_write
from app.queue.scan import Checked, CheckRunner, check_file, is_ignored_relpath, stamp_of, walk_articles

if TYPE_CHECKING:  # watchdog is imported only when watching starts: `copydesk list` never needs it
    from app.queue.watch import FolderWatcher, ObserverFactory

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


class ReviewQueue:
    def __init__(self, folder: str | os.PathLike[str], *, index_path: str | os.PathLike[str] | None = None,
                 use_index: bool = True, poll: bool = False, workers: int | None = None,
                 rescan_interval: float | None = 300.0, poll_interval: float = 1.0,
                 observer_factory: ObserverFactory | None = None,
                 journal: OwnWriteJournal | None = None, settings: QueueSettings | None = None,
                 duplicates: bool = False) -> None:
        self.folder = Path(folder).resolve()
        # Read once: a changed profile takes effect when the queue is opened again.
        self.settings = settings if settings is not None else load_queue_settings(self.folder)
        self.mapping = self.settings.mapping
        self.rules = self.settings.rules
        self.poll = poll
        self.workers = workers
        self.rescan_interval = rescan_interval
        self.poll_interval = poll_interval
        self.notices: list[str] = []
        self._notices_reported = 0  # notices[:n] were already in a ScanReport
        self._observer_factory = observer_factory
        self._lock = threading.RLock()
        self._rows: dict[str, ArticleSummary] = {}
        self._files: FileStates = FileStates()
        self._own: dict[str, tuple[bytes, float]] = {}  # relpath -> (sha256 of our write, when)
        self._own_purged = 0.0  # when expired entries of _own were last dropped
        self._writing: dict[str, int] = {}  # relpath -> writes in flight
        self._missing_since: dict[str, float] = {}  # watcher thread only
        self._watcher: FolderWatcher | None = None
        self._on_changes: Callable[[list[QueueChange]], None] | None = None
        self._on_log_changes: Callable[[list[str]], None] | None = None
        # Set (after the last `on_changes`) when the watched folder itself went away.
        self.folder_gone = False
        self._root = os.fspath(self.folder)
        # Writes by other Copydesk processes (the window, `copydesk set`) are known through this.
        self._journal = journal if journal is not None else OwnWriteJournal()
        # With `duplicates`: the duplicate groups, built after the first scan and kept
        # current with every row installed since (`app.queue.duplicate_tracker`).
        self.duplicates: DuplicateTracker | None = DuplicateTracker() if duplicates else None
        db = None
        if use_index:
            db = Path(index_path) if index_path is not None else default_index_path(self.folder, self.mapping)
        self._index = QueueIndex(db, self.folder, self.mapping.fingerprint())
        if self.settings.error is not None:
            self._notice(f"{self.settings.error.describe()}; listed with the {self.settings.describe()}, "
                         "and no decision is written until the file is fixed")
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

    def relpaths(self) -> frozenset[str]:
        """Every row's relpath (no sorting, unlike `summaries()`)."""
        with self._lock:
            return frozenset(self._rows)

    def get(self, relpath: str) -> ArticleSummary | None:
        with self._lock:
            return self._rows.get(relpath)

    def __len__(self) -> int:
        with self._lock:
            return len(self._rows)

    def sha256_of(self, relpath: str) -> bytes | None:
        """The SHA-256 of the file's bytes as last read or written; None when it is
        not a row, b"" for a row whose bytes could not be read. Any thread."""
        with self._lock:
            if relpath not in self._rows:
                return None
            state = self._files.get(relpath)
            return state[SHA] if state is not None and state[SHA] else b""

    def sha256s_of(self, relpaths: Iterable[str]) -> dict[str, bytes]:
        """`sha256_of` for many paths under one lock: only the paths that are rows. Any thread."""
        with self._lock:
            rows, files = self._rows, self._files
            out: dict[str, bytes] = {}
            for rel in relpaths:
                if rel in rows:
                    state = files.get(rel)
                    out[rel] = state[SHA] if state is not None and state[SHA] else b""
            return out

    def locate(self, path: str) -> tuple[Path, str]:
        """(this queue's folder, `path`): a queue names its files by relpath already."""
        return self.folder, path

    def absolute(self, relpath: str) -> Path:
        parts = relpath.split("/")
        if not relpath or relpath.startswith("/") or ".." in parts:
            raise ValueError(f"not a path inside the queue: {relpath!r}")
        return self.folder.joinpath(*parts)

    # --- scanning ---------------------------------------------------------

    def scan(self, on_rows: Callable[[list[ArticleSummary]], None] | None = None,
             on_progress: Callable[[int, int], None] | None = None, *, watch: bool = False) -> ScanReport:
        """List the whole folder. Blocking; rows stream to `on_rows` in batches as they are ready.

        `on_progress(done, found)`: `found` grows while the folder is walked.
        Call it once before `start_watching()`; while watching, `rescan()` is the
        way to look again (changes then arrive through `on_changes`).

        `watch=True` (for a caller that calls `start_watching()` next): the folder
        is watched from before the walk, and what changes meanwhile is handed on
        when watching starts, instead of a second walk of the whole folder
        then (100,000 files: 1.4 s of Python beside the window's first sorts)."""
        started = time.perf_counter()
        if not self.folder.is_dir():
            self._notice(f"{self.folder}: not a folder")
            with self._lock:
                self._rows, self._files = {}, FileStates()
            return ScanReport(notices=self._new_notices())
        # The rows and their file states live as long as the queue: no full
        # collections while they pile up (app.memory.long_lived).
        with long_lived():
            scan = FullScan(self._root, self._index, workers=self.workers, on_rows=on_rows,
                            on_progress=on_progress, rules=self.rules, mapping=self.mapping,
                            keep_keys=self.duplicates is not None,
                            before_walk=self._watch_held if watch and self._watcher is None else None)
            report = scan.run()
        for rel_dir, why in report.unreadable_folders:
            self._notice(f"cannot read folder {rel_dir or '.'}: {why}")
        for rel, why in report.skipped_links:
            self._notice(f"not following {rel}: {why}")
        if report.stale_temp_removed:
            n = report.stale_temp_removed
            self._notice(f"removed {n} temp file{'s' if n != 1 else ''} left behind by interrupted Copydesk saves")
        tracker = self.duplicates
        with self._lock:
            previous = self._rows
            self._rows, self._files = scan.rows, scan.files
            self._missing_since.clear()
            if tracker is not None and tracker.built:  # a rescan: refile what it found changed
                tracker.apply(*rescan_changes(previous, scan.rows, scan.keys or {}))
        if tracker is not None and not tracker.built:
            with long_lived():  # so do the duplicate records (three full collections of 18-40 ms here)
                keys, bands = keys_for_scan(scan.rows, scan.keys or {}, self._index.load_keys(self._own_path),
                                            self._recheck_keys)
                tracker.build(scan.rows.values(), keys)
                tracker.give_bands(bands)
        report.seconds = time.perf_counter() - started
        self._take_notices()
        report.notices = self._new_notices()
        return report

    def _own_path(self, relpath: str) -> str | None:
        """The row's own string for `relpath` (None: no such row), for what the
        index reads beside the rows: one string per path, not two."""
        row = self._rows.get(relpath)
        return None if row is None else row.path

    def _recheck_keys(self, relpaths: list[str]) -> dict[str, KeysRow]:
        """Duplicate keys for rows the index has none for (read and parse them again)."""
        found = {}
        for rel in relpaths:
            keys = check_file(self._root, rel, None, self.mapping).keys
            if keys is not None:
                found[rel] = keys
        return found

    def complete_duplicates(self, slice_size: int | None = None, *,
                            between: Callable[[], bool] | None = None) -> None:
        """Run the pending similar pass (after the first scan of a queue that tracks
        duplicates), from the bands the index stored, `slice_size` records at a
        time; `between()` runs after each slice and stops the pass by returning
        False. Blocking; call it on the queue's worker."""
        tracker = self.duplicates
        if tracker is None or not tracker.pending_similar:
            return
        with no_collections():  # millions of shingle sets, each freed by refcount: nothing to sweep
            while tracker.pending_similar:
                # The stored bands of the slice only: the pass's records are checked in one order.
                tracker.give_bands(self._index.load_bands(tracker.upcoming_without_bands(slice_size)))
                tracker.sketch_pending(slice_size)
                # What the slice made and dropped goes back now: held until the pass ended, the
                # freed pages piled up to the open's peak (at 100,000 rows, 441-447 MB against 455-462).
                trim()
                if between is not None and not between():
                    return

    # --- writing ----------------------------------------------------------

    def write(self, relpath: str, changes: dict[str, Any], expected: dict[str, Any] | None = None) -> WriteResult:
        """Edit one article through the one noted write. Blocking; call from the serial writer thread.

        A written result carries the file's new row (`row`), built from the
        parse that verified the edit: the file is not read again."""
        return self.begin_writes([(relpath, changes, expected)], helper=False)[0]()

    def begin_writes(self, items: Sequence[WriteItem], *, helper: bool = True) -> list[Callable[[], WriteResult]]:
        """`write()` of each (relpath, changes, expected) of `items`, begun now
        by a helper process (`begin_noted_writes`, all in one task) unless
        `helper` is false: the decision module keeps several of a decision
        about many under way at once. Each returned call gives its item's
        result (blocking); call each exactly once, from the writer thread."""
        if self.settings.error is not None:
            refused = [WriteResult(str(self.absolute(relpath)), "failed",
                                   f"the queue's settings cannot be used ({self.settings.error.describe()}); "
                                   "nothing written") for relpath, _, _ in items]
            return [lambda result=result: result for result in refused]
        relpaths = [relpath for relpath, _, _ in items]
        paths = [self.absolute(relpath) for relpath in relpaths]
        with self._lock:
            for relpath in relpaths:
                self._writing[relpath] = self._writing.get(relpath, 0) + 1
        try:
            if helper:
                begun = begin_noted_writes(self._journal, [(path, changes, expected) for path, (_, changes, expected)
                                                           in zip(paths, items)], self.mapping)
            else:
                done = [noted_write(self._journal, path, changes, expected, self.mapping)
                        for path, (_, changes, expected) in zip(paths, items)]
                begun = [lambda result=result: result for result in done]
        except BaseException:
            for relpath in relpaths:
                self._written(relpath)
            raise

        def result_of(relpath: str, path: Path, begun: Callable[[], WriteResult]) -> Callable[[], WriteResult]:
            def result() -> WriteResult:
                try:
                    written = begun()
                    if written.status == "written":
                        written = self._install_written(relpath, path, written)
                    return written
                finally:
                    self._written(relpath)
            return result
        return [result_of(*each) for each in zip(relpaths, paths, begun)]

    def _written(self, relpath: str) -> None:
        """A write of `relpath` is over (whatever became of it)."""
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

    def _install_written(self, relpath: str, path: Path, result: WriteResult) -> WriteResult:
        """Our bytes are on disk: make them the row, from the writer's own parse and stat."""
        try:
            st = os.stat(path)
        except OSError:
            return result
        ours = result.new_stat
        if result.article is None or result.sha256 is None or ours is None or stamp_of(st) != stamp_of(ours):
            return result  # someone wrote after us: the watcher reports what is there now
        digest = bytes.fromhex(result.sha256)
        row = summarize(result.article, relpath, st.st_size, st.st_mtime_ns)
        # Keys (a sketch of the text) are made only where they are used: to refile a record
        # the duplicate index does not hold as it is now (a decision changes no URL, title
        # or excerpt, so mostly it does), and for the index row when no watcher saves it.
        refile = row.error is None and self.duplicates is not None and self.duplicates.record(relpath) \
            != summary_record(row, canonical_urls(article_urls(result.article)))
        keys = duplicate_keys_row(row, result.article) if refile else None
        state: FileState = (*stamp_of(st), digest, time.time_ns())
        with self._lock:
            now = time.monotonic()
            if now - self._own_purged > 1.0:  # expired ones go once a second, not at every write of a bulk
                self._own = {k: v for k, v in self._own.items() if now - v[1] < _OWN_WRITE_TTL}
                self._own_purged = now
            if self._watcher is not None:
                self._own[relpath] = (digest, now)
            self._rows[relpath] = row
            self._files[relpath] = state
            if self.duplicates is not None and (keys is not None or row.error is not None):
                self.duplicates.apply([(row, RecordKeys.from_row(*keys) if keys is not None else None)])
            watching = self._watcher is not None
        if not watching and keys is None and row.error is None:
            keys = duplicate_keys_row(row, result.article)  # the index row stores them
        if not watching:  # while watching, the watcher's look at this file saves it (one transaction less)
            self._index.save([(relpath, *state, row.to_row(), keys)])
            self._take_notices()
        return replace(result, row=row)

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
                                 row.to_row(), c.keys))
        if rows or removed:
            self._index.save(rows, removed)
            self._take_notices()

    # --- watching ---------------------------------------------------------

    def start_watching(self, on_changes: Callable[[list[QueueChange]], None], *,
                       on_log_changes: Callable[[list[str]], None] | None = None) -> None:
        """Watch the folder; `on_changes` gets settled batches on the watcher thread.

        `on_log_changes` (optional) hears which audit logs were touched, as
        relpaths (`.copydesk/log/ana.jsonl`; `.copydesk/log` itself for "any
        of them": the folder moved, or a full rescan ran), on the same thread
        after that burst's `on_changes`. Without it, log events are not even
        collected.

        Call after `scan()`. A quick stat pass right away catches what changed
        between the scan and now; after `scan(watch=True)`, what changed since
        its walk began comes instead, without that pass."""
        held = self._watcher
        if held is not None and not held.held:
            raise RuntimeError("already watching")
        self._on_changes = on_changes
        self._on_log_changes = on_log_changes
        if held is not None:  # watched since before the scan's walk (`scan(watch=True)`)
            held.release()
            return
        self._watcher = self._new_watcher(logs=on_log_changes is not None)
        self._watcher.start()
        self._watcher.request(full=True)

    def _new_watcher(self, *, logs: bool) -> FolderWatcher:
        from app.queue.watch import FolderWatcher

        return FolderWatcher(self.folder, self._on_batch, poll=self.poll,
                             poll_interval=self.poll_interval, rescan_interval=self.rescan_interval,
                             observer_factory=self._observer_factory, on_notice=self._notice,
                             on_gone=self._on_folder_gone, rules=self.rules,
                             on_logs=self._on_logs if logs else None)

    def _watch_held(self) -> None:
        """Start watching, held, before the scan walks the folder (`scan(watch=True)`).
        Audit log events are collected too: whether they are wanted is only known
        when watching starts. A watcher that cannot start is left to start_watching
        (which then says why); the scan goes on."""
        watcher = self._new_watcher(logs=True)
        try:
            watcher.start(held=True)
        except Exception:  # noqa: BLE001 - start_watching tries again and reports the reason
            watcher.stop()
            return
        self._watcher = watcher

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

    def _on_logs(self, relpaths: set[str]) -> None:
        """Audit logs were touched (watcher thread): pass them on, sorted."""
        if self._on_log_changes is not None:
            self._on_log_changes(sorted(relpaths))

    def _on_folder_gone(self) -> None:
        """The queue folder itself was deleted or moved away (watcher thread).

        Its files are no longer here, and the observer cannot follow it: every
        row is reported removed and watching ends (`folder_gone`). The index is
        left as it is, for the day the folder comes back."""
        with self._lock:
            changes = [QueueChange("removed", rel, "outside", None) for rel in sorted(self._rows)]
            if self.duplicates is not None:
                self.duplicates.apply((), list(self._rows))
            self._rows, self._files = {}, FileStates()
            self._own.clear()
            self._missing_since.clear()
        self._notice(f"{self.folder} was deleted or moved away; stopped watching it")
        if changes and self._on_changes is not None:
            self._on_changes(changes)
        self.folder_gone = True

    def _grace(self) -> float:
        # Long enough for an editor's rename/create dance; in polling mode one poll interval.
        return self.poll_interval if self.watch_mode == "polling" else 0.3

    # --- reconciling with the disk (watcher thread only) ------------------

    def _on_batch(self, files: set[str], dirs: set[str], full: bool) -> None:
        """Re-stat touched paths and report what really changed. Runs on the watcher thread only."""
        stats, candidates, forced = self._candidates(files, dirs, full)
        to_check, removed, retry = self._sort_out(candidates, stats, forced)
        results = self._check(to_check)
        others = self._written_by_other_copydesk(results)
        changes, saved, retry_soon = self._install(results, others, removed, retry)
        self._save(saved, removed)
        if retry and self._watcher is not None:
            self._watcher.request(retry, delay=self._grace() + 0.02)
        if retry_soon and self._watcher is not None:
            self._watcher.request(retry_soon, delay=0.05)
        if changes and self._on_changes is not None:
            changes.sort(key=lambda c: c.path)
            self._on_changes(changes)

    def _candidates(self, files: set[str], dirs: set[str], full: bool
                    ) -> tuple[dict[str, os.stat_result | OSError], set[str], set[str]]:
        """Every path to look at: the touched files, everything under touched
        folders (found now, or known before), and everything on a full pass."""
        stats: dict[str, os.stat_result | OSError] = {}
        candidates = set(files)
        forced = set(files)  # an event on the path: hash it even if the stamp looks unchanged
        with self._lock:
            known = set(self._rows) if (full or dirs) else set()
            busy = set(self._writing) | set(self._own)
        states = self._files
        for rel_dir in ({""} if full else dirs):
            if rel_dir and (is_ignored_relpath(rel_dir) or self.rules.folder_excluded(rel_dir)):
                continue
            seen = 0  # known rows found (counted: a set of 100,000 new path strings would cost 16 MB)
            for n, (rel, found) in enumerate(walk_articles(self._root, rel_dir, rules=self.rules)):
                if not n & 255:
                    pause_point()  # a full pass over 100,000 files steps aside while the GUI paints
                seen += rel in known
                state = states.get(rel)  # (one dict read: atomic)
                if isinstance(found, os.stat_result) and state is not None and rel not in forced \
                        and rel not in busy and not stat_module.S_ISDIR(found.st_mode) \
                        and trusted(state, stamp_of(found)):
                    if self._missing_since:
                        self._missing_since.pop(rel, None)
                    continue  # plainly unchanged: not held (a full pass over 100,000 files held 85 MB)
                stats[rel] = found
                candidates.add(rel)
            prefix = rel_dir + "/" if rel_dir else ""
            under = [rel for rel in known if rel.startswith(prefix)]
            if seen < len(under):  # some known row was not found: look at each again (_sort_out stats them)
                candidates.update(rel for rel in under if rel not in stats)
        return stats, candidates, forced

    def _sort_out(self, candidates: set[str], stats: dict[str, os.stat_result | OSError], forced: set[str]
                  ) -> tuple[list[tuple[str, bytes | None]], list[str], list[str]]:
        """(files to read, with the digest we know; files gone for good; files to look at again soon)."""
        now = time.monotonic()
        to_check: list[tuple[str, bytes | None]] = []
        removed: list[str] = []
        retry: list[str] = []
        with self._lock:
            writing = set(self._writing)
            own = set(self._own)
            states = {rel: self._files.get(rel) for rel in candidates}
            present = {rel for rel in candidates if rel in self._rows}
        for rel in candidates:
            if rel in writing:
                continue  # write() asks again when it is done
            st = stats.get(rel)
            if st is None:
                try:
                    st = os.stat(os.path.join(self._root, rel))
                except OSError as exc:
                    st = exc
            if self._is_missing(rel, st):
                if rel in present:
                    since = self._missing_since.setdefault(rel, now)
                    (removed if now - since >= self._grace() else retry).append(rel)
                continue
            self._missing_since.pop(rel, None)
            state = states.get(rel)
            if isinstance(st, os.stat_result) and state is not None and rel not in forced and rel not in own \
                    and trusted(state, stamp_of(st)):
                continue
            to_check.append((rel, state[SHA] if state is not None and state[SHA] else None))
        return to_check, removed, retry

    def _is_missing(self, rel: str, st: os.stat_result | OSError) -> bool:
        """Gone (or a folder now): a dangling symlink is still a row, with its error."""
        if isinstance(st, os.stat_result):
            return stat_module.S_ISDIR(st.st_mode)
        return isinstance(st, (FileNotFoundError, NotADirectoryError)) \
            and not os.path.islink(os.path.join(self._root, rel))

    def _check(self, to_check: list[tuple[str, bytes | None]]) -> list[Checked]:
        if len(to_check) <= _WATCH_POOL_THRESHOLD:
            return [check_file(self._root, rel, digest, self.mapping) for rel, digest in to_check]
        results: list[Checked] = []
        with CheckRunner(self._root, workers=self.workers, inline_limit=0, mapping=self.mapping) as runner:
            for rel, digest in to_check:
                runner.add(rel, digest)
            for chunk in runner.drain():
                results.extend(chunk)
        return results

    def _written_by_other_copydesk(self, results: list[Checked]) -> dict[str, str]:
        """New content that this process did not write: ask the shared journal
        whether another Copydesk did (or is doing so right now)."""
        with self._lock:
            own = dict(self._own)
        unknown = [(c.relpath, c.sha256) for c in results
                   if c.row is not None and c.sha256 and own.get(c.relpath, (b"",))[0] != c.sha256]
        verdicts = self._journal.claim([(os.path.join(self._root, rel), sha) for rel, sha in unknown])
        return {rel: verdicts[os.path.join(self._root, rel)] for rel, _ in unknown}

    def _install(self, results: list[Checked], others: dict[str, str], removed: list[str], retry: list[str]
                 ) -> tuple[list[QueueChange], list[Checked], list[str]]:
        """Make the checked files the current rows; (changes to report, rows to index, paths to retry soon)."""
        now = time.monotonic()
        changes: list[QueueChange] = []
        saved: list[Checked] = []
        retry_soon: list[str] = []
        refiled: list[tuple[ArticleSummary, RecordKeys | None]] = []
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
                if checked.row is not None:  # new content (None: the bytes the row was made from)
                    refiled.append((row, RecordKeys.from_row(*checked.keys) if checked.keys is not None else None))
                if previous is None:
                    changes.append(QueueChange("added", rel, by, row))
                elif by == "copydesk" or (checked.row is not None and row != previous):
                    changes.append(QueueChange("changed", rel, by, row))
            gone = []
            for rel in removed:
                if rel in self._rows and rel not in self._writing:
                    gone.append(rel)
                    del self._rows[rel]
                    self._files.pop(rel, None)
                    self._own.pop(rel, None)
                    self._missing_since.pop(rel, None)
                    changes.append(QueueChange("removed", rel, "outside", None))
            if self.duplicates is not None and (refiled or gone):
                self.duplicates.apply(refiled, gone)
        return changes, saved, retry_soon

__all__ = ["ArticleSummary", "QueueChange", "ReviewQueue", "ScanReport"]
