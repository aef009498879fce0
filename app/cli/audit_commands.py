"""`copydesk log`: the audit trail of a queue folder, newest last.

Reads every `.copydesk/log/*.jsonl` of FOLDER (each editor's log), skips
corrupt lines with a notice on stderr naming the file and line, and prints one
line per logged decision and field, oldest first, or with `--json` one object
per line with the log's own fields.
"""
from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from app.cli.common import (
    EXIT_OK,
    EXIT_USAGE,
    EXIT_USAGE_LINE,
    add_command,
    complete_as,
    json_line,
    print_notices,
    printable_path,
    silence_stdout,
)

if TYPE_CHECKING:
    from app.audit.log import LogEntry


def register(subparsers: Any) -> None:
    cmd = add_command(
        subparsers, "log", help="print the audit trail of a queue folder",
        description="Print every logged decision about the articles of FOLDER (from .copydesk/log/), "
                    "newest last. Filters combine: every one given must match. Corrupt log lines are "
                    "skipped with a notice on stderr naming the file and line.",
        exit_codes=f"  {EXIT_OK}    the trail was printed (possibly empty)\n"
                   f"{EXIT_USAGE_LINE} (also: FOLDER is not a folder)",
        examples="  copydesk log desk\n"
                 "  copydesk log desk --editor 'Ana Lima' --since 2026-12-01 --field published\n"
                 "  copydesk log desk --json --path news/ | jq -r .reason")
    complete_as(cmd.add_argument("folder", metavar="FOLDER"), "folder")
    cmd.add_argument("--json", action="store_true",
                     help="one JSON object per line: time, editor, path, field, old, new, reason, source, "
                          "batch, sha256")
    cmd.add_argument("--path", metavar="P", help="only this article, or every article under this folder "
                                                 "(relative to FOLDER, or FOLDER joined with it)")
    cmd.add_argument("--editor", metavar="E", help="only decisions by this editor (the name, or its log's name)")
    cmd.add_argument("--since", type=parse_since, metavar="ISO",
                     help="only decisions at or after this time (2026-12-01, 2026-12-01T09:30, ...Z or "
                          "+01:00; without an offset: UTC)")
    cmd.add_argument("--field", metavar="F", help="only this field (published, quality, review)")
    cmd.set_defaults(handler=_cmd_log)


def parse_since(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an ISO 8601 date or time, not {text!r}") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def _cmd_log(args: argparse.Namespace) -> int:
    from app.audit.trail import AuditTrail

    if not os.path.isdir(args.folder):
        print(f"copydesk log: {printable_path(args.folder)}: not a folder", file=sys.stderr)
        return EXIT_USAGE
    trail = AuditTrail(os.path.abspath(args.folder))
    trail.refresh()
    print_notices(trail.take_notices())
    wanted = _filter(args)
    try:
        write = sys.stdout.write
        for entry in trail.entries():
            if wanted(entry):
                write((json_line(entry.to_json()) if args.json else format_entry(entry)) + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()
    return EXIT_OK


def _filter(args: argparse.Namespace) -> Any:
    from app.audit.editor import editor_file_name

    prefix = None if args.path is None else _relative(args.folder, args.path)
    since = args.since

    def wanted(entry: LogEntry) -> bool:
        if prefix and entry.path != prefix and not entry.path.startswith(prefix + "/"):
            return False
        if args.field is not None and entry.field != args.field:
            return False
        if args.editor is not None and args.editor not in (entry.editor, editor_file_name(entry.editor),
                                                           entry.log.rpartition(".")[0]):
            return False
        if since is not None:
            try:
                moment = datetime.fromisoformat(entry.time)
            except ValueError:
                return False  # a time we cannot read is not shown to be after anything
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=timezone.utc)
            if moment < since:
                return False
        return True

    return wanted


def _relative(folder: str, path: str) -> str:
    """P as logged: relative to FOLDER, '/'-separated ("" for FOLDER itself)."""
    root, absolute = os.path.abspath(folder), os.path.abspath(path)
    if absolute == root:
        return ""
    if absolute.startswith(root.rstrip(os.sep) + os.sep):
        return os.path.relpath(absolute, root).replace(os.sep, "/")
    return path.replace(os.sep, "/").strip("/")


def format_entry(entry: LogEntry) -> str:
    """`TIME  EDITOR  PATH  field: old -> new  "reason"  (source, batch B)` on one line."""
    from app.decisions import describe_value

    if entry.field == "review":
        what = "marked reviewed"
    else:
        what = f"{entry.field}: {describe_value(entry.field, entry.old)} -> {describe_value(entry.field, entry.new)}"
    parts = [entry.time, printable_path(entry.editor or "?"), printable_path(entry.path), printable_path(what)]
    if entry.reason:
        parts.append(f'"{printable_path(entry.reason)}"')
    parts.append(f"({entry.source or '?'}" + (f", batch {entry.batch})" if entry.batch else ")"))
    return "  ".join(parts)
