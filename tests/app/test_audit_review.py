"""The review state from the logs: needs, reviewed, changed since review; the
History of one article; the counts; kept current while the folder is watched."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from app.audit.log import encode_line
from app.audit.recorder import AuditRecorder
from app.audit.review import ReviewBook
from app.decisions import Change, Decision, decide
from app.queue import ReviewQueue
from tests.app.audit_support import make_queue
from tests.app.queue_support import Collector, article, wait_until


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def sha_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def other_editors_line(rel: str, sha: str | None, *, time: str = "2030-01-01T00:00:00.000Z",
                       editor: str = "bob", field: str = "review", old: object = None, new: object = True,
                       reason: str | None = None) -> bytes:
    return encode_line({"time": time, "editor": editor, "path": rel, "field": field, "old": old, "new": new,
                        "reason": reason, "source": "window", "batch": None, "sha256": sha})


def open_book(folder: Path) -> tuple[ReviewQueue, ReviewBook]:
    queue = ReviewQueue(folder, index_path=folder.parent / "index.sqlite3")
    queue.scan()
    book = ReviewBook(queue)
    book.load()
    return queue, book


def test_states_follow_decisions_and_outside_rewrites(tmp_path: Path) -> None:
    folder = tmp_path / "desk"
    make_queue(folder, 4)
    queue, book = open_book(folder)
    try:
        assert book.counts() == {"needs": 4, "reviewed": 0, "changed": 0}
        recorder = AuditRecorder("Ana", on_appended=book.appended)
        decide(queue, Decision.one("a000.md", {"published": True}, {"published": False}), recorders=[recorder])
        decide(queue, Decision.one("a001.md", {"review": True}), recorders=[recorder])
        # The recorder hands its lines to the book at once: no watcher, no reread of the queue.
        assert book.status("a000.md") == "reviewed" and book.status("a001.md") == "reviewed"
        state = book.state("a000.md")
        assert state.last is not None and state.last.editor == "Ana" and state.last.field == "published"
        assert book.state("a002.md").status == "needs" and book.state("a002.md").last is None
        assert book.counts() == {"needs": 2, "reviewed": 2, "changed": 0}
    finally:
        queue.stop()
    # A pipeline rewrites one reviewed article; a reopen sees it changed since review.
    (folder / "a001.md").write_text(article("Rewritten by the pipeline", quality=3))
    queue, book = open_book(folder)
    try:
        assert book.status("a001.md") == "changed" and book.status("a000.md") == "reviewed"
        assert book.counts() == {"needs": 2, "reviewed": 1, "changed": 1}
        # Marking it reviewed again records the new bytes.
        decide(queue, Decision.one("a001.md", {"review": True}), recorders=[AuditRecorder("Ana", on_appended=book.appended)])
        assert book.status("a001.md") == "reviewed"
        # Bytes put back as they were reviewed are reviewed again... by the last decision's hash only.
        (folder / "a000.md").write_text((folder / "a000.md").read_text() + "\nmore body\n")
    finally:
        queue.stop()
    queue, book = open_book(folder)
    try:
        assert book.status("a000.md") == "changed"
        os.remove(folder / "a000.md")  # a removed article counts nowhere
    finally:
        queue.stop()
    queue, book = open_book(folder)
    try:
        assert book.counts() == {"needs": 2, "reviewed": 1, "changed": 0} and len(queue) == 3
    finally:
        queue.stop()


def test_history_is_newest_first_across_editors(tmp_path: Path) -> None:
    folder = tmp_path / "desk"
    make_queue(folder, 2)
    logs = folder / ".copydesk" / "log"
    logs.mkdir()
    sha = sha_of(folder / "a000.md")
    (logs / "bob.jsonl").write_bytes(
        other_editors_line("a000.md", "0" * 64, time="2026-03-01T10:00:00.000Z", field="published", old=None,
                           new=False, reason="duplicate")
        + other_editors_line("a000.md", sha, time="2026-03-03T10:00:00.000Z"))
    (logs / "cleo.jsonl").write_bytes(
        other_editors_line("a000.md", "1" * 64, time="2026-03-02T10:00:00.000Z", editor="Cleo", field="quality",
                           old=1, new=80)
        + other_editors_line("a001.md", None, time="2026-03-04T10:00:00.000Z", editor="Cleo"))
    queue, book = open_book(folder)
    try:
        history = book.history("a000.md")
        assert [(e.time[:10], e.editor, e.field, e.old, e.new, e.reason) for e in history] == [
            ("2026-03-03", "bob", "review", None, True, None),
            ("2026-03-02", "Cleo", "quality", 1, 80, None),
            ("2026-03-01", "bob", "published", None, False, "duplicate")]
        assert book.status("a000.md") == "reviewed"  # the newest line, whichever log it is in, decides
        assert book.status("a001.md") == "changed"  # logged without a hash: not these bytes
        assert book.history("a999.md") == []
    finally:
        queue.stop()


def test_log_changes_arriving_while_watching_update_the_review_state(tmp_path: Path) -> None:
    folder = tmp_path / "desk"
    make_queue(folder, 3)
    queue, book = open_book(folder)
    collector = Collector()
    touched: list[list[str]] = []
    book.start_watching(collector, touched.append)
    try:
        assert queue.wait_settled(15)
        logs = folder / ".copydesk" / "log"
        logs.mkdir()
        # Another editor's log arrives (through git, a shared folder): a new file in a new folder.
        (logs / "bob.jsonl").write_bytes(other_editors_line("a000.md", sha_of(folder / "a000.md")))
        wait_until(lambda: book.status("a000.md") == "reviewed")
        assert ["a000.md"] in touched
        # More lines appended to it.
        with open(logs / "bob.jsonl", "ab") as fh:
            fh.write(other_editors_line("a001.md", sha_of(folder / "a001.md"), time="2030-01-02T00:00:00.000Z"))
        wait_until(lambda: book.status("a001.md") == "reviewed")
        # An outside rewrite of a reviewed article: changed since review, live.
        (folder / "a001.md").write_text(article("Changed behind our back", quality=9))
        wait_until(lambda: book.status("a001.md") == "changed")
        assert book.counts() == {"needs": 1, "reviewed": 1, "changed": 1}
        # A git checkout replaces the log by an older one (rename over it): read again from the start.
        replacement = logs / ".bob.jsonl.tmp"
        replacement.write_bytes(b"")
        os.replace(replacement, logs / "bob.jsonl")
        wait_until(lambda: book.counts() == {"needs": 3, "reviewed": 0, "changed": 0})
        # The log folder removed altogether.
        (logs / "cleo.jsonl").write_bytes(other_editors_line("a002.md", sha_of(folder / "a002.md")))
        wait_until(lambda: book.status("a002.md") == "reviewed")
        for name in os.listdir(logs):
            os.remove(logs / name)
        os.rmdir(logs)
        wait_until(lambda: book.status("a002.md") == "needs")
        assert collector.events() == [("changed", "a001.md", "outside")]  # logs never pose as articles
    finally:
        queue.stop()


def test_an_appended_log_is_read_from_where_it_was_left(tmp_path: Path) -> None:
    folder = tmp_path / "desk"
    make_queue(folder, 2)
    logs = folder / ".copydesk" / "log"
    logs.mkdir()
    log = logs / "bob.jsonl"
    log.write_bytes(other_editors_line("a000.md", None))
    queue, book = open_book(folder)
    try:
        trail = book.trail
        assert len(trail.entries()) == 1
        with open(log, "ab") as fh:  # a last line still being written (no newline yet)
            fh.write(other_editors_line("a001.md", None, time="2030-02-01T00:00:00.000Z")[:30])
        assert book.logs_changed([".copydesk/log/bob.jsonl"]) == [] and len(trail.entries()) == 1
        assert "no end" in trail.take_notices()[0]
        with open(log, "ab") as fh:  # ...and its end arrives: it is whole now
            fh.write(other_editors_line("a001.md", None, time="2030-02-01T00:00:00.000Z")[30:])
        assert book.logs_changed([".copydesk/log/bob.jsonl"]) == ["a001.md"]
        assert [e.line for e in trail.entries()] == [1, 2] and trail.take_notices() == []
        # The same length, other bytes (an in-place rewrite): read again from the start.
        data = log.read_bytes()
        log.write_bytes(data.replace(b'"a000.md"', b'"a001.md"'))
        assert book.logs_changed([".copydesk/log/bob.jsonl"]) == ["a000.md", "a001.md"]
        assert book.history("a000.md") == [] and len(book.history("a001.md")) == 2
    finally:
        queue.stop()


def test_a_renamed_article_needs_review_at_its_new_path(tmp_path: Path) -> None:
    folder = tmp_path / "desk"
    make_queue(folder, 1)
    queue, book = open_book(folder)
    collector = Collector()
    book.start_watching(collector, lambda rels: None)
    try:
        assert queue.wait_settled(15)
        decide(queue, Decision((Change("a000.md", {"review": True}),)),
               recorders=[AuditRecorder("Ana", on_appended=book.appended)])
        assert book.status("a000.md") == "reviewed"
        os.rename(folder / "a000.md", folder / "moved.md")
        collector.wait_for("added", "moved.md")
        wait_until(lambda: book.counts() == {"needs": 1, "reviewed": 0, "changed": 0})
        assert book.status("moved.md") == "needs" and len(book.history("a000.md")) == 1
    finally:
        queue.stop()


def test_the_review_filter_lives_in_the_selection() -> None:
    from app.article.summary import ArticleSummary
    from app.queue.selection import Selection, select_rows

    row = ArticleSummary("a.md", title="A", published=False, quality=10)
    assert Selection(review="needs").matches(row) and Selection(review="needs").matches(row, review="needs")
    assert not Selection(review="needs").matches(row, review="reviewed")
    assert Selection(review="changed").matches(row, review="changed")
    assert not Selection(review="changed").matches(row)  # no state given: no decision logged
    assert Selection().everything and not Selection(review="needs").everything
    states = {"a.md": "reviewed", "b.md": "needs"}
    rows = [row, ArticleSummary("b.md", title="B")]
    assert [r.path for r in select_rows(rows, Selection(review="reviewed"), states.__getitem__)] == ["a.md"]
