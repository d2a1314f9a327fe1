#!/usr/bin/env bash
# Build the packaged desktop app into dist/sfdesk/ (run from anywhere; needs the dev venv with
# PyInstaller and the verified model pack installed: `python -m app models install`).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
DIST="${SFDESK_DIST:-$ROOT/dist}"
WORK="${SFDESK_BUILD:-$ROOT/build}"
cd "$ROOT"
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$DIST" --workpath "$WORK" packaging/sfdesk.spec
du -sh "$DIST/sfdesk"
