"""Repairable defects of a loaded document: each is a located warning saying what is assumed.

Real descriptions carry defects whose meaning is clear; the loader reports each one as a
warning (:meth:`LoadedSpec.warn`) and goes on with the stated repair, or refuses them all in
strict mode.  The checks here run on the bundled document after the path parameters are
repaired (see ``loader._check_operations``) and before the structural check:

- a security requirement naming a scheme ``components/securitySchemes`` does not define is
  kept as written; the generated requirement alternative that names it accepts no credential
  (a repair never widens access);
- a response whose status has no body (``204``, ``304``) but declares content: the content
  is dropped;
- a schema bound that admits every number (``maximum: .inf``): the bound is dropped (any
  other non-finite number is refused);
- ``null`` listed in the ``enum`` of a schema whose ``type`` excludes it (no ``nullable:
  true`` in OAS 3.0, no ``"null"`` type in 3.1): the schema is read as nullable, since
  listing ``null`` says nothing else (JSON Schema would make the entry unreachable);
- ``enum`` values of another type than the declared one (``type: string`` over ``[true,
  false]``): the type becomes the values' own (as written, no value could be valid).

One runs after the structural check, on a document known to be well formed:

- a ``oneOf`` of objects where the plainest value of one member matches another member too:
  read as ``anyOf`` (see :func:`overlapping_one_of`).
"""

from __future__ import annotations

import json
import math
from typing import Any, Final

from specfirst.errors import Problem
from specfirst.jsontype import json_type
from specfirst.loader import HTTP_METHODS, LoadedSpec, pointer_join

BODILESS_STATUSES: Final = ("204", "304")
"""Responses that never carry a body (RFC 9110 15.3.5 and 15.4.5)."""


def _operations(spec: LoadedSpec) -> list[tuple[str, dict[str, Any]]]:
    """(pointer, operation) of every operation under ``paths`` and ``webhooks``."""
    found: list[tuple[str, dict[str, Any]]] = []
    for section in ("paths", "webhooks"):
        items = spec.document.get(section)
        if not isinstance(items, dict):
            continue
        for template, item in items.items():
            item_pointer = pointer_join("", section, template)
            item = _local_target(spec, item)
            if not isinstance(item, dict):
                continue
            for method in HTTP_METHODS:
                operation = item.get(method)
                if isinstance(operation, dict):
                    found.append((pointer_join(item_pointer, method), operation))
    return found


def _local_target(spec: LoadedSpec, node: Any) -> Any:
    """``node``, or what its local ``$ref`` chain points to (None when it does not resolve)."""
    for _ in range(64):
        ref = node.get("$ref") if isinstance(node, dict) else None
        if not isinstance(ref, str):
            return node
        try:
            node = spec.resolve(ref)
        except (KeyError, ValueError):
            return None
    return None


def check_security_schemes(spec: LoadedSpec) -> None:
    """Warn about every requirement naming an undefined scheme (once per place written)."""
    components = spec.document.get("components")
    schemes = components.get("securitySchemes") if isinstance(components, dict) else None
    defined = set(schemes) if isinstance(schemes, dict) else set()
    places: list[tuple[str, Any]] = [("/security", spec.document.get("security"))]
    places += [
        (pointer_join(pointer, "security"), operation.get("security"))
        for pointer, operation in _operations(spec)
    ]
    for pointer, requirements in places:
        if not isinstance(requirements, list):
            continue
        for index, requirement in enumerate(requirements):
            if not isinstance(requirement, dict):
                continue
            for name in requirement:
                if name not in defined:
                    spec.warn(
                        pointer_join(pointer, index, name),
                        f"security scheme {name!r} is not defined in components/securitySchemes",
                        "the requirement naming it accepts no credential (every request "
                        "relying on it is refused)",
                    )


