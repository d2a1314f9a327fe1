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
    #: downloads run in threads of their own (never in the pool storage calls use): at most
    #: `workers` at once plus `queue_size` waiting, beyond that OVER_CAPACITY
    workers: int = 4
    queue_size: int = 16


@dataclass(frozen=True)
class HttpSettings:
    """Connection-level bounds, so that slow or idle clients cannot hold the server's resources.

    A request's line and headers must arrive within `header_timeout_seconds` of the connection
    (or of the previous answer on a kept-alive one); its body within `body_timeout_seconds`, at
    no less than `min_body_rate` bytes per second over every stretch of `body_grace_seconds`.
    Beyond `max_connections` open connections a new one is answered 429 and closed; beyond
    `max_requests` requests in progress, or `max_body_bytes_in_flight` bytes of bodies being
    received, a request is answered 429 before its body is read.
    """

    header_timeout_seconds: float = 10.0
    body_timeout_seconds: float = 300.0
    body_grace_seconds: float = 10.0
    min_body_rate: int = 8192
    max_connections: int = 1000
    max_requests: int = 256
    max_body_bytes_in_flight: int = 256 * 1024 * 1024


@dataclass(frozen=True)
class MetaLimits:
    """Size limits of meta data, checked when a gallery is created and when meta is written."""

    #: fields of one gallery's meta schema
    max_fields: int = 128
    #: characters of one string value (also of a string in a set, and of a default)
    max_string_length: int = 4096
    #: values of one set field
    max_set_items: int = 1024
    #: one face's whole meta, as compact UTF-8 JSON
    max_meta_bytes: int = 64 * 1024


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
    #: searches run in threads of their own: at most `search_workers` at once (0: one per CPU
    #: core) plus `search_queue_size` waiting, beyond that OVER_CAPACITY
    search_workers: int = 0
    search_queue_size: int = 64
    #: threads one BLAS or OpenMP call may use; the server's own threads already run
    #: requests in parallel, and more threads per call only compete for the same cores
    native_threads: int = 1
    #: names accepted in the Host header besides IP addresses and `localhost` when no token is
    #: set (a page whose name resolves to 127.0.0.1 sends its own name); "*" accepts any
    host_names: tuple[str, ...] = ()
    #: browser origins (`https://app.example:8443`) allowed to call the server; requests with
    #: any other `Origin` header, `null` included, are refused
    allowed_origins: tuple[str, ...] = ()
    default_meta_schema: Mapping[str, Mapping[str, Any]] = field(
        default_factory=lambda: dict(DEFAULT_META_SCHEMA)
    )
    cache: CacheSettings = field(default_factory=CacheSettings)
    url_fetch: UrlFetchSettings = field(default_factory=UrlFetchSettings)
    http: HttpSettings = field(default_factory=HttpSettings)
    meta_limits: MetaLimits = field(default_factory=MetaLimits)

    def __post_init__(self) -> None:
        at_least_one = {
            "": ("workers", "queue_size", "max_body_bytes", "max_image_pixels", "native_threads"),
            "url_fetch.": ("workers",),
            "http.": ("max_connections", "max_requests", "max_body_bytes_in_flight"),
            "meta_limits.": ("max_fields", "max_string_length", "max_set_items", "max_meta_bytes"),
        }
        for prefix, names in at_least_one.items():
            section = getattr(self, prefix.rstrip(".")) if prefix else self
            for name in names:
                if getattr(section, name) < 1:
                    raise SettingsError(f"{prefix}{name} must be at least 1")
        if self.search_workers < 0 or self.search_queue_size < 0 or self.url_fetch.queue_size < 0:
            raise SettingsError(
                "search_workers, search_queue_size and url_fetch.queue_size must not be negative"
            )
        http = self.http
        if min(http.header_timeout_seconds, http.body_timeout_seconds) <= 0:
            raise SettingsError("http.header_timeout_seconds and body_timeout_seconds must be > 0")
        if http.body_grace_seconds < 0 or http.min_body_rate < 0:
            raise SettingsError("http.body_grace_seconds and min_body_rate must not be negative")
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


_SECTIONS: Mapping[str, type[Any]] = {
    "cache": CacheSettings,
    "url_fetch": UrlFetchSettings,
    "http": HttpSettings,
    "meta_limits": MetaLimits,
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
