"""Helpers of the reliability tests: the server factory's type, TOML configs, an HTTP origin."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from server_harness import ServerProcess

Start = Callable[..., ServerProcess]


def write_config(path: Path, **tables: dict[str, Any]) -> Path:
    """A TOML server config of top-level keys (table "") and tables of scalar/list values."""

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if isinstance(v, list | tuple):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return repr(v)

    lines = [f"{k} = {value(v)}" for k, v in tables.pop("", {}).items()]
    for name, table in tables.items():
        lines.append(f"[{name}]")
        lines += [f"{k} = {value(v)}" for k, v in table.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


class Origin:
    """A loopback HTTP server recording its hits; the path chooses the answer: `/redirect?to=<url>`,
    `/chunked-endless` (an endless body), `/drip` (the photo, one byte per 50 ms),
    `/drip-headers` (a status line and a header one byte per 50 ms), else the photo."""

    def __init__(self, photo: bytes) -> None:
        self.hits: list[str] = []
        self.bodies: list[bytes] = []
        origin = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                origin.hits.append(self.path)
                origin.bodies.append(self.rfile.read(int(self.headers["Content-Length"] or 0)))
                try:
                    origin.answer(self, self.path)
                except OSError:
                    pass  # the server under test hung up on us, as it should

            do_POST = do_GET  # noqa: N815

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.photo = photo
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, h: http.server.BaseHTTPRequestHandler, path: str) -> None:
        if path.startswith("/redirect?to="):
            h.send_response(302)
            h.send_header("Location", path.removeprefix("/redirect?to="))
            h.send_header("Content-Length", "0")
            h.end_headers()
        elif path == "/chunked-endless":
            h.send_response(200)
            h.send_header("Content-Type", "image/jpeg")
            h.send_header("Transfer-Encoding", "chunked")
            h.end_headers()
            while True:
                h.wfile.write(b"10000\r\n" + b"\xff" * 0x10000 + b"\r\n")
        elif path == "/drip":
            h.send_response(200)
            h.send_header("Content-Length", str(len(self.photo)))
            h.end_headers()
            for byte in self.photo:
                h.wfile.write(bytes([byte]))
                h.wfile.flush()
                time.sleep(0.05)
        elif path == "/drip-headers":
            for byte in b"HTTP/1.1 200 OK\r\n" + b"X-Slow: " + b"a" * 10000:
                h.wfile.write(bytes([byte]))
                h.wfile.flush()
                time.sleep(0.05)
        else:
            h.send_response(200)
            h.send_header("Content-Type", "image/jpeg")
            h.send_header("Content-Length", str(len(self.photo)))
            h.end_headers()
            h.wfile.write(self.photo)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
