"""Editing: only the edited value's bytes change, or one line is inserted."""
from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from app.article.edit import EditRefused, apply_edit
from app.article.frontmatter import parse_document
from app.article.model import ArticleError

from tests.conftest import SEED


def edit(content: bytes | str, changes: dict, name: str = "a.md") -> bytes:
    data = content.encode("utf-8") if isinstance(content, str) else content
    doc = parse_document(name, data)
    assert not isinstance(doc, ArticleError), doc
    return apply_edit(doc, changes)


def changed_lines(before: bytes, after: bytes) -> list[str]:
    a = before.decode("utf-8-sig").splitlines(keepends=True)
    b = after.decode("utf-8-sig").splitlines(keepends=True)
    return [line for line in difflib.ndiff(a, b) if line[:1] in "+-"]


def test_seed_round_trip_changes_one_line_each() -> None:
    before = SEED.read_bytes()
    after = edit(before, {"published": True})
    assert after == before.replace(b"\npublished: false\n", b"\npublished: true\n")
    after = edit(before, {"quality": 80})
    assert after == before.replace(b"\nquality: 57\n", b"\nquality: 80\n")
    # the nested related[].quality: 59 is never touched
    assert b"    quality: 59\n" in after


def test_both_fields_at_once() -> None:
    before = SEED.read_bytes()
    after = edit(before, {"published": True, "quality": 0})
    assert changed_lines(before, after) == ["- quality: 57\n", "- published: false\n",
                                            "+ quality: 0\n", "+ published: true\n"] or \
        len(changed_lines(before, after)) == 4


@pytest.mark.parametrize(
    ("before", "changes", "after"),
    [
        ("---\npublished: false # editor said no\n---\n", {"published": True},
         "---\npublished: true # editor said no\n---\n"),
        ("---\nquality: '57'\n---\n", {"quality": 60}, "---\nquality: 60\n---\n"),
        ("---\nquality:   57   \n---\n", {"quality": 6}, "---\nquality:   6   \n---\n"),
        ("---\npublished:\ntitle: x\n---\n", {"published": False}, "---\npublished: false\ntitle: x\n---\n"),
        ("---\npublished: ~\n---\n", {"published": False}, "---\npublished: false\n---\n"),
        ("---\npublished: No\n---\n", {"published": True}, "---\npublished: true\n---\n"),
        ("---\ntitle: x\n---\nbody", {"quality": 1}, "---\ntitle: x\nquality: 1\n---\nbody"),
        ("---\n---\n", {"quality": 1}, "---\nquality: 1\n---\n"),
        ("---\ntitle: x\n# trailing comment\n---\n", {"quality": 1},
         "---\ntitle: x\nquality: 1\n# trailing comment\n---\n"),
        ("---\ntitle: x\ntags:\n  - a\n  - b\n\n---\n", {"published": True},
         "---\ntitle: x\ntags:\n  - a\n  - b\npublished: true\n\n---\n"),
        ("---\ntitle: |\n  line one\n  line two\n---\n", {"quality": 5},
         "---\ntitle: |\n  line one\n  line two\nquality: 5\n---\n"),
        ("title: x", {"quality": 2}, "title: x\nquality: 2"),  # still no final newline
        ("---\r\ntitle: x\r\n---\r\n", {"published": True}, "---\r\ntitle: x\r\npublished: true\r\n---\r\n"),
        ("---\nratio: .nan\nquality: 1\n---\n", {"quality": 2}, "---\nratio: .nan\nquality: 2\n---\n"),
        ("---\ntitle: x\nrelated:\n  - quality: 3\n---\n", {"quality": 9},
         "---\ntitle: x\nrelated:\n  - quality: 3\nquality: 9\n---\n"),
    ],
)
def test_exact_bytes(before: str, changes: dict, after: str) -> None:
    name = "a.yaml" if not before.startswith("---") else "a.md"
    assert edit(before, changes, name).decode("utf-8") == after


