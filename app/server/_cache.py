"""The detection cache: faces detected with `facen` wait here for `from`/`looks_like` references.

`DetectionCache` is the interface; `MemoryCache` is the in-process default (LRU with a TTL and
a size bound). The memcached backend lives in `_memcached.py`. Cache failures are CACHE_ERROR.
"""

from __future__ import annotations

import abc
import base64
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from app.vision import BBox


@dataclass(frozen=True, eq=False)
class CachedDetection:
    """One detected face as the cache keeps it (vector, rendered features, box, crop, model)."""

    id: str
    bbox: BBox
    features: dict[str, Any]
    vector: npt.NDArray[np.float32]
    model_pack: str
    normalized_png: bytes

    def wire(self) -> dict[str, Any]:
        """The DetectedFace JSON served by `GET /v2/detect/{id}`."""
        box = self.bbox
        bbox = {"left": box.left, "top": box.top, "right": box.right, "bottom": box.bottom}
        return {"id": self.id, "bbox": bbox, "features": self.features}

    def to_bytes(self) -> bytes:
        """A self-contained JSON encoding (for caches outside this process)."""
        doc = self.wire()
        doc["model_pack"] = self.model_pack
        doc["vector"] = base64.b64encode(self.vector.astype("<f4").tobytes()).decode("ascii")
        doc["normalized"] = base64.b64encode(self.normalized_png).decode("ascii")
        return json.dumps(doc, separators=(",", ":")).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> CachedDetection:
        """Inverse of `to_bytes`."""
        doc = json.loads(data)
        return cls(
            id=doc["id"],
            bbox=BBox(**doc["bbox"]),
            features=doc["features"],
            vector=np.frombuffer(base64.b64decode(doc["vector"]), dtype="<f4").astype(np.float32),
            model_pack=doc["model_pack"],
            normalized_png=base64.b64decode(doc["normalized"]),
        )

    def __repr__(self) -> str:
        return (
            f"CachedDetection(id={self.id!r}, bbox={self.bbox!r}, model_pack={self.model_pack!r})"
        )


class DetectionCache(abc.ABC):
    """Detections by id for a limited time; synchronous and thread-safe."""

    @abc.abstractmethod
    def put(self, detection: CachedDetection) -> None:
        """Keep `detection` under its id for the configured TTL; CACHE_ERROR when down."""

    @abc.abstractmethod
    def get(self, detection_id: str) -> CachedDetection | None:
        """The detection, or None when unknown or expired; CACHE_ERROR when down."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release connections."""


class MemoryCache(DetectionCache):
    """In-process LRU bounded by `max_items`, entries expire `ttl_seconds` after being put."""

    def __init__(
        self, *, ttl_seconds: float, max_items: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._clock = clock
        self._ttl = ttl_seconds
        self._max_items = max_items
        self._items: OrderedDict[str, tuple[float, CachedDetection]] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, detection: CachedDetection) -> None:
        with self._lock:
            self._items[detection.id] = (self._clock() + self._ttl, detection)
            self._items.move_to_end(detection.id)
            while len(self._items) > self._max_items:
                self._items.popitem(last=False)

    def get(self, detection_id: str) -> CachedDetection | None:
        with self._lock:
            entry = self._items.get(detection_id)
            if entry is None:
                return None
            if entry[0] < self._clock():
                del self._items[detection_id]
                return None
            self._items.move_to_end(detection_id)
            return entry[1]

    def close(self) -> None:
        with self._lock:
            self._items.clear()

    def __repr__(self) -> str:
        return (
            f"MemoryCache(items={len(self._items)}, max_items={self._max_items}, ttl={self._ttl})"
        )
