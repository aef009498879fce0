"""Giving memory back to the system after the one-time work of an open.

Reading 100,000 rows makes and drops millions of short-lived objects (SQLite
tuples, the similar pass's shingle sets); the C allocator keeps the freed
pages for later unless asked to return them, and at 100,000 articles a
window kept ~30 MB it no longer used. Python also keeps the source lines of
every module PySide6's feature check has read (it reads each module imported
after it: ~12 MB), which only a traceback would ever read again.

`give_back()` returns both. Any thread; the allocator's trim runs without
the GIL (ctypes lets go of it), so a GUI thread painting meanwhile is not held up.
"""
from __future__ import annotations

import ctypes
import linecache
import sys
from collections.abc import Callable

_trim: Callable[[int], int] | None = None
if sys.platform.startswith("linux"):
    try:
        _trim = ctypes.CDLL("libc.so.6").malloc_trim  # glibc; musl and others have none
    except (OSError, AttributeError):
        _trim = None


def give_back() -> None:
    """Drop the cached source lines and return the allocator's free pages to the system."""
    linecache.clearcache()
    if _trim is not None:
        _trim(0)
