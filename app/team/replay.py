"""Rebase without touching the working copy: replay local commits onto the
remote's tip as new objects, and only then (in `app.team.sync`) move the
branch and the files, in one step.

Why not `git rebase`: it works in the working copy, stops half-way on a
conflict (markers on disk, a repository "in the middle of a rebase"), and
refuses to start beside an unrelated dirty file. Here nothing on disk changes
until every commit has a clean replay, so a conflict leaves the editor's
working copy exactly as it was: the sync is "rolled back" by never having
moved.

Each local commit C is replayed onto the current tip T:
- fast path: every file C changed is, at T, as C's parent had it (nobody
  else touched it): C's new blobs go straight onto T's tree;
- otherwise a real three-way merge, `git merge-tree --write-tree` with C's
  parent as the base (through a parentless commit of that tree, since
  `--merge-base` needs git 2.40), which runs Copydesk's merge driver on
  article files (and `merge=union` on logs, git's own merge on the rest);
- a file merge-tree reports conflicted is merged once more here by
  `app.team.merge` (the driver's own function), now honouring the editor's
  resolutions; what stays unsettled is a `FieldConflict`. The replay goes on
  (taking the local side provisionally) so one sync reports every conflict.
A commit that becomes empty (the remote already had the same change) is
dropped, unless it is a decision's: one commit per decision, always (it still
says who decided, even when another editor decided the same).

Git worker thread only.
"""
from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from app.team.git import GitError, merge_text
from app.team.merge import WHOLE_FILE, Clash, MergeResult, Side, merge_article
from app.team.objects import ZERO, fast_import_path, index_info, read_objects, write_blobs
from app.team.repo import Identity, TeamRepo

DELETED = "(deleted)"  # the field name of a file changed on one side and deleted on the other


@dataclass(frozen=True, slots=True)
class FieldConflict:
    """Both sides changed one field of one file to different values.

    "mine" is this working copy's decision, "theirs" what the remote holds.
    Values are JSON-safe (None: not set, or not shown, as for the body)."""

    path: str  # repository path, '/'-separated
    field: str  # a front matter key, or "body", "(file)", "(front matter)", "(deleted)"
    mine: Any
    theirs: Any
    base: Any
    mine_by: str  # "Name <email>" of the local commit
    theirs_by: str  # ... of the remote's last commit to touch the file

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        """"quality: mine 60 (Ana <ana@desk>), theirs 50 (Ben <ben@desk>)"."""
        if self.field in ("body", WHOLE_FILE, "(front matter)", DELETED):
            what = {"body": "the text below the front matter", DELETED: "the file (deleted on one side)"}
            return (f"{what.get(self.field, 'the whole file')} changed on both sides "
                    f"(mine by {self.mine_by}, theirs by {self.theirs_by})")
        return (f"{self.field}: mine {_shown(self.mine)} ({self.mine_by}), "
                f"theirs {_shown(self.theirs)} ({self.theirs_by})")


def _shown(value: Any) -> str:
    if value is None:
        return "not set"
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)


@dataclass(frozen=True, slots=True)
class Resolution:
    """An editor's choice for one conflict; it applies while the remote still holds `theirs`."""

    path: str
    field: str
    take: str  # "mine" or "theirs"
    theirs: Any


@dataclass(slots=True)
class ReplayResult:
    tip: str | None  # the replayed chain's last commit; None when conflicts remain
    conflicts: list[FieldConflict] = field(default_factory=list)
    replayed: int = 0
    dropped: int = 0  # became empty


@dataclass(frozen=True, slots=True)
class _Commit:
    sha: str
    parent: str
    author: tuple[str, str, str]  # name, email, date ("1700000000 +0000")
    message: bytes
    changes: tuple[tuple[str, str, str, str, str], ...]  # (old mode, new mode, old sha, new sha, path)


