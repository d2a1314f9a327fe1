"""Similarity search: probe from a photo, a live face or a gallery face; threshold; results."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QItemSelection, Signal, Slot
from PySide6.QtWidgets import QFileDialog, QHeaderView, QWidget

from app.gui._slots import asyncSlot
from app.gui.forms.ui_search_view import Ui_SearchView
from app.gui.models import ResultsModel, ThumbnailCache
from app.gui.state import (
    Candidate,
    FilterBuilderState,
    GalleriesState,
    Hit,
    MessageBridge,
    Operations,
    Probe,
    SearchState,
    Session,
    ValidationError,
    detect_photo,
    fetch_crop,
    format_meta_value,
    guarded,
)
from app.gui.views._live_view import PHOTO_FILTER
from app.gui.views._settings_dialog import strictness_text
from app.gui.widgets import pixmap_from_bytes

PROBE_SIZE = 160
COMPARE_SIZE = 112


class SearchView(QWidget):
    """Observes SearchState; `openInBrowser(gallery, face_id)` shows a result in the browser."""

    openInBrowser = Signal(str, object)

    def __init__(
        self,
        session: Session,
        galleries: GalleriesState,
        thumbnails: ThumbnailCache,
        browser_filters: FilterBuilderState,
        ops: Operations,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ui = Ui_SearchView()
        self.ui.setupUi(self)
        self.session = session
        self.galleries = galleries
        self.thumbnails = thumbnails
        self.browser_filters = browser_filters
        self.ops = ops
        self.state = SearchState(session)
        self.model = ResultsModel(self.state, thumbnails, self)
        self.ui.resultsTable.setModel(self.model)
        self.ui.resultsTable.verticalHeader().setDefaultSectionSize(60)
        self.ui.resultsTable.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.ui.resultsTable.horizontalHeader().setStretchLastSection(True)
        self.ui.splitter.setSizes([260, 520, 280])
        self.ui.splitter.setStretchFactor(1, 1)
        self.set_confidence(session.settings.confidence)
        self._show_probe()
        self._show_match(None)

        galleries.changed.connect(self._on_galleries)
        self.state.probe_changed.connect(lambda _: self._show_probe())
        self.state.results_changed.connect(lambda _: self._show_match(None))
        self.ui.thresholdSlider.valueChanged.connect(self._on_threshold)
        self.ui.probeFileButton.clicked.connect(self._on_probe_file)
        self.ui.searchButton.clicked.connect(self.search)
        self.ui.openInBrowserButton.clicked.connect(self._on_open_in_browser)
        self.ui.resultsTable.selectionModel().selectionChanged.connect(self._on_selection)
        self.ui.resultsTable.doubleClicked.connect(self._on_open_in_browser)
        thumbnails.ready.connect(self._on_thumbnail)

    @property
    def messages(self) -> MessageBridge:
        """Errors go to the window's message bar."""
        return self.session.messages

    @property
    def confidence(self) -> float:
        """The threshold as confidence (the slider is in hundredths)."""
        return float(self.ui.thresholdSlider.value()) / 100.0

    def set_confidence(self, confidence: float) -> None:
        """Move the slider to `confidence`."""
        self.ui.thresholdSlider.setValue(round(confidence * 100))
        self._on_threshold(self.ui.thresholdSlider.value())

    @Slot(int)
    def _on_threshold(self, value: int) -> None:
        confidence = min(max(value / 100.0, 0.01), 0.99)
        text = f"confidence ≥ {value / 100:.2f}\n{strictness_text(confidence)}"
        self.ui.thresholdLabel.setText(text)

    def _on_galleries(self, _: None) -> None:
        combo = self.ui.galleryCombo
        current = combo.currentText()
        combo.clear()
        combo.addItems(self.galleries.names)
        if current in self.galleries.names:
            combo.setCurrentText(current)

    # ------------------------------------------------------------------ probes

    @Slot()
    def _on_probe_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Probe photo", "", PHOTO_FILTER)
        if path:
            self.probe_from_photo(Path(path))

    @asyncSlot(object)
    @guarded("Detecting the probe face")
    async def probe_from_photo(self, path: Path) -> None:
        """Use the largest face of a photo as the probe."""
        found = await detect_photo(self.session, path)
        if not found:
            raise ValidationError(path.name, "no face found in the photo")
        await self._use_candidate(found[0], f"Largest face of {path.name} ({len(found)} found)")

    @asyncSlot(object)
    @guarded("Preparing the probe")
    async def probe_from_candidate(self, candidate: Candidate) -> None:
        """Use a live-view face as the probe."""
        await self._use_candidate(candidate, f"Live face ({candidate.source})")

    async def _use_candidate(self, candidate: Candidate, label: str) -> None:
        crop = await fetch_crop(self.session, candidate)
        self.state.set_probe(Probe(label, candidate=candidate, image=crop))

    def probe_from_face(self, gallery: str, face_id: int) -> None:
        """Use a gallery face as the probe (its thumbnail crop, if loaded)."""
        crop = self.thumbnails.crops.get((gallery, face_id))
        self.state.set_probe(
            Probe(f"Face {face_id} of {gallery}", face=(gallery, face_id), image=crop)
        )
        self.ui.galleryCombo.setCurrentText(gallery)

    def _show_probe(self) -> None:
        probe = self.state.probe
        self.ui.probeImage.setPixmap(
            pixmap_from_bytes(probe.image if probe else None, PROBE_SIZE, "no probe")
        )
        if probe is not None:
            self.ui.probeLabel.setText(probe.label)
        self.ui.searchButton.setEnabled(probe is not None)

    # ------------------------------------------------------------------ search

    @asyncSlot()
    @guarded("Searching")
    async def search(self) -> None:
        """Search the chosen gallery with the probe, threshold and (optionally) the filters."""
        gallery = self.ui.galleryCombo.currentText()
        if not gallery:
            raise ValidationError("gallery", "choose a gallery to search")
        filters = self.browser_filters.build() if self.ui.useFiltersCheck.isChecked() else []
        await self.state.search(gallery, self.confidence, self.ui.limitSpin.value(), filters)
        if self.state.results:
            self.ui.resultsTable.selectRow(0)

    @property
    def selected_hit(self) -> Hit | None:
        """The selected result."""
        rows = self.ui.resultsTable.selectionModel().selectedRows()
        row = int(rows[0].row()) if rows else -1
        return self.state.results[row] if 0 <= row < len(self.state.results) else None

    @Slot(QItemSelection, QItemSelection)
    def _on_selection(self, *_: QItemSelection) -> None:
        self._show_match(self.selected_hit)

    def _show_match(self, hit: Hit | None) -> None:
        probe = self.state.probe
        self.ui.compareProbe.setPixmap(
            pixmap_from_bytes(probe.image if probe else None, COMPARE_SIZE, "probe")
        )
        self.ui.openInBrowserButton.setEnabled(hit is not None)
        if hit is None:
            self.ui.compareMatch.setPixmap(pixmap_from_bytes(None, COMPARE_SIZE, "match"))
            self.ui.matchInfo.setText(
                f"{len(self.state.results)} result(s). Select one." if self.state.results
                else "No results yet."
            )
            return
        crop = self.thumbnails.crops.get((hit.gallery, hit.face_id))
        self.ui.compareMatch.setPixmap(pixmap_from_bytes(crop, COMPARE_SIZE, "match"))
        meta = "".join(
            f"<br>{key}: {format_meta_value(value)}" for key, value in sorted(hit.meta.items())
        )
        self.ui.matchInfo.setText(
            f"<b>Face {hit.face_id}</b> in {hit.gallery}<br>confidence {hit.confidence:.3f}{meta}"
        )

    @Slot(str, object)
    def _on_thumbnail(self, gallery: str, face_id: object) -> None:
        hit = self.selected_hit
        if hit is not None and (hit.gallery, hit.face_id) == (gallery, face_id):
            self._show_match(hit)

    @Slot()
    def _on_open_in_browser(self) -> None:
        hit = self.selected_hit
        if hit is not None:
            self.openInBrowser.emit(hit.gallery, hit.face_id)
