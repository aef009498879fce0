"""The review window: the queue on the left, the selected article on the
right, a key per decision.

Data flows one way: the queue (via `QueueBridge`) tells the table what is on
disk; an editor's key press becomes a `FieldEdit` on the undo stack, which
hands one write to the `SerialWriter`; the write's result, and later the
watcher's report of it, update the row. The GUI thread never touches the disk.

GUI thread only.
"""
from __future__ import annotations

import gc
import time
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QModelIndex, QSignalBlocker, Qt, QTimer, QUrl, Slot
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QGuiApplication
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QSplitter,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from app.article.model import QUALITY_MAX, QUALITY_MIN
from ui.conflict_dialog import ConflictDialog
from ui.decisions import DecisionDesk
from ui.detail_pane import ArticleLoader, DetailPane
from ui.icons import app_icon
from ui.images import ImageLoader, ThumbnailDelegate, ThumbnailProvider
from ui.queue_bridge import QueueBridge
from ui.queue_model import QUICK_FILTERS, SUMMARY_ROLE, ArticleTableModel, Column, QueueFilterProxy
from ui.queue_view import QueueView
from ui.settings import WindowSettings, ensure_demo_copy
from ui.window_menus import QUICK_LABELS, build_actions, build_menus, fill_recent_menu, show_header_menu
from ui.wrap_row import WrapRow

DEFAULT_WIDTHS = {Column.STATUS: 108, Column.QUALITY: 58, Column.PROVIDER: 132, Column.DATE: 120,
                  Column.TOPICS: 124, Column.HEAT: 48, Column.FILE: 220}
# A renamed file arrives under its new name before the old one is declared gone.
RENAME_WINDOW_S = 3.0
TITLE_MIN_WIDTH = 220  # the title takes the room left, but no less: a narrow window scrolls sideways


