"""Duplicate detection: each canonical-URL and title rule on its own, the planted
set with precision and recall (printed; run with -s), the look-alikes that must
stay apart, and groups kept right through updates, removals and re-adds."""
from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.article.frontmatter import load_article
from app.article.model import Article
from app.queue.duplicate_keys import _general_canonical_url, canonical_url, canonical_urls, fold_words, title_key
from app.queue.duplicates import (KINDS, SIMILAR, TITLE, URL, DuplicateGroup, DuplicateIndex, DuplicateRecord,
                                  RecordKeys, record_keys)
from app.queue.near_duplicates import MIN_WORDS, candidate_probability, jaccard, shingles
from tools.planted_duplicates import pairs_of, planted_set, precision_recall, synthetic_records
from tools.synthetic import generate_articles

STORY = "https://www.example.com/2022/02/01/chips-are-back/"
CANON = "https://example.com/2022/02/01/chips-are-back"
TEXT = ("Chip makers expect demand to recover in the second half, while memory prices keep falling "
        "and the largest vendors delay new factories until the market settles")


# --- canonical URLs, one rule at a time ---------------------------------------

@pytest.mark.parametrize(("variant", "expected"), [
    ("HTTPS://www.example.com/2022/02/01/chips-are-back/", CANON),  # scheme case
    ("https://WWW.EXAMPLE.COM/2022/02/01/chips-are-back/", CANON),  # host case
    ("https://example.com/2022/02/01/chips-are-back/", CANON),  # www.
    ("https://www.example.com:443/2022/02/01/chips-are-back/", CANON),  # default port
    ("https://www.example.com/2022/02/01/chips-are-back/#comments", CANON),  # fragment
    ("https://www.example.com/2022/02/01/chips-are-back", CANON),  # trailing slash
    ("https://www.example.com/2022/02/01/chips-are-back//", CANON),
    ("https://www.example.com/2022/02/01/chips-are-back/amp/", CANON),  # AMP path suffix
    ("https://www.example.com/2022/02/01/chips-are-back/amp", CANON),
    ("https://www.example.com/2022/02/01/chips-are-back/?amp", CANON),  # ?amp
    ("https://www.example.com/2022/02/01/chips-are-back/?amp=1", CANON),  # ?amp=1
    ("https://www-example-com.cdn.ampproject.org/c/s/www.example.com/2022/02/01/chips-are-back/amp/", CANON),
    ("https://user:secret@www.example.com/2022/02/01/chips-are-back/", CANON),  # user info
    ("  https://www.example.com/2022/02/01/chips-are-back/\n", CANON),  # spaces around
    ("https://www.example.com./2022/02/01/chips-are-back/", CANON),  # trailing dot of the host
])
def test_each_variant_maps_to_the_canonical_url(variant: str, expected: str) -> None:
    assert canonical_url(variant) == expected


@pytest.mark.parametrize("parameter", ["utm_source=rss", "utm_medium=social", "UTM_Campaign=launch", "utm_=x",
                                       "fbclid=IwAR0x", "gclid=Cj0K", "mc_cid=1a2b", "mc_eid=3c4d"])
def test_each_tracking_parameter_is_removed_and_others_kept(parameter: str) -> None:
    assert canonical_url(f"{STORY}?{parameter}") == CANON
    assert canonical_url(f"{STORY}?id=7&{parameter}") == f"{CANON}?id=7"


def test_remaining_query_parameters_are_sorted_and_distinct_ids_stay_apart() -> None:
    assert canonical_url("https://example.com/news.php?lang=en&id=1") == "https://example.com/news.php?id=1&lang=en"
    assert canonical_url("https://example.com/news.php?id=1") != canonical_url("https://example.com/news.php?id=2")
    assert canonical_url("https://example.com/a?amp=0") == "https://example.com/a?amp=0"  # not the AMP flag
    assert canonical_url("https://example.com/a?q=a%2fb") == canonical_url("https://example.com/a?q=a%2Fb")
    assert canonical_url("https://example.com/a?q=1&q=2") == canonical_url("https://example.com/a?q=2&q=1")


