"""Undo, redo and conflicts at their edges: merged quality steps, values that
were never set, a disk that already agrees, failed writes, and where the
editor's place goes when a decision is taken back."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from app.article.frontmatter import load_article
from tests.ui.conftest import write_article


def quality_on_disk(path: Path) -> int | None:
    return load_article(path).quality  # type: ignore[union-attr]


def ctrl_z(qtbot, window, *, shift: bool = False) -> None:  # type: ignore[no-untyped-def]
    modifiers = Qt.KeyboardModifier.ControlModifier
    if shift:
        modifiers |= Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(window.table, Qt.Key.Key_Z, modifiers)


def test_conflict_on_merged_quality_steps_applies_the_editors_choice(qtbot, make_window,
                                                                      queue_folder: Path) -> None:
    window = make_window(queue_folder)
    path = queue_folder / "e.md"
    window.bridge.changesArrived.disconnect(window._on_changes)  # the window still believes 95
    path.write_text(path.read_text().replace("quality: 95", "quality: 60"))
    # Three steps before any answer: the stack merges them into the first command
    # and deletes the other two, whose writes are still on their way.
    for _ in range(3):
        qtbot.keyClick(window.table, Qt.Key.Key_Plus)
    assert window.undo_stack.count() == 1
    qtbot.waitUntil(lambda: window.conflict_dialog is not None and not window.writer.busy, timeout=8000)
    dialog = window.conflict_dialog
    assert dialog.mine_label.text() == "98"
    dialog.apply_button.click()
    qtbot.waitUntil(lambda: quality_on_disk(path) == 98, timeout=8000)
    assert window.conflict_dialog is None and window.table.hasFocus()
    assert window.undo_stack.undoText() == "Quality 60 → 98 on “Article E”"
    ctrl_z(qtbot, window)  # undo restores the value the editor overrode
    qtbot.waitUntil(lambda: quality_on_disk(path) == 60, timeout=8000)


def test_keep_disk_value_on_merged_quality_steps(qtbot, make_window, queue_folder: Path) -> None:
    window = make_window(queue_folder)
    path = queue_folder / "e.md"
    window.bridge.changesArrived.disconnect(window._on_changes)
    path.write_text(path.read_text().replace("quality: 95", "quality: 60"))
    for _ in range(2):
        qtbot.keyClick(window.table, Qt.Key.Key_Minus)
    qtbot.waitUntil(lambda: window.conflict_dialog is not None and not window.writer.busy, timeout=8000)
    window.conflict_dialog.keep_button.click()
    assert "Kept the disk value" in window.write_label.text()
    assert window.conflict_dialog is None
    qtbot.waitUntil(window.table.hasFocus, timeout=4000)
    ctrl_z(qtbot, window)  # the kept decision never happened: nothing to write back
    qtbot.wait(300)
    assert quality_on_disk(path) == 60 and window.undo_stack.count() == 0


def test_undo_of_a_value_that_was_not_set_says_why_and_writes_nothing(qtbot, make_window,
                                                                        queue_folder: Path) -> None:
    path = queue_folder / "e.md"
    path.write_text(path.read_text().replace("published: false\n", ""))  # no published key at all
    window = make_window(queue_folder)
    window.auto_advance_action.setChecked(False)
    assert window.model.shown_value("e.md", "published") is None
    qtbot.keyClick(window.table, Qt.Key.Key_Minus)  # an earlier decision, which can be undone
    qtbot.waitUntil(lambda: quality_on_disk(path) == 94, timeout=8000)
    qtbot.keyClick(window.table, Qt.Key.Key_P)
    qtbot.waitUntil(lambda: load_article(path).published is True and not window.writer.busy, timeout=8000)
    written = path.read_bytes()

    ctrl_z(qtbot, window)
    assert "Cannot undo" in window.write_label.text() and "never removes" in window.write_label.text()
    qtbot.wait(300)
    assert path.read_bytes() == written
    state = window.model.state("e.md")
    assert state is not None and not state.write_error and not state.pending  # not a failed write
    assert window.model.data(window.model.index_of("e.md")) == "Published"
    # The refused step is gone from the history; the next undo is the earlier decision.
    assert window.undo_stack.count() == 1 and not window.undo_stack.canRedo()
    ctrl_z(qtbot, window)
    qtbot.waitUntil(lambda: quality_on_disk(path) == 95, timeout=8000)
    assert window.conflict_dialog is None


def test_disk_already_holding_the_editors_value_is_no_conflict(qtbot, make_window, queue_folder: Path) -> None:
    window = make_window(queue_folder)
    path = queue_folder / "e.md"
    window.bridge.changesArrived.disconnect(window._on_changes)  # the window still believes false
    path.write_text(path.read_text().replace("published: false", "published: true"))
    qtbot.keyClick(window.table, Qt.Key.Key_P)  # someone published it already: that is what the editor wants
    qtbot.waitUntil(lambda: not window.writer.busy, timeout=8000)
    qtbot.wait(100)
    assert window.conflict_dialog is None
    assert "already published" in window.write_label.text()
    state = window.model.state("e.md")
    assert state is not None and state.summary.published is True and not state.write_error


def test_a_failed_write_leaves_no_decision_to_undo(qtbot, make_window, queue_folder: Path) -> None:
    window = make_window(queue_folder)
    window.auto_advance_action.setChecked(False)
    path = queue_folder / "e.md"
    qtbot.keyClick(window.table, Qt.Key.Key_Minus)
    qtbot.waitUntil(lambda: quality_on_disk(path) == 94 and not window.writer.busy, timeout=8000)
    path.chmod(0o444)
    try:
        qtbot.keyClick(window.table, Qt.Key.Key_P)
        qtbot.waitUntil(lambda: "Not saved" in window.write_label.text(), timeout=8000)
    finally:
        path.chmod(0o644)
    assert window.undo_stack.count() == 1  # only the quality step, which did land
    assert window.undo_stack.undoText().startswith("Quality 95 → 94")
    ctrl_z(qtbot, window)
    qtbot.waitUntil(lambda: quality_on_disk(path) == 95, timeout=8000)
    assert load_article(path).published is False


def test_undo_and_redo_bring_the_article_back_into_view(qtbot, make_window, queue_folder: Path) -> None:
    window = make_window(queue_folder)
    assert window.current_relpath() == "e.md"
    qtbot.keyClick(window.table, Qt.Key.Key_P)  # e, then auto-advance to d
    qtbot.keyClick(window.table, Qt.Key.Key_P)  # d, then c
    qtbot.keyClick(window.table, Qt.Key.Key_J)
    assert window.current_relpath() == "b.md"
    qtbot.waitUntil(lambda: load_article(queue_folder / "d.md").published is True, timeout=8000)
    ctrl_z(qtbot, window)
    assert window.current_relpath() == "d.md"  # the article whose decision was taken back
    qtbot.waitUntil(lambda: load_article(queue_folder / "d.md").published is False, timeout=8000)
    ctrl_z(qtbot, window)
    assert window.current_relpath() == "e.md"
    qtbot.waitUntil(lambda: load_article(queue_folder / "e.md").published is False, timeout=8000)
    ctrl_z(qtbot, window, shift=True)
    assert window.current_relpath() == "e.md"
    qtbot.waitUntil(lambda: load_article(queue_folder / "e.md").published is True, timeout=8000)
    write_article(queue_folder, "zz.md", title="Unrelated")  # (the queue keeps working meanwhile)
    qtbot.waitUntil(lambda: window.model.state("zz.md") is not None, timeout=8000)


def test_an_already_decision_on_a_stale_view_is_checked_on_disk(qtbot, make_window, queue_folder: Path) -> None:
    window = make_window(queue_folder)
    window.auto_advance_action.setChecked(False)
    path = queue_folder / "e.md"
    qtbot.keyClick(window.table, Qt.Key.Key_P)
    qtbot.waitUntil(lambda: window.model.summary("e.md").published is True and not window.writer.busy,
                    timeout=8000)
    window.bridge.changesArrived.disconnect(window._on_changes)  # the window still believes true
    path.write_text(path.read_text().replace("published: true", "published: false"))
    qtbot.keyClick(window.table, Qt.Key.Key_P)  # "already published" - but not on disk any more
    assert "already published" in window.write_label.text()
    qtbot.waitUntil(lambda: window.conflict_dialog is not None, timeout=8000)
    assert window.conflict_dialog.disk_label.text() == "<b>unpublished</b>"
    window.conflict_dialog.apply_button.click()
    qtbot.waitUntil(lambda: load_article(path).published is True, timeout=8000)
    assert window.undo_stack.count() == 2  # applying it over the disk value is a decision, undone as one
    assert window.undo_stack.undoText() == "Publish “Article E”"
    ctrl_z(qtbot, window)
    qtbot.waitUntil(lambda: load_article(path).published is False, timeout=8000)
