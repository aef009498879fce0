"""One commit per decision, of exactly what the decision changed, by the editor.

`CommitRecorder` is a `Recorder` for `app.decisions.decide`: on the deciding
thread it only describes the decision (a `CommitRequest`: the files, the
values set, the message, the time) and hands it to a sink: the window's
serial git worker (`app.team.worker`), or `commit_request` at once on the
command line. It runs no git and never fails a decision.

`commit_request` makes the commit with git's plumbing and a temporary index,
so nothing the editor has staged or changed is swept in:
- each article's new blob is *HEAD's version of the file with the decision's
  values applied by the core editor* (`apply_edit`): the commit changes those
  values and nothing else, even when the file holds other uncommitted edits
  (those stay uncommitted), and two quick decisions on one file make two
  commits that each show their own step;
- the editor's log file (the audit trail, `.copydesk/log/<editor>.jsonl`) is
  committed as it is on disk (append-only: a later decision's lines that are
  already there cost nothing);
- HEAD moves by compare-and-swap (`update-ref HEAD new old`); the real
  index gets exactly those entries, so `git status` stays true;
- hooks that judge a commit (pre-commit, commit-msg) do not run: the
  decision is already on disk and verified, and a commit a hook refused would
  only leave it unshared. Undo is a new decision, hence a new commit.

Blocking (runs git); `commit_request` belongs on the git worker thread.
"""
from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from app.article.edit import EditRefused, apply_edit
from app.article.frontmatter import parse_document
from app.article.model import ArticleError
from app.team.git import GitError
from app.team.message import DecidedFile, compose_message
from app.team.objects import Entry, index_info, read_objects, tree_entries, write_blobs
from app.team.repo import Identity, NotTeamQueue, TeamRepo

CAS_RETRIES = 3  # HEAD moved under us (someone committed by hand): build the commit again on top
INDEX_LOCK_WAIT_S = 5.0  # the editor's own git holds index.lock for milliseconds
_SYMLINK, _REGULAR, _EXECUTABLE = "120000", "100644", "100755"


# --- what the recorder sees (app.decisions' Decision, Outcome, WriteTarget) ---------

class DecisionLike(Protocol):
    @property
    def source(self) -> str: ...
    @property
    def reason(self) -> str | None: ...
    @property
    def batch(self) -> str | None: ...


