"""Claims: "I am reviewing this article", shared through the remote as refs.

A claim is the ref `refs/copydesk/claims/<article id>` on the remote,
pointing at a small commit (empty tree) authored by the editor whose message
says which file and until when:

    Claim desk/2026/why-silicon.md

    Copydesk-Claim-Path: desk/2026/why-silicon.md
    Copydesk-Claim-Until: 2026-12-01T14:32:00Z

The **article id** is the first 32 hex digits of the SHA-256 of the file's
path relative to the repository's top ('/'-separated, its bytes as the file
system has them): the same in every clone, safe in a ref name whatever the
file is called. (A renamed file is a new id: its old claim expires.)

Taking a claim is a compare-and-swap on the remote: `git push
--force-with-lease=<ref>:` fails unless the ref does not exist there yet, so
of two editors claiming at once exactly one wins; renewing one's own claim,
or taking over an expired one, leases against the value last fetched. The
remote's claims are fetched into `refs/copydesk/remote-claims/*` (with the
sync, or `refresh`); one's own claims are also kept as local refs under
`refs/copydesk/claims/*`. A claim the remote does not have yet (made
offline) is *tentative*: the next sync pushes it, and drops it if someone
else's claim got there first. Expired claims are ignored everywhere and
deleted (with a lease) by whoever sees them.

Blocking (network, with timeouts): git worker thread or the command line.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from app.team.git import GitError
from app.team.repo import Identity, TeamRepo

CLAIM_MINUTES = 30.0
LOCAL = "refs/copydesk/claims/"
REMOTE = "refs/copydesk/remote-claims/"
REFSPEC = f"+{LOCAL}*:{REMOTE}*"
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
Status = Literal["claimed", "renewed", "tentative", "taken", "released", "not yours", "failed"]


def article_id(repo_path: str) -> str:
    return hashlib.sha256(os.fsencode(repo_path)).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class Claim:
    path: str  # repository path
    id: str
    editor: str
    email: str
    until: float  # time.time() seconds
    sha: str
    tentative: bool = False  # made here, not (yet) on the remote
    mine: bool = False

    def expired(self, now: float | None = None) -> bool:
        return self.until <= (time.time() if now is None else now)

    def until_text(self) -> str:
        return _iso(self.until)

    def to_json(self, queue_relpath: str | None = None) -> dict[str, Any]:
        return {"path": queue_relpath if queue_relpath is not None else self.path, "id": self.id,
                "editor": self.editor, "email": self.email, "until": self.until_text(),
                "tentative": self.tentative, "mine": self.mine}


@dataclass(frozen=True, slots=True)
class ClaimOutcome:
    path: str
    status: Status
    message: str
    claim: Claim | None = None

    @property
    def ok(self) -> bool:
        return self.status in ("claimed", "renewed", "tentative", "released")


# --- reading -------------------------------------------------------------------------

def list_claims(repo: TeamRepo, identity: Identity, now: float | None = None,
                include_expired: bool = False) -> list[Claim]:
    """Every claim known here (no network: call `refresh` first for the remote's
    latest), the remote's winning over a tentative local one for the same article."""
    now = time.time() if now is None else now
    remote = _read(repo, REMOTE, identity)
    local = _read(repo, LOCAL, identity)
    claims: dict[str, Claim] = {}
    for key, claim in remote.items():
        claims[key] = claim
    for key, claim in local.items():
        if key not in remote:
            claims[key] = replace(claim, tentative=True)
    out = [c for c in claims.values() if include_expired or not c.expired(now)]
    return sorted(out, key=lambda c: c.path)


def refresh(repo: TeamRepo) -> None:
    """Fetch the remote's claims (raises GitError when it cannot be reached)."""
    remote = _remote(repo)
    repo.git.network("fetch", "--quiet", "--no-tags", "--prune", "--no-write-fetch-head", remote, REFSPEC)


def _read(repo: TeamRepo, prefix: str, identity: Identity) -> dict[str, Claim]:
    out = repo.git.run("for-each-ref", "--format=%(refname)%00%(objectname)%00%(authorname)%00%(authoremail)"
                                       "%00%(contents)%00%01", prefix).stdout
    found: dict[str, Claim] = {}
    for record in out.split(b"\0\x01\n"):
        parts = record.split(b"\0")
        if len(parts) < 5:
            continue
        ref, sha, name, email, message = (os.fsdecode(p) for p in parts[:5])
        trailers = _trailers(message)
        path, until = trailers.get("Copydesk-Claim-Path"), _parse_iso(trailers.get("Copydesk-Claim-Until", ""))
        if path is None or until is None:
            continue  # not a claim Copydesk made
        key = ref[len(prefix):]
        email = email.strip("<>")
        found[key] = Claim(path, key, name, email, until, sha, mine=email.lower() == identity.email.lower())
    return found


# --- claiming ------------------------------------------------------------------------

