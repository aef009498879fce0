"""Decisions: what an editor decided about one or many files, and what became
of it in each file.

This is the one place that knows what a write result *means*, for the window,
`copydesk set` and everything that comes later (bulk decisions, undo, merges):

- **written**: the file holds the new values now (`row` is its new queue row
  when the target is a review queue, so a window updates once);
- **already**: the file holds them already (it did before, or someone else
  made the same change meanwhile): nothing to write, nothing to ask;
- **conflict**: a field changed on disk since the editor saw it, to something
  else than what they asked for; `disk` holds what is there now;
- **failed**: nothing written, and `message` says why.

The retry rule lives here too: a write refused because the file changed
*while* saving, when the decided fields still hold what the editor saw, is
applied again on top of the new bytes (a few times), since nobody touched
what the editor decided about.

Blocking; call `decide` from a worker thread (the window's serial writer).
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from app.article.model import Article, WriteResult
from app.queue.config import QueueSettings, settings_for_file
from app.queue.location import queue_root_of
from app.queue.own_writes import OwnWriteJournal, noted_write

RACE_RETRIES = 3

Status = Literal["written", "already", "conflict", "failed"]
Source = Literal["window", "cli", "undo", "bulk"]


@dataclass(frozen=True, slots=True)
class Change:
    """One file's part of a decision."""

    path: str  # as the target names its files (a review queue: the relpath)
    values: Mapping[str, Any]  # field -> the value to set
    saw: Mapping[str, Any] | None = None  # field -> the value the editor saw; None: do not compare


@dataclass(frozen=True, slots=True)
class Decision:
    changes: tuple[Change, ...]
    source: Source = "window"
    reason: str | None = None
    batch: str | None = None  # shared by the files of one bulk decision

    @classmethod
    def one(cls, path: str, values: Mapping[str, Any], saw: Mapping[str, Any] | None = None,
            **options: Any) -> Decision:
        return cls((Change(path, dict(values), None if saw is None else dict(saw)),), **options)


@dataclass(frozen=True, slots=True)
class Outcome:
    path: str
    status: Status
    values: Mapping[str, Any]  # what was asked
    message: str = ""
    saw: Mapping[str, Any] | None = None  # what the editor saw (as in the Change)
    disk: Mapping[str, Any] = field(default_factory=dict)  # editable values on disk after the call
    row: Any = None  # the file's new ArticleSummary (written, from a review queue)
    article: Article | None = None  # the file's new typed article (written): nothing to read again
    sha256: str | None = None  # the file's hash after a write
    warning: str = ""  # written, but e.g. the folder could not be synced
    previous: Mapping[str, Any] = field(default_factory=dict)  # written: each field's value before, as typed

    @property
    def ok(self) -> bool:
        return self.status in ("written", "already")

    @property
    def conflicts(self) -> tuple[str, ...]:
        """The fields whose disk value is not the one asked for."""
        return tuple(name for name, value in self.values.items() if not same(self.disk.get(name), value))


class WriteTarget(Protocol):
    """Where a decision's files are written: a `ReviewQueue`, or `FileTarget`."""

    def write(self, path: str, changes: dict[str, Any],
              expected: dict[str, Any] | None = None) -> WriteResult: ...

    def locate(self, path: str) -> tuple[Path, str]:
        """(the queue folder the file belongs to, its '/'-separated path inside it)."""


class Recorder(Protocol):
    """Something that keeps account of decisions (the audit trail, git commits).
    Both calls run on the deciding thread; a recorder never fails a decision:
    it keeps its own notices of what it could not do."""

    def on_written(self, target: WriteTarget, decision: Decision, outcome: Outcome) -> None:
        """One file of `decision` was written (called as it happens)."""

    def on_decided(self, target: WriteTarget, decision: Decision, outcomes: Sequence[Outcome]) -> None:
        """Every file of `decision` has its outcome (or the decision was cancelled)."""


