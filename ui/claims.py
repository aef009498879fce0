"""Claims in the window: "I am reviewing this", shared through the team queue's
git remote (`app.team.claims`), so two editors do not review the same item.

- C claims the selected article(s) for 30 minutes (claiming again renews),
  through `TeamSession.claim`: a compare-and-swap push on the session's git
  thread; the status bar says how it went ("Ana claimed it first").
- A claim shows on its row (an icon before the title, the words in its
  tooltip) and above the pane's decision ("Claimed by Ana until 14:30");
  one's own claims too, "tentative" while they are not on the remote yet
  (made offline: the next sync shares them). Expired claims are not shown
  (the session only lists unexpired ones; the core deletes them).
- Deciding on an article someone else claimed asks first (once per claim).
- With Preferences > "Claim the article I am on", the current article is
  claimed after the editor stays on it for a moment, renewed while they
  stay, and released when they move on.

GUI thread only.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from PySide6.QtCore import QDateTime, QLocale, QObject, QPointF, Qt, QTimer
from PySide6.QtGui import QIcon, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

from ui import palette
from ui.settings import WindowSettings
from ui.i18n import tr
from ui.team_status import TeamDesk
from ui.text import capped

CLAIM_MINUTES = 30.0
AUTO_CLAIM_AFTER_MS = 1500  # the editor stays this long on an article before it is claimed for them
RENEW_EVERY_MS = int(CLAIM_MINUTES * 60_000 / 2)  # an automatic claim is renewed halfway through
EXPIRY_CHECK_MS = 30_000  # a claim that ran out leaves its row within this long, sync or not


def when_text(until: float) -> str:
    """14:30 today, else the date too, as the editor's locale writes them."""
    moment = QDateTime.fromSecsSinceEpoch(int(until))
    locale = QLocale()
    if moment.date() == QDateTime.currentDateTime().date():
        return locale.toString(moment.time(), QLocale.FormatType.ShortFormat)
    return locale.toString(moment, QLocale.FormatType.ShortFormat)


def claim_text(claim: Any) -> str:
    """"Claimed by Ana until 14:30", "You claimed this until 14:30 (tentative: not shared yet)"."""
    until = when_text(claim.until)
    if claim.mine:
        text = tr("You claimed this until {time}").format(time=until)
    else:
        text = tr("Claimed by {editor} until {time}").format(editor=capped(claim.editor, 100), time=until)
    if claim.tentative:
        text += " " + tr("(tentative: not shared yet)")
    return text


def claim_icon(kind: str) -> QIcon:
    """"theirs" (another editor's claim), "mine" or "tentative" (one's own), in the palette's tones."""
    return _claim_icon(kind, palette.generation())


@cache
def _claim_icon(kind: str, _generation: int) -> QIcon:
    icon = QIcon()
    for size in (16, 32):
        icon.addPixmap(_draw_flag(kind, size))
    return icon


