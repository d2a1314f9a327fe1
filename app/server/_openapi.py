"""The OpenAPI 3.1 description of the server (`GET /openapi.json`), written by hand.

It describes exactly what the handlers accept and answer (docs/protocol.md is the prose
version); the fuzzing tests read it, so keep the two in step when an endpoint changes.
"""

from __future__ import annotations

from typing import Any

from app import __version__
from app.common import ServerSettings
from app.protocol import GALLERY_NAME_RE, UINT64_MAX, ErrorCode
from app.server._schema import FIELD_NAME_RE

JSON = "application/json"
IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp", "image/bmp")
META_TYPES = ["unsigned", "string", "set[string]", "set[unsigned]"]

Doc = dict[str, Any]


def _ref(name: str) -> Doc:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: Doc) -> Doc:
    return {JSON: {"schema": schema}}


def _ok(description: str, schema: Doc | None = None, status: str = "200") -> Doc:
    out: Doc = {"description": description}
    if schema is not None:
        out["content"] = _json(schema)
    return {status: out}


def _errors(*statuses: int) -> Doc:
    text = {
        400: "BAD_PARAM, MALFORMED_REQUEST, SOURCE_NOT_FOUND or SOURCE_GALLERY_NOT_FOUND",
        401: "UNAUTHORIZED (a token is configured and missing or wrong)",
        404: "NOT_FOUND or GALLERY_NOT_FOUND",
        409: "CONFLICT",
        429: "OVER_CAPACITY (too many requests or request bodies in progress, or a full queue)",
        501: "NOT_IMPLEMENTED",
        503: "EXTRACTION_ERROR, STORAGE_ERROR or CACHE_ERROR",
    }
    return {
        str(s): {"description": text[s], "content": _json(_ref("Error"))}
        for s in sorted({400, 401, 429, 500, *statuses} - {500})
    } | {"500": {"description": "UNKNOWN_ERROR", "content": _json(_ref("Error"))}}


def _query(name: str, schema: Doc, description: str, *, explode: bool = True) -> Doc:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
        "explode": explode,
    }


_BOOL: Doc = {
    "type": "string",
    "enum": ["1", "0", "yes", "no", "true", "false", "on", "off"],
    "description": "boolean flag, case-insensitive",
}
_UINT64: Doc = {"type": "integer", "minimum": 0, "maximum": UINT64_MAX, "format": "uint64"}
_UINT64_LIST: Doc = {"type": "array", "items": _UINT64}
_GALLERY: Doc = {
    "name": "gallery",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": GALLERY_NAME_RE.pattern},
}
_FACE_ID: Doc = {"name": "face_id", "in": "path", "required": True, "schema": _UINT64}
_DET_ID: Doc = {
    "name": "detection_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
}
_REF_DOC = '"detection:<detection id>" or "faces/<gallery>/<face id>"'
_REF: Doc = {
    "type": "string",
    "pattern": "^(detection:.+|faces/" + GALLERY_NAME_RE.pattern[1:-1] + "/[0-9]{1,20})$",
}


