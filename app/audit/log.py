"""One audit log line: what it holds, how it is written, how it is read back.

A line is one JSON object, in this key order:

    {"time": "2026-12-03T10:15:02.123Z", "editor": "Ana Lima", "path": "news/a.md",
     "field": "published", "old": false, "new": true, "reason": "duplicate",
     "source": "window", "batch": null, "sha256": "9f2c..."}

- `time`: UTC, ISO 8601, milliseconds, with a `Z`;
- `path`: relative to the queue folder, `/`-separated;
- `old`/`new`: the field's value before and after, as typed (`null` for missing);
  a "mark reviewed" line has field `review`, old `null`, new `true`;
- `reason`: the editor's reason, or null; `source`: `window`, `cli`, `undo` or `bulk`;
- `batch`: shared by every line of one decision about more than one file, else null;
- `sha256`: the file's bytes after the decision (for a mark: the bytes looked at).

Appending (`append_lines`): the file is opened with `O_APPEND` and each line
goes out whole in one `os.write` (the lines of one call together, in the same
one), so lines from two processes never tear or interleave (the kernel moves
to the end and writes in one step). A short write is not
continued (the rest could land after another process's line): the line is
ended with a newline there, so the next line stays whole, and the caller gets
a notice. A log whose last byte is not a newline (a crash, a hand edit) gets
one before our first line, so ours is never glued onto it; Copydesk processes
hold an advisory lock (`flock`) while they look at that byte and append, since
a reader can see the size of another's write before its last byte. The lock is
a courtesy: waited for at most half a second, and the writes are whole without
it (beside a writer that does not take it, the look may come too early and
leave a blank line, which readers skip). Nothing is fsynced here: `sync_log` does that once per decision.

Reading (`parse_lines`): blank lines are skipped; a line that is not a JSON
object with the required fields is skipped with a notice naming the file and
the line number.

Pure functions and blocking file calls; any thread.
"""
from __future__ import annotations

import errno
import fcntl
import json
import os
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, NamedTuple

from app.article.messages import describe_os_error
from app.queue.location import LOG_DIR, LOG_SUFFIX

FIELDS = ("time", "editor", "path", "field", "old", "new", "reason", "source", "batch", "sha256")
REVIEW_FIELD = "review"  # the field of a "mark reviewed" line


class LogEntry(NamedTuple):
    """One line of a log, as read back. A tuple: 100,000 are built on an open."""

    time: str
    editor: str
    path: str
    field: str
    old: Any
    new: Any
    reason: str | None
    source: str
    batch: str | None
    sha256: str | None
    log: str = ""  # the log file's name (`ana.jsonl`): not part of the line
    line: int = 0  # its 1-based line number in that file

    def to_json(self) -> dict[str, Any]:
        """The line's own fields (what `copydesk log --json` prints)."""
        return {name: getattr(self, name) for name in FIELDS}

    @property
    def order(self) -> tuple[str, str, int]:
        """Oldest first: by time, then by log and line (ties within a millisecond)."""
        return (self.time, self.log, self.line)


def utc_now() -> str:
    return format_time(datetime.now(timezone.utc))


def format_time(moment: datetime) -> str:
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def log_folder(queue_folder: str | os.PathLike[str]) -> Path:
    return Path(queue_folder).joinpath(*LOG_DIR.split("/"))


def log_file(queue_folder: str | os.PathLike[str], file_name: str) -> Path:
    """`<queue>/.copydesk/log/<file_name>.jsonl`."""
    return log_folder(queue_folder) / f"{file_name}{LOG_SUFFIX}"


def encode_line(record: dict[str, Any]) -> bytes:
    """One line, newline included. Readable UTF-8, unless a path holds bytes that are
    not UTF-8 (lone surrogates from os.fsdecode): then with \\uXXXX escapes."""
    text = json.dumps({name: record.get(name) for name in FIELDS}, ensure_ascii=False)
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        data = json.dumps({name: record.get(name) for name in FIELDS}).encode("ascii")
    return data + b"\n"


@dataclass(slots=True)
class AppendResult:
    written: int = 0  # whole lines written
    error: OSError | None = None  # why the log could not be opened or written (lines from there on lost)
    short: list[str] = field(default_factory=list)  # what each short write was


def append_lines(path: Path, lines: Iterable[bytes]) -> AppendResult:
    """Append the lines with one `os.write` (see the module's notes). Creates the log folder."""
    result = AppendResult()
    try:
        fd, readable = _open_for_append(path)
    except OSError as exc:
        result.error = exc
        return result
    try:
        _lock(fd)
        if readable:
            _end_last_line(fd)
        pending = list(lines)
        while pending:
            n = os.write(fd, b"".join(pending))
            whole = end = 0
            for line in pending:
                if end + len(line) > n:
                    break
                end += len(line)
                whole += 1
            result.written += whole
            if whole == len(pending) or n == 0:
                break
            cut, line = n - end, pending[whole]
            pending = pending[whole + (1 if cut else 0):]
            if cut:
                # Continuing would put the rest after another process's line: end this one here.
                result.short.append(f"a line was cut short after {cut} of {len(line)} bytes")
                try:
                    os.write(fd, b"\n")
                except OSError:
                    pass
    except OSError as exc:
        result.error = exc
    finally:
        os.close(fd)
    return result


