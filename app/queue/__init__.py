"""A folder of articles: scanning, the index, watching, own-write recognition
and the one definition of what a filter selects.

`ReviewQueue` is the entry point; the modules below it are its parts.
"""
from app.queue.full_scan import ScanReport
from app.queue.review import QueueChange, ReviewQueue

__all__ = ["QueueChange", "ReviewQueue", "ScanReport"]
