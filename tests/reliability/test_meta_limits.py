"""Meta that is too big: too many schema fields, too long strings, too large sets or totals.

Each is BAD_PARAM naming the field (or "meta" / "meta_schema" for totals) before anything is
stored, with the default limits and with limits from the config; the server's memory does not
grow with what it refused.
"""

from __future__ import annotations

from pathlib import Path

import reliability_harness as harness
from reliability_harness import Start, detection, rss_mib, run_to_exit, write_config
from server_harness import Reply

from app.protocol import ErrorCode

MiB = 1024 * 1024


def refused_naming(reply: Reply, param: str) -> None:
    harness.refused_naming(reply, param)
    assert len(reply.body) < 1000  # the refused value is not echoed back


def photo(faces_dir: Path) -> bytes:
    return (faces_dir / "face_recognition" / "obama1.jpg").read_bytes()


def test_default_limits_refuse_huge_schemas_and_values(
    start_server: Start, faces_dir: Path
) -> None:
    server = start_server()
    http = server.http()
    before = rss_mib(server.proc.pid)
    fields = {f"f{i}": "string" for i in range(100_000)}
    refused_naming(
        http.post("/v2/galleries/wide", json_body={"meta_schema": fields}), "meta_schema"
    )
    assert http.get("/v2/galleries/wide").status == 404
    assert http.post("/v2/galleries/people").status == 200  # the default schema
    ref = detection(http, photo(faces_dir))
    face = "/v2/galleries/people/faces/1"
    for _ in range(3):
        body = {"from": ref, "meta": {"name": "x" * (15 * MiB)}}
        refused_naming(http.post(face, json_body=body), "meta.name")
    tags = [f"t{i}" for i in range(5000)]
    refused_naming(http.post(face, json_body={"from": ref, "meta": {"tags": tags}}), "meta.tags")
    refused_naming(
        http.post(face, json_body={"from": ref, "meta": {"tags": ["y" * 5000]}}), "meta.tags"
    )
    assert http.get("/v2/galleries/people/faces").json["faces"] == []
    grown = rss_mib(server.proc.pid) - before
    print(f"RSS {before:.0f} MiB before, +{grown:.0f} MiB after refusing 45 MiB of names")
    assert grown < 200, grown


def test_configured_limits_bound_fields_strings_sets_and_totals(
    start_server: Start, faces_dir: Path, tmp_path: Path
) -> None:
    limits = {"max_fields": 5, "max_string_length": 600, "max_set_items": 4, "max_meta_bytes": 1000}
    config = write_config(tmp_path / "server.toml", meta_limits=limits)
    http = start_server("--config", str(config)).http()
    six = {name: "string" for name in "abcdef"}  # (the default schema has 5 fields)
    refused_naming(http.post("/v2/galleries/g", json_body={"meta_schema": six}), "meta_schema")
    long_default = {"a": {"type": "string", "default": "z" * 601}}
    refused_naming(
        http.post("/v2/galleries/g", json_body={"meta_schema": long_default}),
        "meta_schema.a.default",
    )
    schema = {"a": "string", "b": "string", "s": "set[unsigned]"}
    assert http.post("/v2/galleries/g", json_body={"meta_schema": schema}).status == 200
    ref = detection(http, photo(faces_dir))
    face = "/v2/galleries/g/faces/1"
    refused_naming(http.post(face, json_body={"from": ref, "meta": {"a": "z" * 601}}), "meta.a")
    refused_naming(
        http.post(face, json_body={"from": ref, "meta": {"s": [1, 2, 3, 4, 5]}}), "meta.s"
    )
    refused_naming(
        http.post(face, json_body={"from": ref, "meta": {"a": "z" * 500, "b": "z" * 500}}), "meta"
    )
    assert http.post(face, json_body={"from": ref, "meta": {"a": "z" * 500}}).status == 200
    # A change is measured on the meta the face would have.
    refused_naming(http.patch(face, json_body={"meta": {"b": "z" * 500}}), "meta")
    assert http.get(face).json["meta"] == {"a": "z" * 500}
    assert http.patch(face, json_body={"meta": {"a": "", "b": "z" * 500}}).status == 200


def test_a_default_schema_beyond_the_limits_stops_the_start(tmp_path: Path) -> None:
    config = write_config(tmp_path / "server.toml", meta_limits={"max_fields": 2})
    status, events, _ = run_to_exit(
        "server", "--port", "0", "--data", str(tmp_path / "d"), "--config", str(config)
    )
    assert status != 0 and events[-1]["code"] == ErrorCode.BAD_PARAM.value, events
    assert events[-1]["reason"].startswith("default_meta_schema has more than 2 fields")
