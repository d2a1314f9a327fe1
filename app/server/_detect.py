"""Detect resource: `POST /v2/detect`, cached detections and their normalized crops."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.protocol import ErrorCode, ProtocolError, bad_param
from app.server._body import media_type, read_body
from app.server._cache import CachedDetection
from app.server._detect_params import DetectRequest, parse_detect_params
from app.server._services import Services, services
from app.vision import encode_png, new_detection_id, render_detect_response

#: Body types of an image upload (image/jpg is a common misspelling, accepted too).
IMAGE_TYPES = {"image/jpeg", "image/jpg", "image/png", "image/webp", "image/bmp", "image/x-ms-bmp"}
URL_TYPE = "text/x-url"


async def _image_bytes(svc: Services, request: Request) -> bytes:
    kind = media_type(request)
    if kind not in IMAGE_TYPES and kind != URL_TYPE:
        raise bad_param(
            "Content-Type",
            kind or None,
            "send image/jpeg, image/png, image/webp, image/bmp or text/x-url",
        )
    # A request that would find its pool full is refused before its body is read.
    svc.pool.check()
    if kind == URL_TYPE:
        svc.downloads.check()
    body = await read_body(request, svc.settings.max_body_bytes)
    if kind != URL_TYPE:
        return body
    try:
        url = body.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise bad_param("url", None, "the text/x-url body must be a UTF-8 URL") from None
    if not url:
        raise bad_param("url", None, "the text/x-url body is empty")
    return await svc.downloads.run(lambda: svc.fetcher.fetch(url))


def _analyse(
    svc: Services, data: bytes, req: DetectRequest
) -> tuple[dict[str, Any], list[CachedDetection]]:
    """In an inference worker: detection, the response body and the cache entries."""
    result = svc.engine.detect(data, req.options)
    ids = [new_detection_id() for _ in result.faces]
    body = render_detect_response(
        result,
        ids,
        old_style=req.old_style,
        new_style=req.new_style,
        return_facen=req.return_facen,
    )
    entries = []
    if req.cache:
        for face, wire in zip(result.faces, body["faces"], strict=True):
            assert face.facen is not None
            entries.append(
                CachedDetection(
                    id=wire["id"],
                    bbox=face.bbox,
                    features=wire["features"],
                    vector=face.facen,
                    model_pack=svc.engine.model_pack,
                    normalized_png=encode_png(face.normalized),
                )
            )
    return body, entries


async def detect(request: Request) -> Response:
    """POST /v2/detect: raw image bytes or a `text/x-url` body."""
    svc = services(request)
    req = parse_detect_params(request.query_params, svc.settings)
    data = await _image_bytes(svc, request)
    body, entries = await svc.pool.run(lambda: _analyse(svc, data, req))
    if entries:

        def put_all() -> None:
            for entry in entries:
                svc.cache.put(entry)

        await svc.blocking(put_all)
    return JSONResponse(body)


async def _cached(request: Request) -> CachedDetection:
    svc = services(request)
    det_id: str = request.path_params["detection_id"]
    found = await svc.blocking(lambda: svc.cache.get(det_id))
    if found is None:
        raise ProtocolError(
            ErrorCode.NOT_FOUND,
            f"detection {det_id!r} is unknown or expired",
            param="detection_id",
            value=det_id,
        )
    return found


async def get_detection(request: Request) -> Response:
    """GET /v2/detect/{detection_id}: the DetectedFace as cached."""
    return JSONResponse((await _cached(request)).wire())


async def detection_normalized(request: Request) -> Response:
    """GET /v2/detect/{detection_id}/normalized (extension): the aligned crop as PNG."""
    return Response((await _cached(request)).normalized_png, media_type="image/png")


routes = [
    Route("/v2/detect", detect, methods=["POST"]),
    Route("/v2/detect/{detection_id}", get_detection, methods=["GET"]),
    Route("/v2/detect/{detection_id}/normalized", detection_normalized, methods=["GET"]),
]