def test_amp_cache_urls_name_their_origin_and_its_scheme() -> None:
    cache = "https://www-example-com.cdn.ampproject.org"
    assert canonical_url(f"{cache}/c/s/www.example.com/a/amp/") == "https://example.com/a"
    assert canonical_url(f"{cache}/c/www.example.com/a/amp/") == "http://example.com/a"  # /c/ without s/: http
    assert canonical_url(f"{cache}/c/s/example.com/news.php?id=3&utm_source=x") == "https://example.com/news.php?id=3"
    assert canonical_url(f"{cache.upper()}/c/s/example.com/a") == "https://example.com/a"
    image = f"{cache}/i/s/example.com/a.png"  # an image in the cache, not a page: an ordinary URL
    assert canonical_url(image) == image


def test_ports_fragments_hosts_and_escapes() -> None:
    assert canonical_url("http://example.com:80/a") == "http://example.com/a"
    assert canonical_url("http://example.com:8080/a") == "http://example.com:8080/a"
    assert canonical_url("https://example.com:80/a") == "https://example.com:80/a"  # 80 is not https's default
    assert canonical_url("http://example.com/a") != canonical_url("https://example.com/a")  # the scheme is kept
    assert canonical_url("https://example.com/#!/story/12") == "https://example.com/#!/story/12"  # a route
    assert canonical_url("https://example.com/") == canonical_url("https://example.com") == "https://example.com/"
    assert canonical_url("https://example.com/caf%c3%a9") == "https://example.com/caf%C3%A9"
    assert canonical_url("https://müller.de/a") == "https://xn--mller-kva.de/a"
    assert canonical_url("http://[::1]:8080/a/") == "http://[::1]:8080/a"
    assert canonical_url("https://example.com/a/ampersand/") == "https://example.com/a/ampersand"


@pytest.mark.parametrize("value", ["", "not a url", "mailto:desk@example.com", "ftp://example.com/a", "//example.com/a",
                                   "https://", "https:///a", "https://example.com:99999/a", "javascript:alert(1)"])
def test_what_is_not_an_http_url_has_no_canonical_form(value: str) -> None:
    assert canonical_url(value) is None


def test_an_articles_candidates_give_its_story_urls_without_home_pages() -> None:
    urls = (STORY, STORY, STORY + "amp/",
            "https://www-example-com.cdn.ampproject.org/c/s/www.example.com/2022/02/01/chips-are-back/amp/",
            "https://www.example.com/", "mailto:x@example.com")
    assert canonical_urls(urls) == (CANON,)
    assert canonical_urls(("https://example.com/?p=12",)) == ("https://example.com/?p=12",)  # a story, not home


_label = st.text("abcxyz019-", min_size=1, max_size=6).filter(lambda s: not s.startswith("-"))
_segment = st.one_of(st.sampled_from(["amp", "", "a", "2022", "caf%c3%a9", "x.html", "AMP"]),
                     st.text("abcdefXYZ012-_.~", max_size=8))
_param = st.one_of(st.sampled_from(["utm_source=x", "fbclid=1", "amp", "amp=1", "id=2", "id=1", "Q=z", "gclid="]),
                   st.from_regex(r"[a-z]{1,3}=[a-z0-9%]{0,4}", fullmatch=True))


@st.composite
def _urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["https", "http", "HTTPS", "Http"]))
    host = ".".join(draw(st.lists(_label, min_size=1, max_size=3)))
    host = draw(st.sampled_from(["", "www.", "WWW."])) + host
    host += draw(st.sampled_from(["", "", ".", ".cdn.ampproject.org"]))
    port = draw(st.sampled_from(["", "", ":443", ":80", ":8080"]))
    path = "".join("/" + segment for segment in draw(st.lists(_segment, max_size=4)))
    if draw(st.booleans()):
        path = f"/c/{draw(st.sampled_from(['s/', '']))}www.example.com{path}"
    query = "&".join(draw(st.lists(_param, max_size=3)))
    fragment = draw(st.sampled_from(["", "#top", "#!/r"]))
    return f"{scheme}://{host}{port}{path}{'?' + query if query else ''}{fragment}"


