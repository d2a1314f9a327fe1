"""`self-test`: prove an installation works end to end without a display.

It starts the embedded server exactly as the desktop app does (`server_command`: the same
executable in server mode when frozen), waits for its `ready` event, then through the client
detects the face on the bundled public-domain image, enrolls it in a scratch gallery and finds it
again by similarity. Any failure makes the exit status non-zero; the server and its temporary
data directory are removed either way.
"""

from __future__ import annotations

import asyncio
import json
import queue
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from app import sfapi_client
from app.common import bundle_root
from app.gui._server import server_command
from app.protocol import DEFAULT_CONFIDENCE
from app.sfapi_client import filters

#: The public-domain photograph bundled for the self-test (see its LICENCE.md).
DEFAULT_IMAGE = bundle_root() / "packaging" / "selftest" / "astronaut.jpg"
#: How long the server may take to report `ready` (model loading on a slow machine).
READY_TIMEOUT_S = 120.0
#: The scratch gallery the self-test creates and drops.
GALLERY = "sfdesk_self_test"

Report = Callable[[str], None]


class SelfTestError(Exception):
    """A self-test step failed; the message says which and why."""


def _pump_lines(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


def wait_ready(lines: queue.Queue[str | None], timeout: float, report: Report) -> str:
    """The server's URL from its JSON-lines `ready` event; SelfTestError on `error` or exit."""
    while True:
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            raise SelfTestError(f"the server did not report ready within {timeout:.0f} s") from None
        if line is None:
            raise SelfTestError("the server exited before it was ready")
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if not isinstance(event, dict):
            continue
        if event.get("event") == "progress":
            report(f"server: {event.get('stage', '')}")
        elif event.get("event") == "error":
            raise SelfTestError(f"the server failed: {event.get('code')}: {event.get('reason')}")
        elif event.get("event") == "ready":
            return str(event["url"])


@contextmanager
def embedded_server(data_dir: Path, report: Report) -> Iterator[str]:
    """Run the embedded server on `data_dir` and yield its URL; stops it on exit."""
    program, args = server_command(data_dir)
    report(f"starting {program} {' '.join(args)}")
    with (
        tempfile.TemporaryFile("w+", encoding="utf-8") as stderr,
        subprocess.Popen(
            [program, *args], stdout=subprocess.PIPE, stderr=stderr, text=True, encoding="utf-8"
        ) as proc,
    ):
        assert proc.stdout is not None  # stdout=PIPE
        lines: queue.Queue[str | None] = queue.Queue()
        pump = threading.Thread(target=_pump_lines, args=(proc.stdout, lines), daemon=True)
        pump.start()
        try:
            yield wait_ready(lines, READY_TIMEOUT_S, report)
        except SelfTestError:
            proc.kill()
            proc.wait()
            stderr.seek(0)
            tail = stderr.read().strip().splitlines()[-10:]
            for line in tail:
                report(f"server stderr: {line}")
            raise
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            pump.join(timeout=5)


async def exercise(url: str, image: bytes, report: Report) -> None:
    """Status, detect, enroll and search through the client; SelfTestError on any surprise."""
    async with sfapi_client.Client(url) as client:
        status = await client.status()
        report(f"server {status.version}, model pack {status.model_pack}")
        faces = await client.detect(image=image, facen=True)
        if len(faces) != 1:
            raise SelfTestError(f"expected one face on the self-test image, detected {len(faces)}")
        face = faces[0]
        report(f"detected one face at {face.bbox} (score {face.features['score']:.3f})")
        gallery = client.gallery(GALLERY)
        await gallery.create()
        try:
            stored = await gallery.add(sfapi_client.idgen, face, meta={"name": "self-test"})
            report(f"enrolled it as {stored.id.face} in {GALLERY}")
            found = await gallery.list(filters=[filters.Detection(face, DEFAULT_CONFIDENCE)])
            if not found or found[0].id != stored.id:
                raise SelfTestError(f"searching for the face did not find it first: {found!r}")
            report(f"found it again with confidence {found[0].confidence:.3f}")
        finally:
            await gallery.drop()


def run_self_test(image: Path = DEFAULT_IMAGE, report: Report = print) -> int:
    """The whole self-test; 0 when every step passed, 1 otherwise (the reason is reported)."""
    try:
        data = image.read_bytes()
        with tempfile.TemporaryDirectory(prefix="sfdesk-self-test-") as tmp:
            with embedded_server(Path(tmp), report) as url:
                asyncio.run(exercise(url, data, report))
    except (OSError, SelfTestError, sfapi_client.SFApiError) as exc:
        report(f"self-test FAILED: {type(exc).__name__}: {exc}")
        return 1
    report("self-test passed")
    return 0
