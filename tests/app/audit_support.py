"""Helpers for the audit-trail tests: a queue folder of articles, its log lines,
and running a piece of a test as a user who cannot write the log folder."""
from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.app.queue_support import article

NOBODY = 65534


def make_queue(folder: Path, n: int, *, quality: Callable[[int], int] = lambda i: i % 101) -> list[str]:
    """`n` articles `a000.md`... in `folder` (with a `.copydesk` folder: it is a queue folder)."""
    (folder / ".copydesk").mkdir(parents=True, exist_ok=True)
    names = [f"a{i:03d}.md" for i in range(n)]
    for i, name in enumerate(names):
        (folder / name).write_text(article(f"Article {i}", quality=quality(i), published=False, extra="Body.\n"))
    return names


def log_files(folder: Path) -> list[Path]:
    return sorted((folder / ".copydesk" / "log").glob("*.jsonl"))


def log_lines(folder: Path) -> list[dict[str, Any]]:
    """Every line of every log of the queue, parsed (a line that is not JSON fails the test)."""
    lines = []
    for path in log_files(folder):
        for raw in path.read_bytes().split(b"\n"):
            if raw:
                lines.append(json.loads(raw))
    return lines


@contextmanager
def shared_folder() -> Iterator[Path]:
    """A folder another user can reach (tmp_path is root's own when tests run as root)."""
    base = Path(tempfile.mkdtemp(prefix="copydesk-audit-"))
    try:
        base.chmod(0o777)
        yield base
    finally:
        shutil.rmtree(base, ignore_errors=True)


def open_to_everyone(folder: Path) -> None:
    for root, dirs, files in os.walk(folder):
        os.chmod(root, 0o777)
        for name in files:
            os.chmod(os.path.join(root, name), 0o666)


def _child(fn: Callable[..., Any], args: tuple[Any, ...], answer: Any, as_nobody: bool) -> None:
    try:
        if as_nobody:
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
        answer.put(("ok", fn(*args)))
    except BaseException as exc:  # noqa: BLE001 - hand the failure to the test
        answer.put(("error", repr(exc)))


def run_without_write_access(fn: Callable[..., Any], *args: Any) -> Any:
    """`fn(*args)` in a forked process that cannot write where the caller made
    folders read-only: as user nobody when the tests run as root (root writes
    into read-only folders), as ourselves otherwise."""
    context = multiprocessing.get_context("fork")
    answer = context.Queue()
    child = context.Process(target=_child, args=(fn, args, answer, os.geteuid() == 0))
    child.start()
    try:
        kind, value = answer.get(timeout=60)
    finally:
        child.join(30)
    if kind != "ok":
        raise AssertionError(f"the child failed: {value}")
    return value
