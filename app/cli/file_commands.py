"""`copydesk show`: one article file (`copydesk set` is `app.cli.set_command`)."""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from typing import Any

from app.article.model import Article, ArticleError
from app.cli.common import EXIT_FAILED, EXIT_OK, printable_path


def register(subparsers: Any) -> None:
    show_cmd = subparsers.add_parser("show", help="print an article's fields, or why it cannot be read")
    show_cmd.add_argument("file", metavar="FILE")
    show_cmd.add_argument("--json", action="store_true", help="print JSON instead of text")
    show_cmd.set_defaults(handler=_cmd_show)


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
