"""A generated service validates what JSON Schema means, not what pydantic's defaults mean.

One small document with each keyword, generated and served through the app (TestClient) with
a real SQLite file: ``5.0`` is an integer (kept as ``5``); dates, times and durations are
strings of their format, never numbers; ``multipleOf`` (also ``0.01``), ``uniqueItems``,
``minProperties``/``maxProperties`` (on classes and maps), ``dependentRequired``, ``not``,
``patternProperties``, ``oneOf`` exclusivity and discriminator dispatch are enforced; ``NaN``,
``Infinity`` and ``1e999`` are refused; a ``PATCH`` is checked against its own schema and the
resource's. Each refusal is the declared 400 with the declared error body, and nothing refused
is stored. The route-derived document still equals the source (0 discrepancies).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from specfirst.pipeline import generate
from specfirst.validator.run import validate

SPEC = """\
openapi: 3.1.0
info: {title: Keywords, version: "1.0"}
paths:
  /items:
    post:
      operationId: createItem
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Item"}
      responses:
        "201":
          description: Created
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Item"}
        "400":
          description: Invalid
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Error"}
    get:
      operationId: listItems
      parameters:
        - {name: count, in: query, schema: {type: integer}}
      responses:
        "200":
          description: Items
          content:
            application/json:
              schema:
                type: array
                items: {$ref: "#/components/schemas/Item"}
        "400":
          description: Invalid
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Error"}
  /items/{itemId}:
    parameters:
      - {name: itemId, in: path, required: true, schema: {type: integer}}
    get:
      operationId: getItem
      responses:
        "200":
          description: Found
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Item"}
        "404":
          description: Unknown
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Error"}
    patch:
      operationId: updateItem
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/ItemPatch"}
      responses:
        "200":
          description: Updated
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Item"}
        "400":
          description: Invalid
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Error"}
        "404":
          description: Unknown
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Error"}
    delete:
      operationId: deleteItem
      responses:
        "204": {description: Deleted}
        "404":
          description: Unknown
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Error"}
components:
  schemas:
    Error:
      type: object
      required: [code, message]
      properties:
        code: {type: string}
        message: {type: string}
    Circle:
      type: object
      required: [kind, radius]
      properties:
        kind: {type: string}
        radius: {type: number}
    Square:
      type: object
      required: [kind, side]
      properties:
        kind: {type: string}
        side: {type: number}
    Shape:
      oneOf:
        - {$ref: "#/components/schemas/Circle"}
        - {$ref: "#/components/schemas/Square"}
      discriminator:
        propertyName: kind
        mapping:
          circle: "#/components/schemas/Circle"
          square: "#/components/schemas/Square"
    Cat:
      type: object
      required: [petType]
      properties:
        petType: {type: string}
        lives: {type: integer}
    Dog:
      type: object
      required: [petType]
      properties:
        petType: {type: string}
        bark: {type: boolean}
    Pet:
      anyOf:
        - {$ref: "#/components/schemas/Cat"}
        - {$ref: "#/components/schemas/Dog"}
      discriminator: {propertyName: petType}
    Item:
      type: object
      required: [name, count]
      minProperties: 2
      maxProperties: 20
      dependentRequired:
        card: [billing]
      properties:
        id: {type: integer, readOnly: true}
        name:
          type: string
          not: {enum: [forbidden]}
        count: {type: integer, multipleOf: 5}
        price: {type: number, multipleOf: 0.01}
        when: {type: string, format: date-time}
        day: {type: string, format: date}
        tags:
          type: array
          uniqueItems: true
          items: {type: string}
        labels:
          type: object
          minProperties: 1
          maxProperties: 2
          additionalProperties: {type: string}
        meta:
          type: object
          patternProperties:
            "^x-": {type: string}
        card: {type: string}
        billing: {type: string}
        shape: {$ref: "#/components/schemas/Shape"}
        at: {type: string, format: time}
        level: {type: integer, enum: [1, 2, 3]}
        ratio: {type: number, enum: [0.5, 2]}
        period: {type: string, format: duration}
        pet: {$ref: "#/components/schemas/Pet"}
        either:
          oneOf:
            - {type: integer, multipleOf: 3}
            - {type: integer, multipleOf: 5}
    ItemPatch:
      type: object
      minProperties: 1
      properties:
        name: {type: string}
        count: {type: integer, multipleOf: 5}
        price: {type: number, multipleOf: 0.01}
        when: {type: string, format: date-time}
        card: {type: string}
        billing: {type: string}
"""

PRELUDE = """
import warnings
warnings.simplefilter("ignore")
from fastapi.testclient import TestClient
from app.core.config import Settings
from app.core.db import Database
from app.main import create_app

client = TestClient(create_app(Settings.from_env({}), database=Database("sqlite:///items.db")))
client.__enter__()
BASE = {"name": "a", "count": 5}

