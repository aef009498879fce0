"""`copydesk set` and `copydesk show`: one article file at a time."""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from typing import Any

from app.article.model import QUALITY_MAX, QUALITY_MIN, Article, ArticleError
from app.cli.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, parse_bool, parse_quality, printable_path


def register(subparsers: Any) -> None:
    set_cmd = subparsers.add_parser("set", help="set published and/or quality in article files",
                                    description="Edit each FILE in place, changing only the edited values.")
    set_cmd.add_argument("--published", type=parse_bool, metavar="true|false")
    set_cmd.add_argument("--quality", type=parse_quality, metavar="N",
                         help=f"a whole number from {QUALITY_MIN} to {QUALITY_MAX}")
    set_cmd.add_argument("files", nargs="+", metavar="FILE")
    set_cmd.set_defaults(handler=_cmd_set)

    show_cmd = subparsers.add_parser("show", help="print an article's fields, or why it cannot be read")
    show_cmd.add_argument("file", metavar="FILE")
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
    from app.cli.team_commands import CliCommits
    from app.decisions import Change, Decision, FileTarget, decide

    # Through the one decision path, so a running window or `copydesk watch`
    # knows these edits as Copydesk's, and a team queue gets one commit for them.
    decision = Decision(tuple(Change(name, changes) for name in args.files), source="cli")
    commits = CliCommits()
    with commits.guard(args.files):
        outcomes = decide(FileTarget(), decision, recorders=[commits.recorder])
    commits.finish()
    status = EXIT_OK
    for outcome in outcomes:
        if not outcome.ok:
            print(f"{outcome.path}: {outcome.message}", file=sys.stderr)
            status = EXIT_FAILED
        elif outcome.warning:
            print(f"{outcome.path}: {outcome.warning}", file=sys.stderr)
    return status


def _cmd_show(args: argparse.Namespace) -> int:
    from app.article.frontmatter import load_article

    article = load_article(args.file)
    if isinstance(article, ArticleError):
        if args.json:
            print(json.dumps({"path": article.path, "error": article.describe(),
                              "line": article.line, "column": article.column}, ensure_ascii=False))
        else:
            print(f"{printable_path(article.path)}: {article.describe()}", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        record = asdict(article)
        record["error"] = None
        print(json.dumps(record, ensure_ascii=False, indent=2))
        return EXIT_OK
    print(format_article(article))
    return EXIT_OK


def format_article(article: Article) -> str:
    def shown(field: str, value: Any) -> str:
        if field in article.invalid:
            return f"invalid: {article.invalid[field]}"
        if value is None:
            return "missing"
        return ("yes" if value else "no") if isinstance(value, bool) else str(value)

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
