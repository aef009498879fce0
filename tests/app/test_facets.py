"""Every facet and its counts, against a row-by-row reading of the same rules:
a facet's counts are what each of its values would match given every other
constraint (OR within a facet, AND across facets, the words and the quick
filter held), on random rows and random combinations of facets."""
from __future__ import annotations

import random

import numpy as np
import pytest

from app.article.dates import day_number, parse_day_option
from app.article.summary import ArticleSummary
from app.queue.duplicate_groups import MarkColumns
from app.queue.evaluation import TextMatches, evaluate
from app.queue.facets import FACETS, range_counts, values_counts
from app.queue.selection import Selection, quick_filter
from app.queue.table import RowTable

PROVIDERS = ("Heise", "Ars", "Register", "")
TOPICS = ("AI", "Security", "Cloud", "HPC")
CATEGORIES = ("news", "analysis", "")
TYPES = ("article", "video")


def _row(rng: random.Random, n: int) -> ArticleSummary:
    if rng.random() < 0.07:
        return ArticleSummary(path=f"bad{n}.md", error="line 1, column 1: not YAML", error_line=1, error_column=1)
    day = rng.randint(1, 28)
    month = rng.randint(1, 4)
    return ArticleSummary(
        path=f"{n // 10}/a{n}.md", title=f"Story {n} about {rng.choice(('chips', 'clouds', 'leaks'))}",
        excerpt=rng.choice(("quantum", "memory", "")), provider=rng.choice(PROVIDERS),
        published=rng.choice((True, False, None)), quality=rng.choice((None, *range(0, 101, 7))),
        published_at=rng.choice((f"2022-{month:02d}-{day:02d}T10:00:00Z", "", "someday")),
        topics=tuple(rng.sample(TOPICS, rng.randint(0, 2))), heat=rng.choice((None, 0, 0.5, 3, 42, 700, 5000)),
        category=rng.choice(CATEGORIES), type=rng.choice(TYPES), image_count=rng.choice((0, 0, 1, 3)),
        warnings=("quality: quality is missing",) if rng.random() < 0.2 else ())


class _Dups:
    """Duplicate answers for a table: every fifth readable row is one of a pair, every seventh only similar."""

    def __init__(self, rows: list[ArticleSummary]) -> None:
        self.copy = {r.path for i, r in enumerate(rows) if i % 5 == 0 and r.error is None}
        self.similar = {r.path for i, r in enumerate(rows) if i % 7 == 0 and r.error is None} - self.copy

    def group_size(self, key: str) -> int:
        return 2 if key in self.copy else 1

    def is_duplicate(self, key: str, kinds: object = ()) -> bool:
        return key in self.similar

    def keys_with_copies(self, kinds: object = ()) -> frozenset[str]:
        return frozenset(self.copy | self.similar)

    def marks(self) -> dict[str, tuple[int, bool]]:
        return {key: (self.group_size(key), self.is_duplicate(key)) for key in self.copy | self.similar}

    def mark_columns(self) -> MarkColumns:
        marks = self.marks()
        return MarkColumns(tuple(marks), np.array([m[0] for m in marks.values()], dtype=np.int32),
                           np.array([m[1] for m in marks.values()], dtype=bool))


# --- each facet read row by row ---------------------------------------------------------------

def _value_of(name: str, row: ArticleSummary, review: str, dups: _Dups) -> set[str] | None:
    """The row's values in values facet `name`; None: it never passes (an error row in a value facet)."""
    if name == "errors":
        return {"yes" if row.error else "no"}
    if name == "duplicate":
        return {"yes" if row.path in dups.copy else "similar" if row.path in dups.similar else "no"}
    if name == "review":
        return {review}
    if row.error:
        return None
    if name == "provider":
        return {row.provider}
    if name == "topic":
        return set(row.topics) or {""}
    if name == "category":
        return {row.category}
    if name == "type":
        return {row.type}
    if name == "published":
        return {"published" if row.published is True else "unpublished" if row.published is False else "unset"}
    if name == "images":
        return {"yes" if row.image_count else "no"}
    if name == "warnings":
        return {"yes" if row.warnings or row.path in dups.copy else "no"}
    raise AssertionError(name)


