"""A document whose info has an empty title and version generates an app that imports and matches."""

from __future__ import annotations

from pathlib import Path

from specfirst.pipeline import generate
from specfirst.validator.run import validate

SPEC = """\
openapi: 3.0.3
info: {title: "", version: ""}
paths:
  /ping:
    get:
      operationId: ping
      responses:
        "204": {description: pong}
"""


def test_empty_title_and_version(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yml"
    spec.write_text(SPEC, encoding="utf-8")
    generate(spec, tmp_path / "service")
    found = validate(spec, tmp_path / "service")
    assert found == [], [f"{d.pointer}: {d.spec!r} vs {d.app!r}" for d in found]
