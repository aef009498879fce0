"""Duplicate stories: which articles are copies of one another, kept up to date
one file at a time.

Three kinds of group (`duplicate_groups.KINDS`), each the connected
components of one relation:

- ``url``: the articles share a canonical URL (`duplicate_keys.canonical_url`)
  among their candidates (webUrl, originalUrl, ampWebUrl, cdnAmpWebUrl; never
  a related entry's links). The group's key is the canonical URL most of its
  members share (the smallest on a tie). A home page names a site, not a
  story, and groups nothing.
- ``title``: equal title keys (`duplicate_keys.title_key`) and equal providers
  (case-insensitive; an empty provider only matches an empty one). The key is
  the title key; two providers' groups can have the same key and are still
  two groups. An empty title groups nothing.
- ``similar``, the weaker signal: title key plus excerpt are near-duplicates
  (`near_duplicates`: Jaccard of 3-word shingles >= 0.55, checked exactly),
  whatever the providers (a wire story on two sites is the typical case). The
  key is the group's first member, as its representative.

An article can be in one group of each kind. `is_duplicate`, `group_size` and
`keys_with_copies` count the strong kinds (url, title) unless told otherwise.

The engine works on `DuplicateRecord`s, not files, so it does not care how
rows are built. What a record is filed under (`RecordKeys`: canonical URLs,
title key, LSH bands) is a pure function of the record, `record_keys`,
which a parse worker can compute once per file change and the index can
store; `build(records, keys=...)` then skips the costly part (the figures are
in bench/bench_duplicates.py). `update` and `remove` change one record and
recompute only the groups it was or is now part of: inverted maps canonical
URL -> keys, title key -> keys and LSH band -> keys find its neighbours.
Every change returns the keys whose groups changed, so a view refreshes just
those rows. Members and groups are sorted.

The similar pass costs several times the other two. `build(records,
sketch=False)` leaves it pending, and `sketch_pending(limit)` then works
through it a slice at a time; the groups come out the same (unless over
`near_duplicates.MAX_BUCKET` articles share a band; see there).

Threading: a `DuplicateIndex` is not thread-safe. Use it from one thread at a
time (the queue's worker). Its answers and `view()` are immutable values any
thread may read: the worker hands the GUI a `view()` after each batch rather
than sharing the index.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence

from app.courtesy import pause_point, sorted_strings
from app.queue.band_table import BandTable, StoredBands
from app.queue.duplicate_groups import (KINDS, SIMILAR, STRONG_KINDS, TITLE, URL, DuplicateGroup, DuplicateView,
                                        GroupQueries)
from app.queue.duplicate_keys import canonical_urls, provider_key
from app.queue.duplicate_records import (KEYS_VERSION, TITLE_SEP, URL_FIELDS, DuplicateRecord, RecordKeys, filed_title,
                                         record_keys, similar_shingles)
from app.queue.near_duplicates import MAX_BUCKET, Shingles, is_similar, shingles, sketch_bands

__all__ = ["KEYS_VERSION", "KINDS", "SIMILAR", "STRONG_KINDS", "TITLE", "URL", "URL_FIELDS", "DuplicateGroup",
           "DuplicateIndex", "DuplicateRecord", "DuplicateView", "RecordKeys", "record_keys", "similar_shingles"]

# The inverted maps hold one key as itself (most values) and several as a set:
# a set per value would cost ~200 bytes for each of a million values.
Table = dict[object, "str | set[str]"]
_MANY = 64  # this many records sketched at once are merged into the band table in one go


def _members(value: str | set[str] | None) -> Iterable[str]:
    if value is None:
        return ()
    return (value,) if type(value) is str else value


def _put(table: Table, value: object, key: str) -> bool:
    """File `key` under `value`; True when `value` now has more than one key."""
    held = table.setdefault(value, key)  # one dict operation for the common case, a new value
    if held is key:
        return False
    if type(held) is str:
        if held == key:
            return False
        table[value] = {held, key}
    else:
        held.add(key)
    return True


def _take(table: Table, value: object, key: str) -> None:
    held = table.get(value)
    if held is None:
        return
    if type(held) is str:
        if held == key:
            del table[value]
        return
    held.discard(key)
    if len(held) == 1:
        table[value] = next(iter(held))


_NONE_GIVEN = StoredBands()  # (never written to)


class DuplicateIndex(GroupQueries):
    """The duplicate groups of a queue, updated one record at a time. One thread at a time."""

    def __init__(self) -> None:
        self._records: dict[str, DuplicateRecord] = {}
        self._filed: dict[str, tuple[tuple[str, ...], str]] = {}  # key -> (canonical URLs, filed title)
        self._urls: Table = {}
        self._titles: Table = {}
        # LSH band -> keys, packed (`band_table`). A record's bands are not kept: 8 ints
        # each would cost ~35 MB at 100,000 articles, and recomputing one record's takes ~20 us.
        self._buckets = BandTable()
        self._edges: dict[str, set[str]] = {}  # checked similar pairs; only keys that have one
        self._unsketched: set[str] = set()
        # Pending keys, last first (may hold keys sketched since); sorted on first use,
        # which keeps 0.1 s of sorting 100,000 paths out of the url+title build.
        self._sketch_order: list[str] | None = []
        # Stored bands of pending records (`build(keys=..., sketch=False)`), used by
        # `sketch_pending` instead of recomputing them; dropped as they are used.
        self._given = StoredBands()
        self._providers: dict[str, str] = {}  # provider name -> key; a queue has few providers
        self._by_kind: dict[str, dict[str, DuplicateGroup]] = {kind: {} for kind in KINDS}
        # For each kind, the values a key is filed under and the table from value to keys.
        # Similar pairs are their own "values": a key's neighbours stand for its edges.
        self._links: dict[str, tuple[Callable[[str], Iterable[object]], Callable[[object], Iterable[str]]]] = {
            URL: (self._url_values, lambda url: _members(self._urls.get(url))),
            TITLE: (self._title_values, lambda title: _members(self._titles.get(title))),
            SIMILAR: (self._similar_values, lambda other: (other,))}

    # --- building and changing ---------------------------------------------

    @classmethod
    def build(cls, records: Iterable[DuplicateRecord], *, keys: Mapping[str, RecordKeys] | None = None,
              sketch: bool = True) -> DuplicateIndex:
        """An index of `records` (unique keys). `keys` holds stored `RecordKeys`
        of some records (with the current KEYS_VERSION). `sketch=False` leaves
        the similar pass to `sketch_pending`, which uses the stored bands (and
        computes the others); url and title groups are complete."""
        index = cls()
        seeds: dict[str, set[str]] = {kind: set() for kind in KINDS}
        given = StoredBands()
        for record in records:
            key = record.key
            if key in index._records:
                raise ValueError(f"two records with the key {key!r}")
            index._records[key] = record
            known = keys.get(key) if keys is not None else None
            if known is None:
                index._file(key, index._filing(record), seeds)
            else:
                index._file(key, (known.urls, known.title), seeds)
                if known.bands is not None:
                    given.put(key, known.bands)
        index._unsketched.update(index._records)
        if sketch:
            index._sketch(sorted_strings(index._records), seeds[SIMILAR], given)
        else:
            index._sketch_order = None
            index._given = given
        for kind in KINDS:
            index._regroup(kind, seeds[kind])
        return index

    def add(self, record: DuplicateRecord) -> frozenset[str]:
        """File a new record; a key already filed is a caller's bug (ValueError)."""
        if record.key in self._records:
            raise ValueError(f"{record.key!r} is already in the index; use update()")
        return self.update(record)

    def update(self, record: DuplicateRecord) -> frozenset[str]:
        """File `record`, replacing the record of the same key if any.
        Returns the keys whose groups changed (`record.key` among them if its did).

        Only what changed is refiled: an edited excerpt leaves the URL and
        title groups alone, a new URL the similar group."""
        key = record.key
        old = self._records.get(key)
        if old == record:
            return frozenset()
        filing = self._filing(record)
        refile = self._filed.get(key) != filing
        resketch = old is None or key in self._unsketched or old.excerpt != record.excerpt \
            or self._filed[key][1] != filing[1]
        seeds: dict[str, set[str]] = {kind: set() for kind in KINDS}
        self._given.pop(key, None)  # stored for the old text
        if resketch:
            seeds[SIMILAR] = self._unsketch(key)
        if refile:
            seeds[URL], seeds[TITLE] = self._unfile(key)
        self._records[key] = record
        if refile:
            self._file(key, filing, seeds)
        if resketch:
            self._sketch([key], seeds[SIMILAR], _NONE_GIVEN)
        changed: set[str] = set()
        for kind in (URL, TITLE) if refile else ():
            changed |= self._regroup(kind, seeds[kind] | {key})
        if resketch:
            changed |= self._regroup(SIMILAR, seeds[SIMILAR] | {key})
        return frozenset(changed)

    def remove(self, key: str) -> frozenset[str]:
        """Forget `key` (nothing happens for an unknown key). Returns the keys whose groups changed."""
        if key not in self._records:
            return frozenset()
        seeds = {SIMILAR: self._unsketch(key)}
        seeds[URL], seeds[TITLE] = self._unfile(key)
        del self._records[key]
        self._given.pop(key, None)
        changed: set[str] = set()
        for kind in KINDS:
            changed |= self._regroup(kind, seeds[kind])
        return frozenset(changed)

    def give_bands(self, bands: Mapping[str, Sequence[int]] | StoredBands) -> None:
        """Stored bands for `sketch_pending` to use (those of records sketched since are ignored)."""
        unsketched = self._unsketched
        if isinstance(bands, StoredBands) and not len(self._given):  # the index's: taken as it is
            for key in bands.keys():
                if key not in unsketched:
                    bands.pop(key)
            self._given = bands
            return
        for key in list(bands.keys()):
            if key in unsketched:
                self._given.put(key, bands.get(key))  # type: ignore[arg-type]

    @property
    def pending_sketches(self) -> int:
        """Records whose similar check has not run yet (after `build(..., sketch=False)`)."""
        return len(self._unsketched)

    def upcoming_without_bands(self, limit: int | None = None) -> list[str]:
        """The pending records the next `sketch_pending(limit)` checks (as long as
        nothing changes meanwhile) that have no stored bands given: what to read
        from the index for it."""
        order = self._pending_order()
        upcoming: list[str] = []
        taken = 0
        for key in reversed(order):
            if limit is not None and taken >= limit:
                break
            if key in self._unsketched:
                taken += 1
                if key not in self._given:
                    upcoming.append(key)
        return upcoming

    def _pending_order(self) -> list[str]:
        if self._sketch_order is None:
            self._sketch_order = sorted_strings(self._unsketched, reverse=True)
        return self._sketch_order

    def sketch_pending(self, limit: int | None = None) -> frozenset[str]:
        """Run the similar check of up to `limit` pending records (all when None),
        in key order. Returns the keys whose groups changed."""
        batch: list[str] = []
        order = self._pending_order()
        while order and (limit is None or len(batch) < limit):
            key = order.pop()
            if key in self._unsketched:  # else updated (and so sketched) or removed since
                batch.append(key)
        seeds: set[str] = set()
        self._sketch(batch, seeds, self._given)
        for key in batch:
            self._given.pop(key, None)
        if not self._unsketched:  # the pass is over: an emptied set or dict keeps its table (6 MB at 100,000)
            self._unsketched, self._given, self._sketch_order = set(), StoredBands(), []
        return frozenset(self._regroup(SIMILAR, seeds))

    def view(self) -> DuplicateView:
        """An immutable copy of the groups for another thread (one entry per article with copies)."""
        return DuplicateView(self._by_kind)

    def __len__(self) -> int:
        return len(self._records)

    def __contains__(self, key: object) -> bool:
        return key in self._records

    def record(self, key: str) -> DuplicateRecord | None:
        return self._records.get(key)

    def keys_of(self, key: str) -> RecordKeys | None:
        """What `key` is filed under (for storing; bands included when sketched)."""
        if key not in self._records:
            return None
        urls, title = self._filed[key]
        bands = None if key in self._unsketched else sketch_bands(self._shingles(key))
        return RecordKeys(urls, title, bands)

    # --- filing ---------------------------------------------------------------

    def _filing(self, record: DuplicateRecord) -> tuple[tuple[str, ...], str]:
        """What `record` is filed under in the URL and title maps: (canonical URLs, filed title)."""
        urls = canonical_urls(record.urls)
        provider = self._providers.get(record.provider)
        if provider is None:
            provider = self._providers[record.provider] = provider_key(record.provider)
        return urls, filed_title(record, urls, provider)

    def _file(self, key: str, filing: tuple[tuple[str, ...], str], seeds: dict[str, set[str]]) -> None:
        """Enter a key into the URL and title maps; a key that now shares a value goes to `seeds`."""
        urls, title = filing
        for url in urls:
            if _put(self._urls, url, key):
                seeds[URL].add(key)
        if title and _put(self._titles, title, key):
            seeds[TITLE].add(key)
        self._filed[key] = filing

    def _shingles(self, key: str) -> Shingles:
        return shingles(self._filed[key][1].partition(TITLE_SEP)[2], self._records[key].excerpt)

    def _sketch(self, keys: list[str], seeds: set[str], given: StoredBands) -> None:
        """Run the similar check of `keys`: file their LSH bands, then check
        exactly each pair that shares a band and has a member among `keys`.

        Filing all bands first makes the pairs independent of the order of
        `keys`. A band shared by over MAX_BUCKET articles is boilerplate and
        proposes nothing (a true pair shares several bands)."""
        if not keys:
            return
        fresh = set(keys)
        known: dict[str, Shingles] = {}
        bands_of = []
        for n, key in enumerate(keys):
            if n and not n & 255:  # (never for one record: an update runs under the queue's lock)
                pause_point()  # the GUI thread paints first (app.courtesy)
            bands = given.get(key)
            # Not kept for the checks below: 100,000 sets would cost ~300 MB,
            # and only the few records with candidates need theirs again.
            bands_of.append(sketch_bands(self._shingles(key)) if bands is None else bands)
        if len(keys) >= _MANY:
            shared = self._buckets.put_many(keys, bands_of)
        else:
            shared = {band for key, bands in zip(keys, bands_of) for band in bands if self._buckets.put(band, key)}
        del bands_of
        self._unsketched.difference_update(keys)
        checked: set[tuple[str, str]] = set()
        for n, band in enumerate(shared):
            if n and not n & 255:
                pause_point()
            members = self._buckets.members(band)
            if not 1 < len(members) <= MAX_BUCKET:
                continue
            for one in fresh.intersection(members):
                for other in members:
                    pair = (one, other) if one < other else (other, one)
                    if other == one or pair in checked:
                        continue
                    checked.add(pair)
                    if is_similar(self._cached_shingles(one, known), self._cached_shingles(other, known)):
                        self._edges.setdefault(one, set()).add(other)
                        self._edges.setdefault(other, set()).add(one)
                        seeds.add(one)

    def _cached_shingles(self, key: str, known: dict[str, Shingles]) -> Shingles:
        found = known.get(key)
        if found is None:
            found = known[key] = self._shingles(key)
        return found

    def _members_of(self, kind: str, key: str) -> set[str]:
        group = self._by_kind[kind].get(key)
        return set(group.members) if group is not None else set()

    def _unsketch(self, key: str) -> set[str]:
        """Take `key` out of the LSH buckets and similar pairs; returns its old similar group."""
        seeds = self._members_of(SIMILAR, key)
        if key not in self._records:
            return seeds
        if key in self._unsketched:
            self._unsketched.discard(key)
        else:
            for band in sketch_bands(self._shingles(key)):
                self._buckets.take(band, key)
        for other in self._edges.pop(key, ()):
            mates = self._edges[other]
            mates.discard(key)
            if not mates:
                del self._edges[other]
        return seeds

    def _unfile(self, key: str) -> tuple[set[str], set[str]]:
        """Take `key` out of the URL and title maps; returns its old url and title groups."""
        seeds = self._members_of(URL, key), self._members_of(TITLE, key)
        filing = self._filed.pop(key, None)
        if filing is not None:
            urls, title = filing
            for url in urls:
                _take(self._urls, url, key)
            if title:
                _take(self._titles, title, key)
        return seeds

    # --- groups ---------------------------------------------------------------

    def _url_values(self, key: str) -> Iterable[object]:
        return self._filed[key][0]

    def _title_values(self, key: str) -> Iterable[object]:
        title = self._filed[key][1]
        return (title,) if title else ()

    def _similar_values(self, key: str) -> Iterable[object]:
        return self._edges.get(key, ())

    def _component(self, kind: str, seed: str) -> set[str]:
        """The keys connected to `seed` by this kind's relation.

        Each shared value (a URL, a title) is expanded once: 5,000 articles
        under one URL cost 5,000 steps, not 5,000 x 5,000."""
        values_of, keys_of = self._links[kind]
        component = {seed}
        frontier = [seed]
        expanded: set[object] = set()
        while frontier:
            for value in values_of(frontier.pop()):
                if value in expanded:
                    continue
                expanded.add(value)
                for other in keys_of(value):
                    if other not in component:
                        component.add(other)
                        frontier.append(other)
        return component

    def _regroup(self, kind: str, seeds: Iterable[str]) -> set[str]:
        """Recompute the components that contain `seeds`; returns the keys whose group changed.

        A change touches only the edges of one key, so every other component
        stays as it was: the changed key's old group (split, maybe) and the
        components it now reaches (merged) are all reachable from `seeds`."""
        groups = self._by_kind[kind]
        changed: set[str] = set()
        seen: set[str] = set()
        for seed in seeds:
            if seed in seen:
                continue
            if seed not in self._records:  # removed
                if groups.pop(seed, None) is not None:
                    changed.add(seed)
                continue
            component = self._component(kind, seed)
            seen |= component
            group = self._group(kind, component) if len(component) > 1 else None
            verdicts: dict[int, bool] = {}  # members share their old group: compare each once
            for member in component:
                old = groups.get(member)
                same = verdicts.get(id(old))
                if same is None:
                    same = verdicts[id(old)] = old == group
                if not same:
                    changed.add(member)
                    if group is None:
                        del groups[member]
                    else:
                        groups[member] = group
        return changed

    def _group(self, kind: str, component: set[str]) -> DuplicateGroup:
        members = tuple(sorted(component))
        if kind == URL:
            counts = Counter(url for member in members for url in self._filed[member][0])
            shared = min(counts, key=lambda url: (-counts[url], url))
        elif kind == TITLE:
            shared = self._filed[members[0]][1].partition(TITLE_SEP)[2]
        else:
            shared = members[0]
        return DuplicateGroup(kind, shared, members)
