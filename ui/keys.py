"""The editor's keys, in one table: the window builds its actions and menus
from it (`ui.actions`), the Help > Keyboard Shortcuts dialog shows the rows
derived from it (`HELP_ROWS`), and the README repeats those rows.

`scope` says where a key works: "queue" keys act only while the queue table
has focus (so typing a P into the filter box types a P), "window" keys work
anywhere in the window, "filter" keys only in the filter box.
"""
from __future__ import annotations

from dataclasses import dataclass

from app.queue.selection import QUICK_FILTERS


@dataclass(frozen=True, slots=True)
class Key:
    name: str  # action id, e.g. "publish"
    label: str  # menu text
    keys: tuple[str, ...]  # QKeySequence strings; the first one is shown in the menu
    tip: str
    scope: str = "queue"
    help: str = ""  # the help table's words (default: the tip)


_QUICK = tuple(
    Key(f"quick_{q.name}", f"Show {q.label}", (q.key,), f"Quick filter: {q.tip}", "window",
        f"quick filter: {q.label.lower()}")
    for q in QUICK_FILTERS)

KEYS: tuple[Key, ...] = (
    Key("next", "&Next Article", ("J", "Down"), "Select the next article in the queue", help="next article"),
    Key("previous", "&Previous Article", ("K", "Up"), "Select the previous article in the queue",
        help="previous article"),
    Key("publish", "&Publish", ("P",), "Set published: true (then advance, if auto-advance is on)",
        help="publish (`published: true`)"),
    Key("unpublish", "&Unpublish", ("U",), "Set published: false (then advance, if auto-advance is on)",
        help="unpublish (`published: false`)"),
    Key("toggle", "&Toggle Published", ("Space",), "Flip published (then advance, if auto-advance is on)",
        help="toggle published"),
    Key("quality_up", "Quality &+1", ("+", "=", "Num++"), "Raise quality by 1 (up to 100)", help="quality +1"),
    Key("quality_down", "Quality &−1", ("-", "Num+-"), "Lower quality by 1 (down to 0)", help="quality -1"),
    Key("quality_up10", "Quality +&10", ("]",), "Raise quality by 10 (clamped to 100)", help="quality +10"),
    Key("quality_down10", "Quality −1&0", ("[",), "Lower quality by 10 (clamped to 0)", help="quality -10"),
    Key("undo", "&Undo", ("Ctrl+Z",), "Undo the last decision: writes the old value back", "window",
        "undo; writes the old value back through the same safe path"),
    Key("redo", "&Redo", ("Ctrl+Shift+Z", "Ctrl+Y"), "Redo the last undone decision", "window", "redo"),
    Key("find", "&Filter…", ("Ctrl+F", "/"), "Put the cursor in the filter box", "window", "focus the filter box"),
    Key("leave_filter", "&Back to the Queue", ("Esc",),
        "In the filter box: clear the filter; pressed again, back to the queue", "filter",
        "in the filter box: clear it; again: back to the queue"),
    Key("rescan", "&Rescan Folder", ("F5",), "Read the folder again (changes on disk also appear by themselves)",
        "window", "rescan"),
    Key("open", "&Open Folder…", ("Ctrl+O",), "Open a folder of article files", "window", "open a folder"),
    Key("open_in_editor", "Open in &Editor", ("Ctrl+E",),
        "Open the article's file in your text editor (Preferences, else $VISUAL or $EDITOR)",
        help="open the article's file in a text editor"),
    Key("reveal", "Reveal in File &Manager", ("Alt+Shift+R",), "Show the article's file in the file manager",
        help="show the file in the file manager"),
    Key("copy_path", "&Copy Path", ("Ctrl+C",), "Copy the full path of the article's file", help="copy the path"),
    Key("copy_link", "Copy as Mark&down Link", ("Ctrl+Shift+C",),
        "Copy [title](file URL) for notes and tickets", help="copy a Markdown link to the file"),
    Key("row_menu", "Article &Menu", ("Shift+F10", "Menu"), "The selected article's menu (also a right-click)",
        help="the article's menu (or right-click a row)"),
    *_QUICK,
    Key("preferences", "&Preferences…", ("Ctrl+,",), "Your name, auto-advance, pictures, bulk decisions, "
        "the text editor", "window", "preferences"),
    Key("shortcuts", "&Keyboard Shortcuts", ("F1",), "Every key of the window", "window",
        "this table, in the window"),
    Key("quit", "&Quit", ("Ctrl+Q",), "Close the window; queued writes finish first", "window", "quit"),
)

BY_NAME = {k.name: k for k in KEYS}


def shown_keys(key: Key) -> str:
    """The keys as the help table and tooltips name them: the first two (keypad twins left out)."""
    return " or ".join([k for k in key.keys if not k.startswith("Num+")][:2])


# Rows of the help dialog and the README's key table (what an editor reads).
HELP_ROWS: tuple[tuple[str, str], ...] = tuple((shown_keys(k), k.help or k.tip) for k in KEYS)