class FileTarget:
    """Files named by their own paths (`copydesk set FILE...`), through the same
    noted write as a review queue's, each under its own queue's settings
    (`app.queue.config.settings_for_file`): publishing a file of a Hugo site
    writes `draft: false`."""

    def __init__(self, journal: OwnWriteJournal | None = None) -> None:
        self.journal = journal if journal is not None else OwnWriteJournal()
        self._settings: dict[Path, QueueSettings] = {}  # by the file's folder

    def settings_of(self, path: str) -> QueueSettings:
        """The settings of the queue `path` belongs to (read once per folder of files)."""
        here = Path(os.path.abspath(path)).parent
        if here not in self._settings:
            self._settings[here] = settings_for_file(path)
        return self._settings[here]

    def write(self, path: str, changes: dict[str, Any],
              expected: dict[str, Any] | None = None) -> WriteResult:
        settings = self.settings_of(path)
        if settings.error is not None:
            return WriteResult(path, "failed", f"the queue's settings cannot be used "
                                               f"({settings.error.describe()}); nothing written")
        return noted_write(self.journal, path, changes, expected, settings.mapping)

    def locate(self, path: str) -> tuple[Path, str]:
        root = queue_root_of(Path(path))
        return root, Path(os.path.abspath(path)).relative_to(root).as_posix()


def decide(target: WriteTarget, decision: Decision, *,
           on_outcome: Callable[[Outcome], None] | None = None,
           cancelled: Callable[[], bool] | None = None,
           recorders: Sequence[Recorder] = ()) -> list[Outcome]:
    """Apply `decision` file by file. Every file gets an outcome (in order);
    `on_outcome` hears each as it happens (progress). When `cancelled()` turns
    true the remaining files are left alone: what is written stays written.
    Each recorder hears of every written file as it lands, and of the whole
    decision at the end: the one place where later accounts hook in."""
    outcomes: list[Outcome] = []
    for change in decision.changes:
        if cancelled is not None and cancelled():
            break
        outcome = decide_one(target, change)
        outcomes.append(outcome)
        if outcome.status == "written":
            for recorder in recorders:
                recorder.on_written(target, decision, outcome)
        if on_outcome is not None:
            on_outcome(outcome)
    for recorder in recorders:
        recorder.on_decided(target, decision, outcomes)
    return outcomes


def decide_one(target: WriteTarget, change: Change) -> Outcome:
    path, values = change.path, dict(change.values)
    expected = None if change.saw is None else dict(change.saw)
    for attempt in range(RACE_RETRIES + 1):
        result = target.write(path, values, expected)
        if result.status != "conflict":
            break
        disk = result.disk_values
        if all(same(disk.get(name), value) for name, value in values.items()):
            # Changed on disk, but to what the editor asked for: nothing to ask about.
            return Outcome(path, "already", values, _already(values), expected, disk)
        untouched = expected is None or all(same(disk.get(name), value) for name, value in expected.items())
        if result.raced and untouched and attempt < RACE_RETRIES:
            continue  # the file changed while saving, but not these fields: apply on top of it
        return Outcome(path, "conflict", values, result.message, expected, disk)
    if result.status == "written":
        return Outcome(path, "written", values, result.message, expected, result.disk_values, result.row,
                       result.article, result.sha256, result.warning, result.previous)
    if result.status == "unchanged":
        return Outcome(path, "already", values, _already(values), expected, result.disk_values)
    return Outcome(path, "failed", values, result.message, expected, result.disk_values)


def summarize_outcomes(outcomes: Iterable[Outcome]) -> dict[Status, int]:
    """How many files ended how: {"written": 812, "already": 30, "conflict": 0, "failed": 2}."""
    counts: dict[Status, int] = {"written": 0, "already": 0, "conflict": 0, "failed": 0}
    for outcome in outcomes:
        counts[outcome.status] += 1
    return counts


def same(a: Any, b: Any) -> bool:
    """Equal as the file would hold them: True is not 1, 57 is not "57"."""
    return type(a) is type(b) and a == b


def describe_value(name: str, value: Any) -> str:
    """A value as an editor reads it: "published", "unpublished", "not set", "57"."""
    if value is None:
        return "not set"
    if name == "published":
        return "published" if value else "unpublished"
    return str(value)


def _already(values: Mapping[str, Any]) -> str:
    return ", ".join(f"{name} is already {describe_value(name, value)}" for name, value in values.items())
