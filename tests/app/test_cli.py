"""The command line as a script or a person would run it."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def copydesk(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app", *args], capture_output=True, text=True, cwd=ROOT)


def test_set_edits_every_file_and_reports_failures(tmp_path: Path, seed_copy: Path) -> None:
    good = tmp_path / "good.md"
    good.write_text("---\ntitle: Good\n---\nbody\n")
    bad = tmp_path / "bad.md"
    bad.write_text("no front matter\n")
    out = copydesk("set", "--published", "true", "--quality", "90", str(seed_copy), str(bad), str(good))
    assert out.returncode == 1
    assert out.stderr.strip().splitlines() == [f"{bad}: cannot edit an unreadable file: line 1: no front matter: "
                                               "the file must start with a '---' line",
                                               "written 2, already 0, conflicts 0, failed 1"]
    assert good.read_text() == "---\ntitle: Good\npublished: true\nquality: 90\n---\nbody\n"
    assert "published: true\n" in seed_copy.read_text() and "\nquality: 90\n" in seed_copy.read_text()


def test_set_exit_codes(seed_copy: Path) -> None:
    assert copydesk("set", "--quality", "57", str(seed_copy)).returncode == 0  # already holds it
    assert copydesk("set", "--quality", "101", str(seed_copy)).returncode == 2
    assert copydesk("set", "--published", "maybe", str(seed_copy)).returncode == 2
    assert copydesk("set", str(seed_copy)).returncode == 2
    assert copydesk("set", "--quality", "5").returncode == 2


def test_show_text_and_json(seed_copy: Path, tmp_path: Path) -> None:
    out = copydesk("show", str(seed_copy))
    assert out.returncode == 0 and "For IBM, AI Inference" in out.stdout and "quality      57" in out.stdout
    record = json.loads(copydesk("show", str(seed_copy), "--json").stdout)
    assert record["quality"] == 57 and record["published"] is False and record["error"] is None
    assert record["images"][0]["width"] == 660 and record["secured"] is True
    broken = tmp_path / "broken.md"
    broken.write_text("---\ntitle: [unclosed\n---\n")
    out = copydesk("show", str(broken))
    assert out.returncode == 1 and out.stderr.startswith(f"{broken}: line ")
    record = json.loads(copydesk("show", str(broken), "--json").stdout)
    assert record["error"].startswith("line ") and record["line"] >= 2


def test_help_lists_commands() -> None:
    out = copydesk("--help")
    assert out.returncode == 0 and "set" in out.stdout and "show" in out.stdout
