"""Live watching with a real watchdog observer on real folders.

Every test waits by polling for the change it expects (generous timeout) and,
where it matters, proves that nothing else is reported.
"""
from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from watchdog.observers import Observer

from app.queue import ReviewQueue
from tests.app.queue_support import Collector, article, wait_until, watched_queue


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Indexes and the own-writes journal go to a temporary cache, not the user's."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "queue"
    (root / "news").mkdir(parents=True)
    (root / "a.md").write_text(article("Alpha"))
    (root / "news" / "b.md").write_text(article("Bravo"))
    return root


@pytest.fixture
def collector() -> Collector:
    return Collector()


@pytest.fixture
def queue(folder: Path, tmp_path: Path, collector: Collector) -> Iterator[ReviewQueue]:
    q = watched_queue(folder, tmp_path / "index.sqlite3", collector)
    yield q
    q.stop()


def test_create_is_added(queue: ReviewQueue, folder: Path, collector: Collector) -> None:
    (folder / "c.md").write_text(article("Charlie", quality=12))
    change = collector.wait_for("added", "c.md")
    assert change.summary is not None and change.summary.title == "Charlie" and change.summary.quality == 12
    assert queue.get("c.md") == change.summary


def test_modify_in_place_is_changed(queue: ReviewQueue, folder: Path, collector: Collector) -> None:
    with open(folder / "a.md", "r+") as fh:  # same inode, rewritten in place
        fh.seek(0)
        fh.write(article("Alpha", quality=99))
        fh.truncate()
    change = collector.wait_for("changed", "a.md")
    assert change.summary is not None and change.summary.quality == 99
    assert queue.get("a.md").quality == 99  # type: ignore[union-attr]


def test_atomic_replace_is_one_change(queue: ReviewQueue, folder: Path, collector: Collector) -> None:
    tmp = folder / ".a.md.tmp-1234"  # a hidden temp file renamed over the article, as editors do
    tmp.write_text(article("Alpha", published=True))
    os.replace(tmp, folder / "a.md")
    change = collector.wait_for("changed", "a.md")
    assert change.summary is not None and change.summary.published is True
    assert collector.quiet_for(0.5) == []
    assert [e for e in collector.events() if e[1] != "a.md"] == []  # the temp file never shows


def test_vim_style_save_is_changed_not_removed(queue: ReviewQueue, folder: Path, collector: Collector) -> None:
    target = folder / "a.md"
    (folder / "4913").write_text("")  # Vim's probe file
    (folder / "4913").unlink()
    os.rename(target, folder / "a.md~")  # backup by rename
    target.write_text(article("Alpha edited in Vim"))
    (folder / "a.md~").unlink()
    change = collector.wait_for("changed", "a.md")
    assert change.summary is not None and change.summary.title == "Alpha edited in Vim"
    assert collector.quiet_for(0.6) == []
    assert ("removed", "a.md", "outside") not in collector.events()
    assert all(path == "a.md" for _, path, _ in collector.events())


def test_briefly_missing_file_is_not_removed(queue: ReviewQueue, folder: Path, collector: Collector) -> None:
    target = folder / "a.md"
    data = target.read_bytes()
    target.unlink()
    wait_until(lambda: "a.md" in queue._missing_since)  # the watcher has seen it missing
    target.write_bytes(data)  # back before the grace period ends
    assert queue.wait_settled(5)
    assert collector.quiet_for(0.4) == []
    assert ("removed", "a.md", "outside") not in collector.events()


def test_delete_is_removed(queue: ReviewQueue, folder: Path, collector: Collector) -> None:
    (folder / "news" / "b.md").unlink()
    collector.wait_for("removed", "news/b.md")
    assert queue.get("news/b.md") is None


def test_move_in_and_out(queue: ReviewQueue, folder: Path, tmp_path: Path, collector: Collector) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "in.md").write_text(article("Incoming"))
    os.rename(outside / "in.md", folder / "in.md")
    collector.wait_for("added", "in.md")
    os.rename(folder / "a.md", outside / "a.md")
    collector.wait_for("removed", "a.md")
    os.rename(folder / "news" / "b.md", folder / "news" / "renamed.md")  # a move inside the folder
    collector.wait_for("removed", "news/b.md")
    collector.wait_for("added", "news/renamed.md")


