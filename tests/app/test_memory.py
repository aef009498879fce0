"""Long-lived objects are kept out of the cyclic collector's way (app.memory.long_lived)."""
from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from app.memory import long_lived, no_collections


@pytest.fixture(autouse=True)
def _collector_as_it_was() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    gc.unfreeze()  # what the tests froze goes back to the collector
    if not was:
        gc.disable()


def test_no_collection_inside_and_what_was_made_is_frozen() -> None:
    frozen = gc.get_freeze_count()
    with long_lived():
        assert not gc.isenabled()
        rows = [{"path": f"{i}.md", "topics": [i]} for i in range(2000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= frozen + len(rows)  # each dict and its list


def test_a_pause_alone_freezes_nothing() -> None:
    frozen = gc.get_freeze_count()
    with no_collections():
        assert not gc.isenabled()
        shingles = [{i, i + 1} for i in range(2000)]
    assert gc.isenabled() and gc.get_freeze_count() < frozen + len(shingles)


def test_the_collector_comes_back_when_the_block_raises() -> None:
    with pytest.raises(ValueError), long_lived():
        raise ValueError("a broken file")
    assert gc.isenabled()


def test_a_collector_paused_by_someone_else_stays_paused() -> None:
    gc.disable()
    with long_lived():
        pass
    assert not gc.isenabled()


@pytest.mark.parametrize("first_out", ["first in", "second in"])
def test_threads_inside_at_once_keep_it_paused_until_the_last_leaves(first_out: str) -> None:
    entered, release = threading.Event(), threading.Event()
    seen: list[bool] = []

    def other() -> None:
        with no_collections():  # (a pause and a freeze share the count)
            entered.set()
            release.wait(5)

    thread = threading.Thread(target=other)
    if first_out == "first in":  # this thread comes in first and leaves while the other is inside
        with long_lived():
            thread.start()
            entered.wait(5)
        seen.append(gc.isenabled())
        release.set()
    else:  # the other comes in first; this one comes and goes inside its block
        thread.start()
        entered.wait(5)
        with long_lived():
            pass
        seen.append(gc.isenabled())
        release.set()
    thread.join(5)
    assert seen == [False] and gc.isenabled()


def test_what_was_made_is_frozen_before_the_collector_comes_back() -> None:
    # Everything made inside sits in the youngest generation until it is frozen:
    # a collection in between walked it all (80-100 ms at 100,000 rows, holding
    # the GIL: the window's longest stall of a warm open).
    collections: list[int] = []

    def note(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    gc.collect()
    with long_lived():
        rows = [{"path": f"{i}.md", "topics": [i]} for i in range(20_000)]
        gc.callbacks.append(note)
    try:
        assert collections == []
        assert gc.get_count()[0] < 100  # what is young now is what was made since
    finally:
        gc.callbacks.remove(note)
    assert len(rows) == 20_000
