"""Real sites: each profile on files shaped like the shared corpus, the queue's
config file, detection, and the one editor writing through the mapping."""
from __future__ import annotations

import difflib
import pickle
import shutil
from pathlib import Path

import pytest

from app.article.frontmatter import load_article
from app.article.mapping import DEFAULT_MAPPING, FieldMapping
from app.article.model import Article, ArticleError
from app.decisions import Change, Decision, FileTarget, decide
from app.queue import ReviewQueue
from app.queue.config import ConfigProblem, load_queue_settings, settings_for_file, write_profile_choice
from app.queue.index import default_index_path
from app.queue.profiles import HUGO, JEKYLL, PROFILES, detect_site
from app.queue.scan import CheckRunner
from tests.app.queue_support import Collector, watched_queue
from tests.conftest import CORPUS


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


# Shaped like hugodocs/content (keys, order, flow lists, `params`), plus a draft.
HUGO_DRAFT = """---
title: Highlight shortcode
linkTitle: Highlight
description: Insert syntax-highlighted code into your content.
categories: [shortcodes]
keywords: [highlight]
tags:
  - code
  - shortcodes
date: 2024-03-01T10:00:00Z
draft: true
params:
  searchable: false
---

The `highlight` shortcode calls the [`transform.Highlight`][] function.
"""
HUGO_PAGE = """---
title: Performance
summary: How to find slow templates.
description: Tools and techniques to find what slows a build.
published: 2023-11-05
authors: [bep, jmooring]
---

Body.
"""
# Shaped like jekyll/docs/_posts.
JEKYLL_POST = """---
title: "Jekyll 1.0.0 Released"
date: "2013-05-06 02:12:52 +0200"
author: parkr
version: 1.0.0
category: release
tags: ruby static-sites
---

Hey! After many months of hard work by Jekyll's contributors...
"""


def changed_lines(before: str, after: str) -> list[tuple[str, list[str], list[str]]]:
    a, b = before.splitlines(keepends=True), after.splitlines(keepends=True)
    return [(tag, a[i1:i2], b[j1:j2]) for tag, i1, i2, j1, j2 in
            difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes() if tag != "equal"]


@pytest.fixture
def hugo_site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    (site / "content" / "posts").mkdir(parents=True)
    (site / "layouts" / "_default").mkdir(parents=True)
    (site / "hugo.toml").write_text('baseURL = "https://example.org/"\ntitle = "Example"\n')
    (site / "content" / "posts" / "highlight.md").write_text(HUGO_DRAFT)
    (site / "content" / "posts" / "performance.md").write_text(HUGO_PAGE)
    (site / "content" / "posts" / "_index.md").write_text("---\ntitle: Posts\n---\n")
    (site / "content" / "LICENSE.md").write_text("Apache License\n")  # no front matter, as in the corpus
    (site / "layouts" / "_default" / "single.md").write_text("not content\n")
    (site / "README.md").write_text("# The site\n")
    return site


@pytest.fixture
def jekyll_site(tmp_path: Path) -> Path:
    site = tmp_path / "blog"
    (site / "_posts").mkdir(parents=True)
    (site / "_layouts").mkdir()
    (site / "_config.yml").write_text("title: Blog\n")
    (site / "_posts" / "2013-05-06-jekyll-1-0-0-released.markdown").write_text(JEKYLL_POST)
    (site / "_posts" / "2014-01-02-dated-by-name.md").write_text("---\ntitle: Dated by its name\n---\nx\n")
    (site / "_posts" / "2015-02-03-hidden.md").write_text("---\ntitle: Hidden\npublished: false\n---\nx\n")
    (site / "about.html").write_text("---\nlayout: page\ntitle: About\n---\n<p>About us</p>\n")
    (site / "_layouts" / "default.html").write_text("<html>{{ content }}</html>\n")
    return site


def scanned(folder: Path, **kwargs: object) -> ReviewQueue:
    queue = ReviewQueue(folder, **kwargs)  # type: ignore[arg-type]
    queue.scan()
    queue.stop()
    return queue


# --- Hugo -------------------------------------------------------------------------

