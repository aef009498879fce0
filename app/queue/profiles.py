"""The built-in profiles (`news`, `hugo`, `jekyll`) and how a site is recognised.

A profile is a field mapping (what each key means) plus the queue's file rules
(which suffixes are articles, which paths are not). The keys follow what the
two generators document and what the shared corpus of real Jekyll and Hugo
files holds:

- **news**: the seed's schema (`published`, `quality`, `publishedDateTime`,
  `topics`, `provider`, `images`); a missing `published` is "not set".
- **hugo**: `draft` holds the decision, inverted (`draft: true` is
  unpublished; a page without `draft` is published). `published` is Hugo's
  alias of `publishDate`, a date: it feeds the date and is never written.
  Excerpt from `summary`, else `description`; topics from `tags`,
  `categories` and `keywords`; provider from `author`/`authors`. Section pages
  (`_index.md`) and the site's non-content folders are excluded.
- **jekyll**: `published` (missing means published, as Jekyll reads it);
  `.html` files are articles too (Jekyll processes front matter in them);
  a post's date comes from `date`, else its file name (`2024-05-01-title.md`);
  topics from `tags`, `categories` and `category` (a space-separated string
  is several); provider from `author`, images from `image` (jekyll-seo-tag).

Plain data; any thread.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from app.article.mapping import FieldMapping
from app.article.model import HTML_SUFFIXES

# Never articles in a site, whatever the profile: what repositories carry beside the content.
_REPO_FILES = ("README.*", "LICENSE*", "CHANGELOG*", "CONTRIBUTING*", "CODE_OF_CONDUCT*", "SECURITY.*")
SITE_SUFFIXES = (".md", ".markdown")


@dataclass(frozen=True, slots=True)
class Profile:
    name: str  # as `profile = "..."` spells it
    label: str  # for the window: "Hugo site"
    description: str  # one line: what it reads where
    mapping: FieldMapping
    suffixes: tuple[str, ...]  # article suffixes, without `.html` (see `html`)
    html: bool  # `.html` files are articles (their front matter is read)
    exclude: tuple[str, ...]  # globs (see app.queue.rules)

    def article_suffixes(self, html: bool | None = None) -> tuple[str, ...]:
        """The suffixes with `.html`/`.htm` added when `html` (default: the profile's) says so."""
        with_html = self.html if html is None else html
        return self.suffixes + HTML_SUFFIXES if with_html else self.suffixes


NEWS = Profile(
    "news", "News articles (the seed's schema)",
    "published: true/false, quality 0-100, publishedDateTime, topics, provider, images",
    FieldMapping(), (".txt", ".md", ".markdown", ".yaml", ".yml"), False, ())

HUGO = Profile(
    "hugo", "Hugo site",
    "draft: true is unpublished (missing: published); date, tags/categories/keywords, summary/description",
    FieldMapping(
        published_key="draft", published_inverted=True, published_missing=True, quality_expected=False,
        excerpt=("summary", "description"), date=("date", "publishDate", "pubdate", "published"),
        topics=("tags", "categories", "keywords"), provider=("author", "authors"), images=("images",)),
    SITE_SUFFIXES, False,
    _REPO_FILES + ("_index.*", "archetypes/", "assets/", "data/", "i18n/", "layouts/", "node_modules/",
                   "public/", "resources/", "static/", "themes/"))

JEKYLL = Profile(
    "jekyll", "Jekyll site",
    "published: false is unpublished (missing: published); .html too; date (or the file name), tags/categories",
    FieldMapping(
        published_missing=True, quality_expected=False, excerpt=("excerpt", "description"), date=("date",),
        category=("category", "categories"), topics=("tags", "categories", "category"),
        provider=("author",), images=("image", "images"), split_topic_text=True, date_from_filename=True),
    SITE_SUFFIXES, True,
    _REPO_FILES + ("_site/", "_includes/", "_layouts/", "_sass/", "_data/", "assets/", "vendor/",
                   "node_modules/"))

PROFILES: dict[str, Profile] = {p.name: p for p in (NEWS, HUGO, JEKYLL)}
DEFAULT_PROFILE = NEWS

# What makes a folder a site's root. Hugo's own config names are unambiguous;
# `config.*` is Hugo's older name and so common that it needs a `content/` beside it.
_HUGO_CONFIGS = ("hugo.toml", "hugo.yaml", "hugo.yml", "hugo.json")
_HUGO_OLD_CONFIGS = ("config.toml", "config.yaml", "config.yml", "config.json")
_JEKYLL_CONFIGS = ("_config.yml", "_config.yaml", "_config.toml")


@dataclass(frozen=True, slots=True)
class DetectedSite:
    profile: str  # "hugo" or "jekyll"
    root: Path  # the site's root folder (the exclude globs are relative to it)
    evidence: str  # what showed it: "hugo.toml", "_posts/"

    def describe(self) -> str:
        return f"{PROFILES[self.profile].label} at {self.root} ({self.evidence})"


def site_at(folder: Path) -> DetectedSite | None:
    """Is `folder` itself a Hugo or a Jekyll site's root?"""
    def has_file(name: str) -> bool:
        return (folder / name).is_file()

    for name in _HUGO_CONFIGS:
        if has_file(name):
            return DetectedSite("hugo", folder, name)
    for name in _JEKYLL_CONFIGS:
        if has_file(name):
            return DetectedSite("jekyll", folder, name)
    if (folder / "content").is_dir():
        for name in _HUGO_OLD_CONFIGS:
            if has_file(name):
                return DetectedSite("hugo", folder, f"{name} with content/")
        if (folder / "config" / "_default").is_dir():
            return DetectedSite("hugo", folder, "config/_default/ with content/")
    if (folder / "_posts").is_dir():
        return DetectedSite("jekyll", folder, "_posts/")
    return None


def detect_site(folder: Path) -> DetectedSite | None:
    """The site `folder` is (or is inside): the folder itself, then each folder
    above it up to the top of its git working copy. Outside git, the walk stops
    below the home folder and the filesystem root, whose stray `_config.yml`
    says nothing about a queue."""
    folder = Path(os.path.abspath(folder))
    home = Path(os.path.expanduser("~"))
    for candidate in (folder, *folder.parents):
        if candidate != folder and candidate in (home, Path(candidate.anchor)):
            break
        try:
            found = site_at(candidate)
        except OSError:  # a folder above we may not look into
            found = None
        if found is not None:
            return found
        if (candidate / ".git").exists():
            break
    return None
