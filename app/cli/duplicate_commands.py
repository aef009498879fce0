"""`copydesk dupes`: the duplicate stories of a queue, group by group.

Each group says its kind (`url`: a shared canonical URL; `title`: the same
title from the same provider; `similar`: near-duplicate title and excerpt,
the weaker signal), the key its members share (the URL, the folded title, or
for a similar group its first member) and the members' paths. The rules are
`app.queue.duplicates`'; the window's duplicate badges read the same groups.
"""
from __future__ import annotations

import argparse
import sys
from typing import Any

from app.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_STOP_LINES,
    EXIT_USAGE_LINE,
    add_command,
    complete_as,
    display_path,
    json_line,
    printable_path,
    silence_stdout,
)


def register(subparsers: Any) -> None:
    cmd = add_command(
        subparsers, "dupes", help="print the duplicate stories of a folder",
        description="Print every group of duplicate articles under FOLDER (default: the current folder): "
                    "kind url (the same canonical URL: tracking parameters, AMP forms, www. and case "
                    "removed), title (the same title, folded, from the same provider) or similar (near-"
                    "duplicate title and excerpt), the key they share, and their paths.",
        exit_codes=f"  {EXIT_OK}    listed (none found is not a failure)\n"
                   f"  {EXIT_FAILED}    the queue's .copydesk/config.toml cannot be used\n"
                   f"{EXIT_USAGE_LINE}\n{EXIT_STOP_LINES}",
        examples="  copydesk dupes ~/desk\n"
                 "  copydesk dupes ~/desk --json | jq -r '.[] | select(.kind == \"url\") | .paths[1:][]' | "
                 "xargs copydesk set --published false")
    complete_as(cmd.add_argument("folder", metavar="FOLDER", nargs="?", default="."), "folder")
    cmd.add_argument("--json", action="store_true",
                     help="print a JSON array, one object per group: kind, key, paths (FOLDER joined with "
                          "each member's path), relpaths (inside the queue)")
    cmd.add_argument("--kind", action="append", choices=("url", "title", "similar"),
                     help="only groups of this kind (repeat for several)")
    cmd.add_argument("--no-index", action="store_true",
                     help="neither read nor write the cache index (parse every file)")
    cmd.set_defaults(handler=_cmd_dupes)


def _cmd_dupes(args: argparse.Namespace) -> int:
    from app.cli.queue_commands import scan_for_command

    review_queue, status = scan_for_command(args, args.folder, duplicates=True)
    if review_queue is None:
        return status
    assert review_queue.duplicates is not None
    view = review_queue.duplicates.view()
    kinds = args.kind or ("url", "title", "similar")
    groups = [group for group in view.groups() if group.kind in kinds]
    try:
        if args.json:
            sys.stdout.write("[" + ",\n".join(
                json_line({"kind": g.kind, "key": g.key, "paths": [display_path(args.folder, m) for m in g.members],
                           "relpaths": list(g.members)}) for g in groups) + "]\n")
        else:
            for group in groups:
                sys.stdout.write(f"{group.kind}  {printable_path(group.key)}  ({group.size})\n")
                for member in group.members:
                    sys.stdout.write(f"  {printable_path(display_path(args.folder, member))}\n")
            counts = {kind: sum(1 for g in groups if g.kind == kind) for kind in kinds}
            print("copydesk dupes: " + ", ".join(f"{n:,} {kind} group{'s' if n != 1 else ''}"
                                                 for kind, n in counts.items()), file=sys.stderr)
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()
    return EXIT_OK
