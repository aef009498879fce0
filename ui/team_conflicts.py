"""Team conflicts in the window: a sync met a field that this editor and another
set to different values. The core rolled the sync back (nothing half-merged is
on disk: the working copy holds this editor's own state); here the editor
sees, one file at a time, each field with both values and who made each, and
chooses, as in the disk conflict dialog (`ui.conflict_dialog`): keep mine or
take theirs. The choice goes to `TeamSession.resolve`, which syncs again: the
sync continues with it. "Later" leaves the conflict standing; the status
bar keeps saying so, and a click on it brings the list back.

GUI thread only.
"""
from __future__ import annotations

import html
import json
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.decisions import describe_value
from ui import palette
from ui.i18n import count, tr
from ui.team_status import TeamDesk
from ui.text import capped

TAKE_MINE = "mine"
TAKE_THEIRS = "theirs"
LATER = ""


def conflict_value(field: str, value: Any) -> str:
    """A conflicting value as an editor reads it."""
    if field in ("body", "(file)", "(front matter)"):
        return tr("(their text)") if value is None else capped(str(value), 300)
    if field == "(deleted)":
        return tr("deleted") if value is None else tr("changed")
    if field in ("published", "quality"):
        return describe_value(field, value)
    if value is None:
        return tr("not set")
    return capped(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False), 300)


def field_name(field: str) -> str:
    return {"body": tr("the text (body)"), "(file)": tr("the whole file"),
            "(front matter)": tr("the front matter"), "(deleted)": tr("the file itself")}.get(field, field)


