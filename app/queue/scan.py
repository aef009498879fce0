"""Finding article files in a queue folder and checking them, in parallel.

Three pieces, used by `app.queue`:
- which names are articles (`app.queue.rules`: hidden files and folders,
  editors' temp and backup files and our own temp files are never articles;
  the queue's profile adds its suffixes and exclude globs);
- `walk_articles`: an `os.scandir` walk yielding (relpath, stat) without
  following symlinked folders (no cycles; watchdog does not follow them either),
  and without entering excluded folders;
- `check_file` / `CheckRunner`: read a file once, hash the bytes, and parse
  them with the one parser (`app.article.frontmatter.parse_article`, typed
  under the queue's field mapping) unless the hash
  shows the content is what the index already holds. The runner spreads the
  work over a process pool in growing chunks so the first rows come back
  fast and later chunks amortise the inter-process cost. Workers return a
  flat tuple with the summary's column values, which pickles cheaply.

Threading: `CheckRunner` belongs to the thread that created it.
"""
from __future__ import annotations

import errno
import gc
import hashlib
import os
import stat as stat_module
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, NamedTuple

from app.article.frontmatter import not_a_file, parse_article, read_fd
from app.article.isolation import pool_context, worker_init
from app.article.mapping import DEFAULT_MAPPING, FieldMapping
from app.article.messages import describe_os_error
from app.article.writer import TEMP_PREFIX, TEMP_SUFFIX
from app.article.summary import ArticleSummary, SummaryRow, summarize
from app.courtesy import pause_point, shared_flag
from app.queue.duplicate_records import duplicate_keys_row
# is_ignored_relpath is also imported from here by older callers; its home is app.queue.rules.
from app.queue.rules import DEFAULT_RULES, FileRules, is_ignored_name, is_ignored_relpath  # noqa: F401

if TYPE_CHECKING:  # imported when a pool is first needed: a warm open never starts one
    from concurrent.futures import Future, ProcessPoolExecutor

def is_article_name(name: str) -> bool:
    """An article name in a seed-shaped queue (a queue's own: `FileRules.is_article_name`)."""
    return DEFAULT_RULES.is_article_name(name)


# What a stat says about a file: (size, mtime_ns, inode, ctime_ns). Equal stamps
# mean "very probably unchanged". A plain tuple: a warm open builds 100,000.
Stamp = tuple[int, int, int, int]


def stamp_of(st: os.stat_result) -> Stamp:
    return (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)


Identity = tuple[int, frozenset[int], bool]  # (euid, groups, privileged)


def may_read(st: os.stat_result, identity: Identity) -> bool:
    """Whether a process of `identity` may read a file with this stat, from its
    mode bits (no system call: a warm open asks for every indexed file). A
    privileged process (root with its capabilities) may read everything."""
    euid, groups, privileged = identity
    if privileged:
        return True
    if st.st_uid == euid:
        return bool(st.st_mode & stat_module.S_IRUSR)
    if st.st_gid in groups:
        return bool(st.st_mode & stat_module.S_IRGRP)
    return bool(st.st_mode & stat_module.S_IROTH)


def current_identity() -> Identity:
    euid = os.geteuid()
    groups = frozenset([os.getegid(), *os.getgroups()])
    privileged = euid == 0 and _has_read_override()
    return euid, groups, privileged


def _has_read_override() -> bool:
    """Root may still lack CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH (a locked-down container)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("CapEff:"):
                    return bool(int(line.split()[1], 16) & 0b110)  # capability bits 1 and 2
    except (OSError, ValueError):
        pass
    return True  # no /proc (not Linux): root reads everything


def describe_file_error(path: str, exc: OSError) -> str:
    """The error row's message for a file that cannot be opened (a dangling link says so)."""
    if isinstance(exc, FileNotFoundError) and os.path.islink(path):
        return "broken symbolic link: its target does not exist"
    return describe_os_error(exc)


@dataclass(slots=True)
class WalkNotes:
    """What a walk saw besides articles."""

    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (folder relpath, "" = root; why)
    excluded: int = 0  # files, and folders (each counted once), left out by the queue's exclude globs
    skipped_links: list[tuple[str, str]] = field(default_factory=list)  # (relpath, why): folder links not followed
    temp_files: list[str] = field(default_factory=list)  # absolute paths of Copydesk's own temp files


