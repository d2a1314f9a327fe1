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
from pathlib import Path

from reliability_harness import Start, detect_url, detection, tally, write_config
from server_harness import Http


def test_searches_beyond_the_bound_get_429(
    start_server: Start, faces_dir: Path, tmp_path: Path
) -> None:
    config = write_config(
        tmp_path / "server.toml", **{"": {"search_workers": 1, "search_queue_size": 0}}
    )
    http = start_server("--config", str(config)).http()
    assert http.post("/v2/galleries/g").status == 200
    ref = detection(http, (faces_dir / "face_recognition" / "obama1.jpg").read_bytes())
    for face_id in range(1, 301):
        assert http.post(f"/v2/galleries/g/faces/{face_id}", json_body={"from": ref}).status == 200
    params = {"looks_like": "faces/g/1", "threshold": "0"}
    counts = tally(40, 1, lambda: http.get("/v2/galleries/g/faces", params=params))
    assert set(counts) <= {"200", "429 OVER_CAPACITY"}, counts
    assert counts["200"] >= 1 and counts["429 OVER_CAPACITY"] >= 1, counts
    assert http.get("/v2/galleries/g/faces", params=params).status == 200
    print(f"40 searches at once, room for 1: {dict(counts)}")


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
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/x.jpg"
        results: Counter[str] = Counter()
        hanging = threading.Thread(
            target=lambda: results.update(tally(45, 1, lambda: detect_url(http, url)))
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
