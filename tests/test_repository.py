"""The repository itself: files a merge can leave broken."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARKERS = ("<<<<<<< ", ">>>>>>> ")


def tracked_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=False
    )
    if listed.returncode != 0:  # not a git checkout (an unpacked release)
        return [p for p in ROOT.rglob("*") if p.is_file() and ".venv" not in p.parts]
    return [ROOT / name for name in listed.stdout.decode().split("\0") if name]


def test_no_merge_conflict_markers_are_committed() -> None:
    found = []
    for path in tracked_files():
        if path.suffix in {".png", ".jpg", ".ico"} or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if line.startswith(MARKERS):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line[:40]}")
    assert not found, "\n".join(found)


def test_ci_script_is_valid_shell() -> None:
    checked = subprocess.run(["bash", "-n", str(ROOT / ".ci" / "run")], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
