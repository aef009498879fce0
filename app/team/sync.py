"""Sync: fetch, replay the local decisions onto the remote, move the working
copy once, push. Conflicts stop it before anything on disk changed.

    result = sync(repo)            # a SyncResult; never raises for git's failures
    conflicts = load_conflicts(repo)
    resolve(repo, "desk/a.md", "theirs")   # then sync again: it continues

What a sync never does: `reset --hard`, a force-push of a branch, a rebase
or merge left half-way, conflict markers in a file, dropping a local commit
(a replayed commit replaces its original only once the replay is complete,
and the original stays in the reflog). A repository in the middle of
someone's merge or rebase, or on a detached HEAD, is left alone.

The working copy moves with `git read-tree -m -u OLD NEW` (git's own
two-tree switch: it refuses, changing nothing, when a file it would replace
has uncommitted changes; every other dirty or staged file stays as it is)
and the branch with a compare-and-swap `update-ref`. That step runs under
`TeamRepo.worktree_locked()`, which the window's writer also holds around each decision,
so a file is never replaced in the middle of a decision being written.

Blocking, with network timeouts; git worker thread (or the command line) only.
"""
from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from app.team.git import GitError
from app.team.replay import FieldConflict, Replayer, Resolution, load_resolutions
from app.team.repo import Identity, TeamRepo
from app.team.setup import DRIVER, driver_command

PUSH_ATTEMPTS = 6  # someone pushed between our fetch and our push: fetch and replay again
SyncState = Literal["synced", "conflicts", "offline", "failed", "blocked", "local"]
CLAIMS_REFSPEC = "+refs/copydesk/claims/*:refs/copydesk/remote-claims/*"


@dataclass(frozen=True, slots=True)
class SyncResult:
    state: SyncState
    message: str
    sent: int = 0  # local commits that are now on the remote
    received: int = 0  # remote commits that are now in this working copy
    incoming: tuple[str, ...] = ()  # repository paths whose files the sync changed on disk
    conflicts: tuple[FieldConflict, ...] = ()
    unshared: int = 0  # decisions (commits) still not on the remote
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.state in ("synced", "local")


def sync(repo: TeamRepo, identity: Identity | None = None, *,
         after_fetch: Callable[[], None] | None = None) -> SyncResult:
    """One sync of the checked-out branch with its remote. `after_fetch` is
    called (on this thread) once the remote's objects are here: claims use it."""
    started = time.monotonic()
    result = _sync(repo, identity, after_fetch)
    return _with(result, seconds=time.monotonic() - started)


def _sync(repo: TeamRepo, identity: Identity | None, after_fetch: Callable[[], None] | None) -> SyncResult:
    busy = repo.busy_reason()
    if busy:
        return SyncResult("blocked", busy)
    branch = repo.branch()
    assert branch is not None  # busy_reason covers a detached HEAD
    remote = repo.remote()
    if remote is None:
        return SyncResult("local", "this working copy has no remote: decisions are committed here only",
                          unshared=0)
    if repo.git.config(f"merge.{DRIVER}.driver") != driver_command():  # git config is not versioned
        repo.git.run("config", "--local", f"merge.{DRIVER}.driver", driver_command())
    who = repo.identity(identity)
    upstream = repo.upstream_branch(branch)
    tracking = f"refs/remotes/{remote}/{upstream}"
    sent = received = 0
    incoming: list[str] = []
    with repo.locked():
        for attempt in range(PUSH_ATTEMPTS):
            try:
                _fetch(repo, remote, upstream, tracking)
            except GitError as exc:
                return SyncResult("offline", f"cannot reach {remote}: {exc.describe()}",
                                  unshared=count_unshared(repo, tracking))
            if after_fetch is not None:
                after_fetch()
            step = _integrate(repo, who, tracking)
            if isinstance(step, SyncResult):
                return _with(step, unshared=count_unshared(repo, tracking))
            received += step.received
            incoming += [p for p in step.incoming if p not in incoming]
            head = repo.head()
            if head is None or head == _resolve(repo, tracking):
                _clear_conflicts(repo)
                return SyncResult("synced", _summary(sent, received), sent, received, tuple(incoming))
            refused = _push(repo, remote, upstream, head, tracking, branch)
            if refused is None:
                sent += step.local
                _clear_conflicts(repo)
                return SyncResult("synced", _summary(sent, received), sent, received, tuple(incoming))
            if refused != "raced":  # the remote refused, or cannot be reached
                state, message = refused
                return SyncResult(state, message, 0, received, tuple(incoming),
                                  unshared=count_unshared(repo, tracking))
            time.sleep(random.uniform(0.05, 0.3) * (attempt + 1))  # another editor pushed first: again
    return SyncResult("failed", "the remote kept moving while syncing; try again", 0, received, tuple(incoming),
                      unshared=count_unshared(repo, tracking))


@dataclass(frozen=True, slots=True)
class _Step:
    local: int  # local commits waiting to be pushed
    received: int
    incoming: tuple[str, ...]


