"""Schemas read for comparison: canonical, each sub-schema located where it is written.

Each side canonicalizes a schema with the validator's neutral rules
(:class:`specfirst.validator.normalize.SchemaNodeCanonicalizer`: 3.0 ``nullable`` and 3.1
type arrays alike, allOf merged where exact, enum/const, keyword defaults, ...), one node at
a time and memoized per JSON pointer, so that every sub-schema keeps the pointer of the place
it is written at (a ``$ref`` is followed: a component is located where it is defined, and its
name plays no part in the comparison). A schema that refers to itself gets a placeholder
that the comparison resolves later, so recursive schemas never loop.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from specfirst.jsontype import json_type
from specfirst.loader import LoadedSpec, pointer_join, split_pointer
from specfirst.validator.normalize import (
    SchemaNodeCanonicalizer,
    canonical_json,
    is_null_schema,
    map_schema_children,
    mapping_ref,
    schema_children,
)

JSON = Any


class Node(dict):  # type: ignore[type-arg]
    """A canonical schema node that knows the pointer it was read at."""

    __slots__ = ("pointer", "side")

    def __init__(self, content: dict[Any, Any], pointer: str, side: Side | None = None) -> None:
        super().__init__(content)
        self.pointer = pointer
        self.side = side
        """Set on a placeholder for a schema still being canonicalized (recursion)."""


_PENDING = object()
"""Key of a recursion placeholder (never a JSON key)."""


def ref_pointer(ref: str) -> str | None:
    """The JSON pointer a local ``$ref`` names (None for any other reference)."""
    if not ref.startswith("#"):
        return None
    fragment = unquote(ref[1:])
    return "" if fragment in ("", "/") else fragment


class Side:
    """One document: its schemas canonicalized on demand, memoized per pointer."""

    def __init__(self, spec: LoadedSpec) -> None:
        self.spec = spec
        self.document = spec.document
        self._canonicalizer = SchemaNodeCanonicalizer(spec.version)
        self._memo: dict[str, Node] = {}
        self._pending: set[str] = set()

    def at(self, pointer: str) -> JSON:
        """The raw node at ``pointer`` (None when there is none)."""
        node: JSON = self.document
        for token in split_pointer(pointer):
            if isinstance(node, dict) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                return None
        return node

    def deref(self, node: JSON, pointer: str) -> tuple[JSON, str]:
        """Follow a (non-schema) Reference Object: the target and its pointer."""
        for _ in range(64):
            ref = node.get("$ref") if isinstance(node, dict) else None
            target = ref_pointer(ref) if isinstance(ref, str) else None
            if target is None:
                break
            resolved = self.at(target)
            if resolved is None:
                break
            node, pointer = resolved, target
        return node, pointer

    def schema(self, pointer: str) -> Node:
        """The canonical schema at ``pointer``."""
        hit = self._memo.get(pointer)
        if hit is not None:
            return hit
        if pointer in self._pending:
            return Node({_PENDING: True}, pointer, self)
        self._pending.add(pointer)
        try:
            node = self._build(self.at(pointer), pointer)
        finally:
            self._pending.discard(pointer)
        self._memo[pointer] = node
        return node

    def property_home(self, pointer: str, name: str, depth: int = 0) -> str | None:
        """The pointer of the schema whose ``properties`` declares ``name``: the schema at
        ``pointer`` (its ``$ref`` followed) or, depth first, one of its allOf members."""
        node, pointer = self.deref(self.at(pointer), pointer)
        if not isinstance(node, dict) or depth > 32:
            return None
        properties = node.get("properties")
        if isinstance(properties, dict) and name in properties:
            return pointer
        members = node.get("allOf")
        for index in range(len(members) if isinstance(members, list) else 0):
            found = self.property_home(pointer_join(pointer, "allOf", index), name, depth + 1)
            if found is not None:
                return found
        return None

    def resolve(self, node: JSON) -> JSON:
        """A placeholder's schema (canonicalized by now); any other node as it is."""
        if isinstance(node, Node) and node.side is not None:
            return node.side._memo.get(node.pointer, {})
        return node

    def _build(self, raw: JSON, pointer: str) -> Node:
        if raw is False:
            raw = {"not": {}}
        if not isinstance(raw, dict):
            return Node({}, pointer)
        ref = raw.get("$ref")
        target = ref_pointer(ref) if isinstance(ref, str) else None
        if target is not None and self.at(target) is not None:
            siblings = {k: v for k, v in raw.items() if k != "$ref"}
            if not siblings:
                return self.schema(target)
            content = self._children(siblings, pointer)
            return Node(
                self._canonicalizer.canonical(content, ref_target=self.schema(target)), pointer
            )
        return Node(self._canonicalizer.canonical(self._children(raw, pointer)), pointer)

    def _children(self, raw: dict[str, Any], pointer: str) -> dict[Any, Any]:
        places: dict[int, str] = {}
        for key, sub, child in schema_children(raw):
            if key == "discriminator":
                target = ref_pointer(mapping_ref(child)) if isinstance(child, str) else None
                if target is not None and self.at(target) is not None:
                    places[id(child)] = target
            else:
                places[id(child)] = pointer_join(pointer, key, *(() if sub is None else (sub,)))

        def child_node(child: JSON) -> JSON:
            place = places.get(id(child))
            if place is None:
                return child
            if isinstance(child, bool):
                return self._build(child, place)
            return self.schema(place)

        return map_schema_children(raw, child_node)


