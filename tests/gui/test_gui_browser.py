"""The gallery browser over a fake client: paging on scroll, sort, placeholders without crops."""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_fakes import FakeClient
from gui_helpers import QT_LOG_IGNORE, run, until
from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon

from app.gui.models import ThumbnailCache
from app.gui.state import PAGE_SIZE, GalleriesState, Operations, Session, Settings
from app.gui.views import GalleryBrowser

pytestmark = [
    pytest.mark.gui,
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore(*QT_LOG_IGNORE),
]


def test_scrolling_loads_pages_and_missing_crops_get_placeholders(
    isolated: Path, loop: object
) -> None:
    client = FakeClient()
    client.galleries["big"] = {i: {"name": f"person {i}"} for i in range(1, 2 * PAGE_SIZE + 11)}
    session = Session(Settings())
    galleries = GalleriesState(session)
    browser = GalleryBrowser(session, galleries, ThumbnailCache(session), Operations())
    browser.resize(1000, 700)
    browser.show()

    async def scenario() -> None:
        await session.set_client(client)  # type: ignore[arg-type]
        await browser.refresh()
        browser.select_gallery("big")
        await until(lambda: len(browser.faces.faces) >= PAGE_SIZE, 10, "the first page")
        assert browser.faces.faces[0].face_id == 1
        model = browser.faces_model
        assert model.columnCount() == 3  # id, name, tags
        decoration = model.data(model.index(0, 0), Qt.ItemDataRole.DecorationRole)
        assert isinstance(decoration, QIcon) and not decoration.isNull()
        await until(lambda: not browser.thumbnails._pending, 10, "the crop requests")
        assert browser.thumbnails.crops == {}  # the server has no crops: placeholders stay
        for mode in (browser.ui.gridButton, browser.ui.tableButton):
            mode.click()
            view = browser.ui.facesStack.currentWidget()
            bar = view.verticalScrollBar()
            assert bar.maximum() > 0
            before = len(browser.faces.faces)
            bar.setValue(bar.maximum())
            await until(
                lambda n=before: len(browser.faces.faces) > n or not browser.faces.has_more,
                10, "the next page",
            )
        await until(lambda: not browser.faces.has_more and not browser.faces.loading, 10)
        assert len(browser.faces.faces) == 2 * PAGE_SIZE + 10
        pages = [call[5] for call in client.calls if call[0] == "list"]
        assert pages[0] is None and len(pages) == 3
        browser.ui.sortCombo.setCurrentIndex(1)
        await until(lambda: browser.faces.faces and browser.faces.faces[0].face_id == 130, 10)

    run(loop, scenario(), 60)  # type: ignore[arg-type]
    assert not session.messages.history or all(
        m.level.value == "info" for m in session.messages.history
    )
    browser.close()
    browser.deleteLater()
