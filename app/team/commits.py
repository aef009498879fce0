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
- no commit hooks run (the commit is plumbing, not `git commit`): the
  decision is already on disk and verified, and a commit a hook refused would
  only leave it unshared. A push still runs the repository's pre-push hook.
  Undo is a new decision, hence a new commit.

Blocking (runs git); `commit_request` belongs on the git worker thread.
"""
from __future__ import annotations

import contextlib
import os
import stat
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.article.edit import EditRefused, apply_edit
from app.article.frontmatter import parse_document
from app.article.model import ArticleError
from app.recording import DecisionLike, OutcomeLike, TargetLike
from app.team.git import GitError
from app.team.message import DecidedFile, compose_message
from app.team.objects import Entry, fast_import_path, index_info, read_objects, tree_entries
from app.team.repo import Identity, NotTeamQueue, TeamRepo

CAS_RETRIES = 3  # HEAD moved under us (someone committed by hand): build the commit again on top
INDEX_LOCK_WAIT_S = 5.0  # the editor's own git holds index.lock for milliseconds
_SYMLINK, _REGULAR, _EXECUTABLE = "120000", "100644", "100755"



@dataclass(frozen=True, slots=True)
class CommitRequest:
    """A decision to commit, described on the deciding thread (plain data: crosses threads)."""

    queue_folder: Path
    files: tuple[DecidedFile, ...]
    message: str
    decided_at: float  # time.time() of the decision: the commit's author date
    log_file: Path | None = None  # the editor's audit log, when the audit trail keeps one
    log_size: int | None = None  # its size right after this decision's lines: the commit takes that much
    identity: Identity | None = None  # None: the repository's git config


class CommitRecorder:
    """The git half of a decision's record. Runs on the deciding thread; does no git work.

    `sink` receives one CommitRequest per queue folder a decision wrote into
    (the window: `GitWorker`-backed `TeamSession.commit`; the CLI: a list to
    commit after deciding). `log_file(queue_folder)` names the editor's audit
    log there (from `app.audit`), or None: pass `AuditRecorder.log_for_commit`,
    which first appends the lines the audit recorder holds for its run, and put
    this recorder *after* the audit recorder in `decide(recorders=...)`, so the
    decision's line is in the log when the commit takes its size."""

    def __init__(self, sink: Callable[[CommitRequest], None], *, identity: Identity | None = None,
                 log_file: Callable[[Path], Path | None] | None = None) -> None:
        self.sink = sink
        self.identity = identity
        self.log_file = log_file

    def on_written(self, target: TargetLike, decision: DecisionLike, outcome: OutcomeLike) -> None:
        pass  # the whole decision is one commit: described in on_decided

    def grouped(self) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()  # each decision of a run is its own commit, described as it ends

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
            log, size = None, None
            if self.log_file is not None:
                try:
                    log = self.log_file(folder)
                    # The log only grows: its size now says which lines are this decision's and
                    # earlier ones, however far behind the committer is (one stat, no read).
                    size = os.stat(log).st_size if log is not None else None
                except Exception:  # noqa: BLE001 - a recorder never fails a decision
                    size = None
            message = compose_message(files, source=decision.source, reason=decision.reason, batch=decision.batch)
            self.sink(CommitRequest(folder, tuple(files), message, now, log, size, self.identity))


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
    extra: list[str] = []
    prefixes: dict[str, int] = {}
    if request.log_file is not None:
        try:
            log = request.log_file.resolve().relative_to(repo.top).as_posix()
            extra.append(log)
            if request.log_size is not None:
                prefixes[log] = request.log_size
        except (OSError, ValueError):
            pass  # a log outside the working copy cannot travel with it
    try:
        with repo.locked():
            return commit_paths(repo, paths + extra, request.message, identity, values=values,
                                prefixes=prefixes, when=request.decided_at)
    except GitError as exc:
        raise NotCommitted(f"not committed: {exc.describe()}") from None


def commit_paths(repo: TeamRepo, paths: Sequence[str], message: str, identity: Identity, *,
                 values: Mapping[str, Mapping[str, Any]] | None = None, prefixes: Mapping[str, int] | None = None,
                 when: float | None = None) -> str | None:
    """Commit `paths` (repository paths) on top of HEAD: each path in `values`
    as HEAD's version with those values applied, each path in `prefixes` (an
    append-only log) as its first that-many bytes on disk, every other path as
    it is on disk. Returns the commit, or None when there was nothing to
    commit. Call with `repo.locked()` held when other Copydesk processes may commit."""
    author_date = f"{int(time.time() if when is None else when)} +0000"
    for attempt in range(CAS_RETRIES + 1):
        head = repo.head()
        changed, removed = _changes(repo, head, paths, values or {}, prefixes or {})
        if not changed and not removed:
            return None
        commit = _write_commit(repo, head, changed, removed, message, identity, author_date)
        moved = repo.git.run("update-ref", "-m", f"copydesk: {message.splitlines()[0]}", "HEAD", commit,
                             head or "", check=False)
        if moved.returncode == 0:
            _update_real_index(repo, [(mode, repo.blob_id(data), path) for mode, path, data in changed]
                               + [("0", "", path) for path in removed])
            return commit
        if attempt == CAS_RETRIES:
            raise GitError(["update-ref"], moved.returncode, moved.stderr)
    return None  # pragma: no cover


