"""Sync between editors' clones: both decisions kept, real conflicts reported and settled, offline waits."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.team.sync import count_unshared, load_conflicts, resolve
from tests.app.team_support import Team, isolate_git, read_log_lines


@pytest.fixture
def team(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Team:
    isolate_git(tmp_path, monkeypatch)
    return Team(tmp_path, ("Ana", "Ben", "Cy"))


def test_different_fields_of_one_article_are_both_kept(team: Team) -> None:
    team.decide("Ana", "seed.txt", {"quality": 60})
    team.decide("Ben", "seed.txt", {"published": True})  # two lines below `quality:`
    assert team.sync("Ana").state == "synced"
    result = team.sync("Ben")
    assert result.state == "synced" and not result.conflicts
    assert "desk/seed.txt" in result.incoming
    assert team.sync("Ana").state == "synced" and team.sync("Cy").state == "synced"
    for editor in ("Ana", "Ben", "Cy"):
        text = team.read(editor, "seed.txt")
        assert b"quality: 60\n" in text and b"published: true\n" in text and b"<<<<<<<" not in text
    expected = team.read("Ana", "seed.txt")
    assert team.read("Ben", "seed.txt") == team.read("Cy", "seed.txt") == expected
    # Only those two lines differ from the original: every other byte is the seed's.
    original = Path(__file__).resolve().parents[1] / "fixtures" / "seed-article.txt"
    assert expected == original.read_bytes().replace(b"quality: 57", b"quality: 60").replace(
        b"published: false", b"published: true")
    authors = team.git("Cy", "log", "--format=%an|%(trailers:key=Copydesk-Action,valueonly)", "-2",
                       "--", "desk/seed.txt").split()
    assert authors == ["Ben|publish", "Ana|quality"]  # each commit is its editor's
    assert team.git("Cy", "status", "--porcelain") == ""


def test_the_same_value_on_both_sides_is_no_conflict(team: Team) -> None:
    team.decide("Ana", "news/a1.md", {"published": True})
    team.decide("Ben", "news/a1.md", {"published": True})
    assert team.sync("Ana").state == "synced"
    result = team.sync("Ben")
    assert result.state == "synced" and not result.conflicts
    assert team.sync("Ana").state == "synced"
    assert team.read("Ana", "news/a1.md") == team.read("Ben", "news/a1.md")
    lines = read_log_lines(team.desk("Ana"))
    assert sorted(line["editor"] for line in lines) == ["Ana", "Ben"]  # both decisions are in the logs
    both = team.git("Ana", "log", "--format=%an", "--grep=^Publish \"Article 1\"$").split()
    assert sorted(both) == ["Ana", "Ben"]  # and each is a commit, though the second changed no article byte


def test_a_real_conflict_is_reported_changes_nothing_and_resolution_completes_the_sync(team: Team) -> None:
    team.decide("Ana", "news/a2.md", {"quality": 80})
    team.decide("Ben", "news/a2.md", {"quality": 20})
    team.decide("Ben", "news/a3.md", {"published": True})  # a clean change travelling with the conflict
    assert team.sync("Ana").state == "synced"
    head, files = team.git("Ben", "rev-parse", "HEAD"), team.read("Ben", "news/a2.md")
    status = team.git("Ben", "status", "--porcelain")
    result = team.sync("Ben")
    assert result.state == "conflicts" and not result.ok
    [conflict] = result.conflicts
    assert (conflict.path, conflict.field, conflict.mine, conflict.theirs, conflict.base) == \
        ("desk/news/a2.md", "quality", 20, 80, 52)
    assert conflict.mine_by == "Ben <ben@desk.example>" and conflict.theirs_by == "Ana <ana@desk.example>"
    assert conflict.describe() == "quality: mine 20 (Ben <ben@desk.example>), theirs 80 (Ana <ana@desk.example>)"
    # Rolled back to where it started: the same commit, the same bytes, no markers; the remote's commits fetched.
    assert team.git("Ben", "rev-parse", "HEAD") == head and team.read("Ben", "news/a2.md") == files
    assert b"<<<<<<<" not in files and b"quality: 20\n" in files
    assert team.git("Ben", "status", "--porcelain") == status
    assert team.git("Ben", "rev-parse", "origin/main") == team.git("Ana", "rev-parse", "HEAD")
    assert load_conflicts(team.repo("Ben")) == [conflict]  # known to a later `copydesk resolve` too
    assert count_unshared(team.repo("Ben")) == 2

    resolve(team.repo("Ben"), "desk/news/a2.md", "theirs")
    result = team.sync("Ben")
    assert result.state == "synced" and not load_conflicts(team.repo("Ben"))
    assert b"quality: 80\n" in team.read("Ben", "news/a2.md") and b"published: true" in team.read("Ben", "news/a3.md")
    assert team.sync("Ana").state == "synced"
    assert team.read("Ana", "news/a2.md") == team.read("Ben", "news/a2.md")
    # Nothing lost: Ben's decision is still a commit (saying what was chosen) and a log line.
    message = team.git("Ana", "log", "-1", "--format=%B", "--author=Ben", "--grep=Quality 52 -> 20")
    assert message.startswith('Quality 52 -> 20 on "Article 2"')  # it now changes only Ben's log
    assert "Copydesk-Resolved: desk/news/a2.md quality: kept theirs (80)" in message
    logged = {(line["editor"], line["path"], line["new"]) for line in read_log_lines(team.desk("Ana"))}
    assert {("Ana", "news/a2.md", 80), ("Ben", "news/a2.md", 20), ("Ben", "news/a3.md", True)} <= logged


def test_taking_mine_keeps_the_local_value_everywhere(team: Team) -> None:
    team.decide("Ana", "news/a2.md", {"published": True})
    team.decide("Ben", "news/a2.md", {"quality": 20})
    team.decide("Ana", "news/a2.md", {"quality": 80})
    assert team.sync("Ana").state == "synced"
    assert team.sync("Ben").state == "conflicts"
    [settled] = resolve(team.repo("Ben"), "desk/news/a2.md", "mine", "quality")
    assert settled.field == "quality"
    assert team.sync("Ben").state == "synced" and team.sync("Ana").state == "synced"
    for editor in ("Ana", "Ben"):
        text = team.read(editor, "news/a2.md")
        assert b"quality: 20\n" in text and b"published: true\n" in text  # mine kept, theirs' other field too


def test_resolving_something_that_is_not_a_conflict_says_so(team: Team) -> None:
    with pytest.raises(LookupError, match="the last sync met none"):
        resolve(team.repo("Ana"), "desk/news/a1.md", "mine")


def test_a_decision_while_the_remote_is_unreachable_is_shared_later(team: Team) -> None:
    away = team.remote.with_name("remote-away.git")
    team.remote.rename(away)
    team.decide("Ana", "news/a4.md", {"quality": 99})
    result = team.sync("Ana")
    assert result.state == "offline" and "cannot reach origin" in result.message
    assert result.unshared == 1 and count_unshared(team.repo("Ana")) == 1
    assert b"quality: 99" in team.read("Ana", "news/a4.md")  # the decision stands, committed, waiting
    away.rename(team.remote)
    result = team.sync("Ana")
    assert result.state == "synced" and result.sent == 1 and count_unshared(team.repo("Ana")) == 0
    assert team.sync("Cy").state == "synced" and b"quality: 99" in team.read("Cy", "news/a4.md")


def test_an_unrelated_dirty_file_is_left_alone_by_a_sync(team: Team) -> None:
    desk = team.desk("Ben")
    dirty = team.read("Ben", "news/a5.md") + b"Ben's unsaved notes.\n"
    (desk / "news" / "a5.md").write_bytes(dirty)
    (desk / "scratch.txt").write_text("untracked\n")
    team.decide("Ana", "news/a1.md", {"published": True})
    assert team.sync("Ana").state == "synced"
    team.decide("Ben", "news/a2.md", {"quality": 10})
    result = team.sync("Ben")
    assert result.state == "synced"
    assert b"published: true" in team.read("Ben", "news/a1.md")
    assert team.read("Ben", "news/a5.md") == dirty and (desk / "scratch.txt").read_text() == "untracked\n"
    assert sorted(team.git("Ben", "status", "--porcelain").splitlines()) == [" M desk/news/a5.md",
                                                                            "?? desk/scratch.txt"]


def test_an_incoming_change_to_a_file_with_uncommitted_edits_stops_safely(team: Team) -> None:
    team.decide("Ana", "news/a5.md", {"quality": 1})
    assert team.sync("Ana").state == "synced"
    dirty = team.read("Ben", "news/a5.md").replace(b"Second paragraph.", b"Ben is rewriting this.")
    (team.desk("Ben") / "news" / "a5.md").write_bytes(dirty)
    team.decide("Ben", "news/a1.md", {"quality": 2})
    head = team.git("Ben", "rev-parse", "HEAD")
    result = team.sync("Ben")
    assert result.state == "failed" and "desk/news/a5.md" in result.message and "uncommitted" in result.message
    assert team.read("Ben", "news/a5.md") == dirty and team.git("Ben", "rev-parse", "HEAD") == head
    team.git("Ben", "checkout", "--", "desk/news/a5.md")  # the editor drops the hand edit
    assert team.sync("Ben").state == "synced" and b"quality: 1\n" in team.read("Ben", "news/a5.md")


def test_many_rounds_converge_with_every_log_line(team: Team) -> None:
    plan: list[tuple[str, str, dict[str, Any]]] = [
            ("Ana", "news/a1.md", {"quality": 61}), ("Ben", "news/a1.md", {"published": True}),
            ("Cy", "news/a2.md", {"quality": 62}), ("Ana", "news/a3.md", {"published": True}),
            ("Ben", "news/a2.md", {"published": True}), ("Cy", "seed.txt", {"quality": 10}),
            ("Ana", "seed.txt", {"published": True})]
    for editor, relpath, values in plan:
        team.decide(editor, relpath, values)
    for _ in range(2):
        for editor in ("Ana", "Ben", "Cy"):
            assert team.sync(editor).state == "synced"
    heads = {team.git(e, "rev-parse", "HEAD") for e in ("Ana", "Ben", "Cy")}
    assert len(heads) == 1
    lines = read_log_lines(team.desk("Cy"))
    assert sorted((line["editor"], line["path"], json.dumps(line["new"])) for line in lines) == sorted(
        (e, r, json.dumps(next(iter(v.values())))) for e, r, v in plan)
