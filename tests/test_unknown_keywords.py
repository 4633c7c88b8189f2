"""Schema keywords neither OpenAPI nor JSON Schema define are annotations: published as written."""

from __future__ import annotations

import textwrap
from pathlib import Path

from specfirst.pipeline import generate
from specfirst.validator.run import validate

SPEC = textwrap.dedent(
    """
    openapi: 3.1.0
    info: {title: Unknown keywords, version: "1"}
    paths:
      /settings:
        get:
          operationId: getSettings
          responses:
            "200":
              description: the settings
              content:
                application/json:
                  schema: {$ref: "#/components/schemas/Settings"}
    components:
      schemas:
        Settings:
          type: object
          required: []
          tool_hint: {group: net}
          properties:
            url:
              anyOf: [{type: string}, {type: "null"}]
              description: Where to connect.
              env_names: [APP_URL]
            retries:
              type: integer
              env_names: [APP_RETRIES]
    """
)


def test_unknown_keywords_and_empty_required_round_trip(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yml"
    spec.write_text(SPEC, encoding="utf-8")
    out = tmp_path / "service"
    generate(spec, out)
    found = validate(spec, out)
    assert found == [], "\n".join(
        f"{d.category} {d.kind} {d.pointer} {d.spec!r} {d.app!r}" for d in found
    )
    schemas = (out / "app" / "schemas.py").read_text(encoding="utf-8")
    assert "env_names" in schemas and "tool_hint" in schemas
