"""Tests for specfirst.loader: bad documents and their messages, bundling, and the corpus."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path
from typing import Any

import pytest

from specfirst.errors import Problem, SpecError
from specfirst.loader import LoadedSpec, load_spec, pointer_join, split_pointer

REPO = Path(__file__).resolve().parent.parent
BAD_SPECS = Path(__file__).resolve().parent / "bad_specs"
BAD_CASES = sorted(case.name for case in BAD_SPECS.iterdir() if (case / "expected.txt").is_file())


def _corpus_dir() -> Path:
    return Path(os.environ.get("SPECFIRST_CORPUS", REPO.parent / "shared" / "corpus" / "public"))


def _corpus_files() -> list[Path]:
    corpus = _corpus_dir()
    return sorted(corpus.glob("*.y*ml")) if corpus.is_dir() else []


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip())


def _refs(node: Any) -> list[str]:
    """Every $ref string in a document (shared nodes visited once)."""
    found: list[str] = []
    seen: set[int] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if not isinstance(item, (dict, list)) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, dict):
            if isinstance(item.get("$ref"), str):
                found.append(item["$ref"])
            stack.extend(item.values())
        else:
            stack.extend(item)
    return found


# --------------------------------------------------------------------------- bad documents


def test_every_bad_case_has_its_expected_output() -> None:
    cases = {case.name for case in BAD_SPECS.iterdir() if case.is_dir()}
    assert cases == set(BAD_CASES)
    assert len(BAD_CASES) >= 11


WARNING_CASES = [case for case in BAD_CASES if (BAD_SPECS / case / "warnings.txt").is_file()]


@pytest.mark.parametrize("case", BAD_CASES)
def test_bad_spec_reports_expected_problems(case: str) -> None:
    # The alias_bomb case expands to ~387 million nodes: it is refused because the loader
    # measures the expanded size with a memoized walk; the expansion is never materialized.
    # expected.txt is what strict mode refuses: for a case with warnings.txt, the warnings.
    case_dir = BAD_SPECS / case
    with pytest.raises(SpecError) as caught:
        load_spec(case_dir / "openapi.yaml", strict=True)
    actual = str(caught.value).replace(f"{case_dir}{os.sep}", "")
    expected = (case_dir / "expected.txt").read_text().rstrip("\n")
    assert actual == expected
    assert len(caught.value.problems) == len(expected.splitlines())
    assert all(problem.assumed is None for problem in caught.value.problems)


@pytest.mark.parametrize("case", WARNING_CASES)
def test_repairable_spec_loads_with_located_warnings(case: str) -> None:
    case_dir = BAD_SPECS / case
    spec = load_spec(case_dir / "openapi.yaml")
    actual = "\n".join(f"warning: {warning}" for warning in spec.warnings)
    expected = (case_dir / "warnings.txt").read_text().rstrip("\n")
    assert actual.replace(f"{case_dir}{os.sep}", "") == expected
    assert all(warning.assumed and warning.line for warning in spec.warnings)
    strict = [str(warning.as_refusal()) for warning in spec.warnings]
    assert "\n".join(strict).replace(f"{case_dir}{os.sep}", "") == (
        (case_dir / "expected.txt").read_text().rstrip("\n")
    )


def test_problems_carry_file_pointer_and_position() -> None:
    case_dir = BAD_SPECS / "invalid_yaml"
    with pytest.raises(SpecError) as caught:
        load_spec(case_dir / "openapi.yaml")
    [problem] = caught.value.problems
    assert problem.file == str(case_dir / "openapi.yaml")
    assert problem.pointer == ""
    assert (problem.line, problem.column) == (9, 27)
    assert "mapping values are not allowed" in problem.message


def test_missing_root_file(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as caught:
        load_spec(tmp_path / "nope.yaml")
    assert str(caught.value) == f"{tmp_path / 'nope.yaml'}: /: file not found"


def test_problem_str() -> None:
    problem = Problem("api.yml", "/paths/~1pets/get/operationId", "duplicate", 12, 5)
    assert str(problem) == "api.yml:12:5: /paths/~1pets/get/operationId: duplicate"
    assert str(Problem("api.yml", "", "empty")) == "api.yml: /: empty"
    assert str(Problem("api.yml", "/a", "x", 3)) == "api.yml:3: /a: x"


def test_invalid_json_has_line_and_column(tmp_path: Path) -> None:
    (tmp_path / "openapi.json").write_text('{\n  "openapi": "3.0.3",\n  "info": {,}\n}\n')
    with pytest.raises(SpecError) as caught:
        load_spec(tmp_path / "openapi.json")
    [problem] = caught.value.problems
    assert (problem.line, problem.column) == (3, 12)
    assert problem.message.startswith("invalid JSON: ")


# --------------------------------------------------------------------------- good documents

MULTI_FILE = {
    "api/openapi.yaml": """
        openapi: 3.0.3
        info: {title: Multi-file, version: "1.0"}
        paths:
          /pets:
            $ref: "paths/pets.yaml"
          /pets/{petId}:
            get:
              operationId: getPet
              parameters:
                - $ref: "parameters.yaml#/PetId"
              responses:
                "200":
                  description: ok
                  content:
                    application/json:
                      schema:
                        $ref: "schemas/pet.yaml#/Pet"
                default:
                  $ref: "#/components/responses/Error"
        components:
          schemas:
            Tag:
              type: string
            Owner:
              $ref: "schemas/owner.yaml"
          responses:
            Error:
              description: error
              content:
                application/json:
                  schema:
                    $ref: "common/error.yaml#/Error"
        """,
    "api/paths/pets.yaml": """
        get:
          operationId: listPets
          responses:
            "200":
              description: ok
              content:
                application/json:
                  schema:
                    type: array
                    items:
                      $ref: "../schemas/pet.yaml#/Pet"
        """,
    "api/parameters.yaml": """
        PetId:
          name: petId
          in: path
          required: true
          schema:
            type: integer
        """,
    "api/schemas/pet.yaml": """
        Pet:
          type: object
          required: [name]
          properties:
            name:
              type: string
            parent:
              $ref: "#/Pet"
            owner:
              $ref: "owner.yaml"
            tag:
              $ref: "#/Tag"
        Tag:
          type: object
          properties:
            label:
              type: string
        """,
    "api/schemas/owner.yaml": """
        type: object
        properties:
          pets:
            type: array
            items:
              $ref: "pet.yaml#/Pet"
        """,
    "api/common/error.yaml": """
        Error:
          type: object
          properties:
            message:
              type: string
        """,
}


@pytest.fixture
def multi_file(tmp_path: Path) -> LoadedSpec:
    _write(tmp_path, MULTI_FILE)
    return load_spec(tmp_path / "api" / "openapi.yaml")


def test_multi_file_spec_is_bundled_into_one_document(multi_file: LoadedSpec) -> None:
    document = multi_file.document
    schemas = document["components"]["schemas"]
    assert multi_file.version == (3, 0)
    # Every ref is local and resolves.
    refs = _refs(document)
    assert refs and all(ref.startswith("#/") for ref in refs)
    for ref in refs:
        multi_file.resolve(ref)
    # Targets land in the section their ref site implies, named after the last segment.
    assert list(schemas) == ["Tag", "Owner", "Pet", "Error", "Tag_2"]
    assert list(document["components"]["parameters"]) == ["PetId"]
    get_pet = document["paths"]["/pets/{petId}"]["get"]
    assert get_pet["parameters"] == [{"$ref": "#/components/parameters/PetId"}]
    schema = get_pet["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/Pet"}
    error_schema = document["components"]["responses"]["Error"]["content"]["application/json"]
    assert error_schema["schema"] == {"$ref": "#/components/schemas/Error"}
    # A root component that is only a ref to another file takes that file's content.
    assert schemas["Owner"]["properties"]["pets"]["items"] == {"$ref": "#/components/schemas/Pet"}
    # The root's own Tag is kept; pet.yaml's Tag gets a suffix.
    assert schemas["Tag"] == {"type": "string"}
    assert schemas["Tag_2"]["properties"]["label"] == {"type": "string"}
    # OpenAPI 3.0 has no components/pathItems: a path item ref is copied into place.
    pets = document["paths"]["/pets"]
    assert "$ref" not in pets
    items = pets["get"]["responses"]["200"]["content"]["application/json"]["schema"]["items"]
    assert items == {"$ref": "#/components/schemas/Pet"}


def test_recursive_schemas_are_rewritten_not_inlined(multi_file: LoadedSpec) -> None:
    pet = multi_file.document["components"]["schemas"]["Pet"]
    assert pet["properties"]["parent"] == {"$ref": "#/components/schemas/Pet"}  # same file
    assert pet["properties"]["owner"] == {"$ref": "#/components/schemas/Owner"}  # across files
    assert pet["properties"]["tag"] == {"$ref": "#/components/schemas/Tag_2"}
    owner = multi_file.resolve(pet["properties"]["owner"]["$ref"])
    assert multi_file.resolve(owner["properties"]["pets"]["items"]["$ref"]) is pet


def test_locate_maps_bundled_pointers_back_to_their_files(multi_file: LoadedSpec) -> None:
    root = multi_file.display
    sep = os.sep
    assert multi_file.locate("/components/schemas/Pet/properties/name") == (
        f"schemas{sep}pet.yaml",
        "/Pet/properties/name",
    )
    assert multi_file.locate("/components/schemas/Owner") == (f"schemas{sep}owner.yaml", "")
    assert multi_file.locate("/components/schemas/Tag_2") == (f"schemas{sep}pet.yaml", "/Tag")
    assert multi_file.locate("/components/schemas/Error") == (
        f"common{sep}error.yaml",
        "/Error",
    )
    assert multi_file.locate("/components/parameters/PetId/in") == ("parameters.yaml", "/PetId/in")
    assert multi_file.locate("/paths/~1pets/get") == (f"paths{sep}pets.yaml", "/get")
    assert multi_file.locate("/components/schemas/Tag") == (root, "/components/schemas/Tag")
    assert multi_file.locate("/info/title") == (root, "/info/title")
    problem = multi_file.problem("/components/schemas/Pet/properties/name", "look here")
    assert (problem.file, problem.pointer) == (f"schemas{sep}pet.yaml", "/Pet/properties/name")
    assert (problem.line, problem.column) == (6, 7)


def test_problem_follows_refs_in_validator_style_pointers(multi_file: LoadedSpec) -> None:
    pointer = "/paths/~1pets~1{petId}/get/responses/200/content/application~1json/schema/required"
    problem = multi_file.problem(pointer, "x")
    assert (problem.file, problem.pointer) == (f"schemas{os.sep}pet.yaml", "/Pet/required")
    assert (problem.line, problem.column) == (3, 13)


def test_openapi_31_path_item_refs_go_to_components(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "openapi.yaml": """
                openapi: 3.1.0
                info: {title: Path items, version: "1.0"}
                paths:
                  /pets:
                    $ref: "paths.yaml#/Pets"
                """,
            "paths.yaml": """
                Pets:
                  get:
                    operationId: listPets
                    responses:
                      "200":
                        description: ok
                """,
        },
    )
    spec = load_spec(tmp_path / "openapi.yaml")
    assert spec.version == (3, 1)
    assert spec.document["paths"]["/pets"] == {"$ref": "#/components/pathItems/Pets"}
    assert spec.resolve("#/components/pathItems/Pets")["get"]["operationId"] == "listPets"
    assert spec.locate("/components/pathItems/Pets/get") == ("paths.yaml", "/Pets/get")


def test_same_target_always_gets_the_same_name(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "openapi.yaml": """
                openapi: 3.1.0
                info: {title: Names, version: "1.0"}
                paths: {}
                components:
                  schemas:
                    A:
                      properties:
                        x: {$ref: "a.yaml#/components/schemas/Item"}
                        y: {$ref: "./a.yaml#/components/schemas/Item"}
                        z: {$ref: "b.yaml#/Item"}
                        w: {$ref: "b.yaml#/Item"}
                        self: {$ref: "openapi.yaml#/components/schemas/A"}
                """,
            "a.yaml": "components: {schemas: {Item: {type: string}}}\n",
            "b.yaml": "Item: {type: integer}\n",
        },
    )
    spec = load_spec(tmp_path / "openapi.yaml")
    properties = spec.document["components"]["schemas"]["A"]["properties"]
    assert properties["x"] == properties["y"] == {"$ref": "#/components/schemas/Item"}
    assert properties["z"] == properties["w"] == {"$ref": "#/components/schemas/Item_2"}
    assert properties["self"] == {"$ref": "#/components/schemas/A"}
    assert spec.resolve("#/components/schemas/Item_2") == {"type": "integer"}


def test_yaml_scalars_keys_and_timestamps(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "openapi.yaml": """
                openapi: 3.0.3
                info: {title: Scalars, version: 2024-01-15}
                paths:
                  /events:
                    get:
                      operationId: listEvents
                      responses:
                        200:
                          description: ok
                          content:
                            application/json:
                              schema:
                                type: string
                                format: date-time
                                maximum: 1E+2
                              example: 2024-01-15T10:00:00Z
                x-flags:
                  true: on
                  404: missing
                """,
        },
    )
    spec = load_spec(tmp_path / "openapi.yaml")
    document = spec.document
    assert document["info"]["version"] == "2024-01-15"
    responses = document["paths"]["/events"]["get"]["responses"]
    assert list(responses) == ["200"]
    media = responses["200"]["content"]["application/json"]
    assert media["example"] == "2024-01-15T10:00:00Z"
    assert media["schema"]["maximum"] == 100.0  # YAML 1.2 float, not the string "1E+2"
    assert document["x-flags"] == {"true": True, "404": "missing"}
    # The int key 200 is found in the source too (the response mapping starts on line 9).
    assert spec.problem("/paths/~1events/get/responses/200", "x").line == 9


def test_timestamp_resolver_is_only_removed_from_our_loader() -> None:
    import yaml

    assert not isinstance(yaml.safe_load("d: 2024-01-15")["d"], str)


def test_json_document(tmp_path: Path) -> None:
    (tmp_path / "openapi.json").write_text(
        '{"openapi": "3.1.0", "info": {"title": "JSON", "version": "1"},'
        ' "paths": {"/a/{id}": {"get": {"operationId": "getA", "parameters":'
        ' [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],'
        ' "responses": {"200": {"description": "ok"}}}}}}'
    )
    spec = load_spec(str(tmp_path / "openapi.json"))
    assert spec.version == (3, 1)
    assert spec.resolve("#/paths/~1a~1%7Bid%7D/get/operationId") == "getA"
    assert spec.resolve("#/paths/~1a~1{id}/get/parameters/0/name") == "id"
    with pytest.raises(KeyError):
        spec.resolve("#/paths/~1b")


def test_pointer_helpers() -> None:
    assert pointer_join("", "paths", "/pets/{id}", "get") == "/paths/~1pets~1{id}/get"
    assert pointer_join("/a", "x~y", 0) == "/a/x~0y/0"
    assert split_pointer("/paths/~1pets/x~0y/0") == ["paths", "/pets", "x~y", "0"]
    assert split_pointer("") == []


# --------------------------------------------------------------------------- the public corpus


@pytest.mark.parametrize(
    "document", _corpus_files() or [None], ids=lambda path: path.name if path else "no-corpus"
)
def test_corpus_document_loads_without_problems(document: Path | None) -> None:
    if document is None:
        pytest.skip(f"no corpus at {_corpus_dir()} (set SPECFIRST_CORPUS)")
    spec = load_spec(document)
    assert spec.version in {(3, 0), (3, 1)}
    assert spec.document["openapi"].startswith(f"{spec.version[0]}.{spec.version[1]}.")


RECURSIVE_VALUE_COMPOSED = """\
openapi: 3.1.0
info: {title: t, version: "1"}
paths: {}
components:
  schemas:
    JsonValue:
      oneOf:
        - {type: string}
        - {type: array, items: {$ref: "#/components/schemas/JsonValue"}}
        - {type: object, additionalProperties: {$ref: "#/components/schemas/JsonValue"}}
    Age:
      type: integer
      allOf: [{$ref: "#/components/schemas/JsonValue"}]
"""


def test_a_schema_composing_a_recursive_one_loads_in_bounded_memory(tmp_path: Path) -> None:
    """openapi-spec-validator collects the property names under an allOf member without a
    cycle guard: through a recursive JSON value it recursed until gigabytes were gone. The
    load runs in a child held to 1.5 GB of address space, so that failure is a MemoryError
    there, not a machine out of memory."""
    import resource
    import subprocess
    import sys

    spec = tmp_path / "openapi.yml"
    spec.write_text(RECURSIVE_VALUE_COMPOSED)

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1536 * 1024 * 1024, 1536 * 1024 * 1024))

    child = subprocess.run(
        [sys.executable, "-c", f"from specfirst.loader import load_spec; load_spec({str(spec)!r})"],
        preexec_fn=limit,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert child.returncode == 0, child.stderr[-2000:]
