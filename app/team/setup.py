"""Making a folder a team queue, and keeping its merge driver registered.

Two halves, because git keeps them in two places:
- `.gitattributes` in the queue folder (versioned, travels with the queue):
  article files merge with `merge=copydesk`, the per-editor logs with git's
  built-in `merge=union` (take both sides' lines);
- the clone's own config (never versioned, so every clone needs it, and it
  is re-checked each time a queue opens): `merge.copydesk.driver`, the
  command git runs, `copydesk merge-driver %O %A %B %P`, with an absolute
  path to this installation so it works from git's shell whatever PATH is.

Without the config git would fall back to a line merge silently; without the
attribute Copydesk's driver is never asked. `ensure_registered` fixes both
and says what it did.

Blocking (runs git); call from a worker thread or the command line.
"""
from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

from app.article.model import ARTICLE_SUFFIXES
from app.team.commits import commit_paths
from app.team.git import Git, GitError
from app.team.repo import NotTeamQueue, TeamRepo

DRIVER = "copydesk"
ATTRIBUTES_HEADER = "# Copydesk: articles merge field by field, editors' logs keep both sides' lines"
ATTRIBUTE_LINES = tuple(f"*{suffix} merge={DRIVER}" for suffix in ARTICLE_SUFFIXES) + (
    ".copydesk/log/*.jsonl merge=union",
)
IGNORE_HEADER = "# Copydesk: temp files of interrupted saves"
IGNORE_LINES = (".copydesk-*.tmp",)
SETUP_MESSAGE = "Copydesk: merge article files field by field"


def driver_command() -> str:
    """What git runs to merge an article: this installation's `copydesk merge-driver`."""
    script = Path(sys.executable).with_name("copydesk")
    if script.is_file() and os.access(script, os.X_OK):
        base = shlex.quote(str(script))
    elif shutil.which("copydesk"):
        base = shlex.quote(str(shutil.which("copydesk")))
    else:  # run from a checkout that is not installed
        base = f"{shlex.quote(sys.executable)} -m app"
    return f"{base} merge-driver %O %A %B %P"


def ensure_registered(repo: TeamRepo, commit: bool = True) -> list[str]:
    """Make sure the clone's config and the queue's .gitattributes name the driver.
    Returns what was done, one sentence each (empty when all was in place).

    A .gitattributes Copydesk changed is committed on its own (only that file,
    only when it had no changes of the editor's before), so the setting
    travels with the next sync."""
    done: list[str] = []
    git = repo.git
    command = driver_command()
    if git.config(f"merge.{DRIVER}.driver") != command:
        git.run("config", "--local", f"merge.{DRIVER}.name", "Copydesk: front matter field by field")
        git.run("config", "--local", f"merge.{DRIVER}.driver", command)
        done.append("registered Copydesk's merge driver in this clone's git config")
    changed = []
    attributes = repo.queue_folder / ".gitattributes"
    ignore = repo.queue_folder / ".gitignore"
    clean_before = {path: _clean(repo, path) for path in (attributes, ignore)}
    if _append_missing(attributes, ATTRIBUTES_HEADER, ATTRIBUTE_LINES):
        changed.append(attributes)
        done.append(f"wrote the merge rules into {attributes}")
    if _append_missing(ignore, IGNORE_HEADER, IGNORE_LINES):
        changed.append(ignore)
    to_commit = [path for path in changed if clean_before[path]]
    if commit and to_commit and repo.busy_reason() is None:
        with repo.locked():
            commit_paths(repo, [path.relative_to(repo.top).as_posix() for path in to_commit], SETUP_MESSAGE,
                         repo.identity())
    return done


def _append_missing(path: Path, header: str, lines: tuple[str, ...]) -> bool:
    """Append the lines `path` lacks, below a header. Only ever appends: the
    file's own bytes stay as they are."""
    try:
        text = path.read_bytes().decode("utf-8", "surrogateescape")
    except FileNotFoundError:
        text = ""
    present = {line.strip() for line in text.splitlines()}
    missing = [line for line in lines if line not in present]
    if not missing:
        return False
    newline = "\r\n" if "\r\n" in text else "\n"
    block = ([header] if header not in present else []) + missing
    addition = newline if text and not text.endswith("\n") else ""
    if text and header not in present:
        addition += newline  # a blank line between the file's own lines and ours
    addition += newline.join(block) + newline
    with open(path, "ab") as handle:
        handle.write(addition.encode("utf-8", "surrogateescape"))
    return True


