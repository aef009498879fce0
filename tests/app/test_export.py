"""Exports read back as they were written: CSV with commas, quotes, line breaks
and non-ASCII in titles; JSON with lists and nulls; and `copydesk list --csv`
is the same writer."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from app.article.summary import ArticleSummary
from app.cli import main
from app.queue.export import LIST_COLUMNS, Cancelled, write_csv, write_json

TITLES = ('Plain', 'Commas, and more, commas', 'She said "no" — twice', 'Line one\nline two\r\nthree',
          'Zürich’s naïve café – 東京', '"', ',', '', ' leading and trailing ')


def _rows() -> list[ArticleSummary]:
    return [ArticleSummary(path=f"news/{n}, odd \"name\".md", title=title, provider="Heise, Online",
                           published=(None, True, False)[n % 3], quality=None if n % 4 == 0 else n,
                           published_at="2022-02-01T20:02:00Z", topics=("AI", "Säkerhet, IT"),
                           heat=None if n % 2 else n / 3)
            for n, title in enumerate(TITLES)]


def test_csv_round_trip_keeps_every_title_byte_for_byte() -> None:
    out = io.StringIO(newline="")
    rows = _rows()
    write_csv(rows, LIST_COLUMNS, out)
    text = out.getvalue()
    assert text.startswith("status,quality,title,provider,date,topics,heat,file\r\n")
    read = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [r["title"] for r in read] == [r.title for r in rows]
    assert [r["file"] for r in read] == [r.path for r in rows]
    assert {r["provider"] for r in read} == {"Heise, Online"}
    assert read[0]["topics"] == "AI; Säkerhet, IT"
    assert [r["status"] for r in read[:3]] == ["not set", "published", "unpublished"]
    assert read[0]["quality"] == "" and read[1]["quality"] == "1"
    assert read[1]["heat"] == "" and read[2]["heat"] == str(2 / 3)


def test_json_export_is_one_array_with_lists_and_nulls() -> None:
    out = io.StringIO()
    rows = _rows()
    write_json(rows, LIST_COLUMNS, out)
    data = json.loads(out.getvalue())
    assert [d["title"] for d in data] == [r.title or None for r in rows]
    assert data[0]["topics"] == ["AI", "Säkerhet, IT"] and data[0]["quality"] is None
    empty = io.StringIO()
    write_json([], LIST_COLUMNS, empty)
    assert json.loads(empty.getvalue()) == []


def test_progress_is_told_and_a_cancel_stops_the_writer() -> None:
    rows = _rows() * 700  # 6,300 rows: several progress steps
    seen: list[tuple[int, int]] = []
    write_csv(rows, LIST_COLUMNS, io.StringIO(newline=""), on_progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (len(rows), len(rows)) and len(seen) == 4
    with pytest.raises(Cancelled):
        write_json(rows, LIST_COLUMNS, io.StringIO(), cancelled=lambda: True)


def test_list_csv_writes_the_same_bytes_as_the_writer(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    folder = tmp_path / "q"
    folder.mkdir()
    for n, title in enumerate(TITLES[:6]):
        escaped = title.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
        (folder / f"{n}.md").write_text(f'---\ntitle: "{escaped}"\nquality: {n}\npublished: false\n---\n',
                                        encoding="utf-8")
    assert main(["list", "--csv", "--no-index", str(folder)]) == 0
    printed = capsysbinary.readouterr().out
    read = list(csv.DictReader(io.StringIO(printed.decode("utf-8"), newline="")))
    assert [r["title"] for r in read] == list(TITLES[:6])
    from app.queue import ReviewQueue
    queue = ReviewQueue(folder, use_index=False)
    queue.scan()
    queue.stop()
    out = io.StringIO(newline="")
    write_csv(sorted(queue.summaries(), key=lambda r: r.path), LIST_COLUMNS, out)
    assert printed == out.getvalue().encode("utf-8")
