"""The codebase's own checks, run by the test command: ruff, mypy (strict) and import-linter."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> None:
    proc = subprocess.run(args, cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        pytest.fail(f"{' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail(f"{name} is not installed next to {sys.executable}; install '.[dev]'")
    return found


def test_ruff_lint_is_clean() -> None:
    _run(_tool("ruff"), "check", ".")


def test_mypy_strict_is_clean() -> None:
    _run(_tool("mypy"))


def test_import_layers_hold() -> None:
    _run(_tool("lint-imports"))
