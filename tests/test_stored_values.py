"""Generated CRUD never answers 500 for what it stores or looks up, over real HTTP and SQLite.

A small document, generated into a temporary directory and served by uvicorn on 127.0.0.1
(tests/e2e_server.py) with an SQLite file:

- ``counters``: integer ids and an unbounded integer field. SQLite holds 64-bit integers,
  so a larger id names no stored item (the declared 404), a larger filter value matches
  nothing, and a larger value to store is refused with the declared 400.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from e2e_server import Server, generate

HUGE = 122535773381895658754091896092491776  # far past 2**63 - 1
ERROR = {
    "type": "object",
    "required": ["code", "message"],
    "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _json(schema: dict[str, Any], description: str = "ok") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


COUNTERS: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Counters", "version": "1.0.0"},
    "paths": {
        "/counters": {
            "get": {
                "operationId": "listCounters",
                "parameters": [
                    {"name": "value", "in": "query", "schema": {"type": "integer"}},
                    {"name": "limit", "in": "query", "schema": {"type": "integer"}},
                    {"name": "offset", "in": "query", "schema": {"type": "integer"}},
                ],
                "responses": {
                    "200": _json({"type": "array", "items": {"$ref": "#/components/schemas/Counter"}}),
                    "400": _error("bad query"),
                },
            },
            "post": {
                "operationId": "createCounter",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Counter"}}}},
                "responses": {"201": _json({"$ref": "#/components/schemas/Counter"}), "400": _error("invalid")},
            },
        },
        "/counters/{counterId}": {
            "parameters": [{"name": "counterId", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "get": {
                "operationId": "getCounter",
                "responses": {"200": _json({"$ref": "#/components/schemas/Counter"}), "404": _error("unknown")},
            },
            "patch": {
                "operationId": "patchCounter",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CounterPatch"}}}},
                "responses": {
                    "200": _json({"$ref": "#/components/schemas/Counter"}),
                    "400": _error("invalid"),
                    "404": _error("unknown"),
                },
            },
            "delete": {
                "operationId": "deleteCounter",
                "responses": {"204": {"description": "deleted"}, "404": _error("unknown")},
            },
        },
    },
    "components": {
        "schemas": {
            "Error": ERROR,
            "Counter": {
                "type": "object",
                "required": ["name", "value"],
                "properties": {
                    "id": {"type": "integer"},
                    "name": {"type": "string"},
                    "value": {"type": "integer"},
                },
            },
            "CounterPatch": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "value": {"type": "integer"}},
            },
        }
    },
}

def _serve(tmp_path_factory: pytest.TempPathFactory, name: str, document: dict[str, Any]) -> Iterator[Server]:
    root = tmp_path_factory.mktemp(name)
    spec = root / f"{name}.json"
    spec.write_text(json.dumps(document))
    generate(spec, root / "service")
    with Server(root / "service", db_path=root / "db.sqlite") as server:
        yield server


@pytest.fixture(scope="module")
def counters(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from _serve(tmp_path_factory, "counters", COUNTERS)


def _refused(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "message"}, body
    return str(body["message"])


def test_an_id_past_64_bits_is_unknown_not_a_server_error(counters: Server) -> None:
    created = httpx.post(f"{counters.url}/counters", json={"name": "a", "value": 1})
    assert created.status_code == 201, created.text
    for item_id in (HUGE, -HUGE, 2**63):
        url = f"{counters.url}/counters/{item_id}"
        _refused(httpx.get(url), 404)
        _refused(httpx.patch(url, json={"value": 2}), 404)
        _refused(httpx.delete(url), 404)
    assert "OverflowError" not in counters.log()
    assert httpx.get(f"{counters.url}/counters/{created.json()['id']}").status_code == 200


def test_integer_filters_and_pages_past_64_bits_match_nothing_or_everything(counters: Server) -> None:
    url = f"{counters.url}/counters"
    httpx.post(url, json={"name": "b", "value": 7}).raise_for_status()
    everything = httpx.get(url).json()
    assert httpx.get(url, params={"value": 7}).json() == [c for c in everything if c["value"] == 7]
    assert httpx.get(url, params={"value": HUGE}).json() == []
    assert httpx.get(url, params={"value": -HUGE}).json() == []
    assert httpx.get(url, params={"limit": HUGE}).json() == everything
    assert httpx.get(url, params={"offset": HUGE}).json() == []
    assert httpx.get(url, params={"offset": -HUGE}).json() == everything
    assert "OverflowError" not in counters.log()


def test_an_integer_past_64_bits_is_refused_with_the_declared_400_and_not_stored(counters: Server) -> None:
    url = f"{counters.url}/counters"
    before = httpx.get(url).json()
    message = _refused(httpx.post(url, json={"name": "big", "value": HUGE}), 400)
    assert "value" in message and str(HUGE) in message
    _refused(httpx.post(url, json={"id": HUGE, "name": "big id", "value": 1}), 400)
    target = before[0]
    _refused(httpx.patch(f"{url}/{target['id']}", json={"value": -HUGE}), 400)
    assert httpx.get(url).json() == before  # nothing stored, nothing changed
    largest = httpx.post(url, json={"name": "largest", "value": 2**63 - 1})
    assert largest.status_code == 201 and largest.json()["value"] == 2**63 - 1
