"""Every audit log of one queue folder, read once and then incrementally.

`AuditTrail.refresh()` reads `.copydesk/log/*.jsonl`: the first time each log
whole, afterwards only the lines added since (a cursor per log: its inode,
size and mtime when read, the offset read up to, its first bytes and the bytes
just before the offset). A log that shrank, was replaced (git checkout, a
shared folder's sync), was rewritten in place (the same size, a new mtime) or
whose first bytes or bytes before the cursor changed is read again from the
start, and a log that is gone takes its lines with it.
A corrupt or cut line is skipped with a notice naming the file and the line;
a last line without its newline is left for later unless it is whole.

Threading: `refresh` may run on any thread (the watcher's, the writer's);
refreshes are serialized, and the parsing happens outside `lock`, which is
held only while the results are installed. Readers (`history`, `last`,
`entries`) take `lock` briefly; any thread, the GUI's included.
"""
from __future__ import annotations

import os
import stat as stat_module
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from app.article.messages import describe_os_error
from app.audit.log import LogEntry, log_folder, parse_lines
from app.memory import no_collections
from app.queue.location import LOG_DIR, is_log_relpath

_TAIL_BYTES = 32  # bytes before a cursor that must still be there for an append to be read as one
_HEAD_BYTES = 64  # the log's first bytes, which must still be there too
_NAMED_PER_PASS = 20  # skipped lines named one by one per log and pass; the rest are counted


@dataclass(slots=True)
class _Cursor:
    ident: tuple[int, int]  # (device, inode)
    offset: int  # bytes read
    lines: int  # lines read (a whole last line without its newline counts)
    tail: bytes  # the bytes just before `offset`
    head: bytes = b""  # the log's first bytes (up to _HEAD_BYTES), as read
    stamp: tuple[int, int] = (-1, -1)  # (size, mtime_ns) when read
    open_line: bool = False  # the last line read had no newline yet: a newline at `offset` ends it


@dataclass(slots=True)
class _Read:
    """What one log's refresh found, installed under the lock."""

    name: str
    reset: bool  # drop every entry of this log first
    entries: list[LogEntry]
    cursor: _Cursor | None  # None: the log is gone


