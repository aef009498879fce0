"""The editor's place: the selected article stays selected and on screen when
the queue is re-sorted, when a landed write moves its row, when its file is
renamed, and the titles stay readable in a narrow window."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, Qt

from app.article.frontmatter import load_article
from tools.synthetic import render_article
from ui.queue_model import Column
from ui.settings import WindowSettings


def big_folder(tmp_path: Path, n: int = 150) -> Path:
    folder = tmp_path / "big"
    folder.mkdir()
    for index in range(n):
        name, data = render_article(index, seed=5)
        (folder / name).write_bytes(data)
    return folder


def click_header(qtbot, window, column: Column) -> None:  # type: ignore[no-untyped-def]
    header = window.table.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))


def on_screen(window) -> bool:  # type: ignore[no-untyped-def]
    table = window.table
    return table.viewport().rect().contains(table.visualRect(table.currentIndex()).center())


def test_sorting_keeps_the_selected_article_in_view(qtbot, make_window, tmp_path: Path) -> None:
    window = make_window(big_folder(tmp_path), rows=150)
    window.resize(900, 400)
    qtbot.wait(50)
    table = window.table
    table.select_row(80)
    table.scrollTo(table.currentIndex())
    qtbot.wait(50)
    current = window.current_relpath()
    top = table.visualRect(table.currentIndex()).top()

    click_header(qtbot, window, Column.TITLE)
    assert window.proxy.sourceModel().relpath_at(0) != current
    assert window.current_relpath() == current
    assert table.visualRect(table.currentIndex()).top() == top  # same height on screen

    table.verticalScrollBar().setValue(0)  # the editor scrolls away from their article
    if on_screen(window):
        table.verticalScrollBar().setValue(table.verticalScrollBar().maximum())
    assert not on_screen(window)
    click_header(qtbot, window, Column.QUALITY)
    assert window.current_relpath() == current and on_screen(window)


def test_a_landed_write_that_moves_rows_keeps_the_editors_place(qtbot, make_window, tmp_path: Path) -> None:
    folder = big_folder(tmp_path)
    window = make_window(folder, rows=150)
    window.resize(900, 400)
    table = window.table
    table.sortByColumn(Column.STATUS, Qt.SortOrder.AscendingOrder)  # unpublished above published
    model = window.model
    row = next(r for r in range(60, 150) if model.summary(model.relpath_at(r)).published is False
               and model.summary(model.relpath_at(r + 1)).published is False)
    table.select_row(window.table.row_of_relpath(model.relpath_at(row)))
    table.scrollTo(table.currentIndex(), table.ScrollHint.PositionAtCenter)
    qtbot.wait(50)
    decided = window.current_relpath()
    qtbot.keyClick(table, Qt.Key.Key_P)  # publish, then auto-advance to the next article
    following = window.current_relpath()
    assert following != decided
    top = table.visualRect(table.currentIndex()).top()
    qtbot.waitUntil(lambda: load_article(folder / decided).published is True and not window.writer.busy,
                    timeout=8000)
    qtbot.waitUntil(lambda: model.summary(decided).published is True, timeout=8000)
    # The published article moved down to its group, the rows below it moved up:
    # the article the editor is on stays where their eyes are.
    assert window.current_relpath() == following
    assert table.visualRect(table.currentIndex()).top() == top


def test_renaming_the_selected_file_keeps_it_selected(qtbot, make_window, queue_folder: Path) -> None:
    window = make_window(queue_folder)
    window.auto_advance_action.setChecked(False)
    window.table.sortByColumn(Column.FILE, Qt.SortOrder.AscendingOrder)
    window.table.select_row(window.table.row_of_relpath("c.md"))
    qtbot.keyClick(window.table, Qt.Key.Key_Plus)  # quality 30 -> 31
    qtbot.waitUntil(lambda: load_article(queue_folder / "c.md").quality == 31 and not window.writer.busy,
                    timeout=8000)
    (queue_folder / "c.md").rename(queue_folder / "zz-renamed.md")  # sorts last now
    qtbot.waitUntil(lambda: window.model.state("zz-renamed.md") is not None
                    and window.model.state("c.md") is None, timeout=8000)
    assert window.current_relpath() == "zz-renamed.md"
    # The decision can still be undone, in the file under its new name.
    qtbot.keyClick(window.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: load_article(queue_folder / "zz-renamed.md").quality == 30, timeout=8000)


def test_titles_stay_readable_in_a_narrow_window(qtbot, make_window, queue_folder: Path,
                                                settings: WindowSettings) -> None:
    window = make_window(queue_folder)
    header = window.table.horizontalHeader()
    window.resize(1600, 560)
    qtbot.wait(50)
    others = sum(header.sectionSize(c) for c in Column if c != Column.TITLE and not header.isSectionHidden(c))
    assert window.table.viewport().width() - others > 200
    assert header.sectionSize(Column.TITLE) == window.table.viewport().width() - others  # fills the row
    window.resize(800, 560)
    qtbot.wait(50)
    assert header.sectionSize(Column.TITLE) >= 200
    window.close()
    again = make_window(queue_folder)  # restored at that size
    assert again.table.horizontalHeader().sectionSize(Column.TITLE) >= 200
