"""The window's words go through Qt's translation mechanism, and its counts
through the locale: a translator installed before the window is built
changes every word the window shows, with no code touched."""
from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import pytest
from PySide6.QtCore import QLocale, Qt, QTranslator
from PySide6.QtWidgets import QApplication, QLabel, QMenu

from ui.i18n import CONTEXT, install_translators, tr

OPEN, CLOSE = "‹", "›"


class Marking(QTranslator):
    """A translation into "‹English›": every text that reaches the translator comes back marked."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: set[str] = set()

    def translate(self, context: str, source: str, disambiguation: str | None = None, n: int = -1) -> str:
        self.asked.add(source)
        return f"{OPEN}{source}{CLOSE}"

    def isEmpty(self) -> bool:  # noqa: N802 - Qt's name
        return False


@pytest.fixture
def marking(qapp) -> Iterator[Marking]:  # type: ignore[no-untyped-def]
    translator = Marking()
    QApplication.installTranslator(translator)
    yield translator
    QApplication.removeTranslator(translator)


@pytest.fixture
def german() -> Iterator[None]:
    before = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.German, QLocale.Country.Germany))
    yield
    QLocale.setDefault(before)


def _marked(text: str) -> bool:
    return OPEN in text and CLOSE in text


def _menu_texts(menu: QMenu, recent: QMenu | None) -> Iterator[tuple[str, str]]:
    for action in menu.actions():
        if action.isSeparator():
            continue
        yield menu.title(), action.text()
        if action.menu() is not None and action.menu() is not recent:
            yield from _menu_texts(action.menu(), recent)


def test_a_translator_reaches_every_word_of_the_window(qtbot, marking: Marking, make_window,
                                                       queue_folder: Path) -> None:
    window = make_window(queue_folder)
    bar = window.menuBar()
    menus = [a.menu() for a in bar.actions() if a.menu() is not None]
    assert len(menus) == 5
    recent = next((m for menu in menus for a in menu.actions() if (m := a.menu()) is not None
                   and m.title().replace("&", "").endswith("Recent›")), None)
    assert recent is not None
    texts = [(menu.title(), "") for menu in menus]
    for menu in menus:
        texts.extend(_menu_texts(menu, recent))
    not_marked = [(title, text) for title, text in texts if not _marked(title) or (text and not _marked(text))]
    assert not_marked == []
    for action in window.actions_by_name.values():
        assert _marked(action.toolTip()) or not action.toolTip(), action.objectName()

    model = window.table.model()
    headers = [model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
               for c in range(model.columnCount())]
    assert headers and all(_marked(h) for h in headers), headers
    assert _marked(model.headerData(2, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole))

    tabs = window.queue_panel.quick_tabs
    assert all(_marked(tabs.tabText(i)) and _marked(tabs.tabToolTip(i)) for i in range(tabs.count()))
    detail_tabs = window.detail.tabs
    assert all(_marked(detail_tabs.tabText(i)) for i in range(detail_tabs.count()))
    assert _marked(window.filter_edit.placeholderText())
    assert _marked(window.counts_label.text())
    assert _marked(window.detail.status_pill.text())  # a row is selected: its badge
    labels = [window.detail.facts.labelForField(w) for w in window.detail._fact_labels.values()]
    assert labels and all(isinstance(w, QLabel) and _marked(w.text()) for w in labels)
    # A status cell of a row, and the words of the help table.
    status = model.index(0, 0).data(Qt.ItemDataRole.DisplayRole)
    assert _marked(status), status
    from ui.keys import HELP_ROWS, help_rows
    assert all(_marked(words) for _, words in help_rows())
    assert not any(_marked(words) for _, words in HELP_ROWS)  # the README's rows stay in the source language
    # The translation is asked for the source text, "&" and all, once per text.
    assert "&File" in marking.asked and "Open in &Editor" in marking.asked


def test_counts_use_the_locale_digits(qtbot, german: None, make_window, queue_folder: Path) -> None:
    from ui.status_bar import counts_text, scan_progress_text

    assert counts_text(12_345, 3_210, 1, 40) == "12.345 articles · 3.210 published · 1 error · 40 shown"
    assert counts_text(1, 0, 0, 1) == "1 article · 0 published · 0 errors"
    assert scan_progress_text(2_500, 10_000) == "Scanning 2.500 of 10.000 (25%)"
    window = make_window(queue_folder)
    window.queue_panel.set_quick_counts({"all": 12_345, "unpublished": 1_000, "published": 11_345, "errors": 0},
                                        12_345)
    tabs = window.queue_panel.quick_tabs
    assert [tabs.tabText(i) for i in range(4)] == ["All  12.345", "Unpublished  1.000", "Published  11.345",
                                                   "Errors  0"]


def test_a_count_reaches_the_translator_with_its_number(qapp, marking: Marking) -> None:  # type: ignore[no-untyped-def]
    # %Ln is filled after the translation, so a translation can put the number anywhere.
    assert tr("%Ln files changed on disk", "", 1_234) == f"{OPEN}{QLocale().toString(1_234)} files changed on disk{CLOSE}"


# --- the real tool chain: lupdate finds every word, a .qm dropped in is used --------------------

ROOT = Path(__file__).resolve().parents[2]


def _tool(name: str) -> str:
    found = shutil.which(f"pyside6-{name}", path=str(Path(sys.executable).parent)) or shutil.which(f"pyside6-{name}")
    if found is None:
        pytest.skip(f"pyside6-{name} is not installed")
    return found


def _marked_in_source() -> set[str]:
    """Every literal the code hands to tr() or QT_TR_NOOP()."""
    texts: set[str] = set()
    for path in (ROOT / "ui").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("tr", "QT_TR_NOOP")
                    and node.args and isinstance(node.args[0], ast.Constant)):
                texts.add(node.args[0].value)
    return texts


def test_lupdate_finds_every_marked_word_in_the_context_tr_looks_in(tmp_path: Path) -> None:
    ts = tmp_path / "copydesk_xx.ts"
    subprocess.run([_tool("lupdate"), "-silent", "-extensions", "py", str(ROOT / "ui"), "-ts", str(ts)],
                   check=True, timeout=300)
    tree = ElementTree.parse(ts)
    contexts = {c.findtext("name") or "": {m.findtext("source") for m in c.iter("message")}
                for c in tree.iter("context")}
    assert set(contexts) == {CONTEXT}  # the one tr() looks up
    marked = _marked_in_source()
    assert len(marked) > 300
    assert marked - contexts[CONTEXT] == set()  # nothing hidden where lupdate cannot see it (an f-string)
    numerus = {m.findtext("source") for m in tree.iter("message") if m.get("numerus") == "yes"}
    assert {"%Ln article", "%Ln articles", "%Ln files changed on disk"} <= numerus


GERMAN_TS = """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context><name></name>
<message><source>&amp;File</source><translation>&amp;Datei</translation></message>
<message><source>Open in &amp;Editor</source><translation>Im &amp;Editor öffnen</translation></message>
<message><source>Title</source><translation>Titel</translation></message>
<message numerus="yes"><source>%Ln article</source>
<translation><numerusform>%Ln Artikel</numerusform><numerusform>%Ln Artikel</numerusform></translation></message>
<message numerus="yes"><source>%Ln articles</source>
<translation><numerusform>%Ln Artikel</numerusform><numerusform>%Ln Artikel</numerusform></translation></message>
</context>
</TS>
"""


def test_a_translation_dropped_in_is_used_without_code_changes(qtbot, tmp_path: Path, monkeypatch, german: None,
                                                              make_window, queue_folder: Path) -> None:
    from ui import i18n

    folder = tmp_path / "translations"
    folder.mkdir()
    (folder / "copydesk_de.ts").write_text(GERMAN_TS, encoding="utf-8")
    subprocess.run([_tool("lrelease"), "-silent", str(folder / "copydesk_de.ts")], check=True, timeout=120)
    assert (folder / "copydesk_de.qm").is_file()
    monkeypatch.setattr(i18n, "translations_dir", lambda: str(folder))
    app = QApplication.instance()
    loaded = install_translators(app, QLocale())  # the German default locale
    try:
        assert any(t.filePath() == str(folder / "copydesk_de.qm") for t in loaded)
        window = make_window(queue_folder)
        titles = [a.text() for a in window.menuBar().actions()]
        assert titles[0] == "&Datei" and titles[1] == "&Edit"  # what has no translation stays English
        assert window.actions_by_name["open_in_editor"].text() == "Im &Editor öffnen"
        model = window.table.model()
        assert model.headerData(2, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole) == "Titel"
        assert window.counts_label.text().startswith("6 Artikel · ")
    finally:
        for translator in loaded:
            QApplication.removeTranslator(translator)


SETTERS = {"setText", "setToolTip", "setStatusTip", "setWindowTitle", "setPlaceholderText", "setTitle",
           "setAccessibleName", "setAccessibleDescription", "addTab", "addRow", "addMenu", "addAction", "QLabel",
           "QPushButton", "QGroupBox", "QCheckBox", "QAction", "QMessageBox", "setTabText", "setTabToolTip",
           "show_write", "show_notice", "show_progress", "show_nothing", "emit", "showMessage", "setWhatsThis"}


def _words(node: ast.expr) -> str:
    """The literal English in an argument: a string, or the fixed parts of an f-string."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return " ".join(v.value for v in node.values if isinstance(v, ast.Constant))
    if isinstance(node, ast.BinOp):
        return _words(node.left) + " " + _words(node.right)
    return ""


def test_no_window_text_is_set_from_a_bare_literal() -> None:
    bare = []
    for path in (ROOT / "ui").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name not in SETTERS:
                continue
            for arg in node.args:
                text = _words(arg)
                # Markup, separators and names are not words: two letters, a space, two letters are.
                plain = re.sub(r"<[^>]*>|&\w+;", " ", text)
                if re.search(r"[A-Za-z]{2,} +[A-Za-z]{2,}", plain):
                    bare.append(f"{path.relative_to(ROOT)}:{node.lineno}: {text[:60]!r}")
    assert bare == []
