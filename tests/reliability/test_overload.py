"""Overload: a server with one worker and a queue of one, flooded with detects.

Every answer must be 200 or `429 OVER_CAPACITY` with a well-formed body (no timeout, no other
error), both must occur, and the server's resident memory must stay bounded: a second, twice as
long flood may not raise its peak RSS (VmHWM) by more than a small allowance over the first.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from reliability_harness import Start, rss_mib, tally, write_config
from server_harness import Http

CLIENTS = 12


def flood(http: Http, photo: bytes, per_client: int) -> Counter[str]:
    """`CLIENTS` threads each sending `per_client` detects with facen; tally of the answers."""
    return tally(
        CLIENTS,
        per_client,
        lambda: http.post(
            "/v2/detect", params={"facen": "on"}, body=photo, content_type="image/jpeg", timeout=60
        ),
    )


def test_flooded_server_answers_200_or_429_with_bounded_memory(
    start_server: Start, faces_dir: Path, tmp_path: Path
) -> None:
    config = write_config(
        tmp_path / "server.toml",
        **{"": {"workers": 1, "queue_size": 1}, "cache": {"max_items": 50}},
    )
    server = start_server("--config", str(config))
    http = server.http()
    photo = (faces_dir / "face_recognition" / "obama1.jpg").read_bytes()
    first = flood(http, photo, 8)
    after_first = rss_mib(server.proc.pid, "VmHWM")
    second = flood(http, photo, 16)
    after_second = rss_mib(server.proc.pid, "VmHWM")
    total = first + second
    assert set(total) <= {"200", "429 OVER_CAPACITY"}, total
    assert total["200"] > 0 and total["429 OVER_CAPACITY"] > 0, total
    assert sum(total.values()) == CLIENTS * 24
    # Twice the traffic may not grow the peak by more than allocator noise.
    assert after_second <= after_first * 1.15 + 32, (after_first, after_second)
    assert http.get("/v2/status").status == 200
    print(f"overload: {dict(total)}; peak RSS {after_first:.0f} MiB, then {after_second:.0f} MiB")
