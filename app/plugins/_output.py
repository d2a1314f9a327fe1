"""Plugins' `print()` goes to their logger, so a host's JSON-lines stdout stays clean.

FindFace plugins print (to debug, to show what `activate` got). The facerouter and its replay
tool talk to their parent process in JSON lines on stdout, which a stray print would corrupt.
While `plugin_output()` is active, `sys.stdout` and `sys.stderr` are replaced by streams that
turn every complete line into a log record: of the plugin whose code is running (the manager
marks each hook call, import and activation with `running_plugin`; tasks and threads a hook
starts with the asyncio helpers inherit the mark), else of the `sfdesk.plugin` logger. Lines from
stdout are INFO, lines from stderr WARNING. The host writes its JSON lines to `json_stdout()`,
the real stdout saved when the redirection began.
"""

from __future__ import annotations

import contextlib
import contextvars
import io
import logging
import sys
import threading
from collections.abc import Iterator
from typing import TextIO

from app.plugins._context import PLUGIN_LOGGER

#: The name of the plugin whose code runs in this context (None: the host's own code).
_running: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "sfdesk_running_plugin", default=None
)

_lock = threading.RLock()
_users = 0
_saved: tuple[TextIO, TextIO] | None = None
_inside = threading.local()  # set while a line is being logged: never log the log


@contextlib.contextmanager
def running_plugin(name: str) -> Iterator[None]:
    """Mark the code run inside as plugin `name`'s (for the routing of its output)."""
    token = _running.set(name)
    try:
        yield
    finally:
        _running.reset(token)


class _LoggingStream(io.TextIOBase):
    """A text stream that logs each complete line it is given (see the module docstring)."""

    def __init__(self, level: int, fallback: TextIO) -> None:
        self._level = level
        self._fallback = fallback
        self._partial: dict[str | None, str] = {}

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        if getattr(_inside, "active", False):
            # A handler that writes to sys.stderr lazily (logging.lastResort) ends up here.
            return self._fallback.write(text)
        plugin = _running.get()
        with _lock:
            lines = (self._partial.pop(plugin, "") + text).split("\n")
            if lines[-1]:
                self._partial[plugin] = lines[-1]
        for line in lines[:-1]:
            self._log(plugin, line)
        return len(text)

    def flush(self) -> None:
        with _lock:
            pending, self._partial = self._partial, {}
        for plugin, line in pending.items():
            self._log(plugin, line)

    def _log(self, plugin: str | None, line: str) -> None:
        name = PLUGIN_LOGGER if plugin is None else f"{PLUGIN_LOGGER}.{plugin}"
        _inside.active = True
        try:
            logging.getLogger(name).log(self._level, "%s", line.rstrip("\r"))
        finally:
            _inside.active = False


@contextlib.contextmanager
def plugin_output() -> Iterator[TextIO]:
    """Route printed output into loggers while active (nests; the outermost restores the real
    streams). Yields the real stdout, where the host writes its JSON lines."""
    global _users, _saved
    with _lock:
        if _users == 0:
            _saved = (sys.stdout, sys.stderr)
            sys.stdout = _LoggingStream(logging.INFO, _saved[0])
            sys.stderr = _LoggingStream(logging.WARNING, _saved[1])
        _users += 1
        assert _saved is not None
        real_stdout = _saved[0]
    try:
        yield real_stdout
    finally:
        with _lock:
            _users -= 1
            if _users == 0 and _saved is not None:
                for stream in (sys.stdout, sys.stderr):
                    stream.flush()
                # Someone else may have swapped the streams meanwhile (a test's capture).
                if isinstance(sys.stdout, _LoggingStream):
                    sys.stdout = _saved[0]
                if isinstance(sys.stderr, _LoggingStream):
                    sys.stderr = _saved[1]
                _saved = None


def json_stdout() -> TextIO:
    """Where a host writes its JSON lines: the real stdout (also while plugins' output is
    redirected)."""
    with _lock:
        return _saved[0] if _saved is not None else sys.stdout
