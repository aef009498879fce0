"""The window's facets: the dock's values and counts, clicks that filter the
queue, chips that remove a part, Clear all, the same rows as `copydesk list`
with the same options, counting off the GUI thread, counts that follow a
file changed on disk, and the selection and the dock remembered."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.cli import main
from app.queue.selection import Selection
from ui import queue_filters
from ui.queue_model import RELPATH_ROLE
from ui.settings import WindowSettings


def news(title: str, *, provider: str = "Heise", topics: tuple[str, ...] = ("AI",), quality: int | None = 50,
         day: str = "2022-02-01", url: str = "", images: int = 0, category: str = "news",
         heat: float = 1.0) -> str:
    lines = ["---", f'title: "{title}"', f'excerpt: "About {title}."', f"publishedDateTime: {day}T10:00:00Z",
             f"category: {category}", "type: article", "published: false", f"heat: {heat}"]
    if quality is not None:
        lines.append(f"quality: {quality}")
    if url:
        lines.append(f'webUrl: "{url}"')
    lines += ["provider:", f"  name: {provider}", "topics:"] + [f"  - {t}" for t in topics] or ["topics: []"]
    if images:
        lines.append("images:")
        lines += [f'  - url: "https://cdn.example.com/{title.replace(" ", "-")}-{n}.jpg"' for n in range(images)]
    return "\n".join(lines + ["---", "", f"Body of {title}."]) + "\n"


@pytest.fixture
def desk(tmp_path: Path) -> Path:
    folder = tmp_path / "desk"
    folder.mkdir()
    files = {
        "h1.md": news("Heise security one", topics=("Security", "AI"), quality=30, images=1,
                      url="https://www.heise.de/news/one.html?utm_source=x"),
        "h2.md": news("Heise security two", topics=("Security",), quality=35, day="2022-03-04"),
        "h3.md": news("Heise cloud", topics=("Cloud",), quality=80, day="2022-03-05"),
        "h4.md": news("Heise copy of one", topics=("Security",), quality=20,
                      url="https://heise.de/news/one.html"),
        "a1.md": news("Ars security", provider="Ars", topics=("Security",), quality=25, images=2),
        "a2.md": news("Ars chips", provider="Ars", topics=("Chips",), quality=None, category="analysis"),
        "r1.md": news("Register storage", provider="Register", topics=("Storage",), quality=90, heat=500),
    }
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "broken.md").write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    return folder


def shown(window) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(window.proxy.index(r, 0).data(RELPATH_ROLE) for r in range(window.proxy.rowCount()))


def listed(capsys: pytest.CaptureFixture[str], folder: Path, options: list[str]) -> list[str]:
    capsys.readouterr()
    assert main(["list", "--json", "--no-index", str(folder), *options]) == 0
    return sorted(row["relpath"] for row in json.loads(capsys.readouterr().out))


def settle(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: window.filters.settled, timeout=10_000)


def test_the_dock_lists_values_by_count_with_counts_given_the_other_facets(qtbot, make_window, desk: Path) -> None:
    window = make_window(desk)
    settle(qtbot, window)
    panel = window.filters.panel
    assert panel.section("provider").isVisibleTo(panel)
    providers = panel.section("provider").items()
    assert [(v, t) for v, t, _ in providers] == [("Heise", "Heise   4"), ("Ars", "Ars   2"),
                                                 ("Register", "Register   1")]
    # Pick Security: the provider counts are now those of Security articles...
    topics = panel.section("topic")
    row = next(i for i in range(topics.values.count()) if topics.values.item(i).data(Qt.ItemDataRole.UserRole + 10)
               == "Security")
    topics.values.item(row).setCheckState(Qt.CheckState.Checked)
    settle(qtbot, window)
    assert shown(window) == ["a1.md", "h1.md", "h2.md", "h4.md"]
    assert [t for _, t, _ in panel.section("provider").items()][:2] == ["Heise   3", "Ars   1"]
    # ...and the topic counts are still every topic's (its own choice left out): OR within it.
    assert dict((v, t) for v, t, _ in panel.section("topic").items())["Cloud"] == "Cloud   1"
    assert window.filters.chips.labels() == ["Topic: Security"]
    # A second topic widens (OR); a provider narrows (AND).
    window.filters.apply(window.filters.wanted.toggled("topic", "Cloud").toggled("provider", "Heise"))
    settle(qtbot, window)
    assert shown(window) == ["h1.md", "h2.md", "h3.md", "h4.md"]
    assert window.filters.chips.labels() == ["Provider: Heise", "Topic: Cloud", "Topic: Security"]


def test_chips_remove_one_part_and_clear_all_keeps_the_words(qtbot, make_window, desk: Path) -> None:
    window = make_window(desk)
    window.filters.apply(Selection(quick="unpublished", words=("security",)).with_values("provider", ["Heise"])
                         .with_range("quality", None, 32))
    settle(qtbot, window)
    assert shown(window) == ["h1.md", "h4.md"]
    chips = window.filters.chips
    assert chips.isVisible() and chips.labels() == ["Unpublished", "“security”", "Provider: Heise",
                                                    "Quality: up to 32"]
    qtbot.mouseClick(chips.chip("Quality: up to 32"), Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert shown(window) == ["h1.md", "h2.md", "h4.md"]
    assert window.filter_edit.text() == "security"
    qtbot.mouseClick(window.filters.panel.clear_all, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert window.filters.wanted == Selection(quick="unpublished", words=("security",))
    assert shown(window) == ["a1.md", "h1.md", "h2.md", "h4.md"]  # (h4's "security" is a topic: topics are searched)
    qtbot.mouseClick(chips.chip("“security”"), Qt.MouseButton.LeftButton)
    assert window.filter_edit.text() == ""
    qtbot.mouseClick(chips.findChild(type(chips.chip("Unpublished")), "clearFilter"), Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert len(shown(window)) == 8 and not chips.isVisible()


CASES = [
    (Selection().with_values("provider", ["Heise", "Ars"]).with_values("topic", ["Security"]),
     ["--provider", "Heise", "--provider", "Ars", "--topic", "Security"]),
    (Selection().with_values("images", ["yes"]), ["--has-images"]),
    (Selection().with_values("images", ["no"]).with_values("category", ["analysis"]), ["--no-images",
                                                                                      "--category", "analysis"]),
    (Selection().with_values("warnings", ["yes"]), ["--has-warnings"]),
    (Selection().with_values("duplicate", ["yes"]), ["--duplicates"]),
    (Selection(quick="duplicates"), ["--duplicates"]),
    (Selection().with_values("errors", ["yes"]), ["--has-errors"]),
    (Selection().with_range("quality", 20, 35), ["--min-quality", "20", "--max-quality", "35"]),
    (Selection().with_range("heat", 10.0, None), ["--min-heat", "10"]),
    (Selection().with_range("date", "2022-03", "2022-03"), ["--since", "2022-03", "--until", "2022-03"]),
    (Selection(words=("security",)).with_values("published", ["unpublished"]).with_values("provider", ["Ars"]),
     ["--search", "security", "--published", "false", "--provider", "Ars"]),
]


@pytest.mark.parametrize("asynchronous", [False, True])
def test_the_window_and_the_cli_give_the_same_rows_for_every_facet(qtbot, make_window, desk: Path,
                                                                     capsys: pytest.CaptureFixture[str],
                                                                     monkeypatch: pytest.MonkeyPatch,
                                                                     asynchronous: bool) -> None:
    if asynchronous:  # as in a queue of 100,000: the words are tested off the GUI thread
        monkeypatch.setattr(queue_filters, "SYNC_ROWS", 0)
    window = make_window(desk)
    qtbot.waitUntil(lambda: window.model.duplicates is not None, timeout=10_000)
    for selection, options in CASES:
        window.filters.apply(selection)
        settle(qtbot, window)
        expected = listed(capsys, desk, options)
        assert expected, options  # agreement is never two empty lists
        assert shown(window) == expected, options
        counts = window.filters.counter.last.counts
        assert sum(n for _, n in counts["errors"]) == len(expected) or selection.constrains("errors")


def test_words_are_tested_off_the_gui_thread_and_the_rows_follow(qtbot, make_window, desk: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(queue_filters, "SYNC_ROWS", 0)
    window = make_window(desk)
    settle(qtbot, window)
    qtbot.keyClicks(window.filter_edit, "chips")
    window._apply_filter_text()
    assert window.filters.wanted.words == ("chips",)
    settle(qtbot, window)
    assert shown(window) == ["a2.md"]
    assert "1 shown" in window.filters.panel.summary.text()


def test_counts_follow_a_file_changed_on_disk(qtbot, make_window, desk: Path) -> None:
    window = make_window(desk)
    window.filters.apply(Selection().with_values("provider", ["Register"]))
    settle(qtbot, window)
    assert shown(window) == ["r1.md"]
    (desk / "a2.md").write_text(news("Ars chips", provider="Register", topics=("Chips",)), encoding="utf-8")
    qtbot.waitUntil(lambda: shown(window) == ["a2.md", "r1.md"], timeout=10_000)
    settle(qtbot, window)
    providers = dict((v, t) for v, t, _ in window.filters.panel.section("provider").items())
    assert providers["Register"] == "Register   2" and providers["Ars"] == "Ars   1"


def test_the_selection_is_remembered_per_folder_and_the_dock_as_left(qtbot, make_window, desk: Path,
                                                                      tmp_path: Path,
                                                                      settings: WindowSettings) -> None:
    window = make_window(desk)
    window.filters.toggle_action.trigger()
    assert window.filters.dock.isVisible()
    window.filters.apply(Selection(quick="unpublished").with_values("topic", ["Security"]))
    settle(qtbot, window)
    window.close()

    other = tmp_path / "other"
    other.mkdir()
    (other / "x.md").write_text(news("Other"), encoding="utf-8")
    elsewhere = make_window(other)
    assert not elsewhere.filters.wanted.constrains("topic")  # another folder has its own (none yet)
    assert elsewhere.filters.dock.isVisible()
    elsewhere.close()

    again = make_window(desk)
    qtbot.waitUntil(lambda: again.filters.wanted.chosen("topic") == ("Security",), timeout=5000)
    settle(qtbot, again)
    assert again.filters.wanted.quick == "unpublished"
    assert shown(again) == ["a1.md", "h1.md", "h2.md", "h4.md"]
    assert again.filters.chips.labels() == ["Unpublished", "Topic: Security"]
    assert again.filters.dock.isVisible()


def test_a_values_filter_box_finds_values_and_ranges_take_typed_bounds(qtbot, make_window, desk: Path) -> None:
    window = make_window(desk)
    settle(qtbot, window)
    section = window.filters.panel.section("provider")
    assert section.search is not None
    qtbot.keyClicks(section.search, "reg")
    assert [v for v, _, _ in section.items()] == ["Register"]
    quality = window.filters.panel.section("quality")
    quality.low.setText("80")
    quality.high.setText("95")
    quality.high.setFocus()
    qtbot.keyClick(quality.high, Qt.Key.Key_Return)
    settle(qtbot, window)
    assert shown(window) == ["h3.md", "r1.md"]
    quality.low.setText("high")
    qtbot.keyClick(quality.low, Qt.Key.Key_Return)
    assert "border" in quality.low.styleSheet()  # refused, said in the error colour; the filter stays
    assert window.filters.wanted.range_of("quality") == (80, 95)
    assert quality.low.toolTip() == "Not applied: expected a whole number, not 'high'"  # the CLI's words
    quality.low.setText("120")
    qtbot.keyClick(quality.low, Qt.Key.Key_Return)
    assert quality.high.toolTip() == "Not applied: must be from 0 to 100, not 120"
    assert window.filters.wanted.range_of("quality") == (80, 95)
    bucket = next(i for i in range(quality.values.count()) if quality.values.item(i).text().startswith("20-29"))
    quality.values.itemClicked.emit(quality.values.item(bucket))
    settle(qtbot, window)
    assert shown(window) == ["a1.md", "h4.md"]


def test_the_review_facet_shows_once_the_audit_trail_is_read(qtbot, make_window, desk: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["set", "--published", "true", "--quiet", str(desk / "h2.md"), str(desk / "r1.md")]) == 0
    window = make_window(desk)
    section = window.filters.panel.section("review")
    qtbot.waitUntil(lambda: window.review.audit.book is not None, timeout=10_000)
    assert not section.isVisibleTo(window.filters.panel) or window.review.audit.book is not None
    qtbot.waitUntil(lambda: section.isVisibleTo(window.filters.panel), timeout=5000)
    window.filters.apply(Selection().with_values("review", ["reviewed"]))
    settle(qtbot, window)
    expected = listed(capsys, desk, ["--review", "reviewed"])
    assert expected == ["h2.md", "r1.md"] and shown(window) == expected
    assert dict((v, t) for v, t, _ in section.items())["reviewed"] == "Reviewed   2"


def test_a_hidden_panel_recounts_once_after_a_run_of_changes_and_at_once_when_shown(
        qtbot, make_window, desk: Path) -> None:
    """P pressed on four articles with the panel hidden: one recount, after the
    last change (not one per change or per RECOUNT_MS); shown again, the panel
    has the counts of the rows as they are."""
    window = make_window(desk)
    settle(qtbot, window)
    assert not window.filters.dock.isVisible()
    evaluations: list[object] = []
    window.filters.counter.evaluated.connect(evaluations.append)
    window.auto_advance_action.setChecked(True)
    window.table.setFocus()
    window.table.select_row(0)
    for _ in range(4):
        qtbot.keyClick(window.table, Qt.Key.Key_P)
        qtbot.wait(queue_filters.RECOUNT_MS // 2)  # a run of changes longer than one interval
    qtbot.waitUntil(lambda: not window.desk.busy, timeout=10_000)
    settle(qtbot, window)
    assert len(evaluations) == 1
    assert window.filters.counter.last.version == window.model.table.version

    (desk / "r1.md").write_text(news("Register storage", provider="Ars", topics=("Storage",)), encoding="utf-8")
    qtbot.waitUntil(lambda: window.model.summary("r1.md").provider == "Ars", timeout=10_000)
    window.filters.toggle_action.trigger()  # shown before the quiet spell ends: counted at once
    assert window.filters.counter.busy
    qtbot.waitUntil(lambda: window.filters.settled, timeout=10_000)
    providers = dict((v, t) for v, t, _ in window.filters.panel.section("provider").items())
    assert providers["Ars"] == "Ars   3" and "Register" not in providers
