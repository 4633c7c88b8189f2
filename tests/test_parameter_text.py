"""Path, query and header values are read exactly as their JSON type is written, over HTTP.

An integer id is ``-?[0-9]+`` without leading zeros, ``+`` or ``_`` (a lax parser took
``/items/1.0`` for item 1, and a DELETE of it deleted item 1); an integer enum in a query
matches its values; a boolean is ``true`` or ``false``; a number is a finite JSON number.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from e2e_server import Server, generate

ERROR = {
    "description": "refused",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["message"],
                "properties": {"message": {"type": "string"}},
            }
        }
    },
}
ITEM = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "id": {"type": "integer", "readOnly": True},
        "name": {"type": "string"},
        "level": {"type": "integer", "enum": [0, 1, 2, 4]},
        "active": {"type": "boolean"},
        "weight": {"type": "number"},
    },
}


def _answer(schema: dict, status: str = "200") -> dict:
    return {status: {"description": "ok", "content": {"application/json": {"schema": schema}}}}


DOCUMENT = {
    "openapi": "3.1.0",
    "info": {"title": "Parameter text", "version": "1"},
    "paths": {
        "/items": {
            "get": {
                "operationId": "listItems",
                "parameters": [
                    {
                        "name": "level",
                        "in": "query",
                        "schema": {"type": "integer", "enum": [0, 1, 2, 4]},
                    },
                    {"name": "active", "in": "query", "schema": {"type": "boolean"}},
                    {"name": "weight", "in": "query", "schema": {"type": "number"}},
                ],
                "responses": {
                    **_answer({"type": "array", "items": {"$ref": "#/components/schemas/Item"}}),
                    "400": ERROR,
                },
            },
            "post": {
                "operationId": "createItem",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Item"}}
                    },
                },
                "responses": {
                    **_answer({"$ref": "#/components/schemas/Item"}, "201"),
                    "400": ERROR,
                },
            },
        },
        "/items/{itemId}": {
            "parameters": [
                {"name": "itemId", "in": "path", "required": True, "schema": {"type": "integer"}}
            ],
            "get": {
                "operationId": "getItem",
                "responses": {
                    **_answer({"$ref": "#/components/schemas/Item"}),
                    "400": ERROR,
                    "404": ERROR,
                },
            },
            "delete": {
                "operationId": "deleteItem",
                "responses": {"204": {"description": "gone"}, "400": ERROR, "404": ERROR},
            },
        },
    },
    "components": {"schemas": {"Item": ITEM}},
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("ptext")
    spec = root / "items.json"
    spec.write_text(json.dumps(DOCUMENT), encoding="utf-8")
    generate(spec, root / "service")
    with Server(root / "service", db_path=root / "db.sqlite") as running:
        yield running


def test_an_integer_id_is_read_only_in_its_canonical_spelling(server: Server) -> None:
    created = httpx.post(f"{server.url}/items", json={"name": "one", "level": 1})
    assert created.status_code == 201, created.text
    ident = created.json()["id"]
    for spelling in (f"{ident}.0", f"+{ident}", f"0{ident}", f"{ident}_0", f" {ident}"):
        answer = httpx.delete(f"{server.url}/items/{spelling}")
        assert answer.status_code == 400, (spelling, answer.status_code, answer.text)
    assert httpx.get(f"{server.url}/items/{ident}").status_code == 200  # nothing was deleted
    assert httpx.delete(f"{server.url}/items/{ident}").status_code == 204


def test_query_values_of_integer_enums_booleans_and_numbers(server: Server) -> None:
    httpx.post(
        f"{server.url}/items", json={"name": "zero", "level": 0, "active": True, "weight": 1.5}
    )
    for query in ("level=0", "active=true", "weight=1.5", "level=0&active=true"):
        answer = httpx.get(f"{server.url}/items?{query}")
        assert answer.status_code == 200, (query, answer.text)
        assert [item["name"] for item in answer.json()] == ["zero"], query
    for query in (
        "level=3",
        "level=00",
        "active=yes",
        "active=1",
        "weight=nan",
        "weight=inf",
        "weight=1e999",
    ):
        answer = httpx.get(f"{server.url}/items?{query}")
        assert answer.status_code == 400, (query, answer.text)
        assert set(answer.json()) == {"message"}
