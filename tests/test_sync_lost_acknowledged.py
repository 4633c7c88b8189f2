"""Typesense acknowledges a write it does not keep: the worker notices and rebuilds the collection.

A Typesense restart that replays its log while it already takes writes can leave a document
that the export lists but no delete by id reaches (it answers 404). Pushing the delete again
changes nothing; only a rebuild of the collection from the database clears it. The fault is
injected by an index that acknowledges one document's delete without sending it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from test_sync_outbox import service_modules
from typesense_server import (
    ADMIN,
    HEALTH_DETAILS,
    SERVICE_KEYS,
    TypesenseServer,
    collection_items,
    database_items,
    in_sync,
    outbox_depth,
    wait_until,
)

pytest_plugins = ["typesense_server"]


class Messages(logging.Handler):
    """What the service's sync logger said (it does not propagate to pytest's capture)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())

    def rebuilt(self) -> list[str]:
        return [m for m in self.messages if "still differs" in m]


@pytest.fixture
def sync_log() -> Any:
    handler = Messages()
    logger = logging.getLogger("app.sync")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def register(client: TestClient, service_id: str) -> None:
    body = {
        "id": service_id,
        "name": f"Service {service_id}",
        "description": "d",
        "openapi_url": "https://x.example/o.json",
    }
    assert client.post("/services/register", json=body, headers=ADMIN).status_code == 201


@pytest.fixture
def synced(
    typesense_server: TypesenseServer,
    generated_service: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[TestClient, Path]]:
    """The generated app in this process with sync on, and its SQLite file."""
    for name, value in typesense_server.env().items():
        monkeypatch.setenv(name, value)
    database = tmp_path / "synced.db"
    with service_modules(generated_service):
        from app.core.config import Settings
        from app.core.db import Database
        from app.main import create_app

        app = create_app(
            Settings.from_env({**SERVICE_KEYS, **HEALTH_DETAILS}),
            database=Database(f"sqlite:///{database}"),
        )
        with TestClient(app) as client:
            yield client, database


def test_a_delete_typesense_acknowledged_but_kept_is_healed_by_a_rebuild(
    typesense_server: TypesenseServer,
    synced: tuple[TestClient, Path],
    monkeypatch: pytest.MonkeyPatch,
    sync_log: Messages,
) -> None:
    client, database = synced
    for service_id in ("kept", "ghost", "other"):
        register(client, service_id)
    wait_until(lambda: in_sync(typesense_server, database), 10)
    worker = client.app.state.sync.worker
    worker.stop()  # the test drives each round itself from here on

    index = worker.index
    honest_push = index.push

    def push(c: Any, upserts: list[dict[str, Any]], deletes: list[str]) -> Any:
        results = honest_push(c, upserts, [key for key in deletes if key != "ghost"])
        if "ghost" in deletes:
            results["ghost"] = None  # acknowledged, not done
        return results

    monkeypatch.setattr(index, "push", push)
    assert client.delete("/services/delete/ghost", headers=ADMIN).status_code == 200
    assert worker.drain_once() == 1
    assert outbox_depth(database) == 0
    assert "ghost" in (collection_items(typesense_server) or {})

    worker.check()  # one document too many, nothing waiting: compared, queued again
    assert outbox_depth(database) == 1
    assert worker.drain_once() == 1  # acknowledged again, still not done
    assert "ghost" in (collection_items(typesense_server) or {})
    assert sync_log.rebuilt() == []

    worker.check()  # the same document differs after its push: the collection is rebuilt
    rebuilt = sync_log.rebuilt()
    assert len(rebuilt) == 1, rebuilt
    assert "1 documents of services" in rebuilt[0]
    assert in_sync(typesense_server, database)
    assert sorted(database_items(database)) == ["kept", "other"]
    # one physical collection is left, named by the alias
    names = [c["name"] for c in typesense_server.client().collections.retrieve()]
    assert len([n for n in names if n.startswith("services-")]) == 1


def test_a_document_changed_again_before_its_push_is_not_taken_for_a_lost_write(
    typesense_server: TypesenseServer, synced: tuple[TestClient, Path], sync_log: Messages
) -> None:
    client, database = synced
    for service_id in ("a", "b"):
        register(client, service_id)
    wait_until(lambda: in_sync(typesense_server, database), 10)
    worker = client.app.state.sync.worker
    worker.stop()
    typesense_server.client().collections["services"].documents["a"].delete()
    worker.check()  # drift behind the worker's back: queued
    assert outbox_depth(database) == 1
    assert client.delete("/services/delete/b", headers=ADMIN).status_code == 200
    worker.check()  # b waits in the outbox: not compared, nothing rebuilt
    while worker.drain_once():
        pass
    assert in_sync(typesense_server, database)
    worker.check()
    assert sync_log.rebuilt() == []
