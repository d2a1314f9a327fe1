"""The browser threat on the tokenless loopback default: DNS rebinding and cross-origin writes.

A web page cannot read or change a local server unless the server lets it: these probes send
what a browser sends for such a page (its own name as Host after rebinding, its Origin, a
no-cors POST without a JSON Content-Type) to a real server and check each is refused with
BAD_PARAM naming the header and changes nothing, while what our own clients send still works.
"""

from __future__ import annotations

from pathlib import Path

from reliability_harness import Start, detection, refused_naming, write_config
from server_harness import Http


def port_of(http: Http) -> int:
    return int(http.url.rsplit(":", 1)[1])


def test_rebinding_host_names_are_refused_without_a_token(
    start_server: Start, tmp_path: Path
) -> None:
    config = write_config(tmp_path / "server.toml", **{"": {"host_names": ["facesrv.lan"]}})
    http = start_server("--config", str(config)).http()
    port = port_of(http)
    for host in (
        f"attacker.example:{port}",
        "attacker.example",
        "127.0.0.1.nip.io",
        "LOCALHOST.evil",
    ):
        # What a page at http://attacker.example:<port> sends once its name resolves to us:
        # its own name, and its own origin (same-origin, as far as the browser knows).
        headers = {"Host": host, "Origin": f"http://{host}"}
        refused_naming(http.get("/v2/galleries", headers=headers), "Host")
        refused_naming(http.post("/v2/galleries/stolen", headers=headers), "Host")
    for host in (
        f"127.0.0.1:{port}",
        f"localhost:{port}",
        "LocalHost",
        f"[::1]:{port}",
        "app.localhost",
        "10.1.2.3",
        f"facesrv.lan:{port}",
    ):
        assert http.get("/v2/galleries", headers={"Host": host}).status == 200, host
    assert http.get("/v2/galleries").json["galleries"] == []


def test_cross_origin_writes_are_refused(start_server: Start, faces_dir: Path) -> None:
    http = start_server().http()
    assert http.post("/v2/galleries/people").status == 200  # no body: no type needed
    ref = detection(http, (faces_dir / "face_recognition" / "obama1.jpg").read_bytes())
    body = f'{{"from": "{ref}", "meta": {{"name": "x"}}}}'.encode()
    face = "/v2/galleries/people/faces/1"
    # fetch(url, {method: "POST", mode: "no-cors", body}) sends text/plain or no type at all.
    for kind in (
        None,
        "text/plain",
        "text/plain;charset=UTF-8",
        "application/x-www-form-urlencoded",
    ):
        refused_naming(http.post(face, body=body, content_type=kind), "Content-Type")
    refused_naming(http.patch(face, body=b'{"meta": {}}'), "Content-Type")
    for origin in ("http://evil.example", "null", f"http://127.0.0.1:{port_of(http) + 1}"):
        headers = {"Origin": origin}
        reply = http.post(face, body=body, content_type="application/json", headers=headers)
        refused_naming(reply, "Origin")
        refused_naming(http.delete("/v2/galleries/people", headers=headers), "Origin")
        refused_naming(http.get("/v2/galleries/people/faces", headers=headers), "Origin")
    assert http.get("/v2/galleries/people/faces").json["faces"] == []
    # The server's own origin (a page it served, or a proxy in front of it) is fine.
    same = {"Origin": http.url}
    assert http.post(face, body=body, content_type="application/json", headers=same).status == 200


def test_configured_origins_are_allowed_and_a_token_server_takes_any_host(
    start_server: Start, tmp_path: Path
) -> None:
    config = write_config(
        tmp_path / "server.toml", **{"": {"allowed_origins": ["https://ui.example:8443"]}}
    )
    http = start_server("--host", "0.0.0.0", "--token", "t0k", "--config", str(config)).http("t0k")
    assert http.get("/v2/galleries", headers={"Origin": "https://ui.example:8443"}).status == 200
    refused_naming(http.get("/v2/galleries", headers={"Origin": "https://ui.example"}), "Origin")
    # With a token a page cannot read anything anyway; the server is reached under any name.
    assert http.get("/v2/galleries", headers={"Host": "facesrv.lan"}).status == 200
