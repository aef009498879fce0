"""The facet panel: one section per facet of `app.queue.facets.FACETS`, each
value with how many articles it would match given the *other* facets and the
filter box's words (OR within a facet, AND across facets), values sorted by
count, a filter box for facets with many values, and Clear all.

The panel shows a `Selection` and the counts of its last evaluation; it never
filters anything itself. An editor's click emits `selectionChosen` with the
changed selection, and the window's `QueueFilters` takes it from there (the
rows, the chips, the counts), so the panel, the chips and `copydesk list`
share the one definition of each facet.

A range facet (quality, heat, date) has two bounds, typed (Enter applies) or
set by a click on one of its buckets (quality in tens, heat on a log scale,
dates by month); its counts are the buckets'.

GUI thread only.
"""
from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.queue.bounds import parse_bounds
from app.queue.facets import FACETS, Counts, Facet, bucket_bounds
from app.queue.selection import Selection
from ui import palette
from ui.i18n import tr

MAX_VALUES = 60  # values listed per facet (the chosen ones always are); the filter box finds the rest
_VALUE_ROLE = int(Qt.ItemDataRole.UserRole) + 10
_ROW_LIMIT = 8  # a list grows to this many rows, then scrolls


def _accent() -> str:
    return palette.css(QGuiApplication.palette().color(QPalette.ColorRole.Link))


def _count_text(label: str, count: int) -> str:
    return f"{label}   {count:,}"


