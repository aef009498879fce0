"""Reading article files: typed fields from good files, clear errors from bad ones."""
from __future__ import annotations

import sys
import subprocess
from pathlib import Path

import pytest

from app.article.frontmatter import load_article
from app.article.model import Article, ArticleError

from tests.conftest import SEED


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def test_seed_article_is_typed() -> None:
    article = load_article(SEED)
    assert isinstance(article, Article)
    assert article.title == "For IBM, AI Inference Is The Most Important HPC"
    assert article.published is False and article.quality == 57
    assert article.heat == -1 and article.category == "news" and article.type == "article"
    assert article.published_at == "2022-02-01T20:02:00Z"
    assert article.provider is not None and article.provider.domain == "nextplatform.com"
    assert article.topics == ("AI",)
    assert article.urls["webUrl"].startswith("https://www.nextplatform.com/")
    assert len(article.urls) == 4
    (image,) = article.images
    assert (image.width, image.height, image.is_cached) == (660, 387, True)
    (related,) = article.related
    assert related.quality == 59 and related.provider and related.provider.name == "The Next Platform"
    assert related.url.startswith("https://www.nextplatform.com/2022/01/31/")
    assert article.secured is True
    assert article.warnings == () and article.invalid == {}
    assert article.front_matter.startswith("category: news\n")


def test_other_keys_are_kept_for_display(tmp_path: Path) -> None:
    path = write(tmp_path, "a.md", "---\ntitle: T\nlayout: post\ndate: 2020-01-02\ntags: [a, b]\n---\nbody\n")
    article = load_article(path)
    assert isinstance(article, Article)
    assert article.extra == {"layout": "post", "date": "2020-01-02", "tags": ["a", "b"]}


def test_yaml_file_is_one_mapping(tmp_path: Path) -> None:
    article = load_article(write(tmp_path, "a.yaml", "title: Plain\npublished: true\nquality: 3\n"))
    assert isinstance(article, Article) and article.published is True and article.quality == 3


def test_bom_and_crlf(tmp_path: Path) -> None:
    path = write(tmp_path, "a.md", b"\xef\xbb\xbf---\r\ntitle: B\r\nquality: 9\r\n---\r\nbody\r\n")
    article = load_article(path)
    assert isinstance(article, Article) and article.title == "B" and article.quality == 9


def test_closing_dots_and_body_rules(tmp_path: Path) -> None:
    path = write(tmp_path, "a.md", "---\ntitle: Dots\n...\nbody\n---\nmore: body\n---\n")
    article = load_article(path)
    assert isinstance(article, Article) and article.title == "Dots" and "more" not in article.extra


def test_empty_front_matter_is_an_empty_article(tmp_path: Path) -> None:
    article = load_article(write(tmp_path, "a.md", "---\n---\nbody\n"))
    assert isinstance(article, Article) and article.title == "" and article.published is None


@pytest.mark.parametrize(
    ("name", "content", "message", "line"),
    [
        ("none.md", "# Just a heading\n", "no front matter", 1),
        ("open.md", "---\ntitle: x\nbody without end\n", "not closed", 1),
        ("latin1.md", b"---\ntitle: caf\xe9\n---\n", "not UTF-8", 2),
        ("binary.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary", None),
        ("list.md", "---\n- a\n- b\n---\n", "a list, not a mapping", 2),
        ("scalar.yaml", "just text\n", "a single value", 1),
        ("syntax.md", "---\ntitle: ok\nbad: [unclosed\nnext: 1\n---\n", "YAML error", None),
        ("dup.md", "---\ntitle: a\nquality: 1\nquality: 2\n---\n", "duplicate key 'quality' (also on line 3)", 4),
        ("twodocs.yaml", "a: 1\n---\nb: 2\n", "YAML error", 2),
        ("tab.md", "---\ntitle: a\n\tquality: 1\n---\n", "YAML error", 3),
    ],
)
def test_unreadable_files_are_values(tmp_path: Path, name: str, content: str | bytes,
                                     message: str, line: int | None) -> None:
    path = write(tmp_path, name, content)
    result = load_article(path)
    assert isinstance(result, ArticleError), result
    assert result.path == str(path)
    assert message in result.message
    if line is not None:
        assert result.line == line
    assert "\n" not in result.describe()


def test_yaml_syntax_error_names_line_in_file(tmp_path: Path) -> None:
    # The front matter starts on line 2; the bad line is line 4 of the file.
    result = load_article(write(tmp_path, "a.md", "---\ntitle: ok\nlist:\n  - [a, b\n---\n"))
    assert isinstance(result, ArticleError)
    assert result.line is not None and result.line >= 4 and result.column is not None


def test_missing_and_unreadable_paths(tmp_path: Path) -> None:
    result = load_article(tmp_path / "gone.md")
    assert isinstance(result, ArticleError) and "no longer exists" in result.message
    folder = tmp_path / "folder.md"
    folder.mkdir()
    result = load_article(folder)
    assert isinstance(result, ArticleError) and "folder" in result.message


