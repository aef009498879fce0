"""An article's body: the text after its front matter, for reading.

Copydesk never edits a body; the window shows it read-only (the detail pane's
Body tab). Finding it needs only the fences, not YAML, so a file whose front
matter does not parse still shows its body. The file is read like any article
(`read_article_bytes`: regular files only, at most 16 MB).

Pure functions over one file; any thread (the window calls them on a lane).
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from app.article.frontmatter import BOM, FENCE_CLOSE, FENCE_OPEN, is_plain_yaml, read_article_bytes
from app.article.messages import describe_os_error
from app.article.model import ArticleError


@dataclass(frozen=True, slots=True)
class ArticleBody:
    path: str
    text: str  # what follows the closing fence line ("" for none)
    line: int  # the 1-based file line the body starts on
    note: str = ""  # why there is no body to show, when there is none ("a .yaml file is all front matter")


def body_of(path: str, text: str) -> ArticleBody | ArticleError:
    """The body of decoded `text` (a file named `path`)."""
    if text.startswith(BOM):
        text = text[1:]
    if is_plain_yaml(path):
        return ArticleBody(path, "", 1, "a .yaml file is all front matter: it has no body")
    opening = FENCE_OPEN.match(text)
    if opening is None:
        return ArticleError(path, "no front matter: the file must start with a '---' line", 1)
    closing = FENCE_CLOSE.search(text, opening.end())
    if closing is None:
        return ArticleError(path, "front matter is not closed: no '---' line after the opening one", 1)
    start = closing.end()
    if text.startswith("\r\n", start):
        start += 2
    elif text.startswith("\n", start):
        start += 1
    line = text.count("\n", 0, start) + 1
    return ArticleBody(path, text[start:], line, "" if text[start:].strip() else "the body is empty")


def load_body(path: str | os.PathLike[str]) -> ArticleBody | ArticleError:
    """Read one file's body. Bytes that are not UTF-8 show as U+FFFD (the
    front matter's error row says where they are). Never raises for a file."""
    name = os.fspath(path)
    try:
        data = read_article_bytes(name)
    except OSError as exc:
        return ArticleError(name, describe_os_error(exc))
    if b"\x00" in data[:8192]:
        return ArticleError(name, "binary file, not a text article")
    return body_of(name, data.decode("utf-8", errors="replace"))
