"""Load benchmark of one sf-api server: concurrent clients, then a flood beyond the queue bound.

Run: `.venv/bin/python bench/load.py [--clients 8] [--seconds 30] [--flood-clients 48]
[--flood-seconds 15] [--workers 2] [--queue 16]`. Not a test: it prints numbers measured in
this run and never asserts on time.

It starts `python -m app server` (real models, a real SQLite file in a temporary directory),
enrols the test photos, then:

1. mixed load: `--clients` threads, each looping over detect (with facen), add (from the
   detection), list (a page of 100) and search (looks_like a stored face) for `--seconds`;
   per operation: count, throughput, p50/p99 latency, errors (anything but 2xx/429), 429s;
2. flood: `--flood-clients` threads sending only detects, far beyond `workers + queue`;
   the answers must be 200 or 429 OVER_CAPACITY, none may time out.

The server's RSS is sampled every 0.2 s; its peak (VmHWM) is reported after each phase.
Photos come from `$SFDESK_TEST_FACES` (default /work/shared/faces).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from collections.abc import Callable
from http.client import HTTPConnection
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
FACES = Path(os.environ.get("SFDESK_TEST_FACES", "/work/shared/faces"))
PHOTOS = ["obama1.jpg", "biden2.jpg", "kit_harington_john2.jpeg", "obama.jpg"]


class Server:
    """A `python -m app server` subprocess on a free port."""

    def __init__(self, data: Path, workers: int, queue: int) -> None:
        config = data / "server.toml"
        config.write_text(f"workers = {workers}\nqueue_size = {queue}\n")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "app",
                "server",
                "--port",
                "0",
                "--data",
                str(data),
                "--config",
                str(config),
                "--log-level",
                "WARNING",
            ],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
        )
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            event = json.loads(line)
            if event["event"] == "ready":
                self.url = urllib.parse.urlsplit(event["url"])
                return
            if event["event"] == "error":
                raise SystemExit(f"server failed: {event}")
        raise SystemExit("server exited before it was ready")

    def rss_mib(self, key: str = "VmRSS") -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
        return 0.0

    def request(
        self, method: str, path: str, body: bytes | None = None, ctype: str | None = None
    ) -> tuple[int, bytes]:
        conn = HTTPConnection(self.url.hostname or "", self.url.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers={"Content-Type": ctype} if ctype else {})
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(60)


class Recorder:
    """Latencies and outcomes per operation, shared by the client threads."""

    def __init__(self) -> None:
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.outcome: dict[str, Counter[str]] = defaultdict(Counter)
        self.lock = threading.Lock()

    def call(
        self, op: str, fn: Callable[..., tuple[int, bytes]], *args: Any
    ) -> tuple[int, bytes] | None:
        start = time.perf_counter()
        try:
            status, body = fn(*args)
        except OSError as exc:  # includes timeouts: reported, never silent
            with self.lock:
                self.outcome[op][f"no answer ({type(exc).__name__})"] += 1
            return None
        elapsed = time.perf_counter() - start
        with self.lock:
            self.latency[op].append(elapsed)
            self.outcome[op]["ok" if status < 300 else str(status)] += 1
        return status, body

    def report(self, seconds: float) -> None:
        print(f"{'op':8} {'count':>7} {'per s':>7} {'p50 ms':>8} {'p99 ms':>8}  outcomes")
        for op in sorted(self.latency.keys() | self.outcome.keys()):
            lat = sorted(self.latency[op]) or [0.0]
            p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
            n = sum(self.outcome[op].values())
            print(
                f"{op:8} {n:7d} {n / seconds:7.1f} {statistics.median(lat) * 1000:8.1f} "
                f"{p99 * 1000:8.1f}  {dict(self.outcome[op])}"
            )


class RssSampler(threading.Thread):
    """Samples the server's RSS until stopped; keeps the maximum seen."""

    def __init__(self, server: Server) -> None:
        super().__init__(daemon=True)
        self.server, self.peak, self.stop = server, 0.0, threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.2):
            self.peak = max(self.peak, self.server.rss_mib())


def mixed_client(server: Server, rec: Recorder, photos: list[bytes], ids: Any, end: float) -> None:
    refs: list[int] = []
    for n in itertools.count():
        if time.monotonic() >= end:
            return
        photo = photos[n % len(photos)]
        answer = rec.call(
            "detect", server.request, "POST", "/v2/detect?facen=on", photo, "image/jpeg"
        )
        if answer is None or answer[0] != 200 or not json.loads(answer[1])["faces"]:
            continue
        det = json.loads(answer[1])["faces"][0]["id"]
        face_id = next(ids)
        body = json.dumps({"from": f"detection:{det}", "meta": {"person_id": n}}).encode()
        path = f"/v2/galleries/load/faces/{face_id}"
        added = rec.call("add", server.request, "POST", path, body, "application/json")
        if added is not None and added[0] == 200:
            refs.append(face_id)
        rec.call("list", server.request, "GET", "/v2/galleries/load/faces?limit=100")
        if refs:
            search = (
                f"/v2/galleries/load/faces?looks_like=faces/load/{refs[n % len(refs)]}&limit=10"
            )
            rec.call("search", server.request, "GET", search)


def flood_client(server: Server, rec: Recorder, photo: bytes, end: float) -> None:
    while time.monotonic() < end:
        rec.call("detect", server.request, "POST", "/v2/detect", photo, "image/jpeg")


def phase(
    name: str, server: Server, targets: list[Callable[[], None]], seconds: float, rec: Recorder
) -> None:
    sampler = RssSampler(server)
    sampler.start()
    threads = [threading.Thread(target=t) for t in targets]
    start = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - start
    sampler.stop.set()
    sampler.join()
    print(f"\n## {name}: {len(targets)} clients, {elapsed:.1f} s")
    rec.report(elapsed)
    hwm = server.rss_mib("VmHWM")
    print(f"server RSS: peak sampled {sampler.peak:.0f} MiB, VmHWM {hwm:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--flood-clients", type=int, default=48)
    parser.add_argument("--flood-seconds", type=float, default=15.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--queue", type=int, default=16)
    args = parser.parse_args()
    photos = [(FACES / "face_recognition" / p).read_bytes() for p in PHOTOS]
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(Path(tmp), args.workers, args.queue)
        try:
            print(
                f"server pid {server.proc.pid}: workers={args.workers} queue={args.queue}, "
                f"RSS after start {server.rss_mib():.0f} MiB"
            )
            assert server.request("POST", "/v2/galleries/load")[0] == 200
            ids = itertools.count(1)
            rec = Recorder()
            end = time.monotonic() + args.seconds
            phase(
                "mixed load",
                server,
                [lambda: mixed_client(server, rec, photos, ids, end)] * args.clients,
                args.seconds,
                rec,
            )
            flood = Recorder()
            end = time.monotonic() + args.flood_seconds
            phase(
                "flood beyond the queue bound",
                server,
                [lambda: flood_client(server, flood, photos[0], end)] * args.flood_clients,
                args.flood_seconds,
                flood,
            )
            bad = {k: v for k, v in flood.outcome["detect"].items() if k not in ("ok", "429")}
            print("flood answers other than 200/429:", bad or "none")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
