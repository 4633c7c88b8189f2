"""Sync that tells the truth and mends itself: /healthz, the search 502, lost collections.

Real parts throughout: the generated service under uvicorn with its SQLite file, a real
Typesense server that is stopped, emptied and deleted from under the service.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from typesense_server import (
    USER,
    ServiceProcess,
    TypesenseServer,
    database_items,
    free_port,
    in_sync,
    wait_in_sync,
    wait_until,
)

from specfirst.runtime import health

pytest_plugins = ["typesense_server"]

FIELDS_OF_THE_502 = {"errorCode", "retryAttempt", "message", "details"}


def plain(service: ServiceProcess) -> dict[str, Any]:
    """/healthz as anyone sees it (the service runs without HEALTHZ_DETAILS)."""
    answer = service.http.get("/healthz")
    assert answer.status_code == 200
    return answer.json()


def leaks(text: str, *secrets: str) -> list[str]:
    """The internals an answer body must not carry."""
    words = ("127.0.0.1", "localhost", "Traceback", "Error:", "Errno", "http://", *secrets)
    return [word for word in words if word in text]


def test_typesense_restarted_empty_while_idle_is_filled_again_without_a_write(
    typesense_server: TypesenseServer, service_factory: Callable[..., ServiceProcess]
) -> None:
    service = service_factory(typesense_server.env())  # the default survey interval (10 s)
    service.start()
    for n in range(5):
        assert service.register(f"svc-{n}", f"Service {n}", ["core"]).status_code == 201
    wait_until(lambda: in_sync(typesense_server, service.database), 30)

    typesense_server.stop()
    shutil.rmtree(typesense_server.data_dir)  # it comes back with nothing: no collection, no alias
    typesense_server.start()

    # no write from here on: the idle worker notices and rebuilds from the database
    wait_in_sync(typesense_server, service.database, service.log)
    assert len(database_items(service.database)) == 5
    wait_until(lambda: service.health()["status"] == "ok", 30)
    search = service.http.get("/services/search", params={"q": "Service"}, headers=USER)
    assert search.status_code == 200 and len(search.json()["services"]) == 5


def test_a_collection_deleted_during_writes_is_recreated(
    typesense_server: TypesenseServer, service_factory: Callable[..., ServiceProcess]
) -> None:
    service = service_factory({**typesense_server.env(), "TYPESENSE_SYNC_CHECK_INTERVAL": "1"})
    service.start()
    wait_until(lambda: service.health()["sync"]["worker"]["ready"] is True, 30)
    client = typesense_server.client()
    written = threading.Event()
    errors: list[int] = []

    def write() -> None:
        for n in range(60):
            status = service.register(f"w-{n}", f"Writer {n}", ["beta"]).status_code
            if status != 201:
                errors.append(status)
            if n == 20:
                written.set()

    def current() -> str:
        return str(client.aliases["services"].retrieve()["collection_name"])

    writer = threading.Thread(target=write)
    writer.start()
    written.wait(30)
    physical = current()
    client.collections[physical].delete()  # the collection goes; the alias points at nothing
    writer.join(60)
    assert errors == []  # writes never wait for Typesense

    wait_in_sync(typesense_server, service.database, service.log)
    assert len(database_items(service.database)) == 60
    assert current() != physical

    wait_until(lambda: service.health()["status"] == "ok", 30)

    # lost once the writes are over: the idle worker's survey finds it, no write needed
    for lose in (
        lambda: client.aliases["services"].delete(),
        lambda: client.collections[current()].delete(),
    ):
        lose()  # (it may be back before anyone looks: the survey runs every second here)
        wait_until(lambda: in_sync(typesense_server, service.database), 30, interval=0.2)
    # a document lost behind the service's back: the count differs, the survey compares
    client.collections["services"].documents["w-7"].delete()
    wait_until(lambda: in_sync(typesense_server, service.database), 30, interval=0.2)
    wait_until(lambda: service.health()["status"] == "ok", 30)


def test_an_unreachable_typesense_is_degraded_and_searches_answer_502_without_internals(
    service_factory: Callable[..., ServiceProcess],
) -> None:
    port = free_port()  # nothing listens there
    service = service_factory(
        {
            "TYPESENSE_URL": f"http://127.0.0.1:{port}",
            "TYPESENSE_API_KEY": "a-key",
            "HEALTHZ_DETAILS": "",
            "TYPESENSE_SYNC_MAX_BACKOFF": "0.5",
        }
    )
    service.start()
    wait_until(lambda: plain(service) == {"status": "degraded"}, 30)
    assert "typesense sync is failing" in service.log()  # the log says what and where
    assert str(port) in service.log()

    assert service.register("a", "Anything", ["core"]).status_code == 201  # writes still succeed
    answer = service.http.get("/services/search", params={"q": "any"}, headers=USER)
    assert answer.status_code == 502, answer.text
    body = answer.json()
    assert set(body) <= FIELDS_OF_THE_502 and body["errorCode"] == "typesense_unavailable"
    assert body["details"] == "Typesense cannot be reached"
    assert leaks(answer.text, str(port), "a-key") == []
    assert leaks(service.http.get("/healthz").text, str(port), "a-key") == []


def test_a_url_without_a_key_is_reported_at_startup_and_degraded(
    typesense_server: TypesenseServer, service_factory: Callable[..., ServiceProcess]
) -> None:
    service = service_factory({"TYPESENSE_URL": typesense_server.url, "TYPESENSE_API_KEY": ""})
    service.start()
    assert "TYPESENSE_API_KEY is empty" in service.log()
    figures = service.health()  # the service runs with HEALTHZ_DETAILS on
    assert figures["status"] == "degraded"
    assert any("TYPESENSE_API_KEY" in problem for problem in figures["problems"])

    assert service.register("a", "Anything", ["core"]).status_code == 201
    answer = service.http.get("/services/search", params={"q": "any"}, headers=USER)
    assert answer.status_code == 502, answer.text  # the declared 502, never a 500
    assert set(answer.json()) <= FIELDS_OF_THE_502
    assert answer.json()["details"] == "Typesense sync is not configured completely"
    assert leaks(answer.text, str(typesense_server.port)) == []


def test_health_reports_status_alone_unless_details_are_on() -> None:
    class Part:
        def __init__(self, problems: list[str], fails: bool = False) -> None:
            self._problems, self.fails = problems, fails

        def problems(self) -> list[str]:
            if self.fails:
                raise RuntimeError("secret at 10.0.0.7:8108")
            return self._problems

        def status(self) -> dict[str, Any]:
            return {"nodes": ["http://10.0.0.7:8108"]}

    def body(parts: dict[str, Any], details: bool) -> Any:
        app = FastAPI()
        health.install(app, parts, details=details)
        assert "/healthz" not in app.openapi()["paths"]
        with TestClient(app) as client:
            answer = client.get("/healthz")
            assert answer.status_code == 200
            return answer.json()

    assert body({"sync": Part([])}, details=False) == {"status": "ok"}
    assert body({"sync": Part(["down"])}, details=False) == {"status": "degraded"}
    assert body({"sync": Part([], fails=True)}, details=False) == {"status": "degraded"}
    shown = body({"sync": Part(["down"])}, details=True)
    assert shown == {
        "status": "degraded",
        "problems": ["sync: down"],
        "sync": {"nodes": ["http://10.0.0.7:8108"]},
    }
    failed = body({"sync": Part([], fails=True)}, details=True)
    assert failed["status"] == "degraded" and "10.0.0.7" not in str(failed)
