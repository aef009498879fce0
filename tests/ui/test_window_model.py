"""The queue table model on its own: rows keyed by path, sorting, removal,
the pending overlay, the filter proxy."""
from __future__ import annotations

from PySide6.QtCore import QModelRoleData, QModelRoleDataSpan, QPersistentModelIndex, Qt

from app.article.summary import ArticleSummary
from ui.queue_filter_model import QueueFilterProxy
from ui.queue_model import ArticleTableModel, Column


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

        def fill_roles(self, *args):  # type: ignore[no-untyped-def]  # what the proxy's multiData asks
            calls["multi"] += 1
            return super().fill_roles(*args)

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


# --- the column model at scale: orders, ties, incremental updates ------------------

import hypothesis.strategies as st  # noqa: E402
from hypothesis import HealthCheck, example, given, settings  # noqa: E402

from app.queue.selection import Selection  # noqa: E402
from app.queue.table import sort_key  # noqa: E402


def expected_rows(rows: dict[str, ArticleSummary], column: int, descending: bool,
                  selection: Selection) -> list[str]:
    """What the view must show, computed the slow and obvious way."""
    ordered = sorted(rows.values(), key=lambda s: sort_key(column, s), reverse=descending)
    return [s.path for s in ordered if selection.matches(s)]


def shown(proxy: QueueFilterProxy) -> list[str]:
    from ui.queue_model import RELPATH_ROLE
    return [proxy.index(r, 0).data(RELPATH_ROLE) for r in range(proxy.rowCount())]


def test_ties_sort_by_path_and_descending_reverses(qapp) -> None:
    model = ArticleTableModel()
    model.upsert([row("b", quality=5), row("a", quality=5), row("c", quality=1)])
    model.sort(Column.QUALITY, Qt.SortOrder.AscendingOrder)
    assert order(model) == ["c", "a", "b"]
    model.sort(Column.QUALITY, Qt.SortOrder.DescendingOrder)
    assert order(model) == ["b", "a", "c"]


def test_a_background_sort_is_applied_with_the_rows_changed_meanwhile(qapp) -> None:
    pending: list[tuple] = []
    model = ArticleTableModel(background=lambda fn, *args, done: pending.append((fn, args, done)))
    proxy = QueueFilterProxy(model)
    model.sort(Column.TITLE, Qt.SortOrder.AscendingOrder)
    model.defer_sorting = True
    model.upsert([row(f"{i:04d}", title=f"t{999 - i:04d}") for i in range(600)])  # a scan
    model.defer_sorting = False
    model.resort()  # many rows: sorted off the GUI thread
    assert model.unsorted and len(pending) == 1
    model.upsert([row("0005", title="zzz"), row("new", title="aaa")])  # arrive while it sorts
    fn, args, done = pending.pop()
    done(fn(*args))
    assert not model.unsorted
    assert order(model)[0] == "new" and order(model)[-1] == "0005"
    assert order(model)[1:4] == ["0599", "0598", "0597"]
    assert shown(proxy) == order(model)


def test_a_sort_that_lands_during_a_scan_leaves_the_rows_come_since_to_the_end_of_it(qapp) -> None:
    pending: list[tuple] = []
    model = ArticleTableModel(background=lambda fn, *args, done: pending.append((fn, args, done)))
    model.sort(Column.TITLE, Qt.SortOrder.AscendingOrder)
    model.defer_sorting = True  # a scan: the first rows are sorted at once, the rest at its end
    model.upsert([row(f"{i:04d}", title=f"t{999 - i:04d}") for i in range(300)])
    model.resort()
    assert len(pending) == 1
    model.upsert([row(f"late{i:03d}", title=f"a{999 - i:03d}") for i in range(300)])  # more rows meanwhile
    fn, args, done = pending.pop()
    done(fn(*args))
    assert not pending, "the scan's later rows were sorted again before the scan ended"
    assert order(model)[:2] == ["0299", "0298"] and order(model)[300] == "late000"
    model.defer_sorting = False
    model.resort()  # the scan is over: one sort of everything
    fn, args, done = pending.pop()
    done(fn(*args))
    assert order(model)[:2] == ["late299", "late298"] and order(model)[-1] == "0000" and not model.unsorted


