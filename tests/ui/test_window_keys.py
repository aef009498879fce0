"""The window driven as an editor drives it: keys on the queue, files checked on disk."""
from __future__ import annotations

import difflib
from pathlib import Path

from PySide6.QtCore import Qt

from app.article.frontmatter import load_article
from app.article.model import Article


def on_disk(path: Path) -> Article:
    article = load_article(path)
    assert isinstance(article, Article), article
    return article


def changed_lines(before: str, after: str) -> list[str]:
    return [line for line in difflib.ndiff(before.splitlines(), after.splitlines())
            if line.startswith(("- ", "+ "))]


def press(qtbot, window, key: Qt.Key, text: str = "") -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClick(window.table, key)


def test_navigate_and_decide_with_keys(qtbot, make_window, queue_folder: Path) -> None:
    window = make_window(queue_folder)
    # Newest first (date descending): e, d, c, b, a, then the unreadable file.
    assert window.current_relpath() == "e.md"
    assert window.table.hasFocus()
    press(qtbot, window, Qt.Key.Key_J)
    assert window.current_relpath() == "d.md"
    press(qtbot, window, Qt.Key.Key_J)
    press(qtbot, window, Qt.Key.Key_K)
    assert window.current_relpath() == "d.md"
    press(qtbot, window, Qt.Key.Key_Down)
    assert window.current_relpath() == "c.md"
    press(qtbot, window, Qt.Key.Key_Up)
    assert window.current_relpath() == "d.md"

    # P publishes and auto-advances (on by default).
    before = (queue_folder / "d.md").read_text()
    press(qtbot, window, Qt.Key.Key_P)
    assert window.current_relpath() == "c.md"
    qtbot.waitUntil(lambda: on_disk(queue_folder / "d.md").published is True, timeout=8000)
    assert changed_lines(before, (queue_folder / "d.md").read_text()) == [
        "- published: false", "+ published: true"]

    # U on an unpublished article is no write at all, but still advances.
    press(qtbot, window, Qt.Key.Key_U)
    assert window.current_relpath() == "b.md"
    assert "already unpublished" in window.write_label.text()

    # Space toggles.
    press(qtbot, window, Qt.Key.Key_Space)
    assert window.current_relpath() == "a.md"
    qtbot.waitUntil(lambda: on_disk(queue_folder / "b.md").published is True, timeout=8000)

    # Back to d (published) and unpublish it with U.
    window.auto_advance_action.setChecked(False)
    for _ in range(3):
        press(qtbot, window, Qt.Key.Key_K)
    assert window.current_relpath() == "d.md"
    press(qtbot, window, Qt.Key.Key_U)
    assert window.current_relpath() == "d.md"  # auto-advance is off
    qtbot.waitUntil(lambda: on_disk(queue_folder / "d.md").published is False, timeout=8000)
    assert (queue_folder / "d.md").read_text() == before  # byte-identical round trip


def test_quality_keys_clamp_and_write(qtbot, make_window, queue_folder: Path) -> None:
    window = make_window(queue_folder)
    assert window.current_relpath() == "e.md"  # quality 95
    path = queue_folder / "e.md"
    press(qtbot, window, Qt.Key.Key_Plus)
    qtbot.waitUntil(lambda: on_disk(path).quality == 96, timeout=8000)
    press(qtbot, window, Qt.Key.Key_Equal)
    qtbot.waitUntil(lambda: on_disk(path).quality == 97, timeout=8000)
    press(qtbot, window, Qt.Key.Key_BracketRight)  # +10, clamped to 100
    qtbot.waitUntil(lambda: on_disk(path).quality == 100, timeout=8000)
    press(qtbot, window, Qt.Key.Key_Minus)
    qtbot.waitUntil(lambda: on_disk(path).quality == 99, timeout=8000)
    press(qtbot, window, Qt.Key.Key_BracketLeft)
    qtbot.waitUntil(lambda: on_disk(path).quality == 89, timeout=8000)
    assert window.current_relpath() == "e.md"  # quality keys never advance
    # Rapid presses queue behind each other on the one writer and all land.
    for _ in range(5):
        press(qtbot, window, Qt.Key.Key_Minus)
    qtbot.waitUntil(lambda: on_disk(path).quality == 84, timeout=8000)
    qtbot.waitUntil(lambda: not window.writer.busy, timeout=8000)
    state = window.model.state("e.md")
    assert state is not None and not state.pending and state.summary.quality == 84
    assert "Saved" in window.write_label.text()


def test_undo_redo_write_through_the_same_path(qtbot, make_window, queue_folder: Path) -> None:
    window = make_window(queue_folder)
    window.auto_advance_action.setChecked(False)
    path = queue_folder / "e.md"
    original = path.read_text()
    press(qtbot, window, Qt.Key.Key_P)
    qtbot.waitUntil(lambda: on_disk(path).published is True, timeout=8000)
    for _ in range(3):
        press(qtbot, window, Qt.Key.Key_Minus)
    qtbot.waitUntil(lambda: on_disk(path).quality == 92, timeout=8000)
    # Three quality steps on one article are one undo step.
    assert window.undo_stack.count() == 2
    assert window.undo_stack.undoText() == "Quality 95 → 92 on “Article E”"

    qtbot.keyClick(window.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: on_disk(path).quality == 95, timeout=8000)
    qtbot.keyClick(window.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: on_disk(path).published is False, timeout=8000)
    qtbot.waitUntil(lambda: not window.writer.busy, timeout=8000)
    assert path.read_text() == original
    qtbot.keyClick(window.table, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: on_disk(path).published is True, timeout=8000)
    assert window.undo_stack.redoText() == "Quality 95 → 92 on “Article E”"


def test_error_row_is_listed_and_not_editable(qtbot, make_window, queue_folder: Path) -> None:
    window = make_window(queue_folder)
    window.table.select_row(window.table.row_of_relpath("broken.md"))
    assert window.current_relpath() == "broken.md"
    before = (queue_folder / "broken.md").read_bytes()
    for key in (Qt.Key.Key_P, Qt.Key.Key_Space, Qt.Key.Key_Plus, Qt.Key.Key_BracketRight):
        press(qtbot, window, key)
    assert window.current_relpath() == "broken.md"  # nothing decided, nothing advanced
    assert "cannot be edited" in window.write_label.text()
    qtbot.waitUntil(lambda: window.detail.relpath == "broken.md", timeout=4000)  # the pane follows
    assert not window.detail.decision.isEnabled()
    assert window.detail.error_banner.isVisibleTo(window.detail)
    banner = window.detail.error_banner.text()
    assert "line 4, column 1: YAML error" in banner
    # The raw text is shown (read by the core on a worker), with the bad line marked.
    qtbot.waitUntil(lambda: "unclosed" in window.detail.raw.toPlainText(), timeout=8000)
    assert window.undo_stack.count() == 0
    qtbot.wait(200)
    assert (queue_folder / "broken.md").read_bytes() == before
    assert "1 error" in window.counts_label.text()
