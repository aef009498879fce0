"""Every real-world file either loads or gives a clear error, and an edit of a
copy changes exactly one line or inserts one, with the body untouched."""
from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest

from app.article.frontmatter import load_article, parse_document
from app.article.model import ARTICLE_SUFFIXES, Article, ArticleError
from app.article.writer import write_front_matter_edit

from tests.conftest import CORPUS

FILES = sorted(p for p in CORPUS.rglob("*") if p.suffix.lower() in ARTICLE_SUFFIXES) if CORPUS.is_dir() else []
pytestmark = pytest.mark.skipif(not FILES, reason="the shared corpus is not beside the checkout")


def test_corpus_is_there() -> None:
    assert len(FILES) > 1000


def test_every_file_loads_or_explains(tmp_path: Path) -> None:
    errors = []
    for path in FILES:
        result = load_article(path)
        if isinstance(result, ArticleError):
            assert result.message and "\n" not in result.describe()
            errors.append(result)
        else:
            assert isinstance(result, Article)
    assert len(errors) < len(FILES) // 10, [e.describe() for e in errors[:5]]


@pytest.mark.parametrize("field,value", [("published", False), ("quality", 42)])
def test_edit_of_every_copy_changes_one_line(tmp_path: Path, field: str, value: object) -> None:
    edited = refused = 0
    for index, source in enumerate(FILES):
        copy = tmp_path / f"{index}{source.suffix}"
        shutil.copyfile(source, copy)
        copy.chmod(0o644)
        before = copy.read_bytes()
        doc = parse_document(str(copy), before)
        result = write_front_matter_edit(copy, {field: value})
        after = copy.read_bytes()
        if isinstance(doc, ArticleError) or result.status == "failed":
            assert after == before, source
            refused += 1
            continue
        if result.status == "unchanged":
            assert after == before
            continue
        a = before.decode("utf-8-sig").splitlines(keepends=True)
        b = after.decode("utf-8-sig").splitlines(keepends=True)
        ops = [op for op in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes() if op[0] != "equal"]
        assert len(ops) == 1, (source, ops)
        tag, i1, i2, j1, j2 = ops[0]
        assert (tag == "replace" and i2 - i1 == 1 and j2 - j1 == 1) or (tag == "insert" and j2 - j1 == 1), source
        body = before.decode("utf-8")[doc.fm_end:]
        assert after.decode("utf-8").endswith(body), source
        reread = load_article(copy)
        assert isinstance(reread, Article) and getattr(reread, field) == value
        edited += 1
    assert edited > len(FILES) * 0.9, (edited, refused)
