"""Settings of the sf-api server: defaults, the TOML config file, and command-line overrides.

Every setting has a default here; a TOML file may set any of them (unknown keys are errors, so
typos do not pass silently), and the command line overrides the file. The meta schema stays
plain data at this layer; the server turns it into the storage layer's typed schema.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from app.common._paths import default_model_dir, default_server_data_dir

DEFAULT_PORT = 18411

#: The server-wide default meta schema (sfdesk extension): field -> {"type": ..., "default": ...}.
DEFAULT_META_SCHEMA: Mapping[str, Mapping[str, Any]] = {
    "person_id": {"type": "unsigned"},
    "name": {"type": "string"},
    "cam_id": {"type": "string"},
    "timestamp": {"type": "unsigned"},
    "tags": {"type": "set[string]"},
}


class SettingsError(ValueError):
    """A config file or option that cannot be used; the message says which key and why."""


@dataclass(frozen=True)
class CacheSettings:
    """The detection cache: `memory` (in-process LRU) or `memcached` (shared by processes)."""

    backend: str = "memory"
    ttl_seconds: float = 3600.0
    max_items: int = 10_000
    memcached_servers: tuple[str, ...] = ("127.0.0.1:11211",)
    memcached_timeout_seconds: float = 1.0


@dataclass(frozen=True)
class UrlFetchSettings:
    """Fetching images named by a `text/x-url` body.

    `allowed_hosts` entries are host names, `*.domain` suffixes, IP addresses or CIDR networks;
    `*` allows every host whose addresses are public. Loopback, private, link-local and other
    non-public addresses are only reachable when an entry names them explicitly.
    """

    allowed_hosts: tuple[str, ...] = ("*",)
    max_bytes: int = 16 * 1024 * 1024
    timeout_seconds: float = 10.0


@dataclass(frozen=True)
class ServerSettings:
    """Everything `python -m app server` can be configured with."""

    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    token: str | None = None
    data_dir: Path = field(default_factory=default_server_data_dir)
    #: "sqlite" (a file in data_dir) or a PostgreSQL URL "postgresql://user@host/db" (pgvector);
    #: several URLs separated by spaces spread the faces over those databases (shards)
    storage: str = "sqlite"
    #: PostgreSQL only: galleries with at least this many faces are searched through an HNSW
    #: index when the filter is broad (faster, approximate: at 1M faces 97-99 % of the true
    #: matches found); 0 (default): every search is an exact scan
    postgres_hnsw_min_faces: int = 0
    model_dir: Path = field(default_factory=default_model_dir)
    model_pack: str = "faceplugin-0.0.1"
    log_level: str = "INFO"
    workers: int = 2
    queue_size: int = 16
    max_body_bytes: int = 16 * 1024 * 1024
    max_image_pixels: int = 40_000_000
    allow_return_facen: bool = False
    default_limit: int = 1000
    max_limit: int = 10_000
    shutdown_timeout_seconds: float = 30.0
    default_meta_schema: Mapping[str, Mapping[str, Any]] = field(
        default_factory=lambda: dict(DEFAULT_META_SCHEMA)
    )
    cache: CacheSettings = field(default_factory=CacheSettings)
    url_fetch: UrlFetchSettings = field(default_factory=UrlFetchSettings)

    def __post_init__(self) -> None:
        for name in ("workers", "queue_size", "max_body_bytes", "max_image_pixels"):
            if getattr(self, name) < 1:
                raise SettingsError(f"{name} must be at least 1")
        if self.postgres_hnsw_min_faces < 0:
            raise SettingsError("postgres_hnsw_min_faces must be 0 (off) or a face count")
        if not 1 <= self.default_limit <= self.max_limit:
            raise SettingsError("default_limit must be between 1 and max_limit")
        if not 0 <= self.port <= 65535:
            raise SettingsError("port must be between 0 and 65535")
        if self.storage != "sqlite" and not all(
            url.startswith(_POSTGRES_SCHEMES) for url in self.storage.split() or [""]
        ):
            raise SettingsError("storage must be 'sqlite' or 'postgresql://' URLs")
        if self.cache.backend not in ("memory", "memcached"):
            raise SettingsError("cache.backend must be 'memory' or 'memcached'")
        if self.cache.ttl_seconds <= 0 or self.cache.max_items < 1:
            raise SettingsError("cache.ttl_seconds and cache.max_items must be positive")
        if self.url_fetch.max_bytes < 1 or self.url_fetch.timeout_seconds <= 0:
            raise SettingsError(
                "url_fetch.max_bytes and url_fetch.timeout_seconds must be positive"
            )
        if self.log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise SettingsError("log_level must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        if self.token == "":
            object.__setattr__(self, "token", None)


_SECTIONS: Mapping[str, type[CacheSettings] | type[UrlFetchSettings]] = {
    "cache": CacheSettings,
    "url_fetch": UrlFetchSettings,
}
_PATHS = {"data_dir", "model_dir"}
_POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def _build(cls: type[Any], table: Mapping[str, Any], where: str) -> dict[str, Any]:
    known = {f.name: f for f in fields(cls)}
    out: dict[str, Any] = {}
    for key, value in table.items():
        if key not in known:
            raise SettingsError(f"unknown setting {where}{key}")
        if key in _SECTIONS and where == "":
            if not isinstance(value, Mapping):
                raise SettingsError(f"setting {key} must be a table")
            out[key] = _SECTIONS[key](**_build(_SECTIONS[key], value, f"{key}."))
        elif key in _PATHS:
            out[key] = Path(str(value)).expanduser()
        elif isinstance(value, list):
            out[key] = tuple(value)
        else:
            _check_type(cls, known[key].name, value, f"{where}{key}")
            out[key] = value
    return out


def _check_type(cls: type[Any], name: str, value: Any, where: str) -> None:
    default = getattr(cls(), name)
    if default is None or isinstance(default, Mapping):
        return
    expected: tuple[type, ...] = (type(default),)
    if isinstance(default, float):
        expected = (float, int)
    if isinstance(value, bool) != isinstance(default, bool) or not isinstance(value, expected):
        raise SettingsError(f"setting {where} must be of type {type(default).__name__}")


def load_server_settings(
    config_file: Path | None = None, overrides: Mapping[str, Any] | None = None
) -> ServerSettings:
    """Defaults, then the TOML `config_file` (if any), then `overrides` that are not None."""
    table: dict[str, Any] = {}
    if config_file is not None:
        try:
            with config_file.open("rb") as fh:
                table = tomllib.load(fh)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError(f"cannot read config file {config_file}: {exc}") from exc
    try:
        settings = ServerSettings(**_build(ServerSettings, table, ""))
        given = {k: v for k, v in (overrides or {}).items() if v is not None}
        return replace(settings, **_build(ServerSettings, given, ""))
    except TypeError as exc:
        raise SettingsError(f"bad setting: {exc}") from exc
