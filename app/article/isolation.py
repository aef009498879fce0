"""Work that must not hold this process's GIL: a 16 MB file's parse takes
libyaml over 100 ms, during which no other thread of the process (the window's
GUI thread included) runs. Such files are parsed, and edited, in a helper
process instead, and the result comes back pickled.

Also the process-pool plumbing the scan's workers share: how workers start,
and that they die with their parent; and the pool that writes the files of a
decision about many (`write_pool`).

`run_isolated` blocks; call it from a worker thread.
"""
from __future__ import annotations

import atexit
import gc
import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from app.courtesy import adopt_flag

if TYPE_CHECKING:  # imported when the helper is first needed: most runs never start it
    import multiprocessing.context
    from concurrent.futures import ProcessPoolExecutor

ISOLATE_BYTES = 1024 * 1024  # files above this are parsed and edited in the helper process
WRITE_WORKERS = 2  # helper processes writing a decision about many files (`write_pool`)
T = TypeVar("T")
_helper: ProcessPoolExecutor | None = None
_writers: ProcessPoolExecutor | None = None
_helper_lock = threading.Lock()


_inherited: list[ProcessPoolExecutor] = []  # a forked child's copies of its parent's pools: never used, never dropped


def _forget_in_a_child() -> None:
    """A forked child does not own its parent's helpers (the threads that talk to
    them stayed behind): it starts its own on first use. The parent's pools are
    kept referenced, not dropped: dropping the last reference runs the
    executor's shutdown callback, which takes a copy of a lock the parent may
    have held at the fork, and would hang the child there."""
    global _helper, _writers, _helper_lock
    _inherited.extend(pool for pool in (_helper, _writers) if pool is not None)
    _helper = _writers = None
    _helper_lock = threading.Lock()  # (another thread may have held it at the fork)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_in_a_child)


def run_isolated(fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)` in the helper process (started on first use, one per process)."""
    global _helper
    with _helper_lock:
        if _helper is None:
            from concurrent.futures import ProcessPoolExecutor

            context = pool_context(preload="app.article.isolation")
            parent = os.getpid() if context.get_start_method() == "fork" else None
            _helper = ProcessPoolExecutor(1, mp_context=context, initializer=worker_init, initargs=(parent,))
            atexit.register(_stop_helper)
        helper = _helper
    return helper.submit(fn, *args).result()


def _stop_helper() -> None:
    global _helper
    with _helper_lock:
        helper, _helper = _helper, None
    if helper is not None:
        helper.shutdown(wait=True, cancel_futures=True)


def write_pool() -> ProcessPoolExecutor:
    """The helper processes that write the files of a decision about many
    (started on first use, one pool per process, `WRITE_WORKERS` of them).

    A write is mostly system calls (open, flock, write, fsync, rename, fsync
    of the folder), and a thread that makes one gives up the GIL and must win
    it back afterwards: beside a busy GUI thread each of those waits costs up
    to a switch interval, so a writer *thread* runs twice as slow as it does
    alone. In a process of its own it runs at its own speed, and two of them
    overlap one file's fsync with the next file's parse."""
    global _writers
    with _helper_lock:
        if _writers is None:
            from concurrent.futures import ProcessPoolExecutor

            context = pool_context(preload="app.article.writer")
            parent = os.getpid() if context.get_start_method() == "fork" else None
            _writers = ProcessPoolExecutor(WRITE_WORKERS, mp_context=context, initializer=worker_init,
                                           initargs=(parent,))
            atexit.register(drop_write_pool, wait=True)
        return _writers


def drop_write_pool(*, wait: bool = False, broken: ProcessPoolExecutor | None = None) -> None:
    """Forget the write pool (a broken one; all of it at exit, `wait`ing for its
    helpers): the next `write_pool()` starts a new one. With `broken`, only if
    that is still the pool (each task of a broken pool reports it)."""
    global _writers
    with _helper_lock:
        if broken is not None and _writers is not broken:
            return
        writers, _writers = _writers, None
    if writers is not None:
        writers.shutdown(wait=wait, cancel_futures=True)


def is_big(path: str | os.PathLike[str]) -> bool:
    try:
        return os.stat(path).st_size > ISOLATE_BYTES
    except OSError:
        return False


def worker_init(parent: int | None = None, foreground: Any = None) -> None:
    """`parent`: the pid that forks this worker (the `fork` start method), to
    catch a parent that died before `_die_with_parent` took effect.
    `foreground`: the parent's `app.courtesy.shared_flag()`, to step aside
    while its GUI thread paints."""
    if foreground is not None:
        adopt_flag(foreground)
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


def pool_context(preload: str) -> multiprocessing.context.BaseContext:
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
        ctx.set_forkserver_preload([preload])
        return ctx
    return multiprocessing.get_context("spawn")