def _schemas() -> Doc:
    meta_value: Doc = {
        "oneOf": [
            _UINT64,
            {"type": "string"},
            {"type": "array", "items": {"type": "string"}},
            _UINT64_LIST,
        ]
    }
    nullable_value: Doc = {"oneOf": [*meta_value["oneOf"], {"type": "null"}]}
    field: Doc = {
        "type": "object",
        "properties": {"type": {"enum": META_TYPES}, "default": nullable_value},
        "required": ["type"],
        "additionalProperties": False,
    }
    field_out: Doc = {
        "type": "object",
        "properties": {"type": {"enum": META_TYPES}, "default": nullable_value},
        "required": ["type", "default"],
    }
    return {
        "Error": {
            "type": "object",
            "properties": {
                "code": {"enum": [c.value for c in ErrorCode]},
                "reason": {"type": "string"},
                "param": {"type": "string"},
                "value": {"type": "string"},
            },
            "required": ["code", "reason"],
        },
        "BBox": {
            "type": "object",
            "properties": {k: {"type": "integer"} for k in ("left", "top", "right", "bottom")},
            "required": ["left", "top", "right", "bottom"],
        },
        "Features": {
            "type": "object",
            "description": "score, quality, quality_issues, plus the requested attributes",
            "properties": {
                "score": {"type": "number"},
                "quality": {"type": "number"},
                "quality_issues": {
                    "type": "array",
                    "items": {"enum": ["too_small", "blurred", "turned_away"]},
                },
            },
        },
        "DetectedFace": {
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "bbox": _ref("BBox"),
                "features": _ref("Features"),
                "facen": {"type": "string", "description": "base64 little-endian float32"},
            },
            "required": ["id", "bbox", "features"],
        },
        "DetectResponse": {
            "type": "object",
            "properties": {
                "orientation": {"type": "integer", "minimum": 1, "maximum": 8},
                "faces": {"type": "array", "items": _ref("DetectedFace")},
            },
            "required": ["orientation", "faces"],
        },
        "MetaValue": meta_value,
        "Meta": {"type": "object", "additionalProperties": _ref("MetaValue")},
        "Face": {
            "type": "object",
            "properties": {
                "id": {
                    "type": "object",
                    "properties": {"gallery": {"type": "string"}, "face": _UINT64},
                    "required": ["gallery", "face"],
                },
                "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                "features": _ref("Features"),
                "meta": _ref("Meta"),
            },
            "required": ["id", "features", "meta"],
        },
        "FaceList": {
            "type": "object",
            "properties": {
                "faces": {"type": "array", "items": _ref("Face")},
                "next_page": {"type": ["string", "null"]},
            },
            "required": ["faces", "next_page"],
        },
        "GalleryList": {
            "type": "object",
            "properties": {
                "galleries": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "name": {"type": "string"},
                            "number_of_faces": {"type": "integer", "minimum": 0},
                        },
                        "required": ["name", "number_of_faces"],
                    },
                }
            },
            "required": ["galleries"],
        },
        "MetaSchemaIn": {
            "type": "object",
            "propertyNames": {"pattern": FIELD_NAME_RE.pattern},
            "additionalProperties": {"oneOf": [field, {"enum": META_TYPES}]},
        },
        "GalleryInfo": {
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "number_of_faces": {"type": "integer", "minimum": 0},
                "meta_schema": {"type": "object", "additionalProperties": field_out},
            },
            "required": ["name", "number_of_faces", "meta_schema"],
        },
        "Status": {
            "type": "object",
            "properties": {
                "status": {"const": "ok"},
                "version": {"type": "string"},
                "model_pack": {"type": "string"},
            },
            "required": ["status", "version", "model_pack"],
        },
    }


def _detect_params() -> list[Doc]:
    flags = {
        "facen": "compute the feature vector and cache the detection (for from/looks_like)",
        "gender": "old-style gender attribute",
        "age": "old-style age attribute",
        "emotions": "old-style emotions attribute",
        "autorotate": "also look for faces in the 3 other quarter turns",
        "return_facen": "return the feature vector inline (only if the config allows it)",
        "countries47": "not available: NOT_IMPLEMENTED when true",
    }
    out = [_query(name, _BOOL, text) for name, text in flags.items()]
    out.append(
        _query(
            "attribute",
            {
                "type": "array",
                "items": {
                    "enum": ["gender", "age", "emotions", "countries47", "beard", "glasses3"]
                },
            },
            "new-style attributes (repeatable or comma list); countries47, beard and glasses3 "
            "are NOT_IMPLEMENTED",
        )
    )
    out.append(_query("detector", {"enum": ["nnd", "normalized"]}, "nnd (default) or normalized"))
    return out


def _list_params(settings: ServerSettings) -> list[Doc]:
    return [
        _query("looks_like", _REF, f"search by similarity to {_REF_DOC}"),
        _query(
            "threshold",
            {"type": "number", "minimum": 0, "maximum": 1},
            "minimum confidence (only with looks_like; default 0.75)",
        ),
        _query(
            "limit",
            {"type": "integer", "minimum": 1, "maximum": settings.max_limit},
            f"page size / top N (default {settings.default_limit})",
        ),
        _query("sort", {"enum": ["id", "-id", "-confidence"]}, "id order, or -confidence"),
        _query("page", {"type": "string"}, "the next_page cursor of the previous page"),
        _query("ignore_errors", _BOOL, "answer from the reachable storage on partial failure"),
        _query("id:gte", _UINT64, "face id >= value"),
        _query("id:lte", _UINT64, "face id <= value"),
        _query("id:in", _UINT64_LIST, "face id is one of (repeatable or comma list)"),
    ]


def _meta_filter_note() -> str:
    return (
        "Meta filters are further query parameters meta:gte:<field>, meta:lte:<field>, "
        "meta:in:<field> (repeatable) and meta:subset:<field> (repeatable, set fields), "
        "typed by the gallery's meta schema; numeric :in/:subset values may be comma lists."
    )


