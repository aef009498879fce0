"""Handing a file to the desktop: a text editor, the file manager.

**Open in Editor** runs, in order: the editor command of Preferences, else
`$VISUAL`, else `$EDITOR` (each split like a shell line, with `{file}` and
`{line}` replaced where they appear, else the file appended), else the
desktop's default application for the file (QDesktopServices). A command is
started detached (QProcess): Copydesk never waits for an editor, and the
editor outlives the window. A terminal editor needs a terminal to run in
(`x-terminal-emulator -e vim {file}`); Copydesk opens none of its own.

**Reveal in File Manager** asks the desktop's file manager to show the file
selected (`org.freedesktop.FileManager1.ShowItems` over the session D-Bus:
Nautilus, Dolphin, Nemo, Caja, Thunar...), asynchronously; if there is no
session bus or no file manager answers, the folder is opened instead.

GUI thread only.
"""
from __future__ import annotations

import os
import shlex
from collections.abc import Callable, Mapping
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QUrl
from PySide6.QtGui import QDesktopServices

from ui.i18n import tr

FILE_MANAGER = ("org.freedesktop.FileManager1", "/org/freedesktop/FileManager1", "org.freedesktop.FileManager1")
DBUS_TIMEOUT_MS = 5000
Report = Callable[[str], object]  # a line for the status bar


def editor_command(setting: str, path: Path, line: int | None = None, *,
                   environ: Mapping[str, str] | None = None) -> tuple[list[str], str] | None:
    """(argv, where it came from) for the editor to open `path` with, or None for
    the desktop's default application. Raises ValueError for a command that
    cannot be split (an unclosed quote)."""
    env = os.environ if environ is None else environ
    for source, command in ((tr("the editor command in Preferences"), setting),
                            ("$VISUAL", env.get("VISUAL", "")), ("$EDITOR", env.get("EDITOR", ""))):
        if command and command.strip():
            try:
                words = shlex.split(command)
            except ValueError as exc:
                raise ValueError(tr("{source} cannot be read as a command: {error}").format(
                    source=source, error=exc)) from None
            return _fill(words, path, line), source
    return None


def _fill(words: list[str], path: Path, line: int | None) -> list[str]:
    text, number = str(path), str(line or 1)
    if any("{file}" in word for word in words):
        return [word.replace("{file}", text).replace("{line}", number) for word in words]
    return [word.replace("{line}", number) for word in words] + [text]


def open_in_editor(path: Path, setting: str, report: Report, *, line: int | None = None) -> bool:
    """Start the editor on `path`; says what happened through `report`. False if nothing started."""
    try:
        found = editor_command(setting, path, line)
    except ValueError as exc:
        report(str(exc))
        return False
    if found is None:
        if QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            report(tr("Opened {name} with the default application").format(name=path.name))
            return True
        report(tr("No application opens {name}: set an editor command in Preferences, or $VISUAL").format(
            name=path.name))
        return False
    argv, source = found
    started, _pid = QProcess.startDetached(argv[0], argv[1:], str(path.parent))
    if not started:
        report(tr("Cannot start {program} (from {source}): not found or not executable").format(
            program=argv[0], source=source))
        return False
    report(tr("Opened {name} in {program}").format(name=path.name, program=Path(argv[0]).name))
    return True


class FileManager(QObject):
    """Shows files in the desktop's file manager. `bus`: the D-Bus connection
    to ask (default: the session bus; None when QtDBus is unavailable)."""

    def __init__(self, parent: QObject | None = None, *, bus: object | None = None) -> None:
        super().__init__(parent)
        self._bus = bus
        self._watchers: set[object] = set()  # pending calls, kept alive until they answer

    def _connection(self) -> object | None:
        if self._bus is not None:
            return self._bus
        try:
            from PySide6.QtDBus import QDBusConnection
        except ImportError:  # a PySide6 build without QtDBus (not Linux): the folder it is
            return None
        return QDBusConnection.sessionBus()

    def reveal(self, path: Path, report: Report) -> None:
        bus = self._connection()
        if bus is None or not bus.isConnected():  # type: ignore[attr-defined]
            self._open_folder(path, report)
            return
        from PySide6.QtDBus import QDBusMessage, QDBusPendingCallWatcher

        message = QDBusMessage.createMethodCall(*FILE_MANAGER, "ShowItems")
        uri = bytes(QUrl.fromLocalFile(str(path)).toEncoded().data()).decode("ascii")
        message.setArguments([[uri], ""])  # (as uris, s startup id): a list of str travels as `as`
        watcher = QDBusPendingCallWatcher(bus.asyncCall(message, DBUS_TIMEOUT_MS), self)  # type: ignore[attr-defined]
        self._watchers.add(watcher)

        def answered(done: QDBusPendingCallWatcher) -> None:
            self._watchers.discard(done)
            if done.isError():  # no file manager on the bus (or it refused): the folder, at least
                self._open_folder(path, report)
            else:
                report(tr("Shown in the file manager: {name}").format(name=path.name))
            done.deleteLater()

        watcher.finished.connect(answered)

    @staticmethod
    def _open_folder(path: Path, report: Report) -> None:
        if QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.parent))):
            report(tr("Opened the folder of {name}").format(name=path.name))
        else:
            report(tr("No file manager opens {folder}").format(folder=str(path.parent)))
