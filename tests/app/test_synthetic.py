"""The synthetic article generator: deterministic, varied, and always valid."""
from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

from app.article.frontmatter import load_article
from app.article.model import Article
from tools.synthetic import generate_articles, render_article

N = 400


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    one = generate_articles(tmp_path / "one", 60, seed=3)
    two = generate_articles(tmp_path / "two", 60, seed=3)
    other = generate_articles(tmp_path / "other", 60, seed=4)
    assert [p.relative_to(tmp_path / "one") for p in one] == [p.relative_to(tmp_path / "two") for p in two]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(one, two, strict=True))
    assert [p.read_bytes() for p in one] != [p.read_bytes() for p in other]


def test_every_article_loads_with_all_fields(tmp_path: Path) -> None:
    paths = generate_articles(tmp_path, N)
    assert len(paths) == N == len(set(paths))
    counts: Counter[str] = Counter()
    for path in paths:
        result = load_article(path)
        assert isinstance(result, Article), f"{path}: {result}"
        # Every file is a valid article; the one check a generated file can meet is a missing quality.
        assert [w.message for w in result.warnings] == (["quality is missing"] if result.quality is None else [])
        assert result.title and result.excerpt and result.published_at
        assert result.provider is not None and result.provider.name and result.provider.domain
        assert set(result.urls) == {"originalUrl", "webUrl", "ampWebUrl", "cdnAmpWebUrl"}
        data = path.read_bytes()
        counts["crlf"] += b"\r\n" in data
        counts["bom"] += data.startswith(b"\xef\xbb\xbf")
        counts["comment"] += b"# " in data.split(b"\n---", 1)[0]
        counts["no published"] += result.published is None
        counts["no quality"] += result.quality is None
        counts["published"] += result.published is True
        counts["images"] += bool(result.images)
        counts["related"] += bool(result.related)
        counts["topics"] += bool(result.topics)
        counts["secured"] += result.secured
        counts["single quotes"] += b"title: '" in data
        counts["plain title"] += b'title: "' not in data and b"title: '" not in data
        counts[path.suffix] += 1
    for key in ("crlf", "bom", "comment", "no published", "no quality", "published", "images", "related",
                "topics", "secured", "single quotes", "plain title", ".md", ".txt", ".markdown"):
        assert 0 < counts[key] < N, (key, counts)
    assert counts[".yaml"] + counts[".yml"] > 0


def test_subfolders_and_flat(tmp_path: Path) -> None:
    nested = generate_articles(tmp_path / "n", 30)
    flat = generate_articles(tmp_path / "f", 30, subfolders=False)
    assert all(len(p.relative_to(tmp_path / "n").parts) == 3 for p in nested)
    assert all(p.parent == tmp_path / "f" for p in flat)


def test_image_url_callable(tmp_path: Path) -> None:
    paths = generate_articles(tmp_path, 40, subfolders=False,
                              image_url=lambda i: None if i % 2 else f"images/demo-{i}.png")
    for i, path in enumerate(paths):
        result = load_article(path)
        assert isinstance(result, Article)
        if i % 2:
            assert result.images == ()
        else:
            assert all(img.url == f"images/demo-{i}.png" for img in result.images)
    assert any(isinstance(r, Article) and r.images for r in map(load_article, paths))


def test_render_is_pure() -> None:
    assert render_article(17, seed=2) == render_article(17, seed=2)


def test_command_line(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "tools.synthetic", str(tmp_path / "out"), "12", "--flat"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert len(list((tmp_path / "out").iterdir())) == 12
