"""The window's side of team queues without a window: the scheduler on a test clock, the status
line, and a TeamSession committing and syncing on its own git thread."""
from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from app.decisions import Decision, FileTarget, decide
from app.team.schedule import SyncScheduler, SyncSettings, SyncStatus
from app.team.session import TeamEvent, TeamOff, TeamSession, open_team
from app.team.worker import GitWorker
from tests.app.team_support import Team, isolate_git

SETTINGS = SyncSettings(debounce_s=5, interval_s=120, max_delay_s=30, retry_s=15)


def test_a_sync_comes_a_few_seconds_after_the_last_decision() -> None:
    s = SyncScheduler(SETTINGS, now=0)
    assert s.due(0)  # a first sync soon after opening brings others' decisions in
    s.started(0)
    assert s.next_due() is None and not s.due(1000)  # never two at once
    s.finished(1, ok=True)
    assert s.next_due() == 121
    s.decided(10)
    s.decided(12)  # a burst of keys
    assert s.next_due() == 17 and not s.due(16.9) and s.due(17)


def test_a_decision_never_waits_longer_than_the_cap() -> None:
    s = SyncScheduler(SyncSettings(debounce_s=5, interval_s=1000, max_delay_s=30), now=0)
    s.started(0)
    s.finished(0, ok=True)
    for t in range(100, 140, 2):  # an editor who never pauses for 5 s
        s.decided(t)
        assert s.due(t) == (t >= 130)
    assert s.next_due() == 130  # 30 s after the first decision, though the last came 2 s ago


def test_failures_back_off_and_keep_the_decisions_waiting() -> None:
    s = SyncScheduler(SETTINGS, now=0)
    s.decided(1)
    s.started(6)
    s.finished(7, ok=False)  # offline
    assert s.next_due() == 7 + 15  # the decision is still not shared: retry
    s.started(22)
    s.finished(23, ok=False)
    assert s.next_due() == 23 + 30  # doubled
    s.requested(24)
    assert s.due(24)  # Sync Now does not wait
    s.started(24)
    s.finished(25, ok=True)
    assert s.next_due() == 145


def test_decisions_during_a_sync_get_their_own() -> None:
    s = SyncScheduler(SETTINGS, now=0)
    s.started(0)
    s.decided(1)
    s.finished(2, ok=True)
    assert s.next_due() == 6


def test_the_status_line() -> None:
    assert SyncStatus(unshared=3).describe(100) == "3 decisions not yet shared"
    assert SyncStatus(state="synced", last_synced=90).describe(100) == "synced 10 s ago"
    assert SyncStatus(state="synced", last_synced=100 - 180).describe(100) == "synced 3 min ago"
    assert SyncStatus(state="synced", unshared=1, last_synced=95).describe(100) == \
        "1 decision not yet shared · synced 5 s ago"
    assert SyncStatus(state="offline", unshared=2, message="cannot reach origin: timeout").describe(100) == \
        "sync failed: cannot reach origin: timeout · 2 decisions not yet shared"
    assert SyncStatus(state="conflicts", conflicts=2, unshared=2).describe() == \
        "2 conflicts to settle before syncing · 2 decisions not yet shared"
    assert SyncStatus(state="off", message="team features unavailable: git is not installed").describe() == \
        "team features unavailable: git is not installed"


def test_the_git_worker_runs_jobs_in_order_and_survives_a_failing_one() -> None:
    errors: list[BaseException] = []
    worker = GitWorker(on_error=errors.append)
    seen: list[int] = []
    names: set[str] = set()

    def job(n: int) -> int:
        names.add(threading.current_thread().name)
        if n == 3:
            raise ValueError("job 3 fails")
        seen.append(n)
        return n

    results: list[int] = []
    for n in range(6):
        worker.submit(job, n, done=results.append)
    assert worker.flush(10)
    assert seen == [0, 1, 2, 4, 5] and results == seen and names == {"copydesk-git"}
    assert [str(e) for e in errors] == ["job 3 fails"]
    assert worker.close(10) and not worker.submit(job, 9)


@pytest.fixture
def team(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Team:
    isolate_git(tmp_path, monkeypatch)
    return Team(tmp_path)


def test_a_session_commits_each_decision_and_syncs_when_due(team: Team) -> None:
    events: list[TeamEvent] = []
    audit = team.audits["Ana"]
    session = open_team(team.desk("Ana"), log_file=audit.log_for_commit, on_change=events.append,
                        settings=SyncSettings(debounce_s=2, interval_s=600))
    assert isinstance(session, TeamSession)
    try:
        assert session.flush(30)
        assert events[0].kind == "opened"
        assert session.tick() is None  # due at once: the first sync after opening (running now)
        assert session.flush(30) and events[-1].kind == "synced" and events[-1].status.state == "synced"
        for relpath, values in (("news/a1.md", {"published": True}), ("news/a2.md", {"quality": 70})):
            with session.worktree_guard():  # what the window's writer holds around a decision
                decide(FileTarget(), Decision.one(str(team.desk("Ana") / relpath), values),
                       recorders=[audit, session.recorder])
        assert session.flush(30)
        assert [e.kind for e in events[-2:]] == ["committed", "committed"]
        assert session.status().unshared == 2 and "2 decisions not yet shared" in session.status().describe()
        now = time.monotonic()
        assert session.tick(now) is not None  # not due yet: debounced
        session.tick(now + 2.5)
        assert session.flush(30)
        last = events[-1]
        assert last.kind == "synced" and last.sync is not None and last.sync.sent == 2
        assert session.status().unshared == 0 and session.status().describe().startswith("synced ")
    finally:
        assert session.close(30)
    assert team.sync("Ben").state == "synced" and b"published: true" in team.read("Ben", "news/a1.md")


def test_a_session_reports_conflicts_and_settles_them(team: Team) -> None:
    team.decide("Ben", "news/a3.md", {"quality": 5})
    assert team.sync("Ben").state == "synced"
    team.decide("Ana", "news/a3.md", {"quality": 95})
    events: list[TeamEvent] = []
    session = open_team(team.desk("Ana"), on_change=events.append)
    assert isinstance(session, TeamSession)
    try:
        session.sync_now()
        assert session.flush(30)
        assert session.status().state == "conflicts"
        [conflict] = session.conflicts()
        assert session.queue_relpath(conflict.path) == "news/a3.md" and (conflict.mine, conflict.theirs) == (95, 5)
        session.resolve("news/a3.md", "theirs")
        assert session.flush(30) and session.flush(30)
        assert session.status().state == "synced" and session.conflicts() == []
        assert b"quality: 5\n" in team.read("Ana", "news/a3.md")
        assert "news/a3.md" in events[-1].incoming
    finally:
        session.close(30)


def test_claims_through_a_session(team: Team) -> None:
    session = open_team(team.desk("Ana"))
    other = open_team(team.desk("Ben"))
    assert isinstance(session, TeamSession) and isinstance(other, TeamSession)
    try:
        session.claim(["news/a1.md"])
        assert session.flush(30)
        other.refresh_claims()
        assert other.flush(30)
        held = other.claims()["news/a1.md"]
        assert held.editor == "Ana" and not held.mine
        assert session.claims()["news/a1.md"].mine
    finally:
        session.close(30)
        other.close(30)


def test_an_ordinary_folder_is_no_team_queue_and_says_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    isolate_git(tmp_path, monkeypatch)
    plain = tmp_path / "plain"
    plain.mkdir()
    assert open_team(plain) == TeamOff("")
