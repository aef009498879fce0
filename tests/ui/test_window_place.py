"""The editor's place: the selected article stays selected and on screen when
the queue is re-sorted, when a landed write moves its row, when its file is
renamed, and the titles stay readable in a narrow window."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QPoint, Qt

from app.article.frontmatter import load_article
from tools.synthetic import render_article
from ui.queue_model import RELPATH_ROLE, Column
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


class PaintLog(QObject):
    """What the queue's viewport paints (its size, and the article the pane shows then)."""

    def __init__(self, window) -> None:  # type: ignore[no-untyped-def]
        super().__init__()
        self.window = window
        self.events: list[tuple[tuple[int, int], str | None]] = []
        window.table.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and event.rect() == watched.rect():  # the whole viewport
            self.events.append(((event.rect().width(), event.rect().height()), self.window.detail.relpath))
        return False

    def repeated(self) -> list[tuple[int, int]]:
        """Sizes painted twice in a row: the same rows painted again for nothing."""
        sizes = [size for size, _pane in self.events]
        return [one for one, other in zip(sizes, sizes[1:]) if one == other]


def test_a_sort_or_a_filter_paints_the_rows_once_then_fills_the_pane(qtbot, make_window,  # type: ignore[no-untyped-def]
                                                                      tmp_path: Path) -> None:
    window = make_window(big_folder(tmp_path), rows=150)
    window.resize(900, 400)
    qtbot.wait(100)
    log = PaintLog(window)
    for column in (Column.TITLE, Column.QUALITY):
        log.events.clear()
        click_header(qtbot, window, column)
        qtbot.wait(100)
        # Without a hint that only rows moved, the column header restored every
        # section's size and the table painted every row a second time.
        assert len(log.events) == 1, log.events

    # The article shown is one the quick filter hides: the view moves on to a
    # neighbour, paints its rows, and only then fills the pane with it.
    published = [r for r in range(window.proxy.rowCount())
                 if window.model.summary(window.proxy.index(r, 0).data(RELPATH_ROLE)).published is True]
    window.table.select_row(published[0])
    qtbot.waitUntil(lambda: window.detail.relpath == window.current_relpath())
    hidden = window.current_relpath()
    qtbot.wait(100)
    log.events.clear()
    window.set_quick_filter("unpublished")
    qtbot.waitUntil(lambda: window.detail.relpath == window.current_relpath() != hidden)
    qtbot.wait(100)
    assert log.events and log.events[0][1] == hidden, log.events
    assert not log.repeated(), log.events  # (the chips' row and the pane may resize the viewport)

    # A filter that keeps the article shown, and changes how many rows there are:
    # one paint (the row count's own layout, a turn later, painted them again).
    window.set_quick_filter("all")
    qtbot.waitUntil(lambda: window.proxy.rowCount() == 150)
    qtbot.wait(100)
    log.events.clear()
    window.set_quick_filter("unpublished")
    qtbot.wait(100)
    assert len(log.events) == 1, log.events
