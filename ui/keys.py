"""The editor's keys, in one table: the window builds its actions and menus
from it (`ui.actions`), the Help > Keyboard Shortcuts dialog shows the rows
derived from it (`help_rows()`), and the README repeats those rows
(`HELP_ROWS`, in the source language).

`scope` says where a key works: "queue" keys act only while the queue table
has focus (so typing a P into the filter box types a P), "window" keys work
anywhere in the window, "filter" keys only in the filter box.

The words are marked for translation (`QT_TR_NOOP`) and translated where they
are shown (`Key.text`). GUI thread only for the translated texts.
"""
from __future__ import annotations

from dataclasses import dataclass

from app.queue.selection import QUICK_FILTERS
from ui.i18n import QT_TR_NOOP, tr


@dataclass(frozen=True, slots=True)
class Key:
    name: str  # action id, e.g. "publish"
    label: str  # menu text
    keys: tuple[str, ...]  # QKeySequence strings; the first one is shown in the menu
    tip: str
    scope: str = "queue"
    help: str = ""  # the help table's words (default: the tip)
    words: tuple[tuple[str, str], ...] = ()  # {name}s in the texts, filled with these words (translated too)

    def text(self, field: str, *, translate: bool = True) -> str:
        """`label`, `tip` or `help` (the tip when there is no help), as the editor reads it."""
        source = getattr(self, field) or (self.tip if field == "help" else "")
        if not translate:
            return source.format(**dict(self.words)) if self.words else source
        words = {name: tr(word) for name, word in self.words}
        return tr(source).format(**words) if words else tr(source)


# The core's quick filters (app.queue.selection) name themselves in English; their words are here for lupdate.
_QUICK_WORDS = (QT_TR_NOOP("All"), QT_TR_NOOP("Unpublished"), QT_TR_NOOP("Published"), QT_TR_NOOP("Errors"),
                QT_TR_NOOP("every article"), QT_TR_NOOP("readable articles not published (or not set)"),
                QT_TR_NOOP("readable articles that are published"), QT_TR_NOOP("files that cannot be read"),
                QT_TR_NOOP("To review"), QT_TR_NOOP("Changed"),
                QT_TR_NOOP("needs review: articles with no decision in the audit trail"),
                QT_TR_NOOP("changed since review: articles whose file changed after their last logged decision"),
                QT_TR_NOOP("Duplicates"),
                QT_TR_NOOP("articles with a copy: the same URL, or the same title from the same provider"))

_QUICK = tuple(
    Key(f"quick_{q.name}", QT_TR_NOOP("Show {label}"), (q.key,), QT_TR_NOOP("Quick filter: {tip}"), "window",
        QT_TR_NOOP("quick filter: {label}"), (("label", q.label), ("tip", q.tip)))
    for q in QUICK_FILTERS)

