"""The cameras Qt Multimedia lists, by device id and name."""

from __future__ import annotations

from PySide6.QtMultimedia import QCameraDevice, QMediaDevices

from app.gui.state import CameraInfo, MediaError


def _device_id(device: QCameraDevice) -> str:
    return bytes(device.id().data()).decode("utf-8", "replace")


def list_cameras() -> list[CameraInfo]:
    """The video inputs connected now, in the system's order."""
    default = _device_id(QMediaDevices.defaultVideoInput())
    return [
        CameraInfo(_device_id(d), d.description(), _device_id(d) == default)
        for d in QMediaDevices.videoInputs()
    ]


def find_camera(camera_id: str) -> QCameraDevice:
    """The connected camera with `camera_id` ("": the system default); MediaError if none."""
    if not camera_id:
        device = QMediaDevices.defaultVideoInput()
        if device.isNull():
            raise MediaError("no camera is connected")
        return device
    for device in QMediaDevices.videoInputs():
        if _device_id(device) == camera_id:
            return device
    raise MediaError(f"camera {camera_id} is not connected")
