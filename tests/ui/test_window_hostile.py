"""The window against hostile files: a FIFO named like an article, a title of
many megabytes, and quality typed in digits that are not ASCII."""
from __future__ import annotations

import faulthandler
import os
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from tests.ui.conftest import write_article
from ui.queue_model import Column
from ui.raw_text import FOLD_AT
from ui.text import SHOWN_CHARS

HANG_S = 60  # a hang fails the run with every thread's stack, instead of blocking CI


@pytest.fixture(autouse=True)
def no_hangs():
    faulthandler.dump_traceback_later(HANG_S, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


def test_a_fifo_row_never_blocks_the_loader_or_quit(qtbot, make_window, tmp_path: Path) -> None:
    folder = tmp_path / "desk"
    folder.mkdir()
    write_article(folder, "a.md", title="Article A", day=1)
    write_article(folder, "b.md", title="Article B", day=2)
    os.mkfifo(folder / "pipe.md")
    window = make_window(folder)
    row = window.table.row_of_relpath("pipe.md")
    window.table.select_row(row)
    qtbot.waitUntil(lambda: window.detail.relpath == "pipe.md" and window.detail.error_banner.isVisible(),
                    timeout=5000)
    assert "FIFO" in window.detail.error_banner.text()
    for name, title in (("a.md", "Article A"), ("b.md", "Article B")):  # the loader still serves others
        window.table.select_row(window.table.row_of_relpath(name))
        qtbot.waitUntil(lambda t=title: t in window.detail.raw.toPlainText(), timeout=5000)
    started = time.monotonic()
    window.close()
    assert time.monotonic() - started < 5


def test_a_giant_title_is_capped_everywhere_but_the_raw_view(qtbot, make_window, tmp_path: Path) -> None:
    folder = tmp_path / "desk"
    folder.mkdir()
    giant = "Headline " + "x" * (15_900_000 - 9)
    (folder / "giant.md").write_text(f'---\ntitle: "{giant}"\nquality: 5\npublished: false\n---\nbody\n',
                                     encoding="utf-8")
    write_article(folder, "small.md", title="Small one", day=2)
    window = make_window(folder)
    row = window.table.row_of_relpath("giant.md")
    index = window.proxy.index(row, Column.TITLE)
    shown = index.data(Qt.ItemDataRole.DisplayRole)
    assert shown.startswith("Headline xxx") and len(shown) < 600 and "more characters" in shown
    assert len(index.data(Qt.ItemDataRole.ToolTipRole)) < SHOWN_CHARS + 100
    started = time.perf_counter()
    window.table.viewport().repaint()  # the giant row is on screen
    assert time.perf_counter() - started < 0.5  # was 9 s per paint
    window.table.select_row(row)
    qtbot.waitUntil(lambda: window.detail.relpath == "giant.md" and window.detail.article is not None,
                    timeout=15000)
    assert len(window.detail.title.text()) < SHOWN_CHARS + 100
    raw = window.detail.raw
    assert raw.document().blockCount() > 15_900_000 // FOLD_AT  # the long line is folded for display
    started = time.perf_counter()
    window.detail.tabs.setCurrentWidget(raw)
    raw.viewport().repaint()
    assert time.perf_counter() - started < 0.5
    raw.selectAll()
    copied = raw.createMimeDataFromSelection().text()  # what Ctrl+C puts on the clipboard
    assert copied == f'title: "{giant}"\nquality: 5\npublished: false\n'


def test_quality_typed_in_other_digits_is_refused(qtbot, make_window, queue_folder: Path) -> None:
    window = make_window(queue_folder)
    spin = window.detail.quality_spin
    before = spin.value()
    spin.setFocus()
    spin.selectAll()
    for char in "５٣":  # typed as a keyboard with those digits would (QTest cannot type them)
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(spin.lineEdit(), QKeyEvent(kind, Qt.Key.Key_unknown,
                                                              Qt.KeyboardModifier.NoModifier, char))
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    assert spin.value() == before and window.undo_stack.count() == 0
    for text in ("٣", "1_0"):
        assert spin.validate(text, 0)[0].name == "Invalid"
