"""`copydesk team init`, `sync`, `resolve`, `claim`, `claims`, `release`,
`merge-driver`: team queues on the command line. Also `CliCommits`, which
makes `copydesk set` commit its decisions in a team queue.

The team modules are imported inside each command so `copydesk --help` stays quick.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    EXIT_USAGE_LINE,
    add_command,
    complete_as,
    json_line,
    print_notices,
    printable_path,
)

if TYPE_CHECKING:
    from app.team.commits import CommitRequest
    from app.team.repo import TeamRepo
    from app.team.sync import SyncResult


def register(subparsers: Any) -> None:
    sync_codes = (f"  {EXIT_OK}    synced (or nothing to share)\n"
                  f"  {EXIT_FAILED}    a real conflict (each printed), an unreachable remote, or a repository left alone\n"
                  f"{EXIT_USAGE_LINE}")
    team = add_command(
        subparsers, "team", help="set up a team queue (a queue folder shared through git)",
        description="Team queues: a queue folder inside a git working copy, shared with other editors "
                    "through a git remote. ACTION is init or status.",
        exit_codes=f"  {EXIT_OK}    done\n  {EXIT_FAILED}    git failed or the folder is no team queue\n"
                   f"{EXIT_USAGE_LINE}",
        examples="  copydesk team init desk --remote /srv/git/desk.git\n  copydesk team status desk --json")
    team_sub = team.add_subparsers(dest="team_command", metavar="ACTION", required=True)
    init = add_command(
        team_sub, "init", help="make FOLDER a team queue that syncs with a git remote",
        description="Set FOLDER up as a team queue: clone the remote into an empty FOLDER, or make FOLDER "
                    "a git working copy (if it is not one), register Copydesk's merge driver and push to the "
                    "remote.",
        exit_codes=f"  {EXIT_OK}    FOLDER is a team queue\n  {EXIT_FAILED}    git failed (the message says why)\n"
                   f"{EXIT_USAGE_LINE}",
        examples="  copydesk team init desk --remote /srv/git/desk.git\n"
                 "  copydesk team init desk --remote git@example.org:news/desk.git")
    complete_as(init.add_argument("folder", metavar="FOLDER"), "folder")
    init.add_argument("--remote", required=True, metavar="URL",
                      help="any git remote: a bare repository's path, an SSH address, a forge URL")
    init.set_defaults(handler=_cmd_team_init)
    status = add_command(
        team_sub, "status", help="what is not shared yet, and the last sync's conflicts",
        description="Print how many decisions are not shared yet and the conflicts the last sync met.",
        exit_codes=f"  {EXIT_OK}    printed\n  {EXIT_FAILED}    FOLDER is no team queue\n{EXIT_USAGE_LINE}",
        examples="  copydesk team status desk\n  copydesk team status desk --json | jq .unshared")
    complete_as(status.add_argument("folder", metavar="FOLDER"), "folder")
    status.add_argument("--json", action="store_true", help="print one JSON object")
    status.set_defaults(handler=_cmd_team_status)

    sync_cmd = add_command(
        subparsers, "sync", help="share this queue's decisions and bring in the others' (git fetch, rebase, push)",
        description="Fetch the remote, replay the local decisions onto it, update the files, push. A real "
                    "conflict (two editors set one field to different values) changes nothing here: each is "
                    "printed and the exit status is 1; settle them with copydesk resolve.",
        exit_codes=sync_codes, examples="  copydesk sync desk\n  copydesk sync desk --json | jq '.conflicts'")
    complete_as(sync_cmd.add_argument("folder", metavar="FOLDER"), "folder")
    sync_cmd.add_argument("--json", action="store_true", help="print the result as one JSON object")
    sync_cmd.set_defaults(handler=_cmd_sync)

    resolve_cmd = add_command(
        subparsers, "resolve", help="settle a conflict the last sync met, then sync again",
        description="Keep this working copy's value (mine) or the remote's (theirs) for PATH's conflicting "
                    "fields, then sync again.",
        exit_codes=sync_codes,
        examples="  copydesk resolve desk news/a.md --take theirs\n"
                 "  copydesk resolve desk news/a.md --take mine --field quality --no-sync")
    complete_as(resolve_cmd.add_argument("folder", metavar="FOLDER"), "folder")
    complete_as(resolve_cmd.add_argument("path", metavar="PATH",
                                         help="the article, relative to FOLDER (or as a path)"), "file")
    resolve_cmd.add_argument("--take", required=True, choices=("mine", "theirs"))
    resolve_cmd.add_argument("--field", help="settle only this field (default: every conflict of PATH)")
    resolve_cmd.add_argument("--no-sync", action="store_true", help="record the choice; sync later")
    resolve_cmd.set_defaults(handler=_cmd_resolve)

    claim_codes = (f"  {EXIT_OK}    done for every PATH\n  {EXIT_FAILED}    some PATH is claimed by someone else "
                   f"(or not yours to release)\n{EXIT_USAGE_LINE}")
    for name, help_text, handler, example in (
            ("claim", "claim articles you are about to review (renews your own claims)", _cmd_claim,
             "  copydesk claim desk news/a.md news/b.md --minutes 45"),
            ("release", "release your claims on articles", _cmd_release, "  copydesk release desk news/a.md")):
        cmd = add_command(subparsers, name, help=help_text,
                          description=f"{help_text[0].upper()}{help_text[1:]}: a claim is a ref on the remote "
                                      "(refs/copydesk/claims/<id>) made with a compare-and-swap push, so two "
                                      "editors never both win; offline it stays local and tentative.",
                          exit_codes=claim_codes, examples=example)
        complete_as(cmd.add_argument("folder", metavar="FOLDER"), "folder")
        complete_as(cmd.add_argument("paths", nargs="+", metavar="PATH",
                                     help="articles, relative to FOLDER (or as paths)"), "file")
        if name == "claim":
            cmd.add_argument("--minutes", type=float, default=30.0, help="how long the claim lasts (default 30)")
        cmd.set_defaults(handler=handler)
    claims_cmd = add_command(
        subparsers, "claims", help="list the claims on this queue's articles",
        description="List who claimed which articles, until when (expired claims are left out and cleaned up).",
        exit_codes=f"  {EXIT_OK}    listed\n  {EXIT_FAILED}    FOLDER is no team queue\n{EXIT_USAGE_LINE}",
        examples="  copydesk claims desk\n  copydesk claims desk --json --offline")
    complete_as(claims_cmd.add_argument("folder", metavar="FOLDER"), "folder")
    claims_cmd.add_argument("--json", action="store_true", help="print a JSON array")
    claims_cmd.add_argument("--offline", action="store_true", help="do not fetch the remote's claims first")
    claims_cmd.set_defaults(handler=_cmd_claims)

    driver = add_command(
        subparsers, "merge-driver", help="git's merge driver for article files (git runs it)",
        description="Merge an article's front matter field by field against the base. Registered as: git "
                    "config merge.copydesk.driver 'copydesk merge-driver %O %A %B %P' (team init and "
                    "opening a team queue do this).",
        exit_codes=f"  {EXIT_OK}    merged (the result is in OURS)\n  {EXIT_FAILED}    a real conflict: OURS is "
                   f"left as it was\n{EXIT_USAGE_LINE}",
        examples="  git config merge.copydesk.driver 'copydesk merge-driver %O %A %B %P'")
    for arg in ("base", "ours", "theirs", "path"):
        driver.add_argument(arg)
    driver.set_defaults(handler=_cmd_merge_driver)


# --- helpers ---------------------------------------------------------------------------

def _open(args: argparse.Namespace) -> TeamRepo | int:
    from app.team.repo import NotTeamQueue, TeamRepo

    if not os.path.isdir(args.folder):
        print(f"copydesk {args.command}: {printable_path(args.folder)}: not a folder", file=sys.stderr)
        return EXIT_USAGE
    try:
        return TeamRepo.open(args.folder)
    except NotTeamQueue as exc:
        print(f"copydesk {args.command}: {exc}", file=sys.stderr)
        return EXIT_FAILED


def _repo_path(repo: TeamRepo, folder: str, path: str) -> str:
    """PATH as the user gave it: relative to FOLDER, or a path (absolute, or from here)."""
    if not os.path.isabs(path) and not os.path.exists(os.path.join(folder, path)) and os.path.exists(path):
        return repo.repo_path_of_file(path)
    return repo.repo_path_of_file(path if os.path.isabs(path) else os.path.join(folder, path))


def _shown(repo: TeamRepo, repo_path: str) -> str:
    relpath = repo.queue_relpath(repo_path)
    return printable_path(relpath if relpath is not None else repo_path)


# --- team init / status ------------------------------------------------------------------

def _cmd_team_init(args: argparse.Namespace) -> int:
    from app.team.git import GitError
    from app.team.repo import NotTeamQueue
    from app.team.setup import init_team

    try:
        done = init_team(args.folder, args.remote)
    except (NotTeamQueue, GitError) as exc:
        print(f"copydesk team init: {exc}", file=sys.stderr)
        return EXIT_FAILED
    for line in done:
        print(line)
    return EXIT_OK


def _cmd_team_status(args: argparse.Namespace) -> int:
    from app.team.sync import count_unshared, load_conflicts

    repo = _open(args)
    if isinstance(repo, int):
        return repo
    busy = repo.busy_reason()
    unshared = count_unshared(repo)
    conflicts = load_conflicts(repo)
    if args.json:
        print(json_line({"unshared": unshared, "blocked": busy, "remote": repo.remote(),
                         "conflicts": [_conflict_json(repo, c) for c in conflicts]}))
        return EXIT_OK
    if busy:
        print(busy)
    print(f"{unshared} decision{'s' if unshared != 1 else ''} not yet shared" if unshared else "all shared")
    for c in conflicts:
        print(f"conflict: {_shown(repo, c.path)}: {c.describe()}")
    return EXIT_OK


# --- sync / resolve ---------------------------------------------------------------------

def _cmd_sync(args: argparse.Namespace) -> int:
    from app.team.git import GitError
    from app.team.setup import ensure_registered
    from app.team.sync import sync

    repo = _open(args)
    if isinstance(repo, int):
        return repo
    try:  # git config is not versioned: every open of a queue checks the merge rules
        print_notices(ensure_registered(repo))
    except (GitError, OSError) as exc:
        print_notices([f"could not register Copydesk's merge driver: {exc}"])
    return _report(repo, sync(repo), args.json, "sync")


def _report(repo: TeamRepo, result: SyncResult, as_json: bool, command: str) -> int:
    if as_json:
        print(json_line({"state": result.state, "message": result.message, "sent": result.sent,
                         "received": result.received, "unshared": result.unshared,
                         "incoming": [_shown(repo, p) for p in result.incoming],
                         "conflicts": [_conflict_json(repo, c) for c in result.conflicts]}))
    elif result.ok:
        print(result.message)
    else:
        print(f"copydesk {command}: {result.message}", file=sys.stderr)
        for c in result.conflicts:
            print(f"{_shown(repo, c.path)}: {c.describe()}")
        if result.conflicts:
            folder = printable_path(os.path.relpath(repo.queue_folder))
            print(f"settle each with: copydesk resolve {folder} PATH --take mine|theirs", file=sys.stderr)
        if result.unshared:
            print(f"{result.unshared} decision{'s' if result.unshared != 1 else ''} not yet shared",
                  file=sys.stderr)
    return EXIT_OK if result.ok else EXIT_FAILED


def _conflict_json(repo: TeamRepo, c: Any) -> dict[str, Any]:
    record = c.to_json()
    relpath = repo.queue_relpath(c.path)
    record["path"] = relpath if relpath is not None else c.path
    return record


def _cmd_resolve(args: argparse.Namespace) -> int:
    from app.team.repo import NotTeamQueue
    from app.team.sync import resolve, sync

    repo = _open(args)
    if isinstance(repo, int):
        return repo
    try:
        settled = resolve(repo, _repo_path(repo, args.folder, args.path), args.take, args.field)
    except (LookupError, NotTeamQueue) as exc:
        print(f"copydesk resolve: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return EXIT_FAILED
    for c in settled:
        print(f"{_shown(repo, c.path)}: {c.field}: keeping {args.take}")
    if args.no_sync:
        return EXIT_OK
    return _report(repo, sync(repo), False, "resolve")


# --- claims ---------------------------------------------------------------------------

def _cmd_claim(args: argparse.Namespace) -> int:
    from app.team.claims import claim

    return _claims_action(args, lambda repo, paths, who: claim(repo, paths, who, args.minutes))


def _cmd_release(args: argparse.Namespace) -> int:
    from app.team.claims import release

    return _claims_action(args, release)


def _claims_action(args: argparse.Namespace, action: Any) -> int:
    from app.team.git import GitError
    from app.team.repo import NotTeamQueue

    repo = _open(args)
    if isinstance(repo, int):
        return repo
    try:
        paths = [_repo_path(repo, args.folder, p) for p in args.paths]
        outcomes = action(repo, paths, repo.identity())
    except (GitError, NotTeamQueue) as exc:
        print(f"copydesk {args.command}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    status = EXIT_OK
    for outcome in outcomes:
        line = f"{_shown(repo, outcome.path)}: {outcome.message}"
        if outcome.ok:
            print(line)
        else:
            print(line, file=sys.stderr)
            status = EXIT_FAILED
    return status


def _cmd_claims(args: argparse.Namespace) -> int:
    from app.team.claims import clean_expired, list_claims, refresh
    from app.team.git import GitError

    repo = _open(args)
    if isinstance(repo, int):
        return repo
    who = repo.identity()
    if not args.offline:
        try:
            with repo.locked():
                refresh(repo)
                clean_expired(repo, who)
        except GitError as exc:
            print_notices([f"showing the claims last fetched: {exc.describe()}"])
    claims = list_claims(repo, who)
    if args.json:
        print("[" + ", ".join(json_line(c.to_json(repo.queue_relpath(c.path))) for c in claims) + "]")
        return EXIT_OK
    for c in claims:
        flags = " (tentative: not on the remote yet)" if c.tentative else ""
        print(f"{_shown(repo, c.path)}\t{c.editor} <{c.email}>\tuntil {c.until_text()}{flags}")
    if not claims:
        print("no claims")
    return EXIT_OK


# --- merge driver ---------------------------------------------------------------------

def _cmd_merge_driver(args: argparse.Namespace) -> int:
    from app.team.driver import run_merge_driver

    return run_merge_driver(args.base, args.ours, args.theirs, args.path)


# --- copydesk set in a team queue ---------------------------------------------------------

class CliCommits:
    """Makes `copydesk set` commit each decision in a team queue, on this thread.

        commits = CliCommits()
        with commits.guard(files):
            decide(FileTarget(), decision, recorders=[commits.recorder])
        commits.finish()  # commits; prints why one could not be made

    A folder that is no team queue is left alone; without a usable git in a
    working copy, the notice says so once."""

    def __init__(self, log_file: Callable[[Path], Path | None] | None = None) -> None:
        """`log_file(queue_folder)`: the editor's audit log there, committed with each
        decision (`AuditRecorder.log_for_commit`, which appends the lines it holds first)."""
        from app.team.commits import CommitRecorder, RepoCache

        self.requests: list[CommitRequest] = []
        self.recorder = CommitRecorder(self.requests.append, log_file=log_file)
        self._repos = RepoCache()

    @contextlib.contextmanager
    def guard(self, files: Sequence[str]) -> Iterator[None]:
        """Hold each team queue's working-copy lock while deciding (a window's sync waits)."""
        from app.queue.location import queue_root_of
        from app.team.repo import NotTeamQueue

        with contextlib.ExitStack() as stack:
            seen: set[Path] = set()
            for name in files:
                folder = queue_root_of(Path(name))
                if folder in seen:
                    continue
                seen.add(folder)
                try:
                    stack.enter_context(self._repos.get(folder).worktree_locked())
                except (NotTeamQueue, OSError):
                    continue
            yield

    def finish(self) -> None:
        from app.team.commits import NotCommitted, commit_request
        from app.team.git import team_unavailable_message
        from app.team.repo import NotTeamQueue

        said = False
        for request in self.requests:
            try:
                repo = self._repos.get(request.queue_folder)
            except NotTeamQueue:
                message = team_unavailable_message()
                if message and not said and any((p / ".git").exists() for p in
                                                (request.queue_folder, *request.queue_folder.parents)):
                    print_notices([message])
                    said = True
                continue
            try:
                commit_request(repo, request)
            except NotCommitted as exc:
                print_notices([f"{printable_path(os.fspath(request.queue_folder))}: {exc}"])
        self.requests.clear()
