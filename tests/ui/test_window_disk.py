"""The window and the disk: outside changes, conflicts, failed writes, the demo queue."""
from __future__ import annotations

import hashlib
from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent

from app.article.frontmatter import load_article
from tools.synthetic import render_article
from tests.ui.conftest import write_article
from ui.conflict_dialog import ConflictDialog
from ui.settings import WindowSettings, ensure_demo_copy, resources_dir


def quality_on_disk(path: Path) -> int | None:
    return load_article(path).quality  # type: ignore[union-attr]


def test_outside_changes_appear_and_keep_the_editors_place(qtbot, make_window, queue_folder: Path) -> None:
    window = make_window(queue_folder)
    window.table.select_row(window.table.row_of_relpath("c.md"))
    assert window.current_relpath() == "c.md"
    emissions: list[int] = []
    window.bridge.changesArrived.connect(lambda changes: emissions.append(len(changes)))

    write_article(queue_folder, "f.md", title="Article F", day=9)  # newest: sorts above c
    (queue_folder / "a.md").unlink()
    text = (queue_folder / "c.md").read_text().replace("Article C", "Article C, revised")
    (queue_folder / "c.md").write_text(text)

    qtbot.waitUntil(lambda: window.model.state("f.md") is not None and window.model.state("a.md") is None
                    and window.model.summary("c.md").title == "Article C, revised", timeout=6000)
    assert window.current_relpath() == "c.md"  # the selection followed the article, not the row number
    assert window.table.selectionModel().isRowSelected(window.table.currentIndex().row(), window.table.rootIndex())
    assert window.table.row_of_relpath("f.md") == 0
    # The detail pane shows the article's new state.
    qtbot.waitUntil(lambda: window.detail.title.text() == "Article C, revised", timeout=6000)
    qtbot.waitUntil(lambda: "Article C, revised" in window.detail.raw.toPlainText(), timeout=6000)
    assert "6 articles" in window.counts_label.text()
    assert sum(emissions) >= 3 and len(emissions) <= 3  # coalesced, not one signal per event


def test_burst_of_outside_changes_keeps_scroll_position(qtbot, make_window, tmp_path: Path) -> None:
    folder = tmp_path / "big"
    folder.mkdir()
    for index in range(150):
        name, data = render_article(index, seed=3)
        (folder / name).write_bytes(data)
    window = make_window(folder, rows=150)
    window.resize(900, 400)
    qtbot.wait(50)
    table = window.table
    table.select_row(80)
    table.scrollTo(table.currentIndex())
    qtbot.wait(50)
    current = window.current_relpath()
    top_before = table.visualRect(table.currentIndex()).top()

    for index in range(150, 200):  # newer articles: all sort above the current one
        name, data = render_article(index, seed=3)
        (folder / name).write_bytes(data)
    touched = [render_article(index, seed=3)[0] for index in range(0, 40)]
    for name in touched:  # and change older ones (a comment line: only size and mtime change)
        with open(folder / name, "ab") as fh:
            fh.write(b"\n# touched\n")

    qtbot.waitUntil(lambda: window.model.rowCount() == 200, timeout=8000)
    qtbot.waitUntil(lambda: all(window.model.summary(n).size == (folder / n).stat().st_size for n in touched),
                    timeout=8000)
    assert window.current_relpath() == current
    assert table.visualRect(table.currentIndex()).top() == top_before  # same place on screen


def test_conflict_dialog_keep_disk_then_apply_mine(qtbot, make_window, queue_folder: Path) -> None:
    window = make_window(queue_folder)
    window.auto_advance_action.setChecked(False)
    path = queue_folder / "e.md"
    assert window.current_relpath() == "e.md"
    # Hold the watcher's news back, so the window still believes quality is 95
    # when the key is pressed (an editor faster than the watcher).
    window.bridge.changesArrived.disconnect(window._on_changes)
    path.write_text(path.read_text().replace("quality: 95", "quality: 60"))

    qtbot.keyClick(window.table, Qt.Key.Key_Plus)  # the editor saw 95: wants 96
    qtbot.waitUntil(lambda: window.conflict_dialog is not None, timeout=8000)
    dialog = window.conflict_dialog
    assert isinstance(dialog, ConflictDialog) and dialog.isVisible()
    assert dialog.disk_label.text() == "<b>60</b>" and dialog.mine_label.text() == "96"
    assert quality_on_disk(path) == 60  # nothing written: a stale decision is refused
    dialog.keep_button.click()
    assert window.conflict_dialog is None
    assert quality_on_disk(path) == 60
    assert window.model.shown_value("e.md", "quality") == 60  # the row shows the disk value
    assert "Kept the disk value" in window.write_label.text()

    # Again, and this time the editor's value wins.
    qtbot.waitUntil(window.table.hasFocus, timeout=4000)  # the queue has the keyboard again
    path.write_text(path.read_text().replace("quality: 60", "quality: 30"))
    qtbot.keyClick(window.table, Qt.Key.Key_BracketRight)  # the editor saw 60: wants 70
    qtbot.waitUntil(lambda: window.conflict_dialog is not None, timeout=8000)
    window.conflict_dialog.apply_button.click()
    qtbot.waitUntil(lambda: quality_on_disk(path) == 70, timeout=8000)
    # Undo restores the disk value the editor overrode, through the same safe path.
    window.undo_stack.undo()
    qtbot.waitUntil(lambda: quality_on_disk(path) == 30, timeout=8000)


