"""One article as the duplicate engine sees it, and what it is filed under.

`DuplicateRecord` is the input: a key (the relative path), the candidate URLs,
title, provider and excerpt, so the engine never depends on how rows are
built. `record_keys` is a pure function of a record (canonical URLs, title
key, LSH bands): a parse worker can compute it once per file change, the
index can store it, and `DuplicateIndex.build(records, keys=...)` then skips
the costly part of a build.
"""
from __future__ import annotations

from array import array
from dataclasses import dataclass

from app.article.model import Article
from app.article.summary import ArticleSummary
from app.queue.duplicate_keys import canonical_urls, provider_key, title_key
from app.queue.near_duplicates import Bands, Shingles, shingles, sketch_bands

# The front-matter keys whose URLs are candidates. A related entry's URLs are
# links to other stories, never copies, so they are not among them.
URL_FIELDS = ("webUrl", "originalUrl", "ampWebUrl", "cdnAmpWebUrl")
# Stored RecordKeys are stale when this changes (a new canonical form, title
# folding or sketch): whoever stores them keeps this number beside them.
KEYS_VERSION = 1
TITLE_SEP = "\x1f"  # between the provider key and the title key


@dataclass(frozen=True, slots=True)
class DuplicateRecord:
    """What the engine needs of one article. `key` is its path relative to the queue."""
    key: str
    urls: tuple[str, ...] = ()  # webUrl, originalUrl, ampWebUrl, cdnAmpWebUrl as written (strings only)
    title: str = ""
    provider: str = ""  # the provider's name
    excerpt: str = ""

    @classmethod
    def from_article(cls, key: str, article: Article) -> DuplicateRecord:
        """The record of a parsed article (values of the wrong type count as missing)."""
        urls = tuple(url for name in URL_FIELDS if isinstance(url := article.urls.get(name), str) and url)
        provider = article.provider.name if article.provider is not None else ""
        return cls(key, urls, _text(article.title), _text(provider), _text(article.excerpt))


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


@dataclass(frozen=True, slots=True)
class RecordKeys:
    """What one record is filed under. Plain values: picklable, and storable as
    two strings and a few integers; only meaningful with the same KEYS_VERSION."""
    urls: tuple[str, ...]  # canonical story URLs, sorted
    title: str  # provider key + "\x1f" + title key; "" for no title
    bands: Bands | None = None  # LSH band keys; None when not computed

    @property
    def title_key(self) -> str:
        return self.title.partition(TITLE_SEP)[2]

    def to_row(self) -> tuple[str, str, bytes | None]:
        """Three column values for the index: URLs one a line (a canonical URL has
        no line break), the filed title, the bands as 8-byte integers."""
        bands = array("q", self.bands).tobytes() if self.bands is not None else None
        return "\n".join(self.urls), self.title, bands

    @classmethod
    def from_row(cls, urls: str, title: str, bands: bytes | None) -> RecordKeys:
        packed = array("q")
        if bands is not None:
            packed.frombytes(bands)
        return cls(tuple(urls.split("\n")) if urls else (), title, tuple(packed) if bands is not None else None)


def record_keys(record: DuplicateRecord, *, sketch: bool = True) -> RecordKeys:
    """A record's keys; pure, for any thread or process (`sketch=False`: no bands)."""
    urls = canonical_urls(record.urls)
    title = filed_title(record, urls, provider_key(record.provider))
    bands = sketch_bands(shingles(title.partition(TITLE_SEP)[2], record.excerpt)) if sketch else None
    return RecordKeys(urls, title, bands)


def similar_shingles(record: DuplicateRecord) -> Shingles:
    """The shingles the similar check compares for `record` (its title key plus excerpt)."""
    return shingles(record_keys(record, sketch=False).title_key, record.excerpt)


def filed_title(record: DuplicateRecord, urls: tuple[str, ...], provider: str) -> str:
    """The title map's key of a record: provider key + TITLE_SEP + title key, or ""."""
    if not record.title:
        return ""
    folded = title_key(record.title, record.provider, urls)
    return f"{provider}{TITLE_SEP}{folded}" if folded else ""


def summary_record(row: ArticleSummary, urls: tuple[str, ...]) -> DuplicateRecord:
    """The record of a queue row: its title, provider and excerpt as the row has
    them (so a record built from a row and one built from its file agree), and
    `urls` (as written, or already canonical: canonical URLs are their own
    canonical form)."""
    return DuplicateRecord(row.path, urls, row.title, row.provider, row.excerpt)


def article_urls(article: Article) -> tuple[str, ...]:
    """The URLs an article is filed under, as written (`URL_FIELDS`, set ones only)."""
    return tuple(url for name in URL_FIELDS if isinstance(url := article.urls.get(name), str) and url)


def duplicate_keys_row(row: ArticleSummary, article: Article) -> tuple[str, str, bytes | None]:
    """What a parse worker stores for a readable article: its RecordKeys, as index columns."""
    return record_keys(summary_record(row, article_urls(article))).to_row()
