"""The plugin context: the sf-api mapping, ids, loggers and checked settings."""

from __future__ import annotations

from typing import Any

import pytest

from app.plugins import PluginContext, SFApiClients
from app.sfapi_client import Client, idgen


def test_sfapi_mapping_needs_default_and_offers_gallery_shortcut() -> None:
    with pytest.raises(ValueError, match="'default'"):
        SFApiClients({"other": Client("http://127.0.0.1:1")})
    default, other = Client("http://127.0.0.1:1"), Client("http://127.0.0.1:2")
    sfapi = SFApiClients({"default": default, "other": other})
    assert list(sfapi) == ["default", "other"] and len(sfapi) == 2
    assert sfapi["other"] is other and sfapi.default is default
    gallery = sfapi.gallery("visitors")
    assert gallery.name == "visitors" and gallery.client is default
    assert "default" in repr(sfapi)


def test_context_holds_plugins_ids_and_loggers() -> None:
    ctx = PluginContext(SFApiClients({"default": Client("http://127.0.0.1:1")}), idgen)
    first, second = ctx.idgen(), ctx.idgen()
    assert 0 < first < second < 2**63
    assert ctx.logger("x").name == "sfdesk.plugin.x"
    assert list(ctx.plugins) == []
    assert "PluginContext" in repr(ctx)


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ({}, {"gallery": "g", "threshold": 0.75, "tries": 3, "on": True, "tags": []}),
        ({"threshold": 1}, {"gallery": "g", "threshold": 1.0, "tries": 3, "on": True, "tags": []}),
        (
            {"gallery": "x", "tags": ["a"], "on": False},
            {"gallery": "x", "threshold": 0.75, "tries": 3, "on": False, "tags": ["a"]},
        ),
    ],
)
def test_settings_merge_config_over_defaults(
    table: dict[str, Any], expected: dict[str, Any]
) -> None:
    defaults = {"gallery": "g", "threshold": 0.75, "tries": 3, "on": True, "tags": []}
    ctx = PluginContext(
        SFApiClients({"default": Client("http://127.0.0.1:1")}), idgen, {"p": table}
    )
    assert ctx.settings("p", defaults) == expected
    assert ctx.config("p") == table
    assert ctx.config("unknown") == {}


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"galery": "x"}, "unknown setting 'galery'"),
        ({"tries": "3"}, "'tries' must be a int"),
        ({"tries": True}, "'tries' must be a int"),
        ({"on": 1}, "'on' must be a bool"),
        ({"threshold": "high"}, "'threshold' must be a float"),
    ],
)
def test_settings_name_the_bad_key(table: dict[str, Any], message: str) -> None:
    ctx = PluginContext(
        SFApiClients({"default": Client("http://127.0.0.1:1")}), idgen, {"p": table}
    )
    with pytest.raises(ValueError, match=message):
        ctx.settings("p", {"threshold": 0.75, "tries": 3, "on": True})
