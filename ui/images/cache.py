"""A least-recently-used map bounded by bytes, for decoded thumbnails.

Bounded by bytes rather than entries because a detail-pane preview (~1 MB)
and a table thumbnail (~12 KB) share it; memory then stays flat however many
articles an editor pages through.

Threading: GUI thread only (it holds QPixmaps), so no lock.
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

from PySide6.QtGui import QImage, QPixmap

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class ByteLRU(Generic[K, V]):
    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    def get(self, key: K) -> V | None:
        entry = self._items.get(key)
        if entry is None:
            self.misses += 1
            return None
        self._items.move_to_end(key)
        self.hits += 1
        return entry[0]

    def put(self, key: K, value: V, cost: int) -> None:
        """Insert (or replace). An item bigger than the whole budget is not kept."""
        old = self._items.pop(key, None)
        if old is not None:
            self._bytes -= old[1]
        if cost > self.max_bytes:
            return
        self._items[key] = (value, cost)
        self._bytes += cost
        while self._bytes > self.max_bytes:
            _, (_, evicted) = self._items.popitem(last=False)
            self._bytes -= evicted

    def clear(self) -> None:
        self._items.clear()
        self._bytes = 0

    @property
    def total_bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items


def pixmap_cost(pixmap: QPixmap | QImage) -> int:
    """Bytes a decoded picture holds (width x height x depth)."""
    return max(1, pixmap.width() * pixmap.height() * max(pixmap.depth(), 8) // 8)
