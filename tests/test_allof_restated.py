"""A property that a base and an allOf member both describe must satisfy both (JSON Schema
applies every allOf member); a pydantic subclass would keep only its own definition."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from specfirst.pipeline import generate
from specfirst.validator.run import validate

SPEC = """
openapi: 3.1.0
info: {title: T, version: "1"}
paths:
  /reviews:
    get:
      operationId: getReview
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Review'}
components:
  schemas:
    Base:
      type: object
      properties:
        id: {type: string, minLength: 1, description: any id}
        ts: {type: integer}
    Review:
      allOf:
        - $ref: '#/components/schemas/Base'
        - type: object
          properties:
            id: {type: string, minLength: 20, maxLength: 20, description: a review id}
            note: {type: string}
            ts: {type: integer, example: 5}
"""


def test_a_restated_property_keeps_every_definition(
    tmp_path: Path, monkeypatch: Any, fresh_app_modules: None
) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    out = tmp_path / "out"
    generate(spec, out)
    assert validate(spec, out) == []  # ts: the member's definition says all the base's does
    monkeypatch.syspath_prepend(str(out))
    review = importlib.import_module("app.schemas").Review
    assert review.model_validate({"id": "x" * 20}).id == "x" * 20
    for wrong in ("x" * 5, ""):  # the class's own bounds, and the base's
        with pytest.raises(ValidationError):
            review.model_validate({"id": wrong})
