"""`copydesk list`, `copydesk check` and `copydesk watch`: the review queue on the command line.

The queue modules are imported inside each command so `copydesk --help` stays quick.
"""
from __future__ import annotations

import argparse
import os
import queue as queue_module
import sys
from typing import TYPE_CHECKING, Any

from app.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    interrupted_status,
    json_line,
    parse_quality,
    parse_seconds,
    print_notices,
    printable_path,
    sigterm_interrupts,
    silence_stdout,
)
from app.cli.filters import REVIEW_CHOICES, REVIEW_HELP, review_book, selection_for

if TYPE_CHECKING:
    from app.queue import ReviewQueue, ScanReport


def register(subparsers: Any) -> None:
    list_cmd = subparsers.add_parser(
        "list", help="print the review queue of a folder",
        description="Print every article under FOLDER (recursively), one row each. "
                    "Unreadable files are rows with an error; the exit status is still 0.")
    list_cmd.add_argument("folder", metavar="FOLDER")
    list_cmd.add_argument("--json", action="store_true",
                          help="print a JSON array with one object per article")
    list_cmd.add_argument("--published", choices=("yes", "no"),
                          help="only published (yes) or not published (no, including missing)")
    list_cmd.add_argument("--min-quality", type=parse_quality, metavar="N", help="only quality >= N")
    list_cmd.add_argument("--max-quality", type=parse_quality, metavar="N", help="only quality <= N")
    list_cmd.add_argument("--errors", action="store_true", help="only files that cannot be read")
    list_cmd.add_argument("--review", choices=REVIEW_CHOICES, help=REVIEW_HELP)
    list_cmd.add_argument("--search", metavar="TEXT",
                          help="only rows whose title, excerpt, provider, topics or path contain TEXT "
                               "(case-insensitive)")
    _index_options(list_cmd)
    list_cmd.set_defaults(handler=_cmd_list)

    check_cmd = subparsers.add_parser(
        "check", help="report unreadable article files (for pre-commit hooks and CI)",
        description="Print 'path:line:col: message' for every article under FOLDER that cannot be "
                    "read; exit 1 if there is any, else 0.")
    check_cmd.add_argument("folder", metavar="FOLDER")
    _index_options(check_cmd)
    check_cmd.set_defaults(handler=_cmd_check)

    watch_cmd = subparsers.add_parser(
        "watch", help="print a JSON line for each change under a folder",
        description='Print one JSON object per line as changes settle: {"event": "added"|"changed"|'
                    '"removed", "path": ..., "by": "outside"|"copydesk"}. Runs until interrupted; '
                    "Ctrl-C exits with status 0; if FOLDER itself is deleted or moved away, "
                    "the last lines report its files removed and the status is 1.")
    watch_cmd.add_argument("folder", metavar="FOLDER")
    watch_cmd.add_argument("--poll", action="store_true",
                           help="watch by polling instead of inotify (network shares)")
    watch_cmd.add_argument("--rescan-interval", type=parse_seconds, default=300.0, metavar="SECONDS",
                           help="full rescan as a backstop every SECONDS (default 300; 0 disables)")
    _index_options(watch_cmd)
    watch_cmd.set_defaults(handler=_cmd_watch)


def _index_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-index", action="store_true",
                        help="neither read nor write the cache index (parse every file)")


def _open_queue(args: argparse.Namespace, **kwargs: Any) -> ReviewQueue | None:
    from app.queue import ReviewQueue

    if not os.path.isdir(args.folder):
        print(f"copydesk {args.command}: {printable_path(args.folder)}: not a folder", file=sys.stderr)
        return None
    return ReviewQueue(args.folder, use_index=not args.no_index, **kwargs)


def _open_and_scan(args: argparse.Namespace) -> tuple[ReviewQueue | None, ScanReport | None, int]:
    """(queue, scan report, status) for list and check; queue or report is None
    when the folder could not be opened or the scan was interrupted (Ctrl-C,
    SIGTERM: no traceback, and the parse workers go with us)."""
    review_queue = _open_queue(args)
    if review_queue is None:
        return None, None, EXIT_USAGE
    try:
        with sigterm_interrupts():
            try:
                report = review_queue.scan()
            finally:
                review_queue.stop()
    except KeyboardInterrupt as exc:
        return review_queue, None, interrupted_status(exc)
    print_notices(report.notices)
    return review_queue, report, EXIT_OK


# --- list -------------------------------------------------------------------

def _cmd_list(args: argparse.Namespace) -> int:
    from app.cli.output import write_json, write_table

    if args.min_quality is not None and args.max_quality is not None and args.min_quality > args.max_quality:
        print("copydesk list: --min-quality is larger than --max-quality", file=sys.stderr)
        return EXIT_USAGE
    review_queue, report, status = _open_and_scan(args)
    if review_queue is None or report is None:
        return status
    selection = selection_for(args, args.published)
    # The review state comes from the audit logs: read only when it is shown or filtered on.
    book = review_book(review_queue, print_notices) if args.json or args.review else None
    rows = selection.select(review_queue.summaries(), book.status if book is not None else None)
    try:
        if args.json:
            write_json(rows, review=book.status if book is not None else None)
        else:
            write_table(rows)
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()
    return EXIT_OK


# --- check ------------------------------------------------------------------

def _cmd_check(args: argparse.Namespace) -> int:
    from app.cli.output import format_check_line

    review_queue, report, status = _open_and_scan(args)
    if review_queue is None or report is None:
        return status
    broken = [row for row in review_queue.summaries() if row.error is not None]
    lines = [format_check_line(args.folder, row) for row in broken]
    # A folder that cannot be listed hides whatever is in it: a check must not pass over it.
    lines += [f"{printable_path(os.path.normpath(os.path.join(args.folder, rel)))}: cannot read folder: {why}"
              for rel, why in report.unreadable_folders]
    try:
        for line in lines:
            sys.stdout.write(line + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()
    return EXIT_FAILED if lines else EXIT_OK


# --- watch ------------------------------------------------------------------

def _cmd_watch(args: argparse.Namespace) -> int:
    review_queue = _open_queue(args, poll=args.poll, rescan_interval=args.rescan_interval or None)
    if review_queue is None:
        return EXIT_USAGE
    changes: queue_module.SimpleQueue[list[Any]] = queue_module.SimpleQueue()
    said = 0
    status = EXIT_OK
    try:
        with sigterm_interrupts():  # Ctrl-C and SIGTERM both end watching normally (status 0)
            review_queue.scan()
            review_queue.start_watching(changes.put)  # called on the watcher thread; only enqueues
            print(f"copydesk: watching {printable_path(args.folder)} ({review_queue.watch_mode}); Ctrl-C stops",
                  file=sys.stderr, flush=True)
            while True:
                if len(review_queue.notices) > said:
                    print_notices(review_queue.notices[said:])
                    said = len(review_queue.notices)
                try:
                    batch = changes.get(timeout=0.5)  # a timeout keeps Ctrl-C responsive everywhere
                except queue_module.Empty:
                    if review_queue.folder_gone:  # set after its last batch was queued: all printed
                        print_notices(review_queue.notices[said:])
                        status = EXIT_FAILED
                        break
                    continue
                lines = [json_line({"event": c.kind, "path": c.path, "by": c.by}) for c in batch]
                sys.stdout.write("\n".join(lines) + "\n")
                sys.stdout.flush()
    except KeyboardInterrupt:
        pass
    except BrokenPipeError:
        silence_stdout()
    finally:
        review_queue.stop()
    return status
