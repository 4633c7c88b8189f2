"""An allOf of a nullable object (OAS 3.0 ``nullable: true`` behind a ``$ref``) accepts null."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from specfirst.pipeline import generate
from specfirst.validator.run import validate

SPEC = textwrap.dedent(
    """
    openapi: 3.0.3
    info: {title: Relations, version: "1"}
    paths:
      /orders:
        get:
          operationId: listOrders
          responses:
            "200":
              description: the orders
              content:
                application/json:
                  schema:
                    type: array
                    items: {$ref: "#/components/schemas/Order"}
    components:
      schemas:
        Relation:
          type: object
          nullable: true
          required: [id]
          properties:
            id: {type: string}
        Order:
          type: object
          properties:
            customer:
              allOf: [{$ref: "#/components/schemas/Relation"}]
            lines:
              type: array
              items:
                allOf: [{$ref: "#/components/schemas/Relation"}]
    """
)


def test_allof_of_a_nullable_ref_accepts_null_and_round_trips(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yml"
    spec.write_text(SPEC, encoding="utf-8")
    out = tmp_path / "service"
    generate(spec, out)
    found = validate(spec, out)
    assert found == [], [f"{d.pointer}: {d.spec!r} vs {d.app!r}" for d in found]
    script = textwrap.dedent(
        """
        import json, sys
        from app.schemas import Order
        value = {"customer": None, "lines": [{"id": "a"}, None]}
        print(json.dumps(Order.model_validate(value).model_dump(mode="json", exclude_unset=True)))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=out, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout) == {"customer": None, "lines": [{"id": "a"}, None]}
