"""Background loops step aside while the GUI thread paints (app.courtesy)."""
from __future__ import annotations

import threading
import time
from pathlib import Path

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


# --- worker processes (the scan's parse workers) ----------------------------------

def _pauses_in_a_worker(flag: object, ready: object, go: object, out: object) -> None:
    """In the child: time one pause point once told to (the flag adopted as worker_init does)."""
    courtesy.adopt_flag(flag)
    ready.set()  # type: ignore[attr-defined]
    go.wait(10)  # type: ignore[attr-defined]
    begun = time.perf_counter()
    courtesy.pause_point()
    out.put(time.perf_counter() - begun)  # type: ignore[attr-defined]


def _time_a_worker_pause(hold: float | None) -> float:
    """A pause point in a worker process (started the way the scan's pool starts
    them), while this process paints for `hold` seconds (None: not painting)."""
    import multiprocessing

    context = multiprocessing.get_context("forkserver")
    ready, go, out = context.Event(), context.Event(), context.Queue()
    child = context.Process(target=_pauses_in_a_worker, args=(courtesy.shared_flag(), ready, go, out))
    child.start()
    try:
        assert ready.wait(30)
        if hold is None:
            go.set()
            return out.get(timeout=10)
        with courtesy.foreground():
            go.set()
            time.sleep(hold)
        return out.get(timeout=10)
    finally:
        child.join(10)


def test_a_worker_process_waits_while_the_parent_paints() -> None:
    assert _time_a_worker_pause(None) < 0.01  # nothing paints: no wait
    took = _time_a_worker_pause(0.02)  # a 20 ms paint: the worker goes on when it ends
    assert 0.01 <= took <= courtesy.MAX_WAIT_S + 0.02
    took = _time_a_worker_pause(1.0)  # a paint that never ends cannot starve it either
    assert courtesy.MAX_WAIT_S * 0.9 <= took < courtesy.MAX_WAIT_S + 0.1
    assert not courtesy.in_foreground() and courtesy.shared_flag().value == 0


def test_the_scans_workers_step_aside_while_the_window_paints(tmp_path: Path) -> None:
    from app.queue.scan import CheckRunner

    for i in range(24):
        (tmp_path / f"a{i:02d}.md").write_text(f"---\ntitle: Article {i}\nquality: {i}\n---\nBody\n")
    jobs = [(f"a{i:02d}.md", None) for i in range(24)]

    def check_all() -> tuple[int, float]:
        with CheckRunner(str(tmp_path), workers=2, inline_limit=0) as runner:
            runner.add(*jobs[0])  # the pool starts (its workers warm) before the clock does
            list(runner.drain())
            started = time.perf_counter()
            for job in jobs[1:]:
                runner.add(*job)
            done = sum(len(results) for results in runner.drain())
            return done, time.perf_counter() - started

    with courtesy.foreground():  # painting all along: each file waits a pause point out
        done, took = check_all()
    assert done == 23
    assert took >= 23 / 2 * courtesy.MAX_WAIT_S * 0.9  # (two workers, side by side)
    done, _ = check_all()  # and when nothing paints they do not wait at all
    assert done == 23


def test_the_shared_flag_falls_when_the_outermost_paint_ends_even_if_made_inside_it() -> None:
    # A pool may start (and make the flag) while the GUI thread is inside a paint:
    # the flag must not stay raised after it, or every worker would wait out each file.
    saved = courtesy._shared
    courtesy._shared = None
    try:
        with courtesy.foreground():
            flag = courtesy.shared_flag()
            with courtesy.foreground():
                assert flag.value == 1
            assert flag.value == 1  # the outer paint goes on
        assert flag.value == 0 and not courtesy.in_foreground()
    finally:
        courtesy._shared = saved
