"""The wrong neighbour on the data directory: a second server, a migration, a crash, a bad dir.

- A second server on the same `--data` (started later, or several at the same moment) refuses
  to start at once: an `error` event of code DATA_IN_USE with the running one's pid and URL,
  exit status 3, one line on stderr; `storage migrate` on that data refuses too. The first
  server keeps working and the store is intact.
- The lock dies with its process: after SIGKILL a new server starts on the same data at once.
- A data directory that is a file, or on a read-only file system, is a STORAGE_ERROR event
  saying so (not an UNKNOWN_ERROR).
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from reliability_harness import Start, detection, reap, run_to_exit
from server_harness import REPO_ROOT, ServerProcess, spawn_server

from app.protocol import ErrorCode

DATA_IN_USE = "DATA_IN_USE"


def add_gallery_with_face(server: ServerProcess, faces_dir: Path) -> None:
    http = server.http()
    assert http.post("/v2/galleries/kept").status == 200
    body = {"from": detection(http, (faces_dir / "face_recognition" / "obama1.jpg").read_bytes())}
    assert http.post("/v2/galleries/kept/faces/1", json_body=body).status == 200


def test_a_second_server_or_tool_on_the_same_data_refuses_naming_the_first(
    start_server: Start, faces_dir: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    first = start_server(data_dir=data)
    add_gallery_with_face(first, faces_dir)
    owner = json.loads((data / "sfdesk.sqlite3.owner").read_text())
    assert (owner["pid"], owner["command"], owner["url"]) == (first.proc.pid, "server", first.url)

    status, events, stderr = run_to_exit("server", "--port", "0", "--data", str(data))
    assert status == 3, (events, stderr)
    error = events[-1]
    assert (error["event"], error["code"]) == ("error", DATA_IN_USE), error
    assert (error["pid"], error["url"]) == (first.proc.pid, first.url)
    assert str(first.proc.pid) in error["reason"] and first.url in error["reason"]
    assert not any(e["event"] == "ready" for e in events)
    assert stderr.strip().splitlines()[-1] == f"sfdesk server: {error['reason']}"

    status, _, stderr = run_to_exit(
        "storage", "migrate", "--from", str(data), "--to", str(tmp_path / "copy")
    )
    assert status == 1 and "STORAGE_ERROR" in stderr and first.url in stderr, stderr
    assert not (tmp_path / "copy").exists() or not any((tmp_path / "copy").iterdir())

    http = first.http()
    assert http.get("/v2/galleries").json == {"galleries": [{"name": "kept", "number_of_faces": 1}]}
    assert first.stop() == 0
    assert not (data / "sfdesk.sqlite3.owner").exists()  # released on a clean stop
    status, _, stderr = run_to_exit(
        "storage", "migrate", "--from", str(data), "--to", str(tmp_path / "copy")
    )
    assert status == 0, stderr


def test_servers_started_at_the_same_moment_leave_exactly_one_running(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    servers = [spawn_server(data) for _ in range(4)]
    try:
        outcomes = [server.wait_ready() for server in servers]
        ready = [s for s, e in zip(servers, outcomes, strict=True) if e["event"] == "ready"]
        refused = [e for e in outcomes if e["event"] == "error"]
        assert len(ready) == 1 and len(refused) == 3, outcomes
        for event in refused:
            assert event["code"] == DATA_IN_USE and event["pid"] == ready[0].proc.pid, event
        for server in servers:
            if server is not ready[0]:
                assert server.proc.wait(30) == 3
        assert ready[0].http().get("/v2/galleries").status == 200
    finally:
        for server in servers:
            reap(server)


def test_the_lock_dies_with_its_process(
    start_server: Start, faces_dir: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    for round in range(3):
        server = start_server(data_dir=data)  # refused with DATA_IN_USE if the lock survived
        if round == 0:
            add_gallery_with_face(server, faces_dir)
        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait(30)
    # The owner file of the killed server is stale; the lock is not.
    server = start_server(data_dir=data)
    faces = server.http().get("/v2/galleries/kept/faces").json["faces"]
    assert [face["id"]["face"] for face in faces] == [1]


def test_a_data_dir_that_is_a_file_is_a_storage_error(tmp_path: Path) -> None:
    for data in (tmp_path / "file", tmp_path / "file" / "below"):
        (tmp_path / "file").write_text("not a directory")
        status, events, stderr = run_to_exit("server", "--port", "0", "--data", str(data))
        assert status == 2, (events, stderr)
        error = events[-1]
        assert error["code"] == ErrorCode.STORAGE_ERROR.value, error
        assert "is a file, not a directory" in error["reason"]


@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs unshare (util-linux)")
def test_a_data_dir_on_a_read_only_file_system_is_a_storage_error(tmp_path: Path) -> None:
    data = tmp_path / "ro"
    data.mkdir()
    script = (
        f"mount -t tmpfs -o ro tmpfs {data} && exec {sys.executable} -m app server --port 0 "
        f"--data {data}"
    )
    proc = subprocess.run(
        ["unshare", "-rm", "sh", "-c", script],
        cwd=REPO_ROOT,
        capture_output=True,
        timeout=120,
        text=True,
    )
    if "mount" in proc.stderr and not proc.stdout:
        pytest.skip(f"cannot mount a read-only file system here: {proc.stderr.strip()}")
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    assert proc.returncode == 1 and events[-1]["code"] == ErrorCode.STORAGE_ERROR.value, events
    assert "read-only file system" in events[-1]["reason"], events[-1]