@settings(max_examples=400, deadline=None)
@given(_urls())
def test_the_fast_paths_agree_with_the_general_one(url: str) -> None:
    assert canonical_url(url) == _general_canonical_url(url)


# --- titles -----------------------------------------------------------------

@pytest.mark.parametrize("variant", [
    "chips are back",  # case
    "CHIPS ARE BACK",
    "Chips: are back!",  # punctuation
    "“Chips” are back…",
    "Chips  are\tback",  # whitespace
    "\uff23hips are back",  # NFKC: a full-width letter
    "Chips are back | The Register",  # a site suffix: the provider
    "Chips are back - The Register",
    "Chips are back \u2014 the register",
    "Chips are back \u2013 Register",  # a part of the provider's name
    "Chips are back | theregister.com",  # the host
])
def test_title_variants_share_the_title_key(variant: str) -> None:
    urls = ("https://theregister.com/2022/chips",)
    assert title_key(variant, "The Register", urls) == title_key("Chips are back", "The Register", urls) \
        == "chips are back"


def test_title_keys_keep_what_is_not_a_site() -> None:
    assert title_key("Interview - Part 2", "The Register") == "interview part 2"
    assert title_key("Roundup - Apple", "The Register") != title_key("Roundup - Microsoft", "The Register")
    assert title_key("Weekly roundup - The", "The Register") == "weekly roundup the"  # a lone short word names nothing
    assert title_key("| The Register", "The Register") == "the register"  # nothing before the bar
    assert fold_words("Cray’s C++ and C# at 5% — AT&T") == "crays c++ and c# at 5% at&t"
    assert fold_words("Straße") == fold_words("STRASSE")


# --- similar texts ----------------------------------------------------------

def test_short_texts_are_never_similar_and_reordered_ones_are() -> None:
    short = " ".join(TEXT.split()[:MIN_WORDS - 1])
    assert shingles("", short) == frozenset()
    reordered = TEXT.split(", while ")[1] + ", while " + TEXT.split(", while ")[0]
    assert jaccard(shingles("", TEXT), shingles("", reordered)) >= 0.55
    assert candidate_probability(0.8) > 0.99 > candidate_probability(0.55) > 0.9 > 0.2 > candidate_probability(0.1)
    index = DuplicateIndex.build([
        DuplicateRecord("a.md", excerpt=short), DuplicateRecord("b.md", excerpt=short),
        DuplicateRecord("c.md", ("https://one.example/c",), "Chips", "One", TEXT),
        DuplicateRecord("d.md", ("https://two.example/d",), "Chips", "Two", reordered)])
    assert index.groups() == [DuplicateGroup(SIMILAR, "c.md", ("c.md", "d.md"))]


# --- the planted set ----------------------------------------------------------

@pytest.fixture(scope="module")
def planted():  # type: ignore[no-untyped-def]
    return planted_set()


