"""`copydesk install-desktop`: put Copydesk in the desktop's application menu.

The shipped `resources/copydesk.desktop` goes to `$XDG_DATA_HOME/applications`
and the icon to `$XDG_DATA_HOME/icons/hicolor/scalable/apps` (the folders
every freedesktop menu reads; `app.paths` decides them). The entry's `Exec`
names the `copydesk` this command runs from, by its absolute path, because a
menu starts programs without the shell's PATH (a virtualenv's `bin` is not on
it). `--uninstall` removes exactly those two files, and only when they are
Copydesk's.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from app import paths

DESKTOP_NAME = "copydesk.desktop"
ICON_NAME = "copydesk.svg"
_MARK = "X-Copydesk-Installed=true"  # says the entry is ours, so --uninstall never removes another's
# Characters that make an Exec argument need quotes (the Desktop Entry spec's "reserved" set).
_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


@dataclass(frozen=True, slots=True)
class Installed:
    desktop_file: Path
    icon_file: Path
    command: list[str]  # what the menu runs


def launcher_command() -> list[str]:
    """The copydesk to start from the menu: the console script beside this
    interpreter (a virtualenv's), else the one on PATH, else `python -m app`."""
    beside = Path(sys.executable).parent / "copydesk"
    if beside.is_file() and os.access(beside, os.X_OK):
        return [str(beside.absolute())]
    found = shutil.which("copydesk")
    if found:
        return [os.path.abspath(found)]
    return [os.path.abspath(sys.executable), "-m", "app"]


def quote_exec_argument(arg: str) -> str:
    """One argument of an Exec line: quoted when the spec requires it, with `"`,
    `` ` ``, `$` and `\\` escaped inside the quotes, and every backslash doubled
    once more (the string escaping the spec applies before the quoting)."""
    if arg and not (set(arg) & _RESERVED):
        return arg.replace("%", "%%")  # a literal % is %% (field codes are %f, %u...)
    inner = "".join("\\" + ch if ch in '"`$\\' else ch for ch in arg).replace("%", "%%")
    return ('"' + inner + '"').replace("\\", "\\\\")


def desktop_entry(command: list[str]) -> str:
    """The shipped entry with Exec/TryExec naming `command` by its absolute path."""
    template = (paths.resources_dir() / DESKTOP_NAME).read_text(encoding="utf-8")
    lines = []
    for line in template.splitlines():
        if line.startswith("Exec="):
            line = "Exec=" + " ".join(map(quote_exec_argument, command)) + " %f"
            lines.append(line)
            lines.append("TryExec=" + command[0].replace("\\", "\\\\"))  # hidden if that program goes away
            continue
        if line.startswith("TryExec="):
            continue
        lines.append(line)
    lines.append(_MARK)
    return "\n".join(lines) + "\n"


def install(command: list[str] | None = None) -> Installed:
    """Write the entry and the icon (replacing an earlier install). Raises OSError."""
    command = command or launcher_command()
    apps, icons = paths.applications_dir(), paths.icons_dir()
    apps.mkdir(parents=True, exist_ok=True)
    icons.mkdir(parents=True, exist_ok=True)
    desktop_file, icon_file = apps / DESKTOP_NAME, icons / ICON_NAME
    _write_atomically(icon_file, (paths.resources_dir() / ICON_NAME).read_bytes())
    _write_atomically(desktop_file, desktop_entry(command).encode("utf-8"))
    _refresh_menu_cache(apps)
    return Installed(desktop_file, icon_file, command)


def uninstall() -> list[Path]:
    """Remove the entry and the icon an install wrote; the paths removed."""
    removed = []
    desktop_file, icon_file = paths.applications_dir() / DESKTOP_NAME, paths.icons_dir() / ICON_NAME
    try:
        ours = _MARK in desktop_file.read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        ours = False
    if ours:
        desktop_file.unlink()
        removed.append(desktop_file)
        _refresh_menu_cache(desktop_file.parent)
    if icon_file.is_file() and icon_file.read_bytes() == (paths.resources_dir() / ICON_NAME).read_bytes():
        icon_file.unlink()
        removed.append(icon_file)
    return removed


def validate(desktop_file: Path) -> str | None:
    """What `desktop-file-validate` says about the entry (None: it is not installed, "" : no complaint)."""
    tool = shutil.which("desktop-file-validate")
    if tool is None:
        return None
    done = subprocess.run([tool, str(desktop_file)], capture_output=True, text=True, check=False)
    return (done.stdout + done.stderr).strip()


def _write_atomically(path: Path, data: bytes) -> None:
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(temp, 0o644)  # mkstemp makes 0600; menus and icon loaders read these as the user anyway
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise


def _refresh_menu_cache(apps: Path) -> None:
    """Menus watch this folder; the cache only matters for MIME types, so it is refreshed where the tool exists."""
    tool = shutil.which("update-desktop-database")
    if tool is not None:
        subprocess.run([tool, "-q", str(apps)], capture_output=True, check=False)