def test_rows_that_change_during_a_sort_without_moving_do_not_sort_again(qapp) -> None:
    pending: list[tuple] = []
    model = ArticleTableModel(background=lambda fn, *args, done: pending.append((fn, args, done)))
    model.sort(Column.QUALITY, Qt.SortOrder.AscendingOrder)
    model.upsert([row(f"{i:04d}", quality=i % 90) for i in range(600)])
    assert len(pending) == 1
    model.table.set_review([f"{i:04d}" for i in range(400)], "reviewed")  # states land meanwhile
    model._note_changed(range(400))  # (as the window notes them: the rows changed, their keys did not)
    model.upsert([row("0001", quality=95)])  # and one row that does move
    fn, args, done = pending.pop()
    done(fn(*args))
    assert not pending and not model.unsorted
    assert order(model)[-1] == "0001" and order(model)[:2] == ["0000", "0090"]


def test_a_prepared_order_is_adopted_on_a_header_click(qapp) -> None:
    pending: list[tuple] = []
    model = ArticleTableModel(background=lambda fn, *args, done: pending.append((fn, args, done)))
    model.sort(Column.QUALITY, Qt.SortOrder.AscendingOrder)
    model.upsert([row(f"{i:03d}", title=f"t{i % 7}", quality=i % 100) for i in range(300)])
    model.prepare_orders()
    for fn, args, done in pending:
        done(fn(*args))
    pending.clear()
    model.upsert([row("042", title="a-first", quality=42)])  # changed after the orders were prepared
    model.remove(["007"])
    model.sort(Column.TITLE, Qt.SortOrder.AscendingOrder)
    assert order(model)[0] == "042" and "007" not in order(model)
    rows = {model.relpath_at(r): model.summary(model.relpath_at(r)) for r in range(model.rowCount())}
    assert order(model) == expected_rows(rows, Column.TITLE, False, Selection())



def test_review_states_landing_after_the_orders_were_prepared_leave_them_ready(qapp) -> None:
    """A review state (or a duplicate badge) is not what any column sorts by: a
    header click adopts the prepared order as it is, with no second sort (which
    painted every row again a moment after the click)."""
    pending: list[tuple] = []
    model = ArticleTableModel(background=lambda fn, *args, done: pending.append((fn, args, done)))
    model.sort(Column.QUALITY, Qt.SortOrder.AscendingOrder)
    model.upsert([row(f"{i:03d}", title=f"t{i % 7}", quality=i % 100) for i in range(600)])
    for fn, args, done in pending:
        done(fn(*args))
    pending.clear()
    model.prepare_orders()
    for fn, args, done in pending:
        done(fn(*args))
    pending.clear()
    model.set_review({f"{i:03d}": "reviewed" for i in range(500)})  # the audit trail, read after the open
    model.set_extra_warnings("010", ("the picture is 10x10, not 640x480",))
    layouts: list[int] = []
    model.layoutChanged.connect(lambda *args: layouts.append(1))
    model.sort(Column.TITLE, Qt.SortOrder.AscendingOrder)
    assert not pending and not model.unsorted and layouts == [1]
    rows = {model.relpath_at(r): model.summary(model.relpath_at(r)) for r in range(model.rowCount())}
    assert order(model) == expected_rows(rows, Column.TITLE, False, Selection())
    model.upsert([row(f"{i:03d}", title="a-first", quality=1) for i in range(300)])  # these do move
    assert pending, "rows whose titles changed were not sorted again"

def test_the_view_follows_rows_that_leave_and_join_its_filter(qapp) -> None:
    model = ArticleTableModel()
    model.sort(Column.FILE, Qt.SortOrder.AscendingOrder)
    model.upsert([row(n, published=n in "bd") for n in "abcdef"])
    proxy = QueueFilterProxy(model)
    proxy.set_quick_filter("unpublished")
    assert shown(proxy) == ["a", "c", "e", "f"]
    model.end_write("c", {"published": True}, ok=True, disk_values={"published": True, "quality": 50})
    assert shown(proxy) == ["a", "e", "f"]
    model.upsert([row("b", published=False)])
    assert shown(proxy) == ["a", "b", "e", "f"]
    model.remove(["e"])
    model.upsert([row("ab", published=False)])
    assert shown(proxy) == ["a", "ab", "b", "f"]


