"""The app's event loop runs asyncio callbacks only while it runs, never from a stray pass."""

from __future__ import annotations

import asyncio

import pytest
from PySide6.QtWidgets import QApplication

from app.gui._loop import GuiEventLoop

pytestmark = [pytest.mark.gui]


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
