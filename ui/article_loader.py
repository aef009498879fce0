"""Reads the selected article in full, off the GUI thread.

`request` is called on the GUI thread; `loaded` arrives there as (token,
relpath, result, raw_text). Only the newest request's answer matters: work
for an older token is skipped if it has not started, and its answer is
dropped by the receiver if it has.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal

from ui.background import Lane


class ArticleLoader(QObject):
    loaded = Signal(int, str, object, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lane = Lane("copydesk-load", 2, parent=self)  # read-only work runs in parallel
        self._token = 0

    @property
    def token(self) -> int:
        return self._token

    def invalidate(self) -> int:
        """Drop the answers of every request so far (the caller has newer content)."""
        self._token += 1
        return self._token

    def request(self, relpath: str, absolute: Path) -> int:
        self._token += 1
        token = self._token
        self._lane.run(self._load, token, absolute,
                       done=lambda answer: answer is not None and self.loaded.emit(token, relpath, *answer))
        return token

    def _load(self, token: int, absolute: Path) -> tuple[object, str] | None:  # on a lane thread
        if token != self._token:  # the editor has already moved on
            return None
        from app.article.frontmatter import load_article, read_article_bytes
        from app.article.model import ArticleError

        result = load_article(absolute)
        raw = ""
        if isinstance(result, ArticleError):
            # The raw text helps to fix the file; decoding is not parsing.
            try:
                raw = read_article_bytes(str(absolute)).decode("utf-8", errors="replace")
            except OSError:
                raw = ""
        return result, raw

    def close(self) -> None:
        self._lane.close()
