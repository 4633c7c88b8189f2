"""An object schema written without ``type`` (only ``properties``/``required``).

JSON Schema accepts any non-object value there; a generated class accepts objects only and
publishes ``type: object``, the truth about the service. The validator reports that
difference in its own category, ``objects-only`` (README: Known limits), not as drift.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from fastapi.testclient import TestClient

from specfirst.pipeline import generate
from specfirst.validator.compare import compare_documents
from specfirst.validator.run import validate

THING_DOC = """
openapi: 3.1.0
info: {title: Things, version: "1"}
paths:
  /things:
    post:
      operationId: createThing
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Thing'}
      responses:
        '201':
          description: made
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Thing'}
components:
  schemas:
    Thing:
      properties:
        name: {type: string}
      required: [name]
"""

BODY = "/paths/~1things/post/requestBody/content/application~1json/schema/type"
RESPONSE = "/paths/~1things/post/responses/201/content/application~1json/schema/type"


def test_an_untyped_object_schema_is_reported_as_objects_only(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(THING_DOC)
    out = tmp_path / "out"
    generate(spec, out)
    found = [(d.pointer, d.category, d.app) for d in validate(spec, out)]
    assert found == [(BODY, "objects-only", "object"), (RESPONSE, "objects-only", "object")]


def _doc(schema: dict[str, Any]) -> dict[str, Any]:
    return yaml.safe_load(THING_DOC) | {
        "paths": {
            "/things": {
                "get": {
                    "operationId": "getThing",
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": schema}},
                        }
                    },
                }
            }
        },
        "components": {},
    }


POINTER = "/paths/~1things/get/responses/200/content/application~1json/schema/type"


def test_only_an_added_object_type_on_an_untyped_schema_with_object_keywords_is_objects_only() -> (
    None
):
    spec = _doc({"properties": {"name": {"type": "string"}}})
    app = _doc({"type": "object", "properties": {"name": {"type": "string"}}})
    assert [(d.pointer, d.category) for d in compare_documents(spec, app, spec_version=(3, 1))] == [
        (POINTER, "objects-only")
    ]
    # no object keywords: an added type is drift
    spec = _doc({"description": "anything"})
    app = _doc({"type": "object", "description": "anything"})
    assert [(d.pointer, d.category) for d in compare_documents(spec, app, spec_version=(3, 1))] == [
        (POINTER, "schema")
    ]
    # another type than object: drift
    spec = _doc({"properties": {"name": {"type": "string"}}})
    app = _doc({"type": "string", "properties": {"name": {"type": "string"}}})
    found = compare_documents(spec, app, spec_version=(3, 1))
    assert [(d.pointer, d.category) for d in found if d.pointer == POINTER] == [(POINTER, "schema")]


def test_the_service_refuses_a_non_object_body_with_422_never_500(
    tmp_path: Path, monkeypatch: Any, fresh_app_modules: None
) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(THING_DOC)
    out = tmp_path / "out"
    generate(spec, out)
    monkeypatch.syspath_prepend(str(out))
    monkeypatch.chdir(out)
    import importlib

    app = importlib.import_module("app.main").app
    with TestClient(app) as client:
        for body in ("5", '"x"', "[1]", "null"):
            answer = client.post(
                "/things", content=body, headers={"content-type": "application/json"}
            )
            assert answer.status_code == 422, (body, answer.text)
