"""Small reads and writes of git objects and index entries, shared by commits and the replay.

Each is one git process however many objects it handles. Git worker thread only.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from app.team.repo import TeamRepo

Entry = tuple[str, str, str]  # (mode, blob or "" for removal, repository path)
ZERO = "0" * 40


def tree_entries(repo: TeamRepo, commit: str | None, paths: Sequence[str]) -> dict[str, tuple[str, str]]:
    """{path: (mode, blob)} for the given repository paths that are blobs in `commit`."""
    if commit is None or not paths:
        return {}
    found: dict[str, tuple[str, str]] = {}
    for record in repo.git.run("ls-tree", "-r", "-z", "--full-tree", commit, "--", *paths).fields():
        info, _, path = record.partition("\t")
        mode, kind, sha = info.split(" ")
        if kind == "blob":
            found[path] = (mode, sha)
    return found


def read_objects(repo: TeamRepo, specs: Sequence[str]) -> dict[str, bytes]:
    """Blobs by id or `<rev>:<path>`, through one `git cat-file --batch`; missing ones are left out."""
    if not specs:
        return {}
    raw = repo.git.run("cat-file", "--batch", input="".join(f"{s}\n" for s in specs).encode()).stdout
    found: dict[str, bytes] = {}
    at = 0
    for spec in specs:
        line_end = raw.index(b"\n", at)
        header = raw[at:line_end].split(b" ")
        at = line_end + 1
        if len(header) != 3:  # "<spec> missing", "<spec> ambiguous"
            continue
        size = int(header[2])
        if header[1] == b"blob":
            found[spec] = raw[at:at + size]
        at += size + 1
    return found


def write_blobs(repo: TeamRepo, items: Sequence[tuple[str, bytes | None]]) -> list[str]:
    """Blob ids for (path, bytes) items, written into the repository: bytes as
    given, None meaning the file on disk (both exactly, without filters).
    One `git hash-object --stdin-paths` for all."""
    if not items:
        return []
    folder = repo.state_path("blobs")
    folder.mkdir(exist_ok=True)
    names: list[str] = []
    made: list[Path] = []
    try:
        for number, (path, data) in enumerate(items):
            if data is None:
                names.append(os.fspath(repo.top / path))
                continue
            temp = folder / f"{os.getpid()}-{number}"
            temp.write_bytes(data)
            made.append(temp)
            names.append(os.fspath(temp))
        listing = "".join(f"{name}\n" for name in names).encode("utf-8", "surrogateescape")
        out = repo.git.run("hash-object", "-w", "--no-filters", "--stdin-paths", input=listing)
    finally:
        for temp in made:
            temp.unlink(missing_ok=True)
    return out.text.splitlines()


def index_info(entries: Sequence[Entry]) -> bytes:
    """`git update-index -z --index-info` input: a removal is mode 0 and the zero id."""
    return b"".join(f"{mode} {sha or ZERO}\t".encode() + os.fsencode(path) + b"\0" for mode, sha, path in entries)


def fast_import_path(path: str) -> str:
    """A path as `git fast-import` reads it: C-style quoted when it starts with a quote or holds a line break."""
    if not path.startswith('"') and "\n" not in path:
        return path
    return '"' + path.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
