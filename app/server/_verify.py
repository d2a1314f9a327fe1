"""Verify resource: `GET /v2/verify?face1=<ref>&face2=<ref>`, the confidence of a match."""

from __future__ import annotations

import numpy as np
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.protocol import bad_param, confidence_from_cosine
from app.server._params import reject_unknown, single
from app.server._services import services
from app.server._sources import resolve


async def verify(request: Request) -> Response:
    """Both parameters are face references (`detection:<id>` or `faces/<gallery>/<id>`)."""
    svc = services(request)
    params = request.query_params
    reject_unknown(params, ("face1", "face2"))
    sources = []
    for key in ("face1", "face2"):
        ref = single(params, key)
        if ref is None:
            raise bad_param(key, None, f"{key} is required")
        sources.append(await resolve(svc, ref, key))
    first, second = sources
    if first.model_pack != second.model_pack:
        raise bad_param("face2", params["face2"], "the faces come from different model packs")
    cosine = float(np.dot(first.vector, second.vector))
    return JSONResponse({"confidence": confidence_from_cosine(cosine)})


routes = [Route("/v2/verify", verify, methods=["GET"])]