class AuditTrail:
    def __init__(self, queue_folder: str | os.PathLike[str]) -> None:
        self.folder = Path(queue_folder)
        self.lock = threading.RLock()
        self._refresh_lock = threading.Lock()
        self._cursors: dict[str, _Cursor] = {}
        self._by_log: dict[str, list[LogEntry]] = {}
        self._by_path: dict[str, list[LogEntry]] = {}
        self._last: dict[str, LogEntry] = {}
        self.notices: list[str] = []
        self._said: set[str] = set()
        self._notices_taken = 0

    # --- reading the results (any thread) ----------------------------------------

    def last(self, relpath: str) -> LogEntry | None:
        """The article's last logged decision (by time; then log and line)."""
        with self.lock:
            return self._last.get(relpath)

    def last_entries(self) -> dict[str, LogEntry]:
        """relpath -> its last entry: the trail's own map, for a caller that holds `lock`
        (the review book, restating thousands of articles at once)."""
        return self._last

    def history(self, relpath: str) -> list[LogEntry]:
        """Every logged decision about the article, newest first."""
        with self.lock:
            entries = list(self._by_path.get(relpath, ()))
        entries.sort(key=_order, reverse=True)
        return entries

    def entries(self) -> list[LogEntry]:
        """Every entry of every log, oldest first."""
        with self.lock:
            entries = [e for log in self._by_log.values() for e in log]
        entries.sort(key=_order)
        return entries

    def logged_paths(self) -> list[str]:
        with self.lock:
            return list(self._last)

    def take_notices(self) -> list[str]:
        with self.lock:
            fresh = self.notices[self._notices_taken:]
            self._notices_taken = len(self.notices)
            return fresh

    # --- refreshing ------------------------------------------------------------------

    def refresh(self, names: Iterable[str] | None = None) -> set[str]:
        """Read what is new in the logs called `names` (`ana.jsonl`), or in every
        log (None: the folder is listed, so new and removed logs are found).
        Returns the relpaths whose entries changed. Blocking."""
        with self._refresh_lock:
            if names is None:
                names = self._listed()
            reads: list[_Read] = []
            notices: list[str] = []
            # 100,000 new entries would set off full collections that free nothing (as in the scan).
            with no_collections():
                for name in sorted(set(names)):
                    read = self._read(name, notices)
                    if read is not None:
                        reads.append(read)
                with self.lock:
                    touched = self._install(reads)
                    for text in notices:
                        if text not in self._said:
                            self._said.add(text)
                            self.notices.append(text)
            return touched

    def _listed(self) -> set[str]:
        """The logs in the folder now, and those read before (to notice removed ones)."""
        found = set(self._cursors)
        try:
            with os.scandir(log_folder(self.folder)) as it:
                found.update(entry.name for entry in it if is_log_relpath(f"{LOG_DIR}/{entry.name}"))
        except FileNotFoundError:
            pass
        except OSError as exc:
            self._say(f"{log_folder(self.folder)}: cannot read the log folder: {describe_os_error(exc)}")
        return found

    def _shown(self, name: str) -> str:
        return os.path.join(self.folder, *LOG_DIR.split("/"), name)

    def _read(self, name: str, notices: list[str]) -> _Read | None:
        """Read one log from its cursor (refresh lock held, not `lock`)."""
        cursor = self._cursors.get(name)
        path = self._shown(name)
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0))
        except FileNotFoundError:
            return None if cursor is None else _Read(name, True, [], None)
        except OSError as exc:
            notices.append(f"{path}: cannot read this log: {describe_os_error(exc)}")
            return None
        try:
            st = os.fstat(fd)
            if not stat_module.S_ISREG(st.st_mode):
                notices.append(f"{path}: not a regular file; not read as a log")
                return None if cursor is None else _Read(name, True, [], None)
            ident, stamp = (st.st_dev, st.st_ino), (st.st_size, st.st_mtime_ns)
            if cursor is not None and cursor.ident == ident and cursor.stamp == stamp:
                return None  # nothing new
            reset = cursor is not None and (
                cursor.ident != ident or st.st_size <= cursor.offset
                or os.pread(fd, len(cursor.head), 0) != cursor.head
                or os.pread(fd, len(cursor.tail), cursor.offset - len(cursor.tail)) != cursor.tail)
            if cursor is None or reset:
                cursor = _Cursor(ident, 0, 0, b"")
            data = _read_from(fd, cursor.offset)
        except OSError as exc:
            notices.append(f"{path}: cannot read this log: {describe_os_error(exc)}")
            return None
        finally:
            os.close(fd)
        read = self._parse(name, path, cursor, reset, data, notices)
        if read.cursor is not None:
            read.cursor.stamp = (cursor.offset + len(data), st.st_mtime_ns)
            read.cursor.head = cursor.head if cursor.offset else data[:_HEAD_BYTES]
        return read

    def _parse(self, name: str, path: str, cursor: _Cursor, reset: bool, data: bytes,
               notices: list[str]) -> _Read:
        start = 0
        lines = cursor.lines
        if cursor.open_line and data.startswith(b"\n"):
            start = 1  # the newline that ends the whole line read last time
        end = data.rfind(b"\n") + 1
        if end <= start:
            end = start
        if cursor.open_line and start == 0 and data:
            lines -= 1  # someone else's bytes continue the whole line read last time: same line number
        entries, skipped = parse_lines(data[start:end], name, lines + 1, path)
        if len(skipped) > _NAMED_PER_PASS:
            more = len(skipped) - _NAMED_PER_PASS
            skipped = skipped[:_NAMED_PER_PASS] + [f"{path}: {more} more corrupt lines skipped"]
        notices += skipped
        lines += data.count(b"\n", start, end)
        open_line = False
        tail = data[end:]
        if tail.strip():
            # A last line without its newline: whole (a hand edit), or still being written.
            last, _ = parse_lines(tail, name, lines + 1, path)
            if last:
                entries += last
                end, lines, open_line = len(data), lines + 1, True
            else:
                notices.append(f"{path}:{lines + 1}: the last line has no end (cut short, or still "
                               "being written); not read yet")
        offset = cursor.offset + end
        consumed = data[max(0, end - _TAIL_BYTES):end]
        before = cursor.tail if len(consumed) < _TAIL_BYTES and end == len(consumed) else b""
        tail_bytes = (before + consumed)[-_TAIL_BYTES:]
        return _Read(name, reset, entries, _Cursor(cursor.ident, offset, lines, tail_bytes, open_line))

    def _install(self, reads: list[_Read]) -> set[str]:
        """Apply the reads (`lock` held)."""
        touched: set[str] = set()
        for read in reads:
            if read.reset:
                touched |= self._drop(read.name)
            if read.cursor is None:
                self._cursors.pop(read.name, None)
                continue
            self._cursors[read.name] = read.cursor
            if read.entries:
                self._by_log.setdefault(read.name, []).extend(read.entries)
                touched |= self._add(read.entries)
        return touched

    def _add(self, entries: list[LogEntry]) -> set[str]:
        by_path, last = self._by_path, self._last
        touched = set()
        for entry in entries:
            path = entry.path
            touched.add(path)
            known = by_path.get(path)
            if known is None:
                by_path[path] = [entry]
                last[path] = entry
                continue
            known.append(entry)
            newest = last[path]
            if (entry.time, entry.log, entry.line) > (newest.time, newest.log, newest.line):
                last[path] = entry
        return touched

    def _drop(self, name: str) -> set[str]:
        """Forget every entry of one log (it is gone, or is read again from the start)."""
        gone = self._by_log.pop(name, [])
        touched = {entry.path for entry in gone}
        for path in touched:
            kept = [entry for entry in self._by_path.get(path, ()) if entry.log != name]
            if kept:
                self._by_path[path] = kept
                self._last[path] = max(kept, key=_order)
            else:
                self._by_path.pop(path, None)
                self._last.pop(path, None)
        return touched

    def _say(self, text: str) -> None:
        with self.lock:
            if text not in self._said:
                self._said.add(text)
                self.notices.append(text)


def _order(entry: LogEntry) -> tuple[str, str, int]:
    return (entry.time, entry.log, entry.line)


def _read_from(fd: int, offset: int) -> bytes:
    parts = []
    while True:
        chunk = os.pread(fd, 1 << 20, offset)
        if not chunk:
            return b"".join(parts)
        parts.append(chunk)
        offset += len(chunk)
