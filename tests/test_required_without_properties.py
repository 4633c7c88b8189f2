"""An object that requires names without describing them: each must be present, any value."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from specfirst.pipeline import generate
from specfirst.validator.run import validate

SPEC = textwrap.dedent(
    """
    openapi: 3.0.3
    info: {title: Bare required, version: "1"}
    paths:
      /exports:
        get:
          operationId: listExports
          responses:
            "200":
              description: the exports
              content:
                application/json:
                  schema:
                    type: array
                    items: {type: object, required: [name, latest]}
    """
)


def test_required_names_without_properties_are_enforced_and_published(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yml"
    spec.write_text(SPEC, encoding="utf-8")
    out = tmp_path / "service"
    generate(spec, out)
    found = validate(spec, out)
    assert found == [], [f"{d.pointer}: {d.spec!r} vs {d.app!r}" for d in found]
    script = textwrap.dedent(
        """
        from pydantic import BaseModel, ValidationError
        from app import schemas
        (item,) = [
            c for c in vars(schemas).values()
            if isinstance(c, type) and issubclass(c, BaseModel) and {"name", "latest"} <= set(c.model_fields)
        ]
        item.model_validate({"name": "a", "latest": None, "extra": 1})
        try:
            item.model_validate({"name": "a"})
        except ValidationError:
            print("refused")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=out, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "refused"
