"""Every check on its own, where it points (the key's line and column), what it
names, and how `copydesk check` reports it (exit 0 for warnings unless --strict)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.article.dates import NO_DAY, day_number, parse_day_option
from app.article.frontmatter import load_article
from app.article.model import Article
from app.cli import main
from app.queue.profiles import HUGO

GOOD = """---
title: "A title"
quality: 50
published: false
publishedDateTime: 2022-02-01T20:02:00Z
webUrl: "https://example.com/a"
images:
  - url: "https://example.com/a.png"
related:
  - title: "Other"
    webUrl: "https://example.com/b"
---
"""


def warnings_of(tmp_path: Path, text: str, name: str = "a.md", **kwargs: object) -> list[tuple[str, int, int, str]]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    article = load_article(path, **kwargs)  # type: ignore[arg-type]
    assert isinstance(article, Article), article
    return [(w.field, w.line or 0, w.column or 0, w.message) for w in article.warnings]


def test_a_clean_article_has_no_warnings(tmp_path: Path) -> None:
    assert warnings_of(tmp_path, GOOD) == []


@pytest.mark.parametrize(("old", "new", "expected"), [
    ('title: "A title"', 'title: ""', ("title", 2, 1, "title is empty")),
    ('title: "A title"', 'title: "   "', ("title", 2, 1, "title is empty")),
    ('title: "A title"\n', "", ("title", 2, 1, "title is missing")),
    ("quality: 50\n", "", ("quality", 2, 1, "quality is missing")),
    ("quality: 50", "quality: 150", ("quality", 3, 1, "quality is 150, outside 0 to 100")),
    ("quality: 50", "quality: high", ("quality", 3, 1, "quality is high, expected a whole number from 0 to 100")),
    ("quality: 50", "quality: 5.5", ("quality", 3, 1, "quality is 5.5, expected a whole number from 0 to 100")),
    ("published: false", "published: maybe", ("published", 4, 1, "published is maybe, expected true or false")),
    ('  - url: "https://example.com/a.png"', "  - width: 600",
     ("images", 8, 5, "images[0] has no url")),
    ("publishedDateTime: 2022-02-01T20:02:00Z", "publishedDateTime: next Tuesday",
     ("date", 5, 1, "publishedDateTime is next Tuesday, not a date (expected e.g. 2022-02-01T20:02:00Z)")),
    ("publishedDateTime: 2022-02-01T20:02:00Z", "publishedDateTime: '2022-02-30'",
     ("date", 5, 1, "publishedDateTime is 2022-02-30, not a date (expected e.g. 2022-02-01T20:02:00Z)")),
    ('    webUrl: "https://example.com/b"', '    excerpt: "no link"',
     ("related", 10, 5, "related[0] has no url")),
    ('    webUrl: "https://example.com/b"', '    webUrl: "/relative/b"',
     ("related", 10, 5, "related[0].webUrl is /relative/b, not an http(s) URL")),
    ('webUrl: "https://example.com/a"', 'webUrl: "ftp://example.com/a"',
     ("webUrl", 6, 1, "webUrl is ftp://example.com/a, not an http(s) URL")),
    ('webUrl: "https://example.com/a"', 'webUrl: "https://"', ("webUrl", 6, 1, "webUrl is https://, not an http(s) URL")),
    ('webUrl: "https://example.com/a"', 'webUrl: ""', ("webUrl", 6, 1, "webUrl is empty, not an http(s) URL")),
])
def test_each_check_names_its_key_where_it_starts(tmp_path: Path, old: str, new: str,
                                                  expected: tuple[str, int, int, str]) -> None:
    assert old in GOOD
    assert warnings_of(tmp_path, GOOD.replace(old, new, 1)) == [expected]


def test_dates_in_the_forms_sites_write_parse(tmp_path: Path) -> None:
    for value in ("2022-02-01", "2022-02-01T20:02:00Z", "2022-02-01 20:02", "2022-02-01T20:02:00.123+01:00",
                  "2022-02-01 10:00:00 +0200", "'2022-02-01T20:02:00-05:00'"):
        text = GOOD.replace("publishedDateTime: 2022-02-01T20:02:00Z", f"publishedDateTime: {value}")
        assert warnings_of(tmp_path, text) == [], value
    assert day_number("2022-02-01T20:02:00Z") == day_number("2022-02-01") == 19024
    assert day_number("2022-02-01T25:00") == NO_DAY and day_number("01/02/2022") == NO_DAY
    assert parse_day_option("2022-02") == 19024 and parse_day_option("2022-02", end=True) == 19024 + 27
    assert parse_day_option("2022", end=True) == parse_day_option("2022-12-31")
    with pytest.raises(ValueError, match="expected a date"):
        parse_day_option("Feb 2022")


def test_several_warnings_come_in_file_order(tmp_path: Path) -> None:
    text = GOOD.replace("quality: 50", "quality: 500").replace('title: "A title"', 'title: ""')
    assert [w[:2] for w in warnings_of(tmp_path, text)] == [("title", 2), ("quality", 3)]


def test_a_site_scores_nothing_so_a_missing_quality_is_no_warning(tmp_path: Path) -> None:
    text = "---\ntitle: A post\ndate: 2024-05-01\n---\nBody\n"
    assert warnings_of(tmp_path, text, mapping=HUGO.mapping) == []
    assert [w[3] for w in warnings_of(tmp_path, text)] == ["quality is missing"]


def test_a_row_keeps_each_warnings_place(tmp_path: Path) -> None:
    from app.article.summary import ArticleSummary, summarize

    path = tmp_path / "a.md"
    path.write_text(GOOD.replace("quality: 50", "quality: 500"))
    row = summarize(load_article(path), "a.md", 1, 2)
    assert row.warnings == ("quality: quality is 500, outside 0 to 100",) and row.warning_at == ((3, 1),)
    again = ArticleSummary.from_row("a.md", 1, 2, row.to_row())
    assert again == row and again.warning_list() == [("quality", "quality is 500, outside 0 to 100", 3, 1)]


def test_check_prints_warnings_and_exits_0_unless_strict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "desk"
    folder.mkdir()
    (folder / "a.md").write_text(GOOD)
    (folder / "b.md").write_text(GOOD.replace("quality: 50", "quality: 500").replace('title: "A title"', 'title: "B"')
                                 .replace('webUrl: "https://example.com/a"', 'webUrl: "mailto:x@example.com"'))
    assert main(["check", str(folder)]) == 0
    b = folder / "b.md"
    assert capsys.readouterr().out.splitlines() == [
        f"{b}:3:1: warning: quality is 500, outside 0 to 100",
        f"{b}:6:1: warning: webUrl is mailto:x@example.com, not an http(s) URL"]
    assert main(["check", "--strict", str(folder)]) == 1
    capsys.readouterr()
    assert main(["check", "--strict", str(folder / "a.md")]) == 0  # a file named alone: its own checks
    assert capsys.readouterr().out == ""
    assert main(["check", str(b)]) == 0
    assert capsys.readouterr().out.count(": warning: ") == 2


def test_check_reports_a_duplicate_at_the_key_that_makes_it(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "desk"
    folder.mkdir()
    (folder / "a.md").write_text(GOOD)
    (folder / "b.md").write_text(GOOD.replace('"https://example.com/a"', '"https://www.example.com/a/?utm_source=x"')
                                 .replace('title: "A title"', 'title: "Another"'))
    assert main(["check", str(folder)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [f"{folder / 'a.md'}:6:1: warning: duplicate: same URL as b.md (https://example.com/a)",
                   f"{folder / 'b.md'}:6:1: warning: duplicate: same URL as a.md (https://example.com/a)"]
    assert main(["list", "--json", "--has-warnings", str(folder)]) == 0
    assert sorted(r["relpath"] for r in json.loads(capsys.readouterr().out)) == ["a.md", "b.md"]
    assert main(["check", "--strict", str(folder)]) == 1