def _clean(repo: TeamRepo, path: Path) -> bool:
    """True when committing the file takes nobody's edit: it does not exist yet,
    or it is tracked and holds what HEAD holds."""
    if not path.exists():
        return True
    relpath = path.relative_to(repo.top).as_posix()
    result = repo.git.run("status", "--porcelain=v2", "-z", "--untracked-files=all", "--", relpath,
                          check=False, env={"GIT_OPTIONAL_LOCKS": "0"})
    return result.returncode == 0 and not result.fields() and \
        repo.git.run("ls-files", "--error-unmatch", "--", relpath, check=False).returncode == 0


# --- copydesk team init ---------------------------------------------------------

def init_team(folder: str | os.PathLike[str], remote_url: str, identity_name: str | None = None) -> list[str]:
    """Set up FOLDER as a team queue that syncs with `remote_url`. Returns what
    was done. Raises NotTeamQueue (with the reason) when it cannot.

    - FOLDER missing or empty and the remote already holds a queue: clone it;
    - FOLDER not in a working copy: `git init` it, commit its files, push;
    - FOLDER in a working copy: add the remote as `origin` (or check the one
      there is the same), register the driver, push the branch if the remote
      has none yet."""
    path = Path(folder)
    url = _absolute_if_local(remote_url)
    done: list[str] = []
    remote_heads = _remote_heads(url)
    inside = path.is_dir() and Git(path).run("rev-parse", "--show-toplevel", check=False).returncode == 0
    if not inside:
        empty = not path.exists() or (path.is_dir() and not any(path.iterdir()))
        if remote_heads and empty:
            path.parent.mkdir(parents=True, exist_ok=True)
            Git(path.parent).network("clone", "--quiet", url, os.fspath(path.resolve()))
            done.append(f"cloned {remote_url} into {path}")
            repo = TeamRepo.open(path)
            done += ensure_registered(repo)
            return done
        if remote_heads:
            raise NotTeamQueue(f"{path} already has files and {remote_url} already holds a queue; "
                               f"clone it into an empty folder instead (copydesk team init NEWFOLDER --remote ...)")
        path.mkdir(parents=True, exist_ok=True)
        Git(path).run("init", "--quiet", "--initial-branch", "main")
        done.append(f"made {path} a git working copy (branch main)")
    repo = TeamRepo.open(path)
    busy = repo.busy_reason()
    if busy:
        raise NotTeamQueue(busy)
    remote = _add_remote(repo, url, done)
    done += ensure_registered(repo, commit=False)
    if repo.head() is None or not inside:
        _first_commit(repo)
        done.append("committed the queue's files")
    else:
        paths = [p.relative_to(repo.top).as_posix() for p in
                 (repo.queue_folder / ".gitattributes", repo.queue_folder / ".gitignore")]
        with repo.locked():
            if commit_paths(repo, paths, SETUP_MESSAGE, repo.identity()) is not None:
                done.append("committed the merge rules")
    branch = repo.branch()
    assert branch is not None
    if branch not in remote_heads:
        repo.git.network("push", "--quiet", "--set-upstream", remote, f"HEAD:refs/heads/{branch}")
        done.append(f"pushed branch {branch} to {remote_url}")
    elif repo.git.config(f"branch.{branch}.remote") is None:
        repo.git.network("fetch", "--quiet", remote)
        repo.git.run("branch", "--quiet", f"--set-upstream-to={remote}/{branch}")
        done.append(f"branch {branch} now syncs with {remote}/{branch} (run copydesk sync)")
    return done


def _remote_heads(url: str) -> set[str]:
    try:
        out = Git(Path.cwd() if Path.cwd().exists() else Path("/")).network("ls-remote", "--heads", url)
    except GitError as exc:
        raise NotTeamQueue(f"cannot reach {url}: {exc.describe()}") from None
    return {line.split("\t", 1)[1].removeprefix("refs/heads/") for line in out.text.splitlines() if "\t" in line}


def _add_remote(repo: TeamRepo, url: str, done: list[str]) -> str:
    existing = repo.git.config("remote.origin.url")
    if existing is None:
        repo.git.run("remote", "add", "origin", url)
        done.append(f"added remote origin: {url}")
    elif _absolute_if_local(existing) != url:
        raise NotTeamQueue(f"this working copy's origin is {existing}, not {url}; "
                           "change it with git remote set-url origin URL, or pass that URL")
    return "origin"


def _first_commit(repo: TeamRepo) -> None:
    identity = repo.identity()
    repo.git.run("add", "--all", "--", repo.prefix or ".")
    repo.git.run("commit", "--quiet", "--no-verify", "--allow-empty", "-m", "Copydesk: start the team queue",
                 env=identity.env)


def _absolute_if_local(url: str) -> str:
    """A remote given as a path on disk, made absolute (a relative one would mean
    something else from inside the clone)."""
    if "://" in url or (":" in url.split("/", 1)[0] and not os.path.exists(url)):
        return url  # a URL or scp-like user@host:path
    return os.path.abspath(os.path.expanduser(url))
