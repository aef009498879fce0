"""Real sites in the window: a Hugo and a Jekyll site (files shaped like the
shared corpus, and a copy of the corpus itself) read with their profile in
every column, the pane and the status bar; File > Queue Settings changes the
profile in `.copydesk/config.toml`, touching only that line."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from app.article.frontmatter import load_article
from app.queue.profiles import HUGO
from tests.app.test_profiles import HUGO_DRAFT, HUGO_PAGE, JEKYLL_POST, changed_lines
from tests.conftest import CORPUS
from ui.queue_model import Column


@pytest.fixture
def hugo_site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    (site / "content" / "posts").mkdir(parents=True)
    (site / "hugo.toml").write_text('baseURL = "https://example.org/"\n')
    (site / "content" / "posts" / "highlight.md").write_text(HUGO_DRAFT)
    (site / "content" / "posts" / "performance.md").write_text(HUGO_PAGE)
    (site / "content" / "posts" / "_index.md").write_text("---\ntitle: Posts\n---\n")  # a section page: not a row
    return site


@pytest.fixture
def jekyll_site(tmp_path: Path) -> Path:
    site = tmp_path / "blog"
    (site / "_posts").mkdir(parents=True)
    (site / "_config.yml").write_text("title: Blog\n")
    (site / "_posts" / "2013-05-06-jekyll-1-0-0-released.markdown").write_text(JEKYLL_POST)
    (site / "_posts" / "2014-01-02-dated-by-name.md").write_text("---\ntitle: Dated by its name\n---\nBody.\n")
    (site / "_posts" / "2015-02-03-hidden.md").write_text("---\ntitle: Hidden\npublished: false\n---\nx\n")
    (site / "about.html").write_text("---\nlayout: page\ntitle: About\ndescription: Who we are.\n---\n<p>Us</p>\n")
    return site


def cells(window, relpath: str) -> dict[Column, str]:  # type: ignore[no-untyped-def]
    row = window.proxy.row_of_relpath(relpath)
    assert row >= 0, relpath
    return {column: window.proxy.index(row, column).data() for column in Column}


def select(qtbot, window, relpath: str) -> None:  # type: ignore[no-untyped-def]
    window.table.select_row(window.proxy.row_of_relpath(relpath))
    qtbot.waitUntil(lambda: window.detail.relpath == relpath and window.detail.article is not None, timeout=6000)


def test_a_hugo_site_in_the_window(qtbot, make_window, hugo_site: Path) -> None:
    window = make_window(hugo_site, rows=2)
    draft, page = "content/posts/highlight.md", "content/posts/performance.md"
    assert cells(window, draft)[Column.STATUS] == "Unpublished"  # draft: true
    assert cells(window, page)[Column.STATUS] == "Published"  # no draft: published
    assert cells(window, draft)[Column.DATE] == "2024-03-01 10:00"  # from `date`
    assert cells(window, page)[Column.DATE] == "2023-11-05"  # from `published`, Hugo's publishDate
    assert cells(window, draft)[Column.TOPICS] == "code, shortcodes, highlight"  # tags, categories, keywords
    assert "2 articles · 1 published · 0 errors" in window.counts_label.text()
    assert window.status.profile_button.text() == "Hugo site (detected)"
    assert "hugo.toml" in window.status.profile_button.toolTip()

    select(qtbot, window, page)
    assert window.detail.excerpt.text() == "How to find slow templates."  # summary before description
    select(qtbot, window, draft)
    assert window.detail.excerpt.text() == "Insert syntax-highlighted code into your content."
    assert "draft: false" in window.detail.published.toolTip()  # what P writes here
    other = window.detail._fact_labels["Other"].text()
    assert "draft" not in other and "tags" not in other and "linkTitle" in other  # mapped keys are not "other"

    before = (hugo_site / draft).read_text()
    qtbot.keyClick(window.table, Qt.Key.Key_P)
    qtbot.waitUntil(lambda: cells(window, draft)[Column.STATUS] == "Published", timeout=8000)
    assert changed_lines(before, (hugo_site / draft).read_text()) == [
        ("replace", ["draft: true\n"], ["draft: false\n"])]  # publishing a draft is one changed line
    assert load_article(hugo_site / draft, HUGO.mapping).published is True


def test_a_jekyll_site_in_the_window(qtbot, make_window, jekyll_site: Path) -> None:
    window = make_window(jekyll_site, rows=4)
    post = "_posts/2013-05-06-jekyll-1-0-0-released.markdown"
    assert cells(window, post)[Column.STATUS] == "Published"  # no `published`: Jekyll publishes it
    assert cells(window, "_posts/2015-02-03-hidden.md")[Column.STATUS] == "Unpublished"
    assert cells(window, post)[Column.DATE] == "2013-05-06 02:12"
    assert cells(window, "_posts/2014-01-02-dated-by-name.md")[Column.DATE] == "2014-01-02"  # from the file name
    assert cells(window, post)[Column.TOPICS] == "ruby, static-sites, release"  # `tags: a b` is two
    assert cells(window, "about.html")[Column.TITLE] == "About"  # .html front matter is read
    assert "4 articles · 3 published · 0 errors" in window.counts_label.text()
    assert window.status.profile_button.text() == "Jekyll site (detected)"
    select(qtbot, window, "about.html")
    assert window.detail.excerpt.text() == "Who we are."
    assert window.detail.excerpt.isVisible()
    select(qtbot, window, post)
    assert not window.detail.excerpt.isVisible()  # no excerpt: no empty line above the facts
    other = window.detail._fact_labels["Other"].text()
    assert "version: 1.0.0" in other and "date" not in other and "author" not in other
    before = (jekyll_site / post).read_bytes()
    qtbot.keyClick(window.table, Qt.Key.Key_P)  # already published: nothing to write
    qtbot.waitUntil(lambda: "already" in window.write_label.text(), timeout=8000)
    assert (jekyll_site / post).read_bytes() == before


def test_the_corpus_copy_opens_as_a_jekyll_queue(qtbot, make_window, tmp_path: Path) -> None:
    if not CORPUS.is_dir():
        pytest.skip("the shared corpus is not beside the checkout")
    site = tmp_path / "docs"
    shutil.copytree(CORPUS / "jekyll" / "docs", site)  # read-only corpus: edits only ever touch the copy
    for path in site.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    rows = sum(1 for p in site.rglob("*.md")) + sum(1 for p in site.rglob("*.markdown"))
    window = make_window(site, rows=rows)
    total, published, errors = window.model.counts()
    assert (total, errors) == (rows, 0) and published == rows  # no file of it says `published: false`
    dated = [window.model.summary(p) for p in window.model.paths() if p.startswith("_posts/")]
    assert dated and all(s.published_at[:4].isdigit() for s in dated)


def test_queue_settings_changes_the_profile_line_and_reloads(qtbot, make_window, tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "highlight.md").write_text(HUGO_DRAFT)  # Hugo-shaped, but no site to detect
    (folder / ".copydesk").mkdir()
    config = folder / ".copydesk" / "config.toml"
    config.write_text('# kept as it is\nexclude = ["drafts/"]\n\n[fields]\nquality = "score"\n')
    window = make_window(folder, rows=1)
    assert cells(window, "highlight.md")[Column.STATUS] == "Not set"  # the seed's schema: no `published`
    assert window.status.profile_button.text() == "News articles (the seed's schema) (default)"

    window.actions_by_name["queue_settings"].trigger()
    dialog = window.queue_settings_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=4000)
    assert dialog.chosen() == ""  # nothing chosen in the file: detect
    dialog.profile_combo.setCurrentIndex(dialog.profile_combo.findData("hugo"))
    assert "draft: true is unpublished" in dialog.description.text()
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: window.status.profile_button.text() == "Hugo site (from the config file)", timeout=8000)
    assert config.read_text() == ('# kept as it is\nprofile = "hugo"\nexclude = ["drafts/"]\n\n'
                                  '[fields]\nquality = "score"\n')
    qtbot.waitUntil(lambda: window.model.state("highlight.md") is not None
                    and cells(window, "highlight.md")[Column.STATUS] == "Unpublished", timeout=8000)

    window.status.profile_button.click()  # the status bar's profile opens the same dialog
    dialog = window.queue_settings_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=4000)
    assert dialog.chosen() == "hugo"
    dialog.reject()


def test_a_bad_config_file_is_said_and_nothing_is_written(qtbot, make_window, tmp_path: Path) -> None:
    folder = tmp_path / "q"
    (folder / ".copydesk").mkdir(parents=True)
    (folder / ".copydesk" / "config.toml").write_text('profile = "hugo"\n[fields]\nquality_range = [0, "x"]\n')
    (folder / "a.md").write_text("---\ntitle: A\ndraft: true\n---\n")
    window = make_window(folder, rows=1)
    assert window.status.profile_button.text().endswith("config file error")
    assert "config.toml:3:1: quality_range must be" in window.status.profile_button.toolTip()
    before = (folder / "a.md").read_bytes()
    qtbot.keyClick(window.table, Qt.Key.Key_P)
    qtbot.waitUntil(lambda: "Not saved" in window.write_label.text(), timeout=8000)
    assert (folder / "a.md").read_bytes() == before

    window.actions_by_name["queue_settings"].trigger()
    dialog = window.queue_settings_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=4000)
    assert "config.toml:3:1" in dialog.problem.text() and dialog.problem.isVisible()
    dialog.profile_combo.setCurrentIndex(dialog.profile_combo.findData("jekyll"))
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    # The file parses, so its profile line can change; the bad value is still named afterwards, and
    # until it is fixed the queue is read as it would be without the file.
    qtbot.waitUntil(lambda: (folder / ".copydesk" / "config.toml").read_text()
                    == 'profile = "jekyll"\n[fields]\nquality_range = [0, "x"]\n', timeout=8000)
    qtbot.waitUntil(lambda: window.queue is not None and window.queue.settings.config_path.exists()
                    and window.model.rowCount() == 1, timeout=8000)
    assert window.status.profile_button.text().endswith("config file error")
