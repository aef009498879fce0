"""The audit trail's recorder: every decision Copydesk writes, one log line per
file and field, in `.copydesk/log/<editor>.jsonl` of the file's queue folder.

`AuditRecorder` is a `Recorder` for `app.decisions.decide` (pass it in
`recorders=`). It reads only what the protocol hands it (the target's
`locate`, the decision's source, reason and batch, each outcome's path,
values, previous values and hash), so this package does not import the
decision module that sits above it.

- A written file (`on_written`, as it lands): one line per field, old ->
  new, the hash of the bytes written.
- A mark (`on_decided`, with the decision's other outcomes): one line with
  field `review`, new `true`, the hash of the bytes looked at.
- Nothing else is logged: already held, conflicts and failures wrote nothing.
- Lines are appended a few dozen at a time (each line whole in one write):
  when `FLUSH_LINES` wait, when a file is written `FLUSH_S` or more after the
  oldest of them, and always when the run of decisions ends (`grouped()`,
  held by `app.decisions.decide_all` around one decision or the keys that
  queued up; also when it ends by an exception); then each log the run
  touched is fsynced once. A decision about one file alone is a run of one:
  its line is appended as its run ends, right after the decision. Called
  outside a run, `on_written` and `on_decided` are each a run of their own.
- A team commit takes the log's size as each decision ends: it names the log
  with `log_for_commit`, which first appends every line the thread's run
  holds (of any recorder: a window that replaced its recorder meanwhile).

  Appending a run's lines together is what keeps 1,000 queued P presses from
  costing six system calls each on the writer thread (open, lock, stat,
  read, write, close), each one a round for the GIL against the busy GUI
  thread (bench/bench_window.py); a process killed meanwhile loses at most
  those lines, as it loses the writes under way in the helpers.

A log that cannot be written (read-only folder, disk full) never fails or
undoes the decision: the write stands, the lines are counted in `unlogged`,
and a notice says once, until the log can be written again, that the log is
not being kept and why (`take_notices()`: the CLI prints them to stderr, the
window shows them; `failing` holds the logs that fail right now).

Threading: call from the deciding thread (the window's serial writer, the
CLI's main thread); a lock makes a recorder safe to share between threads.
A run, and the lines it holds, belong to its thread (`log_for_commit`
appends the calling thread's). `on_appended(queue_folder, log_name)` runs on
that thread after each append.
"""
from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from app.audit.editor import Editor, editor_file_name, resolve_editor
from app.audit.log import REVIEW_FIELD, append_lines, describe_log_error, encode_line, log_file, sync_log, utc_now
from app.recording import DecisionLike, OutcomeLike, TargetLike


FLUSH_LINES = 32  # held lines are appended once this many wait,
FLUSH_S = 0.25  # or the oldest has waited this long, and when the run ends


@dataclass
class _Pending:
    """The lines a run holds."""

    since: float  # when the first of them was written
    # (recorder, queue folder, editor) -> lines: each is appended by the recorder that made it
    lines: dict[tuple[AuditRecorder, Path, str], list[bytes]] = field(default_factory=dict)
    count: int = 0


# The run of decisions on each thread (`AuditRecorder.grouped`), one for every recorder:
# .synced, the logs to fsync at its end; .held, the lines not appended yet (a _Pending).
_RUNS = threading.local()


