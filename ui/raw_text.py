"""The raw front matter (or an unreadable file's text), read-only and monospace,
for files of any size.

Qt lays a line out whole: a 16 MB title on one line takes seconds to set and
paint. So lines longer than `FOLD_AT` characters are shown folded into pieces,
each continued piece marked with `↪` at its start. The folding runs off the
GUI thread (`build_raw_text`, on the article loader's lane). A long text's
document is built there too and handed to the GUI thread; a short one (every
ordinary article: under `BUILD_AWAY_FROM` characters) is built by the view when
it is shown (0.06 ms for 2,000 characters, 3.7 ms at the limit). Building
a QObject off the GUI thread ends in `moveToThread`, which PySide calls
holding the GIL while Qt takes its locks: with the GUI thread meanwhile in
a disconnect (Qt's locks held, asking Python whether a Python object
overrides `disconnectNotify`), the two deadlocked (seen in the test suite:
the loader in moveToThread, the GUI thread in QObject::disconnect waiting
for the GIL). Only a long text still takes that risk. Copying from the view
gives the file's text back: the fold marks are taken out again.

`build_raw_text` runs on any thread; `RawTextView` on the GUI thread only.
"""
from __future__ import annotations

from dataclasses import dataclass

import shiboken6

from PySide6.QtCore import QCoreApplication, QMimeData
from PySide6.QtGui import QColor, QFont, QTextCharFormat, QTextCursor, QTextDocument, QTextFormat
from PySide6.QtWidgets import QPlainTextDocumentLayout, QPlainTextEdit, QTextEdit, QWidget

FOLD_AT = 2000
INSERT_CHUNK = 100_000  # characters put into a document per call (each call holds the GIL)
BUILD_AWAY_FROM = 200_000  # a text this long (after folding) gets its document off the GUI thread
FOLD_MARK = "\n\u200b\u21aa "  # a line break, a zero-width space, "↪ ": never in a file's own text


@dataclass(slots=True)
class RawText:
    document: QTextDocument | None  # None until shown, for a short text (`take_document`)
    first_blocks: tuple[int, ...] | None  # the block each file line starts at, when lines were folded
    text: str = ""  # the folded text, while `document` is None
    font: QFont | None = None

    def take_document(self) -> QTextDocument:
        """The document, built now if it was left to the GUI thread. GUI thread only."""
        if self.document is None:
            self.document = _document(self.text, self.font or QFont())
            self.text = ""
        return self.document

    def discard(self) -> None:
        """Built for a request that is no longer wanted: the document goes."""
        if self.document is not None and shiboken6.isValid(self.document):
            self.document.deleteLater()

    def block_of_line(self, line: int) -> int:
        """The document block where 1-based file `line` starts."""
        if self.first_blocks is None:
            return line - 1
        return self.first_blocks[line - 1] if 0 < line <= len(self.first_blocks) else -1


def fold(text: str) -> tuple[str, tuple[int, ...] | None]:
    """`text` with long lines folded, and each line's first block (None when nothing was folded)."""
    lines = text.split("\n")
    if max(map(len, lines), default=0) <= FOLD_AT:
        return text, None
    pieces: list[str] = []
    first_blocks: list[int] = []
    block = 0
    for line in lines:
        first_blocks.append(block)
        parts = [line[i:i + FOLD_AT] for i in range(0, len(line), FOLD_AT)] or [""]
        pieces.append(FOLD_MARK.join(parts))
        block += len(parts)
    return "\n".join(pieces), tuple(first_blocks)


def unfold(text: str) -> str:
    return text.replace(FOLD_MARK, "").replace(FOLD_MARK[1:], "")  # a selection may start after the break


def build_raw_text(text: str, font: QFont) -> RawText:
    """What the view shows for `text`: a ready document for a long text (handed to the GUI
    thread), the folded text for a short one (the view builds its document). Any thread."""
    folded, first_blocks = fold(text)
    if len(folded) < BUILD_AWAY_FROM:
        return RawText(None, first_blocks, folded, font)
    document = _document(folded, font)
    app = QCoreApplication.instance()
    if app is not None and document.thread() is not app.thread():
        document.moveToThread(app.thread())
    return RawText(document, first_blocks)


def _document(folded: str, font: QFont) -> QTextDocument:
    document = QTextDocument()
    document.setDocumentLayout(QPlainTextDocumentLayout(document))
    document.setDefaultFont(font)
    if len(folded) <= INSERT_CHUNK:
        document.setPlainText(folded)
    else:  # one setPlainText of megabytes holds the GIL (and so the GUI thread) for its whole length
        cursor = QTextCursor(document)
        for start in range(0, len(folded), INSERT_CHUNK):
            cursor.insertText(folded[start:start + INSERT_CHUNK])
    return document


class RawTextView(QPlainTextEdit):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setTabChangesFocus(True)
        self._raw: RawText | None = None

    def show_raw(self, raw: RawText | None) -> None:
        """Install a prepared document (None: an empty one). The view owns what
        it shows: the document it replaces is deleted."""
        self.setExtraSelections([])
        if raw is None:
            raw = build_raw_text("", self.font())
        previous, self._raw = self._raw, raw
        document = raw.take_document()
        document.setParent(self)
        self.setDocument(document)
        if previous is not None and previous.document is not document:
            previous.discard()

    def mark_line(self, line: int | None, color: QColor) -> None:
        """Highlight 1-based file `line` across the view and scroll it into the middle."""
        if not line or self._raw is None:
            return
        block = self.document().findBlockByNumber(self._raw.block_of_line(line))
        if not block.isValid():
            return
        selection = QTextEdit.ExtraSelection()
        fmt = QTextCharFormat()
        fmt.setBackground(color)
        fmt.setProperty(QTextFormat.Property.FullWidthSelection, True)
        selection.format = fmt
        selection.cursor = QTextCursor(block)
        self.setExtraSelections([selection])
        self.setTextCursor(QTextCursor(block))
        self.centerCursor()

    def createMimeDataFromSelection(self) -> QMimeData:
        data = QMimeData()
        data.setText(unfold(self.textCursor().selection().toPlainText()))
        return data
