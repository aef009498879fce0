"""`copydesk list`, `copydesk check` and `copydesk watch`: the review queue on the command line.

Each honours the queue's profile (`.copydesk/config.toml`, or detected): which
files are articles, which are excluded, and what each key means. There is no
`--profile` option on purpose: `list --profile hugo | xargs copydesk set` would
read with one profile and write with another; the config file is the one place
every command (and the window) reads it from. The queue modules are imported inside each command so `copydesk --help`
stays quick.
"""
from __future__ import annotations

import argparse
import os
import queue as queue_module
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.cli.common import (
    BOOL_WORDS,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_STOP_LINES,
    EXIT_USAGE,
    EXIT_USAGE_LINE,
    add_command,
    complete_as,
    display_path,
    interrupted_status,
    json_line,
    parse_seconds,
    print_notices,
    printable_path,
    sigterm_interrupts,
    silence_stdout,
)
from app.cli.filters import (add_facet_filters, needs_duplicates, needs_review, quality_range_problem, review_book,
                             selection_for)

if TYPE_CHECKING:
    from app.queue import ReviewQueue, ScanReport
    from app.queue.config import QueueSettings


def register(subparsers: Any) -> None:
    list_cmd = add_command(
        subparsers, "list", help="print the review queue of a folder",
        description="Print every article under FOLDER (default: the current folder), recursively, one row "
                    "each, as the queue's profile reads them. Unreadable files are rows with an error; files "
                    "the queue's settings exclude are left out.",
        exit_codes=f"  {EXIT_OK}    listed (unreadable files are rows, not failures)\n"
                   f"  {EXIT_FAILED}    the queue's .copydesk/config.toml cannot be used (the message says where)\n"
                   f"{EXIT_USAGE_LINE}\n{EXIT_STOP_LINES}",
        examples="  copydesk list ~/desk --published no\n"
                 "  copydesk list --json | jq '.[] | select(.quality >= 80) | .path'\n"
                 "  copydesk list site --json --published false | jq -r '.[].path' | "
                 "xargs copydesk set --published true\n"
                 "  copydesk list site --null --min-quality 90 | xargs -0 copydesk set --published true")
    complete_as(list_cmd.add_argument("folder", metavar="FOLDER", nargs="?", default="."), "folder")
    shape = list_cmd.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true",
                       help="print a JSON array, one object per article: path (FOLDER joined with the file's "
                            "path, usable from here), relpath (inside the queue), title, published, quality, "
                            "... (a missing value is null)")
    shape.add_argument("--null", action="store_true",
                       help="print only the paths, each ended by a NUL byte (for xargs -0)")
    shape.add_argument("--csv", action="store_true",
                       help="print CSV: status, quality, title, provider, date, topics, heat, file (the "
                            "window's File > Export View with its default columns and File)")
    list_cmd.add_argument("--facets", action="store_true",
                          help="print each facet's values with how many of the filtered articles each would "
                               "match (the other filters held), instead of the articles; with --json as JSON")
    list_cmd.add_argument("--sort", choices=tuple(_sort_names()), metavar="COLUMN",
                          help=f"order as the window sorts this column ({', '.join(_sort_names())}); "
                               "default: by path")
    list_cmd.add_argument("--descending", action="store_true", help="with --sort: the other way round")
    filters = list_cmd.add_argument_group("filters (a repeated option means any of its values; different "
                                          "options must all hold)")
    add_facet_filters(filters)
    complete_as(next(a for a in filters._group_actions if a.dest == "published"), words=BOOL_WORDS + ("unset",))
    _queue_options(list_cmd)
    list_cmd.set_defaults(handler=_cmd_list)

    check_cmd = add_command(
        subparsers, "check", help="report unreadable article files (for pre-commit hooks and CI)",
        description="Print 'path:line:col: message' for every article that cannot be read: in each FOLDER "
                    "(recursively), and each FILE named (default: the current folder). Files that are not "
                    "articles of their queue (another suffix, or excluded by its settings) are skipped, so a "
                    "pre-commit hook may pass every changed file.",
        exit_codes=f"  {EXIT_OK}    every article can be read\n"
                   f"  {EXIT_FAILED}    some cannot (or a folder cannot be listed, or a queue's "
                   "config.toml cannot be used)\n"
                   f"{EXIT_USAGE_LINE}\n{EXIT_STOP_LINES}",
        examples="  copydesk check ~/desk\n"
                 "  copydesk check content/posts/a.md content/posts/b.md\n"
                 "  git diff --cached --name-only -z | xargs -0 copydesk check")
    complete_as(check_cmd.add_argument("paths", metavar="PATH", nargs="*",
                                       help="a queue folder or an article file (default: .)"), "path")
    check_cmd.add_argument("--strict", action="store_true", help="exit 1 for warnings too")
    _queue_options(check_cmd)
    check_cmd.set_defaults(handler=_cmd_check)

    watch_cmd = add_command(
        subparsers, "watch", help="print a JSON line for each change under a folder",
        description='Print one JSON object per line as changes settle: {"event": "added"|"changed"|'
                    '"removed", "path": ..., "by": "outside"|"copydesk"} (path inside the queue). '
                    "Runs until interrupted.",
        exit_codes=f"  {EXIT_OK}    stopped by Ctrl-C or SIGTERM\n"
                   f"  {EXIT_FAILED}    FOLDER itself was deleted or moved away (the last lines report its files "
                   "removed), or its config.toml cannot be used\n"
                   f"{EXIT_USAGE_LINE}",
        examples="  copydesk watch ~/desk\n"
                 "  copydesk watch /mnt/share/desk --poll | jq -r 'select(.by == \"outside\") | .path'")
    complete_as(watch_cmd.add_argument("folder", metavar="FOLDER", nargs="?", default="."), "folder")
    watch_cmd.add_argument("--poll", action="store_true",
                           help="watch by polling instead of inotify (network shares)")
    watch_cmd.add_argument("--rescan-interval", type=parse_seconds, default=300.0, metavar="SECONDS",
                           help="full rescan as a backstop every SECONDS (default 300; 0 disables)")
    _queue_options(watch_cmd)
    watch_cmd.set_defaults(handler=_cmd_watch)


