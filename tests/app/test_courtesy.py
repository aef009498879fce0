"""Background loops step aside while the GUI thread paints (app.courtesy)."""
from __future__ import annotations

import threading
import time

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
