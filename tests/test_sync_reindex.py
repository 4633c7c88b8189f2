"""``python -m app.sync reindex`` rebuilds the collections from the database; ``status`` reports the outbox."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from test_sync_outage import mixed_writes
from typesense_server import (
    ServiceProcess,
    TypesenseServer,
    collection_items,
    database_items,
    in_sync,
    wait_until,
)

pytest_plugins = ["typesense_server"]
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def drop_collection(server: TypesenseServer, alias: str) -> None:
    client = server.client()
    physical = client.aliases[alias].retrieve()["collection_name"]
    client.collections[physical].delete()
    client.aliases[alias].delete()


def test_reindex_restores_a_deleted_collection(
    typesense_server: TypesenseServer, service_factory: Callable[..., ServiceProcess]
) -> None:
    service = service_factory(typesense_server.env())
    service.start()
    mixed_writes(service, 30, seed=21)
    wait_until(lambda: in_sync(typesense_server, service.database), 10)
    service.stop()

    drop_collection(typesense_server, "services")
    assert collection_items(typesense_server) is None

    result = service.sync_command("reindex")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "services:" in result.stdout
    assert collection_items(typesense_server) == database_items(service.database)
    assert database_items(service.database)  # not trivially equal

    status = service.sync_command("status")
    assert status.returncode == 0, status.stderr
    assert "outbox depth: 0" in status.stdout
    assert "oldest pending write: none" in status.stdout


def test_reindex_while_the_service_runs_and_writes(
    typesense_server: TypesenseServer, service_factory: Callable[..., ServiceProcess]
) -> None:
    """A rebuild racing live writes still ends equal to the database (the switch is verified)."""
    service = service_factory(typesense_server.env())
    service.start()
    mixed_writes(service, 20, seed=31)
    result = service.sync_command("reindex")
    assert result.returncode == 0, result.stdout + result.stderr
    mixed_writes(service, 20, seed=32)
    wait_until(lambda: in_sync(typesense_server, service.database), 15)
    aliases = {a["name"] for a in typesense_server.client().aliases.retrieve()["aliases"]}
    assert aliases == {"services", "interactions"}
    physicals = [c["name"] for c in typesense_server.client().collections.retrieve()]
    assert len(physicals) == 2  # the replaced collections are gone


def test_status_while_typesense_is_down(
    typesense_server: TypesenseServer, service_factory: Callable[..., ServiceProcess]
) -> None:
    service = service_factory(typesense_server.env())
    service.start()
    wait_until(lambda: service.health()["sync"]["worker"]["ready"] is True, 10)
    typesense_server.stop()
    mixed_writes(service, 5, seed=41)
    wait_until(lambda: service.health()["sync"]["outbox"]["attempts"] >= 1, 15)
    status = service.sync_command("status")
    assert status.returncode == 0, status.stderr
    lines = dict(line.split(": ", 1) for line in status.stdout.splitlines())
    assert int(lines["outbox depth"].split()[0]) > 0
    assert lines["oldest pending write"] != "none"
    assert lines["last error"] != "none"
    assert int(lines["attempts"].split()[0]) >= 1
