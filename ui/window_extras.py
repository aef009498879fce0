"""What issue-sized features add to the window, wired here so the main window
stays small: the facet dock's entry in View, File > Export View, the
duplicate groups from the queue into the table, the pane's copies (a click
goes there) and warnings, and the picture-size warning once the image loader
has the real size.

GUI thread only.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtGui import QAction

from app.queue.selection import Selection
from ui.export_view import ViewExporter
from ui.pane_extras import copies_of, duplicate_text
from ui.i18n import tr


def install_window_extras(window: Any) -> None:
    bar = window.menuBar()
    menus = {action.text().replace("&", ""): action.menu() for action in bar.actions() if action.menu()}
    window.exporter = ViewExporter(window)
    export = QAction(tr("&Export View…"), window)
    export.setObjectName("exportView")
    export.setToolTip(tr("Write the rows shown (this filter, this order, the visible columns) to CSV or JSON"))
    export.triggered.connect(window.exporter.choose_and_export)
    window.export_action = export
    file_menu = menus.get("File")
    if file_menu is not None:
        quit_action = window.actions_by_name.get("quit")
        if quit_action is not None and quit_action in file_menu.actions():
            file_menu.insertAction(quit_action, export)
            file_menu.insertSeparator(quit_action)
        else:
            file_menu.addAction(export)

    model, detail = window.model, window.detail
    window.bridge.duplicatesChanged.connect(lambda _view, changed: _refresh_pane(window, changed))

    def extras_of(relpath: str) -> tuple[tuple[str, ...], str | None, list[Any]]:
        view = model.duplicates
        return (model.extra_warnings.get(relpath, ()), duplicate_text(view, relpath),
                copies_of(view, relpath, model.summary))

    detail.extras_of = extras_of
    detail.copies_box.copyChosen.connect(lambda relpath: go_to(window, relpath))
    strip = detail.image_strip
    if strip is not None:
        strip.settled.connect(lambda _generation: _check_picture_sizes(window))


def _refresh_pane(window: Any, changed: Any) -> None:
    """The groups changed (the table's columns already follow: `QueueFilters`): the pane's copies too."""
    current = window.table.current_relpath()
    if current is not None and (changed is None or current in changed):
        summary = window.model.summary(current)
        if summary is not None and summary.error is None and window.detail.relpath == current:
            window.detail.show_warnings(summary)


def go_to(window: Any, relpath: str) -> None:
    """Select `relpath` in the queue; when the filter hides it, the filter is cleared first."""
    if window.model.summary(relpath) is None:
        window.show_notice(tr("{path} is no longer in the queue").format(path=relpath), 6000)
        return
    if window.table.row_of_relpath(relpath) < 0:
        window.filters.apply(Selection())
        window.show_notice(tr("Filter cleared to show the copy"), 6000)
    row = window.table.row_of_relpath(relpath)
    if row >= 0:
        window._auto_select = False  # the editor chose where to be
        window.table.select_row(row)
        window.table.scrollTo(window.proxy.index(row, 0))
        window.table.setFocus()


def _check_picture_sizes(window: Any) -> None:
    """Every picture of the pane's article is loaded: a declared width and height
    that differ from the real ones become a warning of that article."""
    detail = window.detail
    relpath = detail.relpath
    strip = detail.image_strip
    if relpath is None or strip is None or detail.article is None or window.model.summary(relpath) is None:
        return  # (before the article is read, the strip shows none of its pictures yet)
    images = list(detail.article.images) if detail.article is not None else []
    found = []
    for tile in strip.tiles():
        text = getattr(tile, "mismatch_text", "")
        if text and tile.image is not None:
            number = next((n for n, image in enumerate(images) if image is tile.image), None)
            where = f"images[{number}]" if number is not None else "images"
            found.append(f"{where}: {text} (the picture's size differs from the declared width and height)")
    if window.model.set_extra_warnings(relpath, tuple(found)):
        summary = window.model.summary(relpath)
        if summary is not None:
            detail.show_warnings(summary)
