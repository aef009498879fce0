"""The audit log itself: who the editor is, what a line holds, appends from two
processes at once, a log that cannot be written, and lines that cannot be read."""
from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import resource
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from app.audit.editor import editor_file_name, git_user_name, resolve_editor
from app.article.isolation import drop_write_pool
from app.audit.log import FIELDS, append_lines, encode_line
from app.audit.reasons import DEFAULT_REASONS, load_reasons
from app.audit.recorder import AuditRecorder
from app.audit.trail import AuditTrail
from app.decisions import Change, Decision, FileTarget, decide, decide_all
from app.queue import ReviewQueue
from tests.app.audit_support import (
    log_files,
    log_lines,
    make_queue,
    open_to_everyone,
    run_without_write_access,
    shared_folder,
)

TIME = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("COPYDESK_EDITOR", raising=False)


# --- the editor ---------------------------------------------------------------------

def test_the_editor_comes_from_the_environment_then_the_setting_then_git_then_the_os(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no global git name of the machine's
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    if shutil.which("git") is not None:
        subprocess.run(["git", "init", "-q", str(repo)], check=True)
        subprocess.run(["git", "-C", str(repo), "config", "user.name", "Gita Repo"], check=True)
        assert git_user_name(repo) == "Gita Repo"
        assert resolve_editor(repo).name == "Gita Repo" and resolve_editor(repo).source == "git"
    assert resolve_editor(repo, "  Sam Setting ") == resolve_editor(repo, "Sam Setting")
    assert resolve_editor(repo, "Sam Setting").source == "setting"
    monkeypatch.setenv("COPYDESK_EDITOR", "Eve Env")
    assert resolve_editor(repo, "Sam Setting").name == "Eve Env"
    monkeypatch.setenv("COPYDESK_EDITOR", "   ")  # empty counts as none
    assert resolve_editor(repo, "Sam Setting").name == "Sam Setting"
    plain = tmp_path / "plain"
    plain.mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "no-git-here"))  # no git at all is fine
    fallback = resolve_editor(plain, None)
    assert fallback.source == "user" and fallback.name


def test_editor_file_names_are_safe_and_deterministic() -> None:
    assert editor_file_name("ana") == "ana" and editor_file_name("j.smith_2") == "j.smith_2"
    spaced = editor_file_name("Ana Lima")
    assert spaced.startswith("Ana-Lima-") and len(spaced) == len("Ana-Lima-") + 8
    assert editor_file_name("Ana Lima") == spaced  # the same name, the same file, everywhere
    assert editor_file_name("Ana_Lima") != spaced and editor_file_name("ana lima") != spaced
    assert editor_file_name("José").startswith("Jose-")
    assert editor_file_name("José") == editor_file_name("Jose\u0301")  # NFC and NFD spell one name
    for hostile in ("../../etc/passwd", ".hidden", "con", "a/b", "李雷", "", "x" * 300, "nul.txt", "end."):
        name = editor_file_name(hostile)
        assert name and "/" not in name and not name.startswith(".") and len(name) <= 64, hostile
        assert all(ch.isascii() and (ch.isalnum() or ch in "._-") for ch in name), hostile
    assert editor_file_name("李雷").startswith("editor-")


# --- what a line holds ----------------------------------------------------------------

