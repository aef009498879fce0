"""The queue filters of `copydesk list`, as `copydesk set --where` takes them too.

What a filter *means* is `app.queue.selection.Selection`'s alone, and which
facets there are is `app.queue.facets.FACETS`'; this module only turns
command-line options into a Selection, the same way for both commands, so
`set --where FOLDER [filters]` acts on exactly the rows `list FOLDER [filters]`
prints. Every values facet has one option, and repeating it means OR
(`--provider A --provider B`); different options must all hold (AND). In
`set` the filter on the current published value is spelled `--if-published`,
since `--published` is the value to set.
"""
from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from app.cli.common import parse_quality
from app.queue import bounds

if TYPE_CHECKING:
    from app.audit.review import ReviewBook
    from app.queue import ReviewQueue
    from app.queue.selection import Selection

REVIEW_CHOICES = ("needs", "reviewed", "changed")
REVIEW_HELP = ("only articles in this review state: needs (no decision logged), reviewed, changed "
               "(changed since the last logged decision); repeat for either")
# --published's words, and the facet values each stands for ("false" keeps its old meaning: not published,
# a missing value included).
PUBLISHED_WORDS = {"true": ("published",), "yes": ("published",), "1": ("published",),
                   "false": ("unpublished", "unset"), "no": ("unpublished", "unset"), "0": ("unpublished", "unset"),
                   "unset": ("unset",)}
# The values facets with an option of their own beyond published and review: (facet, metavar, choices).
_VALUE_OPTIONS = (("provider", "NAME", None), ("topic", "TOPIC", None), ("category", "CATEGORY", None),
                  ("type", "TYPE", None))
# Flag facets: one option per value, each adding its value (so two of them mean either).
_FLAG_OPTIONS = (("images", (("--has-images", "yes"), ("--no-images", "no"))),
                 ("errors", (("--has-errors", "yes"), ("--no-errors", "no"))),
                 ("warnings", (("--has-warnings", "yes"), ("--no-warnings", "no"))),
                 ("duplicate", (("--duplicates", "yes"), ("--similar", "similar"), ("--no-duplicates", "no"))))


# Every filter's argparse dest (for "this filter needs --where").
FILTER_DESTS = ("min_quality", "max_quality", "errors", "search", "review", "min_heat", "max_heat", "since", "until",
                *(f"facet_{name}" for name, _, _ in _VALUE_OPTIONS), *(f"facet_{name}" for name, _ in _FLAG_OPTIONS))


def option_of(dest: str) -> str:
    """The option an argparse dest of these filters comes from (`facet_images` -> `--has-images`)."""
    if dest.startswith("facet_"):
        from app.queue.facets import FACET_BY_NAME
        return FACET_BY_NAME[dest[len("facet_"):]].option
    return "--" + dest.replace("_", "-")


def parse_published(text: str) -> tuple[str, ...]:
    """--published's value: true/false (yes/no, 1/0, any case), or unset."""
    values = PUBLISHED_WORDS.get(text.strip().lower())
    if values is None:
        raise argparse.ArgumentTypeError(f"expected true, false or unset, not {text!r}")
    return values