def test_planted_copies_are_found_and_look_alikes_kept_apart(planted) -> None:  # type: ignore[no-untyped-def]
    index = DuplicateIndex.build(planted.records)
    floors = {URL: (1.0, 0.95), TITLE: (1.0, 0.95), SIMILAR: (0.99, 0.90)}
    print()
    for kind in KINDS:
        found = pairs_of(group.members for group in index.groups(kind))
        precision, recall = precision_recall(found, planted.truth[kind])
        print(f"{kind:8s} precision {precision:.3f}  recall {recall:.3f}  "
              f"({len(found & planted.truth[kind])} of {len(planted.truth[kind])} true pairs, {len(found)} found)")
        assert precision >= floors[kind][0] and recall >= floors[kind][1], kind
    keys = {record.key for record in planted.records}
    # Distinct stories never share a group: among them, one site's ?id=1 and ?id=2.
    stories = [r for r in planted.records if "-" not in r.key]
    with_ids = [r for r in stories if "?id=" in r.urls[0]]
    assert len({canonical_url(r.urls[0]).split("?")[0] for r in with_ids}) < len(with_ids) / 4
    for story in stories:
        assert all(copy.startswith(story.key[:-3] + "-") for copy in index.copies_of(story.key))
    # One title from two providers, a follow-up, a templated story: all apart.
    others = [k for k in keys if k.endswith("-other-provider.md")]
    templates = [k for k in keys if k.endswith("-template.md")]
    follow_ups = [k for k in keys if k.endswith("-follow-up.md")]
    assert others and templates and follow_ups
    assert not any(index.groups_of(key) for key in others + templates + follow_ups)
    # A copy with the story's URL or title is a duplicate, whatever became of its text.
    strong = [key for key, (url, title, _) in planted.made.items()
              if "-copy" in key and (url != "other" or title != "rewritten")]
    assert strong and all(index.is_duplicate(key) for key in strong)


def test_each_variant_kind_was_planted(planted) -> None:  # type: ignore[no-untyped-def]
    made = list(planted.made.values())
    for position, needed in ((0, ("utm", "fbclid", "gclid", "mailchimp", "amp_path", "amp_query", "amp_query_1",
                                  "amp_cache_https", "amp_cache_http", "case_port_fragment", "query_order")),
                             (1, ("case", "punctuation", "pipe_site", "dash_site", "emdash_site", "fullwidth")),
                             (2, ("reordered", "rewrite1", "rewrite2", "dropped", "inserted"))):
        assert set(needed) <= {variant[position] for variant in made}


def test_synthetic_records_are_the_generated_articles(tmp_path: Path) -> None:
    paths = generate_articles(tmp_path, 12, subfolders=False)
    for path, record in zip(sorted(paths), synthetic_records(12), strict=True):
        article = load_article(path)
        assert isinstance(article, Article)
        parsed = DuplicateRecord.from_article(record.key, article)
        assert (parsed.title, parsed.excerpt, parsed.provider, set(parsed.urls)) == \
            (record.title, record.excerpt, record.provider, set(record.urls))


# --- incremental ---------------------------------------------------------------

def _story(key: str, url: str = STORY, title: str = "Chips are back", provider: str = "The Register",
           excerpt: str = TEXT) -> DuplicateRecord:
    return DuplicateRecord(key, (url,), title, provider, excerpt)


def _other(key: str) -> DuplicateRecord:
    return DuplicateRecord(key, (f"https://elsewhere.example/{key}",), f"Something else entirely {key}",
                           "Elsewhere", f"A different story about {key} with its own words and facts, told at length")


def test_a_copy_edited_into_another_story_leaves_and_one_edited_into_a_copy_joins() -> None:
    index = DuplicateIndex.build([_story("a.md"), _story("b.md", STORY + "amp/"), _other("c.md")])
    assert [(g.kind, g.members) for g in index.groups_of("a.md")] == \
        [(URL, ("a.md", "b.md")), (TITLE, ("a.md", "b.md")), (SIMILAR, ("a.md", "b.md"))]
    assert index.copies_of("a.md") == ("b.md",) and index.group_size("a.md") == 2
    assert index.groups_of("a.md")[0].key == CANON and index.groups_of("a.md")[1].key == "chips are back"

    changed = index.update(_other("b.md"))
    assert changed == {"a.md", "b.md"}
    assert not index.groups() and not index.is_duplicate("a.md") and index.group_size("a.md") == 1

    changed = index.update(_story("c.md", "https://www-example-com.cdn.ampproject.org/c/s/www.example.com/"
                                          "2022/02/01/chips-are-back/amp/", "CHIPS ARE BACK | The Register"))
    assert changed == {"a.md", "c.md"}
    assert [g.members for g in index.groups()] == [("a.md", "c.md")] * 3
    assert index.update(index.record("c.md")) == frozenset()  # the same record again changes nothing