def test_a_written_decision_is_one_line_per_file_and_field(tmp_path: Path) -> None:
    folder = tmp_path / "desk"
    make_queue(folder, 2)
    path = folder / "a001.md"
    recorder = AuditRecorder("Ana Lima")
    [outcome] = decide(FileTarget(), Decision.one(str(path), {"published": True, "quality": 77},
                                                  source="cli", reason="duplicate"), recorders=[recorder])
    assert outcome.status == "written"
    lines = log_lines(folder)
    assert [line["field"] for line in lines] == ["published", "quality"]
    assert list(lines[0]) == list(FIELDS)  # the documented key order
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    for line in lines:
        assert line["editor"] == "Ana Lima" and line["path"] == "a001.md" and line["source"] == "cli"
        assert line["reason"] == "duplicate" and line["batch"] is None and line["sha256"] == sha
        assert __import__("re").match(TIME, line["time"])
    assert (lines[0]["old"], lines[0]["new"]) == (False, True) and (lines[1]["old"], lines[1]["new"]) == (1, 77)
    assert log_files(folder)[0].name == editor_file_name("Ana Lima") + ".jsonl"
    # Nothing written, nothing logged: already held, a conflict, a failure.
    decide(FileTarget(), Decision((Change(str(path), {"quality": 77}),
                                   Change(str(path), {"quality": 5}, {"quality": 6}),
                                   Change(str(folder / "missing.md"), {"quality": 5}))), recorders=[recorder])
    assert len(log_lines(folder)) == 2 and recorder.notices == []


def test_a_missing_value_is_logged_as_null(tmp_path: Path) -> None:
    folder = tmp_path / "desk"
    (folder / ".copydesk").mkdir(parents=True)
    path = folder / "bare.md"
    path.write_text("---\ntitle: Bare\n---\n")
    decide(FileTarget(), Decision.one(str(path), {"published": True}), recorders=[AuditRecorder("ana")])
    [line] = log_lines(folder)
    assert line["old"] is None and line["new"] is True


# --- two processes at once -----------------------------------------------------------

RUN = 10  # decisions queued up together: more than AHEAD_OVER files, so helper processes write them


def _decide_500(folder: str, tag: str, runs: bool, barrier, answer) -> None:  # type: ignore[no-untyped-def]
    files = [os.path.join(folder, f"{tag}-{i}.md") for i in range(10)]
    recorder = AuditRecorder("Ana Lima")  # both processes: one editor, one log
    target = FileTarget()
    # Long reasons (3 KB lines) make a torn or interleaved write show.
    decisions = [Decision.one(files[r % 10], {"quality": r % 100}, reason=f"{tag}:{r}:" + tag * 3000)
                 for r in range(500)]
    barrier.wait()
    if runs:  # as the window's writer takes keys that queued up: RUN at a time
        for start in range(0, 500, RUN):
            decide_all(target, decisions[start:start + RUN], recorders=[recorder])
        drop_write_pool(wait=True)  # a bare multiprocessing child runs no atexit: its helpers end here
    else:
        for decision in decisions:
            decide(target, decision, recorders=[recorder])
    answer.put((tag, recorder.logged, recorder.unlogged, recorder.notices))


@pytest.mark.parametrize("runs", [False, True], ids=["one-by-one", "in-runs"])
def test_two_processes_appending_500_decisions_each_lose_and_tear_nothing(tmp_path: Path, runs: bool) -> None:
    folder = tmp_path / "desk"
    (folder / ".copydesk").mkdir(parents=True)
    for tag in "pq":
        for i in range(10):
            (folder / f"{tag}-{i}.md").write_text(f"---\ntitle: {tag}{i}\nquality: 100\n---\n")
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(2)
    answer = context.Queue()
    workers = [context.Process(target=_decide_500, args=(str(folder), tag, runs, barrier, answer)) for tag in "pq"]
    for worker in workers:
        worker.start()
    try:
        reports = sorted(answer.get(timeout=120) for _ in workers)
    finally:
        for worker in workers:
            worker.join(timeout=30)
    assert reports == [("p", 500, 0, []), ("q", 500, 0, [])]
    [log] = log_files(folder)
    raw = log.read_bytes()
    assert raw.endswith(b"\n") and raw.count(b"\n") == 1000
    lines = [json.loads(line) for line in raw.split(b"\n")[:-1]]  # each line whole JSON: none torn
    seen = {(line["reason"][0], int(line["reason"].split(":")[1])) for line in lines}
    assert seen == {(tag, r) for tag in "pq" for r in range(500)}  # none lost, none twice
    for line in lines:
        tag = line["reason"][0]
        assert line["reason"] == f"{tag}:{line['reason'].split(':')[1]}:" + tag * 3000  # none interleaved
    # Each file's last line names the bytes it holds now.
    last = {line["path"]: line for line in lines}
    for rel, line in last.items():
        assert line["sha256"] == hashlib.sha256((folder / rel).read_bytes()).hexdigest()
    trail = AuditTrail(folder)
    trail.refresh()
    assert len(trail.entries()) == 1000 and trail.take_notices() == []


