"""Duplicate-detection records: the synthetic queue at scale, and a planted set
whose true copies are known.

`synthetic_records(n)` gives the title, excerpt, provider and four URLs that
`tools.synthetic.render_article(i)` writes for article i (the same random
draws, without rendering or parsing 100,000 files), for the benchmark.

`planted_set()` builds stories and copies of them the way copies arise: the
AMP link ingested again (all three AMP forms), tracking parameters,
re-cased or re-punctuated titles, a " | Site" suffix, an excerpt reordered or
lightly rewritten, a wire story on a second site. Beside them, distinct
stories that must stay apart: one site's `?id=1` and `?id=2`, one title from
two providers, a follow-up that repeats its story's opening clause, a
templated story with other facts. Each copy
records which kinds of duplicate it *should* be, so a test can count recall
and precision per kind.

    python -m tools.planted_duplicates   # prints precision/recall per similarity threshold
"""
from __future__ import annotations

import itertools
import random
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.queue.duplicates import KINDS, SIMILAR, TITLE, URL, DuplicateRecord
from tools.synthetic import _BASE, _PROVIDERS, _WORDS, _sentence, _slug, _stamp, _title, _urls, article_folder

Pair = tuple[str, str]


def synthetic_records(n: int, *, seed: int = 0) -> list[DuplicateRecord]:
    """Records for articles 0..n-1 of `tools.synthetic` (same title, excerpt, provider and URLs)."""
    records = []
    for index in range(n):
        # The first draws of render_article, in its order.
        rng = random.Random(seed * 1_000_003 + index)
        provider, domain = _PROVIDERS[rng.randrange(len(_PROVIDERS))]
        title = _title(rng)
        excerpt = _sentence(rng, rng.randint(18, 30)).capitalize()
        when = _stamp(_BASE + index * 613 + rng.randrange(600))
        urls = _urls(domain, when, _slug(title))
        key = f"{article_folder(index, seed=seed)}/{index:06d}-{_slug(title)[:40]}.md"
        records.append(DuplicateRecord(key, (urls["webUrl"], urls["originalUrl"], urls["ampWebUrl"],
                                             urls["cdnAmpWebUrl"]), title, provider, excerpt))
    return records


# --- the planted set ---------------------------------------------------------

# A larger vocabulary than the queue generator's, so that unrelated planted
# stories share few shingles by chance (as real news text does).
_EXTRA = ("merger", "outage", "lawsuit", "regulator", "startup", "funding", "layoffs", "earnings",
          "patch", "exploit", "ransomware", "satellite", "battery", "factory", "tariff", "court",
          "ruling", "standard", "protocol", "browser", "smartphone", "license", "acquisition",
          "researchers", "university", "government", "minister", "contract", "deal", "shares",
          "quarter", "revenue", "analyst", "forecast", "shortage", "supply", "demand", "price",
          "launch", "delay", "recall", "breach", "audit", "report", "survey", "study", "record")
_VOCAB = _WORDS + _EXTRA
_LINKS = ("and", "but", "while", "as", "after", "because", "when", "so")

TITLE_VARIANTS = ("case", "upper", "punctuation", "pipe_site", "dash_site", "emdash_site", "endash_domain",
                  "fullwidth", "apostrophe")
URL_VARIANTS = ("utm", "fbclid", "gclid", "mailchimp", "amp_path", "amp_path_noslash", "amp_query",
                "amp_query_1", "amp_cache_https", "amp_cache_http", "case_port_fragment", "query_order")
# Light edits only: replacing four words of a 35-word text changes as many
# shingles as a templated story with four other facts (see `_template_sibling`),
# and no threshold can tell those apart.
TEXT_VARIANTS = ("same", "reordered", "rewrite1", "rewrite2", "dropped", "inserted")


@dataclass
class PlantedSet:
    records: list[DuplicateRecord] = field(default_factory=list)
    truth: dict[str, set[Pair]] = field(default_factory=lambda: {kind: set() for kind in KINDS})
    # How each copy was made, for a failing test's message: key -> (url, title, text) variants.
    made: dict[str, tuple[str, str, str]] = field(default_factory=dict)

    def add_truth(self, kind: str, one: str, other: str) -> None:
        self.truth[kind].add(pair(one, other))


