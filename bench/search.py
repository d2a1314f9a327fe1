"""Benchmark of the embedded storage's similarity search against an exact numpy scan.

Run: `.venv/bin/python bench/search.py [--sizes 100000 1000000] [--probes 200] [--dir DIR]`.
Not a test: it prints numbers measured in this run and never asserts on time.

Data per size N: 512-d unit vectors with the anisotropic spectrum of real embeddings (per-dimension
std 1/sqrt(1+i/8)), grouped into identities of 1-4 photos (photos of one identity at cosine about
0.6-0.8 to each other), and probes that each have 1-5 planted true matches at cosine U(0.6, 0.8).
Meta: `cam` (string, 100 cameras), `age` (unsigned 0-99), `tags` (set[string], 0-3 of 20),
`ts` (unsigned timestamp). Filters: f1 = `cam in {cam-07}` (about 1 %; each probe's first match
is put on cam-07) and f50 = `age >= 50` (about 50 %). Every query: cosine >= 0.5, limit 100.

Reported: bulk insert rate; start-up time (open = exact answers possible, index = candidate codes
ready); resident memory; p50/p99 of `SQLiteStorage.query` (including fetching the faces from
SQLite) and of the numpy f32 baseline (`X @ q`, then mask, threshold, sort) for each filter; the
number of result sets that differ from the exact scan and the planted matches found; how the
searches were answered (exact scan, two-stage, or two-stage grown into an exact scan).
Targets on the 2-core reference machine at 1M: unfiltered p50 < 5 ms, filtered p50 < 15 ms,
0 differences, >= 10x faster than the numpy scan.
"""

from __future__ import annotations

import argparse
import gc
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from app.storage import (  # noqa: E402
    MetaField,
    MetaFilter,
    MetaType,
    NewFace,
    Query,
    SQLiteStorage,
    Storage,
)

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

    def __init__(self, n: int, n_probes: int, seed: int = 1) -> None:
        rng = np.random.default_rng(seed)
        # Identities of 1-4 photos: photo = cos * centre + ..., cos ~ U(0.78, 0.9).
        sizes = rng.integers(1, 5, n)
        owner = np.repeat(np.arange(n), sizes)[:n]
        centres = anisotropic(rng, int(owner[-1]) + 1)
        self.vectors = np.empty((n, DIM), np.float32)
        for lo in range(0, n, 100_000):
            hi = min(n, lo + 100_000)
            cos = rng.uniform(0.78, 0.9, hi - lo).astype(np.float32)
            self.vectors[lo:hi] = towards(rng, centres[owner[lo:hi]], cos)
        del centres
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


def numpy_scan(data: Data, probe: Matrix, mask: npt.NDArray[np.bool_]) -> list[int]:
    """The exact baseline: f32 scan of every row, then filter, threshold, sort and limit."""
    scores = data.vectors @ probe
    rows = np.flatnonzero(mask & (scores.astype(np.float64) >= THRESHOLD))
    order = np.lexsort((data.ids[rows], -scores[rows]))[:LIMIT]
    return [int(i) for i in data.ids[rows[order]]]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pct(samples: list[float], q: float) -> float:
    return float(np.percentile(samples, q))


def run(n: int, n_probes: int, workdir: Path) -> None:
    print(f"\n=== N = {n:,} faces, {n_probes} probes, threshold {THRESHOLD}, limit {LIMIT} ===")
    t0 = time.perf_counter()
    data = Data(n, n_probes)
    print(f"generated in {time.perf_counter() - t0:.1f} s; {data.planted} planted matches >= 0.5")
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
        store_ms, numpy_ms, differences, found, expected = compare_with_exact(
            store, "bench", data, filters, mask
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


def compare_with_exact(
    store: Storage,
    gallery: str,
    data: Data,
    filters: tuple[MetaFilter, ...],
    mask: npt.NDArray[np.bool_],
) -> tuple[list[float], list[float], int, int, int]:
    """Search every probe through `store` and with the numpy scan, timing both.

    Returns the store's and numpy's milliseconds, the number of probes whose result lists
    differ, and how many exact matches the store found out of how many there are.
    """
    store_ms: list[float] = []
    numpy_ms: list[float] = []
    differences = found = expected = 0
    for probe in data.probes:
        query = Query(
            meta_filters=filters,
            probe=probe,
            probe_model_pack=PACK,
            min_cosine=THRESHOLD,
            limit=LIMIT,
            sort="-confidence",
        )
        start = time.perf_counter()
        result = store.query(gallery, query)
        store_ms.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        exact = numpy_scan(data, probe, mask)
        numpy_ms.append((time.perf_counter() - start) * 1000)
        got = [f.id for f in result.faces]
        differences += got != exact
        found += len(set(got) & set(exact))
        expected += len(exact)
    return store_ms, numpy_ms, differences, found, expected


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--probes", type=int, default=200)
    parser.add_argument("--dir", type=Path, default=None, help="where the SQLite files go")
    args = parser.parse_args()
    workdir = args.dir or Path(tempfile.mkdtemp(prefix="sfdesk-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        for n in args.sizes:
            run(n, args.probes, workdir)
    finally:
        if args.dir is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
