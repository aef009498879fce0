"""The review window: the queue on the left, the selected article on the
right, a key per decision.

Data flows one way: the queue (via `QueueBridge`) tells the table what is on
disk; an editor's key press becomes a `FieldEdit` on the undo stack, which
hands one decision to the writer lane (`app.decisions.decide`); its outcome, and later the
watcher's report of it, update the row. The GUI thread never touches the disk.

GUI thread only.
"""
from __future__ import annotations

import gc
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from PySide6.QtCore import QLocale, QModelIndex, QPoint, QSignalBlocker, Qt, QTimer, QUrl, Slot
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMenu, QSplitter, QWidget

from app import version
from app.article.model import QUALITY_MAX, QUALITY_MIN
from app.courtesy import foreground
from app.memory import give_back
from app.queue.selection import QUICK_FILTERS, Selection, quick_filter, words_of
from ui.actions import build_actions, build_menus, fill_columns_menu, fill_recent_menu
from ui.article_loader import ArticleLoader
from ui.background import Lane
from ui.claims import ClaimBanner, ClaimDesk
from ui.conflict_dialog import ConflictDialog
from ui.decisions import DecisionDesk
from ui.detail_pane import DetailPane
from ui.help_dialogs import show_about, show_keys
from ui.holder import Holder
from ui.icons import app_icon
from ui.images import ImageLoader, ThumbnailDelegate, ThumbnailProvider
from ui.queue_bridge import QueueBridge
from ui.queue_filter_model import QueueFilterProxy
from ui.queue_model import RELPATH_ROLE, SUMMARY_ROLE, ArticleTableModel, Column
from ui.preferences import show_preferences
from ui.queue_filters import QueueFilters
from ui.queue_panel import TITLE_MIN_WIDTH, QueuePanel
from ui.queue_settings import QueueSettingsDialog, profile_summary
from ui.review_features import ReviewFeatures
from ui.row_menu import CurrentFile, RowActions, show_row_menu
from ui.window_extras import install_window_extras
from ui.settings import WindowSettings, ensure_demo_copy
from ui.i18n import count, tr
from ui.status_bar import QueueStatusBar, counts_text, scan_progress_text
from ui.team_conflicts import TeamConflicts
from ui.team_status import TeamDesk

if TYPE_CHECKING:
    from app.queue import ReviewQueue, ScanReport

# A renamed file arrives under its new name before the old one is declared gone.
RENAME_WINDOW_S = 3.0


