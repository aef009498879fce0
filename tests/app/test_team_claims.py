"""Claims as refs on the remote: a race has one winner, expiry, offline tentative claims, release."""
from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from app.team.claims import (
    LOCAL,
    ClaimOutcome,
    article_id,
    claim,
    clean_expired,
    list_claims,
    push_tentative,
    refresh,
    release,
)
from app.team.repo import Identity
from app.team.sync import sync
from tests.app.team_support import Team, git, isolate_git


@pytest.fixture
def team(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Team:
    isolate_git(tmp_path, monkeypatch)
    return Team(tmp_path, ("Ana", "Ben", "Cy"))


def who(team: Team, editor: str) -> Identity:
    return Identity(editor, team.email(editor))


def remote_claims(team: Team) -> dict[str, str]:
    out = git(team.root, "--git-dir", str(team.remote), "for-each-ref", "--format=%(refname) %(authorname)", LOCAL)
    return dict(line.split(" ", 1) for line in out.splitlines())


def test_a_claim_race_between_clones_has_exactly_one_winner(team: Team) -> None:
    paths = [f"desk/news/a{n}.md" for n in range(1, 6)]
    editors = ("Ana", "Ben", "Cy")
    results: dict[str, list[ClaimOutcome]] = {}
    start = threading.Barrier(len(editors))

    def race(editor: str) -> None:
        repo = team.repo(editor)
        start.wait()
        results[editor] = claim(repo, paths, who(team, editor))  # each its own clone and process tree

    threads = [threading.Thread(target=race, args=(e,)) for e in editors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    on_remote = remote_claims(team)
    for path in paths:
        statuses = {e: next(o for o in results[e] if o.path == path).status for e in editors}
        winners = [e for e, status in statuses.items() if status == "claimed"]
        assert len(winners) == 1, statuses
        assert sorted(statuses.values()) == ["claimed", "taken", "taken"]
        assert on_remote[LOCAL + article_id(path)] == winners[0]
        loser = next(e for e in editors if e != winners[0])
        lost = next(o for o in results[loser] if o.path == path)
        assert f"claimed by {winners[0]} <{team.email(winners[0])}>" in lost.message
        assert lost.claim is not None and lost.claim.editor == winners[0]
        assert not (team.clone(loser) / ".git" / LOCAL / article_id(path)).exists()  # no stale local claim


def test_claims_are_listed_renewed_and_released(team: Team) -> None:
    [first] = claim(team.repo("Ana"), ["desk/news/a1.md"], who(team, "Ana"), minutes=30)
    assert first.status == "claimed" and first.claim is not None
    until = first.claim.until
    assert 29 * 60 < until - time.time() <= 30 * 60
    refresh(team.repo("Ben"))
    [seen] = list_claims(team.repo("Ben"), who(team, "Ben"))
    assert (seen.path, seen.editor, seen.email, seen.mine, seen.tentative) == \
        ("desk/news/a1.md", "Ana", "ana@desk.example", False, False)
    assert seen.until == until
    [denied] = release(team.repo("Ben"), ["desk/news/a1.md"], who(team, "Ben"))
    assert denied.status == "not yours" and "claimed by Ana" in denied.message
    [renewed] = claim(team.repo("Ana"), ["desk/news/a1.md"], who(team, "Ana"), minutes=60)
    assert renewed.status == "renewed" and renewed.claim is not None and renewed.claim.until > until
    [gone] = release(team.repo("Ana"), ["desk/news/a1.md"], who(team, "Ana"))
    assert gone.status == "released" and remote_claims(team) == {}
    [taken] = claim(team.repo("Ben"), ["desk/news/a1.md"], who(team, "Ben"))
    assert taken.status == "claimed"


def test_an_expired_claim_is_ignored_taken_over_and_cleaned_up(team: Team) -> None:
    an_hour_ago = time.time() - 3600
    [old] = claim(team.repo("Ana"), ["desk/news/a2.md"], who(team, "Ana"), minutes=30, now=an_hour_ago)
    assert old.status == "claimed" and old.claim is not None and old.claim.expired()
    refresh(team.repo("Ben"))
    assert list_claims(team.repo("Ben"), who(team, "Ben")) == []  # expired: ignored
    assert len(list_claims(team.repo("Ben"), who(team, "Ben"), include_expired=True)) == 1
    [mine] = claim(team.repo("Ben"), ["desk/news/a2.md"], who(team, "Ben"))
    assert mine.status == "claimed" and remote_claims(team) == {LOCAL + article_id("desk/news/a2.md"): "Ben"}
    [stale] = claim(team.repo("Cy"), ["desk/news/a3.md"], who(team, "Cy"), now=an_hour_ago)
    assert stale.status == "claimed"
    refresh(team.repo("Ana"))
    assert clean_expired(team.repo("Ana"), who(team, "Ana")) == 1  # Cy's, seen by Ana: removed
    assert remote_claims(team) == {LOCAL + article_id("desk/news/a2.md"): "Ben"}


def test_offline_a_claim_is_tentative_until_a_sync_shares_it(team: Team) -> None:
    away = team.remote.with_name("away.git")
    team.remote.rename(away)
    [tentative] = claim(team.repo("Ana"), ["desk/news/a4.md", "desk/news/a5.md"], who(team, "Ana"))[:1]
    assert tentative.status == "tentative" and "cannot be reached" in tentative.message
    listed = list_claims(team.repo("Ana"), who(team, "Ana"))
    assert [(c.path, c.tentative, c.mine) for c in listed] == [("desk/news/a4.md", True, True),
                                                              ("desk/news/a5.md", True, True)]
    away.rename(team.remote)
    [won] = claim(team.repo("Ben"), ["desk/news/a5.md"], who(team, "Ben"))  # Ben gets a5 first, online
    assert won.status == "claimed"
    repo = team.repo("Ana")
    outcomes: list[ClaimOutcome] = []
    result = sync(repo, after_fetch=lambda: outcomes.extend(push_tentative(repo, who(team, "Ana"))))
    assert result.ok
    assert remote_claims(team) == {LOCAL + article_id("desk/news/a4.md"): "Ana",
                                   LOCAL + article_id("desk/news/a5.md"): "Ben"}
    dropped = [o for o in outcomes if o.path == "desk/news/a5.md"]
    assert dropped and dropped[0].status == "taken" and "dropped" in dropped[0].message
    listed = list_claims(team.repo("Ana"), who(team, "Ana"))
    assert [(c.path, c.editor, c.tentative) for c in listed] == [("desk/news/a4.md", "Ana", False),
                                                                ("desk/news/a5.md", "Ben", False)]


def test_the_article_id_is_a_hash_of_the_repository_path() -> None:
    import hashlib

    assert article_id("desk/news/a1.md") == hashlib.sha256(b"desk/news/a1.md").hexdigest()[:32]
    assert article_id("desk/caf\u00e9.md") != article_id("desk/cafe.md")
