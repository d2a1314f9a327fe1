"""The one crash handler: unexpected exceptions are logged with their traceback and announced."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path
from types import TracebackType
from typing import Any

from app.gui.state import MessageBridge

log = logging.getLogger("app.gui.crash")


class CrashHandler:
    """Installed as `sys.excepthook` and as the asyncio loop's exception handler.

    Expected failures never get here (slots catch them); whatever does is a bug: it is logged
    at CRITICAL with the traceback and the operator sees one line pointing at the log file.
    """

    def __init__(self, messages: MessageBridge, log_file: Path | None) -> None:
        self.messages = messages
        self.log_file = log_file
        self.count = 0

    def install(self, loop: asyncio.AbstractEventLoop) -> None:
        """Route uncaught exceptions from Qt slots and asyncio callbacks here."""
        sys.excepthook = self.excepthook
        loop.set_exception_handler(self.loop_handler)

    def excepthook(
        self,
        exc_type: type[BaseException],
        exc: BaseException,
        tb: TracebackType | None,
    ) -> None:
        """`sys.excepthook`: log and announce."""
        self.count += 1
        log.critical("unexpected error", exc_info=(exc_type, exc, tb))
        where = f" — details in {self.log_file}" if self.log_file else ""
        self.messages.error(f"{exc_type.__name__}: {exc}{where}", "INTERNAL_ERROR")

    def loop_handler(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        """The asyncio exception handler: exceptions of callbacks and unawaited tasks."""
        exc = context.get("exception")
        if isinstance(exc, BaseException):
            self.excepthook(type(exc), exc, exc.__traceback__)
        else:
            self.count += 1
            log.critical("asyncio: %s", context.get("message", context))

    def __repr__(self) -> str:
        return f"CrashHandler(count={self.count}, log_file={self.log_file})"
