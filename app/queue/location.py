"""Which queue folder a file belongs to, when only the file is named
(`copydesk set FILE`, a pre-commit hook passing paths), where a folder's
queue settings live, and where a queue keeps its own things inside it.

The queue folder is the nearest folder, from the file's own upwards, that
holds a `.copydesk` folder (the queue's config and logs), looking no higher
than the top of the git working copy the file is in; else that top; else the
file's own folder.

Inside a queue folder, `.copydesk/log/<editor>.jsonl` are the audit logs
(one per editor: `app.audit`). The scanner never lists `.copydesk/` (a hidden
folder); the watcher reports changes to the logs on a path of their own
(`is_log_relpath`), so another editor's decisions arriving through git or a
shared folder update the review state live.
"""
from __future__ import annotations

import os
from pathlib import Path

QUEUE_MARK = ".copydesk"
LOG_DIR = f"{QUEUE_MARK}/log"  # relative to the queue folder, '/'-separated
LOG_SUFFIX = ".jsonl"
_LOG_PREFIX = LOG_DIR + "/"


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


def is_log_relpath(relpath: str) -> bool:
    """`.copydesk/log/<name>.jsonl` directly in the log folder, not a hidden
    name (an editor's or git's temp file)."""
    if not relpath.startswith(_LOG_PREFIX) or not relpath.endswith(LOG_SUFFIX):
        return False
    name = relpath[len(_LOG_PREFIX):]
    return "/" not in name and not name.startswith(".") and len(name) > len(LOG_SUFFIX)


def is_log_folder_relpath(relpath: str) -> bool:
    """`.copydesk` or `.copydesk/log`: created, moved or deleted, every log may have changed."""
    return relpath in (QUEUE_MARK, LOG_DIR)
