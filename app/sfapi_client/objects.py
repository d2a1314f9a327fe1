"""Result objects, importable as in ntech: `from app.sfapi_client import objects`."""

from app.sfapi_client._models import (
    BBox,
    DetectFace,
    DetectResponse,
    Face,
    FaceId,
    GalleryInfo,
    GalleryListItem,
    ListResponse,
    MetaField,
    ServerStatus,
)

__all__ = [
    "BBox",
    "DetectFace",
    "DetectResponse",
    "Face",
    "FaceId",
    "GalleryInfo",
    "GalleryListItem",
    "ListResponse",
    "MetaField",
    "ServerStatus",
]