# --- a log that cannot be written ------------------------------------------------------

def _decide_twice(paths: list[str]) -> tuple[list[str], list[str], int, int]:
    recorder = AuditRecorder("ana")
    statuses = []
    for path in paths:
        statuses += [o.status for o in decide(FileTarget(), Decision.one(path, {"published": True}),
                                              recorders=[recorder])]
    return statuses, recorder.take_notices(), recorder.unlogged, len(recorder.take_notices())


def test_a_read_only_log_folder_never_blocks_a_decision_and_says_so_once() -> None:
    with shared_folder() as base:
        folder = base / "desk"
        names = make_queue(folder, 3)
        (folder / ".copydesk" / "log").mkdir()
        open_to_everyone(base)
        (folder / ".copydesk" / "log").chmod(0o555)
        statuses, notices, unlogged, later = run_without_write_access(
            _decide_twice, [str(folder / name) for name in names])
        assert statuses == ["written"] * 3  # every decision landed
        assert all("published: true" in (folder / name).read_text() for name in names)
        assert len(notices) == 1 and later == 0  # said once, not once per decision
        assert "audit log is not being kept" in notices[0] and "permission denied" in notices[0]
        assert str(folder / ".copydesk" / "log") in notices[0]
        assert unlogged == 3 and log_files(folder) == []


def _decide_near_the_size_limit(path: str, log: str, room: int) -> tuple[list[str], list[str]]:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG) instead of killing us
    limit = os.path.getsize(log) + room
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    recorder = AuditRecorder("ana")
    statuses = [o.status for o in decide(FileTarget(), Decision.one(path, {"quality": 42}), recorders=[recorder])]
    statuses += [o.status for o in decide(FileTarget(), Decision.one(path, {"quality": 43}), recorders=[recorder])]
    return statuses, recorder.take_notices()


def test_a_full_disk_cuts_a_line_short_which_is_said_and_never_glues_the_next_line(tmp_path: Path) -> None:
    folder = tmp_path / "desk"
    make_queue(folder, 1)
    path = folder / "a000.md"
    decide(FileTarget(), Decision.one(str(path), {"quality": 41}), recorders=[AuditRecorder("ana")])
    [log] = log_files(folder)
    size = log.stat().st_size
    context = multiprocessing.get_context("fork")
    answer = context.Queue()
    # Room for 40 bytes of the next line only (the file system's "disk full" for this process).
    child = context.Process(target=lambda: answer.put(_decide_near_the_size_limit(str(path), str(log), 40)))
    child.start()
    statuses, notices = answer.get(timeout=60)
    child.join(30)
    assert statuses == ["written", "written"]  # the article writes are far smaller than the limit
    assert any("cut short after 40 of" in n for n in notices), notices
    assert any("not being kept" in n for n in notices), notices  # the second decision found no room at all
    assert log.stat().st_size == size + 40
    # The next writer (with room) ends the cut line first: its own line stays whole and readable.
    decide(FileTarget(), Decision.one(str(path), {"quality": 44}), recorders=[AuditRecorder("ana")])
    trail = AuditTrail(folder)
    trail.refresh()
    assert [e.new for e in trail.entries()] == [41, 44]
    [skipped] = trail.take_notices()
    assert skipped.startswith(f"{log}:2: skipped")


