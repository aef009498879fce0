"""Start the window: `copydesk [FOLDER] [--poll]` ends up here.

Which folder opens: the one given, else the last one (if it still exists),
else the demo queue, copied first into the user data folder so edits never
touch the installed package.
"""
from __future__ import annotations

import os
import sys

from PySide6.QtWidgets import QApplication

from ui.settings import APP_NAME, WindowSettings, ensure_demo_copy


# The window's background threads (the scan, sorting, the loaders) run Python;
# many Qt calls release the GIL, and taking it back waits up to one switch
# interval for the busy thread: a paint calls back into Python for every cell.
# 0.2 ms instead of 5 (measured at 100,000 rows, bench/bench_window.py: the
# longest gap of a warm open went from 58-78 ms at 1 ms to 44-54 ms; the open
# took as long). app.courtesy makes our own loops step aside while painting.
GIL_SWITCH_INTERVAL_S = 0.0002


def make_application(argv: list[str] | None = None) -> QApplication:
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(argv if argv is not None else [sys.argv[0]])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName("Copydesk")
    app.setDesktopFileName(APP_NAME)  # matches resources/copydesk.desktop (Wayland icons)
    from ui.icons import app_icon

    app.setWindowIcon(app_icon())
    return app


def choose_start_folder(folder: str | None, settings: WindowSettings) -> str:
    """The folder to open at start. Runs before the event loop, so a stat is fine."""
    if folder:
        return os.path.abspath(os.path.expanduser(folder))
    last = settings.last_folder
    if last and os.path.isdir(last):
        return last
    return str(ensure_demo_copy())


def run(folder: str | None, *, poll: bool = False) -> int:
    app = make_application()
    from ui.main_window import MainWindow

    settings = WindowSettings()
    window = MainWindow(settings, poll=poll)
    try:
        start = choose_start_folder(folder, settings)
    except OSError as exc:
        window.write_label.setText(f"Cannot prepare the demo queue: {exc}")
        start = ""
    window.show()
    if start:
        window.open_folder(start)
    return int(app.exec())