def _open_for_append(path: Path) -> tuple[int, bool]:
    """(descriptor, whether it can also read: to look at the last byte).
    Never follows a symlink: a log in a shared repository must not append to a file elsewhere."""
    flags = os.O_APPEND | os.O_CREAT | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0)
    try:
        return _open(path, flags), True
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        return _open(path, flags), True
    except PermissionError:
        return os.open(path, flags | os.O_WRONLY, 0o666), False  # a write-only log: append all the same


def _open(path: Path, flags: int) -> int:
    return os.open(path, flags | os.O_RDWR, 0o666)  # the umask decides, as for the articles beside it


def _lock(fd: int, patience: float = 0.5) -> None:
    deadline = time.monotonic() + patience
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                return  # someone holds it too long: append anyway, each line is still one write
            time.sleep(0.001)
        except OSError:
            return  # a file system without flock


def _end_last_line(fd: int) -> None:
    size = os.fstat(fd).st_size
    if size and os.pread(fd, 1, size - 1) != b"\n":
        os.write(fd, b"\n")


def sync_log(path: Path) -> None:
    """Make the appended lines durable (once per decision, not per line)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # the lines are written; a file system that refuses fsync keeps them as it can
    finally:
        os.close(fd)


def describe_log_error(exc: OSError) -> str:
    if exc.errno == errno.EROFS:
        return "the file system is read-only"
    if exc.errno == errno.EFBIG:
        return "the file is at its size limit"
    return describe_os_error(exc)


# --- reading ------------------------------------------------------------------------

def parse_lines(data: bytes, log: str, first_line: int, shown_as: str
                ) -> tuple[list[LogEntry], list[str]]:
    """Entries from complete lines (`data` ends with a newline, or is a last line
    that parses); notices for the lines skipped. `first_line`: the number of the
    first line in `data`; `shown_as`: the file as notices name it."""
    entries: list[LogEntry] = []
    notices: list[str] = []
    try:
        lines: list[str] | list[bytes] = data.decode("utf-8").split("\n")  # one decode for the whole read
    except UnicodeDecodeError:
        lines = data.split(b"\n")  # some line is not UTF-8: each line on its own, so only it is skipped
    # raw_decode skips json.loads's two whitespace scans (a third of the time at 100,000 lines).
    raw_decode = _DECODER.raw_decode
    number = first_line - 1
    for raw in lines:
        number += 1
        try:
            if isinstance(raw, bytes):
                raw = raw.decode("utf-8")
            if raw.endswith("\r"):  # a log checked out with CRLF line ends
                raw = raw[:-1]
            if not raw or raw.isspace():
                continue
            try:
                obj, end = raw_decode(raw)
            except ValueError:
                obj, end = json.loads(raw), len(raw)  # leading whitespace is fine; anything else raises again
            if end != len(raw) and not raw[end:].isspace():
                raise ValueError("more after the object")
            entry = _entry(obj, log, number)
        except (ValueError, RecursionError) as exc:
            why = str(exc) if isinstance(exc, _BadLine) else "not valid JSON (a cut or corrupt line)"
            notices.append(f"{shown_as}:{number}: skipped: {why}")
            continue
        entries.append(entry)
    return entries, notices


_DECODER = json.JSONDecoder()


class _BadLine(ValueError):
    pass


_new_entry = tuple.__new__  # LogEntry's own __new__ is a Python function: a tenth of the time at 100,000 lines
_intern = sys.intern


def _entry(obj: Any, log: str, number: int) -> LogEntry:
    if type(obj) is not dict:
        raise _BadLine("not a JSON object")
    get = obj.get
    time, path, name, sha = get("time"), get("path"), get("field"), get("sha256")
    if type(time) is not str or type(path) is not str or type(name) is not str or not path or not name:
        raise _BadLine("no time, path or field")
    if sha is not None and type(sha) is not str:
        raise _BadLine("sha256 is not text")
    editor, source, reason, batch = get("editor"), get("source"), get("reason"), get("batch")
    # Editors, fields and sources repeat on every line: one string each.
    return _new_entry(LogEntry, (
        time, _intern(editor) if type(editor) is str else "", path, _intern(name), get("old"), get("new"),
        reason if type(reason) is str else None, _intern(source) if type(source) is str else "",
        batch if type(batch) is str else None, sha, log, number))
