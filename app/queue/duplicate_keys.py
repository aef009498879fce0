"""What two copies of one story have in common: a canonical URL, a title key,
and the folded words their near-duplicate check compares.

Pure functions on strings; any thread.

**Canonical URL** (`canonical_url`): only http(s) URLs with a host count.
Scheme and host are case-folded (a Unicode host becomes its IDNA form), a
leading `www.`, a trailing dot, user info and the default port (80, 443) are
dropped, the fragment is dropped (except a `#!` "hashbang" route, which is
the page's address on old AJAX sites), tracking parameters (`utm_*`,
`fbclid`, `gclid`, `mc_cid`, `mc_eid`, any case) are dropped, the remaining
query parameters are sorted (as written: not decoded, so `?id=1` and `?id=2`
stay apart and nothing is lost to a re-encoding), percent escapes are
upper-cased, and trailing slashes are dropped (the root path is `/`). AMP
forms map back to their origin: a trailing `/amp` path segment, an `amp`
parameter that is empty or `1`, and the AMP cache,
`<host>.cdn.ampproject.org/c/s/<origin>` (https) or `/c/<origin>` (http). The scheme is kept: the issue folds its case
only, and an AMP cache URL says which scheme its origin has.

**Title key** (`title_key`): NFKC, case folding, punctuation folded to
spaces (apostrophes removed, so "Cray’s" and "Cray's" and "Crays" agree;
`# % & @` and symbols such as `+ $ €` kept, so "C++" and "C#" stay apart),
whitespace folded, and a trailing " | Site", " - Site", " – Site" or
" — Site" removed. "Site" must name the article's site: its provider, a run
of the provider's words, or its URL host (the whole host, or a label of it).
A suffix that names nothing ("Interview - Part 2", "Roundup - Apple") is part
of the title; stripping any last segment would merge a series' episodes.
"""
from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

