"""Opening a queue with its audit logs, against opening it without, in the same run.

    python bench/bench_audit.py                 # 100,000 articles, 100,000 log lines
    python bench/bench_audit.py --n 10000       # smaller: 10,000 and 10,000

Generates N synthetic articles (tools/synthetic.py) and L log lines (real
lines, `app.audit.log.encode_line`) from 5 editors: 60% of the articles have a
logged decision, the rest of the lines are older history of the same
articles; 90% of the logged articles still hold the bytes logged after their
last decision (reviewed), 10% do not (changed since review). The index is
warmed once, then, each in a fresh interpreter, alternating with and without
the logs (the log folder renamed away):

- open through the API: `ReviewQueue.scan()` then `ReviewBook.load()` (the
  window's open: rows, then every article's review state);
- warm `python -m app list --json` (which prints each row's `review`);
- and the parse bound of bench_queue.py (one core, CSafeLoader), to set the
  figures against the queue's own target: warm list <= 0.15x the bound.

The best of `--repeat` runs counts. The last line is one JSON object.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.audit.log import encode_line, format_time  # noqa: E402
from bench_queue import parse_bound, run_list  # noqa: E402
from tools.synthetic import generate_articles  # noqa: E402

EDITORS = ("Ana Lima", "bob", "Cleo Dee", "dan", "Éva Kovács")

_OPEN = """
import json, resource, sys, time
from app.queue import ReviewQueue
from app.audit.review import ReviewBook
started = time.perf_counter()
queue = ReviewQueue(sys.argv[1])
report = queue.scan()
scanned = time.perf_counter()
book = ReviewBook(queue)
book.load()
done = time.perf_counter()
queue.stop()
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"scan": scanned - started, "review": done - scanned, "open": done - started,
                  "rows": report.total, "entries": len(book.trail.entries()), "counts": book.counts(),
                  "rss_mb": rss / 1024, "notices": len(book.take_notices())}))
