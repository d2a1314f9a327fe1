"""The server's parts on their own: settings, cursors, URL policy, OpenAPI, process helpers."""

from __future__ import annotations

import http.server
import io
import ipaddress
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate

from app.common import ServerSettings, SettingsError, UrlFetchSettings, load_server_settings
from app.protocol import ErrorCode, ProtocolError
from app.server._cursor import decode_cursor, encode_cursor, fingerprint
from app.server._fetch import REFUSED, HostPolicy, UrlFetcher
from app.server._openapi import openapi_document
from app.server._process import EventStream, process_alive
from app.server._run import StartupError, check_bind, is_loopback
from app.server._schema import schema_from_json, schema_to_json
from app.storage import MetaType

# ---------------------------------------------------------------- settings


def test_config_file_then_overrides(tmp_path: Path) -> None:
    config = tmp_path / "s.toml"
    config.write_text(
        'host = "0.0.0.0"\nport = 1234\ntoken = "t"\nworkers = 3\nallow_return_facen = true\n'
        '[cache]\nbackend = "memcached"\nmemcached_servers = ["m:1", "m:2"]\nttl_seconds = 5\n'
        '[url_fetch]\nallowed_hosts = ["10.0.0.0/8"]\n'
        '[default_meta_schema]\nbadge = {type = "unsigned", default = 1}\n'
    )
    settings = load_server_settings(config, {"port": 0, "token": None, "data_dir": tmp_path})
    assert (settings.host, settings.port, settings.token, settings.workers) == (
        "0.0.0.0",
        0,
        "t",
        3,
    )
    assert settings.cache.memcached_servers == ("m:1", "m:2") and settings.cache.ttl_seconds == 5
    assert settings.url_fetch.allowed_hosts == ("10.0.0.0/8",)
    assert settings.default_meta_schema == {"badge": {"type": "unsigned", "default": 1}}
    assert settings.data_dir == tmp_path and settings.allow_return_facen


@pytest.mark.parametrize(
    "text",
    [
        "colour = 1\n",
        'port = "80"\n',
        "workers = 0\n",
        "allow_return_facen = 1\n",
        '[cache]\nbackend = "redis"\n',
        "[cache]\nttl = 5\n",
        "default_limit = 5\nmax_limit = 4\n",
        'log_level = "LOUD"\n',
        "port = [\n",
    ],
)
def test_bad_config_files_are_settings_errors(tmp_path: Path, text: str) -> None:
    config = tmp_path / "s.toml"
    config.write_text(text)
    with pytest.raises(SettingsError):
        load_server_settings(config)


def test_postgres_hnsw_is_off_unless_a_face_count_is_set(tmp_path: Path) -> None:
    assert ServerSettings().postgres_hnsw_min_faces == 0
    config = tmp_path / "s.toml"
    config.write_text("postgres_hnsw_min_faces = 100000\n")
    assert load_server_settings(config).postgres_hnsw_min_faces == 100_000
    with pytest.raises(SettingsError, match="postgres_hnsw_min_faces"):
        ServerSettings(postgres_hnsw_min_faces=-1)


def test_missing_config_file_is_a_settings_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="cannot read"):
        load_server_settings(tmp_path / "absent.toml")


def test_binding_beyond_loopback_needs_a_token() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")
    check_bind(ServerSettings(host="127.0.0.2"))
    check_bind(ServerSettings(host="0.0.0.0", token="t"))
    with pytest.raises(StartupError, match="token"):
        check_bind(ServerSettings(host="0.0.0.0"))


def test_meta_schema_round_trip() -> None:
    schema = schema_from_json({"a": "set[unsigned]", "b": {"type": "string", "default": "x"}}, "s")
    assert schema["a"].type is MetaType.SET_UNSIGNED and schema["b"].default == "x"
    assert schema_to_json(schema) == {
        "a": {"type": "set[unsigned]", "default": None},
        "b": {"type": "string", "default": "x"},
    }
    with pytest.raises(ProtocolError) as info:
        schema_from_json({"a": {"type": "set[unsigned]", "default": [1, "2"]}}, "s")
    assert info.value.param == "s.a.default"


