"""Concurrent creates on a generated service: no error, no collision, no lost write.

The service of tests/specs/concurrent_writes.yml (notes: integer ids the service makes;
labels: string ids clients send) runs under uvicorn on 127.0.0.1 with a real SQLite file;
10 clients send 20 creates each at the same time over real HTTP. Every create must be
acknowledged (201), every acknowledged id must be distinct and every acknowledged item must
read back as it was answered. The full size (50 x 40) and its figures are bench/concurrency.py.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import REPO
from e2e_server import Server, generate
from load import collisions, create_concurrently, errors, lost_writes

SPEC = REPO / "tests" / "specs" / "concurrent_writes.yml"
CLIENTS = 10
PER_CLIENT = 20


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("concurrent")
    generate(SPEC, root / "out")
    return root / "out"


@pytest.fixture(scope="module")
def service(generated: Path) -> Iterator[Server]:
    with Server(generated, {}, generated.parent / "writes.db") as server:
        yield server


def test_creates_with_ids_the_service_makes(service: Server) -> None:
    outcomes, _ = create_concurrently(
        service.url, "/notes", lambda c, n: {"text": f"note {c}-{n}"}, CLIENTS, PER_CLIENT
    )
    assert len(outcomes) == CLIENTS * PER_CLIENT
    assert errors(outcomes) == []
    assert collisions(outcomes) == {}
    assert sorted(o.answer["text"] for o in outcomes) == sorted(o.body["text"] for o in outcomes)
    assert lost_writes(service.url, "/notes/{id}", outcomes) == []
    listed = httpx.get(f"{service.url}/notes", timeout=30).json()
    assert {n["id"] for n in listed} >= {o.answer["id"] for o in outcomes}


def test_creates_with_ids_clients_send(service: Server) -> None:
    outcomes, _ = create_concurrently(
        service.url,
        "/labels",
        lambda c, n: {"id": f"label-{c}-{n}", "text": f"label {c}-{n}"},
        CLIENTS,
        PER_CLIENT,
    )
    assert errors(outcomes) == []
    assert collisions(outcomes) == {}
    assert all(o.answer == o.body for o in outcomes)
    assert lost_writes(service.url, "/labels/{id}", outcomes) == []


def test_creates_of_the_same_ids_at_once_store_one_each(service: Server) -> None:
    """Every client sends the same 20 ids: one create of each wins, the others are refused
    with the declared 409, and the item stored is the one acknowledged."""
    outcomes, _ = create_concurrently(
        service.url,
        "/labels",
        lambda c, n: {"id": f"shared-{n}", "text": f"from client {c}"},
        CLIENTS,
        PER_CLIENT,
    )
    statuses: dict[str, list[int]] = defaultdict(list)
    for outcome in outcomes:
        statuses[outcome.body["id"]].append(outcome.status)
    assert len(statuses) == PER_CLIENT
    for item_id, answered in statuses.items():
        assert sorted(answered) == [201] + [409] * (CLIENTS - 1), (item_id, answered)
    acknowledged = [o for o in outcomes if o.status == 201]
    assert lost_writes(service.url, "/labels/{id}", acknowledged) == []


def test_the_database_file_is_in_wal_mode(service: Server) -> None:
    assert httpx.get(f"{service.url}/notes", timeout=30).status_code == 200
    database = service.env["DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_a_write_that_never_gets_the_lock_is_answered_503_then_the_next_one_passes(
    generated: Path,
) -> None:
    """Another process holds the database's write lock past every retry: 503 with
    Retry-After, never 500, nothing stored; once the lock is released, writes pass."""
    database = generated.parent / "locked.db"
    settings = {"DATABASE_BUSY_TIMEOUT_MS": "20", "DATABASE_LOCK_RETRIES": "2"}
    with Server(generated, settings, database) as server:
        assert httpx.get(f"{server.url}/notes", timeout=30).json() == []  # the schema is made
        other = sqlite3.connect(database, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            refused = httpx.post(f"{server.url}/notes", json={"text": "locked"}, timeout=30)
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert refused.status_code == 503, refused.text
        assert refused.headers["retry-after"] == "1"
        assert "database" in refused.text and "Traceback" not in refused.text
        created = httpx.post(f"{server.url}/notes", json={"text": "free"}, timeout=30)
        assert created.status_code == 201, created.text
        assert httpx.get(f"{server.url}/notes", timeout=30).json() == [created.json()]
