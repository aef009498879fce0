"""A per-user journal of the files Copydesk itself just wrote, shared across processes.

Within one process `ReviewQueue` knows its own writes. But `copydesk watch`
in a terminal must also say `"by": "copydesk"` when the window (another
process) or `copydesk set` edits a file. So every Copydesk write is noted here,
keyed by the file's real path and the SHA-256 of the bytes written, and every
watcher asks here before calling a change "outside".

A write is noted in two steps: `begin()` before the file is replaced (so a
watcher that sees the change before the hash is known waits instead of
guessing) and `finish()` with the hash after. Entries expire: a pending mark
after PENDING_TTL seconds (a writer that crashed), a finished one after DONE_TTL.

The journal is a convenience on top of in-process recognition: if its
database cannot be used, writes still happen and other processes simply
report them as outside changes.

Threading: each call opens its own short-lived connection; safe from any thread.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

from app import paths
from app.article.mapping import DEFAULT_MAPPING, FieldMapping
from app.article.model import WriteResult

PENDING_TTL = 30.0  # seconds a begun write may stay unfinished
DONE_TTL = 600.0  # seconds a finished write is remembered if no watcher claims it
Verdict = Literal["mine", "pending", "unknown"]
_NS = 1_000_000_000


def default_journal_path() -> Path:
    return paths.journal_file()


class OwnWriteJournal:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else default_journal_path()
        self.broken = False  # set after the first failure: stop trying
        # One connection per thread, kept: opening one costs more than the write it notes.
        self._local = threading.local()
        self._purged_ns = 0  # when expired entries were last deleted

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection | None]:
        if self.broken:
            yield None
            return
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._open()
        try:
            yield conn
        except sqlite3.Error:
            self._drop()
            raise

    def _drop(self) -> None:
        conn, self._local.conn = getattr(self._local, "conn", None), None
        if conn is not None:
            with contextlib.suppress(sqlite3.Error):
                conn.close()

    def _open(self) -> sqlite3.Connection | None:
        conn = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=1.0, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=OFF")  # a hint for watchers, not data worth an fsync
            conn.execute("CREATE TABLE IF NOT EXISTS writes (path TEXT, sha256 BLOB, pid INTEGER, at_ns INTEGER)")
            conn.execute("CREATE INDEX IF NOT EXISTS writes_path ON writes (path)")
            return conn
        except (sqlite3.Error, OSError) as exc:
            if conn is not None:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()
            text = str(exc).lower()
            if isinstance(exc, OSError) or "not a database" in text or "malformed" in text:
                # Unusable here: stop trying in this process; a corrupt file is
                # removed so the next Copydesk starts a fresh one.
                self.broken = True
                if not isinstance(exc, OSError):
                    with contextlib.suppress(OSError):
                        self.path.unlink()
            return None  # locked or busy: skip this time

    @staticmethod
    def _key(path: str | os.PathLike[str]) -> str:
        key = os.path.realpath(path)
        try:
            key.encode()
        except UnicodeEncodeError:
            # A name that is not UTF-8 (lone surrogates from os.fsdecode): SQLite
            # text must be UTF-8, so its odd bytes are keyed as \xNN.
            key = os.fsencode(key).decode("utf-8", "backslashreplace")
        return key

    def begin(self, path: str | os.PathLike[str]) -> None:
        """Mark a write of `path` as under way (its hash is not known yet)."""
        self.begin_many([path])

    def begin_many(self, paths: Sequence[str | os.PathLike[str]]) -> None:
        """`begin` for each of `paths`, in one transaction (a helper's batch of files)."""
        now = time.time_ns()
        with self._connect() as conn:
            if conn is None:
                return
            with contextlib.suppress(sqlite3.Error), _transaction(conn):
                if now - self._purged_ns > _NS:  # expired entries go once a second, not at every write
                    conn.execute("DELETE FROM writes WHERE at_ns < ? OR (sha256 IS NULL AND at_ns < ?)",
                                 (now - int(DONE_TTL * _NS), now - int(PENDING_TTL * _NS)))
                    self._purged_ns = now
                pid = os.getpid()
                conn.executemany("INSERT INTO writes VALUES (?, NULL, ?, ?)",
                                 [(self._key(path), pid, now) for path in paths])

    def finish(self, path: str | os.PathLike[str], sha256: str | None) -> None:
        """The write is over: record the hash of what was written, or drop the mark (nothing written)."""
        self.finish_many([(path, sha256)])

    def finish_many(self, done: Sequence[tuple[str | os.PathLike[str], str | None]]) -> None:
        """`finish` for each (path, hash or None) of `done`, in one transaction."""
        now, pid = time.time_ns(), os.getpid()
        with self._connect() as conn:
            if conn is None:
                return
            with contextlib.suppress(sqlite3.Error), _transaction(conn):
                conn.executemany("UPDATE writes SET sha256 = ?, at_ns = ? WHERE path = ? AND pid = ? "
                                 "AND sha256 IS NULL",
                                 [(bytes.fromhex(sha256), now, self._key(path), pid)
                                  for path, sha256 in done if sha256])
                conn.executemany("DELETE FROM writes WHERE path = ? AND pid = ? AND sha256 IS NULL",
                                 [(self._key(path), pid) for path, sha256 in done if not sha256])

    def claim(self, items: list[tuple[str, bytes]]) -> dict[str, Verdict]:
        """For each (path, sha256 of its current bytes): was that content written by a Copydesk?

        Entries are not used up by a claim: every process watching the folder
        may ask. Seeing other content for a path retires that path's finished
        entries, so bytes that later reappear from elsewhere are not misread as ours."""
        out: dict[str, Verdict] = {path: "unknown" for path, _ in items}
        if not items:
            return out
        now = time.time_ns()
        with self._connect() as conn:
            if conn is None:
                return out
            try:
                for path, sha256 in items:
                    key = self._key(path)
                    rows = conn.execute("SELECT sha256, at_ns FROM writes WHERE path = ?", (key,)).fetchall()
                    if not rows:
                        continue
                    if any(digest == sha256 for digest, _ in rows):
                        out[path] = "mine"
                    elif any(digest is None and now - at_ns < PENDING_TTL * _NS for digest, at_ns in rows):
                        out[path] = "pending"
                    else:
                        conn.execute("DELETE FROM writes WHERE path = ? AND sha256 IS NOT NULL", (key,))
            except sqlite3.Error:
                pass
        return out


@contextlib.contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """One transaction (the connection is in autocommit mode: one per statement otherwise)."""
    conn.execute("BEGIN")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:  # a failed COMMIT (busy, full) too: never left holding the write lock
            conn.execute("ROLLBACK")
        raise


def noted_write(journal: OwnWriteJournal, path: str | os.PathLike[str], changes: dict[str, Any],
                expected: dict[str, Any] | None = None, mapping: FieldMapping = DEFAULT_MAPPING) -> WriteResult:
    """The one way Copydesk writes an article: the core's writer, with the write
    noted in the journal so that every Copydesk watching the folder (this
    process or another) reports it as Copydesk's. `ReviewQueue.write` and the
    decision module's file target both come through here. `changes` and
    `expected` are meanings; `mapping` (the queue's) names their keys."""
    from app.article.isolation import is_big, run_isolated
    from app.article.writer import write_front_matter_edit  # imported late: the writer pulls in the editor

    journal.begin(path)
    result: WriteResult | None = None
    try:
        if is_big(path):  # a parse of megabytes must not hold this process's GIL
            result = run_isolated(write_front_matter_edit, os.fspath(path), changes, expected, mapping)
        else:
            result = write_front_matter_edit(path, changes, expected, mapping)
        return result
    finally:
        journal.finish(path, result.sha256 if result is not None and result.status == "written" else None)


WriteItem = tuple[str, dict[str, Any], dict[str, Any] | None]  # (path, changes, expected)


def begin_noted_writes(journal: OwnWriteJournal, items: Sequence[WriteItem],
                       mapping: FieldMapping = DEFAULT_MAPPING) -> list[Callable[[], WriteResult]]:
    """`noted_write` of each (path, changes, expected) of `items`, by one helper
    process (`app.article.isolation.write_pool`) in one task, journal notes
    included: the files of a decision about many are written several at a
    time, each at a lone process's speed, and a few to a task so that the
    round trip and the journal's transaction are paid once for a few files.
    Begun now; each returned call blocks for its item's result.

    A helper that died (killed, out of memory) leaves it unknown whether a
    file was written: the same edit is then made here, with the same
    compare-and-swap, which finds the new value already there if it was."""
    from concurrent.futures import Future

    from app.article.isolation import drop_write_pool, write_pool

    items = [(os.fspath(path), changes, expected) for path, changes, expected in items]
    pool = None
    try:
        pool = write_pool()
        future: Future[list[WriteResult | Exception]] | None = pool.submit(
            _helper_writes, journal.path, items, mapping)
    except Exception:  # noqa: BLE001 - a broken pool, a fork refused (EAGAIN, ENOMEM): write here instead
        drop_write_pool(broken=pool)
        future = None

    def result_of(n: int) -> Callable[[], WriteResult]:
        path, changes, expected = items[n]

        def result() -> WriteResult:
            if future is None:
                return noted_write(journal, path, changes, expected, mapping)
            try:
                written = future.result()[n]
            except Exception:  # noqa: BLE001 - BrokenProcessPool and kin: see above
                drop_write_pool(broken=pool)  # (not a new pool that tasks begun since are using)
                return _after_a_lost_helper(journal, path, changes, expected, mapping)
            if isinstance(written, Exception):  # this file's write raised there: made again here, as above
                return _after_a_lost_helper(journal, path, changes, expected, mapping)
            return written
        return result
    return [result_of(n) for n in range(len(items))]


def _after_a_lost_helper(journal: OwnWriteJournal, path: str | os.PathLike[str], changes: dict[str, Any],
                         expected: dict[str, Any] | None, mapping: FieldMapping) -> WriteResult:
    """The helper writing `path` died: the same edit is made here. When the file
    already holds the new values, and the editor saw others, that is the helper's
    write, landed before it died: it is said as written (from the bytes there
    now), so that it is logged and can be undone like any other."""
    from app.article.frontmatter import load_article
    from app.article.model import Article

    redo = noted_write(journal, path, changes, expected, mapping)
    if redo.status not in ("unchanged", "conflict") or expected is None:
        return redo
    if not _holds(redo.disk_values, changes) or _holds(expected, changes):
        return redo  # not ours (or nothing to tell apart): as it is
    try:
        data = Path(path).read_bytes()
        st = os.stat(path)
    except OSError:
        return redo
    article = load_article(path, mapping)
    digest = hashlib.sha256(data).hexdigest()
    journal.begin(path)  # noted as ours, so that watchers elsewhere say so too
    journal.finish(path, digest)
    return WriteResult(os.fspath(path), "written", "saved (by a helper process that stopped after saving)",
                       dict(redo.disk_values), digest,
                       article=article if isinstance(article, Article) else None, new_stat=st,
                       previous={name: expected.get(name) for name in changes})


def _holds(values: dict[str, Any], wanted: dict[str, Any]) -> bool:
    return all(type(values.get(name)) is type(value) and values.get(name) == value for name, value in wanted.items())


def warm_write_helpers() -> None:
    """Start the helper processes of `begin_noted_writes` now, and have each
    import the writer, so that the first decision about many does not wait for
    them (the window calls this once an editor selects more than one row).
    Blocks until they are up; call from a worker thread."""
    from app.article.isolation import WRITE_WORKERS, write_pool

    pool = write_pool()
    for future in [pool.submit(_helper_ready) for _ in range(WRITE_WORKERS)]:
        future.result()


def _helper_ready() -> int:
    import app.article.writer  # noqa: F401 - what a helper needs, imported before its first file

    return os.getpid()


_journals: dict[Path, OwnWriteJournal] = {}  # a helper process's journals, by file (kept: a connection each)


def _helper_writes(journal_path: Path, items: list[WriteItem], mapping: FieldMapping
                   ) -> list[WriteResult | Exception]:
    """In a helper process: the noted writes of `begin_noted_writes`, one
    journal transaction before the files and one after. A write that raises
    gives its exception as its result, so the others' results still go back.
    A big file is written here too: this process holds no window's GIL."""
    from app.article.writer import write_front_matter_edit

    journal = _journals.get(journal_path)
    if journal is None:
        journal = _journals[journal_path] = OwnWriteJournal(journal_path)
    journal.begin_many([path for path, _, _ in items])
    results: list[WriteResult | Exception] = []
    try:
        for path, changes, expected in items:
            try:
                results.append(write_front_matter_edit(path, changes, expected, mapping))
            except Exception as exc:  # noqa: BLE001 - this file alone: the writer in the window makes it again
                results.append(exc)
    finally:
        journal.finish_many([(path, result.sha256 if isinstance(result, WriteResult) and result.status == "written"
                              else None) for (path, _, _), result in zip(items, results)]
                            + [(path, None) for path, _, _ in items[len(results):]])
    return results
