"""The selected article in full: what it says, where it links, its pictures,
its raw front matter, and the two controls an editor changes.

The pane shows the queue's summary at once and fills in the rest when
`ui.article_loader.ArticleLoader` has read the full article on a worker thread, so paging with
J/K never waits for a file. Widgets that mirror the model are updated under
QSignalBlocker, so only an editor's own action emits `publishedChosen` or
`qualityChosen`.

GUI thread only.
"""
from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSignalBlocker, Qt, Signal, Slot
from PySide6.QtGui import QFont, QFontDatabase, QValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSlider,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.article.model import QUALITY_MAX, QUALITY_MIN
from ui import palette
from ui.body_view import BodyView
from ui.history import HistoryView
from ui.i18n import QT_TR_NOOP, number, tr
from ui.pane_extras import CopiesBox, warning_lines
from ui.queue_cells import format_date, format_heat
from ui.raw_text import RawText, RawTextView
from ui.text import capped
from ui.wrap_row import WrapRow

_PILLS = {"published": QT_TR_NOOP("Published"), "unpublished": QT_TR_NOOP("Unpublished"),
          "unset": QT_TR_NOOP("Not set"), "pending": QT_TR_NOOP("Saving…"), "error": QT_TR_NOOP("Error")}
URL_LABELS = (("webUrl", QT_TR_NOOP("Web")), ("originalUrl", QT_TR_NOOP("Original")), ("ampWebUrl", QT_TR_NOOP("AMP")),
              ("cdnAmpWebUrl", QT_TR_NOOP("AMP cache")))
# The facts form's rows: (the name code uses, the row's label).
_FACTS = (("Topics", QT_TR_NOOP("Topics:")), ("Heat", QT_TR_NOOP("Heat:")), ("Category", QT_TR_NOOP("Category:")),
          ("Type", QT_TR_NOOP("Type:")), ("Links", QT_TR_NOOP("Links:")), ("Secured", QT_TR_NOOP("Secured:")),
          ("File", QT_TR_NOOP("File:")), ("Other", QT_TR_NOOP("Other:")))


def _make_image_strip(loader: Any) -> QWidget | None:
    if loader is None:
        return None
    try:
        from ui.images import ImageStrip
    except ImportError:
        return None
    return ImageStrip(loader)