class Replayer:
    def __init__(self, repo: TeamRepo, identity: Identity, resolutions: Sequence[Resolution] = ()) -> None:
        self.repo = repo
        self.git = repo.git
        self.identity = identity
        self.resolutions = list(resolutions)
        self.index_env = {"GIT_INDEX_FILE": os.fspath(repo.state_path("replay.index"))}

    def replay(self, onto: str, fork: str, commits: Sequence[str]) -> ReplayResult:
        """Replay `commits` (oldest first, none a merge) onto `onto`; `fork` is
        where they left the remote's history (for naming who changed what there)."""
        result = ReplayResult(None)
        details = self._describe(commits)
        touched = sorted({change[4] for c in details for change in c.changes})
        tip_entries = self._tree_entries(onto, touched)
        tip = onto
        run: list[_Commit] = []  # fast-path commits not written yet: one fast-import for a run of them
        for commit in details:
            fast = all(tip_entries.get(path) == ((old_mode, old) if old != ZERO else None)
                       for old_mode, _, old, _, path in commit.changes)
            if fast:
                run.append(commit)
                for _, mode, _, new, path in commit.changes:
                    tip_entries[path] = None if new == ZERO else (mode, new)
                result.replayed += 1
                continue
            if run:
                tip, run = self._fast_import(tip, run), []
            settled: list[str] = []
            tip_tree = self.git.text("rev-parse", f"{tip}^{{tree}}")
            tree = self._merge(tip, commit, onto, fork, result.conflicts, settled)
            if tree == tip_tree and not settled and b"\nCopydesk-Action: " not in commit.message:
                result.dropped += 1  # a commit of the editor's own that the remote already has: as rebase does
                continue
            tip = self._commit(tree, tip, commit, settled)
            result.replayed += 1
            tip_entries.update(self._tree_entries(tip, [change[4] for change in commit.changes], fill=True))
        if run:
            tip = self._fast_import(tip, run)
        if not result.conflicts:
            result.tip = tip
        return result

    def _fast_import(self, tip: str, commits: Sequence[_Commit]) -> str:
        """Commits whose files nobody else touched, on top of `tip`, in one `git
        fast-import` (it builds each tree in memory from the last: no index of the
        whole queue rewritten per commit). Returns the last one."""
        now = f"{int(time.time())} +0000"
        committer = f"{self.identity.name} <{self.identity.email}> {now}".encode("utf-8", "surrogateescape")
        stream = bytearray()
        for number, commit in enumerate(commits, 1):
            name, email, date = commit.author
            stream += f"commit {_SCRATCH}\nmark :{number}\n".encode()
            stream += f"author {name} <{email}> {date}\n".encode("utf-8", "surrogateescape")
            stream += b"committer " + committer + b"\n"
            stream += f"data {len(commit.message)}\n".encode() + commit.message + b"\n"
            stream += f"from {tip if number == 1 else f':{number - 1}'}\n".encode()
            for _, mode, _, new, path in commit.changes:
                quoted = fast_import_path(path)
                stream += (f"D {quoted}\n" if new == ZERO else f"M {mode} {new} {quoted}\n").encode(
                    "utf-8", "surrogateescape")
            stream += b"\n"
        stream += f"get-mark :{len(commits)}\ndone\n".encode()
        out = self.git.run("fast-import", "--quiet", "--done", "--force", input=bytes(stream))
        self.git.run("update-ref", "-d", _SCRATCH, check=False)
        return out.text.split()[-1]

    # --- reading the local commits ------------------------------------------------

    def _describe(self, commits: Sequence[str]) -> list[_Commit]:
        raw = self.git.run("cat-file", "--batch", input="".join(f"{c}\n" for c in commits).encode()).stdout
        headers: dict[str, tuple[str, tuple[str, str, str], bytes]] = {}
        at = 0
        for sha in commits:
            line_end = raw.index(b"\n", at)
            size = int(raw[at:line_end].split(b" ")[2])
            body = raw[line_end + 1:line_end + 1 + size]
            at = line_end + 1 + size + 1
            head, _, message = body.partition(b"\n\n")
            parent, author = "", ("", "", "")
            for line in head.split(b"\n"):
                if line.startswith(b"parent ") and not parent:
                    parent = line[7:].decode()
                elif line.startswith(b"author "):
                    author = _ident(line[7:].decode("utf-8", "replace"))
            headers[sha] = (parent, author, message)
        changes: dict[str, list[tuple[str, str, str, str, str]]] = {sha: [] for sha in commits}
        out = self.git.run("diff-tree", "--stdin", "-r", "-z", "--no-renames",
                           input="".join(f"{c}\n" for c in commits).encode()).fields()
        current, i = "", 0
        while i < len(out):
            token = out[i]
            if token.startswith(":"):
                old_mode, new_mode, old, new, _status = token[1:].split(" ")
                changes[current].append((old_mode, new_mode, old, new, out[i + 1]))
                i += 2
            else:
                current = token
                i += 1
        return [_Commit(sha, headers[sha][0], headers[sha][1], headers[sha][2], tuple(changes[sha]))
                for sha in commits]

    def _tree_entries(self, commit: str, paths: Sequence[str], fill: bool = False
                      ) -> dict[str, tuple[str, str] | None]:
        found: dict[str, tuple[str, str] | None] = {path: None for path in paths} if fill else {}
        if not paths:
            return found
        for record in self.git.run("ls-tree", "-r", "-z", "--full-tree", commit, "--", *paths).fields():
            info, _, path = record.partition("\t")
            mode, _, sha = info.split(" ")
            found[path] = (mode, sha)
        return found

    # --- a real three-way merge ------------------------------------------------------

    def _merge(self, tip: str, commit: _Commit, onto: str, fork: str, conflicts: list[FieldConflict],
               settled: list[str]) -> str:
        base_tree = f"{commit.parent}^{{tree}}"
        base = self._commit_tree(base_tree, [])
        ours = self._commit_tree(f"{tip}^{{tree}}", [base])
        theirs = self._commit_tree(f"{commit.sha}^{{tree}}", [base])
        out = self.git.run("merge-tree", "--write-tree", "-z", "--name-only", "--no-messages", ours, theirs,
                           check=False)
        if out.returncode not in (0, 1):
            raise GitError(["merge-tree"], out.returncode, out.stderr)
        fields = out.fields()
        tree, conflicted = fields[0], sorted(set(fields[1:]))
        if not conflicted:
            return tree
        self.git.run("read-tree", tree, env=self.index_env)  # fix-ups on top of merge-tree's result
        fixes: list[tuple[str, bytes | None, str]] = []
        for path in conflicted:
            data = self._settle(path, tip, commit, onto, fork, conflicts, settled)
            mode = self._mode(commit.sha, path) or self._mode(tip, path) or "100644"
            fixes.append((mode, data, path))
        kept = [(mode, path, data) for mode, data, path in fixes if data is not None]
        shas = write_blobs(self.repo, [(path, data) for _, path, data in kept])
        entries = [(mode, sha, path) for (mode, path, _), sha in zip(kept, shas, strict=True)]
        entries += [("0", "", path) for _, data, path in fixes if data is None]
        self.git.run("update-index", "-z", "--index-info", input=index_info(entries), env=self.index_env)
        return self.git.text("write-tree", env=self.index_env)

    def _settle(self, path: str, tip: str, commit: _Commit, onto: str, fork: str,
                conflicts: list[FieldConflict], settled: list[str]) -> bytes | None:
        """The merged bytes of one conflicted file (None: the file is deleted), with
        the editor's resolutions (each noted in `settled`, for the commit's message);
        an unsettled clash is recorded and the local side taken for now."""
        specs = [f"{commit.parent}:{path}", f"{tip}:{path}", f"{commit.sha}:{path}"]
        blobs = read_objects(self.repo, specs)
        base, remote, local = (blobs.get(spec) for spec in specs)
        if remote is None or local is None:  # changed on one side, deleted on the other
            clash = Clash(DELETED)
            side = self._preferred(path, clash)
            if side is None:
                conflicts.append(self._conflict(path, clash, commit, onto, fork))
            else:
                settled.append(_settled_line(path, clash, side))
            return remote if side == "ours" else local
        first = merge_article(path, base, remote, local, merge_text)
        result = first
        prefer: dict[str, Side] = {}
        if first.clashes:
            prefer = {c.field: side for c in first.clashes if (side := self._preferred(path, c)) is not None}
            result = merge_article(path, base, remote, local, merge_text, prefer) if prefer else first
        if result.merged is not None:
            settled += [_settled_line(path, clash, prefer[clash.field]) for clash in result.settled]
            return result.merged
        for clash in result.clashes:
            conflicts.append(self._conflict(path, clash, commit, onto, fork))
        return local

    def _preferred(self, path: str, clash: Clash) -> Side | None:
        """The editor's choice for this clash, as merge_article's side (its "ours" is the remote)."""
        for res in self.resolutions:
            if res.path == path and res.field in (clash.field, "*") and _same_json(res.theirs, clash.ours):
                return "theirs" if res.take == "mine" else "ours"
        return None

    def _conflict(self, path: str, clash: Clash, commit: _Commit, onto: str, fork: str) -> FieldConflict:
        name, email, _ = commit.author
        last = self.git.run("log", "-1", "--format=%an <%ae>", onto, f"^{fork}", "--", path, check=False).text
        return FieldConflict(path, clash.field, clash.theirs, clash.ours, clash.base, f"{name} <{email}>",
                             last or "the remote")

    # --- small helpers ------------------------------------------------------------

    def _mode(self, commit: str, path: str) -> str | None:
        out = self.git.run("ls-tree", "-z", "--full-tree", commit, "--", path).fields()
        return out[0].split(" ")[0] if out else None

    def _commit_tree(self, tree: str, parents: Sequence[str]) -> str:
        args = [part for parent in parents for part in ("-p", parent)]
        return self.git.run("commit-tree", tree, *args, "-m", "copydesk replay", env=self.identity.env).text

    def _commit(self, tree: str, parent: str, commit: _Commit, settled: Sequence[str]) -> str:
        name, email, date = commit.author
        env = {**self.identity.env, "GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_AUTHOR_DATE": date}
        message = commit.message
        if settled:  # the history says which side an editor chose, and that one was chosen
            message = message.rstrip(b"\n") + b"\n" + "".join(f"{line}\n" for line in settled).encode("utf-8")
        return self.git.run("commit-tree", tree, "-p", parent, "-F", "-", input=message, env=env).text


