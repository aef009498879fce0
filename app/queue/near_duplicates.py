"""Near-duplicate text: word shingles, a MinHash sketch and LSH banding.

Two articles are *similar* when the Jaccard similarity of the 3-word shingles
of their title key plus excerpt is at least `SIMILAR_THRESHOLD`. The sketch
only proposes candidates; every candidate pair is then checked with the exact
Jaccard of the two shingle sets, so precision never depends on the sketch.

THRESHOLD. Measured with `python -m tools.planted_duplicates` on the planted
set of tests/app/test_duplicates.py (400 stories, 894 records: copies with
reordered clauses, one or two words replaced, a word dropped or added,
re-cased, re-punctuated or suffixed titles, rewritten titles; and distinct
stories that look alike: the same title from another provider, a follow-up
repeating the opening clause, a templated story with one word in seven
changed). Precision and recall of the pairs that share a similar group:

    Jaccard >=   precision   recall
      0.40         0.991      1.000
      0.50         1.000      0.976
      0.55         1.000      0.941
      0.60         1.000      0.898
      0.70         1.000      0.792
      0.80         1.000      0.576

0.55 keeps precision at 1.0 with a margin: the closest distinct stories (the
templated ones) score at most 0.47, while a one-word rewrite of a 35-word
text scores about 0.75 and a swap of two clauses about 0.7. The misses are
copies with two edits at once (a rewritten title and a rewritten clause).
Replacing four words of 35 changes as many shingles as a templated story with
four other facts, so no threshold separates those; the planted set leaves
such copies out. Two more planted sets (seeds 13, 14) give recall 0.93 and
0.90 at 0.55, still at precision 1.0; at 0.50 seed 13 lets a templated story in.

SKETCH. Pure Python has to stay near a microsecond per shingle:

- Words are hashed with `zlib.crc32` and a shingle's hash is the built-in
  hash of the tuple of its three word hashes. Both run in C, and unlike
  `hash(str)` neither is randomised per process, so groups are the same in
  every run. (blake2b per shingle measured 9x slower.)
- Bands are *partitioned bottom-2 MinHash*: shingle hashes fall into `BANDS`
  partitions by value, and a band's key is the pair of smallest hashes of its
  partition. Two texts share a band exactly when the two smallest shingles of
  the partition's union are common to both, so P(band) is about J^2 and a
  pair is a candidate with P = 1-(1-J^2)^BANDS (0.94 at J=0.55 for 8 full
  bands; a group's members are also reached through one another). Two sorts
  and two dict builds in C do it, with no Python loop over shingles.
  (One-permutation MinHash with densified empty bins was tried
  first: a densified band is often one shingle twice, and on the synthetic
  queue, whose 45-word vocabulary puts each 3-word shingle in about 30 of
  100,000 articles, that made 16,700 candidate checks at 20,000 articles,
  none a real pair; this sketch makes about 200.) Even so, shingles and
  bands cost ~35 us an article, which is why the similar pass can run in
  slices or from stored bands (`app.queue.duplicates`).
- A partition with fewer than two shingles gives no band, so texts of only a
  few words rarely meet; under `MIN_WORDS` words a text is never sketched.

Pure functions; any thread.
"""
from __future__ import annotations

import zlib

from app.queue.duplicate_keys import folded_words

SHINGLE_WORDS = 3  # the zip below is written for three
SIMILAR_THRESHOLD = 0.55
MIN_WORDS = 8  # "Breaking: chip shortage ends" is never similar to anything
BANDS = 8  # 10 and 12 found no more planted pairs; each band costs ~9 MB and 0.1 s per 100,000
# A band shared by more articles than this is boilerplate (a feed's "The post
# ... appeared first on ..." line), not a sign of one story: it proposes no
# candidates (checking them would be quadratic). A true pair shares several
# bands. The price: pairs such a band proposed while it was smaller stay
# found, so past the cap an index that grew one file at a time can hold a
# few more similar pairs than a fresh build; url and title groups never differ.
MAX_BUCKET = 64
Shingles = frozenset[int]
Bands = tuple[int, ...]


def shingles(title: str, excerpt: str) -> Shingles:
    """The set of shingle hashes of the title plus excerpt; empty when too short.

    `title` is best given as its title key (`duplicate_keys.title_key`): a
    copy's " | Site" suffix would otherwise cost it up to five shingles."""
    words = folded_words(f"{title}\n{excerpt}")
    if len(words) < MIN_WORDS:
        return frozenset()
    codes = list(map(zlib.crc32, words))
    return frozenset(map(hash, zip(codes, codes[1:], codes[2:])))


def sketch_bands(hashes: Shingles) -> Bands:
    """The LSH band keys of a shingle set (none for an empty set).

    Each key mixes its partition in, so one bucket map serves every band."""
    if len(hashes) < 2:
        return ()
    descending = sorted(hashes, reverse=True)
    # dict(zip()) keeps the last value per key: walking down from the largest
    # hash, the last one a partition sees is its smallest.
    smallest = dict(zip(map(BANDS.__rmod__, descending), descending))
    rest = sorted(hashes.difference(smallest.values()), reverse=True)
    second = dict(zip(map(BANDS.__rmod__, rest), rest))
    return tuple(hash((part, low, second[part])) for part, low in smallest.items() if part in second)


def jaccard(one: Shingles, other: Shingles) -> float:
    if not one or not other:
        return 0.0
    common = len(one & other)
    return common / (len(one) + len(other) - common)


def is_similar(one: Shingles, other: Shingles, threshold: float = SIMILAR_THRESHOLD) -> bool:
    return jaccard(one, other) >= threshold


def candidate_probability(similarity: float, bands: int = BANDS) -> float:
    """The chance that two large texts of this Jaccard similarity share a band."""
    return 1.0 - (1.0 - similarity ** 2) ** bands
