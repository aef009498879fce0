"""What a fault and hostile-input trial broke, each case with real files:
outside saves during ours, FIFOs, leftover temp files, odd numbers, folders
that change kind mid-scan, link loops, and an index that trusts too much."""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.article import writer
from app.article.frontmatter import load_article
from app.article.writer import exchange_available, write_front_matter_edit
from app.cli import main
from app.decisions import Decision, FileTarget, decide
from app.queue import ReviewQueue
from app.queue.scan import WalkNotes, walk_articles
from tests.app.queue_support import SEED, article

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


@pytest.fixture
def seed(tmp_path: Path) -> Path:
    path = tmp_path / "a.md"
    shutil.copyfile(SEED, path)
    return path


@pytest.fixture
def before_swap():
    """Run one outside writer at the worst moment: after our read, before our swap."""
    def install(action):  # type: ignore[no-untyped-def]
        def once(target: str) -> None:
            writer.BEFORE_SWAP = None
            action(target)
        writer.BEFORE_SWAP = once
    yield install
    writer.BEFORE_SWAP = None


# --- 1. an outside save during ours -------------------------------------------

def _in_place(target: str) -> None:
    """An editor that rewrites the file in place, in two chunks a moment apart."""
    text = Path(target).read_bytes().replace(b"quality: 57", b"quality: 12")
    with open(target, "r+b") as fh:
        fh.write(text[:100])
        fh.flush()
        time.sleep(0.001)
        fh.write(text[100:])
        fh.truncate()


def _atomic_rename(target: str) -> None:
    """A pipeline that saves a new file and renames it over the article."""
    staged = target + ".new"
    Path(staged).write_bytes(Path(target).read_bytes().replace(b"quality: 57", b"quality: 12"))
    os.replace(staged, target)


