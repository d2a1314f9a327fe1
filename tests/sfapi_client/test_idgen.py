"""The id generator: layout, per-process monotonicity, thread safety, distinct processes."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import threading

from app.sfapi_client import IdGenerator, idgen
from app.sfapi_client._idgen import EPOCH_MS, PREFIX_BITS, SEQUENCE_BITS


def _fields(value: int) -> tuple[int, int, int]:
    """(milliseconds since the epoch, prefix, sequence) of an id."""
    return (
        value >> (PREFIX_BITS + SEQUENCE_BITS),
        (value >> SEQUENCE_BITS) & ((1 << PREFIX_BITS) - 1),
        value & ((1 << SEQUENCE_BITS) - 1),
    )


def test_ids_are_positive_below_2_63_and_carry_the_time() -> None:
    gen = IdGenerator(clock=lambda: EPOCH_MS + 12_345)
    value = gen()
    assert 0 < value < 2**63
    ms, prefix, _ = _fields(value)
    assert ms == 12_345
    assert prefix == gen.prefix


def test_the_default_generator_is_monotonic() -> None:
    values = [idgen() for _ in range(5000)]
    assert values == sorted(values)
    assert len(set(values)) == len(values)


def test_a_used_up_millisecond_borrows_the_next() -> None:
    # A frozen clock: 3000 ids cannot fit one millisecond's 10-bit sequence.
    gen = IdGenerator(clock=lambda: EPOCH_MS + 1000)
    values = [gen() for _ in range(3000)]
    assert all(a < b for a, b in zip(values, values[1:], strict=False))
    assert _fields(values[-1])[0] > 1000


def test_a_clock_stepping_back_does_not_break_order() -> None:
    times = iter([EPOCH_MS + 500, EPOCH_MS + 100, EPOCH_MS + 100, EPOCH_MS + 600])
    gen = IdGenerator(clock=lambda: next(times))
    values = [gen() for _ in range(4)]
    assert values == sorted(values) and len(set(values)) == 4
    assert [_fields(v)[0] for v in values] == [500, 500, 500, 600]


def test_generators_with_different_prefixes_never_collide() -> None:
    # Same clock, same sequence start: only the prefix tells the processes apart.
    def make(prefix: int) -> IdGenerator:
        return IdGenerator(
            clock=lambda: EPOCH_MS + 7, randbits=lambda bits: prefix if bits == PREFIX_BITS else 0
        )

    a, b = make(1), make(2)
    assert {a() for _ in range(2000)}.isdisjoint({b() for _ in range(2000)})


def test_threads_get_unique_ids() -> None:
    gen = IdGenerator()
    results: list[list[int]] = [[] for _ in range(8)]

    def work(out: list[int]) -> None:
        out.extend(gen() for _ in range(2000))

    threads = [threading.Thread(target=work, args=(out,)) for out in results]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [v for out in results for v in out]
    assert len(set(every)) == len(every)
    assert all(out == sorted(out) for out in results)


def test_a_forked_child_draws_a_new_prefix_and_never_deadlocks() -> None:
    gen = IdGenerator()
    parent_prefix = _fields(gen())[1]
    read, write = os.pipe()
    with gen._lock:  # as if another thread were inside gen() at the moment of the fork
        pid = os.fork()
        if pid == 0:  # child: report the prefix of its next id and leave at once
            os.write(write, str(_fields(gen())[1]).encode())
            os._exit(0)
    os.close(write)
    ready, _, _ = select.select([read], [], [], 30)
    child_prefix = int(os.read(read, 64)) if ready else None
    os.close(read)
    if not ready:
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    assert child_prefix is not None, "the child deadlocked on the inherited lock"
    assert child_prefix != parent_prefix
    assert _fields(gen())[1] == parent_prefix


def test_a_restarted_process_continues_after_the_previous_one() -> None:
    code = "from app.sfapi_client import idgen; print(idgen())"
    first = int(subprocess.check_output([sys.executable, "-c", code]))
    second = int(subprocess.check_output([sys.executable, "-c", code]))
    assert first < second  # later restarts sort after earlier ones
    assert _fields(first)[0] <= _fields(second)[0]


def test_repr_shows_the_state() -> None:
    gen = IdGenerator(clock=lambda: EPOCH_MS + 3, randbits=lambda bits: 5)
    gen()
    assert repr(gen) == "IdGenerator(prefix=0x005, last_ms=3)"
