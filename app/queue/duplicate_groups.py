"""Duplicate groups as values: what a window, a facet or `copydesk dupes` reads.

`DuplicateGroup` is one group; `DuplicateView` answers "which groups is this
article in, and which are its other copies" from an immutable snapshot, so
any thread may hold one. `app.queue.duplicates` computes them.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

URL, TITLE, SIMILAR = "url", "title", "similar"
KINDS: tuple[str, ...] = (URL, TITLE, SIMILAR)
# What counts as "a duplicate" for the badge, the facet and the filter, unless
# told otherwise: "similar" also catches a follow-up that repeats its lead.
STRONG_KINDS: tuple[str, ...] = (URL, TITLE)
_KIND_ORDER = {kind: n for n, kind in enumerate(KINDS)}


@dataclass(frozen=True, slots=True)
class DuplicateGroup:
    kind: str  # one of KINDS
    key: str  # the shared canonical URL, the title key, or a representative member
    members: tuple[str, ...]  # sorted record keys, at least two

    @property
    def size(self) -> int:
        return len(self.members)

    def others(self, key: str) -> tuple[str, ...]:
        return tuple(member for member in self.members if member != key)

    def sort_key(self) -> tuple[int, str, tuple[str, ...]]:
        return _KIND_ORDER[self.kind], self.key, self.members


GroupsByKey = Mapping[str, DuplicateGroup]  # record key -> its group of one kind


class GroupQueries:
    """The questions a window or the CLI asks, answered from `_by_kind`
    (kind -> record key -> group; a key without copies is absent)."""

    __slots__ = ()
    _by_kind: Mapping[str, GroupsByKey]

    def groups(self, kind: str | None = None) -> list[DuplicateGroup]:
        """Every group (of one kind), sorted by kind, key and members."""
        kinds = KINDS if kind is None else (kind,)
        found = {group for k in kinds for group in self._by_kind[k].values()}
        return sorted(found, key=DuplicateGroup.sort_key)

    def groups_of(self, key: str) -> tuple[DuplicateGroup, ...]:
        """The groups `key` belongs to, in `KINDS` order (none when it has no copies)."""
        return tuple(group for kind in KINDS if (group := self._by_kind[kind].get(key)) is not None)

    def copies_of(self, key: str, kinds: Iterable[str] = KINDS) -> tuple[str, ...]:
        """The other members of `key`'s groups of these kinds ("the other copies"), sorted."""
        found: set[str] = set()
        for kind in kinds:
            group = self._by_kind[kind].get(key)
            if group is not None:
                found.update(group.members)
        found.discard(key)
        return tuple(sorted(found))

    def is_duplicate(self, key: str, kinds: Iterable[str] = STRONG_KINDS) -> bool:
        return any(key in self._by_kind[kind] for kind in kinds)

    def group_size(self, key: str, kinds: Iterable[str] = STRONG_KINDS) -> int:
        """How many articles are this story, `key` included (1: no copies). For the badge."""
        return 1 + len(self.copies_of(key, kinds))

    def keys_with_copies(self, kinds: Iterable[str] = STRONG_KINDS) -> frozenset[str]:
        """Every key that has a copy (the "Duplicates" filter and facet)."""
        return frozenset(key for kind in kinds for key in self._by_kind[kind])

    def marks(self) -> Mapping[str, tuple[int, bool]]:
        """For every key in a group of any kind: (its `group_size`, whether it is
        in a similar group). One pass over the groups, for a table's badges: asking
        `group_size` of each key in turn builds a set per key."""
        url, title, similar = (self._by_kind[kind] for kind in (URL, TITLE, SIMILAR))
        marks: dict[str, tuple[int, bool]] = {}
        for key, group in url.items():
            other = title.get(key)
            size = len(group.members) if other is None else len(set(group.members) | set(other.members))
            marks[key] = (size, key in similar)
        for key, group in title.items():
            if key not in marks:
                marks[key] = (len(group.members), key in similar)
        for key in similar:
            if key not in marks:
                marks[key] = (1, True)
        return marks


class DuplicateView(GroupQueries):
    """An immutable snapshot of the groups, for any thread. Its `marks()` are
    worked out once (the queue's worker asks first, so the GUI thread need not)."""

    __slots__ = ("_by_kind", "_columns", "_marks")

    def __init__(self, by_kind: Mapping[str, GroupsByKey] | None = None) -> None:
        by_kind = by_kind or {}
        self._by_kind = MappingProxyType({kind: MappingProxyType(dict(by_kind.get(kind, {}))) for kind in KINDS})
        self._marks: Mapping[str, tuple[int, bool]] | None = None
        self._columns: MarkColumns | None = None

    def marks(self) -> Mapping[str, tuple[int, bool]]:
        if self._marks is None:
            self._marks = MappingProxyType(super().marks())
        return self._marks

    def mark_columns(self) -> MarkColumns:
        """`marks()` as columns: the keys, and each one's group size and whether
        it is in a similar group, as arrays (a table fills its duplicate columns
        from them with numpy, `RowTable.set_duplicates`). Worked out once."""
        if self._columns is None:
            marks = self.marks()
            self._columns = MarkColumns(tuple(marks),
                                        np.fromiter((m[0] for m in marks.values()), np.int32, len(marks)),
                                        np.fromiter((m[1] for m in marks.values()), np.bool_, len(marks)))
        return self._columns


@dataclass(frozen=True, slots=True)
class MarkColumns:
    keys: tuple[str, ...]
    sizes: np.ndarray  # int32: the key's group size (strong kinds)
    similar: np.ndarray  # bool: the key is in a similar group


def describe_copies(view: GroupQueries, key: str) -> str | None:
    """The duplicate warning of `key`, or None when it has no copies (url and
    title groups; a similar group is a hint, not a warning):
    "same URL as b.md and 2 more (https://example.com/a)"."""
    groups = [g for g in view.groups_of(key) if g.kind in STRONG_KINDS]
    if not groups:
        return None
    others = view.copies_of(key, STRONG_KINDS)
    what = " and ".join("URL" if g.kind == URL else "title and provider" for g in groups)
    more = f" and {len(others) - 1} more" if len(others) > 1 else ""
    shared = next((f" ({g.key})" for g in groups if g.kind == URL), "")
    return f"same {what} as {others[0]}{more}{shared}"
