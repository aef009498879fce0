"""The persistent index: what each file looked like when we last parsed it.

One SQLite database per queue folder in the user's cache folder
(`$XDG_CACHE_HOME/copydesk`, else `~/.cache/copydesk`), named after the folder
and a hash of its resolved path. Each row holds the file's stat stamp (size,
mtime_ns, inode, ctime_ns), the SHA-256 of its bytes, when we read it, and its
summary's fields, one per column, so a warm open parses nothing and builds each
row straight from one SQLite tuple.

SHA-256 rather than a faster non-cryptographic hash: it is the hash the writer
already returns for its own writes (one hash recognises both), hashlib's
implementation runs at well over 1 GB/s, and for articles of a few KB it is
about 1% of the parse cost. Only files whose stamp changed or is suspicious are
hashed on a warm open, so the hash is never on the warm path's critical cost.

Rows are typed under the queue's field mapping (a Hugo queue's `published`
comes from `draft`), so an index belongs to one mapping: the default path
carries the mapping's fingerprint, and the database records it in `meta`; an
index built under another mapping is emptied and rebuilt, never served.

Each row also holds what the duplicate engine files the article under
(`RecordKeys`: canonical URLs, title key, MinHash bands), computed by the
parse worker, so a queue that tracks duplicates builds its groups on a warm
open without canonicalising, folding or sketching anything. They are read
only when asked for (`load_keys`): a plain `copydesk list` never pays for them.

The index is a cache: nothing is lost when it is missing. A corrupt file is
deleted and rebuilt; a locked, read-only or newer-version index is used as far
as it can be (or not at all) and never written. Each of those is said once in
`notices`.

Threading: every method may be called from any thread; one lock serialises them.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from app.article.mapping import DEFAULT_MAPPING, FieldMapping
from app.article.summary import RECORD_VERSION, ROW_COLUMNS
from app.courtesy import pause_point
from app.queue.band_table import StoredBands
from app.paths import cache_dir
from app.queue.duplicate_records import KEYS_VERSION, RecordKeys

# 2: the duplicate keys' columns.
_SCHEMA = 2
# user_version combines the table layout, the summary record layout and the
# duplicate keys' version; a larger stored number was written by a newer
# Copydesk and is left alone.
VERSION = _SCHEMA * 1000 + RECORD_VERSION * 10 + KEYS_VERSION
_NO_KEYS = (None, None, None)
_INO_LIMIT = 1 << 63  # SQLite integers are signed 64-bit; some file systems use all 64 bits


# One stored file, exactly as SELECTed (a plain tuple: building 100,000 named
# objects would cost more than the rest of a warm open):
# (path, size, mtime_ns, ino, ctime_ns, sha256, checked_ns, *ArticleSummary.to_row())
IndexEntry = tuple[Any, ...]
E_SIZE, E_MTIME, E_INO, E_CTIME, E_SHA, E_CHECKED = range(1, 7)
E_ROW = 7  # entry[E_ROW:] is the summary row


# (path, size, mtime_ns, ino, ctime_ns, sha256, checked_ns, summary row[, duplicate keys row])
# The keys row (`RecordKeys.to_row()`) is left out, or None, when the content is
# the one whose keys are stored: the stored keys are then kept.
IndexRow = tuple[Any, ...]
KeysRow = tuple[str, str, "bytes | None"]
_STAMP_COLUMNS = ("path", "size", "mtime_ns", "ino", "ctime_ns", "sha256", "checked_ns")
_KEY_COLUMNS = ("dup_urls", "dup_title", "dup_bands")
_ALL_COLUMNS = _STAMP_COLUMNS + ROW_COLUMNS
_STORED_COLUMNS = _ALL_COLUMNS + _KEY_COLUMNS
# No declared types: SQLite then stores each value as given (heat may be an int or a float).
_CREATE_FILES = f"CREATE TABLE IF NOT EXISTS files ({', '.join(_STORED_COLUMNS)}, PRIMARY KEY (path))"
_SELECT = f"SELECT {', '.join(_ALL_COLUMNS)} FROM files"  # what a warm open reads: no keys
_SELECT_KEYS = "SELECT path, dup_urls, dup_title FROM files WHERE dup_title IS NOT NULL"
_SELECT_BANDS_OF = "SELECT path, dup_bands FROM files WHERE dup_bands IS NOT NULL AND path IN ({})"
_IN_MOST = 900  # paths in one IN (...): under SQLite's oldest limit of 999 variables
# An upsert: NULL keys keep the stored ones (the content did not change).
_INSERT = (f"INSERT INTO files VALUES ({', '.join('?' * len(_STORED_COLUMNS))}) ON CONFLICT(path) DO UPDATE SET "
           + ", ".join(f"{c} = excluded.{c}" for c in _ALL_COLUMNS[1:])
           + ", " + ", ".join(f"{c} = CASE WHEN excluded.dup_title IS NULL THEN files.{c} ELSE excluded.{c} END"
                              for c in _KEY_COLUMNS))


def default_index_path(folder: Path, mapping: FieldMapping = DEFAULT_MAPPING) -> Path:
    """One database per resolved queue folder and field mapping: readable name +
    hash of the full path (+ the mapping's fingerprint, unless it is the seed's),
    so two programs reading one folder under two mappings never share rows."""
    resolved = str(folder.resolve())
    digest = hashlib.sha256(os.fsencode(resolved)).hexdigest()[:16]
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", folder.resolve().name)[:40] or "root"
    if mapping != DEFAULT_MAPPING:
        digest += "-" + mapping.fingerprint()[:8]
    return cache_dir() / f"{name}-{digest}.sqlite3"


def _to_db_ino(ino: int) -> int:
    return ino - (1 << 64) if ino >= _INO_LIMIT else ino


def _from_db_ino(ino: int) -> int:
    return ino + (1 << 64) if ino < 0 else ino


_FETCH = 256  # rows read in one call (about 1 ms): a paint waits for no more than that


def _fetch(cursor: sqlite3.Cursor) -> list[Any]:
    """The next rows of a long read, after a pause point (`app.courtesy`). While
    the sqlite3 module reads rows it lets the GIL go and takes it back for each
    one, and each of a paint's cell callbacks then waits a switch interval for
    it: a paint of the queue beside a read of the index stretched from 20 ms to
    70-90 ms (bench/bench_window.py, `open_gap_ms`)."""
    pause_point()
    return cursor.fetchmany(_FETCH)


def _storable(row: IndexRow) -> bool:
    """False when a text value cannot be stored: SQLite text is UTF-8, and a file name
    that is not (os.fsdecode's lone surrogates) cannot be. Such a file is simply not
    indexed: it is parsed again on every open, and everything else still is."""
    try:
        row[0].encode()
        for value in row[7]:
            if type(value) is str:
                value.encode()
    except UnicodeEncodeError:
        return False
    return True


def _encodable(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def _is_corruption(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError) \
        or "not a database" in text or "malformed" in text or "corrupt" in text


class QueueIndex:
    """The on-disk index of one queue folder. `path=None` means "run without an index"."""

    def __init__(self, path: Path | None, folder: Path, mapping: str = DEFAULT_MAPPING.fingerprint()) -> None:
        self.path = path
        self.folder = folder
        self.mapping = mapping  # the fingerprint of the mapping the rows are typed under
        self.notices: list[str] = []
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._writable = False
        self._said: set[str] = set()
        if path is not None:
            self._open()

    @property
    def enabled(self) -> bool:
        return self._conn is not None

    @property
    def writable(self) -> bool:
        return self._conn is not None and self._writable

    def _notice(self, key: str, text: str) -> None:
        if key not in self._said:
            self._said.add(key)
            self.notices.append(text)

    # --- opening ----------------------------------------------------------

    def _open(self) -> None:
        assert self.path is not None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self._notice("off", f"index: cannot create {self.path.parent} ({exc.strerror}); "
                                "running without an index, every open parses all files")
            return
        try:
            self._connect()
        except sqlite3.Error as exc:
            self._close_quietly()
            text = str(exc).lower()
            if _is_corruption(exc):
                self._rebuild("the index file was corrupt")
            elif "readonly" in text or "read-only" in text or ("unable to open" in text and self.path.is_file()):
                # An existing index in a folder we cannot write (SQLite cannot
                # create its -wal/-shm files there): read it, save nothing.
                self._open_read_only()
            elif "locked" in text:
                self._open_read_only(locked=True)
            else:
                self._notice("off", f"index: cannot open {self.path} ({exc}); running without an index")

    def _connect(self) -> None:
        assert self.path is not None
        # A short busy timeout: a second Copydesk holding the write lock must not stall this one.
        conn = sqlite3.connect(self.path, timeout=0.5, check_same_thread=False, isolation_level=None)
        self._conn = conn
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > VERSION:
            # Written by a newer Copydesk: read nothing, write nothing, leave it as it is.
            self._close_quietly()
            self._notice("newer", f"index: {self.path} was written by a newer Copydesk; "
                                  "running without an index (it is left untouched)")
            return
        if version not in (0, VERSION):
            self._close_quietly()
            self._rebuild("the index was from an older Copydesk")
            return
        conn.execute("PRAGMA journal_mode=WAL")  # readers never wait for a writer
        conn.execute("PRAGMA synchronous=NORMAL")  # a cache: losing the last scan on power loss is fine
        if version == 0:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(_CREATE_FILES)
            conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            # For people reading the file; a folder name that is not UTF-8 keeps its bytes as \xNN.
            folder = os.fsencode(self.folder).decode("utf-8", "backslashreplace")
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('folder', ?)", (folder,))
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('mapping', ?)", (self.mapping,))
            conn.execute(f"PRAGMA user_version={VERSION}")
            conn.execute("COMMIT")
        elif self._stored_mapping(conn) != self.mapping:
            # Rows typed under another mapping (the queue's profile changed, or two
            # programs share one index path): they are wrong for us; start again.
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("DELETE FROM files")
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('mapping', ?)", (self.mapping,))
            conn.execute("COMMIT")
            self._notice("mapping", "index: built under other field settings; every file is read again")
        self._writable = True

    @staticmethod
    def _stored_mapping(conn: sqlite3.Connection) -> str | None:
        row = conn.execute("SELECT value FROM meta WHERE key = 'mapping'").fetchone()
        return None if row is None else row[0]

    def _open_read_only(self, locked: bool = False) -> None:
        assert self.path is not None
        try:
            try:
                conn = self._connect_read_only("mode=ro")
            except sqlite3.Error:
                if locked:
                    raise
                # A WAL database whose folder is read-only cannot get its -shm file
                # even for reading; `immutable` reads the main file as it is
                # (possibly behind by the last unmerged writes: stamps still decide).
                conn = self._connect_read_only("mode=ro&immutable=1")
            self._conn = conn
            self._writable = False
            why = "locked by another program" if locked else "read-only"
            self._notice("readonly", f"index: {self.path} is {why}; using it without saving changes")
        except sqlite3.Error:
            self._close_quietly()
            self._notice("off", f"index: {self.path} cannot be opened; running without an index")

    def _connect_read_only(self, options: str) -> sqlite3.Connection:
        assert self.path is not None
        conn = sqlite3.connect(f"{self.path.absolute().as_uri()}?{options}", uri=True, timeout=0.5,
                               check_same_thread=False, isolation_level=None)
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version != VERSION:
                raise sqlite3.OperationalError("different version")
            if self._stored_mapping(conn) != self.mapping:
                raise sqlite3.OperationalError("rows typed under another field mapping")  # and we may not clear them
            conn.execute("SELECT path FROM files LIMIT 1").fetchone()
        except BaseException:
            conn.close()
            raise
        return conn

    def _rebuild(self, why: str) -> None:
        """Delete the database (and its WAL files) and start an empty one."""
        assert self.path is not None
        self._close_quietly()
        for suffix in ("", "-wal", "-shm", "-journal"):
            try:
                os.unlink(f"{self.path}{suffix}")
            except FileNotFoundError:
                pass
            except OSError:
                break
        try:
            self._connect()
        except sqlite3.Error as exc:
            self._close_quietly()
            self._notice("off", f"index: {why} and could not be rebuilt ({exc}); running without an index")
            return
        self._notice("rebuilt", f"index: {why}; rebuilt it")

    def _close_quietly(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
        self._conn = None
        self._writable = False

    def _failed(self, exc: sqlite3.Error, doing: str) -> None:
        """An error in use: corruption deletes the file (rebuilt on the next save); else stop using it."""
        text = str(exc).lower()
        if _is_corruption(exc):
            self._rebuild("the index file was corrupt")
        elif "locked" in text or "busy" in text:
            self._notice("locked", f"index: locked by another process while {doing}; not saved this time")
        elif "readonly" in text or "read-only" in text:
            self._writable = False
            self._notice("readonly", f"index: {self.path} is read-only; changes are not saved")
        else:
            self._close_quietly()
            self._notice("off", f"index: error while {doing} ({exc}); running without an index")

    # --- use --------------------------------------------------------------

    def iter_entries(self, batch: int = 2000) -> Iterator[list[IndexEntry]]:
        """Every stored entry, `batch` at a time (nothing when there is no usable
        index): a caller can hand the first ones on while the rest are read."""
        with self._lock:
            if self._conn is None:
                return
            try:
                cursor = self._conn.execute(_SELECT)
                chunk: list[IndexEntry] = []
                while rows := _fetch(cursor):
                    chunk.extend(r if r[E_INO] >= 0 else (*r[:E_INO], _from_db_ino(r[E_INO]), *r[E_INO + 1:])
                                 for r in rows)
                    if len(chunk) >= batch:
                        yield chunk
                        chunk = []
                if chunk:
                    yield chunk
            except sqlite3.Error as exc:
                self._failed(exc, "reading")

    def load(self) -> dict[str, IndexEntry]:
        """Every stored entry. Empty when there is no usable index."""
        with self._lock:
            if self._conn is None:
                return {}
            try:
                rows = self._conn.execute(_SELECT).fetchall()
            except sqlite3.Error as exc:
                self._failed(exc, "reading")
                return {}
            # Inodes >= 2**63 were stored negative; they are rare enough to fix up afterwards.
            entries = {r[0]: r for r in rows}
            for path, r in entries.items():
                if r[E_INO] < 0:
                    entries[path] = (*r[:E_INO], _from_db_ino(r[E_INO]), *r[E_INO + 1:])
            return entries

    def load_keys(self, name_of: Callable[[str], str | None] | None = None) -> dict[str, RecordKeys]:
        """The duplicate keys stored for each path (paths without keys left out),
        without their bands: the url and title groups need none, and the similar
        pass reads those later, a slice at a time (`load_bands`). Empty when there is no usable index.
        `name_of(path)` gives the string to file a path under (the caller's
        own, so that 100,000 paths are not held twice: 11 MB), or None to skip it."""
        with self._lock:
            if self._conn is None:
                return {}
            try:
                cursor = self._conn.execute(_SELECT_KEYS)
                out = {}
                while rows := _fetch(cursor):
                    for path, urls, title in rows:
                        name = path if name_of is None else name_of(path)
                        if name is not None:
                            out[name] = RecordKeys(tuple(urls.split("\n")) if urls else (), title)
            except sqlite3.Error as exc:
                self._failed(exc, "reading")
                return {}
        return out

    def load_bands(self, paths: Sequence[str]) -> StoredBands:
        """The stored MinHash bands of these paths (those that have them), packed
        in one `StoredBands` and filed under the caller's own strings. The
        similar pass asks for a slice at a time: all 100,000 at once held 21 MB
        until the pass was over, the peak of a warm open."""
        out = StoredBands()
        own = {path: path for path in paths}
        with self._lock:
            if self._conn is None:
                return out
            try:
                for start in range(0, len(paths), _IN_MOST):
                    chunk = paths[start:start + _IN_MOST]
                    pause_point()
                    rows = self._conn.execute(_SELECT_BANDS_OF.format(", ".join("?" * len(chunk))), chunk).fetchall()
                    for path, packed in rows:
                        out.put(own[path], packed)
            except sqlite3.Error as exc:
                self._failed(exc, "reading")
                return StoredBands()
        return out

    def save(self, upserts: Iterable[IndexRow], deletes: Iterable[str] = (), *, replace_all: bool = False) -> bool:
        """Write changes in one transaction. Returns False when nothing was saved."""
        with self._lock:
            if not self.writable:
                return False
            upserts = upserts if isinstance(upserts, list) else list(upserts)
            deletes = deletes if isinstance(deletes, list) else list(deletes)
            try:
                try:
                    self._save(upserts, deletes, replace_all)
                except UnicodeEncodeError:
                    # Rare (a file name that is not UTF-8): leave those rows out, save the rest.
                    self._save([r for r in upserts if _storable(r)], [p for p in deletes if _encodable(p)],
                               replace_all)
            except sqlite3.Error as exc:
                self._failed(exc, "saving")
                return False
            return True

    def _save(self, upserts: list[IndexRow], deletes: list[str], replace_all: bool) -> None:
        conn = self._conn
        assert conn is not None
        conn.execute("BEGIN IMMEDIATE")
        try:
            if replace_all:
                conn.execute("DELETE FROM files")
            conn.executemany(_INSERT, ((row[0], row[1], row[2], _to_db_ino(row[3]), *row[4:7], *row[7],
                                        *(row[8] if len(row) > 8 and row[8] is not None else _NO_KEYS))
                                       for row in upserts))
            conn.executemany("DELETE FROM files WHERE path = ?", ((p,) for p in deletes))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def close(self) -> None:
        with self._lock:
            self._close_quietly()