# watchdog's own note when `mkdir -p` outruns its watch setup; the watch still works.
@pytest.mark.filterwarnings("ignore:Callback with id:RuntimeWarning")
def test_subfolders_created_moved_in_and_out(queue: ReviewQueue, folder: Path, tmp_path: Path,
                                             collector: Collector) -> None:
    deep = folder / "2024" / "05" / "31"
    deep.mkdir(parents=True)
    (deep / "deep.md").write_text(article("Deep"))
    collector.wait_for("added", "2024/05/31/deep.md")

    outside = tmp_path / "batch"
    (outside / "inner").mkdir(parents=True)
    (outside / "one.md").write_text(article("One"))
    (outside / "inner" / "two.txt").write_text(article("Two"))
    os.rename(outside, folder / "batch")  # a whole folder moves in
    collector.wait_for("added", "batch/one.md")
    collector.wait_for("added", "batch/inner/two.txt")

    os.rename(folder / "news", tmp_path / "news-gone")  # a whole folder moves out
    collector.wait_for("removed", "news/b.md")
    assert sorted(s.path for s in queue.summaries()) == [
        "2024/05/31/deep.md", "a.md", "batch/inner/two.txt", "batch/one.md"]


def test_ignored_files_never_show(queue: ReviewQueue, folder: Path, collector: Collector) -> None:
    for name in (".hidden.md", "a.md~", ".a.md.swp", ".#a.md", "4913", "a.md___jb_tmp___",
                 "a.md___jb_old___", ".copydesk-x1y2.tmp", "notes.rst"):
        (folder / name).write_text(article("ignored"))
    (folder / ".git").mkdir()
    (folder / ".git" / "inside.md").write_text(article("ignored"))
    (folder / "marker.md").write_text(article("Marker"))  # arrives after the others
    collector.wait_for("added", "marker.md")
    assert queue.wait_settled(5)
    assert collector.events() == [("added", "marker.md", "outside")]


def test_burst_of_500_changes(queue: ReviewQueue, folder: Path, collector: Collector) -> None:
    # Like a git checkout: hundreds of files created, then all rewritten, in a few milliseconds.
    burst = folder / "burst"
    burst.mkdir()
    for i in range(250):
        (burst / f"{i:03d}.md").write_text(article(f"Burst {i}", quality=i % 101))
    wait_until(lambda: sum(1 for c in collector.changes if c.kind == "added") == 250)
    collector.clear()
    for i in range(250):
        (burst / f"{i:03d}.md").write_text(article(f"Burst {i} v2", quality=(i + 1) % 101))
    wait_until(lambda: len(collector.changes) >= 250)
    assert queue.wait_settled(10)
    assert collector.quiet_for(0.3) == []
    events = collector.events()
    assert sorted(events) == sorted(("changed", f"burst/{i:03d}.md", "outside") for i in range(250))
    assert len(collector.batches) < 50  # coalesced, not one batch per event
    assert queue.get("burst/007.md").title == "Burst 7 v2"  # type: ignore[union-attr]


def test_own_write_reported_once_as_copydesk(queue: ReviewQueue, folder: Path, collector: Collector) -> None:
    result = queue.write("a.md", {"quality": 12}, expected={"quality": 57})
    assert result.status == "written", result.message
    change = collector.wait_for("changed", "a.md", by="copydesk")
    assert change.summary is not None and change.summary.quality == 12
    assert queue.get("a.md").quality == 12  # type: ignore[union-attr]
    assert collector.quiet_for(0.6) == []
    assert collector.events() == [("changed", "a.md", "copydesk")]

    # An outside edit right after is still an outside edit.
    (folder / "a.md").write_text(article("Alpha", quality=13))
    collector.wait_for("changed", "a.md", by="outside")


def test_own_write_through_a_symlink_outside_the_folder(tmp_path: Path, collector: Collector) -> None:
    store = tmp_path / "store"
    store.mkdir()
    (store / "real.md").write_text(article("Linked", quality=40))
    root = tmp_path / "links"
    root.mkdir()
    (root / "linked.md").symlink_to(store / "real.md")
    queue = watched_queue(root, tmp_path / "i.sqlite3", collector)
    try:
        assert queue.get("linked.md").quality == 40  # type: ignore[union-attr]
        assert queue.write("linked.md", {"quality": 41}).status == "written"
        collector.wait_for("changed", "linked.md", by="copydesk")
        assert (root / "linked.md").is_symlink()
    finally:
        queue.stop()


def test_unchanged_write_reports_nothing(queue: ReviewQueue, collector: Collector) -> None:
    assert queue.write("a.md", {"quality": 57}).status == "unchanged"
    assert collector.quiet_for(0.5) == []


