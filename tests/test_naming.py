"""Any name from a document becomes a valid, stable, collision-free Python identifier."""

from __future__ import annotations

import keyword
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

from specfirst import naming
from specfirst.pipeline import generate
from specfirst.validator.run import validate


@pytest.mark.parametrize(
    ("raw", "snake", "pascal"),
    [
        ("operationId", "operation_id", "OperationId"),
        ("service-id", "service_id", "ServiceId"),
        ("X-API-KEY", "x_api_key", "XAPIKEY"),
        ("user.name", "user_name", "UserName"),
        ("first name", "first_name", "FirstName"),
        ("2fa", "n2fa", "N2fa"),
        ("class", "class_", "Class"),
        ("Café", "cafe", "Cafe"),
        ("日本", "x65e5672c", "X65E5672C"),
        ("HTTPServer", "http_server", "HTTPServer"),
    ],
)
def test_identifiers(raw: str, snake: str, pascal: str) -> None:
    assert naming.snake(raw) == snake
    assert naming.pascal(raw) == pascal
    for name in (naming.snake(raw), naming.pascal(raw), naming.field_name(raw)):
        assert name.isidentifier() and not keyword.iskeyword(name)


def test_field_names_never_shadow_pydantic() -> None:
    assert naming.field_name("json") == "json_"
    assert naming.field_name("model_config") == "model_config_"
    assert naming.field_name("schema") == "schema_"


def test_scope_keeps_names_apart_that_differ_only_by_case() -> None:
    scope = naming.NameScope()
    assert [scope.claim(naming.snake(n)) for n in ("id", "ID", "Id")] == ["id", "id_2", "id_3"]
    classes = naming.class_scope()
    assert [classes.claim(naming.pascal(n)) for n in ("pet", "Pet", "PET")] == [
        "Pet",
        "Pet2",
        "PET3",
    ]


def test_derived_operation_names_are_stable() -> None:
    assert (
        naming.derived_operation_name("GET", "/pets/{petId}/photos") == "get_pets_by_pet_id_photos"
    )
    assert naming.derived_operation_name("post", "/") == "post_root"


AWKWARD = """
openapi: 3.1.0
info: {title: Awkward names, version: "1"}
paths:
  /things/{thing-id}:
    get:
      operationId: get.thing
      parameters:
        - {name: thing-id, in: path, required: true, schema: {type: string}}
        - {name: class, in: query, schema: {type: integer}}
        - {name: X-Trace, in: header, schema: {type: string}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/thing"}
  /things:
    post:
      responses:
        "201": {description: created}
components:
  schemas:
    thing:
      type: object
      properties:
        id: {type: string}
        ID: {type: integer}
        "2fa": {type: boolean}
        json: {type: string}
        "名前": {type: string}
    Thing:
      type: object
      properties:
        from: {type: string}
"""


def test_awkward_names_generate_a_faithful_app(tmp_path: Path) -> None:
    spec = tmp_path / "awkward.yml"
    spec.write_text(AWKWARD)
    out = tmp_path / "service"
    generate(spec, out)
    source = (out / "app" / "schemas.py").read_text()
    assert "class Thing(" in source and "class Thing2(" in source
    assert "id_2: Integer | MISSING = Field(default=MISSING, alias='ID')" in source.replace(
        '"', "'"
    )
    assert validate(spec, out) == []


# The templates whose modules hold names taken from a document (classes, aliases, operation
# functions, security verifiers), and the namespaces those names are allocated in.
_NAMESPACES = {
    "app/schemas.py.j2": "classes",
    "app/api/routes/module.py.j2": "classes+functions",
    "app/handlers/module.py.j2": "classes+functions",
    "app/core/security.py.j2": "schemes",
}