def _range_value(name: str, row: ArticleSummary) -> float | None:
    if row.error:
        return None
    if name == "quality":
        return None if row.quality is None else float(row.quality)
    if name == "heat":
        return None if row.heat is None else float(row.heat)
    day = day_number(row.published_at) if row.published_at else None
    return None if day is None or day < -10**8 else float(day)


def _passes(selection: Selection, row: ArticleSummary, review: str, dups: _Dups, leave_out: str = "") -> bool:
    quick = quick_filter(selection.quick)
    if not quick.accepts(row):
        return False
    if quick.facet is not None:
        values = _value_of(quick.facet[0], row, review, dups)
        if values is None or not values & set(quick.facet[1]):
            return False
    hay = "\n".join((row.title, row.excerpt, row.provider, row.path, *row.topics)).casefold()
    if not all(word in hay for word in selection.words):
        return False
    for spec in FACETS:
        if spec.name == leave_out or not selection.constrains(spec.name):
            continue
        if spec.kind == "values":
            values = _value_of(spec.name, row, review, dups)
            if values is None or not values & set(selection.chosen(spec.name)):
                return False
        else:
            value = _range_value(spec.name, row)
            low, high = selection.range_of(spec.name)
            if spec.name == "date":
                low = None if low is None else parse_day_option(low)
                high = None if high is None else parse_day_option(high, end=True)
            if value is None or (low is not None and value < low) or (high is not None and value > high):
                return False
    return True


def _random_selection(rng: random.Random) -> Selection:
    selection = Selection(quick=rng.choice(("all", "all", "unpublished", "published", "duplicates")),
                          words=rng.choice(((), (), ("story",), ("clouds",), ("heise", "1"))))
    for _ in range(rng.randint(0, 4)):
        spec = rng.choice(FACETS)
        if spec.kind == "values":
            pool = {"provider": PROVIDERS, "topic": (*TOPICS, ""), "category": CATEGORIES, "type": TYPES}.get(
                spec.name, spec.fixed)
            selection = selection.with_values(spec.name, rng.sample(pool, rng.randint(1, 2)))
        elif spec.name == "quality":
            selection = selection.with_range("quality", rng.choice((None, 10, 40)), rng.choice((None, 60, 90)))
        elif spec.name == "heat":
            selection = selection.with_range("heat", rng.choice((None, 0.0, 3.0)), rng.choice((None, 42.0, 1000.0)))
        else:
            selection = selection.with_range("date", rng.choice((None, "2022-02", "2022-01-15")),
                                             rng.choice((None, "2022-03", "2022")))
    return selection


@pytest.fixture(scope="module")
def world() -> tuple[RowTable, list[ArticleSummary], dict[str, str], _Dups]:
    rng = random.Random(7)
    rows = [_row(rng, n) for n in range(600)]
    dups = _Dups(rows)
    reviews = {r.path: rng.choice(("needs", "reviewed", "changed")) for r in rows}
    table = RowTable()
    table.put(rows)
    for state in ("reviewed", "changed"):
        table.set_review([p for p, s in reviews.items() if s == state], state)
    table.set_duplicates(dups)  # type: ignore[arg-type]
    return table, rows, reviews, dups


def test_rows_and_every_count_agree_with_a_row_by_row_reading(world) -> None:  # type: ignore[no-untyped-def]
    table, rows, reviews, dups = world
    rng = random.Random(11)
    text = TextMatches()
    for _ in range(60):
        selection = _random_selection(rng)
        result = evaluate(table, selection, text=text)
        expected = {r.path for r in rows if _passes(selection, r, reviews[r.path], dups)}
        assert {r.path for r in selection.select(table)} == expected, selection
        assert result.shown == len(expected)
        for spec in FACETS:
            others = [r for r in rows if _passes(selection, r, reviews[r.path], dups, leave_out=spec.name)]
            counts = dict(result.counts[spec.name])
            if spec.kind == "values":
                for value, count in counts.items():
                    want = sum(1 for r in others if value in (_value_of(spec.name, r, reviews[r.path], dups) or ()))
                    assert count == want, (selection, spec.name, value)
            else:
                assert counts.get("", 0) == sum(1 for r in others if _range_value(spec.name, r) is None
                                                and not r.error), (selection, spec.name)


