"""app.common: where resources and data live, and the package's exports."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest

import app.common as common
from app.common import (
    bundle_root,
    default_model_dir,
    default_server_data_dir,
    is_frozen,
    resources_dir,
    setup_logging,
    user_data_dir,
)


def test_all_is_sorted_and_complete() -> None:
    assert common.__all__ == sorted(common.__all__)
    for name in common.__all__:
        assert hasattr(common, name)


def test_source_tree_paths_find_the_resources() -> None:
    assert not is_frozen()
    assert (bundle_root() / "pyproject.toml").is_file()
    assert (resources_dir() / "models" / "manifest.toml").is_file()


def test_data_paths_follow_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("SFDESK_DATA_HOME", raising=False)
    monkeypatch.delenv("SFDESK_MODEL_DIR", raising=False)
    if sys.platform.startswith("linux"):
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
        assert user_data_dir() == tmp_path / "xdg" / "sfdesk"
    monkeypatch.setenv("SFDESK_DATA_HOME", str(tmp_path / "home"))
    assert user_data_dir() == tmp_path / "home"
    assert default_model_dir() == tmp_path / "home" / "models"
    assert default_server_data_dir() == tmp_path / "home" / "server"
    monkeypatch.setenv("SFDESK_MODEL_DIR", str(tmp_path / "models"))
    assert default_model_dir() == tmp_path / "models"


def test_frozen_bundles_keep_models_inside(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("SFDESK_MODEL_DIR", raising=False)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert is_frozen()
    assert bundle_root() == tmp_path
    assert default_model_dir() == tmp_path / "models"
    assert resources_dir() == tmp_path / "resources"


def test_setup_logging_adds_one_handler() -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    level = root.level
    try:
        setup_logging("DEBUG")
        setup_logging("INFO")
        added = [h for h in root.handlers if h not in before]
        assert len(added) <= 1
        assert root.level == logging.INFO
    finally:
        for handler in root.handlers[:]:
            if handler not in before:
                root.removeHandler(handler)
        root.setLevel(level)
