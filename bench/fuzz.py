"""The long fuzz and crash runs of tests/reliability, sized by the command line.

Run: `.venv/bin/python bench/fuzz.py [--examples 500] [--kills 50] [--seed 8]`.
The CI suite runs the same tests small (25 examples per fuzz target, 5 kills); this runs them
with `--examples` per schemathesis operation and per hypothesis fuzz target
(`SFDESK_FUZZ_EXAMPLES`) and `--kills` SIGKILLs of the crash harness (`SFDESK_CRASH_KILLS`,
`SFDESK_CRASH_SEED`), then prints pytest's summary and the harness's counts.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
MODULES = ["test_api_fuzz.py", "test_input_fuzz.py", "test_crash_safety.py"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=500)
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args()
    env = {
        **os.environ,
        "SFDESK_FUZZ_EXAMPLES": str(args.examples),
        "SFDESK_CRASH_KILLS": str(args.kills),
        "SFDESK_CRASH_SEED": str(args.seed),
    }
    tests = [str(REPO_ROOT / "tests" / "reliability" / m) for m in MODULES]
    cmd = [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", *tests]
    print(f"examples={args.examples} kills={args.kills} seed={args.seed}", flush=True)
    return subprocess.run(cmd, cwd=REPO_ROOT, env=env).returncode


if __name__ == "__main__":
    sys.exit(main())
