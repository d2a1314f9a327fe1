"""Load benchmark of one sf-api server: concurrent clients, then a flood beyond the queue bound.

Run: `.venv/bin/python bench/load.py [--clients 8] [--seconds 30] [--flood-clients 48]
[--flood-seconds 15] [--workers 2] [--queue 16] [--search-faces 2000] [--searches 300]
[--phases mixed,flood,search,uploads] [--stalled 40]`. Not a test: it prints numbers measured
in this run and never asserts on time.

It starts `python -m app server` (real models, a real SQLite file in a temporary directory),
enrols the test photos, then:

1. mixed load: `--clients` threads, each looping over detect (with facen), add (from the
   detection), list (a page of 100) and search (looks_like a stored face) for `--seconds`;
   per operation: count, throughput, p50/p99 latency, errors (anything but 2xx/429), 429s;
2. flood: `--flood-clients` threads sending only detects, far beyond `workers + queue`;
   the answers must be 200 or 429 OVER_CAPACITY, none may time out;
3. search concurrency: a gallery of `--search-faces` faces, then `--searches` searches one by
   one, then the same searches all at once (each client retries a 429 after 20 ms, as a
   client backing off would); printed: both throughputs and their ratio, concurrent / one by
   one (the goal: never below 1). The same is measured on a second server configured as the
   server was before searches had a pool of their own (40 threads, BLAS and OpenMP free to
   start a thread per core in every call), as the baseline of this run;
4. stalled uploads (`--phases uploads`, not run by default): `--stalled` clients each declare
   a 16 MiB detect upload, send 15 MiB and stall; printed: how many were answered 429 before
   sending, the server's peak RSS over its RSS before, and how long until the server had
   closed every stalled connection (default settings: the body-rate floor).

The server's RSS is sampled every 0.2 s; its peak (VmHWM) is reported after each phase.
Photos come from `$SFDESK_TEST_FACES` (default /work/shared/faces).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import select
import socket
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

    def __init__(self, data: Path, workers: int, queue: int, extra: str = "") -> None:
        config = data / "server.toml"
        config.write_text(f"workers = {workers}\nqueue_size = {queue}\n{extra}")
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
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        ctype: str | None = None,
        timeout: float = 60,
    ) -> tuple[int, bytes]:
        conn = HTTPConnection(self.url.hostname or "", self.url.port, timeout=timeout)
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


def fill_gallery(server: Server, faces: int) -> None:
    """Gallery `bench` with `faces` faces, vectors taken in turn from every face in the photos."""
    assert server.request("POST", "/v2/galleries/bench")[0] == 200
    refs = []
    for photo in sorted((FACES / "face_recognition").glob("*.jp*g")):
        status, body = server.request(
            "POST", "/v2/detect?facen=on", photo.read_bytes(), "image/jpeg"
        )
        if status == 200:
            refs += [f"detection:{face['id']}" for face in json.loads(body)["faces"]]
    for face_id in range(1, faces + 1):
        body = json.dumps({"from": refs[face_id % len(refs)]}).encode()
        status, answer = server.request(
            "POST", f"/v2/galleries/bench/faces/{face_id}", body, "application/json"
        )
        assert status == 200, answer


def one_search(server: Server, face_id: int) -> tuple[float, int]:
    """One search, retried after 20 ms while the server says 429: latency and 429s seen."""
    path = f"/v2/galleries/bench/faces?looks_like=faces/bench/{face_id}&limit=10"
    start, refused = time.perf_counter(), 0
    while True:
        status, body = server.request("GET", path, timeout=900)  # the baseline can take minutes
        if status != 429:
            assert status == 200, body
            return time.perf_counter() - start, refused
        refused += 1
        time.sleep(0.02)


def search_concurrency(server: Server, faces: int, searches: int) -> float:
    """Searches one by one, then all at once; prints both and returns the throughput ratio."""
    ids = [1 + (i * 7919) % faces for i in range(searches)]
    start = time.perf_counter()
    for face_id in ids:
        one_search(server, face_id)
    serial = searches / (time.perf_counter() - start)
    results: list[tuple[float, int]] = []
    barrier = threading.Barrier(searches + 1)

    def client(face_id: int) -> None:
        barrier.wait()
        results.append(one_search(server, face_id))

    threads = [threading.Thread(target=client, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    concurrent = searches / elapsed
    latencies = sorted(r[0] for r in results)
    print(
        f"one by one {serial:6.1f}/s; all {searches} at once {concurrent:6.1f}/s in "
        f"{elapsed:5.1f} s (p50 {statistics.median(latencies) * 1000:.0f} ms, p99 "
        f"{latencies[int(len(latencies) * 0.99) - 1] * 1000:.0f} ms, "
        f"{sum(r[1] for r in results)} answers 429 retried); ratio {concurrent / serial:.2f}"
    )
    return concurrent / serial


def stalled_uploads(tmp: Path, args: argparse.Namespace) -> None:
    data = tmp / "uploads"
    data.mkdir()
    server = Server(data, args.workers, args.queue)
    mib = 1024 * 1024
    try:
        before = server.rss_mib()
        sampler = RssSampler(server)
        sampler.start()
        socks = []
        head = (
            "POST /v2/detect HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/jpeg\r\n"
            f"Content-Length: {16 * mib}\r\n\r\n"
        ).encode()
        for _ in range(args.stalled):
            sock = socket.create_connection((server.url.hostname, server.url.port))
            sock.sendall(head)
            socks.append(sock)
        time.sleep(1.0)  # the refused ones are answered at once
        readable, _, _ = select.select(socks, [], [], 0)
        admitted = [sock for sock in socks if sock not in readable]
        start = time.monotonic()
        for sock in admitted:
            sock.setblocking(False)
            sent = 0
            while sent < 15 * mib:  # the server reads; a full buffer means wait a moment
                try:
                    sent += sock.send(b"\0" * min(mib, 15 * mib - sent))
                except BlockingIOError:
                    time.sleep(0.01)
        open_ones = set(admitted)
        while open_ones and time.monotonic() - start < 900:
            ready, _, _ = select.select(list(open_ones), [], [], 1.0)
            for sock in ready:
                try:
                    if not sock.recv(65536):
                        open_ones.discard(sock)
                except OSError:
                    open_ones.discard(sock)
        closed_after = time.monotonic() - start
        sampler.stop.set()
        sampler.join()
        print(
            f"\n## stalled uploads: {args.stalled} clients declare 16 MiB, send 15 MiB, stall\n"
            f"{len(readable)} answered 429 before sending; {len(admitted)} admitted, all closed "
            f"by the server after {closed_after:.1f} s ({len(open_ones)} still open); RSS "
            f"{before:.0f} MiB before, peak {sampler.peak:.0f} MiB (+{sampler.peak - before:.0f})"
        )
        for sock in socks:
            sock.close()
    finally:
        server.stop()


def search_phase(tmp: Path, args: argparse.Namespace) -> None:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    configs = {
        "now (defaults)": "",
        "before (40 threads, BLAS/OpenMP unpinned)": (
            f"search_workers = 40\nsearch_queue_size = 100000\nnative_threads = {cores}\n"
            "[http]\nmax_requests = 100000\n"
        ),
    }
    print(f"\n## search concurrency: {args.search_faces} faces, {args.searches} searches")
    for index, (name, extra) in enumerate(configs.items()):
        data = tmp / f"search-{index}"
        data.mkdir()
        server = Server(data, args.workers, args.queue, extra)
        try:
            fill_gallery(server, args.search_faces)
            print(f"{name:44}", end=" ", flush=True)
            search_concurrency(server, args.search_faces, args.searches)
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--flood-clients", type=int, default=48)
    parser.add_argument("--flood-seconds", type=float, default=15.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--queue", type=int, default=16)
    parser.add_argument("--search-faces", type=int, default=2000)
    parser.add_argument("--searches", type=int, default=300)
    parser.add_argument("--stalled", type=int, default=40)
    parser.add_argument("--phases", default="mixed,flood,search")
    args = parser.parse_args()
    phases = set(args.phases.split(","))
    photos = [(FACES / "face_recognition" / p).read_bytes() for p in PHOTOS]
    with tempfile.TemporaryDirectory() as tmp:
        if "search" in phases:
            search_phase(Path(tmp), args)
        if "uploads" in phases:
            stalled_uploads(Path(tmp), args)
        if not phases & {"mixed", "flood"}:
            return
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
            if "mixed" in phases:
                phase(
                    "mixed load",
                    server,
                    [lambda: mixed_client(server, rec, photos, ids, end)] * args.clients,
                    args.seconds,
                    rec,
                )
            if "flood" in phases:
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