def pair(one: str, other: str) -> Pair:
    return (one, other) if one < other else (other, one)


def pairs_of(groups: Iterable[tuple[str, ...]]) -> set[Pair]:
    """Every pair of keys that share a group."""
    return {pair(a, b) for members in groups for a, b in itertools.combinations(members, 2)}


def precision_recall(found: set[Pair], truth: set[Pair]) -> tuple[float, float]:
    hits = len(found & truth)
    precision = hits / len(found) if found else 1.0
    recall = hits / len(truth) if truth else 1.0
    return precision, recall


def _clause(rng: random.Random) -> list[str]:
    return [rng.choice(_VOCAB) for _ in range(rng.randint(8, 12))]


@dataclass
class _Story:
    key: str
    provider: str
    domain: str
    scheme: str
    path: str  # "/2022/02/01/slug/" or "/news.php?id=7&lang=en"
    title: str
    clauses: list[list[str]]

    @property
    def url(self) -> str:
        return f"{self.scheme}://www.{self.domain}{self.path}"

    def excerpt(self, clauses: list[list[str]] | None = None) -> str:
        parts = clauses if clauses is not None else self.clauses
        return ", ".join(" ".join(words) for words in parts).capitalize() + "."


def _story(rng: random.Random, n: int) -> _Story:
    provider, domain = _PROVIDERS[n % len(_PROVIDERS)]
    title = " ".join(rng.choice(_VOCAB) for _ in range(rng.randint(5, 9))).title()
    clauses = [_clause(rng) for _ in range(3)]
    day = _stamp(_BASE + n * 7919)[:10].replace("-", "/")
    roll = n % 10
    if roll == 0:  # a site with query-string article ids: ?id=1 and ?id=2 are two stories
        path = f"/news.php?id={n}&lang=en"
    elif roll == 1:
        path = f"/article?id={n}"
    else:
        path = f"/{day}/{_slug(title)}-{n}/"
    scheme = "http" if n % 13 == 0 else "https"
    return _Story(f"story/{n:04d}.md", provider, domain, scheme, path, title, clauses)


def _url_variant(story: _Story, variant: str, rng: random.Random) -> str:
    url, scheme, domain = story.url, story.scheme, story.domain
    joiner = "&" if "?" in url else "?"
    plain = "?" not in url and url.endswith("/")
    if variant == "utm":
        return f"{url}{joiner}utm_source=twitter&utm_medium=social&utm_campaign=launch"
    if variant == "fbclid":
        return f"{url}{joiner}fbclid=IwAR{rng.randrange(10**9)}"
    if variant == "gclid":
        return f"{url}{joiner}gclid=Cj0K{rng.randrange(10**9)}&UTM_Term=chips"
    if variant == "mailchimp":
        return f"{url}{joiner}mc_cid={rng.randrange(10**6)}&mc_eid={rng.randrange(10**6)}"
    if variant == "amp_path" and plain:
        return url + "amp/"
    if variant == "amp_path_noslash" and plain:
        return url + "amp"
    if variant == "amp_query":
        return f"{url}{joiner}amp"
    if variant == "amp_query_1":
        return f"{url}{joiner}amp=1"
    if variant in ("amp_cache_https", "amp_cache_http"):
        cache_scheme = "s/" if scheme == "https" else ""
        tail = story.path + ("amp/" if plain else "")
        return f"https://www-{domain.replace('.', '-')}.cdn.ampproject.org/c/{cache_scheme}www.{domain}{tail}"
    if variant == "case_port_fragment":
        port = ":443" if scheme == "https" else ":80"
        path = story.path.rstrip("/") if plain else story.path
        return f"{scheme.upper()}://WWW.{domain.upper()}{port}{path}#comments"
    if variant == "query_order" and "&" in story.path:
        base, _, query = url.partition("?")
        return f"{base}?{'&'.join(reversed(query.split('&')))}&utm_source=rss"
    return f"{url}{joiner}utm_source=rss"  # the variant does not apply to this URL shape


