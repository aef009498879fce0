"""`copydesk show`: one article file, read with its queue's profile
(`app.queue.config.settings_for_file`). `copydesk set` is `app.cli.set_command`."""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from app.article.mapping import FieldMapping
from app.article.model import Article, ArticleError
from app.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE_LINE,
    add_command,
    complete_as,
    printable_path,
)


def register(subparsers: Any) -> None:
    show_cmd = add_command(
        subparsers, "show", help="print an article's fields, or why it cannot be read",
        description="Print FILE's fields as its queue's profile reads them. --json uses the field names of "
                    "`copydesk list --json` (a missing value is null), plus what only a whole article has.",
        exit_codes=f"  {EXIT_OK}    FILE was read\n"
                   f"  {EXIT_FAILED}    FILE cannot be read as an article (the message says where), or its "
                   "queue's config.toml cannot be used\n"
                   f"{EXIT_USAGE_LINE}",
        examples="  copydesk show news/a.md\n"
                 "  copydesk show --json site/_posts/2024-05-01-launch.md | jq .published")
    complete_as(show_cmd.add_argument("file", metavar="FILE"), "file")
    show_cmd.add_argument("--json", action="store_true", help="print JSON instead of text")
    show_cmd.set_defaults(handler=_cmd_show)


def _cmd_show(args: argparse.Namespace) -> int:
    from app.article.frontmatter import load_article
    from app.cli.output import article_record
    from app.queue.config import settings_for_file

    settings = settings_for_file(args.file)
    if settings.error is not None:
        print(f"copydesk show: {settings.error.describe()}", file=sys.stderr)
        return EXIT_FAILED
    article = load_article(args.file, settings.mapping)
    if args.json:
        relpath = Path(os.path.abspath(args.file)).relative_to(settings.folder).as_posix()
        record = article_record(article, args.file, relpath)
        record["review"] = _review_of(settings.folder, relpath, args.file)
        print(json.dumps(record, ensure_ascii=False, indent=2))
        return EXIT_FAILED if isinstance(article, ArticleError) else EXIT_OK
    if isinstance(article, ArticleError):
        print(f"{printable_path(article.path)}: {article.describe()}", file=sys.stderr)
        return EXIT_FAILED
    print(format_article(article, settings.mapping))
    return EXIT_OK


def _review_of(queue_folder: Path, relpath: str, file: str) -> str:
    """The file's review state, as `list --json` gives it."""
    import hashlib

    from app.article.frontmatter import read_article_bytes
    from app.audit.review import review_status_of_file

    try:
        digest: str | None = hashlib.sha256(read_article_bytes(file)).hexdigest()
    except OSError:
        digest = None
    return review_status_of_file(queue_folder, relpath, digest)


def format_article(article: Article, mapping: FieldMapping | None = None) -> str:
    def shown(field: str, value: Any) -> str:
        if field in article.invalid:
            return f"invalid: {article.invalid[field]}"
        if value is None:
            return "missing"
        text = ("yes" if value else "no") if isinstance(value, bool) else str(value)
        if mapping is not None and not mapping.is_plain and field == "published":
            text += f" (from {mapping.published_key}{', inverted' if mapping.published_inverted else ''})"
        return text

    rows = [
        ("title", article.title), ("published", shown("published", article.published)),
        ("quality", shown("quality", article.quality)),
        ("provider", f"{article.provider.name} ({article.provider.domain})" if article.provider else ""),
        ("date", article.published_at), ("category", article.category), ("type", article.type),
        ("heat", "" if article.heat is None else str(article.heat)),
        ("topics", ", ".join(article.topics)), ("excerpt", article.excerpt),
    ]
    rows += [(key, url) for key, url in article.urls.items()]
    rows += [("image", f"{img.url} ({img.width}x{img.height})") for img in article.images]
    rows += [("related", f"{rel.title} [{rel.quality}]") for rel in article.related]
    rows.append(("secured", "yes" if article.secured else "no"))
    rows += [(key, json.dumps(value, ensure_ascii=False)) for key, value in article.extra.items()]
    lines = [printable_path(article.path)] + [f"  {key:<12} {value}" for key, value in rows if value != ""]
    lines += [f"  warning      line {w.line}: {w.message}" if w.line else f"  warning      {w.message}"
              for w in article.warnings]
    return "\n".join(lines)
