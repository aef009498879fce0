"""File > Export View: the rows shown, in the view's order, with the visible
columns; the same bytes as `copydesk list --csv` for the same filter and order."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.cli import main
from app.queue.selection import Selection
from tests.ui.test_window_facets import desk, settle  # noqa: F401 (the fixture)
from ui import export_view
from ui.queue_model import Column


def _export(qtbot, window, path: Path) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(window.exporter.finished, timeout=10_000) as signal:
        window.exporter.export(path)
    assert signal.args == [str(path), ""]


def test_export_view_writes_the_bytes_list_csv_writes(qtbot, make_window, desk: Path, tmp_path: Path,
                                                      capsysbinary: pytest.CaptureFixture[bytes],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export_view, "PROGRESS_ROWS", 1)  # the progress dialog, as for a big view
    window = make_window(desk)
    assert window.export_action in window.menuBar().actions()[0].menu().actions()
    window.table.setColumnHidden(Column.FILE, False)  # the columns `list --csv` writes
    window.filters.apply(Selection().with_values("provider", ["Heise", "Ars"]))
    settle(qtbot, window)
    out = tmp_path / "view.csv"
    _export(qtbot, window, out)
    assert not (tmp_path / "view.csv.part").exists()
    capsysbinary.readouterr()
    assert main(["list", "--csv", "--no-index", "--provider", "Heise", "--provider", "Ars",
                 "--sort", "date", "--descending", str(desk)]) == 0
    printed = capsysbinary.readouterr().out
    assert out.read_bytes() == printed
    rows = list(csv.DictReader(io.StringIO(printed.decode("utf-8"), newline="")))
    assert len(rows) == 6 and rows[0]["file"] == "h3.md"  # newest first, as the window sorts by default


def test_export_follows_the_sort_and_the_visible_columns_and_writes_json(qtbot, make_window, desk: Path,
                                                                         tmp_path: Path) -> None:
    window = make_window(desk)
    header = window.table.horizontalHeader()
    window.table.setColumnHidden(Column.TOPICS, True)
    header.moveSection(header.visualIndex(Column.PROVIDER), header.visualIndex(Column.STATUS))  # first
    window.table.sortByColumn(Column.QUALITY, Qt.SortOrder.AscendingOrder)
    qtbot.waitUntil(lambda: not window.model.unsorted, timeout=5000)
    window.filters.apply(Selection(words=("security",)))
    settle(qtbot, window)
    out = tmp_path / "view.json"
    _export(qtbot, window, out)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert list(data[0]) == ["provider", "status", "quality", "title", "date", "heat"]
    assert [d["quality"] for d in data] == [20, 25, 30, 35]
    assert data[0]["title"] == "Heise copy of one"
