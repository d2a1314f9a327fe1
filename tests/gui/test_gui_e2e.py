"""The desktop app end to end: real widgets, the embedded server started by the app, real models.

One scenario walks the operator's path: create a gallery, enroll from a photo (drag and drop)
and from a video file (click the face), identify in the live view, browse, edit meta, filter
by it, search by similarity with another photo of the same person, open the match in the
browser, drop the gallery. Another kills the server and expects the banner and a reconnect.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from gui_helpers import QT_LOG_IGNORE, assert_nothing_left, make_video, qt_objects, run, until
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.gui._app import build_window
from app.gui.state import MetaType, Operator, Phase
from app.gui.views import MainWindow, SettingsDialog
from app.gui.widgets import FrameView

pytestmark = [
    pytest.mark.gui,
    pytest.mark.slow,
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore(*QT_LOG_IGNORE),
]


def photo(faces_dir: Path, name: str) -> Path:
    path = faces_dir / "face_recognition" / name
    assert path.exists(), path
    return path


def drop_files(widget: FrameView, paths: list[Path]) -> None:
    """Hand a drop event of local files to the widget's drop handler.

    Offscreen Qt has no drag manager, so QApplication would not route a synthetic drop.
    """
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(
        QPointF(10, 10), Qt.DropAction.CopyAction, mime,
        Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
    )
    widget.dropEvent(event)


@pytest.fixture
def window(isolated: Path, loop: object, qtbot: QtBot) -> Iterator[MainWindow]:
    """The app's main window, connected to the embedded server it started itself; after the
    test it must leave no Qt object behind."""
    before = qt_objects()
    main, crash = build_window()
    # Shown in the report of a failing test: what the operator would have read.
    main.session.messages.posted.connect(lambda m: print("message bar:", m.render()))
    main.show()
    main.start_connection()

    async def connected() -> None:
        await until(lambda: main.session.connection.info.phase is Phase.CONNECTED,
                    what="the embedded server")

    run(loop, connected(), 180)  # type: ignore[arg-type]
    yield main
    if main.isVisible():
        main.close()
    run(loop, main.shutdown(), 30)  # type: ignore[arg-type]
    assert main.server is not None and not main.server.running
    main.deleteLater()
    assert crash.count == 0
    assert_nothing_left(before)


def message(window: MainWindow) -> str:
    return window.ui.messageLabel.text() if window.ui.messageBar.isVisible() else ""


def test_enroll_browse_edit_filter_search_drop(
    window: MainWindow, loop: object, faces_dir: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, qtbot: QtBot,
) -> None:
    browser, live, search = window.browser, window.live, window.search
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    video = make_video(photo(faces_dir, "biden.jpg"), tmp_path / "biden.avi")

    async def scenario() -> None:
        # --- create a gallery with the server's default schema
        window.ui.actionNewGallery.trigger()
        await until(lambda: browser.create_dialog is not None, what="the New gallery dialog")
        dialog = browser.create_dialog
        assert dialog is not None
        dialog.ui.nameEdit.setText("people")
        dialog.ui.buttonBox.button(dialog.ui.buttonBox.StandardButton.Ok).click()
        await until(lambda: "people" in window.galleries.names, what="the new gallery")
        await until(lambda: browser.current_gallery == "people")

        # --- a gallery with a schema of its own
        task = browser.create_gallery()
        await until(lambda: browser.create_dialog is not None)
        custom = browser.create_dialog
        assert custom is not None
        custom.ui.nameEdit.setText("badges")
        custom.ui.defaultSchemaCheck.setChecked(False)
        custom.add_field("badge", MetaType.UNSIGNED)
        custom.add_field("roles", MetaType.SET_STRING)
        custom.ui.schemaTable.item(0, 2).setText("7")
        custom.ui.buttonBox.button(custom.ui.buttonBox.StandardButton.Ok).click()
        await task
        schema = await window.galleries.schema("badges")
        assert [(f.name, f.type) for f in schema] == [
            ("badge", MetaType.UNSIGNED), ("roles", MetaType.SET_STRING),
        ]
        assert schema[0].default == 7
        browser.select_gallery("badges")
        await until(lambda: browser.filters.field_names == ["id", "badge", "roles"])
        await browser.drop_gallery()
        assert window.galleries.names == ["people"]
        browser.select_gallery("people")

        # --- a second create with the same name: CONFLICT in the message bar, no traceback
        await window.galleries.refresh()
        task = browser.create_gallery()
        await until(lambda: browser.create_dialog is not None)
        assert browser.create_dialog is not None
        browser.create_dialog.ui.nameEdit.setText("people")
        browser.create_dialog.ui.buttonBox.button(
            browser.create_dialog.ui.buttonBox.StandardButton.Ok).click()
        await task
        assert message(window).startswith("CONFLICT: ")

        # --- enroll from a photo dropped on the live view
        drop_files(live.ui.frameView, [photo(faces_dir, "obama.jpg")])
        await until(lambda: window.enroll_dialog is not None, what="the Enroll dialog")
        enroll = window.enroll_dialog
        assert enroll is not None
        enroll.ui.galleryCombo.setCurrentText("people")
        await until(lambda: "name" in [f.name for f in enroll.ui.metaEditor.fields],
                    what="the schema editors")
        await until(lambda: not enroll.ops.running, what="crop and similarity check")
        candidate = enroll.current
        assert candidate is not None and candidate.crop and candidate.crop[:4] == b"\x89PNG"
        assert enroll.similar_text == ""
        person_id = enroll.ui.metaEditor.editor("person_id")
        person_id.setText("18446744073709551615")  # uint64 max: beyond any spin box
        enroll.ui.metaEditor.editor("name").setText("Barack")
        enroll.ui.metaEditor.editor("tags").setText("president")
        obama_id = int(enroll.ui.faceIdEdit.text())
        qtbot.mouseClick(enroll.ui.enrollButton, Qt.MouseButton.LeftButton)
        await until(lambda: window.enroll_dialog is None, what="the enrolment")
        await until(lambda: window.galleries.items[0].count == 1)

        # --- enroll from a video file: play it, click the detected face
        live.open_video(video)
        await until(lambda: live.state.faces, what="a face in the video")
        face = live.state.faces[0]
        center = QPointF((face.box[0] + face.box[2]) / 2, (face.box[1] + face.box[3]) / 2)
        point = live.ui.frameView.to_widget(center)
        qtbot.mouseClick(live.ui.frameView, Qt.MouseButton.LeftButton,
                         pos=QPoint(int(point.x()), int(point.y())))
        await until(lambda: window.enroll_dialog is not None, what="the Enroll dialog")
        enroll = window.enroll_dialog
        assert enroll is not None
        enroll.ui.galleryCombo.setCurrentText("people")
        await until(lambda: "name" in [f.name for f in enroll.ui.metaEditor.fields])
        await until(lambda: not enroll.ops.running)
        enroll.ui.metaEditor.editor("name").setText("Joe")
        qtbot.keyClicks(enroll.ui.metaEditor.editor("person_id"), "-3")
        assert enroll.ui.metaEditor.editor("person_id").text() == "3"  # no sign in uint64
        enroll.ui.enrollButton.click()
        await until(lambda: window.enroll_dialog is None, what="the video enrolment")
        await until(lambda: window.galleries.items[0].count == 2)
        live.pause()

        # --- a second photo of an enrolled person: the dialog warns before saving
        drop_files(live.ui.frameView, [photo(faces_dir, "obama3.jpg")])
        await until(lambda: window.enroll_dialog is not None, what="the Enroll dialog")
        enroll = window.enroll_dialog
        assert enroll is not None
        enroll.ui.galleryCombo.setCurrentText("people")
        await until(lambda: enroll.similar_text, what="the similarity warning")
        assert "Barack" in enroll.similar_text and f"#{obama_id}" in enroll.similar_text
        assert enroll.ui.enrollButton.text() == "Enroll anyway"
        enroll.ui.closeButton.click()
        await until(lambda: window.enroll_dialog is None)

        # --- identify mode labels the face in the video with the enrolled name
        live.ui.identifyCheck.setChecked(True)
        live.ui.identifyGalleryCombo.setCurrentText("people")
        live.ui.attributesCheck.setChecked(True)
        live.open_video(video)
        await until(lambda: any(f.match == "Joe" for f in live.state.faces),
                    what="the identified face")
        best = next(f for f in live.state.faces if f.match == "Joe")
        assert best.attributes.count(",") == 2  # gender, age, emotion
        assert best.attributes in best.label(identify=True, attributes=True)
        assert best.confidence is not None and best.confidence >= window.session.settings.confidence
        assert "Joe" in best.label(identify=True, attributes=False)
        live.pause()
        assert live.state.stats.shown >= live.state.stats.analysed > 0

        # --- a live face as the similarity probe
        live.selected = best
        live.ui.searchFaceButton.setEnabled(True)
        live.ui.searchFaceButton.click()
        await until(lambda: search.state.probe is not None, what="the live probe")
        assert window.ui.tabs.currentWidget() is search
        search.ui.galleryCombo.setCurrentText("people")
        await search.search()
        assert search.state.results and search.state.results[0].meta["name"] == "Joe"

        # --- the browser shows both faces, with thumbnails from the normalized endpoint
        window.ui.actionShowGalleries.trigger()
        browser.select_gallery("people")
        await until(lambda: len(browser.faces.faces) == 2, what="two faces in the browser")
        names = {f.meta.get("name") for f in browser.faces.faces}
        assert names == {"Barack", "Joe"}
        row = browser.faces.row_of(obama_id)
        assert row is not None
        assert browser.faces.faces[row].meta["person_id"] == 18446744073709551615
        browser.faces_model.data(browser.faces_model.index(row, 0), Qt.ItemDataRole.DecorationRole)
        await until(lambda: ("people", obama_id) in window.thumbnails.crops, what="a thumbnail")

        # --- edit the meta of the selected face (only the changed key is sent)
        browser.ui.tableButton.click()
        browser.ui.tableView.selectRow(row)
        assert browser.selected_face is not None
        browser.ui.metaEditor.editor("tags").setText("president, vip")
        browser.ui.metaEditor.edited.emit()
        assert browser.ui.saveMetaButton.isEnabled()
        await browser.save_meta()
        face_meta = browser.faces.faces[browser.faces.row_of(obama_id) or 0].meta
        assert sorted(face_meta["tags"]) == ["president", "vip"]

        # --- filter by that meta; an invalid row is marked and blocks Apply
        builder = browser.filter_builder
        builder.ui.addRowButton.click()
        row_widget = builder.rows[0]
        row_widget.ui.fieldCombo.setCurrentText("person_id")
        row_widget.ui.valueEdit.setText("12x")
        assert row_widget.ui.valueEdit.property("invalid") is True
        assert not builder.ui.applyButton.isEnabled()
        row_widget.ui.fieldCombo.setCurrentText("tags")
        assert row_widget.ui.opCombo.currentData() is Operator.CONTAINS_ALL
        row_widget.ui.valueEdit.setText("vip")
        assert row_widget.ui.valueEdit.property("invalid") is False
        builder.ui.applyButton.click()
        await until(lambda: [f.face_id for f in browser.faces.faces] == [obama_id]
                    and not browser.faces.loading, what="the filtered list")

        # --- similarity search with another photo of the same person, plus the filter
        window.ui.actionShowSearch.trigger()
        search.ui.galleryCombo.setCurrentText("people")
        await search.probe_from_photo(photo(faces_dir, "obama2.jpg"))
        assert search.state.probe is not None
        search.ui.useFiltersCheck.setChecked(True)
        await search.search()
        results = search.state.results
        assert [hit.face_id for hit in results] == [obama_id]
        assert results[0].confidence >= search.confidence
        search.ui.useFiltersCheck.setChecked(False)
        search.set_confidence(0.05)
        await search.search()
        confidences = [hit.confidence for hit in search.state.results]
        assert confidences == sorted(confidences, reverse=True)
        assert search.state.results[0].face_id == obama_id
        search.ui.resultsTable.selectRow(0)
        assert search.ui.openInBrowserButton.isEnabled()
        search.ui.openInBrowserButton.click()
        await until(lambda: window.ui.tabs.currentWidget() is browser
                    and browser.selected_face is not None
                    and browser.selected_face.face_id == obama_id, what="open in browser")

        # --- multi-select delete, then drop the gallery (confirmations answered Yes)
        builder.ui.clearButton.click()
        await until(lambda: len(browser.faces.faces) == 2 and not browser.faces.loading)
        browser.ui.tableView.selectAll()
        assert browser.selected_face_ids()
        await browser.delete_selected()
        assert browser.faces.faces == []
        await browser.drop_gallery()
        assert "people" not in window.galleries.names

    run(loop, scenario(), 600)  # type: ignore[arg-type]


def test_losing_the_server_shows_the_banner_and_reconnects(
    window: MainWindow, loop: object, no_unexpected_logs: list[str]
) -> None:
    no_unexpected_logs.append("the embedded server stopped")
    assert not window.ui.banner.isVisible()
    server = window.server
    assert server is not None
    first_url = server.url

    async def scenario() -> None:
        server.process.kill()
        await until(lambda: window.ui.banner.isVisible(), 30, "the banner")
        assert "connection lost" in window.ui.bannerLabel.text()
        assert message(window).startswith("SERVER_EXITED: the embedded server stopped")
        assert window.session.connection.info.phase in (Phase.LOST, Phase.STARTING)
        await until(lambda: window.session.connection.info.phase is Phase.CONNECTED,
                    what="the reconnect")
        await until(lambda: not window.ui.banner.isVisible(), 10, "the banner to go")
        assert server.url is not None
        assert window.session.client.url == server.url  # a new client for the new port
        assert first_url is not None

    run(loop, scenario(), 240)  # type: ignore[arg-type]


def _open_settings(window: MainWindow) -> SettingsDialog:
    dialogs = [d for d in window.findChildren(SettingsDialog) if d.isVisible()]
    assert len(dialogs) == 1
    return dialogs[0]


def test_settings_changes_reconnect_and_switch_to_a_remote_url(
    window: MainWindow, loop: object
) -> None:
    first_client = window.session.client

    async def scenario() -> None:
        task = window.edit_settings()
        await until(lambda: any(d.isVisible() for d in window.findChildren(SettingsDialog)))
        dialog = _open_settings(window)
        dialog.ui.timeoutSpin.setValue(20.0)
        dialog.ui.buttonBox.button(dialog.ui.buttonBox.StandardButton.Ok).click()
        await task
        assert window.session.settings.request_timeout == 20.0
        await until(lambda: window.session.client is not first_client
                    and window.session.connection.info.phase is Phase.CONNECTED)
        assert window.server is not None and window.server.running

        task = window.edit_settings()
        await until(lambda: any(d.isVisible() for d in window.findChildren(SettingsDialog)))
        dialog = _open_settings(window)
        dialog.ui.remoteRadio.setChecked(True)
        dialog.ui.urlEdit.setText("http://127.0.0.1:9")  # nothing listens there
        dialog.ui.buttonBox.button(dialog.ui.buttonBox.StandardButton.Ok).click()
        await task
        assert not window.server.running  # the embedded server is stopped for a remote one
        await until(lambda: window.ui.banner.isVisible(), 30, "the banner")
        assert "CONNECTION_ERROR" in window.ui.bannerLabel.text()
        assert window.session.connection.info.phase is Phase.LOST

    run(loop, scenario(), 120)  # type: ignore[arg-type]
