"""search_items: Typesense when sync is on, the database when it is off, the same items either way."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import Query, Request
from fastapi.testclient import TestClient
from test_sync_outbox import service_modules
from typesense_server import (
    ADMIN,
    HEALTH_DETAILS,
    SERVICE_KEYS,
    USER,
    TypesenseServer,
    free_port,
    wait_until,
)

pytest_plugins = ["typesense_server"]
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

CATALOGUE = [
    ("character-service", "Character Service", ["core", "stable"]),
    ("action-service", "Action Service", ["core"]),
    ("paraphrase-service", "Paraphrase Service", ["beta"]),
    ("percent-service", "100% Service", ["beta", "ai"]),
]


def search_app(directory: Path, database: Path) -> Any:
    """The generated app, plus a route calling search_items the way a search operation does."""
    from app.core.config import Settings
    from app.core.db import Database
    from app.crud.services import services_table
    from app.main import create_app
    from app.sync.search import search_items

    app = create_app(
        Settings.from_env({**SERVICE_KEYS, **HEALTH_DETAILS}),
        database=Database(f"sqlite:///{database}"),
    )

    def search(
        request: Request,
        q: str | None = None,
        tags: list[str] = Query(default=[]),  # noqa: B008 - FastAPI's own idiom
        limit: int | None = None,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        return search_items(
            request, services_table, q, filters={"tags": tags}, limit=limit, offset=offset
        )

    app.add_api_route("/_test/search", search, methods=["GET"])
    return app


@pytest.fixture
def searching(
    generated_service: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> Iterator[TestClient]:
    """A client of the app with sync set by the test's ``sync_env`` (off when it has none)."""
    for name in ("TYPESENSE_URL", "TYPESENSE_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in getattr(request, "param", {}).items():
        monkeypatch.setenv(name, value)
    with (
        service_modules(generated_service),
        TestClient(search_app(generated_service, tmp_path / "search.db")) as client,
    ):
        yield client


def fill(client: TestClient) -> None:
    for service_id, name, tags in CATALOGUE:
        body = {
            "id": service_id,
            "name": name,
            "description": f"{name} does things",
            "openapi_url": "https://x.example/o.json",
            "tags": tags,
        }
        assert client.post("/services/register", json=body, headers=ADMIN).status_code == 201


def ids(answer: Any) -> list[str]:
    assert answer.status_code == 200, answer.text
    return [item["id"] for item in answer.json()]


def test_search_from_the_database_when_sync_is_off(searching: TestClient) -> None:
    fill(searching)
    assert ids(searching.get("/_test/search", params={"q": "SERVICE"})) == [c[0] for c in CATALOGUE]
    assert ids(searching.get("/_test/search", params={"q": "charac"})) == ["character-service"]
    assert ids(searching.get("/_test/search", params={"q": "STABLE"})) == [
        "character-service"
    ]  # a tag
    assert ids(searching.get("/_test/search", params={"q": "action-serv"})) == [
        "action-service"
    ]  # the id
    assert ids(searching.get("/_test/search", params={"q": "100%"})) == ["percent-service"]
    assert ids(searching.get("/_test/search", params={"q": "%"})) == [
        "percent-service"
    ]  # wildcards are escaped
    assert ids(searching.get("/_test/search", params={"q": "_"})) == []
    assert ids(searching.get("/_test/search", params={"tags": ["beta"]})) == [
        "paraphrase-service",
        "percent-service",
    ]
    assert ids(
        searching.get("/_test/search", params={"q": "service", "limit": 2, "offset": 1})
    ) == [
        "action-service",
        "paraphrase-service",
    ]
    listed = searching.get("/services", headers=USER).json()["services"]
    assert searching.get("/_test/search").json() == listed  # the items as stored


def test_search_from_typesense_answers_the_same_items(
    typesense_server: TypesenseServer,
    generated_service: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in typesense_server.env().items():
        monkeypatch.setenv(name, value)
    with (
        service_modules(generated_service),
        TestClient(search_app(generated_service, tmp_path / "ts.db")) as client,
    ):
        fill(client)
        listed = client.get("/services", headers=USER).json()["services"]
        wait_until(lambda: compared_and_drained(client), 5)
        everything = client.get("/_test/search")
        assert everything.json() == listed  # same shape, same order (insertion) for an empty query
        assert ids(client.get("/_test/search", params={"q": "charcter"})) == [
            "character-service"
        ]  # typo-tolerant
        assert ids(client.get("/_test/search", params={"q": "paraphrase"})) == [
            "paraphrase-service"
        ]
        assert ids(client.get("/_test/search", params={"q": "stable"})) == [
            "character-service"
        ]  # a tag
        assert (
            ids(client.get("/_test/search", params={"q": "action-service"}))[0] == "action-service"
        )  # the id
        assert ids(client.get("/_test/search", params={"tags": ["beta"]})) == [
            "paraphrase-service",
            "percent-service",
        ]
        assert ids(client.get("/_test/search", params={"limit": 2, "offset": 1})) == [
            "action-service",
            "paraphrase-service",
        ]
        item = client.get("/_test/search", params={"q": "character"}).json()[0]
        assert item == next(i for i in listed if i["id"] == "character-service")

        # served by Typesense: an item Typesense does not hold yet is not found
        client.app.state.sync.worker.stop()
        body = {
            "id": "fresh",
            "name": "Freshly Registered",
            "description": "d",
            "openapi_url": "https://x.example/o.json",
        }
        assert client.post("/services/register", json=body, headers=ADMIN).status_code == 201
        assert ids(client.get("/_test/search", params={"q": "freshly"})) == []


def compared_and_drained(client: TestClient) -> bool:
    """The worker compared Typesense with the database and nothing waits: Typesense answers."""
    sync = client.get("/healthz").json()["sync"]
    return bool(sync["worker"]["verified"]) and sync["outbox"]["depth"] == 0


def test_after_a_restart_the_database_answers_until_typesense_is_compared(
    typesense_server: TypesenseServer,
    generated_service: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A Typesense that serves before it holds every write (a restart replaying its log) is not
    asked until the worker has compared it with the database and pushed what differed."""
    for name, value in typesense_server.env().items():
        monkeypatch.setenv(name, value)
    database = tmp_path / "restart.db"
    with service_modules(generated_service):
        with TestClient(search_app(generated_service, database)) as client:
            fill(client)
            wait_until(lambda: compared_and_drained(client), 10)
        # Typesense lost one document behind the service's back while it was down.
        typesense_server.client().collections["services"].documents["character-service"].delete()

        from app.sync.worker import SyncWorker

        compare, push = threading.Event(), threading.Event()
        verify, drain_once = SyncWorker._verify, SyncWorker.drain_once

        def held_verify(worker: SyncWorker) -> None:
            assert compare.wait(30)
            verify(worker)

        def held_drain(worker: SyncWorker) -> int:
            if worker.state.verified:
                assert push.wait(30)
            return drain_once(worker)

        monkeypatch.setattr(SyncWorker, "_verify", held_verify)
        monkeypatch.setattr(SyncWorker, "drain_once", held_drain)
        try:
            with TestClient(search_app(generated_service, database)) as client:
                # not compared yet: the database answers, with the item Typesense lacks
                assert ids(client.get("/_test/search", params={"q": "character"})) == [
                    "character-service"
                ]
                compare.set()
                wait_until(lambda: client.get("/healthz").json()["sync"]["worker"]["verified"], 10)
                # compared, what differed not pushed yet: still the database
                assert client.get("/healthz").json()["sync"]["outbox"]["depth"] == 1
                assert ids(client.get("/_test/search", params={"q": "character"})) == [
                    "character-service"
                ]
                assert ids(client.get("/_test/search", params={"q": "charcter"})) == []
                push.set()
                wait_until(lambda: compared_and_drained(client), 10)
                # pushed: Typesense answers again (typo-tolerant, which the database is not)
                assert ids(client.get("/_test/search", params={"q": "charcter"})) == [
                    "character-service"
                ]
        finally:
            compare.set()
            push.set()


def test_a_search_typesense_cannot_answer_is_a_502_with_the_attempt_count(
    generated_service: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TYPESENSE_URL", f"http://127.0.0.1:{free_port()}")  # nothing listens there
    monkeypatch.setenv("TYPESENSE_API_KEY", "key")
    monkeypatch.setenv("TYPESENSE_SYNC_BASE_BACKOFF", "0.05")
    monkeypatch.setenv("TYPESENSE_SYNC_MAX_BACKOFF", "0.2")
    with (
        service_modules(generated_service),
        TestClient(search_app(generated_service, tmp_path / "down.db")) as client,
    ):
        fill(client)  # every write succeeds
        assert client.get("/healthz").json()["sync"]["outbox"]["depth"] == len(CATALOGUE)
        wait_until(lambda: client.get("/healthz").json()["sync"]["last_error"] is not None, 5)
        answer = client.get("/_test/search", params={"q": "character"})
        assert answer.status_code == 502
        body = answer.json()
        assert set(body) <= {"errorCode", "retryAttempt", "message", "details"}
        assert body["errorCode"] == "typesense_unavailable"
        assert body["retryAttempt"] == client.get("/healthz").json()["sync"]["outbox"]["attempts"]
        assert (
            body["details"] == "Typesense cannot be reached"
        )  # a kind of failure, not the exception
        assert "127.0.0.1" not in answer.text and "Errno" not in answer.text
        assert client.get("/healthz").json()["status"] == "degraded"


def test_the_attempt_count_is_the_real_one(
    typesense_server: TypesenseServer,
    generated_service: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Pushes that failed while Typesense was down are counted, and the 502 reports that count."""
    for name, value in typesense_server.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("TYPESENSE_SYNC_BASE_BACKOFF", "0.05")
    monkeypatch.setenv("TYPESENSE_SYNC_MAX_BACKOFF", "0.2")
    with (
        service_modules(generated_service),
        TestClient(search_app(generated_service, tmp_path / "count.db")) as client,
    ):
        wait_until(lambda: client.get("/healthz").json()["sync"]["worker"]["ready"] is True, 10)
        typesense_server.stop()
        fill(client)
        wait_until(lambda: client.get("/healthz").json()["sync"]["outbox"]["attempts"] >= 1, 10)
        answer = client.get("/_test/search", params={"q": "character"})
        assert answer.status_code == 502
        attempts = answer.json()["retryAttempt"]
        assert attempts >= 1
        assert attempts <= client.get("/healthz").json()["sync"]["outbox"]["attempts"]
        typesense_server.start()
        wait_until(lambda: client.get("/healthz").json()["sync"]["outbox"]["depth"] == 0, 30)
        assert ids(client.get("/_test/search", params={"q": "character"})) == ["character-service"]


def test_the_spec_search_operation_when_the_service_has_one(
    typesense_server: TypesenseServer,
    generated_service: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """GET /services/search?q= (x-specfirst-operation: search) answers from Typesense, then from the database."""
    import json

    document = json.loads((generated_service / "openapi.json").read_text())
    searches = [
        (path, op)
        for path, item in document["paths"].items()
        for method, op in item.items()
        if method == "get" and isinstance(op, dict) and op.get("x-specfirst-operation") == "search"
    ]
    if not searches:
        pytest.skip("openapi3_1.yml has no search operation yet")
    path = searches[0][0]
    for name, value in typesense_server.env().items():
        monkeypatch.setenv(name, value)
    with (
        service_modules(generated_service),
        TestClient(search_app(generated_service, tmp_path / "spec.db")) as client,
    ):
        fill(client)
        wait_until(lambda: compared_and_drained(client), 5)
        answer = client.get(path, params={"q": "charcter"}, headers=USER)
        assert answer.status_code == 200, answer.text
        assert "character-service" in json.dumps(answer.json())
    monkeypatch.delenv("TYPESENSE_URL")
    with (
        service_modules(generated_service),
        TestClient(search_app(generated_service, tmp_path / "spec.db")) as client,
    ):
        answer = client.get(path, params={"q": "charac"}, headers=USER)
        assert answer.status_code == 200, answer.text
        assert "character-service" in json.dumps(answer.json())
    typesense_server.stop()
    monkeypatch.setenv("TYPESENSE_URL", typesense_server.url)
    with (
        service_modules(generated_service),
        TestClient(search_app(generated_service, tmp_path / "spec.db")) as client,
    ):
        answer = client.get(path, params={"q": "charac"}, headers=USER)
        assert answer.status_code == 502, answer.text
        assert answer.json()["errorCode"] == "typesense_unavailable"
        assert (
            answer.json()["retryAttempt"]
            == client.get("/healthz").json()["sync"]["outbox"]["attempts"]
        )