class AuditRecorder:
    def __init__(self, editor: str | Editor | None = None, *, setting: str | None = None,
                 on_appended: Callable[[Path, str], None] | None = None,
                 clock: Callable[[], str] = utc_now) -> None:
        """`editor`: the name to log (the window resolves it once, for its status
        bar); None resolves it per queue folder on first use (`resolve_editor`,
        with `setting`), which may run git."""
        self._editor = editor.name if isinstance(editor, Editor) else editor
        self._setting = setting
        self._on_appended = on_appended
        self._clock = clock
        self._lock = threading.Lock()
        self._editors: dict[Path, str] = {}
        self.notices: list[str] = []
        self._notices_taken = 0
        self.failing: dict[Path, str] = {}  # log -> why it cannot be written (now)
        self.unlogged = 0  # lines that could not be written
        self.logged = 0  # lines written

    # --- notices ----------------------------------------------------------------

    def take_notices(self) -> list[str]:
        """Notices not taken before (each is said once)."""
        with self._lock:
            fresh = self.notices[self._notices_taken:]
            self._notices_taken = len(self.notices)
            return fresh

    def _notice(self, text: str) -> None:
        with self._lock:
            self.notices.append(text)

    # --- who --------------------------------------------------------------------

    def editor_for(self, queue_folder: Path) -> str:
        if self._editor is not None:
            return self._editor
        with self._lock:
            known = self._editors.get(queue_folder)
        if known is None:
            known = resolve_editor(queue_folder, self._setting).name
            with self._lock:
                self._editors[queue_folder] = known
        return known

    def log_path(self, queue_folder: Path) -> Path:
        """The current editor's log in `queue_folder`."""
        return log_file(queue_folder, editor_file_name(self.editor_for(queue_folder)))

    def log_for_commit(self, queue_folder: Path) -> Path:
        """The log a team commit takes as a decision ends (its `log_file`): every
        line held so far on this thread's run is appended first, so the log's size
        now covers this decision's lines and the ones before."""
        _flush_held()
        return self.log_path(queue_folder)

    # --- the Recorder protocol --------------------------------------------------

    def on_written(self, target: TargetLike, decision: DecisionLike, outcome: OutcomeLike) -> None:
        if outcome.status != "written":
            return
        try:
            root, relpath = target.locate(outcome.path)
            editor, when = self.editor_for(root), self._clock()
            lines = [encode_line({"time": when, "editor": editor, "path": relpath, "field": name,
                                  "old": outcome.previous.get(name), "new": value, "reason": decision.reason,
                                  "source": decision.source, "batch": decision.batch,
                                  "sha256": outcome.sha256})
                     for name, value in outcome.values.items()]
            with self.grouped():  # (called outside a run: a run of its own)
                self._hold(root, editor, lines)
        except Exception as exc:  # noqa: BLE001 - a recorder never fails a decision; the notice shows the bug
            self._notice(f"audit log: {outcome.path}: not logged: {exc!r}")

    def on_decided(self, target: TargetLike, decision: DecisionLike, outcomes: Sequence[OutcomeLike]) -> None:
        try:
            by_root: dict[Path, list[bytes]] = {}
            for outcome in outcomes:
                if outcome.status != "marked":
                    continue
                root, relpath = target.locate(outcome.path)
                by_root.setdefault(root, []).append(encode_line({
                    "time": self._clock(), "editor": self.editor_for(root), "path": relpath,
                    "field": REVIEW_FIELD, "old": None, "new": True, "reason": decision.reason,
                    "source": decision.source, "batch": decision.batch, "sha256": outcome.sha256}))
            with self.grouped():
                for root, lines in by_root.items():
                    self._hold(root, self.editor_for(root), lines)
                if _due(_RUNS.held):  # (also when this decision wrote nothing: the older lines' age)
                    _flush_held()
        except Exception as exc:  # noqa: BLE001 - as above
            self._notice(f"audit log: marks not logged: {exc!r}")

    def _hold(self, root: Path, editor: str, lines: list[bytes]) -> None:
        """Hold the lines for this thread's run (inside `grouped()`); append what
        it holds once they are due."""
        held = _RUNS.held
        if not held.count:
            held.since = time.monotonic()
        held.lines.setdefault((self, root, editor), []).extend(lines)
        held.count += len(lines)
        if _due(held):
            _flush_held()

    @contextlib.contextmanager
    def grouped(self) -> Iterator[None]:
        """A run of decisions on this thread: the logs they touched are fsynced
        once each, when it ends (also when it ends by an exception)."""
        if getattr(_RUNS, "synced", None) is not None:
            yield  # inside a run already (this recorder's or another's): that one appends and syncs
            return
        _RUNS.synced, _RUNS.held = set(), _Pending(0.0)
        try:
            yield
        finally:
            try:
                _flush_held()
            finally:  # (even when interrupted: the next run on this thread starts afresh)
                synced, _RUNS.synced, _RUNS.held = _RUNS.synced, None, None
                for path in synced:
                    sync_log(path)

    # --- appending --------------------------------------------------------------

    def _append_held(self, root: Path, editor: str, lines: list[bytes], touched: set[Path]) -> None:
        """`_append` for a run's held lines: a bug in one log's append (or in
        `on_appended`) is a notice, and the run's other logs are still appended."""
        try:
            self._append(root, editor, lines, touched)
        except Exception as exc:  # noqa: BLE001 - a recorder never fails a decision; the notice shows the bug
            self._notice(f"audit log in {root}: {len(lines)} line(s) may not be logged: {exc!r}")

    def _append(self, root: Path, editor: str, lines: list[bytes], touched: set[Path]) -> None:
        """Append to the editor's log in `root`; the log goes into `touched` (to be fsynced)."""
        path = log_file(root, editor_file_name(editor))
        result = append_lines(path, lines)
        lost = len(lines) - result.written
        with self._lock:
            self.logged += result.written
            self.unlogged += lost
            if result.written:
                touched.add(path)
            if result.error is None:
                self.failing.pop(path, None)
            elif path not in self.failing:
                why = describe_log_error(result.error)
                self.failing[path] = why
                self.notices.append(f"the audit log is not being kept: cannot write {path}: {why}. "
                                    "Decisions are still written; they are missing from the trail")
            for what in result.short:
                self.notices.append(f"audit log {path}: {what} (disk full?); that line is incomplete "
                                    "and will be skipped when the log is read")
        if result.written and self._on_appended is not None:
            self._on_appended(root, path.name)


def _due(pending: _Pending) -> bool:
    return pending.count > 0 and (pending.count >= FLUSH_LINES or time.monotonic() - pending.since >= FLUSH_S)


def _flush_held() -> None:
    """Append the lines this thread's run holds, each by its recorder (one open of each log)."""
    held = getattr(_RUNS, "held", None)
    if held is None or not held.count:
        return
    _RUNS.held = _Pending(0.0)
    for (recorder, root, editor), lines in held.lines.items():
        recorder._append_held(root, editor, lines, _RUNS.synced)
