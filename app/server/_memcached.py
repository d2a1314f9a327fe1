"""The memcached detection cache, shared by several server processes (pymemcache)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from pymemcache.client.hash import HashClient
from pymemcache.exceptions import MemcacheError

from app.protocol import ErrorCode, ProtocolError
from app.server._cache import CachedDetection, DetectionCache

_KEY_PREFIX = "sfdesk:det:"
_SAFE_ID = re.compile(r"^[A-Za-z0-9_.-]{1,200}$")


def _parse_server(spec: str) -> tuple[str, int]:
    host, _, port = spec.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"memcached server must be host:port, got {spec!r}")
    return host, int(port)


class MemcachedCache(DetectionCache):
    """Detections in memcached under `sfdesk:det:<id>`; memcached's own memory bound applies."""

    def __init__(self, servers: Sequence[str], *, ttl_seconds: float, timeout: float) -> None:
        self._servers = [_parse_server(s) for s in servers]
        self._ttl = max(1, int(ttl_seconds))
        self._client = HashClient(
            self._servers,
            connect_timeout=timeout,
            timeout=timeout,
            use_pooling=True,
            retry_attempts=1,
            dead_timeout=1,
            ignore_exc=False,
            default_noreply=False,
        )

    def _failed(self, exc: Exception) -> ProtocolError:
        return ProtocolError(ErrorCode.CACHE_ERROR, f"detection cache unavailable: {exc}")

    def put(self, detection: CachedDetection) -> None:
        try:
            self._client.set(_KEY_PREFIX + detection.id, detection.to_bytes(), expire=self._ttl)
        except (MemcacheError, OSError) as exc:
            raise self._failed(exc) from exc

    def get(self, detection_id: str) -> CachedDetection | None:
        if not _SAFE_ID.fullmatch(detection_id):
            return None  # memcached keys cannot hold it, so it was never put
        try:
            data = self._client.get(_KEY_PREFIX + detection_id)
        except (MemcacheError, OSError) as exc:
            raise self._failed(exc) from exc
        return None if data is None else CachedDetection.from_bytes(data)

    def close(self) -> None:
        self._client.close()

    def __repr__(self) -> str:
        return f"MemcachedCache(servers={self._servers!r}, ttl={self._ttl})"
