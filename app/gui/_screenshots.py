"""`gui --screenshot DIR`: a PNG of each main view once the server answers (for docs and checks)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSize

from app.gui.state import Phase
from app.gui.views import MainWindow, SettingsDialog

log = logging.getLogger(__name__)

#: How long to wait for the server before shooting anyway (model loading takes a while).
CONNECT_TIMEOUT = 180.0
#: Time given to thumbnails and layouts to settle before each shot.
SETTLE = 1.0
#: Window size of the screenshots.
SIZE = QSize(1200, 780)


async def wait_until(predicate: Callable[[], bool], timeout: float) -> bool:
    """Poll `predicate` on the running loop until it holds or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


async def _populate(window: MainWindow) -> None:
    """Show the first non-empty gallery, search it with its first face, identify in it live."""
    galleries = window.galleries
    await galleries.refresh()
    first = next((g for g in galleries.items if g.count), None)
    if first is None:
        return
    live = window.live
    if live.state.source is not None:
        live.ui.identifyCheck.setChecked(True)
        live.ui.identifyGalleryCombo.setCurrentText(first.name)
        await wait_until(lambda: any(f.match for f in live.state.faces), 20.0)
    window.browser.select_gallery(first.name)
    await wait_until(lambda: bool(window.browser.faces.faces), 20.0)
    faces = window.browser.faces.faces
    if not faces:
        return
    window.browser.ui.tableView.selectRow(0)
    window.search.probe_from_face(first.name, faces[0].face_id)
    await window.search.search()
    await asyncio.sleep(SETTLE)


async def take_screenshots(window: MainWindow, out_dir: Path) -> list[Path]:
    """Save `live.png`, `galleries.png`, `search.png` and `settings.png` into `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    window.resize(SIZE)  # the same size wherever they are taken, for the docs
    connected = await wait_until(
        lambda: window.session.connection.info.phase in (Phase.CONNECTED, Phase.FAILED),
        CONNECT_TIMEOUT,
    )
    if not connected:
        log.warning("the server did not answer in %.0f s; screenshots show that", CONNECT_TIMEOUT)
    if window.session.connection.info.phase is Phase.CONNECTED:
        await _populate(window)
    saved = []
    for name, view in (("live", window.live), ("galleries", window.browser),
                       ("search", window.search)):
        window.ui.tabs.setCurrentWidget(view)
        await asyncio.sleep(SETTLE)
        path = out_dir / f"{name}.png"
        window.grab().save(str(path))
        saved.append(path)
    dialog = SettingsDialog(window.session.settings, window)
    dialog.show()
    await asyncio.sleep(SETTLE / 2)
    path = out_dir / "settings.png"
    dialog.grab().save(str(path))
    saved.append(path)
    dialog.close()
    dialog.deleteLater()
    log.info("saved %s", ", ".join(p.name for p in saved))
    return saved