def parse_heat(text: str) -> float:
    try:
        return bounds.parse_heat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def parse_day(text: str) -> str:
    try:
        return bounds.parse_day(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_facet_filters(parser: Any, *, published: str = "--published") -> None:
    """Every facet's option (the quality range and --errors, --search included).
    `published`: the spelling of the published facet's option."""
    from app.queue.facets import FACET_BY_NAME

    def tip(name: str, extra: str) -> str:
        return f"only articles with {FACET_BY_NAME[name].tip}{extra}"

    parser.add_argument(published, action="append", type=parse_published, metavar="true|false|unset",
                        help="only published (true, yes), not published (false, no; a missing value included) "
                             "or not set (unset); repeat for either")
    parser.add_argument("--min-quality", type=parse_quality, metavar="N", help="only quality >= N")
    parser.add_argument("--max-quality", type=parse_quality, metavar="N", help="only quality <= N")
    parser.add_argument("--errors", action="store_true", help="only files that cannot be read")
    parser.add_argument("--search", metavar="TEXT",
                        help="only rows whose title, excerpt, provider, topics or path contain TEXT "
                             "(case-insensitive; every word must match)")
    parser.add_argument("--review", action="append", choices=REVIEW_CHOICES, help=REVIEW_HELP)
    for name, metavar, _ in _VALUE_OPTIONS:
        parser.add_argument(FACET_BY_NAME[name].option, action="append", metavar=metavar, dest=f"facet_{name}",
                            help=tip(name, f" = {metavar} (exactly; '' for none); repeat for any of several"))
    for name, options in _FLAG_OPTIONS:
        spec = FACET_BY_NAME[name]
        for option, value in options:
            parser.add_argument(option, action="append_const", const=value, dest=f"facet_{name}",
                                help=f"only: {spec.value_label(value).lower()} ({spec.tip})")
    parser.add_argument("--min-heat", type=parse_heat, metavar="X", help="only heat >= X")
    parser.add_argument("--max-heat", type=parse_heat, metavar="X", help="only heat <= X")
    parser.add_argument("--since", type=parse_day, metavar="DAY",
                        help="only articles dated DAY or later (2022-02-01; a month 2022-02 or a year 2022 "
                             "from its first day)")
    parser.add_argument("--until", type=parse_day, metavar="DAY",
                        help="only articles dated DAY or earlier (a month or a year up to its last day)")


def add_where_filters(parser: argparse.ArgumentParser) -> None:
    """`list`'s filters, for `set --where` (published as `--if-published`)."""
    group = parser.add_argument_group("filters (with --where; as in copydesk list)")
    add_facet_filters(group, published="--if-published")


def selection_for(args: argparse.Namespace, published: Any) -> Selection:
    """The Selection of `list`'s filters in `args`. `published`: the published
    option's value (a list of parse_published tuples, or the older forms:
    True/False, "yes"/"no", None)."""
    from app.queue.selection import Selection, words_of

    selection = Selection(words=words_of(args.search), min_quality=args.min_quality,
                          max_quality=args.max_quality, errors_only=args.errors,
                          min_heat=getattr(args, "min_heat", None), max_heat=getattr(args, "max_heat", None),
                          since=getattr(args, "since", None), until=getattr(args, "until", None))
    chosen = _published_values(published)
    if chosen:
        selection = selection.with_values("published", chosen)
    review = getattr(args, "review", None)
    if review:
        selection = selection.with_values("review", review if isinstance(review, list) else [review])
    for name, _, _ in _VALUE_OPTIONS:
        values = getattr(args, f"facet_{name}", None)
        if values:
            selection = selection.with_values(name, values)
    for name, _ in _FLAG_OPTIONS:
        values = getattr(args, f"facet_{name}", None)
        if values:  # (--errors is --has-errors yes: with --has-errors no, either)
            selection = selection.with_values(name, [*values, *selection.chosen(name)])
    return selection


def _published_values(published: Any) -> list[str]:
    if published is None:
        return []
    if isinstance(published, bool):
        return list(PUBLISHED_WORDS["true" if published else "false"])
    if isinstance(published, str):
        return list(PUBLISHED_WORDS[published.strip().lower()])
    return sorted({value for values in published for value in values})


def needs_review(selection: Selection) -> bool:
    return selection.constrains("review")


def needs_duplicates(selection: Selection) -> bool:
    """Whether the rows must be read with their duplicate groups (a duplicate is a warning too)."""
    return selection.quick == "duplicates" or selection.constrains("duplicate") or selection.constrains("warnings")


def quality_range_problem(args: argparse.Namespace) -> str | None:
    if args.min_quality is not None and args.max_quality is not None and args.min_quality > args.max_quality:
        return "--min-quality is larger than --max-quality"
    min_heat, max_heat = getattr(args, "min_heat", None), getattr(args, "max_heat", None)
    if min_heat is not None and max_heat is not None and min_heat > max_heat:
        return "--min-heat is larger than --max-heat"
    since, until = getattr(args, "since", None), getattr(args, "until", None)
    if since is not None and until is not None:
        from app.article.dates import parse_day_option
        if parse_day_option(since) > parse_day_option(until, end=True):
            return "--since is later than --until"
    return None


def review_book(queue: ReviewQueue, notices: Any) -> ReviewBook:
    """The queue's review state, read from its logs (after its scan); notices said through `notices`."""
    from app.audit.review import ReviewBook

    book = ReviewBook(queue)
    book.load()
    notices(book.take_notices())
    return book
