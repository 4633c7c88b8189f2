"""With Typesense up, every write of the service reaches its collection (how soon: bench/bench_sync.py)."""

from __future__ import annotations

from collections.abc import Callable

from typesense_server import (
    ServiceProcess,
    TypesenseServer,
    collection_items,
    database_items,
    describe_difference,
    in_sync,
    wait_until,
)

pytest_plugins = ["typesense_server"]


def test_a_registered_service_becomes_searchable(
    typesense_server: TypesenseServer, service_factory: Callable[..., ServiceProcess]
) -> None:
    service = service_factory(typesense_server.env())
    service.start()
    wait_until(lambda: service.health()["sync"]["worker"]["ready"] is True, 10)
    client = typesense_server.client()

    assert (
        service.register("character-service", "Character Service", ["core", "stable"]).status_code
        == 201
    )

    def searchable() -> bool:
        found = client.collections["services"].documents.search(
            {"q": "character", "query_by": "name"}
        )
        return [hit["document"]["id"] for hit in found["hits"]] == ["character-service"]

    # how soon is measured in bench/bench_sync.py, not asserted here
    wait_until(searchable, 30.0, interval=0.01)

    # faceted tags, and the stored item comes back exactly
    faceted = client.collections["services"].documents.search(
        {"q": "*", "query_by": "name", "filter_by": "tags:=[core]", "facet_by": "tags"}
    )
    assert faceted["found"] == 1
    assert {c["value"] for c in faceted["facet_counts"][0]["counts"]} == {"core", "stable"}
    assert collection_items(typesense_server) == database_items(service.database)

    # updates and deletes follow just as fast
    assert service.update("character-service", "Persona Service", ["core"]).status_code == 200
    wait_until(lambda: in_sync(typesense_server, service.database), 1.0, interval=0.01)
    assert service.delete("character-service").status_code == 200
    wait_until(lambda: collection_items(typesense_server) == {}, 1.0, interval=0.01)

    # Typesense shows the delete a moment before the worker commits it done (and the one
    # comparison after connecting may have queued the item once more): the outbox empties
    # within the same second
    wait_until(lambda: service.health()["sync"]["outbox"]["depth"] == 0, 1.0, interval=0.01)
    figures = service.health()["sync"]
    assert figures["enabled"] is True
    assert figures["outbox"]["depth"] == 0
    assert figures["worker"]["synced_documents"] >= 3, describe_difference(
        typesense_server, service.database
    )


def test_interaction_logs_are_mirrored_with_flattened_nested_fields(
    typesense_server: TypesenseServer, service_factory: Callable[..., ServiceProcess]
) -> None:
    """The interactions log is a resource too: date-time as string plus int64 seconds, nested objects flattened."""
    service = service_factory(typesense_server.env())
    service.start()
    wait_until(lambda: service.health()["sync"]["worker"]["ready"] is True, 10)
    client = typesense_server.client()
    schema = client.collections["interactions"].retrieve()
    types = {f["name"]: f["type"] for f in schema["fields"]}
    assert types["timestamp"] == "string" and types["timestamp_ts"] == "int64"
    assert types["service_responses__service_name"] == "string[]"
    assert schema["name"].startswith("interactions-")  # the alias names a physical collection

    services = client.collections["services"].retrieve()
    assert {f["name"]: (f["type"], f["facet"]) for f in services["fields"]}["tags"] == (
        "string[]",
        True,
    )


def test_the_health_endpoint_stays_out_of_the_openapi_document(
    service_factory: Callable[..., ServiceProcess],
) -> None:
    service = service_factory()  # no TYPESENSE_URL: sync off, the service works
    service.start()
    assert "/healthz" not in service.http.get("/openapi.json").json()["paths"]
    assert service.register("a", "A").status_code == 201
    figures = service.health()["sync"]
    assert figures["enabled"] is False
    assert figures["outbox"]["depth"] == 1  # kept for a later enabled sync to catch up
    assert figures["worker"] is None
