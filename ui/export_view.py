"""File > Export View: the rows the current filter shows, in the current sort
order, with the visible columns (in their on-screen order), to CSV or JSON,
through `app.queue.export` (what `copydesk list --csv` writes too, so the
same rows and columns give the same bytes).

The rows and columns are taken on the GUI thread (a list of references);
the writing runs on a lane (`copydesk-export`) into `NAME.part`, renamed
over NAME when complete, so a cancelled or failed export leaves no half
file. Views of `PROGRESS_ROWS` rows or more show a progress dialog that can
cancel.

GUI thread only (the lane's work touches only the rows handed to it).
"""
from __future__ import annotations

import os
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QFileDialog, QProgressDialog

from app.queue.export import EXPORT_COLUMNS, Cancelled, write_csv, write_json
from ui.background import Lane
from ui.i18n import number, tr

PROGRESS_ROWS = 5000


class ViewExporter(QObject):
    progressed = Signal(int, int)  # done, total (emitted on the lane's thread; delivered queued)
    finished = Signal(str, str)  # path, "" or why it failed ("cancelled" when cancelled)

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self._lane = Lane("copydesk-export", 1, parent=self)
        self._cancel = False
        self.dialog: QProgressDialog | None = None
        self.progressed.connect(self._on_progress)

    # --- what is exported -------------------------------------------------------------
    def columns(self) -> list[int]:
        """The visible columns in their on-screen order (a thumbnail column as the image's url)."""
        header = self.window.table.horizontalHeader()
        shown = [c for c in range(header.count()) if not header.isSectionHidden(c) and c in EXPORT_COLUMNS]
        return sorted(shown, key=header.visualIndex)

    def rows(self) -> list[Any]:
        proxy = self.window.proxy
        return self.window.model.table.rows_of(proxy.shown_ids())

    # --- exporting ----------------------------------------------------------------------
    def choose_and_export(self) -> None:
        start = str(Path(self.window.folder or Path.home()) / "copydesk-view.csv")
        path, chosen = QFileDialog.getSaveFileName(self.window, tr("Export View"), start,
                                                   tr("CSV (*.csv);;JSON (*.json)"))
        if path:
            if not Path(path).suffix:
                path += ".json" if chosen.startswith("JSON") else ".csv"
            self.export(path)

    def export(self, path: str | os.PathLike[str], fmt: str | None = None) -> Future[Any] | None:
        """Write the view to `path` (`fmt`: "csv" or "json"; by default from the suffix)."""
        path = str(path)
        fmt = fmt or ("json" if path.lower().endswith(".json") else "csv")
        rows, columns = self.rows(), self.columns()
        self._cancel = False
        if len(rows) >= PROGRESS_ROWS:
            self.dialog = QProgressDialog(tr("Exporting {n} rows…").format(n=number(len(rows))), tr("Cancel"), 0, len(rows), self.window)
            self.dialog.setWindowTitle(tr("Export View"))
            self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
            self.dialog.setMinimumDuration(300)
            self.dialog.canceled.connect(self._on_cancel)
        self.window.status.show_write(tr("Exporting {n} rows to {path}…").format(n=number(len(rows)), path=path))
        return self._lane.run(self._write, path, fmt, rows, columns, done=lambda why: self._done(path, len(rows), why))

    def _write(self, path: str, fmt: str, rows: list[Any], columns: list[int]) -> str:  # on the lane
        part = path + ".part"
        writer = write_json if fmt == "json" else write_csv
        try:
            with open(part, "w", encoding="utf-8", errors="surrogateescape", newline="") as out:
                writer(rows, columns, out, on_progress=self.progressed.emit, cancelled=lambda: self._cancel)
            os.replace(part, path)
        except Cancelled:
            _remove(part)
            return "cancelled"
        except OSError as exc:
            _remove(part)
            return exc.strerror or str(exc)
        return ""

    def _on_progress(self, done: int, total: int) -> None:
        if self.dialog is not None:
            self.dialog.setValue(done)
        self.window.status.show_write(tr("Exporting… {done} of {total} rows").format(done=number(done), total=number(total)))

    def _on_cancel(self) -> None:
        self._cancel = True

    def _done(self, path: str, count: int, why: str) -> None:
        if self.dialog is not None:
            self.dialog.reset()
            self.dialog.deleteLater()
            self.dialog = None
        if why == "cancelled":
            self.window.status.show_write(tr("Export cancelled"))
        elif why:
            self.window.status.show_write(tr("Cannot export to {path}: {reason}").format(path=path, reason=why))
        else:
            self.window.status.show_write(tr("Exported %n row(s) to {path}", "", count).format(path=path))
        self.finished.emit(path, why)


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass
