"""The window at N articles (100,000 by default): open, sort, filter and
decide, each against a bound or a peer measured in the same run.

    python bench/bench_window.py [N] [--keep FOLDER]

References measured in this run: `copydesk list --json` of the same folder,
cold (empty index) and warm, as subprocesses; and 1,000 calls of the core
writer (`write_front_matter_edit`) in a row. The window runs offscreen and
really paints; a 1 ms timer records the longest gap of its event loop
(the bound is 50 ms). The cold and the warm open each run in a fresh
process; the warm one then measures, on the opened queue:

- sort: a click on the Title, Quality, Provider and Status headers, each
  until the view has repainted;
- filter: a 5-letter word typed into the filter box (30 ms between keys)
  until rows and counts are current, then clearing it;
- quick filter: Ctrl+2 (Unpublished) until the rows are shown;
- decisions: 1,000 P presses in a row (auto-advance on), until all are on
  disk; the GUI thread's CPU time per decision;
- key to pane: 200 J presses, key to the detail pane painted (p95).

The last line is one JSON object with the figures (see the keys in `main`).
Settings, index and caches live in a temporary folder.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from meters import GapMeter, wait, wait_painted  # noqa: E402

BOUND_MS = 50.0
WRITES = 1000


def _private_env(base: Path, name: str) -> dict[str, str]:
    env = dict(os.environ)
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        env[var] = str(base / name / var.lower())
    return env


def list_json(folder: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "app", "list", "--json", str(folder)], env=env, cwd=ROOT,
                   check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def writer_bound(folder: Path, n: int) -> float:
    """1,000 writer calls in a row, on files the window does not touch (its last
    rows), each changing the file's quality (a folder kept from an earlier run
    already holds any value that run wrote: a call that finds its value there
    writes nothing, and would make the bound a tenth of what it is)."""
    from app.article.frontmatter import load_article
    from app.article.model import Article
    from app.article.writer import write_front_matter_edit

    files = sorted(folder.rglob("*.md"))[-WRITES:]
    now = {path: article.quality if isinstance(article := load_article(path), Article) else None
           for path in files}
    started = time.perf_counter()
    for path in files:
        result = write_front_matter_edit(path, {"quality": ((now[path] or 0) + 1) % 101})
        assert result.status == "written", result
    return time.perf_counter() - started


# --- inside a fresh process: one open of the window ------------------------------

def open_window(folder: Path, private: Path, measure_more: bool) -> dict[str, float]:
    from PySide6.QtCore import QSettings

    from ui.app import make_application
    from ui.main_window import MainWindow
    from ui.settings import WindowSettings

    app = make_application()
    settings = WindowSettings(QSettings(str(private / "settings.ini"), QSettings.Format.IniFormat))
    settings.load_remote_images = False
    window = MainWindow(settings)
    window.resize(1400, 900)
    window.show()
    settle = time.perf_counter() + 0.3
    wait(app, lambda: time.perf_counter() >= settle, 5)  # the first paint is not what is measured
    meter = GapMeter()
    meter.start()
    started = time.perf_counter()
    window.open_folder(folder)
    first = wait(app, lambda: window.proxy.rowCount() > 0, 120)
    wait(app, lambda: window.queue is not None and not window._scanning and not window.model.unsorted, 900)
    n = window.model.rowCount()
    figures = {"open_s": time.perf_counter() - started, "first_rows_s": first}
    figures["open_gap_ms"] = meter.stop()[0]
    if measure_more:
        figures.update(_interact(app, window, meter, n))
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    window.close()
    return figures


def _interact(app, window, meter: GapMeter, n: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    from ui.queue_model import Column

    out: dict[str, float] = {}
    # The other columns' orders are prepared in the background after an open;
    # an editor clicks a header seconds later, not in the same millisecond.
    wait(app, lambda: window.model.orders_ready, 120)
    table = window.table
    header = table.horizontalHeader()

    # Sort by clicking headers (then back to the newest first, the window's default).
    sorts, gaps = [], []
    for column in (Column.TITLE, Column.QUALITY, Column.PROVIDER, Column.STATUS, Column.DATE):
        x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
        meter.start()
        started = time.perf_counter()
        QTest.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))
        table.viewport().repaint()
        sorts.append(time.perf_counter() - started)
        wait(app, lambda: True, 0.1)
        settle = time.perf_counter() + 0.2
        wait(app, lambda: time.perf_counter() >= settle, 5)
        gaps.append(meter.stop()[0])
    out["sort_ms"], out["sort_gap_ms"] = max(sorts) * 1000, max(gaps)

    # Type a word into the filter box; then clear it.
    box = window.filter_edit
    box.setFocus()
    meter.start()
    for ch in "cloud":
        QTest.keyClick(box, ch)
        pause = time.perf_counter() + 0.03
        wait(app, lambda: time.perf_counter() >= pause, 1)
    last_key = time.perf_counter()
    wait_painted(app, table.viewport(),
                 lambda: window.proxy.selection.words == ("cloud",) and "shown" in window.counts_label.text(), 10)
    out["filter_ms"] = (time.perf_counter() - last_key) * 1000
    box.clear()
    cleared = time.perf_counter()
    wait_painted(app, table.viewport(), lambda: window.proxy.rowCount() == n, 10)
    out["filter_clear_ms"] = (time.perf_counter() - cleared) * 1000
    settle = time.perf_counter() + 0.2
    wait(app, lambda: time.perf_counter() >= settle, 5)
    out["filter_gap_ms"] = meter.stop()[0]

    # A quick filter.
    table.setFocus()
    meter.start()
    started = time.perf_counter()
    QTest.keyClick(table, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    table.viewport().repaint()
    out["quick_ms"] = (time.perf_counter() - started) * 1000
    settle = time.perf_counter() + 0.2
    wait(app, lambda: time.perf_counter() >= settle, 5)
    out["quick_gap_ms"] = meter.stop()[0]
    window.set_quick_filter("all")

    # Key to pane: J presses.
    table.setFocus()
    table.select_row(0)
    wait(app, lambda: True, 0.1)
    latencies = []
    for _ in range(200):  # at a key repeat's pace (25 a second), not in a tighter loop
        pause = time.perf_counter() + 0.04
        wait(app, lambda: time.perf_counter() >= pause, 1)
        before = window.detail.relpath
        started = time.perf_counter()
        QTest.keyClick(table, Qt.Key.Key_J)
        wait(app, lambda: window.detail.relpath != before, 5)
        window.detail.repaint()
        latencies.append(time.perf_counter() - started)
    latencies.sort()
    out["key_to_pane_p95_ms"] = latencies[int(len(latencies) * 0.95) - 1] * 1000

    # 1,000 P presses in a row, auto-advance on, as fast as the window takes them:
    # each press is handled at once (QTest delivers it synchronously), and the
    # event loop runs (paints, landed writes, the pane) once per 16 ms frame,
    # as it would with keys queueing up faster than frames.
    window.auto_advance_action.setChecked(True)
    _unpublish_first_rows(app, window, WRITES)
    table.select_row(0)
    wait(app, lambda: True, 0.1)
    meter.start()
    gui_cpu = time.thread_time()
    started = time.perf_counter()
    frame = time.perf_counter()
    for _ in range(WRITES):
        QTest.keyClick(table, Qt.Key.Key_P)
        if time.perf_counter() - frame >= 0.016:
            app.processEvents()
            frame = time.perf_counter()
    wait(app, lambda: not window.writer.busy, 600)
    out["burst_s"] = time.perf_counter() - started
    out["decide_gui_ms"] = (time.thread_time() - gui_cpu) / WRITES * 1000
    out["burst_gap_ms"] = meter.stop()[0]
    relpaths = _first_rows(window, WRITES)
    unsaved = [rel for rel in relpaths if _published(window, rel) is not True]
    assert not unsaved, f"{len(unsaved)} of the {WRITES} P presses did not publish their article"
    return out


def _first_rows(window, n: int) -> list[str]:  # type: ignore[no-untyped-def]
    from ui.queue_model import RELPATH_ROLE

    return [window.proxy.index(r, 0).data(RELPATH_ROLE) for r in range(min(n, window.proxy.rowCount()))]


def _published(window, relpath: str) -> bool | None:  # type: ignore[no-untyped-def]
    summary = window.model.summary(relpath)
    assert summary is not None, f"{relpath} left the queue during the bench"
    return summary.published


def _unpublish_first_rows(app, window, n: int) -> None:  # type: ignore[no-untyped-def]
    """Each P press of the burst must publish an unpublished article (a P on a
    published one only confirms it): the first n rows are unpublished first, by
    the core writer, and the window is left to take the changes in."""
    from app.article.writer import write_front_matter_edit

    relpaths = _first_rows(window, n)
    for rel in relpaths:
        if _published(window, rel) is not False:
            result = write_front_matter_edit(window.folder / rel, {"published": False})
            assert result.ok, result
    wait(app, lambda: all(_published(window, rel) is False for rel in relpaths)
         and _first_rows(window, n) == relpaths, 120)
    settle = time.perf_counter() + 1.0
    wait(app, lambda: time.perf_counter() >= settle, 5)


def _empty_the_log(folder: Path) -> None:
    """Each run adds its 1,000 presses to the folder's audit log, and the window
    reads all of it (every article's History): a kept folder's runs are only
    comparable from the same log, so each starts from none. The folder is the
    bench's own (generated here, marked `.generated`)."""
    from app.queue.location import LOG_DIR

    log = folder.joinpath(*LOG_DIR.split("/"))
    lines = sum(path.read_bytes().count(b"\n") for path in log.glob("*.jsonl")) if log.is_dir() else 0
    if lines:
        shutil.rmtree(log)
        print(f"emptied the audit log the earlier runs left ({lines:,} lines)", file=sys.stderr)


# --- the conductor ------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="generate the articles here once and reuse them")
    parser.add_argument("--phase", choices=("cold", "warm"), help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--private", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:  # a fresh process for one open
        figures = open_window(args.folder, args.private, measure_more=args.phase == "warm")
        print(json.dumps(figures))
        return 0

    load = os.getloadavg()[0]
    private = Path(tempfile.mkdtemp(prefix="copydesk-bench-window-"))
    try:
        from tools.synthetic import generate_articles

        folder = args.keep or private / "queue"
        marker = folder / ".generated"
        if not marker.exists() or marker.read_text() != str(args.n):
            shutil.rmtree(folder, ignore_errors=True)
            started = time.perf_counter()
            generate_articles(folder, args.n, seed=11)
            (folder / ".generated").write_text(str(args.n))
            print(f"generated {args.n:,} articles in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        _empty_the_log(folder)
        cli_env = _private_env(private, "cli")
        list_cold = list_json(folder, cli_env)
        list_warm = list_json(folder, cli_env)

        def window_run(phase: str) -> dict[str, float]:
            env = _private_env(private, "window")
            out = subprocess.run([sys.executable, __file__, "--phase", phase, "--folder", str(folder),
                                  "--private", str(private / "window")], env=env, cwd=ROOT, check=True,
                                 capture_output=True, text=True)
            return json.loads(out.stdout.strip().splitlines()[-1])

        cold = window_run("cold")  # an empty index: every file parsed
        warm = window_run("warm")  # a fresh process on the index the cold open left
        bound = writer_bound(folder, args.n)
    finally:
        if args.keep is None:
            shutil.rmtree(private, ignore_errors=True)
    figures = {
        "n": args.n, "open_warm_s": warm["open_s"], "list_warm_s": list_warm, "open_cold_s": cold["open_s"],
        "list_cold_s": list_cold, "first_rows_s": warm["first_rows_s"],
        "open_gap_ms": max(warm["open_gap_ms"], cold["open_gap_ms"]),
        "open_warm_gap_ms": warm["open_gap_ms"], "open_cold_gap_ms": cold["open_gap_ms"],
        "sort_ms": warm["sort_ms"], "sort_gap_ms": warm["sort_gap_ms"], "filter_ms": warm["filter_ms"],
        "filter_clear_ms": warm["filter_clear_ms"], "filter_gap_ms": warm["filter_gap_ms"],
        "quick_ms": warm["quick_ms"], "quick_gap_ms": warm["quick_gap_ms"], "decide_gui_ms": warm["decide_gui_ms"],
        "burst_s": warm["burst_s"], "burst_gap_ms": warm["burst_gap_ms"], "writer_bound_s": bound,
        "key_to_pane_p95_ms": warm["key_to_pane_p95_ms"], "peak_rss_mb": warm["peak_rss_mb"],
        "load_avg": load,
    }
    figures = {k: round(v, 3) if isinstance(v, float) else v for k, v in figures.items()}
    f = figures
    print(f"the window at {args.n:,} articles (offscreen, load average {load:.2f} before the run)")
    print(f"  warm open: all rows {f['open_warm_s']:.2f} s = {f['open_warm_s'] / f['list_warm_s']:.2f}x warm list "
          f"({f['list_warm_s']:.2f} s); first rows {f['first_rows_s']:.2f} s; longest gap {f['open_warm_gap_ms']:.0f} ms")
    print(f"  cold open: {f['open_cold_s']:.2f} s = {f['open_cold_s'] / f['list_cold_s']:.2f}x cold list "
          f"({f['list_cold_s']:.2f} s); longest gap {f['open_cold_gap_ms']:.0f} ms")
    print(f"  sort (header click to painted, worst of 4): {f['sort_ms']:.0f} ms; longest gap {f['sort_gap_ms']:.0f} ms")
    print(f"  filter box: {f['filter_ms']:.0f} ms after the last key (clear: {f['filter_clear_ms']:.0f} ms); "
          f"longest gap {f['filter_gap_ms']:.0f} ms")
    print(f"  quick filter: {f['quick_ms']:.0f} ms; longest gap {f['quick_gap_ms']:.0f} ms")
    print(f"  {WRITES:,} P presses: {f['burst_s']:.2f} s = {f['burst_s'] / f['writer_bound_s']:.2f}x {WRITES:,} writer "
          f"calls ({f['writer_bound_s']:.2f} s); GUI thread {f['decide_gui_ms']:.2f} ms per decision; "
          f"longest gap {f['burst_gap_ms']:.0f} ms")
    print(f"  key to pane p95: {f['key_to_pane_p95_ms']:.1f} ms; peak RSS {f['peak_rss_mb']:.0f} MB")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
