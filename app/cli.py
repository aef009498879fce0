"""The `copydesk` command line.

`copydesk [FOLDER]` opens the window; the subcommands work without Qt, for
scripts, pre-commit hooks and CI. Subcommands of other parts register
themselves through a `register(subparsers)` function.
"""
from __future__ import annotations

import argparse
import importlib
import json
import sys
from dataclasses import asdict
from typing import Any, Sequence

from app.model import QUALITY_MAX, QUALITY_MIN, ArticleError

# Modules that add subcommands; each has `register(subparsers)`.
SUBCOMMAND_MODULES = ("app.cli_queue",)
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    commands = set(parser._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    if not args_list or (args_list[0] not in commands and args_list[0] not in ("-h", "--help", "--version")):
        return _run_window(args_list)
    args = parser.parse_args(args_list)
    return int(args.handler(args))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="copydesk",
        description="Review news articles stored as files: approve, unpublish and score them. "
                    "'copydesk [FOLDER] [--poll]' opens the window (the last folder, or a demo queue).")
    parser.add_argument("--version", action=_VersionAction, nargs=0, help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    set_cmd = sub.add_parser("set", help="set published and/or quality in article files",
                             description="Edit each FILE in place, changing only the edited values.")
    set_cmd.add_argument("--published", type=_parse_bool, metavar="true|false")
    set_cmd.add_argument("--quality", type=parse_quality, metavar="N",
                         help=f"a whole number from {QUALITY_MIN} to {QUALITY_MAX}")
    set_cmd.add_argument("files", nargs="+", metavar="FILE")
    set_cmd.set_defaults(handler=_cmd_set)

    show_cmd = sub.add_parser("show", help="print an article's fields, or why it cannot be read")
    show_cmd.add_argument("file", metavar="FILE")
    show_cmd.add_argument("--json", action="store_true", help="print JSON instead of text")
    show_cmd.set_defaults(handler=_cmd_show)

    for module_name in SUBCOMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        module.register(sub)
    return parser


class _VersionAction(argparse.Action):
    """Looks the version up only when asked: importlib.metadata costs every
    `copydesk list` tens of milliseconds otherwise."""

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        try:
            from importlib.metadata import version
            text = version("copydesk")
        except Exception:  # not installed, e.g. run from a checkout
            text = "dev"
        print(f"copydesk {text}")
        parser.exit()


def _parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("true", "yes", "1"):
        return True
    if lowered in ("false", "no", "0"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, not {text!r}")


def parse_quality(text: str) -> int:
    """An argparse type: a whole number from QUALITY_MIN to QUALITY_MAX."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
    if not QUALITY_MIN <= value <= QUALITY_MAX:
        raise argparse.ArgumentTypeError(f"must be from {QUALITY_MIN} to {QUALITY_MAX}, not {value}")
    return value


def _cmd_set(args: argparse.Namespace) -> int:
    changes: dict[str, Any] = {}
    if args.published is not None:
        changes["published"] = args.published
    if args.quality is not None:
        changes["quality"] = args.quality
    if not changes:
        print("copydesk set: give --published and/or --quality", file=sys.stderr)
        return EXIT_USAGE
    from app.own_writes import OwnWriteJournal, journaled_write
    from app.writer import write_front_matter_edit

    journal = OwnWriteJournal()  # so a running window or `copydesk watch` knows these edits as Copydesk's
    status = EXIT_OK
    for name in args.files:
        result = journaled_write(write_front_matter_edit, name, changes, journal=journal)
        if not result.ok:
            print(f"{name}: {result.message}", file=sys.stderr)
            status = EXIT_FAILED
        elif result.warning:
            print(f"{name}: {result.warning}", file=sys.stderr)
    return status


def _cmd_show(args: argparse.Namespace) -> int:
    from app.frontmatter import load_article

    article = load_article(args.file)
    if isinstance(article, ArticleError):
        if args.json:
            print(json.dumps({"path": article.path, "error": article.describe(),
                              "line": article.line, "column": article.column}, ensure_ascii=False))
        else:
            print(f"{article.path}: {article.describe()}", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        record = asdict(article)
        record["error"] = None
        print(json.dumps(record, ensure_ascii=False, indent=2))
        return EXIT_OK
    print(format_article(article))
    return EXIT_OK


def format_article(article: Any) -> str:
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
    lines = [f"{article.path}"] + [f"  {key:<12} {value}" for key, value in rows if value != ""]
    lines += [f"  warning      line {w.line}: {w.message}" if w.line else f"  warning      {w.message}"
              for w in article.warnings]
    return "\n".join(lines)


def _run_window(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="copydesk", description="Open the review window.")
    parser.add_argument("folder", nargs="?", help="the article folder (default: the last one, or a demo queue)")
    parser.add_argument("--poll", action="store_true", help="watch by polling (network shares)")
    args = parser.parse_args(argv)
    try:
        from ui.app import run  # Qt is imported only here, never by the core
    except ImportError as exc:
        print(f"copydesk: the window cannot start: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return int(run(args.folder, poll=args.poll))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