def test_a_log_whose_last_line_lacks_its_newline_gets_one_before_ours(tmp_path: Path) -> None:
    folder = tmp_path / "desk"
    make_queue(folder, 1)
    log = folder / ".copydesk" / "log" / "ana.jsonl"
    log.parent.mkdir()
    hand_edited = encode_line({"time": "2026-01-01T00:00:00.000Z", "editor": "ana", "path": "a000.md",
                               "field": "review", "new": True, "sha256": None})[:-1]  # no newline
    log.write_bytes(hand_edited)
    decide(FileTarget(), Decision.one(str(folder / "a000.md"), {"quality": 9}), recorders=[AuditRecorder("ana")])
    assert [line["field"] for line in log_lines(folder)] == ["review", "quality"]


def test_append_lines_writes_whole_lines_in_one_write(tmp_path: Path) -> None:
    log = tmp_path / "q" / ".copydesk" / "log" / "ana.jsonl"
    result = append_lines(log, [b"one\n", b"two\n"])  # creates the folders
    assert result.written == 2 and result.error is None and log.read_bytes() == b"one\ntwo\n"
    target = tmp_path / "elsewhere.txt"
    target.write_text("keep me\n")
    link = log.with_name("evil.jsonl")
    link.symlink_to(target)
    refused = append_lines(link, [b"three\n"])
    assert refused.error is not None and target.read_text() == "keep me\n"



def _append_near_the_size_limit(log: str, lines: list[bytes], room: int) -> tuple[int, list[str], str]:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    limit = os.path.getsize(log) + room
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    result = append_lines(Path(log), lines)
    return result.written, result.short, repr(result.error)


def test_lines_appended_together_are_counted_whole_when_the_disk_fills_among_them(tmp_path: Path) -> None:
    log = tmp_path / "ana.jsonl"
    log.write_bytes(b"first\n")
    lines = [b"a" * 29 + b"\n", b"b" * 29 + b"\n", b"c" * 29 + b"\n"]
    context = multiprocessing.get_context("fork")
    answer = context.Queue()
    child = context.Process(target=lambda: answer.put(_append_near_the_size_limit(str(log), lines, 75)))
    child.start()
    written, short, _error = answer.get(timeout=60)
    child.join(30)
    assert written == 2 and short == ["a line was cut short after 15 of 30 bytes"]
    assert log.read_bytes() == b"first\n" + lines[0] + lines[1] + b"c" * 15
    assert append_lines(log, [b"next\n"]).written == 1  # ends the cut line first: the next stays whole
    assert log.read_bytes().endswith(b"c" * 15 + b"\nnext\n")

# --- reading back ---------------------------------------------------------------------------

def test_corrupt_and_cut_lines_are_skipped_with_a_notice_naming_file_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "desk"
    make_queue(folder, 2)
    log = folder / ".copydesk" / "log" / "bob.jsonl"
    log.parent.mkdir()
    good = encode_line({"time": "2026-01-01T00:00:00.000Z", "editor": "bob", "path": "a000.md",
                        "field": "quality", "old": 0, "new": 5, "sha256": "00"})
    log.write_bytes(good + b'{"time": "2026-01-0' + b"\n" + b"\xff\xfe not utf-8\n" + b"[1, 2]\n"
                    + b'{"path": "a001.md"}\n' + b"\n" + good + b'{"time": "cut')
    trail = AuditTrail(folder)
    trail.refresh()
    assert [(e.line, e.path) for e in trail.entries()] == [(1, "a000.md"), (7, "a000.md")]
    notices = trail.take_notices()
    assert [n.split(": ")[0] for n in notices] == [f"{log}:2", f"{log}:3", f"{log}:4", f"{log}:5", f"{log}:8"]
    assert "not a JSON object" in notices[2] and "no time, path or field" in notices[3]
    assert "no end" in notices[4]
    trail.refresh()
    assert trail.take_notices() == []  # each said once
    # The queue still opens, and lists (with the review state) as ever.
    queue = ReviewQueue(folder)
    assert queue.scan().total == 2
    queue.stop()


