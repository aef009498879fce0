"""File > Queue Settings: which profile the open queue is read with, where
that choice comes from, and changing it.

The dialog shows the settings the queue was opened with (`ReviewQueue.settings`,
what is in effect). A new choice is written by the core
(`app.queue.config.write_profile_choice`: only the `profile = ...` line of
`.copydesk/config.toml` changes, or is added, or the file is created) on a
lane of its own (`copydesk-settings`), never on the GUI thread; `changed`
then tells the window, which reopens the queue so every row is typed with
the new mapping. A config file that cannot be parsed is not rewritten: the
dialog says where it is wrong.

GUI thread only (the write runs on the lane).
"""
from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from app.queue.profiles import PROFILES
from ui import palette
from ui.background import Lane
from ui.i18n import tr

DETECT = ""  # the combo's data for "no choice in the file: detect"


def profile_summary(settings: Any) -> tuple[str, str]:
    """The status bar's words for a queue's settings: (text, tooltip)."""
    label = settings.profile.label  # the core's words, like its messages
    tip = settings.describe()
    if settings.error is not None:
        return (tr("{label} · config file error").format(label=label),
                tr("{error}\nListed with the {settings}; no decision is written until the file is fixed.")
                .format(error=settings.error.describe(), settings=settings.describe()))
    how = {"detected": tr("detected"), "config file": tr("from the config file"),
           "built-in": tr("default"), "chosen": tr("chosen")}.get(settings.source, settings.source)
    return (tr("{label} ({how})").format(label=label, how=how),
            tr("{describe}\nClick to change (File > Queue Settings)").format(describe=tip))


class QueueSettingsDialog(QDialog):
    changed = Signal(object)  # the new QueueSettings, once written

    def __init__(self, settings: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle(tr("Queue Settings"))
        self.setAccessibleName(tr("Queue settings"))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._lane = Lane("copydesk-settings", 1, parent=self)
        self.finished.connect(lambda _result: self._lane.close())

        intro = QLabel(tr("The profile says which key holds the publish decision and which keys fill "
                          "the title, date, topics and excerpt."))
        intro.setWordWrap(True)
        self.profile_combo = QComboBox()
        self.profile_combo.setObjectName("profileChoice")
        self.profile_combo.setAccessibleName(tr("Profile"))
        detected = settings.detected
        detect_text = (tr("Detect automatically (now: {label})").format(label=PROFILES[detected.profile].label)
                       if detected is not None else tr("Detect automatically (now: none found, so news)"))
        self.profile_combo.addItem(detect_text, DETECT)
        for name, profile in PROFILES.items():
            self.profile_combo.addItem(tr("{label} ({name})").format(label=profile.label, name=name), name)
        self.profile_combo.setCurrentIndex(self.profile_combo.findData(self._current_choice()))
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setTextFormat(Qt.TextFormat.PlainText)
        self.profile_combo.currentIndexChanged.connect(self._describe_choice)

        form = QFormLayout()
        form.addRow(tr("Folder:"), self._plain(str(settings.folder)))
        form.addRow(tr("In effect:"), self._plain(settings.describe()))
        form.addRow(tr("&Profile:"), self.profile_combo)
        form.addRow("", self.description)
        where = str(settings.config_path) if settings.config_found else tr("{path} (created when you choose)").format(
            path=settings.config_path)
        form.addRow(tr("Config file:"), self._plain(where))

        self.problem = QLabel()
        self.problem.setObjectName("settingsProblem")
        self.problem.setWordWrap(True)
        self.problem.setTextFormat(Qt.TextFormat.RichText)
        self.problem.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problem.setStyleSheet(palette.tones().error_banner.style("QLabel", "padding: 6px;"))
        self.problem.hide()
        if settings.error is not None:
            self._show_problem(tr("The config file cannot be used, so no decision is written until it is "
                                  "fixed: {error}").format(error=settings.error.describe()))

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._apply)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(520)
        self._describe_choice()

    @staticmethod
    def _plain(text: str) -> QLabel:
        label = QLabel(text)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    def _current_choice(self) -> str:
        return self.settings.profile.name if self.settings.source == "config file" else DETECT

    def chosen(self) -> str:
        return str(self.profile_combo.currentData())

    def _describe_choice(self, *_: Any) -> None:
        name = self.chosen() or (self.settings.detected.profile if self.settings.detected else "news")
        self.description.setText(PROFILES[name].description)

    def _show_problem(self, text: str) -> None:
        self.problem.setText(html.escape(text))
        self.problem.show()

    def _apply(self) -> None:
        choice = self.chosen()
        if choice == self._current_choice():
            self.accept()  # nothing to change
            return
        self.buttons.setEnabled(False)
        from app.queue.config import write_profile_choice

        folder = self.settings.folder
        self._lane.run(write_profile_choice, folder, choice or None,
                       done=self._on_written, failed=self._on_failed)

    def _on_written(self, settings: Any) -> None:
        self.changed.emit(settings)
        self.accept()

    def _on_failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        if isinstance(exc, OSError):
            from app.article.messages import describe_os_error

            message = describe_os_error(exc)
        else:  # ConfigProblem (a file that cannot be parsed is not rewritten) or ValueError
            message = str(exc)
        self._show_problem(tr("Not changed: {message}").format(message=message))
