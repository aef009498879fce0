"""What the window benchmarks measure with: the event loop's longest gap, and
a wait that keeps the loop running. Imported by the bench scripts beside it."""
from __future__ import annotations

import time


class GapMeter:
    """Longest interval between ticks of a 1 ms timer (the loop's responsiveness)."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.gaps: list[float] = []
        self._last = time.perf_counter()
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(1)
        self._timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append((now - self._last) * 1000)
        self._last = now

    def start(self) -> None:
        self.gaps.clear()
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> tuple[float, float]:
        self._timer.stop()
        if not self.gaps:
            return 0.0, 0.0
        ordered = sorted(self.gaps)
        return ordered[-1], ordered[int(len(ordered) * 0.99) - 1]


def wait(app, condition, timeout: float) -> float:  # type: ignore[no-untyped-def]
    """Run the event loop until `condition()`; return the seconds it took."""
    from PySide6.QtCore import QEventLoop

    start = time.perf_counter()
    while not condition():
        if time.perf_counter() - start > timeout:
            raise TimeoutError("condition not met in time")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
        time.sleep(0.0005)  # like an idle loop's wait; lets the timer's ticks through
    return time.perf_counter() - start


def wait_painted(app, widget, condition, timeout: float) -> float:  # type: ignore[no-untyped-def]
    """Run the event loop until `condition()` holds and `widget` has painted
    since it began to hold (the loop's own paint, as an editor sees it: a
    repaint() called here would paint the same rows a second time, in the
    same turn, and count both in the gap). Returns the seconds it took."""
    from PySide6.QtCore import QEvent, QObject

    class _PaintSeen(QObject):
        seen = False

        def eventFilter(self, _obj, event):  # type: ignore[no-untyped-def]
            if event.type() == QEvent.Type.Paint and condition():
                self.seen = True  # (the paint itself runs before the loop returns to wait())
            return False

    start = time.perf_counter()
    watch = _PaintSeen()
    widget.installEventFilter(watch)
    try:
        wait(app, condition, timeout)
        if not watch.seen:
            widget.update()  # the change asked for no paint: the next one shows it
        wait(app, lambda: watch.seen, max(0.0, timeout - (time.perf_counter() - start)))
    finally:
        widget.removeEventFilter(watch)
    return time.perf_counter() - start
