"""The git working copy a queue folder lives in: whether it is a team queue,
whether git may be touched right now, and who the editor is.

A queue folder inside a git working copy is a team queue, unless the
repository says `git config copydesk.team false`. Copydesk leaves a
repository alone, with a message saying why, while it is in the middle of a
merge, rebase, cherry-pick, revert or bisect that Copydesk did not start (it
never starts one: its sync works on objects and moves the branch only when
the result is complete), and while HEAD is detached.

Cross-process rule: every change Copydesk makes to a repository (a decision
commit, a sync, a claim) happens under `TeamRepo.locked()`, an flock on
`<git dir>/copydesk/lock`, so a window and a `copydesk sync` in a terminal
take turns. Within a process the serial git worker (`app.team.worker`)
already keeps them in order.

Blocking (it runs git): call from a worker thread.
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import getpass
import hashlib
import os
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from app.team.git import Git, GitError, unavailable_reason

LOCK_TIMEOUT_S = 180.0  # a sync holds the lock through a push: up to a network timeout and then some
# Operations of git's own that leave a repository half-way, and how to get out of each.
_IN_PROGRESS = (
    ("rebase-merge", "a rebase", "git rebase --continue, or git rebase --abort"),
    ("rebase-apply", "a rebase or git am", "git rebase --continue / git am --continue, or --abort"),
    ("MERGE_HEAD", "a merge", "git merge --continue, or git merge --abort"),
    ("CHERRY_PICK_HEAD", "a cherry-pick", "git cherry-pick --continue, or --abort"),
    ("REVERT_HEAD", "a revert", "git revert --continue, or --abort"),
    ("BISECT_LOG", "a bisect", "git bisect reset"),
)


class NotTeamQueue(Exception):
    """The folder is not (or may not be used as) a team queue; the message says why."""


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a commit or a claim is by."""

    name: str
    email: str

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    @property
    def env(self) -> dict[str, str]:
        """Author and committer both: the editor made the decision and the commit."""
        return {"GIT_AUTHOR_NAME": self.name, "GIT_AUTHOR_EMAIL": self.email,
                "GIT_COMMITTER_NAME": self.name, "GIT_COMMITTER_EMAIL": self.email}


