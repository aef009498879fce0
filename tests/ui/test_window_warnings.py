"""Warnings and duplicates in the window: the title cell's badges, the pane's
warnings naming field and line, the picture-size warning once the picture is
loaded, the pane's copies (a click goes there, through a filter that hid it),
and groups that follow a file changed on disk."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.queue.selection import Selection
from tests.ui.images_support import picture_bytes
from tests.ui.test_window_facets import desk, news, settle, shown  # noqa: F401 (the fixture)
from ui.queue_model import Column


def _select(qtbot, window, relpath: str) -> None:  # type: ignore[no-untyped-def]
    row = window.table.row_of_relpath(relpath)
    assert row >= 0, relpath
    window.table.select_row(row)
    qtbot.waitUntil(lambda: window.detail.relpath == relpath and window.detail.article is not None, timeout=5000)


def _title_cell(window, relpath: str, role: Qt.ItemDataRole):  # type: ignore[no-untyped-def]
    return window.proxy.index(window.table.row_of_relpath(relpath), Column.TITLE).data(role)


def test_warnings_show_in_the_row_and_name_field_and_line_in_the_pane(qtbot, make_window, desk: Path) -> None:
    window = make_window(desk)
    qtbot.waitUntil(lambda: window.model.duplicates is not None, timeout=10_000)
    assert _title_cell(window, "a2.md", Qt.ItemDataRole.DecorationRole) is not None  # quality is missing
    assert _title_cell(window, "h3.md", Qt.ItemDataRole.DecorationRole) is None  # nothing to say
    assert "1 warning" in _title_cell(window, "a2.md", Qt.ItemDataRole.ToolTipRole)
    _select(qtbot, window, "a2.md")
    assert window.detail.warnings.isVisible()
    text = window.detail.warnings.text()
    line = next(n for n, t in enumerate((desk / "a2.md").read_text().splitlines(), start=1) if t.startswith("title"))
    assert "<b>quality</b>" in text and "quality is missing" in text
    assert f"(line {line})" in text  # a missing key points at the title, where it would go
    window.filters.apply(Selection().with_values("warnings", ["yes"]))
    settle(qtbot, window)
    assert shown(window) == ["a2.md", "h1.md", "h4.md"]  # a copy is a warning too


def test_a_story_filed_many_times_lists_five_copies_and_a_link_to_the_rest(qtbot, make_window,
                                                                           tmp_path: Path) -> None:
    folder = tmp_path / "wire"
    folder.mkdir()
    for n in range(9):  # one wire story, filed by nine feeds under one URL
        (folder / f"w{n}.md").write_text(news(f"Wire story as filed {n}", provider=f"Feed {n}", quality=10 + n,
                                              url="https://wire.example.com/story.html"))
    window = make_window(folder)
    qtbot.waitUntil(lambda: window.model.duplicates is not None, timeout=10_000)
    _select(qtbot, window, "w0.md")
    box = window.detail.copies_box
    qtbot.waitUntil(lambda: len(box.copies) == 8, timeout=5000)
    assert box.title() == "Copies (8)"
    text = box.list.text()
    assert text.count("href='copy:") == 5 and "Show 3 more" in text and "href='more'" in text
    box.list.linkActivated.emit("more")
    assert box.list.text().count("href='copy:") == 8 and "more" not in box.list.text()
    assert "quality 18" in box.list.text()  # the last one, listed now
    # Publishing the article refreshes its pane: the list stays open.
    window.auto_advance_action.setChecked(False)
    window.table.setFocus()
    QTest.keyClick(window.table, Qt.Key.Key_P)
    qtbot.waitUntil(lambda: window.model.summary("w0.md").published is True and not window.writer.busy,
                    timeout=5000)
    qtbot.wait(50)
    assert box.list.text().count("href='copy:") == 8
    target = box.copies[7].relpath
    box.list.linkActivated.emit("copy:7")
    assert window.table.current_relpath() == target
    qtbot.waitUntil(lambda: window.detail.relpath == target, timeout=5000)
    # The next article's copies are listed five at a time again.
    qtbot.waitUntil(lambda: box.list.text().count("href='copy:") == 5, timeout=5000)


def test_the_pane_lists_the_copies_and_a_click_goes_there(qtbot, make_window, desk: Path) -> None:
    window = make_window(desk)
    qtbot.waitUntil(lambda: window.model.duplicates is not None, timeout=10_000)
    assert "one of 2 copies" in _title_cell(window, "h1.md", Qt.ItemDataRole.ToolTipRole)
    window.filters.apply(Selection().with_range("quality", 30, 35))  # shows h1, hides its copy h4
    settle(qtbot, window)
    _select(qtbot, window, "h1.md")
    box = window.detail.copies_box
    assert box.isVisible() and box.title() == "Copies (1)"
    assert [c.relpath for c in box.copies] == ["h4.md"]
    assert "Heise copy of one" in box.list.text() and "quality 20" in box.list.text()
    assert "same URL as h4.md (https://heise.de/news/one.html)" in window.detail.warnings.text()
    box.list.linkActivated.emit("copy:0")
    assert window.table.current_relpath() == "h4.md"
    assert window.filters.wanted == Selection()  # the filter hid it: cleared to go there
    qtbot.waitUntil(lambda: window.detail.relpath == "h4.md", timeout=5000)
    assert [c.relpath for c in window.detail.copies_box.copies] == ["h1.md"]


def test_groups_follow_a_file_changed_on_disk(qtbot, make_window, desk: Path) -> None:
    window = make_window(desk)
    qtbot.waitUntil(lambda: window.model.duplicates is not None, timeout=10_000)
    window.set_quick_filter("duplicates")
    settle(qtbot, window)
    assert shown(window) == ["h1.md", "h4.md"]
    _select(qtbot, window, "h4.md")
    (desk / "h4.md").write_text(news("Heise copy of one", topics=("Security",), quality=20,
                                     url="https://heise.de/news/another.html"), encoding="utf-8")
    qtbot.waitUntil(lambda: shown(window) == [], timeout=10_000)
    window.set_quick_filter("all")
    assert _title_cell(window, "h1.md", Qt.ItemDataRole.DecorationRole) is None
    assert window.model.marks(window.model.table.id_of("h1.md")) == (0, 1)
    (desk / "h5.md").write_text(news("Heise security one again", url="https://www.heise.de/news/one.html#top"),
                                encoding="utf-8")
    qtbot.waitUntil(lambda: window.model.table.id_of("h5.md") is not None
                    and window.model.marks(window.model.table.id_of("h1.md"))[1] == 2, timeout=10_000)


def test_a_picture_whose_real_size_differs_from_the_declared_one_adds_a_warning(qtbot, make_window,
                                                                                 tmp_path: Path) -> None:
    folder = tmp_path / "pictures"
    folder.mkdir()
    (folder / "pic.png").write_bytes(picture_bytes(40, 30))
    text = news("With a picture").replace("---\n\nBody", "images:\n  - url: pic.png\n    width: 600\n"
                                                             "    height: 400\n---\n\nBody")
    (folder / "a.md").write_text(text, encoding="utf-8")
    (folder / "b.md").write_text(news("Right size").replace(
        "---\n\nBody", "images:\n  - url: pic.png\n    width: 40\n    height: 30\n---\n\nBody"), encoding="utf-8")
    window = make_window(folder)
    assert not window.model.extra_warnings
    _select(qtbot, window, "b.md")
    qtbot.waitUntil(lambda: window.detail.image_strip.tiles() and
                    window.detail.image_strip.tiles()[0].preview is not None, timeout=10_000)
    assert window.model.extra_warnings == {}
    _select(qtbot, window, "a.md")
    qtbot.waitUntil(lambda: "a.md" in window.model.extra_warnings, timeout=10_000)
    assert window.model.extra_warnings["a.md"][0].startswith("images[0]: declared 600 × 400, real 40 × 30")
    assert "<b>images[0]</b>" in window.detail.warnings.text()
    assert _title_cell(window, "a.md", Qt.ItemDataRole.DecorationRole) is not None
    window.filters.apply(Selection().with_values("warnings", ["yes"]))
    settle(qtbot, window)
    assert shown(window) == ["a.md"]


def test_the_window_s_own_warning_is_counted_like_the_file_s_after_a_decision_on_the_article(
        qtbot, make_window, tmp_path: Path) -> None:
    """A decision replaces the row: the picture-size warning is found again (the pane's pictures
    load again), and the row still counts it, so the badge and the warnings filter keep it."""
    folder = tmp_path / "pictures"
    folder.mkdir()
    (folder / "pic.png").write_bytes(picture_bytes(40, 30))
    (folder / "a.md").write_text(news("With a picture").replace(
        "---\n\nBody", "images:\n  - url: pic.png\n    width: 600\n    height: 400\n---\n\nBody"), encoding="utf-8")
    window = make_window(folder)
    _select(qtbot, window, "a.md")
    qtbot.waitUntil(lambda: "a.md" in window.model.extra_warnings, timeout=10_000)
    row_id = window.model.table.id_of("a.md")
    counted = int(window.model.table.warned[row_id])
    assert counted >= 1
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_Space)  # a decision: the row is replaced by the written one
    qtbot.waitUntil(lambda: window.model.summary("a.md") is not None
                    and window.model.summary("a.md").published is True, timeout=10_000)
    qtbot.waitUntil(lambda: "a.md" in window.model.extra_warnings, timeout=10_000)
    assert int(window.model.table.warned[row_id]) == counted  # never the pane saying one thing, the row another