def test_counts_leave_out_their_own_facet_and_keep_the_others(world) -> None:  # type: ignore[no-untyped-def]
    table, rows, _, _ = world
    one = Selection().with_values("provider", ["Heise"])
    two = one.with_values("topic", ["AI"])
    counts_one, counts_two = evaluate(table, one).counts, evaluate(table, two).counts
    # The provider facet's counts under provider=Heise are those of no provider filter at all...
    assert counts_one["provider"] == evaluate(table, Selection()).counts["provider"]
    # ...and picking a topic narrows the provider counts to that topic.
    ai = [r for r in rows if not r.error and "AI" in r.topics]
    assert dict(counts_two["provider"])["Ars"] == sum(1 for r in ai if r.provider == "Ars")
    assert dict(counts_two["topic"])["AI"] == sum(1 for r in rows if not r.error and r.provider == "Heise"
                                                  and "AI" in r.topics)


def test_values_are_sorted_by_count_with_none_last_and_chosen_ones_kept(world) -> None:  # type: ignore[no-untyped-def]
    table, _, _, _ = world
    alive = table.alive[:table.capacity]
    providers = values_counts(table, "provider", alive)
    numbers = [n for v, n in providers if v]
    assert numbers == sorted(numbers, reverse=True) and providers[-1][0] == ""
    chosen = values_counts(table, "provider", alive & False, ("Nobody",))
    assert ("Nobody", 0) in chosen
    assert [v for v, _ in values_counts(table, "published", alive)] == ["published", "unpublished", "unset"]


def test_range_buckets_count_what_a_click_on_them_selects(world) -> None:  # type: ignore[no-untyped-def]
    from app.queue.facets import bucket_bounds
    table, rows, _, _ = world
    alive = table.alive[:table.capacity]
    for name in ("quality", "heat", "date"):
        for bucket, count in range_counts(table, name, alive):
            if not bucket:
                continue
            low, high = bucket_bounds(name, bucket)
            convert = int if name == "quality" else float if name == "heat" else str
            bounds = [convert(b) if b else None for b in (low, high)]
            picked = Selection().with_range(name, *bounds)
            assert len(picked.select(table)) == count, (name, bucket)


def test_a_full_duplicate_refresh_touches_only_rows_in_a_group_now_or_before() -> None:
    from app.queue.duplicate_groups import DuplicateGroup, DuplicateView
    from app.queue.table import COPY, NO_COPY, SIMILAR, RowTable

    table = RowTable()
    table.put([ArticleSummary(f"{c}.md", title=c) for c in "abcde"])
    pair = DuplicateGroup("url", "https://x.example/1", ("a.md", "b.md"))
    near = DuplicateGroup("similar", "c.md", ("c.md", "d.md"))
    first = DuplicateView({"url": {"a.md": pair, "b.md": pair}, "similar": {"c.md": near, "d.md": near}})
    changed = table.set_duplicates(first)
    ids = {p: table.id_of(p) for p in ("a.md", "b.md", "c.md", "d.md", "e.md")}
    assert sorted(changed) == sorted(ids[p] for p in ("a.md", "b.md", "c.md", "d.md"))
    assert [(int(table.dup[ids[p]]), int(table.dup_size[ids[p]])) for p in sorted(ids)] == \
        [(COPY, 2), (COPY, 2), (SIMILAR, 1), (SIMILAR, 1), (NO_COPY, 1)]
    # b was rewritten into another story: a's group is gone, and so is c/d's similar one
    changed = table.set_duplicates(DuplicateView({}))
    assert sorted(changed) == sorted(ids[p] for p in ("a.md", "b.md", "c.md", "d.md"))
    assert all((int(table.dup[i]), int(table.dup_size[i])) == (NO_COPY, 1) for i in ids.values())
    assert table.set_duplicates(DuplicateView({})) == []