class TeamConflictDialog(QDialog):
    """One file's conflicts: every field with both values and both editors; keep mine or take theirs."""

    chosen = Signal(str, str)  # repository path, TAKE_MINE | TAKE_THEIRS | LATER

    def __init__(self, path: str, shown_path: str, title: str, conflicts: list[Any], remaining: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self.conflicts = conflicts
        self.setObjectName("teamConflictDialog")
        self.setWindowTitle(tr("Changed by two editors"))
        self.setAccessibleName(tr("Team conflict"))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        intro = QLabel(tr("“{title}” was changed here and by another editor, to different values. "
                          "Which should it keep? Until you choose, the file stays as you left it and "
                          "nothing is shared.").format(title=html.escape(capped(title, 200))))
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)

        grid = QGridLayout()
        grid.addWidget(QLabel(tr("<b>Field</b>")), 0, 0)
        grid.addWidget(QLabel(tr("<b>Yours</b>")), 0, 1)
        grid.addWidget(QLabel(tr("<b>Theirs</b>")), 0, 2)
        self.value_labels: list[tuple[QLabel, QLabel]] = []
        for row, conflict in enumerate(conflicts, start=1):
            name = QLabel(html.escape(field_name(conflict.field)))
            mine = QLabel(_value_by(conflict.field, conflict.mine, conflict.mine_by))
            theirs = QLabel(_value_by(conflict.field, conflict.theirs, conflict.theirs_by))
            for label in (name, mine, theirs):
                label.setTextFormat(Qt.TextFormat.RichText)
                label.setWordWrap(True)
                label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            mine.setObjectName(f"mine_{conflict.field}")
            theirs.setObjectName(f"theirs_{conflict.field}")
            grid.addWidget(name, row, 0)
            grid.addWidget(mine, row, 1)
            grid.addWidget(theirs, row, 2)
            self.value_labels.append((mine, theirs))
        path_label = QLabel(shown_path)
        path_label.setTextFormat(Qt.TextFormat.PlainText)
        path_label.setStyleSheet(f"QLabel {{ color: {palette.css(palette.tones().muted)}; }}")
        more = QLabel(count(remaining, tr("%Ln more file after this one", "", remaining),
                            tr("%Ln more files after this one", "", remaining)) if remaining else "")
        more.setVisible(bool(remaining))

        buttons = QDialogButtonBox()
        self.mine_button = QPushButton(tr("Keep &mine"))
        self.mine_button.setToolTip(tr("Your values stay; the sync shares them over the other editor's"))
        self.theirs_button = QPushButton(tr("Take &theirs"))
        self.theirs_button.setToolTip(tr("The other editor's values replace yours in this file"))
        self.later_button = QPushButton(tr("&Later"))
        self.later_button.setToolTip(tr("Choose later: nothing is shared until you do (click the sync status)"))
        buttons.addButton(self.mine_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.theirs_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.later_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.mine_button.setAutoDefault(False)
        self.theirs_button.setAutoDefault(False)  # no side is picked by pressing Enter
        self.mine_button.clicked.connect(lambda: self._choose(TAKE_MINE))
        self.theirs_button.clicked.connect(lambda: self._choose(TAKE_THEIRS))
        self.later_button.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(grid)
        layout.addWidget(path_label)
        layout.addWidget(more)
        layout.addWidget(buttons)
        self.setMinimumWidth(480)
        self._answer: str | None = None

    def _choose(self, take: str) -> None:
        self._answer = take
        self.accept()

    def done(self, result: int) -> None:
        answer, self._answer = self._answer, None
        super().done(result)
        if answer is not None or result == QDialog.DialogCode.Rejected:
            self.chosen.emit(self.path, answer or LATER)


def _value_by(field: str, value: Any, by: str) -> str:
    muted = palette.css(palette.tones().muted)
    editor = html.escape(tr("by {editor}").format(editor=capped(by, 200)))
    return f"<b>{html.escape(conflict_value(field, value))}</b><br><span style='color:{muted}'>{editor}</span>"


class TeamConflicts:
    """Shows the session's conflicts one file at a time and hands the choice back."""

    def __init__(self, team: TeamDesk, parent: QWidget, title_of: Callable[[str], str],
                 done: Callable[[], object] | None = None) -> None:
        self.team = team
        self.parent = parent
        self.title_of = title_of
        self.done = done  # the dialog went away: the queue takes the keys again
        self.dialog: TeamConflictDialog | None = None
        self._answered: set[tuple[str, str, str]] = set()  # conflicts chosen for, until the sync says
        self._later = False  # the editor said "Later": wait for a click on the status, or new conflicts
        self._seen: frozenset[tuple[str, str, str]] = frozenset()
        team.conflictsChanged.connect(self.refresh)
        team.on_conflicts_clicked = self.show_again

    def show_again(self) -> None:
        self._later = False
        self.refresh()

    def refresh(self) -> None:
        conflicts = self.team.conflicts()
        keys = frozenset(_key(c) for c in conflicts)
        if not conflicts:
            self._answered.clear()
            self._later = False
            self.close()
            return
        if keys - self._seen - self._answered:
            self._later = False  # something new to choose about
        self._seen = keys
        if self.dialog is not None or self._later:
            return
        by_file: dict[str, list[Any]] = {}
        for conflict in conflicts:
            if _key(conflict) not in self._answered:
                by_file.setdefault(conflict.path, []).append(conflict)
        if not by_file:
            return  # every one is chosen for: the sync that applies them is on its way
        path, items = next(iter(by_file.items()))
        session = self.team.session
        relpath = session.queue_relpath(path) if session is not None else None
        shown = relpath if relpath is not None else path
        title = self.title_of(relpath) if relpath is not None else path
        dialog = TeamConflictDialog(path, shown, title, items, len(by_file) - 1, self.parent)
        dialog.chosen.connect(self._on_chosen)
        self.dialog = dialog
        dialog.open()  # window-modal, asynchronous: the queue and the watcher keep going

    def _on_chosen(self, path: str, take: str) -> None:
        dialog, self.dialog = self.dialog, None
        session = self.team.session
        if take == LATER:
            self._later = True
        elif session is not None and dialog is not None:
            self._answered |= {_key(c) for c in dialog.conflicts}
            relpath = session.queue_relpath(path)
            if relpath is not None:
                session.resolve(relpath, take)  # then it syncs again
            self.team.message.emit(tr("Kept your values in {file}; syncing").format(file=relpath or path)
                                   if take == TAKE_MINE else
                                   tr("Took the other editor's values in {file}; syncing").format(
                                       file=relpath or path))
        if self.done is not None:
            self.done()
        self.refresh()  # the next file, if any

    def close(self) -> None:
        if self.dialog is not None:
            dialog, self.dialog = self.dialog, None
            dialog.chosen.disconnect(self._on_chosen)
            dialog.reject()


def _key(conflict: Any) -> tuple[str, str, str]:
    return conflict.path, conflict.field, json.dumps(conflict.theirs, sort_keys=True, default=str)
