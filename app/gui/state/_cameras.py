"""The cameras the system lists, and which one the operator's settings mean."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class CameraInfo:
    """One video input as the system lists it: a stable device id and a readable name."""

    id: str
    name: str
    is_default: bool = False


def preferred_camera(cameras: Sequence[CameraInfo], wanted: str) -> int | None:
    """The position in `cameras` of device `wanted`, else of the system default, else the
    first; None when there is no camera. An empty `wanted` means the system default."""
    if not cameras:
        return None
    ids = [camera.id for camera in cameras]
    if wanted in ids:
        return ids.index(wanted)
    return next((i for i, camera in enumerate(cameras) if camera.is_default), 0)


def camera_of_index(index: int, cameras: Sequence[CameraInfo]) -> str:
    """The device id that a camera index saved by earlier versions (an OpenCV index) means.

    Index 0 was the default of those versions and stays the system default (""). Otherwise
    the V4L2 device `/dev/video<index>` (what OpenCV opened on Linux), else the camera at
    that position in the list (OpenCV's order elsewhere); "" when neither exists.
    """
    if index <= 0:
        return ""
    device = f"/dev/video{index}"
    if any(camera.id == device for camera in cameras):
        return device
    return cameras[index].id if index < len(cameras) else ""
