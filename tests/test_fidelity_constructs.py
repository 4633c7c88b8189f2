"""Constructs real documents use, each in the smallest document that has it: generate the
service, derive its document from the routes and expect the validator to find it faithful.

Each document here stands for one construct (a response with an empty ``content`` map, an
error response in a JSON media type other than ``application/json``, ...), so a failure
names the construct, not a corpus document.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from specfirst.pipeline import generate
from specfirst.validator.run import validate


def _document(paths: dict, *, version: str = "3.1.0", **top: object) -> dict:
    return {"openapi": version, "info": {"title": "t", "version": "1"}, "paths": paths, **top}


def _op(responses: dict, **fields: object) -> dict:
    return {"operationId": fields.pop("operationId", "op"), "responses": responses, **fields}


ERROR = {
    "type": "object",
    "properties": {"title": {"type": "string"}, "status": {"type": "integer"}},
}
ITEM = {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}

CONSTRUCTS: dict[str, dict] = {
    # `content: {}` says "no payload" in so many words; the app publishes the same empty map
    "empty content map": _document(
        {
            "/things/{id}": {
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "delete": _op(
                    {
                        "204": {"description": "gone", "content": {}},
                        "401": {"description": "no key", "content": {}},
                    },
                    operationId="deleteThing",
                ),
            }
        }
    ),
    # an error answered in a JSON media type of its own (RFC 9457 problem details)
    "error in problem+json": _document(
        {
            "/things": {
                "get": _op(
                    {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": ITEM}},
                        },
                        "400": {
                            "description": "bad",
                            "content": {"application/problem+json": {"schema": ERROR}},
                        },
                        "404": {
                            "description": "none",
                            "content": {
                                "application/problem+json": {"schema": ERROR},
                                "application/json": {"schema": ITEM},
                            },
                        },
                    },
                    parameters=[{"name": "q", "in": "query", "schema": {"type": "string"}}],
                )
            }
        }
    ),
    # every answer of the operation in one vendor JSON media type
    "vendor json media type": _document(
        {
            "/things": {
                "post": _op(
                    {
                        "201": {
                            "description": "made",
                            "content": {"application/vnd.api+json": {"schema": ITEM}},
                        },
                        "422": {
                            "description": "bad",
                            "content": {"application/vnd.api+json": {"schema": ERROR}},
                        },
                    },
                    requestBody={
                        "required": True,
                        "content": {"application/vnd.api+json": {"schema": ITEM}},
                    },
                )
            }
        }
    ),
    # a required property no `properties` entry describes (any value), and a subclass that
    # describes it: the model needs a field, published as the empty schema
    "required property without a schema": _document(
        {
            "/things": {
                "get": _op(
                    {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/Thing"},
                                    }
                                }
                            },
                        }
                    }
                )
            },
            "/rated": {
                "get": _op(
                    {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/RatedThing"}
                                }
                            },
                        }
                    },
                    operationId="rated",
                )
            },
        },
        components={
            "schemas": {
                "Thing": {
                    "type": "object",
                    "required": ["id", "stars"],
                    "properties": {"id": {"type": "string"}},
                },
                "RatedThing": {
                    "allOf": [
                        {"$ref": "#/components/schemas/Thing"},
                        {"type": "object", "properties": {"stars": {"type": "integer"}}},
                    ]
                },
            }
        },
    ),
    # `{}` among the requirements: the credential is optional
    "optional security": _document(
        {
            "/things": {
                "get": _op(
                    {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": ITEM}},
                        }
                    },
                    security=[{}, {"key": []}],
                ),
                "post": _op({"204": {"description": "done"}}, operationId="open", security=[{}]),
            }
        },
        components={
            "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Key"}}
        },
    ),
    # responses described by the empty string
    "empty response description": _document(
        {
            "/things": {
                "get": _op(
                    {
                        "200": {
                            "description": "",
                            "content": {"application/json": {"schema": ITEM}},
                        },
                        "404": {
                            "description": "",
                            "content": {"application/json": {"schema": ERROR}},
                        },
                        "default": {"description": ""},
                    },
                    parameters=[{"name": "q", "in": "query", "schema": {"type": "string"}}],
                )
            }
        }
    ),
    # a parameter whose schema is a component with a description of its own
    "parameter schema described apart": _document(
        {
            "/things/{kind}": {
                "get": _op(
                    {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": ITEM}},
                        }
                    },
                    parameters=[
                        {
                            "name": "kind",
                            "in": "path",
                            "required": True,
                            "description": "the kind",
                            "schema": {"$ref": "#/components/schemas/Kind"},
                        },
                        {
                            "name": "after",
                            "in": "query",
                            "description": "a cursor",
                            "schema": {"$ref": "#/components/schemas/Id"},
                        },
                        {
                            "name": "size",
                            "in": "query",
                            "required": True,
                            "description": "page size",
                            "schema": {
                                "type": "integer",
                                "default": 10,
                                "description": "items per page",
                            },
                        },
                    ],
                )
            }
        },
        components={
            "schemas": {
                "Kind": {
                    "type": "string",
                    "enum": ["a", "b"],
                    "description": "a: the first\nb: the second",
                },
                "Id": {"type": "string", "minLength": 1, "description": "an identifier"},
            }
        },
    ),
    # an OAS 3.0 schema published as documentation (a non-JSON answer) in FastAPI's 3.1 document
    "3.0 schema in a documentation-only media type": _document(
        {
            "/notes": {
                "get": _op(
                    {
                        "200": {
                            "description": "ok",
                            "content": {
                                "text/markdown": {
                                    "schema": {
                                        "type": "object",
                                        "nullable": False,
                                        "properties": {
                                            "name": {"type": "string", "nullable": True},
                                            "kind": {
                                                "type": "string",
                                                "enum": ["a", None],
                                                "nullable": True,
                                            },
                                            "rank": {
                                                "type": "integer",
                                                "minimum": 0,
                                                "exclusiveMinimum": True,
                                            },
                                            "size": {
                                                "type": "number",
                                                "maximum": 9,
                                                "exclusiveMaximum": False,
                                            },
                                            "any": {"nullable": True, "description": "anything"},
                                        },
                                    }
                                }
                            },
                        }
                    }
                )
            }
        },
        version="3.0.3",
    ),
    # keywords of another type (object keywords on a string, on an array): they never apply
    "keywords for another type": _document(
        {
            "/things": {
                "get": _op(
                    {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/Thing"},
                                        "properties": {"name": {"type": "string"}},
                                        "minLength": 1,
                                    }
                                }
                            },
                        }
                    }
                )
            }
        },
        components={
            "schemas": {
                "Thing": {
                    "type": "object",
                    "properties": {
                        "raw": {
                            "type": "string",
                            "additionalProperties": {"type": "string"},
                            "maxItems": 3,
                        },
                        "count": {"type": "integer", "minLength": 2},
                    },
                }
            }
        },
    ),
    # documentation on query parameters: vendor extensions, examples on a styled parameter
    "query parameter extensions and examples": _document(
        {
            "/things": {
                "get": _op(
                    {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": ITEM}},
                        }
                    },
                    parameters=[
                        {
                            "name": "filter",
                            "in": "query",
                            "schema": {"type": "string"},
                            "x-filter-fields": {
                                "name": {
                                    "operators": ["eq"],
                                    "schema": {"$ref": "#/components/schemas/Name"},
                                }
                            },
                        },
                        {
                            "name": "sort",
                            "in": "query",
                            "style": "form",
                            "explode": False,
                            "schema": {
                                "type": "array",
                                "items": {"type": "string"},
                                "default": ["name"],
                            },
                            "examples": {"byName": {"summary": "by name", "value": ["name"]}},
                            "x-sortable": ["name"],
                        },
                        {
                            "name": "q",
                            "in": "query",
                            "allowEmptyValue": True,
                            "schema": {"type": "string"},
                            "example": "word",
                        },
                    ],
                )
            }
        },
        components={"schemas": {"Name": {"type": "string"}}},
    ),
    # a named scalar schema with a default, used by required and optional properties
    "named scalar with a default": _document(
        {
            "/ships": {
                "post": _op(
                    {
                        "201": {
                            "description": "made",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Ship"}
                                }
                            },
                        }
                    },
                    requestBody={
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {"mode": {"$ref": "#/components/schemas/Mode"}},
                                }
                            }
                        },
                    },
                )
            }
        },
        components={
            "schemas": {
                "Mode": {
                    "type": "string",
                    "enum": ["slow", "fast"],
                    "default": "slow",
                    "description": "speed",
                },
                "Flag": {"type": "boolean", "default": True},
                "Ship": {
                    "type": "object",
                    "required": ["mode", "flag"],
                    "properties": {
                        "mode": {"$ref": "#/components/schemas/Mode"},
                        "flag": {"$ref": "#/components/schemas/Flag"},
                    },
                },
            }
        },
    ),
    # an enum that also bounds its values' length or pattern
    "constrained enum": _document(
        {
            "/factions/{symbol}": {
                "get": _op(
                    {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {
                                            "symbol": {"$ref": "#/components/schemas/Symbol"},
                                            "code": {
                                                "type": "string",
                                                "enum": ["ab", "cd"],
                                                "pattern": "^[a-z]+$",
                                            },
                                        },
                                    }
                                }
                            },
                        }
                    },
                    parameters=[
                        {
                            "name": "symbol",
                            "in": "path",
                            "required": True,
                            "schema": {"$ref": "#/components/schemas/Symbol"},
                        }
                    ],
                )
            }
        },
        components={
            "schemas": {
                "Symbol": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 9,
                    "enum": ["VOID", "COSMIC"],
                }
            }
        },
    ),
    # OAS 3.0 keywords next to $ref (description, deprecated, nullable, x- keys): documents
    # mean them, and the validator reads them as it does in 3.1
    "3.0 keywords next to a reference": _document(
        {
            "/things": {
                "post": _op(
                    {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Holder"}
                                }
                            },
                        },
                        "400": {
                            "description": "bad",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "$ref": "#/components/schemas/Error",
                                        "x-internal": True,
                                    }
                                }
                            },
                        },
                    },
                    requestBody={
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "mode": {
                                            "$ref": "#/components/schemas/Mode",
                                            "deprecated": True,
                                        }
                                    },
                                }
                            }
                        }
                    },
                )
            }
        },
        version="3.0.3",
        components={
            "schemas": {
                "Mode": {"type": "string", "enum": ["a", "b"], "description": "the mode"},
                "Error": ERROR,
                "Owner": {
                    "type": "object",
                    "description": "an owner",
                    "properties": {"name": {"type": "string"}},
                },
                "Holder": {
                    "type": "object",
                    "properties": {
                        "mode": {
                            "$ref": "#/components/schemas/Mode",
                            "description": "the holder's mode",
                        },
                        "owner": {
                            "$ref": "#/components/schemas/Owner",
                            "nullable": True,
                            "description": "if any",
                        },
                    },
                },
            }
        },
    ),
}


# Constructs FastAPI cannot publish: each is reported once, in its own category.
UNPUBLISHABLE: dict[str, tuple[dict, list[tuple[str, str]]]] = {
    # two schemes required together: FastAPI writes one requirement object per scheme (an OR)
    "schemes required together": (
        _document(
            {
                "/things": {
                    "get": _op(
                        {
                            "200": {
                                "description": "ok",
                                "content": {"application/json": {"schema": ITEM}},
                            }
                        }
                    ),
                    "post": _op(
                        {"204": {"description": "done"}}, operationId="open", security=[{"id": []}]
                    ),
                }
            },
            security=[{"id": [], "secret": []}],
            components={
                "securitySchemes": {
                    "id": {"type": "apiKey", "in": "header", "name": "X-Key-Id"},
                    "secret": {"type": "apiKey", "in": "header", "name": "X-Key-Secret"},
                }
            },
        ),
        [("/paths/~1things/get/security", "unpublishable")],
    ),
    # a vendor extension on the info object: FastAPI builds info from a fixed set of fields
    "info extension": (
        {
            **_document({"/things": {"get": _op({"204": {"description": "none"}})}}),
            "info": {"title": "t", "version": "1", "x-logo": {"url": "logo.svg"}},
        },
        [("/info/x-logo", "unpublishable")],
    ),
    # a path item's own summary and description: FastAPI writes path items from operations
    "path item text": (
        _document(
            {
                "/things": {
                    "summary": "all things",
                    "description": "where things live",
                    "get": _op({"204": {"description": "none"}}),
                }
            }
        ),
        [
            ("/paths/~1things/description", "unpublishable"),
            ("/paths/~1things/summary", "unpublishable"),
        ],
    ),
    # FastAPI keeps a description up to its first form feed (its docstring convention)
    "description with a form feed": (
        _document(
            {
                "/things": {
                    "get": _op(
                        {
                            "200": {
                                "description": "ok",
                                "content": {
                                    "application/json": {
                                        "schema": {**ITEM, "description": "shown\fhidden"}
                                    }
                                },
                            }
                        }
                    )
                }
            }
        ),
        [
            (
                "/paths/~1things/get/responses/200/content/application~1json/schema/description",
                "unpublishable",
            )
        ],
    ),
}


def _faithful(doc: dict, tmp_path: Path) -> list:
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump(doc, sort_keys=False))
    out = tmp_path / "out"
    generate(spec, out)
    return [d.to_json() for d in validate(spec, out)]


@pytest.mark.parametrize("name", sorted(CONSTRUCTS))
def test_construct_is_published_faithfully(name: str, tmp_path: Path) -> None:
    assert _faithful(CONSTRUCTS[name], tmp_path) == []


@pytest.mark.parametrize("name", sorted(UNPUBLISHABLE))
def test_unpublishable_construct_has_its_own_category(name: str, tmp_path: Path) -> None:
    doc, expected = UNPUBLISHABLE[name]
    found = _faithful(doc, tmp_path)
    assert [(d["pointer"], d["category"]) for d in found] == expected
