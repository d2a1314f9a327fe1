"""The embedded sf-api server: a child process whose JSON-lines stdout reports its start-up."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QStandardPaths, Signal, Slot

log = logging.getLogger(__name__)

#: How long `stop()` waits after terminate before it kills.
STOP_TIMEOUT_MS = 5000
#: The `failed` code of a server that exited on its own after starting.
EXITED = "SERVER_EXITED"


def server_data_dir() -> Path:
    """Where the embedded server keeps its data: `<AppDataLocation>/server`."""
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base) / "server"


def server_command(data_dir: Path) -> tuple[str, list[str]]:
    """The program and arguments that start the server (the same executable when frozen)."""
    args = ["server", "--port", "0", "--host", "127.0.0.1", "--data", str(data_dir)]
    args += ["--parent-pid", str(os.getpid())]
    if getattr(sys, "frozen", False):
        return sys.executable, args
    return sys.executable, ["-m", "app", *args]


class EmbeddedServer(QObject):
    """Starts `python -m app server` and relays its events.

    Signals: `progress(stage)`, `ready(url, version)`, `failed(code, reason)` (start-up error or
    unexpected exit), `exited(code)` whenever the process ends.
    """

    progress = Signal(str)
    ready = Signal(str, str)
    failed = Signal(str, str)
    exited = Signal(int)

    def __init__(self, data_dir: Path | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.data_dir = data_dir or server_data_dir()
        self.url: str | None = None
        self._stopping = False
        self._reported_error = False
        self._buffer = b""
        self._stderr_tail: list[str] = []
        self.process = QProcess(self)
        self.process.readyReadStandardOutput.connect(self._on_stdout)
        self.process.readyReadStandardError.connect(self._on_stderr)
        self.process.finished.connect(self._on_finished)
        self.process.errorOccurred.connect(self._on_error)

    def start(self) -> None:
        """Launch the server process (returns at once; watch the signals)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        program, args = server_command(self.data_dir)
        self._stopping = False
        self._reported_error = False
        self.url = None
        log.info("starting the embedded server: %s %s", program, " ".join(args))
        self.progress.emit("starting the server process")
        self.process.start(program, args)

    @property
    def running(self) -> bool:
        """True while the process is alive."""
        return self.process.state() != QProcess.ProcessState.NotRunning

    def stop(self) -> None:
        """Terminate the process, and kill it if it has not exited after STOP_TIMEOUT_MS."""
        if not self.running:
            return
        self._stopping = True
        self.process.terminate()
        if not self.process.waitForFinished(STOP_TIMEOUT_MS):
            log.warning("the embedded server ignored terminate; killing it")
            self.process.kill()
            self.process.waitForFinished(STOP_TIMEOUT_MS)

    @Slot()
    def _on_stdout(self) -> None:
        self._buffer += bytes(self.process.readAllStandardOutput().data())
        *lines, self._buffer = self._buffer.split(b"\n")
        for line in lines:
            self._handle_line(line.decode("utf-8", "replace").strip())

    def _handle_line(self, line: str) -> None:
        if not line:
            return
        try:
            event = json.loads(line)
        except ValueError:
            log.debug("server: %s", line)
            return
        if not isinstance(event, dict):
            return
        kind = event.get("event")
        if kind == "progress":
            self.progress.emit(str(event.get("stage", "")))
        elif kind == "ready":
            self.url = str(event["url"])
            log.info("embedded server ready at %s", self.url)
            self.ready.emit(self.url, str(event.get("version", "")))
        elif kind == "error":
            self._reported_error = True
            self.failed.emit(str(event.get("code", "SERVER_ERROR")), str(event.get("reason", "")))

    @Slot()
    def _on_stderr(self) -> None:
        text = bytes(self.process.readAllStandardError().data()).decode("utf-8", "replace")
        self._stderr_tail = (self._stderr_tail + text.splitlines())[-20:]

    @Slot(int, QProcess.ExitStatus)
    def _on_finished(self, code: int, status: QProcess.ExitStatus) -> None:
        self.url = None
        if not self._stopping and not self._reported_error:
            crashed = status == QProcess.ExitStatus.CrashExit
            detail = "it crashed or was killed" if crashed else f"exit code {code}"
            log.warning("the embedded server stopped (%s); its last output: %s",
                        detail, " | ".join(self._stderr_tail[-5:]))
            self.failed.emit(EXITED, f"the embedded server stopped: {detail}")
        self.exited.emit(code)

    @Slot(QProcess.ProcessError)
    def _on_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self._reported_error = True
            self.failed.emit("SERVER_START_FAILED", self.process.errorString())

    def __repr__(self) -> str:
        return f"EmbeddedServer(url={self.url!r}, running={self.running})"
