"""A queue's settings: which profile it uses, read from `.copydesk/config.toml`
or detected, and the field mapping and file rules that follow from it.

    # .copydesk/config.toml (every key optional)
    profile = "hugo"               # news | hugo | jekyll (default: detected, else news)
    exclude = ["drafts/**"]        # globs to leave out, added to the profile's own
    default_excludes = true        # false: drop the profile's own exclude globs
    html = false                   # whether .html files are articles

    [fields]                       # each one replaces the profile's
    published = "draft"            # the key that holds the publish decision
    published_inverted = true      # true in the file means unpublished
    published_missing = "published"  # a missing key means: published | unpublished | unset
    quality = "quality"
    quality_range = [0, 100]       # within 0 to 100
    quality_expected = true        # a missing quality is a warning (news: true; hugo, jekyll: false)
    title = ["title"]              # keys in order of preference (a string is one key)
    excerpt = ["summary", "description"]
    date = ["date"]
    topics = ["tags", "categories"]  # every one of these feeds the topics
    category = ["category"]
    provider = ["author"]
    images = ["images"]
    date_from_filename = false     # a post named 2024-05-01-x.md is dated 2024-05-01
    split_topics = false           # "a b c" in a topic key is three topics

Where: the folder being opened, or the nearest folder above it that holds a
`.copydesk` folder (no higher than the top of its git working copy). The
exclude globs are relative to the folder that holds `.copydesk/`, or, without
a config file, to the detected site's root.

A file that cannot be used is never a crash: `load_queue_settings` returns the
settings the queue would have without it (detected, else news), with `error`
saying what is wrong, where (file, line, column). Commands print it and stop;
the window lists the queue with those defaults, says so, and writes nothing.

The window's File > Queue Settings calls `load_queue_settings(folder)` to show
the profile (`.profile.label`, `.source`) and `write_profile_choice(folder,
name)` to change it. Both are plain Python and quick (a few stats and one small
file); call them from any thread.
"""
from __future__ import annotations

import contextlib
import os
import re
import tempfile
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from app.article.mapping import MISSING_WORDS, FieldMapping
from app.article.model import QUALITY_MAX, QUALITY_MIN
from app.queue.location import QUEUE_MARK, marked_root_of
from app.queue.profiles import DEFAULT_PROFILE, PROFILES, DetectedSite, Profile, detect_site
from app.queue.rules import FileRules, check_glob

CONFIG_NAME = "config.toml"
Source = Literal["built-in", "detected", "config file", "chosen"]
_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")  # a key Copydesk can write as a plain YAML key
_TOP_KEYS = ("profile", "exclude", "default_excludes", "html", "fields")
_KEY_LISTS = {"title": "title", "excerpt": "excerpt", "date": "date", "topics": "topics",
              "category": "category", "provider": "provider", "images": "images"}
_FIELD_KEYS = ("published", "published_inverted", "published_missing", "quality", "quality_range",
               "quality_expected", "date_from_filename", "split_topics", *_KEY_LISTS)


@dataclass(frozen=True, slots=True)
class ConfigError:
    """What is wrong with a config file, and where."""

    path: Path
    message: str
    line: int | None = None
    column: int | None = None

    def describe(self) -> str:
        """`path:line:column: message`, as compilers (and `copydesk check`) write it."""
        where = str(self.path)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"


class ConfigProblem(Exception):
    def __init__(self, error: ConfigError) -> None:
        super().__init__(error.describe())
        self.error = error


@dataclass(frozen=True, slots=True)
class QueueSettings:
    folder: Path  # the queue folder these settings are for
    profile: Profile  # the profile they start from
    source: Source  # where the profile's name came from
    mapping: FieldMapping
    rules: FileRules
    config_path: Path  # the config file read, or where `write_profile_choice` would create it
    config_found: bool
    detected: DetectedSite | None  # what detection says, whatever the source
    error: ConfigError | None = None  # set: the config file is unusable, and these are the fallback

    @property
    def name(self) -> str:
        return self.profile.name

    def describe(self) -> str:
        """One line for a status bar or a notice: "hugo profile (detected: Hugo site at ... (hugo.toml))"."""
        if self.source == "detected" and self.detected is not None:
            why = f"detected: {self.detected.describe()}"
        elif self.source == "config file":
            why = f"from {self.config_path}"
        elif self.source == "chosen":
            why = "chosen by the caller"
        else:
            why = "the built-in default"
        if self.config_found and self.source != "config file":
            why += f"; other settings from {self.config_path}"
        return f"{self.profile.name} profile ({why})"


