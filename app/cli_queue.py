"""`copydesk list`, `copydesk check` and `copydesk watch`: the review queue on the command line.

Registered into the main parser by `app.cli` through `register(subparsers)`.
The queue module is imported inside each command so `copydesk --help` stays quick.
"""
from __future__ import annotations

import argparse
import functools
import json
import math
import os
import queue as queue_module
import shutil
import signal
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from json.encoder import encode_basestring, encode_basestring_ascii  # type: ignore[attr-defined]  # C escapers
from typing import TYPE_CHECKING, Any

from app.cli import parse_quality

if TYPE_CHECKING:
    from app.summary import ArticleSummary

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # the shell's convention for Ctrl-C (128 + SIGINT); 143 for SIGTERM


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
    watch_cmd.add_argument("--rescan-interval", type=_seconds, default=300.0, metavar="SECONDS",
                           help="full rescan as a backstop every SECONDS (default 300; 0 disables)")
    _index_options(watch_cmd)
    watch_cmd.set_defaults(handler=_cmd_watch)


def _index_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-index", action="store_true",
                        help="neither read nor write the cache index (parse every file)")


def _seconds(text: str) -> float:
    """A duration: a finite number >= 0 (a negative one would rescan without pause)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, not {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more seconds, not {text}")
    return value


def _open_queue(args: argparse.Namespace, **kwargs: Any) -> Any:
    from app.queue import ReviewQueue

    if not os.path.isdir(args.folder):
        print(f"copydesk {args.command}: {args.folder}: not a folder", file=sys.stderr)
        return None
    return ReviewQueue(args.folder, use_index=not args.no_index, **kwargs)


class _Terminated(KeyboardInterrupt):
    """SIGTERM (`kill`, `timeout`, a CI runner's cancel), handled like Ctrl-C."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise _Terminated


@contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """While inside, SIGTERM raises `_Terminated`, so `finally` blocks run: the
    index is closed and the parse workers are shut down, not orphaned."""
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _scan_or_interrupt(review_queue: Any) -> tuple[Any, int]:
    """Scan once and close the index: (report, 0), or (None, exit status) when
    interrupted by Ctrl-C or SIGTERM (no traceback)."""
    try:
        with _sigterm_interrupts():
            try:
                return review_queue.scan(), EXIT_OK
            finally:
                review_queue.stop()
    except _Terminated:
        return None, 128 + signal.SIGTERM
    except KeyboardInterrupt:
        return None, EXIT_INTERRUPTED


def _print_notices(notices: Iterable[str]) -> None:
    for text in notices:
        print(f"copydesk: {text}", file=sys.stderr)


# --- list -------------------------------------------------------------------

def select_rows(rows: Iterable[ArticleSummary], *, published: str | None = None, min_quality: int | None = None,
                max_quality: int | None = None, errors: bool = False,
                search: str | None = None) -> list[ArticleSummary]:
    """The filters of `copydesk list`. Error rows have no values, so value filters drop them."""
    needle = search.casefold() if search else None
    out = []
    for row in rows:
        if errors and row.error is None:
            continue
        if published is not None and (row.error is not None or (row.published is True) != (published == "yes")):
            continue
        if min_quality is not None and (row.quality is None or row.quality < min_quality):
            continue
        if max_quality is not None and (row.quality is None or row.quality > max_quality):
            continue
        if needle is not None:
            haystack = " ".join((row.title, row.excerpt, row.provider, row.path, *row.topics)).casefold()
            if needle not in haystack:
                continue
        out.append(row)
    return out


def _open_and_scan(args: argparse.Namespace) -> tuple[Any, Any, int]:
    """(queue, scan report, status) for list and check; queue or report is None
    when the folder could not be opened or the scan was interrupted."""
    review_queue = _open_queue(args)
    if review_queue is None:
        return None, None, EXIT_USAGE
    report, status = _scan_or_interrupt(review_queue)
    if report is not None:
        _print_notices(report.notices)
    return review_queue, report, status


def _cmd_list(args: argparse.Namespace) -> int:
    if args.min_quality is not None and args.max_quality is not None and args.min_quality > args.max_quality:
        print("copydesk list: --min-quality is larger than --max-quality", file=sys.stderr)
        return EXIT_USAGE
    review_queue, report, status = _open_and_scan(args)
    if review_queue is None or report is None:
        return status
    rows = select_rows(review_queue.summaries(), published=args.published, min_quality=args.min_quality,
                       max_quality=args.max_quality, errors=args.errors, search=args.search)
    try:
        if args.json:
            _write_json(rows)
        else:
            _write_table(rows)
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
    return EXIT_OK


def _json_value(value: object) -> str:
    """A number, boolean or null (strings go through the escaper)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is int:
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else "null"  # JSON has no NaN or Infinity
    return json.dumps(value)


def json_object(row: ArticleSummary, s: Callable[[str], str] = encode_basestring) -> str:
    """`json.dumps(row.to_json())`, written out by hand: a warm `list --json` of
    10,000 rows spends a third of its time encoding, and this is twice as fast.
    A test checks it against `json.loads`.

    A file name that is not UTF-8 reaches us with lone surrogates (os.fsdecode);
    such a row is written with \\uXXXX escapes, which is valid JSON (and
    `os.fsencode(json.loads(...)["path"])` gives the name's bytes back), instead
    of bytes that are not UTF-8."""
    v = _json_value
    line = (f'{{"path": {s(row.path)}, "title": {s(row.title)}, "published": {v(row.published)}, '
            f'"quality": {v(row.quality)}, "provider": {s(row.provider)}, "category": {s(row.category)}, '
            f'"published_at": {s(row.published_at)}, "heat": {v(row.heat)}, '
            f'"topics": [{", ".join(map(s, row.topics))}], "image_url": {s(row.image_url)}, '
            f'"error": {"null" if row.error is None else s(row.error)}, "line": {v(row.error_line)}, '
            f'"column": {v(row.error_column)}, "warnings": [{", ".join(map(s, row.warnings))}]}}')
    if not line.isascii() and not _is_utf8(line):
        return json_object(row, encode_basestring_ascii)
    return line


def _is_utf8(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def json_line(obj: object) -> str:
    """One JSON value on one line, readable (not ASCII-escaped) unless it holds a
    name that is not UTF-8 (see `json_object`)."""
    line = json.dumps(obj, ensure_ascii=False)
    return line if line.isascii() or _is_utf8(line) else json.dumps(obj)


def _write_json(rows: list[ArticleSummary]) -> None:
    # Written in slices: at 100,000 rows one big string would double peak memory.
    write = sys.stdout.write
    if not rows:
        write("[]\n")
        return
    write("[\n")
    for start in range(0, len(rows), 1000):
        write(",\n".join(map(json_object, rows[start:start + 1000])))
        write(",\n" if start + 1000 < len(rows) else "\n")
    write("]\n")


def _yes_no(value: bool | None) -> str:
    return "-" if value is None else ("yes" if value else "no")


@functools.lru_cache(maxsize=4096)  # a C-level hit: far cheaper than the two lookups
def _char_width(ch: str) -> int:
    """Terminal columns of one character: 2 for East Asian wide/fullwidth, 0 for combining marks."""
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _text_width(text: str) -> int:
    return len(text) if text.isascii() else sum(map(_char_width, text))


def _one_line(text: str) -> str:
    """Text for a table cell: whitespace runs become one space; control and
    format characters (an ESC sequence in a title, a bidi override) never reach
    the terminal: format characters are dropped, others shown as U+FFFD."""
    text = " ".join(text.split())
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ("" if unicodedata.category(ch) == "Cf" else "\ufffd")
                   for ch in text)


def _cell(text: str, width: int) -> str:
    """`text` on one line, cut with "…" and padded to exactly `width` terminal columns."""
    text = _one_line(text)
    if text.isascii():  # the usual case: one column per character
        return (text if len(text) <= width else text[:max(0, width - 1)] + "…").ljust(width)
    used = _text_width(text)
    if used > width:
        out: list[str] = []
        used = 0
        for ch in text:
            w = _char_width(ch)
            if used + w > width - 1:
                break
            out.append(ch)
            used += w
        text = "".join(out) + "…"
        used += 1
    return text + " " * (width - used)


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


def _write_table(rows: list[ArticleSummary]) -> None:
    width = shutil.get_terminal_size((120, 24)).columns
    provider_w = min(18, max([8] + [_text_width(r.provider) for r in rows]))
    title_w = max(20, width - (4 + 1 + 4 + 1 + provider_w + 1) - 1 - 40)
    write = sys.stdout.write
    write(f"{'PUB':<4} {'QUAL':>4} {'PROVIDER':<{provider_w}} {'TITLE':<{title_w}} PATH\n")
    published = errors = 0
    for row in rows:
        if row.error is not None:
            errors += 1
            write(f"{'!':<4} {'':>4} {'':<{provider_w}} {_cell('ERROR ' + row.error, title_w)} "
                  f"{printable_path(row.path)}\n")
            continue
        published += row.published is True
        quality = "-" if row.quality is None else str(row.quality)
        if row.warnings:
            quality += "?"
        write(f"{_yes_no(row.published):<4} {quality:>4} {_cell(row.provider, provider_w)} "
              f"{_cell(row.title, title_w)} {printable_path(row.path)}\n")
    write(f"{len(rows)} article{'s' if len(rows) != 1 else ''}: {published} published, "
          f"{errors} unreadable\n")


# --- check ------------------------------------------------------------------

def format_check_line(folder: str, row: ArticleSummary) -> str:
    """`path:line:col: message`; parts that are not known are left out (`path: message`).
    Always one line: odd characters in the path are escaped (`printable_path`)."""
    path = os.path.normpath(os.path.join(folder, *row.path.split("/")))
    where = printable_path(path)
    if row.error_line is not None:
        where += f":{row.error_line}"
        if row.error_column is not None:
            where += f":{row.error_column}"
    return f"{where}: {printable_path(row.error_message or '')}"


def _cmd_check(args: argparse.Namespace) -> int:
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
        _silence_stdout()
    return EXIT_FAILED if lines else EXIT_OK


# --- watch ------------------------------------------------------------------

def _cmd_watch(args: argparse.Namespace) -> int:
    review_queue = _open_queue(args, poll=args.poll, rescan_interval=args.rescan_interval or None)
    if review_queue is None:
        return EXIT_USAGE
    changes: queue_module.SimpleQueue[list[Any]] = queue_module.SimpleQueue()

    def on_sigterm(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    said = 0
    status = EXIT_OK
    try:
        review_queue.scan()
        review_queue.start_watching(changes.put)  # called on the watcher thread; only enqueues
        print(f"copydesk: watching {printable_path(args.folder)} ({review_queue.watch_mode}); Ctrl-C stops",
              file=sys.stderr, flush=True)
        while True:
            if len(review_queue.notices) > said:
                _print_notices(review_queue.notices[said:])
                said = len(review_queue.notices)
            try:
                batch = changes.get(timeout=0.5)  # a timeout keeps Ctrl-C responsive everywhere
            except queue_module.Empty:
                if review_queue.folder_gone:  # set after its last batch was queued: all printed
                    _print_notices(review_queue.notices[said:])
                    status = EXIT_FAILED
                    break
                continue
            lines = [json_line({"event": c.kind, "path": c.path, "by": c.by}) for c in batch]
            sys.stdout.write("\n".join(lines) + "\n")
            sys.stdout.flush()
    except KeyboardInterrupt:
        pass
    except BrokenPipeError:
        _silence_stdout()
    finally:
        signal.signal(signal.SIGTERM, previous)
        review_queue.stop()
    return status


def _silence_stdout() -> None:
    # The reader went away (`| head`): point stdout at /dev/null so the
    # interpreter's final flush does not print a second BrokenPipeError.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