def test_removal_readding_and_a_bridge_that_splits_a_group() -> None:
    one, two = "https://example.com/one", "https://example.com/two"
    index = DuplicateIndex()
    index.add(DuplicateRecord("a.md", (one,), "A"))
    index.add(DuplicateRecord("b.md", (one, two), "B"))
    index.add(DuplicateRecord("c.md", (two,), "C"))
    (group,) = index.groups(URL)
    assert group.members == ("a.md", "b.md", "c.md") and group.size == 3
    assert group.key == one  # each is shared by two members; the smaller wins the tie
    with pytest.raises(ValueError):
        index.add(DuplicateRecord("a.md"))

    assert index.remove("b.md") == {"a.md", "b.md", "c.md"}  # the bridge is gone: no group is left
    assert index.groups() == [] and "b.md" not in index and len(index) == 2
    assert index.remove("b.md") == frozenset()  # unknown keys are no error
    index.add(DuplicateRecord("b.md", (one, two), "B"))
    assert [g.members for g in index.groups()] == [("a.md", "b.md", "c.md")]
    index.update(DuplicateRecord("c.md", (two,), "B"))  # now also a title copy of b
    assert index.copies_of("c.md", (TITLE,)) == ("b.md",) and index.copies_of("c.md") == ("a.md", "b.md")


def test_providers_must_match_for_a_title_duplicate() -> None:
    index = DuplicateIndex.build([
        DuplicateRecord("a.md", title="Chips are back", provider="The Register"),
        DuplicateRecord("b.md", title="Chips are back", provider="THE REGISTER"),
        DuplicateRecord("c.md", title="Chips are back", provider="Ars Technica"),
        DuplicateRecord("d.md", title="Chips are back"), DuplicateRecord("e.md", title="chips are back!"),
        DuplicateRecord("f.md"), DuplicateRecord("g.md")])  # empty titles are no title
    assert [(g.key, g.members) for g in index.groups(TITLE)] == [
        ("chips are back", ("a.md", "b.md")), ("chips are back", ("d.md", "e.md"))]


def _random_edit(rng: random.Random, pool: list[DuplicateRecord], key: str,
                 current: DuplicateRecord | None) -> DuplicateRecord:
    donor = rng.choice(pool)
    roll = rng.random()
    if roll < 0.3:
        return replace(donor, key=key)  # a copy of another
    if roll < 0.45:
        return DuplicateRecord(key, donor.urls, f"Fresh title {rng.randrange(10**6)}", "Nobody", "short")
    if roll < 0.6:
        return DuplicateRecord(key, (f"https://new.example/{rng.randrange(10**6)}",), donor.title, donor.provider,
                               donor.excerpt)
    if roll < 0.7 and current is not None:
        return replace(current, excerpt=donor.excerpt)  # the text alone: url and title groups stay
    if roll < 0.8 and current is not None:
        return replace(current, urls=donor.urls)  # the URLs alone: the similar group stays
    return _other(key)


def test_incremental_changes_end_where_a_fresh_build_does(planted) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(5)
    records = {r.key: r for r in planted.records[:300]}
    index = DuplicateIndex.build(records.values())
    pool = list(planted.records)
    for step in range(300):
        key = rng.choice(sorted(records)) if rng.random() < 0.8 else f"new/{step}.md"
        before = index.groups()
        if key in records and rng.random() < 0.25:
            changed = index.remove(key)
            del records[key]
        else:
            records[key] = _random_edit(rng, pool, key, records.get(key))
            changed = index.update(records[key])
        moved = {member for group in set(before) ^ set(index.groups()) for member in group.members}
        assert changed == moved, step
    fresh = DuplicateIndex.build(records.values())
    assert index.groups() == fresh.groups()
    assert all(index.groups_of(key) == fresh.groups_of(key) for key in records)


