"""What one cell of the queue shows: text, icon, colour, font, tooltip, for a
row's summary plus the window's overlay (a value being written, the last
failed write). Shared by the table model and its filtered view.

GUI thread only (brushes, fonts, icons).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QFont

from app.article.mapping import DEFAULT_MAPPING
from app.article.summary import ArticleSummary
from app.queue.table import SortColumn
from ui import palette
from ui.i18n import QT_TR_NOOP, tr
from ui.icons import marks_icon, status_icon
from ui.text import capped


class Column(IntEnum):
    STATUS = SortColumn.STATUS
    QUALITY = SortColumn.QUALITY
    TITLE = SortColumn.TITLE
    PROVIDER = SortColumn.PROVIDER
    DATE = SortColumn.DATE
    TOPICS = SortColumn.TOPICS
    HEAT = SortColumn.HEAT
    FILE = SortColumn.FILE
    IMAGE = SortColumn.IMAGE  # thumbnail, painted by ui.images' delegate; hidden unless View > Thumbnails
    REVIEW = SortColumn.IMAGE + 1  # the review state from the audit trail (ui.review_column); sorts by path


HEADERS = {
    Column.STATUS: QT_TR_NOOP("Status"),
    Column.QUALITY: QT_TR_NOOP("Quality"),
    Column.TITLE: QT_TR_NOOP("Title"),
    Column.PROVIDER: QT_TR_NOOP("Provider"),
    Column.DATE: QT_TR_NOOP("Date"),
    Column.TOPICS: QT_TR_NOOP("Topics"),
    Column.HEAT: QT_TR_NOOP("Heat"),
    Column.FILE: QT_TR_NOOP("File"),
    Column.IMAGE: QT_TR_NOOP("Image"),
    Column.REVIEW: QT_TR_NOOP("Review"),
}

RELPATH_ROLE = int(Qt.ItemDataRole.UserRole) + 1
SUMMARY_ROLE = int(Qt.ItemDataRole.UserRole) + 2
# Roles as plain ints: a cell's value is asked for thousands of times per second while painting.
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_ACCESSIBLE_TEXT = int(Qt.ItemDataRole.AccessibleTextRole)
_DECORATION = int(Qt.ItemDataRole.DecorationRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_FONT = int(Qt.ItemDataRole.FontRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_MUTED_COLUMNS = frozenset((Column.FILE, Column.DATE))
_NUMBER_COLUMNS = frozenset((Column.QUALITY, Column.HEAT))
SHOWN_IN_ROW = 500  # characters of a value a table cell shows (a cell shows far fewer anyway)


@dataclass(slots=True)
class Overlay:
    """The window's own state of a row, on top of what is on disk."""

    pending: dict[str, Any] = field(default_factory=dict)  # field -> value being written
    pending_jobs: int = 0
    write_error: str = ""  # the last failed write's message, until the next success


_NO_OVERLAY = Overlay()


@dataclass(frozen=True, slots=True)
class Landed:
    """A write that came back (`ArticleTableModel.end_writes`): what is on disk now."""

    relpath: str
    ok: bool
    disk_values: dict[str, Any] | None
    message: str = ""  # why it failed
    row: ArticleSummary | None = None  # the file's new row, when the write brought one

    @classmethod
    def of(cls, outcome: Any) -> Landed:
        """What an `app.decisions.Outcome` leaves on disk: a failed write its message, any other its new row."""
        if outcome.status == "failed":
            return cls(outcome.path, False, dict(outcome.disk), outcome.message)
        return cls(outcome.path, True, dict(outcome.disk), row=outcome.row)


@dataclass(slots=True)
class RowState:
    """A row as the window shows it: the summary on disk and the overlay."""

    summary: ArticleSummary
    pending: dict[str, Any] = field(default_factory=dict)
    pending_jobs: int = 0
    write_error: str = ""


def status_kind(summary: ArticleSummary, overlay: Overlay = _NO_OVERLAY) -> str:
    if summary.error:
        return "error"
    if overlay.pending_jobs:
        return "pending"
    if overlay.write_error:
        return "failed"
    if summary.published is True:
        return "published"
    if summary.published is False:
        return "unpublished"
    return "unset"