def test_touch_without_change_reports_nothing(queue: ReviewQueue, folder: Path, collector: Collector) -> None:
    os.utime(folder / "a.md")
    (folder / "news" / "b.md").chmod(0o600)
    assert collector.quiet_for(0.5) == []


def test_polling_mode_sees_changes(folder: Path, tmp_path: Path, collector: Collector) -> None:
    queue = watched_queue(folder, tmp_path / "p.sqlite3", collector, poll=True, poll_interval=0.2)
    try:
        assert queue.watch_mode == "polling"
        (folder / "polled.md").write_text(article("Polled"))
        collector.wait_for("added", "polled.md")
        (folder / "a.md").unlink()
        collector.wait_for("removed", "a.md")
    finally:
        queue.stop()


class _NoWatchesObserver(Observer):  # type: ignore[misc,valid-type]
    """A native observer on a system whose inotify watch limit is used up."""

    def schedule(self, *args: object, **kwargs: object) -> object:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_inotify_limit_falls_back_to_polling(folder: Path, tmp_path: Path, collector: Collector) -> None:
    queue = watched_queue(folder, tmp_path / "f.sqlite3", collector, poll_interval=0.2,
                          observer_factory=_NoWatchesObserver)
    try:
        assert queue.watch_mode == "polling"
        assert sum("polling" in n and "limit" in n for n in queue.notices) == 1
        (folder / "after.md").write_text(article("After"))
        collector.wait_for("added", "after.md")
    finally:
        queue.stop()


def test_rescan_is_the_backstop(folder: Path, tmp_path: Path, collector: Collector) -> None:
    # Polling every minute: only the periodic rescan can see this change in time.
    queue = watched_queue(folder, tmp_path / "r.sqlite3", collector, poll=True, poll_interval=60,
                          rescan_interval=0.3)
    try:
        (folder / "late.md").write_text(article("Late"))
        collector.wait_for("added", "late.md")
        (folder / "later.md").write_text(article("Later"))
        queue.rescan()
        collector.wait_for("added", "later.md")
    finally:
        queue.stop()


def test_git_checkout_of_many_files(tmp_path: Path, collector: Collector) -> None:
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    root = tmp_path / "repo"
    root.mkdir()
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}

    def run(*args: str) -> None:
        subprocess.run([git, *args], cwd=root, env=env, check=True, capture_output=True)

    run("init", "-q", "-b", "main")
    for i in range(120):
        (root / f"{i:03d}.md").write_text(article(f"Story {i}", quality=10))
    run("add", ".")
    run("commit", "-q", "-m", "v1")
    run("checkout", "-q", "-b", "v2")
    for i in range(120):
        (root / f"{i:03d}.md").write_text(article(f"Story {i}", quality=20))
    run("commit", "-qam", "v2")
    run("checkout", "-q", "main")
    queue = watched_queue(root, tmp_path / "g.sqlite3", collector)
    try:
        run("checkout", "-q", "v2")
        wait_until(lambda: len(collector.changes) >= 120)
        assert queue.wait_settled(10)
        assert sorted(collector.events()) == sorted(("changed", f"{i:03d}.md", "outside") for i in range(120))
        assert all(s.quality == 20 for s in queue.summaries())
    finally:
        queue.stop()


