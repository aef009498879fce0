"""The `copydesk` command: `copydesk [FOLDER]` opens the window, a subcommand
works without Qt (scripts, pre-commit hooks, CI).

Each command module has `register(subparsers)`; this module only assembles
them and hands over to the window when no subcommand is given.
"""
from __future__ import annotations

import argparse
import difflib
import os
import sys
from collections.abc import Sequence
from typing import Any

from app import version
from app.cli import (audit_commands, duplicate_commands, file_commands, queue_commands, set_command, setup_commands,
                     team_commands)
from app.cli.common import EXIT_FAILED, EXIT_USAGE

COMMAND_MODULES = (set_command, file_commands, queue_commands, duplicate_commands, audit_commands, team_commands,
                   setup_commands)


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser, commands = build_parser()
    if args_list and _mistyped_command(args_list[0], commands):
        close = difflib.get_close_matches(args_list[0], sorted(commands), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else f" (commands: {', '.join(sorted(commands))})"
        parser.print_usage(sys.stderr)
        print(f"copydesk: error: '{args_list[0]}' is neither a command nor a folder{hint}", file=sys.stderr)
        return EXIT_USAGE
    if not args_list or (args_list[0] not in commands and args_list[0] not in ("-h", "--help", "--version")):
        return _run_window(args_list)
    args, unknown = parser.parse_known_args(args_list)
    if unknown:
        # Said by the subcommand's own parser, so its usage (not the top level's) is shown.
        subparser = parser._subparsers_by_name[args.command]  # type: ignore[attr-defined]
        subparser.error(f"unrecognized arguments: {' '.join(unknown)}")
    args.root_parser = parser  # `copydesk completion` reads every command from it
    return int(args.handler(args))


def _mistyped_command(word: str, commands: frozenset[str]) -> bool:
    """A first word that is no command, no option, and names nothing on disk
    (`copydesk lst`): an error, rather than a window opened on a missing folder.
    A word with a '/' is taken as a path for the window to say it is missing."""
    return (word not in commands and not word.startswith("-") and "/" not in word and os.sep not in word
            and not os.path.lexists(word))


def build_parser() -> tuple[argparse.ArgumentParser, frozenset[str]]:
    """The parser and the names of its subcommands."""
    parser = argparse.ArgumentParser(
        prog="copydesk",
        description="Review news articles stored as files: approve, unpublish and score them. "
                    "'copydesk [FOLDER] [--poll]' opens the window (the last folder, or a demo queue; "
                    "Qt's own options such as -style Fusion are passed to Qt).")
    parser.add_argument("--version", action=_VersionAction, nargs=0, help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(sub)
    parser._subparsers_by_name = dict(sub.choices)  # type: ignore[attr-defined]  # for main's errors
    return parser, frozenset(sub.choices)


class _VersionAction(argparse.Action):
    """Looks the version up only when asked: importlib.metadata costs every
    `copydesk list` tens of milliseconds otherwise."""

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        print(f"copydesk {version()}")
        parser.exit()


def _run_window(argv: list[str]) -> int:
    """The one hand-over from the command line to the Qt shell. Qt's own options
    (`-style Fusion`, `-platform offscreen`, ...) go to QApplication as they are."""
    try:
        from ui.app import run, split_qt_arguments  # Qt is imported only here, never by the core
    except ImportError as exc:
        print(f"copydesk: the window cannot start: {exc}", file=sys.stderr)
        return EXIT_FAILED
    qt_args, ours = split_qt_arguments(argv)
    parser = argparse.ArgumentParser(prog="copydesk", description="Open the review window.",
                                     epilog="Qt's own options (-style NAME, -platform NAME, -reverse, ...) "
                                            "are passed to Qt.")
    parser.add_argument("folder", nargs="?", help="the article folder (default: the last one, or a demo queue)")
    parser.add_argument("--poll", action="store_true", help="watch by polling (network shares)")
    args = parser.parse_args(ours)
    return int(run(args.folder, poll=args.poll, qt_args=qt_args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
