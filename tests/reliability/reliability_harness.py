"""Helpers of the reliability tests: servers, TOML configs, an HTTP origin, refusals, bursts."""

from __future__ import annotations

import http.server
import json
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from api_checks import error_body_problem
from server_harness import REPO_ROOT, Http, Reply, ServerProcess

from app.protocol import ErrorCode

Start = Callable[..., ServerProcess]


def reap(server: ServerProcess) -> None:
    """Kill `server` if it still runs and release its pipe."""
    if server.proc.poll() is None:
        server.proc.kill()
        server.proc.wait(10)
    if server.proc.stdout is not None:
        server.proc.stdout.close()


def run_to_exit(*args: str, timeout: float = 120) -> tuple[int, list[dict[str, Any]], str]:
    """Run `python -m app <args>` to its end: exit status, stdout events, stderr."""
    proc = subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        timeout=timeout,
        text=True,
    )
    events = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    return proc.returncode, events, proc.stderr


def rss_mib(pid: int, key: str = "VmRSS") -> float:
    """A process's resident memory (`VmRSS`) or its peak so far (`VmHWM`), in MiB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(ln for ln in status.splitlines() if ln.startswith(key + ":")).split()[1]) / 1024


def detection(http: Http, photo: bytes) -> str:
    """A `detection:<id>` reference to the first face the server finds in `photo`."""
    reply = http.post("/v2/detect", params={"facen": "on"}, body=photo, content_type="image/jpeg")
    assert reply.status == 200, reply.body
    return f"detection:{reply.json['faces'][0]['id']}"


def detect_url(http: Http, url: str) -> Reply:
    """A detect of the image at `url` (a `text/x-url` body)."""
    return http.post("/v2/detect", body=url.encode(), content_type="text/x-url", timeout=60)


def refused_naming(reply: Reply, param: str, code: ErrorCode = ErrorCode.BAD_PARAM) -> None:
    """`reply` is a well-formed protocol error of `code` naming `param`."""
    assert error_body_problem(reply.status, reply.body) is None, reply.body[:300]
    reply.body.decode("utf-8")  # strictly valid UTF-8
    assert (reply.json["code"], reply.json.get("param")) == (code.value, param), reply.body[:300]


def tally(clients: int, calls: int, call: Callable[[], Reply]) -> Counter[str]:
    """`clients` threads, released together, each making `calls` calls: a tally of the answers
    ("200", "429 OVER_CAPACITY", ...); a malformed error or no answer is tallied as a failure,
    never silently."""
    counts: Counter[str] = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(clients)

    def client() -> None:
        barrier.wait(60)
        for _ in range(calls):
            try:
                reply = call()
            except OSError as exc:  # a timeout is a failure, never silent
                outcome = f"no answer: {exc!r}"
            else:
                problem = (
                    None if reply.status < 400 else error_body_problem(reply.status, reply.body)
                )
                code = reply.json.get("code", "") if reply.status >= 400 and not problem else ""
                outcome = f"bad: {problem}" if problem else f"{reply.status} {code}".strip()
            with lock:
                counts[outcome] += 1

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    return counts


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
