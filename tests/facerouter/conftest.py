"""Fixtures of the facerouter tests (fakes and helpers live in fr_fakes.py)."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def write_plugins(tmp_path: Path) -> Callable[..., Path]:
    """`write_plugins(name=source, ...)` writes plugin modules into tmp_path/plugins."""

    def write(**modules: str) -> Path:
        directory = tmp_path / "plugins"
        directory.mkdir(exist_ok=True)
        for name, source in modules.items():
            (directory / f"{name}.py").write_text(textwrap.dedent(source))
        return directory

    return write
