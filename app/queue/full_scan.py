"""One full pass over a queue folder: the index first, a parallel parse for the rest.

`FullScan.run()` walks the folder; a file whose stamp the index trusts becomes
a row straight from its index entry, every other file goes to the
`CheckRunner` (read, hash, parse unless the hash shows the content is the
indexed one). Rows stream to `on_rows` in batches as they are ready, and the
index is saved as the pass goes, so memory stays bounded at 100,000 files.

Runs on the caller's thread (the review queue's worker); nothing here is shared.
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Final

from app.article.mapping import DEFAULT_MAPPING, FieldMapping
from app.article.summary import ArticleSummary
from app.queue.index import E_MTIME, E_ROW, E_SIZE, IndexRow, KeysRow, QueueIndex
from app.article.writer import sweep_stale_temp_files
from app.courtesy import pause_point
from app.queue.file_states import FileState, FileStates
from app.queue.rules import DEFAULT_RULES, FileRules
from app.queue.scan import Checked, CheckRunner, Stamp, WalkNotes, current_identity, describe_file_error, may_read, walk_articles

# A file modified this close to when we read it may be modified again within
# the same timestamp tick (FAT has 2 s ticks), so its stamp is not trusted:
# the next scan confirms it by content hash.
TIMESTAMP_RESOLUTION_NS = 2_000_000_000
_SAVE_EVERY = 5000  # index rows per transaction (bounds memory at 100k files)
_STREAM_EVERY = 2000  # rows from the index handed on at once

# What we know of a file (a FileState, kept packed in `FileStates`):
# (size, mtime_ns, ino, ctime_ns, sha256, checked_ns); [:4] is its stat stamp,
# and it is exactly the index columns E_SIZE..E_CHECKED.
MTIME: Final = 1
SHA: Final = 4
CHECKED: Final = 5


def trusted(state: FileState, stamp: Stamp) -> bool:
    """Same stamp, and not modified within a timestamp tick of when we read it."""
    return state[:4] == stamp and state[MTIME] <= state[CHECKED] - TIMESTAMP_RESOLUTION_NS


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
    # Symbolic links to folders (or link loops) that were not followed, as (relpath, why).
    skipped_links: list[tuple[str, str]] = field(default_factory=list)
    stale_temp_removed: int = 0  # leftover temp files of killed Copydesk writes, removed
    excluded: int = 0  # files and folders left out by the queue's exclude globs (a folder counts once)


class FullScan:
    def __init__(self, root: str, index: QueueIndex, *, workers: int | None,
                 on_rows: Callable[[list[ArticleSummary]], None] | None,
                 on_progress: Callable[[int, int], None] | None,
                 rules: FileRules = DEFAULT_RULES, mapping: FieldMapping = DEFAULT_MAPPING,
                 keep_keys: bool = False, before_walk: Callable[[], None] | None = None) -> None:
        self.root = root
        self.before_walk = before_walk  # called once the index is read, before the folder is walked
        self.rules = rules
        self.mapping = mapping
        self.index = index
        self.workers = workers
        self.on_rows = on_rows
        self.on_progress = on_progress
        self.report = ScanReport()
        self.rows: dict[str, ArticleSummary] = {}
        self.files = FileStates()
        # With `keep_keys`: the duplicate keys of the files parsed in this pass (the
        # others' are in the index), for a queue that tracks duplicates.
        self.keys: dict[str, KeysRow] | None = {} if keep_keys else None
        # What the index knew: each file's state then, and its row (the same
        # object becomes the scan's row when the stamp is trusted).
        self._known_states = FileStates()
        self._known_rows: dict[str, ArticleSummary] = {}
        self._batch: list[ArticleSummary] = []
        self._upserts: list[IndexRow] = []
        self._found = 0
        self._last_progress = 0.0
        self._identity = current_identity()

    def run(self) -> ScanReport:
        self._load_index()
        if self.before_walk is not None:
            self.before_walk()
        notes = WalkNotes()
        with CheckRunner(self.root, workers=self.workers, mapping=self.mapping) as runner:
            for rel, st in walk_articles(self.root, notes=notes, rules=self.rules):
                self._found += 1
                if not self._found & 255:
                    pause_point()
                if isinstance(st, OSError):
                    self._unreadable(rel, st)
                elif not self._from_index(rel, st):
                    state = self._known_states.get(rel)
                    runner.add(rel, state[SHA] if state is not None and state[SHA] else None)
                    self._take(runner.ready())
            self._flush()
            for results in runner.drain():
                self._take(results)
        gone = [rel for rel in self._known_rows if rel not in self.rows]
        self.index.save(self._upserts, gone)
        self._progress(force=True)
        report = self.report
        report.unreadable_folders = notes.unreadable
        report.skipped_links = notes.skipped_links
        report.excluded = notes.excluded
        report.stale_temp_removed = sweep_stale_temp_files(notes.temp_files)
        report.total = len(self.rows)
        report.errors = sum(1 for row in self.rows.values() if row.error is not None)
        report.removed = len(gone)
        return report

    def _unreadable(self, rel: str, exc: OSError) -> None:
        path = os.path.join(self.root, rel)
        if isinstance(exc, FileNotFoundError) and not os.path.islink(path):
            self._found -= 1  # deleted or renamed since its folder was listed
            return
        row = ArticleSummary(rel, error=describe_file_error(path, exc))
        self.rows[rel] = row
        self._batch.append(row)

    def _load_index(self) -> None:
        """Read the index in slices; with `on_rows`, each slice is handed on at
        once, as the queue stood when it was last seen: a reopened folder shows
        its rows in milliseconds, before the walk has confirmed them. Rows the
        walk finds changed are handed on again; rows whose file is gone are
        left out of the scan's rows (the caller drops what is not there)."""
        for chunk in self.index.iter_entries(_STREAM_EVERY):
            batch = []
            for n, entry in enumerate(chunk):
                if not n & 255:
                    pause_point()
                rel = entry[0]
                row = ArticleSummary.from_row(rel, entry[E_SIZE], entry[E_MTIME], entry[E_ROW:])
                self._known_states[rel] = entry[E_SIZE:E_ROW]
                self._known_rows[rel] = row
                batch.append(row)
            if self.on_rows is not None and batch:
                self.on_rows(batch)

    def _from_index(self, rel: str, st: os.stat_result) -> bool:
        """Take the row from the index when its stamp is trusted (it was handed on already)."""
        row = self._known_rows.get(rel)
        if row is None:
            return False
        state = self._known_states[rel]
        if not trusted(state, (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)):
            return False
        if not may_read(st, self._identity):
            return False  # an index shared with another user: the file is read, and fails, as ours
        rel = row.path  # the same string as the walk's, held once (100,000 paths: 12 MB)
        self.rows[rel] = row
        self.files[rel] = state
        self.report.from_index += 1
        return True

    def _take(self, results: list[Checked]) -> None:
        if not results:
            return
        report = self.report
        pause_point()
        for checked in results:
            if checked.vanished:
                self._found -= 1  # deleted or renamed since the folder was listed
                continue
            rel = checked.relpath
            known = self._known_rows.get(rel)
            report.hashed += 1
            if checked.row is None and known is not None:  # read and hashed: the content the index knew
                row = replace(known, size=checked.size, mtime_ns=checked.mtime_ns)
                values = row.to_row()
                report.from_index += 1
            else:
                values = checked.row or ArticleSummary(rel, error="unreadable").to_row()
                row = ArticleSummary.from_row(rel, checked.size, checked.mtime_ns, values)
                report.parsed += 1
            self.rows[rel] = row
            self.files[rel] = checked.state
            self._batch.append(row)
            self._upserts.append((rel, checked.size, checked.mtime_ns, checked.ino, checked.ctime_ns,
                                  checked.sha256, checked.checked_ns, values, checked.keys))
            if self.keys is not None and checked.keys is not None:
                self.keys[rel] = checked.keys
        if len(self._upserts) >= _SAVE_EVERY:
            self.index.save(self._upserts)
            self._upserts = []
        self._flush()
        self._progress()

    def _flush(self) -> None:
        if self._batch and self.on_rows is not None:
            self.on_rows(self._batch)
        self._batch = []

    def _progress(self, force: bool = False) -> None:
        if self.on_progress is not None:
            now = time.monotonic()
            if force or now - self._last_progress > 0.1:
                self._last_progress = now
                self.on_progress(len(self.rows), self._found)