def _integrate(repo: TeamRepo, who: Identity, tracking: str) -> _Step | SyncResult:
    """Bring the remote's commits under the local ones (replayed), and the working copy along."""
    head = repo.head()
    remote_tip = _resolve(repo, tracking)
    if head is None:
        return SyncResult("failed", "this branch has no commits yet; set the queue up with copydesk team init")
    if remote_tip is None:  # the remote has no such branch yet: the push creates it
        return _Step(int(repo.git.text("rev-list", "--count", head)), 0, ())
    merge_base = repo.git.run("merge-base", head, remote_tip, check=False).text
    if not merge_base:
        return SyncResult("failed", f"this branch and {tracking.removeprefix('refs/remotes/')} share no history; "
                                    "Copydesk will not join them (merge them by hand once)")
    local = repo.git.text("rev-list", "--reverse", "--topo-order", f"{merge_base}..{head}").split()
    behind = int(repo.git.text("rev-list", "--count", f"{head}..{remote_tip}"))
    if behind == 0:
        return _Step(len(local), 0, ())
    if not local:
        new = remote_tip
    elif _has_merges(repo, merge_base, head):
        return SyncResult("failed", "the local commits include a merge; Copydesk replays only plain commits "
                                    "(push or rebase them by hand once)")
    else:
        replay = Replayer(repo, who, load_saved_resolutions(repo)).replay(remote_tip, merge_base, local)
        if replay.tip is None:
            _save_conflicts(repo, replay.conflicts)
            n = len(replay.conflicts)
            return SyncResult("conflicts", f"{n} conflict{'s' if n != 1 else ''}: the working copy is unchanged "
                                           "(settle each with copydesk resolve, then sync again)",
                              conflicts=tuple(replay.conflicts))
        new = replay.tip
    changed = repo.git.run("diff", "--name-only", "-z", "--no-renames", head, new).fields()
    moved = _move(repo, head, new)
    if moved is not None:
        return SyncResult("failed", moved)
    local_after = int(repo.git.text("rev-list", "--count", f"{remote_tip}..{new}"))
    return _Step(local_after, behind, tuple(changed))


def _move(repo: TeamRepo, old: str, new: str) -> str | None:
    """The working copy and the branch from `old` to `new`; None when done, else why not (nothing changed)."""
    with repo.worktree_locked():
        # Entries a decision commit wrote carry no stat data yet; refresh them, or
        # read-tree would take those files for changed ones.
        repo.git.run("update-index", "-q", "--refresh", check=False)
        switched = repo.git.run("read-tree", "-m", "-u", old, new, check=False)
        if switched.returncode != 0:
            names = [line.split("'")[1] for line in switched.stderr.splitlines() if line.count("'") >= 2]
            files = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
            return ("the remote changed files that have uncommitted changes here"
                    + (f" ({files})" if files else f" ({GitError(['read-tree'], 1, switched.stderr).describe()})")
                    + "; commit or undo those changes, then sync again")
        moved = repo.git.run("update-ref", "-m", "copydesk: sync", "HEAD", new, old, check=False)
        if moved.returncode != 0:  # someone committed by hand meanwhile: put the files back
            repo.git.run("read-tree", "-m", "-u", new, old, check=False)
            return "the branch moved while syncing; try again"
    return None


def _fetch(repo: TeamRepo, remote: str, upstream: str, tracking: str) -> None:
    branch_spec = f"+refs/heads/{upstream}:{tracking}"
    result = repo.git.network("fetch", "--quiet", "--no-tags", "--prune", "--no-write-fetch-head", remote,
                              branch_spec, CLAIMS_REFSPEC, check=False)
    if result.returncode != 0 and "couldn't find remote ref" in result.stderr:
        # The remote has no such branch yet (a new queue): fetch the claims alone.
        repo.git.network("fetch", "--quiet", "--no-tags", "--prune", "--no-write-fetch-head", remote,
                         CLAIMS_REFSPEC)
        repo.git.run("update-ref", "-d", tracking, check=False)
        return
    if result.returncode != 0:
        raise GitError(["fetch"], result.returncode, result.stderr)


def _push(repo: TeamRepo, remote: str, upstream: str, head: str, tracking: str, branch: str
          ) -> tuple[SyncState, str] | Literal["raced"] | None:
    """None when pushed; "raced" when the remote moved first (fetch and replay
    again); else (state, why). A plain push: never forced."""
    try:
        out = repo.git.network("push", "--porcelain", remote, f"{head}:refs/heads/{upstream}", check=False)
    except GitError as exc:
        return "offline", f"cannot reach {remote}: {exc.describe()}"
    status = _push_status(out.stdout.decode("utf-8", "replace"), f"refs/heads/{upstream}")
    if out.returncode == 0 and status in ("ok", "up to date"):
        repo.git.run("update-ref", tracking, head)
        if repo.git.config(f"branch.{branch}.remote") is None:
            repo.git.run("branch", "--quiet", f"--set-upstream-to={remote}/{upstream}", branch, check=False)
        return None
    if status in ("fetch first", "non-fast-forward", "stale info"):
        return "raced"
    if status is None:
        return "offline", f"cannot reach {remote}: {GitError(['push'], out.returncode, out.stderr).describe()}"
    return "failed", f"{remote} refused the push: {status}"


