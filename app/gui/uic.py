"""Regenerates `app/gui/forms/` from the Designer files in `ui/` (`python -m app.gui.uic`)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from app.common import bundle_root

UI_DIR = bundle_root() / "ui"
FORMS_DIR = Path(__file__).resolve().parent / "forms"


def form_path(ui_file: Path) -> Path:
    """Where the generated form of `ui_file` lives: `forms/ui_<stem>.py`."""
    return FORMS_DIR / f"ui_{ui_file.stem}.py"


def uic_command() -> str:
    """The `pyside6-uic` next to the running interpreter, else the one on PATH."""
    beside = Path(sys.executable).with_name("pyside6-uic")
    return str(beside) if beside.exists() else (shutil.which("pyside6-uic") or "pyside6-uic")


def comparable(source: str) -> str:
    """A form's source without the line naming the uic version (which varies by install)."""
    return "\n".join(
        line for line in source.splitlines() if not line.startswith("## Created by: Qt User")
    )


def generate(ui_file: Path) -> str:
    """The Python source `pyside6-uic` generates for `ui_file`."""
    result = subprocess.run(
        [uic_command(), str(ui_file)], check=True, capture_output=True, text=True
    )
    return result.stdout


def main() -> int:
    """Write every form; prints the ones that changed."""
    for ui_file in sorted(UI_DIR.glob("*.ui")):
        target = form_path(ui_file)
        source = generate(ui_file)
        if not target.exists() or comparable(target.read_text()) != comparable(source):
            target.write_text(source)
            print(f"regenerated {target.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
