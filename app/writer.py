"""The one writer: apply an edit to a file on disk, atomically and only if it
still holds what the editor saw.

Blocking; call it from a worker thread (the window uses a single serial
writer, so two edits of one file never race each other).
"""
from __future__ import annotations

import errno
import hashlib
import os
import stat
import tempfile
from typing import Any

from app.edit import EditRefused, apply_edit, canonical_text
from app.frontmatter import editable_values, parse_document, read_article_bytes
from app.messages import describe_os_error
from app.model import ArticleError, WriteResult

TEMP_PREFIX = ".copydesk-"
TEMP_SUFFIX = ".tmp"


class _ChangedMeanwhile(Exception):
    """The file's bytes changed between our read and our rename."""


def write_front_matter_edit(path: str | os.PathLike[str], changes: dict[str, Any],
                            expected: dict[str, Any] | None = None) -> WriteResult:
    """Set `changes` (e.g. {"published": True, "quality": 57}) in the file.

    `expected` holds the values the caller believes are on disk, as the app
    types them (None for missing or invalid). A field whose disk value differs
    makes the call a conflict and writes nothing."""
    name = os.fspath(path)
    try:
        for key, value in changes.items():
            canonical_text(key, value)  # a bad value is refused before anything is read
    except EditRefused as exc:
        return WriteResult(name, "failed", exc.describe())
    try:
        target = os.path.realpath(name)  # a symlinked article is edited at its target
        st = os.stat(target)
        if not stat.S_ISREG(st.st_mode):
            return WriteResult(name, "failed", "not a regular file")
        original = read_article_bytes(target)
    except OSError as exc:
        return WriteResult(name, "failed", describe_os_error(exc))
    except ValueError as exc:  # a NUL byte in the path
        return WriteResult(name, "failed", f"invalid path: {exc}")

    doc = parse_document(name, original)
    if isinstance(doc, ArticleError):
        return WriteResult(name, "failed", f"cannot edit an unreadable file: {doc.describe()}")
    disk = editable_values(doc.data)
    for key, value in (expected or {}).items():
        if not _same(disk.get(key), value):
            return WriteResult(name, "conflict", _conflict_message(key, disk.get(key), value), disk)
    if all(_same(doc.data.get(key), value) for key, value in changes.items()):
        return WriteResult(name, "unchanged", "already holds these values", disk,
                           hashlib.sha256(original).hexdigest())
    if not _writable(target, st):
        return WriteResult(name, "failed", "the file is read-only", disk)
    if st.st_nlink > 1:  # a rename would leave the other names holding the old text
        return WriteResult(name, "failed", f"the file has {st.st_nlink} hard links; saving would split them "
                                           "(edit it where it is linked, or copy it)", disk)
    try:
        new_bytes = apply_edit(doc, changes)
    except EditRefused as exc:
        return WriteResult(name, "failed", exc.describe(), disk)

    try:
        warning = _replace_atomically(target, original, new_bytes, st)
    except _ChangedMeanwhile:
        fresh = load_editable_values(name, target)
        return WriteResult(name, "conflict", "the file changed on disk while saving; nothing written", fresh)
    except OSError as exc:
        return WriteResult(name, "failed", f"not saved: {describe_os_error(exc)}", disk)
    after = dict(disk)
    after.update(changes)
    return WriteResult(name, "written", _describe_changes(changes), after,
                       hashlib.sha256(new_bytes).hexdigest(), warning)


def load_editable_values(name: str, target: str) -> dict[str, Any]:
    """The editable values at `target` (a symlink's target), parsed as `name` is."""
    try:
        doc = parse_document(name, read_article_bytes(target))
    except OSError:
        return {}
    return {} if isinstance(doc, ArticleError) else editable_values(doc.data)


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


def _describe_changes(changes: dict[str, Any]) -> str:
    return ", ".join(f"{key} set to {_show(value)}" for key, value in changes.items())


def _writable(path: str, st: os.stat_result) -> bool:
    # os.access alone says yes to root; a file without write bits is read-only
    # to us whoever we are, because a rename would replace it regardless.
    return bool(st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)) and os.access(path, os.W_OK)


def _replace_atomically(target: str, original: bytes, new_bytes: bytes, st: os.stat_result) -> str:
    """Temp file beside the target, fsync, same mode, rename, fsync folder.

    Returns a warning for a save that happened but could not be made durable."""
    folder = os.path.dirname(target)
    fd, temp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(new_bytes)
            fh.flush()
            try:
                os.fchown(fh.fileno(), st.st_uid, st.st_gid)  # first: chown clears setuid/setgid
            except OSError:
                pass  # not ours to give away; the mode still matches
            os.fchmod(fh.fileno(), stat.S_IMODE(st.st_mode))  # mkstemp makes 0600
            _copy_xattrs(target, fh.fileno())
            os.fsync(fh.fileno())
        # Compare-and-swap at the last moment: same bytes, same inode, same mode
        # (a chmod to read-only meanwhile must not be undone by our rename).
        now = os.stat(target)
        if (now.st_ino, now.st_mode) != (st.st_ino, st.st_mode) or read_article_bytes(target) != original:
            raise _ChangedMeanwhile()
        os.replace(temp, target)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise
    return _fsync_folder(folder)


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