def _push_status(porcelain: str, ref: str) -> str | None:
    """The outcome git's `push --porcelain` gives for `ref`: "ok", "up to date", or the rejection reason."""
    for line in porcelain.splitlines():
        parts = line.split("\t")
        if len(parts) >= 3 and parts[1].endswith(":" + ref):
            flag, summary = parts[0], parts[2]
            if flag == "=":
                return "up to date"
            if flag in (" ", "+", "*", "-"):
                return "ok"
            reason = summary[summary.find("(") + 1:summary.rfind(")")] if "(" in summary else summary
            return reason.strip()
    return None


# --- counts -----------------------------------------------------------------------

def count_unshared(repo: TeamRepo, tracking: str | None = None) -> int:
    """Decisions committed here and not yet on the remote (commits with a Copydesk-Action trailer)."""
    if tracking is None:
        branch, remote = repo.branch(), repo.remote()
        if branch is None or remote is None:
            return 0
        tracking = f"refs/remotes/{remote}/{repo.upstream_branch(branch)}"
    if repo.head() is None:
        return 0
    span = ["HEAD"] if _resolve(repo, tracking) is None else [f"{tracking}..HEAD"]
    out = repo.git.run("log", "--format=%(trailers:key=Copydesk-Action,valueonly,separator=%x2C)", *span,
                       check=False)
    return sum(1 for line in out.text.splitlines() if line.strip())


def _resolve(repo: TeamRepo, ref: str) -> str | None:
    result = repo.git.run("rev-parse", "--verify", "-q", f"{ref}^{{commit}}", check=False)
    return result.text if result.returncode == 0 else None


def _has_merges(repo: TeamRepo, base: str, head: str) -> bool:
    return repo.git.text("rev-list", "--min-parents=2", "--count", f"{base}..{head}") != "0"


def _summary(sent: int, received: int) -> str:
    if not sent and not received:
        return "up to date"
    parts = []
    if sent:
        parts.append(f"shared {sent} commit{'s' if sent != 1 else ''}")
    if received:
        parts.append(f"received {received} commit{'s' if received != 1 else ''}")
    return ", ".join(parts)


def _with(result: SyncResult, **changes: Any) -> SyncResult:
    return replace(result, **changes)


# --- conflicts and their resolution (kept in the git dir: never versioned) ----------

def load_conflicts(repo: TeamRepo) -> list[FieldConflict]:
    """The conflicts the last sync met (empty once a sync went through)."""
    return [FieldConflict(**item) for item in _load(repo, "conflicts.json")]


def load_saved_resolutions(repo: TeamRepo) -> list[Resolution]:
    return load_resolutions(_load(repo, "resolutions.json"))


def resolve(repo: TeamRepo, path: str, take: str, field: str | None = None) -> list[FieldConflict]:
    """Settle the recorded conflicts of `path` (a repository path; one `field`, or
    all of them) in favour of `take` ("mine" or "theirs"). Returns those
    settled; raises LookupError when the last sync met no such conflict.
    The next sync applies the choice (while the remote still holds the value
    the editor saw) and continues."""
    if take not in ("mine", "theirs"):
        raise ValueError(f"take must be mine or theirs, not {take!r}")
    conflicts = load_conflicts(repo)
    chosen = [c for c in conflicts if c.path == path and (field is None or c.field == field)]
    if not chosen:
        known = sorted({c.path for c in conflicts})
        raise LookupError(f"no conflict recorded for {path}" + (f" {field}" if field else "")
                          + (f" (conflicts: {', '.join(known)})" if known else " (the last sync met none)"))
    saved = [r for r in _load(repo, "resolutions.json")
             if not any(r["path"] == c.path and r["field"] == c.field for c in chosen)]
    saved += [{"path": c.path, "field": c.field, "take": take, "theirs": c.theirs} for c in chosen]
    _store(repo, "resolutions.json", saved)
    _store(repo, "conflicts.json", [c.to_json() for c in conflicts if c not in chosen])
    return chosen


def _save_conflicts(repo: TeamRepo, conflicts: Sequence[FieldConflict]) -> None:
    _store(repo, "conflicts.json", [c.to_json() for c in conflicts])


def _clear_conflicts(repo: TeamRepo) -> None:
    for name in ("conflicts.json", "resolutions.json"):
        repo.state_path(name).unlink(missing_ok=True)


def _load(repo: TeamRepo, name: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(repo.state_path(name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return data if isinstance(data, list) else []


def _store(repo: TeamRepo, name: str, data: list[dict[str, Any]]) -> None:
    path = repo.state_path(name)
    temp = path.with_suffix(".tmp")
    temp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    temp.replace(path)
