"""`copydesk list`, `check` and `watch` as a user or a CI job runs them."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from app.cli import main
from app.cli_queue import json_object
from app.queue import ReviewQueue
from app.summary import ArticleSummary
from tests.app.queue_support import SEED, WAIT, article


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "queue"
    (root / "news").mkdir(parents=True)
    shutil.copyfile(SEED, root / "news" / "seed.txt")
    (root / "a.md").write_text(article("Alpha approved", quality=80, published=True))
    (root / "b.md").write_text(article("Bravo draft", quality=20, published=False))
    (root / "c.md").write_text(article("Charlie unscored", quality=None, published=None))
    (root / "broken.md").write_text("---\ntitle: ok\nquality: [\n---\n")
    (root / "nofm.txt").write_text("no front matter here\n")
    return root


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, object]]:
    assert main(["list", "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_list_json_has_every_row(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = run_json(capsys, str(folder))
    assert [r["path"] for r in rows] == ["a.md", "b.md", "broken.md", "c.md", "news/seed.txt", "nofm.txt"]
    by_path = {r["path"]: r for r in rows}
    assert {k: by_path["a.md"][k] for k in ("title", "published", "quality", "provider", "error")} == {
        "title": "Alpha approved", "published": True, "quality": 80, "provider": "The Desk", "error": None}
    assert by_path["news/seed.txt"]["quality"] == 57
    assert by_path["c.md"]["published"] is None and by_path["c.md"]["quality"] is None
    broken = by_path["broken.md"]
    assert broken["error"] and broken["line"] == 4 and broken["title"] == ""


def test_list_filters(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def paths(*args: str) -> list[object]:
        return [r["path"] for r in run_json(capsys, str(folder), *args)]

    assert paths("--published", "yes") == ["a.md"]
    assert paths("--published", "no") == ["b.md", "c.md", "news/seed.txt"]
    assert paths("--min-quality", "50") == ["a.md", "news/seed.txt"]
    assert paths("--max-quality", "57") == ["b.md", "news/seed.txt"]
    assert paths("--min-quality", "20", "--max-quality", "20") == ["b.md"]
    assert paths("--errors") == ["broken.md", "nofm.txt"]
    assert paths("--search", "IBM") == ["news/seed.txt"]
    assert paths("--search", "BRAVO") == ["b.md"]
    assert paths("--search", "news/") == ["news/seed.txt"]
    assert paths("--published", "no", "--search", "nothing like this") == []


def test_list_usage_errors(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["list", str(folder), "--min-quality", "101"])
    assert exc.value.code == 2
    assert main(["list", str(folder), "--min-quality", "60", "--max-quality", "10"]) == 2
    assert main(["list", str(folder / "missing")]) == 2
    assert "not a folder" in capsys.readouterr().err


def test_list_table(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", str(folder)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["PUB", "QUAL", "PROVIDER", "TITLE", "PATH"]
    alpha = next(line for line in out if line.endswith(" a.md"))
    assert alpha.split()[:2] == ["yes", "80"] and "Alpha approved" in alpha
    assert any("ERROR" in line and line.endswith("broken.md") for line in out)
    assert out[-1] == "6 articles: 1 published, 2 unreadable"


def test_list_empty_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty").mkdir()
    assert run_json(capsys, str(tmp_path / "empty")) == []


def test_json_object_is_json(folder: Path) -> None:
    queue = ReviewQueue(folder, use_index=False)
    queue.scan()
    rows = queue.summaries() + [ArticleSummary('we"ird\\path\n.md', title="tab\tand \u2028 and \u00e9",
                                               heat=1.5, topics=("a", 'b"'), warnings=("w",))]
    for row in rows:
        assert json.loads(json_object(row)) == row.to_json()


def test_check(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(folder)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    broken = os.path.join(str(folder), "broken.md")
    assert lines[0].startswith(f"{broken}:4:") and "YAML error" in lines[0]
    assert lines[1].startswith(os.path.join(str(folder), "nofm.txt") + ":1: ")
    (folder / "broken.md").unlink()
    (folder / "nofm.txt").unlink()
    assert main(["check", str(folder)]) == 0
    assert capsys.readouterr().out == ""


def test_check_relative_folder(folder: Path, capsys: pytest.CaptureFixture[str],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(folder)
    assert main(["check", "."]) == 1
    assert capsys.readouterr().out.splitlines()[0].startswith("broken.md:4:")


def _start_watch(folder: Path, env: dict[str, str], *extra: str, mode: str = "native") -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-m", "app", "watch", str(folder), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stderr is not None
    line = proc.stderr.readline()  # "copydesk: watching FOLDER (MODE); ..." once it is ready
    assert "watching" in line and f"({mode})" in line, line
    return proc


def _read_lines(proc: subprocess.Popen[str], count: int) -> list[dict[str, object]]:
    assert proc.stdout is not None
    lines: list[dict[str, object]] = []

    def reader() -> None:
        while len(lines) < count:
            text = proc.stdout.readline()  # type: ignore[union-attr]
            if not text:
                return
            lines.append(json.loads(text))

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    thread.join(WAIT)
    return lines


def test_watch_prints_json_lines_and_ctrl_c_exits_0(folder: Path, tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    proc = _start_watch(folder, env)
    try:
        (folder / "new.md").write_text(article("New"))
        assert _read_lines(proc, 1) == [{"event": "added", "path": "new.md", "by": "outside"}]
        (folder / "b.md").write_text(article("Bravo edited elsewhere"))
        assert _read_lines(proc, 1) == [{"event": "changed", "path": "b.md", "by": "outside"}]
        # An edit by another Copydesk process (the window) is reported as Copydesk's.
        code = ("import sys\nfrom app.queue import ReviewQueue\n"
                "assert ReviewQueue(sys.argv[1]).write('a.md', {'quality': 5}).status == 'written'\n")
        done = subprocess.run([sys.executable, "-c", code, str(folder)], env=env, capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 0, done.stderr
        assert _read_lines(proc, 1) == [{"event": "changed", "path": "a.md", "by": "copydesk"}]
        (folder / "new.md").unlink()
        assert _read_lines(proc, 1) == [{"event": "removed", "path": "new.md", "by": "outside"}]
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=WAIT)
    assert proc.returncode == 0, err
    assert "Traceback" not in err


def test_watch_poll_and_sigterm(folder: Path, tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    proc = _start_watch(folder, env, "--poll", mode="polling")
    try:
        (folder / "polled.md").write_text(article("Polled"))
        assert _read_lines(proc, 1) == [{"event": "added", "path": "polled.md", "by": "outside"}]
    finally:
        proc.terminate()
        proc.communicate(timeout=WAIT)
    assert proc.returncode == 0
