"""Duplicate detection at scale: the bulk build per kind, the similar pass,
the build from stored keys, and one incremental update.

Records come from `tools.planted_duplicates.synthetic_records` (the title,
excerpt, provider and four URLs that tools/synthetic.py writes for each
article), so no files are written or parsed. Figures are CPU seconds of this
single thread (time.process_time): on a shared 2-core machine they vary far
less than wall time, and on a quiet one they are the same. The last line is JSON.

    python bench/bench_duplicates.py [--n 100000] [--repeat 1] [--warm-open SECONDS]
"""
from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.queue.duplicate_keys import canonical_urls, title_key  # noqa: E402
from app.queue.duplicates import DuplicateIndex, DuplicateRecord, record_keys  # noqa: E402
from tools.planted_duplicates import synthetic_records  # noqa: E402

T = TypeVar("T")
# The README's warm `copydesk list --json` of 100,000 articles (interpreter start included).
WARM_OPEN_100K = 1.58


def timed(repeat: int, run: Callable[[], T]) -> tuple[float, T]:
    """The best of `repeat` runs (CPU seconds) and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        start = time.process_time()
        result = run()
        best = min(best, time.process_time() - start)
    return best, result  # type: ignore[return-value]


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * 4096 / 1e6


def incremental(index: DuplicateIndex, records: list[DuplicateRecord], rounds: int) -> dict[str, float]:
    """Median milliseconds of one update that makes a record a copy of another
    (its title and excerpt), of the update back, and of a remove plus add."""
    to_copy, back, remove_add = [], [], []
    step = max(1, len(records) // rounds)
    for n in range(rounds):
        one, other = records[(n * step) % len(records)], records[(n * step + step // 2) % len(records)]
        copy = DuplicateRecord(one.key, other.urls, other.title, other.provider, other.excerpt)
        start = time.perf_counter()  # too short for process_time's resolution
        changed = index.update(copy)
        to_copy.append(time.perf_counter() - start)
        assert one.key in changed and index.is_duplicate(one.key), "the copy must join its story"
        start = time.perf_counter()
        index.update(one)
        back.append(time.perf_counter() - start)
        start = time.perf_counter()
        index.remove(one.key)
        index.add(one)
        remove_add.append(time.perf_counter() - start)
    return {"update_to_copy_ms": statistics.median(to_copy) * 1e3,
            "update_back_ms": statistics.median(back) * 1e3,
            "remove_add_ms": statistics.median(remove_add) * 1e3}


def big_group(size: int, rounds: int) -> dict[str, float]:
    """Median milliseconds of updating one member of a group of `size` copies
    (all under one URL and title) to a new text, and of removing and re-adding it."""
    records = [DuplicateRecord(f"copy/{n:05d}.md", ("https://example.com/the-story",), "The story", "Site",
                               f"copy {n} of the story, with words of its own: {n * 7919}") for n in range(size)]
    index = DuplicateIndex.build(records)
    edits, remove_add = [], []
    for n in range(rounds):
        record = records[(n * 37) % size]
        start = time.perf_counter()
        index.update(DuplicateRecord(record.key, record.urls, record.title, record.provider, f"edited {n}"))
        edits.append(time.perf_counter() - start)
        start = time.perf_counter()
        index.remove(record.key)
        index.add(record)
        remove_add.append(time.perf_counter() - start)
    assert index.group_size(records[0].key) == size
    return {"big_group_update_ms": statistics.median(edits) * 1e3,
            "big_group_remove_add_ms": statistics.median(remove_add) * 1e3}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=1, help="best of N runs per figure")
    parser.add_argument("--rounds", type=int, default=200, help="incremental updates timed")
    parser.add_argument("--warm-open", type=float, default=None,
                        help="seconds of a warm open of N articles to compare with (default: the README's, scaled)")
    args = parser.parse_args(argv)
    n, repeat = args.n, args.repeat
    warm_open = args.warm_open if args.warm_open is not None else WARM_OPEN_100K * n / 100_000

    start = time.perf_counter()
    records = synthetic_records(n)
    print(f"{n:,} synthetic records in {time.perf_counter() - start:.1f} s (not measured below)")

    url_s, urls = timed(repeat, lambda: [canonical_urls(r.urls) for r in records])
    title_s, _ = timed(repeat, lambda: [title_key(r.title, r.provider, u) for r, u in zip(records, urls)])
    before = rss_mb()
    build_s, index = timed(repeat, lambda: DuplicateIndex.build(records, sketch=False))
    url_title_mb = rss_mb() - before
    before = rss_mb()
    similar_s, _ = timed(1, index.sketch_pending)  # one pass: it changes the index
    similar_mb = rss_mb() - before
    keys_s, keys = timed(repeat, lambda: {r.key: record_keys(r) for r in records})
    strong_keys_s, _ = timed(repeat, lambda: DuplicateIndex.build(records, keys=keys, sketch=False))
    from_keys_s, from_keys = timed(repeat, lambda: DuplicateIndex.build(records, keys=keys))
    assert from_keys.groups() == index.groups(), "stored keys must give the same groups"
    counts = {kind: len(index.groups(kind)) for kind in ("url", "title", "similar")}
    steps = incremental(index, records, args.rounds)
    steps |= big_group(5_000, 20)

    print(f"groups found: {counts} (the synthetic queue's titles repeat: 'Why \"X\" Matters')")
    print(f"{'measure (CPU time)':52s} {'seconds':>8s} {'per article':>12s} {'vs warm open':>12s}")
    rows = [
        ("url keys (canonical URLs of the 4 candidates)", url_s),
        ("title keys", title_s),
        ("bulk build, url + title (keys, maps, groups)", build_s),
        ("similar pass (shingles, bands, checks)", similar_s),
        ("record_keys, all kinds (a parse worker's share)", keys_s),
        ("bulk build from stored keys, url + title", strong_keys_s),
        ("bulk build from stored keys, all kinds", from_keys_s),
    ]
    for label, seconds in rows:
        print(f"{label:52s} {seconds:8.3f} {seconds / n * 1e6:9.2f} us {seconds / warm_open:11.2f}x")
    print(f"memory: url + title maps {url_title_mb:.0f} MB, similar buckets {similar_mb:.0f} MB")
    print("one incremental change (median of {rounds}): to a copy {update_to_copy_ms:.3f} ms, back "
          "{update_back_ms:.3f} ms, remove + add {remove_add_ms:.3f} ms; in a group of 5,000 copies: "
          "update {big_group_update_ms:.2f} ms, remove + add {big_group_remove_add_ms:.2f} ms"
          .format(rounds=args.rounds, **steps))
    print(json.dumps({
        "n": n, "warm_open_s": round(warm_open, 3),
        "url_keys_s": round(url_s, 3), "title_keys_s": round(title_s, 3),
        "build_url_title_s": round(build_s, 3), "similar_s": round(similar_s, 3),
        "record_keys_s": round(keys_s, 3), "build_url_title_from_keys_s": round(strong_keys_s, 3),
        "build_from_keys_s": round(from_keys_s, 3),
        "url_title_mb": round(url_title_mb), "similar_mb": round(similar_mb),
        **{k: round(v, 3) for k, v in steps.items()}, "groups": counts,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