def _title_variant(story: _Story, variant: str) -> str:
    title, provider = story.title, story.provider
    words = title.split()
    if variant == "case":
        return title.lower()
    if variant == "upper":
        return title.upper()
    if variant == "punctuation":
        return f"{words[0]}: {' '.join(words[1:])}!"
    if variant == "pipe_site":
        return f"{title} | {provider}"
    if variant == "dash_site":
        return f"{title} - {provider}"
    if variant == "emdash_site":
        return f"{title} \u2014 {provider.upper()}"
    if variant == "endash_domain":
        return f"{title} \u2013 {story.domain}"
    if variant == "fullwidth":  # NFKC folds full-width letters and the ideographic space
        wide = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in words[0])
        return f"{wide}\u3000{' '.join(words[1:])}"
    if variant == "apostrophe":
        return f"\u201c{words[0]}\u201d {' '.join(words[1:])}"
    raise ValueError(variant)


def _text_variant(story: _Story, variant: str, rng: random.Random) -> list[list[str]]:
    clauses = [list(words) for words in story.clauses]
    if variant == "reordered":
        clauses = [clauses[1], clauses[0], clauses[2]]
    elif variant.startswith("rewrite"):
        for _ in range(int(variant[-1])):
            words = rng.choice(clauses)
            words[rng.randrange(len(words))] = rng.choice(_EXTRA)
    elif variant == "dropped":
        words = rng.choice(clauses)
        del words[rng.randrange(len(words))]
    elif variant == "inserted":
        words = rng.choice(clauses)
        words.insert(rng.randrange(len(words)), rng.choice(_LINKS))
    return clauses


def planted_set(stories: int = 400, *, seed: int = 12) -> PlantedSet:
    """Stories with planted copies and planted look-alikes; see the module's docstring."""
    rng = random.Random(seed)
    planted = PlantedSet()
    for n in range(stories):
        story = _story(rng, n)
        planted.records.append(DuplicateRecord(story.key, (story.url,), story.title, story.provider,
                                               story.excerpt()))
        kind = n % 8
        if kind in (0, 1, 2):  # copies of every sort
            for c in range(rng.randint(1, 3)):
                _plant_copy(planted, story, f"{story.key[:-3]}-copy{c}.md", rng)
        elif kind == 3:  # the same title from another provider: not a title duplicate
            other, other_domain = _PROVIDERS[(n + 3) % len(_PROVIDERS)]
            planted.records.append(DuplicateRecord(
                f"{story.key[:-3]}-other-provider.md", (f"https://www.{other_domain}/news/{n}/",),
                story.title, other, _story(rng, n + 10_000).excerpt()))
        elif kind == 4:  # a follow-up: same site, opening clause repeated, new story
            follow = _story(rng, n + 20_000)
            planted.records.append(DuplicateRecord(
                f"{story.key[:-3]}-follow-up.md", (follow.url,), follow.title, story.provider,
                story.excerpt([story.clauses[0], *follow.clauses[:2]])))
        elif kind == 6:  # a templated story: same site and shape, other facts
            planted.records.append(_template_sibling(story, rng))
        elif kind == 5:  # a wire story on a second site: similar only
            other, other_domain = _PROVIDERS[(n + 1) % len(_PROVIDERS)]
            key = f"{story.key[:-3]}-wire.md"
            planted.records.append(DuplicateRecord(
                key, (f"https://{other_domain}/wire/{n}",), story.title, other, story.excerpt()))
            planted.add_truth(SIMILAR, story.key, key)
            planted.made[key] = ("other site", "same", "same")
    return planted


