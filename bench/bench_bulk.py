"""Bulk decisions and the review state in the window, each against its bound in the same run.

    python bench/bench_bulk.py                      # 1,000 bulk, open 100,000 articles + 100,000 log lines
    python bench/bench_bulk.py --open-n 20000       # a smaller open

1. Bulk publish: the window (offscreen) opens 1,000 + 1,000 synthetic
   articles; Ctrl+A under a filter that shows the first 1,000, then P (the
   confirm answered at once), timed from the key to the last file written and
   its line in the audit log. The bound: 1,000 sequential calls of the core
   writer (`write_front_matter_edit`) on the other 1,000 files, in the same
   process. Target: within 1.2x, while the GUI thread's longest gap (a 1 ms
   timer, bench/meters.py) stays under 50 ms.
2. Open: N articles (tools/synthetic.py) with N log lines written here in the
   audit format (5 editors; 60% of the articles logged, 90% of those still
   holding the logged bytes), against the same articles without logs (the log
   folder moved away); each open in a fresh interpreter, after one warm-up
   open that builds the index; timed to every row shown and, with logs, every
   review state in the model. The GUI's longest gap is measured too.

Each figure is printed with its ratio; the last line is one JSON object.
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
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from meters import GapMeter, wait  # noqa: E402

EDITORS = ("Ana Lima", "bob", "Cleo Dee", "dan", "Éva Kovács")


def _private_env(base: Path, name: str) -> dict[str, str]:
    env = dict(os.environ)
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        env[var] = str(base / name / var.lower())
    env["COPYDESK_EDITOR"] = "Bench Editor"
    return env


def _window(private: Path):  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QSettings

    from ui.app import make_application
    from ui.main_window import MainWindow
    from ui.settings import WindowSettings

    app = make_application()
    settings = WindowSettings(QSettings(str(private / "settings.ini"), QSettings.Format.IniFormat))
    settings.load_remote_images = False
    settings.bulk_confirm_over = 10_000_000  # the confirm is the editor's time, not the window's
    window = MainWindow(settings)
    window.resize(1400, 900)
    window.show()
    return app, window


def _log_lines(folder: Path) -> int:
    logs = folder / ".copydesk" / "log"
    return sum(p.read_bytes().count(b"\n") for p in logs.glob("*.jsonl")) if logs.is_dir() else 0


# --- 1. bulk publish (a child process) ------------------------------------------------------

def bulk_child(folder: Path, private: Path, n: int) -> dict[str, float]:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from app.article.writer import write_front_matter_edit

    app, window = _window(private)
    window.open_folder(folder)
    wait(app, lambda: window.queue is not None and not window._scanning and not window.model.unsorted
         and window.review.audit.book is not None and window.review.audit.recorder is not None, 300)
    window.filter_edit.setText("bulktarget/")  # the first n articles' folder
    window._apply_filter_text()
    wait(app, lambda: window.proxy.rowCount() == n, 60)
    window.activateWindow()
    window.table.setFocus()
    settle = time.perf_counter() + 0.5
    wait(app, lambda: time.perf_counter() >= settle, 5)
    QTest.keyClick(window.table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert window.review.bulk.selected_count() == n
    # An editor looks at what they selected before the key: the window uses that moment
    # to start the helper processes that write a bulk decision's files (ui.bulk).
    settle = time.perf_counter() + 0.5
    wait(app, lambda: time.perf_counter() >= settle, 5)
    before = _log_lines(folder)
    meter = GapMeter()
    meter.start()
    started = time.perf_counter()
    QTest.keyClick(window.table, Qt.Key.Key_P)
    job = window.review.bulk.jobs[0]
    wait(app, lambda: len(job.outcomes) == n and _log_lines(folder) - before >= n, 600)
    bulk_s = time.perf_counter() - started
    wait(app, lambda: not window.review.bulk.jobs, 600)  # every row shown as written
    shown_s = time.perf_counter() - started
    gap = meter.stop()[0]
    written = sum(1 for o in job.outcomes if o.status == "written")
    window.close()
    # The bound, in the same process: the core writer on the other files.
    others = sorted(p for p in folder.rglob("*") if p.is_file() and ".copydesk" not in p.parts
                    and "bulktarget" not in p.parts)[:n]
    started = time.perf_counter()
    for path in others:
        result = write_front_matter_edit(path, {"published": True})
        assert result.ok, result
    bound_s = time.perf_counter() - started
    return {"bulk_s": bulk_s, "bulk_shown_s": shown_s, "bound_s": bound_s, "bulk_gap_ms": gap,
            "written": written, "bound_files": len(others)}


def make_bulk_folder(base: Path, n: int) -> Path:
    """n readable, unpublished articles under `bulktarget/` (the filter shows them by path),
    and n more elsewhere for the bound; the generator's unreadable files are left out."""
    from app.article.frontmatter import load_article
    from app.article.model import Article
    from tools.synthetic import generate_articles

    folder = base / "bulk"
    paths = generate_articles(folder, int(2.4 * n), seed=11)
    (folder / "bulktarget").mkdir()
    kept = 0
    for path in paths:
        text = path.read_text(encoding="utf-8", errors="replace")
        if kept >= 2 * n or not isinstance(load_article(path), Article) or "published:" not in text:
            path.unlink()
            continue
        path.write_text(text.replace("published: true", "published: false"), encoding="utf-8")
        if kept < n:
            path.rename(folder / "bulktarget" / f"{kept:05d}-{path.name}")
        kept += 1
    return folder


