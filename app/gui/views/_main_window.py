"""The main window: tabs for live, galleries and search; message bar, banner and status bar."""

from __future__ import annotations

import asyncio
import logging

from PySide6.QtCore import QSettings, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QSplitter,
    QWidget,
)

from app.gui._persist import restore_choice, restore_layout, save_layout, save_settings
from app.gui._server import EXITED, EmbeddedServer
from app.gui._slots import asyncSlot
from app.gui.forms.ui_main_window import Ui_MainWindow
from app.gui.models import ThumbnailCache
from app.gui.state import (
    EXPECTED_ERRORS,
    Candidate,
    ConnectionInfo,
    ConnectionWatcher,
    GalleriesState,
    Level,
    Message,
    MessageBridge,
    Operations,
    Phase,
    ServerMode,
    Session,
    guarded,
)
from app.gui.views._dialogs import run_dialog
from app.gui.views._enroll_dialog import EnrollDialog
from app.gui.views._gallery_browser import GalleryBrowser
from app.gui.views._live_view import LiveView
from app.gui.views._progress import show_progress
from app.gui.views._search_view import SearchView
from app.gui.views._settings_dialog import SettingsDialog
from app.gui.widgets import set_style_state
from app.sfapi_client import Client, Unauthorized

log = logging.getLogger(__name__)

#: Info messages fade after this many milliseconds; warnings and errors stay.
INFO_TIMEOUT_MS = 6000
#: Pause before restarting an embedded server that went away.
RESTART_DELAY_MS = 2000


