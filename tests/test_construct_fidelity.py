"""Constructs common in large RPC-style documents, each in a small document of its own under
``tests/specs/``: generated, imported and validated with 0 discrepancies."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from conftest import importable_service
from fastapi.testclient import TestClient

from specfirst.errors import SpecError
from specfirst.loader import load_spec
from specfirst.pipeline import generate
from specfirst.validator.compare import compare_documents
from specfirst.validator.normalize import normalize_document
from specfirst.validator.run import validate

SPECS = Path(__file__).parent / "specs"


def _validated(tmp_path: Path, name: str, *, documented: bool = False) -> list[str]:
    out = tmp_path / "out"
    generate(SPECS / name, out)
    found = validate(SPECS / name, out)
    return [
        f"{d.category} {d.kind} {d.pointer}"
        for d in found
        if documented or d.category != "unpublishable"
    ]


def _service(tmp_path: Path) -> TestClient:
    from app.core.config import Settings
    from app.core.db import Database
    from app.main import create_app

    database = Database(f"sqlite:///{tmp_path / 'db'}")
    return TestClient(create_app(Settings.from_env({}), database=database))


def test_default_response_referencing_a_nullable_titled_class(tmp_path: Path) -> None:
    # The response model is ``AppError | None``: FastAPI titles that union from the route.
    assert _validated(tmp_path, "nullable_error_response.yml") == []


def test_empty_examples_map_and_path_item_extension(tmp_path: Path) -> None:
    # ``examples: {}`` names no example (like none); FastAPI writes no path item keys and
    # no path item without operations
    assert _validated(tmp_path, "rpc_body_examples.yml", documented=True) == [
        "unpublishable missing-in-app /paths/~1things~1get/x-internal-only",
        "unpublishable missing-in-app /paths/~1things~1{id}",
    ]


def test_nullable_class_components_and_a_nullable_alias_through_all_of(tmp_path: Path) -> None:
    # a nullable object no operation uses is published as ``Class | None``; ``allOf: [$ref]``
    # to a nullable alias is the alias (whose definition carries its ``| None``); made
    # nullable itself, it is titled like the alias, as JSON Schema reads it
    assert _validated(tmp_path, "nullable_components.yml") == []


def test_null_listed_in_a_typed_enum_is_a_warned_repair(tmp_path: Path) -> None:
    spec = SPECS / "null_in_typed_enum.yml"
    with pytest.raises(SpecError, match=r"/components/schemas/Code/enum/2: null is listed"):
        load_spec(spec, strict=True)
    (warning,) = load_spec(spec).warnings
    assert warning.pointer == "/components/schemas/Code/enum/2"
    assert _validated(tmp_path, "null_in_typed_enum.yml") == []
    with importable_service(tmp_path / "out"), _service(tmp_path) as client:
        accepted = client.post("/decisions/create", json={"code": None})
        refused = client.post("/decisions/create", json={"code": "MAYBE"})
    # the body passed validation and reached the (not yet written) handler
    assert accepted.status_code == 501, accepted.text
    assert refused.status_code == 422, refused.text


def test_enum_values_of_another_type_retype_the_schema_warned(tmp_path: Path) -> None:
    # ``type: string`` over ``[true, false]`` or ``[3, null]``: no value fits as written
    warnings = load_spec(SPECS / "enum_of_another_type.yml").warnings
    assert [(w.pointer, w.assumed) for w in warnings] == [
        (
            "/components/schemas/Asset/properties/retirement/enum/0",
            "the type is boolean, the enum values' own",
        ),
        ("/components/schemas/Version/enum/0", "the type is integer, the enum values' own"),
    ]
    assert _validated(tmp_path, "enum_of_another_type.yml") == []


def test_header_parameters_with_extensions_are_read_and_published(tmp_path: Path) -> None:
    assert _validated(tmp_path, "header_extensions.yml") == []
    url = "/things/get"
    with importable_service(tmp_path / "out"), _service(tmp_path) as client:
        # 501: the request passed validation and reached the (not yet written) handler
        assert client.post(url, headers={"thing-tenant": "acme"}).status_code == 501
        ok = {"Thing-Tenant": "acme", "Thing-Flag": "false", "Thing-Ids": "1, 2"}
        assert client.post(url, headers=ok).status_code == 501
        missing = client.post(url)
        bad_flag = client.post(url, headers={**ok, "Thing-Flag": "yes"})
        too_long = client.post(url, headers={**ok, "Thing-Tenant": "x" * 9})
        bad_ids = client.post(url, headers={**ok, "Thing-Ids": "1,a"})
    for refused in (missing, bad_flag, too_long, bad_ids):
        assert refused.status_code == 422, refused.text
    assert "Thing-Tenant" in missing.text


def _nullable_response_doc(wrapper_title: str | None, member_title: str) -> dict:
    schema: dict = {"anyOf": [{"$ref": "#/components/schemas/E"}, {"type": "null"}]}
    if wrapper_title is not None:
        schema["title"] = wrapper_title
    return {
        "openapi": "3.1.0",
        "info": {"title": "T", "version": "1"},
        "paths": {
            "/e": {
                "get": {
                    "operationId": "getE",
                    "responses": {
                        "default": {
                            "description": "e",
                            "content": {"application/json": {"schema": schema}},
                        }
                    },
                }
            }
        },
        "components": {"schemas": {"E": {"type": "object", "title": member_title}}},
    }


def test_a_fastapi_style_response_title_the_spec_writes_is_compared() -> None:
    # a document FastAPI produced carries the route's title itself: kept on both sides
    spec = _nullable_response_doc("Response Default Gete", "Error")
    assert compare_documents(spec, copy.deepcopy(spec), spec_version=(3, 1)) == []
    app = _nullable_response_doc("Response Default Gete", "Error")
    del spec["paths"]["/e"]["get"]["responses"]["default"]["content"]["application/json"]["schema"][
        "title"
    ]
    assert compare_documents(spec, app, spec_version=(3, 1)) == []  # the member's, lifted


@pytest.mark.parametrize(
    ("spec_title", "app_member_title", "differs"),
    [("Error", "Error", False), ("Error", "Other", True), ("Own", "Error", True)],
)
def test_fastapi_response_title_gives_way_to_the_member_title_only(
    spec_title: str, app_member_title: str, differs: bool
) -> None:
    spec = _nullable_response_doc(None if spec_title == "Error" else spec_title, "Error")
    app = _nullable_response_doc("Response Default Gete", app_member_title)
    found = compare_documents(spec, app, spec_version=(3, 1))
    assert bool(found) is differs, found
    assert (
        normalize_document(app, side="app", spec_version=(3, 1))["paths"]["/e"]["get"]["responses"][
            "default"
        ]["content"]["application/json"]["schema"]["title"]
        == app_member_title
    )
