"""The one writer: apply an edit to a file on disk, atomically and only if it
still holds what the editor saw.

How a write stays safe against other writers:
- Copydesk writers (threads or processes) take an exclusive `flock` on the
  article's inode, from the read to the swap, and check after locking that the
  path still names that inode. A second Copydesk writer therefore waits and
  then applies its edit to the first one's result: neither update is lost.
- Writers that are not Copydesk take no lock. For them the new bytes go into a
  temp file beside the target, and on Linux the temp file and the target are
  *exchanged* atomically (`renameat2(RENAME_EXCHANGE)`); the old file, now at
  the temp name, is compared with the bytes the edit was based on. If someone
  wrote in between, the two are exchanged back and the write is a conflict:
  their save stands. Where the exchange is not available (another OS, a file
  system that refuses it) the bytes are compared just before a plain rename,
  which leaves a window of microseconds instead of none.

Blocking; call it from a worker thread.
"""
from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import hashlib
import os
import secrets
import stat
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

from app.article.edit import EditRefused, apply_edit_parsed, canonical_text
from app.article.frontmatter import MAX_FILE_BYTES, not_a_file, parse_document, read_fd, to_json_safe, type_article
from app.article.mapping import DEFAULT_MAPPING, FieldMapping
from app.article.messages import describe_os_error
from app.article.model import ArticleError, WriteResult

TEMP_PREFIX = ".copydesk-"
TEMP_SUFFIX = ".tmp"
LOCK_TIMEOUT_S = 10.0  # a Copydesk writer holds a lock for milliseconds; longer means someone else holds it
RACE_MESSAGE = "the file changed on disk while saving; nothing written"

# Called with the target path just before the swap. Tests use it to play an
# outside writer at the worst possible moment; None in normal use.
BEFORE_SWAP: Callable[[str], None] | None = None


class _ChangedMeanwhile(Exception):
    """The file's bytes changed between our read and our swap."""


def write_front_matter_edit(path: str | os.PathLike[str], changes: dict[str, Any],
                            expected: dict[str, Any] | None = None,
                            mapping: FieldMapping = DEFAULT_MAPPING) -> WriteResult:
    """Set `changes` (meanings, e.g. {"published": True, "quality": 57}) in the
    file, through the keys `mapping` names for them (Hugo: `draft: false`).

    `expected` holds the values the caller believes are on disk, as the app
    types them under the same mapping (None for missing or invalid). A field
    whose disk value differs makes the call a conflict and writes nothing. A
    written result carries the file's new typed article (`article`), parsed
    once while verifying the edit. `disk_values` and `previous` are meanings."""
    name = os.fspath(path)
    try:
        for key, value in changes.items():
            canonical_text(key, value, mapping)  # a bad value is refused before anything is read
    except EditRefused as exc:
        return WriteResult(name, "failed", exc.describe())
    try:
        target = os.path.realpath(name)  # a symlinked article is edited at its target
        with _locked(target) as (fd, st):
            original = read_fd(fd, st)
            result = _edit_locked(name, target, st, original, changes, expected, mapping)
    except OSError as exc:
        return WriteResult(name, "failed", describe_os_error(exc))
    except ValueError as exc:  # a NUL byte in the path
        return WriteResult(name, "failed", f"invalid path: {exc}")
    _sweep_now_and_then(os.path.dirname(target))
    return result