"""


def write_logs(folder: Path, paths: list[Path], lines: int, seed: int = 11) -> dict[str, int]:
    """`lines` log lines about `paths`; returns the review counts they should give."""
    rng = random.Random(seed)
    rels = [p.relative_to(folder).as_posix() for p in paths]
    logged = rng.sample(range(len(rels)), min(len(rels), int(len(rels) * 0.6), lines))
    extra = [rng.choice(logged) for _ in range(lines - len(logged))]
    order = extra + logged  # the history first; each logged article's last line comes last
    changed = set(rng.sample(logged, len(logged) // 10))
    shas = {i: hashlib.sha256(paths[i].read_bytes()).hexdigest() for i in logged}
    log_dir = folder / ".copydesk" / "log"
    log_dir.mkdir(parents=True, exist_ok=True)
    from app.audit.editor import editor_file_name

    out = {name: open(log_dir / f"{editor_file_name(name)}.jsonl", "wb") for name in EDITORS}  # noqa: SIM115
    start = 1_767_225_600  # 2026-01-01
    last_line = {i: n for n, i in enumerate(order)}
    try:
        from datetime import datetime, timezone

        for n, i in enumerate(order):
            editor = EDITORS[rng.randrange(len(EDITORS))]
            final = last_line[i] == n
            sha = shas[i] if final and i not in changed else rng.randbytes(32).hex()
            field = ("published", "quality", "review")[n % 3]
            old, new = {"published": (False, True), "quality": (40, 70), "review": (None, True)}[field]
            out[editor].write(encode_line({
                "time": format_time(datetime.fromtimestamp(start + n * 0.25, timezone.utc)), "editor": editor,
                "path": rels[i], "field": field, "old": old, "new": new,
                "reason": "duplicate" if field == "published" and n % 7 == 0 else None,
                "source": "window", "batch": None, "sha256": sha}))
    finally:
        for fh in out.values():
            fh.close()
    return {"needs": len(rels) - len(logged), "reviewed": len(logged) - len(changed), "changed": len(changed)}


def env_for(cache: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["XDG_CACHE_HOME"] = str(cache)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def api_open(folder: Path, cache: Path) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", _OPEN, str(folder)], capture_output=True, text=True,
                          env=env_for(cache), cwd=ROOT, check=True)
    return json.loads(done.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="articles (default 100000)")
    parser.add_argument("--lines", type=int, default=None, help="log lines (default: as many as articles)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each timing; the best counts (default 3)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    lines = args.n if args.lines is None else args.lines

    work = Path(tempfile.mkdtemp(prefix="copydesk-bench-audit-"))
    try:
        folder = work / "queue"
        started = time.perf_counter()
        paths = generate_articles(folder, args.n)
        expected = write_logs(folder, paths, lines)
        log_mb = sum(p.stat().st_size for p in (folder / ".copydesk" / "log").iterdir()) / 1e6
        print(f"copydesk audit bench: N={args.n:,} articles, {lines:,} log lines ({log_mb:.1f} MB, "
              f"{len(EDITORS)} editors), generated in {time.perf_counter() - started:.1f} s; "
              f"{os.cpu_count()} cores; Python {sys.version.split()[0]}")
        cache = work / "cache"
        run_list(folder, cache, work / "cold.json")  # warms the index: every later open is a warm one
        logs, hidden = folder / ".copydesk", folder / ".copydesk-hidden"

        with_logs: list[dict[str, object]] = []
        without: list[dict[str, object]] = []
        list_with: list[float] = []
        list_without: list[float] = []
        for _ in range(args.repeat):
            for present in (False, True):
                if present:
                    hidden.rename(logs)
                else:
                    logs.rename(hidden)
                (with_logs if present else without).append(api_open(folder, cache))
                seconds = run_list(folder, cache, work / ("with.json" if present else "without.json"))[0]
                (list_with if present else list_without).append(seconds)
        bound = parse_bound(paths)[0]

        sample = with_logs[0]
        assert sample["counts"] == expected, (sample["counts"], expected)
        assert sample["entries"] == lines and sample["notices"] == 0 and sample["rows"] == args.n
        assert without[0]["counts"] == {"needs": args.n, "reviewed": 0, "changed": 0}
        printed = json.loads((work / "with.json").read_text())
        assert sum(row["review"] == "changed" for row in printed) == expected["changed"]

        def best(runs: list[dict[str, object]], key: str) -> float:
            return min(float(run[key]) for run in runs)  # type: ignore[arg-type]

        open_with, open_without = best(with_logs, "open"), best(without, "open")
        review_with = best(with_logs, "review")
        warm_with, warm_without = min(list_with), min(list_without)
        figures = {
            "n": args.n, "lines": lines, "parse_bound_s": round(bound, 3),
            "open_without_logs_s": round(open_without, 3), "open_with_logs_s": round(open_with, 3),
            "open_ratio": round(open_with / open_without, 3), "review_state_s": round(review_with, 3),
            "warm_list_without_logs_s": round(warm_without, 3), "warm_list_with_logs_s": round(warm_with, 3),
            "warm_list_ratio": round(warm_with / warm_without, 3),
            "warm_list_with_logs_x_bound": round(warm_with / bound, 3),
            "rss_mb_without": round(best(without, "rss_mb")), "rss_mb_with": round(best(with_logs, "rss_mb")),
            "load_average": round(os.getloadavg()[0], 2),
        }
        print(f"  {'measure':<44} {'no logs':>9} {'logs':>9} {'ratio':>7}")
        print(f"  {'open: scan + review state (API, warm index)':<44} {open_without:>8.3f}s {open_with:>8.3f}s "
              f"{open_with / open_without:>6.2f}x")
        print(f"  {'  of which the review state (ReviewBook.load)':<44} {best(without, 'review'):>8.3f}s "
              f"{review_with:>8.3f}s")
        print(f"  {'warm list --json (subprocess)':<44} {warm_without:>8.3f}s {warm_with:>8.3f}s "
              f"{warm_with / warm_without:>6.2f}x")
        print(f"  {'warm list --json / parse bound':<44} {warm_without / bound:>8.3f}x {warm_with / bound:>8.3f}x "
              f"  (queue target <= 0.15x; bound {bound:.2f} s)")
        print(f"  {'peak RSS of the open':<44} {figures['rss_mb_without']:>7} MB {figures['rss_mb_with']:>6} MB")
        runs = ", ".join(f"{float(r['open']):.3f}" for r in with_logs)
        runs_without = ", ".join(f"{float(r['open']):.3f}" for r in without)
        print(f"  (runs: open with logs {runs} s, without {runs_without} s; list with "
              f"{', '.join(f'{s:.3f}' for s in list_with)} s, without {', '.join(f'{s:.3f}' for s in list_without)} s; "
              f"load average {figures['load_average']})")
        print(json.dumps(figures))
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
