"""Tests for the pure comparison core: normalization rules and discrepancy reporting."""

import copy
import enum
import json
from typing import Annotated, Any, Literal

import pytest
from fastapi import FastAPI, File, Header, Path, Query, Security, UploadFile
from fastapi.security import APIKeyHeader, HTTPBearer
from pydantic import BaseModel, Field

from specfirst.validator import (
    CATEGORIES,
    MISSING,
    NORMALIZATIONS,
    Discrepancy,
    category_of,
    compare_documents,
    json_pointer,
    normalize_document,
)
from specfirst.validator.normalize import is_marker, resolve_marker

S = "#/components/schemas/"
OK = "Successful Response"

# -- helpers -------------------------------------------------------------------------------


def spec_doc(
    paths: dict[str, Any],
    schemas: dict[str, Any] | None = None,
    *,
    version: str = "3.0.3",
    **top: Any,
) -> dict[str, Any]:
    doc: dict[str, Any] = {"openapi": version, "info": {"title": "t", "version": "1"}}
    doc["paths"] = paths
    if schemas:
        doc.setdefault("components", {})["schemas"] = schemas
    for key, value in top.items():
        if key == "security_schemes":
            doc.setdefault("components", {})["securitySchemes"] = value
        else:
            doc[key] = value
    return doc


def json_body(schema: Any, description: str = OK) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def request_body(schema: Any, media: str = "application/json") -> dict[str, Any]:
    return {"required": True, "content": {media: {"schema": schema}}}


def new_app() -> FastAPI:
    return FastAPI(title="t", version="1")


def report(spec: dict[str, Any], app: dict[str, Any], version: tuple[int, int] = (3, 0)):
    return [
        (d.pointer, d.category, d.kind) for d in compare_documents(spec, app, spec_version=version)
    ]


def pet_spec(**overrides: Any) -> dict[str, Any]:
    """A 3.0 spec matching :func:`pet_app` exactly (component names differ on purpose)."""
    pet = {
        "type": "object",
        "required": ["id", "name"],
        "properties": {
            "id": {"type": "integer", "minimum": 1},
            "name": {"type": "string", "maxLength": 50, "description": "The pet's name"},
            "tag": {"type": "string", "nullable": True},
        },
    }
    op = {
        "summary": "List pets",
        "parameters": [
            {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 1000}},
        ],
        "responses": {
            "200": json_body({"type": "array", "items": {"$ref": S + "PetResource"}}),
            "404": {"description": "Not found"},
        },
    }
    schemas = {"PetResource": pet}
    for key, value in overrides.items():
        if key == "pet":
            schemas["PetResource"] = value
        else:
            op[key] = value
    return spec_doc({"/pets": {"get": op}}, schemas)


class Pet(BaseModel):
    id: int = Field(ge=1)
    name: str = Field(max_length=50, description="The pet's name")
    tag: str | None = None


def pet_app(model: type[BaseModel] = Pet, maximum: int = 1000, **route: Any) -> dict[str, Any]:
    app = new_app()
    route.setdefault("summary", "List pets")
    route.setdefault("responses", {404: {"description": "Not found"}})

    # `int = None`, not `int | None`: an optional, non-nullable query parameter
    @app.get("/pets", **route)
    def list_pets(
        limit: Annotated[int, Query(le=maximum)] = None,  # noqa: RUF013
    ) -> list[model]:  # type: ignore[valid-type]
        return []

    return app.openapi()


# -- identical semantics -------------------------------------------------------------------


def test_identical_spec_and_app_have_no_discrepancies() -> None:
    assert report(pet_spec(), pet_app()) == []


def test_document_compared_with_itself_is_clean() -> None:
    spec = pet_spec()
    assert compare_documents(spec, copy.deepcopy(spec), spec_version=(3, 0)) == []


def test_normalization_does_not_mutate_input() -> None:
    spec = pet_spec()
    before = copy.deepcopy(spec)
    normalize_document(spec, side="spec", spec_version=(3, 0))
    assert spec == before


def test_normalizations_list_is_fixed_and_documented() -> None:
    names = [name for name, _ in NORMALIZATIONS]
    assert len(names) == len(set(names)) == 28
    for _name, reason in NORMALIZATIONS:
        assert reason.endswith(".") and reason.count(". ") == 0


# -- one test per normalization ------------------------------------------------------------


def test_auto_titles_dropped_but_spec_titles_compared() -> None:
    spec = pet_spec()
    assert report(spec, pet_app()) == []  # Pet, Id, Name, Tag, Limit titles are all dropped
    spec["components"]["schemas"]["PetResource"]["properties"]["id"]["title"] = "Identifier"
    assert report(spec, pet_app()) == [
        (
            "/paths/~1pets/get/responses/200/content/application~1json/schema/items/properties/id/title",
            "schema",
            "changed",
        ),
    ]


def test_summary_and_operation_id_dropped_only_when_spec_has_none() -> None:
    spec = pet_spec()
    del spec["paths"]["/pets"]["get"]["summary"]
    assert report(spec, pet_app(summary=None)) == []  # FastAPI emits "List Pets" + operationId
    spec["paths"]["/pets"]["get"]["operationId"] = "listPets"
    assert report(spec, pet_app(summary=None)) == [
        ("/paths/~1pets/get/operationId", "operation", "changed"),
    ]


@pytest.mark.parametrize(
    ("version", "tag_schema"),
    [
        ((3, 0), {"type": "string", "nullable": True}),
        ((3, 1), {"type": ["string", "null"]}),
        ((3, 1), {"type": ["null", "string"]}),
        ((3, 1), {"anyOf": [{"type": "string"}, {"type": "null"}]}),
        ((3, 1), {"anyOf": [{"type": "null"}, {"type": "string"}], "title": "Tag"}),
    ],
)
def test_nullable_spellings_equal_pydantic_optional(version, tag_schema) -> None:
    spec = pet_spec()
    spec["openapi"] = "3.1.0" if version == (3, 1) else "3.0.3"
    spec["components"]["schemas"]["PetResource"]["properties"]["tag"] = tag_schema
    assert report(spec, pet_app(), version) == []


