"""The decision module on its own: every outcome, the retry rule, many files at once,
and two Copydesk processes deciding about one file at the same moment."""
from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from app.article import writer
from app.article.frontmatter import load_article
from app.decisions import Change, Decision, FileTarget, decide, summarize_outcomes
from app.queue import ReviewQueue
from tests.app.queue_support import article


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = tmp_path / "desk"
    folder.mkdir()
    for name, quality in (("a.md", 10), ("b.md", 20), ("c.md", 30), ("d.md", 40), ("e.md", 50)):
        (folder / name).write_text(article(name.upper(), quality=quality, extra="Body.\n"))
    return folder


@pytest.fixture
def hook():
    """Install a one-shot outside writer that runs just before the writer's swap."""
    def install(action):  # type: ignore[no-untyped-def]
        def once(target: str) -> None:
            writer.BEFORE_SWAP = None
            action(target)
        writer.BEFORE_SWAP = once
    yield install
    writer.BEFORE_SWAP = None


def test_each_outcome(folder: Path) -> None:
    (folder / "locked.md").write_text(article("Locked", quality=5))
    (folder / "locked.md").chmod(0o444)
    decision = Decision((
        Change(str(folder / "a.md"), {"quality": 11}, {"quality": 10}),  # written
        Change(str(folder / "b.md"), {"quality": 20}, {"quality": 20}),  # already held
        Change(str(folder / "c.md"), {"quality": 31}, {"quality": 29}),  # the editor saw 29: conflict
        Change(str(folder / "c.md"), {"quality": 30}, {"quality": 29}),  # saw 29, wants 30, disk has 30
        Change(str(folder / "locked.md"), {"quality": 6}),  # read-only: failed
    ), source="cli")
    written, already, conflict, disk_agrees, failed = decide(FileTarget(), decision)
    assert written.status == "written" and written.sha256 and load_article(folder / "a.md").quality == 11
    assert already.status == "already" and already.ok and "already 20" in already.message
    assert conflict.status == "conflict" and conflict.disk["quality"] == 30 and conflict.conflicts == ("quality",)
    assert not conflict.ok and load_article(folder / "c.md").quality == 30
    assert disk_agrees.status == "already"  # changed on disk, but to what the editor asked for
    assert failed.status == "failed" and "read-only" in failed.message


def test_a_race_on_other_fields_is_retried_on_top_of_the_new_bytes(folder: Path, hook) -> None:  # type: ignore[no-untyped-def]
    path = folder / "a.md"

    def outside_save(target: str) -> None:  # another program edits the title mid-save
        Path(target).write_text(Path(target).read_text().replace('title: "A.MD"', 'title: "Renamed"'))

    hook(outside_save)
    [outcome] = decide(FileTarget(), Decision.one(str(path), {"quality": 12}, {"quality": 10}))
    assert outcome.status == "written"
    result = load_article(path)
    assert result.title == "Renamed" and result.quality == 12  # neither update is lost


def test_a_race_on_the_decided_field_is_a_conflict(folder: Path, hook) -> None:  # type: ignore[no-untyped-def]
    path = folder / "a.md"
    hook(lambda target: Path(target).write_text(article("A.MD", quality=77, extra="Body.\n")))
    [outcome] = decide(FileTarget(), Decision.one(str(path), {"quality": 12}, {"quality": 10}))
    assert outcome.status == "conflict" and outcome.disk["quality"] == 77
    assert load_article(path).quality == 77  # the outside save stands


