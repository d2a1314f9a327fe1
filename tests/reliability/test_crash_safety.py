"""Crash safety: SIGKILL the server at random moments of mixed add/update/delete traffic.

Four client threads each own a range of face ids and keep the acknowledged state of every id
(present with the meta of the last acknowledged answer, or deleted). The server is killed after
a random delay, restarted on the same SQLite file, and then:

- every acknowledged add is present with the meta of its last acknowledged update;
- every acknowledged delete is gone; no id that was never sent exists;
- a request in flight at the kill left its face either as before or as requested, nothing else;
- the API and the SQLite file list the same faces, and searches (threshold and top-k) equal an
  exact numpy scan of the vectors in the SQLite file.

`SFDESK_CRASH_KILLS` sets the number of kills (CI: 5); `SFDESK_CRASH_SEED` the random seed.
"""

from __future__ import annotations

import http.client
import math
import os
import random
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from reliability_harness import Start
from server_harness import Http, ServerProcess

from app.protocol import confidence_from_cosine, cosine_from_confidence

KILLS = int(os.environ.get("SFDESK_CRASH_KILLS", "5"))
SEED = int(os.environ.get("SFDESK_CRASH_SEED", "8"))
THREADS = 4
DATABASE = "sfdesk.sqlite3"
ABSENT = None
POPULATION = 2000  # faces per client before adds slow down: searches stay below 10 000
Meta = dict[str, Any]


@dataclass
class Pending:
    """A request whose answer never came: the face is now either `before` or as `wanted`."""

    op: str
    before: Meta | None
    wanted: Meta


