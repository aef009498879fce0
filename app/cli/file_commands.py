"""`copydesk set` and `copydesk show`: one article file at a time, each read
with its queue's profile (`app.queue.config.settings_for_file`)."""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from app.article.mapping import FieldMapping
from app.article.model import QUALITY_MAX, QUALITY_MIN, Article, ArticleError
from app.cli.common import (
    BOOL_WORDS,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    EXIT_USAGE_LINE,
    add_command,
    complete_as,
    parse_bool,
    parse_quality,
    printable_path,
)


def register(subparsers: Any) -> None:
    set_cmd = add_command(
        subparsers, "set", help="set published and/or quality in article files",
        description="Edit each FILE in place, changing only the edited values. Each FILE is read with its "
                    "queue's profile: publishing a Hugo page turns `draft: true` into `draft: false`, a "
                    "missing key gets one new line.",
        exit_codes=f"  {EXIT_OK}    every FILE holds the values now (written, or already held)\n"
                   f"  {EXIT_FAILED}    some FILE could not be edited (each is named on stderr, and left as it was)\n"
                   f"{EXIT_USAGE_LINE}",
        examples="  copydesk set --published true news/a.md news/b.md\n"
                 "  copydesk set --quality 80 --published false site/content/posts/draft.md\n"
                 "  copydesk list --json --min-quality 90 | jq -r '.[].path' | xargs copydesk set --published yes")
    complete_as(set_cmd.add_argument("--published", type=parse_bool, metavar="true|false"), words=BOOL_WORDS)
    set_cmd.add_argument("--quality", type=parse_quality, metavar="N",
                         help=f"a whole number from {QUALITY_MIN} to {QUALITY_MAX}")
    complete_as(set_cmd.add_argument("files", nargs="+", metavar="FILE"), "file")
    set_cmd.set_defaults(handler=_cmd_set)

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


def _cmd_set(args: argparse.Namespace) -> int:
    changes: dict[str, Any] = {}
    if args.published is not None:
        changes["published"] = args.published
    if args.quality is not None:
        changes["quality"] = args.quality
    if not changes:
        print("copydesk set: give --published and/or --quality", file=sys.stderr)
        return EXIT_USAGE
    from app.decisions import Change, Decision, FileTarget, decide

    # Through the one decision path, so a running window or `copydesk watch`
    # knows these edits as Copydesk's.
    decision = Decision(tuple(Change(name, changes) for name in args.files), source="cli")
    status = EXIT_OK
    for outcome in decide(FileTarget(), decision):
        if not outcome.ok:
            print(f"{outcome.path}: {outcome.message}", file=sys.stderr)
            status = EXIT_FAILED
        elif outcome.warning:
            print(f"{outcome.path}: {outcome.warning}", file=sys.stderr)
    return status


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
        print(json.dumps(article_record(article, args.file, relpath), ensure_ascii=False, indent=2))
        return EXIT_FAILED if isinstance(article, ArticleError) else EXIT_OK
    if isinstance(article, ArticleError):
        print(f"{printable_path(article.path)}: {article.describe()}", file=sys.stderr)
        return EXIT_FAILED
    print(format_article(article, settings.mapping))
    return EXIT_OK


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
