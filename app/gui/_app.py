"""Start-up of the desktop app: QApplication, the one qasync loop, logging, crash handler."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from pathlib import Path

from PySide6.QtCore import QStandardPaths, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from app.common import APP_NAME, resources_dir, setup_logging
from app.gui._crash import CrashHandler
from app.gui._loop import GuiEventLoop
from app.gui._persist import load_settings, open_settings
from app.gui._screenshots import take_screenshots
from app.gui.state import MessageBridge, Session
from app.gui.views import MainWindow

log = logging.getLogger(__name__)


def application() -> QApplication:
    """The QApplication (created once) with the app's names, icon and style sheet."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    # No organization level in data paths: the embedded server's data then lands where
    # `python -m app server` keeps it by default (`<data home>/sfdesk/server`), so the app and
    # the command line see the same galleries. Settings keep their own explicit names.
    app.setOrganizationName("")
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName("sfdesk")
    # The app ends when MainWindow.closed fires and shutdown() has run, not before.
    app.setQuitOnLastWindowClosed(False)
    icon = resources_dir() / "icons" / "sfdesk.svg"
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    style = resources_dir() / "styles" / "app.qss"
    if style.exists():
        app.setStyleSheet(style.read_text(encoding="utf-8"))
    return app


def log_file() -> Path:
    """The desktop app's log file in the user's data directory."""
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    path = Path(base) / "logs" / "gui.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _close_on_signals(window: MainWindow) -> None:
    """Ctrl+C and SIGTERM close the window, so the embedded server is stopped as on Quit."""

    def handler(signum: int, frame: object) -> None:
        log.info("signal %d: closing", signum)
        window.close()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, handler)
    # Python runs signal handlers only when it gets control; let it look regularly.
    ticker = QTimer(window)
    ticker.timeout.connect(lambda: None)
    ticker.start(250)


def _log_to_file(path: Path) -> None:
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)


def build_window(server_url: str | None = None) -> tuple[MainWindow, CrashHandler]:
    """The main window with its session and crash handler (the qasync loop must be current)."""
    store = open_settings()
    messages = MessageBridge()
    session = Session(load_settings(store), messages)
    crash = CrashHandler(messages, log_file())
    crash.install(asyncio.get_event_loop())
    window = MainWindow(session, store, server_url=server_url)
    return window, crash


async def _run(window: MainWindow, screenshot_dir: Path | None, video: Path | None) -> int:
    closed = asyncio.Event()
    window.closed.connect(closed.set)
    window.show()
    log.info("main window shown")  # the packaging test times start-up to this line
    window.start_connection()
    if video is not None:
        window.live.open_video(video)
    if screenshot_dir is not None:
        await take_screenshots(window, screenshot_dir)
        window.close()
    await closed.wait()
    await window.shutdown()
    return 0


def run(
    server_url: str | None = None,
    screenshot_dir: Path | None = None,
    video: Path | None = None,
) -> int:
    """Run the app until its window closes; returns the exit code.

    `video` is opened in the live view at start; `screenshot_dir` makes the app save a PNG of
    each main view and quit.
    """
    setup_logging()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request is noise here
    app = application()
    _log_to_file(log_file())
    loop = GuiEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        window, _ = build_window(server_url)
        _close_on_signals(window)
        code: int = loop.run_until_complete(_run(window, screenshot_dir, video))
    return code
