"""The search planner of the PostgreSQL backend: an exact scan, or HNSW candidates rescored.

A search takes one of two paths, and the caller rescores whatever rows it gets in float32:

* **exact**: PostgreSQL orders every row passing the filters by pgvector's inner product (a
  GIN/btree index path when the filters are selective, a parallel scan otherwise) and returns
  the best `limit + 64` above the threshold. The answer equals a numpy scan.
* **hnsw**: the gallery's HNSW index (see `_postgres_index`) proposes the `candidates` nearest
  rows passing the filters, found by pgvector 0.8's iterative scan (relaxed order: better
  recall, and the order is fixed by rescoring anyway), and rows above the threshold come back.
  Approximate: a true neighbour the graph search does not reach is missing (docs/scaling.md
  gives the measured recall: with the default graph every true match at 100k faces,
  97-99 % of them at 1M).

The hnsw path runs only when the gallery has a valid index and the filters, if any, pass more
than `exact_max_rows` faces. That is decided by a capped scan which is also the exact search:
it reads at most `exact_max_rows + 1` passing rows (through the filter's GIN/btree index when
it is selective) with their distances; when it ran out of rows first, it saw them all and its
best rows are the exact answer, otherwise the filter is broad and HNSW takes over (the price:
distances of `exact_max_rows` rows computed for nothing). pgvector traps handled here: a btree
or GIN index on a filtered field tempts the planner into a bitmap scan plus sort (exact and
slow), so the hnsw statement runs with `enable_sort = off`, which leaves the HNSW index scan as
the only way to deliver rows in distance order; and an iterative scan that gives up
(`max_scan_tuples`) returns fewer rows than asked, which sends the search down the exact path
("hnsw-short").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import psycopg
from psycopg import sql

from app.storage._postgres_index import MAX_HNSW_DIM, HnswBuild

SearchPath = Literal["exact", "exact-capped", "hnsw", "hnsw-short"]
Row = tuple[int, Any, Any, bytes]

#: Rows fetched beyond `limit` and the slack on the threshold, so that rescoring in float32
#: (whose sums differ from pgvector's in the last bits) sees every row that can make the page.
_RESCORE_EXTRA = 64
_RESCORE_SLACK = 1e-4
#: pgvector's largest `hnsw.ef_search`.
_MAX_EF_SEARCH = 1000


@dataclass(frozen=True)
class PostgresTuning:
    """When the PostgreSQL backend searches through HNSW, and how hard (tests lower these).

    By default it never does: every search is exact, as in the embedded backend. HNSW is an
    opt-in trade (server setting `postgres_hnsw_min_faces`): at 1M faces it answers in 80-135 ms
    instead of 0.6-0.9 s but finds only 97-99 % of the true matches (docs/scaling.md). An exact
    scan costs about 1 us per face (2 parallel workers), so below 50k faces an index would only
    cost insert speed.
    """

    #: Galleries with at least this many faces get an HNSW index and are searched through it
    #: (broad or no filters); None: no gallery does, every search is an exact scan.
    hnsw_min_faces: int | None = None
    #: Filters that pass at most this many faces are scanned exactly.
    exact_max_rows: int = 20_000
    #: HNSW candidates rescored per search: max(`candidate_floor`, `candidate_factor` x limit).
    candidate_floor: int = 200
    candidate_factor: int = 2
    #: pgvector's `hnsw.ef_search` (raised to the candidate count, at most 1000). At 1M
    #: clustered faces in the default graph, 400 / 1000 found 93 / 97 % of the true matches
    #: (36 / 80 ms): the most pgvector allows, as recall matters more than milliseconds.
    ef_search: int = 1000
    #: pgvector's `hnsw.max_scan_tuples`: how far an iterative scan may go before giving up.
    max_scan_tuples: int = 50_000
    #: How the graphs are built.
    build: HnswBuild = field(default_factory=HnswBuild)

    def candidates(self, limit: int) -> int:
        return max(self.candidate_floor, self.candidate_factor * limit)


def at_least(
    conn: psycopg.Connection[Any], condition: sql.Composable, params: list[Any], n: int
) -> bool:
    """Whether at least `n` faces pass `condition`; reads at most `n` of them."""
    row = conn.execute(
        sql.SQL("SELECT count(*) FROM (SELECT 1 FROM sfdesk_face WHERE {} LIMIT %s) s").format(
            condition
        ),
        [*params, n],
    ).fetchone()
    return row is not None and row[0] >= n


def wants_index(conn: psycopg.Connection[Any], gid: int, dim: int, tuning: PostgresTuning) -> bool:
    """Whether HNSW is on and the gallery big enough for an index (its dimension allows one)."""
    if tuning.hnsw_min_faces is None or dim > MAX_HNSW_DIM:
        return False
    return at_least(conn, sql.SQL("gid = %s"), [gid], tuning.hnsw_min_faces)


def exact_statement(
    condition: sql.Composable, params: list[Any], wire: str, min_cosine: float, limit: int
) -> tuple[sql.Composed, list[Any]]:
    """The exact scan: best `limit + 64` passing rows above the threshold (minus the slack)."""
    statement = sql.SQL(
        "SELECT fid, meta, features, vector_send(vector) FROM sfdesk_face "
        "WHERE {} AND (vector <#> %s::vector) <= %s "
        "ORDER BY vector <#> %s::vector, fid LIMIT %s"
    ).format(condition)
    return statement, [
        *params,
        wire,
        _RESCORE_SLACK - min_cosine,
        wire,
        limit + _RESCORE_EXTRA,
    ]


def capped_statement(
    gid: int,
    condition: sql.Composable,
    params: list[Any],
    wire: str,
    min_cosine: float,
    limit: int,
    cap: int,
) -> tuple[sql.Composed, list[Any]]:
    """The capped exact scan: the first column counts passing rows (at most `cap + 1`); while
    it is at most `cap`, the rest are the best `limit + 64` above the threshold."""
    statement = sql.SQL(
        "WITH p AS MATERIALIZED (SELECT fid, vector <#> %s::vector AS d FROM sfdesk_face "
        "WHERE {} LIMIT %s), n AS (SELECT count(*) AS total FROM p) "
        "SELECT n.total, f.fid, f.meta, f.features, vector_send(f.vector) "
        "FROM n LEFT JOIN sfdesk_face f ON n.total <= %s AND f.gid = %s AND f.fid = ANY(ARRAY("
        "SELECT fid FROM p WHERE d <= %s ORDER BY d, fid LIMIT %s))"
    ).format(condition)
    return statement, [
        wire,
        *params,
        cap + 1,
        cap,
        gid,
        _RESCORE_SLACK - min_cosine,
        limit + _RESCORE_EXTRA,
    ]


def hnsw_settings(tuning: PostgresTuning, candidates: int) -> tuple[sql.Composed, list[Any]]:
    """The transaction-local settings of the hnsw statement (one round trip)."""
    values = {
        "enable_sort": "off",
        "hnsw.iterative_scan": "relaxed_order",
        "hnsw.ef_search": str(min(_MAX_EF_SEARCH, max(tuning.ef_search, candidates))),
        "hnsw.max_scan_tuples": str(tuning.max_scan_tuples),
    }
    calls = sql.SQL(", ").join([sql.SQL("set_config(%s, %s, true)")] * len(values))
    return sql.SQL("SELECT {}").format(calls), [x for item in values.items() for x in item]


def hnsw_statement(
    condition: sql.Composable,
    params: list[Any],
    dim: int,
    wire: str,
    min_cosine: float,
    candidates: int,
) -> tuple[sql.Composed, list[Any]]:
    """HNSW candidates: the first column counts them, the rest are those above the threshold.

    The CTE is MATERIALIZED so the distance condition applies after the index scan (inside
    it, an iterative scan would walk on looking for more rows above the threshold).
    """
    statement = sql.SQL(
        "WITH c AS MATERIALIZED (SELECT fid, meta, features, vector, "
        "vector::vector({dim}) <=> %s::vector({dim}) AS d FROM sfdesk_face WHERE {condition} "
        "ORDER BY d LIMIT %s) "
        "SELECT n.total, c.fid, c.meta, c.features, vector_send(c.vector) "
        "FROM (SELECT count(*) AS total FROM c) n LEFT JOIN c ON c.d <= %s"
    ).format(dim=sql.Literal(dim), condition=condition)
    return statement, [wire, *params, candidates, 1.0 - min_cosine + _RESCORE_SLACK]


def search_rows(
    conn: psycopg.Connection[Any],
    indexed: bool,
    gid: int,
    dim: int,
    condition: sql.Composable,
    params: list[Any],
    filtered: bool,
    wire: str,
    min_cosine: float,
    limit: int,
    tuning: PostgresTuning,
) -> tuple[SearchPath, list[Row]]:
    """Rows to rescore (at least every row of the exact answer on the exact paths) and the path.

    The planner: HNSW when the gallery's index is valid (`indexed`) and the filters, if any,
    pass more than `exact_max_rows` faces.
    """
    if indexed and filtered:
        cap = tuning.exact_max_rows
        found = conn.execute(
            *capped_statement(gid, condition, params, wire, min_cosine, limit, cap)
        ).fetchall()
        if found[0][0] <= cap:
            return "exact-capped", [row[1:] for row in found if row[1] is not None]
    if indexed:
        candidates = tuning.candidates(limit)
        with conn.transaction():
            conn.execute(*hnsw_settings(tuning, candidates))
            found = conn.execute(
                *hnsw_statement(condition, params, dim, wire, min_cosine, candidates)
            ).fetchall()
        if found[0][0] >= candidates:
            return "hnsw", [row[1:] for row in found if row[1] is not None]
        path: SearchPath = "hnsw-short"
    else:
        path = "exact"
    return path, conn.execute(
        *exact_statement(condition, params, wire, min_cosine, limit)
    ).fetchall()
