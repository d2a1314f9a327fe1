"""Heavy work in bounded pools of its own: searches and URL downloads, against real servers.

- A burst of concurrent searches beyond `search_workers + search_queue_size` is answered 429
  OVER_CAPACITY at once instead of piling up (every answer is 200 or 429, none times out).
- URL downloads run in a pool of their own: downloads hanging on a peer that never answers
  fill it and the next ones get 429, while listings (storage calls) are answered at once.
Speed itself is measured by `bench/load.py`, not here.
"""

from __future__ import annotations

import socket
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from api_checks import error_body_problem
from reliability_harness import Start, write_config
from server_harness import Http, Reply


def burst(count: int, call: Callable[[], Reply]) -> Counter[str]:
    """`count` calls released at the same moment from as many threads; tally of the answers."""
    tally: Counter[str] = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(count)

    def client() -> None:
        barrier.wait(60)
        try:
            reply = call()
        except OSError as exc:  # a timeout is a failure, never silent
            outcome = f"no answer: {exc!r}"
        else:
            problem = None if reply.status == 200 else error_body_problem(reply.status, reply.body)
            code = reply.json.get("code", "") if reply.status != 200 else ""
            outcome = f"bad: {problem}" if problem else f"{reply.status} {code}".strip()
        with lock:
            tally[outcome] += 1

    threads = [threading.Thread(target=client) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    return tally


def test_searches_beyond_the_bound_get_429(
    start_server: Start, faces_dir: Path, tmp_path: Path
) -> None:
    config = write_config(
        tmp_path / "server.toml", **{"": {"search_workers": 1, "search_queue_size": 0}}
    )
    http = start_server("--config", str(config)).http()
    assert http.post("/v2/galleries/g").status == 200
    photo = (faces_dir / "face_recognition" / "obama1.jpg").read_bytes()
    det = http.post("/v2/detect", params={"facen": "on"}, body=photo, content_type="image/jpeg")
    ref = f"detection:{det.json['faces'][0]['id']}"
    for face_id in range(1, 301):
        assert http.post(f"/v2/galleries/g/faces/{face_id}", json_body={"from": ref}).status == 200
    params = {"looks_like": "faces/g/1", "threshold": "0"}
    tally = burst(40, lambda: http.get("/v2/galleries/g/faces", params=params))
    assert set(tally) <= {"200", "429 OVER_CAPACITY"}, tally
    assert tally["200"] >= 1 and tally["429 OVER_CAPACITY"] >= 1, tally
    assert http.get("/v2/galleries/g/faces", params=params).status == 200
    print(f"40 searches at once, room for 1: {dict(tally)}")


def test_hanging_downloads_neither_block_storage_nor_pile_up(
    start_server: Start, tmp_path: Path
) -> None:
    config = write_config(
        tmp_path / "server.toml",
        url_fetch={
            "allowed_hosts": ["127.0.0.1"],
            "timeout_seconds": 120.0,
            "workers": 2,
            "queue_size": 2,
        },
    )
    http = start_server("--config", str(config)).http()
    with socket.socket() as silent:  # accepts connections and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(128)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/x.jpg".encode()
        results: Counter[str] = Counter()
        hanging = threading.Thread(
            target=lambda: results.update(
                burst(45, lambda: http.post("/v2/detect", body=url, content_type="text/x-url"))
            )
        )
        hanging.start()
        # Before downloads had their own pool, 40 of these took every thread storage calls
        # use, and this listing waited for the downloads' time limit (120 s).
        probe = Http(http.url)
        for _ in range(5):
            assert probe.get("/v2/galleries", timeout=20).status == 200
        silent.close()  # the four admitted downloads fail now
        hanging.join(300)
    assert results["429 OVER_CAPACITY"] == 41, results
    assert sum(results.values()) == 45 and not any(k.startswith("bad") for k in results), results
    assert http.get("/v2/galleries").status == 200
    print(f"45 hanging downloads, room for 4: {dict(results)}")
