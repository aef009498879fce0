"""What the window remembers between runs, and where the demo queue lives.

One `WindowSettings` wraps QSettings so every key is spelled once, with its
type. GUI thread only (QSettings is reentrant, but the window owns it).

The file is written off the GUI thread. A QSettings writes itself out on
the next turn of its thread's event loop after a change, and each write
takes a lock file and saves atomically: two `fdatasync`s, on the GUI thread,
for each key of the filter box (the selection is remembered per folder) and
each folder opened. So the window's QSettings is only read; what is set goes
into a map of this run's values, which reads look at first, and to
`copydesk-settings-writer`, one thread that writes every file's changes of a moment
through a QSettings of its own (QSettings objects on one file may be used
from different threads) and syncs it. `sync()` waits until all is written.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

from app import paths
from app.paths import resources_dir  # moved to the core (install-desktop needs it too); kept importable here

APP_NAME = paths.APP_NAME
MAX_RECENT = 8
BULK_CONFIRM_OVER = 50  # a bulk decision on more articles than this asks first (`bulk/confirm_over`)
IMAGE_CACHE_MB = 512  # the remote pictures' disk cache (`images/cache_mb`)
IMAGE_CACHE_MB_RANGE = (16, 100_000)
SYNC_DEBOUNCE_S = 5  # a team queue syncs this long after the last decision (`team/sync_after_s`)
SYNC_INTERVAL_S = 120  # ... and this often anyway, to bring others' decisions in (`team/sync_every_s`)
SYNC_DEBOUNCE_RANGE = (1, 3600)
SYNC_INTERVAL_RANGE = (10, 86_400)


class WindowSettings:
    """Typed access to the window's QSettings (`app.paths.settings_file()`:
    `$XDG_CONFIG_HOME/copydesk/copydesk.ini`)."""

    def __init__(self, settings: QSettings | None = None) -> None:
        self._s = settings if settings is not None else QSettings(
            str(paths.settings_file()), QSettings.Format.IniFormat)
        self._written: dict[str, Any] = {}  # what this run set, by key: read before the file's values
        self._file = (self._s.fileName(), self._s.format())

    def _value(self, key: str, default: Any = None) -> Any:
        if key in self._written:
            return self._written[key]
        return self._s.value(key, default)

    def _set(self, key: str, value: Any) -> None:
        self._written[key] = value
        _WRITER.put(self._file, key, value)

    # --- raw Qt states (geometry, splitter, header incl. widths and sort) ---
    def state(self, key: str) -> QByteArray | None:
        value = self._value(f"window/{key}")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def set_state(self, key: str, value: QByteArray) -> None:
        self._set(f"window/{key}", value)

    # --- queue view ---
    @property
    def filter_text(self) -> str:
        return str(self._value("queue/filter", "") or "")

    @filter_text.setter
    def filter_text(self, text: str) -> None:
        self._set("queue/filter", text)

    @property
    def quick_filter(self) -> str:
        return str(self._value("queue/quick_filter", "all") or "all")

    @quick_filter.setter
    def quick_filter(self, name: str) -> None:
        self._set("queue/quick_filter", name)

    @property
    def auto_advance(self) -> bool:
        return _as_bool(self._value("queue/auto_advance", True))

    @auto_advance.setter
    def auto_advance(self, on: bool) -> None:
        self._set("queue/auto_advance", bool(on))

    @property
    def thumbnails(self) -> bool:
        return _as_bool(self._value("queue/thumbnails", False))

    @thumbnails.setter
    def thumbnails(self, on: bool) -> None:
        self._set("queue/thumbnails", bool(on))

    @property
    def load_remote_images(self) -> bool:
        return _as_bool(self._value("images/load_remote", True))

    @load_remote_images.setter
    def load_remote_images(self, on: bool) -> None:
        self._set("images/load_remote", bool(on))

    @property
    def image_cache_mb(self) -> int:
        """The disk cache for remote pictures, in MB (oldest dropped first beyond it)."""
        return _as_int(self._value("images/cache_mb", IMAGE_CACHE_MB), IMAGE_CACHE_MB, *IMAGE_CACHE_MB_RANGE)

    @image_cache_mb.setter
    def image_cache_mb(self, mb: int) -> None:
        self._set("images/cache_mb", int(mb))

    # --- decisions ---
    @property
    def bulk_confirm_over(self) -> int:
        """A bulk decision on more articles than this asks before writing (0: always asks)."""
        return _as_int(self._value("bulk/confirm_over", BULK_CONFIRM_OVER), BULK_CONFIRM_OVER, 0, 10_000_000)

    @bulk_confirm_over.setter
    def bulk_confirm_over(self, n: int) -> None:
        self._set("bulk/confirm_over", int(n))

    @property
    def editor_name(self) -> str:
        """The editor's name for the audit trail and team commits ("" : COPYDESK_EDITOR, git, the OS user)."""
        return str(self._value("audit/editor_name", "") or "").strip()

    @editor_name.setter
    def editor_name(self, name: str) -> None:
        self._set("audit/editor_name", name.strip())

    # --- team queues ---
    @property
    def sync_after_s(self) -> int:
        """A team queue syncs this many seconds after the last decision."""
        return _as_int(self._value("team/sync_after_s", SYNC_DEBOUNCE_S), SYNC_DEBOUNCE_S, *SYNC_DEBOUNCE_RANGE)

    @sync_after_s.setter
    def sync_after_s(self, seconds: int) -> None:
        self._set("team/sync_after_s", int(seconds))

    @property
    def sync_every_s(self) -> int:
        """... and every this many seconds anyway (others' decisions come in)."""
        return _as_int(self._value("team/sync_every_s", SYNC_INTERVAL_S), SYNC_INTERVAL_S, *SYNC_INTERVAL_RANGE)

    @sync_every_s.setter
    def sync_every_s(self, seconds: int) -> None:
        self._set("team/sync_every_s", int(seconds))

    @property
    def auto_claim(self) -> bool:
        """In a team queue, claim the current article while the editor stays on it."""
        return _as_bool(self._value("team/auto_claim", False))

    @auto_claim.setter
    def auto_claim(self, on: bool) -> None:
        self._set("team/auto_claim", bool(on))

    # --- the desktop ---
    @property
    def editor_command(self) -> str:
        """The text editor Open in Editor runs ("" : $VISUAL, $EDITOR, else the default application)."""
        return str(self._value("desktop/editor_command", "") or "")

    @editor_command.setter
    def editor_command(self, command: str) -> None:
        self._set("desktop/editor_command", command.strip())

    # --- folders ---
    @property
    def last_folder(self) -> str:
        return str(self._value("folders/last", "") or "")

    @property
    def recent_folders(self) -> list[str]:
        value = self._value("folders/recent", [])
        if isinstance(value, str):  # QSettings returns a lone string for a one-item list
            value = [value] if value else []
        return [str(v) for v in (value or []) if v]

    def remember_folder(self, folder: str) -> None:
        """Make `folder` the last folder and the top of the recent list."""
        recent = [f for f in self.recent_folders if f != folder]
        recent.insert(0, folder)
        self._set("folders/recent", recent[:MAX_RECENT])
        self._set("folders/last", folder)

    def clear_recent(self) -> None:
        self._set("folders/recent", [])

    # --- per folder (keyed by a hash of the folder's path: QSettings keys cannot hold any path) ---
    def folder_value(self, folder: str, key: str) -> str:
        return str(self._value(f"{_folder_key(folder)}/{key}", "") or "")

    def set_folder_value(self, folder: str, key: str, value: str) -> None:
        self._set(f"{_folder_key(folder)}/{key}", value)
        self._set(f"{_folder_key(folder)}/path", folder)  # for a person reading the file

    def sync(self) -> None:
        """Wait until every value set so far is in the file."""
        _WRITER.flush()