def drop_bodiless_content(spec: LoadedSpec) -> None:
    """A 204 or 304 response that declares content: the content is dropped (warned)."""
    for op_pointer, operation in _operations(spec):
        responses = operation.get("responses")
        if not isinstance(responses, dict):
            continue
        for status, response in list(responses.items()):
            if str(status) not in BODILESS_STATUSES:
                continue
            target = _local_target(spec, response)
            if not isinstance(target, dict) or not target.get("content"):
                continue
            pointer = pointer_join(op_pointer, "responses", status)
            spec.warn(
                pointer_join(pointer, "content"),
                f"a {status} response has no body, but content is declared",
                "the content is ignored",
            )
            # the target may be a shared component: the operation gets its own copy
            responses[status] = {key: value for key, value in target.items() if key != "content"}


# A bound that admits every number: written as YAML ``.inf``, it is no bound at all.
_NO_OP_BOUNDS: Final = {"maximum": 1, "exclusiveMaximum": 1, "minimum": -1, "exclusiveMinimum": -1}
_LITERAL_KEYS: Final = frozenset({"example", "examples", "default", "enum", "const", "value"})


def non_finite_numbers(spec: LoadedSpec) -> list[Problem]:
    """YAML's ``.inf`` and ``.nan`` are no JSON numbers (the served document cannot hold them).

    A bound of a schema that admits every number (``maximum: .inf``, ``minimum: -.inf``)
    is dropped with a warning; any other non-finite number is a refusal.
    """
    problems: list[Problem] = []
    todo: list[tuple[Any, str, bool]] = [(spec.document, "", False)]
    while todo:
        node, pointer, literal = todo.pop()
        items = (
            node.items()
            if isinstance(node, dict)
            else enumerate(node)
            if isinstance(node, list)
            else ()
        )
        for key, value in list(items):
            child = pointer_join(pointer, key)
            if isinstance(value, float) and not math.isfinite(value):
                sign = _NO_OP_BOUNDS.get(key) if isinstance(node, dict) and not literal else None
                if sign is not None and not math.isnan(value) and (value > 0) == (sign > 0):
                    spec.warn(child, f"{key} is {value} (not a JSON number)", "no bound")
                    del node[key]
                else:
                    problems.append(
                        spec.problem(child, f"{value} is not a JSON number: write a finite number")
                    )
            elif isinstance(value, (dict, list)):
                is_literal = literal or (
                    isinstance(node, dict) and (key in _LITERAL_KEYS or str(key).startswith("x-"))
                )
                todo.append((value, child, is_literal))
    return problems


# -- oneOf members that accept one same value ------------------------------------------------

_NOT_BUILT: Final = object()
"""A member whose plain value this module does not know how to build (the oneOf is left alone)."""

_FORMAT_VALUES: Final = {
    "date-time": "2020-01-01T00:00:00Z",
    "date": "2020-01-01",
    "time": "00:00:00Z",
    "email": "user@example.com",
    "uri": "https://example.com",
    "url": "https://example.com",
    "uuid": "00000000-0000-4000-8000-000000000000",
}
_DOCUMENT_URI: Final = "urn:specfirst:document"


def overlapping_one_of(spec: LoadedSpec) -> None:
    """A ``oneOf`` whose members accept one same plain value is taken as ``anyOf`` (warned).

    ``oneOf`` wants exactly one member to match. When the plainest value of one member (its
    required properties only, each the plainest value of its schema) matches another member
    as well, the members differ only in optional properties or annotations: the service's own
    answers and the clients' ordinary requests would match several and be refused. The
    document meant "one of these shapes"; ``anyOf`` says it. Only object members are judged:
    among scalars an overlap is a way to exclude values (``oneOf`` of two ``multipleOf``s).
    A ``oneOf`` with a discriminator is left alone (the discriminator picks the member), as is
    one whose members cannot be built plainly (patterns, ``multipleOf``, ``not``: no claim).
    """
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    registry: Registry = Registry().with_resource(  # type: ignore[call-arg]
        _DOCUMENT_URI, Resource.from_contents(spec.document, default_specification=DRAFT202012)
    )
    for pointer, node in _one_of_nodes(spec.document):
        members = node["oneOf"]
        if "discriminator" in node or "anyOf" in node or len(members) < 2:
            continue
        values = [_plain_value(spec, member, 0) for member in members]
        # scalar members are not judged: overlap there is a way to exclude values (exclusivity)
        objects = [i for i, value in enumerate(values) if isinstance(value, dict)]
        found = None
        for i in objects:
            value = values[i]
            for j in objects:
                if i == j:
                    continue
                reference = {"$ref": f"{_DOCUMENT_URI}#{pointer_join(pointer, 'oneOf', j)}"}
                try:
                    matches = Draft202012Validator(reference, registry=registry).is_valid(value)
                except Exception:  # noqa: BLE001 - a construct jsonschema cannot evaluate: no claim
                    matches = False
                if matches:
                    found = (i, j)
                    break
            if found:
                break
        if found is None:
            continue
        i, j = found
        spec.warn(
            pointer_join(pointer, "oneOf"),
            f"oneOf members {i} and {j} both accept {_shown(values[i])}: a value of that shape "
            "matches more than one member, and oneOf refuses it",
            "anyOf: a value matching any member is valid",
        )
        node["anyOf"] = node.pop("oneOf")


