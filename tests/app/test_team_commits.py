"""One commit per decision: exactly its files, by its editor, with trailers; nothing else swept in."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from app.decisions import Decision, FileTarget, decide
from app.team.commits import CommitRecorder, CommitRequest, NotCommitted, commit_request
from app.team.repo import NotTeamQueue, TeamRepo
from tests.app.team_support import Team, isolate_git


@pytest.fixture
def team(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Team:
    isolate_git(tmp_path, monkeypatch)
    return Team(tmp_path)


def trailers(team: Team, editor: str, rev: str) -> dict[str, str]:
    out = team.git(editor, "log", "-1", "--format=%(trailers:only,unfold)", rev)
    return dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)


def files_of(team: Team, editor: str, rev: str) -> list[str]:
    return sorted(team.git(editor, "show", "--format=", "--name-only", rev).split())


def test_git_log_shows_one_commit_per_decision_with_trailers(team: Team) -> None:
    before = int(team.git("Ana", "rev-list", "--count", "HEAD"))
    team.decide("Ana", "news/a1.md", {"published": True})
    team.decide("Ana", ["news/a2.md", "news/a3.md", "news/a4.md"], {"published": True}, source="bulk",
                reason="duplicate", batch="batch-7")
    team.decide("Ana", "seed.txt", {"quality": 60})
    team.decide("Ana", "seed.txt", {"quality": 57}, source="undo")
    assert int(team.git("Ana", "rev-list", "--count", "HEAD")) == before + 4  # one commit per decision
    log = team.git("Ana", "log", "-4", "--format=%an <%ae>|%cn|%s").splitlines()
    assert log == [
        'Ana <ana@desk.example>|Ana|Quality 60 -> 57 on "For IBM, AI Inference Is The Most Important HPC" (undo)',
        'Ana <ana@desk.example>|Ana|Quality 57 -> 60 on "For IBM, AI Inference Is The Most Important HPC"',
        "Ana <ana@desk.example>|Ana|Publish 3 articles: duplicate",
        'Ana <ana@desk.example>|Ana|Publish "Article 1"',
    ]
    assert trailers(team, "Ana", "HEAD~3") == {"Copydesk-Action": "publish", "Copydesk-Items": "1",
                                                "Copydesk-Source": "window"}
    assert trailers(team, "Ana", "HEAD~2") == {"Copydesk-Action": "publish", "Copydesk-Items": "3",
                                                "Copydesk-Batch": "batch-7", "Copydesk-Source": "bulk",
                                                "Copydesk-Reason": "duplicate"}
    assert files_of(team, "Ana", "HEAD~2") == ["desk/.copydesk/log/Ana.jsonl", "desk/news/a2.md",
                                               "desk/news/a3.md", "desk/news/a4.md"]
    assert trailers(team, "Ana", "HEAD")["Copydesk-Source"] == "undo"  # undo: a new commit, nothing rewritten
    assert files_of(team, "Ana", "HEAD") == ["desk/.copydesk/log/Ana.jsonl", "desk/seed.txt"]
    assert team.git("Ana", "status", "--porcelain") == ""  # every decision is committed, the index agrees
    logged = team.git("Ana", "show", "HEAD:desk/.copydesk/log/Ana.jsonl").splitlines()
    assert len(logged) == 6  # the audit lines travel with the commits: 1 + 3 + 1 + 1


def test_the_subjects_read_as_decisions(team: Team) -> None:
    team.decide("Ana", "news/a1.md", {"published": True})
    team.decide("Ana", ["news/a2.md", "news/a3.md"], {"published": True}, source="bulk", reason="duplicate")
    team.decide("Ana", "news/a4.md", {"quality": 60})
    subjects = team.git("Ana", "log", "-3", "--format=%s").splitlines()
    assert subjects == ['Quality 54 -> 60 on "Article 4"', "Publish 2 articles: duplicate", 'Publish "Article 1"']


def test_an_unrelated_dirty_file_and_staged_changes_stay_as_they_were(team: Team) -> None:
    desk = team.desk("Ana")
    (desk / "news" / "a5.md").write_bytes(team.read("Ana", "news/a5.md") + b"An editor's own unsaved line.\n")
    (desk / "notes.txt").write_text("untracked notes\n")
    (desk / ".copydesk" / "reasons.txt").write_text("duplicate\noff-topic\nstaged reason\n")
    team.git("Ana", "add", "desk/.copydesk/reasons.txt")
    dirty = (desk / "news" / "a5.md").read_bytes()
    stamp = os.stat(desk / "news" / "a5.md").st_mtime_ns
    status_before = team.git("Ana", "status", "--porcelain")
    [outcome], [commit] = team.decide("Ana", "news/a1.md", {"quality": 90})
    assert outcome.status == "written" and commit is not None
    assert files_of(team, "Ana", "HEAD") == ["desk/.copydesk/log/Ana.jsonl", "desk/news/a1.md"]
    assert (desk / "news" / "a5.md").read_bytes() == dirty
    assert os.stat(desk / "news" / "a5.md").st_mtime_ns == stamp  # not even rewritten
    assert team.git("Ana", "status", "--porcelain") == status_before  # a5 dirty, reasons staged, notes untracked
    assert "staged reason" in team.git("Ana", "diff", "--cached")


def test_a_hand_edit_in_the_same_file_is_not_committed_with_the_decision(team: Team) -> None:
    path = team.desk("Ana") / "news" / "a1.md"
    path.write_bytes(path.read_bytes().replace(b'title: "Article 1"', b'title: "Hand-edited"'))
    team.decide("Ana", "news/a1.md", {"published": True})
    committed = team.git("Ana", "show", "HEAD:desk/news/a1.md")
    assert "published: true" in committed and 'title: "Article 1"' in committed  # only the decision
    diff = team.git("Ana", "diff", "--", "desk/news/a1.md")
    assert '+title: "Hand-edited"' in diff and "+published" not in diff and "-published" not in diff


def test_two_quick_decisions_on_one_file_make_two_commits_each_with_its_own_step(team: Team) -> None:
    requests: list[CommitRequest] = []
    recorder = CommitRecorder(requests.append, log_file=team.audits["Ana"].log_for_commit)
    path = str(team.desk("Ana") / "news" / "a1.md")
    for value in (52, 53, 54):  # three + keys before the committer gets to the first
        decide(FileTarget(), Decision.one(path, {"quality": value}), recorders=[team.audits["Ana"], recorder])
    repo = team.repo("Ana")
    for request in requests:
        assert commit_request(repo, request) is not None
    for back, (old, new) in enumerate(((53, 54), (52, 53), (51, 52))):
        diff = team.git("Ana", "show", "--format=", f"HEAD~{back}", "--", "desk/news/a1.md")
        assert f"-quality: {old}\n+quality: {new}\n" in diff
        # ... and exactly its own audit line, though all three were on disk before the first commit
        log = team.git("Ana", "show", "--format=", f"HEAD~{back}", "--", "desk/.copydesk/log/Ana.jsonl")
        added = [line for line in log.splitlines() if line.startswith("+{")]
        assert len(added) == 1 and f'"new": {new}' in added[0]


def test_a_repository_mid_rebase_is_left_alone(team: Team) -> None:
    team.decide("Ana", "news/a1.md", {"quality": 70})
    assert team.sync("Ana").state == "synced"
    path = team.desk("Ben") / "news" / "a1.md"
    path.write_bytes(path.read_bytes().replace(b"quality: 51", b"quality: 20"))
    team.git("Ben", "commit", "-qam", "a hand commit")
    team.git("Ben", "config", "--remove-section", "merge.copydesk")  # a plain line conflict, by git itself
    subprocess.run(["git", "pull", "--rebase", "--quiet"], cwd=team.clone("Ben"), capture_output=True,
                   stdin=subprocess.DEVNULL)
    rebase = team.clone("Ben") / ".git" / "rebase-merge"
    assert rebase.is_dir()
    head, files = team.git("Ben", "rev-parse", "HEAD"), path.read_bytes()
    assert b"<<<<<<<" in files  # git's own markers, from git's own rebase: not Copydesk's doing
    status = team.git("Ben", "status", "--porcelain")
    result = team.sync("Ben")
    assert result.state == "blocked" and "middle of a rebase that Copydesk did not start" in result.message
    assert "git rebase --continue" in result.message
    with pytest.raises(NotCommitted, match="middle of a rebase"):
        commit_request(team.repo("Ben"), CommitRequest(team.desk("Ben"), (), "x\n", 0.0))
    assert rebase.is_dir() and team.git("Ben", "rev-parse", "HEAD") == head and path.read_bytes() == files
    assert team.git("Ben", "status", "--porcelain") == status


def test_a_detached_head_is_left_alone(team: Team) -> None:
    team.git("Ana", "checkout", "--quiet", "--detach", "HEAD")
    result = team.sync("Ana")
    assert result.state == "blocked" and "detached HEAD" in result.message
    with pytest.raises(NotCommitted, match="detached HEAD"):
        team.decide("Ana", "news/a1.md", {"published": True})
    assert b"published: true" in team.read("Ana", "news/a1.md")  # the decision itself stands on disk


def test_team_features_can_be_turned_off_per_repository(team: Team) -> None:
    team.git("Ana", "config", "copydesk.team", "false")
    with pytest.raises(NotTeamQueue, match="team features are off"):
        TeamRepo.open(team.desk("Ana"))


def test_a_commit_made_by_hand_meanwhile_is_built_upon(team: Team) -> None:
    requests: list[CommitRequest] = []
    decide(FileTarget(), Decision.one(str(team.desk("Ana") / "news" / "a1.md"), {"quality": 77}),
           recorders=[team.audits["Ana"], CommitRecorder(requests.append, log_file=team.audits["Ana"].log_for_commit)])
    (team.desk("Ana") / "hand.txt").write_text("by hand\n")
    team.git("Ana", "add", "desk/hand.txt")
    team.git("Ana", "commit", "-qm", "by hand")  # between the decision and its commit
    [request] = requests
    commit_request(team.repo("Ana"), request)
    assert team.git("Ana", "log", "-2", "--format=%s").splitlines() == ['Quality 51 -> 77 on "Article 1"', "by hand"]
    assert team.git("Ana", "status", "--porcelain") == ""


def test_what_the_repository_ignores_is_never_made_tracked(team: Team) -> None:
    with (team.desk("Ana") / ".gitignore").open("a") as handle:
        handle.write(".copydesk/log/\n")  # this desk keeps its audit logs to itself
    team.git("Ana", "commit", "-qam", "keep logs local")
    team.decide("Ana", "news/a1.md", {"published": True})
    assert files_of(team, "Ana", "HEAD") == ["desk/news/a1.md"]
    assert (team.desk("Ana") / ".copydesk" / "log" / "Ana.jsonl").exists()
    assert team.git("Ana", "ls-files", "desk/.copydesk/log") == ""
