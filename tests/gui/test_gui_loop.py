"""The app's event loop runs asyncio callbacks only while it runs, never from a stray pass."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from app.gui._loop import GuiEventLoop

pytestmark = [pytest.mark.gui]

REPO_ROOT = Path(__file__).resolve().parents[2]

#: A closed loop with a cancelled callback (whose Qt timer qasync leaves registered), freed by
#: a garbage collection in a worker thread, then one event pass in the GUI thread. With qasync's
#: own loop this is the segfault in QTimerInfoList::activateTimers that GUI tests followed by
#: threaded tests used to hit.
COLLECTED_ELSEWHERE = """
import gc, threading, time
from PySide6.QtWidgets import QApplication
from app.gui._loop import GuiEventLoop
app = QApplication([])
gc.disable()
loop = GuiEventLoop(app)
loop.call_later(0.05, print, "never").cancel()
loop.close()
del loop
worker = threading.Thread(target=gc.collect)
worker.start()
worker.join()
time.sleep(0.1)
app.processEvents()
print("survived")
"""


def process_events(qapp: QApplication) -> None:
    """What pytest-qt (or qasync's last pass) does while the loop is stopped."""
    for _ in range(5):
        qapp.processEvents()


def test_callbacks_due_while_stopped_wait_for_the_next_run(
    loop: GuiEventLoop, qapp: QApplication
) -> None:
    ran: list[int] = []
    loop.call_soon(ran.append, 1)
    process_events(qapp)
    assert ran == []
    assert loop.held == 1
    loop.run_until_complete(asyncio.sleep(0))
    assert ran == [1]
    assert loop.held == 0


def test_a_task_started_while_stopped_only_steps_in_the_running_loop(
    loop: GuiEventLoop, qapp: QApplication
) -> None:
    """The NoEventLoopError of httpx/anyio came from task steps with no running loop."""
    seen: list[asyncio.AbstractEventLoop] = []

    async def job() -> None:
        seen.append(asyncio.get_running_loop())
        await asyncio.sleep(0)
        seen.append(asyncio.get_running_loop())

    task = loop.create_task(job())
    process_events(qapp)
    assert seen == []
    loop.run_until_complete(task)
    assert seen == [loop, loop]


def test_a_cancelled_callback_never_runs_and_close_drops_what_is_held(qapp: QApplication) -> None:
    event_loop = GuiEventLoop(qapp)
    ran: list[str] = []
    event_loop.call_soon(ran.append, "cancelled").cancel()
    event_loop.call_soon(ran.append, "held")
    process_events(qapp)
    assert event_loop.held == 1
    event_loop.close()
    assert event_loop.held == 0
    assert ran == []
    assert "held=0" in repr(event_loop)


def test_a_closed_loop_may_be_collected_in_any_thread() -> None:
    done = subprocess.run(
        [sys.executable, "-c", COLLECTED_ELSEWHERE], cwd=REPO_ROOT,
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "survived"
    assert "Timers cannot be stopped from another thread" not in done.stderr
