"""The query parameters of `POST /v2/detect`: both attribute APIs, facen, detector, autorotate."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import QueryParams

from app.common import ServerSettings
from app.protocol import ErrorCode, ProtocolError, bad_param
from app.server._params import flag, reject_unknown, single
from app.vision import DetectOptions

#: Attributes sfdesk computes; each may be asked for in the old (`gender=on`) or new style.
SUPPORTED = ("gender", "age", "emotions")
#: Attributes of FindFace's new API that sfdesk's model pack does not have.
UNSUPPORTED = ("countries47", "beard", "glasses3")
KNOWN = {
    "facen",
    "return_facen",
    "autorotate",
    "detector",
    "attribute",
    *SUPPORTED,
    "countries47",
}


@dataclass(frozen=True)
class DetectRequest:
    """A parsed detect query: what the engine computes and how each attribute is rendered."""

    options: DetectOptions
    old_style: tuple[str, ...]
    new_style: tuple[str, ...]
    cache: bool
    return_facen: bool


def _attributes(params: QueryParams) -> list[str]:
    names = [part.strip() for value in params.getlist("attribute") for part in value.split(",")]
    for name in names:
        if name in UNSUPPORTED:
            raise ProtocolError(
                ErrorCode.NOT_IMPLEMENTED,
                f"the attribute {name!r} is not available in this server's model pack",
                param="attribute",
                value=name,
            )
        if name not in SUPPORTED:
            raise bad_param("attribute", name, f"attributes are {', '.join(SUPPORTED)}")
    if len(set(names)) != len(names):
        raise bad_param("attribute", ",".join(names), "each attribute may be asked for once")
    return names


def parse_detect_params(params: QueryParams, settings: ServerSettings) -> DetectRequest:
    """Validate the detect query; BAD_PARAM names the offending parameter."""
    reject_unknown(params, KNOWN)
    if flag(params, "countries47"):
        raise ProtocolError(
            ErrorCode.NOT_IMPLEMENTED,
            "countries47 is not available in this server's model pack",
            param="countries47",
        )
    new_style = tuple(_attributes(params))
    old_style = tuple(name for name in SUPPORTED if flag(params, name))
    for name in old_style:
        if name in new_style:
            raise bad_param(
                name, params[name], f"{name} is asked for both as {name}= and as attribute="
            )
    wanted = {*old_style, *new_style}
    return_facen = flag(params, "return_facen")
    if return_facen and not settings.allow_return_facen:
        raise bad_param("return_facen", params["return_facen"], "return_facen is disabled here")
    detector = single(params, "detector") or "nnd"
    if detector not in ("nnd", "normalized"):
        raise bad_param("detector", detector, "detector must be nnd or normalized")
    facen = flag(params, "facen")
    options = DetectOptions(
        facen=facen or return_facen,
        gender="gender" in wanted,
        age="age" in wanted,
        emotions="emotions" in wanted,
        autorotate=flag(params, "autorotate"),
        detector="normalized" if detector == "normalized" else "nnd",
    )
    return DetectRequest(
        options=options,
        old_style=old_style,
        new_style=new_style,
        cache=facen,
        return_facen=return_facen,
    )