def test_nullable_true_is_not_special_in_31_and_false_is_dropped_in_30() -> None:
    spec = pet_spec()
    spec["openapi"] = "3.1.0"
    assert report(spec, pet_app(), (3, 1)) == [
        (
            "/paths/~1pets/get/responses/200/content/application~1json/schema/items/properties/tag/anyOf",
            "schema",
            "extra-in-app",
        ),
        (
            "/paths/~1pets/get/responses/200/content/application~1json/schema/items/properties/tag/nullable",
            "schema",
            "missing-in-app",
        ),
        (
            "/paths/~1pets/get/responses/200/content/application~1json/schema/items/properties/tag/type",
            "schema",
            "missing-in-app",
        ),
    ]
    spec = pet_spec()
    spec["components"]["schemas"]["PetResource"]["properties"]["name"]["nullable"] = False
    assert report(spec, pet_app()) == []


def test_nullable_ref_with_field_description_equals_optional_model_field() -> None:
    class Owner(BaseModel):
        """An owner."""

        name: str

    class Holder(BaseModel):
        owner: Owner | None = Field(None, description="The owner, if any")

    app = new_app()

    @app.get("/h")
    def get_h() -> Holder: ...

    owner = {
        "type": "object",
        "description": "An owner.",
        "required": ["name"],
        "properties": {"name": {"type": "string"}},
    }
    for prop in (
        {"allOf": [{"$ref": S + "O"}], "nullable": True, "description": "The owner, if any"},
        {"$ref": S + "O", "nullable": True, "description": "The owner, if any"},
    ):
        holder = {"type": "object", "properties": {"owner": prop}}
        spec = spec_doc(
            {"/h": {"get": {"responses": {"200": json_body({"$ref": S + "H"})}}}},
            {"O": owner, "H": holder},
        )
        assert report(spec, app.openapi()) == [], prop


def test_enum_with_null_and_enum_excluding_null() -> None:
    class M(BaseModel):
        a: Literal["x", "y", None] = None  # noqa: PYI061 - pydantic writes {"enum": [.., null]}
        b: Literal["x", "y"] | None = None

    app = new_app()

    @app.get("/m")
    def get_m() -> M: ...

    def spec_with(a: Any, b: Any, version: str) -> dict[str, Any]:
        model = {"type": "object", "properties": {"a": a, "b": b}}
        return spec_doc(
            {"/m": {"get": {"responses": {"200": json_body({"$ref": S + "M"})}}}},
            {"M": model},
            version=version,
        )

    # 3.1: null listed in the enum of a nullable type, or in an untyped enum
    spec = spec_with(
        {"enum": ["y", None, "x"]}, {"type": ["string", "null"], "enum": ["x", "y", None]}, "3.1.0"
    )
    assert report(spec, app.openapi(), (3, 1)) == []
    # 3.0.3: nullable + enum that lists null
    spec = spec_with(
        {"enum": ["x", "y", None], "nullable": True},
        {"type": "string", "enum": ["x", "y", None], "nullable": True},
        "3.0.3",
    )
    assert report(spec, app.openapi()) == []
    # an enum that does not list null excludes null even when nullable: true (OAS 3.0.3)
    spec = spec_with(
        {"enum": ["x", "y", None]},
        {"type": "string", "enum": ["x", "y"], "nullable": True},
        "3.0.3",
    )
    base = "/paths/~1m/get/responses/200/content/application~1json/schema/properties/b"
    assert report(spec, app.openapi()) == [
        (f"{base}/anyOf", "schema", "extra-in-app"),
        (f"{base}/enum", "schema", "missing-in-app"),
        (f"{base}/type", "schema", "missing-in-app"),
    ]


def test_boolean_exclusive_bounds_30() -> None:
    class Box(BaseModel):
        size: float = Field(gt=0, lt=10)
        weight: int = Field(ge=1)

    app = new_app()

    @app.get("/box")
    def get_box() -> Box: ...

    box = {
        "type": "object",
        "required": ["size", "weight"],
        "properties": {
            "size": {
                "type": "number",
                "minimum": 0,
                "exclusiveMinimum": True,
                "maximum": 10,
                "exclusiveMaximum": True,
            },
            "weight": {"type": "integer", "minimum": 1, "exclusiveMinimum": False},
        },
    }
    spec = spec_doc(
        {"/box": {"get": {"responses": {"200": json_body({"$ref": S + "B"})}}}}, {"B": box}
    )
    assert report(spec, app.openapi()) == []
    box["properties"]["weight"]["exclusiveMinimum"] = True  # now > 1, the app says >= 1
    base = "/paths/~1box/get/responses/200/content/application~1json/schema/properties/weight"
    assert report(spec, app.openapi()) == [
        (f"{base}/exclusiveMinimum", "schema", "missing-in-app"),
        (f"{base}/minimum", "schema", "extra-in-app"),
    ]


def test_keyword_defaults_dropped() -> None:
    spec = pet_spec()
    limit = spec["paths"]["/pets"]["get"]["parameters"][0]
    limit.update(
        required=False,
        deprecated=False,
        allowEmptyValue=False,
        allowReserved=False,
        style="form",
        explode=True,
    )
    limit["schema"].update(readOnly=False, writeOnly=False)
    spec["paths"]["/pets"]["get"]["deprecated"] = False
    pet = spec["components"]["schemas"]["PetResource"]
    pet["additionalProperties"] = True
    assert report(spec, pet_app()) == []
    pet["additionalProperties"] = {}
    assert report(spec, pet_app()) == []
    limit["explode"] = False  # not the default for style form
    assert report(spec, pet_app()) == [
        ("/paths/~1pets/get/parameters/query:limit/explode", "parameter", "missing-in-app"),
    ]


def test_header_and_path_parameter_defaults() -> None:
    app = new_app()

    @app.get("/items/{item_id}")
    def get_item(
        item_id: Annotated[int, Path()],
        x_trace: Annotated[str, Header(alias="X-Trace")] = None,  # noqa: RUF013
    ) -> None: ...

    op = {
        "parameters": [
            {
                "name": "item_id",
                "in": "path",
                "required": True,
                "style": "simple",
                "explode": False,
                "schema": {"type": "integer"},
            },
            {"name": "X-Trace", "in": "header", "style": "simple", "schema": {"type": "string"}},
        ],
        "responses": {"200": json_body({})},
    }
    spec = spec_doc({"/items/{item_id}": {"get": op}})
    assert report(spec, app.openapi()) == []


def test_openapi_version_field_ignored() -> None:
    spec = pet_spec()
    spec["openapi"] = "3.0.0"
    assert report(spec, pet_app()) == []