def test_many_files_with_one_conflict_among_them(folder: Path) -> None:
    queue = ReviewQueue(folder)
    queue.scan()
    try:
        saw = {"a.md": 10, "b.md": 20, "c.md": 99, "d.md": 40, "e.md": 50}  # c.md was seen stale
        decision = Decision(tuple(Change(rel, {"published": True}, {"published": False, "quality": q})
                                  for rel, q in saw.items()), source="bulk", batch="b1")
        heard: list[str] = []
        outcomes = decide(queue, decision, on_outcome=lambda o: heard.append(o.path))
        assert heard == list(saw)
        assert summarize_outcomes(outcomes) == {"written": 4, "already": 0, "conflict": 1, "failed": 0}
        by_path = {o.path: o for o in outcomes}
        assert by_path["c.md"].status == "conflict" and by_path["c.md"].disk["quality"] == 30
        for rel in ("a.md", "b.md", "d.md", "e.md"):
            row = by_path[rel].row
            assert row is not None and row.published is True and queue.get(rel) == row  # the row, from the write
        assert load_article(folder / "c.md").published is False
    finally:
        queue.stop()


def test_cancel_leaves_the_rest_alone(folder: Path) -> None:
    decision = Decision(tuple(Change(str(folder / n), {"published": True}) for n in ("a.md", "b.md", "c.md")))
    done: list[str] = []
    outcomes = decide(FileTarget(), decision, on_outcome=lambda o: done.append(o.path),
                      cancelled=lambda: len(done) >= 2)
    assert [o.status for o in outcomes] == ["written", "written"]
    assert load_article(folder / "c.md").published is False


@contextmanager
def _many(folder: Path, n: int) -> Iterator[tuple[ReviewQueue, list[str]]]:
    """`n` more articles (quality 0, 1, ...), and the folder's queue, scanned; stopped after."""
    names = [f"m{i:02d}.md" for i in range(n)]
    for i, name in enumerate(names):
        (folder / name).write_text(article(f"M{i}", quality=i, extra="Body.\n"))
    queue = ReviewQueue(folder)
    queue.scan()
    try:
        yield queue, names
    finally:
        queue.stop()


def _publishing(names: list[str], value: bool = True) -> Decision:
    """A bulk decision setting `published` on every one of `names`, seen as the opposite."""
    return Decision(tuple(Change(rel, {"published": value}, {"published": not value}) for rel in names),
                    source="bulk")


def test_a_decision_about_many_writes_through_helpers_in_order(folder: Path) -> None:
    from app.article.isolation import write_pool
    from app.queue.own_writes import OwnWriteJournal

    with _many(folder, 20) as (queue, names):
        # Two changes of one file: the second waits for the first (never both under way).
        changes = [Change(rel, {"quality": 90}, {"quality": i}) for i, rel in enumerate(names)]
        changes.insert(5, Change(names[0], {"quality": 91}, {"quality": 90}))
        outcomes = decide(queue, Decision(tuple(changes), source="bulk"))
        assert [o.path for o in outcomes] == [c.path for c in changes]
        assert [o.status for o in outcomes] == ["written"] * len(changes)
        assert load_article(folder / names[0]).quality == 91
        assert all(load_article(folder / rel).quality == 90 for rel in names[1:])
        assert all(o.row is not None and queue.get(o.path) == o.row for o in outcomes[6:])
        helpers = {write_pool().submit(os.getpid).result() for _ in range(4)}
        assert os.getpid() not in helpers  # written by helper processes, not this one
        # Each write was noted in the journal (by the helper), so a watcher elsewhere calls it ours.
        journal = OwnWriteJournal()
        last = outcomes[-1]
        digest = bytes.fromhex(last.sha256 or "")
        assert journal.claim([(str(folder / last.path), digest)])[str(folder / last.path)] == "mine"


