"""The editor's keys, in one table: the window builds its actions from it, the
Help > Keyboard Shortcuts dialog shows it, and the README repeats it.

`scope` says where a key works: "queue" keys act only while the queue table
has focus (so typing a P into the filter box types a P), "window" keys work
anywhere in the window.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Key:
    name: str  # action id, e.g. "publish"
    label: str  # menu text
    keys: tuple[str, ...]  # QKeySequence strings; the first one is shown in the menu
    tip: str
    scope: str = "queue"


KEYS: tuple[Key, ...] = (
    Key("next", "&Next Article", ("J", "Down"), "Select the next article in the queue"),
    Key("previous", "&Previous Article", ("K", "Up"), "Select the previous article in the queue"),
    Key("publish", "&Publish", ("P",), "Set published: true (then advance, if auto-advance is on)"),
    Key("unpublish", "&Unpublish", ("U",), "Set published: false (then advance, if auto-advance is on)"),
    Key("toggle", "&Toggle Published", ("Space",), "Flip published (then advance, if auto-advance is on)"),
    Key("quality_up", "Quality &+1", ("+", "=", "Num++"), "Raise quality by 1 (up to 100)"),
    Key("quality_down", "Quality &−1", ("-", "Num+-"), "Lower quality by 1 (down to 0)"),
    Key("quality_up10", "Quality +&10", ("]",), "Raise quality by 10 (clamped to 100)"),
    Key("quality_down10", "Quality −1&0", ("[",), "Lower quality by 10 (clamped to 0)"),
    Key("find", "&Filter…", ("Ctrl+F", "/"), "Put the cursor in the filter box", "window"),
    Key("rescan", "&Rescan Folder", ("F5",), "Read the folder again (changes on disk also appear by themselves)",
        "window"),
    Key("open", "&Open Folder…", ("Ctrl+O",), "Open a folder of article files", "window"),
)

BY_NAME = {k.name: k for k in KEYS}

# Rows of the README / help table (what an editor reads, not what Qt parses).
HELP_ROWS: tuple[tuple[str, str], ...] = (
    ("J or Down", "next article"),
    ("K or Up", "previous article"),
    ("P", "publish (`published: true`)"),
    ("U", "unpublish (`published: false`)"),
    ("Space", "toggle published"),
    ("+ or =", "quality +1"),
    ("-", "quality -1"),
    ("] or [", "quality +10 or -10 (clamped to 0..100)"),
    ("Ctrl+Z / Ctrl+Shift+Z", "undo / redo; undo writes the old value back through the same safe path"),
    ("Ctrl+F or /", "focus the filter box"),
    ("Escape", "leave the filter box"),
    ("F5", "rescan"),
    ("Ctrl+O", "open a folder"),
    ("Ctrl+1 … Ctrl+4", "quick filter: all, unpublished, published, errors"),
    ("F1", "this table, in the window"),
)
