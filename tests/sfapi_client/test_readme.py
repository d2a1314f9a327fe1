"""The README's client example runs as written against the real server."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
SECTION = "## Using the client from Python"


def _example() -> str:
    """The first python block of the README's client section."""
    text = (REPO_ROOT / "README.md").read_text()
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "no python example in the client section of README.md"
    return match.group(1)


def _inject(code: str, name: str, value: str) -> str:
    code, count = re.subn(rf"^{name} = .*$", f"{name} = {value}", code, flags=re.M)
    assert count == 1, f"the example must set {name} on one line"
    return code


def test_the_readme_example_runs(sfapi_server: str, face_photos: list[Any]) -> None:
    photo = next(p.path for p in face_photos if p.identity == "obama")
    code = _inject(_example(), "URL", repr(sfapi_server))
    code = _inject(code, "PHOTO", f"Path({str(photo)!r})")
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("found ")
    assert lines[1].startswith("stored as FaceId(gallery='readme_demo', face=")
    assert re.fullmatch(r"Ann: confidence 0\.\d{3}|Ann: confidence 1\.000", lines[2])
