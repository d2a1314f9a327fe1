"""Connection handling: a remote server with a token, missing models, settings and layout."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from gui_helpers import QT_LOG_IGNORE, assert_nothing_left, qt_objects, run, until
from PySide6.QtCore import QSettings

from app.gui._app import build_window
from app.gui._persist import load_settings, open_settings, save_settings
from app.gui.media import list_cameras
from app.gui.state import Phase, ServerMode, Settings, guarded
from app.gui.views import MainWindow, SettingsDialog
from app.protocol import cosine_from_confidence

pytestmark = [
    pytest.mark.gui,
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore(*QT_LOG_IGNORE),
]

REPO_ROOT = Path(__file__).resolve().parents[2]
TOKEN = "s3cret-token"


@pytest.fixture
def remote_server(isolated: Path) -> Iterator[str]:
    """A server started by the test (not by the app), with a token; yields its URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "server", "--port", "0", "--data",
         str(isolated / "remote"), "--token", TOKEN],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    assert process.stdout is not None
    url = None
    for line in process.stdout:
        event = json.loads(line)
        if event["event"] == "ready":
            url = event["url"]
            break
        assert event["event"] == "progress", event
    assert url, "the server did not start"
    yield url
    process.terminate()
    process.wait(30)
    process.stdout.close()


def close(loop: object, window: MainWindow) -> None:
    window.close()
    run(loop, window.shutdown(), 30)  # type: ignore[arg-type]
    window.deleteLater()


def test_remote_server_with_token_and_without(remote_server: str, loop: object) -> None:
    store = open_settings()
    store.setValue("settings/mode", ServerMode.REMOTE.value)
    store.setValue("settings/remote_url", remote_server)
    store.setValue("settings/token", TOKEN)
    store.sync()
    window, crash = build_window()
    window.show()
    window.start_connection()

    async def connected() -> None:
        await until(lambda: window.session.connection.info.phase is Phase.CONNECTED, 60)
        assert window.server is None  # nothing embedded was started
        assert window.version_label.text().startswith("server ")
        assert window.latency_label.text().endswith(" ms")

    run(loop, connected(), 90)  # type: ignore[arg-type]
    close(loop, window)

    store.setValue("settings/token", "wrong")
    store.sync()
    window, crash = build_window(server_url=remote_server)  # as with --server-url
    window.show()
    window.start_connection()

    async def refused() -> None:
        await until(lambda: window.ui.banner.isVisible(), 60, "the banner")
        assert "UNAUTHORIZED" in window.session.connection.info.detail
        assert "UNAUTHORIZED" in window.ui.bannerLabel.text()

    run(loop, refused(), 90)  # type: ignore[arg-type]
    close(loop, window)
    assert crash.count == 0


def test_missing_models_are_explained(
    isolated: Path, loop: object, monkeypatch: pytest.MonkeyPatch,
    no_unexpected_logs: list[str],
) -> None:
    monkeypatch.setenv("SFDESK_MODEL_DIR", str(isolated / "no-models"))
    window, crash = build_window()
    window.show()
    window.start_connection()

    async def failed() -> None:
        await until(lambda: window.session.connection.info.phase is Phase.FAILED, 60)
        assert window.ui.banner.isVisible()
        assert "python -m app models install" in window.ui.bannerLabel.text()
        assert "python -m app models install" in window.ui.messageLabel.text()
        assert window.statusBar().currentMessage() == ""  # no stale "Server: loading models"

    run(loop, failed(), 90)  # type: ignore[arg-type]
    close(loop, window)
    assert crash.count == 0


