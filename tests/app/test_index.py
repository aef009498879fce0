"""The persistent index: warm opens parse nothing, changes are never missed, a bad index never breaks."""
from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import pytest

from app.queue.index import VERSION, default_index_path
from app.queue import ReviewQueue
from tests.app.queue_support import article


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Indexes and the own-writes journal go to a temporary cache, not the user's."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def fill(folder: Path, n: int = 5) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"{i}.md").write_text(article(f"Story {i}", quality=i))


def age(path: Path, seconds: float = 3600) -> None:
    """Put the file's mtime well in the past, so the index trusts its stamp."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns - int(seconds * 1e9)))


def test_index_lives_in_the_user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = tmp_path / "My Queue"
    fill(folder, 1)
    path = default_index_path(folder)
    assert path.parent == tmp_path / "cache" / "copydesk"
    assert path.name.startswith("My_Queue-") and path.suffix == ".sqlite3"
    assert default_index_path(tmp_path / "other") != path
    ReviewQueue(folder).scan()
    assert path.exists()


def test_warm_open_parses_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "q"
    fill(folder)
    for p in folder.iterdir():
        age(p)
    db = tmp_path / "i.sqlite3"
    cold = ReviewQueue(folder, index_path=db).scan()
    assert (cold.parsed, cold.from_index) == (5, 0)
    queue = ReviewQueue(folder, index_path=db)
    warm = queue.scan()
    assert (warm.parsed, warm.from_index, warm.total) == (0, 5, 5)
    assert queue.get("3.md").quality == 3  # type: ignore[union-attr]


def test_changed_added_and_removed_files_are_noticed(tmp_path: Path) -> None:
    folder = tmp_path / "q"
    fill(folder)
    for p in folder.iterdir():
        age(p)
    db = tmp_path / "i.sqlite3"
    ReviewQueue(folder, index_path=db).scan()
    (folder / "1.md").write_text(article("Story 1, longer title now", quality=99))
    (folder / "4.md").unlink()
    (folder / "new.md").write_text(article("New"))
    queue = ReviewQueue(folder, index_path=db)
    report = queue.scan()
    assert (report.parsed, report.from_index, report.removed, report.total) == (2, 3, 1, 5)
    assert queue.get("1.md").quality == 99 and queue.get("4.md") is None  # type: ignore[union-attr]


def test_same_size_same_mtime_different_content_is_reparsed(tmp_path: Path) -> None:
    folder = tmp_path / "q"
    fill(folder, 1)
    target = folder / "0.md"
    db = tmp_path / "i.sqlite3"
    ReviewQueue(folder, index_path=db).scan()
    before = target.stat()
    # Rewrite in place with the same length, then put the old mtime back:
    # size, mtime_ns and inode all match the index.
    data = target.read_bytes().replace(b"quality: 0", b"quality: 9")
    with open(target, "r+b") as fh:
        fh.write(data)
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = target.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (before.st_size, before.st_mtime_ns, before.st_ino)
    queue = ReviewQueue(folder, index_path=db)
    report = queue.scan()
    assert queue.get("0.md").quality == 9  # type: ignore[union-attr]
    assert report.parsed == 1


def test_recent_unchanged_file_is_confirmed_by_hash_not_parsed(tmp_path: Path) -> None:
    folder = tmp_path / "q"
    fill(folder, 2)
    age(folder / "0.md")
    db = tmp_path / "i.sqlite3"
    ReviewQueue(folder, index_path=db).scan()  # 1.md was written just now: its stamp is suspicious
    report = ReviewQueue(folder, index_path=db).scan()
    assert (report.parsed, report.from_index, report.hashed) == (0, 2, 1)


def _forge_index(db: Path, path: str, *, quality: int, read_after_mtime_s: float) -> None:
    """Make the index claim the file's *current* stamp (ctime included) held other content,
    read `read_after_mtime_s` after its mtime: what a second write within one timestamp
    tick, after our read, leaves behind."""
    conn = sqlite3.connect(db)
    conn.execute("UPDATE files SET quality = ?, sha256 = x'00', checked_ns = mtime_ns + ? WHERE path = ?",
                 (quality, int(read_after_mtime_s * 1e9), path))
    conn.commit()
    conn.close()


def test_stamp_within_the_clock_resolution_is_confirmed_by_hash(tmp_path: Path) -> None:
    folder = tmp_path / "q"
    fill(folder, 1)
    db = tmp_path / "i.sqlite3"
    ReviewQueue(folder, index_path=db).scan()
    _forge_index(db, "0.md", quality=42, read_after_mtime_s=0.001)  # read in the same tick as the write
    queue = ReviewQueue(folder, index_path=db)
    report = queue.scan()
    assert queue.get("0.md").quality == 0  # type: ignore[union-attr]  # the file's value, not the index's
    assert report.parsed == 1


def test_old_stamp_is_trusted(tmp_path: Path) -> None:
    folder = tmp_path / "q"
    fill(folder, 1)
    db = tmp_path / "i.sqlite3"
    ReviewQueue(folder, index_path=db).scan()
    _forge_index(db, "0.md", quality=42, read_after_mtime_s=10)  # read long after the last write
    queue = ReviewQueue(folder, index_path=db)
    report = queue.scan()
    assert queue.get("0.md").quality == 42  # the index is believed: nothing was read
    assert (report.parsed, report.hashed) == (0, 0)


def test_touched_file_keeps_its_row_without_parsing(tmp_path: Path) -> None:
    folder = tmp_path / "q"
    fill(folder, 1)
    db = tmp_path / "i.sqlite3"
    ReviewQueue(folder, index_path=db).scan()
    time.sleep(0.01)
    os.utime(folder / "0.md")  # new mtime, same bytes
    report = ReviewQueue(folder, index_path=db).scan()
    assert (report.parsed, report.from_index) == (0, 1)


def test_corrupt_index_is_rebuilt_once(tmp_path: Path) -> None:
    folder = tmp_path / "q"
    fill(folder)
    db = tmp_path / "i.sqlite3"
    db.write_bytes(b"this is not a database" * 100)
    queue = ReviewQueue(folder, index_path=db)
    report = queue.scan()
    assert report.total == 5 and report.parsed == 5
    assert sum("corrupt" in n and "rebuilt" in n for n in report.notices) == 1
    assert sqlite3.connect(db).execute("SELECT count(*) FROM files").fetchone()[0] == 5
    for p in folder.iterdir():
        age(p)
    # The rebuilt index serves the next open.
    ReviewQueue(folder, index_path=db).scan()
    again = ReviewQueue(folder, index_path=db)
    assert again.scan().parsed == 0 and again.notices == []


def test_truncated_index_is_rebuilt(tmp_path: Path) -> None:
    folder = tmp_path / "q"
    fill(folder, 50)
    db = tmp_path / "i.sqlite3"
    first = ReviewQueue(folder, index_path=db)
    first.scan()
    first.stop()
    data = db.read_bytes()
    db.write_bytes(data[:100] + b"\xff" * (len(data) - 100))  # keep the header, scramble the pages
    queue = ReviewQueue(folder, index_path=db)
    report = queue.scan()
    assert report.total == 50 and [s.quality for s in queue.summaries()][:3] == [0, 1, 10]
    assert len(report.notices) == 1 and "index" in report.notices[0]


def test_newer_index_is_left_alone(tmp_path: Path) -> None:
    folder = tmp_path / "q"
    fill(folder)
    db = tmp_path / "i.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE future (x)")
    conn.execute(f"PRAGMA user_version={VERSION + 1}")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    queue = ReviewQueue(folder, index_path=db)
    report = queue.scan()
    assert report.total == 5 and report.parsed == 5
    assert sum("newer" in n for n in report.notices) == 1
    assert db.read_bytes() == before


def test_older_index_is_rebuilt(tmp_path: Path) -> None:
    folder = tmp_path / "q"
    fill(folder, 2)
    db = tmp_path / "i.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE files (path TEXT PRIMARY KEY, record TEXT)")
    conn.execute("PRAGMA user_version=1")
    conn.commit()
    conn.close()
    report = ReviewQueue(folder, index_path=db).scan()
    assert report.total == 2 and any("older" in n for n in report.notices)
    assert sqlite3.connect(db).execute("PRAGMA user_version").fetchone()[0] == VERSION


def test_locked_index_is_used_without_saving(tmp_path: Path) -> None:
    folder = tmp_path / "q"
    fill(folder, 3)
    for p in folder.iterdir():
        age(p)
    db = tmp_path / "i.sqlite3"
    ReviewQueue(folder, index_path=db).scan()
    (folder / "new.md").write_text(article("New"))
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another program holds the write lock
    try:
        queue = ReviewQueue(folder, index_path=db)
        report = queue.scan()
        assert report.total == 4
        assert len(report.notices) == 1 and "index" in report.notices[0]
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_read_only_index_is_used_without_saving(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes read-only files")
    folder = tmp_path / "q"
    fill(folder, 3)
    for p in folder.iterdir():
        age(p)
    cache = tmp_path / "cache"
    cache.mkdir()
    db = cache / "i.sqlite3"
    first = ReviewQueue(folder, index_path=db)
    first.scan()
    first.stop()
    db.chmod(0o444)
    cache.chmod(0o555)
    try:
        queue = ReviewQueue(folder, index_path=db)
        report = queue.scan()
        assert report.total == 3 and report.from_index == 3
        assert sum("read-only" in n for n in report.notices) == 1
    finally:
        cache.chmod(0o755)


def test_unwritable_cache_folder_runs_without_index(tmp_path: Path) -> None:
    folder = tmp_path / "q"
    fill(folder, 2)
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the cache folder should be")
    queue = ReviewQueue(folder, index_path=blocker / "sub" / "i.sqlite3")
    report = queue.scan()
    assert report.total == 2
    assert len(report.notices) == 1 and "without an index" in report.notices[0]


def test_index_folder_that_cannot_be_written_is_read(tmp_path: Path) -> None:
    # SQLite cannot create an index's -shm file in a read-only folder (a read-only
    # mount, another user's cache), not even to read it. Directories standing
    # where those files go have the same effect, for root too.
    folder = tmp_path / "q"
    fill(folder, 3)
    for p in folder.iterdir():
        age(p)
    db = tmp_path / "cache" / "i.sqlite3"
    first = ReviewQueue(folder, index_path=db)
    first.scan()
    first.stop()
    os.mkdir(f"{db}-shm")
    os.mkdir(f"{db}-wal")
    (folder / "new.md").write_text(article("New"))
    queue = ReviewQueue(folder, index_path=db)
    report = queue.scan()
    assert (report.total, report.from_index, report.parsed) == (4, 3, 1)
    assert sum("read-only" in n for n in report.notices) == 1 and len(report.notices) == 1
    queue.stop()


def test_file_name_that_is_not_utf8_is_listed_and_the_rest_indexed(tmp_path: Path) -> None:
    # SQLite text is UTF-8; os.fsdecode turns the byte 0xff into a lone surrogate.
    folder = tmp_path / "q"
    fill(folder, 2)
    for p in folder.iterdir():
        age(p)
    odd = os.fsdecode(os.fsencode(folder) + b"/caf\xe9 latin-1.md")
    with open(odd, "w") as fh:
        fh.write(article("Latin-1 name"))
    db = tmp_path / "i.sqlite3"
    first = ReviewQueue(folder, index_path=db)
    assert first.scan().total == 3
    first.stop()
    again = ReviewQueue(folder, index_path=db)
    report = again.scan()
    assert (report.total, report.from_index, report.parsed) == (3, 2, 1)  # only the odd name is parsed again
    assert again.get(os.path.basename(odd)).title == "Latin-1 name"  # type: ignore[union-attr]
    assert report.notices == []
    os.unlink(odd)
    assert ReviewQueue(folder, index_path=db).scan().total == 2


def test_queue_folder_whose_name_is_not_utf8(tmp_path: Path) -> None:
    folder = Path(os.fsdecode(os.fsencode(tmp_path) + b"/r\xe9daction"))
    fill(folder, 2)
    queue = ReviewQueue(folder)  # the default index path in the user cache
    report = queue.scan()
    assert report.total == 2 and report.notices == []
    queue.stop()
    again = ReviewQueue(folder)
    assert again.scan().total == 2 and again.notices == []
