"""Values that used to reach the server's internals as 500s: now each is a clean 400.

A page cursor holding deeply nested JSON (a RecursionError in the decoder), a JSON body nested
as deep, and numbers of thousands of digits (beyond Python's int conversion limit).
"""

from __future__ import annotations

import base64

from api_checks import error_body_problem
from server_harness import Reply, ServerProcess


def refused(reply: Reply, param: str | None) -> None:
    assert reply.status == 400 and error_body_problem(400, reply.body) is None, reply.body
    assert reply.json.get("param") == param, reply.body


def test_deep_and_huge_values_are_400(shared_server: ServerProcess) -> None:
    http = shared_server.http()
    assert http.post("/v2/galleries/values").status == 200
    deep = b"[" * 5000 + b"]" * 5000  # far deeper than the decoder's recursion limit
    cursor = base64.urlsafe_b64encode(deep).rstrip(b"=").decode()
    refused(http.get("/v2/galleries/values/faces", params={"page": cursor}), "page")
    refused(http.post("/v2/galleries/deep", body=deep, content_type="application/json"), None)
    body = b'{"meta_schema": {"n": {"type": "unsigned", "default": ' + b"9" * 5000 + b"}}}"
    refused(http.post("/v2/galleries/huge", body=body, content_type="application/json"), None)
    assert http.get("/v2/galleries").json["galleries"] == [{"name": "values", "number_of_faces": 0}]