def test_a_hugo_site_is_detected_and_typed_through_draft(hugo_site: Path) -> None:
    queue = scanned(hugo_site)
    assert queue.settings.name == "hugo" and queue.settings.source == "detected"
    rows = {row.path: row for row in queue.summaries()}
    # Section pages, the licence, layouts and the README are not articles of a Hugo queue.
    assert sorted(rows) == ["content/posts/highlight.md", "content/posts/performance.md"]
    draft, page = rows["content/posts/highlight.md"], rows["content/posts/performance.md"]
    assert draft.published is False and page.published is True  # no `draft`: published
    assert draft.published_at == "2024-03-01T10:00:00Z"
    assert draft.topics == ("code", "shortcodes", "highlight")  # tags, categories, keywords; each once
    assert page.published_at == "2023-11-05"  # `published` is a date in Hugo
    assert page.excerpt == "How to find slow templates."  # summary before description
    assert page.provider == "bep, jmooring"
    article = load_article(hugo_site / "content/posts/performance.md", queue.mapping)
    assert isinstance(article, Article)
    assert article.extra["description"].startswith("Tools")  # not chosen, so still shown
    assert "published" not in article.extra and "draft" not in article.extra


def test_publishing_a_hugo_draft_changes_one_line(hugo_site: Path) -> None:
    queue = scanned(hugo_site)
    path = hugo_site / "content/posts/highlight.md"
    before = path.read_text()
    [outcome] = decide(queue, Decision.one("content/posts/highlight.md", {"published": True}, {"published": False}))
    assert outcome.status == "written", outcome.message
    after = path.read_text()
    assert changed_lines(before, after) == [("replace", ["draft: true\n"], ["draft: false\n"])]
    assert "published" not in after  # never a boolean in Hugo's date alias
    assert outcome.row.published is True and outcome.disk == {"published": True, "quality": None}
    assert outcome.previous == {"published": False}  # a meaning, as typed
    assert "draft: false" in outcome.message


def test_unpublishing_a_hugo_page_inserts_draft_true(hugo_site: Path) -> None:
    queue = scanned(hugo_site)
    path = hugo_site / "content/posts/performance.md"
    before = path.read_text()
    [outcome] = decide(queue, Decision.one("content/posts/performance.md", {"published": False}))
    assert outcome.status == "written"
    assert changed_lines(before, path.read_text()) == [("insert", [], ["draft: true\n"])]
    assert "published: 2023-11-05\n" in path.read_text()  # the date alias is untouched
    assert outcome.previous == {"published": None}  # the key was missing
    # And publishing it again is one line back: draft: true -> false.
    [again] = decide(queue, Decision.one("content/posts/performance.md", {"published": True}))
    assert again.status == "written" and "draft: false\n" in path.read_text()


def test_a_draft_that_is_not_a_boolean_is_a_warning_naming_the_key(hugo_site: Path) -> None:
    (hugo_site / "content/posts/odd.md").write_text("---\ntitle: Odd\ndraft: maybe\n---\n")
    row = scanned(hugo_site).get("content/posts/odd.md")
    assert row is not None and row.published is None
    assert row.warnings == ("published: draft is maybe, expected true or false",)
    assert dict(row.invalid) == {"published": "maybe"}


# --- Jekyll -----------------------------------------------------------------------

def test_a_jekyll_post_without_published_is_published(jekyll_site: Path) -> None:
    queue = scanned(jekyll_site)
    assert queue.settings.name == "jekyll"
    rows = {row.path: row for row in queue.summaries()}
    assert sorted(rows) == ["_posts/2013-05-06-jekyll-1-0-0-released.markdown", "_posts/2014-01-02-dated-by-name.md",
                            "_posts/2015-02-03-hidden.md", "about.html"]  # layouts excluded, .html included
    post = rows["_posts/2013-05-06-jekyll-1-0-0-released.markdown"]
    assert post.published is True and post.title == "Jekyll 1.0.0 Released"
    assert post.published_at == "2013-05-06 02:12:52 +0200" and post.provider == "parkr"
    assert post.topics == ("ruby", "static-sites", "release") and post.category == "release"
    assert rows["_posts/2014-01-02-dated-by-name.md"].published_at == "2014-01-02"  # from the file name
    assert rows["_posts/2015-02-03-hidden.md"].published is False
    assert rows["about.html"].title == "About" and rows["about.html"].error is None


