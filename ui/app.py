"""Start the window: `copydesk [FOLDER] [--poll]` ends up here.

Which folder opens: the one given, else the last one (if it still exists),
else the demo queue, copied first into the user data folder so edits never
touch the installed package.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Mapping

from PySide6.QtWidgets import QApplication

from ui.i18n import tr
from ui.settings import APP_NAME, WindowSettings, ensure_demo_copy


# The window's background threads (the scan, sorting, the loaders) run Python;
# many Qt calls release the GIL, and taking it back waits up to one switch
# interval for the busy thread: a paint calls back into Python for every cell.
# 0.2 ms instead of 5 (measured at 100,000 rows, bench/bench_window.py: the
# longest gap of a warm open went from 58-78 ms at 1 ms to 44-54 ms; the open
# took as long). app.courtesy makes our own loops step aside while painting.
GIL_SWITCH_INTERVAL_S = 0.0002

# Qt's raster engine hands any fill of 96 scan lines or more (a scroll bar, a
# tab frame, a widget's background) to its own thread pool and waits for it.
# The hand-off (waking pool threads, on two cores busy with ours) cost more
# than the fills: three quarters of a scroll bar's paint went to it, and a
# J press painted the detail pane in 9-11 ms against 6.3-6.6 ms without the
# pool (p95 16-18 against 9; key to pane p95 20-22 against 14-16 ms, runs
# alternated at 10,000 rows). Qt's own switch turns the pool off; an editor's
# own setting of it is kept.
SERIAL_FILLS = ("QT_NO_GUI_THREADPOOL", "1")


# Qt's own command-line options (QGuiApplication, QApplication, the xcb platform),
# handed to QApplication untouched: `copydesk -style Fusion ~/desk`.
QT_VALUE_OPTIONS = frozenset(("-platform", "-platformpluginpath", "-platformtheme", "-plugin", "-qmljsdebugger",
                              "-qwindowgeometry", "-qwindowicon", "-qwindowtitle", "-session", "-style",
                              "-stylesheet", "-display", "-geometry", "-title", "-name", "-visual"))
QT_FLAG_OPTIONS = frozenset(("-reverse", "-widgetcount", "-nograb", "-dograb", "-sync"))
NO_DISPLAY = ("no display: set DISPLAY (or WAYLAND_DISPLAY) to open the window, "
              "or use a command without one (copydesk --help)")


def split_qt_arguments(argv: list[str]) -> tuple[list[str], list[str]]:
    """(Qt's options with their values, the rest) from the window's arguments.
    Qt spells them with one dash or two, the value after a space or an `=`."""
    qt: list[str] = []
    rest: list[str] = []
    words = iter(argv)
    for word in words:
        name = "-" + word.lstrip("-").split("=", 1)[0] if word.startswith("-") else ""
        if name in QT_VALUE_OPTIONS:
            qt.append(word)
            if "=" not in word:
                value = next(words, None)
                if value is not None:
                    qt.append(value)
        elif name in QT_FLAG_OPTIONS:
            qt.append(word)
        else:
            rest.append(word)
    return qt, rest


def _qt_option(qt_args: list[str], option: str) -> str | None:
    for i, word in enumerate(qt_args):
        name, _, value = word.lstrip("-").partition("=")
        if "-" + name == option:
            return value or (qt_args[i + 1] if i + 1 < len(qt_args) else "")
    return None


def no_display_reason(qt_args: list[str], environ: Mapping[str, str]) -> str | None:
    """Why Qt could not open a window here, said before Qt aborts on it; None
    when a display (or a platform that needs none, `-platform offscreen`) is there."""
    if sys.platform in ("darwin", "win32", "cygwin"):
        return None  # their platforms always have a screen to talk to
    platform = _qt_option(qt_args, "-platform") or environ.get("QT_QPA_PLATFORM", "")
    first = platform.split(";")[0].split(":")[0].strip()  # "wayland;xcb" tries wayland first
    has_x11 = bool(environ.get("DISPLAY") or _qt_option(qt_args, "-display"))
    if first == "xcb":
        return None if has_x11 else NO_DISPLAY
    if first:
        return None  # offscreen, vnc, wayland, eglfs...: the editor chose it and knows
    return None if has_x11 or environ.get("WAYLAND_DISPLAY") else NO_DISPLAY


def make_application(argv: list[str] | None = None) -> QApplication:
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
    os.environ.setdefault(*SERIAL_FILLS)  # read by Qt when it first fills: before any window paints
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(argv if argv is not None else [sys.argv[0]])
        from ui.i18n import install_translators

        app._copydesk_translators = install_translators(app)  # type: ignore[attr-defined]  # kept alive
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName("Copydesk")
    app.setDesktopFileName(APP_NAME)  # matches resources/copydesk.desktop (Wayland icons)
    from ui import palette
    from ui.icons import app_icon

    palette.watch_palette()  # colours follow a desktop that turns dark while the window is open
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


def run(folder: str | None, *, poll: bool = False, qt_args: list[str] | None = None) -> int:
    qt_args = list(qt_args or [])
    reason = no_display_reason(qt_args, os.environ)
    if reason is not None:
        print(f"copydesk: {reason}", file=sys.stderr)
        return 1
    app = make_application([sys.argv[0], *qt_args])
    from ui.main_window import MainWindow

    settings = WindowSettings()
    window = MainWindow(settings, poll=poll)
    try:
        start = choose_start_folder(folder, settings)
    except OSError as exc:
        window.write_label.setText(tr("Cannot prepare the demo queue: {error}").format(error=exc))
        start = ""
    window.show()
    if start:
        window.open_folder(start)
    return int(app.exec())
