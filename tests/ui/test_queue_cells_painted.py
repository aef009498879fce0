"""The queue's own cell painter (ui.queue_delegate) against Qt's: the same
pixels for every kind of cell, in both palettes, after a font change, and
with its store of shaped texts full."""
from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel
from PySide6.QtGui import QFont, QImage
from PySide6.QtWidgets import QApplication, QStyledItemDelegate

import ui.queue_delegate
from tests.ui.test_body_and_colours import fusion  # noqa: F401 - the palette fixture
from tools.synthetic import generate_articles
from ui.queue_cells import RELPATH_ROLE, Column
from ui.queue_delegate import QueueCellDelegate


@pytest.fixture
def mixed_folder(tmp_path: Path) -> Path:
    """Synthetic articles (long titles, topics, warnings, copies) and one unreadable file."""
    folder = tmp_path / "mixed"
    generate_articles(folder, 40, seed=7)
    (folder / "broken.md").write_text("---\ntitle: \"unclosed\nquality: 5\n---\n", encoding="utf-8")
    # Titles Qt lays out its own way (a line break, a folded title's last one, a line
    # separator, right-to-left script): newest first, so they are in sight.
    odd = {"two-lines": "\"First line of a title\\nsecond line\"", "folded": ">\n  A folded title\n",
           "separator": "\"Above the separator\\u2028below it\"", "hebrew": "\"כותרת ארוכה מאוד על שבבים ועל ענן\"",
           "mixed": "\"Intel ו-AMD: מה חדש\""}
    for n, (name, title) in enumerate(odd.items()):
        (folder / f"{name}.md").write_text(f"---\ntitle: {title}\npublishedDateTime: 2099-01-0{n + 1}T10:00:00Z\n"
                                           "quality: 50\npublished: false\n---\n", encoding="utf-8")
    return folder


def _grab(window) -> QImage:  # type: ignore[no-untyped-def]
    QApplication.processEvents()
    return window.table.viewport().grab().toImage().convertToFormat(QImage.Format.Format_RGB32)


def _as_qt_paints(window) -> QImage:  # type: ignore[no-untyped-def]
    """The table as Qt's own delegate paints it; the queue's painter back afterwards."""
    table = window.table
    mine = table.itemDelegate()
    qt = QStyledItemDelegate(table)
    table.setItemDelegate(qt)
    try:
        return _grab(window)
    finally:
        table.setItemDelegate(mine)
        qt.deleteLater()


def _differing(a: QImage, b: QImage) -> int:
    assert a.size() == b.size()
    return sum(1 for y in range(a.height()) for x in range(a.width()) if a.pixel(x, y) != b.pixel(x, y))


def _show_every_kind(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    """A current row (Qt paints its focused cell), another selected, one being saved (italic)."""
    window.resize(1300, 700)
    proxy = window.proxy
    window.table.select_row(2)
    qtbot.waitUntil(lambda: window.table.currentIndex().row() == 2, timeout=4000)
    window.table.selectionModel().select(proxy.index(5, 0), QItemSelectionModel.SelectionFlag.Select
                                         | QItemSelectionModel.SelectionFlag.Rows)
    window.model.begin_write(proxy.index(7, 0).data(RELPATH_ROLE), {"published": True})
    window.table.setFocus()
    qtbot.waitUntil(window.table.hasFocus, timeout=4000)
    qtbot.wait(300)  # the pane's article read and laid out: the table's size settles


def test_the_queue_paints_every_cell_as_qts_own_delegate_does(qtbot, fusion: str, make_window,  # noqa: F811
                                                               mixed_folder: Path) -> None:
    window = make_window(mixed_folder)
    _show_every_kind(qtbot, window)
    painter = window.table.itemDelegate()
    assert isinstance(painter, QueueCellDelegate)
    mine = _grab(window)
    assert painter.texts_kept() > 100  # it painted the cells itself (not Qt's code on its behalf)
    assert window.proxy.index(7, Column.STATUS).data() == "Publishing…"  # (in italics)
    assert _differing(mine, _as_qt_paints(window)) == 0


@pytest.mark.parametrize("scale", [0.8, 1.5, 2.7])
def test_a_new_font_is_shaped_again(qtbot, make_window, mixed_folder: Path, scale: float) -> None:
    window = make_window(mixed_folder)
    _show_every_kind(qtbot, window)
    _grab(window)  # shaped in the first font
    font = QFont(window.table.font())
    font.setPointSizeF(font.pointSizeF() * scale)
    window.table.setFont(font)
    mine = _grab(window)
    assert _differing(mine, _as_qt_paints(window)) == 0


def test_the_store_of_shaped_texts_stays_within_its_bound(qtbot, make_window, mixed_folder: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ui.queue_delegate, "KEPT_TEXTS", 60)
    window = make_window(mixed_folder)
    _show_every_kind(qtbot, window)
    painter = window.table.itemDelegate()
    for top in range(0, window.proxy.rowCount(), 5):
        window.table.scrollTo(window.proxy.index(top, 0))
        mine = _grab(window)
        assert 0 < painter.texts_kept() <= 60
    assert _differing(mine, _as_qt_paints(window)) == 0


def test_a_style_that_draws_items_its_own_way_gets_qts_own_cells(qtbot, make_window, mixed_folder: Path) -> None:
    from PySide6.QtWidgets import QCommonStyle, QStyleFactory

    window = make_window(mixed_folder)
    _show_every_kind(qtbot, window)
    painter = window.table.itemDelegate()
    other = QCommonStyle()  # named "": not a style known to draw items as QCommonStyle's own code does
    window.table.setStyle(other)
    _grab(window)
    assert not painter.own_paint and painter.texts_kept() == 0
    fusion_style = QStyleFactory.create("Fusion")
    window.table.setStyle(fusion_style)
    mine = _grab(window)
    assert painter.own_paint and painter.texts_kept() > 100
    assert _differing(mine, _as_qt_paints(window)) == 0
    window.table.setStyle(QApplication.style())  # before the two styles made here go
