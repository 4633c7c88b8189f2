"""The base of generated models, and how values go to and come from the wire.

Models take their Python field names or their wire names; a model sends only the fields
that were set (``Model(a=None)`` sends ``"a": null``, ``Model()`` sends nothing for ``a``).
Unknown properties of an answer are kept (``model.model_extra``), so a server that grows
a property does not break an older client.
"""

from __future__ import annotations

import functools
import json
import os
import pathlib
from collections.abc import Callable, Mapping
from typing import Any

import pydantic
from pydantic_core import to_jsonable_python

from ._types import Unset


class Model(pydantic.BaseModel):
    """Base of every generated model."""

    model_config = pydantic.ConfigDict(
        populate_by_name=True, extra="allow", arbitrary_types_allowed=True
    )

    def to_wire(self) -> dict[str, Any]:
        """The JSON object this model sends: wire names, only the fields that were set."""
        return dict(self.model_dump(mode="json", by_alias=True, exclude_unset=True))


def to_wire(value: Any) -> Any:
    """A JSON value for anything a generated method accepts (models, lists, dicts, dates ...)."""
    if isinstance(value, pydantic.BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if isinstance(value, Mapping):
        return {str(k): to_wire(v) for k, v in value.items() if not isinstance(v, Unset)}
    if isinstance(value, (list, tuple)):
        return [to_wire(v) for v in value]
    return to_jsonable_python(value)


@functools.lru_cache(maxsize=1024)
def _adapter(tp: Any) -> pydantic.TypeAdapter[Any]:
    return pydantic.TypeAdapter(tp)


def parse(tp: Any, data: Any) -> Any:
    """``data`` (a decoded JSON value) validated as the type ``tp``."""
    if tp is Any:
        return data
    return _adapter(tp).validate_python(data)


OTHER_TAG = "\x00other"
"""The tag of the catch-all member of a union read from answers (an unknown discriminator)."""


def tag_of(name: str, known: tuple[str, ...] | None = None) -> Callable[[Any], Any]:
    """The discriminator of a discriminated union: the value of property ``name`` of an
    object (a dict from the wire, or a model built in code). With ``known``, a value not in
    it reads as :data:`OTHER_TAG`, so that an answer with a newer kind still parses."""

    def read(value: Any) -> Any:
        tag: Any = None
        if isinstance(value, Mapping):
            tag = value.get(name)
        elif isinstance(value, pydantic.BaseModel):
            for field_name, info in type(value).model_fields.items():
                if name in (info.serialization_alias, field_name):
                    tag = getattr(value, field_name)
                    break
            else:
                tag = (value.model_extra or {}).get(name)
        if known is not None and tag not in known:
            return OTHER_TAG
        return tag

    return read


def _is_file(value: Any) -> bool:
    return isinstance(value, (bytes, bytearray, os.PathLike)) or hasattr(value, "read")


def _file(value: Any) -> Any:
    if isinstance(value, os.PathLike):
        path = pathlib.Path(value)
        return (path.name, path.read_bytes())
    return value


def _form_value(value: Any) -> Any:
    wire = to_wire(value)
    if isinstance(wire, bool):
        return "true" if wire else "false"
    if isinstance(wire, (dict, list)) and not (
        isinstance(wire, list) and all(isinstance(v, (str, int, float)) for v in wire)
    ):
        return json.dumps(wire)
    return wire


def _fields(value: Any) -> dict[str, Any]:
    if isinstance(value, Unset) or value is None:
        return {}
    if isinstance(value, pydantic.BaseModel):
        return dict(value.model_dump(mode="python", by_alias=True, exclude_unset=True))
    return {str(k): v for k, v in dict(value).items() if not isinstance(v, Unset)}


def form_fields(value: Any) -> dict[str, Any]:
    """The fields of a form or multipart body that are not files, as form values (objects
    as JSON, lists repeated)."""
    return {
        k: _form_value(v)
        for k, v in _fields(value).items()
        if v is not None and not _is_file(v) and not isinstance(v, tuple)
    }


def form_files(value: Any) -> dict[str, Any] | None:
    """The files of a multipart body: bytes, a binary file object, a path, or a tuple
    ``(file name, content[, media type])``."""
    files = {k: _file(v) for k, v in _fields(value).items() if _is_file(v) or isinstance(v, tuple)}
    return files or None
