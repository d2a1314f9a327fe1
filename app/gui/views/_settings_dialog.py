"""The Settings dialog: server (embedded or remote URL + token), timeouts, camera, threshold."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QDialog, QWidget

from app.gui.forms.ui_settings_dialog import Ui_SettingsDialog
from app.gui.media import list_cameras
from app.gui.state import ServerMode, Settings
from app.protocol import cosine_from_confidence


def strictness_text(confidence: float) -> str:
    """`equivalent to cosine similarity ≥ 0.400` for a confidence threshold."""
    return f"equivalent to cosine similarity ≥ {cosine_from_confidence(confidence):.3f}"


class SettingsDialog(QDialog):
    """Edits a copy of Settings; `result_settings()` after the dialog is accepted."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ui = Ui_SettingsDialog()
        self.ui.setupUi(self)
        self.ui.buttonBox.accepted.connect(self.accept)
        self.ui.buttonBox.rejected.connect(self.reject)
        self.ui.remoteRadio.toggled.connect(self._on_mode)
        self.ui.confidenceSpin.valueChanged.connect(self._on_confidence)
        self._load(settings)

    def _load(self, settings: Settings) -> None:
        self.ui.remoteRadio.setChecked(settings.mode is ServerMode.REMOTE)
        self.ui.embeddedRadio.setChecked(settings.mode is ServerMode.EMBEDDED)
        self.ui.urlEdit.setText(settings.remote_url)
        self.ui.tokenEdit.setText(settings.token)
        self.ui.timeoutSpin.setValue(settings.request_timeout)
        self.ui.detectTimeoutSpin.setValue(settings.detect_timeout)
        self._load_cameras(settings.camera)
        self.ui.rateSpin.setValue(settings.detect_rate)
        self.ui.attributesCheck.setChecked(settings.show_attributes)
        self.ui.confidenceSpin.setValue(settings.confidence)
        self._on_mode(settings.mode is ServerMode.REMOTE)
        self._on_confidence(settings.confidence)

    def result_settings(self) -> Settings:
        """The settings as edited."""
        return Settings(
            mode=ServerMode.REMOTE if self.ui.remoteRadio.isChecked() else ServerMode.EMBEDDED,
            remote_url=self.ui.urlEdit.text().strip(),
            token=self.ui.tokenEdit.text().strip(),
            request_timeout=self.ui.timeoutSpin.value(),
            detect_timeout=self.ui.detectTimeoutSpin.value(),
            camera=str(self.ui.cameraCombo.currentData() or ""),
            detect_rate=self.ui.rateSpin.value(),
            show_attributes=self.ui.attributesCheck.isChecked(),
            confidence=round(self.ui.confidenceSpin.value(), 2),
        )

    def _load_cameras(self, preferred: str) -> None:
        combo = self.ui.cameraCombo
        combo.addItem("System default", "")
        for camera in list_cameras():
            combo.addItem(camera.name, camera.id)
        if combo.findData(preferred) < 0:  # unplugged now: keep the choice
            combo.addItem(f"{preferred} (not connected)", preferred)
        combo.setCurrentIndex(combo.findData(preferred))

    @Slot(bool)
    def _on_mode(self, remote: bool) -> None:
        self.ui.urlEdit.setEnabled(remote)
        self.ui.tokenEdit.setEnabled(remote)

    @Slot(float)
    def _on_confidence(self, value: float) -> None:
        self.ui.strictnessLabel.setText(strictness_text(value))
