"""Help > Keyboard Shortcuts and Help > About.

GUI thread only.
"""
from __future__ import annotations

import html
import platform

import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import QMessageBox, QWidget

from app import paths
from ui.i18n import tr
from ui.keys import help_rows


def show_keys(parent: QWidget) -> None:
    rows = "".join(f"<tr><td nowrap style='padding:2px 16px 2px 0'><b>{html.escape(k)}</b></td>"
                   f"<td>{html.escape(v.replace('`', ''))}</td></tr>" for k, v in help_rows())
    scope = tr("Queue keys act while the queue has focus.")
    box = QMessageBox(QMessageBox.Icon.NoIcon, tr("Keyboard Shortcuts"),
                      f"<table>{rows}</table><p>{html.escape(scope)}</p>",
                      QMessageBox.StandardButton.Close, parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()


def about_text(version: str) -> str:
    folders = ((tr("Config (settings: {file})").format(file=paths.settings_file().name), paths.config_dir()),
               (tr("Cache (index, images)"), paths.cache_dir()), (tr("Data (demo queue)"), paths.data_dir()))
    rows = "".join(f"<tr><td style='padding-right:12px'>{html.escape(name)}</td><td>{html.escape(str(path))}</td></tr>"
                   for name, path in folders)
    about = tr("A review desk for news articles stored as files. Every decision changes exactly the "
               "value you changed, and nothing else.")
    licence = tr("MIT licence.")
    return (f"<b>Copydesk {html.escape(version)}</b>"
            f"<p>{html.escape(about)}</p>"
            f"<p>{html.escape(licence)}</p>"
            f"<p>Python {platform.python_version()} · Qt {qVersion()} · PySide {PySide6.__version__}</p>"
            f"<table>{rows}</table>")


def show_about(parent: QWidget, version: str) -> None:
    box = QMessageBox(QMessageBox.Icon.NoIcon, tr("About Copydesk"), about_text(version),
                      QMessageBox.StandardButton.Close, parent)
    box.setIconPixmap(parent.windowIcon().pixmap(64, 64))
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
