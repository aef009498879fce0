"""Background loops step aside while the GUI thread paints (app.courtesy)."""
from __future__ import annotations

import threading
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from app import courtesy


def _time_a_pause() -> float:
    took: list[float] = []

    def worker() -> None:
        started = time.perf_counter()
        courtesy.pause_point()
        took.append(time.perf_counter() - started)

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join(5)
    return took[0]


def test_a_pause_point_costs_nothing_when_nothing_paints() -> None:
    assert not courtesy.in_foreground()
    assert _time_a_pause() < 0.01


def test_a_pause_point_waits_for_the_paint_to_end() -> None:
    took: list[float] = []
    started = threading.Event()

    def worker() -> None:
        started.set()
        begun = time.perf_counter()
        courtesy.pause_point()
        took.append(time.perf_counter() - begun)

    with courtesy.foreground():
        with courtesy.foreground():  # nested: still painting after the inner one ends
            thread = threading.Thread(target=worker)
            thread.start()
            started.wait(5)
        time.sleep(0.02)
        assert courtesy.in_foreground() and not took  # still waiting
    thread.join(5)
    assert not courtesy.in_foreground()
    assert 0.015 <= took[0] <= courtesy.MAX_WAIT_S + 0.02


def test_a_paint_that_never_ends_cannot_starve_a_loop() -> None:
    with courtesy.foreground():
        took = _time_a_pause()
    assert courtesy.MAX_WAIT_S * 0.9 <= took < courtesy.MAX_WAIT_S + 0.05


# Any code point but NUL, lone surrogates too (a path read with surrogateescape holds them).
_ANY_BUT_NUL = st.one_of(st.characters(blacklist_characters="\x00"),
                        st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF, blacklist_categories=()))


@given(st.lists(st.text(alphabet=_ANY_BUT_NUL, max_size=12), max_size=60),
       st.booleans())
@settings(max_examples=200, deadline=None)
def test_sorted_strings_orders_as_sorted_does(strings: list[str], reverse: bool) -> None:
    # A small slice, so that these short lists take the numpy path, slices and all.
    original = courtesy._SLICE
    courtesy._SLICE = 4
    try:
        assert courtesy.sorted_strings(strings, reverse) == sorted(strings, reverse=reverse)
    finally:
        courtesy._SLICE = original


def test_sorted_strings_lets_another_thread_run_while_it_sorts() -> None:
    # 100,000 paths: sorted() holds the GIL for all of its 45-60 ms (the main
    # thread ticks once or twice meanwhile); here its 1 ms ticks go on.
    paths = [f"{n % 97:02d}/{n * 7919 % 100_003:06d}-a-slug-of-words.md" for n in range(100_000)]
    result: list[list[str]] = []
    thread = threading.Thread(target=lambda: result.append(courtesy.sorted_strings(paths, reverse=True)))
    ticks = 0
    started = time.perf_counter()
    thread.start()
    while thread.is_alive():
        time.sleep(0.001)
        ticks += 1
    took_ms = (time.perf_counter() - started) * 1000
    assert result[0] == sorted(paths, reverse=True)
    # Ticks all along, whatever the machine's speed: at least one in eight milliseconds of it
    # (one every 3-5 ms is usual; sorted() gives none or one in all, on a fast machine in 5-6 ms).
    assert ticks >= max(3.0, took_ms / 8), (ticks, took_ms)
