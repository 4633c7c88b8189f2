"""Which status answers a refusal, and the spec gaps `specfirst plan` lists.

One table and one ``choose`` (``specfirst.runtime.refusals``) serve the generator and every
generated service, which carries the runtime modules verbatim: these tests check the choice,
that a service's routes drive it the same way through their declarations, and the copies.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from conftest import REPO
from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.requests import Request

from specfirst import refusals
from specfirst.build import build_api
from specfirst.loader import load_spec
from specfirst.resources import describe_gaps, make_plan, spec_gaps
from specfirst.runtime import RUNTIME_MODULES, header, source
from specfirst.runtime import errors as runtime_errors

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


def _route(declared: list[str]) -> APIRoute:
    """A FastAPI route declaring ``declared`` as a generated route does: the first key is
    its own status, the others its ``responses`` (numbers as ints, ranges as strings)."""
    app = FastAPI()
    own, *others = declared
    responses = {int(k) if k.isdigit() else k: {"description": k} for k in others}

    @app.get("/thing", status_code=int(own), responses=responses)
    def thing() -> None: ...

    return next(r for r in app.routes if isinstance(r, APIRoute))


@pytest.mark.parametrize(("declared", "refusal", "expected"), CASES)
def test_a_service_chooses_from_its_route_declarations(
    declared: list[str], refusal: refusals.Refusal, expected: int | None
) -> None:
    request = Request(
        {"type": "http", "method": "GET", "path": "/thing", "route": _route(declared)}
    )
    status = runtime_errors.refusal_status(request, refusal.kind)
    assert status == (refusal.fallback if expected is None else expected)


def test_a_request_outside_any_route_gets_the_fallback() -> None:
    request = Request({"type": "http", "method": "GET", "path": "/nowhere"})
    assert runtime_errors.refusal_status(request, "credentials") == 401
    assert runtime_errors.refusal_status(request, "invalid") == 422


@pytest.mark.parametrize(("module", "path"), [(m, p) for m, p, _ in RUNTIME_MODULES])
def test_the_golden_service_carries_the_runtime_modules_verbatim(module: str, path: str) -> None:
    """The writer formats generated code with ruff: the runtime modules must come out as they
    are in specfirst, so the service runs exactly the code the unit tests cover."""
    copied = (REPO / "service" / path).read_text(encoding="utf-8")
    assert copied == header(module) + source(module)


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
    assert (
        "POST /notes: refuses an id that is already taken with 409, and declares no 409 or 400 or 422"
        in text
    )
    assert "DELETE /notes/{id}: declares no success response; a success answers 200" in text


def test_the_repo_spec_has_no_gaps() -> None:
    from conftest import SPEC

    api = build_api(load_spec(SPEC))
    assert spec_gaps(api, make_plan(api)) == []