def test_slices_and_stored_keys_give_the_same_groups(planted) -> None:  # type: ignore[no-untyped-def]
    at_once = DuplicateIndex.build(planted.records)
    later = DuplicateIndex.build(planted.records, sketch=False)
    assert later.pending_sketches == len(planted.records) and not later.groups(SIMILAR)
    assert later.groups(URL) == at_once.groups(URL) and later.groups(TITLE) == at_once.groups(TITLE)
    later.update(planted.records[3])  # an update while pending sketches itself, once
    changed: set[str] = set()
    while later.pending_sketches:
        changed |= later.sketch_pending(100)
    assert later.groups() == at_once.groups()
    assert changed == {m for g in at_once.groups(SIMILAR) for m in g.members}

    keys = {r.key: record_keys(r) for r in planted.records}
    assert DuplicateIndex.build(planted.records, keys=keys).groups() == at_once.groups()
    assert at_once.keys_of(planted.records[0].key) == keys[planted.records[0].key]
    assert all(RecordKeys.from_row(*k.to_row()) == k for k in keys.values())
    assert RecordKeys.from_row(*RecordKeys((), "").to_row()) == RecordKeys((), "")
    no_bands = {key: RecordKeys(k.urls, k.title) for key, k in keys.items()}
    assert DuplicateIndex.build(planted.records, keys=no_bands).groups() == at_once.groups()


def test_a_view_is_a_snapshot_and_answers_like_the_index() -> None:
    index = DuplicateIndex.build([_story("a.md"), _story("b.md"), _other("c.md")])
    view = index.view()
    index.remove("b.md")
    assert view.copies_of("a.md") == ("b.md",) and view.is_duplicate("b.md")
    assert view.keys_with_copies() == {"a.md", "b.md"} and index.keys_with_copies() == frozenset()
    with pytest.raises(TypeError):
        view._by_kind[URL]["x"] = None  # type: ignore[index]


def test_similar_does_not_count_as_a_duplicate_unless_asked() -> None:
    wire = _story("b.md", "https://other.example/wire/1", provider="Other Site")
    index = DuplicateIndex.build([_story("a.md"), wire])
    assert [g.kind for g in index.groups_of("a.md")] == [SIMILAR]
    assert not index.is_duplicate("a.md") and index.is_duplicate("a.md", KINDS)
    assert index.group_size("a.md") == 1 and index.group_size("a.md", (SIMILAR,)) == 2


def test_marks_answer_what_group_size_and_is_duplicate_answer_for_every_key() -> None:
    """The table's badges come from `marks()` (one pass); they must say what the per-key questions say,
    for keys in a url group, a title group, both (overlapping differently), a similar group, or none."""
    words = TEXT
    records = [
        DuplicateRecord("a.md", ("https://x.example/1",), "Alpha story", "One", "first " + words),
        DuplicateRecord("b.md", ("https://x.example/1",), "Beta story", "Two", "second unrelated text here"),
        DuplicateRecord("c.md", ("https://x.example/3",), "Alpha story", "One", "third different words"),
        DuplicateRecord("d.md", ("https://x.example/4",), "Gamma", "Three", words),
        DuplicateRecord("e.md", ("https://x.example/5",), "Gamma wire copy", "Four", words),
        DuplicateRecord("f.md", ("https://x.example/6",), "Alone", "Five", "nothing like the others at all"),
    ]
    for index in (DuplicateIndex.build(records), DuplicateIndex.build(records).view()):
        marks = index.marks()
        for record in records:
            key = record.key
            size, similar = marks.get(key, (1, False))
            assert size == index.group_size(key), key
            assert similar == index.is_duplicate(key, ("similar",)), key
        assert marks["a.md"][0] == 3  # b by URL, c by title: both groups, counted once each
        assert marks["d.md"] == (1, True) and "f.md" not in marks  # only similar; and no group at all
