"""The detail pane's Body tab, and colours that follow the palette: with a dark
Fusion palette every text the window colours itself reads at WCAG AA."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtCore import QLocale, Qt
from PySide6.QtGui import QColor, QFontDatabase, QPalette
from PySide6.QtWidgets import QApplication

from app.article.body import load_body
from app.article.summary import ArticleSummary
from tests.ui.conftest import write_article
from ui import palette
from ui.body_view import BODY_SHOWN_CHARS
from ui.detail_pane import DetailPane
from ui.queue_model import Column

UI = Path(__file__).resolve().parents[2] / "ui"


def body_tab(window):  # type: ignore[no-untyped-def]
    return window.detail.tabs.indexOf(window.detail.body)


def test_the_body_tab_shows_the_text_after_the_front_matter(qtbot, make_window, queue_folder: Path) -> None:
    (queue_folder / "z.md").write_text("---\ntitle: Zed\npublished: false\n---\n# Heading\n\n<script>x</script>\n"
                                       "![a picture](p.png)\n", encoding="utf-8")
    window = make_window(queue_folder)
    body = window.detail.body
    qtbot.waitUntil(lambda: window.detail.article is not None, timeout=6000)
    assert body.loaded_path is None  # not shown, not read: paging with J/K reads no bodies
    window.table.select_row(window.proxy.row_of_relpath("z.md"))
    window.detail.tabs.setCurrentIndex(body_tab(window))
    qtbot.waitUntil(lambda: body.loaded_path == queue_folder / "z.md", timeout=6000)
    assert body.text.toPlainText() == "# Heading\n\n<script>x</script>\n![a picture](p.png)\n"  # as written
    assert body.text.isReadOnly() and body.text.font() == QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    assert body.text.document().toHtml().count("<script>") == 0  # plain text: never rendered as markup
    # The next article's body follows while the tab is shown; a change on disk is read again.
    window.table.select_row(window.proxy.row_of_relpath("e.md"))
    qtbot.waitUntil(lambda: body.loaded_path == queue_folder / "e.md", timeout=6000)
    assert body.text.toPlainText() == "\nBody of Article E.\n"
    write_article(queue_folder, "e.md", title="Article E", quality=95, day=5)
    (queue_folder / "e.md").write_text((queue_folder / "e.md").read_text() + "More.\n")
    qtbot.waitUntil(lambda: body.text.toPlainText().endswith("More.\n"), timeout=8000)


def test_a_huge_body_is_capped_and_a_yaml_file_has_none(qtbot, tmp_path: Path) -> None:
    folder = tmp_path / "big"
    folder.mkdir()
    (folder / "big.md").write_text("---\ntitle: Big\n---\n" + "x" * (BODY_SHOWN_CHARS + 5000), encoding="utf-8")
    (folder / "plain.yaml").write_text("title: Plain\n", encoding="utf-8")
    pane = DetailPane()
    qtbot.addWidget(pane)
    pane.show()
    pane.tabs.setCurrentIndex(pane.tabs.indexOf(pane.body))
    pane.body.show_file(folder / "big.md")
    qtbot.waitUntil(lambda: pane.body.loaded_path == folder / "big.md", timeout=10_000)
    shown = pane.body.text.toPlainText().replace("\n\u200b\u21aa ", "")  # the view folds the one long line
    assert shown.startswith("x" * 1000) and f"{QLocale().toString(5000)} more characters" in shown
    assert "text editor" in shown
    assert len(shown) < BODY_SHOWN_CHARS + 200
    pane.body.show_file(folder / "plain.yaml")
    qtbot.waitUntil(lambda: pane.body.loaded_path == folder / "plain.yaml", timeout=6000)
    assert pane.body.text.toPlainText() == "" and "all front matter" in pane.body.note.text()


def test_load_body_finds_the_body_without_parsing(tmp_path: Path) -> None:
    broken = tmp_path / "b.md"
    broken.write_bytes(b"---\r\ntitle: [unclosed\r\n---\r\nThe body.\r\n")
    body = load_body(broken)
    assert body.text == "The body.\r\n" and body.line == 4  # type: ignore[union-attr]
    (tmp_path / "none.md").write_text("no front matter\n")
    assert "no front matter" in load_body(tmp_path / "none.md").message  # type: ignore[union-attr]
    assert load_body(tmp_path / "gone.md").message  # type: ignore[union-attr]


# --- colours ----------------------------------------------------------------------------

@pytest.fixture(params=["dark", "light"])
def fusion(request, qapp):  # type: ignore[no-untyped-def]
    """The application in Fusion with a dark (or Fusion's own light) palette, restored afterwards."""
    app = QApplication.instance()
    style, old = app.style().name(), QPalette(app.palette())
    app.setStyle("Fusion")
    app.setPalette(palette.dark_palette() if request.param == "dark" else app.style().standardPalette())
    yield request.param
    app.setStyle(style)
    app.setPalette(old)


def test_no_colour_is_hard_coded_in_the_shell() -> None:
    found = []
    for path in UI.rglob("*.py"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("  #")[0]
            if re.search(r"""["'][^"']*#[0-9a-fA-F]{3,8}\b|QColor\(|\brgba?\(|Qt\.GlobalColor\.(?!transparent|white|black)""",
                         code):
                found.append(f"{path.relative_to(UI.parent)}:{number}: {line.strip()}")
    assert found == [], "\n".join(found)


def test_the_marked_error_line_reads_on_the_palette(qtbot, fusion: str, tmp_path: Path) -> None:
    path = tmp_path / "broken.md"
    path.write_text("---\ntitle: Fine\nquality: [5\n---\n", encoding="utf-8")
    pane = DetailPane()
    qtbot.addWidget(pane)
    pane.resize(700, 600)
    pane.show()
    summary = ArticleSummary("broken.md", error="line 3, column 10: YAML error", error_line=3, error_column=10)
    pane.show_summary(summary, tmp_path, pending={})
    from app.article.frontmatter import load_article
    from ui.raw_text import build_raw_text

    result = load_article(path)
    pane.show_article("broken.md", result, build_raw_text(path.read_text(), pane.raw.font()))
    marked = pane.raw.extraSelections()
    assert len(marked) == 1 and marked[0].cursor.blockNumber() == result.line - 1  # type: ignore[union-attr]
    background = marked[0].format.background().color()
    text = pane.raw.palette().color(QPalette.ColorRole.Text)
    assert palette.contrast(text, background) >= 4.5, (fusion, text.name(), background.name())
    assert background != pane.raw.palette().color(QPalette.ColorRole.Base)  # it is marked at all
    # What is painted is that colour: the marked line's row, right of its text, in a grab of the view.
    qtbot.waitUntil(lambda: pane.raw.isVisible(), timeout=4000)
    image = pane.raw.viewport().grab().toImage()
    rect = pane.raw.cursorRect(marked[0].cursor)
    assert image.pixelColor(image.width() - 10, rect.center().y()).name() == background.name()
    # The banner, its badge and the decision's notes read too.
    tones = palette.tones()
    for pair in (tones.error_banner, tones.warning_banner, *tones.badges.values()):
        assert palette.contrast(pair.text, pair.background) >= 4.5, (fusion, pair)
    assert pane.status_pill.text() == "Error"
    assert tones.badge("error").background.name() in pane.status_pill.styleSheet()


def test_rows_and_links_read_on_the_palette(qtbot, fusion: str, make_window, queue_folder: Path) -> None:
    (queue_folder / "untitled.md").write_text("---\npublished: false\n---\n", encoding="utf-8")
    window = make_window(queue_folder)
    colors = window.table.palette()
    backgrounds = (colors.color(QPalette.ColorRole.Base), colors.color(QPalette.ColorRole.AlternateBase))

    def foreground(relpath: str, column: Column) -> QColor:
        brush = window.proxy.index(window.proxy.row_of_relpath(relpath), column).data(Qt.ItemDataRole.ForegroundRole)
        return brush.color() if brush is not None else colors.color(QPalette.ColorRole.Text)

    for relpath, column in (("broken.md", Column.TITLE), ("e.md", Column.DATE), ("untitled.md", Column.TITLE)):
        for background in backgrounds:
            assert palette.contrast(foreground(relpath, column), background) >= 4.5, (fusion, relpath, column)
    assert window.proxy.index(window.proxy.row_of_relpath("untitled.md"), Column.TITLE).data() == "untitled.md"
    assert foreground("untitled.md", Column.TITLE) == palette.tones().muted  # the file name, dimmed
    assert palette.contrast(palette.tones().pending_text, colors.color(QPalette.ColorRole.Window)) >= 4.5
    link = window.detail.palette().color(QPalette.ColorRole.Link)
    assert palette.contrast(link, window.detail.palette().color(QPalette.ColorRole.Window)) >= 4.5
    for kind in ("published", "unpublished", "unset", "error", "pending", "failed"):  # icons: non-text contrast
        assert palette.contrast(palette.tones().icons[kind], backgrounds[0]) >= 3.0, kind


def test_a_palette_change_restyles_what_is_shown(qtbot, qapp, make_window, queue_folder: Path) -> None:
    window = make_window(queue_folder)
    light_badge = window.detail.status_pill.styleSheet()
    app = QApplication.instance()
    old = QPalette(app.palette())
    try:
        app.setPalette(palette.dark_palette())
        qtbot.waitUntil(lambda: window.detail.status_pill.styleSheet() != light_badge, timeout=4000)
        assert palette.tones().dark
        assert palette.tones().badge("unpublished").background.name() in window.detail.status_pill.styleSheet()
    finally:
        app.setPalette(old)


def test_the_selected_rows_status_icon_reads_on_the_highlight(qtbot, fusion: str, make_window,
                                                               queue_folder: Path) -> None:
    window = make_window(queue_folder)  # every article in it is unpublished (a grey ring)
    window.resize(1000, 600)
    window.table.select_row(window.proxy.row_of_relpath("c.md"))
    qtbot.waitUntil(lambda: window.current_relpath() == "c.md", timeout=4000)
    window.table.setFocus()
    qtbot.waitUntil(window.table.hasFocus, timeout=4000)
    highlight = window.table.palette().color(QPalette.ColorRole.Highlight)
    index = window.proxy.index(window.proxy.row_of_relpath("c.md"), Column.STATUS)
    rect = window.table.visualRect(index)
    image = window.table.viewport().grab().toImage()
    ratio = image.devicePixelRatio()
    # The icon is the left end of the cell: its most contrasting pixel is the ring itself.
    best = max(palette.contrast(image.pixelColor(int(x * ratio), int(y * ratio)), highlight)
               for x in range(rect.left() + 1, rect.left() + 24) for y in range(rect.top() + 2, rect.bottom() - 1))
    painted = image.pixelColor(int((rect.right() - 2) * ratio), int(rect.center().y() * ratio))
    assert palette.contrast(painted, highlight) < 1.1, (painted.name(), highlight.name())  # the row is highlighted
    assert best >= palette.AA_GRAPHICS, (fusion, best)


def test_a_short_text_gets_its_document_where_it_is_shown_and_a_long_one_off_the_gui_thread(qtbot) -> None:
    import threading

    from PySide6.QtCore import QCoreApplication
    from PySide6.QtGui import QFont

    from ui.raw_text import BUILD_AWAY_FROM, RawTextView, build_raw_text

    built = {}
    short_text = "title: Short\nquality: 5\n"
    long_text = "excerpt: " + "word " * (BUILD_AWAY_FROM // 5) + "\n"
    worker = threading.Thread(target=lambda: built.update(short=build_raw_text(short_text, QFont()),
                                                          long=build_raw_text(long_text, QFont())))
    worker.start()
    worker.join()
    assert built["short"].document is None  # no Qt object was made on the worker
    gui = QCoreApplication.instance().thread()
    assert built["long"].document.thread() is gui  # made there, handed to the GUI thread
    view = RawTextView()
    qtbot.addWidget(view)
    view.show_raw(built["short"])
    assert view.toPlainText() == short_text and view.document().thread() is gui
    view.show_raw(built["long"])
    assert view.toPlainText().replace("\u200b\u21aa ", "").replace("\n", "") == long_text.replace("\n", "")
