"""How `copydesk list`, `check` and `show` print: JSON, NUL-separated paths, a
terminal table, and `path:line:col: message` lines. Every line stays one line,
whatever a file name or a title holds. `list --json` and `show --json` share
their field names (`ArticleSummary.to_json`), and a missing value is null.
"""
from __future__ import annotations

import functools
import json
import math
import os
import shutil
import sys
import unicodedata
from collections.abc import Callable
from json.encoder import encode_basestring, encode_basestring_ascii  # type: ignore[attr-defined]  # C escapers
from typing import Any

from app.article.model import Article, ArticleError
from app.article.summary import ArticleSummary, summarize
from app.cli.common import display_path, is_utf8, printable_path


# --- JSON ---------------------------------------------------------------------

def _json_value(value: object) -> str:
    """A number, boolean or null (strings go through the escaper)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is int:
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else "null"  # JSON has no NaN or Infinity
    return json.dumps(value)


def json_object(row: ArticleSummary, path: str | None = None, s: Callable[[str], str] = encode_basestring) -> str:
    """`json.dumps(row.to_json(path))`, written out by hand: a warm `list --json` of
    10,000 rows spends a third of its time encoding, and this is twice as fast.
    A test checks it against `json.loads`.

    A file name that is not UTF-8 reaches us with lone surrogates (os.fsdecode);
    such a row is written with \\uXXXX escapes, which is valid JSON (and
    `os.fsencode(json.loads(...)["path"])` gives the name's bytes back), instead
    of bytes that are not UTF-8."""
    v = _json_value

    def n(text: str | None) -> str:  # a missing (empty) text is null, never ""
        return s(text) if text else "null"

    line = (f'{{"path": {s(row.path if path is None else path)}, "relpath": {s(row.path)}, '
            f'"title": {n(row.title)}, "published": {v(row.published)}, '
            f'"quality": {v(row.quality)}, "provider": {n(row.provider)}, "category": {n(row.category)}, '
            f'"published_at": {n(row.published_at)}, "heat": {v(row.heat)}, '
            f'"topics": [{", ".join(map(s, row.topics))}], "image_url": {n(row.image_url)}, '
            f'"error": {"null" if row.error is None else s(row.error)}, "line": {v(row.error_line)}, '
            f'"column": {v(row.error_column)}, "warnings": [{", ".join(map(s, row.warnings))}], '
            f'"type": {n(row.type)}, "image_count": {v(row.image_count)}}}')
    if not line.isascii() and not is_utf8(line):
        return json_object(row, path, encode_basestring_ascii)
    return line


def write_json(rows: list[ArticleSummary], folder: str, review: Callable[[str], str] | None = None) -> None:
    """The rows as one JSON array; each `path` is `folder` (as the command line
    gave it) joined with the row's path, so it names the file from here.
    `review(relpath)`: the row's review state, added as `"review"` (ASCII words: no escaping)."""
    # Written in slices: at 100,000 rows one big string would double peak memory.
    write = sys.stdout.write
    if not rows:
        write("[]\n")
        return
    def encode(row: ArticleSummary) -> str:
        line = json_object(row, display_path(folder, row.path))
        return line if review is None else f'{line[:-1]}, "review": "{review(row.path)}"}}'
    write("[\n")
    for start in range(0, len(rows), 1000):
        write(",\n".join(map(encode, rows[start:start + 1000])))
        write(",\n" if start + 1000 < len(rows) else "\n")
    write("]\n")


def write_null(rows: list[ArticleSummary], folder: str) -> None:
    """Each row's path (as `write_json` gives it), ended by a NUL: the bytes of
    the name exactly, whatever it holds (xargs -0 takes any name)."""
    sys.stdout.flush()
    out = sys.stdout.buffer
    for start in range(0, len(rows), 1000):
        out.write(b"".join(os.fsencode(display_path(folder, row.path)) + b"\0" for row in rows[start:start + 1000]))
    out.flush()


def article_record(article: Article | ArticleError, path: str, relpath: str) -> dict[str, Any]:
    """What `copydesk show --json` prints: the fields `list --json` gives a row,
    under the same names, then what only the whole article has."""
    record = summarize(article, relpath, 0, 0).to_json(path)
    if isinstance(article, ArticleError):
        record.update({"excerpt": None, "provider_domain": None, "type": None, "urls": {}, "images": [],
                       "related": [], "secured": None, "extra": {}, "invalid": {}, "front_matter": None})
        return record
    provider = article.provider
    record.update({
        "excerpt": article.excerpt or None,
        "provider_domain": (provider.domain or None) if provider is not None else None,
        "type": article.type or None,
        "urls": dict(article.urls),
        "images": [{"url": i.url, "width": i.width, "height": i.height, "is_cached": i.is_cached}
                   for i in article.images],
        "related": [{"title": r.title or None, "provider": (r.provider.name or None) if r.provider else None,
                     "provider_domain": (r.provider.domain or None) if r.provider else None,
                     "url": r.url or None, "quality": r.quality} for r in article.related],
        "secured": article.secured,
        "extra": article.extra,
        "invalid": dict(article.invalid),
        "front_matter": article.front_matter,
    })
    return record



# --- the table ----------------------------------------------------------------

def _yes_no(value: bool | None) -> str:
    return "-" if value is None else ("yes" if value else "no")


@functools.lru_cache(maxsize=4096)  # a C-level hit: far cheaper than the two lookups
def _char_width(ch: str) -> int:
    """Terminal columns of one character: 2 for East Asian wide/fullwidth, 0 for combining marks."""
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _text_width(text: str) -> int:
    return len(text) if text.isascii() else sum(map(_char_width, text))


def _one_line(text: str) -> str:
    """Text for a table cell: whitespace runs become one space; control and
    format characters (an ESC sequence in a title, a bidi override) never reach
    the terminal: format characters are dropped, others shown as U+FFFD."""
    text = " ".join(text.split())
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ("" if unicodedata.category(ch) == "Cf" else "\ufffd")
                   for ch in text)


