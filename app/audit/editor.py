"""Who is deciding: the editor's name, and the log file it is kept in.

The name is, in order: `COPYDESK_EDITOR`; the window's setting (an argument);
`git config user.name` run in the queue folder (a 2 s timeout, no prompt;
no git, or no name set, is fine); the OS user. Whitespace around a name is
dropped, and an empty value counts as none.

Each editor appends to `.copydesk/log/<file name>.jsonl`, so logs kept in git
never conflict. `editor_file_name` maps a name to that file name,
deterministically (the same name gives the same file on every machine):

- a name made only of ASCII letters, digits, `.`, `_` and `-`, starting with
  a letter or digit, at most 64 characters, not a Windows device name
  (`con`, `nul`, `com1`...) and not ending in `.`, is used as it is
  (`ana`, `j.smith`);
- any other name becomes a readable part plus `-` and the first 8 hex digits
  of the SHA-256 of its UTF-8 (NFC) bytes: accents dropped (NFKD), every run
  of other characters turned into one `-`, cut to 40 characters, `editor` when
  nothing is left (`Ana Lima` -> `Ana-Lima-<8 hex>`, `José` -> `Jose-<8 hex>`,
  `李雷` -> `editor-<8 hex>`). Two names that read alike (`Ana Lima`,
  `Ana_Lima`) therefore still get files of their own.

The log line itself always keeps the real name.

`resolve_editor` may run git: call it off the GUI thread (at open, on the
worker that scans). `editor_file_name` is pure; any thread.
"""
from __future__ import annotations

import getpass
import hashlib
import os
import re
import subprocess
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

ENV_VARIABLE = "COPYDESK_EDITOR"
GIT_TIMEOUT_S = 2.0
_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_UNSAFE_RUN = re.compile(r"[^A-Za-z0-9._]+")
_RESERVED = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))})

EditorSource = Literal["environment", "setting", "git", "user"]


@dataclass(frozen=True, slots=True)
class Editor:
    name: str  # as the log lines keep it
    source: EditorSource  # where it came from (the window's status bar may say so)

    @property
    def file_name(self) -> str:
        return editor_file_name(self.name)


def resolve_editor(queue_folder: str | os.PathLike[str] | None, setting: str | None = None, *,
                   environ: Mapping[str, str] | None = None) -> Editor:
    """The editor for decisions about the queue in `queue_folder`. Blocking (git); not the GUI thread."""
    env = os.environ if environ is None else environ
    name = _clean(env.get(ENV_VARIABLE))
    if name:
        return Editor(name, "environment")
    name = _clean(setting)
    if name:
        return Editor(name, "setting")
    if queue_folder is not None:
        name = _clean(git_user_name(Path(queue_folder), env))
        if name:
            return Editor(name, "git")
    return Editor(os_user(), "user")


def git_user_name(folder: Path, environ: Mapping[str, str] | None = None) -> str | None:
    """`git config user.name` as git sees it in `folder` (its repository's, else the global one)."""
    env = dict(os.environ if environ is None else environ)
    env["GIT_TERMINAL_PROMPT"] = "0"  # never wait for a person at a prompt
    try:
        done = subprocess.run(["git", "config", "user.name"], cwd=folder, env=env, capture_output=True,
                              timeout=GIT_TIMEOUT_S, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):  # no git, no such folder, or too slow
        return None
    if done.returncode != 0:
        return None
    return os.fsdecode(done.stdout).strip() or None


def os_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # a container user with no passwd entry and no LOGNAME
        return f"uid-{os.getuid()}"


def _clean(value: str | None) -> str:
    return value.strip() if value else ""


def editor_file_name(name: str) -> str:
    """The log file's name (without `.jsonl`) for an editor called `name`."""
    if _SAFE.fullmatch(name) and not name.endswith(".") and name.split(".")[0].lower() not in _RESERVED:
        return name
    normal = unicodedata.normalize("NFC", name)
    digest = hashlib.sha256(normal.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    ascii_text = unicodedata.normalize("NFKD", normal).encode("ascii", "ignore").decode("ascii")
    readable = _UNSAFE_RUN.sub("-", ascii_text).strip(".-_")[:40].rstrip(".-_")
    return f"{readable or 'editor'}-{digest}"