def walk_articles(root: str, start: str = "", notes: WalkNotes | None = None,
                  rules: FileRules = DEFAULT_RULES) -> Iterator[tuple[str, os.stat_result | OSError]]:
    """Yield (relpath, stat or the OSError from stat) for every article under root/start.

    Symlinked files are followed (an article may be a link); symlinked folders
    are not (no cycles; watchdog does not follow them either), and each one is
    noted with why. A folder that cannot be listed is noted; one that turned
    into a file while we walked is taken as that file (or dropped), not an error.
    Files and folders the queue's `rules` exclude are skipped (and counted)."""
    if start and rules.folder_excluded(start):
        return
    stack = [start]
    while stack:
        rel_dir = stack.pop()
        abs_dir = os.path.join(root, rel_dir) if rel_dir else root
        prefix = rel_dir + "/" if rel_dir else ""
        try:
            with os.scandir(abs_dir) as it:
                entries = list(it)
        except FileNotFoundError:
            continue  # removed while we walked: the watcher reports its files
        except NotADirectoryError:
            yield from _changed_kind(abs_dir, rel_dir, rules)
            continue
        except OSError as exc:
            if notes is not None:
                notes.unreadable.append((rel_dir, describe_os_error(exc)))
            continue
        subdirs = []
        for entry in entries:
            name = entry.name
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if is_dir:
                if is_ignored_name(name):
                    continue
                if rules.exclude and rules.prunes(prefix + name):
                    if notes is not None:
                        notes.excluded += 1
                    continue
                subdirs.append(prefix + name)
                continue
            if not rules.is_article_name(name):
                if notes is not None:
                    _note_other(entry, prefix + name, notes)
                continue
            if rules.exclude and rules.excludes_name(prefix + name):
                if notes is not None:
                    notes.excluded += 1
                continue
            try:
                st = entry.stat()  # follows a symlinked article to its target
            except OSError as exc:
                yield prefix + name, exc
                continue
            if stat_module.S_ISDIR(st.st_mode):
                continue  # a symlink to a folder that happens to be named like an article
            yield prefix + name, st
        stack.extend(reversed(subdirs))


def _changed_kind(abs_dir: str, rel_dir: str, rules: FileRules) -> Iterator[tuple[str, os.stat_result | OSError]]:
    """A folder replaced by a file between listing its parent and listing it."""
    if rel_dir and rules.is_article(rel_dir):
        try:
            st = os.stat(abs_dir)
        except OSError:
            return
        if stat_module.S_ISREG(st.st_mode):
            yield rel_dir, st


def _note_other(entry: os.DirEntry[str], rel: str, notes: WalkNotes) -> None:
    """Our own temp files (to sweep), and folder links we do not follow (to say so)."""
    name = entry.name
    if name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX):
        notes.temp_files.append(entry.path)
        return
    if is_ignored_name(name) or not entry.is_symlink():
        return
    try:
        if entry.is_dir():
            notes.skipped_links.append((rel, "a symbolic link to a folder; such links are not followed"))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            notes.skipped_links.append((rel, "a symbolic link loop; skipped"))


class Checked(NamedTuple):
    """The outcome of checking one file (built in a worker, so plain and picklable).

    `row` is the summary's column values (`ArticleSummary.to_row`), or None when
    the bytes hash to the `known` digest the caller passed (content unchanged:
    keep the old row), or when there was no file to read (`vanished`, no digest)."""

    relpath: str
    size: int
    mtime_ns: int
    ino: int
    ctime_ns: int
    sha256: bytes  # b"" when the file could not be read
    checked_ns: int  # wall clock just before the read
    row: SummaryRow | None
    # What the duplicate engine files a readable article under (`RecordKeys.to_row()`),
    # computed here once per parse; None when not parsed (or not readable).
    keys: tuple[str, str, bytes | None] | None = None

    @property
    def vanished(self) -> bool:
        """The file was gone when we came to read it (deleted or renamed after
        the folder was listed): not a row, and not an error."""
        return self.row is None and not self.sha256

    @property
    def state(self) -> tuple[int, int, int, int, bytes, int]:
        """(size, mtime_ns, ino, ctime_ns, sha256, checked_ns): see `app.queue.FileState`."""
        return (self.size, self.mtime_ns, self.ino, self.ctime_ns, self.sha256, self.checked_ns)

    def summary(self, previous: ArticleSummary | None = None) -> ArticleSummary:
        if self.row is None:
            if previous is None:
                raise ValueError("unchanged result without a previous summary")
            return replace(previous, path=self.relpath, size=self.size, mtime_ns=self.mtime_ns)
        return ArticleSummary.from_row(self.relpath, self.size, self.mtime_ns, self.row)


def check_file(root: str, relpath: str, known: bytes | None = None,
               mapping: FieldMapping = DEFAULT_MAPPING) -> Checked:
    """Read, hash and (unless the hash equals `known`) parse one file, typed under
    `mapping`. Never raises for file problems."""
    path = os.path.join(root, relpath)
    checked_ns = time.time_ns()
    try:
        # O_NONBLOCK: a FIFO named like an article must not hang the scan.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        if isinstance(exc, FileNotFoundError) and not os.path.islink(path):
            return Checked(relpath, 0, 0, 0, 0, b"", checked_ns, None)  # `vanished`
        return _error(relpath, checked_ns, describe_file_error(path, exc))
    st: os.stat_result | None = None
    try:
        st = os.fstat(fd)  # before reading: a write during the read leaves a newer mtime for next time
        if not stat_module.S_ISREG(st.st_mode):
            return _error(relpath, checked_ns, not_a_file(st), st)
        data = read_fd(fd, st)
    except OSError as exc:
        return _error(relpath, checked_ns, describe_os_error(exc), st)
    finally:
        os.close(fd)
    digest = hashlib.sha256(data).digest()
    if known is not None and digest == known:
        return Checked(relpath, st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns, digest, checked_ns, None)
    article = parse_article(path, data, mapping)
    summary = summarize(article, relpath, st.st_size, st.st_mtime_ns)
    keys = duplicate_keys_row(summary, article) if summary.error is None else None
    return Checked(relpath, st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns, digest, checked_ns,
                   summary.to_row(), keys)