class DetailPane(QWidget):
    publishedChosen = Signal(bool)
    qualityChosen = Signal(int)
    editRequested = Signal()  # the error banner's button: open this file in a text editor

    def __init__(self, parent: QWidget | None = None, *, image_loader: Any = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(tr("Article details"))
        self.relpath: str | None = None
        self.article: Any = None
        self._folder: Path | None = None
        self._pill = ""
        # relpath -> (the window's own warnings, the duplicate warning, the other copies); set by the window
        self.extras_of: Any = None
        self._untitled = False  # the title shows the file name (dimmed): the article has none

        self._build_header()
        self._build_decision()
        self._build_facts(image_loader)
        article = self._build_article_tab()
        self._build_raw_tab()
        self._build_tabs(article)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 6)
        layout.addWidget(self.title)
        layout.addWidget(self.byline)
        layout.addWidget(self.error_banner)
        layout.addWidget(self.fix_row)
        layout.addWidget(self.warnings)
        layout.addWidget(self.decision)
        layout.addWidget(self.tabs, 1)

        self.setTabOrder(self.published, self.quality_spin)
        self.setTabOrder(self.quality_spin, self.quality_slider)
        self.setTabOrder(self.quality_slider, self.tabs)
        self._restyle()
        self.show_nothing()

    def _restyle(self) -> None:
        """The colours that are not the palette's own roles, from `ui.palette`."""
        tones = palette.tones()
        self.error_banner.setStyleSheet(tones.error_banner.style("QLabel#errorBanner",
                                                                 "border-radius: 4px; padding: 8px;"))
        self.warnings.setStyleSheet(tones.warning_banner.style("QLabel", "border-radius: 4px; padding: 6px;"))
        self.saving.setStyleSheet(f"QLabel {{ color: {palette.css(tones.pending_text)}; }}")
        self.title.setStyleSheet(f"QLabel {{ color: {palette.css(tones.muted)}; }}" if self._untitled else "")
        kind, self._pill = self._pill, ""
        if kind:
            self._set_pill(kind)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._restyle()  # a dark desktop arrived: every derived colour with it
        super().changeEvent(event)

    def _build_header(self) -> None:
        """Title, byline, the error banner and field warnings."""
        self.title = QLabel()
        self.title.setObjectName("detailTitle")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        title_font = QFont(self.title.font())
        title_font.setPointSizeF(title_font.pointSizeF() * 1.45)
        title_font.setBold(True)
        self.title.setFont(title_font)
        self.title.setAccessibleName(tr("Title"))

        self.byline = QLabel()
        self.byline.setTextFormat(Qt.TextFormat.PlainText)
        self.byline.setObjectName("detailByline")
        self.byline.setWordWrap(True)
        self.byline.setAccessibleName(tr("Provider, category and date"))

        self.error_banner = QLabel()
        self.error_banner.setTextFormat(Qt.TextFormat.RichText)
        self.error_banner.setObjectName("errorBanner")
        self.error_banner.setWordWrap(True)
        self.error_banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_banner.setAccessibleName(tr("File error"))
        self.error_banner.hide()
        self.fix_button = QPushButton(tr("Open in Text &Editor"))
        self.fix_button.setObjectName("fixInEditor")
        self.fix_button.setToolTip(tr("Open this file in your text editor at the marked line (Ctrl+E)"))
        self.fix_button.clicked.connect(self.editRequested)
        self.fix_row = QWidget()
        fix_layout = QHBoxLayout(self.fix_row)
        fix_layout.setContentsMargins(0, 0, 0, 0)
        fix_layout.addWidget(self.fix_button)
        fix_layout.addStretch(1)
        self.fix_row.hide()

        self.warnings = QLabel()
        self.warnings.setTextFormat(Qt.TextFormat.RichText)
        self.warnings.setWordWrap(True)
        self.warnings.setAccessibleName(tr("Field warnings"))
        self.warnings.hide()

    def _build_decision(self) -> None:
        """The two controls an editor changes: published and quality."""
        self.published = QCheckBox(tr("Published"))
        self.published.setObjectName("publishedToggle")
        self.published.setToolTip(tr("Toggle published (Space); P publishes, U unpublishes"))
        self.published.setAccessibleName(tr("Published"))
        self.published.clicked.connect(self._on_published_clicked)

        self.quality_spin = QualitySpinBox()
        self.quality_spin.setObjectName("qualitySpin")
        self.quality_spin.setRange(QUALITY_MIN - 1, QUALITY_MAX)
        self.quality_spin.setSpecialValueText(tr("not set"))  # shown at -1: no valid quality on disk
        self.quality_spin.setKeyboardTracking(False)  # typing "75" is one edit, not "7" then "75"
        self.quality_spin.setToolTip(tr("Quality 0 to 100 (+/- step 1, ]/[ step 10)"))
        self.quality_spin.setAccessibleName(tr("Quality"))
        self.quality_spin.valueChanged.connect(self._on_spin)
        self.quality_spin.installEventFilter(self)  # how it got focus: see hands_focus_back
        self._spin_clicked = False

        self.quality_slider = QSlider(Qt.Orientation.Horizontal)
        self.quality_slider.setObjectName("qualitySlider")
        self.quality_slider.setRange(QUALITY_MIN, QUALITY_MAX)
        self.quality_slider.setPageStep(10)
        self.quality_slider.setToolTip(tr("Quality 0 to 100"))
        self.quality_slider.setAccessibleName(tr("Quality slider"))
        # A drag or a click on the groove leaves the keyboard with the queue; Tab still reaches it.
        self.quality_slider.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.quality_slider.valueChanged.connect(self._on_slider_moved)
        self.quality_slider.sliderReleased.connect(self._on_slider_released)

        self.saving = QLabel()
        self.saving.setTextFormat(Qt.TextFormat.RichText)
        self.saving.setWordWrap(True)
        self.saving.setObjectName("savingNote")
        self.status_pill = QLabel()
        self.status_pill.setObjectName("statusPill")
        self.status_pill.setAccessibleName(tr("Status"))

        decision = QGroupBox(tr("Decision"))
        decision.setAccessibleName(tr("Decision"))
        status = QWidget()
        status_row = QHBoxLayout(status)
        status_row.setContentsMargins(0, 0, 0, 0)
        status_row.addWidget(self.status_pill)
        status_row.addSpacing(6)
        status_row.addWidget(self.published)
        status_row.addStretch(1)  # the pill keeps its size when the row wraps
        quality = QWidget()
        quality_row = QHBoxLayout(quality)
        quality_row.setContentsMargins(0, 0, 0, 0)
        quality_label = QLabel(tr("&Quality"))
        quality_label.setBuddy(self.quality_spin)
        quality_row.addWidget(quality_label)
        quality_row.addWidget(self.quality_spin)
        self.quality_slider.setMinimumWidth(80)
        quality_row.addWidget(self.quality_slider, 1)
        quality_row.addWidget(self.saving)
        # In a narrow pane the quality controls go under the toggle, not over it.
        self.decision_row = WrapRow(status, quality, spacing=30)
        QVBoxLayout(decision).addWidget(self.decision_row)
        self.decision = decision

    def _build_facts(self, image_loader: Any) -> None:
        """Excerpt, the facts form, pictures and related articles."""
        self.excerpt = QLabel()
        self.excerpt.setWordWrap(True)
        self.excerpt.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.excerpt.setAccessibleName(tr("Excerpt"))
        self.excerpt.setStyleSheet("QLabel { color: palette(window-text); padding-bottom: 4px; }")

        self.facts = QFormLayout()
        self.facts.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.facts.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._fact_labels: dict[str, QLabel] = {}
        for name, row_label in _FACTS:
            value = QLabel()
            value.setTextFormat(Qt.TextFormat.RichText)  # values are escaped; links are anchors
            value.setWordWrap(True)
            # Only the links take keyboard focus: a Tab stop on plain text shows
            # no focus at all, and a keyboard user would not know where they are.
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction if name == "Links"
                                          else Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setOpenExternalLinks(True)  # links open in the editor's browser
            value.setAccessibleName(tr(row_label).rstrip(": "))
            self._fact_labels[name] = value
            self.facts.addRow(tr(row_label), value)

        self.images_box = QGroupBox(tr("Images"))
        images_layout = QVBoxLayout(self.images_box)
        self.image_strip = _make_image_strip(image_loader)
        self.images_fallback = QLabel()
        self.images_fallback.setWordWrap(True)
        if self.image_strip is not None:
            images_layout.addWidget(self.image_strip)
        images_layout.addWidget(self.images_fallback)

        self.copies_box = CopiesBox()  # filled by the window (`extras_of`): the queue knows the copies
        self.related_box = QGroupBox(tr("Related"))
        self.related = QLabel()
        self.related.setTextFormat(Qt.TextFormat.RichText)
        self.related.setWordWrap(True)
        self.related.setOpenExternalLinks(True)
        self.related.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.related.setAccessibleName(tr("Related articles"))
        QVBoxLayout(self.related_box).addWidget(self.related)


    def _build_article_tab(self) -> QScrollArea:
        """The scrolling article view."""
        body = QWidget()
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(4, 8, 4, 4)
        body_layout.addWidget(self.excerpt)
        body_layout.addLayout(self.facts)
        body_layout.addWidget(self.copies_box)
        body_layout.addWidget(self.images_box)
        body_layout.addWidget(self.related_box)
        self.history = HistoryView()  # filled by the window from the audit trail (ui.review_features)
        body_layout.addWidget(self.history)
        body_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setObjectName("articleScroll")
        scroll.setAccessibleName(tr("Article"))
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        # It takes Tab focus (arrow keys then scroll the article); show that it has it.
        scroll.setStyleSheet("QScrollArea#articleScroll { border: 1px solid transparent; }"
                             " QScrollArea#articleScroll:focus { border: 1px solid palette(highlight); }")
        scroll.setWidget(body)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        return scroll

    def _build_raw_tab(self) -> None:
        """The raw front matter, read-only and monospace."""
        self.raw = RawTextView()
        self.raw.setObjectName("rawFrontMatter")
        self.raw.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.raw.setAccessibleName(tr("Raw front matter (read-only)"))

    def _build_tabs(self, article: QWidget) -> None:
        self.tabs = QTabWidget()
        self.tabs.addTab(article, tr("&Article"))
        self.tabs.addTab(self.raw, tr("&Front matter"))
        self.body = BodyView()  # read only while its tab is shown (ui.body_view)
        self.tabs.addTab(self.body, tr("&Body"))
        self.tabs.setAccessibleName(tr("Article, raw front matter or body"))
        self.tabs.tabBar().setAccessibleName(tr("Article, raw front matter or body"))
        # An unreadable file has no article to show, only its text: switch to
        # it, and back to the editor's own choice for the next readable one.
        self._preferred_tab = 0
        self.tabs.currentChanged.connect(self._remember_tab)


    def add_note(self, widget: QWidget) -> None:
        """A line of the window's own just above the decision (a team claim: ui.claims)."""
        layout = self.layout()
        layout.insertWidget(layout.indexOf(self.decision), widget)

    def set_mapping(self, mapping: Any) -> None:
        """The open queue's field mapping: the toggle says which line a decision writes."""
        self.published.setToolTip(tr("Toggle published (Space); P publishes ({on}), U unpublishes ({off})").format(
            on=mapping.describe_key("published", True), off=mapping.describe_key("published", False)))

    # --- filling in ---------------------------------------------------------------
    def show_nothing(self, message: str | None = None) -> None:
        self.facts.setRowVisible(self._fact_labels["Other"], False)
        self.relpath = None
        self.article = None
        self._show_title(message or tr("No article selected"))
        self.status_pill.hide()  # nothing selected: no status to show
        self.byline.setText("")
        self.error_banner.hide()
        self.fix_row.hide()
        self.warnings.hide()
        self.excerpt.setText("")
        for label in self._fact_labels.values():
            label.setText("")
        self.raw.show_raw(None)
        self.body.show_file(None)
        self._show_images(None, ())
        self.related_box.hide()
        self.copies_box.show_copies([])
        self.history.show_entries(None, ())
        self.decision.setEnabled(False)
        self.saving.setText("")

    def show_summary(self, summary: Any, folder: Path, *, pending: dict[str, Any],
                     write_error: str = "") -> None:
        """Show what the queue knows now. A new relpath clears the full-article part."""
        new_article = summary.path != self.relpath
        self.relpath = summary.path
        self._folder = folder
        if new_article:
            self.article = None
            self.raw.show_raw(None)
            self.body.show_file(None)  # read once the article is (ui.body_view reads only when shown)
            self._show_images(None, ())
            self.related_box.hide()
        if summary.error:
            self._show_error(summary)
            return
        self.error_banner.hide()
        self.fix_row.hide()
        for name, label in self._fact_labels.items():
            if name != "Other":
                self.facts.setRowVisible(label, True)
            elif new_article:
                self.facts.setRowVisible(label, False)  # shown once the article is read, if it has any
        self._switch_tab(self._preferred_tab)
        self._show_title(capped(summary.title) or summary.path.rsplit("/", 1)[-1], untitled=not summary.title)
        self._set_byline(summary.provider, summary.category, summary.published_at)
        self.excerpt.setText(capped(summary.excerpt))
        self.excerpt.setVisible(bool(summary.excerpt))  # no empty line above the facts
        self._fact_labels["Topics"].setText(html.escape(capped(", ".join(summary.topics))) or "—")
        self._fact_labels["Heat"].setText(format_heat(summary.heat) or "—")
        self._fact_labels["Category"].setText(html.escape(capped(summary.category)) or "—")
        self.byline.setToolTip(tr("Date as written: {date}").format(date=capped(summary.published_at))
                               if summary.published_at else "")
        self._fact_labels["File"].setText(html.escape(capped(summary.path)))
        self.show_warnings(summary)
        self.decision.setEnabled(True)
        self._set_decision(pending.get("published", summary.published),
                           pending.get("quality", summary.quality))
        if pending:
            self._set_pill("pending")
        # The last failed write stays in view until a write of this article succeeds.
        error = palette.css(palette.tones().error_text)
        self.saving.setText(f"<span style='color:{error}'>"
                            f"{html.escape(tr('Not saved: {message}').format(message=capped(write_error)))}</span>"
                            if write_error and not pending else "")

    def show_warnings(self, summary: Any) -> None:
        """Each warning naming its field and its key's line, the window's own ones
        (picture sizes, copies) included; and the other copies of this story."""
        extra, duplicate, copies = self.extras_of(summary.path) if self.extras_of is not None else ((), None, [])
        lines = warning_lines(summary, extra, duplicate)
        self.warnings.setText("⚠ " + "<br>⚠ ".join(lines) if lines else "")
        self.warnings.setVisible(bool(lines))
        self.copies_box.show_copies(copies)

    def _show_error(self, summary: Any) -> None:
        """An unreadable file: its message and its text; nothing to edit."""
        self._show_title(capped(summary.path.rsplit("/", 1)[-1]))
        self.byline.setText(capped(summary.path))
        # A position means the text is wrong; without one it is the file itself
        # (permissions, encoding, size), which a text editor may not fix.
        hint = (tr("Fix it in a text editor; this row updates as soon as it is saved.")
                if summary.error_line is not None else tr("This row updates as soon as the file changes."))
        headline = tr("This file cannot be read, so it cannot be edited here.")
        self.error_banner.setText(
            f"<b>{html.escape(headline)}</b><br>"
            + html.escape(capped(summary.error)) + f"<br><small>{html.escape(hint)}</small>")
        self.error_banner.show()
        self.fix_row.setVisible(summary.error_line is not None)  # the same test as the hint's
        self.warnings.hide()
        self.copies_box.show_copies([])
        self.excerpt.setText("")
        for name, label in self._fact_labels.items():
            label.setText("")
            self.facts.setRowVisible(label, name == "File")
        self._fact_labels["File"].setText(html.escape(capped(summary.path)))
        self._switch_tab(1)
        self.decision.setEnabled(False)
        self._set_decision(None, None)
        self._set_pill("error")
        self.saving.setText("")

    def show_article(self, relpath: str, result: Any, raw: RawText | None) -> None:
        """The full article (or its error), and its raw text, prepared on a worker, have arrived."""
        if relpath != self.relpath:
            return
        from app.article.model import ArticleError

        self.raw.show_raw(raw)
        if self._folder is not None:
            self.body.show_file(self._folder / relpath, reload=True)
        if isinstance(result, ArticleError):
            self.article = None
            self.raw.mark_line(result.line, palette.tones().marked_line)
            return
        self.article = result
        if result.provider is not None:
            self._set_byline(result.provider.name + (f" ({result.provider.domain})" if result.provider.domain else ""),
                             result.category, result.published_at)
        self._fact_labels["Type"].setText(html.escape(capped(result.type)) or "—")
        self._fact_labels["Secured"].setText(tr("yes") if result.secured else tr("no"))
        links = [f"<a href='{html.escape(url, quote=True)}'>{html.escape(tr(label))}</a>"
                 for key, label in URL_LABELS if (url := result.urls.get(key))]
        self._fact_labels["Links"].setText(" · ".join(links) or "—")
        if result.urls:
            self._fact_labels["Links"].setToolTip("\n".join(f"{k}: {capped(v)}" for k, v in result.urls.items()))
        other = [f"{html.escape(_short(k))}: {html.escape(_short(v))}" for k, v in result.extra.items()]
        self._fact_labels["Other"].setText("<br>".join(other))
        self.facts.setRowVisible(self._fact_labels["Other"], bool(other))
        self._show_images(self._folder / relpath if self._folder else None, result.images)
        if result.related:
            items = []
            for rel in result.related:
                title = html.escape(capped(rel.title or rel.url or tr("untitled"), 300))
                link = f"<a href='{html.escape(rel.url, quote=True)}'>{title}</a>" if rel.url else title
                meta = []
                if rel.provider and rel.provider.name:
                    meta.append(html.escape(capped(rel.provider.name, 300)))
                if rel.quality is not None:
                    meta.append(tr("quality {value}").format(value=number(rel.quality)))
                muted = palette.css(palette.tones().muted)
                items.append(f"<p style='margin:0 0 6px 0'>{link}<br><span style='color:{muted}'>"
                             f"{' · '.join(meta)}</span></p>")
            self.related.setText("".join(items))
            self.related_box.setTitle(tr("Related ({count})").format(count=number(len(result.related))))
            self.related_box.show()
        else:
            self.related_box.hide()

    def _switch_tab(self, index: int) -> None:
        with QSignalBlocker(self.tabs):
            self.tabs.setCurrentIndex(index)

    @Slot(int)
    def _remember_tab(self, index: int) -> None:
        self._preferred_tab = index

    def _set_byline(self, provider: str, category: str, published_at: str) -> None:
        parts = [p for p in (provider, category, format_date(published_at)) if p]
        self.byline.setText(capped(" · ".join(parts)))

    def _set_decision(self, published: bool | None, quality: int | None) -> None:
        with QSignalBlocker(self.published), QSignalBlocker(self.quality_spin), \
                QSignalBlocker(self.quality_slider):
            self.published.setChecked(bool(published))
            self.published.setText(tr("Published") if published is not None else tr("Published (not set)"))
            self.quality_spin.setValue(quality if quality is not None else QUALITY_MIN - 1)
            self.quality_slider.setValue(quality if quality is not None else QUALITY_MIN)
        self._set_pill("published" if published else "unpublished" if published is False else "unset")

    def _show_title(self, text: str, *, untitled: bool = False) -> None:
        self.title.setText(text)
        if untitled != self._untitled:
            self._untitled = untitled
            self.title.setStyleSheet(f"QLabel {{ color: {palette.css(palette.tones().muted)}; }}"
                                     if untitled else "")
        self.title.setToolTip(tr("This article has no title; its file name is shown") if untitled else "")

    def _set_pill(self, kind: str) -> None:
        self.status_pill.show()
        if kind == self._pill:
            return  # a style sheet change restyles the widget: only when the kind changes
        self._pill = kind
        self.status_pill.setText(tr(_PILLS[kind]))
        self.status_pill.setStyleSheet(palette.tones().badge(kind).style(
            "QLabel", "border-radius: 9px; padding: 2px 10px; font-weight: 600;"))

    def _show_images(self, article_path: Path | None, images: Any) -> None:
        images = tuple(images or ())
        self.images_box.setVisible(bool(images))
        if self.image_strip is not None and article_path is not None:
            try:
                self.image_strip.set_article(article_path.parent, images)
            except Exception as exc:  # noqa: BLE001
                self.images_fallback.setText(html.escape(tr("Images unavailable: {error}").format(error=exc)))
            else:
                self.images_fallback.setText("")
        elif self.image_strip is not None:
            self.image_strip.clear()
        if self.image_strip is None:
            self.images_fallback.setText("<br>".join(html.escape(i.url) for i in images))
        self.images_box.setTitle(tr("Images ({count})").format(count=number(len(images))) if images else tr("Images"))

    @property
    def hands_focus_back(self) -> bool:
        """After a quality chosen with the mouse, the queue should take the keyboard
        back (the next J is a move again); a keyboard user who tabbed into the
        spin box keeps it."""
        return not self.quality_spin.hasFocus() or self._spin_clicked

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.quality_spin and event.type() == QEvent.Type.FocusIn:
            self._spin_clicked = event.reason() == Qt.FocusReason.MouseFocusReason
        return super().eventFilter(watched, event)

    # --- editor actions ---------------------------------------------------------
    @Slot(bool)
    def _on_published_clicked(self, checked: bool) -> None:
        self.publishedChosen.emit(checked)

    @Slot(int)
    def _on_spin(self, value: int) -> None:
        if value < QUALITY_MIN:
            return  # "not set" is not a value an editor can choose
        with QSignalBlocker(self.quality_slider):
            self.quality_slider.setValue(value)
        self.qualityChosen.emit(value)

    @Slot(int)
    def _on_slider_moved(self, value: int) -> None:
        with QSignalBlocker(self.quality_spin):
            self.quality_spin.setValue(value)
        if not self.quality_slider.isSliderDown():  # keys and page clicks; a drag commits on release
            self.qualityChosen.emit(value)

    @Slot()
    def _on_slider_released(self) -> None:
        self.qualityChosen.emit(self.quality_slider.value())


class QualitySpinBox(QSpinBox):
    """Quality typed in ASCII digits only: a locale's own digits (a full-width ５,
    an Arabic-Indic ٣) are not accepted, as on the command line."""

    def validate(self, text: str, pos: int) -> object:
        if text != self.specialValueText() and not text.isascii():
            return QValidator.State.Invalid, text, pos
        return super().validate(text, pos)


def _short(value: Any, limit: int = 120) -> str:
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
