"""Starting the window: without a display it says so in one line (not Qt's
abort), and Qt's own options reach QApplication."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from ui.app import NO_DISPLAY, no_display_reason, split_qt_arguments

ROOT = Path(__file__).resolve().parents[2]


def bare_environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    """This environment without any display, with private settings folders."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        env[name] = str(tmp_path / name.lower())
    return {**env, **extra}


def test_without_a_display_the_window_says_so_and_exits_1(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "app", str(tmp_path)], cwd=ROOT, env=bare_environment(tmp_path),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done
    assert done.stderr == f"copydesk: {NO_DISPLAY}\n" and done.stdout == ""
    assert not (tmp_path / "xdg_config_home").exists()  # nothing was started, nothing remembered
    xcb = subprocess.run([sys.executable, "-m", "app", "-platform", "xcb", str(tmp_path)], cwd=ROOT,
                         env=bare_environment(tmp_path), capture_output=True, text=True, timeout=60)
    assert xcb.returncode == 1 and xcb.stderr.count("\n") == 1 and "no display" in xcb.stderr


def test_no_display_reason() -> None:
    assert no_display_reason([], {}) == NO_DISPLAY
    assert no_display_reason([], {"DISPLAY": ":0"}) is None
    assert no_display_reason([], {"WAYLAND_DISPLAY": "wayland-0"}) is None
    assert no_display_reason(["-platform", "offscreen"], {}) is None
    assert no_display_reason([], {"QT_QPA_PLATFORM": "offscreen"}) is None
    assert no_display_reason(["-platform=xcb"], {"WAYLAND_DISPLAY": "wayland-0"}) == NO_DISPLAY
    assert no_display_reason(["-display", ":1"], {"QT_QPA_PLATFORM": "xcb"}) is None


def test_qt_options_are_split_from_the_windows_own() -> None:
    assert split_qt_arguments(["-style", "Fusion", "--poll", "~/desk", "-reverse", "--platform=offscreen"]) == (
        ["-style", "Fusion", "-reverse", "--platform=offscreen"], ["--poll", "~/desk"])
    assert split_qt_arguments(["desk"]) == ([], ["desk"])


def test_qt_options_reach_qapplication(tmp_path: Path) -> None:
    probe = ("import sys\nfrom ui.app import make_application, split_qt_arguments\n"
             "qt, rest = split_qt_arguments(sys.argv[1:])\n"
             "app = make_application([sys.argv[0], *qt])\n"
             "print(app.style().name(), app.platformName(), app.layoutDirection().name, rest)\n")
    done = subprocess.run([sys.executable, "-c", probe, "-style", "Windows", "-platform", "offscreen", "-reverse",
                           "desk"], cwd=ROOT, env=bare_environment(tmp_path), capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["windows", "offscreen", "RightToLeft", "['desk']"]


def test_the_window_starts_with_qt_options_and_no_display(tmp_path: Path) -> None:
    folder = tmp_path / "desk"
    folder.mkdir()
    (folder / "a.md").write_text("---\ntitle: A\npublished: false\n---\n")
    window = subprocess.Popen([sys.executable, "-m", "app", "-platform", "offscreen", "-style", "Fusion", "--poll",
                               str(folder)], cwd=ROOT, env=bare_environment(tmp_path), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 5  # long enough for Qt to open its platform and the window
        while window.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert window.poll() is None, window.communicate()  # still running: no "no display", no abort
    finally:
        window.send_signal(signal.SIGTERM)
        _out, err = window.communicate(timeout=30)
    assert "no display" not in err and "could not connect" not in err


POOL_PROBE = """import os, sys
from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QImage, QPainter
if sys.argv[1] == "window":
    from ui.app import make_application
    make_application([sys.argv[0], "-platform", "offscreen"])
else:
    from PySide6.QtWidgets import QApplication
    app = QApplication([sys.argv[0], "-platform", "offscreen"])
image = QImage(600, 600, QImage.Format.Format_ARGB32_Premultiplied)
painter = QPainter(image)
painter.fillRect(QRect(0, 0, 600, 600), QColor(10, 20, 30, 100))  # 600 scan lines, blended
painter.end()
names = [open(f"/proc/self/task/{t}/comm").read().strip() for t in os.listdir("/proc/self/task")]
print(names.count("Thread (pooled)"), os.environ.get("QT_NO_GUI_THREADPOOL"))
"""


def test_the_window_paints_its_large_fills_without_qts_thread_pool(tmp_path: Path) -> None:
    """A large fill in a bare Qt application starts pool threads (that is what the
    window turns off, ui.app.SERIAL_FILLS); in the window's application it stays
    on the painting thread. An editor's own value of the switch is kept."""
    def probe(kind: str, **extra: str) -> list[str]:
        env = {k: v for k, v in bare_environment(tmp_path, **extra).items()
               if k != "QT_NO_GUI_THREADPOOL" or "QT_NO_GUI_THREADPOOL" in extra}
        done = subprocess.run([sys.executable, "-c", POOL_PROBE, kind], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    if os.cpu_count() and os.cpu_count() > 1:  # one core: Qt never splits a fill
        assert int(probe("bare")[0]) > 0, "a bare Qt application no longer splits a large fill"
    assert probe("window") == ["0", "1"]
    assert probe("window", QT_NO_GUI_THREADPOOL="yes") == ["0", "yes"]
