"""The window's actions and menus, built from the key table in ui/keys.py.

Every key has a menu entry with a tooltip. Queue keys (J, K, P, U, Space,
+, -, ], [, /) are WidgetShortcuts on the queue table, so they act only while
the queue has focus and type normally into the filter box; window keys
(Ctrl+O, Ctrl+F, F5, Ctrl+Z, ...) work anywhere in the window.

GUI thread only.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu, QMessageBox

from ui.keys import BY_NAME, HELP_ROWS
from ui.queue_model import QUICK_FILTERS, Column

if TYPE_CHECKING:
    from ui.main_window import MainWindow

QUICK_LABELS = {"all": "All", "unpublished": "Unpublished", "published": "Published", "errors": "Errors"}


def _key_action(window: MainWindow, name: str, slot: Callable[[], None]) -> QAction:
    key = BY_NAME[name]
    action = QAction(key.label, window)
    action.setObjectName(f"action_{name}")
    action.setShortcuts([QKeySequence(k) for k in key.keys])
    shown = " or ".join(QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText) for k in key.keys[:2])
    action.setToolTip(f"{key.tip} ({shown})")
    action.setStatusTip(key.tip)
    if key.scope == "queue":
        # Only while the queue has focus: typing "P" in the filter box types a P.
        action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        window.table.addAction(action)
    else:
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        window.addAction(action)
    action.triggered.connect(slot)
    window.actions_by_name[name] = action
    return action


def build_actions(window: MainWindow) -> None:
    w = window
    w.actions_by_name = {}
    _key_action(w, "next", lambda: w.move_selection(+1))
    _key_action(w, "previous", lambda: w.move_selection(-1))
    _key_action(w, "publish", lambda: w.set_published(lambda _old: True))
    _key_action(w, "unpublish", lambda: w.set_published(lambda _old: False))
    _key_action(w, "toggle", lambda: w.set_published(lambda old: not old))
    _key_action(w, "quality_up", lambda: w.step_quality(+1))
    _key_action(w, "quality_down", lambda: w.step_quality(-1))
    _key_action(w, "quality_up10", lambda: w.step_quality(+10))
    _key_action(w, "quality_down10", lambda: w.step_quality(-10))
    # "/" belongs to the queue (it is a character in the filter box); Ctrl+F works anywhere.
    find = _key_action(w, "find", w.focus_filter)
    find.setShortcuts([QKeySequence("Ctrl+F")])
    find.setToolTip(f"{BY_NAME['find'].tip} (Ctrl+F or /)")
    slash = QAction("Filter (/)", w)
    slash.setShortcut(QKeySequence("/"))
    slash.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
    slash.triggered.connect(w.focus_filter)
    w.table.addAction(slash)
    _key_action(w, "rescan", w.rescan)
    _key_action(w, "open", w.choose_folder)

    leave = QAction("Back to the Queue", w)
    leave.setShortcut(QKeySequence(Qt.Key.Key_Escape))
    leave.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
    leave.triggered.connect(w.table.setFocus)
    w.filter_edit.addAction(leave)

    w.undo_action = w.undo_stack.createUndoAction(w, "&Undo")
    w.undo_action.setShortcuts([QKeySequence("Ctrl+Z")])
    w.undo_action.setToolTip("Undo the last decision: writes the old value back (Ctrl+Z)")
    w.redo_action = w.undo_stack.createRedoAction(w, "&Redo")
    w.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
    w.redo_action.setToolTip("Redo the last undone decision (Ctrl+Shift+Z)")
    w.addAction(w.undo_action)
    w.addAction(w.redo_action)

    w.auto_advance_action = QAction("&Auto-Advance", w, checkable=True)
    w.auto_advance_action.setToolTip("After P, U and Space, move to the next article")
    w.auto_advance_action.setStatusTip(w.auto_advance_action.toolTip())

    w.quick_group = QActionGroup(w)
    w.quick_actions = {}
    for number, name in enumerate(QUICK_FILTERS, start=1):
        action = QAction(f"Show {QUICK_LABELS[name]}", w, checkable=True)
        action.setShortcut(QKeySequence(f"Ctrl+{number}"))
        action.setToolTip(f"Quick filter: {QUICK_LABELS[name].lower()} (Ctrl+{number})")
        action.triggered.connect(lambda _=False, n=name: w.set_quick_filter(n))
        w.quick_group.addAction(action)
        w.addAction(action)
        w.quick_actions[name] = action

    w.thumbnails_action = QAction("&Thumbnails", w, checkable=True)
    w.thumbnails_action.setToolTip("Show each article's first picture in the queue (visible rows only)")
    w.remote_images_action = QAction("Load &Remote Images", w, checkable=True)
    w.remote_images_action.setToolTip("Fetch http(s) pictures; when off, no network access at all")

    w.demo_action = QAction("Open &Demo Queue", w)
    w.demo_action.setToolTip("Open the demo articles (a private copy in your data folder)")
    w.demo_action.triggered.connect(w.open_demo)
    w.quit_action = QAction("&Quit", w)
    w.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
    w.quit_action.setToolTip("Close the window; queued writes finish first (Ctrl+Q)")
    w.quit_action.triggered.connect(w.close)
    w.addAction(w.quit_action)


def build_menus(window: MainWindow) -> None:
    w = window
    bar = w.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.addAction(w.actions_by_name["open"])
    w.recent_menu = file_menu.addMenu("Open &Recent")
    file_menu.addAction(w.demo_action)
    file_menu.addSeparator()
    file_menu.addAction(w.actions_by_name["rescan"])
    file_menu.addSeparator()
    file_menu.addAction(w.quit_action)

    edit_menu = bar.addMenu("&Edit")
    edit_menu.addAction(w.undo_action)
    edit_menu.addAction(w.redo_action)
    edit_menu.addSeparator()
    for name in ("publish", "unpublish", "toggle"):
        edit_menu.addAction(w.actions_by_name[name])
    edit_menu.addSeparator()
    for name in ("quality_up", "quality_down", "quality_up10", "quality_down10"):
        edit_menu.addAction(w.actions_by_name[name])
    edit_menu.addSeparator()
    edit_menu.addAction(w.actions_by_name["find"])

    go_menu = bar.addMenu("&Go")
    go_menu.addAction(w.actions_by_name["next"])
    go_menu.addAction(w.actions_by_name["previous"])

    view_menu = bar.addMenu("&View")
    view_menu.addAction(w.auto_advance_action)
    view_menu.addSeparator()
    for action in w.quick_actions.values():
        view_menu.addAction(action)
    view_menu.addSeparator()
    view_menu.addAction(w.thumbnails_action)
    view_menu.addAction(w.remote_images_action)
    columns_menu = view_menu.addMenu("&Columns")
    columns_menu.aboutToShow.connect(lambda: fill_columns_menu(w, columns_menu))

    help_menu = bar.addMenu("&Help")
    keys_action = help_menu.addAction("&Keyboard Shortcuts")
    keys_action.setShortcut(QKeySequence("F1"))
    keys_action.setToolTip("Every key of the window (F1)")
    keys_action.triggered.connect(lambda: show_keys(w))
    about = help_menu.addAction("&About Copydesk")
    about.triggered.connect(lambda: show_about(w))
    for menu in (file_menu, w.recent_menu, edit_menu, go_menu, view_menu, columns_menu, help_menu):
        menu.setToolTipsVisible(True)


def fill_recent_menu(window: MainWindow) -> None:
    menu = window.recent_menu
    menu.clear()
    recent = window.settings.recent_folders
    for number, folder in enumerate(recent, start=1):
        action = menu.addAction(f"&{number} {folder}")
        action.setToolTip(folder)
        action.triggered.connect(lambda _=False, f=folder: window.open_folder(f))
    if recent:
        menu.addSeparator()
        clear = menu.addAction("Clear Recent Folders")
        clear.triggered.connect(lambda: (window.settings.clear_recent(), fill_recent_menu(window)))
    menu.setEnabled(bool(recent))


def fill_columns_menu(window: MainWindow, menu: QMenu) -> None:
    menu.clear()
    header = window.table.horizontalHeader()
    for column in Column:
        if column in (Column.TITLE, Column.IMAGE):  # the title always shows; thumbnails have their own entry
            continue
        action = menu.addAction(window.model.headerData(column, Qt.Orientation.Horizontal))
        action.setCheckable(True)
        action.setChecked(not header.isSectionHidden(column))
        action.toggled.connect(lambda on, c=column: window.table.setColumnHidden(c, not on))


def show_header_menu(window: MainWindow, pos: object) -> None:
    menu = QMenu(window)
    fill_columns_menu(window, menu)
    menu.popup(window.table.horizontalHeader().mapToGlobal(pos))


def show_keys(window: MainWindow) -> None:
    rows = "".join(f"<tr><td nowrap style='padding:2px 16px 2px 0'><b>{k}</b></td><td>{v.replace('`', '')}</td></tr>"
                   for k, v in HELP_ROWS)
    box = QMessageBox(QMessageBox.Icon.NoIcon, "Keyboard Shortcuts",
                      f"<table>{rows}</table><p>Queue keys act while the queue has focus.</p>",
                      QMessageBox.StandardButton.Close, window)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()


def show_about(window: MainWindow) -> None:
    box = QMessageBox(QMessageBox.Icon.NoIcon, "About Copydesk",
                      "<b>Copydesk</b><p>A review desk for news articles stored as files. Every "
                      "decision changes exactly the value you changed, and nothing else.</p>",
                      QMessageBox.StandardButton.Close, window)
    box.setIconPixmap(window.windowIcon().pixmap(64, 64))
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
