"""Helpers for the review-queue tests: a change collector and polling waits (never fixed sleeps)."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from app.queue import QueueChange, ReviewQueue

SEED = Path(__file__).resolve().parents[1] / "fixtures" / "seed-article.txt"
WAIT = 15.0  # generous: a loaded CI machine may be slow; a passing run never waits this long


def article(title: str = "A title", *, quality: int | None = 57, published: bool | None = False,
            extra: str = "") -> str:
    lines = ["---", f'title: "{title}"']
    if quality is not None:
        lines.append(f"quality: {quality}")
    if published is not None:
        lines.append(f"published: {'true' if published else 'false'}")
    lines += ["provider:", "  name: The Desk", "  domain: desk.example", "---", extra]
    return "\n".join(lines) + "\n"


def wait_until(predicate: Callable[[], object], timeout: float = WAIT, interval: float = 0.02) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)


class Collector:
    """Receives QueueChange batches on the watcher thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.batches: list[list[QueueChange]] = []

    def __call__(self, changes: list[QueueChange]) -> None:
        with self._lock:
            self.batches.append(list(changes))

    @property
    def changes(self) -> list[QueueChange]:
        with self._lock:
            return [c for batch in self.batches for c in batch]

    def events(self) -> list[tuple[str, str, str]]:
        return [(c.kind, c.path, c.by) for c in self.changes]

    def wait_for(self, kind: str, path: str, by: str = "outside", timeout: float = WAIT) -> QueueChange:
        found: list[QueueChange] = []

        def seen() -> bool:
            found[:] = [c for c in self.changes if (c.kind, c.path, c.by) == (kind, path, by)]
            return bool(found)

        wait_until(seen, timeout)
        return found[0]

    def quiet_for(self, seconds: float) -> list[tuple[str, str, str]]:
        """Events that arrive in the next `seconds` (used to prove that nothing more comes)."""
        before = len(self.changes)
        time.sleep(seconds)
        return self.events()[before:]

    def clear(self) -> None:
        with self._lock:
            self.batches.clear()


def watched_queue(folder: Path, index: Path, collector: Collector, **kwargs: object) -> ReviewQueue:
    """A scanned queue that watches `folder`, with its index at `index`."""
    queue = ReviewQueue(folder, index_path=index, **kwargs)  # type: ignore[arg-type]
    queue.scan()
    queue.start_watching(collector)
    # start_watching's first full pass runs on the watcher thread; let it finish
    # so a test's first change is not mixed into it.
    assert queue.wait_settled(WAIT)
    return queue
