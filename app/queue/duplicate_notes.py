"""Where a duplicate warning points: the line of the key that makes the copy
(the URL key holding the shared URL, or the title key), for `copydesk check`'s
`path:line:col: warning: duplicate: ...` lines.

Only duplicates are read again (they are few), with the one parser.
"""
from __future__ import annotations

import os

from app.article.frontmatter import line_and_column, parse_document, read_article_bytes
from app.article.mapping import FieldMapping
from app.queue.duplicate_groups import STRONG_KINDS, URL, DuplicateView, describe_copies
from app.queue.duplicate_keys import canonical_url
from app.queue.duplicate_records import URL_FIELDS


def duplicate_warnings(view: DuplicateView, root: str, mapping: FieldMapping) -> dict[str, tuple[int, int, str]]:
    """relpath -> (line, column, "duplicate: ...") for every article with a copy."""
    found: dict[str, tuple[int, int, str]] = {}
    for key in sorted(view.keys_with_copies(STRONG_KINDS)):
        text = describe_copies(view, key)
        if text is None:
            continue
        line, column = _position(view, key, os.path.join(root, *key.split("/")), mapping)
        found[key] = (line, column, f"duplicate: {text}")
    return found


def _position(view: DuplicateView, key: str, path: str, mapping: FieldMapping) -> tuple[int, int]:
    try:
        doc = parse_document(path, read_article_bytes(path))
    except OSError:
        return 0, 0
    if not hasattr(doc, "key_nodes"):
        return 0, 0
    url_group = next((g for g in view.groups_of(key) if g.kind == URL), None)
    names = [name for name in URL_FIELDS
             if url_group is not None and isinstance(doc.data.get(name), str)
             and canonical_url(doc.data[name]) == url_group.key]
    names += [name for name in mapping.title if name in doc.data]
    for name in names:
        pairs = doc.key_nodes(name)
        if pairs:
            return line_and_column(doc.text, doc.fm_start + pairs[-1][0].start_mark.index)
    return line_and_column(doc.text, doc.fm_start)
