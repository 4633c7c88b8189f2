"""Which status answers a refusal, and the spec gaps `specfirst plan` lists.

The generator (``specfirst.refusals``) and the generated services (``app/core/errors.py``)
carry the same table; these tests hold both to it.
"""

from __future__ import annotations

import importlib.util
import textwrap
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO

from specfirst import refusals
from specfirst.build import build_api
from specfirst.loader import load_spec
from specfirst.resources import describe_gaps, make_plan, spec_gaps

CASES = [
    # declared response keys, refusal, expected status (None: the spec is silent)
    (["200", "401", "403"], refusals.CREDENTIALS, 401),
    (["200", "403"], refusals.CREDENTIALS, 403),
    (["200", "4XX"], refusals.CREDENTIALS, 401),
    (["200", "default"], refusals.CREDENTIALS, 401),
    (["200", "400"], refusals.CREDENTIALS, None),
    (["200", "422", "400"], refusals.INVALID, 400),
    (["200", "422"], refusals.INVALID, 422),
    (["200", "403", "4XX"], refusals.INVALID, 400),
    (["200", "404"], refusals.INVALID, None),
    (["200", "404"], refusals.INVALID_PATH, 404),
    (["200", "404", "422"], refusals.INVALID_PATH, 422),
    (["200", "4xx"], refusals.NOT_FOUND, 404),
    (["201", "400"], refusals.CONFLICT, 400),
    (["201", "405"], refusals.CONFLICT, None),
]


@pytest.mark.parametrize(("declared", "refusal", "expected"), CASES)
def test_choose(declared: list[str], refusal: refusals.Refusal, expected: int | None) -> None:
    assert refusals.choose(declared, refusal) == expected


def _generated_errors_module() -> Any:
    """The golden service's ``app/core/errors.py``, loaded under a private name (it imports
    nothing from ``app``), so that no ``app`` package is left in ``sys.modules``."""
    path = REPO / "service" / "app" / "core" / "errors.py"
    spec = importlib.util.spec_from_file_location("_golden_generated_errors", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Route:
    """What the generated ``refusal_status`` reads from an APIRoute: its declared responses."""

    def __init__(self, declared: list[str]) -> None:
        self.responses = {int(k) if k.isdigit() else k: {} for k in declared}
        self.status_code = None


@pytest.mark.parametrize(("declared", "refusal", "expected"), CASES)
def test_generated_services_choose_the_same(
    declared: list[str], refusal: refusals.Refusal, expected: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    errors = _generated_errors_module()
    assert errors.REFUSALS == {r.kind: (r.preferred, r.fallback) for r in refusals.REFUSALS}
    monkeypatch.setattr(errors, "APIRoute", _Route)

    class _Request:
        scope = {"route": _Route(declared)}

    assert errors.refusal_status(_Request(), refusal.kind) == (
        refusal.fallback if expected is None else expected
    )


GAPPY = textwrap.dedent(
    """\
    openapi: 3.1.0
    info: {title: Gaps, version: "1"}
    security: [{key: []}]
    components:
      securitySchemes:
        key: {type: apiKey, in: header, name: X-Key}
      schemas:
        Note:
          type: object
          required: [id, text]
          properties: {id: {type: integer}, text: {type: string}}
    paths:
      /notes:
        post:
          operationId: createNote
          requestBody:
            required: true
            content: {application/json: {schema: {$ref: "#/components/schemas/Note"}}}
          responses:
            "201":
              description: Created
              content: {application/json: {schema: {$ref: "#/components/schemas/Note"}}}
            "401": {description: No key}
      /notes/{id}:
        get:
          operationId: getNote
          security: []
          parameters:
            - {name: id, in: path, required: true, schema: {type: integer}}
          responses:
            "200":
              description: The note
              content: {application/json: {schema: {$ref: "#/components/schemas/Note"}}}
            "404": {description: No such note}
        delete:
          operationId: deleteNote
          parameters:
            - {name: id, in: path, required: true, schema: {type: integer}}
          responses:
            "4XX": {description: Refused}
    """
)


def test_plan_lists_the_refusals_a_spec_declares_no_response_for(tmp_path: Path) -> None:
    spec = tmp_path / "openapi.yaml"
    spec.write_text(GAPPY, encoding="utf-8")
    api = build_api(load_spec(spec))
    found = spec_gaps(api, make_plan(api))
    assert [(g.label, g.kind, g.status) for g in found] == [
        ("POST /notes", "invalid", 422),
        ("POST /notes", "malformed_body", 400),
        ("POST /notes", "conflict", 409),
        # getNote: no credential needed; a wrong id type is answered with the declared 404
        ("DELETE /notes/{id}", "success", 200),
    ]
    text = describe_gaps(found)
    assert text.startswith("spec gaps (4):")
    assert "POST /notes: refuses an id that is already taken with 409, and declares no 409 or 400 or 422" in text
    assert "DELETE /notes/{id}: declares no success response; a success answers 200" in text


def test_the_repo_spec_has_no_gaps() -> None:
    from conftest import SPEC

    api = build_api(load_spec(SPEC))
    assert spec_gaps(api, make_plan(api)) == []
