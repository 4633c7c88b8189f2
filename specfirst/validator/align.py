"""App-side alignment: the normalization rules that look at the spec.

Applied to the app's normalized document after both sides are normalized
(:func:`align_app_to_spec`, called by ``normalize_document(..., side="app", reference=...)``):
auto-generated titles, summary and operationId, the automatic 422 and default responses,
enum and const typing, parameter descriptions copied into their schemas, and path variable
names. Each rule is listed in :data:`specfirst.validator.normalize.NORMALIZATIONS`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from specfirst.validator.normalize import (
    _SCHEMA_LIST_KEYS,
    _SCHEMA_MAP_KEYS,
    _SCHEMA_ONE_KEYS,
    HTTP_METHODS,
    JSON,
    _drop_unconstrained_properties,
    _Normalizer,
    _value_has_type,
    canonical_json,
    is_marker,
    path_shape,
    path_variables,
    resolve_marker,
)


def _with_spec_variable_names(app: dict[str, Any], spec: Mapping[str, Any]) -> dict[str, Any]:
    """The app's paths, each that matches one spec path but for its variables' names renamed
    to that path (its path parameters too): rule "path variable names"."""
    by_shape: dict[str, list[str]] = {}
    for path in spec:
        if path not in app:
            by_shape.setdefault(path_shape(path), []).append(path)
    out: dict[str, Any] = {}
    for path, item in app.items():
        candidates = [] if path in spec else by_shape.get(path_shape(path), [])
        if len(candidates) != 1 or candidates[0] in out or not isinstance(item, dict):
            out[path] = item
            continue
        target = candidates[0]
        names = dict(zip(path_variables(path), path_variables(target), strict=True))
        out[target] = {
            key: _path_parameters_renamed(op, names) if key in HTTP_METHODS else op
            for key, op in item.items()
        }
    return out


def _path_parameters_renamed(op: JSON, names: Mapping[str, str]) -> JSON:
    if not isinstance(op, dict) or not isinstance(op.get("parameters"), dict):
        return op
    params: dict[str, Any] = {}
    for key, param in op["parameters"].items():
        where, _, name = key.partition(":")
        if where == "path" and name in names and isinstance(param, dict):
            key = f"path:{names[name]}"
            if "name" in param:
                param = {**param, "name": names[name]}
        params[key] = param
    return {**op, "parameters": params}


class _Aligner:
    """Applies the spec-guided rules (titles, summary/operationId, auto 422, enum type)."""

    def __init__(self, auto_422: JSON) -> None:
        self._auto_422 = canonical_json(auto_422)
        self._memo: dict[tuple[int, int], tuple[JSON, JSON, JSON]] = {}

    def document(self, app: dict[str, Any], spec: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(app)
        for section in ("paths", "webhooks"):
            if isinstance(app.get(section), dict):
                spec_items = spec.get(section) if isinstance(spec.get(section), dict) else {}
                items = dict(app[section])
                if section == "paths":
                    items = _with_spec_variable_names(items, spec_items)
                out[section] = {
                    name: self._path_item(item, spec_items.get(name))
                    for name, item in items.items()
                }
        return out

    def _path_item(self, item: JSON, spec_item: JSON) -> JSON:
        if not isinstance(item, dict):
            return item
        spec_item = spec_item if isinstance(spec_item, dict) else {}
        return {
            key: self._operation(value, spec_item.get(key)) if key in HTTP_METHODS else value
            for key, value in item.items()
        }

    def _operation(self, op: JSON, spec_op: JSON) -> JSON:
        if not isinstance(op, dict):
            return op
        known = isinstance(spec_op, dict)
        spec = spec_op if isinstance(spec_op, dict) else {}
        out: dict[str, Any] = {}
        for key, value in op.items():
            if key in ("summary", "operationId") and known and key not in spec:
                continue
            if key == "parameters" and isinstance(value, dict):
                spec_params = _dict(spec.get("parameters"))
                out[key] = {
                    name: self._parameter(p, spec_params.get(name)) for name, p in value.items()
                }
            elif key == "requestBody":
                out[key] = self._with_content(value, spec.get("requestBody"))
            elif key == "responses" and isinstance(value, dict):
                responses = self._responses(value, _dict(spec.get("responses")), known)
                if known and "responses" not in spec and canonical_json(responses) == _AUTO_200:
                    continue
                out[key] = responses
            elif key == "callbacks" and isinstance(value, dict):
                spec_callbacks = _dict(spec.get("callbacks"))
                out[key] = {
                    name: self._callback(cb, spec_callbacks.get(name)) for name, cb in value.items()
                }
            else:
                out[key] = value
        return out

    def _callback(self, callback: JSON, spec_callback: JSON) -> JSON:
        if not isinstance(callback, dict):
            return callback
        spec = _dict(spec_callback)
        return {expr: self._path_item(item, spec.get(expr)) for expr, item in callback.items()}

    def _responses(self, responses: dict[str, Any], spec: dict[str, Any], known: bool) -> JSON:
        out: dict[str, Any] = {}
        for code, response in responses.items():
            if (
                code == "422"
                and known
                and "422" not in spec
                and canonical_json(response) == self._auto_422
            ):
                continue
            out[code] = self._response(response, spec.get(code))
        return out

    def _response(self, response: JSON, spec_response: JSON) -> JSON:
        response = self._with_content(response, spec_response)
        if isinstance(response, dict) and isinstance(response.get("headers"), dict):
            spec_headers = _dict(_dict(spec_response).get("headers"))
            response = {
                **response,
                "headers": {
                    name: self._parameter(h, spec_headers.get(name))
                    for name, h in response["headers"].items()
                },
            }
        return response

    def _parameter(self, param: JSON, spec_param: JSON) -> JSON:
        if not isinstance(param, dict):
            return param
        spec = _dict(spec_param)
        out = self._with_content(param, spec)
        if "schema" in out:
            schema = out["schema"]
            spec_schema = spec.get("schema")
            if (
                isinstance(schema, dict)
                and "description" in schema
                and schema["description"] == out.get("description")
                and "description" not in _dict(spec_schema)
            ):
                schema = {k: v for k, v in schema.items() if k != "description"}
            out = {**out, "schema": align_schema(schema, spec_schema, self._memo)}
        return out

    def _with_content(self, obj: JSON, spec_obj: JSON) -> JSON:
        if not (isinstance(obj, dict) and isinstance(obj.get("content"), dict)):
            return obj
        spec_content = _dict(_dict(spec_obj).get("content"))
        content = {}
        for media, value in obj["content"].items():
            if isinstance(value, dict) and "schema" in value:
                spec_media = _dict(spec_content.get(media))
                value = {
                    **value,
                    "schema": align_schema(value["schema"], spec_media.get("schema"), self._memo),
                }
            content[media] = value
        return {**obj, "content": content}


def _dict(value: JSON) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def align_schema(
    app: JSON, spec: JSON, memo: dict[tuple[int, int], tuple[JSON, JSON, JSON]] | None = None
) -> JSON:
    """Drop app-only titles and enum-implied types, walking the spec schema alongside.

    Normalized schemas share their sub-schemas (a component used in many places is one
    object): ``memo`` maps each (app node, spec node) pair already aligned to its result, so
    each pair is aligned once and the result is shared in turn, instead of walking the
    expansion of the reference graph.
    """
    if not isinstance(app, dict) or is_marker(app):
        return app  # a marker's schema is aligned where the comparison meets it
    if memo is None:
        memo = {}
    spec = resolve_marker(spec)
    key = (id(app), id(spec))
    hit = memo.get(key)
    if hit is not None:
        return hit[2]
    out = _align_node(app, spec, memo)
    memo[key] = (app, spec, out)  # keeps both nodes alive, so their ids stay unique
    return out


def _align_node(
    app: dict[str, Any], spec: JSON, memo: dict[tuple[int, int], tuple[JSON, JSON, JSON]]
) -> JSON:
    spec_node = spec if isinstance(spec, dict) else None
    out: dict[str, Any] = {}
    for key, value in app.items():
        spec_value = spec_node.get(key) if spec_node is not None else None
        if key in _SCHEMA_MAP_KEYS and isinstance(value, dict):
            spec_map = _dict(spec_value)
            out[key] = {
                name: align_schema(v, spec_map.get(name), memo) for name, v in value.items()
            }
        elif key in _SCHEMA_ONE_KEYS:
            out[key] = (
                _align_list(value, spec_value, memo)
                if isinstance(value, list)
                else align_schema(value, spec_value, memo)
            )
        elif key in _SCHEMA_LIST_KEYS and isinstance(value, list):
            out[key] = _align_list(value, spec_value, memo)
        elif key == "discriminator" and isinstance(value, dict):
            mapping = value.get("mapping")
            if isinstance(mapping, dict):
                spec_mapping = _dict(_dict(spec_value).get("mapping"))
                value = {
                    **value,
                    "mapping": {
                        name: align_schema(v, spec_mapping.get(name), memo)
                        for name, v in mapping.items()
                    },
                }
            out[key] = value
        else:
            out[key] = value
    if "title" in out and (spec_node is None or "title" not in spec_node):
        del out["title"]
    _drop_unconstrained_properties(out)
    if spec_node is not None and "type" in out and "type" not in spec_node:
        values = _enum_values(out)
        spec_values = _enum_values(spec_node)
        if values is not None and spec_values is not None:
            types = out["type"] if isinstance(out["type"], list) else [out["type"]]
            if all(any(_value_has_type(v, str(t)) for t in types) for v in values):
                del out["type"]
    return out


def _align_list(
    values: list[JSON], spec_values: JSON, memo: dict[tuple[int, int], tuple[JSON, JSON, JSON]]
) -> list[JSON]:
    spec_list = spec_values if isinstance(spec_values, list) else []
    return [
        align_schema(v, spec_list[i] if i < len(spec_list) else None, memo)
        for i, v in enumerate(values)
    ]


def _enum_values(node: Mapping[str, Any]) -> list[JSON] | None:
    if isinstance(node.get("enum"), list):
        return list(node["enum"])
    if "const" in node:
        return [node["const"]]
    return None


_AUTO_200 = canonical_json(
    {"200": {"description": "Successful Response", "content": {"application/json": {"schema": {}}}}}
)
"""FastAPI's automatic response of an operation that declares none, normalized."""


def _auto_422_response() -> JSON:
    """FastAPI's automatic 422 response, normalized the way an app document is."""
    from fastapi.openapi.utils import (
        validation_error_definition,
        validation_error_response_definition,
    )

    doc = {
        "openapi": "3.1.0",
        "info": {"title": "", "version": ""},
        "paths": {
            "/": {
                "get": {
                    "responses": {
                        "422": {
                            "description": "Validation Error",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/HTTPValidationError"}
                                }
                            },
                        }
                    }
                }
            }
        },
        "components": {
            "schemas": {
                "HTTPValidationError": copy.deepcopy(validation_error_response_definition),
                "ValidationError": copy.deepcopy(validation_error_definition),
            }
        },
    }
    normalized = _Normalizer(doc, (3, 1)).document()
    return normalized["paths"]["/"]["get"]["responses"]["422"]


def align_app_to_spec(app_normalized: dict[str, Any], spec_normalized: Mapping[str, Any]) -> dict:
    """Apply the spec-guided rules (2, 3, 10, 15) to an already normalized app document."""
    return _Aligner(_auto_422_response()).document(app_normalized, spec_normalized)
