"""What each key of a queue's files means: the one place that turns a meaning
("published", "quality") into a key and back.

Copydesk decides in meanings: an editor publishes, unpublishes and scores.
Which key holds that in a file is the queue's to say: the seed's
`published: true`, Jekyll's `published` (missing means published), Hugo's
`draft` (inverted: `draft: true` means unpublished, and `published` there is a
date). A `FieldMapping` says it, and is applied at exactly two boundaries:
key -> meaning when an article is typed (`app.article.frontmatter`), and
meaning -> key when an edit is made (`app.article.edit`, `app.article.writer`).
Everything above those speaks of meanings only.

Frozen and made of strings, tuples, numbers and booleans, so it pickles cheaply
into the scan's worker processes, and its `fingerprint()` keys the index (rows
typed under one mapping are never served under another).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any

from app.article.model import EDITABLE_FIELDS, QUALITY_MAX, QUALITY_MIN

# What a missing publish key means, in the words a config file uses.
MISSING_WORDS: dict[str, bool | None] = {"published": True, "unpublished": False, "unset": None}


@dataclass(frozen=True, slots=True)
class FieldMapping:
    """The default is the seed's schema: nothing changes for seed-shaped queues."""

    published_key: str = "published"
    published_inverted: bool = False  # True: `key: true` in the file means unpublished (Hugo's `draft`)
    published_missing: bool | None = None  # what a missing key means; None: "not set"
    quality_key: str = "quality"
    quality_min: int = QUALITY_MIN
    quality_max: int = QUALITY_MAX
    # A missing quality is a warning (`app.article.checks`): true for the seed's
    # schema, where every article is scored; sites (Hugo, Jekyll) score nothing.
    quality_expected: bool = True
    # Keys in order of preference: the first one with a value wins...
    title: tuple[str, ...] = ("title",)
    excerpt: tuple[str, ...] = ("excerpt",)
    date: tuple[str, ...] = ("publishedDateTime",)
    category: tuple[str, ...] = ("category",)
    provider: tuple[str, ...] = ("provider",)
    images: tuple[str, ...] = ("images",)
    # ...except topics, which every listed key feeds (tags and categories both are topics).
    topics: tuple[str, ...] = ("topics",)
    split_topic_text: bool = False  # Jekyll: `tags: a b c` is three tags
    date_from_filename: bool = False  # Jekyll: a post named 2024-05-01-title.md is dated 2024-05-01

    def key_of(self, name: str) -> str:
        """The file's key for a meaning ("published" -> "draft" in Hugo)."""
        if name == "published":
            return self.published_key
        if name == "quality":
            return self.quality_key
        raise ValueError(f"'{name}' is not an editable field (only {', '.join(EDITABLE_FIELDS)})")

    def to_disk(self, name: str, value: Any) -> Any:
        """A meaning's value as the file holds it (published True -> `draft: false`)."""
        if name == "published" and self.published_inverted and isinstance(value, bool):
            return not value
        return value

    def valid_published(self, raw: Any) -> bool | None:
        """The publish decision a key's raw value stands for, or None when it is not a boolean."""
        if not isinstance(raw, bool):
            return None
        return not raw if self.published_inverted else raw

    def valid_quality(self, raw: Any) -> int | None:
        if isinstance(raw, int) and not isinstance(raw, bool) and self.quality_min <= raw <= self.quality_max:
            return raw
        return None

    def editable_values(self, data: dict[Any, Any]) -> dict[str, Any]:
        """Each meaning as the file holds it: a valid value, the mapping's default
        for a missing publish key, else None (missing or invalid; `draft:` with
        no value is invalid, not missing, as the row that shows it says)."""
        if self.published_key in data:
            published = self.valid_published(data[self.published_key])
        else:
            published = self.published_missing
        return {"published": published, "quality": self.valid_quality(data.get(self.quality_key))}

    def previous_values(self, data: dict[Any, Any], names: Any) -> dict[str, Any]:
        """For a write's record: each meaning's value before, as typed; None when its
        key was missing (so an audit can tell "inserted" from "changed")."""
        out: dict[str, Any] = {}
        for name in names:
            key = self.key_of(name)
            if key not in data or data[key] is None:
                out[name] = None
                continue
            raw = data[key]
            typed = self.valid_published(raw) if name == "published" else self.valid_quality(raw)
            out[name] = typed if typed is not None else raw
        return out

    def describe_key(self, name: str, value: Any) -> str:
        """How a decision reads in the file: "draft: false" for publishing in Hugo."""
        disk = self.to_disk(name, value)
        text = ("true" if disk else "false") if isinstance(disk, bool) else str(disk)
        return f"{self.key_of(name)}: {text}"

    @property
    def is_plain(self) -> bool:
        """True when each meaning is its own key, uninverted (the seed's schema)."""
        return (self.published_key, self.quality_key, self.published_inverted) == ("published", "quality", False)

    def fingerprint(self) -> str:
        """A stable digest of everything that decides how a row is typed."""
        text = json.dumps(asdict(self), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


DEFAULT_MAPPING = FieldMapping()
