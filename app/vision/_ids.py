"""Detection ids: 20-character lowercase base32hex (0-9a-v) strings in the style of "xid".

An id is 12 bytes (4-byte big-endian Unix time, 3 random bytes fixed per process, 2 bytes of
the process id, a 3-byte counter starting at a random value) written as 20 base32hex digits.
Ids sort roughly by creation time and are unique across threads and processes.
"""

from __future__ import annotations

import itertools
import os
import re
import secrets
import threading
import time

_ALPHABET = "0123456789abcdefghijklmnopqrstuv"
_MACHINE = secrets.token_bytes(3)
_counter = itertools.count(secrets.randbelow(1 << 24))
_lock = threading.Lock()

#: What a detection id looks like.
DETECTION_ID_RE = re.compile(r"^[0-9a-v]{20}$")


def _encode(raw: bytes) -> str:
    value = int.from_bytes(raw, "big") << 4  # 96 bits padded to 100 = 20 digits of 5 bits
    return "".join(_ALPHABET[(value >> shift) & 31] for shift in range(95, -1, -5))


def new_detection_id() -> str:
    """A fresh, unique detection id."""
    with _lock:
        count = next(_counter) & 0xFFFFFF
    pid = (os.getpid() & 0xFFFF).to_bytes(2, "big")  # read per call: correct after fork
    raw = int(time.time()).to_bytes(4, "big") + _MACHINE + pid + count.to_bytes(3, "big")
    return _encode(raw)


def is_detection_id(text: str) -> bool:
    """True when `text` has the shape of a detection id."""
    return bool(DETECTION_ID_RE.fullmatch(text))