@pytest.mark.parametrize(
    ("name", "before", "changes", "after"),
    [
        # a merge key: the new line overrides it, the merged mapping is untouched
        ("a.md", "---\n<<: {quality: 3}\ntitle: x\n---\n", {"quality": 57},
         "---\n<<: {quality: 3}\ntitle: x\nquality: 57\n---\n"),
        ("a.md", "---\n<<: {a: 1}\ntitle: x\n---\n", {"quality": 57},
         "---\n<<: {a: 1}\ntitle: x\nquality: 57\n---\n"),
        # an explicit first key does not set the indent
        ("a.md", "---\n? title\n: x\nother: y\n---\n", {"quality": 57},
         "---\n? title\n: x\nother: y\nquality: 57\n---\n"),
        # the ending of the line above, not of the fence
        ("a.md", "---\ntitle: x\r\nother: y\r\n---\n", {"quality": 57},
         "---\ntitle: x\r\nother: y\r\nquality: 57\r\n---\n"),
        ("a.yaml", "title: x\rother: y\r", {"quality": 57}, "title: x\rother: y\rquality: 57\r"),
        ("a.md", b"---\n\xef\xbb\xbftitle: x\nquality:  7_\n---\nb\n".decode(), {"quality": 5},
         b"---\n\xef\xbb\xbftitle: x\nquality:  5\n---\nb\n".decode()),
    ],
)
def test_review_findings(name: str, before: str, changes: dict, after: str) -> None:
    assert edit(before, changes, name).decode("utf-8") == after


def test_bom_and_missing_final_newline_survive() -> None:
    before = b"\xef\xbb\xbf---\r\nquality: 1\r\n---\r\nbody without newline"
    assert edit(before, {"quality": 2}) == before.replace(b"quality: 1", b"quality: 2")


@pytest.mark.parametrize(
    ("content", "changes", "message"),
    [
        ("---\nbase: &q 5\nquality: *q\n---\n", {"quality": 6}, "alias"),
        ("---\nquality: &q 5\nother: *q\n---\n", {"quality": 6}, "alias"),
        ("---\nquality: &q 5\n---\n", {"quality": 6}, "anchor or tag"),
        ("---\nquality: !!str 5\n---\n", {"quality": 6}, "anchor or tag"),
        ("---\nquality: !!float 5\n---\n", {"quality": 6}, "anchor or tag"),
        ("---\npublished: [true]\n---\n", {"published": False}, "holds a list"),
        ("---\npublished:\n  x: 1\n---\n", {"published": False}, "holds a mapping"),
        ("---\nquality: |\n  5\n---\n", {"quality": 6}, "block scalar"),
        ("---\n{quality: 5}\n---\n", {"quality": 6}, "flow mapping"),
        ("---\nquality: 5\n---\n", {"quality": 101}, "from 0 to 100"),
        ("---\nquality: 5\n---\n", {"quality": -1}, "from 0 to 100"),
        ("---\nquality: 5\n---\n", {"quality": 5.5}, "whole number"),
        ("---\nquality: 5\n---\n", {"published": "yes"}, "true or false"),
        ("---\nquality: 5\n---\n", {"title": "x"}, "not an editable field"),
    ],
)
def test_refusals(content: str, changes: dict, message: str) -> None:
    with pytest.raises(EditRefused) as info:
        edit(content, changes)
    assert message in info.value.describe()


def test_duplicate_keys_cannot_be_edited() -> None:
    doc = parse_document("a.md", b"---\nquality: 1\nquality: 2\n---\n")
    assert isinstance(doc, ArticleError) and "duplicate key" in doc.message


@pytest.mark.parametrize(
    ("before", "changes", "after"),
    [
        ("---\npublished: !!bool false\n---\n", {"published": True}, "---\npublished: !!bool true\n---\n"),
        ("---\nquality: !!int 57  # c\n---\n", {"quality": 58}, "---\nquality: !!int 58  # c\n---\n"),
        ("---\nquality: !<tag:yaml.org,2002:int> 5\n---\n", {"quality": 6},
         "---\nquality: !<tag:yaml.org,2002:int> 6\n---\n"),
    ],
)
def test_a_standard_tag_of_the_values_own_type_is_kept(before: str, changes: dict, after: str) -> None:
    assert edit(before, changes).decode("utf-8") == after