def claim(repo: TeamRepo, paths: Sequence[str], identity: Identity, minutes: float = CLAIM_MINUTES,
          now: float | None = None) -> list[ClaimOutcome]:
    """Claim (or renew) each repository path for `minutes`. Offline, the claims are
    kept here as tentative and pushed by the next sync."""
    now = time.time() if now is None else now
    with repo.locked():
        try:
            refresh(repo)
            online, why = True, ""
        except GitError as exc:
            online, why = False, exc.describe()
        known = {c.id: c for c in list_claims(repo, identity, now, include_expired=True) if not c.tentative}
        outcomes: list[ClaimOutcome] = []
        to_push: list[tuple[str, Claim, str]] = []  # (path, new claim, lease)
        for path in paths:
            key = article_id(path)
            held = known.get(key)
            if held is not None and not held.mine and not held.expired(now):
                outcomes.append(_taken(path, held))
                continue
            new = _make(repo, path, key, identity, now + minutes * 60.0, now)
            if online:
                to_push.append((path, new, held.sha if held is not None else ""))
            else:
                repo.git.run("update-ref", LOCAL + key, new.sha)
                outcomes.append(ClaimOutcome(path, "tentative", f"claimed here only (the remote cannot be "
                                                                  f"reached: {why}); the next sync shares it",
                                             replace(new, tentative=True)))
        renewing = {p for p, c, _ in to_push if (held := known.get(c.id)) is not None and held.mine}
        outcomes += _push_claims(repo, to_push, identity, renewing=renewing)
    order = {path: i for i, path in enumerate(paths)}
    return sorted(outcomes, key=lambda o: order.get(o.path, 0))


def push_tentative(repo: TeamRepo, identity: Identity, now: float | None = None) -> list[ClaimOutcome]:
    """Share the claims made offline (after a fetch of the remote's claims): each
    wins, or is dropped when another editor's claim got there first. Call with
    `repo.locked()` held (the sync does)."""
    now = time.time() if now is None else now
    remote = _read(repo, REMOTE, identity)
    outcomes: list[ClaimOutcome] = []
    to_push: list[tuple[str, Claim, str]] = []
    for key, mine in _read(repo, LOCAL, identity).items():
        there = remote.get(key)
        if there is not None and there.sha == mine.sha:
            continue  # shared already
        if mine.expired(now):
            repo.git.run("update-ref", "-d", LOCAL + key, mine.sha, check=False)
            continue
        if there is not None and not there.expired(now) and not there.mine:
            repo.git.run("update-ref", "-d", LOCAL + key, mine.sha, check=False)
            outcomes.append(_taken(mine.path, there, " first; the claim made offline is dropped"))
            continue
        to_push.append((mine.path, mine, there.sha if there is not None else ""))
    return outcomes + _push_claims(repo, to_push, identity, renewing=set())


def release(repo: TeamRepo, paths: Sequence[str], identity: Identity, now: float | None = None
            ) -> list[ClaimOutcome]:
    """Give up one's claims (an expired claim of anyone's may be cleared too)."""
    now = time.time() if now is None else now
    with repo.locked():
        try:
            refresh(repo)
            online, why = True, ""
        except GitError as exc:
            online, why = False, exc.describe()
        remote = _read(repo, REMOTE, identity)
        local = _read(repo, LOCAL, identity)
        outcomes: list[ClaimOutcome] = []
        deletes: list[tuple[str, str, str]] = []  # (path, id, lease)
        for path in paths:
            key = article_id(path)
            there, here = remote.get(key), local.get(key)
            if there is not None and not there.mine and not there.expired(now):
                outcomes.append(ClaimOutcome(path, "not yours", f"claimed by {there.editor} until "
                                             f"{_clock(there.until)}; only they can release it before then",
                                             there))
                continue
            if here is not None:
                repo.git.run("update-ref", "-d", LOCAL + key, here.sha, check=False)
            if there is not None and online:
                deletes.append((path, key, there.sha))
            elif there is not None:
                outcomes.append(ClaimOutcome(path, "released", f"released here; the remote keeps the claim "
                                                                f"until it expires (cannot reach it: {why})"))
            else:
                outcomes.append(ClaimOutcome(path, "released", "released" if here else "was not claimed"))
        if deletes:
            outcomes += _delete(repo, deletes)
    order = {path: i for i, path in enumerate(paths)}
    return sorted(outcomes, key=lambda o: order.get(o.path, 0))


def clean_expired(repo: TeamRepo, identity: Identity, now: float | None = None) -> int:
    """Delete expired claims, here and (with a lease, so a renewal in between wins) on
    the remote. Returns how many were removed from the remote. Needs a fresh `refresh`."""
    now = time.time() if now is None else now
    for key, claim_ in _read(repo, LOCAL, identity).items():
        if claim_.expired(now):
            repo.git.run("update-ref", "-d", LOCAL + key, claim_.sha, check=False)
    stale = [(c.path, key, c.sha) for key, c in _read(repo, REMOTE, identity).items() if c.expired(now)]
    if not stale:
        return 0
    return sum(1 for outcome in _delete(repo, stale) if outcome.status == "released")


# --- the compare-and-swap pushes -------------------------------------------------------

