"""The active filter as removable chips above the queue: one per part of the
`Selection` (the quick filter, each word of the filter box, each facet value,
each range), from `Selection.chips()`, so the chips say what the core filters
by. A click on a chip's × removes that part (`selectionChosen` carries the
selection without it); "Clear filter" removes all of them. Hidden when
nothing is filtered.

GUI thread only.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

from app.queue.selection import Selection
from ui import palette
from ui.i18n import tr



class FilterChips(QWidget):
    selectionChosen = Signal(object)  # the Selection without the chip clicked

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filterChips")
        self.setAccessibleName(tr("Active filter"))
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(4)
        self._label = QLabel(tr("Filter:"))
        self._layout.addWidget(self._label)
        self._chips: list[QToolButton] = []
        self._clear = QToolButton()
        self._clear.setText(tr("Clear filter"))
        self._clear.setObjectName("clearFilter")
        self._clear.setAutoRaise(True)
        self._clear.setToolTip(tr("Show every article: no quick filter, no words, no facets"))
        self._clear.clicked.connect(lambda: self.selectionChosen.emit(Selection()))
        self._layout.addStretch(1)
        self._layout.addWidget(self._clear)
        self.selection = Selection()
        self.hide()

    def show_selection(self, selection: Selection) -> None:
        if selection == self.selection and (self._chips or selection.everything):
            return
        self.selection = selection
        for chip in self._chips:
            self._layout.removeWidget(chip)
            chip.deleteLater()
        self._chips = []
        for n, chip in enumerate(selection.chips()):
            button = QToolButton()
            button.setObjectName("filterChip")
            button.setText(f"{chip.label}  ×")
            button.setToolTip(tr("{tip}\nClick to remove").format(tip=chip.tip))
            button.setAccessibleName(tr("Remove filter {label}").format(label=chip.label))
            button.setStyleSheet(palette.tones().badge("unset").style("QToolButton", "border-radius: 10px; padding: 1px 8px;"))
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.clicked.connect(lambda _=False, without=chip.without: self.selectionChosen.emit(without))
            self._layout.insertWidget(1 + n, button)
            self._chips.append(button)
        self.setVisible(bool(self._chips))

    def labels(self) -> list[str]:
        return [chip.text().removesuffix("  ×") for chip in self._chips]

    def chip(self, label: str) -> QToolButton:
        return next(c for c in self._chips if c.text().removesuffix("  ×") == label)
