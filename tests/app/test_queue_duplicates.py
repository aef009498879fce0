"""Duplicates in a real queue: the planted set written as article files and read
by `ReviewQueue(duplicates=True)` (precision and recall printed; run with -s),
the same groups on a warm open from the index's stored keys, and groups kept
right one file at a time while the folder is watched and written."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.queue import ReviewQueue
from app.queue.duplicate_keys import canonical_urls
from app.queue.duplicates import KINDS, SIMILAR, DuplicateIndex, DuplicateRecord
from tests.app.queue_support import Collector, wait_until, watched_queue
from tools.planted_duplicates import pairs_of, planted_set, precision_recall

URL_KEYS = ("webUrl", "originalUrl", "ampWebUrl", "cdnAmpWebUrl")


def article_text(record: DuplicateRecord, *, quality: int = 50) -> str:
    """A record as an article file (JSON strings are YAML double-quoted scalars)."""
    lines = ["---", f"title: {json.dumps(record.title)}", f"excerpt: {json.dumps(record.excerpt)}",
             "publishedDateTime: 2022-02-01T20:02:00Z", f"quality: {quality}", "published: false",
             "provider:", f"  name: {json.dumps(record.provider)}"]
    lines += [f"{key}: {json.dumps(url)}" for key, url in zip(URL_KEYS, record.urls)]
    return "\n".join(lines + ["---", ""])


def write_records(folder: Path, records: list[DuplicateRecord]) -> None:
    for record in records:
        path = folder / record.key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(article_text(record), encoding="utf-8")


def cold_open(tmp_path: Path, records: list[DuplicateRecord]) -> tuple[Path, Path, ReviewQueue]:
    """The records as files in a folder, scanned once into a new index: (folder, index, the queue, not stopped)."""
    folder = tmp_path / "desk"
    write_records(folder, records)
    index = tmp_path / "index.sqlite3"
    queue = ReviewQueue(folder, index_path=index, duplicates=True)
    queue.scan()
    return folder, index, queue


@pytest.fixture(scope="module")
def planted():  # type: ignore[no-untyped-def]
    return planted_set(stories=240, seed=21)


def test_planted_files_give_the_planted_groups(planted, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "desk"
    write_records(folder, planted.records)
    queue = ReviewQueue(folder, index_path=tmp_path / "index.sqlite3", duplicates=True)
    queue.scan()
    assert queue.duplicates is not None and queue.duplicates.pending_similar == len(planted.records)
    queue.complete_duplicates(100)
    assert queue.duplicates.pending_similar == 0
    view = queue.duplicates.view()
    queue.stop()
    print()
    floors = {"url": (1.0, 0.95), "title": (1.0, 0.95), "similar": (0.99, 0.85)}
    for kind in KINDS:
        found = pairs_of(group.members for group in view.groups(kind))
        precision, recall = precision_recall(found, planted.truth[kind])
        print(f"files: {kind:8s} precision {precision:.3f}  recall {recall:.3f}  "
              f"({len(found & planted.truth[kind])} of {len(planted.truth[kind])} true pairs)")
        assert precision >= floors[kind][0] and recall >= floors[kind][1], kind
    # The files give what the records give: nothing is lost between a file and its row.
    index = DuplicateIndex.build(planted.records)
    assert view.groups() == index.groups()
    # Distinct stories of one site (?id=1, ?id=2) stay apart.
    with_ids = [r for r in planted.records if "-" not in r.key and "?id=" in r.urls[0]]
    assert len(with_ids) >= 4
    assert not any(set(view.copies_of(a.key)) & {b.key for b in with_ids} for a in with_ids)


def test_a_warm_open_uses_the_stored_keys_and_finds_the_same_groups(planted, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    folder, index, cold = cold_open(tmp_path, planted.records[:300])
    cold.complete_duplicates()
    groups = cold.duplicates.view().groups()  # type: ignore[union-attr]
    cold.stop()
    assert groups
    # A warm open neither canonicalises a URL nor computes a band: both come from the index.
    import app.queue.duplicates as engine
    import app.queue.near_duplicates as near

    def refuse(*_: object) -> None:
        raise AssertionError("a warm open recomputed what the index stores")

    monkeypatch.setattr(engine, "canonical_urls", refuse)
    monkeypatch.setattr(engine, "sketch_bands", refuse)
    monkeypatch.setattr(near, "sketch_bands", refuse)
    for slice_size in (None, 7):  # the stored bands read all at once, or a slice at a time
        warm = ReviewQueue(folder, index_path=index, duplicates=True)
        report = warm.scan()
        warm.complete_duplicates(slice_size)
        assert report.parsed == 0 and warm.duplicates.view().groups() == groups  # type: ignore[union-attr]
        warm.stop()


def test_canonical_urls_are_their_own_canonical_form(planted) -> None:  # type: ignore[no-untyped-def]
    # The queue files a record under its stored canonical URLs: refiling must give them back.
    for record in planted.records:
        once = canonical_urls(record.urls)
        assert canonical_urls(once) == once, record.urls


def _story_and_stranger(folder: Path) -> tuple[DuplicateRecord, DuplicateRecord]:
    story = DuplicateRecord("a.md", ("https://www.example.com/2022/02/01/chips/",), "Chips are back",
                            "The Desk", "Chip makers expect demand to recover in the second half of the year")
    stranger = DuplicateRecord("b.md", ("https://example.com/news.php?id=2",), "Memory prices fall",
                               "The Desk", "Memory prices keep falling while the vendors delay new factories")
    write_records(folder, [story, stranger])
    return story, stranger


def test_groups_follow_file_changes_one_file_at_a_time(tmp_path: Path) -> None:
    folder = tmp_path / "desk"
    story, stranger = _story_and_stranger(folder)
    collector = Collector()
    queue = watched_queue(folder, tmp_path / "index.sqlite3", collector, duplicates=True)
    tracker = queue.duplicates
    assert tracker is not None
    try:
        tracker.take_changes()
        assert not tracker.view().is_duplicate("a.md")
        # b.md becomes the AMP copy of a.md (another title): a url group.
        copy = DuplicateRecord("b.md", ("https://www.example.com/2022/02/01/chips/amp/?utm_source=x",),
                               "Something else", "The Desk", stranger.excerpt)
        (folder / "b.md").write_text(article_text(copy))
        wait_until(lambda: tracker.view().is_duplicate("b.md"))
        view, changed = tracker.take_changes()
        assert changed == {"a.md", "b.md"} and view.copies_of("a.md") == ("b.md",)
        assert view.groups("url")[0].key == "https://example.com/2022/02/01/chips"
        # A third file with the story's title and provider joins by title; its own URL differs.
        third = DuplicateRecord("c.md", ("https://example.com/elsewhere",), "Chips Are Back | The Desk",
                                "The Desk", "a text of its own, nothing like the others at all here")
        (folder / "c.md").write_text(article_text(third))
        wait_until(lambda: tracker.view().group_size("a.md") == 3)
        assert tracker.view().groups_of("c.md")[0].kind == "title"
        # b.md edited back: it leaves; c.md removed: the story is alone again.
        (folder / "b.md").write_text(article_text(stranger))
        wait_until(lambda: not tracker.view().is_duplicate("b.md"))
        (folder / "c.md").unlink()
        wait_until(lambda: not tracker.view().is_duplicate("a.md"))
        # A file that stops being readable is no one's copy.
        (folder / "b.md").write_text(article_text(copy))
        wait_until(lambda: tracker.view().is_duplicate("a.md"))
        (folder / "b.md").write_text("---\ntitle: [unclosed\n---\n")
        wait_until(lambda: not tracker.view().is_duplicate("a.md"))
    finally:
        queue.stop()


def test_a_decision_and_a_rescan_refile_without_a_rebuild(tmp_path: Path) -> None:
    folder = tmp_path / "desk"
    story, _ = _story_and_stranger(folder)
    write_records(folder, [DuplicateRecord("c.md", story.urls, "Another title", "Elsewhere", "x y z")])
    queue = ReviewQueue(folder, index_path=tmp_path / "index.sqlite3", duplicates=True)
    queue.scan()
    tracker = queue.duplicates
    assert tracker is not None and tracker.view().copies_of("a.md") == ("c.md",)
    index_before = tracker._index  # noqa: SLF001 - the test is that it is kept, not rebuilt
    result = queue.write("c.md", {"published": True})
    assert result.status == "written" and tracker.view().copies_of("a.md") == ("c.md",)
    (folder / "c.md").write_text(article_text(DuplicateRecord("c.md", ("https://example.com/other",),
                                                              "Another title", "Elsewhere", "x y z")))
    queue.scan()  # a rescan (F5) refiles what it finds changed
    assert tracker._index is index_before and not tracker.view().is_duplicate("a.md")  # noqa: SLF001
    queue.stop()


def test_a_decision_written_on_top_of_an_outside_url_change_refiles_the_article(tmp_path: Path) -> None:
    folder = tmp_path / "desk"
    story, _ = _story_and_stranger(folder)
    write_records(folder, [DuplicateRecord("c.md", story.urls, "Another title", "Elsewhere", "x y z")])
    queue = ReviewQueue(folder, index_path=tmp_path / "index.sqlite3", duplicates=True)
    queue.scan()  # not watched: only the write tells the queue about the file
    tracker = queue.duplicates
    assert tracker is not None and tracker.view().copies_of("a.md") == ("c.md",)
    # Someone gives c.md another URL; the editor's publish lands on top of it (it compares only
    # `published`), so the row the write brings has the new URL, and the groups follow it.
    (folder / "c.md").write_text(article_text(DuplicateRecord("c.md", ("https://example.com/other",),
                                                              "Another title", "Elsewhere", "x y z")))
    assert queue.write("c.md", {"published": True}, {"published": False}).status == "written"
    assert not tracker.view().is_duplicate("a.md")
    assert tracker.record("c.md").urls == canonical_urls(("https://example.com/other",))
    queue.stop()


def test_similar_is_a_pending_pass_that_slices_do_in_order(planted, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "desk"
    write_records(folder, planted.records[:200])
    queue = ReviewQueue(folder, index_path=tmp_path / "index.sqlite3", duplicates=True)
    queue.scan()
    tracker = queue.duplicates
    assert tracker is not None and not tracker.view().groups(SIMILAR)
    slices = []
    queue.complete_duplicates(50, between=lambda: slices.append(tracker.pending_similar) or True)
    assert slices == [150, 100, 50, 0]
    assert tracker.view().groups() == DuplicateIndex.build(planted.records[:200]).groups()
    queue.stop()


def test_the_stored_keys_and_bands_come_under_the_rows_own_paths(planted, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # One string per path at 100,000 articles, not two (11 MB).
    folder, index_path, cold = cold_open(tmp_path, planted.records[:40])
    cold.stop()
    warm = ReviewQueue(folder, index_path=index_path, duplicates=True)
    warm.scan()
    rows = {row.path: row for row in warm.summaries()}
    keys = warm._index.load_keys(warm._own_path)
    bands = warm._index.load_bands([row.path for row in rows.values()])
    assert set(keys) == set(bands.keys()) == set(rows)
    assert all(path is rows[path].path for path in keys) and all(path is rows[path].path for path in bands.keys())
    assert all(path is rows[path].path for path in warm.duplicates._index._records)  # type: ignore[union-attr]
    # A path the caller has no row for is left out, and only the paths asked for are read.
    skipped = planted.records[0].key
    assert skipped not in warm._index.load_keys(lambda path: None if path == skipped else path)
    assert set(warm._index.load_bands([skipped, "no/such.md"]).keys()) == {skipped}
    warm.complete_duplicates()
    assert warm.duplicates is not None and warm.duplicates.pending_similar == 0
    warm.stop()