def _draw_flag(kind: str, size: int) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = size / 16.0
    tones = palette.tones()
    color = tones.icons["pending"] if kind == "theirs" else tones.muted
    p.setPen(QPen(color, 1.6 * s, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    p.drawLine(QPointF(4 * s, 2 * s), QPointF(4 * s, 14.5 * s))  # the pole
    flag = QPainterPath(QPointF(4.5 * s, 2.5 * s))
    flag.lineTo(13 * s, 5 * s)
    flag.lineTo(4.5 * s, 8.5 * s)
    flag.closeSubpath()
    if kind == "tentative":
        p.setPen(QPen(color, 1.2 * s, Qt.PenStyle.DotLine))
        p.setBrush(Qt.BrushStyle.NoBrush)
    elif kind == "mine":
        p.setPen(QPen(color, 1.2 * s))
        p.setBrush(Qt.BrushStyle.NoBrush)
    else:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(color)
    p.drawPath(flag)
    p.end()
    return pixmap


class ClaimBanner(QLabel):
    """Above the pane's decision: who claimed the article shown, until when."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("claimBanner")
        self.setAccessibleName(tr("Claim"))
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.hide()

    def show_claim(self, claim: Any | None) -> None:
        if claim is None:
            self.clear()
            self.hide()
            return
        self.setText(("⚑ " if not claim.mine else "") + claim_text(claim))
        tones = palette.tones()
        self.setStyleSheet(tones.warning_banner.style("QLabel", "border-radius: 4px; padding: 6px;")
                           if not claim.mine else f"QLabel {{ color: {palette.css(tones.muted)}; }}")
        self.show()


class ClaimDesk(QObject):
    """The window's claims: marks on the rows, the pane's banner, C, asking before deciding."""

    def __init__(self, team: TeamDesk, model: Any, banner: ClaimBanner, settings: WindowSettings,
                 current: Callable[[], str | None], parent: QWidget,
                 done: Callable[[], object] | None = None) -> None:
        super().__init__(parent)
        self.team = team
        self.model = model
        self.banner = banner
        self.settings = settings
        self.current = current
        self._parent = parent
        self.done = done  # a question went away: the queue takes the keys again
        self._confirmed: set[tuple[str, str]] = set()  # (relpath, claim sha) the editor decided on anyway
        self.question: QMessageBox | None = None
        self._auto: str | None = None  # the article claimed automatically, while the editor stays on it
        self._auto_timer = QTimer(self)
        self._auto_timer.setSingleShot(True)
        self._auto_timer.timeout.connect(self._auto_claim)
        team.claimsChanged.connect(self.refresh)
        self._expiry = QTimer(self)
        self._expiry.setInterval(EXPIRY_CHECK_MS)
        self._expiry.timeout.connect(self._drop_expired)

    # --- showing --------------------------------------------------------------------
    def refresh(self) -> None:
        claims = self.team.claims()
        now = time.time()
        marks: dict[str, tuple[Any, str]] = {}
        for relpath, claim in claims.items():
            if claim.expired(now):
                continue
            kind = "theirs" if not claim.mine else ("tentative" if claim.tentative else "mine")
            marks[relpath] = (claim_icon(kind), claim_text(claim))
        self.model.set_claims(marks)
        self.show_current()
        if marks:
            self._expiry.start()
        else:
            self._expiry.stop()

    def _drop_expired(self) -> None:
        if len(self.team.claims()) != len(self.model.claims()):  # the session lists unexpired claims only
            self.refresh()

    def show_current(self) -> None:
        relpath = self.current()
        self.banner.show_claim(self.claim_of(relpath) if relpath is not None else None)

    def claim_of(self, relpath: str) -> Any | None:
        claim = self.team.claims().get(relpath)
        return None if claim is None or claim.expired() else claim

    def claimed_by_other(self, relpath: str) -> Any | None:
        claim = self.claim_of(relpath)
        return claim if claim is not None and not claim.mine else None

    # --- claiming -------------------------------------------------------------------
    def claim(self, relpaths: Sequence[str]) -> None:
        """C: claim (or renew) these articles."""
        session = self.team.session
        if session is None:
            self.team.message.emit(self.team.off_message or tr("Claims need a team queue (a folder in a git "
                                                               "working copy)"))
            return
        if not relpaths:
            return
        session.claim(list(relpaths), CLAIM_MINUTES)
        names = ", ".join(r.rsplit("/", 1)[-1] for r in relpaths[:3]) + ("…" if len(relpaths) > 3 else "")
        self.team.message.emit(tr("Claiming {files}…").format(files=names))

    def current_changed(self, relpath: str | None) -> None:
        """The editor moved: the banner follows; an automatic claim follows them."""
        self.show_current()
        if not self.settings.auto_claim or self.team.session is None:
            return
        if relpath != self._auto:
            self._release_auto()
        if relpath is not None:
            self._auto_timer.start(AUTO_CLAIM_AFTER_MS)

    def _auto_claim(self) -> None:
        relpath, session = self.current(), self.team.session
        if relpath is None or session is None or not self.settings.auto_claim:
            return
        if self.claimed_by_other(relpath) is None:
            session.claim([relpath], CLAIM_MINUTES)
            self._auto = relpath
        self._auto_timer.start(RENEW_EVERY_MS)  # still here then: renewed

    def _release_auto(self) -> None:
        auto, self._auto = self._auto, None
        self._auto_timer.stop()
        if auto is not None and self.team.session is not None:
            self.team.session.release([auto])

    # --- deciding on a claimed article -------------------------------------------
    def confirm(self, relpath: str, title: str, proceed: Callable[[], object]) -> bool:
        """True: go ahead now. False: someone else claimed it; the editor is asked
        first, and `proceed` runs if they say so."""
        claim = self.claimed_by_other(relpath)
        if claim is None or (relpath, claim.sha) in self._confirmed:
            return True
        if self.question is not None:
            return False  # one question at a time
        box = QMessageBox(QMessageBox.Icon.Question, tr("Claimed by {editor}").format(editor=claim.editor),
                          tr("{editor} claimed “{title}” until {time}: they may be reviewing it now. "
                             "Decide anyway?").format(editor=capped(claim.editor, 100), title=capped(title, 200),
                                                      time=when_text(claim.until)),
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self._parent)
        box.setObjectName("claimQuestion")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.setWindowModality(Qt.WindowModality.WindowModal)

        def answered(button: Any) -> None:
            self.question = None
            if box.standardButton(button) == QMessageBox.StandardButton.Yes:
                self._confirmed.add((relpath, claim.sha))
                proceed()
            if self.done is not None:
                self.done()

        box.buttonClicked.connect(answered)
        box.finished.connect(lambda _result: setattr(self, "question", None))
        self.question = box
        box.open()
        return False

    def close(self) -> None:
        """The folder closes: an automatic claim is given back; an open question goes."""
        self._release_auto()
        if self.question is not None:
            question, self.question = self.question, None
            question.reject()