def _push_claims(repo: TeamRepo, items: Sequence[tuple[str, Claim, str]], identity: Identity,
                 renewing: set[str]) -> list[ClaimOutcome]:
    if not items:
        return []
    leases = [f"--force-with-lease={LOCAL}{c.id}:{lease}" for _, c, lease in items]
    specs = [f"{c.sha}:{LOCAL}{c.id}" for _, c, _ in items]
    try:
        out = repo.git.network("push", "--porcelain", *leases, _remote(repo), *specs, check=False)
    except GitError as exc:
        return [ClaimOutcome(path, "failed", f"not claimed: {exc.describe()}") for path, _, _ in items]
    results = _porcelain(out.stdout.decode("utf-8", "replace"))
    outcomes: list[ClaimOutcome] = []
    lost: list[str] = []
    for path, new, _ in items:
        ref = LOCAL + new.id
        status = results.get(ref)
        if status == "ok":
            repo.git.run("update-ref", ref, new.sha)
            repo.git.run("update-ref", REMOTE + new.id, new.sha)
            word: Status = "renewed" if path in renewing else "claimed"
            outcomes.append(ClaimOutcome(path, word, f"{word} until {_clock(new.until)}", new))
        elif status is not None:
            lost.append(path)
            repo.git.run("update-ref", "-d", ref, check=False)
        else:
            outcomes.append(ClaimOutcome(path, "failed", "not claimed: " + (
                GitError(["push"], out.returncode, out.stderr).describe())))
    if lost:  # somebody claimed first: say who
        try:
            refresh(repo)
        except GitError:
            pass
        remote = _read(repo, REMOTE, identity)
        for path in lost:
            holder = remote.get(article_id(path))
            outcomes.append(_taken(path, holder, " first") if holder is not None
                            else ClaimOutcome(path, "taken", "another editor claimed it first"))
    return outcomes


def _delete(repo: TeamRepo, items: Sequence[tuple[str, str, str]]) -> list[ClaimOutcome]:
    leases = [f"--force-with-lease={LOCAL}{key}:{sha}" for _, key, sha in items]
    specs = [f":{LOCAL}{key}" for _, key, _ in items]
    try:
        out = repo.git.network("push", "--porcelain", *leases, _remote(repo), *specs, check=False)
    except GitError as exc:
        return [ClaimOutcome(path, "failed", f"not released on the remote: {exc.describe()}")
                for path, _, _ in items]
    results = _porcelain(out.stdout.decode("utf-8", "replace"))
    outcomes = []
    for path, key, _ in items:
        if results.get(LOCAL + key) == "ok":
            repo.git.run("update-ref", "-d", REMOTE + key, check=False)
            outcomes.append(ClaimOutcome(path, "released", "released"))
        else:
            outcomes.append(ClaimOutcome(path, "failed", "not released: the claim changed on the remote meanwhile"))
    return outcomes


def _porcelain(text: str) -> dict[str, str]:
    """{remote ref: "ok" | the rejection} from `git push --porcelain`."""
    found = {}
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) >= 3 and ":" in parts[1]:
            ref = parts[1].rsplit(":", 1)[1]
            found[ref] = "ok" if parts[0] in (" ", "+", "*", "-", "=") else parts[2]
    return found


def _make(repo: TeamRepo, path: str, key: str, identity: Identity, until: float, now: float) -> Claim:
    message = (f"Claim {path}\n\nCopydesk-Claim-Path: {path}\nCopydesk-Claim-Until: {_iso(until)}\n")
    env = {**identity.env, "GIT_AUTHOR_DATE": f"@{int(now)} +0000", "GIT_COMMITTER_DATE": f"@{int(now)} +0000"}
    tree = repo.git.run("hash-object", "-t", "tree", "-w", "--stdin", input=b"").text
    sha = repo.git.run("commit-tree", tree, "-F", "-", input=message.encode("utf-8", "surrogateescape"),
                       env=env).text
    return Claim(path, key, identity.name, identity.email, _parse_iso(_iso(until)) or until, sha, mine=True)


def _remote(repo: TeamRepo) -> str:
    remote = repo.remote()
    if remote is None:
        raise GitError(["claim"], 1, "this working copy has no remote to share claims through")
    return remote


def _taken(path: str, holder: Claim, when: str = "") -> ClaimOutcome:
    return ClaimOutcome(path, "taken", f"claimed by {holder.editor} <{holder.email}>{when} "
                                       f"(until {_clock(holder.until)})", holder)


def _trailers(message: str) -> dict[str, str]:
    found = {}
    for line in message.splitlines():
        key, sep, value = line.partition(": ")
        if sep and key.startswith("Copydesk-"):
            found[key] = value.strip()
    return found


def _iso(seconds: float) -> str:
    return _dt.datetime.fromtimestamp(int(seconds), _dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_iso(text: str) -> float | None:
    try:
        return _dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _clock(seconds: float) -> str:
    """A local time an editor reads: 14:32 today, else with the date."""
    moment = _dt.datetime.fromtimestamp(seconds)
    today = _dt.datetime.now().date()
    return moment.strftime("%H:%M" if moment.date() == today else "%Y-%m-%d %H:%M")
