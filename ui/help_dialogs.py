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
from ui.keys import HELP_ROWS


def show_keys(parent: QWidget) -> None:
    rows = "".join(f"<tr><td nowrap style='padding:2px 16px 2px 0'><b>{html.escape(k)}</b></td>"
                   f"<td>{html.escape(v.replace('`', ''))}</td></tr>" for k, v in HELP_ROWS)
    box = QMessageBox(QMessageBox.Icon.NoIcon, "Keyboard Shortcuts",
                      f"<table>{rows}</table><p>Queue keys act while the queue has focus.</p>",
                      QMessageBox.StandardButton.Close, parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()


def about_text(version: str) -> str:
    folders = (("Settings", paths.settings_file()), ("Cache (index, images)", paths.cache_dir()),
               ("Data (demo queue)", paths.data_dir()))
    rows = "".join(f"<tr><td style='padding-right:12px'>{name}</td><td>{html.escape(str(path))}</td></tr>"
                   for name, path in folders)
    return (f"<b>Copydesk {html.escape(version)}</b>"
            "<p>A review desk for news articles stored as files. Every decision changes exactly the "
            "value you changed, and nothing else.</p>"
            "<p>MIT licence.</p>"
            f"<p>Python {platform.python_version()} · Qt {qVersion()} · PySide {PySide6.__version__}</p>"
            f"<table>{rows}</table>")


def show_about(parent: QWidget, version: str) -> None:
    box = QMessageBox(QMessageBox.Icon.NoIcon, "About Copydesk", about_text(version),
                      QMessageBox.StandardButton.Close, parent)
    box.setIconPixmap(parent.windowIcon().pixmap(64, 64))
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
