"""Plain data that the core hands out: articles, errors, summaries, write results.

Everything here is immutable and Qt-free, so it can cross threads freely.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

# The two fields an editor may change, and nothing else.
EDITABLE_FIELDS = ("published", "quality")
QUALITY_MIN, QUALITY_MAX = 0, 100

ARTICLE_SUFFIXES = (".txt", ".md", ".markdown", ".yaml", ".yml")  # what a seed-shaped queue lists
HTML_SUFFIXES = (".html", ".htm")  # articles too where the queue's profile says so (Jekyll)
# Only these are read as one YAML document; every other file must open with front matter.
PLAIN_YAML_SUFFIXES = (".yaml", ".yml")
FRONT_MATTER_SUFFIXES = (".txt", ".md", ".markdown") + HTML_SUFFIXES


@dataclass(frozen=True, slots=True)
class Provider:
    name: str = ""
    domain: str = ""


@dataclass(frozen=True, slots=True)
class Image:
    url: str
    width: int | None = None
    height: int | None = None
    is_cached: bool | None = None


@dataclass(frozen=True, slots=True)
class RelatedArticle:
    title: str = ""
    provider: Provider | None = None
    url: str = ""
    quality: int | None = None


@dataclass(frozen=True, slots=True)
class FieldWarning:
    """Something worth an editor's look in a readable article: a value of the
    wrong type (shown as-is), or one of `app.article.checks`. `message` names
    the file's key; `line` and `column` are where that key starts."""

    field: str  # the meaning ("title", "quality", "images") or, for a URL, its key ("webUrl")
    line: int | None  # 1-based line in the file, when known
    message: str
    column: int | None = None  # 1-based


@dataclass(frozen=True, slots=True)
class Article:
    """A readable article file. `published`/`quality` are None when missing or
    of the wrong type; `invalid` then holds the value as written in the file."""

    path: str
    published: bool | None = None
    quality: int | None = None
    title: str = ""
    excerpt: str = ""
    category: str = ""
    type: str = ""
    heat: int | float | None = None
    published_at: str = ""  # the date (publishedDateTime, or the mapping's date key) exactly as written
    urls: dict[str, str] = field(default_factory=dict)  # originalUrl, webUrl, ...
    provider: Provider | None = None
    topics: tuple[str, ...] = ()
    images: tuple[Image, ...] = ()
    related: tuple[RelatedArticle, ...] = ()
    secured: bool = False
    extra: dict[str, Any] = field(default_factory=dict)  # every other key, JSON-safe
    invalid: dict[str, str] = field(default_factory=dict)  # field -> text as written
    warnings: tuple[FieldWarning, ...] = ()
    front_matter: str = ""  # the raw YAML text, for a read-only view

    @property
    def error(self) -> None:
        return None


@dataclass(frozen=True, slots=True)
class ArticleError:
    """A file that cannot be read as an article. A value, never raised."""

    path: str
    message: str  # one line, no path in it
    line: int | None = None  # 1-based, in the file
    column: int | None = None  # 1-based

    @property
    def error(self) -> str:
        return self.describe()

    def describe(self) -> str:
        """`line 4, column 7: message` or just the message."""
        if self.line is None:
            return self.message
        if self.column is None:
            return f"line {self.line}: {self.message}"
        return f"line {self.line}, column {self.column}: {self.message}"


LoadResult = Article | ArticleError


WriteStatus = Literal["written", "unchanged", "conflict", "failed"]


@dataclass(frozen=True, slots=True)
class WriteResult:
    """The outcome of one edit of one file. A value, never raised.

    `disk_values` holds the editable fields as they are on disk after the call
    (for a conflict: the values that caused it). `sha256` is the hash of the
    file's bytes after a successful write, so a watcher can recognise it.
    `warning` is set when the write happened but something after it did not
    (a folder fsync refused by a network file system). `raced` marks a
    conflict that came from the file changing *while* saving, rather than
    from a value that differed from the expected one. A written result
    carries the file's new `article` (the parse that verified the edit) and,
    from a review queue, its new `row` (an `ArticleSummary`)."""

    path: str
    status: WriteStatus
    message: str = ""
    disk_values: dict[str, Any] = field(default_factory=dict)
    sha256: str | None = None
    warning: str = ""
    raced: bool = False
    article: Article | None = None
    new_stat: Any = None  # os.stat_result of the written file right after the swap
    row: Any = None
    previous: dict[str, Any] = field(default_factory=dict)  # written: each changed key's value before, as typed

    @property
    def ok(self) -> bool:
        return self.status in ("written", "unchanged")
