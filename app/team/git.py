"""The one way Copydesk runs `git`: the command line, never a binding.

Why the CLI: it runs merge drivers, hooks and credential helpers exactly as
the editor's own git does (libgit2 never runs a custom merge driver; GitPython
leaks in long-running processes). Every call here:

- runs with `GIT_TERMINAL_PROMPT=0`, no stdin and in a session of its own, so
  git (and ssh under it) can never stop to ask a question nobody will see;
- runs with `LC_ALL=C`, so the few messages Copydesk reads are in English;
- has a timeout (network calls a longer one); on expiry the whole process
  group is killed, ssh included;
- reads machine output (`-z`, porcelain v2) and names files by bytes
  (`os.fsdecode`), so odd file names survive.

Blocking: call it from a worker thread, never the GUI thread.
"""
from __future__ import annotations

import functools
import os
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

MIN_VERSION = (2, 38)  # `merge-tree --write-tree`, which the sync's replay needs
LOCAL_TIMEOUT_S = 120.0  # a status or commit of 100,000 files on a slow disk; never a network wait
NETWORK_TIMEOUT_S = 60.0  # fetch and push: a remote that has not answered by then is "unreachable"

_BASE_ENV = {
    "GIT_TERMINAL_PROMPT": "0",  # never ask for a user name or password on a terminal
    "LC_ALL": "C",  # English messages, the ones `describe_failure` reads
    "LANGUAGE": "C",
    "GIT_MERGE_AUTOEDIT": "no",
    "GIT_EDITOR": "false",  # nothing Copydesk runs may open an editor
}


class GitError(Exception):
    """A git command that failed: its arguments, exit status and the message git gave."""

    def __init__(self, args: Sequence[str], returncode: int, stderr: str, stdout: bytes = b"",
                 timed_out: bool = False) -> None:
        self.args_list = list(args)
        self.returncode = returncode
        self.stderr = stderr
        self.stdout = stdout
        self.timed_out = timed_out
        super().__init__(self.describe())

    def describe(self) -> str:
        """One line, for a person: git's own message without its "fatal:" prefix."""
        if self.timed_out:
            return f"git {self.args_list[0] if self.args_list else ''} did not finish in time"
        lines = [line.strip() for line in self.stderr.splitlines() if line.strip()]
        useful = [line for line in lines if not line.startswith(("hint:", "To ", "Done"))]
        text = (useful or lines or [f"git {' '.join(self.args_list[:2])} failed (status {self.returncode})"])
        first = next((line for line in text if line.startswith(("fatal:", "error:"))), text[0])
        return re.sub(r"^(fatal|error): ", "", first)


@dataclass(frozen=True, slots=True)
class GitResult:
    returncode: int
    stdout: bytes
    stderr: str

    @property
    def text(self) -> str:
        """stdout as text (file names as `os.fsdecode` gives them), without its final newline."""
        return os.fsdecode(self.stdout).removesuffix("\n")

    def fields(self) -> list[str]:
        """-z output split at NUL bytes (empty trailing fields dropped)."""
        parts = [os.fsdecode(part) for part in self.stdout.split(b"\0")]
        while parts and parts[-1] == "":
            parts.pop()
        return parts


class Git:
    """`git` run in one folder. Thread-safe (each call is its own process)."""

    def __init__(self, cwd: str | os.PathLike[str], env: Mapping[str, str] | None = None) -> None:
        self.cwd = Path(cwd)
        self.extra_env = dict(env or {})

    def run(self, *args: str, input: bytes | None = None, check: bool = True,
            timeout: float | None = LOCAL_TIMEOUT_S, env: Mapping[str, str] | None = None) -> GitResult:
        environment = {**os.environ, **_BASE_ENV, **self.extra_env, **(env or {})}
        command = [git_executable(), *args]
        try:
            process = subprocess.Popen(
                command, cwd=self.cwd, env=environment, start_new_session=True,
                stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        except OSError as exc:
            raise GitError(list(args), 127, f"cannot run git: {exc.strerror or exc}") from None
        try:
            out, err = process.communicate(input, timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            out, err = process.communicate()
            raise GitError(list(args), -1, err.decode("utf-8", "replace"), out, timed_out=True) from None
        except BaseException:  # Ctrl-C in a command: git and its children go too
            _kill_group(process)
            process.wait()
            raise
        result = GitResult(process.returncode, out, err.decode("utf-8", "replace"))
        if check and result.returncode != 0:
            raise GitError(list(args), result.returncode, result.stderr, out)
        return result

    def network(self, *args: str, check: bool = True, timeout: float | None = None,
                env: Mapping[str, str] | None = None) -> GitResult:
        """A call that talks to a remote (fetch, push, ls-remote): the network timeout."""
        return self.run(*args, check=check, timeout=NETWORK_TIMEOUT_S if timeout is None else timeout, env=env)

    def text(self, *args: str, **kwargs: object) -> str:
        return self.run(*args, **kwargs).text  # type: ignore[arg-type]

    def config(self, key: str) -> str | None:
        """A config value as git resolves it for this folder (None when unset)."""
        result = self.run("config", "--get", key, check=False)
        return result.text if result.returncode == 0 else None


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


@functools.lru_cache(maxsize=1)
def git_executable() -> str:
    return shutil.which("git") or "git"


@functools.lru_cache(maxsize=1)
def unavailable_reason() -> str | None:
    """None when a usable git is installed, else why team features cannot work
    (said once by whoever asks: the window's status bar, a CLI notice)."""
    if shutil.which("git") is None:
        return "git is not installed (no `git` command on PATH); Copydesk needs git 2.38 or newer"
    try:
        out = subprocess.run(["git", "--version"], capture_output=True, text=True, timeout=10,
                             stdin=subprocess.DEVNULL, env={**os.environ, **_BASE_ENV})
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"git cannot be run: {exc}"
    found = re.search(r"(\d+)\.(\d+)", out.stdout)
    if out.returncode != 0 or found is None:
        return f"`git --version` did not say which git this is: {out.stdout.strip() or out.stderr.strip()}"
    version = (int(found.group(1)), int(found.group(2)))
    if version < MIN_VERSION:
        return (f"git {found.group(0)} is too old; Copydesk needs git {MIN_VERSION[0]}.{MIN_VERSION[1]} "
                "or newer (for `git merge-tree --write-tree`)")
    return None


def team_unavailable_message() -> str | None:
    """"team features unavailable: <why>", or None when git is fine."""
    reason = unavailable_reason()
    return None if reason is None else f"team features unavailable: {reason}"


def merge_text(ours: bytes, base: bytes, theirs: bytes, labels: tuple[str, str, str] = ("mine", "base", "theirs")
               ) -> bytes | None:
    """A three-way text merge by `git merge-file`: the merged bytes, or None
    when the two sides changed the same lines (nothing with markers is ever returned)."""
    with tempfile.TemporaryDirectory(prefix="copydesk-merge-") as folder:
        names = []
        for name, data in (("ours", ours), ("base", base), ("theirs", theirs)):
            path = os.path.join(folder, name)
            with open(path, "wb") as handle:
                handle.write(data)
            names.append(path)
        result = Git(folder).run("merge-file", "-p", "-L", labels[0], "-L", labels[1], "-L", labels[2],
                                 *names, check=False)
    if result.returncode == 0:
        return result.stdout
    if 0 < result.returncode < 128:
        return None  # that many conflicts
    raise GitError(["merge-file"], result.returncode, result.stderr)
