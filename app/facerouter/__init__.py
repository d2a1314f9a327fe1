"""The facerouter HTTP service and the video worker that feeds it (docs/facerouter.md).

Errors this package raises on purpose:

    app.protocol.ProtocolError   a frame POST that cannot be decoded (BAD_PARAM naming the part,
                                 MALFORMED_REQUEST); rendered as the 400 answer
    FrameRejected                sf-api refused the frame (status 400) or is unavailable (502)
    SourceError                  the video worker's source cannot be opened
    app.plugins.PluginLoadError  a plugin cannot be loaded (names the plugin)
"""

from app.facerouter._app import FRAME_PATH, FrameEndpoint, create_app
from app.facerouter._bestshot import BestShotPolicy
from app.facerouter._poster import FramePoster, PosterStats, http_sender
from app.facerouter._record import FrameRecorder, RecordedFrame, read_recording
from app.facerouter._replay import replay
from app.facerouter._router import FrameRejected, FrameResult, FrameRouter
from app.facerouter._stack import Facerouter, FacerouterSettings
from app.facerouter._tracker import IoUTracker, Sighting, Track
from app.facerouter._wire import RawPart, decode_frame, encode_multipart, frame_parts
from app.facerouter._worker import (
    SourceError,
    VideoWorker,
    WorkerResult,
    WorkerSettings,
    open_source,
)

__all__ = [
    "BestShotPolicy",
    "FRAME_PATH",
    "Facerouter",
    "FacerouterSettings",
    "FrameEndpoint",
    "FramePoster",
    "FrameRecorder",
    "FrameRejected",
    "FrameResult",
    "FrameRouter",
    "IoUTracker",
    "PosterStats",
    "RawPart",
    "RecordedFrame",
    "Sighting",
    "SourceError",
    "Track",
    "VideoWorker",
    "WorkerResult",
    "WorkerSettings",
    "create_app",
    "decode_frame",
    "encode_multipart",
    "frame_parts",
    "http_sender",
    "open_source",
    "read_recording",
    "replay",
]