def test_numbers_int_equals_float_but_bool_differs_from_int() -> None:
    spec = pet_spec()
    spec["components"]["schemas"]["PetResource"]["properties"]["id"]["minimum"] = 1.0
    assert report(spec, pet_app()) == []

    def hand(default: Any) -> dict[str, Any]:
        schema = {"type": "integer", "default": default, "enum": [1, 2.0, 3]}
        return spec_doc(
            {
                "/x": {
                    "get": {
                        "parameters": [{"name": "q", "in": "query", "schema": schema}],
                        "responses": {"200": {"description": "ok"}},
                    }
                }
            }
        )

    assert report(hand(1), hand(1.0)) == []
    assert report(hand(True), hand(1)) == [
        ("/paths/~1x/get/parameters/query:q/schema/default", "schema", "changed"),
    ]
    found = compare_documents(hand(True), hand(1), spec_version=(3, 0))[0]
    assert (found.spec, found.app) == (True, 1)
    assert type(found.spec) is bool and type(found.app) is int


def test_response_status_keys() -> None:
    def hand(responses: dict[Any, Any]) -> dict[str, Any]:
        return spec_doc({"/x": {"get": {"responses": responses}}})

    spec = hand(
        {
            200: {"description": "ok"},
            "4xx": {"description": "bad"},
            "Default": {"description": "err"},
        }
    )
    app = hand(
        {
            "200": {"description": "ok"},
            "4XX": {"description": "bad"},
            "default": {"description": "err"},
        }
    )
    assert report(spec, app) == []


def test_auto_422_dropped_only_when_spec_has_none_and_it_is_fastapis() -> None:
    app_doc = pet_app()
    assert "422" in app_doc["paths"]["/pets"]["get"]["responses"]
    assert report(pet_spec(), app_doc) == []
    # the spec declares a 422: compared normally
    spec = pet_spec()
    spec["paths"]["/pets"]["get"]["responses"]["422"] = {"description": "Bad input"}
    assert report(spec, app_doc) == [
        ("/paths/~1pets/get/responses/422/content", "response", "extra-in-app"),
        ("/paths/~1pets/get/responses/422/description", "response", "changed"),
    ]
    # an app 422 that is not FastAPI's automatic one is reported
    changed = copy.deepcopy(app_doc)
    changed["paths"]["/pets"]["get"]["responses"]["422"]["description"] = "Nope"
    assert report(pet_spec(), changed) == [
        ("/paths/~1pets/get/responses/422", "response", "extra-in-app"),
    ]


bearer = HTTPBearer()
api_key = APIKeyHeader(name="X-API-Key")


def secured_app(scheme: Any = bearer, *, open_health: bool = True) -> dict[str, Any]:
    app = new_app()

    @app.get("/pets")
    def list_pets(credentials: Annotated[Any, Security(scheme)]) -> None: ...

    if open_health:

        @app.get("/health")
        def health() -> None: ...

    return app.openapi()


def secured_spec(**op_security: Any) -> dict[str, Any]:
    health: dict[str, Any] = {"responses": {"200": json_body({})}}
    pets: dict[str, Any] = {"responses": {"200": json_body({})}}
    health.update(op_security.get("health", {}))
    pets.update(op_security.get("pets", {}))
    return spec_doc(
        {"/pets": {"get": pets}, "/health": {"get": health}},
        security=[{"HTTPBearer": []}],
        security_schemes={
            "HTTPBearer": {"type": "http", "scheme": "bearer"},
            "Unused": {"type": "http", "scheme": "basic"},
        },
    )


def test_security_inherited_from_top_level_and_empty_list_means_none() -> None:
    spec = secured_spec(health={"security": []})
    assert report(spec, secured_app()) == []
    # without the override /health inherits the top-level requirement
    assert report(secured_spec(), secured_app()) == [
        ("/paths/~1health/get/security", "security", "missing-in-app"),
    ]


def test_path_level_parameters_pushed_down_and_overridden() -> None:
    app = new_app()

    @app.get("/pets/{pet_id}")
    def get_pet(pet_id: int, verbose: bool = False) -> None: ...

    @app.delete("/pets/{pet_id}")
    def delete_pet(pet_id: int) -> None: ...

    item = {
        "parameters": [
            {"name": "pet_id", "in": "path", "required": True, "schema": {"type": "string"}},
        ],
        "get": {
            "parameters": [
                {"name": "verbose", "in": "query", "schema": {"type": "boolean", "default": False}},
                {"name": "pet_id", "in": "path", "required": True, "schema": {"type": "integer"}},
            ],
            "responses": {"200": json_body({})},
        },
        "delete": {"responses": {"200": json_body({})}},
    }
    spec = spec_doc({"/pets/{pet_id}": item})
    assert report(spec, app.openapi()) == [
        ("/paths/~1pets~1{pet_id}/delete/parameters/path:pet_id/schema/type", "schema", "changed"),
    ]
    item["parameters"][0]["schema"]["type"] = "integer"
    assert report(spec, app.openapi()) == []


def test_header_names_compare_case_insensitively() -> None:
    app = new_app()

    @app.get("/x")
    def get_x(request_id: Annotated[str, Header(alias="x-request-id")]) -> None: ...

    op = {
        "parameters": [
            {
                "name": "X-Request-ID",
                "in": "header",
                "required": True,
                "schema": {"type": "string"},
            },
        ],
        "responses": {"200": json_body({})},
    }
    assert report(spec_doc({"/x": {"get": op}}), app.openapi()) == []


def test_allof_is_merged_like_a_pydantic_subclass() -> None:
    class Animal(BaseModel):
        id: int
        name: str = Field(description="Display name")

    class Cat(Animal):
        """A cat."""

        lives: int = Field(le=9)

    app = new_app()

    @app.get("/cat")
    def get_cat() -> Cat: ...

    animal = {
        "type": "object",
        "required": ["id", "name"],
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
    }
    cat = {
        "description": "A cat.",
        "allOf": [
            {"$ref": S + "AnimalBase"},
            {
                "type": "object",
                "required": ["lives"],
                "properties": {
                    "lives": {"type": "integer", "maximum": 9},
                    "name": {"description": "Display name"},
                },
            },
        ],
    }
    spec = spec_doc(
        {"/cat": {"get": {"responses": {"200": json_body({"$ref": S + "CatModel"})}}}},
        {"AnimalBase": animal, "CatModel": cat},
    )
    assert report(spec, app.openapi()) == []


