"""Scanning a queue folder: which files are rows, what a row holds, streaming, writing."""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest

from app.article.frontmatter import load_article
from app.queue import ReviewQueue
from app.queue.scan import check_file, is_article_name, is_ignored_relpath
from app.article.summary import ArticleSummary, summarize
from tests.app.queue_support import SEED, article


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Indexes and the own-writes journal go to a temporary cache, not the user's."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def make_queue(folder: Path, tmp_path: Path, **kwargs: object) -> ReviewQueue:
    return ReviewQueue(folder, index_path=tmp_path / "index.sqlite3", **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("name, expected", [
    ("a.md", True), ("a.txt", True), ("a.markdown", True), ("a.yaml", True), ("a.yml", True),
    ("UPPER.MD", True), ("a.rst", False), ("md", False), (".a.md", False), ("a.md~", False),
    (".a.md.swp", False), (".#a.md", False), ("4913", False), ("a.md___jb_tmp___", False),
    ("a.md___jb_old___", False), (".copydesk-abc.tmp", False),
])
def test_article_names(name: str, expected: bool) -> None:
    assert is_article_name(name) is expected


def test_hidden_folders_are_ignored() -> None:
    assert is_ignored_relpath(".git/a.md")
    assert is_ignored_relpath("news/.drafts/a.md")
    assert not is_ignored_relpath("news/drafts/a.md")


def test_scan_lists_articles_recursively_and_skips_the_rest(tmp_path: Path) -> None:
    root = tmp_path / "q"
    (root / "news" / "2024").mkdir(parents=True)
    (root / ".git").mkdir()
    shutil.copyfile(SEED, root / "seed.txt")
    (root / "news" / "2024" / "deep.md").write_text(article("Deep"))
    (root / "plain.yaml").write_text("title: Plain\nquality: 3\npublished: true\n")
    for junk in (".git/x.md", "seed.txt~", ".seed.txt.swp", "4913", "notes.rst", "x.md___jb_tmp___"):
        (root / junk).write_text(article("junk"))
    queue = make_queue(root, tmp_path)
    report = queue.scan()
    assert [s.path for s in queue.summaries()] == ["news/2024/deep.md", "plain.yaml", "seed.txt"]
    assert (report.total, report.parsed, report.errors) == (3, 3, 0)
    seed = queue.get("seed.txt")
    assert seed is not None
    assert seed.title == "For IBM, AI Inference Is The Most Important HPC"
    assert (seed.published, seed.quality, seed.provider, seed.heat) == (False, 57, "The Next Platform", -1)
    assert seed.published_at == "2022-02-01T20:02:00Z" and seed.topics == ("AI",) and seed.category == "news"
    assert seed.image_url.endswith("ibm-2019-2020-groups-divisions.jpg")
    assert seed.size == (root / "seed.txt").stat().st_size
    plain = queue.get("plain.yaml")
    assert plain is not None and (plain.title, plain.quality, plain.published) == ("Plain", 3, True)


def test_summary_matches_the_parser(tmp_path: Path) -> None:
    shutil.copyfile(SEED, tmp_path / "seed.md")
    queue = make_queue(tmp_path, tmp_path)
    queue.scan()
    st = (tmp_path / "seed.md").stat()
    assert queue.get("seed.md") == summarize(load_article(tmp_path / "seed.md"), "seed.md", st.st_size,
                                             st.st_mtime_ns)


def test_broken_files_are_error_rows(tmp_path: Path) -> None:
    (tmp_path / "yaml.md").write_text("---\ntitle: [unclosed\n---\n")
    (tmp_path / "nofm.txt").write_text("just text\n")
    (tmp_path / "binary.md").write_bytes(b"---\n\x00\x01\x02")
    (tmp_path / "latin1.md").write_bytes("---\ntitle: caf\xe9\n---\n".encode("latin-1"))
    (tmp_path / "typed.md").write_text("---\ntitle: ok\nquality: high\npublished: maybe\n---\n")
    (tmp_path / "dangling.md").symlink_to(tmp_path / "missing-target.md")
    queue = make_queue(tmp_path, tmp_path)
    report = queue.scan()
    rows = {s.path: s for s in queue.summaries()}
    assert report.errors == 5 and len(rows) == 6
    assert rows["yaml.md"].error_line == 3 and "YAML" in (rows["yaml.md"].error or "")
    assert rows["nofm.txt"].error is not None and rows["binary.md"].error is not None
    assert rows["latin1.md"].error_line == 2
    assert rows["dangling.md"].error == "broken symbolic link: its target does not exist"
    typed = rows["typed.md"]  # a wrong type is a warning on a readable row, shown as written
    assert typed.error is None and typed.quality is None and typed.published is None
    assert dict(typed.invalid) == {"quality": "high", "published": "maybe"}
    assert len(typed.warnings) == 2


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_is_an_error_row(tmp_path: Path) -> None:
    (tmp_path / "secret.md").write_text(article("Secret"))
    (tmp_path / "secret.md").chmod(0)
    queue = make_queue(tmp_path, tmp_path)
    queue.scan()
    assert queue.get("secret.md").error == "permission denied"  # type: ignore[union-attr]


def test_rows_stream_in_batches_with_progress(tmp_path: Path) -> None:
    from tools.synthetic import generate_articles

    generate_articles(tmp_path / "q", 300)
    batches: list[list[ArticleSummary]] = []
    progress: list[tuple[int, int]] = []
    queue = make_queue(tmp_path / "q", tmp_path, workers=2)
    report = queue.scan(on_rows=batches.append, on_progress=lambda done, found: progress.append((done, found)))
    assert len(batches) > 1  # streamed, not one list at the end
    assert sorted(s.path for b in batches for s in b) == [s.path for s in queue.summaries()]
    assert report.total == report.parsed == 300 and report.errors == 0
    assert progress[-1] == (300, 300)
    assert all(done <= found for done, found in progress)


def test_parallel_and_inline_parses_agree(tmp_path: Path) -> None:
    from tools.synthetic import generate_articles

    generate_articles(tmp_path / "q", 200)
    one = make_queue(tmp_path / "q", tmp_path, use_index=False, workers=1)
    two = make_queue(tmp_path / "q", tmp_path, use_index=False, workers=2)
    one.scan()
    two.scan()
    assert one.summaries() == two.summaries()


def test_scan_from_a_thread_with_other_threads_alive(tmp_path: Path) -> None:
    # The window scans on a worker thread while others run: the pool must not fork them.
    from tools.synthetic import generate_articles

    generate_articles(tmp_path / "q", 120)
    queue = make_queue(tmp_path / "q", tmp_path, use_index=False, workers=2)
    result: list[int] = []
    worker = threading.Thread(target=lambda: result.append(queue.scan().parsed))
    worker.start()
    worker.join(60)
    assert result == [120]


def test_missing_folder_is_a_notice(tmp_path: Path) -> None:
    queue = make_queue(tmp_path / "nowhere", tmp_path)
    report = queue.scan()
    assert report.total == 0 and any("not a folder" in n for n in report.notices)


def test_absolute_refuses_paths_outside(tmp_path: Path) -> None:
    queue = make_queue(tmp_path, tmp_path)
    assert queue.absolute("news/a.md") == tmp_path.resolve() / "news" / "a.md"
    for bad in ("../x.md", "/etc/passwd", "", "a/../../x.md"):
        with pytest.raises(ValueError):
            queue.absolute(bad)


def test_write_updates_the_row_without_watching(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(article("A", quality=10))
    queue = make_queue(tmp_path, tmp_path)
    queue.scan()
    result = queue.write("a.md", {"quality": 77, "published": True})
    assert result.status == "written" and result.sha256
    row = queue.get("a.md")
    assert row is not None and (row.quality, row.published) == (77, True)
    conflict = queue.write("a.md", {"quality": 1}, expected={"quality": 10})
    assert conflict.status == "conflict" and queue.get("a.md").quality == 77  # type: ignore[union-attr]
    queue.stop()
    # The index holds the written row: a new queue opens it without parsing.
    again = make_queue(tmp_path, tmp_path)
    report = again.scan()
    assert again.get("a.md").quality == 77  # type: ignore[union-attr]
    assert report.parsed + report.from_index == 1


def test_file_gone_before_it_is_read_is_not_a_row(tmp_path: Path) -> None:
    # Listed, then deleted or renamed before a worker reads it (a git checkout, a
    # pipeline moving files): no row, not a "no longer exists" error that fails `check`.
    assert check_file(str(tmp_path), "gone.md").vanished
    (tmp_path / "dangling.md").symlink_to(tmp_path / "nowhere.md")
    dangling = check_file(str(tmp_path), "dangling.md")
    assert not dangling.vanished and dangling.row is not None
    assert dangling.summary().error == "broken symbolic link: its target does not exist"
    (tmp_path / "here.md").write_text(article("Here"))
    assert not check_file(str(tmp_path), "here.md").vanished


def test_heat_that_is_not_a_finite_number(tmp_path: Path) -> None:
    # YAML's .nan and .inf are floats; JSON has no such numbers, and SQLite stores NaN as NULL.
    (tmp_path / "nan.md").write_text("---\ntitle: NaN\nheat: .nan\n---\n")
    (tmp_path / "inf.md").write_text("---\ntitle: Inf\nheat: -.inf\n---\n")
    for _ in range(2):  # cold, then from the index: the same rows
        queue = make_queue(tmp_path, tmp_path)
        queue.scan()
        for name in ("nan.md", "inf.md"):
            row = queue.get(name)
            assert row is not None and row.heat is None and row.error is None
            assert any(w.startswith("heat: ") and "finite" in w for w in row.warnings)
        queue.stop()
