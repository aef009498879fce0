"""Bulk decisions in the core: one batch id in the log, partial failure, cancel
in the middle, undo through the same compare-and-swap; and "mark reviewed",
which records without writing."""
from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import pytest
from watchdog.events import FileClosedEvent, FileClosedNoWriteEvent, FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from app.article.frontmatter import load_article
from app.audit.recorder import AuditRecorder
from app.audit.review import ReviewBook
from app.decisions import AHEAD, Change, Decision, decide, summarize_outcomes, undo_decision
from app.queue import ReviewQueue
from tests.app.audit_support import log_lines, make_queue
from tests.app.queue_support import WAIT, article, wait_until


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


@pytest.fixture
def desk(tmp_path: Path):  # type: ignore[no-untyped-def]
    folder = tmp_path / "desk"
    names = make_queue(folder, 200)
    queue = ReviewQueue(folder, index_path=tmp_path / "index.sqlite3")
    queue.scan()
    book = ReviewBook(queue)
    book.load()
    yield folder, names, queue, book
    queue.stop()


def bulk_publish(queue: ReviewQueue, names: list[str]) -> Decision:
    """What the window sends for P on many selected rows: each file's values as the editor saw them."""
    return Decision(tuple(Change(name, {"published": True, "quality": 90},
                                 {"published": queue.get(name).published, "quality": queue.get(name).quality})
                          for name in names), source="bulk", reason="wire copy")


def test_a_bulk_decision_over_200_files_reports_exactly_its_two_failures_and_logs_one_batch(desk) -> None:  # type: ignore[no-untyped-def]
    folder, names, queue, book = desk
    (folder / "a050.md").chmod(0o444)  # read-only: the write fails (even for root: the mode is checked)
    decision = bulk_publish(queue, names)
    # Changed on disk after the editor saw it: published by someone else with another score.
    (folder / "a120.md").write_text(article("Article 120", quality=33, published=True, extra="Body.\n"))
    recorder = AuditRecorder("Ana", on_appended=book.appended)
    progress: list[str] = []
    outcomes = decide(queue, decision, recorders=[recorder], on_outcome=lambda o: progress.append(o.path))
    assert progress == names  # every file, in order, as it happened
    bad = {o.path: o.status for o in outcomes if not o.ok}
    assert bad == {"a050.md": "failed", "a120.md": "conflict"}
    assert summarize_outcomes(outcomes) == {"written": 198, "already": 0, "conflict": 1, "failed": 1}
    lines = log_lines(folder)
    assert len(lines) == 2 * 198 and recorder.unlogged == 0
    assert {line["path"] for line in lines} == set(names) - {"a050.md", "a120.md"}
    [batch] = {line["batch"] for line in lines}
    assert batch and len(batch) == 16
    assert {(line["source"], line["reason"]) for line in lines} == {("bulk", "wire copy")}
    for line in lines[:10]:
        assert line["sha256"] == hashlib.sha256((folder / line["path"]).read_bytes()).hexdigest()
    assert book.counts() == {"needs": 2, "reviewed": 198, "changed": 0}

    # Undo: every written file back to its old values, through the same compare-and-swap.
    (folder / "a010.md").write_text(article("Article 10", quality=55, published=True, extra="Body.\n"))
    undo, cannot = undo_decision(outcomes)
    assert cannot == [] and len(undo.changes) == 198 and undo.source == "undo"
    undone = decide(queue, undo, recorders=[recorder])
    bad = {o.path: o.status for o in undone if not o.ok}
    assert bad == {"a010.md": "conflict"}  # changed meanwhile: that file only, never overwritten
    assert load_article(folder / "a010.md").quality == 55
    for i, name in enumerate(names):
        if name not in ("a010.md", "a050.md", "a120.md"):
            reverted = load_article(folder / name)
            assert (reverted.published, reverted.quality) == (False, i % 101), name
    undo_lines = [line for line in log_lines(folder) if line["source"] == "undo"]
    assert len(undo_lines) == 2 * 197 and len({line["batch"] for line in undo_lines}) == 1
    assert undo_lines[0]["batch"] != batch
    assert {(line["field"], line["old"]) for line in undo_lines if line["path"] == "a000.md"} == {
        ("published", True), ("quality", 90)}


def test_cancel_in_the_middle_leaves_what_is_written_written_and_logged(desk) -> None:  # type: ignore[no-untyped-def]
    folder, names, queue, book = desk
    done: list[str] = []
    decided: list[int] = []

    class Counting(AuditRecorder):
        def on_decided(self, target, decision, outcomes):  # type: ignore[no-untyped-def]
            decided.append(len(outcomes))
            super().on_decided(target, decision, outcomes)

    outcomes = decide(queue, bulk_publish(queue, names), recorders=[Counting("Ana")],
                      on_outcome=lambda o: done.append(o.path), cancelled=lambda: len(done) >= 57)
    # The writes already under way when the cancel came land too (at most AHEAD - 1 more), and are logged.
    landed = len(outcomes)
    assert 57 <= landed < 57 + AHEAD
    assert [o.status for o in outcomes] == ["written"] * landed and decided == [landed]
    assert sorted({line["path"] for line in log_lines(folder)}) == names[:landed]
    assert len({line["batch"] for line in log_lines(folder)}) == 1
    assert all(load_article(folder / name).published is True for name in names[:landed])
    assert all(load_article(folder / name).published is False for name in names[landed:])


