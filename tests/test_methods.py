"""A method the spec does not declare on a path gets 405 with ``Allow`` listing exactly the
path's methods, and a concrete path is matched before a templated one (as OpenAPI defines).

The spec is inline. ``/notes/archived`` (tag ``archive``) comes after ``/notes/{noteId}``
(tag ``notes``) in the document and in the route modules, so the framework alone would send
``DELETE /notes/archived`` to ``deleteNote``. Every operation is an unimplemented handler:
its 501 names the operation that answered.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from specfirst.pipeline import generate, load_api
from specfirst.steps.main_entry import paths_in_match_order
from specfirst.validator.run import validate

SPEC = textwrap.dedent(
    """
    openapi: 3.1.0
    info: {title: Notes, version: "1.0"}
    paths:
      /notes:
        get:
          operationId: listNotes
          tags: [notes]
          responses: {"200": {description: The notes}}
        post:
          operationId: addNote
          tags: [notes]
          responses: {"201": {description: Added}}
      /notes/{noteId}:
        parameters:
          - {name: noteId, in: path, required: true, schema: {type: string}}
        get:
          operationId: getNote
          tags: [notes]
          responses: {"200": {description: The note}}
        put:
          operationId: replaceNote
          tags: [notes]
          responses: {"200": {description: Replaced}}
        delete:
          operationId: deleteNote
          tags: [notes]
          responses: {"204": {description: Deleted}}
      /notes/archived:
        get:
          operationId: listArchived
          tags: [archive]
          responses: {"200": {description: The archived notes}}
        delete:
          operationId: purgeArchived
          tags: [archive]
          responses: {"204": {description: Purged}}
        options:
          operationId: archiveOptions
          tags: [archive]
          responses: {"204": {description: What the archive allows}}
      /healthz:
        get:
          operationId: health
          tags: [ops]
          responses: {"200": {description: Alive}}
      /{page}:
        parameters:
          - {name: page, in: path, required: true, schema: {type: string}}
        post:
          operationId: postPage
          tags: [pages]
          responses: {"204": {description: Posted}}
    webhooks:
      noteAdded:
        post:
          operationId: noteAdded
          description: Sent when a note is added.
          responses: {"200": {description: Received}}
    """
)


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("methods") / "notes.yml"
    path.write_text(SPEC, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def service(spec: Path) -> Path:
    out = spec.parent / "service"
    generate(spec, out)
    return out


def test_paths_are_matched_concrete_first(spec: Path) -> None:
    table = paths_in_match_order(load_api(spec))
    assert table == [
        ("/notes", ("GET", "POST")),
        ("/healthz", ("GET",)),
        ("/notes/archived", ("GET", "DELETE", "OPTIONS")),
        ("/notes/{noteId}", ("GET", "PUT", "DELETE")),
        ("/{page}", ("POST",)),
    ]


def test_zero_discrepancies(spec: Path, service: Path) -> None:
    found = validate(spec, service)
    assert found == [], "\n".join(f"{d.category} {d.kind} {d.pointer}" for d in found)


def test_undeclared_methods_get_405_with_the_paths_methods(service: Path) -> None:
    script = textwrap.dedent(
        """
        import warnings
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
        from app.core.config import Settings
        from app.main import create_app

        client = TestClient(create_app(Settings.from_env({})))

        def refused(method, path, allow):
            response = client.request(method, path, follow_redirects=False)
            assert response.status_code == 405, (method, path, response.status_code, response.text)
            assert response.headers["allow"] == allow, (method, path, response.headers["allow"])
            assert "x-request-id" in response.headers  # logged like every other answer

        def answered_by(method, path, operation):
            response = client.request(method, path, follow_redirects=False)
            assert response.status_code == 501, (method, path, response.status_code, response.text)
            assert operation in response.text, (method, path, response.text)

        # every method the path declares, not only those of one route
        refused("OPTIONS", "/notes", "GET, POST")
        refused("PATCH", "/notes", "GET, POST")
        refused("OPTIONS", "/notes/n1", "GET, PUT, DELETE")
        refused("HEAD", "/notes/n1", "GET, PUT, DELETE")
        refused("QUERY", "/notes/n1", "GET, PUT, DELETE")
        # a concrete path is matched before its templated sibling
        refused("PUT", "/notes/archived", "GET, DELETE, OPTIONS")
        refused("POST", "/notes/archived", "GET, DELETE, OPTIONS")
        refused("GET", "/about", "POST")
        # declared methods reach their own operation
        answered_by("GET", "/notes", "listNotes")
        answered_by("POST", "/notes", "addNote")
        answered_by("GET", "/notes/n1", "getNote")
        answered_by("PUT", "/notes/n1", "replaceNote")
        answered_by("DELETE", "/notes/n1", "deleteNote")
        answered_by("GET", "/notes/archived", "listArchived")
        answered_by("DELETE", "/notes/archived", "purgeArchived")
        answered_by("OPTIONS", "/notes/archived", "archiveOptions")
        answered_by("POST", "/about", "postPage")
        # paths the app serves besides the spec's still answer, even under a templated path
        assert client.get("/openapi.json").status_code == 200
        answered_by("GET", "/healthz", "health")  # the spec's own /healthz, not the built-in
        # a path matches as the spec writes it: no trailing-slash redirect (its Location
        # would come from the Host header), unknown paths are 404
        assert client.request("OPTIONS", "/notes/", follow_redirects=False).status_code == 404
        assert client.get("/notes/n1/more").status_code == 404
        print("ok")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=service, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stdout + result.stderr