def load_queue_settings(folder: str | os.PathLike[str], *, profile: str | None = None,
                        detect_from: str | os.PathLike[str] | None = None) -> QueueSettings:
    """The settings of the queue at `folder`. `profile` overrides the config
    file's and detection's choice (a preview before `write_profile_choice`);
    the rest of the config file still applies. Detection looks from `detect_from`
    (default: `folder`) upwards. Never raises for a bad file: see `error`."""
    folder_path = Path(os.path.abspath(folder))
    marked = marked_root_of(folder_path)
    config_root = marked if marked is not None else folder_path
    config_path = config_root / QUEUE_MARK / CONFIG_NAME
    detected = detect_site(Path(detect_from) if detect_from is not None else folder_path)
    try:
        text = _read_config(config_path)
        settings = _settings(folder_path, config_root, config_path, text, detected, profile)
    except ConfigProblem as problem:
        fallback = _settings(folder_path, config_root, config_path, None, detected, profile)
        return replace(fallback, error=problem.error)
    return settings


def settings_for_file(file: str | os.PathLike[str], *, profile: str | None = None) -> QueueSettings:
    """The settings of the queue a file belongs to (`copydesk set FILE`, `show`,
    `check FILE`), as a queue opened on its folder would have them. Their
    `folder` is the one the file's relpath (and the exclude globs) start from:
    - the nearest folder above it with a `.copydesk/config.toml` (its queue
      folder, as `queue_root_of` finds it), the profile detected from the file's
      own folder unless the config names one;
    - else the Hugo or Jekyll site it is in (a site inside a bigger git
      working copy is still a site);
    - else its queue folder (`queue_root_of`), with the seed's profile."""
    from app.queue.location import queue_root_of

    here = Path(os.path.abspath(file)).parent
    marked = marked_root_of(here)
    if marked is not None and (marked / QUEUE_MARK / CONFIG_NAME).exists():
        return load_queue_settings(marked, profile=profile, detect_from=here)
    site = detect_site(here)
    if site is not None:
        return load_queue_settings(site.root, profile=profile)
    return load_queue_settings(marked if marked is not None else queue_root_of(Path(file)), profile=profile)


def _read_config(path: Path) -> str | None:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise ConfigProblem(ConfigError(path, "is a folder, not a file")) from None
    except OSError as exc:
        raise ConfigProblem(ConfigError(path, f"cannot be read: {exc.strerror or exc}")) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return _raise(path, f"not UTF-8 text (byte 0x{data[exc.start]:02x})", line, None)


def _raise(path: Path, message: str, line: int | None = None, column: int | None = None) -> Any:
    raise ConfigProblem(ConfigError(path, message, line, column))


def _settings(folder: Path, config_root: Path, config_path: Path, text: str | None,
              detected: DetectedSite | None, override: str | None) -> QueueSettings:
    config = _parse(config_path, text) if text is not None else {}
    where = _Locator(config_path, text or "")
    chosen = override if override is not None else config.get("profile")
    if override is not None and override not in PROFILES:
        raise ValueError(f"unknown profile {override!r} (known: {', '.join(PROFILES)})")
    if chosen is not None:
        if not isinstance(chosen, str) or chosen not in PROFILES:
            where.fail(None, "profile", f"profile must be one of {', '.join(PROFILES)}, not {chosen!r}")
        base = PROFILES[chosen]
        source: Source = "chosen" if override is not None else "config file"
    elif detected is not None:
        base, source = PROFILES[detected.profile], "detected"
    else:
        base, source = DEFAULT_PROFILE, "built-in"
    mapping = _mapping(base.mapping, config.get("fields", {}), where)
    html = config.get("html", base.html)
    where.check(isinstance(html, bool), None, "html", "html must be true or false")
    exclude = list(base.exclude)
    default_excludes = config.get("default_excludes", True)
    where.check(isinstance(default_excludes, bool), None, "default_excludes", "default_excludes must be true or false")
    if not default_excludes:
        exclude = []
    extra = config.get("exclude", [])
    if isinstance(extra, str):
        extra = [extra]
    where.check(isinstance(extra, list) and all(isinstance(p, str) for p in extra), None, "exclude",
                "exclude must be a list of glob patterns (strings)")
    for pattern in extra:
        problem = check_glob(pattern)
        where.check(problem is None, None, "exclude", f"exclude pattern {pattern!r}: {problem}")
    exclude += [p for p in extra if p not in exclude]
    # The globs are relative to the folder holding .copydesk/ (or, without a config file, the site's root).
    if text is not None or detected is None:
        glob_root = config_root
    else:
        glob_root = detected.root
    rules = FileRules(base.article_suffixes(html), tuple(exclude), _prefix(folder, glob_root))
    return QueueSettings(folder, base, source, mapping, rules, config_path, text is not None, detected)


