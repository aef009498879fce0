"""The checks a readable article gets: small, each naming the field and the key.

`type_article` runs them while it types a file (it knows where each key sits),
so every reader (the queue's rows, `copydesk check`, `show`, the window) sees
the same warnings. They are warnings, not errors: the article is still a row
with values. Which ones, and why each is worth an editor's look:

- the title is missing or empty (a queue row without a title cannot be judged);
- quality is missing (when the queue expects one: `FieldMapping.quality_expected`),
  out of range or not a whole number, and `published` is not a boolean
  (these two come from the typing itself, which keeps the value as written);
- an image entry without a url (the picture cannot be shown);
- the date does not parse (`app.article.dates`: it sorts and filters wrongly);
- a related entry without a url (a link to nowhere);
- a URL key (`webUrl`, `originalUrl`, `ampWebUrl`, `cdnAmpWebUrl`, and those of
  related entries) that is not an http(s) URL with a host.

Two more need more than the file and are added where that is known: an image
whose declared size differs from the real one (the window, once the picture is
loaded) and a duplicate (the queue's duplicate groups).

Pure functions; any thread.
"""
from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from app.article.dates import parses
from app.article.mapping import FieldMapping
from app.article.model import FieldWarning

# Where a key (or the n-th entry of a key's list) starts: (line, column), 1-based; (None, None) if unknown.
Position = Callable[[str, "int | None"], "tuple[int | None, int | None]"]
URL_KEYS = ("originalUrl", "webUrl", "ampWebUrl", "cdnAmpWebUrl")
RELATED_URL_KEYS = ("webUrl", "originalUrl", "url", "ampWebUrl", "cdnAmpWebUrl")


def is_http_url(value: Any) -> bool:
    """An http or https URL with a host (spaces around it allowed, as feeds leave them)."""
    if not isinstance(value, str):
        return False
    try:
        parts = urlsplit(value.strip())
        return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:  # a port that is not a number, an unbalanced [ in the host
        return False


def _shown(value: Any, limit: int = 60) -> str:
    text = value if isinstance(value, str) else repr(value)
    text = " ".join(text.split()) or "empty"
    return text if len(text) <= limit else text[:limit - 1] + "…"


def check_article(data: dict[Any, Any], mapping: FieldMapping, position: Position, *, title_key: str | None,
                  date_key: str | None, images_key: str | None) -> list[FieldWarning]:
    """The warnings of one typed article. `title_key`, `date_key` and `images_key`
    are the keys the typing took those fields from (None: none had a value)."""
    found: list[FieldWarning] = []

    def warn(field: str, key: str, message: str, entry: int | None = None) -> None:
        line, column = position(key, entry)
        found.append(FieldWarning(field, line, message, column))

    _check_title(data, mapping, title_key, warn)
    if mapping.quality_expected and data.get(mapping.quality_key) is None:
        warn("quality", mapping.quality_key if mapping.quality_key in data else "", f"{mapping.quality_key} is missing")
    if images_key is not None:
        _check_images(data[images_key], images_key, warn)
    if date_key is not None:
        value = data[date_key]
        if not isinstance(value, (_dt.date, _dt.datetime)) and not (isinstance(value, str) and parses(value)):
            warn("date", date_key, f"{date_key} is {_shown(value)}, not a date (expected e.g. 2022-02-01T20:02:00Z)")
    for key in URL_KEYS:
        value = data.get(key)
        if value is not None and not is_http_url(value):
            warn(key, key, f"{key} is {_shown(value)}, not an http(s) URL")
    related = data.get("related")
    if related is not None:
        _check_related(related, warn)
    return found


def _check_title(data: dict[Any, Any], mapping: FieldMapping, title_key: str | None,
                 warn: Callable[..., None]) -> None:
    if title_key is not None:
        value = data[title_key]
        if isinstance(value, str) and not value.strip():
            warn("title", title_key, f"{title_key} is empty")
        return
    present = next((key for key in mapping.title if key in data), None)
    if present is not None:
        warn("title", present, f"{present} is empty")
    else:
        warn("title", "", f"{mapping.title[0] if mapping.title else 'title'} is missing")


def _check_images(value: Any, key: str, warn: Callable[..., None]) -> None:
    entries = value if isinstance(value, list) else [value]
    for index, entry in enumerate(entries):
        url = entry.get("url") or entry.get("path") if isinstance(entry, dict) else entry
        if not (isinstance(url, str) and url.strip()):
            name = f"{key}[{index}]" if isinstance(value, list) else key
            warn("images", key, f"{name} has no url", index if isinstance(value, list) else None)


def _check_related(value: Any, warn: Callable[..., None]) -> None:
    entries = value if isinstance(value, list) else [value]
    for index, entry in enumerate(entries):
        at = index if isinstance(value, list) else None
        name = f"related[{index}]" if isinstance(value, list) else "related"
        if not isinstance(entry, dict):
            warn("related", "related", f"{name} is {_shown(entry)}, not an entry with a url", at)
            continue
        urls = [(k, entry[k]) for k in RELATED_URL_KEYS if entry.get(k) is not None]
        if not any(isinstance(url, str) and url.strip() for _, url in urls):
            warn("related", "related", f"{name} has no url", at)
            continue
        for key, url in urls:
            if not is_http_url(url):
                warn("related", "related", f"{name}.{key} is {_shown(url)}, not an http(s) URL", at)