def test_deciding_on_jekyll_posts_speaks_of_meanings(jekyll_site: Path) -> None:
    queue = scanned(jekyll_site)
    post = jekyll_site / "_posts/2013-05-06-jekyll-1-0-0-released.markdown"
    before = post.read_text()
    rel = "_posts/2013-05-06-jekyll-1-0-0-released.markdown"
    [already] = decide(queue, Decision.one(rel, {"published": True}, {"published": True}))
    assert already.status == "already" and post.read_text() == before  # missing means published: nothing to add
    [hidden] = decide(queue, Decision.one(rel, {"published": False}, {"published": True}))
    assert hidden.status == "written"
    assert changed_lines(before, post.read_text()) == [("insert", [], ["published: false\n"])]


def test_set_on_a_file_uses_its_queues_profile(hugo_site: Path) -> None:
    path = hugo_site / "content/posts/highlight.md"
    before = path.read_text()
    [outcome] = decide(FileTarget(), Decision.one(str(path), {"published": True}, source="cli"))
    assert outcome.status == "written"
    assert changed_lines(before, path.read_text()) == [("replace", ["draft: true\n"], ["draft: false\n"])]


def test_set_on_many_files_of_two_sites_writes_each_through_its_own_profile(tmp_path: Path,
                                                                            hugo_site: Path) -> None:
    # Enough files for the helper processes, in runs that alternate between the
    # two queues: each file is written under its own queue's mapping.
    plain = tmp_path / "plain"
    plain.mkdir()
    paths: list[Path] = []
    for i in range(8):
        draft = hugo_site / "content" / "posts" / f"draft{i}.md"
        draft.write_text(HUGO_DRAFT)
        page = plain / f"page{i}.md"
        page.write_text(f"---\ntitle: Page {i}\npublished: false\n---\nBody.\n")
        paths += [draft, draft.with_name(f"also{i}.md"), page] if i % 3 == 0 else [draft, page]
    for path in paths:
        if not path.exists():
            path.write_text(HUGO_DRAFT)
    before = {path: path.read_text() for path in paths}
    outcomes = decide(FileTarget(), Decision(tuple(Change(str(path), {"published": True}) for path in paths),
                                             source="cli"))
    assert [o.status for o in outcomes] == ["written"] * len(paths)
    for path in paths:
        wanted = ("draft: true\n", "draft: false\n") if path.is_relative_to(hugo_site) \
            else ("published: false\n", "published: true\n")
        assert changed_lines(before[path], path.read_text()) == [("replace", [wanted[0]], [wanted[1]])], path


def test_a_site_inside_a_bigger_git_working_copy_is_still_that_site(tmp_path: Path, hugo_site: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".git").mkdir()
    site = repo / "docs" / "site"
    shutil.copytree(hugo_site, site)
    path = site / "content/posts/highlight.md"
    before = path.read_text()
    [outcome] = decide(FileTarget(), Decision.one(str(path), {"published": True}, source="cli"))
    assert outcome.status == "written"
    assert changed_lines(before, path.read_text()) == [("replace", ["draft: true\n"], ["draft: false\n"])]
    settings = settings_for_file(site / "README.md")
    assert settings.name == "hugo" and settings.folder == site and not settings.rules.is_article("README.md")
    # With a config file at the top of the working copy, that is the queue; its profile is still detected.
    config(repo, 'exclude = ["docs/site/content/posts/performance.md"]\n')
    settings = settings_for_file(path)
    assert settings.folder == repo and settings.name == "hugo" and settings.source == "detected"
    assert settings.rules.is_article("docs/site/content/posts/highlight.md")
    assert not settings.rules.is_article("docs/site/content/posts/performance.md")


# --- .html front matter -------------------------------------------------------------