class OutcomeLike(Protocol):
    @property
    def path(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def values(self) -> Mapping[str, Any]: ...
    @property
    def previous(self) -> Mapping[str, Any]: ...
    @property
    def row(self) -> Any: ...
    @property
    def article(self) -> Any: ...


class TargetLike(Protocol):
    def locate(self, path: str) -> tuple[Path, str]: ...


@dataclass(frozen=True, slots=True)
class CommitRequest:
    """A decision to commit, described on the deciding thread (plain data: crosses threads)."""

    queue_folder: Path
    files: tuple[DecidedFile, ...]
    message: str
    decided_at: float  # time.time() of the decision: the commit's author date
    log_file: Path | None = None  # the editor's audit log, when the audit trail keeps one
    identity: Identity | None = None  # None: the repository's git config


class CommitRecorder:
    """The git half of a decision's record. Runs on the deciding thread; does no git work.

    `sink` receives one CommitRequest per queue folder a decision wrote into
    (the window: `GitWorker`-backed `TeamSession.commit`; the CLI: a list to
    commit after deciding). `log_file(queue_folder)` names the editor's audit
    log there (from `app.audit`), or None. Put this recorder *after* the audit
    recorder in `decide(recorders=...)`, so the log line is written before the
    commit is described."""

    def __init__(self, sink: Callable[[CommitRequest], None], *, identity: Identity | None = None,
                 log_file: Callable[[Path], Path | None] | None = None) -> None:
        self.sink = sink
        self.identity = identity
        self.log_file = log_file

    def on_written(self, target: TargetLike, decision: DecisionLike, outcome: OutcomeLike) -> None:
        pass  # the whole decision is one commit: described in on_decided

    def on_decided(self, target: TargetLike, decision: DecisionLike, outcomes: Sequence[OutcomeLike]) -> None:
        groups: dict[Path, list[DecidedFile]] = {}
        for outcome in outcomes:
            if outcome.status != "written":
                continue
            try:
                folder, relpath = target.locate(outcome.path)
            except (OSError, ValueError):
                continue
            groups.setdefault(folder, []).append(
                DecidedFile(relpath, _title_of(outcome, relpath), dict(outcome.values), dict(outcome.previous)))
        now = time.time()
        for folder, files in groups.items():
            log = None
            if self.log_file is not None:
                try:
                    log = self.log_file(folder)
                except Exception:  # noqa: BLE001 - a recorder never fails a decision
                    log = None
            message = compose_message(files, source=decision.source, reason=decision.reason, batch=decision.batch)
            self.sink(CommitRequest(folder, tuple(files), message, now, log, self.identity))


def _title_of(outcome: OutcomeLike, relpath: str) -> str:
    for holder in (outcome.row, outcome.article):
        title = getattr(holder, "title", "")
        if title:
            return str(title)
    return relpath.rsplit("/", 1)[-1]


# --- making the commit -------------------------------------------------------------

class NotCommitted(Exception):
    """The decision stands on disk but was not committed; the message says why."""


def commit_request(repo: TeamRepo, request: CommitRequest) -> str | None:
    """Commit one decision. Returns the new commit, or None when HEAD already
    held every value (nothing to commit). Raises NotCommitted."""
    busy = repo.busy_reason()
    if busy:
        raise NotCommitted(f"not committed: {busy}")
    identity = repo.identity(request.identity)
    paths = [repo.repo_path(f.relpath) for f in request.files]
    values = {repo.repo_path(f.relpath): f.values for f in request.files}
    extra = []
    if request.log_file is not None:
        try:
            extra.append(request.log_file.resolve().relative_to(repo.top).as_posix())
        except (OSError, ValueError):
            pass  # a log outside the working copy cannot travel with it
    try:
        with repo.locked():
            return commit_paths(repo, paths + extra, request.message, identity, values=values,
                                when=request.decided_at)
    except GitError as exc:
        raise NotCommitted(f"not committed: {exc.describe()}") from None


def commit_paths(repo: TeamRepo, paths: Sequence[str], message: str, identity: Identity, *,
                 values: Mapping[str, Mapping[str, Any]] | None = None, when: float | None = None) -> str | None:
    """Commit `paths` (repository paths) on top of HEAD: each path in `values`
    as HEAD's version with those values applied, every other path as it is on
    disk. Returns the commit, or None when there was nothing to commit. Call
    with `repo.locked()` held when other Copydesk processes may commit."""
    env = dict(identity.env)
    if when is not None:
        env["GIT_AUTHOR_DATE"] = f"@{int(when)} +0000"
    for attempt in range(CAS_RETRIES + 1):
        head = repo.head()
        entries = _entries(repo, head, paths, values or {})
        if not entries:
            return None
        index_env = {"GIT_INDEX_FILE": os.fspath(_temp_index(repo, head))}
        repo.git.run("update-index", "-z", "--index-info", input=index_info(entries), env=index_env)
        tree = repo.git.text("write-tree", env=index_env)
        if head is not None and tree == repo.git.text("rev-parse", f"{head}^{{tree}}"):
            return None
        parents = ["-p", head] if head is not None else []
        commit = repo.git.run("commit-tree", tree, *parents, "-F", "-", input=message.encode("utf-8"),
                              env=env).text
        moved = repo.git.run("update-ref", "-m", f"copydesk: {message.splitlines()[0]}", "HEAD", commit,
                             head or "", check=False)
        if moved.returncode == 0:
            _remember_index(repo, commit)
            _update_real_index(repo, entries)
            return commit
        _forget_index(repo)
        if attempt == CAS_RETRIES:
            raise GitError(["update-ref"], moved.returncode, moved.stderr)
    return None  # pragma: no cover


def _entries(repo: TeamRepo, head: str | None, paths: Sequence[str],
             values: Mapping[str, Mapping[str, Any]]) -> list[Entry]:
    """The index entries that make the commit; writes the new blobs."""
    wanted: list[str] = []
    for path in paths:
        real = _real_path(repo, path)
        if real is not None and real not in wanted:
            wanted.append(real)
            if real != path and path in values:
                values = {**values, real: values[path]}  # a symlinked article: its target is what changed
    known = tree_entries(repo, head, wanted)
    wanted = _not_ignored(repo, wanted, known)
    old_blobs = read_objects(repo, [known[p][1] for p in wanted if p in values and p in known])
    staged: list[tuple[str, str, bytes | None]] = []  # (mode, path, bytes; None: hash the file on disk)
    removed: list[Entry] = []
    for path in wanted:
        mode_sha = known.get(path)
        if path in values and mode_sha is not None and mode_sha[0] != _SYMLINK:
            new = _edited(path, old_blobs.get(mode_sha[1]), values[path])
            if new is not None:
                staged.append((mode_sha[0], path, new))
                continue
        on_disk = repo.top / path
        try:
            st = os.lstat(on_disk)
        except FileNotFoundError:
            if mode_sha is not None:
                removed.append(("0", "", path))
            continue
        if stat.S_ISLNK(st.st_mode) or not stat.S_ISREG(st.st_mode):
            continue  # a link outside the working copy, a FIFO: not Copydesk's to commit
        mode = _EXECUTABLE if st.st_mode & stat.S_IXUSR else _REGULAR
        staged.append((mode_sha[0] if mode_sha else mode, path, None))
    shas = write_blobs(repo, [(path, data) for _, path, data in staged])
    entries = [(mode, sha, path) for (mode, path, _), sha in zip(staged, shas, strict=True)]
    unchanged = {path for mode, sha, path in entries if known.get(path) == (mode, sha)}
    return [e for e in entries if e[2] not in unchanged] + removed


def _not_ignored(repo: TeamRepo, paths: list[str], tracked: Mapping[str, Any]) -> list[str]:
    """Leave out files HEAD does not have that the repository ignores (.gitignore):
    a decision never makes git track what the editor chose not to."""
    new = [path for path in paths if path not in tracked]
    if not new:
        return paths
    out = repo.git.run("check-ignore", "-z", "--stdin", input=b"".join(os.fsencode(p) + b"\0" for p in new),
                       check=False)
    ignored = set(out.fields()) if out.returncode == 0 else set()
    return [path for path in paths if path not in ignored]


def _edited(path: str, old: bytes | None, values: Mapping[str, Any]) -> bytes | None:
    """HEAD's bytes with the decision's values set by the core editor; None when
    that cannot be done (the disk's bytes are committed instead)."""
    if old is None:
        return None
    doc = parse_document(path, old)
    if isinstance(doc, ArticleError):
        return None
    if all(doc.data.get(k, _ABSENT) == v and type(doc.data.get(k)) is type(v) for k, v in values.items()):
        return old
    try:
        return apply_edit(doc, dict(values))
    except EditRefused:
        return None


_ABSENT = object()


def _real_path(repo: TeamRepo, path: str) -> str | None:
    """The repository path a decision really changed: a symlinked article's target
    when it lies inside the working copy; None when it lies outside."""
    full = repo.top / path
    if not full.is_symlink():
        return path
    try:
        return Path(os.path.realpath(full)).relative_to(repo.top).as_posix()
    except ValueError:
        return None


def _temp_index(repo: TeamRepo, head: str | None) -> Path:
    """A private index holding HEAD's tree (kept between commits: read again only when HEAD moved)."""
    index, marker = repo.state_path("commit.index"), repo.state_path("commit.index.head")
    try:
        current = marker.read_text().strip()
    except OSError:
        current = ""
    if current != (head or "unborn") or not index.exists():
        env = {"GIT_INDEX_FILE": os.fspath(index)}
        if head is None:
            repo.git.run("read-tree", "--empty", env=env)
        else:
            repo.git.run("read-tree", head, env=env)
    marker.write_text("")  # not trusted until the commit is through
    return index


def _remember_index(repo: TeamRepo, commit: str) -> None:
    repo.state_path("commit.index.head").write_text(commit + "\n")


def _forget_index(repo: TeamRepo) -> None:
    repo.state_path("commit.index.head").write_text("")


def _update_real_index(repo: TeamRepo, entries: Sequence[Entry]) -> None:
    """The working copy's index gets the committed entries (and only those), so the
    editor's `git status` and next `git commit` see the decision as committed."""
    deadline = time.monotonic() + INDEX_LOCK_WAIT_S
    while True:
        result = repo.git.run("update-index", "-z", "--index-info", input=index_info(entries), check=False)
        if result.returncode == 0:
            return
        if "index.lock" not in result.stderr or time.monotonic() > deadline:
            raise NotCommitted(f"committed, but git's index could not be updated ({result.stderr.strip()}); "
                               "run `git reset -q -- <the decided files>` before committing by hand")
        time.sleep(0.05)


class RepoCache:
    """TeamRepo per queue folder, opened once (git worker thread only)."""

    def __init__(self) -> None:
        self._repos: dict[Path, TeamRepo | NotTeamQueue] = {}

    def get(self, folder: Path) -> TeamRepo:
        found = self._repos.get(folder)
        if found is None:
            try:
                found = TeamRepo.open(folder)
            except NotTeamQueue as exc:
                found = exc
            self._repos[folder] = found
        if isinstance(found, NotTeamQueue):
            raise found
        return found