def test_allof_members_defining_one_property_differently_are_reported_at_the_property() -> None:
    class M(BaseModel):
        v: int = Field(le=5)

    app = new_app()

    @app.get("/m")
    def get_m() -> M: ...

    model = {
        "allOf": [
            {
                "type": "object",
                "required": ["v"],
                "properties": {"v": {"type": "integer", "maximum": 5}},
            },
            {"type": "object", "properties": {"v": {"type": "integer", "maximum": 7}}},
        ]
    }
    spec = spec_doc(
        {"/m": {"get": {"responses": {"200": json_body({"$ref": S + "M"})}}}}, {"M": model}
    )
    # both definitions of v apply (allOf of them); pydantic's subclass keeps one of them
    base = "/paths/~1m/get/responses/200/content/application~1json/schema/properties/v"
    assert report(spec, app.openapi()) == [
        (f"{base}/allOf", "schema", "missing-in-app"),
        (f"{base}/maximum", "schema", "extra-in-app"),
        (f"{base}/type", "schema", "extra-in-app"),
    ]


def test_enum_without_type_equals_pydantic_typed_enum() -> None:
    class Color(str, enum.Enum):
        red = "red"
        green = "green"

    class M(BaseModel):
        color: Color
        mixed: Literal[1, "a"]

    app = new_app()

    @app.get("/m")
    def get_m() -> M: ...

    model = {
        "type": "object",
        "required": ["color", "mixed"],
        "properties": {
            "color": {"enum": ["green", "red"]},
            "mixed": {"enum": ["a", 1]},
        },
    }
    spec = spec_doc(
        {"/m": {"get": {"responses": {"200": json_body({"$ref": S + "M"})}}}}, {"M": model}
    )
    assert report(spec, app.openapi()) == []
    # a spec type that the app does not have is still compared
    model["properties"]["color"]["type"] = "integer"
    assert report(spec, app.openapi()) == [
        (
            "/paths/~1m/get/responses/200/content/application~1json/schema/properties/color/type",
            "schema",
            "changed",
        ),
    ]


def test_one_value_enum_equals_const() -> None:
    class M(BaseModel):
        kind: Literal["cat"]

    app = new_app()

    @app.get("/m")
    def get_m() -> M: ...

    for kind in ({"type": "string", "enum": ["cat"]}, {"enum": ["cat"]}):
        model = {"type": "object", "required": ["kind"], "properties": {"kind": kind}}
        spec = spec_doc(
            {"/m": {"get": {"responses": {"200": json_body({"$ref": S + "M"})}}}}, {"M": model}
        )
        assert report(spec, app.openapi()) == [], kind


def test_format_binary_equals_content_media_type() -> None:
    app = new_app()

    @app.post("/upload")
    def upload(file: Annotated[UploadFile, File()]) -> None: ...

    body = {
        "type": "object",
        "required": ["file"],
        "properties": {"file": {"type": "string", "format": "binary"}},
    }
    op = {
        "requestBody": request_body(body, "multipart/form-data"),
        "responses": {"200": json_body({})},
    }
    assert report(spec_doc({"/upload": {"post": op}}), app.openapi()) == []


def test_format_byte_equals_content_encoding() -> None:
    def hand(schema: dict[str, Any]) -> dict[str, Any]:
        return spec_doc({"/x": {"get": {"responses": {"200": json_body(schema)}}}}, version="3.1.0")

    assert (
        report(
            hand({"type": "string", "format": "byte"}),
            hand({"type": "string", "contentEncoding": "base64"}),
            (3, 1),
        )
        == []
    )


class Node(BaseModel):
    name: str
    children: list["Node"] = []
    parent: "Node | None" = None


def node_spec(children_items: dict[str, Any] | None = None) -> dict[str, Any]:
    node = {
        "type": "object",
        "required": ["name"],
        "properties": {
            "name": {"type": "string"},
            "children": {
                "type": "array",
                "items": children_items or {"$ref": S + "TreeNode"},
                "default": [],
            },
            "parent": {"allOf": [{"$ref": S + "TreeNode"}], "nullable": True},
        },
    }
    op = {
        "requestBody": request_body({"$ref": S + "TreeNode"}),
        "responses": {"200": json_body({"$ref": S + "TreeNode"})},
    }
    return spec_doc({"/nodes": {"post": op}}, {"TreeNode": node})


def node_app() -> dict[str, Any]:
    app = new_app()

    @app.post("/nodes")
    def post_node(node: Node) -> Node: ...

    return app.openapi()


def test_recursive_schema_equality_is_name_independent() -> None:
    assert report(node_spec(), node_app()) == []
    normalized = normalize_document(node_spec(), side="spec", spec_version=(3, 0))
    marker = normalized["paths"]["/nodes"]["post"]["requestBody"]["content"]["application/json"][
        "schema"
    ]
    # a recursive component is a marker standing for its schema, normalized once
    assert is_marker(marker)
    schema = resolve_marker(marker)
    items = schema["properties"]["children"]["items"]
    assert is_marker(items) and resolve_marker(items) is schema
    parent, null = schema["properties"]["parent"]["anyOf"]
    assert resolve_marker(parent) is schema and null == {"type": "null"}


def test_recursion_through_an_indirection_is_not_equal_to_direct_recursion() -> None:
    spec = node_spec(children_items={"$ref": S + "Wrapper"})
    spec["components"]["schemas"]["Wrapper"] = {
        "type": "object",
        "properties": {"node": {"$ref": S + "TreeNode"}},
    }
    found = report(spec, node_app())
    items = "properties/children/items"
    # the items are a Wrapper on one side and a node on the other: the two schemas are
    # compared, keyword by keyword, once per place
    expected = [
        ("properties/children", "extra-in-app"),
        ("properties/name", "extra-in-app"),
        ("properties/node", "missing-in-app"),
        ("properties/parent", "extra-in-app"),
        ("required", "extra-in-app"),
    ]
    assert found == [
        (
            f"/paths/~1nodes/post/{where}/content/application~1json/schema/{items}/{rest}",
            "schema",
            kind,
        )
        for where in ("requestBody", "responses/200")
        for rest, kind in expected
    ]


def test_mutual_recursion_is_canonical_regardless_of_inlining_order() -> None:
    a = {"type": "object", "properties": {"b": {"$ref": S + "B"}}}
    b = {"type": "object", "properties": {"a": {"$ref": S + "A"}}}

    def hand(first: str, names: tuple[str, str]) -> dict[str, Any]:
        x, y = names
        schemas = {x: copy.deepcopy(a), y: copy.deepcopy(b)}
        schemas[x]["properties"]["b"]["$ref"] = S + y
        schemas[y]["properties"]["a"]["$ref"] = S + x
        ops = {
            "/a": {"get": {"responses": {"200": json_body({"$ref": S + x})}}},
            "/b": {"get": {"responses": {"200": json_body({"$ref": S + y})}}},
        }
        paths = dict(sorted(ops.items(), reverse=first == "b"))
        return spec_doc(paths, schemas, version="3.1.0")

    assert report(hand("a", ("A", "B")), hand("b", ("Zed", "Alpha")), (3, 1)) == []