def _error(relpath: str, checked_ns: int, message: str, st: os.stat_result | None = None,
           digest: bytes = b"") -> Checked:
    summary = ArticleSummary(relpath, error=message)
    if st is None:
        return Checked(relpath, 0, 0, 0, 0, digest, checked_ns, summary.to_row())
    return Checked(relpath, st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns, digest, checked_ns,
                   summary.to_row())


def check_chunk(root: str, jobs: list[tuple[str, bytes | None]],
                mapping: FieldMapping = DEFAULT_MAPPING) -> list[Checked]:
    """Worker entry point: check a list of (relpath, known digest). The mapping
    travels with each chunk (a few hundred pickled bytes), so a worker pool
    needs no state of its own."""
    out = []
    for rel, known in jobs:
        pause_point()  # while the window paints, its CPU is not taken (app.courtesy.shared_flag)
        out.append(check_file(root, rel, known, mapping))
    return out


# Chunk sizes grow so the first results are back within milliseconds while
# later chunks keep the per-chunk pickling/IPC overhead small.
_CHUNK_SIZES = (8, 16, 32, 64, 128, 256)


class CheckRunner:
    """Feed (relpath, known digest) jobs in as they are found; collect `Checked` results.

    Below `inline_limit` jobs in total no pool is started at all: a watcher
    batch or a warm open with a handful of changed files is faster in-process.
    """

    def __init__(self, root: str, *, workers: int | None = None, inline_limit: int = 48,
                 mapping: FieldMapping = DEFAULT_MAPPING) -> None:
        self.root = root
        self.mapping = mapping
        self.workers = max(1, workers if workers is not None else (os.cpu_count() or 1))
        self.inline_limit = inline_limit
        self._buffer: list[tuple[str, bytes | None]] = []
        self._pool: ProcessPoolExecutor | None = None
        self._futures: deque[Future[list[Checked]]] = deque()
        self._chunk_index = 0
        self.submitted = 0

    def add(self, relpath: str, known: bytes | None) -> None:
        self._buffer.append((relpath, known))
        self.submitted += 1
        if self.workers > 1 and self.submitted > self.inline_limit:
            if self._pool is None:
                from concurrent.futures import ProcessPoolExecutor

                context = pool_context(preload="app.queue.scan")
                parent = os.getpid() if context.get_start_method() == "fork" else None
                self._pool = ProcessPoolExecutor(self.workers, mp_context=context,
                                                 initializer=worker_init, initargs=(parent, shared_flag()))
            if len(self._buffer) >= _CHUNK_SIZES[min(self._chunk_index, len(_CHUNK_SIZES) - 1)]:
                self._submit()

    def _submit(self) -> None:
        assert self._pool is not None
        if self._buffer:
            self._futures.append(self._pool.submit(check_chunk, self.root, self._buffer, self.mapping))
            self._buffer = []
            self._chunk_index += 1

    def ready(self) -> list[Checked]:
        """Results of finished chunks, in submission order, without blocking."""
        out: list[Checked] = []
        while self._futures and self._futures[0].done():
            out.extend(self._futures.popleft().result())
        return out

    def drain(self) -> Iterator[list[Checked]]:
        """Submit what is buffered and yield results chunk by chunk until all are done."""
        if self._pool is None:
            jobs, self._buffer = self._buffer, []
            # Inline: yield small batches so the caller can still stream rows.
            for i in range(0, len(jobs), 64):
                yield check_chunk(self.root, jobs[i:i + 64], self.mapping)
                if not gc.isenabled():
                    # The caller paused the collector for speed; parsing makes
                    # cycles, so sweep the young generation (cheap: one chunk's objects).
                    gc.collect(0)
            return
        self._submit()
        while self._futures:
            yield self._futures.popleft().result()

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            try:
                pool.shutdown(wait=True, cancel_futures=True)
            except RuntimeError:
                # A SIGTERM landed inside `submit` while the pool was starting its
                # manager thread, so the orderly shutdown cannot run: stop the
                # workers directly rather than leave them waiting on their queue.
                for process in list((getattr(pool, "_processes", None) or {}).values()):
                    process.terminate()
                    process.join(5)
        self._futures.clear()

    def __enter__(self) -> CheckRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