def test_other_fields_changed_on_disk_are_rebased_silently(qtbot, make_window, queue_folder: Path) -> None:
    window = make_window(queue_folder)
    path = queue_folder / "e.md"
    window.bridge.changesArrived.disconnect(window._on_changes)
    path.write_text(path.read_text().replace("quality: 95", "quality: 61"))
    qtbot.keyClick(window.table, Qt.Key.Key_P)  # published was not changed on disk: no conflict
    qtbot.waitUntil(lambda: load_article(path).published is True, timeout=8000)
    assert window.conflict_dialog is None
    assert quality_on_disk(path) == 61


def test_failed_write_is_shown_on_the_row_and_in_the_status_bar(qtbot, make_window, queue_folder: Path) -> None:
    window = make_window(queue_folder)
    window.auto_advance_action.setChecked(False)
    path = queue_folder / "e.md"
    before = path.read_bytes()
    path.chmod(0o444)
    try:
        qtbot.keyClick(window.table, Qt.Key.Key_P)
        qtbot.waitUntil(lambda: "Not saved" in window.write_label.text(), timeout=8000)
    finally:
        path.chmod(0o644)
    assert "read-only" in window.write_label.text()
    assert path.read_bytes() == before
    state = window.model.state("e.md")
    assert state is not None and state.write_error and not state.pending
    index = window.model.index_of("e.md")
    assert window.model.data(index) == "Not saved"
    assert "read-only" in window.model.data(index, Qt.ItemDataRole.ToolTipRole)
    assert window.model.shown_value("e.md", "published") is False  # what is on disk
    assert "read-only" in window.detail.saving.text()


def test_demo_queue_is_copied_then_opened(qtbot, make_window) -> None:
    shipped = resources_dir() / "demo"
    shipped_hashes = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in shipped.iterdir() if p.is_file()}
    demo = ensure_demo_copy()
    assert demo != shipped and demo.is_dir()
    window = make_window(demo)
    assert window.model.rowCount() >= 40
    total, published, errors = window.model.counts()
    assert errors == 3
    qtbot.keyClick(window.table, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not window.writer.busy and "Saved" in window.write_label.text(), timeout=8000)
    # The edit landed in the copy; the shipped files are untouched, and the copy is kept.
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in shipped.iterdir() if p.is_file()} == shipped_hashes
    edited = {p.name for p in demo.iterdir() if p.is_file()
              and hashlib.sha256(p.read_bytes()).hexdigest() != shipped_hashes.get(p.name)}
    assert len(edited) == 1
    assert ensure_demo_copy() == demo
    assert {p.name for p in demo.iterdir() if p.is_file()
            and hashlib.sha256(p.read_bytes()).hexdigest() != shipped_hashes.get(p.name)} == edited
    # The demo's pictures are local files next to the articles.
    qtbot.waitUntil(lambda: window.detail.article is not None, timeout=8000)


def test_drop_a_folder_opens_it(qtbot, make_window, queue_folder: Path, tmp_path: Path,
                                settings: WindowSettings) -> None:
    window = make_window(queue_folder)
    other = tmp_path / "other"
    other.mkdir()
    write_article(other, "x.md", title="Article X")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(other))])
    event = QDropEvent(QPoint(10, 10).toPointF(), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    qtbot.waitUntil(lambda: window.model.rowCount() == 1 and window.model.state("x.md") is not None,
                    timeout=8000)
    assert window.folder == other.resolve()
    assert str(other) in window.windowTitle() or other.name in window.windowTitle()
    assert settings.recent_folders[:2] == [str(other.resolve()), str(queue_folder.resolve())]
    assert window.undo_stack.count() == 0


def test_queue_folder_deleted_while_open_is_said(qtbot, make_window, tmp_path: Path) -> None:
    import shutil
    folder = tmp_path / "desk"
    folder.mkdir()
    write_article(folder, "a.md", title="Article A", day=1)
    window = make_window(folder)
    qtbot.waitUntil(lambda: window.model.state("a.md") is not None, timeout=6000)
    shutil.rmtree(folder)
    qtbot.waitUntil(lambda: window.model.state("a.md") is None, timeout=8000)
    qtbot.waitUntil(lambda: "deleted or moved away" in window.notice_label.text(), timeout=8000)
