"""The packed band table answers like a dict of sets, through merges, single
puts, take-outs and the folding of single puts into the arrays."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.queue import band_table
from app.queue.band_table import BandTable

BANDS = st.integers(min_value=-(2**63), max_value=2**63 - 1) | st.sampled_from([-3, 0, 7, 2**40])
KEYS = st.sampled_from([f"k{n}.md" for n in range(12)])
OPERATIONS = st.lists(st.one_of(
    st.tuples(st.just("many"), st.lists(st.tuples(KEYS, st.lists(BANDS, max_size=4, unique=True)), max_size=5)),
    st.tuples(st.just("put"), st.tuples(KEYS, BANDS)),
    st.tuples(st.just("take"), st.tuples(KEYS, BANDS)),
    st.tuples(st.just("take_all"), KEYS),
), max_size=40)


def _check(table: BandTable, model: dict[int, set[str]]) -> None:
    for band, keys in model.items():
        members = table.members(band)
        assert len(members) == len(set(members)), "a key listed twice under one band"
        assert set(members) == keys, band
    assert len(table) == sum(len(keys) for keys in model.values())


@settings(max_examples=300, deadline=None)
@given(OPERATIONS, st.sampled_from([1, 3, 50_000]))
def test_the_table_answers_like_a_dict_of_sets(operations, loose_most: int) -> None:  # type: ignore[no-untyped-def]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(band_table, "LOOSE_MOST", loose_most)
        table, model = BandTable(), {}
        filed: dict[str, set[int]] = {}  # key -> its bands (put_many takes keys filed nowhere)
        for kind, arg in operations:
            if kind == "many":
                batch = {key: bands for key, bands in arg if not filed.get(key)}
                keys = list(batch)
                shared = table.put_many(keys, [batch[key] for key in keys])
                for key in keys:
                    for band in batch[key]:
                        model.setdefault(band, set()).add(key)
                    filed[key] = set(batch[key])
                fresh = {band for bands in batch.values() for band in bands}
                assert shared == {band for band in fresh if len(model[band]) > 1}
            elif kind == "put":
                key, band = arg
                assert table.put(band, key) == (len(model.setdefault(band, set()) | {key}) > 1)
                model[band].add(key)
                filed.setdefault(key, set()).add(band)
            elif kind == "take":
                key, band = arg
                table.take(band, key)
                model.get(band, set()).discard(key)
                filed.get(key, set()).discard(band)
            else:
                for band in filed.pop(arg, set()):
                    table.take(band, arg)
                    model[band].discard(arg)
            _check(table, model)


def test_a_band_nobody_filed_has_no_members_and_taking_from_it_is_harmless() -> None:
    table = BandTable()
    assert table.put_many(["a.md", "b.md"], [(5, 9), (9,)]) == {9}
    table.take(11, "a.md")
    table.take(5, "nobody.md")
    assert table.members(11) == []
    assert sorted(table.members(9)) == ["a.md", "b.md"]
    assert len(table) == 3


@given(st.lists(st.tuples(st.sampled_from([f"k{n}" for n in range(8)]),
                          st.one_of(st.lists(st.integers(-(2 ** 63), 2 ** 63 - 1), max_size=9), st.none())),
                max_size=40))
@settings(max_examples=200, deadline=None)
def test_stored_bands_answer_as_a_dict_does(ops: list[tuple[str, list[int] | None]]) -> None:
    # A list puts (as ints, or packed as the index stores them: every other one); None pops.
    from array import array

    from app.queue.band_table import StoredBands

    stored, plain = StoredBands(), {}
    for n, (key, bands) in enumerate(ops):
        if bands is None:
            got = stored.pop(key)
            assert (None if got is None else list(got)) == plain.pop(key, None)
        else:
            stored.put(key, array("q", bands).tobytes() if n % 2 else bands)
            plain[key] = bands
    assert sorted(stored.keys()) == sorted(plain) and len(stored) == len(plain)
    for key in [f"k{n}" for n in range(8)]:
        got = stored.get(key)
        assert (None if got is None else list(got)) == plain.get(key)
        assert (key in stored) == (key in plain)
