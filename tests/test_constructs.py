"""Schema constructs real documents use generate code that imports, validates as JSON Schema does, and derives back.

Recursion of any shape (a oneOf, an array or a map whose values are itself, mutual recursion,
recursion through a class), allOf that no class can hold (a union or a scalar member), nullable
references, vendor extensions holding ``$ref`` and ``null``, and thousands of schemas.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO

from specfirst.pipeline import generate
from specfirst.validator.run import validate

SPECS = REPO / "tests" / "specs"


def generated(tmp_path_factory: pytest.TempPathFactory, spec: Path) -> Path:
    out = tmp_path_factory.mktemp(spec.stem) / "service"
    generate(spec, out)
    return out


def run_in(service: Path, script: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        cwd=service,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.fixture(scope="module")
def constructs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated(tmp_path_factory, SPECS / "constructs.yml")


def test_constructs_derive_back_to_the_document(constructs: Path) -> None:
    found = validate(SPECS / "constructs.yml", constructs)
    assert found == [], "\n".join(f"{d.category} {d.kind} {d.pointer}" for d in found)


def test_constructs_validate_what_json_schema_says(constructs: Path) -> None:
    out = run_in(
        constructs,
        """
        from pydantic import TypeAdapter, ValidationError
        from app.schemas import COMPONENTS, Envelope

        good = {
            "json": {"a": [1, "x", {"b": True}], "c": []},
            "tree": [1, [2, [3, []]]],
            "map": {"a": {"b": {}}, "c": {}},
            "ping": ["x", ["y", ["z"]]],
            "expr": {"left": 1, "right": {"left": 2, "right": 3}},
            "pet": {"meow": "m", "label": "cat"},
            "name": "abc",
            "names": ["a", "bcdef"],
            "maybeCat": None,
            "describedCat": {"meow": "m"},
            "nullableName": None,
            "catOrNull": None,
            "age": 0,
            "described": {"meow": "m", "extra": 1},
        }
        envelope = Envelope.model_validate(good)
        assert envelope.model_dump(mode="json", exclude_unset=True)["pet"] == {"meow": "m", "label": "cat"}
        bad = [
            {"json": {"a": None}},
            {"tree": [1, ["x"]]},
            {"map": {"a": 1}},
            {"ping": ["x", [1]]},
            {"expr": {"left": 1}},
            {"expr": {"left": 1, "right": {"left": "x", "right": 2}}},
            {"pet": {"meow": "m"}},
            {"pet": {"label": "x"}},
            {"name": ""},
            {"name": "abcdef"},
            {"names": ["toolong"]},
            {"nullableName": "abcdef"},
            {"age": -1},
            {"described": {"meow": "m", "extra": "x"}},
        ]
        for case in bad:
            try:
                Envelope.model_validate(case)
            except ValidationError:
                continue
            raise AssertionError(f"accepted {case}")
        for name, python_type in COMPONENTS.items():
            TypeAdapter(python_type).json_schema(ref_template="#/components/schemas/{model}")
        print("ok")
        """,
    )
    assert out.strip() == "ok"


def test_recursive_aliases_are_named_alias_types(constructs: Path) -> None:
    source = (constructs / "app" / "schemas.py").read_text()
    for name in ("JsonValue", "Tree", "NestedMap", "Ping", "Pong", "Expr"):
        assert (
            f'{name} = TypeAliasType(\n    "{name}"' in source
            or f'{name} = TypeAliasType("{name}"' in source
        ), name
    assert "class LabelledPet(" not in source and "LabelledPet = Annotated[Any, AllOf(" in source


def test_nullable_references(tmp_path_factory: pytest.TempPathFactory) -> None:
    spec = SPECS / "nullable_refs.yml"
    service = generated(tmp_path_factory, spec)
    assert validate(spec, service) == []
    out = run_in(
        service,
        """
        from pydantic import ValidationError
        from app.schemas import Owner

        Owner.model_validate({"cat": None, "code": "A", "maybeCode": None, "codes": [None, "B"]})
        Owner.model_validate({"cat": {"meow": "m"}, "code": "B"})
        for case in ({"cat": None, "code": None}, {"cat": None, "code": "C"}, {"code": "A"},
                     {"cat": None, "code": "A", "codes": ["C"]}):
            try:
                Owner.model_validate(case)
            except ValidationError:
                continue
            raise AssertionError(f"accepted {case}")
        print("ok")
        """,
    )
    assert out.strip() == "ok"


EXTENSIONS = """
openapi: 3.0.3
info: {title: Extensions holding references and nulls, version: ""}  # FastAPI refuses an empty version
paths:
  /accounts/{id}:
    get:
      operationId: getAccount
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/account"}
components:
  schemas:
    file:
      type: object
      properties: {id: {type: string}}
    account:
      type: object
      x-resourceId: account
      x-expandable:
        oneOf: [{$ref: "#/components/schemas/file"}]
        unset: null
      properties:
        icon:
          anyOf:
            - {type: string}
            - {$ref: "#/components/schemas/file"}
          nullable: true
          x-expansionResources:
            oneOf: [{$ref: "#/components/schemas/file"}]
        note:
          type: string
          default: null
          nullable: true
          example: {a: null, b: [null, 1]}
          x-nullish: {a: null, b: [null]}
    unused:
      type: object
      x-points-at: {$ref: "#/components/schemas/file"}
      properties: {n: {type: integer}}