_TITLES = st.sampled_from(["alpha", "beta", "Beta", "gamma", "", "delta zeta"])
_ROWS = st.builds(lambda p, t, q, pub, err: ArticleSummary(p, title=t, quality=q, published=pub,
                                                           error="line 1: broken" if err else None),
                  st.sampled_from([f"{c}.md" for c in "abcdefghij"] + ["sub/k.md", "sub/l.md"]), _TITLES,
                  st.one_of(st.none(), st.integers(0, 100)), st.sampled_from([True, False, None]),
                  st.booleans())
_OPS = st.one_of(
    st.tuples(st.just("upsert"), st.lists(_ROWS, max_size=6)),
    st.tuples(st.just("remove"), st.lists(st.sampled_from([f"{c}.md" for c in "abcdefghij"]), max_size=3)),
    st.tuples(st.just("sort"), st.sampled_from(list(Column)), st.booleans()),
    st.tuples(st.just("filter"), st.sampled_from(["all", "unpublished", "published", "errors"]),
              st.sampled_from(["", "beta", "a", "sub/ l", "zeta"])),
    st.tuples(st.just("defer"), st.booleans()),
    st.tuples(st.just("prepare"), st.booleans()),
    st.tuples(st.just("land"), st.integers(0, 8)),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_OPS, min_size=1, max_size=20))
@example(ops=[("upsert", [ArticleSummary("a.md", title="beta"), ArticleSummary("b.md", title="gamma")]),
              ("prepare", True), ("upsert", [ArticleSummary("a.md", title="zeta")]), ("sort", Column.TITLE, False)])
def test_the_view_always_shows_what_the_slow_way_would(qapp, ops) -> None:  # type: ignore[no-untyped-def]
    pending: list[tuple] = []
    model = ArticleTableModel(background=lambda fn, *args, done: pending.append((fn, args, done)))
    proxy = QueueFilterProxy(model)
    model.sort(Column.DATE, Qt.SortOrder.DescendingOrder)
    rows: dict[str, ArticleSummary] = {}
    column, descending = int(Column.DATE), True
    for op in ops:
        if op[0] == "upsert":
            model.upsert(op[1])
            rows.update({s.path: s for s in op[1]})
        elif op[0] == "remove":
            model.remove(op[1])
            for path in op[1]:
                rows.pop(path, None)
        elif op[0] == "sort":
            column, descending = int(op[1]), op[2]
            model.sort(op[1], Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder)
        elif op[0] == "filter":
            proxy.set_quick_filter(op[1])
            proxy.set_text(op[2])
        elif op[0] == "defer":
            model.defer_sorting = op[1]
            if not op[1]:
                model.resort()
        elif op[0] == "prepare":
            model.prepare_orders()
            while op[1] and pending:  # ... and they all land at once
                fn, args, done = pending.pop(0)
                done(fn(*args))
        elif pending:  # a background sort lands, in its own time and order
            fn, args, done = pending.pop(op[1] % len(pending))
            done(fn(*args))
        if not model.unsorted:
            assert shown(proxy) == expected_rows(rows, column, descending, proxy.selection)
        else:
            assert sorted(shown(proxy)) == sorted(expected_rows(rows, column, descending, proxy.selection))


def test_cells_are_enabled_selectable_and_childless_through_the_proxy(qapp) -> None:
    model = ArticleTableModel()
    model.upsert([row("a.md"), row("b.md")])
    proxy = QueueFilterProxy(model)
    expected = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
    for m in (model, proxy):
        assert m.flags(m.index(1, int(Column.TITLE))) == expected
        assert m.flags(m.index(5, 0)) == Qt.ItemFlag.NoItemFlags  # no such row
    assert not proxy.flags(proxy.index(0, 0)) & Qt.ItemFlag.ItemIsEditable