def _in_another_process(code: str, folder: Path) -> None:
    """Run Python in a separate process (same cache folder, so the same own-writes journal)."""
    done = subprocess.run([sys.executable, "-c", code, str(folder)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_write_by_another_copydesk_process_is_copydesk(queue: ReviewQueue, folder: Path,
                                                       collector: Collector) -> None:
    # The window edits while `copydesk watch` runs in a terminal: two processes.
    _in_another_process(
        "import sys\nfrom app.queue import ReviewQueue\n"
        "q = ReviewQueue(sys.argv[1], use_index=False)\n"
        "assert q.write('a.md', {'quality': 33}).status == 'written'\n", folder)
    change = collector.wait_for("changed", "a.md", by="copydesk")
    assert change.summary is not None and change.summary.quality == 33
    assert queue.wait_settled(5)
    assert ("changed", "a.md", "outside") not in collector.events()


def test_journaled_write_from_another_process_and_bytes_that_come_back(
        queue: ReviewQueue, folder: Path, collector: Collector) -> None:
    _in_another_process(
        "import sys, os\nfrom app.decisions import Decision, FileTarget, decide\n"
        "[r] = decide(FileTarget(), Decision.one(os.path.join(sys.argv[1], 'a.md'), {'quality': 12}))\n"
        "assert r.status == 'written'\n", folder)
    collector.wait_for("changed", "a.md", by="copydesk")
    ours = (folder / "a.md").read_bytes()
    (folder / "a.md").write_text(article("Alpha", quality=57))  # someone else puts 57 back
    collector.wait_for("changed", "a.md", by="outside")
    collector.clear()
    (folder / "a.md").write_bytes(ours)  # ... and later the very bytes Copydesk once wrote
    collector.wait_for("changed", "a.md", by="outside")
    assert ("changed", "a.md", "copydesk") not in collector.events()


def test_broken_link_stays_a_row_until_its_target_appears(folder: Path, tmp_path: Path,
                                                          collector: Collector) -> None:
    (folder / "link.md").symlink_to(tmp_path / "target.md")
    queue = watched_queue(folder, tmp_path / "l.sqlite3", collector)
    try:
        assert queue.get("link.md").error == "broken symbolic link: its target does not exist"  # type: ignore[union-attr]
        queue.rescan()
        assert queue.wait_settled(5)
        assert collector.quiet_for(0.4) == [] and queue.get("link.md") is not None
        (tmp_path / "target.md").write_text(article("Target"))
        queue.rescan()  # the target is outside the folder: no event, the rescan finds it
        change = collector.wait_for("changed", "link.md")
        assert change.summary is not None and change.summary.title == "Target"
    finally:
        queue.stop()


def test_file_name_that_is_not_utf8(queue: ReviewQueue, folder: Path, collector: Collector) -> None:
    # A Latin-1 name from a pipeline: os.fsdecode gives it a lone surrogate, which
    # neither SQLite (index, own-writes journal) nor UTF-8 output accepts as it is.
    name = os.fsdecode(b"caf\xe9.md")
    with open(os.fsencode(folder) + b"/caf\xe9.md", "w") as fh:
        fh.write(article("Latin-1"))
    (folder / "c.md").write_text(article("Charlie"))  # in the same batch: must not be lost with it
    change = collector.wait_for("added", name)
    assert change.summary is not None and change.summary.title == "Latin-1"
    collector.wait_for("added", "c.md")
    queue.rescan()  # the full pass, too, copes with the name
    assert queue.wait_settled(5)
    assert not any("error" in n for n in queue.notices), queue.notices


@pytest.mark.parametrize("how", ["deleted", "moved"])
def test_watched_folder_deleted_or_moved_away(queue: ReviewQueue, folder: Path, tmp_path: Path,
                                              collector: Collector, how: str) -> None:
    # inotify reports nothing when the watched folder itself is renamed; when it
    # is deleted the observer stops. Either way every row goes, once, and it is said.
    if how == "deleted":
        shutil.rmtree(folder)
    else:
        os.rename(folder, tmp_path / "archived")
    wait_until(lambda: queue.folder_gone)
    assert sorted(collector.events()) == [("removed", "a.md", "outside"), ("removed", "news/b.md", "outside")]
    assert len(queue) == 0 and queue.watch_mode == "stopped"
    assert sum("stopped watching" in n for n in queue.notices) == 1


def test_watched_folder_replaced_by_a_new_one(queue: ReviewQueue, folder: Path, collector: Collector) -> None:
    # `rm -rf queue && git clone ... queue`: the observer of the old folder is
    # dead (and the new folder may even get the old inode number). Watch the new one.
    shutil.rmtree(folder)
    folder.mkdir()
    (folder / "a.md").write_text(article("Alpha again"))
    collector.wait_for("removed", "news/b.md")
    wait_until(lambda: any("replaced" in n for n in queue.notices))
    (folder / "later.md").write_text(article("Later"))  # only a live observer of the new folder sees this soon
    collector.wait_for("added", "later.md", timeout=5)
    assert not queue.folder_gone and queue.watch_mode == "native"
    assert queue.get("a.md").title == "Alpha again"  # type: ignore[union-attr]


def test_watched_folder_briefly_missing_is_not_gone(queue: ReviewQueue, folder: Path, tmp_path: Path,
                                                    collector: Collector) -> None:
    os.rename(folder, tmp_path / "aside")
    wait_until(lambda: queue._watcher is not None and queue._watcher._root_missing)  # seen missing once
    os.rename(tmp_path / "aside", folder)  # back within the grace period
    (folder / "c.md").write_text(article("Charlie"))
    collector.wait_for("added", "c.md")
    assert not queue.folder_gone and ("removed", "a.md", "outside") not in collector.events()


def test_inotify_queue_overflow_rescans(folder: Path, tmp_path: Path, collector: Collector,
                                        capfd: pytest.CaptureFixture[str]) -> None:
    # When thousands of changes outrun the reader, the kernel drops events and
    # watchdog only logs it. A change no event reports (a linked article's
    # target outside the folder) must then be found by the rescan that follows.
    import logging

    store = tmp_path / "store"
    store.mkdir()
    (store / "real.md").write_text(article("Before"))
    (folder / "linked.md").symlink_to(store / "real.md")
    queue = watched_queue(folder, tmp_path / "o.sqlite3", collector)
    try:
        (store / "real.md").write_text(article("After the overflow"))
        # What watchdog's inotify reader logs on IN_Q_OVERFLOW (and does nothing else).
        logging.getLogger("watchdog.observers.inotify_c").warning(
            "Inotify queue overflowed; filesystem events were lost")
        change = collector.wait_for("changed", "linked.md")
        assert change.summary is not None and change.summary.title == "After the overflow"
        assert sum("overflowed" in n for n in queue.notices) == 1
        assert "Inotify queue overflowed" not in capfd.readouterr().err  # not watchdog's raw log line
    finally:
        queue.stop()


def test_jetbrains_safe_write_is_one_change(queue: ReviewQueue, folder: Path, collector: Collector) -> None:
    target = folder / "a.md"
    tmp = folder / "a.md___jb_tmp___"
    tmp.write_text(article("Alpha from the IDE"))
    os.rename(target, folder / "a.md___jb_old___")
    os.rename(tmp, target)
    (folder / "a.md___jb_old___").unlink()
    change = collector.wait_for("changed", "a.md")
    assert change.summary is not None and change.summary.title == "Alpha from the IDE"
    assert collector.quiet_for(0.5) == [] and collector.events() == [("changed", "a.md", "outside")]


def test_folder_of_50_moved_in_renamed_and_moved_out(queue: ReviewQueue, folder: Path, tmp_path: Path,
                                                     collector: Collector) -> None:
    outside = tmp_path / "incoming"
    (outside / "inner").mkdir(parents=True)
    for i in range(50):
        (outside / ("inner" if i % 2 else "") / f"{i:02d}.md").write_text(article(f"Story {i}"))
    names = sorted(f"{'inner/' if i % 2 else ''}{i:02d}.md" for i in range(50))
    os.rename(outside, folder / "incoming")
    wait_until(lambda: len(collector.changes) >= 50)
    os.rename(folder / "incoming", folder / "renamed")  # inside the queue
    wait_until(lambda: len(collector.changes) >= 150)
    os.rename(folder / "renamed", tmp_path / "archive")  # out of the queue
    wait_until(lambda: len(collector.changes) >= 200)
    assert queue.wait_settled(5) and collector.quiet_for(0.4) == []
    events = collector.events()
    assert sorted(p for k, p, _ in events if k == "added") == sorted(
        [f"incoming/{n}" for n in names] + [f"renamed/{n}" for n in names])
    assert sorted(p for k, p, _ in events if k == "removed") == sorted(
        [f"incoming/{n}" for n in names] + [f"renamed/{n}" for n in names])
    assert sorted(s.path for s in queue.summaries()) == ["a.md", "news/b.md"]


def test_the_first_pass_catches_what_changed_between_the_scan_and_the_watch(folder: Path, tmp_path: Path,
                                                                            collector: Collector) -> None:
    # Unchanged files are passed over without being held; a changed, a deleted
    # and a new file are each reported, and nothing else.
    for i in range(40):
        (folder / "news" / f"n{i:02d}.md").write_text(article(f"News {i}"))
    queue = ReviewQueue(folder, index_path=tmp_path / "first.sqlite3")
    queue.scan()
    try:
        (folder / "a.md").write_text(article("Alpha, rewritten at more length"))
        (folder / "news" / "n07.md").unlink()
        (folder / "news" / "fresh.md").write_text(article("Fresh"))
        queue.start_watching(collector)
        collector.wait_for("changed", "a.md")
        collector.wait_for("removed", "news/n07.md")
        collector.wait_for("added", "news/fresh.md")
        assert queue.wait_settled(10)
        assert sorted(collector.events()) == [("added", "news/fresh.md", "outside"),
                                              ("changed", "a.md", "outside"),
                                              ("removed", "news/n07.md", "outside")]
        assert queue.get("news/n07.md") is None and queue.get("news/n08.md") is not None
    finally:
        queue.stop()


def test_moves_are_still_paired_when_saves_come_fast(tmp_path: Path) -> None:
    """watchdog's move pairing, searched from the newest event (app.queue.watch): 200
    atomic saves and 29 renames in a burst still give each rename as one move event
    from its own source to its own destination."""
    import threading

    import app.queue.watch  # noqa: F401 - applies the search order
    from app.article.writer import write_front_matter_edit
    from watchdog.events import FileMovedEvent, FileSystemEventHandler

    (tmp_path / "w").mkdir()
    for i in range(200):
        (tmp_path / "w" / f"s{i:03d}.md").write_text(article(f"S{i}"))
    for i in range(30):
        (tmp_path / "w" / f"r{i:02d}.md").write_text(article(f"R{i}"))
    moves: list[tuple[str, str]] = []
    lock = threading.Lock()

    class Moves(FileSystemEventHandler):
        def on_moved(self, event: FileMovedEvent) -> None:  # type: ignore[override]
            with lock:
                moves.append((os.path.basename(event.src_path), os.path.basename(event.dest_path)))

    observer = Observer()
    observer.schedule(Moves(), str(tmp_path / "w"), recursive=True)
    observer.start()
    try:
        for i in range(200):
            assert write_front_matter_edit(tmp_path / "w" / f"s{i:03d}.md", {"quality": 7}).ok
            if i % 7 == 0 and i // 7 < 30:
                os.rename(tmp_path / "w" / f"r{i // 7:02d}.md", tmp_path / "w" / f"moved-{i // 7:02d}.md")
        wanted = {(f"r{k:02d}.md", f"moved-{k:02d}.md") for k in range(29)}
        wait_until(lambda: wanted <= set(moves), timeout=20)
    finally:
        observer.stop()
        observer.join(5)
    renamed = [m for m in moves if m[0].startswith("r")]
    assert sorted(renamed) == sorted(wanted)  # each once, each from its own source


def test_a_queue_watched_from_its_scan_hands_on_what_changed_meanwhile(folder: Path, tmp_path: Path,
                                                                       collector: Collector) -> None:
    # scan(watch=True): the watcher starts before the walk and holds what it
    # sees; start_watching() then hands that on, with no second walk (which
    # would also tell the log listener ".copydesk/log", "every log").
    for i in range(40):
        (folder / "news" / f"n{i:02d}.md").write_text(article(f"News {i}"))
    logs: list[list[str]] = []

    def late_change(done: int, found: int) -> None:  # the last progress call comes after the walk
        if done == found == 42 and not (folder / "late.md").exists():
            (folder / "late.md").write_text(article("Late"))

    queue = ReviewQueue(folder, index_path=tmp_path / "held.sqlite3")
    queue.scan(on_progress=late_change, watch=True)
    try:
        assert queue.get("late.md") is None  # written after the walk had passed
        (folder / "a.md").write_text(article("Alpha, rewritten at more length"))
        (folder / "news" / "n07.md").unlink()
        (folder / "news" / "fresh.md").write_text(article("Fresh"))
        time.sleep(0.4)  # several settle times: still nothing is taken in while held
        assert queue.get("a.md").title == "Alpha" and queue.get("news/n07.md") is not None  # type: ignore[union-attr]
        queue.start_watching(collector, on_log_changes=logs.append)
        for kind, path in (("added", "late.md"), ("changed", "a.md"), ("removed", "news/n07.md"),
                           ("added", "news/fresh.md")):
            collector.wait_for(kind, path)
        assert queue.wait_settled(10)
        assert sorted(collector.events()) == [("added", "late.md", "outside"), ("added", "news/fresh.md", "outside"),
                                              ("changed", "a.md", "outside"),
                                              ("removed", "news/n07.md", "outside")]
        assert logs == []  # no full pass ran
        (folder / "b.md").write_text(article("Bravo two"))  # and it goes on watching as usual
        collector.wait_for("added", "b.md")
    finally:
        queue.stop()


def test_a_held_watcher_that_is_never_released_stops_cleanly(folder: Path, tmp_path: Path,
                                                             collector: Collector) -> None:
    queue = ReviewQueue(folder, index_path=tmp_path / "held.sqlite3")
    queue.scan(watch=True)
    (folder / "a.md").write_text(article("Alpha again"))
    queue.stop()  # (the window opened another folder before this one was watched)
    assert queue.watch_mode == "stopped"
    assert queue.get("a.md").title == "Alpha"  # type: ignore[union-attr]
