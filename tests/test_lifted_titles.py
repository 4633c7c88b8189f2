"""Titles and keywords real documents publish where pydantic and FastAPI write their own.

- a nullable reference (``anyOf: [$ref, {type: null}]``) to a titled non-class schema: JSON
  Schema reads the one alternative's title as the whole's; pydantic would title the field
  with its name;
- an inline request body's own title and default: FastAPI titles a body ``Body``;
- ``items: {}`` (a list of anything) is no constraint, like no ``items``.
"""

from __future__ import annotations

from pathlib import Path

from specfirst.pipeline import generate
from specfirst.validator.run import validate

DOC = """
openapi: 3.1.0
info: {title: T, version: "1"}
paths:
  /things:
    post:
      operationId: createThing
      requestBody:
        content:
          application/json:
            schema: {type: string, default: "", title: Template}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Thing'}
components:
  schemas:
    Status: {type: string, enum: [A, B], title: Status0, description: a status}
    Spec: {type: object, title: Spec0, additionalProperties: {type: string}}
    Owner: {type: object, title: Owner0, properties: {name: {type: string}}}
    Thing:
      type: object
      properties:
        status:
          anyOf: [{$ref: '#/components/schemas/Status'}, {type: 'null'}]
          description: whether
          default: A
        labels:
          anyOf: [{$ref: '#/components/schemas/Spec'}, {type: 'null'}]
        owner:
          anyOf: [{$ref: '#/components/schemas/Owner'}, {type: 'null'}]
        renamed:
          anyOf: [{$ref: '#/components/schemas/Status'}, {type: 'null'}]
          title: Own
        pair:
          type: array
          prefixItems: [{type: string}, {type: integer}]
          minItems: 2
          maxItems: 2
"""


def test_lifted_titles_body_title_and_empty_items_are_faithful(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(DOC)
    out = tmp_path / "out"
    generate(spec, out)
    found = [(d.category, d.pointer.rsplit("/", 2)[-2:]) for d in validate(spec, out)]
    assert found == [("unenforced", ["pair", "prefixItems"])]  # README: Known limits
