"""Property tests: whatever the file looks like, an edit changes exactly the
value's bytes, or inserts exactly one line, and everything else survives."""
from __future__ import annotations

import difflib

from hypothesis import given, settings
from hypothesis import strategies as st

from app.article.edit import apply_edit
from app.article.frontmatter import parse_article, parse_document
from app.article.model import Article, ArticleError

WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ÄéЖ漢😀-.,", min_size=1, max_size=12).map(str.strip).filter(
    lambda s: bool(s) and s[0].isalpha())
KEYS = st.sampled_from(["title", "excerpt", "category", "heat", "webUrl", "tags", "provider", "images",
                        "related", "secured", "layout", "date", "draft", "weight", "x-custom"])
COMMENT = st.one_of(st.just(""), WORDS.map(lambda w: f"  # {w}"))


@st.composite
def scalar(draw: st.DrawFn) -> str:
    word = draw(WORDS)
    return draw(st.sampled_from([
        word, f'"{word}"', f"'{word}'", str(draw(st.integers(-5, 10**6))), "true", "~",
        "2022-02-01T20:02:00Z", f'"{word}: with colon"']))


@st.composite
def entry_lines(draw: st.DrawFn, key: str) -> list[str]:
    kind = draw(st.sampled_from(["scalar", "list", "map", "block"]))
    if kind == "scalar":
        return [f"{key}: {draw(scalar())}{draw(COMMENT)}"]
    if kind == "list":
        items = draw(st.lists(scalar(), min_size=1, max_size=3))
        return [f"{key}:"] + [f"  - {item}" for item in items]
    if kind == "map":
        # nested editable names must never be touched
        inner = draw(st.lists(st.sampled_from(["quality", "published", "name", "url"]), min_size=1, max_size=3,
                              unique=True))
        return [f"{key}:"] + [f"  {name}: {draw(scalar())}" for name in inner]
    return [f"{key}: {draw(st.sampled_from(['|', '>', '|-']))}"] + [f"  {draw(WORDS)}"
                                                                     for _ in range(draw(st.integers(1, 2)))]


TARGET_VALUES = {
    "published": ["true", "false", "no", "True", "~", '"yes"', ""],
    "quality": ["57", "0", "100", "'57'", "~", "250", "high", ""],
}


@st.composite
def article_file(draw: st.DrawFn) -> tuple[bytes, str, bool, str]:
    """(file bytes, target key, whether the key is present, the file's suffix)."""
    target = draw(st.sampled_from(["published", "quality"]))
    keys = draw(st.lists(KEYS, min_size=0, max_size=7, unique=True))
    present = draw(st.booleans())
    blocks: list[list[str]] = [draw(entry_lines(k)) for k in keys]
    if present:
        old = draw(st.sampled_from(TARGET_VALUES[target]))
        line = f"{target}: {old}".rstrip() + (draw(COMMENT) if old else "")
        blocks.insert(draw(st.integers(0, len(blocks))), [line])
    lines: list[str] = []
    for block in blocks:
        if draw(st.integers(0, 5)) == 0:
            lines.append(draw(st.sampled_from(["", "# a comment", "   "])))
        lines.extend(block)
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    yaml_file = draw(st.integers(0, 4)) == 0
    bom = "\ufeff" if draw(st.booleans()) else ""
    if yaml_file:
        text = newline.join(lines) + (newline if lines and draw(st.booleans()) else "")
        return (bom + text).encode("utf-8"), target, present, ".yaml"
    body_lines = draw(st.lists(st.sampled_from(["", "Body text.", "---", "...", "quality: 1", "# Heading"]),
                               max_size=5))
    body = newline.join(body_lines) + (newline if draw(st.booleans()) else "")
    closing = draw(st.sampled_from(["---", "..."]))
    text = newline.join(["---", *lines, closing]) + newline + body
    return (bom + text).encode("utf-8"), target, present, ".md"


@settings(max_examples=300, deadline=None)
@given(article_file(), st.data())
def test_edit_changes_only_the_value_or_adds_one_line(case: tuple[bytes, str, bool, str], data: st.DataObject) -> None:
    before, target, present, suffix = case
    name = "article" + suffix
    doc = parse_document(name, before)
    assert not isinstance(doc, ArticleError), (doc, before)
    new_value = data.draw(st.booleans() if target == "published" else st.integers(0, 100))
    after = apply_edit(doc, {target: new_value})
    canonical = str(new_value).lower() if isinstance(new_value, bool) else str(new_value)

    a_lines = before.decode("utf-8-sig").splitlines(keepends=True)
    b_lines = after.decode("utf-8-sig").splitlines(keepends=True)
    diff = [line for line in difflib.ndiff(a_lines, b_lines) if line[:1] in "+-"]
    if present:
        removed = [line[2:] for line in diff if line.startswith("-")]
        added = [line[2:] for line in diff if line.startswith("+")]
        assert len(removed) == len(added) <= 1
        if removed:  # the line differs exactly in the value's text
            old_line, new_line = removed[0], added[0]
            prefix = len(f"{target}:")
            assert old_line[:prefix] == new_line[:prefix] == f"{target}:"
            matcher = difflib.SequenceMatcher(None, old_line, new_line, autojunk=False)
            assert canonical in new_line
            # everything after the value (spaces, comment, line ending) is untouched
            assert old_line.endswith(new_line[new_line.index(canonical) + len(canonical):])
            assert matcher.ratio() > 0
    else:
        # exactly one line was inserted: removing it gives the original lines back
        inserted = [i for i, line in enumerate(b_lines) if line.strip() == f"{target}: {canonical}"]
        assert any(_same_lines(b_lines[:i] + b_lines[i + 1:], a_lines) for i in inserted), diff
    # the result reads back with the intended value and the same everything else
    article = parse_article(name, after)
    original = parse_article(name, before)
    assert isinstance(article, Article) and isinstance(original, Article)
    assert getattr(article, target) == new_value
    assert article.extra == original.extra and article.title == original.title
    # BOM, body and line ending survive
    assert after.startswith(b"\xef\xbb\xbf") == before.startswith(b"\xef\xbb\xbf")
    body_before = before.decode("utf-8")[doc.fm_end + 1 if doc.bom else doc.fm_end:]
    assert after.decode("utf-8").endswith(body_before)


def _same_lines(got: list[str], want: list[str]) -> bool:
    """Equal, allowing only the last line to have gained the line ending it lacked."""
    if got == want:
        return True
    return bool(want) and got[:-1] == want[:-1] and not want[-1].endswith("\n") \
        and got[-1].rstrip("\r\n") == want[-1]