class MainWindow(QMainWindow):
    def __init__(self, settings: WindowSettings | None = None, *, poll: bool = False,
                 queue_factory: Callable[..., Any] | None = None) -> None:
        super().__init__()
        self.settings = settings or WindowSettings()
        self.poll = poll
        self.folder: Path | None = None
        self.queue: ReviewQueue | None = None  # the open folder's queue (the write target)
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

        self.sort_lane = Lane("copydesk-sort", 1, parent=self)
        self.model = ArticleTableModel(self, background=lambda fn, *args, done: self.sort_lane.run(fn, *args,
                                                                                                   done=done))
        self.model.orderSettled.connect(self._on_order_settled)
        self.proxy = QueueFilterProxy(self.model, self)
        self.bridge = QueueBridge(self, queue_factory=queue_factory)
        self.desk = DecisionDesk(self.model, self)
        self.undo_stack = self.desk.undo_stack
        self.writer = self.desk  # `busy` while a decision is on its way to the disk
        self.team = TeamDesk(self.settings, self)  # a team queue's commits, sync and claims (ui.team_status)
        self.loader = ArticleLoader(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont), self)
        self.images = ImageLoader(load_remote=self.settings.load_remote_images,
                                  disk_cache_bytes=self.settings.image_cache_mb * 1024 * 1024, parent=self)
        self.thumbnails: ThumbnailDelegate | None = None

        self._build_widgets()
        self.review = ReviewFeatures(self)  # audit trail, History, R, Shift+U, bulk decisions (ui.review_features)
        self.team.log_file = self.review.audit.log_file_for  # a team commit carries the decision's log line
        self.row_actions = RowActions(self._current_file, lambda: self.settings.editor_command,
                                      self.status.show_write, self)
        self.queue_settings_dialog: QueueSettingsDialog | None = None
        self._build_actions()
        self.filters = QueueFilters(self)  # the quick filters, the filter box, facets and chips: one Selection
        install_window_extras(self)  # facets in View, Export View in File, warnings and copies in the pane
        self._connect()
        self._restore_settings()
        self.table.setFocus()
        # Qt, the modules and the window live as long as the process: frozen out
        # of the cyclic collector's reach, the first full collection of an open
        # (on the queue's thread, holding the GIL) no longer walks them (31 ms).
        gc.freeze()
        give_back()  # the source lines read while starting: not held through the open's peak

    # --- construction -------------------------------------------------------------
    def _build_widgets(self) -> None:
        self.queue_panel = QueuePanel(self.proxy)
        self.table = self.queue_panel.table
        self.quick_tabs = self.queue_panel.quick_tabs
        self.filter_edit = self.queue_panel.filter_edit
        self.top_row = self.queue_panel.top_row
        self._detail_timer = QTimer(self)
        self._detail_timer.setSingleShot(True)
        self._detail_timer.setInterval(0)
        self._detail_timer.timeout.connect(lambda: self._show_current(reload=True))
        self._pane_timer = QTimer(self)  # the current row's values changed (a write): refresh on the next turn
        self._pane_timer.setSingleShot(True)
        self._pane_timer.setInterval(0)
        self._pane_timer.timeout.connect(lambda: self._show_current(reload=False))
        self._last_move = 0.0  # when the selection last moved (keys repeating: the pane waits a frame)
        self._stage_timer = QTimer(self)  # while scanning: staged rows are shown a few times a second
        self._stage_timer.setSingleShot(True)
        self._stage_timer.setInterval(250)
        self._stage_timer.timeout.connect(self._show_staged)
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(25)  # a burst of keys is one filter (the words' test may run off the GUI thread)
        self._counts_timer = QTimer(self)  # a run of decisions recounts once, not per key
        self._counts_timer.setSingleShot(True)
        self._counts_timer.setInterval(100)
        self._counts_timer.timeout.connect(self._update_counts)

        self.detail = DetailPane(image_loader=self.images)
        self.detail.setMinimumWidth(340)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.queue_panel)
        self.splitter.addWidget(Holder(self.detail))  # held: showing an article lays out the pane, not the window
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        self.setCentralWidget(self.splitter)

        self.status = QueueStatusBar(self)
        self.setStatusBar(self.status)
        self.write_label = self.status.write_label
        self.notice_label = self.status.notice_label
        self.progress = self.status.progress
        self.counts_label = self.status.counts_label

        self.status.insertPermanentWidget(1, self.team.button)  # after the write label: first on the right
        self.claim_banner = ClaimBanner()
        self.detail.add_note(self.claim_banner)
        self.claims = ClaimDesk(self.team, self.model, self.claim_banner, self.settings, self.current_relpath, self,
                                done=self._on_conflict_closed)
        self.team_conflicts = TeamConflicts(self.team, self, self.desk.title, done=self._on_conflict_closed)

        # Tab order: filter, quick filter, queue (the panel's own), then the decision controls.
        QWidget.setTabOrder(self.table, self.detail.published)

    def _handlers(self) -> dict[str, Callable[..., object]]:
        """What each action of `ui.actions` does in this window."""
        handlers: dict[str, Callable[..., object]] = {
            "next": lambda: self.move_selection(+1),
            "previous": lambda: self.move_selection(-1),
            "publish": lambda: self.set_published(lambda _old: True),
            "unpublish": lambda: self.set_published(lambda _old: False),
            "toggle": lambda: self.set_published(lambda old: not old),
            "quality_up": lambda: self.step_quality(+1),
            "quality_down": lambda: self.step_quality(-1),
            "quality_up10": lambda: self.step_quality(+10),
            "quality_down10": lambda: self.step_quality(-10),
            "find": self.focus_filter,
            "leave_filter": self._leave_filter,
            "rescan": self.rescan,
            "open": self.choose_folder,
            "demo": self.open_demo,
            "queue_settings": self.show_queue_settings,
            "preferences": self.show_preferences,
            "sync": self.team.sync_now,
            "claim": self.claim_selected,
            "row_menu": lambda: show_row_menu(self.table, self.actions_by_name),
            **self.row_actions.handlers(),
            "shortcuts": lambda: show_keys(self),
            "about": lambda: show_about(self, version()),
            "quit": self.close,
            "auto_advance": self._on_auto_advance_toggled,
            "thumbnails": self.set_thumbnails,
            "remote_images": self._on_remote_images_toggled,
            **self.review.handlers(),
        }
        for quick in QUICK_FILTERS:
            handlers[f"quick_{quick.name}"] = lambda name=quick.name: self.set_quick_filter(name)
        return handlers

    def _build_actions(self) -> None:
        undo = self.undo_stack.createUndoAction(self, tr("&Undo"))
        redo = self.undo_stack.createRedoAction(self, tr("&Redo"))
        self.actions_by_name: dict[str, QAction] = build_actions(
            self, self.table, self.filter_edit, self._handlers(), provided={"undo": undo, "redo": redo})
        self.undo_action, self.redo_action = undo, redo
        self.auto_advance_action = self.actions_by_name["auto_advance"]
        self.thumbnails_action = self.actions_by_name["thumbnails"]
        self.remote_images_action = self.actions_by_name["remote_images"]
        submenus = build_menus(self.menuBar(), self.actions_by_name)
        self.recent_menu = submenus["recent"]
        columns = submenus["columns"]
        columns.aboutToShow.connect(lambda: fill_columns_menu(columns, self.table, _NOT_IN_COLUMNS_MENU))
        self._fill_recent_menu()

    def _fill_recent_menu(self) -> None:
        def clear() -> None:
            self.settings.clear_recent()
            self._fill_recent_menu()

        fill_recent_menu(self.recent_menu, self.settings.recent_folders, self.open_folder, clear)

    def _show_header_menu(self, pos: QPoint) -> None:
        menu = QMenu(self)
        fill_columns_menu(menu, self.table, _NOT_IN_COLUMNS_MENU)
        menu.popup(self.table.horizontalHeader().mapToGlobal(pos))

    def _connect(self) -> None:
        sel = self.table.selectionModel()
        sel.currentRowChanged.connect(self._on_current_changed)
        self.filter_edit.textChanged.connect(lambda _t: self._filter_timer.start())
        self.filter_edit.returnPressed.connect(self.table.setFocus)
        self._filter_timer.timeout.connect(self._apply_filter_text)
        self.quick_tabs.currentChanged.connect(lambda i: self.set_quick_filter(self.queue_panel.tab_names[i]))
        self.table.horizontalHeader().customContextMenuRequested.connect(self._show_header_menu)
        self.table.customContextMenuRequested.connect(lambda pos: show_row_menu(self.table, self.actions_by_name, pos))
        self.status.profileClicked.connect(self.show_queue_settings)
        self.detail.editRequested.connect(self.row_actions.open_in_editor)
        self.desk.writeFailed.connect(self._on_revisited)  # a failed write is not left behind by auto-advance
        self.desk.message.connect(self._show_write_message)
        self.desk.rowTouched.connect(self._on_row_touched)
        self.desk.conflictClosed.connect(self._on_conflict_closed)
        self.desk.revisited.connect(self._on_revisited)
        self.desk.articleWritten.connect(self._on_article_written)

        self.team.message.connect(self._show_write_message)
        self.team.notice.connect(lambda text: self.show_notice(text, 30_000))

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
        self.filters.apply(Selection(quick=quick_filter(s.quick_filter).name, words=words_of(s.filter_text)))
        self.filters.restore_state()
        with QSignalBlocker(self.auto_advance_action):  # no "Auto-advance on" message at start
            self.auto_advance_action.setChecked(s.auto_advance)
        self.thumbnails_action.setChecked(s.thumbnails)
        self.remote_images_action.setChecked(s.load_remote_images)

    def save_settings(self) -> None:
        s = self.settings
        s.set_state("geometry", self.saveGeometry())
        s.set_state("splitter", self.splitter.saveState())
        s.set_state("header", self.table.horizontalHeader().saveState())
        self.filters.save_state()
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
        self.review.folder_opening()
        self.claims.close()
        self.team.close_folder(self.desk)  # its queued commits still land, off the GUI thread
        self._stage_timer.stop()
        self.model.clear()
        self._arrivals.clear()
        self._auto_select = True
        self.model.defer_sorting = False
        self.detail.show_nothing(tr("Opening…"))
        self.status.show_profile(None)
        self.table.placeholder = tr("Opening {folder} …").format(folder=folder)
        self.setWindowTitle(f"{folder} — Copydesk")
        self._update_counts()
        self.bridge.open(folder, poll=self.poll, editor_setting=self.settings.editor_name)
        self.table.setFocus()

    def choose_folder(self) -> None:
        start = str(self.folder) if self.folder else ""
        folder = QFileDialog.getExistingDirectory(self, tr("Open a folder of articles"), start)
        if folder:
            self.open_folder(folder)

    def open_demo(self) -> None:
        # A first copy is a few hundred KB; small enough to make here, and it
        # happens once per user.
        try:
            folder = ensure_demo_copy()
        except OSError as exc:
            self.write_label.setText(tr("Cannot copy the demo queue: {error}").format(error=exc))
            return
        self.open_folder(folder)

    def rescan(self) -> None:
        if self.queue is not None:
            self.bridge.rescan()

    @Slot(object)
    def _on_opened(self, queue: ReviewQueue) -> None:
        self.queue = queue
        self.desk.set_queue(queue)
        folder = Path(getattr(queue, "folder", self._opening or ""))
        self.folder = folder
        if (settings := getattr(queue, "settings", None)) is not None:  # its profile: rows, pane, status bar
            self.loader.mapping = settings.mapping
            self.model.set_mapping(settings.mapping)
            self.detail.set_mapping(settings.mapping)
            self.status.show_profile(*profile_summary(settings))
        self.setWindowTitle(f"{_home_short(folder)} — Copydesk")
        self.table.placeholder = tr("Reading the folder…")
        self.settings.remember_folder(str(folder))
        self._fill_recent_menu()
        self.team.open(folder, self.desk)  # a team queue if it is in a git working copy (asked off this thread)

    @Slot(str, str)
    def _on_open_failed(self, folder: str, message: str) -> None:
        self.table.placeholder = tr("Cannot open {folder}: {message}\n\nUse File > Open Folder (Ctrl+O).").format(
            folder=folder, message=message)
        self.table.viewport().update()
        self.detail.show_nothing(tr("No folder open"))
        self.write_label.setText(tr("Cannot open {folder}: {message}").format(folder=folder, message=message))

    # --- queue updates -------------------------------------------------------------------
    @Slot()
    def _on_scan_started(self) -> None:
        self._scanning = True
        self.model.defer_sorting = True  # rows arrive at the end; one sort when the scan is done
        self.status.show_progress(tr("Scanning…"))

    @Slot(int, int)
    def _on_scan_progress(self, done: int, total: int) -> None:
        self.status.show_progress(scan_progress_text(done, total))

    def _on_order_settled(self) -> None:
        """A sort finished off the GUI thread and is shown: until the editor picks
        an article, their place is the (new) top row."""
        self._after_update(set(), counts=False)

    @Slot(object)
    def _on_rows(self, rows: list[Any]) -> None:
        first = self.model.rowCount() == 0 and not self.model.staged
        if self._scanning and not first:
            # Taken in now, shown a few times a second: every insertion makes the
            # table lay itself out and repaint, and rows arrive hundreds at a time.
            self.model.stage(rows)
            if not self._stage_timer.isActive():
                self._stage_timer.start()
            return
        with self.table.keep_place(stay_at_top=self._auto_select):
            changed = self.model.upsert(rows)
            if first:
                self.model.resort()  # the first rows show sorted at once
        if first and self._scanning:
            # Selecting the top row and filling the pane wait for the next turn: the
            # first rows' paint (every text and icon new) comes first, on its own
            # (together, the first rows' turn was the longest gap of a warm open).
            queue = self.queue
            QTimer.singleShot(1, self, lambda: self._after_first_rows(queue, changed))
            return
        self._after_update(changed, counts=first or not self._scanning)

    def _after_first_rows(self, queue: ReviewQueue | None, changed: set[str]) -> None:
        # A scan that ended meanwhile selected and showed the top row itself; another
        # folder opened meanwhile has rows of its own.
        if self._scanning and self.queue is queue:
            self._after_update(changed)

    def _show_staged(self) -> None:
        with self.table.keep_place(stay_at_top=self._auto_select):
            self.model.show_staged()
        self._after_update(set())

    @Slot(object, object)
    def _on_scan_finished(self, report: ScanReport | None, present: frozenset[str] | None) -> None:
        self._scanning = False
        self._stage_timer.stop()
        self.model.defer_sorting = False
        if present is not None:
            self.model.find_missing(present, self._drop_missing)
        with self.table.keep_place(stay_at_top=self._auto_select):
            self.model.show_staged()
            self.model.resort()  # off the GUI thread when many rows came in
        self.model.prepare_orders()  # the other columns' orders, ready for a header click
        # The queue's rows are long-lived. A full collection walks every tracked
        # object while holding the GIL, stalling the GUI thread whichever thread
        # runs it (measured: 22-38 ms with 10,000 rows). Frozen objects are
        # skipped by the collector; refcounting still frees them.
        gc.freeze()
        self.status.show_progress(None)
        if self.queue is not None:  # (a ReviewQueue with no rows is falsy: it has a len())
            self.table.placeholder = tr("No article files in this folder.")
        if report is not None:
            seconds = getattr(report, "seconds", 0.0)
            total = getattr(report, "total", self.model.rowCount())
            self.show_notice(count(total, tr("Read %Ln file in {seconds} s", "", total),
                                   tr("Read %Ln files in {seconds} s", "", total)).format(
                seconds=QLocale().toString(float(seconds), "f", 2)), 8000)
        self._after_update(set())

    def _drop_missing(self, gone: list[str]) -> None:
        """Rows the finished scan did not find (their files went while the folder was closed)."""
        if gone:
            with self.table.keep_place():
                self.model.remove(gone)
            self._after_update(set())

    @Slot(object)
    def _on_changes(self, changes: list[Any]) -> None:
        # Our own writes come back from the watcher too; a row already showing what was
        # written needs nothing (a bulk decision's thousand came back in 8-15 ms batches).
        summary = self.model.summary
        changes = [c for c in changes if not (getattr(c, "by", "outside") == "copydesk" and c.kind != "removed"
                                              and c.summary is not None and summary(c.path) == c.summary)]
        if not changes:
            return
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
            self.show_notice(count(outside, tr("%Ln file changed on disk", "", outside),
                                   tr("%Ln files changed on disk", "", outside)), 8000)
        current = self.table.current_relpath()
        if current is not None and current in removed and self.model.state(current) is None:
            self.detail.show_nothing(tr("This article was removed from disk"))
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
        self.status.show_write(text)

    def show_notice(self, text: str, msec: int) -> None:
        """Folder-level news (scan done, files changed, index rebuilt), beside the counts."""
        self.status.show_notice(text, msec)

    def _update_counts(self) -> None:
        total, published, errors = self.model.counts()
        self.counts_label.setText(counts_text(total, published, errors, self.proxy.rowCount()))
        self.queue_panel.set_quick_counts(self.model.quick_counts(), total)
        self.review.show_counts()
        self.queue_panel.show_empty_state(total, self.proxy.quick_filter, self.filter_edit.text())
        if self.current_relpath() is None and self.detail.relpath is not None:
            self.detail.show_nothing()  # the filter left no article selected: the pane (and its badge) say so

    # --- selection and the detail pane -------------------------------------------------
    def current_relpath(self) -> str | None:
        return self.table.current_relpath()

    @Slot(QModelIndex, QModelIndex)
    def _on_current_changed(self, _current: QModelIndex, _previous: QModelIndex) -> None:
        self.claims.current_changed(self.current_relpath())
        if self._selecting:  # the window chose (the first row of a new folder): show it at once
            self._show_current(reload=True)
            return
        self._auto_select = False  # the editor chose an article: keep it from now on
        if self.table.placing:  # the view moved on by itself (its article was filtered out or left):
            self._detail_timer.setInterval(0)  # the rows are painted first, the pane on the next turn
            self._detail_timer.start()
            return
        # A single move fills the pane at once, in the same turn of the event loop
        # as the table's repaint (key to pane painted at 100,000 rows, runs
        # alternated: median 11.2-11.6 ms against 13.3 when it waited for the next
        # turn; p95 about the same, 20-22 ms in a slow hour). When keys repeat (the selection moved less than a frame ago),
        # it waits a frame, so only the article the editor stops on is filled in.
        now = time.monotonic()
        repeating = now - self._last_move < 0.02
        self._last_move = now
        self._pane_timer.stop()
        if repeating:
            self._detail_timer.setInterval(16)
            self._detail_timer.start()
        else:
            self._detail_timer.stop()
            self._show_current(reload=True)

    def _show_current(self, *, reload: bool) -> None:
        relpath = self.current_relpath()
        state = self.model.state(relpath) if relpath else None
        if state is None or self.folder is None:
            if relpath is None:
                self.detail.show_nothing()
            return
        with foreground():  # the editor waits for this pane: background loops step aside (app.courtesy)
            self.detail.show_summary(state.summary, self.folder, pending=state.pending,
                                     write_error=state.write_error)
            self.review.show_history()
            self.claims.show_current()
        if reload:
            self._load_token = self.loader.request(relpath, self.folder / relpath)

    @Slot(int, str, object, object)
    def _on_article_loaded(self, token: int, relpath: str, result: Any, raw: Any) -> None:
        if token == self._load_token:
            self.detail.show_article(relpath, result, raw)

    @Slot(str, object)
    def _on_article_written(self, relpath: str, article: Any) -> None:
        """A decision landed: the writer's own parse of the new bytes fills the pane
        (an older read of this file in flight is dropped by its token)."""
        if relpath == self.current_relpath():
            self._load_token = self.loader.present(relpath, article)

    def move_selection(self, step: int) -> None:
        rows = self.proxy.rowCount()
        if not rows:
            return
        current = self.table.currentIndex()
        row = current.row() + step if current.isValid() else 0
        self.table.select_row(max(0, min(rows - 1, row)))

    def _leave_filter(self) -> None:
        """Escape in the filter box: the first clears the filter, the next returns to the queue."""
        if self.filter_edit.text():
            self.filter_edit.clear()
            self._filter_timer.stop()
            self._apply_filter_text()
        else:
            self.table.setFocus()

    def _current_file(self) -> CurrentFile | None:
        relpath, folder = self.current_relpath(), self.folder
        summary = self.model.summary(relpath) if relpath else None
        if summary is None or folder is None:
            return None
        return CurrentFile(folder / relpath, "" if summary.error else summary.title, summary.error_line)

    def show_queue_settings(self) -> None:
        if self.queue is None or getattr(self.queue, "settings", None) is None:
            self.status.show_write(tr("No folder open"))
            return
        dialog = self.queue_settings_dialog = QueueSettingsDialog(self.queue.settings, self)
        dialog.changed.connect(lambda _settings: self.folder and self.open_folder(self.folder))
        dialog.open()

    def focus_filter(self) -> None:
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    def _apply_filter_text(self) -> None:
        self.filters.set_words(self.filter_edit.text())

    def set_quick_filter(self, name: str) -> None:
        self.filters.set_quick(name)

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
        self.write_label.setText(tr("Auto-advance on") if on else tr("Auto-advance off"))

    # --- decisions ----------------------------------------------------------------------
    def _editable_current(self) -> str | None:
        relpath = self.current_relpath()
        if relpath is None or self.queue is None:
            return None
        state = self.model.state(relpath)
        if state is None:
            return None
        if state.summary.error:
            self.write_label.setText(tr("{path} cannot be edited: {error}").format(path=relpath,
                                                                                     error=state.summary.error))
            return None
        return relpath

    def set_published(self, decide: Callable[[Any], bool], *, advance: bool = True) -> None:
        if self.review.bulk_active():  # many selected: one bulk decision (Space: the current's opposite)
            current = self.current_relpath()
            self.review.bulk.set_published(bool(decide(self.model.shown_value(current, "published")
                                                       if current else None)))
            return
        relpath = self._editable_current()
        if relpath is None:
            return
        old = self.model.shown_value(relpath, "published")
        if self._decide(relpath, "published", old, decide(old)) and advance and self.auto_advance_action.isChecked():
            self.move_selection(+1)

    def step_quality(self, step: int) -> None:
        if self.review.bulk_active():
            self.review.bulk.step_quality(step, QUALITY_MIN, QUALITY_MAX)
            return
        relpath = self._editable_current()
        if relpath is None:
            return
        old = self.model.shown_value(relpath, "quality")
        # A missing or invalid quality counts as 0: + gives 1, - gives 0.
        new = max(QUALITY_MIN, min(QUALITY_MAX, (old or 0) + step))
        self._decide(relpath, "quality", old, new)

    def _decide(self, relpath: str, name: str, old: Any, new: Any) -> bool:
        """False when it waits for the editor's answer (another editor claimed the article)."""
        self._auto_select = False  # the editor is at work here
        if not self.claims.confirm(relpath, self.desk.title(relpath),
                                   lambda: self.desk.decide(relpath, name, old, new)):
            return False
        self.desk.decide(relpath, name, old, new)
        return True

    def claim_selected(self) -> None:
        """C: claim the selected articles (team queues)."""
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        relpaths = [r for r in (index.data(RELPATH_ROLE) for index in rows) if r]
        if not relpaths and (current := self.current_relpath()) is not None:
            relpaths = [current]
        self.claims.claim(relpaths)

    def show_preferences(self) -> Any:
        dialog = show_preferences(self, self.settings, self.actions_by_name, self.images)
        dialog.accepted.connect(self.review.audit.setting_changed)  # the editor's name may have changed
        dialog.accepted.connect(self.team.apply_settings)  # a team queue syncs by the new times at once
        return dialog

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
        if relpath == self.current_relpath() and not self._detail_timer.isActive():
            self._pane_timer.start()  # coalesced: a burst of decisions refreshes the pane once per turn

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
        for timer in (self._detail_timer, self._pane_timer, self._filter_timer, self._counts_timer,
                      self._stage_timer):
            timer.stop()
        self.save_settings()
        self.filters.close()
        self.review.close()
        self.claims.close()
        self.desk.close()  # queued decisions are written before we go
        self.team.shutdown(self.desk)  # ... and committed
        self.bridge.close(wait=True)
        self.loader.close()
        self.detail.body.close_lane()
        self.images.shutdown()
        super().closeEvent(event)


_NOT_IN_COLUMNS_MENU = (Column.TITLE, Column.IMAGE)  # the title always shows; thumbnails have their own entry


def _home_short(folder: Path) -> str:
    home = Path.home()
    try:
        return "~/" + str(folder.relative_to(home)) if folder != home else "~"
    except ValueError:
        return str(folder)