def _queue_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-index", action="store_true",
                        help="neither read nor write the cache index (parse every file)")


def _settings(args: argparse.Namespace, folder: str) -> QueueSettings | None:
    """The queue's settings, or None (said on stderr) when its config file cannot be used."""
    from app.queue.config import load_queue_settings

    settings = load_queue_settings(folder)
    if settings.error is not None:
        print(f"copydesk {args.command}: {settings.error.describe()}", file=sys.stderr)
        return None
    return settings


def _sort_names() -> list[str]:
    from app.queue.export import SORT_NAMES
    return list(SORT_NAMES)


def _open_queue(args: argparse.Namespace, folder: str, settings: QueueSettings | None = None,
                **kwargs: Any) -> tuple[ReviewQueue | None, int]:
    from app.queue import ReviewQueue

    if not os.path.isdir(folder):
        print(f"copydesk {args.command}: {printable_path(folder)}: not a folder", file=sys.stderr)
        return None, EXIT_USAGE
    if settings is None:
        settings = _settings(args, folder)
    if settings is None:
        return None, EXIT_FAILED
    if settings.source == "detected" and args.command != "check":  # check prints only problems
        print_notices([f"reading {printable_path(folder)} with the {settings.describe()}"])
    return ReviewQueue(folder, use_index=not args.no_index, settings=settings, **kwargs), EXIT_OK


