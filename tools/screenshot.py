"""Start the real window on a queue (the demo, or a copy of a folder) and save a screenshot of the X screen.

Run through tools/screenshot.sh, which starts Xvfb and sets DISPLAY and
QT_QPA_PLATFORM=xcb. Settings, data and caches live in a temporary folder, so
the editor's own settings and demo copy are never touched. `--folder` opens
a copy of the folder made in that temporary folder, so the keys typed never
change the original (a read-only corpus stays as it is). `--dark` starts the
window in Qt's Fusion style with Copydesk's dark palette (`ui.palette`), as a
desktop in dark mode would.

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
    parser.add_argument("--folder", type=Path, help="open a private copy of this folder instead of the demo queue")
    parser.add_argument("--profile", choices=("news", "hugo", "jekyll"),
                        help="with --folder: write `profile = ...` into the copy's .copydesk/config.toml")
    parser.add_argument("--select", help="the relpath to select before the keys are typed")
    parser.add_argument("--dark", action="store_true", help="Fusion style with a dark palette")
    args = parser.parse_args()
    if args.folder is not None and not args.folder.is_dir():
        parser.error(f"--folder {args.folder}: no such folder")
    if args.profile and args.folder is None:
        parser.error("--profile needs --folder")
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

    from ui import palette
    from ui.app import make_application
    from ui.main_window import MainWindow
    from ui.settings import WindowSettings, ensure_demo_copy

    app = make_application()
    if args.dark:
        app.setStyle("Fusion")
        app.setPalette(palette.dark_palette())
    folder, rows = ensure_demo_copy(), 43
    if args.folder is not None:
        folder = private / "queue" / args.folder.resolve().name
        shutil.copytree(args.folder, folder)
        for path in folder.rglob("*"):  # a copy of a read-only corpus is the editor's to change
            path.chmod(path.stat().st_mode | 0o200)
        if args.profile:
            (folder / ".copydesk").mkdir(exist_ok=True)
            (folder / ".copydesk" / "config.toml").write_text(f'profile = "{args.profile}"\n', encoding="utf-8")
        rows = 1
    width, height = (int(v) for v in args.size.split("x"))
    window = MainWindow(WindowSettings())
    window.setGeometry(0, 0, width, height)
    window.splitter.setSizes([int(width * 0.6), int(width * 0.4)])
    if args.thumbnails:
        window.thumbnails_action.setChecked(True)
    window.show()
    window.open_folder(folder)

    def wait(condition, seconds: float = 15.0) -> bool:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            app.processEvents()
            if condition():
                return True
            time.sleep(0.01)
        return False

    if not wait(lambda: window.model.rowCount() >= rows and not window._scanning and window.queue is not None, 60):
        print(f"screenshot.py: {folder} did not load", file=sys.stderr)
        return 1
    wait(lambda: False, 0.5)
    if args.select:
        window.table.select_row(window.table.row_of_relpath(args.select))
        if not wait(lambda: window.current_relpath() == args.select, 5):
            print(f"screenshot.py: --select {args.select}: no such row in {folder}", file=sys.stderr)
            return 1
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
    print(f"saved {args.out} ({width}x{height}); {window.model.rowCount()} rows; "
          f"current article: {window.current_relpath()}; status: {window.write_label.text()}; "
          f"profile: {window.status.profile_button.text()}")
    window.close()
    QTimer.singleShot(0, app.quit)
    app.exec()
    return 0


if __name__ == "__main__":
    sys.exit(main())
