"""The queue table model on its own: rows keyed by path, sorting, removal,
the pending overlay, the filter proxy."""
from __future__ import annotations

from PySide6.QtCore import QModelRoleData, QModelRoleDataSpan, QPersistentModelIndex, Qt

from app.article.summary import ArticleSummary
from ui.queue_model import ArticleTableModel, Column, QueueFilterProxy


def row(path: str, **fields) -> ArticleSummary:  # type: ignore[no-untyped-def]
    defaults = dict(title=path.upper(), provider="P", published=False, quality=50, published_at="2022-01-01")
    defaults.update(fields)
    return ArticleSummary(path, **defaults)


def order(model: ArticleTableModel) -> list[str]:
    return [model.relpath_at(r) for r in range(model.rowCount())]


def test_sorting_keeps_persistent_indexes_on_their_article(qapp) -> None:
    model = ArticleTableModel()
    model.sort(Column.QUALITY, Qt.SortOrder.AscendingOrder)
    model.upsert([row("a", quality=30), row("b", quality=10), row("c", quality=20)])
    assert order(model) == ["b", "c", "a"]
    held = QPersistentModelIndex(model.index_of("c", Column.TITLE))
    model.upsert([row("c", quality=99), row("d", quality=None), row("e", title="E2", quality=15)])
    assert order(model) == ["d", "b", "e", "a", "c"]  # missing quality sorts first
    assert held.row() == 4 and held.column() == Column.TITLE
    model.sort(Column.TITLE, Qt.SortOrder.DescendingOrder)
    assert order(model) == ["e", "d", "c", "b", "a"]
    assert held.row() == 2


def test_deferred_sorting_during_a_scan(qapp) -> None:
    model = ArticleTableModel()
    model.sort(Column.TITLE, Qt.SortOrder.AscendingOrder)
    model.defer_sorting = True
    model.upsert([row("z"), row("m")])
    model.upsert([row("a")])
    assert order(model) == ["z", "m", "a"] and model.unsorted
    model.resort()
    assert order(model) == ["a", "m", "z"] and not model.unsorted


def test_remove_scattered_rows_in_runs(qapp) -> None:
    model = ArticleTableModel()
    model.sort(Column.FILE, Qt.SortOrder.AscendingOrder)
    names = [f"{i:02d}" for i in range(20)]
    model.upsert([row(n) for n in names])
    removed_signals: list[tuple[int, int]] = []
    model.rowsRemoved.connect(lambda _p, first, last: removed_signals.append((first, last)))
    gone = {"01", "02", "03", "07", "19", "nope"}
    assert model.remove(gone) == gone - {"nope"}
    assert order(model) == [n for n in names if n not in gone]
    assert removed_signals == [(19, 19), (7, 7), (1, 3)]  # last first, adjacent rows together
    assert model.row_of("08") == 4


def test_pending_overlay_and_failed_write(qapp) -> None:
    model = ArticleTableModel()
    model.upsert([row("a", published=False, quality=50)])
    index = model.index_of("a", Column.STATUS)
    model.begin_write("a", {"published": True})
    assert model.data(index) == "Publishing…" and model.shown_value("a", "published") is True
    assert model.data(index, Qt.ItemDataRole.FontRole).italic()
    model.end_write("a", {"published": True}, ok=True, disk_values={"published": True, "quality": 50})
    assert model.data(index) == "Published" and model.summary("a").published is True
    model.begin_write("a", {"quality": 60})
    model.end_write("a", {"quality": 60}, ok=False, disk_values={"published": True, "quality": 50},
                    message="the file is read-only")
    assert model.data(index) == "Not saved" and model.shown_value("a", "quality") == 50
    assert model.counts() == (1, 1, 0)


def test_multidata_answers_like_data(qapp) -> None:
    model = ArticleTableModel()
    model.upsert([row("a", quality=None, invalid=(("quality", "high"),))])
    index = model.index_of("a", Column.QUALITY)
    for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.TextAlignmentRole,
                 Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.DecorationRole):
        item = QModelRoleData(int(role))
        model.multiData(index, QModelRoleDataSpan(item))
        assert item.data() == model.data(index, role), role
    assert model.data(index) == "high?"
    assert "not a number" in model.data(index, Qt.ItemDataRole.ToolTipRole)


def test_painting_asks_once_per_cell_through_the_proxy(qtbot) -> None:
    from PySide6.QtWidgets import QTableView

    calls = {"data": 0, "multi": 0}

    class Counting(ArticleTableModel):
        def data(self, *args):  # type: ignore[no-untyped-def]
            calls["data"] += 1
            return super().data(*args)

        def multiData(self, *args):  # type: ignore[no-untyped-def]
            calls["multi"] += 1
            return super().multiData(*args)

    model = Counting()
    model.upsert([row(f"{i:03d}") for i in range(200)])
    proxy = QueueFilterProxy(model)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(proxy)
    view.resize(900, 400)
    view.show()  # through the proxy: QSortFilterProxyModel alone would split multiData into data() calls
    qtbot.waitUntil(lambda: calls["multi"] > 0)
    assert calls["data"] == 0


def test_proxy_filters_by_quick_filter_and_all_words(qapp) -> None:
    model = ArticleTableModel()
    model.upsert([row("news/a.md", title="Exascale cooling", published=True),
                  row("news/b.md", title="Cooling budgets"),
                  row("c.md", error="line 1: broken")])
    proxy = QueueFilterProxy(model)
    proxy.set_text("COOLING")
    assert proxy.rowCount() == 2
    proxy.set_text("cooling news/b")
    assert proxy.rowCount() == 1
    proxy.set_text("")
    proxy.set_quick_filter("errors")
    assert proxy.rowCount() == 1
    proxy.set_quick_filter("unpublished")
    assert proxy.rowCount() == 1  # errors are not "unpublished": they cannot be decided
    proxy.set_quick_filter("published")
    assert proxy.rowCount() == 1
