"""Finding article files in a queue folder and checking them, in parallel.

Three pieces, used by `app.queue`:
- which names are articles (`is_article_name`, `is_ignored_relpath`): hidden
  files and folders, editors' temp and backup files and our own temp files
  are never articles;
- `walk_articles`: an `os.scandir` walk yielding (relpath, stat) without
  following symlinked folders (no cycles; watchdog does not follow them either);
- `check_file` / `CheckRunner`: read a file once, hash the bytes, and parse
  them with the one parser (`app.article.frontmatter.parse_article`) unless the hash
  shows the content is what the index already holds. The runner spreads the
  work over a process pool in growing chunks so the first rows come back
  fast and later chunks amortise the inter-process cost. Workers return a
  flat tuple with the summary's column values, which pickles cheaply.

Threading: `CheckRunner` belongs to the thread that created it.
"""
from __future__ import annotations

import gc
import hashlib
import os
import signal
import stat as stat_module
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, NamedTuple

from app.article.frontmatter import not_a_file, parse_article, read_fd
from app.article.messages import describe_os_error
from app.article.model import ARTICLE_SUFFIXES
from app.article.summary import ArticleSummary, SummaryRow, summarize

if TYPE_CHECKING:  # imported when a pool is first needed: a warm open never starts one
    import multiprocessing.context
    from concurrent.futures import Future, ProcessPoolExecutor

# Exact names and name endings that editors and tools use for temp/backup files.
_IGNORED_NAMES = frozenset({"4913"})  # Vim's probe for a writable folder
_IGNORED_ENDINGS = ("~", "___jb_tmp___", "___jb_old___")  # backups, JetBrains safe-write


def is_ignored_name(name: str) -> bool:
    """Hidden files (`.*`, which covers `.*.swp`, `.#*` and `.copydesk-*.tmp`),
    backups and temp files."""
    return name.startswith(".") or name in _IGNORED_NAMES or name.endswith(_IGNORED_ENDINGS)


def is_article_name(name: str) -> bool:
    return name.lower().endswith(ARTICLE_SUFFIXES) and not is_ignored_name(name)


def is_ignored_relpath(relpath: str) -> bool:
    """True when any part of a '/'-separated path is hidden or a temp/backup name."""
    return any(is_ignored_name(part) for part in relpath.split("/"))


# What a stat says about a file: (size, mtime_ns, inode, ctime_ns). Equal stamps
# mean "very probably unchanged". A plain tuple: a warm open builds 100,000.
Stamp = tuple[int, int, int, int]


def stamp_of(st: os.stat_result) -> Stamp:
    return (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)


def describe_file_error(path: str, exc: OSError) -> str:
    """The error row's message for a file that cannot be opened (a dangling link says so)."""
    if isinstance(exc, FileNotFoundError) and os.path.islink(path):
        return "broken symbolic link: its target does not exist"
    return describe_os_error(exc)


def walk_articles(root: str, start: str = "", errors: list[tuple[str, str]] | None = None
                  ) -> Iterator[tuple[str, os.stat_result | OSError]]:
    """Yield (relpath, stat or the OSError from stat) for every article under root/start.

    Symlinked files are followed (an article may be a link); symlinked folders
    are not. Folders that cannot be listed are appended to `errors` as
    (relpath, "" for the root, and the reason)."""
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
        except OSError as exc:
            if errors is not None:
                errors.append((rel_dir, describe_os_error(exc)))
            continue
        subdirs = []
        for entry in entries:
            name = entry.name
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if is_dir:
                if not is_ignored_name(name):
                    subdirs.append(prefix + name)
                continue
            if not is_article_name(name):
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


def check_file(root: str, relpath: str, known: bytes | None = None) -> Checked:
    """Read, hash and (unless the hash equals `known`) parse one file. Never raises for file problems."""
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
    summary = summarize(parse_article(path, data), relpath, st.st_size, st.st_mtime_ns)
    return Checked(relpath, st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns, digest, checked_ns,
                   summary.to_row())


def _error(relpath: str, checked_ns: int, message: str, st: os.stat_result | None = None,
           digest: bytes = b"") -> Checked:
    summary = ArticleSummary(relpath, error=message)
    if st is None:
        return Checked(relpath, 0, 0, 0, 0, digest, checked_ns, summary.to_row())
    return Checked(relpath, st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns, digest, checked_ns,
                   summary.to_row())


def check_chunk(root: str, jobs: list[tuple[str, bytes | None]]) -> list[Checked]:
    """Worker entry point: check a list of (relpath, known digest)."""
    return [check_file(root, rel, known) for rel, known in jobs]


def _worker_init(parent: int | None = None) -> None:
    """`parent`: the pid that forks this worker (the `fork` start method), to
    catch a parent that died before `_die_with_parent` took effect."""
    _die_with_parent()
    if parent is not None and os.getppid() != parent:
        os._exit(1)
    # Ctrl-C (or `kill -TERM -PGID`, or `timeout`) reaches the whole process
    # group; the parent decides how to stop and shuts the pool down, so workers
    # neither print a KeyboardInterrupt traceback nor die under it (which the
    # parent would see as a broken pool).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # A forked worker inherits the scan's disabled collector; parsing makes
    # reference cycles, so without it each worker would grow by ~100 MB per 10k files.
    gc.enable()


def _die_with_parent() -> None:
    """Linux: end this worker when its parent ends however it ends (SIGKILL, a
    crash). Otherwise idle workers wait forever on a queue whose writing end
    their sibling still holds open."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _pool_context() -> multiprocessing.context.BaseContext:
    """`fork` starts workers in milliseconds but is only safe while this process
    has a single thread (a forked child inherits other threads' held locks).
    With other threads alive (a GUI, a watcher) use `forkserver`, preloaded
    with the parser so each worker still starts warm."""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    if threading.active_count() == 1 and "fork" in methods:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["app.queue.scan"])
        return ctx
    return multiprocessing.get_context("spawn")


# Chunk sizes grow so the first results are back within milliseconds while
# later chunks keep the per-chunk pickling/IPC overhead small.
_CHUNK_SIZES = (8, 16, 32, 64, 128, 256)


class CheckRunner:
    """Feed (relpath, known digest) jobs in as they are found; collect `Checked` results.

    Below `inline_limit` jobs in total no pool is started at all: a watcher
    batch or a warm open with a handful of changed files is faster in-process.
    """

    def __init__(self, root: str, *, workers: int | None = None, inline_limit: int = 48) -> None:
        self.root = root
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

                context = _pool_context()
                parent = os.getpid() if context.get_start_method() == "fork" else None
                self._pool = ProcessPoolExecutor(self.workers, mp_context=context,
                                                 initializer=_worker_init, initargs=(parent,))
            if len(self._buffer) >= _CHUNK_SIZES[min(self._chunk_index, len(_CHUNK_SIZES) - 1)]:
                self._submit()

    def _submit(self) -> None:
        assert self._pool is not None
        if self._buffer:
            self._futures.append(self._pool.submit(check_chunk, self.root, self._buffer))
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
                yield check_chunk(self.root, jobs[i:i + 64])
                if not gc.isenabled():
                    # The caller paused the collector for speed; parsing makes
                    # cycles, so sweep the young generation (cheap: one chunk's objects).
                    gc.collect(0)
            return
        self._submit()
        while self._futures:
            yield self._futures.popleft().result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._futures.clear()

    def __enter__(self) -> CheckRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
