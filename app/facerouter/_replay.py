"""Replaying a recording against a plugin directory, without camera, worker or HTTP.

Each recorded frame is decoded exactly as the endpoint decodes it and run through the same
`FrameRouter`; one JSON line per frame reports what happened, so plugin authors can test
offline and diff runs.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from app.facerouter._record import read_recording
from app.facerouter._router import FrameRejected
from app.facerouter._stack import Facerouter, FacerouterSettings
from app.facerouter._wire import decode_frame
from app.plugins import FrHTTPRequest
from app.protocol import ProtocolError
from app.sfapi_client import Client

log = logging.getLogger(__name__)

#: The `method` of requests rebuilt from a recording.
REPLAY_METHOD = "REPLAY"


async def replay(
    frames_dir: Path,
    settings: FacerouterSettings,
    report: Callable[[dict[str, Any]], None],
    clients: Mapping[str, Client] | None = None,
) -> int:
    """Replay every frame of `frames_dir`; `report` gets one dict per frame. Returns how many
    frames could not be replayed (undecodable or refused by sf-api). `clients` replaces the
    sf-api clients of the settings.
    """
    router = await Facerouter.start(settings, clients)
    failed = 0
    try:
        for recorded in read_recording(frames_dir):
            line: dict[str, Any] = {"frame": recorded.directory.name}
            try:
                params = decode_frame(recorded.parts)
                request = FrHTTPRequest(
                    method=REPLAY_METHOD,
                    path=recorded.path,
                    headers={},
                    params=params,
                    ctx=router.ctx,
                )
                result = await router.router.route(request)
            except (ProtocolError, FrameRejected) as exc:
                failed += 1
                line["error"] = exc.body()
            else:
                line |= result.body()
                line["plugins"] = {name: str(outcome) for name, outcome in result.outcomes.items()}
            report(line)
    finally:
        await router.aclose()
    return failed


def print_report(line: dict[str, Any]) -> None:
    """Print one replay line as JSON on stdout."""
    print(json.dumps(line), flush=True)