def _scan(args: argparse.Namespace, folder: str, settings: QueueSettings | None = None, *,
          duplicates: bool = False) -> tuple[ReviewQueue | None, ScanReport | None, int]:
    """(queue, scan report, status) for list, check and dupes; queue or report is
    None when the folder could not be opened or the scan was interrupted (Ctrl-C,
    SIGTERM: no traceback, and the parse workers go with us). With `duplicates`,
    the queue's duplicate groups are complete (similar ones included)."""
    review_queue, status = _open_queue(args, folder, settings, duplicates=duplicates)
    if review_queue is None:
        return None, None, status
    try:
        with sigterm_interrupts():
            try:
                report = review_queue.scan()
                review_queue.complete_duplicates()  # while the index (and its stored bands) is open
            finally:
                review_queue.stop()
    except KeyboardInterrupt as exc:
        return review_queue, None, interrupted_status(exc)
    print_notices(report.notices)
    return review_queue, report, EXIT_OK


def scan_for_command(args: argparse.Namespace, folder: str, *, duplicates: bool = False
                     ) -> tuple[ReviewQueue | None, int]:
    """A scanned queue for another command (`dupes`), or None and the exit status."""
    review_queue, report, status = _scan(args, folder, duplicates=duplicates)
    return (review_queue, EXIT_OK) if report is not None else (None, status)


# --- list -------------------------------------------------------------------

def _cmd_list(args: argparse.Namespace) -> int:
    from app.cli.facet_output import has_audit_trail, write_facets
    from app.cli.output import write_json, write_null, write_table
    from app.queue.evaluation import evaluate
    from app.queue.export import LIST_COLUMNS, SORT_NAMES, sorted_rows, write_csv
    from app.queue.selection import rows_table

    problem = quality_range_problem(args)
    if problem is None and (args.facets and (args.null or args.csv)):
        problem = "--facets prints the facets: give it alone or with --json"
    if problem is None and args.descending and not args.sort:
        problem = "--descending goes with --sort"
    if problem is not None:
        print(f"copydesk list: {problem}", file=sys.stderr)
        return EXIT_USAGE
    selection = selection_for(args, args.published)
    review_queue, report, status = _scan(args, args.folder, duplicates=args.facets or needs_duplicates(selection))
    if review_queue is None or report is None:
        return status
    # The review state comes from the audit logs: read only when it is shown or filtered on.
    trail = args.facets and has_audit_trail(review_queue.folder)
    book = review_book(review_queue, print_notices) if args.json or needs_review(selection) or trail else None
    duplicates = review_queue.duplicates.view() if review_queue.duplicates is not None else None
    table = rows_table(review_queue.summaries(), book.status if book is not None else None, duplicates)
    try:
        if args.facets:
            write_facets(evaluate(table, selection).counts, as_json=args.json, review=trail)
            sys.stdout.flush()
            return EXIT_OK
        rows = selection.select(table)
        if args.sort:
            rows = sorted_rows(rows, SORT_NAMES[args.sort], args.descending)
        if args.json:
            write_json(rows, args.folder, review=book.status if book is not None else None)
        elif args.null:
            write_null(rows, args.folder)
        elif args.csv:
            out = _csv_stdout()
            try:
                write_csv(rows, LIST_COLUMNS, out)
            finally:
                out.flush()
                out.detach()  # standard output stays open for the interpreter
        else:
            write_table(rows)
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()
    return EXIT_OK


def _csv_stdout() -> Any:
    """Standard output for the csv module: UTF-8, and no newline translation (it writes CRLF itself)."""
    import io

    sys.stdout.flush()
    return io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", errors="surrogateescape", newline="",
                            write_through=True)


# --- check ------------------------------------------------------------------