def test_html_is_front_matter_never_plain_yaml(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text("---\ntitle: A page\n---\n<h1>Hello</h1>\n")
    article = load_article(page)
    assert isinstance(article, Article) and article.title == "A page"
    [outcome] = decide(FileTarget(), Decision.one(str(page), {"quality": 40}))
    assert outcome.status == "written", outcome.message
    assert page.read_text() == "---\ntitle: A page\nquality: 40\n---\n<h1>Hello</h1>\n"
    bare = tmp_path / "bare.html"
    bare.write_text("<html></html>\n")
    error = load_article(bare)
    assert isinstance(error, ArticleError) and "no front matter" in error.message
    # A seed-shaped queue does not list .html; a config saying `html = true` does.
    assert [r.path for r in scanned(tmp_path).summaries()] == []
    (tmp_path / ".copydesk").mkdir()
    (tmp_path / ".copydesk/config.toml").write_text("html = true\n")
    assert [r.path for r in scanned(tmp_path).summaries()] == ["bare.html", "page.html"]


def test_toml_front_matter_is_named(tmp_path: Path) -> None:
    page = tmp_path / "toml.md"
    page.write_text('+++\ntitle = "TOML"\n+++\nbody\n')
    error = load_article(page)
    assert isinstance(error, ArticleError) and "TOML front matter (+++) is not supported" in error.message


# --- the config file ------------------------------------------------------------------

def config(folder: Path, text: str) -> Path:
    (folder / ".copydesk").mkdir(exist_ok=True)
    path = folder / ".copydesk" / "config.toml"
    path.write_text(text)
    return path


def test_a_config_maps_keys_inversion_missing_and_range(tmp_path: Path) -> None:
    config(tmp_path, '[fields]\npublished = "approved"\npublished_missing = "unpublished"\n'
                     'quality = "score"\nquality_range = [1, 5]\ntitle = ["headline", "title"]\n'
                     'topics = "labels"\n')
    (tmp_path / "a.md").write_text("---\nheadline: Big news\ntitle: small\nlabels: [x, y]\nscore: 4\n---\n")
    (tmp_path / "b.md").write_text("---\ntitle: B\nscore: 9\n---\n")
    queue = scanned(tmp_path)
    a, b = queue.get("a.md"), queue.get("b.md")
    assert a is not None and b is not None
    assert (a.title, a.published, a.quality, a.topics) == ("Big news", False, 4, ("x", "y"))
    assert b.quality is None and b.warnings == ("quality: score is 9, outside 1 to 5",)
    refused = queue.write("b.md", {"quality": 6})
    assert refused.status == "failed" and "from 1 to 5" in refused.message
    assert queue.write("b.md", {"quality": 5, "published": True}).status == "written"
    assert (tmp_path / "b.md").read_text() == "---\ntitle: B\nscore: 5\napproved: true\n---\n"


@pytest.mark.parametrize(("text", "line", "column", "words"), [
    ('profile = "hugo"\nexclude = ["a",\n', 3, 1, "at the end of the file"),
    ('profile = hugo\n', 1, 11, "Invalid value"),
    ('profile = "hugoo"\n', 1, 1, "profile must be one of news, hugo, jekyll"),
    ('exclude = ["x"]\n\n[fields]\nquality_range = [0, 500]\n', 4, 1, "quality_range must be"),
    ('[fields]\n  publishd = "draft"\n', 2, 3, "unknown field setting 'publishd'"),
    ('html = "yes"\n', 1, 1, "html must be true or false"),
])
def test_a_bad_config_is_a_message_with_line_and_column(tmp_path: Path, text: str, line: int, column: int,
                                                        words: str) -> None:
    path = config(tmp_path, text)
    settings = load_queue_settings(tmp_path)
    assert settings.error is not None
    assert settings.error.describe().startswith(f"{path}:{line}:{column}: "), settings.error.describe()
    assert words in settings.error.message


def test_a_queue_with_a_bad_config_is_listed_with_defaults_and_writes_nothing(hugo_site: Path) -> None:
    config(hugo_site, 'profile = "jekyll"\nexclude = 3\n')
    queue = scanned(hugo_site)
    assert queue.settings.error is not None and queue.settings.name == "hugo"  # what it would be without the file
    assert any("config.toml:2:1: exclude must be a list" in n and "no decision is written" in n
               for n in queue.notices)
    path = hugo_site / "content/posts/highlight.md"
    before = path.read_bytes()
    result = queue.write("content/posts/highlight.md", {"published": True})
    assert result.status == "failed" and "config.toml:2:1" in result.message
    [outcome] = decide(FileTarget(), Decision.one(str(path), {"published": True}))
    assert outcome.status == "failed" and "config.toml:2:1" in outcome.message
    assert path.read_bytes() == before


def test_excludes_add_to_the_profiles_and_can_replace_them(hugo_site: Path) -> None:
    (hugo_site / "content/posts/drafts").mkdir()
    (hugo_site / "content/posts/drafts/wip.md").write_text("---\ntitle: WIP\n---\n")
    config(hugo_site, 'exclude = ["content/posts/drafts/", "performance.*"]\n')
    assert [r.path for r in scanned(hugo_site).summaries()] == ["content/posts/highlight.md"]
    config(hugo_site, 'profile = "hugo"\ndefault_excludes = false\nexclude = ["layouts/**"]\n')
    assert [r.path for r in scanned(hugo_site).summaries()] == [
        "README.md", "content/LICENSE.md", "content/posts/_index.md", "content/posts/drafts/wip.md",
        "content/posts/highlight.md", "content/posts/performance.md"]


def test_write_profile_choice_touches_only_its_line(hugo_site: Path) -> None:
    path = config(hugo_site, "# our site\r\n\r\nexclude = [\"x\"]  # keep\r\n[fields]\r\nquality = \"score\"\r\n")
    before = path.read_bytes()
    settings = write_profile_choice(hugo_site, "jekyll")
    assert settings.name == "jekyll" and settings.source == "config file"
    assert path.read_bytes() == before.replace(b"exclude", b'profile = "jekyll"\r\nexclude', 1)
    write_profile_choice(hugo_site, "news")
    assert path.read_bytes() == before.replace(b"exclude", b'profile = "news"\r\nexclude', 1)
    settings = write_profile_choice(hugo_site, None)  # back to detection
    assert path.read_bytes() == before and settings.source == "detected" and settings.name == "hugo"
    path.write_text('profile = "news"\nexclude = [\n')  # broken: refused, not rewritten
    with pytest.raises(ConfigProblem):
        write_profile_choice(hugo_site, "hugo")
    assert path.read_text() == 'profile = "news"\nexclude = [\n'


def test_write_profile_choice_creates_the_file(tmp_path: Path) -> None:
    settings = write_profile_choice(tmp_path, "hugo")
    assert settings.name == "hugo" and settings.config_found
    text = (tmp_path / ".copydesk" / "config.toml").read_text()
    assert text.startswith("#") and text.endswith('profile = "hugo"\n')


# --- detection --------------------------------------------------------------------------

def test_detection(tmp_path: Path, hugo_site: Path, jekyll_site: Path) -> None:
    assert detect_site(hugo_site).profile == "hugo"  # type: ignore[union-attr]
    assert detect_site(jekyll_site / "_posts").profile == "jekyll"  # type: ignore[union-attr]
    old = tmp_path / "old-hugo"
    (old / "content").mkdir(parents=True)
    (old / "config.toml").write_text("")
    assert detect_site(old).evidence == "config.toml with content/"  # type: ignore[union-attr]
    stray = tmp_path / "stray"
    stray.mkdir()
    (stray / "config.toml").write_text("")  # config.toml alone says nothing
    assert detect_site(stray) is None
    posts_only = tmp_path / "posts-only"
    (posts_only / "_posts").mkdir(parents=True)
    assert detect_site(posts_only).profile == "jekyll"  # type: ignore[union-attr]


def test_a_sites_content_folder_opened_alone_is_still_hugo(hugo_site: Path) -> None:
    queue = scanned(hugo_site / "content")
    assert queue.settings.name == "hugo" and queue.settings.rules.prefix == "content/"
    assert [r.path for r in queue.summaries()] == ["posts/highlight.md", "posts/performance.md"]


def test_the_corpus_reads_as_its_sites() -> None:
    if not CORPUS.is_dir():
        pytest.skip("the shared corpus is not beside the checkout")
    jekyll = load_queue_settings(CORPUS / "jekyll" / "docs")
    assert jekyll.name == "jekyll" and jekyll.detected is not None and jekyll.detected.evidence == "_posts/"
    post = load_article(CORPUS / "jekyll/docs/_posts/2013-05-06-jekyll-1-0-0-released.markdown", jekyll.mapping)
    assert isinstance(post, Article) and post.published is True and post.published_at.startswith("2013-05-06")
    page = load_article(CORPUS / "hugodocs/content/en/shortcodes/highlight.md", HUGO.mapping)
    assert isinstance(page, Article) and page.published is True and page.topics == ("highlight",)
    assert page.excerpt.startswith("Insert syntax-highlighted code")


# --- the index and the workers -------------------------------------------------------------

def test_the_index_never_serves_rows_typed_under_another_mapping(tmp_path: Path) -> None:
    folder = tmp_path / "q"
    folder.mkdir()
    (folder / "a.md").write_text("---\ntitle: A\ndraft: true\n---\n")
    db = tmp_path / "index.sqlite3"
    news = scanned(folder, index_path=db)
    assert news.get("a.md").published is None  # type: ignore[union-attr]
    config(folder, 'profile = "hugo"\n')
    hugo = ReviewQueue(folder, index_path=db)
    report = hugo.scan()
    hugo.stop()
    assert hugo.get("a.md").published is False and report.parsed == 1  # type: ignore[union-attr]
    assert any("other field settings" in n for n in report.notices)
    assert default_index_path(folder, HUGO.mapping) != default_index_path(folder, DEFAULT_MAPPING)
    assert default_index_path(folder) == default_index_path(folder, FieldMapping())


def test_scan_workers_type_rows_with_the_queues_mapping(tmp_path: Path) -> None:
    assert pickle.loads(pickle.dumps(JEKYLL.mapping)) == JEKYLL.mapping
    root = tmp_path / "many"
    root.mkdir()
    for i in range(40):
        (root / f"{i:02d}.md").write_text(f"---\ntitle: T{i}\ndraft: {'true' if i % 2 else 'false'}\n---\n")
    with CheckRunner(str(root), workers=2, inline_limit=0, mapping=HUGO.mapping) as runner:
        for i in range(40):
            runner.add(f"{i:02d}.md", None)
        results = [c for chunk in runner.drain() for c in chunk]
        assert runner._pool is not None  # really in worker processes
    rows = {c.relpath: c.summary() for c in results}
    assert all(rows[f"{i:02d}.md"].published is (i % 2 == 0) for i in range(40))


def test_watching_a_jekyll_queue_follows_its_rules(jekyll_site: Path, tmp_path: Path) -> None:
    collector = Collector()
    queue = watched_queue(jekyll_site, tmp_path / "watch.sqlite3", collector)
    try:
        (jekyll_site / "contact.html").write_text("---\ntitle: Contact\n---\n<p>x</p>\n")
        (jekyll_site / "README.md").write_text("# not an article\n")
        (jekyll_site / "_layouts" / "post.html").write_text("<article/>\n")
        change = collector.wait_for("added", "contact.html")
        assert change.summary is not None and change.summary.published is True
        assert queue.wait_settled()
        assert [c.path for c in collector.quiet_for(0.4)] == []
        assert "README.md" not in [c.path for c in collector.changes]
        assert "_layouts/post.html" not in [c.path for c in collector.changes]
    finally:
        queue.stop()


def test_profiles_are_complete() -> None:
    assert list(PROFILES) == ["news", "hugo", "jekyll"]
    for profile in PROFILES.values():
        assert profile.label and profile.description and profile.mapping.published_key


def test_a_copy_of_the_corpus_as_a_jekyll_queue(tmp_path: Path) -> None:
    if not CORPUS.is_dir():
        pytest.skip("the shared corpus is not beside the checkout")
    site = tmp_path / "docs"
    shutil.copytree(CORPUS / "jekyll" / "docs", site)
    for path in site.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    queue = scanned(site)
    rows = queue.summaries()
    assert len(rows) > 150 and all(row.published is True for row in rows if row.error is None)
    dated = [row for row in rows if row.path.startswith("_posts/")]
    assert dated and all(row.published_at[:4].isdigit() for row in dated)