class _Writer:
    """The thread that writes settings files: each file's values set since its
    last write go out together, through a QSettings made for the write."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[tuple[str, QSettings.Format], dict[str, Any]] = {}
        self._pool: ThreadPoolExecutor | None = None

    def put(self, file: tuple[str, QSettings.Format], key: str, value: Any) -> None:
        with self._lock:
            waiting = self._pending.get(file)
            if waiting is None:
                waiting = self._pending[file] = {}
                self._executor().submit(self._write, file)
            waiting[key] = value

    def flush(self) -> None:
        with self._lock:
            pool = self._pool
        if pool is not None:
            pool.submit(lambda: None).result()  # one thread: what was asked before is done

    def _executor(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="copydesk-settings-writer")
        return self._pool

    def _write(self, file: tuple[str, QSettings.Format]) -> None:
        with self._lock:
            values = self._pending.pop(file, {})
        settings = QSettings(*file)
        for key, value in values.items():
            settings.setValue(key, value)
        settings.sync()  # (an unwritable file stays as it was, as it did on the GUI thread)


_WRITER = _Writer()


def _folder_key(folder: str) -> str:
    return "folder-" + hashlib.sha1(folder.encode("utf-8", "surrogateescape")).hexdigest()[:16]


def _as_bool(value: object) -> bool:
    # IniFormat hands booleans back as the strings "true"/"false".
    if isinstance(value, str):
        return value.lower() in ("true", "1", "yes")
    return bool(value)


def _as_int(value: object, default: int, low: int, high: int) -> int:
    """A stored number (IniFormat hands back strings), within its range; else the default."""
    try:
        number = int(str(value).strip())
    except ValueError:
        return default
    return number if low <= number <= high else default


# --- the demo queue ---------------------------------------------------------

def demo_folder() -> Path:
    return paths.demo_dir()


def ensure_demo_copy(*, reset: bool = False) -> Path:
    """Copy the shipped demo queue into the user data folder, once, and return it.

    The editor's edits then land in their own copy and never in the installed
    package. Blocking file work: call before the event loop runs or on a worker.
    """
    target = demo_folder()
    if reset and target.exists():
        shutil.rmtree(target)
    if not target.exists():
        source = resources_dir() / "demo"
        staging = target.with_name(target.name + ".copying")
        if staging.exists():
            shutil.rmtree(staging)
        shutil.copytree(source, staging)
        # Installed packages are often read-only; the copy must be editable.
        os.chmod(staging, 0o755)
        for root, dirs, names in os.walk(staging):
            for name in dirs + names:
                path = os.path.join(root, name)
                os.chmod(path, 0o755 if os.path.isdir(path) else 0o644)
        os.replace(staging, target)  # a half-copied demo never looks complete
    return target