@pytest.mark.parametrize("outside", [_in_place, _atomic_rename], ids=["in-place", "atomic-rename"])
@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "compare-then-rename"])
def test_an_outside_save_during_ours_is_never_lost(seed: Path, before_swap, outside, exchange: bool,  # type: ignore[no-untyped-def]
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    if exchange and not exchange_available():
        pytest.skip("no renameat2 on this system")
    monkeypatch.setattr(writer, "_exchange_works", exchange)
    before_swap(outside)
    result = write_front_matter_edit(seed, {"quality": 70}, expected={"quality": 57})
    assert result.status == "conflict" and result.raced
    assert result.disk_values["quality"] == 12
    assert b"quality: 12" in seed.read_bytes()  # their save stands, byte for byte
    assert not [p for p in seed.parent.iterdir() if p.name.startswith(".copydesk-")]


def test_through_the_decision_path_the_outside_save_is_a_conflict(seed: Path, before_swap) -> None:  # type: ignore[no-untyped-def]
    before_swap(_atomic_rename)
    [outcome] = decide(FileTarget(), Decision.one(str(seed), {"quality": 70}, {"quality": 57}))
    assert outcome.status == "conflict" and outcome.disk["quality"] == 12
    assert load_article(seed).quality == 12


def test_this_machine_has_the_atomic_exchange() -> None:
    assert exchange_available() == sys.platform.startswith("linux")


# --- 2. a FIFO named like an article ------------------------------------------

def test_a_fifo_is_refused_everywhere_without_blocking(tmp_path: Path) -> None:
    folder = tmp_path / "desk"
    folder.mkdir()
    (folder / "ok.md").write_text(article("Fine"))
    fifo = folder / "pipe.md"
    os.mkfifo(fifo)
    started = time.monotonic()
    out = subprocess.run([sys.executable, "-m", "app", "show", str(fifo)], capture_output=True, text=True,
                         cwd=ROOT, timeout=30)
    assert out.returncode == 1 and "not a regular file (a FIFO" in out.stderr
    result = load_article(fifo)
    assert "FIFO" in result.error  # type: ignore[union-attr]
    assert write_front_matter_edit(fifo, {"quality": 5}).status == "failed"
    queue = ReviewQueue(folder)
    queue.scan()
    queue.stop()
    assert "FIFO" in (queue.get("pipe.md").error or "")  # type: ignore[union-attr]
    assert time.monotonic() - started < 20


# --- 4. temp files of killed writes -------------------------------------------

def _temp(folder: Path, name: str, age: float) -> Path:
    path = folder / name
    path.write_text("half a save")
    stamp = time.time() - age
    os.utime(path, (stamp, stamp))
    return path


def test_stale_temp_files_are_cleaned_by_the_next_scan_and_check(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "desk"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.md").write_text(article("A"))
    old = _temp(folder, ".copydesk-abc123.tmp", 3600)
    old_in_sub = _temp(folder / "sub", ".copydesk-def456.tmp", 3600)
    fresh = _temp(folder, ".copydesk-fresh.tmp", 10)  # a save in progress, maybe
    other = _temp(folder, ".copydesk-notes.txt", 3600)  # not our suffix
    (folder / ".copydesk-dir.tmp").mkdir()  # not a regular file
    held = _temp(folder, ".copydesk-held.tmp", 3600)
    fd = os.open(held, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)  # a live writer still holds this one
    try:
        queue = ReviewQueue(folder)
        report = queue.scan()
        queue.stop()
    finally:
        os.close(fd)
    assert report.stale_temp_removed == 2
    assert not old.exists() and not old_in_sub.exists()
    assert fresh.exists() and other.exists() and held.exists() and (folder / ".copydesk-dir.tmp").is_dir()
    assert any("temp file" in n for n in report.notices)
    assert main(["check", str(folder)]) == 0  # the held one, no longer held, goes too
    assert not held.exists() and fresh.exists()


def test_a_write_sweeps_its_folder(seed: Path) -> None:
    old = _temp(seed.parent, ".copydesk-killed.tmp", 3600)
    writer._last_sweep.clear()
    assert write_front_matter_edit(seed, {"quality": 3}).status == "written"
    assert not old.exists()


# --- 5. numbers ---------------------------------------------------------------

@pytest.mark.parametrize("text", ["1_0", "５", "10.0", "1e1", "0x1", "", "ten"])
def test_quality_is_ascii_digits_only(seed: Path, text: str, capsys: pytest.CaptureFixture[str]) -> None:
    before = seed.read_bytes()
    with pytest.raises(SystemExit) as exc:
        main(["set", "--quality", text, str(seed)])
    assert exc.value.code == 2 and "expected a whole number" in capsys.readouterr().err
    assert seed.read_bytes() == before


def test_a_signed_quality_gets_a_range_error(seed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["set", "--quality", "-5", str(seed)])
    assert "must be from 0 to 100, not -5" in capsys.readouterr().err
    assert main(["set", "--quality", "+7", str(seed)]) == 0 and load_article(seed).quality == 7


# --- 6. smaller faults --------------------------------------------------------

def test_a_folder_replaced_by_a_file_mid_walk_is_taken_as_it_is_now(tmp_path: Path) -> None:
    root = tmp_path / "desk"
    (root / "sub.md").mkdir(parents=True)  # a folder named like an article...
    (root / "sub.md" / "inner.md").write_text(article("Inner"))
    (root / "other").mkdir()
    (root / "other" / "x.md").write_text(article("X"))
    (root / "a.md").write_text(article("A"))
    notes = WalkNotes()
    walk = walk_articles(str(root), notes=notes)
    seen = [next(walk)[0]]  # the root's own files come first
    shutil.rmtree(root / "sub.md")
    (root / "sub.md").write_text(article("Now a file"))  # ... becomes a file before the walk gets there
    shutil.rmtree(root / "other")
    (root / "other").write_text("not an article")
    seen += [rel for rel, _ in walk]
    assert sorted(seen) == ["a.md", "sub.md"] and notes.unreadable == []


def test_folder_links_and_link_loops_are_said_once(tmp_path: Path) -> None:
    root = tmp_path / "desk"
    (root / "sub").mkdir(parents=True)
    (root / "a.md").write_text(article("A"))
    (root / "sub" / "up").symlink_to("..")
    (root / "x").symlink_to("y")
    (root / "y").symlink_to("x")
    queue = ReviewQueue(root)
    report = queue.scan()
    queue.stop()
    assert [row.path for row in queue.summaries()] == ["a.md"]
    assert "not following sub/up: a symbolic link to a folder; such links are not followed" in report.notices
    assert "not following x: a symbolic link loop; skipped" in report.notices
    assert main(["check", str(root)]) == 0


def test_show_escapes_a_newline_in_a_file_name(tmp_path: Path) -> None:
    path = tmp_path / "two\nlines.md"
    path.write_text(article("Odd name"))
    out = subprocess.run([sys.executable, "-m", "app", "show", str(path)], capture_output=True, text=True,
                         cwd=ROOT, timeout=30)
    assert out.returncode == 0 and out.stdout.splitlines()[0].endswith("two\\nlines.md")
    broken = tmp_path / "bad\nname.md"
    broken.write_text("no front matter")
    out = subprocess.run([sys.executable, "-m", "app", "show", str(broken)], capture_output=True, text=True,
                         cwd=ROOT, timeout=30)
    assert len(out.stderr.strip().splitlines()) == 1 and "bad\\nname.md" in out.stderr


def _scan_as(uid: int, folder: str, index: str, answer) -> None:  # type: ignore[no-untyped-def]
    if uid != os.geteuid():
        os.setgid(uid)
        os.setuid(uid)
    queue = ReviewQueue(folder, index_path=index)
    queue.scan()
    queue.stop()
    answer.put([(row.path, row.error) for row in queue.summaries()])


@pytest.mark.skipif(os.geteuid() != 0, reason="playing two users needs root")
def test_a_file_this_process_cannot_read_is_an_error_whatever_the_index_says() -> None:
    """The index was written by someone who could read the file (root); then
    another user opens the queue with the same index and cannot read it."""
    import multiprocessing
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="copydesk-shared-"))  # reachable by another user
    try:
        base.chmod(0o777)
        folder = base / "desk"
        folder.mkdir(mode=0o777)
        folder.chmod(0o777)
        secret = folder / "secret.md"
        secret.write_text(article("Secret"))
        secret.chmod(0o600)
        old = time.time() - 10  # an old stamp: the index trusts it without reading
        os.utime(secret, (old, old))
        index = base / "index.sqlite3"
        context = multiprocessing.get_context("fork")
        answer = context.Queue()
        for _ in range(2):  # the second scan takes the row from the index
            _scan_as(os.geteuid(), str(folder), str(index), answer)
            assert answer.get(timeout=30) == [("secret.md", None)]
        for path in base.iterdir():  # the index is shared; the article stays root's own
            if path != folder:
                path.chmod(0o666)
        child = context.Process(target=_scan_as, args=(65534, str(folder), str(index), answer))
        child.start()
        rows = answer.get(timeout=30)
        child.join(30)
        assert rows == [("secret.md", "permission denied")]
    finally:
        shutil.rmtree(base, ignore_errors=True)