def test_many_duplicate_changes_at_once_update_the_filtered_view_in_one_go(qapp) -> None:
    from app.queue.duplicate_groups import DuplicateGroup, DuplicateView

    model = ArticleTableModel()
    model.sort(Column.FILE, Qt.SortOrder.AscendingOrder)
    names = [f"{i:03d}.md" for i in range(300)]
    model.upsert([row(n) for n in names])
    proxy = QueueFilterProxy(model)
    proxy.set_quick_filter("duplicates")
    assert proxy.rowCount() == 0
    signals: list[str] = []
    proxy.dataChanged.connect(lambda *_: signals.append("data"))
    proxy.layoutChanged.connect(lambda *_: signals.append("layout"))
    pairs = {}
    for i in range(0, 200, 2):  # 100 pairs: 200 rows change at once
        group = DuplicateGroup("url", f"https://x.example/{i}", (names[i], names[i + 1]))
        pairs[names[i]] = pairs[names[i + 1]] = group
    changed = model.set_duplicates(DuplicateView({"url": pairs}))
    assert len(changed) == 200
    assert shown(proxy) == names[:200] and signals == ["layout"]
    # the same groups again: nothing changes, nothing is said
    signals.clear()
    assert model.set_duplicates(DuplicateView({"url": pairs})) == [] and signals == []
    # without a filter, many changes are one repaint
    proxy.set_quick_filter("all")
    signals.clear()
    assert len(model.set_duplicates(DuplicateView({}))) == 200
    assert signals == ["data"] and proxy.rowCount() == 300


def test_quick_counts_follow_every_change_of_the_rows(qapp) -> None:
    """The counts are kept between filter changes, never past a change of a row,
    a review state or the folder."""
    model = ArticleTableModel()
    model.upsert([row("a", published=True), row("b", published=False), row("c", published=False)])
    first = model.quick_counts()
    assert (first["all"], first["published"], first["unpublished"]) == (3, 1, 2)
    first["all"] = 99  # a caller's copy: changing it changes nothing
    assert model.quick_counts()["all"] == 3
    model.upsert([row("b", published=True)])
    assert model.counts() == (3, 2, 0)
    model.set_review({"a": "reviewed"})
    assert model.quick_counts()["needs_review"] == 2
    model.remove({"c"})
    assert model.quick_counts()["all"] == 2
    version = model.table.version
    model.clear()
    for n in range(version):  # as many changes as the old folder's table had
        model.upsert([row(f"x{n}", published=False)])
    assert model.table.version > version  # versions go on counting: none names two states
    assert model.counts() == (version, 0, 0) and model.quick_counts()["needs_review"] == version


def test_orders_sorted_for_the_last_folder_are_not_taken_for_the_next(qapp) -> None:
    """Another folder is opened while the old one's column orders are being
    prepared: they arrive after the clear and are dropped, and a header click
    sorts the new rows (the old ids would name other rows, or none)."""
    pending: list = []
    model = ArticleTableModel(background=lambda fn, *args, done: pending.append((fn, args, done)))
    model.sort(Column.FILE, Qt.SortOrder.AscendingOrder)
    model.upsert([row(f"old{i:04d}", title=f"T{i:04d}", quality=i % 100) for i in range(2000)])
    model.prepare_orders()
    assert pending
    model.clear()
    model.upsert([row(name, title=title) for name, title in (("c", "Alpha"), ("a", "Charlie"), ("b", "Bravo"))])
    for fn, args, done in pending:
        done(fn(*args))  # the old folder's orders land now
    model.sort(Column.TITLE, Qt.SortOrder.AscendingOrder)
    assert order(model) == ["c", "b", "a"]
    assert not model.unsorted


def test_a_batch_of_changed_rows_lands_where_a_full_sort_puts_it(qapp) -> None:
    """More rows than move one by one, fewer than a whole sort (the first rows of a
    scan, a batch of outside changes): all are placed at once, as a sort would."""
    import random

    from app.queue.table import sort_key

    rng = random.Random(5)
    for column, descending in ((Column.QUALITY, False), (Column.TITLE, True), (Column.PROVIDER, False)):
        model = ArticleTableModel()
        model.sort(column, Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder)
        held_path = None
        for batch in range(6):
            rows = [row(f"{rng.randrange(400):03d}.md", quality=rng.choice([None, *range(0, 101, 7)]),
                        title=rng.choice(["Alpha", "beta", "Gamma", "delta", ""]) + str(rng.randrange(5)),
                        provider=rng.choice(["P", "Q", "r", ""])) for _ in range(rng.randrange(9, 200))]
            rows = list({r.path: r for r in rows}.values())
            held = QPersistentModelIndex(model.index(0, Column.TITLE)) if model.rowCount() else None
            held_path = model.relpath_at(0) if held is not None else None
            model.upsert(rows)
            summaries = [model.summary(p) for p in model.paths()]
            expected = sorted(summaries, key=lambda s: sort_key(column, s), reverse=descending)
            assert order(model) == [s.path for s in expected], (column, batch)
            if held is not None:
                assert model.relpath_at(held.row()) == held_path
