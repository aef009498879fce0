"""Which queue folder a file belongs to, when only the file is named
(`copydesk set FILE`, a pre-commit hook passing paths), and where a folder's
queue settings live.

The queue folder is the nearest folder, from the file's own upwards, that
holds a `.copydesk` folder (the queue's config and logs), looking no higher
than the top of the git working copy the file is in; else that top; else the
file's own folder.
"""
from __future__ import annotations

import os
from pathlib import Path

QUEUE_MARK = ".copydesk"


def queue_root_of(file: Path) -> Path:
    start = Path(os.path.abspath(file)).parent
    for folder in (start, *start.parents):
        if (folder / QUEUE_MARK).is_dir() or (folder / ".git").exists():
            return folder
    return start


def marked_root_of(folder: Path) -> Path | None:
    """The nearest folder at or above `folder` that holds a `.copydesk` folder,
    looking no higher than the top of its git working copy; None when there is
    none (the folder is then a queue of its own)."""
    start = Path(os.path.abspath(folder))
    for candidate in (start, *start.parents):
        if (candidate / QUEUE_MARK).is_dir():
            return candidate
        if (candidate / ".git").exists():
            return None
    return None
