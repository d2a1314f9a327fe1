"""Face resource: add a face from a detection or another face, read, update meta, delete, crop."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.protocol import ErrorCode, ProtocolError, bad_param
from app.server._body import check_keys, read_json_object
from app.server._limits import check_face_meta, defaults
from app.server._services import services
from app.server._sources import resolve
from app.server._wire import face_id_param, face_json, gallery_param
from app.storage import StoredFace


def _meta(body: dict[str, Any]) -> dict[str, Any]:
    meta = body.get("meta", {})
    if meta is None:
        return {}
    if not isinstance(meta, dict):
        raise bad_param("meta", meta, "meta must be an object")
    return meta


async def add_face(request: Request) -> Response:
    """POST /v2/galleries/{gallery}/faces/{face_id} with `{"from": ..., "meta": {...}}`."""
    svc = services(request)
    gallery = gallery_param(request)
    face_id = face_id_param(request)
    body = await read_json_object(request, svc.settings.max_body_bytes, optional=False)
    check_keys(body, {"from", "meta"}, required={"from"})
    meta = _meta(body)
    # GALLERY_NOT_FOUND first
    schema = await svc.blocking(lambda: svc.storage.gallery_schema(gallery))
    check_face_meta(defaults(schema), meta, svc.settings.meta_limits)
    source = await resolve(svc, body["from"], "from")
    face = await svc.blocking(
        lambda: svc.storage.add_face(
            gallery,
            face_id,
            vector=source.vector,
            model_pack=source.model_pack,
            features=source.features,
            meta=meta,
            normalized_png=source.normalized_png,
        )
    )
    return JSONResponse(face_json(face))


async def get_face(request: Request) -> Response:
    """GET /v2/galleries/{gallery}/faces/{face_id}."""
    svc = services(request)
    gallery, face_id = gallery_param(request), face_id_param(request)
    face = await svc.blocking(lambda: svc.storage.get_face(gallery, face_id))
    return JSONResponse(face_json(face))


async def update_face(request: Request) -> Response:
    """PATCH /v2/galleries/{gallery}/faces/{face_id} with `{"meta": {...}}` (given keys only)."""
    svc = services(request)
    gallery, face_id = gallery_param(request), face_id_param(request)
    body = await read_json_object(request, svc.settings.max_body_bytes, optional=False)
    check_keys(body, {"meta"}, required={"meta"})
    meta = _meta(body)

    def update() -> StoredFace:
        current = svc.storage.get_face(gallery, face_id)
        check_face_meta(current.meta, meta, svc.settings.meta_limits)
        return svc.storage.update_meta(gallery, face_id, meta)

    face = await svc.blocking(update)
    return JSONResponse(face_json(face))


async def delete_face(request: Request) -> Response:
    """DELETE /v2/galleries/{gallery}/faces/{face_id}."""
    svc = services(request)
    gallery, face_id = gallery_param(request), face_id_param(request)
    await svc.blocking(lambda: svc.storage.delete_face(gallery, face_id))
    return Response(status_code=204)


async def face_normalized(request: Request) -> Response:
    """GET /v2/galleries/{gallery}/faces/{face_id}/normalized (extension): the aligned crop PNG."""
    svc = services(request)
    gallery, face_id = gallery_param(request), face_id_param(request)
    png = await svc.blocking(lambda: svc.storage.get_normalized(gallery, face_id))
    if png is None:
        raise ProtocolError(ErrorCode.NOT_FOUND, f"face {face_id} has no normalized image")
    return Response(png, media_type="image/png")


_FACE = "/v2/galleries/{gallery}/faces/{face_id}"
routes = [
    Route(_FACE, add_face, methods=["POST"]),
    Route(_FACE, get_face, methods=["GET"]),
    Route(_FACE, update_face, methods=["PATCH"]),
    Route(_FACE, delete_face, methods=["DELETE"]),
    Route(_FACE + "/normalized", face_normalized, methods=["GET"]),
]