# --- reasons ----------------------------------------------------------------------------------

def test_reasons_come_from_the_queue_folder_or_the_defaults(tmp_path: Path) -> None:
    folder = tmp_path / "desk"
    (folder / ".copydesk").mkdir(parents=True)
    assert load_reasons(folder).reasons == DEFAULT_REASONS and load_reasons(folder).path is None
    assert DEFAULT_REASONS == ("duplicate", "off-topic", "low quality", "broken images", "needs edit")
    listed = folder / ".copydesk" / "reasons.txt"
    listed.write_text("\ufeff# our house reasons\n\nwire   copy\n  paywalled \n# not this\nwire copy\nembargo\n")
    reasons = load_reasons(folder)
    assert reasons.reasons == ("wire copy", "paywalled", "embargo") and reasons.path == listed
    listed.write_text("# nothing yet\n\n")
    assert load_reasons(folder).reasons == DEFAULT_REASONS and "lists no reasons" in load_reasons(folder).notice
    listed.write_bytes(b"fine\n\xff\n")
    broken = load_reasons(folder)
    assert broken.reasons == DEFAULT_REASONS and broken.notice.startswith(f"{listed}:2: not UTF-8")


def _append_500(log: str, tag: str, barrier, answer) -> None:  # type: ignore[no-untyped-def]
    barrier.wait()
    lost = 0
    for r in range(500):
        line = json.dumps({"tag": tag, "r": r, "pad": tag * 8000}).encode() + b"\n"
        if tag == "p":
            lost += 1 - append_lines(Path(log), [line]).written
        else:  # another program: O_APPEND and one write, but none of Copydesk's locking
            fd = os.open(log, os.O_WRONLY | os.O_APPEND)
            lost += os.write(fd, line) != len(line)
            os.close(fd)
    answer.put(lost)


def test_appends_stay_whole_beside_a_writer_that_does_not_lock(tmp_path: Path) -> None:
    """The same promise as above, with nothing between the appends (the most contention two
    processes can make), against a writer that ignores Copydesk's advisory lock: only one
    write per line keeps the lines whole then."""
    log = tmp_path / ".copydesk" / "log" / "ana.jsonl"
    log.parent.mkdir(parents=True)
    log.write_bytes(b"")
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(2)
    answer = context.Queue()
    workers = [context.Process(target=_append_500, args=(str(log), tag, barrier, answer)) for tag in "pq"]
    for worker in workers:
        worker.start()
    try:
        assert [answer.get(timeout=120) for _ in workers] == [0, 0]
    finally:
        for worker in workers:
            worker.join(timeout=30)
    # Beside a writer that does not lock, Copydesk may see the size of a write
    # before its last byte and end "its" line: a blank line, which readers skip.
    lines = [json.loads(raw) for raw in log.read_bytes().split(b"\n")[:-1] if raw]
    assert sorted((line["tag"], line["r"]) for line in lines) == [(tag, r) for tag in "pq" for r in range(500)]
    assert all(line["pad"] == line["tag"] * 8000 for line in lines)


def test_lines_checked_out_with_crlf_or_padded_read_as_written(tmp_path: Path) -> None:
    from app.audit.log import parse_lines

    good = encode_line({"time": "2026-01-01T00:00:00.000Z", "editor": "ana", "path": "a.md", "field": "review",
                        "new": True, "sha256": None})[:-1]
    data = good + b"\r\n" + b"  " + good + b"  \n" + good + b" trailing\n" + good.replace(b"a.md", b"\\u00e9.md") + b"\n"
    entries, notices = parse_lines(data, "ana.jsonl", 1, "ana.jsonl")
    assert [(e.line, e.path) for e in entries] == [(1, "a.md"), (2, "a.md"), (4, "é.md")]
    assert notices == ["ana.jsonl:3: skipped: not valid JSON (a cut or corrupt line)"]
    assert entries[0] == entries[1]._replace(line=1) and entries[0].to_json()["new"] is True
