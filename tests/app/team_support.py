"""Team tests' ground: a bare repository in tmp_path and clones as editors, all local.

Every team test runs with its own git configuration (`isolated_git`): HOME,
GIT_CONFIG_GLOBAL and GIT_CONFIG_NOSYSTEM point into tmp_path, git never
looks above tmp_path for a repository (GIT_CEILING_DIRECTORIES), and the
variables that would steer git elsewhere are unset. So neither a developer's
nor CI's git config leaks in, and the project's own repository (this
checkout is itself a git worktree) is never touched.
"""
from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from app.decisions import Change, Decision, FileTarget, Outcome, decide
from app.audit.recorder import AuditRecorder
from app.audit.trail import AuditTrail
from app.team.commits import CommitRecorder, CommitRequest, commit_request
from app.team.repo import TeamRepo
from app.team.setup import ensure_registered, init_team
from app.team.sync import SyncResult, sync
from tests.app.queue_support import SEED, article

STEERING = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES",
            "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_AUTHOR_DATE", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL",
            "GIT_COMMITTER_DATE", "GIT_NAMESPACE", "GIT_CONFIG", "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT",
            "COPYDESK_EDITOR", "COPYDESK_EMAIL", "EMAIL")


def isolate_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    config = home / ".gitconfig"
    config.write_text("[init]\n\tdefaultBranch = main\n[user]\n\tname = Desk Setup\n\temail = setup@desk.example\n"
                      "[advice]\n\tdetachedHead = false\n")
    for name in STEERING:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))


def git(cwd: Path, *args: str, check: bool = True, input: str | None = None) -> str:
    out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False, input=input,
                         stdin=None if input is not None else subprocess.DEVNULL)
    if check and out.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed ({out.returncode}): {out.stderr}")
    return out.stdout


def seed_articles() -> dict[str, bytes]:
    """The queue every team test starts from: the seed article and a few small ones."""
    files = {"seed.txt": SEED.read_bytes()}
    for n in range(1, 6):
        files[f"news/a{n}.md"] = article(f"Article {n}", quality=50 + n, published=False,
                                         extra=f"Body of article {n}.\n\nSecond paragraph.\n").encode()
    files[".copydesk/reasons.txt"] = b"duplicate\noff-topic\n"
    return files


class Team:
    """A remote and one clone per editor; the queue is the `desk/` folder of each clone."""

    def __init__(self, root: Path, editors: Sequence[str] = ("Ana", "Ben"),
                 files: Mapping[str, bytes] | None = None) -> None:
        self.root = root
        self.remote = root / "remote.git"
        git(root, "init", "--quiet", "--bare", str(self.remote))
        first = root / editors[0] / "desk"
        for relpath, data in (files or seed_articles()).items():
            (first / relpath).parent.mkdir(parents=True, exist_ok=True)
            (first / relpath).write_bytes(data)
        git(root, "init", "--quiet", str(root / editors[0]))
        self._identify(editors[0])
        init_team(first, str(self.remote))
        for editor in editors[1:]:  # joining editors: a clone, and the queue opened once (registration)
            git(root, "clone", "--quiet", str(self.remote), str(root / editor))
            self._identify(editor)
            ensure_registered(self.repo(editor))
        self.audits = {editor: AuditRecorder(editor) for editor in editors}

    def _identify(self, editor: str) -> None:
        git(self.clone(editor), "config", "user.name", editor)
        git(self.clone(editor), "config", "user.email", self.email(editor))

    @staticmethod
    def email(editor: str) -> str:
        return f"{editor.lower()}@desk.example"

    def clone(self, editor: str) -> Path:
        return self.root / editor

    def desk(self, editor: str) -> Path:
        return self.root / editor / "desk"

    def repo(self, editor: str) -> TeamRepo:
        return TeamRepo.open(self.desk(editor))

    def git(self, editor: str, *args: str, **kwargs: Any) -> str:
        return git(self.clone(editor), *args, **kwargs)

    def decide(self, editor: str, relpaths: str | Sequence[str], values: Mapping[str, Any], **options: Any
               ) -> tuple[list[Outcome], list[str | None]]:
        """Decide as `editor` (the audit log, then a commit per decision, at once)."""
        names = [relpaths] if isinstance(relpaths, str) else list(relpaths)
        requests: list[CommitRequest] = []
        decision = Decision(tuple(Change(str(self.desk(editor) / n), dict(values)) for n in names), **options)
        outcomes = decide(FileTarget(), decision,
                          recorders=[self.audits[editor],
                                     CommitRecorder(requests.append, log_file=self.audits[editor].log_for_commit)])
        repo = self.repo(editor)
        return outcomes, [commit_request(repo, request) for request in requests]

    def sync(self, editor: str) -> SyncResult:
        return sync(self.repo(editor))

    def read(self, editor: str, relpath: str) -> bytes:
        return (self.desk(editor) / relpath).read_bytes()


def read_log_lines(folder: Path) -> list[dict[str, Any]]:
    """Every line of every editor's log under a queue folder (as `copydesk log --json` prints them)."""
    trail = AuditTrail(folder)
    trail.refresh(None)
    return [entry.to_json() for entry in trail.entries()]