def test_keys_that_queued_up_are_written_by_helpers_and_a_lone_decision_here(
        folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run of one-file decisions about more than AHEAD_OVER files (P presses
    that queued up while a write was on its way) goes to the helper processes,
    each decision still its own; a lone decision, or a few, is written by the
    deciding thread itself."""
    from app.decisions import AHEAD_OVER, decide_all
    from app.queue import own_writes, review

    written_here: list[str] = []
    for module in (review, own_writes):  # the thread's own writes, and the fallback of helpers that fail
        monkeypatch.setattr(module, "noted_write", lambda journal, path, *rest, real=module.noted_write: (
            written_here.append(os.path.basename(path)), real(journal, path, *rest))[1])
    with _many(folder, 12) as (queue, names):
        few = [Decision.one(rel, {"quality": 50}, {"quality": i}) for i, rel in enumerate(names[:AHEAD_OVER])]
        assert [r[0].status for r in decide_all(queue, few)] == ["written"] * AHEAD_OVER
        assert written_here == names[:AHEAD_OVER]
        written_here.clear()
        queued = [Decision.one(rel, {"quality": 50}, {"quality": i + AHEAD_OVER})
                  for i, rel in enumerate(names[AHEAD_OVER:])]
        results = decide_all(queue, queued)
        assert [r[0].status for r in results] == ["written"] * len(queued)
        assert [r[0].path for r in results] == names[AHEAD_OVER:]
        assert written_here == []  # all of them by the helpers
        assert all(load_article(folder / rel).quality == 50 for rel in names)
        assert all(queue.get(r[0].path) == r[0].row for r in results)  # each row installed from its write


def test_a_forked_child_starts_helpers_of_its_own() -> None:
    """A child forked after the pool started does not inherit it (the threads
    that talk to the helpers stay in the parent): its first decision about
    many would wait forever on the parent's pool."""
    from app.article.isolation import write_pool

    write_pool().submit(os.getpid).result()
    context = multiprocessing.get_context("fork")
    answer = context.Queue()
    child = context.Process(target=_helper_pids, args=(answer,))
    child.start()
    try:
        child_pid, helper_pid = answer.get(timeout=60)
    finally:
        child.join(timeout=30)
    assert child.exitcode == 0 and helper_pid not in (child_pid, os.getpid())


def _helper_pids(answer) -> None:  # type: ignore[no-untyped-def]
    from app.article.isolation import drop_write_pool, write_pool

    answer.put((os.getpid(), write_pool().submit(os.getpid).result(timeout=30)))
    drop_write_pool(wait=True)


def test_a_helper_that_dies_loses_no_write_and_makes_none_twice(folder: Path) -> None:
    import signal

    from app.article.isolation import write_pool

    with _many(folder, 12) as (queue, names):
        pool = write_pool()
        pool.submit(os.getpid).result()
        for pid in list(pool._processes):  # noqa: SLF001 - the helpers, killed as the OOM killer would
            os.kill(pid, signal.SIGKILL)
        outcomes = decide(queue, _publishing(names))
        # Whatever the dead helpers had done, each file holds the value once, and says so.
        assert all(o.status in ("written", "already") for o in outcomes), [(o.status, o.message) for o in outcomes]
        assert all(load_article(folder / rel).published is True for rel in names)
        again = decide(queue, _publishing(names, False))
        assert [o.status for o in again] == ["written"] * len(names)  # a new pool writes the next decision


def test_a_write_that_raises_in_a_helper_task_leaves_the_others_of_its_task_as_they_are(
        folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from app.article import isolation

    real = writer.write_front_matter_edit
    raised: list[str] = []

    def fails_once(path, *args, **kwargs):  # type: ignore[no-untyped-def] - a disk that fails one file, once
        if str(path).endswith("m03.md") and not raised:
            raised.append(str(path))
            raise OSError("the disk failed once")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(writer, "write_front_matter_edit", fails_once)
    helpers = ThreadPoolExecutor(2)  # the helpers' task, run in this process so that it meets the failing disk
    monkeypatch.setattr(isolation, "write_pool", lambda: helpers)
    try:
        with _many(folder, 12) as (queue, names):
            outcomes = decide(queue, _publishing(names))
    finally:
        helpers.shutdown()
    assert raised
    assert [o.status for o in outcomes] == ["written"] * len(names)
    assert all(load_article(folder / rel).published is True for rel in names)
    # Its task's other files were written by the task and said so; only m03 was made again here.
    assert not any("stopped" in o.message for o in outcomes), [o.message for o in outcomes]


def test_a_decision_that_breaks_midway_still_takes_in_and_records_the_writes_under_way(folder: Path) -> None:
    from app.audit.recorder import AuditRecorder
    from tests.app.audit_support import log_lines

    heard: list[str] = []

    def breaks(outcome) -> None:  # type: ignore[no-untyped-def] - a bug (or Ctrl-C) after the third file
        heard.append(outcome.path)
        if len(heard) == 3:
            raise RuntimeError("a bug in whoever listens")

    with _many(folder, 20) as (queue, names):
        with pytest.raises(RuntimeError):
            decide(queue, _publishing(names), on_outcome=breaks, recorders=[AuditRecorder("Ana")])
        published = [rel for rel in names if load_article(folder / rel).published]
        assert len(published) > 3  # the writes under way at the break landed...
        assert sorted(line["path"] for line in log_lines(folder)) == sorted(published)  # ...and were logged
        assert heard == published  # each was taken in, in order
        assert queue._writing == {}  # noqa: SLF001 - none is left "being written" (the watcher would skip it)


def test_a_stale_report_of_a_broken_pool_leaves_the_new_pool_alone() -> None:
    from app.article.isolation import drop_write_pool, write_pool

    first = write_pool()
    drop_write_pool()  # the first task that found it broken
    second = write_pool()  # the next task's
    drop_write_pool(broken=first)  # another task of the broken pool, reporting late
    assert write_pool() is second
    drop_write_pool(broken=second)
    assert write_pool() is not second


def test_a_journal_commit_that_fails_leaves_no_transaction_open(tmp_path: Path) -> None:
    import sqlite3

    from app.queue.own_writes import OwnWriteJournal, _transaction

    journal = OwnWriteJournal(tmp_path / "journal.sqlite3")
    journal.begin(tmp_path / "a.md")

    class CommitFailsOnce:  # SQLITE_BUSY, IOERR or FULL at COMMIT
        def __init__(self, conn: sqlite3.Connection) -> None:
            self.conn, self.failed = conn, False

        def execute(self, sql: str, *args: object) -> sqlite3.Cursor:
            if sql == "COMMIT" and not self.failed:
                self.failed = True
                raise sqlite3.OperationalError("disk I/O error")
            return self.conn.execute(sql, *args)

        @property
        def in_transaction(self) -> bool:
            return self.conn.in_transaction

    with journal._connect() as conn:  # noqa: SLF001 - the journal's own connection
        assert conn is not None
        with pytest.raises(sqlite3.OperationalError), _transaction(CommitFailsOnce(conn)):  # type: ignore[arg-type]
            conn.execute("INSERT INTO writes VALUES ('x', NULL, 1, 1)")
        assert not conn.in_transaction
    # Nothing holds the write lock: another process's journal writes at once, and this one still works.
    other = sqlite3.connect(journal.path, timeout=0.2)
    other.execute("INSERT INTO writes VALUES ('y', NULL, 2, 2)")
    other.commit()
    other.close()
    journal.begin(tmp_path / "b.md")
    paths = {row[0] for row in sqlite3.connect(journal.path).execute("SELECT path FROM writes")}
    assert paths == {str(tmp_path / "a.md"), "y", str(tmp_path / "b.md")}


def test_a_write_that_landed_before_its_helper_died_is_said_as_written(folder: Path) -> None:
    from app.article.writer import write_front_matter_edit
    from app.queue.own_writes import OwnWriteJournal, _after_a_lost_helper

    path = folder / "a.md"
    assert write_front_matter_edit(path, {"published": True}).status == "written"  # what the helper did
    result = _after_a_lost_helper(OwnWriteJournal(), path, {"published": True}, {"published": False},
                                  writer.DEFAULT_MAPPING)
    assert result.status == "written" and result.previous == {"published": False}
    import hashlib
    assert result.sha256 == hashlib.sha256(path.read_bytes()).hexdigest() and result.article is not None
    # The editor saw what is there already: nothing to tell apart, nothing written.
    again = _after_a_lost_helper(OwnWriteJournal(), path, {"published": True}, {"published": True},
                                 writer.DEFAULT_MAPPING)
    assert again.status == "unchanged"

def _set_in_a_loop(path: str, field: str, rounds: int, barrier, results) -> None:  # type: ignore[no-untyped-def]
    """A second Copydesk process: `copydesk set` on one file, in step with the other."""
    from app.cli import main

    for r in range(rounds):
        value = str(r % 100) if field == "quality" else ("true" if r % 2 else "false")
        barrier.wait()
        status = main(["set", f"--{field}", value, path])
        results.put((field, r, status))
        barrier.wait()


def test_two_processes_setting_different_fields_never_lose_an_update(folder: Path) -> None:
    path = str(folder / "a.md")
    rounds = 300
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(3)
    results = context.Queue()
    workers = [context.Process(target=_set_in_a_loop, args=(path, field, rounds, barrier, results))
               for field in ("quality", "published")]
    for worker in workers:
        worker.start()
    try:
        lost = []
        for r in range(rounds):
            barrier.wait()  # both start at the same moment
            barrier.wait()  # both are done
            statuses = [results.get(timeout=30) for _ in workers]
            on_disk = load_article(path)
            for field, _round, status in statuses:
                want = r % 100 if field == "quality" else bool(r % 2)
                if status == 0 and getattr(on_disk, field) != want:
                    lost.append((r, field, getattr(on_disk, field), want))
                assert status == 0, (r, field, status)
        assert lost == []
    finally:
        for worker in workers:
            worker.join(timeout=30)
            if worker.is_alive():
                worker.kill()
    assert not [name for name in os.listdir(folder) if name.startswith(".copydesk-")]


def test_a_run_that_breaks_midway_records_each_write_under_way_with_its_own_decision(folder: Path) -> None:
    from app.decisions import decide_all

    ends: list[tuple[tuple[str, ...], list[str]]] = []

    class Ends:
        def on_written(self, target, decision, outcome):  # type: ignore[no-untyped-def]
            pass

        def on_decided(self, target, decision, outcomes):  # type: ignore[no-untyped-def]
            ends.append((tuple(c.path for c in decision.changes), [o.path for o in outcomes]))

        def grouped(self):  # type: ignore[no-untyped-def]
            import contextlib
            return contextlib.nullcontext()

    with _many(folder, 12) as (queue, names):
        begin_writes = queue.begin_writes

        def second_breaks(items, **options):  # type: ignore[no-untyped-def] - a bug taking m01's result in
            begun = begin_writes(items, **options)

            def broken(result):  # type: ignore[no-untyped-def]
                result()  # (it lands all the same)
                raise RuntimeError("a bug")
            return [(lambda b=b: broken(b)) if item[0] == names[1] else b for item, b in zip(items, begun)]

        queue.begin_writes = second_breaks  # type: ignore[method-assign]
        runs = [_publishing(names[:6]), _publishing(names[6:9]), _publishing(names[9:])]
        with pytest.raises(RuntimeError):
            decide_all(queue, runs, recorders=[Ends()])
        assert [files for files, _ in ends] == [tuple(names[:6]), tuple(names[6:9]), tuple(names[9:])]
        for files, outcomes in ends:  # the writes under way (helpers: the first is about 6 files) landed...
            assert set(outcomes) <= set(files)  # ...each told to its own decision
        written = [rel for rel in names if load_article(folder / rel).published and rel != names[1]]
        assert sorted(o for _, outcomes in ends for o in outcomes) == sorted(written) and len(written) > 6
