"""Start the real window on the demo queue and save a screenshot of the X screen.

Run through tools/screenshot.sh, which starts Xvfb and sets DISPLAY and
QT_QPA_PLATFORM=xcb. Settings, data and caches live in a temporary folder, so
the editor's own settings and demo copy are never touched.

The script behaves like an editor: it waits for the queue, then types keys
into the window with xdotool (a real X11 keyboard), so the screenshot also
proves the keys work outside the test harness.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshot.png")
    parser.add_argument("--size", default="1440x900")
    parser.add_argument("--keys", default="j j j j space j j plus plus",
                        help="xdotool key names typed into the window before the shot")
    parser.add_argument("--thumbnails", action="store_true", help="show the thumbnail column")
    args = parser.parse_args()
    if not os.environ.get("DISPLAY"):
        print("screenshot.py: no DISPLAY; run tools/screenshot.sh", file=sys.stderr)
        return 2

    private = Path(tempfile.mkdtemp(prefix="copydesk-shot-"))
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        os.environ[name] = str(private / name.lower())
    try:
        return _shoot(args, private)
    finally:
        shutil.rmtree(private, ignore_errors=True)


def _shoot(args: argparse.Namespace, private: Path) -> int:
    from PySide6.QtCore import QTimer

    from ui.app import make_application
    from ui.main_window import MainWindow
    from ui.settings import WindowSettings, ensure_demo_copy

    app = make_application()
    width, height = (int(v) for v in args.size.split("x"))
    window = MainWindow(WindowSettings())
    window.setGeometry(0, 0, width, height)
    window.splitter.setSizes([int(width * 0.6), int(width * 0.4)])
    if args.thumbnails:
        window.thumbnails_action.setChecked(True)
    window.show()
    window.open_folder(ensure_demo_copy())

    def wait(condition, seconds: float = 15.0) -> bool:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            app.processEvents()
            if condition():
                return True
            time.sleep(0.01)
        return False

    if not wait(lambda: window.model.rowCount() >= 43 and not window._scanning):
        print("screenshot.py: the demo queue did not load", file=sys.stderr)
        return 1
    wait(lambda: False, 0.5)
    win_id = str(int(window.winId()))
    subprocess.run(["xdotool", "windowactivate", "--sync", win_id], check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run(["xdotool", "windowfocus", "--sync", win_id], check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait(lambda: False, 0.3)
    for key in args.keys.split():
        subprocess.run(["xdotool", "key", "--window", win_id, key], check=True)
        wait(lambda: False, 0.15)
    wait(lambda: not window.writer.busy, 5)
    strip = window.detail.image_strip
    wait(lambda: False, 1.5)  # previews decode on workers
    if strip is not None:
        wait(lambda: all(t.preview is not None for t in strip.tiles()), 5)
    wait(lambda: False, 0.3)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["import", "-window", "root", "-crop", f"{width}x{height}+0+0", str(args.out)], check=True)
    print(f"saved {args.out} ({width}x{height}); current article: {window.current_relpath()}; "
          f"status: {window.write_label.text()}")
    window.close()
    QTimer.singleShot(0, app.quit)
    app.exec()
    return 0


if __name__ == "__main__":
    sys.exit(main())
