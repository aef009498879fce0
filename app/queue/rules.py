"""Which files of a queue folder are articles: the name rules every queue shares
(hidden files, editors' temp and backup files are never articles), the
suffixes the queue's profile lists, and the queue's `exclude` globs.

Globs are matched against '/'-separated paths relative to the folder they were
written for (the config file's queue folder, or a detected site's root), in
the way a `.gitignore` reads:
- a pattern without a '/' matches a name at any depth (`README.md`, `_index.*`);
- one with a '/' matches from that folder down (`layouts/**`, `/drafts/*.md`);
- `*` and `?` stay within one name, `**` spans folders, `[abc]` is a class;
- a pattern that matches a folder leaves out everything in it (`node_modules`,
  `_site/`), so such folders are not even walked.

`FileRules` is frozen and plain, so it pickles; any thread.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from app.article.model import ARTICLE_SUFFIXES

# Exact names and name endings that editors and tools use for temp/backup files.
_IGNORED_NAMES = frozenset({"4913"})  # Vim's probe for a writable folder
_IGNORED_ENDINGS = ("~", "___jb_tmp___", "___jb_old___")  # backups, JetBrains safe-write


def is_ignored_name(name: str) -> bool:
    """Hidden files (`.*`, which covers `.*.swp`, `.#*` and `.copydesk-*.tmp`),
    backups and temp files."""
    return name.startswith(".") or name in _IGNORED_NAMES or name.endswith(_IGNORED_ENDINGS)


def is_ignored_relpath(relpath: str) -> bool:
    """True when any part of a '/'-separated path is hidden or a temp/backup name."""
    return any(is_ignored_name(part) for part in relpath.split("/"))


@dataclass(frozen=True, slots=True)
class FileRules:
    """The default is a seed-shaped queue's: today's suffixes, nothing excluded."""

    suffixes: tuple[str, ...] = ARTICLE_SUFFIXES  # lower case, with the dot
    exclude: tuple[str, ...] = ()  # globs
    # The queue folder's own path inside the folder the globs are written for
    # ("content/" when a Hugo site's content folder is opened), '' or ending in '/'.
    prefix: str = ""

    def is_article_name(self, name: str) -> bool:
        return name.lower().endswith(self.suffixes) and not is_ignored_name(name)

    def excludes_name(self, relpath: str) -> bool:
        """The file's own path matches a glob (its folders are not looked at: a walk prunes them)."""
        matcher = _matcher(self.exclude)
        return matcher is not None and matcher.fullmatch(self.prefix + relpath) is not None

    def prunes(self, rel_dir: str) -> bool:
        """The folder matches a glob (`node_modules`), or every file in it would (`_site/**`)."""
        matcher = _matcher(self.exclude)
        if matcher is None:
            return False
        path = self.prefix + rel_dir
        # "\0" stands for "any name in it": no real name holds one, and `*`/`**` match it.
        return matcher.fullmatch(path) is not None or matcher.fullmatch(path + "/\0") is not None

    def folder_excluded(self, rel_dir: str) -> bool:
        """The folder or one above it (inside the queue) is pruned."""
        if not self.exclude or not rel_dir:
            return False
        parts = rel_dir.split("/")
        return any(self.prunes("/".join(parts[:i])) for i in range(1, len(parts) + 1))

    def excluded(self, relpath: str) -> bool:
        """The file is left out by the queue's globs, itself or through a folder."""
        if not self.exclude:
            return False
        folder = relpath.rpartition("/")[0]
        return self.excludes_name(relpath) or self.folder_excluded(folder)

    def is_article(self, relpath: str) -> bool:
        """A file of this queue's: an article name, nothing hidden on its path, not excluded."""
        return (self.is_article_name(relpath.rpartition("/")[2]) and not is_ignored_relpath(relpath)
                and not self.excluded(relpath))


DEFAULT_RULES = FileRules()


@functools.lru_cache(maxsize=64)
def _matcher(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    """One compiled regex for every glob (compiled once per process, also in workers)."""
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{glob_to_regex(p)})" for p in patterns), re.DOTALL)


def glob_to_regex(pattern: str) -> str:
    """The regex (for `fullmatch`) of one exclude glob, read as described above."""
    text = pattern.strip()
    while text.startswith("./"):
        text = text[2:]
    anchored = "/" in text.rstrip("/")
    text = text.lstrip("/")
    if text.endswith("/"):
        text += "**"
    out = [] if anchored else ["(?:.*/)?"]
    i = 0
    while i < len(text):
        if text.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif text.startswith("**", i):
            out.append(".*")
            i += 2
        elif text[i] == "*":
            out.append("[^/]*")
            i += 1
        elif text[i] == "?":
            out.append("[^/]")
            i += 1
        elif text[i] == "[" and "]" in text[i + 2:]:
            end = text.index("]", i + 2)
            body = text[i + 1:end]
            if body.startswith("!"):
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = end + 1
        else:
            out.append(re.escape(text[i]))
            i += 1
    return "".join(out)


def check_glob(pattern: str) -> str | None:
    """Why a glob is unusable, or None (for the config file's message)."""
    if not pattern.strip():
        return "an empty pattern"
    try:
        re.compile(glob_to_regex(pattern))
    except re.error as exc:
        return f"not a valid pattern ({exc})"
    return None