def _prefix(folder: Path, root: Path) -> str:
    try:
        rel = folder.relative_to(root).as_posix()
    except ValueError:
        return ""
    return "" if rel == "." else rel + "/"


def _parse(path: Path, text: str) -> dict[str, Any]:
    try:
        config = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
        if found:
            _raise(path, message[:found.start()], int(found.group(1)), int(found.group(2)))
        found = re.search(r"\s*\(at end of document\)$", message)
        if found:
            line = text.count("\n") + 1
            _raise(path, message[:found.start()] + " (at the end of the file)", line,
                   len(text) - (text.rfind("\n") + 1) + 1)
        _raise(path, message)
    where = _Locator(path, text)
    for key in config:
        where.check(key in _TOP_KEYS, None, key, f"unknown setting {key!r} (known: {', '.join(_TOP_KEYS)})")
    fields = config.get("fields", {})
    where.check(isinstance(fields, dict), None, "fields", "fields must be a table ([fields])")
    for key in fields:
        where.check(key in _FIELD_KEYS, "fields", key,
                    f"unknown field setting {key!r} (known: {', '.join(_FIELD_KEYS)})")
    return config


def _mapping(base: FieldMapping, fields: dict[str, Any], where: _Locator) -> FieldMapping:
    changes: dict[str, Any] = {}

    def key_setting(name: str) -> str:
        value = fields[name]
        where.check(isinstance(value, str) and _KEY.fullmatch(value) is not None, "fields", name,
                    f"{name} must be a key name (letters, digits, _ . -), not {value!r}")
        return value

    for name, attribute in (("published", "published_key"), ("quality", "quality_key")):
        if name in fields:
            changes[attribute] = key_setting(name)
    for name, attribute in (("published_inverted", "published_inverted"),
                            ("quality_expected", "quality_expected"),
                            ("date_from_filename", "date_from_filename"), ("split_topics", "split_topic_text")):
        if name in fields:
            where.check(isinstance(fields[name], bool), "fields", name, f"{name} must be true or false")
            changes[attribute] = fields[name]
    if "published_missing" in fields:
        word = fields["published_missing"]
        where.check(isinstance(word, str) and word in MISSING_WORDS, "fields", "published_missing",
                    f"published_missing must be one of {', '.join(MISSING_WORDS)}, not {word!r}")
        changes["published_missing"] = MISSING_WORDS[word]
    if "quality_range" in fields:
        span = fields["quality_range"]
        fine = (isinstance(span, list) and len(span) == 2
                and all(isinstance(n, int) and not isinstance(n, bool) for n in span)
                and QUALITY_MIN <= span[0] < span[1] <= QUALITY_MAX)
        where.check(fine, "fields", "quality_range",
                    f"quality_range must be [low, high], whole numbers with {QUALITY_MIN} <= low < high "
                    f"<= {QUALITY_MAX}, not {span!r}")
        changes["quality_min"], changes["quality_max"] = span
    for name, attribute in _KEY_LISTS.items():
        if name in fields:
            value = fields[name]
            keys = [value] if isinstance(value, str) else value
            where.check(isinstance(keys, list) and all(isinstance(k, str) and _KEY.fullmatch(k) for k in keys),
                        "fields", name, f"{name} must be a key name or a list of key names, not {value!r}")
            changes[attribute] = tuple(keys)
    mapping = replace(base, **changes)
    where.check(mapping.published_key != mapping.quality_key, "fields", "quality",
                f"published and quality cannot both be the key {mapping.quality_key!r}")
    return mapping


