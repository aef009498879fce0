"""What the queue knows of each file it read: its `FileState` (size, mtime_ns,
inode, ctime_ns, SHA-256, when it was read), by relpath, packed.

A dict of 6-tuples held a tuple, five ints and a bytes object per file: about
280 bytes, 28 MB at 100,000 files, for values that fit in machine words.
`FileStates` keeps them in `array` columns by slot (73 bytes a file) and
builds the tuple when asked. It is a `MutableMapping`, so it reads like the
dict it replaces.

A value that does not fit a column (an integer outside 64 bits, a digest that
is not 32 bytes or empty) is kept as given in a small dict beside them.

Threading: every call takes the object's lock, so the watcher's thread may read
while the queue's worker writes, as it did with a dict.
"""
from __future__ import annotations

import threading
from array import array
from collections.abc import Iterator, MutableMapping

# (size, mtime_ns, ino, ctime_ns, sha256, checked_ns): the index columns E_SIZE..E_CHECKED.
FileState = tuple[int, int, int, int, bytes, int]

_DIGEST = 32  # bytes of a SHA-256
_LOW, _HIGH = -(2 ** 63), 2 ** 63 - 1


def _packable(state: FileState) -> bool:
    size, mtime, ino, ctime, sha, checked = state
    return all(type(v) is int and _LOW <= v <= _HIGH for v in (size, mtime, ctime, checked)) \
        and type(ino) is int and 0 <= ino < 2 ** 64 and type(sha) is bytes and len(sha) in (0, _DIGEST)


class FileStates(MutableMapping[str, FileState]):
    """relpath -> FileState, packed in columns (see the module)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._slots: dict[str, int] = {}
        self._free: list[int] = []
        self._size, self._mtime, self._ctime, self._checked = array("q"), array("q"), array("q"), array("q")
        self._ino = array("Q")
        self._has_sha = bytearray()
        self._sha = bytearray()
        self._odd: dict[str, FileState] = {}  # what does not fit the columns

    def __getitem__(self, relpath: str) -> FileState:
        with self._lock:
            slot = self._slots.get(relpath)
            if slot is None:
                return self._odd[relpath]
            at = slot * _DIGEST
            return (self._size[slot], self._mtime[slot], self._ino[slot], self._ctime[slot],
                    bytes(self._sha[at:at + _DIGEST]) if self._has_sha[slot] else b"", self._checked[slot])

    def get(self, relpath: str, default: FileState | None = None) -> FileState | None:  # type: ignore[override]
        try:
            return self[relpath]
        except KeyError:
            return default

    def __setitem__(self, relpath: str, state: FileState) -> None:
        with self._lock:
            slot = self._slots.get(relpath)
            if not _packable(state):
                if slot is not None:
                    del self._slots[relpath]
                    self._free.append(slot)
                self._odd[relpath] = state
                return
            self._odd.pop(relpath, None)
            if slot is None:
                slot = self._slot()
                self._slots[relpath] = slot
            size, mtime, ino, ctime, sha, checked = state
            self._size[slot], self._mtime[slot], self._ino[slot] = size, mtime, ino
            self._ctime[slot], self._checked[slot] = ctime, checked
            self._has_sha[slot] = 1 if sha else 0
            if sha:
                self._sha[slot * _DIGEST:(slot + 1) * _DIGEST] = sha

    def _slot(self) -> int:
        if self._free:
            return self._free.pop()
        for column in (self._size, self._mtime, self._ctime, self._checked, self._ino):
            column.append(0)
        self._has_sha.append(0)
        self._sha.extend(bytes(_DIGEST))
        return len(self._size) - 1

    def __delitem__(self, relpath: str) -> None:
        with self._lock:
            slot = self._slots.pop(relpath, None)
            if slot is None:
                del self._odd[relpath]
            else:
                self._free.append(slot)

    def __contains__(self, relpath: object) -> bool:
        return relpath in self._slots or relpath in self._odd

    def __iter__(self) -> Iterator[str]:
        with self._lock:
            keys = [*self._slots, *self._odd]
        return iter(keys)

    def __len__(self) -> int:
        return len(self._slots) + len(self._odd)