"""


def test_extensions_are_literal_data(tmp_path: Path) -> None:
    spec = tmp_path / "extensions.yml"
    spec.write_text(EXTENSIONS)
    service = tmp_path / "service"
    generate(spec, service)
    assert validate(spec, service) == []
    out = run_in(
        service,
        """
        import json, warnings
        warnings.simplefilter("ignore")
        from fastapi.openapi.utils import get_openapi
        from app.main import create_app

        app = create_app()
        document = get_openapi(title="t", version="1", routes=app.routes)
        account = next(s for s in document["components"]["schemas"].values() if "x-resourceId" in s)
        assert account["x-expandable"] == {"oneOf": [{"$ref": "#/components/schemas/file"}]}, account
        assert account["properties"]["icon"]["x-expansionResources"] == {"oneOf": [{"$ref": "#/components/schemas/file"}]}
        print("ok")
        """,
    )
    assert out.strip() == "ok"


def synthetic_document(count: int) -> dict[str, Any]:
    """``count`` object schemas referring to each other as a wide tree, one operation per 20."""
    schemas: dict[str, Any] = {}
    for i in range(count):
        props: dict[str, Any] = {
            "id": {"type": "string"},
            "count": {"type": "integer", "minimum": 0},
        }
        if i:
            props["parent"] = {"$ref": f"#/components/schemas/S{(i - 1) // 2}"}
        if i % 7 == 0 and i:
            props["others"] = {
                "type": "array",
                "items": {"$ref": f"#/components/schemas/S{i // 3}"},
            }
        schemas[f"S{i}"] = {"type": "object", "required": ["id"], "properties": props}
        if i % 5 == 0 and i:
            schemas[f"S{i}"] = {
                "allOf": [
                    {"$ref": f"#/components/schemas/S{(i - 1) // 2}"},
                    {"type": "object", "properties": {"x": {"type": "string"}}},
                ]
            }
        if i % 11 == 0 and i:
            schemas[f"S{i}"] = {
                "oneOf": [{"$ref": f"#/components/schemas/S{i - 1}"}, {"type": "string"}]
            }
    ref = {"$ref": "#/components/schemas/S{}"}
    paths = {
        f"/s{i}": {
            "post": {
                "operationId": f"op{i}",
                "requestBody": {
                    "content": {"application/json": {"schema": {"$ref": ref["$ref"].format(i)}}}
                },
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {"schema": {"$ref": ref["$ref"].format(i)}}
                        },
                    }
                },
            }
        }
        for i in range(0, count, 20)
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "many", "version": "1"},
        "paths": paths,
        "components": {"schemas": schemas},
    }


def test_thousands_of_schemas_generate_and_import(tmp_path: Path) -> None:
    spec = tmp_path / "many.json"
    spec.write_text(json.dumps(synthetic_document(2000)))
    service = tmp_path / "service"
    generate(spec, service)
    out = run_in(
        service,
        """
        from app.schemas import COMPONENTS, S1999
        assert len(COMPONENTS) == 2000
        S1999.model_validate({"id": "x", "parent": {"id": "y"}})
        print("ok")
        """,
    )
    assert out.strip() == "ok"