@pytest.mark.parametrize(
    ("line", "field", "raw", "expect"),
    [
        ("quality: high", "quality", "high", "expected a whole number"),
        ("quality: 250", "quality", "250", "outside 0 to 100"),
        ("quality: \"57\"", "quality", "\"57\"", "expected a whole number"),
        ("published: maybe", "published", "maybe", "expected true or false"),
        ("published: 1", "published", "1", "expected true or false"),
    ],
)
def test_wrong_types_are_warnings_shown_as_is(tmp_path: Path, line: str, field: str, raw: str, expect: str) -> None:
    article = load_article(write(tmp_path, "a.md", f"---\ntitle: t\n{line}\n---\n"))
    assert isinstance(article, Article)
    assert getattr(article, field) is None
    assert article.invalid == {field: raw}
    (warning,) = [w for w in article.warnings if w.field == field]  # (a missing quality is one more)
    assert warning.field == field and warning.line == 3 and warning.column == 1 and expect in warning.message


def test_yaml_11_booleans_count_as_booleans(tmp_path: Path) -> None:
    article = load_article(write(tmp_path, "a.md", "---\npublished: no\n---\n"))
    assert isinstance(article, Article) and article.published is False


def test_core_does_not_import_qt() -> None:
    code = ("import sys, pkgutil, importlib, app\n"
            "for m in pkgutil.iter_modules(app.__path__):\n"
            "    if m.name != '__main__': importlib.import_module('app.' + m.name)\n"
            "print('PySide6' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("text", [
    "a: 1\nb: [1, 2.5, -3]\nc: {d: null, e: true, f: 2022-02-01T20:02:00Z, g: 2020-01-02}\nh: 0x1F\ni: '057'\n",
    "base: &b {x: 1}\nderived:\n  <<: *b\n  y: 2\n",
    "s: !!set {a, b}\no: !!omap [a: 1]\nbin: !!binary aGVsbG8=\n",
    "? [a, b]\n: complex key\n",
    "n: .nan\ni: .inf\nno: no\nt: 12:30\n",
])
def test_fast_construction_matches_pyyaml(tmp_path: Path, text: str) -> None:
    import yaml
    from app.article.frontmatter import parse_document
    path = write(tmp_path, "a.yaml", text)
    doc = parse_document(str(path), path.read_bytes())
    try:
        expected = yaml.load(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        assert isinstance(doc, ArticleError)
        return
    assert not isinstance(doc, ArticleError), doc
    assert repr(doc.data) == repr(expected) or doc.data.keys() == expected.keys()


@pytest.mark.parametrize(("content", "message"), [
    ("---\na: &a [*a]\npublished: false\n---\nb\n", "recursive *alias"),
    ("---\n" + "".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10) if i else 'x'}]\n" for i in range(9))
     + "---\n", "aliases expand to more than"),
    ("---\na: " + "[" * 600 + "]" * 600 + "\n---\n", "nested too deeply"),
    ("---\ntitle: a\x01b\n---\n", "not allowed"),
])
def test_hostile_front_matter_is_an_error_not_a_crash(tmp_path: Path, content: str, message: str) -> None:
    import time
    started = time.monotonic()
    result = load_article(write(tmp_path, "a.md", content))
    assert isinstance(result, ArticleError) and message in result.message, result
    assert "\n" not in result.describe()
    assert time.monotonic() - started < 2


def test_control_character_error_names_its_line(tmp_path: Path) -> None:
    result = load_article(write(tmp_path, "a.md", "---\ntitle: ok\nexcerpt: a\x01b\n---\n"))
    assert isinstance(result, ArticleError) and result.line == 3


def test_line_numbers_count_newlines_only(tmp_path: Path) -> None:
    # U+2028 is a line break to YAML but not to an editor
    result = load_article(write(tmp_path, "a.md", "---\ntitle: \"a\u2028b\"\nquality: 1\nquality: 2\n---\n"))
    assert isinstance(result, ArticleError)
    assert result.line == 4 and "also on line 3" in result.message


def test_merge_keys_are_not_duplicates(tmp_path: Path) -> None:
    article = load_article(write(tmp_path, "a.md", "---\n<<: {quality: 3}\nquality: 5\n---\n"))
    assert isinstance(article, Article) and article.quality == 5


def test_bom_after_the_fence_does_not_shift_positions(tmp_path: Path) -> None:
    article = load_article(write(tmp_path, "a.md", b"---\n\xef\xbb\xbftitle: x\nquality:  high\n---\n"))
    assert isinstance(article, Article) and article.invalid == {"quality": "high"}


def test_empty_yaml_documents(tmp_path: Path) -> None:
    for content in ("", "---\n", "--- # nothing yet\n", "---\n...\n"):
        article = load_article(write(tmp_path, "a.yaml", content))
        assert isinstance(article, Article), (content, article)


def test_not_utf8_column_counts_characters(tmp_path: Path) -> None:
    result = load_article(write(tmp_path, "a.md", "---\ntitle: é".encode() + b"\xff\n---\n"))
    assert isinstance(result, ArticleError) and (result.line, result.column) == (2, 9)
