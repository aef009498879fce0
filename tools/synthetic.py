"""Deterministic synthetic articles shaped like a real news queue.

Used by the benchmarks (10,000 to 100,000 files), by tests, and for the demo
queue. The same (n, seed) always produces the same bytes, so figures measured
on two machines describe the same files.

Each file carries every field of a real article (title, excerpt,
publishedDateTime, the four URLs, type, quality, heat, published, provider,
topics, images, related, secured) and varies the details real files vary in:
quoting style, comments, missing `published`/`quality`, CRLF line endings, a
BOM, a `...` closing fence, a body with its own `---` rule, `.md`/`.txt`/
`.markdown`/`.yaml` files. Every file stays a valid article.

    python -m tools.synthetic FOLDER N [--seed S] [--flat]
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import os
import random
import re
import sys
from collections.abc import Callable
from pathlib import Path

ImageUrl = Callable[[int], "str | None"]

_PROVIDERS = (
    ("The Next Platform", "nextplatform.com"),
    ("Ars Technica", "arstechnica.com"),
    ("The Register", "theregister.com"),
    ("HPCwire", "hpcwire.com"),
    ("Le Monde Informatique", "lemondeinformatique.fr"),
    ("Heise Online", "heise.de"),
    ("AnandTech", "anandtech.com"),
    ("Tom's Hardware", "tomshardware.com"),
)
_TOPICS = ("AI", "HPC", "Cloud", "Storage", "Networking", "Security", "Chips",
           "Quantum", "Open Source", "Energy", "Policy", "Databases")
_WORDS = (
    "inference", "cluster", "exascale", "accelerator", "fabric", "memory",
    "bandwidth", "platform", "hyperscale", "enterprise", "workload", "model",
    "training", "silicon", "interconnect", "compiler", "scheduler", "storage",
    "quantum", "roadmap", "vendor", "benchmark", "latency", "throughput",
    "partner", "budget", "datacenter", "cooling", "power", "software",
    "kernel", "tensor", "network", "open", "cloud", "chip", "rack", "node",
    "system", "market", "customer", "upgrade", "release", "design", "engine",
)
# A few non-ASCII words so titles exercise UTF-8 (curly quotes, accents, dashes).
_SPICE = ("Cray’s", "déjà vu", "– and more", "naïve", "Zürich", "AI’s")
_CATEGORIES = ("news", "news", "news", "analysis", "opinion")
_PLAIN_SAFE = re.compile(r"^[A-Za-z][A-Za-z0-9 ,.()-]*[A-Za-z0-9.)]$")
_BASE = 1_640_995_200  # 2022-01-01T00:00:00Z


def _sentence(rng: random.Random, words: int) -> str:
    picked = [rng.choice(_WORDS) for _ in range(words)]
    if rng.random() < 0.15:
        picked.insert(rng.randrange(len(picked)), rng.choice(_SPICE))
    return " ".join(picked)


def _title(rng: random.Random) -> str:
    text = _sentence(rng, rng.randint(4, 10)).title()
    roll = rng.random()
    if roll < 0.12:
        text = text.replace(" ", ": ", 1)  # a colon forces quoting
    elif roll < 0.2:
        text += "?"
    elif roll < 0.26:
        text = f"Why \"{text.split()[0]}\" Matters"
    return text


def _quote(rng: random.Random, text: str, allow_plain: bool = True) -> str:
    """Render a string scalar in one of the quoting styles editors produce."""
    roll = rng.random()
    if allow_plain and roll < 0.2 and _PLAIN_SAFE.match(text) and not _looks_typed(text):
        return text
    if roll < 0.4:
        return "'" + text.replace("'", "''") + "'"
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _looks_typed(text: str) -> bool:
    # YAML 1.1 would read these plain words as booleans or null.
    return text.lower() in {"yes", "no", "on", "off", "true", "false", "null", "y", "n"}


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:60] or "article"


def _stamp(seconds: int) -> str:
    import time
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def _urls(domain: str, when: str, slug: str) -> dict[str, str]:
    day = when[:10].replace("-", "/")
    web = f"https://www.{domain}/{day}/{slug}/"
    cdn_host = "www-" + domain.replace(".", "-")
    return {
        "originalUrl": web,
        "webUrl": web,
        "ampWebUrl": web + "amp/",
        "cdnAmpWebUrl": f"https://{cdn_host}.cdn.ampproject.org/c/s/www.{domain}/{day}/{slug}/amp/",
    }


def _default_image(index: int, k: int) -> str:
    return (f"https://cdn.example.com/wp-content/uploads/{2022 + index % 3}/"
            f"{1 + index % 12:02d}/img-{index:06d}-{k}.jpg")


def _secured(index: int, seed: int) -> str:
    digest = hashlib.sha512(f"{seed}:{index}".encode()).digest()
    body = base64.b64encode(digest * 3).decode()
    tail = base64.b64encode(digest[:16]).decode()
    return f"{body};{tail}"


def render_article(index: int, *, seed: int = 0,
                   image_url: ImageUrl | None = None) -> tuple[str, bytes]:
    """Return (relative file name without folder, file bytes) for article `index`."""
    rng = random.Random(seed * 1_000_003 + index)
    provider, domain = _PROVIDERS[rng.randrange(len(_PROVIDERS))]
    title = _title(rng)
    excerpt = _sentence(rng, rng.randint(18, 30)).capitalize()
    when = _stamp(_BASE + index * 613 + rng.randrange(600))
    slug = _slug(title)
    is_yaml = rng.random() < 0.03
    crlf = rng.random() < 0.1
    bom = not is_yaml and rng.random() < 0.03
    lines: list[str] = []
    add = lines.append

    if rng.random() < 0.1:
        add("# imported by the feed pipeline")
    add(f"category: {rng.choice(_CATEGORIES)}")
    add(f"title: {_quote(rng, title)}")
    add(f"excerpt: {_quote(rng, excerpt)}")
    add(f"publishedDateTime: {when}")
    for key, link in _urls(domain, when, slug).items():
        add(f"{key}: {_quote(rng, link, allow_plain=False)}")
    add("type: article")
    if rng.random() >= 0.11:  # about one in nine has no quality yet
        comment = "  # auto-scored" if rng.random() < 0.1 else ""
        add(f"quality: {rng.randint(0, 100)}{comment}")
    heat = rng.choice((-1, -1, rng.randint(0, 100), round(rng.uniform(0, 10), 2)))
    add(f"heat: {heat}")
    if rng.random() >= 0.14:  # about one in seven has no published flag yet
        flag = "true" if rng.random() < 0.35 else "false"
        comment = "  # set by the desk" if rng.random() < 0.08 else ""
        add(f"published: {flag}{comment}")
    add("")
    add("provider:")
    add(f"  name: {_quote(rng, provider)}")
    add(f"  domain: {domain}")
    topics = rng.sample(_TOPICS, rng.randint(0, 3))
    if topics:
        add("")
        if rng.random() < 0.2:
            add("topics: [" + ", ".join(topics) + "]")
        else:
            add("topics:")
            lines.extend(f"  - {t}" for t in topics)
    images: list[str] = []
    for k in range(rng.choice((0, 1, 1, 1, 2, 3))):
        url: str | None = image_url(index) if image_url is not None else _default_image(index, k)
        if url is None:
            break
        images.append(url)
        if image_url is not None:
            break  # a caller-chosen image is one per article
    if images:
        add("")
        add("images:")
        for url in images:
            add(f"  - url: {_quote(rng, url, allow_plain=False)}")
            add(f"    width: {rng.choice((660, 819, 1200, 1024))}")
            add(f"    height: {rng.choice((387, 511, 675, 576))}")
            add(f"    isCached: {'true' if rng.random() < 0.8 else 'false'}")
    related = rng.randint(0, 2)
    if related:
        add("")
        add("related:")
        for _ in range(related):
            r_title = _title(rng)
            r_provider, r_domain = _PROVIDERS[rng.randrange(len(_PROVIDERS))]
            r_when = _stamp(_BASE + index * 613 - rng.randrange(1, 86_400 * 30))
            r_urls = _urls(r_domain, r_when, _slug(r_title))
            add(f"  - title: {_quote(rng, r_title)}")
            add(f"    excerpt: {_quote(rng, _sentence(rng, rng.randint(20, 40)).capitalize() + ' ...')}")
            add(f"    publishedDateTime: {r_when}")
            for key in ("webUrl", "ampWebUrl", "cdnAmpWebUrl"):
                add(f"    {key}: {_quote(rng, r_urls[key], allow_plain=False)}")
            add("    type: article")
            add("    provider:")
            add(f"      name: {_quote(rng, r_provider)}")
            add(f"      domain: {r_domain}")
            add(f"    quality: {rng.randint(0, 100)}")
    if rng.random() >= 0.05:
        add("")
        add(f'secured: "{_secured(index, seed)}"')

    if is_yaml:
        text_lines = lines
        suffix = ".yaml" if rng.random() < 0.7 else ".yml"
    else:
        closing = "..." if rng.random() < 0.03 else "---"
        text_lines = ["---", *lines, closing]
        body_roll = rng.random()
        if body_roll < 0.5:
            text_lines += ["", excerpt + ".", ""]
            if body_roll < 0.1:
                text_lines += ["---", "", _sentence(rng, 25).capitalize() + "."]
        roll = rng.random()
        suffix = ".md" if roll < 0.7 else (".txt" if roll < 0.92 else ".markdown")
    newline = "\r\n" if crlf else "\n"
    text = newline.join(text_lines)
    if rng.random() >= 0.02:  # a few files lack the final newline
        text += newline
    data = text.encode("utf-8")
    if bom:
        data = b"\xef\xbb\xbf" + data
    name = f"{index:06d}-{slug[:40]}{suffix}"
    return name, data


def article_folder(index: int, *, seed: int = 0) -> str:
    """Subfolder for article `index`: provider domain / year-month, like a feed archive."""
    rng = random.Random(seed * 1_000_003 + index)
    domain = _PROVIDERS[rng.randrange(len(_PROVIDERS))][1]
    month = _stamp(_BASE + index * 613)[:7]
    return f"{domain}/{month}"


def generate_articles(folder: str | os.PathLike[str], n: int, *, seed: int = 0,
                      subfolders: bool = True,
                      image_url: ImageUrl | None = None) -> list[Path]:
    """Write articles 0..n-1 into `folder` (created if missing) and return their paths.

    `image_url(index)` chooses the image of article `index` (e.g. a local demo
    picture); returning None leaves that article without images. When omitted,
    articles carry 0 to 3 remote https URLs like real feed entries.
    Existing files with the same names are overwritten.
    """
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    made_dirs: set[Path] = set()
    paths: list[Path] = []
    for index in range(n):
        name, data = render_article(index, seed=seed, image_url=image_url)
        target_dir = root / article_folder(index, seed=seed) if subfolders else root
        if target_dir not in made_dirs:
            target_dir.mkdir(parents=True, exist_ok=True)
            made_dirs.add(target_dir)
        path = target_dir / name
        with open(path, "wb") as fh:
            fh.write(data)
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.synthetic",
                                     description="Write N deterministic synthetic articles.")
    parser.add_argument("folder")
    parser.add_argument("n", type=int)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--flat", action="store_true", help="no subfolders")
    args = parser.parse_args(argv)
    paths = generate_articles(args.folder, args.n, seed=args.seed, subfolders=not args.flat)
    print(f"wrote {len(paths)} articles under {args.folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