def test_refs_with_differing_component_names_and_sibling_description() -> None:
    class Money(BaseModel):
        amount: int

    class Order(BaseModel):
        total: Money = Field(description="Order total")

    app = new_app()

    @app.get("/o")
    def get_o() -> Order: ...

    spec = spec_doc(
        {"/o": {"get": {"responses": {"200": json_body({"$ref": S + "OrderDTO"})}}}},
        {
            "OrderDTO": {
                "type": "object",
                "required": ["total"],
                "properties": {"total": {"$ref": S + "Amount", "description": "Order total"}},
            },
            "Amount": {
                "type": "object",
                "required": ["amount"],
                "properties": {"amount": {"type": "integer"}},
            },
        },
        version="3.1.0",
    )
    assert report(spec, app.openapi(), (3, 1)) == []


def test_discriminator_mapping_is_resolved() -> None:
    class Cat(BaseModel):
        kind: Literal["cat"]

    class Dog(BaseModel):
        kind: Literal["dog"]
        barks: bool = True

    app = new_app()

    @app.post("/pets")
    def add(pet: Annotated[Cat | Dog, Field(discriminator="kind")]) -> None: ...

    schema = {
        "oneOf": [{"$ref": S + "Dog1"}, {"$ref": S + "Cat1"}],
        "discriminator": {"propertyName": "kind", "mapping": {"cat": S + "Cat1", "dog": "Dog1"}},
    }
    schemas = {
        "Cat1": {"type": "object", "required": ["kind"], "properties": {"kind": {"enum": ["cat"]}}},
        "Dog1": {
            "type": "object",
            "required": ["kind"],
            "properties": {
                "kind": {"type": "string", "enum": ["dog"]},
                "barks": {"type": "boolean", "default": True},
            },
        },
    }
    op = {"requestBody": request_body(schema), "responses": {"200": json_body({})}}
    spec = spec_doc({"/pets": {"post": op}}, schemas)
    assert report(spec, app.openapi()) == []
    schemas["Dog1"]["properties"]["barks"]["default"] = False
    base = "/paths/~1pets/post/requestBody/content/application~1json/schema"
    assert report(spec, app.openapi()) == [
        (f"{base}/discriminator/mapping/dog/properties/barks/default", "schema", "changed"),
        (f"{base}/oneOf/0/properties/barks/default", "schema", "changed"),
    ]


def test_reference_objects_outside_schemas_are_inlined() -> None:
    spec = pet_spec()
    op = spec["paths"]["/pets"]["get"]
    spec["components"]["parameters"] = {"Limit": op["parameters"][0]}
    spec["components"]["responses"] = {"NotFound": op["responses"]["404"]}
    op["parameters"] = [{"$ref": "#/components/parameters/Limit"}]
    op["responses"]["404"] = {"$ref": "#/components/responses/NotFound"}
    assert report(spec, pet_app()) == []


# -- real differences are reported ---------------------------------------------------------

ITEMS = "/paths/~1pets/get/responses/200/content/application~1json/schema/items"


def test_changed_constraint_is_reported() -> None:
    found = compare_documents(pet_spec(), pet_app(maximum=100), spec_version=(3, 0))
    assert [d.to_json() for d in found] == [
        {
            "pointer": "/paths/~1pets/get/parameters/query:limit/schema/maximum",
            "category": "schema",
            "kind": "changed",
            "spec": 1000,
            "app": 100,
        }
    ]


def test_dropped_response_is_reported() -> None:
    found = compare_documents(pet_spec(), pet_app(responses={}), spec_version=(3, 0))
    assert [d.to_json() for d in found] == [
        {
            "pointer": "/paths/~1pets/get/responses/404",
            "category": "response",
            "kind": "missing-in-app",
            "spec": {"description": "Not found"},
            "app": "<absent>",
        }
    ]


def test_renamed_parameter_is_reported() -> None:
    app = new_app()

    @app.get("/pets", summary="List pets", responses={404: {"description": "Not found"}})
    def list_pets(
        max_items: Annotated[int, Query(alias="max", le=1000)] = None,  # noqa: RUF013
    ) -> list[Pet]: ...

    assert report(pet_spec(), app.openapi()) == [
        ("/paths/~1pets/get/parameters/query:limit", "parameter", "missing-in-app"),
        ("/paths/~1pets/get/parameters/query:max", "parameter", "extra-in-app"),
    ]


def test_changed_security_requirement_is_reported() -> None:
    spec = secured_spec(health={"security": []})
    found = compare_documents(spec, secured_app(api_key), spec_version=(3, 0))
    assert [(d.pointer, d.category, d.kind, d.spec, d.app) for d in found] == [
        (
            "/components/securitySchemes/APIKeyHeader",
            "security",
            "extra-in-app",
            MISSING,
            {"type": "apiKey", "in": "header", "name": "X-API-Key"},
        ),
        (
            "/components/securitySchemes/HTTPBearer",
            "security",
            "missing-in-app",
            {"type": "http", "scheme": "bearer"},
            MISSING,
        ),
        ("/paths/~1pets/get/security/0/APIKeyHeader", "security", "extra-in-app", MISSING, []),
        ("/paths/~1pets/get/security/0/HTTPBearer", "security", "missing-in-app", [], MISSING),
    ]


def test_changed_scopes_are_reported() -> None:
    def hand(scopes: list[str]) -> dict[str, Any]:
        return spec_doc(
            {
                "/x": {
                    "get": {
                        "security": [{"oauth": scopes}],
                        "responses": {"200": {"description": "ok"}},
                    }
                }
            }
        )

    assert report(hand(["read", "write"]), hand(["read", "write"])) == []
    assert report(hand(["read", "write"]), hand(["read"])) == [
        ("/paths/~1x/get/security/0/oauth/1", "security", "missing-in-app"),
    ]


def test_changed_description_is_reported() -> None:
    spec = pet_spec()
    spec["components"]["schemas"]["PetResource"]["properties"]["name"]["description"] = "Name"
    found = compare_documents(spec, pet_app(), spec_version=(3, 0))
    assert [(d.pointer, d.category, d.kind, d.spec, d.app) for d in found] == [
        (f"{ITEMS}/properties/name/description", "schema", "changed", "Name", "The pet's name"),
    ]