def _cmd_check(args: argparse.Namespace) -> int:
    paths = args.paths or ["."]
    missing = [p for p in paths if not os.path.lexists(p)]
    for path in missing:
        print(f"copydesk check: {printable_path(path)}: no such file or folder", file=sys.stderr)
    if missing:
        return EXIT_USAGE
    lines: list[tuple[str, bool]] = []  # (line, is a warning)
    files = [p for p in paths if not os.path.isdir(p)]
    for folder in (p for p in paths if os.path.isdir(p)):
        found, status = _check_folder(args, folder)
        if found is None:
            return status
        lines += found
    skipped = 0
    if files:
        found_in_files, skipped = _check_files(args, files)
        lines += found_in_files
    try:
        for line, _ in lines:
            sys.stdout.write(line + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()
    if skipped:
        what = "file that is not an article" if skipped == 1 else "files that are not articles"
        print(f"copydesk check: skipped {skipped} {what} of their queue (another suffix, "
              "or excluded by the queue's settings)", file=sys.stderr)
    problems = [line for line, warning in lines if args.strict or not warning]
    return EXIT_FAILED if problems else EXIT_OK


def _check_folder(args: argparse.Namespace, folder: str) -> tuple[list[tuple[str, bool]] | None, int]:
    from app.cli.output import check_lines
    from app.queue.config import load_queue_settings
    from app.queue.duplicate_notes import duplicate_warnings

    settings = load_queue_settings(folder)
    if settings.error is not None:  # a problem line like any other; its files cannot be judged
        return [(settings.error.describe(), False)], EXIT_OK
    review_queue, report, status = _scan(args, folder, settings, duplicates=True)
    if review_queue is None or report is None:
        return None, status  # not a folder, a config file that cannot be used, or interrupted
    assert review_queue.duplicates is not None
    copies = duplicate_warnings(review_queue.duplicates.view(), str(review_queue.folder), settings.mapping)
    lines = [line for row in review_queue.summaries()
             for line in check_lines(display_path(folder, row.path), row, copies.get(row.path))]
    # A folder that cannot be listed hides whatever is in it: a check must not pass over it.
    lines += [(f"{printable_path(os.path.normpath(os.path.join(folder, rel)))}: cannot read folder: {why}", False)
              for rel, why in report.unreadable_folders]
    return lines, EXIT_OK


def _check_files(args: argparse.Namespace, files: list[str]) -> tuple[list[tuple[str, bool]], int]:
    """Each file under its own queue's settings: (problem lines, files skipped). A
    file named alone gets its own checks; duplicates need its whole queue (check the folder)."""
    from app.cli.output import check_lines
    from app.queue.config import QueueSettings, settings_for_file
    from app.queue.scan import check_file

    lines: list[tuple[str, bool]] = []
    skipped = 0
    by_folder: dict[Path, QueueSettings] = {}
    said: set[str] = set()
    for path in files:
        here = Path(os.path.abspath(path)).parent
        settings = by_folder.get(here)
        if settings is None:
            settings = by_folder[here] = settings_for_file(path)
        if settings.error is not None:
            problem = settings.error.describe()
            if problem not in said:  # once per config file; its queue's files cannot be judged
                said.add(problem)
                lines.append((problem, False))
            continue
        root = settings.folder
        relpath = Path(os.path.abspath(path)).relative_to(root).as_posix()
        if not settings.rules.is_article(relpath):
            skipped += 1
            continue
        checked = check_file(str(root), relpath, None, settings.mapping)
        if checked.vanished:
            lines.append((f"{printable_path(path)}: the file no longer exists", False))
            continue
        lines += check_lines(os.path.normpath(path), checked.summary())
    return lines, skipped


# --- watch ------------------------------------------------------------------

def _cmd_watch(args: argparse.Namespace) -> int:
    review_queue, status = _open_queue(args, args.folder, poll=args.poll,
                                       rescan_interval=args.rescan_interval or None)
    if review_queue is None:
        return status
    changes: queue_module.SimpleQueue[list[Any]] = queue_module.SimpleQueue()
    said = 0
    status = EXIT_OK
    try:
        with sigterm_interrupts():  # Ctrl-C and SIGTERM both end watching normally (status 0)
            review_queue.scan(watch=True)
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
