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
- **failed**: nothing written, and `message` says why;
- **marked**: "mark reviewed" (a Change of `{"review": True}` alone): the
  editor looked at the file and kept its values. The file is read, never
  opened for writing; `sha256` is the hash of the bytes looked at, `disk` their
  values. With `saw`, a file whose values differ from what the editor saw is a
  conflict instead (they reviewed something that is no longer there).

A decision about more than one file is one batch: `decide` gives it a batch
id (`new_batch_id`) unless it has one, so its audit lines share it. Undoing
a decision is a new one (`undo_decision`): each written file's old values,
with the values written as what the editor saw, so a file changed meanwhile
is a conflict for that file only.

The retry rule lives here too: a write refused because the file changed
*while* saving, when the decided fields still hold what the editor saw, is
applied again on top of the new bytes (a few times), since nobody touched
what the editor decided about.

Blocking; call `decide` from a worker thread (the window's serial writer).
"""
from __future__ import annotations

import contextlib
import os
import secrets
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import groupby
from pathlib import Path
from typing import Any, Literal, Protocol

from app.article.model import Article, ArticleError, WriteResult
from app.courtesy import pause_point
from app.queue.config import QueueSettings, settings_for_file
from app.queue.location import queue_root_of
from app.queue.own_writes import OwnWriteJournal, WriteItem, begin_noted_writes, noted_write

RACE_RETRIES = 3
AHEAD = 18  # writes of a decision about many kept under way at once (helper processes)
BATCH = 6  # ... sent to a helper a few at a time: one round trip and one journal transaction for these
AHEAD_OVER = 4  # decisions about more files than this (one about many, or a run of many) write through helpers
REVIEW = "review"  # the one field that is recorded, never written: "mark reviewed"

Status = Literal["written", "already", "conflict", "failed", "marked"]
Source = Literal["window", "cli", "undo", "bulk"]


def new_batch_id() -> str:
    """A batch id: 16 hex digits, random (no clock, no host in it)."""
    return secrets.token_hex(8)


@dataclass(frozen=True, slots=True)
class Change:
    """One file's part of a decision."""

    path: str  # as the target names its files (a review queue: the relpath)
    values: Mapping[str, Any]  # field -> the value to set; {"review": True} alone: mark reviewed
    saw: Mapping[str, Any] | None = None  # field -> the value the editor saw; None: do not compare

    def __post_init__(self) -> None:
        if REVIEW in self.values and (len(self.values) != 1 or self.values[REVIEW] is not True):
            raise ValueError(f"a mark reviewed is {{'review': True}} alone, not {dict(self.values)!r}")

    @property
    def is_mark(self) -> bool:
        return REVIEW in self.values


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
        return self.status in ("written", "already", "marked")

    @property
    def conflicts(self) -> tuple[str, ...]:
        """The fields whose disk value is not the one asked for."""
        return tuple(name for name, value in self.values.items() if not same(self.disk.get(name), value))


class WriteTarget(Protocol):
    """Where a decision's files are written: a `ReviewQueue`, or `FileTarget`."""

    def write(self, path: str, changes: dict[str, Any],
              expected: dict[str, Any] | None = None) -> WriteResult: ...

    def begin_writes(self, items: Sequence[WriteItem]) -> list[Callable[[], WriteResult]]:
        """`write()` of each (path, changes, expected), by a helper process, begun
        now; each call returns its item's result (blocking)."""

    def locate(self, path: str) -> tuple[Path, str]:
        """(the queue folder the file belongs to, its '/'-separated path inside it)."""


class Recorder(Protocol):
    """Something that keeps account of decisions (the audit trail, git commits).
    Both calls run on the deciding thread; a recorder never fails a decision:
    it keeps its own notices of what it could not do. `decision.batch` is set
    for a decision about more than one file."""

    def on_written(self, target: WriteTarget, decision: Decision, outcome: Outcome) -> None:
        """One file of `decision` was written (called as it happens; never for a mark)."""

    def on_decided(self, target: WriteTarget, decision: Decision, outcomes: Sequence[Outcome]) -> None:
        """Every file of `decision` has its outcome (or the decision was cancelled):
        marks (status "marked") are among them."""

    def grouped(self) -> contextlib.AbstractContextManager[Any]:
        """Held around a run of decisions (`decide_all`, and `decide` as a run of
        one): a recorder may put work off to its end (one fsync for them all)."""


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

    def begin_writes(self, items: Sequence[WriteItem]) -> list[Callable[[], WriteResult]]:
        """Begun by helpers a run of files of one queue's settings at a time (a
        file of a queue whose settings cannot be used is refused at once)."""
        begun: list[Callable[[], WriteResult]] = []
        for settings, run in groupby(items, key=lambda item: self.settings_of(item[0])):
            run = list(run)
            if settings.error is not None:
                refused = [self.write(*item) for item in run]
                begun.extend(lambda result=result: result for result in refused)
            else:
                begun.extend(begin_noted_writes(self.journal, run, settings.mapping))
        return begun

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
    decision at the end: the one place where later accounts hook in.

    A decision about more than `AHEAD_OVER` files keeps up to `AHEAD` writes
    under way at once in helper processes (`WriteTarget.begin_writes`), still
    taken in order; a cancel then lets those already begun land (and be
    recorded), never more."""
    return decide_all(target, (decision,), on_outcome=on_outcome, cancelled=cancelled, recorders=recorders)[0]


def decide_all(target: WriteTarget, decisions: Sequence[Decision], *,
               on_outcome: Callable[[Outcome], None] | None = None,
               cancelled: Callable[[], bool] | None = None,
               recorders: Sequence[Recorder] = ()) -> list[list[Outcome]]:
    """Decisions taken one after another, each as `decide` takes it (its own
    outcomes, its own batch, its recorders told of its end before the next
    one's), with the writes of all of them under way together: an editor's
    keys that queued up while a write was on its way (1,000 P presses) are
    written as one decision about many would be. A file decided twice is
    written in the order decided. Each recorder holds `grouped()` around them
    all (the audit trail fsyncs each log once, at the end).

    Helper processes write when the decisions are about more than
    `AHEAD_OVER` files together, one decision about many or many about one
    each (keys that queued up while a write was on its way): a thread that
    writes makes forty system calls a file, and each one gives up the GIL and
    must win it back from the busy GUI thread that queued the keys, which then
    waits in turn. A lone decision, or a few, is written on this thread,
    without a helper's round trip (measured at 100,000 rows, runs
    alternated: 1,000 P presses 2.4-3.5x 1,000 bare writer calls through
    helpers, 3.8-6.3x on this thread, and 1.2-2.5 ms of the GUI thread per
    decision against 2.6-3.9)."""
    decisions = [replace(d, batch=new_batch_id()) if d.batch is None and len(d.changes) > 1 else d
                 for d in decisions]
    changes = [change for decision in decisions for change in decision.changes]
    owners = [i for i, decision in enumerate(decisions) for _ in decision.changes]  # by change
    results: list[list[Outcome]] = [[] for _ in decisions]
    ended = 0  # decisions whose recorders heard of their end

    def end_complete() -> None:
        nonlocal ended
        while ended < len(decisions) and len(results[ended]) == len(decisions[ended].changes):
            end(ended)

    def end(i: int) -> None:
        nonlocal ended
        ended = i + 1
        for recorder in recorders:
            recorder.on_decided(target, decisions[i], results[i])

    def heard(outcome: Outcome, position: int) -> None:
        decision = decisions[owners[position]]
        results[owners[position]].append(outcome)
        if outcome.status == "written":
            for recorder in recorders:
                recorder.on_written(target, decision, outcome)
        if on_outcome is not None:
            on_outcome(outcome)
        end_complete()

    ahead = AHEAD if len(changes) > AHEAD_OVER else 1
    window: deque[tuple[Change, Callable[[], WriteResult] | None]] = deque()
    with contextlib.ExitStack() as grouped:
        for recorder in recorders:
            grouped.enter_context(recorder.grouped())
        try:
            end_complete()  # a decision about no file ends at once
            for position, outcome in enumerate(_outcomes(target, changes, ahead, cancelled or (lambda: False),
                                                         window)):
                heard(outcome, position)
        except BaseException:
            # A change raised (a bug, Ctrl-C): the writes already under way land all the
            # same, so they are taken in and recorded like the others before it goes on,
            # each with its own decision (the window holds the changes after the one that raised).
            at = sum(map(len, results))
            for change, begun in window:
                at = next(p for p in range(at, len(changes)) if changes[p] is change)
                if begun is not None:
                    with contextlib.suppress(Exception):
                        heard(decide_one(target, change, begun), at)
                at += 1
            raise
        finally:
            while ended < len(decisions):  # cancelled, or raised: what was decided is told all the same
                end(ended)
    return results


def _outcomes(target: WriteTarget, changes: Sequence[Change], ahead: int, cancelled: Callable[[], bool],
              window: deque[tuple[Change, Callable[[], WriteResult] | None]]) -> Iterator[Outcome]:
    """Each change's outcome, in order, with up to `ahead` writes begun at once,
    `BATCH` to a helper's task (held in `window` until taken, so that a caller
    can still take them in).

    A mark, or a second change of a file whose write is under way, is begun
    only when its turn comes, so a file's changes land in their order."""
    batch = min(BATCH, ahead)
    taken = 0  # changes put in the window so far
    while True:
        # A new task once there is room for a whole batch (or the rest), not for every outcome taken.
        while taken < len(changes) and not (window and window[-1][1] is None) \
                and ahead - len(window) >= min(batch, len(changes) - taken) and not cancelled():
            group: list[Change] = []
            while taken + len(group) < len(changes) and len(group) < batch:
                change = changes[taken + len(group)]
                if ahead == 1 or change.is_mark or any(c.path == change.path for c, _ in window) \
                        or any(c.path == change.path for c in group):
                    break
                group.append(change)
            if group:
                begun = target.begin_writes([(c.path, dict(c.values), _saw(c)) for c in group])
                if len(begun) != len(group):
                    raise RuntimeError(f"begin_writes gave {len(begun)} writes for {len(group)} files")
                window.extend(zip(group, begun))
                taken += len(group)
            else:
                window.append((changes[taken], None))
                taken += 1
        if not window:
            return
        if window[0][1] is None and cancelled():
            return  # only the last one can be unbegun: nothing under way is left behind
        pause_point()  # while the window paints (a bulk decision's rows in sight), it goes first
        change, begun_one = window.popleft()
        yield decide_one(target, change, begun_one)