class MainWindow(QMainWindow):
    """Composes the views, owns the connection (embedded server or remote URL) and its watcher.

    `closed` fires once the window has closed; `shutdown()` then releases everything. The window
    takes ownership of `store`, so the settings object is destroyed with it.
    """

    closed = Signal()

    def __init__(
        self,
        session: Session,
        store: QSettings,
        *,
        server_url: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ui = Ui_MainWindow()
        self.ui.setupUi(self)
        self.session = session
        self.store = store
        store.setParent(self)
        self.server_url = server_url
        self.ops = Operations()
        self.server: EmbeddedServer | None = None
        self.watcher: ConnectionWatcher | None = None
        self._watch_task: asyncio.Future[None] | None = None
        self.enroll_dialog: EnrollDialog | None = None
        self._closing = False
        self.galleries = GalleriesState(session)
        self.thumbnails = ThumbnailCache(session, self)

        self.live = LiveView(session, self.galleries, self.ops, self)
        self.browser = GalleryBrowser(session, self.galleries, self.thumbnails, self.ops, self)
        self.search = SearchView(
            session, self.galleries, self.thumbnails, self.browser.filters, self.ops, self
        )
        self.ui.tabs.addTab(self.live, "Live")
        self.ui.tabs.addTab(self.browser, "Galleries")
        self.ui.tabs.addTab(self.search, "Search")

        self._build_status_bar()
        self._message_timer = QTimer(self)
        self._message_timer.setSingleShot(True)
        self._message_timer.timeout.connect(self.ui.messageBar.hide)
        # A child of the window, so it cannot fire after the window is gone.
        self._restart_timer = QTimer(self)
        self._restart_timer.setSingleShot(True)
        self._restart_timer.setInterval(RESTART_DELAY_MS)
        self._restart_timer.timeout.connect(self._restart_server)
        self.ui.messageBar.hide()
        self.ui.banner.hide()
        self.ui.messageCloseButton.clicked.connect(self.ui.messageBar.hide)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.ui.messageBar.hide)
        self.ui.bannerRetryButton.clicked.connect(self.retry_connection)

        session.messages.posted.connect(self._on_message)
        session.connection.changed.connect(self._on_connection)
        self.ops.changed.connect(self._on_ops)
        self.live.enrollRequested.connect(self.open_enroll)
        self.live.searchRequested.connect(self._on_live_search)
        self.browser.findSimilar.connect(self._on_find_similar)
        self.search.openInBrowser.connect(self._on_open_in_browser)

        ui = self.ui
        ui.actionQuit.triggered.connect(self.close)
        ui.actionSettings.triggered.connect(self.edit_settings)
        ui.actionEnrollPhotos.triggered.connect(self.live.ui.enrollPhotosButton.click)
        ui.actionOpenVideo.triggered.connect(self._on_open_video)
        ui.actionShowLive.triggered.connect(lambda: ui.tabs.setCurrentWidget(self.live))
        ui.actionShowGalleries.triggered.connect(lambda: ui.tabs.setCurrentWidget(self.browser))
        ui.actionShowSearch.triggered.connect(lambda: ui.tabs.setCurrentWidget(self.search))
        ui.actionNewGallery.triggered.connect(self._on_new_gallery)
        ui.actionRefresh.triggered.connect(self.browser.refresh)
        ui.actionSearchPhoto.triggered.connect(self._on_search_photo)
        restore_layout(store, self, self.splitters)
        self.ui.tabs.setCurrentIndex(restore_choice(store, "tab", 0))
        if restore_choice(store, "table", 0):
            self.browser.ui.tableButton.setChecked(True)
        self._on_connection(session.connection.info)

    @property
    def messages(self) -> MessageBridge:
        """The window's message bridge."""
        return self.session.messages

    @property
    def splitters(self) -> dict[str, QSplitter]:
        """The splitters whose positions persist, by name."""
        return {"browser": self.browser.ui.splitter, "search": self.search.ui.splitter}

    def _build_status_bar(self) -> None:
        bar = self.ui.statusbar
        self.connection_label = QLabel(self)
        self.version_label = QLabel(self)
        self.latency_label = QLabel(self)
        self.progress_label = QLabel(self)
        self.progress_bar = QProgressBar(self)
        self.progress_bar.setRange(0, 0)
        self.progress_bar.setMaximumWidth(120)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setToolTip("Cancel the running operation (Ctrl+.)")
        self.cancel_button.setShortcut(QKeySequence("Ctrl+."))
        self.cancel_button.clicked.connect(self.ops.cancel_visible)
        for widget in (self.progress_label, self.progress_bar, self.cancel_button):
            bar.addWidget(widget)
            widget.hide()
        for widget in (self.connection_label, self.version_label, self.latency_label):
            bar.addPermanentWidget(widget)

    # ------------------------------------------------------------------ messages and progress

    def _on_message(self, message: Message) -> None:
        self.ui.messageLabel.setText(message.render())
        set_style_state(self.ui.messageBar, "level", message.level.value)
        self.ui.messageBar.show()
        if message.level is Level.INFO:
            self._message_timer.start(INFO_TIMEOUT_MS)
        else:
            self._message_timer.stop()

    def _on_ops(self, _: None) -> None:
        show_progress(self.ops, self.progress_label, self.progress_bar, self.cancel_button)

    # ------------------------------------------------------------------ connection

    def start_connection(self) -> None:
        """Connect as the settings say: start the embedded server, or use the remote URL."""
        self._restart_timer.stop()
        url = self.server_url
        settings = self.session.settings
        if url is None and settings.mode is ServerMode.REMOTE:
            url = settings.remote_url
        if url is not None:
            self.session.connection.update(phase=Phase.STARTING, url=url, detail="connecting")
            self._connect(url, settings.token or None)
            return
        if self.server is None:
            self.server = EmbeddedServer(parent=self)
            self.server.progress.connect(self._on_server_progress)
            self.server.ready.connect(self._on_server_ready)
            self.server.failed.connect(self._on_server_failed)
        if self.server.running:
            if self.server.url is not None:  # already up: only the client settings changed
                self._connect(self.server.url, None)
            return
        self.session.connection.update(phase=Phase.STARTING, url="", detail="starting the server")
        self.server.start()

    @Slot(str)
    def _on_server_progress(self, stage: str) -> None:
        self.session.connection.update(phase=Phase.STARTING, detail=stage)

    @Slot(str, str)
    def _on_server_ready(self, url: str, version: str) -> None:
        self.session.connection.update(url=url, version=version)
        self._connect(url, None)

    @Slot(str, str)
    def _on_server_failed(self, code: str, reason: str) -> None:
        self._stop_watcher()
        self.messages.error(reason, code)
        if code != EXITED:
            # A start-up error (e.g. models missing) will not fix itself: wait for Retry.
            self.session.connection.update(phase=Phase.FAILED, detail=f"{code}: {reason}")
            return
        # The server was lost after it ran: start it again after a pause.
        self.session.connection.update(
            phase=Phase.LOST,
            latency_ms=None,
            detail=f"{code}: {reason}",
            retry_in=RESTART_DELAY_MS / 1000,
        )
        self._restart_timer.start()

    @Slot()
    def _restart_server(self) -> None:
        if self.server is not None and not self.server.running and not self._closing:
            self.start_connection()

    def _connect(self, url: str, token: str | None) -> None:
        """Replace the client and watch the server at `url`; the previous watch ends first."""
        self._stop_watcher()
        self._watch_task = self._watch(url, token)

    @asyncSlot(str, object)
    @guarded()
    async def _watch(self, url: str, token: str | None) -> None:
        # One task from the new client to the end of its watch: `_stop_watcher` cancels all of
        # it, so a superseded connection can never resume and start a second watch.
        settings = self.session.settings
        client = Client(url, timeout=settings.request_timeout, token=token)
        watcher = ConnectionWatcher(self.session.connection, client)
        self.watcher = watcher
        try:
            await self.session.set_client(client)
            self.session.connection.update(url=url)
            if await watcher.check():
                try:
                    await self.galleries.refresh()
                except Unauthorized as exc:
                    # The status check needs no token; everything else would fail: stop here.
                    self.session.connection.update(
                        phase=Phase.FAILED, detail=f"{exc.code}: {exc.reason} (check the token)"
                    )
                    raise
                except EXPECTED_ERRORS as exc:
                    self.messages.report(exc)  # keep watching: the next round may succeed
            await watcher.run()
        finally:
            if self.watcher is watcher:
                self.watcher = None
                self._watch_task = None

    def _stop_watcher(self) -> None:
        if self._watch_task is not None:
            self._watch_task.cancel()
            self._watch_task = None
        self.watcher = None

    @Slot()
    def retry_connection(self) -> None:
        """Retry now: restart a failed embedded server, or poll the lost server at once."""
        server_down = self.server is not None and not self.server.running
        if server_down or self.watcher is None:
            self.start_connection()
        else:
            self.watcher.retry_now.set()

    def _on_connection(self, info: ConnectionInfo) -> None:
        was_lost = self.ui.banner.isVisible()
        texts = {
            Phase.STARTING: "● starting",
            Phase.CONNECTED: "● connected",
            Phase.LOST: "● connection lost",
            Phase.FAILED: "● server failed",
        }
        self.connection_label.setText(f"{texts[info.phase]} {info.url}".strip())
        set_style_state(self.connection_label, "phase", info.phase.value)
        self.connection_label.setToolTip(info.detail)
        self.version_label.setText(f"server {info.version}" if info.version else "")
        self.latency_label.setText(
            f"{info.latency_ms:.0f} ms" if info.latency_ms is not None else ""
        )
        if info.phase is Phase.STARTING:
            self.statusBar().showMessage(f"Server: {info.detail}")
        else:  # the banner or the connection label says the rest
            self.statusBar().clearMessage()
        lost = info.phase in (Phase.LOST, Phase.FAILED)
        if lost:
            retry = f" Retrying in {info.retry_in:.0f} s." if info.retry_in else ""
            if info.phase is Phase.FAILED:
                retry = ""
            self.ui.bannerLabel.setText(
                f"<b>Server connection lost.</b> {info.detail}.{retry}"
                if info.phase is Phase.LOST
                else f"<b>The server cannot be used.</b> {info.detail}"
            )
        reconnecting = was_lost and info.phase is Phase.STARTING
        if reconnecting:
            detail = info.detail
            self.ui.bannerLabel.setText(f"<b>Server connection lost.</b> Reconnecting: {detail}.")
        self.ui.banner.setVisible(lost or reconnecting)
        self.ui.bannerRetryButton.setEnabled(info.phase is not Phase.STARTING)
        if was_lost and info.phase is Phase.CONNECTED:
            self.messages.info("Connection to the server restored")
            self.browser.refresh()

    # ------------------------------------------------------------------ actions

    @asyncSlot()
    @guarded()
    async def edit_settings(self) -> None:
        """Show the Settings dialog; save and reconnect if the server settings changed."""
        dialog = SettingsDialog(self.session.settings, self)
        try:
            if not await run_dialog(dialog):
                return
            new = dialog.result_settings()
        finally:
            dialog.deleteLater()
        old = self.session.settings
        self.session.update_settings(new)
        save_settings(self.store, new)
        self.search.set_confidence(new.confidence)
        server_keys = ("mode", "remote_url", "token", "request_timeout")
        if any(getattr(old, key) != getattr(new, key) for key in server_keys):
            self._stop_watcher()
            if new.mode is ServerMode.REMOTE and self.server is not None:
                self.server.stop()
            self.start_connection()

    @Slot(object)
    def open_enroll(self, candidates: list[Candidate]) -> None:
        """Offer candidates in the Enroll dialog (adds to an open one)."""
        if self.enroll_dialog is not None:
            self.enroll_dialog.state.add(candidates)
            self.enroll_dialog.raise_()
            return
        dialog = EnrollDialog(
            self.session, self.galleries, candidates, self.browser.current_gallery, self
        )
        dialog.enrolled.connect(self._on_enrolled)
        dialog.finished.connect(self._on_enroll_closed)
        self.enroll_dialog = dialog
        dialog.open()

    @Slot(int)
    def _on_enroll_closed(self, _: int) -> None:
        if self.enroll_dialog is not None:
            self.enroll_dialog.deleteLater()
        self.enroll_dialog = None

    @asyncSlot(str, object)
    @guarded()
    async def _on_enrolled(self, gallery: str, face_id: object) -> None:
        await self.galleries.refresh()
        if self.browser.current_gallery == gallery:
            await self.browser.faces.open(
                gallery, self.browser.faces.schema, filters=self.browser.faces.filters
            )

    @Slot(object)
    def _on_live_search(self, candidate: Candidate) -> None:
        self.ui.tabs.setCurrentWidget(self.search)
        self.search.probe_from_candidate(candidate)

    @Slot(str, object)
    def _on_find_similar(self, gallery: str, face_id: object) -> None:
        assert isinstance(face_id, int)
        self.search.probe_from_face(gallery, face_id)
        self.ui.tabs.setCurrentWidget(self.search)

    @asyncSlot(str, object)
    @guarded("Opening the face")
    async def _on_open_in_browser(self, gallery: str, face_id: object) -> None:
        assert isinstance(face_id, int)
        self.ui.tabs.setCurrentWidget(self.browser)
        await self.browser.show_face(gallery, face_id)

    @Slot()
    def _on_open_video(self) -> None:
        self.ui.tabs.setCurrentWidget(self.live)
        self.live.ui.openFileButton.click()

    @Slot()
    def _on_new_gallery(self) -> None:
        self.ui.tabs.setCurrentWidget(self.browser)
        self.browser.create_gallery()

    @Slot()
    def _on_search_photo(self) -> None:
        self.ui.tabs.setCurrentWidget(self.search)
        self.search.ui.probeFileButton.click()

    # ------------------------------------------------------------------ closing

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        self._closing = True
        choices = {
            "tab": self.ui.tabs.currentIndex(),
            "table": int(self.browser.ui.tableButton.isChecked()),
        }
        save_layout(self.store, self, self.splitters, choices)
        if self.enroll_dialog is not None:
            self.enroll_dialog.close()
        self._cancel_everything()
        super().closeEvent(event)
        self.closed.emit()

    def _cancel_everything(self) -> list[asyncio.Task[None]]:
        """Stop the window's timers and cancel all its tasks; returns those not done yet."""
        self._restart_timer.stop()
        self._message_timer.stop()
        self._stop_watcher()
        tasks = self.live.shutdown() + self.thumbnails.cancel()
        for ops in (self.ops, *(d.ops for d in self.findChildren(EnrollDialog))):
            ops.cancel_all()
            tasks += [op.task for op in ops.running]
        return [task for task in tasks if not task.done()]

    async def shutdown(self) -> None:
        """Release what outlives the window: stop its timers, cancel its tasks and wait for them
        to end, close the client, stop the embedded server. Afterwards nothing of the window is
        left to run, so the loop can stop."""
        self._closing = True
        pending = self._cancel_everything()
        if pending:
            await asyncio.wait(pending, timeout=5)
        await self.session.set_client(None)
        if self.server is not None:
            self.server.stop()