# --- 2. open with and without logs (a child process each) -----------------------------------

def open_child(folder: Path, private: Path, logs: bool) -> dict[str, float]:
    app, window = _window(private)
    settle = time.perf_counter() + 0.3
    wait(app, lambda: time.perf_counter() >= settle, 5)
    meter = GapMeter()
    meter.start()
    started = time.perf_counter()
    window.open_folder(folder)
    wait(app, lambda: window.proxy.rowCount() > 0, 600)  # the scan has begun (before it, nothing is "scanning")
    wait(app, lambda: window.queue is not None and not window._scanning and not window.model.unsorted, 1800)
    rows_s = time.perf_counter() - started
    reviewed = 0
    if logs:
        wait(app, lambda: window.review.audit.book is not None, 600)
        book = window.review.audit.book
        expected = book.counts()
        wait(app, lambda: window.model.quick_counts()["needs_review"] == expected["needs"], 600)
        reviewed = len(window.model.table) - expected["needs"]
    done_s = time.perf_counter() - started
    gap = meter.stop()[0]
    n = window.model.rowCount()
    window.close()
    return {"rows_s": rows_s, "open_s": done_s, "gap_ms": gap, "rows": n, "logged_articles": reviewed}


def write_logs(folder: Path, lines: int, seed: int = 5) -> int:
    from app.audit.editor import editor_file_name
    from app.audit.log import encode_line, format_time
    from datetime import datetime, timedelta, timezone

    rng = random.Random(seed)
    paths = sorted(p for p in folder.rglob("*") if p.is_file() and ".copydesk" not in p.parts)
    logged = paths[:int(len(paths) * 0.6)]
    out: dict[str, list[bytes]] = {e: [] for e in EDITORS}
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    for i in range(lines):
        path = logged[i % len(logged)]
        rel = path.relative_to(folder).as_posix()
        sha = hashlib.sha256(path.read_bytes()).hexdigest() if rng.random() < 0.9 else "0" * 64
        editor = rng.choice(EDITORS)
        field = rng.choice(("published", "quality", "review"))
        old, new = {"published": (False, True), "quality": (50, 60), "review": (None, True)}[field]
        out[editor].append(encode_line({"time": format_time(start + timedelta(seconds=i)), "editor": editor,
                                        "path": rel, "field": field, "old": old, "new": new, "reason": None,
                                        "source": "window", "batch": None, "sha256": sha}))
    log_dir = folder / ".copydesk" / "log"
    log_dir.mkdir(parents=True, exist_ok=True)
    for editor, data in out.items():
        (log_dir / f"{editor_file_name(editor)}.jsonl").write_bytes(b"".join(data))
    return lines


