"""Facets, the filter box and duplicates at N articles (100,000 by default),
each against its bound or a peer measured in the same run.

    python bench/bench_facets.py [--n 100000] [--keep FOLDER]

Articles come from tools/synthetic.py. The index is made warm first (one
open that stores every row and its duplicate keys). Then, in this process:

- **duplicates on open**: a warm open (`ReviewQueue.scan()`) without
  duplicate tracking, and one with it that also runs the similar pass
  (`complete_duplicates()`), alternately, best of 2. Bound: 1.2x.
- **the window** (offscreen, really painting; a 1 ms timer records the
  event loop's longest gap, bound 50 ms), opened warm on the folder:
  - *recount after one change*: one row changes (handed to the model as
    the watcher hands it), until every facet's count is current;
  - *facet click*: a provider picked in the dock, until rows and counts are
    current;
  - *typing*: a 5-letter word typed into the filter box at 30 ms a key, from
    the last key until the rows and every count are current (bound 100 ms),
    then cleared.
  Each is repeated 5 times, once the open's background work (the other
  columns' orders, the similar pass) is done; the worst and the median are
  reported.
- the GUI thread's share: `RowTable.copy()` (the one piece of a recount on
  the GUI thread) against the evaluation it feeds (on the lane).

The last line is one JSON object with the figures. Settings, index and caches
live in a temporary folder.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_PRIVATE = Path(tempfile.mkdtemp(prefix="copydesk-bench-facets-"))
for _var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
    os.environ[_var] = str(_PRIVATE / _var.lower())

from meters import GapMeter, wait  # noqa: E402

GAP_BOUND_MS = 50.0
CURRENT_BOUND_MS = 100.0
DUP_BOUND = 1.2
REPEAT = 5


def opens(folder: Path) -> dict[str, float]:
    from app.queue import ReviewQueue

    def plain() -> float:
        started = time.perf_counter()
        queue = ReviewQueue(folder)
        queue.scan()
        seconds = time.perf_counter() - started
        queue.stop()
        return seconds

    def with_duplicates() -> float:
        started = time.perf_counter()
        queue = ReviewQueue(folder, duplicates=True)
        queue.scan()
        queue.complete_duplicates()
        seconds = time.perf_counter() - started
        queue.stop()
        return seconds

    with_duplicates()  # the index now holds every row, its keys and its bands
    runs: dict[str, list[float]] = {"plain": [], "dups": []}
    for _ in range(2):
        runs["plain"].append(plain())
        runs["dups"].append(with_duplicates())
    return {"warm_open_s": min(runs["plain"]), "warm_open_dups_s": min(runs["dups"])}


def window_figures(folder: Path) -> dict[str, float]:
    from PySide6.QtCore import QSettings

    from app.queue.selection import Selection
    from ui.app import make_application
    from ui.main_window import MainWindow
    from ui.settings import WindowSettings

    app = make_application()
    settings = WindowSettings(QSettings(str(_PRIVATE / "settings.ini"), QSettings.Format.IniFormat))
    settings.load_remote_images = False
    window = MainWindow(settings)
    window.resize(1500, 900)
    window.show()
    window.filters.dock.show()
    window.open_folder(folder)
    wait(app, lambda: window.queue is not None and not window._scanning and not window.model.unsorted
         and window.model.duplicates is not None, 900)
    wait(app, lambda: window.filters.settled, 60)
    # The open's background work done (the other columns' orders, the similar pass):
    # an editor's first click comes seconds after the rows, as in bench_window.py.
    wait(app, lambda: window.model.orders_ready and not window.queue.duplicates.pending_similar, 300)
    settle_until = time.perf_counter() + 1.0
    wait(app, lambda: time.perf_counter() >= settle_until, 5)
    filters, model, meter = window.filters, window.model, GapMeter()
    out: dict[str, float] = {"rows": float(model.rowCount())}

    def measure(action, done) -> tuple[float, float]:  # type: ignore[no-untyped-def]
        meter.start()
        started = time.perf_counter()
        action()
        wait(app, done, 30)
        window.table.viewport().repaint()
        elapsed = (time.perf_counter() - started) * 1000
        quiet = time.perf_counter() + 0.15
        wait(app, lambda: time.perf_counter() >= quiet, 5)
        return elapsed, meter.stop()[0]

    # Recount after one change: a row's provider changes, as a watcher batch delivers it.
    recounts, gaps = [], []
    rows = [model.table.rows[i] for i in model.table.live_ids()[:REPEAT].tolist()]
    for n, row in enumerate(rows):
        changed = replace(row, provider=f"Bench provider {n}")

        def counted(name: str = changed.provider) -> bool:
            last = filters.counter.last
            return filters.settled and last is not None and dict(last.counts["provider"]).get(name) == 1

        elapsed, gap = measure(lambda c=changed: window._on_changes([_Change("changed", c.path, c)]), counted)
        recounts.append(elapsed)
        gaps.append(gap)
    out["recount_ms"], out["recount_gap_ms"] = max(recounts), max(gaps)
    out["recount_median_ms"] = sorted(recounts)[len(recounts) // 2]

    # A facet click: the most frequent provider, picked and removed again.
    top = filters.counter.last.counts["provider"][0][0]  # type: ignore[union-attr]
    clicks, gaps = [], []
    for _ in range(REPEAT):
        for selection in (Selection().with_values("provider", [top]), Selection()):
            elapsed, gap = measure(lambda s=selection: filters.apply(s),
                                   lambda s=selection: filters.settled and filters.proxy.selection == s)
            clicks.append(elapsed)
            gaps.append(gap)
    out["facet_click_ms"], out["facet_click_gap_ms"] = max(clicks), max(gaps)
    out["facet_click_median_ms"] = sorted(clicks)[len(clicks) // 2]

    # Typing into the filter box, 30 ms a key.
    from PySide6.QtTest import QTest

    box = window.filter_edit
    typing, gaps, shown = [], [], []
    for _ in range(REPEAT):
        box.setFocus()
        meter.start()
        for ch in "cloud":
            QTest.keyClick(box, ch)
            pause = time.perf_counter() + 0.03
            wait(app, lambda: time.perf_counter() >= pause, 1)
        last_key = time.perf_counter()
        wait(app, lambda: filters.settled and filters.proxy.selection.words == ("cloud",), 30)
        window.table.viewport().repaint()
        typing.append((time.perf_counter() - last_key) * 1000)
        shown.append(window.proxy.rowCount())
        quiet = time.perf_counter() + 0.15
        wait(app, lambda: time.perf_counter() >= quiet, 5)
        gaps.append(meter.stop()[0])
        box.clear()
        wait(app, lambda: filters.settled and not filters.proxy.selection.words, 30)
    out["typing_ms"], out["typing_gap_ms"], out["typing_rows"] = max(typing), max(gaps), float(shown[-1])
    out["typing_median_ms"] = sorted(typing)[len(typing) // 2]

    # The GUI thread's part of a recount (the copy) against the lane's (the evaluation).
    from app.queue.evaluation import evaluate
    copies, evaluations = [], []
    for _ in range(REPEAT):
        started = time.perf_counter()
        copy = model.table.copy()
        copies.append(time.perf_counter() - started)
        started = time.perf_counter()
        evaluate(copy, Selection(words=("cloud",)).with_values("provider", [top]))
        evaluations.append(time.perf_counter() - started)
    out["copy_ms"], out["evaluate_ms"] = min(copies) * 1000, min(evaluations) * 1000
    window.close()
    return out


class _Change:
    def __init__(self, kind: str, path: str, summary: object) -> None:
        self.kind, self.path, self.summary, self.by = kind, path, summary, "outside"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="generate into (or reuse) this folder and keep it")
    args = parser.parse_args()
    from tools.synthetic import generate_articles

    load_before = os.getloadavg()
    folder = args.keep or (_PRIVATE / "articles")
    if not folder.exists() or not any(folder.iterdir()):
        started = time.perf_counter()
        generate_articles(folder, args.n)
        print(f"generated {args.n:,} articles in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    try:
        f = opens(folder)
        f.update(window_figures(folder))
    finally:
        if args.keep is None:
            shutil.rmtree(_PRIVATE, ignore_errors=True)
    load_after = os.getloadavg()
    f["n"] = args.n
    f["load_before"], f["load_after"] = load_before[0], load_after[0]
    dup_ratio = f["warm_open_dups_s"] / f["warm_open_s"]
    print(f"facets at {args.n:,} articles (load average {load_before[0]:.2f} before, {load_after[0]:.2f} after)")
    print(f"  duplicates on open: {f['warm_open_dups_s']:.2f} s with the groups (similar pass included) vs "
          f"{f['warm_open_s']:.2f} s warm open without = {dup_ratio:.2f}x (bound {DUP_BOUND}x)")
    for key, what in (("recount", "recount after one change"), ("facet_click", "facet click, rows and counts"),
                      ("typing", "typing, last key to rows and every count")):
        ms, gap = f[f"{key}_ms"], f[f"{key}_gap_ms"]
        print(f"  {what}: worst {ms:.0f} ms = {ms / CURRENT_BOUND_MS:.2f}x the {CURRENT_BOUND_MS:.0f} ms bound "
              f"(median {f[key + '_median_ms']:.0f} ms); "
              f"longest GUI gap {gap:.0f} ms = {gap / GAP_BOUND_MS:.2f}x the {GAP_BOUND_MS:.0f} ms bound")
    print(f"  a recount's GUI-thread part (table copy) {f['copy_ms']:.1f} ms vs its evaluation on the lane "
          f"{f['evaluate_ms']:.1f} ms (words and a facet)")
    f["dup_ratio"] = dup_ratio
    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in f.items()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
