"""Which value fills each property of a list envelope, for the common shapes of real APIs.

Each case is a small document of its own: one resource (created, then listed) whose list
answer wraps the items in an envelope. The plan's recipe must name, for every property, the
figure of the page it carries (``tests/test_envelopes.py`` serves such answers for real).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from specfirst.build import build_api
from specfirst.loader import load_spec
from specfirst.resources import describe, make_plan

ITEM = {"$ref": "#/components/schemas/Widget"}


def _param(name: str, kind: str = "integer") -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": {"type": kind}}


def _plan(tmp_path: Path, envelope: dict[str, Any], params: list[dict[str, Any]]) -> Any:
    document = {
        "openapi": "3.1.0",
        "info": {"title": "Widgets", "version": "1"},
        "paths": {
            "/widgets": {
                "get": {
                    "operationId": "listWidgets",
                    "parameters": params,
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": envelope}},
                        },
                        "400": {"description": "refused"},
                    },
                },
                "post": {
                    "operationId": "createWidget",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": ITEM}},
                    },
                    "responses": {
                        "201": {
                            "description": "created",
                            "content": {"application/json": {"schema": ITEM}},
                        }
                    },
                },
            }
        },
        "components": {
            "schemas": {
                "Widget": {
                    "type": "object",
                    "required": ["name"],
                    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
                }
            }
        },
    }
    spec = tmp_path / "widgets.json"
    spec.write_text(json.dumps(document), encoding="utf-8")
    plan = make_plan(build_api(load_spec(spec)))
    binding = next(b for b in plan.bindings.values() if b.kind == "list")
    return plan, binding


def _sources(node: dict[str, Any], path: tuple[str, ...] = ()) -> dict[str, str]:
    if "fields" in node:
        found: dict[str, str] = {}
        for name, child in node["fields"].items():
            found.update(_sources(child, (*path, name)))
        return found
    return {".".join(path): node["source"]}


def _obj(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {"type": "object", "required": required or list(properties), "properties": properties}


INT = {"type": "integer"}
STR = {"type": "string"}
URL = {"type": ["string", "null"], "format": "uri"}
ITEMS = {"type": "array", "items": ITEM}

CASES: list[tuple[str, dict[str, Any], list[dict[str, Any]], dict[str, str]]] = [
    (
        "count beside the items, named after them",
        _obj({"widgets": ITEMS, "widgetsCount": INT}),
        [_param("limit"), _param("offset")],
        {"widgets": "items", "widgetsCount": "total"},
    ),
    (
        "count, next and previous links",
        _obj({"results": ITEMS, "count": INT, "next": URL, "previous": URL}),
        [_param("limit"), _param("offset")],
        {"results": "items", "count": "total", "next": "next_link", "previous": "prev_link"},
    ),
    (
        "entries with a marker",
        _obj(
            {"entries": ITEMS, "total_count": INT, "offset": INT, "limit": INT, "next_marker": STR}
        ),
        [_param("limit"), _param("marker", "string")],
        {
            "entries": "items",
            "total_count": "total",
            "offset": "offset",
            "limit": "limit",
            "next_marker": "next_cursor",
        },
    ),
    (
        "cursors under paging",
        _obj(
            {
                "data": ITEMS,
                "paging": _obj({"cursors": _obj({"after": STR, "before": STR}), "next": STR}),
            }
        ),
        [_param("limit"), _param("after", "string"), _param("before", "string")],
        {
            "data": "items",
            "paging.cursors.after": "next_cursor",
            "paging.cursors.before": "prev_cursor",
            "paging.next": "next_link",
        },
    ),
    (
        "pagination under meta, with links",
        _obj(
            {
                "data": ITEMS,
                "meta": _obj(
                    {
                        "pagination": _obj(
                            {
                                "total": INT,
                                "count": INT,
                                "per_page": INT,
                                "current_page": INT,
                                "total_pages": INT,
                                "links": _obj({"next": STR, "previous": STR}, []),
                            }
                        )
                    }
                ),
            }
        ),
        [_param("page"), _param("per_page")],
        {
            "data": "items",
            "meta.pagination.total": "total",
            "meta.pagination.count": "count",
            "meta.pagination.per_page": "limit",
            "meta.pagination.current_page": "page",
            "meta.pagination.total_pages": "pages",
            "meta.pagination.links.next": "next_link",
            "meta.pagination.links.previous": "prev_link",
        },
    ),
    (
        "a page token and page numbers",
        _obj(
            {"items": ITEMS, "next_page_token": STR, "totalItems": INT, "more": {"type": "boolean"}}
        ),
        [_param("page_token", "string"), _param("max_results")],
        {
            "items": "items",
            "next_page_token": "next_cursor",
            "totalItems": "total",
            "more": "has_more",
        },
    ),
    (
        "integer next page, page uris",
        _obj(
            {
                "items": ITEMS,
                "next_page": INT,
                "next_page_uri": URL,
                "first_page_uri": URL,
                "page": INT,
            },
            ["items", "page"],
        ),
        [_param("page"), _param("page_size")],
        {
            "items": "items",
            "next_page": "next_page",
            "next_page_uri": "next_link",
            "first_page_uri": "first_link",
            "page": "page",
        },
    ),
    (
        "required properties no rule knows: a constant the schema accepts",
        _obj({"items": ITEMS, "request_id": STR, "version": {"type": "integer", "minimum": 3}}),
        [],
        {"items": "items", "request_id": "value", "version": "value"},
    ),
]


@pytest.mark.parametrize(
    ("label", "envelope", "params", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_each_property_is_filled_from_the_page(
    tmp_path: Path,
    label: str,
    envelope: dict[str, Any],
    params: list[dict[str, Any]],
    expected: dict[str, str],
) -> None:
    plan, binding = _plan(tmp_path, envelope, params)
    assert binding.envelope is not None and not binding.envelope.unfilled
    assert _sources(binding.envelope.body) == expected
    shown = describe(plan)
    for where, source in expected.items():
        if source != "value":
            assert f"{where} <- " in shown, shown


def test_a_required_constant_is_valid_for_its_schema(tmp_path: Path) -> None:
    envelope = _obj(
        {"items": ITEMS, "version": {"type": "integer", "minimum": 3}, "object": {"const": "list"}}
    )
    _, binding = _plan(tmp_path, envelope, [])
    fields = binding.envelope.body["fields"]
    assert fields["version"]["fallback"] >= 3
    assert fields["object"]["fallback"] == "list"


def test_paging_parameters_by_role(tmp_path: Path) -> None:
    params = [_param("page[number]"), _param("page[size]"), _param("starting_after", "string")]
    _, binding = _plan(tmp_path, _obj({"data": ITEMS}), params)
    assert binding.page_param.name == "page[number]"
    assert binding.limit_param.name == "page[size]"
    assert binding.after_param.name == "starting_after"
    assert binding.refuses_bad_cursor  # the operation declares a 400


def test_among_several_arrays_the_items_are_the_one_named_like_a_list(tmp_path: Path) -> None:
    envelope = _obj({"data": ITEMS, "included": ITEMS, "meta": _obj({"total": INT})})
    _, binding = _plan(tmp_path, envelope, [])
    assert binding.list_path == ("data",)
    assert _sources(binding.envelope.body)["meta.total"] == "total"