def created(body):
    response = client.post("/items", json=body)
    assert response.status_code == 201, (body, response.status_code, response.text)
    stored = client.get(f"/items/{response.json()['id']}")
    assert stored.status_code == 200 and stored.json() == response.json(), stored.text
    return {k: v for k, v in stored.json().items() if k != "id"}

def refused(response, words=""):
    assert response.status_code == 400, (response.status_code, response.text)
    assert set(response.json()) == {"code", "message"}, response.text
    assert words in response.json()["message"], response.text
    return response

def refused_body(body, words=""):
    before = len(client.get("/items").json())
    refused(client.post("/items", json=body), words)
    assert len(client.get("/items").json()) == before, "a refused body was stored"

def refused_raw(raw, words=""):
    before = len(client.get("/items").json())
    refused(client.post("/items", content=raw, headers={"Content-Type": "application/json"}), words)
    assert len(client.get("/items").json()) == before, "a refused body was stored"
"""


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("semantics")
    spec = root / "items.yml"
    spec.write_text(SPEC, encoding="utf-8")
    generate(spec, root / "service")
    return root / "service"


def run(service: Path, body: str) -> None:
    script = PRELUDE + textwrap.dedent(body) + '\nprint("ok")\n'
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=service, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and result.stdout.strip().endswith("ok"), (
        result.stdout + result.stderr
    )


def test_zero_discrepancies(service: Path) -> None:
    found = validate(service.parent / "items.yml", service)
    assert found == [], "\n".join(f"{d.category} {d.kind} {d.pointer}" for d in found)


def test_an_integral_number_is_an_integer(service: Path) -> None:
    run(
        service,
        """
        assert created({"name": "a", "count": 5.0})["count"] == 5
        assert created({"name": "a", "count": 1e1})["count"] == 10
        stored = client.post("/items", json={"name": "a", "count": 15.0}).json()
        assert type(stored["count"]) is int and stored["count"] == 15
        refused_body({"name": "a", "count": 5.5})
        refused_body({"name": "a", "count": True})
        refused_body({"name": "a", "count": "5"})
        # enum members compare as JSON numbers: 2.0 is the member 2
        assert created({**BASE, "level": 2.0})["level"] == 2
        refused_body({**BASE, "level": 2.5})
        assert created({**BASE, "ratio": 2})["ratio"] == 2
        refused_body({**BASE, "ratio": 1})
        # a parameter's text is the integer as JSON writes it ("5"): "5.0" and "5.5" are
        # refused (a lax parser made /items/1.0 name item 1), see tests/test_parameter_text.py
        assert client.get("/items", params={"count": "5"}).status_code == 200
        refused(client.get("/items", params={"count": "5.0"}))
        refused(client.get("/items", params={"count": "5.5"}))
        """,
    )


def test_dates_times_and_durations_are_strings_of_their_format(service: Path) -> None:
    run(
        service,
        """
        item = created({**BASE, "when": "2024-01-01T10:00:00Z", "day": "2024-01-02", "at": "10:20:30",
                        "period": "P1DT2H"})
        assert item["when"].startswith("2024-01-01T10:00:00") and item["day"] == "2024-01-02", item
        assert item["period"] == "P1DT2H0M0S", item  # RFC 3339's duration grammar, read back
        for field, value in [("when", 1700000000), ("when", "1700000000"), ("when", 1.5), ("when", "2024-01-01"),
                             ("day", 19000), ("day", "19000"), ("at", 300), ("period", 60), ("period", "10:00:00"), ("period", "PT1H5S")]:
            refused_body({**BASE, field: value}, f"body.{field}")
        """,
    )


def test_number_array_and_map_keywords(service: Path) -> None:
    run(
        service,
        """
        refused_body({"name": "a", "count": 7}, "multiple of 5")
        assert created({**BASE, "price": 19.99})["price"] == 19.99
        assert created({**BASE, "price": 0.07})["price"] == 0.07
        refused_body({**BASE, "price": 19.999}, "multiple of 0.01")
        refused_body({**BASE, "price": 2.5e-42}, "multiple of 0.01")  # pydantic's tolerance would take it
        assert created({**BASE, "tags": ["a", "b"]})["tags"] == ["a", "b"]
        refused_body({**BASE, "tags": ["a", "a"]}, "unique")
        assert created({**BASE, "labels": {"a": "1"}})["labels"] == {"a": "1"}
        refused_body({**BASE, "labels": {}})
        refused_body({**BASE, "labels": {"a": "1", "b": "2", "c": "3"}})
        """,
    )


def test_object_keywords_of_a_class(service: Path) -> None:
    run(
        service,
        """
        # minProperties 2 on the class: name alone is one property (count is required too)
        refused_body({"name": "a"})
        refused_body({"name": "a", **{f"p{i}": i for i in range(19)}, "count": 5}, "at most 20 properties")
        # dependentRequired: card needs billing
        refused_body({**BASE, "card": "c"}, "'billing' is required when 'card' is present")
        assert created({**BASE, "card": "c", "billing": "b"})["billing"] == "b"
        # not
        refused_body({**BASE, "name": "forbidden"}, "body.name")
        # patternProperties: x- keys hold strings, other keys anything
        assert created({**BASE, "meta": {"x-a": "s", "other": 1}})["meta"] == {"x-a": "s", "other": 1}
        refused_body({**BASE, "meta": {"x-a": 1}}, "x-a")
        """,
    )


def test_one_of_is_exclusive_and_discriminators_dispatch(service: Path) -> None:
    run(
        service,
        """
        assert created({**BASE, "either": 9})["either"] == 9
        assert created({**BASE, "either": 10})["either"] == 10
        refused_body({**BASE, "either": 15}, "exactly one")  # a multiple of 3 and of 5
        refused_body({**BASE, "either": 7})
        # the discriminator selects the member, by its mapping or by the schema name
        assert created({**BASE, "shape": {"kind": "circle", "radius": 1}})["shape"] == {"kind": "circle", "radius": 1}
        assert created({**BASE, "shape": {"kind": "Square", "side": 2}})["shape"] == {"kind": "Square", "side": 2}
        refused_body({**BASE, "shape": {"kind": "circle", "side": 1}}, "radius")  # a square's fields
        refused_body({**BASE, "shape": {"kind": "triangle", "side": 1}}, "'kind' must be one of")
        refused_body({**BASE, "shape": {"radius": 1}}, "'kind' is required")
        # anyOf with a discriminator and no mapping: the schema names select
        assert created({**BASE, "pet": {"petType": "Cat", "lives": 9}})["pet"] == {"petType": "Cat", "lives": 9}
        refused_body({**BASE, "pet": {"petType": "Cow"}})
        refused_body({**BASE, "pet": {"petType": "Cat", "lives": "nine"}})
        """,
    )


def test_non_finite_numbers_are_refused(service: Path) -> None:
    run(
        service,
        """
        for number in (b"NaN", b"Infinity", b"-Infinity", b"1e999", b"-1e999"):
            refused_raw(b'{"name": "a", "count": 5, "price": ' + number + b"}", "body")
            refused_raw(b'{"name": "a", "count": 5, "meta": {"x": ' + number + b"}}", "body")
        # a body that is not JSON still gets the declared error
        refused(client.post("/items", content=b"{nope", headers={"Content-Type": "application/json"}))
        """,
    )


def test_a_patch_is_checked_against_its_schema_and_the_resource(service: Path) -> None:
    run(
        service,
        """
        item = client.post("/items", json={**BASE, "price": 1.5}).json()
        path = f"/items/{item['id']}"
        assert client.patch(path, json={"count": 10.0}).json()["count"] == 10
        refused(client.patch(path, json={}), "at least 1 property")  # the patch's own minProperties
        refused(client.patch(path, json={"count": 11}), "multiple of 5")
        refused(client.patch(path, json={"price": 0.001}), "multiple of 0.01")
        refused(client.patch(path, json={"when": 5}), "date-time")
        refused(client.patch(path, content=b'{"price": NaN}', headers={"Content-Type": "application/json"}))
        # the merged item would break the resource's dependentRequired: refused, nothing changes
        refused(client.patch(path, json={"card": "c"}), "billing")
        assert client.get(path).json() == {**item, "count": 10}
        """,
    )


UNENFORCED = """\
openapi: 3.1.0
info: {title: Limits, version: "1.0"}
paths:
  /things:
    post:
      operationId: makeThing
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Thing"}
      responses:
        "204": {description: made}
        "400": {description: bad}
