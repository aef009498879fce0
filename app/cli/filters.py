"""The queue filters of `copydesk list`, as `copydesk set --where` takes them too.

What a filter *means* is `app.queue.selection.Selection`'s alone; this module
only turns command-line options into one, the same way for both commands, so
`set --where FOLDER [filters]` acts on exactly the rows `list FOLDER [filters]`
prints. In `set` the filter on the current published value is spelled
`--if-published`, since `--published` is the value to set.
"""
from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from app.cli.common import parse_quality

if TYPE_CHECKING:
    from app.audit.review import ReviewBook
    from app.queue import ReviewQueue
    from app.queue.selection import Selection

REVIEW_CHOICES = ("needs", "reviewed", "changed")
REVIEW_HELP = ("only articles in this review state: needs (no decision logged), reviewed, changed "
               "(changed since the last logged decision)")


def add_where_filters(parser: argparse.ArgumentParser) -> None:
    """`list`'s filters, for `set --where` (published as `--if-published`)."""
    group = parser.add_argument_group("filters (with --where; as in copydesk list)")
    group.add_argument("--if-published", choices=("yes", "no"),
                       help="only published (yes) or not published (no, including missing) articles")
    group.add_argument("--min-quality", type=parse_quality, metavar="N", help="only quality >= N")
    group.add_argument("--max-quality", type=parse_quality, metavar="N", help="only quality <= N")
    group.add_argument("--errors", action="store_true", help="only files that cannot be read")
    group.add_argument("--search", metavar="TEXT",
                       help="only rows whose title, excerpt, provider, topics or path contain TEXT")
    group.add_argument("--review", choices=REVIEW_CHOICES, help=REVIEW_HELP)


def selection_for(args: argparse.Namespace, published: bool | str | None) -> Selection:
    """The Selection of `list`'s filters in `args` (`published`: True/False, "yes"/"no", or None)."""
    from app.queue.selection import Selection, words_of

    if isinstance(published, str):
        published = published == "yes"
    return Selection(words=words_of(args.search), published=published,
                     min_quality=args.min_quality, max_quality=args.max_quality, errors_only=args.errors,
                     review=getattr(args, "review", None))


def quality_range_problem(args: argparse.Namespace) -> str | None:
    if args.min_quality is not None and args.max_quality is not None and args.min_quality > args.max_quality:
        return "--min-quality is larger than --max-quality"
    return None


def review_book(queue: ReviewQueue, notices: Any) -> ReviewBook:
    """The queue's review state, read from its logs (after its scan); notices said through `notices`."""
    from app.audit.review import ReviewBook

    book = ReviewBook(queue)
    book.load()
    notices(book.take_notices())
    return book