def test_changed_property_type_is_reported() -> None:
    class StrPet(BaseModel):
        id: str = Field(min_length=1)
        name: str = Field(max_length=50, description="The pet's name")
        tag: str | None = None

    spec = pet_spec()
    spec["components"]["schemas"]["PetResource"]["properties"]["id"] = {
        "type": "integer",
        "minLength": 1,
    }
    # minLength never applied to the spec's integer: on the app's string it is a new constraint
    assert report(spec, pet_app(StrPet)) == [
        (f"{ITEMS}/properties/id/minLength", "schema", "extra-in-app"),
        (f"{ITEMS}/properties/id/type", "schema", "changed"),
    ]


def test_extra_required_property_is_reported() -> None:
    class StrictPet(BaseModel):
        id: int = Field(ge=1)
        name: str = Field(max_length=50, description="The pet's name")
        tag: str | None

    found = compare_documents(pet_spec(), pet_app(StrictPet), spec_version=(3, 0))
    assert [(d.pointer, d.category, d.kind, d.spec, d.app) for d in found] == [
        (f"{ITEMS}/required/2", "schema", "extra-in-app", MISSING, "tag"),
    ]


def test_added_enum_value_is_reported() -> None:
    class M(BaseModel):
        size: Literal["s", "m", "l"]

    app = new_app()

    @app.get("/m")
    def get_m() -> M: ...

    model = {
        "type": "object",
        "required": ["size"],
        "properties": {"size": {"type": "string", "enum": ["s", "l"]}},
    }
    spec = spec_doc(
        {"/m": {"get": {"responses": {"200": json_body({"$ref": S + "M"})}}}}, {"M": model}
    )
    found = compare_documents(spec, app.openapi(), spec_version=(3, 0))
    assert [(d.pointer, d.category, d.kind, d.spec, d.app) for d in found] == [
        (
            "/paths/~1m/get/responses/200/content/application~1json/schema/properties/size/enum/1",
            "schema",
            "extra-in-app",
            MISSING,
            "m",
        ),
    ]


def test_changed_summary_is_reported() -> None:
    found = compare_documents(pet_spec(), pet_app(summary="List all pets"), spec_version=(3, 0))
    assert [d.to_json() for d in found] == [
        {
            "pointer": "/paths/~1pets/get/summary",
            "category": "operation",
            "kind": "changed",
            "spec": "List pets",
            "app": "List all pets",
        }
    ]


def test_added_nullability_is_reported() -> None:
    class LoosePet(BaseModel):
        id: int = Field(ge=1)
        name: str | None = Field(max_length=50, description="The pet's name")
        tag: str | None = None

    found = compare_documents(pet_spec(), pet_app(LoosePet), spec_version=(3, 0))
    assert [(d.pointer, d.category, d.kind) for d in found] == [
        (f"{ITEMS}/properties/name/anyOf", "schema", "extra-in-app"),
        (f"{ITEMS}/properties/name/maxLength", "schema", "missing-in-app"),
        (f"{ITEMS}/properties/name/type", "schema", "missing-in-app"),
    ]
    anyof = found[0].app
    assert anyof == [{"type": "string", "maxLength": 50}, {"type": "null"}]


def test_missing_and_extra_operations_and_paths() -> None:
    spec = pet_spec()
    spec["paths"]["/pets"]["post"] = {"responses": {"201": {"description": "Created"}}}
    app_doc = pet_app()
    app_doc["paths"]["/extra"] = {"get": {"responses": {"200": {"description": "x"}}}}
    assert report(spec, app_doc) == [
        ("/paths/~1extra", "operation", "extra-in-app"),
        ("/paths/~1pets/post", "operation", "missing-in-app"),
    ]


def test_info_server_tag_differences() -> None:
    spec = pet_spec()
    spec["servers"] = [{"url": "https://api.example.com"}]
    spec["tags"] = [{"name": "pets", "description": "Pets"}]
    spec["info"]["description"] = "Pet store"
    assert report(spec, pet_app()) == [
        ("/info/description", "info", "missing-in-app"),
        ("/servers", "server", "missing-in-app"),
        ("/tags", "tag", "missing-in-app"),
    ]


def test_webhooks_and_callbacks_are_compared() -> None:
    hook = {
        "post": {
            "requestBody": request_body({"type": "string"}),
            "responses": {"200": {"description": "ok"}},
        }
    }
    callback = {"{$request.body#/url}": copy.deepcopy(hook)}

    def hand(string_type: str) -> dict[str, Any]:
        doc = spec_doc(
            {
                "/sub": {
                    "post": {
                        "callbacks": {"onEvent": copy.deepcopy(callback)},
                        "responses": {"200": {"description": "ok"}},
                    }
                }
            },
            version="3.1.0",
            webhooks={"newPet": copy.deepcopy(hook)},
        )
        body = doc["webhooks"]["newPet"]["post"]["requestBody"]
        body["content"]["application/json"]["schema"]["type"] = string_type
        cb = doc["paths"]["/sub"]["post"]["callbacks"]["onEvent"]["{$request.body#/url}"]
        cb["post"]["requestBody"]["content"]["application/json"]["schema"]["type"] = string_type
        return doc

    assert report(hand("string"), hand("string"), (3, 1)) == []
    assert report(hand("string"), hand("integer"), (3, 1)) == [
        (
            (
                "/paths/~1sub/post/callbacks/onEvent/{$request.body#~1url}/post/requestBody/"
                "content/application~1json/schema/type"
            ),
            "callback",
            "changed",
        ),
        (
            "/webhooks/newPet/post/requestBody/content/application~1json/schema/type",
            "webhook",
            "changed",
        ),
    ]


# -- reporting details ---------------------------------------------------------------------


def test_json_pointer_escaping() -> None:
    assert json_pointer(["paths", "/a~b/{id}", "get", 0]) == "/paths/~1a~0b~1{id}/get/0"