components:
  schemas:
    Other:
      type: object
      properties:
        z: {type: string}
    Thing:
      type: object
      properties:
        not: {type: string}
        kept:
          type: string
          not: {const: x}
        refd:
          type: object
          not: {$ref: "#/components/schemas/Other"}
        listed:
          type: array
          items: {type: string}
          contains: {const: a}
"""


def test_keywords_the_service_cannot_express_are_reported_in_their_own_category(
    tmp_path: Path,
) -> None:
    """A ``not`` whose subschema is a ``$ref`` and ``contains`` are neither enforced nor
    published: the validator reports them as ``unenforced``; a property named ``not`` and an
    evaluable ``not`` are no discrepancy."""
    spec = tmp_path / "limits.yml"
    spec.write_text(UNENFORCED, encoding="utf-8")
    generate(spec, tmp_path / "service")
    found = validate(spec, tmp_path / "service")
    assert found, "the limits must be reported"
    assert {(d.category, d.kind, d.pointer.rsplit("/", 2)[-2:][1]) for d in found} == {
        ("unenforced", "missing-in-app", "not"),
        ("unenforced", "missing-in-app", "contains"),
    }, [(d.category, d.pointer) for d in found]
    assert {d.pointer.rsplit("/", 2)[-2] for d in found} == {"refd", "listed"}
