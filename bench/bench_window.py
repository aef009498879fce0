"""How long can the window's event loop stall? Measured while opening 10,000
articles, while an editor makes decisions as fast as keys repeat, and while
500 files change on disk in one burst.

A 1 ms precise QTimer records the time between its ticks; the longest gap is
how long the window could not react to input or paint. The bound is 50 ms.

    python bench/bench_window.py [N] [--keys 300] [--burst 500]

Runs offscreen; the window is real (it paints). Settings, index and caches
live in a temporary folder. "Load remote images" is off unless --remote-images:
the synthetic articles point at https URLs, and the image loader's network
start is the image previews' own figure (bench/bench_images.py).
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

BOUND_MS = 50.0

from meters import GapMeter, wait  # noqa: E402  (bench/ is the script's folder)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=10_000)
    parser.add_argument("--keys", type=int, default=300, help="decisions typed while measuring")
    parser.add_argument("--burst", type=int, default=500, help="files changed on disk at once")
    parser.add_argument("--remote-images", action="store_true",
                        help="leave 'Load remote images' on: the synthetic articles' https pictures are then "
                             "fetched (and fail offline), which measures the image loader's network start too")
    args = parser.parse_args()

    private = Path(tempfile.mkdtemp(prefix="copydesk-bench-window-"))
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        os.environ[name] = str(private / name.lower())
    try:
        return run(args, private)
    finally:
        shutil.rmtree(private, ignore_errors=True)


def run(args: argparse.Namespace, private: Path) -> int:
    from PySide6.QtCore import QSettings, Qt
    from PySide6.QtTest import QTest

    from tools.synthetic import generate_articles
    from ui.app import make_application
    from ui.main_window import MainWindow
    from ui.settings import WindowSettings

    folder = private / "queue"
    t0 = time.perf_counter()
    paths = generate_articles(folder, args.n, seed=11)
    print(f"generated {args.n:,} synthetic articles in {time.perf_counter() - t0:.1f} s "
          f"({os.cpu_count()} cores, Python {sys.version.split()[0]}, "
          f"load average {os.getloadavg()[0]:.2f} before the run)")

    app = make_application()
    settings = WindowSettings(QSettings(str(private / "settings.ini"), QSettings.Format.IniFormat))
    settings.load_remote_images = args.remote_images
    window = MainWindow(settings)
    window.resize(1400, 900)
    window.show()
    meter = GapMeter()
    settle = time.perf_counter() + 0.3
    wait(app, lambda: time.perf_counter() >= settle, 5)  # let the first paint settle

    # 1. Opening (cold index: every file is parsed).
    meter.start()
    started = time.perf_counter()
    window.open_folder(folder)
    first = wait(app, lambda: window.model.rowCount() > 0, 60)
    wait(app, lambda: window.model.rowCount() == args.n and not window._scanning and window.queue is not None, 120)
    total = time.perf_counter() - started
    open_gap, open_p99 = meter.stop()

    # 2. Writing: decisions typed as fast as a held key repeats (every 30 ms).
    window.table.setFocus()
    keys = [Qt.Key.Key_P, Qt.Key.Key_Plus, Qt.Key.Key_Plus, Qt.Key.Key_U, Qt.Key.Key_J, Qt.Key.Key_Minus,
            Qt.Key.Key_Space, Qt.Key.Key_BracketRight]
    meter.start()
    started = time.perf_counter()
    for i in range(args.keys):
        QTest.keyClick(window.table, keys[i % len(keys)])
        deadline = time.perf_counter() + 0.030
        wait(app, lambda: time.perf_counter() >= deadline, 1)
    wait(app, lambda: not window.writer.busy and not any(
        s.pending for s in (window.model.state(p) for p in window.model.paths()) if s), 60)
    write_seconds = time.perf_counter() - started
    write_gap, write_p99 = meter.stop()
    decisions = window.undo_stack.count()

    # 3. A burst of outside changes (a git checkout, a pipeline run).
    rels = [p.relative_to(folder).as_posix() for p in paths[-args.burst:]]

    # Another program does the rewriting (as a pipeline or a git checkout would),
    # so the harness itself does not compete for this process's GIL.
    listing = private / "burst.txt"
    listing.write_text("\n".join(str(p) for p in paths[-args.burst:]), encoding="utf-8")
    script = ("import re, sys\n"
              "for name in open(sys.argv[1], encoding='utf-8').read().splitlines():\n"
              "    data = open(name, 'rb').read()\n"
              "    open(name, 'wb').write(re.sub(rb'heat: [^\\r\\n]*', b'heat: 4242', data, count=1))\n")
    meter.start()
    started = time.perf_counter()
    writer = subprocess.Popen([sys.executable, "-c", script, str(listing)])
    wait(app, lambda: all(window.model.summary(r).heat == 4242 for r in rels), 60)
    burst_seconds = time.perf_counter() - started
    writer.wait()
    burst_gap, burst_p99 = meter.stop()

    window.close()
    print(f"window event loop, N={args.n:,} articles; bound {BOUND_MS:.0f} ms per stall; "
          f"remote images {'on' if args.remote_images else 'off'}")
    print(f"  open (cold index):   first rows {first * 1000:.0f} ms, all {total:.2f} s; "
          f"longest gap {open_gap:.1f} ms ({open_gap / BOUND_MS:.2f}x bound), p99 {open_p99:.1f} ms")
    print(f"  writing:             {args.keys} keys -> {decisions} undo steps in {write_seconds:.2f} s; "
          f"longest gap {write_gap:.1f} ms ({write_gap / BOUND_MS:.2f}x bound), p99 {write_p99:.1f} ms")
    print(f"  burst of {args.burst} changes: all shown {burst_seconds:.2f} s after the first write; "
          f"longest gap {burst_gap:.1f} ms ({burst_gap / BOUND_MS:.2f}x bound), p99 {burst_p99:.1f} ms")
    worst = max(open_gap, write_gap, burst_gap)
    print(f"  worst stall {worst:.1f} ms: {'within' if worst <= BOUND_MS else 'OVER'} the {BOUND_MS:.0f} ms bound")
    return 0


if __name__ == "__main__":
    sys.exit(main())