_STATUS_TEXT = {"error": QT_TR_NOOP("Error"), "published": QT_TR_NOOP("Published"),
                "unpublished": QT_TR_NOOP("Unpublished"), "unset": QT_TR_NOOP("Not set"),
                "pending": QT_TR_NOOP("Saving…"), "failed": QT_TR_NOOP("Not saved")}


def format_date(text: str) -> str:
    """`2022-02-01T20:02:00Z` -> `2022-02-01 20:02`: the date as written, only tidier."""
    if len(text) >= 16 and text[4] == "-" and text[10] in "T ":
        return f"{text[:10]} {text[11:16]}"
    return text


def format_heat(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _invalid(summary: ArticleSummary) -> dict[str, str]:
    return dict(summary.invalid)


class Cells:
    """Cell values for every role; one instance per model (it holds the brushes)."""

    def __init__(self) -> None:
        self._italic = QFont()
        self._italic.setItalic(True)
        self.mapping = DEFAULT_MAPPING  # the queue's: tooltips name the file's own keys (Hugo's `draft`)
        # Translated once: a cell's text is asked for thousands of times a second while painting.
        self._status_text = {kind: tr(text) for kind, text in _STATUS_TEXT.items()}
        self._publishing = (tr("Publishing…"), tr("Unpublishing…"))
        self._generation = -1
        # relpath -> (icon, words): claims of a team queue (ui.claims), shown on the title
        self.claims: dict[str, tuple[Any, str]] = {}
        self._restyle()

    def _restyle(self) -> None:
        # From the palette in use (ui.palette), again whenever the application's changes.
        self._generation = palette.generation()
        tones = palette.tones()
        self._muted = QBrush(tones.muted)
        self._error_brush = QBrush(tones.error_text)

    def value(self, s: ArticleSummary, overlay: Overlay, column: int, role: int,
              marks: tuple[int, int] = (0, 1)) -> Any:
        """`marks`: the row's (warnings, articles in its duplicate group), for the title's badges."""
        if role == _DISPLAY or role == _ACCESSIBLE_TEXT:
            text = capped(self._display(s, overlay, column), SHOWN_IN_ROW)
            if role == _ACCESSIBLE_TEXT and column == Column.TITLE and marks != (0, 1):
                text = f"{text} ({marks_text(marks)})"
            return text
        if role == _DECORATION:
            return self._decoration(s, overlay, column, marks)
        if role == _FOREGROUND:
            return self._foreground(s, overlay, column)
        if role == _FONT:
            return self._font(overlay, column)
        if role == _ALIGNMENT:
            return _alignment(column)
        if role == _TOOLTIP:
            tip = self._tooltip(s, overlay, column, marks)
            return capped(tip) if tip else None
        if role == RELPATH_ROLE:
            return s.path
        if role == SUMMARY_ROLE:
            return s
        return None

    def painted(self, s: ArticleSummary, overlay: Overlay, column: int, marks: tuple[int, int]) -> tuple[Any, ...]:
        """(text, icon, foreground, font, alignment) as `value` gives them, in one
        call: what `ui.queue_delegate` paints, for every visible cell of a paint."""
        return (capped(self._display(s, overlay, column), SHOWN_IN_ROW), self._decoration(s, overlay, column, marks),
                self._foreground(s, overlay, column), self._font(overlay, column), _alignment(column))

    def _font(self, overlay: Overlay, column: int) -> QFont | None:
        return self._italic if overlay.pending and _shows_pending(column, overlay) else None

    def _decoration(self, s: ArticleSummary, overlay: Overlay, column: int, marks: tuple[int, int]) -> Any:
        if column == Column.STATUS:
            return status_icon(status_kind(s, overlay))
        if column == Column.TITLE and self.claims and (claim := self.claims.get(s.path)) is not None:
            return claim[0]  # (a claim's flag first; the warnings and copies are in the tooltip then)
        if column == Column.TITLE and marks != (0, 1) and not s.error:
            return marks_icon(min(marks[0], 1), marks[1])
        return None

    def _foreground(self, s: ArticleSummary, overlay: Overlay, column: int) -> QBrush | None:
        if self._generation != palette.generation():
            self._restyle()
        if s.error or (overlay.write_error and column == Column.STATUS):
            return self._error_brush
        if column in _MUTED_COLUMNS or (column == Column.QUALITY and s.quality is None
                                        and "quality" not in overlay.pending) \
                or (column == Column.TITLE and not s.title):  # an untitled article: its file name, dimmed
            return self._muted
        return None

    def _display(self, s: ArticleSummary, overlay: Overlay, column: int) -> str:
        pending = overlay.pending
        if column == Column.STATUS:
            kind = status_kind(s, overlay)
            if kind == "pending" and "published" in pending:
                return self._publishing[0] if pending["published"] else self._publishing[1]
            return self._status_text[kind]
        if column == Column.QUALITY:
            if "quality" in pending:
                return str(pending["quality"])
            if s.quality is not None:
                return str(s.quality)
            raw = _invalid(s).get("quality")
            return f"{raw}?" if raw else "—"
        if column == Column.TITLE:
            return s.title if s.title and not s.error else s.path.rsplit("/", 1)[-1]
        if column == Column.PROVIDER:
            return s.provider
        if column == Column.DATE:
            return format_date(s.published_at)
        if column == Column.TOPICS:
            return ", ".join(s.topics)
        if column == Column.HEAT:
            return format_heat(s.heat)
        if column == Column.IMAGE:
            return ""
        return s.path

    def _tooltip(self, s: ArticleSummary, overlay: Overlay, column: int,
                 marks: tuple[int, int] = (0, 1)) -> str | None:
        if s.error:
            return f"{s.path}: {s.error}"
        if overlay.write_error and column in (Column.STATUS, Column.QUALITY, Column.TITLE):
            return tr("Not saved: {message}").format(message=overlay.write_error)
        if column == Column.TITLE:
            title = s.title or tr("No title: {path}").format(path=s.path)
            claim = self.claims.get(s.path) if self.claims else None
            return "\n".join(p for p in (title, claim[1] if claim is not None else "", marks_tip(s, marks)) if p)
        if column == Column.DATE:
            return s.published_at or None
        invalid = _invalid(s)
        mapping = self.mapping
        if column == Column.QUALITY and s.quality is None and invalid.get("quality"):
            return tr("{key} on disk is {value}, not a number from {low} to {high}").format(
                key=mapping.quality_key, value=invalid["quality"], low=mapping.quality_min, high=mapping.quality_max)
        if column == Column.STATUS and s.published is None and invalid.get("published"):
            return tr("{key} on disk is {value}, not true or false").format(key=mapping.published_key,
                                                                             value=invalid["published"])
        if s.warnings and column == Column.STATUS:
            return "\n".join(s.warnings)
        if column in (Column.TOPICS, Column.FILE, Column.PROVIDER):
            return self._display(s, overlay, column) or None
        return None


def marks_text(marks: tuple[int, int]) -> str:
    warnings, copies = marks
    parts = []
    if warnings:
        parts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
    if copies > 1:
        parts.append(f"one of {copies} copies")
    return ", ".join(parts)


def marks_tip(s: ArticleSummary, marks: tuple[int, int]) -> str:
    if marks == (0, 1):
        return ""
    lines = []
    if marks[1] > 1:
        lines.append(f"Duplicate: one of {marks[1]} copies of this story (the pane lists them)")
    if marks[0]:
        lines.append(f"{marks[0]} warning{'s' if marks[0] != 1 else ''}:")
        lines += [f"⚠ {w}" for w in s.warnings]
    return "\n".join(lines)


def _alignment(column: int) -> int | None:
    return _RIGHT if column in _NUMBER_COLUMNS else None


def _shows_pending(column: int, overlay: Overlay) -> bool:
    return ((column == Column.STATUS and "published" in overlay.pending)
            or (column == Column.QUALITY and "quality" in overlay.pending))


_HORIZONTAL = Qt.Orientation.Horizontal


_HEADERS = {int(column): text for column, text in HEADERS.items()}


def header_data(section: int, orientation: Qt.Orientation, role: int) -> Any:
    # Translated when asked (a header is asked for a few times per repaint, not per cell),
    # so the words follow the translators installed at that moment.
    if orientation == _HORIZONTAL and (text := _HEADERS.get(section)) is not None:
        if role == _DISPLAY:
            return tr(text)
        if role == _TOOLTIP:
            return tr("Sort by {column}").format(column=tr(text))
    return None
