"""The one place that turns an OS error into words an editor can act on."""
from __future__ import annotations

import errno

_BY_ERRNO = {
    errno.ENOENT: "the file no longer exists",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exhausted",
    errno.EFBIG: "the file is too large for this file system or a size limit",
    errno.EROFS: "the file system is read-only",
    errno.EISDIR: "this is a folder, not a file",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.ELOOP: "too many symbolic links (a link loop?)",
    errno.ENAMETOOLONG: "the file name is too long",
    errno.EIO: "input/output error from the disk",
    errno.EBUSY: "the file is busy",
    errno.EXDEV: "the file's target is on another file system",
}


def describe_os_error(exc: OSError) -> str:
    """A one-line reason, without the path (callers put the path in front)."""
    return _BY_ERRNO.get(exc.errno or -1) or exc.strerror or str(exc) or type(exc).__name__