class MainWindow(QMainWindow):
    def __init__(self, settings: WindowSettings | None = None, *, poll: bool = False,
                 queue_factory: Callable[..., Any] | None = None) -> None:
        super().__init__()
        self.settings = settings or WindowSettings()
        self.poll = poll
        self.folder: Path | None = None
        self.queue: Any = None  # the open ReviewQueue (used only as a write target)
        self._load_token = 0
        self._scanning = False
        self._opening: str | None = None
        self._auto_select = True  # select the top row until the editor picks one
        self._selecting = False
        self._closed = False
        self._arrivals: dict[str, float] = {}  # relpath -> when it appeared on disk (renames)

        self.setWindowTitle("Copydesk")
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)

        self.model = ArticleTableModel(self)
        self.proxy = QueueFilterProxy(self.model, self)
        self.bridge = QueueBridge(self, queue_factory=queue_factory)
        self.desk = DecisionDesk(self.model, self)
        self.undo_stack = self.desk.undo_stack
        self.writer = self.desk.writer
        self.loader = ArticleLoader(self)
        self.images = ImageLoader(load_remote=self.settings.load_remote_images, parent=self)
        self.thumbnails: ThumbnailDelegate | None = None

        self._build_widgets()
        build_actions(self)
        build_menus(self)
        fill_recent_menu(self)
        self._connect()
        self._restore_settings()
        self.table.setFocus()

    # --- construction -------------------------------------------------------------
    def _build_widgets(self) -> None:
        self.table = QueueView()
        self.table.setModel(self.proxy)
        header = self.table.horizontalHeader()
        header.setSectionsMovable(True)
        header.setStretchLastSection(False)
        for column, width in DEFAULT_WIDTHS.items():
            header.resizeSection(column, width)
        header.setMinimumSectionSize(40)
        self.table.set_stretch_column(Column.TITLE, TITLE_MIN_WIDTH)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.setColumnHidden(Column.FILE, True)
        self.table.setColumnHidden(Column.IMAGE, True)
        header.moveSection(header.visualIndex(Column.IMAGE), 0)  # thumbnails sit at the left edge
        header.resizeSection(Column.IMAGE, 72)
        self.table.sortByColumn(Column.DATE, Qt.SortOrder.DescendingOrder)

        self.quick_tabs = QTabBar()
        self.quick_tabs.setObjectName("quickFilter")
        self.quick_tabs.setAccessibleName("Quick filter")
        self.quick_tabs.setDrawBase(False)
        self.quick_tabs.setExpanding(False)
        self.quick_tabs.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        for name in QUICK_FILTERS:
            self.quick_tabs.addTab(QUICK_LABELS[name])
        self.quick_tabs.setToolTip("Show all articles, only unpublished, only published, or only errors "
                                   "(Ctrl+1 … Ctrl+4)")

        self.filter_edit = QLineEdit()
        self.filter_edit.setObjectName("filterBox")
        self.filter_edit.setPlaceholderText("Filter title, excerpt, provider, path   (Ctrl+F or /)")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setAccessibleName("Filter")
        self.filter_edit.setToolTip("Matches title, excerpt, provider and path; all words must match. "
                                    "Escape returns to the queue.")
        self.filter_edit.setMinimumWidth(260)
        self._detail_timer = QTimer(self)
        self._detail_timer.setSingleShot(True)
        self._detail_timer.setInterval(0)
        self._detail_timer.timeout.connect(lambda: self._show_current(reload=True))
        self._sort_timer = QTimer(self)  # while scanning: sort a few times a second, not per batch
        self._sort_timer.setInterval(300)
        self._sort_timer.timeout.connect(self._resort_now)
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(120)
        self._counts_timer = QTimer(self)  # a run of decisions recounts once, not per key
        self._counts_timer.setSingleShot(True)
        self._counts_timer.setInterval(100)
        self._counts_timer.timeout.connect(self._update_counts)

        # In a narrow window the filter box goes under the quick filters, which stay whole.
        self.top_row = WrapRow(self.quick_tabs, self.filter_edit, gap_stretch=1, second_stretch=2)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(6, 6, 0, 0)
        left_layout.setSpacing(4)
        left_layout.addWidget(self.top_row)
        left_layout.addWidget(self.table, 1)

        self.detail = DetailPane(image_loader=self.images)
        self.detail.setMinimumWidth(340)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        self.setCentralWidget(self.splitter)

        bar = self.statusBar()
        self.write_label = QLabel()
        self.write_label.setObjectName("lastWrite")
        self.write_label.setAccessibleName("Last write")
        self.write_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # A label, not a QProgressBar: QProgressBar.setValue repaints synchronously,
        # tens of milliseconds per update with a 10,000-row table behind it.
        self.progress = QLabel()
        self.progress.setObjectName("scanProgress")
        self.progress.setAccessibleName("Scan progress")
        self.progress.hide()
        self.notice_label = QLabel()
        self.notice_label.setObjectName("notice")
        self.notice_label.setAccessibleName("Folder notice")
        self.notice_label.setStyleSheet("QLabel { padding-right: 14px; color: palette(placeholder-text); }")
        self._notice_timer = QTimer(self)
        self._notice_timer.setSingleShot(True)
        self._notice_timer.timeout.connect(self.notice_label.clear)
        self.counts_label = QLabel()
        self.counts_label.setObjectName("counts")
        self.counts_label.setAccessibleName("Article counts")
        bar.addWidget(self.write_label, 1)
        bar.addPermanentWidget(self.notice_label)
        bar.addPermanentWidget(self.progress)
        bar.addPermanentWidget(self.counts_label)

        # Tab order: filter, quick filter, queue, then the decision controls.
        QWidget.setTabOrder(self.filter_edit, self.quick_tabs)
        QWidget.setTabOrder(self.quick_tabs, self.table)
        QWidget.setTabOrder(self.table, self.detail.published)

    def _connect(self) -> None:
        sel = self.table.selectionModel()
        sel.currentRowChanged.connect(self._on_current_changed)
        self.filter_edit.textChanged.connect(lambda _t: self._filter_timer.start())
        self.filter_edit.returnPressed.connect(self.table.setFocus)
        self._filter_timer.timeout.connect(self._apply_filter_text)
        self.quick_tabs.currentChanged.connect(lambda i: self.set_quick_filter(QUICK_FILTERS[i]))
        self.auto_advance_action.toggled.connect(self._on_auto_advance_toggled)
        self.table.horizontalHeader().customContextMenuRequested.connect(
            lambda pos: show_header_menu(self, pos))
        self.thumbnails_action.toggled.connect(self.set_thumbnails)
        self.remote_images_action.toggled.connect(self._on_remote_images_toggled)
        self.desk.message.connect(self._show_write_message)
        self.desk.rowTouched.connect(self._on_row_touched)
        self.desk.conflictClosed.connect(self._on_conflict_closed)
        self.desk.revisited.connect(self._on_revisited)

        self.bridge.opened.connect(self._on_opened)
        self.bridge.openFailed.connect(self._on_open_failed)
        self.bridge.rowsArrived.connect(self._on_rows)
        self.bridge.scanStarted.connect(self._on_scan_started)
        self.bridge.scanProgress.connect(self._on_scan_progress)
        self.bridge.scanFinished.connect(self._on_scan_finished)
        self.bridge.changesArrived.connect(self._on_changes)
        self.bridge.notice.connect(lambda text: self.show_notice(text, 30_000))
        self.loader.loaded.connect(self._on_article_loaded)
        self.detail.publishedChosen.connect(self._on_detail_published)
        self.detail.qualityChosen.connect(self._on_detail_quality)

    # --- settings -------------------------------------------------------------------
    def _restore_settings(self) -> None:
        s = self.settings
        if (geometry := s.state("geometry")) is not None:
            self.restoreGeometry(geometry)
        else:  # first run: a generous size, but never larger than the screen
            screen = self.screen() or QGuiApplication.primaryScreen()
            room = screen.availableGeometry().size() if screen is not None else None
            self.resize(min(1360, room.width()) if room else 1360, min(820, room.height()) if room else 820)
        if (splitter := s.state("splitter")) is not None:
            self.splitter.restoreState(splitter)
        else:
            self.splitter.setSizes([860, 500])
        if (header := s.state("header")) is not None:
            self.table.horizontalHeader().restoreState(header)
            self.table.set_stretch_column(Column.TITLE, TITLE_MIN_WIDTH)
        with QSignalBlocker(self.filter_edit):
            self.filter_edit.setText(s.filter_text)
        self.proxy.set_text(s.filter_text)
        self.set_quick_filter(s.quick_filter)
        with QSignalBlocker(self.auto_advance_action):  # no "Auto-advance on" message at start
            self.auto_advance_action.setChecked(s.auto_advance)
        self.thumbnails_action.setChecked(s.thumbnails)
        self.remote_images_action.setChecked(s.load_remote_images)

    def save_settings(self) -> None:
        s = self.settings
        s.set_state("geometry", self.saveGeometry())
        s.set_state("splitter", self.splitter.saveState())
        s.set_state("header", self.table.horizontalHeader().saveState())
        s.filter_text = self.filter_edit.text()
        s.quick_filter = self.proxy.quick_filter
        s.auto_advance = self.auto_advance_action.isChecked()
        s.thumbnails = self.thumbnails_action.isChecked()
        s.load_remote_images = self.remote_images_action.isChecked()
        s.sync()

    # --- folders ---------------------------------------------------------------------
    def open_folder(self, folder: str | Path) -> None:
        """Switch to `folder`. Construction, scan and watching run on the bridge's thread."""
        folder = str(folder)
        self._opening = folder
        self.queue = None
        self.desk.set_queue(None)  # old decisions belong to the old folder
        self.model.clear()
        self._arrivals.clear()
        self._auto_select = True
        self._sort_timer.stop()
        self.model.defer_sorting = False
        self.detail.show_nothing("Opening…")
        self.table.placeholder = f"Opening {folder} …"
        self.setWindowTitle(f"{folder} — Copydesk")
        self._update_counts()
        self.bridge.open(folder, poll=self.poll)
        self.table.setFocus()

    def choose_folder(self) -> None:
        start = str(self.folder) if self.folder else ""
        folder = QFileDialog.getExistingDirectory(self, "Open a folder of articles", start)
        if folder:
            self.open_folder(folder)

    def open_demo(self) -> None:
        # A first copy is a few hundred KB; small enough to make here, and it
        # happens once per user.
        try:
            folder = ensure_demo_copy()
        except OSError as exc:
            self.write_label.setText(f"Cannot copy the demo queue: {exc}")
            return
        self.open_folder(folder)

    def rescan(self) -> None:
        if self.queue is not None:
            self.bridge.rescan()

    @Slot(object)
    def _on_opened(self, queue: Any) -> None:
        self.queue = queue
        self.desk.set_queue(queue)
        folder = Path(getattr(queue, "folder", self._opening or ""))
        self.folder = folder
        self.setWindowTitle(f"{_home_short(folder)} — Copydesk")
        self.table.placeholder = "Reading the folder…"
        self.settings.remember_folder(str(folder))
        fill_recent_menu(self)

    @Slot(str, str)
    def _on_open_failed(self, folder: str, message: str) -> None:
        self.table.placeholder = f"Cannot open {folder}: {message}\n\nUse File > Open Folder (Ctrl+O)."
        self.table.viewport().update()
        self.detail.show_nothing("No folder open")
        self.write_label.setText(f"Cannot open {folder}: {message}")

    # --- queue updates -------------------------------------------------------------------
    @Slot()
    def _on_scan_started(self) -> None:
        self._scanning = True
        self.model.defer_sorting = True
        self._sort_timer.start()
        self.progress.setText("Scanning…")
        self.progress.show()

    @Slot(int, int)
    def _on_scan_progress(self, done: int, total: int) -> None:
        percent = f" ({done * 100 // total}%)" if total else ""
        self.progress.setText(f"Scanning {done:,} of {total:,}{percent}")
        self.progress.show()

    def _resort_now(self) -> None:
        with self.table.keep_place(stay_at_top=self._auto_select):
            self.model.resort()
        self._after_update(set())

    @Slot(object)
    def _on_rows(self, rows: list[Any]) -> None:
        first = self.model.rowCount() == 0
        with self.table.keep_place(stay_at_top=self._auto_select):
            changed = self.model.upsert(rows)
            if first:
                self.model.resort()  # the first rows show sorted at once
        # During a scan, counts follow the sort timer (a few times a second).
        self._after_update(changed, counts=first or not self._scanning)

    @Slot(object, object)
    def _on_scan_finished(self, report: Any, present: frozenset[str] | None) -> None:
        self._scanning = False
        self._sort_timer.stop()
        self.model.defer_sorting = False
        self._resort_now()
        # The queue's rows are long-lived. A full collection walks every tracked
        # object while holding the GIL, stalling the GUI thread whichever thread
        # runs it (measured: 22-38 ms with 10,000 rows). Frozen objects are
        # skipped by the collector; refcounting still frees them.
        gc.freeze()
        self.progress.hide()
        if present is not None:
            gone = self.model.paths() - present
            if gone:
                with self.table.keep_place():
                    self.model.remove(gone)
        if self.queue is not None:  # (a ReviewQueue with no rows is falsy: it has a len())
            self.table.placeholder = "No article files in this folder."
        if report is not None:
            seconds = getattr(report, "seconds", 0.0)
            total = getattr(report, "total", self.model.rowCount())
            self.show_notice(f"Read {total:,} files in {seconds:.2f} s", 8000)
        self._after_update(set())

    @Slot(object)
    def _on_changes(self, changes: list[Any]) -> None:
        removed = [c.path for c in changes if c.kind == "removed"]
        updated = [c.summary for c in changes if c.kind != "removed" and c.summary is not None]
        renamed = self._renames(removed, updated)
        with self.table.keep_place(renamed=renamed):
            changed = self.model.upsert(updated) if updated else set()
            if removed:
                self.model.remove(removed)
        if renamed:
            self.desk.follow_renames(renamed)
        outside = sum(1 for c in changes if getattr(c, "by", "outside") == "outside")
        if outside:
            self.show_notice(f"{outside:,} file{'s' if outside != 1 else ''} changed on disk", 8000)
        current = self.table.current_relpath()
        if current is not None and current in removed and self.model.state(current) is None:
            self.detail.show_nothing("This article was removed from disk")
        self._after_update(changed)

    def _renames(self, removed: list[str], updated: list[Any]) -> dict[str, str]:
        """Which removed rows reappeared under another name. A renamed file's
        new name arrives first; the old one is declared removed a grace period
        later, so recent arrivals are remembered for a little while."""
        now = time.monotonic()
        fresh = [s for s in updated if self.model.state(s.path) is None]
        renamed: dict[str, str] = {}
        if removed:
            self._arrivals = {p: t for p, t in self._arrivals.items()
                              if now - t < RENAME_WINDOW_S and self.model.state(p) is not None}
            earlier = [self.model.summary(p) for p in self._arrivals]
            renamed = self.model.renames(removed, fresh + earlier)
        for s in fresh:
            self._arrivals[s.path] = now
        return renamed

    def _after_update(self, changed: set[str], *, counts: bool = True) -> None:
        if counts:
            self._update_counts()
        current = self.table.current_relpath()
        if (self._auto_select and self.proxy.rowCount() and not self.model.unsorted
                and (current is None or not self._scanning)):
            # Until the editor moves, their place is the top of the list, even
            # while a scan is still adding rows above the first one shown
            # (re-selected when the scan ends, not on every batch).
            if self.table.currentIndex().row() != 0:
                self._select_programmatically(0)
                self.table.scrollToTop()
                return
        if current is not None and current in changed:
            self._show_current(reload=True)

    def _select_programmatically(self, row: int) -> None:
        self._selecting = True
        try:
            self.table.select_row(row)
        finally:
            self._selecting = False

    @Slot(str)
    def _show_write_message(self, text: str) -> None:
        self.write_label.setText(text)
        self.write_label.setToolTip(text)  # a long title can push the end of the line out of view

    def show_notice(self, text: str, msec: int) -> None:
        """Folder-level news (scan done, files changed, index rebuilt), beside the counts."""
        self.notice_label.setText(text)
        self.notice_label.setToolTip(text)
        self._notice_timer.start(msec)

    def _update_counts(self) -> None:
        total, published, errors = self.model.counts()
        text = (f"{total:,} article{'s' if total != 1 else ''} · {published:,} published · "
                f"{errors:,} error{'s' if errors != 1 else ''}")
        shown = self.proxy.rowCount()
        if shown != total:
            text += f" · {shown:,} shown"
        self.counts_label.setText(text)
        unpublished = total - published - errors
        for i, (name, n) in enumerate(zip(QUICK_FILTERS, (total, unpublished, published, errors))):
            self.quick_tabs.setTabText(i, f"{QUICK_LABELS[name]}  {n:,}" if total else QUICK_LABELS[name])

    # --- selection and the detail pane -------------------------------------------------
    def current_relpath(self) -> str | None:
        return self.table.current_relpath()

    @Slot(QModelIndex, QModelIndex)
    def _on_current_changed(self, _current: QModelIndex, _previous: QModelIndex) -> None:
        if not self._selecting:
            self._auto_select = False  # the editor chose an article: keep it from now on
        # The pane follows on the next turn of the event loop: the key press and
        # the table's repaint are not held up by it, and when keys repeat faster
        # than the pane fills, only the article the editor stops on is shown.
        self._detail_timer.start()

    def _show_current(self, *, reload: bool) -> None:
        relpath = self.current_relpath()
        state = self.model.state(relpath) if relpath else None
        if state is None or self.folder is None:
            if relpath is None:
                self.detail.show_nothing()
            return
        self.detail.show_summary(state.summary, self.folder, pending=state.pending,
                                 write_error=state.write_error)
        if reload:
            self._load_token = self.loader.request(relpath, self.folder / relpath)

    @Slot(int, str, object, str)
    def _on_article_loaded(self, token: int, relpath: str, result: Any, raw: str) -> None:
        if token == self._load_token:
            self.detail.show_article(relpath, result, raw)

    def move_selection(self, step: int) -> None:
        rows = self.proxy.rowCount()
        if not rows:
            return
        current = self.table.currentIndex()
        row = current.row() + step if current.isValid() else 0
        self.table.select_row(max(0, min(rows - 1, row)))

    def focus_filter(self) -> None:
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    def _apply_filter_text(self) -> None:
        with self.table.keep_place():
            self.proxy.set_text(self.filter_edit.text())
        self._update_counts()

    def set_quick_filter(self, name: str) -> None:
        if name not in QUICK_FILTERS:
            name = "all"
        with QSignalBlocker(self.quick_tabs):
            self.quick_tabs.setCurrentIndex(QUICK_FILTERS.index(name))
        self.quick_actions[name].setChecked(True)
        with self.table.keep_place():
            self.proxy.set_quick_filter(name)
        self._update_counts()

    @Slot(bool)
    def set_thumbnails(self, on: bool) -> None:
        header = self.table.verticalHeader()
        if on and self.thumbnails is None:
            provider = ThumbnailProvider(self.images, parent=self)
            self.thumbnails = ThumbnailDelegate(provider, self._thumbnail_source, self.table)
            self.table.setItemDelegateForColumn(Column.IMAGE, self.thumbnails)
        self.table.setColumnHidden(Column.IMAGE, not on)
        header.setDefaultSectionSize(self.thumbnails.row_height() if on and self.thumbnails
                                     else self.table.fontMetrics().height() + 10)

    def _thumbnail_source(self, index: QModelIndex) -> tuple[Path, str] | None:
        summary = index.data(SUMMARY_ROLE)
        if summary is None or not summary.image_url or self.folder is None:
            return None
        return (self.folder / summary.path).parent, summary.image_url

    @Slot(bool)
    def _on_remote_images_toggled(self, on: bool) -> None:
        self.images.load_remote = on

    @Slot(bool)
    def _on_auto_advance_toggled(self, on: bool) -> None:
        self.settings.auto_advance = on
        self.write_label.setText(f"Auto-advance {'on' if on else 'off'}")

    # --- decisions ----------------------------------------------------------------------
    def _editable_current(self) -> str | None:
        relpath = self.current_relpath()
        if relpath is None or self.queue is None:
            return None
        state = self.model.state(relpath)
        if state is None:
            return None
        if state.summary.error:
            self.write_label.setText(f"{relpath} cannot be edited: {state.summary.error}")
            return None
        return relpath

    def set_published(self, decide: Callable[[Any], bool], *, advance: bool = True) -> None:
        relpath = self._editable_current()
        if relpath is None:
            return
        old = self.model.shown_value(relpath, "published")
        self._decide(relpath, "published", old, decide(old))
        if advance and self.auto_advance_action.isChecked():
            self.move_selection(+1)

    def step_quality(self, step: int) -> None:
        relpath = self._editable_current()
        if relpath is None:
            return
        old = self.model.shown_value(relpath, "quality")
        # A missing or invalid quality counts as 0: + gives 1, - gives 0.
        new = max(QUALITY_MIN, min(QUALITY_MAX, (old or 0) + step))
        self._decide(relpath, "quality", old, new)

    def _decide(self, relpath: str, name: str, old: Any, new: Any) -> None:
        self._auto_select = False  # the editor is at work here
        self.desk.decide(relpath, name, old, new)

    @Slot(bool)
    def _on_detail_published(self, checked: bool) -> None:
        self.set_published(lambda _old: checked, advance=False)
        self.table.setFocus()  # the queue keeps focus: the next key is a decision again

    @Slot(int)
    def _on_detail_quality(self, value: int) -> None:
        relpath = self._editable_current()
        if relpath is not None:
            self._decide(relpath, "quality", self.model.shown_value(relpath, "quality"), value)
        if self.detail.hands_focus_back:
            self.table.setFocus()  # a click in the pane is not a move into it

    @Slot(str)
    def _on_row_touched(self, relpath: str) -> None:
        self._counts_timer.start()  # a landed write may move the row between published and not
        if relpath == self.current_relpath():
            self._show_current(reload=False)

    @Slot(str)
    def _on_revisited(self, relpath: str) -> None:
        # Undo and redo take the editor to the article they change, so the
        # change is seen (and an auto-advanced P can be decided again).
        row = self.table.row_of_relpath(relpath)
        if row >= 0 and relpath != self.current_relpath():
            self._auto_select = False
            self.table.select_row(row)

    @Slot()
    def _on_conflict_closed(self) -> None:
        self.activateWindow()  # without a window manager nobody hands activation back
        self.table.setFocus()

    # --- delegated to the decision desk (kept as attributes for tests and menus) ---------
    @property
    def conflict_dialog(self) -> ConflictDialog | None:
        return self.desk.conflict_dialog

    # --- drag and drop ----------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        if urls and urls[0].isLocalFile():
            event.acceptProposedAction()  # whether it is a folder is checked off the GUI thread

    def dropEvent(self, event: QDropEvent) -> None:
        urls = event.mimeData().urls()
        if urls and urls[0].isLocalFile():
            event.acceptProposedAction()
            self.open_folder(QUrl(urls[0]).toLocalFile())

    # --- shutdown -----------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        if self._closed:  # closing twice must not save over what a newer window saved
            super().closeEvent(event)
            return
        self._closed = True
        self.save_settings()
        self.desk.close()  # queued decisions are written before we go
        self.bridge.close(wait=True)
        self.loader.close()
        self.images.shutdown()
        super().closeEvent(event)


def _home_short(folder: Path) -> str:
    home = Path.home()
    try:
        return "~/" + str(folder.relative_to(home)) if folder != home else "~"
    except ValueError:
        return str(folder)