# ---------------------------------------------------------------- cursors


def test_cursor_round_trip_and_binding() -> None:
    bound = fingerprint("g", [("id:gte", "5")])
    assert bound == fingerprint("g", [("id:gte", "5")]) != fingerprint("h", [("id:gte", "5")])
    cursor = encode_cursor("-id", 2**64 - 1, bound)
    assert decode_cursor(cursor, "-id", bound) == 2**64 - 1
    for sort, fp, text in (("id", bound, cursor), ("-id", "other", cursor), ("-id", bound, "x")):
        with pytest.raises(ProtocolError) as info:
            decode_cursor(text, sort, fp)
        assert info.value.code is ErrorCode.BAD_PARAM and info.value.param == "page"


# ---------------------------------------------------------------- URL fetching


def test_host_policy() -> None:
    public = ipaddress.ip_address("93.184.216.34")
    loopback = ipaddress.ip_address("127.0.0.1")
    default = HostPolicy(("*",))
    assert default.name_allowed("example.com") and default.address_allowed("example.com", public)
    assert not default.address_allowed("example.com", loopback)
    assert not default.address_allowed("intranet", ipaddress.ip_address("10.1.2.3"))
    listed = HostPolicy(("*.corp.example", "10.0.0.0/8", "camera-1"))
    assert listed.name_allowed("a.corp.example") and not listed.name_allowed("corp.example.org")
    assert listed.name_allowed("10.9.9.9") and not listed.name_allowed("11.0.0.1")
    assert listed.address_allowed("camera-1", loopback)
    assert not listed.address_allowed("other", public)
    assert not HostPolicy(()).name_allowed("example.com")


class _Redirect(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        port = self.server.server_address[1]
        self.send_response(302)
        self.send_header("Location", f"http://localhost:{port}/elsewhere")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def redirecting_server() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_redirects_are_checked_against_the_policy(redirecting_server: int) -> None:
    fetcher = UrlFetcher(UrlFetchSettings(allowed_hosts=("127.0.0.1",), timeout_seconds=5))
    with pytest.raises(ProtocolError) as info:
        fetcher.fetch(f"http://127.0.0.1:{redirecting_server}/start")
    assert info.value.param == "url" and info.value.reason == REFUSED


def test_public_names_resolving_to_loopback_are_refused(redirecting_server: int) -> None:
    fetcher = UrlFetcher(UrlFetchSettings(allowed_hosts=("*",), timeout_seconds=5))
    with pytest.raises(ProtocolError) as info:
        fetcher.fetch(f"http://localhost:{redirecting_server}/x")
    assert info.value.param == "url" and info.value.reason == REFUSED


# ---------------------------------------------------------------- OpenAPI and process helpers


@pytest.mark.parametrize("token", [None, "t"])
def test_openapi_document_is_valid(token: str | None) -> None:
    doc = openapi_document(ServerSettings(token=token))
    validate(doc)  # type: ignore[arg-type]
    assert ("security" in doc) == (token is not None)
    json.dumps(doc)


def test_event_stream_writes_json_lines() -> None:
    buffer = io.StringIO()
    events = EventStream(buffer)
    events.progress("loading models")
    events.emit("ready", url="http://127.0.0.1:1", version="0")
    events.error("EXTRACTION_ERROR", "run python -m app models install")
    lines = [json.loads(line) for line in buffer.getvalue().splitlines()]
    assert [e["event"] for e in lines] == ["progress", "ready", "error"]
    assert lines[2] == {
        "event": "error",
        "code": "EXTRACTION_ERROR",
        "reason": "run python -m app models install",
    }


def test_package_exports_are_sorted_and_real() -> None:
    import app.server

    assert app.server.__all__ == sorted(app.server.__all__)
    assert all(hasattr(app.server, name) for name in app.server.__all__)


def test_process_alive() -> None:
    assert process_alive(os.getpid())
    assert not process_alive(2**22 + 12345)
