"""The worker's retry queue: bounded, oldest dropped first, retries until delivered."""

from __future__ import annotations

import logging
import threading
import time

import pytest
from fr_fakes import good_parts

from app.facerouter._poster import FramePoster, http_sender
from app.facerouter._wire import RawPart


class FlakyFacerouter:
    """A `Send` that is down until `up` is set, then answers `status`; records what it got."""

    def __init__(self, status: int = 200) -> None:
        self.up = threading.Event()
        self.status = status
        self.received: list[bytes] = []
        self.attempts = 0

    def __call__(self, content_type: str, body: bytes) -> int:
        self.attempts += 1
        if not self.up.is_set():
            raise ConnectionRefusedError("facerouter is down")
        self.received.append(body)
        return self.status


def frame(n: int) -> list[RawPart]:
    return good_parts(cam_id=f"cam-{n:03d}")


def wait_for(condition: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.01)


def test_queue_is_bounded_while_the_facerouter_is_down_and_drains_when_it_is_back(
    caplog: pytest.LogCaptureFixture,
) -> None:
    send = FlakyFacerouter()
    poster = FramePoster(send, max_queue=5, retry_initial=0.01, retry_max=0.05)
    with caplog.at_level(logging.WARNING, logger="app.facerouter"):
        for n in range(20):
            poster.submit(frame(n))
            assert len(poster) <= 5
        wait_for(lambda: send.attempts >= 3)  # it keeps retrying
    assert poster.stats.dropped == 15
    assert "dropped the oldest frame" in caplog.text
    send.up.set()
    stats = poster.close(drain_timeout=10)
    assert stats.posted == 5 and stats.dropped == 15 and stats.failed_attempts >= 3
    # The newest five survived, in order.
    cams = [next(x for x in body.split(b"\r\n") if x.startswith(b"cam-")) for body in send.received]
    assert cams == [f"cam-{n:03d}".encode() for n in range(15, 20)]


def test_frames_still_queued_at_close_are_counted_as_dropped() -> None:
    send = FlakyFacerouter()
    poster = FramePoster(send, max_queue=3, retry_initial=0.01, retry_max=0.02)
    for n in range(3):
        poster.submit(frame(n))
    stats = poster.close(drain_timeout=0.2)
    assert stats.posted == 0 and stats.dropped == 3
    assert len(poster) == 0


@pytest.mark.parametrize(("status", "posted", "rejected"), [(200, 1, 0), (400, 0, 1)])
def test_success_and_refusal_end_a_frame(status: int, posted: int, rejected: int) -> None:
    send = FlakyFacerouter(status)
    send.up.set()
    poster = FramePoster(send, max_queue=2, retry_initial=0.01)
    poster.submit(frame(1))
    stats = poster.close(drain_timeout=5)
    assert (stats.posted, stats.rejected, stats.dropped) == (posted, rejected, 0)
    assert send.attempts == 1


def test_server_errors_are_retried() -> None:
    answers = iter([503, 502, 429, 200])
    calls: list[int] = []

    def send(content_type: str, body: bytes) -> int:
        calls.append(1)
        return next(answers)

    poster = FramePoster(send, retry_initial=0.01, retry_max=0.02)
    poster.submit(frame(1))
    stats = poster.close(drain_timeout=5)
    assert stats.posted == 1 and len(calls) == 4 and stats.failed_attempts == 3
    assert "posted=1" in repr(poster)


def test_http_sender_reports_connection_failures_as_oserror() -> None:
    send = http_sender("http://127.0.0.1:9/v0/frame", timeout=2)
    with pytest.raises(OSError):
        send("multipart/form-data; boundary=x", b"--x--\r\n")


def test_max_queue_must_be_positive() -> None:
    with pytest.raises(ValueError):
        FramePoster(FlakyFacerouter(), max_queue=0)
