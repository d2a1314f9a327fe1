"""Response checks shared by the in-suite API fuzz and `bench/fuzz.py` (schemathesis 4).

`allowed_server_error`: the only 5xx answers are the documented ones (503 EXTRACTION_ERROR,
STORAGE_ERROR, CACHE_ERROR; 501 NOT_IMPLEMENTED for the attributes the model pack lacks), never
500 UNKNOWN_ERROR. `well_formed_error`: every 4xx/5xx body is `{code, reason, param?, value?}`
with string values, a known code, and the status the protocol table gives that code.
"""

from __future__ import annotations

import json
from typing import Any

from schemathesis.checks import CheckContext

from app.protocol import HTTP_STATUS, ErrorCode

ALLOWED_5XX = {
    ErrorCode.NOT_IMPLEMENTED.value,
    ErrorCode.EXTRACTION_ERROR.value,
    ErrorCode.STORAGE_ERROR.value,
    ErrorCode.CACHE_ERROR.value,
}
ERROR_KEYS = {"code", "reason", "param", "value"}


def error_body_problem(status: int, body: bytes) -> str | None:
    """Why `body` is not a well-formed protocol error for `status` (None when it is)."""
    try:
        parsed: Any = json.loads(body)
    except ValueError:
        return f"HTTP {status} with a non-JSON body {body[:200]!r}"
    if not isinstance(parsed, dict) or not {"code", "reason"} <= parsed.keys() <= ERROR_KEYS:
        return f"HTTP {status} body has the wrong keys: {parsed!r}"
    if not all(isinstance(v, str) for v in parsed.values()):
        return f"HTTP {status} body has a non-string value: {parsed!r}"
    try:
        code = ErrorCode(parsed["code"])
    except ValueError:
        return f"HTTP {status} with an unknown code {parsed['code']!r}"
    if HTTP_STATUS[code] != status:
        return f"{code.value} must be HTTP {HTTP_STATUS[code]}, got {status}"
    if status >= 500 and code.value not in ALLOWED_5XX:
        return f"undocumented server error {status} {parsed!r}"
    return None


def well_formed_error(ctx: CheckContext, response: Any, case: Any) -> bool | None:
    """Schemathesis check: error answers follow the protocol (see the module docstring)."""
    if response.status_code < 400:
        return None
    problem = error_body_problem(response.status_code, response.content)
    assert problem is None, problem
    return True
