"""One row of the review queue: the few typed fields a list needs, or the file's error.

A summary is what the scanner sends between processes and what the index stores,
so it is kept small and turns into flat column values (`to_row`/`from_row`):
a warm open builds each row from one SQLite tuple, no YAML and no JSON.
Immutable, so it can cross threads freely.
"""
from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass
from typing import Any

from app.article.model import Article, ArticleError

# Bump when the row layout or the typing of a row changes; the index stores it and rebuilds on mismatch.
# 3: rows are typed through the queue's field mapping (and the index is keyed by it).
# 4: type, image count and each warning's position; the checks of app.article.checks.
RECORD_VERSION = 4
# The index column names of `to_row()`, in order.
ROW_COLUMNS = ("title", "excerpt", "provider", "published", "quality", "published_at", "topics", "heat",
               "category", "error", "error_line", "error_column", "extra", "image_url", "type", "image_count")
SummaryRow = tuple[Any, ...]
_TOPIC_SEP = "\x1f"  # ASCII unit separator: never in a topic worth showing
_BOOL = {None: None, True: True, False: False}  # SQLite hands booleans back as 0/1; 0 == False hashes alike


@dataclass(frozen=True, slots=True)
class ArticleSummary:
    path: str  # relative to the queue folder, '/'-separated
    title: str = ""
    excerpt: str = ""
    provider: str = ""  # provider name
    published: bool | None = None  # None: missing or not a boolean
    quality: int | None = None  # None: missing or not an integer in range
    published_at: str = ""  # the date as written (publishedDateTime, or the mapping's date key)
    topics: tuple[str, ...] = ()
    heat: int | float | None = None
    category: str = ""
    error: str | None = None  # ArticleError.describe(), or None for a readable article
    error_line: int | None = None
    error_column: int | None = None
    warnings: tuple[str, ...] = ()  # one line each: "quality: ..."
    invalid: tuple[tuple[str, str], ...] = ()  # (field, text as written) for wrong types
    image_url: str = ""  # first image's url, as written
    size: int = 0
    mtime_ns: int = 0
    type: str = ""
    image_count: int = 0  # image entries with a url
    warning_at: tuple[tuple[int, int], ...] = ()  # (line, column) of each warning's key, 0 when not known

    def warning_list(self) -> list[tuple[str, str, int, int]]:
        """Each warning as (field, message, line, column): what `copydesk check` prints."""
        at = self.warning_at
        out = []
        for n, text in enumerate(self.warnings):
            field, _, message = text.partition(": ")
            line, column = at[n] if n < len(at) else (0, 0)
            out.append((field, message or text, line, column))
        return out

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def error_message(self) -> str | None:
        """The error without its "line N, column M: " prefix (for `path:line:col: message`)."""
        if self.error is None:
            return None
        if self.error_line is not None:
            head, sep, rest = self.error.partition(": ")
            if sep and head.startswith("line "):
                return rest
        return self.error

    def to_row(self) -> SummaryRow:
        """Everything but path/size/mtime_ns as flat column values (the index stores one per column).

        Flat primitives keep both the index load and the worker->parent pickling
        cheap: a warm open builds each row from one SQLite tuple, no JSON."""
        extra = None
        if self.warnings or self.invalid:
            extra = json.dumps({"warnings": self.warnings, "invalid": self.invalid, "at": self.warning_at},
                               ensure_ascii=False)
        return (self.title, self.excerpt, self.provider, self.published, self.quality, self.published_at,
                _TOPIC_SEP.join(self.topics) if self.topics else None, self.heat, self.category, self.error,
                self.error_line, self.error_column, extra, self.image_url, self.type, self.image_count)

    @classmethod
    def from_row(cls, path: str, size: int, mtime_ns: int, row: SummaryRow) -> ArticleSummary:
        (title, excerpt, provider, published, quality, published_at, topics, heat, category, error,
         error_line, error_column, extra, image_url, kind, image_count) = row
        warnings: tuple[str, ...] = ()
        invalid: tuple[tuple[str, str], ...] = ()
        at: tuple[tuple[int, int], ...] = ()
        if extra is not None:
            decoded = json.loads(extra)
            warnings = tuple(decoded["warnings"])
            invalid = tuple((k, v) for k, v in decoded["invalid"])
            at = tuple((line, column) for line, column in decoded.get("at", ()))
        intern = sys.intern
        return cls(path, title, excerpt, intern(provider), _BOOL[published], quality, published_at,
                   tuple(map(intern, topics.split(_TOPIC_SEP))) if topics is not None else (), heat, intern(category),
                   error, error_line, error_column, warnings, invalid, image_url, size, mtime_ns, intern(kind),
                   image_count, at)

    def to_json(self, path: str | None = None) -> dict[str, Any]:
        """The object `copydesk list --json` prints for this row. `path` is the
        file's path as the caller names it (`list FOLDER` gives FOLDER joined
        with the row's path); `relpath` is the row's own, inside the queue.
        A missing value is null, never "" (`copydesk show --json` uses the
        same names for the same things)."""
        return {
            "path": self.path if path is None else path,
            "relpath": self.path,
            "title": self.title or None,
            "published": self.published,
            "quality": self.quality,
            "provider": self.provider or None,
            "category": self.category or None,
            "published_at": self.published_at or None,
            "heat": self.heat,
            "topics": list(self.topics),
            "image_url": self.image_url or None,
            "error": self.error,
            "line": self.error_line,
            "column": self.error_column,
            "warnings": list(self.warnings),
            "type": self.type or None,
            "image_count": self.image_count,
        }


def _text(value: object) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def summarize(result: Article | ArticleError, relpath: str, size: int, mtime_ns: int) -> ArticleSummary:
    """Reduce a parsed file to its row. Never raises for odd field values."""
    if isinstance(result, ArticleError):
        return ArticleSummary(relpath, error=result.describe() or "unreadable",
                              error_line=result.line, error_column=result.column,
                              size=size, mtime_ns=mtime_ns)
    intern = sys.intern
    provider = result.provider.name if result.provider is not None else ""
    heat = result.heat if isinstance(result.heat, (int, float)) and not isinstance(result.heat, bool) else None
    warnings = tuple(f"{w.field}: {w.message}" for w in result.warnings)
    warning_at = tuple((w.line or 0, w.column or 0) for w in result.warnings)
    if isinstance(heat, float) and not math.isfinite(heat):
        # `.nan`/`.inf`: JSON has no such number, and the index would turn NaN into NULL.
        warnings += (f"heat: heat is {heat}, expected a finite number",)
        warning_at += ((0, 0),)
        heat = None
    invalid = tuple((str(k), _text(v)) for k, v in result.invalid.items())
    image_url = result.images[0].url if result.images else ""
    published = result.published if isinstance(result.published, bool) else None
    quality = result.quality if isinstance(result.quality, int) and not isinstance(result.quality, bool) else None
    return ArticleSummary(
        relpath, _text(result.title), _text(result.excerpt), intern(_text(provider)),
        published, quality, _text(result.published_at),
        tuple(intern(_text(t)) for t in result.topics), heat, intern(_text(result.category)),
        None, None, None, warnings, invalid, _text(image_url), size, mtime_ns, intern(_text(result.type)),
        len(result.images), warning_at)