def _shown(value: Any) -> str:
    import json

    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= 80 else text[:77] + "..."


def _one_of_nodes(document: Any) -> list[tuple[str, dict[str, Any]]]:
    """(pointer, schema) of every schema with a ``oneOf`` list, literal values left out."""
    found: list[tuple[str, dict[str, Any]]] = []
    seen: set[int] = set()
    todo: list[tuple[Any, str]] = [(document, "")]
    while todo:
        node, pointer = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, dict):
            if isinstance(node.get("oneOf"), list):
                found.append((pointer, node))
            for key, value in node.items():
                if isinstance(value, (dict, list)) and not (
                    key in _LITERAL_KEYS or str(key).startswith("x-")
                ):
                    todo.append((value, pointer_join(pointer, key)))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                if isinstance(value, (dict, list)):
                    todo.append((value, pointer_join(pointer, index)))
    found.sort(key=lambda item: item[0])
    return found


def _plain_value(spec: LoadedSpec, schema: Any, depth: int) -> Any:
    """The plainest value of ``schema``: required properties only, first choices; or _NOT_BUILT."""
    schema = _local_target(spec, schema)
    if schema is True or schema == {}:
        return "x"
    if not isinstance(schema, dict) or depth > 8 or "not" in schema or "if" in schema:
        return _NOT_BUILT
    if "const" in schema:
        return schema["const"]
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        return enum[0]
    value: Any = _NOT_BUILT
    for keyword in ("allOf", "anyOf", "oneOf"):
        members = schema.get(keyword)
        if not isinstance(members, list) or not members:
            continue
        parts = [
            _plain_value(spec, m, depth + 1)
            for m in (members if keyword == "allOf" else members[:1])
        ]
        if any(part is _NOT_BUILT for part in parts):
            return _NOT_BUILT
        if all(isinstance(part, dict) for part in parts):
            merged: dict[str, Any] = {} if not isinstance(value, dict) else dict(value)
            for part in parts:
                merged.update(part)
            value = merged
        elif len(parts) == 1 and value is _NOT_BUILT:
            value = parts[0]
        else:
            return _NOT_BUILT
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind is None and ("properties" in schema or "required" in schema):
        kind = "object"
    if kind is None:
        return value
    if kind == "object":
        own = _plain_object(spec, schema, depth)
        if own is _NOT_BUILT or (value is not _NOT_BUILT and not isinstance(value, dict)):
            return _NOT_BUILT
        return {**(value if isinstance(value, dict) else {}), **own}
    if value is not _NOT_BUILT:
        return value
    return _plain_scalar(spec, schema, kind, depth)


def _plain_object(spec: LoadedSpec, schema: dict[str, Any], depth: int) -> Any:
    properties = schema.get("properties")
    properties = properties if isinstance(properties, dict) else {}
    required = schema.get("required")
    result: dict[str, Any] = {}
    for name in required if isinstance(required, list) else []:
        if not isinstance(name, str):
            return _NOT_BUILT
        part = _plain_value(spec, properties.get(name, True), depth + 1)
        if part is _NOT_BUILT:
            return _NOT_BUILT
        result[name] = part
    if isinstance(schema.get("minProperties"), int) and len(result) < schema["minProperties"]:
        return _NOT_BUILT
    return result


