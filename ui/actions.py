"""The window's actions and menus, built from tables: `ui.keys.KEYS` for every
action with a key, `TOGGLES` and `COMMANDS` for those without, and `MENUS` for
where each one sits.

The builders take widgets and a mapping of action name to handler; they never
import the main window, so the window depends on them and not the other way
round. Queue keys (J, K, P, U, R, Space, +, -, ], [, /, Ctrl+A) are WidgetShortcuts on
the queue table, so they act only while the queue has focus and type normally
into the filter box; window keys (Ctrl+O, Ctrl+F, F5, Ctrl+Z, ...) work
anywhere in the window.

GUI thread only.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu, QMenuBar, QTableView, QWidget

from ui.i18n import QT_TR_NOOP, tr
from ui.keys import KEYS, Key, shown_keys


@dataclass(frozen=True, slots=True)
class Plain:
    """An action without a key of its own."""

    name: str
    label: str
    tip: str
    checkable: bool = False


TOGGLES: tuple[Plain, ...] = (
    Plain("auto_advance", QT_TR_NOOP("&Auto-Advance"), QT_TR_NOOP("After P, U and Space, move to the next article"),
          True),
    Plain("thumbnails", QT_TR_NOOP("&Thumbnails"),
          QT_TR_NOOP("Show each article's first picture in the queue (visible rows only)"), True),
    Plain("remote_images", QT_TR_NOOP("Load &Remote Images"),
          QT_TR_NOOP("Fetch http(s) pictures; when off, no network access at all"), True),
)
COMMANDS: tuple[Plain, ...] = (
    Plain("demo", QT_TR_NOOP("Open &Demo Queue"), QT_TR_NOOP("Open the demo articles (a private copy in your data folder)")),
    Plain("queue_settings", QT_TR_NOOP("&Queue Settings…"),
          QT_TR_NOOP("The profile this folder is read with (news, Hugo, Jekyll site)")),
    Plain("about", QT_TR_NOOP("&About Copydesk"), QT_TR_NOOP("Version, licence and the folders Copydesk uses")),
)

# Menu title -> entries: an action name, "-" for a separator, or "@name" for a
# submenu the window fills itself (recent folders, columns).
MENUS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (QT_TR_NOOP("&File"), ("open", "@" + QT_TR_NOOP("Open &Recent"), "demo", "-", "queue_settings", "-",
                           "open_in_editor", "reveal", "-", "rescan", "sync", "-", "quit")),
    (QT_TR_NOOP("&Edit"), ("undo", "redo", "-", "publish", "unpublish", "toggle", "unpublish_reason",
                           "mark_reviewed", "-",
                           "quality_up", "quality_down", "quality_up10", "quality_down10", "-",
                           "claim", "-", "copy_path", "copy_link", "-", "find", "-", "preferences")),
    (QT_TR_NOOP("&Go"), ("next", "previous", "-", "extend_next", "extend_previous", "select_all", "-",
                         "row_menu", "leave_filter")),
    (QT_TR_NOOP("&View"), ("auto_advance", "-", *(k.name for k in KEYS if k.name.startswith("quick_")), "-",
                           "thumbnails", "remote_images", "@" + QT_TR_NOOP("&Columns"))),
    (QT_TR_NOOP("&Help"), ("shortcuts", "about")),
)

Handlers = Mapping[str, Callable[..., object]]


def build_actions(owner: QWidget, queue: QWidget, filter_box: QWidget, handlers: Handlers, *,
                  provided: Mapping[str, QAction] | None = None) -> dict[str, QAction]:
    """Every action of the window, by name. `provided` holds actions made
    elsewhere (QUndoStack's undo and redo), which get their keys and tips here.
    `handlers[name]` is connected to `triggered` (checkable actions: `toggled`)."""
    actions: dict[str, QAction] = {}
    provided = provided or {}
    scopes = {"queue": queue, "window": owner, "filter": filter_box}
    for key in KEYS:
        action = provided.get(key.name) or QAction(key.text("label"), owner)
        _apply_key(action, key)
        scopes[key.scope].addAction(action)
        actions[key.name] = action
    # "/" also focuses the filter, but only from the queue (it is a character in the filter box).
    slash = QAction(tr("Filter (/)"), owner)
    slash.setObjectName("action_find_slash")
    slash.setShortcut(QKeySequence("/"))
    slash.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
    queue.addAction(slash)
    actions["find_slash"] = slash
    actions["find"].setShortcuts([QKeySequence("Ctrl+F")])
    for plain in TOGGLES + COMMANDS:
        action = QAction(tr(plain.label), owner, checkable=plain.checkable)
        action.setObjectName(f"action_{plain.name}")
        action.setToolTip(tr(plain.tip))
        action.setStatusTip(tr(plain.tip))
        actions[plain.name] = action
    _group_quick_filters(owner, actions)
    for name, handler in handlers.items():
        action = actions[name]
        if action.isCheckable() and name in {p.name for p in TOGGLES}:
            action.toggled.connect(handler)
        else:
            action.triggered.connect(lambda _checked=False, h=handler: h())
    actions["find_slash"].triggered.connect(lambda _checked=False: handlers["find"]())
    return actions


def _apply_key(action: QAction, key: Key) -> None:
    action.setText(key.text("label"))
    action.setObjectName(f"action_{key.name}")
    action.setShortcuts([QKeySequence(k) for k in key.keys])
    action.setToolTip(f"{key.text('tip')} ({shown_keys(key)})")
    action.setStatusTip(key.text("tip"))
    action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut if key.scope in ("queue", "filter")
                              else Qt.ShortcutContext.WindowShortcut)


def _group_quick_filters(owner: QObject, actions: dict[str, QAction]) -> None:
    group = QActionGroup(owner)
    for name, action in actions.items():
        if name.startswith("quick_"):
            action.setCheckable(True)
            group.addAction(action)


def build_menus(bar: QMenuBar, actions: Mapping[str, QAction]) -> dict[str, QMenu]:
    """Fill the menu bar from `MENUS`; returns the submenus the window fills
    itself, by their plain name ("recent", "columns")."""
    submenus: dict[str, QMenu] = {}
    for title, entries in MENUS:
        menu = bar.addMenu(tr(title))
        menu.setToolTipsVisible(True)
        for entry in entries:
            if entry == "-":
                menu.addSeparator()
            elif entry.startswith("@"):
                submenu = menu.addMenu(tr(entry[1:]))
                submenu.setToolTipsVisible(True)
                submenus[entry[1:].replace("&", "").split()[-1].lower()] = submenu  # by its source name
            else:
                menu.addAction(actions[entry])
    return submenus


def fill_recent_menu(menu: QMenu, folders: list[str], open_folder: Callable[[str], object],
                     clear: Callable[[], object]) -> None:
    menu.clear()
    for number, folder in enumerate(folders, start=1):
        action = menu.addAction(f"&{number} {folder}")
        action.setToolTip(folder)
        action.triggered.connect(lambda _=False, f=folder: open_folder(f))
    if folders:
        menu.addSeparator()
        menu.addAction(tr("Clear Recent Folders")).triggered.connect(lambda _=False: clear())
    menu.setEnabled(bool(folders))


def fill_columns_menu(menu: QMenu, table: QTableView, hidden_from_menu: tuple[int, ...] = ()) -> None:
    """One checkable entry per column (except `hidden_from_menu`), showing or hiding it."""
    menu.clear()
    header = table.horizontalHeader()
    model = table.model()
    for column in range(header.count()):
        if column in hidden_from_menu:
            continue
        action = menu.addAction(str(model.headerData(column, Qt.Orientation.Horizontal)))
        action.setCheckable(True)
        action.setChecked(not header.isSectionHidden(column))
        action.toggled.connect(lambda on, c=column: table.setColumnHidden(c, not on))
