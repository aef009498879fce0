"""A queue's duplicate groups, kept current as its rows change.

`ReviewQueue(duplicates=True)` owns one. After a scan it is built from the
rows and the duplicate keys the parse workers computed (`RecordKeys`, stored
in the index beside each row), so a warm open files every article without
canonicalising a URL or folding a title; the url and title groups are then
complete, and the similar pass (MinHash, several times the cost of the
other two) is left pending, for `sketch_pending` to work through in slices
from the stored bands. Every row the queue installs afterwards (a file the
watcher saw change, a decision written) goes through `apply`, which refiles
that one article (`DuplicateIndex.update`): never a full recomputation.

A record is built from the row (title, provider, excerpt as the row has
them) and the canonical URLs of its keys, so rows and records never disagree
on a title, and a record refiled later gives the keys it was built from
(canonical URLs are their own canonical form).

Threading: any thread; one lock guards the index. The queue calls `apply`
while it holds its own lock (so rows and groups change in the same order);
this lock is never held while asking for the queue's.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping

from app.article.summary import ArticleSummary
from app.queue.duplicate_groups import DuplicateView
from app.queue.duplicate_records import DuplicateRecord, RecordKeys, summary_record
from app.queue.band_table import StoredBands
from app.queue.duplicates import DuplicateIndex
from app.queue.near_duplicates import Bands


class DuplicateTracker:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._index: DuplicateIndex | None = None
        self._view: DuplicateView | None = None
        self._changed: set[str] | None = set()  # keys whose groups changed since `take_changes`; None: all

    @property
    def built(self) -> bool:
        return self._index is not None

    def build(self, rows: Iterable[ArticleSummary], keys: Mapping[str, RecordKeys]) -> None:
        """The groups of `rows` (error rows are no one's copy), filed under `keys`
        (every readable row's): url and title complete, similar pending."""
        records = [summary_record(row, keys[row.path].urls) for row in rows if row.error is None]
        index = DuplicateIndex.build(records, keys=keys, sketch=False)
        with self._lock:
            self._index = index
            self._view = None
            self._changed = None

    def apply(self, rows: Iterable[tuple[ArticleSummary, RecordKeys | None]], removed: Iterable[str] = ()
              ) -> frozenset[str]:
        """Refile changed rows (each with its new keys; None: its content, and so its
        URLs, did not change) and forget removed ones. Returns the keys whose groups
        changed. Nothing happens before `build` (the build reads the rows then)."""
        changed: set[str] = set()
        with self._lock:
            index = self._index
            if index is None:
                return frozenset()
            for row, keys in rows:
                if row.error is not None:
                    changed |= index.remove(row.path)
                    continue
                if keys is not None:
                    urls = keys.urls
                else:
                    known = index.record(row.path)
                    if known is None:
                        continue  # no URLs known: the caller gives keys with every new row
                    urls = known.urls
                changed |= index.update(summary_record(row, urls))
            for key in removed:
                changed |= index.remove(key)
            self._note(changed)
        return frozenset(changed)

    def record(self, key: str) -> DuplicateRecord | None:
        with self._lock:
            return None if self._index is None else self._index.record(key)

    @property
    def pending_similar(self) -> int:
        with self._lock:
            return 0 if self._index is None else self._index.pending_sketches

    def give_bands(self, bands: Mapping[str, Bands] | StoredBands) -> None:
        """Stored bands for the pending similar pass (records changed since are skipped)."""
        with self._lock:
            if self._index is not None:
                self._index.give_bands(bands)

    def upcoming_without_bands(self, limit: int | None = None) -> list[str]:
        """The records the next `sketch_pending(limit)` will check that no stored bands were given for."""
        with self._lock:
            return [] if self._index is None else self._index.upcoming_without_bands(limit)

    def sketch_pending(self, limit: int | None = None) -> frozenset[str]:
        """Run the similar check of up to `limit` pending records; returns the keys whose groups changed."""
        with self._lock:
            if self._index is None:
                return frozenset()
            changed = self._index.sketch_pending(limit)
            self._note(changed)
            return changed

    def view(self) -> DuplicateView:
        """The groups now, as an immutable value for any thread (copied once per change)."""
        with self._lock:
            return self._current_view()

    def take_changes(self) -> tuple[DuplicateView, frozenset[str] | None]:
        """(the groups now, the keys whose groups changed since the last call; None: every key)."""
        with self._lock:
            changed, self._changed = self._changed, set()
            return self._current_view(), (None if changed is None else frozenset(changed))

    def _current_view(self) -> DuplicateView:
        if self._view is None:
            self._view = self._index.view() if self._index is not None else DuplicateView()
        return self._view

    def _note(self, changed: set[str] | frozenset[str]) -> None:
        if changed:
            self._view = None
            if self._changed is not None:
                self._changed |= changed


KeysRow = tuple[str, str, "bytes | None"]


def keys_for_scan(rows: Mapping[str, ArticleSummary], parsed: Mapping[str, KeysRow],
                  stored: Mapping[str, RecordKeys], recheck: Callable[[list[str]], dict[str, KeysRow]]
                  ) -> tuple[dict[str, RecordKeys], dict[str, Bands]]:
    """Every readable row's keys after a scan: parsed in this pass, else stored in
    the index, else (rare: an index that lost them) read again with `recheck`.
    Also the bands of the parsed ones, for the similar pass."""
    keys: dict[str, RecordKeys] = {}
    bands: dict[str, Bands] = {}
    missing: list[str] = []
    from_row = RecordKeys.from_row
    for rel, row in rows.items():
        if row.error is not None:
            continue
        fresh = parsed.get(rel)
        if fresh is not None:
            found = keys[rel] = from_row(*fresh)
            if found.bands is not None:
                bands[rel] = found.bands
        elif (known := stored.get(rel)) is not None:
            keys[rel] = known
        else:
            missing.append(rel)
    for rel, fresh in recheck(missing).items() if missing else ():
        keys[rel] = from_row(*fresh)
    for rel in missing:
        keys.setdefault(rel, RecordKeys((), ""))  # unreadable now, or gone: no URLs, no title to match
    return keys, bands


def rescan_changes(previous: Mapping[str, ArticleSummary], rows: Mapping[str, ArticleSummary],
                   parsed: Mapping[str, KeysRow]) -> tuple[list[tuple[ArticleSummary, RecordKeys | None]], list[str]]:
    """What a rescan changed, for `DuplicateTracker.apply`: (changed rows with their
    keys when parsed, removed keys)."""
    changed = []
    for rel, row in rows.items():
        before = previous.get(rel)
        if before is row or before == row:
            continue
        fresh = parsed.get(rel)
        changed.append((row, RecordKeys.from_row(*fresh) if fresh is not None else None))
    return changed, [rel for rel in previous if rel not in rows]