def _cell(text: str, width: int) -> str:
    """`text` on one line, cut with "…" and padded to exactly `width` terminal columns."""
    text = _one_line(text)
    if text.isascii():  # the usual case: one column per character
        return (text if len(text) <= width else text[:max(0, width - 1)] + "…").ljust(width)
    used = _text_width(text)
    if used > width:
        out: list[str] = []
        used = 0
        for ch in text:
            w = _char_width(ch)
            if used + w > width - 1:
                break
            out.append(ch)
            used += w
        text = "".join(out) + "…"
        used += 1
    return text + " " * (width - used)


def write_table(rows: list[ArticleSummary]) -> None:
    width = shutil.get_terminal_size((120, 24)).columns
    provider_w = min(18, max([8] + [_text_width(r.provider) for r in rows]))
    title_w = max(20, width - (4 + 1 + 4 + 1 + provider_w + 1) - 1 - 40)
    write = sys.stdout.write
    write(f"{'PUB':<4} {'QUAL':>4} {'PROVIDER':<{provider_w}} {'TITLE':<{title_w}} PATH\n")
    published = errors = 0
    for row in rows:
        if row.error is not None:
            errors += 1
            write(f"{'!':<4} {'':>4} {'':<{provider_w}} {_cell('ERROR ' + row.error, title_w)} "
                  f"{printable_path(row.path)}\n")
            continue
        published += row.published is True
        quality = "-" if row.quality is None else str(row.quality)
        if row.warnings:
            quality += "?"
        write(f"{_yes_no(row.published):<4} {quality:>4} {_cell(row.provider, provider_w)} "
              f"{_cell(row.title, title_w)} {printable_path(row.path)}\n")
    write(f"{len(rows)} article{'s' if len(rows) != 1 else ''}: {published} published, "
          f"{errors} unreadable\n")



# --- check lines --------------------------------------------------------------

def format_check_line(path: str, row: ArticleSummary) -> str:
    """`path:line:col: message` for an error row, `path` being the file as the
    command line names it; parts that are not known are left out (`path: message`).
    Always one line: odd characters in the path are escaped (`printable_path`)."""
    where = printable_path(path)
    if row.error_line is not None:
        where += f":{row.error_line}"
        if row.error_column is not None:
            where += f":{row.error_column}"
    return f"{where}: {printable_path(row.error_message or '')}"


WARNING = "warning: "


def format_warning_line(path: str, line: int, column: int, message: str) -> str:
    """`path:line:col: warning: message` (0 for a position not known: left out)."""
    where = printable_path(path)
    if line:
        where += f":{line}"
        if column:
            where += f":{column}"
    return f"{where}: {WARNING}{printable_path(message)}"


def check_lines(path: str, row: ArticleSummary, duplicate: tuple[int, int, str] | None = None
                ) -> list[tuple[str, bool]]:
    """`copydesk check`'s lines for one row, each with whether it is a warning: its
    error, or its warnings in file order (the duplicate warning among them)."""
    if row.error is not None:
        return [(format_check_line(path, row), False)]
    found = [(line, column, message) for _, message, line, column in row.warning_list()]
    if duplicate is not None:
        found.append(duplicate)
    found.sort(key=lambda item: (item[0] or 0, item[1] or 0))
    return [(format_warning_line(path, line, column, message), True) for line, column, message in found]
