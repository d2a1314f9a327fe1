"""Assembling a facerouter from its settings: sf-api clients, plugin config, plugin sources."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.facerouter import Facerouter, FacerouterSettings
from app.facerouter._stack import plugin_sources, read_plugin_config


async def test_clients_come_from_the_url_options() -> None:
    router = Facerouter(
        FacerouterSettings(
            sfapi_url="http://127.0.0.1:18411",
            extra_sfapi={"backup": "http://127.0.0.1:18412"},
            entry_points=False,
        )
    )
    try:
        assert {name: client.url for name, client in router.ctx.sfapi_clients.items()} == {
            "default": "http://127.0.0.1:18411",
            "backup": "http://127.0.0.1:18412",
        }
        # As in FindFace, ctx.sfapi is the default client and indexing it names a gallery.
        assert router.ctx.sfapi is router.ctx.sfapi_clients["default"]
        gallery = router.ctx.sfapi["default"]
        assert gallery.name == "default" and gallery.client is router.ctx.sfapi
        assert router.ctx.idgen() > 0
        assert "18411" in repr(router)
    finally:
        await router.aclose()


def test_plugin_config_file(tmp_path: Path) -> None:
    assert read_plugin_config(None) == {}
    good = tmp_path / "good.toml"
    good.write_text('[enroll-unknown]\ngallery = "visitors"\n')
    assert read_plugin_config(good) == {"enroll-unknown": {"gallery": "visitors"}}
    flat = tmp_path / "flat.toml"
    flat.write_text('gallery = "visitors"\n')
    with pytest.raises(ValueError, match="must be tables"):
        read_plugin_config(flat)
    broken = tmp_path / "broken.toml"
    broken.write_text("[enroll-unknown\n")
    with pytest.raises(ValueError, match="cannot read plugin config"):
        read_plugin_config(broken)
    with pytest.raises(ValueError, match="cannot read plugin config"):
        read_plugin_config(tmp_path / "missing.toml")


def test_plugin_sources_directory_first(tmp_path: Path) -> None:
    (tmp_path / "one.py").write_text("")
    settings = FacerouterSettings(sfapi_url="http://x", plugin_dir=tmp_path, entry_points=False)
    assert [s.name for s in plugin_sources(settings)] == ["one"]
    assert plugin_sources(FacerouterSettings(sfapi_url="http://x", entry_points=False)) == []