class _Section(QWidget):
    """One facet: its heading, its values with counts, and (searchable) a filter box."""

    def __init__(self, panel: FacetPanel, spec: Facet) -> None:
        super().__init__()
        self.panel = panel
        self.spec = spec
        self.setObjectName(f"facet_{spec.name}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 4)
        layout.setSpacing(2)
        self.heading = QLabel(f"<b>{spec.label}</b>")
        self.heading.setToolTip(spec.tip)
        layout.addWidget(self.heading)
        self.search: QLineEdit | None = None
        if spec.searchable:
            self.search = QLineEdit()
            self.search.setObjectName(f"facetSearch_{spec.name}")
            self.search.setPlaceholderText(f"Find a {spec.label.lower()}…")
            self.search.setClearButtonEnabled(True)
            self.search.setAccessibleName(f"Find a {spec.label.lower()}")
            self.search.textChanged.connect(lambda _t: self.refill())
            layout.addWidget(self.search)
        self.low: QLineEdit | None = None
        self.high: QLineEdit | None = None
        if spec.kind == "range":
            bounds = QWidget()
            row = QHBoxLayout(bounds)
            row.setContentsMargins(0, 0, 0, 0)
            self.low, self.high = QLineEdit(), QLineEdit()
            for edit, word in ((self.low, "from"), (self.high, "to")):
                edit.setObjectName(f"facet{word.title()}_{spec.name}")
                edit.setPlaceholderText(word)
                edit.setAccessibleName(f"{spec.label} {word}")
                edit.setToolTip(_RANGE_TIPS[spec.name])
                edit.returnPressed.connect(self._bounds_typed)
                edit.editingFinished.connect(self._bounds_typed)
                row.addWidget(edit)
            layout.addWidget(bounds)
        self.values = QListWidget()
        self.values.setObjectName(f"facetValues_{spec.name}")
        self.values.setAccessibleName(spec.label)
        self.values.setFrameShape(QFrame.Shape.NoFrame)
        self.values.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.values.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.values.itemChanged.connect(self._on_item_changed)
        self.values.itemActivated.connect(self._on_bucket)
        self.values.itemClicked.connect(self._on_bucket)
        layout.addWidget(self.values)
        self.counts: Counts = []
        self._filled: object = None  # what the list shows now: refilled only when that changes

    # --- filling ------------------------------------------------------------------
    def show_counts(self, counts: Counts | None) -> None:
        if counts is not None:
            self.counts = counts
        self.refill()

    def refill(self) -> None:
        spec, selection = self.spec, self.panel.selection
        chosen = set(selection.chosen(spec.name)) if spec.kind == "values" else set()
        needle = self.search.text().casefold().strip() if self.search is not None else ""
        state = (tuple(self.counts), tuple(sorted(chosen)), needle, selection.range_of(spec.name)
                 if spec.kind == "range" else None)
        if state == self._filled:
            return  # (after one changed row, most facets' counts are what they were)
        self._filled = state
        counts = self.counts  # in the core's order (`values_counts`): by count, most first; "(none)" last
        shown = [(v, n) for v, n in counts if v in chosen or not needle or needle in spec.value_label(v).casefold()]
        rest = 0
        if len(shown) > MAX_VALUES:
            keep = [item for item in shown if item[0] in chosen]
            others = [item for item in shown if item[0] not in chosen]
            rest = len(others) - (MAX_VALUES - len(keep))
            shown = keep + others[:MAX_VALUES - len(keep)]
        with QSignalBlocker(self.values):
            self.values.clear()
            for value, count in shown:
                label = spec.value_label(value) if spec.kind == "values" else (value or "(none)")
                item = QListWidgetItem(_count_text(label, count))
                item.setData(_VALUE_ROLE, value)
                item.setToolTip(f"{spec.label}: {label} — {count:,} article{'s' if count != 1 else ''}")
                if spec.kind == "values":
                    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
                    item.setCheckState(Qt.CheckState.Checked if value in chosen else Qt.CheckState.Unchecked)
                    if count == 0 and value not in chosen:
                        item.setForeground(self.palette().placeholderText())
                else:
                    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                    if value == "":
                        item.setFlags(Qt.ItemFlag.NoItemFlags)  # no value: not a range to pick
                self.values.addItem(item)
            if rest > 0:
                more = QListWidgetItem(f"… {rest:,} more" + (" (type to find)" if self.search is not None else ""))
                more.setFlags(Qt.ItemFlag.NoItemFlags)
                self.values.addItem(more)
        # Sizes, visibility and the heading only when they change: each change lays the dock out again.
        rows = min(self.values.count(), _ROW_LIMIT)
        height = max(1, rows) * max(18, self.values.sizeHintForRow(0)) + 4
        if self.values.height() != height or self.values.minimumHeight() != height:
            self.values.setFixedHeight(height)
        if self.values.isVisibleTo(self) != (self.values.count() > 0):
            self.values.setVisible(self.values.count() > 0)
        active = selection.constrains(spec.name)
        heading = f"<b>{tr(spec.label)}</b>" + (f" <span style='color:{_accent()}'>●</span>" if active else "")
        if self.heading.text() != heading:
            self.heading.setText(heading)
        if self.low is not None and self.high is not None:
            low, high = selection.range_of(spec.name)
            for edit, value in ((self.low, low), (self.high, high)):
                if not edit.hasFocus():
                    with QSignalBlocker(edit):
                        edit.setText(_bound_text(value))
                        edit.setStyleSheet("")

    def items(self) -> list[tuple[str, str, bool]]:
        """(value, text, checked) of each listed value (for tests and accessibility)."""
        out = []
        for row in range(self.values.count()):
            item = self.values.item(row)
            value = item.data(_VALUE_ROLE)
            if value is not None:
                out.append((value, item.text(), item.checkState() == Qt.CheckState.Checked))
        return out

    # --- an editor's clicks -------------------------------------------------------------
    def _on_item_changed(self, item: QListWidgetItem) -> None:
        value = item.data(_VALUE_ROLE)
        if value is not None and self.spec.kind == "values":
            self.panel.choose(self.panel.selection.toggled(self.spec.name, value))

    def _on_bucket(self, item: QListWidgetItem) -> None:
        value = item.data(_VALUE_ROLE)
        if self.spec.kind != "range" or not value:
            return
        low, high = bucket_bounds(self.spec.name, value)
        with contextlib.suppress(ValueError):  # (a bucket's bounds always read)
            self.panel.choose(self.panel.selection.with_range(self.spec.name, *parse_bounds(self.spec.name, low, high)))

    def _bounds_typed(self) -> None:
        assert self.low is not None and self.high is not None
        try:
            bounds = parse_bounds(self.spec.name, self.low.text(), self.high.text())
        except ValueError as exc:  # said where the editor looks, in the words `copydesk list` uses
            refused = f"QLineEdit {{ border: 1px solid {palette.css(palette.tones().error_text)}; }}"
            for box in (self.low, self.high):
                box.setStyleSheet(refused)
                box.setToolTip(tr("Not applied: {why}").format(why=exc))
            return
        for box in (self.low, self.high):
            box.setStyleSheet("")
            box.setToolTip(_RANGE_TIPS[self.spec.name])
        changed = self.panel.selection.with_range(self.spec.name, *bounds)
        if changed != self.panel.selection:
            self.panel.choose(changed)


_RANGE_TIPS = {
    "quality": "A whole number from 0 to 100; either bound may stay empty. Enter applies.",
    "heat": "A number; either bound may stay empty. Enter applies.",
    "date": "A day (2022-02-01), a month (2022-02) or a year (2022); either may stay empty. Enter applies.",
}


def _bound_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


class FacetPanel(QWidget):
    """Every facet's section in a scrolling column, with Clear all at the top."""

    selectionChosen = Signal(object)  # the Selection an editor's click asks for

    def __init__(self, parent: QWidget | None = None, *, facets: Sequence[Facet] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("facetPanel")
        self.selection = Selection()
        facets = tuple(facets) if facets is not None else FACETS
        top = QHBoxLayout()
        self.summary = QLabel()
        self.summary.setObjectName("facetSummary")
        self.clear_all = QPushButton(tr("Clear all"))
        self.clear_all.setObjectName("facetClearAll")
        self.clear_all.setToolTip(tr("Remove every facet's choice (the quick filter and the filter box stay)"))
        self.clear_all.clicked.connect(lambda: self.choose(self.selection.without_facets()))
        top.addWidget(self.summary, 1)
        top.addWidget(self.clear_all)
        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(6, 0, 6, 6)
        self.sections: dict[str, _Section] = {}
        for spec in facets:
            section = self.sections[spec.name] = _Section(self, spec)
            section.setVisible(not spec.needs)  # "review": once the folder's audit trail is read
            column.addWidget(section)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(body)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        top.setContentsMargins(6, 0, 6, 0)
        layout.addLayout(top)
        layout.addWidget(scroll, 1)
        self._show_summary(None)

    def show_state(self, selection: Selection, counts: dict[str, Counts] | None = None,
                   shown: int | None = None) -> None:
        """Show `selection`, with these counts (None: keep the last ones until new ones come)."""
        self.selection = selection
        for name, section in self.sections.items():
            section.show_counts(counts.get(name) if counts is not None else None)
        self._show_summary(shown)

    def _show_summary(self, shown: int | None) -> None:
        active = sum(1 for name in self.sections if self.selection.constrains(name))
        self.clear_all.setEnabled(active > 0)
        parts = []
        if shown is not None:
            parts.append(f"{shown:,} shown")
        if active:
            parts.append(f"{active} facet{'s' if active != 1 else ''} set")
        if shown is not None or not self.summary.text():
            self.summary.setText(" · ".join(parts))

    def choose(self, selection: Selection) -> None:
        if selection != self.selection:
            self.selection = selection
            self.selectionChosen.emit(selection)

    def set_available(self, needs: str, available: bool) -> None:
        """Show the facets that need `needs` (the audit trail's "review") or hide them."""
        for section in self.sections.values():
            if section.spec.needs == needs:
                section.setVisible(available)

    def section(self, name: str) -> _Section:
        return self.sections[name]
