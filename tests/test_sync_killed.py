"""A service killed with writes still in its outbox resumes them after a restart."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from test_sync_outage import mixed_writes
from typesense_server import (
    ServiceProcess,
    TypesenseServer,
    database_items,
    describe_difference,
    in_sync,
    outbox_depth,
    wait_in_sync,
    wait_until,
)

pytest_plugins = ["typesense_server"]
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def outbox_rows(database: Path) -> list[tuple[object, ...]]:
    """What is left in the outbox (document, operation, attempts, next attempt, lease), to explain a failure."""
    with sqlite3.connect(database) as connection:
        return connection.execute(
            "SELECT document_id, operation, attempts, next_attempt_ns, lease_owner, lease_until_ns, last_error"
            " FROM sync_outbox ORDER BY id"
        ).fetchall()


def test_sigkill_with_pending_writes_then_restart(
    typesense_server: TypesenseServer, service_factory: Callable[..., ServiceProcess]
) -> None:
    service = service_factory(typesense_server.env())
    service.start()
    mixed_writes(service, 10, seed=11)
    wait_until(lambda: in_sync(typesense_server, service.database), 10)

    typesense_server.stop()
    mixed_writes(service, 40, seed=12)
    wait_until(lambda: service.health()["sync"]["outbox"]["attempts"] >= 1, 15)
    pending = outbox_depth(service.database)
    assert pending > 0
    service.kill()
    assert (
        outbox_depth(service.database) == pending
    )  # the outbox is in the database, not in the process

    typesense_server.start()
    restarted = service_factory(typesense_server.env(), database=service.database)
    restarted.start()
    try:
        wait_until(lambda: in_sync(typesense_server, service.database), 30, interval=0.2)
    except AssertionError:
        raise AssertionError(
            describe_difference(typesense_server, service.database)
            + f"\noutbox: {outbox_rows(service.database)}\n"
            + restarted.log()
        ) from None
    wait_until(lambda: outbox_depth(service.database) == 0, 5)


def test_drift_behind_the_services_back_is_repaired_after_typesense_returns(
    typesense_server: TypesenseServer, service_factory: Callable[..., ServiceProcess]
) -> None:
    """Typesense can come back from a restart with a document the outbox already deleted (or
    without one it acknowledged). After each (re)connection, once nothing is due, the worker
    compares the collection with the database once and queues what differs."""
    # no survey while idle during the test: the drift below must wait for the reconnection
    service = service_factory({**typesense_server.env(), "TYPESENSE_SYNC_CHECK_INTERVAL": "600"})
    service.start()
    mixed_writes(service, 6, seed=21)
    wait_until(lambda: in_sync(typesense_server, service.database), 10)
    # the comparison after connecting is done: the drift below is left for the next one
    wait_until(lambda: service.health()["sync"]["worker"]["verified"] is True, 10)
    documents = typesense_server.client().collections["services"].documents
    kept = min(database_items(service.database))
    documents[kept].delete()  # a write Typesense lost
    documents.upsert(
        {"id": "svc-stray", "name": "Stray", "description": "", "openapi_url": "", "tags": []}
    )
    assert not in_sync(typesense_server, service.database)

    typesense_server.stop()
    mixed_writes(service, 2, seed=22)  # the worker finds Typesense gone
    wait_until(lambda: service.health()["sync"]["worker"]["reachable"] is False, 15)
    typesense_server.start()
    wait_in_sync(typesense_server, service.database, service.log)