class _Closes(FileSystemEventHandler):
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.events: list[tuple[str, str]] = []

    def on_any_event(self, event: FileSystemEvent) -> None:
        if isinstance(event, (FileClosedEvent, FileClosedNoWriteEvent)):
            with self.lock:
                self.events.append((type(event).__name__, os.fsdecode(event.src_path)))


def test_mark_reviewed_records_without_opening_the_file_for_writing(desk) -> None:  # type: ignore[no-untyped-def]
    folder, names, queue, book = desk
    path = folder / "a007.md"
    path.chmod(0o444)  # a read-only article can be marked: nothing is written
    before = path.stat()
    closes = _Closes()
    observer = Observer()
    observer.schedule(closes, str(folder))
    observer.start()
    try:
        [outcome] = decide(queue, Decision.one("a007.md", {"review": True}, {"published": False, "quality": 7}),
                           recorders=[AuditRecorder("Ana", on_appended=book.appended)])
        # inotify says how every descriptor on the file was closed: read, never written.
        wait_until(lambda: any(kind == "FileClosedNoWriteEvent" and p == str(path) for kind, p in closes.events))
    finally:
        observer.stop()
        observer.join(WAIT)
    assert ("FileClosedEvent", str(path)) not in closes.events
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns, after.st_ctime_ns) == (before.st_ino, before.st_mtime_ns,
                                                                     before.st_ctime_ns)
    assert outcome.status == "marked" and outcome.ok and outcome.disk == {"published": False, "quality": 7}
    [line] = log_lines(folder)
    assert (line["field"], line["old"], line["new"]) == ("review", None, True)
    assert line["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest() == outcome.sha256
    assert book.status("a007.md") == "reviewed" and summarize_outcomes([outcome])["marked"] == 1


def test_a_stale_or_unreadable_mark_is_not_recorded(desk) -> None:  # type: ignore[no-untyped-def]
    folder, names, queue, book = desk
    (folder / "broken.md").write_text("---\ntitle: [\n---\n")
    outcomes = decide(queue, Decision((
        Change("a003.md", {"review": True}, {"published": True}),  # the editor saw a value that is not there
        Change(str("broken.md"), {"review": True}),
    )), recorders=[AuditRecorder("Ana")])
    assert [o.status for o in outcomes] == ["conflict", "failed"]
    assert "changed on disk" in outcomes[0].message and "unreadable" in outcomes[1].message
    assert log_lines(folder) == []
    with pytest.raises(ValueError):
        Change("a003.md", {"review": True, "published": True})  # a mark is a mark alone


@pytest.mark.parametrize("commits", [False, True], ids=["alone", "team-commits"])
def test_a_run_of_decisions_is_each_its_own_decision_with_one_fsync_of_the_log(
        desk, monkeypatch: pytest.MonkeyPatch, commits: bool) -> None:  # type: ignore[no-untyped-def]
    """What the window's writer does with keys that queued up: 30 one-file
    decisions (one file decided twice) taken together. Each keeps its outcome,
    its log line and its own end; the log is fsynced once. Alone, the run's
    lines are appended together (FLUSH_LINES at a time); with a team commit
    after the audit recorder (which names the log by `log_for_commit`), each
    decision's line is in the log when the commit takes its size."""
    import app.audit.recorder as recorder_module
    from app.decisions import decide_all

    folder, names, queue, book = desk
    synced: list[Path] = []
    real_sync = recorder_module.sync_log
    monkeypatch.setattr(recorder_module, "sync_log", lambda path: (synced.append(path), real_sync(path)))
    appends: list[int] = []
    real_append = recorder_module.append_lines
    monkeypatch.setattr(recorder_module, "append_lines",
                        lambda path, lines: (appends.append(len(lines)), real_append(path, lines))[1])
    monkeypatch.setattr(recorder_module, "FLUSH_S", 60.0)  # however slow this machine: by count alone
    audit = AuditRecorder("Ana", on_appended=book.appended)
    sizes: list[int] = []

    class Sizes:  # after the audit recorder, as a team commit is
        def on_written(self, target, decision, outcome):  # type: ignore[no-untyped-def]
            pass

        def on_decided(self, target, decision, outcomes):  # type: ignore[no-untyped-def]
            if commits:
                audit.log_for_commit(folder)
            sizes.append(len(log_lines(folder)))

        def grouped(self):  # type: ignore[no-untyped-def]
            import contextlib
            return contextlib.nullcontext()

    decisions = [Decision.one(name, {"published": True}, {"published": queue.get(name).published})
                 for name in names[:29]]
    decisions.insert(5, Decision.one(names[2], {"published": False}, {"published": True}))  # P, then U on one file
    results = decide_all(queue, decisions, recorders=[audit, Sizes()])
    assert [len(r) for r in results] == [1] * 30
    assert [r[0].status for r in results] == ["written"] * 30
    assert load_article(folder / names[2]).published is False  # the later decision is the one that stands
    assert all(load_article(folder / n).published is True for n in names[:29] if n != names[2])
    lines = log_lines(folder)
    assert [(x["path"], x["new"]) for x in lines] == [(d.changes[0].path, d.changes[0].values["published"])
                                                      for d in decisions]
    assert {x["batch"] for x in lines} == {None}  # thirty decisions, not one batch
    if commits:
        assert sizes == list(range(1, 31))  # each decision's line was in the log when it ended
        assert appends == [1] * 30
    else:
        assert appends == [30]  # under FLUSH_LINES: all of them at the run's end, in one append
        assert sizes == [0] * 30
    assert audit.logged == 30 and audit.unlogged == 0
    assert len(synced) == 1  # ... and the log was made durable once, for all of them


def _one_each(queue: ReviewQueue, names: list[str]) -> list[Decision]:
    return [Decision.one(name, {"published": True}, {"published": queue.get(name).published}) for name in names]


def test_a_commit_after_the_window_replaced_its_recorder_still_carries_the_runs_lines(desk) -> None:  # type: ignore[no-untyped-def]
    """Preferences applied mid-run make a new recorder (same editor): the run's
    decisions hold the old one, and the commit names the log through the new one.
    The lines the old one holds are appended first all the same."""
    folder, names, queue, book = desk
    from app.decisions import decide_all

    old = AuditRecorder("Ana", on_appended=book.appended)
    new = AuditRecorder("Ana", on_appended=book.appended)
    sizes: list[int] = []

    class Commit:  # what ui.audit.log_file_for does: the desk's recorder *now*
        def on_written(self, target, decision, outcome):  # type: ignore[no-untyped-def]
            pass

        def on_decided(self, target, decision, outcomes):  # type: ignore[no-untyped-def]
            sizes.append(new.log_for_commit(folder).stat().st_size)

        def grouped(self):  # type: ignore[no-untyped-def]
            import contextlib
            return contextlib.nullcontext()

    decide_all(queue, _one_each(queue, names[:5]), recorders=[old, Commit()])
    lines = log_lines(folder)
    assert [x["path"] for x in lines] == names[:5]
    log = new.log_path(folder).read_bytes()
    assert sizes == [len(b"".join(log.splitlines(keepends=True)[:n])) for n in range(1, 6)]
    assert old.logged == 5 and new.logged == 0  # each line appended by the recorder that made it


def test_an_interrupted_run_end_leaves_the_next_run_logging_and_syncing(desk, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """Ctrl-C while a run's lines are appended: the next run on the thread starts
    afresh (its lines appended and fsynced), not inside the broken one."""
    import app.audit.recorder as recorder_module
    from app.decisions import decide_all

    folder, names, queue, book = desk
    recorder = AuditRecorder("Ana", on_appended=book.appended)
    real_append = recorder_module.append_lines
    calls: list[int] = []

    def interrupted(path, lines):  # type: ignore[no-untyped-def]
        calls.append(len(lines))
        if len(calls) == 1:
            raise KeyboardInterrupt
        return real_append(path, lines)

    monkeypatch.setattr(recorder_module, "append_lines", interrupted)
    with pytest.raises(KeyboardInterrupt):
        decide_all(queue, _one_each(queue, names[:3]), recorders=[recorder])
    synced: list[Path] = []
    real_sync = recorder_module.sync_log
    monkeypatch.setattr(recorder_module, "sync_log", lambda path: (synced.append(path), real_sync(path)))
    decide_all(queue, _one_each(queue, names[3:6]), recorders=[recorder])
    assert [x["path"] for x in log_lines(folder)] == names[3:6]
    assert synced == [recorder.log_path(folder)]


def test_a_bug_in_one_logs_append_still_appends_the_runs_other_logs(tmp_path: Path) -> None:
    """A run over two queue folders: `on_appended` raising for the first log is a
    notice, and the second log still gets its line."""
    from app.decisions import FileTarget, decide_all

    files = []
    for name in ("one", "two"):
        (tmp_path / name / ".copydesk").mkdir(parents=True)
        path = tmp_path / name / "a.md"
        path.write_text("---\ntitle: A\npublished: false\n---\n")
        files.append(str(path))
    told: list[str] = []

    def appended(root: Path, log_name: str) -> None:
        told.append(root.name)
        if root.name == "one":
            raise RuntimeError("a bug in the reader")

    recorder = AuditRecorder("Ana", on_appended=appended)
    decide_all(FileTarget(), [Decision.one(f, {"published": True}) for f in files], recorders=[recorder])
    assert told == ["one", "two"]
    assert [len(log_lines(tmp_path / name)) for name in ("one", "two")] == [1, 1]
    assert any("a bug in the reader" in notice for notice in recorder.take_notices())
