"""One process per SQLite store: an exclusive OS lock held for the life of the process.

Two processes on one store file each keep their own in-memory index; they drift apart and their
writes can leave rows that no longer open. So whoever opens a store (`SQLiteStorage`, hence the
server, `storage migrate` and every other tool) first takes an exclusive lock on
`<store>.lock` (`fcntl.flock` on POSIX, `msvcrt.locking` on Windows). The OS releases it when
the process ends in any way, a crash or SIGKILL included, so a lock never outlives its holder.

Beside the lock, `<store>.owner` says who holds it, as one JSON object:
`{"pid": <int>, "command": "server" | "storage migrate" | ..., "url": <str or null>,
"since": "<ISO 8601 time>"}`; `url` is the address of a server holding it. The file is written
after the lock is taken, replaced whole and removed on release; it is only information (a
refused process reads it to name the holder) and may be stale after a crash.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.protocol import ErrorCode, ProtocolError

LOCK_SUFFIX = ".lock"
OWNER_SUFFIX = ".owner"
#: A refused opener waits this long at most for a new holder to write the owner file.
_OWNER_WAIT_S = 0.5


@dataclass(frozen=True)
class LockHolder:
    """The process that holds a store's lock, as its owner file says (fields may be None)."""

    pid: int | None = None
    command: str | None = None
    url: str | None = None
    since: str | None = None

    def describe(self) -> str:
        """`pid 1234, server at http://127.0.0.1:18411` (or what is known of it)."""
        parts = [f"pid {self.pid}" if self.pid is not None else "pid unknown"]
        if self.command:
            parts.append(self.command + (f" at {self.url}" if self.url else ""))
        elif self.url:
            parts.append(self.url)
        return ", ".join(parts)


class StoreInUse(ProtocolError):
    """The store is open in another process (or by another object of this one)."""

    def __init__(self, store: Path, holder: LockHolder) -> None:
        if holder.pid == os.getpid():
            reason = f"the store {store} is already open in this process"
        else:
            reason = (
                f"the store {store} is in use by another sfdesk process ({holder.describe()}); "
                "stop it first, or use another data directory"
            )
        super().__init__(ErrorCode.STORAGE_ERROR, reason)
        self.store = store
        self.holder = holder


def _command() -> str:
    """The sfdesk subcommand of this process (`server`, `storage migrate`), never its options."""
    words: list[str] = []
    for arg in sys.argv[1:]:
        if arg.startswith("-") or len(words) == 2:
            break
        words.append(arg)
    return " ".join(words) or Path(sys.argv[0] if sys.argv else "python").name


def read_holder(store: Path) -> LockHolder:
    """What `<store>.owner` says (an empty `LockHolder` when it is missing or unreadable)."""
    try:
        doc: Any = json.loads(Path(str(store) + OWNER_SUFFIX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return LockHolder()
    if not isinstance(doc, dict):
        return LockHolder()

    def field(name: str, kind: type) -> Any:
        value = doc.get(name)
        return value if isinstance(value, kind) and not isinstance(value, bool) else None

    return LockHolder(
        field("pid", int), field("command", str), field("url", str), field("since", str)
    )


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


class StoreLock:
    """The held lock of one store; `release()` (or the end of the process) gives it up."""

    def __init__(self, store: Path, fd: int, holder: LockHolder) -> None:
        self.store = store
        self.holder = holder
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, store: Path, *, url: str | None = None) -> StoreLock:
        """Lock `store` for this process, or raise `StoreInUse` naming the holder.

        An unusable directory (read-only, missing, not a directory) is STORAGE_ERROR.
        """
        store = Path(store)
        path = Path(str(store) + LOCK_SUFFIX)
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            where = "is on a read-only file system" if exc.errno == errno.EROFS else "is unusable"
            raise ProtocolError(
                ErrorCode.STORAGE_ERROR,
                f"the directory {store.parent} {where}: cannot create {path.name} ({exc.strerror})",
            ) from exc
        if not _try_lock(fd):
            os.close(fd)
            raise StoreInUse(store, cls._holder_of(store))
        since = datetime.now(UTC).isoformat(timespec="seconds")
        lock = cls(store, fd, LockHolder(os.getpid(), _command(), None, since))
        lock.record(url)
        return lock

    @staticmethod
    def _holder_of(store: Path) -> LockHolder:
        # The holder writes the owner file right after taking the lock: give it that moment.
        deadline = time.monotonic() + _OWNER_WAIT_S
        holder = read_holder(store)
        while holder.pid is None and time.monotonic() < deadline:
            time.sleep(0.05)
            holder = read_holder(store)
        return holder

    def record(self, url: str | None) -> None:
        """(Re)write the owner file, e.g. with the URL once a server knows it.

        Best effort: on a full disk the lock still protects the store, the file may be stale.
        """
        self.holder = LockHolder(self.holder.pid, self.holder.command, url, self.holder.since)
        owner = Path(str(self.store) + OWNER_SUFFIX)
        temporary = owner.with_name(f"{owner.name}.{os.getpid()}.tmp")
        try:
            temporary.write_text(json.dumps(asdict(self.holder)) + "\n", encoding="utf-8")
            os.replace(temporary, owner)
        except OSError:
            with contextlib.suppress(OSError):
                temporary.unlink()

    def release(self) -> None:
        """Give the lock up (idempotent). The lock file stays: removing it could let two
        processes lock two different files of the same name."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        with contextlib.suppress(OSError):  # still ours: nobody else can be writing it
            Path(str(self.store) + OWNER_SUFFIX).unlink()
        if sys.platform == "win32":
            import msvcrt

            with contextlib.suppress(OSError):
                os.lseek(fd, 0, os.SEEK_SET)
                msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        os.close(fd)  # on POSIX closing the descriptor releases the flock

    @property
    def held(self) -> bool:
        return self._fd is not None

    def __repr__(self) -> str:
        return f"StoreLock(store={str(self.store)!r}, held={self.held}, holder={self.holder!r})"
