"""Fixtures for the window tests: private settings, data and cache folders,
a folder of real article files, and a window opened on it.

Everything runs on real files in tmp_path, a real ReviewQueue with a real
watchdog observer, and real widgets on the offscreen platform.
"""
from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

# Before Qt or the queue read them: nothing a test does may touch the real
# ~/.config, ~/.local/share or ~/.cache.
_PRIVATE = Path(tempfile.mkdtemp(prefix="copydesk-ui-tests-"))
atexit.register(shutil.rmtree, _PRIVATE, True)
for _name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
    os.environ[_name] = str(_PRIVATE / _name.lower())
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from PySide6.QtCore import QEvent, QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from tools.synthetic import generate_articles  # noqa: E402
from ui.settings import WindowSettings  # noqa: E402

ARTICLE = """---
title: "{title}"
excerpt: "An excerpt about {title}."
publishedDateTime: 2022-02-0{day}T20:02:00Z
webUrl: "https://example.com/{slug}/"
type: article
quality: {quality}
heat: -1
published: {published}

provider:
  name: The Next Platform
  domain: nextplatform.com

topics:
  - AI
---

Body of {title}.
"""


def write_article(folder: Path, name: str, *, title: str, quality: int = 50,
                  published: str = "false", day: int = 1) -> Path:
    path = folder / name
    path.write_text(ARTICLE.format(title=title, quality=quality, published=published, day=day,
                                   slug=name.split(".")[0]), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def earlier_widgets_gone(qapp) -> None:  # type: ignore[no-untyped-def]
    """The widgets an earlier test left to `deleteLater` are destroyed before
    this one starts its threads. Destroying a Qt object takes Qt's connection
    locks and then the GIL (PySide asks Python about each sender's
    `disconnectNotify`), while a thread that connects a signal from Python (the
    image fetcher's, at each request) holds the GIL and waits for those locks:
    the two deadlocked in two full runs, the old window going while the next
    test's first picture was asked for."""
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def settings(tmp_path: Path) -> WindowSettings:
    return WindowSettings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def queue_folder(tmp_path: Path) -> Path:
    """Five readable articles (dates 1..5, so date-descending order is e..a) and one broken file."""
    folder = tmp_path / "queue"
    folder.mkdir()
    for day, (letter, quality) in enumerate((("a", 10), ("b", 20), ("c", 30), ("d", 40), ("e", 95)), start=1):
        write_article(folder, f"{letter}.md", title=f"Article {letter.upper()}", quality=quality, day=day)
    (folder / "broken.md").write_text("---\ntitle: \"unclosed\nquality: 5\n---\n", encoding="utf-8")
    return folder


@pytest.fixture
def make_window(qtbot, settings: WindowSettings):  # type: ignore[no-untyped-def]
    """Open a MainWindow on a folder and wait until its rows are listed."""
    from ui.main_window import MainWindow

    windows: list[MainWindow] = []

    def make(folder: Path, *, rows: int | None = None, window_settings: WindowSettings | None = None) -> MainWindow:
        window = MainWindow(window_settings or settings)
        qtbot.addWidget(window)
        windows.append(window)
        window.show()
        window.open_folder(folder)
        expected = rows if rows is not None else sum(
            1 for p in folder.rglob("*") if p.suffix in (".md", ".txt", ".yaml", ".yml", ".markdown"))
        qtbot.waitUntil(lambda: window.model.rowCount() == expected and not window._scanning
                        and window.queue is not None, timeout=10_000)
        # Queue keys are WidgetShortcuts: they need the window active and the
        # queue focused, which the offscreen platform grants asynchronously.
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=5000)
        window.table.setFocus()
        qtbot.waitUntil(window.table.hasFocus, timeout=5000)
        return window

    yield make
    for window in windows:
        window.close()


@pytest.fixture
def synthetic_folder(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "synthetic"
    generate_articles(folder, 30, seed=7)
    yield folder
