"""The detail pane's Body tab: the text after the front matter, read-only,
monospace, plain text (never rendered: a `<script>` or a Markdown image in a
body is shown as the characters it is).

The body is read only while the tab is on screen, and off the GUI thread: a
`Lane` of one (`copydesk-body`) reads the file (`app.article.body`) and builds
the document (`ui.raw_text`, which folds very long lines); the view installs
it. Paging with J/K while another tab is shown reads no bodies at all. Only
the newest request's answer is shown (older ones are skipped or dropped by
token). A body longer than `BODY_SHOWN_CHARS` is cut there, with a last line
that says how much more there is.

`show_file` and the view: GUI thread only; the loading runs on the lane.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase, QShowEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ui.background import Lane
from ui.i18n import tr
from ui.raw_text import RawText, RawTextView, build_raw_text
from ui.text import capped

BODY_SHOWN_CHARS = 1_000_000  # about a thousand screens of text; the rest is in the file


class BodyView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(tr("Body (read-only)"))
        self.note = QLabel()
        self.note.setObjectName("bodyNote")
        self.note.setWordWrap(True)
        self.note.hide()
        self.text = RawTextView()
        self.text.setObjectName("articleBody")
        self.text.setAccessibleName(tr("Article body (read-only)"))
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.note)
        layout.addWidget(self.text, 1)
        self._lane = Lane("copydesk-body", 1, parent=self)
        self._font = QFont(self.text.font())
        self._path: Path | None = None  # the file whose body should show
        self._shown: Path | None = None  # the file whose body is shown (or on its way)
        self._token = 0
        self.loaded_path: Path | None = None  # the file whose body is installed (tests wait for it)

    def show_file(self, path: Path | None, *, reload: bool = False) -> None:
        """Show `path`'s body (None: nothing). Read now if the tab is on screen,
        else when it is next shown. `reload`: the file changed, read it again."""
        if path == self._path and not reload:
            return
        self._path = path
        self._shown = None
        self._token += 1  # whatever is on its way is for another file, or out of date
        if path is None:
            self._install(None, "")
        elif self.isVisible():
            self._load()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._path is not None and self._shown != self._path:
            self._load()

    def _load(self) -> None:
        path, token = self._path, self._token
        self._shown = path
        self.note.setText(tr("Reading the body…"))
        self.note.show()
        self._lane.run(self._prepare, token, path,
                       done=lambda answer: self._on_prepared(token, path, answer))

    def _prepare(self, token: int, path: Path) -> tuple[RawText, str] | None:  # on the lane's thread
        if token != self._token:
            return None  # the editor has moved on
        from app.article.body import load_body
        from app.article.model import ArticleError

        body = load_body(path)
        if isinstance(body, ArticleError):
            return build_raw_text("", self._font), tr("No body to show: {message}").format(message=body.describe())
        text = capped(body.text, BODY_SHOWN_CHARS, tr("open the file in a text editor to read the rest"))
        note = tr("No body: {reason}").format(reason=body.note) if body.note else ""  # the core's words
        return build_raw_text(text, self._font), note

    def _on_prepared(self, token: int, path: Path, answer: tuple[RawText, str] | None) -> None:
        if answer is None or token != self._token:
            if answer is not None:
                answer[0].discard()  # built for a request that is no longer wanted
            return
        raw, note = answer
        self._install(raw, note)
        self.loaded_path = path

    def _install(self, raw: RawText | None, note: str) -> None:
        self.text.show_raw(raw)
        self.note.setText(note)
        self.note.setVisible(bool(note))
        if raw is None:
            self.loaded_path = None

    def close_lane(self) -> None:
        self._lane.close()