def _plain_scalar(spec: LoadedSpec, schema: dict[str, Any], kind: Any, depth: int) -> Any:
    if kind == "string":
        if "pattern" in schema:
            return _NOT_BUILT
        fmt = schema.get("format")
        if fmt in _FORMAT_VALUES:
            return _FORMAT_VALUES[fmt]
        length = schema.get("minLength")
        return "x" * max(length if isinstance(length, int) else 1, 1)
    if kind in ("integer", "number"):
        if "multipleOf" in schema:
            return _NOT_BUILT
        bounds = [
            b
            for b in (schema.get("minimum"), schema.get("maximum"))
            if isinstance(b, (int, float)) and not isinstance(b, bool)
        ]
        return int(bounds[0]) if bounds and kind == "integer" else (bounds[0] if bounds else 1)
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    if kind == "array":
        least = schema.get("minItems")
        if not isinstance(least, int) or least <= 0:
            return []
        item = _plain_value(spec, schema.get("items", True), depth + 1)
        return _NOT_BUILT if item is _NOT_BUILT or least > 1 else [item]
    return _NOT_BUILT


def enum_types(spec: LoadedSpec) -> None:
    """Every schema whose ``enum`` lists values its ``type`` excludes (warned): values of
    another type make the type theirs, a listed ``null`` makes the schema nullable
    (``nullable: true`` in OAS 3.0, ``"null"`` added to the type in 3.1)."""
    todo: list[tuple[Any, str]] = [(spec.document, "")]
    while todo:
        node, pointer = todo.pop()
        if isinstance(node, list):
            todo.extend((value, pointer_join(pointer, i)) for i, value in enumerate(node))
            continue
        if not isinstance(node, dict):
            continue
        _retype_enum(spec, node, pointer)
        _make_enum_null_valid(spec, node, pointer)
        for key, value in node.items():
            if isinstance(value, (dict, list)) and not (
                key in _LITERAL_KEYS or str(key).startswith("x-")
            ):
                todo.append((value, pointer_join(pointer, key)))


def _make_enum_null_valid(spec: LoadedSpec, node: dict[str, Any], pointer: str) -> None:
    enum, declared = node.get("enum"), node.get("type")
    if not isinstance(enum, list) or None not in enum:
        return
    types = [declared] if isinstance(declared, str) else declared
    if not isinstance(types, list) or not types or "null" in types:
        return
    if spec.version == (3, 0):
        if node.get("nullable") is True or not isinstance(declared, str):
            return
        node["nullable"] = True
    else:
        node["type"] = [*types, "null"]
    spec.warn(
        pointer_join(pointer, "enum", enum.index(None)),
        f"null is listed in the enum, but the type ({', '.join(map(str, types))}) excludes it",
        "null is accepted (the schema is read as nullable)",
    )


def _fits(value_type: str, types: list[Any]) -> bool:
    return (
        value_type == "null"  # a null in the enum is the nullable repair's (enum_types)
        or value_type in types
        or (value_type == "integer" and "number" in types)
    )


def _retype_enum(spec: LoadedSpec, node: dict[str, Any], pointer: str) -> None:
    """An ``enum`` whose values are of another type than the declared one (``type: string``
    over ``[true, false]``): no value could be valid, so the values say what is meant."""
    enum, declared = node.get("enum"), node.get("type")
    types = [declared] if isinstance(declared, str) else declared
    if not isinstance(enum, list) or not isinstance(types, list) or not types:
        return
    value_types = [json_type(value) for value in enum]
    misfit = next((i for i, t in enumerate(value_types) if not _fits(t, types)), None)
    if misfit is None:
        return
    wanted = list(dict.fromkeys(t for t in value_types if t != "null"))
    if "null" in types:
        wanted.append("null")
    if spec.version == (3, 0) and len(wanted) != 1:
        return  # OAS 3.0 has no type list: left as written (the generator reads the values)
    node["type"] = wanted[0] if len(wanted) == 1 else wanted
    spec.warn(
        pointer_join(pointer, "enum", misfit),
        f"the enum lists {json.dumps(enum[misfit])}, which its type ({', '.join(map(str, types))}) excludes",
        f"the type is {' or '.join(wanted)}, the enum values' own",
    )
