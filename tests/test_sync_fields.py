"""Typesense fields derived from resource schemas, and stored items surviving the round trip exactly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from test_sync_outbox import service_modules
from typesense_server import HEALTH_DETAILS, TypesenseServer, wait_until

from specfirst.pipeline import generate, load_api
from specfirst.resources import make_plan
from specfirst.steps.typesense_sync import collection_fields

pytest_plugins = ["typesense_server"]
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

THING = {
    "type": "object",
    "required": ["id", "title"],
    "properties": {
        "id": {"type": "string"},
        "title": {"type": "string"},
        "count": {"type": "integer"},
        "price": {"type": "number"},
        "active": {"type": "boolean"},
        "status": {"type": "string", "enum": ["draft", "live"]},
        "level": {"type": "integer", "enum": [1, 2, 3]},
        "labels": {"type": "array", "items": {"type": "string"}},
        "scores": {"type": "array", "items": {"type": "integer"}},
        "created_at": {"type": "string", "format": "date-time"},
        "created_at_ts": {"type": "string"},
        "owner": {
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "age": {"type": ["integer", "null"]},
                "address": {"type": "object", "properties": {"city": {"type": "string"}}},
            },
        },
        "parts": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "sku": {"type": "string"},
                    "qty": {"type": ["integer", "null"]},
                    "kinds": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
        "payload": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
        "extra": {"type": "object", "additionalProperties": True},
        "dotted.name": {"type": "string"},
    },
}
WIDGET = {
    "type": "object",
    "x-specfirst-id": "code",
    "properties": {
        "code": {"type": "integer"},
        "id": {"type": "string"},
        "name": {"type": "string"},
    },
}


def crud_paths(name: str, schema: str, id_param: str) -> dict[str, Any]:
    ref = {"$ref": f"#/components/schemas/{schema}"}
    ok = lambda s: {"description": "ok", "content": {"application/json": {"schema": s}}}
    return {
        f"/{name}": {
            "get": {
                "operationId": f"list{schema}",
                "responses": {"200": ok({"type": "array", "items": ref})},
            },
            "post": {
                "operationId": f"create{schema}",
                "requestBody": {"required": True, "content": {"application/json": {"schema": ref}}},
                "responses": {"201": ok(ref)},
            },
        },
        f"/{name}/{{{id_param}}}": {
            "parameters": [
                {"name": id_param, "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "get": {"operationId": f"read{schema}", "responses": {"200": ok(ref)}},
            "delete": {
                "operationId": f"delete{schema}",
                "responses": {"204": {"description": "gone"}},
            },
        },
    }


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    document = {
        "openapi": "3.1.0",
        "info": {"title": "Things", "version": "1"},
        "paths": {
            **crud_paths("things", "Thing", "thingId"),
            **crud_paths("widgets", "Widget", "code"),
        },
        "components": {"schemas": {"Thing": THING, "Widget": WIDGET}},
    }
    path = tmp_path_factory.mktemp("spec") / "things.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def fields_of(spec: Path, resource: str) -> Any:
    plan = make_plan(load_api(spec))
    return collection_fields(next(r for r in plan.resources if r.name == resource))


def test_fields_follow_the_schema(spec: Path) -> None:
    c = fields_of(spec, "things")
    found = {f.name: (f.type, f.facet, f.derived, f.path) for f in c.fields}
    assert found == {
        "id_text": ("string", False, "copy", ("id",)),  # Typesense cannot search its own id
        "title": ("string", False, None, ("title",)),
        "count": ("int64", False, None, ("count",)),
        "price": ("float", False, None, ("price",)),
        "active": ("bool", False, None, ("active",)),
        "status": ("string", True, None, ("status",)),
        "level": ("int64", True, None, ("level",)),
        "labels": ("string[]", True, None, ("labels",)),
        "scores": ("int64[]", False, None, ("scores",)),
        "created_at": ("string", False, None, ("created_at",)),
        "created_at_ts_2": (
            "int64",
            False,
            "timestamp",
            ("created_at",),
        ),  # created_at_ts is a property
        "created_at_ts": ("string", False, None, ("created_at_ts",)),
        "owner__name": ("string", False, "nested", ("owner", "name")),
        "owner__age": ("int64", False, "nested", ("owner", "age")),
        "owner__address__city": ("string", False, "nested", ("owner", "address", "city")),
        "parts__sku": ("string[]", False, "nested", ("parts", "sku")),
        "parts__qty": ("int64[]", False, "nested", ("parts", "qty")),
        "parts__kinds": ("string[]", False, "nested", ("parts", "kinds")),
    }  # payload (a union), extra (free-form) and dotted.name are stored, not indexed
    assert c.keys["payload"] == "payload" and c.keys["dotted.name"] == "dotted.name"
    assert c.query_by[:6] == ["id_text", "title", "status", "labels", "created_at", "created_at_ts"]
    assert "owner__name" in c.query_by and "parts__sku" in c.query_by


def test_a_property_called_id_that_is_not_the_id(spec: Path) -> None:
    c = fields_of(spec, "widgets")
    assert c.keys == {"code": "code", "id": "id_value", "name": "name"}
    assert {f.name: f.type for f in c.fields} == {
        "code": "int64",
        "id_value": "string",
        "name": "string",
    }


THINGS = [
    {
        "id": "t1",
        "title": "First thing",
        "count": 3,
        "price": 2.5,
        "active": True,
        "status": "live",
        "level": 2,
        "labels": ["red", "blue"],
        "scores": [1, 2],
        "created_at": "2024-10-17T12:34:56Z",
        "created_at_ts": "not a number",
        "owner": {"name": "Ada", "age": None, "address": {"city": "Turin"}},
        "parts": [{"sku": "a-1", "qty": None, "kinds": ["x"]}, {"sku": "b-2", "qty": 4}],
        "payload": 7,
        "extra": {"anything": [1, {"deep": None}]},
        "dotted.name": "kept",
    },
    {
        "id": "t2",
        "title": "Second",
        "created_at": "2024-10-17T14:34:56+02:00",
        "owner": {},
        "parts": [],
    },
    {"id": "t3", "title": "Third", "payload": "text"},
]


def test_items_round_trip_through_a_real_typesense(
    typesense_server: TypesenseServer, spec: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "things"
    generate(spec, out)
    for name, value in {**typesense_server.env(), **HEALTH_DETAILS}.items():
        monkeypatch.setenv(name, value)
    with service_modules(out):
        from app.core.db import Database
        from app.main import create_app
        from app.sync.collections import THINGS_COLLECTION, WIDGETS_COLLECTION

        app = create_app(database=Database(f"sqlite:///{tmp_path / 'things.db'}"))
        with TestClient(app) as client:
            for thing in THINGS:
                answer = client.post("/things", json=thing)
                assert answer.status_code == 201, answer.text
            assert (
                client.post(
                    "/widgets", json={"code": 5, "id": "not the id", "name": "Gear"}
                ).status_code
                == 201
            )
            wait_until(lambda: client.get("/healthz").json()["sync"]["outbox"]["depth"] == 0, 10)
            assert client.get("/healthz").json()["sync"]["last_error"] is None
            stored = {item["id"]: item for item in client.get("/things").json()}

            exported = typesense_server.client().collections["things"].documents.export()
            documents = {d["id"]: d for d in map(json.loads, exported.splitlines())}
            assert {k: THINGS_COLLECTION.from_document(d) for k, d in documents.items()} == stored
            first = documents["t1"]
            assert first["created_at_ts_2"] == 1729168496
            assert first["owner__name"] == "Ada" and "owner__age" not in first
            assert first["parts__sku"] == ["a-1", "b-2"] and first["parts__qty"] == [4]
            assert (
                documents["t2"]["created_at_ts_2"] == 1729168496
            )  # the same moment, another offset
            assert "created_at_ts_2" not in documents["t3"]  # no date-time: no timestamp

            widget = json.loads(typesense_server.client().collections["widgets"].documents.export())
            assert (
                widget["id"] == "5" and widget["code"] == 5 and widget["id_value"] == "not the id"
            )
            assert WIDGETS_COLLECTION.from_document(widget) == client.get("/widgets").json()[0]

            hits = (
                typesense_server.client()
                .collections["things"]
                .documents.search(
                    {
                        "q": "turin",
                        "query_by": ",".join(THINGS_COLLECTION.query_by),
                        "filter_by": "labels:=[red] && level:[2]",
                    }
                )
            )
            assert [h["document"]["id"] for h in hits["hits"]] == ["t1"]
