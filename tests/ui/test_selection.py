"""One selection: the window's queue and `copydesk list` show the same rows for the same filter."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from app.queue.selection import QUICK_FILTERS, Selection, haystack
from tests.app.queue_support import article
from tests.ui.conftest import write_article
from ui.queue_model import RELPATH_ROLE

# (filter box text, quick filter) -> the same filter as `copydesk list` options
CASES = [
    ("", "all", []),
    ("hpc", "all", ["--search", "hpc"]),  # only in a topic: topics are searched
    ("desk bravo", "all", ["--search", "desk bravo"]),  # every word must match, anywhere
    ("desk", "unpublished", ["--search", "desk", "--published", "no"]),
    ("", "published", ["--published", "yes"]),
    ("", "errors", ["--errors"]),
    ("NEWS/", "all", ["--search", "NEWS/"]),  # the path, whatever the case
]


@pytest.fixture
def mixed_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "mixed"
    (folder / "news").mkdir(parents=True)
    write_article(folder, "a.md", title="Article A", quality=10, published="true")
    write_article(folder, "b.md", title="Bravo desk notes", quality=20)
    (folder / "c.md").write_text(article("Topic only", quality=30, published=None,
                                         extra="").replace("provider:", "topics:\n  - HPC\nprovider:"))
    (folder / "news" / "d.md").write_text(article("Desk report", quality=40, published=False))
    (folder / "broken.md").write_text("---\ntitle: [unclosed\n---\n")
    return folder


def _listed(capsys: pytest.CaptureFixture[str], folder: Path, options: list[str]) -> list[str]:
    capsys.readouterr()
    assert main(["list", "--json", "--no-index", str(folder), *options]) == 0
    return sorted(row["relpath"] for row in json.loads(capsys.readouterr().out))


@pytest.mark.parametrize(("text", "quick", "options"), CASES)
def test_the_window_and_the_cli_select_the_same_rows(qtbot, make_window, mixed_folder: Path,
                                                      capsys: pytest.CaptureFixture[str],
                                                      text: str, quick: str, options: list[str]) -> None:
    window = make_window(mixed_folder)
    window.set_quick_filter(quick)
    window.filter_edit.setText(text)
    window._apply_filter_text()
    shown = sorted(window.proxy.index(r, 0).data(RELPATH_ROLE) for r in range(window.proxy.rowCount()))
    listed = _listed(capsys, mixed_folder, options)
    assert shown == listed
    assert listed  # every case selects something, so agreement is not two empty lists


def test_the_quick_filters_are_one_table() -> None:
    names = [q.name for q in QUICK_FILTERS]
    assert names[0] == "all" and len(set(names)) == len(names)
    assert [q.key for q in QUICK_FILTERS] == [f"Ctrl+{i}" for i in range(1, len(QUICK_FILTERS) + 1)]


def test_words_match_topics_and_every_word_must_match(mixed_folder: Path) -> None:
    from app.queue import ReviewQueue

    queue = ReviewQueue(mixed_folder, use_index=False)
    queue.scan()
    rows = {row.path: row for row in queue.summaries()}
    queue.stop()
    assert "hpc" in haystack(rows["c.md"])
    assert Selection(words=("hpc",)).matches(rows["c.md"])
    assert not Selection(words=("hpc", "bravo")).matches(rows["c.md"])
