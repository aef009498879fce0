"""The `copydesk` command: `copydesk [FOLDER]` opens the window, a subcommand
works without Qt (scripts, pre-commit hooks, CI).

Each command module has `register(subparsers)`; this module only assembles
them and hands over to the window when no subcommand is given.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from app import version
from app.cli import file_commands, queue_commands, team_commands
from app.cli.common import EXIT_FAILED

COMMAND_MODULES = (file_commands, queue_commands, team_commands)


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser, commands = build_parser()
    if not args_list or (args_list[0] not in commands and args_list[0] not in ("-h", "--help", "--version")):
        return _run_window(args_list)
    args = parser.parse_args(args_list)
    return int(args.handler(args))


def build_parser() -> tuple[argparse.ArgumentParser, frozenset[str]]:
    """The parser and the names of its subcommands."""
    parser = argparse.ArgumentParser(
        prog="copydesk",
        description="Review news articles stored as files: approve, unpublish and score them. "
                    "'copydesk [FOLDER] [--poll]' opens the window (the last folder, or a demo queue).")
    parser.add_argument("--version", action=_VersionAction, nargs=0, help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser, frozenset(sub.choices)


class _VersionAction(argparse.Action):
    """Looks the version up only when asked: importlib.metadata costs every
    `copydesk list` tens of milliseconds otherwise."""

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        print(f"copydesk {version()}")
        parser.exit()


def _run_window(argv: list[str]) -> int:
    """The one hand-over from the command line to the Qt shell."""
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
