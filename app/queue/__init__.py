"""A folder of articles: scanning, the index, watching, own-write recognition,
the queue's settings (profile, field mapping, excludes) and the one definition
of what a filter selects.

`ReviewQueue` is the entry point; the modules below it are its parts. They are
imported when first asked for, so a light part (`app.queue.profiles`, which the
command line's --help names) does not pull in the scanner and SQLite.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.queue.full_scan import ScanReport
    from app.queue.review import QueueChange, ReviewQueue

__all__ = ["QueueChange", "ReviewQueue", "ScanReport"]


def __getattr__(name: str) -> Any:
    if name == "ScanReport":
        from app.queue.full_scan import ScanReport
        return ScanReport
    if name in ("QueueChange", "ReviewQueue"):
        from app.queue import review
        return getattr(review, name)
    raise AttributeError(f"module 'app.queue' has no attribute {name!r}")
