"""Process helpers of the server command: the stdout event stream and the parent watchdog."""

from __future__ import annotations

import json
import os
import sys
from typing import IO, Any


class EventStream:
    """One JSON object per line on the real stdout, for the process that started the server.

    Taking the stream moves everything else that would write to stdout (libraries, prints,
    native code) to stderr, so the parent only ever reads events.
    """

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    @classmethod
    def take_stdout(cls) -> EventStream:
        """Keep a private handle on fd 1 and point fd 1 and `sys.stdout` at stderr."""
        if sys.stdout is not None:  # None in a windowed (frozen) process without a console
            sys.stdout.flush()
        try:
            events = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
        except OSError:  # no stdout at all: nobody listens for events
            return cls(open(os.devnull, "w", encoding="utf-8"))
        try:
            os.dup2(2, 1)
            sys.stdout = sys.stderr
        except OSError:  # no stderr either: keep stdout as it is
            pass
        return cls(events)

    def emit(self, event: str, **fields: Any) -> None:
        """Write `{"event": event, **fields}` and flush."""
        self._stream.write(json.dumps({"event": event, **fields}) + "\n")
        self._stream.flush()

    def progress(self, stage: str) -> None:
        self.emit("progress", stage=stage)

    def error(self, code: str, reason: str, **fields: Any) -> None:
        self.emit("error", code=code, reason=reason, **fields)

    def __repr__(self) -> str:
        return f"EventStream({self._stream!r})"


def process_alive(pid: int) -> bool:
    """Whether the process `pid` still runs (used to follow `--parent-pid`)."""
    if sys.platform == "win32":
        import ctypes

        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)  # signal 0 only checks existence on POSIX
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
