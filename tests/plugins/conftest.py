"""Fixtures for the plugin framework: a context on stub clients and a plugin-directory builder."""

from __future__ import annotations

import itertools
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.plugins import PluginContext, SFApiClients


class StubClient:
    """Stands in for an sf-api `Client` where the framework only stores and hands it out."""

    def __init__(self, url: str) -> None:
        self.url = url

    def gallery(self, name: str) -> tuple[str, str]:
        return (self.url, name)


@pytest.fixture
def ctx() -> PluginContext:
    ids = itertools.count(1)
    clients: Any = {"default": StubClient("http://default"), "other": StubClient("http://other")}
    return PluginContext(SFApiClients(clients), lambda: next(ids))


@pytest.fixture
def plugin_dir(tmp_path: Path) -> Callable[..., Path]:
    """`plugin_dir(name=source, ...)` writes plugin modules into a fresh directory."""
    counter = itertools.count()

    def make(**modules: str) -> Path:
        directory = tmp_path / f"plugins{next(counter)}"
        directory.mkdir()
        for name, source in modules.items():
            (directory / f"{name}.py").write_text(textwrap.dedent(source))
        return directory

    return make
