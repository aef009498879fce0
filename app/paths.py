"""Every folder Copydesk keeps things in, decided once, from the XDG variables.

The core (index, own-write journal) and the shell (settings, image cache,
the demo queue) both ask here, so a test or a user who points
`XDG_CACHE_HOME` somewhere else moves every cache at once.

Per the XDG Base Directory spec a variable that is unset, empty or not an
absolute path is ignored and the default under the home folder is used.
Nothing here creates a folder: callers create what they write into.
"""
from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "copydesk"


def _base(variable: str, default: str) -> Path:
    value = os.environ.get(variable, "")
    if not value or not os.path.isabs(value):
        value = os.path.join(os.path.expanduser("~"), default)
    return Path(value)


def cache_dir() -> Path:
    """Things that can be rebuilt: queue indexes, the own-write journal, images."""
    return _base("XDG_CACHE_HOME", ".cache") / APP_NAME


def data_dir() -> Path:
    """Things the user made or owns: the demo queue copy."""
    return _base("XDG_DATA_HOME", ".local/share") / APP_NAME


def config_dir() -> Path:
    """Settings (`copydesk.ini`)."""
    return _base("XDG_CONFIG_HOME", ".config") / APP_NAME


def data_home() -> Path:
    """`$XDG_DATA_HOME` itself (where desktop entries and icons are installed)."""
    return _base("XDG_DATA_HOME", ".local/share")


def applications_dir() -> Path:
    """Where a user's desktop entries go (`copydesk install-desktop`)."""
    return data_home() / "applications"


def icons_dir() -> Path:
    """Where a user's scalable application icons go (the hicolor theme every desktop reads)."""
    return data_home() / "icons" / "hicolor" / "scalable" / "apps"


def resources_dir() -> Path:
    """The shipped `resources/` folder (a checkout, an editable or a wheel install)."""
    try:
        from importlib.resources import files

        candidate = Path(str(files("resources")))
        if (candidate / "demo").is_dir():
            return candidate
    except (ModuleNotFoundError, TypeError):
        pass
    return Path(__file__).resolve().parent.parent / "resources"


def settings_file() -> Path:
    return config_dir() / f"{APP_NAME}.ini"


def image_cache_dir() -> Path:
    return cache_dir() / "images"


def journal_file() -> Path:
    return cache_dir() / "own-writes.sqlite3"


def demo_dir() -> Path:
    return data_dir() / "demo"
