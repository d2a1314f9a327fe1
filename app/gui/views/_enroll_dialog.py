"""The Enroll dialog: crop, quality flags, gallery, face id, typed meta, similarity warning."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal, Slot
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QIcon
from PySide6.QtWidgets import QDialog, QListWidgetItem, QWidget

from app.gui._slots import asyncSlot
from app.gui.forms.ui_enroll_dialog import Ui_EnrollDialog
from app.gui.state import (
    Candidate,
    EnrollState,
    GalleriesState,
    MessageBridge,
    Operations,
    Session,
    ValidationError,
    detect_photo,
    fetch_crop,
    guarded,
)
from app.gui.views._progress import show_progress
from app.gui.widgets import mark_invalid, pixmap_from_bytes, set_style_state
from app.protocol import ProtocolError, parse_uint64


def candidate_text(candidate: Candidate) -> str:
    """The list entry of a candidate: source and quality (with issues)."""
    quality = f"quality {candidate.quality:.2f}" if candidate.quality is not None else ""
    issues = f"⚠ {', '.join(candidate.issues)}" if candidate.issues else ""
    return "\n".join(part for part in (candidate.source, quality, issues) if part)


class EnrollDialog(QDialog):
    """Enrolls candidates one at a time; `enrolled(gallery, face_id)` after each success."""

    enrolled = Signal(str, object)

    def __init__(
        self,
        session: Session,
        galleries: GalleriesState,
        candidates: list[Candidate],
        gallery: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ui = Ui_EnrollDialog()
        self.ui.setupUi(self)
        self.session = session
        self.galleries = galleries
        self.state = EnrollState(session, candidates)
        self.ops = Operations()
        self.similar_text = ""
        self.ui.galleryCombo.addItems(galleries.names)
        if gallery:
            self.ui.galleryCombo.setCurrentText(gallery)
        self.ui.candidateList.currentRowChanged.connect(self._on_candidate)
        self.ui.galleryCombo.currentTextChanged.connect(self._on_gallery)
        self.ui.generateIdButton.clicked.connect(self._on_generate)
        self.ui.faceIdEdit.textEdited.connect(self._validate)
        self.ui.metaEditor.edited.connect(self._validate)
        self.ui.enrollButton.clicked.connect(self.enroll_current)
        self.ui.skipButton.clicked.connect(self._on_skip)
        self.ui.closeButton.clicked.connect(self.close)
        self.state.changed.connect(self._fill_list)
        self.ops.changed.connect(self._on_ops)
        self._on_ops(None)
        self._fill_list(None)
        self._on_gallery(self.ui.galleryCombo.currentText())

    def _on_ops(self, _: None) -> None:
        show_progress(self.ops, self.ui.progressLabel, self.ui.progressBar)

    @property
    def messages(self) -> MessageBridge:
        """Errors go to the main window's message bar."""
        return self.session.messages

    @property
    def current(self) -> Candidate | None:
        """The candidate being edited."""
        row = self.ui.candidateList.currentRow()
        return self.state.candidates[row] if 0 <= row < len(self.state.candidates) else None

    def _fill_list(self, _: None) -> None:
        self.ui.candidateList.blockSignals(True)
        self.ui.candidateList.clear()
        for candidate in self.state.candidates:
            icon = QIcon(pixmap_from_bytes(candidate.crop, 56))
            self.ui.candidateList.addItem(QListWidgetItem(icon, candidate_text(candidate)))
        self.ui.candidateList.blockSignals(False)
        self.ui.enrollButton.setEnabled(bool(self.state.candidates))
        if self.state.candidates:
            self.ui.candidateList.setCurrentRow(0)
        if any(candidate.crop is None for candidate in self.state.candidates):
            self._prefetch_crops()

    @asyncSlot()
    @guarded()
    async def _prefetch_crops(self) -> None:
        for candidate in list(self.state.candidates):
            if candidate.crop is None and await fetch_crop(self.session, candidate):
                self._set_icon(candidate)

    def _set_icon(self, candidate: Candidate) -> None:
        if candidate in self.state.candidates:
            row = self.state.candidates.index(candidate)
            item = self.ui.candidateList.item(row)
            if item is not None:
                item.setIcon(QIcon(pixmap_from_bytes(candidate.crop, 56)))

    @Slot(int)
    def _on_candidate(self, _: int) -> None:
        candidate = self.current
        if candidate is None:
            return
        issues = candidate.issues
        if issues:
            self.ui.qualityLabel.setText(f"⚠ Low quality: {', '.join(issues)}")
            set_style_state(self.ui.qualityLabel, "level", "warning")
        else:
            quality = f"{candidate.quality:.2f}" if candidate.quality is not None else "n/a"
            self.ui.qualityLabel.setText(f"Quality {quality}")
            set_style_state(self.ui.qualityLabel, "level", "")
        self.ui.faceIdEdit.setText(str(self.state.new_face_id()))
        self.ui.cropImage.setPixmap(pixmap_from_bytes(candidate.crop, 112, "loading"))
        self._load_candidate(candidate)

    @asyncSlot(object)
    @guarded("Checking the face")
    async def _load_candidate(self, candidate: Candidate) -> None:
        crop = await fetch_crop(self.session, candidate)
        if candidate is self.current:
            self.ui.cropImage.setPixmap(pixmap_from_bytes(crop, 112, "no crop"))
        self._set_icon(candidate)
        await self._check_similar(candidate)

    async def _check_similar(self, candidate: Candidate) -> None:
        gallery = self.ui.galleryCombo.currentText()
        self.similar_text = ""
        self.ui.similarLabel.setText("")
        self.ui.enrollButton.setText("Enroll")
        if not gallery:
            return
        similar = await self.state.similar(candidate, gallery)
        if candidate is not self.current or gallery != self.ui.galleryCombo.currentText():
            return
        if similar:
            self.similar_text = "Already similar to " + "; ".join(s.describe() for s in similar)
            self.ui.similarLabel.setText(f"⚠ {self.similar_text}")
            self.ui.enrollButton.setText("Enroll anyway")

    @asyncSlot(str)
    @guarded("Loading the gallery schema")
    async def _on_gallery(self, gallery: str) -> None:
        schema = await self.galleries.schema(gallery) if gallery else []
        if gallery != self.ui.galleryCombo.currentText():
            return
        self.ui.metaEditor.set_schema(schema)
        self.ui.metaEditor.set_values({})
        candidate = self.current
        if candidate is not None:
            await self._check_similar(candidate)

    @Slot()
    def _on_generate(self) -> None:
        self.ui.faceIdEdit.setText(str(self.state.new_face_id()))
        self._validate()

    def _face_id(self) -> int:
        try:
            return parse_uint64(self.ui.faceIdEdit.text().strip(), "face id")
        except ProtocolError:
            raise ValidationError("face id", "must be an unsigned 64-bit integer") from None

    @Slot()
    def _validate(self) -> bool:
        try:
            self._face_id()
        except ValidationError as exc:
            mark_invalid(self.ui.faceIdEdit, exc.reason)
            valid = False
        else:
            mark_invalid(self.ui.faceIdEdit, None)
            valid = True
        return self.ui.metaEditor.validate() and valid

    @asyncSlot()
    @guarded("Enrolling")
    async def enroll_current(self) -> None:
        """Enroll the current candidate with the typed id and meta."""
        candidate = self.current
        gallery = self.ui.galleryCombo.currentText()
        if candidate is None:
            return
        if not gallery:
            raise ValidationError("gallery", "create a gallery first")
        self._validate()
        face_id = self._face_id()
        meta = {k: v for k, v in self.ui.metaEditor.values().items() if v is not None}
        enrolled_id = await self.state.enroll(candidate, gallery, face_id, meta)
        self.enrolled.emit(gallery, enrolled_id)
        if not self.state.candidates:
            self.accept()

    @Slot()
    def _on_skip(self) -> None:
        candidate = self.current
        if candidate is not None:
            self.state.candidates.remove(candidate)
            self.state.changed.emit(None)

    @asyncSlot(object)
    @guarded("Detecting faces in photos")
    async def add_photos(self, paths: list[Path]) -> None:
        """Detect the faces of photo files and offer each one."""
        for number, path in enumerate(paths):
            self.ops.report(number, len(paths))
            found = await detect_photo(self.session, path)
            if not found:
                self.messages.warning(f"{path.name}: no face found")
            self.state.add(found)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt override)
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt override)
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.add_photos(paths)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        self.ops.cancel_all()
        super().closeEvent(event)

    def done(self, result: int) -> None:
        """Closing by any button cancels this dialog's tasks too."""
        self.ops.cancel_all()
        super().done(result)