class _Locator:
    """Finds the line of a setting, so a value's message can say where it is
    (tomllib reports positions only for syntax errors)."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.text = text

    def fail(self, table: str | None, key: str, message: str) -> None:
        line, column = self.position(table, key)
        _raise(self.path, message, line, column)

    def check(self, ok: bool, table: str | None, key: str, message: str) -> None:
        if not ok:
            self.fail(table, key, message)

    def position(self, table: str | None, key: str) -> tuple[int | None, int | None]:
        current: str | None = None
        pattern = re.compile(rf"""\s*(?:{re.escape(key)}|"{re.escape(key)}"|'{re.escape(key)}')\s*=""")
        for number, line in enumerate(self.text.splitlines(), start=1):
            header = re.match(r"\s*\[\s*([^\]]+?)\s*\]", line)
            if header and not line.lstrip().startswith("[["):
                current = header.group(1).strip("\"'")
                if table is None and current == key:
                    return number, line.index("[") + 1
                continue
            if current == table and pattern.match(line):
                return number, len(line) - len(line.lstrip()) + 1
            if table is not None and current is None and re.match(rf"\s*{re.escape(table)}\.{re.escape(key)}\s*=",
                                                                  line):
                return number, len(line) - len(line.lstrip()) + 1  # `fields.quality = ...`
        return None, None


# --- writing the profile (File > Queue Settings) ------------------------------

_PROFILE_LINE = re.compile(r"""^(?P<head>[ \t]*profile[ \t]*=[ \t]*)(?P<value>"[^"\n]*"|'[^'\n]*')(?P<tail>[^\n]*)$""",
                           re.MULTILINE)
_NEW_CONFIG = "# Copydesk's settings for this queue (see the README's \"Profiles\" section).\n"


def write_profile_choice(folder: str | os.PathLike[str], name: str | None) -> QueueSettings:
    """Make `name` the queue's profile in its config file (None: remove the
    choice, so the profile is detected again). Only the `profile = ...` line
    changes (or is added, or removed); every other byte of the file stays as
    it was. Creates `.copydesk/config.toml` when there is none. Returns the new
    settings. Raises `ConfigProblem` for a config file that cannot be parsed (it
    is not rewritten) and OSError when it cannot be written."""
    if name is not None and name not in PROFILES:
        raise ValueError(f"unknown profile {name!r} (known: {', '.join(PROFILES)})")
    settings = load_queue_settings(folder)
    path = settings.config_path
    text = _read_config(path)
    before = _parse(path, text) if text is not None else {}
    new_text = _with_profile(path, text or "", name)
    after = _parse(path, new_text) if new_text else {}
    # The edit must change the profile and nothing else, or nothing is written.
    if after.get("profile") != name or {k: v for k, v in after.items() if k != "profile"} != \
            {k: v for k, v in before.items() if k != "profile"}:
        _raise(path, "could not change the profile line without touching other settings; edit the file by hand")
    if text is None and name is None:
        return settings  # nothing chosen and no file: nothing to write
    if new_text != text:
        _replace_text(path, text, new_text)
    return load_queue_settings(folder)


def _with_profile(path: Path, text: str, name: str | None) -> str:
    newline = "\r\n" if "\r\n" in text else "\n"
    found = list(_PROFILE_LINE.finditer(text))
    top = _top_level_end(text)
    found = [m for m in found if m.start() < top]  # a `profile` inside a [table] is another setting
    if len(found) > 1:
        _raise(path, "profile is set twice")
    if found:
        match = found[0]
        if name is None:  # remove the whole line, its line ending included
            end = match.end()
            if text.startswith("\r\n", end):
                end += 2
            elif text.startswith("\n", end):
                end += 1
            return text[:match.start()] + text[end:]
        return text[:match.start("value")] + f'"{name}"' + text[match.end("value"):]
    if name is None:
        return text
    if not text:
        return _NEW_CONFIG.replace("\n", newline) + f'profile = "{name}"{newline}'
    # After the comments and blank lines that open the file: still before any table.
    at = 0
    for line in text.splitlines(keepends=True):
        if line.strip() and not line.lstrip().startswith("#"):
            break
        at += len(line)
    if at and not text[:at].endswith("\n"):  # a file of only comments without a final newline
        return text + newline + f'profile = "{name}"{newline}'
    return text[:at] + f'profile = "{name}"{newline}' + text[at:]


def _top_level_end(text: str) -> int:
    """Where the first table header starts (top-level keys must come before it)."""
    header = re.search(r"^[ \t]*\[", text, re.MULTILINE)
    return header.start() if header else len(text)


def _replace_text(path: Path, old: str | None, new: str) -> None:
    """Write `new` atomically, if the file still holds `old` (None: does not exist)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    now = _read_config(path)
    if now != old:
        _raise(path, "changed while the profile was being written; nothing written, try again")
    fd, temp = tempfile.mkstemp(prefix=".copydesk-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(new.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        if old is not None:
            with contextlib.suppress(OSError):
                os.chmod(temp, os.stat(path).st_mode & 0o7777)  # mkstemp makes 0600
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temp, 0o666 & ~umask)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    with contextlib.suppress(OSError):
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