def _saw(change: Change) -> dict[str, Any] | None:
    return None if change.saw is None else dict(change.saw)


def decide_one(target: WriteTarget, change: Change, begun: Callable[[], WriteResult] | None = None) -> Outcome:
    """One change's outcome; `begun`: its write, already under way (`begin_writes`)."""
    if change.is_mark:
        return _mark(target, change)
    path, values = change.path, dict(change.values)
    expected = _saw(change)
    for attempt in range(RACE_RETRIES + 1):
        result = begun() if begun is not None and attempt == 0 else target.write(path, values, expected)
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


def _mark(target: WriteTarget, change: Change) -> Outcome:
    """Mark reviewed: read the file (never open it for writing), hash it, check what the editor saw."""
    from app.article.frontmatter import load_editable_state
    from app.article.isolation import is_big, run_isolated

    path, values = change.path, dict(change.values)
    expected = None if change.saw is None else dict(change.saw)
    root, relpath = target.locate(path)
    absolute = root.joinpath(*relpath.split("/"))
    state = run_isolated(load_editable_state, absolute) if is_big(absolute) else load_editable_state(absolute)
    if isinstance(state, ArticleError):
        return Outcome(path, "failed", values, f"cannot mark an unreadable file reviewed: {state.describe()}",
                       expected)
    sha256, disk = state
    for name, value in (expected or {}).items():
        if not same(disk.get(name), value):
            return Outcome(path, "conflict", values, f"{name} changed on disk since you saw it: it is "
                           f"{describe_value(name, disk.get(name))}, not {describe_value(name, value)}",
                           expected, disk)
    return Outcome(path, "marked", values, "marked reviewed", expected, disk, sha256=sha256)


