"""The store lock: one `SQLiteStorage` per file at a time, its holder written beside it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from storage_helpers import SCHEMA

from app.protocol import ErrorCode, ProtocolError
from app.storage import SQLiteStorage, StoreInUse, StoreLock


def test_a_second_opener_is_refused_until_the_first_closes(tmp_path: Path) -> None:
    path = tmp_path / "faces.sqlite"
    first = SQLiteStorage(path, default_schema=SCHEMA, background_index=False)
    owner = json.loads(Path(f"{path}.owner").read_text())
    assert owner["pid"] == os.getpid() and owner["url"] is None and owner["since"]
    with pytest.raises(StoreInUse) as info:
        SQLiteStorage(path, default_schema=SCHEMA, background_index=False)
    assert info.value.code is ErrorCode.STORAGE_ERROR
    assert info.value.holder.pid == os.getpid()
    assert "already open in this process" in info.value.reason
    first.close()
    assert not Path(f"{path}.owner").exists()
    SQLiteStorage(path, default_schema=SCHEMA, background_index=False).close()


def test_another_process_is_named_and_its_end_frees_the_store(tmp_path: Path) -> None:
    path = tmp_path / "faces.sqlite"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from app.storage import StoreLock; "
            "lock = StoreLock.acquire(Path(sys.argv[1])); lock.record('http://127.0.0.1:9'); "
            "print('locked', flush=True); time.sleep(600)",
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(StoreInUse) as info:
            StoreLock.acquire(path)
        assert (info.value.holder.pid, info.value.holder.url) == (holder.pid, "http://127.0.0.1:9")
        assert (
            f"pid {holder.pid}" in info.value.reason and "http://127.0.0.1:9" in info.value.reason
        )
    finally:
        holder.kill()
        holder.wait(30)
        if holder.stdout is not None:
            holder.stdout.close()
    StoreLock.acquire(path).release()  # a killed holder's lock is gone with it


def test_an_unusable_directory_is_storage_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(ProtocolError) as info:
        StoreLock.acquire(tmp_path / "file" / "faces.sqlite")
    assert info.value.code is ErrorCode.STORAGE_ERROR and "is unusable" in info.value.reason