@dataclass
class Client:
    """One traffic thread's ids and what the server acknowledged for each."""

    index: int
    seeds: list[int]
    rng: random.Random
    acked: dict[int, Meta | None] = field(default_factory=dict)
    pending: dict[int, Pending] = field(default_factory=dict)
    next_id: int = 0
    answered: int = 0
    acks: dict[str, int] = field(default_factory=lambda: {"add": 0, "update": 0, "delete": 0})
    unanswered: int = 0
    failures: list[str] = field(default_factory=list)

    def new_id(self) -> int:
        self.next_id += 1
        return (self.index + 1) * 10**12 + self.next_id

    def step(self, http: Http) -> None:
        present = [i for i, m in self.acked.items() if m is not ABSENT]
        roll = self.rng.random()
        meta = {"person_id": self.rng.randrange(10**6), "name": f"n{self.rng.randrange(99)}"}
        adds = 0.45 if len(present) < POPULATION else 0.2  # keep searches below their limit
        if len(present) < 5 or roll < adds:
            face_id, op, before = self.new_id(), "add", None
            body = {"from": f"faces/src/{self.rng.choice(self.seeds)}", "meta": meta}
            call = lambda: http.post(f"/v2/galleries/crash/faces/{face_id}", json_body=body)  # noqa: E731
        elif roll < 0.8:
            face_id, op = self.rng.choice(present), "update"
            before = self.acked[face_id]
            call = lambda: http.patch(  # noqa: E731
                f"/v2/galleries/crash/faces/{face_id}", json_body={"meta": meta}
            )
        else:
            face_id, op = self.rng.choice(present), "delete"
            before = self.acked[face_id]
            call = lambda: http.delete(f"/v2/galleries/crash/faces/{face_id}")  # noqa: E731
        self.pending[face_id] = Pending(op, before, meta)
        reply = call()  # raises when the server dies
        del self.pending[face_id]
        if reply.status not in (200, 204):
            self.failures.append(f"{op} {face_id}: HTTP {reply.status} {reply.body!r}")
            return
        self.acked[face_id] = ABSENT if op == "delete" else reply.json["meta"]
        self.answered += 1
        self.acks[op] += 1

    def run(self, http: Http, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.step(http)
            except (OSError, http_client_errors):
                return


http_client_errors = http.client.HTTPException


def possible(p: Pending) -> list[Meta | None]:
    """The states a face may be in after the request `p` got no answer."""
    if p.op == "delete":
        return [p.before, ABSENT]
    if p.op == "update":
        assert p.before is not None
        return [p.before, {**p.before, **p.wanted}]
    return [ABSENT, "added"]  # type: ignore[list-item]  # added: meta checked against wanted


def stored_vectors(data_dir: Path, gallery: str) -> dict[int, np.ndarray]:
    """Face id -> vector, read straight from the SQLite file (read-only)."""
    uri = f"file:{data_dir / DATABASE}?mode=ro"
    with sqlite3.connect(uri, uri=True) as conn:
        rows = conn.execute(
            "SELECT fid, vector FROM face JOIN gallery USING (gid) WHERE name = ?", (gallery,)
        ).fetchall()
    return {fid + 2**63: np.frombuffer(vec, dtype="<f4") for fid, vec in rows}


def list_all(http: Http) -> dict[int, Meta]:
    """Every face of gallery `crash` (id -> meta), page by page."""
    faces: dict[int, Meta] = {}
    params = {"limit": "1000"}
    while True:
        page = http.get("/v2/galleries/crash/faces", params=params).json
        faces.update((f["id"]["face"], f["meta"]) for f in page["faces"])
        if page["next_page"] is None:
            return faces
        params = {"limit": "1000", "page": page["next_page"]}


def check_state(http: Http, clients: list[Client]) -> None:
    """Compare the listed faces with the acknowledged state; resolve the pending requests."""
    listed = list_all(http)
    known: set[int] = set()
    for client in clients:
        for face_id, meta in client.acked.items():
            known.add(face_id)
            if face_id in client.pending:
                continue
            assert listed.get(face_id) == meta, (face_id, meta, listed.get(face_id))
        for face_id, p in client.pending.items():
            known.add(face_id)
            now = listed.get(face_id)
            if p.op == "add" and now is not None:
                assert {k: now[k] for k in p.wanted} == p.wanted, (face_id, now, p)
            else:
                assert now in possible(p), (face_id, now, p)
            client.acked[face_id] = now
        client.unanswered += len(client.pending)
        client.pending.clear()
    assert set(listed) <= known, f"faces nobody added: {sorted(set(listed) - known)[:5]}"


def check_search(http: Http, data_dir: Path, seeds: list[int]) -> None:
    """API listings and searches equal an exact scan of the vectors in the SQLite file."""
    vectors = stored_vectors(data_dir, "crash")
    assert set(list_all(http)) == set(vectors)
    assert len(vectors) < 10000  # every search below fits in one answer
    if not vectors:
        return
    ids = np.array(list(vectors), dtype=np.uint64)
    matrix = np.stack(list(vectors.values())).astype(np.float64)
    probes = stored_vectors(data_dir, "src")
    for seed in seeds:
        cosines = matrix @ probes[seed].astype(np.float64)
        for threshold in (0.5, 0.9):
            cut = cosine_from_confidence(threshold)
            found = http.get(
                "/v2/galleries/crash/faces",
                params={"looks_like": f"faces/src/{seed}", "threshold": threshold, "limit": 10000},
            ).json["faces"]
            got = {f["id"]["face"]: f["confidence"] for f in found}
            clear = np.abs(cosines - cut) > 1e-5  # ignore float ties at the cut
            want = {int(i) for i, c, ok in zip(ids, cosines, clear, strict=True) if ok and c >= cut}
            assert want <= set(got), sorted(want - set(got))[:5]
            extra = {int(i) for i, ok in zip(ids, clear, strict=True) if ok} & (set(got) - want)
            assert not extra, sorted(extra)[:5]
            for face_id, confidence in got.items():
                exact = confidence_from_cosine(float(cosines[ids == face_id][0]))
                assert math.isclose(confidence, exact, abs_tol=1e-4)
        top = http.get(
            "/v2/galleries/crash/faces",
            params={"looks_like": f"faces/src/{seed}", "threshold": 0, "limit": 5},
        ).json["faces"]
        exact_top = sorted((confidence_from_cosine(float(c)) for c in cosines), reverse=True)[:5]
        assert np.allclose([f["confidence"] for f in top], exact_top, atol=1e-4)


def enroll_seeds(http: Http, faces_dir: Path) -> list[int]:
    """Gallery `src` with one face per photo (distinct people), gallery `crash` empty."""
    assert http.post("/v2/galleries/src").status == 200
    assert http.post("/v2/galleries/crash").status == 200
    seeds = []
    for n, name in enumerate(["obama1.jpg", "biden2.jpg", "kit_harington_john2.jpeg"], 1):
        photo = (faces_dir / "face_recognition" / name).read_bytes()
        det = http.post("/v2/detect", params={"facen": "on"}, body=photo, content_type="image/jpeg")
        face = max(det.json["faces"], key=lambda f: f["bbox"]["right"] - f["bbox"]["left"])
        reply = http.post(
            f"/v2/galleries/src/faces/{n}", json_body={"from": f"detection:{face['id']}"}
        )
        assert reply.status == 200, reply.body
        seeds.append(n)
    return seeds


def test_sigkill_during_mixed_writes_loses_nothing_acknowledged(
    start_server: Start, faces_dir: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    rng = random.Random(SEED)
    server: ServerProcess = start_server(data_dir=data)
    seeds = enroll_seeds(server.http(), faces_dir)
    clients = [Client(k, seeds, random.Random(rng.random())) for k in range(THREADS)]
    answered_before = 0
    for _ in range(KILLS):
        http = Http(server.url)
        stop = threading.Event()
        threads = [threading.Thread(target=c.run, args=(http, stop)) for c in clients]
        for thread in threads:
            thread.start()
        # Kill at a random moment, but only once this round has had some answers.
        delay = rng.uniform(0.2, 2.0)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (
            sum(c.answered for c in clients) < answered_before + 20
        ):
            time.sleep(0.01)
        time.sleep(delay)
        server.proc.kill()
        server.proc.wait(10)
        stop.set()
        for thread in threads:
            thread.join(30)
        assert not any(t.is_alive() for t in threads)
        assert sum(c.answered for c in clients) >= answered_before + 20
        answered_before = sum(c.answered for c in clients)
        server = start_server(data_dir=data)
        http = Http(server.url)
        check_state(http, clients)
        check_search(http, data, seeds)
    assert [f for c in clients for f in c.failures] == []
    acks = {op: sum(c.acks[op] for c in clients) for op in ("add", "update", "delete")}
    unanswered = sum(c.unanswered for c in clients)
    stored = sum(m is not ABSENT for c in clients for m in c.acked.values())
    print(
        f"crash safety: {KILLS} kills, acknowledged {acks}, {unanswered} unanswered at kills, "
        f"{stored} faces stored, 0 lost"
    )
