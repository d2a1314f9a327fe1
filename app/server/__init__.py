"""The sf-api HTTP server (Starlette on uvicorn) over the vision engine and storage."""

from app.server._app import create_app
from app.server._cache import CachedDetection, DetectionCache, MemoryCache
from app.server._memcached import MemcachedCache
from app.server._services import Engine

__all__ = [
    "CachedDetection",
    "DetectionCache",
    "Engine",
    "MemcachedCache",
    "MemoryCache",
    "create_app",
]