def _edit_locked(name: str, target: str, st: os.stat_result, original: bytes, changes: dict[str, Any],
                 expected: dict[str, Any] | None, mapping: FieldMapping) -> WriteResult:
    doc = parse_document(name, original)
    if isinstance(doc, ArticleError):
        return WriteResult(name, "failed", f"cannot edit an unreadable file: {doc.describe()}")
    disk = mapping.editable_values(doc.data)
    for key, value in (expected or {}).items():
        if not _same(disk.get(key), value):
            return WriteResult(name, "conflict", _conflict_message(key, disk.get(key), value), disk)
    # Compared as meanings: a Jekyll post without `published` is published already.
    if all(_same(disk.get(key), value) for key, value in changes.items()):
        return WriteResult(name, "unchanged", "already holds these values", disk,
                           hashlib.sha256(original).hexdigest())
    if not _writable(target, st):
        return WriteResult(name, "failed", "the file is read-only", disk)
    if st.st_nlink > 1:  # a rename would leave the other names holding the old text
        return WriteResult(name, "failed", f"the file has {st.st_nlink} hard links; saving would split them "
                                           "(edit it where it is linked, or copy it)", disk)
    try:
        new_bytes, after = apply_edit_parsed(doc, changes, mapping)
    except EditRefused as exc:
        return WriteResult(name, "failed", exc.describe(), disk)
    try:
        warning, new_stat = _replace_atomically(target, original, new_bytes, st)
    except _ChangedMeanwhile:
        fresh = load_editable_values(name, target, mapping)
        return WriteResult(name, "conflict", RACE_MESSAGE, fresh, raced=True)
    except OSError as exc:
        return WriteResult(name, "failed", f"not saved: {describe_os_error(exc)}", disk)
    values = dict(disk)
    values.update(changes)
    try:
        article = type_article(after, mapping)
    except RecursionError:  # pragma: no cover - the edit's own verification parsed it
        article = None
    # Each meaning's value before, as typed; None when its key was missing.
    previous = {name: to_json_safe(value) for name, value in mapping.previous_values(doc.data, changes).items()}
    return WriteResult(name, "written", _describe_changes(changes, mapping), values,
                       hashlib.sha256(new_bytes).hexdigest(), warning, article=article, new_stat=new_stat,
                       previous=previous)