class TeamRepo:
    """One queue folder in one git working copy. Cheap to keep; each method runs git."""

    def __init__(self, queue_folder: Path, top: Path, git_dir: Path) -> None:
        self.queue_folder = queue_folder
        self.top = top
        self.git_dir = git_dir
        self.git = Git(top)
        prefix = queue_folder.relative_to(top).as_posix()
        self.prefix = "" if prefix == "." else prefix + "/"  # the queue folder inside the repository
        self._object_format: str | None = None

    @classmethod
    def open(cls, folder: str | os.PathLike[str]) -> TeamRepo:
        """The team queue at `folder`. Raises NotTeamQueue (git missing or too old,
        not in a working copy, a bare repository, `copydesk.team` false)."""
        reason = unavailable_reason()
        if reason is not None:
            raise NotTeamQueue(f"team features unavailable: {reason}")
        queue_folder = Path(folder).resolve()
        if not queue_folder.is_dir():
            raise NotTeamQueue(f"{queue_folder}: not a folder")
        git = Git(queue_folder)
        result = git.run("rev-parse", "--is-bare-repository", "--show-toplevel", "--absolute-git-dir",
                         check=False)
        if result.returncode != 0:
            raise NotTeamQueue(f"{queue_folder} is not in a git working copy")
        lines = result.text.splitlines()
        if len(lines) < 3 or lines[0] == "true":
            raise NotTeamQueue(f"{queue_folder} is inside a bare repository")
        top, git_dir = Path(lines[1]).resolve(), Path(lines[2]).resolve()
        repo = cls(queue_folder, top, git_dir)
        if (git.config("copydesk.team") or "").lower() in ("false", "no", "off", "0"):
            raise NotTeamQueue(f"{top}: team features are off (git config copydesk.team false)")
        return repo

    # --- objects -------------------------------------------------------------

    def blob_id(self, data: bytes) -> str:
        """The id git gives a blob of these bytes (so an unchanged file costs no git call)."""
        if self._object_format is None:
            result = self.git.run("rev-parse", "--show-object-format", check=False)
            self._object_format = result.text.strip() if result.returncode == 0 and result.text.strip() else "sha1"
        return hashlib.new(self._object_format, b"blob %d\0" % len(data) + data).hexdigest()

    # --- where things are ----------------------------------------------------

    def state_path(self, name: str) -> Path:
        """Copydesk's own files in this working copy's git dir (never versioned)."""
        folder = self.git_dir / "copydesk"
        folder.mkdir(exist_ok=True)
        return folder / name

    def repo_path(self, queue_relpath: str) -> str:
        """A queue relpath as the repository names it."""
        return self.prefix + queue_relpath

    def queue_relpath(self, repo_path: str) -> str | None:
        """A repository path as the queue names it (None: outside the queue folder)."""
        if not repo_path.startswith(self.prefix):
            return None
        return repo_path[len(self.prefix):]

    def repo_path_of_file(self, file: str | os.PathLike[str]) -> str:
        """The repository path of a file given as the user gave it (absolute, or relative to the cwd)."""
        absolute = Path(os.path.abspath(file))
        try:
            real = absolute.parent.resolve() / absolute.name  # a symlinked folder, not a symlinked article
            return real.relative_to(self.top).as_posix()
        except ValueError:
            raise NotTeamQueue(f"{file} is not inside {self.top}") from None

    # --- may git be touched now? ------------------------------------------------

    def busy_reason(self) -> str | None:
        """Why Copydesk must leave the repository alone right now, or None."""
        for name, what, way_out in _IN_PROGRESS:
            if (self.git_dir / name).exists():
                return (f"{self.top} is in the middle of {what} that Copydesk did not start; "
                        f"Copydesk leaves it alone until it is finished ({way_out})")
        branch = self.branch()
        if branch is None:
            return (f"{self.top} has a detached HEAD (no branch checked out); Copydesk commits and syncs "
                    "only on a branch: git switch <branch>")
        return None

    def branch(self) -> str | None:
        """The checked-out branch's short name; None for a detached HEAD. Reads .git/HEAD (no process)."""
        try:
            head = (self.git_dir / "HEAD").read_text(encoding="utf-8", errors="surrogateescape").strip()
        except OSError:
            return None
        if not head.startswith("ref: refs/heads/"):
            return None
        return head[len("ref: refs/heads/"):]

    def head(self) -> str | None:
        """The commit HEAD names, or None on an unborn branch."""
        result = self.git.run("rev-parse", "--verify", "-q", "HEAD^{commit}", check=False)
        return result.text if result.returncode == 0 else None

    # --- remote ---------------------------------------------------------------------

    def remote(self) -> str | None:
        """The remote the branch syncs with: its upstream's, else `origin`, else the only one."""
        branch = self.branch()
        if branch is not None:
            configured = self.git.config(f"branch.{branch}.remote")
            if configured and configured != ".":
                return configured
        names = self.git.text("remote").split()
        if "origin" in names:
            return "origin"
        return names[0] if len(names) == 1 else None

    def upstream_branch(self, branch: str) -> str:
        """The remote branch's name (branch.<b>.merge, else the same name)."""
        merge = self.git.config(f"branch.{branch}.merge")
        return merge.removeprefix("refs/heads/") if merge else branch

    # --- who ----------------------------------------------------------------------

    def identity(self, setting: Identity | None = None) -> Identity:
        """The editor: the setting passed in, else COPYDESK_EDITOR / COPYDESK_EMAIL,
        else this repository's git config (user.name, user.email), else the OS user
        at this host (as git itself would guess)."""
        name = setting.name if setting is not None and setting.name else None
        email = setting.email if setting is not None and setting.email else None
        name = name or os.environ.get("COPYDESK_EDITOR") or self.git.config("user.name") or _os_user()
        email = email or os.environ.get("COPYDESK_EMAIL") or self.git.config("user.email") \
            or f"{_os_user()}@{socket.gethostname() or 'localhost'}"
        return Identity(_one_line(name).replace("<", "").replace(">", ""), _one_line(email).strip("<>"))

    # --- taking turns -------------------------------------------------------------

    def locked(self, timeout: float = LOCK_TIMEOUT_S) -> contextlib.AbstractContextManager[None]:
        """Copydesk's lock on this working copy's git state (across processes):
        held by a decision commit, a sync, a claim."""
        return self._flock("lock", timeout, "another Copydesk is still syncing this working copy")

    def worktree_locked(self, timeout: float = 30.0) -> contextlib.AbstractContextManager[None]:
        """Held while a sync replaces files in the working copy, and by the window's
        writer around each decision: a file is never replaced mid-decision."""
        return self._flock("worktree.lock", timeout, "a sync is still updating the working copy")

    @contextlib.contextmanager
    def _flock(self, name: str, timeout: float, busy: str) -> Iterator[None]:
        fd = os.open(self.state_path(name), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno == errno.ENOLCK:
                        break  # no locks on this file system: git's own ref locks still guard
                    if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                        raise
                if time.monotonic() > deadline:
                    raise GitError([name], 1, busy)
                time.sleep(0.01)
            yield
        finally:
            os.close(fd)  # releases the lock


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in the environment or the password database
        return "editor"


def _one_line(text: str) -> str:
    return " ".join(text.split()) or "editor"
