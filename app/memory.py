"""Giving memory back to the system after the one-time work of an open.

Reading 100,000 rows makes and drops millions of short-lived objects (SQLite
tuples, the similar pass's shingle sets); the C allocator keeps the freed
pages for later unless asked to return them, and at 100,000 articles a
window kept ~30 MB it no longer used. Python also keeps the source lines of
every module PySide6's feature check has read (it reads each module imported
after it: ~12 MB), which only a traceback would ever read again.

`give_back()` returns both; `trim()` the pages only. Any thread; the
allocator's trim runs without the GIL (ctypes lets go of it), so a GUI thread
painting meanwhile is not held up.

`long_lived()` is held around work that makes objects meant to stay (an
open's rows and file states, its duplicate records): Python's
cyclic collector would walk every tracked object again and again while they
pile up (a full collection at 100,000 rows took 18-40 ms, found nothing to
free, and held the GIL: the window stalled whichever thread ran it). Inside,
the collector is paused (for the whole process: several threads may be
inside at once, and it starts again when the last one leaves); on leaving,
what was made is frozen out of its reach (`gc.freeze`). Refcounting still
frees every object when it is dropped; a cycle made meanwhile is frozen with
the rest, so work whose products are mostly dropped (the similar pass:
shingle sets by the million; an audit trail's read buffers) pauses the
collector with `no_collections()` instead.
"""
from __future__ import annotations

import ctypes
import gc
import linecache
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_trim: Callable[[int], int] | None = None
if sys.platform.startswith("linux"):
    try:
        _trim = ctypes.CDLL("libc.so.6").malloc_trim  # glibc; musl and others have none
    except (OSError, AttributeError):
        _trim = None


def give_back() -> None:
    """Drop the cached source lines and return the allocator's free pages to the system."""
    linecache.clearcache()
    trim()


def trim() -> None:
    """Return the allocator's free pages to the system (and nothing else: the
    source lines a traceback on another thread may be reading stay)."""
    if _trim is not None:
        _trim(0)


_paused = threading.Lock()
_inside = 0  # threads inside no_collections() (long_lived() included)
_was_enabled = False  # the collector's state when the first of them came in


@contextmanager
def no_collections() -> Iterator[None]:
    """No cyclic collection while inside (any thread; see `long_lived`)."""
    global _inside, _was_enabled
    with _paused:
        if _inside == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _inside += 1
    try:
        yield
    finally:
        with _paused:
            _inside -= 1
            if _inside == 0 and _was_enabled:
                gc.enable()


@contextmanager
def long_lived() -> Iterator[None]:
    """No cyclic collection while inside; what was made is frozen on leaving,
    before the collector comes back: until frozen it is all in the youngest
    generation, and the first allocation after `gc.enable()` would start a
    collection that walks it (80-100 ms at 100,000 rows, holding the GIL)."""
    with no_collections():
        try:
            yield
        finally:
            gc.freeze()