@pytest.mark.parametrize(
    ("pointer", "category"),
    [
        (["info", "title"], "info"),
        (["externalDocs", "url"], "info"),
        (["servers", 0, "url"], "server"),
        (["tags", 0], "tag"),
        (["components", "securitySchemes", "a"], "security"),
        (["components", "schemas", "a"], "component"),
        (["webhooks", "w", "post"], "webhook"),
        (["paths", "/a"], "operation"),
        (["paths", "/a", "get", "summary"], "operation"),
        (["paths", "/a", "servers"], "server"),
        (["paths", "/a", "get", "servers", 0], "server"),
        (["paths", "/a", "get", "parameters", "query:q", "style"], "parameter"),
        (["paths", "/a", "get", "parameters", "query:q", "schema", "type"], "schema"),
        (["paths", "/a", "get", "requestBody", "required"], "request-body"),
        (["paths", "/a", "get", "requestBody", "content", "a/b", "schema"], "schema"),
        (
            ["paths", "/a", "get", "responses", "200", "headers", "schema", "description"],
            "response",
        ),
        (["paths", "/a", "get", "responses", "200", "headers", "X", "schema"], "schema"),
        (["paths", "/a", "get", "security", 0], "security"),
        (["paths", "/a", "get", "callbacks", "c", "x", "post"], "callback"),
    ],
)
def test_category_of(pointer: list[Any], category: str) -> None:
    assert category_of(pointer) == category
    assert category in CATEGORIES


def test_discrepancy_to_json_is_serializable() -> None:
    d = Discrepancy(pointer="/a", spec=MISSING, app={"x": 1}, category="info", kind="extra-in-app")
    assert json.loads(json.dumps(d.to_json())) == {
        "pointer": "/a",
        "category": "info",
        "kind": "extra-in-app",
        "spec": "<absent>",
        "app": {"x": 1},
    }
    assert repr(MISSING) == "<absent>"


def test_results_are_sorted_and_deterministic() -> None:
    spec = pet_spec()
    spec["paths"]["/pets"]["get"]["description"] = "All pets"
    spec["info"]["title"] = "other"
    first = compare_documents(spec, pet_app(maximum=5), spec_version=(3, 0))
    second = compare_documents(spec, pet_app(maximum=5), spec_version=(3, 0))
    assert first == second
    assert [d.pointer for d in first] == sorted(d.pointer for d in first)
    assert [d.pointer for d in first] == [
        "/info/title",
        "/paths/~1pets/get/description",
        "/paths/~1pets/get/parameters/query:limit/schema/maximum",
    ]


def test_large_document_with_shared_cyclic_schemas() -> None:
    """Many operations sharing cyclic schemas compare equal to themselves (how long it takes is
    measured in bench/, never asserted here)."""
    schemas = {
        f"M{i}": {
            "type": "object",
            "properties": {
                "next": {"$ref": S + f"M{(i + 1) % 50}"},
                "value": {"type": "integer", "maximum": i},
            },
        }
        for i in range(50)
    }
    paths = {
        f"/r{i}": {"get": {"responses": {"200": json_body({"$ref": S + f"M{i % 50}"})}}}
        for i in range(400)
    }
    spec = spec_doc(paths, schemas, version="3.1.0")
    assert compare_documents(spec, copy.deepcopy(spec), spec_version=(3, 1)) == []


def test_canonical_forms_of_normalize_document() -> None:
    spec = spec_doc(
        {
            "/x/{id}": {
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "get": {
                    "parameters": [
                        {
                            "name": "X-Mode",
                            "in": "header",
                            "required": False,
                            "style": "simple",
                            "schema": {"type": "string", "enum": ["fast"], "nullable": False},
                        },
                    ],
                    "responses": {
                        200: json_body(
                            {
                                "type": "integer",
                                "minimum": 0,
                                "exclusiveMinimum": True,
                                "nullable": True,
                                "description": "count",
                            }
                        ),
                        "5xx": {"description": "oops"},
                    },
                },
            }
        },
        security=[{"b": ["s2", "s1"]}, {"a": []}],
        security_schemes={"a": {"type": "http", "scheme": "basic"}},
    )
    assert normalize_document(spec, side="spec", spec_version=(3, 0)) == {
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/x/{id}": {
                "get": {
                    "parameters": {
                        "path:id": {"required": True, "schema": {"type": "string"}},
                        "header:x-mode": {"schema": {"type": "string", "const": "fast"}},
                    },
                    "responses": {
                        "200": json_body(
                            {
                                "description": "count",
                                "anyOf": [
                                    {"type": "integer", "exclusiveMinimum": 0},
                                    {"type": "null"},
                                ],
                            }
                        ),
                        "5XX": {"description": "oops"},
                    },
                    "security": [{"a": []}, {"b": ["s2", "s1"]}],
                }
            }
        },
        "components": {"securitySchemes": {"a": {"type": "http", "scheme": "basic"}}},
    }


def test_app_side_rules_need_the_reference() -> None:
    app_doc = pet_app()
    alone = normalize_document(app_doc, side="app", spec_version=(3, 0))
    assert alone["paths"]["/pets"]["get"]["operationId"] == "list_pets_pets_get"
    assert "422" in alone["paths"]["/pets"]["get"]["responses"]
    spec = normalize_document(pet_spec(), side="spec", spec_version=(3, 0))
    aligned = normalize_document(app_doc, side="app", spec_version=(3, 0), reference=spec)
    assert aligned == spec


def test_property_without_a_constraint_equals_no_property() -> None:
    def doc(schema: dict[str, Any], version: str) -> dict[str, Any]:
        return spec_doc({"/a": {"get": {"responses": {"200": json_body(schema)}}}}, version=version)

    described = {"type": "object", "required": ["a", "b"], "properties": {"a": {"type": "string"}}}
    published = {
        "type": "object",
        "required": ["a", "b"],
        "properties": {"a": {"type": "string", "title": "A"}, "b": {"title": "B"}},
    }
    assert report(doc(described, "3.1.0"), doc(published, "3.1.0"), (3, 1)) == []
    # additionalProperties sees which names are declared: there the entry means something
    closed = {**described, "additionalProperties": False}
    assert report(
        doc(closed, "3.1.0"), doc({**published, "additionalProperties": False}, "3.1.0"), (3, 1)
    ) == [
        (
            f"{json_pointer(['paths', '/a', 'get', 'responses', '200', 'content', 'application/json', 'schema', 'properties', 'b'])}",
            "schema",
            "extra-in-app",
        ),
    ]
    # a property with a constraint is still a difference
    typed = {**published, "properties": {**published["properties"], "b": {"type": "integer"}}}
    assert report(doc(described, "3.1.0"), doc(typed, "3.1.0"), (3, 1)) == [
        (
            f"{json_pointer(['paths', '/a', 'get', 'responses', '200', 'content', 'application/json', 'schema', 'properties', 'b'])}",
            "schema",
            "extra-in-app",
        ),
    ]


