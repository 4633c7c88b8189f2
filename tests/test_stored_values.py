"""Generated CRUD never answers 500 for what it stores or looks up, over real HTTP and SQLite.

Two small documents, each generated into a temporary directory and served by uvicorn on
127.0.0.1 (tests/e2e_server.py) with an SQLite file:

- ``counters``: integer ids and an unbounded integer field. SQLite holds 64-bit integers,
  so a larger id names no stored item (the declared 404), a larger filter value matches
  nothing, and a larger value to store is refused with the declared 400.
- ``providers``: a resource whose update body accepts null for a property the resource
  requires (JSON Merge Patch: null removes it). Such a write would leave an item no read
  could answer: it is refused with the declared 400 and nothing changes.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
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
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


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
                    "200": _json(
                        {"type": "array", "items": {"$ref": "#/components/schemas/Counter"}}
                    ),
                    "400": _error("bad query"),
                },
            },
            "post": {
                "operationId": "createCounter",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Counter"}}
                    },
                },
                "responses": {
                    "201": _json({"$ref": "#/components/schemas/Counter"}),
                    "400": _error("invalid"),
                },
            },
        },
        "/counters/{counterId}": {
            "parameters": [
                {"name": "counterId", "in": "path", "required": True, "schema": {"type": "integer"}}
            ],
            "get": {
                "operationId": "getCounter",
                "responses": {
                    "200": _json({"$ref": "#/components/schemas/Counter"}),
                    "404": _error("unknown"),
                },
            },
            "patch": {
                "operationId": "patchCounter",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/CounterPatch"}
                        }
                    },
                },
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

PROVIDERS: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Providers", "version": "1.0.0"},
    "paths": {
        "/providers": {
            "get": {
                "operationId": "listProviders",
                "responses": {
                    "200": _json(
                        {"type": "array", "items": {"$ref": "#/components/schemas/Provider"}}
                    )
                },
            },
            "post": {
                "operationId": "createProvider",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/CreateProvider"}
                        }
                    },
                },
                "responses": {
                    "201": _json({"$ref": "#/components/schemas/Provider"}),
                    "400": _error("invalid"),
                },
            },
        },
        "/providers/{id}": {
            "parameters": [
                {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "get": {
                "operationId": "getProvider",
                "responses": {
                    "200": _json({"$ref": "#/components/schemas/Provider"}),
                    "404": _error("unknown"),
                },
            },
            "patch": {
                "operationId": "patchProvider",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/UpdateProvider"}
                        }
                    },
                },
                "responses": {
                    "200": _json({"$ref": "#/components/schemas/Provider"}),
                    "400": _error("invalid"),
                    "404": _error("unknown"),
                },
            },
            "put": {
                "operationId": "replaceProvider",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/CreateProvider"}
                        }
                    },
                },
                "responses": {
                    "200": _json({"$ref": "#/components/schemas/Provider"}),
                    "400": _error("invalid"),
                    "404": _error("unknown"),
                },
            },
        },
    },
    "components": {
        "schemas": {
            "Error": ERROR,
            "Provider": {
                "type": "object",
                "required": ["id", "type", "motto", "body"],
                "properties": {
                    "id": {"type": "string", "format": "uuid"},
                    "type": {"type": "string", "enum": ["provider"]},
                    "motto": {"type": ["string", "null"]},
                    "body": {"$ref": "#/components/schemas/ProviderBody"},
                },
            },
            "ProviderBody": {
                "type": "object",
                "required": ["label", "name"],
                "properties": {
                    "label": {"type": "string"},
                    "name": {"type": "string"},
                    "logo_url": {"type": "string"},
                },
            },
            "CreateProvider": {
                "type": "object",
                "required": ["body"],
                "properties": {
                    "motto": {"type": ["string", "null"]},
                    "body": {"$ref": "#/components/schemas/ProviderBody"},
                },
            },
            "UpdateProvider": {
                "type": "object",
                "required": ["body"],
                "properties": {
                    "body": {
                        "type": "object",
                        "properties": {
                            "label": {"type": "string"},
                            "name": {"type": ["string", "null"]},
                            "logo_url": {"type": ["string", "null"]},
                        },
                    }
                },
            },
        }
    },
}


def _serve(
    tmp_path_factory: pytest.TempPathFactory, name: str, document: dict[str, Any]
) -> Iterator[Server]:
    root = tmp_path_factory.mktemp(name)
    spec = root / f"{name}.json"
    spec.write_text(json.dumps(document))
    generate(spec, root / "service")
    with Server(root / "service", db_path=root / "db.sqlite") as server:
        yield server


@pytest.fixture(scope="module")
def counters(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from _serve(tmp_path_factory, "counters", COUNTERS)


@pytest.fixture(scope="module")
def providers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from _serve(tmp_path_factory, "providers", PROVIDERS)


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


def test_integer_filters_and_pages_past_64_bits_match_nothing_or_everything(
    counters: Server,
) -> None:
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


def test_an_integer_past_64_bits_is_refused_with_the_declared_400_and_not_stored(
    counters: Server,
) -> None:
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


def test_a_null_that_removes_a_required_property_is_refused_and_changes_nothing(
    providers: Server,
) -> None:
    url = f"{providers.url}/providers"
    created = httpx.post(
        url, json={"motto": "ship it", "body": {"label": "acme", "name": "Acme", "logo_url": "x"}}
    )
    assert created.status_code == 201, created.text
    provider = created.json()
    item_url = f"{url}/{provider['id']}"
    message = _refused(httpx.patch(item_url, json={"body": {"name": None}}), 400)
    assert "body.name" in message
    assert httpx.get(item_url).json() == provider
    assert httpx.get(url).json() == [provider]
    # null on a property the resource does not require removes it, as JSON Merge Patch says
    patched = httpx.patch(item_url, json={"body": {"logo_url": None, "label": "acme2"}})
    assert patched.status_code == 200, patched.text
    assert patched.json()["body"] == {"label": "acme2", "name": "Acme"}
    assert httpx.get(url).json() == [patched.json()]
    assert "ResponseValidationError" not in providers.log()


def test_a_required_nullable_property_reads_back_as_null(providers: Server) -> None:
    url = f"{providers.url}/providers"
    created = httpx.post(url, json={"motto": None, "body": {"label": "nil", "name": "Nil"}})
    assert created.status_code == 201, created.text
    assert created.json()["motto"] is None
    assert httpx.get(f"{url}/{created.json()['id']}").json() == created.json()
    assert httpx.get(url).status_code == 200


def test_a_generated_uuid_id_is_in_the_canonical_form_format_uuid_requires(
    providers: Server,
) -> None:
    created = httpx.post(f"{providers.url}/providers", json={"body": {"label": "u", "name": "U"}})
    assert created.status_code == 201, created.text
    ident = created.json()["id"]
    assert str(uuid.UUID(ident)) == ident  # 8-4-4-4-12, lower case


def test_a_replacement_keeps_the_values_the_service_fills(providers: Server) -> None:
    url = f"{providers.url}/providers"
    provider = httpx.post(url, json={"motto": "m", "body": {"label": "old", "name": "Old"}}).json()
    replaced = httpx.put(f"{url}/{provider['id']}", json={"body": {"label": "new", "name": "New"}})
    assert replaced.status_code == 200, replaced.text
    assert replaced.json() == {
        "id": provider["id"],
        "type": "provider",
        "motto": None,
        "body": {"label": "new", "name": "New"},
    }
    assert httpx.get(url).status_code == 200
    assert "ResponseValidationError" not in providers.log()


def test_generated_crud_names_the_schemas_it_checks(tmp_path: Path) -> None:
    spec = tmp_path / "providers.json"
    spec.write_text(json.dumps(PROVIDERS))
    generate(spec, tmp_path / "service")
    crud = (tmp_path / "service" / "app" / "crud" / "providers.py").read_text()
    assert "answers=(TypeAdapter(Provider),)" in crud
    assert 'keep_null=frozenset(["motto"])' in crud
