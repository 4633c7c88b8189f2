"""Schema constructs real documents use generate code that imports, validates as JSON Schema does, and derives back.

Recursion of any shape (a oneOf, an array or a map whose values are itself, mutual recursion,
recursion through a class), allOf that no class can hold (a union or a scalar member), nullable
references, vendor extensions holding ``$ref`` and ``null``, and thousands of schemas.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

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
        [sys.executable, "-c", textwrap.dedent(script)], cwd=service, capture_output=True, text=True, check=False
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
        assert f'{name} = TypeAliasType(\n    "{name}"' in source or f'{name} = TypeAliasType("{name}"' in source, name
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
