"""The titles FastAPI writes itself on response schemas, recognised in a derived document.

FastAPI publishes a response model that is not a class (a union such as ``Model | None``,
a list, a scalar) inline under the response's media type and titles it from the route:
``Response_<code>_<unique id>`` for a response given in ``responses=``, ``Response_<unique
id>`` for the route's own response model, as ``str.title()`` spells them with spaces. The
unique id of a route with an operationId is that operationId. Such a title names the
route, not the document's schema; it is dropped from the app's document before the
nullable wrapper takes its one member's title (part of the rule "auto-generated titles"),
unless the spec writes that same title there (a document FastAPI itself produced does).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from specfirst.validator.normalize import HTTP_METHODS


def fastapi_response_titles(code: str, unique_id: str) -> frozenset[str]:
    """The titles FastAPI may write for the response ``code`` of the route ``unique_id``."""
    names = (f"Response_{code}_{unique_id}", f"Response_{unique_id}")
    return frozenset(name.title().replace("_", " ") for name in names)


def without_response_titles(
    doc: dict[str, Any], reference: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """``doc`` (not modified) without the titles FastAPI wrote on its response schemas; a
    title the normalized spec ``reference`` has at the same place is kept."""
    out = dict(doc)
    for section in ("paths", "webhooks"):
        items = doc.get(section)
        if isinstance(items, dict):
            spec_items = _child(reference, section)
            out[section] = {
                name: _path_item(item, _child(spec_items, name)) for name, item in items.items()
            }
    return out


def _child(node: Any, key: str) -> Any:
    return node.get(key) if isinstance(node, Mapping) else None


def _path_item(item: Any, spec: Any) -> Any:
    if not isinstance(item, dict):
        return item
    return {
        key: _operation(op, _child(spec, key)) if key in HTTP_METHODS else op
        for key, op in item.items()
    }


def _operation(op: Any, spec: Any) -> Any:
    if not isinstance(op, dict) or not isinstance(op.get("operationId"), str):
        return op
    responses = op.get("responses")
    if not isinstance(responses, dict):
        return op
    unique_id = op["operationId"]
    spec_responses = _child(spec, "responses")
    out: dict[Any, Any] = {}
    for code, response in responses.items():
        titles = fastapi_response_titles(str(code), unique_id)
        out[code] = _response(response, titles, _child(spec_responses, str(code)))
    return {**op, "responses": out}


def _response(response: Any, titles: frozenset[str], spec: Any) -> Any:
    if not isinstance(response, dict) or not isinstance(response.get("content"), dict):
        return response
    spec_content = _child(spec, "content")
    content = {
        media: _media(media_type, titles, _child(_child(spec_content, media), "schema"))
        for media, media_type in response["content"].items()
    }
    return {**response, "content": content}


def _media(media_type: Any, titles: frozenset[str], spec_schema: Any) -> Any:
    if not isinstance(media_type, Mapping):
        return media_type
    schema = media_type.get("schema")
    if not isinstance(schema, dict) or "$ref" in schema or schema.get("title") not in titles:
        return media_type
    if _child(spec_schema, "title") == schema["title"]:
        return media_type  # the spec says the same: nothing of FastAPI's own to drop
    return {**media_type, "schema": {k: v for k, v in schema.items() if k != "title"}}
