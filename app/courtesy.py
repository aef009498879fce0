"""Background Python work steps aside while the GUI thread paints.

Qt calls back into Python for every cell it paints (`multiData`), and each
call takes the GIL back. While a background thread is busy in Python (the
index streaming in, a sort building its keys, the walk), each of those calls
waits up to a switch interval, and a 20 ms paint of the queue stretched to
70-110 ms at 100,000 rows (bench/bench_window.py, `open_gap_ms`).

So the painter raises a flag for the length of a paint (`foreground()`), and
long background loops call `pause_point()` between slices: while the flag is
up they wait with the GIL released, at most `MAX_WAIT_S` per call, so a
window that paints without pause cannot starve them. Raising and lowering the
flag is the GUI thread's; `pause_point` may be called from any thread, and
costs one attribute read when nothing is painting.

A loop with no pause point in it cannot step aside: `sorted()` of 100,000
paths is one C call that holds the GIL for 45-60 ms. `sorted_strings` sorts
them with numpy instead, which lets the GIL go while it sorts.
"""
from __future__ import annotations

import threading
from collections.abc import Collection, Iterator
from contextlib import contextmanager

import numpy as np

MAX_WAIT_S = 0.05  # a background loop yields at most this long per pause point

_idle = threading.Event()
_idle.set()
_depth = 0  # nested foreground() sections (the GUI thread's only)


@contextmanager
def foreground() -> Iterator[None]:
    """While inside: background loops wait at their next pause point."""
    global _depth
    _depth += 1
    _idle.clear()
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0:
            _idle.set()


def pause_point() -> None:
    """Wait (GIL released) while the GUI thread is painting, `MAX_WAIT_S` at most."""
    if not _idle.is_set():
        _idle.wait(MAX_WAIT_S)


def in_foreground() -> bool:
    return not _idle.is_set()


_SLICE = 2000  # strings copied into numpy between two pause points (about 1 ms)


def sorted_strings(strings: Collection[str], reverse: bool = False) -> list[str]:
    """`sorted(strings, reverse=reverse)`, for a background thread: the strings
    are copied into a fixed-width array a slice at a time (a pause point between
    slices), and numpy's argsort, which runs without the GIL, orders them. No
    string may hold a NUL (numpy drops trailing ones): paths and keys do not.

    The array holds each string's UTF-8 bytes (lone surrogates, as
    surrogateescape leaves in a path, encoded the same way): that encoding's
    byte order is the code points' order, which is how `str` compares, and a
    byte a character takes a quarter of numpy's `U` width (100,000 paths held
    32 MB more for the length of the sort, the peak of a warm open)."""
    items = list(strings)
    if len(items) < _SLICE:
        return sorted(items, reverse=reverse)
    longest = 1
    for start in range(0, len(items), _SLICE):
        longest = max(longest, max(len(s) if s.isascii() else len(_utf8(s)) for s in items[start:start + _SLICE]))
    array = np.empty(len(items), dtype=f"S{longest}")
    for start in range(0, len(items), _SLICE):
        pause_point()
        array[start:start + _SLICE] = [_utf8(s) for s in items[start:start + _SLICE]]
    order = np.argsort(array, kind="stable")
    del array
    if reverse:
        order = order[::-1]
    return [items[i] for i in order.tolist()]


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")
