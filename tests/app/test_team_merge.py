"""The field-by-field merge (the merge driver's rule), on bytes and through git itself."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.article.frontmatter import parse_document
from app.team.git import merge_text
from app.team.merge import BODY, FRONT_MATTER, WHOLE_FILE, merge_article
from tests.app.queue_support import SEED
from tests.app.team_support import Team, git, isolate_git

BASE = SEED.read_bytes() + b"First paragraph.\n\nMiddle.\n\nLast paragraph.\n"


def merged(base: bytes, ours: bytes, theirs: bytes, path: str = "a.txt", **kw: object) -> bytes:
    result = merge_article(path, base, ours, theirs, merge_text, **kw)  # type: ignore[arg-type]
    assert result.merged is not None, result.clashes
    return result.merged


def test_adjacent_published_and_quality_lines_merge_byte_exactly() -> None:
    # `quality:` and `published:` sit two lines apart in the seed; git's line merge calls this a conflict.
    ours = BASE.replace(b"quality: 57", b"quality: 60")
    theirs = BASE.replace(b"published: false", b"published: true")
    assert merged(BASE, ours, theirs) == BASE.replace(b"quality: 57", b"quality: 60").replace(
        b"published: false", b"published: true")
    assert merged(BASE, theirs, ours) == merged(BASE, ours, theirs)


def test_same_value_on_both_sides_is_no_conflict() -> None:
    ours = BASE.replace(b"quality: 57", b"quality: 60")
    assert merged(BASE, ours, ours) == ours
    spelled = BASE.replace(b"quality: 57", b"quality: !!int 60  # the same value, written differently")
    assert merge_article("a.txt", BASE, ours, spelled, merge_text).merged == ours  # ours' spelling stands


def test_different_values_on_both_sides_are_a_clash_with_both_values() -> None:
    ours = BASE.replace(b"quality: 57", b"quality: 60")
    theirs = BASE.replace(b"quality: 57", b"quality: 50").replace(b"published: false", b"published: true")
    result = merge_article("a.txt", BASE, ours, theirs, merge_text)
    assert result.merged is None
    [clash] = result.clashes
    assert (clash.field, clash.ours, clash.theirs, clash.base) == ("quality", 60, 50, 57)
    settled = merge_article("a.txt", BASE, ours, theirs, merge_text, {"quality": "theirs"})
    assert settled.merged == theirs and [c.field for c in settled.settled] == ["quality"]
    kept = merge_article("a.txt", BASE, ours, theirs, merge_text, {"quality": "ours"})
    assert kept.merged == ours.replace(b"published: false", b"published: true")


def test_other_fields_are_spliced_as_whole_entries_and_the_body_merges_as_text() -> None:
    ours = BASE.replace(b"quality: 57", b"quality: 60").replace(b"First paragraph.", b"First, edited.")
    theirs = (BASE.replace(b'title: "For IBM', b"title: 'For Big Blue")
              .replace(b"topics:\n  - AI\n", b"topics:\n  - AI\n  - HPC\n")
              .replace(b"Last paragraph.", b"Last, edited."))
    expected = (BASE.replace(b"quality: 57", b"quality: 60").replace(b"First paragraph.", b"First, edited.")
                .replace(b'title: "For IBM', b"title: 'For Big Blue")
                .replace(b"topics:\n  - AI\n", b"topics:\n  - AI\n  - HPC\n")
                .replace(b"Last paragraph.", b"Last, edited."))
    assert merged(BASE, ours, theirs) == expected


def test_keys_added_and_removed_on_the_other_side() -> None:
    ours = BASE.replace(b"quality: 57", b"quality: 60")
    theirs = BASE.replace(b"heat: -1\n", b"heat: -1\nreviewer: Ana # added\n").replace(b"\ntype: article\n", b"\n")
    assert merged(BASE, ours, theirs) == ours.replace(b"heat: -1\n", b"heat: -1\nreviewer: Ana # added\n").replace(
        b"\ntype: article\n", b"\n")


def test_a_key_both_sides_added_with_different_values_is_a_clash() -> None:
    base = b"---\ntitle: x\n---\nbody\n"
    result = merge_article("x.md", base, b"---\ntitle: x\npublished: true\n---\nbody\n",
                           b"---\ntitle: x\npublished: false\n---\nbody\n", merge_text)
    assert result.merged is None and result.clashes[0].field == "published"
    assert result.clashes[0].ours is True and result.clashes[0].theirs is False and result.clashes[0].base is None
    both = merged(base, b"---\ntitle: x\npublished: true\n---\nbody\n", b"---\ntitle: x\nquality: 5\n---\nbody\n",
                  "x.md")
    assert parse_document("x.md", both).data == {"title": "x", "published": True, "quality": 5}  # type: ignore[union-attr]


def test_crlf_bom_and_a_yaml_file_without_a_final_newline() -> None:
    base = b"\xef\xbb\xbf---\r\ntitle: x\r\nquality: 1\r\npublished: false\r\n---\r\nbody\r\n"
    ours, theirs = base.replace(b"quality: 1", b"quality: 2"), base.replace(b"published: false", b"published: true")
    assert merged(base, ours, theirs, "x.md") == base.replace(b"quality: 1", b"quality: 2").replace(
        b"published: false", b"published: true")
    base = b"a: 1\nquality: 3"
    assert merged(base, b"a: 2\nquality: 3", b"a: 1\nquality: 4", "x.yaml") == b"a: 2\nquality: 4"
    assert merged(base, b"a: 2\nquality: 3", b"a: 1\nquality: 3\nb: 9", "x.yaml") == b"a: 2\nquality: 3\nb: 9"


def test_body_changes_on_the_same_lines_are_a_clash_and_never_markers() -> None:
    ours = BASE.replace(b"Middle.", b"Middle, mine.")
    theirs = BASE.replace(b"Middle.", b"Middle, theirs.")
    result = merge_article("a.txt", BASE, ours, theirs, merge_text)
    assert result.merged is None and [c.field for c in result.clashes] == [BODY]
    assert merged(BASE, ours, theirs, prefer={BODY: "theirs"}) == theirs


def test_files_that_are_not_articles_merge_as_text_or_clash_whole() -> None:
    result = merge_article("notes.txt", b"a\nb\nc\n", b"A\nb\nc\n", b"a\nb\nC\n", merge_text)
    assert result.merged == b"A\nb\nC\n"
    result = merge_article("notes.txt", b"a\n", b"b\n", b"c\n", merge_text)
    assert result.merged is None and result.clashes[0].field == WHOLE_FILE


def test_a_flow_mapping_front_matter_is_not_spliced_but_reported() -> None:
    base = b"---\n{title: x, quality: 1, published: false}\n---\n"
    result = merge_article("x.md", base, base.replace(b"quality: 1", b"quality: 2"),
                           base.replace(b"false", b"true"), merge_text)
    assert result.merged is None and result.clashes[0].field == FRONT_MATTER


FIELDS = {
    "quality": (b"quality: 57", [b"quality: %d" % n for n in (0, 12, 60, 100)]),
    "published": (b"published: false", [b"published: true"]),
    "heat": (b"heat: -1", [b"heat: 3.5", b"heat: 9"]),
    "type": (b"\ntype: article", [b"\ntype: video", b"\ntype: 'opinion'"]),
    "category": (b"category: news", [b"category: analysis"]),
}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(sorted(FIELDS)), st.integers(0, 3), max_size=3),
       st.dictionaries(st.sampled_from(sorted(FIELDS)), st.integers(0, 3), max_size=3))
def test_edits_to_different_fields_always_merge_to_both(mine: dict[str, int], other: dict[str, int]) -> None:
    def apply(edits: dict[str, int]) -> bytes:
        data = BASE
        for name, pick in edits.items():
            old, choices = FIELDS[name]
            data = data.replace(old, choices[pick % len(choices)], 1)
        return data

    other = {k: v for k, v in other.items() if k not in mine}
    ours, theirs = apply(mine), apply(other)
    assert merged(BASE, ours, theirs) == apply({**mine, **other})


def test_git_itself_merges_adjacent_lines_through_the_registered_driver(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Plain `git pull --rebase` (git's own rebase, not Copydesk's sync) with the driver in the
    clone's config: the adjacent-line edits merge, each commit keeps its author."""
    isolate_git(tmp_path, monkeypatch)
    team = Team(tmp_path)
    team.decide("Ana", "seed.txt", {"quality": 60})
    team.decide("Ben", "seed.txt", {"published": True})
    assert team.sync("Ana").state == "synced"
    pulled = subprocess.run(["git", "pull", "--rebase", "--quiet"], cwd=team.clone("Ben"), capture_output=True,
                            text=True, stdin=subprocess.DEVNULL)
    assert pulled.returncode == 0, pulled.stderr
    text = team.read("Ben", "seed.txt")
    assert b"quality: 60\n" in text and b"published: true\n" in text and b"<<<<<<<" not in text
    authors = team.git("Ben", "log", "--format=%an", "-2", "--", "desk/seed.txt").split()
    assert authors == ["Ben", "Ana"]
    # Without the driver registered, the same edits are a line conflict: the driver is what merged them.
    team.git("Ben", "config", "--remove-section", "merge.copydesk")
    team.decide("Ana", "news/a1.md", {"quality": 70})
    team.decide("Ben", "news/a1.md", {"published": True})
    assert team.sync("Ana").state == "synced"
    pulled = subprocess.run(["git", "pull", "--rebase", "--quiet"], cwd=team.clone("Ben"), capture_output=True,
                            text=True, stdin=subprocess.DEVNULL)
    assert pulled.returncode != 0 and "UU desk/news/a1.md" in team.git("Ben", "status", "--porcelain")
    git(team.clone("Ben"), "rebase", "--abort")
