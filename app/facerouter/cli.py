"""Commands of app.facerouter for `python -m app`: `facerouter` (serve or replay) and
`video-worker`.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from pathlib import Path
from typing import Any

#: Where FindFace's facerouter listens by default.
DEFAULT_PORT = 18820
#: FindFace's default sf-api address.
DEFAULT_SFAPI_URL = "http://127.0.0.1:18411"


def _pair(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name, value


def _http_url(text: str) -> str:
    if not text.startswith(("http://", "https://")):
        raise argparse.ArgumentTypeError(f"expected an http:// or https:// URL, got {text!r}")
    return text


def _positive(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text!r}")
    return value


def _logging(level: str) -> None:
    from app.common import setup_logging

    setup_logging(level)
    if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
        logging.getLogger("httpx").setLevel(logging.WARNING)  # one INFO line per sf-api call


def _facerouter(args: argparse.Namespace) -> int:
    from app.facerouter._replay import print_report, replay
    from app.facerouter._serve import serve
    from app.facerouter._stack import FacerouterSettings

    _logging(args.log_level)
    settings = FacerouterSettings(
        sfapi_url=args.sfapi_url,
        plugin_dir=args.plugin_dir,
        extra_sfapi=dict(args.sfapi or []),
        sfapi_token=args.sfapi_token,
        hook_timeout=args.plugin_timeout,
        detector=args.detector,
        plugin_config=args.plugin_config,
        entry_points=not args.no_entry_points,
        record_dir=args.record if args.action == "serve" else None,
        **({} if args.max_frame_bytes is None else {"max_frame_bytes": args.max_frame_bytes}),
    )
    if args.action == "serve":
        return asyncio.run(serve(settings, args.host, args.port))
    if args.frames is None:
        print("facerouter replay: --frames DIR is required", file=sys.stderr)
        return 2
    from app.plugins import PluginError

    try:
        failed = asyncio.run(replay(args.frames, settings, print_report))
    except (PluginError, ValueError, OSError) as exc:
        print(f"facerouter replay: {exc}", file=sys.stderr)
        return 2
    return 1 if failed else 0


#: What `video-worker` says where OpenCV is missing: the packaged desktop app leaves it out.
NO_VIDEO_DECODER = (
    "video-worker: this installation has no OpenCV (opencv-python-headless), which the video "
    "worker decodes video with; the packaged desktop app does not include it. Run the video "
    "worker from a Python installation of sfdesk (pip install .), e.g. on the camera host."
)


def _video_worker(args: argparse.Namespace) -> int:
    from app.facerouter._poster import FramePoster, http_sender
    from app.facerouter._worker import SourceError, VideoWorker, WorkerSettings, open_source
    from app.vision import FaceEngine

    _logging(args.log_level)
    settings = WorkerSettings(
        source=args.source,
        cam_id=args.cam_id,
        labels=dict(args.labels or []),
        mode=args.mode,
        interval=args.interval,
        detect_fps=args.detect_fps,
    )
    try:
        capture = open_source(settings.source)
    except SourceError as exc:
        print(f"video-worker: {exc}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as exc:
        if exc.name != "cv2":
            raise
        print(NO_VIDEO_DECODER, file=sys.stderr)
        return 2
    try:
        engine = FaceEngine(args.model_dir)
    except Exception as exc:  # models missing or broken: say so and stop
        print(f"video-worker: cannot load the face models: {exc}", file=sys.stderr)
        capture.release()
        return 2
    poster = FramePoster(http_sender(args.facerouter), max_queue=args.max_queue)
    worker = VideoWorker(settings, engine, poster.submit)
    for sig in (signal.SIGINT, signal.SIGTERM):  # finish cleanly: post live tracks, drain
        signal.signal(sig, lambda *_: worker.stop())
    try:
        result = worker.run(capture)
    finally:
        capture.release()
        stats = poster.close(drain_timeout=args.drain_timeout)
    print(
        f"video-worker: {result.frames} frames, {result.tracks} tracks, {result.shots} shots; "
        f"posted {stats.posted}, rejected {stats.rejected}, dropped {stats.dropped}",
        file=sys.stderr,
    )
    return 1 if result.source_failed else 0


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add this layer's subcommands to the top-level parser."""
    fr = subparsers.add_parser(
        "facerouter",
        help="run the facerouter (plugins between video workers and sf-api), or replay frames",
        description=(
            "Without ACTION (or with 'serve'): listen for video-worker frames and hand them to "
            "the plugins. With 'replay': run the frames recorded with --record through the "
            "plugins, without camera or HTTP, printing one JSON line per frame."
        ),
    )
    fr.add_argument("action", nargs="?", choices=("serve", "replay"), default="serve")
    fr.add_argument("--sfapi-url", default=DEFAULT_SFAPI_URL, help="sf-api for ctx.sfapi")
    fr.add_argument("--plugin-dir", type=Path, help="directory of plugin modules to load")
    fr.add_argument("--host", default="127.0.0.1", help="listen address (serve)")
    fr.add_argument("--port", type=int, default=DEFAULT_PORT, help="listen port; 0 = any free")
    fr.add_argument(
        "--plugin-timeout", type=_positive, default=10.0, help="seconds per plugin hook call"
    )
    fr.add_argument("--record", type=Path, help="save every accepted frame in this folder")
    fr.add_argument("--frames", type=Path, help="recorded frames to replay (replay)")
    fr.add_argument(
        "--sfapi", type=_pair, action="append", metavar="NAME=URL", help="extra ctx.sfapi client"
    )
    fr.add_argument("--sfapi-token", help="token for the sf-api clients")
    fr.add_argument(
        "--detector",
        default="",
        help="sf-api detector (nnd) for frames that carry only a photo; default '': refuse them",
    )
    fr.add_argument("--plugin-config", type=Path, help="TOML file, one [table] per plugin")
    fr.add_argument(
        "--max-frame-bytes",
        type=int,
        help="largest frame POST body accepted (bigger ones get a 400 at once); default 32 MiB",
    )
    fr.add_argument(
        "--no-entry-points",
        action="store_true",
        help="do not load plugins of the sfdesk.facerouter_plugins entry-point group",
    )
    fr.add_argument("--log-level", default="INFO")
    fr.set_defaults(func=_facerouter)

    vw = subparsers.add_parser(
        "video-worker",
        help="detect and track faces in a camera or video and post best shots to a facerouter",
    )
    vw.add_argument("--source", required=True, help="camera index (0), video file or URL")
    vw.add_argument(
        "--facerouter",
        required=True,
        type=_http_url,
        help="frame URL, e.g. http://host:18820/v0/frame",
    )
    vw.add_argument("--cam-id", required=True, help="camera id sent with every frame")
    vw.add_argument("--labels", type=_pair, nargs="*", metavar="K=V", help="labels of the frames")
    vw.add_argument("--mode", choices=("overall", "realtime"), default="overall")
    vw.add_argument(
        "--interval", type=_positive, default=1.0, help="realtime: seconds per best shot"
    )
    vw.add_argument(
        "--detect-fps", type=_positive, default=5.0, help="detection passes per video second"
    )
    vw.add_argument(
        "--max-queue", type=int, default=32, help="frames kept while the facerouter is down"
    )
    vw.add_argument(
        "--drain-timeout",
        type=float,
        default=10.0,
        help="seconds to deliver queued frames at the end",
    )
    vw.add_argument("--model-dir", type=Path, help="model directory (default: installed models)")
    vw.add_argument("--log-level", default="INFO")
    vw.set_defaults(func=_video_worker)
