"""Two parts of the detail pane fed by the queue rather than the file: the
warnings (each naming its field and the line of its key, plus the window's
own: a picture whose real size differs from the declared one, a copy of
another article), and the list of the other copies of this story, each a
link that takes the editor there, with its review state and values.

GUI thread only.
"""
from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGroupBox, QLabel, QVBoxLayout, QWidget

from app.article.summary import ArticleSummary
from app.queue.duplicate_groups import SIMILAR, URL, describe_copies
from ui.text import capped
from ui import palette
from ui.i18n import QT_TR_NOOP, number, tr

_KIND_WORDS = {URL: QT_TR_NOOP("Same URL"), "title": QT_TR_NOOP("Same title and provider"),
               SIMILAR: QT_TR_NOOP("Similar title and excerpt")}
_STATE_WORDS = {True: QT_TR_NOOP("published"), False: QT_TR_NOOP("unpublished"), None: QT_TR_NOOP("not set")}
SHOWN = 5  # copies listed at once in the pane; a link shows the rest


@dataclass(frozen=True, slots=True)
class Copy:
    kind: str  # url, title or similar
    relpath: str
    summary: ArticleSummary | None


def warning_lines(summary: ArticleSummary, extra: Sequence[str] = (), duplicate: str | None = None) -> list[str]:
    """The pane's warnings as HTML lines: "<b>quality</b> (line 3): quality is missing"."""
    lines = []
    for field, message, line, _column in summary.warning_list():
        where = f" (line {line})" if line else ""
        lines.append(f"<b>{html.escape(field)}</b>{where}: {html.escape(capped(message))}")
    for text in extra:
        field, _, message = text.partition(": ")
        lines.append(f"<b>{html.escape(field)}</b>: {html.escape(capped(message or text))}")
    if duplicate:
        lines.append(f"<b>duplicate</b>: {html.escape(capped(duplicate))}")
    return lines


def copies_of(view: Any, relpath: str, summary_of: Callable[[str], ArticleSummary | None]) -> list[Copy]:
    """The other articles of `relpath`'s duplicate groups, strong kinds first."""
    if view is None:
        return []
    found: list[Copy] = []
    seen: set[str] = set()
    for group in view.groups_of(relpath):
        for member in group.others(relpath):
            if member not in seen:
                seen.add(member)
                found.append(Copy(group.kind, member, summary_of(member)))
    return found


def duplicate_text(view: Any, relpath: str) -> str | None:
    return describe_copies(view, relpath) if view is not None else None


class CopiesBox(QGroupBox):
    """The other copies of the article shown; a click on one goes there."""

    copyChosen = Signal(str)  # relpath

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(tr("Copies"), parent)
        self.setObjectName("copiesBox")
        self.list = QLabel()
        self.list.setObjectName("copiesList")
        self.list.setTextFormat(Qt.TextFormat.RichText)
        self.list.setWordWrap(True)
        self.list.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.list.setAccessibleName(tr("Other copies of this story"))
        self.list.linkActivated.connect(self._on_link)
        QVBoxLayout(self).addWidget(self.list)
        self.copies: list[Copy] = []
        self._every = False  # all of them listed ("Show N more" was clicked)
        self.hide()

    def show_copies(self, copies: list[Copy], *, every: bool = False) -> None:
        """List `copies`: the first SHOWN of them, and a link to the rest (`every`: all
        of them). A story filed by twenty feeds must not cost the key that shows it a frame."""
        # The same copies again (the article's row refreshed after a write): as they were shown.
        every = every or (self._every and [c.relpath for c in copies] == [c.relpath for c in self.copies])
        self.copies, self._every = copies, every
        if not copies:
            self.hide()
            return
        items = []
        muted = palette.css(palette.tones().muted)
        listed = copies if every or len(copies) <= SHOWN + 1 else copies[:SHOWN]
        for n, copy in enumerate(listed):
            s = copy.summary
            title = html.escape(capped((s.title if s is not None else "") or copy.relpath, 300))
            meta = [tr(_KIND_WORDS[copy.kind]) if copy.kind in _KIND_WORDS else copy.kind]
            if s is not None:
                meta.append(tr(_STATE_WORDS[s.published]))
                meta.append(tr("quality {n}").format(n=number(s.quality)) if s.quality is not None else tr("no quality"))
                if s.provider:
                    meta.append(html.escape(capped(s.provider, 120)))
            meta.append(html.escape(capped(copy.relpath, 300)))
            items.append(f"<p style='margin:0 0 6px 0'><a href='copy:{n}'>{title}</a><br>"
                         f"<span style='color:{muted}'>{' · '.join(meta)}</span></p>")
        if len(listed) < len(copies):
            more = html.escape(tr("Show %Ln more", "", len(copies) - len(listed)))
            items.append(f"<p style='margin:0'><a href='more'>{more}</a></p>")
        strong = sum(1 for c in copies if c.kind != SIMILAR)
        similar = len(copies) - strong
        self.setTitle(tr("Copies (%Ln)", "", strong) if not similar else
                      tr("Copies (%Ln)", "", strong) + " " + tr("and similar (%Ln)", "", similar) if strong else
                      tr("Similar (%Ln)", "", similar))
        self.list.setText("".join(items))
        self.show()

    def _on_link(self, link: str) -> None:
        if link == "more":
            self.show_copies(self.copies, every=True)
        elif link.startswith("copy:"):
            number = int(link[5:])
            if 0 <= number < len(self.copies):
                self.copyChosen.emit(self.copies[number].relpath)
