"""Lenient loading: repairable defects are located warnings and the service is built with the
repair; ``--strict`` refuses them; ``$ref`` stays literal in data and inside the root folder."""

from __future__ import annotations

import os
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from specfirst.cli import main
from specfirst.errors import SpecError
from specfirst.ir import NO_VALUE
from specfirst.loader import MAX_FILE_BYTES, _error_message, load_spec
from specfirst.pipeline import generate, load_api


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip())
    return root / next(iter(files))


def _refused(path: Path) -> list[str]:
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    return [problem.message for problem in caught.value.problems]


# --------------------------------------------------------------------------- literal data

LITERAL_REFS = """
    openapi: 3.1.0
    info:
      title: Literal refs
      version: "1"
      x-logo: {$ref: "#/nowhere"}
    paths:
      /things:
        x-group: {$ref: "missing.yaml"}
        get:
          operationId: listThings
          x-sample: {$ref: "../outside.yaml"}
          responses:
            "200":
              description: ok
              content:
                application/json:
                  schema:
                    $ref: "#/components/schemas/Thing"
                  example: {$ref: "#/components/schemas/Gone"}
                  examples:
                    one:
                      value: {$ref: "/etc/passwd"}
    components:
      schemas:
        Thing:
          type: object
          x-meta: {$ref: "#/components/schemas/Nope"}
          default: {$ref: "#/a"}
          example: {$ref: "#/b"}
          examples: [{$ref: "#/c"}]
          properties:
            x-link:
              $ref: "#/components/schemas/Link"
            kind:
              enum: [{$ref: "#/d"}]
            fixed:
              const: {$ref: "#/e"}
        Link:
          type: string
"""


def test_refs_inside_extensions_and_example_values_are_data(tmp_path: Path) -> None:
    spec = load_spec(_write(tmp_path, {"openapi.yaml": LITERAL_REFS}))
    assert spec.warnings == []
    document = spec.document
    assert document["info"]["x-logo"] == {"$ref": "#/nowhere"}
    media = document["paths"]["/things"]["get"]["responses"]["200"]["content"]["application/json"]
    assert media["examples"]["one"]["value"] == {"$ref": "/etc/passwd"}
    thing = document["components"]["schemas"]["Thing"]
    assert thing["x-meta"] == {"$ref": "#/components/schemas/Nope"}
    assert thing["properties"]["kind"]["enum"] == [{"$ref": "#/d"}]


def test_a_property_named_like_an_extension_is_still_a_schema(tmp_path: Path) -> None:
    text = LITERAL_REFS.replace(
        '$ref: "#/components/schemas/Link"', '$ref: "#/components/schemas/Missing"'
    )
    assert _refused(_write(tmp_path, {"openapi.yaml": text})) == [
        "dangling $ref '#/components/schemas/Missing': nothing at /components/schemas/Missing "
        "in openapi.yaml".replace("openapi.yaml", str(tmp_path / "openapi.yaml"))
    ]


# --------------------------------------------------------------------------- $ref confinement

OUTSIDE = """
    openapi: 3.0.3
    info: {title: t, version: "1"}
    paths:
      /a:
        get:
          responses:
            "200":
              $ref: "REF"
"""


def _outside(tmp_path: Path, ref: str) -> list[str]:
    return _refused(_write(tmp_path / "api", {"openapi.yaml": OUTSIDE.replace("REF", ref)}))


def test_symlink_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret.yaml").write_text("description: secret\n")
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "link.yaml").symlink_to(tmp_path / "secret.yaml")
    assert _outside(tmp_path, "link.yaml") == [
        "$ref 'link.yaml' reaches outside the root document's folder (see --ref-root); refusing to read it"
    ]


@pytest.mark.parametrize(
    "ref", ["../secret.yaml", "%2e%2e/secret.yaml", "sub/%2E%2E/../secret.yaml"]
)
def test_relative_escapes_are_refused(tmp_path: Path, ref: str) -> None:
    (tmp_path / "secret.yaml").write_text("description: secret\n")
    assert _outside(tmp_path, ref) == [
        f"$ref {ref!r} reaches outside the root document's folder (see --ref-root); refusing to read it"
    ]


def test_absolute_path_is_refused(tmp_path: Path) -> None:
    ref = str(tmp_path / "secret.yaml")
    (tmp_path / "secret.yaml").write_text("description: secret\n")
    assert _outside(tmp_path, ref) == [
        f"$ref {ref!r} reaches outside the root document's folder (see --ref-root); refusing to read it"
    ]


def test_fifo_is_refused_without_reading_it(tmp_path: Path) -> None:
    (tmp_path / "api").mkdir()
    os.mkfifo(tmp_path / "api" / "pipe.yaml")  # reading it would wait for a writer forever
    assert _outside(tmp_path, "pipe.yaml") == [
        "$ref 'pipe.yaml': pipe.yaml: not a regular file; refusing to read it"
    ]


def test_device_as_root_document_is_refused() -> None:
    assert _refused(Path("/dev/zero")) == ["not a regular file; refusing to read it"]


def test_file_over_the_size_cap_is_refused_before_reading(tmp_path: Path) -> None:
    (tmp_path / "api").mkdir()
    with (tmp_path / "api" / "huge.yaml").open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: nothing is written to disk
    assert _outside(tmp_path, "huge.yaml") == [
        "$ref 'huge.yaml': huge.yaml: file is larger than 64 MB; refusing to read it"
    ]


# --------------------------------------------------------------------------- no traceback


def test_long_instances_are_shortened_on_every_python() -> None:
    from jsonschema.exceptions import ValidationError

    instance = {f"key{i}": "value " * 20 for i in range(10)}
    error = ValidationError(
        f"{instance!r} is not valid under any of the given schemas", instance=instance
    )
    message = _error_message(error)
    assert message.endswith(" is not valid under any of the given schemas")
    assert len(message) < 300


