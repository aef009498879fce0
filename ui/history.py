"""The detail pane's History section: each logged decision about the selected
article, newest first: editor, time (relative, and absolute on the same line),
old -> new and the reason.

The entries come from the open queue's `ReviewBook` (`history(relpath)`, a
quick read under its lock: the logs were parsed off the GUI thread). The
window refreshes the section when the article changes, when its History
changes (our decisions, another editor's lines arriving), and once a minute
for the relative times.

GUI thread only.
"""
from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from PySide6.QtCore import QDateTime, QLocale, Qt
from PySide6.QtWidgets import QGroupBox, QLabel, QVBoxLayout, QWidget

from app.decisions import describe_value
from ui.i18n import count, tr

SHOWN = 50  # entries listed; older ones are counted


def relative_time(moment: datetime, now: datetime) -> str:
    seconds = max(0, int((now - moment).total_seconds()))
    if seconds < 60:
        return tr("just now")
    minutes = seconds // 60
    if minutes < 60:
        return count(minutes, tr("%Ln minute ago", "", minutes), tr("%Ln minutes ago", "", minutes))
    hours = minutes // 60
    if hours < 48:
        return count(hours, tr("%Ln hour ago", "", hours), tr("%Ln hours ago", "", hours))
    days = hours // 24
    return count(days, tr("%Ln day ago", "", days), tr("%Ln days ago", "", days))


def parse_time(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _value(name: str, value: Any) -> str:
    if name == "review":
        return tr("reviewed")
    return describe_value(name, value)


def entry_text(entry: Any, now: datetime) -> str:
    """One entry as rich text: "<b>Ana</b> · 5 minutes ago (2026-12-03 11:15) · published: unpublished → published · duplicate"."""
    moment = parse_time(entry.time)
    if moment is None:
        when = html.escape(entry.time)
    else:
        local = QDateTime.fromSecsSinceEpoch(int(moment.timestamp())).toLocalTime()
        absolute = QLocale().toString(local, QLocale.FormatType.ShortFormat)
        when = tr("{relative} ({absolute})").format(relative=relative_time(moment, now), absolute=absolute)
    if entry.field == "review":
        what = tr("marked reviewed")
    else:
        what = tr("{field}: {old} → {new}").format(field=entry.field, old=_value(entry.field, entry.old),
                                                  new=_value(entry.field, entry.new))
    editor = entry.editor or tr("unknown editor")
    parts = ["<b>" + html.escape(editor) + "</b>", html.escape(when), html.escape(what)]
    if entry.reason:
        parts.append(html.escape(tr("reason: {reason}").format(reason=entry.reason)))
    if entry.source in ("undo", "bulk", "cli"):
        parts.append(html.escape(tr("({source})").format(source=entry.source)))
    return " · ".join(parts)


class HistoryView(QGroupBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(tr("History"), parent)
        self.setObjectName("history")
        self.label = QLabel()
        self.label.setObjectName("historyEntries")
        self.label.setAccessibleName(tr("History of decisions"))
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        QVBoxLayout(self).addWidget(self.label)
        self.relpath: str | None = None
        self.entries: list[Any] = []
        self.hide()

    def show_entries(self, relpath: str | None, entries: Sequence[Any], *, available: bool = True) -> None:
        """`entries` newest first; `available`: the queue's logs have been read."""
        self.relpath = relpath
        self.entries = list(entries)
        if relpath is None:
            self.hide()
            return
        if not available:
            self.label.setText(html.escape(tr("Reading the audit trail…")))
        elif not entries:
            self.label.setText(html.escape(tr("No decision about this article is logged: it needs review.")))
        else:
            now = datetime.now(timezone.utc)
            lines = [entry_text(e, now) for e in self.entries[:SHOWN]]
            older = len(self.entries) - SHOWN
            if older > 0:
                lines.append(html.escape(count(older, tr("and %Ln older decision", "", older),
                                               tr("and %Ln older decisions", "", older))))
            self.label.setText("<br>".join(lines))
        self.show()

    def lines(self) -> list[str]:
        """The entries as plain text (tests, accessibility)."""
        now = datetime.now(timezone.utc)
        return [html.unescape(entry_text(e, now).replace("<b>", "").replace("</b>", "")) for e in self.entries]
