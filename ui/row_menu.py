"""What can be done with the selected article's file, from its row's menu
(right-click, Shift+F10 or the Menu key), the keys of `ui.keys` and the
error banner's button: open it in a text editor, show it in the file
manager, copy its path or a Markdown link to it.

`RowActions` knows nothing of the window: it is given how to find the
current article (`current`: its absolute path, title and error line) and
where to say what happened (`report`). GUI thread only.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QPoint, QUrl
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QMenu, QTableView

from ui.i18n import tr
from ui.open_with import FileManager, Report, open_in_editor

# The row menu's entries (action names of ui.keys / ui.actions; "-" a separator).
ROW_MENU: tuple[str, ...] = ("publish", "unpublish", "-", "open_in_editor", "reveal", "-", "copy_path", "copy_link")


@dataclass(frozen=True, slots=True)
class CurrentFile:
    path: Path  # absolute
    title: str  # "" when the article has none (or cannot be read)
    line: int | None = None  # an unreadable file's error line, for the editor


def markdown_link(title: str, path: Path) -> str:
    """`[title](file:///…)`: the title's brackets escaped, the URL encoded
    (spaces, parentheses), so any Markdown renderer reads it as one link."""
    text = title or path.name
    for char in ("\\", "[", "]"):
        text = text.replace(char, "\\" + char)
    text = " ".join(text.split())  # a link's text is one line
    url = bytes(QUrl.fromLocalFile(str(path)).toEncoded().data()).decode("ascii")
    return f"[{text}]({url.replace('(', '%28').replace(')', '%29')})"


class RowActions(QObject):
    def __init__(self, current: Callable[[], CurrentFile | None], editor_command: Callable[[], str],
                 report: Report, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._current = current
        self._editor_command = editor_command
        self._report = report
        self.file_manager = FileManager(self)

    def _file(self) -> CurrentFile | None:
        found = self._current()
        if found is None:
            self._report(tr("No article selected"))
        return found

    def open_in_editor(self) -> bool:
        found = self._file()
        return found is not None and open_in_editor(found.path, self._editor_command(), self._report,
                                                    line=found.line)

    def reveal(self) -> None:
        found = self._file()
        if found is not None:
            self.file_manager.reveal(found.path, self._report)

    def copy_path(self) -> None:
        found = self._file()
        if found is not None:
            QGuiApplication.clipboard().setText(str(found.path))
            self._report(tr("Copied the path of {name}").format(name=found.path.name))

    def copy_link(self) -> None:
        found = self._file()
        if found is not None:
            QGuiApplication.clipboard().setText(markdown_link(found.title, found.path))
            self._report(tr("Copied a Markdown link to {name}").format(name=found.path.name))

    def handlers(self) -> dict[str, Callable[[], object]]:
        """For `ui.actions.build_actions`."""
        return {"open_in_editor": self.open_in_editor, "reveal": self.reveal, "copy_path": self.copy_path,
                "copy_link": self.copy_link}


def build_row_menu(parent: QTableView, actions: Mapping[str, QAction],
                   entries: Sequence[str] = ROW_MENU) -> QMenu:
    menu = QMenu(parent)
    menu.setObjectName("rowMenu")
    menu.setToolTipsVisible(True)
    for entry in entries:
        if entry == "-":
            menu.addSeparator()
        else:
            menu.addAction(actions[entry])
    return menu


def show_row_menu(table: QTableView, actions: Mapping[str, QAction], pos: QPoint | None = None) -> QMenu | None:
    """Pop the menu up at `pos` (viewport coordinates, a right-click: that row is
    selected first), or at the selected row (a key). None when there is no row."""
    if pos is not None:
        index = table.indexAt(pos)
        if not index.isValid():
            return None
        if index.row() != table.currentIndex().row():
            table.select_row(index.row())  # type: ignore[attr-defined]  # QueueView
    else:
        index = table.currentIndex()
        if not index.isValid():
            return None
        rect = table.visualRect(index)
        pos = QPoint(rect.left() + 24, rect.bottom())
    menu = build_row_menu(table, actions)
    menu.aboutToHide.connect(menu.deleteLater)
    menu.popup(table.viewport().mapToGlobal(pos))
    return menu
