"""Error bodies fit any error schema (``specfirst.runtime.error_bodies`` and ``errors``).

The runtime modules are what every generated service runs (copied verbatim as
``app/core/``): here they are tested as the code they are, on many error schema shapes,
each body checked with jsonschema (Draft 2020-12, formats asserted) against its schema, and
through a FastAPI app whose routes declare their errors as generated routes do.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pytest
from fastapi import FastAPI, Query, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator, FormatChecker
from pydantic import MISSING, BaseModel, ConfigDict, Field

from specfirst.runtime import error_bodies
from specfirst.runtime.error_bodies import Issue, Problem, body_for, candidates, fill
from specfirst.runtime.errors import ApiError, install, not_implemented

INVALID = Problem(
    status=422,
    code="invalid_request",
    detail="body.user.email: Field required; query.limit: Input should be a valid integer",
    request_id="5f2c9e0a1b3d4c6e",
    instance="/users",
    url="http://testserver/users?limit=x",
    issues=(
        Issue(("body", "user", "email"), "Field required", "missing"),
        Issue(("query", "limit"), "Input should be a valid integer", "int_parsing"),
    ),
)
NOT_FOUND = Problem(
    status=404, code="not_found", detail="notes 7 does not exist", instance="/notes/7"
)


def valid(instance: Any, schema: Any) -> list[str]:
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]


def filled(schema: dict[str, Any], problem: Problem = INVALID) -> Any:
    """The best body for ``problem``, asserted valid for ``schema``."""
    found = candidates(schema, problem)
    assert found, "no candidate"
    assert valid(found[0], schema) == []
    return found[0]


def obj(required: list[str], **properties: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": properties}


STRING: dict[str, Any] = {"type": "string"}
INTEGER: dict[str, Any] = {"type": "integer"}


# -- the shapes of real error schemas ---------------------------------------------------


def test_rfc9457_problem_with_required_title_and_status() -> None:
    schema = obj(
        ["title", "status"],
        type={"type": "string", "format": "uri-reference", "default": "about:blank"},
        title=STRING,
        status={"type": "integer", "minimum": 100, "maximum": 599},
        detail=STRING,
        instance={"type": "string", "format": "uri-reference"},
    )
    assert filled(schema, NOT_FOUND) == {
        "title": "Not Found",
        "status": 404,
        "type": "about:blank",
        "detail": "notes 7 does not exist",
        "instance": "/notes/7",
    }


def test_problem_type_as_an_absolute_uri_and_instance_as_one() -> None:
    schema = obj(
        ["type", "title", "status", "instance"],
        type={"type": "string", "format": "uri"},
        title=STRING,
        status=INTEGER,
        instance={"type": "string", "format": "uri"},
    )
    body = filled(schema)
    assert body["type"] == "about:blank"
    assert body["instance"] == "http://testserver/users?limit=x"


def test_errors_body_list_of_strings() -> None:
    schema = obj(["errors"], errors=obj(["body"], body={"type": "array", "items": STRING}))
    assert filled(schema) == {
        "errors": {
            "body": [
                "body.user.email: Field required",
                "query.limit: Input should be a valid integer",
            ]
        }
    }


def test_nested_error_object() -> None:
    schema = obj(
        ["error"],
        error=obj(["code", "message", "status"], code=STRING, message=STRING, status=INTEGER),
    )
    assert filled(schema, NOT_FOUND) == {
        "error": {"code": "not_found", "message": "notes 7 does not exist", "status": 404}
    }


def test_code_message_and_embedded_errors() -> None:
    item = obj(["code", "message", "path"], code=STRING, message=STRING, path=STRING)
    schema = obj(
        ["code", "message", "_embedded"],
        code=INTEGER,
        message=STRING,
        _embedded=obj(["errors"], errors={"type": "array", "items": item}),
    )
    body = filled(schema)
    assert body["code"] == 422
    assert body["_embedded"]["errors"] == [
        {"code": "missing", "message": "Field required", "path": "body.user.email"},
        {
            "code": "int_parsing",
            "message": "Input should be a valid integer",
            "path": "query.limit",
        },
    ]


def test_typed_error_with_enums() -> None:
    schema = obj(
        ["type", "status", "code", "message"],
        type={"type": "string", "enum": ["error"]},
        status=INTEGER,
        code={"type": "string", "enum": ["unauthorized", "not_found", "invalid_request"]},
        message=STRING,
    )
    assert filled(schema, NOT_FOUND) == {
        "type": "error",
        "status": 404,
        "code": "not_found",
        "message": "notes 7 does not exist",
    }


def test_json_api_errors_with_string_status_and_sources() -> None:
    source = {"type": "object", "properties": {"pointer": STRING, "parameter": STRING}}
    item = obj(
        ["status", "title", "detail"], status=STRING, title=STRING, detail=STRING, source=source
    )
    schema = obj(["errors"], errors={"type": "array", "items": item, "minItems": 1})
    assert filled(schema)["errors"] == [
        {
            "status": "422",
            "title": "Unprocessable Entity",
            "detail": "Field required",
            "source": {"pointer": "/user/email"},
        },
        {
            "status": "422",
            "title": "Unprocessable Entity",
            "detail": "Input should be a valid integer",
            "source": {"parameter": "limit"},
        },
    ]


def test_fastapi_http_validation_error() -> None:
    schema = {
        "$defs": {
            "ValidationError": obj(
                ["loc", "msg", "type"],
                loc={"type": "array", "items": {"anyOf": [STRING, INTEGER]}},
                msg=STRING,
                type=STRING,
            )
        },
        "type": "object",
        "properties": {"detail": {"type": "array", "items": {"$ref": "#/$defs/ValidationError"}}},
    }
    assert filled(schema) == {
        "detail": [
            {"loc": ["body", "user", "email"], "msg": "Field required", "type": "missing"},
            {
                "loc": ["query", "limit"],
                "msg": "Input should be a valid integer",
                "type": "int_parsing",
            },
        ]
    }


def test_message_only() -> None:
    assert filled(obj(["message"], message=STRING), NOT_FOUND) == {
        "message": "notes 7 does not exist"
    }


def test_oauth_error_and_description() -> None:
    schema = obj(["error"], error=STRING, error_description=STRING)
    assert filled(schema) == {"error": "invalid_request", "error_description": INVALID.detail}


@pytest.mark.parametrize(
    ("name", "schema", "expected"),
    [
        ("statusCode", INTEGER, 422),
        ("status_code", {"type": "string"}, "422"),
        ("error_code", STRING, "invalid_request"),
        ("errorCode", STRING, "invalid_request"),
        ("error_type", STRING, "invalid_request"),
        ("msg", STRING, INVALID.detail),
        ("error_message", STRING, INVALID.detail),
        ("requestId", STRING, "5f2c9e0a1b3d4c6e"),
        ("request_id", STRING, "5f2c9e0a1b3d4c6e"),
        ("title", STRING, "Unprocessable Entity"),
    ],
)
def test_properties_by_name(name: str, schema: dict[str, Any], expected: Any) -> None:
    assert filled(obj([name], **{name: schema}))[name] == expected


def test_formats_and_bounds() -> None:
    schema = obj(
        ["requestId", "timestamp", "day", "help", "contact", "count", "ratio", "label", "tags"],
        requestId={"type": "string", "format": "uuid"},
        timestamp={"type": "string", "format": "date-time"},
        day={"type": "string", "format": "date"},
        help={"type": "string", "format": "uri"},
        contact={"type": "string", "format": "email"},
        count={"type": "integer", "minimum": 3, "multipleOf": 5},
        ratio={"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
        label={"type": "string", "minLength": 40, "maxLength": 50},
        tags={"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2},
    )
    body = filled(schema)
    assert body["count"] == 5 and 0 < body["ratio"] < 1
    assert 40 <= len(body["label"]) <= 50


def test_status_bounded_by_the_schema_and_enum_members_of_the_same_class() -> None:
    schema = obj(
        ["status", "code"],
        status={"type": "integer", "enum": [400, 401, 404, 500]},
        code={"type": "string", "pattern": "^[A-Z_]+$"},
    )
    assert filled(schema) == {"status": 400, "code": "INVALID_REQUEST"}


def test_a_map_of_issues_by_field() -> None:
    schema = obj(
        ["errors"],
        errors={"type": "object", "additionalProperties": {"type": "array", "items": STRING}},
    )
    assert filled(schema) == {
        "errors": {
            "email": ["body.user.email: Field required"],
            "limit": ["query.limit: Input should be a valid integer"],
        }
    }


def test_recursive_error_with_causes() -> None:
    schema = {
        "$defs": {
            "Error": obj(
                ["code", "message"],
                code=STRING,
                message=STRING,
                causes={"type": "array", "items": {"$ref": "#/$defs/Error"}},
            )
        },
        "$ref": "#/$defs/Error",
    }
    body = filled(schema, NOT_FOUND)
    assert body == {
        "code": "not_found",
        "message": "notes 7 does not exist",
        "causes": [{"code": "not_found", "message": "notes 7 does not exist"}],
    }


def test_allof_extension_of_a_problem() -> None:
    base = obj(["title", "status"], title=STRING, status=INTEGER)
    schema = {
        "allOf": [
            base,
            obj(
                ["invalid_params"],
                invalid_params={
                    "type": "array",
                    "items": obj(["name", "reason"], name=STRING, reason=STRING),
                },
            ),
        ]
    }
    body = filled(schema)
    assert body["invalid_params"][0] == {"name": "missing", "reason": "Field required"}


def test_unions_const_and_nulls() -> None:
    schema = obj(
        ["kind", "detail", "hint", "status"],
        kind={"const": "problem"},
        detail={"anyOf": [{"type": "null"}, STRING]},
        hint={"type": ["string", "null"]},
        status={"oneOf": [STRING, INTEGER]},
    )
    body = filled(schema, NOT_FOUND)
    assert (
        body["kind"] == "problem" and body["detail"] == NOT_FOUND.detail and body["status"] == 404
    )


def test_anything_else_required_gets_a_schema_valid_value() -> None:
    schema = obj(
        ["meta", "retryable", "attempts", "level", "items"],
        meta=obj(["version"], version={"type": "string", "pattern": "^[0-9]+$"}),
        retryable={"type": "boolean"},
        attempts={"type": "integer", "minimum": 1},
        level={"enum": ["low", "high"]},
        items={"type": "array", "items": obj(["id"], id=INTEGER), "minItems": 1},
    )
    filled(schema)


def test_a_schema_a_value_cannot_fit_yields_no_candidate() -> None:
    assert candidates(obj(["x"], x=False), INVALID) == []
    with pytest.raises(error_bodies.Unfillable):
        fill({"not": {"type": "object"}, "type": "object"}, INVALID)


# -- pydantic types as the generated schemas write them ---------------------------------


class Strict(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")


class ProblemModel(Strict):
    type_: str = Field(default="about:blank", alias="type")
    title: str
    status: Annotated[int, Field(ge=100, le=599)]
    detail: str | MISSING = MISSING
    instance: str | MISSING = MISSING
    request_id: str | MISSING = Field(default=MISSING, alias="requestId")


class TypedError(Strict):
    type_: Literal["error"] = Field(alias="type")
    status: int
    code: Literal["unauthorized", "not_found", "invalid_request", "not_implemented"]
    message: str


class Unusual(Strict):
    weird: Annotated[str, Field(pattern=r"^zz[0-9]{3}$")]


def test_body_for_a_problem_model_dumps_by_alias() -> None:
    assert body_for(ProblemModel, NOT_FOUND) == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "notes 7 does not exist",
        "instance": "/notes/7",
    }
    body = body_for(ProblemModel, INVALID)
    assert body["requestId"] == "5f2c9e0a1b3d4c6e"
    ProblemModel.model_validate(body)


def test_body_for_literal_enums() -> None:
    body = body_for(TypedError, Problem(status=501, code="not_implemented", detail="later"))
    assert body == {"type": "error", "status": 501, "code": "not_implemented", "message": "later"}


def test_body_for_lists_and_plain_types() -> None:
    assert body_for(list[str], NOT_FOUND) == ["notes 7 does not exist"]
    assert body_for(str, NOT_FOUND) == "notes 7 does not exist"


def test_a_model_no_body_fits_is_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("WARNING", logger="app.errors"):
        body_for(Unusual, NOT_FOUND)
        body_for(Unusual, INVALID)
    assert [r.getMessage() for r in caplog.records].count(
        "no error body fits the declared schema; answering the closest: Unusual"
    ) == 1


# -- the FastAPI side: declared status, model and media type ----------------------------


class JsonApiSource(BaseModel):
    pointer: str | MISSING = MISSING
    parameter: str | MISSING = MISSING


class JsonApiErrorItem(BaseModel):
    status: str
    title: str
    detail: str
    source: JsonApiSource | MISSING = MISSING


class JsonApiErrors(BaseModel):
    errors: list[JsonApiErrorItem]


PROBLEM = {"model": ProblemModel, "content": {"application/problem+json": {}}}
VENDOR = {"model": TypedError, "content": {"application/vnd.acme.error+json": {}}}


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    install(app)

    @app.middleware("http")
    async def request_id(request: Request, call_next: Any) -> Any:
        request.state.request_id = request.headers.get("x-request-id", "generated")
        return await call_next(request)

    @app.get("/problems", responses={401: PROBLEM, 422: PROBLEM, "default": PROBLEM})
    def problems(limit: Annotated[int, Query(ge=1)] = 10, key: str | None = None) -> dict[str, int]:
        if key is None:
            raise ApiError(401, "unauthorized", "missing or invalid credentials")
        if limit == 99:
            raise not_implemented("listProblems")
        return {"limit": limit}

    @app.get(
        "/json-api/{item_id}",
        responses={404: {"model": JsonApiErrors, "content": {"application/vnd.api+json": {}}}},
    )
    def json_api(item_id: int) -> dict[str, int]:
        raise ApiError(
            404, "not_found", f"item {item_id} does not exist", location=("path", "item_id")
        )

    @app.get("/vendor", responses={"4XX": VENDOR})
    def vendor() -> None:
        raise ApiError(409, "conflict", "taken")

    @app.get(
        "/plain", responses={404: {"description": "none"}, 409: {"content": {"text/plain": {}}}}
    )
    def plain(which: int = 404) -> None:
        raise ApiError(which, "gone", "nothing here")

    class HalResponse(JSONResponse):
        media_type = "application/vnd.acme.v1.hal+json"

    @app.get("/hal", response_class=HalResponse, responses={403: {"model": TypedError}})
    def hal() -> None:
        raise ApiError(403, "forbidden", "not yours")

    literal = obj(["title", "status"], title=STRING, status=INTEGER)

    @app.get(
        "/literal", responses={418: {"content": {"application/problem+json": {"schema": literal}}}}
    )
    def literal_schema() -> None:
        raise ApiError(418, "teapot", "short and stout")

    return TestClient(app, raise_server_exceptions=False)


def check(response: Any, model: type[BaseModel], media_type: str) -> dict[str, Any]:
    assert response.headers["content-type"] == media_type
    schema = model.model_json_schema(mode="serialization")
    body = response.json()
    assert valid(body, schema) == []
    return body


def test_declared_problem_in_its_media_type(client: TestClient) -> None:
    response = client.get("/problems", headers={"X-Request-ID": "rid-1"})
    assert response.status_code == 401
    body = check(response, ProblemModel, "application/problem+json")
    assert body["status"] == 401 and body["title"] == "Unauthorized"
    assert body["requestId"] == "rid-1" and body["instance"] == "/problems"


def test_validation_error_lists_every_issue(client: TestClient) -> None:
    response = client.get("/problems", params={"limit": "0"})
    assert response.status_code == 422
    body = check(response, ProblemModel, "application/problem+json")
    assert body["detail"].startswith("query.limit: Input should be greater than or equal to 1")


def test_an_undeclared_status_takes_the_default_shape(client: TestClient) -> None:
    response = client.get("/problems", params={"limit": "99", "key": "k"})
    assert response.status_code == 501
    body = check(response, ProblemModel, "application/problem+json")
    assert body["detail"] == "operation listProblems is not implemented yet"


def test_json_api_error_with_the_location(client: TestClient) -> None:
    response = client.get("/json-api/7")
    assert response.status_code == 404
    body = check(response, JsonApiErrors, "application/vnd.api+json")
    assert body == {
        "errors": [
            {
                "status": "404",
                "title": "Not Found",
                "detail": "item 7 does not exist",
                "source": {"parameter": "item_id"},
            }
        ]
    }


def test_vendor_json_by_range(client: TestClient) -> None:
    response = client.get("/vendor")
    assert response.status_code == 409
    body = check(response, TypedError, "application/vnd.acme.error+json")
    assert body["status"] == 409 and body["message"] == "taken"  # no "conflict" in the enum


def test_declared_without_content_or_as_text(client: TestClient) -> None:
    empty = client.get("/plain")
    assert empty.status_code == 404 and empty.content == b""
    text = client.get("/plain", params={"which": "409"})
    assert text.status_code == 409 and text.text == "nothing here"
    assert text.headers["content-type"].startswith("text/plain")


def test_a_schema_declared_as_written_is_filled_too(client: TestClient) -> None:
    response = client.get("/literal")
    assert response.status_code == 418
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {"title": "I'm a Teapot", "status": 418}


def test_an_error_model_without_content_comes_in_the_routes_media_type(client: TestClient) -> None:
    # FastAPI publishes every response model of a route under its response class's media type
    response = client.get("/hal")
    assert response.status_code == 403
    check(response, TypedError, "application/vnd.acme.v1.hal+json")
