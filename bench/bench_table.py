"""Why the queue's columns are numpy arrays: the same selection, sort and
count at N rows (100,000 by default), done with numpy (as app/queue/table.py
does) and with the standard library, measured in the same run; and how long
a sort holds the GIL (what the GUI thread waits for while it runs beside it).

    python bench/bench_table.py [N]

The last line is one JSON object with the figures.
"""
from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def best(fn, runs: int = 5) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def longest_gil_hold(fn) -> float:  # type: ignore[no-untyped-def]
    """The longest a 1 ms ticker on another thread waited while `fn` ran."""
    gaps: list[float] = []
    stop = False

    def tick() -> None:
        last = time.perf_counter()
        while not stop:
            time.sleep(0.0005)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    ticker = threading.Thread(target=tick)
    ticker.start()
    time.sleep(0.01)
    gaps.clear()
    fn()
    stop = True
    ticker.join()
    return max(gaps, default=0.0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=100_000)
    args = parser.parse_args()
    sys.setswitchinterval(0.001)  # as the window runs

    import numpy as np

    from app.article.summary import ArticleSummary
    from app.queue.selection import Selection, quick_counts
    from app.queue.table import UNPUBLISHED, UNSET, RowTable, SortColumn, sort_key, sorted_ids, status_of
    import random

    rng = random.Random(3)
    words = ("cloud", "chips", "exascale", "budget", "cooling", "quantum", "fabric", "model", "open", "rack")
    rows = [ArticleSummary(f"{i % 97:02d}/a{i:06d}.md", title=" ".join(rng.choice(words) for _ in range(6)),
                           excerpt=" ".join(rng.choice(words) for _ in range(20)), provider=rng.choice(words),
                           published=rng.choice((True, False, None)), quality=rng.choice((None, *range(101))))
            for i in range(args.n)]
    table = RowTable()
    table.put(rows)
    selection = Selection(quick="unpublished", min_quality=40, max_quality=90)

    def stdlib_mask() -> list[bool]:
        return [status_of(r) in (UNSET, UNPUBLISHED) and r.quality is not None and 40 <= r.quality <= 90
                for r in rows]

    figures = {
        "n": args.n,
        "mask_numpy_ms": best(lambda: selection.mask(table)) * 1000,
        "mask_stdlib_ms": best(stdlib_mask) * 1000,
        "count_numpy_ms": best(lambda: quick_counts(table)) * 1000,
        "count_stdlib_ms": best(lambda: Counter(status_of(r) for r in rows)) * 1000,
    }
    snapshot = table.snapshot()
    figures["sort_numpy_ms"] = best(lambda: sorted_ids(snapshot, SortColumn.TITLE), 3) * 1000
    keys = [sort_key(SortColumn.TITLE, r) for r in rows]
    figures["sort_stdlib_ms"] = best(lambda: sorted(range(len(keys)), key=keys.__getitem__), 3) * 1000
    array = np.array(keys, dtype=f"S{max(map(len, keys))}")
    figures["sort_numpy_gil_hold_ms"] = longest_gil_hold(lambda: np.argsort(array, kind="stable")) * 1000
    figures["sort_stdlib_gil_hold_ms"] = longest_gil_hold(
        lambda: sorted(range(len(keys)), key=keys.__getitem__)) * 1000
    f = {k: round(v, 2) if isinstance(v, float) else v for k, v in figures.items()}
    print(f"{args.n:,} rows; numpy against the standard library, same run (best of several):")
    print(f"  selection mask (quick filter + quality range): {f['mask_numpy_ms']} ms vs {f['mask_stdlib_ms']} ms")
    print(f"  quick-filter counts: {f['count_numpy_ms']} ms vs {f['count_stdlib_ms']} ms")
    print(f"  sort by title (keys and order): {f['sort_numpy_ms']} ms vs {f['sort_stdlib_ms']} ms")
    print(f"  longest hold of the GIL by the sort itself: {f['sort_numpy_gil_hold_ms']} ms (numpy argsort) vs "
          f"{f['sort_stdlib_gil_hold_ms']} ms (sorted)")
    print(json.dumps(f))
    return 0


if __name__ == "__main__":
    sys.exit(main())
