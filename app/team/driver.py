"""`copydesk merge-driver %O %A %B %P`: what git runs to merge an article file.

git hands over three temporary files (the common base, ours, theirs) and the
file's path in the repository. The merged result is written into the "ours"
file and the exit status is 0; on a real conflict the "ours" file is left
exactly as it was (no conflict markers, ever) and the status is 1, so git
stops with the file unmerged and the editor's own version in place. Each
conflict is named on stderr.
"""
from __future__ import annotations

import os
import sys
import tempfile

from app.team.git import merge_text
from app.team.merge import merge_article


def run_merge_driver(base_file: str, ours_file: str, theirs_file: str, path: str) -> int:
    try:
        with open(base_file, "rb") as handle:
            base: bytes | None = handle.read()
        with open(ours_file, "rb") as handle:
            ours = handle.read()
        with open(theirs_file, "rb") as handle:
            theirs = handle.read()
    except OSError as exc:
        print(f"copydesk merge-driver: {path}: {exc}", file=sys.stderr)
        return 2
    if base == b"" and ours and theirs:
        base = None  # git's stand-in base for a file both sides added
    result = merge_article(path, base, ours, theirs, merge_text)
    if result.merged is None:
        for clash in result.clashes:
            shown = f": ours {clash.ours!r}, theirs {clash.theirs!r}" if clash.ours is not None or \
                clash.theirs is not None else " changed on both sides"
            print(f"copydesk merge-driver: {path}: {clash.field}{shown}", file=sys.stderr)
        return 1
    if result.merged != ours:
        _replace_contents(ours_file, result.merged)
    return 0


def _replace_contents(path: str, data: bytes) -> None:
    """Write the merge into git's temp file whole, or not at all."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, temp = tempfile.mkstemp(prefix=".copydesk-merge-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise
