"""One small document pair per diff rule: the exact rule id, level and both pointers.

Pairs are built in memory (``LoadedSpec`` straight from a dict, no file, no schema validation)
so the whole table runs in a few seconds; the loader's side (YAML and JSON files, 3.0 and
3.1, multi-file) is exercised in tests/test_diff_cli.py.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from specfirst.diff import compare_specs
from specfirst.diff.rules import BOUNDS, RULES, SCHEMA_FAMILIES
from specfirst.loader import LoadedSpec

TODAY = dt.date(2026, 1, 1)
OP = "/paths/~1x/post"
BODY = f"{OP}/requestBody/content/application~1json/schema"
PARAM = f"{OP}/parameters/0/schema"
RESPONSE = f"{OP}/responses/200/content/application~1json/schema"
HEADER = f"{OP}/responses/200/headers/X-H/schema"

COMPONENTS: dict[str, Any] = {
    "A": {
        "type": "object",
        "required": ["k"],
        "properties": {"k": {"type": "string"}, "a": {"type": "string"}},
    },
    "B": {
        "type": "object",
        "required": ["k"],
        "properties": {"k": {"type": "string"}, "b": {"type": "integer"}},
    },
}


def api(version: str = "3.1.0", **parts: Any) -> dict[str, Any]:
    """A one-operation document (``POST /x``); ``parts`` replace pieces of it."""
    op: dict[str, Any] = {
        "operationId": "postX",
        "parameters": [
            {"name": "q", "in": "query", "schema": parts.pop("param", {"type": "string"})}
        ],
        "requestBody": {
            "content": {"application/json": {"schema": parts.pop("body", {"type": "object"})}}
        },
        "responses": {
            "200": {
                "description": "ok",
                "headers": {"X-H": {"schema": parts.pop("header", {"type": "string"})}},
                "content": {
                    "application/json": {"schema": parts.pop("response", {"type": "object"})}
                },
            }
        },
    }
    op.update(parts.pop("op", {}))
    for key in [k for k, v in op.items() if v is None]:
        del op[key]
    doc: dict[str, Any] = {
        "openapi": version,
        "info": {"title": "t", "version": "1"},
        "paths": {"/x": {"post": op, **parts.pop("item", {})}, **parts.pop("paths", {})},
        "components": {
            "schemas": copy.deepcopy(COMPONENTS),
            **parts.pop("components", {}),
        },
    }
    doc.update(parts)
    return doc


def spec(document: dict[str, Any], name: str) -> LoadedSpec:
    version = (3, 0) if str(document["openapi"]).startswith("3.0") else (3, 1)
    return LoadedSpec(path=Path(name), document=document, version=version)


def changes(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    report = compare_specs(spec(old, "old.yaml"), spec(new, "new.yaml"), today=TODAY)
    return sorted((c.rule_id, c.level, c.old_pointer, c.new_pointer) for c in report.changes)


# ----------------------------------------------------------------- schema families, every subject

S = {"type": "string"}
N = {"type": "number"}
ARR = {"type": "array", "items": {"type": "string"}}
OBJ = {"type": "object"}
REF_A = {"$ref": "#/components/schemas/A"}
REF_B = {"$ref": "#/components/schemas/B"}


def _with(base: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {**base, **extra}


def _bound_cases() -> dict[str, tuple[Any, Any]]:
    bases = {
        "maxLength": S,
        "minLength": S,
        "maximum": N,
        "minimum": N,
        "exclusiveMaximum": N,
        "exclusiveMinimum": N,
        "maxItems": ARR,
        "minItems": ARR,
        "maxProperties": OBJ,
        "minProperties": OBJ,
    }
    out: dict[str, tuple[Any, Any]] = {}
    for keyword, (stem, _upper) in BOUNDS.items():
        base = bases[keyword]
        out[f"{stem}-increased"] = (_with(base, **{keyword: 5}), _with(base, **{keyword: 10}))
        out[f"{stem}-decreased"] = (_with(base, **{keyword: 10}), _with(base, **{keyword: 5}))
        out[f"{stem}-set"] = (base, _with(base, **{keyword: 5}))
        out[f"{stem}-unset"] = (_with(base, **{keyword: 5}), base)
    return out


ONE = [{"type": "string"}, {"type": "integer"}]
# two patterns (both apply): an allOf that no normalization may merge
ALL = [{"type": "string", "pattern": "^a", "title": "S"}, {"pattern": "b$", "title": "M"}]
DISC = {"oneOf": [REF_A, REF_B]}
MAP = {"a": "#/components/schemas/A", "b": "#/components/schemas/B"}

# family -> (old schema, new schema, old pointer suffix, new pointer suffix)
FAMILY_CASES: dict[str, tuple[Any, Any, str, str]] = {
    "type-changed": (S, {"type": "integer"}, "", ""),
    "type-generalized": ({"type": "integer"}, N, "", ""),
    "type-specialized": (N, {"type": "integer"}, "", ""),
    "format-added": (S, _with(S, format="date"), "", ""),
    "format-removed": (_with(S, format="date"), S, "", ""),
    "format-changed": (_with(S, format="date"), _with(S, format="date-time"), "", ""),
    "became-enum": (S, _with(S, enum=["a", "b"]), "", ""),
    "became-not-enum": (_with(S, enum=["a", "b"]), S, "", ""),
    "enum-value-removed": (_with(S, enum=["a", "b", "c"]), _with(S, enum=["a", "b"]), "", ""),
    "enum-value-added": (_with(S, enum=["a", "b"]), _with(S, enum=["a", "b", "c"]), "", ""),
    "x-extensible-enum-value-removed": (
        _with(S, **{"x-extensible-enum": ["a", "b"]}),
        _with(S, **{"x-extensible-enum": ["a"]}),
        "",
        "",
    ),
    "became-nullable": (S, {"type": ["string", "null"]}, "", ""),
    "became-not-nullable": ({"type": ["string", "null"]}, S, "", ""),
    "pattern-added": (S, _with(S, pattern="^a"), "", ""),
    "pattern-removed": (_with(S, pattern="^a"), S, "", ""),
    "pattern-changed": (_with(S, pattern="^a"), _with(S, pattern="^b"), "", ""),
    "multiple-of-set": (N, _with(N, multipleOf=2), "", ""),
    "multiple-of-changed": (_with(N, multipleOf=2), _with(N, multipleOf=3), "", ""),
    "multiple-of-unset": (_with(N, multipleOf=2), N, "", ""),
    "unique-items-set": (ARR, _with(ARR, uniqueItems=True), "", ""),
    "unique-items-unset": (_with(ARR, uniqueItems=True), ARR, "", ""),
    "default-value-added": (S, _with(S, default="a"), "", ""),
    "default-value-removed": (_with(S, default="a"), S, "", ""),
    "default-value-changed": (_with(S, default="a"), _with(S, default="b"), "", ""),
    "additional-properties-restricted": (OBJ, _with(OBJ, additionalProperties=False), "", ""),
    "additional-properties-allowed": (_with(OBJ, additionalProperties=False), OBJ, "", ""),
    "one-of-added": ({"oneOf": ONE}, {"oneOf": [*ONE, {"type": "boolean"}]}, "", "/oneOf/2"),
    "one-of-removed": ({"oneOf": [*ONE, {"type": "boolean"}]}, {"oneOf": ONE}, "/oneOf/2", ""),
    "any-of-added": ({"anyOf": ONE}, {"anyOf": [*ONE, {"type": "boolean"}]}, "", "/anyOf/2"),
    "any-of-removed": ({"anyOf": [*ONE, {"type": "boolean"}]}, {"anyOf": ONE}, "/anyOf/2", ""),
    "all-of-added": (
        {"allOf": ALL},
        {"allOf": [*ALL, {"pattern": "c", "title": "P"}]},
        "",
        "/allOf/2",
    ),
    "all-of-removed": (
        {"allOf": [*ALL, {"pattern": "c", "title": "P"}]},
        {"allOf": ALL},
        "/allOf/2",
        "",
    ),
    "discriminator-added": (DISC, _with(DISC, discriminator={"propertyName": "k"}), "", ""),
    "discriminator-removed": (_with(DISC, discriminator={"propertyName": "k"}), DISC, "", ""),
    "discriminator-property-name-changed": (
        _with(DISC, discriminator={"propertyName": "k"}),
        _with(DISC, discriminator={"propertyName": "a"}),
        "",
        "",
    ),
    "discriminator-mapping-added": (
        _with(DISC, discriminator={"propertyName": "k", "mapping": {"a": MAP["a"]}}),
        _with(DISC, discriminator={"propertyName": "k", "mapping": MAP}),
        "",
        "",
    ),
    "discriminator-mapping-deleted": (
        _with(DISC, discriminator={"propertyName": "k", "mapping": MAP}),
        _with(DISC, discriminator={"propertyName": "k", "mapping": {"a": MAP["a"]}}),
        "",
        "",
    ),
    "discriminator-mapping-changed": (
        _with(DISC, discriminator={"propertyName": "k", "mapping": MAP}),
        _with(DISC, discriminator={"propertyName": "k", "mapping": {"a": MAP["b"], "b": MAP["a"]}}),
        "",
        "",
    ),
    **{family: (old, new, "", "") for family, (old, new) in _bound_cases().items()},
}

PLACES = {
    "request-body": (BODY, lambda s: {"body": s}),
    "request-property": (f"{BODY}/properties/p", lambda s: {"body": _obj(s)}),
    "request-parameter": (PARAM, lambda s: {"param": s}),
    "response-body": (RESPONSE, lambda s: {"response": s}),
    "response-property": (f"{RESPONSE}/properties/p", lambda s: {"response": _obj(s)}),
    "response-header": (HEADER, lambda s: {"header": s}),
}


def _obj(schema: Any) -> dict[str, Any]:
    return {"type": "object", "properties": {"p": schema}}


def _family_params() -> list[Any]:
    params = []
    for family, (request_level, response_level, _text) in SCHEMA_FAMILIES.items():
        for subject in PLACES:
            level = request_level if subject.startswith("request") else response_level
            if level is not None:
                params.append(pytest.param(family, subject, level, id=f"{subject}-{family}"))
    return params


@pytest.mark.parametrize(("family", "subject", "level"), _family_params())
def test_schema_rule(family: str, subject: str, level: str) -> None:
    old_schema, new_schema, old_suffix, new_suffix = FAMILY_CASES[family]
    pointer, place = PLACES[subject]
    found = changes(
        api(**place(copy.deepcopy(old_schema))), api(**place(copy.deepcopy(new_schema)))
    )
    assert found == [(f"{subject}-{family}", level, pointer + old_suffix, pointer + new_suffix)]


# ----------------------------------------------------------------- object members

PROP = f"{BODY}/properties/p"
RPROP = f"{RESPONSE}/properties/p"


def _object(required: list[str] | None = None, **props: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": {"o": S, **props}}
    if required:
        out["required"] = required
    return out


RO = _with(S, readOnly=True)
WO = _with(S, writeOnly=True)
DEP = _with(S, deprecated=True)

# rule -> (old parts, new parts, old pointer, new pointer)
MEMBER_CASES: dict[str, tuple[dict[str, Any], dict[str, Any], str, str]] = {
    "new-required-request-property": (
        {"body": _object()},
        {"body": _object(["p"], p=S)},
        BODY,
        PROP,
    ),
    "new-optional-request-property": ({"body": _object()}, {"body": _object(p=S)}, BODY, PROP),
    "request-property-removed": ({"body": _object(p=S)}, {"body": _object()}, PROP, BODY),
    "request-property-became-required": (
        {"body": _object(p=S)},
        {"body": _object(["p"], p=S)},
        PROP,
        PROP,
    ),
    "request-property-became-optional": (
        {"body": _object(["p"], p=S)},
        {"body": _object(p=S)},
        PROP,
        PROP,
    ),
    "request-required-property-became-read-only": (
        {"body": _object(["p"], p=S)},
        {"body": _object(["p"], p=RO)},
        PROP,
        PROP,
    ),
    "request-optional-property-became-read-only": (
        {"body": _object(p=S)},
        {"body": _object(p=RO)},
        PROP,
        PROP,
    ),
    "request-required-property-became-not-read-only": (
        {"body": _object(["p"], p=RO)},
        {"body": _object(["p"], p=S)},
        PROP,
        PROP,
    ),
    "request-optional-property-became-not-read-only": (
        {"body": _object(p=RO)},
        {"body": _object(p=S)},
        PROP,
        PROP,
    ),
    "request-property-deprecated": ({"body": _object(p=S)}, {"body": _object(p=DEP)}, PROP, PROP),
    "request-property-reactivated": ({"body": _object(p=DEP)}, {"body": _object(p=S)}, PROP, PROP),
    "response-required-property-removed": (
        {"response": _object(["p"], p=S)},
        {"response": _object()},
        RPROP,
        RESPONSE,
    ),
    "response-optional-property-removed": (
        {"response": _object(p=S)},
        {"response": _object()},
        RPROP,
        RESPONSE,
    ),
    "response-required-property-added": (
        {"response": _object()},
        {"response": _object(["p"], p=S)},
        RESPONSE,
        RPROP,
    ),
    "response-optional-property-added": (
        {"response": _object()},
        {"response": _object(p=S)},
        RESPONSE,
        RPROP,
    ),
    "response-property-became-optional": (
        {"response": _object(["p"], p=S)},
        {"response": _object(p=S)},
        RPROP,
        RPROP,
    ),
    "response-property-became-required": (
        {"response": _object(p=S)},
        {"response": _object(["p"], p=S)},
        RPROP,
        RPROP,
    ),
    "response-required-property-became-write-only": (
        {"response": _object(["p"], p=S)},
        {"response": _object(["p"], p=WO)},
        RPROP,
        RPROP,
    ),
    "response-optional-property-became-write-only": (
        {"response": _object(p=S)},
        {"response": _object(p=WO)},
        RPROP,
        RPROP,
    ),
    "response-property-became-not-write-only": (
        {"response": _object(p=WO)},
        {"response": _object(p=S)},
        RPROP,
        RPROP,
    ),
    "response-property-deprecated": (
        {"response": _object(p=S)},
        {"response": _object(p=DEP)},
        RPROP,
        RPROP,
    ),
    "response-property-reactivated": (
        {"response": _object(p=DEP)},
        {"response": _object(p=S)},
        RPROP,
        RPROP,
    ),
}


# ----------------------------------------------------------------- parameters, bodies, responses

P0 = f"{OP}/parameters/0"
P1 = f"{OP}/parameters/1"
Q = {"name": "q", "in": "query", "schema": S}


def _params(*params: dict[str, Any]) -> dict[str, Any]:
    return {"op": {"parameters": list(params)}}


def _body(**body: Any) -> dict[str, Any]:
    return {"op": {"requestBody": body}}


JSON_BODY = {"application/json": {"schema": OBJ}}
R200 = f"{OP}/responses/200"
RESPONSES = f"{OP}/responses"


def _responses(**responses: Any) -> dict[str, Any]:
    return {"op": {"responses": responses}}


OK = {"description": "ok"}
OK_JSON = {"description": "ok", "content": {"application/json": {"schema": OBJ}}}
LATER = "2027-01-01"
EARLIER = "2025-01-01"

OTHER_CASES: dict[str, tuple[dict[str, Any], dict[str, Any], str, str]] = {
    "new-required-request-parameter": (
        _params(Q),
        _params(Q, {"name": "r", "in": "query", "required": True, "schema": S}),
        OP,
        P1,
    ),
    "new-optional-request-parameter": (
        _params(Q),
        _params(Q, {"name": "r", "in": "query", "schema": S}),
        OP,
        P1,
    ),
    "request-parameter-removed": (
        _params(Q, {"name": "r", "in": "query"} | {"schema": S}),
        _params(Q),
        P1,
        OP,
    ),
    "request-parameter-removed-with-deprecation": (
        _params(Q, {"name": "r", "in": "query", "schema": S, "deprecated": True}),
        _params(Q),
        P1,
        OP,
    ),
    "request-parameter-removed-before-sunset": (
        _params(
            Q, {"name": "r", "in": "query", "schema": S, "deprecated": True, "x-sunset": LATER}
        ),
        _params(Q),
        P1,
        OP,
    ),
    "request-parameter-became-required": (_params(Q), _params(_with(Q, required=True)), P0, P0),
    "request-parameter-became-optional": (_params(_with(Q, required=True)), _params(Q), P0, P0),
    "request-parameter-in-changed": (_params(Q), _params(_with(Q, **{"in": "header"})), P0, P0),
    "request-parameter-style-changed": (
        _params(_with(Q, schema=ARR)),
        _params(_with(Q, schema=ARR, style="pipeDelimited")),
        P0,
        P0,
    ),
    "request-parameter-explode-changed": (_params(Q), _params(_with(Q, explode=False)), P0, P0),
    "request-parameter-allow-reserved-removed": (
        _params(_with(Q, allowReserved=True)),
        _params(Q),
        P0,
        P0,
    ),
    "request-parameter-allow-empty-value-removed": (
        _params(_with(Q, allowEmptyValue=True)),
        _params(Q),
        P0,
        P0,
    ),
    "request-parameter-deprecated": (_params(Q), _params(_with(Q, deprecated=True)), P0, P0),
    "request-parameter-reactivated": (_params(_with(Q, deprecated=True)), _params(Q), P0, P0),
    "request-parameter-media-type-changed": (
        _params({"name": "q", "in": "query", "content": {"application/json": {"schema": OBJ}}}),
        _params({"name": "q", "in": "query", "content": {"text/plain": {"schema": OBJ}}}),
        P0,
        P0,
    ),
    "request-body-added-required": (
        {"op": {"requestBody": None}},
        _body(required=True, content=JSON_BODY),
        OP,
        f"{OP}/requestBody",
    ),
    "request-body-added-optional": (
        {"op": {"requestBody": None}},
        _body(content=JSON_BODY),
        OP,
        f"{OP}/requestBody",
    ),
    "request-body-removed": ({}, {"op": {"requestBody": None}}, f"{OP}/requestBody", OP),
    "request-body-became-required": (
        _body(content=JSON_BODY),
        _body(required=True, content=JSON_BODY),
        f"{OP}/requestBody",
        f"{OP}/requestBody",
    ),
    "request-body-became-optional": (
        _body(required=True, content=JSON_BODY),
        _body(content=JSON_BODY),
        f"{OP}/requestBody",
        f"{OP}/requestBody",
    ),
    "request-body-media-type-removed": (
        _body(content={**JSON_BODY, "text/plain": {"schema": S}}),
        _body(content=JSON_BODY),
        f"{OP}/requestBody/content/text~1plain",
        f"{OP}/requestBody",
    ),
    "request-body-media-type-added": (
        _body(content=JSON_BODY),
        _body(content={**JSON_BODY, "text/plain": {"schema": S}}),
        f"{OP}/requestBody",
        f"{OP}/requestBody/content/text~1plain",
    ),
    "response-success-status-removed": (
        _responses(**{"200": OK, "201": OK, "default": OK}),
        _responses(**{"200": OK, "default": OK}),
        f"{RESPONSES}/201",
        RESPONSES,
    ),
    "response-non-success-status-removed": (
        _responses(**{"200": OK, "404": OK}),
        _responses(**{"200": OK}),
        f"{RESPONSES}/404",
        RESPONSES,
    ),
    "response-success-status-added": (
        _responses(**{"200": OK, "default": OK}),
        _responses(**{"200": OK, "201": OK, "default": OK}),
        RESPONSES,
        f"{RESPONSES}/201",
    ),
    "response-non-success-status-added": (
        _responses(**{"200": OK, "default": OK}),
        _responses(**{"200": OK, "404": OK, "default": OK}),
        RESPONSES,
        f"{RESPONSES}/404",
    ),
    "response-status-added-without-default": (
        _responses(**{"200": OK}),
        _responses(**{"200": OK, "404": OK}),
        RESPONSES,
        f"{RESPONSES}/404",
    ),
    "response-default-removed": (
        _responses(**{"200": OK, "default": OK}),
        _responses(**{"200": OK}),
        f"{RESPONSES}/default",
        RESPONSES,
    ),
    "response-default-added": (
        _responses(**{"200": OK}),
        _responses(**{"200": OK, "default": OK}),
        RESPONSES,
        f"{RESPONSES}/default",
    ),
    "response-media-type-removed": (
        _responses(**{"200": {**OK_JSON, "content": {**OK_JSON["content"], "text/plain": {}}}}),
        _responses(**{"200": OK_JSON}),
        f"{R200}/content/text~1plain",
        R200,
    ),
    "response-media-type-added": (
        _responses(**{"200": OK_JSON}),
        _responses(**{"200": {**OK_JSON, "content": {**OK_JSON["content"], "text/plain": {}}}}),
        R200,
        f"{R200}/content/text~1plain",
    ),
    "response-body-removed": (
        _responses(**{"200": OK_JSON}),
        _responses(**{"200": OK}),
        R200,
        R200,
    ),
    "response-body-added": (_responses(**{"200": OK}), _responses(**{"200": OK_JSON}), R200, R200),
    "required-response-header-removed": (
        _responses(**{"200": {**OK, "headers": {"X-R": {"required": True, "schema": S}}}}),
        _responses(**{"200": OK}),
        f"{R200}/headers/X-R",
        R200,
    ),
    "optional-response-header-removed": (
        _responses(**{"200": {**OK, "headers": {"X-R": {"schema": S}}}}),
        _responses(**{"200": OK}),
        f"{R200}/headers/X-R",
        R200,
    ),
    "response-header-added": (
        _responses(**{"200": OK}),
        _responses(**{"200": {**OK, "headers": {"X-R": {"schema": S}}}}),
        R200,
        f"{R200}/headers/X-R",
    ),
    "response-header-became-optional": (
        _responses(**{"200": {**OK, "headers": {"X-R": {"required": True, "schema": S}}}}),
        _responses(**{"200": {**OK, "headers": {"x-r": {"schema": S}}}}),
        f"{R200}/headers/X-R",
        f"{R200}/headers/x-r",
    ),
    "response-header-became-required": (
        _responses(**{"200": {**OK, "headers": {"X-R": {"schema": S}}}}),
        _responses(**{"200": {**OK, "headers": {"X-R": {"required": True, "schema": S}}}}),
        f"{R200}/headers/X-R",
        f"{R200}/headers/X-R",
    ),
    # paths and operations
    "api-path-removed-without-deprecation": (
        {"paths": {"/y": {"get": {"responses": {"200": OK}}}}},
        {},
        "/paths/~1y/get",
        "/paths",
    ),
    "api-path-removed-with-deprecation": (
        {"paths": {"/y": {"get": {"deprecated": True, "responses": {"200": OK}}}}},
        {},
        "/paths/~1y/get",
        "/paths",
    ),
    "api-path-removed-before-sunset": (
        {
            "paths": {
                "/y": {"get": {"deprecated": True, "x-sunset": LATER, "responses": {"200": OK}}}
            }
        },
        {},
        "/paths/~1y/get",
        "/paths",
    ),
    "api-removed-without-deprecation": (
        {"item": {"get": {"responses": {"200": OK}}}},
        {},
        "/paths/~1x/get",
        "/paths/~1x",
    ),
    "api-removed-with-deprecation": (
        {"item": {"get": {"deprecated": True, "x-sunset": EARLIER, "responses": {"200": OK}}}},
        {},
        "/paths/~1x/get",
        "/paths/~1x",
    ),
    "api-removed-before-sunset": (
        {"item": {"get": {"deprecated": True, "x-sunset": LATER, "responses": {"200": OK}}}},
        {},
        "/paths/~1x/get",
        "/paths/~1x",
    ),
    "endpoint-added": (
        {},
        {"item": {"get": {"responses": {"200": OK}}}},
        "/paths/~1x",
        "/paths/~1x/get",
    ),
    "endpoint-deprecated": ({}, {"op": {"deprecated": True}}, OP, OP),
    "endpoint-deprecated-with-sunset": (
        {},
        {"op": {"deprecated": True, "x-sunset": LATER}},
        OP,
        OP,
    ),
    "endpoint-reactivated": ({"op": {"deprecated": True}}, {}, OP, OP),
    "api-sunset-date-changed-too-small": (
        {"op": {"deprecated": True, "x-sunset": LATER}},
        {"op": {"deprecated": True, "x-sunset": "2026-06-01"}},
        f"{OP}/x-sunset",
        f"{OP}/x-sunset",
    ),
    "api-operation-id-removed": ({}, {"op": {"operationId": "createX"}}, OP, OP),
    "api-operation-id-added": ({"op": {"operationId": None}}, {}, OP, OP),
    "api-tag-removed": ({"op": {"tags": ["a"]}}, {}, OP, OP),
    "api-tag-added": ({}, {"op": {"tags": ["a"]}}, OP, OP),
}

KEY = {"type": "apiKey", "in": "header", "name": "X-Key"}
OAUTH = {
    "type": "oauth2",
    "flows": {
        "authorizationCode": {
            "authorizationUrl": "https://a.example/auth",
            "tokenUrl": "https://a.example/token",
            "scopes": {"read": "r", "write": "w"},
        }
    },
}


def _secured(security: Any, **schemes: Any) -> dict[str, Any]:
    parts: dict[str, Any] = {
        "components": {"securitySchemes": {"key": KEY, "oauth": OAUTH, **schemes}}
    }
    if security is not None:
        parts["op"] = {"security": security}
    return parts


def _oauth(**flow: Any) -> dict[str, Any]:
    return {
        "type": "oauth2",
        "flows": {"authorizationCode": {**OAUTH["flows"]["authorizationCode"], **flow}},
    }


SEC = f"{OP}/security"
KEY_PTR = "/components/securitySchemes/key"
OAUTH_PTR = "/components/securitySchemes/oauth"
SECURITY_CASES: dict[str, tuple[dict[str, Any], dict[str, Any], str, str]] = {
    "api-security-became-required": (_secured(None), _secured([{"key": []}]), OP, SEC),
    "api-security-became-optional": (
        _secured([{"key": []}]),
        _secured([{"key": []}, {}]),
        SEC,
        SEC,
    ),
    "api-security-removed": (
        _secured([{"key": []}, {"oauth": ["read"]}]),
        _secured([{"key": []}]),
        SEC,
        SEC,
    ),
    "api-security-added": (
        _secured([{"key": []}]),
        _secured([{"key": []}, {"oauth": ["read"]}]),
        SEC,
        SEC,
    ),
    "api-security-scope-added": (
        _secured([{"oauth": ["read"]}]),
        _secured([{"oauth": ["read", "write"]}]),
        SEC,
        SEC,
    ),
    "api-security-scope-removed": (
        _secured([{"oauth": ["read", "write"]}]),
        _secured([{"oauth": ["read"]}]),
        SEC,
        SEC,
    ),
    "api-security-component-type-changed": (
        _secured([{"key": []}]),
        _secured([{"key": []}], key={"type": "http", "scheme": "bearer"}),
        KEY_PTR,
        KEY_PTR,
    ),
    "api-security-component-api-key-changed": (
        _secured([{"key": []}]),
        _secured([{"key": []}], key={**KEY, "in": "query"}),
        KEY_PTR,
        KEY_PTR,
    ),
    "api-security-component-http-scheme-changed": (
        _secured([{"key": []}], key={"type": "http", "scheme": "basic"}),
        _secured([{"key": []}], key={"type": "http", "scheme": "bearer"}),
        KEY_PTR,
        KEY_PTR,
    ),
    "api-security-component-oauth-url-changed": (
        _secured([{"oauth": []}]),
        _secured([{"oauth": []}], oauth=_oauth(authorizationUrl="https://b.example/auth")),
        OAUTH_PTR,
        OAUTH_PTR,
    ),
    "api-security-component-oauth-token-url-changed": (
        _secured([{"oauth": []}]),
        _secured([{"oauth": []}], oauth=_oauth(tokenUrl="https://b.example/token")),
        OAUTH_PTR,
        OAUTH_PTR,
    ),
    "api-security-component-oauth-scope-added": (
        _secured([{"oauth": []}]),
        _secured([{"oauth": []}], oauth=_oauth(scopes={"read": "r", "write": "w", "admin": "a"})),
        OAUTH_PTR,
        OAUTH_PTR,
    ),
    "api-security-component-oauth-scope-removed": (
        _secured([{"oauth": []}]),
        _secured([{"oauth": []}], oauth=_oauth(scopes={"read": "r"})),
        OAUTH_PTR,
        OAUTH_PTR,
    ),
}

CASES = {**MEMBER_CASES, **OTHER_CASES, **SECURITY_CASES}


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule(rule_id: str) -> None:
    old_parts, new_parts, old_pointer, new_pointer = CASES[rule_id]
    found = changes(api(**copy.deepcopy(old_parts)), api(**copy.deepcopy(new_parts)))
    assert found == [(rule_id, RULES[rule_id].level, old_pointer, new_pointer)]


def test_every_rule_has_a_pair() -> None:
    tested = set(CASES)
    for family, (request_level, response_level, _text) in SCHEMA_FAMILIES.items():
        for subject in PLACES:
            if (request_level if subject.startswith("request") else response_level) is not None:
                tested.add(f"{subject}-{family}")
    assert tested == set(RULES)
    assert len(RULES) >= 100


# ----------------------------------------------------------------- pairs that report nothing


def test_renamed_component_is_not_a_change() -> None:
    old = api(response=REF_A)
    new = api(response={"$ref": "#/components/schemas/Renamed"})
    new["components"]["schemas"]["Renamed"] = new["components"]["schemas"].pop("A")
    assert changes(old, new) == []


def test_reordered_keys_parameters_and_header_case_are_not_changes() -> None:
    old = api(**_params(Q, {"name": "X-Trace", "in": "header", "schema": S}))
    new = api(
        **_params(
            {"in": "header", "schema": S, "name": "x-trace"},
            {"schema": S, "in": "query", "name": "q"},
        )
    )
    new["paths"]["/x"]["post"] = dict(reversed(list(new["paths"]["/x"]["post"].items())))
    new = dict(reversed(list(new.items())))
    assert changes(old, new) == []


def test_renamed_path_parameter_is_not_a_change() -> None:
    op = {
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": S}],
        "responses": {"200": OK},
    }
    renamed = copy.deepcopy(op)
    renamed["parameters"][0]["name"] = "petId"
    assert (
        changes(api(paths={"/p/{id}": {"get": op}}), api(paths={"/p/{petId}": {"get": renamed}}))
        == []
    )


def test_the_same_api_as_3_0_and_3_1_is_not_a_change() -> None:
    old = api(
        "3.0.3",
        response={
            "type": "object",
            "properties": {
                "n": {"type": "string", "nullable": True},
                "x": {"type": "number", "minimum": 0, "exclusiveMinimum": True},
                "b": {"type": "string", "format": "binary"},
                "r": {"allOf": [REF_A], "nullable": True},
            },
        },
    )
    new = api(
        "3.1.0",
        response={
            "type": "object",
            "properties": {
                "n": {"type": ["string", "null"]},
                "x": {"type": "number", "exclusiveMinimum": 0},
                "b": {"type": "string", "contentMediaType": "application/octet-stream"},
                "r": {"anyOf": [REF_A, {"type": "null"}]},
            },
        },
    )
    assert changes(old, new) == []


def test_allof_flattened_is_not_a_change() -> None:
    old = api(response={"allOf": [REF_A, {"type": "object", "properties": {"z": S}}]})
    flat = copy.deepcopy(COMPONENTS["A"])
    flat["properties"]["z"] = S
    assert changes(old, api(response=flat)) == []


def test_allof_with_a_member_the_other_implies_is_not_a_change() -> None:
    enum = {"type": "string", "enum": ["a", "b"]}
    old = api(
        body=_obj({"$ref": "#/components/schemas/E"}),
        components={"schemas": {**COMPONENTS, "E": enum}},
    )
    new = api(
        body=_obj(
            {"allOf": [{"$ref": "#/components/schemas/E"}, {"type": "string", "description": "d"}]}
        ),
        components={"schemas": {**COMPONENTS, "E": enum}},
    )
    assert changes(old, new) == []


def test_a_schema_wrapped_in_a_one_of_is_judged_against_its_own_kind() -> None:
    # the object becomes one alternative of a oneOf beside an array of it, and gains a
    # required property: the object is compared with the object, the array is new
    obj = {"type": "object", "properties": {"n": S}}
    wider = {"type": "object", "required": ["m"], "properties": {"n": S, "m": S}}
    old = api(body=obj)
    new = api(body={"oneOf": [wider, {"type": "array", "items": wider}]})
    assert changes(old, new) == [
        ("new-required-request-property", "error", BODY, f"{BODY}/oneOf/0/properties/m"),
        ("request-body-one-of-added", "info", BODY, f"{BODY}/oneOf/1"),
    ]


def test_allof_with_a_nullable_member_is_merged_by_its_non_null_part() -> None:
    old = api("3.0.3", response={"type": "object", "properties": {"acc": REF_A}})
    new = api(
        "3.0.3",
        response={
            "type": "object",
            "properties": {
                "acc": {
                    "type": "object",
                    "nullable": True,
                    "allOf": [REF_A, {"type": "object", "nullable": True}],
                }
            },
        },
    )
    new["components"]["schemas"]["A"]["properties"]["z"] = S
    new_ptr = f"{RESPONSE}/properties/acc"
    a_ptr = "/components/schemas/A"
    assert changes(old, new) == [
        ("response-optional-property-added", "info", a_ptr, f"{a_ptr}/properties/z"),
        ("response-property-became-nullable", "error", a_ptr, new_ptr),
    ]


def test_a_property_merged_from_an_allof_member_is_located_where_it_is_declared() -> None:
    # object-like members are merged by the normalization; the new property is a $ref, so
    # its own pointer is the component: the change is located at the member's entry
    def body(extra: dict[str, Any]) -> dict[str, Any]:
        return {"allOf": [REF_A, {"type": "object", "properties": {"n": S, **extra}}]}

    old = api(response=body({}))
    new = api(response=body({"b": REF_B}))
    assert changes(old, new) == [
        (
            "response-optional-property-added",
            "info",
            RESPONSE,
            f"{RESPONSE}/allOf/1/properties/b",
        )
    ]


def test_recursive_schemas_terminate_and_compare() -> None:
    tree = {
        "type": "object",
        "properties": {
            "name": S,
            "children": {"type": "array", "items": {"$ref": "#/components/schemas/Tree"}},
        },
    }
    narrower = copy.deepcopy(tree)
    narrower["properties"]["name"] = _with(S, maxLength=5)
    old = api(
        body={"$ref": "#/components/schemas/Tree"},
        components={"schemas": {**COMPONENTS, "Tree": tree}},
    )
    new = api(
        body={"$ref": "#/components/schemas/Tree"},
        components={"schemas": {**COMPONENTS, "Tree": narrower}},
    )
    assert changes(old, old) == []
    ptr = "/components/schemas/Tree/properties/name"
    assert changes(old, new) == [("request-property-max-length-set", "error", ptr, ptr)]


def test_shared_schema_change_is_one_change_listing_every_operation() -> None:
    parts = {
        "paths": {
            "/y": {
                "get": {
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": REF_A}},
                        }
                    }
                }
            }
        }
    }
    old = api(response=REF_A, **copy.deepcopy(parts))
    new = api(response=REF_A, **copy.deepcopy(parts))
    new["components"]["schemas"]["A"]["properties"]["a"]["maxLength"] = 3
    report = compare_specs(spec(old, "o"), spec(new, "n"), today=TODAY)
    assert [(c.rule_id, sorted(c.operations)) for c in report.changes] == [
        ("response-property-max-length-set", ["GET /y", "POST /x"])
    ]


def test_read_only_property_does_not_count_in_requests() -> None:
    old = api(body=_object())
    new = api(body=_object(["p"], p=RO))
    assert changes(old, new) == []


def test_levels_override_and_off() -> None:
    old, new = api(body=_object(p=S)), api(body=_object())
    report = compare_specs(
        spec(old, "o"), spec(new, "n"), levels={"request-property-removed": "error"}
    )
    assert [(c.rule_id, c.level) for c in report.changes] == [("request-property-removed", "error")]
    assert report.fails("error") and report.breaking
    report = compare_specs(
        spec(old, "o"), spec(new, "n"), levels={"request-property-removed": None}
    )
    assert report.changes == [] and not report.fails("info")


def test_a_dense_reference_cycle_is_compared_once_per_pair() -> None:
    # every schema refers to every other one: walking the expansion would never end
    names = [f"S{i}" for i in range(12)]
    schemas = {
        name: {
            "type": "object",
            "properties": {
                **{f"to_{o}": {"$ref": f"#/components/schemas/{o}"} for o in names if o != name},
                "v": {"type": "string", "enum": ["a", "b"]},
            },
        }
        for name in names
    }
    old = api(response={"$ref": "#/components/schemas/S0"}, components={"schemas": schemas})
    new = copy.deepcopy(old)
    new["components"]["schemas"]["S7"]["properties"]["v"]["enum"] = ["a", "b", "c"]
    ptr = "/components/schemas/S7/properties/v"
    assert changes(old, new) == [("response-property-enum-value-added", "error", ptr, ptr)]


def test_summary_names_counts_and_the_worst_changes() -> None:
    old = api(body=_object(p=S), **_params(Q, {"name": "r", "in": "query", "schema": S}))
    new = api(body=_object(["p"], p=S))
    report = compare_specs(spec(old, "old.yaml"), spec(new, "new.yaml"), today=TODAY)
    summary = report.summary()
    assert summary.splitlines()[0] == (
        "old.yaml -> new.yaml: 2 changes (1 breaking, 1 warnings, 0 info)"
    )
    assert "error   request-property-became-required: POST /x:" in summary
    assert "warning request-parameter-removed: POST /x:" in summary
    assert [c.rule_id for c in report.breaking] == ["request-property-became-required"]
