"""The commit message of one decision: a summary an editor can read in `git log`,
the files it names, and trailers a program can read back.

    Publish "Why Silicon Matters"
    Unpublish 12 articles: duplicate
    Quality 57 -> 60 on "Why Silicon Matters"
    Publish "Why Silicon Matters" (undo)

    Copydesk-Action: publish
    Copydesk-Items: 12
    Copydesk-Batch: 7f3c...        (a bulk decision's batch id, when it has one)
    Copydesk-Source: window         (window, cli, undo, bulk)
    Copydesk-Reason: duplicate      (when one was given)

`Copydesk-Items` is the number of articles the commit changed; their paths
are in the commit itself (`git show --name-only`) and, for a few, in the body.
Read them back with `git log --format='%(trailers:key=Copydesk-Action,valueonly)'`.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

TITLE_CHARS = 60  # a summary line stays readable in `git log --oneline`
LISTED_PATHS = 20  # a bulk decision's body names this many files, then says how many more


@dataclass(frozen=True, slots=True)
class DecidedFile:
    """One written file of a decision, as the message needs it."""

    relpath: str
    title: str
    values: Mapping[str, Any]  # what was set
    previous: Mapping[str, Any]  # each field's value before (None: not set)


def compose_message(files: Sequence[DecidedFile], *, source: str = "window", reason: str | None = None,
                    batch: str | None = None) -> str:
    """The whole message for a decision that wrote `files` (at least one)."""
    summary = summarize(files, reason)
    if source == "undo":
        summary += " (undo)"
    lines = [summary]
    if len(files) > 1:
        lines.append("")
        lines += [f"- {_safe(f.relpath)}" for f in files[:LISTED_PATHS]]
        if len(files) > LISTED_PATHS:
            lines.append(f"- and {len(files) - LISTED_PATHS} more")
    lines += ["", f"Copydesk-Action: {action_of(files)}", f"Copydesk-Items: {len(files)}"]
    if batch:
        lines.append(f"Copydesk-Batch: {_safe(batch)}")
    lines.append(f"Copydesk-Source: {_safe(source)}")
    if reason:
        lines.append(f"Copydesk-Reason: {_safe(reason)}")
    return "\n".join(lines) + "\n"


def action_of(files: Sequence[DecidedFile]) -> str:
    """publish, unpublish, quality, or several joined with ", " (`set --published true --quality 90`)."""
    actions: list[str] = []
    for f in files:
        for name, value in f.values.items():
            word = ("publish" if value else "unpublish") if name == "published" else name
            if word not in actions:
                actions.append(word)
    return ", ".join(actions) or "none"


def summarize(files: Sequence[DecidedFile], reason: str | None = None) -> str:
    tail = f": {_safe(reason)}" if reason else ""
    if len(files) == 1:
        f = files[0]
        parts = [_one_change(name, value, f.previous.get(name)) for name, value in f.values.items()]
        return f"{_capitalized('; '.join(parts))} on {_quoted(f.title)}{tail}" if not _is_publish_only(f) \
            else f"{_capitalized(parts[0])} {_quoted(f.title)}{tail}"
    count = f"{len(files)} articles"
    names = {name for f in files for name in f.values}
    if names == {"published"}:
        values = {f.values["published"] for f in files}
        if len(values) == 1:
            return f"{'Publish' if values.pop() else 'Unpublish'} {count}{tail}"
        return f"Set published on {count}{tail}"
    if names == {"quality"}:
        new = {f.values["quality"] for f in files}
        if len(new) == 1:
            return f"Quality {new.pop()} on {count}{tail}"
        steps = {_step(f) for f in files}
        if steps == {"up"}:
            return f"Raise quality of {count}{tail}"
        if steps == {"down"}:
            return f"Lower quality of {count}{tail}"
        return f"Set quality on {count}{tail}"
    return f"Set {' and '.join(sorted(names))} on {count}{tail}"


def _is_publish_only(f: DecidedFile) -> bool:
    return list(f.values) == ["published"]


def _one_change(name: str, value: Any, before: Any) -> str:
    if name == "published":
        return "publish" if value else "unpublish"
    if name == "quality":
        return f"quality {'not set' if before is None else before} -> {value}"
    return f"{name} {before!r} -> {value!r}"


def _step(f: DecidedFile) -> str:
    before, after = f.previous.get("quality"), f.values.get("quality")
    if isinstance(before, int) and isinstance(after, int):
        return "up" if after > before else "down" if after < before else "same"
    return "set"


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def _quoted(title: str) -> str:
    text = _safe(title)
    if len(text) > TITLE_CHARS:
        text = text[:TITLE_CHARS - 1].rstrip() + "…"
    return f'"{text}"'


def _safe(text: str) -> str:
    """One line of printable text: a title may hold newlines, control characters, megabytes."""
    text = " ".join(str(text)[:10_000].split())
    return "".join(ch if ch.isprintable() else "\ufffd" for ch in text)