def _write_commit(repo: TeamRepo, head: str | None, changed: Sequence[tuple[str, str, bytes]],
                  removed: Sequence[str], message: str, identity: Identity, author_date: str) -> str:
    """The blobs, trees and commit in one `git fast-import`: it builds the new tree
    from HEAD's in memory, where a private index would rewrite an entry for every
    file of the queue. So few objects are written loose (fastimport.unpackLimit),
    not as a pack per decision."""
    who = f"{identity.name} <{identity.email}>"
    text = message.encode("utf-8")
    stream = bytearray(f"commit {_SCRATCH}\nmark :1\n".encode())
    stream += f"author {who} {author_date}\ncommitter {who} {int(time.time())} +0000\n".encode(
        "utf-8", "surrogateescape")
    stream += f"data {len(text)}\n".encode() + text + b"\n"
    if head is not None:
        stream += f"from {head}\n".encode()
    for mode, path, data in changed:
        stream += f"M {mode} inline {fast_import_path(path)}\n".encode("utf-8", "surrogateescape")
        stream += f"data {len(data)}\n".encode() + data + b"\n"
    for path in removed:
        stream += f"D {fast_import_path(path)}\n".encode("utf-8", "surrogateescape")
    stream += b"\nget-mark :1\ndone\n"
    out = repo.git.run("-c", "fastimport.unpackLimit=100", "fast-import", "--quiet", "--done", "--force",
                       input=bytes(stream))
    return out.text.split()[-1]


_SCRATCH = "refs/copydesk/commit"  # fast-import's ref for the commit it writes (HEAD gets it by CAS)


def _changes(repo: TeamRepo, head: str | None, paths: Sequence[str], values: Mapping[str, Mapping[str, Any]],
             prefixes: Mapping[str, int]) -> tuple[list[tuple[str, str, bytes]], list[str]]:
    """What the commit changes: [(mode, path, new bytes)] and the paths it removes."""
    wanted: list[str] = []
    for path in paths:
        real = _real_path(repo, path)
        if real is not None and real not in wanted:
            wanted.append(real)
            if real != path and path in values:
                values = {**values, real: values[path]}  # a symlinked article: its target is what changed
    known = tree_entries(repo, head, wanted)
    wanted = _not_ignored(repo, wanted, known)
    old_blobs = read_objects(repo, [known[p][1] for p in wanted if (p in values or p in prefixes) and p in known])
    changed: list[tuple[str, str, bytes]] = []
    removed: list[str] = []
    for path in wanted:
        mode_sha = known.get(path)
        data: bytes | None = None
        mode = mode_sha[0] if mode_sha is not None else _REGULAR
        if path in values and mode_sha is not None and mode_sha[0] != _SYMLINK:
            data = _edited(path, old_blobs.get(mode_sha[1]), values[path])
        if data is None:
            on_disk = repo.top / path
            try:
                st = os.lstat(on_disk)
            except FileNotFoundError:
                if mode_sha is not None:
                    removed.append(path)
                continue
            if stat.S_ISLNK(st.st_mode) or not stat.S_ISREG(st.st_mode):
                continue  # a link outside the working copy, a FIFO: not Copydesk's to commit
            if mode_sha is None:
                mode = _EXECUTABLE if st.st_mode & stat.S_IXUSR else _REGULAR
            committed = old_blobs.get(mode_sha[1]) if mode_sha is not None else None
            data = _prefix(on_disk, prefixes.get(path), committed)
            if data is None:
                try:
                    data = on_disk.read_bytes()
                except OSError:
                    continue
        if mode_sha is None or mode_sha != (mode, repo.blob_id(data)):
            changed.append((mode, path, data))
    return changed, removed


def _prefix(path: Path, size: int | None, committed: bytes | None) -> bytes | None:
    """An append-only log's first `size` bytes, when they still extend what is
    committed; None (the whole file) when the file was rewritten meanwhile (a
    sync that merged another machine's lines into it)."""
    if size is None:
        return None
    try:
        with open(path, "rb") as handle:
            data = handle.read(size)
    except OSError:
        return None
    if len(data) < size or (committed is not None and not data.startswith(committed)):
        return None
    return data


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
