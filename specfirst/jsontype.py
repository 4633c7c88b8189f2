"""The JSON type of a value read from a document (one answer for the whole generator)."""

from __future__ import annotations

from typing import Any


def json_type(value: Any) -> str:
    """``null``, ``boolean``, ``integer`` (an integral number too: JSON Schema counts ``5.0``
    as an integer), ``number``, ``string``, ``array`` or ``object``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"
