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
import time
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

MAX_WAIT_S = 0.05  # a background loop yields at most this long per pause point

_idle = threading.Event()
_idle.set()
_depth = 0  # nested foreground() sections (the GUI thread's only)


# The same flag for worker processes (`shared_flag`): one byte in shared memory,
# raised while the GUI thread paints. None until a pool asks for it.
_shared: Any = None
# In a worker process: its parent's flag (`adopt_flag`), read at each pause point.
_adopted: Any = None
_POLL_S = 0.001  # how often a waiting worker looks at the flag again


@contextmanager
def foreground() -> Iterator[None]:
    """While inside: background loops wait at their next pause point (this
    process's threads, and the worker processes given `shared_flag()`)."""
    global _depth
    _depth += 1
    _idle.clear()
    if _shared is not None:
        _shared.value = 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0:
            _idle.set()
            if _shared is not None:  # read again: it may have been made inside (a pool started)
                _shared.value = 0


def pause_point() -> None:
    """Wait (GIL released) while the GUI thread is painting, `MAX_WAIT_S` at most.
    In a worker process given the flag, while its parent's GUI thread paints."""
    if not _idle.is_set():
        _idle.wait(MAX_WAIT_S)
    elif _adopted is not None and _adopted.value:
        deadline = time.monotonic() + MAX_WAIT_S
        while _adopted.value and time.monotonic() < deadline:
            time.sleep(_POLL_S)


def shared_flag() -> Any:
    """The foreground flag as a byte in shared memory, for worker processes
    (pass it to their initializer, which calls `adopt_flag`): parse workers
    that run while the GUI thread paints take the CPU it needs, and on two
    cores a paint beside two of them took 60-130 ms instead of 20 ms."""
    global _shared
    if _shared is None:
        import ctypes
        from multiprocessing.sharedctypes import RawValue

        _shared = RawValue(ctypes.c_byte, 0)
    return _shared


def adopt_flag(flag: Any) -> None:
    """In a worker process: pause at `pause_point()` while the parent's GUI thread paints."""
    global _adopted
    _adopted = flag


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
