"""Replaying a recording against a plugin directory, without camera, worker or HTTP.

Each recorded frame is decoded exactly as the endpoint decodes it and run through the same
`FrameRouter`, with a tornado `HTTPServerRequest` as live frames have (method "REPLAY", the
recorded path, the parts re-encoded as its multipart `body`, `files` and `arguments`); one JSON
line per frame reports what happened, so plugin authors can test offline and diff runs.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from tornado.httputil import HTTPHeaders, HTTPServerRequest, RequestStartLine

from app.facerouter._app import frame_request
from app.facerouter._record import RecordedFrame, read_recording
from app.facerouter._router import FrameRejected
from app.facerouter._stack import Facerouter, FacerouterSettings
from app.facerouter._wire import decode_frame, encode_multipart
from app.plugins import FrHTTPRequest, PluginContext, json_stdout
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
                result = await router.router.route(replayed_request(recorded, router.ctx))
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


def replayed_request(recorded: RecordedFrame, ctx: PluginContext) -> FrHTTPRequest:
    """The request plugins get for a recorded frame; ProtocolError if it does not decode."""
    params = decode_frame(recorded.parts)
    content_type, body = encode_multipart(recorded.parts)
    headers = HTTPHeaders(
        {"Host": "replay", "Content-Type": content_type, "Content-Length": str(len(body))}
    )
    request = HTTPServerRequest(
        start_line=RequestStartLine(REPLAY_METHOD, recorded.path, "HTTP/1.1"),
        headers=headers,
        body=body,
    )
    return frame_request(request, recorded.parts, params, ctx)


def print_report(line: dict[str, Any]) -> None:
    """Print one replay line as JSON on the real stdout (plugins' prints are logged)."""
    out = json_stdout()
    out.write(json.dumps(line) + "\n")
    out.flush()