def undo_decision(outcomes: Iterable[Outcome], *, reason: str | None = None
                  ) -> tuple[Decision, list[tuple[str, str]]]:
    """The decision that takes back every written file of `outcomes`: each field's
    old value, with the value written as what the editor saw (compare-and-swap:
    a file changed meanwhile becomes a conflict for that file only). Source
    "undo"; a batch of its own when it covers more than one file.

    Also returns the (path, field) pairs that cannot be undone: a field that was
    missing before (Copydesk never removes a key), or held a value that cannot
    be written (`published: maybe`). Marks wrote nothing: nothing to undo."""
    from app.article.edit import EditRefused, canonical_text

    def writable(name: str, value: Any) -> bool:
        try:
            canonical_text(name, value)
        except EditRefused:
            return False
        return True

    changes: list[Change] = []
    cannot: list[tuple[str, str]] = []
    for outcome in outcomes:
        if outcome.status != "written":
            continue
        back = {name: outcome.previous.get(name) for name in outcome.values}
        for name in [name for name, value in back.items() if value is None or not writable(name, value)]:
            cannot.append((outcome.path, name))
            del back[name]
        if back:
            changes.append(Change(outcome.path, back, {name: outcome.values[name] for name in back}))
    return Decision(tuple(changes), source="undo", reason=reason), cannot


def summarize_outcomes(outcomes: Iterable[Outcome]) -> dict[Status, int]:
    """How many files ended how: {"written": 812, "already": 30, "conflict": 0, "failed": 2};
    "marked" is there too when any file was marked reviewed (a decision that writes
    never has it, so the four counts stay what they always were)."""
    counts: dict[Status, int] = {"written": 0, "already": 0, "conflict": 0, "failed": 0}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
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
