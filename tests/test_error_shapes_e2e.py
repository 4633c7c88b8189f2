"""A generated service answers every refusal in the error schema and media type it declares.

``tests/specs/error_shapes.yml`` declares its errors in four common shapes: an RFC 9457
problem (``application/problem+json``, ``title`` and ``status`` required), JSON:API errors
(``application/vnd.api+json``), ``{errors: {body: [...]}}`` and a typed error with enums and
a ``date-time`` in a vendor ``+json`` type, declared by range (``4XX``, ``5XX``). The service
is generated and served (TestClient, in a child interpreter); each answer (401, 400, 404,
422, 501) must carry the declared status, the declared content type, and a body valid for
the declared schema (jsonschema, Draft 2020-12, formats asserted). The generated suite of
the service must pass too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO, run_generated_suite
from jsonschema import Draft202012Validator, FormatChecker

from specfirst.pipeline import generate

SPEC = REPO / "tests" / "specs" / "error_shapes.yml"
KEY = {"X-Key": "k1"}

# (name, method, path, request keywords, the status expected)
REQUESTS: list[tuple[str, str, str, dict[str, Any], int]] = [
    ("no key, problem", "GET", "/notes", {}, 401),
    ("out of range query, problem", "GET", "/notes?limit=0", {"headers": KEY}, 400),
    ("missing body field, problem", "POST", "/notes", {"headers": KEY, "json": {}}, 422),
    ("unknown id, problem", "GET", "/notes/4242", {"headers": KEY}, 404),
    ("not implemented, default problem", "POST", "/notes/1/archive", {"headers": KEY}, 501),
    ("no key, HEAD: headers only", "HEAD", "/notes/1", {}, 401),
    ("no key, JSON:API", "GET", "/tags/1", {}, 401),
    ("unknown id, JSON:API", "GET", "/tags/4242", {"headers": KEY}, 404),
    (
        "invalid body, JSON:API",
        "POST",
        "/tags",
        {"headers": {**KEY, "Content-Type": "application/vnd.api+json"}, "content": "{}"},
        400,
    ),
    ("invalid body, errors.body", "POST", "/users/login", {"json": {"email": "x"}}, 422),
    ("no key, typed 4XX", "GET", "/reports/1", {}, 401),
    ("invalid path, typed 4XX", "GET", "/reports/abc", {"headers": KEY}, 400),
    ("not implemented, typed 5XX", "GET", "/reports/1", {"headers": KEY}, 501),
]

CLIENT = textwrap.dedent(
    """\
    import json, sys
    from fastapi.testclient import TestClient
    from app.core.config import Settings
    from app.core.db import Database
    from app.main import create_app

    app = create_app(settings=Settings.from_env({"KEY_KEYS": "k1"}), database=Database(sys.argv[1]))
    answers = []
    with TestClient(app, raise_server_exceptions=False) as client:
        for method, path, keywords in json.loads(sys.stdin.read()):
            response = client.request(method, path, **keywords)
            answers.append({
                "status": response.status_code,
                "content_type": response.headers.get("content-type"),
                "request_id": response.headers.get("x-request-id"),
                "body": response.json() if response.content else None,
            })
    print(json.dumps(answers))
    """
)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("error_shapes") / "service"
    generate(SPEC, out)
    return out


@pytest.fixture(scope="module")
def answers(service: Path, tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    database = f"sqlite:///{tmp_path_factory.mktemp('db') / 'service.db'}"
    sent = [[method, path, keywords] for _, method, path, keywords, _ in REQUESTS]
    result = subprocess.run(
        [sys.executable, "-c", CLIENT, database],
        cwd=service,
        input=json.dumps(sent),
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "DATABASE_URL": database},
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def declared(document: dict[str, Any], method: str, path: str, status: int) -> tuple[str, Any]:
    """The media type and schema the document declares for ``status`` (exact, range, default)."""
    template = {
        "/notes": "/notes",
        "/notes/4242": "/notes/{noteId}",
        "/notes/1": "/notes/{noteId}",
        "/notes/1/archive": "/notes/{noteId}/archive",
        "/tags": "/tags",
        "/tags/1": "/tags/{tagId}",
        "/tags/4242": "/tags/{tagId}",
        "/users/login": "/users/login",
        "/reports/1": "/reports/{reportId}",
        "/reports/abc": "/reports/{reportId}",
    }[path.split("?")[0]]
    responses = document["paths"][template][method.lower()]["responses"]
    for key in (str(status), f"{str(status)[0]}XX", "default"):
        if key in responses:
            response = responses[key]
            if "$ref" in response:
                response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
            ((media_type, media),) = response["content"].items()
            return media_type, {**media["schema"], "components": document["components"]}
    raise AssertionError(f"{method} {path} declares no {status}")


@pytest.mark.parametrize("index", range(len(REQUESTS)), ids=[r[0] for r in REQUESTS])
def test_refusals_fit_the_declared_schema_and_media_type(
    index: int, answers: list[dict[str, Any]]
) -> None:
    _, method, path, _, status = REQUESTS[index]
    answer = answers[index]
    assert answer["status"] == status, answer
    document = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    media_type, schema = declared(document, method, path, status)
    assert answer["content_type"] == media_type
    if method == "HEAD":  # the headers a GET would get, no body
        assert answer["body"] is None
        return
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    problems = [
        f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(answer["body"])
    ]
    assert problems == [], answer["body"]


def test_the_bodies_say_what_was_refused(answers: list[dict[str, Any]]) -> None:
    by_name = {r[0]: a for r, a in zip(REQUESTS, answers, strict=True)}
    unauthorized = by_name["no key, problem"]["body"]
    assert unauthorized["title"] == "Unauthorized" and unauthorized["status"] == 401
    assert unauthorized["instance"] == "/notes"
    assert unauthorized["request_id"] == by_name["no key, problem"]["request_id"]
    assert by_name["missing body field, problem"]["body"]["detail"].startswith("body.text: ")
    errors = by_name["invalid body, JSON:API"]["body"]["errors"]
    assert errors[0]["status"] == "400" and errors[0]["source"] == {"pointer": "/name"}
    login = by_name["invalid body, errors.body"]["body"]["errors"]["body"]
    assert any(message.startswith("body.password: ") for message in login)
    typed = by_name["not implemented, typed 5XX"]["body"]
    assert (typed["type"], typed["code"], typed["status"]) == ("error", "not_implemented", 501)


def test_the_generated_suite_passes(service: Path) -> None:
    result = run_generated_suite(service)
    assert result.returncode == 0, result.stdout[-4000:]