@contextlib.contextmanager
def _locked(target: str) -> Iterator[tuple[int, os.stat_result]]:
    """Open `target` without blocking (a FIFO must not hang us), make sure it is
    a regular file, and hold an exclusive flock on it. Re-opens when the path
    moved on to another inode while we waited (another writer's rename)."""
    deadline = time.monotonic() + LOCK_TIMEOUT_S
    while True:
        fd = os.open(target, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0))
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise OSError(0, not_a_file(st))
            if st.st_size > MAX_FILE_BYTES:
                raise OSError(0, f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; not an article")
            _flock(fd, deadline)
            now = os.stat(target)
            if (now.st_dev, now.st_ino) == (st.st_dev, st.st_ino):
                yield fd, os.fstat(fd)  # after the lock: the state the edit is based on
                return
            # renamed over while we waited: lock the file that is there now
        finally:
            os.close(fd)  # also releases the lock


def _flock(fd: int, deadline: float) -> None:
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError as exc:
            if exc.errno == errno.ENOLCK:
                return  # the file system has no locks (some network shares): the byte comparison still guards
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise
        if time.monotonic() > deadline:
            raise OSError(errno.EBUSY, "the file is locked by another program")
        time.sleep(0.002)


def load_editable_values(name: str, target: str, mapping: FieldMapping = DEFAULT_MAPPING) -> dict[str, Any]:
    """The editable values (meanings) at `target` (a symlink's target), parsed as `name` is."""
    try:
        fd = os.open(target, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                return {}
            data = read_fd(fd, st)
        finally:
            os.close(fd)
    except OSError:
        return {}
    doc = parse_document(name, data)
    return {} if isinstance(doc, ArticleError) else mapping.editable_values(doc.data)


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same type, so True is not 1 and 57 is not "57"."""
    return type(a) is type(b) and a == b


def _conflict_message(key: str, disk: Any, expected: Any) -> str:
    return f"{key} changed on disk: it is now {_show(disk)}, not {_show(expected)}"


def _show(value: Any) -> str:
    if value is None:
        return "missing or invalid"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _describe_changes(changes: dict[str, Any], mapping: FieldMapping) -> str:
    """"published set to true", and where the key says it otherwise, how: "(draft: false)"."""
    parts = []
    for name, value in changes.items():
        part = f"{name} set to {_show(value)}"
        if mapping.key_of(name) != name or mapping.to_disk(name, value) != value:
            part += f" ({mapping.describe_key(name, value)})"
        parts.append(part)
    return ", ".join(parts)


def _writable(path: str, st: os.stat_result) -> bool:
    # os.access alone says yes to root; a file without write bits is read-only
    # to us whoever we are, because a rename would replace it regardless.
    return bool(st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)) and os.access(path, os.W_OK)


def _replace_atomically(target: str, original: bytes, new_bytes: bytes,
                        st: os.stat_result) -> tuple[str, os.stat_result]:
    """Temp file beside the target, fsync, same mode, swap, fsync folder.

    Returns a warning for a save that happened but could not be made durable,
    and the stat of the new file right after the swap."""
    folder = os.path.dirname(target)
    mode = stat.S_IMODE(st.st_mode)
    # A file of our own user and group gets its permission bits at once (the
    # temp file has that owner too); any other is made private, then given away.
    ours = (st.st_uid, st.st_gid) == (os.geteuid(), os.getegid()) and not _gives_another_group(folder, st.st_gid)
    fd, temp = _make_temp(folder, mode & 0o777 if ours else 0o600)
    try:
        # Held while the temp file is ours: a sweep of stale temp files skips locked ones.
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        _write_all(fd, new_bytes)
        made = os.fstat(fd)
        if (made.st_uid, made.st_gid) != (st.st_uid, st.st_gid):
            try:
                os.fchown(fd, st.st_uid, st.st_gid)  # first: chown clears setuid/setgid
            except OSError:
                pass  # not ours to give away; the mode still matches
            made = None
        # Each change of owner or mode is one more event for every watcher of the folder: only when needed.
        if made is None or stat.S_IMODE(made.st_mode) != mode:
            os.fchmod(fd, mode)
        _copy_xattrs(target, fd)
        os.fsync(fd)
        if BEFORE_SWAP is not None:
            BEFORE_SWAP(target)
        _swap(temp, target, original, st)
        new_stat = os.fstat(fd)  # the file now at `target` (ctime included: a rename sets it)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    finally:
        os.close(fd)
    return _fsync_folder(folder), new_stat


def _gives_another_group(folder: str, gid: int) -> bool:
    """A setgid folder gives a new file its own group: then the temp file starts private."""
    try:
        here = os.stat(folder)
    except OSError:
        return True
    return bool(here.st_mode & stat.S_ISGID) and here.st_gid != gid


def _make_temp(folder: str, mode: int) -> tuple[int, str]:
    """A new file in `folder` named like our temp files, created with `mode`
    (less the umask), opened for reading and writing: `tempfile.mkstemp`, but
    not always 0600."""
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0)
    for _ in range(100):
        temp = os.path.join(folder, f"{TEMP_PREFIX}{secrets.token_hex(5)}{TEMP_SUFFIX}")
        try:
            return os.open(temp, flags, mode), temp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary file name", folder)


def _swap(temp: str, target: str, original: bytes, st: os.stat_result) -> None:
    """Install `temp` at `target` if `target` still holds `original` (same bytes, inode and mode)."""
    now = os.stat(target)
    if (now.st_ino, now.st_mode) != (st.st_ino, st.st_mode):
        raise _ChangedMeanwhile()
    if exchange(temp, target):
        # `temp` now names the file that stood at `target` an instant ago.
        if not _holds(temp, original, st):
            if not exchange(temp, target):  # pragma: no cover - it worked a moment ago
                raise OSError(errno.EIO, f"another program saved during our save; its version is in {temp}")
            raise _ChangedMeanwhile()
        os.unlink(temp)
        return
    # No atomic exchange here: compare at the last moment, then rename.
    if not _holds(target, original, st):
        raise _ChangedMeanwhile()
    os.replace(temp, target)


def _holds(path: str, original: bytes, st: os.stat_result) -> bool:
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        now = os.fstat(fd)
        if (now.st_ino, now.st_mode) != (st.st_ino, st.st_mode) or not stat.S_ISREG(now.st_mode):
            return False
        return read_fd(fd, now) == original
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


# --- temp files of killed writes -------------------------------------------

STALE_AFTER_S = 300.0  # a temp file this old is not from a save in progress
SWEEP_EVERY_S = 600.0  # a writer looks at a folder's temp files at most this often
_last_sweep: dict[str, float] = {}


def is_temp_name(name: str) -> bool:
    return name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX)


def sweep_stale_temp_files(paths: list[str], *, older_than: float = STALE_AFTER_S) -> int:
    """Remove Copydesk temp files that a killed write left behind: only our own
    prefix and suffix, only regular files, only older than `older_than`
    seconds, and never one a live writer still holds (it keeps an flock on its
    temp file until the swap). Returns how many were removed."""
    removed = 0
    now = time.time()
    for path in paths:
        if not is_temp_name(os.path.basename(path)):
            continue
        try:
            st = os.lstat(path)
            if not stat.S_ISREG(st.st_mode) or now - st.st_mtime < older_than:
                continue
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOFOLLOW)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            held = os.fstat(fd)
            if (held.st_ino, held.st_dev) == (st.st_ino, st.st_dev):
                os.unlink(path)
                removed += 1
        except OSError:
            pass  # held by a live writer, or gone already
        finally:
            os.close(fd)
    return removed


def _sweep_now_and_then(folder: str) -> None:
    now = time.monotonic()
    if now - _last_sweep.get(folder, -SWEEP_EVERY_S) < SWEEP_EVERY_S:
        return
    _last_sweep[folder] = now
    try:
        with os.scandir(folder) as entries:
            temp = [entry.path for entry in entries if is_temp_name(entry.name)]
    except OSError:
        return
    sweep_stale_temp_files(temp)


# --- the atomic exchange (Linux renameat2) ---------------------------------

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_renameat2: Any = None
_exchange_works = sys.platform.startswith("linux")


def exchange(a: str, b: str) -> bool:
    """Atomically swap the files at paths `a` and `b`. False (nothing done) where
    the system or the file system cannot; raises OSError for a real failure."""
    global _renameat2, _exchange_works
    if not _exchange_works:
        return False
    if _renameat2 is None:
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            function = libc.renameat2
        except (OSError, AttributeError):  # glibc before 2.28, musl without it
            _exchange_works = False
            return False
        function.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint)
        function.restype = ctypes.c_int
        _renameat2 = function
    if _renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False  # this file system (or kernel) has no exchange; fall back for this write
    raise OSError(code, os.strerror(code))


def exchange_available() -> bool:
    """Whether this system has an atomic exchange at all (file systems may still refuse it)."""
    if not _exchange_works:
        return False
    try:
        return hasattr(ctypes.CDLL(None), "renameat2")
    except OSError:
        return False


# --- after the swap -------------------------------------------------------

def _copy_xattrs(source: str, fd: int) -> None:
    """Extended attributes (user tags, ACLs, labels) follow the file, where allowed."""
    if not hasattr(os, "listxattr"):
        return
    try:
        names = os.listxattr(source)
    except OSError:
        return
    for attr in names:
        try:
            os.setxattr(fd, attr, os.getxattr(source, attr))
        except OSError:
            pass  # e.g. security.* needs privileges we do not have


def _fsync_folder(folder: str) -> str:
    try:
        dir_fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError as exc:
        return f"saved, but the folder could not be synced: {describe_os_error(exc)}"
    try:
        os.fsync(dir_fd)
    except OSError as exc:
        # Some network file systems (CIFS) refuse a folder fsync after a good rename.
        if exc.errno in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            return "saved, but this file system cannot sync folders; the change may not survive a power cut"
        return f"saved, but the folder could not be synced: {describe_os_error(exc)}"
    finally:
        os.close(dir_fd)
    return ""