def _template_sibling(story: _Story, rng: random.Random) -> DuplicateRecord:
    """"Acme reports record quarter" beside "Initech reports record quarter": one
    word in seven differs, and the text is as close as a heavy rewrite."""
    words = story.title.split()
    words[0] = words[-1] = rng.choice(_EXTRA).title()
    clauses = [list(c) for c in story.clauses]
    flat = [(c, i) for c, clause in enumerate(clauses) for i in range(len(clause))]
    for c, i in flat[3::7]:
        clauses[c][i] = rng.choice(_EXTRA)
    return DuplicateRecord(f"{story.key[:-3]}-template.md", (f"{story.url}-{rng.randrange(100)}",),
                           " ".join(words), story.provider, story.excerpt(clauses))


def _plant_copy(planted: PlantedSet, story: _Story, key: str, rng: random.Random) -> None:
    same_url = rng.random() < 0.6
    url_variant = rng.choice(URL_VARIANTS) if same_url else "other"
    urls = (_url_variant(story, url_variant, rng),) if same_url else (f"https://{story.domain}/mirror/{key}",)
    if same_url and rng.random() < 0.3:  # also carries the AMP cache link, as feeds do
        urls += (_url_variant(story, "amp_cache_https", rng),)
    title_roll = rng.random()
    if title_roll < 0.7:
        title_variant = rng.choice(TITLE_VARIANTS)
        title = _title_variant(story, title_variant)
    elif title_roll < 0.85:
        title_variant, title = "same", story.title
    else:
        title_variant = "rewritten"
        title = " ".join(rng.choice(_VOCAB) for _ in range(6)).title()
    # Never a copy in nothing: without the URL or the title, the text stays close.
    text_variant = rng.choice(TEXT_VARIANTS if (same_url or title_variant != "rewritten") else TEXT_VARIANTS[:4])
    clauses = _text_variant(story, text_variant, rng)
    planted.records.append(DuplicateRecord(key, urls, title, story.provider, story.excerpt(clauses)))
    planted.made[key] = (url_variant, title_variant, text_variant)
    # Copies of one story are copies of each other too: truth is per story.
    siblings = [story.key] + [k for k in planted.made if k.startswith(story.key[:-3] + "-copy") and k != key]
    for other in siblings:
        mine = (url_variant, title_variant, text_variant)
        theirs = planted.made.get(other, ("original", "same", "same"))
        if mine[0] != "other" and theirs[0] != "other":
            planted.add_truth(URL, key, other)
        if mine[1] != "rewritten" and theirs[1] != "rewritten":
            planted.add_truth(TITLE, key, other)
        planted.add_truth(SIMILAR, key, other)  # every copy keeps the story's text, edited lightly


def threshold_table(planted: PlantedSet, thresholds: Iterable[float]) -> list[tuple[float, float, float]]:
    """(threshold, precision, recall) of the similar groups that "exact Jaccard >= threshold"
    makes over every pair of the set: what the engine finds, less LSH's misses."""
    from app.queue.duplicates import similar_shingles
    from app.queue.near_duplicates import jaccard

    sets = {r.key: similar_shingles(r) for r in planted.records}
    scores = [(jaccard(sets[a], sets[b]), a, b) for a, b in itertools.combinations(sorted(sets), 2)]
    table = []
    for threshold in thresholds:
        groups = _components((a, b) for score, a, b in scores if score >= threshold)
        table.append((threshold, *precision_recall(pairs_of(groups), planted.truth[SIMILAR])))
    return table


def _components(edges: Iterable[Pair]) -> list[tuple[str, ...]]:
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent.setdefault(key, key) != key:
            key = parent[key]
        return key

    for a, b in edges:
        parent[root(a)] = root(b)
    groups: dict[str, list[str]] = {}
    for key in parent:
        groups.setdefault(root(key), []).append(key)
    return [tuple(sorted(members)) for members in groups.values()]


def main() -> int:
    planted = planted_set()
    print(f"{len(planted.records)} records; true pairs: "
          + ", ".join(f"{kind} {len(planted.truth[kind])}" for kind in KINDS))
    print("Jaccard >=   precision   recall")
    for threshold, precision, recall in threshold_table(planted, (0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8, 0.9)):
        print(f"  {threshold:4.2f}        {precision:5.3f}     {recall:5.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