def test_a_full_duplicate_refresh_agrees_with_one_row_at_a_time() -> None:
    # The full refresh works on columns (numpy); asking row by row is the plain
    # reading of the groups. Both start from the same earlier groups, with rows
    # gone and rows added since.
    from app.queue.duplicate_groups import DuplicateGroup, DuplicateView

    rng = random.Random(3)
    names = [f"n{n:03d}.md" for n in range(300)]

    def groups() -> DuplicateView:
        by_kind: dict[str, dict[str, DuplicateGroup]] = {"url": {}, "title": {}, "similar": {}}
        for kind, found in by_kind.items():
            for g in range(20):
                members = tuple(sorted(rng.sample(names, rng.randint(2, 4))))
                if any(m in found for m in members):
                    continue
                group = DuplicateGroup(kind, f"{kind}-{g}", members)
                found.update(dict.fromkeys(members, group))
        return DuplicateView(by_kind)

    for _ in range(20):
        whole, by_row = RowTable(), RowTable()
        for table in (whole, by_row):
            table.put([ArticleSummary(p) for p in names])
        earlier = groups()
        whole.set_duplicates(earlier)
        by_row.set_duplicates(earlier, names)
        gone = rng.sample(names, 30)
        for table in (whole, by_row):
            table.drop(gone)
            table.put([ArticleSummary(f"new{n}.md") for n in range(10)])
        now = groups()
        changed_whole = whole.set_duplicates(now)
        changed_by_row = by_row.set_duplicates(now, list(by_row.ids))
        assert sorted(changed_whole) == sorted(changed_by_row)
        n = len(whole.rows)
        assert whole.dup[:n].tolist() == by_row.dup[:n].tolist()
        assert whole.dup_size[:n].tolist() == by_row.dup_size[:n].tolist()


def test_a_copy_evaluates_the_rows_as_they_were_while_the_table_changes() -> None:
    # What the window's facet lane does: evaluate a copy on its own thread while
    # the GUI thread goes on changing the table (decisions, edited texts, files
    # gone and new). The copy shares the haystacks until the table changes one.
    rng = random.Random(5)
    rows = [_row(rng, n) for n in range(300)]
    table = RowTable()
    table.put(rows)
    selections = [Selection(words=("clouds",)), Selection(words=("story", "1")), Selection(quick="unpublished"),
                  Selection(words=("quantum",)).with_values("provider", ["Heise", "Ars"])]

    def answers(of: RowTable) -> list[tuple[list[int], dict[str, object], dict[str, int]]]:
        found = [evaluate(of, s) for s in selections]
        return [(np.flatnonzero(e.passes).tolist(), e.counts, e.quick) for e in found]

    before = answers(table)
    copy = table.copy()
    readable = [r for r in rows if r.error is None]
    decided = [ArticleSummary(**{**{f: getattr(r, f) for f in r.__slots__}, "published": not r.published})
               for r in readable[:40]]
    retitled = [ArticleSummary(**{**{f: getattr(r, f) for f in r.__slots__}, "title": "clouds of quantum"})
                for r in readable[40:80]]
    table.put(decided)
    table.put(retitled)
    table.drop([r.path for r in rows[100:130]])
    new = [ArticleSummary(f"new/{n}.md", title=f"Story 1{n} clouds") for n in range(800)]
    table.put(new[:30])  # in the freed slots
    later = table.copy()
    later_answers = answers(later)
    table.put(new[30:])  # in new ones, past the columns' first 1,024
    assert copy.capacity == later.capacity == len(rows)
    assert answers(copy) == before and answers(later) == later_answers
    after = answers(table)
    assert after != before
    fresh = RowTable()
    fresh.put([table.rows[i] for i in table.live_ids().tolist()])  # the same rows, read afresh
    assert [(sorted(table.rows[i].path for i in passes), quick) for passes, _, quick in after] == \
        [(sorted(fresh.rows[i].path for i in passes), quick) for passes, _, quick in answers(fresh)]


def test_a_cleared_table_counts_its_own_rows_after_as_many_changes_as_the_old_had() -> None:
    """Another folder reuses the table: what was worked out for the old rows is
    never taken for the new rows (a cleared table's versions go on counting)."""
    table = RowTable()
    table.put([ArticleSummary(f"old{n}.md", title="Old", provider="Wire", published=True) for n in range(3)])
    wire = Selection(values=(("provider", ("Wire",)),))
    assert int(wire.mask(table).sum()) == 3 and quick_filter("duplicates").count(table) == 0
    version = table.version
    table.clear()
    for n in range(version):  # as many changes as the old rows had
        table.put([ArticleSummary(f"new{n}.md", title="New", provider="Desk", published=False)])
    assert table.version > version  # versions go on counting: none names two states
    assert int(wire.mask(table).sum()) == 0
    assert int(Selection(values=(("provider", ("Desk",)),)).mask(table).sum()) == version
    assert quick_filter("duplicates").count(table) == 0