# --------------------------------------------------------------------------- repairs in the model

REPAIRABLE = """
    openapi: 3.0.3
    info: {title: Repairable, version: "1"}
    paths:
      /things/{thingId}:
        get:
          operationId: getThing
          security:
            - apiKey: []
          responses:
            "200":
              description: ok
              content:
                application/json:
                  schema: {$ref: "#/components/schemas/Thing"}
        delete:
          operationId: deleteThing
          security:
            - sessionCookie: []
          parameters:
            - {name: thingId, in: path, required: true, schema: {type: string}}
          responses:
            "204":
              description: deleted
              content:
                application/json:
                  schema: {type: object}
            "401":
              description: refused
    components:
      securitySchemes:
        apiKey: {type: apiKey, in: header, name: X-API-Key}
      schemas:
        Thing:
          type: object
          properties:
            size: {type: integer, minimum: 1, default: 0}
"""


def test_repairs_reach_the_model(tmp_path: Path) -> None:
    api = load_api(_write(tmp_path, {"openapi.yaml": REPAIRABLE}))
    assert [w.assumed for w in api.warnings] == [
        "declared as a required string path parameter 'thingId'",
        "the requirement naming it accepts no credential (every request relying on it is refused)",
        "the content is ignored",
        "kept as documentation, never used as the runtime default",
    ]
    get = next(op for op in api.operations if op.method == "get")
    [parameter] = get.parameters
    assert (parameter.name, parameter.location, parameter.required) == ("thingId", "path", True)
    delete = next(op for op in api.operations if op.method == "delete")
    assert next(r for r in delete.responses if r.status == "204").contents == []
    size = api.components["Thing"].properties["size"].schema
    assert size.default is NO_VALUE
    assert size.annotations["default"] == 0


def test_strict_refuses_every_repair(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as caught:
        load_api(_write(tmp_path, {"openapi.yaml": REPAIRABLE}), strict=True)
    assert len(caught.value.problems) == 4
    assert all(problem.assumed is None and problem.line for problem in caught.value.problems)


@pytest.fixture(scope="module")
def repaired_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("repaired")
    spec = _write(root, {"openapi.yaml": REPAIRABLE})
    generate(spec, root / "service")
    sys.path.insert(0, str(root / "service"))
    try:
        from app.core.config import Settings
        from app.core.db import Database
        from app.main import create_app

        keys = {"API_KEY_KEYS": "good-key", "SESSION_COOKIE_KEYS": "cookie"}
        app = create_app(
            Settings.from_env(keys), database=Database(f"sqlite:///{root / 'db.sqlite'}")
        )
        yield TestClient(app)
    finally:
        sys.path.remove(str(root / "service"))
        for name in [m for m in sys.modules if m == "app" or m.startswith("app.")]:
            del sys.modules[name]


def test_repaired_path_parameter_routes(repaired_client: TestClient) -> None:
    response = repaired_client.get("/things/abc", headers={"X-API-Key": "good-key"})
    assert response.status_code not in (401, 403, 405, 422)
    assert repaired_client.get("/things/abc").status_code == 401


def test_undefined_scheme_refuses_everything(repaired_client: TestClient) -> None:
    attempts: list[dict[str, Any]] = [
        {},
        {"headers": {"X-API-Key": "good-key"}},
        {"headers": {"Cookie": "sessionCookie=cookie"}},  # per-request cookies= is deprecated
        {"headers": {"Authorization": "Bearer cookie", "sessionCookie": "cookie"}},
    ]
    for attempt in attempts:
        repaired_client.cookies.clear()
        assert repaired_client.delete("/things/abc", **attempt).status_code == 401


# --------------------------------------------------------------------------- the command line


def test_commands_print_warnings_and_strict_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = str(_write(tmp_path, {"openapi.yaml": REPAIRABLE}))
    assert main(["plan", spec]) == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 4
    assert all(line.startswith(f"warning: {spec}:") and "; assumed: " in line for line in err)
    assert main(["plan", "--strict", spec]) == 2
    refused = capsys.readouterr().err.splitlines()
    assert refused == [line.removeprefix("warning: ").partition("; assumed: ")[0] for line in err]


def test_ref_root_widens_the_folder_refs_may_read(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "ok.yaml").write_text("description: ok\n")
    text = OUTSIDE.replace("REF", "../models/ok.yaml")
    spec_path = _write(tmp_path / "reference", {"openapi.yaml": text})
    assert _refused(spec_path) == [
        (
            "$ref '../models/ok.yaml' reaches outside the root document's folder "
            "(see --ref-root); refusing to read it"
        )
    ]
    spec = load_spec(spec_path, ref_root=tmp_path)
    response = spec.document["paths"]["/a"]["get"]["responses"]["200"]
    assert spec.resolve(response["$ref"]) == {"description": "ok"}
    with pytest.raises(SpecError):
        load_spec(
            _write(
                tmp_path / "reference", {"openapi.yaml": OUTSIDE.replace("REF", "/etc/hostname")}
            ),
            ref_root=tmp_path,
        )


def test_operations_given_as_refs_are_used_in_place() -> None:
    api = load_api(Path(__file__).parent / "bad_specs" / "operation_ref" / "openapi.yaml")
    assert [(op.method, op.operation_id) for op in api.operations] == [
        ("get", "listThings"),
        ("post", "createThing"),
    ]
    [listed] = api.operations[0].responses
    assert listed.contents[0].schema is not None
    assert listed.contents[0].schema.ref is api.components["Things"]
