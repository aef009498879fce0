"""The window and the desktop around it: the row menu (a text editor, the file
manager over a real D-Bus, the clipboard), Preferences, and messages that say
what is true."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, QPoint, QSettings, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QApplication, QMenu

from app.article.frontmatter import load_article
from ui.open_with import FileManager, editor_command
from ui.preferences import PreferencesDialog
from ui.row_menu import markdown_link
from ui.settings import WindowSettings


@pytest.fixture
def recording_editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """$EDITOR is a script that writes its arguments, one per line, to a file."""
    record = tmp_path / "editor-args.txt"
    script = tmp_path / "bin" / "record-editor"
    script.parent.mkdir()
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{record}.part" && mv "{record}.part" "{record}"\n')
    script.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(script))
    monkeypatch.delenv("VISUAL", raising=False)
    return record


class OpenedUrls(QObject):
    """Receives what QDesktopServices.openUrl would hand the desktop (a file:// handler)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url.toLocalFile())


@pytest.fixture
def opened_urls(qapp):  # type: ignore[no-untyped-def]
    handler = OpenedUrls()
    QDesktopServices.setUrlHandler("file", handler, "open")
    yield handler
    QDesktopServices.unsetUrlHandler("file")


def test_open_in_editor_runs_editor_with_the_file(qtbot, make_window, queue_folder: Path,
                                                  recording_editor: Path) -> None:
    window = make_window(queue_folder)
    assert window.current_relpath() == "e.md"
    qtbot.keyClick(window.table, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(recording_editor.exists, timeout=8000)
    assert recording_editor.read_text().splitlines() == [str(queue_folder / "e.md")]
    assert "Opened e.md in record-editor" in window.write_label.text()

    # The error banner's button opens the unreadable file; a command from Preferences wins
    # over $EDITOR, with {file} and {line} where it names them.
    recording_editor.unlink()
    script = os.environ["EDITOR"]
    window.settings.editor_command = f'{script} --line {{line}} "{{file}}"'
    window.table.select_row(window.proxy.row_of_relpath("broken.md"))
    qtbot.waitUntil(lambda: window.detail.fix_button.isVisible(), timeout=6000)
    line = window.model.summary("broken.md").error_line
    qtbot.mouseClick(window.detail.fix_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(recording_editor.exists, timeout=8000)
    assert recording_editor.read_text().splitlines() == ["--line", str(line), str(queue_folder / "broken.md")]
    window.table.select_row(window.proxy.row_of_relpath("a.md"))
    qtbot.waitUntil(lambda: window.detail.relpath == "a.md", timeout=6000)
    assert not window.detail.fix_button.isVisible()  # a readable file has nothing to fix


def test_an_editor_that_cannot_start_says_so(qtbot, make_window, queue_folder: Path,
                                              monkeypatch: pytest.MonkeyPatch, opened_urls: OpenedUrls) -> None:
    window = make_window(queue_folder)
    monkeypatch.setenv("VISUAL", str(queue_folder / "no-such-editor"))
    window.actions_by_name["open_in_editor"].trigger()
    assert "Cannot start" in window.write_label.text() and "$VISUAL" in window.write_label.text()
    monkeypatch.delenv("VISUAL")
    monkeypatch.delenv("EDITOR", raising=False)
    window.actions_by_name["open_in_editor"].trigger()  # no editor named anywhere: the desktop's default app
    assert opened_urls.urls == [str(queue_folder / "e.md")]
    assert editor_command("", queue_folder / "e.md", environ={}) is None
    with pytest.raises(ValueError, match="cannot be read"):
        editor_command("vim 'unclosed", queue_folder / "e.md", environ={})


def test_the_row_menu_and_the_clipboard(qtbot, make_window, queue_folder: Path) -> None:
    window = make_window(queue_folder)
    row = window.proxy.row_of_relpath("c.md")
    where = window.table.visualRect(window.proxy.index(row, 2)).center()
    window.table.customContextMenuRequested.emit(where)  # what a right-click on that row sends
    menu = window.table.findChild(QMenu, "rowMenu")
    qtbot.waitUntil(lambda: menu is not None and menu.isVisible(), timeout=4000)
    assert window.current_relpath() == "c.md"  # the row right-clicked is the one acted on
    texts = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert texts == ["&Publish", "&Unpublish", "Open in &Editor", "Reveal in File &Manager", "&Copy Path",
                     "Copy as Mark&down Link"]
    copy = next(a for a in menu.actions() if a.text() == "&Copy Path")
    menu.hide()
    copy.trigger()
    assert QGuiApplication.clipboard().text() == str(queue_folder / "c.md")
    qtbot.keyClick(window.table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert QGuiApplication.clipboard().text() == f"[Article C]({QUrl.fromLocalFile(str(queue_folder / 'c.md')).toString()})"
    assert markdown_link("A [b] \\ c", Path("/x y/(z).md")) == "[A \\[b\\] \\\\ c](file:///x%20y/%28z%29.md)"
    qtbot.keyClick(window.table, Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier)  # the keyboard's way in
    qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QMenu), timeout=4000)
    QApplication.activePopupWidget().close()
    window.table.customContextMenuRequested.emit(QPoint(5, window.table.viewport().height() - 2))  # below the rows
    assert window.current_relpath() == "c.md"


FAKE_FILE_MANAGER = textwrap.dedent('''
    import json, sys
    from PySide6.QtCore import ClassInfo, QCoreApplication, QObject, Slot
    from PySide6.QtDBus import QDBusConnection

    @ClassInfo({"D-Bus Interface": "org.freedesktop.FileManager1"})
    class FileManager(QObject):
        @Slot("QStringList", str)
        def ShowItems(self, uris, startup_id):
            with open(sys.argv[1], "a") as out:
                out.write(json.dumps(list(uris)) + "\\n")

    app = QCoreApplication([])
    bus = QDBusConnection.sessionBus()
    manager = FileManager()
    ok = bus.registerObject("/org/freedesktop/FileManager1", manager,
                            QDBusConnection.RegisterOption.ExportAllSlots)
    ok = ok and bus.registerService("org.freedesktop.FileManager1")
    print("ready" if ok else "failed", flush=True)
    app.exec()
''')


@pytest.fixture
def session_bus(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A private D-Bus session bus: (its address, a connection to it)."""
    daemon = shutil.which("dbus-daemon")
    if daemon is None:
        pytest.skip("dbus-daemon is not installed")
    from PySide6.QtDBus import QDBusConnection

    started = subprocess.run([daemon, "--session", "--fork", "--print-address=1", "--print-pid=1"],
                             capture_output=True, text=True, timeout=10, check=True)
    address, pid = started.stdout.split()[:2]
    connection = QDBusConnection.connectToBus(address, f"copydesk-test-{tmp_path.name}")
    try:
        yield address, connection
    finally:
        QDBusConnection.disconnectFromBus(f"copydesk-test-{tmp_path.name}")
        os.kill(int(pid), signal.SIGTERM)


def test_reveal_selects_the_file_in_the_file_manager(qtbot, make_window, queue_folder: Path, tmp_path: Path,
                                                     session_bus, opened_urls: OpenedUrls) -> None:
    address, connection = session_bus
    window = make_window(queue_folder)
    window.row_actions.file_manager = FileManager(window, bus=connection)
    # No file manager on the bus: the folder opens instead.
    qtbot.keyClick(window.table, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: opened_urls.urls == [str(queue_folder)], timeout=8000)
    assert "Opened the folder of e.md" in window.write_label.text()

    calls = tmp_path / "show-items.jsonl"
    service = subprocess.Popen([sys.executable, "-c", FAKE_FILE_MANAGER, str(calls)], stdout=subprocess.PIPE,
                               text=True, env={**os.environ, "DBUS_SESSION_BUS_ADDRESS": address})
    try:
        assert service.stdout is not None and service.stdout.readline().strip() == "ready"
        window.actions_by_name["reveal"].trigger()
        qtbot.waitUntil(calls.exists, timeout=8000)
        uri = QUrl.fromLocalFile(str(queue_folder / "e.md")).toEncoded().data().decode()
        assert [json.loads(line) for line in calls.read_text().splitlines()] == [[uri]]
        qtbot.waitUntil(lambda: "Shown in the file manager: e.md" in window.write_label.text(), timeout=4000)
        assert opened_urls.urls == [str(queue_folder)]  # no folder opened this time
    finally:
        service.terminate()
        service.wait(10)


def test_preferences_are_stored_and_shown_again(qtbot, make_window, queue_folder: Path, tmp_path: Path,
                                                settings: WindowSettings) -> None:
    window = make_window(queue_folder)
    assert settings.bulk_confirm_over == 50  # the default another part of the window reads
    qtbot.keyClick(window.table, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    dialog = window.findChild(PreferencesDialog)
    qtbot.waitUntil(lambda: dialog is not None and dialog.isVisible(), timeout=4000)
    assert dialog.auto_advance.isChecked() and dialog.remote_images.isChecked()
    dialog.editor_name.setText("  Ana Lima ")
    dialog.auto_advance.setChecked(False)
    dialog.remote_images.setChecked(False)
    dialog.cache_mb.setValue(128)
    dialog.bulk_over.setValue(7)
    dialog.editor_command.setText("gedit +{line} {file}")
    dialog.accept()
    assert not window.auto_advance_action.isChecked() and not window.remote_images_action.isChecked()
    assert window.images.load_remote is False
    stored = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    assert stored.value("bulk/confirm_over") in (7, "7") and stored.value("audit/editor_name") == "Ana Lima"
    assert stored.value("images/cache_mb") in (128, "128")
    assert stored.value("desktop/editor_command") == "gedit +{line} {file}"
    again = PreferencesDialog(settings, window.actions_by_name, window.images, window)
    qtbot.addWidget(again)
    assert (again.editor_name.text(), again.cache_mb.value(), again.bulk_over.value()) == ("Ana Lima", 128, 7)
    assert not again.auto_advance.isChecked()


def test_help_about_names_versions_licence_and_folders(qtbot, make_window, queue_folder: Path) -> None:
    import platform

    import PySide6
    from PySide6.QtCore import qVersion
    from PySide6.QtWidgets import QMessageBox

    from app import paths, version

    window = make_window(queue_folder)
    window.actions_by_name["about"].trigger()  # Help > About Copydesk
    qtbot.waitUntil(lambda: any(isinstance(w, QMessageBox) and w.isVisible() for w in QApplication.topLevelWidgets()),
                    timeout=4000)
    box = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible())
    text = box.text()
    assert box.windowTitle() == "About Copydesk"
    assert f"Copydesk {version()}" in text and "MIT licence" in text
    assert f"Python {platform.python_version()}" in text
    assert f"Qt {qVersion()}" in text and f"PySide {PySide6.__version__}" in text
    for folder in (paths.config_dir(), paths.cache_dir(), paths.data_dir()):
        assert f"<td>{folder}</td>" in text
    assert "copydesk.ini" in text
    box.close()


# --- messages that say what is true ------------------------------------------------------

def test_an_empty_view_says_why(qtbot, make_window, queue_folder: Path) -> None:
    window = make_window(queue_folder)
    window.set_quick_filter("errors")
    window.filter_edit.setText("zzz")
    qtbot.waitUntil(lambda: window.proxy.rowCount() == 0, timeout=4000)
    assert window.table.filtered_placeholder.startswith("No article in Errors matches “zzz”.")
    assert "No article files" not in window.table.filtered_placeholder
    assert window.detail.title.text() == "No article selected"
    assert not window.detail.status_pill.isVisible()  # no stale badge for nothing
    window.filter_edit.clear()
    (queue_folder / "broken.md").unlink()
    qtbot.waitUntil(lambda: window.model.rowCount() == 5 and window.proxy.rowCount() == 0, timeout=8000)
    assert window.table.filtered_placeholder.startswith("No errors: every file in this folder can be read.")
    window.set_quick_filter("all")
    assert window.proxy.rowCount() == 5 and window.table.filtered_placeholder == ""


def test_status_messages_fade(qtbot, make_window, queue_folder: Path) -> None:
    window = make_window(queue_folder)
    window.write_label.timeout_ms = 300
    qtbot.keyClick(window.table, Qt.Key.Key_Equal)
    qtbot.waitUntil(lambda: window.write_label.text().startswith("Saved:"), timeout=8000)
    assert window.write_label.fading
    qtbot.waitUntil(lambda: window.write_label.text() == "", timeout=4000)
    window.write_label.setText("set by anyone")  # whoever sets it, it fades
    assert window.write_label.fading


def test_a_failed_write_is_not_left_behind(qtbot, make_window, queue_folder: Path) -> None:
    window = make_window(queue_folder)
    assert window.auto_advance_action.isChecked() and window.current_relpath() == "e.md"
    (queue_folder / "e.md").chmod(0o444)
    qtbot.keyClick(window.table, Qt.Key.Key_P)  # auto-advance moves on at once...
    qtbot.waitUntil(lambda: "Not saved" in window.write_label.text(), timeout=8000)
    qtbot.waitUntil(lambda: window.current_relpath() == "e.md", timeout=4000)  # ...and comes back to the error
    qtbot.waitUntil(lambda: "Not saved" in window.detail.saving.text(), timeout=4000)
    assert load_article(queue_folder / "e.md").published is False


def test_an_untitled_article_shows_its_file_name_dimmed(qtbot, make_window, queue_folder: Path) -> None:
    (queue_folder / "nameless.md").write_text("---\npublished: false\nquality: 1\n---\n", encoding="utf-8")
    window = make_window(queue_folder)
    window.table.select_row(window.proxy.row_of_relpath("nameless.md"))
    qtbot.waitUntil(lambda: window.detail.relpath == "nameless.md", timeout=6000)
    assert window.detail.title.text() == "nameless.md" and "color" in window.detail.title.styleSheet()
    window.table.select_row(window.proxy.row_of_relpath("a.md"))
    qtbot.waitUntil(lambda: window.detail.title.text() == "Article A", timeout=6000)
    assert window.detail.title.styleSheet() == ""