def _imported_names(template: str) -> set[str]:
    names: set[str] = set()
    text = re.sub(
        r"\{[%{#].*?[%}#]\}", "", template, flags=re.DOTALL
    )  # Jinja markup names nothing fixed
    for match in re.finditer(
        r"^from [\w.]+ import \(?([^)\n]*(?:\n[^)\n]*)*?)\)?$", text, flags=re.MULTILINE
    ):
        for part in match.group(1).split(","):
            part = part.split("#")[0].strip()
            if part:
                names.add(re.split(r"\bas\b", part)[-1].strip())
    names.update(re.findall(r"^import (\w+)$", text, flags=re.MULTILINE))
    return names


@pytest.mark.parametrize("template", sorted(_NAMESPACES))
def test_no_document_name_can_take_an_imported_name(template: str) -> None:
    source = (REPO / "templates" / template).read_text()
    kinds = _NAMESPACES[template]
    for name in _imported_names(source):
        if name == "annotations":
            continue
        if "classes" in kinds and name[:1].isupper():
            assert name in naming.class_scope(), f"{template}: class name {name!r} is not reserved"
        if "functions" in kinds and name[:1].islower():
            assert name in naming.function_scope(), (
                f"{template}: function name {name!r} is not reserved"
            )
        if kinds == "schemes":
            assert name in naming.scheme_scope() or name[:1].isupper(), (
                f"{template}: {name!r} is not reserved"
            )


COLLIDING = """
openapi: 3.1.0
info: {title: Names that generated modules use, version: "1"}
paths:
  /things/{given}:
    get:
      operationId: security
      parameters:
        - {name: given, in: path, required: true, schema: {type: string}}
        - {name: db, in: query, schema: {type: string}}
        - {name: ctx, in: query, schema: {type: string}}
        - {name: pets_table, in: query, schema: {type: string}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/HTTPValidationError"}
        "400":
          description: bad
          content:
            application/json:
              schema: {$ref: "#/components/schemas/ValidationError"}
  /time:
    post:
      operationId: time
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Query"}
      responses:
        "204": {description: done}
components:
  schemas:
    ValidationError:
      type: object
      required: [reason]
      properties:
        reason: {type: string}
    HTTPValidationError:
      type: object
      properties:
        problems: {type: array, items: {$ref: "#/components/schemas/ValidationError"}}
    Query:
      type: object
      properties:
        Field: {$ref: "#/components/schemas/Field"}
        BaseModel: {type: string}
        model_config: {type: string}
        Any: {type: integer}
        class: {type: string}
    Field: {type: string, maxLength: 3}
    BaseModel: {type: integer}
    Annotated: {type: array, items: {$ref: "#/components/schemas/Literal"}}
    Literal: {type: string, enum: [a, b]}
    MISSING: {type: boolean}
    Path: {type: object, properties: {depends: {$ref: "#/components/schemas/Depends"}}}
    Depends: {type: string}
    COMPONENTS: {type: string}
    None: {type: string}
"""


def test_names_colliding_with_generated_modules_generate_a_faithful_app(tmp_path: Path) -> None:
    spec = tmp_path / "colliding.yml"
    spec.write_text(COLLIDING)
    out = tmp_path / "service"
    generate(spec, out)
    assert validate(spec, out) == []
    script = (
        "import warnings; warnings.simplefilter('ignore')\n"
        "from fastapi.testclient import TestClient\n"
        "from app.main import create_app\n"
        "from app.schemas import COMPONENTS\n"
        "assert sorted(COMPONENTS) == sorted(%r), sorted(COMPONENTS)\n"
        "client = TestClient(create_app())\n"
        "answer = client.get('/things/x', params={'db': 'y', 'ctx': 'z', 'pets_table': 'w'})\n"
        "assert answer.status_code == 501, answer.text\n"
        "answer = client.post('/time', json={'Field': 'abcd'})\n"
        "assert answer.status_code == 422, answer.text\n"
        "print('ok')\n"
    ) % [
        "ValidationError",
        "HTTPValidationError",
        "Query",
        "Field",
        "BaseModel",
        "Annotated",
        "Literal",
        "MISSING",
        "Path",
        "Depends",
        "COMPONENTS",
        "None",
    ]
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=out, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr[-3000:]