KEYS: tuple[Key, ...] = (
    Key("next", QT_TR_NOOP("&Next Article"), ("J", "Down"), QT_TR_NOOP("Select the next article in the queue"),
        help=QT_TR_NOOP("next article")),
    Key("previous", QT_TR_NOOP("&Previous Article"), ("K", "Up"), QT_TR_NOOP("Select the previous article in the queue"),
        help=QT_TR_NOOP("previous article")),
    Key("publish", QT_TR_NOOP("&Publish"), ("P",), QT_TR_NOOP("Set published: true (then advance, if auto-advance is on)"),
        help=QT_TR_NOOP("publish (`published: true`)")),
    Key("unpublish", QT_TR_NOOP("&Unpublish"), ("U",), QT_TR_NOOP("Set published: false (then advance, if auto-advance is on)"),
        help=QT_TR_NOOP("unpublish (`published: false`)")),
    Key("toggle", QT_TR_NOOP("&Toggle Published"), ("Space",), QT_TR_NOOP("Flip published (then advance, if auto-advance is on)"),
        help=QT_TR_NOOP("toggle published; with many selected, all to the opposite of the current article")),
    Key("unpublish_reason", QT_TR_NOOP("Unpublish with a &Reason…"), ("Shift+U",),
        QT_TR_NOOP("Pick a reason (number keys, Enter), then set published: false; the reason goes to the audit log"),
        help=QT_TR_NOOP("unpublish with a reason (a picker: number keys choose, Enter confirms, Escape cancels)")),
    Key("mark_reviewed", QT_TR_NOOP("&Mark Reviewed"), ("R",),
        QT_TR_NOOP("Record that you looked at the article and kept its values; the file is not touched"),
        help=QT_TR_NOOP("mark reviewed (a line in the audit log, the file untouched; then advance)")),
    Key("quality_up", QT_TR_NOOP("Quality &+1"), ("+", "=", "Num++"), QT_TR_NOOP("Raise quality by 1 (up to 100)"),
        help=QT_TR_NOOP("quality +1")),
    Key("quality_down", QT_TR_NOOP("Quality &−1"), ("-", "Num+-"), QT_TR_NOOP("Lower quality by 1 (down to 0)"),
        help=QT_TR_NOOP("quality -1")),
    Key("quality_up10", QT_TR_NOOP("Quality +&10"), ("]",), QT_TR_NOOP("Raise quality by 10 (clamped to 100)"),
        help=QT_TR_NOOP("quality +10")),
    Key("quality_down10", QT_TR_NOOP("Quality −1&0"), ("[",), QT_TR_NOOP("Lower quality by 10 (clamped to 0)"),
        help=QT_TR_NOOP("quality -10")),
    Key("claim", QT_TR_NOOP("&Claim Article"), ("C",),
        QT_TR_NOOP("Claim the selected article for 30 minutes, so the other editors of a team queue see "
                   "that you are reviewing it (again: renew)"),
        help=QT_TR_NOOP("claim the article (team queues)")),
    Key("undo", QT_TR_NOOP("&Undo"), ("Ctrl+Z",), QT_TR_NOOP("Undo the last decision: writes the old value back"), "window",
        QT_TR_NOOP("undo; writes the old value back through the same safe path")),
    Key("redo", QT_TR_NOOP("&Redo"), ("Ctrl+Shift+Z", "Ctrl+Y"), QT_TR_NOOP("Redo the last undone decision"), "window", QT_TR_NOOP("redo")),
    Key("extend_next", QT_TR_NOOP("Select &Next Too"), ("Shift+J",), QT_TR_NOOP("Add the next article to the selection"),
        help=QT_TR_NOOP("extend the selection down (also Shift/Ctrl click)")),
    Key("extend_previous", QT_TR_NOOP("Select Pre&vious Too"), ("Shift+K",),
        QT_TR_NOOP("Add the previous article to the selection"), help=QT_TR_NOOP("extend the selection up")),
    Key("select_all", QT_TR_NOOP("Select &All Shown"), ("Ctrl+A",),
        QT_TR_NOOP("Select every article the filter shows: P, U, Space, R, +, -, ] and [ then decide for all"),
        help=QT_TR_NOOP("select every row the filter shows; decision keys then act on all selected")),
    Key("find", QT_TR_NOOP("&Filter…"), ("Ctrl+F", "/"), QT_TR_NOOP("Put the cursor in the filter box"), "window",
        QT_TR_NOOP("focus the filter box")),
    Key("leave_filter", QT_TR_NOOP("&Back to the Queue"), ("Esc",),
        QT_TR_NOOP("In the filter box: clear the filter; pressed again, back to the queue"), "filter",
        QT_TR_NOOP("in the filter box: clear it; again: back to the queue")),
    Key("rescan", QT_TR_NOOP("&Rescan Folder"), ("F5",), QT_TR_NOOP("Read the folder again (changes on disk also appear by themselves)"),
        "window", QT_TR_NOOP("rescan")),
    Key("sync", QT_TR_NOOP("&Sync Now"), ("F6",),
        QT_TR_NOOP("Share your decisions and bring in the other editors' (a team queue: a folder in a git "
                   "working copy)"), "window", QT_TR_NOOP("sync a team queue now (git)")),
    Key("open", QT_TR_NOOP("&Open Folder…"), ("Ctrl+O",), QT_TR_NOOP("Open a folder of article files"), "window", QT_TR_NOOP("open a folder")),
    Key("open_in_editor", QT_TR_NOOP("Open in &Editor"), ("Ctrl+E",),
        QT_TR_NOOP("Open the article's file in your text editor (Preferences, else $VISUAL or $EDITOR)"),
        help=QT_TR_NOOP("open the article's file in a text editor")),
    Key("reveal", QT_TR_NOOP("Reveal in File &Manager"), ("Alt+Shift+R",), QT_TR_NOOP("Show the article's file in the file manager"),
        help=QT_TR_NOOP("show the file in the file manager")),
    Key("copy_path", QT_TR_NOOP("&Copy Path"), ("Ctrl+C",), QT_TR_NOOP("Copy the full path of the article's file"),
        help=QT_TR_NOOP("copy the path")),
    Key("copy_link", QT_TR_NOOP("Copy as Mark&down Link"), ("Ctrl+Shift+C",),
        QT_TR_NOOP("Copy [title](file URL) for notes and tickets"), help=QT_TR_NOOP("copy a Markdown link to the file")),
    Key("row_menu", QT_TR_NOOP("Article &Menu"), ("Shift+F10", "Menu"), QT_TR_NOOP("The selected article's menu (also a right-click)"),
        help=QT_TR_NOOP("the article's menu (or right-click a row)")),
    *_QUICK,
    Key("preferences", QT_TR_NOOP("&Preferences…"), ("Ctrl+,",),
        QT_TR_NOOP("Your name, auto-advance, pictures, bulk decisions, the text editor"), "window", QT_TR_NOOP("preferences")),
    Key("shortcuts", QT_TR_NOOP("&Keyboard Shortcuts"), ("F1",), QT_TR_NOOP("Every key of the window"), "window",
        QT_TR_NOOP("this table, in the window")),
    Key("quit", QT_TR_NOOP("&Quit"), ("Ctrl+Q",), QT_TR_NOOP("Close the window; queued writes finish first"), "window", QT_TR_NOOP("quit")),
)

BY_NAME = {k.name: k for k in KEYS}


def shown_keys(key: Key) -> str:
    """The keys as the help table and tooltips name them: the first two (keypad twins left out)."""
    return " or ".join([k for k in key.keys if not k.startswith("Num+")][:2])


# Rows of the README's key table, in the source language (a test holds the README to them).
HELP_ROWS: tuple[tuple[str, str], ...] = tuple((shown_keys(k), k.text("help", translate=False)) for k in KEYS)


def help_rows() -> tuple[tuple[str, str], ...]:
    """The help dialog's rows, in the editor's language."""
    return tuple((shown_keys(k), k.text("help")) for k in KEYS)