def openapi_document(settings: ServerSettings) -> Doc:
    """The OpenAPI document for a server with these settings."""
    image_body = {
        "required": True,
        "content": {
            **{t: {"schema": {"type": "string", "format": "binary"}} for t in IMAGE_TYPES},
            "text/x-url": {"schema": {"type": "string", "format": "uri"}},
        },
    }
    add_body = {
        "required": True,
        "content": _json(
            {
                "type": "object",
                "properties": {
                    "from": _REF | {"description": _REF_DOC},
                    "meta": _ref("Meta"),
                },
                "required": ["from"],
                "additionalProperties": False,
            }
        ),
    }
    patch_body = {
        "required": True,
        "content": _json(
            {
                "type": "object",
                "properties": {"meta": _ref("Meta")},
                "required": ["meta"],
                "additionalProperties": False,
            }
        ),
    }
    create_body = {
        "required": False,
        "content": _json(
            {
                "type": "object",
                "properties": {"meta_schema": _ref("MetaSchemaIn")},
                "additionalProperties": False,
            }
        ),
    }
    face_path = "/v2/galleries/{gallery}/faces/{face_id}"
    paths: Doc = {
        "/v2/status": {
            "get": {
                "summary": "Server status (sfdesk extension)",
                "responses": _ok("status", _ref("Status")) | _errors(),
            }
        },
        "/v2/detect": {
            "post": {
                "summary": "Detect faces in an image (raw bytes) or at a URL (text/x-url)",
                "parameters": _detect_params(),
                "requestBody": image_body,
                "responses": _ok("faces found", _ref("DetectResponse")) | _errors(429, 501, 503),
            }
        },
        "/v2/detect/{detection_id}": {
            "get": {
                "summary": "A cached detection",
                "parameters": [_DET_ID],
                "responses": _ok("the detection", _ref("DetectedFace")) | _errors(404, 503),
            }
        },
        "/v2/detect/{detection_id}/normalized": {
            "get": {
                "summary": "The normalized crop of a cached detection (sfdesk extension)",
                "parameters": [_DET_ID],
                "responses": {
                    "200": {"description": "PNG", "content": {"image/png": {}}},
                    **_errors(404, 503),
                },
            }
        },
        "/v2/verify": {
            "get": {
                "summary": "The confidence that two faces show the same person",
                "parameters": [
                    _query("face1", _REF, _REF_DOC) | {"required": True},
                    _query("face2", _REF, _REF_DOC) | {"required": True},
                ],
                "responses": _ok(
                    "confidence",
                    {
                        "type": "object",
                        "properties": {
                            "confidence": {"type": "number", "minimum": 0, "maximum": 1}
                        },
                        "required": ["confidence"],
                    },
                )
                | _errors(503),
            }
        },
        "/v2/galleries": {
            "get": {
                "summary": "All galleries",
                "responses": _ok("galleries", _ref("GalleryList")) | _errors(503),
            }
        },
        "/v2/galleries/{gallery}": {
            "parameters": [_GALLERY],
            "post": {
                "summary": "Create a gallery (optional meta_schema body: sfdesk extension)",
                "requestBody": create_body,
                "responses": _ok("created", _ref("GalleryInfo")) | _errors(409, 503),
            },
            "get": {
                "summary": "Gallery information (sfdesk extension)",
                "responses": _ok("gallery", _ref("GalleryInfo")) | _errors(404, 503),
            },
            "delete": {
                "summary": "Drop a gallery and its faces",
                "responses": {"204": {"description": "dropped"}, **_errors(404, 503)},
            },
        },
        "/v2/galleries/{gallery}/faces": {
            "get": {
                "summary": "List or search faces",
                "description": _meta_filter_note(),
                "parameters": [_GALLERY, *_list_params(settings)],
                "responses": _ok("faces", _ref("FaceList")) | _errors(404, 503),
            }
        },
        face_path: {
            "parameters": [_GALLERY, _FACE_ID],
            "post": {
                "summary": "Add a face from a cached detection or another stored face",
                "requestBody": add_body,
                "responses": _ok("the new face", _ref("Face")) | _errors(404, 409, 503),
            },
            "get": {
                "summary": "One face",
                "responses": _ok("the face", _ref("Face")) | _errors(404, 503),
            },
            "patch": {
                "summary": "Change some meta fields",
                "requestBody": patch_body,
                "responses": _ok("the updated face", _ref("Face")) | _errors(404, 503),
            },
            "delete": {
                "summary": "Delete a face",
                "responses": {"204": {"description": "deleted"}, **_errors(404, 503)},
            },
        },
        face_path + "/normalized": {
            "parameters": [_GALLERY, _FACE_ID],
            "get": {
                "summary": "The stored normalized crop (sfdesk extension)",
                "responses": {
                    "200": {"description": "PNG", "content": {"image/png": {}}},
                    **_errors(404, 503),
                },
            },
        },
    }
    doc: Doc = {
        "openapi": "3.1.0",
        "info": {"title": "sfdesk sf-api", "version": __version__},
        "paths": paths,
        "components": {"schemas": _schemas()},
    }
    if settings.token:
        doc["components"]["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
        doc["security"] = [{"bearer": []}]
    return doc
