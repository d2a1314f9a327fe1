"""Foundation shared by every layer: resource and data paths, settings, logging."""

from app.common._logging import setup_logging
from app.common._paths import (
    APP_NAME,
    bundle_root,
    default_model_dir,
    default_server_data_dir,
    is_frozen,
    resources_dir,
    user_data_dir,
)
from app.common._settings import (
    DEFAULT_META_SCHEMA,
    DEFAULT_PORT,
    CacheSettings,
    HttpSettings,
    MetaLimits,
    ServerSettings,
    SettingsError,
    UrlFetchSettings,
    load_server_settings,
)

__all__ = [
    "APP_NAME",
    "CacheSettings",
    "DEFAULT_META_SCHEMA",
    "DEFAULT_PORT",
    "HttpSettings",
    "MetaLimits",
    "ServerSettings",
    "SettingsError",
    "UrlFetchSettings",
    "bundle_root",
    "default_model_dir",
    "default_server_data_dir",
    "is_frozen",
    "load_server_settings",
    "resources_dir",
    "setup_logging",
    "user_data_dir",
]
