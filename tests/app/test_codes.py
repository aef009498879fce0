"""A many-valued column (`Memberships`) answers like a dict of sets, through
changed rows, cleared rows and the compaction that follows many changes."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from app.queue.codes import Memberships

TOPICS = ["AI", "chips", "climate", "sport", "markets", ""]
ROWS = 40


def _agrees(column: Memberships, model: dict[int, set[str]]) -> None:
    among = np.ones(ROWS, dtype=bool)
    among[::3] = False
    counts = column.count(among)
    for topic in TOPICS:
        code = column.vocabulary.find(topic)
        expected = sum(1 for row, topics in model.items() if among[row] and topic in topics)
        assert (counts[code] if code is not None and code < len(counts) else 0) == expected, topic
        chosen = column.vocabulary.lookup([topic])
        having = set(np.flatnonzero(column.having(ROWS, chosen)).tolist())
        assert having == {row for row, topics in model.items() if topic in topics}, topic
    assert set(np.flatnonzero(column.has_any(ROWS)).tolist()) == {row for row, topics in model.items() if topics}


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, ROWS - 1), st.sets(st.sampled_from(TOPICS), max_size=3)), max_size=60),
       st.integers(0, 3))
def test_changes_and_compaction_keep_every_answer(changes, rounds: int) -> None:  # type: ignore[no-untyped-def]
    column, model = Memberships(), {}
    for row, topics in changes:
        column.set(row, topics)
        model[row] = set(topics)
        _agrees(column, model)
    # Enough changes to compact (over 4,096 dead pairs, and over half of them).
    for n in range(rounds * 2200):
        row = n % ROWS
        topics = {TOPICS[n % 5], TOPICS[(n + 2) % 5]}
        column.set(row, topics)
        model[row] = topics
    _agrees(column, model)
    for row in range(0, ROWS, 2):
        column.clear(row)
        model[row] = set()
    _agrees(column, model)
    assert column._dead <= column.size
    copy = column.copy()
    _agrees(copy, model)
