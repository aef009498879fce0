"""`copydesk set`: a decision about files named on the command line, on
standard input (`-`, one per line or NUL-separated with `-0`), or every
article that `copydesk list FOLDER [filters]` would print (`--where FOLDER`).

Every form goes through the one decision path (`app.decisions.decide`) with
the audit recorder, so a running window or `copydesk watch` knows the edits as
Copydesk's and each written file gets its lines in the audit log. A decision
about more than one file is one batch. `--dry-run` reads, never writes.
Per-file problems go to stderr as `FILE: message`, then one summary line
(`written 812, already 30, conflicts 0, failed 2`) unless `--quiet`.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from app.article.model import QUALITY_MAX, QUALITY_MIN
from app.cli.common import (
    BOOL_WORDS,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    EXIT_STOP_LINES,
    EXIT_USAGE,
    EXIT_USAGE_LINE,
    add_command,
    complete_as,
    interrupted_status,
    parse_bool,
    parse_quality,
    print_notices,
    printable_path,
    sigterm_interrupts,
)
from app.cli.filters import (FILTER_DESTS, add_where_filters, needs_duplicates, option_of, quality_range_problem,
                             review_book, selection_for)

if TYPE_CHECKING:
    from app.decisions import Change, Outcome

_FILTERS = ("if_published", *FILTER_DESTS)


def register(subparsers: Any) -> None:
    cmd = add_command(
        subparsers, "set", help="set published and/or quality in article files",
        description="Edit each FILE in place, changing only the edited values. Each FILE is read with its "
                    "queue's profile: publishing a Hugo page turns `draft: true` into `draft: false`, a "
                    "missing key gets one new line. FILE '-' reads file names from standard input (one per "
                    "line; NUL-separated with -0). --where FOLDER acts on every article 'copydesk list "
                    "FOLDER [filters]' would print. Each written file is logged in its queue folder's audit "
                    "trail (.copydesk/log/). A summary line goes to stderr unless --quiet.",
        exit_codes=f"  {EXIT_OK}    every FILE holds the values now (written, or already held)\n"
                   f"  {EXIT_FAILED}    some FILE could not be edited (each is named on stderr, and left as it was)\n"
                   f"{EXIT_USAGE_LINE}\n{EXIT_STOP_LINES}",
        examples="  copydesk set --published true news/a.md news/b.md\n"
                 "  copydesk set --quality 80 --published false site/content/posts/draft.md\n"
                 "  copydesk set --published false --reason duplicate news/copy.md\n"
                 "  copydesk set --where desk --review needs --min-quality 70 --published true\n"
                 "  copydesk list --json --min-quality 90 | jq -r '.[].path' | xargs copydesk set --published yes\n"
                 "  git diff --name-only -z | copydesk set -0 --quality 50 -")
    complete_as(cmd.add_argument("--published", type=parse_bool, metavar="true|false"), words=BOOL_WORDS)
    cmd.add_argument("--quality", type=parse_quality, metavar="N",
                     help=f"a whole number from {QUALITY_MIN} to {QUALITY_MAX}")
    cmd.add_argument("--reason", metavar="TEXT", help="why: goes to the audit log only, never into the file")
    cmd.add_argument("--dry-run", action="store_true", help="print what would change; write nothing")
    cmd.add_argument("--quiet", "-q", action="store_true", help="no summary line on stderr")
    cmd.add_argument("-0", dest="null", action="store_true",
                     help="with FILE '-': the names on standard input are separated by NUL bytes")
    cmd.add_argument("--where", metavar="FOLDER",
                     help="act on every article of FOLDER that the filters select (as copydesk list does)")
    cmd.add_argument("--no-index", action="store_true", help="with --where: neither read nor write the index")
    add_where_filters(cmd)
    complete_as(cmd.add_argument("files", nargs="*", metavar="FILE"), "file")
    # "-0" looks like a negative number to argparse, which would then refuse
    # `--quality -5` as a missing value instead of saying it is out of range.
    cmd._has_negative_number_optionals.clear()
    cmd.set_defaults(handler=run_set)


def run_set(args: argparse.Namespace) -> int:
    changes: dict[str, Any] = {}
    if args.published is not None:
        changes["published"] = args.published
    if args.quality is not None:
        changes["quality"] = args.quality
    problem = _usage_problem(args, changes)
    if problem:
        print(f"copydesk set: {problem}", file=sys.stderr)
        return EXIT_USAGE
    reason = " ".join(args.reason.split()) if args.reason else None
    if args.where is not None:
        return _set_where(args, changes, reason or None)
    files = _file_names(args)
    if not files:
        print("copydesk set: no file names on standard input", file=sys.stderr)
        return EXIT_USAGE
    if args.dry_run:
        return _dry_run_files(args, files, changes)
    from app.decisions import Change, FileTarget

    return _decide(args, FileTarget(), [Change(name, changes) for name in files], reason or None,
                   shown=lambda path: path)


def _usage_problem(args: argparse.Namespace, changes: dict[str, Any]) -> str | None:
    if not changes:
        return "give --published and/or --quality"
    if args.where is not None and args.files:
        return "give FILE names or --where FOLDER, not both"
    if args.where is None and not args.files:
        return "give FILE names, '-' to read them from standard input, or --where FOLDER"
    used = [name for name in _FILTERS if getattr(args, name) not in (None, False)]
    if used and args.where is None:
        return f"{option_of(used[0])} filters the articles of --where FOLDER; give --where"
    if args.null and "-" not in args.files:
        return "-0 is for names read from standard input: give '-' as FILE"
    if args.files.count("-") > 1:
        return "'-' may be given once"
    return quality_range_problem(args) if args.where is not None else None


def _file_names(args: argparse.Namespace) -> list[str]:
    """The FILE arguments, with '-' replaced by the names on standard input (bytes, as the OS gives them)."""
    names: list[str] = []
    for name in args.files:
        if name != "-":
            names.append(name)
            continue
        data = sys.stdin.buffer.read()
        parts = data.split(b"\0") if args.null else [line.removesuffix(b"\r") for line in data.split(b"\n")]
        names.extend(os.fsdecode(part) for part in parts if part)
    return names


def _decide(args: argparse.Namespace, target: Any, changes: list[Change], reason: str | None,
            shown: Any) -> int:
    from app.audit.recorder import AuditRecorder
    from app.cli.team_commands import CliCommits
    from app.decisions import Decision, decide, summarize_outcomes

    recorder = AuditRecorder()  # the editor is resolved per queue folder: COPYDESK_EDITOR, git, the OS user
    commits = CliCommits(log_file=recorder.log_for_commit)  # in a team queue: one commit, with the log lines
    status = EXIT_OK
    outcomes: list[Outcome] = []

    def heard(outcome: Outcome) -> None:
        nonlocal status
        if not outcome.ok:
            print(f"{printable_path(shown(outcome.path))}: {outcome.message}", file=sys.stderr)
            status = EXIT_FAILED
        elif outcome.warning:
            print(f"{printable_path(shown(outcome.path))}: {outcome.warning}", file=sys.stderr)
        print_notices(recorder.take_notices())  # a log that cannot be kept is said at once, and once

    files = [os.path.join(root, *rel.split("/")) for root, rel in (target.locate(c.path) for c in changes)]
    with stop_between_files() as stopped, commits.guard(files):
        # The audit recorder first: the commit takes the log lines (log_for_commit appends them first).
        outcomes = decide(target, Decision(tuple(changes), source="cli", reason=reason),
                          recorders=[recorder, commits.recorder], on_outcome=heard,
                          cancelled=lambda: stopped() is not None)
    commits.finish()
    print_notices(recorder.take_notices())
    if not args.quiet:
        counts = summarize_outcomes(outcomes)
        left = len(changes) - len(outcomes)
        print(f"written {counts['written']}, already {counts['already']}, conflicts {counts['conflict']}, "
              f"failed {counts['failed']}" + (f"; stopped, {left} not done" if left else ""), file=sys.stderr)
    interrupted = stopped()
    return interrupted if interrupted is not None else status


@contextmanager
def stop_between_files() -> Iterator[Callable[[], int | None]]:
    """While inside, the first Ctrl-C or SIGTERM asks the decision to stop after
    the file being written (so every written file is logged); a second one stops
    at once. Yields a function: the exit status asked for, or None."""
    asked: list[int] = []

    def ask(signum: int, frame: object) -> None:
        if asked:
            raise KeyboardInterrupt
        asked.append(EXIT_TERMINATED if signum == signal.SIGTERM else EXIT_INTERRUPTED)

    previous = {signum: signal.signal(signum, ask) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield lambda: asked[0] if asked else None
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


# --- --where ------------------------------------------------------------------------

def _set_where(args: argparse.Namespace, changes: dict[str, Any], reason: str | None) -> int:
    from app.decisions import Change
    from app.queue import ReviewQueue
    from app.queue.selection import select_rows

    if not os.path.isdir(args.where):
        print(f"copydesk set: {printable_path(args.where)}: not a folder", file=sys.stderr)
        return EXIT_USAGE
    selection = selection_for(args, args.if_published)
    queue = ReviewQueue(args.where, use_index=not args.no_index, duplicates=needs_duplicates(selection))
    try:
        try:
            with sigterm_interrupts():
                report = queue.scan()
                queue.complete_duplicates()  # the similar pass too, as for `list` (nothing when not tracking)
        except KeyboardInterrupt as exc:
            return interrupted_status(exc)
        print_notices(report.notices)
        book = review_book(queue, print_notices) if args.review else None
        rows = select_rows(queue.summaries(), selection, book.status if book is not None else None,
                           queue.duplicates.view() if queue.duplicates is not None else None)

        def shown(relpath: str) -> str:
            return os.path.join(args.where, *relpath.split("/"))

        if args.dry_run:
            return _dry_run(args, [(shown(row.path), row.error, {"published": row.published,
                                                                  "quality": row.quality}) for row in rows],
                            changes)
        # What the editor saw is what was listed: a file whose values moved since is a conflict.
        decided = [Change(row.path, changes, {"published": row.published, "quality": row.quality})
                   for row in rows]
        return _decide(args, queue, decided, reason, shown)
    finally:
        queue.stop()


# --- --dry-run ----------------------------------------------------------------------

def _dry_run_files(args: argparse.Namespace, files: list[str], changes: dict[str, Any]) -> int:
    from app.article.frontmatter import load_editable_state
    from app.article.model import ArticleError

    seen = []
    for name in files:
        state = load_editable_state(name)
        seen.append((name, state.describe(), {}) if isinstance(state, ArticleError) else (name, None, state[1]))
    return _dry_run(args, seen, changes)


def _dry_run(args: argparse.Namespace, files: list[tuple[str, str | None, dict[str, Any]]],
             changes: dict[str, Any]) -> int:
    """Print `FILE: field old -> new` for each file that would change; nothing is written."""
    from app.decisions import describe_value, same

    would = already = failed = 0
    out = sys.stdout
    for name, error, values in files:
        if error is not None:
            failed += 1
            print(f"{printable_path(name)}: would fail: {error}", file=sys.stderr)
            continue
        moves = [f"{field} {describe_value(field, values.get(field))} -> {describe_value(field, value)}"
                 for field, value in changes.items() if not same(values.get(field), value)]
        if moves:
            would += 1
            out.write(f"{printable_path(name)}: {', '.join(moves)}\n")
        else:
            already += 1
    out.flush()
    if not args.quiet:
        print(f"dry run: would write {would}, already {already}, failed {failed}; nothing written",
              file=sys.stderr)
    return EXIT_FAILED if failed else EXIT_OK
