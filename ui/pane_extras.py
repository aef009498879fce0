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
from ui.i18n import tr

_KIND_WORDS = {URL: "Same URL", "title": "Same title and provider", SIMILAR: "Similar title and excerpt"}
_STATE_WORDS = {True: "published", False: "unpublished", None: "not set"}


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
        self.hide()

    def show_copies(self, copies: list[Copy]) -> None:
        self.copies = copies
        if not copies:
            self.hide()
            return
        items = []
        muted = palette.css(palette.tones().muted)
        for number, copy in enumerate(copies):
            s = copy.summary
            title = html.escape(capped((s.title if s is not None else "") or copy.relpath, 300))
            meta = [_KIND_WORDS.get(copy.kind, copy.kind)]
            if s is not None:
                meta.append(_STATE_WORDS[s.published])
                meta.append(f"quality {s.quality}" if s.quality is not None else "no quality")
                if s.provider:
                    meta.append(html.escape(capped(s.provider, 120)))
            meta.append(html.escape(capped(copy.relpath, 300)))
            items.append(f"<p style='margin:0 0 6px 0'><a href='copy:{number}'>{title}</a><br>"
                         f"<span style='color:{muted}'>{' · '.join(meta)}</span></p>")
        strong = sum(1 for c in copies if c.kind != SIMILAR)
        self.setTitle(f"Copies ({strong})" if strong == len(copies) else
                      f"Copies ({strong}) and similar ({len(copies) - strong})" if strong else
                      f"Similar ({len(copies)})")
        self.list.setText("".join(items))
        self.show()

    def _on_link(self, link: str) -> None:
        if link.startswith("copy:"):
            number = int(link[5:])
            if 0 <= number < len(self.copies):
                self.copyChosen.emit(self.copies[number].relpath)