def _child(args: list[str], env: dict[str, str]) -> dict[str, float]:
    done = subprocess.run([sys.executable, __file__, *args], env=env, capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise SystemExit(f"child failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bulk-n", type=int, default=1000)
    parser.add_argument("--open-n", type=int, default=100_000)
    parser.add_argument("--skip-open", action="store_true")
    parser.add_argument("--phase", choices=("bulk", "open", "open-logs"), help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--private", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "bulk":
        print(json.dumps(bulk_child(args.folder, args.private, args.bulk_n)))
        return 0
    if args.phase in ("open", "open-logs"):
        print(json.dumps(open_child(args.folder, args.private, args.phase == "open-logs")))
        return 0

    base = Path(tempfile.mkdtemp(prefix="copydesk-bench-bulk-"))
    figures: dict[str, object] = {"load_before": round(os.getloadavg()[0], 2), "bulk_n": args.bulk_n}
    try:
        folder = make_bulk_folder(base, args.bulk_n)
        private = base / "private-bulk"
        private.mkdir()
        env = _private_env(private, "window")
        bulk = _child(["--phase", "bulk", "--folder", str(folder), "--private", str(private),
                       "--bulk-n", str(args.bulk_n)], env)
        ratio = bulk["bulk_s"] / bulk["bound_s"]
        print(f"bulk publish of {args.bulk_n} selected: {bulk['bulk_s']:.2f} s to the last file written and logged "
              f"(all rows shown: {bulk['bulk_shown_s']:.2f} s); {args.bulk_n} core writer calls: "
              f"{bulk['bound_s']:.2f} s; ratio {ratio:.2f}x (target 1.2x); GUI longest gap "
              f"{bulk['bulk_gap_ms']:.0f} ms (target 50)")
        figures.update({f"bulk_{k}" if not k.startswith("bulk") else k: v for k, v in bulk.items()})
        figures["bulk_vs_writer"] = round(ratio, 3)
        if not args.skip_open:
            from tools.synthetic import generate_articles
            shutil.rmtree(folder, ignore_errors=True)
            big = base / "open"
            generate_articles(big, args.open_n, seed=3)
            write_logs(big, args.open_n)
            private = base / "private-open"
            env = _private_env(private, "window")
            aside = base / "log-aside"
            _child(["--phase", "open", "--folder", str(big), "--private", str(private)], env)  # builds the index
            runs: dict[str, list[dict[str, float]]] = {"with": [], "without": []}
            for _ in range(2):
                runs["with"].append(_child(["--phase", "open-logs", "--folder", str(big), "--private",
                                            str(private)], env))
                shutil.move(str(big / ".copydesk" / "log"), str(aside))
                try:
                    runs["without"].append(_child(["--phase", "open", "--folder", str(big), "--private",
                                                   str(private)], env))
                finally:
                    shutil.move(str(aside), str(big / ".copydesk" / "log"))
            best = {k: min(v, key=lambda r: r["open_s"]) for k, v in runs.items()}
            ratio = best["with"]["open_s"] / best["without"]["open_s"]
            print(f"open {args.open_n} articles with {args.open_n} log lines: {best['with']['open_s']:.2f} s "
                  f"(rows {best['with']['rows_s']:.2f} s, then every review state; gap "
                  f"{best['with']['gap_ms']:.0f} ms); without logs: {best['without']['open_s']:.2f} s (gap "
                  f"{best['without']['gap_ms']:.0f} ms); ratio {ratio:.2f}x")
            figures.update({"open_n": args.open_n, "open_with_logs_s": round(best["with"]["open_s"], 3),
                            "open_rows_with_logs_s": round(best["with"]["rows_s"], 3),
                            "open_without_logs_s": round(best["without"]["open_s"], 3),
                            "open_gap_with_logs_ms": round(best["with"]["gap_ms"], 1),
                            "open_gap_without_logs_ms": round(best["without"]["gap_ms"], 1),
                            "open_with_vs_without": round(ratio, 3),
                            "logged_articles": best["with"]["logged_articles"]})
    finally:
        shutil.rmtree(base, ignore_errors=True)
    figures["load_after"] = round(os.getloadavg()[0], 2)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