# Parameters that say who sent a reader, never which page (`utm_*` by prefix).
TRACKING_PARAMETERS = frozenset({"fbclid", "gclid", "mc_cid", "mc_eid"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_AMP_CACHE = ".cdn.ampproject.org"
# The common shapes are canonicalized by one regular expression each instead of
# urlsplit (about 4x faster; a warm open meets three URLs per article):
# lower-case http(s), a host of [a-z0-9.-] (so no port, user info, IP literal
# or trailing dot), a path without escapes or spaces, no query or fragment;
# and the same origin behind the AMP cache. Anything else takes the
# general path; a test checks that both paths agree.
_HOST = r"(?:www\.)?+([a-z0-9-]++(?:\.[a-z0-9-]++)*+)(?<!\.cdn\.ampproject\.org)"  # possessive: fails fast
_PATH = r"(/[^?#%\x00-\x20\x7f]*+)?"
_PLAIN_URL = re.compile(rf"(https?)://{_HOST}{_PATH}").fullmatch
_PLAIN_CACHED_URL = re.compile(
    rf"https://[a-z0-9-]++(?:\.[a-z0-9-]++)*+(?<=\.cdn\.ampproject\.org)/c/(s/)?{_HOST}{_PATH}").fullmatch
_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")
# Python's urlsplit already drops tabs and newlines anywhere in a URL (the WHATWG rule); we strip the ends.
_EDGE_JUNK = " \t\r\n\x00\x0b\x0c"


def canonical_url(url: str) -> str | None:
    """The canonical form of `url`, or None when it is not an http(s) URL with a host."""
    url = url.strip(_EDGE_JUNK)
    plain = _PLAIN_URL(url)
    if plain is not None:
        scheme, host, path = plain.groups()
        return f"{scheme}://{host}{_canonical_path(path or '')}"
    cached = _PLAIN_CACHED_URL(url)
    if cached is not None:
        secure, host, path = cached.groups()
        return f"{'https' if secure else 'http'}://{host}{_canonical_path(path or '')}"
    return _general_canonical_url(url)


def _general_canonical_url(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        host = parts.hostname  # lower-cased, user info and port removed
        port = parts.port  # ValueError for a port that is not a number in range
    except ValueError:
        return None
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    host = host.rstrip(".")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    if host.endswith(_AMP_CACHE):
        origin = _amp_cache_origin(parts.path, parts.query)
        if origin is not None:
            return canonical_url(origin)
    if host.startswith("www."):
        host = host[4:]
    if not host:
        return None
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    query = _canonical_query(parts.query)
    fragment = parts.fragment if parts.fragment.startswith("!") else ""
    url = f"{scheme}://{host}{_canonical_path(_upper_escapes(parts.path))}"
    if query:
        url += "?" + query
    if fragment:
        url += "#" + _upper_escapes(fragment)
    return url


def _amp_cache_origin(path: str, query: str) -> str | None:
    """The origin URL an AMP cache path serves, or None when it is not a page path.

    `/c/s/example.com/a` is https://example.com/a; `/c/example.com/a` is its http twin."""
    if not path.startswith("/c/"):
        return None
    rest = path[3:]
    scheme = "http"
    if rest.startswith("s/"):
        scheme, rest = "https", rest[2:]
    if not rest or rest.startswith("/"):
        return None
    return f"{scheme}://{rest}" + (f"?{query}" if query else "")


def _canonical_path(path: str) -> str:
    """Without trailing slashes and a last `/amp` segment; the root is `/`."""
    return path.rstrip("/").removesuffix("/amp").rstrip("/") or "/"


def _canonical_query(query: str) -> str:
    if not query:
        return ""
    kept = []
    for pair in query.split("&"):
        if not pair:
            continue
        name, _, value = pair.partition("=")
        folded = name.lower()
        if folded.startswith("utm_") or folded in TRACKING_PARAMETERS:
            continue
        if folded == "amp" and value in ("", "1"):
            continue
        kept.append(_upper_escapes(pair))
    kept.sort()
    return "&".join(kept)


def _upper_escapes(text: str) -> str:
    return _ESCAPE.sub(lambda m: m[0].upper(), text) if "%" in text else text


def is_home_page(canonical: str) -> bool:
    """Is this canonical URL a site's front page (no path, no query)?

    Feeds put the home page in `originalUrl` when they know nothing better; it
    names a site, not a story, and would group every article of that site."""
    return canonical.endswith("/") and canonical.count("/") == 3


def canonical_urls(urls: tuple[str, ...]) -> tuple[str, ...]:
    """The distinct story URLs among an article's candidates, sorted: canonical,
    home pages and non-http(s) values left out."""
    found = set()
    for url in set(urls):  # webUrl and originalUrl are often one string
        canonical = canonical_url(url)
        if canonical is not None and not is_home_page(canonical):
            found.add(canonical)
    return tuple(sorted(found))


# --- titles and words -------------------------------------------------------

_APOSTROPHES = ("'", "\u2019", "\u2018", "\u02bc", "`")  # removed: "Cray’s" is "crays"
_KEPT = frozenset("#%&@")  # punctuation that carries meaning in a title ("C#", "5%", "AT&T")
_FOLDED_SYMBOLS = frozenset("|^~\u00a6")  # symbols used as separators, folded like punctuation


def _folds_to_space(char: str) -> bool:
    if char in _APOSTROPHES:
        return False
    if char in _FOLDED_SYMBOLS or char.isspace():
        return True
    return unicodedata.category(char)[0] == "P" and char not in _KEPT


# ASCII text (most titles) is folded as bytes: bytes.translate is a C table
# lookup, about 8x faster than str.translate with a dict.
_ASCII_SPACES = bytes(c for c in range(128) if _folds_to_space(chr(c)))
_ASCII_DROPPED = "".join(_APOSTROPHES).encode("ascii", "ignore")
_ASCII_TABLE = bytes.maketrans(_ASCII_SPACES, b" " * len(_ASCII_SPACES))


_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_NON_ASCII_FOLD: dict[str, bytes | None] = {}  # char -> its UTF-8 replacement (b" " or b""); None: kept


def _non_ascii_fold(char: str) -> bytes | None:
    if char not in _NON_ASCII_FOLD:
        _NON_ASCII_FOLD[char] = b"" if char in _APOSTROPHES else b" " if _folds_to_space(char) else None
    return _NON_ASCII_FOLD[char]


def folded_words(text: str) -> list[bytes]:
    """The words of `text` after NFKC, case folding and punctuation folding, as UTF-8."""
    if text.isascii():
        return text.encode().lower().translate(_ASCII_TABLE, _ASCII_DROPPED).split()
    text = unicodedata.normalize("NFKC", text).casefold()
    data = text.encode()
    # Each distinct non-ASCII character is replaced in the bytes at once (UTF-8
    # cannot match across characters), then ASCII is folded as above: about
    # twice as fast as str.translate, or as a regex of all Unicode punctuation.
    for char in set(_NON_ASCII.findall(text)):
        replacement = _non_ascii_fold(char)
        if replacement is not None:
            data = data.replace(char.encode(), replacement)
    return data.translate(_ASCII_TABLE, _ASCII_DROPPED).split()


def fold_words(text: str) -> str:
    """NFKC, case folding, punctuation and whitespace folding: the words, space-separated."""
    return b" ".join(folded_words(text)).decode()


def title_key(title: str, provider: str = "", urls: tuple[str, ...] = ()) -> str:
    """The folded title, without a trailing " | Site" that names the article's own site.

    `urls` are the article's canonical URLs, whose hosts a suffix may name
    instead of the provider ("Title - heise.de")."""
    text = title if title.isascii() else unicodedata.normalize("NFKC", title)
    text = " ".join(text.split())  # NFKC made a no-break space a space; fold runs of them
    cut = max(text.rfind(" | "), text.rfind(" - "), text.rfind(" \u2013 "), text.rfind(" \u2014 "))
    if cut > 0 and _names_site(text[cut + 3:], provider, urls):
        head = fold_words(text[:cut])
        if head:
            return head
    return fold_words(text)


def _names_site(suffix: str, provider: str, urls: tuple[str, ...]) -> bool:
    words = fold_words(suffix).split()
    if not words:
        return False
    compact = "".join(words)
    if provider:
        site = fold_words(provider).split()
        if compact == "".join(site):
            return True
        # A part of the name ("Heise" for "Heise Online"), or the name plus a
        # word ("The Register UK"); a lone short word ("The") names nothing.
        if len(compact) >= 4 and (_is_run(words, site) or _is_run(site, words)):
            return True
    for url in urls:
        labels = url_host(url).split(":")[0].split(".")
        if compact == "".join(labels) or any(len(label) >= 3 and compact == label for label in labels[:-1]):
            return True
    return False


def _is_run(part: list[str], whole: list[str]) -> bool:
    """Is `part` a contiguous run of `whole`'s words ("Register" in "The Register")?"""
    size = len(part)
    return any(whole[i:i + size] == part for i in range(len(whole) - size + 1))


def provider_key(provider: str) -> str:
    """Providers match case-insensitively (after the same folding as titles); "" only matches ""."""
    return fold_words(provider)


def url_host(canonical: str) -> str:
    """The host of a canonical URL (`https://example.com/a` -> `example.com`)."""
    return canonical.split("/", 3)[2]
