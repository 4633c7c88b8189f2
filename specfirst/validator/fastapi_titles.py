"""The titles FastAPI writes itself on response schemas, recognised in a derived document.

FastAPI publishes a response model that is not a class (a union such as ``Model | None``,
a list, a scalar) inline under the response's media type and titles it from the route:
``Response_<code>_<unique id>`` for a response given in ``responses=``, ``Response_<unique
id>`` for the route's own response model, as ``str.title()`` spells them with spaces. The
unique id of a route with an operationId is that operationId. Such a title names the
route, not the document's schema; it is dropped from the app's document before the
nullable wrapper takes its one member's title (part of the rule "auto-generated titles").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from specfirst.validator.normalize import HTTP_METHODS


def fastapi_response_titles(code: str, unique_id: str) -> frozenset[str]:
    """The titles FastAPI may write for the response ``code`` of the route ``unique_id``."""
    names = (f"Response_{code}_{unique_id}", f"Response_{unique_id}")
    return frozenset(name.title().replace("_", " ") for name in names)


def without_response_titles(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` (not modified) without the titles FastAPI wrote on its response schemas."""
    out = dict(doc)
    for section in ("paths", "webhooks"):
        items = doc.get(section)
        if isinstance(items, dict):
            out[section] = {name: _path_item(item) for name, item in items.items()}
    return out


def _path_item(item: Any) -> Any:
    if not isinstance(item, dict):
        return item
    return {key: _operation(op) if key in HTTP_METHODS else op for key, op in item.items()}


def _operation(op: Any) -> Any:
    if not isinstance(op, dict) or not isinstance(op.get("operationId"), str):
        return op
    responses = op.get("responses")
    if not isinstance(responses, dict):
        return op
    unique_id = op["operationId"]
    return {
        **op,
        "responses": {
            code: _response(response, fastapi_response_titles(str(code), unique_id))
            for code, response in responses.items()
        },
    }


def _response(response: Any, titles: frozenset[str]) -> Any:
    if not isinstance(response, dict) or not isinstance(response.get("content"), dict):
        return response
    content = {
        media: _media(media_type, titles) for media, media_type in response["content"].items()
    }
    return {**response, "content": content}


def _media(media_type: Any, titles: frozenset[str]) -> Any:
    if not isinstance(media_type, Mapping):
        return media_type
    schema = media_type.get("schema")
    if not isinstance(schema, dict) or "$ref" in schema or schema.get("title") not in titles:
        return media_type
    return {**media_type, "schema": {k: v for k, v in schema.items() if k != "title"}}
