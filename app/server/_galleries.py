"""Gallery resource: list, create (optionally with its own meta schema), inspect and drop."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.protocol import ErrorCode, ProtocolError
from app.server._body import check_keys, read_json_object
from app.server._schema import schema_from_json, schema_to_json
from app.server._services import Services, services
from app.server._wire import gallery_param


async def list_galleries(request: Request) -> Response:
    """GET /v2/galleries."""
    svc = services(request)
    rows = await svc.blocking(svc.storage.list_galleries)
    galleries = [{"name": name, "number_of_faces": count} for name, count in rows]
    return JSONResponse({"galleries": galleries})


async def _info(svc: Services, name: str) -> dict[str, Any]:
    def read() -> dict[str, Any]:
        schema = svc.storage.gallery_schema(name)
        counts = dict(svc.storage.list_galleries())
        if name not in counts:  # dropped between the two calls
            raise ProtocolError(ErrorCode.GALLERY_NOT_FOUND, f"no gallery {name!r}")
        return {
            "name": name,
            "number_of_faces": counts[name],
            "meta_schema": schema_to_json(schema),
        }

    return await svc.blocking(read)


async def create_gallery(request: Request) -> Response:
    """POST /v2/galleries/{gallery}, optional body `{"meta_schema": {...}}` (extension)."""
    svc = services(request)
    name = gallery_param(request)
    body = await read_json_object(request, svc.settings.max_body_bytes, optional=True)
    check_keys(body, {"meta_schema"})
    limits = svc.settings.meta_limits
    schema = None
    if "meta_schema" in body:
        schema = schema_from_json(body["meta_schema"], "meta_schema", limits)
    await svc.blocking(lambda: svc.storage.create_gallery(name, schema))
    return JSONResponse(await _info(svc, name))


async def get_gallery(request: Request) -> Response:
    """GET /v2/galleries/{gallery} (extension): name, number of faces and meta schema."""
    return JSONResponse(await _info(services(request), gallery_param(request)))


async def drop_gallery(request: Request) -> Response:
    """DELETE /v2/galleries/{gallery}."""
    svc = services(request)
    name = gallery_param(request)
    await svc.blocking(lambda: svc.storage.drop_gallery(name))
    return Response(status_code=204)


routes = [
    Route("/v2/galleries", list_galleries, methods=["GET"]),
    Route("/v2/galleries/{gallery}", create_gallery, methods=["POST"]),
    Route("/v2/galleries/{gallery}", get_gallery, methods=["GET"]),
    Route("/v2/galleries/{gallery}", drop_gallery, methods=["DELETE"]),
]
