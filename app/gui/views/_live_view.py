"""The live view: camera or video playback, face overlays, identify mode, click to enroll."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
from PySide6.QtCore import Signal, Slot
from PySide6.QtGui import QImage, QShowEvent
from PySide6.QtWidgets import QFileDialog, QWidget

from app.gui._slots import asyncSlot
from app.gui.forms.ui_live_view import Ui_LiveView
from app.gui.media import MediaSource, list_cameras
from app.gui.state import (
    Candidate,
    Frame,
    GalleriesState,
    LiveFace,
    LiveState,
    MessageBridge,
    Operations,
    Session,
    Settings,
    candidate_of,
    detect_photo,
    faces_summary,
    guarded,
    preferred_camera,
)
from app.gui.widgets import Overlay

VIDEO_FILTER = "Videos (*.mp4 *.avi *.mkv *.mov *.webm);;All files (*)"
PHOTO_FILTER = "Images (*.jpg *.jpeg *.png *.bmp *.webp);;All files (*)"


def rgb_image(frame: Frame) -> QImage:
    """A QImage owning a copy of an RGB frame.

    Copied into the image's own rows rather than wrapping the numpy buffer: a QImage that
    borrows Python memory outlives it too easily (and crashed PySide at interpreter exit).
    """
    height, width = int(frame.shape[0]), int(frame.shape[1])
    image = QImage(width, height, QImage.Format.Format_RGB888)
    rows = np.frombuffer(image.bits(), np.uint8).reshape(height, image.bytesPerLine())
    rows[:, : width * 3] = frame.reshape(height, width * 3)
    return image


def overlay_kind(face: LiveFace, identify: bool) -> str:
    """The overlay colour of a face: poor quality, match, unknown, or plain."""
    if face.issues:
        return "poor"
    if identify:
        return "match" if face.match is not None else "unknown"
    return "face"


class LiveView(QWidget):
    """Observes LiveState. Signals: `enrollRequested(candidates)`, `searchRequested(candidate)`."""

    enrollRequested = Signal(object)
    searchRequested = Signal(object)

    def __init__(
        self,
        session: Session,
        galleries: GalleriesState,
        ops: Operations,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ui = Ui_LiveView()
        self.ui.setupUi(self)
        self.session = session
        self.galleries = galleries
        self.ops = ops
        self.state = LiveState(session)
        self.selected: LiveFace | None = None
        self._play_task: asyncio.Future[None] | None = None
        self._cameras_probed = False

        self.ui.rateSpin.setValue(self.state.options.detect_rate)
        self.ui.attributesCheck.setChecked(self.state.options.attributes)
        self.ui.identifyGalleryCombo.setEnabled(False)
        self.ui.frameView.set_hint("No source. Open a camera or a video file, or drop photos here.")

        self.state.frame.connect(self._on_frame)
        self.state.faces_changed.connect(self._on_faces)
        self.state.playing_changed.connect(self._on_playing)
        galleries.changed.connect(self._on_galleries)
        self.ui.refreshCamerasButton.clicked.connect(self.find_cameras)
        self.ui.openCameraButton.clicked.connect(self.open_camera)
        self.ui.openFileButton.clicked.connect(self._on_open_file)
        self.ui.playButton.clicked.connect(self.toggle_play)
        self.ui.enrollPhotosButton.clicked.connect(self._on_enroll_photos)
        self.ui.rateSpin.valueChanged.connect(self._on_options)
        self.ui.attributesCheck.toggled.connect(self._on_options)
        self.ui.identifyCheck.toggled.connect(self._on_options)
        self.ui.identifyGalleryCombo.currentTextChanged.connect(self._on_options)
        self.ui.frameView.clicked.connect(self._on_frame_clicked)
        self.ui.frameView.filesDropped.connect(self.enroll_photos)
        self.ui.searchFaceButton.clicked.connect(self._on_search_face)
        session.settings_changed.connect(self._on_settings)

    def _on_settings(self, settings: Settings) -> None:
        self.ui.attributesCheck.setChecked(settings.show_attributes)
        self.ui.rateSpin.setValue(settings.detect_rate)
        self._on_options()

    @property
    def messages(self) -> MessageBridge:
        """Errors go to the window's message bar."""
        return self.session.messages

    # ------------------------------------------------------------------ sources

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        if not self._cameras_probed:
            self._cameras_probed = True
            self.find_cameras()
        super().showEvent(event)

    @Slot()
    def find_cameras(self) -> None:
        """List the connected cameras by name, the preferred one selected."""
        cameras = list_cameras()
        combo = self.ui.cameraCombo
        combo.clear()
        for camera in cameras:
            combo.addItem(camera.name, camera.id)
        preferred = preferred_camera(cameras, self.session.settings.camera)
        if preferred is not None:
            combo.setCurrentIndex(preferred)
        self.ui.openCameraButton.setEnabled(bool(cameras))
        if not cameras:
            combo.addItem("no camera")
        self.ui.facesLabel.setText(
            f"{len(cameras)} camera(s) found. Open one or a video file, or drop photos here."
        )

    @asyncSlot()
    @guarded("Opening camera")
    async def open_camera(self) -> None:
        """Open the chosen camera and play it."""
        camera = self.ui.cameraCombo.currentData()
        self._use(MediaSource.open_camera(camera if isinstance(camera, str) else ""))

    @Slot()
    def _on_open_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open video", "", VIDEO_FILTER)
        if path:
            self.open_video(Path(path))

    @asyncSlot(object)
    @guarded("Opening video")
    async def open_video(self, path: Path) -> None:
        """Open a video file and play it."""
        self._use(await MediaSource.open_file(path))

    def _use(self, source: MediaSource) -> None:
        self.pause()
        self.state.set_source(source)
        self.ui.playButton.setEnabled(True)
        self.play()

    # ------------------------------------------------------------------ playback

    @Slot()
    def toggle_play(self) -> None:
        """Play or pause."""
        if self.state.playing:
            self.pause()
        else:
            self.play()

    def play(self) -> None:
        """Start playback (frames at the source rate, detection at its own rate)."""
        # Not `state.playing`: a playback just cancelled by pause() is still winding down.
        idle = self._play_task is None or self._play_task.done()
        if self.state.source is not None and idle:
            self._play_task = self._run_playback()

    def pause(self) -> None:
        """Stop playback, keeping the source and the last frame."""
        if self._play_task is not None:
            self._play_task.cancel()
            self._play_task = None

    @asyncSlot()
    @guarded()
    async def _run_playback(self) -> None:
        await self.state.play()

    def _on_playing(self, playing: bool) -> None:
        self.ui.playButton.setText("Pause" if playing else "Play")

    def _on_frame(self, frame: Frame) -> None:
        self.ui.frameView.set_image(rgb_image(frame))
        stats = self.state.stats
        detect = f", detect {stats.last_detect_ms:.0f} ms" if stats.last_detect_ms else ""
        self.ui.statsLabel.setText(
            f"{stats.shown} frames ({stats.late} late), {stats.analysed} analysed,"
            f" {stats.dropped} skipped{detect}"
        )

    def _on_faces(self, _: None) -> None:
        if self.selected not in self.state.faces:
            self.selected = None
        identify = bool(self.state.options.identify_gallery)
        attributes = self.state.options.attributes
        self.ui.frameView.set_overlays([
            Overlay(
                face.box,
                face.label(identify=identify, attributes=attributes),
                overlay_kind(face, identify),
                face is self.selected,
            )
            for face in self.state.faces
        ])
        self.ui.facesLabel.setText(faces_summary(self.state.faces) + " — click a face to enroll it")
        self.ui.searchFaceButton.setEnabled(self.selected is not None)

    def _on_galleries(self, _: None) -> None:
        combo = self.ui.identifyGalleryCombo
        current = combo.currentText()
        combo.blockSignals(True)
        combo.clear()
        combo.addItems(self.galleries.names)
        if current in self.galleries.names:
            combo.setCurrentText(current)
        combo.blockSignals(False)
        self._on_options()

    @Slot()
    def _on_options(self) -> None:
        identify = self.ui.identifyCheck.isChecked()
        self.ui.identifyGalleryCombo.setEnabled(identify)
        options = self.state.options
        options.detect_rate = self.ui.rateSpin.value()
        options.attributes = self.ui.attributesCheck.isChecked()
        options.identify_gallery = (
            self.ui.identifyGalleryCombo.currentText() or None if identify else None
        )
        options.confidence = self.session.settings.confidence
        options.detect_timeout = self.session.settings.detect_timeout

    # ------------------------------------------------------------------ faces

    @Slot(float, float)
    def _on_frame_clicked(self, x: float, y: float) -> None:
        face = self.state.face_at(x, y)
        self.selected = face
        self._on_faces(None)
        if face is not None:
            self.enrollRequested.emit([self.candidate(face)])

    def candidate(self, face: LiveFace) -> Candidate:
        """The enrol/search candidate of a live face."""
        source = self.state.source.label if self.state.source else "live"
        return candidate_of(face.detection, f"{source} frame")

    @Slot()
    def _on_search_face(self) -> None:
        if self.selected is not None:
            self.searchRequested.emit(self.candidate(self.selected))

    @Slot()
    def _on_enroll_photos(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Enroll from photos", "", PHOTO_FILTER)
        if paths:
            self.enroll_photos([Path(p) for p in paths])

    @asyncSlot(object)
    @guarded("Detecting faces in photos")
    async def enroll_photos(self, paths: list[Path]) -> None:
        """Detect every face of the photos and offer them for enrolment."""
        candidates: list[Candidate] = []
        for number, path in enumerate(paths):
            self.ops.report(number, len(paths))
            found = await detect_photo(self.session, path)
            if not found:
                self.messages.warning(f"{path.name}: no face found")
            candidates.extend(found)
        if candidates:
            self.enrollRequested.emit(candidates)

    def shutdown(self) -> list[asyncio.Task[None]]:
        """Stop playback and release the source (the window is closing); returns the cancelled
        analysis task, if any, for the caller to await."""
        self.pause()
        return self.state.stop()
