"""Edit > Preferences (Ctrl+,): the settings that are the editor's, not the queue's.

Stored with QSettings through `ui.settings.WindowSettings`, like the rest.
Auto-advance and Load remote images are also View menu toggles: the dialog
shows the toggles' state and sets them, so the menu, the window and the
settings never disagree. The image cache's new size applies at once.

GUI thread only.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ui.i18n import tr
from ui.settings import IMAGE_CACHE_MB_RANGE, SYNC_DEBOUNCE_RANGE, SYNC_INTERVAL_RANGE, WindowSettings


class PreferencesDialog(QDialog):
    def __init__(self, settings: WindowSettings, toggles: Mapping[str, QAction], images: Any = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self._toggles = toggles
        self._images = images
        self.setWindowTitle(tr("Preferences"))
        self.setAccessibleName(tr("Preferences"))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        self.editor_name = QLineEdit(settings.editor_name)
        self.editor_name.setObjectName("editorName")
        self.editor_name.setPlaceholderText(tr("$COPYDESK_EDITOR, else git's user.name, else your login name"))
        self.editor_name.setToolTip(tr("Who makes the decisions: the audit trail and team commits name you so"))

        self.auto_advance = QCheckBox(tr("After P, U and Space, move to the &next article"))
        self.auto_advance.setChecked(toggles["auto_advance"].isChecked())
        self.remote_images = QCheckBox(tr("Load &remote images (when off, no network access at all)"))
        self.remote_images.setChecked(toggles["remote_images"].isChecked())
        self.cache_mb = QSpinBox()
        self.cache_mb.setObjectName("imageCacheSize")
        self.cache_mb.setRange(*IMAGE_CACHE_MB_RANGE)
        self.cache_mb.setSingleStep(64)
        self.cache_mb.setSuffix(tr(" MB"))
        self.cache_mb.setValue(settings.image_cache_mb)
        self.cache_mb.setToolTip(tr("Remote pictures seen once are kept on disk up to this size, "
                                    "so they show offline"))
        self.bulk_over = QSpinBox()
        self.bulk_over.setObjectName("bulkConfirmOver")
        self.bulk_over.setRange(0, 1_000_000)
        self.bulk_over.setValue(settings.bulk_confirm_over)
        self.bulk_over.setSuffix(tr(" articles"))
        self.bulk_over.setToolTip(tr("A bulk decision on more articles than this asks before it writes (0: always)"))

        self.editor_command = QLineEdit(settings.editor_command)
        self.editor_command.setObjectName("editorCommand")
        fallback = os.environ.get("VISUAL") or os.environ.get("EDITOR")
        self.editor_command.setPlaceholderText(
            tr("empty: {fallback}").format(fallback=fallback) if fallback
            else tr("empty: $VISUAL, $EDITOR, else the desktop's default application"))
        self.editor_command.setToolTip(tr("For example: gedit, kate -l {line} {file}, code --goto {file}:{line}. "
                                          "{file} is the article's file (added at the end if not named), "
                                          "{line} an unreadable file's error line"))

        self.sync_after = QSpinBox()
        self.sync_after.setObjectName("syncAfter")
        self.sync_after.setRange(*SYNC_DEBOUNCE_RANGE)
        self.sync_after.setSuffix(tr(" s"))
        self.sync_after.setValue(settings.sync_after_s)
        self.sync_after.setToolTip(tr("A team queue shares your decisions this long after the last one"))
        self.sync_every = QSpinBox()
        self.sync_every.setObjectName("syncEvery")
        self.sync_every.setRange(*SYNC_INTERVAL_RANGE)
        self.sync_every.setSingleStep(30)
        self.sync_every.setSuffix(tr(" s"))
        self.sync_every.setValue(settings.sync_every_s)
        self.sync_every.setToolTip(tr("... and syncs this often anyway, bringing the other editors' decisions in"))
        self.auto_claim = QCheckBox(tr("C&laim the article I am on (renewed while I stay on it)"))
        self.auto_claim.setObjectName("autoClaim")
        self.auto_claim.setChecked(settings.auto_claim)

        you = QGroupBox(tr("You"))
        you_form = QFormLayout(you)
        you_form.addRow(tr("Your &name:"), self.editor_name)
        queue = QGroupBox(tr("The queue"))
        queue_form = QFormLayout(queue)
        queue_form.addRow(self.auto_advance)
        queue_form.addRow(tr("Ask before bulk decisions &over:"), self.bulk_over)
        pictures = QGroupBox(tr("Pictures"))
        pictures_form = QFormLayout(pictures)
        pictures_form.addRow(self.remote_images)
        pictures_form.addRow(tr("Image &cache size:"), self.cache_mb)
        team = QGroupBox(tr("Team queues (git)"))
        team_form = QFormLayout(team)
        team_form.addRow(tr("S&ync after a decision:"), self.sync_after)
        team_form.addRow(tr("Sync &every:"), self.sync_every)
        team_form.addRow(self.auto_claim)
        desktop = QGroupBox(tr("The desktop"))
        desktop_form = QFormLayout(desktop)
        desktop_form.addRow(tr("&Text editor command:"), self.editor_command)
        hint = QLabel(tr("Open in Editor (Ctrl+E) runs it; a terminal editor needs a terminal: "
                         "x-terminal-emulator -e vim {file}"))
        hint.setWordWrap(True)
        desktop_form.addRow(hint)
        for label in (self.editor_name, self.editor_command):
            label.setMinimumWidth(320)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for group in (you, queue, pictures, team, desktop):
            layout.addWidget(group)
        layout.addWidget(buttons)

    def accept(self) -> None:
        self.apply()
        super().accept()

    def apply(self) -> None:
        s = self.settings
        s.editor_name = self.editor_name.text()
        s.editor_command = self.editor_command.text()
        s.bulk_confirm_over = self.bulk_over.value()
        s.sync_after_s = self.sync_after.value()
        s.sync_every_s = self.sync_every.value()
        s.auto_claim = self.auto_claim.isChecked()
        if self.cache_mb.value() != s.image_cache_mb:
            s.image_cache_mb = self.cache_mb.value()
            if self._images is not None:
                self._images.set_disk_cache_bytes(self.cache_mb.value() * 1024 * 1024)
        # The View menu's toggles do the rest (their handlers apply and remember it).
        self._toggles["auto_advance"].setChecked(self.auto_advance.isChecked())
        self._toggles["remote_images"].setChecked(self.remote_images.isChecked())
        s.load_remote_images = self.remote_images.isChecked()
        s.sync()


def show_preferences(parent: QWidget, settings: WindowSettings, toggles: Mapping[str, QAction],
                     images: Any = None) -> PreferencesDialog:
    dialog = PreferencesDialog(settings, toggles, images, parent)
    dialog.open()
    return dialog
