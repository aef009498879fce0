"""The team commands as an editor runs them: team init, set, sync, resolve, claims, merge-driver."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.app.queue_support import article
from tests.app.team_support import git, isolate_git

ROOT = Path(__file__).resolve().parents[2]


def copydesk(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, stdin=subprocess.DEVNULL)


@pytest.fixture
def desks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, Path]:
    """(remote, Ana's desk, Ben's desk): set up with `copydesk team init` only."""
    isolate_git(tmp_path, monkeypatch)
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "--quiet", "--bare", str(remote))
    ana = tmp_path / "ana"
    ana.mkdir()
    for n in (1, 2, 3):
        (ana / f"a{n}.md").write_text(article(f"Article {n}", quality=50 + n, extra="Body.\n"))
    (ana / '"Quoted" title.md').write_text(article("Quoted", quality=5))  # fast-import quotes this name
    out = copydesk("team", "init", str(ana), "--remote", str(remote))
    assert out.returncode == 0, out.stderr
    assert "made" in out.stdout and "pushed branch main" in out.stdout
    git(ana, "config", "user.name", "Ana")
    git(ana, "config", "user.email", "ana@desk.example")
    ben = tmp_path / "ben"
    out = copydesk("team", "init", str(ben), "--remote", str(remote))
    assert out.returncode == 0 and "cloned" in out.stdout, out.stderr
    git(ben, "config", "user.name", "Ben")
    git(ben, "config", "user.email", "ben@desk.example")
    assert (ben / "a1.md").exists() and (ben / ".gitattributes").read_text().count("merge=copydesk") == 5
    assert git(ben, "config", "merge.copydesk.driver").strip().endswith("merge-driver %O %A %B %P")
    return remote, ana, ben


def test_set_commits_and_sync_shares(desks: tuple[Path, Path, Path]) -> None:
    _, ana, ben = desks
    out = copydesk("set", "--published", "true", str(ana / "a1.md"), str(ana / "a2.md"))
    assert out.returncode == 0, out.stderr
    assert git(ana, "log", "-1", "--format=%an|%s|%(trailers:key=Copydesk-Source,valueonly)").strip() == \
        "Ana|Publish 2 articles|cli"
    assert copydesk("team", "status", str(ana)).stdout.strip() == "1 decision not yet shared"
    out = copydesk("sync", str(ana))
    assert out.returncode == 0 and out.stdout.strip() == "shared 1 commit", out.stderr
    quoted = ben / '"Quoted" title.md'
    assert copydesk("set", "--quality", "6", str(quoted)).returncode == 0  # replayed onto Ana's by Ben's sync
    out = copydesk("sync", str(ben), "--json")
    record = json.loads(out.stdout)
    assert out.returncode == 0 and record["state"] == "synced" and record["received"] == 1 and record["sent"] == 1
    assert "a1.md" in record["incoming"] and "published: true" in (ben / "a1.md").read_text()
    assert copydesk("sync", str(ana)).returncode == 0
    assert "quality: 6\n" in (ana / '"Quoted" title.md').read_text()
    assert git(ana, "log", "-1", "--format=%an|%s").strip() == 'Ben|Quality 5 -> 6 on "Quoted"'


def test_sync_reports_a_conflict_with_exit_1_and_resolve_settles_it(desks: tuple[Path, Path, Path]) -> None:
    _, ana, ben = desks
    assert copydesk("set", "--quality", "90", str(ana / "a3.md")).returncode == 0
    assert copydesk("set", "--quality", "10", str(ben / "a3.md")).returncode == 0
    assert copydesk("sync", str(ana)).returncode == 0
    before = (ben / "a3.md").read_bytes()
    out = copydesk("sync", str(ben))
    assert out.returncode == 1
    assert out.stdout.strip() == "a3.md: quality: mine 10 (Ben <ben@desk.example>), theirs 90 (Ana <ana@desk.example>)"
    assert "copydesk resolve" in out.stderr and (ben / "a3.md").read_bytes() == before
    status = json.loads(copydesk("team", "status", str(ben), "--json").stdout)
    assert status["conflicts"][0]["path"] == "a3.md" and status["conflicts"][0]["theirs"] == 90
    out = copydesk("resolve", str(ben), "a3.md", "--take", "mine")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0] == "a3.md: quality: keeping mine"
    assert copydesk("sync", str(ana)).returncode == 0
    assert "quality: 10\n" in (ana / "a3.md").read_text() == (ben / "a3.md").read_text()
    out = copydesk("resolve", str(ben), "a3.md", "--take", "mine")
    assert out.returncode == 1 and "no conflict recorded" in out.stderr


def test_claim_claims_and_release(desks: tuple[Path, Path, Path]) -> None:
    _, ana, ben = desks
    out = copydesk("claim", str(ana), "a1.md", "a2.md")
    assert out.returncode == 0 and out.stdout.count("claimed until") == 2, out.stderr
    out = copydesk("claim", str(ben), "a2.md", "a3.md")
    assert out.returncode == 1
    assert "a2.md: claimed by Ana <ana@desk.example>" in out.stderr and "a3.md: claimed until" in out.stdout
    listed = json.loads(copydesk("claims", str(ben), "--json").stdout)
    assert [(c["path"], c["editor"], c["mine"], c["tentative"]) for c in listed] == [
        ("a1.md", "Ana", False, False), ("a2.md", "Ana", False, False), ("a3.md", "Ben", True, False)]
    assert listed[0]["until"].endswith("Z") and len(listed[0]["id"]) == 32
    out = copydesk("release", str(ben), "a1.md")
    assert out.returncode == 1 and "only they can release it" in out.stderr
    assert copydesk("release", str(ana), "a1.md", "a2.md").returncode == 0
    assert [c["path"] for c in json.loads(copydesk("claims", str(ana), "--json").stdout)] == ["a3.md"]


def test_the_merge_driver_command(tmp_path: Path) -> None:
    base = tmp_path / "base"
    ours = tmp_path / "ours"
    theirs = tmp_path / "theirs"
    text = article("T", quality=50, published=False)
    base.write_text(text)
    ours.write_text(text.replace("quality: 50", "quality: 60"))
    theirs.write_text(text.replace("published: false", "published: true"))
    out = copydesk("merge-driver", str(base), str(ours), str(theirs), "desk/t.md")
    assert out.returncode == 0, out.stderr
    assert ours.read_text() == text.replace("quality: 50", "quality: 60").replace("published: false",
                                                                                 "published: true")
    theirs.write_text(text.replace("quality: 50", "quality: 40"))
    before = ours.read_bytes()
    out = copydesk("merge-driver", str(base), str(ours), str(theirs), "desk/t.md")
    assert out.returncode == 1 and "quality: ours 60, theirs 40" in out.stderr
    assert ours.read_bytes() == before  # left as it was: no markers, no half merge


def test_without_git_everything_but_team_features_works(desks: tuple[Path, Path, Path]) -> None:
    _, ana, _ = desks
    assert not Path(sys.executable).with_name("git").exists()
    no_git = {**os.environ, "PATH": str(Path(sys.executable).parent)}  # python, and no git
    out = copydesk("set", "--quality", "77", str(ana / "a1.md"), str(ana / "a2.md"), env=no_git)
    assert out.returncode == 0 and "quality: 77" in (ana / "a1.md").read_text()
    assert out.stderr.count("team features unavailable: git is not installed") == 1
    out = copydesk("sync", str(ana), env=no_git)
    assert out.returncode == 1 and "team features unavailable: git is not installed" in out.stderr
    out = copydesk("list", str(ana), "--json", env=no_git)
    assert out.returncode == 0 and len(json.loads(out.stdout)) == 4


def test_team_init_refuses_to_mix_a_full_folder_with_a_full_remote(desks: tuple[Path, Path, Path],
                                                                  tmp_path: Path) -> None:
    remote, _, _ = desks
    other = tmp_path / "other"
    other.mkdir()
    (other / "x.md").write_text(article("X"))
    out = copydesk("team", "init", str(other), "--remote", str(remote))
    assert out.returncode == 1 and "already holds a queue" in out.stderr
    assert not (other / ".git").exists()
    out = copydesk("sync", str(other))
    assert out.returncode == 1 and "not in a git working copy" in out.stderr