def test_settings_and_layout_persist(isolated: Path, loop: object) -> None:
    window, _ = build_window()
    dialog = SettingsDialog(window.session.settings, window)
    dialog.ui.remoteRadio.setChecked(True)
    assert dialog.ui.urlEdit.isEnabled()
    dialog.ui.urlEdit.setText("http://10.0.0.5:18411")
    dialog.ui.confidenceSpin.setValue(0.84)
    assert f"{cosine_from_confidence(0.84):.3f}" in dialog.ui.strictnessLabel.text()
    dialog.ui.rateSpin.setValue(2.5)
    edited = dialog.result_settings()
    assert edited.mode is ServerMode.REMOTE and edited.confidence == 0.84
    save_settings(window.store, edited)
    window.show()
    window.browser.ui.splitter.setSizes([150, 500, 350])
    sizes = window.browser.ui.splitter.sizes()
    window.resize(700, 520)
    window.ui.tabs.setCurrentWidget(window.search)
    window.browser.ui.tableButton.click()
    close(loop, window)

    saved = QSettings(open_settings().fileName(), QSettings.Format.IniFormat)
    assert load_settings(saved) == edited
    again, _ = build_window()
    again.show()
    assert again.session.settings == edited
    assert again.browser.ui.splitter.sizes() == sizes
    assert (again.width(), again.height()) == (700, 520)
    assert again.ui.tabs.currentWidget() is again.search
    assert again.browser.ui.facesStack.currentWidget() is again.browser.ui.tableView
    close(loop, again)


def test_a_camera_index_of_earlier_versions_becomes_a_device_id(
    isolated: Path, loop: object
) -> None:
    store = open_settings()
    store.setValue("settings/camera_index", 0)  # what every earlier version saved by default
    assert load_settings(store).camera == ""  # the system default, as index 0 meant
    store.setValue("settings/camera_index", 3)  # no such camera here: the default too
    assert load_settings(store).camera == ""
    save_settings(store, Settings(camera="/dev/video2"))
    assert not store.contains("settings/camera_index")
    assert load_settings(store).camera == "/dev/video2"


def test_the_settings_camera_is_chosen_by_name_and_kept_while_unplugged(loop: object) -> None:
    dialog = SettingsDialog(Settings(camera="/dev/video7"))
    combo = dialog.ui.cameraCombo
    assert combo.itemText(0) == "System default" and combo.itemData(0) == ""
    assert combo.currentText() == "/dev/video7 (not connected)"
    assert dialog.result_settings().camera == "/dev/video7"
    combo.setCurrentIndex(0)
    assert dialog.result_settings().camera == ""
    dialog.deleteLater()
    plain = SettingsDialog(Settings())
    assert plain.ui.cameraCombo.currentText() == "System default"
    assert plain.ui.cameraCombo.count() == 1 + len(list_cameras())
    plain.deleteLater()


def test_closing_the_window_leaves_no_qt_object_behind(isolated: Path, loop: object) -> None:
    """Window, views, dialogs, timers, the settings store and the loop's helpers all go on
    close + shutdown + deleteLater, deterministically, in the GUI thread."""
    before = qt_objects()
    window, crash = build_window(server_url="http://127.0.0.1:9")  # nothing listens there
    window.show()
    window.start_connection()
    window.edit_settings()  # an open dialog at close time

    async def lost() -> None:
        await until(lambda: window.session.connection.info.phase is Phase.LOST, 30)
        await until(lambda: window.findChildren(SettingsDialog), 10, "the Settings dialog")

    run(loop, lost(), 60)  # type: ignore[arg-type]
    close(loop, window)
    assert crash.count == 0
    assert_nothing_left(before)


def test_a_batch_shows_how_far_it_got_in_the_status_bar(isolated: Path, loop: object) -> None:
    window, crash = build_window(server_url="http://127.0.0.1:9")
    window.show()
    release = asyncio.Event()

    @guarded("Detecting faces in photos")
    async def batch(owner: MainWindow) -> None:
        for number in range(10):
            owner.ops.report(number, 10)
            if number == 3:
                await release.wait()

    async def scenario() -> None:
        task = asyncio.ensure_future(batch(window))
        await until(lambda: window.progress_bar.value() == 3, 10)
        assert window.progress_label.text() == "Detecting faces in photos 3 of 10…"
        assert window.progress_bar.maximum() == 10 and window.progress_bar.isVisibleTo(window)
        release.set()
        await task
        assert not window.progress_bar.isVisibleTo(window)

    run(loop, scenario(), 30)  # type: ignore[arg-type]
    close(loop, window)
    assert crash.count == 0
