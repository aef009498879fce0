"""Reads the selected article in full, and prepares its raw text, off the GUI thread.

`request` and `present` are called on the GUI thread; `loaded` arrives there
as (token, relpath, result, raw). Only the newest request's answer matters:
work for an older token is skipped if it has not started, and its answer is
dropped by the receiver if it has.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QFont

from app.article.mapping import DEFAULT_MAPPING, FieldMapping
from ui.background import Lane
from ui.raw_text import RawText, build_raw_text


class ArticleLoader(QObject):
    loaded = Signal(int, str, object, object)  # token, relpath, Article | ArticleError, RawText

    def __init__(self, font: QFont, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._font = QFont(font)
        self._lane = Lane("copydesk-load", 2, parent=self)  # read-only work runs in parallel
        self._token = 0
        # The open queue's field mapping: an article is typed as its queue types it
        # (a Hugo page's `draft`, a Jekyll post's `date`), never as the seed's schema.
        self.mapping: FieldMapping = DEFAULT_MAPPING

    @property
    def token(self) -> int:
        return self._token

    def request(self, relpath: str, absolute: Path) -> int:
        """Read `absolute` and prepare its raw text."""
        return self._run(relpath, self._load, absolute)

    def present(self, relpath: str, article: object) -> int:
        """An article already in hand (the writer's own parse): only its raw text is prepared."""
        return self._run(relpath, self._prepare, article)

    def _run(self, relpath: str, work: object, subject: object) -> int:
        self._token += 1
        token = self._token
        self._lane.run(work, token, subject,  # type: ignore[arg-type]
                       done=lambda answer: answer is not None and self.loaded.emit(token, relpath, *answer))
        return token

    def _load(self, token: int, absolute: Path) -> tuple[object, RawText] | None:  # on a lane thread
        if token != self._token:  # the editor has already moved on
            return None
        from app.article.frontmatter import load_article, read_article_bytes
        from app.article.isolation import is_big, run_isolated
        from app.article.model import ArticleError

        # A parse of megabytes would hold the GIL, and so the GUI thread, for its whole length.
        mapping = self.mapping
        result = (run_isolated(load_article, absolute, mapping) if is_big(absolute)
                  else load_article(absolute, mapping))
        if not isinstance(result, ArticleError):
            return result, build_raw_text(result.front_matter, self._font)
        # The raw text helps to fix the file; decoding is not parsing.
        try:
            text = read_article_bytes(str(absolute)).decode("utf-8", errors="replace")
        except OSError:
            text = ""
        return result, build_raw_text(text, self._font)

    def _prepare(self, token: int, article: object) -> tuple[object, RawText] | None:  # on a lane thread
        if token != self._token:
            return None
        return article, build_raw_text(getattr(article, "front_matter", ""), self._font)

    def close(self) -> None:
        self._lane.close()