def _settled_line(path: str, clash: Clash, side: Side) -> str:
    """A trailer for a replayed commit: `Copydesk-Resolved: desk/a.md quality: kept theirs (70)`."""
    kept = "mine" if side == "theirs" else "theirs"  # merge_article's "ours" is the remote
    value = clash.theirs if side == "theirs" else clash.ours
    shown = "" if clash.field in (WHOLE_FILE, DELETED, "body", "(front matter)") else f" ({_shown(value)})"
    return f"Copydesk-Resolved: {path} {clash.field}: kept {kept}{shown}"


_SCRATCH = "refs/copydesk/replay"  # fast-import's ref while it writes; deleted right after


def _ident(text: str) -> tuple[str, str, str]:
    """"Ana <ana@desk> 1700000000 +0000" -> (name, email, date)."""
    name, _, rest = text.partition(" <")
    email, _, date = rest.partition("> ")
    return name, email, date


def _same_json(a: Any, b: Any) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def load_resolutions(data: Sequence[Mapping[str, Any]]) -> list[Resolution]:
    return [Resolution(str(d["path"]), str(d["field"]), str(d["take"]), d.get("theirs")) for d in data]


__all__ = ["DELETED", "FieldConflict", "MergeResult", "ReplayResult", "Replayer", "Resolution", "load_resolutions"]
