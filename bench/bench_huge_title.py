"""Does one huge title stall the window? A queue with one article whose title
is 15.9 MB on one line (just under the 16 MB file cap), against the same queue
without it, measured in the same run: open the folder, show the row, select
it (the detail pane and the raw front matter), and repaint the queue a few
times, while a 1 ms timer records the longest gap of the event loop.

    python bench/bench_huge_title.py [N]

Offscreen; settings, index and caches live in a temporary folder.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from meters import GapMeter, wait  # noqa: E402

BOUND_MS = 50.0
TITLE_CHARS = 15_900_000


def measure(app, folder: Path, private: Path, n: int, giant: str | None) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QSettings

    from ui.main_window import MainWindow
    from ui.settings import WindowSettings

    settings = WindowSettings(QSettings(str(private / f"settings-{bool(giant)}.ini"), QSettings.Format.IniFormat))
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
    wait(app, lambda: window.model.rowCount() == n and not window._scanning and window.queue is not None, 120)
    target = "giant.md" if giant else "small-0.md"
    row = window.table.row_of_relpath(target)
    window.table.select_row(row)
    wait(app, lambda: window.detail.relpath == target and window.detail.article is not None, 60)
    window.detail.tabs.setCurrentWidget(window.detail.raw)
    for _ in range(5):
        window.table.viewport().update()
        window.detail.raw.viewport().update()
        deadline = time.perf_counter() + 0.05
        wait(app, lambda: time.perf_counter() >= deadline, 5)
    seconds = time.perf_counter() - started
    gap, _p99 = meter.stop()
    window.close()
    return gap, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=200, help="ordinary articles beside the huge one")
    args = parser.parse_args()
    private = Path(tempfile.mkdtemp(prefix="copydesk-bench-title-"))
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        os.environ[name] = str(private / name.lower())
    try:
        from tests.ui.conftest import write_article
        from ui.app import make_application

        app = make_application()
        plain, huge = private / "plain", private / "huge"
        for folder in (plain, huge):
            folder.mkdir()
            for i in range(args.n):
                write_article(folder, f"small-{i}.md", title=f"Ordinary article {i}", day=1 + i % 9)
        giant = "Headline " + "x" * (TITLE_CHARS - 9)
        (huge / "giant.md").write_text(f'---\ntitle: "{giant}"\nquality: 5\n---\nbody\n', encoding="utf-8")
        without, without_s = measure(app, plain, private, args.n, None)
        with_giant, with_s = measure(app, huge, private, args.n + 1, giant)
    finally:
        shutil.rmtree(private, ignore_errors=True)
    print(f"one {TITLE_CHARS / 1e6:.1f} MB title among {args.n} articles, offscreen, load average "
          f"{os.getloadavg()[0]:.2f}")
    print(f"  without it: longest gap {without:.1f} ms ({without_s:.2f} s from open to the pane shown)")
    print(f"  with it:    longest gap {with_giant:.1f} ms ({with_s:.2f} s); "
          f"{with_giant / max(without, 0.1):.2f}x the view without it, {with_giant / BOUND_MS:.2f}x the 50 ms bound")
    print(json.dumps({"n": args.n, "gap_without_ms": round(without, 1), "gap_with_ms": round(with_giant, 1),
                      "bound_ms": BOUND_MS}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
