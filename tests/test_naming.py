"""Any name from a document becomes a valid, stable, collision-free Python identifier."""

from __future__ import annotations

import keyword
from pathlib import Path

import pytest

from specfirst import naming
from specfirst.pipeline import generate
from specfirst.validator.run import validate


@pytest.mark.parametrize(
    ("raw", "snake", "pascal"),
    [
        ("operationId", "operation_id", "OperationId"),
        ("service-id", "service_id", "ServiceId"),
        ("X-API-KEY", "x_api_key", "XAPIKEY"),
        ("user.name", "user_name", "UserName"),
        ("first name", "first_name", "FirstName"),
        ("2fa", "n2fa", "N2fa"),
        ("class", "class_", "Class"),
        ("Café", "cafe", "Cafe"),
        ("日本", "x65e5672c", "X65E5672C"),
        ("HTTPServer", "http_server", "HTTPServer"),
    ],
)
def test_identifiers(raw: str, snake: str, pascal: str) -> None:
    assert naming.snake(raw) == snake
    assert naming.pascal(raw) == pascal
    for name in (naming.snake(raw), naming.pascal(raw), naming.field_name(raw)):
        assert name.isidentifier() and not keyword.iskeyword(name)


def test_field_names_never_shadow_pydantic() -> None:
    assert naming.field_name("json") == "json_"
    assert naming.field_name("model_config") == "model_config_"
    assert naming.field_name("schema") == "schema_"


def test_scope_keeps_names_apart_that_differ_only_by_case() -> None:
    scope = naming.NameScope()
    assert [scope.claim(naming.snake(n)) for n in ("id", "ID", "Id")] == ["id", "id_2", "id_3"]
    classes = naming.class_scope()
    assert [classes.claim(naming.pascal(n)) for n in ("pet", "Pet", "PET")] == ["Pet", "Pet2", "PET3"]


def test_derived_operation_names_are_stable() -> None:
    assert naming.derived_operation_name("GET", "/pets/{petId}/photos") == "get_pets_by_pet_id_photos"
    assert naming.derived_operation_name("post", "/") == "post_root"


AWKWARD = """
openapi: 3.1.0
info: {title: Awkward names, version: "1"}
paths:
  /things/{thing-id}:
    get:
      operationId: get.thing
      parameters:
        - {name: thing-id, in: path, required: true, schema: {type: string}}
        - {name: class, in: query, schema: {type: integer}}
        - {name: X-Trace, in: header, schema: {type: string}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/thing"}
  /things:
    post:
      responses:
        "201": {description: created}
components:
  schemas:
    thing:
      type: object
      properties:
        id: {type: string}
        ID: {type: integer}
        "2fa": {type: boolean}
        json: {type: string}
        "名前": {type: string}
    Thing:
      type: object
      properties:
        from: {type: string}
"""


def test_awkward_names_generate_a_faithful_app(tmp_path: Path) -> None:
    spec = tmp_path / "awkward.yml"
    spec.write_text(AWKWARD)
    out = tmp_path / "service"
    generate(spec, out)
    source = (out / "app" / "schemas.py").read_text()
    assert "class Thing(" in source and "class Thing2(" in source
    assert "id_2: int | MISSING = Field(default=MISSING, alias='ID')" in source.replace('"', "'")
    assert validate(spec, out) == []
