"""The golden service answers as its document declares: auth, validation errors, 501 until implemented."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from conftest import REPO, importable_service
from fastapi.testclient import TestClient

KEYS = {"API_KEY_AUTH_KEYS": "user-key", "ADMIN_API_KEY_AUTH_KEYS": "admin-key"}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    database_file = tmp_path_factory.mktemp("db") / "ensemble.db"
    with importable_service(REPO / "service"):
        from app.core.config import Settings
        from app.core.db import Database
        from app.main import create_app

        app = create_app(Settings.from_env(KEYS), database=Database(f"sqlite:///{database_file}"))
        yield TestClient(app)


def error_shape(body: Any) -> set[str]:
    assert isinstance(body, dict)
    return set(body)


def test_served_document_is_the_source(client: TestClient) -> None:
    import json

    served = client.get("/openapi.json").json()
    assert served == json.loads((REPO / "service" / "openapi.json").read_text())
    assert served["paths"]["/services"]["get"]["operationId"] == "listServices"


def test_missing_and_wrong_keys_are_refused_with_the_declared_error(client: TestClient) -> None:
    for headers in ({}, {"X-API-KEY": "wrong"}, {"X-ADMIN-API-KEY": "admin-key"}):
        response = client.get("/services", headers=headers)
        assert response.status_code == 401
        assert error_shape(response.json()) <= {"errorCode", "message", "details"}
        assert response.json()["errorCode"] == "unauthorized"


def test_user_key_cannot_use_an_admin_operation(client: TestClient) -> None:
    body = {
        "id": "a",
        "name": "A",
        "description": "d",
        "openapi_url": "http://localhost/openapi.json",
    }
    response = client.post("/services/register", json=body, headers={"X-API-KEY": "user-key"})
    assert response.status_code == 401


def test_invalid_request_gets_the_declared_400_error_schema(client: TestClient) -> None:
    response = client.post(
        "/services/register", json={"id": "a"}, headers={"X-ADMIN-API-KEY": "admin-key"}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["errorCode"] == "invalid_request"
    assert "name" in body["message"] and "openapi_url" in body["message"]
    out_of_range = client.get("/logs", params={"limit": 5000}, headers={"X-API-KEY": "user-key"})
    assert out_of_range.status_code == 400
    assert out_of_range.json()["errorCode"] == "invalid_request"


def test_unimplemented_handler_answers_501_in_the_error_schema(client: TestClient) -> None:
    response = client.get(
        "/system-prompt", params={"service_ids": "x"}, headers={"X-API-KEY": "user-key"}
    )
    if response.status_code != 501:
        pytest.skip("the golden service implements generateSystemPrompt")
    assert response.json() == {
        "errorCode": "not_implemented",
        "message": "operation generateSystemPrompt is not implemented yet",
    }


def test_every_request_is_logged_with_its_id(client: TestClient) -> None:
    import logging

    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("app.requests")
    logger.addHandler(handler)
    try:
        sent = client.get("/services", headers={"X-API-KEY": "user-key", "X-Request-ID": "req-42"})
        fresh = client.get("/services", headers={"X-API-KEY": "user-key"})
    finally:
        logger.removeHandler(handler)
    assert sent.headers["X-Request-ID"] == "req-42"
    assert len(fresh.headers["X-Request-ID"]) == 16 and fresh.headers["X-Request-ID"] != "req-42"
    fields = [r.fields for r in records]  # type: ignore[attr-defined]
    assert fields[0]["request_id"] == "req-42"
    assert {k: fields[0][k] for k in ("method", "path", "operation_id", "status")} == {
        "method": "GET",
        "path": "/services",
        "operation_id": "listServices",
        "status": 200,
    }
    assert fields[0]["duration_ms"] >= 0