# ------------------------------------------------------------------------- reading a schema


_ANNOTATION_KEYS = ("readOnly", "writeOnly", "deprecated", "default", "description", "title")


def split_nullable(node: JSON, side: Side) -> tuple[dict[Any, Any], bool, str | None]:
    """(the non-null part, whether null is accepted, its pointer if it has one of its own)."""
    node = side.resolve(node)
    if not isinstance(node, dict):
        return {}, False, None
    members = node.get("anyOf")
    if not (isinstance(members, list) and any(is_null_schema(m) for m in members)):
        return node, False, getattr(node, "pointer", None)
    rest = [side.resolve(m) for m in members if not is_null_schema(m)]
    wrapper = {k: v for k, v in node.items() if k != "anyOf"}
    if len(rest) == 1 and isinstance(rest[0], dict):
        core = rest[0]
        extra = {k: v for k, v in wrapper.items() if k not in core}
        if not extra:
            return core, True, getattr(core, "pointer", None)
        return {**core, **extra}, True, getattr(core, "pointer", None)
    return {**wrapper, "anyOf": rest}, True, None


PROPERTY_HOMES = object()
"""Key (never a JSON key) of a merged allOf: property name -> pointer of the schema that
declares it, so that a change to it is located where it is written."""

_OPEN_WORLD = frozenset({"additionalProperties", "unevaluatedProperties", "unevaluatedItems"})


def flatten_all_of(node: dict[Any, Any], side: Side) -> dict[Any, Any]:
    """``node`` with its allOf merged into it where that is exact and the validator's
    normalization left it (members that are not all object-like): every keyword appears in
    one member only or with the same value everywhere (annotations: the first one wins),
    properties are declared once, and no member looks at the properties it does not declare
    (additionalProperties). Anything else is left as it is and compared member by member."""
    members = node.get("allOf")
    if not (isinstance(members, list) and members):
        return node
    merged: dict[Any, Any] = {k: v for k, v in node.items() if k != "allOf"}
    homes: dict[str, str] = {}
    for raw in members:
        resolved = side.resolve(raw)
        if not isinstance(resolved, dict) or resolved.get(_PENDING):
            return node
        # whether null passes is decided by the node itself (split before): a member that
        # also admits null is merged by its non-null part
        core, _nullable, own = split_nullable(resolved, side)
        member = flatten_all_of(core, side)
        if _OPEN_WORLD & set(member):
            return node
        if "allOf" in member or _OPEN_WORLD & set(merged):
            return node
        home = own or getattr(resolved, "pointer", None)
        for name in member.get("properties") or {}:
            found = member.get(PROPERTY_HOMES, {}).get(name) or home
            if found is not None:
                homes[name] = found
        for key, value in member.items():
            if not isinstance(key, str):
                continue
            if key not in merged:
                merged[key] = value
            elif key in _ANNOTATION_KEYS or (isinstance(key, str) and key.startswith("x-")):
                continue
            elif key == "required" and isinstance(value, list):
                merged[key] = sorted({*merged[key], *value})
            elif key == "properties" and isinstance(value, dict):
                if set(value) & set(merged[key]):
                    return node
                merged[key] = {**merged[key], **value}
            elif canonical_json(merged[key]) != canonical_json(value):
                return node
    merged[PROPERTY_HOMES] = homes
    return merged


def types_of(node: dict[Any, Any]) -> frozenset[str] | None:
    """The JSON types a schema admits, None when it does not say (any type)."""
    declared = node.get("type")
    if isinstance(declared, str):
        return frozenset({declared})
    if isinstance(declared, list) and all(isinstance(t, str) for t in declared):
        return frozenset(declared)
    if any(k in node for k in ("properties", "additionalProperties", "required")):
        return frozenset({"object"})
    if "items" in node or "prefixItems" in node:
        return frozenset({"array"})
    values = enum_values(node)
    if values:
        return frozenset(json_type(value) for value in values.values())
    return None


def enum_values(node: dict[Any, Any]) -> dict[str, JSON] | None:
    """The values an enum or const allows, by canonical text (None: no enum)."""
    if isinstance(node.get("enum"), list):
        return {canonical_json(v): v for v in node["enum"]}
    if "const" in node:
        return {canonical_json(node["const"]): node["const"]}
    return None
