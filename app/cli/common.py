"""What every `copydesk` subcommand shares: exit codes, argument types, how
signals stop a command, and how odd text is printed safely.

Nothing here imports a subcommand, so every command module can import it.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys
import textwrap
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from app.queue import bounds

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 128 + signal.SIGINT  # the shell's convention for Ctrl-C
EXIT_TERMINATED = 128 + signal.SIGTERM

# The words every --help uses for the codes every command shares.
EXIT_USAGE_LINE = f"  {EXIT_USAGE}    usage error: a mistyped option, a bad value, a missing FOLDER or FILE"
EXIT_STOP_LINES = (f"  {EXIT_INTERRUPTED}  interrupted (Ctrl-C)\n"
                   f"  {EXIT_TERMINATED}  terminated (SIGTERM)")


def add_command(subparsers: Any, name: str, *, help: str, description: str, exit_codes: str,
                examples: str) -> argparse.ArgumentParser:
    """A subcommand whose --help has a description, its exit codes and examples,
    laid out as written (RawDescriptionHelpFormatter)."""
    epilog = f"exit status:\n{exit_codes.rstrip()}\n\nexamples:\n{examples.rstrip()}"
    # The raw formatter keeps the epilog's lines; the description is wrapped here, as argparse would.
    return subparsers.add_parser(name, help=help, description=textwrap.fill(description, 79), epilog=epilog,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)


def complete_as(action: argparse.Action, kind: str = "", words: tuple[str, ...] = ()) -> argparse.Action:
    """Tell the shell completion what an argument names: "file", "folder" or
    "path", or the `words` it takes (for a type that accepts more than choices would)."""
    action.complete = kind  # type: ignore[attr-defined]  # read by app.cli.completion
    action.complete_words = words  # type: ignore[attr-defined]
    return action


BOOL_WORDS = ("true", "false", "yes", "no")  # what parse_bool takes, as completion offers it


def display_path(folder: str, relpath: str) -> str:
    """A queue file's path as the command line names it: FOLDER (as given) joined
    with its '/'-separated path inside the queue, so it works from the folder the
    command was run in (`check` prints it, `list --json` gives it as `path`)."""
    return os.path.normpath(os.path.join(folder, *relpath.split("/")))



# --- argument types -----------------------------------------------------------

def parse_bool(text: str) -> bool:
    """true/false, yes/no, 1/0, in any case: the words `set --published` and `list --published` share."""
    lowered = text.strip().lower()
    if lowered in ("true", "yes", "1"):
        return True
    if lowered in ("false", "no", "0"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, not {text!r}")


def parse_quality(text: str) -> int:
    """A whole number from QUALITY_MIN to QUALITY_MAX (`app.queue.bounds`), as an argument type."""
    try:
        return bounds.parse_quality(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def parse_seconds(text: str) -> float:
    """A duration: a finite number >= 0 (a negative one would rescan without pause)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, not {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more seconds, not {text}")
    return value


# --- stopping -----------------------------------------------------------------

class Terminated(KeyboardInterrupt):
    """SIGTERM (`kill`, `timeout`, a CI runner's cancel), handled like Ctrl-C."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated


@contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """While inside, SIGTERM raises `Terminated`, so `finally` blocks run: the
    index is closed and parse workers are shut down, not orphaned."""
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def interrupted_status(exc: KeyboardInterrupt) -> int:
    return EXIT_TERMINATED if isinstance(exc, Terminated) else EXIT_INTERRUPTED


# --- output -------------------------------------------------------------------

def print_notices(notices: Iterable[str]) -> None:
    for text in notices:
        print(f"copydesk: {text}", file=sys.stderr)


def silence_stdout() -> None:
    """The reader went away (`| head`): point stdout at /dev/null so the
    interpreter's final flush does not print a second BrokenPipeError."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def printable_path(path: str) -> str:
    """A path as one unambiguous printable line: a newline or an ESC in a name
    is shown as `\\n` / `\\x1b`, a byte that is not UTF-8 as `\\xff`."""
    if path.isprintable():
        return path
    out = []
    for ch in path:
        if ch.isprintable():
            out.append(ch)
        elif 0xDC80 <= ord(ch) <= 0xDCFF:  # os.fsdecode's stand-in for the byte ord(ch) - 0xDC00
            out.append(f"\\x{ord(ch) - 0xDC00:02x}")
        else:
            out.append(ch.encode("unicode_escape").decode("ascii"))
    return "".join(out)


def is_utf8(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def json_line(obj: object) -> str:
    """One JSON value on one line, readable (not ASCII-escaped) unless it holds a
    file name that is not UTF-8 (lone surrogates from os.fsdecode), which is
    then written with \\uXXXX escapes: valid JSON either way."""
    line = json.dumps(obj, ensure_ascii=False)
    return line if line.isascii() or is_utf8(line) else json.dumps(obj)