def test_schemes_required_together_are_unpublishable_but_other_drift_is_security() -> None:
    schemes = {
        "id": {"type": "apiKey", "in": "header", "name": "X-Id"},
        "secret": {"type": "apiKey", "in": "header", "name": "X-Secret"},
    }

    def doc(security: list[dict[str, Any]]) -> dict[str, Any]:
        op = {"security": security, "responses": {"204": {"description": "done"}}}
        return spec_doc({"/a": {"get": op}}, version="3.1.0", security_schemes=schemes)

    spec = doc([{"id": [], "secret": []}])
    found = compare_documents(spec, doc([{"secret": []}, {"id": []}]), spec_version=(3, 1))
    assert [(d.pointer, d.category, d.kind) for d in found] == [
        ("/paths/~1a/get/security", "unpublishable", "changed"),
    ]
    # the app checking only one of the two is drift, reported as such
    found = compare_documents(spec, doc([{"id": []}]), spec_version=(3, 1))
    assert {d.category for d in found} == {"security"}


def test_keywords_of_another_type_never_apply() -> None:
    def doc(schema: dict[str, Any]) -> dict[str, Any]:
        return spec_doc({"/a": {"get": {"responses": {"200": json_body(schema)}}}}, version="3.1.0")

    described = {
        "type": "string",
        "additionalProperties": {"type": "string"},
        "minItems": 1,
        "maxLength": 5,
    }
    assert report(doc(described), doc({"type": "string", "maxLength": 5}), (3, 1)) == []
    # where the type admits them they constrain values, and a difference is reported
    both = {**described, "type": ["string", "array"]}
    pointer = json_pointer(
        [
            "paths",
            "/a",
            "get",
            "responses",
            "200",
            "content",
            "application/json",
            "schema",
            "minItems",
        ]
    )
    assert report(
        doc(both),
        doc(
            {
                "type": ["string", "array"],
                "maxLength": 5,
                "additionalProperties": {"type": "string"},
            }
        ),
        (3, 1),
    ) == [
        (pointer, "schema", "missing-in-app"),
    ]


def test_a_dangling_ref_on_the_app_side_is_a_discrepancy_not_a_crash() -> None:
    def document(target: str) -> dict[str, Any]:
        answer = {
            "description": "ok",
            "content": {"application/json": {"schema": {"$ref": target}}},
        }
        return {
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "paths": {"/things": {"get": {"responses": {"200": answer}}}},
            "components": {
                "schemas": {"Thing": {"type": "object", "properties": {"kind": {"type": "string"}}}}
            },
        }

    found = compare_documents(
        document("#/components/schemas/Thing"),
        document("#/components/schemas/Gone"),
        spec_version=(3, 1),
    )
    assert found and all(
        d.pointer.startswith("/paths/~1things/get/responses/200") for d in found
    ), found


def test_type_next_to_alternatives_of_that_type_is_implied() -> None:
    def doc(schema: dict[str, Any]) -> dict[str, Any]:
        return spec_doc({"/a": {"get": {"responses": {"200": json_body(schema)}}}}, version="3.1.0")

    cat = {"type": "object", "required": ["meow"], "properties": {"meow": {"type": "string"}}}
    dog = {"type": "object", "required": ["bark"], "properties": {"bark": {"type": "string"}}}
    assert (
        report(doc({"type": "object", "oneOf": [cat, dog]}), doc({"oneOf": [dog, cat]}), (3, 1))
        == []
    )
    # an alternative of another type: the type next to them still excludes it
    word = {"type": "string"}
    pointer = json_pointer(
        ["paths", "/a", "get", "responses", "200", "content", "application/json", "schema", "type"]
    )
    assert report(
        doc({"type": "object", "anyOf": [cat, word]}), doc({"anyOf": [cat, word]}), (3, 1)
    ) == [
        (pointer, "schema", "missing-in-app"),
    ]


def test_an_empty_headers_or_links_map_equals_none() -> None:
    def document(response: dict[str, Any]) -> dict[str, Any]:
        return {
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "paths": {"/x": {"get": {"responses": {"204": response}}}},
        }

    spec = document({"description": "done", "headers": {}, "links": {}})
    assert compare_documents(spec, document({"description": "done"}), spec_version=(3, 1)) == []
    declared = document(
        {"description": "done", "headers": {"X-Id": {"schema": {"type": "string"}}}}
    )
    assert compare_documents(declared, document({"description": "done"}), spec_version=(3, 1))


def _one_path(path: str, *names: str) -> dict[str, Any]:
    parameters = [
        {"name": n, "in": "path", "required": True, "schema": {"type": "string"}} for n in names
    ]
    operation = {"parameters": parameters, "responses": {"200": {"description": "ok"}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {path: {"get": operation}},
    }


def test_path_variable_names_are_the_specs_when_only_they_differ() -> None:
    spec = _one_path("/things/{thing-id}/parts/{part.no}", "thing-id", "part.no")
    app = _one_path("/things/{thing_id}/parts/{part_no}", "thing_id", "part_no")
    assert report(spec, app, (3, 1)) == []
    # another shape is another path, and a parameter the template does not name stays
    moved = _one_path("/things/{thing_id}/part/{part_no}", "thing_id", "part_no")
    assert report(spec, moved, (3, 1)) != []
    extra = _one_path("/things/{thing_id}/parts/{part_no}", "thing_id", "part_no", "other")
    assert [p for p, _, _ in report(spec, extra, (3, 1))] == [
        "/paths/~1things~1{thing-id}~1parts~1{part.no}/get/parameters/path:other"
    ]


def test_a_one_member_one_of_or_any_of_is_its_member() -> None:
    class Box(BaseModel):
        size: int

    app = new_app()

    @app.get("/box")
    def get_box() -> Box: ...

    box = {"type": "object", "required": ["size"], "properties": {"size": {"type": "integer"}}}
    for key in ("oneOf", "anyOf"):
        spec = spec_doc(
            {"/box": {"get": {"responses": {"200": json_body({key: [{"$ref": S + "BoxModel"}]})}}}},
            {"BoxModel": box},
        )
        assert report(spec, app.openapi()) == []
    # two members are not one: still a difference
    spec = spec_doc(
        {
            "/box": {
                "get": {
                    "responses": {
                        "200": json_body({"oneOf": [{"$ref": S + "BoxModel"}, {"type": "string"}]})
                    }
                }
            }
        },
        {"BoxModel": box},
    )
    assert report(spec, app.openapi()) != []
